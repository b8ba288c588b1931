package export

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/fieldwork-audit/fieldwork/model"
)

// rowsChunk is how many items of the grid are read at a time.
const rowsChunk = 500

// writeGrid writes the tested items × attributes, with the client's ID,
// date and columns of each item, between the hidden key and end rows.
func writeGrid(d *data, s *sheet, st *styles, x *control, header []string) error {
	ct := x.ct
	attrs := ct.Attributes

	// Key row (hidden): what each column is, for ImportResults.
	keys := []any{gridKeyMarker + "|" + d.eng.UUID + "|" + x.sel.UUID + "|" + ct.WPRef,
		keyPosition, keySourceRow, keyID, keyDate, keyFlags, keyDrawn}
	for _, a := range attrs {
		for _, f := range attrFields {
			keys = append(keys, a.Letter+":"+f)
		}
	}
	for i := range header {
		keys = append(keys, fmt.Sprintf("client:%d", i+1))
	}
	for i, k := range keys {
		keys[i] = excelize.Cell{StyleID: st.hidden, Value: CellText(k.(string))}
	}
	if err := s.addOpts(excelize.RowOpts{Hidden: true}, keys...); err != nil {
		return err
	}

	// Headings.
	idHead, dateHead := "ID", "Date"
	if x.pop != nil && x.pop.IDColumn != "" {
		idHead = x.pop.IDColumn
	}
	if x.pop != nil && x.pop.DateColumn != "" {
		dateHead = x.pop.DateColumn
	}
	heads := []any{st.str(stHeader, "Item"), st.str(stHeader, "Position"), st.str(stHeader, "Source row"), st.str(stHeader, idHead),
		st.str(stHeader, dateHead), st.str(stHeader, "Flags"), st.str(stHeader, "Drawn in")}
	for _, a := range attrs {
		heads = append(heads, st.str(stHeader, "Attribute "+a.Letter), st.str(stHeader, a.Letter+" tickmark"), st.str(stHeader, a.Letter+" note"),
			st.str(stHeader, a.Letter+" evidence"), st.str(stHeader, a.Letter+" version"))
	}
	for _, h := range header {
		heads = append(heads, st.str(stHeader, "Client: "+h))
	}
	if err := s.add(heads...); err != nil {
		return err
	}
	headRow := s.row
	cols := len(heads)

	// Items, a page at a time, each with its population row and results,
	// read and laid out ahead by the prefetcher: memory is bounded by a few
	// pages.
	items := x.sel.Items
	for from := 0; from < len(items); from += rowsChunk {
		chunk := items[from:min(from+rowsChunk, len(items))]
		page, err := d.nextPage(s.b.ctx, st, x, chunk)
		if err != nil {
			return err
		}
		for i, row := range page.rows {
			if err := s.addSized(page.heights[i], row...); err != nil {
				return err
			}
		}
	}
	lastItem := s.row
	if err := s.addOpts(excelize.RowOpts{Hidden: true}, excelize.Cell{StyleID: st.hidden, Value: gridEndMarker}); err != nil {
		return err
	}
	// The AutoFilter covers the grid (headings to the last item).
	first := headRow + 1
	a, _ := excelize.CoordinatesToCellName(1, headRow)
	z, _ := excelize.CoordinatesToCellName(cols, max(lastItem, first))
	s.filter = a + ":" + z
	if len(attrs) > 0 && lastItem >= first {
		var outcome, ticks []string
		for i := range attrs {
			col := gridFixed + i*5 + 1
			oa, _ := excelize.CoordinatesToCellName(col, first)
			oz, _ := excelize.CoordinatesToCellName(col, lastItem)
			outcome = append(outcome, oa+":"+oz)
			ta, _ := excelize.CoordinatesToCellName(col+1, first)
			tz, _ := excelize.CoordinatesToCellName(col+1, lastItem)
			ticks = append(ticks, ta+":"+tz)
		}
		dv := excelize.NewDataValidation(true)
		dv.SetSqref(strings.Join(outcome, " "))
		if err := dv.SetDropList(outcomeWords); err != nil {
			return err
		}
		dv.SetError(excelize.DataValidationErrorStyleStop, "Outcome", "Type pass, deviation or na.")
		s.dvs = append(s.dvs, dv)
		if symbols := tickmarkList(d.tickmarks); symbols != nil {
			tv := excelize.NewDataValidation(true)
			tv.SetSqref(strings.Join(ticks, " "))
			if err := tv.SetDropList(symbols); err == nil {
				tv.SetError(excelize.DataValidationErrorStyleWarning, "Tickmark", "Use a tickmark from the legend (fieldwork tickmark set adds one).")
				s.dvs = append(s.dvs, tv)
			}
		}
	}
	return nil
}

// cellKey finds a result of the grid: item ordinal and attribute letter.
type cellKey struct {
	ordinal int
	letter  string
}

// itemRow is one item's row of the grid: cols cells, the client's
// (nClient of them) last when the population row is known.
func itemRow(st *styles, it model.SampleItem, pr *model.PopulationRow, attrs []model.Attribute, byCell map[cellKey]*model.ItemOutcome, nClient, cols int) []any {
	r := newRowCells(cols)
	r.add(st.pos(int64(it.Ordinal)), st.pos(int64(it.Position)))
	if pr != nil {
		r.add(st.pos(int64(pr.SourceRow)), st.str(stPlain, pr.ID))
		if d, ok := dateCell(st, pr.Date); ok {
			r.add(d)
		} else {
			r.blank(1)
		}
		r.add(st.str(stText, strings.Join(pr.Flags, ", ")))
	} else {
		r.blank(4)
	}
	drawn := "initial"
	if it.Extension > 0 {
		drawn = "ext. " + strconv.Itoa(it.Extension)
	}
	r.add(st.str(stPlain, drawn))
	for _, a := range attrs {
		res := byCell[cellKey{it.Ordinal, a.Letter}]
		if res == nil {
			r.add(st.str(stInput, ""), st.str(stInput, ""), st.str(stInput, ""), st.str(stInput, ""))
			r.blank(1)
			continue
		}
		r.add(st.str(stInput, string(res.Outcome)), st.str(stInput, res.Tickmark), st.str(stInput, res.Note),
			st.str(stInput, res.Evidence), excelize.Cell{StyleID: st.hidden, Value: res.Version})
	}
	if pr != nil {
		for i := 0; i < nClient; i++ {
			if i < len(pr.Cells) {
				r.add(st.str(stText, pr.Cells[i]))
			} else {
				r.blank(1)
			}
		}
	}
	return r.row
}

// rowCells builds a row whose cells share one allocation: StreamWriter.SetRow
// takes a *excelize.Cell as well as a Cell, and boxing each Cell into an
// interface would allocate it on its own.
type rowCells struct {
	vals []excelize.Cell
	row  []any
}

func newRowCells(n int) *rowCells {
	return &rowCells{vals: make([]excelize.Cell, 0, n), row: make([]any, 0, n)}
}

// add appends cells. Past the capacity given, append moves vals, but the
// cells already pointed to stay where they were, unchanged.
func (r *rowCells) add(cells ...excelize.Cell) {
	for _, c := range cells {
		r.vals = append(r.vals, c)
		r.row = append(r.row, &r.vals[len(r.vals)-1])
	}
}

// blank appends n empty cells.
func (r *rowCells) blank(n int) {
	for ; n > 0; n-- {
		r.row = append(r.row, nil)
	}
}

// gridPage is one page of a control's tested items, laid out: a row of
// cells and its height for each item.
type gridPage struct {
	x       *control
	first   int // ordinal of the page's first item
	rows    [][]any
	heights []float64
	err     error
}

// readPage reads the items of chunk (consecutive ordinals), with their
// population rows and results, and lays out their rows.
func readPage(ctx context.Context, w *model.Workpaper, st *styles, x *control, chunk []model.SampleItem) gridPage {
	p := gridPage{x: x, first: chunk[0].Ordinal}
	n := chunk[len(chunk)-1].Ordinal - p.first + 1
	srs, err := w.SampleRows(ctx, x.sel, p.first, n)
	if err != nil {
		p.err = err
		return p
	}
	results, err := w.ItemOutcomes(ctx, x.sel.UUID, p.first, n)
	if err != nil {
		p.err = err
		return p
	}
	byOrdinal := make(map[int]*model.PopulationRow, len(srs))
	for i := range srs {
		byOrdinal[srs[i].Item.Ordinal] = &srs[i].Row
	}
	byCell := make(map[cellKey]*model.ItemOutcome, len(results))
	for i := range results {
		byCell[cellKey{results[i].Ordinal, results[i].Attribute}] = &results[i]
	}
	spec, header := controlSheetSpec(x), x.clientHeader()
	cols := gridFixed + len(x.ct.Attributes)*5 + len(header)
	p.rows, p.heights = make([][]any, len(chunk)), make([]float64, len(chunk))
	for i, it := range chunk {
		p.rows[i] = itemRow(st, it, byOrdinal[it.Ordinal], x.ct.Attributes, byCell, len(header), cols)
		p.heights[i] = spec.rowHeight(st, p.rows[i], nil)
	}
	return p
}

// prefetch reads the grids of the control tests, in order, on a goroutine
// of its own while the sheets are written: the database and the
// spreadsheet writer then work at the same time. It stops when ctx ends.
func (d *data) prefetch(ctx context.Context, st *styles, tests []*control) {
	ch := make(chan gridPage, 2)
	d.pages = ch
	go func() {
		defer close(ch)
		for _, x := range tests {
			if x.sel == nil {
				continue
			}
			for from := 0; from < len(x.sel.Items); from += rowsChunk {
				p := readPage(ctx, d.w, st, x, x.sel.Items[from:min(from+rowsChunk, len(x.sel.Items))])
				select {
				case ch <- p:
				case <-ctx.Done():
					return
				}
				if p.err != nil {
					return
				}
			}
		}
	}()
}

// nextPage returns the page of chunk: from the prefetcher when one runs,
// else read now.
func (d *data) nextPage(ctx context.Context, st *styles, x *control, chunk []model.SampleItem) (gridPage, error) {
	if d.pages == nil {
		p := readPage(ctx, d.w, st, x, chunk)
		return p, p.err
	}
	select {
	case p, ok := <-d.pages:
		switch {
		case !ok:
			if err := ctx.Err(); err != nil {
				return p, err
			}
			return p, fmt.Errorf("%s: the items were not read", x.ct.WPRef)
		case p.err != nil:
			return p, p.err
		case p.x != x || p.first != chunk[0].Ordinal:
			return p, fmt.Errorf("%s: items read out of order", x.ct.WPRef)
		}
		return p, nil
	case <-ctx.Done():
		return gridPage{}, ctx.Err()
	}
}

// dateCell is a real date from a stored YYYY-MM-DD occurrence date.
func dateCell(st *styles, s string) (excelize.Cell, bool) {
	t, err := model.ParseDate(s)
	if err != nil || t.IsZero() {
		return excelize.Cell{}, false
	}
	return st.dayCell(t), true
}
