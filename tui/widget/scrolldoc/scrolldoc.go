// Package scrolldoc is a screen's text in a viewport, moved by the
// movement keys (first and last included) and the mouse wheel, with a line
// saying where the reader is when the text is taller than its room: the
// dashboard, an exception, a review note, a change and the verify report
// use it. It follows the bubbles layout: KeyMap (keys.go), Styles
// (style.go) and the Model here.
package scrolldoc

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/fieldwork-audit/fieldwork/tui/widget/cells"
)

// Model is one scrolled text.
type Model struct {
	KeyMap KeyMap
	Styles Styles

	vp       viewport.Model
	overflow bool // the text is taller than its room: show where we are
}

// New is an empty text.
func New(k KeyMap, s Styles) Model {
	vp := viewport.New(0, 0)
	vp.KeyMap = viewport.KeyMap{Up: k.Up, Down: k.Down, PageUp: k.PageUp, PageDown: k.PageDown}
	vp.MouseWheelEnabled = true
	return Model{KeyMap: k, Styles: s, vp: vp}
}

// SetLines lays lines out in width×height cells, keeping the place read.
func (d *Model) SetLines(lines []string, width, height int) {
	height = max(0, height)
	d.overflow = len(lines) > height
	d.vp.Width, d.vp.Height = width, height
	if d.overflow {
		d.vp.Height = max(0, height-1)
	}
	d.vp.SetContent(strings.Join(lines, "\n"))
}

// Overflows reports whether the text is taller than its room.
func (d *Model) Overflows() bool { return d.overflow }

// YOffset is the first line shown.
func (d *Model) YOffset() int { return d.vp.YOffset }

// Update moves through the text on the movement keys and the mouse wheel.
func (d *Model) Update(msg tea.Msg) tea.Cmd {
	if km, ok := msg.(tea.KeyMsg); ok {
		switch {
		case key.Matches(km, d.KeyMap.Top):
			d.vp.GotoTop()
			return nil
		case key.Matches(km, d.KeyMap.Bottom):
			d.vp.GotoBottom()
			return nil
		}
	}
	var cmd tea.Cmd
	d.vp, cmd = d.vp.Update(msg)
	return cmd
}

// View is the visible text and, when it overflows, where we are.
func (d *Model) View() string {
	v := d.vp.View()
	if d.overflow {
		v += "\n" + Where(d.Styles, d.vp, d.vp.Width)
	}
	return v
}

// Where is the line that says where a scrolled viewport is, w cells wide
// and flush right.
func Where(s Styles, vp viewport.Model, w int) string {
	var where string
	switch {
	case vp.AtTop():
		where = "top · ↓ more below"
	case vp.AtBottom():
		where = "end · ↑ more above"
	default:
		where = fmt.Sprintf("%d%% · ↑↓ more", int(vp.ScrollPercent()*100))
	}
	return s.Where.Render(cells.FitRight(where, w))
}
