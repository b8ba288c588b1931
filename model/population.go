package model

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/fieldwork-audit/fieldwork/internal/tabular"
)

// Population is the list of every occurrence of a control in the period, as
// the client provided it (information produced by the entity).
type Population struct {
	UUID        string
	ControlRef  string
	SourceName  string
	SourceSize  int64
	SHA256      string // of the source file as received
	Format      string // "csv" or "xlsx"
	Sheet       string
	HeaderRow   int
	Header      []string
	IDColumn    string
	DateColumn  string
	Rows        int
	RowsDigest  string // SHA-256 over the stored rows, to detect tampering
	FlagsDigest string // SHA-256 over the rows' flags (set after the rows digest)
	OutOfPeriod int
	BadDates    int
	Duplicates  int // rows whose occurrence ID appears more than once
	BlankRows   int
	// Of this import only (not stored): how the date column's numeric
	// dates were read, and the first rows whose date could not be read.
	DateOrder     DateOrder
	DateOrderBy   string // "data" (decided from the values) or "given"
	BadDateRows   []int
	IPEProcedure  string
	IPEResult     string
	ReplaceReason string
	ImportedBy    string
	ImportedAt    time.Time
	Version       int
}

// PopulationImport says what to import and how.
type PopulationImport struct {
	ControlRef string
	Path       string
	Sheet      string
	HeaderRow  int    // 0 = the first non-blank row
	IDColumn   string // heading of the occurrence ID column ("" = none)
	DateColumn string // heading of the occurrence date column ("" = none)
	// DateOrder says how numeric dates (07/03/2026) are read; unknown means
	// decide from the column's values (dateorder.go).
	DateOrder DateOrder
	// Replace must be set, with a Reason, to replace a population whose
	// sample already has results.
	Replace bool
	Reason  string
	// Progress, when set, is called every few thousand rows from the
	// importing goroutine.
	Progress func(rows int)
}

// PopulationRow is one stored occurrence.
type PopulationRow struct {
	Position  int
	SourceRow int
	ID        string
	Date      string // YYYY-MM-DD when the date column parsed
	Flags     []string
	Cells     []string
}

// Row flags.
const (
	FlagOutOfPeriod = "out-of-period"
	FlagBadDate     = "bad-date"
	FlagDuplicateID = "duplicate-id"
)

// ErrResultsExist refuses to replace a population that was already tested.
var ErrResultsExist = errors.New("the sample drawn from the current population already has results")

// ImportPopulation streams a CSV or XLSX population into the workpaper in
// one transaction: memory stays bounded whatever the file's size (what grows
// is 4 bytes a row to find duplicate IDs, up to 4M rows: dupids.go), and an
// interrupted import leaves no trace.
func (w *Workpaper) ImportPopulation(ctx context.Context, in PopulationImport) (*Population, error) {
	if w.readOnly {
		return nil, fmt.Errorf("%s: %w (%s)", w.path, ErrReadOnly, w.readOnlyReason)
	}
	eng, err := w.Engagement(ctx)
	if err != nil {
		return nil, err
	}
	hashed, err := hashFileAsync(ctx, in.Path)
	if err != nil {
		return nil, err
	}
	defer hashed()
	tbl, err := tabular.OpenTable(in.Path, tabular.TableOptions{Sheet: in.Sheet, HeaderRow: in.HeaderRow})
	if err != nil {
		return nil, err
	}
	defer func() { tbl.Close() }() // tbl is opened again if the date order must be decided
	header := tbl.Header()
	if err := checkHeadings(tbl); err != nil {
		return nil, err
	}
	idCol, err := columnIndex(header, in.IDColumn, "ID")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Base(in.Path), err)
	}
	dateCol, err := columnIndex(header, in.DateColumn, "date")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Base(in.Path), err)
	}
	// Numeric dates are read as given, or as the column's first value that
	// reads only one way says (the reader decides). If a value that reads
	// both ways comes first, the import stops, the column is read ahead to
	// decide (decideDateOrder) and the import starts again.
	order, orderBy := in.DateOrder, "given"
	if order == DateOrderUnknown {
		orderBy = "data"
	}
	headerJSON, _ := json.Marshal(header)
	p := &Population{SourceName: filepath.Base(in.Path), Format: tbl.Format(), Sheet: tbl.Sheet(),
		HeaderRow: tbl.HeaderRow(), Header: header, ReplaceReason: in.Reason, ImportedBy: w.user}
	if idCol >= 0 {
		p.IDColumn = header[idCol]
	}
	if dateCol >= 0 {
		p.DateColumn = header[dateCol]
	}

	body := func(t *txn) error {
		testUUID, ref, err := t.testOf(in.ControlRef)
		if err != nil {
			return err
		}
		p.ControlRef = ref
		// What does this import replace?
		var oldPop string
		err = t.tx.QueryRowContext(ctx, "SELECT uuid FROM population WHERE test_uuid = ? AND current = 1", testUUID).Scan(&oldPop)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if oldPop != "" {
			var results int
			if err := t.tx.QueryRowContext(ctx, `SELECT count(*) FROM result r JOIN sample_item i ON i.uuid = r.item_uuid
				JOIN selection s ON s.uuid = i.selection_uuid WHERE s.test_uuid = ? AND s.current = 1`, testUUID).Scan(&results); err != nil {
				return err
			}
			if results > 0 && (!in.Replace || strings.TrimSpace(in.Reason) == "") {
				return &InputError{Msg: fmt.Sprintf("%s: %s (%d results)", ref, ErrResultsExist, results), Input: InputReplace, Err: ErrResultsExist}
			}
			if _, err := t.update("population", oldPop, 0, "population of "+ref, field{"current", 0}); err != nil {
				return err
			}
			var sel string
			if err := t.tx.QueryRowContext(ctx, "SELECT uuid FROM selection WHERE test_uuid = ? AND current = 1", testUUID).Scan(&sel); err == nil {
				if _, err := t.update("selection", sel, 0, "sample of "+ref, field{"current", 0}); err != nil {
					return err
				}
			}
		}

		popUUID := t.w.newUUID()
		fields := func() []field {
			return []field{{"test_uuid", testUUID}, {"source_name", p.SourceName},
				{"source_size", p.SourceSize}, {"sha256", p.SHA256}, {"format", p.Format}, {"sheet", p.Sheet},
				{"header_row", p.HeaderRow}, {"header", string(headerJSON)}, {"id_column", p.IDColumn},
				{"date_column", p.DateColumn}, {"row_count", p.Rows}, {"rows_digest", p.RowsDigest},
				{"out_of_period", p.OutOfPeriod}, {"bad_dates", p.BadDates}, {"duplicates", p.Duplicates},
				{"blank_rows", p.BlankRows}, {"replace_reason", in.Reason}, {"flags_digest", p.FlagsDigest}}
		}
		// The record goes in first (for its integer key); its final counts
		// and the file's hash are set and logged once the rows are in.
		popID, err := t.insertRow("population", popUUID, fields()...)
		if err != nil {
			return err
		}
		// Reading and encoding rows (one goroutine) overlaps with SQLite
		// inserting them (this one): batches pass through a small channel,
		// so memory stays bounded whatever the file's size.
		rd := readRows(ctx, tbl, idCol, dateCol, order, eng, in.Progress)
		ins := newRowInserter(t, popID)
		defer ins.close()
		for batch := range rd.batches {
			if err := ins.exec(batch); err != nil {
				rd.stop()
				return err
			}
			rd.recycle(batch)
		}
		if err := rd.wait(); err != nil {
			return err
		}
		if err := tbl.RaggedError(); err != nil {
			return err
		}
		if rd.rows == 0 {
			return noRowsError(tbl)
		}
		p.Rows, p.OutOfPeriod, p.BadDates, p.RowsDigest = rd.rows, rd.outOfPeriod, rd.badDates, rd.digest
		p.BadDateRows = rd.badDateRows
		if dateCol >= 0 && rd.order != DateOrderUnknown {
			p.DateOrder, p.DateOrderBy = rd.order, orderBy
		}
		p.BlankRows = tbl.BlankRows()
		if idCol >= 0 {
			if p.Duplicates, err = flagDuplicates(t, popID, rd.ids); err != nil {
				return err
			}
		}
		if p.FlagsDigest, err = flagsDigestOf(ctx, t.tx, popID); err != nil {
			return err
		}
		if in.Progress != nil {
			in.Progress(p.Rows)
		}
		p.UUID = popUUID
		h := hashed()
		if h.err != nil {
			return h.err
		}
		p.SHA256, p.SourceSize = h.sum, h.size
		if _, err := t.exec(`UPDATE population SET source_size = ?, sha256 = ?, row_count = ?, rows_digest = ?, out_of_period = ?, bad_dates = ?,
			duplicates = ?, blank_rows = ?, flags_digest = ? WHERE id = ?`, p.SourceSize, p.SHA256, p.Rows, p.RowsDigest, p.OutOfPeriod, p.BadDates, p.Duplicates,
			p.BlankRows, p.FlagsDigest, popID); err != nil {
			return err
		}
		if err := t.logInsert("population", popUUID, fields()...); err != nil {
			return err
		}
		note := fmt.Sprintf("population imported from %s (%d rows, sha256 %s)", p.SourceName, p.Rows, p.SHA256)
		if p.DateOrder != DateOrderUnknown {
			note += fmt.Sprintf("; numeric dates read %s (%s)", p.DateOrder, map[string]string{"data": "decided from the values", "given": "as given"}[p.DateOrderBy])
		}
		if oldPop != "" {
			note += "; replaces the previous population"
			if in.Reason != "" {
				note += ": " + in.Reason
			}
		}
		if err := t.event("population", popUUID, note); err != nil {
			return err
		}
		return t.touch(testUUID)
	}
	err = w.write(ctx, body)
	if errors.Is(err, errNeedDateOrder) {
		tbl.Close()
		opt := tabular.TableOptions{Sheet: in.Sheet, HeaderRow: in.HeaderRow}
		if order, err = decideDateOrder(in.Path, opt, dateCol); err != nil {
			return nil, err
		}
		if order == DateOrderUnknown {
			order = DateOrderMonthFirst // not reached: the value that stopped the import is ambiguous
		}
		if tbl, err = tabular.OpenTable(in.Path, opt); err != nil {
			return nil, err
		}
		err = w.write(ctx, body)
	}
	if err != nil {
		return nil, err
	}
	p.ImportedAt = w.now()
	return p, nil
}

// CurrentPopulation returns a control's current population, or nil.
func (w *Workpaper) CurrentPopulation(ctx context.Context, controlRef string) (*Population, error) {
	ct, err := w.ControlTest(ctx, controlRef)
	if err != nil {
		return nil, err
	}
	pops, err := w.currentPopulations(ctx, []*ControlTest{ct}, false)
	if err != nil {
		return nil, err
	}
	return pops[ct.UUID], nil
}

// currentPopulations reads the current populations of tests by test UUID.
// With all set, tests is every test and the table is read once; otherwise
// tests is one test and only its row is read.
func (w *Workpaper) currentPopulations(ctx context.Context, tests []*ControlTest, all bool) (map[string]*Population, error) {
	refs := make(map[string]string, len(tests))
	for _, ct := range tests {
		refs[ct.UUID] = ct.Control.Ref
	}
	q := `SELECT test_uuid, uuid, source_name, source_size, sha256, format, sheet, header_row, header, id_column,
		date_column, row_count, rows_digest, out_of_period, bad_dates, duplicates, blank_rows, ipe_procedure, ipe_result,
		replace_reason, created_by, created_at, version FROM population WHERE current = 1`
	var args []any
	if !all {
		q += " AND test_uuid = ?"
		args = append(args, tests[0].UUID)
	}
	out := map[string]*Population{}
	err := w.scanRows(ctx, func(rows *sql.Rows) error {
		p := &Population{}
		var test, header, at string
		if err := rows.Scan(&test, &p.UUID, &p.SourceName, &p.SourceSize, &p.SHA256, &p.Format, &p.Sheet, &p.HeaderRow, &header, &p.IDColumn,
			&p.DateColumn, &p.Rows, &p.RowsDigest, &p.OutOfPeriod, &p.BadDates, &p.Duplicates, &p.BlankRows, &p.IPEProcedure,
			&p.IPEResult, &p.ReplaceReason, &p.ImportedBy, &at, &p.Version); err != nil {
			return err
		}
		json.Unmarshal([]byte(header), &p.Header)
		p.ControlRef, p.ImportedAt = refs[test], parseTime(at)
		out[test] = p
		return nil
	}, q, args...)
	return out, err
}

// PopulationRows returns up to limit rows from position from (1-based), in
// order: a page, never the whole population.
func (w *Workpaper) PopulationRows(ctx context.Context, populationUUID string, from, limit int) ([]PopulationRow, error) {
	rows, err := w.db.QueryContext(ctx, `SELECT position, source_row, occurrence_id, occurrence_date, flags, cells FROM population_row
		WHERE population_id = (SELECT id FROM population WHERE uuid = ?) AND position >= ? ORDER BY position LIMIT ?`, populationUUID, from, limit)
	if err != nil {
		return nil, err
	}
	return scanPopulationRows(rows)
}

// PopulationRowsAt returns the rows at the given positions, in that order.
func (w *Workpaper) PopulationRowsAt(ctx context.Context, populationUUID string, positions []int) ([]PopulationRow, error) {
	out := make([]PopulationRow, 0, len(positions))
	for _, pos := range positions {
		rows, err := w.db.QueryContext(ctx, `SELECT position, source_row, occurrence_id, occurrence_date, flags, cells FROM population_row
			WHERE population_id = (SELECT id FROM population WHERE uuid = ?) AND position = ?`, populationUUID, pos)
		if err != nil {
			return nil, err
		}
		r, err := scanPopulationRows(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r...)
	}
	return out, nil
}

func scanPopulationRows(rows *sql.Rows) ([]PopulationRow, error) {
	var out []PopulationRow
	for rows.Next() {
		var r PopulationRow
		var flags, cells string
		if err := rows.Scan(&r.Position, &r.SourceRow, &r.ID, &r.Date, &flags, &cells); err != nil {
			rows.Close()
			return nil, err
		}
		r.Flags = splitList(flags)
		json.Unmarshal([]byte(cells), &r.Cells)
		out = append(out, r)
	}
	return out, closeRows(rows)
}

// FlaggedRows lists rows with any flag, up to limit.
func (w *Workpaper) FlaggedRows(ctx context.Context, populationUUID string, limit int) ([]PopulationRow, error) {
	rows, err := w.db.QueryContext(ctx, `SELECT position, source_row, occurrence_id, occurrence_date, flags, cells FROM population_row
		WHERE population_id = (SELECT id FROM population WHERE uuid = ?) AND flags != '' ORDER BY position LIMIT ?`, populationUUID, limit)
	if err != nil {
		return nil, err
	}
	return scanPopulationRows(rows)
}

// SetIPE records the completeness and accuracy procedure performed on a
// population (information produced by the entity) and its result.
func (w *Workpaper) SetIPE(ctx context.Context, controlRef, procedure, result string) error {
	if strings.TrimSpace(procedure) == "" || strings.TrimSpace(result) == "" {
		return errors.New("record both the completeness and accuracy procedure and its result")
	}
	return w.write(ctx, func(t *txn) error {
		testUUID, ref, err := t.testOf(controlRef)
		if err != nil {
			return err
		}
		var pid string
		if err := t.tx.QueryRowContext(ctx, "SELECT uuid FROM population WHERE test_uuid = ? AND current = 1", testUUID).Scan(&pid); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return hintErrorf("%s has no population yet%s", ref, HintImportPopulation)
			}
			return err
		}
		changed, err := t.update("population", pid, 0, "population of "+ref, field{"ipe_procedure", procedure}, field{"ipe_result", result})
		if err != nil || !changed {
			return err
		}
		return t.touch(testUUID)
	})
}
