package sampling

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Rate is a proportion held exactly, as a whole number of millionths:
// 1% is 10_000, 5% is 50_000, 0.25% is 2_500 and 100% is 1_000_000.
//
// Rates are integers so that the AICPA convention k = ceil(n × expected
// rate) is computed exactly: in floating point 0.035 × 400 is
// 14.000000000000002 and a naive ceiling gives 15, not 14. A Rate can hold
// any percentage written with at most four decimals.
type Rate int64

// OnePercent is the Rate of one percentage point.
const OnePercent Rate = 10_000

// rateDenom is the number of Rate units in a whole (100%).
const rateDenom = 1_000_000

// Fraction returns r as a fraction of one (5% is 0.05).
func (r Rate) Fraction() float64 { return float64(r) / rateDenom }

// Percent returns r in percent (5% is 5).
func (r Rate) Percent() float64 { return float64(r) / float64(OnePercent) }

// String formats r as a percentage with no trailing zeros: "5%", "3.25%".
func (r Rate) String() string { return r.decimal(4) + "%" }

// decimal formats r / 10^places exactly, without trailing zeros.
func (r Rate) decimal(places int) string {
	neg := r < 0
	v := int64(r)
	if neg {
		v = -v
	}
	s := strconv.FormatInt(v, 10)
	for len(s) <= places {
		s = "0" + s
	}
	intPart, frac := s[:len(s)-places], strings.TrimRight(s[len(s)-places:], "0")
	if frac != "" {
		intPart += "." + frac
	}
	if neg {
		intPart = "-" + intPart
	}
	return intPart
}

// MarshalJSON writes r as a JSON number holding the exact fraction of one
// (5% is 0.05): JSON consumers get a plain proportion, never a percent.
func (r Rate) MarshalJSON() ([]byte, error) { return []byte(r.decimal(6)), nil }

// UnmarshalJSON reads a JSON number as a fraction of one (0.05 is 5%).
// Unlike ParseRate it never reads a number as a percent.
func (r *Rate) UnmarshalJSON(b []byte) error {
	v, err := parseDecimal(string(b), 6)
	if err != nil {
		return fmt.Errorf("rate %s: %w", b, err)
	}
	if v > rateDenom {
		return fmt.Errorf("rate %s: more than 1 (100%%)", b)
	}
	*r = v
	return nil
}

// RateFromFraction converts a fraction of one (0.05) to the nearest Rate.
func RateFromFraction(f float64) Rate {
	x := f * rateDenom
	if x < 0 {
		return Rate(x - 0.5)
	}
	return Rate(x + 0.5)
}

var errRateSyntax = errors.New("not a number (write 5, 5% or 0.05)")

// ParseRate reads a rate as people type it: "5", "5%" and "0.05" all mean
// 5%. A number followed by "%" is a percent. A bare number below 1 is a
// fraction of one and a bare number of 1 or more is a percent, so "0.5"
// is 50% and "0.5%" is half a percent. The result lies in [0%, 100%] and
// may carry at most four decimals in percent (six as a fraction); signs,
// exponents and digit separators are rejected, so what is parsed is
// exactly what was typed.
func ParseRate(s string) (Rate, error) {
	t := strings.TrimSpace(s)
	percent := strings.HasSuffix(t, "%")
	if percent {
		t = strings.TrimSpace(strings.TrimSuffix(t, "%"))
	}
	if strings.HasPrefix(t, "-") {
		return 0, fmt.Errorf("rate %q: must not be negative", s)
	}
	if !percent {
		// A bare number: below 1 it is a fraction, otherwise a percent.
		intPart, _, _ := strings.Cut(t, ".")
		if strings.Trim(intPart, "0") != "" {
			percent = true
		}
	}
	places := 6
	if percent {
		places = 4
	}
	r, err := parseDecimal(t, places)
	if err != nil {
		return 0, fmt.Errorf("rate %q: %w", s, err)
	}
	if r > rateDenom {
		return 0, fmt.Errorf("rate %q: more than 100%%", s)
	}
	return r, nil
}

// parseDecimal reads an unsigned decimal number (digits with at most one
// point) and returns it scaled by 10^places as a Rate, exactly. It rejects
// anything with more significant decimals than places, and values too
// large to be a rate.
func parseDecimal(s string, places int) (Rate, error) {
	intPart, frac, hasPoint := strings.Cut(s, ".")
	if intPart == "" && frac == "" {
		return 0, errRateSyntax
	}
	if hasPoint && strings.Contains(frac, ".") {
		return 0, errRateSyntax
	}
	for _, part := range []string{intPart, frac} {
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return 0, errRateSyntax
			}
		}
	}
	intPart = strings.TrimLeft(intPart, "0")
	frac = strings.TrimRight(frac, "0")
	if len(intPart) > 7 {
		return 0, errors.New("out of range")
	}
	if len(frac) > places {
		return 0, fmt.Errorf("too many decimals (at most %d)", places)
	}
	digits := intPart + frac + strings.Repeat("0", places-len(frac))
	v, err := strconv.ParseInt("0"+digits, 10, 64)
	if err != nil {
		return 0, errRateSyntax
	}
	return Rate(v), nil
}

// ceilMul returns ceil(n × r) exactly, for n ≥ 0 and 0 ≤ r ≤ 100%.
func ceilMul(n int, r Rate) int {
	p := int64(n) * int64(r)
	return int((p + rateDenom - 1) / rateDenom)
}
