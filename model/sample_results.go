package model

import (
	"context"
	"database/sql"
	"errors"
	"strings"
)

// Reads of the results recorded on a window of a sample, which may hold a
// hundred thousand items: the results of that window only, never all of
// them. The workbench's testing grid reads ResultsForOrdinals and ResultAt;
// the export reads the lighter ItemOutcomes.

// ItemResult is a recorded result with the sample item's ordinal.
type ItemResult struct {
	Ordinal int
	Result
}

// ResultsForOrdinals returns the recorded results of the items of a
// selection whose ordinal is in [from, from+limit), in ordinal and
// attribute order.
func (w *Workpaper) ResultsForOrdinals(ctx context.Context, selectionUUID string, from, limit int) ([]ItemResult, error) {
	rows, err := w.db.QueryContext(ctx, `SELECT i.ordinal, r.uuid, i.position, a.letter, r.outcome, r.note, r.tickmark, r.evidence,
		r.blob_uuid, COALESCE(b.sha256, ''), r.updated_by, r.updated_at, r.version
		FROM sample_item i JOIN result r ON r.item_uuid = i.uuid JOIN attribute a ON a.uuid = r.attribute_uuid
		LEFT JOIN blob b ON b.uuid = r.blob_uuid
		WHERE i.selection_uuid = ? AND i.ordinal >= ? AND i.ordinal < ? ORDER BY i.ordinal, a.letter`, selectionUUID, from, from+limit)
	if err != nil {
		return nil, friendlyDBError(err)
	}
	var out []ItemResult
	for rows.Next() {
		var r ItemResult
		var at string
		if err := rows.Scan(&r.Ordinal, &r.UUID, &r.Position, &r.Attribute, &r.Outcome, &r.Note, &r.Tickmark, &r.Evidence,
			&r.BlobUUID, &r.EvidenceHash, &r.TestedBy, &at, &r.Version); err != nil {
			rows.Close()
			return nil, err
		}
		r.TestedAt = parseTime(at)
		out = append(out, r)
	}
	return out, closeRows(rows)
}

// ResultAt returns the result recorded for one item (by population
// position) and attribute letter of a control's current sample, or nil
// when none is recorded.
func (w *Workpaper) ResultAt(ctx context.Context, controlRef string, position int, letter string) (*Result, error) {
	r := &Result{}
	var at string
	err := w.db.QueryRowContext(ctx, `SELECT r.uuid, i.position, a.letter, r.outcome, r.note, r.tickmark, r.evidence, r.blob_uuid,
		COALESCE(b.sha256, ''), r.updated_by, r.updated_at, r.version
		FROM control c JOIN control_test t ON t.control_uuid = c.uuid
		JOIN selection s ON s.test_uuid = t.uuid AND s.current = 1
		JOIN sample_item i ON i.selection_uuid = s.uuid AND i.position = ?
		JOIN attribute a ON a.test_uuid = t.uuid AND a.letter = ?
		JOIN result r ON r.item_uuid = i.uuid AND r.attribute_uuid = a.uuid
		LEFT JOIN blob b ON b.uuid = r.blob_uuid
		WHERE c.ref = ? COLLATE NOCASE`, position, strings.ToUpper(strings.TrimSpace(letter)), strings.TrimSpace(controlRef)).Scan(
		&r.UUID, &r.Position, &r.Attribute, &r.Outcome, &r.Note, &r.Tickmark, &r.Evidence, &r.BlobUUID,
		&r.EvidenceHash, &r.TestedBy, &at, &r.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, friendlyDBError(err)
	}
	r.TestedAt = parseTime(at)
	return r, nil
}

// ItemOutcome is the outcome recorded for one attribute of a sample item,
// with its tickmark, note and evidence reference: what was found on the item,
// not who recorded it when nor the evidence's hash. The export writes these.
type ItemOutcome struct {
	Ordinal   int // the sample item's
	Attribute string
	Outcome   Outcome
	Tickmark  string
	Note      string
	Evidence  string
	Version   int
}

// ItemOutcomes returns the outcomes recorded for the items of a selection
// whose ordinal is in [from, from+limit), in no particular order. It is
// ResultsForOrdinals without the columns and the sort an export does not
// need, which make that query several times slower.
func (w *Workpaper) ItemOutcomes(ctx context.Context, selectionUUID string, from, limit int) ([]ItemOutcome, error) {
	var out []ItemOutcome
	err := w.scanRows(ctx, func(rows *sql.Rows) error {
		var r ItemOutcome
		if err := rows.Scan(&r.Ordinal, &r.Attribute, &r.Outcome, &r.Tickmark, &r.Note, &r.Evidence, &r.Version); err != nil {
			return err
		}
		out = append(out, r)
		return nil
	}, `SELECT i.ordinal, a.letter, r.outcome, r.tickmark, r.note, r.evidence, r.version
		FROM sample_item i JOIN result r ON r.item_uuid = i.uuid JOIN attribute a ON a.uuid = r.attribute_uuid
		WHERE i.selection_uuid = ? AND i.ordinal >= ? AND i.ordinal < ?`, selectionUUID, from, from+limit)
	return out, err
}
