package export

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/fieldwork-audit/fieldwork/model"
	"github.com/fieldwork-audit/fieldwork/sampling"
)

// The benchmark engagement: 100 control tests, each with 60 items tested
// for 5 attributes (30,000 results).
const (
	benchControls = 100
	benchItems    = 60
	benchAttrs    = 5
	benchRows     = 500 // population rows per control
)

var (
	benchMu    sync.Mutex
	benchPaths = map[int]string{}
	benchCells int64
)

// benchWorkpaper builds the benchmark engagement once through the model's
// own calls and caches it: SetResult is one transaction per cell, so the
// build takes a while. The cache lives in $FIELDWORK_BENCH_CACHE, else
// /dev/shm when there is one (fsync is cheap there), else the temp folder,
// and is keyed by the schema version and the sizes.
func benchWorkpaper(b *testing.B, controls int) string {
	b.Helper()
	benchMu.Lock()
	defer benchMu.Unlock()
	if p, ok := benchPaths[controls]; ok {
		return p
	}
	p, err := buildBenchWorkpaper(b, controls)
	if err != nil {
		b.Fatal(err)
	}
	benchPaths[controls] = p
	return p
}

func benchCacheDir() string {
	if d := os.Getenv("FIELDWORK_BENCH_CACHE"); d != "" {
		return d
	}
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		if f, err := os.CreateTemp("/dev/shm", "fieldwork-probe-*"); err == nil {
			f.Close()
			os.Remove(f.Name())
			return "/dev/shm"
		}
	}
	return os.TempDir()
}

func buildBenchWorkpaper(b *testing.B, controls int) (string, error) {
	ctx := context.Background()
	path := filepath.Join(benchCacheDir(), fmt.Sprintf("fieldwork-bench-export-s%d-%dx%dx%d.fieldwork", model.SchemaVersion, controls, benchItems, benchAttrs))
	if w, err := model.Open(path, model.Options{ReadOnly: true}); err == nil {
		rs, err := w.Results(ctx, fmt.Sprintf("BC-%03d", controls))
		w.Close()
		if err == nil && len(rs) == benchItems*benchAttrs {
			return path, nil
		}
	}
	start := time.Now()
	tmp := path + ".building"
	os.Remove(tmp)
	w, err := model.Create(tmp, model.Options{User: "bench"})
	if err != nil {
		return "", err
	}
	defer w.Close()
	err = w.CreateEngagement(ctx, model.NewEngagement{Client: "Bench Corp", System: "Bench Platform", Type: model.TypeII,
		From: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC), Firm: "Bench & Co"})
	if err != nil {
		return "", err
	}
	var in []model.ControlInput
	for i := 1; i <= controls; i++ {
		crit := model.Catalog[(i-1)%33].ID // the common criteria
		in = append(in, model.ControlInput{ID: fmt.Sprintf("BC-%03d", i), Description: fmt.Sprintf("Control %d: changes are approved before deployment and reviewed monthly by the control owner.", i),
			Owner: "Owner", Frequency: sampling.AdHoc, Nature: model.NatureManual, Key: true, Criteria: []string{crit}})
	}
	if _, err := w.ImportControls(ctx, in, "bench.csv"); err != nil {
		return "", err
	}
	dir := filepath.Dir(tmp)
	for i := 1; i <= controls; i++ {
		ref := fmt.Sprintf("BC-%03d", i)
		var csv strings.Builder
		csv.WriteString("Ticket,Opened,Title,Requester,Approver\n")
		for r := 1; r <= benchRows; r++ {
			fmt.Fprintf(&csv, "T%03d-%05d,2026-%02d-%02d,Routine change %d,user%03d,lead%02d\n", i, r, r%12+1, r%28+1, r, r%300, r%20)
		}
		src := filepath.Join(dir, fmt.Sprintf("fieldwork-bench-pop-%d.csv", i))
		if err := os.WriteFile(src, []byte(csv.String()), 0o644); err != nil {
			return "", err
		}
		_, err := w.ImportPopulation(ctx, model.PopulationImport{ControlRef: ref, Path: src, IDColumn: "Ticket", DateColumn: "Opened"})
		os.Remove(src)
		if err != nil {
			return "", err
		}
		seed := uint64(i)
		sel, err := w.DrawSample(ctx, model.DrawInput{ControlRef: ref, Size: benchItems, Seed: &seed})
		if err != nil {
			return "", err
		}
		for a := 0; a < benchAttrs; a++ {
			if _, err := w.AddAttribute(ctx, ref, "", fmt.Sprintf("Attribute %d of the control operated as described", a+1)); err != nil {
				return "", err
			}
		}
		for k, it := range sel.Items {
			for a := 0; a < benchAttrs; a++ {
				res := model.ResultInput{ControlRef: ref, Position: it.Position, Attribute: string(rune('A' + a)), Outcome: model.Pass, Tickmark: "✓",
					Evidence: fmt.Sprintf("evidence/%s/item-%03d.pdf", strings.ToLower(ref), it.Position)}
				if k%25 == 7 && a == 0 {
					res.Outcome, res.Tickmark, res.Note = model.Deviation, "X", "Approved after deployment"
				}
				if err := w.SetResult(ctx, res); err != nil {
					return "", err
				}
			}
		}
		if err := w.SetConclusion(ctx, ref, model.EffectiveWithExceptions, "isolated", 0); err != nil {
			return "", err
		}
	}
	if err := w.Close(); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", err
	}
	b.Logf("built the benchmark workpaper in %s: %s", time.Since(start).Round(time.Second), path)
	return path, nil
}

// peakHeap samples the live heap until stop is called and returns the
// highest value seen (runtime/metrics reads do not stop the world).
func peakHeap() (stop func() uint64) {
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 { close(done); wg.Wait(); return peak.Load() }
}

// BenchmarkExport exports the 100 × 60 × 5 engagement (every section but
// the audit trail); BenchmarkExportSizes shows how time and memory grow
// with the number of control tests.
func BenchmarkExport(b *testing.B) {
	res := benchExport(b, benchControls)
	benchCells = res.Cells
}

func BenchmarkExportSizes(b *testing.B) {
	for _, n := range []int{25, 100} {
		b.Run(fmt.Sprintf("controls=%d", n), func(b *testing.B) { benchExport(b, n) })
	}
}

func benchExport(b *testing.B, controls int) *Result {
	path := benchWorkpaper(b, controls)
	w, err := model.Open(path, model.Options{ReadOnly: true, User: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	out := filepath.Join(b.TempDir(), "bench.xlsx")
	opt := Options{Path: out, Force: true, Version: "bench", User: "bench"}
	runtime.GC()
	stop := peakHeap()
	b.ReportAllocs()
	b.ResetTimer()
	var res *Result
	for i := 0; i < b.N; i++ {
		if res, err = Write(context.Background(), w, opt, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	peak := stop()
	b.ReportMetric(float64(res.Cells), "cells/op")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(res.Bytes)/(1<<20), "file-MB")
	b.ReportMetric(float64(len(res.Sheets)), "sheets")
	return res
}

// BenchmarkBareStreamWriter writes as many cells as BenchmarkExport does
// (short strings and numbers, in as many sheets) with a bare excelize
// StreamWriter and no database: the floor an export cannot beat.
func BenchmarkBareStreamWriter(b *testing.B) {
	cells := benchCells
	if n, err := strconv.ParseInt(os.Getenv("FIELDWORK_BENCH_CELLS"), 10, 64); err == nil && n > 0 {
		cells = n // to measure this benchmark's memory alone
	}
	if cells == 0 {
		// Run on its own: count the export's cells once.
		path := benchWorkpaper(b, benchControls)
		w, err := model.Open(path, model.Options{ReadOnly: true})
		if err != nil {
			b.Fatal(err)
		}
		res, err := Write(context.Background(), w, Options{Path: filepath.Join(b.TempDir(), "count.xlsx"), Version: "bench"}, nil)
		w.Close()
		if err != nil {
			b.Fatal(err)
		}
		cells = res.Cells
	}
	const cols = 36
	sheets := benchControls + 9 // as many as the export: 3 before the control tests, 6 after
	rowsPerSheet := int(cells/int64(sheets*cols)) + 1
	out := filepath.Join(b.TempDir(), "bare.xlsx")
	runtime.GC()
	stop := peakHeap()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f := excelize.NewFile()
		written := int64(0)
		for s := 0; s < sheets && written < cells; s++ {
			name := fmt.Sprintf("S%d", s)
			if s == 0 {
				f.SetSheetName("Sheet1", name)
			} else if _, err := f.NewSheet(name); err != nil {
				b.Fatal(err)
			}
			sw, err := f.NewStreamWriter(name)
			if err != nil {
				b.Fatal(err)
			}
			row := make([]any, cols)
			for r := 1; r <= rowsPerSheet && written < cells; r++ {
				for c := range row {
					if c%3 == 0 {
						row[c] = r*cols + c
					} else {
						row[c] = fmt.Sprintf("evidence/bc-%03d/item-%03d.pdf", s, r)
					}
				}
				cell, _ := excelize.CoordinatesToCellName(1, r)
				if err := sw.SetRow(cell, row); err != nil {
					b.Fatal(err)
				}
				written += cols
			}
			if err := sw.Flush(); err != nil {
				b.Fatal(err)
			}
		}
		if err := f.SaveAs(out); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
	b.StopTimer()
	peak := stop()
	b.ReportMetric(float64(cells), "cells/op")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}
