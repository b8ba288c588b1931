package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/fieldwork-audit/fieldwork/model"
	"github.com/fieldwork-audit/fieldwork/tui/widget/list"
)

// criterionPage is one criterion: its scope and coverage, its text, and
// the controls mapped to it; enter opens a control.
type criterionPage struct {
	common
	ref   string
	data  *snapshot
	crit  model.Criterion
	found bool
	head  []string // the lines above the list, laid out in SetSize
	list  list.Model[model.Control]
	refW  int
	metaW int

	concl   *model.CriterionConclusion // nil until read
	reqID   int64
	loading bool
	jump    controlJump
}

func newCriterionPage(c common, ref string) *criterionPage {
	p := &criterionPage{common: c, ref: ref}
	p.list = newList(c, list.Config[model.Control]{
		ID:     func(c model.Control) string { return c.Ref },
		Render: p.renderRow,
	})
	return p
}

func (p *criterionPage) Init() tea.Cmd      { return p.loadConclusion() }
func (p *criterionPage) Title() string      { return p.ref }
func (p *criterionPage) InputFocused() bool { return p.jump.active }
func (p *criterionPage) HandlesBack() bool  { return p.jump.active }

func (p *criterionPage) Busy() string {
	if p.loading && p.concl == nil {
		return "reading the conclusion…"
	}
	return ""
}

func (p *criterionPage) loadConclusion() tea.Cmd {
	p.reqID = nextRequestID()
	p.loading = true
	return loadConclusions(p.ctx, p.wp, p.reqID)
}

func (p *criterionPage) SetData(d *snapshot) tea.Cmd {
	p.data = d
	p.crit, p.found = d.criterion(p.ref)
	var ctrls []model.Control
	for _, ref := range p.crit.Controls {
		if c, ok := d.control(ref); ok {
			ctrls = append(ctrls, c)
		}
	}
	p.list.SetItems(ctrls)
	p.layout()
	if p.concl == nil && !p.loading {
		return nil // Init reads it
	}
	return p.loadConclusion()
}

func (p *criterionPage) SetSize(width, height int) {
	p.common.SetSize(width, height)
	p.layout()
}

// maxDescriptionLines bounds the criterion's text above the list; a
// longer text ends with an ellipsis.
const maxDescriptionLines = 6

func (p *criterionPage) layout() {
	// The criterion's text gives way first on a short terminal, so that the
	// controls keep about half the page.
	descMax := min(maxDescriptionLines, max(1, p.height/2-6))
	p.head = p.header(p.width, descMax)
	if len(p.head) > p.height {
		p.head = p.head[:max(0, p.height)]
	}
	p.refW, p.metaW = 0, 0
	for _, c := range p.list.Items() {
		p.refW = max(p.refW, ansi.StringWidth(oneLine(c.Ref)))
		p.metaW = max(p.metaW, ansi.StringWidth(controlMeta(c)))
	}
	p.refW = min(p.refW, 14)
	if p.width < 70 {
		p.metaW = 0
	}
	p.list.SetSize(p.width, p.height-len(p.head))
}

func (p *criterionPage) header(w, descMax int) []string {
	s := p.styles
	if p.data == nil {
		return []string{s.Muted.Render("Loading the workpaper…")}
	}
	if !p.found {
		return []string{s.Gap.Render(truncate(symGap+" No criterion "+oneLine(p.ref)+" in this workpaper.", w))}
	}
	c := p.crit
	ref, cat := oneLine(c.Ref), oneLine(c.Category.Title())
	out := []string{truncate(s.Title.Render(ref)+"  "+s.Value.Render(oneLine(c.Title)), w)}
	line := s.Muted.Render(cat) + symSep
	switch {
	case !c.InScope:
		line += s.Dim.Render(symOutScope + " " + labelOut + ": the engagement does not examine " + cat)
	case c.Gap:
		line += s.InScope.Render(labelInScope) + symSep + s.Gap.Render(labelGap+": no control addresses it")
	default:
		line += s.InScope.Render(labelInScope) + symSep + s.Covered.Render(symCovered+" covered by "+plural(len(c.Controls), "control", "controls"))
	}
	out = append(out, truncate(line, w))
	out = append(out, p.conclusionLines(w)...)
	if desc := strings.TrimSpace(sanitize(c.Description)); desc != "" {
		out = append(out, "")
		lines := wrap(desc, min(w, 100))
		if len(lines) > descMax {
			lines = append(lines[:descMax-1:descMax-1], symEllipsis)
		}
		for _, l := range lines {
			out = append(out, s.Value.Render(l))
		}
		if c.TextSource == "firm" {
			out = append(out, s.Dim.Render("(the firm's criteria text)"))
		}
	}
	out = append(out, "")
	if len(c.Controls) == 0 {
		if c.InScope {
			for _, l := range wrap("Map a control to "+ref+" in the client's control matrix and import it again:", w) {
				out = append(out, s.Hint.Render(l))
			}
			out = append(out, commandLines(s, "fieldwork controls import "+shellQuote(oneLine(p.data.path))+" MATRIX.xlsx", w, "  ")...)
		}
		return out
	}
	return append(out, s.Section.Render(fmt.Sprintf("Controls mapped (%d)", len(c.Controls))))
}

// controlMeta is a control's frequency, nature and key flag in one line.
func controlMeta(c model.Control) string {
	var parts []string
	if f := oneLine(string(c.Frequency)); f != "" {
		parts = append(parts, f)
	}
	if n := natureText(c.Nature); n != "" {
		parts = append(parts, n)
	}
	if c.Key {
		parts = append(parts, labelKey)
	}
	return strings.Join(parts, symSep)
}

func (p *criterionPage) renderRow(c model.Control, w int, selected bool) string {
	s := p.styles
	marker := "  "
	if selected {
		marker = symCursor + " "
	}
	ref := fit(oneLine(c.Ref), p.refW)
	meta := ""
	descW := w - 2 - p.refW - 2
	if p.metaW > 0 {
		descW -= p.metaW + 2
		meta = "  " + fit(controlMeta(c), p.metaW)
	}
	desc := fit(oneLine(c.Description), max(0, descW))
	if selected {
		return s.Selected.Render(fit(marker+ref+"  "+desc+meta, w))
	}
	return fit(marker+s.Title.Render(ref)+"  "+desc+s.Muted.Render(meta), w)
}

func (p *criterionPage) Update(msg tea.Msg) (page, tea.Cmd) {
	switch msg := msg.(type) {
	case conclusionsLoadedMsg:
		if fresh, cmd := answered(p.reqID, &p.loading, msg.id, msg.err); !fresh || cmd != nil {
			return p, cmd
		}
		for _, c := range msg.concl {
			if c.Ref == p.ref {
				c := c
				p.concl = &c
			}
		}
		p.layout()
		return p, nil
	case tea.KeyMsg:
		if p.jump.active {
			return p, p.jump.update(msg, p.data)
		}
		switch {
		case key.Matches(msg, p.keys.Open):
			return p, p.openSelected()
		case key.Matches(msg, p.keys.JumpControl):
			p.jump.start(p.common)
			return p, nil
		case key.Matches(msg, p.keys.Override):
			if p.concl == nil || !p.concl.InScope {
				return p, errCmd(fmt.Errorf("%s is not in scope: there is no conclusion to override", p.ref))
			}
			if ro := p.refuseReadOnly(); ro != nil {
				return p, ro
			}
			return p, pushCmd(newOverrideForm(p.common, *p.concl))
		}
		_, cmd := p.list.Update(msg)
		return p, cmd
	case tea.MouseMsg:
		msg.Y -= len(p.head)
		if open, _ := p.list.Update(msg); open {
			return p, p.openSelected()
		}
	}
	return p, nil
}

func (p *criterionPage) openSelected() tea.Cmd {
	c, ok := p.list.Selected()
	if !ok {
		return nil
	}
	return openControl(c.Ref)
}

func (p *criterionPage) View() string {
	if p.height <= 0 {
		return ""
	}
	if p.jump.active {
		v := strings.Join(p.head, "\n")
		if len(p.list.Items()) > 0 {
			v += "\n" + p.list.View()
		}
		lines := strings.Split(v, "\n")
		lines[len(lines)-1] = p.jump.view(p.data)
		return strings.Join(lines, "\n")
	}
	if len(p.list.Items()) == 0 {
		return strings.Join(p.head, "\n")
	}
	return strings.Join(p.head, "\n") + "\n" + p.list.View()
}

func (p *criterionPage) ShortHelp() []key.Binding {
	if p.jump.active {
		return p.jump.help()
	}
	var b []key.Binding
	if len(p.list.Items()) > 0 {
		b = append(b, p.keys.Open)
	}
	if p.concl != nil && p.concl.InScope && !p.readOnly() {
		b = append(b, p.keys.Override)
	}
	return shortFit(p.width, append(b, p.keys.JumpControl)...)
}

func (p *criterionPage) FullHelp() [][]key.Binding {
	if p.jump.active {
		return [][]key.Binding{p.jump.help()}
	}
	var rec []key.Binding
	if len(p.list.Items()) > 0 {
		rec = append(rec, p.keys.Open)
	}
	if p.concl != nil && p.concl.InScope && !p.readOnly() {
		rec = append(rec, p.keys.Override)
	}
	b := [][]key.Binding{append(rec, p.keys.JumpControl)}
	if len(p.list.Items()) > 0 {
		b = append(b, p.list.FullHelp()...)
	}
	return b
}

// conclusionLines say what the criterion's controls conclude, and the
// auditor's override with its reason.
func (p *criterionPage) conclusionLines(w int) []string {
	s := p.styles
	c := p.concl
	if c == nil || !c.InScope || c.Status == model.CriterionGap {
		return nil
	}
	line := s.Label.Render("Conclusion ") + s.criterion(c.Status).Render(conclusionLabel(*c))
	if c.Override != "" {
		line += s.Muted.Render(" overridden by the auditor; derived: ") + s.criterion(c.Derived).Render(criterionSymbol(c.Derived)+" "+criterionWord(c.Derived))
	}
	out := []string{truncate(line, w)}
	reason := c.Reason
	if c.Override != "" {
		reason = c.Reason + ". Override reason: " + c.OverrideReason
	}
	if c.Rule != "" {
		reason += " (rule: " + c.Rule + ")"
	}
	for _, l := range wrap(oneLine(reason), max(1, min(w, 100)-11)) {
		out = append(out, "           "+s.Muted.Render(l))
	}
	if c.Since != "" {
		// A derived result never flips silently: what changed, and since when.
		for _, l := range wrap("Since: "+oneLine(c.Since), max(1, min(w, 100)-11)) {
			out = append(out, "           "+s.Muted.Render(l))
		}
	}
	return out
}
