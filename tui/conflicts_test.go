package tui

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/fieldwork-audit/fieldwork/model"
)

// conflicted is the fixture's workpaper with one open merge conflict: the
// risk of LA-01, set differently here (by tester) and in a copy (by bob)
// merged back in.
func conflicted(t *testing.T) *model.Workpaper {
	t.Helper()
	ctx := context.Background()
	w := newWorkpaper(t, fixture{})
	b, err := os.ReadFile(template(t, fixture{}))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("theirs.fieldwork", b, 0o644); err != nil {
		t.Fatal(err)
	}
	later := func() time.Time { return fixedNow.Add(time.Hour) }
	o, err := model.Open("theirs.fieldwork", model.Options{User: "bob", Now: later})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []string{"higher", "lower"} {
		if err := o.SetRisk(ctx, "LA-01", r); err != nil {
			t.Fatal(err)
		}
	}
	o.Close()
	for _, r := range []string{"lower", "higher"} {
		if err := w.SetRisk(ctx, "LA-01", r); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := w.Merge(ctx, "theirs.fieldwork", model.MergeOptions{})
	if err != nil || len(rep.Conflicts) != 1 {
		t.Fatalf("merge: %v, conflicts %+v", err, rep)
	}
	return w
}

func TestConflictsResolve(t *testing.T) {
	w := conflicted(t)
	d := start(t, w, 80, 24)
	k := d.keys()
	d.press(k.Conflicts)
	if _, ok := d.active().(*conflictsPage); !ok || d.depth() != 2 {
		t.Fatalf("M opened %T at depth %d", d.active(), d.depth())
	}
	v := d.view()
	for _, want := range []string{"LA-01", "risk", "“higher”", "“lower”", "tester", "bob", "1 open merge conflict"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	requireGolden(t, "conflicts_80x24", v)

	// n keeps the conflict open.
	d.press(k.TakeTheirs)
	if !strings.Contains(d.view(), "y resolves") {
		t.Fatalf("no question:\n%s", d.view())
	}
	d.press(k.No)
	if cs, _ := w.Conflicts(context.Background(), false); len(cs) != 1 {
		t.Fatalf("n resolved the conflict: %+v", cs)
	}

	// t, then y, takes theirs.
	d.press(k.TakeTheirs)
	d.press(k.Yes)
	cs, err := w.Conflicts(context.Background(), true)
	if err != nil || len(cs) != 1 || cs[0].State != "resolved" || cs[0].Resolution != "theirs" {
		t.Fatalf("conflicts after t y: %+v %v", cs, err)
	}
	v = d.view()
	if !strings.Contains(v, "No merge conflicts") || !strings.Contains(v, "Resolved merge conflict") {
		t.Fatalf("after resolving:\n%s", v)
	}
}

func TestConflictsEmpty(t *testing.T) {
	d := start(t, newWorkpaper(t, fixture{}), 80, 24)
	k := d.keys()
	d.press(k.Conflicts)
	// m and t do nothing on an empty list.
	d.press(k.KeepMine)
	d.press(k.TakeTheirs)
	v := d.view()
	if !strings.Contains(v, "No merge conflicts") || strings.Contains(v, "y resolves") {
		t.Fatalf("empty:\n%s", v)
	}
	requireGolden(t, "conflicts_empty_80x24", v)
}

func TestConflictsReadOnly(t *testing.T) {
	d := start(t, newWorkpaper(t, fixture{readOnly: true}), 80, 24)
	d.press(d.keys().Conflicts)
	if _, ok := d.active().(*conflictsPage); !ok {
		t.Fatalf("M opened %T", d.active())
	}
}
