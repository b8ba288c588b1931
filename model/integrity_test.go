package model

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fieldwork-audit/fieldwork/internal/signing"
)

// tamper runs SQL on the file as the sqlite3 shell would: no fieldwork.
func tamper(t *testing.T, path string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range stmts {
		res, err := db.Exec(s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if n, _ := res.RowsAffected(); n == 0 && !strings.HasPrefix(s, "PRAGMA") {
			t.Fatalf("%s changed nothing: the tamper test would prove nothing", s)
		}
	}
}

func verifyFile(t *testing.T, path string, opts ...VerifyOptions) *VerifyReport {
	t.Helper()
	w, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	r, err := w.Verify(context.Background(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func allFindings(r *VerifyReport) string {
	var b strings.Builder
	for _, l := range [][]string{r.Integrity, r.Trail, r.Records, r.Populations, r.Signatures.Problems, r.SignOffs, r.Blobs} {
		for _, s := range l {
			b.WriteString(s + "\n")
		}
	}
	for _, s := range r.Selections {
		for _, p := range s.Problems {
			b.WriteString(p + "\n")
		}
	}
	if r.Anchor != nil && !r.Anchor.Holds {
		b.WriteString(r.Anchor.Problem + "\n")
	}
	return b.String()
}

// keyDir points the key folder at a fresh one for the test.
func keyDir(t *testing.T) {
	t.Helper()
	t.Setenv("FIELDWORK_KEY_DIR", t.TempDir())
}

// signedTeam is a workpaper where alice (manager) and bob (preparer) are on
// the team with their own keys, and bob has recorded results.
func signedTeam(t *testing.T) (string, []int) {
	t.Helper()
	keyDir(t)
	ctx := context.Background()
	path, pos := mergeBase(t)
	a := openCopy(t, path, "alice", testClock.Add(time.Hour))
	if _, err := a.JoinTeam(ctx, "Alice Ames", RoleManager); err != nil {
		t.Fatal(err)
	}
	bk, err := signing.Create("bob")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.AddTeamMember(ctx, TeamMember{Name: "Bob Bell", Role: RolePreparer, User: "bob", PublicKey: bk.Public().String()}); err != nil {
		t.Fatal(err)
	}
	a.Close()
	b := openCopy(t, path, "bob", testClock.Add(2*time.Hour))
	if err := b.SetResult(ctx, ResultInput{ControlRef: "CHG-01", Position: pos[2], Attribute: "A", Outcome: Deviation, Note: "no approval"}); err != nil {
		t.Fatal(err)
	}
	forceConclusion(t, b, "CHG-01", NotEffective, "no approval")
	if err := b.SignOffAs(ctx, "CHG-01", RolePreparer); err != nil {
		t.Fatal(err)
	}
	b.Close()
	if r := verifyFile(t, path); !r.OK {
		t.Fatalf("the signed team's file does not verify:\n%s", allFindings(r))
	}
	return path, pos
}

// TestRechainWithoutTheirKeys: an insider who can run fieldwork's own
// hashing code, but holds nobody else's key, rewrites bob's deviation as a
// pass, edits the table to match, re-chains every hash after it and signs
// every run again with a key of their own. verify names it.
func TestRechainWithoutTheirKeys(t *testing.T) {
	path, _ := signedTeam(t)
	ctx := context.Background()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var target int64
	// The result's insert entry holds its values (one entry per record).
	if err := db.QueryRow(`SELECT seq FROM change_log WHERE op = 'insert' AND tbl = 'result'
		AND json_extract(new_value, '$.outcome') = 'deviation' AND user = 'bob'`).Scan(&target); err != nil {
		t.Fatal(err)
	}
	var rec string
	db.QueryRow(`SELECT record_uuid FROM change_log WHERE seq = ?`, target).Scan(&rec)
	mustExec(t, db, `UPDATE change_log SET new_value = json_set(new_value, '$.outcome', 'pass') WHERE seq = ?`, target)
	mustExec(t, db, `UPDATE result SET outcome = 'pass' WHERE uuid = ?`, rec)
	rechain(t, db)
	mallory, err := signing.Create("mallory")
	if err != nil {
		t.Fatal(err)
	}
	resign(t, db, mallory)
	db.Close()

	r := verifyFile(t, path)
	got := allFindings(r)
	if r.OK || len(r.Trail) != 0 {
		t.Fatalf("ok=%v trail=%q", r.OK, r.Trail)
	}
	for _, want := range []string{"claim bob but are signed with key", "not the key registered for Bob Bell"} {
		if !strings.Contains(got, want) {
			t.Errorf("verify does not say %q; it says:\n%s", want, got)
		}
	}
	_ = ctx
}

// TestRechainReorderAndRenumber: deleting an entry in the middle and
// renumbering, or swapping two entries, and re-chaining, breaks the
// signatures even when the insider re-signs nothing.
func TestRechainReorderAndRenumber(t *testing.T) {
	for _, c := range []struct {
		name string
		edit func(t *testing.T, db *sql.DB)
	}{
		{"delete and renumber", func(t *testing.T, db *sql.DB) {
			var seq int64
			db.QueryRow(`SELECT max(seq) - 5 FROM change_log`).Scan(&seq)
			mustExec(t, db, `DELETE FROM change_log WHERE seq = ?`, seq)
			mustExec(t, db, `UPDATE change_log SET seq = seq - 1 WHERE seq > ?`, seq)
		}},
		{"swap two entries", func(t *testing.T, db *sql.DB) {
			var seq int64
			db.QueryRow(`SELECT max(seq) - 3 FROM change_log`).Scan(&seq)
			mustExec(t, db, `UPDATE change_log SET seq = -1 WHERE seq = ?`, seq)
			mustExec(t, db, `UPDATE change_log SET seq = ? WHERE seq = ?`, seq, seq+1)
			mustExec(t, db, `UPDATE change_log SET seq = ? WHERE seq = -1`, seq+1)
		}},
		{"forge an entry in the middle", func(t *testing.T, db *sql.DB) {
			var seq int64
			db.QueryRow(`SELECT max(seq) - 4 FROM change_log`).Scan(&seq)
			mustExec(t, db, `UPDATE change_log SET seq = -seq WHERE seq > ?`, seq)
			mustExec(t, db, `UPDATE change_log SET seq = 1 - seq WHERE seq < 0`)
			mustExec(t, db, `INSERT INTO change_log (seq, uuid, at, user, op, tbl, record_uuid, field, old_value, new_value, note, prev_hash, hash)
				SELECT ? + 1, 'forged-0000', at, user, 'event', tbl, record_uuid, '', NULL, NULL, 'forged', '', '' FROM change_log WHERE seq = ?`, seq, seq)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			path, _ := signedTeam(t)
			db, err := sql.Open("sqlite", "file:"+path)
			if err != nil {
				t.Fatal(err)
			}
			c.edit(t, db)
			rechain(t, db)
			db.Close()
			r := verifyFile(t, path)
			if r.OK || len(r.Trail) != 0 || len(r.Signatures.Problems) == 0 {
				t.Fatalf("ok=%v trail=%q signature problems=%q", r.OK, r.Trail, r.Signatures.Problems)
			}
		})
	}
}

func mustExec(t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// rechain recomputes every hash with fieldwork's own code.
func rechain(t *testing.T, db *sql.DB) {
	t.Helper()
	rows, err := db.Query(`SELECT seq, uuid, at, user, op, tbl, record_uuid, field, old_value, new_value, note, scope,
		origin_seq, origin_prev_hash, origin_hash FROM change_log ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	var all []logEntry
	for rows.Next() {
		var e logEntry
		var o ChangeOrigin
		if err := rows.Scan(&e.Seq, &e.UUID, &e.At, &e.User, &e.Op, &e.Table, &e.RecordUUID, &e.Field, &e.Old, &e.New, &e.Note, &e.Scope,
			&o.Seq, &o.PrevHash, &o.Hash); err != nil {
			t.Fatal(err)
		}
		if o.Hash != "" {
			e.Origin = &o
		}
		all = append(all, e)
	}
	rows.Close()
	prev := ""
	for _, e := range all {
		e.PrevHash = prev
		h := e.hash()
		mustExec(t, db, `UPDATE change_log SET prev_hash = ?, hash = ? WHERE seq = ?`, prev, h, e.Seq)
		prev = h
	}
}

// resign signs every run again with k, claiming the run's author.
func resign(t *testing.T, db *sql.DB, k *signing.Key) {
	t.Helper()
	rows, err := db.Query(`SELECT s.last_uuid, s.first_uuid, s.entries, s.user, s.kind, c.hash FROM trail_signature s JOIN change_log c ON c.uuid = s.last_uuid`)
	if err != nil {
		t.Fatal(err)
	}
	type sg struct {
		last, first, user, kind, hash string
		n                             int64
	}
	var all []sg
	for rows.Next() {
		var s sg
		rows.Scan(&s.last, &s.first, &s.n, &s.user, &s.kind, &s.hash)
		all = append(all, s)
	}
	rows.Close()
	for _, s := range all {
		sig := k.Sign(signedMessage(s.kind, s.user, s.first, s.last, s.n, s.hash))
		mustExec(t, db, `UPDATE trail_signature SET signed_hash = ?, public_key = ?, signature = ? WHERE last_uuid = ?`,
			s.hash, k.Public().String(), base64.StdEncoding.EncodeToString(sig), s.last)
	}
}

func TestMergeRefusesACopyThatDoesNotVerify(t *testing.T) {
	keyDir(t)
	ctx := context.Background()
	base, pos := mergeBase(t)
	p := copies(t, base, "a", "b")
	b := openCopy(t, p[1], "bob", testClock.Add(time.Hour))
	if err := b.SetResult(ctx, ResultInput{ControlRef: "CHG-01", Position: pos[3], Attribute: "A", Outcome: Pass}); err != nil {
		t.Fatal(err)
	}
	b.Close()
	tamper(t, p[1], `UPDATE result SET outcome = 'pass' WHERE outcome = 'deviation'`)
	before, _ := os.ReadFile(p[0])
	a, err := Open(p[0], Options{User: "alice", NoSession: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.Merge(ctx, p[1], MergeOptions{})
	if !errors.Is(err, ErrCopyDoesNotVerify) || !strings.Contains(err.Error(), `outcome stored "pass", trail says "deviation"`) {
		t.Fatalf("merge of a tampered copy: %v", err)
	}
	a.Close()
	if after, _ := os.ReadFile(p[0]); !bytes.Equal(before, after) {
		t.Fatal("a refused merge changed the file")
	}
}

func TestUpgradeFromSchema2(t *testing.T) {
	keyDir(t)
	dir := t.TempDir()
	p := filepath.Join(dir, "old.fieldwork")
	copyFile(t, "testdata/demo-schema2.fieldwork", p)
	w, err := Open(p, Options{User: "auditor"})
	if err != nil {
		t.Fatal(err)
	}
	if w.MigrationBackup() == "" {
		t.Error("no backup before the upgrade")
	}
	w.Close()
	r := verifyFile(t, p)
	if !r.OK {
		t.Fatalf("an upgraded schema-2 file does not verify:\n%s", allFindings(r))
	}
	ch, _ := lastEntry(t, p)
	if !strings.Contains(ch, fmt.Sprintf("upgraded from schema 2 to %d by auditor", SchemaVersion)) {
		t.Fatalf("the upgrade entry says %q", ch)
	}

	// A schema-2 file whose old trail was edited is refused, untouched.
	q := filepath.Join(dir, "edited.fieldwork")
	copyFile(t, "testdata/demo-schema2.fieldwork", q)
	tamper(t, q, `UPDATE change_log SET new_value = 'pass' WHERE seq = (SELECT min(seq) FROM change_log WHERE new_value = 'deviation')`)
	before, _ := os.ReadFile(q)
	if _, err := Open(q, Options{User: "auditor"}); !errors.Is(err, ErrLegacyTrailBroken) || !hasHint(err, HintUpgradeAnyway) {
		t.Fatalf("upgrading a broken trail: %v", err)
	}
	if after, _ := os.ReadFile(q); !bytes.Equal(before, after) {
		t.Fatal("the refused upgrade changed the file")
	}
	// Forced with a reason: upgraded, the reason recorded, and verify
	// still names the old damage.
	w, err = Open(q, Options{User: "auditor", MigrationReason: "restored from the firm's archive; original lost"})
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	note, _ := lastEntry(t, q)
	if !strings.Contains(note, "reason: restored from the firm's archive") {
		t.Fatalf("the forced upgrade entry says %q", note)
	}
	if r := verifyFile(t, q); r.OK || len(r.Trail) == 0 {
		t.Fatal("the forced upgrade hid the old damage")
	}
}

func lastEntry(t *testing.T, path string) (string, string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var note, user string
	db.QueryRow(`SELECT note, user FROM change_log WHERE op = 'event' ORDER BY seq DESC LIMIT 1`).Scan(&note, &user)
	return note, user
}

func TestSignOffPinsWhatItSigned(t *testing.T) {
	path, _ := signedTeam(t)
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	var d string
	db.QueryRow(`SELECT state_digest FROM signoff WHERE signer = 'bob'`).Scan(&d)
	db.Close()
	if len(d) != 64 {
		t.Fatalf("the sign-off records no digest: %q", d)
	}
	// Editing the sign-off's digest is a direct edit, and is named.
	tamper(t, path, `UPDATE signoff SET state_digest = '`+strings.Repeat("0", 64)+`' WHERE signer = 'bob'`)
	r := verifyFile(t, path)
	if r.OK || !strings.Contains(allFindings(r), "state_digest stored") {
		t.Fatalf("%s", allFindings(r))
	}
}

func TestSwappedEvidenceIsNamed(t *testing.T) {
	path, pos := signedTeam(t)
	ctx := context.Background()
	ev := filepath.Join(t.TempDir(), "ticket-123.pdf")
	os.WriteFile(ev, []byte("%PDF approval of ticket 123"), 0o644)
	b := openCopy(t, path, "bob", testClock.Add(3*time.Hour))
	if err := b.SetResult(ctx, ResultInput{ControlRef: "CHG-01", Position: pos[4], Attribute: "A", Outcome: Pass, Evidence: ev, Attach: true}); err != nil {
		t.Fatal(err)
	}
	b.Close()
	// Replaced with other bytes whose hash and size are written to match.
	tamper(t, path, `UPDATE blob SET data = x'6f746865722066696c65', size = 10, sha256 = '`+otherFileSHA+`'`)
	r := verifyFile(t, path)
	got := allFindings(r)
	if r.OK || !strings.Contains(got, "attached file ticket-123.pdf: sha256 stored") {
		t.Fatalf("%s", got)
	}
}

// otherFileSHA is the SHA-256 of "other file", the bytes swapped in.
var otherFileSHA = func() string { h := sha256.Sum256([]byte("other file")); return fmt.Sprintf("%x", h) }()

func TestRollForwardRefusesASourceThatDoesNotVerify(t *testing.T) {
	keyDir(t)
	ctx := context.Background()
	base, _ := mergeBase(t)
	tamper(t, base, `UPDATE result SET outcome = 'pass' WHERE outcome = 'deviation'`)
	out := filepath.Join(t.TempDir(), "next.fieldwork")
	in := RollForwardInput{Out: out, From: mustDate("2027-01-01"), To: mustDate("2027-06-30")}
	if _, err := RollForward(ctx, base, in, Options{User: "alice"}); !errors.Is(err, ErrCopyDoesNotVerify) || !hasHint(err, HintRollForwardAnyway) {
		t.Fatalf("roll forward from a tampered file: %v", err)
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("a refused roll-forward wrote the new file")
	}
	in.BrokenReason = "the only copy left after the laptop was lost"
	rep, err := RollForward(ctx, base, in, Options{User: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rep.RolledFrom, "does not verify") || !strings.Contains(rep.RolledFrom, "laptop was lost") {
		t.Fatalf("rolled from: %q", rep.RolledFrom)
	}
	if r := verifyFile(t, out); !r.OK {
		t.Fatalf("the new file does not verify:\n%s", allFindings(r))
	}
}

// A key a member registered themselves is noted until a manager or
// partner confirms it; one a manager added is confirmed.
func TestKeyConfirmation(t *testing.T) {
	path, _ := signedTeam(t)
	notes := strings.Join(Strings(verifyFile(t, path).Signatures.Notes), "\n")
	if !strings.Contains(notes, "alice registered their key") || strings.Contains(notes, "bob registered") {
		t.Fatalf("notes before confirming:\n%s", notes)
	}
	// bob, a preparer, cannot record alice's key; a partner can confirm it.
	b := openCopy(t, path, "bob", testClock.Add(5*time.Hour))
	ak, err := signing.Load("alice")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.SetTeamKey(context.Background(), "alice", ak.Public().String()); err == nil || !strings.Contains(err.Error(), "only a manager or partner") {
		t.Fatalf("a preparer recorded a manager's key: %v", err)
	}
	b.Close()
	a := openCopy(t, path, "alice", testClock.Add(6*time.Hour))
	pk, _ := signing.Create("pat")
	if err := a.AddTeamMember(context.Background(), TeamMember{Name: "Pat Partner", Role: RolePartner, User: "pat", PublicKey: pk.Public().String()}); err != nil {
		t.Fatal(err)
	}
	a.Close()
	p := openCopy(t, path, "pat", testClock.Add(7*time.Hour))
	if err := p.SetTeamKey(context.Background(), "alice", ak.Public().String()); err != nil {
		t.Fatal(err)
	}
	p.Close()
	r := verifyFile(t, path)
	if notes := strings.Join(Strings(r.Signatures.Notes), "\n"); !r.OK || strings.Contains(notes, "alice registered their key") {
		t.Fatalf("after a partner confirmed: ok=%v\n%s", r.OK, notes)
	}
}

// A schema-3 file relabeled as schema 2 is refused before anything is
// written (it would otherwise be "upgraded" again).
func TestRelabeledSchema3Refused(t *testing.T) {
	keyDir(t)
	w, path := newTestWorkpaper(t)
	w.Close()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, db, "PRAGMA user_version = 2")
	db.Close()
	before, _ := os.ReadFile(path)
	if _, err := Open(path, Options{User: "alice"}); !errors.Is(err, ErrDamaged) {
		t.Fatalf("a relabeled schema-3 file: %v", err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Fatal("the refusal changed the file")
	}
}

// TestOperationEntriesTampered: an insert holds a record's values and an
// update of several fields holds them all in one entry. Editing the values
// inside such an entry (table edited to match) breaks its hash; values that
// no longer parse are named by replay as well.
func TestOperationEntriesTampered(t *testing.T) {
	for _, c := range []struct {
		name  string
		where string // picks the entry
		edit  string // its new new_value, as SQL
		want  []string
	}{
		{"a conclusion changed inside a multi-field update", `op = 'update' AND tbl = 'control_test' AND field = '' AND json_type(new_value, '$.conclusion') IS NOT NULL`,
			`json_set(new_value, '$.conclusion', 'effective')`, []string{"was altered after it was written"}},
		{"values that do not parse", `op = 'update' AND field = ''`,
			`'{"conclusion": '`, []string{"was altered after it was written", "the trail cannot rebuild it", "values do not parse"}},
		{"a created record's value changed", `op = 'insert' AND tbl = 'result'`,
			`json_set(new_value, '$.note', 'approved after all')`, []string{"was altered after it was written"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			path, _ := signedTeam(t)
			db, err := sql.Open("sqlite", "file:"+path)
			if err != nil {
				t.Fatal(err)
			}
			var seq int64
			if err := db.QueryRow(`SELECT max(seq) FROM change_log WHERE ` + c.where).Scan(&seq); err != nil || seq == 0 {
				t.Fatalf("no entry %s: %v", c.where, err)
			}
			mustExec(t, db, `UPDATE change_log SET new_value = `+c.edit+` WHERE seq = ?`, seq)
			db.Close()
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
