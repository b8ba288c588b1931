package sampling

import (
	crand "crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
)

// Method is how a sample is selected from the population.
type Method string

const (
	// Random is simple random selection without replacement.
	Random Method = "random"
	// Systematic takes every interval-th item from a random start,
	// wrapping around the end of the population.
	Systematic Method = "systematic"
	// AllItems tests the whole population.
	AllItems Method = "all"
	// Judgmental records items the auditor picked (haphazard or targeted);
	// nothing is drawn.
	Judgmental Method = "judgmental"
)

// ParseMethod reads a selection method name.
func ParseMethod(s string) (Method, error) {
	switch m := Method(strings.ToLower(strings.TrimSpace(s))); m {
	case Random, Systematic, AllItems, Judgmental:
		return m, nil
	case "all-items", "all items", "every":
		return AllItems, nil
	case "haphazard", "judgment", "judgement", "judgemental":
		return Judgmental, nil
	}
	return "", fmt.Errorf("unknown selection method %q (use random, systematic, all or judgmental)", s)
}

// The algorithm strings recorded with each selection. The version ("/1")
// changes whenever any step below would select differently, so that a
// record always names the procedure that re-performs it.
const (
	AlgorithmRandom     = "fieldwork-select/1 chacha8 sparse-fisher-yates"
	AlgorithmSystematic = "fieldwork-select/1 chacha8 circular-systematic"
	AlgorithmAll        = "fieldwork-select/1 all"
	AlgorithmJudgmental = "fieldwork-select/1 judgmental"
)

func algorithmFor(m Method) string {
	switch m {
	case Random:
		return AlgorithmRandom
	case Systematic:
		return AlgorithmSystematic
	case AllItems:
		return AlgorithmAll
	case Judgmental:
		return AlgorithmJudgmental
	}
	return ""
}

// MaxSelection bounds the number of items one selection holds (and the
// population of an all-items selection, which lists every position).
// Populations for random and systematic selection may be far larger: a
// draw costs memory in proportion to the sample, never the population.
const MaxSelection = 1_000_000

// SelectionRecord is everything needed to re-perform a selection exactly
// and to show a reviewer what was selected. Positions are 1-based indices
// into the population in its imported order.
type SelectionRecord struct {
	Method    Method `json:"method"`
	Algorithm string `json:"algorithm"`
	// Seed is the generator seed (random and systematic). It is a JSON
	// string so that no consumer rounds it to a float.
	Seed uint64 `json:"seed,string"`
	// Population is N, the number of items in the population.
	Population int `json:"population"`
	// Size is n, the number of items in the initial selection.
	Size int `json:"size"`
	// PopulationSHA256 is the caller's fingerprint of the population file
	// (lower-case hex). It is recorded, not checked: the caller compares it
	// with the file before re-performing.
	PopulationSHA256 string `json:"population_sha256,omitempty"`
	// Interval and Start are the systematic selection's interval and
	// random start (1-based).
	Interval int `json:"interval,omitempty"`
	Start    int `json:"start,omitempty"`
	// Positions are the selected items in draw order; Sorted ascending.
	Positions []int `json:"positions"`
	Sorted    []int `json:"sorted"`
	// Extensions are items added later, in order, each drawn from the
	// items not yet selected.
	Extensions []Extension `json:"extensions,omitempty"`
}

// Extension is one addition to a sample, typically after a deviation.
type Extension struct {
	// Added is the number of items added.
	Added int `json:"added"`
	// Positions are the added items in draw order; Sorted ascending.
	Positions []int `json:"positions"`
	Sorted    []int `json:"sorted"`
}

// Selected returns every selected position, the initial selection first
// and then each extension, in draw order.
func (r SelectionRecord) Selected() []int {
	out := slices.Clone(r.Positions)
	for _, x := range r.Extensions {
		out = append(out, x.Positions...)
	}
	return out
}

// Total returns the number of items selected including extensions.
func (r SelectionRecord) Total() int {
	n := len(r.Positions)
	for _, x := range r.Extensions {
		n += len(x.Positions)
	}
	return n
}

// Request asks for a selection.
type Request struct {
	Method Method
	// Population is N; Size is n (ignored for AllItems and Judgmental).
	Population int
	Size       int
	// Seed seeds random and systematic selection; see NewSeed.
	Seed uint64
	// PopulationSHA256 is recorded in the record (hex, 64 digits, or empty).
	PopulationSHA256 string
	// Positions are the auditor's picks for Judgmental, in the order picked.
	Positions []int
}

// NewSeed returns a fresh seed from the operating system's cryptographic
// random source. The caller shows it and stores it in the record: the
// seed, not the moment, makes a selection reproducible.
func NewSeed() uint64 {
	var b [8]byte
	_, _ = crand.Read(b[:]) // crypto/rand.Read never fails (it crashes instead)
	return binary.LittleEndian.Uint64(b[:])
}

// Select performs a selection and returns its record.
//
// Random and systematic selection use math/rand/v2's ChaCha8 generator
// (the chacha8rand algorithm, c2sp.org/chacha8rand) keyed with the seed as
// 8 little-endian bytes followed by 24 zero bytes, and read only its raw
// 64-bit outputs (Uint64), mapped to a range by fieldwork's own rejection
// rule (see below), so the selection depends on nothing Go may change.
// The package documentation states each procedure step by step.
func Select(req Request) (SelectionRecord, error) {
	m, err := ParseMethod(string(req.Method))
	if err != nil {
		return SelectionRecord{}, err
	}
	N := req.Population
	if N < 1 || N > MaxPopulation {
		return SelectionRecord{}, fmt.Errorf("population %d must be between 1 and %d", N, MaxPopulation)
	}
	sha, err := normalizeSHA256(req.PopulationSHA256)
	if err != nil {
		return SelectionRecord{}, err
	}
	rec := SelectionRecord{Method: m, Algorithm: algorithmFor(m), Population: N, PopulationSHA256: sha}
	switch m {
	case Random, Systematic:
		n := req.Size
		if n < 1 {
			return SelectionRecord{}, fmt.Errorf("sample size %d must be at least 1", n)
		}
		if n > N {
			return SelectionRecord{}, fmt.Errorf("sample size %d exceeds the population %d (select all items instead)", n, N)
		}
		if n > MaxSelection {
			return SelectionRecord{}, fmt.Errorf("sample size %d exceeds the limit of %d", n, MaxSelection)
		}
		rec.Seed, rec.Size = req.Seed, n
		if m == Random {
			rec.Positions, _ = drawRandom(req.Seed, N, n)
		} else {
			rec.Interval, rec.Start, rec.Positions = drawSystematic(req.Seed, N, n)
		}
	case AllItems:
		if N > MaxSelection {
			return SelectionRecord{}, fmt.Errorf("population %d too large to list every item (limit %d)", N, MaxSelection)
		}
		rec.Size = N
		rec.Positions = make([]int, N)
		for i := range rec.Positions {
			rec.Positions[i] = i + 1
		}
	case Judgmental:
		if err := checkPositions(req.Positions, N, nil); err != nil {
			return SelectionRecord{}, err
		}
		rec.Size = len(req.Positions)
		rec.Positions = slices.Clone(req.Positions)
	}
	rec.Sorted = sortedCopy(rec.Positions)
	return rec, nil
}

// checkPositions validates judgmental picks: at least one, each in [1, N],
// no duplicates, none already in taken (sorted).
func checkPositions(pos []int, N int, taken []int) error {
	if len(pos) == 0 {
		return errors.New("no positions picked")
	}
	if len(pos) > MaxSelection {
		return fmt.Errorf("%d positions exceed the limit of %d", len(pos), MaxSelection)
	}
	seen := make(map[int]bool, len(pos))
	for _, p := range pos {
		if p < 1 || p > N {
			return fmt.Errorf("position %d is outside the population 1–%d", p, N)
		}
		if seen[p] {
			return fmt.Errorf("position %d picked twice", p)
		}
		if _, found := slices.BinarySearch(taken, p); found {
			return fmt.Errorf("position %d is already selected", p)
		}
		seen[p] = true
	}
	return nil
}

func normalizeSHA256(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return "", nil
	}
	if b, err := hex.DecodeString(s); err != nil || len(b) != 32 {
		return "", fmt.Errorf("population fingerprint %q is not a SHA-256 in hex (64 digits)", s)
	}
	return s, nil
}

func sortedCopy(p []int) []int {
	s := slices.Clone(p)
	slices.Sort(s)
	return s
}

// stream is the generator: ChaCha8 keyed by the seed, read 64 bits at a time.
type stream struct{ g *rand.ChaCha8 }

func newStream(seed uint64) stream {
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:8], seed)
	return stream{rand.NewChaCha8(key)}
}

// below returns a uniform integer in [0, m), m ≥ 1, by rejection: draw a
// 64-bit x; if x < 2^64 mod m draw again, else return x mod m. The
// accepted values are a whole number of copies of [0, m), so every result
// is equally likely; at most one draw in two is rejected and, for m far
// below 2^64, practically none.
func (s stream) below(m uint64) uint64 {
	threshold := -m % m // 2^64 mod m
	for {
		if x := s.g.Uint64(); x >= threshold {
			return x % m
		}
	}
}

// shuffler is a sparse Fisher–Yates shuffle of the virtual array
// a[i] = i+1, i in [0, N): only the entries moved are stored, so memory
// grows with the number of draws, never with N.
type shuffler struct {
	s     stream
	N     int
	i     int         // next index to fill
	moved map[int]int // a[j] for the j whose value differs from j+1
}

func newShuffler(seed uint64, N, hint int) *shuffler {
	return &shuffler{s: newStream(seed), N: N, moved: make(map[int]int, hint)}
}

// next draws the next item: j = i + below(N − i); take a[j]; a[j] = a[i].
func (f *shuffler) next() int {
	i := f.i
	j := i + int(f.s.below(uint64(f.N-i)))
	vj, ok := f.moved[j]
	if !ok {
		vj = j + 1
	}
	if j != i {
		vi, ok := f.moved[i]
		if !ok {
			vi = i + 1
		}
		f.moved[j] = vi
	}
	delete(f.moved, i) // index i is never looked at again
	f.i++
	return vj
}

func drawRandom(seed uint64, N, n int) ([]int, *shuffler) {
	f := newShuffler(seed, N, n)
	out := make([]int, n)
	for k := range out {
		out[k] = f.next()
	}
	return out, f
}

// drawSystematic: interval k = floor(N/n), start s = 1 + below(N), and
// positions ((s − 1 + i·k) mod N) + 1 for i = 0 … n−1. Every item has the
// same chance n/N of selection, including the last N − n·k items that a
// start within the first interval could never reach.
func drawSystematic(seed uint64, N, n int) (interval, start int, pos []int) {
	s := newStream(seed)
	interval = N / n
	start = 1 + int(s.below(uint64(N)))
	pos = make([]int, n)
	for i := range pos {
		pos[i] = int((uint64(start-1)+uint64(i)*uint64(interval))%uint64(N)) + 1
	}
	return interval, start, pos
}

// Extend adds add items to a random or systematic selection, drawn from
// the items not yet selected, and returns the record with the extension
// appended. Nothing already selected is replaced. The record is first
// re-performed (see Verify) and must match.
//
// The draw continues the record's own generator stream, so it needs
// nothing but the record: for a random selection the sparse Fisher–Yates
// shuffle simply continues, and the extended sample is exactly the first
// n + add items of a random selection of n + add with the same seed. For a
// systematic selection the stream continues after the start, and each
// extension is a sparse Fisher–Yates selection over the items not yet
// selected, taken in ascending order of position.
func Extend(r SelectionRecord, add int) (SelectionRecord, error) {
	if r.Method != Random && r.Method != Systematic {
		return SelectionRecord{}, fmt.Errorf("a %s selection cannot be extended by drawing; record the added items as a new judgmental selection", r.Method)
	}
	if add < 1 {
		return SelectionRecord{}, fmt.Errorf("items to add %d must be at least 1", add)
	}
	diffs, err := Verify(r)
	if err != nil {
		return SelectionRecord{}, err
	}
	if len(diffs) > 0 {
		return SelectionRecord{}, fmt.Errorf("the record does not re-perform (%s); it cannot be extended", diffs[0])
	}
	total := r.Total()
	if left := r.Population - total; add > left {
		return SelectionRecord{}, fmt.Errorf("only %d items are not yet selected; cannot add %d", left, add)
	}
	if total+add > MaxSelection {
		return SelectionRecord{}, fmt.Errorf("selection would exceed the limit of %d items", MaxSelection)
	}
	adds := make([]int, len(r.Extensions)+1)
	for i, x := range r.Extensions {
		adds[i] = x.Added
	}
	adds[len(adds)-1] = add
	exts := redrawExtensions(r, adds)
	out := r
	out.Extensions = append(slices.Clone(r.Extensions), exts[len(exts)-1])
	return out, nil
}

// redrawExtensions re-performs extensions of the given sizes for r.
func redrawExtensions(r SelectionRecord, adds []int) []Extension {
	exts := make([]Extension, len(adds))
	switch r.Method {
	case Random:
		_, f := drawRandom(r.Seed, r.Population, r.Size)
		for i, add := range adds {
			pos := make([]int, add)
			for k := range pos {
				pos[k] = f.next()
			}
			exts[i] = Extension{Added: add, Positions: pos, Sorted: sortedCopy(pos)}
		}
	case Systematic:
		s := newStream(r.Seed)
		s.below(uint64(r.Population)) // the start
		taken := sortedCopy(r.Positions)
		for i, add := range adds {
			pos := drawFromRest(s, r.Population, taken, add)
			exts[i] = Extension{Added: add, Positions: pos, Sorted: sortedCopy(pos)}
			taken = append(taken, pos...)
			slices.Sort(taken)
		}
	}
	return exts
}

// drawFromRest draws add items without replacement from the positions in
// [1, N] not in taken (sorted), by a sparse Fisher–Yates shuffle over the
// remaining positions listed in ascending order.
func drawFromRest(s stream, N int, taken []int, add int) []int {
	M := N - len(taken)
	// rest(i) is the i-th (0-based) remaining position: i + 1 plus the
	// number of taken positions at or before it. taken[j] − 1 − j counts
	// the remaining positions below taken[j], and is nondecreasing in j.
	rest := func(i int) int {
		c := sort.Search(len(taken), func(j int) bool { return taken[j]-1-j > i })
		return i + 1 + c
	}
	moved := make(map[int]int, add)
	get := func(i int) int {
		if v, ok := moved[i]; ok {
			return v
		}
		return rest(i)
	}
	pos := make([]int, add)
	for i := range pos {
		j := i + int(s.below(uint64(M-i)))
		vj := get(j)
		if j != i {
			moved[j] = get(i)
		}
		delete(moved, i)
		pos[i] = vj
	}
	return pos
}

// Discrepancy is one way a record differs from its re-performance.
type Discrepancy struct {
	// Field names what differs: "positions", "sorted", "interval",
	// "start", "size", "algorithm", "extensions[1].positions", …
	Field string `json:"field"`
	// Index is the element of a list that differs, or -1 for the field.
	Index int `json:"index"`
	// Recorded is what the record says; Redrawn what re-performing gives.
	Recorded string `json:"recorded"`
	Redrawn  string `json:"redrawn"`
}

func (d Discrepancy) String() string {
	f := d.Field
	if d.Index >= 0 {
		f = fmt.Sprintf("%s[%d]", d.Field, d.Index)
	}
	return fmt.Sprintf("%s: recorded %s, re-performed %s", f, d.Recorded, d.Redrawn)
}

// Verify re-performs a selection from its record and lists every
// difference: each position that differs (by index, in draw order and
// sorted), a wrong interval or start, a size that does not match its
// positions, an extension that does not re-draw. No discrepancies means
// the record is exactly what the recorded procedure produces. The error is
// for records that cannot be re-performed at all: an unknown method or
// algorithm version, or parameters out of range.
//
// Verify does not check the population fingerprint: it has no access to
// the population. The caller hashes the file and compares.
func Verify(r SelectionRecord) ([]Discrepancy, error) {
	if r.Algorithm != algorithmFor(r.Method) || r.Algorithm == "" {
		return nil, fmt.Errorf("cannot re-perform method %q with algorithm %q (this version knows %s, %s, %s, %s)",
			r.Method, r.Algorithm, AlgorithmRandom, AlgorithmSystematic, AlgorithmAll, AlgorithmJudgmental)
	}
	var d []Discrepancy
	diff := func(field string, index int, rec, got any) {
		d = append(d, Discrepancy{Field: field, Index: index, Recorded: fmt.Sprint(rec), Redrawn: fmt.Sprint(got)})
	}
	compare := func(field string, rec, got []int) {
		for i := 0; i < max(len(rec), len(got)); i++ {
			switch {
			case i >= len(rec):
				diff(field, i, "(nothing)", got[i])
			case i >= len(got):
				diff(field, i, rec[i], "(nothing)")
			case rec[i] != got[i]:
				diff(field, i, rec[i], got[i])
			}
		}
	}
	req := Request{Method: r.Method, Population: r.Population, Size: r.Size, Seed: r.Seed,
		PopulationSHA256: r.PopulationSHA256, Positions: r.Positions}
	if r.Method == Judgmental && len(r.Positions) == 0 {
		req.Positions = r.Sorted
	}
	want, err := Select(req)
	if err != nil {
		return nil, fmt.Errorf("cannot re-perform: %w", err)
	}
	if r.Size != len(r.Positions) {
		diff("size", -1, r.Size, len(r.Positions))
	}
	if r.Interval != want.Interval {
		diff("interval", -1, r.Interval, want.Interval)
	}
	if r.Start != want.Start {
		diff("start", -1, r.Start, want.Start)
	}
	compare("positions", r.Positions, want.Positions)
	compare("sorted", r.Sorted, want.Sorted)
	if len(r.Extensions) == 0 {
		return d, nil
	}
	if r.Method != Random && r.Method != Systematic {
		diff("extensions", -1, len(r.Extensions), "none (a "+string(r.Method)+" selection is not extended by drawing)")
		return d, nil
	}
	adds := make([]int, len(r.Extensions))
	total := r.Size
	for i, x := range r.Extensions {
		if x.Added < 1 {
			return d, fmt.Errorf("cannot re-perform: extension %d adds %d items", i+1, x.Added)
		}
		adds[i] = x.Added
		total += x.Added
	}
	if total > r.Population || total > MaxSelection {
		return d, fmt.Errorf("cannot re-perform: extensions add up to %d items in a population of %d", total, r.Population)
	}
	for i, x := range redrawExtensions(r, adds) {
		rx := r.Extensions[i]
		if len(rx.Positions) != rx.Added {
			diff(fmt.Sprintf("extensions[%d].added", i), -1, rx.Added, len(rx.Positions))
		}
		compare(fmt.Sprintf("extensions[%d].positions", i), rx.Positions, x.Positions)
		compare(fmt.Sprintf("extensions[%d].sorted", i), rx.Sorted, x.Sorted)
	}
	return d, nil
}
