package model

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/fieldwork-audit/fieldwork/sampling"
)

// mxCtl is a compact expected control: ID, owner, frequency, nature, key,
// criteria, row. Descriptions are checked separately where they matter.
type mxCtl struct {
	id, owner string
	freq      sampling.Frequency
	nature    Nature
	key       bool
	criteria  string // comma-joined
	row       int
}

func matrixSummary(cs []ControlInput) []mxCtl {
	out := make([]mxCtl, len(cs))
	for i, c := range cs {
		out[i] = mxCtl{c.ID, c.Owner, c.Frequency, c.Nature, c.Key, strings.Join(c.Criteria, ","), c.Row}
	}
	return out
}

func mustReadMatrix(t *testing.T, name, sheet string) []ControlInput {
	t.Helper()
	cs, err := ReadControlMatrix(tabFixture(name), sheet)
	if err != nil {
		t.Fatalf("ReadControlMatrix(%s, %q): %v", name, sheet, err)
	}
	return cs
}

func checkControls(t *testing.T, got []ControlInput, want []mxCtl) {
	t.Helper()
	g := matrixSummary(got)
	if len(g) != len(want) {
		t.Errorf("%d controls, want %d", len(g), len(want))
	}
	for i := 0; i < len(g) && i < len(want); i++ {
		if g[i] != want[i] {
			t.Errorf("control %d:\n got %+v\nwant %+v", i, g[i], want[i])
		}
	}
}

const (
	mxManual = NatureManual
	mxAuto   = NatureAutomated
	mxITDM   = NatureITDependent
)

var cleanWant = []mxCtl{
	{"NL-01", "CISO", sampling.Annual, mxManual, true, "CC2.2,CC5.3", 2},
	{"NL-02", "VP People", sampling.AdHoc, mxManual, true, "CC1.1,CC1.4", 3},
	{"NL-03", "IT Operations", sampling.Continuous, mxAuto, true, "CC6.1", 4},
	{"NL-04", "IT Operations", sampling.AdHoc, mxManual, true, "CC6.2", 5},
	{"NL-05", "IT Operations", sampling.AdHoc, mxManual, true, "CC6.2,CC6.3", 6},
	{"NL-06", "Security Engineering", sampling.Quarterly, mxITDM, true, "CC6.3", 7},
	{"NL-07", "Platform Engineering", sampling.Continuous, mxAuto, false, "CC6.6", 8},
	{"NL-08", "Security Engineering", sampling.Weekly, mxITDM, true, "CC7.1", 9},
	{"NL-09", "Security Operations", sampling.Daily, mxManual, true, "CC7.2,CC7.3", 10},
	{"NL-10", "VP Engineering", sampling.MultipleDaily, mxITDM, true, "CC8.1", 11},
	{"NL-11", "Platform Engineering", sampling.Daily, mxAuto, true, "A1.2", 12},
	{"NL-12", "Platform Engineering", sampling.Quarterly, mxManual, false, "A1.3", 13},
	{"NL-13", "Compliance Manager", sampling.Annual, mxManual, false, "CC9.2", 14},
}

func TestReadControlMatrixClean(t *testing.T) {
	csv := mustReadMatrix(t, "clean.csv", "")
	checkControls(t, csv, cleanWant)
	if d := csv[3].Description; d != "New user access is requested through a Jira ticket and approved by the user's manager before it is provisioned." {
		t.Errorf("description %q", d)
	}
	xlsx := mustReadMatrix(t, "clean.xlsx", "")
	if !reflect.DeepEqual(csv, xlsx) {
		t.Errorf("clean.xlsx reads differently from clean.csv:\n%+v\n%+v", xlsx, csv)
	}
	if _, err := ReadControlMatrix(tabFixture("clean.csv"), "Controls"); err == nil || !strings.Contains(err.Error(), "clean.csv is a CSV (text) file: it has no sheets") {
		t.Errorf("sheet given for a CSV: %v", err)
	}
}

func TestReadControlMatrixExcelUTF8(t *testing.T) {
	cs := mustReadMatrix(t, "excel-utf8.csv", "")
	checkControls(t, cs, []mxCtl{
		{"NL-01", "Zoë Hartmann", sampling.Annual, mxManual, true, "CC2.2,CC5.3", 2},
		{"NL-03", "IT Operations", sampling.Continuous, mxAuto, true, "CC6.1,CC6.2", 4},
		{"NL-04", "IT Operations", sampling.AdHoc, mxManual, true, "CC6.2", 8},
		{"NL-06", "Security Engineering", sampling.Quarterly, mxITDM, true, "CC6.2,CC6.3", 9},
		{"NL-08", "Security Engineering", sampling.Weekly, mxITDM, false, "CC7.1", 13},
		{"NL-10", "VP Engineering", sampling.MultipleDaily, mxITDM, true, "CC8.1", 14},
		{"NL-11", "Platform Engineering", sampling.Daily, mxAuto, true, "A1.2", 15},
		{"NL-12", "Platform Engineering", sampling.Quarterly, mxManual, false, "A1.3,A1.2", 16},
	})
	if d := cs[1].Description; d != "Access to production requires:\n- a unique account\n- multi-factor authentication (Okta)" {
		t.Errorf("multi-line description %q", d)
	}
	if d := cs[0].Description; !strings.Contains(d, "annually — and") {
		t.Errorf("description %q", d)
	}
}

func TestReadControlMatrixMessyCSV(t *testing.T) {
	cs := mustReadMatrix(t, "messy.csv", "")
	checkControls(t, cs, []mxCtl{
		{"LA-1", "Security Engineering", sampling.Quarterly, mxManual, true, "CC6.1,CC6.2,CC6.3", 7},
		{"LA-2", "IT Operations", sampling.AdHoc, mxManual, true, "CC6.2,CC6.3", 8},
		{"LA-3", "IT Operations", sampling.Continuous, mxAuto, true, "CC6.1", 9},
		{"CHG-1", "VP Engineering", sampling.MultipleDaily, mxITDM, true, "CC8.1", 13},
		{"CHG-2", "VP Engineering", sampling.AdHoc, mxITDM, false, "CC8.1,CC5.2", 14},
		{"OPS-1", "CISO", sampling.Annual, mxManual, false, "CC7.1,CC4.1", 16},
		{"OPS-2", "Security Operations", sampling.Daily, mxAuto, false, "CC7.2,CC7.3", 17},
		{"OPS-3", "Platform Engineering", sampling.Daily, mxAuto, true, "A1.2", 18},
	})
}

func TestReadControlMatrixMessyXLSX(t *testing.T) {
	want := []mxCtl{
		{"AC-01", "IT Operations", sampling.Continuous, mxAuto, true, "CC6.1,CC6.2", 6},
		{"AC-02", "Security Engineering", sampling.Quarterly, mxManual, true, "CC6.2,CC6.3", 7},
		{"AC-03", "Facilities", sampling.Annual, mxManual, false, "CC6.4", 8},
		{"CM-01", "VP Engineering", sampling.MultipleDaily, mxITDM, true, "CC8.1", 11},
		{"CM-02", "VP Engineering", sampling.AdHoc, mxITDM, false, "CC8.1,CC5.2", 12},
		{"AV-01", "Platform Engineering", sampling.Daily, mxAuto, true, "A1.2", 15},
		{"AV-02", "Platform Engineering", sampling.Quarterly, mxManual, true, "A1.3,A1.2", 16},
	}
	named := mustReadMatrix(t, "messy.xlsx", "Control Matrix")
	checkControls(t, named, want)
	if d := named[0].Description; d != "Access to production requires:\n• a unique account\n• multi-factor authentication" {
		t.Errorf("wrapped-text description %q", d)
	}
	// No sheet named: "Cover" comes first and is not a matrix; the only
	// other visible sheet with a matrix heading row is read.
	if found := mustReadMatrix(t, "messy.xlsx", ""); !reflect.DeepEqual(found, named) {
		t.Errorf("sheet \"\" read %+v", matrixSummary(found))
	}
	if lower := mustReadMatrix(t, "messy.xlsx", "control matrix"); !reflect.DeepEqual(lower, named) {
		t.Errorf("sheet name is matched without regard to case")
	}
	_, err := ReadControlMatrix(tabFixture("messy.xlsx"), "Cover")
	me := asMatrixError(t, err)
	if len(me.Issues) != 1 || me.Issues[0].Row != 2 || me.Issues[0].Column != "header" ||
		!strings.Contains(me.Issues[0].Message, `no control matrix heading row found on sheet "Cover"`) {
		t.Errorf("Cover: %v", err)
	}
	_, err = ReadControlMatrix(tabFixture("messy.xlsx"), "Matrix")
	if err == nil || !strings.Contains(err.Error(), `messy.xlsx has no sheet "Matrix": its sheets are "Cover", "Control Matrix", "Lists"`) {
		t.Errorf("unknown sheet: %v", err)
	}
}

func TestReadControlMatrixSemicolonWindows1252(t *testing.T) {
	cs := mustReadMatrix(t, "semicolon.csv", "")
	checkControls(t, cs, []mxCtl{
		{"NL-01", "Jürgen Müller", sampling.Annual, mxManual, true, "CC2.2,CC5.3", 2},
		{"NL-02", "Sören Weiß", sampling.Quarterly, mxManual, true, "CC6.3", 3},
		{"NL-03", "Finance", sampling.AdHoc, mxITDM, true, "PI1.2,PI1.3", 4},
		{"NL-04", "Engineering", sampling.Continuous, mxAuto, true, "PI1.2", 5},
		{"NL-05", "Controller", sampling.Monthly, mxManual, false, "PI1.4,PI1.5", 6},
		{"NL-06", "Data Protection", sampling.AdHoc, mxManual, false, "C1.2", 7},
		{"NL-07", "Platform", sampling.Monthly, mxAuto, false, "A1.1", 8},
		{"NL-08", "CISO", sampling.Annual, mxManual, true, "CC3.1,CC3.2,CC3.3", 9},
	})
	if d := cs[0].Description; d != "Policies are reviewed annually, approved by the CISO and published" {
		t.Errorf("unquoted commas in a semicolon file: %q", d)
	}
}

func asMatrixError(t *testing.T, err error) *MatrixError {
	t.Helper()
	var me *MatrixError
	if !errors.As(err, &me) {
		t.Fatalf("want *MatrixError, got %T: %v", err, err)
	}
	return me
}

func TestReadControlMatrixInvalid(t *testing.T) {
	cs, err := ReadControlMatrix(tabFixture("invalid.csv"), "")
	if cs != nil {
		t.Errorf("controls returned with issues: %+v", cs)
	}
	me := asMatrixError(t, err)
	want := []struct {
		row    int
		column string
		msg    string
	}{
		{2, "Control ID", `duplicate control ID "NL-01" (also on row 8)`},
		{3, "Criteria", `unknown criterion "CC6.9"`},
		{4, "Control ID", "missing control ID"},
		{5, "Control Description", "missing control description"},
		{6, "Frequency", `unknown frequency "Bi-weekly"`},
		{7, "Criteria", "no criteria"},
		{8, "Control ID", `duplicate control ID "nl-01" (also on row 2)`},
		{9, "Nature", `unknown nature "Preventive"`},
		{10, "Key", `unknown key-control value "Maybe"`},
		{13, "Criteria", `unknown criterion "CC6.1-CC6.3" (list each criterion: ranges are not expanded)`},
		{14, "Control Description", "missing control description"}, // a lone "NL-11" is a control, not a heading
		{14, "Criteria", "no criteria"},
		{15, "Criteria", `unknown criterion "CC10.1"`},
	}
	if len(me.Issues) != len(want) {
		for _, is := range me.Issues {
			t.Log(is)
		}
		t.Fatalf("%d issues, want %d", len(me.Issues), len(want))
	}
	for i, w := range want {
		is := me.Issues[i]
		if is.File != "invalid.csv" || is.Row != w.row || is.Column != w.column || !strings.Contains(is.Message, w.msg) {
			t.Errorf("issue %d: %s\n  want invalid.csv:%d: %s: …%s…", i, is, w.row, w.column, w.msg)
		}
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "13 problems found; nothing was imported:\ninvalid.csv:2: Control ID: duplicate") ||
		!strings.HasSuffix(msg, "… and 3 more") || strings.Count(msg, "\n") != 11 {
		t.Errorf("Error():\n%s", msg)
	}
}

func TestReadControlMatrixRefusals(t *testing.T) {
	_, err := ReadControlMatrix(tabFixture("not-a-matrix.csv"), "")
	me := asMatrixError(t, err)
	if len(me.Issues) != 1 || me.Issues[0].Row != 1 || me.Issues[0].Column != "header" {
		t.Fatalf("issues %v", me.Issues)
	}
	for _, s := range []string{"no control matrix heading row found", `"Control ID"`, `"Employee ID", "Name", "Department"`} {
		if !strings.Contains(me.Issues[0].Message, s) {
			t.Errorf("message %q lacks %q", me.Issues[0].Message, s)
		}
	}
	for _, c := range []struct{ file, want string }{
		{"legacy.xls", "legacy.xls is an Excel 97-2003 .xls workbook: save it as .xlsx or CSV"},
		{"binary.csv", "binary.csv is not a CSV or XLSX file"},
	} {
		cs, err := ReadControlMatrix(tabFixture(c.file), "")
		if cs != nil || err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, %v", c.file, cs, err)
		}
		var me *MatrixError
		if errors.As(err, &me) {
			t.Errorf("%s: a file-level problem should be a plain error", c.file)
		}
	}
	_, err = ReadControlMatrix(tabWriteTemp(t, "bad.csv", []byte("Control ID,Description,TSC\nNL-1,\"unclosed,CC6.1\n")), "")
	if err == nil || !strings.Contains(err.Error(), "bad.csv: line 2, column 22: a quoted cell that starts on line 2 is never closed") {
		t.Errorf("malformed CSV: %v", err)
	}
}

func readMatrixText(t *testing.T, text string) ([]ControlInput, error) {
	t.Helper()
	return ReadControlMatrix(tabWriteTemp(t, "m.csv", []byte(text)), "")
}

func TestMatrixHeadings(t *testing.T) {
	for _, h := range []string{"Control ID", "control id", "CONTROL #", "Control No.", "Control  Number", "Ref", "Ref #", "Reference", "ID", "Control Ref"} {
		if hr, ok := matrixHeadingField(h); !ok || hr.field != fieldID {
			t.Errorf("%q is not the control ID heading", h)
		}
	}
	cases := map[string]matrixField{
		"Control Description": fieldDescription, "Control Activity": fieldDescription, "Description": fieldDescription,
		"Control": fieldDescription, "Control Activity Description": fieldDescription, "Control Activity\nDescription": fieldDescription,
		"Frequency": fieldFrequency, "Control Frequency": fieldFrequency,
		"Owner": fieldOwner, "Control Owner": fieldOwner, "Responsible Party": fieldOwner,
		"Type": fieldNature, "Nature": fieldNature, "Control Type": fieldNature, "Manual/Automated": fieldNature, "Manual / Automated": fieldNature, "Automation": fieldNature,
		"Key": fieldKey, "Key Control": fieldKey, "Key?": fieldKey, "Key Control (Y/N)": fieldKey,
		"TSC": fieldCriteria, "Criteria": fieldCriteria, "Mapped Criteria": fieldCriteria, "TSC Mapping": fieldCriteria,
		"Trust Services Criteria": fieldCriteria, "Criteria Mapping": fieldCriteria, "tsc-mapping": fieldCriteria,
	}
	for h, f := range cases {
		if hr, ok := matrixHeadingField(h); !ok || hr.field != f {
			t.Errorf("%q → %v %v, want %s", h, hr, ok, matrixFieldNames[f])
		}
	}
	for _, h := range []string{"Control Matrix", "Test Procedure", "Evidence", "Process", "Employee ID", ""} {
		if hr, ok := matrixHeadingField(h); ok {
			t.Errorf("%q should not be a heading (got %s)", h, matrixFieldNames[hr.field])
		}
	}

	t.Run("missing required columns", func(t *testing.T) {
		_, err := readMatrixText(t, "Control #,Owner,Frequency,Notes\nNL-1,CISO,Annual,x\n")
		me := asMatrixError(t, err)
		if len(me.Issues) != 1 {
			t.Fatalf("issues %v", me.Issues)
		}
		is := me.Issues[0]
		for _, s := range []string{"description", "criteria", `headings found: "Control #", "Owner", "Frequency", "Notes"`} {
			if !strings.Contains(is.Message, s) {
				t.Errorf("%q lacks %q", is.Message, s)
			}
		}
		if is.Row != 1 || is.Column != "header" || strings.Contains(is.Message, "control ID (") {
			t.Errorf("issue %s", is)
		}
	})
	t.Run("the more specific heading wins", func(t *testing.T) {
		cs, err := readMatrixText(t, "Control,Control Description,Control Type,Nature,Ref,TSC\nShort title,Long description,Preventive,Manual,NL-1,CC6.1\n")
		if err != nil {
			t.Fatal(err)
		}
		if c := cs[0]; c.Description != "Long description" || c.Nature != NatureManual || c.ID != "NL-1" {
			t.Errorf("%+v", c)
		}
	})
	t.Run("two equally good columns", func(t *testing.T) {
		_, err := readMatrixText(t, "Control ID,Description,TSC,Criteria,Description\nNL-1,x,CC6.1,CC6.2,y\n")
		me := asMatrixError(t, err)
		if len(me.Issues) != 1 || !strings.Contains(me.Issues[0].Message, `two columns could be the description: "Description" (column 2) and "Description" (column 5)`) {
			t.Errorf("issues %v", me.Issues)
		}
	})
	t.Run("optional columns absent", func(t *testing.T) {
		cs, err := readMatrixText(t, "ID,Description,TSC\nNL-1,Access is reviewed,CC6.3\n")
		if err != nil {
			t.Fatal(err)
		}
		want := ControlInput{ID: "NL-1", Description: "Access is reviewed", Criteria: []string{"CC6.3"}, Row: 2}
		if !reflect.DeepEqual(cs, []ControlInput{want}) {
			t.Errorf("%+v", cs)
		}
	})
	t.Run("blank optional cells", func(t *testing.T) {
		cs, err := readMatrixText(t, "ID,Description,Frequency,Nature,Key,TSC\nNL-1,  Reviewed  ,,,,CC6.3\n")
		if err != nil {
			t.Fatal(err)
		}
		if c := cs[0]; c.Frequency != "" || c.Nature != "" || c.Key || c.Description != "Reviewed" {
			t.Errorf("%+v", c)
		}
	})
}

func TestMatrixCellValues(t *testing.T) {
	natures := map[string]Nature{
		"Manual": NatureManual, "M": NatureManual, "manual": NatureManual,
		"Automated": NatureAutomated, "Auto": NatureAutomated, "A": NatureAutomated, "System": NatureAutomated,
		"IT-dependent manual": NatureITDependent, "IT dependent manual": NatureITDependent, "ITDM": NatureITDependent,
		"Hybrid": NatureITDependent, " Manual - IT dependent ": NatureITDependent, "": "",
	}
	for in, want := range natures {
		if got, ok := ParseNature(in); !ok || got != want {
			t.Errorf("ParseNature(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"Preventive", "Detective", "maybe", "MA"} {
		if got, ok := ParseNature(in); ok {
			t.Errorf("ParseNature(%q) = %q, want unknown", in, got)
		}
	}
	keys := map[string]bool{"yes": true, "Y": true, "TRUE": true, "x": true, "X": true, "1": true, "Key": true, "✓": true,
		"no": false, "N": false, "false": false, "": false, "0": false, " ": false, "-": false, "Non-key": false}
	for in, want := range keys {
		if got, ok := parseKey(in); !ok || got != want {
			t.Errorf("parseKey(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"Maybe", "2", "key?"} {
		if _, ok := parseKey(in); ok && in != "key?" {
			t.Errorf("parseKey(%q) should be unknown", in)
		}
	}
	split := map[string][]string{
		"cc6.1; CC6.2 / CC6.3":     {"cc6.1", "CC6.2", "CC6.3"},
		"CC6.1\nCC6.2\r\nCC6.3":    {"CC6.1", "CC6.2", "CC6.3"},
		"CC7.2 and CC7.3":          {"CC7.2", "CC7.3"},
		"CC7.2 AND\nCC7.3, ":       {"CC7.2", "CC7.3"},
		"CC8.1 & CC5.2":            {"CC8.1", "CC5.2"},
		"TSC CC8.1":                {"TSC CC8.1"},
		" , ;":                     nil,
		"CC6.1,CC6.1;cc6.1":        {"CC6.1", "CC6.1", "cc6.1"},
		"CC1.1 | CC1.2":            {"CC1.1", "CC1.2"},
		"Brand and CC1.1 handling": {"Brand", "CC1.1 handling"},
	}
	for in, want := range split {
		if got := splitCriteria(in); !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Errorf("splitCriteria(%q) = %q, want %q", in, got, want)
		}
	}
	cs, err := readMatrixText(t, "ID,Description,TSC\nNL-1,x,\"cc6.1; CC6.2 / cc 6.1, TSC CC6.2.\"\n")
	if err != nil {
		t.Fatal(err)
	}
	if got := cs[0].Criteria; !reflect.DeepEqual(got, []string{"CC6.1", "CC6.2"}) {
		t.Errorf("criteria %q: normalized, in order, without duplicates", got)
	}
}

func TestMatrixSectionAndNoteRows(t *testing.T) {
	text := "Control ID,Description,Owner,TSC\n" +
		"Logical Access,,,\n" + // 2: heading in the ID column: skipped
		"NL-1,Access is reviewed,CISO,CC6.3\n" + // 3
		",Operations,,\n" + // 4: lone description: a control missing its ID and criteria
		"NL-7,,,\n" + // 5: lone ID: reported, not dropped
		",,Prepared by J. Smith,\n" + // 6: a note: skipped
		"Monitoring,,,\n" + // 7: no digit: skipped
		",,,CC7.2\n" // 8: lone criteria: a control missing its ID and description
	_, err := readMatrixText(t, text)
	me := asMatrixError(t, err)
	var got []string
	for _, is := range me.Issues {
		got = append(got, fmt.Sprintf("%d %s: %s", is.Row, is.Column, is.Message))
	}
	want := []string{
		"4 Control ID: missing control ID",
		"4 TSC: no criteria: map the control to at least one criterion (e.g. CC6.1)",
		"5 Description: missing control description",
		"5 TSC: no criteria: map the control to at least one criterion (e.g. CC6.1)",
		"8 Control ID: missing control ID",
		"8 Description: missing control description",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("issues:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestMatrixDuplicatesAndWhitespace(t *testing.T) {
	text := "ID,Description,TSC\n  NL-1  ,\" Reviewed\tquarterly \",CC6.3\nNL-2,x,CC6.1\nnl-1,y,CC6.1\nNL-1 ,z,CC6.1\n"
	_, err := readMatrixText(t, text)
	me := asMatrixError(t, err)
	var got []string
	for _, is := range me.Issues {
		got = append(got, fmt.Sprintf("%d: %s", is.Row, is.Message))
	}
	want := []string{
		`2: duplicate control ID "NL-1" (also on rows 4, 5)`,
		`4: duplicate control ID "nl-1" (also on rows 2, 5)`,
		`5: duplicate control ID "NL-1" (also on rows 2, 4)`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}

	cs, err := readMatrixText(t, "ID,Description,TSC\n  NL-1  ,\" Reviewed\tquarterly\x07 \",CC6.3\n")
	if err != nil {
		t.Fatal(err)
	}
	if cs[0].ID != "NL-1" || cs[0].Description != "Reviewed\tquarterly\x07" {
		t.Errorf("trimmed, control characters kept: %q %q", cs[0].ID, cs[0].Description)
	}
}

func TestMatrixErrorString(t *testing.T) {
	one := &MatrixError{Issues: []MatrixIssue{{File: "m.csv", Row: 3, Column: "TSC", Message: "no criteria"}}}
	if got := one.Error(); got != "1 problem found; nothing was imported:\nm.csv:3: TSC: no criteria" {
		t.Errorf("%q", got)
	}
	var many MatrixError
	for i := 0; i < 12; i++ {
		many.Issues = append(many.Issues, MatrixIssue{File: "m.csv", Row: i + 2, Column: "ID", Message: "missing control ID"})
	}
	got := many.Error()
	if !strings.HasPrefix(got, "12 problems found") || strings.Count(got, "m.csv:") != 10 || !strings.HasSuffix(got, "\n… and 2 more") {
		t.Errorf("%s", got)
	}
}

// tabFixture is the path of a control-matrix fixture in testdata/matrices.
func tabFixture(name string) string { return filepath.Join("../testdata/matrices", name) }

// tabWriteTemp writes data to a file in a fresh temp dir and returns its path.
func tabWriteTemp(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
