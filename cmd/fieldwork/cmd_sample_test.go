package main

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/fieldwork-audit/fieldwork/sampling"
)

// runSample runs the CLI in-process and returns stdout, stderr and the
// exit status.
func runSample(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb,
		getenv: func(string) string { return "" }})
	return out.String(), errb.String(), code
}

func wantContains(t *testing.T, what, got string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(got, p) {
			t.Errorf("%s lacks %q:\n%s", what, p, got)
		}
	}
}

func TestSampleSizeCLI(t *testing.T) {
	out, errOut, code := runSample(t, "sample", "size", "--confidence", "95", "--tolerable", "5")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	wantContains(t, "size", out, "binomial model", "sample size                59", "deviations allowed         0", "achieved upper limit       4.95%")

	// The three spellings of a rate agree; flags in any order.
	for _, args := range [][]string{
		{"--tolerable", "5%", "--confidence", "90%", "--expected", "3.5"},
		{"--confidence", "0.90", "--tolerable", "0.05", "--expected", "0.035"},
		{"--confidence=90", "--tolerable=5", "--expected=3.5%"},
	} {
		out, errOut, code := runSample(t, append([]string{"sample", "size", "--json"}, args...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		var got map[string]any
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatal(err)
		}
		if got["kind"] != "statistical" || got["sample_size"] != 400.0 || got["expected_deviations"] != 14.0 ||
			got["confidence"] != 0.9 || got["tolerable_rate"] != 0.05 || got["expected_rate"] != 0.035 || got["model"] != "binomial" ||
			got["test_all"] != false {
			t.Errorf("%v: %v", args, got)
		}
	}

	out, _, code = runSample(t, "sample", "size", "--confidence", "95", "--tolerable", "5", "--population", "52", "--model", "hypergeometric")
	if code != 0 {
		t.Fatal(code)
	}
	wantContains(t, "hypergeometric", out, "sample size                33", "tolerable deviations K     3")

	out, _, code = runSample(t, "sample", "size", "--confidence", "95", "--tolerable", "5", "--population", "40", "--json")
	var s sampling.Size
	if err := json.Unmarshal([]byte(out), &s); code != 0 || err != nil || !s.TestAll || s.SampleSize != 40 {
		t.Errorf("test all: %d %v %+v", code, err, s)
	}
}

func TestSampleSizeFrequencyCLI(t *testing.T) {
	out, _, code := runSample(t, "sample", "size", "--frequency", "daily", "--risk", "higher")
	if code != 0 {
		t.Fatal(code)
	}
	wantContains(t, "daily", out, "sample size  40", "daily: 20–40")

	out, _, code = runSample(t, "sample", "size", "--frequency", "As needed", "--population", "120", "--json")
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); code != 0 || err != nil {
		t.Fatalf("%d %v %s", code, err, out)
	}
	if got["kind"] != "frequency" || got["frequency"] != "ad-hoc" || got["sample_size"] != 15.0 || got["risk"] != "lower" {
		t.Errorf("ad-hoc: %v", got)
	}

	out, _, _ = runSample(t, "sample", "size", "--frequency", "weekly", "--population", "4", "--risk", "higher")
	wantContains(t, "small population", out, "sample size  4: test every item")

	out, _, _ = runSample(t, "sample", "size", "--frequency", "continuous")
	wantContains(t, "continuous", out, "sample size  1", "IT general controls")
}

func TestSampleEvaluateCLI(t *testing.T) {
	out, errOut, code := runSample(t, "sample", "evaluate", "--size", "60", "--deviations", "1", "--confidence", "95", "--tolerable", "5")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	wantContains(t, "evaluate", out, "sample deviation rate        1.67%", "upper deviation limit        7.66% (7.7% rounded up)",
		"allowance for sampling risk  6.00%", "NOT supported")

	out, _, code = runSample(t, "sample", "evaluate", "--json", "--size", "59", "--deviations", "0", "--confidence", "95", "--tolerable", "5")
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); code != 0 || err != nil {
		t.Fatalf("%d %v", code, err)
	}
	for k, v := range map[string]any{"sample_size": 59.0, "deviations": 0.0, "confidence": 0.95, "tolerable_rate": 0.05,
		"model": "binomial", "sample_rate": 0.0, "upper_limit_pct_rounded_up": 5.0, "conclusion": "supported"} {
		if got[k] != v {
			t.Errorf("%s = %v, want %v (%v)", k, got[k], v, got)
		}
	}
	if ul := got["upper_limit"].(float64); ul < 0.04950 || ul > 0.04951 {
		t.Errorf("upper limit %v", ul)
	}

	out, _, code = runSample(t, "sample", "evaluate", "--size", "52", "--deviations", "1", "--confidence", "95", "--population", "52", "--model", "hypergeometric")
	if code != 0 {
		t.Fatal(code)
	}
	wantContains(t, "whole population", out, "every item tested", "conclusion                   none")
}

func TestSampleDrawCLI(t *testing.T) {
	out, errOut, code := runSample(t, "sample", "draw", "--population", "100", "--size", "10", "--seed", "1", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if errOut != "" {
		t.Errorf("stderr with an explicit seed: %q", errOut)
	}
	var rec sampling.SelectionRecord
	if err := json.Unmarshal([]byte(out), &rec); err != nil {
		t.Fatal(err)
	}
	if rec.Method != sampling.Random || rec.Seed != 1 || rec.Population != 100 || rec.Size != 10 ||
		!slices.Equal(rec.Positions, []int{83, 3, 100, 95, 49, 52, 55, 90, 19, 96}) || len(rec.Sorted) != 10 {
		t.Errorf("record %+v", rec)
	}
	wantContains(t, "json", out, `"seed": "1"`, `"algorithm": "fieldwork-select/1 chacha8 sparse-fisher-yates"`)
	if d, err := sampling.Verify(rec); err != nil || len(d) != 0 {
		t.Errorf("verify %v %v", d, err)
	}

	out, _, code = runSample(t, "sample", "draw", "--method", "systematic", "--population", "260", "--size", "25", "--seed", "3")
	if code != 0 {
		t.Fatal(code)
	}
	wantContains(t, "systematic", out, "interval           10", "start              195", "positions in draw order:", "positions sorted:")

	// Without --seed a fresh one is drawn and announced.
	out, errOut, code = runSample(t, "sample", "draw", "--population", "1000000000", "--size", "25", "--json")
	if code != 0 || !strings.Contains(errOut, "drawn at random") {
		t.Fatalf("%d %q", code, errOut)
	}
	if err := json.Unmarshal([]byte(out), &rec); err != nil || len(rec.Positions) != 25 {
		t.Errorf("%v %+v", err, rec)
	}

	out, _, code = runSample(t, "sample", "draw", "--population", "12", "--method", "all", "--json")
	if err := json.Unmarshal([]byte(out), &rec); code != 0 || err != nil || rec.Size != 12 {
		t.Errorf("all: %d %v %+v", code, err, rec)
	}
	out, _, code = runSample(t, "sample", "draw", "--population", "50", "--method", "judgmental", "--positions", "40, 3,17")
	if code != 0 {
		t.Fatal(code)
	}
	wantContains(t, "judgmental", out, "fieldwork-select/1 judgmental", "positions in the order picked:\n  40   3  17")
}

func TestSampleTableCLI(t *testing.T) {
	out, errOut, code := runSample(t, "sample", "table", "--confidence", "95")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(out, "\n")
	var row0, row150 string
	for _, l := range lines {
		if strings.HasPrefix(l, "0.00%") {
			row0 = l
		}
		if strings.HasPrefix(l, "1.50%") {
			row150 = l
		}
	}
	if f := strings.Fields(row0); strings.Join(f, " ") != "0.00% 149 (0) 99 (0) 74 (0) 59 (0) 49 (0) 42 (0) 36 (0) 32 (0) 29 (0) 19 (0) 14 (0)" {
		t.Errorf("row 0.00%%: %q", row0)
	}
	if f := strings.Fields(row150); len(f) < 2 || f[1] != "*" || !strings.Contains(row150, "392 (6)") {
		t.Errorf("row 1.50%%: %q", row150)
	}
	// Aligned: every row as long as the header.
	var width int
	for _, l := range lines {
		if strings.HasPrefix(l, "rate ") {
			width = len(l)
		}
		if len(l) > 0 && l[0] >= '0' && l[0] <= '9' && len(l) != width {
			t.Errorf("row %q is %d wide, header %d", l, len(l), width)
		}
	}

	out, _, code = runSample(t, "sample", "table", "--confidence", "90", "--json")
	var tab struct {
		Confidence float64   `json:"confidence"`
		Model      string    `json:"model"`
		Tolerable  []float64 `json:"tolerable_rates"`
		Rows       []struct {
			Expected float64          `json:"expected_rate"`
			Cells    []map[string]any `json:"cells"`
		} `json:"rows"`
	}
	if err := json.Unmarshal([]byte(out), &tab); code != 0 || err != nil {
		t.Fatalf("%d %v", code, err)
	}
	if tab.Confidence != 0.9 || tab.Model != "binomial" || len(tab.Tolerable) != 11 || len(tab.Rows) != 26 {
		t.Fatalf("table %+v", tab)
	}
	cells := 0
	for _, r := range tab.Rows {
		for _, c := range r.Cells {
			if c["omitted"] == true {
				if _, has := c["sample_size"]; has {
					t.Errorf("omitted cell with a size: %v", c)
				}
				continue
			}
			cells++
		}
	}
	if cells != 198 {
		t.Errorf("%d cells at 90%%, want 198 as the guide", cells)
	}
	// 7% tolerable, 3.25% expected: 113, not the guide's 112.
	if c := tab.Rows[13].Cells[5]; tab.Rows[13].Expected != 0.0325 || c["sample_size"] != 113.0 {
		t.Errorf("A-2 3.25%%/7%%: %v", c)
	}
}

func TestSampleUsageErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"sample", "size"}, "--confidence"},
		{[]string{"sample", "size", "--confidence", "95"}, "missing --tolerable"},
		{[]string{"sample", "size", "--confidence", "95", "--tolerable", "5", "--expected", "5"}, "must be below --tolerable"},
		{[]string{"sample", "size", "--confidence", "95", "--tolerable", "2", "--expected", "3"}, "must be below --tolerable"},
		{[]string{"sample", "size", "--confidence", "95", "--tolerable", "5", "--expected", "0.25"}, "read as a fraction"},
		{[]string{"sample", "size", "--confidence", "100", "--tolerable", "5"}, "below 100%"},
		{[]string{"sample", "size", "--confidence", "0", "--tolerable", "5"}, "above 0%"},
		{[]string{"sample", "size", "--confidence", "-95", "--tolerable", "5"}, "negative"},
		{[]string{"sample", "size", "--confidence", "95", "--tolerable", "abc"}, "--tolerable"},
		{[]string{"sample", "size", "--confidence", "95", "--tolerable", "5", "--model", "normal"}, "unknown model"},
		{[]string{"sample", "size", "--confidence", "95", "--tolerable", "5", "--model", "hypergeometric"}, "needs --population"},
		{[]string{"sample", "size", "--confidence", "95", "--tolerable", "5", "--population", "-3"}, "negative"},
		{[]string{"sample", "size", "--frequency", "daily", "--confidence", "95"}, "does not combine"},
		{[]string{"sample", "size", "--frequency", "fortnightly"}, "unknown frequency"},
		{[]string{"sample", "size", "--frequency", "ad-hoc"}, "population"},
		{[]string{"sample", "size", "--frequency", "daily", "--risk", "medium"}, "unknown risk"},
		{[]string{"sample", "size", "--risk", "higher", "--confidence", "95", "--tolerable", "5"}, "--risk goes with --frequency"},
		{[]string{"sample", "size", "extra", "--confidence", "95", "--tolerable", "5"}, "unexpected argument"},
		{[]string{"sample", "evaluate", "--deviations", "1", "--confidence", "95"}, "missing --size"},
		{[]string{"sample", "evaluate", "--size", "60", "--confidence", "95"}, "missing --deviations"},
		{[]string{"sample", "evaluate", "--size", "60", "--deviations", "-1", "--confidence", "95"}, "negative"},
		{[]string{"sample", "evaluate", "--size", "60", "--deviations", "61", "--confidence", "95"}, "exceeds"},
		{[]string{"sample", "evaluate", "--size", "60", "--deviations", "1"}, "--confidence"},
		{[]string{"sample", "evaluate", "--size", "60", "--deviations", "1", "--confidence", "95", "--population", "50"}, "exceeds --population"},
		{[]string{"sample", "evaluate", "--size", "60", "--deviations", "1", "--confidence", "95", "--tolerable", "100"}, "below 100%"},
		{[]string{"sample", "draw", "--size", "10"}, "missing --population"},
		{[]string{"sample", "draw", "--population", "10"}, "missing --size"},
		{[]string{"sample", "draw", "--population", "10", "--size", "11"}, "exceeds --population"},
		{[]string{"sample", "draw", "--population", "0", "--size", "1"}, "at least 1"},
		{[]string{"sample", "draw", "--population", "10", "--size", "-2"}, "at least 1"},
		{[]string{"sample", "draw", "--population", "10", "--size", "2", "--seed", "-1"}, "--seed"},
		{[]string{"sample", "draw", "--population", "10", "--size", "2", "--method", "stratified"}, "unknown selection method"},
		{[]string{"sample", "draw", "--population", "10", "--method", "judgmental"}, "--positions"},
		{[]string{"sample", "draw", "--population", "10", "--method", "judgmental", "--positions", "3,3"}, "twice"},
		{[]string{"sample", "draw", "--population", "10", "--method", "judgmental", "--positions", "11"}, "outside"},
		{[]string{"sample", "draw", "--population", "10", "--size", "2", "--sha256", "xyz"}, "SHA-256"},
		{[]string{"sample", "table"}, "--confidence"},
		{[]string{"sample", "table", "--confidence", "95", "--model", "hypergeometric"}, "needs --population"},
	} {
		out, errOut, code := runSample(t, c.args...)
		if code != exitUsage {
			t.Errorf("%v: exit %d, want 2 (stdout %q, stderr %q)", c.args, code, out, errOut)
			continue
		}
		if !strings.Contains(errOut, c.msg) || !strings.Contains(errOut, "usage: fieldwork sample") {
			t.Errorf("%v: stderr %q lacks %q", c.args, errOut, c.msg)
		}
	}
	// A plan too close to call is a failure, not a usage error.
	_, errOut, code := runSample(t, "sample", "size", "--confidence", "95", "--tolerable", "2", "--expected", "1.99")
	if code != exitFail || !strings.Contains(errOut, "too large") {
		t.Errorf("too large: %d %q", code, errOut)
	}
	// --help answers and exits 0.
	out, _, code := runSample(t, "sample", "draw", "--help")
	if code != 0 || !strings.Contains(out, "-seed") {
		t.Errorf("help: %d %q", code, out)
	}
}

// TestSampleDrawWithFile: with FILE, sample draw draws for a control of that
// workpaper (its messages are about the file and --control); without FILE it
// is the stand-alone draw.
func TestSampleDrawWithFile(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"wp.fieldwork", "--control", "C1"}, "wp.fieldwork: no such workpaper"},
		{[]string{"--control", "C1", "wp.fieldwork"}, "wp.fieldwork: no such workpaper"},
		{[]string{"--json", "wp.fieldwork"}, "missing --control ID"},
		{[]string{"--seed", "5", "wp"}, "missing --control ID"},
	} {
		_, errOut, code := runSample(t, append([]string{"sample", "draw"}, c.args...)...)
		if code == 0 || !strings.Contains(errOut, c.want) || strings.Contains(errOut, "missing --population") {
			t.Errorf("%v: exit %d %q, want the workpaper mode's %q", c.args, code, errOut, c.want)
		}
	}
	if _, errOut, code := runSample(t, "sample", "draw", "--population", "10", "--size", "2", "--seed", "1"); code != 0 {
		t.Errorf("stand-alone draw: %d %q", code, errOut)
	}
}
