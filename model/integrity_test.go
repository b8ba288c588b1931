package model

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fieldwork-audit/fieldwork/internal/signing"
)

// The tampering an insider with the sqlite3 shell would try (issue #12),
// each on a fresh copy of the demo, each named by verify.

var (
	demoOnce sync.Once
	demoPath string
	demoErr  error
)

func demoCopy(t *testing.T) string {
	t.Helper()
	demoOnce.Do(func() {
		dir, err := os.MkdirTemp("", "fieldwork-integrity-")
		if err != nil {
			demoErr = err
			return
		}
		demoPath = filepath.Join(dir, "demo.fieldwork")
		demoErr = WriteDemo(context.Background(), demoPath)
	})
	if demoErr != nil {
		t.Fatal(demoErr)
	}
	p := filepath.Join(t.TempDir(), "copy.fieldwork")
	copyFile(t, demoPath, p)
	return p
}

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

func TestDemoVerifiesClean(t *testing.T) {
	r := verifyFile(t, demoCopy(t))
	if !r.OK {
		t.Fatalf("the untouched demo does not verify:\n%s", allFindings(r))
	}
	if r.RecordsChecked < 300 || r.Signatures.Signed != r.Entries {
		t.Fatalf("replayed %d records, %d of %d entries signed", r.RecordsChecked, r.Signatures.Signed, r.Entries)
	}
	demoNoted := false
	for _, n := range r.Signatures.Notes {
		demoNoted = demoNoted || strings.Contains(n, "maria.chen signs with a demo key")
	}
	if !demoNoted {
		t.Fatalf("the demo team's keys are not shown as demo keys: %q", r.Signatures.Notes)
	}
}

func TestVerifyNamesEveryDirectEdit(t *testing.T) {
	cases := []struct {
		name  string
		sql   []string
		wants []string
	}{
		{"a deviation made a pass", []string{`UPDATE result SET outcome = 'pass' WHERE id = (SELECT min(id) FROM result WHERE outcome = 'deviation')`},
			[]string{"result WP-", `outcome stored "pass", trail says "deviation" (entry `}},
		{"a conclusion set to effective", []string{`UPDATE control_test SET conclusion = 'effective' WHERE id = (SELECT min(id) FROM control_test WHERE conclusion = 'not-effective')`},
			[]string{"workpaper WP-", `conclusion stored "effective", trail says "not-effective"`}},
		{"a forged reviewer sign-off", []string{`INSERT INTO signoff (uuid, created_at, created_by, updated_at, updated_by, test_uuid, role, signer, signed_at)
			SELECT 'f0f0f0f0-0000-4000-8000-000000000001', created_at, 'olivia.brandt', created_at, 'olivia.brandt', test_uuid, 'reviewer', 'olivia.brandt', signed_at FROM signoff LIMIT 1`},
			[]string{"reviewer sign-off by olivia.brandt", "not in the trail (added outside fieldwork)"}},
		{"an exception deleted", []string{`DELETE FROM exception_item`, `DELETE FROM exception WHERE ref = 'EX-01'`},
			[]string{"exception EX-01: missing from the workpaper, but the trail never deleted it"}},
		{"the period changed", []string{`UPDATE engagement SET period_to = '2026-03-31'`},
			[]string{"the engagement: period_to stored \"2026-03-31\""}},
		{"a team member's role raised", []string{`UPDATE team_member SET role = 'partner' WHERE name = 'Dev Patel'`},
			[]string{"team member Dev Patel: role stored \"partner\", trail says \"preparer\""}},
		{"a mapping removed", []string{`DELETE FROM control_criterion WHERE id = (SELECT min(id) FROM control_criterion)`},
			[]string{"mapping of ", "missing from the workpaper"}},
		{"a review note cleared", []string{`UPDATE review_note SET state = 'cleared' WHERE state = 'open'`},
			[]string{"review note RN-", `state stored "cleared", trail says "open"`}},
		{"a PBC request marked received", []string{`UPDATE pbc_request SET status = 'accepted' WHERE status = 'requested'`},
			[]string{"pbc request PBC-", `status stored "accepted"`}},
		{"an interview rewritten", []string{`UPDATE interview SET summary = 'all fine' WHERE id = (SELECT min(id) FROM interview)`},
			[]string{"interview of ", `summary stored "all fine"`}},
		{"a CUEC edited", []string{`UPDATE complementary_control SET text = 'nothing' WHERE kind = 'cuec'`},
			[]string{"CUEC CUEC-", `text stored "nothing"`}},
		{"the opinion overridden", []string{`UPDATE engagement SET opinion_override = 'unmodified', opinion_override_reason = 'x'`},
			[]string{"the engagement: opinion_override stored \"unmodified\""}},
		{"a criterion override", []string{`UPDATE criterion SET override = 'met', override_reason = 'x' WHERE ref = 'CC8.1'`},
			[]string{"criterion CC8.1: override stored \"met\""}},
		{"a sample item moved", []string{`UPDATE sample_item SET position = position + 100000 WHERE id = (SELECT min(id) FROM sample_item)`},
			[]string{"sample item 1 of WP-", "position stored"}},
		{"a plan's size lowered", []string{`UPDATE control_test SET plan_size = 1 WHERE plan_size > 1 AND id = (SELECT min(id) FROM control_test WHERE plan_size > 1)`},
			[]string{"plan_size stored \"1\""}},
		{"a row of an unsampled population", []string{`UPDATE population_row SET cells = '["forged"]' WHERE (population_id, position) = (SELECT population_id, position FROM population_row LIMIT 1)`},
			[]string{"population of WP-", "do not match the digest recorded at import"}},
		{"a row's flag removed", []string{`UPDATE population_row SET flags = '' WHERE (population_id, position) = (SELECT population_id, position FROM population_row WHERE flags != '' LIMIT 1)`},
			[]string{"the rows' flags (out of period, duplicate ID …) do not match"}},
		{"a trail entry's value edited", []string{`UPDATE change_log SET new_value = 'pass' WHERE seq = (SELECT min(seq) FROM change_log WHERE field = 'outcome' AND new_value = 'deviation')`},
			[]string{"was altered after it was written"}},
		{"a signature removed", []string{`DELETE FROM trail_signature WHERE rowid = (SELECT max(rowid) FROM trail_signature)`},
			[]string{"carry no signature"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := demoCopy(t)
			tamper(t, p, c.sql...)
			r := verifyFile(t, p)
			got := allFindings(r)
			if r.OK {
				t.Fatalf("verify says ok after %s", c.name)
			}
			for _, w := range c.wants {
				if !strings.Contains(got, w) {
					t.Errorf("verify does not say %q; it says:\n%s", w, got)
				}
			}
		})
	}
}

func sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func TestAnchorCatchesACutTrail(t *testing.T) {
	p := demoCopy(t)
	before := verifyFile(t, p)
	head := before.Head
	// Cut the last 30 entries and the signatures that cover them, as an
	// insider would who also knows about signatures.
	tamper(t, p,
		`DELETE FROM trail_signature WHERE last_uuid IN (SELECT uuid FROM change_log WHERE seq > (SELECT max(seq) - 30 FROM change_log))
			OR first_uuid IN (SELECT uuid FROM change_log WHERE seq > (SELECT max(seq) - 30 FROM change_log))`,
		`DELETE FROM change_log WHERE seq > (SELECT max(seq) - 30 FROM change_log)`)
	r := verifyFile(t, p, VerifyOptions{Heads: []Head{head}})
	if r.OK || r.Anchor == nil || r.Anchor.Holds || !strings.Contains(r.Anchor.Problem, "was cut off") {
		t.Fatalf("a quoted head does not catch the cut: %+v", r.Anchor)
	}
	// A head quoted from the untouched file holds on the untouched file.
	q := demoCopy(t)
	if r := verifyFile(t, q, VerifyOptions{Heads: []Head{head}}); !r.OK || !r.Anchor.Holds {
		t.Fatalf("the head does not hold on the file it came from: %+v", r.Anchor)
	}
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
	if err := db.QueryRow(`SELECT seq FROM change_log WHERE field = 'outcome' AND new_value = 'deviation' AND user = 'bob'`).Scan(&target); err != nil {
		t.Fatal(err)
	}
	var rec string
	db.QueryRow(`SELECT record_uuid FROM change_log WHERE seq = ?`, target).Scan(&rec)
	mustExec(t, db, `UPDATE change_log SET new_value = 'pass' WHERE seq = ?`, target)
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
	if !strings.Contains(ch, "upgraded from schema 2 to 3 by auditor") {
		t.Fatalf("the upgrade entry says %q", ch)
	}

	// A schema-2 file whose old trail was edited is refused, untouched.
	q := filepath.Join(dir, "edited.fieldwork")
	copyFile(t, "testdata/demo-schema2.fieldwork", q)
	tamper(t, q, `UPDATE change_log SET new_value = 'pass' WHERE seq = (SELECT min(seq) FROM change_log WHERE new_value = 'deviation')`)
	before, _ := os.ReadFile(q)
	if _, err := Open(q, Options{User: "auditor"}); !errors.Is(err, ErrLegacyTrailBroken) || !strings.Contains(err.Error(), "--reason") {
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

func TestUnregisteredKeyIsNotedNotTampering(t *testing.T) {
	keyDir(t)
	ctx := context.Background()
	p := demoCopy(t)
	w, err := Open(p, Options{User: "newcomer"})
	if err != nil {
		t.Fatal(err)
	}
	var made string
	w.onKeyCreated = func(path string) { made = path }
	if err := w.SetResult(ctx, ResultInput{ControlRef: "LA-02", Position: 0, Attribute: "A", Outcome: Pass}); err != nil && !strings.Contains(err.Error(), "not in the sample") {
		t.Logf("result: %v", err)
	}
	if _, err := w.AddNote(ctx, "control", "LA-02", "a newcomer's note", ""); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if made == "" {
		t.Fatal("the first write made no key, or did not say so")
	}
	r := verifyFile(t, p)
	if !r.OK {
		t.Fatalf("a newcomer's edit reads as tampering:\n%s", allFindings(r))
	}
	found := false
	for _, n := range r.Signatures.Notes {
		found = found || strings.Contains(n, "newcomer is not on the team and signs with their own key")
	}
	if !found {
		t.Fatalf("notes: %q", r.Signatures.Notes)
	}
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
	tamper(t, path, `UPDATE blob SET data = x'6f746865722066696c65', size = 10, sha256 = '`+sha("other file")+`'`)
	r := verifyFile(t, path)
	got := allFindings(r)
	if r.OK || !strings.Contains(got, "attached file ticket-123.pdf: sha256 stored") {
		t.Fatalf("%s", got)
	}
}
