package tui

import (
	"context"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/fieldwork-audit/fieldwork/model"
)

// The grid's reads: what it needs besides its rows (gridMeta), and the
// rows themselves, read by window around the cursor so that a sample of
// any size opens at once.

// gridMeta is what the grid needs besides its rows.
type gridMeta struct {
	loaded     bool
	test       *model.ControlTest
	attrs      []model.Attribute // the test's, or attribute A to be created with the first result
	virtual    bool              // attrs is that one attribute, not yet created
	sel        model.Selection   // UUID and population only: the items are read by page
	total      int
	header     []string // the client's headings, sanitized
	idCol      string
	dateCol    string
	tickmarks  []model.Tickmark
	exceptions []model.Exception // this control's
	eval       *model.TestEvaluation
}

// gridRow is one selected item with its results.
type gridRow struct {
	ordinal, position, extension int
	id, date, flags              string
	cells                        []string
	res                          []gridCell
}

// gridCell is one result; an empty outcome is untested.
type gridCell struct {
	outcome  model.Outcome
	note     string
	tickmark string
	evidence string
	by       string
	at       string
	version  int
	pending  bool
}

type cellKey struct {
	ordinal int
	attr    int
}

// Window sizes: the grid reads winRows rows around the cursor, and reads
// again when the screen comes within winMargin rows of the window's edge.
const (
	winRows   = 240
	winMargin = 40
)

// Messages.
type (
	gridMetaMsg struct {
		id   int64
		meta gridMeta
		err  error
	}
	gridWindowMsg struct {
		id   int64
		from int
		rows []gridRow
		err  error
	}
)

func loadGridMeta(ctx context.Context, wp *model.Workpaper, id int64, ref string) tea.Cmd {
	return readCmd(ctx, func(ctx context.Context) tea.Msg {
		msg := gridMetaMsg{id: id}
		m := &msg.meta
		var err error
		if m.test, err = wp.ControlTest(ctx, ref); err != nil {
			msg.err = err
			return msg
		}
		m.attrs = m.test.Attributes
		if len(m.attrs) == 0 {
			m.attrs, m.virtual = []model.Attribute{{Letter: "A", Text: model.DefaultAttribute + " (created with the first result)"}}, true
		}
		sel, err := wp.Selection(ctx, ref)
		if err != nil {
			msg.err = err
			return msg
		}
		if sel != nil {
			m.sel = model.Selection{UUID: sel.UUID, PopulationUUID: sel.PopulationUUID, ControlRef: sel.ControlRef, Record: sel.Record}
			m.total = len(sel.Items)
		}
		pop, err := wp.CurrentPopulation(ctx, ref)
		if err != nil {
			msg.err = err
			return msg
		}
		if pop != nil {
			for _, h := range pop.Header {
				m.header = append(m.header, oneLine(h))
			}
			m.idCol, m.dateCol = oneLine(pop.IDColumn), oneLine(pop.DateColumn)
		}
		if m.tickmarks, err = wp.Tickmarks(ctx); err != nil {
			msg.err = err
			return msg
		}
		all, err := wp.Exceptions(ctx)
		if err != nil {
			msg.err = err
			return msg
		}
		for _, x := range all {
			if strings.EqualFold(x.ControlRef, m.test.Control.Ref) {
				m.exceptions = append(m.exceptions, x)
			}
		}
		if m.eval, err = wp.Evaluate(ctx, ref); err != nil {
			msg.err = err
			return msg
		}
		m.loaded = true
		return msg
	})
}

// loadWindow reads the items from ordinal from on, with their results:
// two queries, whatever the size of the sample.
func loadWindow(ctx context.Context, wp *model.Workpaper, id int64, sel model.Selection, from, limit int, letters []string) tea.Cmd {
	return readCmd(ctx, func(ctx context.Context) tea.Msg {
		items, err := wp.SampleRows(ctx, &sel, from, limit)
		if err != nil {
			return gridWindowMsg{id: id, from: from, err: err}
		}
		results, err := wp.ResultsForOrdinals(ctx, sel.UUID, from, limit)
		if err != nil {
			return gridWindowMsg{id: id, from: from, err: err}
		}
		return gridWindowMsg{id: id, from: from, rows: buildRows(items, results, letters)}
	})
}

// buildRows turns items and results into the grid's rows, sanitizing the
// client's text once, here, rather than at every frame.
func buildRows(items []model.SampleRow, results []model.ItemResult, letters []string) []gridRow {
	col := map[string]int{}
	for i, l := range letters {
		col[l] = i
	}
	rows := make([]gridRow, len(items))
	idx := make(map[int]int, len(items))
	for i, it := range items {
		r := gridRow{ordinal: it.Item.Ordinal, position: it.Item.Position, extension: it.Item.Extension,
			id: oneLine(it.Row.ID), date: it.Row.Date, res: make([]gridCell, len(letters))}
		if len(it.Row.Flags) > 0 {
			r.flags = strings.Join(it.Row.Flags, ", ")
		}
		r.cells = make([]string, len(it.Row.Cells))
		for j, c := range it.Row.Cells {
			r.cells[j] = oneLine(c)
		}
		rows[i] = r
		idx[r.ordinal] = i
	}
	for _, res := range results {
		i, ok := idx[res.Ordinal]
		j, ok2 := col[res.Attribute]
		if !ok || !ok2 {
			continue
		}
		rows[i].res[j] = cellOf(&res.Result)
	}
	return rows
}

func cellOf(r *model.Result) gridCell {
	return gridCell{outcome: r.Outcome, note: r.Note, tickmark: r.Tickmark, evidence: r.Evidence, by: r.TestedBy,
		at: r.TestedAt.Format("2006-01-02 15:04"), version: r.Version}
}

// row returns the loaded row at an ordinal.
func (p *gridPage) row(ordinal int) *gridRow {
	i := ordinal - p.base
	if i < 0 || i >= len(p.rows) || p.rows[i].ordinal != ordinal {
		return nil
	}
	return &p.rows[i]
}

// ensureWindow reads a new window when the screen nears the edge of the
// one held (one read at a time).
func (p *gridPage) ensureWindow() tea.Cmd {
	if !p.meta.loaded || p.meta.total == 0 || p.winID != 0 {
		return nil
	}
	lo, hi := p.top, min(p.meta.total, p.top+p.rowsH-1)
	end := p.base + len(p.rows) - 1
	covered := len(p.rows) > 0 && lo >= p.base && hi <= end
	nearLo := p.base > 1 && lo-p.base < winMargin
	nearHi := end < p.meta.total && end-hi < winMargin
	if covered && !nearLo && !nearHi {
		return nil
	}
	return p.readWindow(max(1, p.cur-winRows/2))
}

func (p *gridPage) readWindow(from int) tea.Cmd {
	p.winID = nextRequestID()
	p.winFrom = from
	letters := make([]string, len(p.meta.attrs))
	for i, a := range p.meta.attrs {
		letters[i] = a.Letter
	}
	return loadWindow(p.ctx, p.common.wp, p.winID, p.meta.sel, from, winRows, letters)
}
