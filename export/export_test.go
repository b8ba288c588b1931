package export

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/fieldwork-audit/fieldwork/internal/demo"
	"github.com/fieldwork-audit/fieldwork/model"
)

// demoPath is the demo workpaper, written once for the package's tests.
var demoPath string

var exportClock = time.Date(2026, 11, 2, 14, 30, 0, 0, time.UTC)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "fieldwork-export-test-*")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	demoPath = filepath.Join(dir, "harborview.fieldwork")
	if err := demo.Write(context.Background(), demoPath); err != nil {
		fmt.Fprintln(os.Stderr, "writing the demo:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// copyDemo copies the demo workpaper for a test that changes it.
func copyDemo(t testing.TB) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "harborview.fieldwork")
	in, err := os.Open(demoPath)
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
	return dst
}

func openWP(t testing.TB, path string, readOnly bool) *model.Workpaper {
	t.Helper()
	w, err := model.Open(path, model.Options{User: "dev.patel", ReadOnly: readOnly, Now: func() time.Time { return exportClock }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

func testOptions(path string) Options {
	return Options{Path: path, Version: "1.2.3-test", User: "olivia.brandt", Now: exportClock, Location: time.UTC}
}

// exportTo exports w with opt and opens the workbook.
func exportTo(t testing.TB, w *model.Workpaper, opt Options) (*excelize.File, *Result) {
	t.Helper()
	res, err := Write(context.Background(), w, opt, nil)
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(opt.Path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f, res
}

func rows(t testing.TB, f *excelize.File, sheet string) [][]string {
	t.Helper()
	rs, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// findRow returns the 1-based number and cells of the first row whose
// cells include all of want, in order of appearance.
func findRow(rs [][]string, want ...string) (int, []string) {
	for i, r := range rs {
		ok := true
		for _, w := range want {
			if !slices.Contains(r, w) {
				ok = false
				break
			}
		}
		if ok {
			return i + 1, r
		}
	}
	return 0, nil
}

// value is the cell right of the first cell equal to label (skipping merged blanks).
func value(rs [][]string, label string) string {
	for _, r := range rs {
		for i, c := range r {
			if c == label {
				for _, v := range r[i+1:] {
					if v != "" {
						return v
					}
				}
				return ""
			}
		}
	}
	return "<no " + label + ">"
}

// assertNoFormulas proves that no cell of the workbook is a formula.
func assertNoFormulas(t *testing.T, f *excelize.File) {
	t.Helper()
	for _, sheet := range f.GetSheetList() {
		for r, row := range rows(t, f, sheet) {
			for c, v := range row {
				if v == "" {
					continue
				}
				cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
				if fm, err := f.GetCellFormula(sheet, cell); err != nil || fm != "" {
					t.Fatalf("%s!%s (%q) has formula %q (%v)", sheet, cell, v, fm, err)
				}
			}
		}
	}
}

func quotePrefixed(t *testing.T, f *excelize.File, sheet, cell string) bool {
	t.Helper()
	id, err := f.GetCellStyle(sheet, cell)
	if err != nil {
		t.Fatal(err)
	}
	xf := f.Styles.CellXfs.Xf[id]
	return xf.QuotePrefix != nil && *xf.QuotePrefix
}

// hasAutoFilter reports whether a sheet has an AutoFilter, by its
// built-in defined name.
func hasAutoFilter(f *excelize.File, sheet string) (string, bool) {
	for _, d := range f.GetDefinedName() {
		if d.Name == "_xlnm._FilterDatabase" && d.Scope == sheet {
			return d.RefersTo, true
		}
	}
	return "", false
}

func TestExportDemo(t *testing.T) {
	w := openWP(t, demoPath, true)
	out := filepath.Join(t.TempDir(), "demo.xlsx")
	var progress [][2]int
	res, err := Write(context.Background(), w, testOptions(out), func(done, total int) { progress = append(progress, [2]int{done, total}) })
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	want := []string{"Cover", "Criteria matrix", "Section 4", "WP-LA-02", "WP-LA-03", "WP-CHG-01", "WP-AV-02", "Exceptions",
		"Review notes", "PBC requests", "Interviews", "CUECs and CSOCs", "Opinion draft"}
	if got := f.GetSheetList(); !slices.Equal(got, want) {
		t.Fatalf("sheets = %q\nwant     %q", got, want)
	}
	if !slices.Equal(res.Sheets, want) || len(res.ControlSheets) != 4 || len(res.Skipped) != 42 || res.ControlSheets["WP-CHG-01"] != "WP-CHG-01" {
		t.Fatalf("result = %+v", res)
	}
	if len(progress) != len(want)+2 || progress[0] != [2]int{0, len(want) + 1} || progress[len(progress)-1] != [2]int{len(want) + 1, len(want) + 1} {
		t.Fatalf("progress = %v", progress)
	}

	// Document properties.
	props, err := f.GetDocProps()
	if err != nil {
		t.Fatal(err)
	}
	if props.Creator != "olivia.brandt" || !strings.Contains(props.Title, "Harborview Payroll, Inc.") || !strings.Contains(props.Title, "Type II") {
		t.Fatalf("doc props = %+v", props)
	}
	app, err := f.GetAppProps()
	if err != nil {
		t.Fatal(err)
	}
	if app.Company != "Calder & Finch LLP" || app.Application != "fieldwork" {
		t.Fatalf("app props = %+v", app)
	}

	// Every sheet: frozen headings, a landscape or portrait page one wide,
	// no formulas.
	for _, sheet := range want {
		panes, err := f.GetPanes(sheet)
		if err != nil || !panes.Freeze || panes.YSplit < 2 {
			t.Errorf("%s: panes = %+v, %v", sheet, panes, err)
		}
		pl, err := f.GetPageLayout(sheet)
		if err != nil || pl.FitToWidth == nil || *pl.FitToWidth != 1 || pl.FitToHeight == nil || *pl.FitToHeight != 0 {
			t.Errorf("%s: page layout = %+v, %v", sheet, pl, err)
		}
		hf, err := f.GetHeaderFooter(sheet)
		if err != nil || hf == nil || !strings.Contains(hf.OddFooter, "Page &P of &N") {
			t.Errorf("%s: footer = %+v, %v", sheet, hf, err)
		}
	}
	if hf, _ := f.GetHeaderFooter("WP-CHG-01"); !strings.Contains(hf.OddFooter, "WP-CHG-01") || !strings.Contains(hf.OddHeader, "Calder && Finch LLP") {
		t.Errorf("WP-CHG-01 header/footer = %+v", hf)
	}
	for _, sheet := range []string{"Criteria matrix", "Section 4", "WP-CHG-01", "Exceptions", "Review notes", "PBC requests", "Interviews", "CUECs and CSOCs"} {
		if _, ok := hasAutoFilter(f, sheet); !ok {
			t.Errorf("%s has no AutoFilter", sheet)
		}
	}
	assertNoFormulas(t, f)

	t.Run("cover", func(t *testing.T) {
		rs := rows(t, f, "Cover")
		if rs[0][0] != "SOC 2 Type II examination — workpapers" || value(rs, "Service organization") != "Harborview Payroll, Inc." {
			t.Fatalf("cover top = %q / %q", rs[0], value(rs, "Service organization"))
		}
		for label, v := range map[string]string{"Period from": "2025-10-01", "Period to": "2026-09-30", "Firm": "Calder & Finch LLP",
			"Report type": "Type II", "Exported by": "olivia.brandt", "fieldwork version": "1.2.3-test", "Exported at": "2026-11-02 14:30",
			"Controls": "46", "Exceptions logged": "2", "Changed since review": "LA-03", "Open review notes": "1", "Outstanding PBC requests": "3"} {
			if got := value(rs, label); got != v {
				t.Errorf("cover %s = %q, want %q", label, got, v)
			}
		}
		// Dates are real dates: a number with a date format.
		n, _ := findRow(rs, "Period from")
		raw, _ := f.GetCellValue("Cover", fmt.Sprintf("B%d", n), excelize.Options{RawCellValue: true})
		if raw != "45931" { // 2025-10-01
			t.Errorf("period from is stored as %q, not a date serial", raw)
		}
		if _, r := findRow(rs, "✓"); r == nil || !strings.Contains(strings.Join(r, " "), "Agreed to supporting evidence") {
			t.Errorf("tickmark legend missing: %q", r)
		}
		if _, r := findRow(rs, "Stratus Cloud Services"); r == nil || !strings.Contains(strings.Join(r, " "), "Carve-out") {
			t.Errorf("subservice organization missing: %q", r)
		}
		if _, r := findRow(rs, "Olivia Brandt"); r == nil || r[2] != "reviewer" {
			t.Errorf("team member missing: %q", r)
		}
		if _, r := findRow(rs, "WP-CHG-01"); r == nil || !strings.Contains(r[1], "Control test of CHG-01") {
			t.Errorf("contents row missing: %q", r)
		}
		n, _ = findRow(rs, "Section 4", "Controls, tests and results by criterion, as the report lays them out")
		ok, target, err := f.GetCellHyperLink("Cover", fmt.Sprintf("A%d", n))
		if !ok || err != nil || target != "'Section 4'!A1" {
			t.Errorf("contents link: %v %q %v", ok, target, err)
		}
	})

	t.Run("criteria matrix", func(t *testing.T) {
		rs := rows(t, f, "Criteria matrix")
		head := rs[2]
		if head[0] != "ID" || !slices.Contains(head, "CHG-01") || len(rs) != 3+61 {
			t.Fatalf("matrix head %q, %d rows", head, len(rs))
		}
		_, cc81 := findRow(rs, "CC8.1")
		for _, ref := range []string{"CHG-01", "CHG-02", "CHG-03", "CHG-04"} {
			if i := slices.Index(head, ref); i < 0 || i >= len(cc81) || cc81[i] != "X" {
				t.Errorf("CC8.1 × %s not marked: %q", ref, cc81)
			}
		}
		if cc81[3] != "Yes" || cc81[5] != "4" {
			t.Errorf("CC8.1 row = %q", cc81)
		}
		if _, p11 := findRow(rs, "P1.1"); p11[3] != "No" || p11[8] != "out-of-scope" {
			t.Errorf("P1.1 row = %q", p11)
		}
	})

	t.Run("section 4", func(t *testing.T) {
		rs := rows(t, f, "Section 4")
		if !slices.Equal(rs[2], Section4Columns) {
			t.Fatalf("section 4 headings = %q", rs[2])
		}
		if _, r := findRow(rs, "Security (Common Criteria)"); r == nil {
			t.Error("no category row")
		}
		if _, r := findRow(rs, "CC8.1", "Change management"); r == nil {
			t.Error("no criterion row for CC8.1")
		}
		_, chg := findRow(rs, "CC8.1", "CHG-01")
		if chg == nil || !strings.HasPrefix(chg[2], "Changes to production code are peer reviewed") ||
			!strings.Contains(chg[3], "Inspection: For each sampled change") || !strings.Contains(chg[3], "Sample: 22 of 1,180 occurrences (random selection") ||
			chg[4] != "Exception noted: for 2 of 22 sampled changes, approval was recorded after deployment." || chg[5] != "WP-CHG-01" {
			t.Fatalf("CHG-01 row = %q", chg)
		}
		// A control is repeated under each criterion it addresses.
		n := 0
		for _, r := range rs {
			if len(r) > 1 && r[1] == "LA-03" {
				n++
				if !strings.HasPrefix(r[4], "Exception noted: for 1 of 15 sampled terminations") {
					t.Errorf("LA-03 result = %q", r[4])
				}
			}
		}
		if n != 2 {
			t.Errorf("LA-03 appears %d times, want 2 (CC6.2 and CC6.3)", n)
		}
		if _, r := findRow(rs, "CC1.1", "ENT-01"); r == nil || r[4] != "Testing not complete." {
			t.Errorf("ENT-01 row = %q", r)
		}
		// Out-of-scope criteria are not in section 4.
		if _, r := findRow(rs, "P1.1"); r != nil {
			t.Errorf("out-of-scope criterion in section 4: %q", r)
		}
	})

	t.Run("control test", func(t *testing.T) {
		rs := rows(t, f, "WP-CHG-01")
		if rs[0][0] != "WP-CHG-01 — control CHG-01" {
			t.Fatalf("title = %q", rs[0])
		}
		for label, v := range map[string]string{"W/P ref": "WP-CHG-01", "Client": "Harborview Payroll, Inc.", "Period": "2025-10-01 to 2026-09-30",
			"Seed": "482913", "Method": "random", "Algorithm": "fieldwork-select/1 chacha8 sparse-fisher-yates", "Population (N)": "1,180",
			"Sample size (n)": "22", "Rows (occurrences)": "1,180", "Conclusion": "not-effective", "Kind": "statistical", "Confidence": "90%",
			"Source": "github-merged-prs-fy26.csv (csv, header on row 1)"} {
			if got := value(rs, label); got != v {
				t.Errorf("WP-CHG-01 %s = %q, want %q", label, got, v)
			}
		}
		if got := value(rs, "Prepared by"); got != "maria.chen" {
			t.Errorf("prepared by = %q", got)
		}
		if got := value(rs, "SHA-256 of the file"); len(got) != 64 {
			t.Errorf("population hash = %q", got)
		}
		if got := value(rs, "Positions in draw order"); strings.Count(got, ",") != 21 {
			t.Errorf("positions = %q", got)
		}
		// The grid: key row (hidden), headings, 22 items, end row (hidden).
		keyRow, key := 0, []string(nil)
		for i, r := range rs {
			if len(r) > 0 && strings.HasPrefix(r[0], gridKeyMarker+"|") {
				keyRow, key = i+1, r
			}
		}
		if keyRow == 0 || !slices.Contains(key, "A:outcome") || !slices.Contains(key, "B:version") {
			t.Fatalf("no key row: %q", key)
		}
		if vis, _ := f.GetRowVisible("WP-CHG-01", keyRow); vis {
			t.Error("the key row is visible")
		}
		head := rs[keyRow]
		if head[0] != "Item" || head[3] != "Change ID" || head[4] != "Merged On" || !slices.Contains(head, "Attribute A") {
			t.Fatalf("grid headings = %q", head)
		}
		items := rs[keyRow+1 : keyRow+1+22]
		if items[0][0] != "1" || items[21][0] != "22" || rs[keyRow+23][0] != gridEndMarker {
			t.Fatalf("grid rows: first %q, last %q, after %q", items[0], items[21], rs[keyRow+23])
		}
		outcomeCol := slices.Index(key, "A:outcome")
		deviations := 0
		for _, it := range items {
			if it[outcomeCol] == "deviation" {
				deviations++
				if it[outcomeCol+1] != "X" || !strings.HasPrefix(it[outcomeCol+2], "Approved") {
					t.Errorf("deviation row = %q", it)
				}
			}
			if !strings.HasPrefix(it[3], "PR-") || !strings.HasPrefix(it[4], "20") {
				t.Errorf("item ID/date = %q, %q", it[3], it[4])
			}
		}
		if deviations != 2 {
			t.Errorf("%d deviations in the grid, want 2", deviations)
		}
		// The version column is hidden; the client's columns are grouped.
		verCol, _ := excelize.ColumnNumberToName(slices.Index(key, "A:version") + 1)
		if vis, _ := f.GetColVisible("WP-CHG-01", verCol); vis {
			t.Error("the version column is visible")
		}
		clientCol, _ := excelize.ColumnNumberToName(slices.Index(key, "client:3") + 1)
		if lvl, _ := f.GetColOutlineLevel("WP-CHG-01", clientCol); lvl != 1 {
			t.Errorf("client column outline level = %d", lvl)
		}
		// Drop-downs on the outcome and tickmark columns.
		dvs, err := f.GetDataValidations("WP-CHG-01")
		if err != nil || len(dvs) != 2 {
			t.Fatalf("data validations = %+v, %v", dvs, err)
		}
		if dvs[0].Type != "list" || dvs[0].Formula1 != `"pass,deviation,na"` || strings.Count(dvs[0].Sqref, ":") != 2 {
			t.Errorf("outcome validation = %+v", dvs[0])
		}
		if !strings.Contains(dvs[1].Formula1, "✓") {
			t.Errorf("tickmark validation = %+v", dvs[1])
		}
		if ref, _ := hasAutoFilter(f, "WP-CHG-01"); !strings.HasPrefix(strings.TrimPrefix(ref, "'WP-CHG-01'!"), fmt.Sprintf("$A$%d:", keyRow+1)) {
			t.Errorf("grid AutoFilter = %q (headings on row %d)", ref, keyRow+1)
		}
		if _, r := findRow(rs, "EX-01"); r == nil || !strings.Contains(strings.Join(r, " "), "Management's response: Management has restricted") {
			t.Errorf("exception block = %q", r)
		}
		// LA-03 changed after its review.
		la3 := rows(t, f, "WP-LA-03")
		if _, r := findRow(la3, "CHANGED SINCE REVIEW"); r == nil {
			t.Error("WP-LA-03 does not say CHANGED SINCE REVIEW")
		}
		if got := value(la3, "Reviewed by"); got != "olivia.brandt" {
			t.Errorf("reviewed by = %q", got)
		}
		if got := value(la3, "Method"); got != "systematic" {
			t.Errorf("LA-03 method = %q", got)
		}
		if got := value(la3, "Interval"); got == "" || got == "<no Interval>" {
			t.Errorf("LA-03 interval = %q", got)
		}
	})

	t.Run("logs", func(t *testing.T) {
		ex := rows(t, f, "Exceptions")
		if _, r := findRow(ex, "EX-01", "CHG-01", "WP-CHG-01"); r == nil || r[6] != "systemic" || !strings.HasPrefix(r[11], "Management has restricted") || r[14] != "2026-12-31" {
			t.Errorf("EX-01 = %q", r)
		}
		if _, r := findRow(ex, "EX-02"); r == nil || r[8] != "No" || r[7] != "The user's access logs showed no activity after the termination date." || r[9] != "CC6.2, CC6.3" {
			t.Errorf("EX-02 = %q", r)
		}
		notes := rows(t, f, "Review notes")
		if _, r := findRow(notes, "RN-001"); r == nil || r[1] != "control" || r[2] != "LA-02" || r[5] != "open" {
			t.Errorf("RN-001 = %q", r)
		}
		if _, r := findRow(notes, "RN-003"); r == nil || r[5] != "cleared" || r[9] != "olivia.brandt" {
			t.Errorf("RN-003 = %q", r)
		}
		pbc := rows(t, f, "PBC requests")
		if _, r := findRow(pbc, "PBC-003"); r == nil || r[5] != "rejected" || r[6] != "Yes" || r[4] != "2026-10-09" {
			t.Errorf("PBC-003 = %q", r)
		}
		if len(pbc) != 3+5 {
			t.Errorf("%d PBC rows", len(pbc)-3)
		}
		iv := rows(t, f, "Interviews")
		if _, r := findRow(iv, "Sam Alvarez"); r == nil || r[0] != "2026-10-06" || r[5] != "CHG-01, CHG-03" {
			t.Errorf("interview = %q", r)
		}
		cc := rows(t, f, "CUECs and CSOCs")
		if _, r := findRow(cc, "CSOC-02"); r == nil || r[3] != "A1.2" || r[4] != "Stratus Cloud Services" || r[5] != "carve-out" {
			t.Errorf("CSOC-02 = %q", r)
		}
		if _, r := findRow(cc, "CUEC-03"); r == nil || !strings.HasPrefix(r[0], "Complementary user entity control") {
			t.Errorf("CUEC-03 = %q", r)
		}
	})

	t.Run("opinion draft", func(t *testing.T) {
		rs := rows(t, f, "Opinion draft")
		all := ""
		for _, r := range rs {
			all += strings.Join(r, "|") + "\n"
		}
		for _, s := range []string{"Opinion draft — Qualified opinion", "Pervasiveness rule", "CC8.1",
			"We have examined Harborview Payroll, Inc.'s description of its Harborview Cloud Payroll Platform throughout the period October 1, 2025 to September 30, 2026",
			"security, availability and confidentiality", "Harborview Payroll, Inc. uses Stratus Cloud Services", "Open items before this draft can be finalized"} {
			if !strings.Contains(all, s) {
				t.Errorf("opinion draft lacks %q", s)
			}
		}
	})
}

func TestExportSectionsAndTrail(t *testing.T) {
	w := openWP(t, demoPath, true)
	opt := testOptions(filepath.Join(t.TempDir(), "part.xlsx"))
	var err error
	if opt.Sections, err = ParseSections("tests, section-4"); err != nil {
		t.Fatal(err)
	}
	opt.IncludeTrail = true
	saved := trailPage
	trailPage = 100 // the demo's trail spans several pages
	defer func() { trailPage = saved }()
	f, _ := exportTo(t, w, opt)
	want := []string{"Section 4", "WP-LA-02", "WP-LA-03", "WP-CHG-01", "WP-AV-02", "Audit trail"}
	if got := f.GetSheetList(); !slices.Equal(got, want) {
		t.Fatalf("sheets = %q", got)
	}
	trail := rows(t, f, "Audit trail")
	entries, err := w.Trail(context.Background(), model.TrailFilter{})
	if err != nil {
		t.Fatal(err)
	}
	// One row per entry, an insert one row per value it created.
	wantRows := 0
	for _, c := range entries {
		wantRows += max(1, len(c.Values)+len(c.Fields))
	}
	if len(trail) != 3+wantRows || trail[3][0] != "1" || trail[len(trail)-1][0] != fmt.Sprint(entries[len(entries)-1].Seq) {
		t.Fatalf("trail: %d rows for %d entries (%d values); first %q; last %q", len(trail)-3, len(entries), wantRows, trail[3], trail[len(trail)-1])
	}
	if len(entries) <= trailPage {
		t.Fatalf("the demo trail (%d entries) does not exercise paging", len(entries))
	}
	// Entries scoped to a control test name its W/P ref.
	if _, r := findRow(trail, "WP-CHG-01"); r == nil {
		t.Error("no trail entry names WP-CHG-01")
	}
	if _, err := ParseSections("cover,bogus"); err == nil {
		t.Error("unknown section accepted")
	}
}

func TestExportNeverOverwritesOrLeavesPartialFiles(t *testing.T) {
	w := openWP(t, demoPath, true)
	dir := t.TempDir()
	out := filepath.Join(dir, "book.xlsx")
	if err := os.WriteFile(out, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Write(context.Background(), w, testOptions(out), nil); !errors.Is(err, ErrExists) {
		t.Fatalf("overwrite without force: %v", err)
	}
	if b, _ := os.ReadFile(out); string(b) != "keep me" {
		t.Fatal("the existing file was changed")
	}
	opt := testOptions(out)
	opt.Force = true
	if _, err := Write(context.Background(), w, opt, nil); err != nil {
		t.Fatal(err)
	}
	if f, err := excelize.OpenFile(out); err != nil {
		t.Fatalf("forced export unreadable: %v", err)
	} else {
		f.Close()
	}

	// Cancelled half-way: no workbook, no temporary file.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	half := filepath.Join(dir, "cancelled.xlsx")
	_, err := Write(ctx, w, testOptions(half), func(done, total int) {
		if done == 3 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled export: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() != "book.xlsx" {
			t.Errorf("left behind: %s", e.Name())
		}
	}
	if _, err := Write(context.Background(), w, testOptions(filepath.Join(dir, "book.xls")), nil); err == nil {
		t.Error("a .xls name was accepted")
	}
}

func TestDefaultPath(t *testing.T) {
	got := DefaultPath(filepath.Join("work", "acme.fieldwork"), time.Date(2026, 11, 2, 23, 0, 0, 0, time.UTC))
	if want := filepath.Join("work", "acme-workpapers-20261102.xlsx"); got != want {
		t.Fatalf("DefaultPath = %q, want %q", got, want)
	}
}

func TestOpinionTemplate(t *testing.T) {
	w := openWP(t, demoPath, true)
	opt := testOptions(filepath.Join(t.TempDir(), "t.xlsx"))
	opt.Sections = []Section{SectionOpinion}
	opt.Template = "## {{.OpinionTitle}} for {{.Client}}\n\n{{if .NotMet}}not met: {{.NotMetList}}{{end}}\n\n" +
		"Period {{.Period}}; open {{len .Open}}; carved out {{.CarvedOut}}; {{join \", \" (index .Open 0).Controls}}\n"
	f, _ := exportTo(t, w, opt)
	rs := rows(t, f, "Opinion draft")
	if _, r := findRow(rs, "Qualified opinion for Harborview Payroll, Inc."); r == nil {
		t.Errorf("heading missing")
	}
	if _, r := findRow(rs, "Period October 1, 2025 to September 30, 2026; open 37; carved out Stratus Cloud Services; ENT-01, COM-04"); r == nil {
		t.Errorf("paragraph missing: %q", rs[len(rs)-1])
	}
	if _, err := ParseTemplate("{{.Nope"); err == nil {
		t.Error("a broken template parsed")
	}
	opt.Template, opt.Force = "{{.NoSuchPlaceholder}}", true
	if _, err := Write(context.Background(), w, opt, nil); err == nil || !strings.Contains(err.Error(), "NoSuchPlaceholder") {
		t.Errorf("unknown placeholder: %v", err)
	}
	// The default template renders for every opinion.
	tmpl, _ := ParseTemplate("")
	e, _ := w.Engagement(context.Background())
	for _, o := range model.Opinions {
		paras, err := tmpl.Paragraphs(templateData(e, model.OpinionDraft{Proposed: o, Opinion: o, Final: true,
			NotMet: []model.CriterionFinding{{Ref: "CC8.1", Title: "Change management", Reason: "CHG-01 not effective"}}}, nil, exportClock))
		if err != nil || len(paras) < 8 {
			t.Fatalf("%s: %d paragraphs, %v", o, len(paras), err)
		}
		if strings.Contains(strings.Join(paras, "\n"), "<no value>") {
			t.Fatalf("%s: unresolved placeholder in %q", o, paras)
		}
	}
}

func TestExportPBC(t *testing.T) {
	w := openWP(t, demoPath, true)
	out := filepath.Join(t.TempDir(), "pbc.xlsx")
	if _, err := WritePBC(context.Background(), w, testOptions(out)); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, []string{"PBC requests"}) {
		t.Fatalf("sheets = %q", got)
	}
	rs := rows(t, f, "PBC requests")
	if !strings.HasPrefix(rs[0][0], "Request list — Harborview Payroll, Inc.") || rs[3][8] != "Your response" || len(rs) != 4+5 {
		t.Fatalf("pbc rows = %q", rs)
	}
	if _, r := findRow(rs, "PBC-001"); r == nil || r[5] != "accepted" || r[3] != "2026-09-15" {
		t.Errorf("PBC-001 = %q", r)
	}
	if _, ok := hasAutoFilter(f, "PBC requests"); !ok {
		t.Error("no AutoFilter")
	}
	if _, err := WritePBC(context.Background(), w, testOptions(out)); !errors.Is(err, ErrExists) {
		t.Errorf("second write: %v", err)
	}
}

// The workbook anchors the trail: the head on the cover and in the
// document properties, the same head verify prints.
func TestWorkbookCarriesTheTrailHead(t *testing.T) {
	w := openWP(t, copyDemo(t), true)
	head, err := w.TrailHead(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	f, _ := exportTo(t, w, testOptions(filepath.Join(t.TempDir(), "wp.xlsx")))
	props, _ := f.GetDocProps()
	if !strings.Contains(props.Description, "trail head "+head.String()) {
		t.Fatalf("document properties: %q", props.Description)
	}
	found := false
	for _, r := range rows(t, f, SheetCover) {
		found = found || strings.Contains(strings.Join(r, " "), head.String())
	}
	if !found || head.Seq == 0 {
		t.Fatalf("the cover does not carry the trail head %s", head)
	}
}
