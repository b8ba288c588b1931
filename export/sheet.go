package export

import (
	"context"
	"fmt"
	"math"
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
}

func newBook(ctx context.Context) (*book, error) {
	f := excelize.NewFile()
	st, err := newStyles(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return &book{ctx: ctx, f: f, st: st}, nil
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
}

// sheet is one worksheet written row by row through a StreamWriter: rows
// strictly ascending, column widths and panes before the first row, and
// AutoFilter, data validation, print set-up and hyperlinks before Flush.
type sheet struct {
	b      *book
	spec   sheetSpec
	sw     *excelize.StreamWriter
	row    int // last row written
	filter string
	dvs    []*excelize.DataValidation
	links  [][2]string // cell, location
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
	for i, w := range spec.widths {
		if w > 0 {
			if err := sw.SetColWidth(i+1, i+1, w); err != nil {
				return nil, err
			}
		}
	}
	for _, c := range spec.hiddenCols {
		if err := sw.SetColVisible(c, c, false); err != nil {
			return nil, err
		}
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
	return &sheet{b: b, spec: spec, sw: sw}, nil
}

// add writes the next row.
func (s *sheet) add(cells ...any) error { return s.addOpts(excelize.RowOpts{}, cells...) }

// addH writes the next row with a fixed height in points.
func (s *sheet) addH(height float64, cells ...any) error {
	return s.addOpts(excelize.RowOpts{Height: math.Min(height, excelize.MaxRowHeight)}, cells...)
}

func (s *sheet) addOpts(opts excelize.RowOpts, cells ...any) error {
	if s.row%256 == 0 {
		if err := s.b.ctx.Err(); err != nil {
			return err
		}
	}
	if s.row >= excelize.TotalRows {
		return fmt.Errorf("sheet %q is full (%d rows)", s.spec.name, excelize.TotalRows)
	}
	s.row++
	if len(cells) == 0 && opts == (excelize.RowOpts{}) {
		return nil // a blank row is simply not written
	}
	cell, _ := excelize.CoordinatesToCellName(1, s.row)
	return s.sw.SetRow(cell, cells, opts)
}

// skip leaves n blank rows.
func (s *sheet) skip(n int) { s.row += n }

// merge merges columns from..to (1-based) of the last row written.
func (s *sheet) merge(from, to int) error {
	if to <= from {
		return nil
	}
	a, _ := excelize.CoordinatesToCellName(from, s.row)
	b, _ := excelize.CoordinatesToCellName(to, s.row)
	return s.sw.MergeCell(a, b)
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

// quoteSheet quotes a sheet name for a reference: 'It''s'.
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
		if err := f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles",
			RefersTo: fmt.Sprintf("%s!$1:$%d", quoteSheet(name), s.spec.printTitleRows), Scope: name}); err != nil {
			return err
		}
	}
	return s.sw.Flush()
}

// textHeight estimates the height in points a wrapped text needs in a cell
// width characters wide: merged cells are never sized by the spreadsheet.
func textHeight(text string, width float64) float64 {
	if width < 4 {
		width = 4
	}
	perLine := int(width * 1.1)
	lines := 0
	for _, para := range strings.Split(text, "\n") {
		n := utf16Len(para)
		lines += max(1, (n+perLine-1)/perLine)
	}
	return math.Min(float64(lines)*15+3, excelize.MaxRowHeight)
}

func sum(ws []float64, from, to int) float64 {
	t := 0.0
	for i := from; i <= to && i < len(ws); i++ {
		t += ws[i]
	}
	return t
}
