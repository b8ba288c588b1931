package tui

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/fieldwork-audit/fieldwork/model"
	"github.com/fieldwork-audit/fieldwork/tui/widget/confirm"
)

// gridPage is the testing grid of one control: a row per selected item,
// a column per attribute, the client's columns beside them. It holds a
// window of rows read page by page from SQLite (model.SampleRows, keyset
// by ordinal) and draws only the rows on screen, so a sample of 100,000
// items moves as fast as one of 20.
//
// Marks are shown at once and written in a tea.Cmd; a failed write puts
// the cell back and says why. A write carries the version of the result
// it changes, so a result someone else changed meanwhile is refused.
type gridPage struct {
	common
	ref string

	metaID int64
	meta   gridMeta
	err    error

	// The window: rows for ordinals base … base+len(rows)-1.
	winID   int64
	winFrom int // the ordinal the window being read starts at
	base    int
	rows    []gridRow

	cur    int // the cursor's ordinal, 1-based
	col    int // the cursor's attribute
	top    int // the first ordinal on screen
	colOff int // the first client column shown
	attOff int // the first attribute shown, when they do not all fit

	hidden  map[int]bool // client columns turned off
	rowsH   int
	layoutW gridWidths

	pending map[cellKey]*pendingWrite
	seq     int64

	// Modes.
	form      *form
	formKind  int
	formCell  cellKey
	formVer   int
	formHad   bool // the cell had a result when the form opened
	saveID    int64
	staleSeen bool

	ask       confirm.Model // "pass the rest of this row/column?"
	devPrompt bool          // a deviation was just marked: offer to log an exception
	linking   bool
	links     listView[model.Exception]
	choosing  bool
	colList   listView[int]
	bulkID    int64
	bulkWhat  string
	bulkStop  context.CancelFunc
	bulkCtx   context.Context
}

const (
	gridFormDetail = iota + 1
	gridFormException
)

// gridMeta is what the grid needs besides its rows.
type gridMeta struct {
	loaded     bool
	test       *model.ControlTest
	attrs      []model.Attribute // the test's, or attribute A to be created with the first result
	virtual    bool              // attrs is that one attribute, not yet created
	sel        model.Selection   // UUID and population only: the items are read by page
	total      int
	header     []string // the client's headings, sanitized
	idCol      string
	dateCol    string
	tickmarks  []model.Tickmark
	exceptions []model.Exception // this control's
	eval       *model.TestEvaluation
}

// gridRow is one selected item with its results.
type gridRow struct {
	ordinal, position, extension int
	id, date, flags              string
	cells                        []string
	res                          []gridCell
}

// gridCell is one result; an empty outcome is untested.
type gridCell struct {
	outcome  model.Outcome
	note     string
	tickmark string
	evidence string
	by       string
	at       string
	version  int
	pending  bool
}

type cellKey struct {
	ordinal int
	attr    int
}

// pendingWrite is a mark on its way to the workpaper.
type pendingWrite struct {
	seq    int64
	prev   gridCell          // what to put back if it fails
	in     model.ResultInput // what is written
	queued *gridCell         // a newer mark of the same cell, written after this one
}

// Window sizes: the grid reads winRows rows around the cursor, and reads
// again when the screen comes within winMargin rows of the window's edge.
const (
	winRows   = 240
	winMargin = 40
)

// Messages.
type (
	gridMetaMsg struct {
		id   int64
		meta gridMeta
		err  error
	}
	gridWindowMsg struct {
		id   int64
		from int
		rows []gridRow
		err  error
	}
	cellSavedMsg struct {
		seq  int64
		key  cellKey
		res  *model.Result
		eval *model.TestEvaluation
		err  error
	}
	gridSavedMsg struct {
		id   int64
		what string
		err  error
	}
)

func loadGridMeta(ctx context.Context, wp *model.Workpaper, id int64, ref string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, loadTimeout)
		defer cancel()
		msg := gridMetaMsg{id: id}
		m := &msg.meta
		var err error
		if m.test, err = wp.ControlTest(ctx, ref); err != nil {
			msg.err = err
			return msg
		}
		m.attrs = m.test.Attributes
		if len(m.attrs) == 0 {
			m.attrs, m.virtual = []model.Attribute{{Letter: "A", Text: model.DefaultAttribute + " (created with the first result)"}}, true
		}
		sel, err := wp.Selection(ctx, ref)
		if err != nil {
			msg.err = err
			return msg
		}
		if sel != nil {
			m.sel = model.Selection{UUID: sel.UUID, PopulationUUID: sel.PopulationUUID, ControlRef: sel.ControlRef, Record: sel.Record}
			m.total = len(sel.Items)
		}
		pop, err := wp.CurrentPopulation(ctx, ref)
		if err != nil {
			msg.err = err
			return msg
		}
		if pop != nil {
			for _, h := range pop.Header {
				m.header = append(m.header, oneLine(h))
			}
			m.idCol, m.dateCol = oneLine(pop.IDColumn), oneLine(pop.DateColumn)
		}
		if m.tickmarks, err = wp.Tickmarks(ctx); err != nil {
			msg.err = err
			return msg
		}
		all, err := wp.Exceptions(ctx)
		if err != nil {
			msg.err = err
			return msg
		}
		for _, x := range all {
			if strings.EqualFold(x.ControlRef, m.test.Control.Ref) {
				m.exceptions = append(m.exceptions, x)
			}
		}
		if m.eval, err = wp.Evaluate(ctx, ref); err != nil {
			msg.err = err
			return msg
		}
		m.loaded = true
		return msg
	}
}

// loadWindow reads the items from ordinal from on, with their results:
// two queries, whatever the size of the sample.
func loadWindow(ctx context.Context, wp *model.Workpaper, id int64, sel model.Selection, from, limit int, letters []string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, loadTimeout)
		defer cancel()
		items, err := wp.SampleRows(ctx, &sel, from, limit)
		if err != nil {
			return gridWindowMsg{id: id, from: from, err: err}
		}
		results, err := wp.ResultsForOrdinals(ctx, sel.UUID, from, limit)
		if err != nil {
			return gridWindowMsg{id: id, from: from, err: err}
		}
		return gridWindowMsg{id: id, from: from, rows: buildRows(items, results, letters)}
	}
}

// buildRows turns items and results into the grid's rows, sanitizing the
// client's text once, here, rather than at every frame.
func buildRows(items []model.SampleRow, results []model.ItemResult, letters []string) []gridRow {
	col := map[string]int{}
	for i, l := range letters {
		col[l] = i
	}
	rows := make([]gridRow, len(items))
	idx := make(map[int]int, len(items))
	for i, it := range items {
		r := gridRow{ordinal: it.Item.Ordinal, position: it.Item.Position, extension: it.Item.Extension,
			id: oneLine(it.Row.ID), date: it.Row.Date, res: make([]gridCell, len(letters))}
		if len(it.Row.Flags) > 0 {
			r.flags = strings.Join(it.Row.Flags, ", ")
		}
		r.cells = make([]string, len(it.Row.Cells))
		for j, c := range it.Row.Cells {
			r.cells[j] = oneLine(c)
		}
		rows[i] = r
		idx[r.ordinal] = i
	}
	for _, res := range results {
		i, ok := idx[res.Ordinal]
		j, ok2 := col[res.Attribute]
		if !ok || !ok2 {
			continue
		}
		rows[i].res[j] = cellOf(&res.Result)
	}
	return rows
}

func cellOf(r *model.Result) gridCell {
	return gridCell{outcome: r.Outcome, note: r.Note, tickmark: r.Tickmark, evidence: r.Evidence, by: r.TestedBy,
		at: r.TestedAt.Format("2006-01-02 15:04"), version: r.Version}
}

func newGridPage(c common, ref string) *gridPage {
	p := &gridPage{common: c, ref: ref, cur: 1, top: 1, hidden: map[int]bool{}, pending: map[cellKey]*pendingWrite{}, ask: newConfirm(c)}
	p.links = newListView(c, listConfig[model.Exception]{
		id:     func(x model.Exception) string { return x.Ref },
		render: p.renderLink,
		empty:  "This control has no exceptions yet: press e to log one.",
	})
	p.colList = newListView(c, listConfig[int]{
		id:     strconv.Itoa,
		render: p.renderColChoice,
		empty:  "The population has no columns.",
	})
	return p
}

func (p *gridPage) Init() tea.Cmd {
	p.metaID = nextRequestID()
	return loadGridMeta(p.ctx, p.common.wp, p.metaID, p.ref)
}

func (p *gridPage) Title() string      { return "Testing" }
func (p *gridPage) InputFocused() bool { return p.form != nil }
func (p *gridPage) HandlesBack() bool {
	return p.form != nil || p.ask.Asking() || p.devPrompt || p.linking || p.choosing || p.bulkID != 0
}

func (p *gridPage) Busy() string {
	switch {
	case p.bulkID != 0:
		return p.bulkWhat
	case p.form != nil && p.form.saving:
		return "saving…"
	case len(p.pending) > 0:
		return "saving " + plural(len(p.pending), "mark", "marks") + "…"
	case !p.meta.loaded && p.err == nil:
		return "reading the sample of " + oneLine(p.ref) + "…"
	case p.winID != 0:
		return "reading items…"
	}
	return ""
}

// Unsaved is an edited form, or marks not yet written.
func (p *gridPage) Unsaved() string {
	switch {
	case p.form != nil && p.form.dirty():
		return "the note, evidence or exception you were typing"
	case len(p.pending) > 0:
		return plural(len(p.pending), "mark", "marks") + " still being saved"
	case p.bulkID != 0:
		return "the bulk pass in progress"
	}
	return ""
}

// Discard stops a bulk pass.
func (p *gridPage) Discard() {
	if p.bulkStop != nil {
		p.bulkStop()
	}
}

func (p *gridPage) SetData(*snapshot) tea.Cmd {
	if p.meta.loaded {
		return p.reload()
	}
	return nil
}

// reload reads the grid's data again, keeping the cursor.
func (p *gridPage) reload() tea.Cmd {
	p.metaID = nextRequestID()
	return loadGridMeta(p.ctx, p.common.wp, p.metaID, p.ref)
}

// gridWidths are the grid's columns, laid out in SetSize.
type gridWidths struct {
	ord, id, date int
	attrs         int // attribute columns that fit
	client        []int
}

const (
	gridHeadLines = 2 // summary, headings
	gridPanel     = 4 // the current cell, its note, a prompt
	attrCellW     = 3
)

func (p *gridPage) SetSize(width, height int) {
	p.common.SetSize(width, height)
	p.layout()
}

func (p *gridPage) layout() {
	p.rowsH = max(1, p.height-gridHeadLines-gridPanel)
	if p.form != nil {
		p.form.SetSize(p.width, p.height)
	}
	p.links.SetSize(p.width, max(1, p.height-3))
	p.colList.SetSize(p.width, max(1, p.height-3))
	lw := &p.layoutW
	lw.ord = max(3, len(strconv.Itoa(p.meta.total)))
	lw.id, lw.date = 4, 0
	if p.meta.dateCol != "" {
		lw.date = 10
	}
	lw.id = max(lw.id, ansi.StringWidth(p.meta.idCol))
	for _, r := range p.rows {
		lw.id = max(lw.id, ansi.StringWidth(r.id))
	}
	lw.id = min(lw.id, 18)
	fixed := 2 + lw.ord + 1 + lw.id + 1 + lw.date + 2 + 2
	lw.attrs = max(1, min(len(p.meta.attrs), (p.width-fixed)/attrCellW))
	lw.client = make([]int, len(p.meta.header))
	for j, h := range p.meta.header {
		w := ansi.StringWidth(h)
		for _, r := range p.rows {
			if j < len(r.cells) {
				w = max(w, ansi.StringWidth(r.cells[j]))
			}
		}
		lw.client[j] = min(max(w, 3), 24)
	}
	p.scroll()
}

// scroll keeps the cursor on screen and the attribute under it shown.
func (p *gridPage) scroll() {
	if p.cur < p.top {
		p.top = p.cur
	}
	if p.cur >= p.top+p.rowsH {
		p.top = p.cur - p.rowsH + 1
	}
	p.top = max(1, min(p.top, p.meta.total-p.rowsH+1))
	n := p.layoutW.attrs
	if p.col < p.attOff {
		p.attOff = p.col
	}
	if p.col >= p.attOff+n {
		p.attOff = p.col - n + 1
	}
}

// row returns the loaded row at an ordinal.
func (p *gridPage) row(ordinal int) *gridRow {
	i := ordinal - p.base
	if i < 0 || i >= len(p.rows) || p.rows[i].ordinal != ordinal {
		return nil
	}
	return &p.rows[i]
}

// ensureWindow reads a new window when the screen nears the edge of the
// one held (one read at a time).
func (p *gridPage) ensureWindow() tea.Cmd {
	if !p.meta.loaded || p.meta.total == 0 || p.winID != 0 {
		return nil
	}
	lo, hi := p.top, min(p.meta.total, p.top+p.rowsH-1)
	end := p.base + len(p.rows) - 1
	covered := len(p.rows) > 0 && lo >= p.base && hi <= end
	nearLo := p.base > 1 && lo-p.base < winMargin
	nearHi := end < p.meta.total && end-hi < winMargin
	if covered && !nearLo && !nearHi {
		return nil
	}
	return p.readWindow(max(1, p.cur-winRows/2))
}

func (p *gridPage) readWindow(from int) tea.Cmd {
	p.winID = nextRequestID()
	p.winFrom = from
	letters := make([]string, len(p.meta.attrs))
	for i, a := range p.meta.attrs {
		letters[i] = a.Letter
	}
	return loadWindow(p.ctx, p.common.wp, p.winID, p.meta.sel, from, winRows, letters)
}

func (p *gridPage) Update(msg tea.Msg) (page, tea.Cmd) {
	switch msg := msg.(type) {
	case gridMetaMsg:
		if msg.id != p.metaID {
			return p, nil
		}
		if msg.err != nil {
			p.err = msg.err
			return p, errCmd(msg.err)
		}
		p.meta, p.err = msg.meta, nil
		p.cur = max(1, min(p.cur, p.meta.total))
		p.col = max(0, min(p.col, len(p.meta.attrs)-1))
		p.links.SetItems(p.meta.exceptions)
		cols := make([]int, len(p.meta.header))
		for i := range cols {
			cols[i] = i
		}
		p.colList.SetItems(cols)
		p.layout()
		if p.meta.total == 0 {
			return p, nil
		}
		p.winID = 0
		return p, p.readWindow(max(1, p.cur-winRows/2))

	case gridWindowMsg:
		if msg.id != p.winID {
			return p, nil
		}
		p.winID = 0
		if msg.err != nil {
			return p, errCmd(msg.err)
		}
		p.base, p.rows = msg.from, msg.rows
		// Marks still being written show as marked.
		for k, pw := range p.pending {
			if r := p.row(k.ordinal); r != nil && k.attr < len(r.res) {
				c := cellFromInput(pw.in, r.res[k.attr])
				if pw.queued != nil {
					c = *pw.queued
				}
				r.res[k.attr] = c
			}
		}
		if p.form != nil && p.staleSeen {
			p.staleSeen = false
			p.showTheirs()
		}
		p.layout()
		return p, p.ensureWindow()

	case cellSavedMsg:
		return p, p.saved(msg)

	case gridSavedMsg:
		if msg.id != p.saveID {
			return p, nil
		}
		p.saveID = 0
		if msg.err != nil {
			text := writeErrorText(msg.err, p.now)
			if p.form != nil {
				p.form.failed(text)
				if _, stale := staleText(msg.err, p.now); stale {
					p.staleSeen = true
					return p, p.readWindow(p.base)
				}
				return p, nil
			}
			if _, _, reviewed := reviewedAsk(msg.err, ""); reviewed {
				return p, tea.Batch(errCmd(msg.err), p.reload())
			}
			return p, tea.Batch(errCmd(errors.New(text)), p.reload())
		}
		p.form, p.linking = nil, false
		p.layout()
		return p, tea.Batch(statusCmd(msg.what), p.reload(), changedCmd)

	case bulkStepMsg:
		return p, p.bulkStepped(msg)

	case tea.KeyMsg:
		return p, p.key(msg)

	case tea.MouseMsg:
		return p, p.mouse(msg)
	}
	return p, nil
}

func (p *gridPage) key(msg tea.KeyMsg) tea.Cmd {
	k := p.keys
	switch {
	case p.form != nil:
		act, cmd := p.form.Update(msg)
		switch act {
		case formCancel:
			p.form = nil
			p.layout()
			return nil
		case formSubmit:
			return p.submitForm()
		}
		return cmd
	case p.ask.Asking():
		_, _, cmd := p.ask.Update(msg)
		return cmd
	case p.linking:
		switch {
		case key.Matches(msg, k.Open):
			return p.link()
		case key.Matches(msg, k.Back):
			p.linking = false
			return nil
		}
		_, cmd := p.links.Update(msg)
		return cmd
	case p.choosing:
		switch {
		case key.Matches(msg, k.MarkCycle):
			if j, ok := p.colList.Selected(); ok {
				p.hidden[j] = !p.hidden[j]
			}
			return nil
		case key.Matches(msg, k.Back), key.Matches(msg, k.Open), key.Matches(msg, k.ChooseColumns):
			p.choosing = false
			p.colOff = 0
			return nil
		}
		_, cmd := p.colList.Update(msg)
		return cmd
	case p.bulkID != 0 && key.Matches(msg, k.Back):
		p.bulkStop() // the running chunk stops; bulkStepped reports
		return nil
	case p.devPrompt:
		p.devPrompt = false
		switch {
		case key.Matches(msg, k.NewException):
			return p.openException()
		case key.Matches(msg, k.LinkException):
			return p.openLinks()
		case key.Matches(msg, k.Back):
			return nil
		}
		// Any other key is the grid's.
	}
	if !p.meta.loaded || p.meta.total == 0 {
		return nil
	}
	switch {
	case key.Matches(msg, k.MarkPass):
		return p.mark(model.Pass)
	case key.Matches(msg, k.MarkDeviation):
		return p.mark(model.Deviation)
	case key.Matches(msg, k.MarkNA):
		return p.mark(model.NotApplicable)
	case key.Matches(msg, k.MarkCycle):
		return p.cycle()
	case key.Matches(msg, k.Up):
		return p.moveTo(p.cur - 1)
	case key.Matches(msg, k.Down):
		return p.moveTo(p.cur + 1)
	case key.Matches(msg, k.PageUp):
		return p.moveTo(p.cur - max(1, p.rowsH-1))
	case key.Matches(msg, k.PageDown):
		return p.moveTo(p.cur + max(1, p.rowsH-1))
	case key.Matches(msg, k.Top):
		return p.moveTo(1)
	case key.Matches(msg, k.Bottom):
		return p.moveTo(p.meta.total)
	case key.Matches(msg, k.CellLeft):
		p.col = max(0, p.col-1)
		p.scroll()
	case key.Matches(msg, k.CellRight):
		p.col = min(len(p.meta.attrs)-1, p.col+1)
		p.scroll()
	case key.Matches(msg, k.ScrollColsLeft):
		p.colOff = max(0, p.colOff-1)
	case key.Matches(msg, k.ScrollColsRight):
		p.colOff = min(max(0, len(p.meta.header)-1), p.colOff+1)
	case key.Matches(msg, k.ChooseColumns):
		p.choosing = true
	case key.Matches(msg, k.CellDetail):
		return p.openDetail()
	case key.Matches(msg, k.NewException):
		return p.openException()
	case key.Matches(msg, k.LinkException):
		return p.openLinks()
	case key.Matches(msg, k.PassRow):
		return p.askPassRow()
	case key.Matches(msg, k.PassColumn):
		return p.askPassColumn()
	}
	return nil
}

func (p *gridPage) moveTo(ordinal int) tea.Cmd {
	p.cur = max(1, min(ordinal, p.meta.total))
	p.scroll()
	return p.ensureWindow()
}

func (p *gridPage) mouse(msg tea.MouseMsg) tea.Cmd {
	if p.form != nil || p.ask.Asking() || p.linking || p.choosing || msg.Action != tea.MouseActionPress {
		return nil
	}
	switch msg.Button {
	case tea.MouseButtonWheelUp:
		p.top = max(1, p.top-3)
		p.cur = min(p.cur, p.top+p.rowsH-1)
		return p.ensureWindow()
	case tea.MouseButtonWheelDown:
		p.top = max(1, min(p.top+3, p.meta.total-p.rowsH+1))
		p.cur = max(p.cur, p.top)
		return p.ensureWindow()
	case tea.MouseButtonLeft:
		row := msg.Y - gridHeadLines
		if row < 0 || row >= p.rowsH || p.top+row > p.meta.total {
			return nil
		}
		p.cur = p.top + row
		lw := p.layoutW
		x0 := 2 + lw.ord + 1 + lw.id + 1 + 2 // marker, #, ID, flag
		if lw.date > 0 {
			x0 += lw.date + 1
		}
		if msg.X >= x0 {
			if a := p.attOff + (msg.X-x0)/attrCellW; a < min(len(p.meta.attrs), p.attOff+lw.attrs) {
				p.col = a
			}
		}
		p.scroll()
		return p.ensureWindow()
	}
	return nil
}

func (p *gridPage) ShortHelp() []key.Binding {
	k := p.keys
	switch {
	case p.form != nil:
		return p.form.ShortHelp()
	case p.ask.Asking():
		return k.confirmHelp()
	case p.bulkID != 0:
		stop := k.Back
		stop.SetHelp("esc", "stop the bulk pass")
		return []key.Binding{stop, k.MarkPass, k.MarkDeviation, k.MarkNA}
	case p.devPrompt:
		back := k.Back
		back.SetHelp("esc", "later")
		return []key.Binding{k.NewException, k.LinkException, back}
	case p.linking:
		open := k.Open
		open.SetHelp("enter", "link")
		return []key.Binding{k.Up, k.Down, open}
	case p.choosing:
		t := k.MarkCycle
		t.SetHelp("space", "show/hide")
		return []key.Binding{k.Up, k.Down, t}
	}
	return []key.Binding{k.MarkPass, k.MarkDeviation, k.MarkNA, k.MarkCycle, k.CellDetail}
}

func (p *gridPage) FullHelp() [][]key.Binding {
	k := p.keys
	switch {
	case p.form != nil:
		return p.form.FullHelp()
	case p.ask.Asking() || p.devPrompt || p.linking || p.choosing:
		return [][]key.Binding{p.ShortHelp()}
	}
	return [][]key.Binding{
		{k.Up, k.Down, k.CellLeft, k.CellRight, k.PageUp, k.Top, k.Bottom},
		{k.MarkPass, k.MarkDeviation, k.MarkNA, k.MarkCycle, k.PassRow, k.PassColumn},
		{k.CellDetail, k.NewException, k.LinkException},
		{k.ChooseColumns, k.ScrollColsLeft, k.ScrollColsRight},
	}
}

// NoteTarget and TrailScope: a review note or the history from the grid
// is about its control.
func (p *gridPage) NoteTarget() (noteTarget, bool) {
	return noteTarget{kind: "control", ref: p.ref}, true
}
func (p *gridPage) TrailScope() (trailScope, bool) {
	return trailScope{control: p.ref, label: "control " + p.ref}, true
}
