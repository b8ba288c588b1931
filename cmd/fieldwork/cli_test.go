package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCLI runs the CLI in-process and returns stdout, stderr and the exit status.
func runCLI(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb,
		getenv: func(k string) string {
			if k == "FIELDWORK_USER" {
				return "ci-user"
			}
			return ""
		}})
	return out.String(), errb.String(), code
}

func newEngagementFile(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "acme.fieldwork")
	_, stderr, code := runCLI(t, "new", path, "--client", "Acme Corp", "--system", "Acme Cloud",
		"--type", "2", "--from", "2026-01-01", "--to", "2026-12-31", "--categories", "availability,confidentiality",
		"--firm", "Calder & Finch LLP")
	if code != 0 {
		t.Fatalf("new: %d %s", code, stderr)
	}
	return path
}

func TestVersionAndHelp(t *testing.T) {
	out, _, code := runCLI(t, "--version")
	if code != 0 || !strings.HasPrefix(out, "fieldwork ") {
		t.Fatalf("--version: %d %q", code, out)
	}
	out, _, code = runCLI(t, "help")
	if code != 0 || !strings.Contains(out, "controls import") {
		t.Fatalf("help: %d %q", code, out)
	}
	out, _, code = runCLI(t, "new", "--help")
	if code != 0 || !strings.Contains(out, "-client") {
		t.Fatalf("new --help: %d %q", code, out)
	}
	_, errOut, code := runCLI(t, "frobnicate")
	if code != exitUsage || !strings.Contains(errOut, "unknown command") {
		t.Fatalf("unknown: %d %q", code, errOut)
	}
}

func TestNewShowCriteria(t *testing.T) {
	path := newEngagementFile(t)
	// Flags after the positional argument, as the README shows.
	out, stderr, code := runCLI(t, "show", path, "--json")
	if code != 0 {
		t.Fatalf("show: %d %s", code, stderr)
	}
	var eng engagementJSON
	if err := json.Unmarshal([]byte(out), &eng); err != nil {
		t.Fatal(err)
	}
	if eng.Client != "Acme Corp" || eng.Type != 2 || len(eng.Categories) != 3 || eng.Firm != "Calder & Finch LLP" {
		t.Fatalf("show json: %+v", eng)
	}

	out, _, code = runCLI(t, "criteria", "--json", path)
	if code != 0 {
		t.Fatal(code)
	}
	var crit struct {
		Criteria []struct {
			ID      string `json:"id"`
			InScope bool   `json:"in_scope"`
			Gap     bool   `json:"gap"`
		} `json:"criteria"`
		Categories []categoryCoverage `json:"categories"`
	}
	if err := json.Unmarshal([]byte(out), &crit); err != nil {
		t.Fatal(err)
	}
	if len(crit.Criteria) != 61 || crit.Categories[0].Gaps != 33 || crit.Categories[1].Gaps != 3 || crit.Categories[4].InScope {
		t.Fatalf("criteria json: %d criteria, %+v", len(crit.Criteria), crit.Categories)
	}
}

func TestNewUsageErrors(t *testing.T) {
	dir := t.TempDir()
	cases := [][]string{
		{"new", filepath.Join(dir, "a.fieldwork"), "--client", "A", "--system", "S", "--type", "2", "--from", "2026-01-01"},
		{"new", filepath.Join(dir, "b.fieldwork"), "--client", "A", "--system", "S", "--type", "1"},
		{"new", filepath.Join(dir, "c.fieldwork"), "--client", "A", "--system", "S", "--type", "2", "--from", "2026-13-01", "--to", "2026-12-31"},
		{"new", filepath.Join(dir, "d.fieldwork"), "--client", "A", "--system", "S", "--type", "1", "--as-of", "2026-01-01", "--categories", "secrecy"},
		{"new", "--client", "A"},
	}
	for _, args := range cases {
		_, stderr, code := runCLI(t, args...)
		if code != exitUsage {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, stderr)
		}
		if strings.Count(strings.TrimSpace(stderr), "\n") > 1 {
			t.Errorf("%v: error is not one line plus usage: %q", args, stderr)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Fatalf("usage errors left files: %v", entries)
	}
}

func TestOpenRefusesNonWorkpaper(t *testing.T) {
	p := filepath.Join(t.TempDir(), "matrix.csv")
	os.WriteFile(p, []byte("a,b\n"), 0o644)
	_, stderr, code := runCLI(t, "criteria", p)
	if code != exitFail || !strings.Contains(stderr, "not a fieldwork workpaper") || !strings.Contains(stderr, p) {
		t.Fatalf("exit %d: %q", code, stderr)
	}
}

func TestOpenWithoutTerminal(t *testing.T) {
	path := newEngagementFile(t)
	_, stderr, code := runCLI(t, path)
	if code != exitFail || !strings.Contains(stderr, "needs a terminal") {
		t.Fatalf("exit %d: %q", code, stderr)
	}
}

func TestTeamSubserviceComplementary(t *testing.T) {
	path := newEngagementFile(t)
	for _, args := range [][]string{
		{"team", "add", path, "--name", "Olivia Brandt", "--role", "reviewer"},
		{"subservice", "add", path, "--name", "Stratus Cloud", "--method", "carve-out", "--services", "hosting"},
		{"csoc", "add", path, "--ref", "CSOC-01", "--text", "Physical access", "--subservice", "Stratus Cloud", "--criteria", "CC6.4"},
		{"cuec", "add", path, "--ref", "CUEC-01", "--text", "Customers manage their users", "--criteria", "CC6.2,CC6.3"},
	} {
		if _, stderr, code := runCLI(t, args...); code != 0 {
			t.Fatalf("%v: %d %s", args, code, stderr)
		}
	}
	_, stderr, code := runCLI(t, "team", "add", path, "--name", "X", "--role", "intern")
	if code != exitFail || !strings.Contains(stderr, "unknown role") {
		t.Fatalf("bad role: %d %s", code, stderr)
	}
	out, _, _ := runCLI(t, "show", path, "--json")
	var eng engagementJSON
	json.Unmarshal([]byte(out), &eng)
	if len(eng.Team) != 1 || eng.Subservice[0]["method"] != "carve-out" || len(eng.CSOCs) != 1 || len(eng.CUECs[0].Criteria) != 2 {
		t.Fatalf("show: %s", out)
	}
}
