package tui

import (
	"context"
	"errors"
	"fmt"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/fieldwork-audit/fieldwork/model"
)

// pendingWrite is a mark on its way to the workpaper.
type pendingWrite struct {
	seq    int64
	prev   gridCell          // what to put back if it fails
	in     model.ResultInput // what is written
	queued *gridCell         // a newer mark of the same cell, written after this one
}

// The answers of the writes: one mark (cellSavedMsg), a form's or a bulk
// pass's save (gridSavedMsg).
type (
	cellSavedMsg struct {
		seq  int64
		key  cellKey
		res  *model.Result
		eval *model.TestEvaluation
		err  error
	}
	gridSavedMsg struct {
		id   int64
		what string
		err  error
	}
)

// cellFromInput is the cell a pending write will leave.
func cellFromInput(in model.ResultInput, old gridCell) gridCell {
	c := old
	c.outcome, c.note, c.tickmark, c.evidence, c.pending = in.Outcome, in.Note, in.Tickmark, in.Evidence, true
	return c
}

// mark records outcome o on the cell under the cursor.
func (p *gridPage) mark(o model.Outcome) tea.Cmd {
	if ro := p.refuseReadOnly(); ro != nil {
		return ro
	}
	r := p.row(p.cur)
	if r == nil {
		return statusCmd("This item is still being read; try again in a moment.")
	}
	k := cellKey{p.cur, p.col}
	cell := r.res[p.col]
	p.devPrompt = o == model.Deviation
	if pw, ok := p.pending[k]; ok {
		// The cell is being written: this mark follows once that is done.
		next := cell
		next.outcome, next.pending = o, true
		pw.queued = &next
		r.res[p.col] = next
		return nil
	}
	return p.write(r, p.col, o, cell.note, cell.tickmark, cell.evidence)
}

// cycle moves the cell through pass, deviation and n/a.
func (p *gridPage) cycle() tea.Cmd {
	r := p.row(p.cur)
	if r == nil {
		return nil
	}
	switch r.res[p.col].outcome {
	case model.Pass:
		return p.mark(model.Deviation)
	case model.Deviation:
		return p.mark(model.NotApplicable)
	}
	return p.mark(model.Pass)
}

// write shows a mark at once and writes it.
func (p *gridPage) write(r *gridRow, attr int, o model.Outcome, note, tickmark, evidence string) tea.Cmd {
	prev := r.res[attr]
	a := p.meta.attrs[attr]
	in := model.ResultInput{ControlRef: p.ref, Position: r.position, Attribute: a.Letter, Outcome: o,
		Note: note, Tickmark: tickmark, Evidence: evidence, Version: prev.version}
	p.seq++
	k := cellKey{r.ordinal, attr}
	p.pending[k] = &pendingWrite{seq: p.seq, prev: prev, in: in}
	r.res[attr] = cellFromInput(in, prev)
	return writeResult(p.ctx, p.common.wp, p.seq, k, in, prev.outcome != "")
}

// writeResult writes one result and reads it back. A cell the grid showed
// as untested is written only if it still is (IfUntested): SetResult's
// version 0 would otherwise replace a result someone recorded meanwhile.
func writeResult(ctx context.Context, wp *model.Workpaper, seq int64, k cellKey, in model.ResultInput, existed bool) tea.Cmd {
	in.IfUntested = !existed
	return func() tea.Msg {
		msg := cellSavedMsg{seq: seq, key: k}
		msg.err = withWriteTimeout(ctx, func(ctx context.Context) error { return wp.SetResult(ctx, in) })
		if msg.err == nil {
			ctx, cancel := context.WithTimeout(ctx, loadTimeout)
			defer cancel()
			msg.res, _ = wp.ResultAt(ctx, in.ControlRef, in.Position, in.Attribute)
			msg.eval, _ = wp.Evaluate(ctx, in.ControlRef)
		}
		return msg
	}
}

// saved takes a write's answer: the cell takes the stored result, or goes
// back to what it was.
func (p *gridPage) saved(msg cellSavedMsg) tea.Cmd {
	pw, ok := p.pending[msg.key]
	if !ok || pw.seq != msg.seq {
		return nil
	}
	delete(p.pending, msg.key)
	r := p.row(msg.key.ordinal)
	if msg.err != nil {
		if r != nil && msg.key.attr < len(r.res) {
			r.res[msg.key.attr] = pw.prev
		}
		if msg.key.ordinal == p.cur {
			p.devPrompt = false
		}
		if who, stale := staleWho(msg.err, p.now); stale {
			text := fmt.Sprintf("Item %d/%s not saved: %s; theirs is shown.", msg.key.ordinal, pw.in.Attribute, who)
			return tea.Batch(errCmd(errors.New(text)), p.readWindow(p.base))
		}
		text := fmt.Sprintf("Item %d/%s not saved, back to %s: %s", msg.key.ordinal, pw.in.Attribute,
			outcomeWord(pw.prev.outcome), writeErrorText(msg.err, p.now))
		if _, _, reviewed := reviewedAsk(msg.err, ""); reviewed {
			return errCmd(msg.err) // the root asks whether to reopen the review
		}
		return errCmd(errors.New(text))
	}
	if msg.eval != nil {
		p.meta.eval = msg.eval
	}
	var cmds []tea.Cmd
	if p.meta.virtual {
		p.meta.virtual = false
		cmds = append(cmds, p.reload())
	}
	if r != nil && msg.res != nil && msg.key.attr < len(r.res) {
		r.res[msg.key.attr] = cellOf(msg.res)
		if pw.queued != nil {
			q := *pw.queued
			r.res[msg.key.attr] = cellOf(msg.res)
			if q.outcome != msg.res.Outcome {
				cmds = append(cmds, p.write(r, msg.key.attr, q.outcome, q.note, q.tickmark, q.evidence))
			}
		}
	}
	return tea.Batch(cmds...)
}
