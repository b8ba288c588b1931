package model

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Changing reviewed work: a change to a control test whose reviewer's
// sign-off stands is refused (ReviewedError) unless the caller says the
// review is reopened (Reopen, ReopenSet); a change that goes through makes
// the sign-offs stale and says what changed, which ChangesSinceReview lists
// for the reviewer.

// ReviewedError refuses a change to a control test whose reviewer's
// sign-off stands: reopening it is a deliberate choice.
type ReviewedError struct {
	Control  string
	Reviewer string
	At       time.Time
}

func (e *ReviewedError) Error() string { return e.Words(nil) }

// Words is the refusal with its hint (how to say so) worded by w.
func (e *ReviewedError) Words(w Wording) string {
	return textf("%s was reviewed by %s on %s: changing it reopens the review (the sign-off goes stale and the reviewer sees what changed)%s, nothing was changed",
		e.Control, e.Reviewer, e.At.UTC().Format("2006-01-02 15:04"), HintReopen).Words(w)
}

type reopenKey struct{}

// Reopen marks a context's writes as the auditor's deliberate choice to
// change reviewed work.
func Reopen(ctx context.Context) context.Context { return context.WithValue(ctx, reopenKey{}, true) }

// ReopenSet is the control tests an auditor chose to reopen in one
// session (the workbench asks first, then adds the control here).
type ReopenSet struct {
	mu   sync.Mutex
	refs map[string]bool
}

// Add reopens a control's test for the writes made under the set.
func (s *ReopenSet) Add(controlRef string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refs == nil {
		s.refs = map[string]bool{}
	}
	s.refs[strings.ToUpper(strings.TrimSpace(controlRef))] = true
}

func (s *ReopenSet) has(controlRef string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refs[strings.ToUpper(controlRef)]
}

type reopenSetKey struct{}

// WithReopenSet makes writes under ctx reopen the control tests in s.
func WithReopenSet(ctx context.Context, s *ReopenSet) context.Context {
	return context.WithValue(ctx, reopenSetKey{}, s)
}

func reopening(ctx context.Context) bool { v, _ := ctx.Value(reopenKey{}).(bool); return v }

func reopeningControl(ctx context.Context, ref string) bool {
	s, _ := ctx.Value(reopenSetKey{}).(*ReopenSet)
	return s != nil && s.has(ref)
}

// changedWords says what this transaction changed so far, for a sign-off
// it makes stale: the tables and fields, in order, at most six.
func (t *txn) changedWords() string {
	var out []string
	seen := map[string]bool{}
	for _, c := range t.changes {
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	if len(out) > 6 {
		out = append(out[:6], fmt.Sprintf("%d more", len(out)-6))
	}
	return strings.Join(out, ", ")
}

// staleSignOffs marks the standing sign-offs of a test stale (of one role,
// or all when role is empty), logging each.
func (t *txn) staleSignOffs(testUUID string, role Role) error {
	rows, err := t.tx.QueryContext(t.ctx, `SELECT uuid FROM signoff WHERE test_uuid = ? AND stale = 0 AND (? = '' OR role = ?)`, testUUID, string(role), string(role))
	if err != nil {
		return err
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	if err := closeRows(rows); err != nil {
		return err
	}
	for _, id := range ids {
		if _, err := t.update("signoff", id, 0, "sign-off", field{"stale", 1}, field{"stale_at", t.at}, field{"stale_by", t.w.user},
			field{"stale_what", t.changedWords()}); err != nil {
			return err
		}
	}
	return nil
}

// ChangesSinceReview lists, in words, every change to a control test
// after its latest reviewer sign-off (standing or stale): what the
// reviewer looks at before signing again. Empty when it was never
// reviewed or nothing changed.
func (w *Workpaper) ChangesSinceReview(ctx context.Context, controlRef string) ([]string, error) {
	ct, err := w.ControlTest(ctx, controlRef)
	if err != nil {
		return nil, err
	}
	var head int64
	err = w.db.QueryRowContext(ctx, `SELECT head_seq FROM signoff WHERE test_uuid = ? AND target = 'control_test' AND role = 'reviewer' ORDER BY id DESC LIMIT 1`, ct.UUID).Scan(&head)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, friendlyDBError(err)
	}
	out := []string{}
	err = w.scanRows(ctx, func(rows *sql.Rows) error {
		var seq int64
		var at, user, op, tbl, fieldName, note string
		var old, nw sql.NullString
		if err := rows.Scan(&seq, &at, &user, &op, &tbl, &fieldName, &old, &nw, &note); err != nil {
			return err
		}
		what := strings.ReplaceAll(tbl, "_", " ")
		switch {
		case op == "update" && fieldName != "":
			what += fmt.Sprintf(" %s: %q → %q", strings.ReplaceAll(fieldName, "_", " "), old.String, nw.String)
		case op == "update":
			var parts []string
			for _, f := range updateFields(nullable(old), nullable(nw)) {
				parts = append(parts, fmt.Sprintf("%s: %q → %q", strings.ReplaceAll(f.Field, "_", " "), deref(f.Old), deref(f.New)))
			}
			what += " " + strings.Join(parts, ", ")
		case op == "event", op == "insert" && fieldName == bulkField: // a bulk pass says what it did in its note
			what += ": " + note
		default:
			what = op + " " + what
		}
		out = append(out, fmt.Sprintf("%d %s %s %s", seq, parseTime(at).Format("2006-01-02 15:04"), user, what))
		return nil
	}, `SELECT seq, at, user, op, tbl, field, old_value, new_value, note FROM change_log
		WHERE (scope = ? OR record_uuid = ?) AND seq > ? AND tbl != 'signoff' ORDER BY seq`, ct.UUID, ct.UUID, head)
	return out, err
}
