package tui

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
)

// tab is a top-level screen, reached with tab or its number key.
type tab int

const (
	tabDashboard tab = iota
	tabCriteria
	tabExceptions
	tabReview
	tabSignOff
	tabTrail
	tabExport
	numTabs
)

func (t tab) String() string {
	return [...]string{"Dashboard", "Criteria", "Exceptions", "Review", "Sign-off", "Trail", "Export"}[t]
}

const (
	headerLines = 2 // tabs, breadcrumb
	minWidth    = 40
	minHeight   = 10
)

// Model is the workbench's root model.
type Model struct {
	// reopenAsk is the reviewed control a write was just refused on: y
	// reopens it for this session.
	reopenAsk string
	common    common
	tabs      [numTabs][]page // per tab, a stack of screens; [0] is the tab's own
	active    tab
	help      help.Model
	spinner   spinner.Model

	data    *snapshot
	loadID  int64
	loading bool
	loadErr error

	bodyH    int // the screens' height, set by layout
	status   string
	err      error
	quitting bool
	guard    guardState   // a pending "discard unsaved input?" question (guard.go)
	refresh  refreshState // watching the file for others' changes (refresh.go)
	notice   string       // shown on the status line at start (Options.Notice)
}

// Init starts loading the workpaper.
func (m Model) Init() tea.Cmd {
	cmds := []tea.Cmd{loadWorkpaper(m.common.ctx, m.common.wp, m.loadID), m.spinner.Tick, m.refreshInit()}
	if n := m.notice; n != "" {
		cmds = append(cmds, func() tea.Msg { return statusMsg{n} })
	}
	return tea.Batch(cmds...)
}

// Update handles the global concerns and hands the rest to the screens.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.common.SetSize(msg.Width, msg.Height)
		m.layout()
		return m, nil

	case workpaperLoadedMsg:
		if msg.id != m.loadID {
			return m, nil // an older load answered late
		}
		m.loading = false
		if msg.err != nil {
			m.loadErr, m.err = msg.err, msg.err
			return m, nil
		}
		m.loadErr = nil
		m.data = newSnapshot(msg)
		var cmds []tea.Cmd
		for _, p := range m.allPages() {
			cmds = append(cmds, p.SetData(m.data))
		}
		m.layout()
		return m, tea.Batch(cmds...)

	case openMsg, popMsg, changedMsg, busyMsg, pollTickMsg, pollMsg:
		return m.navUpdate(msg)

	case errMsg:
		m.err, m.status = msg.err, ""
		if ask, ref, ok := reviewedAsk(msg.err, "Press y, then do it again,"); ok {
			m.err, m.reopenAsk = errors.New(ask), ref
		}
		return m, nil

	case statusMsg:
		m.err, m.status = nil, msg.text
		return m, nil

	case spinner.TickMsg:
		if m.busy() == "" {
			return m, nil // stop ticking until the next load
		}
		var cmd tea.Cmd
		m.spinner, cmd = m.spinner.Update(msg)
		return m, cmd

	case tea.KeyMsg:
		if m.reopenAsk != "" {
			ref := m.reopenAsk
			m.reopenAsk = ""
			if key.Matches(msg, m.common.keys.Yes) {
				m.common.reopen.Add(ref)
				m.err, m.status = nil, "Reopened "+ref+": do it again to save; the review goes stale and the reviewer sees what changed."
				return m, nil
			}
		}
		return m.key(msg)

	case tea.MouseMsg:
		if msg.Y == 0 {
			if t, ok := m.tabAt(msg); ok {
				return m.showTab(t)
			}
			return m, nil
		}
		msg.Y -= headerLines
		return m, m.updateActive(msg)
	}

	// Everything else (loads, ticks of a screen's own) goes to every
	// screen; each ignores what is not its own.
	var cmds []tea.Cmd
	for t := range m.tabs {
		for i, p := range m.tabs[t] {
			np, cmd := p.Update(msg)
			m.tabs[t][i] = np
			cmds = append(cmds, cmd)
		}
	}
	return m, tea.Batch(cmds...)
}

func (m Model) key(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	if next, cmd, ok := m.guardKey(msg); ok {
		return next, cmd
	}
	k := m.common.keys
	if key.Matches(msg, k.ForceQuit) {
		m.quitting = true
		return m, tea.Quit
	}
	p := m.activePage()
	if p.InputFocused() {
		return m, m.updateActive(msg)
	}
	if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 && !msg.Paste {
		// Keys that reach the terminal together (a held key, tmux
		// send-keys) arrive as one message: take them one at a time.
		var cmds []tea.Cmd
		var next tea.Model = m
		for _, r := range msg.Runes {
			var cmd tea.Cmd
			next, cmd = next.(Model).key(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}, Alt: msg.Alt})
			cmds = append(cmds, cmd)
		}
		return next, tea.Sequence(cmds...)
	}
	m.err, m.status = nil, ""
	nested := len(m.tabs[m.active]) > 1
	switch {
	case key.Matches(msg, k.Quit) && !nested:
		m.quitting = true
		return m, tea.Quit
	case key.Matches(msg, k.Quit) || (key.Matches(msg, k.Back) && !p.HandlesBack()):
		if nested {
			m.tabs[m.active] = m.tabs[m.active][:len(m.tabs[m.active])-1]
			m.layout()
		}
		return m, nil
	case key.Matches(msg, k.Help):
		m.help.ShowAll = !m.help.ShowAll
		m.layout()
		return m, nil
	case key.Matches(msg, k.NextTab):
		return m.showTab((m.active + 1) % numTabs)
	case key.Matches(msg, k.PrevTab):
		return m.showTab((m.active + numTabs - 1) % numTabs)
	case key.Matches(msg, k.Dashboard):
		return m.showTab(tabDashboard)
	case key.Matches(msg, k.Criteria):
		return m.showTab(tabCriteria)
	case key.Matches(msg, k.Reload):
		m.loadID = nextRequestID()
		m.loading = true
		return m, tea.Batch(loadWorkpaper(m.common.ctx, m.common.wp, m.loadID), m.spinner.Tick)
	}
	if next, cmd, ok := m.navKey(msg); ok {
		return next, cmd
	}
	return m, m.updateActive(msg)
}

// switchTab shows tab t; choosing the tab already shown goes back to its
// first screen.
func (m Model) switchTab(t tab) Model {
	if t == m.active {
		m.tabs[t] = m.tabs[t][:1]
	}
	m.active = t
	m.layout()
	return m
}

func (m *Model) updateActive(msg tea.Msg) tea.Cmd {
	stack := m.tabs[m.active]
	np, cmd := stack[len(stack)-1].Update(msg)
	stack[len(stack)-1] = np
	return cmd
}

func (m Model) activePage() page {
	stack := m.tabs[m.active]
	return stack[len(stack)-1]
}

func (m Model) allPages() []page {
	var ps []page
	for _, stack := range m.tabs {
		ps = append(ps, stack...)
	}
	return ps
}

// busy says what is loading, for the status line.
func (m Model) busy() string {
	if m.loading {
		return "loading the workpaper…"
	}
	return m.activePage().Busy()
}

// layout sizes every screen for the terminal and the help footer.
func (m *Model) layout() {
	m.help.Width = m.common.width
	m.bodyH = max(0, m.common.height-headerLines-1-m.helpHeight())
	for _, p := range m.allPages() {
		p.SetSize(m.common.width, m.bodyH)
	}
}

func (m *Model) helpHeight() int {
	if m.common.width == 0 {
		return 1
	}
	return lipgloss.Height(m.help.View(m.helpKeys()))
}

// View draws the header, the active screen, the status line and the help.
func (m Model) View() string {
	w, h := m.common.width, m.common.height
	if w == 0 || h == 0 {
		return ""
	}
	if w < minWidth || h < minHeight {
		msg := fmt.Sprintf("The terminal is %d×%d; fieldwork needs at least %d×%d. Enlarge the window, or press ctrl+c to quit.", w, h, minWidth, minHeight)
		return padLines(clampLines(strings.Join(wrap(msg, w), "\n"), w, h), h)
	}
	body := m.activePage().View()
	if m.data == nil && m.loadErr != nil {
		body = m.common.styles.StatusError.Render(symGap+" Could not read the workpaper.") + "\n\n" +
			strings.Join(wrap(errorText(m.loadErr), w), "\n") + "\n\n" +
			m.common.styles.Hint.Render("Press r to try again, q to quit.")
	}
	body = padLines(clampLines(body, w, m.bodyH), m.bodyH)
	view := strings.Join([]string{
		m.tabsView(),
		m.crumbView(),
		body,
		m.statusView(),
		m.help.View(m.helpKeys()),
	}, "\n")
	return clampLines(view, w, h)
}

const appName = "fieldwork"

func tabLabel(t tab) string { return fmt.Sprintf("%d %s", t+1, t) }

// tabAt finds the tab a click on the first line landed on.
func (m Model) tabAt(msg tea.MouseMsg) (tab, bool) {
	if msg.Action != tea.MouseActionPress || msg.Button != tea.MouseButtonLeft {
		return 0, false
	}
	x := ansi.StringWidth(appName) + 2
	labels := m.tabLabels()
	for t := range numTabs {
		w := ansi.StringWidth(labels[t]) + 2
		if msg.X >= x && msg.X < x+w {
			return t, true
		}
		x += w + 1
	}
	return 0, false
}

func (m Model) tabsView() string {
	s := m.common.styles
	var b strings.Builder
	b.WriteString(s.AppName.Render(appName))
	b.WriteString("  ")
	labels := m.tabLabels()
	for t := range numTabs {
		if t == m.active {
			b.WriteString(s.TabActive.Render("[" + labels[t] + "]"))
		} else {
			b.WriteString(s.TabInactive.Render(" " + labels[t] + " "))
		}
		b.WriteString(" ")
	}
	var right string
	if m.data != nil {
		e := m.data.eng
		room := m.common.width - ansi.StringWidth(b.String()) - 2
		if m.data.readOnly {
			ro := s.Banner.Render(labelRO)
			room -= ansi.StringWidth(ro) + 1
			right = s.HeaderInfo.Render(truncate(oneLine(e.Client)+symSep+e.Type.String(), max(0, room))) + " " + ro
		} else {
			right = s.HeaderInfo.Render(truncate(oneLine(e.Client)+symSep+e.Type.String(), room))
		}
	}
	return spread(b.String(), right, m.common.width)
}

func (m Model) crumbView() string {
	s := m.common.styles
	stack := m.tabs[m.active]
	parts := make([]string, len(stack))
	for i, p := range stack {
		t := oneLine(p.Title())
		if i == len(stack)-1 {
			parts[i] = s.CrumbLast.Render(t)
		} else {
			parts[i] = s.Crumb.Render(t)
		}
	}
	// When the trail is too long, keep its end: where the user is.
	crumb := strings.Join(parts, s.Crumb.Render(symCrumb))
	if ansi.StringWidth(crumb) > m.common.width {
		crumb = ansi.TruncateLeft(crumb, ansi.StringWidth(crumb)-m.common.width+1, symEllipsis)
	}
	return crumb
}

func (m Model) statusView() string {
	s := m.common.styles
	var left string
	switch {
	case m.guard.prompt != "":
		left = s.Hint.Render(m.guard.prompt)
	case m.err != nil:
		left = s.StatusError.Render(symGap + " " + errorText(m.err))
	case m.busy() != "":
		left = m.spinner.View() + " " + s.StatusInfo.Render(m.busy())
	case m.status != "":
		left = s.StatusInfo.Render(oneLine(m.status))
	}
	var right string
	if m.data != nil {
		right = oneLine(m.data.user) + symSep + oneLine(filepath.Base(m.data.path))
		if m.data.readOnly {
			right += symSep + labelRO
		}
		right = m.presenceText() + right
		room := m.common.width / 2
		if m.guard.prompt != "" || m.err != nil {
			// A question or an error is read in full first.
			room = min(room, max(0, m.common.width-ansi.StringWidth(left)-1))
		}
		right = s.StatusRight.Render(truncate(right, room))
	}
	return spread(left, right, m.common.width)
}

// helpKeys is the help for where the user is: the active screen's keys
// and the root's.
func (m Model) helpKeys() help.KeyMap {
	if m.guard.prompt != "" {
		yn := m.common.keys.confirmHelp()
		return keyHelp{short: yn, full: [][]key.Binding{yn}}
	}
	p := m.activePage()
	nested := len(m.tabs[m.active]) > 1
	typing := p.InputFocused()
	k := m.common.keys
	short := append(p.ShortHelp(), k.globalShort(nested, typing, m.help.ShowAll)...)
	full := append(p.FullHelp(), k.globalFull(nested, typing, m.help.ShowAll)...)
	return keyHelp{short: short, full: full}
}

type keyHelp struct {
	short []key.Binding
	full  [][]key.Binding
}

func (k keyHelp) ShortHelp() []key.Binding  { return k.short }
func (k keyHelp) FullHelp() [][]key.Binding { return k.full }
