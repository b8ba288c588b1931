package model

// matrix.go reads a client's control matrix (CSV or XLSX) into ControlInput
// values, reporting every problem at once.
//
// Rules, as an auditor would want them:
//
//   - The header row is the first of the first 30 non-blank rows in which at
//     least two cells are recognized headings, so title rows, a logo row or a
//     "Prepared by" block above the table are passed over. Headings are
//     matched ignoring case, punctuation and extra spaces ("Control #",
//     "control no.", "CONTROL NUMBER" are the same); "#" reads as "number".
//     Columns with other headings are ignored. When two columns could be the
//     same field, the more specific heading wins (e.g. "Nature" over "Control
//     Type", "Control Description" over "Control"); two equally good ones are
//     an issue.
//   - Control ID, description and criteria columns are required. Frequency,
//     owner, nature and key are optional: a matrix for a Type I report often
//     has no frequency. A blank frequency, nature or key cell is allowed
//     (frequency "" , nature "", key false); a value that cannot be read is an
//     issue.
//   - Blank rows are skipped. A row with exactly one non-blank cell that is
//     neither the description nor the criteria, and whose text contains a
//     space or no digit ("Logical Access", "Change Management", "Prepared by
//     J. Smith") is a section heading or a note and is skipped. A lone
//     ID-like value ("NL-07") is not skipped: a control with its description
//     and criteria missing is reported, never dropped silently.
//   - Criteria cells are split on commas, semicolons, line breaks, slashes,
//     "&" and the word "and"; each part is normalized with
//     NormalizeCriterionID, and the list keeps the order written, without
//     duplicates.
//   - Control IDs are compared without regard to case ("nl-01" duplicates
//     "NL-01"); every row of a duplicate is reported, naming the others.
//   - Cell text is trimmed of surrounding white space and otherwise kept as
//     written (control characters included: the UI sanitizes for display).
//   - If any row has a problem, ReadControlMatrix returns no controls and a
//     *MatrixError listing all problems, sorted by row.

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/fieldwork-audit/fieldwork/internal/tabular"
	"github.com/fieldwork-audit/fieldwork/sampling"
)

// Nature is whether a control is performed by people, by a system, or by
// people relying on system-produced information.
type Nature string

const (
	NatureManual      Nature = "manual"
	NatureAutomated   Nature = "automated"
	NatureITDependent Nature = "it-dependent-manual"
)

// ControlInput is one control as read from a client's matrix.
type ControlInput struct {
	ID, Description, Owner string
	Frequency              sampling.Frequency
	Nature                 Nature
	Key                    bool
	Criteria               []string // normalized catalog IDs, in the order written, de-duplicated
	Row                    int      // source row
}

// MatrixIssue is one problem in an imported file.
type MatrixIssue struct {
	File    string // base name of the file
	Row     int    // 1-based source row (CSV: line)
	Column  string // the client's heading, or "header" for a problem with the headings
	Message string
}

func (i MatrixIssue) String() string {
	return fmt.Sprintf("%s:%d: %s: %s", i.File, i.Row, i.Column, i.Message)
}

// MatrixError lists every problem found in an imported file. When it is
// returned, nothing was imported.
type MatrixError struct {
	Issues []MatrixIssue
}

// matrixErrorShown is how many issues Error() spells out.
const matrixErrorShown = 10

func (e *MatrixError) Error() string {
	var b strings.Builder
	n := len(e.Issues)
	if n == 1 {
		b.WriteString("1 problem found; nothing was imported:")
	} else {
		fmt.Fprintf(&b, "%d problems found; nothing was imported:", n)
	}
	for i, is := range e.Issues {
		if i == matrixErrorShown {
			fmt.Fprintf(&b, "\n… and %d more", n-matrixErrorShown)
			break
		}
		b.WriteString("\n")
		b.WriteString(is.String())
	}
	return b.String()
}

// ParseNature reads manual/automated as clients write it. A blank value is
// ("", true).
func ParseNature(s string) (Nature, bool) {
	n, ok := natureSynonyms[matrixKey(s)]
	return n, ok
}

var natureSynonyms = map[string]Nature{
	"":       "",
	"manual": NatureManual, "m": NatureManual, "manual control": NatureManual, "man": NatureManual,
	"automated": NatureAutomated, "auto": NatureAutomated, "a": NatureAutomated, "system": NatureAutomated,
	"automatic": NatureAutomated, "automated control": NatureAutomated, "system automated": NatureAutomated,
	"system based": NatureAutomated, "fully automated": NatureAutomated,
	"it dependent manual": NatureITDependent, "itdm": NatureITDependent, "hybrid": NatureITDependent,
	"it dependent": NatureITDependent, "it dependent manual control": NatureITDependent,
	"manual it dependent": NatureITDependent, "semi automated": NatureITDependent,
	"partially automated": NatureITDependent, "manual with it dependency": NatureITDependent,
	"it dep manual": NatureITDependent, "itdmc": NatureITDependent,
}

var keyValues = map[string]bool{
	"yes": true, "y": true, "true": true, "x": true, "1": true, "key": true, "key control": true,
	"✓": true, "✔": true,
	"no": false, "n": false, "false": false, "": false, "0": false, "non key": false, "not key": false,
	"nonkey": false, "-": false,
}

// parseKey reads a key-control cell: yes/y/true/x/1/key/✓ or no/n/false/0/-/blank.
func parseKey(v string) (bool, bool) {
	if k, ok := keyValues[strings.ToLower(strings.TrimSpace(v))]; ok {
		return k, true
	}
	k, ok := keyValues[matrixKey(v)]
	return k, ok
}

// matrixField is a column fieldwork reads from a control matrix.
type matrixField int

const (
	fieldID matrixField = iota
	fieldDescription
	fieldFrequency
	fieldOwner
	fieldNature
	fieldKey
	fieldCriteria
	fieldCount
)

var matrixFieldNames = [fieldCount]string{"control ID", "description", "frequency", "owner", "nature", "key control", "criteria"}

// matrixHeadings maps each field to the headings clients use for it, most
// specific first: when two columns match one field, the earlier one wins.
var matrixHeadings = [fieldCount][]string{
	fieldID: {"Control ID", "Control #", "Control No", "Control Number", "Control Ref", "Control Reference",
		"Control ID #", "Ref #", "Ref", "Reference", "ID"},
	fieldDescription: {"Control Description", "Control Activity Description", "Control Activity",
		"Description of Control", "Description", "Control"},
	fieldFrequency: {"Control Frequency", "Frequency", "Freq"},
	fieldOwner:     {"Control Owner", "Owner", "Responsible Party", "Process Owner"},
	fieldNature: {"Manual/Automated", "Automated/Manual", "Manual or Automated", "Nature", "Nature of Control",
		"Control Nature", "Automation", "Control Type", "Type"},
	fieldKey: {"Key Control", "Key Control (Y/N)", "Key?", "Key", "Key (Y/N)"},
	fieldCriteria: {"TSC Mapping", "Mapped Criteria", "Trust Services Criteria", "Trust Service Criteria",
		"Criteria Mapping", "TSC Criteria", "TSC Reference", "TSC Ref", "Mapped TSC", "SOC 2 Criteria",
		"Applicable Criteria", "TSC", "Criteria"},
}

type headingRank struct {
	field matrixField
	rank  int
}

var matrixHeadingIndex = func() map[string]headingRank {
	m := map[string]headingRank{}
	for f, hs := range matrixHeadings {
		for r, h := range hs {
			k := matrixKey(h)
			if prev, dup := m[k]; dup {
				if prev.field != matrixField(f) {
					panic("model: heading for two fields: " + h)
				}
				continue // "Control #" and "Control No" read alike
			}
			m[k] = headingRank{matrixField(f), r}
		}
	}
	return m
}()

// matrixKey normalizes a heading or a value for lookup: lower case, "#" as
// "no", "number" as "no", other punctuation as space, spaces collapsed.
func matrixKey(s string) string {
	s = strings.ToLower(s)
	s = strings.ReplaceAll(s, "#", " no ")
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
			continue
		}
		space = true
	}
	words := strings.Fields(b.String())
	for i, w := range words {
		if w == "number" {
			words[i] = "no"
		}
	}
	return strings.Join(words, " ")
}

func matrixHeadingField(h string) (headingRank, bool) {
	hr, ok := matrixHeadingIndex[matrixKey(h)]
	return hr, ok
}

// isMatrixHeader reports whether a row has at least two recognized headings
// for different fields.
func isMatrixHeader(cells []string) bool {
	var seen [fieldCount]bool
	n := 0
	for _, c := range cells {
		if hr, ok := matrixHeadingField(c); ok && !seen[hr.field] {
			seen[hr.field] = true
			n++
		}
	}
	return n >= 2
}

// displayHeading is a heading as shown in messages: white space collapsed.
func displayHeading(h string) string { return strings.Join(strings.Fields(h), " ") }

// ReadControlMatrix reads a control matrix. sheet chooses the XLSX sheet
// ("" for the first visible one) and must be "" for CSV. A problem with the
// file itself (missing, unreadable, malformed CSV) is a plain error; problems
// with its content are a *MatrixError listing them all, and then no controls
// are returned.
func ReadControlMatrix(path, sheet string) ([]ControlInput, error) {
	t, err := openMatrixTable(path, sheet)
	if err != nil {
		return nil, err
	}
	defer t.Close()
	return readMatrix(t)
}

// openMatrixTable opens the matrix's table. With no sheet named, an XLSX
// workbook whose first visible sheet is not a matrix (a "Cover" or
// "Instructions" sheet) is searched: if exactly one other visible sheet has
// a matrix heading row, that sheet is read; if several do, the auditor must
// choose, and the issue names them.
func openMatrixTable(path, sheet string) (*tabular.Table, error) {
	name := filepath.Base(path)
	t, err := tabular.OpenTable(path, tabular.TableOptions{Sheet: sheet, IsHeader: isMatrixHeader})
	var hnf *tabular.HeaderNotFoundError
	if err == nil || !errors.As(err, &hnf) {
		return t, err
	}
	if sheet == "" && len(hnf.Sheets) > 1 {
		var found []*tabular.Table
		var names []string
		for _, s := range hnf.Sheets {
			if s == hnf.Sheet {
				continue
			}
			if t, err := tabular.OpenTable(path, tabular.TableOptions{Sheet: s, IsHeader: isMatrixHeader}); err == nil {
				found = append(found, t)
				names = append(names, s)
			}
		}
		if len(found) == 1 {
			return found[0], nil
		}
		for _, t := range found {
			t.Close()
		}
		if len(found) > 1 {
			return nil, &MatrixError{Issues: []MatrixIssue{{File: name, Row: 0, Column: "sheet",
				Message: fmt.Sprintf("several sheets look like a control matrix (%s): choose the sheet to import", tabular.QuoteCells(names, len(names)))}}}
		}
	}
	allSheets := sheet == "" && len(hnf.Sheets) > 1
	if hnf.Scanned == 0 && !allSheets {
		return nil, err // an empty file or sheet: OpenTable says so
	}
	where, first := "", "the sheet is empty"
	if hnf.Sheet != "" {
		where = fmt.Sprintf(" on sheet %q", hnf.Sheet)
		if allSheets {
			where = fmt.Sprintf(" on any sheet (%s)", tabular.QuoteCells(hnf.Sheets, len(hnf.Sheets)))
		}
	}
	if hnf.Scanned > 0 {
		first = fmt.Sprintf("the first row%s has %s", where, tabular.QuoteCells(hnf.First, 10))
		if allSheets {
			first = fmt.Sprintf("the first row of %q has %s", hnf.Sheet, tabular.QuoteCells(hnf.First, 10))
		}
	}
	return nil, &MatrixError{Issues: []MatrixIssue{{
		File: name, Row: hnf.FirstRow, Column: "header",
		Message: fmt.Sprintf("no control matrix heading row found%s in the first %d non-blank rows: the matrix needs columns for the control ID, description and criteria (headings like %q, %q, %q); %s",
			where, tabular.TableHeaderScanLimit, "Control ID", "Control Description", "TSC", first),
	}}}
}

func readMatrix(t *tabular.Table) ([]ControlInput, error) {
	name := t.Name()

	header := t.Header()
	var col [fieldCount]int
	var rank [fieldCount]int
	for i := range col {
		col[i] = -1
	}
	var issues []MatrixIssue
	for i, h := range header {
		hr, ok := matrixHeadingField(h)
		if !ok {
			continue
		}
		switch prev := col[hr.field]; {
		case prev < 0 || hr.rank < rank[hr.field]:
			col[hr.field], rank[hr.field] = i, hr.rank
		case hr.rank == rank[hr.field]:
			issues = append(issues, MatrixIssue{File: name, Row: t.HeaderRow(), Column: "header",
				Message: fmt.Sprintf("two columns could be the %s: %q (column %d) and %q (column %d); rename or delete one",
					matrixFieldNames[hr.field], displayHeading(header[prev]), prev+1, displayHeading(h), i+1)})
		}
	}
	var missing []string
	for _, f := range []matrixField{fieldID, fieldDescription, fieldCriteria} {
		if col[f] < 0 {
			hs := matrixHeadings[f]
			missing = append(missing, fmt.Sprintf("%s (a heading like %q or %q)", matrixFieldNames[f], hs[0], hs[len(hs)-1]))
		}
	}
	if len(missing) > 0 {
		issues = append(issues, MatrixIssue{File: name, Row: t.HeaderRow(), Column: "header",
			Message: fmt.Sprintf("no column for the %s; headings found: %s", strings.Join(missing, ", "), tabular.QuoteCells(header, len(header)))})
	}
	if len(issues) > 0 {
		return nil, &MatrixError{Issues: issues}
	}

	colName := func(f matrixField) string { return displayHeading(header[col[f]]) }
	var out []ControlInput
	idRows := map[string][]int{} // upper-cased ID → rows
	idText := map[int]string{}   // row → ID as written
	for {
		cells, err := t.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		get := func(f matrixField) string {
			if c := col[f]; c >= 0 && c < len(cells) {
				return strings.TrimSpace(cells[c])
			}
			return ""
		}
		if isSectionRow(cells, col[fieldDescription], col[fieldCriteria]) {
			continue
		}
		row := t.Row()
		add := func(f matrixField, msg string, args ...any) {
			issues = append(issues, MatrixIssue{File: name, Row: row, Column: colName(f), Message: fmt.Sprintf(msg, args...)})
		}
		c := ControlInput{ID: get(fieldID), Description: get(fieldDescription), Owner: get(fieldOwner), Row: row}
		if c.ID == "" {
			add(fieldID, "missing control ID")
		} else {
			k := strings.ToUpper(c.ID)
			idRows[k] = append(idRows[k], row)
			idText[row] = c.ID
		}
		if c.Description == "" {
			add(fieldDescription, "missing control description")
		}
		if col[fieldFrequency] >= 0 {
			if v := get(fieldFrequency); v != "" {
				f, err := sampling.ParseFrequency(v)
				if err != nil {
					add(fieldFrequency, "%s", err.Error())
				}
				c.Frequency = f
			}
		}
		if col[fieldNature] >= 0 {
			v := get(fieldNature)
			n, ok := ParseNature(v)
			if !ok {
				hint := "use Manual, Automated or IT-dependent manual"
				switch matrixKey(v) {
				case "preventive", "preventative", "detective", "corrective":
					hint = "that says when the control acts, not whether it is manual or automated: add a Manual/Automated column"
				}
				add(fieldNature, "unknown nature %q (%s)", v, hint)
			}
			c.Nature = n
		}
		if col[fieldKey] >= 0 {
			v := get(fieldKey)
			k, ok := parseKey(v)
			if !ok {
				add(fieldKey, "unknown key-control value %q (use Yes or No)", v)
			}
			c.Key = k
		}
		crit := get(fieldCriteria)
		if crit == "" {
			add(fieldCriteria, "no criteria: map the control to at least one criterion (e.g. CC6.1)")
		}
		seen := map[string]bool{}
		for _, part := range splitCriteria(crit) {
			id, known := NormalizeCriterionID(part)
			if !known {
				hint := ""
				if a, b, ok := strings.Cut(part, "-"); ok {
					if _, ka := NormalizeCriterionID(a); ka {
						if _, kb := NormalizeCriterionID(b); kb {
							hint = " (list each criterion: ranges are not expanded)"
						}
					}
				}
				add(fieldCriteria, "unknown criterion %q%s", part, hint)
				continue
			}
			if !seen[id] {
				seen[id] = true
				c.Criteria = append(c.Criteria, id)
			}
		}
		out = append(out, c)
	}
	for _, rows := range idRows {
		if len(rows) < 2 {
			continue
		}
		for _, r := range rows {
			var others []string
			for _, o := range rows {
				if o != r {
					others = append(others, strconv.Itoa(o))
				}
			}
			word := "row"
			if len(others) > 1 {
				word = "rows"
			}
			issues = append(issues, MatrixIssue{File: name, Row: r, Column: colName(fieldID),
				Message: fmt.Sprintf("duplicate control ID %q (also on %s %s)", idText[r], word, strings.Join(others, ", "))})
		}
	}
	if len(issues) > 0 {
		sort.SliceStable(issues, func(i, j int) bool { return issues[i].Row < issues[j].Row })
		return nil, &MatrixError{Issues: issues}
	}
	return out, nil
}

// isSectionRow reports a section heading or note: one non-blank cell, not
// the description or criteria, with a space in it or no digit.
func isSectionRow(cells []string, descCol, critCol int) bool {
	lone := -1
	for i, c := range cells {
		if strings.TrimSpace(c) == "" {
			continue
		}
		if lone >= 0 {
			return false
		}
		lone = i
	}
	if lone < 0 || lone == descCol || lone == critCol {
		return false
	}
	text := strings.TrimSpace(cells[lone])
	return strings.IndexFunc(text, unicode.IsSpace) >= 0 || strings.IndexFunc(text, unicode.IsDigit) < 0
}

var criteriaAnd = regexp.MustCompile(`(?i)\s+and\s+`)

// splitCriteria splits a criteria cell into its parts, trimmed, blanks dropped.
func splitCriteria(s string) []string {
	s = criteriaAnd.ReplaceAllString(s, ",")
	parts := strings.FieldsFunc(s, func(r rune) bool {
		switch r {
		case ',', ';', '\n', '\r', '/', '&', '|':
			return true
		}
		return false
	})
	out := parts[:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
