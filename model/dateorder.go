package model

// dateorder.go decides, per date column, whether numeric dates such as
// 07/03/2026 are day-first or month-first (issue 13 item 7b). A value whose
// first field is above 12 (25/03/2026) can only be day-first, one whose
// second field is (03/25/2026) only month-first; 07/03/2026 could be either.
// The import reads the column until a value settles it; a column whose
// numeric dates are all ambiguous is refused with a request for
// --date-format, because either reading would be a guess.

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/fieldwork-audit/fieldwork/internal/tabular"
)

// errNeedDateOrder stops an import whose date column gives a value that
// reads both ways before one that settles the order.
var errNeedDateOrder = errors.New("the date order must be decided first")

// DateOrder is how a column's numeric dates are read.
type DateOrder int

const (
	DateOrderUnknown    DateOrder = iota // not decided (no numeric date, or none that settles it)
	DateOrderMonthFirst                  // 03/07/2026 is March 7
	DateOrderDayFirst                    // 03/07/2026 is 3 July
)

func (o DateOrder) String() string {
	switch o {
	case DateOrderMonthFirst:
		return "month-first"
	case DateOrderDayFirst:
		return "day-first"
	}
	return ""
}

// ParseDateFormat reads a --date-format value: day-first or month-first
// (also dmy/mdy and DD/MM/YYYY, MM/DD/YYYY); "" is "decide from the data".
func ParseDateFormat(s string) (DateOrder, error) {
	switch strings.ToLower(strings.NewReplacer(" ", "", "-", "", "_", "", ".", "/").Replace(strings.TrimSpace(s))) {
	case "":
		return DateOrderUnknown, nil
	case "dayfirst", "dmy", "dd/mm/yyyy", "d/m/y", "dd/mm/yy":
		return DateOrderDayFirst, nil
	case "monthfirst", "mdy", "mm/dd/yyyy", "m/d/y", "mm/dd/yy":
		return DateOrderMonthFirst, nil
	}
	return DateOrderUnknown, fmt.Errorf("unknown date format %q: give day-first (DD/MM/YYYY) or month-first (MM/DD/YYYY)", s)
}

// numericDate splits "a/b/y[ time]" (separator / or -, a and b of one or
// two digits, y of two or four) and reports whether it is one.
func numericDate(s string) (a, b, y int, rest string, ok bool) {
	i := 0
	field := func(min, max int) (int, bool) {
		n, k := 0, 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' && k < max {
			n = n*10 + int(s[i]-'0')
			i++
			k++
		}
		return n, k >= min
	}
	var ok1, ok2, ok3 bool
	if a, ok1 = field(1, 2); !ok1 || i >= len(s) || (s[i] != '/' && s[i] != '-') {
		return 0, 0, 0, "", false
	}
	sep := s[i]
	i++
	if b, ok2 = field(1, 2); !ok2 || i >= len(s) || s[i] != sep {
		return 0, 0, 0, "", false
	}
	i++
	start := i
	if y, ok3 = field(2, 4); !ok3 || i-start == 3 {
		return 0, 0, 0, "", false
	}
	if i-start == 2 {
		y += 2000
	}
	if i < len(s) && s[i] != ' ' && s[i] != 'T' {
		return 0, 0, 0, "", false
	}
	return a, b, y, s[i:], true
}

var numericTimeLayouts = []string{"", " 15:04", " 15:04:05", " 3:04 PM", " 3:04:05 PM", " 3:04PM", " 15:04:05.000"}

// orderedDate reads a numeric date under order; with the order unknown, only
// a date that reads one way (25/03/2026, 03/25/2026, 03/03/2026). It reports handled=false when s is not a numeric
// date, so that the other layouts are tried.
func orderedDate(s string, order DateOrder) (d time.Time, ok, handled bool) {
	a, b, y, rest, isNum := numericDate(s)
	if !isNum {
		return time.Time{}, false, false
	}
	good := false
	for _, l := range numericTimeLayouts {
		if _, err := time.Parse(l, rest); err == nil || rest == l {
			good = true
			break
		}
	}
	if !good {
		return time.Time{}, false, true
	}
	m, day := a, b
	switch {
	case order == DateOrderDayFirst, order == DateOrderUnknown && a > 12:
		m, day = b, a
	case order == DateOrderUnknown && b <= 12 && a != b:
		// Either reading could be right and the column did not say:
		// unreadable rather than guessed.
		return time.Time{}, false, true
	}
	if m < 1 || m > 12 || day < 1 {
		return time.Time{}, false, true
	}
	d = time.Date(y, time.Month(m), day, 0, 0, 0, 0, time.UTC)
	if d.Day() != day {
		return time.Time{}, false, true
	}
	return d, true, true
}

// dateEvidence says what a value tells about its column's order.
func dateEvidence(s string) (order DateOrder, ambiguous bool) {
	a, b, _, _, ok := numericDate(strings.TrimSpace(s))
	switch {
	case !ok:
		return DateOrderUnknown, false
	case a > 12 && b <= 12:
		return DateOrderDayFirst, false
	case b > 12 && a <= 12:
		return DateOrderMonthFirst, false
	}
	return DateOrderUnknown, a != b && a <= 12 && b <= 12
}

// dateOrderScanLimit: after this many values without a numeric date that
// could be read two ways, the column is taken to need no decision.
const dateOrderScanLimit = 2000

// decideDateOrder reads a population's date column (a second, short read of
// the file) until a value settles day-first or month-first. It returns
// DateOrderUnknown when the column needs no decision and an error naming
// the rows when its numeric dates are all ambiguous.
func decideDateOrder(path string, opt tabular.TableOptions, dateCol int) (DateOrder, error) {
	tbl, err := tabular.OpenTable(path, opt)
	if err != nil {
		return DateOrderUnknown, err
	}
	defer tbl.Close()
	var ambiguous []int
	nAmbiguous, sinceAmbiguous := 0, 0
	var example string
	for {
		row, err := tbl.NextShared()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return DateOrderUnknown, err
		}
		if dateCol >= len(row) {
			continue
		}
		order, amb := dateEvidence(row[dateCol])
		if order != DateOrderUnknown {
			return order, nil
		}
		if amb {
			nAmbiguous++
			sinceAmbiguous = 0
			if len(ambiguous) < 5 {
				ambiguous = append(ambiguous, tbl.Row())
			}
			if example == "" {
				example = strings.TrimSpace(row[dateCol])
			}
		} else if sinceAmbiguous++; nAmbiguous == 0 && sinceAmbiguous >= dateOrderScanLimit {
			return DateOrderUnknown, nil
		}
	}
	if nAmbiguous == 0 {
		return DateOrderUnknown, nil
	}
	rows := make([]string, len(ambiguous))
	for i, r := range ambiguous {
		rows[i] = fmt.Sprint(r)
	}
	more := ""
	if nAmbiguous > len(ambiguous) {
		more = fmt.Sprintf(" and %d more", nAmbiguous-len(ambiguous))
	}
	return DateOrderUnknown, &InputError{Input: InputDateFormat, Msg: fmt.Sprintf(
		"%s: the dates in column %q can be read day-first or month-first (%q; %s %s%s): no value settles it (a first or second part above 12), so say which reading is right",
		tbl.Name(), tbl.Header()[dateCol], example, plural(nAmbiguous, "row", "rows"), rowList(rows, more), "")}
}

// rowList is "2", "2 and 3", "2, 3 and 4", or "2, 3, 4, 5, 6 and 9 more".
func rowList(rows []string, more string) string {
	if more != "" {
		return strings.Join(rows, ", ") + more
	}
	if len(rows) < 2 {
		return strings.Join(rows, "")
	}
	return strings.Join(rows[:len(rows)-1], ", ") + " and " + rows[len(rows)-1]
}
