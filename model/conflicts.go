package model

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Merge conflicts: how they are stored, listed and resolved. Merge
// (merge.go) records them; the auditor resolves them here, by taking
// either side.

// Conflict is something both copies changed differently, left for the
// auditor to resolve.
type Conflict struct {
	ID   int64  `json:"id"`
	Kind string `json:"kind"` // field, deleted-by-them, deleted-by-me, both-current
	// Table and Record name the record in this file; TheirRecord is the
	// other copy's record when it has another UUID.
	Table       string    `json:"table"`
	Record      string    `json:"record"`
	TheirRecord string    `json:"their_record,omitempty"`
	Field       string    `json:"field,omitempty"`
	What        string    `json:"what"`
	Mine        *string   `json:"mine"`
	Theirs      *string   `json:"theirs"`
	MineBy      string    `json:"mine_by"`
	MineAt      time.Time `json:"mine_at"`
	TheirsBy    string    `json:"theirs_by"`
	TheirsAt    time.Time `json:"theirs_at"`
	Source      string    `json:"source"`
	MergedBy    string    `json:"merged_by"`
	MergedAt    time.Time `json:"merged_at"`
	State       string    `json:"state"` // open or resolved
	Resolution  string    `json:"resolution,omitempty"`
	ResolvedBy  string    `json:"resolved_by,omitempty"`
	ResolvedAt  time.Time `json:"resolved_at,omitzero"`
	theirsRow   string
}

// Describe is the conflict in one line, for the CLI.
func (c Conflict) Describe() string {
	switch c.Kind {
	case "deleted-by-them":
		return fmt.Sprintf("%s: deleted in the other copy (%s, %s) but changed here (%s, %s); kept until resolved",
			c.What, c.TheirsBy, fmtStamp(c.TheirsAt), c.MineBy, fmtStamp(c.MineAt))
	case "deleted-by-me":
		return fmt.Sprintf("%s: deleted here (%s, %s) but changed in the other copy (%s, %s); %s",
			c.What, c.MineBy, fmtStamp(c.MineAt), c.TheirsBy, fmtStamp(c.TheirsAt), deref(c.Theirs))
	case "both-current":
		return fmt.Sprintf("%s: both copies made their own current (here: %s by %s, %s; theirs: %s by %s, %s); this copy's stays current until resolved",
			c.What, deref(c.Mine), c.MineBy, fmtStamp(c.MineAt), deref(c.Theirs), c.TheirsBy, fmtStamp(c.TheirsAt))
	}
	return fmt.Sprintf("%s, %s: here %s (%s, %s), theirs %s (%s, %s)", c.What, c.Field,
		quoteValue(c.Mine), c.MineBy, fmtStamp(c.MineAt), quoteValue(c.Theirs), c.TheirsBy, fmtStamp(c.TheirsAt))
}

func fmtStamp(t time.Time) string {
	if t.IsZero() {
		return "time unknown"
	}
	return t.Local().Format("2006-01-02 15:04")
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func quoteValue(s *string) string {
	if s == nil {
		return "(none)"
	}
	v := *s
	if len([]rune(v)) > 80 {
		v = string([]rune(v)[:79]) + "…"
	}
	return strconv.Quote(v)
}

// Conflicts lists merge conflicts, the open ones only unless all is set.
func (w *Workpaper) Conflicts(ctx context.Context, all bool) ([]Conflict, error) {
	rows, err := w.db.QueryContext(ctx, `SELECT id, kind, tbl, record_uuid, theirs_uuid, field, what, mine_value, theirs_value,
		mine_by, mine_at, theirs_by, theirs_at, source, merged_by, merged_at, state, resolution, resolved_by, resolved_at, theirs_row
		FROM merge_conflict WHERE ? OR state = 'open' ORDER BY id`, all)
	if err != nil {
		return nil, friendlyDBError(err)
	}
	out := []Conflict{}
	for rows.Next() {
		var c Conflict
		var mineAt, theirsAt, mergedAt, resolvedAt string
		if err := rows.Scan(&c.ID, &c.Kind, &c.Table, &c.Record, &c.TheirRecord, &c.Field, &c.What, &c.Mine, &c.Theirs,
			&c.MineBy, &mineAt, &c.TheirsBy, &theirsAt, &c.Source, &c.MergedBy, &mergedAt, &c.State, &c.Resolution, &c.ResolvedBy, &resolvedAt, &c.theirsRow); err != nil {
			rows.Close()
			return nil, err
		}
		c.MineAt, c.TheirsAt, c.MergedAt, c.ResolvedAt = parseTime(mineAt), parseTime(theirsAt), parseTime(mergedAt), parseTime(resolvedAt)
		out = append(out, c)
	}
	return out, closeRows(rows)
}

// touching are the tables whose changes make a control test's sign-offs
// stale, as the edits of those records do.
var touching = map[string]bool{"control_test": true, "procedure": true, "attribute": true, "population": true, "selection": true,
	"sample_item": true, "result": true, "exception": true, "exception_item": true}

// ResolveConflict settles a merge conflict by taking this copy's value
// ("mine") or the other copy's ("theirs"). The choice is logged; taking
// theirs is an ordinary, logged edit (sign-offs of the workpaper go stale).
func (w *Workpaper) ResolveConflict(ctx context.Context, id int64, take string) error {
	if take != "mine" && take != "theirs" {
		return fmt.Errorf("take mine or theirs, not %q", take)
	}
	return w.write(ctx, func(t *txn) error {
		cs, err := t.conflict(id)
		if err != nil {
			return err
		}
		c := cs
		if c.State != "open" {
			return fmt.Errorf("conflict #%d was already resolved by %s at %s (took %s)", id, c.ResolvedBy, fmtStamp(c.ResolvedAt), c.Resolution)
		}
		t.scope = t.scopeOf(c.Record)
		if take == "theirs" {
			if err := t.takeTheirs(c); err != nil {
				return fmt.Errorf("conflict #%d: %w", id, err)
			}
			if t.scope != "" && touching[c.Table] {
				if err := t.touch(t.scope); err != nil {
					return err
				}
			}
		}
		if _, err := t.exec(`UPDATE merge_conflict SET state = 'resolved', resolution = ?, resolved_by = ?, resolved_at = ? WHERE id = ?`,
			take, t.w.user, t.at, id); err != nil {
			return err
		}
		return t.event(c.Table, c.Record, fmt.Sprintf("merge conflict #%d resolved: took %s (%s)", id, take, c.Describe()))
	})
}

func (t *txn) conflict(id int64) (Conflict, error) {
	var c Conflict
	var mineAt, theirsAt, resolvedAt string
	err := t.tx.QueryRowContext(t.ctx, `SELECT id, kind, tbl, record_uuid, theirs_uuid, field, what, mine_value, theirs_value,
		mine_by, mine_at, theirs_by, theirs_at, state, resolution, resolved_by, resolved_at, theirs_row FROM merge_conflict WHERE id = ?`, id).Scan(
		&c.ID, &c.Kind, &c.Table, &c.Record, &c.TheirRecord, &c.Field, &c.What, &c.Mine, &c.Theirs,
		&c.MineBy, &mineAt, &c.TheirsBy, &theirsAt, &c.State, &c.Resolution, &c.ResolvedBy, &resolvedAt, &c.theirsRow)
	if errors.Is(err, sql.ErrNoRows) {
		return c, hintErrorf("no merge conflict #%d%s", id, HintListConflicts)
	}
	c.MineAt, c.TheirsAt, c.ResolvedAt = parseTime(mineAt), parseTime(theirsAt), parseTime(resolvedAt)
	return c, err
}

// scopeOf finds the control test a record's changes were logged under.
func (t *txn) scopeOf(record string) string {
	var s string
	// A cell of a bulk pass that nothing changed since: the pass's scope.
	bulk := record
	if b, _, ok := bulkOf(record); ok {
		bulk = b
	}
	t.tx.QueryRowContext(t.ctx, "SELECT scope FROM change_log WHERE record_uuid IN (?, ?) AND scope != '' ORDER BY seq DESC LIMIT 1", record, bulk).Scan(&s)
	return s
}

func (t *txn) takeTheirs(c Conflict) error {
	switch c.Kind {
	case "field":
		v, err := t.typed(c.Table, c.Field, c.Theirs)
		if err != nil {
			return err
		}
		_, err = t.update(c.Table, c.Record, 0, c.What, field{c.Field, v})
		return err
	case "deleted-by-them":
		return t.delete(c.Table, c.Record, fmt.Sprintf("merge conflict #%d resolved: deleted, as in the other copy", c.ID))
	case "deleted-by-me":
		var exists int
		t.tx.QueryRowContext(t.ctx, fmt.Sprintf("SELECT count(*) FROM %q WHERE uuid = ?", c.Table), c.Record).Scan(&exists)
		if exists > 0 {
			return nil // restored by the merge already
		}
		return t.reinsert(c)
	case "both-current":
		if err := t.swapCurrent(c.Table, c.Record, c.TheirRecord); err != nil {
			return err
		}
		return nil
	}
	return fmt.Errorf("unknown kind of conflict %q", c.Kind)
}

// typed converts a stored text value back to its column's type.
func (t *txn) typed(table, col string, v *string) (any, error) {
	if v == nil {
		return nil, nil
	}
	var typ string
	rows, err := t.tx.QueryContext(t.ctx, fmt.Sprintf("PRAGMA table_info(%q)", table))
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var cid, notnull, pk int
		var name, ty string
		var dflt any
		rows.Scan(&cid, &name, &ty, &notnull, &dflt, &pk)
		if name == col {
			typ = strings.ToUpper(ty)
		}
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	if typ == "INTEGER" {
		return strconv.ParseInt(*v, 10, 64)
	}
	return *v, nil
}

// reinsert puts back a record deleted here, as the other copy had it.
func (t *txn) reinsert(c Conflict) error {
	dec := json.NewDecoder(strings.NewReader(c.theirsRow))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return fmt.Errorf("the other copy's record is unreadable: %w", err)
	}
	var names []string
	for k := range obj {
		if !bookkeeping[k] {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	var fields []field
	for _, k := range names {
		v := obj[k]
		if n, ok := v.(json.Number); ok {
			if i, err := n.Int64(); err == nil {
				v = i
			} else {
				v = n.String()
			}
		}
		fields = append(fields, field{k, v})
	}
	return t.insertWithUUID(c.Table, c.Record, fields...)
}

// swapCurrent makes their population (or sample) current instead of mine;
// a population's current sample follows it.
func (t *txn) swapCurrent(table, mine, theirs string) error {
	type swap struct{ table, uuid string }
	off := []swap{{table, mine}}
	on := []swap{{table, theirs}}
	if table == "population" {
		var s string
		if err := t.tx.QueryRowContext(t.ctx, "SELECT uuid FROM selection WHERE population_uuid = ? AND current = 1", mine).Scan(&s); err == nil {
			off = append(off, swap{"selection", s})
		}
		if err := t.tx.QueryRowContext(t.ctx, "SELECT uuid FROM selection WHERE population_uuid = ? ORDER BY id DESC LIMIT 1", theirs).Scan(&s); err == nil {
			on = append(on, swap{"selection", s})
		}
	}
	for _, s := range off {
		if _, err := t.update(s.table, s.uuid, 0, describeRecord(t, s.table, s.uuid, "main"), field{"current", 0}); err != nil {
			return err
		}
	}
	for _, s := range on {
		if _, err := t.update(s.table, s.uuid, 0, describeRecord(t, s.table, s.uuid, "main"), field{"current", 1}); err != nil {
			return err
		}
	}
	return nil
}
