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
	kind, _, err := w.selectionKind(ctx, sel.UUID)
	if err != nil {
		return nil, err
	}
	q := `SELECT i.uuid, i.ordinal, i.position, i.extension,
		r.position, r.source_row, r.occurrence_id, r.occurrence_date, r.flags, r.cells
		FROM sample_item i
		JOIN population p ON p.uuid = ?2
		JOIN population_row r ON r.population_id = p.id AND r.position = i.position
		WHERE i.selection_uuid = ?1 AND i.ordinal >= ?3 ORDER BY i.ordinal LIMIT ?4`
	if kind == itemsVirtual {
		// Item k is row k: the rows themselves, the items computed.
		q = `SELECT '', r.position, r.position, 0,
		r.position, r.source_row, r.occurrence_id, r.occurrence_date, r.flags, r.cells
		FROM population p JOIN population_row r ON r.population_id = p.id
		WHERE p.uuid = ?2 AND r.position >= ?3 ORDER BY r.position LIMIT ?4`
	}
	rows, err := w.db.QueryContext(ctx, q, sel.UUID, sel.PopulationUUID, from, limit)
	if err != nil {
		return nil, friendlyDBError(err)
	}
	var out []SampleRow
	prefix := ""
	if kind == itemsVirtual {
		prefix = itemPrefix(sel.UUID)
	}
	for rows.Next() {
		var s SampleRow
		var flags, cells string
		if err := rows.Scan(&s.Item.UUID, &s.Item.Ordinal, &s.Item.Position, &s.Item.Extension,
			&s.Row.Position, &s.Row.SourceRow, &s.Row.ID, &s.Row.Date, &flags, &cells); err != nil {
			rows.Close()
			return nil, err
		}
		if prefix != "" {
			s.Item.UUID = prefix + ordinalSuffix(s.Item.Ordinal)
		}
		s.Row.Flags = splitList(flags)
		json.Unmarshal([]byte(cells), &s.Row.Cells)
		out = append(out, s)
	}
	return out, closeRows(rows)
}
