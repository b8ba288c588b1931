package model

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
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
	// Values are what an insert created the record with (one entry per
	// record: the trail logs operations, not field edits), in column
	// name order, references to other records last. New holds them as
	// the trail stores them.
	Values []FieldValue `json:"values,omitempty"`
	// Fields are the fields an update of several at once changed, by
	// name (Field is then empty; Old and New hold them as stored).
	Fields []FieldChange `json:"fields,omitempty"`
	// Origin is set on entries merged in from another copy of the workpaper.
	Origin *ChangeOrigin `json:"origin,omitempty"`
}

// FieldChange is one field an update changed.
type FieldChange struct {
	Field string  `json:"field"`
	Old   *string `json:"old"`
	New   *string `json:"new"`
}

// updateFields lists a multi-field update entry's changes by field name.
func updateFields(old, nw *string) []FieldChange {
	o, err1 := parseUpdateValues(old)
	n, err2 := parseUpdateValues(nw)
	if err1 != nil || err2 != nil {
		return nil
	}
	out := make([]FieldChange, 0, len(n))
	for k, v := range n {
		out = append(out, FieldChange{Field: k, Old: o[k], New: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

// FieldValue is one column's value in an insert entry.
type FieldValue struct {
	Field string `json:"field"`
	Value string `json:"value"`
}

// insertValues lists an insert entry's values by column name.
func insertValues(nw *string) []FieldValue {
	vals, err := parseInsertValues(nw)
	if err != nil || len(vals) == 0 {
		return nil
	}
	out := make([]FieldValue, 0, len(vals))
	for k, v := range vals {
		out = append(out, FieldValue{k, v})
	}
	// What the record says first; the records it refers to (named by
	// its label already, mostly) after.
	rank := func(f string) int {
		switch {
		case f == "outcome" || f == "ref" || f == "name": // what the record is
			return 0
		case strings.HasSuffix(f, "_uuid"):
			return 2
		}
		return 1
	}
	sort.Slice(out, func(i, j int) bool {
		if ri, rj := rank(out[i].Field), rank(out[j].Field); ri != rj {
			return ri < rj
		}
		return out[i].Field < out[j].Field
	})
	return out
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
		// A result a bulk pass created: its history starts with the pass.
		bulk := f.RecordUUID
		if b, _, ok := bulkOf(f.RecordUUID); ok {
			bulk = b
		}
		q += " AND record_uuid IN (?, ?)"
		args = append(args, f.RecordUUID, bulk)
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
		switch {
		case c.Op == "insert" && c.Field == bulkField:
			// A bulk pass: said in words below, once the rows are closed.
		case c.Op == "insert":
			c.Values = insertValues(c.New)
		case c.Op == "update" && c.Field == "":
			c.Fields = updateFields(c.Old, c.New)
		}
		if o.Hash != "" {
			c.Origin = &o
		}
		out = append(out, c)
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	for i := range out {
		c := &out[i]
		if c.Op != "insert" || c.Field != bulkField {
			continue
		}
		p, err := parseBulk(c.New)
		if err != nil {
			c.Values = []FieldValue{{Field: "bulk pass", Value: "cannot be read: " + err.Error()}}
			continue
		}
		var ref string
		w.db.QueryRowContext(ctx, `SELECT c.ref FROM control_test t JOIN control c ON c.uuid = t.control_uuid WHERE t.uuid = ?`, p.Test).Scan(&ref)
		c.Values = bulkWords(p, ref)
	}
	return out, nil
}

// VerifyReport lists everything "fieldwork verify" found.
type VerifyReport struct {
	Integrity []string `json:"integrity"`
	Trail     []string `json:"trail"`
	Entries   int64    `json:"trail_entries"`
	// Head is the trail's last entry: quote it elsewhere (a ticket, the
	// firm's archive) and 'verify --head' proves the file still holds
	// that exact history.
	Head Head `json:"head"`
	// Anchor is the result of checking a quoted head, when one was given.
	Anchor *AnchorCheck `json:"anchor,omitempty"`
	// Records are differences between the tables and the trail's replay.
	Records        []string        `json:"records"`
	RecordsChecked int64           `json:"records_checked"`
	Populations    []string        `json:"populations"`
	Signatures     *SignatureCheck `json:"signatures"`
	SignOffs       []string        `json:"signoffs"`
	// Seal is what is wrong with the release seal (release.go): the head
	// it quotes no longer in the trail, or the seal file beside the
	// workpaper disagreeing with the seal in it.
	Seal       []string         `json:"seal"`
	Blobs      []string         `json:"blobs"`
	BlobCount  int              `json:"blob_count"`
	Selections []SelectionCheck `json:"selections"`
	OK         bool             `json:"ok"`
}

// Head is a position in the trail: an entry's sequence number and hash.
type Head struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
}

// String is the form 'verify --head' takes: SEQ:HASH.
func (h Head) String() string { return fmt.Sprintf("%d:%s", h.Seq, h.Hash) }

// ParseHead reads SEQ:HASH.
func ParseHead(s string) (Head, error) {
	seq, hash, ok := strings.Cut(strings.TrimSpace(s), ":")
	n, err := strconv.ParseInt(seq, 10, 64)
	if !ok || err != nil || n < 0 || len(hash) != 64 {
		return Head{}, fmt.Errorf("%q is not a trail head: expected SEQ:HASH, e.g. 2376:9f2c… (64 hex digits), as verify prints it", s)
	}
	return Head{Seq: n, Hash: strings.ToLower(hash)}, nil
}

// AnchorCheck says whether the file still holds a quoted head.
type AnchorCheck struct {
	Head    Head   `json:"head"`
	Holds   bool   `json:"holds"`
	Problem string `json:"problem,omitempty"`
}

// TrailHead is the trail's last entry now.
func (w *Workpaper) TrailHead(ctx context.Context) (Head, error) {
	var h Head
	err := w.db.QueryRowContext(ctx, `SELECT seq, hash FROM change_log ORDER BY seq DESC LIMIT 1`).Scan(&h.Seq, &h.Hash)
	if errors.Is(err, sql.ErrNoRows) {
		return Head{}, nil
	}
	return h, friendlyDBError(err)
}

// VerifyOptions says what else verify checks.
type VerifyOptions struct {
	// Heads are trail heads quoted outside the file; each must still be
	// in the trail, with the same hash.
	Heads []Head
}

// Verify checks the whole workpaper: SQLite's integrity check, the audit
// trail's hash chain and signatures, every record against the trail's
// replay, every population's digests, every attached blob's hash, every
// sign-off's digest, and every stored selection re-performed against its
// population.
func (w *Workpaper) Verify(ctx context.Context, opts ...VerifyOptions) (*VerifyReport, error) {
	r := &VerifyReport{Integrity: []string{}, Trail: []string{}, Blobs: []string{}, Selections: []SelectionCheck{},
		Records: []string{}, Populations: []string{}, SignOffs: []string{}}
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

	if r.Trail, r.Entries, err = w.verifyChain(ctx); err != nil {
		return nil, err
	}
	if r.Head, err = w.TrailHead(ctx); err != nil {
		return nil, err
	}
	for _, o := range opts {
		for _, h := range o.Heads {
			a, err := w.checkAnchor(ctx, h)
			if err != nil {
				return nil, err
			}
			r.Anchor = a
		}
	}
	if r.Signatures, err = w.verifySignatures(ctx); err != nil {
		return nil, err
	}
	if r.Records, r.RecordsChecked, err = w.replayCheck(ctx); err != nil {
		return nil, err
	}
	var digests map[string]digestResult
	if r.Populations, digests, err = w.populationCheck(ctx); err != nil {
		return nil, err
	}
	items, err := w.derivedItemsCheck(ctx)
	if err != nil {
		return nil, err
	}
	r.Records = append(r.Records, items...)
	if r.SignOffs, err = w.signOffCheck(ctx); err != nil {
		return nil, err
	}
	if r.Seal, err = w.sealCheck(ctx); err != nil {
		return nil, err
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
		chk, err := w.checkSelection(ctx, sel, "", digests)
		if err != nil {
			return nil, err
		}
		r.Selections = append(r.Selections, chk)
	}
	r.OK = len(r.Integrity) == 0 && len(r.Trail) == 0 && len(r.Blobs) == 0 && len(r.Records) == 0 &&
		len(r.Populations) == 0 && len(r.Signatures.Problems) == 0 && len(r.SignOffs) == 0 && len(r.Seal) == 0 && (r.Anchor == nil || r.Anchor.Holds)
	for _, s := range r.Selections {
		r.OK = r.OK && s.Matches
	}
	return r, nil
}

// verifyChain checks the hash chain, streamed in pages: every entry's hash,
// its link to the one before, no gaps, and merged entries against the hash
// they had where they were written.
func (w *Workpaper) verifyChain(ctx context.Context) ([]string, int64, error) {
	problems := []string{}
	var n int64
	prev, expectSeq := "", int64(1)
	for {
		page, err := w.Trail(ctx, TrailFilter{AfterSeq: expectSeq - 1, Limit: 5000})
		if err != nil {
			return nil, 0, err
		}
		prevs := map[int64]string{}
		if len(page) > 0 {
			rows, err := w.db.QueryContext(ctx, "SELECT seq, prev_hash FROM change_log WHERE seq >= ? AND seq <= ?", page[0].Seq, page[len(page)-1].Seq)
			if err != nil {
				return nil, 0, err
			}
			for rows.Next() {
				var seq int64
				var ph string
				rows.Scan(&seq, &ph)
				prevs[seq] = ph
			}
			if err := closeRows(rows); err != nil {
				return nil, 0, err
			}
		}
		for _, c := range page {
			if c.Seq != expectSeq {
				problems = append(problems, fmt.Sprintf("entries %d to %d are missing (deleted from the trail)", expectSeq, c.Seq-1))
			}
			e := logEntry{Seq: c.Seq, UUID: c.UUID, At: formatTime(c.At), User: c.User, Op: c.Op, Table: c.Table, RecordUUID: c.RecordUUID,
				Field: c.Field, Old: c.Old, New: c.New, Note: c.Note, Scope: c.Scope, PrevHash: prev, Origin: c.Origin}
			if prevs[c.Seq] != prev {
				problems = append(problems, fmt.Sprintf("entry %d does not follow entry %d (chain broken)", c.Seq, c.Seq-1))
			}
			if e.hash() != c.Hash {
				problems = append(problems, fmt.Sprintf("entry %d (%s %s.%s by %s at %s) was altered after it was written",
					c.Seq, c.Op, c.Table, c.Field, c.User, c.At.Format(time.RFC3339)))
			}
			if c.Origin != nil && !c.Origin.matches(e) {
				problems = append(problems, fmt.Sprintf("entry %d (merged from another copy, where it was entry %d) does not match the hash it was written with there",
					c.Seq, c.Origin.Seq))
			}
			prev, expectSeq = c.Hash, c.Seq+1
			n++
		}
		if len(page) < 5000 {
			break
		}
	}
	return problems, n, nil
}

// checkAnchor reports whether the trail still holds entry h.Seq with hash
// h.Hash. With the chain intact, that entry's hash covers every entry
// before it, so the file holds the quoted history as a prefix.
func (w *Workpaper) checkAnchor(ctx context.Context, h Head) (*AnchorCheck, error) {
	a := &AnchorCheck{Head: h}
	var hash string
	err := w.db.QueryRowContext(ctx, "SELECT hash FROM change_log WHERE seq = ?", h.Seq).Scan(&hash)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		a.Problem = fmt.Sprintf("the trail has no entry %d: history quoted at %s was cut off", h.Seq, h)
	case err != nil:
		return nil, friendlyDBError(err)
	case hash != h.Hash:
		a.Problem = fmt.Sprintf("entry %d has hash %s, not %s as quoted: the history up to it was rewritten", h.Seq, shortHash(hash), shortHash(h.Hash))
	default:
		a.Holds = true
	}
	return a, nil
}

func shortHash(s string) string {
	if len(s) > 12 {
		return s[:12] + "…"
	}
	return s
}
