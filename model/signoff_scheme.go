package model

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Who may sign (issue #14). Team members hold a rung of the firm's
// ladder — staff, senior, manager, partner — or are the engagement quality
// reviewer (EQR). The older role names stay valid and sit on the ladder:
// a preparer is staff, a reviewer a senior; a specialist signs nothing.
// A sign-off scheme says, for each thing signed (a control test, planning,
// a criterion conclusion, the opinion), which steps sign it, in which
// order, by whom and not by whom.

// The ladder's rungs and the EQR.
const (
	RoleStaff  Role = "staff"
	RoleSenior Role = "senior"
	RoleEQR    Role = "eqr"
)

// LadderRole is a role on the firm's ladder: preparer is staff, reviewer
// is senior; the others are themselves.
func LadderRole(r Role) Role {
	switch r {
	case RolePreparer:
		return RoleStaff
	case RoleReviewer:
		return RoleSenior
	}
	return r
}

// ParseRole accepts the ladder's roles and the older names.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	switch r {
	case RoleStaff, RoleSenior, RoleManager, RolePartner, RoleEQR, RolePreparer, RoleReviewer, RoleSpecialist:
		return r, nil
	case "engagement-quality-reviewer", "quality-reviewer":
		return RoleEQR, nil
	}
	return "", fmt.Errorf("unknown role %q (staff, senior, manager, partner, eqr; preparer and reviewer mean staff and senior; specialist)", s)
}

// validRole reports whether a team member may hold r.
func validRole(r Role) bool {
	p, err := ParseRole(string(r))
	return err == nil && p == r
}

// SignTarget is what a sign-off is on.
type SignTarget string

const (
	TargetControlTest SignTarget = "control_test"
	TargetPlanning    SignTarget = "planning"
	TargetCriterion   SignTarget = "criterion"
	TargetOpinion     SignTarget = "opinion"
)

// Sign-off steps beyond preparer and reviewer.
const (
	StepPartner Role = "partner"
	StepEQR     Role = "eqr"
)

// SignStep is one sign-off a target needs.
type SignStep struct {
	Step  Role   `json:"step"`  // preparer, reviewer, partner or eqr
	Roles []Role `json:"roles"` // who may sign it
	// After are steps that must stand before this one is signed.
	After []Role `json:"after,omitempty"`
	// NotBy are steps whose signer may not sign this one (nobody reviews
	// their own work).
	NotBy []Role `json:"not_by,omitempty"`
	// IfAppointed: the step applies only when someone on the team holds
	// one of Roles (the EQR, where the firm appoints one).
	IfAppointed bool `json:"if_appointed,omitempty"`
}

// SignOffScheme is which roles sign what, in which order.
type SignOffScheme struct {
	ControlTest []SignStep `json:"control_test"`
	Planning    []SignStep `json:"planning"`
	Criterion   []SignStep `json:"criterion"`
	Opinion     []SignStep `json:"opinion"`
}

// DefaultSignOffScheme is the firm default: a control test is prepared by
// staff or a senior, then reviewed by a senior or above who did not
// prepare it; planning is reviewed by the manager; a criterion conclusion
// by a senior or above; the opinion is signed by the partner and then,
// where one is appointed, the EQR.
func DefaultSignOffScheme() SignOffScheme {
	return SignOffScheme{
		ControlTest: []SignStep{
			{Step: RolePreparer, Roles: []Role{RoleStaff, RoleSenior}},
			{Step: RoleReviewer, Roles: []Role{RoleSenior, RoleManager, RolePartner}, After: []Role{RolePreparer}, NotBy: []Role{RolePreparer}},
		},
		Planning:  []SignStep{{Step: RoleReviewer, Roles: []Role{RoleManager}}},
		Criterion: []SignStep{{Step: RoleReviewer, Roles: []Role{RoleSenior, RoleManager, RolePartner}}},
		Opinion: []SignStep{
			{Step: StepPartner, Roles: []Role{RolePartner}},
			{Step: StepEQR, Roles: []Role{RoleEQR}, After: []Role{StepPartner}, NotBy: []Role{StepPartner}, IfAppointed: true},
		},
	}
}

// Steps are the steps of a target.
func (s SignOffScheme) Steps(t SignTarget) []SignStep {
	switch t {
	case TargetControlTest:
		return s.ControlTest
	case TargetPlanning:
		return s.Planning
	case TargetCriterion:
		return s.Criterion
	case TargetOpinion:
		return s.Opinion
	}
	return nil
}

// Step finds a target's step.
func (s SignOffScheme) Step(t SignTarget, step Role) (SignStep, bool) {
	for _, st := range s.Steps(t) {
		if st.Step == step {
			return st, true
		}
	}
	return SignStep{}, false
}

// SchemeError is an invalid sign-off scheme, with the line of the file.
type SchemeError struct {
	Line int
	Msg  string
}

func (e *SchemeError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("sign-off scheme, line %d: %s", e.Line, e.Msg)
	}
	return "sign-off scheme: " + e.Msg
}

func lineAt(raw []byte, off int64) int {
	if off > int64(len(raw)) {
		off = int64(len(raw))
	}
	return bytes.Count(raw[:off], []byte("\n")) + 1
}

// lineOf is the line of the first occurrence of the quoted value after
// the key section of the file (0 when not found).
func lineOf(raw []byte, section, value string) int {
	from := bytes.Index(raw, []byte(`"`+section+`"`))
	if from < 0 {
		from = 0
	}
	i := bytes.Index(raw[from:], []byte(`"`+value+`"`))
	if i < 0 {
		return 0
	}
	return lineAt(raw, int64(from+i))
}

// ParseSignOffScheme reads and validates a scheme (JSON, the shape
// printed by 'fieldwork signoff-scheme --json'). team, when given, is
// checked too: every step that applies must have someone to sign it.
func ParseSignOffScheme(raw []byte, team []TeamMember) (SignOffScheme, error) {
	var s SignOffScheme
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return s, &SchemeError{Line: lineAt(raw, se.Offset), Msg: se.Error()}
		case errors.As(err, &te):
			return s, &SchemeError{Line: lineAt(raw, te.Offset), Msg: fmt.Sprintf("%s must be %s", te.Field, te.Type)}
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return s, &SchemeError{Line: lineOf(raw, f, f), Msg: fmt.Sprintf("unknown field %q (control_test, planning, criterion, opinion; in a step: step, roles, after, not_by, if_appointed)", f)}
		}
		return s, &SchemeError{Msg: err.Error()}
	}
	return s, s.validate(raw, team)
}

func (s SignOffScheme) validate(raw []byte, team []TeamMember) error {
	held := map[Role]bool{}
	for _, m := range team {
		held[LadderRole(m.Role)] = true
	}
	for _, t := range []SignTarget{TargetControlTest, TargetPlanning, TargetCriterion, TargetOpinion} {
		steps := s.Steps(t)
		if len(steps) == 0 {
			return &SchemeError{Line: lineOf(raw, string(t), string(t)), Msg: fmt.Sprintf("%s has no sign-off step: every target is signed by someone", t)}
		}
		names := map[Role]bool{}
		for _, st := range steps {
			switch st.Step {
			case RolePreparer, RoleReviewer, StepPartner, StepEQR:
			default:
				return &SchemeError{Line: lineOf(raw, string(t), string(st.Step)), Msg: fmt.Sprintf("%s: unknown step %q (preparer, reviewer, partner or eqr)", t, st.Step)}
			}
			if names[st.Step] {
				return &SchemeError{Line: lineOf(raw, string(t), string(st.Step)), Msg: fmt.Sprintf("%s: step %s appears twice", t, st.Step)}
			}
			names[st.Step] = true
			if len(st.Roles) == 0 {
				return &SchemeError{Line: lineOf(raw, string(t), string(st.Step)), Msg: fmt.Sprintf("%s: step %s names no role that may sign it", t, st.Step)}
			}
			anyHeld := false
			for _, r := range st.Roles {
				switch r {
				case RoleStaff, RoleSenior, RoleManager, RolePartner, RoleEQR:
				default:
					return &SchemeError{Line: lineOf(raw, string(t), string(r)), Msg: fmt.Sprintf("%s: step %s: unknown role %q (staff, senior, manager, partner or eqr)", t, st.Step, r)}
				}
				anyHeld = anyHeld || held[r]
			}
			if team != nil && !anyHeld && !st.IfAppointed {
				return &SchemeError{Line: lineOf(raw, string(t), string(st.Roles[0])), Msg: fmt.Sprintf("%s: step %s is signed by %s, a role nobody on the team holds", t, st.Step, joinRoles(st.Roles))}
			}
		}
		for _, st := range steps {
			for _, a := range append(append([]Role{}, st.After...), st.NotBy...) {
				if !names[a] {
					return &SchemeError{Line: lineOf(raw, string(t), string(a)), Msg: fmt.Sprintf("%s: step %s refers to step %q, which %s does not have", t, st.Step, a, t)}
				}
			}
		}
		// A cycle in "after" would let nobody sign first.
		state := map[Role]int{}
		var visit func(r Role) error
		visit = func(r Role) error {
			switch state[r] {
			case 1:
				return &SchemeError{Line: lineOf(raw, string(t), string(r)), Msg: fmt.Sprintf("%s: the order of steps is a cycle through %s: nobody could sign first", t, r)}
			case 2:
				return nil
			}
			state[r] = 1
			st, _ := s.Step(t, r)
			for _, a := range st.After {
				if err := visit(a); err != nil {
					return err
				}
			}
			state[r] = 2
			return nil
		}
		for _, st := range steps {
			if err := visit(st.Step); err != nil {
				return err
			}
		}
	}
	return nil
}

func joinRoles(rs []Role) string {
	ss := make([]string, len(rs))
	for i, r := range rs {
		ss[i] = string(r)
	}
	if len(ss) == 1 {
		return ss[0]
	}
	return strings.Join(ss[:len(ss)-1], ", ") + " or " + ss[len(ss)-1]
}

// SignOffSchemeOf returns the engagement's scheme (the firm default unless
// one was set) and whether it is the default.
func (w *Workpaper) SignOffSchemeOf(ctx context.Context) (SignOffScheme, bool, error) {
	var raw string
	if err := w.db.QueryRowContext(ctx, `SELECT signoff_scheme FROM engagement WHERE id = 1`).Scan(&raw); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return SignOffScheme{}, false, ErrNoEngagement
		}
		return SignOffScheme{}, false, friendlyDBError(err)
	}
	if raw == "" {
		return DefaultSignOffScheme(), true, nil
	}
	s, err := ParseSignOffScheme([]byte(raw), nil)
	return s, false, err
}

// SetSignOffScheme validates a scheme against the team and records it for
// this engagement; empty raw goes back to the firm default.
func (w *Workpaper) SetSignOffScheme(ctx context.Context, raw []byte) error {
	stored := ""
	if len(bytes.TrimSpace(raw)) > 0 {
		e, err := w.Engagement(ctx)
		if err != nil {
			return err
		}
		s, err := ParseSignOffScheme(raw, e.Team)
		if err != nil {
			return err
		}
		b, _ := json.Marshal(s)
		stored = string(b)
	}
	return w.write(ctx, func(t *txn) error {
		var id string
		if err := t.tx.QueryRowContext(ctx, "SELECT uuid FROM engagement WHERE id = 1").Scan(&id); err != nil {
			return ErrNoEngagement
		}
		_, err := t.update("engagement", id, 0, "the engagement", field{"signoff_scheme", stored})
		return err
	})
}

// SignOffRecord is a sign-off on any target.
type SignOffRecord struct {
	Target   SignTarget `json:"target"`
	Ref      string     `json:"ref,omitempty"` // control or criterion
	Step     Role       `json:"step"`
	Signer   string     `json:"signer"`
	As       Role       `json:"signer_role,omitempty"`
	SignedAt string     `json:"signed_at"`
	Stale    bool       `json:"stale"`
	StaleBy  string     `json:"stale_by,omitempty"`
	StaleAt  string     `json:"stale_at,omitempty"`
	What     string     `json:"changed,omitempty"`
}

// SignRefusal is a sign-off that was refused: why, and who may sign.
type SignRefusal struct {
	What   string
	Why    Text
	MaySay Text
}

func (e *SignRefusal) Error() string { return e.Words(nil) }

// Words is the refusal with its hints worded by w.
func (e *SignRefusal) Words(w Wording) string {
	s := e.What + ": " + e.Why.Words(w)
	if e.MaySay.format != "" {
		s += "; " + e.MaySay.Words(w)
	}
	return s + "; nothing was signed"
}

// Sign signs a target's step as the workpaper's user, after the scheme's
// checks: the signer is on the team, holds a role the step allows, did
// not sign a step it may not follow, and the steps before it stand. ref
// is the control (control tests) or the criterion (criteria).
func (w *Workpaper) Sign(ctx context.Context, target SignTarget, ref string, step Role) error {
	scheme, _, err := w.SignOffSchemeOf(ctx)
	if err != nil {
		return err
	}
	e, err := w.Engagement(ctx)
	if err != nil {
		return err
	}
	what := signWhat(target, ref, step)
	st, ok := scheme.Step(target, step)
	if !ok {
		var names []string
		for _, s := range scheme.Steps(target) {
			names = append(names, string(s.Step))
		}
		return &SignRefusal{What: what, Why: textf("the sign-off scheme has no %s step for %s (it has %s)", step, targetWords(target), strings.Join(names, ", "))}
	}
	mayList := func(exclude string) Text {
		var who []string
		for _, m := range e.Team {
			if hasRole(st.Roles, LadderRole(m.Role)) && !SameUser(m.User, exclude) && m.User != "" {
				who = append(who, fmt.Sprintf("%s (%s, %s)", m.Name, m.User, m.Role))
			}
		}
		if len(who) == 0 {
			return textf("the %s is signed by a %s, and nobody on the team holds that role%s", step, joinRoles(st.Roles), HintAddMember)
		}
		return textf("the %s of %s is signed by a %s: %s may sign", step, targetWords(target), joinRoles(st.Roles), joinAnd(who))
	}
	var me *TeamMember
	for i := range e.Team {
		if e.Team[i].User != "" && SameUser(e.Team[i].User, w.user) {
			me = &e.Team[i]
		}
	}
	if me == nil {
		return &SignRefusal{What: what, Why: textf("%s is not on the team (no team member signs as %s)", w.user, w.user), MaySay: mayList("")}
	}
	if !hasRole(st.Roles, LadderRole(me.Role)) {
		return &SignRefusal{What: what, Why: textf("%s is on the team as %s (%s), not a %s", w.user, me.Role, LadderRole(me.Role), joinRoles(st.Roles)), MaySay: mayList("")}
	}
	if st.IfAppointed {
		// Signing it appoints nothing: the role is held, so it applies.
	}
	// Where the sign-off goes: the record it covers.
	var scopeUUID string
	switch target {
	case TargetControlTest:
		ct, err := w.ControlTest(ctx, ref)
		if err != nil {
			return err
		}
		scopeUUID = ct.UUID
		if ct.Conclusion == NotConcluded {
			return &SignRefusal{What: what, Why: textf("%s is in progress with no conclusion: conclude it first%s", ct.Control.Ref, HintConclude)}
		}
		ref = ct.Control.Ref
	case TargetPlanning, TargetOpinion:
		scopeUUID = e.UUID
		if target == TargetOpinion {
			d, err := w.ProposeOpinion(ctx)
			if err != nil {
				return err
			}
			if !d.Final {
				var open []string
				for _, f := range d.Open {
					open = append(open, f.Ref)
				}
				return &SignRefusal{What: what, Why: textf("the opinion is not final: %s still open", joinAnd(open))}
			}
		}
	case TargetCriterion:
		id, ok := NormalizeCriterionID(ref)
		if !ok {
			return fmt.Errorf("unknown criterion %q", ref)
		}
		ref = id
		what = signWhat(target, ref, step)
		concl, err := w.CriteriaConclusions(ctx)
		if err != nil {
			return err
		}
		for _, c := range concl {
			if c.Ref == id {
				if c.Status != CriterionMet && c.Status != CriterionNotMet {
					return &SignRefusal{What: what, Why: textf("%s is %s (%s): a criterion is signed once it is concluded met or not met", id, c.Status, c.Reason)}
				}
			}
		}
		if err := w.db.QueryRowContext(ctx, `SELECT uuid FROM criterion WHERE ref = ?`, id).Scan(&scopeUUID); err != nil {
			return friendlyDBError(err)
		}
	default:
		return fmt.Errorf("sign a control test, planning, a criterion or the opinion, not %q", target)
	}
	return w.write(ctx, func(t *txn) error {
		if target == TargetControlTest {
			t.scope = scopeUUID
		}
		standing := map[Role]string{}
		rows, err := t.tx.QueryContext(ctx, `SELECT role, signer FROM signoff WHERE test_uuid = ? AND target = ? AND stale = 0 ORDER BY id`, scopeUUID, string(target))
		if err != nil {
			return err
		}
		for rows.Next() {
			var r, s string
			rows.Scan(&r, &s)
			standing[Role(r)] = s
		}
		if err := closeRows(rows); err != nil {
			return err
		}
		for _, a := range st.After {
			if _, ok := standing[a]; !ok {
				return &SignRefusal{What: what, Why: textf("%s has no standing %s sign-off: the %s signs first", targetWords(target)+refWords(ref), a, a)}
			}
		}
		for _, nb := range st.NotBy {
			if s, ok := standing[nb]; ok && SameUser(s, w.user) {
				return &SignRefusal{What: what, Why: textf("%s was signed as %s by %s: the %s must be someone else", strings.TrimSpace(refWords(ref)+" "+string(target)), nb, s, step), MaySay: mayList(w.user)}
			}
		}
		// A new sign-off replaces the standing one of the same step.
		if err := t.staleTarget(scopeUUID, target, step); err != nil {
			return err
		}
		pin, err := t.signOffFields(scopeUUID)
		if err != nil {
			return err
		}
		_, err = t.insert("signoff", append([]field{{"test_uuid", scopeUUID}, {"role", string(step)}, {"signer", t.w.user}, {"signed_at", t.at},
			{"target", string(target)}, {"signer_role", string(me.Role)}}, pin...)...)
		return err
	})
}

func hasRole(rs []Role, r Role) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

func targetWords(t SignTarget) string {
	switch t {
	case TargetControlTest:
		return "a control test"
	case TargetPlanning:
		return "planning"
	case TargetCriterion:
		return "a criterion"
	case TargetOpinion:
		return "the opinion"
	}
	return string(t)
}

func refWords(ref string) string {
	if ref == "" {
		return ""
	}
	return " " + ref
}

func signWhat(t SignTarget, ref string, step Role) string {
	switch t {
	case TargetControlTest, TargetCriterion:
		return fmt.Sprintf("%s sign-off on %s", step, ref)
	}
	return fmt.Sprintf("%s sign-off on %s", step, targetWords(t))
}

// staleTarget marks the standing sign-offs of a target's step stale.
func (t *txn) staleTarget(scopeUUID string, target SignTarget, step Role) error {
	rows, err := t.tx.QueryContext(t.ctx, `SELECT uuid FROM signoff WHERE test_uuid = ? AND target = ? AND role = ? AND stale = 0`, scopeUUID, string(target), string(step))
	if err != nil {
		return err
	}
	var ids []string
	for rows.Next() {
		var id string
		rows.Scan(&id)
		ids = append(ids, id)
	}
	if err := closeRows(rows); err != nil {
		return err
	}
	for _, id := range ids {
		if _, err := t.update("signoff", id, 0, "sign-off", field{"stale", 1}, field{"stale_at", t.at}, field{"stale_by", t.w.user},
			field{"stale_what", "signed again"}); err != nil {
			return err
		}
	}
	return nil
}

// SignOffs lists every sign-off of the engagement, standing first.
func (w *Workpaper) SignOffs(ctx context.Context) ([]SignOffRecord, error) {
	var out []SignOffRecord
	err := w.scanRows(ctx, func(rows *sql.Rows) error {
		var s SignOffRecord
		var stale int
		if err := rows.Scan(&s.Target, &s.Ref, &s.Step, &s.Signer, &s.As, &s.SignedAt, &stale, &s.StaleBy, &s.StaleAt, &s.What); err != nil {
			return err
		}
		s.Stale = stale == 1
		out = append(out, s)
		return nil
	}, `SELECT s.target, COALESCE(c.ref, cr.ref, ''), s.role, s.signer, s.signer_role, s.signed_at, s.stale, s.stale_by, s.stale_at, s.stale_what
		FROM signoff s
		LEFT JOIN control_test t ON s.target = 'control_test' AND t.uuid = s.test_uuid
		LEFT JOIN control c ON c.uuid = t.control_uuid
		LEFT JOIN criterion cr ON s.target = 'criterion' AND cr.uuid = s.test_uuid
		ORDER BY s.stale, s.id`)
	sort.SliceStable(out, func(i, j int) bool { return !out[i].Stale && out[j].Stale })
	return out, err
}
