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
