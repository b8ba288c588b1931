package model

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// NoteState is where a review note stands.
type NoteState string

const (
	NoteOpen      NoteState = "open"
	NoteResponded NoteState = "responded"
	NoteCleared   NoteState = "cleared"
)

// ReviewNote is a reviewer's question or instruction on a control test, an
// exception or the engagement, which the preparer must clear.
type ReviewNote struct {
	UUID        string
	Ref         string // RN-001
	TargetKind  string // "control", "exception" or "engagement"
	TargetRef   string // control ref, exception ref, or ""
	Text        string
	Assignee    string
	State       NoteState
	Response    string
	RespondedBy string
	RespondedAt time.Time
	ClearedBy   string
	ClearedAt   time.Time
	CreatedBy   string
	CreatedAt   time.Time
	Version     int
}

// nextRef returns the next "PREFIX-NNN" reference of a table's ref column.
func (t *txn) nextRef(table, prefix string, width int) (string, error) {
	var n int
	q := fmt.Sprintf(`SELECT COALESCE(MAX(CAST(substr(ref, %d) AS INTEGER)), 0) FROM %s WHERE ref LIKE ?`, len(prefix)+2, table)
	if err := t.tx.QueryRowContext(t.ctx, q, prefix+"-%").Scan(&n); err != nil {
		return "", err
	}
	return fmt.Sprintf("%s-%0*d", prefix, width, n+1), nil
}

// resolveTarget maps a note's target to a table and record UUID.
func (t *txn) resolveTarget(kind, ref string) (table, id string, err error) {
	switch kind {
	case "engagement":
		err = t.tx.QueryRowContext(t.ctx, "SELECT uuid FROM engagement WHERE id = 1").Scan(&id)
		return "engagement", id, err
	case "control":
		id, _, err = t.testOf(ref)
		return "control_test", id, err
	case "exception":
		err = t.tx.QueryRowContext(t.ctx, "SELECT uuid, test_uuid FROM exception WHERE ref = ? COLLATE NOCASE", ref).Scan(&id, &t.scope)
		if errors.Is(err, sql.ErrNoRows) {
			err = fmt.Errorf("no exception %q", ref)
		}
		return "exception", id, err
	}
	return "", "", fmt.Errorf("a review note is on a control, an exception or the engagement, not %q", kind)
}

// AddNote opens a review note and returns its reference.
func (w *Workpaper) AddNote(ctx context.Context, kind, targetRef, text, assignee string) (string, error) {
	if strings.TrimSpace(text) == "" {
		return "", errors.New("a review note needs a text")
	}
	var ref string
	err := w.write(ctx, func(t *txn) error {
		table, id, err := t.resolveTarget(kind, targetRef)
		if err != nil {
			return err
		}
		if ref, err = t.nextRef("review_note", "RN", 3); err != nil {
			return err
		}
		_, err = t.insert("review_note", field{"ref", ref}, field{"target_table", table}, field{"target_uuid", id},
			field{"text", strings.TrimSpace(text)}, field{"assignee", assignee})
		return err
	})
	return ref, err
}

// note finds a review note, and scopes what the transaction logs to the
// control test the note is about, so that a response and a clearance
// show in that control's history as the note itself does.
func (t *txn) note(ref string) (id string, state NoteState, version int, err error) {
	var scope string
	err = t.tx.QueryRowContext(t.ctx, `SELECT n.uuid, n.state, n.version,
		COALESCE(CASE n.target_table WHEN 'control_test' THEN n.target_uuid WHEN 'exception' THEN x.test_uuid END, '')
		FROM review_note n LEFT JOIN exception x ON n.target_table = 'exception' AND x.uuid = n.target_uuid
		WHERE n.ref = ? COLLATE NOCASE`, strings.TrimSpace(ref)).Scan(&id, &state, &version, &scope)
	if errors.Is(err, sql.ErrNoRows) {
		err = hintErrorf("no review note %q%s", ref, HintListNotes)
	}
	if err == nil {
		t.scope = scope
	}
	return
}

// RespondNote records the preparer's response to an open note.
func (w *Workpaper) RespondNote(ctx context.Context, ref, response string) error {
	if strings.TrimSpace(response) == "" {
		return errors.New("a response needs a text")
	}
	return w.write(ctx, func(t *txn) error {
		id, state, _, err := t.note(ref)
		if err != nil {
			return err
		}
		if state == NoteCleared {
			return fmt.Errorf("review note %s is already cleared", ref)
		}
		_, err = t.update("review_note", id, 0, "review note "+ref, field{"state", string(NoteResponded)},
			field{"response", strings.TrimSpace(response)}, field{"responded_by", t.w.user}, field{"responded_at", t.at})
		return err
	})
}

// ClearNote closes a note; whoever clears it is recorded.
func (w *Workpaper) ClearNote(ctx context.Context, ref string) error {
	return w.write(ctx, func(t *txn) error {
		id, state, _, err := t.note(ref)
		if err != nil {
			return err
		}
		if state == NoteCleared {
			return fmt.Errorf("review note %s is already cleared", ref)
		}
		_, err = t.update("review_note", id, 0, "review note "+ref, field{"state", string(NoteCleared)},
			field{"cleared_by", t.w.user}, field{"cleared_at", t.at})
		return err
	})
}

// Notes lists review notes; an empty state lists all.
func (w *Workpaper) Notes(ctx context.Context, state NoteState) ([]ReviewNote, error) {
	rows, err := w.db.QueryContext(ctx, `SELECT n.uuid, n.ref, n.target_table, n.text, n.assignee, n.state, n.response,
		n.responded_by, n.responded_at, n.cleared_by, n.cleared_at, n.created_by, n.created_at, n.version,
		COALESCE(c.ref, x.ref, '')
		FROM review_note n
		LEFT JOIN control_test t ON n.target_table = 'control_test' AND t.uuid = n.target_uuid
		LEFT JOIN control c ON c.uuid = t.control_uuid
		LEFT JOIN exception x ON n.target_table = 'exception' AND x.uuid = n.target_uuid
		WHERE (? = '' OR n.state = ?) ORDER BY n.ref`, string(state), string(state))
	if err != nil {
		return nil, friendlyDBError(err)
	}
	var out []ReviewNote
	for rows.Next() {
		var n ReviewNote
		var table, rAt, cAt, crAt string
		if err := rows.Scan(&n.UUID, &n.Ref, &table, &n.Text, &n.Assignee, &n.State, &n.Response, &n.RespondedBy, &rAt,
			&n.ClearedBy, &cAt, &n.CreatedBy, &crAt, &n.Version, &n.TargetRef); err != nil {
			rows.Close()
			return nil, err
		}
		n.TargetKind = map[string]string{"control_test": "control", "exception": "exception", "engagement": "engagement"}[table]
		n.RespondedAt, n.ClearedAt, n.CreatedAt = parseTime(rAt), parseTime(cAt), parseTime(crAt)
		out = append(out, n)
	}
	return out, closeRows(rows)
}

// PBCStatus is where a provided-by-client request stands.
type PBCStatus string

const (
	PBCRequested PBCStatus = "requested"
	PBCReceived  PBCStatus = "received"
	PBCAccepted  PBCStatus = "accepted"
	PBCRejected  PBCStatus = "rejected"
)

// PBCRequest is one item the client must provide.
type PBCRequest struct {
	UUID           string
	Ref            string // PBC-001
	Item           string
	ControlRef     string
	RequestedOn    time.Time
	DueOn          time.Time
	Status         PBCStatus
	ReceivedName   string
	ReceivedSHA256 string
	Note           string
	Version        int
}

// Outstanding reports whether the client still owes the item.
func (p PBCRequest) Outstanding() bool { return p.Status == PBCRequested || p.Status == PBCRejected }

// AddPBC records a request to the client and returns its reference.
func (w *Workpaper) AddPBC(ctx context.Context, p PBCRequest) (string, error) {
	if strings.TrimSpace(p.Item) == "" {
		return "", errors.New("a request needs an item description")
	}
	var ref string
	err := w.write(ctx, func(t *txn) error {
		var cu string
		if p.ControlRef != "" {
			id, _, err := t.testOf(p.ControlRef)
			if err != nil {
				return err
			}
			t.scope = ""
			if err := t.tx.QueryRowContext(ctx, "SELECT control_uuid FROM control_test WHERE uuid = ?", id).Scan(&cu); err != nil {
				return err
			}
		}
		var err error
		if ref, err = t.nextRef("pbc_request", "PBC", 3); err != nil {
			return err
		}
		_, err = t.insert("pbc_request", field{"ref", ref}, field{"item", strings.TrimSpace(p.Item)}, field{"control_uuid", cu},
			field{"requested_on", formatDate(p.RequestedOn)}, field{"due_on", formatDate(p.DueOn)}, field{"note", p.Note})
		return err
	})
	return ref, err
}

// UpdatePBC moves a request along requested → received → accepted or
// rejected. receivedPath, when given, is hashed and its name recorded.
func (w *Workpaper) UpdatePBC(ctx context.Context, ref string, status PBCStatus, receivedPath, note string) error {
	switch status {
	case PBCRequested, PBCReceived, PBCAccepted, PBCRejected:
	default:
		return fmt.Errorf("unknown status %q (requested, received, accepted or rejected)", status)
	}
	var name, sum string
	if receivedPath != "" {
		var err error
		if sum, err = fileSHA256(receivedPath); err != nil {
			return err
		}
		name = filepath.Base(receivedPath)
	}
	return w.write(ctx, func(t *txn) error {
		var id, oldName, oldSum, oldNote string
		err := t.tx.QueryRowContext(ctx, "SELECT uuid, received_name, received_sha256, note FROM pbc_request WHERE ref = ? COLLATE NOCASE", ref).Scan(&id, &oldName, &oldSum, &oldNote)
		if errors.Is(err, sql.ErrNoRows) {
			return hintErrorf("no request %q%s", ref, HintListRequests)
		}
		if err != nil {
			return err
		}
		if name == "" {
			name, sum = oldName, oldSum
		}
		if note == "" {
			note = oldNote
		}
		_, err = t.update("pbc_request", id, 0, "request "+ref, field{"status", string(status)},
			field{"received_name", name}, field{"received_sha256", sum}, field{"note", note})
		return err
	})
}

// PBCRequests lists the request list in order.
func (w *Workpaper) PBCRequests(ctx context.Context) ([]PBCRequest, error) {
	rows, err := w.db.QueryContext(ctx, `SELECT p.uuid, p.ref, p.item, COALESCE(c.ref, ''), p.requested_on, p.due_on, p.status,
		p.received_name, p.received_sha256, p.note, p.version
		FROM pbc_request p LEFT JOIN control c ON c.uuid = p.control_uuid ORDER BY p.ref`)
	if err != nil {
		return nil, friendlyDBError(err)
	}
	var out []PBCRequest
	for rows.Next() {
		var p PBCRequest
		var req, due string
		if err := rows.Scan(&p.UUID, &p.Ref, &p.Item, &p.ControlRef, &req, &due, &p.Status, &p.ReceivedName, &p.ReceivedSHA256, &p.Note, &p.Version); err != nil {
			rows.Close()
			return nil, err
		}
		p.RequestedOn, p.DueOn = mustDate(req), mustDate(due)
		out = append(out, p)
	}
	return out, closeRows(rows)
}

// Interview is an inquiry record: who was asked what, and what it supports.
type Interview struct {
	UUID     string
	Person   string
	Role     string
	HeldOn   time.Time
	HeldBy   string
	Summary  string
	Controls []string
}

// AddInterview records an inquiry.
func (w *Workpaper) AddInterview(ctx context.Context, in Interview) error {
	if strings.TrimSpace(in.Person) == "" || strings.TrimSpace(in.Summary) == "" || in.HeldOn.IsZero() {
		return errors.New("an interview needs the person, the date and a summary")
	}
	if in.HeldBy == "" {
		in.HeldBy = w.user
	}
	return w.write(ctx, func(t *txn) error {
		var refs []string
		for _, c := range in.Controls {
			_, ref, err := t.testOf(c)
			if err != nil {
				return err
			}
			refs = append(refs, ref)
		}
		t.scope = ""
		_, err := t.insert("interview", field{"person", strings.TrimSpace(in.Person)}, field{"role", in.Role},
			field{"held_on", formatDate(in.HeldOn)}, field{"held_by", in.HeldBy}, field{"summary", strings.TrimSpace(in.Summary)},
			field{"controls", strings.Join(refs, ",")})
		return err
	})
}

// Interviews lists inquiry records by date.
func (w *Workpaper) Interviews(ctx context.Context) ([]Interview, error) {
	rows, err := w.db.QueryContext(ctx, `SELECT uuid, person, role, held_on, held_by, summary, controls FROM interview ORDER BY held_on, id`)
	if err != nil {
		return nil, friendlyDBError(err)
	}
	var out []Interview
	for rows.Next() {
		var in Interview
		var on, ctl string
		if err := rows.Scan(&in.UUID, &in.Person, &in.Role, &on, &in.HeldBy, &in.Summary, &ctl); err != nil {
			rows.Close()
			return nil, err
		}
		in.HeldOn, in.Controls = mustDate(on), splitList(ctl)
		out = append(out, in)
	}
	return out, closeRows(rows)
}

// fileSHA256 hashes a file as a stream.
func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
