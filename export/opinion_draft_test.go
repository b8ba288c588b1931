package export

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fieldwork-audit/fieldwork/model"
	"github.com/xuri/excelize/v2"
)

// draftParagraphs reads the opinion sheet back and returns the text below
// the "Draft paragraphs" heading: what the report writer pastes.
func draftParagraphs(t *testing.T, path string) string {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rs, err := f.GetRows(SheetOpinion)
	if err != nil {
		t.Fatal(err)
	}
	i, _ := findRow(rs, "Draft paragraphs")
	if i < 0 {
		t.Fatal("no Draft paragraphs heading on the opinion sheet")
	}
	var b strings.Builder
	for _, r := range rs[i+1:] {
		b.WriteString(strings.Join(r, " ") + "\n")
	}
	return b.String()
}

// TestOpinionDraftVariants exports the demo with each opinion and reads the
// draft paragraphs back: the opening, the period, the subservice and
// complementary-controls clauses in every variant, and a basis paragraph in
// report language (no override reasons, no tool advice).
func TestOpinionDraftVariants(t *testing.T) {
	path := copyDemo(t)
	w := openWP(t, path, false)
	ctx := context.Background()
	e, err := w.Engagement(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(e.CUECs()) == 0 || len(e.CSOCs()) == 0 || len(e.Subservice) == 0 {
		t.Fatalf("the demo should have CUECs, CSOCs and a carved-out subservice organization: %d, %d, %v", len(e.CUECs()), len(e.CSOCs()), e.Subservice)
	}
	const during = "throughout the period October 1, 2025 to September 30, 2026"
	internal := []string{"overridden by the auditor", "map a control to it", "override its conclusion", "design gap", "Note for the file"}
	for _, o := range []model.Opinion{"", model.OpinionQualified, model.OpinionAdverse, model.OpinionDisclaimer, model.OpinionUnmodified} {
		name := string(o)
		if o == "" {
			name = "proposed"
		}
		t.Run(name, func(t *testing.T) {
			if o != "" {
				if err := w.SetOpinionOverride(ctx, o, "Engagement team decision recorded for the test: secret-internal-reason"); err != nil {
					t.Fatal(err)
				}
			}
			opt := testOptions(filepath.Join(t.TempDir(), "draft.xlsx"))
			opt.Sections = []Section{SectionOpinion}
			if _, err := Write(ctx, w, opt, nil); err != nil {
				t.Fatal(err)
			}
			text := draftParagraphs(t, opt.Path)
			opening := "We have examined Harborview Payroll, Inc.'s description"
			if o == model.OpinionDisclaimer {
				opening = "We were engaged to examine Harborview Payroll, Inc.'s description"
			} else if strings.Contains(text, "We were engaged to examine") {
				t.Errorf("%s: disclaimer wording in a non-disclaimer draft", name)
			}
			if !strings.Contains(text, opening) {
				t.Errorf("%s: draft does not open %q:\n%s", name, opening, text)
			}
			i := strings.Index(text, "\nOpinion\n")
			if i < 0 {
				t.Fatalf("%s: no Opinion heading:\n%s", name, text)
			}
			op := text[i:]
			op = op[:strings.Index(op, "Restricted use")]
			for _, want := range []string{during, "complementary user entity controls", "complementary subservice organization controls"} {
				if !strings.Contains(op, want) {
					t.Errorf("%s: the opinion paragraph lacks %q:\n%s", name, want, op)
				}
			}
			for _, want := range []string{"uses Stratus Cloud Services", "complementary user entity controls that", "complementary subservice organization controls that"} {
				if !strings.Contains(text, want) {
					t.Errorf("%s: the draft lacks %q", name, want)
				}
			}
			for _, bad := range append(internal, "secret-internal-reason") {
				if strings.Contains(text, bad) {
					t.Errorf("%s: the draft prints internal text %q:\n%s", name, bad, text)
				}
			}
			switch o {
			case model.OpinionDisclaimer:
				if !strings.Contains(text, "Basis for disclaimer of opinion") || strings.Contains(text, "did not provide reasonable assurance that criterion") {
					t.Errorf("disclaimer: the basis must be its own, not the not-met basis:\n%s", text)
				}
			case model.OpinionUnmodified:
			default:
				if !strings.Contains(text, "The controls stated in the description did not provide reasonable assurance that criterion CC8.1") {
					t.Errorf("%s: no report-language basis for CC8.1:\n%s", name, text)
				}
			}
		})
	}
}

// TestOpinionDraftTypeI renders the default template for a Type I
// engagement: the as-of date in the opinion, no period.
func TestOpinionDraftTypeI(t *testing.T) {
	w := openWP(t, demoPath, true)
	e, err := w.Engagement(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	e.Type, e.AsOf = model.TypeI, time.Date(2026, 9, 30, 0, 0, 0, 0, time.UTC)
	tmpl, _ := ParseTemplate("")
	for _, o := range []model.Opinion{model.OpinionUnmodified, model.OpinionQualified, model.OpinionAdverse, model.OpinionDisclaimer} {
		paras, err := tmpl.Paragraphs(templateData(e, model.OpinionDraft{Proposed: o, Opinion: o, Final: true,
			NotMet: []model.CriterionFinding{{Ref: "CC8.1", Title: "Change management", Status: model.CriterionNotMet, Reason: "overridden by the auditor: x",
				Exceptions: []model.ExceptionRef{{Wording: "For 2 of 25 sampled changes, approval was recorded after deployment"}}}}},
			map[string]string{"CC8.1": "The entity authorizes and manages changes"}, exportClock))
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Join(paras, "\n")
		var op string
		for i, p := range paras {
			if p == "## Opinion" {
				op = paras[i+1]
			}
		}
		if !strings.Contains(op, "as of September 30, 2026") || strings.Contains(text, "throughout the period") || strings.Contains(text, "operated effectively throughout") {
			t.Errorf("%s Type I: %q", o, op)
		}
		if strings.Contains(text, "overridden by the auditor") {
			t.Errorf("%s: internal reason printed", o)
		}
		if o == model.OpinionQualified && !strings.Contains(text, "criterion CC8.1 (The entity authorizes and manages changes) would be met. For 2 of 25 sampled changes, approval was recorded after deployment.") {
			t.Errorf("qualified basis: %s", text)
		}
	}
}

// TestCoverCountsAgreeWithTheOpinion reads the cover back from a workpaper
// with design gaps: its "Not met" count is the opinion's count of criteria
// not met, and the opinion sheet's labels fit their column (no word broken).
func TestCoverCountsAgreeWithTheOpinion(t *testing.T) {
	w, _ := hostileWorkpaper(t)
	ctx := context.Background()
	op, err := w.ProposeOpinion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	gaps := 0
	for _, f := range op.NotMet {
		if f.Status == model.CriterionGap {
			gaps++
		}
	}
	if gaps == 0 || len(op.NotMet) == 0 {
		t.Fatalf("the hostile workpaper should have design gaps: %d not met, %d gaps", len(op.NotMet), gaps)
	}
	f, _ := exportTo(t, w, testOptions(filepath.Join(t.TempDir(), "cover.xlsx")))
	rs := rows(t, f, SheetCover)
	if got, want := value(rs, "Not met (gaps included)"), strconv.Itoa(len(op.NotMet)); got != want {
		t.Errorf("cover Not met = %q, the opinion counts %s", got, want)
	}
	if got, want := value(rs, "Met"), strconv.Itoa(op.Met); got != want {
		t.Errorf("cover Met = %q, the opinion counts %s", got, want)
	}
	if got, want := value(rs, "of which gaps (no control)"), strconv.Itoa(gaps); got != want {
		t.Errorf("cover gaps = %q, want %s", got, want)
	}
	width, err := f.GetColWidth(SheetOpinion, "A")
	if err != nil {
		t.Fatal(err)
	}
	for _, label := range []string{"Pervasiveness rule", "Opinion in the draft", "Proposed", "Override"} {
		if width < float64(len(label))+2 {
			t.Errorf("opinion sheet column A is %.0f wide: %q would break mid-word", width, label)
		}
	}
}

// TestOpinionDraftReportDate: with no report date recorded the draft says so
// in a working note and prints no date in its place; with one it prints it.
func TestOpinionDraftReportDate(t *testing.T) {
	tmpl, err := ParseTemplate("")
	if err != nil {
		t.Fatal(err)
	}
	e := &model.Engagement{Client: "Acme", System: "Acme Cloud", Type: model.TypeII, Firm: "Calder & Finch LLP"}
	td := templateData(e, model.OpinionDraft{Opinion: model.OpinionUnmodified, Proposed: model.OpinionUnmodified, Final: true}, nil, time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC))
	paras, err := tmpl.Paragraphs(td)
	if err != nil {
		t.Fatal(err)
	}
	last := paras[len(paras)-1]
	if !strings.Contains(last, "the report date is not recorded") || strings.Contains(last, "November 2, 2026") {
		t.Fatalf("no report date recorded: the last paragraph should be a working note, got %q", last)
	}
	// The engagement's recorded report date is the one the draft prints.
	e.ReportDate = time.Date(2026, 12, 15, 0, 0, 0, 0, time.UTC)
	td = templateData(e, model.OpinionDraft{Opinion: model.OpinionUnmodified, Proposed: model.OpinionUnmodified, Final: true}, nil, time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC))
	if paras, err = tmpl.Paragraphs(td); err != nil {
		t.Fatal(err)
	}
	if last := paras[len(paras)-1]; last != "December 15, 2026" {
		t.Fatalf("the report date should close the draft, got %q", last)
	}
}

// TestProposedTextNoStrayDash: the control sheet's "Proposed conclusion"
// never starts or ends with a dash.
func TestProposedTextNoStrayDash(t *testing.T) {
	for _, c := range [][3]string{
		{"", "no items tested yet", "no items tested yet"},
		{"effective", "", "effective"},
		{"effective", "no deviations in 25 items", "effective — no deviations in 25 items"},
		{"", "", ""},
	} {
		if got := proposedText(c[0], c[1]); got != c[2] {
			t.Errorf("proposedText(%q, %q) = %q, want %q", c[0], c[1], got, c[2])
		}
	}
}
