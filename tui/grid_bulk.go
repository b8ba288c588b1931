package tui

import (
	"context"
	"errors"
	"fmt"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/fieldwork-audit/fieldwork/model"
)

// Bulk passes. A bulk pass runs a chunk at a time, each chunk a command:
// the grid shows how far it got, and esc stops it between chunks. It
// writes only cells that are untested when the chunk writes them.

// bulkJob is a bulk pass under way; commands carry a copy.
type bulkJob struct {
	id        int64
	what      string // "item 12", "attribute A"
	letters   []string
	positions []int           // a row's item; nil for a column
	sel       model.Selection // a column: the sample, read by page
	next      int             // a column: the next ordinal to look at
	total     int             // a column: the sample's size
	written   int
	skipped   int
}

// bulkChunk is how many items a column's chunk looks at.
const bulkChunk = 250

type bulkStepMsg struct {
	job  bulkJob
	done bool
	err  error
}

func (p *gridPage) askPassRow() tea.Cmd {
	if ro := p.refuseReadOnly(); ro != nil {
		return ro
	}
	r := p.row(p.cur)
	if r == nil {
		return nil
	}
	var letters []string
	for i, c := range r.res {
		if c.outcome == "" {
			letters = append(letters, p.meta.attrs[i].Letter)
		}
	}
	if len(letters) == 0 {
		return statusCmd(fmt.Sprintf("Item %s has no untested cell.", thousands(r.ordinal)))
	}
	ord := r.ordinal
	job := bulkJob{what: "item " + thousands(ord), letters: letters, positions: []int{r.position}}
	p.ask.Ask(fmt.Sprintf("Pass %s of item %s (%s)? Marked cells stay as they are.",
		plural(len(letters), "untested cell", "untested cells"), thousands(ord), truncate(r.id, 20)), "passes", "cancels", func() tea.Cmd {
		return p.startBulk(job, func(k cellKey) bool { return k.ordinal == ord })
	})
	return nil
}

func (p *gridPage) askPassColumn() tea.Cmd {
	if ro := p.refuseReadOnly(); ro != nil {
		return ro
	}
	a := p.meta.attrs[p.col]
	col := p.col
	job := bulkJob{what: "attribute " + a.Letter, letters: []string{a.Letter}, sel: p.meta.sel, next: 1, total: p.meta.total}
	p.ask.Ask(fmt.Sprintf("Pass every untested item of attribute %s (%s items in the sample)? Marked cells stay as they are.",
		oneLine(a.Letter), thousands(p.meta.total)), "passes", "cancels", func() tea.Cmd {
		return p.startBulk(job, func(k cellKey) bool { return k.attr == col })
	})
	return nil
}

// startBulk starts a bulk pass, showing the window's untested cells it
// covers as passed at once.
func (p *gridPage) startBulk(job bulkJob, covers func(cellKey) bool) tea.Cmd {
	if p.bulkID != 0 {
		return statusCmd("A bulk pass is running already.")
	}
	for i := range p.rows {
		r := &p.rows[i]
		for j := range r.res {
			if r.res[j].outcome == "" && covers(cellKey{r.ordinal, j}) {
				r.res[j].outcome, r.res[j].pending = model.Pass, true
			}
		}
	}
	ctx, cancel := context.WithCancel(p.ctx)
	p.bulkStop = cancel
	p.bulkCtx = ctx
	p.bulkID = nextRequestID()
	job.id = p.bulkID
	p.bulkWhat = "passing " + job.what + "…"
	return tea.Batch(busyCmd, bulkStep(ctx, p.common.wp, p.ref, job))
}

// bulkStep writes one chunk of a bulk pass.
func bulkStep(ctx context.Context, wp *model.Workpaper, ref string, job bulkJob) tea.Cmd {
	return func() tea.Msg {
		if job.positions != nil {
			n, sk, err := passCells(ctx, wp, ref, job.positions, job.letters)
			job.written, job.skipped = job.written+n, job.skipped+sk
			return bulkStepMsg{job: job, done: true, err: err}
		}
		todo, looked, err := wp.UntestedItems(ctx, job.sel.UUID, job.letters[0], job.next, bulkChunk)
		if err != nil {
			return bulkStepMsg{job: job, err: err}
		}
		n, sk, err := passCells(ctx, wp, ref, todo, job.letters)
		job.written, job.skipped = job.written+n, job.skipped+sk
		job.next += bulkChunk
		return bulkStepMsg{job: job, done: looked < bulkChunk || job.next > job.total, err: err}
	}
}

// bulkStepped takes a chunk's answer: the next chunk, or the end.
func (p *gridPage) bulkStepped(msg bulkStepMsg) tea.Cmd {
	job := msg.job
	if job.id != p.bulkID {
		return nil
	}
	if msg.err == nil && !msg.done && p.bulkCtx.Err() == nil {
		p.bulkWhat = fmt.Sprintf("passing %s: %s of %s items looked at, %s passed… (esc stops)", job.what,
			thousands(min(job.next-1, job.total)), thousands(job.total), thousands(job.written))
		return bulkStep(p.bulkCtx, p.common.wp, p.ref, job)
	}
	p.bulkStop()
	p.bulkID, p.bulkStop, p.bulkCtx = 0, nil, nil
	what := fmt.Sprintf("Passed %s: %s", job.what, plural(job.written, "cell", "cells"))
	if job.skipped > 0 {
		what += fmt.Sprintf(", %s left as someone else recorded them", thousands(job.skipped))
	}
	cmds := []tea.Cmd{p.reload(), changedCmd}
	switch {
	case errors.Is(msg.err, context.Canceled) || (msg.err == nil && !msg.done):
		cmds = append(cmds, statusCmd(what+"; stopped before the end."))
	case msg.err != nil:
		cmds = append(cmds, errCmd(fmt.Errorf("%s; then: %s", what, writeErrorText(msg.err, p.now))))
	default:
		cmds = append(cmds, statusCmd(what+"."))
	}
	return tea.Batch(cmds...)
}

// passCells passes the untested cells of the items at positions for
// letters, in one transaction; a cell recorded meanwhile is left alone
// (model.PassUntested).
func passCells(ctx context.Context, wp *model.Workpaper, ref string, positions []int, letters []string) (written, skipped int, err error) {
	if len(positions) == 0 || len(letters) == 0 {
		return 0, 0, nil
	}
	err = withWriteTimeout(ctx, func(ctx context.Context) error {
		var err error
		written, skipped, err = wp.PassUntested(ctx, ref, positions, letters)
		return err
	})
	return written, skipped, err
}
