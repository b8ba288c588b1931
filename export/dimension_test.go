package export

import (
	"archive/zip"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

var (
	dimensionRe = regexp.MustCompile(`<dimension ref="([^"]*)"`)
	cellRefRe   = regexp.MustCompile(`<c r="([A-Z]+[0-9]+)"`)
	mergeRefRe  = regexp.MustCompile(`<mergeCell ref="[A-Z]+[0-9]+:([A-Z]+[0-9]+)"`)
)

// TestEveryDimensionCoversItsCells reads each worksheet's XML from the
// exported demo: its <dimension ref> is A1 to the last column and row that
// hold a cell or a merge, so a streaming reader sees every row.
func TestEveryDimensionCoversItsCells(t *testing.T) {
	w := openWP(t, demoPath, true)
	opt := testOptions(filepath.Join(t.TempDir(), "dims.xlsx"))
	opt.IncludeTrail = true
	f, _ := exportTo(t, w, opt)
	r, err := zip.OpenReader(opt.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	checked := 0
	for _, zf := range r.File {
		if !strings.HasPrefix(zf.Name, "xl/worksheets/sheet") || !strings.HasSuffix(zf.Name, ".xml") {
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		xml := string(b)
		m := dimensionRe.FindStringSubmatch(xml)
		if m == nil {
			t.Errorf("%s: no dimension", zf.Name)
			continue
		}
		maxCol, maxRow := 1, 1
		refs := cellRefRe.FindAllStringSubmatch(xml, -1)
		refs = append(refs, mergeRefRe.FindAllStringSubmatch(xml, -1)...)
		for _, c := range refs {
			col, row, err := excelize.CellNameToCoordinates(c[1])
			if err != nil {
				t.Fatal(err)
			}
			maxCol, maxRow = max(maxCol, col), max(maxRow, row)
		}
		end, _ := excelize.CoordinatesToCellName(maxCol, maxRow)
		if want := "A1:" + end; m[1] != want {
			t.Errorf("%s: dimension %q, its cells span %s", zf.Name, m[1], want)
		}
		checked++
	}
	if checked < 10 {
		t.Fatalf("only %d worksheets checked", checked)
	}
	// excelize reports the same range for every sheet, and its streaming
	// Rows iterator sees as many rows as GetRows.
	for _, name := range f.GetSheetList() {
		dim, err := f.GetSheetDimension(name)
		if err != nil || !strings.HasPrefix(dim, "A1:") {
			t.Errorf("%s: dimension %q (%v)", name, dim, err)
		}
		it, err := f.Rows(name)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for it.Next() {
			n++
		}
		it.Close()
		if all := rows(t, f, name); n < len(all) {
			t.Errorf("%s: the Rows iterator saw %d of %d rows", name, n, len(all))
		}
	}
}
