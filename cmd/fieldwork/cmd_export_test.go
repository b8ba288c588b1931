package main

import (
	"archive/zip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/fieldwork-audit/fieldwork/export"
	"github.com/fieldwork-audit/fieldwork/model"
)

// demoFile writes the demo engagement with the CLI.
func demoFile(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "harborview.fieldwork")
	if _, stderr, code := runCLI(t, "demo", path); code != 0 {
		t.Fatalf("demo: %d %s", code, stderr)
	}
	return path
}

func TestExportCommand(t *testing.T) {
	path := demoFile(t)
	dir := filepath.Dir(path)

	// Default name beside the workpaper; JSON shape.
	out, stderr, code := runCLI(t, "export", path, "--json")
	if code != 0 {
		t.Fatalf("export: %d %s", code, stderr)
	}
	var res struct {
		Path          string            `json:"path"`
		Bytes         int64             `json:"bytes"`
		Cells         int64             `json:"cells"`
		Sheets        []string          `json:"sheets"`
		ControlSheets map[string]string `json:"control_sheets"`
		Skipped       []string          `json:"controls_without_test_work"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	want := filepath.Join(dir, "harborview-workpapers-"+time.Now().Format("20060102")+".xlsx")
	if res.Path != want || res.Bytes == 0 || res.Cells == 0 || len(res.Sheets) != 13 || res.ControlSheets["WP-LA-03"] != "WP-LA-03" || len(res.Skipped) != 42 {
		t.Fatalf("export json = %+v (want path %s)", res, want)
	}
	f, err := excelize.OpenFile(res.Path)
	if err != nil {
		t.Fatal(err)
	}
	props, _ := f.GetDocProps()
	f.Close()
	if props.Creator != "ci-user" {
		t.Errorf("author = %q, want the acting user", props.Creator)
	}

	// Never overwritten silently; --force replaces.
	before, _ := os.ReadFile(res.Path)
	_, stderr, code = runCLI(t, "export", path)
	if code != exitFail || !strings.Contains(stderr, "already exists") || !strings.Contains(stderr, "--force") {
		t.Fatalf("second export: %d %q", code, stderr)
	}
	if after, _ := os.ReadFile(res.Path); string(after) != string(before) {
		t.Fatal("the existing workbook changed")
	}
	out, stderr, code = runCLI(t, "export", "--force", path, "--out", res.Path, "--sections", "section4,opinion", "--include-trail")
	if code != 0 || !strings.HasPrefix(out, "wrote "+res.Path+": 3 sheets") {
		t.Fatalf("forced export: %d %q %q", code, out, stderr)
	}

	// A custom template; a broken one is refused before anything is written.
	tmpl := filepath.Join(dir, "firm.tmpl")
	os.WriteFile(tmpl, []byte("## Firm draft for {{.Client}}\n\nOpinion: {{.Opinion}}\n"), 0o644)
	book := filepath.Join(dir, "custom.xlsx")
	if _, stderr, code := runCLI(t, "export", path, "--out", book, "--template", tmpl, "--sections", "opinion"); code != 0 {
		t.Fatalf("template export: %d %s", code, stderr)
	}
	f, _ = excelize.OpenFile(book)
	rows, _ := f.GetRows("Opinion draft")
	f.Close()
	if !slices.ContainsFunc(rows, func(r []string) bool { return len(r) > 0 && r[0] == "Opinion: qualified" }) {
		t.Errorf("custom template not used: %q", rows)
	}
	os.WriteFile(tmpl, []byte("{{.Client"), 0o644)
	bad := filepath.Join(dir, "bad.xlsx")
	if _, stderr, code := runCLI(t, "export", path, "--out", bad, "--template", tmpl); code != exitFail || !strings.Contains(stderr, "opinion template") {
		t.Errorf("broken template: %d %q", code, stderr)
	}
	if _, err := os.Stat(bad); err == nil {
		t.Error("a workbook was written with a broken template")
	}

	// Usage errors exit 2.
	for _, args := range [][]string{{"export", path, "--sections", "cover,nope"}, {"export"}, {"export", path, "extra"}} {
		if _, stderr, code := runCLI(t, args...); code != exitUsage {
			t.Errorf("%v: exit %d (%s)", args, code, stderr)
		}
	}
}

func TestExportPBCCommand(t *testing.T) {
	path := demoFile(t)
	out := filepath.Join(t.TempDir(), "requests.xlsx")
	stdout, stderr, code := runCLI(t, "export-pbc", path, "--out", out)
	if code != 0 || !strings.HasPrefix(stdout, "wrote "+out) {
		t.Fatalf("export-pbc: %d %q %q", code, stdout, stderr)
	}
	f, err := excelize.OpenFile(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, []string{"PBC requests"}) {
		t.Fatalf("sheets = %q", got)
	}
	if _, _, code := runCLI(t, "export-pbc", path, "--out", out); code != exitFail {
		t.Errorf("overwrite without --force: exit %d", code)
	}
}

func TestImportResultsCommand(t *testing.T) {
	path := demoFile(t)
	book := filepath.Join(t.TempDir(), "book.xlsx")
	if _, stderr, code := runCLI(t, "export", path, "--out", book, "--sections", "tests"); code != 0 {
		t.Fatalf("export: %s", stderr)
	}
	w, err := model.Open(path, model.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	sel, _ := w.Selection(bg, "LA-02")
	w.Close()
	// Type a result for item 9 of LA-02 (not yet tested) and a bad one for item 10.
	f, _ := excelize.OpenFile(book)
	rows, _ := f.GetRows("WP-LA-02")
	var key []string
	for i, r := range rows {
		if len(r) > 0 && strings.HasPrefix(r[0], "fieldwork-grid/1|") {
			key = r
			continue
		}
		if key != nil && len(r) > 1 && (r[1] == strconv.Itoa(sel.Items[8].Position) || r[1] == strconv.Itoa(sel.Items[9].Position)) {
			col, _ := excelize.ColumnNumberToName(slices.Index(key, "A:outcome") + 1)
			v := "pass"
			if r[1] == strconv.Itoa(sel.Items[9].Position) {
				v = "perhaps"
			}
			f.SetCellStr("WP-LA-02", col+strconv.Itoa(i+1), v)
		}
	}
	f.Save()
	f.Close()

	// Without --apply: listed, nothing written.
	out, stderr, code := runCLI(t, "import-results", path, book)
	if code != 0 || !strings.Contains(out, "CHANGES TO APPLY") || !strings.Contains(out, "WP-LA-02") || !strings.Contains(out, `outcome "perhaps"`) ||
		!strings.Contains(out, "1 changes to apply, 0 conflicts, 1 invalid") || !strings.Contains(out, "nothing was written") {
		t.Fatalf("plan: %d %q %q", code, out, stderr)
	}
	w, _ = model.Open(path, model.Options{ReadOnly: true})
	rs, _ := w.Results(bg, "LA-02")
	w.Close()
	if len(rs) != 8 {
		t.Fatalf("the plan wrote results: %d", len(rs))
	}
	// JSON shape.
	out, _, _ = runCLI(t, "import-results", path, book, "--json")
	var plan export.ImportPlan
	if err := json.Unmarshal([]byte(out), &plan); err != nil || len(plan.Changes) != 1 || plan.Changes[0].To.Outcome != "pass" || plan.Changes[0].Action != "add" || len(plan.Invalid) != 1 {
		t.Fatalf("json plan: %v %s", err, out)
	}
	// --apply records the change and exits 1 for the refused entry.
	out, stderr, code = runCLI(t, "import-results", path, book, "--apply")
	if code != exitFail || !strings.Contains(out, "CHANGES APPLIED") || !strings.Contains(stderr, "1 entries refused") {
		t.Fatalf("apply: %d %q %q", code, out, stderr)
	}
	w, _ = model.Open(path, model.Options{ReadOnly: true})
	defer w.Close()
	rs, _ = w.Results(bg, "LA-02")
	if len(rs) != 9 || rs[8].Position != sel.Items[8].Position || rs[8].Outcome != model.Pass || rs[8].TestedBy != "ci-user" {
		t.Fatalf("after apply: %d results, %+v", len(rs), rs[len(rs)-1])
	}
	if _, _, code := runCLI(t, "import-results", path); code != exitUsage {
		t.Errorf("missing book: exit %d", code)
	}
}

func TestOpinionCommands(t *testing.T) {
	path := demoFile(t)
	out, stderr, code := runCLI(t, "opinion", path, "--json")
	if code != 0 {
		t.Fatalf("opinion: %d %s", code, stderr)
	}
	var d model.OpinionDraft
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	// CC8.1 is not met: CHG-01, a key control, is not effective and nothing compensates.
	if d.Proposed != model.OpinionQualified || d.Final || d.InScope != 38 || len(d.Open) == 0 || !strings.Contains(out, `"criteria_in_scope": 38`) {
		t.Fatalf("opinion json: %s", out)
	}
	out, _, _ = runCLI(t, "opinion", path)
	if !strings.Contains(out, "Proposed: Qualified opinion") || !strings.Contains(out, "Criteria open or at risk:") || !strings.Contains(out, "EX-01 (WP-CHG-01)") {
		t.Fatalf("opinion text: %s", out)
	}

	if _, stderr, code := runCLI(t, "opinion", "override", path, "--as", "qualified"); code != exitUsage || !strings.Contains(stderr, "reason") {
		t.Fatalf("override without reason: %d %s", code, stderr)
	}
	if _, _, code := runCLI(t, "opinion", "override", path, "--as", "favourable", "--reason", "x"); code != exitUsage {
		t.Fatalf("unknown opinion: exit %d", code)
	}
	out, stderr, code = runCLI(t, "opinion", "override", path, "--as", "qualified", "--reason", "Scope limitation on Q3 access reviews")
	if code != 0 || !strings.Contains(out, "Qualified opinion") {
		t.Fatalf("override: %d %q %q", code, out, stderr)
	}
	out, _, _ = runCLI(t, "opinion", path, "--json")
	json.Unmarshal([]byte(out), &d)
	if d.Opinion != model.OpinionQualified || d.Override != model.OpinionQualified || d.OverrideReason != "Scope limitation on Q3 access reviews" || d.Proposed != model.OpinionQualified {
		t.Fatalf("after override: %+v", d)
	}
	if out, _, code := runCLI(t, "opinion", "override", path, "--as", "clear"); code != 0 || !strings.Contains(out, "removed") {
		t.Fatalf("clear: %d %q", code, out)
	}
	out, _, _ = runCLI(t, "opinion", path, "--json")
	d = model.OpinionDraft{}
	json.Unmarshal([]byte(out), &d)
	if d.Override != "" || d.Opinion != model.OpinionQualified {
		t.Fatalf("after clear: %+v", d)
	}

	out, _, code = runCLI(t, "opinion", "template")
	if code != 0 || out != export.DefaultTemplate || !strings.Contains(out, "{{.Client}}") {
		t.Fatalf("template: %d %q", code, out[:min(len(out), 80)])
	}
}

// TestExportPBCWordingAndCells: no double full stop after a client name
// ending in "." (the demo's "Harborview Payroll, Inc."), and --json
// reports the cells actually in the sheet.
func TestExportPBCWordingAndCells(t *testing.T) {
	path := demoFile(t)
	out := filepath.Join(t.TempDir(), "requests.xlsx")
	stdout, stderr, code := runCLI(t, "export-pbc", path, "--out", out, "--json")
	if code != 0 {
		t.Fatalf("export-pbc --json: %d %q", code, stderr)
	}
	var res struct {
		Cells int64 `json:"cells"`
	}
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatalf("%v: %q", err, stdout)
	}
	f, err := excelize.OpenFile(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rs, err := f.GetRows("PBC requests")
	if err != nil {
		t.Fatal(err)
	}
	all := ""
	for _, r := range rs {
		all += strings.Join(r, "|") + "\n"
	}
	if !strings.Contains(all, "requests from Harborview Payroll, Inc. Please") || strings.Contains(all, "Inc..") {
		t.Errorf("request list wording:\n%s", all)
	}
	// Every cell element in the sheet's XML is a cell written.
	r, err := zip.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var written int64
	for _, zf := range r.File {
		if strings.HasPrefix(zf.Name, "xl/worksheets/sheet") {
			rc, err := zf.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(rc)
			rc.Close()
			written += int64(strings.Count(string(b), "<c "))
		}
	}
	if written == 0 || res.Cells != written {
		t.Errorf("--json cells = %d, the sheet holds %d", res.Cells, written)
	}
}
