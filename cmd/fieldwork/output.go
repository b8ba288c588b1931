package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"unicode"

	"github.com/fieldwork-audit/fieldwork/internal/cleantext"
)

// safeWriter is stdout and stderr for every command: each write goes
// through cleantext.Output, so no line fieldwork prints (client text, a
// user name from $FIELDWORK_USER, a file name in an error) can carry an
// escape sequence or an invisible character to the terminal, whether or
// not the code that printed it remembered clean(). The workbench gets the
// terminal itself (terminal unwraps it).
type safeWriter struct{ w io.Writer }

func (s *safeWriter) Write(p []byte) (int, error) {
	out := cleantext.Output(string(p))
	if _, err := io.WriteString(s.w, out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// safe wraps w once.
func safe(w io.Writer) io.Writer {
	if w == nil {
		return nil
	}
	if _, ok := w.(*safeWriter); ok {
		return w
	}
	return &safeWriter{w}
}

// rawFile is the *os.File under a safeWriter, for the workbench.
func rawFile(w io.Writer) (*os.File, bool) {
	if s, ok := w.(*safeWriter); ok {
		w = s.w
	}
	f, ok := w.(*os.File)
	return f, ok
}

// escapeJSON writes what the JSON encoder left raw in strings and a
// terminal could act on or hide (C1 controls, DEL, invisible and bidi
// characters) as \uXXXX escapes: the same JSON value, safe to print.
func escapeJSON(b []byte) []byte {
	if !bytes.ContainsFunc(b, needsJSONEscape) {
		return b
	}
	var out bytes.Buffer
	for _, r := range string(b) {
		if needsJSONEscape(r) {
			if r > 0xFFFF {
				r1, r2 := utf16Pair(r)
				fmt.Fprintf(&out, `\u%04x\u%04x`, r1, r2)
			} else {
				fmt.Fprintf(&out, `\u%04x`, r)
			}
			continue
		}
		out.WriteRune(r)
	}
	return out.Bytes()
}

func needsJSONEscape(r rune) bool {
	return r == 0x7f || (r >= 0x80 && r < 0xa0) || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Variation_Selector, r) ||
		r == '\u115F' || r == '\u1160' || r == '\u3164' || r == '\uFFA0' || r == '\u2028' || r == '\u2029'
}

func utf16Pair(r rune) (rune, rune) {
	r -= 0x10000
	return 0xD800 + (r>>10)&0x3FF, 0xDC00 + r&0x3FF
}
