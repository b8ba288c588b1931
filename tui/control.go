package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/fieldwork-audit/fieldwork/model"
	"github.com/fieldwork-audit/fieldwork/tui/widget/confirm"
	"github.com/fieldwork-audit/fieldwork/tui/widget/form"
	"github.com/fieldwork-audit/fieldwork/tui/widget/list"
)

// controlPage is the workpaper of one control: the control as the client
// describes it, the test of design, the procedures and attributes, the
// population and its IPE testing, the sample plan, the selection record,
// the testing so far, the evaluation, the conclusion and the sign-offs.
//
// The cursor walks the items that can be acted on; enter edits the one
// under it in a form. Every write goes through the model in a tea.Cmd and
// carries the version the form was opened on, so an edit someone else
// overtook is refused (and shown) rather than applied.
type controlPage struct {
	common
	ref   string
	data  *snapshot
	reqID int64
	wd    wpData
	err   error
	list  list.Model[wpLine]

	// The open form, what it edits and the version it was opened on.
	form       *form.Model
	formKind   wpFormKind
	formLetter string // the attribute an attribute form edits
	formVer    int
	saveID     int64
	// reopenAsk is the reviewed control the last save was refused on: the
	// next save reopens it (the auditor was asked first).
	reopenAsk string
	staleSeen bool // the last save was refused as stale: show theirs on reload

	ask confirm.Model // a yes/no question (deleting an attribute)
}

// wpData is one consistent read of a control's workpaper.
type wpData struct {
	loaded bool
	controlState
	exceptions []model.Exception
}

type wpLoadedMsg struct {
	id  int64
	d   wpData
	err error
}

// loadWorkpaperOf reads everything the workpaper shows, with values only.
func loadWorkpaperOf(ctx context.Context, wp *model.Workpaper, id int64, ref string) tea.Cmd {
	return readCmd(ctx, func(ctx context.Context) tea.Msg {
		msg := wpLoadedMsg{id: id}
		d := &msg.d
		if d.controlState, msg.err = readControlState(ctx, wp, ref); msg.err != nil {
			return msg
		}
		all, err := wp.Exceptions(ctx)
		if msg.err = err; err != nil {
			return msg
		}
		for _, x := range all {
			if strings.EqualFold(x.ControlRef, d.test.Control.Ref) {
				d.exceptions = append(d.exceptions, x)
			}
		}
		d.loaded = true
		return msg
	})
}

// wpSavedMsg answers a write made from the workpaper.
type wpSavedMsg struct {
	id   int64
	what string
	err  error
}

const (
	formDesign wpFormKind = iota + 1
	formAddProcedure
	formAddAttribute
	formEditAttribute
	formIPE
	formConclusion
)

// wpItem is what a line of the workpaper is about.
type wpItem int

const (
	itemNone wpItem = iota
	itemDesign
	itemProcedure
	itemAttribute
	itemPopulation
	itemIPE
	itemPlan
	itemSelection
	itemTesting
	itemConclusion
	itemSignOffs
)

// wpLine is one line of the workpaper; lines that begin an item are
// selectable.
type wpLine struct {
	text  string
	item  wpItem
	index int // the procedure or attribute
	sel   bool
}

func (l wpLine) id() string { return fmt.Sprintf("%d/%d", l.item, l.index) }

func newControlPage(c common, ref string) *controlPage {
	p := &controlPage{common: c, ref: ref, ask: newConfirm(c)}
	p.list = newList(c, list.Config[wpLine]{
		Selectable: func(l wpLine) bool { return l.sel },
		ID:         wpLine.id,
		Render:     p.renderLine,
		Empty:      "Loading control " + oneLine(ref) + "…",
	})
	return p
}

// Init starts reading the workpaper.
func (p *controlPage) Init() tea.Cmd { return p.load() }

func (p *controlPage) load() tea.Cmd {
	p.reqID = nextRequestID()
	return loadWorkpaperOf(p.ctx, p.common.wp, p.reqID, p.ref)
}

func (p *controlPage) Title() string      { return p.ref }
func (p *controlPage) InputFocused() bool { return p.form != nil }
func (p *controlPage) HandlesBack() bool  { return p.form != nil || p.ask.Asking() }

// ShortcutControl: "history" and "new review note" here are about this control.
func (p *controlPage) ShortcutControl() string { return p.ref }

func (p *controlPage) Busy() string {
	switch {
	case p.form != nil && p.form.Saving():
		return "saving…"
	case !p.wd.loaded && p.err == nil:
		return "loading control " + oneLine(p.ref) + "…"
	}
	return ""
}

// Unsaved is the form's input, when it changed.
func (p *controlPage) Unsaved() string {
	if p.form != nil && p.form.Dirty() {
		return "your edit of " + strings.ToLower(p.formTitle())
	}
	return ""
}

// SetData takes the new overview and, after a reload, reads the
// workpaper again (an open form keeps its input).
func (p *controlPage) SetData(d *snapshot) tea.Cmd {
	p.data = d
	p.layout()
	if p.wd.loaded || p.err != nil {
		return p.load()
	}
	return nil
}

func (p *controlPage) SetSize(width, height int) {
	p.common.SetSize(width, height)
	p.layout()
}

func (p *controlPage) layout() {
	if p.form != nil {
		p.form.SetSize(p.width, p.height)
	}
	p.list.SetItems(p.lines(max(1, p.width-2)))
	p.list.SetSize(p.width, max(0, p.height-p.footerLines()))
}

func (p *controlPage) footerLines() int {
	if p.ask.Asking() {
		return 1
	}
	return 0
}

func (p *controlPage) Update(msg tea.Msg) (page, tea.Cmd) {
	switch msg := msg.(type) {
	case wpLoadedMsg:
		fresh, cmd := answer(p.reqID, msg.id, msg.err, nil, &p.err)
		if !fresh {
			return p, nil
		}
		if cmd != nil {
			p.layout()
			return p, cmd
		}
		p.wd = msg.d
		if p.form != nil && p.staleSeen {
			p.staleSeen = false
			p.showTheirs()
		}
		p.layout()
		return p, nil

	case wpSavedMsg:
		if msg.id != p.saveID {
			return p, nil
		}
		if msg.err != nil {
			text := writeErrorText(msg.err, p.now)
			if ask, ref, ok := reviewedAsk(msg.err, "Press "+p.keys.FormSave.Help().Key+" again"); ok && p.form != nil {
				p.reopenAsk = ref
				p.form.Failed(ask)
				return p, nil
			}
			if p.form != nil {
				p.form.Failed(text)
				if _, stale := staleText(msg.err, p.now); stale {
					p.staleSeen = true
					return p, p.load()
				}
				return p, nil
			}
			return p, tea.Batch(errCmd(errors.New(text)), p.load())
		}
		p.form = nil
		p.layout()
		return p, tea.Batch(statusCmd(msg.what), changedCmd)

	case tea.KeyMsg:
		if p.form != nil {
			act, cmd := p.form.Update(msg)
			switch act {
			case form.Cancel:
				p.form = nil
				p.layout()
				return p, nil
			case form.Submit:
				return p, p.submit()
			}
			return p, cmd
		}
		if p.ask.Asking() {
			if answered, _, cmd := p.ask.Update(msg); answered {
				p.layout()
				return p, cmd
			}
			return p, nil
		}
		return p, p.key(msg)

	case tea.MouseMsg:
		if p.form != nil || p.ask.Asking() {
			return p, nil
		}
		if open, _ := p.list.Update(msg); open {
			return p, p.act(actEdit)
		}
	}
	return p, nil
}

// wpAction is what a workpaper key asks for.
type wpAction int

const (
	actEdit wpAction = iota
	actAdd
	actDelete
	actConclude
	actIPE
	actSampling
	actTesting
)

func (p *controlPage) key(msg tea.KeyMsg) tea.Cmd {
	k := p.keys
	for a, b := range []key.Binding{k.WPEdit, k.WPAdd, k.WPDelete, k.WPConclude, k.WPIPE, k.WPSampling, k.WPTesting} {
		if key.Matches(msg, b) {
			return p.act(wpAction(a))
		}
	}
	switch {
	case key.Matches(msg, k.Top):
		p.list.SelectFirst()
		return nil
	case key.Matches(msg, k.Bottom):
		p.list.SelectLast()
		p.list.ScrollToEnd() // the lines after the last item too
		return nil
	}
	_, cmd := p.list.Update(msg)
	return cmd
}

// act does what a asks for the item under the cursor.
func (p *controlPage) act(a wpAction) tea.Cmd {
	if !p.wd.loaded {
		return nil
	}
	line, _ := p.list.Selected()
	switch {
	case a == actSampling:
		return pushCmd(newSamplingPage(p.common, p.ref))
	case a == actTesting:
		return p.openGrid()
	case a == actEdit && (line.item == itemPopulation || line.item == itemPlan || line.item == itemSelection):
		return pushCmd(newSamplingPage(p.common, p.ref))
	case a == actEdit && line.item == itemTesting:
		return p.openGrid()
	}
	if ro := p.refuseReadOnly(); ro != nil {
		return ro
	}
	switch a {
	case actConclude:
		return p.openForm(formConclusion, "")
	case actIPE:
		return p.openIPE()
	case actAdd:
		if line.item == itemProcedure {
			return p.openForm(formAddProcedure, "")
		}
		return p.openForm(formAddAttribute, "")
	case actDelete:
		if line.item != itemAttribute || line.index >= len(p.wd.test.Attributes) {
			return statusCmd("Put the cursor on an attribute to delete it.")
		}
		return p.askDelete(p.wd.test.Attributes[line.index])
	}
	// Edit: by item.
	switch line.item {
	case itemDesign:
		return p.openForm(formDesign, "")
	case itemProcedure:
		return p.openForm(formAddProcedure, "")
	case itemAttribute:
		if line.index < len(p.wd.test.Attributes) {
			return p.openForm(formEditAttribute, p.wd.test.Attributes[line.index].Letter)
		}
		return p.openForm(formAddAttribute, "")
	case itemIPE:
		return p.openIPE()
	case itemConclusion:
		return p.openForm(formConclusion, "")
	case itemSignOffs:
		return statusCmd("Sign-offs are made on the sign-off screen (5).")
	}
	return nil
}

func (p *controlPage) openGrid() tea.Cmd {
	if p.wd.sel == nil {
		return statusCmd("No sample yet: press s to import the population and draw one.")
	}
	return pushCmd(newGridPage(p.common, p.ref))
}

func (p *controlPage) openIPE() tea.Cmd {
	if p.wd.pop == nil {
		return statusCmd("No population yet: press s to import one first.")
	}
	return p.openForm(formIPE, "")
}

func (p *controlPage) askDelete(a model.Attribute) tea.Cmd {
	ref, letter, ver, ctx, wp := p.ref, a.Letter, a.Version, p.ctx, p.common.wp
	p.saveID = nextRequestID()
	id := p.saveID
	p.ask.Ask(fmt.Sprintf("Delete attribute %s (%s)?", oneLine(letter), oneLine(a.Text)), "deletes", "keeps it", func() tea.Cmd {
		return func() tea.Msg {
			err := withWriteTimeout(ctx, func(ctx context.Context) error {
				return wp.DeleteAttribute(ctx, ref, letter, ver)
			})
			return wpSavedMsg{id: id, what: "Deleted attribute " + letter + ".", err: err}
		}
	})
	p.layout()
	return nil
}

var (
	designValues     = []string{"", "suitably-designed", "not-suitably-designed"}
	designLabels     = []string{"not concluded", "suitably designed", "not suitably designed"}
	procedureValues  = []string{string(model.Inquiry), string(model.Observation), string(model.Inspection), string(model.Reperformance)}
	conclusionValues = []string{"", string(model.Effective), string(model.EffectiveWithExceptions), string(model.NotEffective), string(model.NotTested), string(model.NotOccurring)}
	conclusionLabels = []string{"none", "effective", "with exceptions", "not effective", "not tested", "not occurring"}
)

// controlTextWidth keeps long texts readable on wide terminals.
const controlTextWidth = 100

func (p *controlPage) ShortHelp() []key.Binding {
	k := p.keys
	if p.form != nil {
		return p.form.ShortHelp()
	}
	if p.ask.Asking() {
		return k.confirmHelp()
	}
	line, _ := p.list.Selected()
	edit := k.WPEdit
	switch line.item {
	case itemPopulation, itemPlan, itemSelection:
		edit.SetHelp("enter", "sampling")
	case itemTesting:
		edit.SetHelp("enter", "test items")
	case itemSignOffs:
		return []key.Binding{k.WPSampling, k.WPTesting, k.WPConclude}
	}
	b := []key.Binding{edit}
	switch line.item {
	case itemProcedure:
		b[0].SetHelp("enter", "add procedure")
	case itemAttribute:
		b = append(b, k.WPAdd, k.WPDelete)
	}
	return append(b, k.WPSampling, k.WPTesting, k.WPConclude)
}

func (p *controlPage) FullHelp() [][]key.Binding {
	k := p.keys
	if p.form != nil {
		return p.form.FullHelp()
	}
	if p.ask.Asking() {
		return [][]key.Binding{k.confirmHelp()}
	}
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.WPEdit, k.WPAdd, k.WPDelete, k.WPIPE, k.WPConclude},
		{k.WPSampling, k.WPTesting},
	}
}
