package confirm

import "github.com/charmbracelet/bubbles/key"

// KeyMap is the question's two answers.
type KeyMap struct {
	Yes key.Binding
	No  key.Binding
}

// DefaultKeyMap answers with y and n (esc also says no).
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Yes: key.NewBinding(key.WithKeys("y", "Y"), key.WithHelp("y", "yes")),
		No:  key.NewBinding(key.WithKeys("n", "N", "esc"), key.WithHelp("n/esc", "no")),
	}
}

// Answers is the end of a prompt in the keys the user has: "y deletes, n
// keeps it" with the default keys.
func (k KeyMap) Answers(yes, no string) string {
	return firstKey(k.Yes) + " " + yes + ", " + firstKey(k.No) + " " + no
}

// ShortHelp is the help while a question is asked.
func (k KeyMap) ShortHelp() []key.Binding { return []key.Binding{k.Yes, k.No} }

// FullHelp is ShortHelp in one column.
func (k KeyMap) FullHelp() [][]key.Binding { return [][]key.Binding{k.ShortHelp()} }

func firstKey(b key.Binding) string {
	ks := b.Keys()
	switch {
	case len(ks) == 0:
		return b.Help().Key
	case ks[0] == " ":
		return "space"
	}
	return ks[0]
}
