package tui

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/fieldwork-audit/fieldwork/model"
	"github.com/fieldwork-audit/fieldwork/sampling"
)

// The wizard's plan step: the choices, the live size (model.SizePlan) and
// saving the plan.

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

func (pl *planStep) key(p *samplingPage, msg tea.KeyMsg) tea.Cmd {
	k := p.keys
	rows := p.planRows()
	pl.planFocus = min(pl.planFocus, len(rows)-1)
	step := func(cur, n, d int) int { return min(max(cur+d, 0), n-1) }
	switch {
	case key.Matches(msg, k.Up):
		pl.planFocus = max(0, pl.planFocus-1)
	case key.Matches(msg, k.Down):
		pl.planFocus = min(len(rows)-1, pl.planFocus+1)
	case key.Matches(msg, k.CellLeft), key.Matches(msg, k.CellRight):
		d := 1
		if key.Matches(msg, k.CellLeft) {
			d = -1
		}
		ps := &pl.plan
		switch rows[pl.planFocus] {
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
	if refused, cmd := p.saveRefused(); refused {
		return cmd
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
	ref := p.ref
	return p.save(stepDraw, func(ctx context.Context, wp *model.Workpaper) (string, error) {
		plan, err := wp.SetPlan(ctx, ref, in)
		return fmt.Sprintf("Planned %s: n = %d (%s).", ref, plan.Size, plan.Kind), err
	})
}

func (pl *planStep) view(p *samplingPage) []string {
	s := p.styles
	w := p.width
	t := p.st.test
	ps := pl.plan
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
	focus := min(pl.planFocus, len(rows)-1)
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
		if pl.calc.sizeErr != "" {
			out = append(out, s.Gap.Render(truncate("  "+symGap+" "+pl.calc.sizeErr, w)))
		} else {
			sz := pl.calc.size
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
		if pl.calc.freqErr != "" {
			out = append(out, s.Gap.Render(truncate("  "+symGap+" "+pl.calc.freqErr, w)))
		} else {
			fs := pl.calc.freq
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

func (pl *planStep) help(p *samplingPage) []key.Binding { return p.changeKeys("save plan") }
