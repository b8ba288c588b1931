package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/fieldwork-audit/fieldwork/model"
)

func runStatus(e *env, args []string) error {
	w := newWPCmd("status", false)
	wp, err := w.open(e, args, true)
	if err != nil {
		return err
	}
	defer wp.Close()
	st, err := wp.Status(bg)
	if err != nil {
		return err
	}
	if *w.json {
		return printJSON(e.stdout, st)
	}
	fmt.Fprintf(e.stdout, "%d controls: %d not started, %d in progress, %d tested, %d reviewed\n", st.Controls,
		st.ByState[model.StateNotStarted], st.ByState[model.StateInProgress], st.ByState[model.StateTested], st.ByState[model.StateReviewed])
	fmt.Fprintf(e.stdout, "%d items with deviations, %d exceptions logged\n", st.Deviations, st.Exceptions)
	fmt.Fprintf(e.stdout, "review notes: %d open, %d responded\n", st.OpenNotes, st.RespondedNotes)
	fmt.Fprintf(e.stdout, "client requests outstanding: %d\n", st.OutstandingPBC)
	if len(st.ChangedSince) > 0 {
		fmt.Fprintf(e.stdout, "changed since review: %s\n", strings.Join(st.ChangedSince, ", "))
	}
	if len(st.Gaps) > 0 {
		fmt.Fprintf(e.stdout, "coverage gaps: %s\n", strings.Join(st.Gaps, ", "))
	}
	for _, c := range st.CriteriaAtRisk {
		fmt.Fprintf(e.stdout, "criterion %s %s: %s\n", c.Ref, c.Status, clean(c.Reason))
	}
	return nil
}

func runLog(e *env, args []string) error {
	w := newWPCmd("log", false)
	ctl := w.fs.String("control", "", "only this control's workpaper")
	limit := w.fs.Int("limit", 0, "at most N entries (the first N)")
	wp, err := w.open(e, args, true)
	if err != nil {
		return err
	}
	defer wp.Close()
	trail, err := wp.Trail(bg, model.TrailFilter{ControlRef: *ctl, Limit: *limit})
	if err != nil {
		return err
	}
	if *w.json {
		if trail == nil {
			trail = []model.Change{}
		}
		return printJSON(e.stdout, trail)
	}
	labels, err := wp.RecordLabels(bg)
	if err != nil {
		return err
	}
	for _, c := range trail {
		what := c.Note
		// An entry that created a record or changed several fields at once
		// prints one line per value: the first beside the entry, the rest
		// below it, so none is cut off.
		var more []string
		switch c.Op {
		case "update":
			what = fmt.Sprintf("%s: %s → %s", c.Field, quoteOpt(c.Old), quoteOpt(c.New))
			for i, f := range c.Fields {
				line := fmt.Sprintf("%s: %s → %s", f.Field, quoteOpt(f.Old), quoteOpt(f.New))
				if i == 0 {
					what = line
				} else {
					more = append(more, line)
				}
			}
		case "insert":
			what = "created"
			for i, v := range c.Values {
				line := v.Field + " = " + valueText(v.Value, labels)
				if i == 0 {
					what = "created with " + line
				} else {
					more = append(more, line)
				}
			}
		}
		// Which record, in the auditor's words: the cell of a result, the
		// reference of a control, an exception, a note.
		if l, ok := labels[c.RecordUUID]; ok {
			what = l + " · " + what
		}
		fmt.Fprintf(e.stdout, "%6d %s %-12s %-7s %-18s %s\n", c.Seq, c.At.Format("2006-01-02 15:04:05"), truncate(clean(c.User), 12), c.Op, c.Table, truncate(clean(what), 110))
		for _, m := range more {
			fmt.Fprintf(e.stdout, "%66s %s\n", "", truncate(clean(m), 110))
		}
	}
	return nil
}

// valueText is a logged value; one that names another record shows as
// that record's name.
func valueText(v string, labels map[string]string) string {
	if l, ok := labels[v]; ok {
		return l
	}
	return strconv.Quote(v)
}

func quoteOpt(s *string) string {
	if s == nil {
		return "∅"
	}
	return strconv.Quote(*s)
}

func runVerify(e *env, args []string) error {
	w := newWPCmd("verify", false)
	head := w.fs.String("head", "", "a trail head quoted elsewhere (SEQ:HASH): check that the file still holds that history")
	wp, err := w.open(e, args, true)
	if err != nil {
		return err
	}
	defer wp.Close()
	var opt model.VerifyOptions
	if *head != "" {
		h, err := model.ParseHead(*head)
		if err != nil {
			return usagef("--head: %v", err)
		}
		opt.Heads = append(opt.Heads, h)
	}
	r, err := wp.Verify(bg, opt)
	if err != nil {
		return err
	}
	if *w.json {
		if err := printJSON(e.stdout, r); err != nil {
			return err
		}
	} else {
		printVerify(e, r)
	}
	if !r.OK {
		return fmt.Errorf("%s: %w", wp.Path(), errVerifyFailed)
	}
	return nil
}

func okOr(problems []string) string {
	if len(problems) == 0 {
		return "ok"
	}
	return "FAILED\n  " + clean(strings.Join(problems, "\n  "))
}
