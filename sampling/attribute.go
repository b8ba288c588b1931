package sampling

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Model is the probability model of the number of deviations in a sample.
type Model string

const (
	// Binomial treats the population as infinite (sampling with
	// replacement). It is the model of the AICPA tables and the default.
	Binomial Model = "binomial"
	// Poisson approximates the binomial; it is more conservative (never
	// smaller samples) and is the model of many firm tables.
	Poisson Model = "poisson"
	// Hypergeometric is exact for a finite population of N items sampled
	// without replacement; it needs N.
	Hypergeometric Model = "hypergeometric"
)

// Models lists the models, default first.
var Models = []Model{Binomial, Poisson, Hypergeometric}

// ParseModel reads a model name; "" is the default, Binomial.
func ParseModel(s string) (Model, error) {
	switch m := Model(strings.ToLower(strings.TrimSpace(s))); m {
	case "":
		return Binomial, nil
	case Binomial, Poisson, Hypergeometric:
		return m, nil
	case "binom":
		return Binomial, nil
	case "hyper", "hypergeom":
		return Hypergeometric, nil
	}
	return "", fmt.Errorf("unknown model %q (use binomial, poisson or hypergeometric)", s)
}

// MaxSampleSize bounds the sample sizes SampleSize searches. A plan that
// needs more means the expected rate is too close to the tolerable rate
// for sampling to be practical.
const MaxSampleSize = 100_000

// MaxPopulation bounds population sizes (about 1.1 × 10^12), far above any
// control population, so that exact integer arithmetic never overflows.
const MaxPopulation = 1 << 40

// ErrTooLarge reports a plan whose sample size would exceed MaxSampleSize.
var ErrTooLarge = errors.New("sample size too large")

// Plan is the input of a statistical sample size for a test of controls.
type Plan struct {
	// Confidence is 1 − the risk of overreliance: 95% or 90% in practice.
	Confidence Rate `json:"confidence"`
	// Tolerable is the tolerable deviation rate.
	Tolerable Rate `json:"tolerable_rate"`
	// Expected is the expected population deviation rate, below Tolerable.
	Expected Rate `json:"expected_rate"`
	// Population is the number of items N, or 0 when unknown (treated as
	// infinite). The hypergeometric model requires it.
	Population int `json:"population,omitempty"`
	// Model is the probability model; "" means Binomial.
	Model Model `json:"model"`
}

// Size is a statistical sample size and what it promises.
type Size struct {
	Plan
	// SampleSize is n: the smallest sample for which finding
	// ExpectedDeviations deviations still supports the control at the
	// plan's confidence. With TestAll it equals the population.
	SampleSize int `json:"sample_size"`
	// ExpectedDeviations is k = ceil(n × expected rate): the number of
	// deviations that can be found while still concluding the control is
	// effective.
	ExpectedDeviations int `json:"expected_deviations"`
	// UpperLimit is the upper deviation limit (a fraction) the sample
	// achieves when exactly k deviations are found; at most the tolerable
	// rate. With TestAll it is k / N: there is no sampling risk.
	UpperLimit float64 `json:"upper_limit"`
	// AchievedRisk is P(X ≤ k) when the population deviates at the
	// tolerable rate: at most the risk of overreliance (0 with TestAll).
	AchievedRisk float64 `json:"achieved_risk"`
	// TolerableDeviations is K = ceil(tolerable × N), the count of
	// deviations in the population the hypergeometric plan rules out.
	TolerableDeviations int `json:"tolerable_deviations,omitempty"`
	// TestAll is set when the population is no larger than the sample
	// size: every item is tested and SampleSize is N.
	TestAll bool `json:"test_all"`
}

// validate checks a plan and returns its model and the risk of overreliance.
func (p Plan) validate() (Model, float64, error) {
	m, err := ParseModel(string(p.Model))
	if err != nil {
		return "", 0, err
	}
	if p.Confidence <= 0 || p.Confidence >= rateDenom {
		return "", 0, fmt.Errorf("confidence %v must be above 0%% and below 100%%", p.Confidence)
	}
	if p.Tolerable <= 0 || p.Tolerable >= rateDenom {
		return "", 0, fmt.Errorf("tolerable rate %v must be above 0%% and below 100%%", p.Tolerable)
	}
	if p.Expected < 0 {
		return "", 0, fmt.Errorf("expected rate %v must not be negative", p.Expected)
	}
	if p.Expected >= p.Tolerable {
		return "", 0, fmt.Errorf("expected rate %v must be below the tolerable rate %v", p.Expected, p.Tolerable)
	}
	if p.Population < 0 || p.Population > MaxPopulation {
		return "", 0, fmt.Errorf("population %d out of range (0 for unknown, at most %d)", p.Population, MaxPopulation)
	}
	if m == Hypergeometric && p.Population == 0 {
		return "", 0, errors.New("the hypergeometric model needs the population size")
	}
	return m, float64(rateDenom-p.Confidence) / rateDenom, nil
}

// SampleSize returns the statistical sample size for a test of controls
// (attribute sampling): the smallest n such that, with k = ceil(n ×
// expected) deviations found, the plan's model gives P(X ≤ k) ≤ risk of
// overreliance when the population deviates at the tolerable rate.
//
//   - Binomial: X ~ Binomial(n, tolerable). This reproduces the AICPA
//     Audit Sampling guide's Tables.
//   - Poisson: X ~ Poisson(n × tolerable).
//   - Hypergeometric: X ~ Hypergeometric(N, K, n) with K = ceil(tolerable
//     × N) deviations in the population (the convention of jfa and
//     EZ-Quant), never the simple finite population correction.
//
// When the population is given and is no larger than n, the answer is to
// test all N items (TestAll).
func SampleSize(p Plan) (Size, error) {
	return sampleSize(p, MaxSampleSize)
}

func sampleSize(p Plan, limit int) (Size, error) {
	m, risk, err := p.validate()
	if err != nil {
		return Size{}, err
	}
	p.Model = m
	N := p.Population
	t := p.Tolerable.Fraction()
	var K int
	R := riskNum(p.Confidence)
	var cdf func(n, k int) float64
	var pass func(n, k int) bool // cdf(n, k) ≤ risk, ties decided exactly
	switch m {
	case Binomial:
		cdf = func(n, k int) float64 { return binomCDF(k, n, t) }
		pass = func(n, k int) bool { return binomAtMost(k, n, p.Tolerable, R) }
	case Poisson:
		cdf = func(n, k int) float64 { return poissonCDF(k, float64(n)*t) }
		pass = func(n, k int) bool { return cdf(n, k) <= risk } // never a tie (see exact.go)
	case Hypergeometric:
		K = ceilMul(N, p.Tolerable)
		cdf = func(n, k int) float64 { return hyperCDF(k, N, K, n) }
		pass = func(n, k int) bool { return hyperAtMost(k, N, K, n, R) }
	}
	searchMax := limit
	if N > 0 && N < searchMax {
		searchMax = N
	}
	n, k, ok := searchSize(pass, p.Expected, searchMax)
	if !ok && (N == 0 || N > limit) {
		return Size{}, fmt.Errorf("%w: more than %d items (the expected rate %v is too close to the tolerable rate %v)", ErrTooLarge, limit, p.Expected, p.Tolerable)
	}
	s := Size{Plan: p, TolerableDeviations: K}
	if !ok || (N > 0 && n >= N) {
		k = ceilMul(N, p.Expected)
		s.SampleSize, s.ExpectedDeviations, s.TestAll = N, k, true
		s.UpperLimit = float64(k) / float64(N)
		return s, nil
	}
	s.SampleSize, s.ExpectedDeviations = n, k
	s.AchievedRisk = cdf(n, k)
	switch m {
	case Binomial:
		if nearTie(s.AchievedRisk, risk) {
			s.AchievedRisk = snapRisk(s.AchievedRisk, risk, binomCmp(k, n, p.Tolerable, R))
		}
	case Hypergeometric:
		if nearTie(s.AchievedRisk, risk) {
			s.AchievedRisk = snapRisk(s.AchievedRisk, risk, hyperCmp(k, N, K, n, R))
		}
	}
	s.UpperLimit = upperLimit(m, k, n, N, risk, R)
	if m != Hypergeometric {
		// The plan passed, so the limit is at most the tolerable rate; at a
		// tie the root finder may land a rounding error above it.
		s.UpperLimit = min(s.UpperLimit, t)
	}
	return s, nil
}

// searchSize finds the smallest n in [1, maxN] with pass(n, ceil(n ×
// expected)), pass(n, k) being cdf(n, k) ≤ risk. For a fixed k, cdf
// decreases as n grows, and k is constant on the run of n with ceil(n ×
// expected) = k. So each run is
// tested at its last (most favourable) n and the first run that passes is
// bisected: the same n as trying every n in turn, with far fewer
// evaluations.
func searchSize(pass func(n, k int) bool, expected Rate, maxN int) (n, k int, ok bool) {
	smallest := func(lo, hi, k int) int {
		// pass(hi, k); find the smallest such n in [lo, hi].
		for lo < hi {
			mid := lo + (hi-lo)/2
			if pass(mid, k) {
				hi = mid
			} else {
				lo = mid + 1
			}
		}
		return lo
	}
	if expected == 0 {
		if maxN < 1 || !pass(maxN, 0) {
			return 0, 0, false
		}
		return smallest(1, maxN, 0), 0, true
	}
	e := int64(expected)
	for k := 1; ; k++ {
		// The n with ceil(n × e / 10^6) = k are (k−1)·10^6/e < n ≤ k·10^6/e.
		lo := int(int64(k-1)*rateDenom/e) + 1
		hi := int(int64(k) * rateDenom / e)
		if lo > maxN {
			return 0, 0, false
		}
		hi = min(hi, maxN)
		if !pass(hi, k) {
			continue
		}
		return smallest(lo, hi, k), k, true
	}
}

// upperLimit is the one-sided upper deviation limit (a fraction) after k
// deviations in n items at 1 − risk confidence under model m.
// R is the risk in millionths.
func upperLimit(m Model, k, n, N int, risk float64, R int64) float64 {
	switch m {
	case Poisson:
		return min(poissonUpper(k, risk)/float64(n), 1)
	case Hypergeometric:
		return float64(hyperUpper(k, N, n, R)) / float64(N)
	}
	return binomUpper(k, n, risk)
}

// Sample is the outcome of a test of controls to evaluate.
type Sample struct {
	// Size is n, the number of items tested.
	Size int `json:"sample_size"`
	// Deviations is k, the number of items with a deviation.
	Deviations int `json:"deviations"`
	// Confidence is 1 − the risk of overreliance.
	Confidence Rate `json:"confidence"`
	// Tolerable is the tolerable rate; 0 evaluates without a conclusion.
	Tolerable Rate `json:"tolerable_rate,omitempty"`
	// Population is N, or 0 when unknown. The hypergeometric model needs
	// it; the others use it only to check n ≤ N and to recognize a test of
	// the whole population (n = N).
	Population int `json:"population,omitempty"`
	// Model is the probability model; "" means Binomial.
	Model Model `json:"model"`
}

// Conclusion is what an evaluation says about a control.
type Conclusion string

const (
	// Supported: the upper deviation limit does not exceed the tolerable
	// rate; the test supports the planned reliance on the control.
	Supported Conclusion = "supported"
	// NotSupported: the upper limit exceeds the tolerable rate.
	NotSupported Conclusion = "not supported"
)

// Evaluation is the statistical evaluation of a test of controls.
type Evaluation struct {
	Sample
	// SampleRate is k / n, the sample deviation rate.
	SampleRate float64 `json:"sample_rate"`
	// UpperLimit is the one-sided upper deviation limit at the confidence.
	UpperLimit float64 `json:"upper_limit"`
	// UpperLimitPercent is UpperLimit in percent rounded up to 0.1, as the
	// AICPA tables print it.
	UpperLimitPercent float64 `json:"upper_limit_pct_rounded_up"`
	// Allowance is the allowance for sampling risk, UpperLimit −
	// SampleRate, and never negative: with the hypergeometric model and n
	// close to N the limit K/N can fall below k/n (60 of 61 items with one
	// deviation: the limit is 1/61), and the allowance is then 0.
	Allowance float64 `json:"allowance"`
	// PopulationDeviations is, for the hypergeometric model, the upper
	// limit as a count of deviations in the population. In JSON it appears
	// for the hypergeometric model, 0 included, and only then (see
	// MarshalJSON).
	PopulationDeviations int `json:"population_deviations_upper,omitempty"`
	// WholePopulation is set when every item was tested (n = N): the rate
	// is known and there is no sampling risk.
	WholePopulation bool `json:"whole_population,omitempty"`
	// Conclusion against the tolerable rate; empty without one.
	Conclusion Conclusion `json:"conclusion,omitempty"`
}

// Evaluate computes the sample deviation rate, the one-sided upper
// deviation limit, the allowance for sampling risk and, when a tolerable
// rate is given, the conclusion.
//
// The upper limit is exact for each model: Clopper–Pearson for the
// binomial (the p with P(X ≤ k | n, p) = risk, via the inverse regularized
// incomplete beta); for the Poisson, λ/n with P(X ≤ k | λ) = risk (via the
// incomplete gamma), at most 1; for the hypergeometric, K/N for the
// largest K with P(X ≤ k | N, K, n) > risk.
//
// The conclusion is the same test as the plan, so a sample sized by
// SampleSize that finds its expected deviations is always supported: the
// control is supported when P(X ≤ k) ≤ risk at the tolerable rate
// (binomial and Poisson: exactly when the upper limit ≤ tolerable;
// hypergeometric: with K = ceil(tolerable × N), which is upper limit ≤
// tolerable except that, when tolerable × N is a whole number, a limit
// equal to the tolerable rate is not supported). When the whole population
// was tested the rate is known and supported when k/N ≤ tolerable.
func Evaluate(s Sample) (Evaluation, error) {
	m, err := ParseModel(string(s.Model))
	if err != nil {
		return Evaluation{}, err
	}
	s.Model = m
	switch {
	case s.Confidence <= 0 || s.Confidence >= rateDenom:
		return Evaluation{}, fmt.Errorf("confidence %v must be above 0%% and below 100%%", s.Confidence)
	case s.Tolerable < 0 || s.Tolerable >= rateDenom:
		return Evaluation{}, fmt.Errorf("tolerable rate %v must be below 100%% (0 for none)", s.Tolerable)
	case s.Size < 1:
		return Evaluation{}, fmt.Errorf("sample size %d must be at least 1", s.Size)
	case s.Deviations < 0:
		return Evaluation{}, fmt.Errorf("deviations %d must not be negative", s.Deviations)
	case s.Deviations > s.Size:
		return Evaluation{}, fmt.Errorf("deviations %d exceed the sample size %d", s.Deviations, s.Size)
	case s.Population < 0 || s.Population > MaxPopulation:
		return Evaluation{}, fmt.Errorf("population %d out of range (0 for unknown, at most %d)", s.Population, MaxPopulation)
	case s.Population > 0 && s.Size > s.Population:
		return Evaluation{}, fmt.Errorf("sample size %d exceeds the population %d", s.Size, s.Population)
	case m == Hypergeometric && s.Population == 0:
		return Evaluation{}, errors.New("the hypergeometric model needs the population size")
	}
	risk := float64(rateDenom-s.Confidence) / rateDenom
	n, k, N := s.Size, s.Deviations, s.Population
	ev := Evaluation{Sample: s, SampleRate: float64(k) / float64(n)}
	if N > 0 && n == N {
		ev.WholePopulation = true
		ev.UpperLimit = ev.SampleRate
		if m == Hypergeometric {
			ev.PopulationDeviations = k
		}
		if s.Tolerable > 0 {
			// k/N ≤ t, exactly: k·10^6 ≤ t·N.
			ev.Conclusion = conclude(int64(k)*rateDenom <= int64(s.Tolerable)*int64(N))
		}
	} else {
		R := riskNum(s.Confidence)
		if m == Hypergeometric {
			ev.PopulationDeviations = hyperUpper(k, N, n, R)
			ev.UpperLimit = float64(ev.PopulationDeviations) / float64(N)
		} else {
			ev.UpperLimit = upperLimit(m, k, n, N, risk, R)
		}
		if s.Tolerable > 0 {
			t := s.Tolerable.Fraction()
			var ok bool
			switch m {
			case Binomial:
				ok = binomAtMost(k, n, s.Tolerable, R)
			case Poisson:
				ok = poissonCDF(k, float64(n)*t) <= risk // never a tie (see exact.go)
			case Hypergeometric:
				ok = hyperAtMost(k, N, ceilMul(N, s.Tolerable), n, R)
			}
			ev.Conclusion = conclude(ok)
			if m != Hypergeometric {
				// Keep "limit ≤ tolerable ⇔ supported" true of the numbers
				// printed when the limit is within a rounding error of t.
				if ok {
					ev.UpperLimit = min(ev.UpperLimit, t)
				} else if ev.UpperLimit <= t {
					ev.UpperLimit = math.Nextafter(t, 1)
				}
			}
		}
	}
	ev.Allowance = max(ev.UpperLimit-ev.SampleRate, 0)
	ev.UpperLimitPercent = CeilPercent(ev.UpperLimit, 1)
	return ev, nil
}

// MarshalJSON writes population_deviations_upper for every
// hypergeometric evaluation, including a bound of 0, and never for the
// other models.
func (e Evaluation) MarshalJSON() ([]byte, error) {
	type plain Evaluation // without the method
	var pd *int
	if e.Model == Hypergeometric {
		pd = &e.PopulationDeviations
	}
	return json.Marshal(struct {
		plain
		PopulationDeviations *int `json:"population_deviations_upper,omitempty"`
	}{plain(e), pd})
}

func conclude(ok bool) Conclusion {
	if ok {
		return Supported
	}
	return NotSupported
}

// CeilPercent returns the fraction x in percent rounded up to the given
// number of decimals, as the AICPA tables print upper limits (0.04951 at
// one decimal is 5.0).
//
// Rounding up is unforgiving of floating point: a limit that is exactly
// 95% may be computed as 0.9500000000000001, and a plain ceiling would
// print 95.1. A value within a relative 1e-9 of a grid point is therefore
// taken to be on it. The limits are computed to about 1e-12, so this never
// moves a value that lies genuinely above a grid point by more than
// 1e-9 of it.
func CeilPercent(x float64, decimals int) float64 {
	scale := math.Pow10(decimals)
	y := x * 100 * scale
	if r := math.Round(y); math.Abs(y-r) <= 1e-9*max(1, math.Abs(y)) {
		return r / scale
	}
	return math.Ceil(y) / scale
}

// TableMaxSize is the largest sample size the AICPA tables print; larger
// cells are left out as too large to be cost-effective ("*" in the guide).
const TableMaxSize = 2000

// TableExpected are the expected deviation rates of the rows of the AICPA
// Audit Sampling guide's Tables.
var TableExpected = []Rate{0, 2_500, 5_000, 7_500, 10_000, 12_500, 15_000, 17_500, 20_000,
	22_500, 25_000, 27_500, 30_000, 32_500, 35_000, 37_500, 40_000, 50_000, 60_000, 70_000,
	80_000, 90_000, 100_000, 125_000, 150_000, 175_000}

// TableTolerable are the tolerable rates of the columns of those tables.
var TableTolerable = []Rate{20_000, 30_000, 40_000, 50_000, 60_000, 70_000, 80_000, 90_000,
	100_000, 150_000, 200_000}

// TableCell is one cell of a sample-size table. In JSON a cell is
// {"tolerable_rate": 0.05, "sample_size": 59, "expected_deviations": 0},
// or {"tolerable_rate": 0.02, "omitted": true} for a cell left out.
type TableCell struct {
	Tolerable Rate `json:"tolerable_rate"`
	// SampleSize and ExpectedDeviations are n and k; both 0 when Omitted.
	SampleSize         int `json:"sample_size"`
	ExpectedDeviations int `json:"expected_deviations"`
	// Omitted is set when the guide leaves the cell out: the expected rate
	// is not below the tolerable rate, or n exceeds TableMaxSize.
	Omitted bool `json:"omitted,omitempty"`
}

// MarshalJSON leaves n and k out of an omitted cell, so that no consumer
// mistakes them for a size.
func (c TableCell) MarshalJSON() ([]byte, error) {
	if c.Omitted {
		return json.Marshal(struct {
			Tolerable Rate `json:"tolerable_rate"`
			Omitted   bool `json:"omitted"`
		}{c.Tolerable, true})
	}
	type cell TableCell // without the method
	return json.Marshal(cell(c))
}

// TableRow is one expected rate across the tolerable rates.
type TableRow struct {
	Expected Rate        `json:"expected_rate"`
	Cells    []TableCell `json:"cells"`
}

// SizeTable is a sample-size table laid out as the AICPA guide's Tables
// rows are expected rates, columns tolerable rates.
type SizeTable struct {
	Confidence Rate       `json:"confidence"`
	Model      Model      `json:"model"`
	Population int        `json:"population,omitempty"`
	Tolerable  []Rate     `json:"tolerable_rates"`
	Rows       []TableRow `json:"rows"`
}

// Table computes the sample-size table at a confidence level over
// TableExpected × TableTolerable. With the binomial model at 95% and 90%
// it is the AICPA guide's Table, cell for cell, except the two
// A-2 cells the guide prints as 112 (see the package documentation).
// population is needed only for the hypergeometric model.
func Table(confidence Rate, m Model, population int) (SizeTable, error) {
	m, err := ParseModel(string(m))
	if err != nil {
		return SizeTable{}, err
	}
	// Validate what every cell shares once, so that a cell's error below
	// can only be about that cell.
	if _, _, err := (Plan{Confidence: confidence, Tolerable: rateDenom - 1, Population: population, Model: m}).validate(); err != nil {
		return SizeTable{}, err
	}
	tab := SizeTable{Confidence: confidence, Model: m, Population: population, Tolerable: slices.Clone(TableTolerable)}
	for _, e := range TableExpected {
		row := TableRow{Expected: e}
		for _, t := range TableTolerable {
			c := TableCell{Tolerable: t}
			if e >= t {
				c.Omitted = true
			} else {
				s, err := sampleSize(Plan{Confidence: confidence, Tolerable: t, Expected: e, Population: population, Model: m}, TableMaxSize)
				switch {
				case errors.Is(err, ErrTooLarge):
					c.Omitted = true
				case err != nil:
					return SizeTable{}, err
				default:
					c.SampleSize, c.ExpectedDeviations = s.SampleSize, s.ExpectedDeviations
				}
			}
			row.Cells = append(row.Cells, c)
		}
		tab.Rows = append(tab.Rows, row)
	}
	return tab, nil
}
