package main

import (
	"fmt"

	"github.com/fieldwork-audit/fieldwork/model"
)

func runAttributeAdd(e *env, args []string) error {
	w := newWPCmd("attribute add", true)
	letter := w.fs.String("letter", "", "letter (default: the next free one)")
	text := w.fs.String("text", "", "what each item is tested for")
	wp, err := w.open(e, args, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	l, err := wp.AddAttribute(bg, *w.control, *letter, *text)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "added attribute %s to %s\n", l, *w.control)
	return nil
}

func runAttributeEdit(e *env, args []string) error {
	w := newWPCmd("attribute edit", true)
	letter := w.fs.String("letter", "", "attribute letter")
	text := w.fs.String("text", "", "new description")
	wp, err := w.open(e, args, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	return wp.EditAttribute(bg, *w.control, *letter, *text, 0)
}

func runAttributeDelete(e *env, args []string) error {
	w := newWPCmd("attribute delete", true)
	letter := w.fs.String("letter", "", "attribute letter")
	wp, err := w.open(e, args, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	return wp.DeleteAttribute(bg, *w.control, *letter)
}

func runProcedureAdd(e *env, args []string) error {
	w := newWPCmd("procedure add", true)
	typ := w.fs.String("type", "", "inquiry, observation, inspection or re-performance")
	text := w.fs.String("text", "", "the procedure")
	wp, err := w.open(e, args, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	k, err := model.ParseProcedureKind(*typ)
	if err != nil {
		return usageError{err.Error()}
	}
	return wp.AddProcedure(bg, *w.control, k, *text)
}

func runDesignSet(e *env, args []string) error {
	w := newWPCmd("design set", true)
	proc := w.fs.String("procedure", "", "test of design procedure")
	result := w.fs.String("result", "", "result")
	concl := w.fs.String("conclusion", "", "suitably-designed or not-suitably-designed")
	wp, err := w.open(e, args, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	return wp.SetDesign(bg, *w.control, 0, model.DesignInput{Procedure: *proc, Result: *result, Conclusion: *concl})
}

func runRiskSet(e *env, args []string) error {
	w := newWPCmd("risk set", true)
	risk := w.fs.String("risk", "", "lower or higher")
	wp, err := w.open(e, args, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	return wp.SetRisk(bg, *w.control, *risk)
}

func runConclude(e *env, args []string) error {
	w := newWPCmd("conclude", true)
	as := w.fs.String("as", "", "effective, effective-with-exceptions, not-effective, not-tested or not-occurring")
	note := w.fs.String("note", "", "basis for the conclusion")
	reason := w.fs.String("reason", "", "why the conclusion departs from the proposed one (or why open review notes are carried)")
	carry := w.fs.Bool("carry-notes", false, "conclude although review notes on the test are open (needs --reason)")
	wp, err := w.open(e, args, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	c, err := model.ParseConclusion(*as)
	if err != nil {
		return usageError{err.Error()}
	}
	return wp.Conclude(bg, *w.control, model.ConcludeInput{Conclusion: c, Note: *note, Reason: *reason, CarryNotes: *carry})
}

func runEvaluate(e *env, args []string) error {
	w := newWPCmd("evaluate", true)
	wp, err := w.open(e, args, true)
	if err != nil {
		return err
	}
	defer wp.Close()
	ev, err := wp.Evaluate(bg, *w.control)
	if err != nil {
		return err
	}
	if *w.json {
		return printJSON(e.stdout, map[string]any{"control": ev.ControlRef, "wp_ref": ev.WPRef, "state": ev.State, "items": ev.Items,
			"complete": ev.Complete, "deviations": ev.Deviations, "exceptions": ev.Exceptions, "statistical": ev.Statistical,
			"proposed": ev.Proposed, "reason": ev.Reason, "conclusion": ev.Conclusion, "conclusion_reason": ev.ConclusionReason, "reviewed": ev.Reviewed, "changed_since_review": ev.ChangedSinceReview})
	}
	recorded := orDash(string(ev.Conclusion))
	if ev.ConclusionReason != "" {
		recorded += " — departs from the proposal: " + ev.ConclusionReason
	}
	fmt.Fprintf(e.stdout, "%s (%s): %s\n%d items, %d fully tested, %d with deviations, %d exceptions\nproposed: %s — %s\nrecorded: %s\n",
		ev.ControlRef, ev.WPRef, ev.State, ev.Items, ev.Complete, ev.Deviations, ev.Exceptions, orDash(string(ev.Proposed)), ev.Reason, recorded)
	return nil
}

func runCriterionOverride(e *env, args []string) error {
	w := newWPCmd("criterion override", false)
	id := w.fs.String("criterion", "", "criterion ID, e.g. CC8.1")
	as := w.fs.String("as", "", "met, not-met, or clear to remove the override")
	reason := w.fs.String("reason", "", "the written reason (required)")
	wp, err := w.open(e, args, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	status := model.CriterionStatus(*as)
	if *as == "clear" {
		status = ""
	}
	return wp.OverrideCriterion(bg, *id, status, *reason)
}

func runSignoff(e *env, args []string) error {
	w := newWPCmd("signoff", true)
	as := w.fs.String("as", "", "preparer or reviewer")
	wp, err := w.open(e, args, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	if err := wp.SignOffAs(bg, *w.control, model.Role(*as)); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s signed off as %s by %s\n", *w.control, *as, wp.User())
	return nil
}
