package main

import (
	"context"
	"fmt"

	"github.com/fieldwork-audit/fieldwork/model"
)

// runRelease releases the report and writes the release seal (issue #16).
func runRelease(e *env, args []string) error {
	c := commands["release"]
	fs := flags(c)
	var report dateFlag
	fs.Var(&report, "report-date", "the date of the service auditor's opinion, YYYY-MM-DD")
	workbook := fs.String("workbook", "", "the exported workbook that goes with the report: its SHA-256 is sealed")
	asJSON := fs.Bool("json", false, "print the seal as JSON")
	userFlag := fs.String("user", "", "name recorded on the change (the partner)")
	pos, err := parse(e, c, fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 1, "FILE"); err != nil {
		return err
	}
	if report.s == "" {
		return usagef("--report-date is required: the date of the opinion")
	}
	w, err := openWorkpaper(e, pos[0], *userFlag, false)
	if err != nil {
		return err
	}
	defer w.Close()
	seal, err := w.Release(context.Background(), model.ReleaseInput{ReportDate: date(report), Workbook: *workbook})
	if err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	if *asJSON {
		return printJSON(e.stdout, seal)
	}
	fmt.Fprintf(e.stdout, "released %s: report date %s, by %s at %s\nseal: trail head %s", clean(pos[0]), seal.ReportDate, clean(seal.ReleasedBy), seal.ReleasedAt, seal.Head)
	if seal.WorkbookSHA256 != "" {
		fmt.Fprintf(e.stdout, ", workbook SHA-256 %s", seal.WorkbookSHA256)
	}
	fmt.Fprintf(e.stdout, "\nseal file: %s (keep a copy outside the file; 'fieldwork verify' checks it)\n", clean(model.SealPath(pos[0])))
	return nil
}

// runArchive locks a released workpaper (issue #16 item 6).
func runArchive(e *env, args []string) error {
	c := commands["archive"]
	fs := flags(c)
	userFlag := fs.String("user", "", "name recorded on the change")
	pos, err := parse(e, c, fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 1, "FILE"); err != nil {
		return err
	}
	w, err := openWorkpaper(e, pos[0], *userFlag, false)
	if err != nil {
		return err
	}
	defer w.Close()
	if err := w.Archive(context.Background()); err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	fmt.Fprintf(e.stdout, "archived %s: every change is now refused; 'fieldwork amend %s --reason TEXT' allows one explained addition\n", clean(pos[0]), clean(pos[0]))
	return nil
}

// runAmend allows one explained write after the archive lock.
func runAmend(e *env, args []string) error {
	c := commands["amend"]
	fs := flags(c)
	reason := fs.String("reason", "", "why the archived file is changed (recorded with who and when)")
	userFlag := fs.String("user", "", "name recorded on the change")
	pos, err := parse(e, c, fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 1, "FILE"); err != nil {
		return err
	}
	if *reason == "" {
		return usagef("--reason is required: it is recorded in the trail")
	}
	w, err := openWorkpaper(e, pos[0], *userFlag, false)
	if err != nil {
		return err
	}
	defer w.Close()
	if err := w.Amend(context.Background(), *reason); err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	fmt.Fprintf(e.stdout, "amendment recorded for %s: the next change is allowed and marked as the amendment\n", clean(pos[0]))
	return nil
}
