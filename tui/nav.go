package tui

import (
	"errors"
	"fmt"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/fieldwork-audit/fieldwork/model"
)

// Navigation: screens ask the root to open and close screens, to reload
// after a change, and to say something on the status line, with the
// messages below; the root hands them to navUpdate. The refresh's ticks
// (refresh.go) go the same way.

// openMsg asks the root to open a screen on top of the active tab's stack:
// make builds it from the root's common. It is the one way to open a
// screen.
type openMsg struct{ make func(c common) page }

// pushCmd opens p, made by the sender in its Update (from its common).
func pushCmd(p page) tea.Cmd {
	return func() tea.Msg { return openMsg{func(common) page { return p }} }
}

// openControl opens the workpaper of control ref.
func openControl(ref string) tea.Cmd {
	return func() tea.Msg {
		return openMsg{func(c common) page { return newControlPage(c, ref) }}
	}
}

// openCriterion opens criterion ref.
func openCriterion(ref string) tea.Cmd {
	return func() tea.Msg {
		return openMsg{func(c common) page { return newCriterionPage(c, ref) }}
	}
}

// popMsg asks the root to close p (and whatever was opened above it), for
// screens that close themselves: a form once saved or cancelled.
type popMsg struct{ p page }

func popCmd(p page) tea.Cmd { return func() tea.Msg { return popMsg{p} } }

// changedMsg says this process changed the workpaper: the root reloads the
// overview, and every screen its own data.
type changedMsg struct{}

func changedCmd() tea.Msg { return changedMsg{} }

// busyMsg restarts the spinner for a load a screen started by itself.
type busyMsg struct{}

func busyCmd() tea.Msg { return busyMsg{} }

// statusCmd reports something done, for the status line.
func statusCmd(text string) tea.Cmd {
	return func() tea.Msg { return statusMsg{text} }
}

// navUpdate handles the messages above and the refresh's ticks.
func (m Model) navUpdate(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case openMsg:
		p := msg.make(m.common)
		p.SetData(m.data)
		m.tabs[m.active] = append(m.tabs[m.active], p)
		m.layout()
		return m, tea.Batch(p.Init(), m.spinner.Tick)
	case popMsg:
		for t := range m.tabs {
			for i, p := range m.tabs[t] {
				if p == msg.p && i > 0 {
					m.tabs[t] = m.tabs[t][:i]
					m.layout()
					return m, nil
				}
			}
		}
		return m, nil
	case changedMsg:
		return m.reload()
	case busyMsg:
		return m, m.spinner.Tick
	}
	return m.refreshUpdate(msg)
}

// reload reads the workpaper overview again; every screen then reloads
// what it shows.
func (m Model) reload() (Model, tea.Cmd) {
	m.loadID = nextRequestID()
	m.loading = true
	return m, tea.Batch(loadWorkpaper(m.common.ctx, m.common.wp, m.loadID), m.spinner.Tick)
}

// navKey handles the root-level shortcuts: the number keys of the review
// screens, and "history" and "new review note" on screens that do not
// handle them (the control workpaper, the dashboard). It runs after the
// root's own keys and before the active screen's.
func (m Model) navKey(msg tea.KeyMsg) (Model, tea.Cmd, bool) {
	k := m.common.keys
	for t, b := range k.reviewTabKeys() {
		if !key.Matches(msg, b) {
			continue
		}
		if t == m.active && len(m.tabs[t]) > 1 {
			if u := m.unsavedAbove(1); u != "" {
				m.guard = guardState{prompt: "Close this screen and discard " + u + "? " + k.yesNo("discards", "keeps it"), keep: 1}
				m.layout()
				return m, nil, true
			}
		}
		m, cmd := m.showTab(t)
		return m, cmd, true
	}
	p := m.activePage()
	// Review screens say what history and a new note are
	// about; other screens get the shortcut only when they do not use
	// the key themselves.
	_, scoped := p.(trailScoped)
	_, targeted := p.(noteTargeted)
	switch {
	case key.Matches(msg, k.History) && (scoped || !pageUsesKey(p, msg)):
		if sc, ok := trailScopeOf(p); ok {
			return m, pushCmd(newTrailPage(m.common, sc)), true
		}
		if _, ok := p.(trailTabbed); ok {
			m, cmd := m.showTab(tabTrail)
			return m, cmd, true
		}
	case key.Matches(msg, k.NewNote) && (targeted || !pageUsesKey(p, msg)):
		if t, ok := noteTargetOf(p); ok {
			if ro := m.common.refuseReadOnly(); ro != nil {
				return m, ro, true
			}
			return m, pushCmd(newNoteForm(m.common, t, m.data)), true
		}
	}
	return m, nil, false
}

// pageUsesKey reports whether one of the bindings p shows in its help
// matches msg: then the key is the page's, not a root shortcut's.
func pageUsesKey(p page, msg tea.KeyMsg) bool {
	for _, col := range p.FullHelp() {
		for _, b := range col {
			if b.Enabled() && key.Matches(msg, b) {
				return true
			}
		}
	}
	return false
}

// trailScoped is a screen about one record or control: "history" opens the
// audit trail of that.
type trailScoped interface {
	TrailScope() (trailScope, bool)
}

// noteTargeted is a screen a new review note would be about.
type noteTargeted interface {
	NoteTarget() (noteTarget, bool)
}

// shortcutScoped is a screen that does not handle "history" and "new
// review note" itself but is about one control: the root's shortcuts then
// open that control's trail and a note on it.
type shortcutScoped interface {
	ShortcutControl() string
}

// trailTabbed is a screen whose "history" is the audit trail's own tab
// (the dashboard).
type trailTabbed interface {
	HistoryIsTrailTab()
}

func trailScopeOf(p page) (trailScope, bool) {
	switch p := p.(type) {
	case trailScoped:
		return p.TrailScope()
	case shortcutScoped:
		ref := p.ShortcutControl()
		return trailScope{control: ref, label: "control " + ref}, true
	}
	return trailScope{}, false
}

func noteTargetOf(p page) (noteTarget, bool) {
	switch p := p.(type) {
	case noteTargeted:
		return p.NoteTarget()
	case shortcutScoped:
		return noteTarget{kind: "control", ref: p.ShortcutControl()}, true
	}
	return noteTarget{}, false
}

// refuseReadOnly is an error for the status line when the workpaper cannot
// be changed, nil when it can. It reads a field of the handle, not the file.
func (c *common) refuseReadOnly() tea.Cmd {
	if ro, why := c.wp.ReadOnly(); ro {
		return errCmd(fmt.Errorf("%s: %s, so nothing can be changed", labelRO, oneLine(why)))
	}
	return nil
}

// readOnly reports whether editing keys are off.
func (c *common) readOnly() bool {
	ro, _ := c.wp.ReadOnly()
	return ro
}

// tabLabels are the tabs' labels for the terminal's width: "3 Exceptions"
// when all fit, the active one in full and the others by their key when
// they do not.
func (m Model) tabLabels() [numTabs]string {
	k := m.common.keys
	var full, short [numTabs]string
	total := ansi.StringWidth(appName) + 2
	for t := range numTabs {
		short[t] = k.tabKey(t).Help().Key
		full[t] = short[t] + " " + t.String()
		total += ansi.StringWidth(full[t]) + 3
	}
	// Leave room for the engagement's name on the right.
	if total <= m.common.width-12 {
		return full
	}
	short[m.active] = full[m.active]
	return short
}

// isStale reports whether err refuses an edit made on an older version.
func isStale(err error) bool {
	var se *model.StaleError
	return errors.As(err, &se)
}

// shortReserve is what the root's part of the short help takes ("esc back
// • tab next screen • ? more keys"), with the separator before it.
const shortReserve = 43

// shortFit keeps the bindings, in order, that fit on one help line of a
// w-wide terminal beside the root's: the full help (?) shows the rest.
func shortFit(w int, bs ...key.Binding) []key.Binding {
	return shortFitIn(w-shortReserve, bs)
}

// shortFitTop is shortFit for a tab's own screen, where the root's part is
// "tab next screen • ? more keys • q quit".
func shortFitTop(w int, bs ...key.Binding) []key.Binding {
	return shortFitIn(w-shortReserve+3, bs)
}

func shortFitIn(budget int, bs []key.Binding) []key.Binding {
	var out []key.Binding
	for _, b := range bs {
		h := b.Help()
		n := ansi.StringWidth(h.Key) + 1 + ansi.StringWidth(h.Desc) + 3
		if budget-n < 0 && len(out) > 0 {
			break
		}
		budget -= n
		out = append(out, b)
	}
	return out
}

// showTab shows tab t (switchTab) and tells the tabs' own screens which
// one is seen: a screen out of sight reads nothing when the workpaper
// changes, and catches up when it is shown again.
func (m Model) showTab(t tab) (Model, tea.Cmd) {
	m = m.switchTab(t)
	var cmds []tea.Cmd
	for tt := range m.tabs {
		if len(m.tabs[tt]) == 0 {
			continue
		}
		if lp, ok := m.tabs[tt][0].(lazyPage); ok {
			if cmd := lp.setVisible(tab(tt) == t); cmd != nil {
				cmds = append(cmds, cmd)
			}
		}
	}
	if len(cmds) > 0 {
		cmds = append(cmds, m.spinner.Tick)
	}
	return m, tea.Batch(cmds...)
}

// lazyPage is a tab's own screen that reads its data only while shown.
type lazyPage interface {
	setVisible(bool) tea.Cmd
}

// lazy is what a lazyPage keeps: whether it is seen, and whether the
// workpaper changed while it was not.
type lazy struct {
	visible bool
	stale   bool
}

// changed is called when the workpaper changed: it loads now when the
// screen is seen, later otherwise.
func (l *lazy) changed(load func() tea.Cmd) tea.Cmd {
	if l.visible {
		l.stale = false
		return load()
	}
	l.stale = true
	return nil
}

// show records whether the screen is seen and loads what it missed.
func (l *lazy) show(v bool, load func() tea.Cmd) tea.Cmd {
	l.visible = v
	if v && l.stale {
		l.stale = false
		return load()
	}
	return nil
}

// listFullHelp is a list screen's full help in two columns: moving, then
// the filter's keys and the screen's own, so that the root's columns
// still fit on 80 columns.
func listFullHelp(list [][]key.Binding, own []key.Binding) [][]key.Binding {
	if len(list) == 0 {
		return [][]key.Binding{own}
	}
	var extra []key.Binding
	for _, col := range list[1:] {
		extra = append(extra, col...)
	}
	return [][]key.Binding{list[0], append(own, extra...)}
}

// noteTarget is what a review note is about: a control's workpaper, an
// exception, or the engagement.
type noteTarget struct {
	kind string // "control", "exception" or "engagement"
	ref  string
}
