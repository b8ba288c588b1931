// Package sampling holds the statistics and the selection behind every
// sample in fieldwork: sample sizes for tests of controls, the evaluation
// of their results, nonstatistical sizes by control frequency, and the
// selection of items from a population. Everything here is meant to be
// recomputed by hand by a reviewer or a peer-review inspector, so every
// formula, convention and rounding rule is stated below; docs/sampling.md
// says the same for auditors, with worked examples.
//
// The package is pure: no I/O, no clock, no global state besides
// constant tables, and only the standard library.
//
// # Rates
//
// Rates (confidence, tolerable and expected deviation rates) are Rate
// values: exact integers in millionths (1% = 10,000). ParseRate reads "5",
// "5%" and "0.05" alike: a number with "%" is a percent; a bare number
// below 1 is a fraction and 1 or more a percent ("0.5" is 50%, "0.5%" half
// a percent). JSON carries rates as fractions (0.05).
//
// # Sample size (attribute sampling)
//
// Inputs: confidence 1 − β (β, the risk of overreliance), tolerable rate
// t, expected rate e < t, optionally the population size N, and a model.
// The sample size is the smallest n such that
//
//	P(X ≤ k) ≤ β   with   k = ceil(n × e)
//
// where X is the number of deviations in the sample when the population
// deviates at the tolerable rate:
//
//   - binomial (default): X ~ Binomial(n, t);
//   - Poisson: X ~ Poisson(n × t);
//   - hypergeometric: X ~ Hypergeometric(N, K, n) with K = ceil(t × N)
//     deviations in the population (the convention of jfa and EZ-Quant).
//     The simple finite population correction n/(1 + n/N) is never used:
//     for N = 52 at 95%/5% it gives 28 where the exact answer is 33.
//
// k is the number of deviations the sample can contain while still
// supporting the control. The ceiling is computed in exact integer
// arithmetic on Rate values; in floating point 0.035 × 400 is
// 14.000000000000002 and a naive ceiling gives 15 (and a size of 423
// instead of 400 at 90%/5%/3.5%). When N is given and N ≤ n, the answer
// is to test all N items.
//
// The binomial model reproduces the AICPA Audit Guide Audit Sampling
// (2017), Appendix A, Tables A-1 (95%) and A-2 (90%), cell for cell, with
// two documented exceptions: at 90% confidence and 7% tolerable the guide
// prints 112 for expected rates 3.25% and 3.50%, but P(X ≤ 4 | 112, 0.07)
// = 0.1007 > 0.10 (the upper limit at n = 112 is 7.010%, which the guide
// appears to have rounded to 7.0%); fieldwork follows the exact
// computation, 113 (4). The guide leaves a cell out ("*") when e ≥ t or
// when n would exceed 2,000; Table does the same.
//
// # Evaluation
//
// Given n items tested and k deviations: the sample deviation rate k/n;
// the one-sided upper deviation limit at the confidence 1 − β:
//
//   - binomial: the exact Clopper–Pearson bound (Clopper and Pearson,
//     1934), the p with P(X ≤ k | n, p) = β, i.e. the 1 − β quantile of
//     Beta(k+1, n−k); for k = 0 it is 1 − β^(1/n), for k = n it is 1;
//   - Poisson: λ/n with P(X ≤ k | λ) = β, i.e. the 1 − β quantile of
//     Gamma(k+1), capped at 1;
//   - hypergeometric: K/N for the largest K with P(X ≤ k | N, K, n) > β
//     (the largest population count the sample does not rule out, as jfa).
//
// The allowance for sampling risk is the upper limit minus the sample
// rate, never below 0 (with the hypergeometric and n close to N the limit
// K/N can fall below k/n: 1 deviation in 60 of 61 items gives 1/61). Against a tolerable rate the control is supported exactly when the
// plan's test passes, P(X ≤ k) ≤ β at the tolerable rate (K = ceil(t × N)
// for the hypergeometric). For the binomial and Poisson that is "upper
// limit ≤ tolerable rate"; for the hypergeometric it is the same except
// that, when t × N is a whole number, a limit exactly equal to t is not
// supported, as the plan treats t × N deviations as intolerable. So a
// sample sized by SampleSize that finds its k deviations is always
// supported (and, in every cell of the AICPA tables, k + 1 is not). When
// n = N the rate is known, there is no sampling risk, and the control is
// supported when k/N ≤ t.
//
// The AICPA Tables print the limit rounded up to 0.1%;
// CeilPercent does that rounding, treating a value within a relative 1e-9
// of a grid point as on it (so an exact 95% computed as
// 0.9500000000000001 prints 95.0, not 95.1).
//
// # Numerical methods
//
// The regularized incomplete beta and gamma functions are evaluated by
// their continued fractions with the modified Lentz method, and the gamma
// also by its series (Press et al., Numerical Recipes, 3rd ed., §6.2 and
// §6.4), with log-gamma from math.Lgamma. Hypergeometric probabilities use
// Loader's saddle-point expansion ("Fast and Accurate Computation of
// Binomial Probabilities", 2000), as R's dhyper, summed by exact term
// ratios as R's phyper; it stays accurate for populations of billions.
// Below its mean the binomial probability is likewise a sum of terms by
// exact ratios, which keeps the Clopper–Pearson limit within a relative
// 2e-15 at any n. Limits are found by Newton's method safeguarded by
// bisection, to a relative 1e-15.
//
// Ties (P(X ≤ k) exactly equal to the risk, which happens for the
// hypergeometric and the binomial since both are rational) are decided in
// exact integer arithmetic with math/big whenever the floating-point
// probability is within a relative 1e-9 of the risk, so sizes,
// conclusions and the hypergeometric bound follow the definitions in every
// case. A Poisson probability is never rational, so it never ties. Sizes are searched exactly: the probability falls as n
// grows with k fixed, so each run of n sharing one k is tested at its end
// and the first passing run is bisected, which finds the same n as trying
// every n in turn.
//
// # Nonstatistical sizes by frequency
//
// FrequencyTable holds a firm's sizes by control frequency, at lower and
// higher risk; DefaultFrequencyTable is common practice (annual 1,
// semi-annual 1–2, quarterly 2, monthly 2–5, weekly 5–15, daily 20–40,
// multiple-daily 25–60, continuous 1 with reliance on IT general
// controls) and event-driven (ad-hoc) controls are sized by population
// (over 250: 25; 51–250: 15; 11–50: 8; 1–10: all), a higher risk or a
// prior-period deviation moving to the next larger size (40 above 250).
// A population no larger than the size is tested in full (AICPA Audit
// Guide Audit Sampling, chapter 3, on small populations).
//
// # Selection
//
// Items are identified by their 1-based position in the population as
// imported. A SelectionRecord holds everything needed to re-perform a
// selection: method, algorithm name and version, seed, N, n, the caller's
// SHA-256 of the population, interval and start, the positions in draw
// order and sorted, and extensions. The procedure, version
// "fieldwork-select/1", is defined here and never changes under that name:
//
//  1. Generator: math/rand/v2's ChaCha8 (the chacha8rand algorithm,
//     c2sp.org/chacha8rand) with the 32-byte key made of the 64-bit seed in
//     little-endian order followed by 24 zero bytes. Only its raw 64-bit
//     outputs are used, in order.
//  2. Uniform integer in [0, m): take the next output x; if x < 2^64 mod m,
//     discard it and take the next; otherwise the result is x mod m.
//  3. Random (simple random without replacement): a Fisher–Yates shuffle
//     of the list 1…N stopped after n steps. Step i (from 0): j = i +
//     uniform(N − i); the item at place j is selected; it swaps with the
//     item at place i. Only moved places are stored (a sparse shuffle), so
//     memory is proportional to n, never to N.
//  4. Systematic: interval k = floor(N/n); start s = 1 + uniform(N); the
//     items are ((s − 1 + i·k) mod N) + 1 for i = 0 … n−1: every k-th item
//     from s, wrapping past N to the beginning. With the start anywhere in
//     the population, every item has the same chance n/N, including the
//     last N − n·k items a start within the first interval never reaches.
//  5. All items: 1…N. Judgmental: the auditor's positions as given,
//     validated (in range, no duplicates); nothing is drawn.
//  6. Extension (Extend, after a deviation): items are added, never
//     replaced, from those not yet selected, continuing the same generator
//     stream. Random: the shuffle of step 3 simply continues, so a sample
//     of n extended by m is the first n + m items of a random selection of
//     n + m with the same seed. Systematic: after the start's draw(s),
//     each extension is a fresh shuffle as in step 3 over the items still
//     unselected at that extension, listed in ascending order of position.
//
// docs/sampling.md states the generator itself (block function, key
// schedule, re-keying after 124 outputs, byte order) with test vectors,
// and docs/reperform.py re-performs any record in plain Python 3.
//
// Verify re-performs a record and lists every difference. NewSeed draws a
// fresh seed from crypto/rand; the caller shows it and stores it.
//
// # Sources
//
//   - AICPA Audit Guide, Audit Sampling (2017), chapter 3 and Appendix A.
//   - C. J. Clopper and E. S. Pearson, "The use of confidence or fiducial
//     limits illustrated in the case of the binomial", Biometrika 26
//     (1934).
//   - K. Derks et al., jfa: Statistical Methods for Auditing (R package).
//   - W. H. Press et al., Numerical Recipes, 3rd ed. (2007), §6.2, §6.4.
//   - C. Loader, Fast and Accurate Computation of Binomial Probabilities
//     (2000).
package sampling
