package demo

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/fieldwork-audit/fieldwork/model"
)

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

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
		demoErr = Write(context.Background(), demoPath)
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

func verifyFile(t *testing.T, path string, opts ...model.VerifyOptions) *model.VerifyReport {
	t.Helper()
	w, err := model.Open(path, model.Options{ReadOnly: true})
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

func allFindings(r *model.VerifyReport) string {
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
		demoNoted = demoNoted || strings.Contains(n.String(), "maria.chen signs with a demo key")
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
			[]string{"sample of WP-", "item 1 is position ", "in the selection record"}},
		{"a sample item added", []string{`INSERT INTO sample_item (uuid, created_at, created_by, updated_at, updated_by, selection_uuid, ordinal, position, extension)
			SELECT 'e0e0e0e0-0000-4000-8000-000000000001', created_at, created_by, updated_at, updated_by, selection_uuid, 9999, 1, 0 FROM sample_item LIMIT 1`},
			[]string{"item 9999 (position 1) is not in the selection record"}},
		{"a sample item removed", []string{`DELETE FROM sample_item WHERE id = (SELECT max(id) FROM sample_item WHERE uuid NOT IN (SELECT item_uuid FROM result))`},
			[]string{"the selection record has 20 items; 19 are stored"}},
		{"a sample item replaced", []string{`UPDATE sample_item SET uuid = 'e0e0e0e0-0000-4000-8000-000000000002' WHERE id = (SELECT max(id) FROM sample_item WHERE uuid NOT IN (SELECT item_uuid FROM result))`},
			[]string{"has an identity fieldwork did not give it"}},
		{"a plan's size lowered", []string{`UPDATE control_test SET plan_size = 1 WHERE plan_size > 1 AND id = (SELECT min(id) FROM control_test WHERE plan_size > 1)`},
			[]string{"plan_size stored \"1\""}},
		{"a row of an unsampled population", []string{`UPDATE population_row SET cells = '["forged"]' WHERE (population_id, position) = (SELECT population_id, position FROM population_row LIMIT 1)`},
			[]string{"population of WP-", "do not match the digest recorded at import"}},
		{"a row's flag removed", []string{`UPDATE population_row SET flags = '' WHERE (population_id, position) = (SELECT population_id, position FROM population_row WHERE flags != '' LIMIT 1)`},
			[]string{"the rows' flags (out of period, duplicate ID …) do not match"}},
		{"a trail entry's value edited", []string{`UPDATE change_log SET new_value = json_set(new_value, '$.outcome', 'pass') WHERE seq = (SELECT min(seq) FROM change_log WHERE op = 'insert' AND tbl = 'result' AND json_extract(new_value, '$.outcome') = 'deviation')`},
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
	r := verifyFile(t, p, model.VerifyOptions{Heads: []model.Head{head}})
	if r.OK || r.Anchor == nil || r.Anchor.Holds || !strings.Contains(r.Anchor.Problem, "was cut off") {
		t.Fatalf("a quoted head does not catch the cut: %+v", r.Anchor)
	}
	// A head quoted from the untouched file holds on the untouched file.
	q := demoCopy(t)
	if r := verifyFile(t, q, model.VerifyOptions{Heads: []model.Head{head}}); !r.OK || !r.Anchor.Holds {
		t.Fatalf("the head does not hold on the file it came from: %+v", r.Anchor)
	}
}

func TestUnregisteredKeyIsNotedNotTampering(t *testing.T) {
	t.Setenv("FIELDWORK_KEY_DIR", t.TempDir())
	ctx := context.Background()
	p := demoCopy(t)
	var made string
	w, err := model.Open(p, model.Options{User: "newcomer", OnKeyCreated: func(path string) { made = path }})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.SetResult(ctx, model.ResultInput{ControlRef: "LA-02", Position: 0, Attribute: "A", Outcome: model.Pass}); err != nil && !strings.Contains(err.Error(), "not in the sample") {
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
		found = found || strings.Contains(n.String(), "newcomer is not on the team and signs with their own key")
	}
	if !found {
		t.Fatalf("notes: %q", r.Signatures.Notes)
	}
}

// BenchmarkVerifyDemo is verify with full replay of the demo engagement.
func BenchmarkVerifyDemo(b *testing.B) {
	dir := b.TempDir()
	p := filepath.Join(dir, "demo.fieldwork")
	if err := Write(context.Background(), p); err != nil {
		b.Fatal(err)
	}
	w, err := model.Open(p, model.Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := w.Verify(context.Background())
		if err != nil || !r.OK {
			b.Fatal(err, r.FirstProblem())
		}
	}
}
