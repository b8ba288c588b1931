// Helpers that more than one screen uses: words for states and seeds, the
// label column's width, the coverage bar. A screen's own helpers stay in
// its file.

package tui

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/fieldwork-audit/fieldwork/model"
	"github.com/fieldwork-audit/fieldwork/sampling"
)

// seedText shows a selection's seed, or why it has none.
func seedText(r sampling.SelectionRecord) string {
	switch r.Method {
	case sampling.Random, sampling.Systematic:
		return "seed " + strconv.FormatUint(r.Seed, 10)
	}
	return "no seed (" + oneLine(string(r.Method)) + ")"
}

// stripStyles removes styling, for a line shown in the selection colour.
func stripStyles(s string) string { return ansi.Strip(s) }

// natureText words a control's nature (manual, automated…).
func natureText(n model.Nature) string {
	return oneLine(fmt.Sprint(n))
}

const labelWidth = 14

// bar draws covered/total as a bar of w cells; the count beside it says
// the same in digits.
func bar(s *Styles, covered, total, w int) string {
	full := 0
	if total > 0 {
		full = covered * w / total
		if covered > 0 && full == 0 {
			full = 1
		}
		if covered < total && full == w {
			full = w - 1
		}
	}
	return s.BarFull.Render(strings.Repeat(symBarFull, full)) + s.BarEmpty.Render(strings.Repeat(symBarEmpty, w-full))
}
