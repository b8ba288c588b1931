package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"

	"github.com/fieldwork-audit/fieldwork/model"
	"github.com/fieldwork-audit/fieldwork/sampling"
)

// The workpaper, the sampling wizard and the testing grid, on the demo
// engagement: CHG-01 is tested and concluded, LA-02 is half tested (items
// 1–8 of 15 passed), LA-01 has no population.

// openWork opens control ref's workpaper as maria.chen.
func openWork(t *testing.T, width, height int, ref string) (*driver, *model.Workpaper) {
	t.Helper()
	w := demoWorkpaper(t, "maria.chen", false)
	d := startDemo(t, w, width, height)
	d.send(openControl(ref)())
	if p, ok := d.active().(*controlPage); !ok || !p.wd.loaded {
		t.Fatalf("the workpaper of %s did not open: %T", ref, d.active())
	}
	return d, w
}

func openGrid(t *testing.T, width, height int, ref string) (*driver, *model.Workpaper, *gridPage) {
	t.Helper()
	d, w := openWork(t, width, height, ref)
	d.press(d.keys().WPTesting)
	g, ok := d.active().(*gridPage)
	if !ok || !g.meta.loaded || len(g.rows) == 0 {
		t.Fatalf("the grid did not open: %T", d.active())
	}
	return d, w, g
}

// population writes a CSV population of n rows (with one duplicate ID, one
// row out of the period and one bad date) beside the workpaper, dated so
// that the goldens do not move.
func population(t *testing.T, name string, n int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("Review ID,Review Date,System,Reviewer,Users Reviewed\r\n")
	for i := range n {
		fmt.Fprintf(&b, "AR-%05d,2026-%02d-%02d,%s,%s,%d\r\n", 10000+i, 1+i%8, 1+i%28,
			[]string{"Payroll DB", "Okta", "AWS", "GitHub"}[i%4], []string{"Ava Thompson", "経理部 山田"}[i%2], 5+i%70)
	}
	b.WriteString("AR-10003,2027-01-05,Okta,Ben Ortiz,10\r\n")
	b.WriteString("AR-99999,not a date,Okta,Ben Ortiz,10\r\n")
	if err := os.WriteFile(name, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 10, 20, 9, 0, 0, 0, time.UTC)
	os.Chtimes(name, at, at)
	abs, _ := filepath.Abs(name)
	return abs
}

// openWizard opens the sampling wizard of ref.
func openWizard(t *testing.T, d *driver) *samplingPage {
	t.Helper()
	d.press(d.keys().WPSampling)
	p, ok := d.active().(*samplingPage)
	if !ok || !p.st.loaded {
		t.Fatalf("the wizard did not open: %T", d.active())
	}
	return p
}

// selectFile moves the picker to the file called name and opens it.
func selectFile(t *testing.T, d *driver, p *samplingPage, name string) {
	t.Helper()
	abs, _ := filepath.Abs(name)
	selectRow(t, d, p.picker.Files(), abs)
	d.press(d.keys().Open)
	if p.step != stepColumns {
		t.Fatalf("choosing %s should preview it (step %v, %s)", name, p.step, p.msg)
	}
}

func TestWorkGoldens(t *testing.T) {
	screens := []struct {
		name string
		to   func(t *testing.T, width, height int) *driver
	}{
		{"work_workpaper", func(t *testing.T, w, h int) *driver {
			d, _ := openWork(t, w, h, "CHG-01")
			return d
		}},
		{"work_workpaper_end", func(t *testing.T, w, h int) *driver {
			d, _ := openWork(t, w, h, "CHG-01")
			d.press(d.keys().Bottom)
			return d
		}},
		{"work_design_form", func(t *testing.T, w, h int) *driver {
			d, _ := openWork(t, w, h, "CHG-01")
			d.press(d.keys().WPEdit)
			return d
		}},
		{"work_conclusion_form", func(t *testing.T, w, h int) *driver {
			d, _ := openWork(t, w, h, "LA-02")
			d.press(d.keys().WPConclude)
			return d
		}},
		{"work_wizard_file", func(t *testing.T, w, h int) *driver {
			d, _ := openWork(t, w, h, "LA-01")
			population(t, "access-reviews.csv", 40)
			openWizard(t, d)
			return d
		}},
		{"work_wizard_columns", func(t *testing.T, w, h int) *driver {
			d, _ := openWork(t, w, h, "LA-01")
			population(t, "access-reviews.csv", 40)
			p := openWizard(t, d)
			selectFile(t, d, p, "access-reviews.csv")
			return d
		}},
		{"work_wizard_flags", func(t *testing.T, w, h int) *driver {
			d, _ := openWork(t, w, h, "LA-01")
			population(t, "access-reviews.csv", 40)
			p := openWizard(t, d)
			selectFile(t, d, p, "access-reviews.csv")
			d.press(d.keys().WizNext)
			return d
		}},
		{"work_wizard_plan", func(t *testing.T, w, h int) *driver {
			d, _ := openWork(t, w, h, "CHG-01")
			p := openWizard(t, d)
			d.press(d.keys().WizPrev) // record → plan
			if p.step != stepPlan {
				t.Fatalf("b should go back to the plan, at %v", p.step)
			}
			return d
		}},
		{"work_wizard_draw", func(t *testing.T, w, h int) *driver {
			d, _ := openWork(t, w, h, "LA-01")
			population(t, "access-reviews.csv", 40)
			p := openWizard(t, d)
			selectFile(t, d, p, "access-reviews.csv")
			d.press(d.keys().WizNext) // import
			d.press(d.keys().WizNext) // plan
			d.press(d.keys().WizNext) // save the plan (frequency: continuous, 1)
			return d
		}},
		{"work_wizard_record", func(t *testing.T, w, h int) *driver {
			d, _ := openWork(t, w, h, "CHG-01")
			openWizard(t, d)
			return d
		}},
		{"work_grid", func(t *testing.T, w, h int) *driver {
			d, _, _ := openGrid(t, w, h, "LA-02")
			return d
		}},
		{"work_grid_cell", func(t *testing.T, w, h int) *driver {
			d, _, _ := openGrid(t, w, h, "CHG-01")
			d.press(d.keys().Down)
			d.press(d.keys().Down)
			d.press(d.keys().Down)
			d.press(d.keys().CellDetail)
			return d
		}},
		{"work_grid_deviation", func(t *testing.T, w, h int) *driver {
			d, _, g := openGrid(t, w, h, "LA-02")
			for g.cur < 9 {
				d.press(d.keys().Down)
			}
			d.press(d.keys().MarkDeviation)
			return d
		}},
	}
	for _, sc := range screens {
		for _, size := range [][2]int{{80, 24}, {120, 40}} {
			name := fmt.Sprintf("%s_%dx%d", sc.name, size[0], size[1])
			t.Run(name, func(t *testing.T) {
				d := sc.to(t, size[0], size[1])
				requireGolden(t, name, d.view())
			})
		}
	}
}

// Marking a cell shows it at once, writes exactly the result it shows and
// takes the stored version back.
func TestGridMarkWritesResult(t *testing.T) {
	d, w, g := openGrid(t, 80, 24, "LA-02")
	k := d.keys()
	for g.cur < 9 {
		d.press(k.Down)
	}
	r := g.row(9)
	if r.res[0].outcome != "" {
		t.Fatalf("item 9 should be untested, is %q", r.res[0].outcome)
	}
	// Update alone: the mark is shown and a write is returned, not run.
	_, cmd := g.Update(keyMsg(k.MarkDeviation))
	if cmd == nil {
		t.Fatal("marking should return the write")
	}
	pw := g.pending[cellKey{9, 0}]
	want := model.ResultInput{ControlRef: "LA-02", Position: r.position, Attribute: "A", Outcome: model.Deviation}
	if pw == nil || pw.in != want {
		t.Fatalf("the write is %+v, want %+v", pw, want)
	}
	if c := g.row(9).res[0]; c.outcome != model.Deviation || !c.pending {
		t.Fatalf("the cell should show the deviation at once, pending: %+v", c)
	}
	if !strings.Contains(d.view(), symDeviation+symPending) && !strings.Contains(d.view(), "["+symDeviation+"]") {
		t.Errorf("the grid should show the pending deviation:\n%s", d.view())
	}
	d.run(cmd)
	if len(g.pending) != 0 {
		t.Fatal("the write's answer should clear the pending mark")
	}
	got, err := w.ResultAt(t.Context(), "LA-02", r.position, "A")
	if err != nil || got == nil || got.Outcome != model.Deviation || got.TestedBy != "maria.chen" {
		t.Fatalf("stored: %+v, %v", got, err)
	}
	if c := g.row(9).res[0]; c.pending || c.version != got.Version {
		t.Fatalf("the cell should take the stored result: %+v", c)
	}
	d.want("Deviation: e logs an exception")

	// Space cycles on: deviation → n/a, based on the stored version.
	d.press(k.Back) // "later"
	_, cmd = g.Update(keyMsg(k.MarkCycle))
	if pw := g.pending[cellKey{9, 0}]; pw == nil || pw.in.Outcome != model.NotApplicable || pw.in.Version != got.Version {
		t.Fatalf("space should write n/a over version %d: %+v", got.Version, pw)
	}
	d.run(cmd)
	if got, _ := w.ResultAt(t.Context(), "LA-02", r.position, "A"); got.Outcome != model.NotApplicable {
		t.Fatalf("stored %q, want na", got.Outcome)
	}
}

// A failed write puts the cell back and says why.
func TestGridRollsBackOnError(t *testing.T) {
	d, _, g := openGrid(t, 80, 24, "LA-02")
	for g.cur < 10 {
		d.press(d.keys().Down)
	}
	_, _ = g.Update(keyMsg(d.keys().MarkPass))
	pw := g.pending[cellKey{10, 0}]
	d.send(cellSavedMsg{seq: pw.seq, key: cellKey{10, 0}, err: errors.New("disk I/O error")})
	if c := g.row(10).res[0]; c.outcome != "" || c.pending {
		t.Fatalf("the cell should be untested again: %+v", c)
	}
	d.want("Item 10/A not saved, back to untested: disk I/O error")
}

// A cell someone else recorded since the grid read it is not overwritten:
// the write is refused, the cell shows theirs and the screen says who.
func TestGridStaleMarkRefused(t *testing.T) {
	d, w, g := openGrid(t, 120, 40, "LA-02")
	for g.cur < 11 {
		d.press(d.keys().Down)
	}
	pos := g.row(11).position
	_, cmd := g.Update(keyMsg(d.keys().MarkPass))
	other := openAs(t, w.Path(), "olivia.brandt", false)
	if err := other.SetResult(t.Context(), model.ResultInput{ControlRef: "LA-02", Position: pos, Attribute: "A", Outcome: model.Deviation, Note: "theirs"}); err != nil {
		t.Fatal(err)
	}
	d.run(cmd)
	got, _ := w.ResultAt(t.Context(), "LA-02", pos, "A")
	if got.Outcome != model.Deviation || got.Note != "theirs" {
		t.Fatalf("the stale mark overwrote theirs: %+v", got)
	}
	d.want("changed by olivia.brandt at 2026-10-21 10:00")
	if c := g.row(11).res[0]; c.outcome != model.Deviation || c.note != "theirs" {
		t.Fatalf("the grid should show theirs after the refusal: %+v", c)
	}

	// An existing result changed meanwhile: the version refuses the edit.
	_, cmd = g.Update(keyMsg(d.keys().MarkPass))
	if err := other.SetResult(t.Context(), model.ResultInput{ControlRef: "LA-02", Position: pos, Attribute: "A", Outcome: model.NotApplicable, Version: got.Version}); err != nil {
		t.Fatal(err)
	}
	d.run(cmd)
	if got, _ := w.ResultAt(t.Context(), "LA-02", pos, "A"); got.Outcome != model.NotApplicable {
		t.Fatalf("a stale version was applied: %+v", got)
	}
	d.want("changed by olivia.brandt")
}

// Bulk pass asks first and writes only untested cells.
func TestGridBulkPassAsksFirst(t *testing.T) {
	d, w, g := openGrid(t, 80, 24, "LA-02")
	k := d.keys()
	before, _ := w.Results(t.Context(), "LA-02")
	_, cmd := g.Update(keyMsg(k.PassColumn))
	if cmd != nil || !g.ask.Asking() {
		t.Fatal("a bulk pass should ask first and write nothing")
	}
	d.want("Pass every untested item of attribute A")
	d.press(k.No)
	if g.ask.Asking() {
		t.Fatal("n should cancel")
	}
	if after, _ := w.Results(t.Context(), "LA-02"); len(after) != len(before) {
		t.Fatal("cancelled bulk pass wrote results")
	}
	// A deviation recorded before stays a deviation.
	for g.cur < 9 {
		d.press(k.Down)
	}
	d.press(k.MarkDeviation)
	d.press(k.Back)
	d.press(k.PassColumn)
	d.press(k.Yes)
	res, _ := w.Results(t.Context(), "LA-02")
	if len(res) != 15 {
		t.Fatalf("%d results after passing the column, want 15", len(res))
	}
	dev := 0
	for _, r := range res {
		if r.Outcome == model.Deviation {
			dev++
		}
	}
	if dev != 1 {
		t.Fatalf("%d deviations after the bulk pass, want 1 (kept)", dev)
	}
	// The row: item 1 has no untested cell.
	d.press(k.Top)
	d.press(k.PassRow)
	if g.ask.Asking() {
		t.Fatal("a row with nothing untested should not ask")
	}
}

// A deviation offers an exception: e opens the form, ctrl+s logs it over
// the item.
func TestGridDeviationOpensException(t *testing.T) {
	d, w, g := openGrid(t, 80, 24, "LA-02")
	k := d.keys()
	for g.cur < 12 {
		d.press(k.Down)
	}
	pos := g.row(12).position
	d.press(k.MarkDeviation)
	d.press(k.NewException)
	if g.form == nil || !g.InputFocused() {
		t.Fatal("e should open the exception form")
	}
	d.press(k.FormSave)
	xs, _ := w.Exceptions(t.Context())
	found := false
	for _, x := range xs {
		if x.ControlRef == "LA-02" && len(x.Positions) == 1 && x.Positions[0] == pos {
			found = true
		}
	}
	if !found || g.form != nil {
		t.Fatalf("the exception was not logged over item %d: %+v", pos, xs)
	}
	d.want("Logged exception EX-")
}

// The cell's note, evidence and tickmark are edited in a form; a stale
// save is refused and shown, with what is stored now.
func TestGridCellFormStale(t *testing.T) {
	d, w, g := openGrid(t, 120, 40, "LA-02")
	k := d.keys()
	pos := g.row(1).position
	d.press(k.CellDetail)
	d.press(k.FormNext) // tickmark
	d.press(k.FormNext) // note
	d.typeText("agreed to ticket")
	other := openAs(t, w.Path(), "olivia.brandt", false)
	cur, _ := w.ResultAt(t.Context(), "LA-02", pos, "A")
	if err := other.SetResult(t.Context(), model.ResultInput{ControlRef: "LA-02", Position: pos, Attribute: "A", Outcome: model.Pass, Note: "reviewed", Version: cur.Version}); err != nil {
		t.Fatal(err)
	}
	d.press(k.FormSave)
	if g.form == nil {
		t.Fatal("a stale save should keep the form open")
	}
	d.want("changed by olivia.brandt at 2026-10-21 10:00", "now stored: reviewed")
	if got, _ := w.ResultAt(t.Context(), "LA-02", pos, "A"); got.Note != "reviewed" {
		t.Fatal("the stale save was applied")
	}
	d.press(k.FormSave) // a deliberate second save replaces theirs
	if got, _ := w.ResultAt(t.Context(), "LA-02", pos, "A"); got.Note != "agreed to ticket" || g.form != nil {
		t.Fatalf("the second save should apply: %+v", got)
	}
}

// The test of design: a stale edit is refused, shown, and kept.
func TestWorkpaperStaleDesign(t *testing.T) {
	d, w := openWork(t, 120, 40, "LA-02")
	k := d.keys()
	p := d.active().(*controlPage)
	d.press(k.WPEdit)
	if p.form == nil || p.formKind != formDesign {
		t.Fatal("enter on the design should open its form")
	}
	d.typeText("Inquired of IT Operations.")
	other := openAs(t, w.Path(), "olivia.brandt", false)
	if err := other.SetDesign(t.Context(), "LA-02", 0, model.DesignInput{Procedure: "Theirs."}); err != nil {
		t.Fatal(err)
	}
	d.press(k.FormSave)
	d.want("was changed by olivia.brandt at 2026-10-21 10:00", "now stored: Theirs.")
	ct, _ := w.ControlTest(t.Context(), "LA-02")
	if ct.DesignProcedure != "Theirs." {
		t.Fatalf("the stale edit was applied: %q", ct.DesignProcedure)
	}
	if p.Unsaved() == "" {
		t.Fatal("the refused input should still count as unsaved")
	}
	d.press(k.FormSave)
	ct, _ = w.ControlTest(t.Context(), "LA-02")
	if ct.DesignProcedure != "Inquired of IT Operations." || p.form != nil {
		t.Fatalf("the second save should apply: %q", ct.DesignProcedure)
	}
	d.want("Saved the test of design.")
}

// Attributes: add (letter validated inline), edit, delete after asking.
func TestWorkpaperAttributes(t *testing.T) {
	d, w := openWork(t, 120, 40, "LA-01")
	k := d.keys()
	p := d.active().(*controlPage)
	d.press(k.WPAdd)
	if p.formKind != formAddAttribute {
		t.Fatal("a should add an attribute")
	}
	d.typeText("a-1")
	d.want("letters A–Z and digits only")
	for range 3 {
		d.press(k.DeleteChar)
	}
	d.typeText("b")
	d.press(k.FormNext)
	d.press(k.FormSave)
	d.want("required")
	d.typeText("MFA enforced for the user")
	d.press(k.FormSave)
	ct, _ := w.ControlTest(t.Context(), "LA-01")
	if len(ct.Attributes) != 1 || ct.Attributes[0].Letter != "B" {
		t.Fatalf("attributes: %+v", ct.Attributes)
	}
	selectRow(t, d, &p.list, fmt.Sprintf("%d/0", itemAttribute))
	d.press(k.WPDelete)
	d.want("Delete attribute B")
	d.press(k.No)
	d.press(k.WPDelete)
	d.press(k.Yes)
	ct, _ = w.ControlTest(t.Context(), "LA-01")
	if len(ct.Attributes) != 0 {
		t.Fatal("y should delete the attribute")
	}
}

// A conclusion other than effective needs a note.
func TestWorkpaperConclusionNeedsNote(t *testing.T) {
	d, w := openWork(t, 120, 40, "LA-01")
	k := d.keys()
	d.press(k.WPConclude)
	d.press(k.ChoicePrev) // none → not occurring
	d.press(k.FormSave)
	d.want("needs a note")
	d.press(k.FormNext)
	d.typeText("No access was requested in the period.")
	d.press(k.FormSave)
	ct, _ := w.ControlTest(t.Context(), "LA-01")
	if ct.Conclusion != model.NotOccurring || ct.ConclusionNote != "No access was requested in the period." {
		t.Fatalf("conclusion %q, note %q", ct.Conclusion, ct.ConclusionNote)
	}
}

// q and ctrl+c ask before throwing away a form's input; the wizard's
// unsaved plan is guarded even from another tab.
func TestUnsavedInputIsGuarded(t *testing.T) {
	d, _ := openWork(t, 80, 24, "CHG-01")
	k := d.keys()
	p := d.active().(*controlPage)
	d.press(k.WPEdit)
	d.typeText("more")
	d.press(k.ForceQuit)
	if d.quit || d.m.guard.prompt == "" {
		t.Fatal("ctrl+c with unsaved input should ask")
	}
	d.want("Quit and discard your edit of test of design?")
	d.press(k.No)
	if d.quit || p.form == nil {
		t.Fatal("n should keep the form")
	}
	d.press(k.FormCancel)
	d.want("Discard your changes?")
	d.press(k.Yes)
	if p.form != nil {
		t.Fatal("y should discard the form")
	}

	// The wizard's plan, changed and not saved, then q at the top level.
	w := openWizard(t, d)
	d.press(k.WizPrev) // record → plan
	d.press(k.CellRight)
	d.press(k.Criteria) // another tab: the wizard stays open in this one
	d.press(k.Quit)
	if d.quit {
		t.Fatal("q should ask about the unsaved plan")
	}
	d.want("Quit and discard the sample plan you were setting?")
	d.press(k.Yes)
	if !d.quit {
		t.Fatal("y should quit")
	}
	_ = w
}

// The plan's size follows the inputs at once: 95%/5% → 59, 90%/10% → 22.
func TestWizardLiveSize(t *testing.T) {
	d, _ := openWork(t, 120, 40, "CHG-01")
	k := d.keys()
	p := openWizard(t, d)
	d.press(k.WizPrev)
	if p.calc.size.SampleSize != 22 {
		t.Fatalf("the recorded plan (90%%/10%%) should size 22, got %d", p.calc.size.SampleSize)
	}
	d.press(k.Down) // confidence
	d.press(k.CellRight)
	d.press(k.Down) // tolerable
	for range 5 {
		d.press(k.CellLeft)
	}
	if p.calc.size.SampleSize != 59 || sampling.TableTolerable[p.plan.tol] != 5*sampling.OnePercent {
		t.Fatalf("95%%/5%% should size 59, got %d", p.calc.size.SampleSize)
	}
	d.want("→ n = 59", "[59]")
	d.press(k.Down) // expected
	d.press(k.CellRight)
	if p.calc.size.SampleSize != 93 {
		t.Fatalf("95%%/5%%/0.25%% should size 93, got %d", p.calc.size.SampleSize)
	}
}

// The whole wizard on a population large enough to report progress:
// import, flags, plan, draw with a typed seed, the record.
func TestWizardImportPlanDraw(t *testing.T) {
	d, w := openWork(t, 120, 40, "LA-01")
	k := d.keys()
	population(t, "big.csv", 12000)
	p := openWizard(t, d)
	selectFile(t, d, p, "big.csv")
	if p.pv.header[p.idCol] != "Review ID" || p.pv.header[p.dateCol] != "Review Date" {
		t.Fatalf("guessed columns %d, %d", p.idCol, p.dateCol)
	}
	// The import starts in a command; its reports come back as messages.
	_, cmd := p.Update(keyMsg(k.WizNext))
	if !p.importing || p.step != stepImport {
		t.Fatal("enter should start the import")
	}
	d.want("Importing", "esc cancels")
	d.run(cmd)
	if p.importing || p.step != stepFlags {
		t.Fatalf("after the import: step %v, %s", p.step, p.msg)
	}
	pop, _ := w.CurrentPopulation(t.Context(), "LA-01")
	if pop == nil || pop.Rows != 12002 || pop.Duplicates != 2 || pop.OutOfPeriod != 1 || pop.BadDates != 1 {
		t.Fatalf("population: %+v", pop)
	}
	if len(p.flagged.Items()) != 3 {
		t.Fatalf("%d flagged rows, want 3", len(p.flagged.Items()))
	}
	d.press(k.WizNext) // plan
	d.press(k.CellLeft)
	d.press(k.WizNext) // statistical 95%/5% → 59
	if p.step != stepDraw {
		t.Fatalf("saving the plan should go to the draw: %v %s", p.step, p.msg)
	}
	d.press(k.WizSeed)
	d.typeText("20260101")
	d.send(tea.KeyMsg{Type: tea.KeyEnter})
	d.press(k.CellRight) // systematic
	d.press(k.WizNext)
	sel, _ := w.Selection(t.Context(), "LA-01")
	if sel == nil || sel.Record.Seed != 20260101 || sel.Record.Method != sampling.Systematic || sel.Record.Size != 59 {
		t.Fatalf("selection: %+v", sel)
	}
	if p.step != stepRecord {
		t.Fatalf("step %v after the draw", p.step)
	}
	d.want("Selection record", "20260101", "interval")
	d.press(k.WizNext)
	if _, ok := d.active().(*gridPage); !ok {
		t.Fatal("enter on the record should open the grid")
	}
}

// Cancelling the import leaves no population: the transaction rolls back.
func TestWizardCancelLeavesNoPopulation(t *testing.T) {
	d, w := openWork(t, 80, 24, "LA-01")
	k := d.keys()
	population(t, "big.csv", 20000)
	p := openWizard(t, d)
	selectFile(t, d, p, "big.csv")
	_, cmd := p.Update(keyMsg(k.WizNext))
	if p.Unsaved() == "" || !p.HandlesBack() {
		t.Fatal("a running import is unsaved work and esc is the wizard's")
	}
	p.Update(keyMsg(k.WizCancel))
	d.run(cmd)
	if p.importing || p.step != stepColumns {
		t.Fatalf("after cancelling: importing %v, step %v", p.importing, p.step)
	}
	d.want("Import cancelled: nothing was stored.")
	pop, err := w.CurrentPopulation(context.Background(), "LA-01")
	if err != nil || pop != nil {
		t.Fatalf("a cancelled import left a population: %+v %v", pop, err)
	}
}

// BenchmarkGridKeystroke measures one keystroke in the grid — Update (the
// cursor moves a row; the window check runs) and View (the whole grid
// drawn at 120×40) — with samples of 10,000 and 100,000 items. The grid is
// built from synthetic rows: it holds a window of winRows rows whatever
// the sample's size, which is what makes it fast; reading a window from
// SQLite is a tea.Cmd, off the keystroke's path, and is not measured.
func BenchmarkGridKeystroke(b *testing.B) {
	for _, total := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("rows=%d", total), func(b *testing.B) {
			p := syntheticGrid(total)
			k := p.keys
			down, up := keyMsg(k.Down), keyMsg(k.Up)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				msg := down
				if i%2 == 1 {
					msg = up
				}
				p.Update(msg)
				_ = p.View()
			}
		})
	}
}

// syntheticGrid is a grid over a sample of total items, its window in the
// middle of the sample, without a database.
func syntheticGrid(total int) *gridPage {
	// Full colour, as in a real terminal: styling is part of the cost.
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.TrueColor)
	r.SetHasDarkBackground(true)
	c := common{ctx: context.Background(), now: demoClock, styles: newStyles(r), keys: defaultKeyMap()}
	p := newGridPage(c, "CHG-01")
	attrs := []model.Attribute{{Letter: "A", Text: "Change approved before deployment"}, {Letter: "B", Text: "Approver is not the author"}, {Letter: "C", Text: "Tested in staging"}}
	p.meta = gridMeta{loaded: true, attrs: attrs, total: total,
		header: []string{"Change ID", "Merged On", "Title", "Author", "Approver", "Approved At"}, idCol: "Change ID", dateCol: "Merged On"}
	base := total/2 - winRows/2
	p.base = base
	for i := range winRows {
		o := base + i
		r := gridRow{ordinal: o, position: o * 3, id: fmt.Sprintf("PR-%06d", o), date: "2026-03-04",
			cells: []string{fmt.Sprintf("PR-%06d", o), "2026-03-04", "Upgrade TLS library", "Ava Thompson", "経理部 山田", "2026-03-04 10:14"},
			res:   make([]gridCell, len(attrs))}
		for j := range r.res {
			r.res[j].outcome = []model.Outcome{model.Pass, "", model.Deviation, model.NotApplicable}[(o+j)%4]
		}
		p.rows = append(p.rows, r)
	}
	p.cur, p.top = total/2, total/2-10
	p.SetSize(120, 35)
	return p
}

// The whole program: open LA-02's workpaper, its grid, pass item 9 with
// the key map's binding, see the count move, go back and quit.
func TestProgramTesting(t *testing.T) {
	w := demoWorkpaper(t, "maria.chen", false)
	m := New(w, Options{Now: demoClock, Refresh: -1})
	k := m.common.keys
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 40))
	waitFor(t, tm, "Harborview")
	tm.Send(openControl("LA-02")())
	waitFor(t, tm, "WP-LA-02")
	tm.Send(keyMsg(k.WPTesting))
	waitFor(t, tm, "ACC-3118") // item 9's row is read
	for range 8 {
		tm.Send(keyMsg(k.Down))
	}
	waitFor(t, tm, "item 9 of 15")
	tm.Send(keyMsg(k.MarkPass))
	waitFor(t, tm, "9 of 15 results")
	tm.Send(keyMsg(k.Back))
	tm.Send(keyMsg(k.Back))
	tm.Send(keyMsg(k.Quit))
	final, ok := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	if !ok || !final.quitting {
		t.Fatalf("final model %T", tm.FinalModel(t))
	}
	if got, _ := w.ResultAt(t.Context(), "LA-02", 19, "A"); got == nil || got.Outcome != model.Pass {
		t.Fatalf("item 9 (position 19) should be passed: %+v", got)
	}
}

// The mouse: a click selects a row and an attribute, the wheel scrolls.
func TestGridMouse(t *testing.T) {
	d, _, g := openGrid(t, 120, 40, "CHG-01")
	// Screen rows: 0 tabs, 1 breadcrumb, 2 summary, 3 headings, 4 item 1…
	x := 2 + g.layoutW.ord + 1 + g.layoutW.id + 1 + g.layoutW.date + 1 + 2 + attrCellW + 1 // inside B
	d.send(tea.MouseMsg{X: x, Y: 4 + 5, Action: tea.MouseActionPress, Button: tea.MouseButtonLeft})
	if g.cur != 6 || g.col != 1 {
		t.Fatalf("the click should select item 6, attribute B; got %d, %d", g.cur, g.col)
	}
	d.send(tea.MouseMsg{Y: 10, Action: tea.MouseActionPress, Button: tea.MouseButtonWheelDown})
	if g.top != 1 {
		// 22 items fit on the screen: nothing to scroll.
		t.Fatalf("the wheel scrolled a grid that fits: top %d", g.top)
	}
}

// Client columns: v lists them, space hides one, > scrolls them.
func TestGridColumns(t *testing.T) {
	d, _, g := openGrid(t, 120, 40, "CHG-01")
	k := d.keys()
	d.want("Title", "Author", "Approver")
	d.press(k.ChooseColumns)
	d.want("Client columns shown in the grid")
	selectRow(t, d, &g.colList, "3") // Author
	d.press(k.MarkCycle)
	d.press(k.Back)
	if g.choosing {
		t.Fatal("esc should close the column list")
	}
	d.want("Title", "Approver")
	d.wantNot("Author")
	d.press(k.ScrollColsRight)
	d.press(k.ScrollColsRight)
	d.press(k.ScrollColsRight)
	d.wantNot("Title")
}

// L puts the item in an existing exception and notes it on the cell:
// note and tickmark.
func TestGridLinkException(t *testing.T) {
	d, w, g := openGrid(t, 120, 40, "CHG-01")
	k := d.keys()
	d.press(k.Down)
	pos := g.row(2).position
	// CHG-01 is reviewed: the first change asks first; y reopens it.
	d.press(k.MarkDeviation)
	d.want("CHG-01 was reviewed by olivia.brandt on 2026-10-19")
	d.press(k.Yes)
	d.want("Reopened CHG-01")
	d.press(k.MarkDeviation)
	d.press(k.LinkException)
	if !g.linking {
		t.Fatal("L should list the control's exceptions")
	}
	d.want("EX-01")
	d.press(k.Open)
	got, _ := w.ResultAt(t.Context(), "CHG-01", pos, "A")
	if got == nil || got.Outcome != model.Deviation || !strings.Contains(got.Note, "See EX-01.") || got.Tickmark != "X" {
		t.Fatalf("the link should note EX-01 with tickmark X: %+v", got)
	}
	xs, _ := w.Exceptions(t.Context())
	for _, x := range xs {
		if x.Ref == "EX-01" && !slices.Contains(x.Positions, pos) {
			t.Fatalf("EX-01 should cover item %d now: %v", pos, x.Positions)
		}
	}
	if !strings.Contains(d.m.status, "added to EX-01") {
		t.Errorf("status: %q", d.m.status)
	}
}

// The client's file is shown sanitized: no escape sequence reaches the
// terminal from a heading, a cell or a file name.
func TestWizardSanitizesClientText(t *testing.T) {
	d, _ := openWork(t, 120, 40, "LA-01")
	name := "evil\x1b]0;pwned\x07.csv"
	body := "ID\x1b[31m,Date,Note\r\nX-1,2026-01-02,\x1b[2Jwiped\u202e evil\r\nX-2,2026-01-03,ok\r\n"
	if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	p := openWizard(t, d)
	if v := d.view(); strings.ContainsRune(v, 0x1b) || strings.ContainsRune(v, '\u202e') {
		t.Fatalf("the picker leaks control characters:\n%q", v)
	}
	selectFile(t, d, p, name)
	v := d.view()
	if strings.ContainsRune(v, 0x1b) || strings.ContainsRune(v, '\u202e') || !strings.Contains(v, "wiped") {
		t.Fatalf("the preview leaks control characters:\n%q", v)
	}
	d.press(d.keys().WizNext)
	d.press(d.keys().WizNext)
	d.press(d.keys().WizNext) // plan: frequency, 1
	d.press(d.keys().WizNext) // draw
	d.press(d.keys().WizNext) // grid
	if _, ok := d.active().(*gridPage); !ok {
		t.Fatalf("the grid should open: %T %s", d.active(), p.msg)
	}
	if v := d.view(); strings.ContainsRune(v, 0x1b) || strings.ContainsRune(v, '\u202e') {
		t.Fatalf("the grid leaks control characters:\n%q", v)
	}
}

// The cell form's save command captures the cell it saves: it runs on
// another goroutine while Update moves the form to another cell, and still
// names the first (go test -race would flag a read of the page).
func TestGridSaveCommandCapturesItsCell(t *testing.T) {
	d, _, g := openGrid(t, 120, 40, "LA-02")
	k := d.keys()
	d.press(k.CellDetail)
	first := g.formCell
	cmd := g.submitForm()
	if cmd == nil {
		t.Fatal("no save command")
	}
	done := make(chan tea.Msg)
	go func() { done <- cmd() }()
	g.formCell = cellKey{ordinal: first.ordinal + 1, attr: first.attr} // Update moves on meanwhile
	msg, ok := (<-done).(gridSavedMsg)
	if !ok || !strings.Contains(msg.what, fmt.Sprintf("item %d,", first.ordinal)) {
		t.Fatalf("the command saved %+v, want item %d", msg, first.ordinal)
	}
}

// A conclusion against the proposal needs a written reason, which the
// workpaper then shows beside the conclusion.
func TestConclusionAgainstTheProposalNeedsAReason(t *testing.T) {
	d, w := openWork(t, 120, 40, "LA-03")
	k := d.keys()
	d.press(k.WPConclude)
	d.press(k.ChoicePrev) // with exceptions → effective
	d.press(k.FormSave)
	d.want("cannot be concluded effective yet", "effective with 1 deviation(s) and 1 exception(s) logged: say why in a written")
	if ct, _ := w.ControlTest(t.Context(), "LA-03"); ct.Conclusion != model.EffectiveWithExceptions {
		t.Fatalf("a refused conclusion was recorded: %q", ct.Conclusion)
	}
	d.press(k.FormNext) // note
	d.press(k.FormNext) // departure
	d.typeText("The late revocation was a data-entry delay outside the control.")
	d.press(k.FormSave)
	ct, _ := w.ControlTest(t.Context(), "LA-03")
	if ct.Conclusion != model.Effective || ct.ConclusionReason != "The late revocation was a data-entry delay outside the control." {
		t.Fatalf("conclusion %q, reason %q", ct.Conclusion, ct.ConclusionReason)
	}
}

// Issue 13 item 7b: a column whose numeric dates read both ways is refused
// in the wizard, which puts the cursor on its Dates field; day-first there
// imports it.
func TestWizardDateOrderField(t *testing.T) {
	d, w := openWork(t, 120, 40, "LA-01")
	k := d.keys()
	os.WriteFile("eu.csv", []byte("Review ID,Review Date,System\nAR-1,07/03/2026,Okta\nAR-2,08/03/2026,AWS\n"), 0o644)
	p := openWizard(t, d)
	selectFile(t, d, p, "eu.csv")
	d.want("Dates", "from the data", "how 07/03/2026 reads")
	_, cmd := p.Update(keyMsg(k.WizNext))
	d.run(cmd)
	if p.step != stepColumns || p.colFocus != 2 {
		t.Fatalf("after the refusal: step %v, focus %d, %s", p.step, p.colFocus, p.msg)
	}
	d.want("can be read day-first or month-first", "choose day-first or month-first in the", "Dates field")
	if pop, _ := w.CurrentPopulation(t.Context(), "LA-01"); pop != nil {
		t.Fatalf("a refused import stored %+v", pop)
	}
	d.press(k.CellLeft) // from the data → day-first
	d.want("day-first (DD/MM)")
	_, cmd = p.Update(keyMsg(k.WizNext))
	d.run(cmd)
	pop, _ := w.CurrentPopulation(t.Context(), "LA-01")
	if pop == nil || pop.Rows != 2 {
		t.Fatalf("population: %+v (%s)", pop, p.msg)
	}
	rows, _ := w.PopulationRows(t.Context(), pop.UUID, 1, 2)
	if rows[0].Date != "2026-03-07" || rows[1].Date != "2026-03-08" {
		t.Fatalf("dates %+v", rows)
	}
}
