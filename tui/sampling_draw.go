package tui

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/fieldwork-audit/fieldwork/model"
)

// wizSavedMsg answers the plan's or the draw's write.
type wizSavedMsg struct {
	id   int64
	what string
	next wizStep
	err  error
}

// Draw.

func (d *drawStep) key(p *samplingPage, msg tea.KeyMsg) tea.Cmd {
	k := p.keys
	switch {
	case key.Matches(msg, k.CellLeft), key.Matches(msg, k.CellRight):
		d.method = (d.method + 1) % len(drawMethods)
	case key.Matches(msg, k.WizSeed):
		d.seeding = true
		return d.seedIn.Focus()
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
	if refused, cmd := p.saveRefused(); refused {
		return cmd
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
	return p.save(stepRecord, func(ctx context.Context, wp *model.Workpaper) (string, error) {
		sel, err := wp.DrawSample(ctx, in)
		if sel == nil {
			return "", err
		}
		return fmt.Sprintf("Drew %d of %s items (%s, seed %d).", sel.Record.Size, thousands(sel.Record.Population), sel.Record.Method, sel.Record.Seed), err
	})
}

// saveRefused refuses a step's write while another runs, or on a
// read-only workpaper (then cmd says so).
func (p *samplingPage) saveRefused() (refused bool, cmd tea.Cmd) {
	if p.savingID != 0 {
		return true, nil
	}
	if ro := p.refuseReadOnly(); ro != nil {
		return true, ro
	}
	return false, nil
}

// save runs a step's write as a command that captures values only: write
// says what was done, and once it is the wizard moves to step next.
func (p *samplingPage) save(next wizStep, write func(ctx context.Context, wp *model.Workpaper) (string, error)) tea.Cmd {
	ctx, wp := p.ctx, p.common.wp
	p.savingID = nextRequestID()
	id := p.savingID
	return func() tea.Msg {
		var what string
		err := withWriteTimeout(ctx, func(ctx context.Context) error {
			var err error
			what, err = write(ctx, wp)
			return err
		})
		return wizSavedMsg{id: id, what: what, next: next, err: err}
	}
}

func (d *drawStep) view(p *samplingPage) []string {
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
	out = append(out, truncate("  "+s.Label.Render(fit("Method", formLabelW))+choiceLine(s, methods, d.method, !d.seeding, w-2-formLabelW)+s.Dim.Render("  ←/→ changes"), w))
	seed := d.seedIn.View()
	marker := "  "
	if d.seeding {
		marker = s.FilterPrompt.Render(symCursor + " ")
	}
	out = append(out, truncate(marker+s.Label.Render(fit("Seed", formLabelW))+seed, w))
	if d.seedIn.Err != nil && d.seedIn.Value() != "" {
		out = append(out, s.Gap.Render(truncate(fit("", formLabelW+2)+symGap+" a whole number, 0 to 18446744073709551615", w)))
	}
	out = append(out, "")
	for _, l := range wrap("The method, the generator and its version, the seed, the population's SHA-256 and count and the items in order are recorded, so the selection can be re-performed exactly. Without a typed seed a fresh one is drawn and shown.", w) {
		out = append(out, s.Muted.Render(l))
	}
	out = append(out, "", s.Hint.Render(truncate("enter draws · S types a seed · ←/→ method", w)))
	return out
}

func (rs *recordStep) view(p *samplingPage) []string {
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

func (rs *recordStep) key(p *samplingPage, msg tea.KeyMsg) tea.Cmd {
	k := p.keys
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
	return nil
}

func (d *drawStep) help(p *samplingPage) []key.Binding {
	what := "draw"
	if p.st.sel != nil {
		what = "record"
	}
	return []key.Binding{p.nextAs(what), p.keys.WizSeed, p.keys.WizPrev}
}

func (rs *recordStep) help(p *samplingPage) []key.Binding {
	prev := p.keys.WizPrev
	prev.SetHelp("b", "plan")
	return []key.Binding{p.nextAs("test items"), prev, p.keys.WizImport}
}
