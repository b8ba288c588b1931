package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/fieldwork-audit/fieldwork/export"
	"github.com/fieldwork-audit/fieldwork/model"
)

func sectionNames() string {
	names := make([]string, len(export.Sections))
	for i, s := range export.Sections {
		names[i] = string(s)
	}
	return strings.Join(names, ",")
}

func runExport(e *env, args []string) error {
	w := newWPCmd("export", false)
	out := w.fs.String("out", "", "workbook to write (default: beside FILE, NAME-workpapers-YYYYMMDD.xlsx)")
	sections := w.fs.String("sections", "", "sections to include, comma-separated, from: "+sectionNames()+" (default: all but trail)")
	trail := w.fs.Bool("include-trail", false, "add the audit trail sheet")
	tmplPath := w.fs.String("template", "", "opinion-draft template file (default: the built-in one; see 'fieldwork opinion template')")
	force := w.fs.Bool("force", false, "replace the workbook if it exists")
	pos, err := parse(e, w.c, w.fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 1, "FILE"); err != nil {
		return err
	}
	opt := export.Options{Force: *force, IncludeTrail: *trail, Version: version, Now: time.Now()}
	if *sections != "" {
		if opt.Sections, err = export.ParseSections(*sections); err != nil {
			return usageError{err.Error()}
		}
	}
	if *tmplPath != "" {
		b, err := os.ReadFile(*tmplPath)
		if err != nil {
			return err
		}
		if _, err := export.ParseTemplate(string(b)); err != nil {
			return fmt.Errorf("%s: %w", *tmplPath, err)
		}
		opt.Template = string(b)
	}
	opt.Path = *out
	if opt.Path == "" {
		opt.Path = export.DefaultPath(pos[0], opt.Now)
	}
	wp, err := openWorkpaper(e, pos[0], *w.user, true)
	if err != nil {
		return err
	}
	defer wp.Close()
	opt.User = wp.User()
	res, err := export.Write(bg, wp, opt, nil)
	if err != nil {
		return err
	}
	if *w.json {
		return printJSON(e.stdout, res)
	}
	fmt.Fprintf(e.stdout, "wrote %s: %d sheets, %d control test sheets, %s in %s\n", res.Path, len(res.Sheets), len(res.ControlSheets),
		byteSize(res.Bytes), res.Elapsed.Round(time.Millisecond))
	if n := len(res.Skipped); n > 0 {
		fmt.Fprintf(e.stdout, "%d controls have no test work yet and no sheet of their own (they appear in section 4)\n", n)
	}
	return nil
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

func runExportPBC(e *env, args []string) error {
	w := newWPCmd("export-pbc", false)
	out := w.fs.String("out", "", "workbook to write (default: beside FILE, NAME-pbc-YYYYMMDD.xlsx)")
	force := w.fs.Bool("force", false, "replace the workbook if it exists")
	pos, err := parse(e, w.c, w.fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 1, "FILE"); err != nil {
		return err
	}
	now := time.Now()
	path := *out
	if path == "" {
		base := strings.TrimSuffix(filepath.Base(pos[0]), filepath.Ext(pos[0]))
		path = filepath.Join(filepath.Dir(pos[0]), base+"-pbc-"+now.Format("20060102")+".xlsx")
	}
	wp, err := openWorkpaper(e, pos[0], *w.user, true)
	if err != nil {
		return err
	}
	defer wp.Close()
	res, err := export.WritePBC(bg, wp, export.Options{Path: path, Force: *force, Version: version, User: wp.User(), Now: now})
	if err != nil {
		return err
	}
	if *w.json {
		return printJSON(e.stdout, res)
	}
	fmt.Fprintf(e.stdout, "wrote %s (%s)\n", res.Path, byteSize(res.Bytes))
	return nil
}

func runImportResults(e *env, args []string) error {
	w := newWPCmd("import-results", false)
	apply := w.fs.Bool("apply", false, "record the changes (without it nothing is written)")
	pos, err := parse(e, w.c, w.fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 2, "FILE and BOOK.xlsx"); err != nil {
		return err
	}
	wp, err := openWorkpaper(e, pos[0], *w.user, !*apply)
	if err != nil {
		return err
	}
	defer wp.Close()
	plan, err := export.PlanImport(bg, wp, pos[1])
	if err != nil {
		return err
	}
	if *apply {
		if err := plan.Apply(bg, wp); err != nil {
			return err
		}
	}
	if *w.json {
		if err := printJSON(e.stdout, plan); err != nil {
			return err
		}
	} else {
		printImportPlan(e, plan, *apply)
	}
	if *apply && plan.Refused() > 0 {
		return fmt.Errorf("%d entries refused (listed above); the other %d were applied", plan.Refused(), plan.Applied)
	}
	return nil
}

func describeResult(v *export.ResultValues) string {
	if v == nil {
		return "(none)"
	}
	s := v.Outcome
	if v.Tickmark != "" {
		s += " " + v.Tickmark
	}
	if v.Note != "" {
		s += fmt.Sprintf(" note %q", truncate(v.Note, 40))
	}
	if v.Evidence != "" {
		s += fmt.Sprintf(" evidence %q", truncate(v.Evidence, 40))
	}
	return clean(s)
}

func printImportPlan(e *env, p *export.ImportPlan, applied bool) {
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	verb := "to apply"
	if applied {
		verb = "applied"
	}
	if len(p.Changes) > 0 {
		fmt.Fprintf(tw, "CHANGES %s\n", strings.ToUpper(verb))
		for _, c := range p.Changes {
			from := ""
			if c.From != nil {
				from = describeResult(c.From) + " → "
			}
			fmt.Fprintf(tw, "  %s\titem %d (position %d)\t%s\t%s\t%s%s\n", clean(c.WPRef), c.Item, c.Position, clean(c.Attribute), c.Action, from, describeResult(&c.To))
		}
	}
	for _, group := range []struct {
		title   string
		entries []export.ResultEntry
	}{{"CONFLICTS (refused: the workpaper has a newer entry)", p.Conflicts}, {"INVALID (refused)", p.Invalid}} {
		if len(group.entries) == 0 {
			continue
		}
		fmt.Fprintln(tw, group.title)
		for _, c := range group.entries {
			problem := c.Problem
			if c.Refusal != nil {
				problem = errText(c.Refusal)
			}
			fmt.Fprintf(tw, "  %s\trow %d, position %d\t%s\t%s\n", clean(c.WPRef), c.Row, c.Position, clean(c.Attribute), clean(problem))
		}
	}
	tw.Flush()
	fmt.Fprintf(e.stdout, "%s: %d sheets, %d changes %s, %d conflicts, %d invalid, %d unchanged\n", clean(p.Book), len(p.Sheets),
		len(p.Changes), verb, len(p.Conflicts), len(p.Invalid), p.Unchanged)
	if !applied && len(p.Changes) > 0 {
		fmt.Fprintln(e.stdout, "nothing was written; run again with --apply to record the changes")
	}
}

func runOpinion(e *env, args []string) error {
	w := newWPCmd("opinion", false)
	wp, err := w.open(e, args, true)
	if err != nil {
		return err
	}
	defer wp.Close()
	d, err := wp.ProposeOpinion(bg)
	if err != nil {
		return err
	}
	if *w.json {
		return printJSON(e.stdout, d)
	}
	fmt.Fprintf(e.stdout, "Proposed: %s\n  %s\n", d.Proposed.Title(), clean(d.Reason))
	if d.Override != "" {
		fmt.Fprintf(e.stdout, "Override: %s — %s\n", d.Override.Title(), clean(d.OverrideReason))
	}
	final := "yes"
	if !d.Final {
		final = fmt.Sprintf("no, %d criteria still open or at risk", len(d.Open))
	}
	fmt.Fprintf(e.stdout, "Draft opinion: %s (final: %s)\n", d.Opinion.Title(), final)
	for _, group := range []struct {
		title string
		fs    []model.CriterionFinding
	}{{"Criteria not met", d.NotMet}, {"Criteria open or at risk", d.Open}} {
		if len(group.fs) == 0 {
			continue
		}
		fmt.Fprintf(e.stdout, "\n%s:\n", group.title)
		for _, f := range group.fs {
			fmt.Fprintf(e.stdout, "  %-6s %-8s %s: %s\n", f.Ref, f.Status, truncate(clean(f.Title), 40), clean(f.Reason))
			for _, x := range f.Exceptions {
				fmt.Fprintf(e.stdout, "         %s (%s): %s\n", clean(x.Ref), clean(x.WPRef), clean(x.Wording))
			}
		}
	}
	fmt.Fprintf(e.stdout, "\nRule: %s.\n", d.Rule)
	return nil
}

func runOpinionOverride(e *env, args []string) error {
	w := newWPCmd("opinion override", false)
	as := w.fs.String("as", "", "unmodified, qualified, adverse, disclaimer, or clear to remove the override")
	reason := w.fs.String("reason", "", "the written reason (required)")
	wp, err := w.open(e, args, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	var o model.Opinion
	switch strings.ToLower(strings.TrimSpace(*as)) {
	case "":
		return usagef("missing --as (unmodified, qualified, adverse, disclaimer or clear)")
	case "clear", "none":
	default:
		if o, err = model.ParseOpinion(*as); err != nil {
			return usageError{err.Error()}
		}
		if strings.TrimSpace(*reason) == "" {
			return usagef("an opinion override needs a written reason (--reason TEXT)")
		}
	}
	if err := wp.SetOpinionOverride(bg, o, *reason); err != nil {
		return err
	}
	if o == "" {
		fmt.Fprintln(e.stdout, "opinion override removed: the draft follows the proposed opinion")
		return nil
	}
	fmt.Fprintf(e.stdout, "opinion set to %s by %s\n", o.Title(), wp.User())
	return nil
}

func runOpinionTemplate(e *env, args []string) error {
	c := commands["opinion template"]
	pos, err := parse(e, c, flags(c), args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 0, ""); err != nil {
		return err
	}
	_, err = fmt.Fprint(e.stdout, export.DefaultTemplate)
	return err
}

func runOpinionPervasive(e *env, args []string) error {
	w := newWPCmd("opinion pervasive", false)
	as := w.fs.String("as", "", "pervasive, not-pervasive, or clear")
	reason := w.fs.String("reason", "", "the partner's written reason (required)")
	wp, err := w.open(e, args, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	j := strings.ToLower(strings.TrimSpace(*as))
	switch j {
	case "":
		return usagef("missing --as (pervasive, not-pervasive or clear)")
	case "clear":
		j = ""
	}
	if err := wp.SetPervasiveness(bg, j, *reason); err != nil {
		return err
	}
	d, err := wp.ProposeOpinion(bg)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "recorded; proposed: %s — %s\n", d.Proposed.Title(), d.Reason)
	return nil
}
