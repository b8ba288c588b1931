package model

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"github.com/fieldwork-audit/fieldwork/internal/signing"
	"strings"
	"time"
)

// ReportType is Type I (design as of a date) or Type II (design and
// operating effectiveness over a period).
type ReportType int

const (
	TypeI  ReportType = 1
	TypeII ReportType = 2
)

func (t ReportType) String() string {
	if t == TypeI {
		return "Type I"
	}
	return "Type II"
}

// DateLayout is how fieldwork writes and reads calendar dates.
const DateLayout = "2006-01-02"

// ParseDate reads a calendar date (YYYY-MM-DD); the empty string is the zero date.
func ParseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(DateLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("date %q is not YYYY-MM-DD", s)
	}
	return t, nil
}

func formatDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(DateLayout)
}

func mustDate(s string) time.Time {
	t, _ := ParseDate(s)
	return t
}

// Role of a team member on the engagement.
type Role string

const (
	RolePreparer   Role = "preparer"
	RoleReviewer   Role = "reviewer"
	RolePartner    Role = "partner"
	RoleManager    Role = "manager"
	RoleSpecialist Role = "specialist"
)

// TeamMember is one person on the engagement team.
type TeamMember struct {
	UUID  string
	Name  string
	Role  Role
	Email string
	// User is the fieldwork user name the member works and signs as.
	User string
	// PublicKey is the member's Ed25519 public key ("ed25519:…"): entries
	// by User must be signed with it.
	PublicKey string
}

// SubserviceMethod is how a subservice organization is treated in the report.
type SubserviceMethod string

const (
	CarveOut  SubserviceMethod = "carve-out"
	Inclusive SubserviceMethod = "inclusive"
)

// SubserviceOrg is a vendor whose controls the system relies on.
type SubserviceOrg struct {
	UUID     string
	Name     string
	Services string
	Method   SubserviceMethod
}

// ComplementaryKind tells CUECs from CSOCs.
type ComplementaryKind string

const (
	CUEC ComplementaryKind = "cuec" // complementary user entity control
	CSOC ComplementaryKind = "csoc" // complementary subservice organization control
)

// ComplementaryControl is a control someone else must operate: the user
// entities (CUEC) or a carved-out subservice organization (CSOC).
type ComplementaryControl struct {
	UUID       string
	Kind       ComplementaryKind
	Ref        string
	Text       string
	Criteria   []string
	Subservice string // the subservice organization's name, for CSOCs
}

// Engagement is the scope of the examination.
type Engagement struct {
	UUID           string
	Client         string
	System         string
	Type           ReportType
	From, To       time.Time // Type II period
	AsOf           time.Time // Type I: the date the description is as of
	Categories     []Category
	Firm           string
	PlanningDate   time.Time
	FieldworkStart time.Time
	FieldworkEnd   time.Time
	ReportDue      time.Time
	// ReportDate is the date of the service auditor's opinion (when
	// sufficient evidence was obtained); ReleaseDate the day the report
	// was released; CompletionDeadline the last day of the assembly
	// window (release + 60 days unless the firm set a shorter one).
	ReportDate         time.Time
	ReleaseDate        time.Time
	CompletionDeadline time.Time
	RolledFrom         string
	Version            int
	UpdatedBy          string
	UpdatedAt          time.Time

	Team          []TeamMember
	Subservice    []SubserviceOrg
	Complementary []ComplementaryControl
}

// InScope reports whether category c is examined; Security always is.
func (e *Engagement) InScope(c Category) bool {
	if c == Security {
		return true
	}
	for _, x := range e.Categories {
		if x == c {
			return true
		}
	}
	return false
}

// Period is the report's period or date as a report writes it.
func (e *Engagement) Period() string {
	if e.Type == TypeI {
		return "as of " + formatDate(e.AsOf)
	}
	return formatDate(e.From) + " to " + formatDate(e.To)
}

// InPeriod reports whether day falls inside the examination period (Type II)
// or on the as-of date (Type I).
func (e *Engagement) InPeriod(day time.Time) bool {
	d := day.Truncate(24 * time.Hour)
	if e.Type == TypeI {
		return d.Equal(e.AsOf)
	}
	return !d.Before(e.From) && !d.After(e.To)
}

// CUECs and CSOCs list the complementary controls of each kind.
func (e *Engagement) CUECs() []ComplementaryControl { return e.complementary(CUEC) }
func (e *Engagement) CSOCs() []ComplementaryControl { return e.complementary(CSOC) }

func (e *Engagement) complementary(k ComplementaryKind) []ComplementaryControl {
	var out []ComplementaryControl
	for _, c := range e.Complementary {
		if c.Kind == k {
			out = append(out, c)
		}
	}
	return out
}

// NewEngagement is what "fieldwork new" asks for.
type NewEngagement struct {
	Client, System string
	Type           ReportType
	From, To, AsOf time.Time
	Categories     []Category
	Firm           string
	PlanningDate   time.Time
	FieldworkStart time.Time
	FieldworkEnd   time.Time
	ReportDue      time.Time
}

// Validate checks an engagement before it is written.
func (n *NewEngagement) Validate() error {
	var errs []string
	if strings.TrimSpace(n.Client) == "" {
		errs = append(errs, "the client (service organization) name is required")
	}
	if strings.TrimSpace(n.System) == "" {
		errs = append(errs, "the system name is required")
	}
	switch n.Type {
	case TypeI:
		if n.AsOf.IsZero() {
			errs = append(errs, "a Type I report needs an as-of date")
		}
		if !n.From.IsZero() || !n.To.IsZero() {
			errs = append(errs, "a Type I report has an as-of date, not a period")
		}
	case TypeII:
		if n.From.IsZero() || n.To.IsZero() {
			errs = append(errs, "a Type II report needs a period: from and to dates")
		} else if !n.From.Before(n.To) {
			errs = append(errs, "the period must end after it starts")
		}
		if !n.AsOf.IsZero() {
			errs = append(errs, "a Type II report has a period, not an as-of date")
		}
	default:
		errs = append(errs, "the report type must be 1 or 2")
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
	}
	return nil
}

func normalizeCategories(cs []Category) []Category {
	seen := map[Category]bool{Security: true}
	for _, c := range cs {
		seen[c] = true
	}
	var out []Category
	for _, c := range Categories {
		if seen[c] {
			out = append(out, c)
		}
	}
	return out
}

func joinCategories(cs []Category) string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = string(c)
	}
	return strings.Join(s, ",")
}

// CreateEngagement writes the engagement and seeds the criteria catalog.
func (w *Workpaper) CreateEngagement(ctx context.Context, n NewEngagement) error {
	if err := n.Validate(); err != nil {
		return err
	}
	return w.write(ctx, func(t *txn) error {
		var count int
		if err := t.tx.QueryRowContext(ctx, "SELECT count(*) FROM engagement").Scan(&count); err != nil {
			return err
		}
		if count > 0 {
			return errors.New("the workpaper already holds an engagement")
		}
		_, err := t.insert("engagement",
			field{"id", 1},
			field{"client", strings.TrimSpace(n.Client)},
			field{"system_name", strings.TrimSpace(n.System)},
			field{"report_type", int(n.Type)},
			field{"period_from", formatDate(n.From)},
			field{"period_to", formatDate(n.To)},
			field{"as_of", formatDate(n.AsOf)},
			field{"categories", joinCategories(normalizeCategories(n.Categories))},
			field{"firm", n.Firm},
			field{"planning_date", formatDate(n.PlanningDate)},
			field{"fieldwork_start", formatDate(n.FieldworkStart)},
			field{"fieldwork_end", formatDate(n.FieldworkEnd)},
			field{"report_due", formatDate(n.ReportDue)},
		)
		if err != nil {
			return err
		}
		for i, c := range Catalog {
			if _, err := t.insert("criterion",
				field{"ref", c.ID}, field{"category", string(c.Category)}, field{"ordinal", i}, field{"title", c.Title}); err != nil {
				return err
			}
		}
		return t.seedTickmarks()
	})
}

// Engagement reads the engagement with its team, subservice organizations
// and complementary controls.
func (w *Workpaper) Engagement(ctx context.Context) (*Engagement, error) {
	var e Engagement
	var typ int
	var from, to, asOf, cats, planning, fwStart, fwEnd, due, updatedAt, reportDate, released, deadline string
	err := w.db.QueryRowContext(ctx, `SELECT uuid, client, system_name, report_type, period_from, period_to, as_of,
		categories, firm, planning_date, fieldwork_start, fieldwork_end, report_due, rolled_from, version, updated_by, updated_at,
		report_date, release_date, completion_deadline
		FROM engagement WHERE id = 1`).Scan(&e.UUID, &e.Client, &e.System, &typ, &from, &to, &asOf, &cats, &e.Firm,
		&planning, &fwStart, &fwEnd, &due, &e.RolledFrom, &e.Version, &e.UpdatedBy, &updatedAt, &reportDate, &released, &deadline)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%s: %w", w.path, ErrNoEngagement)
	}
	if err != nil {
		return nil, friendlyDBError(err)
	}
	e.Type = ReportType(typ)
	e.From, e.To, e.AsOf = mustDate(from), mustDate(to), mustDate(asOf)
	e.PlanningDate, e.FieldworkStart, e.FieldworkEnd, e.ReportDue = mustDate(planning), mustDate(fwStart), mustDate(fwEnd), mustDate(due)
	e.UpdatedAt = parseTime(updatedAt)
	e.ReportDate, e.ReleaseDate, e.CompletionDeadline = mustDate(reportDate), mustDate(released), mustDate(deadline)
	for _, c := range strings.Split(cats, ",") {
		if c != "" {
			e.Categories = append(e.Categories, Category(c))
		}
	}

	rows, err := w.db.QueryContext(ctx, `SELECT uuid, name, role, email, user, public_key FROM team_member ORDER BY id`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var m TeamMember
		if err := rows.Scan(&m.UUID, &m.Name, &m.Role, &m.Email, &m.User, &m.PublicKey); err != nil {
			rows.Close()
			return nil, err
		}
		e.Team = append(e.Team, m)
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}

	rows, err = w.db.QueryContext(ctx, `SELECT uuid, name, services, method FROM subservice_org ORDER BY id`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var s SubserviceOrg
		if err := rows.Scan(&s.UUID, &s.Name, &s.Services, &s.Method); err != nil {
			rows.Close()
			return nil, err
		}
		e.Subservice = append(e.Subservice, s)
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}

	rows, err = w.db.QueryContext(ctx, `SELECT uuid, kind, ref, text, criteria, subservice FROM complementary_control ORDER BY kind DESC, id`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var c ComplementaryControl
		var crit string
		if err := rows.Scan(&c.UUID, &c.Kind, &c.Ref, &c.Text, &crit, &c.Subservice); err != nil {
			rows.Close()
			return nil, err
		}
		c.Criteria = splitList(crit)
		e.Complementary = append(e.Complementary, c)
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	return &e, nil
}

func closeRows(rows *sql.Rows) error {
	err := rows.Err()
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	return err
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// AddTeamMember records a person on the team.
func (w *Workpaper) AddTeamMember(ctx context.Context, m TeamMember) error {
	if strings.TrimSpace(m.Name) == "" {
		return errors.New("a team member needs a name")
	}
	if err := CheckUserName(m.Name); err != nil {
		return err
	}
	if !validRole(m.Role) {
		_, err := ParseRole(string(m.Role))
		if err == nil {
			err = fmt.Errorf("unknown role %q (staff, senior, manager, partner, eqr, preparer, reviewer or specialist)", m.Role)
		}
		return err
	}
	if m.PublicKey != "" {
		pk, err := signing.ParsePublicKey(m.PublicKey)
		if err != nil {
			return err
		}
		m.PublicKey = pk.String()
		if strings.TrimSpace(m.User) == "" {
			return hintErrorf("a team member's key needs the user name they sign as%s", HintLogin)
		}
	}
	return w.write(ctx, func(t *txn) error {
		if m.User != "" {
			other, err := t.memberByUser(m.User)
			if err != nil {
				return err
			}
			if other != nil {
				return fmt.Errorf("%s is already on the team as %s", m.User, other.name)
			}
		}
		confirmed, err := t.confirmer()
		if err != nil {
			return err
		}
		if m.PublicKey == "" {
			confirmed = ""
		}
		_, err = t.insert("team_member", field{"name", strings.TrimSpace(m.Name)}, field{"role", string(m.Role)}, field{"email", m.Email},
			field{"user", strings.TrimSpace(m.User)}, field{"public_key", m.PublicKey}, field{"key_confirmed_by", confirmed})
		return err
	})
}

// JoinTeam records the acting user's own public key on their team member
// record (made when they are not on the team yet, with name and role).
// The entry is signed with that same key, so the key registers itself;
// verify shows whether a manager or partner is on record as having added
// the member.
func (w *Workpaper) JoinTeam(ctx context.Context, name string, role Role) (*TeamMember, error) {
	k, err := w.signingKey()
	if err != nil {
		return nil, err
	}
	pub := k.Public().String()
	m := &TeamMember{Name: strings.TrimSpace(name), Role: role, User: w.user, PublicKey: pub}
	err = w.write(ctx, func(t *txn) error {
		me, err := t.memberByUser(w.user)
		if err != nil {
			return err
		}
		if me != nil {
			id, cur, curName := me.uuid, me.publicKey, me.name
			m.UUID, m.Name, m.Role = id, curName, Role(me.role)
			if cur == pub {
				return nil
			}
			if cur != "" {
				return hintErrorf("%s is on the team with another key (%s)%s", w.user, fingerprintOf(cur), HintChangeKey)
			}
			_, err := t.update("team_member", id, 0, "team member "+curName, field{"public_key", pub}, field{"key_confirmed_by", ""})
			return err
		}
		if m.Name == "" {
			return hintErrorf("%s is not on the team yet: say your name%s and role%s", w.user, HintName, HintRole)
		}
		if !validRole(role) {
			return fmt.Errorf("unknown role %q (staff, senior, manager, partner, eqr, preparer, reviewer or specialist)", role)
		}
		m.UUID, err = t.insert("team_member", field{"name", m.Name}, field{"role", string(role)}, field{"user", w.user}, field{"public_key", pub})
		return err
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// SetTeamKey records (or replaces) a member's public key; a manager or
// partner does this for someone else.
func (w *Workpaper) SetTeamKey(ctx context.Context, user, publicKey string) error {
	pk, err := signing.ParsePublicKey(publicKey)
	if err != nil {
		return err
	}
	return w.write(ctx, func(t *txn) error {
		them, err := t.memberByUser(user)
		if err != nil {
			return err
		}
		if them == nil {
			return fmt.Errorf("%s is not on the team: add them first (team add with their login)", user)
		}
		id, name := them.uuid, them.name
		self := SameUser(user, w.user)
		if !self {
			role := ""
			if me, err := t.memberByUser(w.user); err != nil {
				return err
			} else if me != nil {
				role = me.role
			}
			if Role(role) != RoleManager && Role(role) != RolePartner {
				return fmt.Errorf("only a manager or partner on the team records another member's key (you, %s, are %s)", w.user, orNone(role))
			}
		}
		confirmed, err := t.confirmer()
		if err != nil {
			return err
		}
		if self {
			confirmed = "" // nobody confirms their own key
		}
		_, err = t.update("team_member", id, 0, "team member "+name, field{"public_key", pk.String()}, field{"key_confirmed_by", confirmed})
		return err
	})
}

// confirmer is the acting user when they are a manager or partner on the
// team (their adding or recording a key confirms it), else "".
func (t *txn) confirmer() (string, error) {
	me, err := t.memberByUser(t.w.user)
	if err != nil || me == nil {
		return "", err
	}
	if Role(me.role) == RoleManager || Role(me.role) == RolePartner {
		return t.w.user, nil
	}
	return "", nil
}

// memberRow is a team member as the key rules read it.
type memberRow struct{ uuid, name, role, user, publicKey string }

// memberByUser finds the team member who works as user, names compared
// as people read them (SameUser); nil when there is none.
func (t *txn) memberByUser(user string) (*memberRow, error) {
	rows, err := t.tx.QueryContext(t.ctx, `SELECT uuid, name, role, user, public_key FROM team_member WHERE user != '' ORDER BY id`)
	if err != nil {
		return nil, err
	}
	var found *memberRow
	for rows.Next() {
		var m memberRow
		if err := rows.Scan(&m.uuid, &m.name, &m.role, &m.user, &m.publicKey); err != nil {
			rows.Close()
			return nil, err
		}
		if found == nil && SameUser(m.user, user) {
			found = &m
		}
	}
	return found, closeRows(rows)
}

func orNone(role string) string {
	if role == "" {
		return "not on the team"
	}
	return "a " + role
}

func fingerprintOf(pub string) string {
	pk, err := signing.ParsePublicKey(pub)
	if err != nil {
		return "unreadable key"
	}
	return pk.Fingerprint()
}

// AddSubserviceOrg records a subservice organization and its method.
func (w *Workpaper) AddSubserviceOrg(ctx context.Context, s SubserviceOrg) error {
	if strings.TrimSpace(s.Name) == "" {
		return errors.New("a subservice organization needs a name")
	}
	if s.Method != CarveOut && s.Method != Inclusive {
		return fmt.Errorf("unknown method %q (carve-out or inclusive)", s.Method)
	}
	return w.write(ctx, func(t *txn) error {
		_, err := t.insert("subservice_org", field{"name", strings.TrimSpace(s.Name)}, field{"services", s.Services}, field{"method", string(s.Method)})
		return err
	})
}

// AddComplementaryControl records a CUEC or CSOC.
func (w *Workpaper) AddComplementaryControl(ctx context.Context, c ComplementaryControl) error {
	if c.Kind != CUEC && c.Kind != CSOC {
		return fmt.Errorf("unknown kind %q (cuec or csoc)", c.Kind)
	}
	if strings.TrimSpace(c.Ref) == "" || strings.TrimSpace(c.Text) == "" {
		return errors.New("a complementary control needs a reference and a text")
	}
	var crit []string
	for _, id := range c.Criteria {
		n, ok := NormalizeCriterionID(id)
		if !ok {
			return fmt.Errorf("unknown criterion %q", id)
		}
		crit = append(crit, n)
	}
	return w.write(ctx, func(t *txn) error {
		_, err := t.insert("complementary_control", field{"kind", string(c.Kind)}, field{"ref", strings.TrimSpace(c.Ref)},
			field{"text", c.Text}, field{"criteria", strings.Join(crit, ",")}, field{"subservice", c.Subservice})
		return err
	})
}

// UpdateEngagementDates sets the key dates; a zero date clears it.
func (w *Workpaper) UpdateEngagementDates(ctx context.Context, version int, firm string, planning, start, end, due time.Time) error {
	return w.write(ctx, func(t *txn) error {
		var id string
		if err := t.tx.QueryRowContext(ctx, "SELECT uuid FROM engagement WHERE id = 1").Scan(&id); err != nil {
			return ErrNoEngagement
		}
		_, err := t.update("engagement", id, version, "the engagement",
			field{"firm", firm}, field{"planning_date", formatDate(planning)}, field{"fieldwork_start", formatDate(start)},
			field{"fieldwork_end", formatDate(end)}, field{"report_due", formatDate(due)})
		return err
	})
}
