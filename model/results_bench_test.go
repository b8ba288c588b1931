package model

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// benchCells is the number of cells of the bulk-pass benchmark:
// FIELDWORK_BENCH_CELLS, else 100,000 (the README's target).
func benchCells() int {
	if s := os.Getenv("FIELDWORK_BENCH_CELLS"); s != "" {
		var n int
		fmt.Sscan(s, &n)
		if n > 0 {
			return n
		}
	}
	return 100_000
}

// BenchmarkBulkPass passes one attribute on every item of a sample the way
// the grid's bulk pass does: chunks of 250 items, each UntestedItems then
// PassUntested in one transaction (one trail entry). One op is the whole
// column. "sample" is a random sample of n items from n+n/10 rows (items
// stored); "all" a test of every item of n rows (items not stored until
// passed); "one-call" the sample's whole column in one PassUntested (one
// transaction, one trail entry).
func BenchmarkBulkPass(b *testing.B) {
	for _, kind := range []string{"sample", "all", "one-call"} {
		b.Run(kind, func(b *testing.B) {
			ctx := context.Background()
			dir := b.TempDir()
			n := benchCells()
			const chunk = 250
			rows := n
			if kind != "all" {
				rows = n + n/10
			}
			src := writePopulationCSV(b, dir, rows)
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				w, err := Create(filepath.Join(dir, fmt.Sprintf("bulk-%d.fieldwork", i)), Options{User: "bench"})
				if err != nil {
					b.Fatal(err)
				}
				w.CreateEngagement(ctx, NewEngagement{Client: "B", System: "S", Type: TypeII, From: mustDate("2026-01-01"), To: mustDate("2026-12-31")})
				w.ImportControls(ctx, []ControlInput{{ID: "CHG-01", Description: "d", Criteria: []string{"CC8.1"}}}, "b")
				if _, err := w.ImportPopulation(ctx, PopulationImport{ControlRef: "CHG-01", Path: src, IDColumn: "Ticket"}); err != nil {
					b.Fatal(err)
				}
				in := DrawInput{ControlRef: "CHG-01", Size: n}
				if kind == "all" {
					in = DrawInput{ControlRef: "CHG-01", Method: "all"}
				}
				sel, err := w.DrawSample(ctx, in)
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				passed, step := 0, chunk
				if kind == "one-call" {
					step = n
				}
				for from := 1; from <= n; from += step {
					todo, _, err := w.UntestedItems(ctx, sel.UUID, "A", from, step)
					if err != nil {
						b.Fatal(err)
					}
					written, _, err := w.PassUntested(ctx, "CHG-01", todo, []string{"A"})
					if err != nil {
						b.Fatal(err)
					}
					passed += written
				}
				b.StopTimer()
				if passed != n {
					b.Fatalf("passed %d cells of %d", passed, n)
				}
				w.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "cells/s")
		})
	}
}
