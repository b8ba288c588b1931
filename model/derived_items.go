package model

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/fieldwork-audit/fieldwork/sampling"
)

// derivedItemUUID is the UUID of a derived sample item: it follows from its
// selection's UUID and its ordinal, so verify can re-derive it.
//
// Its first ten bytes come from the selection's UUID, its last six are the
// ordinal: a selection's items sort in draw order, so a million of them go
// into the UUID index at its end instead of all over it.
func derivedItemUUID(selUUID string, ordinal int) string {
	sum := sha256.Sum256([]byte("fieldwork-sample-item/1\n" + selUUID))
	var b [16]byte
	copy(b[:10], sum[:10])
	b[6] = b[6]&0x0f | 0x80 // version 8: application-defined
	b[8] = b[8]&0x3f | 0x80
	o := uint64(ordinal)
	for i := 15; i >= 10; i-- {
		b[i] = byte(o)
		o >>= 8
	}
	return formatUUID(b)
}

const itemBatch = 250

// insertDerivedItems inserts items in multi-row batches, unlogged.
func (t *txn) insertDerivedItems(selUUID string, positions []int, firstOrdinal, extension int) error {
	const cols = "(uuid, version, created_at, created_by, updated_at, updated_by, selection_uuid, ordinal, position, extension)"
	row := "(?,1,?,?,?,?,?,?,?,?),"
	full := "INSERT INTO sample_item " + cols + " VALUES " + strings.TrimSuffix(strings.Repeat(row, itemBatch), ",")
	args := make([]any, 0, itemBatch*9)
	flush := func(n int) error {
		q := full
		if n < itemBatch {
			q = "INSERT INTO sample_item " + cols + " VALUES " + strings.TrimSuffix(strings.Repeat(row, n), ",")
		}
		_, err := t.exec(q, args...)
		args = args[:0]
		return err
	}
	n := 0
	for i, p := range positions {
		ord := firstOrdinal + i + 1
		args = append(args, derivedItemUUID(selUUID, ord), t.at, t.w.user, t.at, t.w.user, selUUID, int64(ord), int64(p), int64(extension))
		n++
		if n == itemBatch {
			if err := flush(n); err != nil {
				return err
			}
			n = 0
		}
	}
	if n > 0 {
		return flush(n)
	}
	return nil
}

// derivedItemsCheck checks the items of every selection whose items are
// derived against its (replayed) record: the same items, in order, with
// their ordinal, extension and derived UUID, and nothing else.
func (w *Workpaper) derivedItemsCheck(ctx context.Context) ([]string, error) {
	rows, err := w.db.QueryContext(ctx, `SELECT uuid, test_uuid, record FROM selection WHERE items_derived = 1 ORDER BY id`)
	if err != nil {
		return nil, friendlyDBError(err)
	}
	type sel struct{ uuid, test, record string }
	var sels []sel
	for rows.Next() {
		var s sel
		if err := rows.Scan(&s.uuid, &s.test, &s.record); err != nil {
			rows.Close()
			return nil, err
		}
		sels = append(sels, s)
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	lab := newLabeler(w)
	var problems []string
	for _, s := range sels {
		name := "sample of " + lab.wpRef(ctx, s.test)
		var rec sampling.SelectionRecord
		if err := json.Unmarshal([]byte(s.record), &rec); err != nil {
			problems = append(problems, fmt.Sprintf("%s: its selection record cannot be read: %v", name, err))
			continue
		}
		// The expected items: the initial draw (extension 0), then each
		// extension in turn.
		type want struct{ pos, ext int }
		var expect []want
		for _, p := range rec.Positions {
			expect = append(expect, want{p, 0})
		}
		for i, x := range rec.Extensions {
			for _, p := range x.Positions {
				expect = append(expect, want{p, i + 1})
			}
		}
		// Items are read in the order of their (selection, position) index,
		// which needs no sort; each must be the record's item of its ordinal,
		// once.
		seen := make([]bool, len(expect)+1)
		from, stored := 0, 0
		bad := 0
		report := func(format string, a ...any) {
			if bad < 5 {
				problems = append(problems, name+": "+fmt.Sprintf(format, a...))
			}
			bad++
		}
		for {
			rs, err := w.db.QueryContext(ctx, `SELECT uuid, ordinal, position, extension FROM sample_item WHERE selection_uuid = ? AND position > ?
				ORDER BY position LIMIT 20000`, s.uuid, from)
			if err != nil {
				return nil, err
			}
			type it struct {
				uuid          string
				ord, pos, ext int
			}
			var page []it
			for rs.Next() {
				var x it
				if err := rs.Scan(&x.uuid, &x.ord, &x.pos, &x.ext); err != nil {
					rs.Close()
					return nil, err
				}
				page = append(page, x)
			}
			if err := closeRows(rs); err != nil {
				return nil, err
			}
			for _, x := range page {
				from = x.pos
				stored++
				switch {
				case x.ord < 1 || x.ord > len(expect):
					report("item %d (position %d) is not in the selection record: added outside fieldwork", x.ord, x.pos)
				case seen[x.ord]:
					report("item %d is stored twice", x.ord)
				case expect[x.ord-1].pos != x.pos || expect[x.ord-1].ext != x.ext:
					report("item %d is position %d in the workpaper but %d in the selection record", x.ord, x.pos, expect[x.ord-1].pos)
				case x.uuid != derivedItemUUID(s.uuid, x.ord):
					report("item %d (position %d) has an identity fieldwork did not give it (replaced outside fieldwork)", x.ord, x.pos)
				}
				if x.ord >= 1 && x.ord <= len(expect) {
					seen[x.ord] = true
				}
			}
			if len(page) < 20000 {
				break
			}
		}
		if stored != len(expect) {
			report("the selection record has %d items; %d are stored", len(expect), stored)
		}
		if bad > 5 {
			problems = append(problems, fmt.Sprintf("%s: … %d differences in all", name, bad))
		}
	}
	return problems, nil
}
