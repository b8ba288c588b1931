package model

import "strings"

// GuessOccurrenceColumns picks, from a population's headings and its first
// rows, the column most like the occurrence ID and the one most like its
// date (-1 when none is). The date is the column named like a date or,
// failing that, the first whose values all read as dates; the ID is the
// column named like an identifier or, failing that, the first other than
// the date whose values are all present and distinct. The import screen
// proposes them; the auditor decides.
func GuessOccurrenceColumns(header []string, rows [][]string) (idCol, dateCol int) {
	dateCol = guessColumn(header, []string{"date", " on", "time", "when", " at"})
	if dateCol < 0 {
		dateCol = firstColumn(header, rows, func(v string) bool { _, ok := ParseOccurrenceDate(v); return ok }, -1)
	}
	idCol = guessColumn(header, []string{" id", "id", "#", "number", "no.", "key", "ref", "ticket"})
	if idCol >= 0 && idCol != dateCol {
		return idCol, dateCol
	}
	for c := range header {
		if c == dateCol {
			continue
		}
		seen := map[string]bool{}
		ok := len(rows) > 0
		for _, r := range rows {
			if c >= len(r) || r[c] == "" || seen[r[c]] {
				ok = false
				break
			}
			seen[r[c]] = true
		}
		if ok {
			return c, dateCol
		}
	}
	return -1, dateCol
}

// firstColumn is the first column other than skip whose values are all
// present and satisfy ok; -1 when none does.
func firstColumn(header []string, rows [][]string, ok func(string) bool, skip int) int {
	for c := range header {
		if c == skip || len(rows) == 0 {
			continue
		}
		all := true
		for _, r := range rows {
			if c >= len(r) || r[c] == "" || !ok(r[c]) {
				all = false
				break
			}
		}
		if all {
			return c
		}
	}
	return -1
}

// guessColumn is the first heading that contains one of words, tried in
// order; -1 when none does.
func guessColumn(header []string, words []string) int {
	for _, w := range words {
		for i, h := range header {
			if strings.Contains(strings.ToLower(h), w) {
				return i
			}
		}
	}
	return -1
}
