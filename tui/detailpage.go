package tui

import (
	tea "github.com/charmbracelet/bubbletea"

	"github.com/fieldwork-audit/fieldwork/tui/widget/scrolldoc"
)

// docPage is what the screens that are one scrolled text share (the
// dashboard, an audit-trail entry, the verify report and, through
// detailPage, an exception and a review note): the text, laid out again on
// every resize, and the keys and the mouse that scroll it.
type docPage struct {
	common
	doc    scrolldoc.Model
	render func(w int) []string // the screen's text for width w
	below  func() int           // lines the screen keeps under the text
}

func newDocPage(c common) docPage { return docPage{common: c, doc: newScrollDoc(c)} }

func (p *docPage) SetSize(width, height int) {
	p.common.SetSize(width, height)
	p.layout()
}

// layout sets the text again in the room it has.
func (p *docPage) layout() {
	h := p.height
	if p.below != nil {
		h -= p.below()
	}
	p.doc.SetLines(p.render(p.width), p.width, h)
}

// scrollInput scrolls on a key or the mouse the screen did not take.
func (p *docPage) scrollInput(msg tea.Msg) tea.Cmd {
	switch msg.(type) {
	case tea.KeyMsg, tea.MouseMsg:
		return p.doc.Update(msg)
	}
	return nil
}

// docView is the scrolled text (nothing before the screen has a size).
func (p *docPage) docView() string {
	if p.height <= 0 {
		return ""
	}
	return p.doc.View()
}

// detailPage is what the screens that show one record in full (an
// exception, a review note) share: the record's reference, its load state
// and the scrolled text. A screen embeds it and gives it how to load and
// how to render; it keeps its keys and its record.
type detailPage struct {
	docPage
	ref     string
	noun    string // "exception", "review note": for the status line
	found   bool
	loaded  bool
	loading bool
	reqID   int64
	err     error

	loadCmd func(id int64) tea.Cmd // reads what the screen shows
}

func newDetailPage(c common, ref, noun string) detailPage {
	return detailPage{docPage: newDocPage(c), ref: ref, noun: noun}
}

func (p *detailPage) Init() tea.Cmd { return p.load() }

func (p *detailPage) load() tea.Cmd {
	p.reqID = nextRequestID()
	p.loading = true
	return p.loadCmd(p.reqID)
}

func (p *detailPage) Title() string { return p.ref }

func (p *detailPage) Busy() string {
	if p.loading && !p.loaded {
		return "reading " + p.noun + " " + oneLine(p.ref) + "…"
	}
	return ""
}

// SetData reloads the record once it was shown: the workpaper changed.
func (p *detailPage) SetData(*snapshot) tea.Cmd {
	if !p.loaded {
		return nil
	}
	return p.load()
}

// answered takes the answer to load request id: fresh is false for an
// older request's answer or a failure (then cmd reports it); when fresh,
// the screen finds its record in the answer and sets found.
func (p *detailPage) answered(id int64, err error) (fresh bool, cmd tea.Cmd) {
	if id != p.reqID {
		return false, nil
	}
	p.loading = false
	if err != nil {
		p.err = err
		p.layout()
		return false, errCmd(err)
	}
	p.loaded, p.err, p.found = true, nil, false
	return true, nil
}

// absent is the text while the record is not shown: the failure to read
// it, the reading, or its absence (gone says why it may be gone). ok is
// false when the record is there to render.
func (p *detailPage) absent(w int, gone string) (lines []string, ok bool) {
	s := p.styles
	what := p.noun + " " + oneLine(p.ref)
	switch {
	case p.err != nil:
		return append([]string{s.Gap.Render(truncate(symGap+" Could not read "+what+".", w)), ""}, wrap(errorText(p.err), w)...), true
	case !p.loaded:
		return []string{s.Muted.Render(truncate("Reading "+what+"…", w))}, true
	case !p.found:
		return []string{s.Gap.Render(truncate(symGap+" No "+what+" in this workpaper"+gone+".", w))}, true
	}
	return nil, false
}

// scope is the record's part of the audit trail, once it is found.
func (p *detailPage) scope(uuid, label string) (trailScope, bool) {
	if !p.found {
		return trailScope{}, false
	}
	return trailScope{record: uuid, label: label}, true
}
