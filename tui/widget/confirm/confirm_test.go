package confirm

import (
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

func press(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }

func TestAskYesNo(t *testing.T) {
	m := New(DefaultKeyMap(), DefaultStyles())
	ran := 0
	m.Ask("Delete attribute B?", "deletes", "keeps it", func() tea.Cmd { ran++; return nil })
	if m.Prompt() != "Delete attribute B? y deletes, n keeps it" || !m.Asking() {
		t.Fatalf("prompt %q", m.Prompt())
	}
	if answered, _, _ := m.Update(press("x")); answered || !m.Asking() {
		t.Fatal("another key answered the question")
	}
	if answered, yes, _ := m.Update(press("n")); !answered || yes || m.Asking() || ran != 0 {
		t.Fatal("no did not drop the question")
	}
	m.Ask("Delete attribute B?", "deletes", "keeps it", func() tea.Cmd { ran++; return nil })
	if answered, yes, _ := m.Update(press("y")); !answered || !yes || ran != 1 || m.Asking() {
		t.Fatal("yes did not act")
	}
}

func TestRemappedKeysInThePrompt(t *testing.T) {
	k := DefaultKeyMap()
	k.Yes.SetKeys("o")
	k.No.SetKeys(" ")
	m := New(k, DefaultStyles())
	m.Ask("Pass?", "passes", "cancels", nil)
	if m.Prompt() != "Pass? o passes, space cancels" {
		t.Fatalf("prompt %q", m.Prompt())
	}
	if answered, yes, _ := m.Update(press("o")); !answered || !yes {
		t.Fatal("the remapped yes did not answer")
	}
}
