package export

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/fieldwork-audit/fieldwork/model"
)

// result is a Result plus the number of progress steps.
type result struct {
	Result
	steps int
}

// control is one control with what every sheet needs of its test.
type control struct {
	c     model.Control
	ct    *model.ControlTest
	ev    *model.TestEvaluation
	pop   *model.Population
	sel   *model.Selection
	excs  []model.Exception
	sheet string // its control test sheet, or "" when it has none
}

// hasWork reports whether a control test has any test work recorded and
// so gets its own sheet: a test of design, procedures, attributes, a plan,
// a population, a sample, a conclusion, a sign-off or an exception.
func (c *control) hasWork() bool {
	ct := c.ct
	return c.ev.State != model.StateNotStarted || ct.DesignProcedure != "" || ct.DesignResult != "" || ct.DesignConclusion != "" ||
		len(ct.Procedures) > 0 || len(ct.Attributes) > 0 || ct.Plan.Kind != "" || len(ct.SignOffs) > 0 || len(c.excs) > 0 ||
		c.pop != nil || c.sel != nil || ct.Conclusion != model.NotConcluded
}

// data is what the workbook is made from, read once.
type data struct {
	w          *model.Workpaper
	opt        *Options
	eng        *model.Engagement
	concl      []model.CriterionConclusion
	controls   []*control
	byRef      map[string]*control
	byTestUUID map[string]*control
	exceptions []model.Exception
	notes      []model.ReviewNote
	pbc        []model.PBCRequest
	interviews []model.Interview
	tickmarks  []model.Tickmark
	status     *model.Status
	opinion    model.OpinionDraft
	critDesc   map[string]string // the firm's criterion text, when imported
	pages      <-chan gridPage   // the grids, read ahead (see prefetch)
	// head is the trail head at export: written on the cover and in the
	// document properties, it anchors the workpaper's history outside the
	// file ('fieldwork verify FILE --head SEQ:HASH').
	head model.Head
}

func load(ctx context.Context, w *model.Workpaper, opt *Options) (*data, error) {
	d := &data{w: w, opt: opt, byRef: map[string]*control{}, byTestUUID: map[string]*control{}}
	var err error
	if d.head, err = w.TrailHead(ctx); err != nil {
		return nil, err
	}
	if d.eng, err = w.Engagement(ctx); err != nil {
		return nil, err
	}
	crit, err := w.Criteria(ctx)
	if err != nil {
		return nil, err
	}
	d.critDesc = map[string]string{}
	for _, c := range crit {
		d.critDesc[c.Ref] = c.Description
	}
	if d.exceptions, err = w.Exceptions(ctx); err != nil {
		return nil, err
	}
	recs, err := w.TestRecords(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range recs {
		x := &control{c: r.Test.Control, ct: r.Test, ev: r.Evaluation, pop: r.Population, sel: r.Selection}
		for _, e := range d.exceptions {
			if e.ControlRef == x.c.Ref {
				x.excs = append(x.excs, e)
			}
		}
		d.controls = append(d.controls, x)
		d.byRef[x.c.Ref] = x
		d.byTestUUID[x.ct.UUID] = x
	}
	evals := make(map[string]*model.TestEvaluation, len(d.controls))
	for _, c := range d.controls {
		evals[c.c.Ref] = c.ev
	}
	if d.concl, err = w.CriteriaConclusionsOf(ctx, evals); err != nil {
		return nil, err
	}
	if d.notes, err = w.Notes(ctx, ""); err != nil {
		return nil, err
	}
	if d.pbc, err = w.PBCRequests(ctx); err != nil {
		return nil, err
	}
	if d.interviews, err = w.Interviews(ctx); err != nil {
		return nil, err
	}
	if d.tickmarks, err = w.Tickmarks(ctx); err != nil {
		return nil, err
	}
	// Progress and the opinion from what is loaded: model.Status and
	// ProposeOpinion would evaluate every control again.
	d.status = d.progress()
	judgment, err := w.OpinionJudgments(ctx)
	if err != nil {
		return nil, err
	}
	conclusions := make(map[string]model.Conclusion, len(d.controls))
	for _, c := range d.controls {
		conclusions[c.c.Ref] = c.ct.Conclusion
	}
	d.opinion = model.DraftOpinion(d.concl, d.exceptions, conclusions, judgment)
	return d, nil
}

// progress is the engagement's status (as model.Status computes it) from
// the loaded evaluations, notes and requests.
func (d *data) progress() *model.Status {
	st := &model.Status{Controls: len(d.controls), ByState: map[model.TestState]int{}, ChangedSince: []string{}, Gaps: []string{}}
	for _, c := range d.controls {
		st.ByState[c.ev.State]++
		st.Deviations += c.ev.Deviations
		st.Exceptions += c.ev.Exceptions
		if c.ev.ChangedSinceReview {
			st.ChangedSince = append(st.ChangedSince, c.c.Ref)
		}
	}
	sort.Strings(st.ChangedSince)
	for _, c := range d.concl {
		if c.Status == model.CriterionGap {
			st.Gaps = append(st.Gaps, c.Ref)
		}
	}
	for _, n := range d.notes {
		switch n.State {
		case model.NoteOpen:
			st.OpenNotes++
		case model.NoteResponded:
			st.RespondedNotes++
		}
	}
	for _, p := range d.pbc {
		if p.Outstanding() {
			st.OutstandingPBC++
		}
	}
	return st
}

// writeWorkbook writes every chosen sheet in workbook order.
func writeWorkbook(ctx context.Context, b *book, w *model.Workpaper, opt Options, tmpl *Template, progress func(done, total int)) (*result, error) {
	d, err := load(ctx, w, &opt)
	if err != nil {
		return nil, err
	}
	b.client, b.firm = d.eng.Client, d.eng.Firm
	res := &result{Result: Result{ControlSheets: map[string]string{}, Skipped: []string{}}}

	// Plan the sheet names first: the cover lists them.
	namer := newSheetNamer()
	var tests []*control
	if opt.has(SectionTests) {
		for _, c := range d.controls {
			if c.hasWork() {
				c.sheet = namer.name(c.ct.WPRef)
				tests = append(tests, c)
				res.ControlSheets[c.ct.WPRef] = c.sheet
			} else {
				res.Skipped = append(res.Skipped, c.c.Ref)
			}
		}
	}
	type step struct {
		sheet string
		write func() error
	}
	var steps []step
	addFixed := func(s Section, fn func(*data, *book, string) error) {
		if opt.has(s) {
			name := sectionSheet[s]
			steps = append(steps, step{name, func() error { return fn(d, b, name) }})
		}
	}
	addFixed(SectionCover, nil)
	addFixed(SectionMatrix, writeMatrix)
	addFixed(SectionSection4, writeSection4)
	for _, c := range tests {
		c := c
		steps = append(steps, step{c.sheet, func() error { return writeControlTest(d, b, c) }})
	}
	addFixed(SectionExceptions, writeExceptions)
	addFixed(SectionNotes, writeNotes)
	addFixed(SectionPBC, writePBCSheet)
	addFixed(SectionInterviews, writeInterviews)
	addFixed(SectionComplementary, writeComplementary)
	addFixed(SectionOpinion, func(d *data, b *book, name string) error { return writeOpinion(d, b, name, tmpl) })
	addFixed(SectionTrail, writeTrail)
	if len(steps) > 0 && steps[0].sheet == SheetCover {
		names := make([]string, len(steps))
		for i, s := range steps {
			names[i] = s.sheet
		}
		steps[0].write = func() error { return writeCover(d, b, SheetCover, names) }
	}
	if len(steps) == 0 {
		return nil, fmt.Errorf("nothing to export: no sections chosen")
	}
	res.steps = len(steps) + 1
	if len(tests) > 0 {
		pctx, cancel := context.WithCancel(ctx)
		defer cancel()
		d.prefetch(pctx, &b.st, tests)
	}
	if progress != nil {
		progress(0, res.steps)
	}
	for i, s := range steps {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := s.write(); err != nil {
			return nil, fmt.Errorf("sheet %q: %w", s.sheet, err)
		}
		if progress != nil {
			progress(i+1, res.steps)
		}
	}
	// The first sheet is the active one already: SetActiveSheet would
	// parse every streamed sheet back into memory.
	res.Sheets = b.sheets
	if err := setProperties(b.f, d, &opt); err != nil {
		return nil, err
	}
	return res, nil
}

// setProperties fills the document properties: title, author (the user
// who exported), company (the firm).
func setProperties(f *excelize.File, d *data, opt *Options) error {
	e := d.eng
	title := fmt.Sprintf("SOC 2 %s workpapers — %s — %s", e.Type, e.Client, e.Period())
	created := opt.Now.UTC().Format(time.RFC3339)
	if err := f.SetDocProps(&excelize.DocProperties{
		Title:          CellText(title),
		Subject:        CellText("SOC 2 examination of " + e.System),
		Creator:        CellText(opt.User),
		LastModifiedBy: CellText(opt.User),
		Description:    CellText(fmt.Sprintf("Exported by fieldwork %s from %s; trail head %s", opt.Version, filepath.Base(d.w.Path()), d.head)),
		Keywords:       "SOC 2; workpapers; fieldwork",
		Category:       "Audit workpapers",
		ContentStatus:  "Draft",
		Created:        created,
		Modified:       created,
		Version:        CellText(opt.Version),
	}); err != nil {
		return err
	}
	return f.SetAppProps(&excelize.AppProperties{Application: "fieldwork", Company: CellText(e.Firm), AppVersion: ""})
}

// ---------------------------------------------------------------- Cover

var sheetPurpose = map[string]string{
	SheetCover: "Engagement, progress, conclusions, tickmark legend", SheetMatrix: "Every criterion × the controls mapped to it",
	SheetSection4: "Controls, tests and results by criterion, as the report lays them out", SheetExceptions: "Exception log with management's responses",
	SheetNotes: "Review notes and responses", SheetPBC: "Requests to the client", SheetInterviews: "Inquiries",
	SheetComplementary: "Complementary user entity and subservice organization controls", SheetOpinion: "Proposed opinion and draft paragraphs",
	SheetTrail: "Every change to the workpaper, hash-chained",
}

func writeCover(d *data, b *book, name string, contents []string) error {
	st := &b.st
	widths := []float64{30, 52, 22, 44}
	s, err := b.newSheet(sheetSpec{name: name, widths: widths, freezeRows: 2, printTitleRows: 2, portrait: true})
	if err != nil {
		return err
	}
	e := d.eng
	span := func() error { return s.merge(2, 4) }
	kv := func(label string, value any) error {
		if err := s.add(st.str(stBold, label), value); err != nil {
			return err
		}
		return span()
	}
	kvText := func(label, value string) error {
		if err := s.add(st.str(stBold, label), st.str(stText, value)); err != nil {
			return err
		}
		return span()
	}
	heading := func(text string) error {
		s.skip(1)
		if err := s.add(st.str(stSubtitle, text), st.str(stSubtitle, ""), st.str(stSubtitle, ""), st.str(stSubtitle, "")); err != nil {
			return err
		}
		return nil
	}
	rows := []func() error{
		func() error {
			if err := s.addH(24, st.str(stTitle, fmt.Sprintf("SOC 2 %s examination — workpapers", e.Type))); err != nil {
				return err
			}
			return s.merge(1, 4)
		},
		func() error {
			if err := s.add(st.str(stBold, e.Client+" — "+e.System)); err != nil {
				return err
			}
			return s.merge(1, 4)
		},
		func() error {
			if err := s.add(st.str(stNote, "Draft workpapers exported from fieldwork for the engagement team. They support the service auditor's report; they are not the report.")); err != nil {
				return err
			}
			return s.merge(1, 4)
		},
		func() error { return heading("Engagement") },
		func() error { return kvText("Service organization", e.Client) },
		func() error { return kvText("System", e.System) },
		func() error { return kv("Report type", st.str(stText, e.Type.String())) },
	}
	if e.Type == model.TypeII {
		rows = append(rows,
			func() error { return kv("Period from", st.day(e.From)) },
			func() error { return kv("Period to", st.day(e.To)) })
	} else {
		rows = append(rows, func() error { return kv("As of", st.day(e.AsOf)) })
	}
	var cats []string
	for _, c := range model.Categories {
		if e.InScope(c) {
			cats = append(cats, c.Title())
		}
	}
	rows = append(rows,
		func() error { return kvText("Categories in scope", strings.Join(cats, "; ")) },
		func() error { return kvText("Firm", e.Firm) },
		func() error { return kv("Planning date", st.day(e.PlanningDate)) },
		func() error { return kv("Fieldwork start", st.day(e.FieldworkStart)) },
		func() error { return kv("Fieldwork end", st.day(e.FieldworkEnd)) },
		func() error { return kv("Report due", st.day(e.ReportDue)) },
	)
	if e.RolledFrom != "" {
		rows = append(rows, func() error { return kvText("Rolled forward from", e.RolledFrom) })
	}
	rows = append(rows,
		func() error { return kvText("Workpaper file", filepath.Base(d.w.Path())) },
		func() error { return kv("Engagement ID", st.str(stMono, e.UUID)) },
	)
	for _, r := range rows {
		if err := r(); err != nil {
			return err
		}
	}

	// Subservice organizations and team.
	if err := heading("Subservice organizations"); err != nil {
		return err
	}
	if len(e.Subservice) == 0 {
		if err := s.add(st.str(stNote, "None recorded.")); err != nil {
			return err
		}
	} else {
		if err := s.add(st.str(stHeader, "Organization"), st.str(stHeader, "Services"), st.str(stHeader, "Method")); err != nil {
			return err
		}
		for _, so := range e.Subservice {
			method := "Carve-out: its controls are excluded; CSOCs are listed"
			if so.Method == model.Inclusive {
				method = "Inclusive: its controls are included"
			}
			if err := s.add(st.str(stText, so.Name), st.str(stText, so.Services), st.str(stText, method)); err != nil {
				return err
			}
		}
	}
	if err := heading("Engagement team"); err != nil {
		return err
	}
	if err := s.add(st.str(stHeader, "Name"), st.str(stHeader, "Email"), st.str(stHeader, "Role")); err != nil {
		return err
	}
	for _, m := range e.Team {
		if err := s.add(st.str(stText, m.Name), st.str(stText, m.Email), st.str(stText, string(m.Role))); err != nil {
			return err
		}
	}

	// This export.
	var secs []string
	for _, sc := range d.opt.Sections {
		secs = append(secs, string(sc))
	}
	zone, offset := d.opt.Now.In(d.opt.Location).Zone()
	exp := []func() error{
		func() error { return heading("This export") },
		func() error { return kv("Exported at", st.instant(d.opt.Now, d.opt.Location)) },
		func() error { return kvText("Exported by", d.opt.User) },
		func() error { return kvText("fieldwork version", d.opt.Version) },
		func() error { return kvText("Trail head", d.head.String()) },
		func() error {
			return kvText("Check the workpaper", "fieldwork verify FILE --head "+d.head.String()+" proves the file still holds the history this workbook was exported from")
		},
		func() error {
			name := d.opt.Location.String()
			if name == "Local" {
				name = zone
			}
			return kvText("Times shown in", fmt.Sprintf("%s (UTC%+03d:%02d)", name, offset/3600, abs(offset%3600)/60))
		},
		func() error { return kvText("Sections", strings.Join(secs, ", ")) },
	}
	for _, r := range exp {
		if err := r(); err != nil {
			return err
		}
	}

	// Progress and conclusions.
	stt := d.status
	if err := heading("Progress"); err != nil {
		return err
	}
	prog := []struct {
		label string
		n     int
	}{
		{"Controls", stt.Controls},
		{"Not started", stt.ByState[model.StateNotStarted]},
		{"In progress", stt.ByState[model.StateInProgress]},
		{"Tested (concluded, not yet reviewed)", stt.ByState[model.StateTested]},
		{"Reviewed", stt.ByState[model.StateReviewed]},
		{"Items with deviations", stt.Deviations},
		{"Exceptions logged", stt.Exceptions},
		{"Open review notes", stt.OpenNotes},
		{"Responded review notes (to clear)", stt.RespondedNotes},
		{"Outstanding PBC requests", stt.OutstandingPBC},
	}
	for _, p := range prog {
		if err := kv(p.label, st.num(p.n)); err != nil {
			return err
		}
	}
	if err := kvText("Changed since review", listOrNone(stt.ChangedSince)); err != nil {
		return err
	}
	if err := kvText("Coverage gaps", listOrNone(stt.Gaps)); err != nil {
		return err
	}
	counts := map[model.CriterionStatus]int{}
	for _, c := range d.concl {
		counts[c.Status]++
	}
	if err := heading("Conclusions"); err != nil {
		return err
	}
	for _, c := range []struct {
		label string
		n     int
	}{
		{"Criteria in scope", d.opinion.InScope},
		{"Met", counts[model.CriterionMet]},
		{"Not met", counts[model.CriterionNotMet]},
		{"At risk (deviations awaiting judgment)", counts[model.CriterionAtRisk]},
		{"Open (controls not yet concluded)", counts[model.CriterionOpen]},
		{"Gap (no control)", counts[model.CriterionGap]},
	} {
		if err := kv(c.label, st.num(c.n)); err != nil {
			return err
		}
	}
	op := d.opinion
	if err := kvText("Proposed opinion", op.Proposed.Title()+": "+op.Reason); err != nil {
		return err
	}
	if op.Override != "" {
		if err := kvText("Opinion override", op.Override.Title()+": "+op.OverrideReason); err != nil {
			return err
		}
	}

	// Tickmarks.
	if err := heading("Tickmark legend"); err != nil {
		return err
	}
	if err := s.add(st.str(stHeader, "Symbol"), st.str(stHeader, "Meaning")); err != nil {
		return err
	}
	if err := s.merge(2, 4); err != nil {
		return err
	}
	for _, tm := range d.tickmarks {
		if err := s.add(st.str(stCenter, tm.Symbol), st.str(stText, tm.Meaning)); err != nil {
			return err
		}
		if err := s.merge(2, 4); err != nil {
			return err
		}
	}

	// Contents, with links.
	if err := heading("Contents"); err != nil {
		return err
	}
	if err := s.add(st.str(stHeader, "Sheet"), st.str(stHeader, "What it holds")); err != nil {
		return err
	}
	if err := s.merge(2, 4); err != nil {
		return err
	}
	for _, n := range contents {
		purpose := sheetPurpose[n]
		if purpose == "" {
			if c := d.controlBySheet(n); c != nil {
				purpose = "Control test of " + c.c.Ref + ": " + c.c.Description
			}
		}
		if err := s.add(st.str(stPlain, n), st.str(stText, purpose)); err != nil {
			return err
		}
		if err := s.merge(2, 4); err != nil {
			return err
		}
		s.link(1, s.row, n)
	}
	return s.close()
}

func (d *data) controlBySheet(name string) *control {
	for _, c := range d.controls {
		if c.sheet == name {
			return c
		}
	}
	return nil
}

func listOrNone(xs []string) string {
	if len(xs) == 0 {
		return "None"
	}
	return strings.Join(xs, ", ")
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// --------------------------------------------------------- Criteria matrix

func writeMatrix(d *data, b *book, name string) error {
	st := &b.st
	fixed := []string{"ID", "Category", "Criterion", "In scope", "Controls", "Number of controls", "Gap", "Derived", "Conclusion", "Reason", "Override reason"}
	widths := []float64{8, 16, 38, 8, 24, 9, 6, 11, 11, 40, 28}
	for range d.controls {
		widths = append(widths, 3.6)
	}
	s, err := b.newSheet(sheetSpec{name: name, widths: widths, freezeRows: 3, freezeCols: 1, printTitleRows: 3})
	if err != nil {
		return err
	}
	if err := s.addH(20, st.str(stTitle, "Criteria matrix")); err != nil {
		return err
	}
	if err := s.merge(1, 6); err != nil {
		return err
	}
	if err := s.add(st.str(stNote, fmt.Sprintf("%s — %s. Every Trust Services Criterion, in scope or not, with the controls mapped to it (X) and its conclusion.", d.eng.Client, d.eng.Period()))); err != nil {
		return err
	}
	if err := s.merge(1, 10); err != nil {
		return err
	}
	head := make([]any, 0, len(widths))
	for _, h := range fixed {
		head = append(head, st.str(stHeader, h))
	}
	for _, c := range d.controls {
		head = append(head, st.str(stVertical, c.c.Ref))
	}
	if err := s.addH(64, head...); err != nil {
		return err
	}
	col := map[string]int{}
	for i, c := range d.controls {
		col[c.c.Ref] = i
	}
	for _, c := range d.concl {
		row := make([]any, len(widths))
		row[0] = st.str(stPlain, c.Ref)
		row[1] = st.str(stPlain, c.Category.Title())
		row[2] = st.str(stText, c.Title)
		row[3] = st.str(stCenter, yesNo(c.InScope))
		row[4] = st.str(stText, strings.Join(c.Controls, ", "))
		row[5] = st.num(len(c.Controls))
		if c.Status == model.CriterionGap {
			row[6] = st.str(stWarn, "Gap")
		}
		row[7] = st.str(stPlain, string(c.Derived))
		if c.Status == model.CriterionNotMet || c.Status == model.CriterionGap || c.Status == model.CriterionAtRisk {
			row[8] = st.str(stWarn, string(c.Status))
		} else {
			row[8] = st.str(stPlain, string(c.Status))
		}
		row[9] = st.str(stText, c.Reason)
		if c.Override != "" {
			row[10] = st.str(stText, c.Override+": "+c.OverrideReason)
		}
		for _, ref := range c.Controls {
			if i, ok := col[ref]; ok {
				row[len(fixed)+i] = st.str(stCenter, "X")
			}
		}
		if err := s.add(row...); err != nil {
			return err
		}
	}
	s.autoFilter(3, len(widths))
	return s.close()
}

// --------------------------------------------------------------- Section 4

// Section4Columns are the headings of the section-4 table.
var Section4Columns = []string{"Criterion", "Control No.", "Control activity specified by the service organization",
	"Tests performed by the service auditor", "Results of tests", "W/P ref"}

func writeSection4(d *data, b *book, name string) error {
	st := &b.st
	widths := []float64{10, 11, 48, 58, 44, 14}
	s, err := b.newSheet(sheetSpec{name: name, widths: widths, freezeRows: 3, printTitleRows: 3})
	if err != nil {
		return err
	}
	e := d.eng
	title := "Section 4 — Trust services criteria, related controls, and tests of controls"
	if e.Type == model.TypeI {
		title = "Section 4 — Trust services criteria and related controls"
	}
	if err := s.addH(20, st.str(stTitle, title)); err != nil {
		return err
	}
	if err := s.merge(1, 6); err != nil {
		return err
	}
	if err := s.add(st.str(stNote, fmt.Sprintf("%s — %s — %s, %s. Draft: controls are repeated under each criterion they address.", e.Client, e.System, e.Type, e.Period()))); err != nil {
		return err
	}
	if err := s.merge(1, 6); err != nil {
		return err
	}
	head := make([]any, len(Section4Columns))
	for i, h := range Section4Columns {
		head[i] = st.str(stHeader, h)
	}
	if err := s.add(head...); err != nil {
		return err
	}
	var cat model.Category
	for _, c := range d.concl {
		if !c.InScope {
			continue
		}
		if c.Category != cat {
			cat = c.Category
			if err := s.addH(20, st.str(stCategory, cat.Title()), st.str(stCategory, ""), st.str(stCategory, ""), st.str(stCategory, ""), st.str(stCategory, ""), st.str(stCategory, "")); err != nil {
				return err
			}
			if err := s.merge(1, 6); err != nil {
				return err
			}
		}
		text := c.Title
		if desc := d.criterionDescription(c.Ref); desc != "" {
			text += "\n" + desc
		}
		if err := s.add(st.str(stCriterion, c.Ref), st.str(stCriterion, text), st.str(stCriterion, ""), st.str(stCriterion, ""), st.str(stCriterion, ""), st.str(stCriterion, "")); err != nil {
			return err
		}
		if err := s.merge(2, 6); err != nil {
			return err
		}
		if len(c.Controls) == 0 {
			if err := s.add(st.str(stPlain, c.Ref), st.str(stPlain, "—"), st.str(stWarn, "No control addresses this criterion."), nil, st.str(stWarn, "Gap: not addressed")); err != nil {
				return err
			}
			continue
		}
		for _, ref := range c.Controls {
			x := d.byRef[ref]
			if x == nil {
				continue
			}
			res, resStyle := section4Result(d, x)
			wp := st.str(stPlain, x.ct.WPRef)
			if x.ct.ConclusionReason != "" {
				// The working column flags a conclusion the auditor reached
				// against the proposed one, with the reason.
				wp = st.str(stWarn, x.ct.WPRef+"\n⚑ Concluded "+string(x.ct.Conclusion)+" against the proposal: "+x.ct.ConclusionReason)
			}
			if err := s.add(st.str(stPlain, c.Ref), st.str(stPlain, x.c.Ref), st.str(stText, x.c.Description),
				st.str(stText, section4Tests(d, x)), st.str(resStyle, res), wp); err != nil {
				return err
			}
			if x.sheet != "" {
				s.link(6, s.row, x.sheet)
			}
		}
	}
	s.autoFilter(3, len(widths))
	return s.close()
}

// criterionDescription is the firm's criterion text when it imported one.
func (d *data) criterionDescription(ref string) string { return d.critDesc[ref] }

var procedureVerb = map[model.ProcedureKind]string{
	model.Inquiry: "Inquiry", model.Observation: "Observation", model.Inspection: "Inspection", model.Reperformance: "Re-performance",
}

// section4Tests words the tests performed: the procedures with their
// types and, for Type II, the sample and its population.
func section4Tests(d *data, x *control) string {
	var parts []string
	typeII := d.eng.Type == model.TypeII
	if len(x.ct.Procedures) == 0 || !typeII {
		if x.ct.DesignProcedure != "" {
			parts = append(parts, "Test of design: "+x.ct.DesignProcedure)
		}
	}
	if typeII {
		for _, p := range x.ct.Procedures {
			parts = append(parts, procedureVerb[p.Kind]+": "+p.Text)
		}
		if x.sel != nil && x.pop != nil {
			r := x.sel.Record
			switch {
			case r.Method == "all":
				parts = append(parts, fmt.Sprintf("Sample: all %s occurrences in the period tested (population: %s).", comma(r.Population), x.pop.SourceName))
			default:
				ext := ""
				if t := r.Total(); t > r.Size {
					ext = fmt.Sprintf(", extended to %d", t)
				}
				parts = append(parts, fmt.Sprintf("Sample: %d of %s occurrences (%s selection%s; population: %s).", r.Size, comma(r.Population), r.Method, ext, x.pop.SourceName))
			}
		} else if x.pop != nil && x.pop.Rows == 0 {
			parts = append(parts, fmt.Sprintf("Population: no occurrences in the period (%s).", x.pop.SourceName))
		}
	}
	if len(parts) == 0 {
		return "Testing not yet documented."
	}
	return strings.Join(parts, "\n")
}

// section4Result words the results: the exceptions as the report states
// them, else "No exceptions noted." once the control is concluded.
func section4Result(d *data, x *control) (string, styleKind) {
	if len(x.excs) > 0 {
		var ws []string
		for _, e := range x.excs {
			w := e.ReportWording
			if w == "" {
				w = "Exception noted: " + e.Description
			}
			ws = append(ws, w)
		}
		return strings.Join(ws, "\n\n"), stText
	}
	switch x.ev.Conclusion {
	case model.Effective, model.EffectiveWithExceptions:
		if x.ev.Deviations > 0 {
			return fmt.Sprintf("Deviations noted in %d of %d items; the exception is not yet logged.", x.ev.Deviations, x.ev.Items), stWarn
		}
		return "No exceptions noted.", stText
	case model.NotOccurring:
		return "The control did not operate during the period, so its operating effectiveness could not be tested.", stText
	case model.NotTested:
		return "Not tested.", stWarn
	case model.NotEffective:
		return "Exception noted: the control did not operate effectively (see the workpaper).", stWarn
	}
	if x.ev.Deviations > 0 {
		return fmt.Sprintf("Testing in progress: deviations in %d of %d items await evaluation.", x.ev.Deviations, x.ev.Items), stWarn
	}
	return "Testing not complete.", stWarn
}

func comma(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return s
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// ------------------------------------------------------------ Simple tables

// table writes a titled table: title row, note row, heading row (frozen,
// repeated on print, with the AutoFilter), then the rows.
type table struct {
	s    *sheet
	cols int
}

func (b *book) newTable(name, title, note string, heads []string, widths []float64) (*table, error) {
	st := &b.st
	s, err := b.newSheet(sheetSpec{name: name, widths: widths, freezeRows: 3, printTitleRows: 3})
	if err != nil {
		return nil, err
	}
	if err := s.addH(20, st.str(stTitle, title)); err != nil {
		return nil, err
	}
	if err := s.merge(1, min(len(heads), 6)); err != nil {
		return nil, err
	}
	if err := s.add(st.str(stNote, note)); err != nil {
		return nil, err
	}
	if err := s.merge(1, len(heads)); err != nil {
		return nil, err
	}
	row := make([]any, len(heads))
	for i, h := range heads {
		row[i] = st.str(stHeader, h)
	}
	if err := s.add(row...); err != nil {
		return nil, err
	}
	return &table{s: s, cols: len(heads)}, nil
}

func (t *table) close() error {
	t.s.autoFilter(3, t.cols)
	return t.s.close()
}

func (d *data) subtitle() string {
	return d.eng.Client + " — " + d.eng.Period()
}

func writeExceptions(d *data, b *book, name string) error {
	st := &b.st
	t, err := b.newTable(name, "Exceptions", d.subtitle()+". Management's responses are reported in a section the opinion does not cover.",
		[]string{"Ref", "Control", "W/P ref", "Items (positions)", "Description", "Cause", "Evaluation", "Mitigating evidence", "Sample extended",
			"Criteria affected", "Report wording", "Management's response", "Remediation plan", "Remediation owner", "Remediation due", "Re-test result",
			"Updated by", "Updated at"},
		[]float64{8, 10, 14, 14, 40, 32, 11, 28, 9, 12, 40, 40, 30, 16, 11, 24, 14, 16})
	if err != nil {
		return err
	}
	loc := d.opt.Location
	for _, x := range d.exceptions {
		pos := make([]string, len(x.Positions))
		for i, p := range x.Positions {
			pos[i] = fmt.Sprint(p)
		}
		if err := t.s.add(st.str(stPlain, x.Ref), st.str(stPlain, x.ControlRef), st.str(stPlain, x.WPRef), st.str(stText, strings.Join(pos, ", ")),
			st.str(stText, x.Description), st.str(stText, x.Cause), st.str(stPlain, x.Evaluation), st.str(stText, x.Compensating),
			st.str(stCenter, yesNo(x.SampleExtended)), st.str(stText, strings.Join(x.CriteriaAffected, ", ")), st.str(stText, x.ReportWording),
			st.str(stText, x.Response), st.str(stText, x.RemediationPlan), st.str(stText, x.RemediationOwner), st.day(x.RemediationDue),
			st.str(stText, x.RetestResult), st.str(stPlain, x.UpdatedBy), st.instant(x.UpdatedAt, loc)); err != nil {
			return err
		}
		if c := d.byRef[x.ControlRef]; c != nil && c.sheet != "" {
			t.s.link(3, t.s.row, c.sheet)
		}
	}
	return t.close()
}

func writeNotes(d *data, b *book, name string) error {
	st := &b.st
	t, err := b.newTable(name, "Review notes", d.subtitle()+". Notes stay open until the preparer responds and the reviewer clears them.",
		[]string{"Ref", "On", "Target", "Note", "Assigned to", "State", "Response", "Responded by", "Responded at", "Cleared by", "Cleared at", "Raised by", "Raised at"},
		[]float64{9, 11, 12, 48, 16, 11, 44, 14, 16, 14, 16, 14, 16})
	if err != nil {
		return err
	}
	loc := d.opt.Location
	for _, n := range d.notes {
		state := st.str(stPlain, string(n.State))
		if n.State != model.NoteCleared {
			state = st.str(stWarn, string(n.State))
		}
		if err := t.s.add(st.str(stPlain, n.Ref), st.str(stPlain, n.TargetKind), st.str(stPlain, n.TargetRef), st.str(stText, n.Text),
			st.str(stText, n.Assignee), state, st.str(stText, n.Response), st.str(stPlain, n.RespondedBy), st.instant(n.RespondedAt, loc),
			st.str(stPlain, n.ClearedBy), st.instant(n.ClearedAt, loc), st.str(stPlain, n.CreatedBy), st.instant(n.CreatedAt, loc)); err != nil {
			return err
		}
		if c := d.byRef[n.TargetRef]; n.TargetKind == "control" && c != nil && c.sheet != "" {
			t.s.link(3, t.s.row, c.sheet)
		}
	}
	return t.close()
}

func writePBCSheet(d *data, b *book, name string) error {
	st := &b.st
	t, err := b.newTable(name, "PBC requests", d.subtitle()+". Items requested from the client (provided by client).",
		[]string{"Ref", "Request", "Control", "Requested on", "Due on", "Status", "Outstanding", "Received file", "Received SHA-256", "Note"},
		[]float64{9, 48, 10, 12, 12, 11, 11, 30, 30, 40})
	if err != nil {
		return err
	}
	for _, p := range d.pbc {
		status := st.str(stPlain, string(p.Status))
		if p.Outstanding() {
			status = st.str(stWarn, string(p.Status))
		}
		if err := t.s.add(st.str(stPlain, p.Ref), st.str(stText, p.Item), st.str(stPlain, p.ControlRef), st.day(p.RequestedOn), st.day(p.DueOn),
			status, st.str(stCenter, yesNo(p.Outstanding())), st.str(stText, p.ReceivedName), st.str(stMono, p.ReceivedSHA256), st.str(stText, p.Note)); err != nil {
			return err
		}
	}
	return t.close()
}

func writeInterviews(d *data, b *book, name string) error {
	st := &b.st
	t, err := b.newTable(name, "Interviews", d.subtitle()+". Inquiries of the service organization's personnel.",
		[]string{"Date", "Person", "Role", "Held by", "Summary", "Controls"},
		[]float64{12, 20, 22, 16, 70, 18})
	if err != nil {
		return err
	}
	for _, in := range d.interviews {
		if err := t.s.add(st.day(in.HeldOn), st.str(stText, in.Person), st.str(stText, in.Role), st.str(stText, in.HeldBy),
			st.str(stText, in.Summary), st.str(stText, strings.Join(in.Controls, ", "))); err != nil {
			return err
		}
	}
	return t.close()
}

func writeComplementary(d *data, b *book, name string) error {
	st := &b.st
	t, err := b.newTable(name, "CUECs and CSOCs", d.subtitle()+". Controls the user entities (CUECs) and the carved-out subservice organizations (CSOCs) are expected to operate.",
		[]string{"Kind", "Ref", "Control", "Criteria", "Subservice organization", "Method"},
		[]float64{30, 10, 70, 16, 26, 12})
	if err != nil {
		return err
	}
	method := map[string]string{}
	for _, so := range d.eng.Subservice {
		method[so.Name] = string(so.Method)
	}
	for _, c := range d.eng.Complementary {
		kind := "Complementary user entity control (CUEC)"
		if c.Kind == model.CSOC {
			kind = "Complementary subservice organization control (CSOC)"
		}
		if err := t.s.add(st.str(stText, kind), st.str(stPlain, c.Ref), st.str(stText, c.Text), st.str(stText, strings.Join(c.Criteria, ", ")),
			st.str(stText, c.Subservice), st.str(stPlain, method[c.Subservice])); err != nil {
			return err
		}
	}
	t.s.autoFilter(3, t.cols)
	s := t.s
	s.skip(1)
	if err := s.add(st.str(stSubtitle, "Subservice organizations"), st.str(stSubtitle, ""), st.str(stSubtitle, ""), st.str(stSubtitle, ""), st.str(stSubtitle, ""), st.str(stSubtitle, "")); err != nil {
		return err
	}
	if len(d.eng.Subservice) == 0 {
		if err := s.add(st.str(stNote, "None recorded.")); err != nil {
			return err
		}
	}
	for _, so := range d.eng.Subservice {
		if err := s.add(st.str(stText, so.Name), nil, st.str(stText, so.Services), nil, nil, st.str(stPlain, string(so.Method))); err != nil {
			return err
		}
	}
	return s.close()
}

// ------------------------------------------------------------ Opinion draft

func writeOpinion(d *data, b *book, name string, tmpl *Template) error {
	st := &b.st
	widths := []float64{10, 30, 12, 52, 22, 52}
	s, err := b.newSheet(sheetSpec{name: name, widths: widths, freezeRows: 2, printTitleRows: 2, portrait: true})
	if err != nil {
		return err
	}
	op := d.opinion
	kv := func(label, value string, style styleKind) error {
		if err := s.add(st.str(stBold, label), st.str(style, value)); err != nil {
			return err
		}
		return s.merge(2, 6)
	}
	heading := func(text string) error {
		s.skip(1)
		row := []any{st.str(stSubtitle, text)}
		for i := 1; i < len(widths); i++ {
			row = append(row, st.str(stSubtitle, ""))
		}
		return s.add(row...)
	}
	if err := s.addH(20, st.str(stTitle, "Opinion draft — "+op.Opinion.Title())); err != nil {
		return err
	}
	if err := s.merge(1, 6); err != nil {
		return err
	}
	if err := s.add(st.str(stNote, d.subtitle()+". A draft for the engagement team: the auditor decides, and can override with a written reason ('fieldwork opinion override').")); err != nil {
		return err
	}
	if err := s.merge(1, 6); err != nil {
		return err
	}
	if err := heading("Proposal"); err != nil {
		return err
	}
	final := "Yes: every in-scope criterion is concluded."
	if !op.Final {
		final = fmt.Sprintf("No: %d criteria are still open or at risk.", len(op.Open))
	}
	rows := [][3]string{
		{"Proposed", op.Proposed.Title(), ""},
		{"Why", op.Reason, ""},
		{"Final", final, ""},
		{"Pervasiveness rule", op.Rule, ""},
		{"In scope", fmt.Sprintf("%d criteria in %d series; %d met, %d not met, %d open or at risk", op.InScope, op.Areas, op.Met, len(op.NotMet), len(op.Open)), ""},
	}
	if op.Override != "" {
		rows = append(rows, [3]string{"Override", op.Override.Title() + ": " + op.OverrideReason, "warn"})
	}
	rows = append(rows, [3]string{"Opinion in the draft", op.Opinion.Title(), "bold"})
	for _, r := range rows {
		style := stText
		switch r[2] {
		case "warn":
			style = stWarn
		case "bold":
			style = stBold
		}
		if err := kv(r[0], r[1], style); err != nil {
			return err
		}
	}
	findings := func(title string, fs []model.CriterionFinding) error {
		if err := heading(title); err != nil {
			return err
		}
		if len(fs) == 0 {
			return s.add(st.str(stNote, "None."))
		}
		heads := []string{"Criterion", "Title", "Status", "Reason", "Controls not effective", "Exceptions"}
		row := make([]any, len(heads))
		for i, h := range heads {
			row[i] = st.str(stHeader, h)
		}
		if err := s.add(row...); err != nil {
			return err
		}
		for _, f := range fs {
			var xs []string
			for _, x := range f.Exceptions {
				xs = append(xs, x.Ref+" ("+x.WPRef+"): "+x.Wording)
			}
			if err := s.add(st.str(stPlain, f.Ref), st.str(stText, f.Title), st.str(stWarn, string(f.Status)), st.str(stText, f.Reason),
				st.str(stText, strings.Join(f.NotEffective, ", ")), st.str(stText, strings.Join(xs, "\n"))); err != nil {
				return err
			}
		}
		return nil
	}
	if err := findings("Criteria not met", op.NotMet); err != nil {
		return err
	}
	if err := findings("Criteria still open or at risk", op.Open); err != nil {
		return err
	}
	paras, err := tmpl.Paragraphs(templateData(d.eng, op, d.opt.Now.In(d.opt.Location)))
	if err != nil {
		return err
	}
	if err := heading("Draft paragraphs"); err != nil {
		return err
	}
	for _, p := range paras {
		if h, ok := strings.CutPrefix(p, "## "); ok {
			if err := s.add(st.str(stBold, h)); err != nil {
				return err
			}
			if err := s.merge(1, 6); err != nil {
				return err
			}
			continue
		}
		if err := s.add(st.str(stText, p)); err != nil {
			return err
		}
		if err := s.merge(1, 6); err != nil {
			return err
		}
	}
	return s.close()
}

// -------------------------------------------------------------- Audit trail

// trailPage is how many entries are read at a time: the trail is never
// loaded whole.
const trailPage = 2000

func writeTrail(d *data, b *book, name string) error {
	st := &b.st
	t, err := b.newTable(name, "Audit trail", d.subtitle()+". Every change to the workpaper in order; each entry's hash covers the previous one ('fieldwork verify' checks the chain).",
		[]string{"Seq", "At", "User", "Operation", "Table", "Record", "Field", "Old value", "New value", "Note", "W/P ref", "Hash"},
		[]float64{8, 17, 14, 9, 14, 12, 16, 30, 30, 36, 14, 18})
	if err != nil {
		return err
	}
	loc := d.opt.Location
	after := int64(0)
	for {
		page, err := d.w.Trail(b.ctx, model.TrailFilter{AfterSeq: after, Limit: trailPage})
		if err != nil {
			return err
		}
		for _, c := range page {
			if t.s.row >= excelize.TotalRows-1 {
				if err := t.s.add(st.str(stWarn, fmt.Sprintf("The trail continues after entry %d: the sheet is full. 'fieldwork log' prints the rest.", after))); err != nil {
					return err
				}
				return t.close()
			}
			wp := ""
			if x := d.byTestUUID[c.Scope]; x != nil {
				wp = x.ct.WPRef
			}
			var old, nw any
			if c.Old != nil {
				old = st.str(stText, *c.Old)
			}
			if c.New != nil {
				nw = st.str(stText, *c.New)
			}
			if err := t.s.add(st.pos(c.Seq), st.instant(c.At, loc), st.str(stPlain, c.User), st.str(stPlain, c.Op),
				st.str(stPlain, c.Table), st.str(stMono, c.RecordUUID), st.str(stPlain, c.Field), old, nw, st.str(stText, c.Note),
				st.str(stPlain, wp), st.str(stMono, c.Hash)); err != nil {
				return err
			}
			after = c.Seq
		}
		if len(page) < trailPage {
			break
		}
	}
	return t.close()
}
