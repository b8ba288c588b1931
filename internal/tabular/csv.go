package tabular

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	xunicode "golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// The CSV source: encoding/csv over a buffered stream, with the encodings,
// the delimiter guess and the line limit.

type csvSource struct {
	name    string
	r       *csv.Reader
	closer  io.Closer
	skipSep bool // the first line is Excel's "sep=X" hint
	// lf: the file's lines end in LF (or CRLF), so a carriage return left
	// inside a cell is a lone CR that may have joined two records.
	lf bool
}

func (s *csvSource) next() ([]string, int, error) {
	for {
		rec, err := s.r.Read()
		if err != nil {
			return nil, 0, csvError(s.name, err)
		}
		line, _ := s.r.FieldPos(0)
		if err := checkCells(s.name, "", line, rec); err != nil {
			return nil, 0, err
		}
		if s.lf {
			for i, c := range rec {
				if strings.IndexByte(c, '\r') >= 0 {
					return nil, 0, fmt.Errorf("%s: line %d, column %d holds a lone carriage return (CR) in a file whose lines end in LF: the file mixes line endings, so two records may have been joined; re-export the file, or replace the stray CR", s.name, line, i+1)
				}
			}
		}
		if s.skipSep {
			s.skipSep = false
			if line == 1 {
				continue
			}
		}
		return rec, line, nil
	}
}

func (s *csvSource) close() error {
	if s.closer == nil {
		return nil
	}
	err := s.closer.Close()
	s.closer = nil
	return err
}

// csvParseError names the file, line and column of a malformed CSV.
type csvParseError struct {
	file string
	pe   *csv.ParseError
}

func (e *csvParseError) Unwrap() error { return e.pe }

func (e *csvParseError) Error() string {
	var why string
	switch {
	case errors.Is(e.pe.Err, csv.ErrBareQuote):
		why = `a " appears inside a cell that does not start with a quote: double it ("") or put the whole cell in quotes`
	case errors.Is(e.pe.Err, csv.ErrQuote):
		why = fmt.Sprintf(`a quoted cell that starts on line %d is never closed, or has text after its closing quote (a quote inside a cell must be doubled: "")`, e.pe.StartLine)
	default:
		why = e.pe.Err.Error()
	}
	return fmt.Sprintf("%s: line %d, column %d: %s; or re-export the file from Excel", e.file, e.pe.Line, e.pe.Column, why)
}

// textEncodingError reports bytes that are neither UTF-8 nor a consistent
// Windows-1252 file.
type textEncodingError struct {
	file string
	line int
}

func (e *textEncodingError) Error() string {
	return fmt.Sprintf("%s: line %d: the text is not valid UTF-8 although earlier lines are (the file mixes encodings): re-save it from Excel as \"CSV UTF-8 (Comma delimited)\"", e.file, e.line)
}

func csvError(name string, err error) error {
	if err == io.EOF {
		return io.EOF
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &csvParseError{file: name, pe: pe}
	}
	var te *textEncodingError
	if errors.As(err, &te) {
		te.file = name
		return te
	}
	return fmt.Errorf("%s cannot be read (%w): check that the file is complete, then try again", name, err)
}

// newCSVTable reads a CSV stream (r) up to its header. closer is closed by
// Table.Close (it may be nil).
func newCSVTable(name string, r io.Reader, closer io.Closer, opt TableOptions) (*Table, error) {
	if opt.Sheet != "" {
		return nil, fmt.Errorf("%s is a CSV (text) file: it has no sheets, so leave the sheet empty (sheet %q was given)", name, opt.Sheet)
	}
	br := bufio.NewReaderSize(r, tabularCSVPeekSize)
	var text io.Reader = br
	if lead, _ := br.Peek(3); bytes.HasPrefix(lead, bomUTF16LE) || bytes.HasPrefix(lead, bomUTF16BE) {
		// Excel's "Unicode Text": decode to UTF-8 first (the BOM is consumed).
		text = transform.NewReader(br, xunicode.UTF16(xunicode.LittleEndian, xunicode.ExpectBOM).NewDecoder())
	} else if bytes.HasPrefix(lead, bomUTF8) {
		br.Discard(len(bomUTF8))
	}
	tr := &utf8OrCP1252{}
	pb := bufio.NewReaderSize(transform.NewReader(text, tr), tabularCSVPeekSize)
	head, _ := pb.Peek(tabularCSVPeekSize) // a short read or error shows again when reading
	var body io.Reader = &lineLimit{r: pb, name: name}
	lf := true
	if bytes.IndexByte(head, '\r') >= 0 && bytes.IndexByte(head, '\n') < 0 {
		body = &lineLimit{r: crToLF{pb}, name: name}
		head = bytes.ReplaceAll(head, []byte{'\r'}, []byte{'\n'})
		lf = false
	}
	comma, sep := csvDelimiter(head, opt)
	cr := csv.NewReader(body)
	cr.Comma = comma
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = false
	cr.ReuseRecord = true // safe: Table.Next copies every record before returning it
	src := &csvSource{name: name, r: cr, closer: closer, skipSep: sep, lf: lf}
	header, row, blanks, err := findHeader(name, "", src, opt)
	if err != nil {
		return nil, err
	}
	return &Table{name: name, format: "csv", header: header, headerRow: row, src: src, checkShort: true, blankBefore: blanks}, nil
}

// csvDelimiter picks the delimiter that splits the header row into the most
// non-empty cells (comma on a tie), and reports whether the first line is
// Excel's "sep=X" hint, which decides the delimiter by itself.
func csvDelimiter(head []byte, opt TableOptions) (rune, bool) {
	if len(head) >= 5 && strings.EqualFold(string(head[:4]), "sep=") {
		rest := head[5:]
		if len(rest) == 0 || rest[0] == '\n' || rest[0] == '\r' {
			if d := rune(head[4]); d != '"' && d != '\n' && d != '\r' && d < utf8.RuneSelf {
				return d, true
			}
		}
	}
	best, bestScore := ',', -1
	for _, d := range []rune{',', ';', '\t'} {
		if s := csvHeaderScore(head, d, opt); s > bestScore {
			best, bestScore = d, s
		}
	}
	return best, false
}

func csvHeaderScore(head []byte, comma rune, opt TableOptions) int {
	r := csv.NewReader(bytes.NewReader(head))
	r.Comma = comma
	r.FieldsPerRecord = -1
	scanned := 0
	for {
		rec, err := r.Read()
		if err != nil {
			return -1
		}
		line, _ := r.FieldPos(0)
		if opt.HeaderRow > 0 {
			if line < opt.HeaderRow {
				continue
			}
			if line > opt.HeaderRow {
				return -1
			}
			return nonBlankCount(rec)
		}
		if blankCells(rec) || onlyDelimiters(rec) {
			continue // a row of ",,," is blank whatever the delimiter
		}
		scanned++
		if opt.IsHeader == nil || opt.IsHeader(rec) {
			return nonBlankCount(rec)
		}
		if scanned >= TableHeaderScanLimit {
			return -1
		}
	}
}

func onlyDelimiters(cells []string) bool {
	for _, c := range cells {
		if strings.TrimFunc(c, func(r rune) bool { return isBlankRune(r) || r == ',' || r == ';' }) != "" {
			return false
		}
	}
	return true
}

func nonBlankCount(cells []string) int {
	n := 0
	for _, c := range cells {
		if !blankText(c) {
			n++
		}
	}
	return n
}

// crToLF turns bare carriage returns (classic Mac line ends) into line feeds.
type crToLF struct{ r io.Reader }

func (c crToLF) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	for i, b := range p[:n] {
		if b == '\r' {
			p[i] = '\n'
		}
	}
	return n, err
}

// utf8OrCP1252 passes UTF-8 through, checking it. If an invalid byte comes
// before any multi-byte UTF-8 sequence, the file is taken to be Windows-1252
// from there on (the bytes before were ASCII, which reads the same in both).
// An invalid byte after valid multi-byte UTF-8 is an error.
type utf8OrCP1252 struct {
	mode  int // 0 only ASCII so far, 1 UTF-8, 2 Windows-1252
	lines int // line feeds in the bytes consumed so far
}

func (t *utf8OrCP1252) Reset() { *t = utf8OrCP1252{} }

func (t *utf8OrCP1252) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	defer func() { t.lines += bytes.Count(src[:nSrc], []byte{'\n'}) }()
	for nSrc < len(src) {
		b := src[nSrc]
		if b < utf8.RuneSelf {
			// Copy a run of ASCII at once.
			end := nSrc + 1
			for end < len(src) && src[end] < utf8.RuneSelf {
				end++
			}
			n := copy(dst[nDst:], src[nSrc:end])
			nDst += n
			nSrc += n
			if nSrc < end {
				return nDst, nSrc, transform.ErrShortDst
			}
			continue
		}
		if t.mode == 2 {
			r := charmap.Windows1252.DecodeByte(b)
			if len(dst)-nDst < utf8.RuneLen(r) {
				return nDst, nSrc, transform.ErrShortDst
			}
			nDst += utf8.EncodeRune(dst[nDst:], r)
			nSrc++
			continue
		}
		if !atEOF && !utf8.FullRune(src[nSrc:]) {
			return nDst, nSrc, transform.ErrShortSrc
		}
		r, size := utf8.DecodeRune(src[nSrc:])
		if r == utf8.RuneError && size == 1 {
			if t.mode == 1 {
				line := t.lines + 1 + bytes.Count(src[:nSrc], []byte{'\n'})
				return nDst, nSrc, &textEncodingError{line: line}
			}
			t.mode = 2
			continue
		}
		t.mode = 1
		if len(dst)-nDst < size {
			return nDst, nSrc, transform.ErrShortDst
		}
		nDst += copy(dst[nDst:], src[nSrc:nSrc+size])
		nSrc += size
	}
	return nDst, nSrc, nil
}

// lineLimit stops a CSV whose line (a run without a line feed) grows past
// MaxLineBytes, before the CSV reader holds all of it.
type lineLimit struct {
	r    io.Reader
	name string
	run  int
	line int
}

func (l *lineLimit) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	b := p[:n]
	if last := bytes.LastIndexByte(b, '\n'); last < 0 {
		l.run += n
	} else {
		// Only the runs inside b, and the one it ends with, can be too long.
		first := bytes.IndexByte(b, '\n')
		if l.run+first > MaxLineBytes {
			return 0, l.tooLong()
		}
		l.line += bytes.Count(b, []byte{'\n'})
		if n > MaxLineBytes {
			for rest := b[first+1:]; len(rest) > 0; {
				i := bytes.IndexByte(rest, '\n')
				if i < 0 {
					break
				}
				if i > MaxLineBytes {
					return 0, l.tooLong()
				}
				rest = rest[i+1:]
			}
		}
		l.run = n - 1 - last
	}
	if l.run > MaxLineBytes {
		return 0, l.tooLong()
	}
	return n, err
}

func (l *lineLimit) tooLong() error {
	return fmt.Errorf("line %d is longer than %d MB without a line break: not a table fieldwork can read with confidence (an unclosed quote, or a cell far larger than a cell may hold)", l.line+1, MaxLineBytes>>20)
}
