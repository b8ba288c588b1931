// Package list is a scrolling list of rows, some of which may be headings
// the cursor skips, with an optional "/" filter typed as the list narrows.
// It renders only the rows that are visible, so it stays fast on long
// lists; the screen supplies how a row looks, whether it can be selected,
// its identity (to keep the cursor on the same row across a filter or a
// reload) and how a filter matches. It follows the bubbles layout: KeyMap
// (keys.go), Styles (style.go) and the Model here.
package list

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/fieldwork-audit/fieldwork/tui/widget/cells"
)

// Model is one list: its rows, the cursor, the filter and the room.
type Model[T any] struct {
	KeyMap KeyMap
	Styles Styles

	all    []T
	rows   []T // all, filtered
	cursor int // index into rows; -1 when nothing can be selected
	offset int // first visible row
	width  int
	height int

	selectable func(T) bool
	id         func(T) string
	filter     func(rows []T, query string) []T // nil: the list cannot be filtered
	render     func(row T, width int, selected bool) string
	empty      string // shown when there are no rows at all
	typeHint   string // shown dim while an empty filter is typed

	editing bool
	query   string // the filter, applied as it is typed
}

// Config is what the screen tells a list about its rows.
type Config[T any] struct {
	// Selectable says whether the cursor may stop on a row (nil: every
	// row); headings are not.
	Selectable func(T) bool
	// ID is a row's identity, to keep the cursor on it across a filter or
	// a reload.
	ID func(T) string
	// Filter keeps the rows that match the query (nil: no filter).
	Filter func(rows []T, query string) []T
	// Render draws a row in width cells.
	Render func(row T, width int, selected bool) string
	// Empty is shown when there are no rows at all.
	Empty string
	// TypeHint is shown dim while an empty filter is being typed.
	TypeHint string
}

// New is an empty list.
func New[T any](k KeyMap, s Styles, cfg Config[T]) Model[T] {
	if cfg.Selectable == nil {
		cfg.Selectable = func(T) bool { return true }
	}
	return Model[T]{
		KeyMap:     k,
		Styles:     s,
		cursor:     -1,
		selectable: cfg.Selectable,
		id:         cfg.ID,
		filter:     cfg.Filter,
		render:     cfg.Render,
		empty:      cfg.Empty,
		typeHint:   cfg.TypeHint,
	}
}

// SetEmpty changes what is shown when there are no rows at all.
func (l *Model[T]) SetEmpty(s string) { l.empty = s }

// Items are all the rows, unfiltered.
func (l *Model[T]) Items() []T { return l.all }

// Rows are the rows shown: the items the filter keeps.
func (l *Model[T]) Rows() []T { return l.rows }

// Cursor is the index in Rows of the row under the cursor (-1: none).
func (l *Model[T]) Cursor() int { return l.cursor }

// Query is the filter as typed ("" when none).
func (l *Model[T]) Query() string { return l.query }

// Select moves the cursor to row i of Rows.
func (l *Model[T]) Select(i int) { l.moveTo(i) }

// SelectFirst and SelectLast move the cursor to the first or the last
// selectable row.
func (l *Model[T]) SelectFirst() { l.moveTo(l.nearest(0, 1)) }

func (l *Model[T]) SelectLast() { l.moveTo(l.nearest(len(l.rows)-1, -1)) }

// ScrollToEnd shows the end of the list, blank lines after the last row
// included.
func (l *Model[T]) ScrollToEnd() { l.offset = max(0, len(l.rows)-l.rowsHeight()) }

// SetItems replaces the rows, keeping the filter and, when it is still
// there, the row under the cursor.
func (l *Model[T]) SetItems(items []T) {
	l.all = items
	l.apply()
}

// SetSize gives the list width×height cells, the filter line included.
func (l *Model[T]) SetSize(width, height int) {
	l.width, l.height = width, max(0, height)
	l.scrollToCursor()
}

// filterLines is how many lines the filter takes above the rows.
func (l *Model[T]) filterLines() int {
	if l.editing || l.query != "" {
		return 1
	}
	return 0
}

func (l *Model[T]) rowsHeight() int { return max(0, l.height-l.filterLines()) }

// Editing reports whether the filter is being typed.
func (l *Model[T]) Editing() bool { return l.editing }

// Filtered reports whether a filter is applied.
func (l *Model[T]) Filtered() bool { return l.query != "" }

// Selected returns the row under the cursor.
func (l *Model[T]) Selected() (T, bool) {
	var zero T
	if l.cursor < 0 || l.cursor >= len(l.rows) {
		return zero, false
	}
	return l.rows[l.cursor], true
}

// Position is the cursor's place among the selectable rows (1-based) and
// how many there are.
func (l *Model[T]) Position() (int, int) {
	pos, total := 0, 0
	for i, r := range l.rows {
		if l.selectable(r) {
			total++
			if i <= l.cursor {
				pos = total
			}
		}
	}
	return pos, total
}

// Update handles keys and the mouse. activated is true when a click
// landed on the row already under the cursor (the mouse's "open").
func (l *Model[T]) Update(msg tea.Msg) (activated bool, cmd tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyMsg:
		if l.editing {
			return false, l.updateFilter(msg)
		}
		switch {
		case key.Matches(msg, l.KeyMap.Up):
			l.move(-1)
		case key.Matches(msg, l.KeyMap.Down):
			l.move(1)
		case key.Matches(msg, l.KeyMap.PageUp):
			l.move(-max(1, l.rowsHeight()-1))
		case key.Matches(msg, l.KeyMap.PageDown):
			l.move(max(1, l.rowsHeight()-1))
		case key.Matches(msg, l.KeyMap.Top):
			l.moveTo(l.nearest(0, 1))
		case key.Matches(msg, l.KeyMap.Bottom):
			l.moveTo(l.nearest(len(l.rows)-1, -1))
		case l.filter != nil && key.Matches(msg, l.KeyMap.Filter):
			l.editing = true
			l.scrollToCursor()
			return false, nil
		case l.query != "" && key.Matches(msg, l.KeyMap.ClearFilter):
			l.setQuery("")
		}
	case tea.MouseMsg:
		return l.mouse(msg), nil
	}
	return false, nil
}

// MaxQuery bounds the filter's length.
const MaxQuery = 200

// updateFilter edits the filter as it is typed: runes (and pastes) add to
// it, backspace removes a character, ctrl+w a word and ctrl+u everything.
func (l *Model[T]) updateFilter(msg tea.KeyMsg) tea.Cmd {
	q := []rune(l.query)
	switch {
	case key.Matches(msg, l.KeyMap.AcceptFilter):
		l.editing = false
		l.scrollToCursor()
		return nil
	case key.Matches(msg, l.KeyMap.CancelFilter):
		l.editing = false
		l.setQuery("")
		return nil
	case msg.Type != tea.KeyRunes && key.Matches(msg, l.KeyMap.Up):
		l.move(-1)
		return nil
	case msg.Type != tea.KeyRunes && key.Matches(msg, l.KeyMap.Down):
		l.move(1)
		return nil
	case msg.Type == tea.KeyRunes || msg.Type == tea.KeySpace:
		add := []rune(cells.OneLine(string(msg.Runes)))
		if msg.Type == tea.KeySpace || (len(msg.Runes) > 0 && len(add) == 0) {
			add = []rune{' '}
		}
		q = append(q, add...)
		if len(q) > MaxQuery {
			q = q[:MaxQuery]
		}
	case key.Matches(msg, l.KeyMap.DeleteChar):
		if len(q) > 0 {
			q = q[:len(q)-1]
		}
	case key.Matches(msg, l.KeyMap.DeleteWord):
		s := strings.TrimRight(string(q), " ")
		if i := strings.LastIndex(s, " "); i >= 0 {
			q = []rune(s[:i+1])
		} else {
			q = nil
		}
	case key.Matches(msg, l.KeyMap.DeleteAll):
		q = nil
	default:
		return nil
	}
	if string(q) != l.query {
		l.setQuery(string(q))
	}
	return nil
}

func (l *Model[T]) setQuery(q string) {
	l.query = q
	l.apply()
}

// apply filters the rows and puts the cursor back on the row it was on,
// or on the first selectable row.
func (l *Model[T]) apply() {
	var keep string
	if r, ok := l.Selected(); ok && l.id != nil {
		keep = l.id(r)
	}
	if l.query != "" && l.filter != nil {
		l.rows = l.filter(l.all, l.query)
	} else {
		l.rows = l.all
	}
	l.cursor = -1
	if keep != "" {
		for i, r := range l.rows {
			if l.selectable(r) && l.id(r) == keep {
				l.cursor = i
				break
			}
		}
	}
	if l.cursor < 0 {
		l.cursor = l.nearest(0, 1)
		l.offset = 0
	}
	l.scrollToCursor()
}

// nearest finds the selectable row closest to i, looking in direction dir
// first; -1 when there is none.
func (l *Model[T]) nearest(i, dir int) int {
	if len(l.rows) == 0 {
		return -1
	}
	i = min(max(i, 0), len(l.rows)-1)
	for j := i; j >= 0 && j < len(l.rows); j += dir {
		if l.selectable(l.rows[j]) {
			return j
		}
	}
	for j := i - dir; j >= 0 && j < len(l.rows); j -= dir {
		if l.selectable(l.rows[j]) {
			return j
		}
	}
	return -1
}

func (l *Model[T]) move(delta int) {
	if l.cursor < 0 {
		l.moveTo(l.nearest(0, 1))
		return
	}
	dir := 1
	if delta < 0 {
		dir = -1
	}
	target := min(max(l.cursor+delta, 0), len(l.rows)-1)
	l.moveTo(l.nearest(target, dir))
}

func (l *Model[T]) moveTo(i int) {
	if i < 0 {
		return
	}
	l.cursor = i
	l.scrollToCursor()
}

// SelectNext moves the cursor to the next row (or the previous one when
// forward is false) that satisfies match, wrapping around; it reports
// whether there was one.
func (l *Model[T]) SelectNext(match func(T) bool, forward bool) bool {
	n := len(l.rows)
	if n == 0 {
		return false
	}
	dir := 1
	if !forward {
		dir = -1
	}
	start := l.cursor
	if start < 0 {
		start = n - 1
		if !forward {
			start = 0
		}
	}
	for k := 1; k <= n; k++ {
		i := ((start+dir*k)%n + n) % n
		if l.selectable(l.rows[i]) && match(l.rows[i]) {
			l.moveTo(i)
			return true
		}
	}
	return false
}

// scrollToCursor keeps the cursor's row on screen, with the heading above
// it when the cursor is on a group's first row.
func (l *Model[T]) scrollToCursor() {
	h := l.rowsHeight()
	if h <= 0 {
		return
	}
	if l.cursor >= 0 {
		if l.cursor < l.offset {
			l.offset = l.cursor
		}
		if l.cursor >= l.offset+h {
			l.offset = l.cursor - h + 1
		}
		if l.offset == l.cursor && l.cursor > 0 && h > 1 && !l.selectable(l.rows[l.cursor-1]) {
			l.offset--
		}
	}
	l.offset = min(max(l.offset, 0), max(0, len(l.rows)-h))
}

func (l *Model[T]) mouse(msg tea.MouseMsg) bool {
	if msg.Action != tea.MouseActionPress {
		return false
	}
	switch msg.Button {
	case tea.MouseButtonWheelUp:
		l.move(-1)
	case tea.MouseButtonWheelDown:
		l.move(1)
	case tea.MouseButtonLeft:
		row := msg.Y - l.filterLines()
		if row < 0 || row >= l.rowsHeight() {
			return false
		}
		i := l.offset + row
		if i >= len(l.rows) || !l.selectable(l.rows[i]) {
			return false
		}
		if i == l.cursor {
			return true
		}
		l.moveTo(i)
	}
	return false
}

// View draws exactly height lines.
func (l *Model[T]) View() string {
	if l.height <= 0 {
		return ""
	}
	lines := make([]string, 0, l.height)
	if l.filterLines() > 0 {
		lines = append(lines, l.filterView())
	}
	h := l.rowsHeight()
	switch {
	case len(l.all) == 0:
		lines = append(lines, l.Styles.Empty.Render(cells.Truncate(l.empty, l.width)))
	case len(l.rows) == 0:
		lines = append(lines, l.Styles.Empty.Render(cells.Truncate("Nothing matches "+cells.Quote(l.query)+"; "+l.KeyMap.ClearFilter.Help().Key+" clears the filter.", l.width)))
	default:
		end := min(len(l.rows), l.offset+h)
		for i := l.offset; i < end; i++ {
			lines = append(lines, l.render(l.rows[i], l.width, i == l.cursor))
		}
	}
	for len(lines) < l.height {
		lines = append(lines, "")
	}
	return strings.Join(lines[:l.height], "\n")
}

func (l *Model[T]) filterView() string {
	_, total := l.Position()
	count := l.Styles.Count.Render(fmt.Sprintf(" %d %s", total, matchWord(total)))
	text := l.Styles.FilterText.Render(cells.Clean(l.query))
	if l.editing {
		text += l.Styles.FilterPrompt.Render("█")
		if l.query == "" {
			text += l.Styles.FilterHint.Render(" " + l.typeHint)
		}
	}
	room := l.width - ansi.StringWidth(count)
	// While typing, keep the end of a long filter in view.
	line := l.Styles.FilterPrompt.Render("/ ") + text
	if w := ansi.StringWidth(line); w > room && l.editing && room > 3 {
		line = l.Styles.FilterPrompt.Render("/ ") + ansi.TruncateLeft(text, w-room+1, cells.Ellipsis)
	}
	return cells.Truncate(line, room) + count
}

// ShortHelp and FullHelp are the list's part of a page's help.
func (l *Model[T]) ShortHelp() []key.Binding {
	if l.editing {
		return []key.Binding{l.KeyMap.AcceptFilter, l.KeyMap.CancelFilter}
	}
	b := []key.Binding{l.KeyMap.Up, l.KeyMap.Down}
	if l.filter != nil {
		b = append(b, l.KeyMap.Filter)
	}
	if l.query != "" {
		b = append(b, l.KeyMap.ClearFilter)
	}
	return b
}

func (l *Model[T]) FullHelp() [][]key.Binding {
	if l.editing {
		return [][]key.Binding{
			{l.KeyMap.AcceptFilter, l.KeyMap.CancelFilter, l.KeyMap.Up, l.KeyMap.Down},
			{l.KeyMap.DeleteChar, l.KeyMap.DeleteWord, l.KeyMap.DeleteAll},
		}
	}
	move := []key.Binding{l.KeyMap.Up, l.KeyMap.Down, l.KeyMap.PageUp, l.KeyMap.PageDown, l.KeyMap.Top, l.KeyMap.Bottom}
	if l.filter == nil {
		return [][]key.Binding{move}
	}
	f := []key.Binding{l.KeyMap.Filter}
	if l.query != "" {
		f = append(f, l.KeyMap.ClearFilter)
	}
	return [][]key.Binding{move, f}
}

func matchWord(n int) string {
	if n == 1 {
		return "match"
	}
	return "matches"
}

// SelectedID is the identity of the row under the cursor ("" when none).
func (l *Model[T]) SelectedID() string {
	if r, ok := l.Selected(); ok && l.id != nil {
		return l.id(r)
	}
	return ""
}
