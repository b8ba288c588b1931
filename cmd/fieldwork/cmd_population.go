package main

import (
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"

	"github.com/charmbracelet/x/term"

	"github.com/fieldwork-audit/fieldwork/model"
)

func runPopulationImport(e *env, args []string) error {
	w := newWPCmd("population import", true)
	sheet := w.fs.String("sheet", "", "worksheet of an .xlsx file (default: the first)")
	headerRow := w.fs.Int("header-row", 0, "row of the headings (default: the first non-blank row)")
	idCol := w.fs.String("id-column", "", "heading (or letter) of the occurrence ID column")
	dateCol := w.fs.String("date-column", "", "heading (or letter) of the occurrence date column")
	dateFormat := w.fs.String("date-format", "", "day-first (DD/MM/YYYY) or month-first (MM/DD/YYYY) for numeric dates (default: decided from the column's values)")
	replace := w.fs.Bool("replace", false, "replace a population that was already tested (needs --reason)")
	reason := w.fs.String("reason", "", "why the population is replaced (logged)")
	pos, err := parse(e, w.c, w.fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 2, "FILE and SOURCE"); err != nil {
		return err
	}
	if *w.control == "" {
		return usagef("missing --control ID")
	}
	order, err := model.ParseDateFormat(*dateFormat)
	if err != nil {
		return usagef("--date-format: %v", err)
	}
	if *replace && strings.TrimSpace(*reason) == "" {
		return usagef("--replace needs --reason TEXT")
	}
	wp, err := openWorkpaper(e, pos[0], *w.user, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	in := model.PopulationImport{ControlRef: *w.control, Path: pos[1], Sheet: *sheet, HeaderRow: *headerRow, IDColumn: *idCol,
		DateColumn: *dateCol, DateOrder: order, Replace: *replace, Reason: *reason}
	if f, ok := rawFile(e.stderr); ok && term.IsTerminal(f.Fd()) {
		in.Progress = func(n int) { fmt.Fprintf(f, "\rimporting… %d rows", n) } // raw: it redraws its line
	}
	// Ctrl-C (or a TERM) stops the import cleanly: the transaction rolls
	// back and the workbook's temporary folder is removed (issue 13 item 6).
	ctx, stop := signal.NotifyContext(bg, os.Interrupt, syscall.SIGTERM)
	defer stop()
	p, err := wp.ImportPopulation(ctx, in)
	if err != nil && ctx.Err() != nil {
		err = fmt.Errorf("population import interrupted: nothing was imported")
	}
	if in.Progress != nil {
		fmt.Fprintln(e.stderr)
	}
	if err != nil {
		return err
	}
	return printPopulation(e, wp, p, *w.json, false)
}

func printPopulation(e *env, wp *model.Workpaper, p *model.Population, asJSON, flagged bool) error {
	var rows []model.PopulationRow
	if flagged {
		rows, _ = wp.FlaggedRows(bg, p.UUID, 1000)
	}
	if asJSON {
		out := map[string]any{"control": p.ControlRef, "uuid": p.UUID, "source": p.SourceName, "size": p.SourceSize, "sha256": p.SHA256,
			"format": p.Format, "sheet": p.Sheet, "header_row": p.HeaderRow, "header": p.Header, "id_column": p.IDColumn,
			"date_column": p.DateColumn, "date_order": p.DateOrder.String(), "bad_date_rows": append([]int{}, p.BadDateRows...), "rows": p.Rows, "out_of_period": p.OutOfPeriod, "bad_dates": p.BadDates,
			"duplicate_id_rows": p.Duplicates, "blank_rows": p.BlankRows, "ipe_procedure": p.IPEProcedure, "ipe_result": p.IPEResult,
			"imported_by": p.ImportedBy, "imported_at": p.ImportedAt}
		if flagged {
			fl := []map[string]any{}
			for _, r := range rows {
				fl = append(fl, map[string]any{"position": r.Position, "source_row": r.SourceRow, "id": r.ID, "date": r.Date, "flags": r.Flags})
			}
			out["flagged"] = fl
		}
		return printJSON(e.stdout, out)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	sheet := ""
	if p.Sheet != "" {
		sheet = ", sheet " + clean(p.Sheet)
	}
	fmt.Fprintf(tw, "Control\t%s\nSource\t%s (%s%s, %d bytes, header on row %d)\nSHA-256\t%s\nRows\t%d\n", p.ControlRef, clean(p.SourceName), p.Format, sheet, p.SourceSize, p.HeaderRow, p.SHA256, p.Rows)
	fmt.Fprintf(tw, "ID column\t%s\nDate column\t%s\n", orDash(clean(p.IDColumn)), orDash(clean(p.DateColumn)))
	if p.DateOrder != model.DateOrderUnknown {
		how := "decided from the column's values"
		if p.DateOrderBy == "given" {
			how = "as --date-format says"
		}
		fmt.Fprintf(tw, "Dates\tnumeric dates read %s (%s)\n", p.DateOrder, how)
	}
	fmt.Fprintf(tw, "Flags\t%d outside the period, %d unreadable dates, %d rows with a duplicate ID, %d blank rows skipped\n", p.OutOfPeriod, p.BadDates, p.Duplicates, p.BlankRows)
	fmt.Fprintf(tw, "IPE\t%s\n", orDash(clean(strings.TrimSpace(p.IPEProcedure+" → "+p.IPEResult))))
	tw.Flush()
	if len(p.BadDateRows) > 0 {
		rs := make([]string, len(p.BadDateRows))
		for i, r := range p.BadDateRows {
			rs[i] = fmt.Sprint(r)
		}
		more := ""
		if p.BadDates > len(rs) {
			more = fmt.Sprintf(" and %d more", p.BadDates-len(rs))
		}
		fmt.Fprintf(e.stdout, "unreadable dates on row %s%s\n", strings.Join(rs, ", "), more)
	}
	for _, r := range rows {
		fmt.Fprintf(e.stdout, "  position %d (row %d) %s %s: %s\n", r.Position, r.SourceRow, clean(r.ID), r.Date, strings.Join(r.Flags, ", "))
	}
	if p.OutOfPeriod+p.Duplicates+p.BadDates > 0 && !flagged {
		fmt.Fprintf(e.stdout, "see the flagged rows with: fieldwork population show %s --control %s --flagged\n", wp.Path(), p.ControlRef)
	}
	return nil
}

func runPopulationShow(e *env, args []string) error {
	w := newWPCmd("population show", true)
	flagged := w.fs.Bool("flagged", false, "list the flagged rows")
	wp, err := w.open(e, args, true)
	if err != nil {
		return err
	}
	defer wp.Close()
	p, err := wp.CurrentPopulation(bg, *w.control)
	if err != nil {
		return err
	}
	if p == nil {
		return fmt.Errorf("%s has no population yet: import one with 'fieldwork population import'", *w.control)
	}
	return printPopulation(e, wp, p, *w.json, *flagged)
}

func runPopulationIPE(e *env, args []string) error {
	w := newWPCmd("population ipe", true)
	proc := w.fs.String("procedure", "", "completeness and accuracy procedure performed")
	result := w.fs.String("result", "", "its result")
	wp, err := w.open(e, args, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	if err := wp.SetIPE(bg, *w.control, *proc, *result); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "recorded the IPE procedure for %s\n", *w.control)
	return nil
}
