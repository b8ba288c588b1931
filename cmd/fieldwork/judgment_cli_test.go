package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// refused runs a command that must fail, changing nothing, and checks
// that its message names each of wants.
func refused(t *testing.T, path string, wants []string, args ...string) string {
	t.Helper()
	before := mustRun(t, "log", path, "--limit", "1", "--json")
	_, stderr, code := runCLI(t, args...)
	if code == 0 {
		t.Fatalf("%v was accepted", args)
	}
	for _, w := range wants {
		if !strings.Contains(stderr, w) {
			t.Errorf("%v: the refusal does not say %q:\n%s", args, w, stderr)
		}
	}
	if after := mustRun(t, "log", path, "--limit", "1", "--json"); after != before {
		t.Errorf("%v: refused but the trail grew", args)
	}
	return stderr
}

func TestConcludeGatesCLI(t *testing.T) {
	path := demoFile(t)
	// AV-02: 0 of 20 tested, no attribute, no procedure, no design, no IPE.
	refused(t, path, []string{"AV-02 cannot be concluded effective", "test of design is not concluded", "no procedure", "no attribute",
		"0 of 20 selected items", "(IPE) is not recorded", "nothing was recorded"},
		"conclude", path, "--control", "AV-02", "--as", "effective")
	// LA-02: 8 of 15 tested and an open review note.
	refused(t, path, []string{"8 of 15 selected items", "RN-001 still open", "--carry-notes"},
		"conclude", path, "--control", "LA-02", "--as", "effective")
	// CHG-01 effective over "not effective": a reason is required …
	refused(t, path, []string{"departs from the proposed conclusion (not effective — upper deviation limit", "--reason"},
		"conclude", path, "--control", "CHG-01", "--as", "effective")
	// LA-03 effective with its logged exception: a reason is required.
	refused(t, path, []string{"effective with 1 deviation(s) and 1 exception(s) logged", "--reason"},
		"conclude", path, "--control", "LA-03", "--as", "effective")
	mustRun(t, "conclude", path, "--control", "LA-03", "--as", "effective", "--reason", "the late revocation was a data-entry delay outside the control")
	out := mustRun(t, "evaluate", path, "--control", "LA-03")
	if !strings.Contains(out, "departs from the proposal: the late revocation was a data-entry delay") {
		t.Fatalf("evaluate does not show the reason beside the conclusion:\n%s", out)
	}
	log := mustRun(t, "log", path, "--control", "LA-03")
	if !strings.Contains(log, "conclusion_reason") {
		t.Fatalf("the reason is not in the trail:\n%s", log)
	}
	// Not tested needs a note saying why.
	refused(t, path, []string{"not tested needs a note"}, "conclude", path, "--control", "ENT-01", "--as", "not-tested")
	mustRun(t, "conclude", path, "--control", "ENT-01", "--as", "not-tested", "--note", "the board minutes were not provided")
}

func TestSignoffRefusalsCLI(t *testing.T) {
	path := demoFile(t)
	// zed is not on the team.
	refused(t, path, []string{"zed is not on the team", "Olivia Brandt (olivia.brandt, reviewer)", "nothing was signed"},
		"signoff", path, "--control", "LA-03", "--as", "reviewer", "--user", "zed")
	// A reviewer-recorded member signs as preparer: allowed (a senior prepares), but
	// a preparer (staff) may not review.
	refused(t, path, []string{"dev.patel is on the team as preparer (staff), not a senior, manager or partner"},
		"signoff", path, "--control", "CHG-01", "--as", "reviewer", "--user", "dev.patel")
	// A control test in progress with no conclusion.
	refused(t, path, []string{"LA-02 is in progress with no conclusion"},
		"signoff", path, "--control", "LA-02", "--as", "preparer", "--user", "maria.chen")
	// Planning is the manager's; the demo has none.
	refused(t, path, []string{"nobody on the team holds that role"},
		"signoff", path, "--planning", "--as", "reviewer", "--user", "olivia.brandt")
	out := mustRun(t, "signoff", "list", path)
	if !strings.Contains(out, "CHG-01") || !strings.Contains(out, "olivia.brandt") {
		t.Fatalf("signoff list:\n%s", out)
	}
}

func TestSignoffSchemeCLI(t *testing.T) {
	path := demoFile(t)
	bad := filepath.Join(t.TempDir(), "scheme.json")
	os.WriteFile(bad, []byte("{\n  \"control_test\": [{\"step\": \"preparer\", \"roles\": [\"intern\"]}],\n  \"planning\": [], \"criterion\": [], \"opinion\": []\n}\n"), 0o644)
	refused(t, path, []string{"scheme.json: sign-off scheme, line 2: control_test: step preparer: unknown role \"intern\""},
		"signoff-scheme", "set", path, bad)
	mustRun(t, "signoff-scheme", path, "--json")
}

func TestCriteriaRulesCLI(t *testing.T) {
	path := demoFile(t)
	st := mustRun(t, "status", path, "--json")
	if !strings.Contains(st, `"rule": "key-control-not-effective"`) || !strings.Contains(st, "CHG-01 (key) not effective") {
		t.Fatalf("CC8.1 should be not met by CHG-01:\n%s", st)
	}
	refused(t, path, []string{"mitigating evidence goes in"}, "exception", "update", path, "--ref", "EX-01", "--compensating-control", "NOPE-1")
	// CHG-01 is reviewed: the change is refused, naming the sign-off, until --reopen.
	refused(t, path, []string{"CHG-01 was reviewed by olivia.brandt on 2026-10-19", "--reopen"},
		"exception", "update", path, "--ref", "EX-01", "--compensating-control", "CHG-03")
	mustRun(t, "exception", "update", path, "--ref", "EX-01", "--compensating-control", "CHG-03", "--reopen")
	changes := mustRun(t, "signoff", "changes", path, "--control", "CHG-01")
	if !strings.Contains(changes, "exception compensating control") {
		t.Fatalf("changes since review:\n%s", changes)
	}
	if list := mustRun(t, "signoff", "list", path); !strings.Contains(list, "exception compensating control") {
		t.Fatalf("the stale sign-off does not say what changed:\n%s", list)
	}
	if out := mustRun(t, "exception", "list", path, "--json"); !strings.Contains(out, `"compensating_control": "CHG-03"`) {
		t.Fatalf("exception list:\n%s", out)
	}
	refused(t, path, []string{"LA-01 is not mapped to CC8.1"}, "mapping", "set", path, "--control", "LA-01", "--criterion", "CC8.1", "--as", "key")
	mustRun(t, "mapping", "set", path, "--control", "CHG-03", "--criterion", "CC8.1", "--as", "key")
	if out := mustRun(t, "criteria", path, "--json"); !strings.Contains(out, `"key_controls": [
        "CHG-01",
        "CHG-02",
        "CHG-03",
        "CHG-04"`) {
		t.Fatalf("criteria:\n%s", out)
	}
}

func TestOpinionFollowsTheCriteriaCLI(t *testing.T) {
	path := demoFile(t)
	out := mustRun(t, "opinion", path)
	if !strings.Contains(out, "Qualified (likely): CC8.1 is not met: CC8.1 (CHG-01 (key) not effective") {
		t.Fatalf("the demo's proposal:\n%s", out)
	}
	refused(t, path, []string{"pervasiveness is the engagement partner's judgment", "maria.chen is on the team as preparer", "James Okafor (james.okafor) may record it"},
		"opinion", "pervasive", path, "--as", "pervasive", "--reason", "x", "--user", "maria.chen")
	out = mustRun(t, "opinion", "pervasive", path, "--as", "not-pervasive", "--reason", "confined to change management", "--user", "james.okafor")
	if !strings.Contains(out, "Qualified: CC8.1 is not met") || !strings.Contains(out, "the partner (james.okafor) judged this not pervasive") {
		t.Fatalf("after the judgment:\n%s", out)
	}
}
