package model

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestBackup(t *testing.T) {
	ctx := context.Background()
	base, _ := mergeBase(t)
	w := openCopy(t, base, "alice", testClock)
	bak, err := w.Backup(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(bak) != filepath.Dir(base) || !strings.HasPrefix(filepath.Base(bak), filepath.Base(base)+".bak-") {
		t.Fatalf("backup at %s", bak)
	}
	bak2, err := w.Backup(ctx)
	if err != nil || bak2 == bak {
		t.Fatalf("a second backup the same second: %s %v", bak2, err)
	}
	b, err := Open(bak, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	mustVerify(t, b)
	if dump(t, b) != dump(t, w) {
		t.Fatal("the backup differs")
	}
	// The live session is the file's, not the backup's.
	if ss, _ := b.Sessions(ctx); len(ss) != 0 {
		t.Fatalf("the backup has sessions %+v", ss)
	}
}

// A file of schema 1 is backed up before Open upgrades it.
func TestMigrationBackup(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.fieldwork")
	db, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(migrations[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(fmt.Sprintf("PRAGMA user_version = 1; PRAGMA application_id = %d", ApplicationID)); err != nil {
		t.Fatal(err)
	}
	db.Close()
	w, err := Open(path, testOptions("alice"))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	bak := w.MigrationBackup()
	if bak == "" {
		t.Fatal("no backup before the upgrade")
	}
	h, err := readHeader(bak)
	if err != nil || h.userVersion != 1 || h.applicationID != ApplicationID {
		t.Fatalf("backup header %+v %v", h, err)
	}
	if v, _ := w.SchemaVersionOf(context.Background()); v != SchemaVersion {
		t.Fatalf("upgraded to %d", v)
	}
	// A current file is not backed up on open.
	w2, err := Open(path, testOptions("bob"))
	if err != nil {
		t.Fatal(err)
	}
	defer w2.Close()
	if w2.MigrationBackup() != "" {
		t.Fatal("backed up a current file")
	}
}

// Copying the file while a handle has it open (and is not in the middle of
// a write) gives a complete workpaper: nothing lives beside it.
func TestCopyWhileOpenIsComplete(t *testing.T) {
	ctx := context.Background()
	base, pos := mergeBase(t)
	w := openCopy(t, base, "alice", testClock)
	if err := w.SetResult(ctx, ResultInput{ControlRef: "CHG-01", Position: pos[9], Attribute: "B", Outcome: Pass, Note: "last edit"}); err != nil {
		t.Fatal(err)
	}
	for _, side := range []string{"-wal", "-shm", "-journal"} {
		if _, err := os.Stat(base + side); err == nil {
			t.Fatalf("%s exists beside the workpaper", side)
		}
	}
	cp := filepath.Join(t.TempDir(), "copy.fieldwork")
	copyFile(t, base, cp)
	c, err := Open(cp, Options{User: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	mustVerify(t, c)
	if r := resultOf(t, c, pos[9], "B"); r == nil || r.Note != "last edit" {
		t.Fatalf("the copy lacks the last edit: %+v", r)
	}
	if dump(t, c) != dump(t, w) {
		t.Fatal("the copy differs")
	}
	// The copy shows alice's session (she had the original open), never as bob's own.
	if ss := c.OtherSessions(); len(ss) != 1 || ss[0].User != "alice" {
		t.Fatalf("sessions in the copy %+v", ss)
	}
}

// busyOnce is a connection pool whose first BEGINs find the file locked.
type busyOnce struct {
	db    *sql.DB
	fails int
}

func (b *busyOnce) BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error) {
	if b.fails > 0 {
		b.fails--
		return nil, errors.New("database is locked (5) (SQLITE_BUSY)")
	}
	return b.db.BeginTx(ctx, opts)
}

// A write whose BEGIN found the file locked is begun again, a bounded
// number of times, and the user never sees SQLite's words.
func TestWriteRetriesBusyBegin(t *testing.T) {
	ctx := context.Background()
	w, _ := newTestWorkpaper(t)
	ran := 0
	fn := func(t *txn) error { ran++; return t.event("engagement", "", "retried") }
	if err := w.writeOn(ctx, &busyOnce{db: w.db, fails: busyRetries}, fn); err != nil || ran != 1 {
		t.Fatalf("after %d busy BEGINs: %v (fn ran %d times)", busyRetries, err, ran)
	}
	err := w.writeOn(ctx, &busyOnce{db: w.db, fails: busyRetries + 1}, fn)
	if err == nil || strings.Contains(err.Error(), "database is locked") || !strings.Contains(err.Error(), "busy") || ran != 1 {
		t.Fatalf("after %d busy BEGINs: %v (fn ran %d times)", busyRetries+1, err, ran)
	}
}

// A writer that holds the file longer than the busy timeout (a big import)
// delays another writer; it does not fail it.
func TestWriterOutwaitsALongWriter(t *testing.T) {
	if testing.Short() {
		t.Skip("holds the write lock for 12 seconds")
	}
	ctx := context.Background()
	w, path := newTestWorkpaper(t)
	other, err := Open(path, Options{User: "bob", NoSession: true})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	holding := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- w.write(ctx, func(t *txn) error {
			if err := t.event("engagement", "", "long write"); err != nil {
				return err
			}
			close(holding)
			time.Sleep(12 * time.Second)
			return nil
		})
	}()
	<-holding
	start := time.Now()
	if err := other.AddTeamMember(ctx, TeamMember{Name: "Bob", Role: RoleReviewer}); err != nil {
		t.Fatalf("after %s: %v", time.Since(start).Round(time.Second), err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < 10*time.Second {
		t.Fatalf("waited only %s", waited)
	}
	mustVerify(t, w)
}
