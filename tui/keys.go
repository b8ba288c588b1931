package tui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"

	"github.com/fieldwork-audit/fieldwork/tui/widget/confirm"
	"github.com/fieldwork-audit/fieldwork/tui/widget/form"
	"github.com/fieldwork-audit/fieldwork/tui/widget/list"
)

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

	// The control workpaper, forms, the sampling wizard and the testing
	// grid (defaults in setWorkKeys).
	WPEdit, WPAdd, WPDelete, WPConclude, WPIPE, WPSampling, WPTesting         key.Binding
	FormNext, FormPrev, FormSave, FormCancel, ChoiceNext, ChoicePrev, Yes, No key.Binding
	CellLeft, CellRight, MarkPass, MarkDeviation, MarkNA, MarkCycle           key.Binding
	PassRow, PassColumn, CellDetail, NewException, LinkException              key.Binding
	ChooseColumns, ScrollColsLeft, ScrollColsRight                            key.Binding
	WizNext, WizPrev, WizTypePath, WizCancel, WizSeed, WizImport              key.Binding

	// The review screens: exceptions, review notes, sign-offs, the audit
	// trail, export (defaults in setReviewKeys).
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
	lk := list.DefaultKeyMap()
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

		// Moving and filtering are the list widget's keys, but for paging,
		// which also takes ctrl+u/ctrl+d (and space) here.
		Up:       lk.Up,
		Down:     lk.Down,
		PageUp:   key.NewBinding(key.WithKeys("pgup", "ctrl+u"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "ctrl+d", " "), key.WithHelp("pgdn", "page down")),
		Top:      lk.Top,
		Bottom:   lk.Bottom,
		Open:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")),

		Filter:       lk.Filter,
		ClearFilter:  lk.ClearFilter,
		AcceptFilter: lk.AcceptFilter,
		CancelFilter: lk.CancelFilter,
		DeleteChar:   lk.DeleteChar,
		DeleteWord:   lk.DeleteWord,
		DeleteAll:    lk.DeleteAll,

		NextGap: key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "next gap")),
		PrevGap: key.NewBinding(key.WithKeys("N"), key.WithHelp("N", "previous gap")),
	}
	k.setWorkKeys()
	k.setReviewKeys()
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

	// Forms and yes/no questions: the form widget's keys.
	fk := form.DefaultKeyMap()
	k.FormNext, k.FormPrev, k.FormSave, k.FormCancel = fk.Next, fk.Prev, fk.Save, fk.Cancel
	k.ChoiceNext, k.ChoicePrev = fk.ChoiceNext, fk.ChoicePrev
	k.Yes, k.No = fk.Yes, fk.No

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

// yesNo is the end of a yes/no question in the keys the user has: "y
// deletes, n keeps it" with the default keys.
func (k *keyMap) yesNo(yes, no string) string { return k.confirmKeys().Answers(yes, no) }

// confirmKeys are the yes/no question's keys (widget/confirm).
func (k *keyMap) confirmKeys() confirm.KeyMap { return confirm.KeyMap{Yes: k.Yes, No: k.No} }

// confirmHelp is the help while a yes/no question is asked.
func (k *keyMap) confirmHelp() []key.Binding { return []key.Binding{k.Yes, k.No} }

// setReviewKeys sets the default bindings of the review screens: the
// exception log, review notes, sign-offs, the audit trail, export,
// criterion conclusions and the jump to a control. They are fields
// of keyMap like every other binding, so that help, tests and the key
// configuration file treat them alike.
func (k *keyMap) setReviewKeys() {
	// Top-level screens after the dashboard (1) and the criteria (2).
	k.Exceptions = key.NewBinding(key.WithKeys("3"), key.WithHelp("3", "exceptions"))
	k.Review = key.NewBinding(key.WithKeys("4"), key.WithHelp("4", "review notes"))
	k.SignOffs = key.NewBinding(key.WithKeys("5"), key.WithHelp("5", "sign-offs"))
	k.Trail = key.NewBinding(key.WithKeys("6"), key.WithHelp("6", "audit trail"))
	k.Export = key.NewBinding(key.WithKeys("7"), key.WithHelp("7", "export"))

	// Records.
	k.JumpControl = key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "control ID"))
	k.Override = key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "override conclusion"))
	k.EditRecord = key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "edit"))
	k.NewNote = key.NewBinding(key.WithKeys("N"), key.WithHelp("N", "new review note"))
	k.History = key.NewBinding(key.WithKeys("H"), key.WithHelp("H", "history"))

	// Review notes.
	k.Respond = key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "respond"))
	k.ClearNote = key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "clear note"))
	k.NoteState = key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "state filter"))
	k.NoteAssignee = key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "assignee filter"))

	// Sign-off.
	k.SignPreparer = key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "sign: preparer"))
	k.SignReviewer = key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "sign: reviewer"))
	k.ChangedOnly = key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "changed since review only"))

	// Audit trail.
	k.Verify = key.NewBinding(key.WithKeys("V"), key.WithHelp("V", "verify the file"))

	// Export.
	k.RunExport = key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "export"))
	k.CancelRun = key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel"))
	k.ToggleItem = key.NewBinding(key.WithKeys(" ", "enter"), key.WithHelp("space", "toggle"))
	k.ToggleAll = key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "all/none"))
	k.IncludeTrail = key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "include trail"))

	// Merge conflicts, opened from the dashboard.
	k.Conflicts = key.NewBinding(key.WithKeys("M"), key.WithHelp("M", "merge conflicts"))
	k.KeepMine = key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "keep mine"))
	k.TakeTheirs = key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "take theirs"))

	// Setting up the engagement, from the dashboard and the criteria walk.
	k.ImportMatrix = key.NewBinding(key.WithKeys("I"), key.WithHelp("I", "import control matrix"))
	k.AddTeam = key.NewBinding(key.WithKeys("T"), key.WithHelp("T", "add team member"))
}

// reviewTabKeys are the number keys of the screens setReviewKeys adds, by tab.
func (k *keyMap) reviewTabKeys() map[tab]key.Binding {
	return map[tab]key.Binding{
		tabExceptions: k.Exceptions,
		tabReview:     k.Review,
		tabSignOff:    k.SignOffs,
		tabTrail:      k.Trail,
		tabExport:     k.Export,
	}
}

// tabKey is the binding that shows tab t.
func (k *keyMap) tabKey(t tab) key.Binding {
	switch t {
	case tabDashboard:
		return k.Dashboard
	case tabCriteria:
		return k.Criteria
	}
	return k.reviewTabKeys()[t]
}

// screensHelp is one line of help for every top-level screen's key: "1-7
// screens" with the default keys, each key listed when they were remapped.
func (k *keyMap) screensHelp() key.Binding {
	var keys, labels []string
	for t := range numTabs {
		b := k.tabKey(t)
		keys = append(keys, b.Keys()...)
		labels = append(labels, b.Help().Key)
	}
	label := strings.Join(labels, "/")
	consecutive := len(labels) > 2
	for i, l := range labels {
		if len(l) != 1 || l[0] != labels[0][0]+byte(i) {
			consecutive = false
			break
		}
	}
	if consecutive {
		label = labels[0] + "-" + labels[len(labels)-1]
	}
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(label, "screens"))
}
