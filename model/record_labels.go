package model

import (
	"context"
	"database/sql"
)

// RecordLabels names, by UUID, the records people refer to by reference,
// for the audit trail: controls ("control CHG-01") and their workpapers,
// sign-offs and attributes, bulk passes, exceptions, review notes, client requests and
// results ("result WP-CHG-01 item 4 (position 350, PR-21349) A").
// It is one query, however many controls there are.
func (w *Workpaper) RecordLabels(ctx context.Context) (map[string]string, error) {
	out := map[string]string{}
	err := w.scanRows(ctx, func(rows *sql.Rows) error {
		var u, l string
		if err := rows.Scan(&u, &l); err != nil {
			return err
		}
		out[u] = l
		return nil
	}, `SELECT uuid, 'control ' || ref FROM control
		UNION ALL SELECT t.uuid, 'workpaper ' || t.wp_ref FROM control_test t
		UNION ALL SELECT s.uuid, s.role || ' sign-off of ' || c.ref FROM signoff s
			JOIN control_test t ON t.uuid = s.test_uuid JOIN control c ON c.uuid = t.control_uuid
		UNION ALL SELECT a.uuid, 'attribute ' || a.letter || ' of ' || c.ref FROM attribute a
			JOIN control_test t ON t.uuid = a.test_uuid JOIN control c ON c.uuid = t.control_uuid
		UNION ALL SELECT l.record_uuid, 'bulk pass of ' || t.wp_ref FROM change_log l JOIN control_test t ON t.uuid = l.scope
			WHERE l.field = 'bulk' AND l.op = 'insert'
		UNION ALL SELECT uuid, 'exception ' || ref FROM exception
		UNION ALL SELECT uuid, 'review note ' || ref FROM review_note
		UNION ALL SELECT uuid, 'request ' || ref FROM pbc_request
		UNION ALL SELECT r.uuid, 'result ' || t.wp_ref || ' item ' || i.ordinal || ' (position ' || i.position ||
				CASE WHEN COALESCE(pr.occurrence_id, '') != '' THEN ', ' || pr.occurrence_id ELSE '' END || ') ' || a.letter
			FROM result r JOIN control_test t ON t.uuid = r.test_uuid JOIN sample_item i ON i.uuid = r.item_uuid
			JOIN attribute a ON a.uuid = r.attribute_uuid JOIN selection s ON s.uuid = i.selection_uuid
			JOIN population p ON p.uuid = s.population_uuid
			LEFT JOIN population_row pr ON pr.population_id = p.id AND pr.position = i.position`)
	if err != nil {
		return nil, err
	}
	return out, nil
}
