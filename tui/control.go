package tui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/fieldwork-audit/fieldwork/model"
)

// controlPage is one control as the client's matrix describes it and the
// criteria it addresses. It reads the control itself, so that it shows
// the latest version.
type controlPage struct {
	common
	ref      string
	reqID    int64
	data     *snapshot
	ctrl     model.Control
	loaded   bool
	err      error
	vp       viewport.Model
	overflow bool
}

func newControlPage(c common, ref string) *controlPage {
	return &controlPage{common: c, ref: ref, vp: newScroller(c)}
}

// Init starts reading the control.
func (p *controlPage) Init() tea.Cmd { return p.load() }

func (p *controlPage) load() tea.Cmd {
	p.reqID = nextRequestID()
	return loadControl(p.ctx, p.wp, p.reqID, p.ref)
}

func (p *controlPage) Title() string      { return p.ref }
func (p *controlPage) InputFocused() bool { return false }
func (p *controlPage) HandlesBack() bool  { return false }

func (p *controlPage) Busy() string {
	if p.loaded || p.err != nil {
		return ""
	}
	return "loading control " + oneLine(p.ref) + "…"
}

// SetData takes the new overview (for the criteria's titles) and, after a
// reload, reads the control again.
func (p *controlPage) SetData(d *snapshot) tea.Cmd {
	p.data = d
	p.layout()
	if p.loaded || p.err != nil {
		return p.load()
	}
	return nil
}

func (p *controlPage) SetSize(width, height int) {
	p.common.SetSize(width, height)
	p.layout()
}

func (p *controlPage) layout() {
	lines := p.render(p.width)
	p.overflow = len(lines) > p.height
	p.vp.Width, p.vp.Height = p.width, p.height
	if p.overflow {
		p.vp.Height = max(0, p.height-1)
	}
	p.vp.SetContent(strings.Join(lines, "\n"))
}

func (p *controlPage) Update(msg tea.Msg) (page, tea.Cmd) {
	switch msg := msg.(type) {
	case controlLoadedMsg:
		if msg.id != p.reqID {
			return p, nil
		}
		if msg.err != nil {
			p.err = msg.err
			p.layout()
			return p, errCmd(msg.err)
		}
		p.ctrl, p.loaded, p.err = msg.control, true, nil
		p.layout()
		return p, nil
	case tea.KeyMsg:
		switch {
		case key.Matches(msg, p.keys.Top):
			p.vp.GotoTop()
			return p, nil
		case key.Matches(msg, p.keys.Bottom):
			p.vp.GotoBottom()
			return p, nil
		}
		var cmd tea.Cmd
		p.vp, cmd = p.vp.Update(msg)
		return p, cmd
	case tea.MouseMsg:
		var cmd tea.Cmd
		p.vp, cmd = p.vp.Update(msg)
		return p, cmd
	}
	return p, nil
}

func (p *controlPage) View() string {
	if p.height <= 0 {
		return ""
	}
	v := p.vp.View()
	if p.overflow {
		v += "\n" + scrollLine(p.styles, p.vp, p.width)
	}
	return v
}

// controlTextWidth keeps a control's description readable on wide terminals.
const controlTextWidth = 100

func (p *controlPage) render(w int) []string {
	s := p.styles
	if w <= 0 {
		return nil
	}
	switch {
	case p.err != nil:
		return append([]string{s.Gap.Render(truncate(symGap+" Could not read control "+oneLine(p.ref)+".", w)), ""},
			wrap(errorText(p.err), w)...)
	case !p.loaded:
		return []string{s.Muted.Render(truncate("Loading control "+oneLine(p.ref)+"…", w))}
	}
	c := p.ctrl
	head := s.Title.Render(oneLine(c.Ref))
	if c.Key {
		head += "  " + s.KeyControl.Render("[key control]")
	}
	out := []string{truncate(head, w), "", s.Section.Render("Description")}
	desc := wrap(strings.TrimSpace(sanitize(c.Description)), min(w-2, controlTextWidth))
	if len(desc) == 0 {
		out = append(out, "  "+s.Dim.Render("No description recorded."))
	}
	for _, l := range desc {
		out = append(out, "  "+l)
	}
	out = append(out, "")
	out = append(out, field(s, "Owner", c.Owner, w)...)
	out = append(out, field(s, "Frequency", string(c.Frequency), w)...)
	out = append(out, field(s, "Nature", natureText(c.Nature), w)...)
	keyText := "no"
	if c.Key {
		keyText = "yes"
	}
	out = append(out, field(s, "Key control", keyText, w)...)
	out = append(out, p.criteriaLines(w)...)
	out = append(out, field(s, "Version", p.versionText(), w)...)
	return out
}

// criteriaLines lists the criteria the control addresses, with titles.
func (p *controlPage) criteriaLines(w int) []string {
	s := p.styles
	c := p.ctrl
	label := fmt.Sprintf("Criteria (%d)", len(c.Criteria))
	if len(c.Criteria) == 0 {
		return field(s, "Criteria", "", w)
	}
	var out []string
	for i, ref := range c.Criteria {
		lab := ""
		if i == 0 {
			lab = label
		}
		line := s.Title.Render(fit(oneLine(ref), critRefW+1))
		if cr, ok := p.data.criterion(ref); ok {
			line += oneLine(cr.Title)
			if !cr.InScope {
				line += s.Dim.Render(" (" + labelOut + ")")
			}
		}
		out = append(out, s.Label.Render(fit(lab, labelWidth))+truncate(line, max(1, w-labelWidth)))
	}
	return out
}

func (p *controlPage) versionText() string {
	c := p.ctrl
	v := strconv.Itoa(c.Version)
	if !c.UpdatedAt.IsZero() {
		v += symSep + "updated " + p.timeText(c.UpdatedAt)
	}
	if c.UpdatedBy != "" {
		v += " by " + c.UpdatedBy
	}
	return v
}

// timeText writes an instant in the clock's time zone.
func (p *controlPage) timeText(t time.Time) string {
	return t.In(p.now().Location()).Format("2006-01-02 15:04 MST")
}

// natureText words a control's nature (manual, automated…).
func natureText(n model.Nature) string {
	return oneLine(fmt.Sprint(n))
}

func (p *controlPage) ShortHelp() []key.Binding {
	if !p.overflow {
		return nil
	}
	return []key.Binding{p.keys.Down, p.keys.PageDown}
}

func (p *controlPage) FullHelp() [][]key.Binding {
	if !p.overflow {
		return nil
	}
	return [][]key.Binding{{p.keys.Up, p.keys.Down, p.keys.PageUp, p.keys.PageDown, p.keys.Top, p.keys.Bottom}}
}
