package model

import (
	"context"
	"crypto/sha256"
	"database/sql"
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
	return itemPrefix(selUUID) + ordinalSuffix(ordinal)
}

// itemPrefix is the part of a selection's derived item UUIDs that comes
// from the selection: everything before the last group.
func itemPrefix(selUUID string) string {
	sum := sha256.Sum256([]byte("fieldwork-sample-item/1\n" + selUUID))
	var b [16]byte
	copy(b[:10], sum[:10])
	b[6] = b[6]&0x0f | 0x80 // version 8: application-defined
	b[8] = b[8]&0x3f | 0x80
	return formatUUID(b)[:24]
}

// ordinalSuffix is a derived UUID's last group: n in 12 hex digits, so
// that UUIDs of one prefix sort in the order of n.
func ordinalSuffix(n int) string {
	return fmt.Sprintf("%012x", uint64(n)&0xffffffffffff)
}

// How a selection's items are kept (selection.items_derived).
const (
	// itemsLogged: each item was logged as a record of its own (selections
	// drawn before schema 3).
	itemsLogged = 0
	// itemsDerived: every item is stored, unlogged; its UUID follows from
	// the selection's and its ordinal, and verify checks it against the
	// selection record.
	itemsDerived = 1
	// itemsVirtual: the items are the whole population in position order
	// (a test of every item: item k is population row k), so none is
	// stored when drawn. An item gets its (derived, unlogged) row when
	// something first refers to it — a result, an exception — so that every
	// reader that goes from a result to its item, and the foreign keys,
	// work as for stored items; readers that list items (currentSelections,
	// SampleRows, UntestedItems, Evaluate) compute the others. A million-
	// row test-all draw is then the selection record and nothing else.
	itemsVirtual = 2
)

// isWholePopulation reports whether positions are 1..n in order: such a
// selection's items need not be stored.
func isWholePopulation(positions []int) bool {
	for i, p := range positions {
		if p != i+1 {
			return false
		}
	}
	return len(positions) > 0
}

// virtualItems are the items [from, to] (ordinals) of a virtual selection.
func virtualItems(selUUID string, from, to int) []SampleItem {
	if from < 1 {
		from = 1
	}
	if to < from {
		return nil
	}
	prefix := itemPrefix(selUUID)
	out := make([]SampleItem, 0, to-from+1)
	for k := from; k <= to; k++ {
		out = append(out, SampleItem{UUID: prefix + ordinalSuffix(k), Ordinal: k, Position: k})
	}
	return out
}

// materializeItem gives item ordinal of a virtual selection its row (once),
// unlogged like every derived item, and returns its UUID.
func (t *txn) materializeItem(selUUID string, ordinal int) (string, error) {
	id := derivedItemUUID(selUUID, ordinal)
	_, err := t.exec(`INSERT OR IGNORE INTO sample_item (uuid, version, created_at, created_by, updated_at, updated_by, selection_uuid, ordinal, position, extension)
		VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, 0)`, id, t.at, t.w.user, t.at, t.w.user, selUUID, ordinal, ordinal)
	return id, err
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
	rows, err := w.db.QueryContext(ctx, `SELECT uuid, test_uuid, record, items_derived FROM selection WHERE items_derived IN (1, 2) ORDER BY id`)
	if err != nil {
		return nil, friendlyDBError(err)
	}
	type sel struct {
		uuid, test, record string
		kind               int
	}
	var sels []sel
	for rows.Next() {
		var s sel
		if err := rows.Scan(&s.uuid, &s.test, &s.record, &s.kind); err != nil {
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
		if s.kind == itemsVirtual && len(rec.Extensions) == 0 && !isWholePopulation(rec.Positions) {
			report("its items are kept as the whole population, but its selection record is not every item in order")
		}
		if stored != len(expect) && s.kind != itemsVirtual { // a virtual selection stores the items referred to only
			report("the selection record has %d items; %d are stored", len(expect), stored)
		}
		if bad > 5 {
			problems = append(problems, fmt.Sprintf("%s: … %d differences in all", name, bad))
		}
	}
	// Every result and exception item is on a stored item: a virtual
	// selection's item row appears with the first thing that refers to it,
	// and one removed would take its result out of every reader.
	for _, q := range []struct{ table, query string }{
		{"result", `SELECT r.uuid, r.test_uuid, r.item_uuid FROM result r WHERE NOT EXISTS (SELECT 1 FROM sample_item i WHERE i.uuid = r.item_uuid) LIMIT 6`},
		{"exception item", `SELECT e.uuid, x.test_uuid, e.item_uuid FROM exception_item e JOIN exception x ON x.uuid = e.exception_uuid
			WHERE NOT EXISTS (SELECT 1 FROM sample_item i WHERE i.uuid = e.item_uuid) LIMIT 6`},
	} {
		type orphan struct{ uuid, test, item string }
		var found []orphan
		err := w.scanRows(ctx, func(rows *sql.Rows) error {
			var o orphan
			if err := rows.Scan(&o.uuid, &o.test, &o.item); err != nil {
				return err
			}
			found = append(found, o)
			return nil
		}, q.query)
		if err != nil {
			return nil, err
		}
		for i, o := range found {
			if i == 5 {
				problems = append(problems, fmt.Sprintf("… more %ss whose sample item is missing", q.table))
				break
			}
			problems = append(problems, fmt.Sprintf("%s %s of %s: its sample item %s is missing from the workpaper (removed outside fieldwork)",
				q.table, shortID(o.uuid), lab.wpRef(ctx, o.test), itemWords(o.item)))
		}
	}
	return problems, nil
}

// itemWords names an item by its UUID: its ordinal when the UUID is a
// derived one.
func itemWords(u string) string {
	if len(u) == 36 && u[14] == '8' {
		var n uint64
		if _, err := fmt.Sscanf(u[24:], "%x", &n); err == nil {
			return fmt.Sprintf("%d (%s)", n, shortID(u))
		}
	}
	return shortID(u)
}
