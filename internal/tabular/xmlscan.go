package tabular

// xmlscan.go checks a workbook's sheet and shared-string parts before
// excelize reads them. excelize's row iterator drops XML errors: a cell
// with an undefined entity, or rich text nested without end, comes back
// blank, and a sheet whose XML breaks off simply ends, so rows would be
// counted as "blank rows skipped" or lost without a word (issue 13 item 7).
// The scan is a byte-level state machine (no tokens, no allocation per
// element), about as fast as inflating the part.

import (
	"archive/zip"
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

// maxXMLDepth is far deeper than any workbook part nests (a worksheet's
// rich text is about eight levels down).
const maxXMLDepth = 100

type xmlScanState int

const (
	xsText xmlScanState = iota
	xsTagOpen
	xsTag
	xsAttr
	xsEntity
	xsSkip    // <?…?> or <!…>: until '>'
	xsComment // <!-- … -->
)

// xmlScanError says where in a part the XML is not what Excel writes.
type xmlScanError struct {
	file, part, why string
	unit            string // "row 12", "shared string 40"
}

func (e *xmlScanError) Error() string {
	where := ""
	if e.unit != "" {
		where = " near " + e.unit
	}
	return fmt.Sprintf("%s: its part %s%s %s: excelize would read such cells as blank or stop reading there, so the sheet cannot be read with confidence; re-save the file from Excel, or export the sheet as CSV",
		e.file, e.part, where, e.why)
}

// checkXLSXXML scans the worksheet and shared-string parts of a workbook.
func checkXLSXXML(zr *zip.Reader, name string) error {
	for _, f := range zr.File {
		lower := strings.ToLower(f.Name)
		sheet := strings.HasPrefix(lower, "xl/worksheets/") && strings.HasSuffix(lower, ".xml")
		if !sheet && lower != "xl/sharedstrings.xml" {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return fmt.Errorf("%s: its part %s cannot be unpacked (%v): the file may be damaged; ask the client to send it again", name, f.Name, err)
		}
		cr := &countingReader{r: rc}
		err = scanXML(bufio.NewReaderSize(cr, 64<<10), sheet)
		rc.Close()
		// archive/zip stops a part at the size its entry declares: a part
		// that unpacks to more (a zip bomb that lies about its size) or
		// less (a cut file) ends in one of these errors.
		lied := errors.Is(err, io.ErrUnexpectedEOF) || cr.n > int64(f.UncompressedSize64)
		if se, ok := err.(*xmlScanError); ok {
			se.file, se.part = name, f.Name
			return se
		}
		if lied || errors.Is(err, zip.ErrFormat) || errors.Is(err, zip.ErrChecksum) {
			return fmt.Errorf("%s: its part %s does not unpack to the %d bytes its zip entry declares: the file is damaged, or made to look smaller than it is, so fieldwork stopped reading it; ask the client to send it again, or export the sheet as CSV", name, f.Name, f.UncompressedSize64)
		}
		if err != nil {
			return fmt.Errorf("%s: its part %s cannot be unpacked (%v): the file may be damaged; ask the client to send it again", name, f.Name, err)
		}
	}
	return nil
}

// scanXML checks that r's entities are XML's own or numeric, that elements
// nest at most maxXMLDepth deep and that the document is not cut off. For a
// worksheet it tracks the row (r="N" of the last <row>); for the shared
// strings, the string (count of <si>).
func scanXML(r *bufio.Reader, sheet bool) error {
	var (
		st, ret  xmlScanState
		depth    int
		closing  bool
		prev     byte
		quote    byte
		name     []byte // the element name being read, up to 8 bytes
		inName   bool
		tag      []byte // a <row …> start tag, to read its r attribute
		ent      []byte
		row, sis int
		inRow    bool // reading a <row …> start tag
		dashes   int
	)
	unit := func() string {
		switch {
		case sheet && row > 0:
			return fmt.Sprintf("row %d", row)
		case !sheet && sis > 0:
			return fmt.Sprintf("shared string %d", sis)
		}
		return ""
	}
	fail := func(why string) error { return &xmlScanError{why: why, unit: unit()} }
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Read(buf)
		for _, b := range buf[:n] {
			switch st {
			case xsText:
				switch b {
				case '<':
					st, closing, inName, name = xsTagOpen, false, true, name[:0]
				case '&':
					st, ret, ent = xsEntity, xsText, ent[:0]
				}
			case xsEntity:
				if b == ';' {
					if !knownEntity(ent) {
						return fail(fmt.Sprintf("uses the undefined XML entity \"&%s;\"", ent))
					}
					st = ret
				} else if len(ent) >= 12 || b == '<' || b == '&' || b == ' ' {
					return fail(fmt.Sprintf("has a bare \"&\" (\"&%s\") that starts no XML entity", ent))
				} else {
					ent = append(ent, b)
				}
			case xsTagOpen:
				switch b {
				case '/':
					closing = true
					depth--
					st = xsTag
				case '?':
					st = xsSkip
				case '!':
					st, dashes = xsSkip, 0
				default:
					depth++
					if depth > maxXMLDepth {
						return fail(fmt.Sprintf("nests elements more than %d deep (rich text nested without end?)", maxXMLDepth))
					}
					name = append(name, b)
					st = xsTag
				}
			case xsTag:
				if inName {
					if b == ' ' || b == '>' || b == '/' || b == '\t' || b == '\n' || b == '\r' {
						inName = false
						if !closing {
							local := name
							if i := bytes.IndexByte(local, ':'); i >= 0 {
								local = local[i+1:]
							}
							switch string(local) {
							case "row":
								tag, inRow = tag[:0], true
							case "si":
								sis++
							}
						}
					} else if len(name) < 8 {
						name = append(name, b)
					}
				}
				if inRow && len(tag) < 256 {
					tag = append(tag, b)
				}
				switch b {
				case '"', '\'':
					st, quote = xsAttr, b
				case '>':
					if prev == '/' && !closing {
						depth--
					}
					if inRow {
						inRow = false
						row++ // a row without r="N" is the next one
						if i := bytes.Index(tag, []byte(` r="`)); i >= 0 {
							if v, ok := decimal(tag[i+4:]); ok {
								row = v
							}
						}
					}
					if depth < 0 {
						return fail("closes an element it never opened")
					}
					st = xsText
				}
			case xsAttr:
				if inRow && len(tag) < 256 {
					tag = append(tag, b)
				}
				switch b {
				case quote:
					st = xsTag
				case '&':
					st, ret, ent = xsEntity, xsAttr, ent[:0]
				case '<':
					return fail("has a \"<\" inside an attribute")
				}
			case xsSkip:
				if b == '-' && prev == '!' {
					st, dashes = xsComment, 0
				} else if b == '>' {
					st = xsText
				}
			case xsComment:
				if b == '>' && dashes >= 2 {
					st = xsText
				}
				if b == '-' {
					dashes++
				} else {
					dashes = 0
				}
			}
			prev = b
		}
		if err == io.EOF {
			if depth != 0 || st != xsText {
				return fail("breaks off inside an element (the file is cut short or damaged)")
			}
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// knownEntity: XML's five, or a character reference.
func knownEntity(e []byte) bool {
	switch string(e) {
	case "amp", "lt", "gt", "quot", "apos":
		return true
	}
	if len(e) < 2 || e[0] != '#' {
		return false
	}
	digits := e[1:]
	hex := digits[0] == 'x'
	if hex {
		digits = digits[1:]
	}
	if len(digits) == 0 {
		return false
	}
	for _, c := range digits {
		if !(c >= '0' && c <= '9' || hex && (c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F')) {
			return false
		}
	}
	return true
}

// decimal reads the digits at the start of b, up to a '"'.
func decimal(b []byte) (int, bool) {
	n, k := 0, 0
	for _, c := range b {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
		k++
	}
	return n, k > 0
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
