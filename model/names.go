package model

import (
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// User names are compared as people read them, not as bytes:
// "Maria.Chen", "maria.chen " and "ｍａｒｉａ.chen" are the same person to a
// reviewer, so the rule "the reviewer must be someone else" compares
// UserKey, not the raw strings. Names with characters nobody can see
// (zero-width, bidi overrides) are refused when recorded, so two names
// can never differ only by those.

// invisible reports whether r is a character that shows nothing, or
// reorders what follows: Unicode format characters (zero-width space and
// joiners, bidi marks and overrides, the BOM, soft hyphen), controls, and
// variation selectors.
func invisible(r rune) bool {
	return unicode.Is(unicode.Cf, r) || unicode.IsControl(r) ||
		unicode.Is(unicode.Variation_Selector, r) || r == '\u115F' || r == '\u1160' || r == '\u3164' || r == '\uFFA0'
}

// UserKey is the form in which user names are compared: invisible
// characters dropped, NFKC (compatibility forms such as full-width
// letters become the ordinary ones), Unicode case folding, and surrounding
// space trimmed and inner runs of space made one.
func UserKey(name string) string {
	name = strings.Map(func(r rune) rune {
		if invisible(r) {
			return -1
		}
		return r
	}, name)
	name = norm.NFKC.String(name)
	name = cases.Fold().String(name)
	return strings.Join(strings.Fields(name), " ")
}

// SameUser reports whether two user names name the same person.
func SameUser(a, b string) bool { return UserKey(a) == UserKey(b) }

// CheckUserName refuses a user or team member name that holds an
// invisible character, naming it (U+200B), so that no recorded name can
// pass for another.
func CheckUserName(name string) error {
	for _, r := range name {
		if invisible(r) {
			return fmt.Errorf("the name %q holds an invisible character (U+%04X): names that differ only by what cannot be seen are refused; type it without it", strings.Map(func(r rune) rune {
				if invisible(r) {
					return -1
				}
				return r
			}, name), r)
		}
	}
	if strings.TrimSpace(name) == "" {
		return fmt.Errorf("the user name is empty")
	}
	return nil
}
