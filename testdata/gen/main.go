//go:build ignore

// Command gen writes the XLSX fixtures in testdata/matrices deterministically:
//
//	go run ./testdata/gen/main.go      (from the module root)
//
// (The "ignore" build tag keeps this program out of ./... ; with it, `go run`
// needs the file name rather than the directory.) The CSV fixtures next to the
// generated files are written by hand and are not touched.
//
// clean.xlsx holds the same controls as clean.csv, on the same rows, so the
// tests can check that both formats read alike. messy.xlsx is what clients
// really send: a "Cover" sheet first, then "Control Matrix" with merged title
// rows, the header on row 4, section-heading rows, wrapped multi-line cells, a
// date column, TRUE/FALSE key cells, a missing row, and a hidden "Lists" sheet.
package main

import (
	"bytes"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/xuri/excelize/v2"
)

func main() {
	log.SetFlags(0)
	dir, err := fixtureDir()
	if err != nil {
		log.Fatal(err)
	}
	for name, build := range map[string]func() (*excelize.File, error){
		"clean.xlsx": clean,
		"messy.xlsx": messy,
	} {
		f, err := build()
		if err != nil {
			log.Fatalf("%s: %v", name, err)
		}
		if err := save(f, filepath.Join(dir, name)); err != nil {
			log.Fatalf("%s: %v", name, err)
		}
		fmt.Println("wrote", filepath.Join(dir, name))
	}
}

// fixtureDir finds testdata/matrices from the module root, wherever the
// command is run from inside the module.
func fixtureDir() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(d, "testdata", "matrices"), nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.mod above %s", wd)
		}
	}
}

var fixed = time.Date(2025, 11, 3, 9, 0, 0, 0, time.UTC)

func save(f *excelize.File, path string) error {
	defer f.Close()
	if err := f.SetDocProps(&excelize.DocProperties{
		Creator:        "Northwind Ledger Compliance",
		LastModifiedBy: "Northwind Ledger Compliance",
		Created:        fixed.Format(time.RFC3339),
		Modified:       fixed.Format(time.RFC3339),
		Title:          "SOC 2 control matrix",
	}); err != nil {
		return err
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

type control struct {
	id, desc, owner, freq, nature string
	key                           bool
	criteria                      string
}

// The controls of clean.csv, in its order.
var cleanControls = []control{
	{"NL-01", "Information security policies are reviewed and approved by the CISO annually and published to all employees on the intranet.", "CISO", "Annual", "Manual", true, "CC2.2, CC5.3"},
	{"NL-02", "New hires acknowledge the Code of Conduct and complete security awareness training within 30 days of hire.", "VP People", "As needed", "Manual", true, "CC1.1, CC1.4"},
	{"NL-03", "Access to production systems requires a unique account and multi-factor authentication enforced by the identity provider.", "IT Operations", "Continuous", "Automated", true, "CC6.1"},
	{"NL-04", "New user access is requested through a Jira ticket and approved by the user's manager before it is provisioned.", "IT Operations", "As needed", "Manual", true, "CC6.2"},
	{"NL-05", "Access of terminated employees is revoked within one business day of the termination date recorded in the HR system.", "IT Operations", "As needed", "Manual", true, "CC6.2, CC6.3"},
	{"NL-06", "User access to production and to the ledger database is reviewed quarterly by system owners; inappropriate access is removed.", "Security Engineering", "Quarterly", "IT-dependent manual", true, "CC6.3"},
	{"NL-07", "Firewall rules and security groups restrict inbound traffic to approved ports and sources.", "Platform Engineering", "Continuous", "Automated", false, "CC6.6"},
	{"NL-08", "Infrastructure vulnerability scans run weekly; critical findings are remediated within 15 days.", "Security Engineering", "Weekly", "IT-dependent manual", true, "CC7.1"},
	{"NL-09", "Alerts from the security monitoring system are triaged daily and incidents are escalated under the incident response plan.", "Security Operations", "Daily", "Manual", true, "CC7.2, CC7.3"},
	{"NL-10", "Code changes are peer reviewed and approved in the pull request before they are merged and deployed.", "VP Engineering", "Multiple times a day", "IT-dependent manual", true, "CC8.1"},
	{"NL-11", "Production databases are backed up daily to a second region; backup failures alert the on-call engineer.", "Platform Engineering", "Daily", "Automated", true, "A1.2"},
	{"NL-12", "Restoration of backups is tested quarterly and the results are documented.", "Platform Engineering", "Quarterly", "Manual", false, "A1.3"},
	{"NL-13", "SOC reports of critical vendors, including the cloud host, are obtained and reviewed annually.", "Compliance Manager", "Annual", "Manual", false, "CC9.2"},
}

func yesNo(b bool) string {
	if b {
		return "Yes"
	}
	return "No"
}

func clean() (*excelize.File, error) {
	f := excelize.NewFile()
	const sheet = "Controls"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return nil, err
	}
	wrap, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return nil, err
	}
	header := []any{"Control ID", "Control Description", "Control Owner", "Frequency", "Nature", "Key Control", "TSC"}
	if err := f.SetSheetRow(sheet, "A1", &header); err != nil {
		return nil, err
	}
	if err := f.SetRowStyle(sheet, 1, 1, bold); err != nil {
		return nil, err
	}
	for i, c := range cleanControls {
		row := []any{c.id, c.desc, c.owner, c.freq, c.nature, yesNo(c.key), c.criteria}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := f.SetSheetRow(sheet, cell, &row); err != nil {
			return nil, err
		}
	}
	if err := f.SetColWidth(sheet, "B", "B", 70); err != nil {
		return nil, err
	}
	if err := f.SetCellStyle(sheet, "B2", fmt.Sprintf("B%d", len(cleanControls)+1), wrap); err != nil {
		return nil, err
	}
	return f, f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
}

type messyRow struct {
	id, desc, owner, freq, nature string
	key                           any // bool or string, as clients mix them
	criteria                      string
	reviewed                      any // time.Time or ""
	notes                         string
}

func messy() (*excelize.File, error) {
	f := excelize.NewFile()
	if err := f.SetSheetName("Sheet1", "Cover"); err != nil {
		return nil, err
	}
	// Slices, not maps, throughout: the order of writes decides the shared
	// string table, and the output must be the same on every run.
	for _, cv := range [][2]string{
		{"B2", "Northwind Ledger, Inc."},
		{"B3", "SOC 2 Type II — Control Matrix"},
		{"B5", "Period: January 1, 2025 to December 31, 2025"},
		{"B6", "Prepared by: Compliance (M. Okafor)"},
		{"B8", "Confidential — prepared for the service auditor"},
	} {
		if err := f.SetCellValue("Cover", cv[0], cv[1]); err != nil {
			return nil, err
		}
	}
	const sheet = "Control Matrix"
	if _, err := f.NewSheet(sheet); err != nil {
		return nil, err
	}
	if _, err := f.NewSheet("Lists"); err != nil {
		return nil, err
	}
	for i, v := range []string{"Annually", "Quarterly", "Monthly", "Weekly", "Daily", "Multiple times a day", "As needed", "Continuous"} {
		if err := f.SetCellValue("Lists", fmt.Sprintf("A%d", i+1), v); err != nil {
			return nil, err
		}
	}
	if err := f.SetSheetVisible("Lists", false); err != nil {
		return nil, err
	}

	title, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
	if err != nil {
		return nil, err
	}
	head, err := f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true, Color: "FFFFFF"},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"1F4E78"}},
		Alignment: &excelize.Alignment{WrapText: true, Vertical: "center"},
	})
	if err != nil {
		return nil, err
	}
	section, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9E1F2"}}})
	if err != nil {
		return nil, err
	}
	wrap, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return nil, err
	}
	shortDate, err := f.NewStyle(&excelize.Style{NumFmt: 14, Alignment: &excelize.Alignment{Vertical: "top"}})
	if err != nil {
		return nil, err
	}
	longFmt := "d-mmm-yyyy"
	longDate, err := f.NewStyle(&excelize.Style{CustomNumFmt: &longFmt, Alignment: &excelize.Alignment{Vertical: "top"}})
	if err != nil {
		return nil, err
	}

	set := func(cell string, v any) {
		if err == nil {
			err = f.SetCellValue(sheet, cell, v)
		}
	}
	set("A1", "Northwind Ledger, Inc. — SOC 2 Type II Control Matrix")
	set("A2", "Period: January 1, 2025 to December 31, 2025 (version 3, approved by the CISO)")
	if err != nil {
		return nil, err
	}
	for _, m := range []string{"A1:I1", "A2:I2"} {
		if err := f.MergeCell(sheet, m[:2], m[3:]); err != nil {
			return nil, err
		}
	}
	if err := f.SetCellStyle(sheet, "A1", "A1", title); err != nil {
		return nil, err
	}
	header := []any{"Ref #", "Control Activity\nDescription", "Control Owner", "Control Frequency", "Automation", "Key Control", "Trust Services Criteria", "Last Reviewed", "Notes"}
	if err := f.SetSheetRow(sheet, "A4", &header); err != nil {
		return nil, err
	}
	if err := f.SetCellStyle(sheet, "A4", "I4", head); err != nil {
		return nil, err
	}

	d := func(y, m, day int) time.Time { return time.Date(y, time.Month(m), day, 0, 0, 0, 0, time.UTC) }
	type item struct {
		row     int
		section string
		r       messyRow
	}
	items := []item{
		{row: 5, section: "Logical and Physical Access"},
		{row: 6, r: messyRow{"AC-01", "Access to production requires:\n• a unique account\n• multi-factor authentication", "IT Operations", "Continuous", "Automated", true, "CC6.1\nCC6.2", d(2025, 3, 14), ""}},
		{row: 7, r: messyRow{"AC-02", "User access is reviewed quarterly by system owners.\nInappropriate access is removed within 5 business days.", "Security Engineering", "Quarterly", "Manual", true, "CC6.2; CC6.3", d(2025, 4, 2), "Q1 review late by 3 days"}},
		{row: 8, r: messyRow{"AC-03", "Badge access to the office server room is restricted to IT staff.", "Facilities", "Annually", "Manual", false, "CC6.4", d(2024, 12, 9), ""}},
		// row 9 is absent from the file (no <row> element): a gap
		{row: 10, section: "Change Management"},
		{row: 11, r: messyRow{"CM-01", "Code changes are peer reviewed and approved in the pull request before merge.", "VP Engineering", "Multiple times a day", "IT-dependent manual", "Y", "CC8.1", d(2025, 1, 20), ""}},
		{row: 12, r: messyRow{"CM-02", "Emergency changes are approved by the on-call lead\nand reviewed within two business days.", "VP Engineering", "As needed", "Hybrid", false, "CC8.1, CC5.2", "", "New in 2025"}},
		{row: 14, section: "Availability"},
		{row: 15, r: messyRow{"AV-01", "Databases are backed up daily; failures alert the on-call engineer.", "Platform Engineering", "Daily", "System", true, "A1.2", d(2025, 6, 30), ""}},
		{row: 16, r: messyRow{"AV-02", "Backup restoration is tested quarterly.", "Platform Engineering", "quarterly", "M", true, "A1.3 and A1.2", d(2025, 2, 28), ""}},
	}
	for _, it := range items {
		a := fmt.Sprintf("A%d", it.row)
		if it.section != "" {
			set(a, it.section)
			if err != nil {
				return nil, err
			}
			if err := f.MergeCell(sheet, a, fmt.Sprintf("I%d", it.row)); err != nil {
				return nil, err
			}
			if err := f.SetCellStyle(sheet, a, a, section); err != nil {
				return nil, err
			}
			continue
		}
		r := it.r
		row := []any{r.id, r.desc, r.owner, r.freq, r.nature, r.key, r.criteria, r.reviewed, r.notes}
		if err := f.SetSheetRow(sheet, a, &row); err != nil {
			return nil, err
		}
		if err := f.SetCellStyle(sheet, a, fmt.Sprintf("G%d", it.row), wrap); err != nil {
			return nil, err
		}
		st := shortDate
		if r.id == "AC-03" {
			st = longDate
		}
		h := fmt.Sprintf("H%d", it.row)
		if err := f.SetCellStyle(sheet, h, h, st); err != nil {
			return nil, err
		}
	}
	set("A18", "* Key controls are tested every year; others on a three-year rotation.")
	if err != nil {
		return nil, err
	}
	for i, w := range []float64{10, 60, 22, 20, 18, 12, 20, 14, 28} {
		col, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetColWidth(sheet, col, col, w); err != nil {
			return nil, err
		}
	}
	if err := f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 4, TopLeftCell: "A5", ActivePane: "bottomLeft"}); err != nil {
		return nil, err
	}
	f.SetActiveSheet(0)
	return f, nil
}
