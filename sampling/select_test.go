package sampling

import (
	"encoding/json"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// TestSelectGolden pins selections forever. If this test fails, the
// selection procedure changed and every recorded selection made with
// "fieldwork-select/1" would no longer re-perform: bump the algorithm
// version instead of editing these numbers.
func TestSelectGolden(t *testing.T) {
	for _, c := range []struct {
		req  Request
		want []int
	}{
		{Request{Method: Random, Population: 100, Size: 10, Seed: 1},
			[]int{83, 3, 100, 95, 49, 52, 55, 90, 19, 96}},
		{Request{Method: Random, Population: 10_000_000, Size: 25, Seed: 20260101},
			[]int{2986109, 6801192, 7540138, 7843388, 2036668, 8347648, 1527611, 1442859, 7134992, 9928747,
				7209406, 2106589, 5274181, 5968210, 6786411, 7387757, 9517106, 3416367, 4953254, 9399291,
				8581463, 2069167, 2582933, 6171402, 3089255}},
		{Request{Method: Random, Population: 1_000_000_000, Size: 5, Seed: 42},
			[]int{252295203, 159050671, 264847974, 972739003, 266969078}},
		{Request{Method: Random, Population: 5, Size: 5, Seed: 7},
			[]int{2, 1, 4, 3, 5}},
		{Request{Method: Systematic, Population: 260, Size: 25, Seed: 3},
			[]int{195, 205, 215, 225, 235, 245, 255, 5, 15, 25, 35, 45, 55, 65, 75, 85, 95, 105, 115, 125, 135, 145, 155, 165, 175}},
	} {
		r, err := Select(c.req)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(r.Positions, c.want) {
			t.Errorf("%+v:\n got %v\nwant %v", c.req, r.Positions, c.want)
		}
	}
	r, _ := Select(Request{Method: Systematic, Population: 260, Size: 25, Seed: 3})
	if r.Start != 195 || r.Interval != 10 {
		t.Errorf("systematic start %d interval %d", r.Start, r.Interval)
	}
	r, _ = Select(Request{Method: Random, Population: 100, Size: 10, Seed: 1})
	r, err := Extend(r, 5)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Extensions[0].Positions; !slices.Equal(got, []int{17, 61, 63, 46, 53}) {
		t.Errorf("random extension %v", got)
	}
	r, _ = Select(Request{Method: Systematic, Population: 260, Size: 25, Seed: 3})
	r, err = Extend(r, 5)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Extensions[0].Positions; !slices.Equal(got, []int{58, 250, 213, 196, 81}) {
		t.Errorf("systematic extension %v", got)
	}
	// The raw generator stream for seed 1: ChaCha8 keyed with the seed's
	// 8 little-endian bytes and 24 zero bytes.
	s := newStream(1)
	for i, want := range []uint64{2011346856662591082, 5175355758766438510, 3776401488151635419} {
		if got := s.g.Uint64(); got != want {
			t.Errorf("raw output %d: %d, want %d", i, got, want)
		}
	}
}

// denseDraw is the textbook Fisher–Yates over a full array, with the same
// generator and mapping: the sparse version must agree with it.
func denseDraw(seed uint64, N, n int) []int {
	s := newStream(seed)
	a := make([]int, N)
	for i := range a {
		a[i] = i + 1
	}
	out := make([]int, n)
	for i := range out {
		j := i + int(s.below(uint64(N-i)))
		out[i] = a[j]
		a[i], a[j] = a[j], a[i]
	}
	return out
}

func TestSparseMatchesDense(t *testing.T) {
	for seed := uint64(0); seed < 50; seed++ {
		for _, c := range [][2]int{{1, 1}, {2, 1}, {10, 10}, {100, 7}, {1000, 999}, {5000, 60}} {
			r, err := Select(Request{Method: Random, Population: c[0], Size: c[1], Seed: seed})
			if err != nil {
				t.Fatal(err)
			}
			if want := denseDraw(seed, c[0], c[1]); !slices.Equal(r.Positions, want) {
				t.Fatalf("seed %d N %d n %d: sparse %v dense %v", seed, c[0], c[1], r.Positions, want)
			}
		}
	}
}

// TestExtendIsPrefix: extending a random selection gives the same items
// as selecting n + add at once.
func TestExtendIsPrefix(t *testing.T) {
	r, err := Select(Request{Method: Random, Population: 1000, Size: 25, Seed: 99})
	if err != nil {
		t.Fatal(err)
	}
	if r, err = Extend(r, 10); err != nil {
		t.Fatal(err)
	}
	if r, err = Extend(r, 5); err != nil {
		t.Fatal(err)
	}
	whole, _ := Select(Request{Method: Random, Population: 1000, Size: 40, Seed: 99})
	if !slices.Equal(r.Selected(), whole.Positions) || r.Total() != 40 {
		t.Errorf("extended %v\nwhole %v", r.Selected(), whole.Positions)
	}
	if len(r.Positions) != 25 || len(r.Extensions) != 2 || r.Extensions[1].Added != 5 {
		t.Errorf("record %+v", r)
	}
}

func TestExtendExhaustsPopulation(t *testing.T) {
	for _, m := range []Method{Random, Systematic} {
		r, err := Select(Request{Method: m, Population: 30, Size: 7, Seed: 5})
		if err != nil {
			t.Fatal(err)
		}
		for r.Total() < 30 {
			if r, err = Extend(r, min(4, 30-r.Total())); err != nil {
				t.Fatal(m, err)
			}
		}
		all := sortedCopy(r.Selected())
		for i, p := range all {
			if p != i+1 {
				t.Fatalf("%s: not a permutation: %v", m, all)
			}
		}
		if _, err := Extend(r, 1); err == nil {
			t.Errorf("%s: extended beyond the population", m)
		}
		if d, err := Verify(r); err != nil || len(d) != 0 {
			t.Errorf("%s: verify %v %v", m, d, err)
		}
	}
}

func TestSystematic(t *testing.T) {
	for _, c := range [][2]int{{260, 25}, {100, 10}, {7, 3}, {1_000_000_000, 200}, {10, 10}, {11, 1}} {
		for seed := uint64(0); seed < 20; seed++ {
			r, err := Select(Request{Method: Systematic, Population: c[0], Size: c[1], Seed: seed})
			if err != nil {
				t.Fatal(err)
			}
			if r.Interval != c[0]/c[1] || r.Start < 1 || r.Start > c[0] || r.Positions[0] != r.Start {
				t.Fatalf("%v: %+v", c, r)
			}
			checkSelection(t, r)
			for i := 1; i < len(r.Positions); i++ {
				if d := (r.Positions[i] - r.Positions[i-1] + c[0]) % c[0]; d != r.Interval {
					t.Fatalf("%v: step %d", c, d)
				}
			}
		}
	}
}

// checkSelection checks the invariants of any record.
func checkSelection(t *testing.T, r SelectionRecord) {
	t.Helper()
	all := r.Selected()
	seen := map[int]bool{}
	for _, p := range all {
		if p < 1 || p > r.Population || seen[p] {
			t.Fatalf("bad position %d in %+v", p, r)
		}
		seen[p] = true
	}
	if len(r.Positions) != r.Size || !slices.IsSorted(r.Sorted) || !slices.Equal(r.Sorted, sortedCopy(r.Positions)) {
		t.Fatalf("record inconsistent: %+v", r)
	}
	for _, x := range r.Extensions {
		if len(x.Positions) != x.Added || !slices.Equal(x.Sorted, sortedCopy(x.Positions)) {
			t.Fatalf("extension inconsistent: %+v", x)
		}
	}
}

func TestAllAndJudgmental(t *testing.T) {
	r, err := Select(Request{Method: AllItems, Population: 12})
	if err != nil || r.Size != 12 || r.Positions[11] != 12 || r.Algorithm != AlgorithmAll {
		t.Fatalf("all: %+v %v", r, err)
	}
	if _, err := Extend(r, 1); err == nil {
		t.Error("extended an all-items selection")
	}
	r, err = Select(Request{Method: Judgmental, Population: 50, Positions: []int{40, 3, 17}})
	if err != nil || !slices.Equal(r.Positions, []int{40, 3, 17}) || !slices.Equal(r.Sorted, []int{3, 17, 40}) || r.Size != 3 {
		t.Fatalf("judgmental: %+v %v", r, err)
	}
	if d, err := Verify(r); err != nil || len(d) > 0 {
		t.Errorf("verify judgmental: %v %v", d, err)
	}
	for _, pos := range [][]int{nil, {0}, {51}, {3, 3}, {-1}} {
		if _, err := Select(Request{Method: Judgmental, Population: 50, Positions: pos}); err == nil {
			t.Errorf("judgmental %v accepted", pos)
		}
	}
}

func TestSelectErrors(t *testing.T) {
	for _, req := range []Request{
		{Method: Random, Population: 0, Size: 1},
		{Method: Random, Population: 10, Size: 0},
		{Method: Random, Population: 10, Size: 11},
		{Method: Systematic, Population: 10, Size: -1},
		{Method: AllItems, Population: MaxSelection + 1},
		{Method: "stratified", Population: 10, Size: 1},
		{Method: Random, Population: 10, Size: 1, PopulationSHA256: "abc"},
		{Method: Random, Population: MaxPopulation + 1, Size: 1},
	} {
		if _, err := Select(req); err == nil {
			t.Errorf("%+v accepted", req)
		}
	}
	sha := strings.Repeat("AB", 32)
	r, err := Select(Request{Method: Random, Population: 10, Size: 1, PopulationSHA256: sha})
	if err != nil || r.PopulationSHA256 != strings.ToLower(sha) {
		t.Errorf("sha: %q %v", r.PopulationSHA256, err)
	}
}

func TestVerifyReportsDifferences(t *testing.T) {
	r, err := Select(Request{Method: Random, Population: 1000, Size: 10, Seed: 12345})
	if err != nil {
		t.Fatal(err)
	}
	r, _ = Extend(r, 3)
	if d, err := Verify(r); err != nil || len(d) != 0 {
		t.Fatalf("clean record: %v %v", d, err)
	}
	// Round trip through JSON keeps it verifiable.
	b, _ := json.Marshal(r)
	var back SelectionRecord
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if d, err := Verify(back); err != nil || len(d) != 0 {
		t.Fatalf("after JSON: %v %v", d, err)
	}

	tampered := r
	tampered.Positions = slices.Clone(r.Positions)
	tampered.Positions[3] = 999
	d, err := Verify(tampered)
	if err != nil || len(d) != 1 || d[0].Field != "positions" || d[0].Index != 3 || d[0].Recorded != "999" {
		t.Errorf("tampered position: %v %v", d, err)
	}
	if _, err := Extend(tampered, 1); err == nil {
		t.Error("extended a record that does not verify")
	}

	tampered = r
	tampered.Seed++
	if d, _ := Verify(tampered); len(d) == 0 {
		t.Error("wrong seed not noticed")
	}

	tampered = r
	tampered.Extensions = slices.Clone(r.Extensions)
	tampered.Extensions[0].Sorted = []int{1, 2, 3}
	d, _ = Verify(tampered)
	if len(d) == 0 || !strings.HasPrefix(d[0].Field, "extensions[0].sorted") {
		t.Errorf("tampered extension: %v", d)
	}

	tampered = r
	tampered.Algorithm = "fieldwork-select/2 chacha8 sparse-fisher-yates"
	if _, err := Verify(tampered); err == nil {
		t.Error("unknown algorithm version accepted")
	}

	s, _ := Select(Request{Method: Systematic, Population: 100, Size: 10, Seed: 1})
	s.Start++
	if d, _ := Verify(s); len(d) == 0 || d[0].Field != "start" {
		t.Errorf("systematic start: %v", d)
	}
	if got := (Discrepancy{Field: "positions", Index: 3, Recorded: "999", Redrawn: "17"}).String(); got != "positions[3]: recorded 999, re-performed 17" {
		t.Errorf("String: %q", got)
	}
}

func TestRecordJSON(t *testing.T) {
	r, _ := Select(Request{Method: Systematic, Population: 100, Size: 4, Seed: 18446744073709551615,
		PopulationSHA256: strings.Repeat("0f", 32)})
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"method":"systematic"`, `"algorithm":"fieldwork-select/1 chacha8 circular-systematic"`,
		`"seed":"18446744073709551615"`, `"population":100`, `"size":4`, `"population_sha256":"0f0f`,
		`"interval":25`, `"start":`, `"positions":[`, `"sorted":[`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("%s lacks %s", b, want)
		}
	}
}

// TestSelectMemory: drawing a few items from a huge population costs
// memory in proportion to the sample, not the population.
func TestSelectMemory(t *testing.T) {
	for _, N := range []int{10_000_000, 1_000_000_000} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		r, err := Select(Request{Method: Random, Population: N, Size: 25, Seed: 1})
		runtime.ReadMemStats(&after)
		if err != nil {
			t.Fatal(err)
		}
		used := after.TotalAlloc - before.TotalAlloc
		if used > 64<<10 {
			t.Errorf("N=%d: %d bytes allocated", N, used)
		}
		checkSelection(t, r)
		allocs := testing.AllocsPerRun(10, func() {
			Select(Request{Method: Random, Population: N, Size: 25, Seed: 1})
		})
		if allocs > 20 {
			t.Errorf("N=%d: %v allocations", N, allocs)
		}
		t.Logf("N=%d, n=25: %d bytes, %v allocations", N, used, allocs)
	}
}

// TestBelowUniform checks the rejection mapping on a small range: every
// value appears, at about the right frequency.
func TestBelowUniform(t *testing.T) {
	s := newStream(2026)
	const m, draws = 7, 70_000
	var count [m]int
	for range draws {
		count[s.below(m)]++
	}
	for v, c := range count {
		if c < draws/m-600 || c > draws/m+600 {
			t.Errorf("value %d drawn %d times of %d", v, c, draws)
		}
	}
	// m = 1 never consumes more than one draw and is always 0.
	if s.below(1) != 0 {
		t.Error("below(1) != 0")
	}
	// Large m near 2^64 still works (rejection threshold near 2^63).
	big := uint64(1)<<63 + 1
	for range 100 {
		if s.below(big) >= big {
			t.Fatal("out of range")
		}
	}
}

func TestNewSeed(t *testing.T) {
	if NewSeed() == NewSeed() && NewSeed() == NewSeed() {
		t.Error("NewSeed repeats")
	}
}

// FuzzDraw checks the invariants of every selection method and of
// extension and verification on arbitrary parameters.
func FuzzDraw(f *testing.F) {
	f.Add(uint64(1), 100, 10, 0, 5)
	f.Add(uint64(0), 1, 1, 1, 0)
	f.Add(uint64(1<<63), 1_000_000_000, 25, 0, 3)
	f.Add(uint64(7), 37, 37, 1, 0)
	f.Add(uint64(9), 1000, 999, 1, 1)
	f.Fuzz(func(t *testing.T, seed uint64, N, n, method, add int) {
		if N < 1 || N > MaxPopulation || n < 1 || n > N || n > 5000 {
			return
		}
		m := []Method{Random, Systematic}[(method%2+2)%2]
		r, err := Select(Request{Method: m, Population: N, Size: n, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		checkSelection(t, r)
		if m == Random && N <= 5000 {
			if want := denseDraw(seed, N, n); !slices.Equal(r.Positions, want) {
				t.Fatalf("sparse %v dense %v", r.Positions, want)
			}
		}
		if d, err := Verify(r); err != nil || len(d) != 0 {
			t.Fatalf("verify: %v %v", d, err)
		}
		add = add % 100
		if add < 1 || n+add > N {
			return
		}
		x, err := Extend(r, add)
		if err != nil {
			t.Fatal(err)
		}
		checkSelection(t, x)
		if !slices.Equal(x.Positions, r.Positions) || x.Total() != n+add {
			t.Fatal("extension changed the initial selection")
		}
		if d, err := Verify(x); err != nil || len(d) != 0 {
			t.Fatalf("verify extended: %v %v", d, err)
		}
		if m == Random {
			whole, _ := Select(Request{Method: Random, Population: N, Size: n + add, Seed: seed})
			if !slices.Equal(x.Selected(), whole.Positions) {
				t.Fatal("random extension is not the continued draw")
			}
		}
	})
}

// FuzzJudgmental checks that validated picks are recorded as given.
func FuzzJudgmental(f *testing.F) {
	f.Add(10, []byte{1, 2, 3})
	f.Add(3, []byte{3, 3})
	f.Fuzz(func(t *testing.T, N int, picks []byte) {
		pos := make([]int, len(picks))
		for i, b := range picks {
			pos[i] = int(b)
		}
		r, err := Select(Request{Method: Judgmental, Population: N, Positions: pos})
		if err != nil {
			return
		}
		checkSelection(t, r)
		if !slices.Equal(r.Positions, pos) {
			t.Fatal("picks not recorded as given")
		}
	})
}

// TestGeneratorVectors pins the ChaCha8Rand outputs docs/sampling.md
// lists, across the re-keys after outputs 123 and 247.
func TestGeneratorVectors(t *testing.T) {
	for _, c := range []struct {
		seed uint64
		want map[int]uint64
	}{
		{1, map[int]uint64{0: 2011346856662591082, 1: 5175355758766438510, 2: 3776401488151635419, 3: 15945633459192447282,
			122: 15890824275123858897, 123: 8488102963810376302, 124: 12595171860794682014, 125: 11145846602186988634,
			126: 15804816003092492954, 247: 5593055528145494071, 248: 4878980292839540519, 249: 3060659874883382321}},
		{0, map[int]uint64{0: 12432809566553409497, 1: 7766219816435805978}},
		{18446744073709551615, map[int]uint64{0: 6247042210286588002, 1: 18185953650409498548, 124: 9138789686557091321}},
	} {
		s := newStream(c.seed)
		for i := 0; i < 250; i++ {
			x := s.g.Uint64()
			if w, ok := c.want[i]; ok && x != w {
				t.Errorf("seed %d output %d: %d, want %d", c.seed, i, x, w)
			}
		}
	}
}
