package filepicker

import (
	"github.com/charmbracelet/bubbles/key"

	"github.com/fieldwork-audit/fieldwork/tui/widget/list"
)

// KeyMap is the picker's keys: the list's, and its own.
type KeyMap struct {
	List       list.KeyMap
	Open       key.Binding // open the folder or choose the file under the cursor
	TypePath   key.Binding // type a path instead
	Done       key.Binding // the help for enter while a path is typed
	StopTyping key.Binding // the help for esc while a path is typed
}

// DefaultKeyMap opens with enter and types a path after "p".
func DefaultKeyMap() KeyMap {
	return KeyMap{
		List:       list.DefaultKeyMap(),
		Open:       key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")),
		TypePath:   key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "type a path")),
		Done:       key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "done")),
		StopTyping: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "stop typing")),
	}
}
