package export

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/fieldwork-audit/fieldwork/model"
)

// ResultValues are the fields of one result a team member can type into
// an exported control test sheet.
type ResultValues struct {
	Outcome  string `json:"outcome"`
	Tickmark string `json:"tickmark"`
	Note     string `json:"note"`
	Evidence string `json:"evidence"`
}

// ResultEntry is one result read back from a workbook: a change to apply,
// a conflict or an invalid entry.
type ResultEntry struct {
	Sheet     string `json:"sheet"`
	Row       int    `json:"row"` // the row in the sheet, 1-based
	WPRef     string `json:"wp_ref"`
	Control   string `json:"control"`
	Item      int    `json:"item"`     // the item's number in the sample
	Position  int    `json:"position"` // its position in the population
	Attribute string `json:"attribute"`
	// Action is "add" (no result yet) or "change".
	Action string        `json:"action,omitempty"`
	From   *ResultValues `json:"from,omitempty"`
	To     ResultValues  `json:"to"`
	// Version is the result's version the workbook was exported with (0:
	// there was no result); Current the version in the workpaper now.
	Version int `json:"version"`
	Current int `json:"current_version,omitempty"`
	// Problem says why a conflict or invalid entry is refused. Refusal is
	// the model's refusal behind it, when there is one, for a front end to
	// word with its own advice (model.Words).
	Problem string `json:"problem,omitempty"`
	Refusal error  `json:"-"`
}

// ImportPlan is what a workbook would change. Nothing is written until
// Apply.
type ImportPlan struct {
	Book string `json:"book"`
	// Sheets are the control test sheets read, as W/P refs.
	Sheets []string `json:"sheets"`
	// Changes can be applied; Conflicts are refused because the workpaper
	// holds a newer entry; Invalid are refused because the cell cannot be
	// applied as typed.
	Changes   []ResultEntry `json:"changes"`
	Conflicts []ResultEntry `json:"conflicts"`
	Invalid   []ResultEntry `json:"invalid"`
	Unchanged int           `json:"unchanged"`
	Applied   int           `json:"applied"`
}

// Refused is the number of entries not applied for a reason.
func (p *ImportPlan) Refused() int { return len(p.Conflicts) + len(p.Invalid) }

// ErrNotExport means the workbook has no control test sheet exported by
// fieldwork.
var ErrNotExport = errors.New("no control test sheet exported by fieldwork was found")

// PlanImport reads the results typed into the control test sheets of an
// exported workbook and compares them with the workpaper. Sheets are
// recognized by their hidden key row (not by name, so a renamed sheet
// still matches) and matched to control tests by W/P ref; items by
// population position; each result carries the version it was exported
// with, so an entry made in the workpaper since then is a conflict, never
// overwritten.
func PlanImport(ctx context.Context, w *model.Workpaper, bookPath string) (*ImportPlan, error) {
	eng, err := w.Engagement(ctx)
	if err != nil {
		return nil, err
	}
	f, err := excelize.OpenFile(bookPath)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", bookPath, err)
	}
	defer f.Close()
	legend, err := w.Tickmarks(ctx)
	if err != nil {
		return nil, err
	}
	ticks := map[string]bool{}
	for _, t := range legend {
		ticks[t.Symbol] = true
	}
	controls, err := w.Controls(ctx)
	if err != nil {
		return nil, err
	}
	byWP := map[string]string{}
	for _, c := range controls {
		ct, err := w.ControlTest(ctx, c.Ref)
		if err != nil {
			return nil, err
		}
		byWP[ct.WPRef] = c.Ref
	}
	plan := &ImportPlan{Book: bookPath, Sheets: []string{}, Changes: []ResultEntry{}, Conflicts: []ResultEntry{}, Invalid: []ResultEntry{}}
	for _, name := range f.GetSheetList() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		g, err := readGrid(f, name)
		if err != nil {
			return nil, err
		}
		if g == nil {
			continue
		}
		if g.engagement != eng.UUID {
			return nil, fmt.Errorf("%s: sheet %q was exported from another engagement (%s), not this workpaper's (%s)", bookPath, name, g.engagement, eng.UUID)
		}
		ref, ok := byWP[g.wpRef]
		if !ok {
			return nil, fmt.Errorf("%s: sheet %q is W/P %s, which this workpaper does not have", bookPath, name, g.wpRef)
		}
		plan.Sheets = append(plan.Sheets, g.wpRef)
		if err := planSheet(ctx, w, plan, g, ref, ticks); err != nil {
			return nil, err
		}
	}
	if len(plan.Sheets) == 0 {
		return nil, fmt.Errorf("%s: %w", bookPath, ErrNotExport)
	}
	return plan, nil
}

// grid is a control test sheet's tested-items grid as read back.
type grid struct {
	sheet, engagement, selection, wpRef string
	cols                                map[string]int // key → 0-based column
	attrs                               []string       // letters in column order
	rows                                []gridRow
	headings                            bool
}

type gridRow struct {
	row    int
	values []string
}

// readGrid finds the key row of a sheet and reads the grid below it; a
// sheet without one returns nil.
func readGrid(f *excelize.File, sheet string) (*grid, error) {
	rows, err := f.Rows(sheet)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var g *grid
	n := 0
	for rows.Next() {
		n++
		vals, err := rows.Columns()
		if err != nil {
			return nil, fmt.Errorf("sheet %q row %d: %w", sheet, n, err)
		}
		if g == nil {
			if len(vals) == 0 || !strings.HasPrefix(vals[0], gridKeyMarker+"|") {
				continue
			}
			parts := strings.SplitN(vals[0], "|", 4)
			if len(parts) != 4 {
				return nil, fmt.Errorf("sheet %q row %d: the grid's key is damaged", sheet, n)
			}
			g = &grid{sheet: sheet, engagement: parts[1], selection: parts[2], wpRef: parts[3], cols: map[string]int{}}
			for i, k := range vals[1:] {
				g.cols[k] = i + 1
				if l, f, ok := strings.Cut(k, ":"); ok && f == fieldOutcome {
					g.attrs = append(g.attrs, l)
				}
			}
			if _, ok := g.cols[keyPosition]; !ok {
				return nil, fmt.Errorf("sheet %q row %d: the grid's key has no position column", sheet, n)
			}
			continue
		}
		if len(vals) > 0 && vals[0] == gridEndMarker {
			return g, nil
		}
		if !g.headings {
			g.headings = true // the row after the key holds the headings
			continue
		}
		g.rows = append(g.rows, gridRow{row: n, values: vals})
	}
	if err := rows.Error(); err != nil {
		return nil, err
	}
	if g != nil {
		return nil, fmt.Errorf("sheet %q: the grid's end row is missing (were rows deleted below the items?)", sheet)
	}
	return nil, nil
}

func (g *grid) cell(r gridRow, key string) string {
	i, ok := g.cols[key]
	if !ok || i >= len(r.values) {
		return ""
	}
	return r.values[i]
}

// parseOutcome accepts the outcomes and a few common spellings.
func parseOutcome(s string) (model.Outcome, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "pass", "passed", "ok":
		return model.Pass, true
	case "deviation", "dev", "exception", "fail", "failed":
		return model.Deviation, true
	case "na", "n/a", "not applicable":
		return model.NotApplicable, true
	}
	return "", false
}

func planSheet(ctx context.Context, w *model.Workpaper, plan *ImportPlan, g *grid, ref string, ticks map[string]bool) error {
	sel, err := w.Selection(ctx, ref)
	if err != nil {
		return err
	}
	results, err := w.Results(ctx, ref)
	if err != nil {
		return err
	}
	type key struct {
		pos    int
		letter string
	}
	current := map[key]model.Result{}
	for _, r := range results {
		current[key{r.Position, r.Attribute}] = r
	}
	items := map[int]model.SampleItem{}
	if sel != nil {
		for _, it := range sel.Items {
			items[it.Position] = it
		}
	}
	if sel == nil || sel.UUID != g.selection {
		// Positions may now name other items: nothing on the sheet applies.
		plan.Conflicts = append(plan.Conflicts, ResultEntry{Sheet: g.sheet, WPRef: g.wpRef, Control: ref,
			Problem: "the sample was redrawn or replaced in the workpaper since this workbook was exported: nothing on this sheet is applied"})
		return nil
	}
	for _, r := range g.rows {
		posText := strings.TrimSpace(g.cell(r, keyPosition))
		if posText == "" {
			continue // a blank or inserted row
		}
		pos, perr := strconv.Atoi(strings.ReplaceAll(posText, ",", ""))
		for _, letter := range g.attrs {
			e := ResultEntry{Sheet: g.sheet, Row: r.row, WPRef: g.wpRef, Control: ref, Position: pos, Attribute: letter,
				To: ResultValues{Outcome: g.cell(r, letter+":"+fieldOutcome), Tickmark: g.cell(r, letter+":"+fieldTick),
					Note: g.cell(r, letter+":"+fieldNote), Evidence: g.cell(r, letter+":"+fieldEvid)}}
			if v := strings.TrimSpace(g.cell(r, letter+":"+fieldVersion)); v != "" {
				e.Version, _ = strconv.Atoi(v)
			}
			blank := strings.TrimSpace(e.To.Outcome+e.To.Tickmark+e.To.Note+e.To.Evidence) == ""
			invalid := func(why string) { e.Problem = why; plan.Invalid = append(plan.Invalid, e) }
			conflict := func(why string) { e.Problem = why; plan.Conflicts = append(plan.Conflicts, e) }
			if perr != nil {
				if !blank {
					invalid(fmt.Sprintf("position %q is not a number", posText))
				}
				continue
			}
			it, inSample := items[pos]
			e.Item = it.Ordinal
			cur, has := current[key{pos, letter}]
			if has {
				e.Current = cur.Version
				e.From = &ResultValues{Outcome: string(cur.Outcome), Tickmark: cur.Tickmark, Note: cur.Note, Evidence: cur.Evidence}
			}
			if blank {
				if has && e.Version == cur.Version {
					invalid("the result was cleared in the workbook; results cannot be deleted from Excel")
				}
				continue // nothing typed (or entered in the workpaper since export)
			}
			if !inSample {
				invalid(fmt.Sprintf("position %d is not in the sample of %s", pos, ref))
				continue
			}
			out, ok := parseOutcome(e.To.Outcome)
			if !ok {
				if strings.TrimSpace(e.To.Outcome) == "" {
					invalid("a result needs an outcome: pass, deviation or na")
				} else {
					invalid(fmt.Sprintf("outcome %q is not pass, deviation or na", e.To.Outcome))
				}
				continue
			}
			e.To.Outcome = string(out)
			e.To.Tickmark = strings.TrimSpace(e.To.Tickmark)
			if e.To.Tickmark != "" && !ticks[e.To.Tickmark] {
				err := model.HintErrorf("tickmark %q is not in the legend%s", e.To.Tickmark, model.HintAddTickmark)
				e.Refusal = err
				invalid(err.Error())
				continue
			}
			if has && sameResult(cur, e.To) {
				plan.Unchanged++
				continue
			}
			switch {
			case !has && e.Version != 0:
				conflict("the result no longer exists in the workpaper")
			case !has:
				e.Action = "add"
				plan.Changes = append(plan.Changes, e)
			case e.Version != cur.Version:
				conflict(fmt.Sprintf("changed in the workpaper by %s at %s since this workbook was exported (version %d; the workbook has %d)",
					cur.TestedBy, cur.TestedAt.Format("2006-01-02 15:04"), cur.Version, e.Version))
			case cur.BlobUUID != "":
				invalid("the result's evidence is attached in the workpaper: change it in fieldwork, not in Excel")
			case utf16Len(cur.Note) > MaxCellChars || utf16Len(cur.Evidence) > MaxCellChars:
				invalid("the result's note is longer than a cell holds, so the workbook has a truncated copy: change it in fieldwork")
			default:
				e.Action = "change"
				plan.Changes = append(plan.Changes, e)
			}
		}
	}
	return nil
}

// sameResult compares a stored result with what the workbook holds, as the
// export wrote it.
func sameResult(r model.Result, v ResultValues) bool {
	return string(r.Outcome) == v.Outcome && CellText(r.Tickmark) == v.Tickmark && CellText(r.Note) == v.Note && CellText(r.Evidence) == v.Evidence
}

// Apply records the plan's changes in one transaction, each with the
// version it was based on: a result changed in the workpaper in the
// meantime is refused (moved to Conflicts), never overwritten, and the
// others are recorded. Killed or failing midway, it records none.
func (p *ImportPlan) Apply(ctx context.Context, w *model.Workpaper) error {
	ins := make([]model.ResultInput, len(p.Changes))
	for i, e := range p.Changes {
		// An add has no version to check: it is refused if the cell was
		// recorded meanwhile.
		ins[i] = model.ResultInput{ControlRef: e.Control, Position: e.Position, Attribute: e.Attribute,
			Outcome: model.Outcome(e.To.Outcome), Note: e.To.Note, Tickmark: e.To.Tickmark, Evidence: e.To.Evidence,
			Version: e.Version, IfUntested: e.Action == "add"}
	}
	refused, err := w.SetResultsEach(ctx, ins)
	if err != nil {
		return err
	}
	keep := []ResultEntry{}
	for i, e := range p.Changes {
		err := refused[i]
		var stale *model.StaleError
		switch {
		case errors.As(err, &stale) && e.Action == "add":
			e.Current = stale.Current
			e.Problem = fmt.Sprintf("entered in the workpaper by %s at %s while this import ran", stale.By, stale.At.Local().Format("2006-01-02 15:04"))
			p.Conflicts = append(p.Conflicts, e)
		case errors.As(err, &stale):
			e.Current = stale.Current
			e.Problem = stale.Error()
			p.Conflicts = append(p.Conflicts, e)
		case err != nil:
			e.Problem, e.Refusal = err.Error(), err
			p.Invalid = append(p.Invalid, e)
		default:
			p.Applied++
			keep = append(keep, e)
		}
	}
	p.Changes = keep
	return nil
}
