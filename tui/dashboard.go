package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/fieldwork-audit/fieldwork/model"
)

// dashboardPage is the engagement at a glance: progress of the testing by
// category, what needs attention (criteria at risk, exceptions,
// deviations, review notes, changes since review, client requests), what
// to do next, coverage of the criteria and the gaps, scope, team and
// subservice organizations. Its text is laid out in SetSize (one column,
// two from 100 columns, three from 160) and scrolls when it does not fit.
type dashboardPage struct {
	docPage
	lazy
	data    *snapshot
	prog    *dashProgress // testing progress, read by the page itself
	progErr error
	reqID   int64
	loading bool
}

func newDashboardPage(c common) *dashboardPage {
	p := &dashboardPage{docPage: newDocPage(c), lazy: lazy{visible: true}}
	p.docPage.render = p.render
	return p
}

func (p *dashboardPage) Init() tea.Cmd      { return nil }
func (p *dashboardPage) Title() string      { return tabDashboard.String() }
func (p *dashboardPage) InputFocused() bool { return false }
func (p *dashboardPage) HandlesBack() bool  { return false }

// HistoryIsTrailTab: "history" on the dashboard shows the audit trail tab.
func (p *dashboardPage) HistoryIsTrailTab() {}

func (p *dashboardPage) Busy() string {
	if p.loading && p.prog == nil {
		return "reading the testing progress…"
	}
	return ""
}

// SetData takes the new overview and reads the testing progress again.
func (p *dashboardPage) SetData(d *snapshot) tea.Cmd {
	p.data = d
	p.layout()
	return p.changed(p.loadProgress)
}

func (p *dashboardPage) setVisible(v bool) tea.Cmd { return p.show(v, p.loadProgress) }

func (p *dashboardPage) loadProgress() tea.Cmd {
	p.reqID = nextRequestID()
	p.loading = true
	return loadProgress(p.ctx, p.wp, p.reqID)
}

func (p *dashboardPage) Update(msg tea.Msg) (page, tea.Cmd) {
	switch msg := msg.(type) {
	case progressLoadedMsg:
		fresh, cmd := answer(p.reqID, msg.id, msg.err, &p.loading, &p.progErr)
		if !fresh {
			return p, nil
		}
		if cmd == nil {
			p.prog = msg.prog
		}
		p.layout()
		return p, cmd
	case tea.KeyMsg:
		switch {
		case key.Matches(msg, p.keys.Conflicts):
			return p, pushCmd(newConflictsPage(p.common))
		case key.Matches(msg, p.keys.ImportMatrix):
			return p, p.openEditor(newMatrixPage(p.common, p.data))
		case key.Matches(msg, p.keys.AddTeam):
			return p, p.openEditor(newTeamForm(p.common, p.data))
		}
	}
	return p, p.scrollInput(msg)
}

func (p *dashboardPage) View() string { return p.docView() }

// openEditor opens a screen that changes the workpaper, unless it is
// read-only.
func (c common) openEditor(p page) tea.Cmd {
	if ro := c.refuseReadOnly(); ro != nil {
		return ro
	}
	return pushCmd(p)
}

// ShortHelp offers the set-up keys while the engagement lacks controls
// or a team, and scrolling when the dashboard overflows.
func (p *dashboardPage) ShortHelp() []key.Binding {
	var b []key.Binding
	if p.data != nil && !p.readOnly() {
		if len(p.data.controls) == 0 {
			b = append(b, p.keys.ImportMatrix)
		}
		if p.data.eng != nil && len(p.data.eng.Team) == 0 {
			b = append(b, p.keys.AddTeam)
		}
	}
	if p.doc.Overflows() {
		b = append(b, p.keys.Down, p.keys.PageDown)
	}
	return b
}

func (p *dashboardPage) FullHelp() [][]key.Binding {
	rec := []key.Binding{p.keys.History}
	if !p.readOnly() {
		rec = append(rec, p.keys.NewNote, p.keys.ImportMatrix, p.keys.AddTeam)
	}
	rec = append(rec, p.keys.Conflicts)
	if !p.doc.Overflows() {
		return [][]key.Binding{rec}
	}
	return [][]key.Binding{{p.keys.Up, p.keys.Down, p.keys.PageUp, p.keys.PageDown, p.keys.Top, p.keys.Bottom}, rec}
}

// NoteTarget: a note opened from the dashboard is on the engagement.
func (p *dashboardPage) NoteTarget() (noteTarget, bool) { return noteTarget{kind: "engagement"}, true }

// TrailScope: the dashboard's history is the whole file's (the Trail tab).
func (p *dashboardPage) TrailScope() (trailScope, bool) { return trailScope{}, false }

// dashboardTwoColumns and dashboardThreeColumns are the widths from which
// the dashboard uses two and three columns.
const (
	dashboardTwoColumns   = 100
	dashboardThreeColumns = 160
)

// render lays the dashboard out for width w.
func (p *dashboardPage) render(w int) []string {
	if w <= 0 {
		return nil
	}
	d := p.data
	s := p.styles
	if d == nil {
		return []string{s.Muted.Render("Loading the workpaper…")}
	}
	var out []string
	if d.readOnly {
		out = append(out, s.Banner.Render(fit(" "+labelRO+": nothing can be changed ("+oneLine(d.readOnlyReason)+")", w)), "")
	}
	e := d.eng
	out = append(out, truncate(s.Title.Render(oneLine(e.Client))+s.Muted.Render(" — ")+s.Value.Render(oneLine(e.System)), w))
	period := "period " + e.Period()
	if e.Type == model.TypeI {
		period = "description " + e.Period()
	}
	out = append(out, s.Muted.Render(truncate("SOC 2 "+e.Type.String()+symSep+period, w)), "")

	switch {
	case w >= dashboardThreeColumns:
		colW := (w - 6) / 3
		return append(out, columns(colW,
			concat(p.progressSection(colW), p.coverageSection(colW), p.gapsSection(colW)),
			concat(p.attentionSection(colW), p.nextSection(colW)),
			concat(p.scopeSection(colW), p.teamSection(colW), p.subserviceSection(colW)))...)
	case w >= dashboardTwoColumns:
		colW := (w - 3) / 2
		return append(out, columns(colW,
			concat(p.progressSection(colW), p.coverageSection(colW), p.gapsSection(colW),
				p.scopeSection(colW), p.teamSection(colW), p.subserviceSection(colW)),
			concat(p.attentionSection(colW), p.nextSection(colW)))...)
	}
	// One column: what needs attention first, the engagement's details after.
	return append(out, concat(p.progressSection(w), p.attentionSection(w), p.nextSection(w), p.coverageSection(w), p.gapsSection(w),
		p.scopeSection(w), p.teamSection(w), p.subserviceSection(w))...)
}

// columns sets sections side by side, each colW wide, three spaces apart.
func columns(colW int, cols ...[]string) []string {
	n := 0
	for _, c := range cols {
		n = max(n, len(c))
	}
	out := make([]string, 0, n)
	for i := range n {
		var b strings.Builder
		for j, c := range cols {
			var l string
			if i < len(c) {
				l = c[i]
			}
			if j < len(cols)-1 {
				b.WriteString(fit(l, colW) + "   ")
			} else {
				b.WriteString(l)
			}
		}
		out = append(out, strings.TrimRight(b.String(), " "))
	}
	return out
}

// concat joins sections with a blank line between them.
func concat(sections ...[]string) []string {
	var out []string
	for _, sec := range sections {
		if len(sec) == 0 {
			continue
		}
		if len(out) > 0 {
			out = append(out, "")
		}
		out = append(out, sec...)
	}
	return out
}

// field renders "Label       value", the value wrapped under itself.
func field(s *Styles, label, value string, w int) []string {
	vw := max(1, w-labelWidth)
	lines := wrap(oneLine(value), vw)
	if len(lines) == 0 {
		lines = []string{s.Dim.Render("not recorded")}
	}
	out := make([]string, len(lines))
	for i, l := range lines {
		lab := ""
		if i == 0 {
			lab = label
		}
		out[i] = s.Label.Render(fit(lab, labelWidth)) + s.Value.Render(l)
	}
	return out
}

func (p *dashboardPage) scopeSection(w int) []string {
	s, d, e := p.styles, p.data, p.data.eng
	var cats []string
	for _, c := range model.Categories {
		if e.InScope(c) {
			cats = append(cats, oneLine(c.Title()))
		}
	}
	out := []string{s.Section.Render("Engagement")}
	out = append(out, field(s, "Categories", strings.Join(cats, ", "), w)...)
	out = append(out, field(s, "Firm", e.Firm, w)...)
	if dates := p.keyDates(); dates != "" {
		out = append(out, field(s, "Dates", dates, w)...)
	}
	if e.RolledFrom != "" {
		out = append(out, field(s, "Rolled from", e.RolledFrom, w)...)
	}
	out = append(out, field(s, "File", d.path, w)...)
	out = append(out, field(s, "User", d.user, w)...)
	return out
}

// keyDates lists the engagement's dates that are set, with how far the
// report's due date is from today.
func (p *dashboardPage) keyDates() string {
	e := p.data.eng
	var parts []string
	if !e.PlanningDate.IsZero() {
		parts = append(parts, "planning "+e.PlanningDate.Format(model.DateLayout))
	}
	switch {
	case !e.FieldworkStart.IsZero() && !e.FieldworkEnd.IsZero():
		parts = append(parts, "fieldwork "+e.FieldworkStart.Format(model.DateLayout)+" to "+e.FieldworkEnd.Format(model.DateLayout))
	case !e.FieldworkStart.IsZero():
		parts = append(parts, "fieldwork from "+e.FieldworkStart.Format(model.DateLayout))
	case !e.FieldworkEnd.IsZero():
		parts = append(parts, "fieldwork until "+e.FieldworkEnd.Format(model.DateLayout))
	}
	if !e.ReportDue.IsZero() {
		parts = append(parts, "report due "+e.ReportDue.Format(model.DateLayout)+" ("+daysFrom(p.now(), e.ReportDue)+")")
	}
	if !e.ReportDate.IsZero() {
		parts = append(parts, "report date "+e.ReportDate.Format(model.DateLayout))
	}
	return strings.Join(parts, symSep)
}

// daysFrom words how far the calendar date day is from now's date.
func daysFrom(now, day time.Time) string {
	y, m, dd := now.Date()
	today := time.Date(y, m, dd, 0, 0, 0, 0, time.UTC)
	y, m, dd = day.Date()
	n := int(time.Date(y, m, dd, 0, 0, 0, 0, time.UTC).Sub(today).Hours() / 24)
	switch {
	case n == 0:
		return "today"
	case n > 0:
		return "in " + plural(n, "day", "days")
	}
	return plural(-n, "day", "days") + " ago"
}

func (p *dashboardPage) teamSection(w int) []string {
	s, e := p.styles, p.data.eng
	out := []string{s.Section.Render(fmt.Sprintf("Team (%d)", len(e.Team)))}
	if len(e.Team) == 0 {
		return append(out, s.Dim.Render(truncate("No one recorded yet.", w)))
	}
	nameW := 0
	for _, m := range e.Team {
		nameW = max(nameW, ansi.StringWidth(oneLine(m.Name)))
	}
	nameW = min(nameW, max(8, w/3))
	for _, m := range e.Team {
		line := "  " + fit(oneLine(m.Name), nameW) + "  " + s.Muted.Render(fit(oneLine(string(m.Role)), 10))
		if m.Email != "" {
			line += " " + s.Dim.Render(oneLine(m.Email))
		}
		out = append(out, truncate(line, w))
	}
	return out
}

func (p *dashboardPage) subserviceSection(w int) []string {
	s, e := p.styles, p.data.eng
	out := []string{s.Section.Render(fmt.Sprintf("Subservice organizations (%d)", len(e.Subservice)))}
	if len(e.Subservice) == 0 {
		out = append(out, s.Dim.Render(truncate("None recorded.", w)))
	}
	for _, o := range e.Subservice {
		line := "  " + oneLine(o.Name)
		if o.Services != "" {
			line += s.Muted.Render(" (" + oneLine(o.Services) + ")")
		}
		out = append(out, truncate(line+s.Muted.Render(symSep)+s.Value.Render(oneLine(string(o.Method))), w))
	}
	cuecs, csocs := len(e.CUECs()), len(e.CSOCs())
	out = append(out, "", s.Label.Render(truncate("Complementary controls: ", w))+
		truncate(plural(cuecs, "CUEC", "CUECs")+symSep+plural(csocs, "CSOC", "CSOCs"), max(0, w-24)))
	return out
}

func (p *dashboardPage) coverageSection(w int) []string {
	s, d := p.styles, p.data
	out := []string{s.Section.Render("Coverage of in-scope criteria")}
	labelW := 0
	var outOfScope []string
	for _, c := range d.coverage {
		if c.inScope {
			labelW = max(labelW, ansi.StringWidth(oneLine(c.cat.Title())))
		} else {
			outOfScope = append(outOfScope, oneLine(c.cat.Title()))
		}
	}
	const countW, statusW, minBar = 5, 10, 5
	fixed := 2 + 1 + 1 + countW + 2 + statusW
	labelW = min(labelW, max(10, w-fixed-minBar))
	barW := min(30, w-fixed-labelW)
	for _, c := range d.coverage {
		if !c.inScope {
			continue
		}
		status := s.Covered.Render(fit(symCovered+" covered", statusW))
		if c.gaps > 0 {
			status = s.Gap.Render(fit(symGap+" "+plural(c.gaps, "gap", "gaps"), statusW))
		}
		line := "  " + fit(oneLine(c.cat.Title()), labelW) + " "
		if barW >= 5 {
			line += bar(s, c.covered, c.total, barW) + " "
		}
		line += fitRight(fmt.Sprintf("%d/%d", c.covered, c.total), countW) + "  " + status
		out = append(out, truncate(line, w))
	}
	out = append(out, s.Muted.Render(truncate(fmt.Sprintf("  %d of %d in-scope criteria have a control", d.covered, d.inScope), w)))
	if len(outOfScope) > 0 {
		out = append(out, s.Dim.Render(truncate("  Not in scope: "+strings.Join(outOfScope, ", "), w)))
	}
	return out
}

// maxGapLines is how many gaps the dashboard lists before "and N more".
const maxGapLines = 8

func (p *dashboardPage) gapsSection(w int) []string {
	s, d := p.styles, p.data
	if len(d.gaps) == 0 {
		return nil
	}
	out := []string{s.Section.Render(fmt.Sprintf("Gaps: in-scope criteria without a control (%d)", len(d.gaps)))}
	for i, gi := range d.gaps {
		if i == maxGapLines && len(d.gaps) > maxGapLines+1 {
			out = append(out, s.Muted.Render(truncate(fmt.Sprintf("  … and %d more (press 2, then n for each gap)", len(d.gaps)-maxGapLines), w)))
			break
		}
		c := d.criteria[gi]
		out = append(out, truncate("  "+s.Gap.Render(symGap+" "+fit(oneLine(c.Ref), 5))+"  "+oneLine(c.Title), w))
	}
	return out
}

func (p *dashboardPage) nextSection(w int) []string {
	s := p.styles
	out := []string{s.Section.Render("What to do next")}
	steps, later := progressSteps(p.prog, p.data, p.keys, p.now())
	steps = append(append(steps, nextSteps(p.data)...), later...)
	if len(steps) > maxSteps {
		steps = steps[:maxSteps]
	}
	for _, st := range steps {
		for i, l := range wrap(st.text, max(1, w-4)) {
			prefix := "    "
			if i == 0 {
				prefix = "  → "
			}
			out = append(out, prefix+s.Hint.Render(l))
		}
		out = append(out, commandLines(s, st.cmd, w, "    ")...)
	}
	return out
}

// commandLines shows a command the user may copy, on lines of its own.
func commandLines(s *Styles, cmd string, w int, indent string) []string {
	var out []string
	for i, l := range wrap(cmd, max(1, w-len(indent)-2)) {
		if i == 0 {
			out = append(out, indent+s.Muted.Render("$ ")+s.Value.Render(l))
		} else {
			out = append(out, indent+"  "+s.Value.Render(l))
		}
	}
	return out
}

// step is a "what to do next" hint, with the command that does it.
type step struct{ text, cmd string }

// nextSteps says what the engagement needs next, most pressing first.
func nextSteps(d *snapshot) []step {
	e := d.eng
	file := shellQuote(oneLine(d.path))
	var steps []step
	switch {
	case len(d.controls) == 0:
		steps = append(steps, step{"No controls yet: press I to import the client's control matrix.",
			"fieldwork controls import " + file + " MATRIX.xlsx"})
	case len(d.gaps) > 0:
		steps = append(steps, step{plural(len(d.gaps), "criterion has", "criteria have") +
			" no control: map one to each in the control matrix and import it again (I).",
			"fieldwork controls import " + file + " MATRIX.xlsx"})
	}
	if len(e.Team) == 0 {
		steps = append(steps, step{"No team yet: press T to add the preparer and the reviewer.",
			"fieldwork team add " + file + " --name NAME --role preparer"})
	}
	for _, o := range e.Subservice {
		if o.Method != model.CarveOut {
			continue
		}
		has := false
		for _, c := range e.CSOCs() {
			if strings.EqualFold(strings.TrimSpace(c.Subservice), strings.TrimSpace(o.Name)) {
				has = true
				break
			}
		}
		if !has {
			name := oneLine(o.Name)
			steps = append(steps, step{name + " is carved out but has no CSOC: record the controls it must operate.",
				"fieldwork csoc add " + file + " --subservice " + shellQuote(name) + " --ref REF --text TEXT"})
		}
	}
	if len(d.controls) > 0 && len(d.gaps) == 0 {
		steps = append(steps, step{text: "Every in-scope criterion has at least one control: press 2 to walk the mapping."})
	}
	return steps
}
