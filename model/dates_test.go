package model

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// Issue 13 item 7b (part): dates as ticketing, HR and cloud systems export
// them are read.
func TestExportedDateFormats(t *testing.T) {
	for _, s := range []string{
		"3/7/2026 7:29:52 PM",      // Excel, Azure DevOps (US)
		"07/Mar/26 7:29 PM",        // Jira's default CSV export
		"Mar 7, 2026, 7:29:52 PM",  // long US form
		"Saturday, March 7, 2026",  // with the weekday
		"07.03.2026",               // dotted, day-first
		"2026/3/7",                 // year-first without zeros
		"20260307",                 // compact
		"2026-03-07T19:29:52.123Z", // GitHub, Okta, AWS
		"2026-03-07 19:29:52",      // ServiceNow
	} {
		d, ok := ParseOccurrenceDate(s)
		if !ok || formatDate(d) != "2026-03-07" {
			t.Errorf("%q: %v %v, want 2026-03-07", s, d, ok)
		}
	}
}

// Issue 13 item 7b: the remaining formats, read alone.
func TestMoreExportedDateFormats(t *testing.T) {
	for s, want := range map[string]string{
		"07-03-2026 19:29": "2026-07-03", // month-first when nothing says otherwise
		"25-03-2026 19:29": "2026-03-25", // reads only day-first
		"1772911792":       "2026-03-07", // Unix seconds
		"3/7/2026 7:29 PM": "2026-03-07",
	} {
		d, ok := ParseOccurrenceDate(s)
		if !ok || formatDate(d) != want {
			t.Errorf("%q: %v %v, want %s", s, d, ok, want)
		}
	}
}

// Issue 13 item 7b: a column's numeric dates are read day-first or
// month-first as its values decide, or as --date-format says; a column that
// cannot decide is refused and nothing is written; unreadable dates are
// named by row.
func TestImportPopulationDateOrder(t *testing.T) {
	ctx := context.Background()
	w, _ := newTestWorkpaper(t)
	withControl(t, w)
	imp := func(name, content string, order DateOrder) (*Population, error) {
		return w.ImportPopulation(ctx, PopulationImport{ControlRef: "CHG-01", Path: writeFile(t, name, content),
			IDColumn: "Ticket", DateColumn: "Opened", DateOrder: order, Replace: true, Reason: "test"})
	}
	dates := func(p *Population) string {
		rows, _ := w.PopulationRows(ctx, p.UUID, 1, 10)
		var ds []string
		for _, r := range rows {
			ds = append(ds, r.Date)
		}
		return strings.Join(ds, " ")
	}
	// 07-03 reads 7 March only because a later row (25-03) is day-first.
	p, err := imp("eu.csv", "Ticket,Opened\nA-1,07-03-2026 19:29\nA-2,25-03-2026 08:00\nA-3,1772911792\n", DateOrderUnknown)
	if err != nil || p.DateOrder != DateOrderDayFirst || p.DateOrderBy != "data" || dates(p) != "2026-03-07 2026-03-25 2026-03-07" {
		t.Fatalf("day-first column: %+v %v, dates %q", p, err, dates(p))
	}
	p, err = imp("us.csv", "Ticket,Opened\nA-1,07/03/2026\nA-2,03/25/2026\n", DateOrderUnknown)
	if err != nil || p.DateOrder != DateOrderMonthFirst || dates(p) != "2026-07-03 2026-03-25" {
		t.Fatalf("month-first column: %+v %v", p, err)
	}
	// Mixed: the value that contradicts the column's reading is unreadable, named by row.
	p, err = imp("mixed.csv", "Ticket,Opened\nA-1,25/03/2026\nA-2,03/25/2026\nA-3,soon\n", DateOrderUnknown)
	if err != nil || p.BadDates != 2 || fmt.Sprint(p.BadDateRows) != "[3 4]" {
		t.Fatalf("mixed column: %+v %v", p, err)
	}
	before, _ := w.CurrentPopulation(ctx, "CHG-01")
	_, err = imp("ambiguous.csv", "Ticket,Opened\nA-1,07/03/2026\nA-2,08/03/2026\nA-3,2026-03-09\n", DateOrderUnknown)
	var ie *InputError
	if !errors.As(err, &ie) || ie.Input != InputDateFormat ||
		!strings.Contains(err.Error(), `ambiguous.csv: the dates in column "Opened" can be read day-first or month-first ("07/03/2026"; rows 2 and 3)`) {
		t.Fatalf("ambiguous column: %v", err)
	}
	if after, _ := w.CurrentPopulation(ctx, "CHG-01"); after.UUID != before.UUID {
		t.Fatal("a refused import replaced the population")
	}
	p, err = imp("given.csv", "Ticket,Opened\nA-1,07/03/2026\nA-2,08/03/2026\n", DateOrderDayFirst)
	if err != nil || p.DateOrderBy != "given" || dates(p) != "2026-03-07 2026-03-08" {
		t.Fatalf("--date-format day-first: %+v %v", p, err)
	}
	for s, want := range map[string]DateOrder{"day-first": DateOrderDayFirst, "DD/MM/YYYY": DateOrderDayFirst, "mdy": DateOrderMonthFirst, "": DateOrderUnknown} {
		if got, err := ParseDateFormat(s); err != nil || got != want {
			t.Errorf("ParseDateFormat(%q) = %v, %v", s, got, err)
		}
	}
	if _, err := ParseDateFormat("yyyy"); err == nil {
		t.Error("ParseDateFormat accepted yyyy")
	}
}
