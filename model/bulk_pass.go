package model

import (
	"context"
	"database/sql"
)

// The testing grid's bulk pass ("pass the rest of this row / column"): which
// cells are still untested, and passing them without touching a cell someone
// recorded meanwhile.

// UntestedItems looks at up to limit items of a selection from ordinal from
// (1-based, in ordinal order) and returns the positions of those with no
// result for attribute letter, and how many items it looked at (fewer than
// limit: the selection ends there).
func (w *Workpaper) UntestedItems(ctx context.Context, selectionUUID, letter string, from, limit int) (positions []int, looked int, err error) {
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
func (w *Workpaper) PassUntested(ctx context.Context, controlRef string, positions []int, letters []string) (written, skipped int, err error) {
	ins := make([]ResultInput, 0, len(positions)*len(letters))
	for _, pos := range positions {
		for _, l := range letters {
			ins = append(ins, ResultInput{ControlRef: controlRef, Position: pos, Attribute: l, Outcome: Pass, IfUntested: true})
		}
	}
	if len(ins) == 0 {
		return 0, 0, nil
	}
	return w.SetResults(ctx, ins)
}
