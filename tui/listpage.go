package tui

import (
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/fieldwork-audit/fieldwork/tui/widget/confirm"
	"github.com/fieldwork-audit/fieldwork/tui/widget/list"
)

// listPage is what the review list screens (the exception log,
// review notes, sign-offs) share: the list, its load state, and reading
// only while shown (lazy). A screen embeds it and gives it how to load;
// it keeps its keys, columns and rows.
type listPage[T any] struct {
	common
	lazy
	list    list.Model[T]
	reqID   int64
	loading bool
	loaded  bool
	title   string
	noun    string // "the review notes": for the status line

	loadCmd func(id int64) tea.Cmd
}

func newListPage[T any](c common, title, noun string) listPage[T] {
	return listPage[T]{common: c, lazy: lazy{stale: true}, title: title, noun: noun}
}

func (p *listPage[T]) Init() tea.Cmd { return p.load() }

func (p *listPage[T]) load() tea.Cmd {
	p.reqID = nextRequestID()
	p.loading = true
	return p.loadCmd(p.reqID)
}

func (p *listPage[T]) Title() string { return p.title }

// Busy says the list is being read the first time (later reloads are quiet).
func (p *listPage[T]) Busy() string {
	if p.loading && !p.loaded {
		return "reading " + p.noun + "…"
	}
	return ""
}

func (p *listPage[T]) SetData(*snapshot) tea.Cmd { return p.changed(p.load) }

func (p *listPage[T]) setVisible(v bool) tea.Cmd { return p.show(v, p.load) }

// filterBy keeps the xs whose words (from words) contain q, case folded.
func filterBy[T any](xs []T, q string, words func(T) []string) []T {
	q = strings.ToLower(strings.TrimSpace(q))
	var out []T
	for _, x := range xs {
		if strings.Contains(strings.ToLower(strings.Join(words(x), " ")), q) {
			out = append(out, x)
		}
	}
	return out
}

// clicked hands a mouse event to the list, whose first row stands above
// lines below the screen's top; it reports a click that opens the row.
func (p *listPage[T]) clicked(msg tea.MouseMsg, above int) bool {
	msg.Y -= above
	open, _ := p.list.Update(msg)
	return open
}

// selectedScope is TrailScope for the row under the cursor, as of says.
func (p *listPage[T]) selectedScope(of func(T) trailScope) (trailScope, bool) {
	if r, ok := p.list.Selected(); ok {
		return of(r), true
	}
	return trailScope{}, false
}

// selectedTarget is NoteTarget for the row under the cursor, as of says;
// with none, a new note is on the engagement.
func (p *listPage[T]) selectedTarget(of func(T) noteTarget) (noteTarget, bool) {
	if r, ok := p.list.Selected(); ok {
		return of(r), true
	}
	return noteTarget{kind: "engagement"}, true
}

// questionOver puts a question asked on the last line of view.
func questionOver(view string, q confirm.Model, width int) string {
	if !q.Asking() {
		return view
	}
	lines := strings.Split(view, "\n")
	lines[len(lines)-1] = q.View(width)
	return strings.Join(lines, "\n")
}

// listInput hands the list a key or a click the screen did not take; a
// click on the row under the cursor runs open.
func (p *listPage[T]) listInput(msg tea.Msg, above int, open func() tea.Cmd) tea.Cmd {
	if m, ok := msg.(tea.MouseMsg); ok {
		if p.clicked(m, above) {
			return open()
		}
		return nil
	}
	_, cmd := p.list.Update(msg)
	return cmd
}

// listWhere is the right end of a list's summary: the selected row's
// reference and its place, "CHG-01 · 3 of 12" ("" with none selected).
func listWhere[T any](s *Styles, l *list.Model[T], ref func(T) string) string {
	r, ok := l.Selected()
	if !ok {
		return ""
	}
	pos, total := l.Position()
	return s.Muted.Render(fmt.Sprintf("%s%s%d of %d", oneLine(ref(r)), symSep, pos, total))
}
