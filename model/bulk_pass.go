package model

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// The testing grid's bulk pass ("pass the rest of this row / column"): which
// cells are still untested, and passing them without touching a cell someone
// recorded meanwhile.

// UntestedItems looks at up to limit items of a selection from ordinal from
// (1-based, in ordinal order) and returns the positions of those with no
// result for attribute letter, and how many items it looked at (fewer than
// limit: the selection ends there).
func (w *Workpaper) UntestedItems(ctx context.Context, selectionUUID, letter string, from, limit int) (positions []int, looked int, err error) {
	kind, size, err := w.selectionKind(ctx, selectionUUID)
	if err != nil {
		return nil, 0, err
	}
	if kind == itemsVirtual {
		// Item k is position k; the tested ones are those with a result.
		to := min(from+limit-1, size)
		if from < 1 {
			from = 1
		}
		if to < from {
			return nil, 0, nil
		}
		tested := map[int]bool{}
		prefix := itemPrefix(selectionUUID)
		err := w.scanRows(ctx, func(rows *sql.Rows) error {
			var u string
			if err := rows.Scan(&u); err != nil {
				return err
			}
			var k int
			fmt.Sscanf(u[24:], "%x", &k)
			tested[k] = true
			return nil
		}, `SELECT r.item_uuid FROM result r JOIN attribute a ON a.uuid = r.attribute_uuid
			WHERE r.item_uuid >= ? AND r.item_uuid <= ? AND a.letter = ?`, prefix+ordinalSuffix(from), prefix+ordinalSuffix(to), letter)
		if err != nil {
			return nil, 0, err
		}
		for k := from; k <= to; k++ {
			if !tested[k] {
				positions = append(positions, k)
			}
		}
		return positions, to - from + 1, nil
	}
	if kind == itemsDerived {
		// Derived items' UUIDs sort by ordinal: a range of the UUID index.
		prefix := itemPrefix(selectionUUID)
		err = w.scanRows(ctx, func(rows *sql.Rows) error {
			var pos int
			var tested bool
			if err := rows.Scan(&pos, &tested); err != nil {
				return err
			}
			looked++
			if !tested {
				positions = append(positions, pos)
			}
			return nil
		}, `SELECT i.position, EXISTS (SELECT 1 FROM result r JOIN attribute a ON a.uuid = r.attribute_uuid
			WHERE r.item_uuid = i.uuid AND a.letter = ?2)
		FROM sample_item i WHERE i.uuid >= ?3 AND i.uuid < ?4 AND +i.selection_uuid = ?1 ORDER BY i.uuid`,
			selectionUUID, letter, prefix+ordinalSuffix(max(from, 1)), prefix+ordinalSuffix(max(from, 1)+limit))
		return positions, looked, err
	}
	err = w.scanRows(ctx, func(rows *sql.Rows) error {
		var pos int
		var tested bool
		if err := rows.Scan(&pos, &tested); err != nil {
			return err
		}
		looked++
		if !tested {
			positions = append(positions, pos)
		}
		return nil
	}, `SELECT i.position, EXISTS (SELECT 1 FROM result r JOIN attribute a ON a.uuid = r.attribute_uuid
			WHERE r.item_uuid = i.uuid AND a.letter = ?2)
		FROM sample_item i WHERE i.selection_uuid = ?1 AND i.ordinal >= ?3 ORDER BY i.ordinal LIMIT ?4`,
		selectionUUID, letter, from, limit)
	return positions, looked, err
}

// PassUntested records a pass on every cell positions × letters of control
// ref, in one transaction. A cell that has a result already (recorded
// meanwhile, by this user or another) is skipped and counted, never
// overwritten.
//
// On a sample whose items are derived (every sample drawn since schema 3)
// the pass is one trail entry that holds the cells it passed (bulk_entry.go)
// and the result rows are written in batches; a sample of the oldest form
// (items logged one by one) gets one entry per result as before.
func (w *Workpaper) PassUntested(ctx context.Context, controlRef string, positions []int, letters []string) (written, skipped int, err error) {
	if len(positions) == 0 || len(letters) == 0 {
		return 0, 0, nil
	}
	var logged bool
	err = w.write(ctx, func(t *txn) error {
		written, skipped = 0, 0
		n, sk, old, err := t.passUntested(controlRef, positions, letters)
		written, skipped, logged = n, sk, old
		return err
	})
	if err == nil && logged {
		ins := make([]ResultInput, 0, len(positions)*len(letters))
		for _, pos := range positions {
			for _, l := range letters {
				ins = append(ins, ResultInput{ControlRef: controlRef, Position: pos, Attribute: l, Outcome: Pass, IfUntested: true})
			}
		}
		return w.SetResults(ctx, ins)
	}
	if err != nil {
		return 0, 0, err
	}
	return written, skipped, nil
}

// passUntested writes a bulk pass in t; logged reports a sample of the
// oldest form, on which nothing was written (the caller passes its cells
// one by one).
func (t *txn) passUntested(controlRef string, positions []int, letters []string) (written, skipped int, logged bool, err error) {
	testUUID, ref, err := t.testOf(controlRef)
	if err != nil {
		return 0, 0, false, err
	}
	var sel string
	var kind, size int
	err = t.queryRow("SELECT uuid, items_derived, size FROM selection WHERE test_uuid = ? AND current = 1", testUUID).Scan(&sel, &kind, &size)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, false, hintErrorf("%s has no sample yet%s", ref, HintDrawOne)
	}
	if err != nil {
		return 0, 0, false, err
	}
	if kind == itemsLogged {
		return 0, 0, true, nil
	}
	// Positions → ordinals.
	positions = sortedUnique(positions)
	ordOf := make(map[int]int, len(positions))
	if kind == itemsVirtual {
		for _, p := range positions {
			if p >= 1 && p <= size {
				ordOf[p] = p
			}
		}
	} else {
		js, _ := json.Marshal(positions)
		rows, err := t.tx.QueryContext(t.ctx, `SELECT position, ordinal FROM sample_item WHERE selection_uuid = ? AND position IN (SELECT value FROM json_each(?))`, sel, string(js))
		if err != nil {
			return 0, 0, false, err
		}
		for rows.Next() {
			var p, o int
			if err := rows.Scan(&p, &o); err != nil {
				rows.Close()
				return 0, 0, false, err
			}
			ordOf[p] = o
		}
		if err := closeRows(rows); err != nil {
			return 0, 0, false, err
		}
	}
	for _, p := range positions {
		if _, ok := ordOf[p]; !ok {
			return 0, 0, false, hintErrorf("item %d is not in the sample of %s%s", p, ref, HintListSample)
		}
	}
	ords := make([]int, 0, len(positions))
	for _, p := range positions {
		ords = append(ords, ordOf[p])
	}
	ords = sortedUnique(ords)
	// The attributes, each once, in the order given.
	desc := &bulkPass{Outcome: string(Pass), Selection: sel, Test: testUUID}
	seen := map[string]bool{}
	for _, l := range letters {
		letter, err := t.resultLetter(testUUID, ref, l)
		if err != nil {
			return 0, 0, false, err
		}
		if seen[letter] {
			continue
		}
		seen[letter] = true
		attr, err := t.attributeUUID(testUUID, ref, letter)
		if err != nil {
			return 0, 0, false, err
		}
		// The cells recorded already (meanwhile) are left alone.
		tested := map[int]bool{}
		prefix := itemPrefix(sel)
		rows, err := t.tx.QueryContext(t.ctx, `SELECT item_uuid FROM result WHERE attribute_uuid = ? AND item_uuid >= ? AND item_uuid <= ?`,
			attr, prefix+ordinalSuffix(ords[0]), prefix+ordinalSuffix(ords[len(ords)-1]))
		if err != nil {
			return 0, 0, false, err
		}
		for rows.Next() {
			var u string
			if err := rows.Scan(&u); err != nil {
				rows.Close()
				return 0, 0, false, err
			}
			if n, err := strconv.ParseUint(u[24:], 16, 48); err == nil && strings.HasPrefix(u, prefix) {
				tested[int(n)] = true
			}
		}
		if err := closeRows(rows); err != nil {
			return 0, 0, false, err
		}
		todo := make([]int, 0, len(ords))
		for _, o := range ords {
			if tested[o] {
				skipped++
			} else {
				todo = append(todo, o)
			}
		}
		if len(todo) > 0 {
			desc.Attributes = append(desc.Attributes, bulkAttribute{Letter: letter, Ordinals: rangesText(todo), UUID: attr, count: len(todo)})
		}
	}
	if len(desc.Attributes) == 0 {
		return 0, skipped, false, nil
	}
	for i := range desc.Attributes {
		a := &desc.Attributes[i]
		a.ords, _, _ = parseRanges(a.Ordinals)
	}
	if kind == itemsVirtual {
		if err := t.materializeItems(sel, ords); err != nil {
			return 0, 0, false, err
		}
	}
	bulk := newBulkUUID()
	text := bulkDescription(desc)
	letterList := make([]string, len(desc.Attributes))
	for i, a := range desc.Attributes {
		letterList[i] = a.Letter
	}
	note := fmt.Sprintf("bulk pass of %s: %s %s passed, %s %s", ref, thousandsText(desc.cells()), plural(desc.cells(), "cell", "cells"),
		plural(len(letterList), "attribute", "attributes"), strings.Join(letterList, ", "))
	if err := t.log("insert", "result", bulk, bulkField, nil, &text, note); err != nil {
		return 0, 0, false, err
	}
	if err := t.insertBulkCells(bulk, desc); err != nil {
		return 0, 0, false, err
	}
	return desc.cells(), skipped, false, t.touch(testUUID)
}

// materializeItems gives the items ords of a virtual selection their rows.
func (t *txn) materializeItems(sel string, ords []int) error {
	const row = "(?,1,?,?,?,?,?,?,?,0),"
	head := "INSERT OR IGNORE INTO sample_item (uuid, version, created_at, created_by, updated_at, updated_by, selection_uuid, ordinal, position, extension) VALUES "
	prefix := itemPrefix(sel)
	args := make([]any, 0, itemBatch*8)
	for i := 0; i < len(ords); i += itemBatch {
		part := ords[i:min(i+itemBatch, len(ords))]
		args = args[:0]
		for _, o := range part {
			args = append(args, prefix+ordinalSuffix(o), t.at, t.w.user, t.at, t.w.user, sel, o, o)
		}
		if _, err := t.exec(head+strings.TrimSuffix(strings.Repeat(row, len(part)), ","), args...); err != nil {
			return err
		}
	}
	return nil
}

// insertBulkCells writes the result rows of a bulk pass, unlogged one by
// one: the pass's entry holds them.
func (t *txn) insertBulkCells(bulk string, p *bulkPass) error {
	const row = "(?,1,?,?,?,?,?,?,?,?),"
	head := "INSERT INTO result (uuid, version, created_at, created_by, updated_at, updated_by, test_uuid, item_uuid, attribute_uuid, outcome) VALUES "
	args := make([]any, 0, itemBatch*9)
	n := 0
	flush := func() error {
		if n == 0 {
			return nil
		}
		_, err := t.exec(head+strings.TrimSuffix(strings.Repeat(row, n), ","), args...)
		args, n = args[:0], 0
		return err
	}
	prefix := itemPrefix(p.Selection)
	err := p.each(func(k int, a *bulkAttribute, o int) error {
		args = append(args, cellUUID(bulk, k), t.at, t.w.user, t.at, t.w.user, p.Test, prefix+ordinalSuffix(o), a.UUID, p.Outcome)
		n++
		if n == itemBatch {
			return flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	return flush()
}

// selectionKind is how a selection's items are kept (itemsLogged,
// itemsDerived, itemsVirtual) and its size.
func (w *Workpaper) selectionKind(ctx context.Context, selectionUUID string) (kind, size int, err error) {
	err = w.db.QueryRowContext(ctx, `SELECT items_derived, size FROM selection WHERE uuid = ?`, selectionUUID).Scan(&kind, &size)
	if errors.Is(err, sql.ErrNoRows) {
		return itemsLogged, 0, nil
	}
	return kind, size, friendlyDBError(err)
}
