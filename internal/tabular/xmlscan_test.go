package tabular

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// withSheetXML writes a workbook whose first sheet's XML is replaced by the
// result of edit.
func withSheetXML(t *testing.T, edit func(sheet string) string) string {
	t.Helper()
	f := excelize.NewFile()
	f.SetSheetRow("Sheet1", "A1", &[]string{"Ticket", "Summary"})
	f.SetSheetRow("Sheet1", "A2", &[]string{"A-1", "first"})
	f.SetSheetRow("Sheet1", "A3", &[]string{"A-2", "MARK"})
	f.SetSheetRow("Sheet1", "A4", &[]string{"A-3", "third"})
	var orig bytes.Buffer
	if err := f.Write(&orig); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(orig.Bytes()), int64(orig.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, e := range zr.File {
		rc, _ := e.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		if e.Name == "xl/worksheets/sheet1.xml" {
			b = []byte(edit(string(b)))
		}
		w, _ := zw.Create(e.Name)
		w.Write(b)
	}
	zw.Close()
	p := filepath.Join(t.TempDir(), "rich.xlsx")
	if err := os.WriteFile(p, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// inline replaces the MARK cell with an inline rich-text cell.
func inline(body string) func(string) string {
	return func(s string) string {
		i := strings.Index(s, `<c r="B3"`)
		j := strings.Index(s[i:], "</c>") + i + len("</c>")
		return s[:i] + `<c r="B3" t="inlineStr"><is>` + body + `</is></c>` + s[j:]
	}
}

// Issue 13 item 7: rich text excelize would read as blank is refused with
// the row; well-formed rich text is read.
func TestXLSXRichTextCells(t *testing.T) {
	ok := withSheetXML(t, inline(`<r><rPr><b/></rPr><t>bold</t></r><r><t xml:space="preserve"> &amp; plain &#233;</t></r>`))
	tb, err := OpenTable(ok, TableOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tb.Next()
	row, err := tb.Next()
	tb.Close()
	if err != nil || row[1] != "bold & plain é" {
		t.Fatalf("rich text row = %q, %v", row, err)
	}
	cases := map[string]struct{ xml, want string }{
		"entity": {`<r><t>&bogus;</t></r>`, `near row 3 uses the undefined XML entity "&bogus;"`},
		"deep":   {strings.Repeat("<r>", 5000) + "<t>x</t>" + strings.Repeat("</r>", 5000), "near row 3 nests elements more than 100 deep"},
		"bare":   {`<r><t>a & b</t></r>`, `near row 3 has a bare "&"`},
	}
	for name, c := range cases {
		_, err := OpenTable(withSheetXML(t, inline(c.xml)), TableOptions{})
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "xl/worksheets/sheet1.xml") {
			t.Errorf("%s: err = %v, want %q", name, err, c.want)
		}
	}
	cut := withSheetXML(t, func(s string) string { return s[:strings.Index(s, `<row r="4"`)+30] })
	if _, err := OpenTable(cut, TableOptions{}); err == nil || !strings.Contains(err.Error(), "near row 4 breaks off inside an element") {
		t.Errorf("cut: %v", err)
	}
}
