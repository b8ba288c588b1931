package model

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Applying the other copy's changes, table by table, for Merge (merge.go):
// deletes, updates, inserts (renumbering clashing references), and the
// checks and conflicts that follow.

// restoreSet lists records I deleted that their new records depend on: the
// delete loses (a conflict), so that nothing of theirs is dropped.
func (m *merger) restoreSet() map[string]bool {
	restore := map[string]bool{}
	for changed := true; changed; {
		changed = false
		for _, ti := range m.tables {
			for u, r := range m.B[ti.name] {
				if _, ok := m.A[ti.name][m.mapUUID(u)]; ok {
					continue
				}
				if c := m.mine.records[u]; c != nil && c.deleted && !restore[u] {
					continue // deleted here, and nothing new of theirs needs it (yet)
				}
				vals := m.remapped(ti, r)
				for i, col := range ti.cols {
					if !strings.HasSuffix(col.name, "_uuid") {
						continue
					}
					ref, _ := vals[i].(string)
					if c := m.mine.records[ref]; ref != "" && c != nil && c.deleted && !restore[ref] {
						restore[ref] = true
						changed = true
					}
				}
			}
		}
	}
	return restore
}

// applyDeletes deletes what they deleted, unless I changed it since, or
// something of mine still depends on it: then it is a conflict.
func (m *merger) applyDeletes(ti *tableInfo) error {
	var ids []string
	for u := range m.A[ti.name] {
		if c := m.theirs.records[u]; c != nil && c.deleted {
			if _, still := m.B[ti.name][u]; !still {
				ids = append(ids, u)
			}
		}
	}
	sort.Strings(ids)
	for _, u := range ids {
		mineC := m.mine.records[u]
		if mineC == nil {
			var err error
			if mineC, err = m.dependentChange(ti, u); err != nil {
				return err
			}
		}
		if mineC != nil {
			th := m.theirs.records[u].last
			what := m.describe(ti.name, u, "main")
			m.conflicts = append(m.conflicts, Conflict{Kind: "deleted-by-them", Table: ti.name, Record: u, What: what,
				MineBy: mineC.last.user, MineAt: parseTime(mineC.last.at), TheirsBy: th.user, TheirsAt: parseTime(th.at)})
			continue
		}
		if _, err := m.t.exec(fmt.Sprintf("DELETE FROM main.%q WHERE uuid = ?", ti.name), u); err != nil {
			return fmt.Errorf("deleting %s: %w", m.describe(ti.name, u, "main"), err)
		}
		delete(m.A[ti.name], u)
		m.rep.Deleted[ti.name]++
	}
	return nil
}

// dependentChange finds my changes to records that depend on a record
// they deleted: rows that would block the delete, or that a cascade would
// silently remove although I made them.
func (m *merger) dependentChange(ti *tableInfo, u string) (*sideChange, error) {
	for _, d := range ti.dependents {
		rows, err := m.t.tx.QueryContext(m.t.ctx, fmt.Sprintf("SELECT uuid FROM main.%q WHERE %q = ?", d.table, d.col), u)
		if err != nil {
			return nil, err
		}
		var deps []string
		for rows.Next() {
			var id string
			rows.Scan(&id)
			deps = append(deps, id)
		}
		if err := closeRows(rows); err != nil {
			return nil, err
		}
		for _, id := range deps {
			if c := m.mine.records[id]; c != nil {
				return c, nil
			}
			if !d.cascade {
				// Mine all the same: the other copy cannot have deleted it
				// knowing of them.
				var at, by string
				m.t.tx.QueryRowContext(m.t.ctx, fmt.Sprintf("SELECT updated_at, updated_by FROM main.%q WHERE uuid = ?", d.table), id).Scan(&at, &by)
				return &sideChange{last: stamp{user: by, at: at}}, nil
			}
		}
	}
	return nil, nil
}

// applyUpdates merges the fields of the records both sides have.
func (m *merger) applyUpdates(ti *tableInfo) error {
	var theirsIDs []string
	for u := range m.B[ti.name] {
		theirsIDs = append(theirsIDs, u)
	}
	sort.Strings(theirsIDs)
	for _, tu := range theirsIDs {
		mu := m.mapUUID(tu)
		a := m.A[ti.name][mu]
		if a == nil {
			continue
		}
		b := m.B[ti.name][tu]
		bvals := m.remapped(ti, b)
		mineC, theirsC := m.mine.records[mu], m.theirs.records[tu]
		if theirsC == nil {
			continue // they changed nothing: mine stands
		}
		var sets []string
		var args []any
		for i, col := range ti.cols {
			av, bv := a.vals[i], bvals[i]
			if equalText(valueText(av), valueText(bv)) {
				continue
			}
			_, tf := theirsC.fields[col.name]
			tf = tf || theirsC.inserted
			mf := false
			if mineC != nil {
				_, mf = mineC.fields[col.name]
				mf = mf || mineC.inserted
			}
			switch {
			case !tf:
				continue
			case mf && ti.name == "signoff" && (col.name == "stale_at" || col.name == "stale_by"):
				// Both marked the sign-off stale: the earlier mark stands.
				if asString(bvals[colIndex(ti, "stale_at")]) >= asString(a.vals[colIndex(ti, "stale_at")]) {
					continue
				}
			case mf:
				ms, ts := mineC.fields[col.name], theirsC.fields[col.name]
				if ms.at == "" {
					ms = mineC.last
				}
				if ts.at == "" {
					ts = theirsC.last
				}
				m.conflicts = append(m.conflicts, Conflict{Kind: "field", Table: ti.name, Record: mu, TheirRecord: otherUUID(tu, mu),
					Field: col.name, What: m.describe(ti.name, mu, "main"), Mine: valueText(av), Theirs: valueText(bv),
					MineBy: ms.user, MineAt: parseTime(ms.at), TheirsBy: ts.user, TheirsAt: parseTime(ts.at)})
				continue
			}
			sets = append(sets, fmt.Sprintf("%q = ?", col.name))
			args = append(args, bv)
			a.vals[i] = bv
		}
		if len(sets) == 0 {
			continue
		}
		at, by := a.updatedAt, a.updatedBy
		if b.updatedAt > at {
			at, by = b.updatedAt, b.updatedBy
		}
		sets = append(sets, "version = ?", "updated_at = ?", "updated_by = ?")
		args = append(args, max(a.version, b.version)+1, at, by, mu)
		if _, err := m.t.exec(fmt.Sprintf("UPDATE main.%q SET %s WHERE uuid = ?", ti.name, strings.Join(sets, ", ")), args...); err != nil {
			return fmt.Errorf("updating %s: %w", m.describe(ti.name, mu, "main"), err)
		}
		m.rep.Changed[ti.name]++
	}
	return nil
}

func otherUUID(theirs, mine string) string {
	if theirs == mine {
		return ""
	}
	return theirs
}

// applyInserts inserts their new records whole.
func (m *merger) applyInserts(ti *tableInfo, restore map[string]bool) error {
	var ids []string
	for u := range m.B[ti.name] {
		if _, ok := m.A[ti.name][m.mapUUID(u)]; !ok {
			ids = append(ids, u)
		}
	}
	// Parents before children within a table does not matter (foreign keys
	// are checked at commit); a stable order keeps merges reproducible.
	sort.Slice(ids, func(i, j int) bool {
		ri, rj := m.B[ti.name][ids[i]], m.B[ti.name][ids[j]]
		if ri.createdAt != rj.createdAt {
			return ri.createdAt < rj.createdAt
		}
		return ids[i] < ids[j]
	})
	for _, u := range ids {
		b := m.B[ti.name][u]
		if c := m.mine.records[u]; c != nil && c.deleted {
			th := m.theirs.records[u]
			if th == nil && !restore[u] {
				continue // deleted here, untouched there: stays deleted
			}
			rowJSON, err := m.theirRowJSON(ti, b)
			if err != nil {
				return err
			}
			what := m.describe(ti.name, u, "other")
			cf := Conflict{Kind: "deleted-by-me", Table: ti.name, Record: u, What: what, MineBy: c.last.user, MineAt: parseTime(c.last.at), theirsRow: rowJSON}
			if th != nil {
				cf.TheirsBy, cf.TheirsAt = th.last.user, parseTime(th.last.at)
			}
			if !restore[u] {
				s := "kept deleted until resolved"
				cf.Theirs = &s
				m.conflicts = append(m.conflicts, cf)
				continue
			}
			s := "restored, since records of theirs depend on it"
			cf.Theirs = &s
			m.conflicts = append(m.conflicts, cf)
		}
		vals := m.remapped(ti, b)
		if renumbered[ti.name] {
			if err := m.renumber(ti, u, b, vals); err != nil {
				return err
			}
		}
		if hasCurrent[ti.name] {
			m.checkCurrent(ti, u, b, vals)
		}
		if err := m.insert(ti, u, b, vals); err != nil {
			return err
		}
		m.A[ti.name][u] = &row{uuid: u, version: b.version, createdAt: b.createdAt, createdBy: b.createdBy, updatedAt: b.updatedAt, updatedBy: b.updatedBy, vals: vals}
		m.rep.Added[ti.name]++
	}
	return nil
}

func (m *merger) insert(ti *tableInfo, u string, b *row, vals []any) error {
	cols := []string{"uuid", "version", "created_at", "created_by", "updated_at", "updated_by"}
	marks := []string{"?", "?", "?", "?", "?", "?"}
	args := []any{u, b.version, b.createdAt, b.createdBy, b.updatedAt, b.updatedBy}
	for i, c := range ti.cols {
		cols = append(cols, fmt.Sprintf("%q", c.name))
		marks = append(marks, "?")
		args = append(args, vals[i])
	}
	for _, c := range ti.heavy {
		cols = append(cols, fmt.Sprintf("%q", c.name))
		marks = append(marks, fmt.Sprintf("(SELECT %q FROM other.%q WHERE uuid = ?)", c.name, ti.name))
		args = append(args, u)
	}
	res, err := m.t.exec(fmt.Sprintf("INSERT INTO main.%q (%s) VALUES (%s)", ti.name, strings.Join(cols, ", "), strings.Join(marks, ", ")), args...)
	if err != nil {
		return fmt.Errorf("adding %s: %w", m.describe(ti.name, u, "other"), err)
	}
	if ti.name == "population" {
		// A population's rows travel with it.
		id, err := res.LastInsertId()
		if err != nil {
			return err
		}
		if _, err := m.t.exec(`INSERT INTO main.population_row (population_id, position, source_row, occurrence_id, occurrence_date, flags, cells)
			SELECT ?, position, source_row, occurrence_id, occurrence_date, flags, cells FROM other.population_row
			WHERE population_id = (SELECT id FROM other.population WHERE uuid = ?)`, id, u); err != nil {
			return fmt.Errorf("adding the rows of %s: %w", m.describe(ti.name, u, "other"), err)
		}
	}
	return nil
}

// renumber settles two different records both sides gave the same
// reference: the one created first keeps it; the other gets it with a
// suffix from its own UUID, which does not depend on the merge order.
func (m *merger) renumber(ti *tableInfo, u string, b *row, vals []any) error {
	ri := colIndex(ti, "ref")
	if ri < 0 {
		return nil
	}
	ref := asString(vals[ri])
	var mineID string
	for id, r := range m.A[ti.name] {
		if asString(r.vals[ri]) == ref {
			mineID = id
			break
		}
	}
	if mineID == "" {
		return nil
	}
	a := m.A[ti.name][mineID]
	theirsFirst := b.createdAt < a.createdAt || (b.createdAt == a.createdAt && u < mineID)
	loser, loserRef := u, ""
	if theirsFirst {
		loser = mineID
	}
	loserRef = m.suffixed(ti, ri, ref, loser)
	note := fmt.Sprintf("renumbered by the merge of %s: %s was given to another record in each copy", m.source, ref)
	label := strings.ReplaceAll(ti.name, "_", " ")
	if theirsFirst {
		if _, err := m.t.exec(fmt.Sprintf("UPDATE main.%q SET ref = ?, version = version + 1 WHERE uuid = ?", ti.name), loserRef, mineID); err != nil {
			return err
		}
		a.vals[ri] = loserRef
	} else {
		vals[ri] = loserRef
	}
	old := ref
	if err := m.t.log("update", ti.name, loser, "ref", &old, &loserRef, note); err != nil {
		return err
	}
	m.rep.Renumbered = append(m.rep.Renumbered, fmt.Sprintf("%s %s → %s", label, ref, loserRef))
	return nil
}

func (m *merger) suffixed(ti *tableInfo, ri int, ref, u string) string {
	clean := strings.ReplaceAll(u, "-", "")
	for n := 4; n <= len(clean); n += 2 {
		cand := ref + "." + clean[:n]
		taken := false
		for _, side := range []map[string]*row{m.A[ti.name], m.B[ti.name]} {
			for _, r := range side {
				if asString(r.vals[ri]) == cand {
					taken = true
				}
			}
		}
		if !taken {
			return cand
		}
	}
	return ref + "." + clean
}

// checkCurrent inserts their population or sample as not current when this
// file already has a current one for the same control test: a conflict.
func (m *merger) checkCurrent(ti *tableInfo, u string, b *row, vals []any) {
	ci, ti2 := colIndex(ti, "current"), colIndex(ti, "test_uuid")
	if ci < 0 || ti2 < 0 || asString(vals[ci]) != "1" {
		return
	}
	if ti.name == "selection" {
		if pi := colIndex(ti, "population_uuid"); pi >= 0 && m.demoted[asString(vals[pi])] {
			vals[ci] = int64(0) // part of its population's conflict
			return
		}
	}
	test := asString(vals[ti2])
	for id, r := range m.A[ti.name] {
		if asString(r.vals[ti2]) != test || asString(r.vals[ci]) != "1" {
			continue
		}
		vals[ci] = int64(0)
		m.demoted[u] = true
		label := func(vals []any, createdAt string) string {
			if si := colIndex(ti, "source_name"); si >= 0 {
				return asString(vals[si])
			}
			return "drawn " + fmtStamp(parseTime(createdAt))
		}
		mine, theirs := label(r.vals, r.createdAt), label(vals, b.createdAt)
		m.conflicts = append(m.conflicts, Conflict{Kind: "both-current", Table: ti.name, Record: id, TheirRecord: u,
			Field: "current", What: m.describe(ti.name, id, "main"), Mine: &mine, Theirs: &theirs,
			MineBy: r.createdBy, MineAt: parseTime(r.createdAt), TheirsBy: b.createdBy, TheirsAt: parseTime(b.createdAt)})
		return
	}
}

func (m *merger) theirRowJSON(ti *tableInfo, b *row) (string, error) {
	obj := map[string]any{"uuid": b.uuid, "version": b.version, "created_at": b.createdAt, "created_by": b.createdBy}
	for i, c := range ti.cols {
		obj[c.name] = m.remapped(ti, b)[i]
	}
	out, err := json.Marshal(obj)
	return string(out), err
}

// staleSignOffs: a sign-off made in one copy goes stale when the other
// copy changed the workpaper it covers, since its signer never saw that.
// It is marked stale as of the earliest such change, so that merging three
// copies in any order marks it alike.
func (m *merger) staleSignOffs() error {
	ti := m.byName["signoff"]
	if ti == nil {
		return nil
	}
	si, sa, ti2 := colIndex(ti, "stale"), colIndex(ti, "stale_at"), colIndex(ti, "test_uuid")
	earliest := func(side *sideLog, test string) (stamp, bool) {
		var best stamp
		found := false
		for scope, st := range side.scopes {
			if m.mapUUID(scope) == test && (!found || st.at < best.at || (st.at == best.at && st.user < best.user)) {
				best, found = st, true
			}
		}
		return best, found
	}
	var ids []string
	for u := range m.A["signoff"] {
		ids = append(ids, u)
	}
	sort.Strings(ids)
	for _, u := range ids {
		r := m.A["signoff"][u]
		test := asString(r.vals[ti2])
		var change stamp
		var ok bool
		if c := m.theirs.records[u]; c != nil && c.inserted {
			change, ok = earliest(m.mine, test)
		} else if c := m.mine.records[u]; c != nil && c.inserted {
			change, ok = earliest(m.theirs, test)
		}
		if !ok {
			continue
		}
		if asString(r.vals[si]) == "1" && asString(r.vals[sa]) <= change.at {
			continue
		}
		m.t.scope = test
		if _, err := m.t.update("signoff", u, 0, "sign-off", field{"stale", 1}, field{"stale_at", change.at}, field{"stale_by", change.user}); err != nil {
			return err
		}
		m.rep.StaleSignOffs = append(m.rep.StaleSignOffs, m.describe("signoff", u, "main"))
	}
	m.t.scope = ""
	return nil
}

func (m *merger) checkForeignKeys() error {
	rows, err := m.t.tx.QueryContext(m.t.ctx, "PRAGMA main.foreign_key_check")
	if err != nil {
		return err
	}
	var problems []string
	for rows.Next() {
		var table, parent string
		var rowid, fk any
		rows.Scan(&table, &rowid, &parent, &fk)
		if len(problems) < 5 {
			problems = append(problems, fmt.Sprintf("a %s record would refer to a missing %s", table, parent))
		}
	}
	if err := closeRows(rows); err != nil {
		return err
	}
	if len(problems) > 0 {
		return fmt.Errorf("the copies cannot be merged as they are: %s", strings.Join(problems, "; "))
	}
	return nil
}

func (m *merger) recordConflicts() error {
	t := m.t
	for i := range m.conflicts {
		c := &m.conflicts[i]
		c.Source, c.MergedBy, c.MergedAt, c.State = m.source, t.w.user, parseTime(t.at), "open"
		res, err := t.exec(`INSERT INTO main.merge_conflict (merged_at, merged_by, source, kind, tbl, record_uuid, theirs_uuid, field, what,
			mine_value, theirs_value, mine_by, mine_at, theirs_by, theirs_at, theirs_row) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
			t.at, t.w.user, m.source, c.Kind, c.Table, c.Record, c.TheirRecord, c.Field, c.What, c.Mine, c.Theirs,
			c.MineBy, stampText(c.MineAt), c.TheirsBy, stampText(c.TheirsAt), c.theirsRow)
		if err != nil {
			return err
		}
		if c.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		t.scope = ""
		if err := t.event(c.Table, c.Record, fmt.Sprintf("merge conflict #%d: %s", c.ID, c.Describe())); err != nil {
			return err
		}
	}
	m.rep.Conflicts = m.conflicts
	return nil
}
