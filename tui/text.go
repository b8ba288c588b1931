package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/fieldwork-audit/fieldwork/internal/cleantext"
)

// sanitize makes text that came from a workpaper (typed or imported by the
// client, or by anyone who could edit the file) safe to print on a
// terminal: escape sequences and control characters go, bidirectional
// overrides go, invalid UTF-8 becomes U+FFFD. It is cleantext.Clean, which
// the command line and the export share.
func sanitize(s string) string { return cleantext.Clean(s) }

// oneLine is sanitize for places that hold one line: line breaks and runs of
// spaces become one space, and leading and trailing space goes.
func oneLine(s string) string {
	return strings.Join(strings.Fields(sanitize(s)), " ")
}

// truncate cuts s (which may hold styles) to at most w cells, ending with an
// ellipsis when something was cut. Widths are terminal cells, so CJK and
// emoji count as two.
func truncate(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if ansi.StringWidth(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, symEllipsis)
}

// fit truncates s to w cells and pads it with spaces to exactly w cells.
func fit(s string, w int) string {
	s = truncate(s, w)
	if pad := w - ansi.StringWidth(s); pad > 0 {
		s += strings.Repeat(" ", pad)
	}
	return s
}

// fitRight is fit with the text aligned to the right.
func fitRight(s string, w int) string {
	s = truncate(s, w)
	if pad := w - ansi.StringWidth(s); pad > 0 {
		s = strings.Repeat(" ", pad) + s
	}
	return s
}

// wrap word-wraps sanitized text to w cells and returns its lines. Lines
// break only at spaces (so a command line keeps its "--flags" whole); a
// word wider than a line is cut across lines. Blank lines are kept.
func wrap(s string, w int) []string {
	if w <= 0 {
		return nil
	}
	s = strings.TrimRight(s, "\n ")
	if s == "" {
		return nil
	}
	var out []string
	for _, para := range strings.Split(s, "\n") {
		out = append(out, wrapWords(strings.TrimRight(para, " "), w)...)
	}
	return out
}

// wrapWords wraps one paragraph at spaces, breaking words longer than w.
// (ansi.Wrap is not the same: it keeps leading spaces and can end on an
// empty line, which the screens' goldens do not show.)
func wrapWords(para string, w int) []string {
	if para == "" {
		return []string{""}
	}
	var out []string
	var cur strings.Builder
	curW := 0
	flush := func() {
		out = append(out, cur.String())
		cur.Reset()
		curW = 0
	}
	for _, word := range strings.Split(para, " ") {
		ww := ansi.StringWidth(word)
		switch {
		case ww > w:
			if curW > 0 {
				flush()
			}
			parts := strings.Split(ansi.Hardwrap(word, w, true), "\n")
			out = append(out, parts[:len(parts)-1]...)
			cur.WriteString(parts[len(parts)-1])
			curW = ansi.StringWidth(parts[len(parts)-1])
		case curW == 0:
			cur.WriteString(word)
			curW = ww
		case curW+1+ww <= w:
			cur.WriteString(" " + word)
			curW += 1 + ww
		default:
			flush()
			cur.WriteString(word)
			curW = ww
		}
	}
	if curW > 0 || cur.Len() > 0 {
		flush()
	}
	return out
}

// clampLines cuts every line of s to w cells and keeps at most h lines, so a
// screen never draws past the terminal's edge.
func clampLines(s string, w, h int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		if ansi.StringWidth(l) > w {
			lines[i] = ansi.Truncate(l, w, "")
		}
	}
	return strings.Join(lines, "\n")
}

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
