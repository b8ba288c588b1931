package tui

import (
	"context"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/fieldwork-audit/fieldwork/model"
	"github.com/fieldwork-audit/fieldwork/tui/widget/form"
)

// formPage is a screen that is one form over one record: an exception's
// evaluation, a review note, a response, a criterion's override. ctrl+s
// runs write as a command with the form's values (copied: the command
// never sees the form); on success the screen closes and the workbench
// reloads. When the record changed since the form opened, the write is
// refused (its version is stale): the form stays, shows what is stored
// now beside each field, and takes the new version, so that ctrl+s again
// saves these values over theirs on purpose.
type formPage struct {
	common
	crumb   string
	what    string // "your edit of EX-01", for the discard question
	done    string // the status line's words on success
	f       *form.Model
	first   string // the field the cursor starts in; "" the first
	version int
	// reopenAsk is the reviewed control the last save was refused on: the
	// next save reopens it (the auditor was asked first).
	reopenAsk string

	// write saves values made from version; what it returns, when not
	// empty, replaces done.
	write func(ctx context.Context, wp *model.Workpaper, values map[string]string, version int) (string, error)
	// current reads the record as stored now, after a stale refusal; nil
	// when the record has no version to compare.
	current func(ctx context.Context, wp *model.Workpaper) (map[string]string, int, error)

	reqID int64
}

type formSavedMsg struct {
	id      int64
	done    string
	err     error
	current map[string]string
	version int
}

func (p *formPage) Init() tea.Cmd {
	cmd := p.f.Start()
	if p.first != "" {
		if c := p.f.FocusOn(p.first); c != nil || p.f.Focused().Name() == p.first {
			cmd = c
		}
	}
	return cmd
}
func (p *formPage) Title() string               { return p.crumb }
func (p *formPage) InputFocused() bool          { return true }
func (p *formPage) HandlesBack() bool           { return true }
func (p *formPage) SetData(d *snapshot) tea.Cmd { return nil }

func (p *formPage) Busy() string {
	if p.f.Saving() {
		return "saving…"
	}
	return ""
}

// Unsaved tells the root what closing the screen would throw away.
func (p *formPage) Unsaved() string {
	if p.f.Dirty() {
		return p.what
	}
	return ""
}

func (p *formPage) SetSize(width, height int) {
	p.common.SetSize(width, height)
	p.f.SetSize(width, height)
}

func (p *formPage) Update(msg tea.Msg) (page, tea.Cmd) {
	switch msg := msg.(type) {
	case formSavedMsg:
		if msg.id != p.reqID {
			return p, nil
		}
		if msg.err == nil {
			done := p.done
			if msg.done != "" {
				done = msg.done
			}
			return p, tea.Batch(popCmd(p), changedCmd, statusCmd(done))
		}
		text := writeErrorText(msg.err, p.now)
		if ask, ref, ok := reviewedAsk(msg.err, "Press "+p.keys.FormSave.Help().Key+" again"); ok {
			p.reopenAsk = ref
			p.f.Failed(ask)
			return p, nil
		}
		if isStale(msg.err) && msg.current != nil {
			for name, v := range msg.current {
				p.f.ShowTheirs(name, v)
			}
			p.version = msg.version
			text += ". Press " + p.keys.FormSave.Help().Key + " again to save yours over theirs, " + p.keys.FormCancel.Help().Key + " to drop yours."
		}
		p.f.Failed(text)
		return p, nil
	case tea.KeyMsg:
		action, cmd := p.f.Update(msg)
		switch action {
		case form.Cancel:
			return p, popCmd(p)
		case form.Submit:
			if !p.f.Dirty() {
				return p, tea.Batch(popCmd(p), statusCmd("Nothing changed."))
			}
			if ro := p.refuseReadOnly(); ro != nil {
				p.f.Failed("The workpaper is read-only: nothing can be changed.")
				return p, ro
			}
			return p, tea.Batch(cmd, p.save(), busyCmd)
		}
		return p, cmd
	}
	return p, nil
}

func (p *formPage) save() tea.Cmd {
	p.reqID = nextRequestID()
	if p.reopenAsk != "" {
		p.reopen.Add(p.reopenAsk)
		p.reopenAsk = ""
	}
	values := map[string]string{}
	for _, fld := range p.f.Fields() {
		values[fld.Name()] = p.f.Value(fld.Name())
	}
	id, version, write, current, ctx, wp := p.reqID, p.version, p.write, p.current, p.ctx, p.wp
	return func() tea.Msg {
		var done string
		err := withWriteTimeout(ctx, func(ctx context.Context) error {
			var err error
			done, err = write(ctx, wp, values, version)
			return err
		})
		msg := formSavedMsg{id: id, done: done, err: err}
		if isStale(err) && current != nil {
			rctx, cancel := context.WithTimeout(ctx, loadTimeout)
			defer cancel()
			msg.current, msg.version, _ = current(rctx, wp)
		}
		return msg
	}
}

func (p *formPage) View() string {
	if p.height <= 0 {
		return ""
	}
	return p.f.View()
}

func (p *formPage) ShortHelp() []key.Binding  { return p.f.ShortHelp() }
func (p *formPage) FullHelp() [][]key.Binding { return p.f.FullHelp() }
