package export

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/fieldwork-audit/fieldwork/model"
)

// bookGrid locates the grid of a control test sheet in an exported book.
type bookGrid struct {
	f     *excelize.File
	sheet string
	key   []string
	rows  [][]string
}

func openGrid(t *testing.T, f *excelize.File, sheet string) *bookGrid {
	t.Helper()
	g := &bookGrid{f: f, sheet: sheet, rows: rows(t, f, sheet)}
	for _, r := range g.rows {
		if len(r) > 0 && strings.HasPrefix(r[0], gridKeyMarker+"|") {
			g.key = r
		}
	}
	if g.key == nil {
		t.Fatalf("%s has no grid", sheet)
	}
	return g
}

// set types text into the cell of the item at a population position.
func (g *bookGrid) set(t *testing.T, position int, key, text string) {
	t.Helper()
	col := slices.Index(g.key, key)
	pc := slices.Index(g.key, keyPosition)
	for i, r := range g.rows {
		if len(r) > pc && r[pc] == strconv.Itoa(position) {
			cell, _ := excelize.CoordinatesToCellName(col+1, i+1)
			if err := g.f.SetCellStr(g.sheet, cell, text); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatalf("%s: no item at position %d", g.sheet, position)
}

func resultAt(t *testing.T, w *model.Workpaper, ref string, position int, letter string) (model.Result, bool) {
	t.Helper()
	rs, err := w.Results(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if r.Position == position && r.Attribute == letter {
			return r, true
		}
	}
	return model.Result{}, false
}

func TestImportResults(t *testing.T) {
	// The results typed in Excel change CHG-01, which is reviewed: the
	// import is the auditor's deliberate choice to reopen it.
	ctx := model.Reopen(context.Background())
	path := copyDemo(t)
	w := openWP(t, path, false)
	book := filepath.Join(t.TempDir(), "book.xlsx")
	opt := testOptions(book)
	opt.Sections = []Section{SectionTests}
	if _, err := Write(ctx, w, opt, nil); err != nil {
		t.Fatal(err)
	}
	la2, err := w.Selection(ctx, "LA-02")
	if err != nil {
		t.Fatal(err)
	}
	chg, _ := w.Selection(ctx, "CHG-01")
	la3, _ := w.Selection(ctx, "LA-03")
	p := func(sel *model.Selection, item int) int { return sel.Items[item-1].Position }

	// A team member fills in the book in Excel.
	f, err := excelize.OpenFile(book)
	if err != nil {
		t.Fatal(err)
	}
	g := openGrid(t, f, "WP-LA-02")
	g.set(t, p(la2, 9), "A:outcome", "Pass")
	g.set(t, p(la2, 9), "A:tickmark", "✓")
	g.set(t, p(la2, 9), "A:note", "=typed in Excel, stays text")
	g.set(t, p(la2, 10), "A:outcome", "na")
	g.set(t, p(la2, 11), "A:outcome", "maybe")
	g.set(t, p(la2, 12), "A:outcome", "pass")
	g.set(t, p(la2, 12), "A:tickmark", "Z")
	g.set(t, p(la2, 13), "A:outcome", "deviation")
	gc := openGrid(t, f, "WP-CHG-01")
	gc.set(t, p(chg, 1), "A:note", "Approval agreed to the PR review log")
	gc.set(t, p(chg, 2), "B:outcome", "deviation")
	g3 := openGrid(t, f, "WP-LA-03")
	g3.set(t, p(la3, 1), "A:outcome", "")
	g3.set(t, p(la3, 1), "A:tickmark", "")
	g3.set(t, p(la3, 1), "A:evidence", "")
	// Renaming a sheet does not matter: the grid's key names the W/P.
	if err := f.SetSheetName("WP-LA-02", "Access requests"); err != nil {
		t.Fatal(err)
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	f.Close()

	// Meanwhile the preparer changes CHG-01 item 2, attribute B, in fieldwork.
	if err := w.SetResult(ctx, model.ResultInput{ControlRef: "CHG-01", Position: p(chg, 2), Attribute: "B", Outcome: model.Pass, Tickmark: "R", Note: "re-performed"}); err != nil {
		t.Fatal(err)
	}
	before, _ := w.Trail(ctx, model.TrailFilter{})

	plan, err := PlanImport(ctx, w, book)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(plan.Sheets, []string{"WP-LA-02", "WP-LA-03", "WP-CHG-01", "WP-AV-02"}) {
		t.Errorf("sheets = %q", plan.Sheets)
	}
	type entry struct {
		wp       string
		position int
		attr     string
		action   string
	}
	var changes []entry
	for _, c := range plan.Changes {
		changes = append(changes, entry{c.WPRef, c.Position, c.Attribute, c.Action})
	}
	wantChanges := []entry{{"WP-LA-02", p(la2, 9), "A", "add"}, {"WP-LA-02", p(la2, 10), "A", "add"}, {"WP-LA-02", p(la2, 13), "A", "add"},
		{"WP-CHG-01", p(chg, 1), "A", "change"}}
	if !slices.Equal(changes, wantChanges) {
		t.Fatalf("changes = %+v\nwant %+v", changes, wantChanges)
	}
	if c := plan.Changes[0]; c.To != (ResultValues{Outcome: "pass", Tickmark: "✓", Note: "=typed in Excel, stays text"}) || c.Item != 9 || c.Sheet != "Access requests" {
		t.Errorf("first change = %+v", c)
	}
	if c := plan.Changes[3]; c.From == nil || c.From.Note != "" || c.To.Note != "Approval agreed to the PR review log" || c.Version == 0 {
		t.Errorf("CHG-01 change = %+v", c)
	}
	if len(plan.Conflicts) != 1 || plan.Conflicts[0].Position != p(chg, 2) || plan.Conflicts[0].Attribute != "B" ||
		!strings.Contains(plan.Conflicts[0].Problem, "changed in the workpaper by dev.patel") || plan.Conflicts[0].Current != plan.Conflicts[0].Version+1 {
		t.Errorf("conflicts = %+v", plan.Conflicts)
	}
	var problems []string
	for _, e := range plan.Invalid {
		problems = append(problems, e.WPRef+" "+strconv.Itoa(e.Position)+": "+e.Problem)
	}
	wantInvalid := []string{
		"WP-LA-02 " + strconv.Itoa(p(la2, 11)) + `: outcome "maybe" is not pass, deviation or na`,
		"WP-LA-02 " + strconv.Itoa(p(la2, 12)) + `: tickmark "Z" is not in the legend`,
		"WP-LA-03 " + strconv.Itoa(p(la3, 1)) + ": the result was cleared in the workbook; results cannot be deleted from Excel",
	}
	if r := plan.Invalid[1].Refusal; r == nil || !strings.HasSuffix(model.Words(r, func(h model.Hint, _ string) string { return " <" + string(h) + ">" }), "<add-tickmark>") {
		t.Errorf("the tickmark's refusal carries no hint: %v", r)
	}
	if !slices.Equal(problems, wantInvalid) {
		t.Errorf("invalid =\n%s\nwant\n%s", strings.Join(problems, "\n"), strings.Join(wantInvalid, "\n"))
	}
	if plan.Unchanged != 22*2+15+8-3 { // all recorded results but the change, the conflict and the cleared one
		t.Errorf("unchanged = %d", plan.Unchanged)
	}
	// Planning writes nothing.
	if after, _ := w.Trail(ctx, model.TrailFilter{}); len(after) != len(before) {
		t.Fatalf("planning wrote %d trail entries", len(after)-len(before))
	}

	// Someone records item 13 in fieldwork before the import is applied.
	if err := w.SetResult(ctx, model.ResultInput{ControlRef: "LA-02", Position: p(la2, 13), Attribute: "A", Outcome: model.Pass}); err != nil {
		t.Fatal(err)
	}
	if err := plan.Apply(ctx, w); err != nil {
		t.Fatal(err)
	}
	if plan.Applied != 3 || len(plan.Changes) != 3 || len(plan.Conflicts) != 2 || plan.Refused() != 5 {
		t.Fatalf("applied %d, conflicts %+v", plan.Applied, plan.Conflicts)
	}
	if c := plan.Conflicts[1]; c.Position != p(la2, 13) || !strings.Contains(c.Problem, "while this import ran") {
		t.Errorf("late conflict = %+v", c)
	}
	if r, ok := resultAt(t, w, "LA-02", p(la2, 9), "A"); !ok || r.Outcome != model.Pass || r.Note != "=typed in Excel, stays text" || r.Tickmark != "✓" || r.TestedBy != "dev.patel" {
		t.Errorf("LA-02 item 9 = %+v", r)
	}
	if r, _ := resultAt(t, w, "LA-02", p(la2, 13), "A"); r.Outcome != model.Pass {
		t.Errorf("the late entry was overwritten: %+v", r)
	}
	if r, _ := resultAt(t, w, "CHG-01", p(chg, 1), "A"); r.Note != "Approval agreed to the PR review log" || r.Outcome != model.Pass {
		t.Errorf("CHG-01 item 1 = %+v", r)
	}
	if r, _ := resultAt(t, w, "CHG-01", p(chg, 2), "B"); r.Outcome != model.Pass || r.Note != "re-performed" {
		t.Errorf("the newer CHG-01 entry was overwritten: %+v", r)
	}

	// Importing the same book again changes nothing more.
	again, err := PlanImport(ctx, w, book)
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Changes) != 0 {
		t.Errorf("second plan changes = %+v", again.Changes)
	}

	// A book from another engagement, or no export at all, is refused.
	other, _ := hostileWorkpaper(t)
	if _, err := PlanImport(ctx, other, book); err == nil || !strings.Contains(err.Error(), "another engagement") {
		t.Errorf("other engagement: %v", err)
	}
	plain := filepath.Join(t.TempDir(), "plain.xlsx")
	pf := excelize.NewFile()
	pf.SetCellStr("Sheet1", "A1", "results")
	if err := pf.SaveAs(plain); err != nil {
		t.Fatal(err)
	}
	if _, err := PlanImport(ctx, w, plain); !errors.Is(err, ErrNotExport) {
		t.Errorf("plain book: %v", err)
	}
}

func TestImportRefusesRedrawnSample(t *testing.T) {
	ctx := context.Background()
	w, _ := hostileWorkpaper(t)
	book := filepath.Join(t.TempDir(), "book.xlsx")
	opt := testOptions(book)
	opt.Sections = []Section{SectionTests}
	if _, err := Write(ctx, w, opt, nil); err != nil {
		t.Fatal(err)
	}
	sel, _ := w.Selection(ctx, "X/1")
	f, _ := excelize.OpenFile(book)
	g := openGrid(t, f, "WP-X-1")
	g.set(t, sel.Items[3].Position, "A:outcome", "pass")
	f.Save()
	f.Close()
	// The key names the selection the book was exported with.
	b, _ := excelize.OpenFile(book)
	rs := rows(t, b, "WP-X-1")
	for i, r := range rs {
		if len(r) > 0 && strings.HasPrefix(r[0], gridKeyMarker) {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			b.SetCellStr("WP-X-1", cell, strings.Replace(r[0], sel.UUID, "00000000-0000-4000-8000-000000000000", 1))
		}
	}
	b.Save()
	b.Close()
	plan, err := PlanImport(ctx, w, book)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Changes) != 0 || len(plan.Conflicts) != 1 || !strings.Contains(plan.Conflicts[0].Problem, "redrawn") {
		t.Fatalf("plan: %d changes, %d conflicts (%+v)", len(plan.Changes), len(plan.Conflicts), plan.Conflicts[0].Problem)
	}
}
