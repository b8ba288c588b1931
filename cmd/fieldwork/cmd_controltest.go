package main

import (
	"fmt"
	"os"
	"strings"

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
	return wp.DeleteAttribute(bg, *w.control, *letter, 0)
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
	w := newWPCmd("signoff", false)
	control := w.fs.String("control", "", "control ID: sign its control test")
	planning := w.fs.Bool("planning", false, "sign planning (scope, risk assessment, subservice and CUEC decisions)")
	criterion := w.fs.String("criterion", "", "criterion ID: sign its conclusion")
	opinion := w.fs.Bool("opinion", false, "sign the opinion")
	as := w.fs.String("as", "", "the step: preparer or reviewer (control tests), reviewer (planning, criteria), partner or eqr (the opinion)")
	wp, err := w.open(e, args, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	var target model.SignTarget
	var ref string
	n := 0
	if *control != "" {
		target, ref, n = model.TargetControlTest, *control, n+1
	}
	if *planning {
		target, n = model.TargetPlanning, n+1
	}
	if *criterion != "" {
		target, ref, n = model.TargetCriterion, *criterion, n+1
	}
	if *opinion {
		target, n = model.TargetOpinion, n+1
	}
	if n != 1 {
		return usagef("say what you sign: one of --control ID, --planning, --criterion ID or --opinion")
	}
	if *as == "" {
		return usagef("missing --as (the sign-off step, e.g. preparer or reviewer)")
	}
	if err := wp.Sign(bg, target, ref, model.Role(*as)); err != nil {
		return err
	}
	what := ref
	if what == "" {
		what = string(target)
	}
	fmt.Fprintf(e.stdout, "%s signed off as %s by %s\n", what, *as, wp.User())
	return nil
}

func runSignoffList(e *env, args []string) error {
	w := newWPCmd("signoff list", false)
	wp, err := w.open(e, args, true)
	if err != nil {
		return err
	}
	defer wp.Close()
	sos, err := wp.SignOffs(bg)
	if err != nil {
		return err
	}
	if *w.json {
		if sos == nil {
			sos = []model.SignOffRecord{}
		}
		return printJSON(e.stdout, sos)
	}
	for _, s := range sos {
		state := "standing"
		if s.Stale {
			state = "stale since " + s.StaleAt + " (" + s.StaleBy + ": " + s.What + ")"
		}
		what := s.Ref
		if what == "" {
			what = string(s.Target)
		}
		fmt.Fprintf(e.stdout, "%-10s %-9s %-14s %-9s %s  %s\n", what, s.Step, s.Signer, s.As, s.SignedAt, state)
	}
	return nil
}

func runSignoffScheme(e *env, args []string) error {
	w := newWPCmd("signoff-scheme", false)
	wp, err := w.open(e, args, true)
	if err != nil {
		return err
	}
	defer wp.Close()
	s, isDefault, err := wp.SignOffSchemeOf(bg)
	if err != nil {
		return err
	}
	if !*w.json {
		if isDefault {
			fmt.Fprintln(e.stdout, "the firm default (a control test: prepared by staff or a senior, then reviewed by a senior, manager or partner who did not prepare it; planning reviewed by the manager; a criterion by a senior or above; the opinion signed by the partner, then the EQR where appointed):")
		} else {
			fmt.Fprintln(e.stdout, "set for this engagement:")
		}
	}
	return printJSON(e.stdout, s)
}

func runSignoffSchemeSet(e *env, args []string) error {
	w := newWPCmd("signoff-scheme set", false)
	pos, err := parse(e, w.c, w.fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 2, "FILE SCHEME.json"); err != nil {
		return err
	}
	raw, err := os.ReadFile(pos[1])
	if err != nil {
		return err
	}
	wp, err := openWorkpaper(e, pos[0], *w.user, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	if err := wp.SetSignOffScheme(bg, raw); err != nil {
		return fmt.Errorf("%s: %w", pos[1], err)
	}
	fmt.Fprintf(e.stdout, "sign-off scheme set from %s\n", pos[1])
	return nil
}

func runMappingSet(e *env, args []string) error {
	w := newWPCmd("mapping set", true)
	crit := w.fs.String("criterion", "", "criterion ID, e.g. CC8.1")
	as := w.fs.String("as", "", "key (the criterion relies on the control), contributes, or default (the control's key flag)")
	wp, err := w.open(e, args, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	r := model.Reliance(*as)
	if *as == "default" {
		r = model.RelianceDefault
	} else if *as == "" {
		return usagef("missing --as key|contributes|default")
	}
	if err := wp.SetReliance(bg, *w.control, *crit, r); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s relies on %s: %s\n", strings.ToUpper(*crit), *w.control, *as)
	return nil
}

func runSignoffChanges(e *env, args []string) error {
	w := newWPCmd("signoff changes", true)
	wp, err := w.open(e, args, true)
	if err != nil {
		return err
	}
	defer wp.Close()
	changes, err := wp.ChangesSinceReview(bg, *w.control)
	if err != nil {
		return err
	}
	if *w.json {
		return printJSON(e.stdout, changes)
	}
	if len(changes) == 0 {
		fmt.Fprintf(e.stdout, "%s: nothing changed since its review (or it was never reviewed)\n", *w.control)
		return nil
	}
	fmt.Fprintf(e.stdout, "%s: %d changes since its review\n", *w.control, len(changes))
	for _, c := range changes {
		fmt.Fprintln(e.stdout, "  "+c)
	}
	return nil
}
