package model

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/fieldwork-audit/fieldwork/sampling"
)

// withSample imports a 300-row population for CHG-01 and draws 25 items.
func withSample(t *testing.T, w *Workpaper) (*Selection, string) {
	t.Helper()
	ctx := context.Background()
	withControl(t, w)
	var b strings.Builder
	b.WriteString("Ticket,Opened,Approver\n")
	for i := 1; i <= 300; i++ {
		fmt.Fprintf(&b, "CHG-%04d,2026-%02d-%02d,Ann\n", i, i%6+1, i%28+1)
	}
	src := writeFile(t, "changes.csv", b.String())
	if _, err := w.ImportPopulation(ctx, PopulationImport{ControlRef: "CHG-01", Path: src, IDColumn: "Ticket", DateColumn: "Opened"}); err != nil {
		t.Fatal(err)
	}
	seed := uint64(20261102)
	sel, err := w.DrawSample(ctx, DrawInput{ControlRef: "CHG-01", Seed: &seed})
	if err != nil {
		t.Fatal(err)
	}
	return sel, src
}

func TestDrawWithoutPlanUsesFrequency(t *testing.T) {
	ctx := context.Background()
	w, _ := newTestWorkpaper(t)
	sel, src := withSample(t, w)
	// Ad-hoc control, 300 occurrences, lower risk: 25 items.
	if len(sel.Items) != 25 || sel.Record.Population != 300 || sel.Record.Seed != 20261102 || !strings.Contains(sel.SizeBasis, "no plan recorded") {
		t.Fatalf("selection = %d items, %+v, %q", len(sel.Items), sel.Record, sel.SizeBasis)
	}
	ct, _ := w.ControlTest(ctx, "CHG-01")
	if ct.Plan.Kind != "frequency" || ct.Plan.Size != 25 {
		t.Fatalf("plan recorded = %+v", ct.Plan)
	}
	chk, err := w.VerifySelection(ctx, "CHG-01", src)
	if err != nil || !chk.Matches {
		t.Fatalf("verify = %+v, %v", chk, err)
	}
	// Same seed, same items: the record re-performs.
	again, _ := sampling.Select(sampling.Request{Method: sampling.Random, Population: 300, Size: 25, Seed: 20261102})
	for i, it := range sel.Items {
		if again.Positions[i] != it.Position {
			t.Fatalf("item %d: %d vs %d", i, it.Position, again.Positions[i])
		}
	}
	if _, err := w.DrawSample(ctx, DrawInput{ControlRef: "CHG-01"}); !errors.Is(err, ErrAlreadyDrawn) {
		t.Fatalf("second draw: %v", err)
	}

	// A changed population file is detected.
	os.WriteFile(src, []byte("Ticket,Opened,Approver\nCHG-9999,2026-01-01,Mallory\n"), 0o644)
	chk, _ = w.VerifySelection(ctx, "CHG-01", src)
	if chk.Matches || !strings.Contains(strings.Join(chk.Problems, ";"), "changed since import") {
		t.Fatalf("changed file not detected: %+v", chk)
	}
	// Tampered rows are detected.
	w.db.Exec("UPDATE population_row SET cells = '[\"x\"]' WHERE position = 7")
	chk, _ = w.VerifySelection(ctx, "CHG-01", "")
	if chk.Matches || !strings.Contains(strings.Join(chk.Problems, ";"), "altered after import") {
		t.Fatalf("tampering not detected: %+v", chk)
	}
}

func TestStatisticalPlan(t *testing.T) {
	ctx := context.Background()
	w, _ := newTestWorkpaper(t)
	withControl(t, w)
	plan, err := w.SetPlan(ctx, "CHG-01", PlanInput{Kind: "statistical", Confidence: 95 * sampling.OnePercent, Tolerable: 5 * sampling.OnePercent})
	if err != nil {
		t.Fatal(err)
	}
	if plan.Size != 59 || plan.Allowed != 0 || !strings.Contains(plan.Basis, "n = 59") {
		t.Fatalf("plan = %+v", plan)
	}
	if _, err := w.SetPlan(ctx, "CHG-01", PlanInput{Kind: "statistical", Confidence: 95 * sampling.OnePercent, Tolerable: 5 * sampling.OnePercent, Expected: 6 * sampling.OnePercent}); err == nil {
		t.Fatal("expected ≥ tolerable accepted")
	}
}

func TestResultsExceptionsSignOffs(t *testing.T) {
	ctx := context.Background()
	w, path := newTestWorkpaper(t)
	sel, src := withSample(t, w)
	first, second := sel.Items[0].Position, sel.Items[1].Position

	// First result creates attribute A.
	if err := w.SetResult(ctx, ResultInput{ControlRef: "CHG-01", Position: first, Outcome: Pass, Tickmark: "✓"}); err != nil {
		t.Fatal(err)
	}
	ct, _ := w.ControlTest(ctx, "CHG-01")
	if len(ct.Attributes) != 1 || ct.Attributes[0].Letter != "A" || ct.Attributes[0].Text != DefaultAttribute {
		t.Fatalf("attributes = %+v", ct.Attributes)
	}
	if _, err := w.AddAttribute(ctx, "CHG-01", "", "Approver is not the developer"); err != nil {
		t.Fatal(err)
	}
	if err := w.SetResult(ctx, ResultInput{ControlRef: "CHG-01", Position: first, Outcome: Pass}); err == nil {
		t.Fatal("ambiguous attribute accepted")
	}
	evidence := writeFile(t, "ticket.pdf", "%PDF-1.4 evidence")
	if err := w.SetResult(ctx, ResultInput{ControlRef: "CHG-01", Position: second, Attribute: "B", Outcome: Deviation,
		Note: "approved by the developer", Tickmark: "X", Evidence: evidence, Attach: true}); err != nil {
		t.Fatal(err)
	}
	if err := w.SetResult(ctx, ResultInput{ControlRef: "CHG-01", Position: 301, Attribute: "A", Outcome: Pass}); err == nil {
		t.Fatal("item not in sample accepted")
	}
	if err := w.SetResult(ctx, ResultInput{ControlRef: "CHG-01", Position: first, Attribute: "A", Outcome: Pass, Tickmark: "??"}); err == nil {
		t.Fatal("unknown tickmark accepted")
	}
	res, _ := w.Results(ctx, "CHG-01")
	if len(res) != 2 || res[1].Outcome != Deviation || res[1].EvidenceHash == "" || !strings.HasPrefix(res[1].Evidence, "ticket.pdf sha256:") {
		t.Fatalf("results = %+v", res)
	}
	if err := w.DeleteAttribute(ctx, "CHG-01", "B", 0); err == nil {
		t.Fatal("attribute with results deleted")
	}

	// "Sample extended" is derived from the selection record, not typed.
	ext := true
	if _, err := w.AddException(ctx, ExceptionInput{ControlRef: "CHG-01", Positions: []int{second}, Description: "Change approved by its developer",
		SampleExtended: &ext}); err == nil || !strings.Contains(err.Error(), "shows no extension") {
		t.Fatalf("an unextended sample said extended: %v", err)
	}
	ref, err := w.AddException(ctx, ExceptionInput{ControlRef: "CHG-01", Positions: []int{second}, Description: "Change approved by its developer",
		Evaluation: "isolated", CriteriaAffected: []string{"cc8.1"}})
	if err != nil || ref != "EX-01" {
		t.Fatalf("exception %q %v", ref, err)
	}
	xs, _ := w.Exceptions(ctx)
	if len(xs) != 1 || xs[0].Positions[0] != second || xs[0].CriteriaAffected[0] != "CC8.1" || xs[0].SampleExtended {
		t.Fatalf("exceptions = %+v", xs)
	}
	if _, err := w.ExtendSample(ctx, "CHG-01", 5, "a deviation in item 2"); err != nil {
		t.Fatal(err)
	}
	if xs, _ = w.Exceptions(ctx); !xs[0].SampleExtended {
		t.Fatalf("the extension does not show: %+v", xs[0])
	}
	if err := w.UpdateException(ctx, ref, 0, ExceptionInput{SampleExtended: &ext}); err == nil || !strings.Contains(err.Error(), "nothing to change") {
		t.Fatalf("an extended sample's claim: %v", err)
	}

	// Sign-offs: preparer, then a different reviewer; a change makes them stale.
	onTeam(t, w, "alice:preparer", "olivia:reviewer")
	forceConclusion(t, w, "CHG-01", EffectiveWithExceptions, "isolated")
	if err := w.SignOffAs(ctx, "CHG-01", RoleReviewer); err == nil {
		t.Fatal("reviewer signed before preparer")
	}
	if err := w.SignOffAs(ctx, "CHG-01", RolePreparer); err != nil {
		t.Fatal(err)
	}
	if err := w.SignOffAs(ctx, "CHG-01", RoleReviewer); err == nil {
		t.Fatal("preparer reviewed own work")
	}
	w.Close()
	rv, err := Open(path, testOptions("olivia"))
	if err != nil {
		t.Fatal(err)
	}
	defer rv.Close()
	if err := rv.SignOffAs(ctx, "CHG-01", RoleReviewer); err != nil {
		t.Fatal(err)
	}
	ct, _ = rv.ControlTest(ctx, "CHG-01")
	if !ct.Reviewed() || ct.ChangedSinceReview() {
		t.Fatalf("signoffs = %+v", ct.SignOffs)
	}
	// Changing reviewed work is refused, naming the sign-off, and changes
	// nothing; reopening it marks the sign-off stale with what changed.
	var reviewed *ReviewedError
	err = rv.SetResult(ctx, ResultInput{ControlRef: "CHG-01", Position: first, Attribute: "B", Outcome: Pass})
	if !errors.As(err, &reviewed) || reviewed.Reviewer != "olivia" || !strings.Contains(err.Error(), "CHG-01 was reviewed by olivia on 2026-11-02") {
		t.Fatalf("a change under the review: %v", err)
	}
	if ct, _ = rv.ControlTest(ctx, "CHG-01"); !ct.Reviewed() {
		t.Fatal("a refused change made the review stale")
	}
	if err := rv.SetResult(Reopen(ctx), ResultInput{ControlRef: "CHG-01", Position: first, Attribute: "B", Outcome: Pass}); err != nil {
		t.Fatal(err)
	}
	ct, _ = rv.ControlTest(ctx, "CHG-01")
	if ct.Reviewed() || !ct.ChangedSinceReview() {
		t.Fatalf("after change, signoffs = %+v", ct.SignOffs)
	}
	changes, err := rv.ChangesSinceReview(ctx, "CHG-01")
	if err != nil || len(changes) == 0 || !strings.Contains(strings.Join(changes, "\n"), "result") {
		t.Fatalf("changes since review: %q %v", changes, err)
	}
	sos, _ := rv.SignOffs(ctx)
	if sos[len(sos)-1].What == "" && sos[len(sos)-2].What == "" {
		t.Fatalf("the stale sign-off does not say what changed: %+v", sos)
	}

	// Replacing a tested population needs a reason.
	if _, err := rv.ImportPopulation(ctx, PopulationImport{ControlRef: "CHG-01", Path: src}); !errors.Is(err, ErrResultsExist) {
		t.Fatalf("replace without reason: %v", err)
	}
	if _, err := rv.ImportPopulation(ctx, PopulationImport{ControlRef: "CHG-01", Path: src, Replace: true, Reason: "client re-sent the full list"}); err != nil {
		t.Fatal(err)
	}
	if s, _ := rv.Selection(ctx, "CHG-01"); s != nil {
		t.Fatal("the old sample is still current after replacing the population")
	}
}

func TestExtendSample(t *testing.T) {
	ctx := context.Background()
	w, _ := newTestWorkpaper(t)
	sel, _ := withSample(t, w)
	ext, err := w.ExtendSample(ctx, "CHG-01", 15, "deviation in item 3")
	if err != nil {
		t.Fatal(err)
	}
	if len(ext.Items) != 40 || ext.Items[39].Extension != 1 || ext.Items[0].Position != sel.Items[0].Position {
		t.Fatalf("extended = %d items", len(ext.Items))
	}
	seen := map[int]bool{}
	for _, it := range ext.Items {
		if seen[it.Position] {
			t.Fatalf("position %d selected twice", it.Position)
		}
		seen[it.Position] = true
	}
	chk, _ := w.VerifySelection(ctx, "CHG-01", "")
	if !chk.Matches {
		t.Fatalf("verify after extension: %+v", chk)
	}
}

func TestReviewNotesPBCInterviews(t *testing.T) {
	ctx := context.Background()
	w, _ := newTestWorkpaper(t)
	withControl(t, w)
	ref, err := w.AddNote(ctx, "control", "CHG-01", "Document the approver's role", "alice")
	if err != nil || ref != "RN-001" {
		t.Fatalf("note %q %v", ref, err)
	}
	ref2, _ := w.AddNote(ctx, "engagement", "", "Confirm the period with management", "")
	if err := w.RespondNote(ctx, ref, "Added to the workpaper"); err != nil {
		t.Fatal(err)
	}
	if err := w.ClearNote(ctx, ref); err != nil {
		t.Fatal(err)
	}
	if err := w.RespondNote(ctx, ref, "again"); err == nil {
		t.Fatal("responded to a cleared note")
	}
	open, _ := w.Notes(ctx, NoteOpen)
	all, _ := w.Notes(ctx, "")
	if len(open) != 1 || open[0].Ref != ref2 || len(all) != 2 || all[0].TargetRef != "CHG-01" || all[0].ClearedBy != "alice" {
		t.Fatalf("notes: open %+v all %+v", open, all)
	}
	if _, err := w.AddNote(ctx, "control", "NOPE", "x", ""); err == nil {
		t.Fatal("note on unknown control")
	}

	pref, err := w.AddPBC(ctx, PBCRequest{Item: "List of production changes", ControlRef: "CHG-01", RequestedOn: mustDate("2026-10-01"), DueOn: mustDate("2026-10-08")})
	if err != nil || pref != "PBC-001" {
		t.Fatalf("pbc %q %v", pref, err)
	}
	f := writeFile(t, "changes.csv", "a\n1\n")
	if err := w.UpdatePBC(ctx, pref, PBCReceived, f, ""); err != nil {
		t.Fatal(err)
	}
	reqs, _ := w.PBCRequests(ctx)
	if reqs[0].Status != PBCReceived || reqs[0].ReceivedName != "changes.csv" || len(reqs[0].ReceivedSHA256) != 64 || reqs[0].ControlRef != "CHG-01" {
		t.Fatalf("pbc = %+v", reqs[0])
	}
	if err := w.AddInterview(ctx, Interview{Person: "Sam Lee", Role: "VP Engineering", HeldOn: mustDate("2026-10-06"), Summary: "Walked through change approvals", Controls: []string{"chg-01"}}); err != nil {
		t.Fatal(err)
	}
	ivs, _ := w.Interviews(ctx)
	if len(ivs) != 1 || ivs[0].Controls[0] != "CHG-01" || ivs[0].HeldBy != "alice" {
		t.Fatalf("interviews = %+v", ivs)
	}
}

func TestSampleRowsAndChangeCounters(t *testing.T) {
	ctx := context.Background()
	w, path := newTestWorkpaper(t)
	sel, _ := withSample(t, w)
	page, err := w.SampleRows(ctx, sel, 11, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 10 || page[0].Item.Ordinal != 11 || page[0].Row.Position != sel.Items[10].Position || page[0].Row.ID == "" {
		t.Fatalf("page = %+v", page[0])
	}
	last, _ := w.LastChange(ctx)
	dv, _ := w.DataVersion(ctx)
	other, err := Open(path, testOptions("bob"))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := other.SetRisk(ctx, "CHG-01", "higher"); err != nil {
		t.Fatal(err)
	}
	last2, _ := w.LastChange(ctx)
	dv2, _ := w.DataVersion(ctx)
	if last2 <= last || dv2 == dv {
		t.Fatalf("another process's change not seen: seq %d→%d, data_version %d→%d", last, last2, dv, dv2)
	}
}
