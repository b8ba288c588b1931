package tui

import (
	"strings"
	"testing"
	"unicode"

	"github.com/charmbracelet/x/ansi"

	"github.com/fieldwork-audit/fieldwork/model"
)

func TestSanitize(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"plain", "Northwind Payroll Inc.", "Northwind Payroll Inc."},
		{"wide characters stay", "経理部 👩‍💼 Ñandú", "経理部 👩‍💼 Ñandú"},
		{"SGR colour", "\x1b[31mred\x1b[0m text", "red text"},
		{"clear screen and home", "a\x1b[2J\x1b[Hb", "ab"},
		{"private mode", "a\x1b[?1049hb\x1b[?25l", "ab"},
		{"cursor movement", "x\x1b[10;20Hy\x1b[5A", "xy"},
		{"window title OSC with BEL", "\x1b]0;pwned\x07title", "title"},
		{"OSC 52 clipboard write with ST", "a\x1b]52;c;ZWNobyBoaQ==\x1b\\b", "ab"},
		{"OSC 8 hyperlink keeps its text", "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\", "click"},
		{"DCS string", "a\x1bPq#0;2;0;0;0\x1b\\b", "ab"},
		{"APC and PM", "a\x1b_payload\x1b\\b\x1b^pm\x1b\\c", "abc"},
		{"unterminated OSC keeps the rest", "a\x1b]0;rest", "a0;rest"},
		{"charset designation", "a\x1b(Bb", "ab"},
		{"two-character escapes", "a\x1bcb\x1b7c\x1b8", "abc"},
		{"lone ESC at the end", "abc\x1b", "abc"},
		{"8-bit CSI", "a\u009b31mb", "ab"},
		{"8-bit OSC with ST", "a\u009d0;t\u009cb", "ab"},
		{"other C1 controls", "a\u0085b\u008dc", "abc"},
		{"C0 controls", "a\x00b\x07c\x08d\x7fe", "abcde"},
		{"tab becomes a space", "a\tb", "a b"},
		{"line endings", "a\r\nb\rc\u2028d", "a\nb\nc\nd"},
		{"bidi overrides are shown", "abc\u202edcb\u202c \u2066x\u2069\u200f", "abc⟨U+202E⟩dcb⟨U+202C⟩ ⟨U+2066⟩x⟨U+2069⟩⟨U+200F⟩"},
		{"byte-order mark is shown", "\ufeffHello", "⟨U+FEFF⟩Hello"},
		{"zero-width space is shown", "maria\u200b.chen", "maria⟨U+200B⟩.chen"},
		{"invalid UTF-8", "a\xff\xfeb", "a\ufffdb"},
		{"malformed CSI ends before a letter-like rune", "a\x1b[12é", "aé"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := sanitize(c.in)
			if got != c.want {
				t.Fatalf("sanitize(%q) = %q, want %q", c.in, got, c.want)
			}
			for _, r := range got {
				if r != '\n' && (unicode.IsControl(r) || isBidiControl(r)) {
					t.Fatalf("sanitize(%q) left control %U", c.in, r)
				}
			}
		})
	}
}

func TestOneLine(t *testing.T) {
	if got := oneLine("  two\r\nlines\tand\x1b[1m  spaces \n"); got != "two lines and spaces" {
		t.Fatalf("oneLine: %q", got)
	}
}

func FuzzSanitize(f *testing.F) {
	for _, s := range []string{"\x1b[31mx", "\x1b]0;t\x07", "\u009b1m", "a\x1bPq\x1b\\", "経理部", "\x1b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := sanitize(s)
		if strings.ContainsRune(got, 0x1b) {
			t.Fatalf("ESC survived: %q → %q", s, got)
		}
		for _, r := range got {
			if r != '\n' && (unicode.IsControl(r) || isBidiControl(r)) {
				t.Fatalf("control %U survived: %q → %q", r, s, got)
			}
		}
		if sanitize(got) != got {
			t.Fatalf("not idempotent: %q", s)
		}
	})
}

func TestTruncateKeepsWidth(t *testing.T) {
	cases := []struct {
		in   string
		w    int
		want string
	}{
		{"abcdef", 4, "abc…"},
		{"abc", 4, "abc"},
		{"経理部の統制", 7, "経理部…"}, // 6 cells of CJK, then the ellipsis
		{"経理部の統制", 6, "経理…"},  // a wide character never straddles the edge
		{"👩‍💼👩‍💼👩‍💼", 5, "👩‍💼👩‍💼…"},
		{"abc", 0, ""},
	}
	for _, c := range cases {
		got := truncate(c.in, c.w)
		if got != c.want {
			t.Errorf("truncate(%q, %d) = %q, want %q", c.in, c.w, got, c.want)
		}
		if ansi.StringWidth(got) > c.w {
			t.Errorf("truncate(%q, %d) is %d wide", c.in, c.w, ansi.StringWidth(got))
		}
	}
	for _, s := range []string{"ab", "経理部の統制", "a経b", "👩‍💼 x"} {
		for w := 1; w <= 8; w++ {
			if got := fit(s, w); ansi.StringWidth(got) != w {
				t.Errorf("fit(%q, %d) = %q is %d wide", s, w, got, ansi.StringWidth(got))
			}
		}
	}
}

func TestWrap(t *testing.T) {
	got := wrap("Access is reviewed quarterly by 経理部 owners\n\nsecond paragraph", 16)
	for _, l := range got {
		if ansi.StringWidth(l) > 16 {
			t.Errorf("line %q is wider than 16", l)
		}
	}
	if strings.Join(got, "|") != "Access is|reviewed|quarterly by|経理部 owners||second paragraph" {
		t.Errorf("wrap: %q", got)
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"x.fieldwork":         "x.fieldwork",
		"/tmp/a b.fieldwork":  "'/tmp/a b.fieldwork'",
		"it's.fieldwork":      `'it'\''s.fieldwork'`,
		"$(rm -rf).fieldwork": "'$(rm -rf).fieldwork'",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %q, want %q", in, got, want)
		}
	}
}

// isBidiControl reports the bidirectional controls sanitize must remove
// (an independent list, so the tests do not trust the code they test).
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

// The workbench words model's hints in its own terms: never a flag or a
// command line to type.
func TestHintsAreNotCLIAdvice(t *testing.T) {
	for _, h := range model.Hints {
		w := tuiWording(h, "file.fieldwork")
		if strings.Contains(w, "--") || strings.Contains(w, "fieldwork ") || strings.Contains(w, "'") {
			t.Errorf("hint %s is worded %q in the workbench", h, w)
		}
	}
}
