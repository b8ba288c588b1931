package model

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRollForward(t *testing.T) {
	ctx := context.Background()
	base, _ := mergeBase(t)
	w := openCopy(t, base, "alice", testClock)
	if err := w.AddProcedure(ctx, "CHG-01", Inspection, "inspect the approval in the ticket"); err != nil {
		t.Fatal(err)
	}
	if err := w.SetDesign(ctx, "CHG-01", 0, DesignInput{Procedure: "walk through one change", Result: "as described", Conclusion: "suitably-designed"}); err != nil {
		t.Fatal(err)
	}
	forceConclusion(t, w, "CHG-01", EffectiveWithExceptions, "one late approval")
	onTeam(t, w, "alice:senior")
	if err := w.SignOffAs(ctx, "CHG-01", RolePreparer); err != nil {
		t.Fatal(err)
	}
	if err := w.SetTickmark(ctx, "§", "agreed to the change calendar"); err != nil {
		t.Fatal(err)
	}
	if err := w.AddComplementaryControl(ctx, ComplementaryControl{Kind: CUEC, Ref: "CUEC-01", Text: "Customers manage their users.", Criteria: []string{"CC6.2"}}); err != nil {
		t.Fatal(err)
	}
	if err := w.AddTeamMember(ctx, TeamMember{Name: "Alice", Role: RolePreparer}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.ImportCriteriaText(ctx, writeFile(t, "catalog.csv", "id,title,description\nCC8.1,Change management (firm),Firm text\n")); err != nil {
		t.Fatal(err)
	}
	last, _ := w.Engagement(ctx)
	lastCT, _ := w.ControlTest(ctx, "CHG-01")
	trail, _ := w.Trail(ctx, TrailFilter{})
	lastHash := trail[len(trail)-1].Hash
	w.Close()
	before, _ := os.ReadFile(base)

	out := filepath.Join(t.TempDir(), "fy2027.fieldwork")
	in := RollForwardInput{Out: out, From: mustDate("2026-07-01"), To: mustDate("2027-06-30")}
	rep, err := RollForward(ctx, base, in, Options{User: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Carried["control"] != 1 || rep.Carried["attribute"] != 4 || rep.Carried["procedure"] != 1 || len(rep.PriorExceptions) != 1 {
		t.Fatalf("report %+v", rep)
	}
	if after, _ := os.ReadFile(base); string(after) != string(before) {
		t.Fatal("rolling forward changed last year's file")
	}
	if _, err := os.Stat(out + ".partial"); err == nil {
		t.Fatal("the partial file is left")
	}
	n, err := Open(out, Options{User: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	mustVerify(t, n)
	e, _ := n.Engagement(ctx)
	if e.UUID == last.UUID || e.Client != last.Client || e.Period() != "2026-07-01 to 2027-06-30" ||
		!strings.Contains(e.RolledFrom, last.UUID) || !strings.Contains(e.RolledFrom, lastHash) || !strings.Contains(e.RolledFrom, filepath.Base(base)) {
		t.Fatalf("engagement %+v", e)
	}
	if len(e.CUECs()) != 1 || len(e.Team) != 2 {
		t.Fatalf("set-up %+v", e)
	}
	ct, err := n.ControlTest(ctx, "CHG-01")
	if err != nil {
		t.Fatal(err)
	}
	if ct.UUID == lastCT.UUID || ct.Control.UUID == lastCT.Control.UUID || ct.WPRef != lastCT.WPRef ||
		ct.DesignProcedure != "walk through one change" || ct.DesignResult != "" || ct.DesignConclusion != "" ||
		ct.Conclusion != NotConcluded || len(ct.SignOffs) != 0 || len(ct.Procedures) != 1 || len(ct.Attributes) != 4 ||
		ct.Plan.Kind != lastCT.Plan.Kind || ct.Plan.Size != 0 || strings.Join(ct.Control.Criteria, ",") != "CC8.1" {
		t.Fatalf("control test %+v", ct)
	}
	if p, _ := n.CurrentPopulation(ctx, "CHG-01"); p != nil {
		t.Fatal("a population rolled forward")
	}
	if s, _ := n.Selection(ctx, "CHG-01"); s != nil {
		t.Fatal("a sample rolled forward")
	}
	xs, _ := n.Exceptions(ctx)
	notes, _ := n.Notes(ctx, "")
	if len(xs) != 0 || len(notes) != 0 {
		t.Fatalf("exceptions %v notes %v", xs, notes)
	}
	tms, _ := n.Tickmarks(ctx)
	if tms[len(tms)-1].Symbol != "§" {
		t.Fatalf("tickmarks %+v", tms)
	}
	crit, _ := n.Criteria(ctx)
	for _, c := range crit {
		if c.Ref == "CC8.1" && (c.Title != "Change management (firm)" || c.TextSource != "firm") {
			t.Fatalf("criteria text %+v", c)
		}
	}
	// Each record says where it came from.
	tr, _ := n.Trail(ctx, TrailFilter{RecordUUID: ct.Control.UUID})
	if len(tr) == 0 || tr[0].Op != "insert" || tr[0].Note != "rolled forward from control "+lastCT.Control.UUID+" in "+filepath.Base(base) {
		t.Fatalf("provenance %+v", tr)
	}

	// Never over an existing file; never backwards.
	if _, err := RollForward(ctx, base, in, Options{User: "alice"}); !errors.Is(err, ErrExists) {
		t.Fatalf("over an existing file: %v", err)
	}
	in.Out = filepath.Join(t.TempDir(), "x.fieldwork")
	in.From, in.To = mustDate("2026-03-01"), mustDate("2027-02-28")
	if _, err := RollForward(ctx, base, in, Options{User: "alice"}); err == nil || !strings.Contains(err.Error(), "not after") {
		t.Fatalf("overlapping period: %v", err)
	}
	if _, err := os.Stat(in.Out); err == nil {
		t.Fatal("a refused roll-forward left a file")
	}
	// A roll-forward is a new engagement: it does not merge with the old one.
	if _, err := n.Merge(ctx, base, MergeOptions{}); !errors.Is(err, ErrOtherEngagement) {
		t.Fatalf("merging last year into this year: %v", err)
	}
}
