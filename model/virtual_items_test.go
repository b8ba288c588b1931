package model

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fieldwork-audit/fieldwork/sampling"
)

// withTestOfAll imports an n-row population for CHG-01 and draws every
// item: a selection whose items are not stored (itemsVirtual).
func withTestOfAll(t *testing.T, w *Workpaper, n int) *Selection {
	t.Helper()
	ctx := context.Background()
	withControl(t, w)
	var b strings.Builder
	b.WriteString("Ticket,Opened,Approver\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "CHG-%04d,2026-%02d-%02d,Ann\n", i, i%6+1, i%28+1)
	}
	src := writeFile(t, "changes.csv", b.String())
	if _, err := w.ImportPopulation(ctx, PopulationImport{ControlRef: "CHG-01", Path: src, IDColumn: "Ticket", DateColumn: "Opened"}); err != nil {
		t.Fatal(err)
	}
	sel, err := w.DrawSample(ctx, DrawInput{ControlRef: "CHG-01", Method: sampling.AllItems})
	if err != nil {
		t.Fatal(err)
	}
	return sel
}

func storedItems(t *testing.T, w *Workpaper) int {
	t.Helper()
	var n int
	if err := w.db.QueryRow(`SELECT count(*) FROM sample_item`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A test of every item stores no item until something refers to one; the
// readers see every item all the same, and verify proves them.
func TestTestOfAllStoresNoItems(t *testing.T) {
	ctx := context.Background()
	w, _ := newTestWorkpaper(t)
	sel := withTestOfAll(t, w, 40)
	if len(sel.Items) != 40 || sel.Items[6].Position != 7 || sel.Items[6].Ordinal != 7 || sel.Items[6].UUID != derivedItemUUID(sel.UUID, 7) {
		t.Fatalf("items: %d, item 7 = %+v", len(sel.Items), sel.Items[6])
	}
	if n := storedItems(t, w); n != 0 {
		t.Fatalf("%d items stored after a test-all draw; want none", n)
	}
	rows, err := w.SampleRows(ctx, sel, 5, 3)
	if err != nil || len(rows) != 3 || rows[0].Item.Position != 5 || rows[0].Row.ID != "CHG-0005" || rows[0].Item.UUID != derivedItemUUID(sel.UUID, 5) {
		t.Fatalf("sample rows: %+v, %v", rows, err)
	}
	if err := w.SetResult(ctx, ResultInput{ControlRef: "CHG-01", Position: 7, Outcome: Deviation, Note: "late"}); err != nil {
		t.Fatal(err)
	}
	if err := w.SetResult(ctx, ResultInput{ControlRef: "CHG-01", Position: 8, Outcome: Pass}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.AddException(ctx, ExceptionInput{ControlRef: "CHG-01", Positions: []int{7, 9}, Description: "approved late"}); err != nil {
		t.Fatal(err)
	}
	if n := storedItems(t, w); n != 3 {
		t.Fatalf("%d items stored; want the 3 referred to", n)
	}
	if err := w.SetResult(ctx, ResultInput{ControlRef: "CHG-01", Position: 41, Outcome: Pass}); err == nil {
		t.Fatal("a result on position 41 of a 40-item test of all was accepted")
	}
	res, err := w.Results(ctx, "CHG-01")
	if err != nil || len(res) != 2 || res[0].Position != 7 || res[0].Outcome != Deviation {
		t.Fatalf("results: %+v, %v", res, err)
	}
	ev, err := w.Evaluate(ctx, "CHG-01")
	if err != nil || ev.Items != 40 || ev.Deviations != 1 || ev.Complete != 2 {
		t.Fatalf("evaluation: %+v, %v", ev, err)
	}
	untested, looked, err := w.UntestedItems(ctx, sel.UUID, "A", 6, 4)
	if err != nil || looked != 4 || fmt.Sprint(untested) != "[6 9]" {
		t.Fatalf("untested from 6: %v (looked at %d), %v", untested, looked, err)
	}
	if _, looked, _ := w.UntestedItems(ctx, sel.UUID, "A", 39, 10); looked != 2 {
		t.Fatalf("looked at %d items from 39 of 40", looked)
	}
	got, err := w.ItemOutcomes(ctx, sel.UUID, 1, 40)
	if err != nil || len(got) != 2 {
		t.Fatalf("item outcomes: %+v, %v", got, err)
	}
	again, err := w.Selection(ctx, "CHG-01")
	if err != nil || len(again.Items) != 40 || again.Items[39].UUID != derivedItemUUID(sel.UUID, 40) {
		t.Fatalf("selection read again: %v", err)
	}
	if _, err := w.ExtendSample(ctx, "CHG-01", 1, "more"); err == nil {
		t.Fatal("a test of every item was extended")
	}
	mustVerify(t, w)
}

// Tampering with the items of a test of every item, or with their
// results, is named by verify.
func TestTestOfAllTampered(t *testing.T) {
	for _, c := range []struct {
		name  string
		stmts []string
		want  string
	}{
		{"a derived item's result deleted", []string{`DELETE FROM result WHERE outcome = 'deviation'`}, "missing from the workpaper, but the trail never deleted it"},
		{"an item with a result removed", []string{`PRAGMA foreign_keys = OFF`, `DELETE FROM sample_item WHERE ordinal = 7`}, "its sample item 7"},
		{"an item moved", []string{`UPDATE sample_item SET position = 12 WHERE ordinal = 7`}, "item 7 is position 12 in the workpaper but 7"},
		{"an item added beyond the population", []string{`INSERT INTO sample_item (uuid, version, created_at, created_by, updated_at, updated_by, selection_uuid, ordinal, position, extension)
			SELECT substr(uuid, 1, 24) || '000000000029', 1, created_at, created_by, updated_at, updated_by, selection_uuid, 41, 41, 0 FROM sample_item WHERE ordinal = 7`}, "item 41 (position 41) is not in the selection record"},
		{"the selection said to be every item", []string{`UPDATE selection SET items_derived = 1`}, "the selection record has 40 items; 1 are stored"},
		{"a result moved to another item", []string{`UPDATE result SET item_uuid = substr(item_uuid, 1, 24) || '00000000000c' WHERE outcome = 'deviation'`}, "item_uuid stored"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			w, path := newTestWorkpaper(t)
			withTestOfAll(t, w, 40)
			if err := w.SetResult(ctx, ResultInput{ControlRef: "CHG-01", Position: 7, Outcome: Deviation, Note: "late"}); err != nil {
				t.Fatal(err)
			}
			w.Close()
			tamper(t, path, c.stmts...)
			r := verifyFile(t, path)
			if got := allFindings(r); r.OK || !strings.Contains(got, c.want) {
				t.Fatalf("verify does not say %q; it says (ok %v):\n%s", c.want, r.OK, got)
			}
		})
	}
}

// Two copies that record results on a test of every item merge, and the
// merged file verifies.
func TestTestOfAllMerges(t *testing.T) {
	ctx := context.Background()
	w, base := newTestWorkpaper(t)
	withTestOfAll(t, w, 30)
	w.Close()
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.fieldwork"), filepath.Join(dir, "b.fieldwork")
	copyFile(t, base, a)
	copyFile(t, base, b)
	wa := openCopy(t, a, "alice", mustDate("2026-07-01"))
	wb := openCopy(t, b, "bob", mustDate("2026-07-02"))
	for _, p := range []int{3, 4} {
		if err := wa.SetResult(ctx, ResultInput{ControlRef: "CHG-01", Position: p, Outcome: Pass}); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []int{4, 5} {
		if err := wb.SetResult(ctx, ResultInput{ControlRef: "CHG-01", Position: p, Outcome: Deviation}); err != nil {
			t.Fatal(err)
		}
	}
	wb.Close()
	rep := mustMerge(t, wa, b)
	if len(rep.Conflicts) != 1 {
		t.Fatalf("conflicts: %+v (want the one on item 4)", rep.Conflicts)
	}
	if r := resultOf(t, wa, 5, "A"); r == nil || r.Outcome != Deviation {
		t.Fatalf("their result on item 5: %+v", r)
	}
	mustVerify(t, wa)
}
