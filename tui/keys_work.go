package tui

import "github.com/charmbracelet/bubbles/key"

// setWorkKeys sets the default bindings of the screens where the auditor
// does the work: the control workpaper, its forms, the sampling wizard and
// the testing grid. They are fields of keyMap like every other binding, so
// that help, tests and remapping treat them alike.
func (k *keyMap) setWorkKeys() {
	// Control workpaper.
	k.WPEdit = key.NewBinding(key.WithKeys("enter", "e"), key.WithHelp("enter", "edit"))
	k.WPAdd = key.NewBinding(key.WithKeys("a", "+"), key.WithHelp("a", "add"))
	k.WPDelete = key.NewBinding(key.WithKeys("d", "delete"), key.WithHelp("d", "delete"))
	k.WPConclude = key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "conclude"))
	k.WPIPE = key.NewBinding(key.WithKeys("i"), key.WithHelp("i", "IPE"))
	k.WPSampling = key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "sampling"))
	k.WPTesting = key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "test items"))

	// Forms.
	k.FormNext = key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next field"))
	k.FormPrev = key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous field"))
	k.FormSave = key.NewBinding(key.WithKeys("ctrl+s"), key.WithHelp("ctrl+s", "save"))
	k.FormCancel = key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel"))
	k.ChoiceNext = key.NewBinding(key.WithKeys("right", " "), key.WithHelp("→/space", "next choice"))
	k.ChoicePrev = key.NewBinding(key.WithKeys("left"), key.WithHelp("←", "previous choice"))
	k.Yes = key.NewBinding(key.WithKeys("y", "Y"), key.WithHelp("y", "yes"))
	k.No = key.NewBinding(key.WithKeys("n", "N", "esc"), key.WithHelp("n/esc", "no"))

	// Testing grid.
	k.CellLeft = key.NewBinding(key.WithKeys("left", "h"), key.WithHelp("←/h", "left"))
	k.CellRight = key.NewBinding(key.WithKeys("right", "l"), key.WithHelp("→/l", "right"))
	k.MarkPass = key.NewBinding(key.WithKeys("p"), key.WithHelp("p", symPass+" pass"))
	k.MarkDeviation = key.NewBinding(key.WithKeys("x"), key.WithHelp("x", symDeviation+" deviation"))
	k.MarkNA = key.NewBinding(key.WithKeys("n"), key.WithHelp("n", symNA+" n/a"))
	k.MarkCycle = key.NewBinding(key.WithKeys(" "), key.WithHelp("space", "cycle"))
	k.PassRow = key.NewBinding(key.WithKeys("P"), key.WithHelp("P", "pass the row"))
	k.PassColumn = key.NewBinding(key.WithKeys("C"), key.WithHelp("C", "pass the column"))
	k.CellDetail = key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "note/evidence/tickmark"))
	k.NewException = key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "log exception"))
	k.LinkException = key.NewBinding(key.WithKeys("L"), key.WithHelp("L", "link exception"))
	k.ChooseColumns = key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "client columns"))
	k.ScrollColsLeft = key.NewBinding(key.WithKeys("<", ","), key.WithHelp("<", "columns left"))
	k.ScrollColsRight = key.NewBinding(key.WithKeys(">", "."), key.WithHelp(">", "columns right"))

	// Sampling wizard.
	k.WizNext = key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "next"))
	k.WizPrev = key.NewBinding(key.WithKeys("b", "backspace"), key.WithHelp("b", "previous step"))
	k.WizTypePath = key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "type a path"))
	k.WizCancel = key.NewBinding(key.WithKeys("esc", "c"), key.WithHelp("esc", "cancel the import"))
	k.WizSeed = key.NewBinding(key.WithKeys("S"), key.WithHelp("S", "type a seed"))
	k.WizImport = key.NewBinding(key.WithKeys("i"), key.WithHelp("i", "import a population"))
}

// formShort and formFull are a form's help.
func (k *keyMap) formShort() []key.Binding {
	return []key.Binding{k.FormSave, k.FormNext, k.FormCancel}
}

func (k *keyMap) formFull() [][]key.Binding {
	return [][]key.Binding{{k.FormSave, k.FormNext, k.FormPrev, k.FormCancel}, {k.ChoicePrev, k.ChoiceNext}}
}

// confirmHelp is the help while a yes/no question is asked.
func (k *keyMap) confirmHelp() []key.Binding { return []key.Binding{k.Yes, k.No} }
