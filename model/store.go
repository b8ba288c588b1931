package model

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/fieldwork-audit/fieldwork/internal/signing"
	_ "modernc.org/sqlite" // registers the "sqlite" driver (pure Go, no cgo)
)

// ApplicationID marks a SQLite file as a fieldwork workpaper ("FWRK").
const ApplicationID = 0x4657524B

// SchemaVersion is the newest workpaper schema this build reads and writes.
const SchemaVersion = 6

// Extension is the suggested file extension of a workpaper.
const Extension = ".fieldwork"

// Refusal errors: Open returns them wrapped with the file name so callers
// can tell what went wrong with errors.Is.
var (
	ErrNotExist     = errors.New("no such workpaper")
	ErrNotSQLite    = errors.New("not a fieldwork workpaper (not a SQLite database)")
	ErrForeignDB    = errors.New("not a fieldwork workpaper (a SQLite database of another application)")
	ErrNewerSchema  = errors.New("written by a newer fieldwork")
	ErrReadOnly     = errors.New("workpaper is open read-only")
	ErrExists       = errors.New("file already exists")
	ErrEmptyFile    = errors.New("not a fieldwork workpaper (the file is empty)")
	ErrNoEngagement = errors.New("workpaper has no engagement")
	ErrHotJournal   = errors.New("an interrupted change must be rolled back first")
)

// Options controls how a workpaper is opened.
type Options struct {
	// User is recorded on every change. Required for writing.
	User string
	// ReadOnly opens without taking any lock for writing.
	ReadOnly bool
	// Now is the clock; nil means time.Now. The demo and tests fix it.
	Now func() time.Time
	// NewUUID makes record IDs; nil means random version-4 UUIDs.
	NewUUID func() string
	// NoSession opens for writing without registering an editing session
	// (session.go): for one-shot commands, which still see who else is
	// editing (OtherSessions) but are not editors themselves.
	NoSession bool
	// Signer gives the key that signs this handle's writes (sign.go); nil
	// means the user's own key from the key folder, made on the first write.
	// Reading never needs a key.
	Signer func(user string) (key *signing.Key, created bool, err error)
	// OnKeyCreated is told where a key made on the first write was saved,
	// so that the user hears of it once.
	OnKeyCreated func(path string)
	// MigrationReason lets a workpaper whose old trail does not verify be
	// upgraded all the same; the reason is recorded in the trail.
	MigrationReason string
}

// Workpaper is one open workpaper file. Its methods are safe for concurrent
// use by the goroutines of one process; SQLite serializes writers between
// processes (busy timeout plus immediate transactions).
type Workpaper struct {
	// archiving is set while Archive or Amend writes past the archive lock.
	archiving bool
	db        *sql.DB
	path      string
	readOnly  bool
	// readOnlyReason says why, for the banner: "opened with --read-only" or
	// "the file is not writable".
	readOnlyReason string
	user           string
	now            func() time.Time
	newUUID        func() string

	// Team work (session.go, backup.go): this handle's editing session,
	// the others open when it was opened, and the copy written before a
	// schema upgrade.
	sessMu          sync.Mutex // guards sessionToken and others
	sessionToken    string
	noSession       bool
	others          []Session
	migrationBackup string
	migrationReason string
	// recovered says that opening rolled back a change a crash left
	// unfinished (a hot journal), for the caller to tell the user.
	recovered string
	// The signing key, loaded on the first write (sign.go).
	signer       func(user string) (*signing.Key, bool, error)
	onKeyCreated func(path string)
	keyMu        sync.Mutex
	key          *signing.Key
	// Column defaults by table, for logInsert (txn.go).
	defaultsMu sync.Mutex
	defaults   map[string]map[string]*string
	closeOnce  sync.Once
	closeErr   error
}

// Path is the workpaper's file name as opened.
func (w *Workpaper) Path() string { return w.path }

// ReadOnly reports whether the workpaper was opened read-only, and why.
func (w *Workpaper) ReadOnly() (bool, string) { return w.readOnly, w.readOnlyReason }

// User is the name recorded on changes made through this handle.
func (w *Workpaper) User() string { return w.user }

// Close ends this handle's editing session and closes the database. It is
// safe to call more than once.
func (w *Workpaper) Close() error {
	w.closeOnce.Do(func() {
		w.endSession()
		w.closeErr = w.db.Close()
	})
	return w.closeErr
}

// header is what fieldwork reads from the first 100 bytes of a file before
// letting SQLite near it, so that refusals never modify the file.
type header struct {
	userVersion   uint32
	applicationID uint32
}

func readHeader(path string) (header, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return header{}, hintErrorf("%s: %w%s", path, ErrNotExist, HintCreate)
		}
		return header{}, fmt.Errorf("%s: %w", path, err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return header{}, fmt.Errorf("%s: is a folder, not a workpaper file", path)
	}
	var b [100]byte
	n, err := io.ReadFull(f, b[:])
	if n == 0 {
		return header{}, fmt.Errorf("%s: %w", path, ErrEmptyFile)
	}
	if err != nil || !bytes.HasPrefix(b[:], []byte("SQLite format 3\x00")) {
		return header{}, fmt.Errorf("%s: %w", path, ErrNotSQLite)
	}
	return header{
		userVersion:   binary.BigEndian.Uint32(b[60:64]),
		applicationID: binary.BigEndian.Uint32(b[68:72]),
	}, nil
}

func dsn(path string, readOnly bool) string {
	// The path goes in a file: URI; escape what a URI would misread.
	p := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(filepath.ToSlash(path))
	q := url.Values{}
	// Pragmas in the DSN run on every pooled connection (modernc.org/sqlite).
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(1)")
	// A rollback journal, never WAL: the workpaper file alone must hold
	// everything after each commit, so copying or emailing it loses nothing.
	q.Add("_pragma", "journal_mode(DELETE)")
	q.Add("_pragma", "synchronous(FULL)")
	// Deleted content is zeroed where that costs no extra I/O: the rows of
	// editing sessions (host, process) do not linger in a file that is
	// copied or emailed, and the demo stays the same to the byte.
	q.Add("_pragma", "secure_delete(FAST)")
	q.Set("_txlock", "immediate")
	if readOnly {
		q.Set("mode", "ro")
	}
	return "file:" + p + "?" + q.Encode()
}

// Create makes a new, empty workpaper at path (which must not exist) with
// the current schema. The engagement is added with CreateEngagement.
func Create(path string, opt Options) (*Workpaper, error) {
	if _, err := os.Lstat(path); err == nil {
		return nil, fmt.Errorf("%s: %w; choose another name or remove it first", path, ErrExists)
	}
	if opt.ReadOnly {
		return nil, fmt.Errorf("%s: cannot create a workpaper read-only", path)
	}
	if opt.User != "" {
		if err := CheckUserName(opt.User); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	// Create the file exclusively so two processes cannot both create it.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	f.Close()
	w, err := openDB(path, opt, false)
	if err == nil {
		err = w.migrate(context.Background(), 0)
	}
	if err != nil {
		if w != nil {
			w.db.Close()
		}
		os.Remove(path)
		return nil, fmt.Errorf("%s: creating workpaper: %w", path, err)
	}
	return w, nil
}

// Open opens an existing workpaper. It refuses, without modifying the file,
// anything that is not a fieldwork workpaper or was written by a newer
// schema. A file the user cannot write opens read-only and says so.
func Open(path string, opt Options) (*Workpaper, error) {
	h, err := readHeader(path)
	if err != nil {
		return nil, err
	}
	if h.applicationID != ApplicationID {
		return nil, fmt.Errorf("%s: %w (application_id %#x)", path, ErrForeignDB, h.applicationID)
	}
	if h.userVersion > SchemaVersion {
		return nil, fmt.Errorf("%s: %w: schema %d, this build reads up to %d; update fieldwork to open it",
			path, ErrNewerSchema, h.userVersion, SchemaVersion)
	}
	if h.userVersion == 0 {
		// fieldwork sets its application id together with schema 1, in one
		// transaction: this is another program's file that borrowed it.
		return nil, fmt.Errorf("%s: %w (it carries fieldwork's application id but no fieldwork schema, user_version 0); nothing was written", path, ErrForeignDB)
	}
	readOnly, reason := opt.ReadOnly, "opened read-only"
	canWrite := writable(path)
	if !readOnly && !canWrite {
		readOnly, reason = true, "the file or its folder is not writable"
	}
	if !readOnly && opt.User != "" {
		// The acting user is recorded on every change.
		if err := CheckUserName(opt.User); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	recovered, err := recoverHotJournal(path, canWrite)
	if err != nil {
		return nil, err
	}
	if _, jerr := os.Stat(path + "-journal"); jerr != nil {
		if err := checkSize(path); err != nil {
			return nil, err
		}
	}
	w, err := openDB(path, opt, readOnly)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	w.readOnlyReason = reason
	w.recovered = recovered
	if err := w.checkTables(context.Background(), int(h.userVersion)); err != nil {
		w.db.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if !readOnly && h.userVersion < SchemaVersion {
		// A consistent copy first, beside the file: an upgrade is one
		// transaction, but an auditor may still want the old file back.
		if h.userVersion > 0 {
			bak, err := w.Backup(context.Background())
			if err != nil {
				w.db.Close()
				return nil, fmt.Errorf("%s: backing up before upgrading schema %d to %d: %w", path, h.userVersion, SchemaVersion, err)
			}
			w.migrationBackup = bak
		}
		if err := w.upgrade(context.Background(), int(h.userVersion)); err != nil {
			w.db.Close()
			if now, herr := readHeader(path); w.migrationBackup != "" && herr == nil && now.userVersion == h.userVersion {
				// Nothing was changed (each step is one transaction and the
				// first failed): the copy is not needed.
				os.Remove(w.migrationBackup)
			}
			if schemaMismatch(err) {
				return nil, fmt.Errorf("%s: %w: its header says schema %d but it already holds what schema %d adds (its user_version was changed by hand or by another program); nothing was written: restore the latest copy or backup",
					path, ErrDamaged, h.userVersion, h.userVersion+1)
			}
			return nil, fmt.Errorf("%s: upgrading schema %d to %d: %w", path, h.userVersion, SchemaVersion, err)
		}
	} else if readOnly && h.userVersion < SchemaVersion {
		w.db.Close()
		return nil, fmt.Errorf("%s: written by an older fieldwork (schema %d) and open read-only: open it once with write access to upgrade it", path, h.userVersion)
	}
	if !readOnly {
		// What a killed backup or export left beside the file.
		CleanStaleTemps(filepath.Dir(path), filepath.Base(path), "bak")
		CleanStaleTemps(filepath.Dir(path), "", "part")
	}
	w.noSession = opt.NoSession
	if !readOnly && !opt.NoSession {
		w.registerSession(context.Background())
	} else if !readOnly {
		others, _ := w.Sessions(context.Background())
		w.sessMu.Lock()
		w.others = others
		w.sessMu.Unlock()
	}
	return w, nil
}

// Recovered is not empty when opening the file rolled back a change that a
// crashed or killed writer left unfinished; it says so in a sentence.
func (w *Workpaper) Recovered() string { return w.recovered }

// recoverHotJournal rolls back a change a crash left unfinished: a "hot"
// rollback journal beside the file, which a read-only connection cannot
// roll back ("attempt to write a readonly database") and so could not read
// the file at all. Whether a journal is hot is SQLite's to say (a live
// writer's journal is not): a read-only probe fails only on a hot one.
// Then, when the file can be written, a read-write connection rolls it
// back and the caller says so; when it cannot, the refusal says what to do.
func recoverHotJournal(path string, canWrite bool) (string, error) {
	j := path + "-journal"
	if st, err := os.Stat(j); err != nil || st.Size() == 0 {
		return "", nil
	}
	if err := probe(path, true); err == nil || !errors.Is(err, ErrReadOnly) {
		return "", nil
	}
	if !canWrite {
		return "", hintErrorf("%s: %w: a change was interrupted (a crash or a kill) and must be rolled back from %s before the file can be read, which needs write access: open it once as someone who can write the file and its folder%s, or copy both files together to a folder you can write; never delete the -journal file",
			path, ErrHotJournal, j, HintOpenToRollBack.For(path))
	}
	if err := probe(path, false); err != nil {
		return "", fmt.Errorf("%s: rolling back the change a crash left unfinished in %s: %w", path, j, err)
	}
	return fmt.Sprintf("%s: a change left unfinished by a crash was rolled back (from %s); the file is as it was before that change", path, j), nil
}

// probe opens the file and reads its schema, which is when SQLite rolls
// back a hot journal (or, read-only, refuses to).
func probe(path string, readOnly bool) error {
	db, err := sql.Open("sqlite", dsn(path, readOnly))
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	var n int
	return friendlyDBError(db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master").Scan(&n))
}

// writable reports whether the file and its folder can be written: SQLite
// needs the folder for its rollback journal.
func writable(path string) bool {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return false
	}
	f.Close()
	dir := filepath.Dir(path)
	probe, err := os.CreateTemp(dir, ".fieldwork-probe-*")
	if err != nil {
		return false
	}
	probe.Close()
	os.Remove(probe.Name())
	return true
}

func openDB(path string, opt Options, readOnly bool) (*Workpaper, error) {
	db, err := sql.Open("sqlite", dsn(path, readOnly))
	if err != nil {
		return nil, err
	}
	// One writer per process keeps SQLite's single-writer rule simple; reads
	// share the same connection, so never hold *sql.Rows across a query.
	db.SetMaxOpenConns(1)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, friendlyDBError(err)
	}
	w := &Workpaper{db: db, path: path, readOnly: readOnly, user: opt.User, now: opt.Now, newUUID: opt.NewUUID,
		signer: opt.Signer, onKeyCreated: opt.OnKeyCreated, migrationReason: opt.MigrationReason}
	if w.now == nil {
		w.now = time.Now
	}
	if w.newUUID == nil {
		w.newUUID = NewUUID
	}
	if w.user == "" {
		w.user = "unknown"
	}
	return w, nil
}

// friendlyDBError turns SQLite's codes into words an auditor can act on.
func friendlyDBError(err error) error {
	if err == nil {
		return nil
	}
	s := err.Error()
	switch {
	case strings.Contains(s, "SQLITE_BUSY") || strings.Contains(s, "database is locked"):
		return fmt.Errorf("the workpaper is busy: another fieldwork (or program) is writing it and kept it locked too long; nothing was saved: try again in a moment")
	case strings.Contains(s, "SQLITE_READONLY") || strings.Contains(s, "readonly database"):
		return fmt.Errorf("%w: changes cannot be saved", ErrReadOnly)
	case strings.Contains(s, "SQLITE_NOTADB") || strings.Contains(s, "file is not a database"):
		return ErrNotSQLite
	case strings.Contains(s, "SQLITE_CORRUPT") || strings.Contains(s, "malformed"):
		return fmt.Errorf("the workpaper file is damaged (%v); restore the latest copy or backup", err)
	case strings.Contains(s, "SQLITE_FULL") || strings.Contains(s, "disk is full"):
		return fmt.Errorf("the disk is full; nothing was saved: free space and retry")
	}
	return err
}

// FriendlyError turns a SQLite error that reached a caller into words an
// auditor can act on ("database is locked" never reaches a user).
func FriendlyError(err error) error { return friendlyDBError(err) }

// SchemaVersionOf reads the schema version of an open workpaper.
func (w *Workpaper) SchemaVersionOf(ctx context.Context) (int, error) {
	var v int
	err := w.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	return v, err
}
