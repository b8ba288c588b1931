package sampling

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

func TestParseRate(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Rate
	}{
		{"5", 50_000},
		{"5%", 50_000},
		{" 5 % ", 50_000},
		{"0.05", 50_000},
		{".05", 50_000},
		{"95", 950_000},
		{"0.95", 950_000},
		{"3.25", 32_500},
		{"3.25%", 32_500},
		{"0.0325", 32_500},
		{"0.5", 500_000}, // a bare number below 1 is a fraction
		{"0.5%", 5_000},
		{"1", 10_000}, // 1 or more is a percent
		{"1.0", 10_000},
		{"0", 0},
		{"0%", 0},
		{"0.00", 0},
		{"100", 1_000_000},
		{"100%", 1_000_000},
		{"12.5", 125_000},
		{"0.0001%", 1},
		{"0.000001", 1},
		{"007.50", 75_000},
		{"5.", 50_000},
		{"2.50000000", 25_000},
	} {
		got, err := ParseRate(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseRate(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	for _, in := range []string{"", "%", ".", "-5", "-0.05", "abc", "5%%", "1e-2", "5,5", "0x10", "101", "100.01%",
		"1.5.2", "NaN", "Inf", "+5", "0.00001%", "0.0000001", "99999999999999999999", "5 %x", "½"} {
		if got, err := ParseRate(in); err == nil {
			t.Errorf("ParseRate(%q) = %v, want an error", in, got)
		}
	}
	_, err := ParseRate("-5")
	if err == nil || !strings.Contains(err.Error(), "negative") {
		t.Errorf("negative: %v", err)
	}
}

func TestRateFormat(t *testing.T) {
	for _, c := range []struct {
		r    Rate
		str  string
		json string
	}{
		{50_000, "5%", "0.05"},
		{32_500, "3.25%", "0.0325"},
		{0, "0%", "0"},
		{1_000_000, "100%", "1"},
		{1, "0.0001%", "0.000001"},
		{950_000, "95%", "0.95"},
	} {
		if got := c.r.String(); got != c.str {
			t.Errorf("String(%d) = %q, want %q", c.r, got, c.str)
		}
		b, err := json.Marshal(c.r)
		if err != nil || string(b) != c.json {
			t.Errorf("JSON(%d) = %s %v, want %s", c.r, b, err, c.json)
		}
		var back Rate
		if err := json.Unmarshal(b, &back); err != nil || back != c.r {
			t.Errorf("round trip %s: %v %v", b, back, err)
		}
	}
	var r Rate
	for _, bad := range []string{`"5"`, `-0.05`, `1.5`, `1e-2`} {
		if err := json.Unmarshal([]byte(bad), &r); err == nil {
			t.Errorf("Unmarshal(%s) accepted: %v", bad, r)
		}
	}
	if RateFromFraction(0.035) != 35_000 || RateFromFraction(0.95) != 950_000 || Rate(50_000).Fraction() != 0.05 || Rate(32_500).Percent() != 3.25 {
		t.Error("conversions")
	}
}

// FuzzParseRate: whatever is typed, a rate is either rejected or lies in
// [0, 100%], prints back to something that parses to the same rate, and
// agrees with the float reading of the text.
func FuzzParseRate(f *testing.F) {
	for _, s := range []string{"5", "5%", "0.05", "3.25", "0.5", "1", "100", "0", ".5", "-1", "1e3", "99.9999%", "0.000001", " 7 % "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRate(s)
		if err != nil {
			return
		}
		if r < 0 || r > rateDenom {
			t.Fatalf("ParseRate(%q) = %d out of range", s, r)
		}
		back, err := ParseRate(r.String())
		if err != nil || back != r {
			t.Fatalf("ParseRate(%q) = %v; reparse of %q = %v, %v", s, r, r.String(), back, err)
		}
		b, _ := json.Marshal(r)
		var j Rate
		if err := json.Unmarshal(b, &j); err != nil || j != r {
			t.Fatalf("JSON round trip of %v: %s → %v %v", r, b, j, err)
		}
		// The exact reading agrees with a floating-point reading.
		num := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "%"))
		v, err := strconv.ParseFloat(num, 64)
		if err != nil {
			t.Fatalf("ParseRate(%q) accepted what ParseFloat rejects: %v", s, err)
		}
		if strings.HasSuffix(strings.TrimSpace(s), "%") || v >= 1 {
			v /= 100
		}
		if d := v - r.Fraction(); d > 1e-12 || d < -1e-12 {
			t.Fatalf("ParseRate(%q) = %v, float reading %v", s, r, v)
		}
	})
}
