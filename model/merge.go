package model

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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
		return nil, hintErrorf("%s %w (%d): resolve them first%s, or its unresolved values would overwrite this copy's",
			otherPath, ErrOpenConflicts, open, HintResolveConflicts.For(otherPath))
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
	return hintErrorf("%s %w, so nothing of it was taken in: %s%s", path, ErrCopyDoesNotVerify, r.FirstProblem(), HintVerify.For(path))
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
		if op == "insert" && fld == bulkField {
			// A bulk pass created each of its cells with these values.
			p, err := parseBulk(nw)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("%s bulk pass %s: %w", from, shortID(rec), err)
			}
			p.each(func(k int, a *bulkAttribute, o int) error {
				c := &sideChange{inserted: true, fields: map[string]stamp{}, last: st}
				for f := range p.values(a, o) {
					c.fields[f] = st
				}
				s.records[cellUUID(rec, k)] = c
				return nil
			})
			if prev, seen := s.scopes[scope]; scope != "" && (!seen || st.at < prev.at || (st.at == prev.at && st.user < prev.user)) {
				s.scopes[scope] = st
			}
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
