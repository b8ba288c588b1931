package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/dustin/go-humanize"

	"github.com/fieldwork-audit/fieldwork/internal/tabular"
	"github.com/fieldwork-audit/fieldwork/model"
	"github.com/fieldwork-audit/fieldwork/sampling"
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

	// 1 File.
	picker *filePicker

	// 2 Columns.
	previewID int64
	pv        *tablePreview
	idCol     int // index into pv.header; -1 none
	dateCol   int
	colFocus  int // 0 ID, 1 date, 2 reason
	reasonIn  textinput.Model

	// 3 Import.
	importID  int64
	importing bool
	cancel    context.CancelFunc
	rows      int
	barW      int

	// 4 Flags.
	flagsID int64
	flagged listView[model.PopulationRow]

	// 5 Plan.
	plan      planState
	planSaved planState // what the workpaper holds, to tell an unsaved change
	planFocus int
	calc      planCalc
	savingID  int64

	// 6 Draw.
	method  int // index into drawMethods
	seedIn  textinput.Model
	seeding bool
}

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
	test   *model.ControlTest
	pop    *model.Population
	sel    *model.Selection
	eval   *model.TestEvaluation
	table  sampling.FrequencyTable
}

type wizStateMsg struct {
	id  int64
	st  wizState
	err error
}

func loadWizState(ctx context.Context, wp *model.Workpaper, id int64, ref string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, loadTimeout)
		defer cancel()
		msg := wizStateMsg{id: id}
		st := &msg.st
		if st.test, msg.err = wp.ControlTest(ctx, ref); msg.err != nil {
			return msg
		}
		if st.pop, msg.err = wp.CurrentPopulation(ctx, ref); msg.err != nil {
			return msg
		}
		if st.sel, msg.err = wp.Selection(ctx, ref); msg.err != nil {
			return msg
		}
		if st.eval, msg.err = wp.Evaluate(ctx, ref); msg.err != nil {
			return msg
		}
		if st.table, msg.err = wp.FrequencyTable(ctx); msg.err != nil {
			return msg
		}
		st.loaded = true
		return msg
	}
}

// tablePreview is the start of a population file.
type tablePreview struct {
	path      string
	name      string
	format    string
	sheet     string
	headerRow int
	header    []string   // sanitized, for the screen
	rawHeader []string   // as in the file, for the import to match
	rows      [][]string // sanitized, the first previewRows
	size      int64
	estRows   int // about how many rows the file holds; 0 unknown
}

const previewRows = 8

type previewMsg struct {
	id  int64
	pv  *tablePreview
	err error
}

// previewFile reads a file's header and first rows (tabular.OpenTable).
func previewFile(id int64, path string) tea.Cmd {
	return func() tea.Msg {
		info, err := os.Stat(path)
		if err != nil {
			return previewMsg{id: id, err: err}
		}
		if info.IsDir() {
			return previewMsg{id: id, err: fmt.Errorf("%s is a folder", filepath.Base(path))}
		}
		t, err := tabular.OpenTable(path, tabular.TableOptions{})
		if err != nil {
			return previewMsg{id: id, err: err}
		}
		defer t.Close()
		pv := &tablePreview{path: path, name: oneLine(filepath.Base(path)), format: t.Format(), sheet: oneLine(t.Sheet()),
			headerRow: t.HeaderRow(), size: info.Size()}
		for _, h := range t.Header() {
			pv.header = append(pv.header, oneLine(h))
			pv.rawHeader = append(pv.rawHeader, h)
		}
		bytes := 0
		for range previewRows {
			row, err := t.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return previewMsg{id: id, err: err}
			}
			cells := make([]string, len(row))
			for i, c := range row {
				cells[i] = oneLine(c)
				bytes += len(c) + 1
			}
			pv.rows = append(pv.rows, cells)
		}
		if pv.format == "csv" && len(pv.rows) > 0 && bytes > 0 {
			pv.estRows = max(len(pv.rows), int(info.Size())*len(pv.rows)/(bytes+len(pv.rows)))
		}
		return previewMsg{id: id, pv: pv}
	}
}

// Import: progress and the end, through channels a command loop reads.
type (
	importProgressMsg struct {
		id   int64
		rows int
		ch   importChans
	}
	importDoneMsg struct {
		id  int64
		pop *model.Population
		err error
	}
	importChans struct {
		progress <-chan int
		done     <-chan importDoneMsg
	}
)

// startImport runs model.ImportPopulation in a goroutine and returns its
// first report. Progress never blocks the import: a report the screen has
// not taken yet is replaced by the newer one.
func startImport(ctx context.Context, wp *model.Workpaper, id int64, in model.PopulationImport) tea.Cmd {
	return func() tea.Msg {
		progress := make(chan int, 1)
		done := make(chan importDoneMsg, 1)
		in.Progress = func(rows int) {
			for {
				select {
				case progress <- rows:
					return
				default:
				}
				select {
				case <-progress: // drop the older report
				default:
				}
			}
		}
		go func() {
			pop, err := wp.ImportPopulation(ctx, in)
			done <- importDoneMsg{id: id, pop: pop, err: err}
		}()
		return waitImport(id, importChans{progress, done})()
	}
}

// waitImport waits for the import's next report.
func waitImport(id int64, ch importChans) tea.Cmd {
	return func() tea.Msg {
		select {
		case d := <-ch.done:
			return d
		case n := <-ch.progress:
			return importProgressMsg{id: id, rows: n, ch: ch}
		}
	}
}

type flagsMsg struct {
	id   int64
	rows []model.PopulationRow
	err  error
}

// maxFlagged bounds the flagged rows the wizard lists.
const maxFlagged = 500

func loadFlagged(ctx context.Context, wp *model.Workpaper, id int64, popUUID string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, loadTimeout)
		defer cancel()
		rows, err := wp.FlaggedRows(ctx, popUUID, maxFlagged)
		return flagsMsg{id: id, rows: rows, err: err}
	}
}

// wizSavedMsg answers the plan's or the draw's write.
type wizSavedMsg struct {
	id   int64
	what string
	next wizStep
	err  error
}

// Plan.

var (
	planConfidences = []sampling.Rate{80 * sampling.OnePercent, 85 * sampling.OnePercent, 90 * sampling.OnePercent, 95 * sampling.OnePercent, 99 * sampling.OnePercent}
	planRisks       = []string{"lower", "higher"}
	drawMethods     = []sampling.Method{sampling.Random, sampling.Systematic}
)

// planState is the plan as chosen: indexes into the option lists.
type planState struct {
	kind, conf, tol, exp, model, risk int
}

// planCalc is the size the plan gives, computed in Update (pure and fast).
type planCalc struct {
	size     sampling.Size
	sizeErr  string
	freq     sampling.FrequencySize
	freqErr  string
	table    *sampling.SizeTable
	tableKey [3]int // confidence, model, population the table was made for
	tableErr string
}

func indexOfRate(rs []sampling.Rate, r sampling.Rate, def int) int {
	for i, x := range rs {
		if x == r {
			return i
		}
	}
	return def
}

// planFrom reads a recorded plan into the wizard's choices.
func planFrom(t *model.ControlTest) planState {
	ps := planState{kind: 0, conf: 3, tol: indexOfRate(sampling.TableTolerable, 5*sampling.OnePercent, 3)}
	if t == nil {
		return ps
	}
	pl := t.Plan
	for i, k := range model.PlanKinds {
		if k == pl.Kind {
			ps.kind = i
		}
	}
	if pl.Kind == "" && t.Control.Frequency != "" {
		ps.kind = 1
	}
	if r, err := sampling.ParseRate(pl.Confidence); err == nil {
		ps.conf = indexOfRate(planConfidences, r, ps.conf)
	}
	if r, err := sampling.ParseRate(pl.Tolerable); err == nil {
		ps.tol = indexOfRate(sampling.TableTolerable, r, ps.tol)
	}
	if r, err := sampling.ParseRate(pl.Expected); err == nil {
		ps.exp = indexOfRate(sampling.TableExpected, r, ps.exp)
	}
	for i, m := range sampling.Models {
		if string(m) == pl.Model {
			ps.model = i
		}
	}
	if t.Risk == "higher" {
		ps.risk = 1
	}
	return ps
}

func newSamplingPage(c common, ref string) *samplingPage {
	p := &samplingPage{common: c, ref: ref, idCol: -1, dateCol: -1}
	p.picker = newFilePicker(c, populationExts, "path to a CSV or XLSX file")
	p.flagged = newListView(c, listConfig[model.PopulationRow]{
		id:     func(r model.PopulationRow) string { return strconv.Itoa(r.Position) },
		render: p.renderFlagged,
		empty:  "No row was flagged.",
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
	return p.picker.Typing() || p.seeding || (p.step == stepColumns && p.colFocus == 2)
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
		if msg.id != p.stateID {
			return p, nil
		}
		if msg.err != nil {
			p.stErr = msg.err
			return p, errCmd(msg.err)
		}
		first := !p.st.loaded
		p.st, p.stErr = msg.st, nil
		p.planSaved = planFrom(p.st.test)
		if first {
			p.plan = p.planSaved
			p.recalc()
			return p, p.goTo(p.firstStep())
		}
		p.recalc()
		return p, nil

	case previewMsg:
		if msg.id != p.previewID {
			return p, nil
		}
		p.previewID = 0
		if msg.err != nil {
			p.msg = errorText(msg.err)
			return p, nil
		}
		p.pv = msg.pv
		p.idCol, p.dateCol = model.GuessOccurrenceColumns(p.pv.header, p.pv.rows)
		p.colFocus = 0
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
		if msg.id != p.flagsID {
			return p, nil
		}
		if msg.err != nil {
			p.msg = errorText(msg.err)
			return p, nil
		}
		p.flagged.empty = "No row was flagged."
		p.flagged.SetItems(msg.rows)
		return p, nil

	case wizSavedMsg:
		if msg.id != p.savingID {
			return p, nil
		}
		p.savingID = 0
		if msg.err != nil {
			p.msg = writeErrorText(msg.err, p.now)
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

	case dirMsg:
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
			p.flagged.empty = "Reading the flagged rows…"
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
	switch p.step {
	case stepFile:
		if key.Matches(msg, k.WizPrev) && !p.atFirstStep() {
			return p.back()
		}
		path, cmd := p.picker.Update(msg)
		return tea.Batch(cmd, p.previewIf(path))
	case stepColumns:
		return p.columnsKey(msg)
	case stepFlags:
		switch {
		case key.Matches(msg, k.WizNext):
			return p.goTo(stepPlan)
		case key.Matches(msg, k.WizImport):
			return p.goTo(stepFile)
		case key.Matches(msg, k.WizPrev):
			return p.goTo(stepFile)
		}
		_, cmd := p.flagged.Update(msg)
		return cmd
	case stepPlan:
		return p.planKey(msg)
	case stepDraw:
		return p.drawKey(msg)
	case stepRecord:
		switch {
		case key.Matches(msg, k.WizNext):
			if p.st.sel != nil {
				return pushCmd(newGridPage(p.common, p.ref))
			}
		case key.Matches(msg, k.WizPrev):
			return p.goTo(stepPlan)
		case key.Matches(msg, k.WizImport):
			return p.goTo(stepFile)
		}
	}
	return nil
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

// previewIf previews the file the picker chose, if it chose one.
func (p *samplingPage) previewIf(path string) tea.Cmd {
	if path == "" {
		return nil
	}
	return p.preview(path)
}

func (p *samplingPage) preview(path string) tea.Cmd {
	p.msg = ""
	p.previewID = nextRequestID()
	return previewFile(p.previewID, path)
}

// needsReason reports whether importing replaces a tested population.
func (p *samplingPage) needsReason() bool {
	return p.st.pop != nil && p.st.eval != nil && p.st.eval.Recorded > 0
}

func (p *samplingPage) columnsKey(msg tea.KeyMsg) tea.Cmd {
	k := p.keys
	if p.colFocus == 2 {
		switch msg.Type {
		case tea.KeyEsc, tea.KeyUp, tea.KeyShiftTab:
			p.colFocus = 1
			p.reasonIn.Blur()
			return nil
		case tea.KeyEnter:
			return p.startImport()
		}
		var cmd tea.Cmd
		p.reasonIn, cmd = p.reasonIn.Update(msg)
		return cmd
	}
	fields := 2
	if p.needsReason() {
		fields = 3
	}
	cycle := func(cur, delta int) int {
		n := len(p.pv.header) + 1 // and "none"
		return (cur+1+delta+n)%n - 1
	}
	switch {
	case key.Matches(msg, k.Up):
		p.colFocus = max(0, p.colFocus-1)
	case key.Matches(msg, k.Down):
		p.colFocus = min(fields-1, p.colFocus+1)
		if p.colFocus == 2 {
			return p.reasonIn.Focus()
		}
	case key.Matches(msg, k.CellLeft), key.Matches(msg, k.CellRight):
		d := 1
		if key.Matches(msg, k.CellLeft) {
			d = -1
		}
		if p.colFocus == 0 {
			p.idCol = cycle(p.idCol, d)
		} else {
			p.dateCol = cycle(p.dateCol, d)
		}
	case key.Matches(msg, k.WizNext):
		if p.needsReason() && strings.TrimSpace(p.reasonIn.Value()) == "" {
			p.msg = "The current population already has results: say why it is replaced (the reason is logged)."
			p.colFocus = 2
			return p.reasonIn.Focus()
		}
		return p.startImport()
	case key.Matches(msg, k.WizPrev):
		return p.back()
	}
	return nil
}

func (p *samplingPage) startImport() tea.Cmd {
	if ro := p.refuseReadOnly(); ro != nil {
		return ro
	}
	if p.needsReason() && strings.TrimSpace(p.reasonIn.Value()) == "" {
		p.msg = "Say why the population is replaced."
		return nil
	}
	in := model.PopulationImport{ControlRef: p.ref, Path: p.pv.path}
	if p.idCol >= 0 {
		in.IDColumn = p.pv.rawHeader[p.idCol]
	}
	if p.dateCol >= 0 {
		in.DateColumn = p.pv.rawHeader[p.dateCol]
	}
	if p.needsReason() {
		in.Replace, in.Reason = true, strings.TrimSpace(p.reasonIn.Value())
	}
	p.colFocus = 0
	p.reasonIn.Blur()
	ctx, cancel := context.WithCancel(p.ctx)
	p.cancel = cancel
	p.importing = true
	p.rows = 0
	p.msg = ""
	p.importID = nextRequestID()
	p.step = stepImport
	return tea.Batch(startImport(ctx, p.common.wp, p.importID, in), busyCmd)
}

// Plan.

// planRows are the plan step's fields for the chosen kind.
func (p *samplingPage) planRows() []string {
	switch model.PlanKinds[p.plan.kind] {
	case model.PlanStatistical:
		return []string{"kind", "confidence", "tolerable", "expected", "model"}
	case model.PlanFrequency:
		return []string{"kind", "risk"}
	}
	return []string{"kind"}
}

func (p *samplingPage) population() int {
	if p.st.pop != nil {
		return p.st.pop.Rows
	}
	return 0
}

// recalc sizes the plan with model.SizePlan, the function saving uses:
// pure sampling math, microseconds for a size and about a millisecond for
// a table, so it runs in Update.
func (p *samplingPage) recalc() {
	ps := p.plan
	c := &p.calc
	N := p.population()
	c.sizeErr, c.freqErr = "", ""
	var ctl model.Control
	risk := ""
	if p.st.test != nil {
		ctl, risk = p.st.test.Control, p.st.test.Risk
	}
	sz, err := model.SizePlan(p.planInput(), ctl, risk, N, p.st.table)
	switch model.PlanKinds[ps.kind] {
	case model.PlanStatistical:
		c.size = sz.Statistical
		if err != nil {
			c.sizeErr = oneLine(err.Error())
		}
		tk := [3]int{ps.conf, ps.model, N}
		if c.table == nil || c.tableKey != tk {
			t, err := sampling.Table(planConfidences[ps.conf], sampling.Models[ps.model], N)
			c.table, c.tableKey, c.tableErr = &t, tk, ""
			if err != nil {
				c.table, c.tableErr = nil, oneLine(err.Error())
			}
		}
	case model.PlanFrequency:
		c.freq = sz.Frequency
		var nf *model.NoFrequencyError
		switch {
		case errors.As(err, &nf):
			c.freqErr = "the control has no frequency in the matrix: plan a statistical sample instead"
		case err != nil:
			c.freqErr = oneLine(err.Error())
		}
	}
}

// planInput is the plan as chosen, for model.SizePlan and SetPlan.
func (p *samplingPage) planInput() model.PlanInput {
	ps := p.plan
	in := model.PlanInput{Kind: model.PlanKinds[ps.kind], Confidence: planConfidences[ps.conf], Tolerable: sampling.TableTolerable[ps.tol],
		Expected: sampling.TableExpected[ps.exp], Model: sampling.Models[ps.model]}
	if in.Kind == model.PlanFrequency {
		in.Risk = planRisks[ps.risk]
	}
	return in
}

func (p *samplingPage) planKey(msg tea.KeyMsg) tea.Cmd {
	k := p.keys
	rows := p.planRows()
	p.planFocus = min(p.planFocus, len(rows)-1)
	step := func(cur, n, d int) int { return min(max(cur+d, 0), n-1) }
	switch {
	case key.Matches(msg, k.Up):
		p.planFocus = max(0, p.planFocus-1)
	case key.Matches(msg, k.Down):
		p.planFocus = min(len(rows)-1, p.planFocus+1)
	case key.Matches(msg, k.CellLeft), key.Matches(msg, k.CellRight):
		d := 1
		if key.Matches(msg, k.CellLeft) {
			d = -1
		}
		ps := &p.plan
		switch rows[p.planFocus] {
		case "kind":
			ps.kind = (ps.kind + d + len(model.PlanKinds)) % len(model.PlanKinds)
		case "confidence":
			ps.conf = step(ps.conf, len(planConfidences), d)
		case "tolerable":
			ps.tol = step(ps.tol, len(sampling.TableTolerable), d)
		case "expected":
			ps.exp = step(ps.exp, len(sampling.TableExpected), d)
		case "model":
			ps.model = (ps.model + d + len(sampling.Models)) % len(sampling.Models)
		case "risk":
			ps.risk = (ps.risk + d + 2) % 2
		}
		p.recalc()
	case key.Matches(msg, k.WizNext):
		return p.savePlan()
	case key.Matches(msg, k.WizPrev):
		return p.back()
	}
	return nil
}

func (p *samplingPage) savePlan() tea.Cmd {
	if p.savingID != 0 {
		return nil
	}
	if ro := p.refuseReadOnly(); ro != nil {
		return ro
	}
	kind := model.PlanKinds[p.plan.kind]
	switch {
	case kind == model.PlanStatistical && p.calc.sizeErr != "":
		p.msg = "This plan cannot be sized: " + p.calc.sizeErr
		return nil
	case kind == model.PlanFrequency && p.calc.freqErr != "":
		p.msg = "This plan cannot be sized: " + p.calc.freqErr
		return nil
	case kind == model.PlanAll && p.population() == 0:
		p.msg = "Import the population first: testing every item needs it."
		return nil
	}
	in := p.planInput()
	ref, ctx, wp := p.ref, p.ctx, p.common.wp
	p.savingID = nextRequestID()
	id := p.savingID
	return func() tea.Msg {
		var plan model.SamplePlan
		err := withWriteTimeout(ctx, func(ctx context.Context) error {
			var err error
			plan, err = wp.SetPlan(ctx, ref, in)
			return err
		})
		return wizSavedMsg{id: id, what: fmt.Sprintf("Planned %s: n = %d (%s).", ref, plan.Size, plan.Kind), next: stepDraw, err: err}
	}
}

// Draw.

func (p *samplingPage) drawKey(msg tea.KeyMsg) tea.Cmd {
	k := p.keys
	switch {
	case key.Matches(msg, k.CellLeft), key.Matches(msg, k.CellRight):
		p.method = (p.method + 1) % len(drawMethods)
	case key.Matches(msg, k.WizSeed):
		p.seeding = true
		return p.seedIn.Focus()
	case key.Matches(msg, k.WizNext):
		if p.st.sel != nil {
			return p.goTo(stepRecord)
		}
		return p.draw()
	case key.Matches(msg, k.WizPrev):
		return p.back()
	}
	return nil
}

func (p *samplingPage) draw() tea.Cmd {
	if p.savingID != 0 {
		return nil
	}
	if ro := p.refuseReadOnly(); ro != nil {
		return ro
	}
	in := model.DrawInput{ControlRef: p.ref, Method: drawMethods[p.method]}
	if s := strings.TrimSpace(p.seedIn.Value()); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			p.msg = "The seed is a whole number from 0 to 18446744073709551615."
			return nil
		}
		in.Seed = &v
	}
	ctx, wp := p.ctx, p.common.wp
	p.savingID = nextRequestID()
	id := p.savingID
	return func() tea.Msg {
		var sel *model.Selection
		err := withWriteTimeout(ctx, func(ctx context.Context) error {
			var err error
			sel, err = wp.DrawSample(ctx, in)
			return err
		})
		what := ""
		if sel != nil {
			what = fmt.Sprintf("Drew %d of %s items (%s, seed %d).", sel.Record.Size, thousands(sel.Record.Population), sel.Record.Method, sel.Record.Seed)
		}
		return wizSavedMsg{id: id, what: what, next: stepRecord, err: err}
	}
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
		switch p.step {
		case stepFile:
			body = p.fileView()
		case stepColumns:
			body = p.columnsView()
		case stepImport:
			body = p.importView()
		case stepFlags:
			body = p.flagsView()
		case stepPlan:
			body = p.planView()
		case stepDraw:
			body = p.drawView()
		case stepRecord:
			body = p.recordView()
		}
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

func (p *samplingPage) fileView() []string {
	s := p.styles
	out := []string{truncate(s.Section.Render("Choose the population file")+s.Muted.Render("  CSV or XLSX, from the client"), p.width)}
	out = append(out, p.picker.View()...)
	if !p.picker.Typing() && p.st.pop != nil {
		out = append(out, s.Muted.Render(truncate("Current population: "+oneLine(p.st.pop.SourceName)+", "+thousands(p.st.pop.Rows)+" rows. A new import replaces it.", p.width)))
	}
	return out
}

func (p *samplingPage) columnsView() []string {
	s := p.styles
	pv := p.pv
	if pv == nil {
		return nil
	}
	w := p.width
	desc := pv.format
	if pv.sheet != "" {
		desc += ", sheet " + quoteQuery(pv.sheet)
	}
	desc += fmt.Sprintf(", header on row %d, %s", pv.headerRow, strings.ReplaceAll(humanize.Bytes(uint64(pv.size)), " ", ""))
	if pv.estRows > 0 {
		desc += ", about " + thousands(pv.estRows) + " rows"
	}
	out := []string{truncate(s.Section.Render("Preview")+"  "+s.Title.Render(pv.name)+s.Muted.Render("  "+desc), w)}
	colName := func(i int) string {
		if i < 0 {
			return "(none)"
		}
		return pv.header[i]
	}
	choice := func(i int, label string, col int, help string) string {
		marker := "  "
		val := s.Value.Render("◂ " + colName(col) + " ▸")
		if p.colFocus == i {
			marker = s.FilterPrompt.Render(symCursor + " ")
			val = s.Selected.Render("◂ " + colName(col) + " ▸")
		}
		return truncate(marker+s.Label.Render(fit(label, formLabelW))+val+"  "+s.Dim.Render(help), w)
	}
	out = append(out, choice(0, "ID column", p.idCol, "duplicates are flagged"), choice(1, "Date column", p.dateCol, "dates outside the period are flagged"))
	if p.needsReason() {
		marker := "  "
		if p.colFocus == 2 {
			marker = s.FilterPrompt.Render(symCursor + " ")
		}
		out = append(out, marker+s.Label.Render(fit("Reason *", formLabelW))+p.reasonIn.View())
	}
	if p.st.pop != nil {
		warn := fmt.Sprintf("%s Replaces the current population (%s, %s rows)", symFlag, oneLine(p.st.pop.SourceName), thousands(p.st.pop.Rows))
		if p.st.sel != nil {
			warn += " and its sample"
		}
		out = append(out, s.Hint.Render(truncate(warn+".", w)))
	}
	out = append(out, "")
	out = append(out, p.previewTable(w)...)
	return out
}

// previewTable lays the first rows out in columns; the chosen ID and date
// columns come first, marked.
func (p *samplingPage) previewTable(w int) []string {
	s := p.styles
	pv := p.pv
	order := []int{}
	if p.idCol >= 0 {
		order = append(order, p.idCol)
	}
	if p.dateCol >= 0 && p.dateCol != p.idCol {
		order = append(order, p.dateCol)
	}
	for i := range pv.header {
		if i != p.idCol && i != p.dateCol {
			order = append(order, i)
		}
	}
	widths := make([]int, len(order))
	for j, c := range order {
		wd := displayWidth(pv.header[c])
		switch c {
		case p.idCol:
			wd += 3
		case p.dateCol:
			wd += 5
		}
		for _, r := range pv.rows {
			if c < len(r) {
				wd = max(wd, displayWidth(r[c]))
			}
		}
		widths[j] = min(wd, 24)
	}
	line := func(cells func(c int) string, style func(j int, t string) string) string {
		var b strings.Builder
		used := 0
		for j, c := range order {
			if used+widths[j] > w {
				break
			}
			b.WriteString(style(j, fit(cells(c), widths[j])))
			b.WriteString(" ")
			used += widths[j] + 1
		}
		return b.String()
	}
	head := line(func(c int) string {
		switch c {
		case p.idCol:
			return "ID:" + pv.header[c]
		case p.dateCol:
			return "date:" + pv.header[c]
		}
		return pv.header[c]
	}, func(j int, t string) string {
		if order[j] == p.idCol || order[j] == p.dateCol {
			return s.Title.Render(t)
		}
		return s.Label.Render(t)
	})
	out := []string{head}
	for _, r := range pv.rows {
		out = append(out, line(func(c int) string {
			if c < len(r) {
				return r[c]
			}
			return ""
		}, func(_ int, t string) string { return t }))
	}
	if len(pv.rows) == 0 {
		out = append(out, s.Hint.Render("The file has a header but no rows: an empty population means the control did not operate."))
	}
	return out
}

func (p *samplingPage) importView() []string {
	s := p.styles
	w := p.width
	out := []string{truncate(s.Section.Render("Importing")+"  "+s.Title.Render(p.pvName())+s.Muted.Render(" into "+oneLine(p.ref)), w), ""}
	est := 0
	if p.pv != nil {
		est = p.pv.estRows
	}
	count := thousands(p.rows) + " rows read"
	if est > 0 {
		// The estimate comes from the preview's bytes per row: the bar
		// stops short of the end until the import says it is done.
		done := min(p.rows, est*99/100)
		out = append(out, bar(s, done, est, p.barW)+fmt.Sprintf(" %3d%%", done*100/max(est, 1)))
		count += " of about " + thousands(est)
	} else {
		out = append(out, bar(s, 0, 1, p.barW))
	}
	out = append(out, s.Value.Render(count), "",
		s.Muted.Render(truncate("The file is hashed and stored in one transaction: nothing is kept until it finishes.", w)),
		s.Hint.Render(truncate("esc cancels the import.", w)))
	return out
}

func (p *samplingPage) flagsView() []string {
	s := p.styles
	w := p.width
	pop := p.st.pop
	if pop == nil {
		return []string{s.Dim.Render("No population yet.")}
	}
	out := []string{
		truncate(s.Section.Render("Population")+"  "+s.Title.Render(oneLine(pop.SourceName))+s.Muted.Render(fmt.Sprintf("  %s rows%sSHA-256 %s", thousands(pop.Rows), symSep, shortHash(pop.SHA256))), w),
		truncate(s.Label.Render("Flags  ")+flagsText(s, pop), w),
		"",
	}
	total := len(p.flagged.all)
	head := fmt.Sprintf("Flagged rows (%d)", total)
	if total == maxFlagged {
		head = fmt.Sprintf("Flagged rows (the first %d)", maxFlagged)
	}
	out = append(out, s.Section.Render(head))
	out = append(out, s.Label.Render(truncate(fmt.Sprintf("  %7s %7s  %-16s %-10s  %s", "item", "row", "ID", "date", "flags"), w)))
	out = append(out, strings.Split(p.flagged.View(), "\n")...)
	return out
}

func (p *samplingPage) renderFlagged(r model.PopulationRow, w int, selected bool) string {
	marker := "  "
	if selected {
		marker = symCursor + " "
	}
	line := fmt.Sprintf("%s%7d %7d  %s %s  %s", marker, r.Position, r.SourceRow, fit(oneLine(r.ID), 16), fit(r.Date, 10), symFlag+" "+strings.Join(r.Flags, ", "))
	if selected {
		return p.styles.Selected.Render(fit(line, w))
	}
	return fit(line, w)
}

func (p *samplingPage) planView() []string {
	s := p.styles
	w := p.width
	t := p.st.test
	ps := p.plan
	N := p.population()
	ctx := []string{}
	if N > 0 {
		ctx = append(ctx, "N = "+thousands(N))
	} else {
		ctx = append(ctx, "no population yet")
	}
	if t.Control.Frequency != "" {
		ctx = append(ctx, oneLine(string(t.Control.Frequency)))
	}
	out := []string{truncate(s.Section.Render("Plan the sample")+s.Muted.Render("  "+strings.Join(ctx, symSep)), w)}
	rows := p.planRows()
	focus := min(p.planFocus, len(rows)-1)
	row := func(i int, label string, values []string, cur int) string {
		marker := "  "
		if i == focus {
			marker = s.FilterPrompt.Render(symCursor + " ")
		}
		return truncate(marker+s.Label.Render(fit(label, formLabelW))+choiceLine(s, values, cur, i == focus, w-2-formLabelW), w)
	}
	spin := func(i int, label, v string) string {
		marker := "  "
		val := s.Value.Render("◂ " + v + " ▸")
		if i == focus {
			marker = s.FilterPrompt.Render(symCursor + " ")
			val = s.Selected.Render("◂ " + v + " ▸")
		}
		return truncate(marker+s.Label.Render(fit(label, formLabelW))+val, w)
	}
	out = append(out, row(0, "Method", planKindNames(), ps.kind))
	switch model.PlanKinds[ps.kind] {
	case model.PlanStatistical:
		out = append(out,
			spin(1, "Confidence", planConfidences[ps.conf].String()),
			spin(2, "Tolerable", sampling.TableTolerable[ps.tol].String()),
			spin(3, "Expected", sampling.TableExpected[ps.exp].String()),
			row(4, "Model", modelNames(), ps.model))
		if p.calc.sizeErr != "" {
			out = append(out, s.Gap.Render(truncate("  "+symGap+" "+p.calc.sizeErr, w)))
		} else {
			sz := p.calc.size
			res := fmt.Sprintf("  → n = %d; up to %s still support the control", sz.SampleSize, plural(sz.ExpectedDeviations, "deviation", "deviations"))
			if sz.TestAll {
				res = fmt.Sprintf("  → test all %s items: the population is no larger than n", thousands(sz.SampleSize))
			}
			out = append(out, s.Title.Render(truncate(res, w)))
		}
		out = append(out, "")
		out = append(out, p.tableView(w, max(3, p.height-stepHeadLines-len(out)-2))...)
	case model.PlanFrequency:
		out = append(out, row(1, "Risk", planRisks, ps.risk))
		if p.calc.freqErr != "" {
			out = append(out, s.Gap.Render(truncate("  "+symGap+" "+p.calc.freqErr, w)))
		} else {
			fs := p.calc.freq
			out = append(out, s.Title.Render(truncate(fmt.Sprintf("  → n = %d", fs.SampleSize), w)))
			for _, l := range wrap("Rule: "+fs.Rule, w-4) {
				out = append(out, "    "+s.Muted.Render(l))
			}
			if fs.Note != "" {
				for _, l := range wrap(fs.Note, w-4) {
					out = append(out, "    "+s.Hint.Render(l))
				}
			}
		}
		out = append(out, "")
		out = append(out, p.frequencyTableView(w)...)
	case model.PlanAll:
		if N > 0 {
			out = append(out, s.Title.Render(truncate(fmt.Sprintf("  → n = %s: every occurrence is tested", thousands(N)), w)))
		} else {
			out = append(out, s.Hint.Render(truncate("  Import the population first.", w)))
		}
	}
	return out
}

func planKindNames() []string {
	var out []string
	for _, k := range model.PlanKinds {
		out = append(out, string(k))
	}
	return out
}

func modelNames() []string {
	var out []string
	for _, m := range sampling.Models {
		out = append(out, string(m))
	}
	return out
}

// tableView is the AICPA-style size table for the chosen confidence and
// model, the chosen cell in brackets; rows around the chosen expected rate
// when they do not all fit.
func (p *samplingPage) tableView(w, room int) []string {
	s := p.styles
	c := p.calc
	if c.tableErr != "" {
		return []string{s.Dim.Render(truncate("No table: "+c.tableErr, w))}
	}
	if c.table == nil || room < 3 {
		return nil
	}
	t := c.table
	ps := p.plan
	const labW, cellW = 8, 6
	cols := min(len(t.Tolerable), max(1, (w-labW)/cellW))
	title := fmt.Sprintf("Sample sizes, %s confidence, %s: rows expected rate, columns tolerable rate", t.Confidence, t.Model)
	out := []string{s.Label.Render(truncate(title, w))}
	// Keep the chosen column in view.
	first := max(0, min(ps.tol-cols/2, len(t.Tolerable)-cols))
	var hb strings.Builder
	hb.WriteString(fit("", labW))
	for j := first; j < first+cols; j++ {
		h := fitRight(t.Tolerable[j].String(), cellW-1) + " "
		if j == ps.tol {
			h = s.Title.Render(h)
		}
		hb.WriteString(h)
	}
	out = append(out, hb.String())
	n := min(len(t.Rows), room-2)
	top := max(0, min(ps.exp-n/2, len(t.Rows)-n))
	for i := top; i < top+n; i++ {
		r := t.Rows[i]
		var b strings.Builder
		lab := fitRight(r.Expected.String(), labW-2) + "  "
		if i == ps.exp {
			lab = s.Title.Render(lab)
		}
		b.WriteString(lab)
		for j := first; j < first+cols; j++ {
			cell := r.Cells[j]
			v := "*"
			if !cell.Omitted {
				v = strconv.Itoa(cell.SampleSize)
			}
			if i == ps.exp && j == ps.tol {
				b.WriteString(s.Selected.Render(fitRight("["+v+"]", cellW)))
				continue
			}
			b.WriteString(fitRight(v, cellW-1) + " ")
		}
		out = append(out, truncate(b.String(), w))
	}
	return out
}

// frequencyTableView lists the engagement's frequency-based sizes, the
// control's frequency marked.
func (p *samplingPage) frequencyTableView(w int) []string {
	s := p.styles
	t := p.st.table
	out := []string{s.Label.Render(truncate("The engagement's frequency-based sizes (lower – higher risk)", w))}
	for _, f := range sampling.Frequencies {
		marker := "  "
		if f == p.st.test.Control.Frequency {
			marker = symCursor + " "
		}
		if f == sampling.AdHoc {
			var bands []string
			for i, b := range t.AdHoc {
				to := "+"
				if i+1 < len(t.AdHoc) {
					to = "–" + strconv.Itoa(t.AdHoc[i+1].MinPopulation-1)
				}
				bands = append(bands, fmt.Sprintf("N %d%s: %s–%s", b.MinPopulation, to, sizeOrAll(b.Lower), sizeOrAll(b.Higher)))
			}
			out = append(out, truncate(marker+fit(string(f), 16)+strings.Join(bands, symSep), w))
			continue
		}
		r := t.Sizes[f]
		out = append(out, truncate(marker+fit(string(f), 16)+fmt.Sprintf("%d – %d", r.Lower, r.Higher), w))
	}
	return out
}

func sizeOrAll(n int) string {
	if n == 0 {
		return "all"
	}
	return strconv.Itoa(n)
}

func (p *samplingPage) drawView() []string {
	s := p.styles
	w := p.width
	t := p.st.test
	if p.st.sel != nil {
		r := p.st.sel.Record
		return []string{
			s.Section.Render("Draw the sample"),
			"",
			truncate(fmt.Sprintf("A sample was already drawn: %d of %s items, %s, %s.", r.Total(), thousands(r.Population), r.Method, seedText(r)), w),
			s.Muted.Render(truncate("A sample is never replaced; add items with 'fieldwork sample extend'.", w)),
			"",
			s.Hint.Render("enter shows the selection record"),
		}
	}
	N := p.population()
	size := fmt.Sprintf("n = %d of N = %s", t.Plan.Size, thousands(N))
	if t.Plan.Kind == "" {
		size = "no plan recorded: the frequency-based size is used"
	}
	out := []string{truncate(s.Section.Render("Draw the sample")+s.Muted.Render("  "+size), w), ""}
	methods := make([]string, len(drawMethods))
	for i, m := range drawMethods {
		methods[i] = string(m)
	}
	out = append(out, truncate("  "+s.Label.Render(fit("Method", formLabelW))+choiceLine(s, methods, p.method, !p.seeding, w-2-formLabelW)+s.Dim.Render("  ←/→ changes"), w))
	seed := p.seedIn.View()
	marker := "  "
	if p.seeding {
		marker = s.FilterPrompt.Render(symCursor + " ")
	}
	out = append(out, truncate(marker+s.Label.Render(fit("Seed", formLabelW))+seed, w))
	if p.seedIn.Err != nil && p.seedIn.Value() != "" {
		out = append(out, s.Gap.Render(truncate(fit("", formLabelW+2)+symGap+" a whole number, 0 to 18446744073709551615", w)))
	}
	out = append(out, "")
	for _, l := range wrap("The method, the generator and its version, the seed, the population's SHA-256 and count and the items in order are recorded, so the selection can be re-performed exactly. Without a typed seed a fresh one is drawn and shown.", w) {
		out = append(out, s.Muted.Render(l))
	}
	out = append(out, "", s.Hint.Render(truncate("enter draws · S types a seed · ←/→ method", w)))
	return out
}

func (p *samplingPage) recordView() []string {
	s := p.styles
	w := p.width
	sel := p.st.sel
	if sel == nil {
		return []string{s.Dim.Render("No sample drawn yet.")}
	}
	r := sel.Record
	field := func(label, v string) []string {
		var out []string
		for i, l := range wrap(v, max(1, w-labelWidth)) {
			lab := ""
			if i == 0 {
				lab = label
			}
			out = append(out, s.Label.Render(fit(lab, labelWidth))+l)
		}
		return out
	}
	out := []string{truncate(s.Section.Render("Selection record")+s.Muted.Render("  drawn by "+oneLine(sel.DrawnBy)+" "+timeIn(sel.DrawnAt, p.now)), w)}
	out = append(out, field("Method", string(r.Method))...)
	out = append(out, field("Seed", strings.TrimPrefix(seedText(r), "seed "))...)
	out = append(out, field("Algorithm", oneLine(r.Algorithm))...)
	out = append(out, field("Population", fmt.Sprintf("N = %s, SHA-256 %s", thousands(r.Population), oneLine(r.PopulationSHA256)))...)
	out = append(out, field("Size", fmt.Sprintf("n = %d (%d with extensions)", r.Size, r.Total()))...)
	if r.Interval > 0 {
		out = append(out, field("Systematic", fmt.Sprintf("interval %d, random start %d", r.Interval, r.Start))...)
	}
	out = append(out, field("Basis", oneLine(sel.SizeBasis))...)
	out = append(out, field("Positions", joinInts(r.Positions, 200))...)
	for i, x := range r.Extensions {
		out = append(out, field(fmt.Sprintf("Extension %d", i+1), fmt.Sprintf("+%d: %s", x.Added, joinInts(x.Positions, 100)))...)
	}
	return out
}

func displayWidth(s string) int { return lipgloss.Width(s) }

func (p *samplingPage) ShortHelp() []key.Binding {
	k := p.keys
	switch {
	case p.picker.Typing() || p.seeding || (p.step == stepColumns && p.colFocus == 2):
		enter := k.WizNext
		enter.SetHelp("enter", "done")
		back := k.FormCancel
		back.SetHelp("esc", "stop typing")
		return []key.Binding{enter, back}
	case p.importing:
		return []key.Binding{k.WizCancel}
	}
	next := k.WizNext
	switch p.step {
	case stepFile:
		return p.picker.ShortHelp()
	case stepColumns:
		next.SetHelp("enter", "import")
		change := k.CellRight
		change.SetHelp("←/→", "change")
		return []key.Binding{change, next, k.WizPrev}
	case stepFlags:
		next.SetHelp("enter", "plan")
		return []key.Binding{next, k.WizImport}
	case stepPlan:
		next.SetHelp("enter", "save plan")
		change := k.CellRight
		change.SetHelp("←/→", "change")
		return []key.Binding{change, next, k.WizPrev}
	case stepDraw:
		next.SetHelp("enter", "draw")
		if p.st.sel != nil {
			next.SetHelp("enter", "record")
		}
		return []key.Binding{next, k.WizSeed, k.WizPrev}
	case stepRecord:
		next.SetHelp("enter", "test items")
		prev := k.WizPrev
		prev.SetHelp("b", "plan")
		return []key.Binding{next, prev, k.WizImport}
	}
	return nil
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
