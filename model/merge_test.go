package model

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fieldwork-audit/fieldwork/sampling"
)

// copyFile copies a workpaper byte for byte (as a user copying it to a
// laptop or attaching it to an email would).
func copyFile(t testing.TB, src, dst string) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// ticking is a clock that advances a second at every reading, so records
// made one after the other have distinct, ordered times.
func ticking(start time.Time) func() time.Time {
	var n atomic.Int64
	return func() time.Time { return start.Add(time.Duration(n.Add(1)) * time.Second) }
}

// openCopy opens a copy of a workpaper as user, with random UUIDs (each
// copy must make its own).
func openCopy(t testing.TB, path, user string, start time.Time) *Workpaper {
	t.Helper()
	w, err := Open(path, Options{User: user, Now: ticking(start)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

// mergeBase is a workpaper with a sample of CHG-01, results on its first
// two items, an exception, attributes A–D and a review note; it returns
// the file and the sample's positions.
func mergeBase(t *testing.T) (string, []int) {
	t.Helper()
	ctx := context.Background()
	w, path := newTestWorkpaper(t)
	sel, _ := withSample(t, w)
	var pos []int
	for _, it := range sel.Items {
		pos = append(pos, it.Position)
	}
	for _, l := range []string{"A", "B", "C", "D"} {
		if _, err := w.AddAttribute(ctx, "CHG-01", l, "attribute "+l); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.SetResult(ctx, ResultInput{ControlRef: "CHG-01", Position: pos[0], Attribute: "A", Outcome: Pass}); err != nil {
		t.Fatal(err)
	}
	if err := w.SetResult(ctx, ResultInput{ControlRef: "CHG-01", Position: pos[1], Attribute: "A", Outcome: Deviation, Note: "late approval"}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.AddException(ctx, ExceptionInput{ControlRef: "CHG-01", Positions: []int{pos[1]}, Description: "approved after deployment"}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.AddNote(ctx, "control", "CHG-01", "tie out the approver list", "bob"); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path, pos
}

// copies makes n copies of base in a fresh folder.
func copies(t *testing.T, base string, names ...string) []string {
	dir := t.TempDir()
	var out []string
	for _, n := range names {
		p := filepath.Join(dir, n+".fieldwork")
		copyFile(t, base, p)
		out = append(out, p)
	}
	return out
}

// dump is a canonical text of every record (without the bookkeeping a
// merge legitimately sets differently: row ids, versions, last-changed),
// the population rows and the W/P references used.
func dump(t *testing.T, w *Workpaper) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	rows, err := w.db.QueryContext(ctx, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	skip := map[string]bool{"id": true, "version": true, "updated_at": true, "updated_by": true}
	for _, tb := range tables {
		if notMerged[tb] || tb == "population_row" || tb == "wp_ref_used" {
			continue
		}
		cr, err := w.db.QueryContext(ctx, fmt.Sprintf("PRAGMA table_info(%q)", tb))
		if err != nil {
			t.Fatal(err)
		}
		var cols []string
		for cr.Next() {
			var cid, nn, pk int
			var name, typ string
			var dflt any
			cr.Scan(&cid, &name, &typ, &nn, &dflt, &pk)
			if !skip[name] {
				cols = append(cols, name)
			}
		}
		cr.Close()
		q := fmt.Sprintf("SELECT %s FROM %q ORDER BY uuid", strings.Join(cols, ", "), tb)
		rr, err := w.db.QueryContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for rr.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			rr.Scan(ptrs...)
			fmt.Fprintf(&b, "%s:", tb)
			for i, v := range vals {
				fmt.Fprintf(&b, " %s=%s", cols[i], asString(v))
			}
			b.WriteByte('\n')
		}
		rr.Close()
	}
	rr, err := w.db.QueryContext(ctx, `SELECT p.uuid, r.position, r.source_row, r.occurrence_id, r.occurrence_date, r.flags, r.cells
		FROM population_row r JOIN population p ON p.id = r.population_id ORDER BY p.uuid, r.position`)
	if err != nil {
		t.Fatal(err)
	}
	for rr.Next() {
		var p, id, d, f, c string
		var pos, src int
		rr.Scan(&p, &pos, &src, &id, &d, &f, &c)
		fmt.Fprintf(&b, "row: %s %d %d %s %s %s %s\n", p, pos, src, id, d, f, c)
	}
	rr.Close()
	rr, _ = w.db.QueryContext(ctx, "SELECT ref FROM wp_ref_used ORDER BY ref")
	for rr.Next() {
		var r string
		rr.Scan(&r)
		fmt.Fprintf(&b, "wp_ref_used: %s\n", r)
	}
	rr.Close()
	return b.String()
}

// logUUIDs is the set of change-log entry UUIDs not written by a merge.
func logUUIDs(t *testing.T, w *Workpaper) map[string]bool {
	t.Helper()
	trail, err := w.Trail(context.Background(), TrailFilter{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, c := range trail {
		out[c.UUID] = true
	}
	return out
}

func mustMerge(t *testing.T, w *Workpaper, other string) *MergeReport {
	t.Helper()
	rep, err := w.Merge(context.Background(), other, MergeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func mustVerify(t *testing.T, w *Workpaper) {
	t.Helper()
	r, err := w.Verify(context.Background())
	if err != nil || !r.OK {
		t.Fatalf("verify %s: %+v, %v", w.Path(), r, err)
	}
}

func closeAll(t *testing.T, ws ...*Workpaper) {
	for _, w := range ws {
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func resultOf(t *testing.T, w *Workpaper, pos int, letter string) *Result {
	t.Helper()
	rs, err := w.Results(context.Background(), "CHG-01")
	if err != nil {
		t.Fatal(err)
	}
	for i := range rs {
		if rs[i].Position == pos && rs[i].Attribute == letter {
			return &rs[i]
		}
	}
	return nil
}

func exceptionCause(t *testing.T, w *Workpaper) string {
	xs, err := w.Exceptions(context.Background())
	if err != nil || len(xs) == 0 {
		t.Fatalf("exceptions %v %v", xs, err)
	}
	return xs[0].Cause
}

func TestMergeDisjointEdits(t *testing.T) {
	ctx := context.Background()
	base, pos := mergeBase(t)
	p := copies(t, base, "a", "b")
	a := openCopy(t, p[0], "alice", testClock.Add(time.Hour))
	b := openCopy(t, p[1], "bob", testClock.Add(2*time.Hour))
	if err := a.UpdateException(ctx, "EX-01", 0, ExceptionInput{Cause: "approver on leave"}); err != nil {
		t.Fatal(err)
	}
	if err := a.SetResult(ctx, ResultInput{ControlRef: "CHG-01", Position: pos[2], Attribute: "A", Outcome: Pass}); err != nil {
		t.Fatal(err)
	}
	if err := b.SetResult(ctx, ResultInput{ControlRef: "CHG-01", Position: pos[3], Attribute: "B", Outcome: Deviation, Note: "no ticket"}); err != nil {
		t.Fatal(err)
	}
	if err := b.SetTickmark(ctx, "§", "agreed to the change calendar"); err != nil {
		t.Fatal(err)
	}
	if err := b.ClearNote(ctx, "RN-001"); err != nil {
		t.Fatal(err)
	}
	closeAll(t, a, b)
	// The same pair, to merge the other way round.
	p2 := copies(t, p[0], "a2")
	p3 := copies(t, p[1], "b2")

	a = openCopy(t, p[0], "alice", testClock.Add(3*time.Hour))
	rep := mustMerge(t, a, p[1])
	if len(rep.Conflicts) != 0 || rep.Appended == 0 || rep.Backup == "" || rep.UpToDate {
		t.Fatalf("report = %+v", rep)
	}
	if _, err := os.Stat(rep.Backup); err != nil {
		t.Fatalf("backup: %v", err)
	}
	if exceptionCause(t, a) != "approver on leave" {
		t.Fatal("my edit lost")
	}
	if r := resultOf(t, a, pos[3], "B"); r == nil || r.Outcome != Deviation || r.Note != "no ticket" {
		t.Fatalf("their result: %+v", r)
	}
	if r := resultOf(t, a, pos[2], "A"); r == nil || r.Outcome != Pass {
		t.Fatalf("my result: %+v", r)
	}
	if notes, _ := a.Notes(ctx, NoteCleared); len(notes) != 1 || notes[0].ClearedBy != "bob" {
		t.Fatalf("their cleared note: %+v", notes)
	}
	tms, _ := a.Tickmarks(ctx)
	if tms[len(tms)-1].Symbol != "§" {
		t.Fatalf("tickmarks %+v", tms)
	}
	mustVerify(t, a)

	// Both trails survive; theirs keeps where it was written.
	trail, _ := a.Trail(ctx, TrailFilter{})
	merged := 0
	for _, c := range trail {
		if c.Origin != nil {
			merged++
			if c.User != "bob" || c.Origin.Seq == c.Seq {
				t.Fatalf("merged entry %+v", c)
			}
		}
	}
	if merged != rep.Appended {
		t.Fatalf("%d entries with an origin, %d appended", merged, rep.Appended)
	}
	if last := trail[len(trail)-1]; last.Op != "event" || !strings.Contains(last.Note, "merged b.fieldwork") {
		t.Fatalf("the merge is not logged: %+v", last)
	}

	// Merging twice changes nothing, to the byte.
	before, _ := os.ReadFile(p[0])
	rep = mustMerge(t, a, p[1])
	if !rep.UpToDate || rep.Backup != "" {
		t.Fatalf("second merge = %+v", rep)
	}
	after, _ := os.ReadFile(p[0])
	if !bytes.Equal(before, after) {
		t.Fatal("merging twice changed the file")
	}

	// The other direction gives the same records.
	b2 := openCopy(t, p3[0], "bob", testClock.Add(3*time.Hour))
	if rep := mustMerge(t, b2, p2[0]); len(rep.Conflicts) != 0 {
		t.Fatalf("reverse conflicts %+v", rep.Conflicts)
	}
	mustVerify(t, b2)
	if da, db := dump(t, a), dump(t, b2); da != db {
		t.Fatalf("A←B and B←A differ:\n%s", diffLines(da, db))
	}
	// Every entry of both copies is in both merged files.
	ua, ub := logUUIDs(t, a), logUUIDs(t, b2)
	for _, orig := range []string{p2[0], p[1]} {
		w, err := Open(orig, Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		for u := range logUUIDs(t, w) {
			if !ua[u] || !ub[u] {
				t.Fatalf("entry %s of %s is missing after merging", u, orig)
			}
		}
		w.Close()
	}
}

func diffLines(a, b string) string {
	as, bs := strings.Split(a, "\n"), strings.Split(b, "\n")
	inB := map[string]bool{}
	for _, l := range bs {
		inB[l] = true
	}
	inA := map[string]bool{}
	for _, l := range as {
		inA[l] = true
	}
	var out []string
	for _, l := range as {
		if !inB[l] {
			out = append(out, "- "+l)
		}
	}
	for _, l := range bs {
		if !inA[l] {
			out = append(out, "+ "+l)
		}
	}
	if len(out) > 20 {
		out = out[:20]
	}
	return strings.Join(out, "\n")
}

func TestMergeSameEditBothSides(t *testing.T) {
	ctx := context.Background()
	base, pos := mergeBase(t)
	p := copies(t, base, "a", "b")
	a := openCopy(t, p[0], "alice", testClock.Add(time.Hour))
	b := openCopy(t, p[1], "bob", testClock.Add(2*time.Hour))
	for _, w := range []*Workpaper{a, b} {
		if err := w.UpdateException(ctx, "EX-01", 0, ExceptionInput{Cause: "approver on leave"}); err != nil {
			t.Fatal(err)
		}
		// Both create the same result record, with different UUIDs.
		if err := w.SetResult(ctx, ResultInput{ControlRef: "CHG-01", Position: pos[4], Attribute: "C", Outcome: Pass, Note: "agreed"}); err != nil {
			t.Fatal(err)
		}
	}
	// And both import the same new control: one control, one workpaper.
	for _, w := range []*Workpaper{a, b} {
		if _, err := w.ImportControls(ctx, []ControlInput{{ID: "CHG-02", Description: "Emergency changes reviewed", Frequency: sampling.AdHoc, Criteria: []string{"CC8.1"}}}, "m.xlsx"); err != nil {
			t.Fatal(err)
		}
	}
	closeAll(t, b)
	rep := mustMerge(t, a, p[1])
	if len(rep.Conflicts) != 0 {
		t.Fatalf("conflicts: %+v", rep.Conflicts)
	}
	if r := resultOf(t, a, pos[4], "C"); r == nil || r.Note != "agreed" {
		t.Fatalf("result %+v", r)
	}
	rs, _ := a.Results(ctx, "CHG-01")
	if len(rs) != 3 {
		t.Fatalf("%d results, want 3 (the same result made twice is one)", len(rs))
	}
	cs, _ := a.Controls(ctx)
	if len(cs) != 2 {
		t.Fatalf("controls %+v", cs)
	}
	mustVerify(t, a)
}

func TestMergeConflictingEdits(t *testing.T) {
	ctx := context.Background()
	base, pos := mergeBase(t)
	p := copies(t, base, "a", "b")
	a := openCopy(t, p[0], "alice", testClock.Add(time.Hour))
	b := openCopy(t, p[1], "bob", testClock.Add(2*time.Hour))
	if err := a.UpdateException(ctx, "EX-01", 0, ExceptionInput{Cause: "approver on leave"}); err != nil {
		t.Fatal(err)
	}
	if err := b.UpdateException(ctx, "EX-01", 0, ExceptionInput{Cause: "tooling outage"}); err != nil {
		t.Fatal(err)
	}
	if err := a.SetResult(ctx, ResultInput{ControlRef: "CHG-01", Position: pos[0], Attribute: "A", Outcome: Deviation}); err != nil {
		t.Fatal(err)
	}
	if err := b.SetResult(ctx, ResultInput{ControlRef: "CHG-01", Position: pos[0], Attribute: "A", Outcome: NotApplicable}); err != nil {
		t.Fatal(err)
	}
	closeAll(t, b)
	rep := mustMerge(t, a, p[1])
	if len(rep.Conflicts) != 2 {
		t.Fatalf("conflicts: %+v", rep.Conflicts)
	}
	if exceptionCause(t, a) != "approver on leave" || resultOf(t, a, pos[0], "A").Outcome != Deviation {
		t.Fatal("a conflict did not keep this copy's value")
	}
	cs, err := a.Conflicts(ctx, false)
	if err != nil || len(cs) != 2 {
		t.Fatalf("conflicts %+v %v", cs, err)
	}
	var cause Conflict
	for _, c := range cs {
		if c.Field == "cause" {
			cause = c
		}
	}
	if cause.What != "exception EX-01" || *cause.Mine != "approver on leave" || *cause.Theirs != "tooling outage" ||
		cause.MineBy != "alice" || cause.TheirsBy != "bob" || cause.TheirsAt.IsZero() || !strings.Contains(cause.Describe(), "tooling outage") {
		t.Fatalf("conflict = %+v", cause)
	}
	mustVerify(t, a)

	// A copy with open conflicts is not merged into another.
	bw := openCopy(t, p[1], "bob", testClock.Add(3*time.Hour))
	if _, err := bw.Merge(ctx, p[0], MergeOptions{}); !errors.Is(err, ErrOpenConflicts) {
		t.Fatalf("merging a copy with open conflicts: %v", err)
	}
	bw.Close()

	if err := a.ResolveConflict(ctx, cause.ID, "theirs"); err != nil {
		t.Fatal(err)
	}
	if exceptionCause(t, a) != "tooling outage" {
		t.Fatal("taking theirs did not apply")
	}
	if err := a.ResolveConflict(ctx, cause.ID, "mine"); err == nil || !strings.Contains(err.Error(), "already resolved") {
		t.Fatalf("resolving twice: %v", err)
	}
	for _, c := range cs {
		if c.ID != cause.ID {
			if err := a.ResolveConflict(ctx, c.ID, "mine"); err != nil {
				t.Fatal(err)
			}
		}
	}
	if open, _ := a.Conflicts(ctx, false); len(open) != 0 {
		t.Fatalf("open after resolving: %+v", open)
	}
	if all, _ := a.Conflicts(ctx, true); len(all) != 2 || all[0].State != "resolved" || all[0].ResolvedBy != "alice" {
		t.Fatalf("all conflicts %+v", all)
	}
	mustVerify(t, a)
	if rep := mustMerge(t, a, p[1]); !rep.UpToDate {
		t.Fatalf("merging again: %+v", rep)
	}

	// Merged back, the resolution reaches the other copy without conflict.
	closeAll(t, a)
	bw = openCopy(t, p[1], "bob", testClock.Add(4*time.Hour))
	if rep := mustMerge(t, bw, p[0]); len(rep.Conflicts) != 0 {
		t.Fatalf("merging back: %+v", rep.Conflicts)
	}
	if exceptionCause(t, bw) != "tooling outage" || resultOf(t, bw, pos[0], "A").Outcome != Deviation {
		t.Fatal("the resolved values did not travel back")
	}
	mustVerify(t, bw)
}

func TestMergeDeletesAgainstEdits(t *testing.T) {
	ctx := context.Background()
	base, pos := mergeBase(t)
	p := copies(t, base, "a", "b")
	a := openCopy(t, p[0], "alice", testClock.Add(time.Hour))
	b := openCopy(t, p[1], "bob", testClock.Add(2*time.Hour))
	// B: deleted here, edited there. C: deleted here, untouched there.
	// D: deleted here, while there a result was recorded on it.
	for _, l := range []string{"B", "C", "D"} {
		if err := a.DeleteAttribute(ctx, "CHG-01", l, 0); err != nil {
			t.Fatal(err)
		}
	}
	ct, _ := b.ControlTest(ctx, "CHG-01")
	var bVersion int
	for _, at := range ct.Attributes {
		if at.Letter == "B" {
			bVersion = at.Version
		}
	}
	if err := b.EditAttribute(ctx, "CHG-01", "B", "approver is not the developer", bVersion); err != nil {
		t.Fatal(err)
	}
	if err := b.SetResult(ctx, ResultInput{ControlRef: "CHG-01", Position: pos[5], Attribute: "D", Outcome: Pass}); err != nil {
		t.Fatal(err)
	}
	closeAll(t, a, b)
	p2 := copies(t, p[0], "a2")
	p3 := copies(t, p[1], "b2")

	a = openCopy(t, p[0], "alice", testClock.Add(3*time.Hour))
	rep := mustMerge(t, a, p[1])
	kinds := map[string]int{}
	for _, c := range rep.Conflicts {
		kinds[c.Kind]++
	}
	if kinds["deleted-by-me"] != 2 || len(rep.Conflicts) != 2 {
		t.Fatalf("conflicts: %+v", rep.Conflicts)
	}
	letters := func(w *Workpaper) string {
		ct, err := w.ControlTest(ctx, "CHG-01")
		if err != nil {
			t.Fatal(err)
		}
		var s string
		for _, at := range ct.Attributes {
			s += at.Letter
		}
		return s
	}
	// D comes back (their result needs it); B stays deleted until resolved; C is gone.
	if got := letters(a); got != "AD" {
		t.Fatalf("attributes after merge: %s", got)
	}
	if r := resultOf(t, a, pos[5], "D"); r == nil {
		t.Fatal("their result on D was dropped")
	}
	mustVerify(t, a)
	for _, c := range rep.Conflicts {
		if strings.Contains(c.What, "attribute B") {
			if err := a.ResolveConflict(ctx, c.ID, "theirs"); err != nil {
				t.Fatal(err)
			}
		}
	}
	ct, _ = a.ControlTest(ctx, "CHG-01")
	if letters(a) != "ABD" || ct.Attributes[1].Text != "approver is not the developer" {
		t.Fatalf("taking theirs did not restore B: %+v", ct.Attributes)
	}
	mustVerify(t, a)

	// The other way round: they deleted, I edited.
	b2 := openCopy(t, p3[0], "bob", testClock.Add(3*time.Hour))
	rep = mustMerge(t, b2, p2[0])
	kinds = map[string]int{}
	for _, c := range rep.Conflicts {
		kinds[c.Kind]++
	}
	if kinds["deleted-by-them"] != 2 || len(rep.Conflicts) != 2 {
		t.Fatalf("reverse conflicts: %+v", rep.Conflicts)
	}
	if got := letters(b2); got != "ABD" {
		t.Fatalf("attributes after reverse merge: %s", got)
	}
	for _, c := range rep.Conflicts {
		if strings.Contains(c.What, "attribute D") {
			// D has a result: deleting it as they did must be refused.
			if err := b2.ResolveConflict(ctx, c.ID, "theirs"); err == nil {
				t.Fatal("deleted an attribute that has results")
			}
		}
		if strings.Contains(c.What, "attribute B") {
			if err := b2.ResolveConflict(ctx, c.ID, "theirs"); err != nil {
				t.Fatal(err)
			}
		}
	}
	if got := letters(b2); got != "AD" {
		t.Fatalf("after taking their delete: %s", got)
	}
	mustVerify(t, b2)
}

func TestMergeAttachmentsAndPopulations(t *testing.T) {
	ctx := context.Background()
	base, pos := mergeBase(t)
	p := copies(t, base, "a", "b")
	a := openCopy(t, p[0], "alice", testClock.Add(time.Hour))
	b := openCopy(t, p[1], "bob", testClock.Add(2*time.Hour))
	ev := writeFile(t, "ticket-77.pdf", "%PDF-1.4 the approval of change 77")
	if err := b.SetResult(ctx, ResultInput{ControlRef: "CHG-01", Position: pos[6], Attribute: "A", Outcome: Pass, Evidence: ev, Attach: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.ImportControls(ctx, []ControlInput{{ID: "CHG-02", Description: "Emergency changes reviewed", Frequency: sampling.AdHoc, Criteria: []string{"CC8.1"}}}, "m.xlsx"); err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	sb.WriteString("Ticket,Opened\n")
	for i := 1; i <= 120; i++ {
		fmt.Fprintf(&sb, "EMG-%03d,2026-03-%02d\n", i, i%28+1)
	}
	src := writeFile(t, "emergency.csv", sb.String())
	if _, err := b.ImportPopulation(ctx, PopulationImport{ControlRef: "CHG-02", Path: src, IDColumn: "Ticket", DateColumn: "Opened"}); err != nil {
		t.Fatal(err)
	}
	seed := uint64(7)
	if _, err := b.DrawSample(ctx, DrawInput{ControlRef: "CHG-02", Seed: &seed}); err != nil {
		t.Fatal(err)
	}
	closeAll(t, b)
	rep := mustMerge(t, a, p[1])
	if len(rep.Conflicts) != 0 || rep.Added["blob"] != 1 || rep.Added["population"] != 1 {
		t.Fatalf("report %+v", rep)
	}
	r := resultOf(t, a, pos[6], "A")
	if r == nil || r.BlobUUID == "" || r.EvidenceHash == "" {
		t.Fatalf("attached result %+v", r)
	}
	var data []byte
	if err := a.db.QueryRow("SELECT data FROM blob WHERE uuid = ?", r.BlobUUID).Scan(&data); err != nil || string(data) != "%PDF-1.4 the approval of change 77" {
		t.Fatalf("blob content %q %v", data, err)
	}
	pop, err := a.CurrentPopulation(ctx, "CHG-02")
	if err != nil || pop == nil || pop.Rows != 120 {
		t.Fatalf("population %+v %v", pop, err)
	}
	chk, err := a.VerifySelection(ctx, "CHG-02", src)
	if err != nil || !chk.Matches {
		t.Fatalf("their selection does not re-perform here: %+v %v", chk, err)
	}
	mustVerify(t, a)
}

func TestMergeBothCurrent(t *testing.T) {
	ctx := context.Background()
	base, _ := mergeBase(t)
	p := copies(t, base, "a", "b")
	a := openCopy(t, p[0], "alice", testClock.Add(time.Hour))
	b := openCopy(t, p[1], "bob", testClock.Add(2*time.Hour))
	srcs := []string{}
	for i, w := range []*Workpaper{a, b} {
		if _, err := w.ImportControls(ctx, []ControlInput{{ID: "CHG-02", Description: "Emergency changes reviewed", Frequency: sampling.AdHoc, Criteria: []string{"CC8.1"}}}, "m.xlsx"); err != nil {
			t.Fatal(err)
		}
		var sb strings.Builder
		sb.WriteString("Ticket,Opened\n")
		for j := 1; j <= 60+i*10; j++ {
			fmt.Fprintf(&sb, "EMG-%03d,2026-03-%02d\n", j, j%28+1)
		}
		src := writeFile(t, fmt.Sprintf("emergency-%d.csv", i), sb.String())
		srcs = append(srcs, src)
		if _, err := w.ImportPopulation(ctx, PopulationImport{ControlRef: "CHG-02", Path: src, IDColumn: "Ticket"}); err != nil {
			t.Fatal(err)
		}
		seed := uint64(7 + i)
		if _, err := w.DrawSample(ctx, DrawInput{ControlRef: "CHG-02", Seed: &seed}); err != nil {
			t.Fatal(err)
		}
	}
	closeAll(t, b)
	rep := mustMerge(t, a, p[1])
	var bc []Conflict
	for _, c := range rep.Conflicts {
		if c.Kind == "both-current" {
			bc = append(bc, c)
		}
	}
	if len(bc) != 1 || bc[0].Table != "population" {
		t.Fatalf("conflicts %+v", rep.Conflicts)
	}
	if pop, _ := a.CurrentPopulation(ctx, "CHG-02"); pop == nil || pop.Rows != 60 {
		t.Fatalf("mine should stay current: %+v", pop)
	}
	mustVerify(t, a)
	if err := a.ResolveConflict(ctx, bc[0].ID, "theirs"); err != nil {
		t.Fatal(err)
	}
	if pop, _ := a.CurrentPopulation(ctx, "CHG-02"); pop == nil || pop.Rows != 70 {
		t.Fatalf("theirs should be current now: %+v", pop)
	}
	if chk, err := a.VerifySelection(ctx, "CHG-02", srcs[1]); err != nil || !chk.Matches {
		t.Fatalf("their sample, now current: %+v %v", chk, err)
	}
	mustVerify(t, a)
}

// Three copies edited apart, merged in different orders, end the same.
func TestMergeThreeCopiesAnyOrder(t *testing.T) {
	ctx := context.Background()
	base, pos := mergeBase(t)
	p := copies(t, base, "a", "b", "c")
	edit := func(path, user string, hour int, fn func(w *Workpaper) error) {
		w := openCopy(t, path, user, testClock.Add(time.Duration(hour)*time.Hour))
		if err := fn(w); err != nil {
			t.Fatal(err)
		}
		w.Close()
	}
	edit(p[0], "alice", 1, func(w *Workpaper) error {
		if _, err := w.AddNote(ctx, "exception", "EX-01", "why was it late?", ""); err != nil {
			return err
		}
		if err := w.SetResult(ctx, ResultInput{ControlRef: "CHG-01", Position: pos[7], Attribute: "A", Outcome: Pass}); err != nil {
			return err
		}
		return w.UpdateException(ctx, "EX-01", 0, ExceptionInput{Evaluation: "isolated"})
	})
	edit(p[1], "bob", 2, func(w *Workpaper) error {
		if _, err := w.AddNote(ctx, "control", "CHG-01", "add the CAB minutes", ""); err != nil {
			return err
		}
		if err := w.SetResult(ctx, ResultInput{ControlRef: "CHG-01", Position: pos[8], Attribute: "B", Outcome: NotApplicable}); err != nil {
			return err
		}
		return w.SetTickmark(ctx, "C", "agreed to CAB minutes")
	})
	edit(p[2], "carol", 3, func(w *Workpaper) error {
		if _, err := w.AddNote(ctx, "engagement", "", "confirm the period", ""); err != nil {
			return err
		}
		if err := w.AddProcedure(ctx, "CHG-01", Inspection, "inspect the deployment log"); err != nil {
			return err
		}
		onTeam(t, w, "carol:staff")
		forceConclusion(t, w, "CHG-01", EffectiveWithExceptions, "isolated")
		return w.SignOffAs(ctx, "CHG-01", RolePreparer)
	})
	orders := [][]int{{0, 1, 2}, {0, 2, 1}, {2, 0, 1}, {1, 2, 0}}
	var dumps []string
	for i, o := range orders {
		dir := t.TempDir()
		var ps []string
		for _, k := range o {
			q := filepath.Join(dir, filepath.Base(p[k]))
			copyFile(t, p[k], q)
			ps = append(ps, q)
		}
		w := openCopy(t, ps[0], "merger", testClock.Add(time.Duration(10+i)*time.Hour))
		for _, other := range ps[1:] {
			mustMerge(t, w, other)
		}
		if cs, _ := w.Conflicts(ctx, true); len(cs) != 0 {
			t.Fatalf("order %v: conflicts %+v", o, cs)
		}
		mustVerify(t, w)
		notes, _ := w.Notes(ctx, "")
		var refs []string
		for _, n := range notes {
			refs = append(refs, n.Ref)
		}
		sort.Strings(refs)
		if len(refs) != 4 || refs[0] != "RN-001" || refs[1] != "RN-002" || !strings.HasPrefix(refs[2], "RN-002.") || !strings.HasPrefix(refs[3], "RN-002.") {
			t.Fatalf("order %v: note refs %v", o, refs)
		}
		// Carol signed before seeing Alice's and Bob's changes: stale.
		ct, _ := w.ControlTest(ctx, "CHG-01")
		if s, ok := ct.SignOff(RolePreparer); !ok || !s.Stale {
			t.Fatalf("order %v: preparer sign-off %+v", o, ct.SignOffs)
		}
		dumps = append(dumps, dump(t, w))
		// Merged again with any of them: nothing to do.
		for _, other := range ps[1:] {
			if rep := mustMerge(t, w, other); !rep.UpToDate {
				t.Fatalf("order %v: merging again: %+v", o, rep)
			}
		}
		w.Close()
	}
	for i := 1; i < len(dumps); i++ {
		if dumps[i] != dumps[0] {
			t.Fatalf("order %v differs from %v:\n%s", orders[i], orders[0], diffLines(dumps[0], dumps[i]))
		}
	}
}

func TestMergeRefusals(t *testing.T) {
	ctx := context.Background()
	base, _ := mergeBase(t)
	p := copies(t, base, "a")
	a := openCopy(t, p[0], "alice", testClock)
	other, err := Create(filepath.Join(t.TempDir(), "other.fieldwork"), Options{User: "zoe"})
	if err != nil {
		t.Fatal(err)
	}
	if err := other.CreateEngagement(ctx, NewEngagement{Client: "Other Co", System: "S", Type: TypeI, AsOf: mustDate("2026-06-30")}); err != nil {
		t.Fatal(err)
	}
	other.Close()
	if _, err := a.Merge(ctx, other.Path(), MergeOptions{}); !errors.Is(err, ErrOtherEngagement) || !strings.Contains(err.Error(), "roll-forward") {
		t.Fatalf("other engagement: %v", err)
	}
	if _, err := a.Merge(ctx, p[0], MergeOptions{}); err == nil || !strings.Contains(err.Error(), "same file") {
		t.Fatalf("same file: %v", err)
	}
	if _, err := a.Merge(ctx, filepath.Join(t.TempDir(), "missing.fieldwork"), MergeOptions{}); !errors.Is(err, ErrNotExist) {
		t.Fatalf("missing: %v", err)
	}
	var ro *Workpaper
	ro, err = Open(p[0], Options{User: "x", ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if _, err := ro.Merge(ctx, base, MergeOptions{}); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("read-only: %v", err)
	}
}

func TestMergeDryRun(t *testing.T) {
	ctx := context.Background()
	base, _ := mergeBase(t)
	p := copies(t, base, "a", "b")
	b := openCopy(t, p[1], "bob", testClock.Add(time.Hour))
	if err := b.UpdateException(ctx, "EX-01", 0, ExceptionInput{Cause: "tooling outage"}); err != nil {
		t.Fatal(err)
	}
	b.Close()
	a := openCopy(t, p[0], "alice", testClock.Add(2*time.Hour))
	before, _ := os.ReadFile(p[0])
	rep, err := a.Merge(ctx, p[1], MergeOptions{DryRun: true})
	if err != nil || !rep.DryRun || rep.Appended == 0 || rep.Changed["exception"] != 1 || rep.Backup != "" {
		t.Fatalf("dry run %+v %v", rep, err)
	}
	after, _ := os.ReadFile(p[0])
	if !bytes.Equal(before, after) {
		t.Fatal("a dry run changed the file")
	}
	if exceptionCause(t, a) != "" {
		t.Fatal("a dry run applied a change")
	}
	matches, _ := filepath.Glob(p[0] + ".bak-*")
	if len(matches) != 0 {
		t.Fatalf("a dry run wrote a backup: %v", matches)
	}
}

func TestVerifyDetectsAlteredMergedEntry(t *testing.T) {
	ctx := context.Background()
	base, _ := mergeBase(t)
	p := copies(t, base, "a", "b")
	b := openCopy(t, p[1], "bob", testClock.Add(time.Hour))
	if err := b.UpdateException(ctx, "EX-01", 0, ExceptionInput{Cause: "tooling outage"}); err != nil {
		t.Fatal(err)
	}
	b.Close()
	a := openCopy(t, p[0], "alice", testClock.Add(2*time.Hour))
	mustMerge(t, a, p[1])
	mustVerify(t, a)
	// Rewriting a merged entry's origin (and re-chaining it) is caught.
	if _, err := a.db.Exec("UPDATE change_log SET origin_hash = 'forged' WHERE origin_hash != ''"); err != nil {
		t.Fatal(err)
	}
	r, err := a.Verify(ctx)
	if err != nil || r.OK || len(r.Trail) == 0 {
		t.Fatalf("verify after forging an origin: %+v %v", r, err)
	}
}
