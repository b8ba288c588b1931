package export

import (
	"fmt"
	"strings"
	"unicode/utf16"
)

// reservedSheetNames cannot be used by a control test sheet: the fixed
// sheets, and "History", which Excel reserves.
var reservedSheetNames = []string{SheetCover, SheetMatrix, SheetSection4, SheetExceptions, SheetNotes, SheetPBC,
	SheetInterviews, SheetComplementary, SheetOpinion, SheetTrail, "History"}

// SheetName makes a W/P reference into a valid sheet name: control and
// other characters a sheet name cannot hold ([ ] : * ? / \) become "-",
// leading and trailing apostrophes and spaces go, and the result is cut to
// 31 characters (UTF-16 units, as Excel counts). An empty result is "W-P".
func SheetName(ref string) string {
	var b strings.Builder
	for _, r := range CellText(ref) {
		switch {
		case r == '\t' || r == '\n':
			b.WriteByte(' ')
		case strings.ContainsRune(`[]:*?/\`, r):
			b.WriteByte('-')
		default:
			b.WriteRune(r)
		}
	}
	s := strings.Join(strings.Fields(b.String()), " ")
	s = strings.Trim(s, "' ")
	s = cutUTF16(s, 31)
	s = strings.TrimRight(s, "' ")
	if s == "" {
		s = "W-P"
	}
	return s
}

// cutUTF16 cuts s to at most n UTF-16 units without splitting a character.
func cutUTF16(s string, n int) string {
	units := 0
	for i, r := range s {
		w := utf16.RuneLen(r)
		if units+w > n {
			return s[:i]
		}
		units += w
	}
	return s
}

// sheetNamer hands out unique sheet names. Excel compares sheet names
// without regard to case.
type sheetNamer struct{ used map[string]bool }

func newSheetNamer() *sheetNamer {
	n := &sheetNamer{used: map[string]bool{}}
	for _, r := range reservedSheetNames {
		n.used[strings.ToLower(r)] = true
	}
	return n
}

// name returns SheetName(ref), or, when that is taken, the same cut
// shorter and followed by " (2)", " (3)", …
func (n *sheetNamer) name(ref string) string {
	base := SheetName(ref)
	name := base
	for i := 2; n.used[strings.ToLower(name)]; i++ {
		suffix := fmt.Sprintf(" (%d)", i)
		name = strings.TrimRight(cutUTF16(base, 31-len(suffix)), "' ") + suffix
	}
	n.used[strings.ToLower(name)] = true
	return name
}
