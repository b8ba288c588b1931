package tui

import (
	"context"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/dustin/go-humanize"

	"github.com/fieldwork-audit/fieldwork/model"
)

// Import: progress and the end, through channels a command loop reads.
type (
	importProgressMsg struct {
		id   int64
		rows int
		ch   importChans
	}
	importDoneMsg struct {
		id  int64
		pop *model.Population
		err error
	}
	importChans struct {
		progress <-chan int
		done     <-chan importDoneMsg
	}
)

// startImport runs model.ImportPopulation in a goroutine and returns its
// first report. Progress never blocks the import: a report the screen has
// not taken yet is replaced by the newer one.
func startImport(ctx context.Context, wp *model.Workpaper, id int64, in model.PopulationImport) tea.Cmd {
	return func() tea.Msg {
		progress := make(chan int, 1)
		done := make(chan importDoneMsg, 1)
		in.Progress = func(rows int) {
			for {
				select {
				case progress <- rows:
					return
				default:
				}
				select {
				case <-progress: // drop the older report
				default:
				}
			}
		}
		go func() {
			pop, err := wp.ImportPopulation(ctx, in)
			done <- importDoneMsg{id: id, pop: pop, err: err}
		}()
		return waitImport(id, importChans{progress, done})()
	}
}

// waitImport waits for the import's next report.
func waitImport(id int64, ch importChans) tea.Cmd {
	return func() tea.Msg {
		select {
		case d := <-ch.done:
			return d
		case n := <-ch.progress:
			return importProgressMsg{id: id, rows: n, ch: ch}
		}
	}
}

type flagsMsg struct {
	id   int64
	rows []model.PopulationRow
	err  error
}

// maxFlagged bounds the flagged rows the wizard lists.
const maxFlagged = 500

func loadFlagged(ctx context.Context, wp *model.Workpaper, id int64, popUUID string) tea.Cmd {
	return readCmd(ctx, func(ctx context.Context) tea.Msg {
		rows, err := wp.FlaggedRows(ctx, popUUID, maxFlagged)
		return flagsMsg{id: id, rows: rows, err: err}
	})
}

// needsReason reports whether importing replaces a tested population.
func (p *samplingPage) needsReason() bool {
	return p.st.pop != nil && p.st.eval != nil && p.st.eval.Recorded > 0
}

func (cs *columnsStep) key(p *samplingPage, msg tea.KeyMsg) tea.Cmd {
	k := p.keys
	if cs.colFocus == reasonField {
		switch msg.Type {
		case tea.KeyEsc, tea.KeyUp, tea.KeyShiftTab:
			cs.colFocus = reasonField - 1
			cs.reasonIn.Blur()
			return nil
		case tea.KeyEnter:
			return p.startImport()
		}
		var cmd tea.Cmd
		cs.reasonIn, cmd = cs.reasonIn.Update(msg)
		return cmd
	}
	fields := reasonField
	if p.needsReason() {
		fields = reasonField + 1
	}
	cycle := func(cur, delta int) int {
		n := len(cs.pv.header) + 1 // and "none"
		return (cur+1+delta+n)%n - 1
	}
	switch {
	case key.Matches(msg, k.Up):
		cs.colFocus = max(0, cs.colFocus-1)
	case key.Matches(msg, k.Down):
		cs.colFocus = min(fields-1, cs.colFocus+1)
		if cs.colFocus == reasonField {
			return cs.reasonIn.Focus()
		}
	case key.Matches(msg, k.CellLeft), key.Matches(msg, k.CellRight):
		d := 1
		if key.Matches(msg, k.CellLeft) {
			d = -1
		}
		switch cs.colFocus {
		case 0:
			cs.idCol = cycle(cs.idCol, d)
		case 1:
			cs.dateCol = cycle(cs.dateCol, d)
		case 2:
			cs.dateOrder = model.DateOrder((int(cs.dateOrder) + d + 3) % 3)
		}
	case key.Matches(msg, k.WizNext):
		if p.needsReason() && strings.TrimSpace(cs.reasonIn.Value()) == "" {
			p.msg = "The current population already has results: say why it is replaced (the reason is logged)."
			cs.colFocus = reasonField
			return cs.reasonIn.Focus()
		}
		return p.startImport()
	case key.Matches(msg, k.WizPrev):
		return p.back()
	}
	return nil
}

// reasonField is the columns step's reason field (after ID, date and the
// date order).
const reasonField = 3

func (p *samplingPage) startImport() tea.Cmd {
	if ro := p.refuseReadOnly(); ro != nil {
		return ro
	}
	if p.needsReason() && strings.TrimSpace(p.reasonIn.Value()) == "" {
		p.msg = "Say why the population is replaced."
		return nil
	}
	in := model.PopulationImport{ControlRef: p.ref, Path: p.pv.path}
	if p.idCol >= 0 {
		in.IDColumn = p.pv.rawHeader[p.idCol]
	}
	if p.dateCol >= 0 {
		in.DateColumn = p.pv.rawHeader[p.dateCol]
		in.DateOrder = p.dateOrder
	}
	if p.needsReason() {
		in.Replace, in.Reason = true, strings.TrimSpace(p.reasonIn.Value())
	}
	p.colFocus = 0
	p.reasonIn.Blur()
	ctx, cancel := context.WithCancel(p.ctx)
	p.cancel = cancel
	p.importing = true
	p.rows = 0
	p.msg = ""
	p.importID = nextRequestID()
	p.step = stepImport
	return tea.Batch(startImport(ctx, p.common.wp, p.importID, in), busyCmd)
}

func (cs *columnsStep) view(p *samplingPage) []string {
	s := p.styles
	pv := cs.pv
	if pv == nil {
		return nil
	}
	w := p.width
	desc := pv.format
	if pv.sheet != "" {
		desc += ", sheet " + quoteQuery(pv.sheet)
	}
	desc += fmt.Sprintf(", header on row %d, %s", pv.headerRow, strings.ReplaceAll(humanize.Bytes(uint64(pv.size)), " ", ""))
	if pv.estRows > 0 {
		desc += ", about " + thousands(pv.estRows) + " rows"
	}
	out := []string{truncate(s.Section.Render("Preview")+"  "+s.Title.Render(pv.name)+s.Muted.Render("  "+desc), w)}
	colName := func(i int) string {
		if i < 0 {
			return "(none)"
		}
		return pv.header[i]
	}
	choice := func(i int, label string, col int, help string) string {
		marker := "  "
		val := s.Value.Render("◂ " + colName(col) + " ▸")
		if cs.colFocus == i {
			marker = s.FilterPrompt.Render(symCursor + " ")
			val = s.Selected.Render("◂ " + colName(col) + " ▸")
		}
		return truncate(marker+s.Label.Render(fit(label, formLabelW))+val+"  "+s.Dim.Render(help), w)
	}
	out = append(out, choice(0, "ID column", cs.idCol, "duplicates are flagged"), choice(1, "Date column", cs.dateCol, "dates outside the period are flagged"))
	orders := map[model.DateOrder]string{model.DateOrderUnknown: "from the data", model.DateOrderDayFirst: "day-first (DD/MM)", model.DateOrderMonthFirst: "month-first (MM/DD)"}
	marker, val := "  ", s.Value.Render("◂ "+orders[cs.dateOrder]+" ▸")
	if cs.colFocus == 2 {
		marker, val = s.FilterPrompt.Render(symCursor+" "), s.Selected.Render("◂ "+orders[cs.dateOrder]+" ▸")
	}
	out = append(out, truncate(marker+s.Label.Render(fit("Dates", formLabelW))+val+"  "+s.Dim.Render("how 07/03/2026 reads"), w))
	if p.needsReason() {
		marker := "  "
		if cs.colFocus == reasonField {
			marker = s.FilterPrompt.Render(symCursor + " ")
		}
		out = append(out, marker+s.Label.Render(fit("Reason *", formLabelW))+cs.reasonIn.View())
	}
	if p.st.pop != nil {
		warn := fmt.Sprintf("%s Replaces the current population (%s, %s rows)", symFlag, oneLine(p.st.pop.SourceName), thousands(p.st.pop.Rows))
		if p.st.sel != nil {
			warn += " and its sample"
		}
		out = append(out, s.Hint.Render(truncate(warn+".", w)))
	}
	out = append(out, "")
	out = append(out, cs.previewTable(p, w)...)
	return out
}

// previewTable lays the first rows out in columns; the chosen ID and date
// columns come first, marked.
func (cs *columnsStep) previewTable(p *samplingPage, w int) []string {
	s := p.styles
	pv := cs.pv
	order := []int{}
	if cs.idCol >= 0 {
		order = append(order, cs.idCol)
	}
	if cs.dateCol >= 0 && cs.dateCol != cs.idCol {
		order = append(order, cs.dateCol)
	}
	for i := range pv.header {
		if i != cs.idCol && i != cs.dateCol {
			order = append(order, i)
		}
	}
	widths := make([]int, len(order))
	for j, c := range order {
		wd := displayWidth(pv.header[c])
		switch c {
		case cs.idCol:
			wd += 3
		case cs.dateCol:
			wd += 5
		}
		for _, r := range pv.rows {
			if c < len(r) {
				wd = max(wd, displayWidth(r[c]))
			}
		}
		widths[j] = min(wd, 24)
	}
	line := func(cells func(c int) string, style func(j int, t string) string) string {
		var b strings.Builder
		used := 0
		for j, c := range order {
			if used+widths[j] > w {
				break
			}
			b.WriteString(style(j, fit(cells(c), widths[j])))
			b.WriteString(" ")
			used += widths[j] + 1
		}
		return b.String()
	}
	head := line(func(c int) string {
		switch c {
		case cs.idCol:
			return "ID:" + pv.header[c]
		case cs.dateCol:
			return "date:" + pv.header[c]
		}
		return pv.header[c]
	}, func(j int, t string) string {
		if order[j] == cs.idCol || order[j] == cs.dateCol {
			return s.Title.Render(t)
		}
		return s.Label.Render(t)
	})
	out := []string{head}
	for _, r := range pv.rows {
		out = append(out, line(func(c int) string {
			if c < len(r) {
				return r[c]
			}
			return ""
		}, func(_ int, t string) string { return t }))
	}
	if len(pv.rows) == 0 {
		out = append(out, s.Hint.Render("The file has a header but no rows: an empty population means the control did not operate."))
	}
	return out
}

func (im *importStep) view(p *samplingPage) []string {
	s := p.styles
	w := p.width
	out := []string{truncate(s.Section.Render("Importing")+"  "+s.Title.Render(p.pvName())+s.Muted.Render(" into "+oneLine(p.ref)), w), ""}
	est := 0
	if p.pv != nil {
		est = p.pv.estRows
	}
	count := thousands(im.rows) + " rows read"
	if est > 0 {
		// The estimate comes from the preview's bytes per row: the bar
		// stops short of the end until the import says it is done.
		done := min(im.rows, est*99/100)
		out = append(out, bar(s, done, est, im.barW)+fmt.Sprintf(" %3d%%", done*100/max(est, 1)))
		count += " of about " + thousands(est)
	} else {
		out = append(out, bar(s, 0, 1, im.barW))
	}
	out = append(out, s.Value.Render(count), "",
		s.Muted.Render(truncate("The file is hashed and stored in one transaction: nothing is kept until it finishes.", w)),
		s.Hint.Render(truncate("esc cancels the import.", w)))
	return out
}

func (fl *flagsStep) view(p *samplingPage) []string {
	s := p.styles
	w := p.width
	pop := p.st.pop
	if pop == nil {
		return []string{s.Dim.Render("No population yet.")}
	}
	out := []string{
		truncate(s.Section.Render("Population")+"  "+s.Title.Render(oneLine(pop.SourceName))+s.Muted.Render(fmt.Sprintf("  %s rows%sSHA-256 %s", thousands(pop.Rows), symSep, shortHash(pop.SHA256))), w),
		truncate(s.Label.Render("Flags  ")+flagsText(s, pop), w),
		"",
	}
	total := len(fl.flagged.Items())
	head := fmt.Sprintf("Flagged rows (%d)", total)
	if total == maxFlagged {
		head = fmt.Sprintf("Flagged rows (the first %d)", maxFlagged)
	}
	out = append(out, s.Section.Render(head))
	out = append(out, s.Label.Render(truncate(fmt.Sprintf("  %7s %7s  %-16s %-10s  %s", "item", "row", "ID", "date", "flags"), w)))
	out = append(out, strings.Split(fl.flagged.View(), "\n")...)
	return out
}

func (p *samplingPage) renderFlagged(r model.PopulationRow, w int, selected bool) string {
	marker := "  "
	if selected {
		marker = symCursor + " "
	}
	line := fmt.Sprintf("%s%7d %7d  %s %s  %s", marker, r.Position, r.SourceRow, fit(oneLine(r.ID), 16), fit(r.Date, 10), symFlag+" "+strings.Join(r.Flags, ", "))
	if selected {
		return p.styles.Selected.Render(fit(line, w))
	}
	return fit(line, w)
}

// The import takes no key of its own: while it runs, the wizard's cancel.
func (im *importStep) key(*samplingPage, tea.KeyMsg) tea.Cmd { return nil }

func (fl *flagsStep) key(p *samplingPage, msg tea.KeyMsg) tea.Cmd {
	k := p.keys
	switch {
	case key.Matches(msg, k.WizNext):
		return p.goTo(stepPlan)
	case key.Matches(msg, k.WizImport), key.Matches(msg, k.WizPrev):
		return p.goTo(stepFile)
	}
	_, cmd := fl.flagged.Update(msg)
	return cmd
}

func (cs *columnsStep) help(p *samplingPage) []key.Binding { return p.changeKeys("import") }

func (im *importStep) help(*samplingPage) []key.Binding { return nil }

func (fl *flagsStep) help(p *samplingPage) []key.Binding {
	return []key.Binding{p.nextAs("plan"), p.keys.WizImport}
}
