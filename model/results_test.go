package model

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// A bulk pass writes the untested cells in one transaction, leaves a cell
// recorded meanwhile alone and counts it, and marks a reviewed test
// changed once.
func TestSetResultsBulkPass(t *testing.T) {
	ctx := context.Background()
	w, _ := newTestWorkpaper(t)
	sel, _ := withSample(t, w)
	recorded := sel.Items[3].Position
	if err := w.SetResult(ctx, ResultInput{ControlRef: "CHG-01", Position: recorded, Attribute: "A", Outcome: Deviation}); err != nil {
		t.Fatal(err)
	}
	before, _ := w.Trail(ctx, TrailFilter{})
	var ins []ResultInput
	for _, it := range sel.Items {
		ins = append(ins, ResultInput{ControlRef: "CHG-01", Position: it.Position, Attribute: "A", Outcome: Pass, IfUntested: true})
	}
	written, skipped, err := w.SetResults(ctx, ins)
	if err != nil {
		t.Fatal(err)
	}
	if written != len(sel.Items)-1 || skipped != 1 {
		t.Fatalf("written %d skipped %d, want %d and 1", written, skipped, len(sel.Items)-1)
	}
	res, _ := w.Results(ctx, "CHG-01")
	for _, r := range res {
		if r.Position == recorded && r.Outcome != Deviation {
			t.Fatalf("the recorded deviation was overwritten: %+v", r)
		}
	}
	if len(res) != len(sel.Items) {
		t.Fatalf("%d results, want %d", len(res), len(sel.Items))
	}
	after, _ := w.Trail(ctx, TrailFilter{})
	if len(after) <= len(before) {
		t.Fatal("the bulk pass left no trail")
	}
	// One bad input records none of them.
	bad := []ResultInput{
		{ControlRef: "CHG-01", Position: sel.Items[0].Position, Attribute: "A", Outcome: NotApplicable},
		{ControlRef: "CHG-01", Position: 301, Attribute: "A", Outcome: Pass},
	}
	if _, _, err := w.SetResults(ctx, bad); err == nil {
		t.Fatal("an item outside the sample was accepted")
	}
	r, _ := w.ResultAt(ctx, "CHG-01", sel.Items[0].Position, "A")
	if r == nil || r.Outcome != Pass {
		t.Fatalf("a failed batch changed a result: %+v", r)
	}
	// IfUntested on a single result says who recorded the cell.
	err = w.SetResult(ctx, ResultInput{ControlRef: "CHG-01", Position: recorded, Attribute: "A", Outcome: Pass, IfUntested: true})
	var se *StaleError
	if !errors.As(err, &se) || se.By == "" {
		t.Fatalf("want a stale refusal naming the tester, got %v", err)
	}
}

func TestAddExceptionItems(t *testing.T) {
	ctx := context.Background()
	w, _ := newTestWorkpaper(t)
	sel, _ := withSample(t, w)
	a, b := sel.Items[0].Position, sel.Items[1].Position
	ref, err := w.AddException(ctx, ExceptionInput{ControlRef: "CHG-01", Positions: []int{a}, Description: "Approved late"})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.AddExceptionItems(ctx, ref, []int{b, a}); err != nil {
		t.Fatal(err)
	}
	if err := w.AddExceptionItems(ctx, ref, []int{b}); err != nil {
		t.Fatalf("adding an item twice should change nothing: %v", err)
	}
	xs, _ := w.Exceptions(ctx)
	if len(xs) != 1 || len(xs[0].Positions) != 2 {
		t.Fatalf("exception items: %+v", xs)
	}
	if err := w.AddExceptionItems(ctx, ref, []int{301}); err == nil || !strings.Contains(err.Error(), "not in the sample") {
		t.Fatalf("an item outside the sample: %v", err)
	}
	if err := w.AddExceptionItems(ctx, "EX-99", []int{a}); err == nil || !strings.Contains(err.Error(), "no exception") {
		t.Fatalf("unknown exception: %v", err)
	}
}

func TestUpdateExceptionClearsFields(t *testing.T) {
	ctx := context.Background()
	w, _ := newTestWorkpaper(t)
	sel, _ := withSample(t, w)
	ref, err := w.AddException(ctx, ExceptionInput{ControlRef: "CHG-01", Positions: []int{sel.Items[0].Position},
		Description: "Approved late", Cause: "on leave", RemediationOwner: "Ann", CriteriaAffected: []string{"CC8.1"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.UpdateException(ctx, ref, 0, ExceptionInput{Clear: []string{"cause", "owner", "criteria"}}); err != nil {
		t.Fatal(err)
	}
	xs, _ := w.Exceptions(ctx)
	if x := xs[0]; x.Cause != "" || x.RemediationOwner != "" || len(x.CriteriaAffected) != 0 || x.Description != "Approved late" {
		t.Fatalf("after clearing: %+v", x)
	}
	if err := w.UpdateException(ctx, ref, 0, ExceptionInput{Clear: []string{"description"}}); err == nil || !strings.Contains(err.Error(), "cannot clear") {
		t.Fatalf("the description was cleared: %v", err)
	}
	if err := w.UpdateException(ctx, ref, 0, ExceptionInput{Cause: "x", Clear: []string{"cause"}}); err == nil {
		t.Fatal("set and cleared at once was accepted")
	}
}
