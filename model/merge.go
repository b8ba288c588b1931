package model

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Merging two copies of the same workpaper (issue #7).
//
// Both copies descend from one file, so they share the beginning of their
// change logs; every log entry has a globally unique UUID. The entries one
// copy has and the other lacks say exactly what changed on each side since
// they parted. Records match by UUID (and, for records both sides created
// separately, by their natural key: the same result on the same item and
// attribute, the same control reference …). Per field:
//
//   - changed on their side only: their value is taken;
//   - changed on my side only: mine is kept;
//   - changed on both sides to the same value: nothing to do;
//   - changed on both sides to different values: a conflict, recorded with
//     both values, users and times; mine stays until the auditor resolves it.
//
// Records created on one side only are inserted whole (a population with its
// rows, an attached file with its content). A delete on one side and an edit
// (or new dependent records) on the other is a conflict, never a silent loss:
// the edited record stays until resolved. Two populations (or samples) both
// made current for the same control is a conflict too. Review notes,
// exceptions and requests both sides numbered alike are renumbered: the one
// created first keeps the number, the other gets it with a suffix from its
// UUID (RN-004.3fa2), so the result is the same whatever the merge order.
//
// Their log entries are appended to this file's hash chain in their order,
// keeping their UUID, time, user and values, with their sequence number and
// hashes in the copy where they were written (ChangeOrigin), so both trails
// survive and "fieldwork verify" checks both. The merge itself is logged.

// ChangeOrigin is where a change-log entry merged in from another copy was
// first written: its sequence number there and the hashes it had.
type ChangeOrigin struct {
	Seq      int64  `json:"seq"`
	PrevHash string `json:"prev_hash"`
	Hash     string `json:"hash"`
}

// matches reports whether the entry, as it stood in the copy where it was
// written, hashes to o.Hash.
func (o *ChangeOrigin) matches(e logEntry) bool {
	e.Seq, e.PrevHash, e.Origin = o.Seq, o.PrevHash, nil
	return e.hash() == o.Hash
}

// Errors a merge refuses with.
var (
	ErrOtherEngagement = errors.New("not a copy of the same engagement")
	ErrOpenConflicts   = errors.New("has unresolved merge conflicts")
)

// MergeOptions controls Merge.
type MergeOptions struct {
	// DryRun computes the whole merge and reports it, then rolls it back.
	DryRun bool
}

// MergeReport says what a merge did (or, dry, would do).
type MergeReport struct {
	Other      string `json:"other"`
	Engagement string `json:"engagement"`
	DryRun     bool   `json:"dry_run"`
	// UpToDate is set when the other copy holds nothing this file lacks.
	UpToDate bool           `json:"up_to_date"`
	Appended int            `json:"entries_appended"`
	Added    map[string]int `json:"added"`   // records inserted, by table
	Changed  map[string]int `json:"changed"` // records with fields taken from the other copy
	Deleted  map[string]int `json:"deleted"`
	// Renumbered and StaleSignOffs describe what the merge itself changed.
	Renumbered    []string   `json:"renumbered"`
	StaleSignOffs []string   `json:"stale_signoffs"`
	Conflicts     []Conflict `json:"conflicts"`
	// Backup is the copy of this file written before the merge.
	Backup string `json:"backup,omitempty"`
}

// Merge merges the copy at otherPath into this workpaper in one immediate
// transaction: a crash leaves the file as it was before or after, never
// between. The other file is only read. Unless DryRun, a backup of this file
// is written first (MergeReport.Backup). Merging the same copy again changes
// nothing.
func (w *Workpaper) Merge(ctx context.Context, otherPath string, opt MergeOptions) (*MergeReport, error) {
	if w.readOnly {
		return nil, fmt.Errorf("%s: %w (%s): cannot merge into it", w.path, ErrReadOnly, w.readOnlyReason)
	}
	if a, err := os.Stat(w.path); err == nil {
		if b, err := os.Stat(otherPath); err == nil && os.SameFile(a, b) {
			return nil, fmt.Errorf("%s and %s are the same file: merge a copy of it", w.path, otherPath)
		}
	}
	h, err := readHeader(otherPath)
	if err != nil {
		return nil, err
	}
	switch {
	case h.applicationID != ApplicationID:
		return nil, fmt.Errorf("%s: %w (application_id %#x)", otherPath, ErrForeignDB, h.applicationID)
	case h.userVersion > SchemaVersion:
		return nil, fmt.Errorf("%s: %w: schema %d, this build reads up to %d; update fieldwork to merge it", otherPath, ErrNewerSchema, h.userVersion, SchemaVersion)
	case h.userVersion < SchemaVersion:
		return nil, fmt.Errorf("%s was written by an older fieldwork (schema %d): open it once with this one to upgrade it, then merge", otherPath, h.userVersion)
	}

	if err := verifyCopy(ctx, otherPath); err != nil {
		return nil, err
	}

	conn, err := w.db.Conn(ctx)
	if err != nil {
		return nil, friendlyDBError(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "ATTACH DATABASE ? AS other", "file:"+uriPath(otherPath)+"?mode=ro"); err != nil {
		return nil, fmt.Errorf("%s: %w", otherPath, friendlyDBError(err))
	}
	defer func() {
		if _, err := conn.ExecContext(context.Background(), "DETACH DATABASE other"); err != nil {
			// Never hand a connection with the other file attached back to the pool.
			conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()

	rep := &MergeReport{Other: otherPath, DryRun: opt.DryRun, Added: map[string]int{}, Changed: map[string]int{}, Deleted: map[string]int{},
		Renumbered: []string{}, StaleSignOffs: []string{}, Conflicts: []Conflict{}}
	var mine, theirs, client, theirClient string
	if err := conn.QueryRowContext(ctx, "SELECT uuid, client FROM main.engagement WHERE id = 1").Scan(&mine, &client); err != nil {
		return nil, fmt.Errorf("%s: %w", w.path, ErrNoEngagement)
	}
	if err := conn.QueryRowContext(ctx, "SELECT uuid, client FROM other.engagement WHERE id = 1").Scan(&theirs, &theirClient); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("%s: %w", otherPath, ErrNoEngagement)
		}
		return nil, fmt.Errorf("%s: %w", otherPath, friendlyDBError(err))
	}
	if mine != theirs {
		return nil, fmt.Errorf("%s holds the engagement of %s (%s), %s that of %s (%s): %w; only copies of one workpaper can be merged (next year's file is a roll-forward, not a copy)",
			otherPath, theirClient, theirs, w.path, client, mine, ErrOtherEngagement)
	}
	rep.Engagement = mine
	var open int
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM other.merge_conflict WHERE state = 'open'").Scan(&open); err != nil {
		return nil, friendlyDBError(err)
	}
	if open > 0 {
		return nil, fmt.Errorf("%s %w (%d): resolve them first ('fieldwork conflicts %s'), or its unresolved values would overwrite this copy's",
			otherPath, ErrOpenConflicts, open, otherPath)
	}
	var news int
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM other.change_log WHERE uuid NOT IN (SELECT uuid FROM main.change_log)").Scan(&news); err != nil {
		return nil, friendlyDBError(err)
	}
	if news == 0 {
		rep.UpToDate = true
		return rep, nil
	}
	if !opt.DryRun {
		if rep.Backup, err = w.backupOn(ctx, conn); err != nil {
			return nil, err
		}
	}
	errDry := errors.New("dry run")
	err = w.writeOn(ctx, conn, func(t *txn) error {
		m := &merger{t: t, rep: rep, source: filepath.Base(otherPath)}
		if err := m.run(); err != nil {
			return err
		}
		crashPoint("merge")
		if opt.DryRun {
			return errDry
		}
		return nil
	})
	if err != nil && !errors.Is(err, errDry) {
		if rep.Backup != "" {
			os.Remove(rep.Backup)
			rep.Backup = ""
		}
		return nil, fmt.Errorf("merging %s into %s: %w (nothing was changed)", otherPath, w.path, err)
	}
	if opt.DryRun {
		for i := range rep.Conflicts {
			rep.Conflicts[i].ID = 0 // never recorded
		}
	}
	return rep, nil
}

// ErrCopyDoesNotVerify refuses to merge (or roll forward from) a copy
// whose own verify fails: its history would become this file's.
var ErrCopyDoesNotVerify = errors.New("does not verify")

// verifyCopy runs verify on another copy and names its first failure.
func verifyCopy(ctx context.Context, path string) error {
	o, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		return err
	}
	defer o.Close()
	r, err := o.Verify(ctx)
	if err != nil {
		return fmt.Errorf("%s: verifying it before merging: %w", path, err)
	}
	if r.OK {
		return nil
	}
	return fmt.Errorf("%s %w, so nothing of it was taken in: %s (run 'fieldwork verify %s' for the whole report)", path, ErrCopyDoesNotVerify, r.FirstProblem(), path)
}

// FirstProblem is the first thing verify found, for one-line refusals.
func (r *VerifyReport) FirstProblem() string {
	for _, l := range [][]string{r.Integrity, r.Trail, r.Signatures.Problems, r.Records, r.Populations, r.SignOffs, r.Blobs} {
		if len(l) > 0 {
			return l[0]
		}
	}
	for _, s := range r.Selections {
		if !s.Matches {
			if len(s.Problems) > 0 {
				return "selection of " + s.ControlRef + ": " + s.Problems[0]
			}
			return "the selection of " + s.ControlRef + " does not re-perform"
		}
	}
	if r.Anchor != nil && !r.Anchor.Holds {
		return r.Anchor.Problem
	}
	return "verify failed"
}

// uriPath escapes a path for a file: URI.
func uriPath(path string) string {
	return strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(filepath.ToSlash(path))
}

// sideChange is what one side did to one record since the copies parted.
type sideChange struct {
	inserted, deleted bool
	fields            map[string]stamp // field → the latest change to it
	last              stamp            // the latest change to the record
}

type stamp struct{ user, at string }

// sideLog is one side's changes that the other side lacks.
type sideLog struct {
	records map[string]*sideChange // by record UUID
	scopes  map[string]stamp       // control test → the earliest change to its workpaper
}

// Tables whose changes make a control test's sign-offs stale (as touch does).
var signOffNeutral = map[string]bool{"signoff": true, "review_note": true}

func loadSide(t *txn, from, against string) (*sideLog, error) {
	rows, err := t.tx.QueryContext(t.ctx, fmt.Sprintf(`SELECT at, user, op, tbl, record_uuid, field, scope, new_value FROM %[1]s.change_log
		WHERE uuid NOT IN (SELECT uuid FROM %[2]s.change_log) ORDER BY seq`, from, against))
	if err != nil {
		return nil, err
	}
	s := &sideLog{records: map[string]*sideChange{}, scopes: map[string]stamp{}}
	for rows.Next() {
		var st stamp
		var op, tbl, rec, fld, scope string
		var nw *string
		if err := rows.Scan(&st.at, &st.user, &op, &tbl, &rec, &fld, &scope, &nw); err != nil {
			rows.Close()
			return nil, err
		}
		if op == "event" || rec == "" {
			continue
		}
		c := s.records[rec]
		if c == nil {
			c = &sideChange{fields: map[string]stamp{}}
			s.records[rec] = c
		}
		switch op {
		case "insert":
			c.inserted = true
			// The values it was created with count as fields this side
			// set, as the updates that followed an insert did before.
			vals, err := parseInsertValues(nw)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("%s entry for record %s: %w", from, shortID(rec), err)
			}
			for k := range vals {
				c.fields[k] = st
			}
		case "delete":
			c.deleted = true
		case "update":
			if fld != "" {
				c.fields[fld] = st
				break
			}
			vals, err := parseUpdateValues(nw)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("%s entry for record %s: %w", from, shortID(rec), err)
			}
			for k := range vals {
				c.fields[k] = st
			}
		}
		c.last = st
		if prev, seen := s.scopes[scope]; scope != "" && !signOffNeutral[tbl] && (!seen || st.at < prev.at || (st.at == prev.at && st.user < prev.user)) {
			s.scopes[scope] = st
		}
	}
	return s, closeRows(rows)
}

// column is one column of a record table.
type column struct {
	name, typ string
}

// tableInfo is a record table as the merge sees it.
type tableInfo struct {
	name  string
	cols  []column // data columns: not id, uuid or bookkeeping; not heavy
	heavy []column // BLOB columns, copied by SQL, never loaded or compared
	// parents are the columns that refer to another record's UUID.
	refs []string
	// fks are the tables whose rows refer to this one: table, column, cascade.
	dependents []dependent
}

type dependent struct {
	table, col string
	cascade    bool
}

// row is one record as read from one side.
type row struct {
	uuid      string
	version   int64
	createdAt string
	createdBy string
	updatedAt string
	updatedBy string
	vals      []any // in tableInfo.cols order
}

var bookkeeping = map[string]bool{"id": true, "uuid": true, "version": true, "created_at": true, "created_by": true, "updated_at": true, "updated_by": true}

// mergeOrder lists record tables parents first. Tables not listed (added
// by a later schema) follow in name order.
var mergeOrder = []string{"engagement", "team_member", "subservice_org", "complementary_control", "criterion", "control",
	"control_criterion", "control_test", "procedure", "attribute", "tickmark", "blob", "population", "selection",
	"sample_item", "result", "exception", "exception_item", "signoff", "review_note", "pbc_request", "interview"}

// notMerged are tables with a uuid-less or operational shape.
var notMerged = map[string]bool{"change_log": true, "session": true, "merge_conflict": true, "trail_signature": true}

// naturalKeys identify a record both sides may have created separately
// with different UUIDs: such records are the same record.
var naturalKeys = map[string][]string{
	"control": {"ref"}, "criterion": {"ref"}, "control_test": {"control_uuid"},
	"control_criterion": {"control_uuid", "criterion"}, "attribute": {"test_uuid", "letter"},
	"tickmark": {"symbol"}, "complementary_control": {"kind", "ref"}, "blob": {"sha256"},
	"sample_item": {"selection_uuid", "position"}, "result": {"item_uuid", "attribute_uuid"},
	"exception_item": {"exception_uuid", "item_uuid"},
}

// renumbered are tables whose human reference both sides may have given
// to different records.
var renumbered = map[string]bool{"review_note": true, "exception": true, "pbc_request": true}

// hasCurrent are tables where one record per control test is current.
var hasCurrent = map[string]bool{"population": true, "selection": true}

type merger struct {
	t      *txn
	rep    *MergeReport
	source string

	mine, theirs *sideLog
	tables       []*tableInfo
	byName       map[string]*tableInfo
	// alias maps their UUID to mine for records both created.
	alias map[string]string
	// A and B are the rows of each table on each side, by UUID.
	A, B map[string]map[string]*row

	conflicts []Conflict
	demoted   map[string]bool // their populations inserted as not current
	// theirRecords are the records their appended entries touch: the
	// merge reconciles the trail's replay of each with what it decided.
	theirRecords map[string]bool
}

func (m *merger) run() error {
	t := m.t
	if _, err := t.exec("PRAGMA defer_foreign_keys = ON"); err != nil {
		return err
	}
	var err error
	if m.mine, err = loadSide(t, "main", "other"); err != nil {
		return err
	}
	if m.theirs, err = loadSide(t, "other", "main"); err != nil {
		return err
	}
	if err := m.loadTables(); err != nil {
		return err
	}
	m.alias, m.A, m.B, m.demoted = map[string]string{}, map[string]map[string]*row{}, map[string]map[string]*row{}, map[string]bool{}
	for _, ti := range m.tables {
		if m.A[ti.name], err = m.loadRows(ti, "main"); err != nil {
			return err
		}
		if m.B[ti.name], err = m.loadRows(ti, "other"); err != nil {
			return err
		}
		m.findAliases(ti)
	}
	if err := m.appendLog(); err != nil {
		return err
	}
	if _, err := t.exec(`INSERT OR IGNORE INTO main.trail_signature SELECT * FROM other.trail_signature
		WHERE last_uuid NOT IN (SELECT last_uuid FROM main.trail_signature)`); err != nil {
		return err
	}
	restore := m.restoreSet()
	for i := len(m.tables) - 1; i >= 0; i-- {
		if err := m.applyDeletes(m.tables[i]); err != nil {
			return err
		}
	}
	for _, ti := range m.tables {
		if err := m.applyUpdates(ti); err != nil {
			return err
		}
	}
	for _, ti := range m.tables {
		if err := m.applyInserts(ti, restore); err != nil {
			return err
		}
	}
	if _, err := t.exec("INSERT OR IGNORE INTO main.wp_ref_used (ref) SELECT ref FROM other.wp_ref_used"); err != nil {
		return err
	}
	if err := m.staleSignOffs(); err != nil {
		return err
	}
	if err := m.checkForeignKeys(); err != nil {
		return err
	}
	if err := m.recordConflicts(); err != nil {
		return err
	}
	t.scope = ""
	again := map[string]bool{}
	for u := range m.theirRecords {
		again[u] = true
		if mu := m.mapUUID(u); mu != u {
			again[mu] = true
		}
	}
	for u := range restore {
		again[u] = true
	}
	if err := t.reconcile(again, "what the merge of "+m.source+" decided"); err != nil {
		return err
	}
	count := func(mp map[string]int) int {
		n := 0
		for _, v := range mp {
			n += v
		}
		return n
	}
	return t.event("engagement", m.rep.Engagement, fmt.Sprintf("merged %s: %d log entries appended; %d records added, %d changed, %d deleted; %d renumbered, %d sign-offs made stale; %d conflicts",
		m.source, m.rep.Appended, count(m.rep.Added), count(m.rep.Changed), count(m.rep.Deleted), len(m.rep.Renumbered), len(m.rep.StaleSignOffs), len(m.conflicts)))
}

func (m *merger) loadTables() error {
	rows, err := m.t.tx.QueryContext(m.t.ctx, "SELECT name FROM main.sqlite_master WHERE type = 'table' ORDER BY name")
	if err != nil {
		return err
	}
	var names []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		names = append(names, n)
	}
	if err := closeRows(rows); err != nil {
		return err
	}
	rank := map[string]int{}
	for i, n := range mergeOrder {
		rank[n] = i + 1
	}
	m.byName = map[string]*tableInfo{}
	for _, n := range names {
		if notMerged[n] || strings.HasPrefix(n, "sqlite_") {
			continue
		}
		ti := &tableInfo{name: n}
		hasUUID := false
		rows, err := m.t.tx.QueryContext(m.t.ctx, fmt.Sprintf("PRAGMA main.table_info(%q)", n))
		if err != nil {
			return err
		}
		for rows.Next() {
			var cid, notnull, pk int
			var name, typ string
			var dflt any
			if err := rows.Scan(&cid, &name, &typ, &notnull, &dflt, &pk); err != nil {
				rows.Close()
				return err
			}
			switch {
			case name == "uuid":
				hasUUID = true
			case bookkeeping[name]:
			case strings.EqualFold(typ, "BLOB"):
				ti.heavy = append(ti.heavy, column{name, strings.ToUpper(typ)})
			default:
				ti.cols = append(ti.cols, column{name, strings.ToUpper(typ)})
				if strings.HasSuffix(name, "_uuid") {
					ti.refs = append(ti.refs, name)
				}
			}
		}
		if err := closeRows(rows); err != nil {
			return err
		}
		if hasUUID {
			m.tables = append(m.tables, ti)
			m.byName[n] = ti
		}
	}
	sort.SliceStable(m.tables, func(i, j int) bool {
		ri, rj := rank[m.tables[i].name], rank[m.tables[j].name]
		if ri == 0 {
			ri = len(mergeOrder) + 1
		}
		if rj == 0 {
			rj = len(mergeOrder) + 1
		}
		return ri < rj
	})
	// Who refers to whom, from the declared foreign keys.
	for _, ti := range m.tables {
		rows, err := m.t.tx.QueryContext(m.t.ctx, fmt.Sprintf("PRAGMA main.foreign_key_list(%q)", ti.name))
		if err != nil {
			return err
		}
		for rows.Next() {
			var id, seq int
			var parent, from, onUpdate, onDelete, match string
			var to sql.NullString
			if err := rows.Scan(&id, &seq, &parent, &from, &to, &onUpdate, &onDelete, &match); err != nil {
				rows.Close()
				return err
			}
			if p := m.byName[parent]; p != nil && to.String == "uuid" {
				p.dependents = append(p.dependents, dependent{table: ti.name, col: from, cascade: strings.EqualFold(onDelete, "CASCADE")})
			}
		}
		if err := closeRows(rows); err != nil {
			return err
		}
	}
	return nil
}

func (m *merger) loadRows(ti *tableInfo, schema string) (map[string]*row, error) {
	names := make([]string, len(ti.cols))
	for i, c := range ti.cols {
		names[i] = c.name
	}
	q := fmt.Sprintf("SELECT uuid, version, created_at, created_by, updated_at, updated_by%s FROM %s.%q", prefixJoin(names), schema, ti.name)
	rows, err := m.t.tx.QueryContext(m.t.ctx, q)
	if err != nil {
		return nil, err
	}
	out := map[string]*row{}
	for rows.Next() {
		r := &row{vals: make([]any, len(ti.cols))}
		dest := []any{&r.uuid, &r.version, &r.createdAt, &r.createdBy, &r.updatedAt, &r.updatedBy}
		for i := range r.vals {
			dest = append(dest, &r.vals[i])
		}
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return nil, err
		}
		for i, v := range r.vals {
			if b, ok := v.([]byte); ok {
				r.vals[i] = string(b)
			}
		}
		out[r.uuid] = r
	}
	return out, closeRows(rows)
}

// remapped returns their row's values with references to records both sides
// created translated to this file's UUIDs.
func (m *merger) remapped(ti *tableInfo, r *row) []any {
	out := append([]any(nil), r.vals...)
	for i, c := range ti.cols {
		if !strings.HasSuffix(c.name, "_uuid") {
			continue
		}
		if s, ok := out[i].(string); ok {
			if a, ok := m.alias[s]; ok {
				out[i] = a
			}
		}
	}
	return out
}

func (m *merger) mapUUID(u string) string {
	if a, ok := m.alias[u]; ok {
		return a
	}
	return u
}

func colIndex(ti *tableInfo, name string) int {
	for i, c := range ti.cols {
		if c.name == name {
			return i
		}
	}
	return -1
}

// findAliases pairs their new records with mine that have the same natural key.
func (m *merger) findAliases(ti *tableInfo) {
	keys := naturalKeys[ti.name]
	if len(keys) == 0 {
		return
	}
	idx := make([]int, len(keys))
	for i, k := range keys {
		if idx[i] = colIndex(ti, k); idx[i] < 0 {
			return
		}
	}
	key := func(vals []any) string {
		var b strings.Builder
		for _, i := range idx {
			fmt.Fprintf(&b, "%d:%s;", len(asString(vals[i])), asString(vals[i]))
		}
		return b.String()
	}
	mineByKey := map[string]string{}
	for u, r := range m.A[ti.name] {
		mineByKey[key(r.vals)] = u
	}
	for u, r := range m.B[ti.name] {
		if _, ok := m.A[ti.name][u]; ok {
			continue
		}
		if a, ok := mineByKey[key(m.remapped(ti, r))]; ok {
			if _, theirsToo := m.B[ti.name][a]; !theirsToo {
				m.alias[u] = a
			}
		}
	}
}

// appendLog appends their entries this file lacks to its hash chain, in
// their order, a page at a time (a logged attachment can be large).
func (m *merger) appendLog() error {
	t := m.t
	after := int64(0)
	for {
		rows, err := t.tx.QueryContext(t.ctx, `SELECT seq, uuid, at, user, op, tbl, record_uuid, field, old_value, new_value, note, scope,
			prev_hash, hash, origin_seq, origin_prev_hash, origin_hash FROM other.change_log
			WHERE seq > ? AND uuid NOT IN (SELECT uuid FROM main.change_log) ORDER BY seq LIMIT 500`, after)
		if err != nil {
			return err
		}
		var page []logEntry
		for rows.Next() {
			var e logEntry
			var prev, hash string
			var o ChangeOrigin
			if err := rows.Scan(&e.Seq, &e.UUID, &e.At, &e.User, &e.Op, &e.Table, &e.RecordUUID, &e.Field, &e.Old, &e.New, &e.Note, &e.Scope,
				&prev, &hash, &o.Seq, &o.PrevHash, &o.Hash); err != nil {
				rows.Close()
				return err
			}
			if o.Hash == "" {
				o = ChangeOrigin{Seq: e.Seq, PrevHash: prev, Hash: hash}
			}
			if e.Op != "event" {
				if m.theirRecords == nil {
					m.theirRecords = map[string]bool{}
				}
				m.theirRecords[e.RecordUUID] = true
			}
			e.Origin = &o
			page = append(page, e)
		}
		if err := closeRows(rows); err != nil {
			return err
		}
		for _, e := range page {
			after = e.Seq
			if err := t.appendEntry(e); err != nil {
				return err
			}
			m.rep.Appended++
		}
		if len(page) < 500 {
			return nil
		}
	}
}

// appendEntry adds an entry written elsewhere to this file's chain.
func (t *txn) appendEntry(e logEntry) error {
	t.seq++
	e.Seq, e.PrevHash = t.seq, t.prevHash
	sum := e.hash()
	_, err := t.exec(`INSERT INTO main.change_log (seq, uuid, at, user, op, tbl, record_uuid, field, old_value, new_value, note, scope, prev_hash, hash,
		origin_seq, origin_prev_hash, origin_hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		e.Seq, e.UUID, e.At, e.User, e.Op, e.Table, e.RecordUUID, e.Field, e.Old, e.New, e.Note, e.Scope, e.PrevHash, sum,
		e.Origin.Seq, e.Origin.PrevHash, e.Origin.Hash)
	t.prevHash = sum
	t.runOpen = false // someone else's entry: the merger's own run ends here
	return err
}

func stampText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return formatTime(t)
}

// describeSQL names a record as an auditor would; %[1]s is the schema.
var describeSQL = map[string]string{
	"engagement":            `SELECT 'the engagement' FROM %[1]s.engagement WHERE uuid = ?`,
	"control":               `SELECT 'control ' || ref FROM %[1]s.control WHERE uuid = ?`,
	"criterion":             `SELECT 'criterion ' || ref FROM %[1]s.criterion WHERE uuid = ?`,
	"control_test":          `SELECT 'the workpaper of ' || c.ref FROM %[1]s.control_test t JOIN %[1]s.control c ON c.uuid = t.control_uuid WHERE t.uuid = ?`,
	"control_criterion":     `SELECT 'the mapping of ' || c.ref || ' to ' || m.criterion FROM %[1]s.control_criterion m JOIN %[1]s.control c ON c.uuid = m.control_uuid WHERE m.uuid = ?`,
	"procedure":             `SELECT 'procedure ' || p.ordinal || ' of ' || c.ref FROM %[1]s.procedure p JOIN %[1]s.control_test t ON t.uuid = p.test_uuid JOIN %[1]s.control c ON c.uuid = t.control_uuid WHERE p.uuid = ?`,
	"attribute":             `SELECT 'attribute ' || a.letter || ' of ' || c.ref FROM %[1]s.attribute a JOIN %[1]s.control_test t ON t.uuid = a.test_uuid JOIN %[1]s.control c ON c.uuid = t.control_uuid WHERE a.uuid = ?`,
	"population":            `SELECT 'the population of ' || c.ref FROM %[1]s.population p JOIN %[1]s.control_test t ON t.uuid = p.test_uuid JOIN %[1]s.control c ON c.uuid = t.control_uuid WHERE p.uuid = ?`,
	"selection":             `SELECT 'the sample of ' || c.ref FROM %[1]s.selection s JOIN %[1]s.control_test t ON t.uuid = s.test_uuid JOIN %[1]s.control c ON c.uuid = t.control_uuid WHERE s.uuid = ?`,
	"sample_item":           `SELECT 'sample item ' || i.position || ' of ' || c.ref FROM %[1]s.sample_item i JOIN %[1]s.selection s ON s.uuid = i.selection_uuid JOIN %[1]s.control_test t ON t.uuid = s.test_uuid JOIN %[1]s.control c ON c.uuid = t.control_uuid WHERE i.uuid = ?`,
	"result":                `SELECT 'the result of item ' || i.position || ', attribute ' || a.letter || ' of ' || c.ref FROM %[1]s.result r JOIN %[1]s.sample_item i ON i.uuid = r.item_uuid JOIN %[1]s.attribute a ON a.uuid = r.attribute_uuid JOIN %[1]s.control_test t ON t.uuid = r.test_uuid JOIN %[1]s.control c ON c.uuid = t.control_uuid WHERE r.uuid = ?`,
	"exception":             `SELECT 'exception ' || ref FROM %[1]s.exception WHERE uuid = ?`,
	"exception_item":        `SELECT 'item ' || i.position || ' of exception ' || x.ref FROM %[1]s.exception_item e JOIN %[1]s.exception x ON x.uuid = e.exception_uuid JOIN %[1]s.sample_item i ON i.uuid = e.item_uuid WHERE e.uuid = ?`,
	"signoff":               `SELECT 'the ' || s.role || ' sign-off of ' || c.ref || ' by ' || s.signer FROM %[1]s.signoff s JOIN %[1]s.control_test t ON t.uuid = s.test_uuid JOIN %[1]s.control c ON c.uuid = t.control_uuid WHERE s.uuid = ?`,
	"review_note":           `SELECT 'review note ' || ref FROM %[1]s.review_note WHERE uuid = ?`,
	"pbc_request":           `SELECT 'request ' || ref FROM %[1]s.pbc_request WHERE uuid = ?`,
	"tickmark":              `SELECT 'tickmark ' || symbol FROM %[1]s.tickmark WHERE uuid = ?`,
	"team_member":           `SELECT 'team member ' || name FROM %[1]s.team_member WHERE uuid = ?`,
	"subservice_org":        `SELECT 'subservice organization ' || name FROM %[1]s.subservice_org WHERE uuid = ?`,
	"complementary_control": `SELECT upper(kind) || ' ' || ref FROM %[1]s.complementary_control WHERE uuid = ?`,
	"interview":             `SELECT 'the interview of ' || person || ' on ' || held_on FROM %[1]s.interview WHERE uuid = ?`,
	"blob":                  `SELECT 'attached file ' || name FROM %[1]s.blob WHERE uuid = ?`,
}

func (m *merger) describe(table, u, schema string) string {
	return describeRecord(m.t, table, u, schema)
}

func describeRecord(t *txn, table, u, schema string) string {
	if q, ok := describeSQL[table]; ok {
		var s string
		if err := t.tx.QueryRowContext(t.ctx, fmt.Sprintf(q, schema), u).Scan(&s); err == nil {
			return s
		}
	}
	short := u
	if len(short) > 8 {
		short = short[:8]
	}
	return strings.ReplaceAll(table, "_", " ") + " " + short
}
