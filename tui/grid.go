package tui

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/fieldwork-audit/fieldwork/model"
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
	ref  string
	data *snapshot

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

	confirm   string
	confirmDo func() tea.Cmd
	devPrompt bool // a deviation was just marked: offer to log an exception
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
	p := &gridPage{common: c, ref: ref, cur: 1, top: 1, hidden: map[int]bool{}, pending: map[cellKey]*pendingWrite{}}
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
	return p.form != nil || p.confirm != "" || p.devPrompt || p.linking || p.choosing || p.bulkID != 0
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

func (p *gridPage) SetData(d *snapshot) tea.Cmd {
	p.data = d
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

// cellFromInput is the cell a pending write will leave.
func cellFromInput(in model.ResultInput, old gridCell) gridCell {
	c := old
	c.outcome, c.note, c.tickmark, c.evidence, c.pending = in.Outcome, in.Note, in.Tickmark, in.Evidence, true
	return c
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
	case p.confirm != "":
		switch {
		case key.Matches(msg, k.Yes):
			do := p.confirmDo
			p.confirm, p.confirmDo = "", nil
			return do()
		case key.Matches(msg, k.No):
			p.confirm, p.confirmDo = "", nil
		}
		return nil
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
	if p.form != nil || p.confirm != "" || p.linking || p.choosing || msg.Action != tea.MouseActionPress {
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

// mark records outcome o on the cell under the cursor.
func (p *gridPage) mark(o model.Outcome) tea.Cmd {
	if ro := p.refuseReadOnly(); ro != nil {
		return ro
	}
	r := p.row(p.cur)
	if r == nil {
		return statusCmd("This item is still being read; try again in a moment.")
	}
	k := cellKey{p.cur, p.col}
	cell := r.res[p.col]
	p.devPrompt = o == model.Deviation
	if pw, ok := p.pending[k]; ok {
		// The cell is being written: this mark follows once that is done.
		next := cell
		next.outcome, next.pending = o, true
		pw.queued = &next
		r.res[p.col] = next
		return nil
	}
	return p.write(r, p.col, o, cell.note, cell.tickmark, cell.evidence)
}

// cycle moves the cell through pass, deviation and n/a.
func (p *gridPage) cycle() tea.Cmd {
	r := p.row(p.cur)
	if r == nil {
		return nil
	}
	switch r.res[p.col].outcome {
	case model.Pass:
		return p.mark(model.Deviation)
	case model.Deviation:
		return p.mark(model.NotApplicable)
	}
	return p.mark(model.Pass)
}

// write shows a mark at once and writes it.
func (p *gridPage) write(r *gridRow, attr int, o model.Outcome, note, tickmark, evidence string) tea.Cmd {
	prev := r.res[attr]
	a := p.meta.attrs[attr]
	in := model.ResultInput{ControlRef: p.ref, Position: r.position, Attribute: a.Letter, Outcome: o,
		Note: note, Tickmark: tickmark, Evidence: evidence, Version: prev.version}
	p.seq++
	k := cellKey{r.ordinal, attr}
	p.pending[k] = &pendingWrite{seq: p.seq, prev: prev, in: in}
	r.res[attr] = cellFromInput(in, prev)
	return writeResult(p.ctx, p.common.wp, p.seq, k, in, prev.outcome != "")
}

// writeResult writes one result and reads it back. A cell the grid showed
// as untested is written only if it still is (IfUntested): SetResult's
// version 0 would otherwise replace a result someone recorded meanwhile.
func writeResult(ctx context.Context, wp *model.Workpaper, seq int64, k cellKey, in model.ResultInput, existed bool) tea.Cmd {
	in.IfUntested = !existed
	return func() tea.Msg {
		msg := cellSavedMsg{seq: seq, key: k}
		msg.err = withWriteTimeout(ctx, func(ctx context.Context) error { return wp.SetResult(ctx, in) })
		if msg.err == nil {
			ctx, cancel := context.WithTimeout(ctx, loadTimeout)
			defer cancel()
			msg.res, _ = wp.ResultAt(ctx, in.ControlRef, in.Position, in.Attribute)
			msg.eval, _ = wp.Evaluate(ctx, in.ControlRef)
		}
		return msg
	}
}

// saved takes a write's answer: the cell takes the stored result, or goes
// back to what it was.
func (p *gridPage) saved(msg cellSavedMsg) tea.Cmd {
	pw, ok := p.pending[msg.key]
	if !ok || pw.seq != msg.seq {
		return nil
	}
	delete(p.pending, msg.key)
	r := p.row(msg.key.ordinal)
	if msg.err != nil {
		if r != nil && msg.key.attr < len(r.res) {
			r.res[msg.key.attr] = pw.prev
		}
		if msg.key.ordinal == p.cur {
			p.devPrompt = false
		}
		if who, stale := staleWho(msg.err, p.now); stale {
			text := fmt.Sprintf("Item %d/%s not saved: %s; theirs is shown.", msg.key.ordinal, pw.in.Attribute, who)
			return tea.Batch(errCmd(errors.New(text)), p.readWindow(p.base))
		}
		text := fmt.Sprintf("Item %d/%s not saved, back to %s: %s", msg.key.ordinal, pw.in.Attribute,
			outcomeWord(pw.prev.outcome), writeErrorText(msg.err, p.now))
		if _, _, reviewed := reviewedAsk(msg.err, ""); reviewed {
			return errCmd(msg.err) // the root asks whether to reopen the review
		}
		return errCmd(errors.New(text))
	}
	if msg.eval != nil {
		p.meta.eval = msg.eval
	}
	var cmds []tea.Cmd
	if p.meta.virtual {
		p.meta.virtual = false
		cmds = append(cmds, p.reload())
	}
	if r != nil && msg.res != nil && msg.key.attr < len(r.res) {
		r.res[msg.key.attr] = cellOf(msg.res)
		if pw.queued != nil {
			q := *pw.queued
			r.res[msg.key.attr] = cellOf(msg.res)
			if q.outcome != msg.res.Outcome {
				cmds = append(cmds, p.write(r, msg.key.attr, q.outcome, q.note, q.tickmark, q.evidence))
			}
		}
	}
	return tea.Batch(cmds...)
}

// Bulk passes. A bulk pass runs a chunk at a time, each chunk a command:
// the grid shows how far it got, and esc stops it between chunks. It
// writes only cells that are untested when the chunk writes them.

// bulkJob is a bulk pass under way; commands carry a copy.
type bulkJob struct {
	id        int64
	what      string // "item 12", "attribute A"
	letters   []string
	positions []int           // a row's item; nil for a column
	sel       model.Selection // a column: the sample, read by page
	next      int             // a column: the next ordinal to look at
	total     int             // a column: the sample's size
	written   int
	skipped   int
}

// bulkChunk is how many items a column's chunk looks at.
const bulkChunk = 250

type bulkStepMsg struct {
	job  bulkJob
	done bool
	err  error
}

func (p *gridPage) askPassRow() tea.Cmd {
	if ro := p.refuseReadOnly(); ro != nil {
		return ro
	}
	r := p.row(p.cur)
	if r == nil {
		return nil
	}
	var letters []string
	for i, c := range r.res {
		if c.outcome == "" {
			letters = append(letters, p.meta.attrs[i].Letter)
		}
	}
	if len(letters) == 0 {
		return statusCmd(fmt.Sprintf("Item %s has no untested cell.", thousands(r.ordinal)))
	}
	ord := r.ordinal
	p.confirm = fmt.Sprintf("Pass %s of item %s (%s)? Marked cells stay as they are. y passes, n cancels",
		plural(len(letters), "untested cell", "untested cells"), thousands(ord), truncate(r.id, 20))
	job := bulkJob{what: "item " + thousands(ord), letters: letters, positions: []int{r.position}}
	p.confirmDo = func() tea.Cmd {
		return p.startBulk(job, func(k cellKey) bool { return k.ordinal == ord })
	}
	return nil
}

func (p *gridPage) askPassColumn() tea.Cmd {
	if ro := p.refuseReadOnly(); ro != nil {
		return ro
	}
	a := p.meta.attrs[p.col]
	col := p.col
	p.confirm = fmt.Sprintf("Pass every untested item of attribute %s (%s items in the sample)? Marked cells stay as they are. y passes, n cancels",
		oneLine(a.Letter), thousands(p.meta.total))
	job := bulkJob{what: "attribute " + a.Letter, letters: []string{a.Letter}, sel: p.meta.sel, next: 1, total: p.meta.total}
	p.confirmDo = func() tea.Cmd {
		return p.startBulk(job, func(k cellKey) bool { return k.attr == col })
	}
	return nil
}

// startBulk starts a bulk pass, showing the window's untested cells it
// covers as passed at once.
func (p *gridPage) startBulk(job bulkJob, covers func(cellKey) bool) tea.Cmd {
	if p.bulkID != 0 {
		return statusCmd("A bulk pass is running already.")
	}
	for i := range p.rows {
		r := &p.rows[i]
		for j := range r.res {
			if r.res[j].outcome == "" && covers(cellKey{r.ordinal, j}) {
				r.res[j].outcome, r.res[j].pending = model.Pass, true
			}
		}
	}
	ctx, cancel := context.WithCancel(p.ctx)
	p.bulkStop = cancel
	p.bulkCtx = ctx
	p.bulkID = nextRequestID()
	job.id = p.bulkID
	p.bulkWhat = "passing " + job.what + "…"
	return tea.Batch(busyCmd, bulkStep(ctx, p.common.wp, p.ref, job))
}

// bulkStep writes one chunk of a bulk pass.
func bulkStep(ctx context.Context, wp *model.Workpaper, ref string, job bulkJob) tea.Cmd {
	return func() tea.Msg {
		if job.positions != nil {
			n, sk, err := passCells(ctx, wp, ref, job.positions, job.letters)
			job.written, job.skipped = job.written+n, job.skipped+sk
			return bulkStepMsg{job: job, done: true, err: err}
		}
		letter := job.letters[0]
		items, err := wp.SampleRows(ctx, &job.sel, job.next, bulkChunk)
		if err != nil {
			return bulkStepMsg{job: job, err: err}
		}
		results, err := wp.ResultsForOrdinals(ctx, job.sel.UUID, job.next, bulkChunk)
		if err != nil {
			return bulkStepMsg{job: job, err: err}
		}
		done := map[int]bool{}
		for _, r := range results {
			if r.Attribute == letter {
				done[r.Ordinal] = true
			}
		}
		var todo []int
		for _, it := range items {
			if !done[it.Item.Ordinal] {
				todo = append(todo, it.Item.Position)
			}
		}
		n, sk, err := passCells(ctx, wp, ref, todo, job.letters)
		job.written, job.skipped = job.written+n, job.skipped+sk
		job.next += bulkChunk
		return bulkStepMsg{job: job, done: len(items) < bulkChunk || job.next > job.total, err: err}
	}
}

// bulkStepped takes a chunk's answer: the next chunk, or the end.
func (p *gridPage) bulkStepped(msg bulkStepMsg) tea.Cmd {
	job := msg.job
	if job.id != p.bulkID {
		return nil
	}
	if msg.err == nil && !msg.done && p.bulkCtx.Err() == nil {
		p.bulkWhat = fmt.Sprintf("passing %s: %s of %s items looked at, %s passed… (esc stops)", job.what,
			thousands(min(job.next-1, job.total)), thousands(job.total), thousands(job.written))
		return bulkStep(p.bulkCtx, p.common.wp, p.ref, job)
	}
	p.bulkStop()
	p.bulkID, p.bulkStop, p.bulkCtx = 0, nil, nil
	what := fmt.Sprintf("Passed %s: %s", job.what, plural(job.written, "cell", "cells"))
	if job.skipped > 0 {
		what += fmt.Sprintf(", %s left as someone else recorded them", thousands(job.skipped))
	}
	cmds := []tea.Cmd{p.reload(), changedCmd}
	switch {
	case errors.Is(msg.err, context.Canceled) || (msg.err == nil && !msg.done):
		cmds = append(cmds, statusCmd(what+"; stopped before the end."))
	case msg.err != nil:
		cmds = append(cmds, errCmd(fmt.Errorf("%s; then: %s", what, writeErrorText(msg.err, p.now))))
	default:
		cmds = append(cmds, statusCmd(what+"."))
	}
	return tea.Batch(cmds...)
}

// passCells passes the untested cells of the items at positions for
// letters, in one transaction; a cell recorded meanwhile is left alone.
func passCells(ctx context.Context, wp *model.Workpaper, ref string, positions []int, letters []string) (written, skipped int, err error) {
	ins := make([]model.ResultInput, 0, len(positions)*len(letters))
	for _, pos := range positions {
		for _, l := range letters {
			ins = append(ins, model.ResultInput{ControlRef: ref, Position: pos, Attribute: l, Outcome: model.Pass, IfUntested: true})
		}
	}
	if len(ins) == 0 {
		return 0, 0, nil
	}
	err = withWriteTimeout(ctx, func(ctx context.Context) error {
		var err error
		written, skipped, err = wp.SetResults(ctx, ins)
		return err
	})
	return written, skipped, err
}

// Forms: the cell's note, evidence and tickmark; an exception.

func (p *gridPage) openDetail() tea.Cmd {
	if ro := p.refuseReadOnly(); ro != nil {
		return ro
	}
	r := p.row(p.cur)
	if r == nil {
		return nil
	}
	k := cellKey{p.cur, p.col}
	if _, busy := p.pending[k]; busy {
		return statusCmd("This cell is being saved; open it again in a moment.")
	}
	c := r.res[p.col]
	a := p.meta.attrs[p.col]
	f := newForm(p.common, fmt.Sprintf("Item %d, attribute %s — %s", r.ordinal, oneLine(a.Letter), oneLine(p.ref)))
	f.intro = []string{p.styles.Muted.Render(truncate(oneLine(a.Text)+symSep+r.id, p.width))}
	for _, tm := range p.meta.tickmarks {
		f.intro = append(f.intro, p.styles.Dim.Render(truncate("  "+fit(oneLine(tm.Symbol), 4)+" "+oneLine(tm.Meaning), p.width)))
	}
	f.intro = append(f.intro, "")
	outcome := string(c.outcome)
	if outcome == "" {
		outcome = string(model.Pass)
	}
	f.choose("outcome", "Result", []string{string(model.Pass), string(model.Deviation), string(model.NotApplicable)},
		[]string{symPass + " pass", symDeviation + " deviation", symNA + " n/a"}, outcome)
	values, labels := []string{""}, []string{"none"}
	for _, tm := range p.meta.tickmarks {
		values = append(values, tm.Symbol)
		labels = append(labels, oneLine(tm.Symbol))
	}
	f.choose("tickmark", "Tickmark", values, labels, c.tickmark)
	f.line("note", "Note", c.note, false, nil)
	f.line("evidence", "Evidence", c.evidence, false, nil).hint = "a file name, path or location of the evidence"
	p.form, p.formKind, p.formCell, p.formVer, p.formHad = f, gridFormDetail, k, c.version, c.outcome != ""
	p.form.SetSize(p.width, p.height)
	return f.start()
}

func (p *gridPage) openException() tea.Cmd {
	if ro := p.refuseReadOnly(); ro != nil {
		return ro
	}
	r := p.row(p.cur)
	if r == nil {
		return nil
	}
	a := p.meta.attrs[p.col]
	f := newForm(p.common, fmt.Sprintf("New exception — %s, item %d", oneLine(p.ref), r.ordinal))
	// The client's occurrence ID when the population has one; the
	// sample item and its position in the population otherwise.
	item, where := fmt.Sprintf("item %d (position %d)", r.ordinal, r.position), fmt.Sprintf("position %d", r.position)
	if r.id != "" {
		item, where = r.id, fmt.Sprintf("position %d, %s", r.position, r.id)
	}
	f.intro = []string{p.styles.Muted.Render(truncate(fmt.Sprintf("Covers item %d (%s). Its cause, management's response and the evaluation can be completed later.", r.ordinal, where), p.width)), ""}
	desc := fmt.Sprintf("For %s, attribute %s (%s) was not met.", item, oneLine(a.Letter), oneLine(a.Text))
	f.text("description", "Description", desc, 3, true)
	f.line("cause", "Cause", "", false, nil)
	f.choose("evaluation", "Evaluation", []string{"", "isolated", "systemic"}, []string{"not yet", "isolated", "systemic"}, "")
	p.form, p.formKind, p.formCell = f, gridFormException, cellKey{r.ordinal, p.col}
	p.form.SetSize(p.width, p.height)
	return f.start()
}

func (p *gridPage) openLinks() tea.Cmd {
	if ro := p.refuseReadOnly(); ro != nil {
		return ro
	}
	if p.row(p.cur) == nil {
		return nil
	}
	p.linking = true
	return nil
}

// link puts the item under the cursor in an existing exception of the
// control: the exception covers the item, the cell's note names it and the
// tickmark says "exception" when the legend has X.
func (p *gridPage) link() tea.Cmd {
	x, ok := p.links.Selected()
	r := p.row(p.cur)
	if !ok || r == nil {
		p.linking = false
		return nil
	}
	c := r.res[p.col]
	note := strings.TrimSpace(c.note)
	ref := "See " + x.Ref + "."
	if !strings.Contains(note, x.Ref) {
		note = strings.TrimSpace(note + " " + ref)
	}
	tick := c.tickmark
	for _, tm := range p.meta.tickmarks {
		if tm.Symbol == "X" {
			tick = "X"
		}
	}
	o := c.outcome
	if o == "" {
		o = model.Deviation
	}
	p.linking = false
	cmd := p.write(r, p.col, o, note, tick, c.evidence)
	ctx, wp, xref, pos, ordinal := p.ctx, p.common.wp, x.Ref, r.position, r.ordinal
	// The exception record covers the item too, not only the cell's note.
	add := func() tea.Msg {
		err := withWriteTimeout(ctx, func(ctx context.Context) error { return wp.AddExceptionItems(ctx, xref, []int{pos}) })
		if err != nil {
			return errMsg{fmt.Errorf("item %d was not added to %s: %w", ordinal, xref, err)}
		}
		return statusMsg{fmt.Sprintf("Item %d added to %s.", ordinal, xref)}
	}
	return tea.Batch(cmd, tea.Sequence(add, changedCmd))
}

func (p *gridPage) submitForm() tea.Cmd {
	f := p.form
	ctx, wp, ref := p.ctx, p.common.wp, p.ref
	r := p.row(p.formCell.ordinal)
	if r == nil {
		f.failed("The item is no longer loaded: close the form and open it again.")
		return nil
	}
	p.saveID = nextRequestID()
	id := p.saveID
	switch p.formKind {
	case gridFormDetail:
		in := model.ResultInput{ControlRef: ref, Position: r.position, Attribute: p.meta.attrs[p.formCell.attr].Letter,
			Outcome: model.Outcome(f.value("outcome")), Tickmark: f.value("tickmark"), Note: f.value("note"),
			Evidence: f.value("evidence"), Version: p.formVer}
		in.IfUntested = !p.formHad
		return func() tea.Msg {
			err := withWriteTimeout(ctx, func(ctx context.Context) error { return wp.SetResult(ctx, in) })
			return gridSavedMsg{id: id, what: fmt.Sprintf("Saved item %d, attribute %s.", p.formCell.ordinal, in.Attribute), err: err}
		}
	case gridFormException:
		in := model.ExceptionInput{ControlRef: ref, Positions: []int{r.position}, Description: f.value("description"),
			Cause: f.value("cause"), Evaluation: f.value("evaluation")}
		return func() tea.Msg {
			var xref string
			err := withWriteTimeout(ctx, func(ctx context.Context) error {
				var err error
				xref, err = wp.AddException(ctx, in)
				return err
			})
			return gridSavedMsg{id: id, what: "Logged exception " + xref + ".", err: err}
		}
	}
	return nil
}

// showTheirs shows, after a stale refusal, the cell as stored now.
func (p *gridPage) showTheirs() {
	if p.formKind != gridFormDetail {
		return
	}
	r := p.row(p.formCell.ordinal)
	if r == nil {
		return
	}
	c := r.res[p.formCell.attr]
	p.formVer, p.formHad = c.version, c.outcome != ""
	p.form.showTheirs("outcome", string(c.outcome))
	p.form.showTheirs("tickmark", c.tickmark)
	p.form.showTheirs("note", c.note)
	p.form.showTheirs("evidence", c.evidence)
}

// Views.

func (p *gridPage) View() string {
	if p.height <= 0 {
		return ""
	}
	s := p.styles
	switch {
	case p.form != nil:
		return p.form.View()
	case p.err != nil && !p.meta.loaded:
		return strings.Join(append([]string{s.Gap.Render(symGap + " Could not read the sample of " + oneLine(p.ref) + ".")}, wrap(errorText(p.err), p.width)...), "\n")
	case !p.meta.loaded:
		return s.Muted.Render("Reading the sample of " + oneLine(p.ref) + "…")
	case p.meta.total == 0:
		return s.Hint.Render(truncate("No sample drawn yet: open the sampling wizard from the workpaper (s).", p.width))
	case p.linking:
		return s.Section.Render(truncate("Link item "+strconv.Itoa(p.cur)+" to an exception of "+oneLine(p.ref), p.width)) + "\n" +
			s.Muted.Render(truncate("enter notes it on the result (note “See EX-…”, tickmark X) · esc cancels", p.width)) + "\n\n" + p.links.View()
	case p.choosing:
		return s.Section.Render(truncate("Client columns shown in the grid", p.width)) + "\n" +
			s.Muted.Render(truncate("space shows or hides the column · enter or esc closes", p.width)) + "\n\n" + p.colList.View()
	}
	var b strings.Builder
	b.Grow((p.rowsH + 6) * (p.width + 16))
	cols := p.clientCols(p.width - p.fixedWidth())
	b.WriteString(p.summary())
	b.WriteByte('\n')
	b.WriteString(p.headings(cols))
	for i := range p.rowsH {
		b.WriteByte('\n')
		o := p.top + i
		if o > p.meta.total {
			continue
		}
		b.WriteString(p.renderRow(o, cols))
	}
	for _, l := range p.panel() {
		b.WriteByte('\n')
		b.WriteString(l)
	}
	return b.String()
}

func (p *gridPage) summary() string {
	s := p.styles
	left := s.Title.Render(oneLine(p.ref)) + s.Muted.Render(fmt.Sprintf("  %s items%s%s", thousands(p.meta.total), symSep,
		plural(len(p.meta.attrs), "attribute", "attributes")))
	if ev := p.meta.eval; ev != nil {
		left += s.Muted.Render(fmt.Sprintf("%s%s of %s results", symSep, thousands(ev.Recorded), thousands(p.meta.total*len(p.meta.attrs))))
		if ev.Deviations > 0 {
			left += s.Muted.Render(symSep) + s.Gap.Render(fmt.Sprintf("%s %s", symDeviation, plural(ev.Deviations, "item deviates", "items deviate")))
		}
	}
	right := s.Muted.Render(fmt.Sprintf("item %s of %s", thousands(p.cur), thousands(p.meta.total)))
	return spread(left, right, p.width)
}

// clientCols are the client columns shown, from colOff on, that fit in w.
func (p *gridPage) clientCols(w int) []int {
	var out []int
	used := 0
	for j := p.colOff; j < len(p.meta.header); j++ {
		if p.hidden[j] || p.meta.header[j] == p.meta.idCol || p.meta.header[j] == p.meta.dateCol {
			continue
		}
		cw := p.layoutW.client[j]
		if used+cw+1 > w {
			break
		}
		out = append(out, j)
		used += cw + 1
	}
	return out
}

// fixedWidth is the width of the columns before the client's.
func (p *gridPage) fixedWidth() int {
	lw := p.layoutW
	w := 2 + lw.ord + 1 + lw.id + 1 + 2 + lw.attrs*attrCellW + 2
	if lw.date > 0 {
		w += lw.date + 1
	}
	return w
}

func (p *gridPage) headings(cols []int) string {
	s := p.styles
	lw := p.layoutW
	var b strings.Builder
	b.WriteString("  ")
	b.WriteString(fitRight("#", lw.ord))
	b.WriteByte(' ')
	b.WriteString(fit(orDefault(p.meta.idCol, "ID"), lw.id))
	b.WriteByte(' ')
	if lw.date > 0 {
		b.WriteString(fit(p.meta.dateCol, lw.date))
		b.WriteByte(' ')
	}
	b.WriteString("  ")
	head := s.Label.Render(b.String())
	var a strings.Builder
	for i := p.attOff; i < min(len(p.meta.attrs), p.attOff+lw.attrs); i++ {
		l := fit(" "+oneLine(p.meta.attrs[i].Letter), attrCellW)
		if i == p.col {
			a.WriteString(s.Title.Render(l))
		} else {
			a.WriteString(s.Label.Render(l))
		}
	}
	head += a.String() + s.Dim.Render("│ ")
	var c strings.Builder
	for _, j := range cols {
		c.WriteString(fit(p.meta.header[j], p.layoutW.client[j]))
		c.WriteByte(' ')
	}
	return truncate(head+s.Label.Render(c.String()), p.width)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (p *gridPage) renderRow(o int, cols []int) string {
	s := p.styles
	lw := p.layoutW
	r := p.row(o)
	selected := o == p.cur
	marker := "  "
	if selected {
		marker = symCursor + " "
	}
	if r == nil {
		return marker + fitRight(strconv.Itoa(o), lw.ord) + " " + s.Dim.Render(symEllipsis)
	}
	var b strings.Builder
	b.WriteString(marker)
	b.WriteString(fitRight(strconv.Itoa(o), lw.ord))
	b.WriteByte(' ')
	b.WriteString(fit(r.id, lw.id))
	b.WriteByte(' ')
	if lw.date > 0 {
		b.WriteString(fit(r.date, lw.date))
		b.WriteByte(' ')
	}
	flag := " "
	if r.flags != "" {
		flag = symFlag
	}
	if r.extension > 0 {
		flag = "+"
	}
	b.WriteString(flag)
	b.WriteByte(' ')
	left := b.String()
	if selected {
		left = s.Selected.Render(left)
	} else if r.flags != "" {
		left = s.Hint.Render(left)
	}
	var a strings.Builder
	for i := p.attOff; i < min(len(r.res), p.attOff+lw.attrs); i++ {
		c := r.res[i]
		sym := outcomeSymbol(c.outcome)
		if c.pending {
			sym = sym + symPending
		}
		var cell string
		if selected && i == p.col {
			cell = "[" + sym + "]"
			if c.pending {
				cell = "[" + outcomeSymbol(c.outcome) + "]"
			}
			a.WriteString(s.Selected.Render(fit(cell, attrCellW)))
			continue
		}
		cell = fit(" "+sym, attrCellW)
		switch c.outcome {
		case model.Pass:
			cell = s.Covered.Render(cell)
		case model.Deviation:
			cell = s.Gap.Render(cell)
		case model.NotApplicable:
			cell = s.Dim.Render(cell)
		default:
			cell = s.Muted.Render(cell)
		}
		a.WriteString(cell)
	}
	line := left + a.String() + s.Dim.Render("│ ")
	var c strings.Builder
	for _, j := range cols {
		v := ""
		if j < len(r.cells) {
			v = r.cells[j]
		}
		c.WriteString(fit(v, lw.client[j]))
		c.WriteByte(' ')
	}
	return truncate(line+c.String(), p.width)
}

// panel is the current cell's detail and any question, gridPanel lines.
func (p *gridPage) panel() []string {
	s := p.styles
	w := p.width
	out := make([]string, 0, gridPanel)
	r := p.row(p.cur)
	a := p.meta.attrs[p.col]
	if r == nil {
		out = append(out, s.Dim.Render(truncate(fmt.Sprintf("Item %d: reading…", p.cur), w)))
	} else {
		head := fmt.Sprintf("%sposition %s%s%s", symSep, thousands(r.position), symSep, r.id)
		if r.date != "" {
			head += symSep + r.date
		}
		if r.extension > 0 {
			head += fmt.Sprintf("%sextension %d", symSep, r.extension)
		}
		if r.flags != "" {
			head += "  " + s.Hint.Render(symFlag+" "+r.flags)
		}
		out = append(out, truncate(s.Section.Render("Item "+thousands(r.ordinal))+head, w))
		c := r.res[p.col]
		res := s.Title.Render(oneLine(a.Letter)) + " " + oneLine(a.Text) + s.Muted.Render(symSep) + outcomeSymbol(c.outcome) + " " + outcomeWord(c.outcome)
		if c.pending {
			res += s.Muted.Render(" (saving…)")
		}
		if c.tickmark != "" {
			res += s.Muted.Render(symSep+"tickmark ") + oneLine(c.tickmark)
		}
		if c.by != "" && !c.pending {
			res += s.Muted.Render(symSep + oneLine(c.by) + " " + c.at)
		}
		out = append(out, truncate(res, w))
		var note []string
		if c.note != "" {
			note = append(note, "note: "+oneLine(c.note))
		}
		if c.evidence != "" {
			note = append(note, "evidence: "+oneLine(c.evidence))
		}
		if len(note) == 0 {
			out = append(out, s.Dim.Render(truncate("no note or evidence: enter adds them", w)))
		} else {
			out = append(out, s.Muted.Render(truncate(strings.Join(note, symSep), w)))
		}
	}
	switch {
	case p.confirm != "":
		out = append(out, s.Hint.Render(truncate(p.confirm, w)))
	case p.devPrompt:
		out = append(out, s.Hint.Render(truncate(symDeviation+" Deviation: e logs an exception, L links it to one already logged, esc later", w)))
	default:
		out = append(out, "")
	}
	return out
}

func (p *gridPage) renderLink(x model.Exception, w int, selected bool) string {
	marker := "  "
	if selected {
		marker = symCursor + " "
	}
	line := marker + fit(oneLine(x.Ref), 7) + fit("items "+joinInts(x.Positions, 4), 22) + oneLine(x.Description)
	if selected {
		return p.styles.Selected.Render(fit(line, w))
	}
	return fit(line, w)
}

func (p *gridPage) renderColChoice(j int, w int, selected bool) string {
	box := "[" + symCovered + "]"
	if p.hidden[j] {
		box = "[ ]"
	}
	name := p.meta.header[j]
	note := ""
	switch name {
	case p.meta.idCol:
		note = " (the ID column, always shown)"
	case p.meta.dateCol:
		note = " (the date column, always shown)"
	}
	marker := "  "
	if selected {
		marker = symCursor + " "
	}
	line := marker + box + " " + name + note
	if selected {
		return p.styles.Selected.Render(fit(line, w))
	}
	return fit(line, w)
}

func (p *gridPage) ShortHelp() []key.Binding {
	k := p.keys
	switch {
	case p.form != nil:
		return p.form.ShortHelp()
	case p.confirm != "":
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
	case p.confirm != "" || p.devPrompt || p.linking || p.choosing:
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
