package export

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
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
	// head is the trail head at export: written on the cover and in the
	// document properties, it anchors the workpaper's history outside the
	// file ('fieldwork verify FILE --head SEQ:HASH').
	head     model.Head
	critDesc map[string]string // the firm's criterion text, when imported
	pages    <-chan gridPage   // the grids, read ahead (see prefetch)
}

func load(ctx context.Context, w *model.Workpaper, opt *Options) (*data, error) {
	d := &data{w: w, opt: opt, byRef: map[string]*control{}, byTestUUID: map[string]*control{}}
	var err error
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
	if d.head, err = w.TrailHead(ctx); err != nil {
		return nil, err
	}
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

func (d *data) controlBySheet(name string) *control {
	for _, c := range d.controls {
		if c.sheet == name {
			return c
		}
	}
	return nil
}

// -------------------------------------------------------------- Audit trail

// trailPage is how many entries are read at a time: the trail is never
// loaded whole.
var trailPage = 2000 // a variable so that a test can make the demo span pages
