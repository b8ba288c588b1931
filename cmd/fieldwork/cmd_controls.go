package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/fieldwork-audit/fieldwork/model"
)

// categoryCoverage is one line of the criteria summary.
type categoryCoverage struct {
	Category model.Category `json:"category"`
	InScope  bool           `json:"in_scope"`
	Total    int            `json:"criteria"`
	Covered  int            `json:"covered"`
	Gaps     int            `json:"gaps"`
}

func coverage(crit []model.Criterion) []categoryCoverage {
	var out []categoryCoverage
	for _, cat := range model.Categories {
		cc := categoryCoverage{Category: cat}
		for _, c := range crit {
			if c.Category != cat {
				continue
			}
			cc.Total++
			cc.InScope = c.InScope
			if len(c.Controls) > 0 {
				cc.Covered++
			}
			if c.Gap {
				cc.Gaps++
			}
		}
		out = append(out, cc)
	}
	return out
}

func runCriteria(e *env, args []string) error {
	c := commands["criteria"]
	fs := flags(c)
	asJSON := fs.Bool("json", false, "print JSON")
	gapsOnly := fs.Bool("gaps", false, "list only in-scope criteria with no control")
	pos, err := parse(e, c, fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 1, "FILE"); err != nil {
		return err
	}
	w, err := openWorkpaper(e, pos[0], "", true)
	if err != nil {
		return err
	}
	defer w.Close()
	crit, err := w.Criteria(context.Background())
	if err != nil {
		return err
	}
	if *gapsOnly {
		var g []model.Criterion
		for _, x := range crit {
			if x.Gap {
				g = append(g, x)
			}
		}
		crit = g
	}
	if *asJSON {
		if crit == nil {
			crit = []model.Criterion{}
		}
		return printJSON(e.stdout, map[string]any{"criteria": crit, "categories": coverage(crit)})
	}
	fmt.Fprintf(e.stdout, "%-6s %-9s %-5s %-48s %s\n", "ID", "SCOPE", "GAP", "TITLE", "CONTROLS")
	for _, x := range crit {
		scope, gap := "in", ""
		if !x.InScope {
			scope = "out"
		}
		if x.Gap {
			gap = "GAP"
		}
		fmt.Fprintf(e.stdout, "%-6s %-9s %-5s %-48s %s\n", x.Ref, scope, gap, truncate(clean(x.Title), 48), strings.Join(x.Controls, ", "))
	}
	fmt.Fprintln(e.stdout)
	for _, cc := range coverage(crit) {
		if cc.Total == 0 {
			continue
		}
		scope := "in scope"
		if !cc.InScope {
			scope = "out of scope"
		}
		fmt.Fprintf(e.stdout, "%-28s %-13s %2d/%2d covered, %d gaps\n", cc.Category.Title(), scope, cc.Covered, cc.Total, cc.Gaps)
	}
	return nil
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func runCriteriaImport(e *env, args []string) error {
	c := commands["criteria import"]
	fs := flags(c)
	userFlag := fs.String("user", "", "name recorded on the change")
	pos, err := parse(e, c, fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 2, "FILE and CATALOG"); err != nil {
		return err
	}
	w, err := openWorkpaper(e, pos[0], *userFlag, false)
	if err != nil {
		return err
	}
	defer w.Close()
	n, err := w.ImportCriteriaText(context.Background(), pos[1])
	if err != nil {
		return reportIssues(e, err)
	}
	fmt.Fprintf(e.stdout, "criteria text updated: %d changed\n", n)
	return nil
}

// reportIssues prints every issue of a rejected import on stderr, one per
// line, and returns a one-line summary error.
func reportIssues(e *env, err error) error {
	var me *model.MatrixError
	if !errors.As(err, &me) {
		return err
	}
	for _, is := range me.Issues {
		fmt.Fprintf(e.stderr, "%s:%d: %s: %s\n", is.File, is.Row, clean(is.Column), clean(is.Message))
	}
	return fmt.Errorf("%d problems found; nothing was imported: fix the file and run the import again", len(me.Issues))
}

func runControlsImport(e *env, args []string) error {
	c := commands["controls import"]
	fs := flags(c)
	sheet := fs.String("sheet", "", "worksheet of an .xlsx file (default: the first)")
	asJSON := fs.Bool("json", false, "print the summary as JSON")
	userFlag := fs.String("user", "", "name recorded on the change")
	pos, err := parse(e, c, fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 2, "FILE and MATRIX"); err != nil {
		return err
	}
	inputs, err := model.ReadControlMatrix(pos[1], *sheet)
	if err != nil {
		return reportIssues(e, err)
	}
	w, err := openWorkpaper(e, pos[0], *userFlag, false)
	if err != nil {
		return err
	}
	defer w.Close()
	sum, err := w.ImportControls(context.Background(), inputs, pos[1])
	if err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	if *asJSON {
		return printJSON(e.stdout, sum)
	}
	fmt.Fprintf(e.stdout, "imported %s: %d added, %d updated, %d unchanged\n", pos[1], len(sum.Added), len(sum.Updated), len(sum.Unchanged))
	if len(sum.Updated) > 0 {
		fmt.Fprintf(e.stdout, "updated: %s\n", clean(strings.Join(sum.Updated, ", ")))
	}
	if len(sum.NotInFile) > 0 {
		fmt.Fprintf(e.stdout, "kept, not in this file: %s\n", clean(strings.Join(sum.NotInFile, ", ")))
	}
	crit, err := w.Criteria(context.Background())
	if err == nil {
		var gaps []string
		for _, x := range crit {
			if x.Gap {
				gaps = append(gaps, x.Ref)
			}
		}
		if len(gaps) > 0 {
			fmt.Fprintf(e.stdout, "coverage gaps (in scope, no control): %s\n", strings.Join(gaps, ", "))
		}
	}
	return nil
}

// controlJSON is the documented JSON shape of one control.
type controlJSON struct {
	Ref         string   `json:"id"`
	Description string   `json:"description"`
	Owner       string   `json:"owner"`
	Frequency   string   `json:"frequency"`
	Nature      string   `json:"nature"`
	Key         bool     `json:"key"`
	Criteria    []string `json:"criteria"`
	UUID        string   `json:"uuid"`
	Version     int      `json:"version"`
}

func runControls(e *env, args []string) error {
	c := commands["controls"]
	fs := flags(c)
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parse(e, c, fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 1, "FILE"); err != nil {
		return err
	}
	w, err := openWorkpaper(e, pos[0], "", true)
	if err != nil {
		return err
	}
	defer w.Close()
	cs, err := w.Controls(context.Background())
	if err != nil {
		return err
	}
	if *asJSON {
		out := []controlJSON{}
		for _, x := range cs {
			out = append(out, controlJSON{x.Ref, x.Description, x.Owner, string(x.Frequency), string(x.Nature), x.Key, nonNil(x.Criteria), x.UUID, x.Version})
		}
		return printJSON(e.stdout, out)
	}
	fmt.Fprintf(e.stdout, "%-10s %-15s %-10s %-4s %-24s %s\n", "ID", "FREQUENCY", "NATURE", "KEY", "CRITERIA", "DESCRIPTION")
	for _, x := range cs {
		key := ""
		if x.Key {
			key = "key"
		}
		fmt.Fprintf(e.stdout, "%-10s %-15s %-10s %-4s %-24s %s\n", clean(x.Ref), x.Frequency, x.Nature, key,
			truncate(strings.Join(x.Criteria, ","), 24), truncate(strings.Join(strings.Fields(clean(x.Description)), " "), 60))
	}
	return nil
}
