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
