package form

import "github.com/charmbracelet/bubbles/key"

// KeyMap is the form's keys; Yes and No answer "discard your changes?".
type KeyMap struct {
	Save, Cancel, Next, Prev key.Binding
	ChoiceNext, ChoicePrev   key.Binding
	Yes, No                  key.Binding
}

// DefaultKeyMap saves with ctrl+s and moves between fields with tab.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Save:       key.NewBinding(key.WithKeys("ctrl+s"), key.WithHelp("ctrl+s", "save")),
		Cancel:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
		Next:       key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next field")),
		Prev:       key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous field")),
		ChoiceNext: key.NewBinding(key.WithKeys("right", " "), key.WithHelp("→/space", "next choice")),
		ChoicePrev: key.NewBinding(key.WithKeys("left"), key.WithHelp("←", "previous choice")),
		Yes:        key.NewBinding(key.WithKeys("y", "Y"), key.WithHelp("y", "yes")),
		No:         key.NewBinding(key.WithKeys("n", "N", "esc"), key.WithHelp("n/esc", "no")),
	}
}

// ShortHelp is the help under a form.
func (k KeyMap) ShortHelp() []key.Binding { return []key.Binding{k.Save, k.Next, k.Cancel} }

// FullHelp is every key of a form.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Save, k.Next, k.Prev, k.Cancel}, {k.ChoicePrev, k.ChoiceNext}}
}
