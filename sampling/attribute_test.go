package sampling

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
)

// readCSV reads a reference table from testdata as maps keyed by header.
func readCSV(t *testing.T, name string) []map[string]string {
	t.Helper()
	f, err := os.Open("../testdata/reference/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var rows []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = r[i]
		}
		rows = append(rows, m)
	}
	return rows
}

func mustRate(t testing.TB, s string) Rate {
	t.Helper()
	r, err := ParseRate(s + "%")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func atoi(t testing.TB, s string) int {
	t.Helper()
	v, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestAICPASampleSizes checks every cell of Tables.
func TestAICPASampleSizes(t *testing.T) {
	rows := readCSV(t, "aicpa-attribute-sample-sizes.csv")
	if len(rows) != 392 {
		t.Fatalf("reference has %d cells, want 392", len(rows))
	}
	for _, r := range rows {
		p := Plan{
			Confidence: mustRate(t, r["confidence_pct"]),
			Tolerable:  mustRate(t, r["tolerable_rate_pct"]),
			Expected:   mustRate(t, r["expected_rate_pct"]),
		}
		s, err := SampleSize(p)
		if err != nil {
			t.Errorf("%+v: %v", p, err)
			continue
		}
		wantN, wantK := atoi(t, r["sample_size"]), atoi(t, r["expected_deviations"])
		if s.SampleSize != wantN || s.ExpectedDeviations != wantK {
			t.Errorf("%v confidence, %v expected, %v tolerable: got %d (%d), want %d (%d)",
				p.Confidence, p.Expected, p.Tolerable, s.SampleSize, s.ExpectedDeviations, wantN, wantK)
		}
		if s.UpperLimit > p.Tolerable.Fraction() || s.AchievedRisk > 1-p.Confidence.Fraction() {
			t.Errorf("%+v: achieved limit %v, risk %v", p, s.UpperLimit, s.AchievedRisk)
		}
	}
}

// TestAICPATableLayout checks that Table reproduces the guide's layout:
// every reference cell present with its value and every other cell left
// out.
func TestAICPATableLayout(t *testing.T) {
	rows := readCSV(t, "aicpa-attribute-sample-sizes.csv")
	want := map[string]string{}
	for _, r := range rows {
		key := fmt.Sprintf("%s/%v/%v", r["confidence_pct"], mustRate(t, r["expected_rate_pct"]), mustRate(t, r["tolerable_rate_pct"]))
		want[key] = r["sample_size"] + "(" + r["expected_deviations"] + ")"
	}
	cells := 0
	for _, conf := range []string{"95", "90"} {
		tab, err := Table(mustRate(t, conf), Binomial, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range tab.Rows {
			for _, c := range row.Cells {
				key := fmt.Sprintf("%s/%v/%v", conf, row.Expected, c.Tolerable)
				w, ok := want[key]
				if c.Omitted {
					if ok {
						t.Errorf("%s: omitted, guide prints %s", key, w)
					}
					continue
				}
				cells++
				if got := fmt.Sprintf("%d(%d)", c.SampleSize, c.ExpectedDeviations); got != w {
					t.Errorf("%s: got %s, want %q", key, got, w)
				}
			}
		}
	}
	if cells != len(rows) {
		t.Errorf("table has %d cells, reference %d", cells, len(rows))
	}
}

// TestGuideMisprints pins the two cells where fieldwork follows the exact
// computation (113) rather than the guide's print (112).
func TestGuideMisprints(t *testing.T) {
	for _, e := range []string{"3.25", "3.5"} {
		p := Plan{Confidence: mustRate(t, "90"), Tolerable: mustRate(t, "7"), Expected: mustRate(t, e)}
		s, err := SampleSize(p)
		if err != nil {
			t.Fatal(err)
		}
		if s.SampleSize != 113 || s.ExpectedDeviations != 4 {
			t.Errorf("expected %s%%: got %d (%d), want 113 (4)", e, s.SampleSize, s.ExpectedDeviations)
		}
		// At 112 the limit with 4 deviations is just above 7%.
		ev, _ := Evaluate(Sample{Size: 112, Deviations: 4, Confidence: p.Confidence, Tolerable: p.Tolerable})
		if ev.UpperLimit <= 0.07 || ev.UpperLimit > 0.0702 || ev.Conclusion != NotSupported {
			t.Errorf("n=112, k=4: limit %v (%s)", ev.UpperLimit, ev.Conclusion)
		}
	}
}

// TestIntegerCeiling guards the floating-point trap: 0.035 × 400 is
// 14.000000000000002 in floating point.
func TestIntegerCeiling(t *testing.T) {
	if got := ceilMul(400, mustRate(t, "3.5")); got != 14 {
		t.Errorf("ceil(400 × 3.5%%) = %d, want 14", got)
	}
	if got := ceilMul(1300, mustRate(t, "7")); got != 91 {
		t.Errorf("ceil(1300 × 7%%) = %d, want 91", got)
	}
	if got := ceilMul(401, mustRate(t, "3.5")); got != 15 {
		t.Errorf("ceil(401 × 3.5%%) = %d, want 15", got)
	}
	for _, c := range []struct {
		conf, tol, exp string
		n, k           int
	}{{"90", "5", "3.5", 400, 14}, {"90", "8", "7", 1300, 91}} {
		s, err := SampleSize(Plan{Confidence: mustRate(t, c.conf), Tolerable: mustRate(t, c.tol), Expected: mustRate(t, c.exp)})
		if err != nil || s.SampleSize != c.n || s.ExpectedDeviations != c.k {
			t.Errorf("%+v: got %d (%d) %v", c, s.SampleSize, s.ExpectedDeviations, err)
		}
	}
}

// TestAICPAUpperLimits checks every cell of Tables.
func TestAICPAUpperLimits(t *testing.T) {
	rows := readCSV(t, "aicpa-upper-deviation-limits.csv")
	if len(rows) != 462 {
		t.Fatalf("reference has %d cells, want 462", len(rows))
	}
	for _, r := range rows {
		s := Sample{Size: atoi(t, r["sample_size"]), Deviations: atoi(t, r["deviations_found"]), Confidence: mustRate(t, r["confidence_pct"])}
		ev, err := Evaluate(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := strconv.FormatFloat(ev.UpperLimitPercent, 'f', 1, 64); got != r["upper_limit_pct_rounded_up"] {
			t.Errorf("%d%% n=%d k=%d: got %s (%.9f%%), want %s", int(s.Confidence.Percent()), s.Size, s.Deviations,
				got, 100*ev.UpperLimit, r["upper_limit_pct_rounded_up"])
		}
	}
}

// TestCeilPercent: rounding up must not push a value that is on the grid
// (up to floating-point noise) to the next step.
func TestCeilPercent(t *testing.T) {
	for _, c := range []struct {
		x    float64
		want float64
	}{
		{0.05, 5.0},
		{0.050000000000000003, 5.0},
		{0.05000000000001, 5.0},
		{0.0500001, 5.1},
		{0.0495, 5.0},
		{0.04951, 5.0},
		{1 - 0.05, 95.0},
		{0.9500000000000001, 95.0},
		{0.1 + 0.2, 30.0}, // 0.30000000000000004
		{0.3001, 30.1},
		{0, 0},
		{1, 100},
	} {
		if got := CeilPercent(c.x, 1); got != c.want {
			t.Errorf("CeilPercent(%v) = %v, want %v", c.x, got, c.want)
		}
	}
	// Limits that are exactly on the grid, computed in floating point:
	// n=1, k=0 at 95% is 95%; n=2, k=0 at 75% is 50%; n=1 at 90% is 90%.
	for _, c := range []struct {
		n    int
		conf string
		want float64
	}{{1, "95", 95}, {2, "75", 50}, {1, "90", 90}, {4, "93.75", 50}} {
		ev, err := Evaluate(Sample{Size: c.n, Confidence: mustRate(t, c.conf)})
		if err != nil {
			t.Fatal(err)
		}
		if ev.UpperLimitPercent != c.want {
			t.Errorf("n=%d k=0 at %s%%: %v (%.17g), want %v", c.n, c.conf, ev.UpperLimitPercent, ev.UpperLimit, c.want)
		}
	}
}

// TestClopperPearson checks known exact limits to 1e-9, computed
// independently (exact rational binomial sums bisected to 1e-18).
func TestClopperPearson(t *testing.T) {
	for _, c := range []struct {
		n, k int
		conf string
		want float64
	}{
		{59, 0, "95", 0.049507609888227},
		{60, 1, "95", 0.076639994934504},
		{100, 2, "95", 0.061619200396041},
		{45, 0, "90", 0.049881492681856},
		{20, 10, "95", 0.698046088713506},
		{200, 5, "90", 0.045878690367754},
		{1000, 30, "95", 0.040472237280866},
	} {
		ev, err := Evaluate(Sample{Size: c.n, Deviations: c.k, Confidence: mustRate(t, c.conf)})
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(ev.UpperLimit-c.want) > 1e-9 {
			t.Errorf("n=%d k=%d %s%%: %.15f, want %.15f", c.n, c.k, c.conf, ev.UpperLimit, c.want)
		}
	}
	// k = 0 has the closed form 1 − risk^(1/n).
	for n := 1; n <= 500; n++ {
		got := binomUpper(0, n, 0.05)
		if want := 1 - math.Pow(0.05, 1/float64(n)); math.Abs(got-want) > 1e-14 {
			t.Errorf("n=%d: %v, want %v", n, got, want)
		}
	}
	// The inversion: at the limit the binomial probability equals the risk.
	for _, n := range []int{5, 20, 59, 150, 1000, 20000} {
		for _, k := range []int{1, 2, n / 10, n / 2, n - 1} {
			if k < 1 || k >= n {
				continue
			}
			for _, risk := range []float64{0.05, 0.10, 0.01} {
				p := binomUpper(k, n, risk)
				if k == n-1 {
					// P(X ≤ n−1) = 1 − p^n: the limit is (1 − risk)^(1/n),
					// where the probability is too steep in p to check.
					if want := math.Pow(1-risk, 1/float64(n)); math.Abs(p-want) > 1e-14 {
						t.Errorf("n=%d k=n-1 risk=%v: %v, want %v", n, risk, p, want)
					}
					continue
				}
				if got := binomCDF(k, n, p); math.Abs(got-risk) > 1e-12 {
					t.Errorf("n=%d k=%d risk=%v: P(X≤k | %v) = %v", n, k, risk, p, got)
				}
			}
		}
	}
}

// TestPoissonLimits checks the Poisson reliability factors (the upper
// limit on λ after k events) against their known values.
func TestPoissonLimits(t *testing.T) {
	for _, c := range []struct {
		k    int
		risk float64
		want float64
	}{
		{0, 0.05, 2.995732273553991},
		{1, 0.05, 4.743864518390579},
		{2, 0.05, 6.295793621871990},
		{3, 0.05, 7.753656527932727},
		{0, 0.10, 2.302585092994046},
		{1, 0.10, 3.889720169867429},
		{5, 0.10, 9.274673893351622},
	} {
		if got := poissonUpper(c.k, c.risk); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("k=%d risk=%v: %.15f, want %.15f", c.k, c.risk, got, c.want)
		}
		if got := poissonCDF(c.k, c.want); math.Abs(got-c.risk) > 1e-12 {
			t.Errorf("P(X≤%d | %v) = %v", c.k, c.want, got)
		}
	}
}

// TestHypergeometric checks the finite-population model.
func TestHypergeometric(t *testing.T) {
	// N=52 at 95%/5%: K = ceil(2.6) = 3 and the exact answer is 33 (the
	// simple finite population correction would give 28).
	s, err := SampleSize(Plan{Confidence: mustRate(t, "95"), Tolerable: mustRate(t, "5"), Population: 52, Model: Hypergeometric})
	if err != nil {
		t.Fatal(err)
	}
	if s.SampleSize != 33 || s.TolerableDeviations != 3 || s.TestAll {
		t.Errorf("N=52: %+v", s)
	}
	// P(X = 0 | 52, 3, n) = (52−n)(51−n)(50−n) / (52·51·50).
	for n := 1; n < 52; n++ {
		want := float64((52-n)*(51-n)*(50-n)) / (52 * 51 * 50)
		if got := hyperCDF(0, 52, 3, n); math.Abs(got-want) > 1e-14 {
			t.Errorf("n=%d: %v, want %v", n, got, want)
		}
	}
	// Known planning sizes (FSaudit, jfa): 90%, 5%, N=100000: 45 and 77 with one deviation.
	s, _ = SampleSize(Plan{Confidence: mustRate(t, "90"), Tolerable: mustRate(t, "5"), Population: 100000, Model: Hypergeometric})
	if s.SampleSize != 45 {
		t.Errorf("N=100000: %d, want 45", s.SampleSize)
	}
	s, _ = SampleSize(Plan{Confidence: mustRate(t, "90"), Tolerable: mustRate(t, "5"), Expected: mustRate(t, "1"), Population: 100000, Model: Hypergeometric})
	if s.SampleSize != 77 || s.ExpectedDeviations != 1 {
		t.Errorf("N=100000, one deviation: %d (%d), want 77 (1)", s.SampleSize, s.ExpectedDeviations)
	}
	// Small populations: everything.
	s, _ = SampleSize(Plan{Confidence: mustRate(t, "95"), Tolerable: mustRate(t, "5"), Population: 10, Model: Hypergeometric})
	if !s.TestAll || s.SampleSize != 10 {
		t.Errorf("N=10: %+v", s)
	}
	// A full-population CDF against a direct sum of exact probabilities.
	N, K, n := 60, 9, 20
	var sum float64
	for x := 0; x <= 5; x++ {
		sum += math.Exp(lchoose(K, x) + lchoose(N-K, n-x) - lchoose(N, n))
		if got := hyperCDF(x, N, K, n); math.Abs(got-sum) > 1e-12 {
			t.Errorf("P(X≤%d | %d,%d,%d) = %v, want %v", x, N, K, n, got, sum)
		}
	}
	// Very large populations stay accurate: the hypergeometric tends to
	// the binomial.
	for _, k := range []int{0, 1, 3} {
		h := hyperCDF(k, 1_000_000_000, 50_000_000, 100)
		b := binomCDF(k, 100, 0.05)
		if math.Abs(h-b) > 1e-6*b {
			t.Errorf("k=%d: hyper %v, binom %v", k, h, b)
		}
	}
	// Upper limit: n=N is exact; otherwise the largest K not ruled out.
	ev, _ := Evaluate(Sample{Size: 33, Deviations: 0, Confidence: mustRate(t, "95"), Tolerable: mustRate(t, "5"), Population: 52, Model: Hypergeometric})
	if ev.PopulationDeviations != 2 || ev.Conclusion != Supported || math.Abs(ev.UpperLimit-2.0/52) > 1e-15 {
		t.Errorf("N=52 n=33: %+v", ev)
	}
	ev, _ = Evaluate(Sample{Size: 52, Deviations: 1, Confidence: mustRate(t, "95"), Tolerable: mustRate(t, "5"), Population: 52, Model: Hypergeometric})
	if !ev.WholePopulation || ev.UpperLimit != 1.0/52 || ev.Allowance != 0 || ev.Conclusion != Supported {
		t.Errorf("N=n=52: %+v", ev)
	}
}

func lchoose(n, k int) float64 {
	return lgamma(float64(n+1)) - lgamma(float64(k+1)) - lgamma(float64(n-k+1))
}

func TestSizeBasics(t *testing.T) {
	for _, c := range []struct {
		conf, tol string
		n         int
	}{{"95", "5", 59}, {"90", "5", 45}, {"90", "10", 22}} {
		s, err := SampleSize(Plan{Confidence: mustRate(t, c.conf), Tolerable: mustRate(t, c.tol)})
		if err != nil || s.SampleSize != c.n || s.ExpectedDeviations != 0 {
			t.Errorf("%+v: %+v %v", c, s, err)
		}
	}
	// Poisson: smallest n with exp(−n t) ≤ risk: ceil(2.9957/0.05) = 60.
	s, _ := SampleSize(Plan{Confidence: mustRate(t, "95"), Tolerable: mustRate(t, "5"), Model: Poisson})
	if s.SampleSize != 60 {
		t.Errorf("poisson 95/5: %d", s.SampleSize)
	}
	// A known population no larger than n: test all.
	s, _ = SampleSize(Plan{Confidence: mustRate(t, "95"), Tolerable: mustRate(t, "5"), Population: 40})
	if !s.TestAll || s.SampleSize != 40 {
		t.Errorf("N=40: %+v", s)
	}
	s, _ = SampleSize(Plan{Confidence: mustRate(t, "95"), Tolerable: mustRate(t, "5"), Population: 59})
	if !s.TestAll || s.SampleSize != 59 {
		t.Errorf("N=59: %+v", s)
	}
	s, _ = SampleSize(Plan{Confidence: mustRate(t, "95"), Tolerable: mustRate(t, "5"), Population: 60})
	if s.TestAll || s.SampleSize != 59 {
		t.Errorf("N=60: %+v", s)
	}
	// Too close to call.
	_, err := SampleSize(Plan{Confidence: mustRate(t, "95"), Tolerable: mustRate(t, "2"), Expected: mustRate(t, "1.99")})
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("2%%/1.99%%: %v", err)
	}
	for _, p := range []Plan{
		{Confidence: 0, Tolerable: 50_000},
		{Confidence: rateDenom, Tolerable: 50_000},
		{Confidence: 950_000, Tolerable: 0},
		{Confidence: 950_000, Tolerable: 50_000, Expected: 50_000},
		{Confidence: 950_000, Tolerable: 50_000, Expected: -1},
		{Confidence: 950_000, Tolerable: 50_000, Model: Hypergeometric},
		{Confidence: 950_000, Tolerable: 50_000, Population: -1},
		{Confidence: 950_000, Tolerable: 50_000, Model: "normal"},
	} {
		if _, err := SampleSize(p); err == nil {
			t.Errorf("%+v: no error", p)
		}
	}
	// Expected and tolerable rates that round to the same count in N
	// (ceil(0.4) = ceil(0.5) = 1) are a plan like any other: here no n < 10
	// passes (k = 1 = K), so every item is tested.
	s, err = SampleSize(Plan{Confidence: 950_000, Tolerable: 50_000, Expected: 40_000, Population: 10, Model: Hypergeometric})
	if err != nil || !s.TestAll || s.SampleSize != 10 {
		t.Errorf("N=10, 5%%/4%%: %+v %v", s, err)
	}
}

// TestSizeProperties: sizes shrink as the tolerable rate grows and as
// confidence falls; the hypergeometric never needs more than the binomial
// and the Poisson never less.
func TestSizeProperties(t *testing.T) {
	confs := []Rate{800_000, 900_000, 950_000, 990_000}
	tols := []Rate{10_000, 20_000, 30_000, 50_000, 70_000, 100_000, 150_000, 200_000}
	exps := []Rate{0, 2_500, 5_000, 10_000, 15_000, 25_000, 50_000}
	size := func(c, tol, e Rate, N int, m Model) (int, bool) {
		s, err := sampleSize(Plan{Confidence: c, Tolerable: tol, Expected: e, Population: N, Model: m}, 5000)
		if err != nil {
			return 0, false
		}
		return s.SampleSize, true
	}
	for _, e := range exps {
		for ci, c := range confs {
			prev := math.MaxInt
			for _, tol := range tols {
				if e >= tol {
					continue
				}
				n, ok := size(c, tol, e, 0, Binomial)
				if !ok {
					continue
				}
				if n > prev {
					t.Errorf("conf %v exp %v: size grows with tolerable %v: %d > %d", c, e, tol, n, prev)
				}
				prev = n
				if ci > 0 {
					if lower, ok := size(confs[ci-1], tol, e, 0, Binomial); ok && lower > n {
						t.Errorf("exp %v tol %v: size at %v (%d) above size at %v (%d)", e, tol, confs[ci-1], lower, c, n)
					}
				}
				if pn, ok := size(c, tol, e, 0, Poisson); ok && pn < n {
					t.Errorf("conf %v exp %v tol %v: poisson %d < binomial %d", c, e, tol, pn, n)
				}
				for _, N := range []int{50, 200, 1000, 5000, 100_000} {
					if hn, ok := size(c, tol, e, N, Hypergeometric); ok && hn > n {
						t.Errorf("conf %v exp %v tol %v N %d: hypergeometric %d > binomial %d", c, e, tol, N, hn, n)
					}
				}
			}
		}
	}
}

// TestLimitProperties: the limit grows with k, and a plan's sample finding
// its expected deviations is supported.
func TestLimitProperties(t *testing.T) {
	for _, m := range Models {
		for _, n := range []int{20, 59, 200} {
			prev := -1.0
			for k := 0; k <= n; k++ {
				ev, err := Evaluate(Sample{Size: n, Deviations: k, Confidence: 950_000, Population: 1000, Model: m})
				if err != nil {
					t.Fatal(err)
				}
				if ev.UpperLimit < prev || (ev.UpperLimit == prev && m != Hypergeometric && ev.UpperLimit < 1) {
					t.Errorf("%s n=%d k=%d: limit %v not above %v", m, n, k, ev.UpperLimit, prev)
				}
				if ev.UpperLimit < ev.SampleRate || ev.Allowance < 0 {
					t.Errorf("%s n=%d k=%d: %+v", m, n, k, ev)
				}
				prev = ev.UpperLimit
			}
		}
	}
	for _, r := range readCSV(t, "aicpa-attribute-sample-sizes.csv") {
		conf, tol := mustRate(t, r["confidence_pct"]), mustRate(t, r["tolerable_rate_pct"])
		ev, err := Evaluate(Sample{Size: atoi(t, r["sample_size"]), Deviations: atoi(t, r["expected_deviations"]), Confidence: conf, Tolerable: tol})
		if err != nil {
			t.Fatal(err)
		}
		if ev.Conclusion != Supported || ev.UpperLimit > tol.Fraction() {
			t.Errorf("%v: %+v", r, ev)
		}
		// One more deviation than planned is not supported.
		ev, _ = Evaluate(Sample{Size: atoi(t, r["sample_size"]), Deviations: atoi(t, r["expected_deviations"]) + 1, Confidence: conf, Tolerable: tol})
		if ev.Conclusion != NotSupported {
			t.Errorf("%v + 1 deviation: %+v", r, ev)
		}
	}
}

func TestEvaluateErrors(t *testing.T) {
	for _, s := range []Sample{
		{Size: 0, Confidence: 950_000},
		{Size: 10, Deviations: -1, Confidence: 950_000},
		{Size: 10, Deviations: 11, Confidence: 950_000},
		{Size: 10, Confidence: 0},
		{Size: 10, Confidence: 950_000, Population: 5},
		{Size: 10, Confidence: 950_000, Model: Hypergeometric},
		{Size: 10, Confidence: 950_000, Tolerable: rateDenom},
	} {
		if _, err := Evaluate(s); err == nil {
			t.Errorf("%+v: no error", s)
		}
	}
}

func TestEvaluateJSON(t *testing.T) {
	ev, err := Evaluate(Sample{Size: 60, Deviations: 1, Confidence: mustRate(t, "95"), Tolerable: mustRate(t, "5")})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"sample_size":60`, `"deviations":1`, `"confidence":0.95`, `"tolerable_rate":0.05`,
		`"model":"binomial"`, `"upper_limit":0.0766`, `"upper_limit_pct_rounded_up":7.7`, `"conclusion":"not supported"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("%s lacks %s", b, want)
		}
	}
	var back Evaluation
	if err := json.Unmarshal(b, &back); err != nil || back.Confidence != 950_000 || back.Tolerable != 50_000 {
		t.Errorf("round trip: %+v %v", back, err)
	}
}

// FuzzEvaluate checks the evaluation on arbitrary samples: the limit lies
// between the sample rate and 1, inverts the model exactly, and the
// conclusion agrees with it.
func FuzzEvaluate(f *testing.F) {
	f.Add(60, 1, int64(950_000), int64(50_000), 0, 0)
	f.Add(1, 0, int64(950_000), int64(0), 0, 1)
	f.Add(52, 3, int64(900_000), int64(50_000), 52, 2)
	f.Add(100000, 5000, int64(990_000), int64(60_000), 0, 0)
	f.Fuzz(func(t *testing.T, n, k int, conf, tol int64, N, model int) {
		if n < 1 || n > 1_000_000 || k < 0 || k > n || conf <= 0 || conf >= rateDenom || tol < 0 || tol >= rateDenom ||
			N < 0 || N > 10_000_000 || (N > 0 && N < n) {
			return
		}
		m := Models[(model%3+3)%3]
		if m == Hypergeometric && N == 0 {
			N = n + k
		}
		ev, err := Evaluate(Sample{Size: n, Deviations: k, Confidence: Rate(conf), Tolerable: Rate(tol), Population: N, Model: m})
		if err != nil {
			t.Fatal(err)
		}
		// The hypergeometric limit is a count in the population: at least
		// the k deviations seen, but K/N may be below k/n when n is close
		// to N (60 of 61 items with 1 deviation: the limit is 1/61).
		floor := ev.SampleRate
		if m == Hypergeometric {
			floor = float64(k) / float64(N)
		}
		if ev.UpperLimit < floor-1e-15 || ev.UpperLimit > 1 || ev.Allowance < 0 {
			t.Fatalf("%+v", ev)
		}
		risk := float64(rateDenom-conf) / rateDenom
		if m == Binomial && k < n && !ev.WholePopulation && k <= n/2 {
			if got := binomCDF(k, n, ev.UpperLimit); got < risk*(1-1e-9)-1e-12 || got > risk*(1+1e-9)+1e-12 {
				t.Fatalf("P(X≤%d | %d, %v) = %v, want %v", k, n, ev.UpperLimit, got, risk)
			}
		}
		if tol > 0 && !ev.WholePopulation && m != Hypergeometric {
			// Supported exactly when the limit is within the tolerable rate
			// (up to the limit's own accuracy).
			t1 := Rate(tol).Fraction()
			if d := ev.UpperLimit - t1; (d < -1e-9 && ev.Conclusion != Supported) || (d > 1e-9 && ev.Conclusion != NotSupported) {
				t.Fatalf("limit %v vs tolerable %v: %s", ev.UpperLimit, t1, ev.Conclusion)
			}
		}
	})
}
