package model

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
)

// A sign-off signs what it covers (issue #12): the digest of the state of
// every record of its control test, rebuilt from the trail up to the chain
// head the signer saw, and that head itself. The sign-off's fields are
// logged and signed with the signer's key like any entry, so the digest and
// head are the signer's own statement; verify rebuilds the digest from the
// trail and compares.

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// scopeDigest is the digest of the control test testUUID's records as the
// trail has them at entry upTo: every record an entry of its scope touched
// (sign-offs themselves excepted), each field in name order.
func scopeDigest(ctx context.Context, q queryer, testUUID string, upTo int64) (string, error) {
	rows, err := q.QueryContext(ctx, `SELECT DISTINCT record_uuid FROM change_log
		WHERE (scope = ? OR record_uuid = ?) AND op != 'event' AND tbl != 'signoff' AND seq <= ?`, testUUID, testUUID, upTo)
	if err != nil {
		return "", err
	}
	var recs []string
	for rows.Next() {
		var u string
		rows.Scan(&u)
		recs = append(recs, u)
	}
	if err := closeRows(rows); err != nil {
		return "", err
	}
	sort.Strings(recs)
	bulks, err := scopeBulks(ctx, q, testUUID, upTo)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	put := func(s string) { fmt.Fprintf(h, "%d:%s;", len(s), s) }
	put("fieldwork-scope-digest/1")
	putRecord := func(u string, r *replayed) {
		put(r.table)
		put(u)
		if !r.exists {
			put("deleted")
			return
		}
		names := make([]string, 0, len(r.fields))
		for k := range r.fields {
			names = append(names, k)
		}
		sort.Strings(names)
		put(strconv.Itoa(len(names)))
		for _, k := range names {
			put(k)
			if v := r.fields[k]; v == nil {
				put("-")
			} else {
				put(*v)
			}
		}
	}
	for _, u := range recs {
		if b := bulks[u]; b != nil {
			// A bulk pass: its cells, each with what changed it since.
			later, err := cellEntries(ctx, q, u, b, upTo)
			if err != nil {
				return "", err
			}
			for k := 1; k <= b.p.cells(); k++ {
				c := cellUUID(u, k)
				r := &replayed{uuid: c}
				attr, ord, _ := b.p.cell(k)
				r.applyCell(b.ref, b.p, attr, ord)
				for _, e := range later[c] {
					r.apply(e.seq, e.at, e.user, e.op, e.field, e.nw)
				}
				putRecord(c, r)
			}
			continue
		}
		if b, _, ok := bulkOf(u); ok && bulks[b] != nil {
			continue // a cell changed after its pass: done with the pass
		}
		r, err := replayRecord(ctx, q, "main", u, upTo)
		if err != nil {
			return "", err
		}
		putRecord(u, r)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// scopeBulk is a bulk-pass entry of a scope.
type scopeBulk struct {
	p   *bulkPass
	ref entryRef
}

// scopeBulks are the bulk passes of a control test up to entry upTo.
func scopeBulks(ctx context.Context, q queryer, testUUID string, upTo int64) (map[string]*scopeBulk, error) {
	rows, err := q.QueryContext(ctx, `SELECT seq, at, user, record_uuid, new_value FROM change_log
		WHERE scope = ? AND field = 'bulk' AND op = 'insert' AND seq <= ?`, testUUID, upTo)
	if err != nil {
		return nil, err
	}
	out := map[string]*scopeBulk{}
	for rows.Next() {
		var b scopeBulk
		var u string
		var nw *string
		if err := rows.Scan(&b.ref.seq, &b.ref.at, &b.ref.user, &u, &nw); err != nil {
			rows.Close()
			return nil, err
		}
		if b.p, err = parseBulk(nw); err != nil {
			continue // replay names it; the digest then differs from the signed one
		}
		out[u] = &b
	}
	return out, closeRows(rows)
}

type cellEntry struct {
	seq                 int64
	at, user, op, field string
	nw                  *string
}

// cellEntries are the entries, up to upTo, of the cells of bulk pass bulk
// made after it, by cell: one range of the record index.
func cellEntries(ctx context.Context, q queryer, bulk string, b *scopeBulk, upTo int64) (map[string][]cellEntry, error) {
	rows, err := q.QueryContext(ctx, `SELECT seq, at, user, op, record_uuid, field, new_value FROM change_log
		WHERE record_uuid > ? AND record_uuid <= ? AND op != 'event' AND seq <= ? ORDER BY seq`, bulk, cellUUID(bulk, b.p.cells()), upTo)
	if err != nil {
		return nil, err
	}
	out := map[string][]cellEntry{}
	for rows.Next() {
		var e cellEntry
		var u string
		if err := rows.Scan(&e.seq, &e.at, &e.user, &e.op, &u, &e.field, &e.nw); err != nil {
			rows.Close()
			return nil, err
		}
		out[u] = append(out[u], e)
	}
	return out, closeRows(rows)
}

// signOffFields are the digest and head a new sign-off records.
func (t *txn) signOffFields(testUUID string) ([]field, error) {
	d, err := scopeDigest(t.ctx, t.tx, testUUID, t.seq)
	if err != nil {
		return nil, err
	}
	return []field{{"state_digest", d}, {"head_seq", t.seq}, {"head_hash", t.prevHash}}, nil
}

// signOffCheck rebuilds the digest every sign-off signed.
func (w *Workpaper) signOffCheck(ctx context.Context) ([]string, error) {
	type so struct {
		uuid, test, role, signer, digest, headHash string
		headSeq                                    int64
	}
	rows, err := w.db.QueryContext(ctx, `SELECT uuid, test_uuid, role, signer, state_digest, head_seq, head_hash FROM signoff ORDER BY id`)
	if err != nil {
		return nil, friendlyDBError(err)
	}
	var all []so
	for rows.Next() {
		var s so
		if err := rows.Scan(&s.uuid, &s.test, &s.role, &s.signer, &s.digest, &s.headSeq, &s.headHash); err != nil {
			rows.Close()
			return nil, err
		}
		all = append(all, s)
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	lab := newLabeler(w)
	problems := []string{}
	for _, s := range all {
		name := fmt.Sprintf("%s sign-off by %s on %s", s.role, s.signer, lab.wpRef(ctx, s.test))
		var author string
		err := w.db.QueryRowContext(ctx, `SELECT user FROM change_log WHERE record_uuid = ? AND op = 'insert' ORDER BY seq LIMIT 1`, s.uuid).Scan(&author)
		if err == nil && author != s.signer {
			problems = append(problems, fmt.Sprintf("%s: the trail says %s wrote it, not %s", name, author, s.signer))
		}
		if s.digest == "" {
			continue // signed before sign-offs carried a digest (schema 2)
		}
		var hash string
		if err := w.db.QueryRowContext(ctx, `SELECT hash FROM change_log WHERE seq = ?`, s.headSeq).Scan(&hash); err != nil || hash != s.headHash {
			// Signed in another copy and merged here: the head is that
			// copy's, and this file's order interleaves both copies' work,
			// so the digest is not rebuilt here; the signer's signature and
			// the merged entries' own hashes, checked above, cover it.
			var n int
			w.db.QueryRowContext(ctx, `SELECT count(*) FROM change_log WHERE origin_hash = ? AND origin_seq = ?`, s.headHash, s.headSeq).Scan(&n)
			if n == 0 && s.headSeq > 0 {
				problems = append(problems, fmt.Sprintf("%s: the trail head it signed (entry %d) is not in the trail as it was", name, s.headSeq))
			}
			continue
		}
		d, err := scopeDigest(ctx, w.db, s.test, s.headSeq)
		if err != nil {
			return nil, err
		}
		if d != s.digest {
			problems = append(problems, fmt.Sprintf("%s: the work it signed (as of entry %d) is not what the trail now says it was", name, s.headSeq))
		}
	}
	return problems, nil
}
