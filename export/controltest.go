package export

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/fieldwork-audit/fieldwork/model"
	"github.com/fieldwork-audit/fieldwork/sampling"
)

// The tested-items grid of a control test sheet is framed by two hidden
// rows that ImportResults reads: the key row above the headings names each
// column, and the end row closes the grid.
const (
	gridKeyMarker = "fieldwork-grid/1"
	gridEndMarker = "fieldwork-grid-end"
)

// Grid column keys (the key row); attribute columns are "<letter>:<field>".
const (
	keyPosition  = "position"
	keySourceRow = "source-row"
	keyID        = "id"
	keyDate      = "date"
	keyFlags     = "flags"
	keyDrawn     = "drawn"
	fieldOutcome = "outcome"
	fieldTick    = "tickmark"
	fieldNote    = "note"
	fieldEvid    = "evidence"
	fieldVersion = "version"
)

var attrFields = []string{fieldOutcome, fieldTick, fieldNote, fieldEvid, fieldVersion}

// gridFixed is the number of item columns before the attribute columns.
const gridFixed = 7

// Outcomes as written in the grid (and accepted by its drop-down).
var outcomeWords = []string{string(model.Pass), string(model.Deviation), string(model.NotApplicable)}

// rowsChunk is how many items of the grid are read at a time.
const rowsChunk = 500

func writeControlTest(d *data, b *book, x *control) error {
	st := &b.st
	ct, e := x.ct, d.eng
	nAttr := len(ct.Attributes)
	header := x.clientHeader()
	last := max(10, gridFixed+nAttr*5)
	s, err := b.newSheet(controlSheetSpec(x))
	if err != nil {
		return err
	}
	loc := d.opt.Location

	// Helpers: a section heading, and "label: value" rows.
	rule := any(st.str(stSubtitle, "")) // boxed once: every heading repeats it
	heading := func(text string) error {
		s.skip(1)
		row := make([]any, last)
		for i := range row {
			row[i] = rule
		}
		row[0] = st.str(stSubtitle, text)
		return s.add(row...)
	}
	kv := func(label string, value string, style styleKind) error {
		if err := s.add(st.str(stBold, label), nil, nil, st.str(style, value)); err != nil {
			return err
		}
		if err := s.merge(1, 3); err != nil {
			return err
		}
		return s.merge(4, last)
	}
	kvAny := func(label string, value any) error {
		if err := s.add(st.str(stBold, label), nil, nil, value); err != nil {
			return err
		}
		return s.merge(1, 3)
	}
	text := func(label, value string) error {
		if value == "" {
			return nil
		}
		return kv(label, value, stText)
	}

	// Title block (frozen, repeated on every printed page).
	if err := s.addH(20, st.str(stTitle, ct.WPRef+" — control "+ct.Control.Ref)); err != nil {
		return err
	}
	if err := s.merge(1, last); err != nil {
		return err
	}
	if err := s.add(st.str(stBold, fmt.Sprintf("%s — %s — SOC 2 %s, %s", e.Client, e.System, e.Type, e.Period()))); err != nil {
		return err
	}
	if err := s.merge(1, last); err != nil {
		return err
	}

	// Header block.
	s.skip(1)
	if err := kv("Client", e.Client, stText); err != nil {
		return err
	}
	if err := kv("Period", e.Period(), stText); err != nil {
		return err
	}
	if err := kv("W/P ref", ct.WPRef, stBold); err != nil {
		return err
	}
	if err := kv("Control", ct.Control.Ref+" — "+ct.Control.Description, stText); err != nil {
		return err
	}
	for _, role := range []model.Role{model.RolePreparer, model.RoleReviewer} {
		label := "Prepared by"
		if role == model.RoleReviewer {
			label = "Reviewed by"
		}
		so, ok := ct.SignOff(role)
		if !ok {
			if err := kv(label, "Not signed off", stNote); err != nil {
				return err
			}
			continue
		}
		var status any
		if so.Stale {
			msg := "Stale: the workpaper changed after this sign-off"
			if !so.StaleAt.IsZero() {
				msg += fmt.Sprintf(" (%s, by %s)", so.StaleAt.In(loc).Format("2006-01-02 15:04"), so.StaleBy)
			}
			status = st.str(stWarn, msg)
		}
		if err := s.add(st.str(stBold, label), nil, nil, st.str(stText, so.Signer), st.day(so.SignedAt.In(loc)), status); err != nil {
			return err
		}
		if err := s.merge(1, 3); err != nil {
			return err
		}
		if err := s.merge(6, last); err != nil {
			return err
		}
	}
	if ct.ChangedSinceReview() {
		if err := kv("Review", "CHANGED SINCE REVIEW", stWarn); err != nil {
			return err
		}
	}

	// The control.
	if err := heading("Control"); err != nil {
		return err
	}
	c := ct.Control
	if err := kv("Description", c.Description, stText); err != nil {
		return err
	}
	for _, r := range [][2]string{{"Owner", c.Owner}, {"Frequency", string(c.Frequency)}, {"Nature", string(c.Nature)},
		{"Key control", yesNo(c.Key)}, {"Risk", ct.Risk}, {"Criteria addressed", strings.Join(c.Criteria, ", ")}} {
		if err := text(r[0], r[1]); err != nil {
			return err
		}
	}

	// Test of design.
	if err := heading("Test of design"); err != nil {
		return err
	}
	if ct.DesignProcedure == "" && ct.DesignResult == "" && ct.DesignConclusion == "" {
		if err := kv("Procedure", "Not yet documented", stNote); err != nil {
			return err
		}
	}
	for _, r := range [][2]string{{"Procedure", ct.DesignProcedure}, {"Result", ct.DesignResult}, {"Design conclusion", ct.DesignConclusion}} {
		if err := text(r[0], r[1]); err != nil {
			return err
		}
	}

	// Procedures.
	if err := heading("Tests of operating effectiveness"); err != nil {
		return err
	}
	if len(ct.Procedures) == 0 {
		if err := kv("Procedures", "None recorded", stNote); err != nil {
			return err
		}
	}
	for i, p := range ct.Procedures {
		if err := kv(fmt.Sprintf("%d. %s", i+1, procedureVerb[p.Kind]), p.Text, stText); err != nil {
			return err
		}
	}

	// Population.
	if err := heading("Population (information produced by the entity)"); err != nil {
		return err
	}
	if p := x.pop; p == nil {
		if err := kv("Source", "No population imported", stNote); err != nil {
			return err
		}
	} else {
		src := p.SourceName
		if p.Sheet != "" {
			src += ", sheet " + p.Sheet
		}
		if err := text("Source", fmt.Sprintf("%s (%s, header on row %d)", src, p.Format, p.HeaderRow)); err != nil {
			return err
		}
		if err := kv("SHA-256 of the file", p.SHA256, stMono); err != nil {
			return err
		}
		if err := kv("SHA-256 of the stored rows", p.RowsDigest, stMono); err != nil {
			return err
		}
		for _, r := range []struct {
			label string
			n     int64
		}{{"File size (bytes)", p.SourceSize}, {"Rows (occurrences)", int64(p.Rows)}, {"Outside the period", int64(p.OutOfPeriod)},
			{"Unreadable dates", int64(p.BadDates)}, {"Duplicate IDs (rows)", int64(p.Duplicates)}, {"Blank rows skipped", int64(p.BlankRows)}} {
			if err := kvAny(r.label, excelize.Cell{StyleID: st.integer, Value: r.n}); err != nil {
				return err
			}
		}
		for _, r := range [][2]string{{"ID column", p.IDColumn}, {"Date column", p.DateColumn}, {"IPE procedure", p.IPEProcedure},
			{"IPE result", p.IPEResult}, {"Replaced because", p.ReplaceReason}} {
			if err := text(r[0], r[1]); err != nil {
				return err
			}
		}
		if p.IPEProcedure == "" {
			if err := kv("IPE", "Completeness and accuracy not yet tested", stWarn); err != nil {
				return err
			}
		}
		if err := text("Imported by", p.ImportedBy); err != nil {
			return err
		}
		if err := kvAny("Imported at", st.instant(p.ImportedAt, loc)); err != nil {
			return err
		}
	}

	// Sample plan and selection record.
	if err := heading("Sample plan"); err != nil {
		return err
	}
	pl := ct.Plan
	if pl.Kind == "" {
		if err := kv("Plan", "No plan recorded", stNote); err != nil {
			return err
		}
	} else {
		for _, r := range [][2]string{{"Kind", pl.Kind}, {"Confidence", pl.Confidence}, {"Tolerable rate", pl.Tolerable},
			{"Expected rate", pl.Expected}, {"Model", pl.Model}} {
			if err := text(r[0], r[1]); err != nil {
				return err
			}
		}
		if err := kvAny("Planned size", st.num(pl.Size)); err != nil {
			return err
		}
		if pl.Kind == "statistical" {
			if err := kvAny("Deviations allowed", st.num(pl.Allowed)); err != nil {
				return err
			}
		}
		if err := text("Basis", pl.Basis); err != nil {
			return err
		}
	}
	if err := heading("Selection record (re-perform with 'fieldwork sample verify')"); err != nil {
		return err
	}
	if x.sel == nil {
		if err := kv("Selection", "No sample drawn", stNote); err != nil {
			return err
		}
	} else {
		if err := writeSelectionRecord(s, st, x.sel, kv, kvAny); err != nil {
			return err
		}
		if err := kv("Drawn by", x.sel.DrawnBy, stText); err != nil {
			return err
		}
		if err := kvAny("Drawn at", st.instant(x.sel.DrawnAt, loc)); err != nil {
			return err
		}
	}

	// Attributes and the grid.
	if err := heading("Attributes"); err != nil {
		return err
	}
	if nAttr == 0 {
		if err := kv("Attributes", "None defined", stNote); err != nil {
			return err
		}
	}
	for _, a := range ct.Attributes {
		if err := kv("Attribute "+a.Letter, a.Text, stText); err != nil {
			return err
		}
	}
	if x.sel != nil {
		if err := heading("Tested items"); err != nil {
			return err
		}
		if err := s.add(st.str(stNote, "Results may be typed into the yellow columns and read back with 'fieldwork import-results'. Outcomes: pass, deviation or na; tickmarks from the legend below. The client's columns of each item are grouped at the right (+ to show).")); err != nil {
			return err
		}
		if err := s.merge(1, last); err != nil {
			return err
		}
		if err := writeGrid(d, s, st, x, header); err != nil {
			return err
		}
	}

	// Tickmark legend.
	if err := heading("Tickmark legend"); err != nil {
		return err
	}
	for _, tm := range d.tickmarks {
		if err := kv(tm.Symbol, tm.Meaning, stText); err != nil {
			return err
		}
	}

	// Exceptions and review notes on this control.
	if err := heading("Exceptions"); err != nil {
		return err
	}
	if len(x.excs) == 0 {
		if err := kv("Exceptions", "None logged", stNote); err != nil {
			return err
		}
	}
	for _, ex := range x.excs {
		pos := make([]string, len(ex.Positions))
		for i, p := range ex.Positions {
			pos[i] = strconv.Itoa(p)
		}
		body := fmt.Sprintf("%s\nItems (positions): %s\nEvaluation: %s\nReport wording: %s\nManagement's response: %s",
			ex.Description, strings.Join(pos, ", "), orDash(ex.Evaluation), orDash(ex.ReportWording), orDash(ex.Response))
		if ex.Compensating != "" {
			body += "\nMitigating evidence: " + ex.Compensating
		}
		if ex.CompensatingControl != "" {
			body += "\nCompensating control: " + ex.CompensatingControl
		}
		if err := kv(ex.Ref, body, stText); err != nil {
			return err
		}
	}
	if err := heading("Review notes"); err != nil {
		return err
	}
	notes := 0
	for _, n := range d.notes {
		if n.TargetKind == "control" && n.TargetRef == c.Ref {
			notes++
			body := fmt.Sprintf("%s\n[%s] %s", n.Text, n.State, n.Response)
			style := stText
			if n.State != model.NoteCleared {
				style = stWarn
			}
			if err := kv(n.Ref, strings.TrimSpace(body), style); err != nil {
				return err
			}
		}
	}
	if notes == 0 {
		if err := kv("Review notes", "None", stNote); err != nil {
			return err
		}
	}

	// Evaluation and conclusion.
	if err := heading("Evaluation and conclusion"); err != nil {
		return err
	}
	ev := x.ev
	for _, r := range []struct {
		label string
		n     int
	}{{"Items selected", ev.Items}, {"Items fully tested", ev.Complete}, {"Results recorded", ev.Recorded},
		{"Items with deviations", ev.Deviations}, {"Exceptions logged", ev.Exceptions}} {
		if err := kvAny(r.label, st.num(r.n)); err != nil {
			return err
		}
	}
	if se := ev.Statistical; se != nil {
		if err := kvAny("Upper deviation limit", st.pct(se.UpperLimitPercent/100)); err != nil {
			return err
		}
		if err := kvAny("Sample deviation rate", st.pct(float64(ev.Deviations)/float64(max(1, ev.Items)))); err != nil {
			return err
		}
		if err := text("Statistical conclusion", string(se.Conclusion)); err != nil {
			return err
		}
	}
	if err := text("Proposed conclusion", strings.TrimSpace(string(ev.Proposed)+" — "+ev.Reason)); err != nil {
		return err
	}
	concl := string(ct.Conclusion)
	style := stBold
	if concl == "" {
		concl, style = "Not concluded", stWarn
	}
	if err := kv("Conclusion", concl, style); err != nil {
		return err
	}
	if err := text("Conclusion note", ct.ConclusionNote); err != nil {
		return err
	}
	if ct.ConclusionReason != "" {
		if err := kv("Departs from the proposal", ct.ConclusionReason, stWarn); err != nil {
			return err
		}
	}
	return s.close()
}

// clientHeader is the headings of the client's columns of the items.
func (x *control) clientHeader() []string {
	if x.pop == nil {
		return nil
	}
	return x.pop.Header
}

// controlSheetSpec lays out a control test sheet: the grid's columns (an
// attribute's version hidden, the client's columns grouped at the right).
func controlSheetSpec(x *control) sheetSpec {
	nAttr, header := len(x.ct.Attributes), x.clientHeader()
	widths := []float64{6, 10, 9, 16, 11, 14, 9}
	var hidden []int
	for i := 0; i < nAttr; i++ {
		widths = append(widths, 11, 9, 28, 28, 6)
		hidden = append(hidden, gridFixed+i*5+5)
	}
	for range header {
		widths = append(widths, 16)
	}
	for len(widths) < 12 {
		widths = append(widths, 16)
	}
	var grouped []int
	for i := range header {
		grouped = append(grouped, gridFixed+nAttr*5+i+1)
	}
	return sheetSpec{name: x.sheet, ref: x.ct.WPRef, widths: widths, freezeRows: 2, printTitleRows: 2,
		hiddenCols: hidden, groupedCols: grouped}
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// writeSelectionRecord writes everything needed to re-perform a selection.
func writeSelectionRecord(s *sheet, st *styles, sel *model.Selection, kv func(string, string, styleKind) error, kvAny func(string, any) error) error {
	r := sel.Record
	rows := [][2]string{{"Method", string(r.Method)}, {"Algorithm", r.Algorithm}}
	if r.Method == sampling.Random || r.Method == sampling.Systematic {
		// The seed is text: a 64-bit seed does not fit a spreadsheet number.
		rows = append(rows, [2]string{"Seed", strconv.FormatUint(r.Seed, 10)})
	}
	for _, row := range rows {
		if err := kv(row[0], row[1], stText); err != nil {
			return err
		}
	}
	if err := kvAny("Population (N)", st.num(r.Population)); err != nil {
		return err
	}
	if err := kv("Population SHA-256", r.PopulationSHA256, stMono); err != nil {
		return err
	}
	if err := kvAny("Sample size (n)", st.num(r.Size)); err != nil {
		return err
	}
	if r.Method == sampling.Systematic {
		if err := kvAny("Interval", st.num(r.Interval)); err != nil {
			return err
		}
		if err := kvAny("Random start", st.num(r.Start)); err != nil {
			return err
		}
	}
	if r.Method == sampling.AllItems {
		if err := kv("Positions", fmt.Sprintf("1 to %d (every item)", r.Population), stText); err != nil {
			return err
		}
	} else {
		if err := kv("Positions in draw order", joinInts(r.Positions), stText); err != nil {
			return err
		}
		if err := kv("Positions sorted", joinInts(r.Sorted), stText); err != nil {
			return err
		}
	}
	for i, x := range r.Extensions {
		if err := kv(fmt.Sprintf("Extension %d", i+1), fmt.Sprintf("%d items added, in draw order: %s", x.Added, joinInts(x.Positions)), stText); err != nil {
			return err
		}
	}
	if err := kvAny("Items with extensions", st.num(r.Total())); err != nil {
		return err
	}
	return kv("Size basis", sel.SizeBasis, stText)
}

func joinInts(xs []int) string {
	var b strings.Builder
	for i, x := range xs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(x))
	}
	return b.String()
}

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

// tickmarkList is the legend's symbols for a drop-down, or nil when one
// cannot be listed there.
func tickmarkList(tms []model.Tickmark) []string {
	var out []string
	for _, tm := range tms {
		sym := CellText(tm.Symbol)
		if sym == "" || strings.ContainsAny(sym, `,"`) || formulaLike(sym) {
			return nil
		}
		out = append(out, sym)
	}
	return out
}

// dateCell is a real date from a stored YYYY-MM-DD occurrence date.
func dateCell(st *styles, s string) (excelize.Cell, bool) {
	t, err := model.ParseDate(s)
	if err != nil || t.IsZero() {
		return excelize.Cell{}, false
	}
	return st.dayCell(t), true
}
