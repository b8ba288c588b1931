package sampling

import (
	"fmt"
	"strings"
)

// Frequency is how often a control operates. The names are fieldwork's
// canonical spellings; ParseFrequency maps what clients write onto them.
type Frequency string

const (
	Annual        Frequency = "annual"
	SemiAnnual    Frequency = "semi-annual"
	Quarterly     Frequency = "quarterly"
	Monthly       Frequency = "monthly"
	Weekly        Frequency = "weekly"
	Daily         Frequency = "daily"
	MultipleDaily Frequency = "multiple-daily"
	AdHoc         Frequency = "ad-hoc"     // event-driven: sized by population
	Continuous    Frequency = "continuous" // automated
)

// Frequencies lists every canonical frequency, least to most frequent,
// with the event-driven and automated kinds last.
var Frequencies = []Frequency{Annual, SemiAnnual, Quarterly, Monthly, Weekly, Daily, MultipleDaily, AdHoc, Continuous}

var frequencySynonyms = map[string]Frequency{
	"annual": Annual, "annually": Annual, "yearly": Annual, "once a year": Annual, "1x per year": Annual,
	"semi-annual": SemiAnnual, "semiannual": SemiAnnual, "semi annual": SemiAnnual, "semi-annually": SemiAnnual,
	"semiannually": SemiAnnual, "semi annually": SemiAnnual, "bi-annual": SemiAnnual, "biannual": SemiAnnual,
	"bi-annually": SemiAnnual, "twice a year": SemiAnnual, "half-yearly": SemiAnnual, "half yearly": SemiAnnual,
	"quarterly": Quarterly, "quarter": Quarterly, "every quarter": Quarterly,
	"monthly": Monthly, "month": Monthly, "every month": Monthly,
	"weekly": Weekly, "week": Weekly, "every week": Weekly,
	"daily": Daily, "day": Daily, "every day": Daily,
	"multiple-daily": MultipleDaily, "multiple daily": MultipleDaily, "multiple times a day": MultipleDaily,
	"multiple times per day": MultipleDaily, "multiple times daily": MultipleDaily, "several times a day": MultipleDaily,
	"many times a day": MultipleDaily, "recurring": MultipleDaily, "hourly": MultipleDaily,
	"ad-hoc": AdHoc, "ad hoc": AdHoc, "adhoc": AdHoc, "as needed": AdHoc, "as-needed": AdHoc, "as required": AdHoc,
	"event-driven": AdHoc, "event driven": AdHoc, "per event": AdHoc, "per occurrence": AdHoc, "upon occurrence": AdHoc,
	"as occurs": AdHoc, "on demand": AdHoc, "per change": AdHoc, "per request": AdHoc, "transactional": AdHoc,
	"continuous": Continuous, "continuously": Continuous, "automated": Continuous, "system": Continuous,
	"real-time": Continuous, "real time": Continuous, "always on": Continuous, "ongoing": Continuous,
}

// ParseFrequency normalizes a frequency as clients write it ("Annually",
// "As needed", "Multiple times a day", …) to a canonical Frequency.
func ParseFrequency(s string) (Frequency, error) {
	k := strings.ToLower(strings.Join(strings.Fields(strings.ReplaceAll(s, "_", " ")), " "))
	if f, ok := frequencySynonyms[k]; ok {
		return f, nil
	}
	if f, ok := frequencySynonyms[strings.ReplaceAll(k, " ", "-")]; ok {
		return f, nil
	}
	return "", fmt.Errorf("unknown frequency %q (use one of: annual, semi-annual, quarterly, monthly, weekly, daily, multiple-daily, ad-hoc, continuous)", s)
}
