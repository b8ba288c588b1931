package model

import "testing"

func TestSameUser(t *testing.T) {
	for _, c := range []struct {
		a, b string
		same bool
	}{
		{"maria.chen", "Maria.Chen", true},
		{"maria.chen", "maria.chen ", true},
		{"maria.chen", "maria\u200b.chen", true},
		{"maria.chen", "ｍａｒｉａ.ｃｈｅｎ", true},
		{"maria.chen", "MARIA.CHEN\u202e", true},
		{"Straße", "STRASSE", true},
		{"maria.chen", "maria.chen2", false},
		{"maria.chen", "mario.chen", false},
	} {
		if got := SameUser(c.a, c.b); got != c.same {
			t.Errorf("SameUser(%q, %q) = %v", c.a, c.b, got)
		}
	}
	for _, bad := range []string{"maria\u200b.chen", "maria.chen\u202e", "\ufeffmaria", "maria\u00ad.chen", "  "} {
		if CheckUserName(bad) == nil {
			t.Errorf("CheckUserName(%q) accepted", bad)
		}
	}
	if err := CheckUserName("María Chén-Ortiz"); err != nil {
		t.Error(err)
	}
}
