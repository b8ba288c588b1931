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

// conflictsLoadedMsg carries the open merge conflicts.
type conflictsLoadedMsg struct {
	id        int64
	conflicts []model.Conflict
	err       error
}

func loadConflicts(ctx context.Context, wp *model.Workpaper, id int64) tea.Cmd {
	return readCmd(ctx, func(ctx context.Context) tea.Msg {
		msg := conflictsLoadedMsg{id: id}
		msg.conflicts, msg.err = wp.Conflicts(ctx, false)
		return msg
	})
}

// conflictResolvedMsg answers a ResolveConflict.
type conflictResolvedMsg struct {
	id   int64
	what string
	err  error
}

// conflictDetailLines is what the selected conflict's detail takes under
// the list: a blank line, the record and field, mine and theirs.
const conflictDetailLines = 4

// conflictsPage lists the merge conflicts still open, from the dashboard
// (M): m keeps this copy's value, t takes the other copy's, each after a
// yes/no question.
type conflictsPage struct {
	common
	list     list.Model[model.Conflict]
	reqID    int64
	saveID   int64
	loading  bool
	loaded   bool
	saving   bool
	question confirm.Model // "keep mine / take theirs?"
}

func newConflictsPage(c common) *conflictsPage {
	p := &conflictsPage{common: c, question: newConfirm(c)}
	p.list = newList(c, list.Config[model.Conflict]{
		ID:     func(x model.Conflict) string { return fmt.Sprint(x.ID) },
		Render: p.renderRow,
		Empty:  "Reading the merge conflicts…",
	})
	return p
}

func (p *conflictsPage) Init() tea.Cmd { return p.load() }

func (p *conflictsPage) load() tea.Cmd {
	p.reqID = nextRequestID()
	p.loading = true
	return loadConflicts(p.ctx, p.wp, p.reqID)
}

func (p *conflictsPage) Title() string      { return "Merge conflicts" }
func (p *conflictsPage) InputFocused() bool { return false }
func (p *conflictsPage) HandlesBack() bool  { return p.question.Asking() }

func (p *conflictsPage) Busy() string {
	switch {
	case p.saving:
		return "resolving the conflict…"
	case p.loading && !p.loaded:
		return "reading the merge conflicts…"
	}
	return ""
}

// SetData: the workpaper changed; read the conflicts again once shown.
func (p *conflictsPage) SetData(d *snapshot) tea.Cmd {
	if !p.loaded {
		return nil
	}
	return p.load()
}

func (p *conflictsPage) SetSize(width, height int) {
	p.common.SetSize(width, height)
	p.layout()
}

func (p *conflictsPage) layout() {
	h := p.height - 1 - conflictDetailLines
	if p.question.Asking() {
		h--
	}
	p.list.SetSize(p.width, max(0, h))
}

func (p *conflictsPage) Update(msg tea.Msg) (page, tea.Cmd) {
	switch msg := msg.(type) {
	case conflictsLoadedMsg:
		if fresh, cmd := answered(p.reqID, &p.loading, msg.id, msg.err); !fresh || cmd != nil {
			return p, cmd
		}
		p.loaded = true
		p.list.SetEmpty("No merge conflicts.")
		p.list.SetItems(msg.conflicts)
		return p, nil
	case conflictResolvedMsg:
		if msg.id != p.saveID {
			return p, nil
		}
		p.saving = false
		if msg.err != nil {
			return p, errCmd(msg.err)
		}
		return p, tea.Batch(statusCmd(msg.what), changedCmd)
	case tea.KeyMsg:
		k := p.keys
		if p.question.Asking() {
			answered, yes, cmd := p.question.Update(msg)
			if yes {
				p.saving = true
				cmd = tea.Batch(cmd, busyCmd)
			}
			if answered {
				p.layout()
			}
			return p, cmd
		}
		switch {
		case key.Matches(msg, k.KeepMine):
			return p, p.ask("mine")
		case key.Matches(msg, k.TakeTheirs):
			return p, p.ask("theirs")
		}
		_, cmd := p.list.Update(msg)
		return p, cmd
	case tea.MouseMsg:
		if p.question.Asking() {
			return p, nil
		}
		msg.Y--
		p.list.Update(msg)
	}
	return p, nil
}

// ask puts the yes/no question before resolving the selected conflict.
func (p *conflictsPage) ask(take string) tea.Cmd {
	c, ok := p.list.Selected()
	if !ok || p.saving {
		return nil
	}
	if ro := p.refuseReadOnly(); ro != nil {
		return ro
	}
	ctx, wp := p.ctx, p.common.wp
	p.saveID = nextRequestID()
	id, cid := p.saveID, c.ID
	value := c.Mine
	verb := "Keep this copy's"
	if take == "theirs" {
		value, verb = c.Theirs, "Take the other copy's"
	}
	p.question.Ask(fmt.Sprintf("%s value (%s) for %s?", verb, quoteText(value), conflictSubject(c)), "resolves", "keeps it open", func() tea.Cmd {
		return func() tea.Msg {
			err := withWriteTimeout(ctx, func(ctx context.Context) error {
				return wp.ResolveConflict(ctx, cid, take)
			})
			return conflictResolvedMsg{id: id, what: fmt.Sprintf("Resolved merge conflict #%d: took %s.", cid, take), err: err}
		}
	})
	p.layout()
	return nil
}

// conflictSubject names the record and field of a conflict, sanitized.
func conflictSubject(c model.Conflict) string {
	s := oneLine(c.What)
	if s == "" {
		s = oneLine(c.Table + " " + c.Record)
	}
	if c.Field != "" {
		s += ", " + oneLine(c.Field)
	}
	return s
}

// quoteText quotes a value from either copy; nil is "none".
func quoteText(v *string) string {
	if v == nil {
		return "none"
	}
	return "“" + oneLine(*v) + "”"
}

func (p *conflictsPage) stamp(by string, at time.Time) string {
	when := "time unknown"
	if !at.IsZero() {
		when = at.In(p.now().Location()).Format("2006-01-02 15:04 MST")
	}
	if by = oneLine(by); by == "" {
		by = "unknown"
	}
	return by + symSep + when
}

func (p *conflictsPage) View() string {
	if p.height <= 0 {
		return ""
	}
	lines := []string{p.summary(), p.list.View()}
	if c, ok := p.list.Selected(); ok {
		lines = append(lines, "", p.detail(c))
	}
	if p.question.Asking() {
		lines = append(lines, p.styles.Hint.Render(truncate(p.question.Prompt(), p.width)))
	}
	return strings.Join(lines, "\n")
}

func (p *conflictsPage) summary() string {
	s := p.styles
	if !p.loaded {
		return ""
	}
	left := s.Muted.Render(plural(len(p.list.Items()), "open merge conflict", "open merge conflicts"))
	right := listWhere(s, &p.list, func(c model.Conflict) string { return fmt.Sprintf("#%d", c.ID) })
	return spread(left, right, p.width)
}

// detail is the selected conflict's two values, who set them and when.
func (p *conflictsPage) detail(c model.Conflict) string {
	s := p.styles
	w := p.width
	kind := ""
	switch c.Kind {
	case "deleted-by-them":
		kind = " (deleted in the other copy, changed here)"
	case "deleted-by-me":
		kind = " (deleted here, changed in the other copy)"
	case "both-current":
		kind = " (both copies made their own current)"
	}
	return strings.Join([]string{
		truncate(s.Title.Render(conflictSubject(c))+s.Muted.Render(oneLine(kind)), w),
		truncate(s.Label.Render("Mine:   ")+s.Value.Render(quoteText(c.Mine))+s.Muted.Render("  "+p.stamp(c.MineBy, c.MineAt)), w),
		truncate(s.Label.Render("Theirs: ")+s.Value.Render(quoteText(c.Theirs))+s.Muted.Render("  "+p.stamp(c.TheirsBy, c.TheirsAt)), w),
	}, "\n")
}

func (p *conflictsPage) renderRow(c model.Conflict, w int, selected bool) string {
	marker := "  "
	if selected {
		marker = symCursor + " "
	}
	line := fmt.Sprintf("%s#%-3d %s: %s %s %s", marker, c.ID, conflictSubject(c), quoteText(c.Mine), "↔", quoteText(c.Theirs))
	if selected {
		return p.styles.Selected.Render(fit(line, w))
	}
	return fit(line, w)
}

func (p *conflictsPage) ShortHelp() []key.Binding {
	if p.question.Asking() {
		return p.keys.confirmHelp()
	}
	if p.readOnly() || len(p.list.Items()) == 0 {
		return nil
	}
	return shortFit(p.width, p.keys.KeepMine, p.keys.TakeTheirs)
}

func (p *conflictsPage) FullHelp() [][]key.Binding {
	if p.question.Asking() {
		return [][]key.Binding{p.keys.confirmHelp()}
	}
	var own []key.Binding
	if !p.readOnly() {
		own = []key.Binding{p.keys.KeepMine, p.keys.TakeTheirs}
	}
	return listFullHelp(p.list.FullHelp(), own)
}
