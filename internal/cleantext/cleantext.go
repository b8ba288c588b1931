// Package cleantext makes text from a workpaper safe to print on a terminal.
package cleantext

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Clean makes text that came from a workpaper (typed or imported by the
// client, or by anyone who could edit the file) safe to print on a terminal:
//
//   - escape sequences are removed whole: CSI (colours, cursor moves, screen
//     clears), OSC (window titles, hyperlinks, clipboard writes), DCS, SOS,
//     PM and APC strings, and two-character escapes, in their 7-bit (ESC …)
//     and 8-bit (C1) forms;
//   - every other control character is removed, except that a tab becomes a
//     space and CR LF, CR, U+2028 and U+2029 become a line feed;
//   - characters that show nothing or reorder what follows — bidirectional
//     overrides and isolates, zero-width spaces and joiners, the byte-order
//     mark, and every other Unicode format character — are shown visibly,
//     as ⟨U+202E⟩, so that text cannot pass for other text;
//   - invalid UTF-8 becomes U+FFFD.
//
// An OSC or DCS-like string without a terminator loses only its introducer,
// so that the rest of the text still shows.
func Clean(s string) string {
	if isPlain(s) {
		return s
	}
	rs := []rune(strings.ToValidUTF8(s, "\uFFFD"))
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == '\n' || r == '\u2028' || r == '\u2029':
			b.WriteByte('\n')
		case r == '\r':
			if i+1 < len(rs) && rs[i+1] == '\n' {
				i++
			}
			b.WriteByte('\n')
		case r == '\t':
			b.WriteByte(' ')
		case r == 0x1b:
			i = skipEscape(rs, i)
		case r == 0x9b: // CSI
			i = skipCSI(rs, i+1)
		case r == 0x9d || r == 0x90 || r == 0x98 || r == 0x9e || r == 0x9f: // OSC, DCS, SOS, PM, APC
			i = skipString(rs, i+1, i)
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			// other C0 and C1 controls: dropped
		case isInvisible(r) && !inEmoji(rs, i):
			b.WriteString(Visible(r))
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isPlain reports whether s is valid UTF-8 with nothing Clean would change.
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f {
			return false
		}
		if c >= 0x80 {
			// Decode the rune to check for C1 controls, bidi controls and bad UTF-8.
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size <= 1 {
				return false
			}
			if (r >= 0x80 && r < 0xa0) || isInvisible(r) || r == '\u2028' || r == '\u2029' {
				return false
			}
			i += size - 1
		}
	}
	return true
}

// Visible is how a character that shows nothing is shown: ⟨U+202E⟩.
func Visible(r rune) string { return fmt.Sprintf("⟨U+%04X⟩", r) }

// isInvisible reports the characters shown as Visible: Unicode format
// characters (bidi controls, zero-width characters, the BOM, the soft
// hyphen...), variation selectors and the Hangul fillers.
func isInvisible(r rune) bool {
	return isBidiControl(r) || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Variation_Selector, r) ||
		r == '\u115F' || r == '\u1160' || r == '\u3164' || r == '\uFFA0'
}

// Output makes a line fieldwork prints safe for a terminal without hiding
// anything: it is the last step before stdout and stderr. Tabs and line
// feeds stay; every other control character (ESC included, so an escape
// sequence in a file name shows as ⟨U+001B⟩[2K and cannot pass for another
// name) and every invisible character is shown visibly; invalid UTF-8
// becomes U+FFFD. Text already passed through Clean is left as it is.
func Output(s string) string {
	if isPlainOutput(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	rs := []rune(strings.ToValidUTF8(s, "\uFFFD"))
	for i, r := range rs {
		switch {
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || (isInvisible(r) && !inEmoji(rs, i)) || r == '\u2028' || r == '\u2029':
			b.WriteString(Visible(r))
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Name shows a file name so that it cannot pass for another: as Output,
// with line feeds and tabs shown visibly too.
func Name(s string) string {
	s = Output(s)
	if !strings.ContainsAny(s, "\n\t") {
		return s
	}
	return strings.NewReplacer("\n", Visible('\n'), "\t", Visible('\t')).Replace(s)
}

func isPlainOutput(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f {
			return false
		}
		if c >= 0x80 {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size <= 1 {
				return false
			}
			if (r >= 0x80 && r < 0xa0) || isInvisible(r) || r == '\u2028' || r == '\u2029' {
				return false
			}
			i += size - 1
		}
	}
	return true
}

// inEmoji reports whether the invisible rs[i] is part of an emoji: a
// zero-width joiner between two pictographs (👩‍💼) or a variation selector
// after one (❤️). Those stay as they are.
func inEmoji(rs []rune, i int) bool {
	r := rs[i]
	switch {
	case r == '\u200D':
		return i > 0 && i+1 < len(rs) && (pictograph(rs[i-1]) || rs[i-1] == '\uFE0F') && pictograph(rs[i+1])
	case r == '\uFE0E' || r == '\uFE0F':
		return i > 0 && pictograph(rs[i-1])
	}
	return false
}

// pictograph approximates Extended_Pictographic: the emoji blocks and the
// older symbols that have emoji forms.
func pictograph(r rune) bool {
	return (r >= 0x1F000 && r <= 0x1FAFF) || (r >= 0x2600 && r <= 0x27BF) || (r >= 0x2300 && r <= 0x23FF) ||
		(r >= 0x2B00 && r <= 0x2BFF) || r == 0x00A9 || r == 0x00AE || r == 0x203C || r == 0x2049 || r == 0x2122 || r == 0x2139
}

func isBidiControl(r rune) bool {
	switch {
	case r == '\u061C', r == '\u200E', r == '\u200F':
		return true
	case r >= '\u202A' && r <= '\u202E':
		return true
	case r >= '\u2066' && r <= '\u2069':
		return true
	}
	return false
}

// skipEscape skips the sequence starting with the ESC at rs[i] and returns
// the index of its last rune.
func skipEscape(rs []rune, i int) int {
	if i+1 >= len(rs) {
		return i
	}
	n := rs[i+1]
	switch {
	case n == '[':
		return skipCSI(rs, i+2)
	case n == ']' || n == 'P' || n == 'X' || n == '^' || n == '_':
		return skipString(rs, i+2, i+1)
	case n >= 0x20 && n <= 0x2f: // intermediates, then a final character: ESC ( B
		j := i + 1
		for j < len(rs) && rs[j] >= 0x20 && rs[j] <= 0x2f {
			j++
		}
		if j < len(rs) && rs[j] >= 0x30 && rs[j] <= 0x7e {
			return j
		}
		return j - 1
	case n >= 0x30 && n <= 0x7e: // ESC c, ESC 7, ESC =, …
		return i + 1
	}
	return i // a lone ESC: drop it, keep what follows
}

// skipCSI skips a control sequence's parameters, intermediates and final
// character, starting at rs[j], and returns the index of its last rune. A
// character that cannot be part of the sequence ends it without being eaten.
func skipCSI(rs []rune, j int) int {
	for k := j; k < len(rs); k++ {
		r := rs[k]
		switch {
		case r >= 0x20 && r <= 0x3f:
		case r >= 0x40 && r <= 0x7e:
			return k
		default:
			return k - 1
		}
	}
	return len(rs) - 1
}

// skipString skips a string sequence (OSC, DCS, …) whose payload starts at
// rs[j] up to its terminator (BEL, ESC \ or ST) and returns the index of the
// terminator's last rune; without a terminator it returns introEnd, so only
// the introducer is dropped.
func skipString(rs []rune, j, introEnd int) int {
	for k := j; k < len(rs); k++ {
		switch rs[k] {
		case 0x07, 0x9c:
			return k
		case 0x1b:
			if k+1 < len(rs) && rs[k+1] == '\\' {
				return k + 1
			}
		}
	}
	return introEnd
}
