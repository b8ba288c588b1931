package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fieldwork-audit/fieldwork/internal/demo"
	"github.com/fieldwork-audit/fieldwork/model"
)

// teamDemo writes the demo engagement to a fresh folder, with the built
// binary when there is one (much faster than in a -race test process).
func teamDemo(t *testing.T, bin, name string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if bin != "" {
		if out, err := exec.Command(bin, "demo", path).CombinedOutput(); err != nil {
			t.Fatalf("demo: %v %s", err, out)
		}
		return path
	}
	if err := demo.Write(context.Background(), path); err != nil {
		t.Fatal(err)
	}
	return path
}

// smallFile is a small engagement with a sample of NL-04, a deviation and
// exception EX-01, made with the CLI.
func smallFile(t *testing.T) string {
	t.Helper()
	path := newEngagementFile(t)
	mustRun(t, "controls", "import", path, "../../testdata/matrices/clean.csv")
	var b strings.Builder
	b.WriteString("Request,Date\n")
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&b, "R-%03d,2026-%02d-10\n", i, i%12+1)
	}
	src := filepath.Join(t.TempDir(), "requests.csv")
	if err := os.WriteFile(src, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "population", "import", path, "--control", "NL-04", src, "--id-column", "Request")
	var draw struct {
		Items []struct {
			Position int `json:"position"`
		} `json:"items"`
	}
	json.Unmarshal([]byte(mustRun(t, "sample", "draw", path, "--control", "NL-04", "--seed", "5", "--size", "6", "--json")), &draw)
	first := fmt.Sprint(draw.Items[0].Position)
	mustRun(t, "result", "set", path, "--control", "NL-04", "--item", first, "--deviation", "--note", "late approval")
	mustRun(t, "exception", "add", path, "--control", "NL-04", "--items", first, "--description", "Approved late")
	return path
}

func cp(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func noLocked(t *testing.T, outs ...string) {
	t.Helper()
	for _, s := range outs {
		l := strings.ToLower(s)
		if strings.Contains(l, "database is locked") || strings.Contains(l, "sqlite_busy") {
			t.Fatalf("a user saw SQLite's lock error: %s", s)
		}
	}
}

func TestMergeConflictsCLI(t *testing.T) {
	a := smallFile(t)
	b := filepath.Join(filepath.Dir(a), "laptop.fieldwork")
	cp(t, a, b)
	mustRun(t, "exception", "update", a, "--ref", "EX-01", "--reopen", "--cause", "manager on leave", "--user", "maria.chen")
	mustRun(t, "exception", "update", b, "--ref", "EX-01", "--reopen", "--cause", "late HR entry", "--user", "dev.patel")
	mustRun(t, "note", "add", b, "--engagement", "--text", "check the bridge letter", "--user", "dev.patel")

	out, stderr, code := runCLI(t, "merge", a, b, "--dry-run")
	if code != 0 || !strings.Contains(out, "dry run") || !strings.Contains(out, "would be left") {
		t.Fatalf("dry run: %d %s %s", code, out, stderr)
	}
	out = mustRun(t, "merge", a, b, "--user", "maria.chen")
	if !strings.Contains(out, "merged") || !strings.Contains(out, "1 conflict left") || !strings.Contains(out, "backup of") ||
		!strings.Contains(out, `here "manager on leave" (maria.chen`) || !strings.Contains(out, `theirs "late HR entry" (dev.patel`) {
		t.Fatalf("merge: %s", out)
	}
	if out := mustRun(t, "merge", a, b); !strings.Contains(out, "nothing to merge") {
		t.Fatalf("merge again: %s", out)
	}
	var cs []struct {
		ID     int64  `json:"id"`
		Kind   string `json:"kind"`
		Field  string `json:"field"`
		Mine   string `json:"mine"`
		Theirs string `json:"theirs"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, "conflicts", a, "--json")), &cs); err != nil || len(cs) != 1 || cs[0].Field != "cause" || cs[0].Theirs != "late HR entry" {
		t.Fatalf("conflicts --json: %+v %v", cs, err)
	}
	// Merging the other way is refused while this copy has open conflicts.
	if _, stderr, code := runCLI(t, "merge", b, a); code != exitFail || !strings.Contains(stderr, "unresolved merge conflicts") {
		t.Fatalf("merging a copy with open conflicts: %d %s", code, stderr)
	}
	if _, stderr, code := runCLI(t, "conflicts", "resolve", a, "--id", "1"); code != exitUsage || !strings.Contains(stderr, "--take") {
		t.Fatalf("resolve without --take: %d %s", code, stderr)
	}
	mustRun(t, "conflicts", "resolve", a, "--id", fmt.Sprint(cs[0].ID), "--take", "theirs", "--user", "maria.chen")
	if out := mustRun(t, "conflicts", a); !strings.Contains(out, "no open merge conflicts") {
		t.Fatalf("conflicts after resolving: %s", out)
	}
	if out := mustRun(t, "conflicts", a, "--all"); !strings.Contains(out, "resolved: took theirs") {
		t.Fatalf("conflicts --all: %s", out)
	}
	if out := mustRun(t, "exception", "list", a, "--json"); !strings.Contains(out, "late HR entry") || strings.Contains(out, "manager on leave") {
		t.Fatalf("resolution not applied: %s", out)
	}
	mustRun(t, "verify", a)
	// And back: the laptop gets the senior's file without conflicts.
	out = mustRun(t, "merge", b, a)
	if !strings.Contains(out, "no conflicts") {
		t.Fatalf("merging back: %s", out)
	}
	mustRun(t, "verify", b)

	// Another engagement is refused, clearly.
	other := newEngagementFile(t)
	if _, stderr, code := runCLI(t, "merge", a, other); code != exitFail || !strings.Contains(stderr, "not a copy of the same engagement") {
		t.Fatalf("other engagement: %d %s", code, stderr)
	}
	if _, stderr, code := runCLI(t, "merge", a); code != exitUsage {
		t.Fatalf("merge with one file: %d %s", code, stderr)
	}
}

func TestSessionsCLI(t *testing.T) {
	path := newEngagementFile(t)
	if out := mustRun(t, "sessions", path); !strings.Contains(out, "nobody") {
		t.Fatalf("sessions: %s", out)
	}
	// Olivia has it open in the workbench.
	w, err := model.Open(path, model.Options{User: "olivia.brandt"})
	if err != nil {
		t.Fatal(err)
	}
	out := mustRun(t, "sessions", path)
	if !strings.Contains(out, "olivia.brandt") || !strings.Contains(out, "editing") {
		t.Fatalf("sessions: %s", out)
	}
	var ss []model.Session
	if err := json.Unmarshal([]byte(mustRun(t, "sessions", path, "--json")), &ss); err != nil || len(ss) != 1 || ss[0].User != "olivia.brandt" {
		t.Fatalf("sessions --json: %+v %v", ss, err)
	}
	// A writing command says so on stderr, in one line; a reading one does not.
	_, stderr, code := runCLI(t, "note", "add", path, "--engagement", "--text", "x", "--user", "maria.chen")
	if code != 0 || !strings.Contains(stderr, "is also open: olivia.brandt") || strings.Count(stderr, "\n") != 1 {
		t.Fatalf("note for a write: %d %q", code, stderr)
	}
	if _, stderr, _ := runCLI(t, "status", path); stderr != "" {
		t.Fatalf("note for a read: %q", stderr)
	}
	if _, stderr, code := runCLI(t, "sessions", "clear", path); code != exitUsage || !strings.Contains(stderr, "--stale") {
		t.Fatalf("clear without --stale: %d %s", code, stderr)
	}
	if out := mustRun(t, "sessions", "clear", path, "--stale"); !strings.Contains(out, "no stale sessions") {
		t.Fatalf("clear: %s", out)
	}
	w.Close()
	if out := mustRun(t, "sessions", path); !strings.Contains(out, "nobody") {
		t.Fatalf("after close: %s", out)
	}
}

func TestRollForwardAndBackupCLI(t *testing.T) {
	last := smallFile(t)
	next := filepath.Join(filepath.Dir(last), "fy2027.fieldwork")
	if _, stderr, code := runCLI(t, "rollforward", last, "--out", next); code != exitUsage {
		t.Fatalf("no period: %d %s", code, stderr)
	}
	out := mustRun(t, "rollforward", last, "--out", next, "--from", "2027-01-01", "--to", "2027-12-31")
	if !strings.Contains(out, "wrote "+next) || !strings.Contains(out, "acme.fieldwork (engagement") || !strings.Contains(out, "exceptions last period: NL-04") {
		t.Fatalf("rollforward: %s", out)
	}
	mustRun(t, "verify", next)
	if out := mustRun(t, "status", next, "--json"); !strings.Contains(out, `"exceptions": 0`) {
		t.Fatalf("exceptions rolled forward: %s", out)
	}
	if _, stderr, code := runCLI(t, "rollforward", last, "--out", next, "--from", "2027-01-01", "--to", "2027-12-31"); code != exitFail || !strings.Contains(stderr, "exists") {
		t.Fatalf("over an existing file: %d %s", code, stderr)
	}
	out = mustRun(t, "backup", last)
	bak := strings.TrimSpace(out[strings.LastIndex(out, " ")+1:])
	if !strings.HasPrefix(bak, last+".bak-") {
		t.Fatalf("backup: %s", out)
	}
	mustRun(t, "verify", bak)
}

// startAt runs the binary with a crash point armed and returns once the
// process has reached it, in the middle of its transaction.
func startAt(t *testing.T, bin, point string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "FIELDWORK_TEST_CRASH_POINT="+point)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	reached := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		var all []string
		for sc.Scan() {
			all = append(all, sc.Text())
			if strings.Contains(sc.Text(), "test crash point") {
				reached <- ""
				io.Copy(io.Discard, stderr)
				return
			}
		}
		reached <- strings.Join(all, "\n")
	}()
	select {
	case msg := <-reached:
		if msg != "" {
			cmd.Wait()
			t.Fatalf("%v ended before its crash point: %s", args, msg)
		}
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("%v never reached its crash point", args)
	}
	return cmd
}

// runBin runs the built binary (faster than in-process under -race).
func runBin(t *testing.T, bin string, args ...string) string {
	t.Helper()
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %v\n%s", args, err, out)
	}
	return string(out)
}

func kill9(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
}

func trailLen(t *testing.T, path string) int {
	t.Helper()
	w, err := model.Open(path, model.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	tr, err := w.Trail(context.Background(), model.TrailFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return len(tr)
}

// reopenValid opens a file after a crash (rolling a hot journal back) and
// checks it is whole.
func reopenValid(t *testing.T, path string) *model.Workpaper {
	t.Helper()
	w, err := model.Open(path, model.Options{User: "t", NoSession: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	r, err := w.Verify(context.Background())
	if err != nil || !r.OK {
		t.Fatalf("verify after the crash: %+v %v", r, err)
	}
	return w
}

// A journal left by a killed writer is rolled back (when it is hot) or
// ignored (when it never became hot) by the next reader, and gone after
// the next write.
func noJournal(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path + "-journal"); err == nil {
		t.Fatal("the journal of the killed writer is still there")
	}
}

// A writer killed in the middle of its transaction leaves the file as it
// was before it.
func TestWriterKilledMidTransaction(t *testing.T) {
	bin := buildBinary(t)
	path := teamDemo(t, bin, "demo.fieldwork")
	before := trailLen(t, path)
	cmd := startAt(t, bin, "write", "exception", "update", path, "--ref", "EX-01", "--reopen", "--cause", "half-written", "--user", "t")
	if _, err := os.Stat(path + "-journal"); err != nil {
		t.Fatalf("no journal mid-transaction: %v", err)
	}
	kill9(t, cmd)
	w := reopenValid(t, path)
	xs, _ := w.Exceptions(context.Background())
	if strings.Contains(xs[0].Cause, "half-written") {
		t.Fatal("a killed transaction's change survived")
	}
	w.Close()
	if n := trailLen(t, path); n != before {
		t.Fatalf("trail %d entries, was %d", n, before)
	}
	mustRun(t, "exception", "update", path, "--ref", "EX-01", "--reopen", "--cause", "written")
	noJournal(t, path)
	if n := trailLen(t, path); n <= before {
		t.Fatalf("after the edit: %d entries, was %d", n, before)
	}
}

// A merge killed in the middle leaves the file as before the merge; run
// again it completes.
func TestMergeKilledMidway(t *testing.T) {
	bin := buildBinary(t)
	path := teamDemo(t, bin, "senior.fieldwork")
	other := filepath.Join(filepath.Dir(path), "laptop.fieldwork")
	cp(t, path, other)
	// The laptop imports a population big enough that the merge writes
	// pages into the file before it commits.
	src := filepath.Join(t.TempDir(), "changes.csv")
	f, _ := os.Create(src)
	bw := bufio.NewWriter(f)
	fmt.Fprintln(bw, "Ticket,Opened,Title")
	for i := 0; i < 150000; i++ {
		fmt.Fprintf(bw, "T%07d,2026-03-%02d,an emergency change with a longer description %d\n", i, i%28+1, i)
	}
	bw.Flush()
	f.Close()
	runBin(t, bin, "population", "import", other, "--control", "CHG-03", src, "--id-column", "Ticket", "--user", "dev.patel")
	runBin(t, bin, "exception", "update", other, "--ref", "EX-01", "--reopen", "--cause", "from the laptop", "--user", "dev.patel")
	before, _ := os.ReadFile(path)
	entries := trailLen(t, path)

	cmd := startAt(t, bin, "merge", "merge", path, other, "--user", "maria.chen")
	st, err := os.Stat(path + "-journal")
	if err != nil {
		t.Fatalf("no journal mid-merge: %v", err)
	}
	now, _ := os.Stat(path)
	t.Logf("at the kill: file %d bytes (was %d), journal %d bytes", now.Size(), len(before), st.Size())
	kill9(t, cmd)
	w := reopenValid(t, path)
	noJournal(t, path) // it was hot: opening rolled it back
	if p, _ := w.CurrentPopulation(context.Background(), "CHG-03"); p != nil {
		t.Fatal("half a merge survived")
	}
	w.Close()
	if n := trailLen(t, path); n != entries {
		t.Fatalf("trail %d entries, was %d", n, entries)
	}
	baks, _ := filepath.Glob(path + ".bak-*")
	if len(baks) != 1 {
		t.Fatalf("backups %v", baks)
	}
	out := runBin(t, bin, "merge", path, other, "--user", "maria.chen")
	if !strings.Contains(out, "merged") {
		t.Fatalf("merge after the crash: %s", out)
	}
	w = reopenValid(t, path)
	if p, _ := w.CurrentPopulation(context.Background(), "CHG-03"); p == nil || p.Rows != 150000 {
		t.Fatalf("population after the merge: %+v", p)
	}
}

// A roll-forward killed in the middle leaves no new file, and last year's
// untouched.
func TestRollForwardKilledMidway(t *testing.T) {
	bin := buildBinary(t)
	last := teamDemo(t, bin, "fy2026.fieldwork")
	next := filepath.Join(filepath.Dir(last), "fy2027.fieldwork")
	before, _ := os.ReadFile(last)
	args := []string{"rollforward", last, "--out", next, "--from", "2026-10-01", "--to", "2027-09-30", "--user", "t"}
	cmd := startAt(t, bin, "rollforward", args...)
	kill9(t, cmd)
	if _, err := os.Stat(next); err == nil {
		t.Fatal("a killed roll-forward left the new file")
	}
	if after, _ := os.ReadFile(last); string(after) != string(before) {
		t.Fatal("a killed roll-forward changed last year's file")
	}
	out := runBin(t, bin, args...)
	if !strings.Contains(out, "wrote") {
		t.Fatalf("roll-forward after the crash: %s", out)
	}
	reopenValid(t, next)
	if _, err := os.Stat(next + ".partial"); err == nil {
		t.Fatal("the partial file is left")
	}
}
