package main

import (
	"encoding/json"
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
