package model

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// NewUUID returns a random (version 4) UUID.
func NewUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("fieldwork: no randomness for UUIDs: " + err.Error())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return formatUUID(b)
}

func formatUUID(b [16]byte) string {
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// DeterministicUUIDs returns a UUID generator whose sequence depends only on
// seed: the demo engagement uses it so that every run writes the same content.
func DeterministicUUIDs(seed string) func() string {
	n := 0
	return func() string {
		n++
		sum := sha256.Sum256([]byte(fmt.Sprintf("%s/%d", seed, n)))
		var b [16]byte
		copy(b[:], sum[:16])
		b[6] = b[6]&0x0f | 0x40
		b[8] = b[8]&0x3f | 0x80
		return formatUUID(b)
	}
}

// timeLayout stores instants as sortable UTC text with millisecond precision.
const timeLayout = "2006-01-02T15:04:05.000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s string) time.Time {
	t, _ := time.Parse(timeLayout, s)
	return t
}

// StaleError refuses an edit made against an older version of a record:
// someone else changed it first.
type StaleError struct {
	Record    string // what the auditor calls it, e.g. "control CC-01"
	By        string
	At        time.Time
	Current   int // the record's version now
	Requested int // the version the edit was based on
}

func (e *StaleError) Error() string {
	return fmt.Sprintf("%s was changed by %s at %s since you loaded it (version %d, yours %d): reload and apply your edit again",
		e.Record, e.By, e.At.Local().Format("2006-01-02 15:04"), e.Current, e.Requested)
}

// field is one column value written by a txn.
type field struct {
	name  string
	value any // string, int, int64, bool, float64 or nil
}

// txn is one write transaction. Every insert, update and delete made through
// it appends to the hash-chained change log in the same transaction.
type txn struct {
	ctx      context.Context
	tx       *sql.Tx
	w        *Workpaper
	at       string
	prevHash string
	seq      int64
	// scope is the control test the logged changes belong to, if any: it
	// lets the trail be filtered per workpaper and sign-offs go stale.
	scope string
	stmts map[string]*sql.Stmt // prepared by exec, by query text
	// runs are the stretches of consecutive entries this transaction's
	// author wrote (a merge interleaves other authors' entries); each is
	// signed at commit (sign.go).
	runs    []signRun
	runOpen bool
	// kind is the signature kind of this transaction's runs: "op", or
	// "migration" for the entry that vouches for a legacy trail.
	kind string
	// changes are the records and fields this transaction changed, in
	// words, for the sign-offs it makes stale ("control_test conclusion").
	changes []string
}

// write runs fn in one immediate transaction: all of it commits or none.
func (w *Workpaper) write(ctx context.Context, fn func(t *txn) error) error {
	return w.writeOn(ctx, w.db, fn)
}

// beginner is a *sql.DB or a *sql.Conn (a merge writes on the connection
// the other copy is attached to).
type beginner interface {
	BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error)
}

// busyRetries bounds how often a write whose BEGIN IMMEDIATE found the file
// locked is tried again. Each attempt already waits up to the busy timeout
// (10 s) inside SQLite, so a writer waits about 30 s for another writer
// before it is told the workpaper is busy.
const busyRetries = 2

// writeOn is write on a given connection pool or connection.
//
// Retry policy: SQLITE_BUSY at BEGIN IMMEDIATE means another writer held the
// lock for the whole busy timeout; nothing has run yet, so the transaction
// is simply begun again, up to busyRetries times, after a short jittered
// pause. SQLITE_BUSY after fn has run (a commit waiting for a long reader)
// is not retried: fn may consume a stream (a population import), so it is
// not safely re-runnable; the transaction rolls back and the user is told
// the workpaper is busy and nothing was saved.
func (w *Workpaper) writeOn(ctx context.Context, db beginner, fn func(t *txn) error) error {
	if w.readOnly {
		return fmt.Errorf("%s: %w (%s): changes cannot be saved", w.path, ErrReadOnly, w.readOnlyReason)
	}
	var tx *sql.Tx
	for attempt := 0; ; attempt++ {
		var err error
		tx, err = db.BeginTx(ctx, nil)
		if err == nil {
			break
		}
		if !isBusy(err) || attempt >= busyRetries || ctx.Err() != nil {
			return friendlyDBError(err)
		}
		select {
		case <-ctx.Done():
			return friendlyDBError(err)
		case <-time.After(busyPause()):
		}
	}
	t := &txn{ctx: ctx, tx: tx, w: w, at: formatTime(w.now())}
	err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM change_log ORDER BY seq DESC LIMIT 1`).Scan(&t.seq, &t.prevHash)
	if errors.Is(err, sql.ErrNoRows) {
		err = nil
	}
	var lock archiveLock
	if err == nil {
		lock, err = t.archiveLock()
	}
	if err == nil && lock.at != "" && lock.amendment == "" && !t.w.archiving {
		err = hintErrorf("%w on %s by %s: every change is refused%s",
			ErrArchived, lock.at, lock.by, HintAmend)
	}
	if err == nil {
		err = fn(t)
	}
	if err == nil && lock.at != "" && lock.amendment != "" && !t.w.archiving {
		err = t.useAmendment(lock)
	}
	if err == nil {
		err = t.sign()
	}
	if err == nil {
		crashPoint("write")
	}
	if err != nil {
		tx.Rollback()
		return friendlyDBError(err)
	}
	return friendlyDBError(tx.Commit())
}

// isBusy reports whether err is SQLite's "the file is locked by another
// connection" (SQLITE_BUSY, or SQLITE_LOCKED on a shared connection).
func isBusy(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "SQLITE_BUSY") || strings.Contains(s, "database is locked") ||
		strings.Contains(s, "SQLITE_LOCKED") || strings.Contains(s, "database table is locked")
}

// busyPause is 50–250 ms, so two waiting writers do not retry in step.
func busyPause() time.Duration {
	var b [1]byte
	rand.Read(b[:])
	return 50*time.Millisecond + time.Duration(b[0])*time.Millisecond*200/255
}

// exec runs a statement, prepared once per transaction: a batch (a bulk
// pass, a matrix import) repeats the same few statements — the change
// log's insert above all — and parsing them again each time was a third
// of its cost. The statements close with the transaction.
func (t *txn) exec(query string, args ...any) (sql.Result, error) {
	st, err := t.prepared(query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(t.ctx, args...)
}

// queryRow is QueryRow with exec's prepared statements, for the look-ups
// a batch repeats for every record.
func (t *txn) queryRow(query string, args ...any) *sql.Row {
	st, err := t.prepared(query)
	if err != nil {
		return t.tx.QueryRowContext(t.ctx, query, args...) // reports the same error on Scan
	}
	return st.QueryRowContext(t.ctx, args...)
}

func (t *txn) prepared(query string) (*sql.Stmt, error) {
	if st, ok := t.stmts[query]; ok {
		return st, nil
	}
	st, err := t.tx.PrepareContext(t.ctx, query)
	if err != nil {
		return nil, err
	}
	if t.stmts == nil {
		t.stmts = map[string]*sql.Stmt{}
	}
	t.stmts[query] = st
	return st, nil
}

func valueText(v any) *string {
	var s string
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		s = x
	case []byte:
		s = string(x)
	case bool:
		if x {
			s = "1"
		} else {
			s = "0"
		}
	case int:
		s = strconv.Itoa(x)
	case int64:
		s = strconv.FormatInt(x, 10)
	case float64:
		s = strconv.FormatFloat(x, 'g', -1, 64)
	default:
		s = fmt.Sprint(x)
	}
	return &s
}

// logEntry is one row of the change log, as hashed.
type logEntry struct {
	Seq        int64
	UUID       string
	At         string
	User       string
	Op         string
	Table      string
	RecordUUID string
	Field      string
	Old, New   *string
	Note       string
	Scope      string
	PrevHash   string
	// Origin is where an entry merged in from another copy was first
	// written; nil for entries written in this file.
	Origin *ChangeOrigin
}

// hash covers every field and the previous hash, each length-prefixed so
// that no two different entries encode alike.
func (e *logEntry) hash() string {
	h := sha256.New()
	put := func(s string) { fmt.Fprintf(h, "%d:%s;", len(s), s) }
	putOpt := func(s *string) {
		if s == nil {
			h.Write([]byte("-;"))
			return
		}
		put(*s)
	}
	put("fieldwork-log/1")
	put(strconv.FormatInt(e.Seq, 10))
	put(e.UUID)
	put(e.At)
	put(e.User)
	put(e.Op)
	put(e.Table)
	put(e.RecordUUID)
	put(e.Field)
	putOpt(e.Old)
	putOpt(e.New)
	put(e.Note)
	put(e.Scope)
	if e.Origin != nil {
		// Only merged entries carry this part, so every hash written
		// before merges existed is unchanged.
		put("origin")
		put(strconv.FormatInt(e.Origin.Seq, 10))
		put(e.Origin.PrevHash)
		put(e.Origin.Hash)
	}
	put(e.PrevHash)
	return hex.EncodeToString(h.Sum(nil))
}

func (t *txn) log(op, table, record, fieldName string, old, new *string, note string) error {
	t.seq++
	e := logEntry{Seq: t.seq, UUID: t.w.newUUID(), At: t.at, User: t.w.user, Op: op, Table: table,
		RecordUUID: record, Field: fieldName, Old: old, New: new, Note: note, Scope: t.scope, PrevHash: t.prevHash}
	sum := e.hash()
	_, err := t.exec(`INSERT INTO change_log (seq, uuid, at, user, op, tbl, record_uuid, field, old_value, new_value, note, scope, prev_hash, hash)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)`, e.Seq, e.UUID, e.At, e.User, e.Op, e.Table, e.RecordUUID, e.Field, e.Old, e.New, e.Note, e.Scope, e.PrevHash, sum)
	t.prevHash = sum
	t.own(e.UUID, sum)
	if table != "signoff" && op != "event" {
		w := strings.ReplaceAll(table, "_", " ")
		if fieldName != "" && op == "update" {
			w += " " + strings.ReplaceAll(fieldName, "_", " ")
		} else if op != "update" {
			w = op + " " + w
		}
		t.changes = append(t.changes, w)
	}
	return err
}

// event logs something that is not a field change (an import, a forced
// replacement and its reason, a sign-off invalidated).
func (t *txn) event(table, record, note string) error {
	return t.log("event", table, record, "", nil, nil, note)
}

// insert adds a record with a new UUID and logs each field.
func (t *txn) insert(table string, fields ...field) (string, error) {
	id := t.w.newUUID()
	return id, t.insertWithUUID(table, id, fields...)
}

func (t *txn) insertWithUUID(table, id string, fields ...field) error {
	if _, err := t.insertRow(table, id, fields...); err != nil {
		return err
	}
	return t.logInsert(table, id, fields...)
}

// insertRow inserts a record without logging it and returns its rowid;
// the caller logs it with logInsert once its values are final.
func (t *txn) insertRow(table, id string, fields ...field) (int64, error) {
	cols := []string{"uuid", "version", "created_at", "created_by", "updated_at", "updated_by"}
	args := []any{id, 1, t.at, t.w.user, t.at, t.w.user}
	for _, f := range fields {
		cols = append(cols, f.name)
		args = append(args, f.value)
	}
	q := fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", table, strings.Join(cols, ", "), strings.TrimSuffix(strings.Repeat("?,", len(cols)), ","))
	res, err := t.exec(q, args...)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// logInsert logs a record's creation as one entry that holds every value
// it was created with (issue #12: operations, not field edits), as a JSON
// object of column → text in key order. A value equal to its column's
// default is left out: replay gives an absent column its default. Files
// written before this logged an empty insert followed by one update per
// field; replay reads both.
func (t *txn) logInsert(table, id string, fields ...field) error {
	defaults, err := t.w.columnDefaults(t, table)
	if err != nil {
		return err
	}
	vals := make(map[string]string, len(fields))
	for _, f := range fields {
		v := valueText(f.value)
		if v == nil {
			continue
		}
		if d, ok := defaults[f.name]; ok && equalText(v, d) {
			continue
		}
		vals[f.name] = *v
	}
	js := insertValuesText(vals)
	return t.log("insert", table, id, "", nil, &js, "")
}

// insertValuesText is an insert entry's values as the trail stores them.
func insertValuesText(vals map[string]string) string {
	b, err := json.Marshal(vals) // a map marshals in key order: canonical
	if err != nil {
		panic("fieldwork: insert values do not marshal: " + err.Error())
	}
	return string(b)
}

// parseInsertValues reads an insert entry's values: none for an entry of
// the older form (its values follow as updates).
func parseInsertValues(nw *string) (map[string]string, error) {
	if nw == nil || *nw == "" {
		return nil, nil
	}
	var vals map[string]string
	if err := json.Unmarshal([]byte(*nw), &vals); err != nil {
		return nil, fmt.Errorf("its values do not parse: %v", err)
	}
	return vals, nil
}

// columnDefaults is each column's default of a table, as text (read once
// per handle: the schema does not change while a workpaper is open).
func (w *Workpaper) columnDefaults(t *txn, table string) (map[string]*string, error) {
	w.defaultsMu.Lock()
	defer w.defaultsMu.Unlock()
	if d, ok := w.defaults[table]; ok {
		return d, nil
	}
	rows, err := t.tx.QueryContext(t.ctx, fmt.Sprintf("PRAGMA main.table_info(%q)", table))
	if err != nil {
		return nil, err
	}
	d := map[string]*string{}
	for rows.Next() {
		var cid, notnull, pk int
		var name, typ string
		var dflt sql.NullString
		if err := rows.Scan(&cid, &name, &typ, &notnull, &dflt, &pk); err != nil {
			rows.Close()
			return nil, err
		}
		if dflt.Valid {
			d[name] = sqlDefault(dflt.String)
		}
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	if w.defaults == nil {
		w.defaults = map[string]map[string]*string{}
	}
	w.defaults[table] = d
	return d, nil
}

// update sets fields on the record with the given UUID, logging each value
// that actually changes. When expect > 0 and the record's version differs,
// nothing is written and a *StaleError says who changed it. It reports
// whether anything changed.
func (t *txn) update(table, id string, expect int, what string, fields ...field) (bool, error) {
	cols := make([]string, len(fields))
	for i, f := range fields {
		cols[i] = f.name
	}
	q := fmt.Sprintf("SELECT version, updated_by, updated_at%s FROM %s WHERE uuid = ?", prefixJoin(cols), table)
	vals := make([]any, 3+len(fields))
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := t.tx.QueryRowContext(t.ctx, q, id).Scan(ptrs...); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return false, fmt.Errorf("%s no longer exists (deleted by someone else?)", what)
		}
		return false, err
	}
	version := int(vals[0].(int64))
	if expect > 0 && expect != version {
		return false, &StaleError{Record: what, By: asString(vals[1]), At: parseTime(asString(vals[2])), Current: version, Requested: expect}
	}
	var sets []string
	var args []any
	var changed []FieldChange
	for i, f := range fields {
		old, nw := valueText(vals[3+i]), valueText(f.value)
		if equalText(old, nw) {
			continue
		}
		sets = append(sets, f.name+" = ?")
		args = append(args, f.value)
		changed = append(changed, FieldChange{Field: f.name, Old: old, New: nw})
	}
	if len(sets) == 0 {
		return false, nil
	}
	if err := t.logUpdate(table, id, changed); err != nil {
		return false, err
	}
	sets = append(sets, "version = version + 1", "updated_at = ?", "updated_by = ?")
	args = append(args, t.at, t.w.user, id)
	_, err := t.exec(fmt.Sprintf("UPDATE %s SET %s WHERE uuid = ?", table, strings.Join(sets, ", ")), args...)
	return true, err
}

// logUpdate logs one change of a record as one entry: a single field as
// the field with its old and new value; several fields changed together
// (a sign-off going stale, a note answered) as one entry whose old and new
// values are JSON objects of field → value (null for none), its field
// empty.
func (t *txn) logUpdate(table, id string, changed []FieldChange) error {
	if len(changed) == 1 {
		c := changed[0]
		return t.log("update", table, id, c.Field, c.Old, c.New, "")
	}
	olds := make(map[string]*string, len(changed))
	news := make(map[string]*string, len(changed))
	for _, c := range changed {
		olds[c.Field], news[c.Field] = c.Old, c.New
	}
	o, n := updateValuesText(olds), updateValuesText(news)
	before := len(t.changes)
	if err := t.log("update", table, id, "", &o, &n, ""); err != nil {
		return err
	}
	if len(t.changes) > before { // say which fields, as one entry per field did
		t.changes = t.changes[:before]
		for _, c := range changed {
			t.changes = append(t.changes, strings.ReplaceAll(table, "_", " ")+" "+strings.ReplaceAll(c.Field, "_", " "))
		}
	}
	return nil
}

func updateValuesText(vals map[string]*string) string {
	b, err := json.Marshal(vals)
	if err != nil {
		panic("fieldwork: update values do not marshal: " + err.Error())
	}
	return string(b)
}

// parseUpdateValues reads one side of a multi-field update entry.
func parseUpdateValues(v *string) (map[string]*string, error) {
	if v == nil {
		return nil, fmt.Errorf("its values are missing")
	}
	var vals map[string]*string
	if err := json.Unmarshal([]byte(*v), &vals); err != nil {
		return nil, fmt.Errorf("its values do not parse: %v", err)
	}
	return vals, nil
}

// delete removes a record and logs it.
func (t *txn) delete(table, id, note string) error {
	if _, err := t.exec(fmt.Sprintf("DELETE FROM %s WHERE uuid = ?", table), id); err != nil {
		return err
	}
	return t.log("delete", table, id, "", nil, nil, note)
}

func prefixJoin(cols []string) string {
	if len(cols) == 0 {
		return ""
	}
	return ", " + strings.Join(cols, ", ")
}

func equalText(a, b *string) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

func asString(v any) string {
	if s := valueText(v); s != nil {
		return *s
	}
	return ""
}
