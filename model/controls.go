package model

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/fieldwork-audit/fieldwork/internal/tabular"
	"github.com/fieldwork-audit/fieldwork/sampling"
)

// Control is one of the client's controls and the criteria it addresses.
type Control struct {
	UUID        string
	Ref         string // the client's control ID, e.g. "CM-02"
	Description string
	Owner       string
	Frequency   sampling.Frequency
	Nature      Nature
	Key         bool
	Criteria    []string // catalog IDs in report order
	Version     int
	UpdatedBy   string
	UpdatedAt   time.Time
}

// ErrNoControl is returned when a control reference is not in the workpaper.
var ErrNoControl = errors.New("no such control")

// Controls lists every control in matrix order.
func (w *Workpaper) Controls(ctx context.Context) ([]Control, error) {
	return w.controls(ctx, "")
}

// Control finds one control by its reference (case-insensitive).
func (w *Workpaper) Control(ctx context.Context, ref string) (Control, error) {
	cs, err := w.controls(ctx, ref)
	if err != nil {
		return Control{}, err
	}
	if len(cs) == 0 {
		return Control{}, hintErrorf("%w %q in %s%s", ErrNoControl, ref, w.path, HintListControls)
	}
	return cs[0], nil
}

func (w *Workpaper) controls(ctx context.Context, ref string) ([]Control, error) {
	q := `SELECT uuid, ref, description, owner, frequency, nature, is_key, version, updated_by, updated_at FROM control`
	var args []any
	if ref != "" {
		q += " WHERE ref = ? COLLATE NOCASE"
		args = append(args, strings.TrimSpace(ref))
	}
	q += " ORDER BY ordinal, ref"
	rows, err := w.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, friendlyDBError(err)
	}
	var out []Control
	byUUID := map[string]int{}
	for rows.Next() {
		var c Control
		var at string
		if err := rows.Scan(&c.UUID, &c.Ref, &c.Description, &c.Owner, &c.Frequency, &c.Nature, &c.Key, &c.Version, &c.UpdatedBy, &at); err != nil {
			rows.Close()
			return nil, err
		}
		c.UpdatedAt = parseTime(at)
		byUUID[c.UUID] = len(out)
		out = append(out, c)
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	// Only the mapping of the controls read: one control's read stays
	// constant-time however many controls the engagement has.
	mq := `SELECT m.control_uuid, m.criterion FROM control_criterion m JOIN criterion c ON c.ref = m.criterion`
	var margs []any
	if ref != "" {
		if len(out) == 0 {
			return out, nil
		}
		mq += " WHERE m.control_uuid = ?"
		margs = append(margs, out[0].UUID)
	}
	rows, err = w.db.QueryContext(ctx, mq+" ORDER BY c.ordinal", margs...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var cu, crit string
		if err := rows.Scan(&cu, &crit); err != nil {
			rows.Close()
			return nil, err
		}
		if i, ok := byUUID[cu]; ok {
			out[i].Criteria = append(out[i].Criteria, crit)
		}
	}
	return out, closeRows(rows)
}

// ImportSummary says what a control matrix import changed.
type ImportSummary struct {
	Added     []string `json:"added"`
	Updated   []string `json:"updated"`
	Unchanged []string `json:"unchanged"`
	// NotInFile lists controls already in the workpaper that the file does
	// not mention: they are kept, never deleted by an import.
	NotInFile []string `json:"not_in_file"`
}

// ImportControls adds or updates controls by reference, in one transaction.
// source names the file for the audit trail.
func (w *Workpaper) ImportControls(ctx context.Context, in []ControlInput, source string) (ImportSummary, error) {
	var sum ImportSummary
	err := w.write(ctx, func(t *txn) error {
		sum = ImportSummary{}
		existing := map[string]Control{}
		rows, err := t.tx.QueryContext(ctx, `SELECT uuid, ref, description, owner, frequency, nature, is_key, ordinal FROM control`)
		if err != nil {
			return err
		}
		maxOrdinal := 0
		for rows.Next() {
			var c Control
			var ord int
			if err := rows.Scan(&c.UUID, &c.Ref, &c.Description, &c.Owner, &c.Frequency, &c.Nature, &c.Key, &ord); err != nil {
				rows.Close()
				return err
			}
			maxOrdinal = max(maxOrdinal, ord)
			existing[strings.ToUpper(c.Ref)] = c
		}
		if err := closeRows(rows); err != nil {
			return err
		}
		mapped := map[string]map[string]string{} // control uuid → criterion → mapping uuid
		rows, err = t.tx.QueryContext(ctx, `SELECT uuid, control_uuid, criterion FROM control_criterion`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id, cu, crit string
			if err := rows.Scan(&id, &cu, &crit); err != nil {
				rows.Close()
				return err
			}
			if mapped[cu] == nil {
				mapped[cu] = map[string]string{}
			}
			mapped[cu][crit] = id
		}
		if err := closeRows(rows); err != nil {
			return err
		}

		seen := map[string]bool{}
		for i, c := range in {
			key := strings.ToUpper(c.ID)
			seen[key] = true
			fields := []field{
				{"description", c.Description}, {"owner", c.Owner}, {"frequency", string(c.Frequency)},
				{"nature", string(c.Nature)}, {"is_key", c.Key},
			}
			var cu string
			changed := false
			if old, ok := existing[key]; ok {
				cu = old.UUID
				changed, err = t.update("control", cu, 0, "control "+old.Ref, fields...)
				if err != nil {
					return err
				}
			} else {
				cu, err = t.insert("control", append(fields, field{"ref", c.ID}, field{"ordinal", maxOrdinal + i + 1})...)
				if err != nil {
					return err
				}
				if err := t.createTest(cu, c.ID); err != nil {
					return err
				}
			}
			want := map[string]bool{}
			for _, crit := range c.Criteria {
				want[crit] = true
				if _, ok := mapped[cu][crit]; !ok {
					if _, err := t.insert("control_criterion", field{"control_uuid", cu}, field{"criterion", crit}); err != nil {
						return err
					}
					changed = true
				}
			}
			for crit, id := range mapped[cu] {
				if !want[crit] {
					if err := t.delete("control_criterion", id, "unmapped by control matrix import"); err != nil {
						return err
					}
					changed = true
				}
			}
			switch {
			case existing[key].UUID == "":
				sum.Added = append(sum.Added, c.ID)
			case changed:
				sum.Updated = append(sum.Updated, c.ID)
			default:
				sum.Unchanged = append(sum.Unchanged, c.ID)
			}
		}
		for k, c := range existing {
			if !seen[k] {
				sum.NotInFile = append(sum.NotInFile, c.Ref)
			}
		}
		sort.Strings(sum.NotInFile)
		return t.event("control", "", fmt.Sprintf("control matrix imported from %s: %d added, %d updated, %d unchanged",
			source, len(sum.Added), len(sum.Updated), len(sum.Unchanged)))
	})
	return sum, err
}

// Criterion is one Trust Services Criterion as this engagement sees it.
type Criterion struct {
	Ref         string   `json:"id"`
	Category    Category `json:"category"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	TextSource  string   `json:"text_source"`
	InScope     bool     `json:"in_scope"`
	Controls    []string `json:"controls"`
	// Key are the mapped controls the criterion relies on (the mapping
	// says key, or follows the control's key flag); the others contribute.
	Key []string `json:"key_controls"`
	// Gap is true for an in-scope criterion no control addresses.
	Gap bool `json:"gap"`
}

// Criteria lists all 61 criteria in report order, with scope, the controls
// mapped to each and coverage gaps.
func (w *Workpaper) Criteria(ctx context.Context) ([]Criterion, error) {
	e, err := w.Engagement(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := w.db.QueryContext(ctx, `SELECT ref, category, title, description, text_source FROM criterion ORDER BY ordinal`)
	if err != nil {
		return nil, friendlyDBError(err)
	}
	var out []Criterion
	idx := map[string]int{}
	for rows.Next() {
		var c Criterion
		if err := rows.Scan(&c.Ref, &c.Category, &c.Title, &c.Description, &c.TextSource); err != nil {
			rows.Close()
			return nil, err
		}
		c.InScope = e.InScope(c.Category)
		c.Controls, c.Key = []string{}, []string{}
		idx[c.Ref] = len(out)
		out = append(out, c)
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	rows, err = w.db.QueryContext(ctx, `SELECT m.criterion, c.ref, m.reliance = 'key' OR (m.reliance = '' AND c.is_key)
		FROM control_criterion m JOIN control c ON c.uuid = m.control_uuid ORDER BY c.ordinal, c.ref`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var crit, ref string
		var key bool
		if err := rows.Scan(&crit, &ref, &key); err != nil {
			rows.Close()
			return nil, err
		}
		if i, ok := idx[crit]; ok {
			out[i].Controls = append(out[i].Controls, ref)
			if key {
				out[i].Key = append(out[i].Key, ref)
			}
		}
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Gap = out[i].InScope && len(out[i].Controls) == 0
	}
	return out, nil
}

// CriteriaTextIssue is a problem in a firm's criteria catalog file.
type CriteriaTextIssue = MatrixIssue

// ImportCriteriaText loads a firm's licensed criteria text (columns id,
// title, description). It updates text, never IDs: every row must name a
// catalog criterion, or nothing is imported. It returns how many changed.
func (w *Workpaper) ImportCriteriaText(ctx context.Context, path string) (int, error) {
	tbl, err := tabular.OpenTable(path, tabular.TableOptions{})
	if err != nil {
		return 0, err
	}
	defer tbl.Close()
	col := map[string]int{}
	for i, h := range tbl.Header() {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	idCol, okID := col["id"]
	titleCol, okTitle := col["title"]
	descCol, okDesc := col["description"]
	if !okID || (!okTitle && !okDesc) {
		return 0, fmt.Errorf("%s: the header must have the columns id, title, description (found %s)", path, strings.Join(tbl.Header(), ", "))
	}
	type text struct{ id, title, desc string }
	var texts []text
	var issues []MatrixIssue
	seen := map[string]int{}
	for {
		row, err := tbl.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return 0, err
		}
		get := func(i int, ok bool) string {
			if !ok || i >= len(row) {
				return ""
			}
			return strings.TrimSpace(row[i])
		}
		raw := get(idCol, true)
		if raw == "" && get(titleCol, okTitle) == "" && get(descCol, okDesc) == "" {
			continue
		}
		id, known := NormalizeCriterionID(raw)
		switch {
		case raw == "":
			issues = append(issues, MatrixIssue{File: path, Row: tbl.Row(), Column: "id", Message: "missing criterion ID"})
			continue
		case !known:
			issues = append(issues, MatrixIssue{File: path, Row: tbl.Row(), Column: "id", Message: fmt.Sprintf("%q is not a Trust Services Criterion; IDs cannot be added or renamed", raw)})
			continue
		}
		if prev, dup := seen[id]; dup {
			issues = append(issues, MatrixIssue{File: path, Row: tbl.Row(), Column: "id", Message: fmt.Sprintf("%s is listed twice (also row %d)", id, prev)})
			continue
		}
		seen[id] = tbl.Row()
		texts = append(texts, text{id, get(titleCol, okTitle), get(descCol, okDesc)})
	}
	if len(issues) > 0 {
		return 0, &MatrixError{Issues: issues}
	}
	changed := 0
	err = w.write(ctx, func(t *txn) error {
		changed = 0
		for _, x := range texts {
			var uuid, title string
			if err := t.tx.QueryRowContext(ctx, "SELECT uuid, title FROM criterion WHERE ref = ?", x.id).Scan(&uuid, &title); err != nil {
				if errors.Is(err, sql.ErrNoRows) {
					return fmt.Errorf("criterion %s is missing from the workpaper", x.id)
				}
				return err
			}
			if x.title != "" {
				title = x.title
			}
			ok, err := t.update("criterion", uuid, 0, "criterion "+x.id, field{"title", title}, field{"description", x.desc}, field{"text_source", "firm"})
			if err != nil {
				return err
			}
			if ok {
				changed++
			}
		}
		return t.event("criterion", "", fmt.Sprintf("criteria text imported from %s: %d changed", path, changed))
	})
	return changed, err
}

// Reliance is whether a criterion relies on a mapped control.
type Reliance string

const (
	RelianceDefault     Reliance = ""            // as the control's key flag
	RelianceKey         Reliance = "key"         // the criterion relies on it
	RelianceContributes Reliance = "contributes" // it merely contributes
)

// SetReliance says whether criterion relies on the control (key) or the
// control merely contributes; RelianceDefault follows the control's key
// flag from the control matrix.
func (w *Workpaper) SetReliance(ctx context.Context, controlRef, criterion string, r Reliance) error {
	switch r {
	case RelianceDefault, RelianceKey, RelianceContributes:
	default:
		return fmt.Errorf("unknown reliance %q (key or contributes)", r)
	}
	id, ok := NormalizeCriterionID(criterion)
	if !ok {
		return fmt.Errorf("unknown criterion %q", criterion)
	}
	return w.write(ctx, func(t *txn) error {
		var mu, ref string
		err := t.queryRow(`SELECT m.uuid, c.ref FROM control_criterion m JOIN control c ON c.uuid = m.control_uuid
			WHERE c.ref = ? COLLATE NOCASE AND m.criterion = ?`, strings.TrimSpace(controlRef), id).Scan(&mu, &ref)
		if errors.Is(err, sql.ErrNoRows) {
			return hintErrorf("%s is not mapped to %s%s", controlRef, id, HintListMappings)
		}
		if err != nil {
			return err
		}
		_, err = t.update("control_criterion", mu, 0, "the mapping of "+ref+" to "+id, field{"reliance", string(r)})
		return err
	})
}
