package sampling

// Special functions behind the three models. Everything here is written
// from the published algorithms so that the numbers do not depend on a
// third-party library:
//
//   - the regularized incomplete beta I_x(a, b) and gamma P(a, x), Q(a, x),
//     by the continued fractions (modified Lentz) and series of Press et al.,
//     Numerical Recipes, 3rd ed., §6.2 and §6.4, with log-gamma from
//     math.Lgamma;
//   - the hypergeometric probability by Loader's saddle-point expansion
//     (C. Loader, "Fast and Accurate Computation of Binomial
//     Probabilities", 2000), the method R's dbinom and dhyper use, which
//     stays accurate for populations of billions where differences of
//     log-gammas lose digits;
//   - inversions by Newton's method kept inside a shrinking bisection
//     bracket, to a relative tolerance of about 1e-15.

import "math"

const (
	cfEpsilon = 1e-15 // relative convergence of series and continued fractions
	cfTiny    = 1e-300
	cfMaxIter = 1 << 20

	ln2Pi     = 1.837877066409345483560659472811 // log(2π)
	lnSqrt2Pi = 0.918938533204672741780329736406 // log(√(2π))
)

func lgamma(x float64) float64 {
	v, _ := math.Lgamma(x)
	return v
}

// regIncBeta returns the regularized incomplete beta function I_x(a, b)
// for a, b > 0. y must be 1 − x; callers pass it separately so that a
// complement known exactly (such as p when x = 1 − p) loses no digits.
func regIncBeta(a, b, x, y float64) float64 {
	if x <= 0 {
		return 0
	}
	if y <= 0 {
		return 1
	}
	front := lgamma(a+b) - lgamma(a) - lgamma(b) + a*math.Log(x) + b*math.Log(y)
	return regIncBetaFront(a, b, x, y, front)
}

// regIncBetaFront is regIncBeta given front = log(x^a y^b / B(a, b)),
// for callers that can compute it more accurately than by log-gammas.
func regIncBetaFront(a, b, x, y, front float64) float64 {
	// The continued fraction converges fast for x < (a+1)/(a+b+2); beyond
	// that, use the symmetry I_x(a, b) = 1 − I_{1−x}(b, a).
	if x*(a+b+2) < a+1 {
		return math.Exp(front) * betaCF(a, b, x) / a
	}
	return 1 - math.Exp(front)*betaCF(b, a, y)/b
}

// betaCF evaluates the continued fraction for I_x(a, b) by the modified
// Lentz method (Numerical Recipes §6.4, betacf).
func betaCF(a, b, x float64) float64 {
	qab, qap, qam := a+b, a+1, a-1
	c := 1.0
	d := 1 - qab*x/qap
	if math.Abs(d) < cfTiny {
		d = cfTiny
	}
	d = 1 / d
	h := d
	for m := 1; m <= cfMaxIter; m++ {
		fm := float64(m)
		m2 := 2 * fm
		aa := fm * (b - fm) * x / ((qam + m2) * (a + m2))
		d = 1 + aa*d
		if math.Abs(d) < cfTiny {
			d = cfTiny
		}
		c = 1 + aa/c
		if math.Abs(c) < cfTiny {
			c = cfTiny
		}
		d = 1 / d
		h *= d * c
		aa = -(a + fm) * (qab + fm) * x / ((a + m2) * (qap + m2))
		d = 1 + aa*d
		if math.Abs(d) < cfTiny {
			d = cfTiny
		}
		c = 1 + aa/c
		if math.Abs(c) < cfTiny {
			c = cfTiny
		}
		d = 1 / d
		del := d * c
		h *= del
		if math.Abs(del-1) < cfEpsilon {
			break
		}
	}
	return h
}

// regGamma returns the regularized incomplete gamma functions P(a, x) and
// Q(a, x) = 1 − P(a, x) for a > 0, x ≥ 0: the series for x < a + 1 and the
// continued fraction (modified Lentz) otherwise (Numerical Recipes §6.2).
// Whichever of the two is computed directly is accurate to the last
// digits; the other is its complement.
func regGamma(a, x float64) (p, q float64) {
	if x <= 0 {
		return 0, 1
	}
	return regGammaFront(a, x, a*math.Log(x)-x-lgamma(a))
}

// regGammaFront is regGamma given front = log(x^a e^−x / Γ(a)).
func regGammaFront(a, x, front float64) (p, q float64) {
	if x < a+1 {
		ap, del := a, 1/a
		sum := del
		for i := 0; i < cfMaxIter; i++ {
			ap++
			del *= x / ap
			sum += del
			if math.Abs(del) < math.Abs(sum)*cfEpsilon {
				break
			}
		}
		p = sum * math.Exp(front)
		return p, 1 - p
	}
	b := x + 1 - a
	c := 1 / cfTiny
	d := 1 / b
	h := d
	for i := 1; i <= cfMaxIter; i++ {
		an := -float64(i) * (float64(i) - a)
		b += 2
		d = an*d + b
		if math.Abs(d) < cfTiny {
			d = cfTiny
		}
		c = b + an/c
		if math.Abs(c) < cfTiny {
			c = cfTiny
		}
		d = 1 / d
		del := d * c
		h *= del
		if math.Abs(del-1) < cfEpsilon {
			break
		}
	}
	q = math.Exp(front) * h
	return 1 - q, q
}

// binomCDF returns P(X ≤ k) for X ~ Binomial(n, p), as I_{1−p}(n−k, k+1).
func binomCDF(k, n int, p float64) float64 {
	switch {
	case k < 0:
		return 0
	case k >= n || p <= 0:
		return 1
	case p >= 1:
		return 0
	}
	// x^a y^b / B(a, b) with a = n−k, b = k+1, x = 1−p, y = p equals
	// (n−k) p P(X = k): Loader's P(X = k) keeps it exact to the last
	// digits however large n is, where a difference of log-gammas would
	// lose them.
	q := 1 - p
	fk, fn := float64(k), float64(n)
	if p*(fn+3) > fk+2 {
		// Below the mean: sum the terms downward from k, each the previous
		// one times an exact ratio, as hyperLowerTail does. The continued
		// fraction would be evaluated at x = 1 − p, where for large n it
		// loses about log10(n) digits (a relative 6e-9 at n = 10^9); the
		// sum keeps the relative error near 1e-15 for any n, and needs
		// only a few times √k terms.
		sum, term := 1.0, 1.0
		for x := fk; x > 0 && term >= cfEpsilon*sum; x-- {
			// P(X = x−1) / P(X = x) = x q / ((n − x + 1) p)
			term *= x * q / ((fn - x + 1) * p)
			sum += term
		}
		return math.Exp(logBinomPMF(fk, fn, p, q)) * sum
	}
	front := math.Log(float64(n-k)*p) + logBinomPMF(fk, fn, p, q)
	return regIncBetaFront(float64(n-k), float64(k+1), q, p, front)
}

// poissonCDF returns P(X ≤ k) for X ~ Poisson(λ), as Q(k+1, λ).
func poissonCDF(k int, lambda float64) float64 {
	if k < 0 {
		return 0
	}
	if lambda <= 0 {
		return 1
	}
	// x^a e^−x / Γ(a) with a = k+1, x = λ equals λ P(X = k).
	front := math.Log(lambda) + logPoissonPMF(float64(k), lambda)
	_, q := regGammaFront(float64(k+1), lambda, front)
	return q
}

// logPoissonPMF is log P(X = x) for X ~ Poisson(λ), λ > 0, by Loader's
// expansion (R's dpois_raw).
func logPoissonPMF(x, lambda float64) float64 {
	if x == 0 {
		return -lambda
	}
	return -stirlerr(x) - bd0(x, lambda) - 0.5*(ln2Pi+math.Log(x))
}

// hyperCDF returns P(X ≤ k) for X ~ Hypergeometric(N, K, n): the number
// of deviations in a sample of n drawn without replacement from N items
// of which K are deviations. It sums the probabilities downward from k
// (or, above the mean, the complementary upper tail), each term the
// previous one times an exact ratio, as R's phyper does.
func hyperCDF(k, N, K, n int) float64 {
	lo, hi := max(0, n-(N-K)), min(n, K)
	if k < lo {
		return 0
	}
	if k >= hi {
		return 1
	}
	if float64(k)*float64(N) > float64(n)*float64(K) {
		// Above the mean: P(X ≤ k) = 1 − P(n − X ≤ n − k − 1), and n − X
		// is hypergeometric with the roles of deviations and non-deviations
		// exchanged.
		return 1 - hyperLowerTail(n-k-1, N, N-K, n)
	}
	return hyperLowerTail(k, N, K, n)
}

// hyperLowerTail is P(X ≤ k) for k at or below the mean, within the support.
func hyperLowerTail(k, N, K, n int) float64 {
	fN, fK, fn := float64(N), float64(K), float64(n)
	sum, term := 1.0, 1.0
	lo := float64(max(0, n-(N-K)))
	for x := float64(k); x > lo && term >= cfEpsilon*sum; x-- {
		// P(X = x−1) / P(X = x)
		term *= x * (fN - fK - fn + x) / ((fn + 1 - x) * (fK + 1 - x))
		sum += term
	}
	return math.Exp(logHyperPMF(k, N, K, n)) * sum
}

// logHyperPMF is log P(X = x) for X ~ Hypergeometric(N, K, n), within the
// support, as a ratio of three binomial probabilities with p = n/N
// (Loader 2000; R's dhyper).
func logHyperPMF(x, N, K, n int) float64 {
	p := float64(n) / float64(N)
	q := float64(N-n) / float64(N)
	return logBinomPMF(float64(x), float64(K), p, q) +
		logBinomPMF(float64(n-x), float64(N-K), p, q) -
		logBinomPMF(float64(n), float64(N), p, q)
}

// logBinomPMF is log P(X = x) for X ~ Binomial(n, p), q = 1 − p, by
// Loader's saddle-point expansion (R's dbinom_raw).
func logBinomPMF(x, n, p, q float64) float64 {
	if p == 0 {
		if x == 0 {
			return 0
		}
		return math.Inf(-1)
	}
	if q == 0 {
		if x == n {
			return 0
		}
		return math.Inf(-1)
	}
	if x == 0 {
		if n == 0 {
			return 0
		}
		if p < 0.1 {
			return -bd0(n, n*q) - n*p
		}
		return n * math.Log(q)
	}
	if x == n {
		if q < 0.1 {
			return -bd0(n, n*p) - n*q
		}
		return n * math.Log(p)
	}
	if x < 0 || x > n {
		return math.Inf(-1)
	}
	lc := stirlerr(n) - stirlerr(x) - stirlerr(n-x) - bd0(x, n*p) - bd0(n-x, n*q)
	lf := ln2Pi + math.Log(x) + math.Log1p(-x/n)
	return lc - 0.5*lf
}

// stirlerr(n) = log(n!) − log(√(2πn) (n/e)^n), the error of Stirling's
// formula, for whole n ≥ 1.
func stirlerr(n float64) float64 {
	const (
		s0 = 1.0 / 12
		s1 = 1.0 / 360
		s2 = 1.0 / 1260
		s3 = 1.0 / 1680
		s4 = 1.0 / 1188
	)
	if n <= 15 {
		if n <= 0 {
			return 0
		}
		return lgamma(n+1) - (n+0.5)*math.Log(n) + n - lnSqrt2Pi
	}
	nn := n * n
	switch {
	case n > 500:
		return (s0 - s1/nn) / n
	case n > 80:
		return (s0 - (s1-s2/nn)/nn) / n
	case n > 35:
		return (s0 - (s1-(s2-s3/nn)/nn)/nn) / n
	default:
		return (s0 - (s1-(s2-(s3-s4/nn)/nn)/nn)/nn) / n
	}
}

// bd0(x, m) = x log(x/m) + m − x, the deviance term, computed without
// cancellation when x is close to m.
func bd0(x, m float64) float64 {
	if math.Abs(x-m) < 0.1*(x+m) {
		v := (x - m) / (x + m)
		s := (x - m) * v
		if math.Abs(s) < 0x1p-1022 {
			return s
		}
		ej := 2 * x * v
		v *= v
		for j := 1; j < 1000; j++ {
			ej *= v
			s1 := s + ej/float64(2*j+1)
			if s1 == s {
				return s1
			}
			s = s1
		}
	}
	return x*math.Log(x/m) + m - x
}

// solveDecreasing finds x in (lo, hi) with f(x) = 0 for a continuous f that
// decreases from positive at lo to negative at hi. df is f's derivative
// (negative). Newton steps are taken when they stay inside the bracket and
// bisection otherwise; the bracket shrinks every step. x0 is the starting
// guess.
func solveDecreasing(f, df func(float64) float64, lo, hi, x0 float64) float64 {
	x := x0
	if !(x > lo && x < hi) {
		x = lo + (hi-lo)/2
	}
	for range 400 {
		fx := f(x)
		if fx == 0 {
			return x
		}
		if fx > 0 {
			lo = x
		} else {
			hi = x
		}
		next := x - fx/df(x)
		if !(next > lo && next < hi) || math.IsNaN(next) {
			next = lo + (hi-lo)/2
		}
		if math.Abs(next-x) <= 1e-15*math.Abs(x) || hi-lo <= 1e-15*math.Abs(hi) {
			return next
		}
		x = next
	}
	return x
}

// binomUpper is the exact (Clopper–Pearson) one-sided upper confidence
// limit on p after k events in n trials: the p at which
// P(X ≤ k | n, p) = risk, i.e. the (1 − risk) quantile of Beta(k+1, n−k).
func binomUpper(k, n int, risk float64) float64 {
	if k >= n {
		return 1
	}
	if k == 0 {
		return -math.Expm1(math.Log(risk) / float64(n))
	}
	a, b := float64(k+1), float64(n-k)
	lbeta := lgamma(a) + lgamma(b) - lgamma(a+b)
	f := func(p float64) float64 { return binomCDF(k, n, p) - risk }
	df := func(p float64) float64 {
		// d/dp P(X ≤ k | n, p) = −p^k (1−p)^(n−k−1) / B(k+1, n−k)
		return -math.Exp(float64(k)*math.Log(p) + (b-1)*math.Log1p(-p) - lbeta)
	}
	return solveDecreasing(f, df, 0, 1, a/float64(n+1))
}

// poissonUpper is the exact one-sided upper confidence limit on the
// Poisson mean after k events: the λ at which P(X ≤ k | λ) = risk.
func poissonUpper(k int, risk float64) float64 {
	if k == 0 {
		return -math.Log(risk)
	}
	f := func(l float64) float64 { return poissonCDF(k, l) - risk }
	df := func(l float64) float64 {
		// d/dλ P(X ≤ k | λ) = −P(X = k | λ)
		return -math.Exp(float64(k)*math.Log(l) - l - lgamma(float64(k+1)))
	}
	hi := float64(k) + 10
	for f(hi) > 0 {
		hi *= 2
	}
	return solveDecreasing(f, df, 0, hi, float64(k+1)-math.Log(risk))
}

// hyperUpper is the exact one-sided upper limit on the number of
// deviations K in a population of N after k deviations in n: the largest
// K for which P(X ≤ k | N, K, n) > risk (the largest count the sample
// does not rule out; jfa's convention), with risk R in millionths and
// ties (P = risk exactly) decided exactly.
func hyperUpper(k, N, n int, R int64) int {
	// P is 1 at K = k and decreases in K; K ≤ N − (n − k) since the
	// sample held n − k non-deviations.
	lo, hi := k, N-(n-k)
	if !hyperAtMost(k, N, hi, n, R) {
		return hi
	}
	// Invariant: P(lo) > risk ≥ P(hi).
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if !hyperAtMost(k, N, mid, n, R) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo
}
