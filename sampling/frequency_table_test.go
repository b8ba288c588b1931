package sampling

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestDefaultFrequencySizes(t *testing.T) {
	tab := DefaultFrequencyTable()
	if err := tab.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		f           Frequency
		lower, high int
	}{
		{Annual, 1, 1}, {SemiAnnual, 1, 2}, {Quarterly, 2, 2}, {Monthly, 2, 5}, {Weekly, 5, 15},
		{Daily, 20, 40}, {MultipleDaily, 25, 60}, {Continuous, 1, 1},
	} {
		lo, err := tab.Size(c.f, LowerRisk, 0)
		if err != nil {
			t.Fatal(err)
		}
		hi, err := tab.Size(c.f, HigherRisk, 0)
		if err != nil {
			t.Fatal(err)
		}
		if lo.SampleSize != c.lower || hi.SampleSize != c.high || lo.TestAll || lo.Rule == "" {
			t.Errorf("%s: %+v / %+v", c.f, lo, hi)
		}
		// "" is lower risk.
		if d, _ := tab.Size(c.f, "", 0); d.SampleSize != c.lower || d.Risk != LowerRisk {
			t.Errorf("%s default risk: %+v", c.f, d)
		}
	}
	s, _ := tab.Size(Continuous, LowerRisk, 0)
	if !strings.Contains(s.Note, "IT general controls") {
		t.Errorf("continuous note: %q", s.Note)
	}
}

func TestSmallPopulations(t *testing.T) {
	tab := DefaultFrequencyTable()
	// A weekly control that operated 4 times at higher risk (15): all 4.
	s, err := tab.Size(Weekly, HigherRisk, 4)
	if err != nil || s.SampleSize != 4 || !s.TestAll {
		t.Errorf("weekly N=4: %+v %v", s, err)
	}
	// Equal: test all.
	s, _ = tab.Size(Daily, LowerRisk, 20)
	if s.SampleSize != 20 || !s.TestAll {
		t.Errorf("daily N=20: %+v", s)
	}
	s, _ = tab.Size(Daily, LowerRisk, 21)
	if s.SampleSize != 20 || s.TestAll {
		t.Errorf("daily N=21: %+v", s)
	}
}

func TestAdHocBands(t *testing.T) {
	tab := DefaultFrequencyTable()
	for _, c := range []struct {
		N, lower, higher int
	}{
		{1, 1, 1}, {10, 10, 10}, {11, 8, 11}, {14, 8, 14}, {15, 8, 15}, {50, 8, 15}, {51, 15, 25}, {250, 15, 25},
		{251, 25, 40}, {10_000, 25, 40},
	} {
		lo, err := tab.Size(AdHoc, LowerRisk, c.N)
		if err != nil {
			t.Fatal(err)
		}
		hi, _ := tab.Size(AdHoc, HigherRisk, c.N)
		if lo.SampleSize != c.lower || hi.SampleSize != c.higher {
			t.Errorf("N=%d: %d/%d, want %d/%d", c.N, lo.SampleSize, hi.SampleSize, c.lower, c.higher)
		}
		if lo.TestAll != (c.lower == c.N) {
			t.Errorf("N=%d: test all %v", c.N, lo.TestAll)
		}
	}
	if _, err := tab.Size(AdHoc, LowerRisk, 0); err == nil {
		t.Error("ad-hoc without a population accepted")
	}
	if _, err := tab.Size(Daily, "medium", 0); err == nil {
		t.Error("unknown risk accepted")
	}
	if _, err := tab.Size("fortnightly", LowerRisk, 0); err == nil {
		t.Error("unknown frequency accepted")
	}
	if _, err := tab.Size(Daily, LowerRisk, -1); err == nil {
		t.Error("negative population accepted")
	}
}

func TestFrequencyTableOverrideAndJSON(t *testing.T) {
	def := DefaultFrequencyTable()
	firm := def.Clone()
	firm.Sizes[Daily] = SizeRange{Lower: 25, Higher: 45}
	firm.AdHoc[3].Higher = 60
	if def.Sizes[Daily].Lower != 20 || def.AdHoc[3].Higher != 40 {
		t.Fatal("Clone shares storage with the original")
	}
	if err := firm.Validate(); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(firm)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"sizes":{`, `"daily":{"lower":25,"higher":45}`, `"ad_hoc":[{"min_population":1,"lower":0,"higher":0}`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("%s lacks %s", b, want)
		}
	}
	var back FrequencyTable
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if s, _ := back.Size(Daily, HigherRisk, 0); s.SampleSize != 45 {
		t.Errorf("round trip: %+v", s)
	}

	for name, edit := range map[string]func(*FrequencyTable){
		"missing":        func(t *FrequencyTable) { delete(t.Sizes, Monthly) },
		"zero":           func(t *FrequencyTable) { t.Sizes[Weekly] = SizeRange{0, 5} },
		"inverted":       func(t *FrequencyTable) { t.Sizes[Weekly] = SizeRange{15, 5} },
		"ad-hoc in map":  func(t *FrequencyTable) { t.Sizes[AdHoc] = SizeRange{1, 1} },
		"unknown":        func(t *FrequencyTable) { t.Sizes["hourly"] = SizeRange{1, 1} },
		"no bands":       func(t *FrequencyTable) { t.AdHoc = nil },
		"first band":     func(t *FrequencyTable) { t.AdHoc[0].MinPopulation = 2 },
		"unordered":      func(t *FrequencyTable) { t.AdHoc[2].MinPopulation = 11 },
		"negative":       func(t *FrequencyTable) { t.AdHoc[1].Lower = -1 },
		"band inverted":  func(t *FrequencyTable) { t.AdHoc[1].Higher = 5 },
		"all then fewer": func(t *FrequencyTable) { t.AdHoc[0].Higher = 3 },
	} {
		bad := DefaultFrequencyTable()
		edit(&bad)
		if err := bad.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
		if _, err := bad.Size(Annual, LowerRisk, 0); err == nil {
			t.Errorf("%s: Size used an invalid table", name)
		}
	}
}

func TestParseRisk(t *testing.T) {
	for in, want := range map[string]Risk{"": LowerRisk, "lower": LowerRisk, "Low": LowerRisk, "HIGHER": HigherRisk, "high": HigherRisk} {
		if got, err := ParseRisk(in); err != nil || got != want {
			t.Errorf("ParseRisk(%q) = %v %v", in, got, err)
		}
	}
	if _, err := ParseRisk("moderate"); err == nil {
		t.Error("moderate accepted")
	}
}
