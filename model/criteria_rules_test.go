package model

import (
	"context"
	"strings"
	"testing"

	"github.com/fieldwork-audit/fieldwork/sampling"
)

func criterion(t *testing.T, w *Workpaper, ref string) CriterionConclusion {
	t.Helper()
	cs, err := w.CriteriaConclusions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		if c.Ref == ref {
			return c
		}
	}
	t.Fatalf("no criterion %s", ref)
	return CriterionConclusion{}
}

func wantCriterion(t *testing.T, w *Workpaper, ref string, status CriterionStatus, rule string, says ...string) CriterionConclusion {
	t.Helper()
	c := criterion(t, w, ref)
	if c.Status != status || c.Rule != rule {
		t.Fatalf("%s: %s by %s (%s), want %s by %s", ref, c.Status, c.Rule, c.Reason, status, rule)
	}
	for _, s := range says {
		if !strings.Contains(c.Reason, s) {
			t.Errorf("%s: the reason %q does not say %q", ref, c.Reason, s)
		}
	}
	return c
}

// CC8.1 relies on CHG-01 (key, sampled, one deviation) and CHG-02 (key);
// CHG-03 contributes.
func criteriaFixture(t *testing.T) (*Workpaper, *Selection) {
	t.Helper()
	w, _ := newTestWorkpaper(t)
	sel, _ := withSample(t, w)
	ctx := context.Background()
	if _, err := w.ImportControls(ctx, []ControlInput{
		{ID: "CHG-01", Description: "Changes approved before deployment", Frequency: sampling.AdHoc, Key: true, Criteria: []string{"CC8.1"}},
		{ID: "CHG-02", Description: "CI blocks failed builds", Frequency: sampling.Continuous, Key: true, Criteria: []string{"CC8.1"}},
		{ID: "CHG-03", Description: "Emergency changes reviewed afterwards", Frequency: sampling.AdHoc, Criteria: []string{"CC8.1"}},
	}, "test"); err != nil {
		t.Fatal(err)
	}
	if err := w.SetResult(ctx, ResultInput{ControlRef: "CHG-01", Position: sel.Items[0].Position, Outcome: Deviation, Note: "deployed before approval"}); err != nil {
		t.Fatal(err)
	}
	return w, sel
}

func TestCriterionNeedsEveryKeyControl(t *testing.T) {
	ctx := context.Background()
	w, sel := criteriaFixture(t)
	wantCriterion(t, w, "CC8.1", CriterionAtRisk, RuleJudgment, "CHG-01")
	// A contributing control concluded effective does not make it met.
	forceConclusion(t, w, "CHG-03", Effective, "")
	wantCriterion(t, w, "CC8.1", CriterionAtRisk, RuleJudgment)
	ref, err := w.AddException(ctx, ExceptionInput{ControlRef: "CHG-01", Positions: []int{sel.Items[0].Position}, Description: "Deployed before approval", Evaluation: "systemic"})
	if err != nil {
		t.Fatal(err)
	}
	forceConclusion(t, w, "CHG-01", NotEffective, "systemic")
	forceConclusion(t, w, "CHG-02", Effective, "")
	// CHG-02 and CHG-03 effective do not rescue CHG-01, the key control.
	c := wantCriterion(t, w, "CC8.1", CriterionNotMet, RuleKeyNotEffective, "CHG-01 (key) not effective", "no tested compensating control")
	if !strings.Contains(c.Since, "CHG-02 conclusion → effective") {
		t.Errorf("since = %q", c.Since)
	}
	// A compensating control must be a control tested here, not the same one.
	if err := w.UpdateException(ctx, ref, 0, ExceptionInput{CompensatingControl: "CHG-01"}); err == nil || !strings.Contains(err.Error(), "cannot compensate for its own exception") {
		t.Fatalf("err = %v", err)
	}
	if err := w.UpdateException(ctx, ref, 0, ExceptionInput{CompensatingControl: "NOPE-9"}); !hasHint(err, HintMitigating) {
		t.Fatalf("err = %v", err)
	}
	// CHG-03 linked to the exception and concluded effective compensates.
	if err := w.UpdateException(ctx, ref, 0, ExceptionInput{CompensatingControl: "CHG-03"}); err != nil {
		t.Fatal(err)
	}
	wantCriterion(t, w, "CC8.1", CriterionMet, RuleCompensated, "compensated by CHG-03 (for EX-01)")
	// … but not once its own conclusion falls.
	forceConclusion(t, w, "CHG-03", NotEffective, "it did not operate")
	c = wantCriterion(t, w, "CC8.1", CriterionNotMet, RuleKeyNotEffective)
	if !strings.Contains(c.Since, "CHG-03 conclusion → not-effective") {
		t.Errorf("since = %q", c.Since)
	}
	mustVerify(t, w)
}

func TestCriterionMappingReliance(t *testing.T) {
	ctx := context.Background()
	w, _ := criteriaFixture(t)
	forceConclusion(t, w, "CHG-01", NotEffective, "systemic")
	forceConclusion(t, w, "CHG-02", Effective, "")
	// The mapping of CHG-01 to CC8.1 says it merely contributes.
	if err := w.SetReliance(ctx, "CHG-01", "CC8.1", RelianceContributes); err != nil {
		t.Fatal(err)
	}
	wantCriterion(t, w, "CC8.1", CriterionMet, RuleKeyEffective, "every key control (CHG-02) is effective", "CHG-01 (contributing only) not effective")
	if err := w.SetReliance(ctx, "CHG-01", "CC6.1", RelianceKey); err == nil || !strings.Contains(err.Error(), "CHG-01 is not mapped to CC6.1") {
		t.Fatalf("err = %v", err)
	}
	// Key controls that did not occur, and nothing else tested: open.
	if err := w.SetReliance(ctx, "CHG-01", "CC8.1", RelianceDefault); err != nil {
		t.Fatal(err)
	}
	forceConclusion(t, w, "CHG-01", NotOccurring, "")
	forceConclusion(t, w, "CHG-02", NotOccurring, "")
	wantCriterion(t, w, "CC8.1", CriterionOpen, RuleNothingTested)
	mustVerify(t, w)
}

// Effective with exceptions counts unless a systemic exception affects the criterion.
func TestCriterionEffectiveWithExceptions(t *testing.T) {
	ctx := context.Background()
	w, sel := criteriaFixture(t)
	forceConclusion(t, w, "CHG-02", Effective, "")
	ref, err := w.AddException(ctx, ExceptionInput{ControlRef: "CHG-01", Positions: []int{sel.Items[0].Position}, Description: "Late approval", Evaluation: "isolated"})
	if err != nil {
		t.Fatal(err)
	}
	forceConclusion(t, w, "CHG-01", EffectiveWithExceptions, "isolated")
	wantCriterion(t, w, "CC8.1", CriterionMet, RuleKeyEffective)
	if err := w.UpdateException(ctx, ref, 0, ExceptionInput{Evaluation: "systemic", CriteriaAffected: []string{"CC6.1"}}); err != nil {
		t.Fatal(err)
	}
	wantCriterion(t, w, "CC8.1", CriterionMet, RuleKeyEffective) // evaluated as not affecting CC8.1
	if err := w.UpdateException(ctx, ref, 0, ExceptionInput{CriteriaAffected: []string{"CC8.1"}}); err != nil {
		t.Fatal(err)
	}
	wantCriterion(t, w, "CC8.1", CriterionNotMet, RuleKeyNotEffective)
}
