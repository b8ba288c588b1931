package tui

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

func TestEveryBindingCanBePressed(t *testing.T) {
	km := reflect.ValueOf(*defaultKeyMap())
	for i := range km.NumField() {
		b := km.Field(i).Interface().(key.Binding)
		name := km.Type().Field(i).Name
		if len(b.Keys()) == 0 {
			t.Errorf("%s has no key", name)
			continue
		}
		if h := b.Help(); h.Key == "" || h.Desc == "" {
			t.Errorf("%s has no help text", name)
		}
		if !key.Matches(keyMsg(b), b) {
			t.Errorf("%s: pressing %q does not match it", name, b.Keys()[0])
		}
	}
}

func TestLoadingThenLoaded(t *testing.T) {
	w := newWorkpaper(t, fixture{})
	m := New(w, Options{Now: clock})
	nm, _ := m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	m = nm.(Model)
	if v := m.View(); !strings.Contains(v, "loading the workpaper") || !strings.Contains(v, "Loading the workpaper") {
		t.Fatalf("before the load, the view should say it is loading:\n%s", v)
	}
	// A load answered for an older request is ignored.
	stale := loadWorkpaper(m.common.ctx, w, m.loadID-1)()
	nm, _ = m.Update(stale)
	if nm.(Model).data != nil {
		t.Fatal("a stale load was taken")
	}
	nm, _ = m.Update(loadWorkpaper(m.common.ctx, w, m.loadID)())
	m = nm.(Model)
	if m.data == nil || m.loading {
		t.Fatal("the load was not taken")
	}
	if v := m.View(); !strings.Contains(v, "Northwind Payroll Inc.") || strings.Contains(v, "loading") {
		t.Fatalf("after the load:\n%s", v)
	}
}

func TestLoadErrorShowsInStatusLine(t *testing.T) {
	w := newWorkpaper(t, fixture{})
	d := &driver{t: t, m: New(w, Options{Now: clock})}
	d.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	d.send(workpaperLoadedMsg{id: d.m.loadID, err: errors.New("the workpaper is busy: another fieldwork is writing it")})
	v := d.view()
	if !strings.Contains(v, "✗ the workpaper is busy") || !strings.Contains(v, "Press r to try again") {
		t.Fatalf("the error should show in the status line and the body:\n%s", v)
	}
	if lines := strings.Split(v, "\n"); len(lines) != 24 {
		t.Fatalf("view has %d lines, want 24", len(lines))
	}
	d.press(d.keys().Reload)
	if d.m.data == nil || d.m.err != nil {
		t.Fatal("reload did not recover")
	}
}

func TestTabsAndNumberKeys(t *testing.T) {
	d := start(t, newWorkpaper(t, fixture{}), 80, 24)
	k := d.keys()
	if d.m.active != tabDashboard {
		t.Fatal("the dashboard should come first")
	}
	for _, step := range []struct {
		keys []key.Binding
		want tab
		what string
	}{
		{[]key.Binding{k.NextTab}, tabCriteria, "tab should show the criteria"},
		{[]key.Binding{k.PrevTab, k.PrevTab}, tabExport, "shift+tab should wrap around to the last screen"},
		{[]key.Binding{k.NextTab}, tabDashboard, "tab should wrap around to the dashboard"},
		{[]key.Binding{k.Dashboard}, tabDashboard, "1 should show the dashboard"},
		{[]key.Binding{k.Criteria}, tabCriteria, "2 should show the criteria"},
	} {
		for _, b := range step.keys {
			d.press(b)
		}
		if d.m.active != step.want {
			t.Fatal(step.what)
		}
	}
}

func TestWalkCriterionToControlAndBack(t *testing.T) {
	d := start(t, newWorkpaper(t, fixture{}), 120, 40)
	k := d.keys()
	d.press(k.Criteria)
	cp := d.active().(*criteriaPage)
	if r, _ := cp.list.Selected(); r.crit.Ref != "CC1.1" {
		t.Fatalf("the cursor starts on %q, want CC1.1", r.crit.Ref)
	}
	d.press(k.Down)
	d.press(k.Down)
	if r, _ := cp.list.Selected(); r.crit.Ref != "CC1.3" {
		t.Fatalf("after two downs the cursor is on %q, want CC1.3", r.crit.Ref)
	}

	// Filter to CC6.1 and open it.
	d.press(k.Filter)
	if !d.active().InputFocused() {
		t.Fatal("/ should start the filter")
	}
	d.typeText("cc6.1")
	d.press(k.AcceptFilter)
	if r, _ := cp.list.Selected(); r.crit.Ref != "CC6.1" {
		t.Fatalf("the filter selected %q, want CC6.1", r.crit.Ref)
	}
	d.press(k.Open)
	crit, ok := d.active().(*criterionPage)
	if !ok || crit.ref != "CC6.1" || d.depth() != 2 {
		t.Fatalf("enter should open CC6.1; active page %T, depth %d", d.active(), d.depth())
	}
	v := d.view()
	for _, want := range []string{"Criteria › CC6.1", "Controls mapped (3)", "LA-01", "LA-02", "CF-01", "✓ covered by 3 controls"} {
		if !strings.Contains(v, want) {
			t.Errorf("criterion view lacks %q:\n%s", want, v)
		}
	}

	// Open the second control.
	d.press(k.Down)
	d.press(k.Open)
	ctrl, ok := d.active().(*controlPage)
	if !ok || ctrl.ref != "LA-02" || !ctrl.wd.loaded {
		t.Fatalf("enter should open and load LA-02; active %T", d.active())
	}
	v = d.view()
	for _, want := range []string{"Criteria › CC6.1 › LA-02", "multi-factor authentication", "IT Operations", "continuous", "automated",
		"CC6.6", "Boundary protection against outside threats", "WP-LA-02", "Test of design"} {
		if !strings.Contains(v, want) {
			t.Errorf("control view lacks %q:\n%s", want, v)
		}
	}

	// q goes back when nested; esc too; at the top esc clears the filter.
	d.press(k.Quit)
	if d.quit || d.depth() != 2 {
		t.Fatalf("q in a nested screen should go back, not quit (depth %d)", d.depth())
	}
	d.press(k.Back)
	if d.depth() != 1 {
		t.Fatalf("esc should go back to the criteria (depth %d)", d.depth())
	}
	if !cp.list.Filtered() {
		t.Fatal("the filter should survive the visit")
	}
	d.press(k.Back)
	if cp.list.Filtered() {
		t.Fatal("esc on a filtered list should clear the filter")
	}
	if r, _ := cp.list.Selected(); r.crit.Ref != "CC6.1" {
		t.Fatalf("clearing the filter should keep the cursor on CC6.1, not %q", r.crit.Ref)
	}
	d.press(k.Quit)
	if !d.quit {
		t.Fatal("q at the top level should quit")
	}
}

func TestTabKeepsEachStack(t *testing.T) {
	d := start(t, newWorkpaper(t, fixture{}), 80, 24)
	k := d.keys()
	d.press(k.Criteria)
	d.press(k.Open) // CC1.1
	d.press(k.Dashboard)
	if d.depth() != 1 || d.m.active != tabDashboard {
		t.Fatal("1 should show the dashboard")
	}
	d.press(k.Criteria)
	if d.depth() != 2 {
		t.Fatal("returning to the criteria should show the opened criterion")
	}
	d.press(k.Criteria)
	if d.depth() != 1 {
		t.Fatal("2 on the criteria should go back to the walk's first screen")
	}
}

func TestFilterTakesEveryKeyButCtrlC(t *testing.T) {
	d := start(t, newWorkpaper(t, fixture{}), 80, 24)
	k := d.keys()
	d.press(k.Criteria)
	d.press(k.Filter)
	// q, 1, ?, tab and n are text while filtering.
	d.typeText("q1?n")
	if d.quit || d.m.active != tabCriteria || d.m.help.ShowAll {
		t.Fatal("keys typed into the filter were taken as commands")
	}
	cp := d.active().(*criteriaPage)
	if cp.list.Query() != "q1?n" {
		t.Fatalf("filter is %q", cp.list.Query())
	}
	if !strings.Contains(d.view(), "Nothing matches") {
		t.Fatalf("an unmatched filter should say so:\n%s", d.view())
	}
	d.press(k.DeleteChar)
	if cp.list.Query() != "q1?" {
		t.Fatalf("backspace should delete a character, got %q", cp.list.Query())
	}
	d.typeText(" two words")
	d.press(k.DeleteWord)
	if cp.list.Query() != "q1? two " {
		t.Fatalf("ctrl+w should delete a word, got %q", cp.list.Query())
	}
	d.press(k.DeleteAll)
	if cp.list.Query() != "" {
		t.Fatalf("ctrl+u should empty the filter, got %q", cp.list.Query())
	}
	d.typeText("privacy")
	if _, total := cp.list.Position(); total != 18 {
		t.Fatalf("filtering by a category's name should keep its 18 criteria, got %d", total)
	}
	d.press(k.CancelFilter)
	if cp.list.Filtered() || cp.InputFocused() {
		t.Fatal("esc while typing should cancel the filter")
	}
	d.press(k.Filter)
	d.press(k.ForceQuit)
	if !d.quit {
		t.Fatal("ctrl+c should quit even while typing")
	}
}

func TestFilterByControlRef(t *testing.T) {
	d := start(t, newWorkpaper(t, fixture{}), 80, 24)
	k := d.keys()
	d.press(k.Criteria)
	d.press(k.Filter)
	d.typeText("chg-01")
	cp := d.active().(*criteriaPage)
	var refs []string
	for _, r := range cp.list.Rows() {
		if r.kind == rowCriterion {
			refs = append(refs, r.crit.Ref)
		}
	}
	if strings.Join(refs, ",") != "CC8.1,CC9.1" {
		t.Fatalf("filtering by a control should list the criteria it addresses, got %v", refs)
	}
}

func TestNextGap(t *testing.T) {
	d := start(t, newWorkpaper(t, fixture{}), 80, 24)
	k := d.keys()
	d.press(k.Criteria)
	cp := d.active().(*criteriaPage)
	var got []string
	for range 5 {
		d.press(k.NextGap)
		r, _ := cp.list.Selected()
		got = append(got, r.crit.Ref)
	}
	if want := "CC1.2,CC3.3,CC9.2,C1.2,CC1.2"; strings.Join(got, ",") != want {
		t.Fatalf("n visits %v, want %s", got, want)
	}
	d.press(k.PrevGap)
	if r, _ := cp.list.Selected(); r.crit.Ref != "C1.2" {
		t.Fatalf("N should go back to C1.2, got %s", r.crit.Ref)
	}
}

func TestOutOfScopeAndGapRows(t *testing.T) {
	d := start(t, newWorkpaper(t, fixture{}), 80, 24)
	d.press(d.keys().Criteria)
	cp := d.active().(*criteriaPage)
	var gap, out, covered string
	for _, r := range cp.list.Items() {
		if r.kind != rowCriterion {
			continue
		}
		line := cp.renderRow(r, 80, false)
		switch r.crit.Ref {
		case "CC1.2":
			gap = line
		case "P1.1":
			out = line
		case "CC1.1":
			covered = line
		}
	}
	if !strings.Contains(gap, "✗ gap") {
		t.Errorf("a gap should read ✗ gap: %q", gap)
	}
	if !strings.Contains(out, "– out of scope") {
		t.Errorf("an out-of-scope criterion should say so: %q", out)
	}
	if !strings.Contains(covered, "✓ 1 control") {
		t.Errorf("a covered criterion should read ✓ 1 control: %q", covered)
	}
}

func TestHelpToggleRelaysOut(t *testing.T) {
	d := start(t, newWorkpaper(t, fixture{}), 120, 40)
	k := d.keys()
	d.press(k.Criteria)
	before := d.m.bodyH
	d.press(k.Help)
	if !d.m.help.ShowAll || d.m.bodyH >= before {
		t.Fatalf("? should show the full help and shrink the screen (body %d → %d)", before, d.m.bodyH)
	}
	v := d.view()
	if !strings.Contains(v, "close help") || !strings.Contains(v, "next gap") || !strings.Contains(v, "page down") {
		t.Fatalf("full help is missing bindings:\n%s", v)
	}
	if n := len(strings.Split(v, "\n")); n != 40 {
		t.Fatalf("the view has %d lines, want 40", n)
	}
	d.press(k.Help)
	if d.m.help.ShowAll || d.m.bodyH != before {
		t.Fatal("? again should close the help")
	}
}

func TestResizeRelaysOut(t *testing.T) {
	d := start(t, newWorkpaper(t, fixture{}), 120, 40)
	d.press(d.keys().Criteria)
	cp := d.active().(*criteriaPage)
	if cp.ctrlW == 0 {
		t.Fatal("at 120 columns the walk should list the controls")
	}
	d.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	if cp.ctrlW != 0 || cp.width != 80 || cp.height != d.m.bodyH {
		t.Fatalf("after a resize to 80×24: ctrlW %d, size %d×%d", cp.ctrlW, cp.width, cp.height)
	}
	// The dashboard (not shown) was laid out too.
	dp := d.m.tabs[tabDashboard][0].(*dashboardPage)
	if dp.width != 80 {
		t.Fatal("hidden screens should be laid out on resize")
	}
}

// Every screen fills the terminal exactly, at many sizes, without a line
// wider than the terminal: hostile client text included.
func TestViewsFitTheTerminal(t *testing.T) {
	w := newWorkpaper(t, fixture{hostile: true, client: "Ñandú 株式会社 \x1b[2J👩‍💼 Holdings with a remarkably long legal name, Incorporated"})
	sizes := [][2]int{{40, 10}, {41, 12}, {60, 20}, {80, 24}, {99, 30}, {100, 30}, {120, 40}, {200, 60}, {30, 8}}
	for _, sz := range sizes {
		d := start(t, w, sz[0], sz[1])
		k := d.keys()
		check := func(where string) {
			t.Helper()
			v := d.view()
			lines := strings.Split(v, "\n")
			if len(lines) != sz[1] {
				t.Errorf("%dx%d %s: %d lines", sz[0], sz[1], where, len(lines))
			}
			for i, l := range lines {
				if wd := ansi.StringWidth(l); wd > sz[0] {
					t.Errorf("%dx%d %s: line %d is %d wide: %q", sz[0], sz[1], where, i, wd, l)
				}
			}
			if strings.ContainsAny(v, "\x1b\x00\x07\u009b\u202e") {
				t.Errorf("%dx%d %s: control characters reached the screen: %q", sz[0], sz[1], where, v)
			}
		}
		check("dashboard")
		d.press(k.Help)
		check("dashboard with help")
		d.press(k.Help)
		d.press(k.Criteria)
		check("criteria")
		d.press(k.Filter)
		d.typeText("la-01")
		check("criteria filtering")
		d.press(k.AcceptFilter)
		d.press(k.Open)
		check("criterion")
		d.press(k.Open)
		check("control")
		d.press(k.Bottom)
		check("control scrolled")
	}
}

func TestHostileTextIsSanitizedOnScreen(t *testing.T) {
	w := newWorkpaper(t, fixture{hostile: true})
	d := start(t, w, 120, 40)
	k := d.keys()
	d.press(k.Criteria)
	d.press(k.Filter)
	d.typeText("la-01")
	d.press(k.AcceptFilter)
	d.press(k.Open)
	d.press(k.Open)
	v := d.view()
	if !strings.Contains(v, "Access RED is reviewed quarterly by 経理部 👩‍💼 and⟨U+202E⟩ evil") || !strings.Contains(v, "second line") {
		t.Fatalf("the description should show without its escape sequences:\n%s", v)
	}
	if strings.Contains(v, "pwned") {
		t.Fatal("an OSC payload reached the screen")
	}
}

func TestControlNotFoundShowsError(t *testing.T) {
	d := start(t, newWorkpaper(t, fixture{}), 80, 24)
	d.send(openControl("NOPE-9")())
	v := d.view()
	if !strings.Contains(v, "Could not read control NOPE-9") || !strings.Contains(v, "✗ no such control") {
		t.Fatalf("a missing control should show in the page and the status line:\n%s", v)
	}
	d.press(d.keys().Back)
	if d.depth() != 1 {
		t.Fatal("esc should leave the failed screen")
	}
}

func TestReloadRefreshesOpenControl(t *testing.T) {
	w := newWorkpaper(t, fixture{})
	d := start(t, w, 80, 24)
	d.send(openControl("CHG-01")())
	in := testControls(map[string]string{"CHG-01": "Changes are approved by the change advisory board."})
	if _, err := w.ImportControls(t.Context(), in, "matrix-v2.xlsx"); err != nil {
		t.Fatal(err)
	}
	d.press(d.keys().Reload)
	if v := d.view(); !strings.Contains(v, "change advisory board") {
		t.Fatalf("reload should show the new version:\n%s", v)
	}
}

func TestMouse(t *testing.T) {
	d := start(t, newWorkpaper(t, fixture{}), 80, 24)
	d.press(d.keys().Criteria)
	cp := d.active().(*criteriaPage)
	// Screen rows: 0 tabs, 1 breadcrumb, 2 summary, 3 "Security" heading, 4 CC1.1, 5 CC1.2 …
	click := tea.MouseMsg{X: 10, Y: 6, Action: tea.MouseActionPress, Button: tea.MouseButtonLeft}
	d.send(click)
	if r, _ := cp.list.Selected(); r.crit.Ref != "CC1.3" {
		t.Fatalf("a click on row 6 should select CC1.3, got %s", r.crit.Ref)
	}
	d.send(click)
	if p, ok := d.active().(*criterionPage); !ok || p.ref != "CC1.3" {
		t.Fatal("a second click on the selected row should open it")
	}
	d.press(d.keys().Back)
	d.send(tea.MouseMsg{Y: 10, Action: tea.MouseActionPress, Button: tea.MouseButtonWheelDown})
	if r, _ := cp.list.Selected(); r.crit.Ref != "CC1.4" {
		t.Fatalf("the wheel should move down, got %s", r.crit.Ref)
	}
	// A click on "1 Dashboard" in the first line shows the dashboard.
	d.send(tea.MouseMsg{X: 13, Y: 0, Action: tea.MouseActionPress, Button: tea.MouseButtonLeft})
	if d.m.active != tabDashboard {
		t.Fatal("a click on the dashboard's tab should show it")
	}
}

func TestReadOnlyIsShown(t *testing.T) {
	d := start(t, newWorkpaper(t, fixture{readOnly: true}), 80, 24)
	v := d.view()
	if !strings.Contains(v, "READ-ONLY: nothing can be changed (opened read-only)") {
		t.Fatalf("the dashboard should carry the read-only banner with its reason:\n%s", v)
	}
	if lines := strings.Split(v, "\n"); !strings.Contains(lines[0], "READ-ONLY") {
		t.Fatalf("the header should say READ-ONLY on every screen: %q", lines[0])
	}
}

func TestNextSteps(t *testing.T) {
	w := newWorkpaper(t, fixture{noControls: true})
	d := start(t, w, 120, 40)
	steps := stepsText(nextSteps(d.m.data))
	if !strings.Contains(steps, "No controls yet: press I to import the client's control matrix. $ fieldwork controls import northwind.fieldwork MATRIX.xlsx") {
		t.Errorf("no controls: %s", steps)
	}
	d = start(t, newWorkpaper(t, fixture{}), 120, 40)
	steps = stepsText(nextSteps(d.m.data))
	if !strings.Contains(steps, "4 criteria have no control") {
		t.Errorf("gaps: %s", steps)
	}
	if strings.Contains(steps, "carved out") {
		t.Errorf("Stratus Cloud has a CSOC: %s", steps)
	}
}

func TestTooSmall(t *testing.T) {
	d := start(t, newWorkpaper(t, fixture{}), 30, 8)
	if v := d.view(); !strings.Contains(v, "needs at least") {
		t.Fatalf("a tiny terminal should say so:\n%s", v)
	}
}

// Keys that arrive together come as one message with several runes; each
// is taken on its own, and those after "/" go into the filter.
func TestBurstOfKeys(t *testing.T) {
	d := start(t, newWorkpaper(t, fixture{}), 80, 24)
	d.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("2nn")})
	cp, ok := d.active().(*criteriaPage)
	if !ok {
		t.Fatal("2 in a burst should show the criteria")
	}
	if r, _ := cp.list.Selected(); r.crit.Ref != "CC3.3" {
		t.Fatalf("n n in a burst should reach the second gap, got %s", r.crit.Ref)
	}
	d.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("/cc8")})
	if cp.list.Query() != "cc8" || !cp.InputFocused() {
		t.Fatalf("the runes after / should be typed into the filter, got %q", cp.list.Query())
	}
	d.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q1"), Paste: true})
	if cp.list.Query() != "cc8q1" || d.quit {
		t.Fatalf("a paste goes into the filter whole, got %q", cp.list.Query())
	}
}

func stepsText(steps []step) string {
	var b strings.Builder
	for _, s := range steps {
		b.WriteString(s.text + " $ " + s.cmd + "\n")
	}
	return b.String()
}
