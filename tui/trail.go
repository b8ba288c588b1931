package tui

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/fieldwork-audit/fieldwork/model"
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
	list  listView[model.Change]

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
	p.list = newListView(c, listConfig[model.Change]{
		id:     func(ch model.Change) string { return strconv.FormatInt(ch.Seq, 10) },
		render: p.renderRow,
		empty:  "Reading the audit trail…",
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
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, loadTimeout)
		defer cancel()
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
	}
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
		if msg.id != p.reqID {
			return p, nil
		}
		p.loading = false
		if msg.err != nil {
			p.err = msg.err
			return p, errCmd(msg.err)
		}
		p.err, p.loaded = nil, true
		if msg.back != nil {
			p.back = append(p.back, msg.back...)
		}
		p.after, p.more, p.newest = msg.after, msg.more, msg.newest
		if msg.labels != nil {
			p.labels = msg.labels
		}
		p.list.empty = "No changes recorded."
		if !p.scope.whole() {
			p.list.empty = "No changes recorded for " + oneLine(p.scope.label) + "."
		}
		p.seqW = max(4, len(strconv.FormatInt(p.newest, 10)))
		p.userW = 4
		for _, c := range msg.entries {
			p.userW = max(p.userW, min(14, ansi.StringWidth(oneLine(c.User))))
		}
		p.list.SetItems(msg.entries)
		switch msg.cursor {
		case cursorFirst:
			p.list.moveTo(p.list.nearest(0, 1))
		case cursorLast:
			p.list.moveTo(p.list.nearest(len(p.list.rows)-1, -1))
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
	return len(p.list.rows) == 0 || p.list.cursor == len(p.list.rows)-1
}

func (p *trailPage) atStart() bool { return p.list.cursor <= 0 }

func (p *trailPage) hasPrev() bool {
	return len(p.back) > 0 || (p.scope.whole() && p.after > 0)
}

func (p *trailPage) next() tea.Cmd {
	rows := p.list.rows
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
	rows := p.list.rows
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
			t += sep + oneLine(stringsReplaceUnderscore(v.Field)) + " = " + quoteValue(&val)
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
			parts[i] = oneLine(stringsReplaceUnderscore(f.Field)) + ": " + quoteValue(f.Old) + " → " + quoteValue(f.New)
		}
		return label + symSep + strings.Join(parts, ", ")
	}
	field := oneLine(stringsReplaceUnderscore(c.Field))
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
	common
	c      model.Change
	label  string
	labels map[string]string // record UUID → name, for values that name a record
	scrollDoc
}

func newChangePage(c common, ch model.Change, label string, labels map[string]string) *changePage {
	return &changePage{common: c, c: ch, label: label, labels: labels, scrollDoc: newScrollDoc(c)}
}

func (p *changePage) Init() tea.Cmd               { return nil }
func (p *changePage) Title() string               { return "#" + strconv.FormatInt(p.c.Seq, 10) }
func (p *changePage) InputFocused() bool          { return false }
func (p *changePage) HandlesBack() bool           { return false }
func (p *changePage) Busy() string                { return "" }
func (p *changePage) SetData(d *snapshot) tea.Cmd { return nil }

func (p *changePage) SetSize(width, height int) {
	p.common.SetSize(width, height)
	p.setLines(p.render(width), width, height)
}

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
			out = append(out, field(s, stringsReplaceUnderscore(v.Field), val, w)...)
		}
	}
	for _, f := range c.Fields {
		out = append(out, "", s.Section.Render(stringsReplaceUnderscore(f.Field)+": before"))
		out = append(out, valueLines(s, f.Old, w)...)
		out = append(out, "", s.Section.Render(stringsReplaceUnderscore(f.Field)+": after"))
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
		return p, p.scroll(msg)
	}
	return p, nil
}

func (p *changePage) View() string {
	v := p.docView(p.styles, p.width)
	return v
}

func (p *changePage) ShortHelp() []key.Binding {
	if !p.overflow {
		return nil
	}
	return []key.Binding{p.keys.Down, p.keys.PageDown}
}

func (p *changePage) FullHelp() [][]key.Binding {
	if !p.overflow {
		return nil
	}
	return [][]key.Binding{{p.keys.Up, p.keys.Down, p.keys.PageUp, p.keys.PageDown}}
}

// verifyPage checks the whole file (SQLite's integrity, the trail's hash
// chain, attached evidence, every sample re-performed) in the background
// and shows the report. esc while it runs cancels it.
type verifyPage struct {
	common
	reqID   int64
	cancel  context.CancelFunc
	running bool
	report  *model.VerifyReport
	err     error
	took    time.Duration
	scrollDoc
}

func newVerifyPage(c common) *verifyPage {
	return &verifyPage{common: c, scrollDoc: newScrollDoc(c)}
}

type verifiedMsg struct {
	id     int64
	report *model.VerifyReport
	took   time.Duration
	err    error
}

// verifyWorkpaper runs Verify; it captures the handle and a context.
func verifyWorkpaper(ctx context.Context, wp *model.Workpaper, id int64) tea.Cmd {
	return func() tea.Msg {
		start := time.Now()
		r, err := wp.Verify(ctx)
		return verifiedMsg{id: id, report: r, took: time.Since(start), err: err}
	}
}

func (p *verifyPage) Init() tea.Cmd { return p.start() }

func (p *verifyPage) start() tea.Cmd {
	if p.cancel != nil {
		p.cancel()
	}
	ctx, cancel := context.WithCancel(p.ctx)
	p.cancel = cancel
	p.reqID = nextRequestID()
	p.running, p.report, p.err = true, nil, nil
	p.layout()
	return tea.Batch(verifyWorkpaper(ctx, p.wp, p.reqID), busyCmd)
}

func (p *verifyPage) Title() string               { return "Verify" }
func (p *verifyPage) InputFocused() bool          { return false }
func (p *verifyPage) HandlesBack() bool           { return p.running }
func (p *verifyPage) SetData(d *snapshot) tea.Cmd { return nil }

func (p *verifyPage) Busy() string {
	if p.running {
		return "verifying the workpaper: integrity, audit trail, evidence, samples…"
	}
	return ""
}

// Discard stops a running check when the screen is thrown away.
func (p *verifyPage) Discard() {
	if p.cancel != nil {
		p.cancel()
	}
}

func (p *verifyPage) SetSize(width, height int) {
	p.common.SetSize(width, height)
	p.layout()
}

func (p *verifyPage) layout() {
	p.setLines(p.render(p.width), p.width, p.height)
}

func (p *verifyPage) Update(msg tea.Msg) (page, tea.Cmd) {
	switch msg := msg.(type) {
	case verifiedMsg:
		if msg.id != p.reqID {
			return p, nil
		}
		p.running = false
		p.report, p.err, p.took = msg.report, msg.err, msg.took
		p.layout()
		if msg.err != nil {
			return p, errCmd(msg.err)
		}
		if msg.report.OK {
			return p, statusCmd("The workpaper verifies.")
		}
		return p, nil
	case tea.KeyMsg:
		switch {
		case p.running && key.Matches(msg, p.keys.CancelRun):
			p.Discard()
			p.running = false
			return p, tea.Batch(popCmd(p), statusCmd("Verification cancelled."))
		case key.Matches(msg, p.keys.Verify):
			return p, p.start()
		}
		return p, p.scroll(msg)
	case tea.MouseMsg:
		return p, p.scroll(msg)
	}
	return p, nil
}

func (p *verifyPage) render(w int) []string {
	s := p.styles
	if w <= 0 {
		return nil
	}
	switch {
	case p.running:
		return []string{s.Muted.Render(truncate("Verifying the workpaper: every record replayed from the audit trail, its hash chain and signatures, populations, sign-offs, attached evidence and every sample re-performed…", w)),
			"", s.Dim.Render(truncate("esc cancels.", w))}
	case p.err != nil:
		return append([]string{s.Gap.Render(truncate(symGap+" The check could not finish.", w)), ""}, wrap(errorText(p.err), w)...)
	case p.report == nil:
		return nil
	}
	r := p.report
	var out []string
	if r.OK {
		out = append(out, s.Covered.Render(truncate(symCovered+" The workpaper verifies: nothing was altered outside fieldwork.", w)))
	} else {
		out = append(out, s.Gap.Render(truncate(symGap+" The workpaper does not verify: see the problems below.", w)))
	}
	out = append(out, s.Muted.Render(truncate(fmt.Sprintf("Checked in %s.", p.took.Round(time.Millisecond)), w)), "")
	matching := 0
	for _, sc := range r.Selections {
		if sc.Matches {
			matching++
		}
	}
	check := func(ok bool, what, detail string) {
		sym, st := symCovered, s.Covered
		if !ok {
			sym, st = symGap, s.Gap
		}
		out = append(out, truncate("  "+st.Render(sym)+" "+s.Label.Render(fit(what, 22))+detail, w))
	}
	check(len(r.Integrity) == 0, "SQLite integrity", map[bool]string{true: "ok", false: plural(len(r.Integrity), "problem", "problems")}[len(r.Integrity) == 0])
	check(len(r.Trail) == 0, "Audit trail", thousands(int(r.Entries))+" entries; "+map[bool]string{true: "the hash chain is intact", false: plural(len(r.Trail), "problem", "problems")}[len(r.Trail) == 0])
	sig := r.Signatures
	check(len(sig.Problems) == 0, "Signatures", fmt.Sprintf("%s of %s signed; ", thousands(int(sig.Signed)), thousands(int(r.Entries)))+
		map[bool]string{true: "every signature verifies", false: plural(len(sig.Problems), "problem", "problems")}[len(sig.Problems) == 0])
	check(len(r.Records) == 0, "Records replayed", plural(int(r.RecordsChecked), "record", "records")+"; "+
		map[bool]string{true: "each as the trail says", false: plural(len(r.Records), "difference", "differences")}[len(r.Records) == 0])
	check(len(r.Populations) == 0, "Population rows", map[bool]string{true: "rows and flags match their digests", false: plural(len(r.Populations), "problem", "problems")}[len(r.Populations) == 0])
	check(len(r.SignOffs) == 0, "Sign-offs", map[bool]string{true: "each covers what it signed", false: plural(len(r.SignOffs), "problem", "problems")}[len(r.SignOffs) == 0])
	check(len(r.Blobs) == 0, "Attached evidence", plural(r.BlobCount, "file", "files")+"; "+map[bool]string{true: "every hash matches", false: plural(len(r.Blobs), "mismatch", "mismatches")}[len(r.Blobs) == 0])
	check(matching == len(r.Selections), "Sample selections", fmt.Sprintf("%d of %s re-performed alike", matching, plural(len(r.Selections), "sample", "samples")))
	// The head is quoted whole or not at all: it goes on a line of its own
	// when the label and the head do not fit side by side.
	if head := r.Head.String(); w >= 26+len(head) {
		out = append(out, "", "  "+s.Label.Render(fit("Trail head", 22))+head)
	} else {
		out = append(out, "", "  "+s.Label.Render("Trail head"), "  "+truncate(head, max(1, w-2)))
	}
	for _, l := range wrap("Quote it elsewhere: 'fieldwork verify FILE --head SEQ:HASH' proves this history is still in the file.", max(1, w-2)) {
		out = append(out, "  "+s.Muted.Render(l))
	}
	var problems []string
	problems = append(problems, r.Integrity...)
	problems = append(problems, r.Trail...)
	problems = append(problems, sig.Problems...)
	problems = append(problems, r.Records...)
	problems = append(problems, r.Populations...)
	problems = append(problems, r.SignOffs...)
	problems = append(problems, r.Blobs...)
	for _, sc := range r.Selections {
		for _, pr := range sc.Problems {
			problems = append(problems, sc.ControlRef+": "+pr)
		}
	}
	if len(sig.Notes) > 0 {
		out = append(out, "", s.Section.Render("Who signed"))
		for _, n := range sig.Notes {
			for i, l := range wrap(oneLine(n), max(1, w-4)) {
				prefix := "    "
				if i == 0 {
					prefix = "  · "
				}
				out = append(out, prefix+l)
			}
		}
	}
	if len(problems) > 0 {
		out = append(out, "", s.Section.Render(fmt.Sprintf("Problems (%d)", len(problems))))
		for _, pr := range problems {
			for i, l := range wrap(oneLine(pr), max(1, w-4)) {
				prefix := "    "
				if i == 0 {
					prefix = "  " + s.Gap.Render(symGap) + " "
				}
				out = append(out, prefix+l)
			}
		}
	}
	return out
}

func (p *verifyPage) View() string {
	v := p.docView(p.styles, p.width)
	return v
}

func (p *verifyPage) ShortHelp() []key.Binding {
	if p.running {
		return []key.Binding{p.keys.CancelRun}
	}
	b := p.keys.Verify
	b.SetHelp(b.Help().Key, "verify again")
	return []key.Binding{b}
}

func (p *verifyPage) FullHelp() [][]key.Binding {
	return [][]key.Binding{p.ShortHelp(), {p.keys.Up, p.keys.Down, p.keys.PageUp, p.keys.PageDown}}
}
