package tabular

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/xuri/excelize/v2"
)

// The XLSX source: excelize's row iterator, with the checks of the zip's
// parts, the choice of sheet and the date formats.

type xlsxSource struct {
	name, sheet string
	f           *excelize.File
	rows        *excelize.Rows
	n           int
	tmp         string // the folder for unpacked parts, removed by close
}

func (s *xlsxSource) next() ([]string, int, error) {
	if !s.rows.Next() {
		if err := s.rows.Error(); err != nil {
			return nil, 0, fmt.Errorf("%s (sheet %q) cannot be read after row %d: %v; re-save it from Excel, or export the sheet as CSV", s.name, s.sheet, s.n, err)
		}
		return nil, 0, io.EOF
	}
	s.n++ // excelize's iterator visits every row number, absent rows included
	cells, err := s.rows.Columns()
	if err != nil {
		return nil, 0, fmt.Errorf("%s (sheet %q) row %d cannot be read: %v; re-save it from Excel, or export the sheet as CSV", s.name, s.sheet, s.n, err)
	}
	if err := checkCells(s.name, s.sheet, s.n, cells); err != nil {
		return nil, 0, err
	}
	return cells, s.n, nil
}

func (s *xlsxSource) close() error {
	var errs []error
	if s.rows != nil {
		errs = append(errs, s.rows.Close())
		s.rows = nil
	}
	if s.f != nil {
		errs = append(errs, s.f.Close())
		s.f = nil
	}
	if s.tmp != "" {
		errs = append(errs, os.RemoveAll(s.tmp))
		s.tmp = ""
	}
	return errors.Join(errs...)
}

// checkXLSXParts tells an Excel workbook from other zip files before excelize
// unpacks anything.
func checkXLSXParts(path, name string) error {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return fmt.Errorf("%s looks like an .xlsx workbook but cannot be opened (%v): it may be damaged or incomplete; ask the client to send it again", name, err)
	}
	defer zr.Close()
	var workbook, binary, word, odf bool
	for _, f := range zr.File {
		if size := f.UncompressedSize64; size > MaxPartInflate ||
			(size > minRatioChecked && f.CompressedSize64 > 0 && size/f.CompressedSize64 > MaxPartRatio) {
			return fmt.Errorf("%s: its part %s would unpack to %d MB from %d KB, more than fieldwork unpacks (%d MB, or %d times its packed size): it is not a workbook fieldwork can read with confidence; export the sheet as CSV",
				name, f.Name, size>>20, f.CompressedSize64>>10, MaxPartInflate>>20, MaxPartRatio)
		}
		switch strings.ToLower(f.Name) {
		case "xl/workbook.xml":
			workbook = true
		case "xl/workbook.bin":
			binary = true
		case "word/document.xml", "ppt/presentation.xml":
			word = true
		case "mimetype", "content.xml":
			odf = true
		}
	}
	switch {
	case workbook:
		return checkXLSXXML(&zr.Reader, name)
	case binary:
		return fmt.Errorf("%s is an Excel binary workbook (.xlsb): open it in Excel and save it as .xlsx or CSV", name)
	case word:
		return fmt.Errorf("%s is a Word or PowerPoint document, not a spreadsheet: ask the client for the CSV or XLSX file", name)
	case odf:
		return fmt.Errorf("%s is an OpenDocument (LibreOffice/Numbers) file: save it as .xlsx or CSV", name)
	}
	return fmt.Errorf("%s is a zip archive, not an Excel workbook: unzip it and choose the .xlsx or CSV file inside", name)
}

func openXLSXTable(path, name string, opt TableOptions) (*Table, error) {
	if err := checkXLSXParts(path, name); err != nil {
		return nil, err
	}
	tmp, err := newXLSXTempDir()
	if err != nil {
		return nil, fmt.Errorf("%s: no temporary folder for the workbook's large parts (%v): check the disk space and TMPDIR", name, err)
	}
	f, err := excelize.OpenFile(path, excelize.Options{
		UnzipSizeLimit:    tabularXLSXUnzipMax,
		UnzipXMLSizeLimit: tabularXLSXInMemoryMax,
		ShortDatePattern:  "yyyy-mm-dd",
		TmpDir:            tmp,
	})
	if err != nil {
		if f != nil {
			f.Close()
		}
		os.RemoveAll(tmp)
		if strings.Contains(err.Error(), "unzip size") {
			return nil, fmt.Errorf("%s is too large to open (more than %d GiB once unpacked): export the sheet as CSV", name, tabularXLSXUnzipMax>>30)
		}
		return nil, fmt.Errorf("%s cannot be opened as an .xlsx workbook (%v): re-save it from Excel, or export the sheet as CSV", name, err)
	}
	xlsxFastDateFormats(f)
	sheet, err := pickSheet(f, name, opt.Sheet)
	if err != nil {
		f.Close()
		os.RemoveAll(tmp)
		return nil, err
	}
	rows, err := f.Rows(sheet)
	if err != nil {
		f.Close()
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("%s (sheet %q) cannot be read (%v): re-save it from Excel, or export the sheet as CSV", name, sheet, err)
	}
	src := &xlsxSource{name: name, sheet: sheet, f: f, rows: rows, tmp: tmp}
	header, row, blanks, err := findHeader(name, sheet, src, opt)
	if err != nil {
		var hnf *HeaderNotFoundError
		if errors.As(err, &hnf) {
			hnf.Sheets = visibleSheets(f)
		}
		src.close()
		return nil, err
	}
	return &Table{name: name, format: "xlsx", sheet: sheet, header: header, headerRow: row, src: src, blankBefore: blanks}, nil
}

// pickSheet returns the sheet to read: the one asked for (matched without
// regard to case, as Excel does), or the first visible one.
func pickSheet(f *excelize.File, name, want string) (string, error) {
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return "", fmt.Errorf("%s has no sheets: re-save it from Excel", name)
	}
	if want != "" {
		for _, s := range sheets {
			if s == want {
				return s, nil
			}
		}
		for _, s := range sheets {
			if strings.EqualFold(s, want) {
				return s, nil
			}
		}
		return "", fmt.Errorf("%s has no sheet %q: its sheets are %s; choose one of them", name, want, QuoteCells(sheets, len(sheets)))
	}
	if v := visibleSheets(f); len(v) > 0 {
		return v[0], nil
	}
	return sheets[0], nil
}

func visibleSheets(f *excelize.File) []string {
	var v []string
	for _, s := range f.GetSheetList() {
		if ok, _ := f.GetSheetVisible(s); ok {
			v = append(v, s)
		}
	}
	return v
}

// xlsxBuiltinDateFormats are Excel's built-in date and time number formats,
// as excelize renders them; 14 and 22, Excel's locale-dependent short date,
// are rendered ISO (see the top of this file).
var xlsxBuiltinDateFormats = map[int]string{
	14: "yyyy-mm-dd", 15: "d-mmm-yy", 16: "d-mmm", 17: "mmm-yy",
	20: "hh:mm", 21: "hh:mm:ss", 22: "yyyy-mm-dd hh:mm",
	45: "mm:ss", 46: "[h]:mm:ss", 47: "mm:ss.0",
}

// xlsxFastDateFormats works around a cost in excelize: a date format with no
// locale tag makes it scan its whole language table for every date token of
// every cell (about 45 µs a date cell, ten times the cost of the rest of the
// row). Tagging the format en-US ("[$-409]"), which excelize renders exactly
// as it renders an untagged format (English month and day names), makes that
// a map lookup. Only the in-memory styles of this read-only File change.
// Formats with AM/PM or several sections, and anything unexpected, are left
// alone: they are rendered correctly, only more slowly.
func xlsxFastDateFormats(f *excelize.File) {
	ss := f.Styles
	if ss == nil || ss.CellXfs == nil {
		return
	}
	custom := map[int]string{}
	if ss.NumFmts != nil {
		for _, nf := range ss.NumFmts.NumFmt {
			code := nf.FormatCode
			if nf.FormatCode16 != "" {
				code = nf.FormatCode16
			}
			custom[nf.NumFmtID] = code
		}
	}
	retag := map[int]int{} // number format ID → tagged copy's ID, -1 if none
	n := len(ss.CellXfs.Xf)
	for i := 0; i < n; i++ {
		p := ss.CellXfs.Xf[i].NumFmtID
		if p == nil {
			continue
		}
		id, done := retag[*p]
		if !done {
			id = -1
			code, ok := custom[*p]
			if !ok {
				code, ok = xlsxBuiltinDateFormats[*p]
			}
			if ok && untaggedDateFormat(code) {
				tagged := "[$-409]" + code
				if st, err := f.NewStyle(&excelize.Style{CustomNumFmt: &tagged}); err == nil &&
					st >= 0 && st < len(ss.CellXfs.Xf) && ss.CellXfs.Xf[st].NumFmtID != nil {
					id = *ss.CellXfs.Xf[st].NumFmtID
				}
			}
			retag[*p] = id
		}
		if id >= 0 {
			ss.CellXfs.Xf[i].NumFmtID = &id
		}
	}
}

// untaggedDateFormat reports a one-section date or time format with no
// locale tag and no AM/PM.
func untaggedDateFormat(code string) bool {
	lc := strings.ToLower(code)
	if strings.Contains(lc, "[$") || strings.Contains(lc, "am/pm") || strings.Contains(lc, "a/p") {
		return false
	}
	var b strings.Builder
	quoted, bracket, escaped := false, false, false
	for _, r := range lc {
		switch {
		case escaped:
			escaped = false
		case quoted:
			quoted = r != '"'
		case bracket:
			bracket = r != ']'
		case r == '\\':
			escaped = true
		case r == '"':
			quoted = true
		case r == '[':
			bracket = true
		case r == ';':
			return false
		default:
			b.WriteRune(r)
		}
	}
	return strings.ContainsAny(b.String(), "ymdhs")
}
