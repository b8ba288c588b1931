package demo

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
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
