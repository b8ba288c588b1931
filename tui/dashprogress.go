package tui

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/fieldwork-audit/fieldwork/model"
)

// dashProgress is what the dashboard reads besides the overview: the
// testing progress and what needs attention.
type dashProgress struct {
	status     *model.Status
	exceptions []model.Exception
	notes      []model.ReviewNote // open and responded
	pbc        []model.PBCRequest // outstanding
}

type progressLoadedMsg struct {
	id   int64
	prog *dashProgress
	err  error
}

// loadProgress reads the engagement's status, the exception log, the notes
// not yet cleared and the client requests outstanding. It captures values
// only.
func loadProgress(ctx context.Context, wp *model.Workpaper, id int64) tea.Cmd {
	return readCmd(ctx, func(ctx context.Context) tea.Msg {
		msg := progressLoadedMsg{id: id}
		pr := &dashProgress{}
		var err error
		if pr.status, err = wp.Status(ctx); err != nil {
			msg.err = err
			return msg
		}
		if pr.exceptions, err = wp.Exceptions(ctx); err != nil {
			msg.err = err
			return msg
		}
		notes, err := wp.Notes(ctx, "")
		if err != nil {
			msg.err = err
			return msg
		}
		for _, n := range notes {
			if n.State != model.NoteCleared {
				pr.notes = append(pr.notes, n)
			}
		}
		reqs, err := wp.PBCRequests(ctx)
		if err != nil {
			msg.err = err
			return msg
		}
		for _, r := range reqs {
			if r.Outstanding() {
				pr.pbc = append(pr.pbc, r)
			}
		}
		msg.prog = pr
		return msg
	})
}

// maxSteps is how many "what to do next" hints the dashboard shows.
const maxSteps = 6

// maxAttention is how many items of a kind "needs attention" lists.
const maxAttention = 4

// progressSection draws a bar per category in scope: controls reviewed,
// tested, in progress and not started, each with its own fill so that the
// bar reads without colour.
func (p *dashboardPage) progressSection(w int) []string {
	s := p.styles
	pr := p.prog
	if pr == nil {
		if p.progErr != nil {
			return []string{s.Section.Render("Testing progress"), s.Gap.Render(truncate("  "+symGap+" "+errorText(p.progErr), w))}
		}
		return []string{s.Section.Render("Testing progress"), s.Muted.Render(truncate("  Reading…", w))}
	}
	st := pr.status
	out := []string{s.Section.Render(fmt.Sprintf("Testing progress (%s)", plural(st.Controls, "control", "controls")))}
	if st.Controls == 0 {
		return append(out, s.Dim.Render(truncate("  No controls yet.", w)))
	}
	// The legend, with the counts: as many to a line as fit.
	line, lineW := "  ", 2
	for _, ts := range testStates {
		item := fmt.Sprintf(" %d %s", st.ByState[ts], testStateWord(ts))
		iw := 1 + ansi.StringWidth(item)
		if lineW > 2 && lineW+2+iw > w {
			out = append(out, line)
			line, lineW = "  ", 2
		}
		if lineW > 2 {
			line += "  "
			lineW += 2
		}
		line += s.state(ts).Render(stateBar(ts)) + item
		lineW += iw
	}
	out = append(out, truncate(line, w))
	labelW := 0
	for _, cat := range model.Categories {
		if p.data.eng.InScope(cat) {
			labelW = max(labelW, ansi.StringWidth(oneLine(cat.Title())))
		}
	}
	wide := w >= 90
	countW := 13 // "12/45 tested"
	if wide {
		countW = 30
	}
	labelW = min(labelW, max(10, w-2-1-countW-12))
	barW := min(30, w-2-labelW-1-1-countW)
	for _, cat := range model.Categories {
		if !p.data.eng.InScope(cat) {
			continue
		}
		sc := st.ByCategory[cat]
		total, done := 0, 0
		for _, ts := range testStates {
			total += sc[ts]
		}
		done = sc[model.StateReviewed] + sc[model.StateTested]
		line := "  " + fit(oneLine(cat.Title()), labelW) + " "
		if barW >= 6 {
			line += stackedBar(s, sc, total, barW) + " "
		}
		count := fmt.Sprintf("%d/%d tested", done, total)
		if wide && sc[model.StateInProgress] > 0 {
			count += fmt.Sprintf(", %d in progress", sc[model.StateInProgress])
		}
		if total == 0 {
			count = "no controls"
		}
		out = append(out, truncate(line+s.Muted.Render(count), w))
	}
	return out
}

// stackedBar draws the states of total controls in w cells: reviewed,
// tested, in progress, not started, left to right. Every state present
// gets at least one cell.
func stackedBar(s *Styles, counts model.StateCount, total, w int) string {
	if total == 0 {
		return s.BarEmpty.Render(strings.Repeat(barNotStarted, w))
	}
	widths := make([]int, len(testStates))
	used := 0
	for i, ts := range testStates {
		if n := counts[ts]; n > 0 {
			widths[i] = max(1, n*w/total)
			used += widths[i]
		}
	}
	// Give the rounding's remainder to, or take the excess from, the
	// widest segment.
	widest := 0
	for i := range widths {
		if widths[i] > widths[widest] {
			widest = i
		}
	}
	widths[widest] += w - used
	var b strings.Builder
	for i, ts := range testStates {
		if widths[i] > 0 {
			b.WriteString(s.state(ts).Render(strings.Repeat(stateBar(ts), widths[i])))
		}
	}
	return b.String()
}

// attentionSection lists what stands between the engagement and its
// report: criteria not met or at risk, exceptions and deviations, review
// notes not cleared, workpapers changed since review, client requests
// outstanding.
func (p *dashboardPage) attentionSection(w int) []string {
	s := p.styles
	pr := p.prog
	if pr == nil {
		return nil
	}
	st := pr.status
	out := []string{s.Section.Render("Needs attention")}
	item := func(sym string, style func(...string) string, text string) {
		for i, l := range wrap(text, max(1, w-4)) {
			if i == 0 {
				out = append(out, "  "+style(sym)+" "+l)
			} else {
				out = append(out, "    "+l)
			}
		}
	}
	sub := func(text string) {
		out = append(out, truncate("      "+text, w))
	}
	gap, hint, muted := s.Gap.Render, s.Hint.Render, s.Muted.Render
	n := 0
	if len(st.CriteriaAtRisk) > 0 {
		n++
		item(symAtRisk, hint, plural(len(st.CriteriaAtRisk), "criterion", "criteria")+" not met or at risk:")
		for i, c := range st.CriteriaAtRisk {
			if i == maxAttention {
				sub(s.Muted.Render(fmt.Sprintf("… and %d more (%s shows them all)", len(st.CriteriaAtRisk)-maxAttention, p.keys.Criteria.Help().Key)))
				break
			}
			reason := c.Reason
			if c.Override != "" {
				reason = "overridden: " + c.OverrideReason
			}
			sub(s.criterion(c.Status).Render(criterionSymbol(c.Status) + " " + oneLine(c.Ref) + " " + conclusionLabel(c)[len(criterionSymbol(c.Status))+1:]))
			for _, l := range wrap(oneLine(reason), max(1, w-8)) {
				out = append(out, "        "+s.Muted.Render(l))
			}
		}
	}
	if len(pr.exceptions) > 0 || st.Deviations > 0 {
		n++
		item(symGap, gap, fmt.Sprintf("%s logged; %s with deviations in the samples tested",
			plural(len(pr.exceptions), "exception", "exceptions"), plural(st.Deviations, "item", "items")))
		for i, x := range pr.exceptions {
			if i == maxAttention {
				sub(s.Muted.Render(fmt.Sprintf("… and %d more (%s)", len(pr.exceptions)-maxAttention, p.keys.Exceptions.Help().Key)))
				break
			}
			line := s.Title.Render(fit(oneLine(x.Ref), 6)) + " on " + fit(oneLine(x.ControlRef), 8) + " " + evaluationWord(x.Evaluation)
			if strings.TrimSpace(x.Response) == "" {
				line += s.Hint.Render(symSep + "no response")
			}
			sub(line)
		}
	}
	open, responded := 0, 0
	for _, nt := range pr.notes {
		if nt.State == model.NoteOpen {
			open++
		} else {
			responded++
		}
	}
	if open+responded > 0 {
		n++
		item(symOpen, hint, fmt.Sprintf("Review notes: %d open, %d responded awaiting clearing", open, responded))
		for i, nt := range pr.notes {
			if i == maxAttention {
				sub(s.Muted.Render(fmt.Sprintf("… and %d more (%s)", len(pr.notes)-maxAttention, p.keys.Review.Help().Key)))
				break
			}
			sub(s.note(nt.State).Render(noteSymbol(nt.State)) + " " + s.Title.Render(fit(oneLine(nt.Ref), 7)) + " " +
				fit(noteTargetText(nt), 10) + " " + s.Muted.Render(oneLine(nt.Text)))
		}
	}
	if len(st.ChangedSince) > 0 {
		n++
		item(symAtRisk, hint, "Changed since review: "+strings.Join(st.ChangedSince, ", "))
	}
	if len(pr.pbc) > 0 {
		n++
		overdue := 0
		for _, r := range pr.pbc {
			if pbcOverdue(r, p.now()) {
				overdue++
			}
		}
		text := plural(len(pr.pbc), "client request", "client requests") + " outstanding"
		if overdue > 0 {
			text += fmt.Sprintf(", %d overdue", overdue)
		}
		item(symOpen, hint, text)
		for i, r := range pr.pbc {
			if i == maxAttention {
				sub(s.Muted.Render(fmt.Sprintf("… and %d more", len(pr.pbc)-maxAttention)))
				break
			}
			due := ""
			if !r.DueOn.IsZero() {
				due = " due " + r.DueOn.Format(model.DateLayout)
				if pbcOverdue(r, p.now()) {
					due = s.Gap.Render(" overdue since " + r.DueOn.Format(model.DateLayout))
				}
			}
			sub(pbcSymbol(r.Status) + " " + s.Title.Render(fit(oneLine(r.Ref), 7)) + " " + fit(pbcWord(r.Status), 9) + " " + s.Muted.Render(oneLine(r.Item)) + due)
		}
	}
	if n == 0 {
		out = append(out, "  "+s.Covered.Render(symCovered)+muted(" Nothing: no criterion at risk, no exception, every review note cleared."))
	}
	return out
}

// pbcOverdue reports whether a request is past its due date.
func pbcOverdue(r model.PBCRequest, now time.Time) bool {
	if r.DueOn.IsZero() {
		return false
	}
	y, m, d := now.Date()
	return r.DueOn.Before(time.Date(y, m, d, 0, 0, 0, 0, time.UTC))
}

// progressSteps are the "what to do next" hints the testing's state calls
// for, most pressing first; later are those that come after the set-up's
// (nextSteps). Keys are named as the user has them.
func progressSteps(pr *dashProgress, d *snapshot, k *keyMap, now time.Time) (steps, later []step) {
	if pr == nil || d == nil {
		return nil, nil
	}
	st := pr.status
	var notMet, atRisk []string
	for _, c := range st.CriteriaAtRisk {
		if c.Status == model.CriterionNotMet {
			notMet = append(notMet, c.Ref)
		} else {
			atRisk = append(atRisk, c.Ref)
		}
	}
	if len(notMet) > 0 {
		steps = append(steps, step{text: fmt.Sprintf("%s not met: look for a compensating control, or record the conclusion and its effect on the opinion (%s, then enter on it).",
			joinRefs(notMet), k.Criteria.Help().Key)})
	}
	if len(atRisk) > 0 {
		steps = append(steps, step{text: fmt.Sprintf("%s at risk: judge the deviations and conclude on the controls behind %s (%s).",
			joinRefs(atRisk), pluralWord(len(atRisk), "it", "them"), k.Criteria.Help().Key)})
	}
	var unevaluated, noResponse []string
	for _, x := range pr.exceptions {
		if x.Evaluation == "" {
			unevaluated = append(unevaluated, x.Ref)
		}
		if strings.TrimSpace(x.Response) == "" {
			noResponse = append(noResponse, x.Ref)
		}
	}
	if len(unevaluated) > 0 {
		steps = append(steps, step{text: fmt.Sprintf("Evaluate %s as isolated or systemic (%s, then %s).", joinRefs(unevaluated), k.Exceptions.Help().Key, k.EditRecord.Help().Key)})
	}
	if len(noResponse) > 0 {
		steps = append(steps, step{text: fmt.Sprintf("Get management's response to %s (%s).", joinRefs(noResponse), k.Exceptions.Help().Key)})
	}
	if len(st.ChangedSince) > 0 {
		steps = append(steps, step{text: fmt.Sprintf("%s changed after the review: the reviewer looks at the changes and signs again (%s).",
			joinRefs(st.ChangedSince), k.SignOffs.Help().Key)})
	}
	if st.RespondedNotes > 0 {
		steps = append(steps, step{text: fmt.Sprintf("%s responded: the reviewer reads the response and clears %s (%s).",
			plural(st.RespondedNotes, "review note", "review notes"), pluralWord(st.RespondedNotes, "it", "them"), k.Review.Help().Key)})
	}
	if st.OpenNotes > 0 {
		steps = append(steps, step{text: fmt.Sprintf("%s open: the preparer responds (%s).",
			plural(st.OpenNotes, "review note", "review notes"), k.Review.Help().Key)})
	}
	if n := st.ByState[model.StateTested]; n > 0 {
		steps = append(steps, step{text: fmt.Sprintf("%s concluded but not reviewed: sign off (%s).",
			plural(n, "control is", "controls are"), k.SignOffs.Help().Key)})
	}
	var overdue []string
	for _, r := range pr.pbc {
		if pbcOverdue(r, now) || r.Status == model.PBCRejected {
			overdue = append(overdue, r.Ref)
		}
	}
	if len(overdue) > 0 {
		steps = append(steps, step{text: fmt.Sprintf("Follow up with the client on %s.", joinRefs(overdue)),
			cmd: "fieldwork pbc update " + shellQuote(oneLine(d.path)) + " --ref " + overdue[0] + " --status received --file FILE"})
	}
	if n := st.ByState[model.StateNotStarted]; n > 0 && st.Controls > 0 {
		later = append(later, step{text: fmt.Sprintf("%s of %d not started: open one from the criteria walk (%s).",
			plural(n, "control", "controls"), st.Controls, k.Criteria.Help().Key)})
	}
	return steps, later
}

// joinRefs writes "CC8.1", "CC8.1 and CC6.2" or "CC8.1, CC6.2 and 3 more".
func joinRefs(refs []string) string {
	refs = append([]string(nil), refs...)
	sort.Strings(refs)
	for i := range refs {
		refs[i] = oneLine(refs[i])
	}
	switch {
	case len(refs) == 1:
		return refs[0]
	case len(refs) <= 3:
		return strings.Join(refs[:len(refs)-1], ", ") + " and " + refs[len(refs)-1]
	}
	return strings.Join(refs[:2], ", ") + fmt.Sprintf(" and %d more", len(refs)-2)
}
