package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fieldwork-audit/fieldwork/model"
)

// TestTwoWritersStress runs two real fieldwork processes at a time against
// one file: two lanes, each a sequence of edits that overlap the other's on
// purpose (the same results, the same exception, review notes numbered from
// one counter, the same notes cleared by both). Every accepted edit must be
// in the file, every refused one reported to its writer with a clear
// message, the file must verify, and nobody may see "database is locked".
func TestTwoWritersStress(t *testing.T) {
	bin := buildBinary(t)
	ctx := context.Background()
	path := teamDemo(t, bin, "shared.fieldwork")

	// Set-up: the sample's items and forty notes both lanes will race to clear.
	w, err := model.Open(path, model.Options{User: "setup", NoSession: true})
	if err != nil {
		t.Fatal(err)
	}
	sel, err := w.Selection(ctx, "CHG-01")
	if err != nil {
		t.Fatal(err)
	}
	var items []int
	for _, it := range sel.Items[:8] {
		items = append(items, it.Position)
	}
	const perLane = 200
	var raceNotes []string
	for k := 0; k < perLane/5; k++ {
		ref, err := w.AddNote(ctx, "engagement", "", fmt.Sprintf("race %d", k), "")
		if err != nil {
			t.Fatal(err)
		}
		raceNotes = append(raceNotes, ref)
	}
	w.Close()

	type run struct {
		lane, i  int
		args     []string
		code     int
		out, err string
		tag      string // the text this edit writes, to find it afterwards
		kind     string
	}
	runCtx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	var mu sync.Mutex
	var runs []run
	start := time.Now()
	var wg sync.WaitGroup
	for lane := 1; lane <= 2; lane++ {
		wg.Add(1)
		go func(lane int) {
			defer wg.Done()
			user := fmt.Sprintf("lane%d", lane)
			for i := 0; i < perLane; i++ {
				tag := fmt.Sprintf("%s-%03d", user, i)
				var args []string
				kind := ""
				switch i % 5 {
				case 0: // both lanes set results on the same eight items
					kind = "result"
					args = []string{"result", "set", path, "--reopen", "--control", "CHG-01", "--item", fmt.Sprint(items[i/5%8]), "--attribute", "A", "--pass", "--note", tag}
				case 1: // both lanes edit the same exception
					kind = "exception"
					args = []string{"exception", "update", path, "--ref", "EX-01", "--reopen", "--cause", tag}
				case 2: // both lanes open review notes, numbered from one sequence
					kind = "note"
					args = []string{"note", "add", path, "--control", "CHG-01", "--text", tag}
				case 3: // both lanes clear the same note: one of them must be refused
					kind = "clear"
					args = []string{"note", "clear", path, "--ref", raceNotes[i/5]}
				case 4:
					kind = "result"
					args = []string{"result", "set", path, "--reopen", "--control", "CHG-01", "--item", fmt.Sprint(items[(i/5+3)%8]), "--attribute", "B", "--deviation", "--note", tag}
				}
				args = append(args, "--user", user)
				cmd := exec.CommandContext(runCtx, bin, args...)
				var so, se bytes.Buffer
				cmd.Stdout, cmd.Stderr = &so, &se
				err := cmd.Run()
				code := 0
				var ee *exec.ExitError
				if errors.As(err, &ee) {
					code = ee.ExitCode()
				} else if err != nil {
					code = -1
				}
				mu.Lock()
				runs = append(runs, run{lane: lane, i: i, args: args, code: code, out: so.String(), err: se.String(), tag: tag, kind: kind})
				mu.Unlock()
				if runCtx.Err() != nil {
					return
				}
			}
		}(lane)
	}
	wg.Wait()
	elapsed := time.Since(start)
	if runCtx.Err() != nil {
		t.Fatalf("the lanes did not finish in time (%d edits in %s)", len(runs), elapsed)
	}

	// Read the outcome.
	r, err := model.Open(path, model.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	trail, err := r.Trail(ctx, model.TrailFilter{})
	if err != nil {
		t.Fatal(err)
	}
	written := map[string]bool{} // tags in the trail
	for _, c := range trail {
		if c.New != nil {
			written[*c.New] = true
		}
		for _, v := range c.Values {
			written[v.Value] = true
		}
		for _, f := range c.Fields {
			if f.New != nil {
				written[*f.New] = true
			}
		}
	}
	notes, err := r.Notes(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	clearedBy := map[string]string{}
	refs := map[string]bool{}
	for _, n := range notes {
		if refs[n.Ref] {
			t.Fatalf("note reference %s given twice", n.Ref)
		}
		refs[n.Ref] = true
		if n.State == model.NoteCleared {
			clearedBy[n.Ref] = n.ClearedBy
		}
	}
	accepted, refused := 0, 0
	clearWins := map[string][]string{}
	for _, x := range runs {
		noLocked(t, x.out, x.err)
		if x.code == 0 {
			accepted++
			switch x.kind {
			case "result", "exception", "note":
				if !written[x.tag] {
					t.Errorf("accepted edit %v is not in the file", x.args)
				}
			case "clear":
				ref := x.args[4]
				clearWins[ref] = append(clearWins[ref], fmt.Sprintf("lane%d", x.lane))
			}
			continue
		}
		refused++
		// The only edits that may be refused are the second clears of a note.
		msg := strings.TrimSpace(x.err)
		if x.code != exitFail || x.kind != "clear" || !strings.Contains(msg, "already cleared") || strings.Count(msg, "\n") != 0 ||
			!strings.HasPrefix(msg, "fieldwork note clear: ") {
			t.Errorf("edit %v refused unexpectedly: exit %d, %q", x.args, x.code, msg)
		}
		if written[x.tag] {
			t.Errorf("refused edit %v is in the file", x.args)
		}
	}
	for _, ref := range raceNotes {
		if len(clearWins[ref]) != 1 || clearedBy[ref] != clearWins[ref][0] {
			t.Errorf("note %s: cleared by %v, recorded %q", ref, clearWins[ref], clearedBy[ref])
		}
	}
	if out, err := exec.Command(bin, "verify", path).CombinedOutput(); err != nil {
		t.Fatalf("verify: %v %s", err, out)
	}
	t.Logf("%d edits by two processes at a time in %s (%.0f/s): %d accepted, %d refused (a note already cleared)",
		len(runs), elapsed.Round(time.Millisecond), float64(len(runs))/elapsed.Seconds(), accepted, refused)
}
