package model

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// ErrDamaged refuses a file that carries fieldwork's header but cannot be
// a whole workpaper: cut short, without its tables, or with a schema that
// is not the version its header says.
var ErrDamaged = errors.New("the workpaper file is damaged")

// coreTables exist in every workpaper since schema 1.
var coreTables = []string{"engagement", "control", "criterion", "change_log"}

// checkSize refuses a file that is not a whole number of pages, or shorter
// than the size its header records: a copy or download cut short. SQLite
// would read such a file and even write to it. It is checked when no
// rollback journal is left (a crash may leave the file longer than the
// header says, never shorter).
func checkSize(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var b [100]byte
	if _, err := io.ReadFull(f, b[:]); err != nil {
		return fmt.Errorf("%s: %w: shorter than a SQLite header; restore the latest copy or backup", path, ErrDamaged)
	}
	st, err := f.Stat()
	if err != nil {
		return err
	}
	pageSize := int64(binary.BigEndian.Uint16(b[16:18]))
	if pageSize == 1 {
		pageSize = 65536
	}
	if pageSize < 512 || pageSize&(pageSize-1) != 0 {
		return fmt.Errorf("%s: %w: its header gives an impossible page size (%d); restore the latest copy or backup", path, ErrDamaged, pageSize)
	}
	size := st.Size()
	if size%pageSize != 0 {
		return fmt.Errorf("%s: %w: its size (%d bytes) is not a whole number of %d-byte pages, so it was cut short or added to (an incomplete copy or download?); nothing was written: restore the latest copy or backup",
			path, ErrDamaged, size, pageSize)
	}
	pages := int64(binary.BigEndian.Uint32(b[28:32]))
	valid := pages > 0 && binary.BigEndian.Uint32(b[24:28]) == binary.BigEndian.Uint32(b[92:96])
	if valid && pages*pageSize > size {
		return fmt.Errorf("%s: %w: it holds %d of the %d pages its header records: it was cut short (an incomplete copy or download?); nothing was written: restore the latest copy or backup",
			path, ErrDamaged, size/pageSize, pages)
	}
	return nil
}

// createdBy names a table that the migration to each schema version
// creates: a file that says it is older but has it was relabeled.
var createdBy = map[int]string{2: "session", 3: "trail_signature"}

// checkTables refuses a file with fieldwork's header but without the
// tables every workpaper has, before anything reads or writes them.
func (w *Workpaper) checkTables(ctx context.Context, version int) error {
	rows, err := w.db.QueryContext(ctx, "SELECT name FROM sqlite_master WHERE type = 'table'")
	if err != nil {
		return friendlyDBError(err)
	}
	have := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return err
		}
		have[n] = true
	}
	if err := rows.Close(); err != nil {
		return friendlyDBError(err)
	}
	var missing []string
	for _, t := range coreTables {
		if !have[t] {
			missing = append(missing, t)
		}
	}
	for v := version + 1; v <= SchemaVersion; v++ {
		if t := createdBy[v]; t != "" && have[t] {
			return fmt.Errorf("%w: its header says schema %d but it already holds what schema %d adds (its user_version was changed by hand or by another program); nothing was written: restore the latest copy or backup",
				ErrDamaged, version, v)
		}
	}
	switch {
	case len(missing) == len(coreTables):
		return fmt.Errorf("%w: it carries fieldwork's header but holds none of a workpaper's tables (a file of another program, or one whose header was changed); nothing was written", ErrDamaged)
	case len(missing) > 0:
		return fmt.Errorf("%w: it lacks the tables %s that every workpaper has; nothing was written: restore the latest copy or backup", ErrDamaged, strings.Join(missing, ", "))
	}
	return nil
}

// schemaMismatch tells whether a failed migration found the file already
// holding what the migration adds: its user_version was changed by hand or
// by another program.
func schemaMismatch(err error) bool {
	s := err.Error()
	return strings.Contains(s, "duplicate column name") || strings.Contains(s, "already exists")
}
