package tui

import (
	"context"
	"errors"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/fieldwork-audit/fieldwork/model"
)

type wpFormKind int

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

// openForm opens the form of kind over the workpaper.
func (p *controlPage) openForm(kind wpFormKind, letter string) tea.Cmd {
	t := p.wd.test
	p.formKind, p.formLetter = kind, letter
	f := newForm(p.common, p.formTitle()+" — "+oneLine(p.ref))
	switch kind {
	case formDesign:
		p.formVer = t.Version
		f.Text("procedure", "Procedure", t.DesignProcedure, 4, false).Hint = "inquiry, observation, inspection of the policy or configuration"
		f.Text("result", "Result", t.DesignResult, 3, false)
		f.Choose("conclusion", "Conclusion", designValues, designLabels, t.DesignConclusion)
	case formAddProcedure:
		f.Choose("kind", "Type", procedureValues, nil, string(model.Inspection))
		f.Text("text", "Procedure", "", 4, true).Hint = "what is done for each sampled item"
	case formAddAttribute:
		f.Line("letter", "Letter", "", false, validLetterInput).Input.Placeholder = "next free letter"
		f.Line("text", "Attribute", "", true, nil).Input.Placeholder = "e.g. Ticket approved before deployment"
	case formEditAttribute:
		for _, a := range t.Attributes {
			if a.Letter == letter {
				p.formVer = a.Version
				f.Line("text", "Attribute "+oneLine(letter), a.Text, true, nil)
			}
		}
	case formIPE:
		p.formVer = p.wd.pop.Version
		f.Intro = []string{p.styles.Muted.Render(truncate(oneLine(p.wd.pop.SourceName)+symSep+thousands(p.wd.pop.Rows)+" rows", p.width)), ""}
		f.Text("procedure", "Procedure", p.wd.pop.IPEProcedure, 3, true).Hint = "how completeness and accuracy were tested"
		f.Text("result", "Result", p.wd.pop.IPEResult, 2, true)
	case formConclusion:
		p.formVer = t.Version
		if ev := p.wd.eval; ev != nil {
			prop := "Proposed: " + conclusionWord(ev.Proposed)
			if ev.Proposed == model.NotConcluded {
				prop = "Proposed: none yet"
			}
			for _, l := range wrap(prop+" — "+oneLine(ev.Reason), p.width) {
				f.Intro = append(f.Intro, p.styles.Hint.Render(l))
			}
			f.Intro = append(f.Intro, "")
		}
		f.Choose("conclusion", "Conclusion", conclusionValues, conclusionLabels, string(t.Conclusion))
		f.Text("note", "Note", t.ConclusionNote, 4, false).Hint = "why; required for anything but effective"
		f.Text("reason", "Departure", t.ConclusionReason, 2, false).Hint = "why it departs from the proposal (required when it does)"
	}
	p.form = f
	p.form.SetSize(p.width, p.height)
	return f.Start()
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
		in := model.DesignInput{Procedure: f.Value("procedure"), Result: f.Value("result"), Conclusion: f.Value("conclusion")}
		what = "Saved the test of design."
		write = func(ctx context.Context) error { return wp.SetDesign(ctx, ref, ver, in) }
	case formAddProcedure:
		kind, text := model.ProcedureKind(f.Value("kind")), f.Value("text")
		what = "Added a procedure."
		write = func(ctx context.Context) error { return wp.AddProcedure(ctx, ref, kind, text) }
	case formAddAttribute:
		letter, text := strings.ToUpper(f.Value("letter")), f.Value("text")
		for _, a := range p.wd.test.Attributes {
			if a.Letter == letter {
				f.Failed("Attribute " + letter + " exists already: choose another letter, or leave it empty for the next free one.")
				return nil
			}
		}
		what = "Added an attribute."
		write = func(ctx context.Context) error { _, err := wp.AddAttribute(ctx, ref, letter, text); return err }
	case formEditAttribute:
		letter, text := p.formLetter, f.Value("text")
		what = "Saved attribute " + letter + "."
		write = func(ctx context.Context) error { return wp.EditAttribute(ctx, ref, letter, text, ver) }
	case formIPE:
		proc, res := f.Value("procedure"), f.Value("result")
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
		c, note := model.Conclusion(f.Value("conclusion")), f.Value("note")
		if c != model.NotConcluded && c != model.Effective && note == "" {
			f.Field("note").SetProblem("say why (the reviewer reads it)")
			f.Failed("A conclusion other than effective needs a note.")
			return nil
		}
		what = "Recorded the conclusion: " + conclusionWord(c) + "."
		in := model.ConcludeInput{Conclusion: c, Note: note, Reason: f.Value("reason"), Version: ver}
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
		f.ShowTheirs("procedure", t.DesignProcedure)
		f.ShowTheirs("result", t.DesignResult)
		f.ShowTheirs("conclusion", t.DesignConclusion)
	case formEditAttribute:
		for _, a := range t.Attributes {
			if a.Letter == p.formLetter {
				p.formVer = a.Version
				f.ShowTheirs("text", a.Text)
			}
		}
	case formIPE:
		if p.wd.pop != nil {
			p.formVer = p.wd.pop.Version
			f.ShowTheirs("procedure", p.wd.pop.IPEProcedure)
			f.ShowTheirs("result", p.wd.pop.IPEResult)
		}
	case formConclusion:
		p.formVer = t.Version
		f.ShowTheirs("conclusion", string(t.Conclusion))
		f.ShowTheirs("note", t.ConclusionNote)
	}
}
