package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/fieldwork-audit/fieldwork/model"
)

func runResultSet(e *env, args []string) error {
	w := newWPCmd("result set", true)
	item := w.fs.Int("item", 0, "the item's position in the population")
	attr := w.fs.String("attribute", "", "attribute letter (default: the only one; A is created if none)")
	pass := w.fs.Bool("pass", false, "the attribute is met")
	dev := w.fs.Bool("deviation", false, "a deviation (exception)")
	na := w.fs.Bool("na", false, "not applicable to this item")
	note := w.fs.String("note", "", "note")
	tick := w.fs.String("tickmark", "", "tickmark from the legend")
	evidence := w.fs.String("evidence", "", "evidence reference: a path or location")
	attach := w.fs.Bool("attach", false, "copy the --evidence file into the workpaper with its SHA-256")
	clear := w.fs.String("clear", "", "fields to empty, comma-separated: note, tickmark, evidence (fields not given keep their values)")
	wp, err := w.open(e, args, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	var outcome model.Outcome
	n := 0
	for _, o := range []struct {
		set bool
		v   model.Outcome
	}{{*pass, model.Pass}, {*dev, model.Deviation}, {*na, model.NotApplicable}} {
		if o.set {
			outcome = o.v
			n++
		}
	}
	if n != 1 {
		return usagef("give exactly one of --pass, --deviation or --na")
	}
	if *item < 1 {
		return usagef("--item N: the item's position in the population")
	}
	if *attach && *evidence == "" {
		return usagef("--attach needs --evidence PATH")
	}
	in := model.ResultInput{ControlRef: *w.control, Position: *item, Attribute: *attr, Outcome: outcome,
		Note: *note, Tickmark: *tick, Evidence: *evidence, Attach: *attach, Keep: true}
	for _, c := range splitComma(*clear) {
		if !slices.Contains(model.ResultFields, c) {
			return usagef("--clear: %q cannot be emptied: it is not one of %s", c, strings.Join(model.ResultFields, ", "))
		}
		if (c == "note" && in.Note != "") || (c == "tickmark" && in.Tickmark != "") || (c == "evidence" && in.Evidence != "") {
			return usagef("--clear %s and --%s both given: give one or the other", c, c)
		}
	}
	in.SetClear(splitComma(*clear))
	if err := wp.SetResult(bg, in); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s item %d: %s\n", *w.control, *item, outcome)
	if outcome == model.Deviation {
		fmt.Fprintf(e.stdout, "log it: fieldwork exception add %s --control %s --items %d --description TEXT\n", wp.Path(), *w.control, *item)
	}
	return nil
}

func runResults(e *env, args []string) error {
	w := newWPCmd("results", true)
	wp, err := w.open(e, args, true)
	if err != nil {
		return err
	}
	defer wp.Close()
	rs, err := wp.Results(bg, *w.control)
	if err != nil {
		return err
	}
	if *w.json {
		out := []map[string]any{}
		for _, r := range rs {
			out = append(out, map[string]any{"position": r.Position, "attribute": r.Attribute, "outcome": r.Outcome, "note": r.Note,
				"tickmark": r.Tickmark, "evidence": r.Evidence, "evidence_sha256": r.EvidenceHash, "tested_by": r.TestedBy, "tested_at": r.TestedAt, "version": r.Version})
		}
		return printJSON(e.stdout, out)
	}
	for _, r := range rs {
		fmt.Fprintf(e.stdout, "%6d  %-3s %-9s %-4s %s  %s\n", r.Position, r.Attribute, r.Outcome, clean(r.Tickmark), clean(r.Note), clean(r.Evidence))
	}
	return nil
}

func splitComma(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func runExceptionAdd(e *env, args []string) error {
	w := newWPCmd("exception add", true)
	items := w.fs.String("items", "", "positions of the affected items, comma-separated")
	desc := w.fs.String("description", "", "what happened")
	cause := w.fs.String("cause", "", "cause")
	resp := w.fs.String("response", "", "management's response")
	eval := w.fs.String("evaluation", "", "isolated or systemic")
	crit := w.fs.String("criteria", "", "criteria affected")
	wording := w.fs.String("wording", "", "wording for the report's results column")
	wp, err := w.open(e, args, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	pos, err := parsePositions(*items)
	if err != nil {
		return err
	}
	ref, err := wp.AddException(bg, model.ExceptionInput{ControlRef: *w.control, Positions: pos, Description: *desc, Cause: *cause,
		Response: *resp, Evaluation: *eval, CriteriaAffected: splitComma(*crit), ReportWording: *wording})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "logged exception %s on %s\n", ref, *w.control)
	return nil
}

func runExceptionUpdate(e *env, args []string) error {
	w := newWPCmd("exception update", false)
	ref := w.fs.String("ref", "", "exception reference, e.g. EX-01")
	desc := w.fs.String("description", "", "what happened")
	cause := w.fs.String("cause", "", "cause")
	resp := w.fs.String("response", "", "management's response")
	eval := w.fs.String("evaluation", "", "isolated or systemic")
	comp := w.fs.String("mitigating", "", "mitigating evidence considered (not a control: a compensating control is --compensating-control)")
	compOld := w.fs.String("compensating", "", "old name of --mitigating")
	ext := w.fs.Bool("sample-extended", false, "the sample was extended")
	compCtl := w.fs.String("compensating-control", "", "the control (tested in this workpaper) that compensates for the exception")
	crit := w.fs.String("criteria", "", "criteria affected")
	wording := w.fs.String("wording", "", "wording for the report")
	rem := w.fs.String("remediation", "", "remediation plan")
	owner := w.fs.String("owner", "", "remediation owner")
	var due dateFlag
	w.fs.Var(&due, "due", "remediation due date")
	retest := w.fs.String("retest", "", "retest result")
	clear := w.fs.String("clear", "", "fields to empty, comma-separated: cause, response, evaluation, compensating, criteria, wording, remediation, owner, due, retest")
	addItems := w.fs.String("add-items", "", "positions of more sample items the exception covers, comma-separated")
	wp, err := w.open(e, args, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	if *ref == "" {
		return usagef("missing --ref EX-NN")
	}
	if *comp == "" {
		comp = compOld
	}
	in := model.ExceptionInput{Description: *desc, Cause: *cause, Response: *resp, Evaluation: *eval, Compensating: *comp, CompensatingControl: *compCtl,
		CriteriaAffected: splitComma(*crit), ReportWording: *wording, RemediationPlan: *rem, RemediationOwner: *owner,
		RemediationDue: date(due), RetestResult: *retest, Clear: splitComma(*clear)}
	for _, name := range in.Clear {
		if _, ok := model.ExceptionFields[name]; !ok {
			return usagef("--clear: %q cannot be emptied: it is not one of cause, response, evaluation, compensating, criteria, wording, remediation, owner, due, retest", name)
		}
	}
	if *ext {
		in.SampleExtended = ext
	}
	var items []int
	if *addItems != "" {
		if items, err = parsePositions(*addItems); err != nil {
			return err
		}
	}
	edits := in.Description != "" || in.Cause != "" || in.Response != "" || in.Evaluation != "" || in.Compensating != "" || in.CompensatingControl != "" ||
		len(in.CriteriaAffected) > 0 || in.ReportWording != "" || in.RemediationPlan != "" || in.RemediationOwner != "" ||
		!in.RemediationDue.IsZero() || in.RetestResult != "" || len(in.Clear) > 0 || in.SampleExtended != nil
	if !edits && len(items) == 0 {
		return usagef("nothing to change: give a field to set, --clear or --add-items")
	}
	if edits {
		if err := wp.UpdateException(bg, *ref, 0, in); err != nil {
			return err
		}
	}
	if len(items) > 0 {
		return wp.AddExceptionItems(bg, *ref, items)
	}
	return nil
}

func runExceptionList(e *env, args []string) error {
	w := newWPCmd("exception list", false)
	wp, err := w.open(e, args, true)
	if err != nil {
		return err
	}
	defer wp.Close()
	xs, err := wp.Exceptions(bg)
	if err != nil {
		return err
	}
	if *w.json {
		out := []map[string]any{}
		for _, x := range xs {
			out = append(out, map[string]any{"ref": x.Ref, "control": x.ControlRef, "wp_ref": x.WPRef, "items": x.Positions,
				"description": x.Description, "cause": x.Cause, "response": x.Response, "evaluation": x.Evaluation,
				"mitigating": x.Compensating, "compensating_control": x.CompensatingControl, "sample_extended": x.SampleExtended, "criteria_affected": nonNil(x.CriteriaAffected),
				"report_wording": x.ReportWording, "remediation_plan": x.RemediationPlan, "remediation_owner": x.RemediationOwner,
				"remediation_due": fmtDate(x.RemediationDue), "retest_result": x.RetestResult})
		}
		return printJSON(e.stdout, out)
	}
	for _, x := range xs {
		fmt.Fprintf(e.stdout, "%s  %-8s items %v  %s  %s\n", x.Ref, x.ControlRef, x.Positions, orDash(x.Evaluation), clean(x.Description))
	}
	return nil
}

func runTickmarkSet(e *env, args []string) error {
	w := newWPCmd("tickmark set", false)
	sym := w.fs.String("symbol", "", "symbol, up to 4 characters")
	meaning := w.fs.String("meaning", "", "what it means")
	wp, err := w.open(e, args, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	return wp.SetTickmark(bg, *sym, *meaning)
}

func runTickmarkList(e *env, args []string) error {
	w := newWPCmd("tickmark list", false)
	wp, err := w.open(e, args, true)
	if err != nil {
		return err
	}
	defer wp.Close()
	tms, err := wp.Tickmarks(bg)
	if err != nil {
		return err
	}
	if *w.json {
		out := []map[string]string{}
		for _, t := range tms {
			out = append(out, map[string]string{"symbol": t.Symbol, "meaning": t.Meaning})
		}
		return printJSON(e.stdout, out)
	}
	for _, t := range tms {
		fmt.Fprintf(e.stdout, "%-4s %s\n", clean(t.Symbol), clean(t.Meaning))
	}
	return nil
}
