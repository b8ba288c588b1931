package export

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// libreOffice converts book with LibreOffice (headless, with a profile and
// HOME of its own so parallel runs do not collide) and returns the
// output directory. It skips the test when LibreOffice is not installed;
// CI installs libreoffice-calc.
func libreOffice(t *testing.T, book string, convertTo string) string {
	t.Helper()
	bin, err := exec.LookPath("libreoffice")
	if err != nil {
		if bin, err = exec.LookPath("soffice"); err != nil {
			t.Skip("libreoffice is not on PATH")
		}
	}
	home := t.TempDir()
	out := filepath.Join(home, "out")
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-env:UserInstallation=file://"+filepath.ToSlash(filepath.Join(home, "profile")),
		"--headless", "--norestore", "--convert-to", convertTo, "--outdir", out, book)
	cmd.Env = append(os.Environ(), "HOME="+home)
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Run(); err != nil {
		t.Fatalf("libreoffice --convert-to %s: %v\n%s", convertTo, err, output.String())
	}
	return out
}

// sheetCSV converts one sheet (1-based index) to CSV: LibreOffice's CSV
// filter takes the sheet number as the 12th token of its options, and
// names the file BOOK-SHEETNAME.csv.
func sheetCSV(t *testing.T, book string, index int, name string) [][]string {
	t.Helper()
	out := libreOffice(t, book, "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,"+strconv.Itoa(index))
	base := strings.TrimSuffix(filepath.Base(book), filepath.Ext(book))
	b, err := os.ReadFile(filepath.Join(out, base+"-"+name+".csv"))
	if err != nil {
		entries, _ := os.ReadDir(out)
		t.Fatalf("%v (the output folder holds %v)", err, entries)
	}
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestLibreOfficeOpensTheWorkbook(t *testing.T) {
	if testing.Short() {
		t.Skip("LibreOffice conversion is slow")
	}
	w := openWP(t, demoPath, true)
	book := filepath.Join(t.TempDir(), "demo.xlsx")
	opt := testOptions(book)
	opt.IncludeTrail = true
	f, _ := exportTo(t, w, opt)
	sheets := f.GetSheetList()

	out := libreOffice(t, book, "pdf")
	pdf, err := os.ReadFile(filepath.Join(out, "demo.pdf"))
	if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF")) || len(pdf) < 10000 {
		t.Fatalf("pdf: %d bytes, %v", len(pdf), err)
	}

	recs := sheetCSV(t, book, slices.Index(sheets, "Section 4")+1, "Section 4")
	if !slices.Equal(recs[2], Section4Columns) {
		t.Fatalf("section 4 headings = %q", recs[2])
	}
	var chg, crit []string
	la3 := 0
	for _, r := range recs {
		switch {
		case len(r) >= 6 && r[0] == "CC8.1" && r[1] == "CHG-01":
			chg = r
		case len(r) >= 2 && r[0] == "CC8.1" && r[1] == "Change management":
			crit = r
		case len(r) >= 2 && r[1] == "LA-03":
			la3++
		}
	}
	if crit == nil {
		t.Error("no CC8.1 criterion row in the CSV")
	}
	if chg == nil || chg[4] != "Exception noted: for 2 of 22 sampled changes, approval was recorded after deployment." ||
		!strings.Contains(chg[3], "Sample: 22 of 1,180 occurrences") || chg[5] != "WP-CHG-01" {
		t.Fatalf("CHG-01 row = %q", chg)
	}
	if la3 != 2 {
		t.Errorf("LA-03 rows = %d, want 2", la3)
	}
}

func TestLibreOfficeKeepsHostileTextAsText(t *testing.T) {
	if testing.Short() {
		t.Skip("LibreOffice conversion is slow")
	}
	w, _ := hostileWorkpaper(t)
	book := filepath.Join(t.TempDir(), "hostile.xlsx")
	f, _ := exportTo(t, w, testOptions(book))
	recs := sheetCSV(t, book, slices.Index(f.GetSheetList(), "Section 4")+1, "Section 4")
	var all []string
	for _, r := range recs {
		all = append(all, r...)
	}
	// Had LibreOffice taken any of these as formulas, the CSV would hold
	// their results (2, an error, a link text) instead.
	for _, want := range []string{hostileTab, "bell nul esc[31m del c1 end", hostileLink, hostileCJK} {
		if !slices.Contains(all, want) {
			t.Errorf("section 4 CSV lacks %q", want)
		}
	}
	if out := libreOffice(t, book, "pdf"); out == "" {
		t.Fatal("no pdf")
	}
}
