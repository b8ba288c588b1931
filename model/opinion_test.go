package model

import (
	"context"
	"strings"
	"testing"

	"github.com/fieldwork-audit/fieldwork/sampling"
)

// inScopeExcept lists the in-scope criteria of the test engagement
// (Security and Availability), leaving out the given ones.
func inScopeExcept(t *testing.T, w *Workpaper, except ...string) []string {
	t.Helper()
	crit, err := w.Criteria(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	skip := map[string]bool{}
	for _, e := range except {
		skip[e] = true
	}
	var out []string
	for _, c := range crit {
		if c.InScope && !skip[c.Ref] {
			out = append(out, c.Ref)
		}
	}
	return out
}

// withCoverage adds control ALL-01, mapped to every in-scope criterion but
// the given ones, and concludes it with c.
func withCoverage(t *testing.T, w *Workpaper, c Conclusion, except ...string) {
	t.Helper()
	ctx := context.Background()
	_, err := w.ImportControls(ctx, []ControlInput{{ID: "ALL-01", Description: "Entity-level controls", Frequency: sampling.Annual,
		Criteria: inScopeExcept(t, w, except...)}}, "test")
	if err != nil {
		t.Fatal(err)
	}
	forceConclusion(t, w, "ALL-01", c, "")
}

func TestOpinionAllMetIsUnmodified(t *testing.T) {
	ctx := context.Background()
	w, _ := newTestWorkpaper(t)
	withCoverage(t, w, Effective)
	d, err := w.ProposeOpinion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d.Proposed != OpinionUnmodified || d.Opinion != OpinionUnmodified || !d.Final || d.Pervasive {
		t.Fatalf("draft = %+v", d)
	}
	if d.InScope != 36 || d.Met != 36 || len(d.NotMet) != 0 || len(d.Open) != 0 {
		t.Fatalf("counts: in scope %d, met %d, not met %d, open %d", d.InScope, d.Met, len(d.NotMet), len(d.Open))
	}
	if !strings.Contains(d.Reason, "all 36 in-scope criteria are met") {
		t.Fatalf("reason = %q", d.Reason)
	}
}

func TestOpinionOneNotMetIsQualified(t *testing.T) {
	ctx := context.Background()
	w, _ := newTestWorkpaper(t)
	sel, _ := withSample(t, w) // CHG-01, mapped to CC8.1
	withCoverage(t, w, Effective, "CC8.1")
	for i, it := range sel.Items {
		out := Pass
		if i < 3 {
			out = Deviation
		}
		if err := w.SetResult(ctx, ResultInput{ControlRef: "CHG-01", Position: it.Position, Outcome: out}); err != nil {
			t.Fatal(err)
		}
	}
	ref, err := w.AddException(ctx, ExceptionInput{ControlRef: "CHG-01", Positions: []int{sel.Items[0].Position, sel.Items[1].Position, sel.Items[2].Position},
		Description: "Three changes deployed before approval.", CriteriaAffected: []string{"CC8.1"},
		ReportWording: "Exception noted: for 3 of 25 sampled changes, approval was recorded after deployment."})
	if err != nil {
		t.Fatal(err)
	}
	forceConclusion(t, w, "CHG-01", NotEffective, "systemic")
	d, err := w.ProposeOpinion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d.Proposed != OpinionQualified || d.Opinion != OpinionQualified || !d.Final || d.Pervasive {
		t.Fatalf("draft = %+v", d)
	}
	if len(d.NotMet) != 1 {
		t.Fatalf("not met = %+v", d.NotMet)
	}
	f := d.NotMet[0]
	if f.Ref != "CC8.1" || f.Status != CriterionNotMet || f.Area != "CC8" || !strings.Contains(f.Reason, "CHG-01 (key) not effective") {
		t.Fatalf("finding = %+v", f)
	}
	if len(f.NotEffective) != 1 || f.NotEffective[0] != "CHG-01" {
		t.Fatalf("not effective = %v", f.NotEffective)
	}
	if len(f.Exceptions) != 1 || f.Exceptions[0].Ref != ref || f.Exceptions[0].WPRef != "WP-CHG-01" ||
		!strings.HasPrefix(f.Exceptions[0].Wording, "Exception noted: for 3 of 25") {
		t.Fatalf("exceptions = %+v", f.Exceptions)
	}
	// One sentence that names the criterion and why; pervasiveness awaits the partner.
	if !strings.HasPrefix(d.Reason, "Qualified (likely): CC8.1 is not met: CC8.1 (CHG-01 (key) not effective") || !strings.Contains(d.Reason, "awaits the partner's judgment") || !d.Likely {
		t.Fatalf("reason = %q", d.Reason)
	}
	if len(d.AreasNotMet) != 1 || d.AreasNotMet[0] != "CC8" || d.Areas != 10 {
		t.Fatalf("areas = %d, not met %v", d.Areas, d.AreasNotMet)
	}
}

// Pervasiveness is the partner's documented judgment, not a fraction.
func TestOpinionPervasivenessIsThePartners(t *testing.T) {
	ctx := context.Background()
	w, path := newTestWorkpaper(t)
	withCoverage(t, w, NotEffective)
	d, err := w.ProposeOpinion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Every criterion not met, yet no fixed rule makes it adverse.
	if d.Proposed != OpinionQualified || d.Pervasive || !d.Likely || len(d.NotMet) != 36 {
		t.Fatalf("draft = %s pervasive %v, %d not met", d.Proposed, d.Pervasive, len(d.NotMet))
	}
	onTeam(t, w, "alice:manager", "james:partner")
	if err := w.SetPervasiveness(ctx, Pervasive, "every series fails"); err == nil || !strings.Contains(err.Error(), "alice is on the team as manager; james (james) may record it") {
		t.Fatalf("a manager recorded it: %v", err)
	}
	james, err := Open(path, testOptions("james"))
	if err != nil {
		t.Fatal(err)
	}
	defer james.Close()
	if err := james.SetPervasiveness(ctx, Pervasive, " "); err == nil || !strings.Contains(err.Error(), "reason") {
		t.Fatalf("no reason: %v", err)
	}
	if err := james.SetPervasiveness(ctx, Pervasive, "the failures span every part of the system"); err != nil {
		t.Fatal(err)
	}
	d, _ = w.ProposeOpinion(ctx)
	if d.Proposed != OpinionAdverse || !d.Pervasive || d.PervasiveBy != "james" || !strings.Contains(d.Reason, "the partner (james) judged this pervasive: the failures span") {
		t.Fatalf("draft = %s: %s", d.Proposed, d.Reason)
	}
	if err := james.SetPervasiveness(ctx, NotPervasive, "confined to entity-level controls"); err != nil {
		t.Fatal(err)
	}
	if d, _ = w.ProposeOpinion(ctx); d.Proposed != OpinionQualified || d.Likely {
		t.Fatalf("draft = %s likely %v: %s", d.Proposed, d.Likely, d.Reason)
	}
	mustVerify(t, w)
}

func TestOpinionOpenAndGapCriteria(t *testing.T) {
	ctx := context.Background()
	w, _ := newTestWorkpaper(t)
	// CC8.1 is covered by CHG-01, not yet concluded; A1.3 has no control.
	withControl(t, w)
	withCoverage(t, w, Effective, "CC8.1", "A1.3")
	d, err := w.ProposeOpinion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d.Final || len(d.Open) != 1 || d.Open[0].Ref != "CC8.1" || d.Open[0].Status != CriterionOpen {
		t.Fatalf("open = %+v final %v", d.Open, d.Final)
	}
	if len(d.NotMet) != 1 || d.NotMet[0].Ref != "A1.3" || d.NotMet[0].Status != CriterionGap || !strings.Contains(d.NotMet[0].Reason, "design gap") {
		t.Fatalf("not met = %+v", d.NotMet)
	}
	if d.Proposed != OpinionQualified || !strings.Contains(d.Reason, "still open") || !strings.Contains(d.Reason, "A1.3 is not met") {
		t.Fatalf("draft = %s: %s", d.Proposed, d.Reason)
	}
	// Open criteria and none not met: not yet determined, never unmodified.
	if err := w.OverrideCriterion(ctx, "A1.3", CriterionMet, "covered by the DR test in BCP-01, mapped next year"); err != nil {
		t.Fatal(err)
	}
	if d, _ = w.ProposeOpinion(ctx); d.Proposed != OpinionPending || !strings.Contains(d.Reason, "1 of 36 in-scope criteria are still open (CC8.1)") {
		t.Fatalf("open only: %s: %s", d.Proposed, d.Reason)
	}
	// The auditor concludes the gap is met (a control outside the matrix),
	// and the change control effective: unmodified, final.
	forceConclusion(t, w, "CHG-01", Effective, "")
	if d, _ = w.ProposeOpinion(ctx); d.Proposed != OpinionUnmodified || !d.Final {
		t.Fatalf("after override: %+v", d)
	}
}

func TestOpinionOverride(t *testing.T) {
	ctx := context.Background()
	w, _ := newTestWorkpaper(t)
	withCoverage(t, w, Effective)
	if err := w.SetOpinionOverride(ctx, OpinionQualified, "  "); err == nil || !strings.Contains(err.Error(), "reason") {
		t.Fatalf("override without reason: %v", err)
	}
	if err := w.SetOpinionOverride(ctx, "favourable", "x"); err == nil {
		t.Fatal("unknown opinion accepted")
	}
	why := "Scope limitation: the client could not provide the Q3 access review evidence."
	if err := w.SetOpinionOverride(ctx, OpinionQualified, why); err != nil {
		t.Fatal(err)
	}
	d, err := w.ProposeOpinion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d.Proposed != OpinionUnmodified || d.Opinion != OpinionQualified || d.Override != OpinionQualified || d.OverrideReason != why {
		t.Fatalf("overridden draft = %+v", d)
	}
	trail, err := w.Trail(ctx, TrailFilter{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range trail {
		if c.Table == "engagement" && c.Field == "opinion_override" && c.New != nil && *c.New == "qualified" && c.User == "alice" {
			found = true
		}
		for _, f := range c.Fields { // set with its reason, in one entry
			if c.Table == "engagement" && f.Field == "opinion_override" && f.New != nil && *f.New == "qualified" && c.User == "alice" {
				found = true
			}
		}
	}
	if !found {
		t.Fatal("the override is not in the audit trail")
	}
	// An empty opinion clears it; the reason is logged.
	if err := w.SetOpinionOverride(ctx, "", "evidence received"); err != nil {
		t.Fatal(err)
	}
	d, _ = w.ProposeOpinion(ctx)
	if d.Override != "" || d.OverrideReason != "" || d.Opinion != OpinionUnmodified {
		t.Fatalf("cleared draft = %+v", d)
	}
	trail, _ = w.Trail(ctx, TrailFilter{})
	if last := trail[len(trail)-1]; last.Op != "event" || !strings.Contains(last.Note, "evidence received") {
		t.Fatalf("last trail entry = %+v", last)
	}
}

func TestParseOpinion(t *testing.T) {
	for in, want := range map[string]Opinion{"unmodified": OpinionUnmodified, "Unqualified": OpinionUnmodified, "QUALIFIED": OpinionQualified,
		"adverse": OpinionAdverse, "disclaimer-of-opinion": OpinionDisclaimer, " disclaimer ": OpinionDisclaimer} {
		if got, err := ParseOpinion(in); err != nil || got != want {
			t.Errorf("ParseOpinion(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseOpinion("clean-ish"); err == nil {
		t.Error("clean-ish accepted")
	}
}
