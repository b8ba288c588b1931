package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/fieldwork-audit/fieldwork/model"
	"github.com/fieldwork-audit/fieldwork/sampling"
)

func runSampleDrawWorkpaper(e *env, args []string) error {
	w := newWPCmd("sample draw", true)
	seedFlag := w.fs.String("seed", "", "generator seed (default: a fresh random seed, shown and stored)")
	method := w.fs.String("method", "random", "random, systematic, all or judgmental")
	size := w.fs.Int("size", 0, "sample size (default: the plan's, else the frequency-based size)")
	picks := w.fs.String("positions", "", "judgmental picks: positions, comma-separated")
	wp, err := w.open(e, args, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	m, err := sampling.ParseMethod(*method)
	if err != nil {
		return usageError{err.Error()}
	}
	in := model.DrawInput{ControlRef: *w.control, Method: m, Size: *size}
	if *seedFlag != "" {
		s, err := parseSeed(*seedFlag)
		if err != nil {
			return err
		}
		in.Seed = &s
	}
	if *picks != "" {
		if in.Positions, err = parsePositions(*picks); err != nil {
			return err
		}
	}
	sel, err := wp.DrawSample(bg, in)
	if err != nil {
		return err
	}
	return printSelection(e, wp, sel, *w.json)
}

func parsePositions(s string) ([]int, error) {
	var out []int
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			return nil, usagef("item %q is not a position (1, 2, …)", p)
		}
		out = append(out, n)
	}
	return out, nil
}

func printSelection(e *env, wp *model.Workpaper, sel *model.Selection, asJSON bool) error {
	if asJSON {
		items := []map[string]any{}
		for _, it := range sel.Items {
			items = append(items, map[string]any{"ordinal": it.Ordinal, "position": it.Position, "extension": it.Extension})
		}
		return printJSON(e.stdout, map[string]any{"control": sel.ControlRef, "size_basis": sel.SizeBasis, "drawn_by": sel.DrawnBy,
			"drawn_at": sel.DrawnAt, "record": sel.Record, "items": items})
	}
	r := sel.Record
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "Control\t%s\nMethod\t%s\nAlgorithm\t%s\n", sel.ControlRef, r.Method, r.Algorithm)
	if r.Method == sampling.Random || r.Method == sampling.Systematic {
		fmt.Fprintf(tw, "Seed\t%d\n", r.Seed)
	}
	if r.Method == sampling.Systematic {
		fmt.Fprintf(tw, "Interval, start\t%d, %d\n", r.Interval, r.Start)
	}
	fmt.Fprintf(tw, "Population\tN = %d, SHA-256 %s\nSample\tn = %d (%d with extensions)\nSize basis\t%s\nDrawn\tby %s at %s\n",
		r.Population, r.PopulationSHA256, r.Size, r.Total(), clean(sel.SizeBasis), clean(sel.DrawnBy), sel.DrawnAt.Format("2006-01-02 15:04"))
	tw.Flush()
	pop, _ := wp.CurrentPopulation(bg, sel.ControlRef)
	fmt.Fprintln(e.stdout, "\n  #  POSITION  ID                    DATE")
	for _, it := range sel.Items {
		id, date := "", ""
		if pop != nil {
			if rows, err := wp.PopulationRowsAt(bg, pop.UUID, []int{it.Position}); err == nil && len(rows) == 1 {
				id, date = rows[0].ID, rows[0].Date
			}
		}
		ext := ""
		if it.Extension > 0 {
			ext = fmt.Sprintf("  (extension %d)", it.Extension)
		}
		fmt.Fprintf(e.stdout, "%3d  %8d  %-20s  %s%s\n", it.Ordinal, it.Position, truncate(clean(id), 20), date, ext)
	}
	return nil
}

func runSampleShow(e *env, args []string) error {
	w := newWPCmd("sample show", true)
	wp, err := w.open(e, args, true)
	if err != nil {
		return err
	}
	defer wp.Close()
	sel, err := wp.Selection(bg, *w.control)
	if err != nil {
		return err
	}
	if sel == nil {
		return fmt.Errorf("%s has no sample yet: draw one with 'fieldwork sample draw %s --control %s'", *w.control, wp.Path(), *w.control)
	}
	return printSelection(e, wp, sel, *w.json)
}

func runSamplePlanWorkpaper(e *env, args []string) error {
	w := newWPCmd("sample plan", true)
	conf := w.fs.String("confidence", "", "confidence level, e.g. 95 or 90")
	tol := w.fs.String("tolerable", "", "tolerable deviation rate, e.g. 5")
	exp := w.fs.String("expected", "0", "expected deviation rate")
	mdl := w.fs.String("model", "binomial", "binomial, poisson or hypergeometric")
	freq := w.fs.Bool("frequency-based", false, "size by the control's frequency and risk (nonstatistical)")
	all := w.fs.Bool("all", false, "test every occurrence")
	wp, err := w.open(e, args, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	var in model.PlanInput
	switch {
	case *freq && *all, (*freq || *all) && *conf != "":
		return usagef("choose one plan: statistical (--confidence, --tolerable), --frequency-based or --all")
	case *freq:
		in.Kind = model.PlanFrequency
	case *all:
		in.Kind = model.PlanAll
	default:
		in.Kind = model.PlanStatistical
		if in.Confidence, err = sampleConfidence(*conf); err != nil {
			return err
		}
		if *tol == "" {
			return usagef("missing --tolerable (e.g. 5)")
		}
		if in.Tolerable, err = sampleRate("tolerable", *tol); err != nil {
			return err
		}
		if in.Expected, err = sampleRate("expected", *exp); err != nil {
			return err
		}
		m, err := sampling.ParseModel(*mdl)
		if err != nil {
			return usageError{err.Error()}
		}
		in.Model = m
	}
	plan, err := wp.SetPlan(bg, *w.control, in)
	if err != nil {
		return err
	}
	if *w.json {
		return printJSON(e.stdout, map[string]any{"control": *w.control, "kind": plan.Kind, "size": plan.Size, "allowed_deviations": plan.Allowed,
			"confidence": plan.Confidence, "tolerable": plan.Tolerable, "expected": plan.Expected, "model": plan.Model, "basis": plan.Basis})
	}
	size := strconv.Itoa(plan.Size)
	if plan.Size == 0 {
		size = "decided when the population is imported"
	}
	fmt.Fprintf(e.stdout, "plan for %s: %s sample, size %s\n%s\n", *w.control, plan.Kind, size, plan.Basis)
	return nil
}

func runSampleVerifyWorkpaper(e *env, args []string) error {
	w := newWPCmd("sample verify", true)
	source := w.fs.String("source", "", "the population file as received, to compare its SHA-256")
	wp, err := w.open(e, args, true)
	if err != nil {
		return err
	}
	defer wp.Close()
	chk, err := wp.VerifySelection(bg, *w.control, *source)
	if err != nil {
		return err
	}
	if *w.json {
		if err := printJSON(e.stdout, chk); err != nil {
			return err
		}
	} else if chk.Matches {
		fmt.Fprintf(e.stdout, "%s: the selection re-performs exactly from its record and population\n", chk.ControlRef)
	} else {
		for _, p := range chk.Problems {
			fmt.Fprintf(e.stdout, "%s: %s\n", chk.ControlRef, clean(p))
		}
	}
	if !chk.Matches {
		return fmt.Errorf("%s: the selection does not re-perform (%d problems)", chk.ControlRef, len(chk.Problems))
	}
	return nil
}

func runSampleExtendWorkpaper(e *env, args []string) error {
	w := newWPCmd("sample extend", true)
	add := w.fs.Int("add", 0, "number of items to add")
	reason := w.fs.String("reason", "", "why the sample is extended (logged)")
	wp, err := w.open(e, args, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	if *add < 1 {
		return usagef("--add N: the number of items to add, at least 1")
	}
	sel, err := wp.ExtendSample(bg, *w.control, *add, *reason)
	if err != nil {
		return err
	}
	return printSelection(e, wp, sel, *w.json)
}

func runFrequencyTable(e *env, args []string) error {
	w := newWPCmd("frequency-table", false)
	wp, err := w.open(e, args, true)
	if err != nil {
		return err
	}
	defer wp.Close()
	t, err := wp.FrequencyTable(bg)
	if err != nil {
		return err
	}
	if *w.json {
		return printJSON(e.stdout, t)
	}
	fmt.Fprintf(e.stdout, "%-16s %6s %7s\n", "FREQUENCY", "LOWER", "HIGHER")
	for _, f := range sampling.Frequencies {
		if r, ok := t.Sizes[f]; ok {
			fmt.Fprintf(e.stdout, "%-16s %6d %7d\n", f, r.Lower, r.Higher)
		}
	}
	fmt.Fprintln(e.stdout, "\nad-hoc (event-driven), by population (0 = every item):")
	for _, b := range t.AdHoc {
		fmt.Fprintf(e.stdout, "  N ≥ %-6d %6d %7d\n", b.MinPopulation, b.Lower, b.Higher)
	}
	return nil
}

func runFrequencyTableSet(e *env, args []string) error {
	w := newWPCmd("frequency-table set", false)
	pos, err := parse(e, w.c, w.fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 2, "FILE and TABLE.json"); err != nil {
		return err
	}
	raw, err := os.ReadFile(pos[1])
	if err != nil {
		return err
	}
	var t sampling.FrequencyTable
	if err := json.Unmarshal(raw, &t); err != nil {
		return fmt.Errorf("%s: not a frequency table (%v); start from 'fieldwork frequency-table FILE --json'", pos[1], err)
	}
	wp, err := openWorkpaper(e, pos[0], *w.user, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	if err := wp.SetFrequencyTable(bg, t); err != nil {
		return fmt.Errorf("%s: %w", pos[1], err)
	}
	fmt.Fprintln(e.stdout, "frequency table set for this engagement")
	return nil
}
