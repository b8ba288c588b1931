package model

import "testing"

// Issue 13 item 7b (part): dates as ticketing, HR and cloud systems export
// them are read.
func TestExportedDateFormats(t *testing.T) {
	for _, s := range []string{
		"3/7/2026 7:29:52 PM",      // Excel, Azure DevOps (US)
		"07/Mar/26 7:29 PM",        // Jira's default CSV export
		"Mar 7, 2026, 7:29:52 PM",  // long US form
		"Saturday, March 7, 2026",  // with the weekday
		"07.03.2026",               // dotted, day-first
		"2026/3/7",                 // year-first without zeros
		"20260307",                 // compact
		"2026-03-07T19:29:52.123Z", // GitHub, Okta, AWS
		"2026-03-07 19:29:52",      // ServiceNow
	} {
		d, ok := ParseOccurrenceDate(s)
		if !ok || formatDate(d) != "2026-03-07" {
			t.Errorf("%q: %v %v, want 2026-03-07", s, d, ok)
		}
	}
}
