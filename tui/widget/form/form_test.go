package form

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

func typeText(f *Model, s string) {
	f.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)})
}

// A required field refuses the save and says so under the field; filled,
// the save is submitted and the form waits for the screen's answer.
func TestRequiredAndSubmit(t *testing.T) {
	f := New(DefaultKeyMap(), DefaultStyles(), "New note")
	f.Line("text", "Text", "", true, nil)
	f.Choose("kind", "Kind", []string{"question", "instruction"}, nil, "question")
	f.Start()
	f.SetSize(60, 12)
	save := tea.KeyMsg{Type: tea.KeyCtrlS}
	if a, _ := f.Update(save); a != None || !strings.Contains(f.View(), "✗ required") || f.Focused().Name() != "text" {
		t.Fatalf("an empty required field was saved (%v):\n%s", a, f.View())
	}
	typeText(f, "Why?")
	f.Update(tea.KeyMsg{Type: tea.KeyTab})
	f.Update(tea.KeyMsg{Type: tea.KeyRight})
	if a, _ := f.Update(save); a != Submit || !f.Saving() || f.Value("text") != "Why?" || f.Value("kind") != "instruction" {
		t.Fatalf("save: %v, saving %v, values %q %q", a, f.Saving(), f.Value("text"), f.Value("kind"))
	}
	f.Failed("the workpaper is read-only")
	if f.Saving() || f.Msg() != "the workpaper is read-only" || !strings.Contains(f.View(), "read-only") {
		t.Fatal("a failed save should show why and let the user edit again")
	}
}

// Cancelling a changed form asks first, in the keys as bound.
func TestDiscardAsksInItsKeys(t *testing.T) {
	k := DefaultKeyMap()
	k.Yes.SetKeys("o")
	f := New(k, DefaultStyles(), "Edit")
	f.Line("text", "Text", "", false, nil)
	f.Start()
	f.SetSize(60, 8)
	typeText(f, "x")
	esc := tea.KeyMsg{Type: tea.KeyEsc}
	if a, _ := f.Update(esc); a != None || !strings.Contains(f.View(), "Discard your changes? o discards, n keeps editing") {
		t.Fatalf("cancel did not ask (%v):\n%s", a, f.View())
	}
	if a, _ := f.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("o")}); a != Cancel {
		t.Fatalf("the bound yes did not discard: %v", a)
	}
}
