package model

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/fieldwork-audit/fieldwork/internal/tabular"
)

// Reading what a client's population file says: its dates (in the many
// ways clients and Excel write them), its headings and its columns, named
// or lettered.

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
		return hintErrorf("%s; the %d row(s) above it are blank, so the heading row may be empty (\",,\") and row %d a data row taken as the header: put the headings in the file%s", msg, tbl.BlankBeforeHeader(), tbl.HeaderRow(), HintHeaderRow)
	}
	return errors.New(msg + ": check that this is the right file")
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
