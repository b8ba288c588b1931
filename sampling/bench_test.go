package sampling

import (
	"fmt"
	"testing"
)

func BenchmarkSampleSize(b *testing.B) {
	for _, c := range []struct {
		name string
		p    Plan
	}{
		{"binomial/95-5-0", Plan{Confidence: 950_000, Tolerable: 50_000}},
		{"binomial/95-5-2", Plan{Confidence: 950_000, Tolerable: 50_000, Expected: 20_000}},
		{"binomial/95-3-2.25", Plan{Confidence: 950_000, Tolerable: 30_000, Expected: 22_500}},
		{"poisson/95-5-2", Plan{Confidence: 950_000, Tolerable: 50_000, Expected: 20_000, Model: Poisson}},
		{"hypergeometric/95-5-2/N=5000", Plan{Confidence: 950_000, Tolerable: 50_000, Expected: 20_000, Population: 5000, Model: Hypergeometric}},
		{"hypergeometric/95-5-2/N=1e9", Plan{Confidence: 950_000, Tolerable: 50_000, Expected: 20_000, Population: 1_000_000_000, Model: Hypergeometric}},
		// Exact ties, decided in integers (exact.go).
		{"tie/hypergeometric/80-1-0/N=50", Plan{Confidence: 800_000, Tolerable: 10_000, Population: 50, Model: Hypergeometric}},
		{"tie/hypergeometric/90-10-7/N=50", Plan{Confidence: 900_000, Tolerable: 100_000, Expected: 70_000, Population: 50, Model: Hypergeometric}},
		{"tie/binomial/75-50-0", Plan{Confidence: 750_000, Tolerable: 500_000}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := SampleSize(c.p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkTable(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Table(950_000, Binomial, 0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEvaluate(b *testing.B) {
	for _, c := range []struct {
		name string
		s    Sample
	}{
		{"binomial/n=60,k=1", Sample{Size: 60, Deviations: 1, Confidence: 950_000, Tolerable: 50_000}},
		{"binomial/n=500,k=10", Sample{Size: 500, Deviations: 10, Confidence: 950_000, Tolerable: 50_000}},
		{"poisson/n=60,k=1", Sample{Size: 60, Deviations: 1, Confidence: 950_000, Tolerable: 50_000, Model: Poisson}},
		{"hypergeometric/n=60,k=1,N=5000", Sample{Size: 60, Deviations: 1, Confidence: 950_000, Tolerable: 50_000, Population: 5000, Model: Hypergeometric}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Evaluate(c.s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkSelect(b *testing.B) {
	for _, m := range []Method{Random, Systematic} {
		for _, N := range []int{1_000, 1_000_000, 1_000_000_000} {
			for _, n := range []int{25, 60, 200} {
				b.Run(fmt.Sprintf("%s/N=%.0e/n=%d", m, float64(N), n), func(b *testing.B) {
					b.ReportAllocs()
					seed := uint64(0)
					for b.Loop() {
						seed++
						if _, err := Select(Request{Method: m, Population: N, Size: n, Seed: seed}); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}

func BenchmarkExtend(b *testing.B) {
	r, err := Select(Request{Method: Random, Population: 1_000_000, Size: 60, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Extend(r, 15); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	r, err := Select(Request{Method: Random, Population: 1_000_000, Size: 60, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Verify(r); err != nil {
			b.Fatal(err)
		}
	}
}
