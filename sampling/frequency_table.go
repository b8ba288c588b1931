package sampling

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Risk is the assessed risk of a control for nonstatistical sizing. Higher
// risk (including a deviation in the prior period) takes the top of the
// frequency's range, or for event-driven controls the next larger size.
type Risk string

const (
	LowerRisk  Risk = "lower"
	HigherRisk Risk = "higher"
)

// ParseRisk reads a risk level; "" is LowerRisk.
func ParseRisk(s string) (Risk, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "lower", "low":
		return LowerRisk, nil
	case "higher", "high":
		return HigherRisk, nil
	}
	return "", fmt.Errorf("unknown risk %q (use lower or higher)", s)
}

// SizeRange is the sample size of a recurring control at lower and at
// higher risk.
type SizeRange struct {
	Lower  int `json:"lower"`
	Higher int `json:"higher"`
}

// AdHocBand sizes event-driven controls whose population is at least
// MinPopulation (and below the next band's). A size of 0 means every item.
type AdHocBand struct {
	MinPopulation int `json:"min_population"`
	Lower         int `json:"lower"`
	Higher        int `json:"higher"`
}

// FrequencyTable is a firm's (or one engagement's) nonstatistical sample
// sizes by control frequency. It is a value: DefaultFrequencyTable returns
// a fresh copy and Clone copies one before it is edited. It serializes to
// JSON as {"sizes": {"daily": {"lower": 20, "higher": 40}, …},
// "ad_hoc": [{"min_population": 251, "lower": 25, "higher": 40}, …]}.
type FrequencyTable struct {
	// Sizes holds every recurring frequency: all but AdHoc.
	Sizes map[Frequency]SizeRange `json:"sizes"`
	// AdHoc holds the population bands for event-driven controls, by
	// ascending MinPopulation, the first starting at 1.
	AdHoc []AdHocBand `json:"ad_hoc"`
}

// DefaultFrequencyTable returns fieldwork's default table, common practice
// for tests of controls in SOC engagements:
//
//	annual          1        (the single occurrence)
//	semi-annual     1 – 2    (half the occurrences at lower risk, as quarterly; both at higher)
//	quarterly       2
//	monthly         2 – 5
//	weekly          5 – 15
//	daily          20 – 40
//	multiple-daily 25 – 60
//	continuous      1        (automated; relies on effective IT general controls)
//	ad-hoc         population over 250: 25 (higher 40); 51–250: 15 (25);
//	               11–50: 8 (15); 1–10: every item
//
// The ad-hoc bands follow a published firm methodology; higher risk (a
// prior-period deviation) moves to the next larger size. Above 250 there
// is no larger size in that ladder, so fieldwork takes 40, the top of the
// daily range, since a population of more than 250 events is as large as
// a daily control's year.
func DefaultFrequencyTable() FrequencyTable {
	return FrequencyTable{
		Sizes: map[Frequency]SizeRange{
			Annual:        {1, 1},
			SemiAnnual:    {1, 2},
			Quarterly:     {2, 2},
			Monthly:       {2, 5},
			Weekly:        {5, 15},
			Daily:         {20, 40},
			MultipleDaily: {25, 60},
			Continuous:    {1, 1},
		},
		AdHoc: []AdHocBand{
			{MinPopulation: 1, Lower: 0, Higher: 0},
			{MinPopulation: 11, Lower: 8, Higher: 15},
			{MinPopulation: 51, Lower: 15, Higher: 25},
			{MinPopulation: 251, Lower: 25, Higher: 40},
		},
	}
}

// Clone returns a deep copy of t, safe to edit.
func (t FrequencyTable) Clone() FrequencyTable {
	return FrequencyTable{Sizes: maps.Clone(t.Sizes), AdHoc: slices.Clone(t.AdHoc)}
}

// Validate checks that t sizes every frequency sensibly: every recurring
// frequency present with 1 ≤ lower ≤ higher; ad-hoc bands starting at a
// population of 1, strictly ascending, with sizes ≥ 0 (0: every item),
// lower ≤ higher (every item being the largest).
func (t FrequencyTable) Validate() error {
	var errs []error
	for _, f := range Frequencies {
		if f == AdHoc {
			continue
		}
		r, ok := t.Sizes[f]
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("no size for %s controls", f))
		case r.Lower < 1:
			errs = append(errs, fmt.Errorf("%s: lower-risk size %d must be at least 1", f, r.Lower))
		case r.Higher < r.Lower:
			errs = append(errs, fmt.Errorf("%s: higher-risk size %d is below the lower-risk size %d", f, r.Higher, r.Lower))
		}
	}
	for f := range t.Sizes {
		if !slices.Contains(Frequencies, f) || f == AdHoc {
			errs = append(errs, fmt.Errorf("sizes: %q is not a recurring frequency (ad-hoc controls are sized by the ad_hoc bands)", f))
		}
	}
	if len(t.AdHoc) == 0 {
		errs = append(errs, errors.New("no ad-hoc population bands"))
	} else if t.AdHoc[0].MinPopulation != 1 {
		errs = append(errs, fmt.Errorf("the first ad-hoc band must start at a population of 1, not %d", t.AdHoc[0].MinPopulation))
	}
	for i, b := range t.AdHoc {
		if i > 0 && b.MinPopulation <= t.AdHoc[i-1].MinPopulation {
			errs = append(errs, fmt.Errorf("ad-hoc band %d: populations must ascend (%d after %d)", i+1, b.MinPopulation, t.AdHoc[i-1].MinPopulation))
		}
		if b.Lower < 0 || b.Higher < 0 {
			errs = append(errs, fmt.Errorf("ad-hoc band %d: sizes must not be negative", i+1))
		} else if b.Higher != 0 && (b.Lower == 0 || b.Higher < b.Lower) {
			errs = append(errs, fmt.Errorf("ad-hoc band %d: higher-risk size %s is below the lower-risk size %s", i+1, sizeWord(b.Higher), sizeWord(b.Lower)))
		}
	}
	return errors.Join(errs...)
}

func sizeWord(n int) string {
	if n == 0 {
		return "all"
	}
	return fmt.Sprint(n)
}

// FrequencySize is a nonstatistical sample size and the rule that gave it.
type FrequencySize struct {
	Frequency Frequency `json:"frequency"`
	Risk      Risk      `json:"risk"`
	// Population is the number of occurrences in the period, 0 if unknown.
	Population int `json:"population,omitempty"`
	// SampleSize is the number of items to test.
	SampleSize int `json:"sample_size"`
	// TestAll is set when every occurrence is tested: the population is no
	// larger than the table's size, or the ad-hoc band says so.
	TestAll bool `json:"test_all"`
	// Rule says in words where the size comes from.
	Rule string `json:"rule"`
	// Note adds what the auditor must also do, if anything.
	Note string `json:"note,omitempty"`
}

// Size returns the sample size for a control of frequency f at risk r with
// a population of the given number of occurrences (0 if unknown; required
// for ad-hoc controls).
//
// Small populations are tested in full: when the population is no larger
// than the table's size every occurrence is tested (AICPA Audit Guide
// Audit Sampling, chapter 3, small populations; see docs/sampling.md).
func (t FrequencyTable) Size(f Frequency, r Risk, population int) (FrequencySize, error) {
	if err := t.Validate(); err != nil {
		return FrequencySize{}, err
	}
	if r == "" {
		r = LowerRisk
	}
	if r != LowerRisk && r != HigherRisk {
		return FrequencySize{}, fmt.Errorf("unknown risk %q (use lower or higher)", r)
	}
	if population < 0 {
		return FrequencySize{}, fmt.Errorf("population %d must not be negative", population)
	}
	out := FrequencySize{Frequency: f, Risk: r, Population: population}
	if f == AdHoc {
		if population == 0 {
			return FrequencySize{}, errors.New("ad-hoc (event-driven) controls are sized by their population: give the number of occurrences")
		}
		i := len(t.AdHoc) - 1
		for i > 0 && population < t.AdHoc[i].MinPopulation {
			i--
		}
		b := t.AdHoc[i]
		size := b.Lower
		if r == HigherRisk {
			size = b.Higher
		}
		band := fmt.Sprintf("%d or more", b.MinPopulation)
		if i+1 < len(t.AdHoc) {
			band = fmt.Sprintf("%d–%d", b.MinPopulation, t.AdHoc[i+1].MinPopulation-1)
		}
		out.Rule = fmt.Sprintf("ad-hoc, population %s: %s at lower risk, %s at higher risk", band, sizeWord(b.Lower), sizeWord(b.Higher))
		if size == 0 || size >= population {
			out.SampleSize, out.TestAll = population, true
		} else {
			out.SampleSize = size
		}
		return out, nil
	}
	sr, ok := t.Sizes[f]
	if !ok {
		if _, err := ParseFrequency(string(f)); err != nil {
			return FrequencySize{}, err
		}
		return FrequencySize{}, fmt.Errorf("frequency %q is not canonical: parse it with ParseFrequency", f)
	}
	size := sr.Lower
	if r == HigherRisk {
		size = sr.Higher
	}
	if sr.Lower == sr.Higher {
		out.Rule = fmt.Sprintf("%s: %d", f, sr.Lower)
	} else {
		out.Rule = fmt.Sprintf("%s: %d–%d, %d at %s risk", f, sr.Lower, sr.Higher, size, r)
	}
	if f == Continuous {
		out.Note = "automated control: a test of one relies on IT general controls (change management, logical access) tested effective for the period"
	}
	if population > 0 && population <= size {
		out.SampleSize, out.TestAll = population, true
		out.Rule += fmt.Sprintf("; the population of %d is no larger, so every occurrence is tested", population)
		return out, nil
	}
	out.SampleSize = size
	return out, nil
}
