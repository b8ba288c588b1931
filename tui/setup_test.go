package tui

import (
	"context"
	"os"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/fieldwork-audit/fieldwork/model"
)

// newSetup is the new-engagement form for a file in a fresh folder.
func newSetup(t *testing.T) (setupModel, string, **model.Workpaper) {
	t.Helper()
	t.Chdir(t.TempDir()) // the header shows the path: keep it the same for the goldens
	path := "acme.fieldwork"
	created := new(*model.Workpaper)
	t.Cleanup(func() {
		if *created != nil {
			(*created).Close()
		}
	})
	r := lipgloss.NewRenderer(os.Stdout)
	r.SetColorProfile(lipgloss.ColorProfile())
	m := newSetupModel(context.Background(), path, "maria", Options{Now: clock, Refresh: -1}, r, created)
	return m, path, created
}

// fillSetup types a Type II engagement with Availability in scope.
func fillSetup(tm *teatest.TestModel, k *keyMap) {
	next := func() { tm.Send(keyMsg(k.FormNext)) }
	tm.Type("Acme Payroll, Inc.")
	next()
	tm.Type("Acme Cloud")
	next()
	next() // Type II
	tm.Type("2026-01-01")
	next()
	tm.Type("2026-12-31")
	next()
	next()                        // no as-of date
	tm.Send(keyMsg(k.ChoiceNext)) // Availability: in scope
	next()
	next()
	next()
	next()
	tm.Type("Calder & Finch LLP")
	next()
	next() // the preparer is the user
	tm.Type("Olivia Brandt")
}

// The whole path: the form, ctrl+s, and the workbench on the new file.
func TestSetupCreatesWorkpaperAndOpensWorkbench(t *testing.T) {
	m, path, created := newSetup(t)
	k := m.keys
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(100, 30))
	waitFor(t, tm, "New engagement", "does not exist yet")
	fillSetup(tm, k)
	tm.Send(keyMsg(k.FormSave))
	waitFor(t, tm, "Acme Payroll, Inc.", "Dashboard", "press I to import")
	tm.Send(keyMsg(k.Quit))
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second))
	if _, ok := final.(Model); !ok {
		t.Fatalf("after saving, the program should be the workbench, got %T", final)
	}
	if *created == nil {
		t.Fatal("the created workpaper was not handed to the caller")
	}
	(*created).Close()
	*created = nil

	w, err := model.Open(path, model.Options{User: "check", ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	e, err := w.Engagement(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if e.Client != "Acme Payroll, Inc." || e.System != "Acme Cloud" || e.Type != model.TypeII || e.Firm != "Calder & Finch LLP" {
		t.Errorf("engagement: %+v", e)
	}
	if got, _ := model.ParseDate("2026-01-01"); !e.From.Equal(got) {
		t.Errorf("period from %v", e.From)
	}
	if len(e.Categories) != 2 || e.Categories[1] != model.Availability {
		t.Errorf("categories %v, want security and availability", e.Categories)
	}
	if len(e.Team) != 2 || e.Team[0].Name != "maria" || e.Team[1].Name != "Olivia Brandt" || e.Team[1].Role != model.RoleReviewer {
		t.Errorf("team %+v", e.Team)
	}
}

// A Type II engagement without a period is refused in words; nothing is
// written.
func TestSetupRefusesIncompleteEngagement(t *testing.T) {
	m, path, _ := newSetup(t)
	k := m.keys
	send := func(msg tea.Msg) {
		nm, _ := m.Update(msg)
		m = nm.(setupModel)
	}
	send(tea.WindowSizeMsg{Width: 80, Height: 24})
	m.Init()
	for _, r := range "Acme" {
		send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
	send(keyMsg(k.FormNext))
	for _, r := range "Cloud" {
		send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
	send(keyMsg(k.FormSave))
	if m.f.Msg() == "" || m.f.Saving() {
		t.Fatalf("want the refusal shown, got msg %q saving %v", m.f.Msg(), m.f.Saving())
	}
	requireGolden(t, "setup_refused_80x24", m.View())
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("a refused engagement wrote %s: %v", path, err)
	}
}

// esc on an untouched form leaves at once and creates nothing.
func TestSetupEscCreatesNothing(t *testing.T) {
	m, path, _ := newSetup(t)
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24))
	waitFor(t, tm, "New engagement")
	tm.Send(keyMsg(m.keys.FormCancel))
	if _, ok := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(setupModel); !ok {
		t.Fatal("esc should quit from the form")
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("leaving the form wrote %s", path)
	}
}

func TestSetupGoldens(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		m, _, _ := newSetup(t)
		nm, _ := m.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		m = nm.(setupModel)
		m.Init()
		name := "setup_" + map[int]string{80: "80x24", 120: "120x40"}[size[0]]
		requireGolden(t, name, m.View())
	}
}
