package model

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// A bulk pass is one trail entry (issue #12: a bulk pass holds the cells
// it passed). The entry is an insert into result whose field is "bulk"
// and whose record is the pass itself; its value is a compact description
// of the cells, from which every result it created follows:
//
//	{"attributes":[{"letter":"A","ordinals":"1-4999,5001-10000","uuid":"…"}],
//	 "outcome":"pass","selection":"…","test":"…"}
//
// Cell k (1-based: attributes in the order listed, each one's ordinals
// ascending) is the result on the selection's item of that ordinal — the
// item's UUID is derived (derivedItemUUID) — for that attribute, with that
// outcome and nothing else, created by the entry's author at its time.
// Its UUID is the pass's own with the last group replaced by k: the pass's
// UUID ends in twelve zeros, so its cells sort right after it, and a
// cell's UUID names the entry that created it.
//
// replay (eachReplayed, replayRecord), merge (loadSide) and the sign-off
// digests (scopeDigest) expand the entry into its cells; the result rows
// are stored as for any result, so every reader stays as it is.

// bulkField is the field of a bulk-pass entry.
const bulkField = "bulk"

// bulkPass is a bulk-pass entry's description.
type bulkPass struct {
	Attributes []bulkAttribute `json:"attributes"`
	Outcome    string          `json:"outcome"`
	Selection  string          `json:"selection"`
	Test       string          `json:"test"`
}

type bulkAttribute struct {
	Letter   string `json:"letter"`
	Ordinals string `json:"ordinals"` // ascending ranges: "1-250,252,254-300"
	UUID     string `json:"uuid"`
	ords     []span
	count    int
}

type span struct{ from, to int }

// newBulkUUID is a fresh UUID for a bulk pass: random, version 8, its
// last group zero (its cells number it).
func newBulkUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:10]); err != nil {
		panic("fieldwork: no randomness for UUIDs: " + err.Error())
	}
	b[6] = b[6]&0x0f | 0x80
	b[8] = b[8]&0x3f | 0x80
	return formatUUID(b)
}

// bulkOf is the UUID of the bulk pass a result UUID may be a cell of, and
// the cell's number; ok is false when u cannot be a cell.
func bulkOf(u string) (bulk string, k int, ok bool) {
	if len(u) != 36 || u[14] != '8' || u[23] != '-' || strings.HasSuffix(u, "000000000000") {
		return "", 0, false
	}
	n, err := strconv.ParseUint(u[24:], 16, 48)
	if err != nil {
		return "", 0, false
	}
	return u[:24] + "000000000000", int(n), true
}

// cellUUID is the UUID of cell k of the bulk pass bulk.
func cellUUID(bulk string, k int) string { return bulk[:24] + ordinalSuffix(k) }

// rangesText writes ascending, distinct ordinals as ranges.
func rangesText(ords []int) string {
	var b strings.Builder
	for i := 0; i < len(ords); {
		j := i
		for j+1 < len(ords) && ords[j+1] == ords[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(ords[i]))
		if j > i {
			b.WriteByte('-')
			b.WriteString(strconv.Itoa(ords[j]))
		}
		i = j + 1
	}
	return b.String()
}

// parseRanges reads rangesText; the ranges must ascend without overlap.
func parseRanges(s string) ([]span, int, error) {
	var out []span
	n, last := 0, 0
	for _, part := range strings.Split(s, ",") {
		a, b, isRange := strings.Cut(part, "-")
		from, err := strconv.Atoi(a)
		if err != nil {
			return nil, 0, fmt.Errorf("ordinals %q: %q is not a number", s, a)
		}
		to := from
		if isRange {
			if to, err = strconv.Atoi(b); err != nil {
				return nil, 0, fmt.Errorf("ordinals %q: %q is not a number", s, b)
			}
		}
		if from <= last || to < from {
			return nil, 0, fmt.Errorf("ordinals %q do not ascend", s)
		}
		out = append(out, span{from, to})
		n += to - from + 1
		last = to
	}
	return out, n, nil
}

// bulkDescription is the entry's value for a pass (canonical JSON: fields
// in a fixed order).
func bulkDescription(p *bulkPass) string {
	b, err := json.Marshal(p)
	if err != nil {
		panic("fieldwork: a bulk pass does not marshal: " + err.Error())
	}
	return string(b)
}

// parseBulk reads a bulk-pass entry's value.
func parseBulk(nw *string) (*bulkPass, error) {
	if nw == nil {
		return nil, fmt.Errorf("its description is missing")
	}
	var p bulkPass
	dec := json.NewDecoder(strings.NewReader(*nw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("its description does not parse: %v", err)
	}
	if p.Test == "" || p.Selection == "" || len(p.Attributes) == 0 {
		return nil, fmt.Errorf("its description names no test, selection or attribute")
	}
	switch Outcome(p.Outcome) {
	case Pass, Deviation, NotApplicable:
	default:
		return nil, fmt.Errorf("its description has an unknown outcome %q", p.Outcome)
	}
	for i := range p.Attributes {
		a := &p.Attributes[i]
		var err error
		if a.ords, a.count, err = parseRanges(a.Ordinals); err != nil {
			return nil, fmt.Errorf("attribute %s: %v", a.Letter, err)
		}
		if a.UUID == "" {
			return nil, fmt.Errorf("attribute %s has no UUID", a.Letter)
		}
	}
	return &p, nil
}

// cells is the number of cells of the pass.
func (p *bulkPass) cells() int {
	n := 0
	for _, a := range p.Attributes {
		n += a.count
	}
	return n
}

// cell is cell k's attribute and item ordinal (ok false beyond the last).
func (p *bulkPass) cell(k int) (attr *bulkAttribute, ordinal int, ok bool) {
	if k < 1 {
		return nil, 0, false
	}
	k--
	for i := range p.Attributes {
		a := &p.Attributes[i]
		if k >= a.count {
			k -= a.count
			continue
		}
		for _, s := range a.ords {
			if n := s.to - s.from + 1; k < n {
				return a, s.from + k, true
			} else {
				k -= n
			}
		}
	}
	return nil, 0, false
}

// values are the values cell k was created with, as an insert entry of
// the result would hold them (defaults left out).
func (p *bulkPass) values(attr *bulkAttribute, ordinal int) map[string]string {
	return map[string]string{"outcome": p.Outcome, "test_uuid": p.Test,
		"item_uuid": derivedItemUUID(p.Selection, ordinal), "attribute_uuid": attr.UUID}
}

// each calls fn for every cell in order.
func (p *bulkPass) each(fn func(k int, attr *bulkAttribute, ordinal int) error) error {
	k := 0
	for i := range p.Attributes {
		a := &p.Attributes[i]
		for _, s := range a.ords {
			for o := s.from; o <= s.to; o++ {
				k++
				if err := fn(k, a, o); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// bulkWords says what a pass did, for the trail's readers.
func bulkWords(p *bulkPass, ref string) []FieldValue {
	out := []FieldValue{{Field: "cells", Value: fmt.Sprintf("%s of %s, %s", thousandsText(p.cells()), ref, p.Outcome)}}
	for _, a := range p.Attributes {
		v := fmt.Sprintf("%s on %s %s: %s", p.Outcome, thousandsText(a.count), plural(a.count, "item", "items"), strings.ReplaceAll(a.Ordinals, "-", "–"))
		out = append(out, FieldValue{Field: "attribute " + a.Letter, Value: v})
	}
	return out
}

func thousandsText(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// sortedUnique sorts ints and drops repeats.
func sortedUnique(xs []int) []int {
	out := append([]int(nil), xs...)
	sort.Ints(out)
	j := 0
	for i, x := range out {
		if i == 0 || x != out[j-1] {
			out[j] = x
			j++
		}
	}
	return out[:j]
}
