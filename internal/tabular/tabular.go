// Package tabular reads a client's spreadsheet (CSV or XLSX) one row at a
// time, for the control-matrix and population imports.
package tabular

// tabular.go reads client spreadsheets — CSV or XLSX — one row at a time:
// the table, the format sniffing, the header search, the blank-row rules
// and the messages the two formats share; csv.go and xlsx.go are the two
// sources of rows.
//
// It serves both the control-matrix import (a few dozen rows) and the
// population import (up to a million rows), so nothing here ever holds a
// whole file in memory:
//
//   - CSV goes through encoding/csv over a buffered stream.
//   - XLSX goes through excelize's row iterator (File.Rows). excelize is
//     opened with UnzipXMLSizeLimit = 2 MiB, so any worksheet or shared-string
//     part bigger than that is unpacked to a temporary file and streamed from
//     disk instead of being decoded in memory, and with UnzipSizeLimit = 4 GiB
//     as the cap on the unpacked size (a zip bomb is refused, and the temporary
//     files cannot fill the disk beyond that). Close removes the temporary files.
//     A shared-string table on disk still costs excelize an index of about
//     40 bytes per distinct string in memory.
//
// Decisions worth knowing when reading a population:
//
//   - The format comes from the content, not the extension: a zip is an XLSX
//     workbook, text is CSV. Legacy .xls, password-protected workbooks, .xlsb,
//     OpenDocument, HTML pages saved as ".xls", binary files and empty files
//     are refused with a message that says how to re-save the file.
//   - CSV text must be UTF-8 (a BOM is stripped) or UTF-16 with a BOM (Excel's
//     "Unicode Text"). A file that is not valid UTF-8 and has no UTF-8
//     multi-byte sequence before its first invalid byte is decoded as
//     Windows-1252 (what old Excel versions write as "CSV" on Windows) — that
//     is the faithful reading of such a file, not a lossy repair. A file that
//     has valid UTF-8 and then invalid bytes mixes encodings: it is refused,
//     naming the line, because no single reading of it is right.
//   - The CSV delimiter is chosen from the header row: comma, semicolon
//     (European Excel) or tab — whichever splits the header into the most
//     non-empty cells (comma on a tie). Excel's "sep=;" first line is honoured.
//     A file whose lines end in CR only (old Mac Excel) is read as such.
//   - Rows whose cells are all blank are skipped and counted (BlankRows);
//     row numbers still refer to the source, so Row stays right.
//   - XLSX cells are returned as Excel displays them: dates are formatted,
//     and Excel's locale-dependent "short date" style (number format 14) is
//     rendered as ISO yyyy-mm-dd so that dates parse without guessing the
//     client's locale. Custom formats are applied as the client wrote them.
//     (Date formats are tagged en-US in memory for speed, which changes no
//     rendered value: see xlsxFastDateFormats.)

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/richardlehane/mscfb"
)

// TableHeaderScanLimit is how many non-blank rows OpenTable examines when it
// looks for the header row with TableOptions.IsHeader.
const TableHeaderScanLimit = 30

const (
	tabularSniffSize       = 8 << 10  // bytes examined to tell text from binary
	tabularCSVPeekSize     = 64 << 10 // bytes examined to choose the CSV delimiter
	tabularXLSXInMemoryMax = 2 << 20  // parts larger than this are streamed from a temp file
	tabularXLSXUnzipMax    = 4 << 30  // cap on a workbook's total unpacked size

	// Limits on what a hostile file may make an import hold (issue 13):
	// a cell, a row's width, a CSV line, and how far one part of a
	// workbook may inflate.
	MaxCellBytes    = 1 << 20  // 1 MiB, 32 times what an Excel cell holds
	MaxRowCells     = 16384    // Excel's column limit
	MaxLineBytes    = 8 << 20  // a CSV line (outside line breaks in quotes)
	MaxPartInflate  = 1 << 30  // one part of a workbook, unpacked
	MaxPartRatio    = 200      // unpacked:packed, beyond which a large part is a zip bomb
	minRatioChecked = 64 << 20 // parts smaller than this are not judged by their ratio
)

// TableOptions says which part of a file is the table.
type TableOptions struct {
	Sheet     string // XLSX sheet; "" = first visible sheet. Error if given for CSV.
	HeaderRow int    // 1-based source row of the header; 0 = detect
	// IsHeader, when set and HeaderRow is 0, picks the first row (within the
	// first 30 non-blank rows) for which it returns true; when nil, the first
	// non-blank row is the header. It must not keep the slice it is given.
	IsHeader func(cells []string) bool
}

// Table is an open spreadsheet positioned after its header row. It is not
// safe for concurrent use.
type Table struct {
	name      string // base name of the file, for messages
	format    string
	sheet     string
	header    []string
	headerRow int
	row       int
	blank     int
	src       tableSource
	err       error
	shaped    []string // the row NextShared returns, reused
	// Rows whose width does not match the header (issue 13 item 7).
	short, long raggedRows
	checkShort  bool // CSV: every record should have a cell per heading
	blankBefore int  // blank rows skipped before the header
}

// raggedRows counts rows of one kind and keeps the first few row numbers.
type raggedRows struct {
	n     int
	first [5]int
}

func (r *raggedRows) add(row int) {
	if r.n < len(r.first) {
		r.first[r.n] = row
	}
	r.n++
}

// String lists the rows: "row 4", "rows 4, 9 and 12", "rows 4, 9, 12, 15, 20 and 3 more".
func (r raggedRows) String() string {
	k := min(r.n, len(r.first))
	parts := make([]string, k)
	for i := range k {
		parts[i] = fmt.Sprint(r.first[i])
	}
	switch {
	case r.n == 1:
		return "row " + parts[0]
	case r.n > k:
		return fmt.Sprintf("rows %s and %d more", strings.Join(parts, ", "), r.n-k)
	}
	return "rows " + strings.Join(parts[:k-1], ", ") + " and " + parts[k-1]
}

// RaggedError says which rows do not fit the header, or is nil when every
// row read so far does: a row with non-blank cells beyond the last heading
// (cells that belong to no column: an unquoted comma, or a shifted row), or,
// in a CSV, a record with fewer cells than the header has headings (a record
// broken by a line end, or cells lost). Call it after the last row.
func (t *Table) RaggedError() error {
	if t.long.n == 0 && t.short.n == 0 {
		return nil
	}
	where := t.name + sheetSuffix(t.sheet)
	var why []string
	if t.long.n > 0 {
		why = append(why, fmt.Sprintf("%s %s cells beyond the last of the header's %d headings (an unquoted comma or a shifted row?)",
			t.long, plural(t.long.n, "has", "have"), len(t.header)))
	}
	if t.short.n > 0 {
		why = append(why, fmt.Sprintf("%s %s fewer cells than the header's %d headings (a record broken by a line end, or cells missing?)",
			t.short, plural(t.short.n, "has", "have"), len(t.header)))
	}
	return fmt.Errorf("%s: %s: the rows do not line up with the header, so fieldwork cannot tell which cell belongs to which column; correct the file or re-export it",
		where, strings.Join(why, "; "))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// BlankBeforeHeader is how many blank rows (",,," included) came before the
// header row.
func (t *Table) BlankBeforeHeader() int { return t.blankBefore }

// tableSource yields the rows of a file in order, blank ones included.
type tableSource interface {
	// next returns the next row's cells and its 1-based source row, or io.EOF.
	// The slice may be reused by the following call.
	next() ([]string, int, error)
	close() error
}

// HeaderNotFoundError is returned by OpenTable when no row qualifies as the
// header. It carries the first non-blank row so that a caller can say what
// it found instead.
type HeaderNotFoundError struct {
	File     string   // base name
	Sheet    string   // XLSX sheet, "" for CSV
	Scanned  int      // non-blank rows examined
	FirstRow int      // source row of the first non-blank row, 0 if none
	First    []string // its cells, trimmed
	Sheets   []string // XLSX: the workbook's visible sheets, in order
}

func (e *HeaderNotFoundError) Error() string {
	where := e.File
	if e.Sheet != "" {
		where += fmt.Sprintf(" (sheet %q)", e.Sheet)
	}
	if e.Scanned == 0 {
		return where + " has no rows: it is empty or holds only blank lines; check that this is the right file" + sheetHint(e.Sheet)
	}
	return fmt.Sprintf("%s: no header row found in the first %d non-blank rows (row %d has %s); check that this is the right file%s, or give the header row%s",
		where, e.Scanned, e.FirstRow, QuoteCells(e.First, 8), sheetHint(e.Sheet), e.otherSheets())
}

// otherSheets names the visible sheets other than the one read, if any.
func (e *HeaderNotFoundError) otherSheets() string {
	var o []string
	for _, s := range e.Sheets {
		if s != e.Sheet {
			o = append(o, s)
		}
	}
	if len(o) == 0 {
		return ""
	}
	return " (the workbook also has " + QuoteCells(o, len(o)) + ")"
}

func sheetHint(sheet string) string {
	if sheet == "" {
		return ""
	}
	return " and sheet"
}

// OpenTable opens a CSV or XLSX file and reads up to and including its header
// row. The caller must Close the table.
func OpenTable(path string, opt TableOptions) (*Table, error) {
	name := filepath.Base(path)
	if opt.HeaderRow < 0 {
		return nil, fmt.Errorf("%s: header row %d is not a row number (use 0 to detect it)", name, opt.HeaderRow)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, tabularOpenError(name, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, tabularOpenError(name, err)
	}
	if st.IsDir() {
		f.Close()
		return nil, fmt.Errorf("%s is a folder, not a file: choose the CSV or XLSX file inside it", name)
	}
	head := make([]byte, tabularSniffSize)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		f.Close()
		return nil, tabularOpenError(name, err)
	}
	head = head[:n]
	kind, err := sniffTable(name, head)
	if err != nil {
		f.Close()
		return nil, err
	}
	switch kind {
	case "ole":
		err := oleError(name, f)
		f.Close()
		return nil, err
	case "zip":
		f.Close()
		return openXLSXTable(path, name, opt)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, tabularOpenError(name, err)
	}
	t, err := newCSVTable(name, f, f, opt)
	if err != nil {
		f.Close()
		return nil, err
	}
	return t, nil
}

func tabularOpenError(name string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s not found: check the file name and folder", name)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("%s cannot be read (permission denied): check the file's permissions, or copy it somewhere you can read", name)
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("%s cannot be read: %v", name, err)
}

var (
	magicZip      = []byte("PK\x03\x04")
	magicZipEmpty = []byte("PK\x05\x06")
	magicOLE      = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
	bomUTF8       = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE    = []byte{0xFF, 0xFE}
	bomUTF16BE    = []byte{0xFE, 0xFF}
)

// sniffTable tells the format from the first bytes of a file: "zip", "ole"
// or "csv", or an error saying why the file is neither.
func sniffTable(name string, head []byte) (string, error) {
	switch {
	case len(head) == 0:
		return "", fmt.Errorf("%s is empty (0 bytes): ask the client to send the file again", name)
	case bytes.HasPrefix(head, magicZip) || bytes.HasPrefix(head, magicZipEmpty):
		return "zip", nil
	case bytes.HasPrefix(head, magicOLE[:4]):
		return "ole", nil
	case bytes.HasPrefix(head, []byte("%PDF")):
		return "", fmt.Errorf("%s is a PDF, not a spreadsheet: ask the client for the CSV or XLSX export", name)
	case bytes.HasPrefix(head, bomUTF16LE) || bytes.HasPrefix(head, bomUTF16BE):
		return "csv", nil // UTF-16 text with a BOM: NULs are expected
	}
	text := bytes.TrimPrefix(head, bomUTF8)
	if bytes.IndexByte(text, 0) >= 0 {
		return "", fmt.Errorf("%s is not a CSV or XLSX file: it contains binary data (NUL bytes); open it in Excel and save it as .xlsx or \"CSV UTF-8\"", name)
	}
	ctrl := 0
	for _, b := range text {
		if b < 0x20 && b != '\t' && b != '\n' && b != '\r' && b != '\f' {
			ctrl++
		}
	}
	if ctrl > len(text)/10+1 {
		return "", fmt.Errorf("%s is not a CSV or XLSX file: it contains binary data; open it in Excel and save it as .xlsx or \"CSV UTF-8\"", name)
	}
	lead := bytes.ToLower(bytes.TrimLeftFunc(text, unicode.IsSpace))
	for _, p := range []string{"<!doctype html", "<html", "<table", "<?xml", "<meta", "<head"} {
		if bytes.HasPrefix(lead, []byte(p)) {
			return "", fmt.Errorf("%s is a web page or XML file saved with a spreadsheet name, not CSV or XLSX: open it in Excel and save it as .xlsx or \"CSV UTF-8\"", name)
		}
	}
	return "csv", nil
}

// oleError explains an OLE compound file: a legacy .xls workbook, or an
// .xlsx that Excel encrypted with a password (which is stored the same way).
func oleError(name string, f *os.File) error {
	if doc, err := mscfb.New(f); err == nil {
		for entry, err := doc.Next(); err == nil; entry, err = doc.Next() {
			if entry.Name == "EncryptedPackage" || entry.Name == "EncryptionInfo" {
				return fmt.Errorf("%s is protected with a password: ask the client to remove it (File > Info > Protect Workbook > Encrypt with Password) and save it again as .xlsx, or to send a CSV", name)
			}
		}
	}
	return fmt.Errorf("%s is an Excel 97-2003 .xls workbook: save it as .xlsx or CSV", name)
}

// Name is the file name the table was opened from, as used in messages.
func (t *Table) Name() string { return t.name }

// Format is "csv" or "xlsx".
func (t *Table) Format() string { return t.format }

// Sheet is the XLSX sheet being read, "" for CSV.
func (t *Table) Sheet() string { return t.sheet }

// Header is the header row's cells, trimmed, without trailing empty cells.
// An empty heading in the middle stays as "".
func (t *Table) Header() []string { return t.header }

// HeaderRow is the 1-based source row (CSV: line) of the header.
func (t *Table) HeaderRow() int { return t.headerRow }

// Row is the 1-based source row of the row Next last returned. For CSV it is
// the line on which the record starts, which stays right when quoted cells
// hold line breaks.
func (t *Table) Row() int { return t.row }

// BlankRows is how many all-blank rows after the header Next has skipped so far.
func (t *Table) BlankRows() int { return t.blank }

// Next returns the next non-blank data row, or io.EOF after the last one.
// Cells are as the client wrote them (not trimmed). The row has at least
// len(Header()) cells, padded with ""; it is longer only when non-blank cells
// stand beyond the last heading (a sign of a shifted row that the caller may
// want to report). The slice belongs to the caller.
func (t *Table) Next() ([]string, error) {
	cells, err := t.nextCells()
	if err != nil {
		return nil, err
	}
	return t.shape(cells, nil), nil
}

// NextShared is Next for a caller that is done with the row before the
// following call: the slice is reused (the strings in it are not), which
// spares an allocation a row on a large import.
func (t *Table) NextShared() ([]string, error) {
	cells, err := t.nextCells()
	if err != nil {
		return nil, err
	}
	t.shaped = t.shape(cells, t.shaped)
	return t.shaped, nil
}

func (t *Table) nextCells() ([]string, error) {
	if t.err != nil {
		return nil, t.err
	}
	for {
		cells, row, err := t.src.next()
		if err != nil {
			t.err = err
			return nil, err
		}
		if blankCells(cells) {
			t.blank++
			continue
		}
		t.row = row
		if t.checkShort && len(cells) < len(t.header) {
			t.short.add(row)
		}
		return cells, nil
	}
}

// shape copies cells into buf (grown as needed), padded or cut as Next says.
func (t *Table) shape(cells, buf []string) []string {
	n := len(t.header)
	for i := len(cells) - 1; i >= n; i-- {
		if !blankText(cells[i]) {
			n = i + 1
			t.long.add(t.row)
			break
		}
	}
	out := buf[:cap(buf)]
	if len(out) < n {
		out = make([]string, n)
	}
	out = out[:n]
	clear(out[copy(out, cells):])
	return out
}

// Close releases the file and any temporary files. It is safe to call twice.
func (t *Table) Close() error {
	if t.src == nil {
		return nil
	}
	err := t.src.close()
	t.src = nil
	t.err = fmt.Errorf("%s: table is closed", t.name)
	return err
}

// isBlankRune is white space, or a stray byte-order mark (U+FEFF), which some
// exports leave at the start of a cell and which displays as nothing.
func isBlankRune(r rune) bool { return unicode.IsSpace(r) || r == '\uFEFF' }

func blankText(s string) bool { return s == "" || strings.TrimFunc(s, isBlankRune) == "" }

func blankCells(cells []string) bool {
	for _, c := range cells {
		if !blankText(c) {
			return false
		}
	}
	return true
}

func trimHeading(s string) string { return strings.TrimFunc(s, isBlankRune) }

// findHeader reads src up to the header row.
// It also returns how many blank rows came before the header.
func findHeader(name, sheet string, src tableSource, opt TableOptions) ([]string, int, int, error) {
	blanks := 0
	header, row, err := findHeaderRow(name, sheet, src, opt, &blanks)
	return header, row, blanks, err
}

func findHeaderRow(name, sheet string, src tableSource, opt TableOptions, blanks *int) ([]string, int, error) {
	scanned, firstRow := 0, 0
	var first []string
	for {
		cells, row, err := src.next()
		if err == io.EOF {
			if opt.HeaderRow > 0 {
				return nil, 0, fmt.Errorf("%s%s has no row %d (the header row given): it ends before; check the row number", name, sheetSuffix(sheet), opt.HeaderRow)
			}
			return nil, 0, &HeaderNotFoundError{File: name, Sheet: sheet, Scanned: scanned, FirstRow: firstRow, First: first}
		}
		if err != nil {
			return nil, 0, err
		}
		if opt.HeaderRow > 0 {
			if row < opt.HeaderRow {
				continue
			}
			if row > opt.HeaderRow {
				return nil, 0, fmt.Errorf("%s%s: no row starts at row %d (the header row given): it is blank or inside a multi-line cell; check the row number", name, sheetSuffix(sheet), opt.HeaderRow)
			}
			if blankCells(cells) {
				return nil, 0, fmt.Errorf("%s%s: row %d (the header row given) is blank; check the row number", name, sheetSuffix(sheet), opt.HeaderRow)
			}
			return headerCells(cells), row, nil
		}
		if blankCells(cells) {
			*blanks++
			continue
		}
		scanned++
		if scanned == 1 {
			firstRow, first = row, headerCells(cells)
		}
		if opt.IsHeader == nil || opt.IsHeader(append([]string(nil), cells...)) {
			return headerCells(cells), row, nil
		}
		if scanned >= TableHeaderScanLimit {
			return nil, 0, &HeaderNotFoundError{File: name, Sheet: sheet, Scanned: scanned, FirstRow: firstRow, First: first}
		}
	}
}

func sheetSuffix(sheet string) string {
	if sheet == "" {
		return ""
	}
	return fmt.Sprintf(" (sheet %q)", sheet)
}

func headerCells(cells []string) []string {
	h := make([]string, len(cells))
	for i, c := range cells {
		h[i] = trimHeading(c)
	}
	for len(h) > 0 && h[len(h)-1] == "" {
		h = h[:len(h)-1]
	}
	return h
}

// QuoteCells lists up to max non-empty cells, quoted and shortened, for a
// message ("no cells" when all are empty).
func QuoteCells(cells []string, max int) string {
	var b strings.Builder
	n := 0
	for _, c := range cells {
		if c == "" {
			continue
		}
		if n == max {
			b.WriteString(", …")
			break
		}
		if n > 0 {
			b.WriteString(", ")
		}
		c = strings.Join(strings.Fields(c), " ")
		if utf8.RuneCountInString(c) > 40 {
			c = string([]rune(c)[:40]) + "…"
		}
		fmt.Fprintf(&b, "%q", c)
		n++
	}
	if n == 0 {
		return "no cells"
	}
	return b.String()
}

// checkCells refuses a row wider than MaxRowCells or with a cell larger
// than MaxCellBytes, naming the row and column.
func checkCells(name, sheet string, row int, cells []string) error {
	where := name
	if sheet != "" {
		where = fmt.Sprintf("%s (sheet %q)", name, sheet)
	}
	if len(cells) > MaxRowCells {
		return fmt.Errorf("%s row %d has %d cells, more than the %d columns a sheet can have: the file is not a table fieldwork can read with confidence", where, row, len(cells), MaxRowCells)
	}
	for i, c := range cells {
		if len(c) > MaxCellBytes {
			return fmt.Errorf("%s row %d, column %d holds a cell of %d MB, more than the %d MB a cell may hold: check the file (an unclosed quote?) or shorten the cell", where, row, i+1, len(c)>>20, MaxCellBytes>>20)
		}
	}
	return nil
}
