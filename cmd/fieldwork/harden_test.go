package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/fieldwork-audit/fieldwork/model"
)

// Issue 13 item 1: no output file (export, export-pbc, rollforward) is ever
// written over a workpaper, --force or not: not by name, not through a hard
// link, not when it is another engagement's file.
func TestOutputNeverReplacesAWorkpaper(t *testing.T) {
	demo := demoFile(t)
	dir := t.TempDir()
	wpx := filepath.Join(dir, "wp.xlsx")
	cp(t, demo, wpx)
	link := filepath.Join(dir, "link.xlsx")
	if err := os.Link(demo, link); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "other.xlsx")
	cp(t, demo, other)
	orig, _ := os.ReadFile(demo)
	otherOrig, _ := os.ReadFile(other)
	cases := [][]string{
		{"export", wpx, "--out", wpx, "--force"},
		{"export", wpx, "--out", wpx},
		{"export", demo, "--out", link, "--force"},
		{"export", demo, "--out", other, "--force"},
		{"export-pbc", wpx, "--out", wpx, "--force"},
		{"export-pbc", demo, "--out", link, "--force"},
		{"rollforward", demo, "--out", demo, "--from", "2027-01-01", "--to", "2027-12-31"},
		{"rollforward", demo, "--out", link, "--from", "2027-01-01", "--to", "2027-12-31"},
	}
	for _, c := range cases {
		_, stderr, code := runCLI(t, c...)
		if code == 0 || !strings.Contains(stderr, "refusing to write over a workpaper") {
			t.Errorf("%v: exit %d, stderr %q; want a refusal naming the workpaper", c, code, stderr)
		}
	}
	for _, p := range []string{wpx, demo, link} {
		if b, _ := os.ReadFile(p); !bytes.Equal(b, orig) {
			t.Errorf("%s changed", p)
		}
	}
	if b, _ := os.ReadFile(other); !bytes.Equal(b, otherOrig) {
		t.Errorf("%s changed", other)
	}
	// An ordinary file is still replaced with --force.
	plain := filepath.Join(dir, "plain.xlsx")
	os.WriteFile(plain, []byte("not a workbook"), 0o644)
	if _, stderr, code := runCLI(t, "export", demo, "--out", plain, "--force"); code != 0 {
		t.Fatalf("export over an ordinary file with --force: %d %s", code, stderr)
	}
}

// hidden lists the names in dir that start with a dot.
func hidden(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			out = append(out, e.Name())
		}
	}
	return out
}

// Issue 13 item 4: a backup or an export killed with SIGKILL never leaves a
// file under the real name, and the next run removes what it left.
func TestBackupAndExportKilledLeaveNoDebris(t *testing.T) {
	bin := buildBinary(t)
	path := teamDemo(t, bin, "demo.fieldwork")
	dir := filepath.Dir(path)

	cmd := startAt(t, bin, "backup", "backup", path)
	if m, _ := filepath.Glob(path + ".bak-*"); len(m) != 0 {
		t.Fatalf("a file under the backup's real name before it is complete: %v", m)
	}
	if len(hidden(t, dir)) == 0 {
		t.Fatal("no temporary file while the backup is written")
	}
	kill9(t, cmd)
	if m, _ := filepath.Glob(path + ".bak-*"); len(m) != 0 {
		t.Fatalf("the killed backup left %v", m)
	}
	out := runBin(t, bin, "backup", path)
	if h := hidden(t, dir); len(h) != 0 {
		t.Fatalf("the next backup left the killed one's temporary files: %v", h)
	}
	m, _ := filepath.Glob(path + ".bak-*")
	if len(m) != 1 || !strings.Contains(out, m[0]) {
		t.Fatalf("backups %v after %q", m, out)
	}
	runBin(t, bin, "verify", m[0])

	book := filepath.Join(dir, "book.xlsx")
	cmd = startAt(t, bin, "export", "export", path, "--out", book)
	kill9(t, cmd)
	if _, err := os.Stat(book); err == nil {
		t.Fatal("the killed export left a workbook under its real name")
	}
	if len(hidden(t, dir)) == 0 {
		t.Fatal("the test did not kill the export while it wrote its temporary file")
	}
	// The next run that writes there (an export, or opening the workpaper
	// to write) removes it.
	runBin(t, bin, "export", path, "--out", filepath.Join(dir, "other.xlsx"))
	if h := hidden(t, dir); len(h) != 0 {
		t.Fatalf("the killed export's temporary files are still there: %v", h)
	}
}

// hotJournal leaves a hot rollback journal beside a new workpaper: a real
// population import is killed with SIGKILL once it has spilled pages into
// the file. It returns the workpaper's path, or skips when the import
// finished before it could be killed.
func hotJournal(t *testing.T, bin string) string {
	t.Helper()
	dir := t.TempDir()
	wp := filepath.Join(dir, "w.fieldwork")
	runBin(t, bin, "new", wp, "--client", "C", "--system", "S", "--type", "2", "--from", "2026-01-01", "--to", "2026-12-31", "--user", "t")
	m := filepath.Join(dir, "m.csv")
	os.WriteFile(m, []byte("Control ID,Description,Frequency,TSC\nCHG-01,Changes approved,ad hoc,CC8.1\n"), 0o644)
	runBin(t, bin, "controls", "import", wp, m, "--user", "t")
	src := filepath.Join(dir, "pop.csv")
	var b strings.Builder
	b.WriteString("Ticket,Opened,Title\n")
	for i := 0; i < 600000; i++ {
		fmt.Fprintf(&b, "T%07d,2026-03-%02d,change %d\n", i, i%28+1, i)
	}
	os.WriteFile(src, []byte(b.String()), 0o644)
	cmd := exec.Command(bin, "population", "import", wp, "--control", "CHG-01", src, "--id-column", "Ticket", "--user", "t")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(wp)
	before := st.Size()
	deadline := time.Now().Add(60 * time.Second)
	for {
		_, jerr := os.Stat(wp + "-journal")
		st, _ := os.Stat(wp)
		if jerr == nil && st.Size() > before+4<<20 {
			break
		}
		if time.Now().After(deadline) {
			kill9(t, cmd)
			t.Fatal("the import never spilled into the file")
		}
		time.Sleep(2 * time.Millisecond)
	}
	kill9(t, cmd)
	if _, err := os.Stat(wp + "-journal"); err != nil {
		t.Skip("the import finished before it could be killed")
	}
	return wp
}

// Issue 13 item 5: after a crash, read-only commands roll the hot journal
// back when the file can be written, and say so; when it cannot, they say
// exactly what must happen.
func TestReadOnlyCommandsAfterACrash(t *testing.T) {
	bin := buildBinary(t)
	wp := hotJournal(t, bin)
	spare := filepath.Join(t.TempDir(), "spare")
	os.Mkdir(spare, 0o755)
	cp(t, wp, filepath.Join(spare, "w.fieldwork"))
	cp(t, wp+"-journal", filepath.Join(spare, "w.fieldwork-journal"))

	out, err := exec.Command(bin, "verify", wp).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "a change left unfinished by a crash was rolled back") {
		t.Fatalf("verify after the crash: %v\n%s", err, out)
	}
	noJournal(t, wp)
	if out, err := exec.Command(bin, "status", wp).CombinedOutput(); err != nil || strings.Contains(string(out), "rolled back") {
		t.Fatalf("status after the recovery: %v\n%s", err, out)
	}

	// Someone who cannot write the folder is told what to do; nothing changes.
	if os.Geteuid() != 0 {
		t.Skip("needs root to run the binary as another user")
	}
	for _, d0 := range []string{spare, filepath.Dir(bin)} {
		for d := d0; d != "/"; d = filepath.Dir(d) {
			if st, err := os.Stat(d); err == nil && st.Mode().Perm()&0o005 != 0o005 {
				os.Chmod(d, st.Mode().Perm()|0o005)
			}
		}
	}
	os.Chmod(bin, 0o755)
	ro := exec.Command(bin, "status", filepath.Join(spare, "w.fieldwork"))
	ro.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err = ro.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "must be rolled back") || !strings.Contains(string(out), "write access") {
		t.Fatalf("status without write access: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(spare, "w.fieldwork-journal")); err != nil {
		t.Fatal("the journal went away although nobody could roll it back")
	}
}

// Issue 13 item 2: "result set" changes only what it is given; emptying a
// field is said with --clear.
func TestResultSetKeepsFieldsNotGiven(t *testing.T) {
	path := smallFile(t)
	var show struct {
		Items []struct {
			Position int `json:"position"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, "sample", "show", path, "--control", "NL-04", "--json")), &show); err != nil || len(show.Items) < 2 {
		t.Fatalf("sample show: %v %+v", err, show)
	}
	item := fmt.Sprint(show.Items[1].Position)
	ev := filepath.Join(t.TempDir(), "ticket.pdf")
	os.WriteFile(ev, []byte("%PDF evidence"), 0o644)
	mustRun(t, "result", "set", path, "--control", "NL-04", "--item", item, "--pass", "--note", "first", "--tickmark", "✓", "--evidence", ev, "--attach")
	get := func() map[string]any {
		t.Helper()
		var rs []map[string]any
		json.Unmarshal([]byte(mustRun(t, "results", path, "--control", "NL-04", "--json")), &rs)
		for _, r := range rs {
			if fmt.Sprint(r["position"]) == item {
				return r
			}
		}
		t.Fatalf("no result for item %s", item)
		return nil
	}
	before := get()
	if before["tickmark"] != "✓" || before["evidence_sha256"] == "" || before["evidence"] == "" {
		t.Fatalf("setting up: %v", before)
	}
	mustRun(t, "result", "set", path, "--control", "NL-04", "--item", item, "--pass", "--note", "re-noted")
	after := get()
	for _, k := range []string{"tickmark", "evidence", "evidence_sha256"} {
		if after[k] != before[k] {
			t.Errorf("%s: %v, was %v: a field not given was changed", k, after[k], before[k])
		}
	}
	if after["note"] != "re-noted" {
		t.Errorf("note %v", after["note"])
	}
	mustRun(t, "result", "set", path, "--control", "NL-04", "--item", item, "--pass", "--clear", "evidence,tickmark")
	cleared := get()
	if cleared["tickmark"] != "" || cleared["evidence"] != "" || cleared["evidence_sha256"] != "" || cleared["note"] != "re-noted" {
		t.Errorf("after --clear evidence,tickmark: %v", cleared)
	}
	if _, stderr, code := runCLI(t, "result", "set", path, "--control", "NL-04", "--item", item, "--pass", "--clear", "outcome"); code != exitUsage || !strings.Contains(stderr, "cannot be emptied") {
		t.Errorf("--clear outcome: %d %s", code, stderr)
	}
	if _, stderr, code := runCLI(t, "result", "set", path, "--control", "NL-04", "--item", item, "--pass", "--note", "x", "--clear", "note"); code != exitUsage {
		t.Errorf("--note and --clear note: %d %s", code, stderr)
	}
	mustRun(t, "verify", path)
}

// Issue 13 item 3: import-results --apply killed midway applies nothing;
// run again, it applies everything.
func TestImportResultsKilledAppliesNothing(t *testing.T) {
	bin := buildBinary(t)
	path := teamDemo(t, bin, "demo.fieldwork")
	book := filepath.Join(t.TempDir(), "book.xlsx")
	runBin(t, bin, "export", path, "--out", book, "--sections", "tests")
	f, err := excelize.OpenFile(book)
	if err != nil {
		t.Fatal(err)
	}
	typed := 0
	for _, sheet := range f.GetSheetList() {
		rows, _ := f.GetRows(sheet)
		var key []string
		for i, r := range rows {
			if len(r) > 0 && strings.HasPrefix(r[0], "fieldwork-grid/1|") {
				key = r
				continue
			}
			if key == nil || len(r) < 2 || r[1] == "" {
				continue
			}
			for c, k := range key {
				if !strings.HasSuffix(k, ":outcome") || (len(r) > c && r[c] != "") {
					continue
				}
				col, _ := excelize.ColumnNumberToName(c + 1)
				f.SetCellStr(sheet, col+strconv.Itoa(i+1), "pass")
				typed++
			}
		}
	}
	f.Save()
	f.Close()
	if typed < 5 {
		t.Fatalf("only %d results typed into the workbook", typed)
	}
	count := func() int {
		w, err := model.Open(path, model.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		n := 0
		for _, c := range []string{"LA-02", "LA-03", "CHG-01", "AV-02"} {
			rs, _ := w.Results(context.Background(), c)
			n += len(rs)
		}
		return n
	}
	before := count()
	cmd := startAt(t, bin, "results", "import-results", path, book, "--apply", "--user", "t")
	kill9(t, cmd)
	reopenValid(t, path)
	if n := count(); n != before {
		t.Fatalf("%d results after the killed import, %d before: a partial import was kept", n, before)
	}
	out := runBin(t, bin, "import-results", path, book, "--apply", "--user", "t")
	if n := count(); n != before+typed {
		t.Fatalf("%d results after the import, want %d + %d:\n%s", n, before, typed, out)
	}
}

// Issue 13 item 8: files that carry fieldwork's header but are not whole
// workpapers are refused, specifically, before anything is written.
func TestDamagedAndBorrowedFilesRefused(t *testing.T) {
	dir := t.TempDir()
	mk := func(name string, stmts ...string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		db, err := sql.Open("sqlite", p)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range stmts {
			if _, err := db.Exec(s); err != nil {
				t.Fatal(err)
			}
		}
		db.Close()
		return p
	}
	appID := fmt.Sprintf("PRAGMA application_id = %d", model.ApplicationID)
	borrowed := mk("borrowed.fieldwork", "CREATE TABLE notes (x TEXT)", appID)
	empty := mk("empty.fieldwork", "CREATE TABLE notes (x TEXT)", appID, "PRAGMA user_version = 2")
	relabeled := filepath.Join(dir, "relabeled.fieldwork")
	cp(t, demoFile(t), relabeled)
	db, _ := sql.Open("sqlite", relabeled)
	db.Exec("PRAGMA user_version = 1")
	db.Close()
	cut := filepath.Join(dir, "cut.fieldwork")
	cp(t, demoFile(t), cut)
	b, _ := os.ReadFile(cut)
	os.WriteFile(cut, b[:len(b)-1], 0o644)

	for _, c := range []struct{ path, want string }{
		{borrowed, "no fieldwork schema"},
		{empty, "none of a workpaper's tables"},
		{relabeled, "already holds what schema 2 adds"},
		{cut, "not a whole number"},
	} {
		before, _ := os.ReadFile(c.path)
		for _, args := range [][]string{
			{"status", c.path},
			{"team", "add", c.path, "--name", "Olivia Brandt", "--role", "reviewer"},
		} {
			_, stderr, code := runCLI(t, args...)
			if code != exitFail || !strings.Contains(stderr, c.want) || strings.Contains(stderr, "SQL logic error") {
				t.Errorf("%v: exit %d, %q; want a refusal saying %q", args, code, stderr, c.want)
			}
		}
		if after, _ := os.ReadFile(c.path); !bytes.Equal(before, after) {
			t.Errorf("%s was written to", filepath.Base(c.path))
		}
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*.bak-*")); len(m) != 0 {
		t.Errorf("a refused file left backups: %v", m)
	}
}

// Issue 13 item 10: "the reviewer must be someone else" compares names as
// people read them; names with invisible characters are not recorded.
func TestReviewerMustBeSomeoneElseWhateverTheSpelling(t *testing.T) {
	path := smallFile(t)
	// Maria prepares and may also review (a senior); Olivia reviews.
	mustRun(t, "team", "add", path, "--name", "Maria Chen", "--role", "senior", "--login", "maria.chen")
	mustRun(t, "team", "add", path, "--name", "Olivia Brandt", "--role", "reviewer", "--login", "olivia.brandt")
	mustRun(t, "conclude", path, "--control", "NL-04", "--as", "not-effective", "--note", "approved after deployment")
	mustRun(t, "signoff", path, "--control", "NL-04", "--as", "preparer", "--user", "maria.chen")
	for _, u := range []string{"Maria.Chen", "maria.chen ", "ＭＡＲＩＡ.chen"} {
		_, stderr, code := runCLI(t, "signoff", path, "--control", "NL-04", "--as", "reviewer", "--user", u)
		if code != exitFail || !strings.Contains(stderr, "the reviewer must be someone else") {
			t.Errorf("reviewer %q: exit %d %q", u, code, stderr)
		}
	}
	for _, u := range []string{"maria\u200b.chen", "maria.chen\u202e"} {
		_, stderr, code := runCLI(t, "signoff", path, "--control", "NL-04", "--as", "reviewer", "--user", u)
		if code != exitFail || !strings.Contains(stderr, "invisible character") {
			t.Errorf("reviewer %q: exit %d %q", u, code, stderr)
		}
	}
	if _, stderr, code := runCLI(t, "team", "add", path, "--name", "Olivia\u200b Brandt", "--role", "reviewer"); code != exitFail || !strings.Contains(stderr, "invisible character") {
		t.Errorf("team add with a zero-width space: exit %d %q", code, stderr)
	}
	mustRun(t, "signoff", path, "--control", "NL-04", "--as", "reviewer", "--user", "olivia.brandt")
}

// Issue 13 item 9: every line fieldwork prints goes through one sanitizer:
// no escape sequence reaches the terminal, and invisible characters show.
func TestEveryPrintedLineIsSanitized(t *testing.T) {
	const evil = "\x1b[2J\x1b]0;pwned\x07Evil\u202eCorp\u200b\u009b31m"
	dir := t.TempDir()
	path := filepath.Join(dir, "e.fieldwork")
	var all strings.Builder
	runAll := func(args ...string) {
		t.Helper()
		out, errOut, _ := runCLI(t, args...)
		all.WriteString(out + errOut)
	}
	runAll("new", path, "--client", evil, "--system", "S"+evil, "--type", "2", "--from", "2026-01-01", "--to", "2026-12-31")
	runAll("subservice", "add", path, "--name", "Stratus"+evil, "--method", "carve-out", "--services", "hosting"+evil)
	runAll("cuec", "add", path, "--ref", "CUEC-01"+evil, "--text", "Customers"+evil, "--criteria", "CC6.2")
	runAll("team", "add", path, "--name", "Olivia"+evil, "--role", "reviewer")
	runAll("show", path)
	runAll("controls", "import", path, "../../testdata/matrices/clean.csv")
	runAll("signoff", path, "--control", "NL-04", "--as", "preparer", "--user", "maria"+evil)
	runAll("status", filepath.Join(dir, "missing"+evil+".fieldwork"))
	runAll("export", path, "--out", filepath.Join(dir, "x"+evil+".txt"))
	got := all.String()
	for _, bad := range []rune{0x1b, 0x07, 0x9b, '\u202e', '\u200b'} {
		if strings.ContainsRune(got, bad) {
			t.Errorf("%U reached the terminal:\n%q", bad, got)
		}
	}
	if strings.Contains(got, "pwned") && !strings.Contains(got, "⟨U+001B⟩]0;pwned") {
		t.Errorf("an OSC payload reached the terminal as text that can pass for other text:\n%s", got)
	}
	if !strings.Contains(got, "⟨U+202E⟩") || !strings.Contains(got, "⟨U+200B⟩") {
		t.Errorf("the invisible characters are not shown:\n%s", got)
	}
	// JSON keeps the value, escaped.
	out, _, code := runCLI(t, "show", path, "--json")
	var eng struct{ Client string }
	if code != 0 || json.Unmarshal([]byte(out), &eng) != nil || eng.Client != evil {
		t.Fatalf("show --json: %d %q", code, out)
	}
	if strings.ContainsAny(out, "\x1b\u202e\u200b\u009b") {
		t.Fatalf("show --json printed raw controls: %q", out)
	}
}

// Issue 13 item 12: the open command's flags may stand before the file,
// and every noun with subcommands lists them, bare and on --help.
func TestGlobalFlagsAndNouns(t *testing.T) {
	path := newEngagementFile(t)
	for _, args := range [][]string{{"--read-only", path}, {"--theme", "light", path}, {"--no-mouse", "--read-only", path}} {
		_, stderr, code := runCLI(t, args...)
		if strings.Contains(stderr, "unknown command") || !strings.Contains(stderr, "needs a terminal") {
			t.Errorf("%v: exit %d %q", args, code, stderr)
		}
	}
	nouns := map[string]bool{}
	for n := range commands {
		if noun, _, ok := strings.Cut(n, " "); ok {
			nouns[noun] = true
		}
	}
	for noun := range nouns {
		out, _, code := runCLI(t, noun, "--help")
		if code != exitOK || !strings.Contains(out, "the "+noun+" commands are:") {
			t.Errorf("%s --help: exit %d %q", noun, code, out)
		}
		if _, ok := commands[noun]; ok {
			continue // the noun is a command itself: run bare, it does its work
		}
		_, stderr, code := runCLI(t, noun)
		if code != exitUsage || !strings.Contains(stderr, "the "+noun+" commands are:") || strings.Contains(stderr, "unknown command") {
			t.Errorf("%s bare: exit %d %q", noun, code, stderr)
		}
	}
}

// Issue 13 item 7 (part): duplicate headings make --id-column ambiguous:
// refused, not the first one picked silently; the column letter settles it.
func TestDuplicateHeadingsRefusedForIDColumn(t *testing.T) {
	path := newEngagementFile(t)
	mustRun(t, "controls", "import", path, "../../testdata/matrices/clean.csv")
	src := filepath.Join(t.TempDir(), "dup.csv")
	os.WriteFile(src, []byte("Ticket,Opened,Ticket\nT-1,2026-02-01,X-9\nT-2,2026-02-02,X-8\n"), 0o644)
	_, stderr, code := runCLI(t, "population", "import", path, "--control", "NL-04", src, "--id-column", "Ticket")
	if code != exitFail || !strings.Contains(stderr, "ambiguous") || !strings.Contains(stderr, "columns A and C") {
		t.Fatalf("duplicate ID heading: exit %d %q", code, stderr)
	}
	if out := mustRun(t, "population", "import", path, "--control", "NL-04", src, "--id-column", "C"); !strings.Contains(out, "2") {
		t.Fatalf("by letter: %s", out)
	}
}

// Issue 13 items 7 and 7b through the CLI: a column that cannot decide
// day-first or month-first is refused with the flag to give, and nothing is
// stored; --date-format decides; the summary says which reading was used
// and names the rows whose date is unreadable; a ragged CSV is refused.
func TestPopulationDateFormatAndRaggedRows(t *testing.T) {
	path := newEngagementFile(t)
	mustRun(t, "controls", "import", path, "../../testdata/matrices/clean.csv")
	dir := t.TempDir()
	src := filepath.Join(dir, "eu.csv")
	os.WriteFile(src, []byte("Ticket,Opened\nT-1,07/03/2026\nT-2,08/03/2026\nT-3,never\n"), 0o644)
	_, stderr, code := runCLI(t, "population", "import", path, "--control", "NL-04", src, "--id-column", "Ticket", "--date-column", "Opened")
	if code != exitFail || !strings.Contains(stderr, `can be read day-first or month-first ("07/03/2026"; rows 2 and 3)`) ||
		!strings.Contains(stderr, "give --date-format day-first or --date-format month-first") {
		t.Fatalf("ambiguous dates: exit %d %q", code, stderr)
	}
	if _, stderr, code := runCLI(t, "population", "show", path, "--control", "NL-04"); code == 0 || !strings.Contains(stderr, "no population yet") {
		t.Fatalf("a refused import stored a population: %q", stderr)
	}
	if _, stderr, code := runCLI(t, "population", "import", path, "--control", "NL-04", src, "--date-format", "yyyy"); code != exitUsage || !strings.Contains(stderr, `unknown date format "yyyy"`) {
		t.Fatalf("bad --date-format: exit %d %q", code, stderr)
	}
	out := mustRun(t, "population", "import", path, "--control", "NL-04", src, "--id-column", "Ticket", "--date-column", "Opened", "--date-format", "day-first")
	if !strings.Contains(out, "numeric dates read day-first (as --date-format says)") || !strings.Contains(out, "unreadable dates on row 4\n") {
		t.Fatalf("summary: %s", out)
	}
	ragged := filepath.Join(dir, "ragged.csv")
	os.WriteFile(ragged, []byte("Ticket,Opened\nT-1,2026-03-01\nT-2,2026-03-02,oops\n"), 0o644)
	_, stderr, code = runCLI(t, "population", "import", path, "--control", "NL-04", ragged, "--replace", "--reason", "r")
	if code != exitFail || !strings.Contains(stderr, "ragged.csv: row 3 has cells beyond the last of the header's 2 headings") {
		t.Fatalf("ragged: exit %d %q", code, stderr)
	}
	if out := mustRun(t, "population", "show", path, "--control", "NL-04"); !strings.Contains(out, "eu.csv") {
		t.Fatalf("the refused import replaced the population: %s", out)
	}
}

// Issue 13 item 6 with the real binary: Ctrl-C during an XLSX population
// import rolls it back and removes the workbook's temporary folder; a folder
// a killed import left is removed by the next one.
func TestInterruptedXLSXImportLeavesNoTempFiles(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	tmp := filepath.Join(dir, "tmp")
	os.Mkdir(tmp, 0o700)
	wp := filepath.Join(dir, "w.fieldwork")
	runBin(t, bin, "new", wp, "--client", "C", "--system", "S", "--type", "2", "--from", "2026-01-01", "--to", "2026-12-31", "--user", "t")
	m := filepath.Join(dir, "m.csv")
	os.WriteFile(m, []byte("Control ID,Description,Frequency,TSC\nCHG-01,Changes approved,ad hoc,CC8.1\n"), 0o644)
	runBin(t, bin, "controls", "import", wp, m, "--user", "t")
	src := filepath.Join(dir, "pop.xlsx")
	f := excelize.NewFile()
	sw, _ := f.NewStreamWriter("Sheet1")
	sw.SetRow("A1", []any{"Ticket", "Opened", "Title"})
	for i := 1; i <= 150_000; i++ {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		sw.SetRow(cell, []any{fmt.Sprintf("T%07d", i), "2026-03-07", fmt.Sprintf("change %d to the payroll service", i)})
	}
	sw.Flush()
	if err := f.SaveAs(src); err != nil {
		t.Fatal(err)
	}
	f.Close()
	// What a kill -9 leaves: a folder named for a process that has ended.
	gone := exec.Command("true")
	gone.Run()
	stale := filepath.Join(tmp, fmt.Sprintf("fieldwork-xlsx-%d-1", gone.Process.Pid))
	os.Mkdir(stale, 0o700)
	os.WriteFile(filepath.Join(stale, "excelize-1"), make([]byte, 1<<20), 0o600)

	cmd := exec.Command(bin, "population", "import", wp, "--control", "CHG-01", src, "--id-column", "Ticket", "--user", "t")
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		if m, _ := filepath.Glob(filepath.Join(tmp, fmt.Sprintf("fieldwork-xlsx-%d-*", cmd.Process.Pid))); len(m) > 0 {
			break
		}
		if time.Now().After(deadline) {
			kill9(t, cmd)
			t.Fatal("the import never made its temporary folder")
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // into the unpacking and reading
	cmd.Process.Signal(os.Interrupt)
	err := cmd.Wait()
	left, _ := os.ReadDir(tmp)
	if len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	if err == nil {
		t.Skip("the import finished before the interrupt")
	}
	if !strings.Contains(stderr.String(), "population import interrupted: nothing was imported") {
		t.Errorf("stderr = %q", stderr.String())
	}
	if out, _ := exec.Command(bin, "population", "show", wp, "--control", "CHG-01").CombinedOutput(); !strings.Contains(string(out), "no population yet") {
		t.Errorf("an interrupted import stored a population: %s", out)
	}
}
