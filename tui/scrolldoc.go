package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
)

// scrollDoc is a screen's text in a viewport driven by the workbench's
// keys and the mouse wheel, with a line saying where the reader is when
// the text is taller than the room: the dashboard, an exception, a review
// note, a change and the verify report embed it.
type scrollDoc struct {
	vp       viewport.Model
	overflow bool // the text is taller than the page: show where we are
	// top and bottom jump to the ends (the viewport's own keys scroll).
	top, bottom key.Binding
}

func newScrollDoc(c common) scrollDoc {
	return scrollDoc{vp: newScroller(c), top: c.keys.Top, bottom: c.keys.Bottom}
}

// newScroller is a viewport driven by the workbench's keys.
func newScroller(c common) viewport.Model {
	vp := viewport.New(0, 0)
	vp.KeyMap = viewport.KeyMap{Up: c.keys.Up, Down: c.keys.Down, PageUp: c.keys.PageUp, PageDown: c.keys.PageDown}
	vp.MouseWheelEnabled = true
	return vp
}

// setLines lays lines out in width×height cells, keeping the place read.
func (d *scrollDoc) setLines(lines []string, width, height int) {
	height = max(0, height)
	d.overflow = len(lines) > height
	d.vp.Width, d.vp.Height = width, height
	if d.overflow {
		d.vp.Height = max(0, height-1)
	}
	d.vp.SetContent(strings.Join(lines, "\n"))
}

// scroll moves through the text on the movement keys (first and last
// included) and the mouse wheel.
func (d *scrollDoc) scroll(msg tea.Msg) tea.Cmd {
	if km, ok := msg.(tea.KeyMsg); ok {
		switch {
		case key.Matches(km, d.top):
			d.vp.GotoTop()
			return nil
		case key.Matches(km, d.bottom):
			d.vp.GotoBottom()
			return nil
		}
	}
	var cmd tea.Cmd
	d.vp, cmd = d.vp.Update(msg)
	return cmd
}

// docView is the visible text and, when it overflows, where we are.
func (d *scrollDoc) docView(s *Styles, width int) string {
	v := d.vp.View()
	if d.overflow {
		v += "\n" + scrollLine(s, d.vp, width)
	}
	return v
}

// scrollLine says where a scrolled text is.
func scrollLine(s *Styles, vp viewport.Model, w int) string {
	var where string
	switch {
	case vp.AtTop():
		where = "top · ↓ more below"
	case vp.AtBottom():
		where = "end · ↑ more above"
	default:
		where = fmt.Sprintf("%d%% · ↑↓ more", int(vp.ScrollPercent()*100))
	}
	return s.Scroll.Render(fitRight(where, w))
}
