package tui

import (
	"context"
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/fieldwork-audit/fieldwork/model"
)

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
	f.Intro = []string{p.styles.Muted.Render(truncate(oneLine(a.Text)+symSep+r.id, p.width))}
	for _, tm := range p.meta.tickmarks {
		f.Intro = append(f.Intro, p.styles.Dim.Render(truncate("  "+fit(oneLine(tm.Symbol), 4)+" "+oneLine(tm.Meaning), p.width)))
	}
	f.Intro = append(f.Intro, "")
	outcome := string(c.outcome)
	if outcome == "" {
		outcome = string(model.Pass)
	}
	f.Choose("outcome", "Result", []string{string(model.Pass), string(model.Deviation), string(model.NotApplicable)},
		[]string{symPass + " pass", symDeviation + " deviation", symNA + " n/a"}, outcome)
	values, labels := []string{""}, []string{"none"}
	for _, tm := range p.meta.tickmarks {
		values = append(values, tm.Symbol)
		labels = append(labels, oneLine(tm.Symbol))
	}
	f.Choose("tickmark", "Tickmark", values, labels, c.tickmark)
	f.Line("note", "Note", c.note, false, nil)
	f.Line("evidence", "Evidence", c.evidence, false, nil).Hint = "a file name, path or location of the evidence"
	p.form, p.formKind, p.formCell, p.formVer, p.formHad = f, gridFormDetail, k, c.version, c.outcome != ""
	p.form.SetSize(p.width, p.height)
	return f.Start()
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
	f.Intro = []string{p.styles.Muted.Render(truncate(fmt.Sprintf("Covers item %d (%s). Its cause, management's response and the evaluation can be completed later.", r.ordinal, where), p.width)), ""}
	desc := fmt.Sprintf("For %s, attribute %s (%s) was not met.", item, oneLine(a.Letter), oneLine(a.Text))
	f.Text("description", "Description", desc, 3, true)
	f.Line("cause", "Cause", "", false, nil)
	f.Choose("evaluation", "Evaluation", []string{"", "isolated", "systemic"}, []string{"not yet", "isolated", "systemic"}, "")
	p.form, p.formKind, p.formCell = f, gridFormException, cellKey{r.ordinal, p.col}
	p.form.SetSize(p.width, p.height)
	return f.Start()
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
	ctx, wp, ref, cell := p.ctx, p.common.wp, p.ref, p.formCell
	r := p.row(cell.ordinal)
	if r == nil {
		f.Failed("The item is no longer loaded: close the form and open it again.")
		return nil
	}
	p.saveID = nextRequestID()
	id := p.saveID
	switch p.formKind {
	case gridFormDetail:
		in := model.ResultInput{ControlRef: ref, Position: r.position, Attribute: p.meta.attrs[cell.attr].Letter,
			Outcome: model.Outcome(f.Value("outcome")), Tickmark: f.Value("tickmark"), Note: f.Value("note"),
			Evidence: f.Value("evidence"), Version: p.formVer}
		in.IfUntested = !p.formHad
		return func() tea.Msg {
			err := withWriteTimeout(ctx, func(ctx context.Context) error { return wp.SetResult(ctx, in) })
			return gridSavedMsg{id: id, what: fmt.Sprintf("Saved item %d, attribute %s.", cell.ordinal, in.Attribute), err: err}
		}
	case gridFormException:
		in := model.ExceptionInput{ControlRef: ref, Positions: []int{r.position}, Description: f.Value("description"),
			Cause: f.Value("cause"), Evaluation: f.Value("evaluation")}
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
	p.form.ShowTheirs("outcome", string(c.outcome))
	p.form.ShowTheirs("tickmark", c.tickmark)
	p.form.ShowTheirs("note", c.note)
	p.form.ShowTheirs("evidence", c.evidence)
}
