package tui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/fieldwork-audit/fieldwork/model"
	"github.com/fieldwork-audit/fieldwork/tui/widget/confirm"
	"github.com/fieldwork-audit/fieldwork/tui/widget/list"
)

// signRow is one control test's sign-offs.
type signRow struct {
	ref, wpRef string
	state      model.TestState
	conclusion model.Conclusion
	preparer   model.SignOff
	hasPrep    bool
	reviewer   model.SignOff
	hasRev     bool
	changed    bool // the reviewer signed and the workpaper changed since
}

type signoffsLoadedMsg struct {
	id   int64
	rows []signRow
	err  error
}

// loadSignoffs reads every control test's state and sign-offs.
func loadSignoffs(ctx context.Context, wp *model.Workpaper, id int64) tea.Cmd {
	return readCmd(ctx, func(ctx context.Context) tea.Msg {
		msg := signoffsLoadedMsg{id: id}
		controls, err := wp.Controls(ctx)
		if err != nil {
			msg.err = err
			return msg
		}
		for _, c := range controls {
			ev, err := wp.Evaluate(ctx, c.Ref)
			if err != nil {
				msg.err = err
				return msg
			}
			ct, err := wp.ControlTest(ctx, c.Ref)
			if err != nil {
				msg.err = err
				return msg
			}
			r := signRow{ref: c.Ref, wpRef: ct.WPRef, state: ev.State, conclusion: ct.Conclusion, changed: ct.ChangedSinceReview()}
			r.preparer, r.hasPrep = ct.SignOff(model.RolePreparer)
			r.reviewer, r.hasRev = ct.SignOff(model.RoleReviewer)
			msg.rows = append(msg.rows, r)
		}
		return msg
	})
}

type signedMsg struct {
	id   int64
	done string
	err  error
}

// signOff signs a control test as the workpaper's user in role.
func signOff(ctx context.Context, wp *model.Workpaper, id int64, ref string, role model.Role) tea.Cmd {
	return func() tea.Msg {
		err := withWriteTimeout(ctx, func(ctx context.Context) error { return wp.SignOffAs(ctx, ref, role) })
		return signedMsg{id: id, done: fmt.Sprintf("%s signed off as %s by %s.", ref, role, wp.User()), err: err}
	}
}

// signoffPage lists every control test with its preparer and reviewer
// sign-offs; p signs as preparer, v as reviewer (the workpaper's user),
// c shows only the workpapers changed since their review.
type signoffPage struct {
	listPage[signRow]
	all         []signRow
	changedOnly bool
	writeID     int64
	question    confirm.Model // "sign this?"
	refW        int
	wide        bool
}

func newSignoffPage(c common) *signoffPage {
	p := &signoffPage{listPage: newListPage[signRow](c, "Sign-off", "the sign-offs"), question: newConfirm(c)}
	p.loadCmd = func(id int64) tea.Cmd { return loadSignoffs(p.ctx, p.wp, id) }
	p.list = newList(c, list.Config[signRow]{
		ID: func(r signRow) string { return r.ref },
		Filter: func(rows []signRow, q string) []signRow {
			return filterBy(rows, q, func(r signRow) []string {
				return []string{r.ref, r.wpRef, testStateWord(r.state), r.preparer.Signer, r.reviewer.Signer}
			})
		},
		Render: p.renderRow,
		Empty:  "Reading the sign-offs…",
	})
	return p
}

func (p *signoffPage) InputFocused() bool { return p.list.Editing() || p.question.Asking() }
func (p *signoffPage) HandlesBack() bool {
	return p.list.Editing() || p.list.Filtered() || p.question.Asking()
}

// signoffDetailLines is the panel under the list that explains the
// selected row's sign-offs.
const signoffDetailLines = 4

func (p *signoffPage) SetSize(width, height int) {
	p.common.SetSize(width, height)
	p.wide = width >= 110
	p.list.SetSize(width, height-1-p.detailHeight())
}

func (p *signoffPage) detailHeight() int {
	if p.height >= 16 {
		return signoffDetailLines + 1
	}
	return 0
}

func (p *signoffPage) apply() {
	rows := p.all
	if p.changedOnly {
		rows = nil
		for _, r := range p.all {
			if r.changed {
				rows = append(rows, r)
			}
		}
	}
	p.list.SetEmpty("No controls yet: import the client's control matrix.")
	if p.changedOnly {
		p.list.SetEmpty("No workpaper changed since its review. " + p.keys.ChangedOnly.Help().Key + " shows them all.")
	}
	p.list.SetItems(rows)
}

func (p *signoffPage) Update(msg tea.Msg) (page, tea.Cmd) {
	switch msg := msg.(type) {
	case signoffsLoadedMsg:
		if fresh, cmd := answered(p.reqID, &p.loading, msg.id, msg.err); !fresh || cmd != nil {
			return p, cmd
		}
		p.loaded, p.all = true, msg.rows
		p.refW = 6
		for _, r := range p.all {
			p.refW = max(p.refW, min(12, len([]rune(oneLine(r.ref)))))
		}
		p.apply()
		return p, nil
	case signedMsg:
		return p, p.wrote(p.writeID, msg.id, msg.err, msg.done)
	case tea.KeyMsg:
		if p.question.Asking() {
			_, _, cmd := p.question.Update(msg)
			return p, cmd
		}
		if p.list.Editing() {
			break
		}
		k := p.keys
		switch {
		case key.Matches(msg, k.Open):
			return p, p.open()
		case key.Matches(msg, k.ChangedOnly):
			p.changedOnly = !p.changedOnly
			p.apply()
			return p, nil
		case key.Matches(msg, k.SignPreparer):
			return p, p.ask(model.RolePreparer)
		case key.Matches(msg, k.SignReviewer):
			return p, p.ask(model.RoleReviewer)
		}
	}
	return p, p.listInput(msg, 1, p.open)
}

// open opens the selected control's workpaper.
func (p *signoffPage) open() tea.Cmd {
	if r, ok := p.list.Selected(); ok {
		return openControl(r.ref)
	}
	return nil
}

// ask puts the sign-off to the user before it is written: a sign-off is a
// statement made under the user's name.
func (p *signoffPage) ask(role model.Role) tea.Cmd {
	if ro := p.refuseReadOnly(); ro != nil {
		return ro
	}
	r, ok := p.list.Selected()
	if !ok {
		return nil
	}
	user := oneLine(p.wp.User())
	var prompt string
	switch {
	case role == model.RoleReviewer && r.changed:
		prompt = fmt.Sprintf("%s changed since its review. Sign it again as reviewer (%s)?", r.ref, user)
	case role == model.RoleReviewer && r.state != model.StateTested && r.state != model.StateReviewed:
		prompt = fmt.Sprintf("%s has no conclusion yet. Sign it as reviewer (%s) anyway?", r.ref, user)
	default:
		prompt = fmt.Sprintf("Sign %s as %s (%s)?", r.ref, role, user)
	}
	prompt += fmt.Sprintf(" %s signs, %s does not.", p.keys.Yes.Help().Key, p.keys.No.Help().Key)
	ref := r.ref
	p.question.AskPrompt(prompt, func() tea.Cmd {
		p.writeID = nextRequestID()
		return tea.Batch(signOff(p.ctx, p.wp, p.writeID, ref, role), busyCmd)
	})
	return nil
}

func (p *signoffPage) NoteTarget() (noteTarget, bool) {
	return p.selectedTarget(func(r signRow) noteTarget { return noteTarget{kind: "control", ref: r.ref} })
}

func (p *signoffPage) TrailScope() (trailScope, bool) {
	return p.selectedScope(func(r signRow) trailScope { return trailScope{control: r.ref, label: "control " + r.ref} })
}

func (p *signoffPage) View() string {
	if p.height <= 0 {
		return ""
	}
	out := p.summary() + "\n" + p.list.View()
	if p.detailHeight() > 0 {
		out += "\n" + strings.Join(p.detail(), "\n")
	}
	return questionOver(out, p.question, p.width)
}

func (p *signoffPage) summary() string {
	s := p.styles
	if !p.loaded {
		return ""
	}
	prepared, reviewed, changed := 0, 0, 0
	for _, r := range p.all {
		if r.hasPrep && !r.preparer.Stale {
			prepared++
		}
		if r.hasRev && !r.reviewer.Stale {
			reviewed++
		}
		if r.changed {
			changed++
		}
	}
	left := s.Muted.Render(fmt.Sprintf("%s%s%d prepared%s%d reviewed", plural(len(p.all), "workpaper", "workpapers"), symSep, prepared, symSep, reviewed))
	if changed > 0 {
		left += s.Muted.Render(symSep) + s.Hint.Render(fmt.Sprintf("%s %d changed since review", symAtRisk, changed))
	}
	if p.changedOnly {
		left += s.Muted.Render(symSep + "showing those only")
	}
	right := listWhere(s, &p.list, func(r signRow) string { return r.ref })
	return spread(left, right, p.width)
}

// signText is a sign-off in a cell: "maria.chen 10-19", "✗ stale", "—".
func (p *signoffPage) signText(so model.SignOff, ok bool, w int) string {
	if !ok {
		return fit("—", w)
	}
	t := oneLine(so.Signer)
	switch {
	case p.wide && so.Stale:
		t = symGap + " " + t + " " + so.SignedAt.In(p.now().Location()).Format("01-02") + " (stale)"
	case p.wide:
		t = symCovered + " " + t + " " + so.SignedAt.In(p.now().Location()).Format("01-02")
	case so.Stale:
		t = symGap + " stale: " + t
	default:
		t = symCovered + " " + t
	}
	return fit(t, w)
}

func (p *signoffPage) renderRow(r signRow, w int, selected bool) string {
	s := p.styles
	marker := "  "
	if selected {
		marker = symCursor + " "
	}
	ref := fit(oneLine(r.ref), p.refW)
	state := fit(stateSymbol(r.state)+" "+testStateWord(r.state), 13)
	flag := ""
	if r.changed {
		flag = symAtRisk + " changed since review"
		if w < 100 {
			flag = symAtRisk + " changed"
		}
	}
	flagW := 10
	if w >= 100 {
		flagW = 22
	}
	signW := max(8, (w-2-p.refW-2-13-2-2-flagW-2)/2)
	prep := p.signText(r.preparer, r.hasPrep, signW)
	rev := p.signText(r.reviewer, r.hasRev, signW)
	if selected {
		return s.Selected.Render(fit(marker+ref+"  "+state+"  "+prep+"  "+rev+"  "+flag, w))
	}
	prepStyle, revStyle := s.Value, s.Value
	if r.hasPrep && r.preparer.Stale {
		prepStyle = s.Hint
	}
	if r.hasRev && r.reviewer.Stale {
		revStyle = s.Hint
	}
	if !r.hasPrep {
		prepStyle = s.Dim
	}
	if !r.hasRev {
		revStyle = s.Dim
	}
	return fit(marker+s.Title.Render(ref)+"  "+s.state(r.state).Render(state)+"  "+prepStyle.Render(prep)+"  "+revStyle.Render(rev)+"  "+s.Hint.Render(flag), w)
}

// detail explains the selected row: who signed when, and why a sign-off
// went stale.
func (p *signoffPage) detail() []string {
	s := p.styles
	w := p.width
	out := []string{s.Dim.Render(strings.Repeat("─", max(0, w)))}
	r, ok := p.list.Selected()
	if !ok {
		for len(out) < signoffDetailLines+1 {
			out = append(out, "")
		}
		return out
	}
	head := s.Title.Render(oneLine(r.ref)) + s.Muted.Render(symSep+oneLine(r.wpRef)+symSep) + s.state(r.state).Render(stateSymbol(r.state)+" "+testStateWord(r.state))
	if r.conclusion != model.NotConcluded {
		head += s.Muted.Render(symSep) + conclusionWord(r.conclusion)
	}
	out = append(out, truncate(head, w))
	line := func(role string, so model.SignOff, ok bool) string {
		lab := s.Label.Render(fit(role, 10))
		switch {
		case !ok:
			return truncate(lab+s.Dim.Render("not signed"), w)
		case so.Stale && !p.wide:
			return truncate(lab+s.Hint.Render(fmt.Sprintf("%s %s %s; stale %s, changed by %s", symGap, oneLine(so.Signer), shortTime(so.SignedAt, p.now), shortTime(so.StaleAt, p.now), oneLine(so.StaleBy))), w)
		case so.Stale:
			return truncate(lab+s.Hint.Render(fmt.Sprintf("%s signed by %s on %s; stale since %s (changed by %s)", symGap, oneLine(so.Signer), timeIn(so.SignedAt, p.now), timeIn(so.StaleAt, p.now), oneLine(so.StaleBy))), w)
		}
		return truncate(lab+s.Covered.Render(symCovered)+fmt.Sprintf(" signed by %s on %s", oneLine(so.Signer), timeIn(so.SignedAt, p.now)), w)
	}
	out = append(out, line("Preparer", r.preparer, r.hasPrep), line("Reviewer", r.reviewer, r.hasRev))
	var hint string
	switch {
	case r.changed:
		hint = symAtRisk + " Changed since review: the reviewer checks the changes (" + p.keys.History.Help().Key + ") and signs again."
	case r.hasPrep && !r.preparer.Stale && (!r.hasRev || r.reviewer.Stale):
		hint = "Prepared: awaiting the reviewer's sign-off."
	case r.state == model.StateTested && (!r.hasPrep || r.preparer.Stale):
		hint = "Concluded: the preparer signs, then the reviewer."
	}
	out = append(out, s.Hint.Render(truncate(hint, w)))
	return out
}

func (p *signoffPage) ShortHelp() []key.Binding {
	if p.question.Asking() {
		return p.keys.confirmHelp()
	}
	if p.list.Editing() {
		return p.list.ShortHelp()
	}
	var b []key.Binding
	if !p.readOnly() {
		b = append(b, p.keys.SignPreparer, p.keys.SignReviewer)
	}
	return shortFitTop(p.width, append(b, p.keys.ChangedOnly, p.keys.Open)...)
}

func (p *signoffPage) FullHelp() [][]key.Binding {
	if p.question.Asking() {
		return [][]key.Binding{p.keys.confirmHelp()}
	}
	if p.list.Editing() {
		return p.list.FullHelp()
	}
	rec := []key.Binding{p.keys.Open, p.keys.ChangedOnly, p.keys.History}
	if !p.readOnly() {
		rec = append([]key.Binding{p.keys.SignPreparer, p.keys.SignReviewer}, append(rec, p.keys.NewNote)...)
	}
	return listFullHelp(p.list.FullHelp(), rec)
}

// shortTime writes an instant as "10-19 21:09" in the clock's zone.
func shortTime(t time.Time, now func() time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(now().Location()).Format("01-02 15:04")
}
