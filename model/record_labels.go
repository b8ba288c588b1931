package model

import (
	"context"
	"database/sql"
)

// RecordLabels names, by UUID, the records people refer to by reference,
// for the audit trail: controls ("control CHG-01") and their workpapers,
// sign-offs and attributes, exceptions, review notes and client requests.
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
		UNION ALL SELECT uuid, 'exception ' || ref FROM exception
		UNION ALL SELECT uuid, 'review note ' || ref FROM review_note
		UNION ALL SELECT uuid, 'request ' || ref FROM pbc_request`)
	if err != nil {
		return nil, err
	}
	return out, nil
}
