package model

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Replay (issue #12): the trail is the source of truth. Every record a
// write touches is logged field by field (txn.insert, update, delete), so
// the state of every record can be rebuilt from the trail alone and
// compared with the tables. verify does that for every record table; a
// difference is a direct edit of the file (or a write that went around
// fieldwork), named with the record, the field, both values and the entry
// that set the value the trail holds.
//
// Not replayed, and why: the bookkeeping columns version, updated_at and
// updated_by (they only serve stale-edit refusals; the trail says who
// changed what); sessions (who has the file open) and merge_conflict (a
// merge's worklist, local to one file; resolving a conflict is itself
// logged); wp_ref_used (W/P refs ever given, derived from the trail);
// population rows, which carry no record of their own and are covered by
// their population's rows and flags digests, which are replayed.

// replayTable is a record table as replay compares it.
type replayTable struct {
	name    string
	cols    []string           // compared columns, in table order
	deflt   map[string]*string // each compared column's default, as text
	selectQ string             // SELECT cols FROM table WHERE uuid = ?
}

// notReplayed are columns every record has that replay does not compare.
var notReplayed = map[string]bool{"id": true, "uuid": true, "version": true, "updated_at": true, "updated_by": true}

// replayTables lists the record tables (those with a uuid) and their columns.
func (w *Workpaper) replayTables(ctx context.Context) (map[string]*replayTable, error) {
	return replayTablesOn(ctx, w.db, "main")
}

// replayTablesOn reads the record tables of schema (main, or an attached
// copy) through q.
func replayTablesOn(ctx context.Context, q queryer, schema string) (map[string]*replayTable, error) {
	rows, err := q.QueryContext(ctx, fmt.Sprintf(`SELECT name FROM %s.sqlite_master WHERE type = 'table' ORDER BY name`, schema))
	if err != nil {
		return nil, friendlyDBError(err)
	}
	var names []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		names = append(names, n)
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	out := map[string]*replayTable{}
	for _, n := range names {
		if n == "change_log" || n == "trail_signature" || strings.HasPrefix(n, "sqlite_") {
			continue
		}
		rows, err := q.QueryContext(ctx, fmt.Sprintf("PRAGMA %s.table_info(%q)", schema, n))
		if err != nil {
			return nil, err
		}
		t := &replayTable{name: n, deflt: map[string]*string{}}
		hasUUID := false
		for rows.Next() {
			var cid, notnull, pk int
			var name, typ string
			var dflt sql.NullString
			if err := rows.Scan(&cid, &name, &typ, &notnull, &dflt, &pk); err != nil {
				rows.Close()
				return nil, err
			}
			if name == "uuid" {
				hasUUID = true
			}
			if notReplayed[name] {
				continue
			}
			t.cols = append(t.cols, name)
			if dflt.Valid {
				t.deflt[name] = sqlDefault(dflt.String)
			}
		}
		if err := closeRows(rows); err != nil {
			return nil, err
		}
		if !hasUUID {
			continue
		}
		quoted := make([]string, len(t.cols))
		for i, c := range t.cols {
			quoted[i] = fmt.Sprintf("%q", c)
		}
		t.selectQ = fmt.Sprintf("SELECT %s FROM %s.%q WHERE uuid = ?", strings.Join(quoted, ", "), schema, n)
		out[n] = t
	}
	return out, nil
}

// sqlDefault turns a column default as PRAGMA table_info gives it into the
// text valueText would give the stored value.
func sqlDefault(s string) *string {
	if strings.EqualFold(s, "NULL") {
		return nil
	}
	if len(s) >= 2 && s[0] == '\'' && s[len(s)-1] == '\'' {
		v := strings.ReplaceAll(s[1:len(s)-1], "''", "'")
		return &v
	}
	return &s
}

// entryRef is the trail entry that gave a field its value.
type entryRef struct {
	seq      int64
	user, at string
}

func (e entryRef) String() string {
	at := e.at
	if t := parseTime(at); !t.IsZero() {
		at = t.UTC().Format("2006-01-02 15:04")
	}
	return fmt.Sprintf("entry %d by %s, %s", e.seq, e.user, at)
}

// replayed is one record as the trail says it is.
type replayed struct {
	table, uuid string
	exists      bool
	fields      map[string]*string
	setBy       map[string]entryRef
	created     entryRef
	last        entryRef
	// broken names an entry of the record that does not parse.
	broken string
	// bulkBroken is set on the stand-in for a bulk-pass entry whose
	// description cannot be expanded.
	bulkBroken bool
}

// applyCell starts r as cell k of the bulk pass p (entry ref).
func (r *replayed) applyCell(ref entryRef, p *bulkPass, attr *bulkAttribute, ordinal int) {
	r.table, r.exists, r.created, r.last = "result", true, ref, ref
	r.fields = map[string]*string{}
	r.setBy = map[string]entryRef{}
	for k, v := range p.values(attr, ordinal) {
		v := v
		r.fields[k] = &v
		r.setBy[k] = ref
	}
}

// bulkCells expands bulk-pass entries into their cells as eachReplayed
// meets them: a pass's cells sort right after its own UUID.
type bulkCells struct {
	bulk string
	p    *bulkPass
	ref  entryRef
	k, n int
}

func (g *bulkCells) has() bool    { return g != nil && g.k <= g.n }
func (g *bulkCells) uuid() string { return cellUUID(g.bulk, g.k) }
func (g *bulkCells) take() *replayed {
	r := &replayed{uuid: g.uuid()}
	attr, ord, _ := g.p.cell(g.k)
	r.applyCell(g.ref, g.p, attr, ord)
	g.k++
	return r
}

func (r *replayed) apply(seq int64, at, user, op, field string, nw *string) {
	if field == bulkField && op == "insert" {
		return // a bulk pass: its cells are the records (applyCell)
	}
	ref := entryRef{seq, user, at}
	r.last = ref
	switch op {
	case "insert":
		r.exists = true
		r.fields = map[string]*string{}
		r.setBy = map[string]entryRef{}
		r.created = ref
		vals, err := parseInsertValues(nw)
		if err != nil {
			r.broken = fmt.Sprintf("%s: %v", ref, err)
		}
		for k, v := range vals {
			v := v
			r.fields[k] = &v
			r.setBy[k] = ref
		}
	case "update":
		if r.fields == nil {
			r.fields = map[string]*string{}
			r.setBy = map[string]entryRef{}
		}
		if field != "" {
			r.fields[field] = nw
			r.setBy[field] = ref
			return
		}
		vals, err := parseUpdateValues(nw) // several fields in one entry
		if err != nil {
			r.broken = fmt.Sprintf("%s: %v", ref, err)
		}
		for k, v := range vals {
			r.fields[k] = v
			r.setBy[k] = ref
		}
	case "delete":
		r.exists = false
	}
}

// expected is the value the trail gives column col of r.
func (r *replayed) expected(t *replayTable, col string) (*string, entryRef) {
	if v, ok := r.fields[col]; ok {
		return v, r.setBy[col]
	}
	switch col {
	case "created_at":
		at := r.created.at
		return &at, r.created
	case "created_by":
		by := r.created.user
		return &by, r.created
	}
	return t.deflt[col], r.created
}

// eachReplayed streams every record the trail knows, rebuilt from its
// entries, in record UUID order; memory holds one page of entries.
func (w *Workpaper) eachReplayed(ctx context.Context, upTo int64, fn func(r *replayed) error) error {
	const page = 20000
	lastUUID, lastSeq := "", int64(0)
	var cur *replayed
	var gen *bulkCells
	for {
		rows, err := w.db.QueryContext(ctx, `SELECT seq, at, user, op, tbl, record_uuid, field, new_value FROM change_log
			WHERE op != 'event' AND (record_uuid, seq) > (?, ?) AND (? = 0 OR seq <= ?) ORDER BY record_uuid, seq LIMIT ?`,
			lastUUID, lastSeq, upTo, upTo, page)
		if err != nil {
			return friendlyDBError(err)
		}
		type ent struct {
			seq                           int64
			at, user, op, tbl, rec, field string
			nw                            *string
		}
		var got []ent
		for rows.Next() {
			var e ent
			if err := rows.Scan(&e.seq, &e.at, &e.user, &e.op, &e.tbl, &e.rec, &e.field, &e.nw); err != nil {
				rows.Close()
				return err
			}
			got = append(got, e)
		}
		if err := closeRows(rows); err != nil {
			return err
		}
		for _, e := range got {
			if cur != nil && cur.uuid != e.rec {
				if err := fn(cur); err != nil {
					return err
				}
				cur = nil
			}
			lastUUID, lastSeq = e.rec, e.seq
			// The cells of a bulk pass that sort before this record.
			for gen.has() && gen.uuid() < e.rec {
				if err := fn(gen.take()); err != nil {
					return err
				}
			}
			if e.field == bulkField && e.op == "insert" {
				ref := entryRef{e.seq, e.user, e.at}
				p, err := parseBulk(e.nw)
				if err != nil {
					gen = nil
					if err := fn(&replayed{table: e.tbl, uuid: e.rec, bulkBroken: true, broken: fmt.Sprintf("%s: %v", ref, err)}); err != nil {
						return err
					}
					continue
				}
				gen = &bulkCells{bulk: e.rec, p: p, ref: ref, k: 1, n: p.cells()}
				continue
			}
			if cur == nil {
				if gen.has() && gen.uuid() == e.rec {
					cur = gen.take() // a cell changed after the pass
				} else {
					cur = &replayed{table: e.tbl, uuid: e.rec}
				}
			}
			cur.apply(e.seq, e.at, e.user, e.op, e.field, e.nw)
		}
		if len(got) < page {
			break
		}
	}
	if cur != nil {
		if err := fn(cur); err != nil {
			return err
		}
	}
	for gen.has() {
		if err := fn(gen.take()); err != nil {
			return err
		}
	}
	return nil
}

// replayRecord rebuilds one record from its entries up to upTo (0: all)
// in schema (main, or an attached copy), read through q.
func replayRecord(ctx context.Context, q queryer, schema, uuid string, upTo int64) (*replayed, error) {
	// A result may be a cell of a bulk pass: the pass's entry creates it.
	bulk, k, isCell := bulkOf(uuid)
	if !isCell {
		bulk = uuid
	}
	rows, err := q.QueryContext(ctx, fmt.Sprintf(`SELECT seq, at, user, op, tbl, record_uuid, field, new_value FROM %s.change_log
		WHERE record_uuid IN (?, ?) AND op != 'event' AND (? = 0 OR seq <= ?) ORDER BY seq`, schema), uuid, bulk, upTo, upTo)
	if err != nil {
		return nil, err
	}
	r := &replayed{uuid: uuid}
	for rows.Next() {
		var seq int64
		var at, user, op, tbl, rec, fld string
		var nw *string
		if err := rows.Scan(&seq, &at, &user, &op, &tbl, &rec, &fld, &nw); err != nil {
			rows.Close()
			return nil, err
		}
		if rec != uuid {
			if fld != bulkField || op != "insert" {
				continue
			}
			ref := entryRef{seq, user, at}
			p, err := parseBulk(nw)
			if err != nil {
				r.table, r.broken = tbl, fmt.Sprintf("%s: %v", ref, err)
				continue
			}
			if attr, ord, ok := p.cell(k); ok {
				r.applyCell(ref, p, attr, ord)
			}
			continue
		}
		r.table = tbl
		r.apply(seq, at, user, op, fld, nw)
	}
	return r, closeRows(rows)
}

// replayCheck compares every record table with the trail's replay.
func (w *Workpaper) replayCheck(ctx context.Context) ([]string, int64, error) {
	tables, err := w.replayTables(ctx)
	if err != nil {
		return nil, 0, err
	}
	lab := newLabeler(w)
	var problems []string
	var n int64
	report := func(s string) {
		if len(problems) < 1000 {
			problems = append(problems, s)
		} else if len(problems) == 1000 {
			problems = append(problems, "… more differences not listed")
		}
	}
	// Records the trail knows: compared one by one. The records of a page
	// are looked up after the page's rows are closed (one connection).
	var batch []*replayed
	flush := func() error {
		for _, r := range batch {
			if r.bulkBroken {
				report(fmt.Sprintf("bulk pass %s: the trail cannot expand it into its cells: %s", shortID(r.uuid), r.broken))
				continue
			}
			t := tables[r.table]
			if t == nil {
				if r.exists {
					report(fmt.Sprintf("the trail holds %s record %s, but the workpaper has no such table", r.table, shortID(r.uuid)))
				}
				continue
			}
			vals := make([]any, len(t.cols))
			ptrs := make([]any, len(vals))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			err := w.db.QueryRowContext(ctx, t.selectQ, r.uuid).Scan(ptrs...)
			if err == sql.ErrNoRows {
				if r.exists {
					report(fmt.Sprintf("%s: missing from the workpaper, but the trail never deleted it (created in %s)", lab.label(ctx, r, nil, t), r.created))
				}
				continue
			}
			if err != nil {
				return err
			}
			n++
			if r.broken != "" {
				report(fmt.Sprintf("%s: the trail cannot rebuild it: %s", lab.label(ctx, r, vals, t), r.broken))
				continue
			}
			if !r.exists {
				report(fmt.Sprintf("%s: present in the workpaper, but the trail deleted it (%s)", lab.label(ctx, r, vals, t), r.last))
				continue
			}
			for i, col := range t.cols {
				got := valueText(vals[i])
				want, by := r.expected(t, col)
				if equalText(got, want) {
					continue
				}
				report(fmt.Sprintf("%s: %s stored %s, trail says %s (%s)", lab.label(ctx, r, vals, t), col, shortValue(got), shortValue(want), by))
			}
		}
		batch = batch[:0]
		return nil
	}
	err = w.eachReplayed(ctx, 0, func(r *replayed) error {
		batch = append(batch, r)
		if len(batch) >= 2000 {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return nil, 0, err
	}
	// Records the trail never mentions: added around fieldwork.
	names := make([]string, 0, len(tables))
	for name := range tables {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		t := tables[name]
		q := fmt.Sprintf(`SELECT uuid FROM %q WHERE uuid NOT IN (SELECT record_uuid FROM change_log)`, name)
		if name == "sample_item" {
			// Derived items are checked against their selection's record.
			q += ` AND selection_uuid NOT IN (SELECT uuid FROM selection WHERE items_derived IN (1, 2))`
		}
		rows, err := w.db.QueryContext(ctx, q)
		if err != nil {
			return nil, 0, friendlyDBError(err)
		}
		var extra []string
		for rows.Next() {
			var u string
			rows.Scan(&u)
			extra = append(extra, u)
		}
		if err := closeRows(rows); err != nil {
			return nil, 0, err
		}
		if name == "result" && len(extra) > 0 {
			// The cells of bulk passes were compared above.
			if extra, err = w.notBulkCells(ctx, extra); err != nil {
				return nil, 0, err
			}
		}
		for _, u := range extra {
			r := &replayed{table: name, uuid: u}
			vals := make([]any, len(t.cols))
			ptrs := make([]any, len(vals))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := w.db.QueryRowContext(ctx, t.selectQ, u).Scan(ptrs...); err != nil {
				vals = nil
			}
			report(fmt.Sprintf("%s: in the workpaper but not in the trail (added outside fieldwork)", lab.label(ctx, r, vals, t)))
		}
	}
	return problems, n, nil
}

func shortValue(s *string) string {
	if s == nil {
		return "nothing"
	}
	v := *s
	if len(v) > 60 {
		v = v[:57] + "…"
	}
	return strconv.Quote(v)
}

// labeler names a record the way an auditor would: "result WP-CHG-01 item
// 4/A", "exception EX-01", "control CHG-01".
type labeler struct {
	w     *Workpaper
	cache map[string]string
}

func newLabeler(w *Workpaper) *labeler { return &labeler{w: w, cache: map[string]string{}} }

// field gives a record's value for col: the trail's if it has one, else
// the stored one.
func recordField(r *replayed, vals []any, t *replayTable, col string) string {
	if v, ok := r.fields[col]; ok && v != nil {
		return *v
	}
	if vals != nil && t != nil {
		for i, c := range t.cols {
			if c == col {
				return asString(vals[i])
			}
		}
	}
	return ""
}

func (l *labeler) lookup(ctx context.Context, q string, args ...any) string {
	key := q + fmt.Sprint(args...)
	if s, ok := l.cache[key]; ok {
		return s
	}
	var s sql.NullString
	l.w.db.QueryRowContext(ctx, q, args...).Scan(&s)
	l.cache[key] = s.String
	return s.String
}

func (l *labeler) wpRef(ctx context.Context, testUUID string) string {
	if s := l.lookup(ctx, `SELECT wp_ref FROM control_test WHERE uuid = ?`, testUUID); s != "" {
		return s
	}
	return "test " + shortID(testUUID)
}

func (l *labeler) label(ctx context.Context, r *replayed, vals []any, t *replayTable) string {
	f := func(col string) string { return recordField(r, vals, t, col) }
	switch r.table {
	case "engagement":
		return "the engagement"
	case "result":
		item := l.lookup(ctx, `SELECT ordinal FROM sample_item WHERE uuid = ?`, f("item_uuid"))
		letter := l.lookup(ctx, `SELECT letter FROM attribute WHERE uuid = ?`, f("attribute_uuid"))
		return fmt.Sprintf("result %s item %s/%s", l.wpRef(ctx, f("test_uuid")), item, letter)
	case "sample_item":
		test := l.lookup(ctx, `SELECT test_uuid FROM selection WHERE uuid = ?`, f("selection_uuid"))
		return fmt.Sprintf("sample item %s of %s (position %s)", f("ordinal"), l.wpRef(ctx, test), f("position"))
	case "signoff":
		return fmt.Sprintf("%s sign-off by %s on %s", f("role"), f("signer"), l.wpRef(ctx, f("test_uuid")))
	case "attribute":
		return fmt.Sprintf("attribute %s of %s", f("letter"), l.wpRef(ctx, f("test_uuid")))
	case "procedure":
		return fmt.Sprintf("procedure %s of %s", f("ordinal"), l.wpRef(ctx, f("test_uuid")))
	case "population", "selection":
		return fmt.Sprintf("%s of %s", r.table, l.wpRef(ctx, f("test_uuid")))
	case "control_test":
		return "workpaper " + f("wp_ref")
	case "control_criterion":
		c := l.lookup(ctx, `SELECT ref FROM control WHERE uuid = ?`, f("control_uuid"))
		return fmt.Sprintf("mapping of %s to %s", c, f("criterion"))
	case "exception_item":
		e := l.lookup(ctx, `SELECT ref FROM exception WHERE uuid = ?`, f("exception_uuid"))
		return fmt.Sprintf("item of exception %s", e)
	case "complementary_control":
		return strings.ToUpper(f("kind")) + " " + f("ref")
	case "blob":
		return "attached file " + f("name")
	case "team_member":
		return "team member " + f("name")
	case "subservice_org":
		return "subservice organization " + f("name")
	case "tickmark":
		return "tickmark " + f("symbol")
	case "interview":
		return "interview of " + f("person")
	}
	for _, col := range []string{"ref", "wp_ref", "name", "symbol", "letter"} {
		if v := f(col); v != "" {
			return strings.ReplaceAll(r.table, "_", " ") + " " + v
		}
	}
	return strings.ReplaceAll(r.table, "_", " ") + " " + shortID(r.uuid)
}

// flagsDigestOf is the digest of a population's row flags: each flagged
// row's position and flags, in position order.
func flagsDigestOf(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, popID int64) (string, error) {
	h := sha256.New()
	from := 0
	for {
		rows, err := q.QueryContext(ctx, `SELECT position, flags FROM population_row WHERE population_id = ? AND flags != '' AND position > ?
			ORDER BY position LIMIT 5000`, popID, from)
		if err != nil {
			return "", err
		}
		got := 0
		for rows.Next() {
			var pos int
			var flags string
			if err := rows.Scan(&pos, &flags); err != nil {
				rows.Close()
				return "", err
			}
			fmt.Fprintf(h, "%d\x1f%s\x1e", pos, flags)
			from = pos
			got++
		}
		if err := closeRows(rows); err != nil {
			return "", err
		}
		if got < 5000 {
			break
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// populationCheck recomputes every population's rows and flags digests.
func (w *Workpaper) populationCheck(ctx context.Context) ([]string, map[string]digestResult, error) {
	type pop struct {
		id                    int64
		uuid, test, rows, flg string
		count                 int
	}
	rows, err := w.db.QueryContext(ctx, `SELECT id, uuid, test_uuid, rows_digest, flags_digest, row_count FROM population ORDER BY id`)
	if err != nil {
		return nil, nil, friendlyDBError(err)
	}
	var pops []pop
	for rows.Next() {
		var p pop
		if err := rows.Scan(&p.id, &p.uuid, &p.test, &p.rows, &p.flg, &p.count); err != nil {
			rows.Close()
			return nil, nil, err
		}
		pops = append(pops, p)
	}
	if err := closeRows(rows); err != nil {
		return nil, nil, err
	}
	lab := newLabeler(w)
	var problems []string
	digests := map[string]digestResult{}
	for _, p := range pops {
		d, err := w.populationDigest(ctx, p.uuid)
		if err != nil {
			return nil, nil, err
		}
		digests[p.uuid] = d
		name := "population of " + lab.wpRef(ctx, p.test)
		if d.digest != p.rows || d.rows != p.count {
			problems = append(problems, fmt.Sprintf("%s: its %d stored rows do not match the digest recorded at import (%d rows): rows were edited, added or removed", name, d.rows, p.count))
		}
		fd, err := flagsDigestOf(ctx, w.db, p.id)
		if err != nil {
			return nil, nil, err
		}
		if fd != p.flg {
			problems = append(problems, fmt.Sprintf("%s: the rows' flags (out of period, duplicate ID …) do not match the digest recorded at import", name))
		}
	}
	return problems, digests, nil
}

// reconcile makes the trail's replay of each record in uuids agree with
// the table, logging what differs: a merge writes records directly (it
// keeps mine on a conflict, matches records both copies created, restores
// what their new records need), and the entries it appends say what their
// copy did, not what the merge decided. These entries say what it decided.
func (t *txn) reconcile(uuids map[string]bool, note string) error {
	if len(uuids) == 0 {
		return nil
	}
	tables, err := replayTablesOn(t.ctx, t.tx, "main")
	if err != nil {
		return err
	}
	ids := make([]string, 0, len(uuids))
	for u := range uuids {
		ids = append(ids, u)
	}
	sort.Strings(ids)
	for _, u := range ids {
		r, err := replayRecord(t.ctx, t.tx, "main", u, 0)
		if err != nil {
			return err
		}
		// Which table holds it now (a record the trail never mentions
		// cannot be in uuids, but one it knows may be elsewhere).
		var tb *replayTable
		var vals []any
		for _, name := range sortedTableNames(tables, r.table) {
			cand := tables[name]
			v := make([]any, len(cand.cols))
			ptrs := make([]any, len(v))
			for i := range v {
				ptrs[i] = &v[i]
			}
			err := t.tx.QueryRowContext(t.ctx, cand.selectQ, u).Scan(ptrs...)
			if err == sql.ErrNoRows {
				continue
			}
			if err != nil {
				return err
			}
			tb, vals = cand, v
			break
		}
		switch {
		case tb == nil && r.exists:
			if err := t.log("delete", r.table, u, "", nil, nil, note); err != nil {
				return err
			}
		case tb == nil:
		case !r.exists || r.table != tb.name:
			if err := t.log("insert", tb.name, u, "", nil, nil, note); err != nil {
				return err
			}
			fresh := &replayed{table: tb.name, uuid: u, exists: true, fields: map[string]*string{}, setBy: map[string]entryRef{}}
			for i, col := range tb.cols {
				got := valueText(vals[i])
				if want := tb.deflt[col]; col != "created_at" && col != "created_by" && equalText(got, want) {
					continue
				}
				_ = fresh
				if err := t.log("update", tb.name, u, col, nil, got, note); err != nil {
					return err
				}
			}
		default:
			for i, col := range tb.cols {
				got := valueText(vals[i])
				want, _ := r.expected(tb, col)
				if equalText(got, want) {
					continue
				}
				if err := t.log("update", tb.name, u, col, want, got, note); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// sortedTableNames puts first first, then the rest in name order.
func sortedTableNames(tables map[string]*replayTable, first string) []string {
	out := make([]string, 0, len(tables))
	if _, ok := tables[first]; ok {
		out = append(out, first)
	}
	rest := make([]string, 0, len(tables))
	for n := range tables {
		if n != first {
			rest = append(rest, n)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

// notBulkCells drops from uuids the cells of bulk passes the trail holds.
func (w *Workpaper) notBulkCells(ctx context.Context, uuids []string) ([]string, error) {
	cells := map[string]int{} // bulk pass → its cells
	err := w.scanRows(ctx, func(rows *sql.Rows) error {
		var u string
		var nw *string
		if err := rows.Scan(&u, &nw); err != nil {
			return err
		}
		if p, err := parseBulk(nw); err == nil {
			cells[u] = p.cells()
		}
		return nil
	}, `SELECT record_uuid, new_value FROM change_log WHERE field = 'bulk' AND op = 'insert'`)
	if err != nil {
		return nil, err
	}
	out := uuids[:0]
	for _, u := range uuids {
		if b, k, ok := bulkOf(u); ok && k <= cells[b] {
			continue
		}
		out = append(out, u)
	}
	return out, nil
}
