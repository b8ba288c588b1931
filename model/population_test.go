package model

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fieldwork-audit/fieldwork/sampling"
)

// withControl adds control CHG-01 to a test workpaper.
func withControl(t *testing.T, w *Workpaper) {
	t.Helper()
	_, err := w.ImportControls(context.Background(), []ControlInput{
		{ID: "CHG-01", Description: "Changes approved before deployment", Frequency: sampling.AdHoc, Key: true, Criteria: []string{"CC8.1"}},
	}, "test")
	if err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const changesCSV = "\ufeffTicket,Opened,Summary,Approver\r\n" +
	"CHG-1001,2026-01-05,Upgrade TLS,Ann\r\n" +
	"CHG-1002,01/20/2026,\"Fix login\nbug\",Bob\r\n" +
	",,,\r\n" +
	"CHG-1003,2025-12-30,Late ticket,Ann\r\n" +
	"CHG-1002,2026-02-01,Duplicate id,Bob\r\n" +
	"CHG-1004,not a date,=cmd|' /C calc'!A0,Eve\r\n"

func TestImportPopulationFlags(t *testing.T) {
	ctx := context.Background()
	w, _ := newTestWorkpaper(t)
	withControl(t, w)
	src := writeFile(t, "changes.csv", changesCSV)
	var progress []int
	p, err := w.ImportPopulation(ctx, PopulationImport{ControlRef: "chg-01", Path: src, IDColumn: "ticket", DateColumn: "Opened",
		Progress: func(n int) { progress = append(progress, n) }})
	if err != nil {
		t.Fatal(err)
	}
	sum, size, _ := hashFile(src)
	if p.Rows != 5 || p.BlankRows != 1 || p.OutOfPeriod != 1 || p.Duplicates != 2 || p.BadDates != 1 || p.SHA256 != sum || p.SourceSize != size {
		t.Fatalf("population = %+v", p)
	}
	if len(progress) == 0 || progress[len(progress)-1] != 5 {
		t.Fatalf("progress = %v", progress)
	}
	got, err := w.CurrentPopulation(ctx, "CHG-01")
	if err != nil || got == nil || got.Rows != 5 || got.IDColumn != "Ticket" || strings.Join(got.Header, "|") != "Ticket|Opened|Summary|Approver" {
		t.Fatalf("current = %+v, %v", got, err)
	}
	rows, err := w.PopulationRowsAt(ctx, got.UUID, []int{2, 5})
	if err != nil {
		t.Fatal(err)
	}
	if rows[0].Cells[2] != "Fix login\nbug" || rows[0].Date != "2026-01-20" || rows[0].SourceRow != 3 {
		t.Fatalf("row 2 = %+v", rows[0])
	}
	if rows[1].Cells[2] != "=cmd|' /C calc'!A0" || strings.Join(rows[1].Flags, ",") != FlagBadDate {
		t.Fatalf("row 5 = %+v", rows[1])
	}
	flagged, _ := w.FlaggedRows(ctx, got.UUID, 10)
	if len(flagged) != 4 {
		t.Fatalf("flagged = %+v", flagged)
	}
}

func TestImportPopulationErrorsLeaveNoTrace(t *testing.T) {
	ctx := context.Background()
	w, _ := newTestWorkpaper(t)
	withControl(t, w)
	bad := writeFile(t, "bad.csv", "Ticket,Opened\nA,\"unterminated\n")
	if _, err := w.ImportPopulation(ctx, PopulationImport{ControlRef: "CHG-01", Path: bad}); err == nil {
		t.Fatal("malformed CSV imported")
	}
	ok := writeFile(t, "ok.csv", "Ticket,Opened\nA,2026-01-01\n")
	if _, err := w.ImportPopulation(ctx, PopulationImport{ControlRef: "CHG-01", Path: ok, IDColumn: "Nope"}); err == nil || !strings.Contains(err.Error(), "Ticket, Opened") {
		t.Fatalf("unknown column: %v", err)
	}
	if _, err := w.ImportPopulation(ctx, PopulationImport{ControlRef: "ZZ-1", Path: ok}); !errors.Is(err, ErrNoControl) {
		t.Fatalf("unknown control: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := w.ImportPopulation(cctx, PopulationImport{ControlRef: "CHG-01", Path: ok}); err == nil {
		t.Fatal("cancelled import succeeded")
	}
	var n int
	w.db.QueryRow("SELECT count(*) FROM population_row").Scan(&n)
	if p, _ := w.CurrentPopulation(ctx, "CHG-01"); p != nil || n != 0 {
		t.Fatalf("failed imports left %v and %d rows", p, n)
	}
}

func TestImportPopulationLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("large import")
	}
	ctx := context.Background()
	w, _ := newTestWorkpaper(t)
	withControl(t, w)
	var b strings.Builder
	b.WriteString("id,date,c1,c2,c3,c4,c5,c6\n")
	for i := 1; i <= 20000; i++ {
		fmt.Fprintf(&b, "T%06d,2026-03-%02d,x,y,z,1,2,3\n", i, i%28+1)
	}
	p, err := w.ImportPopulation(ctx, PopulationImport{ControlRef: "CHG-01", Path: writeFile(t, "big.csv", b.String()), IDColumn: "A", DateColumn: "B"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Rows != 20000 || p.Duplicates != 0 || p.OutOfPeriod != 0 || p.IDColumn != "id" {
		t.Fatalf("population = %+v", p)
	}
	page, _ := w.PopulationRows(ctx, p.UUID, 19999, 10)
	if len(page) != 2 || page[1].ID != "T020000" {
		t.Fatalf("last page = %+v", page)
	}
}

func TestParseOccurrenceDate(t *testing.T) {
	for in, want := range map[string]string{"2026-01-05": "2026-01-05", "1/5/2026": "2026-01-05", "01/05/2026 13:45": "2026-01-05",
		"2026-01-05T10:00:00Z": "2026-01-05", "5 Jan 2026": "2026-01-05", "46027": "2026-01-05"} {
		d, ok := ParseOccurrenceDate(in)
		if !ok || formatDate(d) != want {
			t.Errorf("%q → %v %v, want %s", in, d, ok, want)
		}
	}
	if _, ok := ParseOccurrenceDate("soon"); ok {
		t.Error("parsed 'soon'")
	}
}

func TestAppendCellsRoundTrip(t *testing.T) {
	cells := []string{"plain", "", `quote " and \ backslash`, "tab\there", "new\nline", "<html>&", "ünïcödé 中文 🎉", "=cmd|' /C calc'!A0", "\x1b[31mred"}
	var got []string
	if err := json.Unmarshal(appendCells(nil, cells), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(cells) {
		t.Fatalf("got %d cells", len(got))
	}
	for i := range cells {
		if got[i] != cells[i] {
			t.Errorf("cell %d: %q, want %q", i, got[i], cells[i])
		}
	}
}

// The three ways duplicates are found (hash candidates checked by SQLite,
// every hash colliding, the whole population grouped in SQL) flag the same
// rows the same way.
func TestImportPopulationDuplicateStrategiesAgree(t *testing.T) {
	ctx := context.Background()
	var b strings.Builder
	b.WriteString("Ticket,Opened\n")
	ids := []string{"A", " A ", "B", "", "C", "a", "B", "D", "", "A", "E", "C"}
	for i, id := range ids {
		fmt.Fprintf(&b, "%s,2026-%02d-01\n", id, i+1) // months 7 to 12 are out of period
	}
	src := writeFile(t, "dups.csv", b.String())
	flags := func() (int, string) {
		w, _ := newTestWorkpaper(t)
		withControl(t, w)
		p, err := w.ImportPopulation(ctx, PopulationImport{ControlRef: "CHG-01", Path: src, IDColumn: "Ticket", DateColumn: "Opened"})
		if err != nil {
			t.Fatal(err)
		}
		rows, err := w.PopulationRows(ctx, p.UUID, 1, 100)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range rows {
			got = append(got, strings.Join(r.Flags, "+"))
		}
		return p.Duplicates, strings.Join(got, "|")
	}
	const want = "duplicate-id|duplicate-id|duplicate-id||duplicate-id||out-of-period+duplicate-id|out-of-period|out-of-period|out-of-period+duplicate-id|out-of-period|out-of-period+duplicate-id"
	if n, got := flags(); n != 7 || got != want {
		t.Fatalf("hashed: %d duplicates, flags %s", n, got)
	}
	defer func(h func(maphash.Seed, string) uint64) { hashID = h }(hashID)
	hashID = func(maphash.Seed, string) uint64 { return 42 }
	if n, got := flags(); n != 7 || got != want {
		t.Fatalf("all hashes colliding: %d duplicates, flags %s", n, got)
	}
	defer func(n int) { dupCandidateLimit = n }(dupCandidateLimit)
	dupCandidateLimit = 3
	if n, got := flags(); n != 7 || got != want {
		t.Fatalf("grouped in SQL: %d duplicates, flags %s", n, got)
	}
}

// isoDate, the fast path for YYYY-MM-DD, agrees with time.Parse, and
// occurrenceDate stores what formatting the parsed date gives.
func TestISODateMatchesTimeParse(t *testing.T) {
	var cells []string
	for _, y := range []string{"0000", "0001", "1900", "2000", "2024", "2026", "2100", "9999"} {
		for m := 0; m <= 13; m++ {
			for d := 0; d <= 32; d++ {
				cells = append(cells, fmt.Sprintf("%s-%02d-%02d", y, m, d))
			}
		}
	}
	cells = append(cells, " 2026-03-04 ", "2026-3-04", "2026-03-4", "+026-03-04", "-026-03-04", "2026/03/04", "2026-03-04x", "")
	for _, c := range cells {
		want, wantErr := time.Parse(DateLayout, strings.TrimSpace(c))
		got, ok := isoDate(strings.TrimSpace(c))
		if ok && (wantErr != nil || !got.Equal(want)) {
			t.Errorf("isoDate(%q) = %v, time.Parse = %v, %v", c, got, want, wantErr)
		}
		if !ok && wantErr == nil && len(strings.TrimSpace(c)) == 10 && c[0] != '+' && c[0] != '-' {
			t.Errorf("isoDate(%q) refused what time.Parse reads", c)
		}
		d, ok := ParseOccurrenceDate(c)
		wantDate := ""
		if ok {
			wantDate = d.Format(DateLayout)
			if d.IsZero() {
				wantDate = ""
			}
		}
		if s, d2, ok2 := occurrenceDate(c, DateOrderMonthFirst); s != wantDate || ok2 != ok || !d2.Equal(d) {
			t.Errorf("occurrenceDate(%q) = %q %v %v, want %q %v %v", c, s, d2, ok2, wantDate, d, ok)
		}
	}
}

func TestSortHashes(t *testing.T) {
	for _, n := range []int{0, 1, 100, 5000, 300_000} {
		a := make([]uint32, n)
		x := uint32(12345)
		for i := range a {
			x ^= x << 13
			x ^= x >> 17
			x ^= x << 5
			a[i] = x
			if i%7 == 0 {
				a[i] &= 0xffff // low values, equal high halves
			}
		}
		want := slices.Clone(a)
		slices.Sort(want)
		sortHashes(a)
		if !slices.Equal(a, want) {
			t.Fatalf("n=%d: not sorted like slices.Sort", n)
		}
	}
}

// Past idMaxRows the index gives up and leaves duplicates to SQL.
func TestIDIndexOverflow(t *testing.T) {
	x := newIDIndex()
	x.add("A")
	x.add("A")
	if pos, ok := x.candidates(); !ok || string(pos) != "[1,2]" {
		t.Fatalf("candidates = %s, %v", pos, ok)
	}
	x = newIDIndex()
	x.n = idMaxRows
	x.add("A")
	if _, ok := x.candidates(); ok || x.chunks != nil {
		t.Fatal("an overflowing index still offers candidates")
	}
}

// Issue 13 item 7: CSV shapes that cannot be read with confidence are
// refused, naming the rows, and nothing is written.
func TestImportPopulationRefusesMisshapenCSV(t *testing.T) {
	ctx := context.Background()
	w, _ := newTestWorkpaper(t)
	withControl(t, w)
	cases := []struct{ name, content, want string }{
		{"lone-cr.csv", "Ticket,Opened\nA-1,2026-01-05\rA-2,2026-01-06\nA-3,2026-01-07\n",
			"lone-cr.csv: line 2, column 2 holds a lone carriage return (CR) in a file whose lines end in LF"},
		{"long.csv", "Ticket,Opened\nA-1,2026-01-05\nA-2,2026-01-06,extra\nA-3,2026-01-07\nA-4,2026-01-08,x,y\n",
			"long.csv: rows 3 and 5 have cells beyond the last of the header's 2 headings"},
		{"short.csv", "Ticket,Opened,Summary\nA-1,2026-01-05,ok\nA-2,2026-01-06\nA-3,2026-01-07,ok\n",
			"short.csv: row 3 has fewer cells than the header's 3 headings"},
		{"empty-heading.csv", "Ticket,,Opened\nA-1,x,2026-01-05\n",
			"empty-heading.csv: in the header (row 1), column B has no heading"},
		{"no-names.csv", ",,\nA-1,2026-01-05,x\n",
			"no-names.csv has no rows under its header (row 2: \"A-1\", \"2026-01-05\", \"x\"); the 1 row(s) above it are blank, so the heading row may be empty"},
	}
	for _, c := range cases {
		_, err := w.ImportPopulation(ctx, PopulationImport{ControlRef: "CHG-01", Path: writeFile(t, c.name, c.content)})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.want)
		}
	}
	many := "Ticket,Opened\n"
	for i := 0; i < 8; i++ {
		many += "A,2026-01-01,x\n"
	}
	if _, err := w.ImportPopulation(ctx, PopulationImport{ControlRef: "CHG-01", Path: writeFile(t, "many.csv", many)}); err == nil ||
		!strings.Contains(err.Error(), "rows 2, 3, 4, 5, 6 and 3 more have cells beyond") {
		t.Errorf("many: %v", err)
	}
	var n int
	w.db.QueryRow("SELECT count(*) FROM population_row").Scan(&n)
	if p, _ := w.CurrentPopulation(ctx, "CHG-01"); p != nil || n != 0 {
		t.Fatalf("refused imports left %v and %d rows", p, n)
	}
	// A CRLF file, a CR-only file and a quoted line break are still read.
	for name, content := range map[string]string{
		"crlf.csv": "Ticket,Opened\r\nA-1,2026-01-05\r\n", "cr.csv": "Ticket,Opened\rA-1,2026-01-05\r",
		"quoted.csv": "Ticket,Opened,Note\nA-1,2026-01-05,\"two\nlines\"\n"} {
		p, err := w.ImportPopulation(ctx, PopulationImport{ControlRef: "CHG-01", Path: writeFile(t, name, content)})
		if err != nil || p.Rows != 1 {
			t.Errorf("%s: %+v, %v", name, p, err)
		}
	}
}
