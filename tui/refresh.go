package tui

import (
	"context"
	"fmt"
	"slices"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/fieldwork-audit/fieldwork/model"
)

// Another fieldwork (a colleague on a shared drive, the CLI in another
// terminal) may change the file while the workbench shows it. Every
// Options.Refresh (2 s by default) the root asks SQLite, in a command,
// whether another connection committed (PRAGMA data_version) and whether
// the audit trail grew; when both say so, it reloads the overview, every
// screen reloads what it shows, and the status line says "updated by
// another user" for a few seconds. The workbench's own changes do not move
// data_version, so they are not announced (they reload through changedMsg).

// defaultRefresh is how often the workbench looks for others' changes.
const defaultRefresh = 2 * time.Second

// noticePolls is how many polls the "updated by another user" notice stays.
const noticePolls = 2

const updatedNotice = "Updated by another user: showing the latest."

// refreshState is the root's memory of the last poll.
type refreshState struct {
	every   time.Duration // <= 0: never poll
	polled  bool
	version int64 // PRAGMA data_version at the last poll
	last    int64 // the newest audit-trail entry at the last poll
	polls   int
	notice  int // polls left before the notice goes
	beat    int // polls between heartbeats of the editing session

	others []model.Session // the other editing sessions, as last polled
	locked bool            // the last poll found the file locked by a writer
}

type pollTickMsg struct{}

type pollMsg struct {
	version, last int64
	others        []model.Session
	err           error
}

func newRefreshState(every time.Duration) refreshState {
	if every == 0 {
		every = defaultRefresh
	}
	beat := 1
	if every > 0 {
		beat = max(1, int(model.HeartbeatEvery/every))
	}
	return refreshState{every: every, beat: beat}
}

// refreshInit starts the refresh.
func (m Model) refreshInit() tea.Cmd {
	return m.refresh.tick()
}

func (r refreshState) tick() tea.Cmd {
	if r.every <= 0 {
		return nil
	}
	return tea.Tick(r.every, func(time.Time) tea.Msg { return pollTickMsg{} })
}

// pollVersion reads the file's change counters and who else is editing
// it, and renews this workbench's editing session when heartbeat is set.
// It captures the handle and a context only.
func pollVersion(ctx context.Context, wp *model.Workpaper, heartbeat bool) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if heartbeat {
			wp.Heartbeat(ctx) // best effort: a busy file is tried again later
		}
		var msg pollMsg
		if msg.version, msg.err = wp.DataVersion(ctx); msg.err != nil {
			return msg
		}
		if msg.last, msg.err = wp.LastChange(ctx); msg.err != nil {
			return msg
		}
		msg.others, _ = wp.Sessions(ctx)
		return msg
	}
}

// refreshUpdate handles the poll's messages.
func (m Model) refreshUpdate(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case pollTickMsg:
		m.refresh.polls++
		return m, pollVersion(m.common.ctx, m.common.wp, m.refresh.polls%m.refresh.beat == 0)
	case pollMsg:
		next := m.refresh.tick()
		if m.refresh.notice > 0 {
			m.refresh.notice--
			if m.refresh.notice == 0 && m.status == updatedNotice {
				m.status = ""
			}
		}
		if msg.err != nil {
			// Another program holds the file's write lock (or it is
			// unreachable): say so, and try again at the next tick.
			m.refresh.locked = true
			return m, next
		}
		m.refresh.locked = false
		m.refresh.others = msg.others
		r := &m.refresh
		first := !r.polled
		others := r.version != msg.version && r.last != msg.last
		r.polled, r.version, r.last = true, msg.version, msg.last
		if first || !others {
			return m, next
		}
		if m.err == nil {
			m.status = updatedNotice
			r.notice = noticePolls
		}
		m, cmd := m.reload()
		return m, tea.Batch(cmd, next)
	}
	return m, nil
}

// presenceText is the status line's word on who else has the file open
// for editing, or that another program holds it locked.
func (m Model) presenceText() string {
	if m.refresh.locked {
		return "LOCKED by another program" + symSep
	}
	var names []string
	for _, s := range m.refresh.others {
		if !s.Stale && !slices.Contains(names, oneLine(s.User)) {
			names = append(names, oneLine(s.User))
		}
	}
	switch len(names) {
	case 0:
		return ""
	case 1:
		return "also editing: " + names[0] + symSep
	}
	return fmt.Sprintf("also editing: %s +%d", names[0], len(names)-1) + symSep
}
