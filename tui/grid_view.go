package tui

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/fieldwork-audit/fieldwork/model"
)

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
	case p.ask.Asking():
		out = append(out, s.Hint.Render(truncate(p.ask.Prompt(), w)))
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
