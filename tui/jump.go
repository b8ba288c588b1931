package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/fieldwork-audit/fieldwork/model"
	"github.com/fieldwork-audit/fieldwork/tui/widget/list"
)

// controlJump is the "go to control" prompt: type a control's ID (or its
// start), enter opens it, tab completes it.
type controlJump struct {
	styles *Styles
	keys   *keyMap
	active bool
	query  string
	width  int
}

func (j *controlJump) start(c common) {
	j.styles, j.keys, j.active, j.query, j.width = c.styles, c.keys, true, "", c.width
}

// matches are the controls the query names: the exact ID first, then IDs
// that start with it, then IDs that contain it.
func (j *controlJump) matches(d *snapshot) []model.Control {
	q := strings.ToLower(strings.TrimSpace(j.query))
	if d == nil || q == "" {
		return nil
	}
	var exact, prefix, inside []model.Control
	for _, c := range d.controls {
		id := strings.ToLower(c.Ref)
		switch {
		case id == q:
			exact = append(exact, c)
		case strings.HasPrefix(id, q):
			prefix = append(prefix, c)
		case strings.Contains(id, q):
			inside = append(inside, c)
		}
	}
	return append(append(exact, prefix...), inside...)
}

func (j *controlJump) update(msg tea.KeyMsg, d *snapshot) tea.Cmd {
	k := j.keys
	switch {
	case key.Matches(msg, k.AcceptFilter):
		m := j.matches(d)
		if len(m) == 0 {
			if strings.TrimSpace(j.query) == "" {
				j.active = false
				return nil
			}
			return errCmd(fmt.Errorf("no control %q in this workpaper", oneLine(j.query)))
		}
		j.active = false
		return openControl(m[0].Ref)
	case key.Matches(msg, k.CancelFilter):
		j.active = false
		return nil
	case msg.Type == tea.KeyTab:
		if m := j.matches(d); len(m) > 0 {
			j.query = m[0].Ref
		}
		return nil
	case msg.Type == tea.KeyRunes:
		j.query += oneLine(string(msg.Runes))
		if len(j.query) > list.MaxQuery {
			j.query = j.query[:list.MaxQuery]
		}
	case msg.Type == tea.KeySpace:
		j.query += " "
	case key.Matches(msg, k.DeleteChar):
		if r := []rune(j.query); len(r) > 0 {
			j.query = string(r[:len(r)-1])
		}
	case key.Matches(msg, k.DeleteAll), key.Matches(msg, k.DeleteWord):
		j.query = ""
	}
	return nil
}

func (j *controlJump) view(d *snapshot) string {
	s := j.styles
	line := s.FilterPrompt.Render("Go to control: ") + s.FilterText.Render(sanitize(j.query)) + s.FilterPrompt.Render(symBarFull)
	m := j.matches(d)
	switch {
	case j.query == "":
		line += s.Dim.Render(" type its ID, e.g. " + exampleControl(d))
	case len(m) == 0:
		line += s.Gap.Render("  " + symGap + " no such control")
	default:
		line += s.Muted.Render("  → ") + s.Title.Render(oneLine(m[0].Ref)) + " " + s.Muted.Render(oneLine(m[0].Description))
		if len(m) > 1 {
			line = truncate(line, max(0, j.width-12)) + s.Dim.Render(fmt.Sprintf(" +%d more", len(m)-1))
		}
	}
	return truncate(line, j.width)
}

func exampleControl(d *snapshot) string {
	if d != nil && len(d.controls) > 0 {
		return oneLine(d.controls[0].Ref)
	}
	return "CHG-01"
}

func (j *controlJump) help() []key.Binding {
	open := j.keys.AcceptFilter
	open.SetHelp(open.Help().Key, "open")
	cancel := j.keys.CancelFilter
	cancel.SetHelp(cancel.Help().Key, "cancel")
	return []key.Binding{open, key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "complete")), cancel}
}

// conclusionsLoadedMsg carries every criterion's conclusion.
type conclusionsLoadedMsg struct {
	id    int64
	concl []model.CriterionConclusion
	err   error
}

func loadConclusions(ctx context.Context, wp *model.Workpaper, id int64) tea.Cmd {
	return readCmd(ctx, func(ctx context.Context) tea.Msg {
		c, err := wp.CriteriaConclusions(ctx)
		return conclusionsLoadedMsg{id: id, concl: c, err: err}
	})
}

// newOverrideForm records the auditor's conclusion on a criterion over the
// derived one, with the reason the model requires; "derived" removes an
// override.
func newOverrideForm(c common, cc model.CriterionConclusion) *formPage {
	ref := cc.Ref
	f := newForm(c, "Conclusion on "+oneLine(ref)+" "+oneLine(cc.Title))
	f.Intro = append(f.Intro, c.styles.Muted.Render(truncate(fmt.Sprintf("  Derived from its controls: %s %s — %s",
		criterionSymbol(cc.Derived), criterionWord(cc.Derived), oneLine(cc.Reason)), c.width)), "")
	current := cc.Override
	f.Choose("status", "Conclusion", []string{"", string(model.CriterionMet), string(model.CriterionNotMet)},
		[]string{"as derived", "met", "not met"}, current)
	reason := f.Text("reason", "Reason", cc.OverrideReason, 3, false)
	reason.Hint = "required for an override: why the criterion is (not) met"
	reason.Validate = func(v string) error {
		if f.Value("status") != "" && v == "" {
			return errors.New("an override needs a written reason")
		}
		return nil
	}
	return &formPage{
		common: c,
		crumb:  "Conclusion",
		what:   "your conclusion on " + oneLine(ref),
		done:   "Conclusion on " + oneLine(ref) + " saved.",
		f:      f,
		write: func(ctx context.Context, wp *model.Workpaper, v map[string]string, _ int) (string, error) {
			st := model.CriterionStatus(v["status"])
			if st == "" {
				return "Override of " + ref + " removed: the conclusion is derived from its controls.", wp.OverrideCriterion(ctx, ref, "", "")
			}
			return "", wp.OverrideCriterion(ctx, ref, st, v["reason"])
		},
	}
}
