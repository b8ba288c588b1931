package tui

import (
	"context"
	"fmt"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/fieldwork-audit/fieldwork/model"
)

// verifyPage checks the whole file (SQLite's integrity, the trail's hash
// chain, attached evidence, every sample re-performed) in the background
// and shows the report. esc while it runs cancels it.
type verifyPage struct {
	docPage
	reqID   int64
	cancel  context.CancelFunc
	running bool
	report  *model.VerifyReport
	err     error
	took    time.Duration
}

func newVerifyPage(c common) *verifyPage {
	p := &verifyPage{docPage: newDocPage(c)}
	p.docPage.render = p.render
	return p
}

type verifiedMsg struct {
	id     int64
	report *model.VerifyReport
	took   time.Duration
	err    error
}

// verifyWorkpaper runs Verify; it captures the handle and a context.
func verifyWorkpaper(ctx context.Context, wp *model.Workpaper, id int64) tea.Cmd {
	return func() tea.Msg {
		start := time.Now()
		r, err := wp.Verify(ctx)
		return verifiedMsg{id: id, report: r, took: time.Since(start), err: err}
	}
}

func (p *verifyPage) Init() tea.Cmd { return p.start() }

func (p *verifyPage) start() tea.Cmd {
	if p.cancel != nil {
		p.cancel()
	}
	ctx, cancel := context.WithCancel(p.ctx)
	p.cancel = cancel
	p.reqID = nextRequestID()
	p.running, p.report, p.err = true, nil, nil
	p.layout()
	return tea.Batch(verifyWorkpaper(ctx, p.wp, p.reqID), busyCmd)
}

func (p *verifyPage) Title() string               { return "Verify" }
func (p *verifyPage) InputFocused() bool          { return false }
func (p *verifyPage) HandlesBack() bool           { return p.running }
func (p *verifyPage) SetData(d *snapshot) tea.Cmd { return nil }

func (p *verifyPage) Busy() string {
	if p.running {
		return "verifying the workpaper: integrity, audit trail, evidence, samples…"
	}
	return ""
}

// Discard stops a running check when the screen is thrown away.
func (p *verifyPage) Discard() {
	if p.cancel != nil {
		p.cancel()
	}
}

func (p *verifyPage) Update(msg tea.Msg) (page, tea.Cmd) {
	switch msg := msg.(type) {
	case verifiedMsg:
		if msg.id != p.reqID {
			return p, nil
		}
		p.running = false
		p.report, p.err, p.took = msg.report, msg.err, msg.took
		p.layout()
		if msg.err != nil {
			return p, errCmd(msg.err)
		}
		if msg.report.OK {
			return p, statusCmd("The workpaper verifies.")
		}
		return p, nil
	case tea.KeyMsg:
		switch {
		case p.running && key.Matches(msg, p.keys.CancelRun):
			p.Discard()
			p.running = false
			return p, tea.Batch(popCmd(p), statusCmd("Verification cancelled."))
		case key.Matches(msg, p.keys.Verify):
			return p, p.start()
		}
	}
	return p, p.scrollInput(msg)
}

func (p *verifyPage) render(w int) []string {
	s := p.styles
	if w <= 0 {
		return nil
	}
	switch {
	case p.running:
		return []string{s.Muted.Render(truncate("Verifying the workpaper: every record replayed from the audit trail, its hash chain and signatures, populations, sign-offs, attached evidence and every sample re-performed…", w)),
			"", s.Dim.Render(truncate("esc cancels.", w))}
	case p.err != nil:
		return append([]string{s.Gap.Render(truncate(symGap+" The check could not finish.", w)), ""}, wrap(errorText(p.err), w)...)
	case p.report == nil:
		return nil
	}
	r := p.report
	var out []string
	if r.OK {
		out = append(out, s.Covered.Render(truncate(symCovered+" The workpaper verifies: nothing was altered outside fieldwork.", w)))
	} else {
		out = append(out, s.Gap.Render(truncate(symGap+" The workpaper does not verify: see the problems below.", w)))
	}
	out = append(out, s.Muted.Render(truncate(fmt.Sprintf("Checked in %s.", p.took.Round(time.Millisecond)), w)), "")
	matching := 0
	for _, sc := range r.Selections {
		if sc.Matches {
			matching++
		}
	}
	check := func(ok bool, what, detail string) {
		sym, st := symCovered, s.Covered
		if !ok {
			sym, st = symGap, s.Gap
		}
		out = append(out, truncate("  "+st.Render(sym)+" "+s.Label.Render(fit(what, 22))+detail, w))
	}
	check(len(r.Integrity) == 0, "SQLite integrity", map[bool]string{true: "ok", false: plural(len(r.Integrity), "problem", "problems")}[len(r.Integrity) == 0])
	check(len(r.Trail) == 0, "Audit trail", thousands(int(r.Entries))+" entries; "+map[bool]string{true: "the hash chain is intact", false: plural(len(r.Trail), "problem", "problems")}[len(r.Trail) == 0])
	sig := r.Signatures
	check(len(sig.Problems) == 0, "Signatures", fmt.Sprintf("%s of %s signed; ", thousands(int(sig.Signed)), thousands(int(r.Entries)))+
		map[bool]string{true: "every signature verifies", false: plural(len(sig.Problems), "problem", "problems")}[len(sig.Problems) == 0])
	check(len(r.Records) == 0, "Records replayed", plural(int(r.RecordsChecked), "record", "records")+"; "+
		map[bool]string{true: "each as the trail says", false: plural(len(r.Records), "difference", "differences")}[len(r.Records) == 0])
	check(len(r.Populations) == 0, "Population rows", map[bool]string{true: "rows and flags match their digests", false: plural(len(r.Populations), "problem", "problems")}[len(r.Populations) == 0])
	check(len(r.SignOffs) == 0, "Sign-offs", map[bool]string{true: "each covers what it signed", false: plural(len(r.SignOffs), "problem", "problems")}[len(r.SignOffs) == 0])
	check(len(r.Blobs) == 0, "Attached evidence", plural(r.BlobCount, "file", "files")+"; "+map[bool]string{true: "every hash matches", false: plural(len(r.Blobs), "mismatch", "mismatches")}[len(r.Blobs) == 0])
	check(matching == len(r.Selections), "Sample selections", fmt.Sprintf("%d of %s re-performed alike", matching, plural(len(r.Selections), "sample", "samples")))
	// The head is quoted whole or not at all: it goes on a line of its own
	// when the label and the head do not fit side by side.
	if head := r.Head.String(); w >= 26+len(head) {
		out = append(out, "", "  "+s.Label.Render(fit("Trail head", 22))+head)
	} else {
		out = append(out, "", "  "+s.Label.Render("Trail head"), "  "+truncate(head, max(1, w-2)))
	}
	for _, l := range wrap("Quote it elsewhere: 'fieldwork verify FILE --head SEQ:HASH' proves this history is still in the file.", max(1, w-2)) {
		out = append(out, "  "+s.Muted.Render(l))
	}
	var problems []string
	problems = append(problems, r.Integrity...)
	problems = append(problems, r.Trail...)
	problems = append(problems, sig.Problems...)
	problems = append(problems, r.Records...)
	problems = append(problems, r.Populations...)
	problems = append(problems, r.SignOffs...)
	problems = append(problems, r.Blobs...)
	for _, sc := range r.Selections {
		for _, pr := range sc.Problems {
			problems = append(problems, sc.ControlRef+": "+pr)
		}
	}
	if len(sig.Notes) > 0 {
		out = append(out, "", s.Section.Render("Who signed"))
		for _, n := range sig.Notes {
			for i, l := range wrap(oneLine(n.Words(tuiWording)), max(1, w-4)) {
				prefix := "    "
				if i == 0 {
					prefix = "  · "
				}
				out = append(out, prefix+l)
			}
		}
	}
	if len(problems) > 0 {
		out = append(out, "", s.Section.Render(fmt.Sprintf("Problems (%d)", len(problems))))
		for _, pr := range problems {
			for i, l := range wrap(oneLine(pr), max(1, w-4)) {
				prefix := "    "
				if i == 0 {
					prefix = "  " + s.Gap.Render(symGap) + " "
				}
				out = append(out, prefix+l)
			}
		}
	}
	return out
}

func (p *verifyPage) View() string {
	v := p.doc.View()
	return v
}

func (p *verifyPage) ShortHelp() []key.Binding {
	if p.running {
		return []key.Binding{p.keys.CancelRun}
	}
	b := p.keys.Verify
	b.SetHelp(b.Help().Key, "verify again")
	return []key.Binding{b}
}

func (p *verifyPage) FullHelp() [][]key.Binding {
	return [][]key.Binding{p.ShortHelp(), {p.keys.Up, p.keys.Down, p.keys.PageUp, p.keys.PageDown}}
}
