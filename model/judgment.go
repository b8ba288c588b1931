package model

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Conclusions follow the evidence (issue #14). Concluding a control test
// effective (with or without exceptions) needs what its plan needs: the
// test of design concluded, procedures and attributes recorded, every
// selected item tested on every attribute (a "not applicable" with a note),
// the completeness and accuracy (IPE) of an imported population recorded,
// and the review notes on the test cleared or explicitly carried. A
// conclusion that departs from the proposed one needs a written reason,
// which is stored beside it. "Not effective" is the conservative direction:
// it needs a basis (a deviation, a design found wanting, or a note), not a
// finished test.

// ConcludeInput is the auditor's conclusion on a control test.
type ConcludeInput struct {
	Conclusion Conclusion
	// Note is the basis for the conclusion, as before.
	Note string
	// Reason is why the conclusion departs from the proposed one, or why
	// open review notes are carried; required when it does.
	Reason string
	// CarryNotes concludes although review notes on the test are still
	// open (the reason says why); they stay open.
	CarryNotes bool
	// Version is the control test's version the conclusion is based on (0
	// to skip the check).
	Version int
}

// ConclusionCheck is what a conclusion needs, worked out before it is
// recorded: what is missing and whether it departs from the proposal.
type ConclusionCheck struct {
	Control    string
	Conclusion Conclusion
	Proposed   Conclusion
	// Missing are the things the plan still needs, each in words.
	Missing []Text
	// Departure says how the conclusion departs from the proposal (empty
	// when it does not); it then needs a written reason.
	Departure string
	// OpenNotes are the review notes on the test not yet cleared.
	OpenNotes []string
	// Version is the test's version the check was made on.
	Version int
}

// Refused reports whether the conclusion cannot be recorded as given.
func (c *ConclusionCheck) Refused(in ConcludeInput) error {
	var why []Text
	why = append(why, c.Missing...)
	if len(c.OpenNotes) > 0 && !in.CarryNotes {
		why = append(why, textf("review note%s %s still open on it: clear %s or carry %s with a reason%s",
			plural(len(c.OpenNotes), "", "s"), joinAnd(c.OpenNotes), plural(len(c.OpenNotes), "it", "them"), plural(len(c.OpenNotes), "it", "them"), HintCarryNotes))
	}
	if strings.TrimSpace(in.Reason) == "" {
		if c.Departure != "" {
			why = append(why, textf("%s: say why in a written reason%s", c.Departure, HintReason))
		} else if len(c.OpenNotes) > 0 && in.CarryNotes {
			why = append(why, textf("carrying open review notes needs a written reason%s", HintReason))
		}
	}
	if len(why) == 0 {
		return nil
	}
	return &ConclusionRefusal{Control: c.Control, Conclusion: c.Conclusion, Why: why}
}

// ConclusionRefusal is a conclusion that was not recorded, and why.
type ConclusionRefusal struct {
	Control    string
	Conclusion Conclusion
	Why        []Text
}

func (e *ConclusionRefusal) Error() string { return e.Words(nil) }

// Words is the refusal with its hints worded by w.
func (e *ConclusionRefusal) Words(w Wording) string {
	return textf("%s cannot be concluded %s yet: %s; nothing was recorded", e.Control, e.Conclusion, e.Why).Words(w)
}

// judgmentFacts are the facts beyond the counts that a conclusion rests on.
type judgmentFacts struct {
	naWithoutNote int
	unexcepted    int // deviating items in no exception
	unevaluated   []string
	systemic      []string
	openNotes     []string
	ipe           bool
	hasPopulation bool
}

func (w *Workpaper) readJudgmentFacts(ctx context.Context, testUUID string) (*judgmentFacts, error) {
	f := &judgmentFacts{}
	err := w.db.QueryRowContext(ctx, `SELECT count(*) FROM result r JOIN sample_item i ON i.uuid = r.item_uuid
		JOIN selection s ON s.uuid = i.selection_uuid AND s.current = 1
		WHERE r.test_uuid = ? AND r.outcome = 'na' AND trim(r.note) = ''`, testUUID).Scan(&f.naWithoutNote)
	if err != nil {
		return nil, friendlyDBError(err)
	}
	err = w.db.QueryRowContext(ctx, `SELECT count(DISTINCT r.item_uuid) FROM result r JOIN sample_item i ON i.uuid = r.item_uuid
		JOIN selection s ON s.uuid = i.selection_uuid AND s.current = 1
		WHERE r.test_uuid = ? AND r.outcome = 'deviation'
		AND r.item_uuid NOT IN (SELECT xi.item_uuid FROM exception_item xi JOIN exception x ON x.uuid = xi.exception_uuid WHERE x.test_uuid = ?)`,
		testUUID, testUUID).Scan(&f.unexcepted)
	if err != nil {
		return nil, friendlyDBError(err)
	}
	err = w.scanRows(ctx, func(rows *sql.Rows) error {
		var ref, ev string
		if err := rows.Scan(&ref, &ev); err != nil {
			return err
		}
		switch ev {
		case "":
			f.unevaluated = append(f.unevaluated, ref)
		case "systemic":
			f.systemic = append(f.systemic, ref)
		}
		return nil
	}, `SELECT ref, evaluation FROM exception WHERE test_uuid = ? ORDER BY ref`, testUUID)
	if err != nil {
		return nil, err
	}
	err = w.scanRows(ctx, func(rows *sql.Rows) error {
		var ref string
		if err := rows.Scan(&ref); err != nil {
			return err
		}
		f.openNotes = append(f.openNotes, ref)
		return nil
	}, `SELECT ref FROM review_note WHERE state != 'cleared' AND (
		(target_table = 'control_test' AND target_uuid = ?) OR
		(target_table = 'exception' AND target_uuid IN (SELECT uuid FROM exception WHERE test_uuid = ?))) ORDER BY ref`, testUUID, testUUID)
	if err != nil {
		return nil, err
	}
	var proc, result string
	err = w.db.QueryRowContext(ctx, `SELECT ipe_procedure, ipe_result FROM population WHERE test_uuid = ? AND current = 1`, testUUID).Scan(&proc, &result)
	if err == nil {
		f.hasPopulation = true
		f.ipe = strings.TrimSpace(proc) != "" && strings.TrimSpace(result) != ""
	}
	return f, nil
}

// CheckConclusion works out what concluding a control test as c needs,
// without recording anything: the CLI and the workbench show it before
// the auditor confirms.
func (w *Workpaper) CheckConclusion(ctx context.Context, controlRef string, c Conclusion) (*ConclusionCheck, error) {
	ct, err := w.ControlTest(ctx, controlRef)
	if err != nil {
		return nil, err
	}
	counts, err := w.readTestCounts(ctx, []*ControlTest{ct}, false)
	if err != nil {
		return nil, err
	}
	ev, err := evaluate(ct, counts[ct.UUID])
	if err != nil {
		return nil, err
	}
	f, err := w.readJudgmentFacts(ctx, ct.UUID)
	if err != nil {
		return nil, err
	}
	return checkConclusion(ct, ev, f, c), nil
}

func checkConclusion(ct *ControlTest, ev *TestEvaluation, f *judgmentFacts, c Conclusion) *ConclusionCheck {
	ch := &ConclusionCheck{Control: ct.Control.Ref, Conclusion: c, Proposed: ev.Proposed, Version: ct.Version}
	if c == Effective || c == EffectiveWithExceptions {
		// Open review notes challenge reliance on the control; a
		// conclusion that does not rely on it may answer them.
		ch.OpenNotes = f.openNotes
	}
	miss := func(format string, a ...any) { ch.Missing = append(ch.Missing, textf(format, a...)) }
	switch c {
	case Effective, EffectiveWithExceptions:
		if ct.DesignConclusion == "" {
			miss("the test of design is not concluded%s", HintConcludeDesign)
		} else if ct.DesignConclusion == "not-suitably-designed" {
			miss("the test of design concluded the control is not suitably designed")
		}
		if len(ct.Procedures) == 0 {
			miss("no procedure is recorded%s", HintAddProcedure)
		}
		if len(ct.Attributes) == 0 {
			miss("no attribute is recorded%s", HintAddAttribute)
		}
		switch {
		case ev.Population == 0:
			miss("the population is empty: conclude not-occurring")
		case ev.Items == 0:
			miss("no sample has been drawn%s", HintDrawSample)
		case ev.Complete < ev.Items:
			miss("%d of %d selected items are tested on every attribute", ev.Complete, ev.Items)
		}
		if f.naWithoutNote > 0 {
			miss("%d result%s marked not applicable without a note", f.naWithoutNote, plural(f.naWithoutNote, " is", "s are"))
		}
		if f.hasPopulation && !f.ipe {
			miss("the population's completeness and accuracy (IPE) is not recorded%s", HintRecordIPE)
		}
	case NotEffective:
		if ev.Deviations == 0 && ct.DesignConclusion != "not-suitably-designed" && strings.TrimSpace(ct.ConclusionNote) == "" {
			// The note given with the conclusion is checked by the caller.
			ch.Missing = append(ch.Missing, Text{})
		}
	case NotTested:
		ch.Missing = append(ch.Missing, Text{})
	case NotOccurring:
		if ev.Population != 0 {
			ch.Missing = append(ch.Missing, Text{})
		}
	}
	// Departures from the proposal (only toward relying on the control).
	switch c {
	case Effective:
		switch {
		case ev.Proposed == NotEffective:
			ch.Departure = "effective departs from the proposed conclusion (not effective — " + ev.Reason + ")"
		case ev.Exceptions > 0 || ev.Deviations > 0:
			ch.Departure = fmt.Sprintf("effective with %d deviation(s) and %d exception(s) logged", ev.Deviations, ev.Exceptions)
		}
	case EffectiveWithExceptions:
		switch {
		case ev.Proposed == NotEffective:
			ch.Departure = "effective with exceptions departs from the proposed conclusion (not effective — " + ev.Reason + ")"
		case f.unexcepted > 0:
			ch.Departure = fmt.Sprintf("%d deviating item(s) are in no exception (unevaluated)", f.unexcepted)
		case len(f.unevaluated) > 0:
			ch.Departure = fmt.Sprintf("exception %s %s not evaluated (isolated or systemic)", joinAnd(f.unevaluated), plural(len(f.unevaluated), "is", "are"))
		case len(f.systemic) > 0:
			ch.Departure = fmt.Sprintf("exception %s %s evaluated systemic", joinAnd(f.systemic), plural(len(f.systemic), "is", "are"))
		}
	}
	// The placeholders above mark a conclusion whose basis is the note.
	out := ch.Missing[:0]
	for _, m := range ch.Missing {
		if m.format != "" {
			out = append(out, m)
		}
	}
	ch.Missing = out
	return ch
}

// needsNote reports whether conclusion c on this test rests on a note.
func needsNote(ct *ControlTest, ev *TestEvaluation, c Conclusion) (Text, bool) {
	switch c {
	case NotEffective:
		if ev.Deviations == 0 && ct.DesignConclusion != "not-suitably-designed" {
			return textf("not effective with no deviation and the design not found wanting needs its basis in a note%s", HintNote), true
		}
	case NotTested:
		return textf("not tested needs a note saying why%s", HintNote), true
	case NotOccurring:
		if ev.Population != 0 {
			return textf("not occurring with a population that is not empty needs a note saying why%s", HintNote), true
		}
	}
	return Text{}, false
}

// Conclude records the auditor's conclusion on a control test after the
// gates above; a refusal names everything missing and changes nothing.
func (w *Workpaper) Conclude(ctx context.Context, controlRef string, in ConcludeInput) error {
	c := in.Conclusion
	if c != NotConcluded {
		if _, err := ParseConclusion(string(c)); err != nil {
			return err
		}
	}
	version := in.Version
	reason := strings.TrimSpace(in.Reason)
	if c != NotConcluded {
		ct, err := w.ControlTest(ctx, controlRef)
		if err != nil {
			return err
		}
		counts, err := w.readTestCounts(ctx, []*ControlTest{ct}, false)
		if err != nil {
			return err
		}
		ev, err := evaluate(ct, counts[ct.UUID])
		if err != nil {
			return err
		}
		f, err := w.readJudgmentFacts(ctx, ct.UUID)
		if err != nil {
			return err
		}
		ch := checkConclusion(ct, ev, f, c)
		if need, ok := needsNote(ct, ev, c); ok && strings.TrimSpace(in.Note) == "" && reason == "" {
			ch.Missing = append(ch.Missing, need)
		}
		if err := ch.Refused(in); err != nil {
			return err
		}
		if ch.Departure == "" && !(len(ch.OpenNotes) > 0 && in.CarryNotes) {
			reason = "" // nothing to explain: no departure is recorded
		} else if len(ch.OpenNotes) > 0 && in.CarryNotes {
			reason = strings.TrimSpace(reason + " (carries open review note" + plural(len(ch.OpenNotes), " ", "s ") + joinAnd(ch.OpenNotes) + ")")
		}
		if version == 0 {
			version = ch.Version
		}
	}
	return w.write(ctx, func(t *txn) error {
		id, ref, err := t.testOf(controlRef)
		if err != nil {
			return err
		}
		changed, err := t.update("control_test", id, version, "the workpaper of "+ref,
			field{"conclusion", string(c)}, field{"conclusion_note", in.Note}, field{"conclusion_reason", reason})
		if err != nil || !changed {
			return err
		}
		return t.touch(id)
	})
}
