package model

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Rolling forward starts next year's engagement from this year's: the
// engagement set-up, controls and their mapping, test procedures and
// attributes, the tickmark legend, the firm's criteria text and the
// CUECs/CSOCs carry over, with new UUIDs (it is a new engagement) and, in
// each record's creation entry of the change log, the UUID it came from.
// Populations, samples, results, exceptions, sign-offs, review notes,
// requests, interviews and conclusions do not.

// RollForwardInput is next year's period and where to write it.
type RollForwardInput struct {
	Out      string    // the new workpaper; must not exist
	From, To time.Time // Type II period
	AsOf     time.Time // Type I date (instead of From and To)
	// BrokenReason rolls forward from a workpaper that does not verify:
	// what is carried over is then recorded as coming from a broken file,
	// with this reason.
	BrokenReason string
}

// RollForwardReport says what was carried over.
type RollForwardReport struct {
	Out        string         `json:"out"`
	RolledFrom string         `json:"rolled_from"`
	Carried    map[string]int `json:"carried"` // records by table
	// PriorExceptions lists controls with exceptions in the last period:
	// their risk (and so their sample size) deserves a second look.
	PriorExceptions []string `json:"prior_exceptions"`
}

// rollTables are copied in this order (parents first), with the columns
// that carry over. Columns ending in _uuid are translated to the new UUIDs.
var rollTables = []struct {
	table string
	cols  []string
	where string
}{
	{"team_member", []string{"name", "role", "email", "user", "public_key", "key_confirmed_by"}, ""},
	{"subservice_org", []string{"name", "services", "method"}, ""},
	{"complementary_control", []string{"kind", "ref", "text", "criteria", "subservice"}, ""},
	{"control", []string{"ref", "description", "owner", "frequency", "nature", "is_key", "ordinal", "risk"}, ""},
	{"control_criterion", []string{"control_uuid", "criterion"}, ""},
	{"control_test", []string{"control_uuid", "wp_ref", "design_procedure", "plan_kind", "plan_confidence", "plan_tolerable", "plan_expected", "plan_model"}, ""},
	{"procedure", []string{"test_uuid", "ordinal", "kind", "text"}, ""},
	{"attribute", []string{"test_uuid", "letter", "text"}, ""},
}

// RollForward writes next year's workpaper from the one at lastPath. The
// new file is written under a temporary name and renamed into place only
// when complete, so a crash never leaves half a file at in.Out.
func RollForward(ctx context.Context, lastPath string, in RollForwardInput, opt Options) (*RollForwardReport, error) {
	if in.Out == "" {
		return nil, errors.New("say where to write next year's workpaper")
	}
	if err := CheckOutputPath(in.Out, lastPath); err != nil {
		return nil, err
	}
	if err := CheckOutputPath(in.Out+".partial", lastPath); err != nil && sameFile(in.Out+".partial", lastPath) {
		// The temporary name is removed first: never when it is last year's file.
		return nil, err
	}
	if _, err := os.Lstat(in.Out); err == nil {
		return nil, fmt.Errorf("%s: %w; choose another name or remove it first", in.Out, ErrExists)
	}
	src, err := Open(lastPath, Options{User: opt.User, ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer src.Close()
	// Next year starts from what last year's file can prove.
	vr, err := src.Verify(ctx)
	if err != nil {
		return nil, err
	}
	broken := ""
	if !vr.OK {
		if strings.TrimSpace(in.BrokenReason) == "" {
			return nil, hintErrorf("%s %w: %s; nothing was written%s",
				lastPath, ErrCopyDoesNotVerify, vr.FirstProblem(), HintRollForwardAnyway)
		}
		broken = fmt.Sprintf("; the source does not verify (%s) and was rolled forward anyway: %s", vr.FirstProblem(), strings.TrimSpace(in.BrokenReason))
	}
	last, err := src.Engagement(ctx)
	if err != nil {
		return nil, err
	}
	next := NewEngagement{Client: last.Client, System: last.System, From: in.From, To: in.To, AsOf: in.AsOf,
		Categories: last.Categories, Firm: last.Firm}
	next.Type = TypeII
	if !in.AsOf.IsZero() {
		next.Type = TypeI
	}
	if err := next.Validate(); err != nil {
		return nil, err
	}
	if next.Type == TypeII && !last.To.IsZero() && !next.From.After(last.To) {
		return nil, fmt.Errorf("the new period starts %s, not after the last one ended (%s)", formatDate(next.From), formatDate(last.To))
	}
	var lastSeq int64
	var lastHash, freqTable string
	if err := src.db.QueryRowContext(ctx, "SELECT seq, hash FROM change_log ORDER BY seq DESC LIMIT 1").Scan(&lastSeq, &lastHash); err != nil {
		return nil, fmt.Errorf("%s: reading its audit trail: %w", lastPath, friendlyDBError(err))
	}
	if err := src.db.QueryRowContext(ctx, "SELECT frequency_table FROM engagement WHERE id = 1").Scan(&freqTable); err != nil {
		return nil, friendlyDBError(err)
	}
	rep := &RollForwardReport{Out: in.Out, Carried: map[string]int{}, PriorExceptions: []string{},
		RolledFrom: fmt.Sprintf("%s (engagement %s, change log entry %d, hash %s)%s", filepath.Base(lastPath), last.UUID, lastSeq, lastHash, broken)}

	// Everything that carries over, read before writing.
	type srcRow struct {
		uuid string
		vals []any
	}
	rowsOf := map[string][]srcRow{}
	for _, rt := range rollTables {
		q := fmt.Sprintf("SELECT uuid, %s FROM %s ORDER BY id", strings.Join(rt.cols, ", "), rt.table)
		rows, err := src.db.QueryContext(ctx, q)
		if err != nil {
			return nil, friendlyDBError(err)
		}
		for rows.Next() {
			r := srcRow{vals: make([]any, len(rt.cols))}
			dest := []any{&r.uuid}
			for i := range r.vals {
				dest = append(dest, &r.vals[i])
			}
			if err := rows.Scan(dest...); err != nil {
				rows.Close()
				return nil, err
			}
			rowsOf[rt.table] = append(rowsOf[rt.table], r)
		}
		if err := closeRows(rows); err != nil {
			return nil, err
		}
	}
	type critText struct{ uuid, ref, title, desc, source string }
	var crits []critText
	rows, err := src.db.QueryContext(ctx, "SELECT uuid, ref, title, description, text_source FROM criterion WHERE text_source != 'fieldwork' ORDER BY ordinal")
	if err != nil {
		return nil, friendlyDBError(err)
	}
	for rows.Next() {
		var c critText
		if err := rows.Scan(&c.uuid, &c.ref, &c.title, &c.desc, &c.source); err != nil {
			rows.Close()
			return nil, err
		}
		crits = append(crits, c)
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	tickmarks, err := src.Tickmarks(ctx)
	if err != nil {
		return nil, err
	}
	var wpRefs []string
	if rows, err = src.db.QueryContext(ctx, "SELECT ref FROM wp_ref_used ORDER BY ref"); err != nil {
		return nil, friendlyDBError(err)
	}
	for rows.Next() {
		var r string
		rows.Scan(&r)
		wpRefs = append(wpRefs, r)
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	xs, err := src.Exceptions(ctx)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, x := range xs {
		if !seen[x.ControlRef] {
			seen[x.ControlRef] = true
			rep.PriorExceptions = append(rep.PriorExceptions, x.ControlRef)
		}
	}

	// Write under a temporary name. A partial file left by a crash (and its
	// journal, which must never meet a new file of the same name) goes first.
	tmp := in.Out + ".partial"
	os.Remove(tmp + "-journal")
	os.Remove(tmp)
	dst, err := Create(tmp, opt)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*RollForwardReport, error) {
		dst.Close()
		os.Remove(tmp)
		os.Remove(tmp + "-journal")
		return nil, err
	}
	if err := dst.CreateEngagement(ctx, next); err != nil {
		return fail(err)
	}
	from := filepath.Base(lastPath)
	err = dst.write(ctx, func(t *txn) error {
		for k := range rep.Carried {
			delete(rep.Carried, k)
		}
		var engUUID string
		if err := t.tx.QueryRowContext(ctx, "SELECT uuid FROM engagement WHERE id = 1").Scan(&engUUID); err != nil {
			return err
		}
		if _, err := t.update("engagement", engUUID, 0, "the engagement", field{"rolled_from", rep.RolledFrom}, field{"frequency_table", freqTable}); err != nil {
			return err
		}
		for _, c := range crits {
			var id string
			if err := t.tx.QueryRowContext(ctx, "SELECT uuid FROM criterion WHERE ref = ?", c.ref).Scan(&id); err != nil {
				if errors.Is(err, sql.ErrNoRows) {
					continue
				}
				return err
			}
			if _, err := t.update("criterion", id, 0, "criterion "+c.ref, field{"title", c.title}, field{"description", c.desc}, field{"text_source", c.source}); err != nil {
				return err
			}
			rep.Carried["criterion"]++
		}
		for _, tm := range tickmarks {
			var id, meaning string
			err := t.tx.QueryRowContext(ctx, "SELECT uuid, meaning FROM tickmark WHERE symbol = ?", tm.Symbol).Scan(&id, &meaning)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				if _, err := t.insertFrom("tickmark", tm.UUID, from, field{"symbol", tm.Symbol}, field{"meaning", tm.Meaning}); err != nil {
					return err
				}
			case err != nil:
				return err
			case meaning != tm.Meaning:
				if _, err := t.update("tickmark", id, 0, "tickmark "+tm.Symbol, field{"meaning", tm.Meaning}); err != nil {
					return err
				}
			}
			rep.Carried["tickmark"]++
		}
		for _, ref := range wpRefs {
			if _, err := t.exec("INSERT OR IGNORE INTO wp_ref_used (ref) VALUES (?)", ref); err != nil {
				return err
			}
		}
		newUUID := map[string]string{}
		for _, rt := range rollTables {
			for _, r := range rowsOf[rt.table] {
				fields := make([]field, len(rt.cols))
				for i, c := range rt.cols {
					v := r.vals[i]
					if b, ok := v.([]byte); ok {
						v = string(b)
					}
					if s, ok := v.(string); ok && strings.HasSuffix(c, "_uuid") {
						n, ok := newUUID[s]
						if !ok {
							return fmt.Errorf("%s %s refers to %s, which is not in the workpaper", rt.table, r.uuid, s)
						}
						v = n
					}
					fields[i] = field{c, v}
				}
				id, err := t.insertFrom(rt.table, r.uuid, from, fields...)
				if err != nil {
					return err
				}
				newUUID[r.uuid] = id
				rep.Carried[rt.table]++
			}
		}
		t.scope = ""
		if err := t.event("engagement", engUUID, "rolled forward from "+rep.RolledFrom); err != nil {
			return err
		}
		crashPoint("rollforward")
		return nil
	})
	if err != nil {
		return fail(err)
	}
	if err := dst.Close(); err != nil {
		return fail(err)
	}
	if err := publish(tmp, in.Out); err != nil {
		os.Remove(tmp)
		return nil, err
	}
	return rep, nil
}

// insertFrom inserts a record copied from another workpaper; its creation
// entry in the change log names the record it came from.
func (t *txn) insertFrom(table, fromUUID, fromFile string, fields ...field) (string, error) {
	id := t.w.newUUID()
	if _, err := t.insertRow(table, id, fields...); err != nil {
		return "", err
	}
	if err := t.log("insert", table, id, "", nil, nil, fmt.Sprintf("rolled forward from %s %s in %s", table, fromUUID, fromFile)); err != nil {
		return "", err
	}
	for _, f := range fields {
		if v := valueText(f.value); v != nil {
			if err := t.log("update", table, id, f.name, nil, v, ""); err != nil {
				return "", err
			}
		}
	}
	return id, nil
}

// publish moves a finished file into place without ever replacing an
// existing one: a hard link fails if the name is taken; where links are not
// supported the name is checked, then the file renamed.
func publish(tmp, dest string) error {
	if err := os.Link(tmp, dest); err == nil {
		os.Remove(tmp)
		syncDir(filepath.Dir(dest))
		return nil
	} else if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s: %w; choose another name or remove it first", dest, ErrExists)
	}
	if _, err := os.Lstat(dest); err == nil {
		return fmt.Errorf("%s: %w; choose another name or remove it first", dest, ErrExists)
	}
	if err := os.Rename(tmp, dest); err != nil {
		return err
	}
	syncDir(filepath.Dir(dest))
	return nil
}

// syncDir makes a rename durable where the system allows it.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
