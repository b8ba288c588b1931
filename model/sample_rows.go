package model

import (
	"context"
	"encoding/json"
)

// SampleRow is a selected item with the client's row for it.
type SampleRow struct {
	Item SampleItem
	Row  PopulationRow
}

// SampleRows returns up to limit items of a control's current sample from
// ordinal from (1-based), each with its population row: one query per page,
// for screens that show thousands of items.
func (w *Workpaper) SampleRows(ctx context.Context, sel *Selection, from, limit int) ([]SampleRow, error) {
	rows, err := w.db.QueryContext(ctx, `SELECT i.uuid, i.ordinal, i.position, i.extension,
		r.position, r.source_row, r.occurrence_id, r.occurrence_date, r.flags, r.cells
		FROM sample_item i
		JOIN population p ON p.uuid = ?2
		JOIN population_row r ON r.population_id = p.id AND r.position = i.position
		WHERE i.selection_uuid = ?1 AND i.ordinal >= ?3 ORDER BY i.ordinal LIMIT ?4`, sel.UUID, sel.PopulationUUID, from, limit)
	if err != nil {
		return nil, friendlyDBError(err)
	}
	var out []SampleRow
	for rows.Next() {
		var s SampleRow
		var flags, cells string
		if err := rows.Scan(&s.Item.UUID, &s.Item.Ordinal, &s.Item.Position, &s.Item.Extension,
			&s.Row.Position, &s.Row.SourceRow, &s.Row.ID, &s.Row.Date, &flags, &cells); err != nil {
			rows.Close()
			return nil, err
		}
		s.Row.Flags = splitList(flags)
		json.Unmarshal([]byte(cells), &s.Row.Cells)
		out = append(out, s)
	}
	return out, closeRows(rows)
}
