package tabular

import (
	"archive/zip"
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

const tabMatricesDir = "../../testdata/matrices"

func tabFixture(name string) string { return filepath.Join(tabMatricesDir, name) }

// tabWriteTemp writes data to a file in a fresh temp dir and returns its path.
func tabWriteTemp(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

type tabRow struct {
	row   int
	cells []string
}

// tabReadAll reads a whole table (fine for the small files of these tests).
func tabReadAll(t testing.TB, tb *Table) []tabRow {
	t.Helper()
	var out []tabRow
	for {
		cells, err := tb.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("Next after row %d: %v", tb.Row(), err)
		}
		out = append(out, tabRow{tb.Row(), cells})
	}
}

func tabOpenCSV(t testing.TB, data string, opt TableOptions) (*Table, error) {
	t.Helper()
	return OpenTable(tabWriteTemp(t, "data.csv", []byte(data)), opt)
}

func tabMustOpen(t testing.TB, path string, opt TableOptions) *Table {
	t.Helper()
	tb, err := OpenTable(path, opt)
	if err != nil {
		t.Fatalf("OpenTable(%s): %v", filepath.Base(path), err)
	}
	t.Cleanup(func() { tb.Close() })
	return tb
}

func tabWantErr(t *testing.T, err error, subs ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want an error containing %q, got nil", subs)
	}
	for _, s := range subs {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not contain %q", err, s)
		}
	}
}

func TestOpenTableRefusals(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	zipWith := func(name string, entries ...string) string {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, e := range entries {
			w, _ := zw.Create(e)
			w.Write([]byte("<x/>"))
		}
		zw.Close()
		return write(name, buf.Bytes())
	}
	bomb := func() string {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, _ := zw.Create("xl/workbook.xml")
		w.Write([]byte("<workbook/>"))
		// A part that claims 5 GiB once unpacked: refused before unpacking.
		raw, err := zw.CreateRaw(&zip.FileHeader{Name: "xl/worksheets/sheet1.xml", Method: zip.Deflate,
			CompressedSize64: 2, UncompressedSize64: 5 << 30})
		if err != nil {
			t.Fatal(err)
		}
		raw.Write([]byte{3, 0})
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		return write("bomb.xlsx", buf.Bytes())
	}()
	protected := filepath.Join(dir, "protected.xlsx")
	{
		f := excelize.NewFile()
		f.SetCellValue("Sheet1", "A1", "Control ID")
		if err := f.SaveAs(protected, excelize.Options{Password: "secret"}); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	cases := []struct {
		path string
		want []string
	}{
		{tabFixture("legacy.xls"), []string{"legacy.xls is an Excel 97-2003 .xls workbook: save it as .xlsx or CSV"}},
		{tabFixture("binary.csv"), []string{"binary.csv is not a CSV or XLSX file", "binary data"}},
		{write("empty.csv", nil), []string{"empty.csv is empty"}},
		{write("blank.csv", []byte("\xef\xbb\xbf\r\n\r\n ,, \r\n")), []string{"blank.csv has no rows"}},
		{write("report.pdf", []byte("%PDF-1.7\n%âãÏÓ\n1 0 obj")), []string{"report.pdf is a PDF"}},
		{write("export.xls", []byte("<html><body><table><tr><td>ID</td></tr></table>")), []string{"export.xls is a web page", "save it as .xlsx"}},
		{write("controls.csv", []byte("\x01\x02\x03\x04\x05\x06\x07\x08abc\x0e\x0f\x10\x11\x12\x13")), []string{"controls.csv is not a CSV or XLSX file"}},
		{zipWith("archive.xlsx", "readme.txt"), []string{"archive.xlsx is a zip archive, not an Excel workbook"}},
		{zipWith("book.xlsb", "[Content_Types].xml", "xl/workbook.bin"), []string{"book.xlsb is an Excel binary workbook (.xlsb)"}},
		{zipWith("memo.xlsx", "[Content_Types].xml", "word/document.xml"), []string{"memo.xlsx is a Word or PowerPoint document"}},
		{zipWith("sheet.ods", "mimetype", "content.xml"), []string{"sheet.ods is an OpenDocument"}},
		{write("truncated.xlsx", []byte("PK\x03\x04garbage")), []string{"truncated.xlsx looks like an .xlsx workbook but cannot be opened"}},
		{protected, []string{"protected.xlsx is protected with a password"}},
		{bomb, []string{"bomb.xlsx: its part xl/worksheets/sheet1.xml would unpack to 5120 MB", "export the sheet as CSV"}},
		{filepath.Join(dir, "missing.csv"), []string{"missing.csv not found"}},
		{dir, []string{"is a folder, not a file"}},
	}
	for _, c := range cases {
		t.Run(filepath.Base(c.path), func(t *testing.T) {
			tb, err := OpenTable(c.path, TableOptions{})
			if err == nil {
				tb.Close()
			}
			tabWantErr(t, err, c.want...)
		})
	}
}

func TestCSVExcelUTF8Export(t *testing.T) {
	tb := tabMustOpen(t, tabFixture("excel-utf8.csv"), TableOptions{})
	if tb.Format() != "csv" || tb.Sheet() != "" || tb.HeaderRow() != 1 {
		t.Fatalf("format %q sheet %q header row %d", tb.Format(), tb.Sheet(), tb.HeaderRow())
	}
	wantHeader := []string{"Control #", "Control Activity", "Control Owner", "Frequency", "Manual/Automated", "Key?", "Mapped Criteria"}
	if !reflect.DeepEqual(tb.Header(), wantHeader) {
		t.Fatalf("header %q, want %q (BOM must be stripped)", tb.Header(), wantHeader)
	}
	rows := tabReadAll(t, tb)
	var got []int
	for _, r := range rows {
		got = append(got, r.row)
		for _, c := range r.cells {
			if strings.Contains(c, "\r") {
				t.Errorf("row %d: cell %q keeps a CR", r.row, c)
			}
		}
	}
	// Quoted cells span lines: NL-03 starts on line 4 and takes 4 lines,
	// NL-06 starts on line 9 and takes 4.
	if want := []int{2, 4, 8, 9, 13, 14, 15, 16}; !reflect.DeepEqual(got, want) {
		t.Fatalf("rows %v, want %v", got, want)
	}
	if c := rows[1].cells; c[1] != "Access to production requires:\n- a unique account\n- multi-factor authentication (Okta)" || c[6] != "CC6.1\nCC6.2" {
		t.Errorf("multi-line cells %q", c)
	}
	if c := rows[3].cells[1]; !strings.Contains(c, `the "ledger-admin" group`) {
		t.Errorf("doubled quotes not read: %q", c)
	}
	if c := rows[0].cells; c[2] != "Zoë Hartmann" || !strings.Contains(c[1], "annually — and") {
		t.Errorf("UTF-8 text %q", c)
	}
}

func TestCSVRowNumbersAcrossQuotedNewlines(t *testing.T) {
	data := "id,text\r\n" + // 1
		"a,\"one\r\ntwo\r\nthree\"\r\n" + // 2-4
		"\r\n" + // 5 blank line
		"b,plain\r\n" + // 6
		"c,\"x\ny\"\n" + // 7-8, LF only inside
		",\r\n" + // 9: blank record
		"d,\"\"\"quoted\"\"\"\r\n" // 10
	tb, err := tabOpenCSV(t, data, TableOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer tb.Close()
	rows := tabReadAll(t, tb)
	want := []tabRow{
		{2, []string{"a", "one\ntwo\nthree"}},
		{6, []string{"b", "plain"}},
		{7, []string{"c", "x\ny"}},
		{10, []string{"d", `"quoted"`}},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Fatalf("got %v\nwant %v", rows, want)
	}
	if tb.BlankRows() != 1 {
		t.Errorf("BlankRows %d, want 1 (the \",\" record; empty lines are not records)", tb.BlankRows())
	}
}

func TestCSVRowsArePaddedAndOwnedByCaller(t *testing.T) {
	data := "a,b,c,,\nshort\n1,2,3,,,\n4,5,6,,EXTRA\n  ,\t,\n7,8,9\n"
	tb, err := tabOpenCSV(t, data, TableOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer tb.Close()
	if h := tb.Header(); !reflect.DeepEqual(h, []string{"a", "b", "c"}) {
		t.Fatalf("header %q: trailing empty headings must be dropped", h)
	}
	rows := tabReadAll(t, tb)
	want := []tabRow{
		{2, []string{"short", "", ""}},
		{3, []string{"1", "2", "3"}},
		{4, []string{"4", "5", "6", "", "EXTRA"}}, // kept: a shifted row must be visible
		{6, []string{"7", "8", "9"}},
	}
	// The rows were collected across Next calls: ReuseRecord must not have
	// overwritten them.
	if !reflect.DeepEqual(rows, want) {
		t.Fatalf("got %v\nwant %v", rows, want)
	}
	if tb.BlankRows() != 1 {
		t.Errorf("BlankRows %d, want 1", tb.BlankRows())
	}
	if _, err := tb.Next(); err != io.EOF {
		t.Errorf("Next after EOF: %v", err)
	}
	tb.Close()
	if _, err := tb.Next(); err == nil || err == io.EOF {
		t.Errorf("Next after Close: %v", err)
	}
	if err := tb.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestCSVDelimiters(t *testing.T) {
	cases := []struct {
		name, data string
		header     []string
		first      []string
	}{
		{"semicolon", "ID;Description;Criteria\nNL-1;Reviewed, approved, published;CC1.1, CC2.2\n",
			[]string{"ID", "Description", "Criteria"}, []string{"NL-1", "Reviewed, approved, published", "CC1.1, CC2.2"}},
		{"comma with semicolons in cells", "ID,Description,Criteria\nNL-1,a;b;c;d;e,CC1.1; CC2.2\n",
			[]string{"ID", "Description", "Criteria"}, []string{"NL-1", "a;b;c;d;e", "CC1.1; CC2.2"}},
		{"tab", "ID\tDescription\tCriteria\nNL-1\tx, y\tCC1.1\n",
			[]string{"ID", "Description", "Criteria"}, []string{"NL-1", "x, y", "CC1.1"}},
		{"sep hint", "sep=;\r\nID;Amount\r\nNL-1;1,5\r\n",
			[]string{"ID", "Amount"}, []string{"NL-1", "1,5"}},
		{"single column", "ticket\nT-1\n", []string{"ticket"}, []string{"T-1"}},
		{"quoted semicolon header", "\"ID\";\"Name, full\"\n\"1\";\"Doe, J\"\n",
			[]string{"ID", "Name, full"}, []string{"1", "Doe, J"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tb, err := tabOpenCSV(t, c.data, TableOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer tb.Close()
			if !reflect.DeepEqual(tb.Header(), c.header) {
				t.Fatalf("header %q, want %q", tb.Header(), c.header)
			}
			row, err := tb.Next()
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(row, c.first) {
				t.Fatalf("row %q, want %q", row, c.first)
			}
		})
	}
}

func TestCSVSemicolonWindows1252Fixture(t *testing.T) {
	tb := tabMustOpen(t, tabFixture("semicolon.csv"), TableOptions{})
	if want := []string{"Control ID", "Description", "Owner", "Frequency", "Type", "Key", "Criteria"}; !reflect.DeepEqual(tb.Header(), want) {
		t.Fatalf("header %q", tb.Header())
	}
	rows := tabReadAll(t, tb)
	if len(rows) != 8 {
		t.Fatalf("%d rows, want 8", len(rows))
	}
	if got := rows[0].cells[2]; got != "Jürgen Müller" {
		t.Errorf("Windows-1252 ü: %q", got)
	}
	if got := rows[1].cells[1]; got != "Access reviews – quarterly, by system owners" {
		t.Errorf("Windows-1252 en dash: %q", got)
	}
	if got := rows[2].cells[1]; !strings.HasPrefix(got, "Invoices above €10,000") {
		t.Errorf("Windows-1252 euro sign: %q", got)
	}
}

func TestCSVEncodings(t *testing.T) {
	t.Run("windows-1252 after ASCII", func(t *testing.T) {
		data := "id,name\n" + strings.Repeat("x,plain ascii\n", 10000) + "y,Caf\xe9 \x93quoted\x94\n"
		tb, err := tabOpenCSV(t, data, TableOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer tb.Close()
		rows := tabReadAll(t, tb)
		if last := rows[len(rows)-1]; last.cells[1] != "Café “quoted”" || last.row != 10002 {
			t.Fatalf("last row %d %q", last.row, last.cells)
		}
	})
	t.Run("mixed encodings refused with the line", func(t *testing.T) {
		data := "id,name\n1,Zoë\n" + strings.Repeat("2,ok\n", 5000) + "3,Caf\xe9\n"
		tb, err := tabOpenCSV(t, data, TableOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer tb.Close()
		var last error
		for {
			if _, last = tb.Next(); last != nil {
				break
			}
		}
		tabWantErr(t, last, "data.csv: line 5003:", "not valid UTF-8", "CSV UTF-8")
	})
	t.Run("UTF-16 with BOM (Excel Unicode Text)", func(t *testing.T) {
		text := "ID\tOwner\r\nNL-1\tZoë\r\n"
		var b []byte
		b = append(b, 0xFF, 0xFE)
		for _, r := range text {
			b = append(b, byte(r), byte(r>>8))
		}
		tb, err := OpenTable(tabWriteTemp(t, "unicode.txt", b), TableOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer tb.Close()
		rows := tabReadAll(t, tb)
		if !reflect.DeepEqual(tb.Header(), []string{"ID", "Owner"}) || len(rows) != 1 || rows[0].cells[1] != "Zoë" {
			t.Fatalf("header %v rows %v", tb.Header(), rows)
		}
	})
	t.Run("UTF-16 big-endian, a stray BOM is blank", func(t *testing.T) {
		// Found by FuzzReadCSVTable: a second BOM decoded to U+FEFF made a
		// "non-blank" row whose trimmed heading was empty.
		_, err := OpenTable(tabWriteTemp(t, "bom.csv", []byte("\xfe\xff\xfe\xff")), TableOptions{HeaderRow: 1})
		tabWantErr(t, err, "bom.csv: row 1 (the header row given) is blank")
		b := []byte{0xFE, 0xFF}
		for _, r := range "\uFEFFID,Owner\n\uFEFF,\uFEFF\nNL-1,Zo\u00eb\n" {
			b = append(b, byte(r>>8), byte(r))
		}
		tb, err := OpenTable(tabWriteTemp(t, "be.csv", b), TableOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer tb.Close()
		rows := tabReadAll(t, tb)
		if !reflect.DeepEqual(tb.Header(), []string{"ID", "Owner"}) || len(rows) != 1 || rows[0].row != 3 || rows[0].cells[1] != "Zoë" || tb.BlankRows() != 1 {
			t.Fatalf("header %q rows %v blank %d", tb.Header(), rows, tb.BlankRows())
		}
	})
	t.Run("classic Mac CR line ends", func(t *testing.T) {
		tb, err := tabOpenCSV(t, "id,name\r1,a\r2,b\r", TableOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer tb.Close()
		rows := tabReadAll(t, tb)
		if len(rows) != 2 || rows[1].row != 3 || rows[1].cells[1] != "b" {
			t.Fatalf("rows %v", rows)
		}
	})
}

func TestCSVMalformed(t *testing.T) {
	cases := []struct {
		name, data string
		want       []string
	}{
		{"bare quote", "id,text\n1,ok\n2,the 12\" rack\n", []string{"data.csv: line 3, column 9:", `double it ("")`}},
		{"unclosed quote", "id,text\n1,\"never closed\n2,x\n", []string{"data.csv: line 3, column", "starts on line 2 is never closed"}},
		{"text after closing quote", "id,text\n1,\"a\"b\n", []string{"data.csv: line 2, column 5:", "starts on line 2", "text after its closing quote"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tb, err := tabOpenCSV(t, c.data, TableOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer tb.Close()
			var last error
			for {
				if _, last = tb.Next(); last != nil {
					break
				}
			}
			tabWantErr(t, last, c.want...)
			if _, again := tb.Next(); again != last {
				t.Errorf("error is not sticky: %v", again)
			}
		})
	}
	t.Run("in the header", func(t *testing.T) {
		_, err := tabOpenCSV(t, "id,\"bad\"x\n", TableOptions{})
		tabWantErr(t, err, "data.csv: line 1")
	})
}

func TestTableHeaderOptions(t *testing.T) {
	data := "Northwind Ledger,,\n\nPopulation: terminations,,\nEmployee,Terminated,Revoked\nE1,2025-01-02,2025-01-02\n\"E2\nx\",2025-02-03,2025-02-04\nE3,2025-03-04,2025-03-04\n"
	isHeader := func(cells []string) bool { return len(cells) > 1 && strings.TrimSpace(cells[1]) == "Terminated" }

	tb, err := tabOpenCSV(t, data, TableOptions{IsHeader: isHeader})
	if err != nil {
		t.Fatal(err)
	}
	if tb.HeaderRow() != 4 || tb.Header()[0] != "Employee" {
		t.Fatalf("IsHeader: header row %d %q", tb.HeaderRow(), tb.Header())
	}
	if rows := tabReadAll(t, tb); len(rows) != 3 || rows[1].row != 6 || rows[2].row != 8 {
		t.Fatalf("rows %v", rows)
	}
	tb.Close()

	tb, err = tabOpenCSV(t, data, TableOptions{HeaderRow: 4})
	if err != nil {
		t.Fatal(err)
	}
	if tb.HeaderRow() != 4 || tb.Header()[2] != "Revoked" {
		t.Fatalf("HeaderRow 4: %d %q", tb.HeaderRow(), tb.Header())
	}
	tb.Close()

	tb, err = tabOpenCSV(t, data, TableOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if tb.HeaderRow() != 1 || !reflect.DeepEqual(tb.Header(), []string{"Northwind Ledger"}) {
		t.Fatalf("default: %d %q", tb.HeaderRow(), tb.Header())
	}
	tb.Close()

	_, err = tabOpenCSV(t, data, TableOptions{HeaderRow: 2})
	tabWantErr(t, err, "data.csv: no row starts at row 2")
	_, err = tabOpenCSV(t, data, TableOptions{HeaderRow: 7})
	tabWantErr(t, err, "data.csv: no row starts at row 7", "multi-line cell")
	_, err = tabOpenCSV(t, data, TableOptions{HeaderRow: 99})
	tabWantErr(t, err, "data.csv has no row 99")
	_, err = tabOpenCSV(t, data, TableOptions{HeaderRow: -1})
	tabWantErr(t, err, "data.csv: header row -1")
	_, err = tabOpenCSV(t, data, TableOptions{Sheet: "Sheet1"})
	tabWantErr(t, err, "data.csv is a CSV (text) file: it has no sheets")

	var many strings.Builder
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&many, "title %d,x\n", i)
	}
	many.WriteString("Employee,Terminated\n")
	_, err = tabOpenCSV(t, many.String(), TableOptions{IsHeader: isHeader})
	var hnf *HeaderNotFoundError
	if !errors.As(err, &hnf) || hnf.Scanned != TableHeaderScanLimit || hnf.FirstRow != 1 || hnf.File != "data.csv" {
		t.Fatalf("want HeaderNotFoundError after %d rows, got %#v", TableHeaderScanLimit, err)
	}
	tabWantErr(t, err, "no header row found in the first 30 non-blank rows", `"title 0"`)
}

func TestXLSXMessyFixture(t *testing.T) {
	tb := tabMustOpen(t, tabFixture("messy.xlsx"), TableOptions{Sheet: "control MATRIX", HeaderRow: 4})
	if tb.Format() != "xlsx" || tb.Sheet() != "Control Matrix" || tb.HeaderRow() != 4 {
		t.Fatalf("format %q sheet %q header row %d", tb.Format(), tb.Sheet(), tb.HeaderRow())
	}
	wantHeader := []string{"Ref #", "Control Activity\nDescription", "Control Owner", "Control Frequency", "Automation", "Key Control", "Trust Services Criteria", "Last Reviewed", "Notes"}
	if !reflect.DeepEqual(tb.Header(), wantHeader) {
		t.Fatalf("header %q", tb.Header())
	}
	rows := tabReadAll(t, tb)
	var got []int
	for _, r := range rows {
		got = append(got, r.row)
		if len(r.cells) != len(wantHeader) {
			t.Errorf("row %d has %d cells, want %d (padded)", r.row, len(r.cells), len(wantHeader))
		}
	}
	// Row 9 is missing from the file and rows 13 and 17 are blank.
	if want := []int{5, 6, 7, 8, 10, 11, 12, 14, 15, 16, 18}; !reflect.DeepEqual(got, want) {
		t.Fatalf("rows %v, want %v", got, want)
	}
	byRow := map[int][]string{}
	for _, r := range rows {
		byRow[r.row] = r.cells
	}
	checks := []struct {
		row, col int
		want     string
	}{
		{5, 0, "Logical and Physical Access"},
		{6, 1, "Access to production requires:\n• a unique account\n• multi-factor authentication"},
		{6, 5, "TRUE"},
		{6, 6, "CC6.1\nCC6.2"},
		{6, 7, "2025-03-14"}, // number format 14 shown as ISO
		{8, 7, "9-Dec-2024"}, // a custom format, applied as written
		{8, 5, "FALSE"},
		{11, 5, "Y"},
		{12, 7, ""},
		{12, 8, "New in 2025"},
	}
	for _, c := range checks {
		if got := byRow[c.row][c.col]; got != c.want {
			t.Errorf("row %d col %d = %q, want %q", c.row, c.col, got, c.want)
		}
	}

	def := tabMustOpen(t, tabFixture("messy.xlsx"), TableOptions{})
	if def.Sheet() != "Cover" || def.HeaderRow() != 2 {
		t.Errorf("default sheet %q header row %d, want the first visible sheet, Cover, row 2", def.Sheet(), def.HeaderRow())
	}
	_, err := OpenTable(tabFixture("messy.xlsx"), TableOptions{Sheet: "Controls"})
	tabWantErr(t, err, `messy.xlsx has no sheet "Controls": its sheets are "Cover", "Control Matrix", "Lists"`)

	_, err = OpenTable(tabFixture("messy.xlsx"), TableOptions{IsHeader: func([]string) bool { return false }})
	var hnf *HeaderNotFoundError
	if !errors.As(err, &hnf) || hnf.Sheet != "Cover" || !reflect.DeepEqual(hnf.Sheets, []string{"Cover", "Control Matrix"}) {
		t.Fatalf("want HeaderNotFoundError on Cover listing the visible sheets, got %#v", err)
	}
	tabWantErr(t, err, `messy.xlsx (sheet "Cover")`, `also has "Control Matrix"`)
}

func TestXLSXMatchesCSV(t *testing.T) {
	a := tabReadAll(t, tabMustOpen(t, tabFixture("clean.csv"), TableOptions{}))
	x := tabMustOpen(t, tabFixture("clean.xlsx"), TableOptions{})
	b := tabReadAll(t, x)
	if x.Sheet() != "Controls" {
		t.Errorf("sheet %q", x.Sheet())
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("clean.csv and clean.xlsx differ:\n%v\n%v", a, b)
	}
}

// tabWriteBigXLSX streams rows×cols cells (cols ≤ 8) to an .xlsx: text,
// dates (number format 14) and numbers.
func tabWriteBigXLSX(t testing.TB, path string, rows, cols int) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	date, _ := f.NewStyle(&excelize.Style{NumFmt: 14})
	header := []any{"Ticket", "Opened", "Amount", "Summary", "Requester", "Approver", "Status", "System"}
	if err := sw.SetRow("A1", header[:cols]); err != nil {
		t.Fatal(err)
	}
	day := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	row := make([]any, 8)
	for i := 0; i < rows; i++ {
		row[0] = fmt.Sprintf("CHG-%07d", i+1)
		row[1] = excelize.Cell{StyleID: date, Value: day.AddDate(0, 0, i%365)}
		row[2] = float64(i%10000) + 0.25
		row[3] = fmt.Sprintf("Deploy release %d of the ledger service", i)
		row[4] = fmt.Sprintf("dev%03d@northwind.example", i%500)
		row[5] = fmt.Sprintf("lead%02d@northwind.example", i%40)
		row[6] = "Closed"
		row[7] = "ledger-api"
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, row[:cols]); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
}

// tabHeapInUse is the live heap: what is still reachable after a collection
// (two, so that objects freed by finalizers are gone too).
func tabHeapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestXLSXStreamsLargeSheet reads a 100,000-row sheet and checks, loosely,
// that memory stays far below the size of the sheet's XML: the sheet is
// streamed from a temporary file, not decoded in memory.
func TestXLSXStreamsLargeSheet(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and reads a 100,000-row workbook")
	}
	const n = 100_000
	path := filepath.Join(t.TempDir(), "changes.xlsx")
	// Written as raw XML rather than with excelize's StreamWriter, and with
	// 4 columns, to keep the test quick under -race; BenchmarkTableXLSX
	// reads an excelize-written 8-column sheet.
	tabWriteRawXLSX(t, path, "Changes", nil, func(w io.Writer) {
		io.WriteString(w, `<row r="1"><c r="A1" t="inlineStr"><is><t>Ticket</t></is></c><c r="B1" t="inlineStr"><is><t>Opened</t></is></c><c r="C1" t="inlineStr"><is><t>Amount</t></is></c><c r="D1" t="inlineStr"><is><t>Summary</t></is></c></row>`)
		for i := 0; i < n; i++ {
			r := i + 2
			fmt.Fprintf(w, `<row r="%d"><c r="A%d" t="inlineStr"><is><t>CHG-%07d</t></is></c><c r="B%d" s="1"><v>%d</v></c><c r="C%d"><v>%d.25</v></c><c r="D%d" t="inlineStr"><is><t>Deploy release %d of the ledger service</t></is></c></row>`,
				r, r, i+1, r, 45658+i%365, r, i%10000, r, i)
		}
	})
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	var sheetXML uint64
	for _, f := range zr.File {
		if f.Name == "xl/worksheets/sheet1.xml" {
			sheetXML = f.UncompressedSize64
		}
	}
	zr.Close()

	base := tabHeapInUse()
	tb := tabMustOpen(t, path, TableOptions{})
	var peak uint64
	count := 0
	for {
		row, err := tb.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		count++
		if count == 1 && (row[0] != "CHG-0000001" || row[1] != "2025-01-01" || row[2] != "0.25") {
			t.Fatalf("first row %q", row)
		}
		if count%10_000 == 0 {
			if tb.Row() != count+1 {
				t.Fatalf("row %d after %d rows", tb.Row(), count)
			}
			if h := tabHeapInUse(); h > peak {
				peak = h
			}
		}
	}
	if count != n {
		t.Fatalf("%d rows, want %d", count, n)
	}
	grown := int64(peak) - int64(base)
	t.Logf("sheet XML %.1f MiB; heap in use grew by at most %.1f MiB while reading", float64(sheetXML)/(1<<20), float64(grown)/(1<<20))
	// Loose bound: a third of the sheet's XML, and never more than 64 MiB.
	// Decoding the sheet in memory would take several times its XML size.
	if limit := min(int64(sheetXML)/3, 64<<20); grown > limit {
		t.Errorf("heap grew by %d bytes reading a %d-byte sheet: the sheet is not being streamed", grown, sheetXML)
	}
}

// tabWriteRawXLSX writes a minimal workbook by hand, streaming: one sheet
// whose <sheetData> content sheetData writes, an optional shared-string
// part, and styles where style 1 is Excel's short date (number format 14).
func tabWriteRawXLSX(t testing.TB, path, sheet string, sst []byte, sheetData func(io.Writer)) {
	t.Helper()
	const ns = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`
	const head = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"
	const rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
	const ct = "application/vnd.openxmlformats-officedocument.spreadsheetml."
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(out)
	part := func(name string, write func(io.Writer)) {
		// Stored, not deflated: quicker to write and to read under -race.
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		write(w)
	}
	text := func(s string) func(io.Writer) { return func(w io.Writer) { io.WriteString(w, s) } }
	sstType, sstRel := "", ""
	if sst != nil {
		sstType = `<Override PartName="/xl/sharedStrings.xml" ContentType="` + ct + `sharedStrings+xml"/>`
		sstRel = `<Relationship Id="rId3" Type="` + rel + `sharedStrings" Target="sharedStrings.xml"/>`
	}
	part("[Content_Types].xml", text(head+`<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="`+ct+`sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="`+ct+`worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="`+ct+`styles+xml"/>`+sstType+`</Types>`))
	part("_rels/.rels", text(head+`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="`+rel+`officeDocument" Target="xl/workbook.xml"/></Relationships>`))
	part("xl/workbook.xml", text(head+`<workbook `+ns+` xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="`+sheet+`" sheetId="1" r:id="rId1"/></sheets></workbook>`))
	part("xl/_rels/workbook.xml.rels", text(head+`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="`+rel+`worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="`+rel+`styles" Target="styles.xml"/>`+sstRel+`</Relationships>`))
	part("xl/styles.xml", text(head+`<styleSheet `+ns+`><fonts count="1"><font/></fonts><fills count="1"><fill/></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>`))
	if sst != nil {
		part("xl/sharedStrings.xml", func(w io.Writer) { w.Write(sst) })
	}
	part("xl/worksheets/sheet1.xml", func(w io.Writer) {
		bw := bufio.NewWriterSize(w, 1<<16)
		io.WriteString(bw, head+`<worksheet `+ns+`><sheetData>`)
		sheetData(bw)
		io.WriteString(bw, `</sheetData></worksheet>`)
		if err := bw.Flush(); err != nil {
			t.Fatal(err)
		}
	})
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestXLSXSharedStringsOnDisk covers a workbook whose shared-string table is
// larger than the in-memory limit (excelize then reads it from a temp file).
func TestXLSXSharedStringsOnDisk(t *testing.T) {
	const n = 25_000
	var sst, sheet bytes.Buffer
	sst.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n")
	fmt.Fprintf(&sst, `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">`, 2*n+2, 2*n+2)
	sst.WriteString(`<si><t>Ticket</t></si><si><t>Summary</t></si>`)
	sheet.WriteString(`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>`)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&sst, `<si><t>T-%06d</t></si><si><t xml:space="preserve">Change number %d approved by the change advisory board </t></si>`, i, i)
		// Column B left out on every 7th row; column C is a number.
		if i%7 == 0 {
			fmt.Fprintf(&sheet, `<row r="%d"><c r="A%d" t="s"><v>%d</v></c><c r="C%d"><v>%d</v></c></row>`, i+2, i+2, 2+2*i, i+2, i)
		} else {
			fmt.Fprintf(&sheet, `<row r="%d"><c r="A%d" t="s"><v>%d</v></c><c r="B%d" t="s"><v>%d</v></c></row>`, i+2, i+2, 2+2*i, i+2, 3+2*i)
		}
	}
	sst.WriteString(`</sst>`)
	if sst.Len() <= tabularXLSXInMemoryMax {
		t.Fatalf("shared strings %d bytes: too small for this test", sst.Len())
	}
	path := filepath.Join(t.TempDir(), "population.xlsx")
	tabWriteRawXLSX(t, path, "Population", sst.Bytes(), func(w io.Writer) { w.Write(sheet.Bytes()) })
	tb := tabMustOpen(t, path, TableOptions{})
	if tb.Sheet() != "Population" || !reflect.DeepEqual(tb.Header(), []string{"Ticket", "Summary"}) {
		t.Fatalf("sheet %q header %q", tb.Sheet(), tb.Header())
	}
	count := 0
	for {
		row, err := tb.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		i := count
		count++
		want := []string{fmt.Sprintf("T-%06d", i), fmt.Sprintf("Change number %d approved by the change advisory board ", i)}
		if i%7 == 0 {
			want = []string{want[0], "", fmt.Sprint(i)}
		}
		if !reflect.DeepEqual(row, want) || tb.Row() != i+2 {
			t.Fatalf("row %d = %q, want row %d %q", tb.Row(), row, i+2, want)
		}
	}
	if count != n {
		t.Fatalf("%d rows, want %d", count, n)
	}
}

// FuzzReadCSVTable feeds arbitrary bytes through the CSV path: it must never
// panic or loop, must name the file in every error, and every row it returns
// must be non-blank, valid UTF-8, at least header-wide, and numbered in
// increasing source order after the header.
func FuzzReadCSVTable(f *testing.F) {
	for _, name := range []string{"clean.csv", "excel-utf8.csv", "messy.csv", "semicolon.csv", "invalid.csv", "not-a-matrix.csv"} {
		data, err := os.ReadFile(tabFixture(name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, uint8(0))
	}
	for _, s := range []string{
		"", "\xef\xbb\xbf", "a\r\nb", "\"a\nb\",c\r\n1,2", "sep=;\na;b\n1;2", "a,\"b\n", "a;b\n\"x\";\"y\"z",
		"\xff\xfeA\x00,\x00B\x00\n\x001\x00", "caf\xe9,\xe2\x82\xac\n", "\xe2\x82", "x\r\r\ny\r", "\"\"\"\",\"\"\n",
	} {
		f.Add([]byte(s), uint8(0))
		f.Add([]byte(s), uint8(2))
	}
	f.Fuzz(func(t *testing.T, data []byte, headerRow uint8) {
		const name = "fuzz.csv"
		kind, err := sniffTable(name, data[:min(len(data), tabularSniffSize)])
		if err != nil {
			if !strings.Contains(err.Error(), name) {
				t.Fatalf("error without the file name: %v", err)
			}
			return
		}
		if kind != "csv" {
			return
		}
		opt := TableOptions{HeaderRow: int(headerRow % 4)}
		if headerRow%8 >= 4 {
			opt.HeaderRow = 0
			opt.IsHeader = func(c []string) bool { return len(c) > 1 }
		}
		tb, err := newCSVTable(name, bytes.NewReader(data), nil, opt)
		if err != nil {
			if !strings.Contains(err.Error(), name) {
				t.Fatalf("error without the file name: %v", err)
			}
			return
		}
		defer tb.Close()
		h := tb.Header()
		if len(h) == 0 || h[len(h)-1] == "" || tb.HeaderRow() < 1 {
			t.Fatalf("header %q at row %d", h, tb.HeaderRow())
		}
		if opt.HeaderRow > 0 && tb.HeaderRow() != opt.HeaderRow {
			t.Fatalf("header row %d, asked for %d", tb.HeaderRow(), opt.HeaderRow)
		}
		for _, c := range h {
			if !utf8.ValidString(c) {
				t.Fatalf("invalid UTF-8 heading %q", c)
			}
		}
		prev := tb.HeaderRow()
		lines := bytes.Count(data, []byte{'\n'}) + bytes.Count(data, []byte{'\r'}) + 1
		for n := 0; ; n++ {
			if n > len(data) {
				t.Fatalf("more rows (%d) than bytes", n)
			}
			row, err := tb.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				if !strings.Contains(err.Error(), name) {
					t.Fatalf("error without the file name: %v", err)
				}
				return
			}
			if len(row) < len(h) || blankCells(row) {
				t.Fatalf("row %q for header %q", row, h)
			}
			for _, c := range row {
				if !utf8.ValidString(c) {
					t.Fatalf("invalid UTF-8 cell %q", c)
				}
			}
			if tb.Row() <= prev || tb.Row() > lines {
				t.Fatalf("row number %d after %d (%d lines)", tb.Row(), prev, lines)
			}
			prev = tb.Row()
		}
	})
}

// tabWriteBigCSV writes rows×8 cells, with a quoted cell holding a comma on
// every row and a line break on every tenth.
func tabWriteBigCSV(t testing.TB, path string, rows int) int64 {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := io.Writer(f)
	var buf bytes.Buffer
	buf.WriteString("Ticket,Opened,Summary,Requester,Approver,Amount,Status,System\r\n")
	for i := 0; i < rows; i++ {
		summary := fmt.Sprintf("\"Deploy release %d, ledger service\"", i)
		if i%10 == 0 {
			summary = fmt.Sprintf("\"Deploy release %d\nledger service\"", i)
		}
		fmt.Fprintf(&buf, "CHG-%07d,2025-%02d-%02d,%s,dev%03d@northwind.example,lead%02d@northwind.example,%d.25,Closed,ledger-api\r\n",
			i+1, i%12+1, i%28+1, summary, i%500, i%40, i%10000)
		if buf.Len() > 1<<20 {
			w.Write(buf.Bytes())
			buf.Reset()
		}
	}
	w.Write(buf.Bytes())
	st, _ := f.Stat()
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

func TestCSVLargeFileMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and reads a 100,000-row CSV")
	}
	path := filepath.Join(t.TempDir(), "changes.csv")
	size := tabWriteBigCSV(t, path, 100_000)
	base := tabHeapInUse()
	tb := tabMustOpen(t, path, TableOptions{})
	var peak uint64
	count := 0
	for {
		if _, err := tb.Next(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		count++
		if count%10_000 == 0 {
			peak = max(peak, tabHeapInUse())
		}
	}
	if count != 100_000 {
		t.Fatalf("%d rows", count)
	}
	grown := int64(peak) - int64(base)
	t.Logf("CSV %.1f MiB; heap in use grew by at most %.1f MiB", float64(size)/(1<<20), float64(grown)/(1<<20))
	if grown > size/3 {
		t.Errorf("heap grew by %d bytes reading a %d-byte CSV", grown, size)
	}
}

func BenchmarkTableCSV(b *testing.B) {
	const rows = 100_000
	path := filepath.Join(b.TempDir(), "changes.csv")
	size := tabWriteBigCSV(b, path, rows)
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tb, err := OpenTable(path, TableOptions{})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			if _, err := tb.Next(); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
			n++
		}
		tb.Close()
		if n != rows {
			b.Fatalf("%d rows", n)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkTableXLSX(b *testing.B) {
	const rows = 100_000
	path := filepath.Join(b.TempDir(), "changes.xlsx")
	tabWriteBigXLSX(b, path, rows, 8)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tb, err := OpenTable(path, TableOptions{})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			if _, err := tb.Next(); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
			n++
		}
		tb.Close()
		if n != rows {
			b.Fatalf("%d rows", n)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// TestXLSXDateFormatsAsExcelizeRendersThem checks that the en-US tagging done
// for speed (xlsxFastDateFormats) changes no rendered value: every cell reads
// as excelize's own GetRows renders it, except Excel's locale-dependent short
// date (formats 14 and 22), which is ISO on purpose.
func TestXLSXDateFormatsAsExcelizeRendersThem(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	when := time.Date(2025, 3, 7, 15, 4, 5, 0, time.UTC)
	customs := []string{"d-mmm-yyyy", "dd/mm/yyyy", "mmmm d, yyyy", "dddd, mmmm dd, yyyy", "yyyy-mm-dd hh:mm:ss",
		"h:mm AM/PM", "dd.mm.yyyy;@", "[$-409]mmm d, yyyy", "ddd d mmm", `yyyy"年"m"月"d"日"`, "mmm\\-yy", "[h]:mm",
		"0.00%", "#,##0.00", `$#,##0.00_);($#,##0.00)`, "@", "General"}
	f.SetCellValue("Sheet1", "A1", "format")
	f.SetCellValue("Sheet1", "B1", "value")
	row := 2
	put := func(st int, label string) {
		f.SetCellValue("Sheet1", fmt.Sprintf("A%d", row), label)
		cell := fmt.Sprintf("B%d", row)
		f.SetCellValue("Sheet1", cell, when)
		if strings.ContainsAny(label, "%#$") {
			f.SetCellValue("Sheet1", cell, 1234.5678)
		}
		if err := f.SetCellStyle("Sheet1", cell, cell, st); err != nil {
			t.Fatal(err)
		}
		row++
	}
	for _, id := range []int{14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 46, 47} {
		st, err := f.NewStyle(&excelize.Style{NumFmt: id})
		if err != nil {
			t.Fatal(err)
		}
		put(st, fmt.Sprintf("builtin %d", id))
	}
	for _, code := range customs {
		st, err := f.NewStyle(&excelize.Style{CustomNumFmt: &code})
		if err != nil {
			t.Fatal(err)
		}
		put(st, code)
	}
	path := filepath.Join(t.TempDir(), "formats.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	ref, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	want, err := ref.GetRows("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	got := tabReadAll(t, tabMustOpen(t, path, TableOptions{}))
	if len(got) != len(want)-1 {
		t.Fatalf("%d rows, want %d", len(got), len(want)-1)
	}
	iso := map[string]string{"builtin 14": "2025-03-07", "builtin 22": "2025-03-07 15:04"}
	for i, g := range got {
		w := want[i+1]
		exp := w[1]
		if v, ok := iso[w[0]]; ok {
			exp = v
		}
		if g.cells[0] != w[0] || g.cells[1] != exp {
			t.Errorf("%s: got %q, want %q", w[0], g.cells[1], exp)
		}
	}
}
