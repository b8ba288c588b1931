package tui

import "github.com/charmbracelet/bubbles/key"

// keyMap is every key binding of the workbench. Each binding carries its
// help text, so the footer (bubbles/help) is built from the same values the
// screens match against, and tests press these bindings, not literal keys.
// Several keys may serve one action.
type keyMap struct {
	// Global: handled by the root model.
	Quit      key.Binding // top level only; nested screens treat it as Back
	ForceQuit key.Binding
	Help      key.Binding
	Back      key.Binding
	NextTab   key.Binding
	PrevTab   key.Binding
	Dashboard key.Binding
	Criteria  key.Binding
	Reload    key.Binding

	// Moving in lists and scrolling text.
	Up       key.Binding
	Down     key.Binding
	PageUp   key.Binding
	PageDown key.Binding
	Top      key.Binding
	Bottom   key.Binding
	Open     key.Binding

	// Filtering a list; while typing, runes go into the filter.
	Filter       key.Binding
	ClearFilter  key.Binding
	AcceptFilter key.Binding
	CancelFilter key.Binding
	DeleteChar   key.Binding
	DeleteWord   key.Binding
	DeleteAll    key.Binding

	// Criteria walk.
	NextGap key.Binding
	PrevGap key.Binding

	// Part A — workpaper, forms, sampling wizard, testing grid: defaults in
	// keys_work.go (setWorkKeys).
	WPEdit, WPAdd, WPDelete, WPConclude, WPIPE, WPSampling, WPTesting         key.Binding
	FormNext, FormPrev, FormSave, FormCancel, ChoiceNext, ChoicePrev, Yes, No key.Binding
	CellLeft, CellRight, MarkPass, MarkDeviation, MarkNA, MarkCycle           key.Binding
	PassRow, PassColumn, CellDetail, NewException, LinkException              key.Binding
	ChooseColumns, ScrollColsLeft, ScrollColsRight                            key.Binding
	WizNext, WizPrev, WizTypePath, WizCancel, WizSeed, WizImport              key.Binding

	// Part B — exceptions, review notes, sign-offs, audit trail, export:
	// defaults in keys_bench.go (setBenchKeys).
	Exceptions, Review, SignOffs, Trail, Export               key.Binding
	JumpControl, Override, EditRecord, NewNote, History       key.Binding
	Respond, ClearNote, NoteState, NoteAssignee               key.Binding
	SignPreparer, SignReviewer, ChangedOnly, Verify           key.Binding
	RunExport, CancelRun, ToggleItem, ToggleAll, IncludeTrail key.Binding

	// Merge conflicts (conflicts.go).
	Conflicts, KeepMine, TakeTheirs key.Binding

	// Setting up: the control matrix import (matrix.go) and the team
	// (team.go), from the dashboard.
	ImportMatrix, AddTeam key.Binding
}

func defaultKeyMap() *keyMap {
	k := &keyMap{
		Quit:      key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit")),
		ForceQuit: key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit now")),
		Help:      key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "more keys")),
		Back:      key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		NextTab:   key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next screen")),
		PrevTab:   key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous screen")),
		Dashboard: key.NewBinding(key.WithKeys("1"), key.WithHelp("1", "dashboard")),
		Criteria:  key.NewBinding(key.WithKeys("2"), key.WithHelp("2", "criteria")),
		Reload:    key.NewBinding(key.WithKeys("r", "ctrl+r"), key.WithHelp("r", "reload")),

		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "ctrl+u"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "ctrl+d", " "), key.WithHelp("pgdn", "page down")),
		Top:      key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g/home", "first")),
		Bottom:   key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G/end", "last")),
		Open:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")),

		Filter:       key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		ClearFilter:  key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filter")),
		AcceptFilter: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "keep filter")),
		CancelFilter: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel filter")),
		DeleteChar:   key.NewBinding(key.WithKeys("backspace", "ctrl+h"), key.WithHelp("backspace", "delete a character")),
		DeleteWord:   key.NewBinding(key.WithKeys("ctrl+w", "alt+backspace"), key.WithHelp("ctrl+w", "delete a word")),
		DeleteAll:    key.NewBinding(key.WithKeys("ctrl+u"), key.WithHelp("ctrl+u", "clear")),

		NextGap: key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "next gap")),
		PrevGap: key.NewBinding(key.WithKeys("N"), key.WithHelp("N", "previous gap")),
	}
	k.setWorkKeys()
	k.setBenchKeys()
	return k
}

// globalHelp is the root's part of the help: which bindings apply depends
// on where the user is (top level or nested, typing or not).
func (k *keyMap) globalShort(nested, typing, helpOpen bool) []key.Binding {
	if typing {
		return []key.Binding{k.ForceQuit}
	}
	if nested {
		return []key.Binding{k.Back, k.NextTab, k.helpToggle(helpOpen)}
	}
	return []key.Binding{k.NextTab, k.helpToggle(helpOpen), k.Quit}
}

func (k *keyMap) globalFull(nested, typing, helpOpen bool) [][]key.Binding {
	if typing {
		return [][]key.Binding{{k.ForceQuit}}
	}
	nav := []key.Binding{k.screensHelp(), k.NextTab, k.PrevTab}
	app := []key.Binding{k.Reload, k.helpToggle(helpOpen)}
	if nested {
		back := k.Back
		back.SetHelp("esc/q", "back")
		app = append([]key.Binding{back}, app...)
		app = append(app, k.ForceQuit)
	} else {
		app = append(app, k.Quit, k.ForceQuit)
	}
	return [][]key.Binding{nav, app}
}

// helpToggle is the Help binding, worded for whether the full help shows.
func (k *keyMap) helpToggle(open bool) key.Binding {
	b := k.Help
	if open {
		b.SetHelp("?", "close help")
	}
	return b
}
