package tui

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/dustin/go-humanize"

	"github.com/fieldwork-audit/fieldwork/export"
	"github.com/fieldwork-audit/fieldwork/model"
)

// exportSectionLabels word the workbook's sections for the checklist.
var exportSectionLabels = map[export.Section]string{
	export.SectionCover:         "Cover",
	export.SectionMatrix:        "Criteria matrix",
	export.SectionSection4:      "Section 4",
	export.SectionTests:         "Control tests, a sheet each",
	export.SectionExceptions:    "Exception log",
	export.SectionNotes:         "Review notes",
	export.SectionPBC:           "Client requests (PBC)",
	export.SectionInterviews:    "Interviews",
	export.SectionComplementary: "CUECs and CSOCs",
	export.SectionOpinion:       "Opinion draft",
}

// exportRunner runs an export; tests replace it.
var exportRunner = export.Write

// exportEvent is the export's progress or its end.
type exportEvent struct {
	id          int64
	done, total int
	finished    bool
	result      *export.Result
	err         error
}

// startExport runs the export in the background. Progress comes back on a
// channel the page waits on, one message at a time; the last message
// carries the result. It captures values only.
func startExport(ctx context.Context, wp *model.Workpaper, id int64, opt export.Options) (<-chan exportEvent, tea.Cmd) {
	ch := make(chan exportEvent, 16)
	run := func() tea.Msg {
		go func() {
			res, err := exportRunner(ctx, wp, opt, func(done, total int) {
				select {
				case ch <- exportEvent{id: id, done: done, total: total}:
				default: // the screen is behind: it will see a later step
				}
			})
			ch <- exportEvent{id: id, finished: true, result: res, err: err}
			close(ch)
		}()
		return waitExport(ch)()
	}
	return ch, run
}

func waitExport(ch <-chan exportEvent) tea.Cmd {
	return func() tea.Msg {
		ev, ok := <-ch
		if !ok {
			return nil
		}
		return ev
	}
}

// exportRow is a line of the export screen's checklist.
type exportRow int

const (
	rowPath exportRow = iota
	rowSections
)

// exportPage writes the workpaper to an Excel workbook: the file's name,
// the sections, whether to add the audit trail and to replace an existing
// file; x runs it with a progress bar, esc cancels.
type exportPage struct {
	common
	path      textinput.Model
	editing   bool
	sections  []export.Section
	chosen    map[export.Section]bool
	trail     bool
	force     bool
	cursor    int
	running   bool
	cancel    context.CancelFunc
	ch        <-chan exportEvent
	reqID     int64
	done      int
	total     int
	result    *export.Result
	err       error
	cancelled bool
	started   time.Time
	version   string
}

func newExportPage(c common, version string) *exportPage {
	ti := textinput.New()
	ti.Prompt = ""
	ti.Cursor.SetMode(cursor.CursorStatic)
	ti.Cursor.Style = c.styles.Selected
	ti.CharLimit = 4096
	ti.SetValue(export.DefaultPath(c.wp.Path(), c.now()))
	p := &exportPage{common: c, path: ti, chosen: map[export.Section]bool{}, version: version}
	for _, s := range export.DefaultSections {
		p.sections = append(p.sections, s)
		p.chosen[s] = true
	}
	return p
}

// rows: the path, each section, the trail, replace, the button.
func (p *exportPage) rowCount() int { return 1 + len(p.sections) + 3 }

func (p *exportPage) rowTrail() int  { return 1 + len(p.sections) }
func (p *exportPage) rowForce() int  { return 2 + len(p.sections) }
func (p *exportPage) rowButton() int { return 3 + len(p.sections) }
func (p *exportPage) Init() tea.Cmd  { return nil }
func (p *exportPage) Title() string  { return tabExport.String() }
func (p *exportPage) InputFocused() bool {
	return p.editing
}
func (p *exportPage) HandlesBack() bool { return p.editing || p.running }

func (p *exportPage) Busy() string {
	if !p.running {
		return ""
	}
	if p.total > 0 {
		return fmt.Sprintf("exporting… step %d of %d", p.done, p.total)
	}
	return "exporting…"
}

func (p *exportPage) SetData(d *snapshot) tea.Cmd { return nil }

func (p *exportPage) SetSize(width, height int) {
	p.common.SetSize(width, height)
	p.path.Width = max(1, width-formLabelW-4)
}

// Discard stops a running export when the screen is thrown away.
func (p *exportPage) Discard() {
	if p.cancel != nil {
		p.cancel()
	}
}

// Unsaved keeps the user from quitting in the middle of an export.
func (p *exportPage) Unsaved() string {
	if p.running {
		return "the export that is running"
	}
	return ""
}

func (p *exportPage) Update(msg tea.Msg) (page, tea.Cmd) {
	switch msg := msg.(type) {
	case exportEvent:
		if msg.id != p.reqID {
			return p, nil
		}
		if !msg.finished {
			p.done, p.total = msg.done, msg.total
			return p, waitExport(p.ch)
		}
		p.running = false
		p.cancel = nil
		if msg.err != nil {
			p.err = msg.err
			if errors.Is(msg.err, context.Canceled) {
				p.cancelled, p.err = true, nil
				return p, statusCmd("Export cancelled: nothing was written.")
			}
			return p, errCmd(msg.err)
		}
		p.result = msg.result
		p.done = p.total
		return p, statusCmd("Wrote " + msg.result.Path + ".")
	case tea.KeyMsg:
		return p, p.key(msg)
	case tea.MouseMsg:
		if msg.Action == tea.MouseActionPress && msg.Button == tea.MouseButtonLeft && !p.running {
			row := p.rowAt(msg.X, msg.Y)
			if row >= 0 {
				if row == p.cursor {
					return p, p.toggle()
				}
				p.cursor = row
			}
		}
		if msg.Action == tea.MouseActionPress && msg.Button == tea.MouseButtonWheelDown {
			p.cursor = min(p.cursor+1, p.rowCount()-1)
		}
		if msg.Action == tea.MouseActionPress && msg.Button == tea.MouseButtonWheelUp {
			p.cursor = max(p.cursor-1, 0)
		}
	}
	return p, nil
}

func (p *exportPage) key(msg tea.KeyMsg) tea.Cmd {
	k := p.keys
	if p.editing {
		switch msg.Type {
		case tea.KeyEnter, tea.KeyEsc, tea.KeyTab:
			p.editing = false
			p.path.Blur()
			p.path.SetValue(strings.TrimSpace(p.path.Value()))
			return nil
		}
		var cmd tea.Cmd
		p.path, cmd = p.path.Update(msg)
		return cmd
	}
	if p.running {
		if key.Matches(msg, k.CancelRun) && p.cancel != nil {
			p.cancel()
		}
		return nil
	}
	switch {
	case key.Matches(msg, k.Up):
		p.cursor = max(p.cursor-1, 0)
	case key.Matches(msg, k.Down):
		p.cursor = min(p.cursor+1, p.rowCount()-1)
	case key.Matches(msg, k.Top):
		p.cursor = 0
	case key.Matches(msg, k.Bottom):
		p.cursor = p.rowCount() - 1
	case key.Matches(msg, k.EditRecord):
		p.cursor = int(rowPath)
		return p.toggle()
	case key.Matches(msg, k.ToggleItem):
		return p.toggle()
	case key.Matches(msg, k.ToggleAll):
		all := true
		for _, s := range p.sections {
			all = all && p.chosen[s]
		}
		for _, s := range p.sections {
			p.chosen[s] = !all
		}
	case key.Matches(msg, k.IncludeTrail):
		p.trail = !p.trail
	case key.Matches(msg, k.RunExport):
		return p.run()
	}
	return nil
}

// toggle acts on the row under the cursor.
func (p *exportPage) toggle() tea.Cmd {
	switch r := p.cursor; {
	case r == int(rowPath):
		p.editing = true
		p.path.CursorEnd()
		return p.path.Focus()
	case r < p.rowTrail():
		s := p.sections[r-1]
		p.chosen[s] = !p.chosen[s]
	case r == p.rowTrail():
		p.trail = !p.trail
	case r == p.rowForce():
		p.force = !p.force
	case r == p.rowButton():
		return p.run()
	}
	return nil
}

func (p *exportPage) run() tea.Cmd {
	var secs []export.Section
	for _, s := range p.sections {
		if p.chosen[s] {
			secs = append(secs, s)
		}
	}
	if len(secs) == 0 && !p.trail {
		return errCmd(errors.New("choose at least one section to export"))
	}
	if len(secs) == 0 {
		secs = []export.Section{export.SectionTrail}
	}
	path := strings.TrimSpace(p.path.Value())
	if path == "" {
		return errCmd(errors.New("type the workbook's file name first"))
	}
	if !filepath.IsAbs(path) && filepath.Dir(path) == "." {
		path = filepath.Join(filepath.Dir(p.wp.Path()), path)
	}
	opt := export.Options{
		Path: path, Force: p.force, Sections: secs, IncludeTrail: p.trail && len(secs) > 0,
		Version: p.version, User: p.wp.User(), Now: p.now(), Location: p.now().Location(),
	}
	ctx, cancel := context.WithCancel(p.ctx)
	p.cancel = cancel
	p.reqID = nextRequestID()
	p.running, p.done, p.total, p.result, p.err, p.cancelled = true, 0, 0, nil, nil, false
	p.started = p.now()
	ch, cmd := startExport(ctx, p.wp, p.reqID, opt)
	p.ch = ch
	return tea.Batch(cmd, busyCmd)
}

// exportHit is where a row of the checklist is drawn, for the mouse.
type exportHit struct{ row, y, x0, x1 int }

// rowAt maps a click to a row of the checklist, -1 when it missed.
func (p *exportPage) rowAt(x, y int) int {
	_, hits := p.render()
	for _, h := range hits {
		if h.y == y && x >= h.x0 && x < h.x1 {
			return h.row
		}
	}
	return -1
}

func (p *exportPage) View() string {
	if p.height <= 0 {
		return ""
	}
	lines, _ := p.render()
	return strings.Join(lines, "\n")
}

// render lays the screen out: on a short terminal without the intro and
// with the sections in two columns, so that the progress always shows.
func (p *exportPage) render() ([]string, []exportHit) {
	s := p.styles
	w := p.width
	compact := p.height < 15+len(p.sections)
	var lines []string
	var hits []exportHit
	active := func(row int) bool { return row == p.cursor && !p.editing && !p.running }
	marker := func(row int) string {
		if active(row) {
			return s.FilterPrompt.Render(symCursor + " ")
		}
		return "  "
	}
	check := func(row int, on bool, label string) string {
		box := "[ ] "
		if on {
			box = "[x] "
		}
		if active(row) {
			return marker(row) + s.Selected.Render(box+label)
		}
		return marker(row) + box + label
	}
	hit := func(row, x0, x1 int) { hits = append(hits, exportHit{row: row, y: len(lines), x0: x0, x1: x1}) }
	if !compact {
		lines = append(lines, truncate(s.Muted.Render("Write the workpaper to an Excel workbook for the firm's report templates."), w), "")
	}
	pathView := s.Value.Render(truncate(oneLine(p.path.Value()), max(1, w-formLabelW-4)))
	if p.editing {
		pathView = p.path.View()
	}
	hit(int(rowPath), 0, w)
	lines = append(lines, truncate(marker(int(rowPath))+s.Label.Render(fit("Workbook", formLabelW))+pathView, w))
	lines = append(lines, "", s.Section.Render("Sections"))
	label := func(sec export.Section) string {
		if l := exportSectionLabels[sec]; l != "" {
			return l
		}
		return string(sec)
	}
	if compact && w >= 60 {
		colW := w / 2
		half := (len(p.sections) + 1) / 2
		for i := range half {
			hit(i+1, 0, colW)
			line := fit(check(i+1, p.chosen[p.sections[i]], label(p.sections[i])), colW)
			if j := i + half; j < len(p.sections) {
				hit(j+1, colW, w)
				line += check(j+1, p.chosen[p.sections[j]], label(p.sections[j]))
			}
			lines = append(lines, truncate(line, w))
		}
	} else {
		for i, sec := range p.sections {
			hit(i+1, 0, w)
			lines = append(lines, truncate(check(i+1, p.chosen[sec], label(sec)), w))
		}
	}
	lines = append(lines, "")
	hit(p.rowTrail(), 0, w)
	lines = append(lines, truncate(check(p.rowTrail(), p.trail, "Include the audit trail ("+p.keys.IncludeTrail.Help().Key+"): every change, a row each"), w))
	hit(p.rowForce(), 0, w)
	lines = append(lines, truncate(check(p.rowForce(), p.force, "Replace the workbook if it exists"), w))
	lines = append(lines, "")
	button := "[ Export ]"
	if active(p.rowButton()) {
		button = s.Selected.Render(button)
	}
	hit(p.rowButton(), 0, 14)
	lines = append(lines, truncate(marker(p.rowButton())+button+"  "+s.Dim.Render(p.keys.RunExport.Help().Key+" exports from anywhere on this screen"), w))
	if st := p.statusLines(w); len(st) > 0 {
		lines = append(append(lines, ""), st...)
	}
	return lines, hits
}

// statusLines show the export's progress or outcome.
func (p *exportPage) statusLines(w int) []string {
	s := p.styles
	switch {
	case p.running:
		barW := max(5, min(50, w-30))
		done, total := p.done, max(p.total, 1)
		line := bar(s, done, total, barW) + fmt.Sprintf("  step %d of %d", done, p.total)
		if p.total == 0 {
			line = bar(s, 0, 1, barW) + "  starting…"
		}
		return []string{truncate(line, w), s.Dim.Render(truncate(p.keys.CancelRun.Help().Key+" cancels; nothing is left behind.", w))}
	case p.result != nil:
		r := p.result
		return []string{
			s.Covered.Render(truncate(symCovered+" Wrote "+oneLine(r.Path), w)),
			s.Muted.Render(truncate(fmt.Sprintf("  %s%s%s%s%s", plural(len(r.Sheets), "sheet", "sheets"), symSep,
				humanize.Bytes(uint64(r.Bytes)), symSep, "in "+r.Elapsed.Round(10*time.Millisecond).String()), w)),
		}
	case p.cancelled:
		return []string{s.Hint.Render(truncate(symAtRisk+" Cancelled: nothing was written.", w))}
	case p.err != nil:
		out := []string{s.Gap.Render(truncate(symGap+" The export failed:", w))}
		for _, l := range wrap(errorText(p.err), max(1, w-2)) {
			out = append(out, "  "+l)
		}
		if errors.Is(p.err, export.ErrExists) {
			out = append(out, s.Hint.Render(truncate("  Tick “Replace the workbook if it exists”, or change the name.", w)))
		}
		return out
	}
	return nil
}

func (p *exportPage) ShortHelp() []key.Binding {
	switch {
	case p.editing:
		return []key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "done"))}
	case p.running:
		return []key.Binding{p.keys.CancelRun}
	}
	return shortFitTop(p.width, p.keys.RunExport, p.keys.ToggleItem, p.keys.ToggleAll, p.keys.IncludeTrail)
}

func (p *exportPage) FullHelp() [][]key.Binding {
	switch {
	case p.editing, p.running:
		return [][]key.Binding{p.ShortHelp()}
	}
	return [][]key.Binding{{p.keys.Up, p.keys.Down, p.keys.Top, p.keys.Bottom}, {p.keys.RunExport, p.keys.ToggleItem, p.keys.ToggleAll, p.keys.IncludeTrail, p.keys.EditRecord}}
}
