package model

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/fieldwork-audit/fieldwork/sampling"
)

// as opens another handle on path as user.
func as(t *testing.T, path, user string) *Workpaper {
	t.Helper()
	w, err := Open(path, testOptions(user))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

func wantRefusal(t *testing.T, err error, wants ...string) {
	t.Helper()
	var r *SignRefusal
	if !errors.As(err, &r) {
		t.Fatalf("want a refusal, got %v", err)
	}
	for _, w := range wants {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("the refusal does not say %q: %s", w, err)
		}
	}
}

func TestWhoMaySignAControlTest(t *testing.T) {
	ctx := context.Background()
	w, path := newTestWorkpaper(t)
	onTeam(t, w, "alice:preparer", "dev:staff", "olivia:reviewer", "mo:manager", "james:partner")
	if _, err := w.ImportControls(ctx, []ControlInput{{ID: "CHG-01", Description: "Changes are approved", Frequency: sampling.AdHoc, Criteria: []string{"CC8.1"}}}, "test"); err != nil {
		t.Fatal(err)
	}
	// In progress with no conclusion: refused.
	wantRefusal(t, w.SignOffAs(ctx, "CHG-01", RolePreparer), "in progress with no conclusion", "nothing was signed")
	forceConclusion(t, w, "CHG-01", NotEffective, "no approvals")
	// Someone not on the team: refused, naming who may sign.
	zed := as(t, path, "zed")
	wantRefusal(t, zed.SignOffAs(ctx, "CHG-01", RoleReviewer), "zed is not on the team", "olivia (olivia, reviewer)", "mo (mo, manager)", "james (james, partner)")
	// A reviewer (senior) may prepare; staff may not review.
	wantRefusal(t, as(t, path, "dev").SignOffAs(ctx, "CHG-01", RoleReviewer), "dev is on the team as staff (staff), not a senior, manager or partner")
	// Out of order: the reviewer before the preparer.
	olivia := as(t, path, "olivia")
	wantRefusal(t, olivia.SignOffAs(ctx, "CHG-01", RoleReviewer), "no standing preparer sign-off: the preparer signs first")
	if err := w.SignOffAs(ctx, "CHG-01", RolePreparer); err != nil {
		t.Fatal(err)
	}
	// The partner recorded as partner may not prepare.
	wantRefusal(t, as(t, path, "james").SignOffAs(ctx, "CHG-01", RolePreparer), "james is on the team as partner (partner), not a staff or senior")
	// A user name differing only in case and spaces is the same person.
	wantRefusal(t, as(t, path, " ALICE ").SignOffAs(ctx, "CHG-01", RoleReviewer), "not a senior") // alice is staff
	if err := olivia.SignOffAs(ctx, "CHG-01", RoleReviewer); err != nil {
		t.Fatal(err)
	}
	// The preparer may not review their own work, even when senior.
	if err := olivia.SignOffAs(ctx, "CHG-01", RolePreparer); err != nil {
		t.Fatal(err)
	}
	wantRefusal(t, olivia.SignOffAs(ctx, "CHG-01", RoleReviewer), "signed as preparer by olivia: the reviewer must be someone else", "mo (mo, manager)")
	sos, err := w.SignOffs(ctx)
	if err != nil || len(sos) == 0 || sos[0].Target != TargetControlTest || sos[0].Ref != "CHG-01" {
		t.Fatalf("sign-offs %+v %v", sos, err)
	}
	mustVerify(t, w)
}

func TestPlanningAndOpinionSignOffs(t *testing.T) {
	ctx := context.Background()
	w, path := newTestWorkpaper(t)
	onTeam(t, w, "alice:senior", "mo:manager", "james:partner", "quinn:eqr")
	wantRefusal(t, w.Sign(ctx, TargetPlanning, "", RoleReviewer), "alice is on the team as senior (senior), not a manager", "mo (mo, manager) may sign")
	if err := as(t, path, "mo").Sign(ctx, TargetPlanning, "", RoleReviewer); err != nil {
		t.Fatal(err)
	}
	// The EQR signs after the partner, and only once the opinion is final.
	wantRefusal(t, as(t, path, "quinn").Sign(ctx, TargetOpinion, "", StepPartner), "quinn is on the team as eqr (eqr), not a partner", "james (james, partner) may sign")
	quinn := as(t, path, "quinn")
	wantRefusal(t, quinn.Sign(ctx, TargetOpinion, "", StepEQR), "no standing partner sign-off: the partner signs first")
	if err := as(t, path, "james").Sign(ctx, TargetOpinion, "", StepPartner); err != nil {
		t.Fatal(err) // no control yet: every criterion is a gap, so the (qualified) opinion is final
	}
	if err := quinn.Sign(ctx, TargetOpinion, "", StepEQR); err != nil {
		t.Fatal(err)
	}
	mustVerify(t, w)
}

func TestSignOffSchemeValidation(t *testing.T) {
	team := []TeamMember{{Name: "A", Role: RolePreparer, User: "a"}, {Name: "B", Role: RoleReviewer, User: "b"}, {Name: "P", Role: RolePartner, User: "p"}}
	ok := `{
  "control_test": [
    {"step": "preparer", "roles": ["staff"]},
    {"step": "reviewer", "roles": ["senior"], "after": ["preparer"], "not_by": ["preparer"]}
  ],
  "planning": [{"step": "reviewer", "roles": ["partner"]}],
  "criterion": [{"step": "reviewer", "roles": ["senior"]}],
  "opinion": [{"step": "partner", "roles": ["partner"]}, {"step": "eqr", "roles": ["eqr"], "after": ["partner"], "if_appointed": true}]
}`
	if _, err := ParseSignOffScheme([]byte(ok), team); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, raw, want string }{
		{"unknown role", strings.Replace(ok, `"roles": ["senior"], "after"`, `"roles": ["boss"], "after"`, 1), "line 4: control_test: step reviewer: unknown role \"boss\""},
		{"cycle", strings.Replace(ok, `{"step": "preparer", "roles": ["staff"]}`, `{"step": "preparer", "roles": ["staff"], "after": ["reviewer"]}`, 1), "control_test: the order of steps is a cycle"},
		{"nobody holds it", strings.Replace(ok, `"planning": [{"step": "reviewer", "roles": ["partner"]}]`, `"planning": [{"step": "reviewer", "roles": ["manager"]}]`, 1), "line 6: planning: step reviewer is signed by manager, a role nobody on the team holds"},
		{"syntax", strings.Replace(ok, `"criterion":`, `"criterion"`, 1), "line 7:"},
		{"unknown field", strings.Replace(ok, `"not_by"`, `"never_by"`, 1), "line 4: unknown field \"never_by\""},
	} {
		_, err := ParseSignOffScheme([]byte(c.raw), team)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}

func TestSetSignOffSchemeRefusesAndKeepsTheOld(t *testing.T) {
	ctx := context.Background()
	w, _ := newTestWorkpaper(t)
	onTeam(t, w, "alice:staff", "bob:senior")
	err := w.SetSignOffScheme(ctx, []byte(`{"control_test": [{"step": "preparer", "roles": ["staff"]}], "planning": [{"step": "reviewer", "roles": ["manager"]}], "criterion": [{"step": "reviewer", "roles": ["senior"]}], "opinion": [{"step": "partner", "roles": ["senior"]}]}`))
	if err == nil || !strings.Contains(err.Error(), "line 1: planning: step reviewer is signed by manager, a role nobody on the team holds") {
		t.Fatalf("err = %v", err)
	}
	if _, isDefault, _ := w.SignOffSchemeOf(ctx); !isDefault {
		t.Fatal("a refused scheme was recorded")
	}
	if err := w.SetSignOffScheme(ctx, []byte(`{"control_test": [{"step": "preparer", "roles": ["staff"]}], "planning": [{"step": "reviewer", "roles": ["senior"]}], "criterion": [{"step": "reviewer", "roles": ["senior"]}], "opinion": [{"step": "partner", "roles": ["senior"]}]}`)); err != nil {
		t.Fatal(err)
	}
	if s, isDefault, _ := w.SignOffSchemeOf(ctx); isDefault || len(s.ControlTest) != 1 {
		t.Fatalf("scheme %+v", s)
	}
	mustVerify(t, w)
}
