// Package tabular reads a client's spreadsheet (CSV or XLSX) one row at a
// time, for the control-matrix and population imports.
package tabular

// tabular.go reads client spreadsheets — CSV or XLSX — one row at a time.
// (It is one file of about 1,000 lines on purpose: the two formats share
// the header search, the blank-row rules and the messages.)
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
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/csv"
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
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"
	xunicode "golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
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

// ---------------------------------------------------------------- CSV

type csvSource struct {
	name    string
	r       *csv.Reader
	closer  io.Closer
	skipSep bool // the first line is Excel's "sep=X" hint
	// lf: the file's lines end in LF (or CRLF), so a carriage return left
	// inside a cell is a lone CR that may have joined two records.
	lf bool
}

func (s *csvSource) next() ([]string, int, error) {
	for {
		rec, err := s.r.Read()
		if err != nil {
			return nil, 0, csvError(s.name, err)
		}
		line, _ := s.r.FieldPos(0)
		if err := checkCells(s.name, "", line, rec); err != nil {
			return nil, 0, err
		}
		if s.lf {
			for i, c := range rec {
				if strings.IndexByte(c, '\r') >= 0 {
					return nil, 0, fmt.Errorf("%s: line %d, column %d holds a lone carriage return (CR) in a file whose lines end in LF: the file mixes line endings, so two records may have been joined; re-export the file, or replace the stray CR", s.name, line, i+1)
				}
			}
		}
		if s.skipSep {
			s.skipSep = false
			if line == 1 {
				continue
			}
		}
		return rec, line, nil
	}
}

func (s *csvSource) close() error {
	if s.closer == nil {
		return nil
	}
	err := s.closer.Close()
	s.closer = nil
	return err
}

// csvParseError names the file, line and column of a malformed CSV.
type csvParseError struct {
	file string
	pe   *csv.ParseError
}

func (e *csvParseError) Unwrap() error { return e.pe }

func (e *csvParseError) Error() string {
	var why string
	switch {
	case errors.Is(e.pe.Err, csv.ErrBareQuote):
		why = `a " appears inside a cell that does not start with a quote: double it ("") or put the whole cell in quotes`
	case errors.Is(e.pe.Err, csv.ErrQuote):
		why = fmt.Sprintf(`a quoted cell that starts on line %d is never closed, or has text after its closing quote (a quote inside a cell must be doubled: "")`, e.pe.StartLine)
	default:
		why = e.pe.Err.Error()
	}
	return fmt.Sprintf("%s: line %d, column %d: %s; or re-export the file from Excel", e.file, e.pe.Line, e.pe.Column, why)
}

// textEncodingError reports bytes that are neither UTF-8 nor a consistent
// Windows-1252 file.
type textEncodingError struct {
	file string
	line int
}

func (e *textEncodingError) Error() string {
	return fmt.Sprintf("%s: line %d: the text is not valid UTF-8 although earlier lines are (the file mixes encodings): re-save it from Excel as \"CSV UTF-8 (Comma delimited)\"", e.file, e.line)
}

func csvError(name string, err error) error {
	if err == io.EOF {
		return io.EOF
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &csvParseError{file: name, pe: pe}
	}
	var te *textEncodingError
	if errors.As(err, &te) {
		te.file = name
		return te
	}
	return fmt.Errorf("%s cannot be read (%w): check that the file is complete, then try again", name, err)
}

// newCSVTable reads a CSV stream (r) up to its header. closer is closed by
// Table.Close (it may be nil).
func newCSVTable(name string, r io.Reader, closer io.Closer, opt TableOptions) (*Table, error) {
	if opt.Sheet != "" {
		return nil, fmt.Errorf("%s is a CSV (text) file: it has no sheets, so leave the sheet empty (sheet %q was given)", name, opt.Sheet)
	}
	br := bufio.NewReaderSize(r, tabularCSVPeekSize)
	var text io.Reader = br
	if lead, _ := br.Peek(3); bytes.HasPrefix(lead, bomUTF16LE) || bytes.HasPrefix(lead, bomUTF16BE) {
		// Excel's "Unicode Text": decode to UTF-8 first (the BOM is consumed).
		text = transform.NewReader(br, xunicode.UTF16(xunicode.LittleEndian, xunicode.ExpectBOM).NewDecoder())
	} else if bytes.HasPrefix(lead, bomUTF8) {
		br.Discard(len(bomUTF8))
	}
	tr := &utf8OrCP1252{}
	pb := bufio.NewReaderSize(transform.NewReader(text, tr), tabularCSVPeekSize)
	head, _ := pb.Peek(tabularCSVPeekSize) // a short read or error shows again when reading
	var body io.Reader = &lineLimit{r: pb, name: name}
	lf := true
	if bytes.IndexByte(head, '\r') >= 0 && bytes.IndexByte(head, '\n') < 0 {
		body = &lineLimit{r: crToLF{pb}, name: name}
		head = bytes.ReplaceAll(head, []byte{'\r'}, []byte{'\n'})
		lf = false
	}
	comma, sep := csvDelimiter(head, opt)
	cr := csv.NewReader(body)
	cr.Comma = comma
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = false
	cr.ReuseRecord = true // safe: Table.Next copies every record before returning it
	src := &csvSource{name: name, r: cr, closer: closer, skipSep: sep, lf: lf}
	header, row, blanks, err := findHeader(name, "", src, opt)
	if err != nil {
		return nil, err
	}
	return &Table{name: name, format: "csv", header: header, headerRow: row, src: src, checkShort: true, blankBefore: blanks}, nil
}

// csvDelimiter picks the delimiter that splits the header row into the most
// non-empty cells (comma on a tie), and reports whether the first line is
// Excel's "sep=X" hint, which decides the delimiter by itself.
func csvDelimiter(head []byte, opt TableOptions) (rune, bool) {
	if len(head) >= 5 && strings.EqualFold(string(head[:4]), "sep=") {
		rest := head[5:]
		if len(rest) == 0 || rest[0] == '\n' || rest[0] == '\r' {
			if d := rune(head[4]); d != '"' && d != '\n' && d != '\r' && d < utf8.RuneSelf {
				return d, true
			}
		}
	}
	best, bestScore := ',', -1
	for _, d := range []rune{',', ';', '\t'} {
		if s := csvHeaderScore(head, d, opt); s > bestScore {
			best, bestScore = d, s
		}
	}
	return best, false
}

func csvHeaderScore(head []byte, comma rune, opt TableOptions) int {
	r := csv.NewReader(bytes.NewReader(head))
	r.Comma = comma
	r.FieldsPerRecord = -1
	scanned := 0
	for {
		rec, err := r.Read()
		if err != nil {
			return -1
		}
		line, _ := r.FieldPos(0)
		if opt.HeaderRow > 0 {
			if line < opt.HeaderRow {
				continue
			}
			if line > opt.HeaderRow {
				return -1
			}
			return nonBlankCount(rec)
		}
		if blankCells(rec) || onlyDelimiters(rec) {
			continue // a row of ",,," is blank whatever the delimiter
		}
		scanned++
		if opt.IsHeader == nil || opt.IsHeader(rec) {
			return nonBlankCount(rec)
		}
		if scanned >= TableHeaderScanLimit {
			return -1
		}
	}
}

func onlyDelimiters(cells []string) bool {
	for _, c := range cells {
		if strings.TrimFunc(c, func(r rune) bool { return isBlankRune(r) || r == ',' || r == ';' }) != "" {
			return false
		}
	}
	return true
}

func nonBlankCount(cells []string) int {
	n := 0
	for _, c := range cells {
		if !blankText(c) {
			n++
		}
	}
	return n
}

// crToLF turns bare carriage returns (classic Mac line ends) into line feeds.
type crToLF struct{ r io.Reader }

func (c crToLF) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	for i, b := range p[:n] {
		if b == '\r' {
			p[i] = '\n'
		}
	}
	return n, err
}

// utf8OrCP1252 passes UTF-8 through, checking it. If an invalid byte comes
// before any multi-byte UTF-8 sequence, the file is taken to be Windows-1252
// from there on (the bytes before were ASCII, which reads the same in both).
// An invalid byte after valid multi-byte UTF-8 is an error.
type utf8OrCP1252 struct {
	mode  int // 0 only ASCII so far, 1 UTF-8, 2 Windows-1252
	lines int // line feeds in the bytes consumed so far
}

func (t *utf8OrCP1252) Reset() { *t = utf8OrCP1252{} }

func (t *utf8OrCP1252) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	defer func() { t.lines += bytes.Count(src[:nSrc], []byte{'\n'}) }()
	for nSrc < len(src) {
		b := src[nSrc]
		if b < utf8.RuneSelf {
			// Copy a run of ASCII at once.
			end := nSrc + 1
			for end < len(src) && src[end] < utf8.RuneSelf {
				end++
			}
			n := copy(dst[nDst:], src[nSrc:end])
			nDst += n
			nSrc += n
			if nSrc < end {
				return nDst, nSrc, transform.ErrShortDst
			}
			continue
		}
		if t.mode == 2 {
			r := charmap.Windows1252.DecodeByte(b)
			if len(dst)-nDst < utf8.RuneLen(r) {
				return nDst, nSrc, transform.ErrShortDst
			}
			nDst += utf8.EncodeRune(dst[nDst:], r)
			nSrc++
			continue
		}
		if !atEOF && !utf8.FullRune(src[nSrc:]) {
			return nDst, nSrc, transform.ErrShortSrc
		}
		r, size := utf8.DecodeRune(src[nSrc:])
		if r == utf8.RuneError && size == 1 {
			if t.mode == 1 {
				line := t.lines + 1 + bytes.Count(src[:nSrc], []byte{'\n'})
				return nDst, nSrc, &textEncodingError{line: line}
			}
			t.mode = 2
			continue
		}
		t.mode = 1
		if len(dst)-nDst < size {
			return nDst, nSrc, transform.ErrShortDst
		}
		nDst += copy(dst[nDst:], src[nSrc:nSrc+size])
		nSrc += size
	}
	return nDst, nSrc, nil
}

// ---------------------------------------------------------------- XLSX

type xlsxSource struct {
	name, sheet string
	f           *excelize.File
	rows        *excelize.Rows
	n           int
	tmp         string // the folder for unpacked parts, removed by close
}

func (s *xlsxSource) next() ([]string, int, error) {
	if !s.rows.Next() {
		if err := s.rows.Error(); err != nil {
			return nil, 0, fmt.Errorf("%s (sheet %q) cannot be read after row %d: %v; re-save it from Excel, or export the sheet as CSV", s.name, s.sheet, s.n, err)
		}
		return nil, 0, io.EOF
	}
	s.n++ // excelize's iterator visits every row number, absent rows included
	cells, err := s.rows.Columns()
	if err != nil {
		return nil, 0, fmt.Errorf("%s (sheet %q) row %d cannot be read: %v; re-save it from Excel, or export the sheet as CSV", s.name, s.sheet, s.n, err)
	}
	if err := checkCells(s.name, s.sheet, s.n, cells); err != nil {
		return nil, 0, err
	}
	return cells, s.n, nil
}

func (s *xlsxSource) close() error {
	var errs []error
	if s.rows != nil {
		errs = append(errs, s.rows.Close())
		s.rows = nil
	}
	if s.f != nil {
		errs = append(errs, s.f.Close())
		s.f = nil
	}
	if s.tmp != "" {
		errs = append(errs, os.RemoveAll(s.tmp))
		s.tmp = ""
	}
	return errors.Join(errs...)
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

// lineLimit stops a CSV whose line (a run without a line feed) grows past
// MaxLineBytes, before the CSV reader holds all of it.
type lineLimit struct {
	r    io.Reader
	name string
	run  int
	line int
}

func (l *lineLimit) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	b := p[:n]
	if last := bytes.LastIndexByte(b, '\n'); last < 0 {
		l.run += n
	} else {
		// Only the runs inside b, and the one it ends with, can be too long.
		first := bytes.IndexByte(b, '\n')
		if l.run+first > MaxLineBytes {
			return 0, l.tooLong()
		}
		l.line += bytes.Count(b, []byte{'\n'})
		if n > MaxLineBytes {
			for rest := b[first+1:]; len(rest) > 0; {
				i := bytes.IndexByte(rest, '\n')
				if i < 0 {
					break
				}
				if i > MaxLineBytes {
					return 0, l.tooLong()
				}
				rest = rest[i+1:]
			}
		}
		l.run = n - 1 - last
	}
	if l.run > MaxLineBytes {
		return 0, l.tooLong()
	}
	return n, err
}

func (l *lineLimit) tooLong() error {
	return fmt.Errorf("line %d is longer than %d MB without a line break: not a table fieldwork can read with confidence (an unclosed quote, or a cell far larger than a cell may hold)", l.line+1, MaxLineBytes>>20)
}

// checkXLSXParts tells an Excel workbook from other zip files before excelize
// unpacks anything.
func checkXLSXParts(path, name string) error {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return fmt.Errorf("%s looks like an .xlsx workbook but cannot be opened (%v): it may be damaged or incomplete; ask the client to send it again", name, err)
	}
	defer zr.Close()
	var workbook, binary, word, odf bool
	for _, f := range zr.File {
		if size := f.UncompressedSize64; size > MaxPartInflate ||
			(size > minRatioChecked && f.CompressedSize64 > 0 && size/f.CompressedSize64 > MaxPartRatio) {
			return fmt.Errorf("%s: its part %s would unpack to %d MB from %d KB, more than fieldwork unpacks (%d MB, or %d times its packed size): it is not a workbook fieldwork can read with confidence; export the sheet as CSV",
				name, f.Name, size>>20, f.CompressedSize64>>10, MaxPartInflate>>20, MaxPartRatio)
		}
		switch strings.ToLower(f.Name) {
		case "xl/workbook.xml":
			workbook = true
		case "xl/workbook.bin":
			binary = true
		case "word/document.xml", "ppt/presentation.xml":
			word = true
		case "mimetype", "content.xml":
			odf = true
		}
	}
	switch {
	case workbook:
		return checkXLSXXML(&zr.Reader, name)
	case binary:
		return fmt.Errorf("%s is an Excel binary workbook (.xlsb): open it in Excel and save it as .xlsx or CSV", name)
	case word:
		return fmt.Errorf("%s is a Word or PowerPoint document, not a spreadsheet: ask the client for the CSV or XLSX file", name)
	case odf:
		return fmt.Errorf("%s is an OpenDocument (LibreOffice/Numbers) file: save it as .xlsx or CSV", name)
	}
	return fmt.Errorf("%s is a zip archive, not an Excel workbook: unzip it and choose the .xlsx or CSV file inside", name)
}

func openXLSXTable(path, name string, opt TableOptions) (*Table, error) {
	if err := checkXLSXParts(path, name); err != nil {
		return nil, err
	}
	tmp, err := newXLSXTempDir()
	if err != nil {
		return nil, fmt.Errorf("%s: no temporary folder for the workbook's large parts (%v): check the disk space and TMPDIR", name, err)
	}
	f, err := excelize.OpenFile(path, excelize.Options{
		UnzipSizeLimit:    tabularXLSXUnzipMax,
		UnzipXMLSizeLimit: tabularXLSXInMemoryMax,
		ShortDatePattern:  "yyyy-mm-dd",
		TmpDir:            tmp,
	})
	if err != nil {
		if f != nil {
			f.Close()
		}
		os.RemoveAll(tmp)
		if strings.Contains(err.Error(), "unzip size") {
			return nil, fmt.Errorf("%s is too large to open (more than %d GiB once unpacked): export the sheet as CSV", name, tabularXLSXUnzipMax>>30)
		}
		return nil, fmt.Errorf("%s cannot be opened as an .xlsx workbook (%v): re-save it from Excel, or export the sheet as CSV", name, err)
	}
	xlsxFastDateFormats(f)
	sheet, err := pickSheet(f, name, opt.Sheet)
	if err != nil {
		f.Close()
		os.RemoveAll(tmp)
		return nil, err
	}
	rows, err := f.Rows(sheet)
	if err != nil {
		f.Close()
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("%s (sheet %q) cannot be read (%v): re-save it from Excel, or export the sheet as CSV", name, sheet, err)
	}
	src := &xlsxSource{name: name, sheet: sheet, f: f, rows: rows, tmp: tmp}
	header, row, blanks, err := findHeader(name, sheet, src, opt)
	if err != nil {
		var hnf *HeaderNotFoundError
		if errors.As(err, &hnf) {
			hnf.Sheets = visibleSheets(f)
		}
		src.close()
		return nil, err
	}
	return &Table{name: name, format: "xlsx", sheet: sheet, header: header, headerRow: row, src: src, blankBefore: blanks}, nil
}

// pickSheet returns the sheet to read: the one asked for (matched without
// regard to case, as Excel does), or the first visible one.
func pickSheet(f *excelize.File, name, want string) (string, error) {
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return "", fmt.Errorf("%s has no sheets: re-save it from Excel", name)
	}
	if want != "" {
		for _, s := range sheets {
			if s == want {
				return s, nil
			}
		}
		for _, s := range sheets {
			if strings.EqualFold(s, want) {
				return s, nil
			}
		}
		return "", fmt.Errorf("%s has no sheet %q: its sheets are %s; choose one of them", name, want, QuoteCells(sheets, len(sheets)))
	}
	if v := visibleSheets(f); len(v) > 0 {
		return v[0], nil
	}
	return sheets[0], nil
}

func visibleSheets(f *excelize.File) []string {
	var v []string
	for _, s := range f.GetSheetList() {
		if ok, _ := f.GetSheetVisible(s); ok {
			v = append(v, s)
		}
	}
	return v
}

// xlsxBuiltinDateFormats are Excel's built-in date and time number formats,
// as excelize renders them; 14 and 22, Excel's locale-dependent short date,
// are rendered ISO (see the top of this file).
var xlsxBuiltinDateFormats = map[int]string{
	14: "yyyy-mm-dd", 15: "d-mmm-yy", 16: "d-mmm", 17: "mmm-yy",
	20: "hh:mm", 21: "hh:mm:ss", 22: "yyyy-mm-dd hh:mm",
	45: "mm:ss", 46: "[h]:mm:ss", 47: "mm:ss.0",
}

// xlsxFastDateFormats works around a cost in excelize: a date format with no
// locale tag makes it scan its whole language table for every date token of
// every cell (about 45 µs a date cell, ten times the cost of the rest of the
// row). Tagging the format en-US ("[$-409]"), which excelize renders exactly
// as it renders an untagged format (English month and day names), makes that
// a map lookup. Only the in-memory styles of this read-only File change.
// Formats with AM/PM or several sections, and anything unexpected, are left
// alone: they are rendered correctly, only more slowly.
func xlsxFastDateFormats(f *excelize.File) {
	ss := f.Styles
	if ss == nil || ss.CellXfs == nil {
		return
	}
	custom := map[int]string{}
	if ss.NumFmts != nil {
		for _, nf := range ss.NumFmts.NumFmt {
			code := nf.FormatCode
			if nf.FormatCode16 != "" {
				code = nf.FormatCode16
			}
			custom[nf.NumFmtID] = code
		}
	}
	retag := map[int]int{} // number format ID → tagged copy's ID, -1 if none
	n := len(ss.CellXfs.Xf)
	for i := 0; i < n; i++ {
		p := ss.CellXfs.Xf[i].NumFmtID
		if p == nil {
			continue
		}
		id, done := retag[*p]
		if !done {
			id = -1
			code, ok := custom[*p]
			if !ok {
				code, ok = xlsxBuiltinDateFormats[*p]
			}
			if ok && untaggedDateFormat(code) {
				tagged := "[$-409]" + code
				if st, err := f.NewStyle(&excelize.Style{CustomNumFmt: &tagged}); err == nil &&
					st >= 0 && st < len(ss.CellXfs.Xf) && ss.CellXfs.Xf[st].NumFmtID != nil {
					id = *ss.CellXfs.Xf[st].NumFmtID
				}
			}
			retag[*p] = id
		}
		if id >= 0 {
			ss.CellXfs.Xf[i].NumFmtID = &id
		}
	}
}

// untaggedDateFormat reports a one-section date or time format with no
// locale tag and no AM/PM.
func untaggedDateFormat(code string) bool {
	lc := strings.ToLower(code)
	if strings.Contains(lc, "[$") || strings.Contains(lc, "am/pm") || strings.Contains(lc, "a/p") {
		return false
	}
	var b strings.Builder
	quoted, bracket, escaped := false, false, false
	for _, r := range lc {
		switch {
		case escaped:
			escaped = false
		case quoted:
			quoted = r != '"'
		case bracket:
			bracket = r != ']'
		case r == '\\':
			escaped = true
		case r == '"':
			quoted = true
		case r == '[':
			bracket = true
		case r == ';':
			return false
		default:
			b.WriteRune(r)
		}
	}
	return strings.ContainsAny(b.String(), "ymdhs")
}
