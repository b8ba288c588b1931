package model

import (
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"
)

// The merge engine's rows: each table's columns and dependents, the rows of
// both copies matched by UUID or natural key, the UUIDs of the other copy
// mapped onto this one's, the other side's log entries appended, and the
// records described for a conflict. Merge (merge.go) runs it in one
// transaction; the conflicts it leaves are in conflicts.go.

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
				if e.Field == bulkField && e.Op == "insert" {
					// A bulk pass: the records are its cells.
					p, err := parseBulk(e.New)
					if err != nil {
						rows.Close()
						return fmt.Errorf("their bulk pass %s: %w", shortID(e.RecordUUID), err)
					}
					for k := 1; k <= p.cells(); k++ {
						m.theirRecords[cellUUID(e.RecordUUID, k)] = true
					}
				} else {
					m.theirRecords[e.RecordUUID] = true
				}
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
