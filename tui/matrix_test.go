package tui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fieldwork-audit/fieldwork/model"
)

// copyMatrix copies a control matrix from the repository's testdata into
// the test's folder (beside the workpaper) under name, dated so that the
// goldens do not move.
func copyMatrix(t *testing.T, src, name string) string {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, b, 0o644); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 10, 20, 9, 0, 0, 0, time.UTC)
	os.Chtimes(name, at, at)
	abs, _ := filepath.Abs(name)
	return abs
}

// openMatrix opens the matrix import from the dashboard of a workpaper
// without controls and chooses name in the picker.
func openMatrix(t *testing.T, width, height int, src, name string) (*driver, *model.Workpaper, *matrixPage) {
	t.Helper()
	src, _ = filepath.Abs(src) // before newWorkpaper changes the folder
	w := newWorkpaper(t, fixture{noControls: true})
	path := copyMatrix(t, src, name)
	d := start(t, w, width, height)
	d.press(d.keys().ImportMatrix)
	p, ok := d.active().(*matrixPage)
	if !ok {
		t.Fatalf("I should open the matrix import, got %T", d.active())
	}
	selectRow(t, d, p.picker.Files(), path)
	d.press(d.keys().Open)
	return d, w, p
}

func TestMatrixImportFromDashboard(t *testing.T) {
	d, w, p := openMatrix(t, 120, 40, "../testdata/matrices/clean.csv", "matrix.csv")
	if p.stage != matrixPreview {
		t.Fatalf("choosing a clean matrix should preview it, stage %v:\n%s", p.stage, d.view())
	}
	d.want("matrix.csv", "controls: ", "new", "NL-04")
	if cs, _ := w.Controls(context.Background()); len(cs) != 0 {
		t.Fatalf("the preview imported %d controls", len(cs))
	}
	d.press(d.keys().WizNext)
	if _, still := d.active().(*matrixPage); still {
		t.Fatalf("the import should close the screen:\n%s", d.view())
	}
	cs, err := w.Controls(context.Background())
	if err != nil || len(cs) == 0 {
		t.Fatalf("no controls imported: %v", err)
	}
	if !strings.Contains(d.m.status, "Imported matrix.csv: ") {
		t.Errorf("status: %q", d.m.status)
	}
	if len(d.m.data.controls) != len(cs) {
		t.Errorf("the workbench did not reload: %d controls shown, %d stored", len(d.m.data.controls), len(cs))
	}
}

func TestMatrixImportListsProblemsAndImportsNothing(t *testing.T) {
	d, w, p := openMatrix(t, 120, 40, "../testdata/matrices/invalid.csv", "bad.csv")
	if p.stage != matrixIssues || len(p.issues.Items()) == 0 {
		t.Fatalf("a matrix with problems should list them, stage %v:\n%s", p.stage, d.view())
	}
	d.want("nothing was imported", "row ")
	d.press(d.keys().WizNext) // enter on the problems does not import
	if cs, _ := w.Controls(context.Background()); len(cs) != 0 {
		t.Fatalf("%d controls imported from a file with problems", len(cs))
	}
	d.press(d.keys().Back)
	if p.stage != matrixPick {
		t.Fatalf("esc should go back to the file, stage %v", p.stage)
	}
}

func TestMatrixImportUnreadableFile(t *testing.T) {
	d, _, p := openMatrix(t, 120, 40, "../testdata/matrices/binary.csv", "binary.csv")
	if p.stage != matrixPick || p.readErr == "" {
		t.Fatalf("a binary file should be refused in words, stage %v:\n%s", p.stage, d.view())
	}
	d.want(symGap)
}

func TestMatrixImportReadOnly(t *testing.T) {
	w := newWorkpaper(t, fixture{readOnly: true})
	d := start(t, w, 120, 40)
	d.press(d.keys().ImportMatrix)
	if _, ok := d.active().(*matrixPage); ok {
		t.Fatal("a read-only workpaper should not open the import")
	}
	if d.m.err == nil || !strings.Contains(d.m.err.Error(), "nothing can be changed") {
		t.Errorf("want a read-only refusal, got %v", d.m.err)
	}
}

func TestTeamFormAddsMember(t *testing.T) {
	w := newWorkpaper(t, fixture{})
	d := start(t, w, 120, 40)
	before := len(d.m.data.eng.Team)
	d.press(d.keys().AddTeam)
	if _, ok := d.active().(*formPage); !ok {
		t.Fatalf("T should open the team form, got %T", d.active())
	}
	d.typeText("Olivia Brandt")
	d.press(d.keys().FormNext)
	d.typeText("r") // the role starting with r: reviewer
	d.press(d.keys().FormSave)
	e, err := w.Engagement(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Team) != before+1 {
		t.Fatalf("team: %d members, want %d", len(e.Team), before+1)
	}
	last := e.Team[len(e.Team)-1]
	if last.Name != "Olivia Brandt" || last.Role != model.RoleReviewer {
		t.Errorf("added %+v", last)
	}
}

func TestMatrixGoldens(t *testing.T) {
	screens := []struct {
		name, src, file string
	}{
		{"matrix_preview", "../testdata/matrices/clean.csv", "matrix.csv"},
		{"matrix_issues", "../testdata/matrices/invalid.csv", "bad.csv"},
	}
	for _, sc := range screens {
		for _, size := range [][2]int{{80, 24}, {120, 40}} {
			name := fmt.Sprintf("%s_%dx%d", sc.name, size[0], size[1])
			t.Run(name, func(t *testing.T) {
				d, _, _ := openMatrix(t, size[0], size[1], sc.src, sc.file)
				requireGolden(t, name, d.view())
			})
		}
	}
}
