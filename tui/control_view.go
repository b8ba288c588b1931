package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/fieldwork-audit/fieldwork/model"
)

func (p *controlPage) View() string {
	if p.height <= 0 {
		return ""
	}
	if p.form != nil {
		return p.form.View()
	}
	v := p.list.View()
	if p.ask.Asking() {
		v += "\n" + p.styles.Hint.Render(truncate(p.ask.Prompt(), p.width))
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
		item(itemPlan, 0, s.Label.Render(fit(oneLine(string(t.Plan.Kind)), labelWidth))+fmt.Sprintf("n = %d", t.Plan.Size)+
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

// planParams are a statistical plan's inputs, in a line.
func planParams(pl model.SamplePlan) string {
	if pl.Kind != model.PlanStatistical {
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

// timeText writes an instant in the clock's time zone.
func (p *controlPage) timeText(t time.Time) string {
	return t.In(p.now().Location()).Format("2006-01-02 15:04 MST")
}
