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

// criteriaPage walks the Trust Services Criteria by category: scope,
// coverage, gaps and each criterion's conclusion at a glance, enter opens a
// criterion and its controls, "/" filters by ID, title or control
// reference, c jumps to a control by its ID.
type criteriaPage struct {
	common
	lazy
	data *snapshot
	list list.Model[critRow]

	concl   map[string]model.CriterionConclusion // by criterion ID; nil until read
	reqID   int64
	loading bool
	jump    controlJump

	// Column widths, set in SetSize.
	titleW   int
	ctrlW    int // 0 when the terminal is too narrow for the controls column
	ctrlMax  int // the widest list of controls, set in SetData
	titleMax int // the widest title, set in SetData
}

type critRowKind int

const (
	rowSpacer critRowKind = iota
	rowCategory
	rowCriterion
)

// critRow is a line of the walk: a category heading, a criterion, or the
// blank line between categories.
type critRow struct {
	kind critRowKind
	cov  categoryCoverage
	crit model.Criterion
}

const (
	critRefW    = 6
	critConclW  = 11 // "! at risk*"
	critStatusW = 14 // "– out of scope"
	// criteriaControlsColumn is the width from which the walk lists each
	// criterion's controls.
	criteriaControlsColumn = 100
)

func newCriteriaPage(c common) *criteriaPage {
	p := &criteriaPage{common: c, lazy: lazy{stale: true}}
	p.list = newList(c, list.Config[critRow]{
		Selectable: func(r critRow) bool { return r.kind == rowCriterion },
		ID:         func(r critRow) string { return r.crit.Ref },
		Filter:     filterCriteria,
		Render:     p.renderRow,
		Empty:      "Loading the criteria…",
	})
	return p
}

func (p *criteriaPage) Init() tea.Cmd      { return nil }
func (p *criteriaPage) Title() string      { return tabCriteria.String() }
func (p *criteriaPage) InputFocused() bool { return p.list.Editing() || p.jump.active }
func (p *criteriaPage) HandlesBack() bool {
	return p.list.Editing() || p.list.Filtered() || p.jump.active
}

func (p *criteriaPage) Busy() string {
	if p.loading && p.concl == nil {
		return "reading the conclusions…"
	}
	return ""
}

// SetData takes the new overview and reads the conclusions again.
func (p *criteriaPage) SetData(d *snapshot) tea.Cmd {
	p.data = d
	p.list.SetEmpty("The workpaper holds no criteria.")
	p.list.SetItems(criteriaRows(d))
	p.ctrlMax, p.titleMax = 0, 0
	for _, c := range d.criteria {
		p.ctrlMax = max(p.ctrlMax, ansi.StringWidth(oneLine(strings.Join(c.Controls, ", "))))
		p.titleMax = max(p.titleMax, ansi.StringWidth(oneLine(c.Title)))
	}
	p.SetSize(p.width, p.height)
	return p.changed(p.loadConclusions)
}

func (p *criteriaPage) setVisible(v bool) tea.Cmd { return p.show(v, p.loadConclusions) }

func (p *criteriaPage) loadConclusions() tea.Cmd {
	p.reqID = nextRequestID()
	p.loading = true
	return loadConclusions(p.ctx, p.wp, p.reqID)
}

// criteriaRows groups the criteria under their categories, in report order.
func criteriaRows(d *snapshot) []critRow {
	var rows []critRow
	for _, cov := range d.coverage {
		if len(rows) > 0 {
			rows = append(rows, critRow{kind: rowSpacer})
		}
		rows = append(rows, critRow{kind: rowCategory, cov: cov})
		for _, c := range d.criteria {
			if c.Category == cov.cat {
				rows = append(rows, critRow{kind: rowCriterion, crit: c})
			}
		}
	}
	return rows
}

// filterCriteria keeps the criteria whose ID, title or controls contain
// query (any case), under their category headings; a query naming a
// category keeps all of it.
func filterCriteria(rows []critRow, query string) []critRow {
	q := strings.ToLower(strings.TrimSpace(query))
	if q == "" {
		return rows
	}
	var out, group []critRow
	var head critRow
	catMatch := false
	flush := func() {
		if len(group) == 0 {
			return
		}
		if len(out) > 0 {
			out = append(out, critRow{kind: rowSpacer})
		}
		out = append(out, head)
		out = append(out, group...)
		group = nil
	}
	for _, r := range rows {
		switch r.kind {
		case rowCategory:
			flush()
			head = r
			catMatch = strings.Contains(strings.ToLower(r.cov.cat.Title()), q) || strings.ToLower(string(r.cov.cat)) == q
		case rowCriterion:
			if catMatch || criterionMatches(r.crit, q) {
				group = append(group, r)
			}
		}
	}
	flush()
	return out
}

func criterionMatches(c model.Criterion, q string) bool {
	if strings.Contains(strings.ToLower(c.Ref), q) || strings.Contains(strings.ToLower(oneLine(c.Title)), q) {
		return true
	}
	for _, ref := range c.Controls {
		if strings.Contains(strings.ToLower(ref), q) {
			return true
		}
	}
	return false
}

func (p *criteriaPage) SetSize(width, height int) {
	p.common.SetSize(width, height)
	fixed := 2 + critRefW + 1 + 2 + critStatusW + 2 + critConclW
	p.ctrlW = 0
	if width >= criteriaControlsColumn {
		// Titles get their room first (up to the widest), the controls
		// the rest, but never less than a third.
		rest := width - fixed - 2
		p.ctrlW = max(10, min(p.ctrlMax, rest/3))
		p.titleW = min(rest-p.ctrlW, max(p.titleMax, 10))
		p.ctrlW = rest - p.titleW
	} else {
		p.titleW = max(1, width-fixed)
	}
	p.list.SetSize(width, height-1)
	p.jump.width = width
}

func (p *criteriaPage) Update(msg tea.Msg) (page, tea.Cmd) {
	switch msg := msg.(type) {
	case conclusionsLoadedMsg:
		if fresh, cmd := answered(p.reqID, &p.loading, msg.id, msg.err); !fresh || cmd != nil {
			return p, cmd
		}
		p.concl = map[string]model.CriterionConclusion{}
		for _, c := range msg.concl {
			p.concl[c.Ref] = c
		}
		return p, nil
	case tea.KeyMsg:
		if p.jump.active {
			return p, p.jump.update(msg, p.data)
		}
		if !p.list.Editing() {
			switch {
			case key.Matches(msg, p.keys.JumpControl):
				p.jump.start(p.common)
				return p, nil
			case key.Matches(msg, p.keys.ImportMatrix):
				return p, p.openEditor(newMatrixPage(p.common, p.data))
			case key.Matches(msg, p.keys.Open):
				return p, p.openSelected()
			case key.Matches(msg, p.keys.NextGap), key.Matches(msg, p.keys.PrevGap):
				forward := key.Matches(msg, p.keys.NextGap)
				if !p.list.SelectNext(func(r critRow) bool { return r.crit.Gap }, forward) {
					return p, func() tea.Msg { return statusMsg{"No gaps: every in-scope criterion shown has a control."} }
				}
				return p, nil
			}
		}
		_, cmd := p.list.Update(msg)
		return p, cmd
	case tea.MouseMsg:
		msg.Y-- // the summary line
		if open, _ := p.list.Update(msg); open {
			return p, p.openSelected()
		}
	}
	return p, nil
}

func (p *criteriaPage) openSelected() tea.Cmd {
	r, ok := p.list.Selected()
	if !ok {
		return nil
	}
	return openCriterion(r.crit.Ref)
}

func (p *criteriaPage) View() string {
	if p.height <= 0 {
		return ""
	}
	if p.jump.active {
		return p.jump.view(p.data) + "\n" + p.list.View()
	}
	return p.summary() + "\n" + p.list.View()
}

// summary is the line above the list: the totals, and where the cursor is.
func (p *criteriaPage) summary() string {
	s, d := p.styles, p.data
	if d == nil {
		return ""
	}
	left := s.Muted.Render(fmt.Sprintf("%d in scope%s", d.inScope, symSep))
	if p.concl != nil {
		counts := map[model.CriterionStatus]int{}
		for _, c := range p.concl {
			if c.InScope {
				counts[c.Status]++
			}
		}
		for _, st := range []model.CriterionStatus{model.CriterionMet, model.CriterionNotMet, model.CriterionAtRisk, model.CriterionOpen} {
			if counts[st] > 0 || st == model.CriterionMet {
				left += s.criterion(st).Render(fmt.Sprintf("%s %d %s", criterionSymbol(st), counts[st], criterionWord(st))) + s.Muted.Render(symSep)
			}
		}
	} else {
		left += s.Muted.Render(fmt.Sprintf("%d covered%s", d.covered, symSep))
	}
	if n := len(d.gaps); n > 0 {
		left += s.Gap.Render(symGap + " " + plural(n, "gap", "gaps"))
	} else {
		left += s.Covered.Render(symCovered + " no gaps")
	}
	right := listWhere(s, &p.list, func(r critRow) string { return r.crit.Ref })
	return spread(left, right, p.width)
}

func (p *criteriaPage) renderRow(r critRow, w int, selected bool) string {
	s := p.styles
	switch r.kind {
	case rowSpacer:
		return ""
	case rowCategory:
		c := r.cov
		if !c.inScope {
			return s.Dim.Render(truncate(fmt.Sprintf("%s%s%s (%s)", oneLine(c.cat.Title()), symSep, labelOut, plural(c.total, "criterion", "criteria")), w))
		}
		line := s.Section.Render(oneLine(c.cat.Title())) + " " + s.InScope.Render(labelInScope) + s.Muted.Render(fmt.Sprintf("  %d/%d covered", c.covered, c.total))
		if c.gaps > 0 {
			line += "  " + s.Gap.Render(symGap+" "+plural(c.gaps, "gap", "gaps"))
		}
		return truncate(line, w)
	}
	c := r.crit
	var status string
	switch {
	case !c.InScope:
		status = symOutScope + " " + labelOut
	case c.Gap:
		status = labelGap
	default:
		status = symCovered + " " + plural(len(c.Controls), "control", "controls")
	}
	marker := "  "
	if selected {
		marker = symCursor + " "
	}
	ref := fit(oneLine(c.Ref), critRefW)
	title := fit(oneLine(c.Title), p.titleW)
	st := fit(status, critStatusW)
	// The conclusion: blank where the coverage already says it all (a
	// gap, out of scope) or before the conclusions are read.
	cl, concl := fit("", critConclW), model.CriterionConclusion{}
	if cc, ok := p.concl[c.Ref]; ok && c.InScope && !c.Gap {
		concl = cc
		cl = fit(conclusionLabel(cc), critConclW)
	}
	var ctrls string
	if p.ctrlW > 0 {
		ctrls = "  " + fit(oneLine(strings.Join(c.Controls, ", ")), p.ctrlW)
	}
	if selected {
		return s.Selected.Render(fit(marker+ref+" "+title+"  "+st+"  "+cl+ctrls, w))
	}
	switch {
	case !c.InScope:
		return s.Dim.Render(fit(marker+ref+" "+title+"  "+st+"  "+cl+ctrls, w))
	case c.Gap:
		st = s.Gap.Render(st)
	default:
		st = s.Covered.Render(st)
	}
	if concl.Status != "" {
		cl = s.criterion(concl.Status).Render(cl)
	}
	return fit(marker+ref+" "+title+"  "+st+"  "+cl+s.Muted.Render(ctrls), w)
}

func (p *criteriaPage) ShortHelp() []key.Binding {
	if p.jump.active {
		return p.jump.help()
	}
	if p.list.Editing() {
		return p.list.ShortHelp()
	}
	// Kept short so that "? more keys" fits on 80 columns.
	b := []key.Binding{p.keys.Open, p.keys.Filter}
	if p.list.Filtered() {
		b = append(b, p.keys.ClearFilter)
	}
	if p.data != nil && len(p.data.gaps) > 0 {
		b = append(b, p.keys.NextGap)
	}
	return shortFitTop(p.width, append(b, p.keys.JumpControl)...)
}

func (p *criteriaPage) FullHelp() [][]key.Binding {
	if p.jump.active {
		return [][]key.Binding{p.jump.help()}
	}
	if p.list.Editing() {
		return p.list.FullHelp()
	}
	own := []key.Binding{p.keys.Open, p.keys.NextGap, p.keys.PrevGap, p.keys.JumpControl}
	if !p.readOnly() {
		own = append(own, p.keys.ImportMatrix)
	}
	return append(p.list.FullHelp(), own)
}
