package model

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fieldwork-audit/fieldwork/internal/tabular"
)

// Population is the list of every occurrence of a control in the period, as
// the client provided it (information produced by the entity).
type Population struct {
	UUID        string
	ControlRef  string
	SourceName  string
	SourceSize  int64
	SHA256      string // of the source file as received
	Format      string // "csv" or "xlsx"
	Sheet       string
	HeaderRow   int
	Header      []string
	IDColumn    string
	DateColumn  string
	Rows        int
	RowsDigest  string // SHA-256 over the stored rows, to detect tampering
	FlagsDigest string // SHA-256 over the rows' flags (set after the rows digest)
	OutOfPeriod int
	BadDates    int
	Duplicates  int // rows whose occurrence ID appears more than once
	BlankRows   int
	// Of this import only (not stored): how the date column's numeric
	// dates were read, and the first rows whose date could not be read.
	DateOrder     DateOrder
	DateOrderBy   string // "data" (decided from the values) or "given"
	BadDateRows   []int
	IPEProcedure  string
	IPEResult     string
	ReplaceReason string
	ImportedBy    string
	ImportedAt    time.Time
	Version       int
}

// PopulationImport says what to import and how.
type PopulationImport struct {
	ControlRef string
	Path       string
	Sheet      string
	HeaderRow  int    // 0 = the first non-blank row
	IDColumn   string // heading of the occurrence ID column ("" = none)
	DateColumn string // heading of the occurrence date column ("" = none)
	// DateOrder says how numeric dates (07/03/2026) are read; unknown means
	// decide from the column's values (dateorder.go).
	DateOrder DateOrder
	// Replace must be set, with a Reason, to replace a population whose
	// sample already has results.
	Replace bool
	Reason  string
	// Progress, when set, is called every few thousand rows from the
	// importing goroutine.
	Progress func(rows int)
}

// PopulationRow is one stored occurrence.
type PopulationRow struct {
	Position  int
	SourceRow int
	ID        string
	Date      string // YYYY-MM-DD when the date column parsed
	Flags     []string
	Cells     []string
}

// Row flags.
const (
	FlagOutOfPeriod = "out-of-period"
	FlagBadDate     = "bad-date"
	FlagDuplicateID = "duplicate-id"
)

// ErrResultsExist refuses to replace a population that was already tested.
var ErrResultsExist = errors.New("the sample drawn from the current population already has results")

var dateLayouts = []string{
	"2006-01-02", "2006-01-02 15:04:05", "2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05", "2006-01-02 15:04",
	"1/2/2006", "1/2/2006 15:04", "1/2/2006 15:04:05", "01/02/2006", "1/2/06", "1/2/06 15:04", "01-02-06",
	"2006/01/02", "2 Jan 2006", "02-Jan-2006", "Jan 2, 2006", "January 2, 2006",
	// As exporting systems write them (issue 13 item 7b): Excel and Azure
	// DevOps (US), Jira's default CSV ("07/Mar/26 7:29 PM"), long forms with
	// the weekday, year-first slashes without zeros, compact digits, and
	// dotted day-first dates (dots are day-first wherever they are used).
	"1/2/2006 3:04:05 PM", "1/2/2006 3:04 PM", "02/Jan/06 3:04 PM", "2/Jan/06 3:04 PM", "02/Jan/06", "02/Jan/2006 3:04 PM",
	"Jan 2, 2006, 3:04:05 PM", "Jan 2, 2006 3:04:05 PM", "Jan 2, 2006, 3:04 PM", "January 2, 2006 3:04 PM",
	"Monday, January 2, 2006", "Mon, Jan 2, 2006", "Monday, 2 January 2006",
	"2006/1/2", "2006/1/2 15:04", "2006/1/2 15:04:05", "20060102",
	"2.1.2006", "02.01.2006", "2.1.2006 15:04", "02.01.2006 15:04", "02.01.2006 15:04:05",
}

// ParseOccurrenceDate reads a date as clients and Excel write them (US
// month-first for slashed dates, as Excel's default en-US display does).
// A numeric date that reads both ways is read month-first; one that reads
// only day-first (25/03/2026) day-first. (The import decides per column:
// dateorder.go.)
func ParseOccurrenceDate(s string) (time.Time, bool) {
	if d, ok := parseOccurrenceDate(s, DateOrderMonthFirst); ok {
		return d, ok
	}
	return parseOccurrenceDate(s, DateOrderDayFirst)
}

// unixFrom, unixTo bound what a ten-digit number is read as: Unix seconds
// between 2001-09-09 and 2286 are ten digits; fieldwork reads 2001–2100.
const unixFrom, unixTo = 1_000_000_000, 4_102_444_800

func parseOccurrenceDate(s string, order DateOrder) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if d, ok := isoDate(s); ok {
		return d, true
	}
	if d, ok, handled := orderedDate(s, order); handled {
		return d, ok
	}
	if len(s) == 10 {
		if n, ok := decimal(s); ok && n >= unixFrom && n < unixTo {
			t := time.Unix(int64(n), 0).UTC()
			return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), true
		}
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), true
		}
	}
	// An Excel serial date that reached us unformatted.
	if f, err := strconv.ParseFloat(s, 64); err == nil && f > 20000 && f < 80000 {
		d := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(f))
		return d, true
	}
	return time.Time{}, false
}

// isoDate reads YYYY-MM-DD, the first of dateLayouts and what most
// populations hold, without time.Parse's general machinery. It accepts a
// subset of what time.Parse accepts with that layout, with the same result.
func isoDate(s string) (time.Time, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return time.Time{}, false
	}
	y, ok1 := decimal(s[0:4])
	m, ok2 := decimal(s[5:7])
	d, ok3 := decimal(s[8:10])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d { // past the month's end: time.Date rolled it over
		return time.Time{}, false
	}
	return t, true
}

// decimal reads a string of ASCII digits.
func decimal(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// occurrenceDate parses a date cell and returns it as stored (YYYY-MM-DD,
// "" when it does not parse). A cell already in that form is stored as it
// is, trimmed, which is what formatting the parsed date would give.
func occurrenceDate(cell string, order DateOrder) (string, time.Time, bool) {
	s := strings.TrimSpace(cell)
	if d, ok := isoDate(s); ok && !d.IsZero() {
		return s, d, true
	}
	d, ok := parseOccurrenceDate(s, order)
	return formatDate(d), d, ok
}

// checkHeadings refuses a header with an empty heading before its last one
// ("ID,,Date"): that column's cells could be named by no one and would be
// read under no heading (issue 13 item 7).
func checkHeadings(tbl *tabular.Table) error {
	var empty []string
	for i, h := range tbl.Header() {
		if h == "" {
			empty = append(empty, columnName(i))
		}
	}
	if len(empty) == 0 {
		return nil
	}
	what := "column " + empty[0] + " has"
	if len(empty) > 1 {
		what = "columns " + strings.Join(empty, ", ") + " have"
	}
	return fmt.Errorf("%s%s: in the header (row %d), %s no heading: give every column a name in the file (or delete an empty column), then import again",
		tbl.Name(), sheetNote(tbl.Sheet()), tbl.HeaderRow(), what)
}

// noRowsError refuses a population with a header and nothing under it. When
// blank rows came before the "header", the real heading row was probably
// one with no names in it (",,,"), which made the first occurrence the header.
func noRowsError(tbl *tabular.Table) error {
	msg := fmt.Sprintf("%s%s has no rows under its header (row %d: %s)", tbl.Name(), sheetNote(tbl.Sheet()), tbl.HeaderRow(), tabular.QuoteCells(tbl.Header(), 6))
	if tbl.BlankBeforeHeader() > 0 {
		msg += fmt.Sprintf("; the %d row(s) above it are blank, so the heading row may be empty (\",,\") and row %d a data row taken as the header: put the headings in the file, or give --header-row", tbl.BlankBeforeHeader(), tbl.HeaderRow())
	} else {
		msg += ": check that this is the right file"
	}
	return errors.New(msg)
}

func sheetNote(sheet string) string {
	if sheet == "" {
		return ""
	}
	return fmt.Sprintf(" (sheet %q)", sheet)
}

func columnIndex(header []string, name, what string) (int, error) {
	if name == "" {
		return -1, nil
	}
	want := strings.ToLower(strings.TrimSpace(name))
	found := -1
	for i, h := range header {
		if strings.ToLower(strings.TrimSpace(h)) == want {
			if found >= 0 {
				// Picking the first would be a silent guess.
				return -1, fmt.Errorf("the %s column %q is ambiguous: the heading %q is in columns %s and %s; rename one in the file, or name the column by its letter (%s or %s)",
					what, name, h, columnName(found), columnName(i), columnName(found), columnName(i))
			}
			found = i
		}
	}
	if found >= 0 {
		return found, nil
	}
	// A column letter (A, B, …, AA) is accepted too.
	if n := columnLetterIndex(want); n >= 0 && n < len(header) {
		return n, nil
	}
	return -1, fmt.Errorf("no %s column %q; the headings are: %s", what, name, strings.Join(header, ", "))
}

// columnName is a 0-based column's letter: 0 is A, 26 is AA.
func columnName(i int) string {
	s := ""
	for i++; i > 0; i = (i - 1) / 26 {
		s = string(rune('A'+(i-1)%26)) + s
	}
	return s
}

func columnLetterIndex(s string) int {
	if s == "" || len(s) > 3 {
		return -1
	}
	n := 0
	for _, r := range strings.ToUpper(s) {
		if r < 'A' || r > 'Z' {
			return -1
		}
		n = n*26 + int(r-'A'+1)
	}
	return n - 1
}

// hashFile returns the SHA-256 and size of a file, streamed.
func hashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	return hashOpenFile(path, f, f)
}

// fileHash is what hashFile returns.
type fileHash struct {
	sum  string
	size int64
	err  error
}

// hashFileAsync opens a file now and hashes it on its own goroutine: an
// import reads and inserts meanwhile, so hashing adds no wall time. wait
// returns what hashFile would, and may be called again (the import defers a
// call so that the file is closed whatever happens). Hashing stops early if
// ctx ends.
func hashFileAsync(ctx context.Context, path string) (wait func() fileHash, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	done := make(chan fileHash, 1)
	go func() {
		sum, size, err := hashOpenFile(path, f, ctxReader{ctx, f})
		done <- fileHash{sum, size, err}
	}()
	return sync.OnceValue(func() fileHash { return <-done }), nil
}

// ctxReader is a reader that fails once its context has ended.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

func hashOpenFile(path string, f *os.File, r io.Reader) (string, int64, error) {
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		return "", 0, fmt.Errorf("%s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// rowsDigest accumulates the canonical digest of a population's rows, the
// same way at import and at verification: for each row, its position,
// source row, ID, date and cells, each length-prefixed.
type rowsDigest struct {
	h   hash.Hash
	buf []byte
}

func newRowsDigest() *rowsDigest { return &rowsDigest{h: sha256.New(), buf: make([]byte, 0, 512)} }

func (d *rowsDigest) add(position, sourceRow int, id, date, cells string) {
	b := d.buf[:0]
	b = strconv.AppendInt(b, int64(position), 10)
	b = append(b, 0x1f)
	b = strconv.AppendInt(b, int64(sourceRow), 10)
	for _, s := range [...]string{id, date, cells} {
		b = append(b, 0x1f)
		b = strconv.AppendInt(b, int64(len(s)), 10)
		b = append(b, ':')
		b = append(b, s...)
	}
	b = append(b, 0x1e)
	d.h.Write(b)
	d.buf = b
}

func (d *rowsDigest) sum() string { return hex.EncodeToString(d.h.Sum(nil)) }

// appendCells encodes a row's cells as a JSON array of strings. Plain cells
// (the common case) are copied as they are; others go through encoding/json.
func appendCells(b []byte, cells []string) []byte {
	b = append(b, '[')
	for i, c := range cells {
		if i > 0 {
			b = append(b, ',')
		}
		if plainJSON(c) {
			b = append(b, '"')
			b = append(b, c...)
			b = append(b, '"')
			continue
		}
		q, _ := json.Marshal(c)
		b = append(b, q...)
	}
	return append(b, ']')
}

// plainJSON reports whether s can stand in a JSON string without escapes.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		if !jsonPlainByte[s[i]] {
			return false
		}
	}
	return true
}

// jsonPlainByte: printable ASCII but " and \ (one load a byte instead of
// four comparisons; every cell of every row goes through plainJSON).
var jsonPlainByte = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// ImportPopulation streams a CSV or XLSX population into the workpaper in
// one transaction: memory stays bounded whatever the file's size (what grows
// is 4 bytes a row to find duplicate IDs, up to 4M rows: dupids.go), and an
// interrupted import leaves no trace.
func (w *Workpaper) ImportPopulation(ctx context.Context, in PopulationImport) (*Population, error) {
	if w.readOnly {
		return nil, fmt.Errorf("%s: %w (%s)", w.path, ErrReadOnly, w.readOnlyReason)
	}
	eng, err := w.Engagement(ctx)
	if err != nil {
		return nil, err
	}
	hashed, err := hashFileAsync(ctx, in.Path)
	if err != nil {
		return nil, err
	}
	defer hashed()
	tbl, err := tabular.OpenTable(in.Path, tabular.TableOptions{Sheet: in.Sheet, HeaderRow: in.HeaderRow})
	if err != nil {
		return nil, err
	}
	defer func() { tbl.Close() }() // tbl is opened again if the date order must be decided
	header := tbl.Header()
	if err := checkHeadings(tbl); err != nil {
		return nil, err
	}
	idCol, err := columnIndex(header, in.IDColumn, "ID")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Base(in.Path), err)
	}
	dateCol, err := columnIndex(header, in.DateColumn, "date")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Base(in.Path), err)
	}
	// Numeric dates are read as given, or as the column's first value that
	// reads only one way says (the reader decides). If a value that reads
	// both ways comes first, the import stops, the column is read ahead to
	// decide (decideDateOrder) and the import starts again.
	order, orderBy := in.DateOrder, "given"
	if order == DateOrderUnknown {
		orderBy = "data"
	}
	headerJSON, _ := json.Marshal(header)
	p := &Population{SourceName: filepath.Base(in.Path), Format: tbl.Format(), Sheet: tbl.Sheet(),
		HeaderRow: tbl.HeaderRow(), Header: header, ReplaceReason: in.Reason, ImportedBy: w.user}
	if idCol >= 0 {
		p.IDColumn = header[idCol]
	}
	if dateCol >= 0 {
		p.DateColumn = header[dateCol]
	}

	body := func(t *txn) error {
		testUUID, ref, err := t.testOf(in.ControlRef)
		if err != nil {
			return err
		}
		p.ControlRef = ref
		// What does this import replace?
		var oldPop string
		err = t.tx.QueryRowContext(ctx, "SELECT uuid FROM population WHERE test_uuid = ? AND current = 1", testUUID).Scan(&oldPop)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if oldPop != "" {
			var results int
			if err := t.tx.QueryRowContext(ctx, `SELECT count(*) FROM result r JOIN sample_item i ON i.uuid = r.item_uuid
				JOIN selection s ON s.uuid = i.selection_uuid WHERE s.test_uuid = ? AND s.current = 1`, testUUID).Scan(&results); err != nil {
				return err
			}
			if results > 0 && (!in.Replace || strings.TrimSpace(in.Reason) == "") {
				return &InputError{Msg: fmt.Sprintf("%s: %s (%d results)", ref, ErrResultsExist, results), Input: InputReplace, Err: ErrResultsExist}
			}
			if _, err := t.update("population", oldPop, 0, "population of "+ref, field{"current", 0}); err != nil {
				return err
			}
			var sel string
			if err := t.tx.QueryRowContext(ctx, "SELECT uuid FROM selection WHERE test_uuid = ? AND current = 1", testUUID).Scan(&sel); err == nil {
				if _, err := t.update("selection", sel, 0, "sample of "+ref, field{"current", 0}); err != nil {
					return err
				}
			}
		}

		popUUID := t.w.newUUID()
		fields := func() []field {
			return []field{{"test_uuid", testUUID}, {"source_name", p.SourceName},
				{"source_size", p.SourceSize}, {"sha256", p.SHA256}, {"format", p.Format}, {"sheet", p.Sheet},
				{"header_row", p.HeaderRow}, {"header", string(headerJSON)}, {"id_column", p.IDColumn},
				{"date_column", p.DateColumn}, {"row_count", p.Rows}, {"rows_digest", p.RowsDigest},
				{"out_of_period", p.OutOfPeriod}, {"bad_dates", p.BadDates}, {"duplicates", p.Duplicates},
				{"blank_rows", p.BlankRows}, {"replace_reason", in.Reason}, {"flags_digest", p.FlagsDigest}}
		}
		// The record goes in first (for its integer key); its final counts
		// and the file's hash are set and logged once the rows are in.
		popID, err := t.insertRow("population", popUUID, fields()...)
		if err != nil {
			return err
		}
		// Reading and encoding rows (one goroutine) overlaps with SQLite
		// inserting them (this one): batches pass through a small channel,
		// so memory stays bounded whatever the file's size.
		rd := readRows(ctx, tbl, idCol, dateCol, order, eng, in.Progress)
		ins := newRowInserter(t, popID)
		defer ins.close()
		for batch := range rd.batches {
			if err := ins.exec(batch); err != nil {
				rd.stop()
				return err
			}
			rd.recycle(batch)
		}
		if err := rd.wait(); err != nil {
			return err
		}
		if err := tbl.RaggedError(); err != nil {
			return err
		}
		if rd.rows == 0 {
			return noRowsError(tbl)
		}
		p.Rows, p.OutOfPeriod, p.BadDates, p.RowsDigest = rd.rows, rd.outOfPeriod, rd.badDates, rd.digest
		p.BadDateRows = rd.badDateRows
		if dateCol >= 0 && rd.order != DateOrderUnknown {
			p.DateOrder, p.DateOrderBy = rd.order, orderBy
		}
		p.BlankRows = tbl.BlankRows()
		if idCol >= 0 {
			if p.Duplicates, err = flagDuplicates(t, popID, rd.ids); err != nil {
				return err
			}
		}
		if p.FlagsDigest, err = flagsDigestOf(ctx, t.tx, popID); err != nil {
			return err
		}
		if in.Progress != nil {
			in.Progress(p.Rows)
		}
		p.UUID = popUUID
		h := hashed()
		if h.err != nil {
			return h.err
		}
		p.SHA256, p.SourceSize = h.sum, h.size
		if _, err := t.exec(`UPDATE population SET source_size = ?, sha256 = ?, row_count = ?, rows_digest = ?, out_of_period = ?, bad_dates = ?,
			duplicates = ?, blank_rows = ?, flags_digest = ? WHERE id = ?`, p.SourceSize, p.SHA256, p.Rows, p.RowsDigest, p.OutOfPeriod, p.BadDates, p.Duplicates,
			p.BlankRows, p.FlagsDigest, popID); err != nil {
			return err
		}
		if err := t.logInsert("population", popUUID, fields()...); err != nil {
			return err
		}
		note := fmt.Sprintf("population imported from %s (%d rows, sha256 %s)", p.SourceName, p.Rows, p.SHA256)
		if p.DateOrder != DateOrderUnknown {
			note += fmt.Sprintf("; numeric dates read %s (%s)", p.DateOrder, map[string]string{"data": "decided from the values", "given": "as given"}[p.DateOrderBy])
		}
		if oldPop != "" {
			note += "; replaces the previous population"
			if in.Reason != "" {
				note += ": " + in.Reason
			}
		}
		if err := t.event("population", popUUID, note); err != nil {
			return err
		}
		return t.touch(testUUID)
	}
	err = w.write(ctx, body)
	if errors.Is(err, errNeedDateOrder) {
		tbl.Close()
		opt := tabular.TableOptions{Sheet: in.Sheet, HeaderRow: in.HeaderRow}
		if order, err = decideDateOrder(in.Path, opt, dateCol); err != nil {
			return nil, err
		}
		if order == DateOrderUnknown {
			order = DateOrderMonthFirst // not reached: the value that stopped the import is ambiguous
		}
		if tbl, err = tabular.OpenTable(in.Path, opt); err != nil {
			return nil, err
		}
		err = w.write(ctx, body)
	}
	if err != nil {
		return nil, err
	}
	p.ImportedAt = w.now()
	return p, nil
}

// CurrentPopulation returns a control's current population, or nil.
func (w *Workpaper) CurrentPopulation(ctx context.Context, controlRef string) (*Population, error) {
	ct, err := w.ControlTest(ctx, controlRef)
	if err != nil {
		return nil, err
	}
	pops, err := w.currentPopulations(ctx, []*ControlTest{ct}, false)
	if err != nil {
		return nil, err
	}
	return pops[ct.UUID], nil
}

// currentPopulations reads the current populations of tests by test UUID.
// With all set, tests is every test and the table is read once; otherwise
// tests is one test and only its row is read.
func (w *Workpaper) currentPopulations(ctx context.Context, tests []*ControlTest, all bool) (map[string]*Population, error) {
	refs := make(map[string]string, len(tests))
	for _, ct := range tests {
		refs[ct.UUID] = ct.Control.Ref
	}
	q := `SELECT test_uuid, uuid, source_name, source_size, sha256, format, sheet, header_row, header, id_column,
		date_column, row_count, rows_digest, out_of_period, bad_dates, duplicates, blank_rows, ipe_procedure, ipe_result,
		replace_reason, created_by, created_at, version FROM population WHERE current = 1`
	var args []any
	if !all {
		q += " AND test_uuid = ?"
		args = append(args, tests[0].UUID)
	}
	out := map[string]*Population{}
	err := w.scanRows(ctx, func(rows *sql.Rows) error {
		p := &Population{}
		var test, header, at string
		if err := rows.Scan(&test, &p.UUID, &p.SourceName, &p.SourceSize, &p.SHA256, &p.Format, &p.Sheet, &p.HeaderRow, &header, &p.IDColumn,
			&p.DateColumn, &p.Rows, &p.RowsDigest, &p.OutOfPeriod, &p.BadDates, &p.Duplicates, &p.BlankRows, &p.IPEProcedure,
			&p.IPEResult, &p.ReplaceReason, &p.ImportedBy, &at, &p.Version); err != nil {
			return err
		}
		json.Unmarshal([]byte(header), &p.Header)
		p.ControlRef, p.ImportedAt = refs[test], parseTime(at)
		out[test] = p
		return nil
	}, q, args...)
	return out, err
}

// PopulationRows returns up to limit rows from position from (1-based), in
// order: a page, never the whole population.
func (w *Workpaper) PopulationRows(ctx context.Context, populationUUID string, from, limit int) ([]PopulationRow, error) {
	rows, err := w.db.QueryContext(ctx, `SELECT position, source_row, occurrence_id, occurrence_date, flags, cells FROM population_row
		WHERE population_id = (SELECT id FROM population WHERE uuid = ?) AND position >= ? ORDER BY position LIMIT ?`, populationUUID, from, limit)
	if err != nil {
		return nil, err
	}
	return scanPopulationRows(rows)
}

// PopulationRowsAt returns the rows at the given positions, in that order.
func (w *Workpaper) PopulationRowsAt(ctx context.Context, populationUUID string, positions []int) ([]PopulationRow, error) {
	out := make([]PopulationRow, 0, len(positions))
	for _, pos := range positions {
		rows, err := w.db.QueryContext(ctx, `SELECT position, source_row, occurrence_id, occurrence_date, flags, cells FROM population_row
			WHERE population_id = (SELECT id FROM population WHERE uuid = ?) AND position = ?`, populationUUID, pos)
		if err != nil {
			return nil, err
		}
		r, err := scanPopulationRows(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r...)
	}
	return out, nil
}

func scanPopulationRows(rows *sql.Rows) ([]PopulationRow, error) {
	var out []PopulationRow
	for rows.Next() {
		var r PopulationRow
		var flags, cells string
		if err := rows.Scan(&r.Position, &r.SourceRow, &r.ID, &r.Date, &flags, &cells); err != nil {
			rows.Close()
			return nil, err
		}
		r.Flags = splitList(flags)
		json.Unmarshal([]byte(cells), &r.Cells)
		out = append(out, r)
	}
	return out, closeRows(rows)
}

// FlaggedRows lists rows with any flag, up to limit.
func (w *Workpaper) FlaggedRows(ctx context.Context, populationUUID string, limit int) ([]PopulationRow, error) {
	rows, err := w.db.QueryContext(ctx, `SELECT position, source_row, occurrence_id, occurrence_date, flags, cells FROM population_row
		WHERE population_id = (SELECT id FROM population WHERE uuid = ?) AND flags != '' ORDER BY position LIMIT ?`, populationUUID, limit)
	if err != nil {
		return nil, err
	}
	return scanPopulationRows(rows)
}

// SetIPE records the completeness and accuracy procedure performed on a
// population (information produced by the entity) and its result.
func (w *Workpaper) SetIPE(ctx context.Context, controlRef, procedure, result string) error {
	if strings.TrimSpace(procedure) == "" || strings.TrimSpace(result) == "" {
		return errors.New("record both the completeness and accuracy procedure and its result")
	}
	return w.write(ctx, func(t *txn) error {
		testUUID, ref, err := t.testOf(controlRef)
		if err != nil {
			return err
		}
		var pid string
		if err := t.tx.QueryRowContext(ctx, "SELECT uuid FROM population WHERE test_uuid = ? AND current = 1", testUUID).Scan(&pid); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("%s has no population yet: import one with 'fieldwork population import'", ref)
			}
			return err
		}
		changed, err := t.update("population", pid, 0, "population of "+ref, field{"ipe_procedure", procedure}, field{"ipe_result", result})
		if err != nil || !changed {
			return err
		}
		return t.touch(testUUID)
	})
}

// rowReader reads, checks and encodes population rows on its own
// goroutine and hands them over in batches of insert arguments.
type rowReader struct {
	batches chan []any
	spent   chan []any // batches inserted, for the reader to fill again
	done    chan struct{}
	cancel  context.CancelFunc
	err     error
	// Set by the reader; read only after wait.
	rows, outOfPeriod, badDates int
	digest                      string
	badDateRows                 []int     // the first few
	order                       DateOrder // how numeric dates were read
	ids                         *idIndex  // the occurrence IDs, to find duplicates
}

const (
	rowBatch  = 128 // rows per INSERT, far below SQLite's parameter limit
	rowParams = 6   // parameters a row (the population ID is in the SQL)
)

func readRows(ctx context.Context, tbl *tabular.Table, idCol, dateCol int, order DateOrder, eng *Engagement, progress func(int)) *rowReader {
	ctx, cancel := context.WithCancel(ctx)
	r := &rowReader{batches: make(chan []any, 4), spent: make(chan []any, 6), done: make(chan struct{}), cancel: cancel, ids: newIDIndex()}
	go func() {
		defer close(r.done)
		defer close(r.batches)
		digest := newRowsDigest()
		var cellsBuf []byte
		batch := make([]any, 0, rowBatch*rowParams)
		send := func() bool {
			select {
			case r.batches <- batch:
				batch = r.emptyBatch()
				return true
			case <-ctx.Done():
				r.err = ctx.Err()
				return false
			}
		}
		for pos := 1; ; pos++ {
			row, err := tbl.NextShared() // row is used up in this iteration
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				r.err = err
				return
			}
			var id, date, flags string
			if idCol >= 0 && idCol < len(row) {
				id = strings.TrimSpace(row[idCol])
			}
			if dateCol >= 0 && dateCol < len(row) {
				if order == DateOrderUnknown {
					if o, ambiguous := dateEvidence(row[dateCol]); o != DateOrderUnknown {
						order = o
					} else if ambiguous {
						r.err = errNeedDateOrder
						return
					}
				}
				var d time.Time
				var ok bool
				if date, d, ok = occurrenceDate(row[dateCol], order); ok {
					if eng.Type == TypeII && !eng.InPeriod(d) {
						flags = FlagOutOfPeriod
						r.outOfPeriod++
					}
				} else {
					flags = FlagBadDate
					r.badDates++
					if len(r.badDateRows) < 5 {
						r.badDateRows = append(r.badDateRows, tbl.Row())
					}
				}
			}
			if idCol >= 0 {
				r.ids.add(id)
			}
			cellsBuf = appendCells(cellsBuf[:0], row)
			cells := string(cellsBuf)
			digest.add(pos, tbl.Row(), id, date, cells)
			// int64, not int: database/sql converts other integer types by reflection.
			batch = append(batch, int64(pos), int64(tbl.Row()), id, date, flags, cells)
			r.rows = pos
			if len(batch) == rowBatch*rowParams && !send() {
				return
			}
			if progress != nil && pos%5000 == 0 {
				progress(pos)
			}
		}
		if len(batch) > 0 && !send() {
			return
		}
		r.digest = digest.sum()
		r.order = order
	}()
	return r
}

// emptyBatch returns an inserted batch to fill again, or a new one.
func (r *rowReader) emptyBatch() []any {
	select {
	case b := <-r.spent:
		return b[:0]
	default:
		return make([]any, 0, rowBatch*rowParams)
	}
}

// recycle hands an inserted batch back to the reader. database/sql keeps
// nothing of a statement's arguments once it has run.
func (r *rowReader) recycle(b []any) {
	select {
	case r.spent <- b:
	default:
	}
}

// stop abandons reading (the insert failed) and waits for the reader.
func (r *rowReader) stop() {
	r.cancel()
	for range r.batches {
	}
	<-r.done
}

// wait returns the reader's error once it has finished.
func (r *rowReader) wait() error {
	<-r.done
	r.cancel()
	return r.err
}

// rowInserter writes population rows in multi-row INSERTs: one statement
// per batch instead of one per row. The population's ID is written into the
// statement, which saves binding it on every row.
type rowInserter struct {
	t     *txn
	popID int64
	stmt  *sql.Stmt
}

func newRowInserter(t *txn, popID int64) *rowInserter { return &rowInserter{t: t, popID: popID} }

func (r *rowInserter) sql(n int) string {
	row := "(" + strconv.FormatInt(r.popID, 10) + ",?,?,?,?,?,?),"
	return "INSERT INTO population_row (population_id, position, source_row, occurrence_id, occurrence_date, flags, cells) VALUES " +
		strings.TrimSuffix(strings.Repeat(row, n), ",")
}

func (r *rowInserter) exec(args []any) error {
	if len(args) < rowBatch*rowParams {
		_, err := r.t.exec(r.sql(len(args)/rowParams), args...)
		return err
	}
	if r.stmt == nil {
		var err error
		if r.stmt, err = r.t.tx.PrepareContext(r.t.ctx, r.sql(rowBatch)); err != nil {
			return err
		}
	}
	_, err := r.stmt.ExecContext(r.t.ctx, args...)
	return err
}

func (r *rowInserter) close() {
	if r.stmt != nil {
		r.stmt.Close()
	}
}
