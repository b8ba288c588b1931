package tui

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/fieldwork-audit/fieldwork/model"
	"github.com/fieldwork-audit/fieldwork/sampling"
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
	list  listView[wpLine]

	// The open form, what it edits and the version it was opened on.
	form       *form
	formKind   wpFormKind
	formLetter string // the attribute an attribute form edits
	formVer    int
	saveID     int64
	staleSeen  bool // the last save was refused as stale: show theirs on reload

	confirm     string // a yes/no question (deleting an attribute)
	confirmDo   tea.Cmd
	confirmKind string
	// reopenAsk is the reviewed control the last save was refused on: the
	// next save reopens it (the auditor was asked first).
	reopenAsk string
}

// wpData is one consistent read of a control's workpaper.
type wpData struct {
	loaded     bool
	test       *model.ControlTest
	pop        *model.Population
	sel        *model.Selection
	eval       *model.TestEvaluation
	exceptions []model.Exception
}

type wpLoadedMsg struct {
	id  int64
	d   wpData
	err error
}

// loadWorkpaperOf reads everything the workpaper shows, with values only.
func loadWorkpaperOf(ctx context.Context, wp *model.Workpaper, id int64, ref string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, loadTimeout)
		defer cancel()
		msg := wpLoadedMsg{id: id}
		d := &msg.d
		if d.test, msg.err = wp.ControlTest(ctx, ref); msg.err != nil {
			return msg
		}
		if d.pop, msg.err = wp.CurrentPopulation(ctx, ref); msg.err != nil {
			return msg
		}
		if d.sel, msg.err = wp.Selection(ctx, ref); msg.err != nil {
			return msg
		}
		if d.eval, msg.err = wp.Evaluate(ctx, ref); msg.err != nil {
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
	}
}

// wpSavedMsg answers a write made from the workpaper.
type wpSavedMsg struct {
	id   int64
	what string
	err  error
}

type wpFormKind int

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
	p := &controlPage{common: c, ref: ref}
	p.list = newListView(c, listConfig[wpLine]{
		selectable: func(l wpLine) bool { return l.sel },
		id:         wpLine.id,
		render:     p.renderLine,
		empty:      "Loading control " + oneLine(ref) + "…",
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
func (p *controlPage) HandlesBack() bool  { return p.form != nil || p.confirm != "" }

func (p *controlPage) Busy() string {
	switch {
	case p.form != nil && p.form.saving:
		return "saving…"
	case !p.wd.loaded && p.err == nil:
		return "loading control " + oneLine(p.ref) + "…"
	}
	return ""
}

// Unsaved is the form's input, when it changed.
func (p *controlPage) Unsaved() string {
	if p.form != nil && p.form.dirty() {
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
	if p.confirm != "" {
		return 1
	}
	return 0
}

func (p *controlPage) Update(msg tea.Msg) (page, tea.Cmd) {
	switch msg := msg.(type) {
	case wpLoadedMsg:
		if msg.id != p.reqID {
			return p, nil
		}
		if msg.err != nil {
			p.err = msg.err
			p.layout()
			return p, errCmd(msg.err)
		}
		p.wd, p.err = msg.d, nil
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
				p.form.failed(ask)
				return p, nil
			}
			if p.form != nil {
				p.form.failed(text)
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
			case formCancel:
				p.form = nil
				p.layout()
				return p, nil
			case formSubmit:
				return p, p.submit()
			}
			return p, cmd
		}
		if p.confirm != "" {
			switch {
			case key.Matches(msg, p.keys.Yes):
				cmd := p.confirmDo
				p.confirm, p.confirmDo = "", nil
				p.layout()
				return p, cmd
			case key.Matches(msg, p.keys.No):
				p.confirm, p.confirmDo = "", nil
				p.layout()
			}
			return p, nil
		}
		return p, p.key(msg)

	case tea.MouseMsg:
		if p.form != nil || p.confirm != "" {
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
		p.list.moveTo(p.list.nearest(0, 1))
		return nil
	case key.Matches(msg, k.Bottom):
		p.list.moveTo(p.list.nearest(len(p.list.rows)-1, -1))
		p.list.offset = max(0, len(p.list.rows)-p.list.rowsHeight()) // the lines after the last item too
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
	p.confirm = fmt.Sprintf("Delete attribute %s (%s)? y deletes, n keeps it", oneLine(letter), oneLine(a.Text))
	p.confirmDo = func() tea.Msg {
		err := withWriteTimeout(ctx, func(ctx context.Context) error {
			// DeleteAttribute takes no version: check it here, so that an
			// attribute someone changed since it was shown is not deleted.
			if err := checkAttributeVersion(ctx, wp, ref, letter, ver); err != nil {
				return err
			}
			return wp.DeleteAttribute(ctx, ref, letter)
		})
		return wpSavedMsg{id: id, what: "Deleted attribute " + letter + ".", err: err}
	}
	p.layout()
	return nil
}

// checkAttributeVersion refuses, as stale, an attribute whose version is
// no longer ver.
func checkAttributeVersion(ctx context.Context, wp *model.Workpaper, ref, letter string, ver int) error {
	ct, err := wp.ControlTest(ctx, ref)
	if err != nil {
		return err
	}
	for _, a := range ct.Attributes {
		if a.Letter == letter {
			if a.Version != ver {
				return &model.StaleError{Record: "attribute " + letter + " of " + ct.Control.Ref, By: ct.UpdatedBy, At: ct.UpdatedAt, Current: a.Version, Requested: ver}
			}
			return nil
		}
	}
	return fmt.Errorf("attribute %s of %s no longer exists (deleted by someone else?)", letter, ct.Control.Ref)
}

// formTitle names what the open form edits.
func (p *controlPage) formTitle() string {
	switch p.formKind {
	case formDesign:
		return "Test of design"
	case formAddProcedure:
		return "New procedure"
	case formAddAttribute:
		return "New attribute"
	case formEditAttribute:
		return "Attribute " + p.formLetter
	case formIPE:
		return "IPE: completeness and accuracy of the population"
	case formConclusion:
		return "Conclusion"
	}
	return ""
}

var (
	designValues     = []string{"", "suitably-designed", "not-suitably-designed"}
	designLabels     = []string{"not concluded", "suitably designed", "not suitably designed"}
	procedureValues  = []string{string(model.Inquiry), string(model.Observation), string(model.Inspection), string(model.Reperformance)}
	conclusionValues = []string{"", string(model.Effective), string(model.EffectiveWithExceptions), string(model.NotEffective), string(model.NotTested), string(model.NotOccurring)}
	conclusionLabels = []string{"none", "effective", "with exceptions", "not effective", "not tested", "not occurring"}
)

// openForm opens the form of kind over the workpaper.
func (p *controlPage) openForm(kind wpFormKind, letter string) tea.Cmd {
	t := p.wd.test
	p.formKind, p.formLetter = kind, letter
	f := newForm(p.common, p.formTitle()+" — "+oneLine(p.ref))
	switch kind {
	case formDesign:
		p.formVer = t.Version
		f.text("procedure", "Procedure", t.DesignProcedure, 4, false).hint = "inquiry, observation, inspection of the policy or configuration"
		f.text("result", "Result", t.DesignResult, 3, false)
		f.choose("conclusion", "Conclusion", designValues, designLabels, t.DesignConclusion)
	case formAddProcedure:
		f.choose("kind", "Type", procedureValues, nil, string(model.Inspection))
		f.text("text", "Procedure", "", 4, true).hint = "what is done for each sampled item"
	case formAddAttribute:
		f.line("letter", "Letter", "", false, validLetterInput).input.Placeholder = "next free letter"
		f.line("text", "Attribute", "", true, nil).input.Placeholder = "e.g. Ticket approved before deployment"
	case formEditAttribute:
		for _, a := range t.Attributes {
			if a.Letter == letter {
				p.formVer = a.Version
				f.line("text", "Attribute "+oneLine(letter), a.Text, true, nil)
			}
		}
	case formIPE:
		p.formVer = p.wd.pop.Version
		f.intro = []string{p.styles.Muted.Render(truncate(oneLine(p.wd.pop.SourceName)+symSep+thousands(p.wd.pop.Rows)+" rows", p.width)), ""}
		f.text("procedure", "Procedure", p.wd.pop.IPEProcedure, 3, true).hint = "how completeness and accuracy were tested"
		f.text("result", "Result", p.wd.pop.IPEResult, 2, true)
	case formConclusion:
		p.formVer = t.Version
		if ev := p.wd.eval; ev != nil {
			prop := "Proposed: " + conclusionWord(ev.Proposed)
			if ev.Proposed == model.NotConcluded {
				prop = "Proposed: none yet"
			}
			for _, l := range wrap(prop+" — "+oneLine(ev.Reason), p.width) {
				f.intro = append(f.intro, p.styles.Hint.Render(l))
			}
			f.intro = append(f.intro, "")
		}
		f.choose("conclusion", "Conclusion", conclusionValues, conclusionLabels, string(t.Conclusion))
		f.text("note", "Note", t.ConclusionNote, 4, false).hint = "why; required for anything but effective"
		f.text("reason", "Departure", t.ConclusionReason, 2, false).hint = "why it departs from the proposal (required when it does)"
	}
	p.form = f
	p.form.SetSize(p.width, p.height)
	return f.start()
}

func validLetterInput(s string) error {
	if s == "" {
		return nil
	}
	s = strings.ToUpper(s)
	if len(s) > 3 {
		return errors.New("up to 3 letters or digits")
	}
	for _, r := range s {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return errors.New("letters A–Z and digits only")
		}
	}
	return nil
}

// submit turns the valid form into a write.
func (p *controlPage) submit() tea.Cmd {
	f := p.form
	if p.reopenAsk != "" {
		p.reopen.Add(p.reopenAsk)
		p.reopenAsk = ""
	}
	ref, ver, ctx, wp := p.ref, p.formVer, p.ctx, p.common.wp
	var what string
	var write func(ctx context.Context) error
	switch p.formKind {
	case formDesign:
		in := model.DesignInput{Procedure: f.value("procedure"), Result: f.value("result"), Conclusion: f.value("conclusion")}
		what = "Saved the test of design."
		write = func(ctx context.Context) error { return wp.SetDesign(ctx, ref, ver, in) }
	case formAddProcedure:
		kind, text := model.ProcedureKind(f.value("kind")), f.value("text")
		what = "Added a procedure."
		write = func(ctx context.Context) error { return wp.AddProcedure(ctx, ref, kind, text) }
	case formAddAttribute:
		letter, text := strings.ToUpper(f.value("letter")), f.value("text")
		for _, a := range p.wd.test.Attributes {
			if a.Letter == letter {
				f.failed("Attribute " + letter + " exists already: choose another letter, or leave it empty for the next free one.")
				return nil
			}
		}
		what = "Added an attribute."
		write = func(ctx context.Context) error { _, err := wp.AddAttribute(ctx, ref, letter, text); return err }
	case formEditAttribute:
		letter, text := p.formLetter, f.value("text")
		what = "Saved attribute " + letter + "."
		write = func(ctx context.Context) error { return wp.EditAttribute(ctx, ref, letter, text, ver) }
	case formIPE:
		proc, res := f.value("procedure"), f.value("result")
		what = "Recorded the IPE procedure and result."
		write = func(ctx context.Context) error {
			// SetIPE takes no version: check the population's here.
			pop, err := wp.CurrentPopulation(ctx, ref)
			if err != nil {
				return err
			}
			if pop == nil {
				return errors.New("the population was removed since the form was opened")
			}
			if pop.Version != ver {
				return &model.StaleError{Record: "the population of " + ref, By: pop.ImportedBy, At: pop.ImportedAt, Current: pop.Version, Requested: ver}
			}
			return wp.SetIPE(ctx, ref, proc, res)
		}
	case formConclusion:
		c, note := model.Conclusion(f.value("conclusion")), f.value("note")
		if c != model.NotConcluded && c != model.Effective && note == "" {
			fld := f.field("note")
			fld.err = "say why (the reviewer reads it)"
			f.failed("A conclusion other than effective needs a note.")
			return nil
		}
		what = "Recorded the conclusion: " + conclusionWord(c) + "."
		in := model.ConcludeInput{Conclusion: c, Note: note, Reason: f.value("reason"), Version: ver}
		write = func(ctx context.Context) error { return wp.Conclude(ctx, ref, in) }
	default:
		return nil
	}
	p.saveID = nextRequestID()
	id := p.saveID
	return func() tea.Msg {
		return wpSavedMsg{id: id, what: what, err: withWriteTimeout(ctx, write)}
	}
}

// showTheirs puts, after a stale refusal, what is stored now beside the
// form's fields, and bases the form on the new version: saving again is a
// deliberate choice to replace theirs.
func (p *controlPage) showTheirs() {
	f, t := p.form, p.wd.test
	switch p.formKind {
	case formDesign:
		p.formVer = t.Version
		f.showTheirs("procedure", t.DesignProcedure)
		f.showTheirs("result", t.DesignResult)
		f.showTheirs("conclusion", t.DesignConclusion)
	case formEditAttribute:
		for _, a := range t.Attributes {
			if a.Letter == p.formLetter {
				p.formVer = a.Version
				f.showTheirs("text", a.Text)
			}
		}
	case formIPE:
		if p.wd.pop != nil {
			p.formVer = p.wd.pop.Version
			f.showTheirs("procedure", p.wd.pop.IPEProcedure)
			f.showTheirs("result", p.wd.pop.IPEResult)
		}
	case formConclusion:
		p.formVer = t.Version
		f.showTheirs("conclusion", string(t.Conclusion))
		f.showTheirs("note", t.ConclusionNote)
	}
}

func (p *controlPage) View() string {
	if p.height <= 0 {
		return ""
	}
	if p.form != nil {
		return p.form.View()
	}
	v := p.list.View()
	if p.confirm != "" {
		v += "\n" + p.styles.Hint.Render(truncate(p.confirm, p.width))
	}
	return v
}

func (p *controlPage) renderLine(l wpLine, w int, selected bool) string {
	if !l.sel {
		return truncate("  "+l.text, w)
	}
	if selected {
		return p.styles.Selected.Render(fit(symCursor+" "+stripStyles(l.text), w))
	}
	return truncate("  "+l.text, w)
}

// controlTextWidth keeps long texts readable on wide terminals.
const controlTextWidth = 100

// lines lays the workpaper out for width w.
func (p *controlPage) lines(w int) []wpLine {
	s := p.styles
	var out []wpLine
	add := func(text string) { out = append(out, wpLine{text: text}) }
	item := func(it wpItem, i int, text string) {
		out = append(out, wpLine{text: text, item: it, index: i, sel: true})
	}
	// para adds wrapped text under a label; the first line selects item.
	tw := min(w, controlTextWidth)
	para := func(it wpItem, i int, label, text string, empty string) {
		lines := wrap(strings.TrimSpace(sanitize(text)), max(1, tw-labelWidth))
		if len(lines) == 0 {
			lines = []string{s.Dim.Render(empty)}
		}
		for j, l := range lines {
			lab := ""
			if j == 0 {
				lab = label
			}
			t := s.Label.Render(fit(lab, labelWidth)) + s.Value.Render(l)
			if j == 0 && it != itemNone {
				item(it, i, t)
			} else {
				add(t)
			}
		}
	}
	section := func(title string) {
		if len(out) > 0 {
			add("")
		}
		add(s.Section.Render(title))
	}

	switch {
	case p.err != nil && !p.wd.loaded:
		add(s.Gap.Render(symGap + " Could not read control " + oneLine(p.ref) + "."))
		for _, l := range wrap(errorText(p.err), w) {
			add(l)
		}
		return out
	case !p.wd.loaded:
		return nil
	}
	t := p.wd.test
	c := t.Control
	head := s.Title.Render(oneLine(c.Ref)) + "  " + s.Muted.Render(oneLine(t.WPRef))
	if c.Key {
		head += "  " + s.KeyControl.Render("[key control]")
	}
	if ev := p.wd.eval; ev != nil {
		head += s.Muted.Render(symSep + stateWord(ev.State))
	}
	add(head)
	for _, l := range wrap(strings.TrimSpace(sanitize(c.Description)), tw) {
		add(s.Value.Render(l))
	}
	meta := []string{}
	for _, m := range []string{oneLine(c.Owner), oneLine(string(c.Frequency)), natureText(c.Nature)} {
		if m != "" {
			meta = append(meta, m)
		}
	}
	if t.Risk != "" {
		meta = append(meta, oneLine(t.Risk)+" risk")
	}
	add(s.Muted.Render(strings.Join(meta, symSep)))
	for i, ref := range c.Criteria {
		lab := ""
		if i == 0 {
			lab = "Criteria"
		}
		line := s.Label.Render(fit(lab, labelWidth)) + s.Title.Render(fit(oneLine(ref), critRefW+1))
		if cr, ok := p.data.criterion(ref); ok {
			line += oneLine(cr.Title)
			if !cr.InScope {
				line += s.Dim.Render(" (" + labelOut + ")")
			}
		}
		add(line)
	}

	section("Test of design")
	para(itemDesign, 0, "Procedure", t.DesignProcedure, "not recorded: press enter to record it")
	para(itemNone, 0, "Result", t.DesignResult, "not recorded")
	dc := "not concluded"
	if t.DesignConclusion != "" {
		dc = strings.ReplaceAll(oneLine(t.DesignConclusion), "-", " ")
	}
	add(s.Label.Render(fit("Conclusion", labelWidth)) + s.Value.Render(dc))

	section(fmt.Sprintf("Procedures (%d)", len(t.Procedures)))
	if len(t.Procedures) == 0 {
		item(itemProcedure, len(t.Procedures), s.Dim.Render("None yet: press a to add one (inquiry, observation, inspection, re-performance)."))
	}
	for i, pr := range t.Procedures {
		lines := wrap(oneLine(pr.Text), max(1, tw-labelWidth))
		for j, l := range lines {
			lab := ""
			if j == 0 {
				lab = fmt.Sprintf("%d. %s", i+1, oneLine(string(pr.Kind)))
			}
			text := s.Label.Render(fit(lab, labelWidth)) + l
			if j == 0 {
				item(itemProcedure, i, text)
			} else {
				add(text)
			}
		}
	}

	section(fmt.Sprintf("Attributes (%d)", len(t.Attributes)))
	if len(t.Attributes) == 0 {
		item(itemAttribute, 0, s.Dim.Render("None yet: press a to add what each item is tested for."))
	}
	for i, a := range t.Attributes {
		item(itemAttribute, i, s.Title.Render(fit(oneLine(a.Letter), 4))+oneLine(a.Text))
	}

	p.populationLines(section, item, add, para)
	p.sampleLines(section, item, add)
	p.testingLines(section, item, add, w)

	section("Conclusion")
	cl := conclusionWord(t.Conclusion)
	if t.Conclusion == model.NotConcluded {
		cl = s.Dim.Render("not concluded: press c")
	}
	item(itemConclusion, 0, s.Label.Render(fit("Conclusion", labelWidth))+cl)
	if t.ConclusionNote != "" {
		para(itemNone, 0, "Note", t.ConclusionNote, "")
	}
	if t.ConclusionReason != "" {
		// Beside the conclusion: it departs from the proposed one.
		para(itemNone, 0, "Departs", "⚑ against the proposal: "+t.ConclusionReason, "")
	}

	section("Sign-offs")
	var so []string
	for _, role := range []model.Role{model.RolePreparer, model.RoleReviewer} {
		sg, ok := t.SignOff(role)
		switch {
		case !ok:
			so = append(so, string(role)+": "+symUntested+" not signed")
		case sg.Stale:
			so = append(so, fmt.Sprintf("%s: %s %s %s, changed since (%s)", role, symGap, oneLine(sg.Signer), timeIn(sg.SignedAt, p.now), timeIn(sg.StaleAt, p.now)))
		default:
			so = append(so, fmt.Sprintf("%s: %s %s %s", role, symCovered, oneLine(sg.Signer), timeIn(sg.SignedAt, p.now)))
		}
	}
	item(itemSignOffs, 0, strings.Join(so, "   "))
	if t.ChangedSinceReview() {
		add(s.Gap.Render(symGap + " changed since review"))
	}
	add(s.Dim.Render(fmt.Sprintf("version %d%supdated %s by %s", t.Version, symSep, timeIn(t.UpdatedAt, p.now), oneLine(t.UpdatedBy))))
	return out
}

func (p *controlPage) populationLines(section func(string), item func(wpItem, int, string), add func(string), para func(wpItem, int, string, string, string)) {
	s := p.styles
	section("Population")
	pop := p.wd.pop
	if pop == nil {
		item(itemPopulation, 0, s.Dim.Render("None yet: press s to import the client's list of occurrences."))
		return
	}
	item(itemPopulation, 0, s.Label.Render(fit("Source", labelWidth))+oneLine(pop.SourceName)+s.Muted.Render(fmt.Sprintf("%s%s rows%simported by %s %s",
		symSep, thousands(pop.Rows), symSep, oneLine(pop.ImportedBy), timeIn(pop.ImportedAt, p.now))))
	add(s.Label.Render(fit("SHA-256", labelWidth)) + oneLine(pop.SHA256))
	cols := []string{}
	if pop.IDColumn != "" {
		cols = append(cols, "ID "+quoteQuery(pop.IDColumn))
	}
	if pop.DateColumn != "" {
		cols = append(cols, "date "+quoteQuery(pop.DateColumn))
	}
	if len(cols) > 0 {
		add(s.Label.Render(fit("Columns", labelWidth)) + strings.Join(cols, symSep))
	}
	add(s.Label.Render(fit("Flags", labelWidth)) + flagsText(s, pop))
	para(itemIPE, 0, "IPE", pop.IPEProcedure, "not tested: press i to record the completeness and accuracy procedure")
	if pop.IPEResult != "" {
		para(itemNone, 0, "IPE result", pop.IPEResult, "")
	}
}

// flagsText words a population's flags, a mark on each count above zero.
func flagsText(s *Styles, pop *model.Population) string {
	part := func(n int, what string) string {
		t := thousands(n) + " " + what
		if n > 0 {
			return s.Hint.Render(symFlag + " " + t)
		}
		return t
	}
	return strings.Join([]string{part(pop.OutOfPeriod, "out of period"), part(pop.BadDates, "bad dates"),
		part(pop.Duplicates, "duplicate IDs"), part(pop.BlankRows, "blank rows")}, symSep)
}

func (p *controlPage) sampleLines(section func(string), item func(wpItem, int, string), add func(string)) {
	s := p.styles
	t := p.wd.test
	section("Sample plan")
	if t.Plan.Kind == "" {
		item(itemPlan, 0, s.Dim.Render("No plan yet: press s to size the sample."))
	} else {
		item(itemPlan, 0, s.Label.Render(fit(oneLine(t.Plan.Kind), labelWidth))+fmt.Sprintf("n = %d", t.Plan.Size)+
			s.Muted.Render(planParams(t.Plan)))
		for _, l := range wrap(oneLine(t.Plan.Basis), max(1, min(p.width-2, controlTextWidth)-labelWidth)) {
			add(fit("", labelWidth) + s.Muted.Render(l))
		}
	}

	section("Selection")
	sel := p.wd.sel
	if sel == nil {
		item(itemSelection, 0, s.Dim.Render("Not drawn yet."))
		return
	}
	r := sel.Record
	item(itemSelection, 0, s.Label.Render(fit(oneLine(string(r.Method)), labelWidth))+seedText(r)+
		s.Muted.Render(fmt.Sprintf("%sN = %s%sn = %d", symSep, thousands(r.Population), symSep, r.Size)))
	add(s.Label.Render(fit("Algorithm", labelWidth)) + s.Muted.Render(oneLine(r.Algorithm)))
	if r.Interval > 0 {
		add(s.Label.Render(fit("Systematic", labelWidth)) + fmt.Sprintf("interval %d, start %d", r.Interval, r.Start))
	}
	add(s.Label.Render(fit("Positions", labelWidth)) + joinInts(r.Positions, 12))
	ext := "none"
	if len(r.Extensions) > 0 {
		var parts []string
		for i, x := range r.Extensions {
			parts = append(parts, fmt.Sprintf("%d: +%d (%s)", i+1, x.Added, joinInts(x.Positions, 6)))
		}
		ext = strings.Join(parts, "; ")
	}
	add(s.Label.Render(fit("Extensions", labelWidth)) + ext)
	add(s.Label.Render(fit("Drawn", labelWidth)) + s.Muted.Render(oneLine(sel.DrawnBy)+" "+timeIn(sel.DrawnAt, p.now)))
}

// seedText shows a selection's seed, or why it has none.
func seedText(r sampling.SelectionRecord) string {
	switch r.Method {
	case sampling.Random, sampling.Systematic:
		return "seed " + strconv.FormatUint(r.Seed, 10)
	}
	return "no seed (" + oneLine(string(r.Method)) + ")"
}

// planParams are a statistical plan's inputs, in a line.
func planParams(pl model.SamplePlan) string {
	if pl.Kind != "statistical" {
		return ""
	}
	return fmt.Sprintf("%sconfidence %s%stolerable %s%sexpected %s%s%s%s%d allowed",
		symSep, pl.Confidence, symSep, pl.Tolerable, symSep, pl.Expected, symSep, pl.Model, symSep, pl.Allowed)
}

func (p *controlPage) testingLines(section func(string), item func(wpItem, int, string), add func(string), w int) {
	s := p.styles
	ev := p.wd.eval
	section("Testing")
	if ev == nil || ev.Items == 0 {
		item(itemTesting, 0, s.Dim.Render("Nothing to test until a sample is drawn."))
	} else {
		cells := ev.Items * max(1, ev.Attributes)
		line := fmt.Sprintf("%d of %d items fully tested%s%d of %d results", ev.Complete, ev.Items, symSep, ev.Recorded, cells)
		if ev.Deviations > 0 {
			line += symSep + s.Gap.Render(fmt.Sprintf("%s %s", symDeviation, plural(ev.Deviations, "item with a deviation", "items with deviations")))
		}
		item(itemTesting, 0, s.Label.Render(fit("Progress", labelWidth))+bar(s, ev.Complete, ev.Items, 10)+" "+line)
	}
	for _, x := range p.wd.exceptions {
		items := " (items " + joinInts(x.Positions, 5) + ")"
		room := w - labelWidth - ansi.StringWidth(oneLine(x.Ref)) - 1 - ansi.StringWidth(items)
		add(s.Label.Render(fit("", labelWidth)) + s.Gap.Render(oneLine(x.Ref)) + " " + truncate(oneLine(x.Description), max(1, room)) +
			s.Muted.Render(items))
	}
	section("Evaluation")
	if ev == nil {
		return
	}
	prop := conclusionWord(ev.Proposed)
	if ev.Proposed == model.NotConcluded {
		prop = "none yet"
	}
	add(s.Label.Render(fit("Proposed", labelWidth)) + prop)
	for _, l := range wrap(oneLine(ev.Reason), max(1, min(w, controlTextWidth)-labelWidth)) {
		add(fit("", labelWidth) + s.Muted.Render(l))
	}
	if st := ev.Statistical; st != nil {
		add(s.Label.Render(fit("Statistics", labelWidth)) + fmt.Sprintf("n %d%sdeviations %d%supper limit %.1f%%%s%s",
			st.Size, symSep, st.Deviations, symSep, st.UpperLimitPercent, symSep, st.Conclusion))
	}
}

// stateWord words a control test's state.
func stateWord(st model.TestState) string {
	switch st {
	case model.StateNotStarted:
		return "not started"
	case model.StateInProgress:
		return "in progress"
	case model.StateTested:
		return symCovered + " tested"
	case model.StateReviewed:
		return symCovered + " reviewed"
	}
	return oneLine(string(st))
}

// stripStyles removes styling, for a line shown in the selection colour.
func stripStyles(s string) string { return ansi.Strip(s) }

// timeText writes an instant in the clock's time zone.
func (p *controlPage) timeText(t time.Time) string {
	return t.In(p.now().Location()).Format("2006-01-02 15:04 MST")
}

// natureText words a control's nature (manual, automated…).
func natureText(n model.Nature) string {
	return oneLine(fmt.Sprint(n))
}

func (p *controlPage) ShortHelp() []key.Binding {
	k := p.keys
	if p.form != nil {
		return p.form.ShortHelp()
	}
	if p.confirm != "" {
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
	if p.confirm != "" {
		return [][]key.Binding{k.confirmHelp()}
	}
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.WPEdit, k.WPAdd, k.WPDelete, k.WPIPE, k.WPConclude},
		{k.WPSampling, k.WPTesting},
	}
}
