package export

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// MaxCellChars is the most characters (UTF-16 code units, as Excel counts
// them) a cell holds.
const MaxCellChars = excelize.TotalCellChars

// truncatedMarker ends a cell whose text was cut to fit; %d is the length
// of the full text in characters.
const truncatedMarker = " […truncated by fieldwork: %d characters in the workpaper]"

// CellText makes text from a workpaper safe to store in a cell: invalid
// UTF-8 becomes U+FFFD; CR LF and lone CR become LF; every other C0 control
// character except tab and LF, DEL and the C1 controls are removed (XML 1.0
// cannot hold most of them, and none of them display); U+FFFE and U+FFFF
// (not XML characters) become U+FFFD; text over MaxCellChars is cut, at a
// character boundary, and ends with a marker that gives the full length.
//
// It does not neutralize formulas: fieldwork never writes client text as a
// formula (see formulaLike and the quote-prefix styles).
func CellText(s string) string {
	if !plainCell(s) {
		var b strings.Builder
		b.Grow(len(s))
		for i := 0; i < len(s); {
			r, size := utf8.DecodeRuneInString(s[i:])
			i += size
			switch {
			case r == utf8.RuneError && size <= 1:
				b.WriteRune('\uFFFD')
			case r == '\r':
				if i < len(s) && s[i] == '\n' {
					i++
				}
				b.WriteByte('\n')
			case r == '\t' || r == '\n':
				b.WriteRune(r)
			case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
				// dropped
			case r == 0xFFFE || r == 0xFFFF:
				b.WriteRune('\uFFFD')
			default:
				b.WriteRune(r)
			}
		}
		s = b.String()
	}
	return truncateCell(s)
}

// plainCell reports whether CellText would leave s unchanged (before truncation).
func plainCell(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 && c != '\t' && c != '\n' || c == 0x7f {
			return false
		}
		if c >= 0x80 {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size <= 1 || r < 0xa0 || r == 0xFFFE || r == 0xFFFF {
				return false
			}
			i += size - 1
		}
	}
	return true
}

// utf16Len counts UTF-16 code units, as Excel measures text.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

func truncateCell(s string) string {
	if len(s) <= MaxCellChars { // bytes ≥ UTF-16 units: short enough
		return s
	}
	total := utf16Len(s)
	if total <= MaxCellChars {
		return s
	}
	marker := strings.Replace(truncatedMarker, "%d", strconv.Itoa(total), 1)
	limit := MaxCellChars - utf16Len(marker)
	n := 0
	for i, r := range s {
		w := utf16.RuneLen(r)
		if n+w > limit {
			return s[:i] + marker
		}
		n += w
	}
	return s + marker
}

// formulaLike reports whether a spreadsheet would take text typed into a
// cell as a formula or a command: it begins (after spaces) with =, +, -, @,
// a tab, CR or LF, or their full-width forms. Such text is written with a
// quote-prefix style so that it stays text even when someone edits the cell.
func formulaLike(s string) bool {
	s = strings.TrimLeft(s, " ")
	if s == "" {
		return false
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r', '\n':
		return true
	}
	r, _ := utf8.DecodeRuneInString(s)
	switch r {
	case '＝', '＋', '－', '＠', '\u2212': // full-width forms and the minus sign
		return true
	}
	return false
}

// styleKind names the cell formats; each text format has a quote-prefix twin.
type styleKind int

const (
	stText      styleKind = iota // wrapped, top-aligned body text
	stPlain                      // unwrapped text
	stBold                       // labels
	stHeader                     // table headings
	stTitle                      // sheet title
	stSubtitle                   // section headings
	stCategory                   // section 4 category rows
	stCriterion                  // section 4 criterion rows
	stWarn                       // "CHANGED SINCE REVIEW" and the like
	stCenter                     // marks in the matrix
	stVertical                   // rotated headings in the matrix
	stMono                       // hashes
	stNote                       // small grey explanations
	stInput                      // cells a team member may fill in (results)
	nTextKinds
)

// styles are created once per workbook and reused by every cell.
type styles struct {
	text     [nTextKinds][2]int // [kind][0 plain, 1 quote-prefixed]
	date     int
	dateTime int
	integer  int // #,##0, for counts
	ordinal  int // 0, for positions, row numbers and sequence numbers
	percent  int
	hidden   int
	// wraps maps the IDs of the styles that wrap text to their line
	// height in points, perChar to the characters a unit of column width
	// holds (column widths are in widths of "0").
	wraps, perChar map[int]float64
}

func newStyles(f *excelize.File) (styles, error) {
	var s styles
	top := func(wrap bool) *excelize.Alignment {
		return &excelize.Alignment{Vertical: "top", WrapText: wrap}
	}
	thin := []excelize.Border{{Type: "bottom", Color: "A6A6A6", Style: 1}}
	defs := [nTextKinds]excelize.Style{
		stText:     {Alignment: top(true)},
		stPlain:    {Alignment: top(false)},
		stBold:     {Font: &excelize.Font{Bold: true}, Alignment: top(true)},
		stHeader:   {Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9E1F2"}}, Border: thin, Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}},
		stTitle:    {Font: &excelize.Font{Bold: true, Size: 14}},
		stSubtitle: {Font: &excelize.Font{Bold: true, Size: 11, Color: "1F3864"}, Border: thin},
		stCategory: {Font: &excelize.Font{Bold: true, Size: 12, Color: "FFFFFF"}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"1F3864"}}, Alignment: top(false)},
		stCriterion: {Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"EDEDED"}},
			Alignment: top(true)},
		stWarn:     {Font: &excelize.Font{Bold: true, Color: "C00000"}, Alignment: top(true)},
		stCenter:   {Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "top"}},
		stVertical: {Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9E1F2"}}, Border: thin, Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "bottom", TextRotation: 90}},
		stMono:     {Font: &excelize.Font{Family: "Consolas", Size: 9}, Alignment: top(true)},
		stNote:     {Font: &excelize.Font{Italic: true, Size: 9, Color: "595959"}, Alignment: top(true)},
		stInput:    {Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFF2CC"}}, Alignment: top(true)},
	}
	s.wraps = map[int]float64{}
	s.perChar = map[int]float64{}
	for k, d := range defs {
		d := d
		if d.Font == nil {
			d.Font = &excelize.Font{}
		}
		if d.Font.Family == "" {
			d.Font.Family = "Calibri"
		}
		if d.Font.Size == 0 {
			d.Font.Size = 11
		}
		id, err := f.NewStyle(&d)
		if err != nil {
			return s, err
		}
		s.text[k][0] = id
		if s.text[k][1], err = quotePrefixTwin(f, id); err != nil {
			return s, err
		}
		if d.Alignment != nil && d.Alignment.WrapText {
			lh, per := 15.0, 1.12
			switch {
			case d.Font.Size < 11:
				lh, per = 12.5, 1.2
			case d.Font.Bold:
				per = 1.0
			}
			s.wraps[s.text[k][0]], s.wraps[s.text[k][1]] = lh, lh
			s.perChar[s.text[k][0]], s.perChar[s.text[k][1]] = per, per
		}
	}
	var err error
	dateFmt, dateTimeFmt := "yyyy-mm-dd", "yyyy-mm-dd hh:mm"
	if s.date, err = f.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt, Alignment: top(false)}); err != nil {
		return s, err
	}
	if s.dateTime, err = f.NewStyle(&excelize.Style{CustomNumFmt: &dateTimeFmt, Alignment: top(false)}); err != nil {
		return s, err
	}
	if s.integer, err = f.NewStyle(&excelize.Style{NumFmt: 3, Alignment: top(false)}); err != nil { // #,##0
		return s, err
	}
	if s.ordinal, err = f.NewStyle(&excelize.Style{NumFmt: 1, Alignment: top(false)}); err != nil { // 0
		return s, err
	}
	if s.percent, err = f.NewStyle(&excelize.Style{NumFmt: 10, Alignment: top(false)}); err != nil { // 0.00%
		return s, err
	}
	if s.hidden, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Family: "Calibri", Color: "808080", Size: 8}}); err != nil {
		return s, err
	}
	return s, nil
}

// quotePrefixTwin appends a copy of cell format id with quotePrefix set and
// returns its ID. excelize v2.11 has no option for quotePrefix, so the
// format record is copied in its style sheet directly (the public Styles
// field); NewStyle would return the same ID for an identical style.
func quotePrefixTwin(f *excelize.File, id int) (int, error) {
	xfs := f.Styles.CellXfs
	if xfs == nil || id < 0 || id >= len(xfs.Xf) {
		return id, nil
	}
	twin := xfs.Xf[id]
	yes := true
	twin.QuotePrefix = &yes
	xfs.Xf = append(xfs.Xf, twin)
	xfs.Count = len(xfs.Xf)
	return len(xfs.Xf) - 1, nil
}

// str is a text cell: always an inline string, never a formula, with the
// quote-prefix twin of style k when the text looks like a formula.
func (s *styles) str(k styleKind, text string) excelize.Cell {
	text = CellText(text)
	qp := 0
	if formulaLike(text) {
		qp = 1
	}
	return excelize.Cell{StyleID: s.text[k][qp], Value: text}
}

// date is a real date cell (an Excel serial with a date format), or an
// empty cell for the zero time.
func (s *styles) day(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return s.dayCell(t)
}

// dayCell is a date cell for a time that is not zero.
func (s *styles) dayCell(t time.Time) excelize.Cell {
	return excelize.Cell{StyleID: s.date, Value: time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)}
}

// instant is a date-time cell in loc, or an empty cell for the zero time.
func (s *styles) instant(t time.Time, loc *time.Location) any {
	if t.IsZero() {
		return nil
	}
	l := t.In(loc)
	return excelize.Cell{StyleID: s.dateTime, Value: time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), 0, time.UTC)}
}

func (s *styles) num(n int) excelize.Cell { return excelize.Cell{StyleID: s.integer, Value: n} }

// pos is a position, row or sequence number: no thousands separator.
func (s *styles) pos(n int64) excelize.Cell { return excelize.Cell{StyleID: s.ordinal, Value: n} }

func (s *styles) pct(f float64) excelize.Cell { return excelize.Cell{StyleID: s.percent, Value: f} }

func yesNo(b bool) string {
	if b {
		return "Yes"
	}
	return "No"
}
