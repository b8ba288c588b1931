package export

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fieldwork-audit/fieldwork/model"
	"github.com/fieldwork-audit/fieldwork/sampling"
)

// A test of every item (whose items are not stored) with a bulk pass and
// a deviation exports every item, each cell's outcome, and the pass in
// words on the trail sheet.
func TestExportTestOfAllWithBulkPass(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	w, err := model.Create(filepath.Join(dir, "all.fieldwork"), model.Options{User: "alice", Now: func() time.Time { return time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC) }})
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
	must(w.CreateEngagement(ctx, model.NewEngagement{Client: "Acme", System: "Cloud", Type: model.TypeII,
		From: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)}))
	_, err = w.ImportControls(ctx, []model.ControlInput{{ID: "CHG-01", Description: "changes approved", Frequency: sampling.AdHoc, Criteria: []string{"CC8.1"}}}, "c.csv")
	must(err)
	var csv strings.Builder
	csv.WriteString("Ticket,Opened\n")
	for i := 1; i <= 30; i++ {
		fmt.Fprintf(&csv, "T-%03d,2026-%02d-%02d\n", i, i%12+1, i%28+1)
	}
	src := filepath.Join(dir, "pop.csv")
	must(os.WriteFile(src, []byte(csv.String()), 0o644))
	_, err = w.ImportPopulation(ctx, model.PopulationImport{ControlRef: "CHG-01", Path: src, IDColumn: "Ticket", DateColumn: "Opened"})
	must(err)
	sel, err := w.DrawSample(ctx, model.DrawInput{ControlRef: "CHG-01", Method: sampling.AllItems})
	must(err)
	must(w.SetResult(ctx, model.ResultInput{ControlRef: "CHG-01", Position: 4, Outcome: model.Deviation, Note: "late approval"}))
	todo, _, err := w.UntestedItems(ctx, sel.UUID, "A", 1, 20)
	must(err)
	if n, _, err := w.PassUntested(ctx, "CHG-01", todo, []string{"A"}); err != nil || n != 19 {
		t.Fatalf("bulk pass: %d, %v", n, err)
	}
	opt := testOptions(filepath.Join(dir, "all.xlsx"))
	opt.IncludeTrail = true
	f, res := exportTo(t, w, opt)
	g := openGrid(t, f, res.ControlSheets["WP-CHG-01"])
	pc, oc := slices.Index(g.key, keyPosition), slices.Index(g.key, "A:outcome")
	outcome := map[int]string{}
	for _, r := range g.rows {
		if len(r) > oc && pc >= 0 {
			if p, err := strconv.Atoi(r[pc]); err == nil {
				outcome[p] = strings.ToLower(r[oc])
			}
		}
	}
	if len(outcome) != 30 || outcome[4] != "deviation" || outcome[1] != "pass" || outcome[20] != "pass" || outcome[21] != "" {
		t.Fatalf("grid outcomes (%d items): %v", len(outcome), outcome)
	}
	var trail string
	for _, name := range f.GetSheetList() {
		for _, r := range rows(t, f, name) {
			trail += strings.Join(r, "|") + "\n"
		}
	}
	for _, want := range []string{"bulk pass of CHG-01: 19 cells passed, attribute A", "pass on 19 items: 1–3,5–20"} {
		if !strings.Contains(trail, want) {
			t.Errorf("the workbook does not say %q", want)
		}
	}
}
