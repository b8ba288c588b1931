package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/fieldwork-audit/fieldwork/tui/widget/cells"
)

// The text helpers every screen uses are the cells package's (the widgets
// in tui/widget share them); these are their short names here.

// sanitize makes text that came from a workpaper (typed or imported by the
// client, or by anyone who could edit the file) safe to print on a
// terminal: escape sequences and control characters go, bidirectional
// overrides go, invalid UTF-8 becomes U+FFFD.
func sanitize(s string) string { return cells.Clean(s) }

// oneLine is sanitize for one line: breaks and runs of spaces become one.
func oneLine(s string) string { return cells.OneLine(s) }

// truncate cuts s to at most w cells, with an ellipsis when cut.
func truncate(s string, w int) string { return cells.Truncate(s, w) }

// fit truncates s to w cells and pads it to exactly w cells.
func fit(s string, w int) string { return cells.Fit(s, w) }

// fitRight is fit aligned to the right.
func fitRight(s string, w int) string { return cells.FitRight(s, w) }

// wrap word-wraps sanitized text to w cells (cells.Wrap).
func wrap(s string, w int) []string { return cells.Wrap(s, w) }

// clampLines cuts every line to w cells and keeps at most h lines.
func clampLines(s string, w, h int) string { return cells.Clamp(s, w, h) }

// spread puts left and right on one line of w cells, the right part
// flush right; the left part is truncated first when they do not fit.
func spread(left, right string, w int) string {
	rw := ansi.StringWidth(right)
	if rw >= w {
		return truncate(right, w)
	}
	lw := w - rw - 1
	return fit(left, lw) + " " + right
}

// plural writes "1 control" or "3 controls".
func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// shellQuote quotes a file name for a command line the user may copy.
func shellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t'\"$`\\!*?[]{}()<>|&;#~") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// padLines adds empty lines to s until it has h lines.
func padLines(s string, h int) string {
	if h <= 0 {
		return ""
	}
	if n := strings.Count(s, "\n") + 1; n < h {
		s += strings.Repeat("\n", h-n)
	}
	return s
}

func pluralWord(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func quoteQuery(q string) string { return cells.Quote(q) }
