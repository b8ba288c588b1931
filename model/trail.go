package model

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"
)

// Change is one entry of the audit trail.
type Change struct {
	Seq        int64     `json:"seq"`
	UUID       string    `json:"uuid"`
	At         time.Time `json:"at"`
	User       string    `json:"user"`
	Op         string    `json:"op"`
	Table      string    `json:"table"`
	RecordUUID string    `json:"record"`
	Field      string    `json:"field,omitempty"`
	Old        *string   `json:"old,omitempty"`
	New        *string   `json:"new,omitempty"`
	Note       string    `json:"note,omitempty"`
	Scope      string    `json:"scope,omitempty"` // the control test it belongs to
	Hash       string    `json:"hash"`
	// Origin is set on entries merged in from another copy of the workpaper.
	Origin *ChangeOrigin `json:"origin,omitempty"`
}

// TrailFilter narrows the audit trail.
type TrailFilter struct {
	ControlRef string // only changes to this control's workpaper
	RecordUUID string // only changes to this record
	AfterSeq   int64  // entries after this sequence number (paging)
	Limit      int    // 0 = all
}

// Trail returns audit-trail entries in order.
func (w *Workpaper) Trail(ctx context.Context, f TrailFilter) ([]Change, error) {
	q := `SELECT seq, uuid, at, user, op, tbl, record_uuid, field, old_value, new_value, note, scope, hash,
		origin_seq, origin_prev_hash, origin_hash FROM change_log WHERE seq > ?`
	args := []any{f.AfterSeq}
	if f.ControlRef != "" {
		ct, err := w.ControlTest(ctx, f.ControlRef)
		if err != nil {
			return nil, err
		}
		q += " AND (scope = ? OR record_uuid IN (?, ?))"
		args = append(args, ct.UUID, ct.UUID, ct.Control.UUID)
	}
	if f.RecordUUID != "" {
		q += " AND record_uuid = ?"
		args = append(args, f.RecordUUID)
	}
	q += " ORDER BY seq"
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	rows, err := w.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, friendlyDBError(err)
	}
	var out []Change
	for rows.Next() {
		var c Change
		var at string
		var o ChangeOrigin
		if err := rows.Scan(&c.Seq, &c.UUID, &at, &c.User, &c.Op, &c.Table, &c.RecordUUID, &c.Field, &c.Old, &c.New, &c.Note, &c.Scope, &c.Hash,
			&o.Seq, &o.PrevHash, &o.Hash); err != nil {
			rows.Close()
			return nil, err
		}
		c.At = parseTime(at)
		if o.Hash != "" {
			c.Origin = &o
		}
		out = append(out, c)
	}
	return out, closeRows(rows)
}

// VerifyReport lists everything "fieldwork verify" found.
type VerifyReport struct {
	Integrity  []string         `json:"integrity"`
	Trail      []string         `json:"trail"`
	Entries    int64            `json:"trail_entries"`
	Blobs      []string         `json:"blobs"`
	BlobCount  int              `json:"blob_count"`
	Selections []SelectionCheck `json:"selections"`
	OK         bool             `json:"ok"`
}

// Verify checks the whole workpaper: SQLite's integrity check, the audit
// trail's hash chain, every attached blob's hash, and every stored
// selection re-performed against its population.
func (w *Workpaper) Verify(ctx context.Context) (*VerifyReport, error) {
	r := &VerifyReport{Integrity: []string{}, Trail: []string{}, Blobs: []string{}, Selections: []SelectionCheck{}}
	rows, err := w.db.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return nil, friendlyDBError(err)
	}
	for rows.Next() {
		var s string
		rows.Scan(&s)
		if s != "ok" {
			r.Integrity = append(r.Integrity, s)
		}
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	rows, err = w.db.QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var table, parent string
		var rowid, fk any
		rows.Scan(&table, &rowid, &parent, &fk)
		r.Integrity = append(r.Integrity, fmt.Sprintf("%s row %v refers to a missing %s", table, rowid, parent))
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}

	// The hash chain, streamed in pages.
	prev, expectSeq := "", int64(1)
	for {
		page, err := w.Trail(ctx, TrailFilter{AfterSeq: expectSeq - 1, Limit: 5000})
		if err != nil {
			return nil, err
		}
		for _, c := range page {
			if c.Seq != expectSeq {
				r.Trail = append(r.Trail, fmt.Sprintf("entries %d to %d are missing (deleted from the trail)", expectSeq, c.Seq-1))
			}
			e := logEntry{Seq: c.Seq, UUID: c.UUID, At: formatTime(c.At), User: c.User, Op: c.Op, Table: c.Table, RecordUUID: c.RecordUUID,
				Field: c.Field, Old: c.Old, New: c.New, Note: c.Note, Scope: c.Scope, PrevHash: prev, Origin: c.Origin}
			var storedPrev string
			w.db.QueryRowContext(ctx, "SELECT prev_hash FROM change_log WHERE seq = ?", c.Seq).Scan(&storedPrev)
			if storedPrev != prev {
				r.Trail = append(r.Trail, fmt.Sprintf("entry %d does not follow entry %d (chain broken)", c.Seq, c.Seq-1))
			}
			if e.hash() != c.Hash {
				r.Trail = append(r.Trail, fmt.Sprintf("entry %d (%s %s.%s by %s at %s) was altered after it was written",
					c.Seq, c.Op, c.Table, c.Field, c.User, c.At.Format(time.RFC3339)))
			}
			if c.Origin != nil && !c.Origin.matches(e) {
				r.Trail = append(r.Trail, fmt.Sprintf("entry %d (merged from another copy, where it was entry %d) does not match the hash it was written with there",
					c.Seq, c.Origin.Seq))
			}
			prev, expectSeq = c.Hash, c.Seq+1
			r.Entries++
		}
		if len(page) < 5000 {
			break
		}
	}

	// Blobs, one at a time.
	var ids []string
	rows, err = w.db.QueryContext(ctx, "SELECT uuid FROM blob ORDER BY id")
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id string
		rows.Scan(&id)
		ids = append(ids, id)
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	for _, id := range ids {
		var name, sum string
		var size int64
		var data []byte
		if err := w.db.QueryRowContext(ctx, "SELECT name, sha256, size, data FROM blob WHERE uuid = ?", id).Scan(&name, &sum, &size, &data); err != nil {
			return nil, err
		}
		got := sha256.Sum256(data)
		if hex.EncodeToString(got[:]) != sum || int64(len(data)) != size {
			r.Blobs = append(r.Blobs, fmt.Sprintf("attached evidence %s (%s) does not match its recorded SHA-256 or size", name, id))
		}
		r.BlobCount++
	}

	// Every current selection, re-performed.
	controls, err := w.Controls(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range controls {
		sel, err := w.Selection(ctx, c.Ref)
		if err != nil {
			return nil, err
		}
		if sel == nil {
			continue
		}
		chk, err := w.checkSelection(ctx, sel, "")
		if err != nil {
			return nil, err
		}
		r.Selections = append(r.Selections, chk)
	}
	r.OK = len(r.Integrity) == 0 && len(r.Trail) == 0 && len(r.Blobs) == 0
	for _, s := range r.Selections {
		r.OK = r.OK && s.Matches
	}
	return r, nil
}
