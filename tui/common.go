package tui

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/charmbracelet/bubbles/help"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/fieldwork-audit/fieldwork/model"
)

// common is what every screen carries: the workpaper handle, the context
// its loads run under, the clock, styles, keys and the screen's size.
// Screens hold it by value; the pointers in it are shared and never
// change after New.
type common struct {
	ctx    context.Context
	wp     *model.Workpaper
	now    func() time.Time
	styles *Styles
	keys   *keyMap
	// reopen holds the control tests the auditor chose to reopen this
	// session; ctx carries it to every write.
	reopen        *model.ReopenSet
	width, height int
}

// SetSize records the size a screen was given.
func (c *common) SetSize(width, height int) {
	c.width, c.height = width, height
}

// page is one screen of the workbench. The root model keeps a stack of
// pages per top-level tab and talks to them only through this interface:
// adding a screen (populations, samples, review notes…) is adding a type
// that implements it.
type page interface {
	help.KeyMap
	// Init starts the page's own loading, if any.
	Init() tea.Cmd
	// Update handles a message. Key and mouse messages reach only the
	// active page; all other messages reach every page, which ignore what
	// is not theirs (each load carries a request ID).
	Update(msg tea.Msg) (page, tea.Cmd)
	View() string
	// SetSize lays the page out for width×height cells.
	SetSize(width, height int)
	// SetData hands the page the latest workpaper overview; it may return
	// a command to refresh what the page loads by itself.
	SetData(d *snapshot) tea.Cmd
	// Title names the page in the breadcrumb.
	Title() string
	// InputFocused reports whether the page reads typed text (a filter):
	// the root then passes it every key but ctrl+c.
	InputFocused() bool
	// HandlesBack reports whether esc means something to the page now
	// (clearing a filter) rather than going back.
	HandlesBack() bool
	// Busy says what the page is loading ("" when idle), for the status line.
	Busy() string
}

// errMsg reports an error for the status line.
type errMsg struct{ err error }

// statusMsg reports something done, for the status line.
type statusMsg struct{ text string }

func errCmd(err error) tea.Cmd {
	return func() tea.Msg { return errMsg{err} }
}

var requestSeq atomic.Int64

// nextRequestID numbers loads so that a page can tell its latest answer
// from a stale one.
func nextRequestID() int64 { return requestSeq.Add(1) }

// answered takes a load's answer to request id on a screen whose latest
// request is reqID: fresh is false for an older request's answer (ignore
// it); for the latest, loading ends and a failure is a command for the
// status line.
func answered(reqID int64, loading *bool, id int64, err error) (fresh bool, cmd tea.Cmd) {
	return answer(reqID, id, err, loading, nil)
}

// answer is answered for screens that also keep the failure: failed (when
// not nil) holds the latest answer's error, nil once a read succeeds;
// loading may be nil.
func answer(reqID, id int64, err error, loading *bool, failed *error) (fresh bool, cmd tea.Cmd) {
	if id != reqID {
		return false, nil
	}
	if loading != nil {
		*loading = false
	}
	if failed != nil {
		*failed = err
	}
	if err != nil {
		return true, errCmd(err)
	}
	return true, nil
}

// errorText words an error for the status line.
func errorText(err error) string {
	switch {
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.Is(err, context.DeadlineExceeded):
		return "the workpaper took too long to answer; press r to try again"
	}
	var ie *model.InputError
	if errors.As(err, &ie) {
		return oneLine(hinted(err) + inputAdvice[ie.Input])
	}
	return oneLine(hinted(err))
}

// inputAdvice words what a model.InputError wants in the workbench's terms.
var inputAdvice = map[model.Input]string{
	model.InputReason:     ": type a reason",
	model.InputItems:      ": choose the sample items",
	model.InputAttribute:  ": choose the attribute",
	model.InputReplace:    "; replacing it needs a reason, which is logged",
	model.InputNoAttach:   ": reference the file instead of attaching it",
	model.InputDateFormat: ": choose day-first or month-first in the Dates field",
}
