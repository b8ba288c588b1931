package list

import "github.com/charmbracelet/bubbles/key"

// KeyMap is the list's keys: moving, and typing the filter.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding

	Filter       key.Binding // start typing the filter
	ClearFilter  key.Binding // drop the filter
	AcceptFilter key.Binding // keep the filter, stop typing
	CancelFilter key.Binding // drop the filter, stop typing
	DeleteChar   key.Binding
	DeleteWord   key.Binding
	DeleteAll    key.Binding
}

// DefaultKeyMap moves with the arrows and vi's keys; "/" filters.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up:           key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:         key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:       key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "page up")),
		PageDown:     key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdn", "page down")),
		Top:          key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g/home", "first")),
		Bottom:       key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G/end", "last")),
		Filter:       key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		ClearFilter:  key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filter")),
		AcceptFilter: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "keep filter")),
		CancelFilter: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel filter")),
		DeleteChar:   key.NewBinding(key.WithKeys("backspace", "ctrl+h"), key.WithHelp("backspace", "delete a character")),
		DeleteWord:   key.NewBinding(key.WithKeys("ctrl+w", "alt+backspace"), key.WithHelp("ctrl+w", "delete a word")),
		DeleteAll:    key.NewBinding(key.WithKeys("ctrl+u"), key.WithHelp("ctrl+u", "clear")),
	}
}
