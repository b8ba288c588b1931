package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
