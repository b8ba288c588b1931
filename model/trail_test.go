package model

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/fieldwork-audit/fieldwork/sampling"
)

func TestVerifyDetectsTampering(t *testing.T) {
	ctx := context.Background()
	w, _ := newTestWorkpaper(t)
	sel, _ := withSample(t, w)
	evidence := writeFile(t, "screenshot.png", "not really a png")
	if err := w.SetResult(ctx, ResultInput{ControlRef: "CHG-01", Position: sel.Items[0].Position, Outcome: Pass, Evidence: evidence, Attach: true}); err != nil {
		t.Fatal(err)
	}
	r, err := w.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK || r.Entries == 0 || r.BlobCount != 1 || len(r.Selections) != 1 {
		t.Fatalf("clean workpaper: %+v", r)
	}

	// Editing history by raw SQL breaks the chain.
	if _, err := w.db.Exec("UPDATE change_log SET user = 'mallory' WHERE seq = 5"); err != nil {
		t.Fatal(err)
	}
	r, _ = w.Verify(ctx)
	if r.OK || len(r.Trail) != 1 || !strings.Contains(r.Trail[0], "entry 5") {
		t.Fatalf("edited log: %+v", r.Trail)
	}
	w.db.Exec("UPDATE change_log SET user = 'alice' WHERE seq = 5")

	// Deleting history is detected too.
	w.db.Exec("DELETE FROM change_log WHERE seq = 9")
	r, _ = w.Verify(ctx)
	if r.OK || !strings.Contains(strings.Join(r.Trail, ";"), "missing") {
		t.Fatalf("deleted log entry: %+v", r.Trail)
	}

	// A swapped blob is detected.
	w.db.Exec("UPDATE blob SET data = X'00'")
	r, _ = w.Verify(ctx)
	if len(r.Blobs) != 1 {
		t.Fatalf("tampered blob: %+v", r.Blobs)
	}

	trail, _ := w.Trail(ctx, TrailFilter{ControlRef: "CHG-01"})
	if len(trail) == 0 {
		t.Fatal("no trail for the control")
	}
	for _, c := range trail {
		if c.Scope == "" && c.Table != "control" && c.Table != "control_test" {
			t.Fatalf("entry outside the control's scope: %+v", c)
		}
	}
}

func TestEvaluationAndCriteria(t *testing.T) {
	ctx := context.Background()
	w, _ := newTestWorkpaper(t)
	withControl(t, w)
	if _, err := w.SetPlan(ctx, "CHG-01", PlanInput{Kind: "statistical", Confidence: 90 * sampling.OnePercent, Tolerable: 10 * sampling.OnePercent}); err != nil {
		t.Fatal(err)
	}
	sel, _ := withSampleNoControl(t, w)
	if len(sel.Items) != 22 {
		t.Fatalf("90%%/10%% sample = %d items, want 22", len(sel.Items))
	}
	for i, it := range sel.Items {
		o := Pass
		if i == 0 {
			o = Deviation
		}
		if err := w.SetResult(ctx, ResultInput{ControlRef: "CHG-01", Position: it.Position, Outcome: o}); err != nil {
			t.Fatal(err)
		}
	}
	ev, err := w.Evaluate(ctx, "CHG-01")
	if err != nil {
		t.Fatal(err)
	}
	// n=22, k=1 at 90%: the upper limit is about 16.4%, above 10%.
	if ev.Deviations != 1 || ev.Complete != 22 || ev.Proposed != NotEffective || ev.Statistical == nil || ev.Statistical.UpperLimit < 0.16 {
		t.Fatalf("evaluation = %+v", ev)
	}
	if err := w.SetConclusion(ctx, "CHG-01", NotEffective, "approval missing", 0); err != nil {
		t.Fatal(err)
	}
	cc, _ := w.CriteriaConclusions(ctx)
	byRef := map[string]CriterionConclusion{}
	for _, c := range cc {
		byRef[c.Ref] = c
	}
	if byRef["CC8.1"].Status != CriterionNotMet || byRef["CC1.1"].Status != CriterionGap || byRef["P1.1"].Status != CriterionOutOfScope {
		t.Fatalf("CC8.1 %+v, CC1.1 %+v", byRef["CC8.1"], byRef["CC1.1"])
	}
	if err := w.OverrideCriterion(ctx, "CC8.1", CriterionMet, ""); err == nil {
		t.Fatal("override without reason accepted")
	}
	if err := w.OverrideCriterion(ctx, "cc8.1", CriterionMet, "compensating control CHG-02 tested effective"); err != nil {
		t.Fatal(err)
	}
	cc, _ = w.CriteriaConclusions(ctx)
	for _, c := range cc {
		if c.Ref == "CC8.1" && (c.Status != CriterionMet || c.Derived != CriterionNotMet || c.OverrideReason == "") {
			t.Fatalf("override: %+v", c)
		}
	}
	st, err := w.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Controls != 1 || st.ByState[StateTested] != 1 || st.Deviations != 1 || len(st.Gaps) == 0 {
		t.Fatalf("status = %+v", st)
	}
}

// withSampleNoControl is withSample for a workpaper that already has CHG-01.
func withSampleNoControl(t *testing.T, w *Workpaper) (*Selection, string) {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	b.WriteString("Ticket,Opened\n")
	for i := 1; i <= 500; i++ {
		b.WriteString("T" + strings.Repeat("0", 4) + string(rune('0'+i%10)) + ",2026-02-01\n")
	}
	src := writeFile(t, "pop.csv", b.String())
	if _, err := w.ImportPopulation(ctx, PopulationImport{ControlRef: "CHG-01", Path: src}); err != nil {
		t.Fatal(err)
	}
	seed := uint64(7)
	sel, err := w.DrawSample(ctx, DrawInput{ControlRef: "CHG-01", Seed: &seed})
	if err != nil {
		t.Fatal(err)
	}
	return sel, src
}

// TestNoteResponsesInControlHistory: a note on a control, its response and
// its clearance all show in that control's history (the response and the
// clearance were missing: they were logged with no scope).
func TestNoteResponsesInControlHistory(t *testing.T) {
	keyDir(t)
	ctx := context.Background()
	path, _ := mergeBase(t)
	w := openCopy(t, path, "alice", testClock.Add(time.Hour))
	defer w.Close()
	ref, err := w.AddNote(ctx, "control", "CHG-01", "tie the count to the ticket system", "bob")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.RespondNote(ctx, ref, "tied: 412 tickets"); err != nil {
		t.Fatal(err)
	}
	if err := w.ClearNote(ctx, ref); err != nil {
		t.Fatal(err)
	}
	hist, err := w.Trail(ctx, TrailFilter{ControlRef: "CHG-01"})
	if err != nil {
		t.Fatal(err)
	}
	var states []string
	var note string
	for _, c := range hist {
		for _, v := range c.Values {
			if c.Table == "review_note" && v.Field == "ref" && v.Value == ref {
				note = c.RecordUUID
			}
		}
		if c.RecordUUID != note || note == "" {
			continue
		}
		for _, f := range c.Fields {
			if f.Field == "state" && f.New != nil {
				states = append(states, *f.New)
			}
		}
		if c.Op == "insert" {
			states = append(states, "created")
		}
	}
	if strings.Join(states, ",") != "created,responded,cleared" {
		t.Fatalf("the control's history holds the note's entries %q, want created, responded, cleared", states)
	}
}
