package model

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
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
		return "", "", hintErrorf("%w %q in %s%s", ErrNoControl, controlRef, t.w.path, HintListControls)
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

func nullable(s sql.NullString) *string {
	if !s.Valid {
		return nil
	}
	return &s.String
}
