package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEngagementReportDate(t *testing.T) {
	path := newEngagementFile(t) // period 2026-01-01 to 2026-12-31
	if _, e, code := runCLI(t, "engagement", path, "--report-date", "2026-11-01"); code == 0 || !strings.Contains(e, "fieldwork end date is not recorded") {
		t.Fatalf("without fieldwork end: %d %s", code, e)
	}
	if _, e, code := runCLI(t, "engagement", path, "--fieldwork-end", "2026-10-01", "--report-date", "2026-09-30"); code == 0 || !strings.Contains(e, "before fieldwork ended (2026-10-01)") {
		t.Fatalf("before fieldwork end: %d %s", code, e)
	}
	if _, e, code := runCLI(t, "engagement", path, "--report-date", "2999-01-01"); code == 0 || !strings.Contains(e, "in the future") {
		t.Fatalf("future: %d %s", code, e)
	}
	out, _, _ := runCLI(t, "engagement", path)
	if !strings.Contains(out, "Report date          —") {
		t.Fatalf("output: %s", out)
	}
	// The period ends 2026-12-31: a report date inside it is refused too.
	if _, e, code := runCLI(t, "engagement", path, "--report-date", "2026-10-02"); code == 0 || !strings.Contains(e, "before the end of the period") {
		t.Fatalf("inside the period: %d %s", code, e)
	}
}

func TestEngagementDatesJSON(t *testing.T) {
	path := newTypeIFile(t)
	out, e, code := runCLI(t, "engagement", path, "--fieldwork-end", "2026-07-10", "--report-date", "2026-07-20", "--json")
	if code != 0 {
		t.Fatalf("%d %s", code, e)
	}
	var j engagementDatesJSON
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatal(err)
	}
	if j.DescriptionAsOf != "2026-06-30" || j.ReportDate != "2026-07-20" || j.FieldworkEnd != "2026-07-10" || j.ReleaseDate != "" {
		t.Fatalf("json = %+v", j)
	}
	out, _, _ = runCLI(t, "engagement", path)
	if !strings.Contains(out, "Description as of    2026-06-30") || !strings.Contains(out, "Report date          2026-07-20") {
		t.Fatalf("text:\n%s", out)
	}
	out, _, _ = runCLI(t, "show", path)
	if !strings.Contains(out, "report date 2026-07-20") {
		t.Fatalf("show:\n%s", out)
	}
	if _, _, code := runCLI(t, "verify", path); code != 0 {
		t.Fatal("verify fails after setting the report date")
	}
}

func newTypeIFile(t *testing.T) string {
	t.Helper()
	path := t.TempDir() + "/typei.fieldwork"
	if _, e, code := runCLI(t, "new", path, "--client", "Acme Corp", "--system", "Acme Cloud", "--type", "1", "--as-of", "2026-06-30"); code != 0 {
		t.Fatalf("new: %s", e)
	}
	return path
}

// The release through the real binary: refused with what is missing and
// nothing written, then released by the partner; verify checks the seal
// and names an edited seal file.
func TestReleaseCLI(t *testing.T) {
	dir := t.TempDir()
	base := []string{"FIELDWORK_KEY_DIR=" + filepath.Join(dir, "keys")}
	alice := append(base, "FIELDWORK_USER=alice")
	james := append(base, "FIELDWORK_USER=james")
	p := filepath.Join(dir, "acme.fieldwork")
	must := func(env []string, args ...string) string {
		t.Helper()
		out, e, code := fw(t, env, args...)
		if code != 0 {
			t.Fatalf("%v: %d %s", args, code, e)
		}
		return out
	}
	must(alice, "new", p, "--client", "Acme", "--system", "Cloud", "--type", "2", "--from", "2026-01-01", "--to", "2026-06-30", "--fieldwork-end", "2026-08-01")
	must(alice, "team", "add", p, "--name", "Alice", "--role", "senior", "--login", "alice")
	must(alice, "team", "add", p, "--name", "James", "--role", "partner", "--login", "james")

	before, _ := os.ReadFile(p)
	_, e, code := fw(t, alice, "release", p, "--report-date", "2026-09-01")
	if code == 0 || !strings.Contains(e, "alice is a senior") || !strings.Contains(e, "the opinion is not signed") || !strings.Contains(e, "nothing was written") {
		t.Fatalf("release by a senior before sign-off: %d %s", code, e)
	}
	if after, _ := os.ReadFile(p); !bytes.Equal(before, after) {
		t.Fatal("a refused release changed the file")
	}
	if _, err := os.Stat(p + ".seal.json"); err == nil {
		t.Fatal("a refused release wrote a seal file")
	}
	must(james, "signoff", p, "--opinion", "--as", "partner")
	if _, e, code := fw(t, james, "release", p, "--report-date", "2026-07-01"); code == 0 || !strings.Contains(e, "before fieldwork ended") {
		t.Fatalf("report date before fieldwork end: %d %s", code, e)
	}
	wb := filepath.Join(dir, "acme.xlsx")
	must(james, "export", p, "--out", wb)
	out := must(james, "release", p, "--report-date", "2026-09-01", "--workbook", wb)
	if !strings.Contains(out, "released") || !strings.Contains(out, "report date 2026-09-01") || !strings.Contains(out, "workbook SHA-256") {
		t.Fatalf("release: %s", out)
	}
	if _, e, code := fw(t, james, "release", p, "--report-date", "2026-09-01"); code == 0 || !strings.Contains(e, "released once") {
		t.Fatalf("second release: %d %s", code, e)
	}
	out = must(james, "verify", p)
	if !strings.Contains(out, "release seal: ok") {
		t.Fatalf("verify: %s", out)
	}
	out = must(james, "engagement", p, "--json")
	var j engagementDatesJSON
	if err := json.Unmarshal([]byte(out), &j); err != nil || j.ReleaseDate == "" || j.CompletionDeadline == "" || j.ReportDate != "2026-09-01" {
		t.Fatalf("dates after release: %s %v", out, err)
	}
	// Archive: a write is refused, file untouched; an amendment allows one.
	must(james, "archive", p)
	locked, _ := os.ReadFile(p)
	if _, e, code := fw(t, alice, "note", "add", p, "--engagement", "--text", "late"); code == 0 || !strings.Contains(e, "archived on") {
		t.Fatalf("write after archive: %d %s", code, e)
	}
	if after, _ := os.ReadFile(p); !bytes.Equal(locked, after) {
		t.Fatal("a refused write changed the archived file")
	}
	must(james, "amend", p, "--reason", "late confirmation received")
	must(alice, "note", "add", p, "--engagement", "--text", "late confirmation filed")
	if _, e, code := fw(t, alice, "note", "add", p, "--engagement", "--text", "again"); code == 0 || !strings.Contains(e, "archived on") {
		t.Fatalf("second write after one amendment: %d %s", code, e)
	}
	if out := must(james, "verify", p); !strings.Contains(out, "release seal: ok") {
		t.Fatalf("verify of the archived file: %s", out)
	}
	seal, _ := os.ReadFile(p + ".seal.json")
	os.WriteFile(p+".seal.json", bytes.Replace(seal, []byte("james"), []byte("mallory"), 1), 0o644)
	out, _, code = fw(t, james, "verify", p)
	if code != 1 || !strings.Contains(out, "released by differs") {
		t.Fatalf("verify with an edited seal file: %d %s", code, out)
	}
}
