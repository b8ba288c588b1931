package tui

import (
	"fmt"
	"testing"
)

// Goldens of each screen at 80×24 and 120×40 (go test ./tui -update
// rewrites them).
func TestGoldens(t *testing.T) {
	w := newWorkpaper(t, fixture{})
	screens := []struct {
		name string
		to   func(d *driver)
	}{
		{"dashboard", func(d *driver) {}},
		{"dashboard_help", func(d *driver) { d.press(d.keys().Help) }},
		{"criteria", func(d *driver) { d.press(d.keys().Criteria) }},
		{"criteria_filter", func(d *driver) {
			k := d.keys()
			d.press(k.Criteria)
			d.press(k.Filter)
			d.typeText("access")
		}},
		{"criterion", func(d *driver) {
			d.press(d.keys().Criteria)
			d.send(openCriterion("CC6.1")())
		}},
		{"criterion_gap", func(d *driver) {
			d.press(d.keys().Criteria)
			d.press(d.keys().NextGap)
			d.press(d.keys().Open)
		}},
		{"control", func(d *driver) {
			d.press(d.keys().Criteria)
			d.send(openCriterion("CC6.1")())
			d.press(d.keys().Open)
		}},
	}
	for _, sc := range screens {
		for _, size := range [][2]int{{80, 24}, {120, 40}} {
			name := fmt.Sprintf("%s_%dx%d", sc.name, size[0], size[1])
			t.Run(name, func(t *testing.T) {
				d := start(t, w, size[0], size[1])
				sc.to(d)
				requireGolden(t, name, d.view())
			})
		}
	}
}

func TestGoldenReadOnlyDashboard(t *testing.T) {
	d := start(t, newWorkpaper(t, fixture{readOnly: true}), 80, 24)
	requireGolden(t, "dashboard_readonly_80x24", d.view())
}

func TestGoldenEmptyEngagement(t *testing.T) {
	d := start(t, newWorkpaper(t, fixture{noControls: true}), 120, 40)
	requireGolden(t, "dashboard_nocontrols_120x40", d.view())
}
