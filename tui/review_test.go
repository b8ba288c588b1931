package tui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/fieldwork-audit/fieldwork/export"
	"github.com/fieldwork-audit/fieldwork/model"
)

// Goldens of the review screens on the demo, at 80×24 and 120×40.
func TestReviewGoldens(t *testing.T) {
	// The screens only read: one copy of the demo, a handle per user.
	users := map[string]*model.Workpaper{"maria.chen": demoWorkpaper(t, "maria.chen", false)}
	users["olivia.brandt"] = openAs(t, "harborview.fieldwork", "olivia.brandt", false)
	screens := []struct {
		name string
		user string
		to   func(d *driver)
	}{
		{"review_dashboard", "maria.chen", func(d *driver) {}},
		{"review_criteria", "maria.chen", func(d *driver) {
			d.press(d.keys().Criteria)
			selectRow(d.t, d, &d.active().(*criteriaPage).list, "CC8.1")
		}},
		{"review_criterion", "maria.chen", func(d *driver) { d.send(openCriterion("CC8.1")()) }},
		{"review_jump", "maria.chen", func(d *driver) {
			d.press(d.keys().Criteria)
			d.press(d.keys().JumpControl)
			d.typeText("chg")
		}},
		{"review_exceptions", "maria.chen", func(d *driver) { d.press(d.keys().Exceptions) }},
		{"review_exception", "maria.chen", func(d *driver) {
			d.press(d.keys().Exceptions)
			d.press(d.keys().Open)
		}},
		{"review_exception_edit", "maria.chen", func(d *driver) {
			d.press(d.keys().Exceptions)
			d.press(d.keys().Down)
			d.press(d.keys().EditRecord)
		}},
		{"review_notes", "maria.chen", func(d *driver) { d.press(d.keys().Review) }},
		{"review_note", "maria.chen", func(d *driver) {
			d.press(d.keys().Review)
			d.press(d.keys().Down)
			d.press(d.keys().Open)
		}},
		{"review_respond", "maria.chen", func(d *driver) {
			d.press(d.keys().Review)
			d.press(d.keys().Respond)
		}},
		{"review_signoff", "olivia.brandt", func(d *driver) {
			d.press(d.keys().SignOffs)
			selectRow(d.t, d, &d.active().(*signoffPage).list, "LA-03")
		}},
		{"review_trail", "maria.chen", func(d *driver) {
			d.press(d.keys().Trail)
		}},
		{"review_history", "maria.chen", func(d *driver) {
			d.press(d.keys().SignOffs)
			selectRow(d.t, d, &d.active().(*signoffPage).list, "LA-03")
			d.press(d.keys().History)
		}},
		{"review_verify", "maria.chen", func(d *driver) {
			d.press(d.keys().Trail)
			d.press(d.keys().Verify)
			d.active().(*verifyPage).took = 0 // the golden must not hold a duration
			d.active().(*verifyPage).layout()
		}},
		{"review_export", "maria.chen", func(d *driver) { d.press(d.keys().Export) }},
	}
	for _, sc := range screens {
		for _, size := range [][2]int{{80, 24}, {120, 40}} {
			name := fmt.Sprintf("%s_%dx%d", sc.name, size[0], size[1])
			t.Run(name, func(t *testing.T) {
				d := startDemo(t, users[sc.user], size[0], size[1])
				sc.to(d)
				requireGolden(t, name, d.view())
			})
		}
	}
	t.Run("review_dashboard_200x60", func(t *testing.T) {
		d := startDemo(t, users["maria.chen"], 200, 60)
		requireGolden(t, "review_dashboard_200x60", d.view())
	})
}

// Every review screen fills the terminal exactly at every size.
func TestReviewViewsFit(t *testing.T) {
	w := demoWorkpaper(t, "maria.chen", false)
	for _, sz := range [][2]int{{40, 10}, {60, 20}, {80, 24}, {100, 30}, {120, 40}, {160, 50}, {200, 60}} {
		d := startDemo(t, w, sz[0], sz[1])
		k := d.keys()
		check := func(where string) {
			t.Helper()
			lines := strings.Split(d.view(), "\n")
			if len(lines) != sz[1] {
				t.Errorf("%dx%d %s: %d lines", sz[0], sz[1], where, len(lines))
			}
			for i, l := range lines {
				if wd := ansi.StringWidth(l); wd > sz[0] {
					t.Errorf("%dx%d %s: line %d is %d wide: %q", sz[0], sz[1], where, i, wd, l)
				}
			}
		}
		check("dashboard")
		for _, tk := range []struct {
			name string
			key  func() // how to get there
		}{
			{"criteria", func() { d.press(k.Criteria) }},
			{"exceptions", func() { d.press(k.Exceptions) }},
			{"exception", func() { d.press(k.Open) }},
			{"exception edit", func() { d.press(k.EditRecord) }},
			{"notes", func() { d.press(k.ForceQuit); d.quit = false; d.press(k.Review) }},
			{"note", func() { d.press(k.Open) }},
			{"sign-off", func() { d.press(k.SignOffs) }},
			{"trail", func() { d.press(k.Trail) }},
			{"change", func() { d.press(k.Open) }},
			{"export", func() { d.press(k.Export) }},
		} {
			tk.key()
			check(tk.name)
		}
	}
}

func TestTabsOfTheReviewSide(t *testing.T) {
	d := startDemo(t, demoWorkpaper(t, "maria.chen", false), 80, 24)
	k := d.keys()
	for _, c := range []struct {
		b    func() tea.KeyMsg
		want tab
	}{
		{func() tea.KeyMsg { return keyMsg(k.Exceptions) }, tabExceptions},
		{func() tea.KeyMsg { return keyMsg(k.Review) }, tabReview},
		{func() tea.KeyMsg { return keyMsg(k.SignOffs) }, tabSignOff},
		{func() tea.KeyMsg { return keyMsg(k.Trail) }, tabTrail},
		{func() tea.KeyMsg { return keyMsg(k.Export) }, tabExport},
	} {
		d.send(c.b())
		if d.m.active != c.want {
			t.Fatalf("want tab %v, got %v", c.want, d.m.active)
		}
	}
	d.press(k.NextTab)
	if d.m.active != tabDashboard {
		t.Fatal("tab after the last screen should wrap to the dashboard")
	}
	// At 80 columns the inactive tabs show their key only.
	line := strings.Split(d.view(), "\n")[0]
	if !strings.Contains(line, "[1 Dashboard]") || !strings.Contains(line, " 7 ") || strings.Contains(line, "Exceptions") {
		t.Fatalf("tab line at 80 columns: %q", line)
	}
	// A click on "3" shows the exceptions.
	x := strings.Index(line, " 3 ")
	d.send(tea.MouseMsg{X: ansi.StringWidth(line[:x]) + 1, Y: 0, Action: tea.MouseActionPress, Button: tea.MouseButtonLeft})
	if d.m.active != tabExceptions {
		t.Fatalf("a click on 3 should show the exceptions, got %v", d.m.active)
	}
	// q quits from a top-level screen of the review side too.
	d.press(k.Quit)
	if !d.quit {
		t.Fatal("q at the top level should quit")
	}
}

func TestDashboardShowsProgressAndAttention(t *testing.T) {
	d := startDemo(t, demoWorkpaper(t, "maria.chen", false), 120, 40)
	d.want("Testing progress (46 controls)", "█ 1 reviewed", "▓ 1 tested", "▒ 2 in progress", "░ 42 not started",
		"Needs attention", "CC8.1", "not met", "2 exceptions logged", "EX-01", "systemic", "Review notes: 1 open, 1 responded",
		"Changed since review: LA-03", "3 client requests outstanding", "What to do next")
	first, later := progressSteps(d.m.tabs[tabDashboard][0].(*dashboardPage).prog, d.m.data, d.keys(), demoNow)
	steps := stepsText(append(first, later...))
	for _, want := range []string{"CC8.1 not met", "LA-03 changed after the review", "responded: the reviewer", "open: the preparer responds (4)",
		"Follow up with the client on PBC-003", "--ref PBC-003"} {
		if !strings.Contains(steps, want) {
			t.Errorf("the next steps lack %q:\n%s", want, steps)
		}
	}
}

func TestStackedBarReadsWithoutColour(t *testing.T) {
	d := startDemo(t, demoWorkpaper(t, "maria.chen", false), 80, 24)
	st := d.m.common.styles
	got := stackedBar(st, model.StateCount{model.StateReviewed: 1, model.StateTested: 1, model.StateInProgress: 2, model.StateNotStarted: 36}, 40, 20)
	if ansi.StringWidth(got) != 20 || !strings.HasPrefix(got, "█▓▒") || !strings.HasSuffix(got, "░") {
		t.Fatalf("stacked bar %q", got)
	}
	if got := stackedBar(st, model.StateCount{}, 0, 10); got != strings.Repeat("░", 10) {
		t.Fatalf("an empty category: %q", got)
	}
}

func TestCriteriaShowConclusionsAndOverride(t *testing.T) {
	w := demoWorkpaper(t, "olivia.brandt", false)
	d := startDemo(t, w, 120, 40)
	k := d.keys()
	d.press(k.Criteria)
	cp := d.active().(*criteriaPage)
	// CHG-01, a key control, is not effective and nothing compensates.
	if c := cp.concl["CC8.1"]; c.Status != model.CriterionNotMet || c.Rule != model.RuleKeyNotEffective {
		t.Fatalf("CC8.1 should be not met, got %q by %q", c.Status, c.Rule)
	}
	selectRow(t, d, &cp.list, "CC8.1")
	d.press(k.Open)
	d.want("Conclusion ✗ not met", "CHG-01 (key) not effective", "rule: key-control-not-effective", "Since: CHG-01 conclusion → not-effective (maria.chen")

	// Override it as not met, with a reason.
	d.press(k.Override)
	fp, ok := d.active().(*formPage)
	if !ok {
		t.Fatalf("o should open the override form, got %T", d.active())
	}
	d.typeText("n") // the choice: "not met"
	if fp.f.Value("status") != string(model.CriterionNotMet) {
		t.Fatalf("the choice is %q", fp.f.Value("status"))
	}
	d.press(k.FormSave)
	if !strings.Contains(fp.f.Msg(), "Correct the field") {
		t.Fatalf("an override without a reason must be refused, got %q", fp.f.Msg())
	}
	d.typeText("Emergency path abused all period") // the refusal put the cursor on the reason
	d.press(k.FormSave)
	if _, ok := d.active().(*criterionPage); !ok {
		t.Fatalf("saving should close the form, got %T (%s)", d.active(), fp.f.Msg())
	}
	d.want("Conclusion ✗ not met*", "overridden by the auditor", "Override reason: Emergency path")
	concl, err := w.CriteriaConclusions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range concl {
		if c.Ref == "CC8.1" && (c.Status != model.CriterionNotMet || c.OverrideReason != "Emergency path abused all period") {
			t.Fatalf("the override was not stored: %+v", c)
		}
	}
}

func TestJumpToControl(t *testing.T) {
	d := startDemo(t, demoWorkpaper(t, "maria.chen", false), 80, 24)
	k := d.keys()
	d.press(k.Criteria)
	d.press(k.JumpControl)
	if !d.active().InputFocused() {
		t.Fatal("c should open the prompt")
	}
	d.typeText("chg-0")
	d.want("Go to control: chg-0", "→ CHG-01", "+3 more")
	d.send(tea.KeyMsg{Type: tea.KeyTab})
	d.press(k.AcceptFilter)
	cp, ok := d.active().(*controlPage)
	if !ok || cp.ref != "CHG-01" {
		t.Fatalf("enter should open CHG-01, got %T", d.active())
	}
	d.press(k.Back)
	d.press(k.JumpControl)
	d.typeText("nope")
	d.press(k.AcceptFilter)
	if d.m.err == nil || !strings.Contains(d.m.err.Error(), `no control "nope"`) {
		t.Fatalf("an unknown control should say so, got %v", d.m.err)
	}
	d.press(k.CancelFilter)
	if d.active().InputFocused() {
		t.Fatal("esc should close the prompt")
	}
}

func TestRespondAndClearNote(t *testing.T) {
	w := demoWorkpaper(t, "maria.chen", false)
	d := startDemo(t, w, 120, 40)
	k := d.keys()
	d.press(k.Review)
	np := d.active().(*notesPage)
	d.want("RN-001", "○ open", "RN-002", "◐ responded")
	d.wantNot("RN-003") // cleared: not outstanding

	// Respond to RN-001.
	selectRow(t, d, &np.list, "RN-001")
	d.press(k.Respond)
	if _, ok := d.active().(*formPage); !ok {
		t.Fatalf("R should open the response form, got %T", d.active())
	}
	d.typeText("Duplicate removed; ACC-3281 is after the period and excluded.")
	d.press(k.FormSave)
	if d.active() != page(np) {
		t.Fatalf("saving should go back to the notes, got %T", d.active())
	}
	d.want("Responded to RN-001.")
	notes, err := w.Notes(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if notes[0].State != model.NoteResponded || notes[0].RespondedBy != "maria.chen" || !strings.HasPrefix(notes[0].Response, "Duplicate removed") {
		t.Fatalf("RN-001 after the response: %+v", notes[0])
	}

	// Clear RN-002: asked first; n keeps it.
	selectRow(t, d, &np.list, "RN-002")
	d.press(k.ClearNote)
	d.want("Clear RN-002 as maria.chen?")
	d.press(k.No)
	if n, _ := w.Notes(context.Background(), model.NoteCleared); len(n) != 1 {
		t.Fatal("n must not clear the note")
	}
	d.press(k.ClearNote)
	d.press(k.Yes)
	d.want("Review note RN-002 cleared.")
	cleared, _ := w.Notes(context.Background(), model.NoteCleared)
	if len(cleared) != 2 || cleared[0].Ref != "RN-002" || cleared[0].ClearedBy != "maria.chen" {
		t.Fatalf("cleared notes: %+v", cleared)
	}
	// Clearing a cleared note is refused with the model's words.
	d.press(k.NoteState) // open
	d.press(k.NoteState) // responded
	d.press(k.NoteState) // cleared
	if np.state != notesCleared || len(np.list.Rows()) != 2 {
		t.Fatalf("the cleared filter shows %d notes", len(np.list.Rows()))
	}
	d.press(k.ClearNote)
	if d.m.err == nil || !strings.Contains(d.m.err.Error(), "already cleared") {
		t.Fatalf("clearing a cleared note: %v", d.m.err)
	}
}

func TestNotesFilterByAssigneeAndNewNote(t *testing.T) {
	w := demoWorkpaper(t, "olivia.brandt", false)
	d := startDemo(t, w, 120, 40)
	k := d.keys()
	d.press(k.Review)
	np := d.active().(*notesPage)
	d.press(k.NoteState) // open
	d.press(k.NoteState) // responded
	d.press(k.NoteState) // cleared
	d.press(k.NoteState) // all
	if len(np.list.Rows()) != 3 {
		t.Fatalf("all notes: %d", len(np.list.Rows()))
	}
	d.press(k.NoteAssignee)
	if np.assignee != "Dev Patel" || len(np.list.Rows()) != 1 {
		t.Fatalf("assignee filter %q shows %d", np.assignee, len(np.list.Rows()))
	}
	d.press(k.NoteAssignee)
	if np.assignee != "Maria Chen" || len(np.list.Rows()) != 2 {
		t.Fatalf("assignee filter %q shows %d", np.assignee, len(np.list.Rows()))
	}
	d.press(k.NoteAssignee)
	if np.assignee != "" || len(np.list.Rows()) != 3 {
		t.Fatal("the assignee filter should come back to anyone")
	}

	// A new note on an exception, from the exception's screen.
	d.press(k.Exceptions)
	d.press(k.Open) // EX-01
	d.press(k.NewNote)
	fp, ok := d.active().(*formPage)
	if !ok || fp.f.Value("kind") != "exception" || fp.f.Value("ref") != "EX-01" {
		t.Fatalf("N on EX-01 should open a note on it, got %T", d.active())
	}
	d.typeText("Tie the 9 unapproved emergency deploys to the population.")
	d.press(k.FormNext)
	d.typeText("Maria Chen")
	d.press(k.FormSave)
	d.want("Review note RN-004 opened on exception EX-01.")
	notes, _ := w.Notes(context.Background(), model.NoteOpen)
	last := notes[len(notes)-1]
	if last.Ref != "RN-004" || last.TargetKind != "exception" || last.TargetRef != "EX-01" || last.Assignee != "Maria Chen" || last.CreatedBy != "olivia.brandt" {
		t.Fatalf("the new note: %+v", last)
	}
	d.want("RN-004") // the exception's screen lists it
}

func TestNewNoteOnControlFromItsWorkpaper(t *testing.T) {
	w := demoWorkpaper(t, "olivia.brandt", false)
	d := startDemo(t, w, 120, 40)
	d.send(openControl("LA-02")())
	d.press(d.keys().NewNote)
	fp, ok := d.active().(*formPage)
	if !ok || fp.f.Value("kind") != "control" || fp.f.Value("ref") != "LA-02" {
		t.Fatalf("N on a control's workpaper should open a note on it, got %T", d.active())
	}
}

func TestSignOff(t *testing.T) {
	path := "harborview.fieldwork"
	prep := demoWorkpaper(t, "maria.chen", false)
	d := startDemo(t, prep, 120, 40)
	k := d.keys()
	d.press(k.SignOffs)
	sp := d.active().(*signoffPage)
	selectRow(t, d, &sp.list, "LA-03")
	d.want("! changed since review", "stale since")

	// The preparer signs LA-03 again.
	d.press(k.SignPreparer)
	d.want("Sign LA-03 as preparer (maria.chen)?")
	d.press(k.Yes)
	d.want("LA-03 signed off as preparer by maria.chen.")
	ct, _ := prep.ControlTest(context.Background(), "LA-03")
	if so, ok := ct.SignOff(model.RolePreparer); !ok || so.Stale || so.Signer != "maria.chen" {
		t.Fatalf("preparer sign-off: %+v", so)
	}

	// The preparer (staff) cannot review: the model's message shows, with who may.
	d.press(k.SignReviewer)
	d.want("changed since its review. Sign it again as reviewer (maria.chen)?")
	d.press(k.Yes)
	if d.m.err == nil || !strings.Contains(d.m.err.Error(), "maria.chen is on the team as preparer (staff), not a senior, manager or partner") {
		t.Fatalf("the model's refusal should show, got %v", d.m.err)
	}
	d.want("✗ reviewer sign-off on LA-03: maria.chen is on the team as preparer (staff)")

	// The reviewer, on another handle (another process), signs.
	rev := openAs(t, path, "olivia.brandt", false)
	d2 := startDemo(t, rev, 120, 40)
	d2.press(d2.keys().SignOffs)
	sp2 := d2.active().(*signoffPage)
	selectRow(t, d2, &sp2.list, "LA-03")
	d2.press(d2.keys().SignReviewer)
	d2.press(d2.keys().Yes)
	d2.want("LA-03 signed off as reviewer by olivia.brandt.")
	ct, _ = rev.ControlTest(context.Background(), "LA-03")
	if !ct.Reviewed() || ct.ChangedSinceReview() {
		t.Fatal("LA-03 should be reviewed now")
	}
	d2.press(d2.keys().ChangedOnly)
	if len(sp2.list.Rows()) != 0 {
		t.Fatalf("no workpaper is changed since review now, the list shows %d", len(sp2.list.Rows()))
	}
}

func TestExceptionEditAndStaleVersion(t *testing.T) {
	path := "harborview.fieldwork"
	w := demoWorkpaper(t, "maria.chen", false)
	d := startDemo(t, w, 120, 40)
	k := d.keys()
	d.press(k.Exceptions)
	ep := d.active().(*excListPage)
	selectRow(t, d, &ep.list, "EX-02")
	d.press(k.EditRecord)
	fp, ok := d.active().(*formPage)
	if !ok {
		t.Fatalf("e should open the exception's form, got %T", d.active())
	}
	if fp.Unsaved() != "" {
		t.Fatal("an untouched form has nothing to lose")
	}
	// Change the remediation owner (field 10).
	for fp.f.Focused().Name() != "owner" {
		d.press(k.FormNext)
	}
	d.typeText("HR Operations")
	if fp.Unsaved() == "" {
		t.Fatal("a typed field is unsaved input")
	}

	// Meanwhile a colleague changes EX-02.
	other := openAs(t, path, "dev.patel", false)
	if err := other.UpdateException(context.Background(), "EX-02", 0, model.ExceptionInput{Cause: "Manager on leave; the HR entry was late."}); err != nil {
		t.Fatal(err)
	}

	d.press(k.FormSave)
	if d.active() != page(fp) {
		t.Fatal("a stale save must keep the form open")
	}
	if !strings.Contains(fp.f.Msg(), "was changed by dev.patel") || !strings.Contains(fp.f.Msg(), "again to save yours over theirs") {
		t.Fatalf("the refusal should say who changed it: %q", fp.f.Msg())
	}
	if fld := fp.f.Field("cause"); fld.Theirs() != "Manager on leave; the HR entry was late." {
		t.Fatalf("the form should show what is stored now: %q", fld.Theirs())
	}
	xs, _ := w.Exceptions(context.Background())
	if xs[1].RemediationOwner != "" {
		t.Fatal("the stale edit must not be written")
	}

	// Saving again, knowingly, writes over the new version.
	d.press(k.FormSave)
	if _, ok := d.active().(*excListPage); !ok {
		t.Fatalf("the second save should go through, got %T (%s)", d.active(), fp.f.Msg())
	}
	xs, _ = w.Exceptions(context.Background())
	if xs[1].RemediationOwner != "HR Operations" {
		t.Fatalf("the owner was not saved: %+v", xs[1])
	}
	d.want("EX-02 saved.")
}

// Emptying a field of an exception clears it in the workpaper.
func TestExceptionFormClearsEmptiedField(t *testing.T) {
	w := demoWorkpaper(t, "maria.chen", false)
	d := startDemo(t, w, 120, 40)
	k := d.keys()
	d.press(k.Exceptions)
	x, _ := d.active().(*excListPage).list.Selected()
	if x.Cause == "" {
		t.Fatalf("the demo's first exception should have a cause: %+v", x)
	}
	d.press(k.EditRecord)
	fp := d.active().(*formPage)
	for fp.f.Focused().Name() != "cause" {
		d.press(k.FormNext)
	}
	d.press(k.DeleteAll) // ctrl+u: textarea deletes to the line's start
	for range 200 {
		d.press(k.DeleteChar)
	}
	if fp.f.Value("cause") != "" {
		t.Fatalf("the cause should be empty, is %q", fp.f.Value("cause"))
	}
	// CHG-01 is reviewed: saving asks first, naming the reviewer and date.
	d.press(k.FormSave)
	d.want("CHG-01 was reviewed by olivia.brandt on 2026-10-19", "again to reopen the review and save")
	if xs, _ := w.Exceptions(t.Context()); xs[0].Cause == "" {
		t.Fatal("the first save changed reviewed work")
	}
	d.press(k.FormSave)
	if d.active() == page(fp) {
		t.Fatalf("the form should save and close: %q", fp.f.Msg())
	}
	if ct, _ := w.ControlTest(t.Context(), "CHG-01"); !ct.ChangedSinceReview() {
		t.Fatal("reopening should make the review stale")
	}
	xs, _ := w.Exceptions(t.Context())
	for _, y := range xs {
		if y.Ref == x.Ref && (y.Cause != "" || y.Description != x.Description || y.Response != x.Response) {
			t.Fatalf("only the cause should be cleared: %+v", y)
		}
	}
}

func TestReadOnlyRefusesEdits(t *testing.T) {
	d := startDemo(t, demoWorkpaper(t, "maria.chen", true), 80, 24)
	k := d.keys()
	d.press(k.Exceptions)
	d.press(k.EditRecord)
	if _, ok := d.active().(*excListPage); !ok || d.m.err == nil || !strings.Contains(d.m.err.Error(), "READ-ONLY") {
		t.Fatalf("editing a read-only file must be refused: %T %v", d.active(), d.m.err)
	}
	d.press(k.Review)
	d.press(k.Respond)
	d.want("READ-ONLY")
	d.press(k.SignOffs)
	d.press(k.SignPreparer)
	if d.active().InputFocused() {
		t.Fatal("signing a read-only file must not even ask")
	}
	d.want("READ-ONLY")
	if strings.Contains(d.view(), "sign as preparer") {
		t.Fatal("the help should not offer to sign a read-only file")
	}
}

func TestTrailPagesWithKeysetQueries(t *testing.T) {
	w := demoWorkpaper(t, "maria.chen", false)
	d := startDemo(t, w, 120, 40)
	k := d.keys()
	d.press(k.Trail)
	tp := d.active().(*trailPage)
	last, _ := w.LastChange(context.Background())
	rows := tp.list.Rows()
	// The latest changes first: the last page, the cursor on the newest.
	if len(rows) != trailPageSize || rows[len(rows)-1].Seq != last || tp.more || tp.list.Cursor() != len(rows)-1 {
		t.Fatalf("last page: %d rows to %d, more %v, cursor %d", len(rows), rows[len(rows)-1].Seq, tp.more, tp.list.Cursor())
	}
	d.want(fmt.Sprintf("Entries %s–%s of %s", thousands(int(last)-trailPageSize+1), thousands(int(last)), thousands(int(last))), "↑ more before")
	d.press(k.Top) // the first page
	if tp.list.Rows()[0].Seq != 1 || !tp.more || tp.list.Cursor() != 0 {
		t.Fatalf("first page from %d, more %v", tp.list.Rows()[0].Seq, tp.more)
	}
	for tp.list.Cursor() < len(tp.list.Rows())-1 {
		d.press(k.PageDown) // to the end of the page
	}
	d.press(k.Down) // past it: the next page
	if tp.list.Rows()[0].Seq != 201 || tp.list.Cursor() != 0 {
		t.Fatalf("the next page starts at %d, cursor %d", tp.list.Rows()[0].Seq, tp.list.Cursor())
	}
	d.press(k.Up) // before it: the previous page, cursor on its last entry
	if tp.list.Rows()[0].Seq != 1 || tp.list.Cursor() != trailPageSize-1 {
		t.Fatalf("back: page from %d, cursor %d", tp.list.Rows()[0].Seq, tp.list.Cursor())
	}
	d.press(k.Bottom) // G reads the trail's last page
	if got := tp.list.Rows()[len(tp.list.Rows())-1].Seq; got != last || tp.more {
		t.Fatalf("G should reach entry %d, got %d", last, got)
	}
	if len(tp.list.Items()) > trailPageSize {
		t.Fatal("the trail screen holds more than a page")
	}
	// The page before the last, keyset-wise.
	d.press(k.Top)
	d.press(k.Bottom)
	for tp.list.Cursor() > 0 {
		d.press(k.PageUp)
	}
	d.press(k.Up)
	if got := tp.list.Rows()[len(tp.list.Rows())-1].Seq; got != last-trailPageSize {
		t.Fatalf("the page before the last ends at %d, want %d", got, last-trailPageSize)
	}
	// One entry in full.
	d.press(k.Open)
	d.want("Audit-trail entry #", "Hash")
}

func TestHistoryOfAControl(t *testing.T) {
	w := demoWorkpaper(t, "maria.chen", false)
	d := startDemo(t, w, 120, 40)
	d.send(openControl("LA-03")())
	d.press(d.keys().History)
	tp, ok := d.active().(*trailPage)
	if !ok || tp.scope.control != "LA-03" {
		t.Fatalf("H on a control should open its history, got %T", d.active())
	}
	d.want("History of control LA-03", "conclusion note", "sign-off")
	for _, c := range tp.list.Items() {
		if c.Scope == "" && !strings.Contains(tp.label(c), "LA-03") {
			t.Fatalf("an entry outside LA-03: %+v", c)
		}
	}
}

func TestVerify(t *testing.T) {
	d := startDemo(t, demoWorkpaper(t, "maria.chen", false), 120, 40)
	d.press(d.keys().Trail)
	d.press(d.keys().Verify)
	vp, ok := d.active().(*verifyPage)
	if !ok || vp.report == nil {
		t.Fatalf("V should verify the file, got %T", d.active())
	}
	d.want("The workpaper verifies", "Audit trail", "the hash chain is intact", "4 of 4 samples re-performed alike")
	// A running check is cancelled by esc.
	vp.running = true
	vp.cancel = func() {}
	d.press(d.keys().CancelRun)
	if _, ok := d.active().(*trailPage); !ok {
		t.Fatalf("esc should cancel and close, got %T", d.active())
	}
}

func TestExportRunsWithProgressAndCancels(t *testing.T) {
	w := demoWorkpaper(t, "maria.chen", false)
	d := startDemo(t, w, 120, 40)
	k := d.keys()
	d.press(k.Export)
	ep := d.active().(*exportPage)
	d.want("harborview-workpapers-20261021.xlsx", "[x] Cover", "[ ] Include the audit trail")
	d.press(k.IncludeTrail)
	d.press(k.Down) // cover
	d.press(k.ToggleItem)
	d.want("[ ] Cover", "[x] Include the audit trail")

	// A stand-in export: records the options, reports progress.
	var got export.Options
	var steps []int
	prev := exportRunner
	t.Cleanup(func() { exportRunner = prev })
	exportRunner = func(ctx context.Context, wp *model.Workpaper, opt export.Options, progress func(done, total int)) (*export.Result, error) {
		got = opt
		for i := 1; i <= 3; i++ {
			progress(i, 4)
			steps = append(steps, i)
		}
		return &export.Result{Path: opt.Path, Bytes: 12345, Sheets: []string{"a", "b"}}, nil
	}
	d.press(k.RunExport)
	if got.IncludeTrail != true || got.User != "maria.chen" || len(got.Sections) != len(export.DefaultSections)-1 || got.Sections[0] == export.SectionCover {
		t.Fatalf("options: %+v", got)
	}
	if filepath.Base(got.Path) != "harborview-workpapers-20261021.xlsx" || ep.running {
		t.Fatalf("path %q, running %v", got.Path, ep.running)
	}
	d.want("✓ Wrote", "2 sheets", "12 kB")

	// Cancel: the runner waits for its context.
	started := make(chan struct{})
	exportRunner = func(ctx context.Context, wp *model.Workpaper, opt export.Options, progress func(done, total int)) (*export.Result, error) {
		progress(1, 4)
		close(started)
		<-ctx.Done()
		return nil, ctx.Err()
	}
	cmd := ep.run()
	msgs := make(chan tea.Msg, 1)
	go func() { msgs <- runCmdFirst(cmd) }()
	<-started
	ep.Update(<-msgs) // the first progress; its command would wait for the next
	if !ep.running || ep.done != 1 || ep.total != 4 {
		t.Fatalf("progress %d/%d", ep.done, ep.total)
	}
	d.want("step 1 of 4", "esc cancels")
	d.press(k.CancelRun)
	ep.Update(waitExport(ep.ch)())
	if ep.running || !ep.cancelled {
		t.Fatal("esc should cancel the export")
	}
	d.want("Cancelled: nothing was written.")
}

// runCmdFirst runs a batch's export command (the one that is not the
// spinner) and returns its message.
func runCmdFirst(cmd tea.Cmd) tea.Msg {
	msg := cmd()
	if b, ok := msg.(tea.BatchMsg); ok {
		for _, c := range b {
			if c == nil {
				continue
			}
			if m := c(); m != nil {
				if _, ok := m.(busyMsg); !ok {
					return m
				}
			}
		}
	}
	return msg
}

func TestExportForReal(t *testing.T) {
	w := demoWorkpaper(t, "maria.chen", false)
	d := startDemo(t, w, 120, 40)
	d.press(d.keys().Export)
	d.press(d.keys().RunExport)
	ep := d.active().(*exportPage)
	if ep.err != nil {
		t.Fatal(ep.err)
	}
	if ep.result == nil {
		t.Fatal("no result")
	}
	if _, err := os.Stat(ep.result.Path); err != nil {
		t.Fatal(err)
	}
	// Again: the file exists and replacing it was not asked for.
	d.press(d.keys().RunExport)
	if !errors.Is(ep.err, export.ErrExists) {
		t.Fatalf("a second export should refuse to replace the file: %v", ep.err)
	}
	d.want("Tick “Replace the workbook if it exists”")
}

// Another process's change is noticed by the poll, the screens reload, and
// the status line says so; this process's own changes are not announced.
func TestRefreshOnOthersChanges(t *testing.T) {
	path := "harborview.fieldwork"
	w := demoWorkpaper(t, "maria.chen", false)
	d := startDemo(t, w, 120, 40)
	d.press(d.keys().Review)
	poll := func() {
		d.t.Helper()
		d.send(pollVersion(d.m.common.ctx, w, false)())
	}
	poll() // the first poll only records
	if d.m.status != "" {
		t.Fatal("the first poll announces nothing")
	}
	// This process's own change: reloaded, not announced.
	if _, err := w.AddNote(context.Background(), "engagement", "", "Own note", ""); err != nil {
		t.Fatal(err)
	}
	poll()
	if d.m.status == updatedNotice {
		t.Fatal("the workbench's own change is not another user's")
	}
	other := openAs(t, path, "olivia.brandt", false)
	if _, err := other.AddNote(context.Background(), "control", "CHG-01", "Someone else's note", "Maria Chen"); err != nil {
		t.Fatal(err)
	}
	poll()
	if d.m.status != updatedNotice {
		t.Fatalf("status %q", d.m.status)
	}
	d.want("Updated by another user", "Someone else's note")
	poll()
	poll()
	if d.m.status == updatedNotice {
		t.Fatal("the notice should go after a few polls")
	}
}

func TestRefreshTicks(t *testing.T) {
	w := demoWorkpaper(t, "maria.chen", false)
	m := New(w, Options{Now: demoClock})
	if m.refresh.every != defaultRefresh {
		t.Fatalf("refresh every %v", m.refresh.every)
	}
	nm, cmd := m.Update(pollTickMsg{})
	if cmd == nil {
		t.Fatal("a tick should poll")
	}
	msg := cmd()
	if pm, ok := msg.(pollMsg); !ok || pm.err != nil || pm.last == 0 {
		t.Fatalf("poll: %#v", msg)
	}
	if _, next := nm.Update(msg); next == nil {
		t.Fatal("a poll should schedule the next tick")
	}
	if New(w, Options{Refresh: -1}).refresh.tick() != nil {
		t.Fatal("a negative refresh never polls")
	}
}

func TestMouseOnReviewScreens(t *testing.T) {
	d := startDemo(t, demoWorkpaper(t, "maria.chen", false), 120, 40)
	d.press(d.keys().Exceptions)
	ep := d.active().(*excListPage)
	// Screen rows: 0 tabs, 1 breadcrumb, 2 summary, 3 EX-01, 4 EX-02.
	click := tea.MouseMsg{X: 10, Y: 4, Action: tea.MouseActionPress, Button: tea.MouseButtonLeft}
	d.send(click)
	if x, _ := ep.list.Selected(); x.Ref != "EX-02" {
		t.Fatalf("a click on row 4 should select EX-02, got %s", x.Ref)
	}
	d.send(click)
	if p, ok := d.active().(*excDetailPage); !ok || p.ref != "EX-02" {
		t.Fatalf("a second click should open EX-02, got %T", d.active())
	}
	d.send(tea.WindowSizeMsg{Width: 80, Height: 24}) // so that it scrolls
	d.send(tea.MouseMsg{Y: 10, Action: tea.MouseActionPress, Button: tea.MouseButtonWheelDown})
	if d.active().(*excDetailPage).doc.YOffset() == 0 {
		t.Fatal("the wheel should scroll the exception")
	}
	// Notes: two lines above the list.
	d.send(tea.WindowSizeMsg{Width: 120, Height: 40})
	d.press(d.keys().Review)
	np := d.active().(*notesPage)
	d.send(tea.MouseMsg{X: 10, Y: 5, Action: tea.MouseActionPress, Button: tea.MouseButtonLeft})
	if n, _ := np.list.Selected(); n.Ref != "RN-002" {
		t.Fatalf("a click on row 5 should select RN-002, got %s", n.Ref)
	}
	// Export: a click on a section's box toggles it.
	d.press(d.keys().Export)
	xp := d.active().(*exportPage)
	lines, hits := xp.render()
	var y int
	for _, h := range hits {
		if h.row == 1 {
			y = h.y
		}
	}
	if !strings.Contains(lines[y], "Cover") {
		t.Fatalf("row 1 is drawn on %q", lines[y])
	}
	d.send(tea.MouseMsg{X: 4, Y: y + headerLines, Action: tea.MouseActionPress, Button: tea.MouseButtonLeft})
	d.send(tea.MouseMsg{X: 4, Y: y + headerLines, Action: tea.MouseActionPress, Button: tea.MouseButtonLeft})
	if xp.chosen[export.SectionCover] {
		t.Fatal("a second click on Cover should untick it")
	}
}

// Client text full of escape sequences reaches the review screens (the
// trail holds every value ever written) only sanitized.
func TestReviewHostileText(t *testing.T) {
	w := newWorkpaper(t, fixture{hostile: true})
	d := start(t, w, 120, 40)
	k := d.keys()
	for _, b := range []func(){
		func() { d.press(k.Trail) },
		func() { d.send(openControl("LA-01")()); d.press(k.History) },
		func() {
			tp := d.active().(*trailPage)
			d.press(k.Top)
			selectRow(t, d, &tp.list, fmt.Sprint(tp.list.Items()[1].Seq)) // the description's entry
			if !strings.Contains(d.view(), "Access RED is reviewed") {
				t.Fatalf("the history should show the description:\n%s", d.view())
			}
		},
		func() { d.press(k.Open) },
		func() { d.press(k.Exceptions) },
		func() { d.press(k.SignOffs) },
		func() { d.press(k.Dashboard) },
	} {
		b()
		v := d.view()
		if strings.ContainsAny(v, "\x1b\x00\x07\u009b\u202e") || strings.Contains(v, "pwned") {
			t.Fatalf("control characters reached the screen: %q", v)
		}
	}
}
