package model

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// writePopulationCSV writes an n-row, 8-column population file.
func writePopulationCSV(tb testing.TB, dir string, n int) string {
	tb.Helper()
	p := filepath.Join(dir, "pop.csv")
	f, err := os.Create(p)
	if err != nil {
		tb.Fatal(err)
	}
	bw := bufio.NewWriter(f)
	fmt.Fprintln(bw, "Ticket,Opened,Title,Author,Approver,Approved At,Deployed At,System")
	for i := 1; i <= n; i++ {
		d := fmt.Sprintf("2026-%02d-%02d", i%6+1, i%28+1)
		fmt.Fprintf(bw, "CHG-%07d,%s,\"Change number %d, routine\",dev%03d,rev%03d,%s 10:%02d,%s 14:%02d,payroll-%d\n", i, d, i, i%500, (i+7)%500, d, i%60, d, i%60, i%9)
	}
	bw.Flush()
	f.Close()
	return p
}

// BenchmarkImportPopulation imports a 300,000-row, 8-column CSV per op.
func BenchmarkImportPopulation(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	src := writePopulationCSV(b, dir, 300_000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		w, err := Create(filepath.Join(dir, fmt.Sprintf("w%d.fieldwork", i)), Options{User: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		w.CreateEngagement(ctx, NewEngagement{Client: "B", System: "S", Type: TypeII, From: mustDate("2026-01-01"), To: mustDate("2026-12-31")})
		w.ImportControls(ctx, []ControlInput{{ID: "CHG-01", Description: "d", Criteria: []string{"CC8.1"}}}, "b")
		b.StartTimer()
		if _, err := w.ImportPopulation(ctx, PopulationImport{ControlRef: "CHG-01", Path: src, IDColumn: "Ticket", DateColumn: "Opened"}); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		w.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(300_000*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// benchRows is the population size of the draw and verify benchmarks:
// FIELDWORK_BENCH_ROWS, else 100,000 (the README's figures use 1,000,000).
func benchRows() int {
	if s := os.Getenv("FIELDWORK_BENCH_ROWS"); s != "" {
		var n int
		fmt.Sscan(s, &n)
		if n > 0 {
			return n
		}
	}
	return 100_000
}

// BenchmarkDrawAll is a test-all draw of the whole population, per op on a
// fresh copy of a workpaper holding only the imported population; it
// reports the file's growth.
func BenchmarkDrawAll(b *testing.B) {
	ctx := context.Background()
	n := benchRows()
	dir := b.TempDir()
	src := writePopulationCSV(b, dir, n)
	base := filepath.Join(dir, "base.fieldwork")
	w, err := Create(base, Options{User: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	w.CreateEngagement(ctx, NewEngagement{Client: "B", System: "S", Type: TypeII, From: mustDate("2026-01-01"), To: mustDate("2026-12-31")})
	w.ImportControls(ctx, []ControlInput{{ID: "CHG-01", Description: "d", Criteria: []string{"CC8.1"}}}, "b")
	if _, err := w.ImportPopulation(ctx, PopulationImport{ControlRef: "CHG-01", Path: src, IDColumn: "Ticket", DateColumn: "Opened"}); err != nil {
		b.Fatal(err)
	}
	w.Close()
	st, _ := os.Stat(base)
	var grew int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		p := filepath.Join(dir, fmt.Sprintf("w%d.fieldwork", i))
		copyFile(b, base, p)
		w, err := Open(p, Options{User: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := w.DrawSample(ctx, DrawInput{ControlRef: "CHG-01", Method: "all"}); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		w.Close()
		st2, _ := os.Stat(p)
		grew = st2.Size() - st.Size()
		os.Remove(p)
		b.StartTimer()
	}
	b.ReportMetric(float64(grew)/1e6, "MB-growth")
}

// BenchmarkVerifyDrawAll is verify with full replay of a workpaper whose
// whole population was drawn.
func BenchmarkVerifyDrawAll(b *testing.B) {
	ctx := context.Background()
	n := benchRows()
	dir := b.TempDir()
	src := writePopulationCSV(b, dir, n)
	p := filepath.Join(dir, "all.fieldwork")
	w, err := Create(p, Options{User: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	w.CreateEngagement(ctx, NewEngagement{Client: "B", System: "S", Type: TypeII, From: mustDate("2026-01-01"), To: mustDate("2026-12-31")})
	w.ImportControls(ctx, []ControlInput{{ID: "CHG-01", Description: "d", Criteria: []string{"CC8.1"}}}, "b")
	if _, err := w.ImportPopulation(ctx, PopulationImport{ControlRef: "CHG-01", Path: src, IDColumn: "Ticket", DateColumn: "Opened"}); err != nil {
		b.Fatal(err)
	}
	if _, err := w.DrawSample(ctx, DrawInput{ControlRef: "CHG-01", Method: "all"}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := w.Verify(ctx)
		if err != nil || !r.OK {
			b.Fatal(err, r.FirstProblem())
		}
	}
}
