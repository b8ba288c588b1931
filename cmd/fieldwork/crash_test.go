package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/fieldwork-audit/fieldwork/model"
)

// TestImportKilledMidway kills a real import with SIGKILL while it writes
// and checks that the reopened workpaper is valid and has no trace of it.
func TestImportKilledMidway(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	wp := filepath.Join(dir, "w.fieldwork")
	run := func(args ...string) {
		t.Helper()
		if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	run("new", wp, "--client", "C", "--system", "S", "--type", "2", "--from", "2026-01-01", "--to", "2026-12-31", "--user", "t")
	m := filepath.Join(dir, "m.csv")
	os.WriteFile(m, []byte("Control ID,Description,Frequency,TSC\nCHG-01,Changes approved,ad hoc,CC8.1\n"), 0o644)
	run("controls", "import", wp, m, "--user", "t")

	src := filepath.Join(dir, "pop.csv")
	f, _ := os.Create(src)
	bw := bufio.NewWriter(f)
	fmt.Fprintln(bw, "Ticket,Opened,Title")
	for i := 0; i < 600000; i++ {
		fmt.Fprintf(bw, "T%07d,2026-03-%02d,change %d\n", i, i%28+1, i)
	}
	bw.Flush()
	f.Close()

	cmd := exec.Command(bin, "population", "import", wp, "--control", "CHG-01", src, "--id-column", "Ticket", "--user", "t")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until the import has spilled pages into the workpaper itself (the
	// file grew) while its transaction is open, then kill it.
	st, _ := os.Stat(wp)
	before := st.Size()
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, jerr := os.Stat(wp + "-journal")
		st, _ := os.Stat(wp)
		if jerr == nil && st.Size() > before+4<<20 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("the import never spilled into the file")
		}
		time.Sleep(2 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if _, err := os.Stat(wp + "-journal"); err != nil {
		t.Skip("the import finished before it could be killed")
	}

	// Opening rolls the hot journal back.
	w, err := model.Open(wp, model.Options{User: "t"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ctx := context.Background()
	if p, err := w.CurrentPopulation(ctx, "CHG-01"); err != nil || p != nil {
		t.Fatalf("population after the kill: %+v, %v", p, err)
	}
	r, err := w.Verify(ctx)
	if err != nil || !r.OK {
		t.Fatalf("verify after the kill: %+v, %v", r, err)
	}
	// And the import can be run again; no journal is left after it.
	if _, err := w.ImportPopulation(ctx, model.PopulationImport{ControlRef: "CHG-01", Path: src, IDColumn: "Ticket"}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(wp + "-journal"); err == nil {
		t.Fatal("a journal is left beside the workpaper after a committed import")
	}
}
