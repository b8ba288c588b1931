package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/fieldwork-audit/fieldwork/model"
	"github.com/fieldwork-audit/fieldwork/tui"
)

// dateFlag is a flag.Value holding a YYYY-MM-DD date.
type dateFlag struct{ s string }

func (d *dateFlag) String() string { return d.s }
func (d *dateFlag) Set(s string) error {
	if _, err := model.ParseDate(s); err != nil {
		return err
	}
	d.s = s
	return nil
}

func parseCategories(s string) ([]model.Category, error) {
	var out []model.Category
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
		c, ok := model.ParseCategory(p)
		if !ok {
			return nil, usagef("unknown category %q (security, availability, confidentiality, processing-integrity, privacy)", p)
		}
		out = append(out, c)
	}
	return out, nil
}

func runNew(e *env, args []string) error {
	c := commands["new"]
	fs := flags(c)
	client := fs.String("client", "", "service organization (client) name")
	system := fs.String("system", "", "name of the system described in the report")
	typ := fs.Int("type", 0, "report type: 1 (design as of a date) or 2 (design and operating effectiveness over a period)")
	var from, to, asOf, planning, fwStart, fwEnd, due dateFlag
	fs.Var(&from, "from", "start of the period (Type II), YYYY-MM-DD")
	fs.Var(&to, "to", "end of the period (Type II), YYYY-MM-DD")
	fs.Var(&asOf, "as-of", "the date the description is as of (Type I), YYYY-MM-DD; the report date is set later with 'fieldwork engagement --report-date'")
	cats := fs.String("categories", "security", "categories in scope, comma-separated; security is always in scope")
	firm := fs.String("firm", "", "service auditor (CPA firm)")
	fs.Var(&planning, "planning", "planning date")
	fs.Var(&fwStart, "fieldwork-start", "fieldwork start date")
	fs.Var(&fwEnd, "fieldwork-end", "fieldwork end date")
	fs.Var(&due, "report-due", "report due date")
	userFlag := fs.String("user", "", "name recorded on changes (default $FIELDWORK_USER, then the OS user)")
	pos, err := parse(e, c, fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 1, "FILE"); err != nil {
		return err
	}
	// Nothing but the file, in a terminal: the workbench asks for the rest.
	if fs.NFlag() == 0 || (fs.NFlag() == 1 && *userFlag != "") {
		if in, out, ok := terminal(e); ok {
			if _, err := os.Lstat(pos[0]); err == nil {
				return fmt.Errorf("%s: %w; choose another name or remove it first", pos[0], model.ErrExists)
			}
			return tui.RunNew(pos[0], resolveUser(e, *userFlag), tui.Options{Theme: "auto", Mouse: true, Input: in, Output: out, Version: version})
		}
	}
	categories, err := parseCategories(*cats)
	if err != nil {
		return err
	}
	n := model.NewEngagement{
		Client: *client, System: *system, Type: model.ReportType(*typ),
		From: date(from), To: date(to), AsOf: date(asOf), Categories: categories, Firm: *firm,
		PlanningDate: date(planning), FieldworkStart: date(fwStart), FieldworkEnd: date(fwEnd), ReportDue: date(due),
	}
	if err := n.Validate(); err != nil {
		return usageError{err.Error()}
	}
	w, err := model.Create(pos[0], model.Options{User: resolveUser(e, *userFlag), OnKeyCreated: keyCreatedNotice(e)})
	if err != nil {
		return err
	}
	defer w.Close()
	if err := w.CreateEngagement(context.Background(), n); err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	fmt.Fprintf(e.stdout, "created %s: %s — %s, %s %s\nnext: fieldwork controls import %s MATRIX.csv|.xlsx\n",
		pos[0], n.Client, n.System, n.Type, periodText(n), pos[0])
	return nil
}

func periodText(n model.NewEngagement) string {
	if n.Type == model.TypeI {
		return "as of " + n.AsOf.Format(model.DateLayout)
	}
	return n.From.Format(model.DateLayout) + " to " + n.To.Format(model.DateLayout)
}

func date(d dateFlag) (t time.Time) {
	t, _ = model.ParseDate(d.s)
	return t
}

// openWorkpaper opens FILE for a command, read-only when the command only reads.
// A one-shot command is not an editing session, but a writing one says
// who else is editing the file (cmd_team.go).
func openWorkpaper(e *env, path, userFlag string, readOnly bool) (*model.Workpaper, error) {
	w, err := model.Open(path, model.Options{User: resolveUser(e, userFlag), ReadOnly: readOnly, NoSession: true, OnKeyCreated: keyCreatedNotice(e)})
	if err == nil {
		noteOpen(e, w)
	}
	return w, err
}

// engagementJSON is the documented JSON shape of "fieldwork show --json".
type engagementJSON struct {
	UUID           string              `json:"uuid"`
	Client         string              `json:"client"`
	System         string              `json:"system"`
	Type           int                 `json:"type"`
	PeriodFrom     string              `json:"period_from,omitempty"`
	PeriodTo       string              `json:"period_to,omitempty"`
	AsOf           string              `json:"as_of,omitempty"`
	Categories     []model.Category    `json:"categories"`
	Firm           string              `json:"firm"`
	PlanningDate   string              `json:"planning_date,omitempty"`
	FieldworkStart string              `json:"fieldwork_start,omitempty"`
	FieldworkEnd   string              `json:"fieldwork_end,omitempty"`
	ReportDue      string              `json:"report_due,omitempty"`
	ReportDate     string              `json:"report_date,omitempty"`
	ReleaseDate    string              `json:"release_date,omitempty"`
	CompletionDue  string              `json:"completion_deadline,omitempty"`
	Team           []map[string]string `json:"team"`
	Subservice     []map[string]string `json:"subservice_organizations"`
	CUECs          []complementaryJSON `json:"cuecs"`
	CSOCs          []complementaryJSON `json:"csocs"`
}

type complementaryJSON struct {
	Ref        string   `json:"ref"`
	Text       string   `json:"text"`
	Criteria   []string `json:"criteria"`
	Subservice string   `json:"subservice,omitempty"`
}

func fmtDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(model.DateLayout)
}

func runShow(e *env, args []string) error {
	c := commands["show"]
	fs := flags(c)
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parse(e, c, fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 1, "FILE"); err != nil {
		return err
	}
	w, err := openWorkpaper(e, pos[0], "", true)
	if err != nil {
		return err
	}
	defer w.Close()
	eng, err := w.Engagement(context.Background())
	if err != nil {
		return err
	}
	if *asJSON {
		j := engagementJSON{UUID: eng.UUID, Client: eng.Client, System: eng.System, Type: int(eng.Type),
			PeriodFrom: fmtDate(eng.From), PeriodTo: fmtDate(eng.To), AsOf: fmtDate(eng.AsOf), Categories: eng.Categories,
			Firm: eng.Firm, PlanningDate: fmtDate(eng.PlanningDate), FieldworkStart: fmtDate(eng.FieldworkStart),
			FieldworkEnd: fmtDate(eng.FieldworkEnd), ReportDue: fmtDate(eng.ReportDue),
			ReportDate: fmtDate(eng.ReportDate), ReleaseDate: fmtDate(eng.ReleaseDate), CompletionDue: fmtDate(eng.CompletionDeadline),
			Team: []map[string]string{}, Subservice: []map[string]string{}, CUECs: []complementaryJSON{}, CSOCs: []complementaryJSON{}}
		for _, m := range eng.Team {
			j.Team = append(j.Team, map[string]string{"name": m.Name, "role": string(m.Role), "email": m.Email, "user": m.User})
		}
		for _, s := range eng.Subservice {
			j.Subservice = append(j.Subservice, map[string]string{"name": s.Name, "services": s.Services, "method": string(s.Method)})
		}
		for _, x := range eng.CUECs() {
			j.CUECs = append(j.CUECs, complementaryJSON{x.Ref, x.Text, nonNil(x.Criteria), ""})
		}
		for _, x := range eng.CSOCs() {
			j.CSOCs = append(j.CSOCs, complementaryJSON{x.Ref, x.Text, nonNil(x.Criteria), x.Subservice})
		}
		return printJSON(e.stdout, j)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "Client\t%s\nSystem\t%s\nReport\tSOC 2 %s, %s\nCategories\t%s\n", clean(eng.Client), clean(eng.System), eng.Type, eng.Period(), joinCats(eng.Categories))
	fmt.Fprintf(tw, "Service auditor\t%s\n", orDash(clean(eng.Firm)))
	fmt.Fprintf(tw, "Key dates\tplanning %s · fieldwork %s to %s · report due %s\n",
		orDash(fmtDate(eng.PlanningDate)), orDash(fmtDate(eng.FieldworkStart)), orDash(fmtDate(eng.FieldworkEnd)), orDash(fmtDate(eng.ReportDue)))
	fmt.Fprintf(tw, "Report\t%s\n", endDates(eng))
	tw.Flush()
	fmt.Fprintln(e.stdout, "\nTeam:")
	for _, m := range eng.Team {
		fmt.Fprintf(e.stdout, "  %-28s %s\n", clean(m.Name), m.Role)
	}
	fmt.Fprintln(e.stdout, "\nSubservice organizations:")
	for _, s := range eng.Subservice {
		fmt.Fprintf(e.stdout, "  %-28s %-10s %s\n", clean(s.Name), s.Method, clean(s.Services))
	}
	fmt.Fprintln(e.stdout, "\nComplementary user entity controls (CUECs):")
	for _, x := range eng.CUECs() {
		fmt.Fprintf(e.stdout, "  %-8s %s [%s]\n", clean(x.Ref), clean(x.Text), strings.Join(x.Criteria, ", "))
	}
	fmt.Fprintln(e.stdout, "\nComplementary subservice organization controls (CSOCs):")
	for _, x := range eng.CSOCs() {
		fmt.Fprintf(e.stdout, "  %-8s %s (%s) [%s]\n", clean(x.Ref), clean(x.Text), clean(x.Subservice), strings.Join(x.Criteria, ", "))
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func joinCats(cs []model.Category) string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = string(c)
	}
	return strings.Join(s, ", ")
}

func runTeamAdd(e *env, args []string) error {
	c := commands["team add"]
	fs := flags(c)
	name := fs.String("name", "", "person's name")
	role := fs.String("role", "", "staff, senior, manager, partner, eqr (preparer and reviewer mean staff and senior; specialist signs nothing)")
	email := fs.String("email", "", "e-mail address")
	userFlag := fs.String("user", "", "name recorded on the change")
	login := fs.String("login", "", "the fieldwork user name the member works and signs as")
	key := fs.String("key", "", "the member's public key, as 'fieldwork key show' prints it (ed25519:… or an ssh-ed25519 line)")
	pos, err := parse(e, c, fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 1, "FILE"); err != nil {
		return err
	}
	if *name == "" || *role == "" {
		return usagef("--name and --role are required")
	}
	if *key != "" && *login == "" {
		return usagef("--key needs --login: the user name the member signs as")
	}
	w, err := openWorkpaper(e, pos[0], *userFlag, false)
	if err != nil {
		return err
	}
	defer w.Close()
	if err := w.AddTeamMember(context.Background(), model.TeamMember{Name: *name, Role: model.Role(*role), Email: *email, User: *login, PublicKey: *key}); err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	fmt.Fprintf(e.stdout, "added %s (%s) to the team\n", *name, *role)
	return nil
}

func runSubserviceAdd(e *env, args []string) error {
	c := commands["subservice add"]
	fs := flags(c)
	name := fs.String("name", "", "subservice organization's name")
	method := fs.String("method", "", "carve-out or inclusive")
	services := fs.String("services", "", "services it provides")
	userFlag := fs.String("user", "", "name recorded on the change")
	pos, err := parse(e, c, fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 1, "FILE"); err != nil {
		return err
	}
	if *name == "" || *method == "" {
		return usagef("--name and --method are required")
	}
	w, err := openWorkpaper(e, pos[0], *userFlag, false)
	if err != nil {
		return err
	}
	defer w.Close()
	if err := w.AddSubserviceOrg(context.Background(), model.SubserviceOrg{Name: *name, Method: model.SubserviceMethod(*method), Services: *services}); err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	fmt.Fprintf(e.stdout, "added subservice organization %s (%s)\n", *name, *method)
	return nil
}

func runComplementaryAdd(e *env, args []string, kind model.ComplementaryKind) error {
	c := commands[string(kind)+" add"]
	fs := flags(c)
	ref := fs.String("ref", "", "reference, e.g. CUEC-01")
	text := fs.String("text", "", "the control as the report states it")
	crit := fs.String("criteria", "", "criteria it supports, comma-separated")
	sub := fs.String("subservice", "", "the subservice organization (CSOCs)")
	userFlag := fs.String("user", "", "name recorded on the change")
	pos, err := parse(e, c, fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 1, "FILE"); err != nil {
		return err
	}
	if *ref == "" || *text == "" {
		return usagef("--ref and --text are required")
	}
	if kind == model.CSOC && *sub == "" {
		return usagef("--subservice is required for a CSOC")
	}
	w, err := openWorkpaper(e, pos[0], *userFlag, false)
	if err != nil {
		return err
	}
	defer w.Close()
	cc := model.ComplementaryControl{Kind: kind, Ref: *ref, Text: *text, Subservice: *sub}
	for _, p := range strings.FieldsFunc(*crit, func(r rune) bool { return r == ',' || r == ';' }) {
		cc.Criteria = append(cc.Criteria, strings.TrimSpace(p))
	}
	if err := w.AddComplementaryControl(context.Background(), cc); err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	fmt.Fprintf(e.stdout, "added %s %s\n", strings.ToUpper(string(kind)), *ref)
	return nil
}

// endDates is the report date, release and completion deadline in words.
func endDates(eng *model.Engagement) string {
	return fmt.Sprintf("report date %s · released %s · completion deadline %s",
		orDash(fmtDate(eng.ReportDate)), orDash(fmtDate(eng.ReleaseDate)), orDash(fmtDate(eng.CompletionDeadline)))
}

// engagementDatesJSON is the JSON shape of "fieldwork engagement --json".
type engagementDatesJSON struct {
	Type               int    `json:"type"`
	PeriodFrom         string `json:"period_from,omitempty"`
	PeriodTo           string `json:"period_to,omitempty"`
	DescriptionAsOf    string `json:"description_as_of,omitempty"`
	FieldworkEnd       string `json:"fieldwork_end,omitempty"`
	ReportDue          string `json:"report_due,omitempty"`
	ReportDate         string `json:"report_date,omitempty"`
	ReleaseDate        string `json:"release_date,omitempty"`
	CompletionDeadline string `json:"completion_deadline,omitempty"`
}

// runEngagement sets the end-of-engagement dates and prints every date.
func runEngagement(e *env, args []string) error {
	c := commands["engagement"]
	fs := flags(c)
	var fwEnd, report, deadline dateFlag
	fs.Var(&fwEnd, "fieldwork-end", "fieldwork end date, YYYY-MM-DD")
	fs.Var(&report, "report-date", "the date of the service auditor's opinion, YYYY-MM-DD: not before fieldwork ended, not in the future")
	fs.Var(&deadline, "completion-deadline", "after release: the firm's documentation-completion deadline, at most 60 days after release")
	asJSON := fs.Bool("json", false, "print JSON")
	userFlag := fs.String("user", "", "name recorded on the change")
	pos, err := parse(e, c, fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 1, "FILE"); err != nil {
		return err
	}
	writes := fwEnd.s != "" || report.s != "" || deadline.s != ""
	w, err := openWorkpaper(e, pos[0], *userFlag, !writes)
	if err != nil {
		return err
	}
	defer w.Close()
	ctx := context.Background()
	if fwEnd.s != "" {
		eng, err := w.Engagement(ctx)
		if err != nil {
			return err
		}
		if err := w.UpdateEngagementDates(ctx, eng.Version, eng.Firm, eng.PlanningDate, eng.FieldworkStart, date(fwEnd), eng.ReportDue); err != nil {
			return fmt.Errorf("%s: %w", pos[0], err)
		}
	}
	if report.s != "" {
		if err := w.SetReportDate(ctx, date(report)); err != nil {
			return fmt.Errorf("%s: %w", pos[0], err)
		}
	}
	if deadline.s != "" {
		if err := w.SetCompletionDeadline(ctx, date(deadline)); err != nil {
			return fmt.Errorf("%s: %w", pos[0], err)
		}
	}
	eng, err := w.Engagement(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		j := engagementDatesJSON{Type: int(eng.Type), PeriodFrom: fmtDate(eng.From), PeriodTo: fmtDate(eng.To),
			DescriptionAsOf: fmtDate(eng.AsOf), FieldworkEnd: fmtDate(eng.FieldworkEnd), ReportDue: fmtDate(eng.ReportDue),
			ReportDate: fmtDate(eng.ReportDate), ReleaseDate: fmtDate(eng.ReleaseDate), CompletionDeadline: fmtDate(eng.CompletionDeadline)}
		return printJSON(e.stdout, j)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	if eng.Type == model.TypeI {
		fmt.Fprintf(tw, "Description as of\t%s\n", fmtDate(eng.AsOf))
	} else {
		fmt.Fprintf(tw, "Period\t%s to %s\n", fmtDate(eng.From), fmtDate(eng.To))
	}
	fmt.Fprintf(tw, "Fieldwork end\t%s\nReport due\t%s\nReport date\t%s\nReleased\t%s\nCompletion deadline\t%s\n",
		orDash(fmtDate(eng.FieldworkEnd)), orDash(fmtDate(eng.ReportDue)), orDash(fmtDate(eng.ReportDate)),
		orDash(fmtDate(eng.ReleaseDate)), orDash(fmtDate(eng.CompletionDeadline)))
	return tw.Flush()
}
