// Package cells lays text out in terminal cells for the workbench and its
// widgets: cut to a width with an ellipsis, padded to a width, wrapped at
// spaces, and made safe to print (workpaper text is untrusted). Widths are
// terminal cells, so CJK and emoji count as two.
package cells

import (
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/fieldwork-audit/fieldwork/internal/cleantext"
)

// Ellipsis ends a cut text.
const Ellipsis = "…"

// Clean makes text that came from a workpaper safe to print on a terminal
// (cleantext.Clean, which the command line and the export share).
func Clean(s string) string { return cleantext.Clean(s) }

// OneLine is Clean for places that hold one line: line breaks and runs of
// spaces become one space, and leading and trailing space goes.
func OneLine(s string) string {
	return strings.Join(strings.Fields(Clean(s)), " ")
}

// Truncate cuts s (which may hold styles) to at most w cells, ending with
// an ellipsis when something was cut.
func Truncate(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if ansi.StringWidth(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, Ellipsis)
}

// Fit truncates s to w cells and pads it with spaces to exactly w cells.
func Fit(s string, w int) string {
	s = Truncate(s, w)
	if pad := w - ansi.StringWidth(s); pad > 0 {
		s += strings.Repeat(" ", pad)
	}
	return s
}

// FitRight is Fit with the text aligned to the right.
func FitRight(s string, w int) string {
	s = Truncate(s, w)
	if pad := w - ansi.StringWidth(s); pad > 0 {
		s = strings.Repeat(" ", pad) + s
	}
	return s
}

// Wrap word-wraps sanitized text to w cells and returns its lines. Lines
// break only at spaces (so a command line keeps its "--flags" whole); a
// word wider than a line is cut across lines. Blank lines are kept.
func Wrap(s string, w int) []string {
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

// Clamp cuts every line of s to w cells and keeps at most h lines, so a
// screen never draws past the terminal's edge.
func Clamp(s string, w, h int) string {
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

// Quote puts a query in curly quotes, on one line.
func Quote(q string) string { return "“" + OneLine(q) + "”" }
