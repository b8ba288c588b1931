package demo

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fieldwork-audit/fieldwork/model"
)

func TestDemoIsDeterministicAndComplete(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.fieldwork"), filepath.Join(dir, "b.fieldwork")
	if err := Write(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := Write(ctx, b); err != nil {
		t.Fatal(err)
	}
	ab, _ := os.ReadFile(a)
	bb, _ := os.ReadFile(b)
	if !bytes.Equal(ab, bb) {
		t.Fatal("two demo runs wrote different files")
	}
	w, err := model.Open(a, model.Options{User: "t", ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	e, _ := w.Engagement(ctx)
	if e.Type != model.TypeII || !e.InScope(model.Availability) || !e.InScope(model.Confidentiality) || e.InScope(model.Privacy) || len(e.CSOCs()) == 0 || len(e.CUECs()) == 0 {
		t.Fatalf("engagement = %+v", e)
	}
	crit, _ := w.Criteria(ctx)
	for _, c := range crit {
		if c.Gap {
			t.Errorf("demo leaves %s uncovered", c.Ref)
		}
	}
	cs, _ := w.Controls(ctx)
	if len(cs) < 40 {
		t.Fatalf("demo has %d controls", len(cs))
	}
	st, err := w.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Exceptions != 2 || st.OpenNotes != 1 || st.RespondedNotes != 1 || st.OutstandingPBC == 0 || len(st.ChangedSince) != 1 || st.ByState[model.StateReviewed] != 1 {
		t.Fatalf("status = %+v", st)
	}
	ivs, _ := w.Interviews(ctx)
	cleared, _ := w.Notes(ctx, model.NoteCleared)
	if len(ivs) != 2 || len(cleared) != 1 {
		t.Fatalf("%d interviews, %d cleared notes", len(ivs), len(cleared))
	}
	r, err := w.Verify(ctx)
	if err != nil || !r.OK || len(r.Selections) != 4 {
		t.Fatalf("verify = %+v, %v", r, err)
	}
}

// The demo agrees with itself (issue 14 item 6) and proposes the opinion
// its facts support.
func TestDemoAgreesWithItself(t *testing.T) {
	ctx := context.Background()
	p := filepath.Join(t.TempDir(), "demo.fieldwork")
	if err := Write(ctx, p); err != nil {
		t.Fatal(err)
	}
	w, err := model.Open(p, model.Options{User: "t", ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	xs, _ := w.Exceptions(ctx)
	for _, x := range xs {
		sel, err := w.Selection(ctx, x.ControlRef)
		if err != nil {
			t.Fatal(err)
		}
		extended := false
		for _, it := range sel.Items {
			extended = extended || it.Extension > 0
		}
		if x.SampleExtended != extended {
			t.Errorf("%s says sample extended %v; its selection: %v", x.Ref, x.SampleExtended, extended)
		}
		if x.CompensatingControl != "" {
			t.Errorf("%s names a compensating control the demo did not test", x.Ref)
		}
	}
	ct, _ := w.ControlTest(ctx, "CHG-01")
	if ct.DesignConclusion != "not-suitably-designed" || !strings.Contains(ct.ConclusionNote, "design gap") {
		t.Errorf("CHG-01: design %q, conclusion note %q", ct.DesignConclusion, ct.ConclusionNote)
	}
	notes, _ := w.Notes(ctx, "")
	for _, n := range notes {
		if n.Ref == "RN-002" && !strings.Contains(n.Response, "2 of 22 sampled changes in EX-01") {
			t.Errorf("RN-002's response does not agree with EX-01: %q", n.Response)
		}
	}
	d, err := w.ProposeOpinion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d.Proposed != model.OpinionQualified || !d.Likely || len(d.NotMet) != 1 || d.NotMet[0].Ref != "CC8.1" ||
		!strings.HasPrefix(d.Reason, "Qualified (likely): CC8.1 is not met") {
		t.Fatalf("the demo proposes %s: %s", d.Proposed, d.Reason)
	}
}
