package model

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"

	"github.com/fieldwork-audit/fieldwork/sampling"
)

// TestState is how far a control's workpaper has come.
type TestState string

const (
	StateNotStarted TestState = "not-started"
	StateInProgress TestState = "in-progress"
	StateTested     TestState = "tested"   // concluded
	StateReviewed   TestState = "reviewed" // concluded and signed by the reviewer
)

// TestEvaluation is what the results of a control test say.
type TestEvaluation struct {
	ControlRef string
	WPRef      string
	State      TestState
	Items      int // selected
	Attributes int
	Recorded   int // results recorded
	Complete   int // items with every attribute recorded
	Deviations int // items with at least one deviation
	Exceptions int
	Population int // rows in the current population, -1 when none
	// Statistical is the evaluation of a statistical plan once every item is tested.
	Statistical *sampling.Evaluation
	// Proposed is the conclusion the results point to; the auditor decides.
	Proposed Conclusion
	Reason   string
	// Recorded conclusion and review.
	Conclusion         Conclusion
	ConclusionReason   string // why it departs from the proposal, if it does
	Reviewed           bool
	ChangedSinceReview bool
}

// Evaluate summarizes a control test's results and proposes a conclusion:
// for statistical plans the upper deviation limit against the tolerable
// rate; for other plans any deviation calls for the auditor's judgment.
func (w *Workpaper) Evaluate(ctx context.Context, controlRef string) (*TestEvaluation, error) {
	ct, err := w.ControlTest(ctx, controlRef)
	if err != nil {
		return nil, err
	}
	counts, err := w.readTestCounts(ctx, []*ControlTest{ct}, false)
	if err != nil {
		return nil, err
	}
	return evaluate(ct, counts[ct.UUID])
}

// testCounts are the numbers a test's evaluation rests on.
type testCounts struct {
	population int // rows in the current population, -1 when none
	items      int // in the current sample
	recorded   int // results on those items
	deviations int // items with a deviation
	exceptions int
	// byResults counts the items of the sample by their number of results.
	byResults map[int]int
}

// readTestCounts counts what the evaluation of tests needs, by test UUID:
// four queries whatever the number of tests. With all set, tests is every
// test; otherwise tests is one test and only its rows are read. A test
// with no population, sample or exception may be missing from the map.
func (w *Workpaper) readTestCounts(ctx context.Context, tests []*ControlTest, all bool) (map[string]*testCounts, error) {
	out := map[string]*testCounts{}
	get := func(test string) *testCounts {
		if out[test] == nil {
			out[test] = &testCounts{population: -1, byResults: map[int]int{}}
		}
		return out[test]
	}
	var args []any
	only := func(col string) string { return "" } // every test
	if !all {
		args = []any{tests[0].UUID}
		only = func(col string) string { return " AND " + col + " = ?" }
	}
	err := w.scanRows(ctx, func(rows *sql.Rows) error {
		var test string
		var n int
		if err := rows.Scan(&test, &n); err != nil {
			return err
		}
		get(test).population = n
		return nil
	}, "SELECT test_uuid, row_count FROM population WHERE current = 1"+only("test_uuid"), args...)
	if err != nil {
		return nil, err
	}
	// Items by their number of results: the index on result alone answers.
	err = w.scanRows(ctx, func(rows *sql.Rows) error {
		var test string
		var results, items int
		if err := rows.Scan(&test, &results, &items); err != nil {
			return err
		}
		c := get(test)
		c.items += items
		c.recorded += results * items
		c.byResults[results] += items
		return nil
	}, `SELECT test_uuid, n, count(*) FROM (
		SELECT s.test_uuid, count(r.id) AS n
		FROM selection s JOIN sample_item i ON i.selection_uuid = s.uuid LEFT JOIN result r ON r.item_uuid = i.uuid
		WHERE s.current = 1`+only("s.test_uuid")+` GROUP BY i.id)
		GROUP BY test_uuid, n`, args...)
	if err != nil {
		return nil, err
	}
	// A test of every item stores only the items something refers to: the
	// others have no result.
	err = w.scanRows(ctx, func(rows *sql.Rows) error {
		var test string
		var size, stored int
		if err := rows.Scan(&test, &size, &stored); err != nil {
			return err
		}
		if rest := size - stored; rest > 0 {
			c := get(test)
			c.items += rest
			c.byResults[0] += rest
		}
		return nil
	}, `SELECT s.test_uuid, s.size, (SELECT count(*) FROM sample_item i WHERE i.selection_uuid = s.uuid)
		FROM selection s WHERE s.current = 1 AND s.items_derived = 2`+only("s.test_uuid"), args...)
	if err != nil {
		return nil, err
	}
	// Deviations apart: few results are, and reading every result's
	// outcome with the counts above doubles their cost.
	err = w.scanRows(ctx, func(rows *sql.Rows) error {
		var test string
		var n int
		if err := rows.Scan(&test, &n); err != nil {
			return err
		}
		get(test).deviations = n
		return nil
	}, `SELECT s.test_uuid, count(DISTINCT r.item_uuid)
		FROM result r JOIN sample_item i ON i.uuid = r.item_uuid JOIN selection s ON s.uuid = i.selection_uuid AND s.current = 1
		WHERE r.outcome = 'deviation'`+only("s.test_uuid")+` GROUP BY s.test_uuid`, args...)
	if err != nil {
		return nil, err
	}
	err = w.scanRows(ctx, func(rows *sql.Rows) error {
		var test string
		var n int
		if err := rows.Scan(&test, &n); err != nil {
			return err
		}
		get(test).exceptions = n
		return nil
	}, "SELECT test_uuid, count(*) FROM exception WHERE true"+only("test_uuid")+" GROUP BY test_uuid", args...)
	return out, err
}

// scanRows runs a query and calls scan on each row.
func (w *Workpaper) scanRows(ctx context.Context, scan func(*sql.Rows) error, q string, args ...any) error {
	rows, err := w.db.QueryContext(ctx, q, args...)
	if err != nil {
		return friendlyDBError(err)
	}
	for rows.Next() {
		if err := scan(rows); err != nil {
			rows.Close()
			return err
		}
	}
	return closeRows(rows)
}

// evaluate is the evaluation of ct from its counts (nil: nothing recorded).
func evaluate(ct *ControlTest, n *testCounts) (*TestEvaluation, error) {
	if n == nil {
		n = &testCounts{population: -1}
	}
	ev := &TestEvaluation{ControlRef: ct.Control.Ref, WPRef: ct.WPRef, Attributes: len(ct.Attributes), Population: n.population,
		Items: n.items, Recorded: n.recorded, Deviations: n.deviations, Exceptions: n.exceptions,
		Conclusion: ct.Conclusion, ConclusionReason: ct.ConclusionReason, Reviewed: ct.Reviewed(), ChangedSinceReview: ct.ChangedSinceReview()}
	// Complete: every attribute has a result (none count without attributes).
	if len(ct.Attributes) > 0 {
		for results, items := range n.byResults {
			if results >= len(ct.Attributes) {
				ev.Complete += items
			}
		}
	}
	switch {
	case ct.Conclusion != NotConcluded && ev.Reviewed:
		ev.State = StateReviewed
	case ct.Conclusion != NotConcluded:
		ev.State = StateTested
	case ev.Population >= 0 || ev.Items > 0 || ct.DesignProcedure != "" || len(ct.Procedures) > 0 || ct.Plan.Kind != "":
		ev.State = StateInProgress
	default:
		ev.State = StateNotStarted
	}

	switch {
	case ev.Population == 0:
		ev.Proposed, ev.Reason = NotOccurring, "the population is empty: the control did not operate in the period"
	case ev.Items == 0:
		ev.Proposed, ev.Reason = NotTested, "no sample has been drawn"
	case ev.Complete < ev.Items:
		ev.Proposed, ev.Reason = NotConcluded, fmt.Sprintf("%d of %d items are fully tested", ev.Complete, ev.Items)
	case ct.Plan.Kind == PlanStatistical:
		conf, _ := sampling.ParseRate(ct.Plan.Confidence)
		tol, _ := sampling.ParseRate(ct.Plan.Tolerable)
		s := sampling.Sample{Size: ev.Items, Deviations: ev.Deviations, Confidence: conf, Tolerable: tol, Model: sampling.Model(ct.Plan.Model)}
		if s.Model == sampling.Hypergeometric {
			s.Population = ev.Population
		}
		e, err := sampling.Evaluate(s)
		if err != nil {
			return nil, err
		}
		ev.Statistical = &e
		switch {
		case e.Conclusion == sampling.NotSupported:
			ev.Proposed = NotEffective
			ev.Reason = fmt.Sprintf("upper deviation limit %.1f%% exceeds the tolerable rate %s (%d deviations in %d items)",
				e.UpperLimitPercent, ct.Plan.Tolerable, ev.Deviations, ev.Items)
		case ev.Deviations > 0:
			ev.Proposed = EffectiveWithExceptions
			ev.Reason = fmt.Sprintf("upper deviation limit %.1f%% is within the tolerable rate %s; the %d deviation(s) are reported as exceptions",
				e.UpperLimitPercent, ct.Plan.Tolerable, ev.Deviations)
		default:
			ev.Proposed = Effective
			ev.Reason = fmt.Sprintf("no deviations in %d items; upper deviation limit %.1f%% ≤ tolerable %s", ev.Items, e.UpperLimitPercent, ct.Plan.Tolerable)
		}
	case ev.Deviations > 0:
		ev.Proposed = NotConcluded
		ev.Reason = fmt.Sprintf("%d deviation(s) in a nonstatistical sample: judge whether isolated (extend the sample, effective with exceptions) or systematic (not effective)", ev.Deviations)
	default:
		ev.Proposed, ev.Reason = Effective, fmt.Sprintf("no deviations in %d items", ev.Items)
	}
	return ev, nil
}

// CriterionStatus is the conclusion on one criterion, derived from its
// controls unless the auditor overrode it.
type CriterionStatus string

const (
	CriterionMet        CriterionStatus = "met"
	CriterionNotMet     CriterionStatus = "not-met"
	CriterionAtRisk     CriterionStatus = "at-risk" // a control has deviations awaiting judgment
	CriterionOpen       CriterionStatus = "open"    // not all controls concluded
	CriterionGap        CriterionStatus = "gap"     // in scope, no control
	CriterionOutOfScope CriterionStatus = "out-of-scope"
)

// CriterionConclusion is a criterion's derived status and its reasons.
type CriterionConclusion struct {
	Ref      string          `json:"id"`
	Category Category        `json:"category"`
	Title    string          `json:"title"`
	InScope  bool            `json:"in_scope"`
	Controls []string        `json:"controls"`
	Derived  CriterionStatus `json:"derived"`
	Status   CriterionStatus `json:"status"`
	Reason   string          `json:"reason"`
	// Rule names the rule that decided (RuleKeyNotEffective, …).
	Rule string `json:"rule"`
	// KeyControls are the mapped controls the criterion relies on.
	KeyControls []string `json:"key_controls"`
	// Since is the latest change behind the derived result: which control
	// or exception changed, by whom and when (empty when none).
	Since          string `json:"since,omitempty"`
	Override       string `json:"override,omitempty"`
	OverrideReason string `json:"override_reason,omitempty"`
}

// CriteriaConclusions derives every criterion's conclusion from its
// controls: not met when a control it relies on is not effective and no
// other mapped control is effective; an override with a reason wins.
func (w *Workpaper) CriteriaConclusions(ctx context.Context) ([]CriterionConclusion, error) {
	return w.CriteriaConclusionsOf(ctx, nil)
}

// Criterion rules, as CriterionConclusion.Rule names them.
const (
	RuleOutOfScope      = "out-of-scope"
	RuleGap             = "gap"
	RuleKeyNotEffective = "key-control-not-effective"
	RuleJudgment        = "deviations-await-judgment"
	RuleKeyOpen         = "key-control-not-concluded"
	RuleNothingTested   = "no-control-tested"
	RuleCompensated     = "compensated"
	RuleKeyEffective    = "key-controls-effective"
)

// criterionFacts are the exceptions the criteria rules read, by control.
type criterionFacts struct {
	exceptions map[string][]Exception // by control reference
}

// deriveCriterion applies the criteria rules (issue #14): a criterion is
// met only when every key control mapped to it is effective (or effective
// with exceptions the auditor evaluated as not affecting it) and at least
// one mapped control was tested; a key control that is not effective makes
// it not met unless a compensating control — a control tested in this
// workpaper, linked to each of its exceptions, concluded effective —
// covers it. When no mapping is key, every mapped control is relied on.
func deriveCriterion(c Criterion, evals map[string]*TestEvaluation, facts criterionFacts) (CriterionStatus, string, string) {
	if !c.InScope {
		return CriterionOutOfScope, "category not in scope", RuleOutOfScope
	}
	if len(c.Controls) == 0 {
		return CriterionGap, "no control addresses this criterion", RuleGap
	}
	key := c.Key
	allKey := len(key) == 0
	if allKey {
		key = c.Controls
	}
	isKey := map[string]bool{}
	for _, k := range key {
		isKey[k] = true
	}
	effectiveNow := func(ref string) bool {
		ev := evals[ref]
		return ev != nil && (ev.Conclusion == Effective || ev.Conclusion == EffectiveWithExceptions)
	}
	affects := func(x Exception) bool {
		return len(x.CriteriaAffected) == 0 || containsString(x.CriteriaAffected, c.Ref)
	}
	var failed, compensated, judgment, pending, tested, contribFailed []string
	var compensators []string
	for _, ref := range c.Controls {
		ev := evals[ref]
		if effectiveNow(ref) {
			tested = append(tested, ref)
		}
		if !isKey[ref] {
			if ev.Conclusion == NotEffective {
				contribFailed = append(contribFailed, ref)
			}
			continue
		}
		fails := false
		switch ev.Conclusion {
		case Effective, NotOccurring:
		case EffectiveWithExceptions:
			for _, x := range facts.exceptions[ref] {
				switch {
				case x.Evaluation == "":
					judgment = append(judgment, ref)
				case x.Evaluation == "systemic" && affects(x):
					fails = true
				}
			}
		case NotEffective:
			fails = true
		default:
			if ev.Deviations > 0 {
				judgment = append(judgment, ref)
			} else {
				pending = append(pending, ref)
			}
		}
		if !fails {
			continue
		}
		// Compensated when every exception of it that affects the
		// criterion links a compensating control concluded effective.
		var by []string
		ok := false
		for _, x := range facts.exceptions[ref] {
			if !affects(x) {
				continue
			}
			if x.CompensatingControl == "" || !effectiveNow(x.CompensatingControl) {
				ok = false
				by = nil
				break
			}
			ok = true
			by = append(by, x.CompensatingControl+" (for "+x.Ref+")")
		}
		if ok {
			compensated = append(compensated, ref)
			compensators = append(compensators, by...)
		} else {
			failed = append(failed, ref)
		}
	}
	keyWord := "key"
	if allKey {
		keyWord = "relied on: no mapping is marked key"
	}
	switch {
	case len(failed) > 0:
		return CriterionNotMet, fmt.Sprintf("%s (%s) not effective, and no tested compensating control covers %s exceptions",
			joinAnd(failed), keyWord, plural(len(failed), "its", "their")), RuleKeyNotEffective
	case len(judgment) > 0:
		return CriterionAtRisk, fmt.Sprintf("deviations in %s await the auditor's judgment", joinAnd(dedupe(judgment))), RuleJudgment
	case len(pending) > 0:
		return CriterionOpen, fmt.Sprintf("%s (%s) not yet concluded", joinAnd(pending), keyWord), RuleKeyOpen
	case len(tested) == 0:
		return CriterionOpen, "no mapped control was tested (not occurring is not a pass): test one that operated, or override with a reason", RuleNothingTested
	}
	extra := ""
	if len(contribFailed) > 0 {
		extra = fmt.Sprintf("; %s (contributing only) not effective", joinAnd(contribFailed))
	}
	if len(compensated) > 0 {
		return CriterionMet, fmt.Sprintf("%s (key) not effective, compensated by %s, tested and effective%s", joinAnd(compensated), joinAnd(compensators), extra), RuleCompensated
	}
	return CriterionMet, fmt.Sprintf("every key control (%s) is effective; tested: %s%s", joinAnd(key), joinAnd(tested), extra), RuleKeyEffective
}

func dedupe(xs []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// OverrideCriterion sets the auditor's conclusion on a criterion; it needs
// a written reason. An empty status removes the override.
func (w *Workpaper) OverrideCriterion(ctx context.Context, ref string, status CriterionStatus, reason string) error {
	id, ok := NormalizeCriterionID(ref)
	if !ok {
		return fmt.Errorf("unknown criterion %q", ref)
	}
	if status != "" && status != CriterionMet && status != CriterionNotMet {
		return fmt.Errorf("override a criterion as met or not-met, not %q", status)
	}
	if status != "" && strings.TrimSpace(reason) == "" {
		return &InputError{Msg: "an override needs a written reason", Input: InputReason}
	}
	return w.write(ctx, func(t *txn) error {
		var uuid string
		if err := t.tx.QueryRowContext(ctx, "SELECT uuid FROM criterion WHERE ref = ?", id).Scan(&uuid); err != nil {
			return err
		}
		_, err := t.update("criterion", uuid, 0, "criterion "+id, field{"override", string(status)}, field{"override_reason", strings.TrimSpace(reason)})
		return err
	})
}

// Status is the engagement's progress at a glance.
type Status struct {
	Controls       int                     `json:"controls"`
	ByState        map[TestState]int       `json:"by_state"`
	ByCategory     map[Category]StateCount `json:"by_category"`
	Deviations     int                     `json:"deviations"`
	Exceptions     int                     `json:"exceptions"`
	OpenNotes      int                     `json:"open_review_notes"`
	RespondedNotes int                     `json:"responded_review_notes"`
	ChangedSince   []string                `json:"changed_since_review"`
	CriteriaAtRisk []CriterionConclusion   `json:"criteria_at_risk"`
	Gaps           []string                `json:"coverage_gaps"`
	OutstandingPBC int                     `json:"outstanding_pbc"`
}

// StateCount counts controls of a category by state.
type StateCount map[TestState]int

// Status computes progress: controls by state (overall and per category),
// deviations, exceptions, review notes and criteria at risk.
func (w *Workpaper) Status(ctx context.Context) (*Status, error) {
	controls, err := w.Controls(ctx)
	if err != nil {
		return nil, err
	}
	st := &Status{Controls: len(controls), ByState: map[TestState]int{}, ByCategory: map[Category]StateCount{},
		ChangedSince: []string{}, CriteriaAtRisk: []CriterionConclusion{}, Gaps: []string{}}
	evals := make(map[string]*TestEvaluation, len(controls))
	for _, c := range controls {
		ev, err := w.Evaluate(ctx, c.Ref)
		if err != nil {
			return nil, err
		}
		evals[c.Ref] = ev
		st.ByState[ev.State]++
		st.Deviations += ev.Deviations
		st.Exceptions += ev.Exceptions
		if ev.ChangedSinceReview {
			st.ChangedSince = append(st.ChangedSince, c.Ref)
		}
		cats := map[Category]bool{}
		for _, cr := range c.Criteria {
			if i := CatalogOrder(cr); i >= 0 {
				cats[Catalog[i].Category] = true
			}
		}
		for cat := range cats {
			if st.ByCategory[cat] == nil {
				st.ByCategory[cat] = StateCount{}
			}
			st.ByCategory[cat][ev.State]++
		}
	}
	concl, err := w.CriteriaConclusionsOf(ctx, evals)
	if err != nil {
		return nil, err
	}
	for _, c := range concl {
		switch c.Status {
		case CriterionNotMet, CriterionAtRisk:
			st.CriteriaAtRisk = append(st.CriteriaAtRisk, c)
		case CriterionGap:
			st.Gaps = append(st.Gaps, c.Ref)
		}
	}
	sort.Strings(st.ChangedSince)
	if err := w.db.QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE state = 'open'), count(*) FILTER (WHERE state = 'responded') FROM review_note`).Scan(&st.OpenNotes, &st.RespondedNotes); err != nil {
		return nil, err
	}
	if err := w.db.QueryRowContext(ctx, `SELECT count(*) FROM pbc_request WHERE status IN ('requested', 'rejected')`).Scan(&st.OutstandingPBC); err != nil {
		return nil, err
	}
	return st, nil
}
