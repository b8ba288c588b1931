package tui

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/fieldwork-audit/fieldwork/model"
	"github.com/fieldwork-audit/fieldwork/tui/widget/list"
)

// trailScope is what an audit trail screen shows: the whole file, one
// control's workpaper, or one record.
type trailScope struct {
	control string // a control's reference
	record  string // a record's UUID
	label   string // "control CHG-01", "exception EX-01"
}

func (s trailScope) whole() bool { return s.control == "" && s.record == "" }

// trailPageSize is how many entries the screen holds: it pages through the
// trail with keyset queries (entries after a sequence number), so the trail
// is never read whole.
const trailPageSize = 200

// trailPage is the audit trail, a page of entries at a time. Moving past
// the last entry reads the next page; past the first, the previous one.
type trailPage struct {
	common
	lazy
	scope trailScope
	list  list.Model[model.Change]

	labels map[string]string // record UUID → what people call it
	after  int64             // the AfterSeq of the page shown
	back   []int64           // the AfterSeq of the pages before it
	more   bool              // another page follows
	newest int64             // the newest entry of the file

	reqID   int64
	loading bool
	loaded  bool
	err     error

	seqW, userW int
}

func newTrailPage(c common, scope trailScope) *trailPage {
	// The Trail tab's own screen reads only while shown; a record's
	// history is opened where it is seen.
	p := &trailPage{common: c, scope: scope, lazy: lazy{visible: !scope.whole(), stale: scope.whole()}}
	p.list = newList(c, list.Config[model.Change]{
		ID:     func(ch model.Change) string { return strconv.FormatInt(ch.Seq, 10) },
		Render: p.renderRow,
		Empty:  "Reading the audit trail…",
	})
	return p
}

// trailLoadedMsg carries one page of the trail.
type trailLoadedMsg struct {
	id      int64
	entries []model.Change
	after   int64
	back    []int64 // set when the load walked to the end
	more    bool
	newest  int64
	labels  map[string]string
	cursor  trailCursor
	err     error
}

// trailCursor says where the cursor goes in a page that arrives.
type trailCursor int

const (
	cursorKeep trailCursor = iota
	cursorFirst
	cursorLast
)

// loadTrail reads the page of entries after after (or, with toEnd, the
// last page, walking forward a page at a time and keeping only the page
// starts). It captures values only.
func loadTrail(ctx context.Context, wp *model.Workpaper, id int64, scope trailScope, after int64, size int, toEnd, labels bool, cursor trailCursor) tea.Cmd {
	return readCmd(ctx, func(ctx context.Context) tea.Msg {
		msg := trailLoadedMsg{id: id, after: after, cursor: cursor}
		if msg.newest, msg.err = wp.LastChange(ctx); msg.err != nil {
			return msg
		}
		f := model.TrailFilter{ControlRef: scope.control, RecordUUID: scope.record, AfterSeq: after, Limit: size + 1}
		if toEnd && scope.whole() {
			f.AfterSeq = max(0, msg.newest-trailPageSize)
			msg.after = f.AfterSeq
			toEnd = false
		}
		for {
			entries, err := wp.Trail(ctx, f)
			if err != nil {
				msg.err = err
				return msg
			}
			msg.more = len(entries) > size
			if msg.more {
				entries = entries[:size]
			}
			if !toEnd || !msg.more {
				msg.entries = entries
				break
			}
			msg.back = append(msg.back, f.AfterSeq)
			f.AfterSeq = entries[len(entries)-1].Seq
			msg.after = f.AfterSeq
		}
		if labels {
			msg.labels, msg.err = wp.RecordLabels(ctx)
		}
		return msg
	})
}

// Init reads the trail's last page: the latest changes first.
func (p *trailPage) Init() tea.Cmd { return p.load(0, true, cursorLast) }

func (p *trailPage) load(after int64, toEnd bool, cursor trailCursor) tea.Cmd {
	return p.loadSized(after, trailPageSize, toEnd, cursor)
}

// loadSized reads a page of size entries (the first page, reached
// backwards, holds only those before the page it came from).
func (p *trailPage) loadSized(after int64, size int, toEnd bool, cursor trailCursor) tea.Cmd {
	p.reqID = nextRequestID()
	p.loading = true
	return tea.Batch(loadTrail(p.ctx, p.wp, p.reqID, p.scope, after, size, toEnd, true, cursor), busyCmd)
}

func (p *trailPage) Title() string {
	if p.scope.whole() {
		return tabTrail.String()
	}
	return "History of " + oneLine(p.scope.label)
}

func (p *trailPage) InputFocused() bool { return p.list.Editing() }
func (p *trailPage) HandlesBack() bool  { return p.list.Editing() }

func (p *trailPage) Busy() string {
	if p.loading {
		return "reading the audit trail…"
	}
	return ""
}

// SetData re-reads the page shown: the trail may have grown.
func (p *trailPage) SetData(d *snapshot) tea.Cmd { return p.changed(p.reload) }

func (p *trailPage) setVisible(v bool) tea.Cmd { return p.show(v, p.reload) }

func (p *trailPage) reload() tea.Cmd {
	if !p.loaded && !p.loading {
		return p.load(0, true, cursorLast)
	}
	p.reqID = nextRequestID()
	p.loading = true
	return loadTrail(p.ctx, p.wp, p.reqID, p.scope, p.after, trailPageSize, false, true, cursorKeep)
}

func (p *trailPage) SetSize(width, height int) {
	p.common.SetSize(width, height)
	p.list.SetSize(width, height-1)
}

func (p *trailPage) Update(msg tea.Msg) (page, tea.Cmd) {
	switch msg := msg.(type) {
	case trailLoadedMsg:
		if fresh, cmd := answer(p.reqID, msg.id, msg.err, &p.loading, &p.err); !fresh || cmd != nil {
			return p, cmd
		}
		p.loaded = true
		if msg.back != nil {
			p.back = append(p.back, msg.back...)
		}
		p.after, p.more, p.newest = msg.after, msg.more, msg.newest
		if msg.labels != nil {
			p.labels = msg.labels
		}
		p.list.SetEmpty("No changes recorded.")
		if !p.scope.whole() {
			p.list.SetEmpty("No changes recorded for " + oneLine(p.scope.label) + ".")
		}
		p.seqW = max(4, len(strconv.FormatInt(p.newest, 10)))
		p.userW = 4
		for _, c := range msg.entries {
			p.userW = max(p.userW, min(14, ansi.StringWidth(oneLine(c.User))))
		}
		p.list.SetItems(msg.entries)
		switch msg.cursor {
		case cursorFirst:
			p.list.SelectFirst()
		case cursorLast:
			p.list.SelectLast()
		}
		return p, nil

	case tea.KeyMsg:
		if p.list.Editing() {
			_, cmd := p.list.Update(msg)
			return p, cmd
		}
		k := p.keys
		switch {
		case key.Matches(msg, k.Open):
			if c, ok := p.list.Selected(); ok {
				return p, pushCmd(newChangePage(p.common, c, p.label(c), p.labels))
			}
			return p, nil
		case key.Matches(msg, k.Verify):
			return p, pushCmd(newVerifyPage(p.common))
		case key.Matches(msg, k.Down), key.Matches(msg, k.PageDown):
			if p.atEnd() && p.more && !p.loading {
				return p, p.next()
			}
		case key.Matches(msg, k.Up), key.Matches(msg, k.PageUp):
			if p.atStart() && p.hasPrev() && !p.loading {
				return p, p.prev()
			}
		case key.Matches(msg, k.Top):
			if p.after > 0 {
				p.back = nil
				return p, p.load(0, false, cursorFirst)
			}
		case key.Matches(msg, k.Bottom):
			if p.more {
				return p, p.load(p.after, true, cursorLast)
			}
		}
		_, cmd := p.list.Update(msg)
		return p, cmd

	case tea.MouseMsg:
		msg.Y-- // the summary line
		if msg.Action == tea.MouseActionPress && msg.Button == tea.MouseButtonWheelDown && p.atEnd() && p.more && !p.loading {
			return p, p.next()
		}
		if msg.Action == tea.MouseActionPress && msg.Button == tea.MouseButtonWheelUp && p.atStart() && p.hasPrev() && !p.loading {
			return p, p.prev()
		}
		if open, _ := p.list.Update(msg); open {
			if c, ok := p.list.Selected(); ok {
				return p, pushCmd(newChangePage(p.common, c, p.label(c), p.labels))
			}
		}
	}
	return p, nil
}

func (p *trailPage) atEnd() bool {
	return len(p.list.Rows()) == 0 || p.list.Cursor() == len(p.list.Rows())-1
}

func (p *trailPage) atStart() bool { return p.list.Cursor() <= 0 }

func (p *trailPage) hasPrev() bool {
	return len(p.back) > 0 || (p.scope.whole() && p.after > 0)
}

func (p *trailPage) next() tea.Cmd {
	rows := p.list.Rows()
	if len(rows) == 0 {
		return nil
	}
	p.back = append(p.back, p.after)
	return p.load(rows[len(rows)-1].Seq, false, cursorFirst)
}

func (p *trailPage) prev() tea.Cmd {
	var after int64
	if n := len(p.back); n > 0 {
		after, p.back = p.back[n-1], p.back[:n-1]
	} else {
		// Whole file: the numbers have no holes. Near the start the page
		// holds only the entries before this one, not a full page again.
		after = max(0, p.after-trailPageSize)
		return p.loadSized(after, int(p.after-after), false, cursorLast)
	}
	return p.load(after, false, cursorLast)
}

// label names the record an entry is about.
func (p *trailPage) label(c model.Change) string {
	if l, ok := p.labels[c.RecordUUID]; ok {
		return l
	}
	l := tableWord(c.Table)
	if s, ok := p.labels[c.Scope]; ok && c.Scope != c.RecordUUID {
		l += " in " + s
	}
	return l
}

func (p *trailPage) View() string {
	if p.height <= 0 {
		return ""
	}
	return p.summary() + "\n" + p.list.View()
}

func (p *trailPage) summary() string {
	s := p.styles
	var left string
	rows := p.list.Rows()
	switch {
	case !p.loaded:
		left = "Reading…"
	case len(rows) == 0:
		left = "No entries"
	case p.scope.whole():
		left = fmt.Sprintf("Entries %s–%s of %s", thousands(int(rows[0].Seq)), thousands(int(rows[len(rows)-1].Seq)), thousands(int(p.newest)))
	default:
		left = fmt.Sprintf("%s of the file's %s entries", plural(len(rows), "entry", "entries"), thousands(int(p.newest)))
		if p.more || p.hasPrev() {
			left = fmt.Sprintf("Entries #%s to #%s shown", thousands(int(rows[0].Seq)), thousands(int(rows[len(rows)-1].Seq)))
		}
	}
	if p.more {
		left += symSep + "↓ more after"
	}
	if p.hasPrev() {
		left += symSep + "↑ more before"
	}
	var right string
	if c, ok := p.list.Selected(); ok {
		right = "#" + thousands(int(c.Seq))
	}
	return spread(s.Muted.Render(left), s.Muted.Render(right), p.width)
}

// trailWide is the width from which rows show the date and the year.
const trailWide = 110

func (p *trailPage) renderRow(c model.Change, w int, selected bool) string {
	s := p.styles
	marker := "  "
	if selected {
		marker = symCursor + " "
	}
	when := c.At.In(p.now().Location()).Format("01-02 15:04")
	if w >= trailWide {
		when = c.At.In(p.now().Location()).Format("2006-01-02 15:04")
	}
	seq := fitRight(strconv.FormatInt(c.Seq, 10), p.seqW)
	user := fit(oneLine(c.User), p.userW)
	what := changeText(c, p.label(c), p.labels)
	line := marker + seq + "  " + when + "  " + user + "  "
	if selected {
		return s.Selected.Render(fit(line+what, w))
	}
	return fit(marker+s.Muted.Render(seq+"  "+when+"  ")+user+"  "+what, w)
}

// changeText says what an entry changed, on one line. A value that is a
// record's UUID shows as the record's name.
func changeText(c model.Change, label string, labels map[string]string) string {
	quoteValue := func(v *string) string {
		if v != nil {
			if l, ok := labels[*v]; ok {
				return l
			}
		}
		return quoteValue(v)
	}
	label = oneLine(label)
	switch c.Op {
	case "insert":
		t := "created " + label
		for i, v := range c.Values {
			sep := ": "
			if i > 0 {
				sep = ", "
			}
			val := v.Value
			t += sep + oneLine(strings.ReplaceAll(v.Field, "_", " ")) + " = " + quoteValue(&val)
		}
		return t
	case "delete":
		t := "deleted " + label
		if c.Note != "" {
			t += ": " + oneLine(c.Note)
		}
		return t
	case "event":
		return label + ": " + oneLine(c.Note)
	}
	if len(c.Fields) > 0 {
		parts := make([]string, len(c.Fields))
		for i, f := range c.Fields {
			parts[i] = oneLine(strings.ReplaceAll(f.Field, "_", " ")) + ": " + quoteValue(f.Old) + " → " + quoteValue(f.New)
		}
		return label + symSep + strings.Join(parts, ", ")
	}
	field := oneLine(strings.ReplaceAll(c.Field, "_", " "))
	switch {
	case c.Old == nil:
		return label + symSep + field + " = " + quoteValue(c.New)
	default:
		return label + symSep + field + ": " + quoteValue(c.Old) + " → " + quoteValue(c.New)
	}
}

// quoteValue shows a logged value: ∅ for none, the text in quotes, cut to
// a readable length.
func quoteValue(v *string) string {
	if v == nil {
		return "∅"
	}
	t := oneLine(*v)
	if ansi.StringWidth(t) > 60 {
		t = ansi.Truncate(t, 59, symEllipsis)
	}
	return "“" + t + "”"
}

func (p *trailPage) ShortHelp() []key.Binding {
	if p.list.Editing() {
		return p.list.ShortHelp()
	}
	if p.scope.whole() {
		return shortFitTop(p.width, p.keys.Open, p.keys.Verify, p.keys.Bottom)
	}
	return shortFit(p.width, p.keys.Open, p.keys.Verify, p.keys.Bottom)
}

func (p *trailPage) FullHelp() [][]key.Binding {
	if p.list.Editing() {
		return p.list.FullHelp()
	}
	return [][]key.Binding{
		{p.keys.Up, p.keys.Down, p.keys.PageUp, p.keys.PageDown, p.keys.Top, p.keys.Bottom},
		{p.keys.Open, p.keys.Verify},
	}
}

// changePage is one audit-trail entry in full.
type changePage struct {
	docPage
	c      model.Change
	label  string
	labels map[string]string // record UUID → name, for values that name a record
}

func newChangePage(c common, ch model.Change, label string, labels map[string]string) *changePage {
	p := &changePage{docPage: newDocPage(c), c: ch, label: label, labels: labels}
	p.docPage.render = p.render
	return p
}

func (p *changePage) Init() tea.Cmd               { return nil }
func (p *changePage) Title() string               { return "#" + strconv.FormatInt(p.c.Seq, 10) }
func (p *changePage) InputFocused() bool          { return false }
func (p *changePage) HandlesBack() bool           { return false }
func (p *changePage) Busy() string                { return "" }
func (p *changePage) SetData(d *snapshot) tea.Cmd { return nil }

func (p *changePage) render(w int) []string {
	s, c := p.styles, p.c
	out := []string{truncate(s.Title.Render(fmt.Sprintf("Audit-trail entry #%s", thousands(int(c.Seq))))+"  "+s.Value.Render(changeOp(c.Op)+" "+oneLine(p.label)), w), ""}
	out = append(out, field(s, "When", c.At.In(p.now().Location()).Format("2006-01-02 15:04:05 MST"), w)...)
	out = append(out, field(s, "Who", c.User, w)...)
	out = append(out, field(s, "Record", tableWord(c.Table)+symSep+c.RecordUUID, w)...)
	if c.Field != "" {
		out = append(out, field(s, "Field", c.Field, w)...)
	}
	if c.Note != "" {
		out = append(out, field(s, "Note", c.Note, w)...)
	}
	if c.Op == "insert" && len(c.Values) > 0 {
		out = append(out, "", s.Section.Render("Created with"))
		for _, v := range c.Values {
			val := v.Value
			if l, ok := p.labels[val]; ok {
				val = l
			}
			out = append(out, field(s, strings.ReplaceAll(v.Field, "_", " "), val, w)...)
		}
	}
	for _, f := range c.Fields {
		out = append(out, "", s.Section.Render(strings.ReplaceAll(f.Field, "_", " ")+": before"))
		out = append(out, valueLines(s, f.Old, w)...)
		out = append(out, "", s.Section.Render(strings.ReplaceAll(f.Field, "_", " ")+": after"))
		out = append(out, valueLines(s, f.New, w)...)
	}
	if c.Op == "update" && len(c.Fields) == 0 {
		out = append(out, "", s.Section.Render("Before"))
		out = append(out, valueLines(s, c.Old, w)...)
		out = append(out, "", s.Section.Render("After"))
		out = append(out, valueLines(s, c.New, w)...)
	}
	out = append(out, "")
	out = append(out, field(s, "Hash", c.Hash, w)...)
	return out
}

func changeOp(op string) string {
	switch op {
	case "insert":
		return "created"
	case "update":
		return "changed"
	case "delete":
		return "deleted"
	}
	return oneLine(op)
}

func valueLines(s *Styles, v *string, w int) []string {
	if v == nil {
		return []string{"  " + s.Dim.Render("(none)")}
	}
	lines := wrap(sanitize(*v), max(1, min(w-2, controlTextWidth)))
	if len(lines) == 0 {
		return []string{"  " + s.Dim.Render("(empty)")}
	}
	for i, l := range lines {
		lines[i] = "  " + l
	}
	return lines
}

func (p *changePage) Update(msg tea.Msg) (page, tea.Cmd) {
	switch msg.(type) {
	case tea.KeyMsg, tea.MouseMsg:
		return p, p.doc.Update(msg)
	}
	return p, nil
}

func (p *changePage) View() string {
	v := p.doc.View()
	return v
}

func (p *changePage) ShortHelp() []key.Binding {
	if !p.doc.Overflows() {
		return nil
	}
	return []key.Binding{p.keys.Down, p.keys.PageDown}
}

func (p *changePage) FullHelp() [][]key.Binding {
	if !p.doc.Overflows() {
		return nil
	}
	return [][]key.Binding{{p.keys.Up, p.keys.Down, p.keys.PageUp, p.keys.PageDown}}
}
