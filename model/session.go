package model

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"syscall"
	"time"
)

// Editing sessions say who has a workpaper open for writing, so that a
// second auditor opening the same file (on a share) is told who else is in
// it. They are operational rows, not audit records: never written to the
// change log, never merged, never rolled forward.

// SessionStaleAfter is how old a session's heartbeat may be before the
// session is presumed dead (the program crashed, the laptop was closed).
const SessionStaleAfter = 2 * time.Minute

// HeartbeatEvery is how often a long-lived editor (the workbench) should
// call Heartbeat.
const HeartbeatEvery = 30 * time.Second

// Session is one open editing handle on a workpaper.
type Session struct {
	User      string    `json:"user"`
	Host      string    `json:"host"`
	PID       int       `json:"pid"`
	Started   time.Time `json:"started"`
	Heartbeat time.Time `json:"heartbeat"`
	// Stale is set when the heartbeat is older than SessionStaleAfter, or
	// the session's process on this same computer is gone.
	Stale bool `json:"stale"`
}

// String is the one-line description the CLI and the workbench show.
func (s Session) String() string {
	where := s.Host
	if where == "" {
		where = "an unknown computer"
	}
	if s.Stale {
		return fmt.Sprintf("%s on %s (pid %d) had it open since %s, last seen %s: probably crashed or closed",
			s.User, where, s.PID, s.Started.Local().Format("2006-01-02 15:04"), s.Heartbeat.Local().Format("2006-01-02 15:04"))
	}
	return fmt.Sprintf("%s on %s (pid %d) is editing it, since %s",
		s.User, where, s.PID, s.Started.Local().Format("2006-01-02 15:04"))
}

// OtherSessions lists the other editing sessions that were open on the file
// when this handle opened it (empty for a read-only handle).
func (w *Workpaper) OtherSessions() []Session {
	w.sessMu.Lock()
	defer w.sessMu.Unlock()
	return append([]Session(nil), w.others...)
}

// MigrationBackup is the copy Open wrote before upgrading the file's schema,
// or "" when no upgrade was needed.
func (w *Workpaper) MigrationBackup() string { return w.migrationBackup }

// registerSession records this handle's session and remembers the others.
// It is best effort: a file too busy to register in, or one without the
// session table, still opens.
func (w *Workpaper) registerSession(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	host, _ := os.Hostname()
	// Not w.newUUID: that sequence is reserved for records, and the demo's
	// is fixed so that its content is the same on every run.
	token := NewUUID()
	now := formatTime(w.now())
	_, err := w.db.ExecContext(ctx, `INSERT INTO session (token, user, host, pid, started_at, heartbeat_at) VALUES (?,?,?,?,?,?)`,
		token, w.user, host, os.Getpid(), now, now)
	if err != nil {
		return
	}
	w.sessMu.Lock()
	w.sessionToken = token
	w.sessMu.Unlock()
	others, _ := w.Sessions(ctx)
	w.sessMu.Lock()
	w.others = others
	w.sessMu.Unlock()
}

// token is this handle's session token ("" when it has none).
func (w *Workpaper) token() string {
	w.sessMu.Lock()
	defer w.sessMu.Unlock()
	return w.sessionToken
}

// endSession removes this handle's session row.
func (w *Workpaper) endSession() {
	w.sessMu.Lock()
	token := w.sessionToken
	w.sessionToken = ""
	w.sessMu.Unlock()
	if token == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	w.db.ExecContext(ctx, "DELETE FROM session WHERE token = ?", token)
}

// Heartbeat tells other users this handle is still editing. The workbench
// calls it every HeartbeatEvery. A session someone cleared as stale (the
// laptop slept) is registered again.
func (w *Workpaper) Heartbeat(ctx context.Context) error {
	if w.readOnly || w.noSession {
		return nil
	}
	token := w.token()
	if token == "" {
		w.registerSession(ctx)
		return nil
	}
	res, err := w.db.ExecContext(ctx, "UPDATE session SET heartbeat_at = ? WHERE token = ?", formatTime(w.now()), token)
	if err != nil {
		return friendlyDBError(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		w.registerSession(ctx)
	}
	return nil
}

// Sessions lists the editing sessions open on the file now, other than this
// handle's own, oldest first.
func (w *Workpaper) Sessions(ctx context.Context) ([]Session, error) {
	rows, err := w.db.QueryContext(ctx, `SELECT user, host, pid, started_at, heartbeat_at FROM session WHERE token != ? ORDER BY started_at, id`, w.token())
	if err != nil {
		return nil, friendlyDBError(err)
	}
	out := []Session{}
	host, _ := os.Hostname()
	now := w.now()
	for rows.Next() {
		var s Session
		var started, beat string
		if err := rows.Scan(&s.User, &s.Host, &s.PID, &started, &beat); err != nil {
			rows.Close()
			return nil, err
		}
		s.Started, s.Heartbeat = parseTime(started), parseTime(beat)
		s.Stale = now.Sub(s.Heartbeat) > SessionStaleAfter || (s.Host == host && host != "" && !processAlive(s.PID))
		out = append(out, s)
	}
	return out, closeRows(rows)
}

// ClearStaleSessions removes the sessions presumed dead and returns how
// many. Live sessions are never removed.
func (w *Workpaper) ClearStaleSessions(ctx context.Context) ([]Session, error) {
	if w.readOnly {
		return nil, fmt.Errorf("%s: %w (%s)", w.path, ErrReadOnly, w.readOnlyReason)
	}
	all, err := w.Sessions(ctx)
	if err != nil {
		return nil, err
	}
	var cleared []Session
	for _, s := range all {
		if !s.Stale {
			continue
		}
		if _, err := w.db.ExecContext(ctx, "DELETE FROM session WHERE user = ? AND host = ? AND pid = ? AND started_at = ? AND token != ?",
			s.User, s.Host, s.PID, formatTime(s.Started), w.token()); err != nil {
			return cleared, friendlyDBError(err)
		}
		cleared = append(cleared, s)
	}
	return cleared, nil
}

// processAlive reports whether a process with this ID exists on this
// computer. Where that cannot be told (Windows), it says yes and the
// heartbeat decides.
func processAlive(pid int) bool {
	if pid == os.Getpid() {
		return true
	}
	if pid <= 0 {
		return false
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	defer p.Release()
	if runtime.GOOS == "windows" {
		return true
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || errors.Is(err, syscall.EPERM)
}
