package tui

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/fieldwork-audit/fieldwork/model"
	"github.com/fieldwork-audit/fieldwork/tui/widget/list"
)

// exceptionsLoadedMsg carries the exception log and the review notes (to
// show which exceptions have notes outstanding).
type exceptionsLoadedMsg struct {
	id         int64
	exceptions []model.Exception
	notes      []model.ReviewNote
	err        error
}

func loadExceptions(ctx context.Context, wp *model.Workpaper, id int64) tea.Cmd {
	return readCmd(ctx, func(ctx context.Context) tea.Msg {
		msg := exceptionsLoadedMsg{id: id}
		if msg.exceptions, msg.err = wp.Exceptions(ctx); msg.err != nil {
			return msg
		}
		msg.notes, msg.err = wp.Notes(ctx, "")
		return msg
	})
}

// excListPage is the exception log: one line per exception, enter opens it.
type excListPage struct {
	listPage[model.Exception]
	notes map[string]int // outstanding review notes per exception
	ctrlW int
	critW int
}

func newExcListPage(c common) *excListPage {
	p := &excListPage{listPage: newListPage[model.Exception](c, tabExceptions.String(), "the exception log")}
	p.loadCmd = func(id int64) tea.Cmd { return loadExceptions(p.ctx, p.wp, id) }
	p.list = newList(c, list.Config[model.Exception]{
		ID:     func(x model.Exception) string { return x.Ref },
		Filter: filterExceptions,
		Render: p.renderRow,
		Empty:  "Reading the exception log…",
	})
	return p
}

func filterExceptions(xs []model.Exception, q string) []model.Exception {
	return filterBy(xs, q, func(x model.Exception) []string {
		return []string{x.Ref, x.ControlRef, x.WPRef, x.Evaluation, oneLine(x.Description), strings.Join(x.CriteriaAffected, " ")}
	})
}

func (p *excListPage) InputFocused() bool { return p.list.Editing() }
func (p *excListPage) HandlesBack() bool  { return p.list.Editing() || p.list.Filtered() }

func (p *excListPage) Busy() string {
	if p.loading {
		return "reading the exception log…"
	}
	return ""
}

func (p *excListPage) SetSize(width, height int) {
	p.common.SetSize(width, height)
	p.list.SetSize(width, height-1)
}

func (p *excListPage) Update(msg tea.Msg) (page, tea.Cmd) {
	switch msg := msg.(type) {
	case exceptionsLoadedMsg:
		if fresh, cmd := answered(p.reqID, &p.loading, msg.id, msg.err); !fresh || cmd != nil {
			return p, cmd
		}
		p.loaded = true
		p.notes = outstandingNotes(msg.notes, "exception")
		p.ctrlW, p.critW = 7, 8
		for _, x := range msg.exceptions {
			p.ctrlW = max(p.ctrlW, min(12, len(oneLine(x.ControlRef))))
			p.critW = max(p.critW, min(20, len(strings.Join(x.CriteriaAffected, ","))))
		}
		p.list.SetEmpty("No exceptions logged. Deviations found while testing are logged from the testing grid.")
		p.list.SetItems(msg.exceptions)
		return p, nil
	case tea.KeyMsg:
		if !p.list.Editing() {
			k := p.keys
			switch {
			case key.Matches(msg, k.Open):
				return p, p.open()
			case key.Matches(msg, k.EditRecord):
				if x, ok := p.list.Selected(); ok {
					if ro := p.refuseReadOnly(); ro != nil {
						return p, ro
					}
					return p, pushCmd(newExceptionForm(p.common, x))
				}
				return p, nil
			}
		}
	}
	return p, p.listInput(msg, 1, p.open)
}

func (p *excListPage) open() tea.Cmd {
	if x, ok := p.list.Selected(); ok {
		return pushCmd(newExcDetailPage(p.common, x.Ref))
	}
	return nil
}

// NoteTarget and TrailScope are the selected exception's.
func (p *excListPage) NoteTarget() (noteTarget, bool) {
	return p.selectedTarget(func(x model.Exception) noteTarget { return noteTarget{kind: "exception", ref: x.Ref} })
}

func (p *excListPage) TrailScope() (trailScope, bool) {
	return p.selectedScope(func(x model.Exception) trailScope {
		return trailScope{record: x.UUID, label: "exception " + x.Ref}
	})
}

func (p *excListPage) View() string {
	if p.height <= 0 {
		return ""
	}
	return p.summary() + "\n" + p.list.View()
}

func (p *excListPage) summary() string {
	s := p.styles
	if !p.loaded {
		return ""
	}
	xs := p.list.Items()
	systemic, isolated, open := 0, 0, 0
	for _, x := range xs {
		switch x.Evaluation {
		case "systemic":
			systemic++
		case "isolated":
			isolated++
		default:
			open++
		}
	}
	left := s.Muted.Render(plural(len(xs), "exception", "exceptions"))
	if len(xs) > 0 {
		left += s.Muted.Render(symSep) + s.Gap.Render(fmt.Sprintf("%d systemic", systemic)) + s.Muted.Render(symSep+fmt.Sprintf("%d isolated", isolated))
		if open > 0 {
			left += s.Muted.Render(symSep) + s.Hint.Render(fmt.Sprintf("%s %d not evaluated", symAtRisk, open))
		}
	}
	right := listWhere(s, &p.list, func(x model.Exception) string { return x.Ref })
	return spread(left, right, p.width)
}

func (p *excListPage) renderRow(x model.Exception, w int, selected bool) string {
	s := p.styles
	marker := "  "
	if selected {
		marker = symCursor + " "
	}
	eval := evaluationWord(x.Evaluation)
	evalSym := symAtRisk
	switch x.Evaluation {
	case "systemic":
		evalSym = symGap
	case "isolated":
		evalSym = symOpen
	}
	items := plural(len(x.Positions), "item", "items")
	ref := fit(oneLine(x.Ref), 6)
	ctrl := fit(oneLine(x.ControlRef), p.ctrlW)
	ev := fit(evalSym+" "+eval, 15)
	its := fit(items, 9)
	crit := ""
	if w >= 100 {
		crit = fit(strings.Join(x.CriteriaAffected, ","), p.critW) + "  "
	}
	flags := ""
	if n := p.notes[x.Ref]; n > 0 {
		flags += " " + symAtRisk + plural(n, "note", "notes")
	}
	if strings.TrimSpace(x.Response) == "" {
		flags += " " + symAtRisk + "no response"
	}
	fixed := 2 + 6 + 1 + p.ctrlW + 2 + 15 + 2 + 9 + 2
	descW := max(0, w-fixed-len([]rune(crit))-len([]rune(flags)))
	desc := fit(oneLine(x.Description), descW)
	if selected {
		return s.Selected.Render(fit(marker+ref+" "+ctrl+"  "+ev+"  "+its+"  "+crit+desc+flags, w))
	}
	evStyle := s.Hint
	switch x.Evaluation {
	case "systemic":
		evStyle = s.Gap
	case "isolated":
		evStyle = s.Value
	}
	return fit(marker+s.Title.Render(ref)+" "+ctrl+"  "+evStyle.Render(ev)+"  "+s.Muted.Render(its)+"  "+s.Muted.Render(crit)+desc+s.Hint.Render(flags), w)
}

func (p *excListPage) ShortHelp() []key.Binding {
	if p.list.Editing() {
		return p.list.ShortHelp()
	}
	b := []key.Binding{p.keys.Open}
	if !p.readOnly() {
		b = append(b, p.keys.EditRecord, p.keys.NewNote)
	}
	return shortFitTop(p.width, append(b, p.keys.Filter)...)
}

func (p *excListPage) FullHelp() [][]key.Binding {
	if p.list.Editing() {
		return p.list.FullHelp()
	}
	rec := []key.Binding{p.keys.Open, p.keys.History}
	if !p.readOnly() {
		rec = append(rec, p.keys.EditRecord, p.keys.NewNote)
	}
	return listFullHelp(p.list.FullHelp(), rec)
}

// outstandingNotes counts the notes not yet cleared per target of kind.
func outstandingNotes(notes []model.ReviewNote, kind string) map[string]int {
	out := map[string]int{}
	for _, n := range notes {
		if n.TargetKind == kind && n.State != model.NoteCleared {
			out[n.TargetRef]++
		}
	}
	return out
}

// excDetailPage is one exception in full, with its review notes.
type excDetailPage struct {
	detailPage
	x     model.Exception
	notes []model.ReviewNote
}

func newExcDetailPage(c common, ref string) *excDetailPage {
	p := &excDetailPage{detailPage: newDetailPage(c, ref, "exception")}
	p.loadCmd = func(id int64) tea.Cmd { return loadExceptions(p.ctx, p.wp, id) }
	p.render = p.renderText
	return p
}

func (p *excDetailPage) InputFocused() bool { return false }
func (p *excDetailPage) HandlesBack() bool  { return false }

func (p *excDetailPage) NoteTarget() (noteTarget, bool) {
	return noteTarget{kind: "exception", ref: p.ref}, true
}

func (p *excDetailPage) TrailScope() (trailScope, bool) {
	return p.scope(p.x.UUID, "exception "+p.x.Ref)
}

func (p *excDetailPage) Update(msg tea.Msg) (page, tea.Cmd) {
	switch msg := msg.(type) {
	case exceptionsLoadedMsg:
		if fresh, cmd := p.answered(msg.id, msg.err); !fresh {
			return p, cmd
		}
		for _, x := range msg.exceptions {
			if strings.EqualFold(x.Ref, p.ref) {
				p.x, p.found = x, true
			}
		}
		p.notes = nil
		for _, n := range msg.notes {
			if n.TargetKind == "exception" && strings.EqualFold(n.TargetRef, p.ref) {
				p.notes = append(p.notes, n)
			}
		}
		p.layout()
		return p, nil
	case tea.KeyMsg:
		switch {
		case key.Matches(msg, p.keys.EditRecord):
			if !p.found {
				return p, nil
			}
			if ro := p.refuseReadOnly(); ro != nil {
				return p, ro
			}
			return p, pushCmd(newExceptionForm(p.common, p.x))
		}
	}
	return p, p.scrollInput(msg)
}

func (p *excDetailPage) renderText(w int) []string {
	s := p.styles
	if w <= 0 {
		return nil
	}
	if lines, absent := p.absent(w, " (deleted by someone else?)"); absent {
		return lines
	}
	x := p.x
	head := s.Title.Render(oneLine(x.Ref)) + "  " + s.Value.Render("on "+oneLine(x.ControlRef)) + s.Muted.Render(" ("+oneLine(x.WPRef)+")")
	eval := evaluationWord(x.Evaluation)
	switch x.Evaluation {
	case "systemic":
		head += "  " + s.Gap.Render(symGap+" "+eval)
	case "isolated":
		head += "  " + s.Value.Render(symOpen+" "+eval)
	default:
		head += "  " + s.Hint.Render(symAtRisk+" "+eval)
	}
	out := []string{truncate(head, w)}
	out = append(out, s.Muted.Render(truncate(fmt.Sprintf("%s: %s", plural(len(x.Positions), "sample item", "sample items"), joinInts(x.Positions, 20)), w)))
	tw := max(1, min(w-2, controlTextWidth))
	para := func(title, text, missing string) {
		out = append(out, "", s.Section.Render(title))
		lines := wrap(strings.TrimSpace(sanitize(text)), tw)
		if len(lines) == 0 {
			out = append(out, "  "+s.Hint.Render(truncate(missing, tw)))
		}
		for _, l := range lines {
			out = append(out, "  "+l)
		}
	}
	para("Description", x.Description, symAtRisk+" No description.")
	para("Cause", x.Cause, symAtRisk+" No cause recorded: ask management why it happened.")
	para("Management's response", x.Response, symAtRisk+" No response from management yet.")
	out = append(out, "", s.Section.Render("Auditor's evaluation"))
	out = append(out, field(s, "Evaluation", eval, w)...)
	extended := "not extended"
	if x.SampleExtended {
		extended = "extended after the deviation"
	}
	out = append(out, field(s, "Mitigating", orNone(x.Compensating), w)...)
	out = append(out, field(s, "Compensating", orNone(x.CompensatingControl), w)...)
	out = append(out, field(s, "Sample", extended, w)...)
	out = append(out, p.criteriaLines(w)...)
	para("Report wording", x.ReportWording, symAtRisk+" No wording for the report yet.")
	out = append(out, "", s.Section.Render("Remediation"))
	out = append(out, field(s, "Plan", orNone(x.RemediationPlan), w)...)
	out = append(out, field(s, "Owner", orNone(x.RemediationOwner), w)...)
	due := "none"
	if !x.RemediationDue.IsZero() {
		due = x.RemediationDue.Format(model.DateLayout) + " (" + daysFrom(p.now(), x.RemediationDue) + ")"
	}
	out = append(out, field(s, "Due", due, w)...)
	out = append(out, field(s, "Retest result", orNone(x.RetestResult), w)...)
	out = append(out, "", field(s, "Version", fmt.Sprintf("%d%supdated %s by %s", x.Version, symSep, timeIn(x.UpdatedAt, p.now), oneLine(x.UpdatedBy)), w)[0])
	out = append(out, "", s.Section.Render(fmt.Sprintf("Review notes (%d)", len(p.notes))))
	if len(p.notes) == 0 {
		out = append(out, "  "+s.Dim.Render(truncate("None. "+p.keys.NewNote.Help().Key+" opens one.", w-2)))
	}
	for _, n := range p.notes {
		out = append(out, truncate("  "+s.note(n.State).Render(noteSymbol(n.State)+" "+fit(noteWord(n.State), 10))+" "+s.Title.Render(oneLine(n.Ref))+"  "+oneLine(n.Text), w))
	}
	return out
}

func (p *excDetailPage) criteriaLines(w int) []string {
	s := p.styles
	if len(p.x.CriteriaAffected) == 0 {
		return field(s, "Criteria", "none recorded", w)
	}
	var out []string
	for i, ref := range p.x.CriteriaAffected {
		lab := ""
		if i == 0 {
			lab = "Criteria"
		}
		line := s.Title.Render(fit(oneLine(ref), critRefW+1))
		if i := model.CatalogOrder(ref); i >= 0 {
			line += oneLine(model.Catalog[i].Title)
		}
		out = append(out, s.Label.Render(fit(lab, labelWidth))+truncate(line, max(1, w-labelWidth)))
	}
	return out
}

func orNone(s string) string {
	if strings.TrimSpace(s) == "" {
		return "none"
	}
	return s
}

func (p *excDetailPage) View() string { return p.docView() }

func (p *excDetailPage) ShortHelp() []key.Binding {
	var b []key.Binding
	if !p.readOnly() {
		b = append(b, p.keys.EditRecord, p.keys.NewNote)
	}
	if p.doc.Overflows() {
		b = append(b, p.keys.Down)
	}
	return shortFit(p.width, b...)
}

func (p *excDetailPage) FullHelp() [][]key.Binding {
	rec := []key.Binding{p.keys.History}
	if !p.readOnly() {
		rec = append(rec, p.keys.EditRecord, p.keys.NewNote)
	}
	return [][]key.Binding{{p.keys.Up, p.keys.Down, p.keys.PageUp, p.keys.PageDown, p.keys.Top, p.keys.Bottom}, rec}
}

// newExceptionForm edits an exception's evaluation. A field emptied here
// is cleared in the workpaper (the description excepted: it is required).
func newExceptionForm(c common, x model.Exception) *formPage {
	f := newForm(c, "Exception "+oneLine(x.Ref)+" on "+oneLine(x.ControlRef))
	f.Text("description", "Description", x.Description, 3, true)
	f.Text("cause", "Cause", x.Cause, 2, false)
	f.Text("response", "Management's response", x.Response, 3, false)
	evals, labels := []string{"isolated", "systemic"}, []string{"isolated", "systemic"}
	if x.Evaluation == "" {
		evals, labels = append([]string{""}, evals...), append([]string{"not evaluated"}, labels...)
	}
	f.Choose("evaluation", "Evaluation", evals, labels, x.Evaluation)
	f.Text("compensating", "Mitigating evidence (not a control)", x.Compensating, 2, false)
	ext := "no"
	if x.SampleExtended {
		ext = "yes"
	}
	f.Choose("extended", "Extended", []string{"no", "yes"}, nil, ext).Hint = "the sample was extended after the deviation"
	crit := f.Line("criteria", "Criteria", strings.Join(x.CriteriaAffected, ", "), false, func(v string) error {
		for _, r := range splitRefs(v) {
			if _, ok := model.NormalizeCriterionID(r); !ok {
				return fmt.Errorf("%q is not a criterion ID (e.g. CC8.1)", r)
			}
		}
		return nil
	})
	crit.Hint = "criteria affected, e.g. CC8.1, CC6.2"
	f.Text("wording", "Report wording", x.ReportWording, 2, false)
	f.Text("plan", "Remediation plan", x.RemediationPlan, 2, false)
	f.Line("owner", "Owner", x.RemediationOwner, false, nil)
	due := ""
	if !x.RemediationDue.IsZero() {
		due = x.RemediationDue.Format(model.DateLayout)
	}
	f.Line("due", "Due", due, false, func(v string) error {
		if v == "" {
			return nil
		}
		_, err := model.ParseDate(v)
		return err
	}).Hint = "remediation due, YYYY-MM-DD"
	f.Text("retest", "Retest result", x.RetestResult, 2, false)

	ref := x.Ref
	return &formPage{
		common:  c,
		crumb:   "Edit " + oneLine(x.Ref),
		what:    "your edit of " + oneLine(x.Ref),
		done:    oneLine(x.Ref) + " saved.",
		f:       f,
		version: x.Version,
		write: func(ctx context.Context, wp *model.Workpaper, v map[string]string, version int) (string, error) {
			in, err := exceptionInput(v)
			if err != nil {
				return "", err
			}
			in.Clear = emptied(exceptionValues(x), v)
			return "", wp.UpdateException(ctx, ref, version, in)
		},
		current: func(ctx context.Context, wp *model.Workpaper) (map[string]string, int, error) {
			xs, err := wp.Exceptions(ctx)
			if err != nil {
				return nil, 0, err
			}
			for _, x := range xs {
				if x.Ref == ref {
					return exceptionValues(x), x.Version, nil
				}
			}
			return nil, 0, fmt.Errorf("exception %s no longer exists", ref)
		},
	}
}

// exceptionInput makes the model's input from the form's values.
func exceptionInput(v map[string]string) (model.ExceptionInput, error) {
	in := model.ExceptionInput{
		Description:      v["description"],
		Cause:            v["cause"],
		Response:         v["response"],
		Evaluation:       v["evaluation"],
		Compensating:     v["compensating"],
		CriteriaAffected: splitRefs(v["criteria"]),
		ReportWording:    v["wording"],
		RemediationPlan:  v["plan"],
		RemediationOwner: v["owner"],
		RetestResult:     v["retest"],
	}
	ext := v["extended"] == "yes"
	in.SampleExtended = &ext
	if d := v["due"]; d != "" {
		t, err := model.ParseDate(d)
		if err != nil {
			return in, err
		}
		in.RemediationDue = t
	}
	return in, nil
}

// exceptionClearNames maps the form's fields to the names the model
// clears them by.
var exceptionClearNames = map[string]string{
	"cause": "cause", "response": "response", "compensating": "compensating", "criteria": "criteria",
	"wording": "wording", "plan": "remediation", "owner": "owner", "due": "due", "retest": "retest",
}

// emptied lists the fields that had text and were emptied in the form.
func emptied(was, now map[string]string) []string {
	var out []string
	for field, name := range exceptionClearNames {
		if strings.TrimSpace(was[field]) != "" && strings.TrimSpace(now[field]) == "" {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// exceptionValues is an exception as the form's values.
func exceptionValues(x model.Exception) map[string]string {
	ext := "no"
	if x.SampleExtended {
		ext = "yes"
	}
	due := ""
	if !x.RemediationDue.IsZero() {
		due = x.RemediationDue.Format(model.DateLayout)
	}
	return map[string]string{
		"description": x.Description, "cause": x.Cause, "response": x.Response, "evaluation": x.Evaluation,
		"compensating": x.Compensating, "extended": ext, "criteria": strings.Join(x.CriteriaAffected, ", "),
		"wording": x.ReportWording, "plan": x.RemediationPlan, "owner": x.RemediationOwner, "due": due,
		"retest": x.RetestResult,
	}
}

// splitRefs reads "CC8.1, cc6.2 CC6.3" as a list.
func splitRefs(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' })
}
