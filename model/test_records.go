package model

import (
	"context"
	"database/sql"
	"fmt"
)

// TestRecord is one control's test with everything recorded against it.
type TestRecord struct {
	Test       *ControlTest
	Evaluation *TestEvaluation
	Population *Population // the current one, or nil
	Selection  *Selection  // the current sample with its items, or nil
}

// TestRecords reads every control's test, in matrix order, with its
// evaluation, current population and current sample: a dozen queries over
// the whole file, however many controls there are, where reading them one
// control at a time (ControlTest, Evaluate, CurrentPopulation, Selection)
// takes dozens of queries per control. The samples' results and population
// rows are not read: a sample may be large, read it a page at a time.
func (w *Workpaper) TestRecords(ctx context.Context) ([]TestRecord, error) {
	cs, err := w.Controls(ctx)
	if err != nil || len(cs) == 0 {
		return nil, err
	}
	tests, err := w.controlTests(ctx, cs, true)
	if err != nil {
		return nil, err
	}
	counts, err := w.readTestCounts(ctx, tests, true)
	if err != nil {
		return nil, err
	}
	pops, err := w.currentPopulations(ctx, tests, true)
	if err != nil {
		return nil, err
	}
	sels, err := w.currentSelections(ctx, tests, true)
	if err != nil {
		return nil, err
	}
	out := make([]TestRecord, len(tests))
	for i, ct := range tests {
		ev, err := evaluate(ct, counts[ct.UUID])
		if err != nil {
			return nil, err
		}
		out[i] = TestRecord{Test: ct, Evaluation: ev, Population: pops[ct.UUID], Selection: sels[ct.UUID]}
	}
	return out, nil
}

// CriteriaConclusionsOf is CriteriaConclusions for a caller that has
// already evaluated every control (evals by control reference): the
// export evaluates each control once and reuses the result here instead of
// evaluating them all again. A control missing from evals is evaluated.
func (w *Workpaper) CriteriaConclusionsOf(ctx context.Context, evals map[string]*TestEvaluation) ([]CriterionConclusion, error) {
	crit, err := w.Criteria(ctx)
	if err != nil {
		return nil, err
	}
	all := make(map[string]*TestEvaluation, len(evals))
	for _, c := range crit {
		for _, ref := range c.Controls {
			if all[ref] != nil {
				continue
			}
			if ev := evals[ref]; ev != nil {
				all[ref] = ev
				continue
			}
			ev, err := w.Evaluate(ctx, ref)
			if err != nil {
				return nil, err
			}
			all[ref] = ev
		}
	}
	overrides := map[string][2]string{}
	rows, err := w.db.QueryContext(ctx, "SELECT ref, override, override_reason FROM criterion WHERE override != ''")
	if err != nil {
		return nil, friendlyDBError(err)
	}
	for rows.Next() {
		var r, o, why string
		if err := rows.Scan(&r, &o, &why); err != nil {
			rows.Close()
			return nil, err
		}
		overrides[r] = [2]string{o, why}
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	exceptions, err := w.Exceptions(ctx)
	if err != nil {
		return nil, err
	}
	facts := criterionFacts{exceptions: map[string][]Exception{}}
	for _, x := range exceptions {
		facts.exceptions[x.ControlRef] = append(facts.exceptions[x.ControlRef], x)
	}
	since, err := w.latestJudgmentChanges(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]CriterionConclusion, 0, len(crit))
	for _, c := range crit {
		cc := CriterionConclusion{Ref: c.Ref, Category: c.Category, Title: c.Title, InScope: c.InScope, Controls: c.Controls, KeyControls: c.Key}
		cc.Derived, cc.Reason, cc.Rule = deriveCriterion(c, all, facts)
		var last judgmentChange
		for _, ref := range c.Controls {
			if ch := since[ref]; ch.seq > last.seq {
				last = ch
			}
		}
		if last.seq > 0 && c.InScope {
			cc.Since = last.words
		}
		cc.Status = cc.Derived
		if o, ok := overrides[c.Ref]; ok && c.InScope {
			cc.Override, cc.OverrideReason = o[0], o[1]
			cc.Status = CriterionStatus(o[0])
		}
		out = append(out, cc)
	}
	return out, nil
}

// judgmentChange is the latest change to what a criterion is derived from.
type judgmentChange struct {
	seq   int64
	words string
}

// latestJudgmentChanges finds, for each control, the latest change to its
// conclusion or to the evaluation or compensating control of one of its
// exceptions, so that a derived criterion says what changed and since
// when: one pass over the trail.
func (w *Workpaper) latestJudgmentChanges(ctx context.Context) (map[string]judgmentChange, error) {
	out := map[string]judgmentChange{}
	err := w.scanRows(ctx, func(rows *sql.Rows) error {
		var ref, at, user, tbl, fieldName string
		var seq int64
		var nw sql.NullString
		if err := rows.Scan(&ref, &seq, &at, &user, &tbl, &fieldName, &nw); err != nil {
			return err
		}
		words := map[string]string{"conclusion": "conclusion", "evaluation": "an exception's evaluation", "compensating_control": "an exception's compensating control"}
		v := nw.String
		if fieldName == "" { // several fields changed in one entry
			vals, _ := parseUpdateValues(&nw.String)
			for _, k := range []string{"conclusion", "evaluation", "compensating_control"} {
				if x, ok := vals[k]; ok {
					fieldName, v = k, deref(x)
					break
				}
			}
		}
		what := words[fieldName]
		if v == "" {
			v = "none"
		}
		out[ref] = judgmentChange{seq: seq, words: fmt.Sprintf("%s %s → %s (%s, %s)", ref, what, v, user, parseTime(at).Format("2006-01-02 15:04"))}
		return nil
	}, `SELECT c.ref, max(l.seq), l.at, l.user, l.tbl, l.field, l.new_value
		FROM change_log l JOIN control_test t ON t.uuid = l.scope JOIN control c ON c.uuid = t.control_uuid
		WHERE l.op = 'update' AND ((l.tbl = 'control_test' AND (l.field = 'conclusion' OR (l.field = '' AND json_type(l.new_value, '$.conclusion') IS NOT NULL)))
			OR (l.tbl = 'exception' AND (l.field IN ('evaluation', 'compensating_control')
				OR (l.field = '' AND (json_type(l.new_value, '$.evaluation') IS NOT NULL OR json_type(l.new_value, '$.compensating_control') IS NOT NULL)))))
		GROUP BY c.ref`)
	return out, err
}
