package tui

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/fieldwork-audit/fieldwork/model"
	"github.com/fieldwork-audit/fieldwork/sampling"
	"github.com/fieldwork-audit/fieldwork/tui/widget/filepicker"
	"github.com/fieldwork-audit/fieldwork/tui/widget/list"
)

// samplingPage is the sampling wizard of one control: pick the
// population file, preview it and choose its ID and date columns, import
// it (with progress, cancellable), look at the rows it flagged, plan the
// sample with a live size calculator, draw it, and read the selection
// record. Every file and database call is a tea.Cmd; the import streams
// its progress through a channel that a command loop reads, so the root
// never waits.
type samplingPage struct {
	common
	ref  string
	data *snapshot
	step wizStep
	msg  string // a problem with the current step, shown under it

	// The control's sampling state, read by the wizard itself.
	stateID int64
	st      wizState
	stErr   error

	savingID int64 // the plan's or the draw's write

	// The steps, one sub-model each: its own state, and its keys, view
	// and help (wizStepModel). Embedded, so that what the wizard shares
	// (the import that ends on the flags, the plan the draw needs) reads
	// across them.
	fileStep
	columnsStep
	importStep
	flagsStep
	planStep
	drawStep
	recordStep
}

// wizStepModel is one step of the wizard. The wizard holds the control's
// state (st), routes the messages of its commands and moves between the
// steps (goTo, back); the step it shows takes the keys, draws the body
// under the step bar and says its keys.
type wizStepModel interface {
	key(p *samplingPage, msg tea.KeyMsg) tea.Cmd
	view(p *samplingPage) []string
	help(p *samplingPage) []key.Binding
}

// current is the sub-model of the step shown.
func (p *samplingPage) current() wizStepModel {
	return [numSteps]wizStepModel{&p.fileStep, &p.columnsStep, &p.importStep, &p.flagsStep,
		&p.planStep, &p.drawStep, &p.recordStep}[p.step]
}

// 1 File: pick the population file.
type fileStep struct{ picker *filepicker.Model }

// 2 Columns: preview the file and choose its ID and date columns.
type columnsStep struct {
	previewID int64
	pv        *tablePreview
	idCol     int // index into pv.header; -1 none
	dateCol   int
	dateOrder model.DateOrder // how numeric dates read; unknown = from the data
	colFocus  int             // 0 ID, 1 date, 2 date order, 3 reason
	reasonIn  textinput.Model
}

// 3 Import: the import's progress, cancellable.
type importStep struct {
	importID  int64
	importing bool
	cancel    context.CancelFunc
	rows      int
	barW      int
}

// 4 Flags: the rows the import flagged.
type flagsStep struct {
	flagsID int64
	flagged list.Model[model.PopulationRow]
}

// 5 Plan: the sample plan with its live size.
type planStep struct {
	plan      planState
	planSaved planState // what the workpaper holds, to tell an unsaved change
	planFocus int
	calc      planCalc
}

// 6 Draw: the method and the seed.
type drawStep struct {
	method  int // index into drawMethods
	seedIn  textinput.Model
	seeding bool
}

// 7 Record: the selection record, re-performable.
type recordStep struct{}

type wizStep int

const (
	stepFile wizStep = iota
	stepColumns
	stepImport
	stepFlags
	stepPlan
	stepDraw
	stepRecord
	numSteps
)

func (s wizStep) String() string {
	return [...]string{"File", "Columns", "Import", "Flags", "Plan", "Draw", "Record"}[s]
}

// wizState is the control's population, plan and sample as last read.
type wizState struct {
	loaded bool
	controlState
	table sampling.FrequencyTable
}

type wizStateMsg struct {
	id  int64
	st  wizState
	err error
}

func loadWizState(ctx context.Context, wp *model.Workpaper, id int64, ref string) tea.Cmd {
	return readCmd(ctx, func(ctx context.Context) tea.Msg {
		msg := wizStateMsg{id: id}
		st := &msg.st
		if st.controlState, msg.err = readControlState(ctx, wp, ref); msg.err != nil {
			return msg
		}
		if st.table, msg.err = wp.FrequencyTable(ctx); msg.err != nil {
			return msg
		}
		st.loaded = true
		return msg
	})
}

func newSamplingPage(c common, ref string) *samplingPage {
	p := &samplingPage{common: c, ref: ref, columnsStep: columnsStep{idCol: -1, dateCol: -1}}
	p.picker = newFilePicker(c, populationExts, "path to a CSV or XLSX file")
	p.flagged = newList(c, list.Config[model.PopulationRow]{
		ID:     func(r model.PopulationRow) string { return strconv.Itoa(r.Position) },
		Render: p.renderFlagged,
		Empty:  "No row was flagged.",
	})
	p.reasonIn = newLineInput(c, "why the population is replaced (logged)")
	p.seedIn = newLineInput(c, "empty: a fresh random seed")
	p.seedIn.Validate = func(s string) error {
		if s == "" {
			return nil
		}
		_, err := strconv.ParseUint(s, 10, 64)
		return err
	}
	return p
}

// newLineInput is a one-line input in the workbench's style.
func newLineInput(c common, placeholder string) textinput.Model {
	ti := textinput.New()
	ti.Prompt = ""
	ti.Placeholder = placeholder
	ti.PlaceholderStyle = c.styles.Dim
	ti.Cursor.SetMode(cursor.CursorStatic)
	ti.Cursor.Style = c.styles.Selected
	ti.CharLimit = 4096
	return ti
}

func (p *samplingPage) Init() tea.Cmd {
	p.stateID = nextRequestID()
	return tea.Batch(loadWizState(p.ctx, p.common.wp, p.stateID, p.ref), p.picker.Init())
}

func (p *samplingPage) Title() string { return "Sampling" }

func (p *samplingPage) InputFocused() bool {
	return p.picker.Typing() || p.seeding || (p.step == stepColumns && p.colFocus == reasonField)
}

func (p *samplingPage) HandlesBack() bool { return p.InputFocused() || p.importing }

func (p *samplingPage) Busy() string {
	switch {
	case p.importing:
		return "importing " + p.pvName() + "…"
	case p.savingID != 0:
		return "saving…"
	case !p.st.loaded && p.stErr == nil:
		return "reading " + oneLine(p.ref) + "'s population and sample…"
	}
	return ""
}

func (p *samplingPage) pvName() string {
	if p.pv == nil {
		return "the population"
	}
	return p.pv.name
}

// Unsaved is what leaving the wizard would throw away.
func (p *samplingPage) Unsaved() string {
	switch {
	case p.importing:
		return "the import of " + p.pvName() + " (nothing is stored until it finishes)"
	case p.step == stepColumns && p.pv != nil:
		return "the chosen file " + p.pv.name + ", not imported yet"
	case p.step == stepPlan && p.plan != p.planSaved:
		return "the sample plan you were setting"
	case p.step == stepDraw && p.seedIn.Value() != "":
		return "the seed you typed"
	}
	return ""
}

// Discard stops a running import: its transaction rolls back.
func (p *samplingPage) Discard() {
	if p.cancel != nil {
		p.cancel()
	}
}

func (p *samplingPage) SetData(d *snapshot) tea.Cmd {
	p.data = d
	if p.st.loaded && !p.importing {
		p.stateID = nextRequestID()
		return loadWizState(p.ctx, p.common.wp, p.stateID, p.ref)
	}
	return nil
}

// stepHeadLines is the step bar and the blank line under it.
const stepHeadLines = 2

func (p *samplingPage) SetSize(width, height int) {
	p.common.SetSize(width, height)
	body := max(0, height-stepHeadLines)
	p.picker.SetSize(width, max(0, body-3))
	p.flagged.SetSize(width, max(0, body-5))
	p.reasonIn.Width = max(1, width-formLabelW-4)
	p.seedIn.Width = max(1, min(30, width-formLabelW-4))
	p.barW = max(10, min(60, width-8))
}

func (p *samplingPage) Update(msg tea.Msg) (page, tea.Cmd) {
	switch msg := msg.(type) {
	case wizStateMsg:
		if fresh, cmd := answer(p.stateID, msg.id, msg.err, nil, &p.stErr); !fresh || cmd != nil {
			return p, cmd
		}
		first := !p.st.loaded
		p.st = msg.st
		p.planSaved = planFrom(p.st.test)
		if first {
			p.plan = p.planSaved
			p.recalc()
			return p, p.goTo(p.firstStep())
		}
		p.recalc()
		return p, nil

	case previewMsg:
		if !p.stepAnswer(&p.previewID, msg.id, msg.err, errorText) {
			return p, nil
		}
		p.pv = msg.pv
		p.idCol, p.dateCol = model.GuessOccurrenceColumns(p.pv.header, p.pv.rows)
		p.colFocus, p.dateOrder = 0, model.DateOrderUnknown
		p.reasonIn.Reset()
		return p, p.goTo(stepColumns)

	case importProgressMsg:
		if msg.id != p.importID {
			return p, nil
		}
		p.rows = msg.rows
		return p, waitImport(msg.id, msg.ch)

	case importDoneMsg:
		if msg.id != p.importID {
			return p, nil
		}
		p.importing, p.cancel, p.importID = false, nil, 0
		if msg.err != nil {
			if errors.Is(msg.err, context.Canceled) {
				p.msg = "Import cancelled: nothing was stored."
			} else {
				p.msg = errorText(msg.err)
			}
			if ie := (*model.InputError)(nil); errors.As(msg.err, &ie) && ie.Input == model.InputDateFormat {
				defer func() { p.colFocus = 2 }() // the Dates field, once the step is entered
			}
			return p, p.goTo(stepColumns)
		}
		p.st.pop = msg.pop
		p.st.sel = nil
		p.pv = nil
		p.stateID = nextRequestID()
		return p, tea.Batch(
			statusCmd(fmt.Sprintf("Imported %s rows from %s.", thousands(msg.pop.Rows), oneLine(msg.pop.SourceName))),
			loadWizState(p.ctx, p.common.wp, p.stateID, p.ref), changedCmd, p.goTo(stepFlags))

	case flagsMsg:
		if !p.stepAnswer(&p.flagsID, msg.id, msg.err, errorText) {
			return p, nil
		}
		p.flagged.SetEmpty("No row was flagged.")
		p.flagged.SetItems(msg.rows)
		return p, nil

	case wizSavedMsg:
		if !p.stepAnswer(&p.savingID, msg.id, msg.err, func(err error) string { return writeErrorText(err, p.now) }) {
			return p, nil
		}
		p.msg = ""
		if msg.next == stepDraw {
			p.planSaved = p.plan
		}
		if msg.next == stepRecord {
			p.seedIn.Reset()
		}
		p.stateID = nextRequestID()
		return p, tea.Batch(statusCmd(msg.what), loadWizState(p.ctx, p.common.wp, p.stateID, p.ref), changedCmd, p.goTo(msg.next))

	case filepicker.DirMsg:
		p.picker.Update(msg)
		return p, nil

	case tea.KeyMsg:
		return p, p.key(msg)

	case tea.MouseMsg:
		msg.Y -= stepHeadLines
		switch p.step {
		case stepFile:
			msg.Y -= 1 // the step's heading
			if path, cmd := p.picker.Update(msg); path != "" || cmd != nil {
				return p, tea.Batch(cmd, p.previewIf(path))
			}
		case stepFlags:
			msg.Y -= 4
			p.flagged.Update(msg)
		}
	}
	return p, nil
}

// stepAnswer takes the answer of a step's command to request *reqID: it is
// false for another request's answer (ignore it) and for a failure, which
// the step shows as its problem in words's words.
func (p *samplingPage) stepAnswer(reqID *int64, id int64, err error, words func(error) string) bool {
	if id != *reqID {
		return false
	}
	*reqID = 0
	if err != nil {
		p.msg = words(err)
		return false
	}
	return true
}

// firstStep is where the wizard opens: at the first thing not done yet.
func (p *samplingPage) firstStep() wizStep {
	switch {
	case p.st.sel != nil:
		return stepRecord
	case p.st.pop != nil && p.st.test.Plan.Kind != "":
		return stepDraw
	case p.st.pop != nil:
		return stepFlags
	}
	return stepFile
}

// goTo shows step s, starting what it needs.
func (p *samplingPage) goTo(s wizStep) tea.Cmd {
	if s != stepColumns && s != stepImport {
		p.msg = ""
	}
	p.step = s
	switch s {
	case stepFlags:
		if p.st.pop != nil {
			p.flagsID = nextRequestID()
			p.flagged.SetEmpty("Reading the flagged rows…")
			p.flagged.SetItems(nil)
			return loadFlagged(p.ctx, p.common.wp, p.flagsID, p.st.pop.UUID)
		}
	case stepPlan:
		p.recalc()
	}
	return nil
}

func (p *samplingPage) key(msg tea.KeyMsg) tea.Cmd {
	k := p.keys
	if p.picker.Typing() {
		path, cmd := p.picker.Update(msg)
		return tea.Batch(cmd, p.previewIf(path))
	}
	if p.seeding {
		switch {
		case msg.Type == tea.KeyEnter:
			p.seeding = false
			p.seedIn.Blur()
			if p.seedIn.Err != nil {
				p.msg = "The seed is a whole number from 0 to 18446744073709551615."
			}
			return nil
		case msg.Type == tea.KeyEsc:
			p.seeding = false
			p.seedIn.Blur()
			return nil
		}
		var cmd tea.Cmd
		p.seedIn, cmd = p.seedIn.Update(msg)
		return cmd
	}
	if p.importing {
		if key.Matches(msg, k.WizCancel) {
			if p.cancel != nil {
				p.cancel()
			}
			p.msg = "Cancelling…"
		}
		return nil
	}
	return p.current().key(p, msg)
}

func (p *samplingPage) atFirstStep() bool { return p.st.pop == nil }

func (p *samplingPage) back() tea.Cmd {
	switch p.step {
	case stepFile:
		if p.st.pop != nil {
			return p.goTo(stepFlags)
		}
	case stepColumns:
		p.pv = nil
		return p.goTo(stepFile)
	case stepPlan:
		return p.goTo(stepFlags)
	case stepDraw:
		return p.goTo(stepPlan)
	}
	return nil
}

// Views.

func (p *samplingPage) View() string {
	if p.height <= 0 {
		return ""
	}
	lines := []string{p.stepsLine(), ""}
	var body []string
	switch {
	case p.stErr != nil && !p.st.loaded:
		body = append([]string{p.styles.Gap.Render(symGap + " Could not read " + oneLine(p.ref) + ".")}, wrap(errorText(p.stErr), p.width)...)
	case !p.st.loaded:
		body = []string{p.styles.Muted.Render("Reading " + oneLine(p.ref) + "…")}
	default:
		body = p.current().view(p)
	}
	room := max(0, p.height-len(lines))
	var msg []string
	if p.msg != "" {
		for _, l := range wrap(p.msg, p.width) {
			msg = append(msg, p.styles.Hint.Render(l))
		}
	}
	if len(body) > room-len(msg) {
		body = body[:max(0, room-len(msg))]
	}
	lines = append(lines, body...)
	for len(lines) < p.height-len(msg) {
		lines = append(lines, "")
	}
	lines = append(lines, msg...)
	return clampLines(strings.Join(lines, "\n"), p.width, p.height)
}

// stepsLine shows the steps, the current one in brackets, the done ones
// ticked; on narrow terminals the others by number only.
func (p *samplingPage) stepsLine() string {
	s := p.styles
	build := func(short bool) string {
		var parts []string
		for st := range numSteps {
			label := fmt.Sprintf("%d %s", st+1, st)
			if short && st != p.step {
				label = strconv.Itoa(int(st) + 1)
			}
			switch {
			case st == p.step:
				parts = append(parts, s.TabActive.Render("["+label+"]"))
			case p.stepDone(st):
				parts = append(parts, s.Covered.Render(symCovered+label))
			default:
				parts = append(parts, s.Muted.Render(" "+label))
			}
		}
		return s.Title.Render(oneLine(p.ref)) + "  " + strings.Join(parts, " ")
	}
	line := build(false)
	if ansi.StringWidth(line) > p.width {
		line = build(true)
	}
	return truncate(line, p.width)
}

func (p *samplingPage) stepDone(st wizStep) bool {
	switch st {
	case stepFile, stepColumns, stepImport, stepFlags:
		return p.st.pop != nil
	case stepPlan:
		return p.st.test != nil && p.st.test.Plan.Kind != ""
	case stepDraw, stepRecord:
		return p.st.sel != nil
	}
	return false
}

func displayWidth(s string) int { return lipgloss.Width(s) }

func (p *samplingPage) ShortHelp() []key.Binding {
	k := p.keys
	switch {
	case p.picker.Typing() || p.seeding || (p.step == stepColumns && p.colFocus == reasonField):
		enter := k.WizNext
		enter.SetHelp("enter", "done")
		back := k.FormCancel
		back.SetHelp("esc", "stop typing")
		return []key.Binding{enter, back}
	case p.importing:
		return []key.Binding{k.WizCancel}
	}
	return p.current().help(p)
}

// nextAs is the wizard's next key, helped as what it does on this step.
func (p *samplingPage) nextAs(what string) key.Binding {
	next := p.keys.WizNext
	next.SetHelp("enter", what)
	return next
}

// changeKeys are a step's keys when ←/→ change its fields: change, next
// (as what) and back.
func (p *samplingPage) changeKeys(what string) []key.Binding {
	change := p.keys.CellRight
	change.SetHelp("←/→", "change")
	return []key.Binding{change, p.nextAs(what), p.keys.WizPrev}
}

func (p *samplingPage) FullHelp() [][]key.Binding {
	k := p.keys
	short := p.ShortHelp()
	return [][]key.Binding{short, {k.Up, k.Down, k.CellLeft, k.CellRight}}
}

// NoteTarget and TrailScope: a review note or the history from the wizard
// is about its control.
func (p *samplingPage) NoteTarget() (noteTarget, bool) {
	return noteTarget{kind: "control", ref: p.ref}, true
}
func (p *samplingPage) TrailScope() (trailScope, bool) {
	return trailScope{control: p.ref, label: "control " + p.ref}, true
}
