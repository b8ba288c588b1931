package model

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/fieldwork-audit/fieldwork/sampling"
)

// DeleteAttribute checks the version it was given in its own transaction:
// an attribute edited since it was read is not deleted.
func TestDeleteAttributeChecksVersion(t *testing.T) {
	ctx := context.Background()
	w, _ := newTestWorkpaper(t)
	withControl(t, w)
	if _, err := w.AddAttribute(ctx, "CHG-01", "A", "Approved before deployment"); err != nil {
		t.Fatal(err)
	}
	ct, _ := w.ControlTest(ctx, "CHG-01")
	read := ct.Attributes[0].Version
	if err := w.EditAttribute(ctx, "CHG-01", "A", "Approved by someone else", read); err != nil {
		t.Fatal(err)
	}
	var se *StaleError
	if err := w.DeleteAttribute(ctx, "CHG-01", "A", read); !errors.As(err, &se) || se.Requested != read || se.Current != read+1 {
		t.Fatalf("stale delete: %v", err)
	}
	if ct, _ := w.ControlTest(ctx, "CHG-01"); len(ct.Attributes) != 1 {
		t.Fatalf("the attribute went: %+v", ct.Attributes)
	}
	if err := w.DeleteAttribute(ctx, "CHG-01", "A", read+1); err != nil {
		t.Fatal(err)
	}
	if ct, _ := w.ControlTest(ctx, "CHG-01"); len(ct.Attributes) != 0 {
		t.Fatalf("not deleted: %+v", ct.Attributes)
	}
}

// SetPlan records a frequency-based plan with the risk it was sized at, and
// records what SizePlan (the wizard's live preview) gives.
func TestSetPlanWithRiskIsWhatSizePlanGives(t *testing.T) {
	ctx := context.Background()
	w, _ := newTestWorkpaper(t)
	withSample(t, w)
	table, err := w.FrequencyTable(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []PlanInput{
		{Kind: PlanFrequency, Risk: "higher"},
		{Kind: PlanFrequency, Risk: "lower"},
		{Kind: PlanStatistical, Confidence: 95 * sampling.OnePercent, Tolerable: 5 * sampling.OnePercent, Model: sampling.Binomial},
		{Kind: PlanAll},
	} {
		before, _ := w.ControlTest(ctx, "CHG-01")
		want, err := SizePlan(in, before.Control, before.Risk, 300, table)
		if err != nil {
			t.Fatal(err)
		}
		got, err := w.SetPlan(ctx, "CHG-01", in)
		if err != nil {
			t.Fatal(err)
		}
		ct, _ := w.ControlTest(ctx, "CHG-01")
		if got != want.Plan || ct.Plan != want.Plan {
			t.Errorf("%+v: SetPlan %+v, recorded %+v, SizePlan %+v", in, got, ct.Plan, want.Plan)
		}
		if in.Risk != "" && ct.Risk != in.Risk {
			t.Errorf("%+v: risk %q", in, ct.Risk)
		}
	}
	if _, err := w.SetPlan(ctx, "CHG-01", PlanInput{Kind: PlanFrequency, Risk: "medium"}); err == nil {
		t.Error("unknown risk accepted")
	}
	var nf *NoFrequencyError
	if _, err := SizePlan(PlanInput{Kind: PlanFrequency}, Control{Ref: "X-1"}, "", 10, table); !errors.As(err, &nf) {
		t.Errorf("no frequency: %v", err)
	}
}

// The bulk pass's selection: the items with no result for the attribute,
// a window at a time; passing them skips a cell recorded meanwhile.
func TestUntestedItemsAndPassUntested(t *testing.T) {
	ctx := context.Background()
	w, _ := newTestWorkpaper(t)
	sel, _ := withSample(t, w)
	if _, err := w.AddAttribute(ctx, "CHG-01", "A", "Approved"); err != nil {
		t.Fatal(err)
	}
	first := sel.Items[0].Position
	if err := w.SetResult(ctx, ResultInput{ControlRef: "CHG-01", Position: first, Attribute: "A", Outcome: Deviation, Note: "late"}); err != nil {
		t.Fatal(err)
	}
	pos, looked, err := w.UntestedItems(ctx, sel.UUID, "A", 1, 5)
	if err != nil || looked != 5 || len(pos) != 4 || slices.Contains(pos, first) {
		t.Fatalf("UntestedItems = %v, looked %d, %v", pos, looked, err)
	}
	written, skipped, err := w.PassUntested(ctx, "CHG-01", append(pos, first), []string{"A"})
	if err != nil || written != 4 || skipped != 1 {
		t.Fatalf("PassUntested: written %d, skipped %d, %v", written, skipped, err)
	}
	if pos, looked, _ := w.UntestedItems(ctx, sel.UUID, "A", 1, len(sel.Items)+10); looked != len(sel.Items) || len(pos) != len(sel.Items)-5 {
		t.Fatalf("after: %d untested of %d looked at", len(pos), looked)
	}
	res, _ := w.Results(ctx, "CHG-01")
	for _, r := range res {
		if r.Position == first && r.Outcome != Deviation {
			t.Fatalf("the recorded deviation was overwritten: %+v", r)
		}
	}
}
