package export

import (
	_ "embed"
	"fmt"
	"strings"
	"text/template"
	"time"

	"github.com/fieldwork-audit/fieldwork/model"
)

// DefaultTemplate is the built-in opinion-draft template, in fieldwork's
// own words. A firm replaces it with its own (--template FILE).
//
//go:embed templates/opinion-draft.tmpl
var DefaultTemplate string

// Template is a parsed opinion-draft template.
type Template struct{ t *template.Template }

// ParseTemplate parses an opinion-draft template; empty text means
// DefaultTemplate. The placeholders are the fields of TemplateData.
func ParseTemplate(text string) (*Template, error) {
	if strings.TrimSpace(text) == "" {
		text = DefaultTemplate
	}
	t, err := template.New("opinion draft").Option("missingkey=error").Funcs(template.FuncMap{
		"join": func(sep string, items []string) string { return strings.Join(items, sep) },
	}).Parse(text)
	if err != nil {
		return nil, fmt.Errorf("opinion template: %w", err)
	}
	return &Template{t}, nil
}

// TemplateCriterion is a criterion named in the draft.
type TemplateCriterion struct {
	// Reason is the internal reason (an override's reason, tool advice):
	// for working notes only; Basis is the report's basis-for-modification
	// text (the criterion's text and its exceptions' report wording).
	ID, Title, Status, Reason, Basis string
	Controls                         []string
	// Exceptions are the report wordings of the exceptions behind it.
	Exceptions []string
}

// TemplateData holds the placeholders of an opinion-draft template.
type TemplateData struct {
	Client, System, Firm string
	ReportType           string // "Type I" or "Type II"
	TypeII               bool
	// Period is "October 1, 2025 to September 30, 2026" (Type II) or the
	// as-of date (Type I); PeriodStart, PeriodEnd and AsOf the dates alone.
	Period, PeriodStart, PeriodEnd, AsOf string
	// During is "throughout the period October 1, 2025 to September 30,
	// 2026" (Type II) or "as of September 30, 2026" (Type I).
	During string
	// Complementary is the opinion's complementary-controls clause, e.g.
	// ", if the complementary user entity controls and the complementary
	// subservice organization controls assumed in the design of the
	// controls operated effectively" ("" when the engagement has none).
	Complementary string
	// Categories in scope as prose: "security, availability and confidentiality".
	Categories string
	// Opinion is the draft's opinion ("qualified"), OpinionTitle
	// ("Qualified opinion"), OpinionLower ("qualified opinion"); the flags
	// say which one it is.
	Opinion, OpinionTitle, OpinionLower        string
	Unmodified, Qualified, Adverse, Disclaimer bool
	Proposed, ProposedLower                    string
	Overridden                                 bool
	OverrideReason                             string
	Final                                      bool // no criterion still open
	NotMet, Open                               []TemplateCriterion
	NotMetList, OpenList                       string // "CC6.2 and CC8.1"
	CarvedOut, Inclusive                       string // subservice organizations by method, as prose
	HasCUECs, HasCSOCs                         bool
	ExportDate                                 string // "November 2, 2026"
	// ReportDate is the report date as a report prints it; empty until the
	// engagement records one ('fieldwork engagement --report-date'), and
	// the default template then says so in a working note, not a date.
	ReportDate              string
	ReportDue, FieldworkEnd string
}

// Paragraphs runs the template and splits its output into paragraphs on
// blank lines, dropping empty ones.
func (t *Template) Paragraphs(d TemplateData) ([]string, error) {
	var b strings.Builder
	if err := t.t.Execute(&b, d); err != nil {
		return nil, fmt.Errorf("opinion template: %w", err)
	}
	var out []string
	for _, p := range strings.Split(strings.ReplaceAll(b.String(), "\r\n", "\n"), "\n\n") {
		lines := strings.Split(p, "\n")
		for i := range lines {
			lines[i] = strings.TrimSpace(lines[i])
		}
		if p = strings.TrimSpace(strings.Join(lines, "\n")); p != "" {
			out = append(out, p)
		}
	}
	return out, nil
}

const longDate = "January 2, 2006"

func fmtLong(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(longDate)
}

func joinAnd(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

func categoryWords(e *model.Engagement) string {
	var cs []string
	for _, c := range model.Categories {
		if e.InScope(c) {
			cs = append(cs, strings.ReplaceAll(string(c), "-", " "))
		}
	}
	return joinAnd(cs)
}

// templateData fills the placeholders; critText is the firm's criterion
// text by reference, when imported (nil or missing: fieldwork's titles).
func templateData(e *model.Engagement, d model.OpinionDraft, critText map[string]string, now time.Time) TemplateData {
	td := TemplateData{Client: e.Client, System: e.System, Firm: e.Firm, ReportType: e.Type.String(), TypeII: e.Type == model.TypeII,
		PeriodStart: fmtLong(e.From), PeriodEnd: fmtLong(e.To), AsOf: fmtLong(e.AsOf), Categories: categoryWords(e),
		Opinion: string(d.Opinion), OpinionTitle: d.Opinion.Title(), OpinionLower: strings.ToLower(d.Opinion.Title()),
		Proposed: string(d.Proposed), ProposedLower: strings.ToLower(d.Proposed.Title()),
		Unmodified: d.Opinion == model.OpinionUnmodified, Qualified: d.Opinion == model.OpinionQualified,
		Adverse: d.Opinion == model.OpinionAdverse, Disclaimer: d.Opinion == model.OpinionDisclaimer,
		Overridden: d.Override != "", OverrideReason: d.OverrideReason, Final: d.Final,
		HasCUECs: len(e.CUECs()) > 0, HasCSOCs: len(e.CSOCs()) > 0, ExportDate: fmtLong(now),
		ReportDue: fmtLong(e.ReportDue), FieldworkEnd: fmtLong(e.FieldworkEnd), ReportDate: fmtLong(e.ReportDate)}
	if td.TypeII {
		td.Period = td.PeriodStart + " to " + td.PeriodEnd
	} else {
		td.Period = td.AsOf
	}
	if td.TypeII {
		td.During = "throughout the period " + td.Period
	} else {
		td.During = "as of " + td.Period
	}
	var comp []string
	if td.HasCUECs {
		comp = append(comp, "the complementary user entity controls")
	}
	if td.HasCSOCs {
		comp = append(comp, "the complementary subservice organization controls")
	}
	if len(comp) > 0 {
		verb := "were suitably designed"
		if td.TypeII {
			verb = "operated effectively"
		}
		td.Complementary = ", if " + joinAnd(comp) + " assumed in the design of " + e.Client + "'s controls " + verb + " " + td.During
	}
	conv := func(fs []model.CriterionFinding) ([]TemplateCriterion, string) {
		out := []TemplateCriterion{}
		var ids []string
		for _, f := range fs {
			tc := TemplateCriterion{ID: f.Ref, Title: f.Title, Status: string(f.Status), Reason: strings.TrimSuffix(f.Reason, "."),
				Basis: model.FindingBasis(f, critText[f.Ref]), Controls: f.Controls, Exceptions: []string{}}
			for _, x := range f.Exceptions {
				tc.Exceptions = append(tc.Exceptions, x.Wording)
			}
			out = append(out, tc)
			ids = append(ids, f.Ref)
		}
		return out, joinAnd(ids)
	}
	td.NotMet, td.NotMetList = conv(d.NotMet)
	td.Open, td.OpenList = conv(d.Open)
	var carved, incl []string
	for _, s := range e.Subservice {
		if s.Method == model.Inclusive {
			incl = append(incl, s.Name)
		} else {
			carved = append(carved, s.Name)
		}
	}
	td.CarvedOut, td.Inclusive = joinAnd(carved), joinAnd(incl)
	return td
}
