package model

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/fieldwork-audit/fieldwork/sampling"
)

// FrequencyTable returns the engagement's nonstatistical size table: the
// firm default unless the engagement overrides it.
func (w *Workpaper) FrequencyTable(ctx context.Context) (sampling.FrequencyTable, error) {
	var raw string
	if err := w.db.QueryRowContext(ctx, "SELECT frequency_table FROM engagement WHERE id = 1").Scan(&raw); err != nil {
		return sampling.FrequencyTable{}, friendlyDBError(err)
	}
	if raw == "" {
		return sampling.DefaultFrequencyTable(), nil
	}
	var t sampling.FrequencyTable
	if err := json.Unmarshal([]byte(raw), &t); err != nil {
		return sampling.FrequencyTable{}, fmt.Errorf("the engagement's frequency table is unreadable: %w", err)
	}
	return t, nil
}

// SetFrequencyTable overrides the nonstatistical size table for this engagement.
func (w *Workpaper) SetFrequencyTable(ctx context.Context, t sampling.FrequencyTable) error {
	if err := t.Validate(); err != nil {
		return err
	}
	b, err := json.Marshal(t)
	if err != nil {
		return err
	}
	return w.write(ctx, func(tx *txn) error {
		var id string
		if err := tx.tx.QueryRowContext(ctx, "SELECT uuid FROM engagement WHERE id = 1").Scan(&id); err != nil {
			return err
		}
		_, err := tx.update("engagement", id, 0, "the engagement", field{"frequency_table", string(b)})
		return err
	})
}

// PlanKind is how a control's sample is sized.
type PlanKind string

const (
	PlanStatistical PlanKind = "statistical" // attribute sampling at a confidence and tolerable rate
	PlanFrequency   PlanKind = "frequency"   // the firm's frequency-based (nonstatistical) table
	PlanAll         PlanKind = "all"         // every occurrence
)

// PlanKinds lists the plan kinds in the order screens offer them.
var PlanKinds = []PlanKind{PlanStatistical, PlanFrequency, PlanAll}

// PlanInput chooses how a control's sample is sized.
type PlanInput struct {
	Kind       PlanKind
	Confidence sampling.Rate
	Tolerable  sampling.Rate
	Expected   sampling.Rate
	Model      sampling.Model
	// Risk is the control's risk rating for a frequency-based plan, "lower"
	// or "higher"; "" keeps the rating the control has. SetPlan records a
	// changed rating with the plan, in one transaction.
	Risk string
}

// PlanSizing is a plan as SetPlan would record it, with the sizes behind
// it for a screen to show: Statistical for a statistical plan, Frequency
// for a frequency-based one.
type PlanSizing struct {
	Plan        SamplePlan
	Statistical sampling.Size
	Frequency   sampling.FrequencySize
}

// SizePlan computes the plan for control c with a population of n items (0
// if not yet imported), at the risk rating risk unless in.Risk overrides
// it. It is pure and fast (sampling math only): the sampling wizard calls it
// on every change for its live preview, and SetPlan records what it gives.
func SizePlan(in PlanInput, c Control, risk string, n int, table sampling.FrequencyTable) (PlanSizing, error) {
	if in.Risk != "" {
		risk = in.Risk
	}
	switch in.Kind {
	case PlanStatistical:
		model := in.Model
		if model == "" {
			model = sampling.Binomial
		}
		sz, err := sampling.SampleSize(sampling.Plan{Confidence: in.Confidence, Tolerable: in.Tolerable, Expected: in.Expected, Population: n, Model: model})
		if err != nil {
			return PlanSizing{Statistical: sz}, err
		}
		basis := fmt.Sprintf("statistical attribute sampling, %s model: confidence %s, tolerable rate %s, expected rate %s",
			model, in.Confidence, in.Tolerable, in.Expected)
		if n > 0 {
			basis += fmt.Sprintf(", population %d", n)
		}
		basis += fmt.Sprintf(" → n = %d, up to %d deviation(s) still support the control", sz.SampleSize, sz.ExpectedDeviations)
		if sz.TestAll {
			basis += "; the population is no larger than n, so every item is tested"
		}
		return PlanSizing{Statistical: sz, Plan: SamplePlan{Kind: PlanStatistical, Confidence: in.Confidence.String(), Tolerable: in.Tolerable.String(), Expected: in.Expected.String(),
			Model: string(model), Size: sz.SampleSize, Allowed: sz.ExpectedDeviations, Basis: basis}}, nil
	case PlanFrequency:
		if c.Frequency == "" {
			return PlanSizing{}, &NoFrequencyError{Control: c.Ref}
		}
		r, err := sampling.ParseRisk(risk)
		if err != nil {
			return PlanSizing{}, err
		}
		fs, err := table.Size(c.Frequency, r, n)
		if err != nil {
			return PlanSizing{Frequency: fs}, fmt.Errorf("control %s: %w", c.Ref, err)
		}
		basis := "frequency-based (nonstatistical): " + fs.Rule
		if fs.Note != "" {
			basis += "; " + fs.Note
		}
		return PlanSizing{Frequency: fs, Plan: SamplePlan{Kind: PlanFrequency, Size: fs.SampleSize, Basis: basis}}, nil
	case PlanAll:
		basis := "every occurrence is tested"
		if n > 0 {
			basis += fmt.Sprintf(" (%d)", n)
		}
		return PlanSizing{Plan: SamplePlan{Kind: PlanAll, Size: n, Basis: basis}}, nil
	}
	return PlanSizing{}, fmt.Errorf("unknown plan %q (statistical, frequency or all)", in.Kind)
}

// NoFrequencyError refuses a frequency-based plan for a control the matrix
// gives no frequency.
type NoFrequencyError struct{ Control string }

func (e *NoFrequencyError) Error() string {
	return fmt.Sprintf("control %s has no frequency: set one in the control matrix, or plan a statistical sample", e.Control)
}

// planFor is SizePlan's plan.
func planFor(in PlanInput, c Control, risk string, n int, table sampling.FrequencyTable) (SamplePlan, error) {
	sz, err := SizePlan(in, c, risk, n, table)
	return sz.Plan, err
}

// SetPlan sizes a control's sample (SizePlan) and records the plan, with the
// control's new risk rating when in.Risk changes it, in one transaction.
func (w *Workpaper) SetPlan(ctx context.Context, controlRef string, in PlanInput) (SamplePlan, error) {
	ct, err := w.ControlTest(ctx, controlRef)
	if err != nil {
		return SamplePlan{}, err
	}
	pop, err := w.CurrentPopulation(ctx, controlRef)
	if err != nil {
		return SamplePlan{}, err
	}
	n := 0
	if pop != nil {
		n = pop.Rows
	}
	table, err := w.FrequencyTable(ctx)
	if err != nil {
		return SamplePlan{}, err
	}
	plan, err := planFor(in, ct.Control, ct.Risk, n, table)
	if err != nil {
		return SamplePlan{}, err
	}
	if in.Risk != "" && in.Risk != "lower" && in.Risk != "higher" {
		return SamplePlan{}, fmt.Errorf("unknown risk %q (lower or higher)", in.Risk)
	}
	// A frequency-based plan at another risk than the control's records the
	// new rating with it ("" counts as lower).
	setRisk := in.Kind == PlanFrequency && in.Risk != "" && in.Risk != ct.Risk && !(in.Risk == "lower" && ct.Risk == "")
	err = w.write(ctx, func(t *txn) error {
		id, ref, err := t.testOf(controlRef)
		if err != nil {
			return err
		}
		touched := false
		if setRisk {
			if touched, err = t.setRisk(id, ref, in.Risk); err != nil {
				return err
			}
		}
		changed, err := t.update("control_test", id, 0, "the workpaper of "+ref, planFields(plan)...)
		if err != nil || !(changed || touched) {
			return err
		}
		return t.touch(id)
	})
	return plan, err
}

func planFields(p SamplePlan) []field {
	return []field{{"plan_kind", p.Kind}, {"plan_confidence", p.Confidence}, {"plan_tolerable", p.Tolerable},
		{"plan_expected", p.Expected}, {"plan_model", p.Model}, {"plan_size", p.Size}, {"plan_allowed", p.Allowed}, {"plan_basis", p.Basis}}
}

// SampleItem is one selected occurrence.
type SampleItem struct {
	UUID      string
	Ordinal   int // 1-based order in the selection, extensions after
	Position  int // 1-based position in the population
	Extension int // 0 for the initial selection, k for the k-th extension
}

// Selection is a drawn sample with its re-performable record.
type Selection struct {
	UUID           string
	ControlRef     string
	PopulationUUID string
	Record         sampling.SelectionRecord
	SizeBasis      string
	DrawnBy        string
	DrawnAt        time.Time
	Items          []SampleItem
	Version        int
}

// DrawInput asks for a sample.
type DrawInput struct {
	ControlRef string
	Method     sampling.Method // "" = random
	Seed       *uint64         // nil = a fresh seed, shown and stored
	Size       int             // 0 = the plan's size (or frequency-based)
	Positions  []int           // judgmental picks
}

// ErrAlreadyDrawn refuses to replace a sample silently.
var ErrAlreadyDrawn = errors.New("a sample was already drawn")

// DrawSample selects a sample from the control's current population and
// stores the full selection record.
func (w *Workpaper) DrawSample(ctx context.Context, in DrawInput) (*Selection, error) {
	ct, err := w.ControlTest(ctx, in.ControlRef)
	if err != nil {
		return nil, err
	}
	ref := ct.Control.Ref
	pop, err := w.CurrentPopulation(ctx, ref)
	if err != nil {
		return nil, err
	}
	if pop == nil {
		return nil, hintErrorf("%s has no population%s", ref, HintImportPopulation)
	}
	if pop.Rows == 0 {
		return nil, fmt.Errorf("the population of %s is empty: the control did not operate in the period; conclude it as not-occurring", ref)
	}
	method := in.Method
	if method == "" {
		method = sampling.Random
	}
	size, basis := in.Size, ""
	planned := SamplePlan{}
	switch {
	case method == sampling.AllItems:
		basis = "every occurrence is tested"
	case method == sampling.Judgmental:
		basis = "items selected by the auditor's judgment"
	case size > 0:
		basis = fmt.Sprintf("size %d set by the auditor at draw", size)
		if ct.Plan.Size > 0 && ct.Plan.Size != size {
			basis += fmt.Sprintf(" (the plan says %d)", ct.Plan.Size)
		}
	case ct.Plan.Kind != "":
		// Re-size on the population actually imported: the plan may have
		// been made before it was.
		table, err := w.FrequencyTable(ctx)
		if err != nil {
			return nil, err
		}
		conf, _ := sampling.ParseRate(ct.Plan.Confidence)
		tol, _ := sampling.ParseRate(ct.Plan.Tolerable)
		exp, _ := sampling.ParseRate(ct.Plan.Expected)
		planned, err = planFor(PlanInput{Kind: ct.Plan.Kind, Confidence: conf, Tolerable: tol, Expected: exp, Model: sampling.Model(ct.Plan.Model)},
			ct.Control, ct.Risk, pop.Rows, table)
		if err != nil {
			return nil, err
		}
		size, basis = planned.Size, planned.Basis
	default:
		table, err := w.FrequencyTable(ctx)
		if err != nil {
			return nil, err
		}
		planned, err = planFor(PlanInput{Kind: PlanFrequency}, ct.Control, ct.Risk, pop.Rows, table)
		if err != nil {
			return nil, hintErrorf("%w%s", err, HintPlanSample)
		}
		size = planned.Size
		basis = "no plan recorded, so the frequency-based size was used: " + strings.TrimPrefix(planned.Basis, "frequency-based (nonstatistical): ")
	}
	if (method == sampling.Random || method == sampling.Systematic) && size >= pop.Rows {
		method = sampling.AllItems
		basis += fmt.Sprintf("; n ≥ N = %d, so every item is tested", pop.Rows)
	}
	var seed uint64
	if in.Seed != nil {
		seed = *in.Seed
	} else if method == sampling.Random || method == sampling.Systematic {
		seed = sampling.NewSeed()
	}
	rec, err := sampling.Select(sampling.Request{Method: method, Population: pop.Rows, Size: size, Seed: seed,
		PopulationSHA256: pop.SHA256, Positions: in.Positions})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ref, err)
	}
	recJSON, err := json.Marshal(rec)
	if err != nil {
		return nil, err
	}
	err = w.write(ctx, func(t *txn) error {
		testUUID, _, err := t.testOf(ref)
		if err != nil {
			return err
		}
		var n int
		if err := t.tx.QueryRowContext(ctx, "SELECT count(*) FROM selection WHERE test_uuid = ? AND current = 1", testUUID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return hintErrorf("%s: %w%s (a sample is never silently replaced)", ref, ErrAlreadyDrawn, HintExtendSample)
		}
		if planned.Kind != "" && ct.Plan.Kind == "" {
			// Record the plan the draw used.
			if _, err := t.update("control_test", testUUID, 0, "the workpaper of "+ref, planFields(planned)...); err != nil {
				return err
			}
		}
		kind := itemsDerived
		if rec.Method == sampling.AllItems && isWholePopulation(rec.Positions) && len(rec.Positions) == pop.Rows {
			kind = itemsVirtual // every row, in order: nothing to store
		}
		selUUID, err := t.insert("selection", field{"test_uuid", testUUID}, field{"population_uuid", pop.UUID}, field{"method", string(rec.Method)},
			field{"seed", fmt.Sprint(rec.Seed)}, field{"size", rec.Size}, field{"size_basis", basis}, field{"record", string(recJSON)},
			field{"items_derived", kind})
		if err != nil {
			return err
		}
		if kind == itemsDerived {
			if err := t.insertItems(selUUID, true, rec.Positions, 0, 0); err != nil {
				return err
			}
		}
		if err := t.event("selection", selUUID, fmt.Sprintf("sample drawn: %s, seed %d, %d of %d items; %s", rec.Method, rec.Seed, rec.Size, rec.Population, basis)); err != nil {
			return err
		}
		return t.touch(testUUID)
	})
	if err != nil {
		return nil, err
	}
	return w.Selection(ctx, ref)
}

// insertItems adds a selection's items. Derived items (every selection
// drawn since schema 3) are not logged one by one: the selection record,
// logged with the selection, says which they are, their UUIDs follow from
// the selection's, and verify checks every stored item against the record
// (derivedItemsCheck). That keeps a test-all draw of a million items to
// one trail entry instead of five million.
func (t *txn) insertItems(selUUID string, derived bool, positions []int, firstOrdinal, extension int) error {
	if derived {
		return t.insertDerivedItems(selUUID, positions, firstOrdinal, extension)
	}
	for i, p := range positions {
		if _, err := t.insert("sample_item", field{"selection_uuid", selUUID}, field{"ordinal", firstOrdinal + i + 1},
			field{"position", p}, field{"extension", extension}); err != nil {
			return err
		}
	}
	return nil
}

// ExtendSample adds items to a drawn sample (after a deviation, typically),
// drawn from the items not yet selected and recorded as an extension.
func (w *Workpaper) ExtendSample(ctx context.Context, controlRef string, add int, reason string) (*Selection, error) {
	sel, err := w.Selection(ctx, controlRef)
	if err != nil {
		return nil, err
	}
	if sel == nil {
		return nil, fmt.Errorf("%s has no sample to extend: draw one first", controlRef)
	}
	rec, err := sampling.Extend(sel.Record, add)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", sel.ControlRef, err)
	}
	recJSON, _ := json.Marshal(rec)
	ext := rec.Extensions[len(rec.Extensions)-1]
	err = w.write(ctx, func(t *txn) error {
		testUUID, ref, err := t.testOf(controlRef)
		if err != nil {
			return err
		}
		if _, err := t.update("selection", sel.UUID, sel.Version, "the sample of "+ref, field{"record", string(recJSON)}); err != nil {
			return err
		}
		var kind int
		if err := t.tx.QueryRowContext(ctx, `SELECT items_derived FROM selection WHERE uuid = ?`, sel.UUID).Scan(&kind); err != nil {
			return err
		}
		if kind == itemsVirtual {
			return fmt.Errorf("%s: every item of the population is in the sample already; there is nothing to extend it with", ref)
		}
		if err := t.insertItems(sel.UUID, kind != itemsLogged, ext.Positions, len(sel.Items), len(rec.Extensions)); err != nil {
			return err
		}
		note := fmt.Sprintf("sample extended by %d items (extension %d)", add, len(rec.Extensions))
		if reason != "" {
			note += ": " + reason
		}
		if err := t.event("selection", sel.UUID, note); err != nil {
			return err
		}
		return t.touch(testUUID)
	})
	if err != nil {
		return nil, err
	}
	return w.Selection(ctx, controlRef)
}

// Selection returns a control's current sample, or nil if none was drawn.
func (w *Workpaper) Selection(ctx context.Context, controlRef string) (*Selection, error) {
	ct, err := w.ControlTest(ctx, controlRef)
	if err != nil {
		return nil, err
	}
	sels, err := w.currentSelections(ctx, []*ControlTest{ct}, false)
	if err != nil {
		return nil, err
	}
	return sels[ct.UUID], nil
}

// currentSelections reads the current samples, with their items, of tests
// by test UUID. With all set, tests is every test and each table is read
// once; otherwise tests is one test and only its rows are read.
func (w *Workpaper) currentSelections(ctx context.Context, tests []*ControlTest, all bool) (map[string]*Selection, error) {
	refs := make(map[string]string, len(tests))
	for _, ct := range tests {
		refs[ct.UUID] = ct.Control.Ref
	}
	q := `SELECT test_uuid, uuid, population_uuid, record, size_basis, created_by, created_at, version, items_derived
		FROM selection WHERE current = 1`
	var args []any
	if !all {
		q += " AND test_uuid = ?"
		args = append(args, tests[0].UUID)
	}
	out := map[string]*Selection{}
	byUUID := map[string]*Selection{}
	err := w.scanRows(ctx, func(rows *sql.Rows) error {
		s := &Selection{}
		var test, rec, at string
		var kind int
		if err := rows.Scan(&test, &s.UUID, &s.PopulationUUID, &rec, &s.SizeBasis, &s.DrawnBy, &at, &s.Version, &kind); err != nil {
			return err
		}
		s.ControlRef, s.DrawnAt = refs[test], parseTime(at)
		if err := json.Unmarshal([]byte(rec), &s.Record); err != nil {
			return fmt.Errorf("the selection record of %s is unreadable: %w", s.ControlRef, err)
		}
		out[test], byUUID[s.UUID] = s, s
		if kind == itemsVirtual {
			// The whole population in order: computed, not read.
			s.Items = virtualItems(s.UUID, 1, len(s.Record.Positions))
			delete(byUUID, s.UUID)
		}
		return nil
	}, q, args...)
	if err != nil || len(byUUID) == 0 {
		return out, err
	}
	// The stored items: of the one selection, or of every current one.
	q = "SELECT i.selection_uuid, i.uuid, i.ordinal, i.position, i.extension FROM sample_item i"
	args = nil
	if !all {
		q += " WHERE i.selection_uuid = ?"
		args = append(args, out[tests[0].UUID].UUID)
	} else {
		q += " JOIN selection s ON s.uuid = i.selection_uuid AND s.current = 1 AND s.items_derived != 2"
	}
	err = w.scanRows(ctx, func(rows *sql.Rows) error {
		var sel string
		var it SampleItem
		if err := rows.Scan(&sel, &it.UUID, &it.Ordinal, &it.Position, &it.Extension); err != nil {
			return err
		}
		if s := byUUID[sel]; s != nil {
			s.Items = append(s.Items, it)
		}
		return nil
	}, q+" ORDER BY i.ordinal", args...)
	return out, err
}

// SelectionCheck is the outcome of re-performing a stored selection.
type SelectionCheck struct {
	ControlRef string   `json:"control"`
	Matches    bool     `json:"matches"`
	Problems   []string `json:"problems"`
}

// VerifySelection re-performs a control's selection from its record and
// checks the record against the stored population and items. When source
// is given, the population file is hashed and compared too.
func (w *Workpaper) VerifySelection(ctx context.Context, controlRef, source string) (SelectionCheck, error) {
	sel, err := w.Selection(ctx, controlRef)
	if err != nil {
		return SelectionCheck{}, err
	}
	if sel == nil {
		return SelectionCheck{}, fmt.Errorf("%s has no sample to verify", controlRef)
	}
	return w.checkSelection(ctx, sel, source, nil)
}

// checkSelection re-performs a selection and checks it against the stored
// population; digests, when given, are the populations' row digests that
// verify already computed.
func (w *Workpaper) checkSelection(ctx context.Context, sel *Selection, source string, digests map[string]digestResult) (SelectionCheck, error) {
	chk := SelectionCheck{ControlRef: sel.ControlRef, Problems: []string{}}
	bad := func(format string, a ...any) { chk.Problems = append(chk.Problems, fmt.Sprintf(format, a...)) }
	diffs, err := sampling.Verify(sel.Record)
	if err != nil {
		bad("the record cannot be re-performed: %v", err)
	}
	for _, d := range diffs {
		bad("re-performing the selection differs: %s", d)
	}
	var sha, digest string
	var rows int
	err = w.db.QueryRowContext(ctx, "SELECT sha256, row_count, rows_digest FROM population WHERE uuid = ?", sel.PopulationUUID).Scan(&sha, &rows, &digest)
	if err != nil {
		return chk, err
	}
	if sel.Record.PopulationSHA256 != sha {
		bad("the record's population SHA-256 %s is not the stored population's %s", sel.Record.PopulationSHA256, sha)
	}
	if sel.Record.Population != rows {
		bad("the record says N = %d; the stored population has %d rows", sel.Record.Population, rows)
	}
	got, ok := digests[sel.PopulationUUID]
	if !ok {
		if got, err = w.populationDigest(ctx, sel.PopulationUUID); err != nil {
			return chk, err
		}
	}
	if got.rows != rows || got.digest != digest {
		bad("the stored population rows were altered after import (%d rows now, digest mismatch)", got.rows)
	}
	want := sel.Record.Selected()
	if len(want) != len(sel.Items) {
		bad("the record selects %d items; %d are stored", len(want), len(sel.Items))
	}
	for i := 0; i < min(len(want), len(sel.Items)); i++ {
		if want[i] != sel.Items[i].Position {
			bad("item %d is position %d in the workpaper but %d in the record", i+1, sel.Items[i].Position, want[i])
		}
	}
	if source != "" {
		fileSum, _, err := hashFile(source)
		if err != nil {
			bad("the population file %s cannot be read: %v", source, err)
		} else if fileSum != sha {
			bad("the population file %s has SHA-256 %s, not the imported %s: it changed since import", source, fileSum, sha)
		}
	}
	chk.Matches = len(chk.Problems) == 0
	return chk, nil
}

type digestResult struct {
	rows   int
	digest string
}

// populationDigest recomputes the rows digest, streaming in pages.
func (w *Workpaper) populationDigest(ctx context.Context, popUUID string) (digestResult, error) {
	d := newRowsDigest()
	n, from := 0, 1
	for {
		rows, err := w.db.QueryContext(ctx, `SELECT position, source_row, occurrence_id, occurrence_date, cells FROM population_row
			WHERE population_id = (SELECT id FROM population WHERE uuid = ?) AND position >= ? ORDER BY position LIMIT 5000`, popUUID, from)
		if err != nil {
			return digestResult{}, err
		}
		got := 0
		for rows.Next() {
			var pos, src int
			var id, date, cells string
			if err := rows.Scan(&pos, &src, &id, &date, &cells); err != nil {
				rows.Close()
				return digestResult{}, err
			}
			d.add(pos, src, id, date, cells)
			from = pos + 1
			got++
		}
		if err := closeRows(rows); err != nil {
			return digestResult{}, err
		}
		n += got
		if got < 5000 {
			break
		}
	}
	return digestResult{n, d.sum()}, nil
}
