package tabular

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readAll opens path and reads every row, returning the first error.
func readAll(path string) error {
	tb, err := OpenTable(path, TableOptions{})
	if err != nil {
		return err
	}
	defer tb.Close()
	for {
		if _, err := tb.Next(); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
	}
}

// Issue 13 item 6: a cell, a row and a CSV line have limits, and a workbook
// part that would inflate past its limit is refused before it is unpacked.
func TestHostileSizesRefused(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	bigCell := write("cell.csv", []byte("ID,Description\nA-1,\""+strings.Repeat("x\n", MaxCellBytes/2+10)+"\"\n"))
	longLine := write("line.csv", []byte("ID,Description\nA-1,"+strings.Repeat("x", MaxLineBytes+10)+"\n"))
	wide := write("wide.csv", []byte("ID,Description\nA-1"+strings.Repeat(",x", MaxRowCells+1)+"\n"))
	for _, c := range []struct{ path, want string }{
		{bigCell, "row 2, column 2 holds a cell of"},
		{longLine, "without a line break"},
		{wide, "more than the 16384 columns"},
	} {
		err := readAll(c.path)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want %q", filepath.Base(c.path), err, c.want)
		}
	}

	// A zip bomb: a sheet of 200 MB of one repeated byte, a few hundred KB packed.
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, part := range []string{"[Content_Types].xml", "xl/workbook.xml"} {
		w, _ := zw.Create(part)
		w.Write([]byte("<x/>"))
	}
	w, _ := zw.Create("xl/worksheets/sheet1.xml")
	chunk := bytes.Repeat([]byte("<c/>"), 1<<18)
	for i := 0; i < 200; i++ {
		w.Write(chunk)
	}
	zw.Close()
	bomb := write("bomb.xlsx", buf.Bytes())
	tmpBefore, _ := filepath.Glob(filepath.Join(os.TempDir(), "excelize-*"))
	err := readAll(bomb)
	if err == nil || !strings.Contains(err.Error(), "would unpack to") {
		t.Fatalf("zip bomb: %v", err)
	}
	if tmpAfter, _ := filepath.Glob(filepath.Join(os.TempDir(), "excelize-*")); len(tmpAfter) > len(tmpBefore) {
		t.Fatalf("the refused workbook left temporary files: %v", tmpAfter)
	}
}
