package model

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/xuri/excelize/v2"
)

// Issue 13 item 6: an XLSX population is streamed. Its sheet is far larger
// than what excelize decodes in memory (2 MiB), and the heap while the rows
// go in stays within a ceiling that does not depend on the number of rows.
func TestImportXLSXMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("large workbook")
	}
	rows := 60_000
	if raceEnabled {
		rows = 15_000 // the same shape, a quarter of the rows: the race detector is slow
	}
	src := filepath.Join(t.TempDir(), "big.xlsx")
	f := excelize.NewFile()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	sw.SetRow("A1", []any{"Ticket", "Opened", "Summary", "Requester", "Approver", "Team", "Status", "Notes"})
	for i := 1; i <= rows; i++ {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		sw.SetRow(cell, []any{fmt.Sprintf("CHG-%07d", i), fmt.Sprintf("2026-%02d-%02d", i%12+1, i%28+1),
			fmt.Sprintf("change number %d to the payroll service", i), "maria.chen", "sam.okafor", "platform", "closed",
			fmt.Sprintf("reviewed under ticket %d, no exceptions", i*7)})
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.SaveAs(src); err != nil {
		t.Fatal(err)
	}
	f.Close()

	ctx := context.Background()
	w, _ := newTestWorkpaper(t)
	withControl(t, w)
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base, peak := ms.HeapAlloc, ms.HeapAlloc
	p, err := w.ImportPopulation(ctx, PopulationImport{ControlRef: "CHG-01", Path: src, IDColumn: "Ticket", DateColumn: "Opened",
		Progress: func(int) {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}})
	if err != nil {
		t.Fatal(err)
	}
	if p.Rows != rows || p.BadDates != 0 {
		t.Fatalf("population = %+v", p)
	}
	growth := (peak - base) >> 20
	t.Logf("%d rows from a %d-row workbook: heap %d MB before, peak growth %d MB", p.Rows, rows, base>>20, growth)
	// The ceiling: excelize's decoder, a batch or two of rows and SQLite's
	// page cache; none of it grows with the rows (4 bytes a row for the
	// duplicate-ID index is 0.2 MB here). Decoding this sheet in memory,
	// as excelize does below its 2 MiB limit, grows the heap by about 55 MB
	// (60,000 rows; the test's run without -race is the one that shows it).
	if growth > 24 {
		t.Fatalf("the heap grew by %d MB while importing %d rows (ceiling 24 MB): the import is not streaming", growth, rows)
	}
}
