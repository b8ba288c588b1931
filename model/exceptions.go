package model

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// The exception log: an exception covers deviating sample items of one
// control, with its cause, management's response and the auditor's
// evaluation (isolated or systemic, compensating control, criteria
// affected, whether the sample was extended).

// Exception is a logged deviation (one exception can cover several items).
type Exception struct {
	UUID        string
	Ref         string // EX-01
	ControlRef  string
	WPRef       string
	Positions   []int
	Description string
	Cause       string
	Response    string // management's response
	Evaluation  string // "isolated" or "systemic"
	// Compensating is mitigating evidence the auditor considered (e.g. no
	// activity after termination): not a control. A compensating control
	// is CompensatingControl.
	Compensating string
	// CompensatingControl is the control whose test compensates for the
	// exception (a control test in this workpaper), by reference.
	CompensatingControl string
	// SampleExtended is derived: the current selection of the exception's
	// control test holds items added by an extension.
	SampleExtended   bool
	CriteriaAffected []string
	ReportWording    string
	RemediationPlan  string
	RemediationOwner string
	RemediationDue   time.Time
	RetestResult     string
	Version          int
	UpdatedBy        string
	UpdatedAt        time.Time
}

// ExceptionInput creates or edits an exception. Empty strings leave a field
// unchanged on edit; Clear names the fields an edit empties.
type ExceptionInput struct {
	ControlRef   string
	Positions    []int
	Description  string
	Cause        string
	Response     string
	Evaluation   string
	Compensating string
	// CompensatingControl links the control whose test compensates for
	// the exception (its reference; empty leaves it as it is).
	CompensatingControl string
	// SampleExtended is derived from the selection record: true is
	// refused unless the sample was extended ('fieldwork sample extend');
	// nothing is stored.
	SampleExtended   *bool
	CriteriaAffected []string
	ReportWording    string
	RemediationPlan  string
	RemediationOwner string
	RemediationDue   time.Time
	RetestResult     string
	// Clear lists fields to empty, by the names of ExceptionFields; the
	// description cannot be emptied.
	Clear []string
}

// ExceptionFields are the exception's fields an edit can empty, by name,
// and their columns.
var ExceptionFields = map[string]string{
	"cause": "cause", "response": "response", "evaluation": "evaluation", "compensating": "compensating", "mitigating": "compensating",
	"criteria": "criteria_affected", "wording": "report_wording", "remediation": "remediation_plan",
	"owner": "remediation_owner", "due": "remediation_due", "retest": "retest_result",
	"compensating-control": "compensating_control",
}

func (in *ExceptionInput) validate() error {
	if in.Evaluation != "" && in.Evaluation != "isolated" && in.Evaluation != "systemic" {
		return fmt.Errorf("unknown evaluation %q (isolated or systemic)", in.Evaluation)
	}
	for _, name := range in.Clear {
		if _, ok := ExceptionFields[name]; !ok {
			names := make([]string, 0, len(ExceptionFields))
			for n := range ExceptionFields {
				names = append(names, n)
			}
			sort.Strings(names)
			return fmt.Errorf("cannot clear %q (it can be one of: %s)", name, strings.Join(names, ", "))
		}
	}
	for i, c := range in.CriteriaAffected {
		id, ok := NormalizeCriterionID(c)
		if !ok {
			return fmt.Errorf("unknown criterion %q", c)
		}
		in.CriteriaAffected[i] = id
	}
	return nil
}

// AddException logs an exception over items of a control's sample and
// returns its reference.
func (w *Workpaper) AddException(ctx context.Context, in ExceptionInput) (string, error) {
	if strings.TrimSpace(in.Description) == "" {
		return "", errors.New("an exception needs a description")
	}
	if len(in.Positions) == 0 {
		return "", &InputError{Msg: "an exception covers at least one sample item", Input: InputItems}
	}
	if err := in.validate(); err != nil {
		return "", err
	}
	var ref string
	err := w.write(ctx, func(t *txn) error {
		testUUID, ctlRef, err := t.testOf(in.ControlRef)
		if err != nil {
			return err
		}
		var items []string
		for _, p := range in.Positions {
			id, err := t.itemUUID(testUUID, ctlRef, p)
			if err != nil {
				return err
			}
			items = append(items, id)
		}
		if ref, err = t.nextRef("exception", "EX", 2); err != nil {
			return err
		}
		if err := t.extendedClaim(testUUID, ctlRef, in.SampleExtended); err != nil {
			return err
		}
		ext := false // derived on reading, never stored
		fields := []field{{"test_uuid", testUUID}, {"ref", ref}, {"description", strings.TrimSpace(in.Description)},
			{"cause", in.Cause}, {"response", in.Response}, {"evaluation", in.Evaluation}, {"compensating", in.Compensating},
			{"sample_extended", ext}, {"criteria_affected", strings.Join(in.CriteriaAffected, ",")},
			{"report_wording", in.ReportWording}, {"remediation_plan", in.RemediationPlan},
			{"remediation_owner", in.RemediationOwner}, {"remediation_due", formatDate(in.RemediationDue)},
			{"retest_result", in.RetestResult}}
		if in.CompensatingControl != "" {
			cu, err := t.compensatingControl(testUUID, in.CompensatingControl)
			if err != nil {
				return err
			}
			fields = append(fields, field{"compensating_control", cu})
		}
		xid, err := t.insert("exception", fields...)
		if err != nil {
			return err
		}
		for _, it := range items {
			if _, err := t.insert("exception_item", field{"exception_uuid", xid}, field{"item_uuid", it}); err != nil {
				return err
			}
		}
		return t.touch(testUUID)
	})
	return ref, err
}

// AddExceptionItems puts more items of the exception's control sample
// under an existing exception (a second item with the same deviation, say).
// Items it covers already are left as they are.
func (w *Workpaper) AddExceptionItems(ctx context.Context, ref string, positions []int) error {
	if len(positions) == 0 {
		return errors.New("name at least one sample item to add")
	}
	return w.write(ctx, func(t *txn) error {
		var xid, testUUID, ctlRef string
		err := t.queryRow(`SELECT x.uuid, x.test_uuid, c.ref FROM exception x JOIN control_test ct ON ct.uuid = x.test_uuid
			JOIN control c ON c.uuid = ct.control_uuid WHERE x.ref = ? COLLATE NOCASE`, strings.TrimSpace(ref)).Scan(&xid, &testUUID, &ctlRef)
		if errors.Is(err, sql.ErrNoRows) {
			return hintErrorf("no exception %q%s", ref, HintListExceptions)
		}
		if err != nil {
			return err
		}
		t.scope = testUUID
		added := false
		for _, p := range positions {
			item, err := t.itemUUID(testUUID, ctlRef, p)
			if err != nil {
				return err
			}
			var n int
			if err := t.queryRow("SELECT count(*) FROM exception_item WHERE exception_uuid = ? AND item_uuid = ?", xid, item).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				continue
			}
			if _, err := t.insert("exception_item", field{"exception_uuid", xid}, field{"item_uuid", item}); err != nil {
				return err
			}
			added = true
		}
		if !added {
			return nil
		}
		return t.touch(testUUID)
	})
}

// UpdateException edits an exception's fields (non-empty ones only).
func (w *Workpaper) UpdateException(ctx context.Context, ref string, version int, in ExceptionInput) error {
	if err := in.validate(); err != nil {
		return err
	}
	return w.write(ctx, func(t *txn) error {
		var id, testUUID string
		err := t.queryRow("SELECT uuid, test_uuid FROM exception WHERE ref = ? COLLATE NOCASE", ref).Scan(&id, &testUUID)
		if errors.Is(err, sql.ErrNoRows) {
			return hintErrorf("no exception %q%s", ref, HintListExceptions)
		}
		if err != nil {
			return err
		}
		t.scope = testUUID
		var fields []field
		add := func(name, v string) {
			if v != "" {
				fields = append(fields, field{name, v})
			}
		}
		add("description", in.Description)
		add("cause", in.Cause)
		add("response", in.Response)
		add("evaluation", in.Evaluation)
		add("compensating", in.Compensating)
		if in.CompensatingControl != "" {
			cu, err := t.compensatingControl(testUUID, in.CompensatingControl)
			if err != nil {
				return err
			}
			add("compensating_control", cu)
		}
		add("report_wording", in.ReportWording)
		add("remediation_plan", in.RemediationPlan)
		add("remediation_owner", in.RemediationOwner)
		add("remediation_due", formatDate(in.RemediationDue))
		add("retest_result", in.RetestResult)
		if len(in.CriteriaAffected) > 0 {
			fields = append(fields, field{"criteria_affected", strings.Join(in.CriteriaAffected, ",")})
		}
		if err := t.extendedClaim(testUUID, ref, in.SampleExtended); err != nil {
			return err
		}
		for _, name := range in.Clear {
			col := ExceptionFields[name]
			for _, f := range fields {
				if f.name == col {
					return fmt.Errorf("%s is both set and cleared", name)
				}
			}
			fields = append(fields, field{col, ""})
		}
		if len(fields) == 0 {
			return errors.New("nothing to change")
		}
		changed, err := t.update("exception", id, version, "exception "+ref, fields...)
		if err != nil || !changed {
			return err
		}
		return t.touch(testUUID)
	})
}

// Exceptions lists every exception in reference order.
func (w *Workpaper) Exceptions(ctx context.Context) ([]Exception, error) {
	rows, err := w.db.QueryContext(ctx, `SELECT x.uuid, x.ref, c.ref, t.wp_ref, x.description, x.cause, x.response, x.evaluation,
		x.compensating, COALESCE(cc.ref, ''),
		EXISTS (SELECT 1 FROM selection s JOIN sample_item i ON i.selection_uuid = s.uuid WHERE s.test_uuid = x.test_uuid AND s.current = 1 AND i.extension = 1),
		x.criteria_affected, x.report_wording, x.remediation_plan, x.remediation_owner,
		x.remediation_due, x.retest_result, x.version, x.updated_by, x.updated_at,
		COALESCE((SELECT group_concat(i.position) FROM (SELECT i.position FROM exception_item e JOIN sample_item i ON i.uuid = e.item_uuid
			WHERE e.exception_uuid = x.uuid ORDER BY i.position) i), '')
		FROM exception x JOIN control_test t ON t.uuid = x.test_uuid JOIN control c ON c.uuid = t.control_uuid
		LEFT JOIN control cc ON cc.uuid = x.compensating_control ORDER BY x.ref`)
	if err != nil {
		return nil, friendlyDBError(err)
	}
	var out []Exception
	for rows.Next() {
		var x Exception
		var crit, due, at, pos string
		if err := rows.Scan(&x.UUID, &x.Ref, &x.ControlRef, &x.WPRef, &x.Description, &x.Cause, &x.Response, &x.Evaluation,
			&x.Compensating, &x.CompensatingControl, &x.SampleExtended, &crit, &x.ReportWording, &x.RemediationPlan, &x.RemediationOwner,
			&due, &x.RetestResult, &x.Version, &x.UpdatedBy, &at, &pos); err != nil {
			rows.Close()
			return nil, err
		}
		x.CriteriaAffected, x.RemediationDue, x.UpdatedAt = splitList(crit), mustDate(due), parseTime(at)
		for _, p := range splitList(pos) {
			var n int
			fmt.Sscan(p, &n)
			x.Positions = append(x.Positions, n)
		}
		out = append(out, x)
	}
	return out, closeRows(rows)
}

// compensatingControl resolves the control that compensates for an
// exception of test testUUID: a control with its own test in this
// workpaper, not the excepted control itself. It returns its UUID.
func (t *txn) compensatingControl(testUUID, ref string) (string, error) {
	var cu, own string
	err := t.queryRow(`SELECT c.uuid, (SELECT control_uuid FROM control_test WHERE uuid = ?) FROM control c JOIN control_test ct ON ct.control_uuid = c.uuid
		WHERE c.ref = ? COLLATE NOCASE`, testUUID, strings.TrimSpace(ref)).Scan(&cu, &own)
	if errors.Is(err, sql.ErrNoRows) {
		return "", hintErrorf("no control %q to compensate: a compensating control is a control tested in this workpaper%s%s", ref, HintListControls, HintMitigating)
	}
	if err != nil {
		return "", err
	}
	if cu == own {
		return "", fmt.Errorf("%s cannot compensate for its own exception", ref)
	}
	return cu, nil
}

// extendedClaim refuses an exception that says its sample was extended
// when the selection record shows no extension: the flag is derived.
func (t *txn) extendedClaim(testUUID, what string, claim *bool) error {
	if claim == nil || !*claim {
		return nil
	}
	var n int
	if err := t.queryRow(`SELECT count(*) FROM selection s JOIN sample_item i ON i.selection_uuid = s.uuid
		WHERE s.test_uuid = ? AND s.current = 1 AND i.extension = 1`, testUUID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return hintErrorf("%s: the selection record shows no extension of the sample, so the exception cannot say it was extended%s", what, HintExtendFirst)
	}
	return nil
}
