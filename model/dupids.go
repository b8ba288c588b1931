package model

import (
	"hash/maphash"
	"slices"
	"strconv"
)

// Duplicate occurrence IDs are found in two steps. While rows stream past,
// idIndex keeps a 32-bit hash of each row's ID (4 bytes a row, in fixed
// chunks, so memory grows without copying). Rows whose hashes collide are
// the candidates; equal IDs have equal hashes, so every duplicate is among
// them. SQLite then groups only the candidates by their exact ID (a hash
// collision costs a lookup, never a wrong flag). This replaces a GROUP BY
// over the whole population, which read every stored row again and sorted
// them all.

const (
	idChunk   = 1 << 16 // hashes a chunk (256 KB)
	idMaxRows = 4 << 20 // beyond this, SQL finds the duplicates (16 MB of hashes, 48 MB while sorting)
)

// hashID hashes an occurrence ID; tests replace it to force collisions.
var hashID = maphash.String

// dupCandidateLimit is how many candidate rows are checked by position;
// more (an ID column with many repeats) and the whole population is grouped
// in SQL instead, which is then the cheaper way. A variable for tests.
var dupCandidateLimit = 100_000

// idIndex holds the hash of every row's ID by position; 0 stands for no ID.
type idIndex struct {
	seed     maphash.Seed
	chunks   [][]uint32
	n        int  // positions recorded
	overflow bool // too many rows: leave duplicates to SQL
}

func newIDIndex() *idIndex { return &idIndex{seed: maphash.MakeSeed()} }

// add records the ID of the next position ("" for none).
func (x *idIndex) add(id string) {
	if x.overflow {
		return
	}
	if x.n == idMaxRows {
		x.overflow, x.chunks = true, nil
		return
	}
	if x.n%idChunk == 0 {
		x.chunks = append(x.chunks, make([]uint32, 0, idChunk))
	}
	var h uint32
	if id != "" {
		h = uint32(hashID(x.seed, id)) | 1 // never 0
	}
	c := &x.chunks[len(x.chunks)-1]
	*c = append(*c, h)
	x.n++
}

// shared returns the hashes that occur more than once, sorted.
func (x *idIndex) shared() []uint32 {
	all := make([]uint32, 0, x.n)
	for _, c := range x.chunks {
		for _, h := range c {
			if h != 0 {
				all = append(all, h)
			}
		}
	}
	sortHashes(all)
	var out []uint32
	for i := 1; i < len(all); i++ {
		if all[i] == all[i-1] && (len(out) == 0 || out[len(out)-1] != all[i]) {
			out = append(out, all[i])
		}
	}
	return out
}

// sortHashes sorts by two counting passes over 16 bits each: on a million
// hashes, several times faster than slices.Sort, and it runs after the
// last row is read, while the import waits.
func sortHashes(a []uint32) {
	if len(a) < 1<<12 {
		slices.Sort(a)
		return
	}
	src, dst := a, make([]uint32, len(a))
	count := make([]int, 1<<16+1)
	for shift := 0; shift < 32; shift += 16 {
		clear(count)
		for _, v := range src {
			count[v>>shift&0xffff+1]++
		}
		for i := 1; i < len(count); i++ {
			count[i] += count[i-1]
		}
		for _, v := range src {
			d := v >> shift & 0xffff
			dst[count[d]] = v
			count[d]++
		}
		src, dst = dst, src
	}
	// Two passes: the sorted hashes are back in a.
}

// candidates returns, as a JSON array, the positions of rows whose ID hash
// is shared with another row, or ok = false when SQL must group the whole
// population (too many rows or candidates). It consumes the index.
func (x *idIndex) candidates() (positions []byte, ok bool) {
	if x.overflow {
		return nil, false
	}
	shared := x.shared()
	// A bit per low 16 bits of the shared hashes turns away almost every row
	// before the binary search.
	var maybe [1 << 16 / 64]uint64
	for _, h := range shared {
		maybe[h&0xffff>>6] |= 1 << (h & 63)
	}
	out, n := []byte{'['}, 0
	for ci, c := range x.chunks {
		if len(shared) == 0 {
			break
		}
		for i, h := range c {
			if h == 0 || maybe[h&0xffff>>6]&(1<<(h&63)) == 0 {
				continue
			}
			if _, found := slices.BinarySearch(shared, h); !found {
				continue
			}
			if n++; n > dupCandidateLimit {
				return nil, false
			}
			if len(out) > 1 {
				out = append(out, ',')
			}
			out = strconv.AppendInt(out, int64(ci*idChunk+i+1), 10)
		}
	}
	x.chunks = nil
	return append(out, ']'), true
}

// Both statements flag every row whose ID another row shares, appending the
// flag after any other; they differ only in which rows they group.
const (
	flagDuplicatesSQL = `UPDATE population_row SET flags = CASE WHEN flags = '' THEN ?1 ELSE flags || ',' || ?1 END
		WHERE population_id = ?2 AND occurrence_id IN (
			SELECT occurrence_id FROM population_row WHERE population_id = ?2 AND occurrence_id != ''
			GROUP BY occurrence_id HAVING count(*) > 1)`
	flagCandidatesSQL = `UPDATE population_row SET flags = CASE WHEN flags = '' THEN ?1 ELSE flags || ',' || ?1 END
		WHERE population_id = ?2 AND position IN (SELECT value FROM json_each(?3)) AND occurrence_id IN (
			SELECT occurrence_id FROM population_row WHERE population_id = ?2 AND occurrence_id != ''
			AND position IN (SELECT value FROM json_each(?3))
			GROUP BY occurrence_id HAVING count(*) > 1)`
)

// flagDuplicates flags the rows of a population whose occurrence ID appears
// more than once and returns how many it flagged.
func flagDuplicates(t *txn, popID int64, x *idIndex) (int, error) {
	query, args := flagDuplicatesSQL, []any{FlagDuplicateID, popID}
	if positions, ok := x.candidates(); ok {
		if len(positions) <= 2 {
			return 0, nil // no two IDs even hash alike
		}
		query, args = flagCandidatesSQL, append(args, string(positions))
	}
	res, err := t.exec(query, args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}
