package export

import (
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"
)

// book is one workbook being written.
type book struct {
	ctx    context.Context
	f      *excelize.File
	st     styles
	client string // for footers
	firm   string
	sheets []string
	cells  int64 // cells written
	// dims is each sheet's used range by its part ("xl/worksheets/
	// sheet3.xml" → "A1:L240"): a StreamWriter writes the dimension
	// before the rows, as "A1", and streaming readers (openpyxl read-only,
	// excelize's Rows) trust it; the zip writer puts the real one in.
	dims map[string]string
}

func newBook(ctx context.Context) (*book, error) {
	f := excelize.NewFile()
	st, err := newStyles(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	b := &book{ctx: ctx, f: f, st: st, dims: map[string]string{}}
	f.SetZipWriter(func(w io.Writer) excelize.ZipWriter {
		z := newParallelZip(w)
		z.dims = b.dims
		return z
	})
	return b, nil
}

// sheetSpec is how a sheet is laid out.
type sheetSpec struct {
	name string
	// ref is what the footer names the sheet by (the W/P ref of a control
	// test sheet); empty means the sheet name.
	ref    string
	widths []float64
	// freezeRows and freezeCols stay in view when scrolling.
	freezeRows, freezeCols int
	// printTitleRows repeat at the top of every printed page (0 = none).
	printTitleRows int
	portrait       bool
	hiddenCols     []int
	// groupedCols are hidden in a collapsed outline group the reader can expand.
	groupedCols []int
}

// sheet is one worksheet written row by row through a StreamWriter: rows
// strictly ascending, column widths and panes before the first row, and
// AutoFilter, data validation, print set-up and hyperlinks before Flush.
//
// The last row added is held back until the next one (or close), so that
// merges made on it are known when its height is estimated: neither Excel
// nor LibreOffice sizes a row to wrapped text when opening a file.
type sheet struct {
	b      *book
	spec   sheetSpec
	sw     *excelize.StreamWriter
	row    int // last row added
	pend   *pendingRow
	filter string
	dvs    []*excelize.DataValidation
	links  [][2]string // cell, location
	// part is the sheet's XML part; lastRow and lastCol bound the cells
	// written (its dimension).
	part             string
	lastRow, lastCol int
}

type pendingRow struct {
	row    int
	cells  []any
	opts   excelize.RowOpts
	merges [][2]int
	sized  bool // opts.Height is final, even 0
}

func (b *book) newSheet(spec sheetSpec) (*sheet, error) {
	name := spec.name
	if len(b.sheets) == 0 {
		if err := b.f.SetSheetName("Sheet1", name); err != nil {
			return nil, err
		}
	} else if _, err := b.f.NewSheet(name); err != nil {
		return nil, err
	}
	b.sheets = append(b.sheets, name)
	yes := true
	// Sheet properties are written when the stream starts: set them first.
	if err := b.f.SetSheetProps(name, &excelize.SheetPropsOptions{FitToPage: &yes}); err != nil {
		return nil, err
	}
	sw, err := b.f.NewStreamWriter(name)
	if err != nil {
		return nil, err
	}
	// Visibility and outline first, then every width from the last column
	// to the first: excelize puts the column it last touched first, and
	// spreadsheets expect the columns in ascending order.
	for _, c := range spec.hiddenCols {
		if err := sw.SetColVisible(c, c, false); err != nil {
			return nil, err
		}
	}
	for _, c := range spec.groupedCols {
		if err := sw.SetColOutlineLevel(c, 1); err != nil {
			return nil, err
		}
		if err := sw.SetColVisible(c, c, false); err != nil {
			return nil, err
		}
	}
	width := func(i int) float64 {
		if w := spec.widths[i]; w > 0 {
			return w
		}
		return 8.43
	}
	for hi := len(spec.widths) - 1; hi >= 0; {
		lo := hi
		for lo > 0 && width(lo-1) == width(hi) {
			lo-- // one call per run of equal widths
		}
		if err := sw.SetColWidth(lo+1, hi+1, width(hi)); err != nil {
			return nil, err
		}
		hi = lo - 1
	}
	if spec.freezeRows > 0 || spec.freezeCols > 0 {
		pane := "bottomLeft"
		switch {
		case spec.freezeRows > 0 && spec.freezeCols > 0:
			pane = "bottomRight"
		case spec.freezeRows == 0:
			pane = "topRight"
		}
		top, _ := excelize.CoordinatesToCellName(spec.freezeCols+1, spec.freezeRows+1)
		if err := sw.SetPanes(&excelize.Panes{Freeze: true, XSplit: spec.freezeCols, YSplit: spec.freezeRows, TopLeftCell: top, ActivePane: pane,
			Selection: []excelize.Selection{{SQRef: top, ActiveCell: top, Pane: pane}}}); err != nil {
			return nil, err
		}
	}
	part := ""
	for id, n := range b.f.GetSheetMap() {
		if n == name {
			part = fmt.Sprintf("xl/worksheets/sheet%d.xml", id)
		}
	}
	return &sheet{b: b, spec: spec, sw: sw, part: part}, nil
}

// add writes the next row.
func (s *sheet) add(cells ...any) error { return s.addOpts(excelize.RowOpts{}, cells...) }

// addSized writes the next row with the height rowHeight gave it (0: one
// line), which it must not be merged across.
func (s *sheet) addSized(height float64, cells ...any) error {
	if err := s.addOpts(excelize.RowOpts{Height: height}, cells...); err != nil {
		return err
	}
	s.pend.sized = true
	return nil
}

// addH writes the next row with a fixed height in points.
func (s *sheet) addH(height float64, cells ...any) error {
	return s.addOpts(excelize.RowOpts{Height: math.Min(height, excelize.MaxRowHeight)}, cells...)
}

func (s *sheet) addOpts(opts excelize.RowOpts, cells ...any) error {
	if err := s.flushRow(); err != nil {
		return err
	}
	if s.row%256 == 0 {
		if err := s.b.ctx.Err(); err != nil {
			return err
		}
	}
	if s.row >= excelize.TotalRows {
		return fmt.Errorf("sheet %q is full (%d rows)", s.spec.name, excelize.TotalRows)
	}
	s.row++
	s.pend = &pendingRow{row: s.row, cells: cells, opts: opts}
	return nil
}

// skip leaves n blank rows.
func (s *sheet) skip(n int) {
	s.flushRow()
	s.row += n
}

// merge merges columns from..to (1-based) of the last row added.
func (s *sheet) merge(from, to int) error {
	if to > from && s.pend != nil {
		s.pend.merges = append(s.pend.merges, [2]int{from, to})
	}
	return nil
}

// flushRow writes the held row, with an estimated height when it has
// wrapped text and no height of its own.
func (s *sheet) flushRow() error {
	p := s.pend
	if p == nil {
		return nil
	}
	s.pend = nil
	if p.opts.Height == 0 && !p.opts.Hidden && !p.sized {
		p.opts.Height = s.spec.rowHeight(&s.b.st, p.cells, p.merges)
	}
	if len(p.cells) == 0 && p.opts == (excelize.RowOpts{}) {
		return nil // a blank row is simply not written
	}
	for _, c := range p.cells {
		if c != nil {
			s.b.cells++
		}
	}
	cell, _ := excelize.CoordinatesToCellName(1, p.row)
	if err := s.sw.SetRow(cell, p.cells, p.opts); err != nil {
		return err
	}
	last := len(p.cells)
	for last > 0 && p.cells[last-1] == nil {
		last--
	}
	for _, m := range p.merges {
		last = max(last, m[1])
	}
	if last > 0 {
		s.lastRow, s.lastCol = p.row, max(s.lastCol, last)
	}
	for _, m := range p.merges {
		a, _ := excelize.CoordinatesToCellName(m[0], p.row)
		b, _ := excelize.CoordinatesToCellName(m[1], p.row)
		if err := s.sw.MergeCell(a, b); err != nil {
			return err
		}
	}
	return nil
}

// rowHeight is the height a row's wrapped text needs, or 0 when a single
// line does. It only reads, so rows may be measured on another goroutine.
func (sp *sheetSpec) rowHeight(st *styles, cells []any, merges [][2]int) float64 {
	height := 0.0
	for i, v := range cells {
		c, ok := cellOf(v)
		if !ok {
			continue
		}
		text, ok := c.Value.(string)
		lineHeight, wraps := st.wraps[c.StyleID]
		if !ok || !wraps || text == "" {
			continue
		}
		if sp.hiddenCol(i + 1) {
			continue
		}
		width := sp.width(i + 1)
		for _, m := range merges {
			if m[0] == i+1 {
				width = 0
				for col := m[0]; col <= m[1]; col++ {
					width += sp.width(col)
				}
			}
		}
		if lines := wrapLines(text, width*st.perChar[c.StyleID]); lines > 1 {
			height = math.Max(height, float64(lines)*lineHeight+3)
		}
	}
	return math.Min(height, excelize.MaxRowHeight)
}

// cellOf is the styled cell of a row value (a Cell or a *Cell).
func cellOf(v any) (excelize.Cell, bool) {
	switch c := v.(type) {
	case excelize.Cell:
		return c, true
	case *excelize.Cell:
		if c != nil {
			return *c, true
		}
	}
	return excelize.Cell{}, false
}

func (sp *sheetSpec) hiddenCol(col int) bool {
	for _, c := range sp.hiddenCols {
		if c == col {
			return true
		}
	}
	for _, c := range sp.groupedCols {
		if c == col {
			return true
		}
	}
	return false
}

// width is a column's width in characters.
func (sp *sheetSpec) width(col int) float64 {
	if col-1 < len(sp.widths) && sp.widths[col-1] > 0 {
		return sp.widths[col-1]
	}
	return 8.43
}

// autoFilter puts the AutoFilter on columns 1..cols from row header to the
// last row written. It is applied before Flush (after Flush it would be
// silently dropped).
func (s *sheet) autoFilter(header, cols int) {
	last := max(s.row, header+1)
	a, _ := excelize.CoordinatesToCellName(1, header)
	b, _ := excelize.CoordinatesToCellName(cols, last)
	s.filter = a + ":" + b
}

// link makes cell (of a row already written) jump to another sheet.
func (s *sheet) link(col, row int, targetSheet string) {
	cell, _ := excelize.CoordinatesToCellName(col, row)
	s.links = append(s.links, [2]string{cell, quoteSheet(targetSheet) + "!A1"})
}

// quoteSheet quotes a sheet name for a reference: 'It”s'.
func quoteSheet(name string) string { return "'" + strings.ReplaceAll(name, "'", "''") + "'" }

// headerFooterText escapes & (a control character in headers and footers)
// and keeps the text within the 255-character limit of the whole field.
func headerFooterText(s string, limit int) string {
	s = strings.Join(strings.Fields(CellText(s)), " ")
	if r := []rune(s); len(r) > limit {
		s = string(r[:limit-1]) + "…"
	}
	return strings.ReplaceAll(s, "&", "&&")
}

// close applies the print set-up, filter and validations, then flushes.
func (s *sheet) close() error {
	if err := s.flushRow(); err != nil {
		return err
	}
	f, name := s.b.f, s.spec.name
	if s.filter != "" {
		if err := f.AutoFilter(name, s.filter, nil); err != nil {
			return err
		}
	}
	for _, dv := range s.dvs {
		if err := f.AddDataValidation(name, dv); err != nil {
			return err
		}
	}
	for _, l := range s.links {
		if err := f.SetCellHyperLink(name, l[0], l[1], "Location"); err != nil {
			return err
		}
	}
	orientation := "landscape"
	if s.spec.portrait {
		orientation = "portrait"
	}
	one, zero := 1, 0
	if err := f.SetPageLayout(name, &excelize.PageLayoutOptions{Orientation: &orientation, FitToWidth: &one, FitToHeight: &zero}); err != nil {
		return err
	}
	m, hf := 0.5, 0.3
	if err := f.SetPageMargins(name, &excelize.PageLayoutMarginsOptions{Left: &m, Right: &m, Top: &m, Bottom: &m, Header: &hf, Footer: &hf}); err != nil {
		return err
	}
	ref := s.spec.ref
	if ref == "" {
		ref = name
	}
	if err := f.SetHeaderFooter(name, &excelize.HeaderFooterOptions{
		OddHeader: "&L&8" + headerFooterText(s.b.firm, 70) + "&R&8" + headerFooterText(s.b.client, 70),
		OddFooter: "&L&8" + headerFooterText(ref, 60) + "&C&8Page &P of &N&R&8fieldwork",
	}); err != nil {
		return err
	}
	if s.spec.printTitleRows > 0 {
		if err := s.b.setPrintTitles(name, s.spec.printTitleRows); err != nil {
			return err
		}
	}
	if s.part != "" && s.lastRow > 0 {
		end, _ := excelize.CoordinatesToCellName(s.lastCol, s.lastRow)
		s.b.dims[s.part] = "A1:" + end
	}
	return s.sw.Flush()
}

// setPrintTitles makes rows 1..rows of a sheet print on every page: a
// _xlnm.Print_Titles name scoped to the sheet. SetDefinedName checks a new
// name against every existing one, listing all the sheets for each check:
// with a hundred sheets that was 40 MB of garbage an export. The first
// name goes through it; the others, which cannot clash (one a sheet), are
// appended to the workbook's public WorkBook field as it would append them
// (quotePrefixTwin edits the public Styles field the same way).
func (b *book) setPrintTitles(sheet string, rows int) error {
	dn := &excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: fmt.Sprintf("%s!$1:$%d", quoteSheet(sheet), rows), Scope: sheet}
	wb := b.f.WorkBook
	index := slices.Index(b.sheets, sheet)
	if wb == nil || wb.DefinedNames == nil || len(wb.DefinedNames.DefinedName) == 0 || index < 0 {
		return b.f.SetDefinedName(dn)
	}
	names := wb.DefinedNames.DefinedName
	n := slices.Clone(names[:1]) // a value of excelize's unexported type…
	clear(n)                     // …emptied
	n[0].Name, n[0].Data, n[0].LocalSheetID = dn.Name, dn.RefersTo, &index
	wb.DefinedNames.DefinedName = append(names, n[0])
	return nil
}

// wrapLines estimates how many lines text takes when wrapped at word
// boundaries in a column width characters wide (East Asian wide
// characters and emoji count double). It errs on the side of more lines.
func wrapLines(text string, width float64) int {
	per := max(4, int(width))
	if len(text) <= per && strings.IndexByte(text, '\n') < 0 {
		return 1 // no character is wider than its UTF-8 bytes
	}
	lines := 0
	for _, para := range strings.Split(text, "\n") {
		n, cur := 1, 0
		for _, word := range strings.Fields(para) {
			wl := displayWidth(word)
			switch {
			case cur == 0:
				cur = wl
			case cur+1+wl <= per:
				cur += 1 + wl
			default:
				n++
				cur = wl
			}
			for cur > per {
				n++
				cur -= per
			}
		}
		lines += n
		if lines > 1000 {
			break
		}
	}
	return lines
}

func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		switch {
		case r >= 0x1100 && (r <= 0x115f || (r >= 0x2e80 && r <= 0xa4cf) || (r >= 0xac00 && r <= 0xd7a3) ||
			(r >= 0xf900 && r <= 0xfaff) || (r >= 0xfe30 && r <= 0xfe4f) || (r >= 0xff00 && r <= 0xff60) ||
			(r >= 0xffe0 && r <= 0xffe6) || (r >= 0x1f300 && r <= 0x1faff) || (r >= 0x20000 && r <= 0x3fffd)):
			n += 2
		default:
			n++
		}
	}
	return n
}
