package tui

import (
	"strings"

	tea "github.com/charmbracelet/bubbletea"
)

// listPage is what the review list screens (the exception log,
// review notes, sign-offs) share: the list, its load state, and reading
// only while shown (lazy). A screen embeds it and gives it how to load;
// it keeps its keys, columns and rows.
type listPage[T any] struct {
	common
	lazy
	list    listView[T]
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
