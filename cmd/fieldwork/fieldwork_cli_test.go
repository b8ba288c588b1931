package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// mustRun runs the CLI and fails the test on a non-zero exit.
func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	out, stderr, code := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("%v: exit %d: %s", args, code, stderr)
	}
	return out
}

func TestFieldworkCLIFlow(t *testing.T) {
	path := newEngagementFile(t)
	dir := filepath.Dir(path)
	mustRun(t, "controls", "import", path, "../../testdata/matrices/clean.csv")

	var b strings.Builder
	b.WriteString("Request,Date,Approver\n")
	for i := 1; i <= 120; i++ {
		fmt.Fprintf(&b, "R-%03d,2026-%02d-15,Ann\n", i, i%12+1)
	}
	b.WriteString("R-007,2026-02-01,Dup\nR-999,2027-02-01,Late\n")
	src := filepath.Join(dir, "pop.csv")
	os.WriteFile(src, []byte(b.String()), 0o644)

	var pop struct {
		Rows       int    `json:"rows"`
		SHA256     string `json:"sha256"`
		OutOfP     int    `json:"out_of_period"`
		Duplicates int    `json:"duplicate_id_rows"`
	}
	out := mustRun(t, "population", "import", path, src, "--control", "NL-04", "--id-column", "Request", "--date-column", "Date", "--json")
	if err := json.Unmarshal([]byte(out), &pop); err != nil {
		t.Fatal(err)
	}
	if pop.Rows != 122 || pop.OutOfP != 1 || pop.Duplicates != 2 || len(pop.SHA256) != 64 {
		t.Fatalf("population: %s", out)
	}

	var plan struct {
		Size int `json:"size"`
	}
	json.Unmarshal([]byte(mustRun(t, "sample", "plan", path, "--control", "NL-04", "--confidence", "95", "--tolerable", "10%", "--json")), &plan)
	if plan.Size != 29 {
		t.Fatalf("95%%/10%% plan size = %d, want 29", plan.Size)
	}
	var draw struct {
		Record struct {
			Seed string `json:"seed"`
		} `json:"record"`
		Items []struct {
			Position int `json:"position"`
		} `json:"items"`
	}
	json.Unmarshal([]byte(mustRun(t, "sample", "draw", path, "--control", "NL-04", "--seed", "99", "--json")), &draw)
	if len(draw.Items) != 29 || draw.Record.Seed != "99" {
		t.Fatalf("draw: %+v", draw)
	}
	first := fmt.Sprint(draw.Items[0].Position)

	// Usage errors exit 2 and change nothing.
	if _, _, code := runCLI(t, "result", "set", path, "--control", "NL-04", "--item", first, "--pass", "--deviation"); code != exitUsage {
		t.Fatalf("two outcomes: exit %d", code)
	}
	mustRun(t, "result", "set", path, "--control", "NL-04", "--item", first, "--deviation", "--note", "late approval")
	for _, it := range draw.Items[1:] {
		mustRun(t, "result", "set", path, "--control", "NL-04", "--item", fmt.Sprint(it.Position), "--pass")
	}
	mustRun(t, "exception", "add", path, "--control", "NL-04", "--items", first, "--description", "Approved late", "--evaluation", "isolated", "--cause", "typo")
	// An edit adds an item and empties a field; a field that cannot be emptied is a usage error.
	second := fmt.Sprint(draw.Items[1].Position)
	mustRun(t, "exception", "update", path, "--ref", "EX-01", "--add-items", second, "--clear", "cause")
	if _, stderr, code := runCLI(t, "exception", "update", path, "--ref", "EX-01", "--clear", "description"); code != exitUsage || !strings.Contains(stderr, "cannot be emptied") {
		t.Fatalf("--clear description: exit %d: %s", code, stderr)
	}
	var xs []struct {
		Items []int  `json:"items"`
		Cause string `json:"cause"`
	}
	json.Unmarshal([]byte(mustRun(t, "exception", "list", path, "--json")), &xs)
	if len(xs) != 1 || len(xs[0].Items) != 2 || xs[0].Cause != "" {
		t.Fatalf("exception after update: %+v", xs)
	}
	var ev struct {
		Deviations int    `json:"deviations"`
		Proposed   string `json:"proposed"`
	}
	json.Unmarshal([]byte(mustRun(t, "evaluate", path, "--control", "NL-04", "--json")), &ev)
	// n=29, k=1 at 95%: upper limit about 15.4% > 10%.
	if ev.Deviations != 1 || ev.Proposed != "not-effective" {
		t.Fatalf("evaluate: %+v", ev)
	}
	mustRun(t, "conclude", path, "--control", "NL-04", "--as", "not-effective")
	mustRun(t, "team", "add", path, "--name", "CI User", "--role", "preparer", "--login", "ci-user")
	mustRun(t, "team", "add", path, "--name", "Olivia Brandt", "--role", "reviewer", "--login", "olivia")
	mustRun(t, "signoff", path, "--control", "NL-04", "--as", "preparer")
	if _, stderr, code := runCLI(t, "signoff", path, "--control", "NL-04", "--as", "reviewer"); code != exitFail || !strings.Contains(stderr, "not a senior, manager or partner") {
		t.Fatalf("self-review: %d %s", code, stderr)
	}
	mustRun(t, "signoff", path, "--control", "NL-04", "--as", "reviewer", "--user", "olivia")
	mustRun(t, "note", "add", path, "--control", "NL-04", "--text", "Why late?", "--user", "olivia")
	mustRun(t, "note", "respond", path, "--ref", "RN-001", "--text", "Manager on leave")
	mustRun(t, "pbc", "add", path, "--item", "Access requests", "--control", "NL-04", "--due", "2026-10-01")
	mustRun(t, "interview", "add", path, "--person", "Sam", "--date", "2026-10-02", "--summary", "Walkthrough", "--controls", "NL-04")

	var st struct {
		ByState        map[string]int `json:"by_state"`
		Exceptions     int            `json:"exceptions"`
		RespondedNotes int            `json:"responded_review_notes"`
		OutstandingPBC int            `json:"outstanding_pbc"`
		AtRisk         []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"criteria_at_risk"`
	}
	json.Unmarshal([]byte(mustRun(t, "status", path, "--json")), &st)
	if st.ByState["reviewed"] != 1 || st.Exceptions != 1 || st.RespondedNotes != 1 || st.OutstandingPBC != 1 || len(st.AtRisk) != 1 || st.AtRisk[0].ID != "CC6.2" {
		t.Fatalf("status: %+v", st)
	}
	var trail []map[string]any
	json.Unmarshal([]byte(mustRun(t, "log", path, "--control", "NL-04", "--json")), &trail)
	if len(trail) < 30 {
		t.Fatalf("trail has %d entries", len(trail))
	}
	var vr struct {
		OK bool `json:"ok"`
	}
	json.Unmarshal([]byte(mustRun(t, "verify", path, "--json")), &vr)
	if !vr.OK {
		t.Fatal("verify failed")
	}
	mustRun(t, "sample", "verify", path, "--control", "NL-04", "--source", src)
	os.WriteFile(src, []byte("Request,Date\nR-001,2026-01-01\n"), 0o644)
	if out, _, code := runCLI(t, "sample", "verify", path, "--control", "NL-04", "--source", src); code != exitFail || !strings.Contains(out, "changed since import") {
		t.Fatalf("changed source: exit %d: %s", code, out)
	}
}

func TestPopulationImportRefusesBadInput(t *testing.T) {
	path := newEngagementFile(t)
	mustRun(t, "controls", "import", path, "../../testdata/matrices/clean.csv")
	before, _ := os.ReadFile(path)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"population", "import", path, "../../testdata/matrices/legacy.xls", "--control", "NL-04"}, exitFail, ".xls"},
		{[]string{"population", "import", path, "../../testdata/matrices/binary.csv", "--control", "NL-04"}, exitFail, "binary.csv"},
		{[]string{"population", "import", path, "nope.csv", "--control", "NL-04"}, exitFail, "nope.csv"},
		{[]string{"population", "import", path, "../../testdata/matrices/clean.csv"}, exitUsage, "--control"},
		{[]string{"population", "import", path, "../../testdata/matrices/clean.csv", "--control", "NL-04", "--replace"}, exitUsage, "--reason"},
	} {
		_, stderr, code := runCLI(t, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q", tc.args, code, stderr)
		}
	}
	after, _ := os.ReadFile(path)
	if string(before) != string(after) {
		t.Fatal("a refused import changed the workpaper")
	}
}

func TestControlsImportReportsEveryIssue(t *testing.T) {
	path := newEngagementFile(t)
	before, _ := os.ReadFile(path)
	_, stderr, code := runCLI(t, "controls", "import", path, "../../testdata/matrices/invalid.csv")
	if code != exitFail || !strings.Contains(stderr, "nothing was imported") || strings.Count(stderr, "invalid.csv:") < 4 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	after, _ := os.ReadFile(path)
	if string(before) != string(after) {
		t.Fatal("an invalid matrix changed the workpaper")
	}
	out := mustRun(t, "controls", "import", path, "../../testdata/matrices/messy.xlsx", "--json")
	if !strings.Contains(out, `"added"`) {
		t.Fatal(out)
	}
	var sum struct {
		Unchanged []string `json:"unchanged"`
	}
	json.Unmarshal([]byte(mustRun(t, "controls", "import", path, "../../testdata/matrices/messy.xlsx", "--json")), &sum)
	if len(sum.Unchanged) == 0 {
		t.Fatal("re-import of the same matrix changed controls")
	}
}
