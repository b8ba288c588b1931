package model

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func countEntries(t *testing.T, db *sql.DB, where string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM change_log WHERE ` + where).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// withBulkPass: a 25-item random sample of CHG-01 with attributes A and B,
// a deviation on the first item's A, then a bulk pass of every cell. It
// returns the workpaper's file (closed) and the sample's positions.
func withBulkPass(t *testing.T) (string, []int) {
	t.Helper()
	ctx := context.Background()
	w, path := newTestWorkpaper(t)
	sel, _ := withSample(t, w)
	var pos []int
	for _, it := range sel.Items {
		pos = append(pos, it.Position)
	}
	for _, l := range []string{"A", "B"} {
		if _, err := w.AddAttribute(ctx, "CHG-01", l, "attribute "+l); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.SetResult(ctx, ResultInput{ControlRef: "CHG-01", Position: pos[0], Attribute: "A", Outcome: Deviation, Note: "late"}); err != nil {
		t.Fatal(err)
	}
	before := countEntries(t, w.db, "true")
	written, skipped, err := w.PassUntested(ctx, "CHG-01", pos, []string{"A", "B"})
	if err != nil || written != 49 || skipped != 1 {
		t.Fatalf("PassUntested: written %d, skipped %d, %v", written, skipped, err)
	}
	if n := countEntries(t, w.db, "op = 'insert' AND tbl = 'result' AND field = ''"); n != 1 {
		t.Fatalf("%d result entries besides the bulk pass; want the one deviation", n)
	}
	if n := countEntries(t, w.db, "field = 'bulk'"); n != 1 {
		t.Fatalf("%d bulk-pass entries; want 1", n)
	}
	if n := countEntries(t, w.db, "true") - before; n > 2 {
		t.Fatalf("the bulk pass wrote %d entries; want one (and the workpaper's touch at most)", n)
	}
	w.Close()
	return path, pos
}

// A bulk pass is one trail entry; its cells are results like any other,
// replayed, signed off, said in words by the trail's readers.
func TestBulkPassIsOneEntry(t *testing.T) {
	ctx := context.Background()
	path, pos := withBulkPass(t)
	w := openCopy(t, path, "alice", testClock.Add(time.Hour))
	res, err := w.Results(ctx, "CHG-01")
	if err != nil || len(res) != 50 {
		t.Fatalf("results: %d, %v", len(res), err)
	}
	if r := resultOf(t, w, pos[3], "B"); r == nil || r.Outcome != Pass || r.TestedBy != "alice" {
		t.Fatalf("a bulk-passed cell: %+v", r)
	}
	mustVerify(t, w)
	// A passed cell's history is the pass.
	if r := resultOf(t, w, pos[3], "B"); r != nil {
		hist, err := w.Trail(ctx, TrailFilter{RecordUUID: r.UUID})
		if err != nil || len(hist) != 1 || hist[0].Field != bulkField {
			t.Fatalf("history of a passed cell: %+v, %v", hist, err)
		}
	}
	// A cell changed after the pass replays on top of it.
	if err := w.SetResult(ctx, ResultInput{ControlRef: "CHG-01", Position: pos[3], Attribute: "B", Outcome: Deviation, Note: "no ticket"}); err != nil {
		t.Fatal(err)
	}
	// Passing again writes nothing: every cell is recorded.
	if n, sk, err := w.PassUntested(ctx, "CHG-01", pos, []string{"A", "B"}); err != nil || n != 0 || sk != 50 {
		t.Fatalf("second pass: %d written, %d skipped, %v", n, sk, err)
	}
	onTeam(t, w, "alice:preparer")
	forceConclusion(t, w, "CHG-01", NotEffective, "deviations")
	if err := w.SignOffAs(ctx, "CHG-01", RolePreparer); err != nil {
		t.Fatal(err)
	}
	mustVerify(t, w)
	// The trail says what the pass did.
	trail, err := w.Trail(ctx, TrailFilter{ControlRef: "CHG-01"})
	if err != nil {
		t.Fatal(err)
	}
	var words []string
	for _, c := range trail {
		if c.Field == bulkField {
			words = append(words, c.Note)
			for _, v := range c.Values {
				words = append(words, v.Field+" = "+v.Value)
			}
		}
	}
	got := strings.Join(words, "\n")
	labels, err := w.RecordLabels(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range trail {
		if c.Field == bulkField {
			words = append(words, labels[c.RecordUUID])
		}
	}
	got = strings.Join(words, "\n")
	for _, want := range []string{"bulk pass of WP-CHG-01", "bulk pass of CHG-01: 49 cells passed, attributes A, B", "cells = 49 of CHG-01, pass",
		"attribute A = pass on 24 items: 2–25", "attribute B = pass on 25 items: 1–25"} {
		if !strings.Contains(got, want) {
			t.Errorf("the trail does not say %q; it says:\n%s", want, got)
		}
	}
}

// The sign-off digest covers the cells of a bulk pass: a different
// description is a different digest.
func TestBulkPassInScopeDigest(t *testing.T) {
	ctx := context.Background()
	path, _ := withBulkPass(t)
	w := openCopy(t, path, "alice", testClock.Add(time.Hour))
	ct, err := w.ControlTest(ctx, "CHG-01")
	if err != nil {
		t.Fatal(err)
	}
	var head int64
	w.db.QueryRow(`SELECT max(seq) FROM change_log`).Scan(&head)
	before, err := scopeDigest(ctx, w.db, ct.UUID, head)
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, w.db, `UPDATE change_log SET new_value = replace(new_value, '"1-25"', '"1-24"') WHERE field = 'bulk'`)
	after, err := scopeDigest(ctx, w.db, ct.UUID, head)
	if err != nil {
		t.Fatal(err)
	}
	if before == after {
		t.Fatal("the scope digest does not change with the bulk pass's cells")
	}
}

// Tampering with a bulk pass or its cells is named by verify.
func TestBulkPassTampered(t *testing.T) {
	cell := `(SELECT uuid FROM result WHERE uuid LIKE '%-000000000007')`
	for _, c := range []struct {
		name  string
		stmts []string
		want  []string
	}{
		{"a passed cell made a deviation", []string{`UPDATE result SET outcome = 'deviation' WHERE uuid = ` + cell},
			[]string{`outcome stored "deviation", trail says "pass"`}},
		{"a passed cell given a note", []string{`UPDATE result SET note = 'seen' WHERE uuid = ` + cell},
			[]string{`note stored "seen", trail says ""`}},
		{"a passed cell deleted", []string{`DELETE FROM result WHERE uuid = ` + cell},
			[]string{"missing from the workpaper, but the trail never deleted it"}},
		{"a cell added beyond the pass", []string{`INSERT INTO result (uuid, version, created_at, created_by, updated_at, updated_by, test_uuid, item_uuid, attribute_uuid, outcome)
			SELECT substr(uuid, 1, 24) || '0000000000ff', 1, created_at, created_by, updated_at, updated_by, test_uuid, 'nowhere', attribute_uuid, 'pass'
			FROM result WHERE uuid = ` + cell},
			[]string{"not in the trail (added outside fieldwork)"}},
		{"the description edited", []string{`UPDATE change_log SET new_value = replace(new_value, '"1-25"', '"1-24"') WHERE field = 'bulk'`},
			[]string{"was altered after it was written", "in the workpaper but not in the trail"}},
		{"the description broken", []string{`UPDATE change_log SET new_value = '{"attributes": ' WHERE field = 'bulk'`},
			[]string{"was altered after it was written", "cannot expand it into its cells"}},
		{"the outcome in the description changed", []string{`UPDATE change_log SET new_value = replace(new_value, '"pass"', '"na"') WHERE field = 'bulk'`},
			[]string{"was altered after it was written", `outcome stored "pass", trail says "na"`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			path, _ := withBulkPass(t)
			tamper(t, path, c.stmts...)
			r := verifyFile(t, path)
			got := allFindings(r)
			if r.OK {
				t.Fatalf("verify is ok after the edit")
			}
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("verify does not say %q; it says:\n%s", w, got)
				}
			}
		})
	}
}

// A bulk pass on a test of every item: the items it passed get their rows,
// the rest stay unstored; removing a passed cell's result is named.
func TestBulkPassOnTestOfAll(t *testing.T) {
	ctx := context.Background()
	w, path := newTestWorkpaper(t)
	sel := withTestOfAll(t, w, 600)
	todo, looked, err := w.UntestedItems(ctx, sel.UUID, "A", 1, 250)
	if err != nil || looked != 250 || len(todo) != 250 {
		t.Fatalf("untested: %d of %d, %v", len(todo), looked, err)
	}
	if n, _, err := w.PassUntested(ctx, "CHG-01", todo, []string{"A"}); err != nil || n != 250 {
		t.Fatalf("pass: %d, %v", n, err)
	}
	if n := storedItems(t, w); n != 250 {
		t.Fatalf("%d items stored; want the 250 passed", n)
	}
	ev, err := w.Evaluate(ctx, "CHG-01")
	if err != nil || ev.Items != 600 || ev.Complete != 250 {
		t.Fatalf("evaluation: %+v, %v", ev, err)
	}
	if todo, _, _ := w.UntestedItems(ctx, sel.UUID, "A", 240, 20); len(todo) != 9 || todo[0] != 251 {
		t.Fatalf("untested from 240: %v", todo)
	}
	mustVerify(t, w)
	w.Close()
	tamper(t, path, `DELETE FROM result WHERE item_uuid = (SELECT uuid FROM sample_item WHERE ordinal = 100)`)
	if r := verifyFile(t, path); r.OK || !strings.Contains(allFindings(r), "missing from the workpaper, but the trail never deleted it") {
		t.Fatalf("verify: %s", allFindings(r))
	}
}

// A bulk pass merges: their cells arrive with their entry, a cell both
// copies recorded is a conflict, and the merged file verifies.
func TestBulkPassMerges(t *testing.T) {
	ctx := context.Background()
	w, base := newTestWorkpaper(t)
	sel, _ := withSample(t, w)
	var pos []int
	for _, it := range sel.Items {
		pos = append(pos, it.Position)
	}
	w.Close()
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.fieldwork"), filepath.Join(dir, "b.fieldwork")
	copyFile(t, base, a)
	copyFile(t, base, b)
	wa := openCopy(t, a, "alice", testClock.Add(time.Hour))
	wb := openCopy(t, b, "bob", testClock.Add(2*time.Hour))
	if err := wa.SetResult(ctx, ResultInput{ControlRef: "CHG-01", Position: pos[4], Outcome: Deviation, Note: "late"}); err != nil {
		t.Fatal(err)
	}
	if n, _, err := wb.PassUntested(ctx, "CHG-01", pos, []string{"A"}); err != nil || n != 25 {
		t.Fatalf("their pass: %d, %v", n, err)
	}
	if err := wb.SetResult(ctx, ResultInput{ControlRef: "CHG-01", Position: pos[7], Outcome: NotApplicable, Note: "cancelled"}); err != nil {
		t.Fatal(err)
	}
	wb.Close()
	rep := mustMerge(t, wa, b)
	if len(rep.Conflicts) == 0 || rep.Conflicts[0].TheirRecord != cellUUID(rep.Conflicts[0].TheirRecord[:24]+"000000000000", 5) {
		t.Fatalf("conflicts: %+v; want the one on item 5, their bulk pass's cell 5", rep.Conflicts)
	}
	for _, c := range rep.Conflicts {
		if !strings.Contains(c.What, "item "+fmt.Sprint(pos[4])) {
			t.Errorf("a conflict elsewhere than item 5: %+v", c)
		}
	}
	if r := resultOf(t, wa, pos[2], "A"); r == nil || r.Outcome != Pass {
		t.Fatalf("their passed cell: %+v", r)
	}
	if r := resultOf(t, wa, pos[7], "A"); r == nil || r.Outcome != NotApplicable {
		t.Fatalf("their changed cell: %+v", r)
	}
	mustVerify(t, wa)
	// And the other way round.
	wb = openCopy(t, b, "bob", testClock.Add(3*time.Hour))
	copyFile(t, base, filepath.Join(dir, "c.fieldwork"))
	wc := openCopy(t, filepath.Join(dir, "c.fieldwork"), "carol", testClock.Add(4*time.Hour))
	mustMerge(t, wc, b)
	if res, _ := wc.Results(ctx, "CHG-01"); len(res) != 25 {
		t.Fatalf("merged into a fresh copy: %d results", len(res))
	}
	mustVerify(t, wc)
	wb.Close()
}

// A signed-off test whose bulk pass is edited: the sign-off's digest no
// longer matches, and verify says so (it does not fail to run).
func TestBulkPassUnderSignOffTampered(t *testing.T) {
	ctx := context.Background()
	path, _ := withBulkPass(t)
	w := openCopy(t, path, "alice", testClock.Add(time.Hour))
	onTeam(t, w, "alice:preparer")
	forceConclusion(t, w, "CHG-01", NotEffective, "deviation")
	if err := w.SignOffAs(ctx, "CHG-01", RolePreparer); err != nil {
		t.Fatal(err)
	}
	w.Close()
	for _, c := range []struct{ edit, want string }{
		{`'{"attributes": '`, "cannot expand it into its cells"},
		{`replace(new_value, '"1-25"', '"1-24"')`, "is not what the trail now says it was"},
	} {
		p := filepath.Join(t.TempDir(), "copy.fieldwork")
		copyFile(t, path, p)
		tamper(t, p, `UPDATE change_log SET new_value = `+c.edit+` WHERE field = 'bulk'`)
		r := verifyFile(t, p)
		if got := allFindings(r); r.OK || !strings.Contains(got, c.want) {
			t.Errorf("verify does not say %q; it says:\n%s", c.want, got)
		}
	}
}
