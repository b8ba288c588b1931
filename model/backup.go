package model

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// execer runs a statement on a *sql.DB or a *sql.Conn.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// Backup writes a consistent copy of the workpaper beside it, named
// NAME.bak-YYYYMMDD-HHMMSS, and returns its path. The copy is made by
// SQLite (VACUUM INTO) from one read transaction, so it is complete even
// while others write the file. Open makes one before a schema upgrade and
// Merge before merging.
func (w *Workpaper) Backup(ctx context.Context) (string, error) {
	return w.backupOn(ctx, w.db)
}

func (w *Workpaper) backupOn(ctx context.Context, db execer) (string, error) {
	dest, err := backupName(w.path, w.now())
	if err != nil {
		return "", err
	}
	// Written under a temporary name, synced, then moved into place: a
	// crash never leaves a truncated copy under a backup's name, and what a
	// killed backup left is removed by the next one.
	dir := filepath.Dir(dest)
	CleanStaleTemps(dir, filepath.Base(w.path), "bak")
	f, err := TempOutput(dir, filepath.Base(w.path), "bak")
	if err != nil {
		return "", fmt.Errorf("writing the backup %s: %w", dest, err)
	}
	tmp := f.Name()
	f.Close()
	os.Remove(tmp) // VACUUM INTO wants a new file; the name stays ours
	fail := func(err error) (string, error) {
		os.Remove(tmp)
		os.Remove(tmp + "-journal")
		return "", fmt.Errorf("writing the backup %s: %w", dest, err)
	}
	if _, err := db.ExecContext(ctx, "VACUUM main INTO ?", tmp); err != nil {
		return fail(friendlyDBError(err))
	}
	// The live editing sessions are not the copy's.
	if err := clearSessions(ctx, tmp); err != nil {
		return fail(err)
	}
	crashPoint("backup")
	if err := syncFile(tmp); err != nil {
		return fail(err)
	}
	if err := publish(tmp, dest); err != nil {
		return fail(err)
	}
	return dest, nil
}

// backupName picks a backup file name that does not exist yet.
func backupName(path string, at time.Time) (string, error) {
	base := path + ".bak-" + at.Local().Format("20060102-150405")
	for i := 1; i < 1000; i++ {
		name := base
		if i > 1 {
			name = fmt.Sprintf("%s-%d", base, i)
		}
		if _, err := os.Lstat(name); errors.Is(err, os.ErrNotExist) {
			return name, nil
		}
	}
	return "", fmt.Errorf("%s: too many backups named %s-N; move some away", filepath.Dir(path), filepath.Base(base))
}

// clearSessions removes the editing sessions from a copied file, if it has
// the table (a backup of an older schema does not).
func clearSessions(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return err
	}
	defer db.Close()
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'session'").Scan(&n); err != nil {
		return friendlyDBError(err)
	}
	if n == 0 {
		return nil
	}
	_, err = db.ExecContext(ctx, "DELETE FROM session")
	return friendlyDBError(err)
}

// crashPoint is a test hook: when FIELDWORK_TEST_CRASH_POINT names this
// point, the process says so on stderr and waits, in the middle of its
// transaction, for the crash tests to kill it with SIGKILL. It does nothing
// otherwise.
func crashPoint(name string) {
	if os.Getenv("FIELDWORK_TEST_CRASH_POINT") != name {
		return
	}
	fmt.Fprintf(os.Stderr, "fieldwork: test crash point %q reached\n", name)
	time.Sleep(10 * time.Minute)
}
