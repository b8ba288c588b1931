package model_test

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/fieldwork-audit/fieldwork/internal/demo"
	"github.com/fieldwork-audit/fieldwork/model"
)

// TestTestRecordsMatchPerControlReads checks the bulk read against the
// per-control reads, and the evaluation counts against the queries
// Evaluate used to run for each control.
func TestTestRecordsMatchPerControlReads(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "demo.fieldwork")
	if err := demo.Write(ctx, path); err != nil {
		t.Fatal(err)
	}
	w, err := model.Open(path, model.Options{User: "t", ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	recs, err := w.TestRecords(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cs, _ := w.Controls(ctx)
	if len(recs) != len(cs) {
		t.Fatalf("%d records for %d controls", len(recs), len(cs))
	}
	sampled := 0
	for i, c := range cs {
		r := recs[i]
		ct, _ := w.ControlTest(ctx, c.Ref)
		ev, _ := w.Evaluate(ctx, c.Ref)
		pop, _ := w.CurrentPopulation(ctx, c.Ref)
		sel, _ := w.Selection(ctx, c.Ref)
		for _, x := range []struct {
			what      string
			bulk, one any
		}{{"test", r.Test, ct}, {"evaluation", r.Evaluation, ev}, {"population", r.Population, pop}, {"selection", r.Selection, sel}} {
			if !reflect.DeepEqual(x.bulk, x.one) {
				t.Errorf("%s: bulk %s = %+v, per control %+v", c.Ref, x.what, x.bulk, x.one)
			}
		}
		if sel != nil {
			sampled++
		}
		var want model.TestEvaluation
		err := model.DBForTest(w).QueryRowContext(ctx, `SELECT
			(SELECT count(*) FROM sample_item i JOIN selection s ON s.uuid = i.selection_uuid WHERE s.test_uuid = ?1 AND s.current = 1),
			(SELECT count(*) FROM result r JOIN sample_item i ON i.uuid = r.item_uuid JOIN selection s ON s.uuid = i.selection_uuid WHERE s.test_uuid = ?1 AND s.current = 1),
			(SELECT count(DISTINCT r.item_uuid) FROM result r JOIN sample_item i ON i.uuid = r.item_uuid JOIN selection s ON s.uuid = i.selection_uuid
				WHERE s.test_uuid = ?1 AND s.current = 1 AND r.outcome = 'deviation'),
			(SELECT count(*) FROM (SELECT r.item_uuid FROM result r JOIN sample_item i ON i.uuid = r.item_uuid JOIN selection s ON s.uuid = i.selection_uuid
				WHERE s.test_uuid = ?1 AND s.current = 1 GROUP BY r.item_uuid HAVING count(*) >= ?2)),
			(SELECT count(*) FROM exception WHERE test_uuid = ?1),
			COALESCE((SELECT row_count FROM population WHERE test_uuid = ?1 AND current = 1), -1)`, ct.UUID, max(1, len(ct.Attributes))).Scan(
			&want.Items, &want.Recorded, &want.Deviations, &want.Complete, &want.Exceptions, &want.Population)
		if err != nil {
			t.Fatal(err)
		}
		if len(ct.Attributes) == 0 {
			want.Complete = 0
		}
		got := r.Evaluation
		if got.Items != want.Items || got.Recorded != want.Recorded || got.Deviations != want.Deviations || got.Complete != want.Complete ||
			got.Exceptions != want.Exceptions || got.Population != want.Population {
			t.Errorf("%s: counts %+v, want %+v", c.Ref, got, want)
		}
	}
	if sampled < 4 {
		t.Fatalf("only %d controls with a sample: the demo no longer exercises the items", sampled)
	}
}

// RecordLabels (one query) names the records as reading every control's
// test did.
func TestRecordLabelsMatchPerControlReads(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "demo.fieldwork")
	if err := demo.Write(ctx, path); err != nil {
		t.Fatal(err)
	}
	w, err := model.Open(path, model.Options{User: "t", ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	want := map[string]string{}
	cs, _ := w.Controls(ctx)
	for _, c := range cs {
		want[c.UUID] = "control " + c.Ref
		ct, err := w.ControlTest(ctx, c.Ref)
		if err != nil {
			t.Fatal(err)
		}
		want[ct.UUID] = "workpaper " + ct.WPRef
		for _, so := range ct.SignOffs {
			want[so.UUID] = string(so.Role) + " sign-off of " + c.Ref
		}
		for _, a := range ct.Attributes {
			want[a.UUID] = "attribute " + a.Letter + " of " + c.Ref
		}
	}
	xs, _ := w.Exceptions(ctx)
	for _, x := range xs {
		want[x.UUID] = "exception " + x.Ref
	}
	notes, _ := w.Notes(ctx, "")
	for _, n := range notes {
		want[n.UUID] = "review note " + n.Ref
	}
	reqs, _ := w.PBCRequests(ctx)
	for _, r := range reqs {
		want[r.UUID] = "request " + r.Ref
	}
	got, err := w.RecordLabels(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("RecordLabels: %d labels, the per-control reads %d", len(got), len(want))
	}
}
