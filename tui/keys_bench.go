package tui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
)

// setBenchKeys sets the default bindings of the review side of the
// workbench: the exception log, review notes, sign-offs, the audit trail,
// export, criterion conclusions and the jump to a control. They are fields
// of keyMap like every other binding, so that help, tests and the key
// configuration file treat them alike.
func (k *keyMap) setBenchKeys() {
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

// benchTabKeys are the number keys of the screens setBenchKeys adds, by tab.
func (k *keyMap) benchTabKeys() map[tab]key.Binding {
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
	return k.benchTabKeys()[t]
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
