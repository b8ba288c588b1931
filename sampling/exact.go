package sampling

// Exact decisions at ties.
//
// The sizes and conclusions are defined by comparisons "P(X ≤ k) ≤ β". For
// the hypergeometric and binomial models both sides are rational numbers
// (β = (100% − confidence) is a whole number of millionths, the tolerable
// rate too), and the two can be exactly equal: P(X = 0 | 50, 1, 40) = 10/50
// = 20% = β at 80% confidence. Floating point cannot decide such a tie
// (it computes 0.20000000000000004 or 0.19999999999999998), so whenever the
// floating-point probability lies within a relative 1e-9 of β (the float
// is accurate to about 1e-13) the comparison is redone here in integers.
// Far from β the floating-point result is used as is, so normal sizing
// stays fast.
//
// The Poisson model cannot tie: P(X ≤ k | λ) = e^−λ × (a rational) with λ
// = n × t rational and positive, and e^λ is irrational
// (Lindemann–Weierstrass), so P is never the rational β.

import (
	"math"
	"math/big"
)

// exactMaxDraws bounds the exact computation: it runs when the sample (or,
// for the hypergeometric, the smaller of the sample and the population's
// deviations) has at most this many items. Beyond it (only possible in
// Evaluate, since sizes stop at MaxSampleSize) the floating-point result
// decides: the exact sums would take seconds to minutes there.
const exactMaxDraws = MaxSampleSize

// nearTie reports whether the floating-point probability p is too close to
// β for floating point to decide p ≤ β.
func nearTie(p, beta float64) bool {
	return math.Abs(p-beta) <= 1e-9*beta
}

// riskNum is β in millionths.
func riskNum(confidence Rate) int64 { return int64(rateDenom - confidence) }

// hyperAtMost reports whether P(X ≤ k | N, K, n) ≤ β = R / 10^6, deciding
// near-ties exactly.
func hyperAtMost(k, N, K, n int, R int64) bool {
	return hyperCmp(k, N, K, n, R) <= 0
}

// hyperCmp returns the sign of P(X ≤ k | N, K, n) − R/10^6: the float
// result when it is clear, else the exact one.
func hyperCmp(k, N, K, n int, R int64) int {
	beta := float64(R) / rateDenom
	p := hyperCDF(k, N, K, n)
	if !nearTie(p, beta) || min(n, K) > exactMaxDraws {
		return floatCmp(p, beta)
	}
	return hyperCmpExact(k, N, K, n, R)
}

// binomAtMost reports whether P(X ≤ k | n, t) ≤ β = R / 10^6 with t = T /
// 10^6, deciding near-ties exactly.
func binomAtMost(k, n int, T Rate, R int64) bool {
	return binomCmp(k, n, T, R) <= 0
}

func binomCmp(k, n int, T Rate, R int64) int {
	beta := float64(R) / rateDenom
	p := binomCDF(k, n, T.Fraction())
	if !nearTie(p, beta) || n > exactMaxDraws {
		return floatCmp(p, beta)
	}
	return binomCmpExact(k, n, T, R)
}

func floatCmp(p, beta float64) int {
	switch {
	case p < beta:
		return -1
	case p > beta:
		return 1
	}
	return 0
}

// snapRisk makes a floating-point probability agree with the exact sign c
// of P − β: β itself at a tie, and on the right side of β otherwise.
func snapRisk(p, beta float64, c int) float64 {
	switch {
	case c == 0:
		return beta
	case c < 0 && p >= beta:
		return math.Nextafter(beta, 0)
	case c > 0 && p <= beta:
		return math.Nextafter(beta, 1)
	}
	return p
}

// hyperCmpExact is the sign of P(X ≤ k | N, K, n) − R/10^6 in exact
// integer arithmetic.
//
// The hypergeometric is symmetric in K and n, so with b = min(K, n) and
// a = max(K, n): P(X = i) = C(a, i) C(N−a, b−i) / C(N, b), i from lo =
// max(0, b − (N − a)) to b. The shorter of the two tails is summed, by
// Horner's rule on the exact ratio of consecutive terms.
func hyperCmpExact(k, N, K, n int, R int64) int {
	a, b := K, n
	if b > a {
		a, b = b, a
	}
	M := N - a
	lo, hi := max(0, b-M), b
	if k < lo {
		return -1 // P = 0 < β
	}
	if k >= hi {
		return 1 // P = 1 > β
	}
	// term(i) = C(a, i) C(M, b−i); ratio(i) = term(i)/term(i−1) =
	// (a−i+1)(b−i+1) / (i (M−b+i)).
	sum := func(i0, i1 int) (num, den *big.Int) {
		num, den = big.NewInt(1), big.NewInt(1)
		u, v, t := new(big.Int), new(big.Int), new(big.Int)
		for i := i1; i > i0; i-- {
			// X = 1 + ratio(i) X
			u.SetInt64(int64(a - i + 1))
			u.Mul(u, t.SetInt64(int64(b-i+1)))
			v.SetInt64(int64(i))
			v.Mul(v, t.SetInt64(int64(M-b+i)))
			num.Mul(num, u)
			den.Mul(den, v)
			num.Add(num, den)
		}
		// × C(a, i0) C(M, b−i0) / C(N, b), as products of consecutive
		// integers with no division:
		// a⋯(a−i0+1) · M⋯(M−b+i0+1) · b!  over  i0! · (b−i0)! · N⋯(N−b+1).
		num.Mul(num, mulRange(a-i0+1, a))
		num.Mul(num, mulRange(M-b+i0+1, M))
		num.Mul(num, mulRange(1, b))
		den.Mul(den, mulRange(1, i0))
		den.Mul(den, mulRange(1, b-i0))
		den.Mul(den, mulRange(N-b+1, N))
		return num, den
	}
	return tailCmp(k-lo+1 <= hi-k, sum, lo, k, hi, R)
}

// tailCmp compares P(X ≤ k) with R/10^6 given sum(i0, i1) = P(i0 ≤ X ≤
// i1) as num/den: the lower tail [lo, k] when lower is set, otherwise the
// upper tail [k+1, hi], whose complement is P(X ≤ k).
func tailCmp(lower bool, sum func(i0, i1 int) (num, den *big.Int), lo, k, hi int, R int64) int {
	if lower {
		num, den := sum(lo, k)
		// num/den vs R/10^6
		l := num.Mul(num, big.NewInt(rateDenom))
		r := den.Mul(den, big.NewInt(R))
		return l.Cmp(r)
	}
	num, den := sum(k+1, hi)
	// 1 − num/den vs R/10^6  ⇔  (10^6 − R)/10^6 vs num/den
	l := den.Mul(den, big.NewInt(rateDenom-R))
	r := num.Mul(num, big.NewInt(rateDenom))
	return l.Cmp(r)
}

// binomCmpExact is the sign of P(X ≤ k | n, T/10^6) − R/10^6 in exact
// integer arithmetic. With t = A/D in lowest terms and C = D − A,
// P(X = i) = C(n, i) A^i C^(n−i) / D^n.
func binomCmpExact(k, n int, T Rate, R int64) int {
	if k < 0 {
		return -1
	}
	if k >= n {
		return 1
	}
	g := gcd(int64(T), rateDenom)
	A, D := int64(T)/g, rateDenom/g
	C := D - A
	// ratio(i) = term(i)/term(i−1) = (n−i+1) A / (i C)
	sum := func(i0, i1 int) (num, den *big.Int) {
		num, den = big.NewInt(1), big.NewInt(1)
		u, v := new(big.Int), new(big.Int)
		bA, bC := big.NewInt(A), big.NewInt(C)
		for i := i1; i > i0; i-- {
			u.SetInt64(int64(n - i + 1))
			u.Mul(u, bA)
			v.SetInt64(int64(i))
			v.Mul(v, bC)
			num.Mul(num, u)
			den.Mul(den, v)
			num.Add(num, den)
		}
		first := binomial(n, i0)
		first.Mul(first, new(big.Int).Exp(bA, big.NewInt(int64(i0)), nil))
		first.Mul(first, new(big.Int).Exp(bC, big.NewInt(int64(n-i0)), nil))
		num.Mul(num, first)
		den.Mul(den, new(big.Int).Exp(big.NewInt(D), big.NewInt(int64(n)), nil))
		return num, den
	}
	return tailCmp(k+1 <= n-k, sum, 0, k, n, R)
}

func gcd(a, b int64) int64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// binomial is C(n, k) for 0 ≤ k ≤ n as (n−k+1)⋯n / k!, each product by
// big.Int.MulRange's balanced splitting: far faster than
// big.Int.Binomial's term-by-term division for large k.
func binomial(n, k int) *big.Int {
	if k < 0 || k > n {
		return new(big.Int)
	}
	k = min(k, n-k)
	if k == 0 {
		return big.NewInt(1)
	}
	num := new(big.Int).MulRange(int64(n-k+1), int64(n))
	return num.Quo(num, new(big.Int).MulRange(1, int64(k)))
}

// mulRange is lo (lo+1) ⋯ hi, 1 when lo > hi.
func mulRange(lo, hi int) *big.Int {
	if lo > hi {
		return big.NewInt(1)
	}
	return new(big.Int).MulRange(int64(lo), int64(hi))
}
