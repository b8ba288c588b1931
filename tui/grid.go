package tui

import (
	"context"
	"errors"
	"strconv"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/fieldwork-audit/fieldwork/model"
	"github.com/fieldwork-audit/fieldwork/tui/widget/confirm"
	"github.com/fieldwork-audit/fieldwork/tui/widget/form"
	"github.com/fieldwork-audit/fieldwork/tui/widget/list"
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
	form      *form.Model
	formKind  int
	formCell  cellKey
	formVer   int
	formHad   bool // the cell had a result when the form opened
	saveID    int64
	staleSeen bool

	ask       confirm.Model // "pass the rest of this row/column?"
	devPrompt bool          // a deviation was just marked: offer to log an exception
	linking   bool
	links     list.Model[model.Exception]
	choosing  bool
	colList   list.Model[int]
	bulkID    int64
	bulkWhat  string
	bulkStop  context.CancelFunc
	bulkCtx   context.Context
}

const (
	gridFormDetail = iota + 1
	gridFormException
)

func newGridPage(c common, ref string) *gridPage {
	p := &gridPage{common: c, ref: ref, cur: 1, top: 1, hidden: map[int]bool{}, pending: map[cellKey]*pendingWrite{}, ask: newConfirm(c)}
	p.links = newList(c, list.Config[model.Exception]{
		ID:     func(x model.Exception) string { return x.Ref },
		Render: p.renderLink,
		Empty:  "This control has no exceptions yet: press e to log one.",
	})
	p.colList = newList(c, list.Config[int]{
		ID:     strconv.Itoa,
		Render: p.renderColChoice,
		Empty:  "The population has no columns.",
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
	case p.form != nil && p.form.Saving():
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
	case p.form != nil && p.form.Dirty():
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

func (p *gridPage) Update(msg tea.Msg) (page, tea.Cmd) {
	switch msg := msg.(type) {
	case gridMetaMsg:
		if fresh, cmd := answer(p.metaID, msg.id, msg.err, nil, &p.err); !fresh || cmd != nil {
			return p, cmd
		}
		p.meta = msg.meta
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
				p.form.Failed(text)
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
		case form.Cancel:
			p.form = nil
			p.layout()
			return nil
		case form.Submit:
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
