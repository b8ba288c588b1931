package tui

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/fieldwork-audit/fieldwork/model"
	"github.com/fieldwork-audit/fieldwork/tui/widget/confirm"
	"github.com/fieldwork-audit/fieldwork/tui/widget/list"
)

func (t noteTarget) String() string {
	if t.kind == "engagement" || t.ref == "" {
		return "the engagement"
	}
	return t.kind + " " + t.ref
}

// notesLoadedMsg carries every review note.
type notesLoadedMsg struct {
	id    int64
	notes []model.ReviewNote
	err   error
}

func loadNotes(ctx context.Context, wp *model.Workpaper, id int64) tea.Cmd {
	return readCmd(ctx, func(ctx context.Context) tea.Msg {
		notes, err := wp.Notes(ctx, "")
		return notesLoadedMsg{id: id, notes: notes, err: err}
	})
}

// noteWrittenMsg answers a respond or clear run from a list or a detail.
type noteWrittenMsg struct {
	id   int64
	done string
	err  error
}

// clearNote clears a review note; it captures values only.
func clearNote(ctx context.Context, wp *model.Workpaper, id int64, ref string) tea.Cmd {
	return func() tea.Msg {
		err := withWriteTimeout(ctx, func(ctx context.Context) error { return wp.ClearNote(ctx, ref) })
		return noteWrittenMsg{id: id, done: "Review note " + ref + " cleared.", err: err}
	}
}

// Which notes the list shows, by state.
type noteStateFilter int

const (
	notesOutstanding noteStateFilter = iota // open and responded
	notesOpen
	notesResponded
	notesCleared
	notesAll
	numNoteFilters
)

func (f noteStateFilter) String() string {
	return [...]string{"outstanding", "open", "responded", "cleared", "all"}[f]
}

func (f noteStateFilter) keeps(st model.NoteState) bool {
	switch f {
	case notesOutstanding:
		return st != model.NoteCleared
	case notesOpen:
		return st == model.NoteOpen
	case notesResponded:
		return st == model.NoteResponded
	case notesCleared:
		return st == model.NoteCleared
	}
	return true
}

// unassigned is the assignee filter's name for notes with no assignee.
const unassigned = "(nobody)"

// notesPage lists the review notes, filtered by state (s) and assignee
// (a) and by text (/); R responds, x clears, N opens a new one.
type notesPage struct {
	listPage[model.ReviewNote]
	all      []model.ReviewNote
	state    noteStateFilter
	assignee string // "" all
	writeID  int64
	ask      confirm.Model // "clear this note?"
	targetW  int
	assignW  int
}

func newNotesPage(c common) *notesPage {
	p := &notesPage{listPage: newListPage[model.ReviewNote](c, "Review notes", "the review notes"), ask: newConfirm(c)}
	p.loadCmd = func(id int64) tea.Cmd { return loadNotes(p.ctx, p.wp, id) }
	p.list = newList(c, list.Config[model.ReviewNote]{
		ID:     func(n model.ReviewNote) string { return n.Ref },
		Filter: filterNotes,
		Render: p.renderRow,
		Empty:  "Reading the review notes…",
	})
	return p
}

func filterNotes(ns []model.ReviewNote, q string) []model.ReviewNote {
	return filterBy(ns, q, func(n model.ReviewNote) []string {
		return []string{n.Ref, n.TargetRef, n.TargetKind, n.Assignee, n.CreatedBy, oneLine(n.Text), oneLine(n.Response)}
	})
}

func (p *notesPage) InputFocused() bool { return p.list.Editing() || p.ask.Asking() }
func (p *notesPage) HandlesBack() bool {
	return p.list.Editing() || p.list.Filtered() || p.ask.Asking()
}

func (p *notesPage) SetSize(width, height int) {
	p.common.SetSize(width, height)
	p.list.SetSize(width, height-2)
}

// apply shows the notes the state and assignee filters keep.
func (p *notesPage) apply() {
	var rows []model.ReviewNote
	for _, n := range p.all {
		if !p.state.keeps(n.State) {
			continue
		}
		if p.assignee != "" && assigneeOf(n) != p.assignee {
			continue
		}
		rows = append(rows, n)
	}
	p.list.SetEmpty(fmt.Sprintf("No %s review notes%s. %s changes the state shown, %s opens a note.",
		p.state, p.assigneeWords(), p.keys.NoteState.Help().Key, p.keys.NewNote.Help().Key))
	if len(p.all) == 0 {
		p.list.SetEmpty("No review notes yet. " + p.keys.NewNote.Help().Key + " opens one (the reviewer's question or instruction the preparer must clear).")
	}
	p.list.SetItems(rows)
}

func (p *notesPage) assigneeWords() string {
	if p.assignee == "" {
		return ""
	}
	return " for " + p.assignee
}

func assigneeOf(n model.ReviewNote) string {
	if a := oneLine(n.Assignee); a != "" {
		return a
	}
	return unassigned
}

// assignees lists the assignees of the notes, sorted.
func (p *notesPage) assignees() []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range p.all {
		a := assigneeOf(n)
		if !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	sort.Strings(out)
	return out
}

func (p *notesPage) Update(msg tea.Msg) (page, tea.Cmd) {
	switch msg := msg.(type) {
	case notesLoadedMsg:
		if fresh, cmd := answered(p.reqID, &p.loading, msg.id, msg.err); !fresh || cmd != nil {
			return p, cmd
		}
		p.loaded, p.all = true, msg.notes
		p.targetW, p.assignW = 10, 8
		for _, n := range p.all {
			p.targetW = max(p.targetW, min(16, len([]rune(noteTargetText(n)))))
			p.assignW = max(p.assignW, min(16, len([]rune(assigneeOf(n)))))
		}
		p.apply()
		return p, nil
	case noteWrittenMsg:
		return p, p.wrote(p.writeID, msg.id, msg.err, msg.done)
	case tea.KeyMsg:
		if p.ask.Asking() {
			return p, p.answer(msg)
		}
		if p.list.Editing() {
			break
		}
		k := p.keys
		switch {
		case key.Matches(msg, k.Open):
			return p, p.open()
		case key.Matches(msg, k.NoteState):
			p.state = (p.state + 1) % numNoteFilters
			p.apply()
			return p, nil
		case key.Matches(msg, k.NoteAssignee):
			as := p.assignees()
			next := ""
			if p.assignee == "" && len(as) > 0 {
				next = as[0]
			} else {
				for i, a := range as {
					if a == p.assignee && i+1 < len(as) {
						next = as[i+1]
					}
				}
			}
			p.assignee = next
			p.apply()
			return p, nil
		case key.Matches(msg, k.Respond):
			if n, ok := p.list.Selected(); ok {
				return p, respondCmd(p.common, n)
			}
			return p, nil
		case key.Matches(msg, k.ClearNote):
			if n, ok := p.list.Selected(); ok {
				return p, p.askClear(n)
			}
			return p, nil
		}
	}
	return p, p.listInput(msg, 2, p.open)
}

func (p *notesPage) open() tea.Cmd {
	if n, ok := p.list.Selected(); ok {
		return pushCmd(newNoteDetailPage(p.common, n.Ref))
	}
	return nil
}

// askClear asks before clearing: clearing closes the note for good.
func (p *notesPage) askClear(n model.ReviewNote) tea.Cmd {
	if ro := p.refuseReadOnly(); ro != nil {
		return ro
	}
	if n.State == model.NoteCleared {
		return errCmd(fmt.Errorf("review note %s is already cleared", n.Ref))
	}
	prompt := fmt.Sprintf("Clear %s as %s? The note closes for good. %s clears, %s keeps it open.",
		n.Ref, oneLine(p.wp.User()), p.keys.Yes.Help().Key, p.keys.No.Help().Key)
	if n.State == model.NoteOpen {
		prompt = fmt.Sprintf("%s has no response yet. Clear it anyway as %s? %s clears, %s keeps it open.",
			n.Ref, oneLine(p.wp.User()), p.keys.Yes.Help().Key, p.keys.No.Help().Key)
	}
	ref := n.Ref
	p.ask.AskPrompt(prompt, func() tea.Cmd {
		p.writeID = nextRequestID()
		return tea.Batch(clearNote(p.ctx, p.wp, p.writeID, ref), busyCmd)
	})
	return nil
}

func (p *notesPage) answer(msg tea.KeyMsg) tea.Cmd {
	_, _, cmd := p.ask.Update(msg)
	return cmd
}

// respondCmd opens the response form for a note.
func respondCmd(c common, n model.ReviewNote) tea.Cmd {
	if ro := c.refuseReadOnly(); ro != nil {
		return ro
	}
	if n.State == model.NoteCleared {
		return errCmd(fmt.Errorf("review note %s is already cleared", n.Ref))
	}
	return pushCmd(newRespondForm(c, n))
}

func (p *notesPage) NoteTarget() (noteTarget, bool) {
	return noteTarget{kind: "engagement"}, true
}

func (p *notesPage) TrailScope() (trailScope, bool) {
	return p.selectedScope(func(n model.ReviewNote) trailScope {
		return trailScope{record: n.UUID, label: "review note " + n.Ref}
	})
}

func (p *notesPage) View() string {
	if p.height <= 0 {
		return ""
	}
	return p.summary() + "\n" + p.filters() + "\n" + questionOver(p.list.View(), p.ask, p.width)
}

func (p *notesPage) summary() string {
	s := p.styles
	if !p.loaded {
		return ""
	}
	counts := map[model.NoteState]int{}
	for _, n := range p.all {
		counts[n.State]++
	}
	left := s.Muted.Render(plural(len(p.all), "note", "notes")+symSep) +
		s.note(model.NoteOpen).Render(fmt.Sprintf("%s %d open", noteSymbol(model.NoteOpen), counts[model.NoteOpen])) + s.Muted.Render(symSep) +
		s.note(model.NoteResponded).Render(fmt.Sprintf("%s %d responded", noteSymbol(model.NoteResponded), counts[model.NoteResponded])) + s.Muted.Render(symSep) +
		s.note(model.NoteCleared).Render(fmt.Sprintf("%s %d cleared", noteSymbol(model.NoteCleared), counts[model.NoteCleared]))
	right := listWhere(s, &p.list, func(n model.ReviewNote) string { return n.Ref })
	return spread(left, right, p.width)
}

func (p *notesPage) filters() string {
	s := p.styles
	who := "anyone"
	if p.assignee != "" {
		who = p.assignee
	}
	return truncate(s.Label.Render("Showing ")+s.Value.Render(p.state.String())+s.Muted.Render(" ("+p.keys.NoteState.Help().Key+")")+
		s.Label.Render("  assigned to ")+s.Value.Render(who)+s.Muted.Render(" ("+p.keys.NoteAssignee.Help().Key+")"), p.width)
}

// noteTargetText is what a note is about, short.
func noteTargetText(n model.ReviewNote) string {
	if n.TargetKind == "engagement" || n.TargetRef == "" {
		return "engagement"
	}
	return oneLine(n.TargetRef)
}

func (p *notesPage) renderRow(n model.ReviewNote, w int, selected bool) string {
	s := p.styles
	marker := "  "
	if selected {
		marker = symCursor + " "
	}
	ref := fit(oneLine(n.Ref), 7)
	st := fit(noteSymbol(n.State)+" "+noteWord(n.State), 11)
	target := fit(noteTargetText(n), p.targetW)
	assignee := fit(assigneeOf(n), p.assignW)
	fixed := 2 + 7 + 1 + 11 + 2 + p.targetW + 2 + p.assignW + 2
	text := fit(oneLine(n.Text), max(0, w-fixed))
	if selected {
		return s.Selected.Render(fit(marker+ref+" "+st+"  "+target+"  "+assignee+"  "+text, w))
	}
	return fit(marker+s.Title.Render(ref)+" "+s.note(n.State).Render(st)+"  "+target+"  "+s.Muted.Render(assignee)+"  "+text, w)
}

func (p *notesPage) ShortHelp() []key.Binding {
	if p.ask.Asking() {
		return p.keys.confirmHelp()
	}
	if p.list.Editing() {
		return p.list.ShortHelp()
	}
	var b []key.Binding
	if !p.readOnly() {
		b = append(b, p.keys.Respond, p.keys.ClearNote, p.keys.NewNote)
	}
	return shortFitTop(p.width, append(b, p.keys.NoteState, p.keys.Open)...)
}

func (p *notesPage) FullHelp() [][]key.Binding {
	if p.ask.Asking() {
		return [][]key.Binding{p.keys.confirmHelp()}
	}
	if p.list.Editing() {
		return p.list.FullHelp()
	}
	rec := []key.Binding{p.keys.Open, p.keys.History}
	if !p.readOnly() {
		rec = append(rec, p.keys.Respond, p.keys.ClearNote, p.keys.NewNote)
	}
	return listFullHelp(p.list.FullHelp(), append([]key.Binding{p.keys.NoteState, p.keys.NoteAssignee}, rec...))
}

// noteDetailPage is one review note in full.
type noteDetailPage struct {
	detailPage
	n       model.ReviewNote
	writeID int64
	ask     confirm.Model // "clear this note?"
}

func newNoteDetailPage(c common, ref string) *noteDetailPage {
	p := &noteDetailPage{detailPage: newDetailPage(c, ref, "review note"), ask: newConfirm(c)}
	p.loadCmd = func(id int64) tea.Cmd { return loadNotes(p.ctx, p.wp, id) }
	p.render = p.renderText
	p.below = func() int {
		if p.ask.Asking() {
			return 1
		}
		return 0
	}
	return p
}

func (p *noteDetailPage) InputFocused() bool { return p.ask.Asking() }
func (p *noteDetailPage) HandlesBack() bool  { return p.ask.Asking() }

func (p *noteDetailPage) NoteTarget() (noteTarget, bool) {
	if !p.found {
		return noteTarget{kind: "engagement"}, true
	}
	return noteTarget{kind: p.n.TargetKind, ref: p.n.TargetRef}, true
}

func (p *noteDetailPage) TrailScope() (trailScope, bool) {
	return p.scope(p.n.UUID, "review note "+p.n.Ref)
}

func (p *noteDetailPage) Update(msg tea.Msg) (page, tea.Cmd) {
	switch msg := msg.(type) {
	case notesLoadedMsg:
		if fresh, cmd := p.answered(msg.id, msg.err); !fresh {
			return p, cmd
		}
		for _, n := range msg.notes {
			if strings.EqualFold(n.Ref, p.ref) {
				p.n, p.found = n, true
			}
		}
		p.layout()
		return p, nil
	case noteWrittenMsg:
		return p, p.wrote(p.writeID, msg.id, msg.err, msg.done)
	case tea.KeyMsg:
		k := p.keys
		if p.ask.Asking() {
			if answered, _, cmd := p.ask.Update(msg); answered {
				p.layout()
				return p, cmd
			}
			return p, nil
		}
		switch {
		case key.Matches(msg, k.Respond):
			if p.found {
				return p, respondCmd(p.common, p.n)
			}
			return p, nil
		case key.Matches(msg, k.ClearNote):
			if !p.found {
				return p, nil
			}
			if ro := p.refuseReadOnly(); ro != nil {
				return p, ro
			}
			if p.n.State == model.NoteCleared {
				return p, errCmd(fmt.Errorf("review note %s is already cleared", p.n.Ref))
			}
			ref := p.n.Ref
			p.ask.AskPrompt(fmt.Sprintf("Clear %s as %s? %s clears, %s keeps it open.", ref, oneLine(p.wp.User()), k.Yes.Help().Key, k.No.Help().Key), func() tea.Cmd {
				p.writeID = nextRequestID()
				return tea.Batch(clearNote(p.ctx, p.wp, p.writeID, ref), busyCmd)
			})
			p.layout()
			return p, nil
		case key.Matches(msg, k.Open):
			return p, p.openTarget()
		}
	}
	return p, p.scrollInput(msg)
}

// openTarget opens what the note is about.
func (p *noteDetailPage) openTarget() tea.Cmd {
	if !p.found {
		return nil
	}
	switch p.n.TargetKind {
	case "control":
		return openControl(p.n.TargetRef)
	case "exception":
		return pushCmd(newExcDetailPage(p.common, p.n.TargetRef))
	}
	return nil
}

func (p *noteDetailPage) renderText(w int) []string {
	s := p.styles
	if w <= 0 {
		return nil
	}
	if lines, absent := p.absent(w, ""); absent {
		return lines
	}
	n := p.n
	head := s.Title.Render(oneLine(n.Ref)) + "  " + s.note(n.State).Render(noteSymbol(n.State)+" "+noteWord(n.State)) +
		s.Muted.Render(symSep+"on "+noteTarget{kind: n.TargetKind, ref: n.TargetRef}.String())
	out := []string{truncate(head, w), ""}
	tw := max(1, min(w-2, controlTextWidth))
	out = append(out, s.Section.Render("Note"))
	for _, l := range wrap(strings.TrimSpace(sanitize(n.Text)), tw) {
		out = append(out, "  "+l)
	}
	out = append(out, "")
	out = append(out, field(s, "Written by", oneLine(n.CreatedBy)+symSep+timeIn(n.CreatedAt, p.now), w)...)
	out = append(out, field(s, "Assigned to", orNone(n.Assignee), w)...)
	out = append(out, "", s.Section.Render("Response"))
	if strings.TrimSpace(n.Response) == "" {
		hint := "No response yet."
		if !p.readOnly() && n.State != model.NoteCleared {
			hint += " " + p.keys.Respond.Help().Key + " responds."
		}
		out = append(out, "  "+s.Hint.Render(truncate(hint, tw)))
	} else {
		for _, l := range wrap(strings.TrimSpace(sanitize(n.Response)), tw) {
			out = append(out, "  "+l)
		}
		out = append(out, "")
		out = append(out, field(s, "Responded by", oneLine(n.RespondedBy)+symSep+timeIn(n.RespondedAt, p.now), w)...)
	}
	if n.State == model.NoteCleared {
		out = append(out, field(s, "Cleared by", oneLine(n.ClearedBy)+symSep+timeIn(n.ClearedAt, p.now), w)...)
	}
	if n.TargetKind == "control" || n.TargetKind == "exception" {
		out = append(out, "", s.Dim.Render(truncate(p.keys.Open.Help().Key+" opens "+n.TargetKind+" "+oneLine(n.TargetRef)+".", w)))
	}
	return out
}

func (p *noteDetailPage) View() string {
	v := p.docView()
	if p.height > 0 && p.ask.Asking() {
		v += "\n" + p.styles.Hint.Render(truncate(p.ask.Prompt(), p.width))
	}
	return v
}

func (p *noteDetailPage) ShortHelp() []key.Binding {
	if p.ask.Asking() {
		return p.keys.confirmHelp()
	}
	var b []key.Binding
	if !p.readOnly() && p.found && p.n.State != model.NoteCleared {
		b = append(b, p.keys.Respond, p.keys.ClearNote)
	}
	if p.found && (p.n.TargetKind == "control" || p.n.TargetKind == "exception") {
		open := p.keys.Open
		open.SetHelp(open.Help().Key, "open "+p.n.TargetKind)
		b = append(b, open)
	}
	return shortFit(p.width, b...)
}

func (p *noteDetailPage) FullHelp() [][]key.Binding {
	if p.ask.Asking() {
		return [][]key.Binding{p.keys.confirmHelp()}
	}
	var rec []key.Binding
	if !p.readOnly() && p.found && p.n.State != model.NoteCleared {
		rec = append(rec, p.keys.Respond, p.keys.ClearNote)
	}
	rec = append(rec, p.keys.Open, p.keys.History)
	if !p.readOnly() {
		rec = append(rec, p.keys.NewNote)
	}
	return [][]key.Binding{{p.keys.Up, p.keys.Down, p.keys.PageUp, p.keys.PageDown}, rec}
}

// newRespondForm answers a review note.
func newRespondForm(c common, n model.ReviewNote) *formPage {
	f := newForm(c, "Respond to "+oneLine(n.Ref)+" on "+noteTarget{kind: n.TargetKind, ref: n.TargetRef}.String())
	for _, l := range wrap(strings.TrimSpace(sanitize(n.Text)), max(20, min(c.width-2, controlTextWidth))) {
		f.Intro = append(f.Intro, c.styles.Muted.Render("  "+l))
	}
	f.Intro = append(f.Intro, "")
	f.Text("response", "Response", n.Response, 4, true)
	ref := n.Ref
	return &formPage{
		common: c,
		crumb:  "Respond",
		what:   "your response to " + oneLine(ref),
		done:   "Responded to " + oneLine(ref) + ".",
		f:      f,
		write: func(ctx context.Context, wp *model.Workpaper, v map[string]string, _ int) (string, error) {
			return "", wp.RespondNote(ctx, ref, v["response"])
		},
	}
}

// newNoteForm opens a review note about t.
func newNoteForm(c common, t noteTarget, d *snapshot) *formPage {
	f := newForm(c, "New review note")
	kinds := []string{"engagement", "control", "exception"}
	f.Choose("kind", "About", kinds, []string{"the engagement", "a control", "an exception"}, t.kind)
	var controls map[string]bool
	if d != nil {
		controls = map[string]bool{}
		for _, ctl := range d.controls {
			controls[strings.ToUpper(ctl.Ref)] = true
		}
	}
	target := f.Line("ref", "Reference", t.ref, false, nil)
	target.Hint = "the control's or exception's reference, e.g. CHG-01 or EX-01"
	target.Validate = func(v string) error {
		kind := f.Value("kind")
		switch {
		case kind == "engagement":
			return nil
		case v == "":
			return fmt.Errorf("which %s? type its reference", kind)
		case kind == "control" && controls != nil && !controls[strings.ToUpper(v)]:
			return fmt.Errorf("no control %q in this workpaper", v)
		}
		return nil
	}
	f.Text("text", "Note", "", 4, true)
	assign := f.Line("assignee", "Assigned to", "", false, nil)
	if d != nil && d.eng != nil {
		var names []string
		for _, m := range d.eng.Team {
			if m.Role == model.RolePreparer {
				names = append(names, oneLine(m.Name))
			}
		}
		if len(names) > 0 {
			assign.Hint = "e.g. " + strings.Join(names, ", ")
		}
	}
	return &formPage{
		common: c,
		crumb:  "New note",
		first:  "text",
		what:   "your new review note",
		done:   "Review note opened.",
		f:      f,
		write: func(ctx context.Context, wp *model.Workpaper, v map[string]string, _ int) (string, error) {
			kind, ref := v["kind"], v["ref"]
			if kind == "engagement" {
				ref = ""
			}
			nref, err := wp.AddNote(ctx, kind, ref, v["text"], v["assignee"])
			return "Review note " + nref + " opened on " + noteTarget{kind: kind, ref: ref}.String() + ".", err
		},
	}
}
