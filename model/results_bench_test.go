package model

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

// BenchmarkBulkPass passes one attribute on a 10,000-item sample the way
// the grid's bulk pass does: 40 transactions of 250 cells (SetResults with
// IfUntested). One op is the whole column.
func BenchmarkBulkPass(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	const n, chunk = 10_000, 250
	src := writePopulationCSV(b, dir, n)
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
		if _, err := w.DrawSample(ctx, DrawInput{ControlRef: "CHG-01", Size: n}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		for from := 1; from <= n; from += chunk {
			ins := make([]ResultInput, 0, chunk)
			for p := from; p < from+chunk && p <= n; p++ {
				ins = append(ins, ResultInput{ControlRef: "CHG-01", Position: p, Attribute: "A", Outcome: Pass, IfUntested: true})
			}
			if _, _, err := w.SetResults(ctx, ins); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		w.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "cells/s")
}
