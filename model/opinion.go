package model

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Opinion is the type of the service auditor's opinion.
type Opinion string

const (
	// OpinionUnmodified: every in-scope criterion is met.
	OpinionUnmodified Opinion = "unmodified"
	// OpinionQualified: one or more criteria are not met (or could not be
	// tested), but not pervasively.
	OpinionQualified Opinion = "qualified"
	// OpinionAdverse: the criteria not met are pervasive.
	OpinionAdverse Opinion = "adverse"
	// OpinionDisclaimer: the auditor could not obtain enough evidence to
	// form an opinion at all. fieldwork never proposes it: only an override
	// can choose it.
	OpinionDisclaimer Opinion = "disclaimer"
)

// Opinions lists the opinion types in order of severity.
var Opinions = []Opinion{OpinionUnmodified, OpinionQualified, OpinionAdverse, OpinionDisclaimer}

// ParseOpinion reads an opinion type; "unqualified" and "clean" are taken
// as unmodified, "disclaimer of opinion" as disclaimer.
func ParseOpinion(s string) (Opinion, error) {
	switch strings.ToLower(strings.Join(strings.Fields(strings.ReplaceAll(s, "-", " ")), " ")) {
	case "unmodified", "unqualified", "clean":
		return OpinionUnmodified, nil
	case "qualified":
		return OpinionQualified, nil
	case "adverse":
		return OpinionAdverse, nil
	case "disclaimer", "disclaimer of opinion", "disclaim":
		return OpinionDisclaimer, nil
	}
	return "", fmt.Errorf("unknown opinion %q (unmodified, qualified, adverse or disclaimer)", s)
}

// Title is the opinion as a report names it.
func (o Opinion) Title() string {
	switch o {
	case OpinionUnmodified:
		return "Unmodified opinion"
	case OpinionQualified:
		return "Qualified opinion"
	case OpinionAdverse:
		return "Adverse opinion"
	case OpinionDisclaimer:
		return "Disclaimer of opinion"
	case OpinionPending:
		return "Opinion not yet determined"
	}
	return string(o)
}

// Pervasiveness is the engagement partner's documented judgment (issue
// #14), not a fixed fraction of criteria: whether the criteria not met are
// pervasive (adverse) or not (qualified), recorded with a reason by a
// partner on the team (SetPervasiveness). Until it is recorded, criteria
// not met give "qualified (likely)".
const (
	Pervasive    = "pervasive"
	NotPervasive = "not-pervasive"
)

// PervasiveRule says how the proposal treats pervasiveness, for reports.
const PervasiveRule = "whether the criteria not met are pervasive (adverse) or not (qualified) is the engagement partner's judgment, recorded with a reason; until then the proposal is qualified (likely)"

// OpinionPending is proposed while no criterion is concluded not met but
// some are still open: unmodified is proposed only when every in-scope
// criterion is met. Not an opinion an override can choose.
const OpinionPending Opinion = "pending"

// OpinionJudgment is what the auditors recorded about the opinion: the
// override and the partner's pervasiveness judgment.
type OpinionJudgment struct {
	Override        Opinion
	OverrideReason  string
	Pervasive       string // "", Pervasive or NotPervasive
	PervasiveReason string
	PervasiveBy     string
}

// ExceptionRef is an exception behind a criterion that is not met.
type ExceptionRef struct {
	Ref        string `json:"ref"`
	ControlRef string `json:"control"`
	WPRef      string `json:"wp_ref"`
	Evaluation string `json:"evaluation,omitempty"`
	// Wording is the exception as the report states it (the report wording,
	// else the description).
	Wording string `json:"wording"`
}

// CriterionFinding is a criterion the opinion must mention: not met, or
// still open.
type CriterionFinding struct {
	Ref      string          `json:"id"`
	Category Category        `json:"category"`
	Area     string          `json:"area"`
	Title    string          `json:"title"`
	Status   CriterionStatus `json:"status"`
	// Reason is the internal reason (an override's reason, tool advice):
	// for the working notes, never for the report.
	Reason string `json:"reason"`
	// Basis is the criterion's basis-for-modification text in report
	// language, built from the criterion and its exceptions' report
	// wording (FindingBasis).
	Basis string `json:"basis"`
	// Overridden is true when the status is the auditor's override.
	Overridden bool `json:"overridden,omitempty"`
	// Controls are the controls mapped to the criterion; NotEffective
	// those among them concluded not effective.
	Controls     []string       `json:"controls"`
	NotEffective []string       `json:"not_effective"`
	Exceptions   []ExceptionRef `json:"exceptions"`
}

// OpinionDraft is the opinion the criteria conclusions point to.
type OpinionDraft struct {
	// Proposed is derived from the criteria conclusions.
	Proposed Opinion `json:"proposed"`
	// Opinion is the override when one is recorded, else Proposed.
	Opinion        Opinion `json:"opinion"`
	Override       Opinion `json:"override,omitempty"`
	OverrideReason string  `json:"override_reason,omitempty"`
	// Final is false while any in-scope criterion is still open or at risk:
	// the draft can change as fieldwork completes.
	Final bool `json:"final"`
	// Reason explains the proposal in a sentence or two.
	Reason string `json:"reason"`
	// Likely is true when the proposal may still change: criteria are
	// open, or the partner has not yet judged pervasiveness.
	Likely bool `json:"likely"`
	// Pervasive is true when the partner judged the criteria not met
	// pervasive; Pervasiveness is that judgment ("" until recorded).
	Pervasive       bool               `json:"pervasive"`
	Pervasiveness   string             `json:"pervasiveness"`
	PervasiveReason string             `json:"pervasiveness_reason,omitempty"`
	PervasiveBy     string             `json:"pervasiveness_by,omitempty"`
	Rule            string             `json:"rule"`
	InScope         int                `json:"criteria_in_scope"`
	Met             int                `json:"criteria_met"`
	NotMet          []CriterionFinding `json:"not_met"`
	Open            []CriterionFinding `json:"open"`
	Areas           int                `json:"areas_in_scope"`
	AreasNotMet     []string           `json:"areas_not_met"`
}

// CriterionArea is a criterion's series: "CC6" for CC6.1, "A1" for A1.2.
func CriterionArea(ref string) string {
	if i := strings.IndexByte(ref, '.'); i > 0 {
		return ref[:i]
	}
	return ref
}

// areaTitles name the criteria series.
var areaTitles = map[string]string{
	"CC1": "control environment", "CC2": "communication and information", "CC3": "risk assessment",
	"CC4": "monitoring activities", "CC5": "control activities", "CC6": "logical and physical access",
	"CC7": "system operations", "CC8": "change management", "CC9": "risk mitigation",
	"A1": "availability", "C1": "confidentiality", "PI1": "processing integrity",
	"P1": "privacy notice", "P2": "choice and consent", "P3": "collection", "P4": "use, retention and disposal",
	"P5": "access", "P6": "disclosure and notification", "P7": "quality", "P8": "monitoring and enforcement",
}

// AreaTitle names a criteria series, e.g. "CC8 (change management)".
func AreaTitle(area string) string {
	if t, ok := areaTitles[area]; ok {
		return area + " (" + t + ")"
	}
	return area
}

// OpinionOverride returns the auditor's recorded opinion override, if any.
func (w *Workpaper) OpinionOverride(ctx context.Context) (Opinion, string, error) {
	var o, why string
	err := w.db.QueryRowContext(ctx, "SELECT opinion_override, opinion_override_reason FROM engagement WHERE id = 1").Scan(&o, &why)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", fmt.Errorf("%s: %w", w.path, ErrNoEngagement)
	}
	if err != nil {
		return "", "", friendlyDBError(err)
	}
	return Opinion(o), why, nil
}

// ProposeOpinion derives the opinion from the criteria conclusions:
//
//   - every in-scope criterion met → unmodified;
//   - one or more not met (an in-scope criterion no control addresses
//     counts as not met: a design gap) → qualified, naming each criterion
//     with its reason and the exceptions behind it;
//   - not-met criteria pervasive (see PervasiveRule) → adverse.
//
// Criteria still open or at risk are listed, and the draft is not final
// while there are any. A recorded override (SetOpinionOverride) becomes
// the draft's Opinion; Proposed always shows what the conclusions say.
func (w *Workpaper) ProposeOpinion(ctx context.Context) (OpinionDraft, error) {
	concl, err := w.CriteriaConclusions(ctx)
	if err != nil {
		return OpinionDraft{}, err
	}
	exceptions, err := w.Exceptions(ctx)
	if err != nil {
		return OpinionDraft{}, err
	}
	controls, err := w.Controls(ctx)
	if err != nil {
		return OpinionDraft{}, err
	}
	conclusions := map[string]Conclusion{}
	for _, c := range controls {
		ct, err := w.ControlTest(ctx, c.Ref)
		if err != nil {
			return OpinionDraft{}, err
		}
		conclusions[c.Ref] = ct.Conclusion
	}
	j, err := w.OpinionJudgments(ctx)
	if err != nil {
		return OpinionDraft{}, err
	}
	return DraftOpinion(concl, exceptions, conclusions, j), nil
}

// OpinionJudgments reads the override and the pervasiveness judgment.
func (w *Workpaper) OpinionJudgments(ctx context.Context) (OpinionJudgment, error) {
	var j OpinionJudgment
	o, why, err := w.OpinionOverride(ctx)
	if err != nil {
		return j, err
	}
	j.Override, j.OverrideReason = o, why
	if err := w.db.QueryRowContext(ctx, "SELECT pervasive, pervasive_reason FROM engagement WHERE id = 1").Scan(&j.Pervasive, &j.PervasiveReason); err != nil {
		return j, friendlyDBError(err)
	}
	if j.Pervasive != "" {
		w.db.QueryRowContext(ctx, `SELECT user FROM change_log WHERE tbl = 'engagement' AND op = 'update'
			AND (field = 'pervasive' OR (field = '' AND json_type(new_value, '$.pervasive') IS NOT NULL)) ORDER BY seq DESC LIMIT 1`).Scan(&j.PervasiveBy)
	}
	return j, nil
}

// SetPervasiveness records the engagement partner's judgment of whether
// the criteria not met are pervasive, with a reason; only a partner on
// the team records it. An empty judgment removes it.
func (w *Workpaper) SetPervasiveness(ctx context.Context, judgment, reason string) error {
	reason = strings.TrimSpace(reason)
	switch judgment {
	case "", Pervasive, NotPervasive:
	default:
		return fmt.Errorf("unknown judgment %q (pervasive or not-pervasive)", judgment)
	}
	if judgment != "" && reason == "" {
		return hintErrorf("the pervasiveness judgment needs a written reason%s", HintReason)
	}
	e, err := w.Engagement(ctx)
	if err != nil {
		return err
	}
	var me *TeamMember
	var partners []string
	for i, m := range e.Team {
		if m.User != "" && SameUser(m.User, w.user) {
			me = &e.Team[i]
		}
		if LadderRole(m.Role) == RolePartner {
			partners = append(partners, fmt.Sprintf("%s (%s)", m.Name, orDash(m.User)))
		}
	}
	if me == nil || LadderRole(me.Role) != RolePartner {
		who := textf("nobody on the team is a partner%s", HintAddPartner)
		if len(partners) > 0 {
			who = plainText(joinAnd(partners) + " may record it")
		}
		what := w.user + " is not on the team"
		if me != nil {
			what = fmt.Sprintf("%s is on the team as %s", w.user, me.Role)
		}
		return hintErrorf("pervasiveness is the engagement partner's judgment: %s; %s; nothing was recorded", what, who)
	}
	if judgment == "" {
		reason = ""
	}
	return w.write(ctx, func(t *txn) error {
		_, err := t.update("engagement", e.UUID, 0, "the engagement", field{"pervasive", judgment}, field{"pervasive_reason", reason})
		return err
	})
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// DraftOpinion is ProposeOpinion for callers that already hold the
// criteria conclusions, the exceptions, each control's recorded
// conclusion (by control reference) and the override: it reads nothing.
func DraftOpinion(concl []CriterionConclusion, exceptions []Exception, conclusions map[string]Conclusion, j OpinionJudgment) OpinionDraft {
	d := OpinionDraft{Rule: PervasiveRule, NotMet: []CriterionFinding{}, Open: []CriterionFinding{}, AreasNotMet: []string{},
		Override: j.Override, OverrideReason: j.OverrideReason, Pervasiveness: j.Pervasive, PervasiveReason: j.PervasiveReason, PervasiveBy: j.PervasiveBy}
	areas := map[string]bool{}
	areasNotMet := map[string]bool{}
	for _, c := range concl {
		if !c.InScope {
			continue
		}
		d.InScope++
		area := CriterionArea(c.Ref)
		areas[area] = true
		f := CriterionFinding{Ref: c.Ref, Category: c.Category, Area: area, Title: c.Title, Status: c.Status, Reason: c.Reason,
			Overridden: c.Override != "", Controls: c.Controls, NotEffective: []string{}, Exceptions: []ExceptionRef{}}
		if f.Controls == nil {
			f.Controls = []string{}
		}
		if f.Overridden {
			f.Reason = "overridden by the auditor: " + c.OverrideReason
		}
		switch c.Status {
		case CriterionMet:
			d.Met++
			continue
		case CriterionGap:
			f.Reason = "no control addresses this criterion (a design gap): map a control to it or override its conclusion"
		case CriterionNotMet, CriterionOpen, CriterionAtRisk:
		default:
			continue
		}
		mapped := map[string]bool{}
		for _, ref := range c.Controls {
			mapped[ref] = true
			if conclusions[ref] == NotEffective {
				f.NotEffective = append(f.NotEffective, ref)
			}
		}
		for _, x := range exceptions {
			if mapped[x.ControlRef] || slices.Contains(x.CriteriaAffected, c.Ref) {
				wording := x.ReportWording
				if wording == "" {
					wording = x.Description
				}
				f.Exceptions = append(f.Exceptions, ExceptionRef{Ref: x.Ref, ControlRef: x.ControlRef, WPRef: x.WPRef,
					Evaluation: x.Evaluation, Wording: wording})
			}
		}
		f.Basis = FindingBasis(f, "")
		if c.Status == CriterionOpen || c.Status == CriterionAtRisk {
			d.Open = append(d.Open, f)
		} else {
			areasNotMet[area] = true
			d.NotMet = append(d.NotMet, f)
		}
	}
	d.Areas = len(areas)
	for a := range areasNotMet {
		d.AreasNotMet = append(d.AreasNotMet, a)
	}
	sort.Slice(d.AreasNotMet, func(i, j int) bool { return areaOrder(d.AreasNotMet[i]) < areaOrder(d.AreasNotMet[j]) })
	d.Final = len(d.Open) == 0
	n := len(d.NotMet)
	refsOf := func(fs []CriterionFinding, most int) string {
		refs := make([]string, 0, len(fs))
		for i, f := range fs {
			if i == most {
				refs = append(refs, fmt.Sprintf("%d more", len(fs)-most))
				break
			}
			refs = append(refs, f.Ref)
		}
		return joinAnd(refs)
	}
	switch {
	case n == 0 && d.Final:
		d.Proposed = OpinionUnmodified
		d.Reason = fmt.Sprintf("Unmodified: all %d in-scope criteria are met.", d.InScope)
	case n == 0:
		d.Proposed, d.Likely = OpinionPending, true
		d.Reason = fmt.Sprintf("Not yet determined: no criterion is concluded not met, but %d of %d in-scope criteria are still open (%s), and the opinion is unmodified only when every one is met.",
			len(d.Open), d.InScope, refsOf(d.Open, 5))
	default:
		var why []string
		for _, f := range d.NotMet {
			why = append(why, f.Ref+" ("+f.Reason+")")
		}
		what := fmt.Sprintf("%s %s not met: %s", refsOf(d.NotMet, 10), plural(n, "is", "are"), strings.Join(why, "; "))
		switch d.Pervasiveness {
		case Pervasive:
			d.Proposed, d.Pervasive = OpinionAdverse, true
			d.Reason = fmt.Sprintf("Adverse: %s; the partner (%s) judged this pervasive: %s.", what, orDash(d.PervasiveBy), d.PervasiveReason)
		case NotPervasive:
			d.Proposed = OpinionQualified
			d.Reason = fmt.Sprintf("Qualified: %s; the partner (%s) judged this not pervasive: %s.", what, orDash(d.PervasiveBy), d.PervasiveReason)
		default:
			d.Proposed, d.Likely = OpinionQualified, true
			d.Reason = fmt.Sprintf("Qualified (likely): %s; whether this is pervasive (adverse) awaits the partner's judgment.", what)
		}
		if !d.Final {
			d.Likely = true
			d.Reason = strings.TrimSuffix(d.Reason, ".") + fmt.Sprintf("; %d criteria are still open.", len(d.Open))
		}
	}
	d.Opinion = d.Proposed
	if d.Override != "" {
		d.Opinion = d.Override
	}
	return d
}

// FindingBasis is a criterion's basis-for-modification paragraph in
// report language: what the description lacks (a design gap) or that the
// controls did not provide reasonable assurance, followed by each
// exception's report wording. text is the criterion's text (the firm's
// imported text); empty means the finding's title. Internal reasons
// (override reasons, tool advice) never appear in it.
func FindingBasis(f CriterionFinding, text string) string {
	text = strings.TrimSpace(text)
	if text == "" {
		text = f.Title
	}
	crit := "criterion " + f.Ref
	if text != "" {
		crit += " (" + strings.TrimSuffix(text, ".") + ")"
	}
	var b strings.Builder
	if f.Status == CriterionGap {
		b.WriteString("The description does not include controls that address " + crit + ".")
	} else {
		b.WriteString("The controls stated in the description did not provide reasonable assurance that " + crit + " would be met.")
	}
	seen := map[string]bool{}
	for _, x := range f.Exceptions {
		w := strings.TrimSpace(x.Wording)
		if w == "" || seen[w] {
			continue
		}
		seen[w] = true
		if !strings.HasSuffix(w, ".") {
			w += "."
		}
		b.WriteString(" " + w)
	}
	return b.String()
}

// SetOpinionOverride records the auditor's opinion in place of the proposed
// one; it needs a written reason. An empty opinion removes the override
// (the reason, if given, is logged with the removal).
func (w *Workpaper) SetOpinionOverride(ctx context.Context, o Opinion, reason string) error {
	reason = strings.TrimSpace(reason)
	if o != "" {
		p, err := ParseOpinion(string(o))
		if err != nil {
			return err
		}
		o = p
		if reason == "" {
			return &InputError{Msg: "an opinion override needs a written reason", Input: InputReason}
		}
	}
	return w.write(ctx, func(t *txn) error {
		var id string
		if err := t.tx.QueryRowContext(ctx, "SELECT uuid FROM engagement WHERE id = 1").Scan(&id); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return ErrNoEngagement
			}
			return err
		}
		stored := reason
		if o == "" {
			stored = ""
		}
		changed, err := t.update("engagement", id, 0, "the engagement", field{"opinion_override", string(o)}, field{"opinion_override_reason", stored})
		if err != nil {
			return err
		}
		if changed && o == "" && reason != "" {
			return t.event("engagement", id, "opinion override removed: "+reason)
		}
		return nil
	})
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// joinAnd joins items as prose: "a", "a and b", "a, b and c".
func joinAnd(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// areaOrder sorts criteria series in report order.
func areaOrder(area string) int {
	for i, c := range Catalog {
		if CriterionArea(c.ID) == area {
			return i
		}
	}
	return len(Catalog)
}
