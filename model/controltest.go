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

// ProcedureKind is how the auditor gathers evidence.
type ProcedureKind string

const (
	Inquiry       ProcedureKind = "inquiry"
	Observation   ProcedureKind = "observation"
	Inspection    ProcedureKind = "inspection"
	Reperformance ProcedureKind = "re-performance"
)

// ParseProcedureKind accepts the four kinds and common spellings.
func ParseProcedureKind(s string) (ProcedureKind, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "inquiry", "inquire", "enquiry":
		return Inquiry, nil
	case "observation", "observe":
		return Observation, nil
	case "inspection", "inspect":
		return Inspection, nil
	case "re-performance", "reperformance", "reperform", "re-perform":
		return Reperformance, nil
	}
	return "", fmt.Errorf("unknown procedure type %q (inquiry, observation, inspection or re-performance)", s)
}

// Procedure is one step of a test of operating effectiveness.
type Procedure struct {
	UUID string
	Kind ProcedureKind
	Text string
}

// Attribute is what each sample item is tested for ("A: approved before deployment").
type Attribute struct {
	UUID    string
	Letter  string
	Text    string
	Version int
}

// Conclusion on a control test.
type Conclusion string

const (
	NotConcluded            Conclusion = ""
	Effective               Conclusion = "effective"
	EffectiveWithExceptions Conclusion = "effective-with-exceptions"
	NotEffective            Conclusion = "not-effective"
	NotTested               Conclusion = "not-tested"
	NotOccurring            Conclusion = "not-occurring" // the control never had to operate
)

// ParseConclusion accepts the canonical conclusions.
func ParseConclusion(s string) (Conclusion, error) {
	c := Conclusion(strings.ToLower(strings.TrimSpace(s)))
	switch c {
	case Effective, EffectiveWithExceptions, NotEffective, NotTested, NotOccurring:
		return c, nil
	}
	return "", fmt.Errorf("unknown conclusion %q (effective, effective-with-exceptions, not-effective, not-tested, not-occurring)", s)
}

// SignOff is a preparer's or reviewer's sign-off on a control test. It goes
// stale when the test changes afterwards.
type SignOff struct {
	UUID     string
	Role     Role // RolePreparer or RoleReviewer
	Signer   string
	SignedAt time.Time
	Stale    bool
	StaleAt  time.Time
	StaleBy  string
}

// SamplePlan is how many items the auditor decided to test and why.
type SamplePlan struct {
	Kind       PlanKind // "" when there is no plan yet
	Confidence string   // statistical: rates as entered, e.g. "95%"
	Tolerable  string
	Expected   string
	Model      string
	Size       int
	Allowed    int    // deviations that can be found while still relying on the control
	Basis      string // how the size was reached, in words a reviewer can re-perform
}

// ControlTest is the workpaper for one control: test of design, test of
// operating effectiveness, conclusion and sign-offs.
type ControlTest struct {
	UUID             string
	WPRef            string
	Control          Control
	Risk             string // "lower" or "higher"
	DesignProcedure  string
	DesignResult     string
	DesignConclusion string
	Plan             SamplePlan
	Conclusion       Conclusion
	ConclusionNote   string
	// ConclusionReason is why the conclusion departs from the proposed
	// one (or carries open review notes); empty when it does not.
	ConclusionReason string
	Procedures       []Procedure
	Attributes       []Attribute
	SignOffs         []SignOff // the latest per role
	Version          int
	UpdatedBy        string
	UpdatedAt        time.Time
}

// SignOff returns the latest sign-off in role, if any.
func (c *ControlTest) SignOff(role Role) (SignOff, bool) {
	for _, s := range c.SignOffs {
		if s.Role == role {
			return s, true
		}
	}
	return SignOff{}, false
}

// ChangedSinceReview reports whether the reviewer signed and the workpaper
// changed afterwards.
func (c *ControlTest) ChangedSinceReview() bool {
	s, ok := c.SignOff(RoleReviewer)
	return ok && s.Stale
}

// Reviewed reports whether a reviewer's sign-off stands.
func (c *ControlTest) Reviewed() bool {
	s, ok := c.SignOff(RoleReviewer)
	return ok && !s.Stale
}

// wpRefFor picks a W/P reference for a control that has never been used in
// this file, even by a deleted test.
func (t *txn) wpRefFor(controlRef string) (string, error) {
	base := "WP-" + strings.ToUpper(strings.Join(strings.Fields(controlRef), "-"))
	for i := 1; ; i++ {
		ref := base
		if i > 1 {
			ref = fmt.Sprintf("%s-%d", base, i)
		}
		res, err := t.exec("INSERT OR IGNORE INTO wp_ref_used (ref) VALUES (?)", ref)
		if err != nil {
			return "", err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return ref, nil
		}
	}
}

// createTest opens the workpaper of a newly added control.
func (t *txn) createTest(controlUUID, controlRef string) error {
	ref, err := t.wpRefFor(controlRef)
	if err != nil {
		return err
	}
	_, err = t.insert("control_test", field{"control_uuid", controlUUID}, field{"wp_ref", ref})
	return err
}

// testOf finds the control test of a control reference inside a txn and
// scopes the txn's log entries to it.
func (t *txn) testOf(controlRef string) (testUUID, ctlRef string, err error) {
	err = t.queryRow(`SELECT t.uuid, c.ref FROM control_test t JOIN control c ON c.uuid = t.control_uuid
		WHERE c.ref = ? COLLATE NOCASE`, strings.TrimSpace(controlRef)).Scan(&testUUID, &ctlRef)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", fmt.Errorf("%w %q in %s ('fieldwork controls FILE' lists them)", ErrNoControl, controlRef, t.w.path)
	}
	t.scope = testUUID
	return testUUID, ctlRef, err
}

// touch records that a control test changed: standing sign-offs go stale,
// so the reviewer sees "changed since review". Changing a test under a
// standing reviewer's sign-off is refused (a *ReviewedError naming it)
// unless the context says the auditor chose to reopen it (Reopen).
func (t *txn) touch(testUUID string) error {
	if !reopening(t.ctx) {
		var signer, at, ref string
		err := t.queryRow(`SELECT s.signer, s.signed_at, c.ref FROM signoff s JOIN control_test ct ON ct.uuid = s.test_uuid JOIN control c ON c.uuid = ct.control_uuid
			WHERE s.test_uuid = ? AND s.target = 'control_test' AND s.role = 'reviewer' AND s.stale = 0 ORDER BY s.id DESC LIMIT 1`, testUUID).Scan(&signer, &at, &ref)
		if err == nil && !reopeningControl(t.ctx, ref) {
			return &ReviewedError{Control: ref, Reviewer: signer, At: parseTime(at)}
		}
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	}
	return t.staleSignOffs(testUUID, "")
}

// ReviewedError refuses a change to a control test whose reviewer's
// sign-off stands: reopening it is a deliberate choice.
type ReviewedError struct {
	Control  string
	Reviewer string
	At       time.Time
}

func (e *ReviewedError) Error() string {
	return fmt.Sprintf("%s was reviewed by %s on %s: changing it reopens the review (the sign-off goes stale and the reviewer sees what changed); say so with --reopen, nothing was changed",
		e.Control, e.Reviewer, e.At.UTC().Format("2006-01-02 15:04"))
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

// ControlTest reads the workpaper of one control.
func (w *Workpaper) ControlTest(ctx context.Context, controlRef string) (*ControlTest, error) {
	c, err := w.Control(ctx, controlRef)
	if err != nil {
		return nil, err
	}
	cts, err := w.controlTests(ctx, []Control{c}, false)
	if err != nil {
		return nil, err
	}
	return cts[0], nil
}

// controlTests reads the tests of controls cs, in their order. With all
// set, cs is every control and each table is read once for the whole file;
// otherwise cs is one control and only its rows are read.
func (w *Workpaper) controlTests(ctx context.Context, cs []Control, all bool) ([]*ControlTest, error) {
	q := `SELECT t.control_uuid, t.uuid, t.wp_ref, c.risk, design_procedure, design_result, design_conclusion,
		plan_kind, plan_confidence, plan_tolerable, plan_expected, plan_model, plan_size, plan_allowed, plan_basis,
		conclusion, conclusion_note, conclusion_reason, t.version, t.updated_by, t.updated_at
		FROM control_test t JOIN control c ON c.uuid = t.control_uuid`
	var args []any
	if !all {
		q += " WHERE t.control_uuid = ?"
		args = append(args, cs[0].UUID)
	}
	rows, err := w.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, friendlyDBError(err)
	}
	byControl := make(map[string]*ControlTest, len(cs))
	byTest := make(map[string]*ControlTest, len(cs))
	for rows.Next() {
		ct := &ControlTest{}
		var controlUUID, at string
		if err := rows.Scan(&controlUUID, &ct.UUID, &ct.WPRef, &ct.Risk, &ct.DesignProcedure, &ct.DesignResult, &ct.DesignConclusion,
			&ct.Plan.Kind, &ct.Plan.Confidence, &ct.Plan.Tolerable, &ct.Plan.Expected, &ct.Plan.Model, &ct.Plan.Size, &ct.Plan.Allowed, &ct.Plan.Basis,
			&ct.Conclusion, &ct.ConclusionNote, &ct.ConclusionReason, &ct.Version, &ct.UpdatedBy, &at); err != nil {
			rows.Close()
			return nil, err
		}
		ct.UpdatedAt = parseTime(at)
		byControl[controlUUID], byTest[ct.UUID] = ct, ct
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	out := make([]*ControlTest, len(cs))
	for i, c := range cs {
		if out[i] = byControl[c.UUID]; out[i] == nil {
			return nil, sql.ErrNoRows
		}
		out[i].Control = c
	}
	test := "" // every test's rows
	if !all {
		test = out[0].UUID
	}
	if err := w.readProcedures(ctx, test, byTest); err != nil {
		return nil, err
	}
	if err := w.readAttributes(ctx, test, byTest); err != nil {
		return nil, err
	}
	if err := w.readSignOffs(ctx, test, byTest); err != nil {
		return nil, err
	}
	return out, nil
}

// whereTest narrows a query to one control test's rows; an empty testUUID
// keeps every test's.
func whereTest(q, col, testUUID, orderBy string) (string, []any) {
	if testUUID == "" {
		return q + " ORDER BY " + orderBy, nil
	}
	return q + " WHERE " + col + " = ? ORDER BY " + orderBy, []any{testUUID}
}

// readProcedures adds the procedures of the tests in byTest, in order.
func (w *Workpaper) readProcedures(ctx context.Context, testUUID string, byTest map[string]*ControlTest) error {
	q, args := whereTest(`SELECT test_uuid, uuid, kind, text FROM procedure`, "test_uuid", testUUID, "ordinal, id")
	rows, err := w.db.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	for rows.Next() {
		var test string
		var p Procedure
		if err := rows.Scan(&test, &p.UUID, &p.Kind, &p.Text); err != nil {
			rows.Close()
			return err
		}
		if ct := byTest[test]; ct != nil {
			ct.Procedures = append(ct.Procedures, p)
		}
	}
	return closeRows(rows)
}

// readAttributes adds the attributes of the tests in byTest, by letter.
func (w *Workpaper) readAttributes(ctx context.Context, testUUID string, byTest map[string]*ControlTest) error {
	q, args := whereTest(`SELECT test_uuid, uuid, letter, text, version FROM attribute`, "test_uuid", testUUID, "letter")
	rows, err := w.db.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	for rows.Next() {
		var test string
		var a Attribute
		if err := rows.Scan(&test, &a.UUID, &a.Letter, &a.Text, &a.Version); err != nil {
			rows.Close()
			return err
		}
		if ct := byTest[test]; ct != nil {
			ct.Attributes = append(ct.Attributes, a)
		}
	}
	return closeRows(rows)
}

// readSignOffs adds the latest sign-off per role of the tests in byTest.
func (w *Workpaper) readSignOffs(ctx context.Context, testUUID string, byTest map[string]*ControlTest) error {
	q, args := whereTest(`SELECT test_uuid, uuid, role, signer, signed_at, stale, stale_at, stale_by FROM signoff`, "test_uuid", testUUID, "id DESC")
	rows, err := w.db.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	for rows.Next() {
		var test, signed, staleAt string
		var s SignOff
		if err := rows.Scan(&test, &s.UUID, &s.Role, &s.Signer, &signed, &s.Stale, &staleAt, &s.StaleBy); err != nil {
			rows.Close()
			return err
		}
		ct := byTest[test]
		if ct == nil {
			continue
		}
		if _, seen := ct.SignOff(s.Role); seen {
			continue
		}
		s.SignedAt, s.StaleAt = parseTime(signed), parseTime(staleAt)
		ct.SignOffs = append(ct.SignOffs, s)
	}
	return closeRows(rows)
}

// DesignInput is the test of design of a control.
type DesignInput struct {
	Procedure  string
	Result     string
	Conclusion string // "suitably-designed", "not-suitably-designed" or ""
}

// SetDesign records the test of design. version is the test's version the
// edit is based on (0 to skip the check).
func (w *Workpaper) SetDesign(ctx context.Context, controlRef string, version int, d DesignInput) error {
	switch d.Conclusion {
	case "", "suitably-designed", "not-suitably-designed":
	default:
		return fmt.Errorf("unknown design conclusion %q (suitably-designed or not-suitably-designed)", d.Conclusion)
	}
	return w.write(ctx, func(t *txn) error {
		id, ref, err := t.testOf(controlRef)
		if err != nil {
			return err
		}
		changed, err := t.update("control_test", id, version, "the workpaper of "+ref,
			field{"design_procedure", d.Procedure}, field{"design_result", d.Result}, field{"design_conclusion", d.Conclusion})
		if err != nil || !changed {
			return err
		}
		return t.touch(id)
	})
}

// AddProcedure appends a procedure to a control's test of operating effectiveness.
func (w *Workpaper) AddProcedure(ctx context.Context, controlRef string, kind ProcedureKind, text string) error {
	if _, err := ParseProcedureKind(string(kind)); err != nil {
		return err
	}
	if strings.TrimSpace(text) == "" {
		return errors.New("a procedure needs a text")
	}
	return w.write(ctx, func(t *txn) error {
		id, _, err := t.testOf(controlRef)
		if err != nil {
			return err
		}
		var n int
		if err := t.tx.QueryRowContext(ctx, "SELECT count(*) FROM procedure WHERE test_uuid = ?", id).Scan(&n); err != nil {
			return err
		}
		if _, err := t.insert("procedure", field{"test_uuid", id}, field{"ordinal", n + 1}, field{"kind", string(kind)}, field{"text", strings.TrimSpace(text)}); err != nil {
			return err
		}
		return t.touch(id)
	})
}

// DefaultAttribute is what a control gets when its first result is recorded
// before any attribute was defined, so a quick test needs no set-up.
const DefaultAttribute = "Control operated as described"

func validLetter(l string) bool {
	if l == "" || len(l) > 3 {
		return false
	}
	for _, r := range l {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// AddAttribute adds a test attribute; an empty letter takes the next free one.
// It returns the letter used.
func (w *Workpaper) AddAttribute(ctx context.Context, controlRef, letter, text string) (string, error) {
	letter = strings.ToUpper(strings.TrimSpace(letter))
	if letter != "" && !validLetter(letter) {
		return "", fmt.Errorf("attribute letter %q: use A–Z (up to 3 letters or digits)", letter)
	}
	if strings.TrimSpace(text) == "" {
		return "", errors.New("an attribute needs a description")
	}
	err := w.write(ctx, func(t *txn) error {
		id, ref, err := t.testOf(controlRef)
		if err != nil {
			return err
		}
		letter, err = t.addAttribute(id, ref, letter, text)
		if err != nil {
			return err
		}
		return t.touch(id)
	})
	return letter, err
}

func (t *txn) addAttribute(testUUID, ctlRef, letter, text string) (string, error) {
	used := map[string]bool{}
	rows, err := t.tx.QueryContext(t.ctx, "SELECT letter FROM attribute WHERE test_uuid = ?", testUUID)
	if err != nil {
		return "", err
	}
	for rows.Next() {
		var l string
		rows.Scan(&l)
		used[l] = true
	}
	if err := closeRows(rows); err != nil {
		return "", err
	}
	if letter == "" {
		for c := 'A'; c <= 'Z'; c++ {
			if !used[string(c)] {
				letter = string(c)
				break
			}
		}
		if letter == "" {
			return "", fmt.Errorf("control %s already has 26 attributes", ctlRef)
		}
	} else if used[letter] {
		return "", fmt.Errorf("control %s already has attribute %s", ctlRef, letter)
	}
	_, err = t.insert("attribute", field{"test_uuid", testUUID}, field{"letter", letter}, field{"text", strings.TrimSpace(text)})
	return letter, err
}

// EditAttribute changes an attribute's description.
func (w *Workpaper) EditAttribute(ctx context.Context, controlRef, letter, text string, version int) error {
	if strings.TrimSpace(text) == "" {
		return errors.New("an attribute needs a description")
	}
	return w.write(ctx, func(t *txn) error {
		id, ref, err := t.testOf(controlRef)
		if err != nil {
			return err
		}
		aid, err := t.attributeUUID(id, ref, letter)
		if err != nil {
			return err
		}
		changed, err := t.update("attribute", aid, version, "attribute "+strings.ToUpper(letter)+" of "+ref, field{"text", strings.TrimSpace(text)})
		if err != nil || !changed {
			return err
		}
		return t.touch(id)
	})
}

// DeleteAttribute removes an attribute that has no recorded results.
// version is the attribute's version the caller read (0: whatever it is
// now): an attribute someone changed since is refused with a *StaleError,
// checked in the same transaction as the delete.
func (w *Workpaper) DeleteAttribute(ctx context.Context, controlRef, letter string, version int) error {
	return w.write(ctx, func(t *txn) error {
		id, ref, err := t.testOf(controlRef)
		if err != nil {
			return err
		}
		aid, err := t.attributeUUID(id, ref, letter)
		if err != nil {
			return err
		}
		if version > 0 {
			var cur int
			var by, at string
			if err := t.queryRow("SELECT version, updated_by, updated_at FROM attribute WHERE uuid = ?", aid).Scan(&cur, &by, &at); err != nil {
				return err
			}
			if cur != version {
				return &StaleError{Record: "attribute " + strings.ToUpper(letter) + " of " + ref, By: by, At: parseTime(at), Current: cur, Requested: version}
			}
		}
		var n int
		if err := t.tx.QueryRowContext(ctx, "SELECT count(*) FROM result WHERE attribute_uuid = ?", aid).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("attribute %s of %s has %d recorded results: it cannot be deleted", strings.ToUpper(letter), ref, n)
		}
		if err := t.delete("attribute", aid, ""); err != nil {
			return err
		}
		return t.touch(id)
	})
}

func (t *txn) attributeUUID(testUUID, ctlRef, letter string) (string, error) {
	var aid string
	err := t.queryRow("SELECT uuid FROM attribute WHERE test_uuid = ? AND letter = ?", testUUID, strings.ToUpper(strings.TrimSpace(letter))).Scan(&aid)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("control %s has no attribute %q", ctlRef, letter)
	}
	return aid, err
}

// SetRisk sets the control's risk rating, which the frequency-based size uses.
func (w *Workpaper) SetRisk(ctx context.Context, controlRef, risk string) error {
	if risk != "lower" && risk != "higher" {
		return fmt.Errorf("unknown risk %q (lower or higher)", risk)
	}
	return w.write(ctx, func(t *txn) error {
		id, ref, err := t.testOf(controlRef)
		if err != nil {
			return err
		}
		changed, err := t.setRisk(id, ref, risk)
		if err != nil || !changed {
			return err
		}
		return t.touch(id)
	})
}

// setRisk records the risk rating of the control of test id.
func (t *txn) setRisk(id, ref, risk string) (bool, error) {
	var cu string
	if err := t.queryRow("SELECT control_uuid FROM control_test WHERE uuid = ?", id).Scan(&cu); err != nil {
		return false, err
	}
	return t.update("control", cu, 0, "control "+ref, field{"risk", risk})
}

// SignOffAs signs the control test as preparer or reviewer, as the
// workpaper's user, under the engagement's sign-off scheme (Sign).
func (w *Workpaper) SignOffAs(ctx context.Context, controlRef string, role Role) error {
	if role != RolePreparer && role != RoleReviewer {
		return fmt.Errorf("sign off a control test as preparer or reviewer, not %q", role)
	}
	return w.Sign(ctx, TargetControlTest, controlRef, role)
}

// SetConclusion records the auditor's conclusion on a control test, with
// no departure reason: see Conclude for the gates.
func (w *Workpaper) SetConclusion(ctx context.Context, controlRef string, c Conclusion, note string, version int) error {
	return w.Conclude(ctx, controlRef, ConcludeInput{Conclusion: c, Note: note, Version: version})
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
		case op == "event":
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

func nullable(s sql.NullString) *string {
	if !s.Valid {
		return nil
	}
	return &s.String
}
