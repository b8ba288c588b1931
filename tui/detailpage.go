package tui

import tea "github.com/charmbracelet/bubbletea"

// detailPage is what the screens that show one record in full (an
// exception, a review note) share: the record's reference, its load state
// and the scrolled text. A screen embeds it and gives it how to load and
// how to render; it keeps its keys and its record.
type detailPage struct {
	common
	ref     string
	noun    string // "exception", "review note": for the status line
	found   bool
	loaded  bool
	loading bool
	reqID   int64
	err     error
	scrollDoc

	loadCmd func(id int64) tea.Cmd // reads what the screen shows
	render  func(w int) []string   // the screen's text for width w
	below   func() int             // lines the screen keeps under the text
}

func newDetailPage(c common, ref, noun string) detailPage {
	return detailPage{common: c, ref: ref, noun: noun, scrollDoc: newScrollDoc(c)}
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

func (p *detailPage) SetSize(width, height int) {
	p.common.SetSize(width, height)
	p.layout()
}

func (p *detailPage) layout() {
	h := p.height
	if p.below != nil {
		h -= p.below()
	}
	p.setLines(p.render(p.width), p.width, h)
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
