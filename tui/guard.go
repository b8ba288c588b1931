package tui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// A screen that holds input not yet saved (a form being filled in, a
// sampling wizard half way, an import running) says so, and the root asks
// before a key would throw it away: q or ctrl+c quitting, esc or q closing
// the screen, the tab's own key going back to its first screen.
//
// Screens opt in by implementing these; the page interface is unchanged.
type (
	unsavedPage interface {
		// Unsaved says what would be lost ("your edit of the test of
		// design"), or "" when nothing would.
		Unsaved() string
	}
	discardPage interface {
		// Discard stops the screen's background work (an import) when the
		// user chose to throw it away.
		Discard()
	}
)

// guardState is a pending "discard?" question.
type guardState struct {
	prompt string
	quit   bool // the answer quits; otherwise it closes screens of the active tab
	keep   int  // the tab's stack is cut to this many screens
}

func unsavedOf(p page) string {
	if u, ok := p.(unsavedPage); ok {
		return u.Unsaved()
	}
	return ""
}

func discard(p page) {
	if d, ok := p.(discardPage); ok {
		d.Discard()
	}
}

// unsavedAbove is the first unsaved input among the active tab's screens
// from index keep up.
func (m Model) unsavedAbove(keep int) string {
	stack := m.tabs[m.active]
	for i := len(stack) - 1; i >= keep && i >= 0; i-- {
		if u := unsavedOf(stack[i]); u != "" {
			return u
		}
	}
	return ""
}

func (m Model) unsavedAnywhere() string {
	for _, p := range m.allPages() {
		if u := unsavedOf(p); u != "" {
			return u
		}
	}
	return ""
}

// guardKey runs before the root's own keys. It answers a pending question,
// or asks one when msg would lose unsaved input; handled reports whether
// the key was taken.
func (m Model) guardKey(msg tea.KeyMsg) (next Model, cmd tea.Cmd, handled bool) {
	k := m.common.keys
	if m.guard.prompt != "" {
		g := m.guard
		switch {
		case key.Matches(msg, k.Yes), key.Matches(msg, k.ForceQuit):
			m.guard = guardState{}
			if g.quit {
				for _, p := range m.allPages() {
					discard(p)
				}
				m.quitting = true
				return m, tea.Quit, true
			}
			stack := m.tabs[m.active]
			for i := len(stack) - 1; i >= g.keep; i-- {
				discard(stack[i])
			}
			m.tabs[m.active] = stack[:g.keep]
			m.layout()
			return m, nil, true
		case key.Matches(msg, k.No):
			m.guard = guardState{}
			m.layout()
			return m, nil, true
		}
		return m, nil, true // nothing else until the question is answered
	}

	p := m.activePage()
	depth := len(m.tabs[m.active])
	ask := func(what string, quit bool, keep int) (Model, tea.Cmd, bool) {
		verb := "Close this screen"
		if quit {
			verb = "Quit"
		}
		m.guard = guardState{prompt: verb + " and discard " + what + "? " + m.common.keys.yesNo("discards", "keeps it"), quit: quit, keep: keep}
		m.layout()
		return m, nil, true
	}
	switch {
	case key.Matches(msg, k.ForceQuit):
		if u := m.unsavedAnywhere(); u != "" {
			return ask(u, true, 0)
		}
	case p.InputFocused():
		// Typed keys belong to the screen.
	case key.Matches(msg, k.Quit) && depth == 1:
		if u := m.unsavedAnywhere(); u != "" {
			return ask(u, true, 0)
		}
	case depth > 1 && (key.Matches(msg, k.Quit) || (key.Matches(msg, k.Back) && !p.HandlesBack())):
		if u := unsavedOf(p); u != "" {
			return ask(u, false, depth-1)
		}
	case depth > 1 && ((m.active == tabDashboard && key.Matches(msg, k.Dashboard)) ||
		(m.active == tabCriteria && key.Matches(msg, k.Criteria))):
		if u := m.unsavedAbove(1); u != "" {
			return ask(u, false, 1)
		}
	}
	return m, nil, false
}
