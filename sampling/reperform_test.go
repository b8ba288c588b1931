package sampling

// The second implementation: docs/reperform.py, plain Python 3, must
// re-perform every golden selection and fresh random draws exactly as this
// package does. It is written from docs/sampling.md alone.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const (
	reperformScript   = "../docs/reperform.py"
	goldenSelections  = "../testdata/sampling/golden-selections.json"
	writeGoldenEnvVar = "FIELDWORK_WRITE_GOLDEN" // set to 1 to (re)write goldenSelections
)

// python3 returns the interpreter, or skips the test when there is none,
// except under CI (CI set), where a missing python3 is a failure.
func python3(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("python3 not found, and CI is set: the Python re-performer (docs/reperform.py) must run on CI")
		}
		t.Skip("python3 not found: skipping the Python re-performer (docs/reperform.py); CI runs it")
	}
	return p
}

// runReperform runs docs/reperform.py on records written to a file and
// returns its output and exit status.
func runReperform(t *testing.T, py string, records []SelectionRecord, extra ...string) (string, int) {
	t.Helper()
	b, err := json.Marshal(records)
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "records.json")
	if err := os.WriteFile(f, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return runPython(t, py, append(extra, f)...)
}

func runPython(t *testing.T, py string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(py, append([]string{reperformScript}, args...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return out.String(), ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return out.String(), 0
}

// goldenRequests are the selections pinned forever (see TestSelectGolden),
// each with the extensions to add.
var goldenRequests = []struct {
	req  Request
	adds []int
}{
	{Request{Method: Random, Population: 100, Size: 10, Seed: 1}, []int{5}},
	{Request{Method: Random, Population: 10_000_000, Size: 25, Seed: 20260101}, nil},
	{Request{Method: Random, Population: 1_000_000_000, Size: 5, Seed: 42}, nil},
	{Request{Method: Random, Population: 5, Size: 5, Seed: 7}, nil},
	{Request{Method: Systematic, Population: 260, Size: 25, Seed: 3}, []int{5}},
	{Request{Method: Systematic, Population: 260, Size: 5, Seed: 3,
		PopulationSHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}, []int{2}},
	{Request{Method: Random, Population: 1 << 40, Size: 8, Seed: 18446744073709551615}, []int{3, 2}},
	{Request{Method: Systematic, Population: 1 << 40, Size: 7, Seed: 0}, []int{4}},
	{Request{Method: Random, Population: 1000, Size: 200, Seed: 5}, []int{150}}, // crosses several re-keys
	{Request{Method: Systematic, Population: 61, Size: 60, Seed: 9}, []int{1}},
	{Request{Method: Random, Population: 1, Size: 1, Seed: 11}, nil},
	{Request{Method: AllItems, Population: 12}, nil},
	{Request{Method: Judgmental, Population: 50, Positions: []int{40, 3, 17}}, nil},
}

func goldenRecords(t *testing.T) []SelectionRecord {
	t.Helper()
	var out []SelectionRecord
	for _, g := range goldenRequests {
		r, err := Select(g.req)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range g.adds {
			if r, err = Extend(r, a); err != nil {
				t.Fatal(err)
			}
		}
		out = append(out, r)
	}
	return out
}

// TestGoldenSelectionsFile: the golden records in testdata re-perform in
// Go, and are what Select and Extend produce today.
func TestGoldenSelectionsFile(t *testing.T) {
	recs := goldenRecords(t)
	if os.Getenv(writeGoldenEnvVar) == "1" {
		// One record a line.
		lines := make([]string, len(recs))
		for i, r := range recs {
			line, _ := json.Marshal(r)
			lines[i] = string(line)
		}
		b := []byte("[\n" + strings.Join(lines, ",\n") + "\n]\n")
		if err := os.WriteFile(goldenSelections, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(goldenSelections)
	if err != nil {
		t.Fatal(err)
	}
	var file []SelectionRecord
	if err := json.Unmarshal(b, &file); err != nil {
		t.Fatal(err)
	}
	if len(file) != len(recs) {
		t.Fatalf("%s holds %d records, want %d", goldenSelections, len(file), len(recs))
	}
	for i, r := range file {
		if d, err := Verify(r); err != nil || len(d) > 0 {
			t.Errorf("golden record %d: %v %v", i, d, err)
		}
		got, _ := json.Marshal(recs[i])
		want, _ := json.Marshal(r)
		if !bytes.Equal(got, want) {
			t.Errorf("golden record %d changed:\n got %s\nwant %s", i, got, want)
		}
	}
}

// TestPythonReperformsGolden: docs/reperform.py re-performs every golden
// selection, and the generator vectors of docs/sampling.md.
func TestPythonReperformsGolden(t *testing.T) {
	py := python3(t)
	out, code := runPython(t, py, "--quiet", goldenSelections)
	if code != 0 {
		t.Fatalf("reperform.py on the golden selections: exit %d\n%s", code, out)
	}
	// The raw stream across two re-keys (outputs 124 and 248 are the first
	// of a new key).
	out, code = runPython(t, py, "--outputs", "1", "260")
	if code != 0 {
		t.Fatalf("--outputs: exit %d\n%s", code, out)
	}
	s := newStream(1)
	for i, line := range strings.Split(strings.TrimSpace(out), "\n") {
		want := fmt.Sprintf("%d %d", i, s.g.Uint64())
		if line != want {
			t.Fatalf("generator output %d: python %q, go %q", i, line, want)
		}
	}
}

// TestPythonReperformsFreshDraws: fresh random selections (seeds from the
// operating system, logged) over populations from 1 to 2^40, every method,
// with extensions, all re-performed by docs/reperform.py; and tampered
// records are caught.
func TestPythonReperformsFreshDraws(t *testing.T) {
	py := python3(t)
	seed := NewSeed()
	t.Logf("test seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 19))
	pops := []int{1, 2, 3, 10, 61, 100, 260, 1 << 20, 1<<32 - 1, 1 << 32, 1<<32 + 1, MaxPopulation - 1, MaxPopulation}
	var recs []SelectionRecord
	for i := range 120 {
		N := pops[i%len(pops)]
		if i >= len(pops) {
			N = 1 + int(rng.Int64N(int64(1)<<(1+rng.IntN(40)))) // log-uniform over 1 … 2^40
		}
		m := []Method{Random, Random, Systematic, Systematic, AllItems, Judgmental}[rng.IntN(6)]
		req := Request{Method: m, Population: N, Seed: rng.Uint64()}
		switch m {
		case AllItems:
			req.Population = min(N, 300)
		case Judgmental:
			for range 1 + rng.IntN(min(N, 5)) {
				p := 1 + rng.IntN(min(N, 1000))
				if !slices.Contains(req.Positions, p) {
					req.Positions = append(req.Positions, p)
				}
			}
		default:
			req.Size = 1 + rng.IntN(min(N, 150))
		}
		r, err := Select(req)
		if err != nil {
			t.Fatalf("%+v: %v", req, err)
		}
		if m == Random || m == Systematic {
			for range rng.IntN(3) {
				if left := N - r.Total(); left > 0 {
					if r, err = Extend(r, 1+rng.IntN(min(left, 40))); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		recs = append(recs, r)
	}
	out, code := runReperform(t, py, recs, "--quiet")
	if code != 0 {
		t.Fatalf("reperform.py on fresh draws (test seed %d): exit %d\n%s", seed, code, out)
	}
	// Tampering is caught: one changed position, one changed extension.
	var bad []SelectionRecord
	for _, r := range recs {
		if (r.Method == Random || r.Method == Systematic) && len(bad) < 2 {
			bad = append(bad, r)
		}
	}
	for i, r := range bad {
		r.Positions = slices.Clone(r.Positions)
		r.Positions[0] = r.Positions[0]%r.Population + 1
		if r.Population == 1 {
			r.Positions[0] = 2
		}
		bad[i] = r
	}
	out, code = runReperform(t, py, bad, "--quiet")
	if code == 0 || strings.Count(out, "positions[0]") < 2 {
		t.Errorf("tampered records: exit %d\n%s", code, out)
	}
	// The wrapper `sample show --json` prints, and --population.
	wrapped, _ := json.Marshal(map[string]any{"control": "CC8.1", "record": recs[5]})
	f := filepath.Join(t.TempDir(), "show.json")
	if err := os.WriteFile(f, wrapped, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, code := runPython(t, py, "--population", strconv.Itoa(recs[5].Population), f); code != 0 || !strings.Contains(out, "ok") {
		t.Errorf("show --json wrapper: exit %d\n%s", code, out)
	}
	if out, code := runPython(t, py, "--population", strconv.Itoa(recs[5].Population+1), f); code != 1 {
		t.Errorf("wrong --population: exit %d\n%s", code, out)
	}
}
