package model

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"modernc.org/sqlite"
)

// Outcome of testing one attribute on one sample item.
type Outcome string

const (
	Pass          Outcome = "pass"
	Deviation     Outcome = "deviation"
	NotApplicable Outcome = "na"
)

// Tickmark is a symbol with its meaning in the engagement's legend.
type Tickmark struct {
	UUID    string
	Symbol  string
	Meaning string
}

// DefaultTickmarks is the legend a new engagement starts with; it is editable.
var DefaultTickmarks = []Tickmark{
	{Symbol: "✓", Meaning: "Agreed to supporting evidence without exception"},
	{Symbol: "X", Meaning: "Exception noted: see the exception log"},
	{Symbol: "N/A", Meaning: "Attribute not applicable to this item"},
	{Symbol: "I", Meaning: "Inspected the document or system record"},
	{Symbol: "R", Meaning: "Re-performed without exception"},
	{Symbol: "Q", Meaning: "Corroborated by inquiry of the control owner"},
}

// MaxEvidenceSize bounds a file attached into the workpaper: larger evidence
// stays where it is and is referenced by path and hash instead.
const MaxEvidenceSize = 25 << 20

func (t *txn) seedTickmarks() error {
	for _, tm := range DefaultTickmarks {
		if _, err := t.insert("tickmark", field{"symbol", tm.Symbol}, field{"meaning", tm.Meaning}); err != nil {
			return err
		}
	}
	return nil
}

// Tickmarks returns the engagement's legend.
func (w *Workpaper) Tickmarks(ctx context.Context) ([]Tickmark, error) {
	rows, err := w.db.QueryContext(ctx, "SELECT uuid, symbol, meaning FROM tickmark ORDER BY id")
	if err != nil {
		return nil, friendlyDBError(err)
	}
	var out []Tickmark
	for rows.Next() {
		var tm Tickmark
		if err := rows.Scan(&tm.UUID, &tm.Symbol, &tm.Meaning); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, tm)
	}
	return out, closeRows(rows)
}

// SetTickmark adds a symbol to the legend or changes its meaning.
func (w *Workpaper) SetTickmark(ctx context.Context, symbol, meaning string) error {
	symbol, meaning = strings.TrimSpace(symbol), strings.TrimSpace(meaning)
	if symbol == "" || meaning == "" || len([]rune(symbol)) > 4 {
		return errors.New("a tickmark needs a symbol (up to 4 characters) and a meaning")
	}
	return w.write(ctx, func(t *txn) error {
		var id string
		err := t.queryRow("SELECT uuid FROM tickmark WHERE symbol = ?", symbol).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			_, err = t.insert("tickmark", field{"symbol", symbol}, field{"meaning", meaning})
			return err
		}
		if err != nil {
			return err
		}
		_, err = t.update("tickmark", id, 0, "tickmark "+symbol, field{"meaning", meaning})
		return err
	})
}

// ResultInput records the outcome of one attribute on one sample item.
type ResultInput struct {
	ControlRef string
	Position   int    // the item's 1-based position in the population
	Attribute  string // letter; "" means the only attribute (created if none)
	Outcome    Outcome
	Note       string
	Tickmark   string
	// Evidence is a reference (a path or URL-like location). When Attach is
	// set, the file at Evidence is copied into the workpaper with its hash.
	Evidence string
	Attach   bool
	// Version of the existing result the edit is based on (0 to skip the check).
	Version int
	// IfUntested records the result only while the cell has none: a cell
	// someone recorded meanwhile is refused with a *StaleError naming them.
	IfUntested bool
	// Keep leaves the note, tickmark and evidence (with its attached file)
	// that the input leaves empty as they are recorded, as the CLI's
	// "result set" does; without it the input replaces all of them (the
	// grid and import-results edit the whole cell). ClearNote,
	// ClearTickmark and ClearEvidence empty those fields.
	Keep                                    bool
	ClearNote, ClearTickmark, ClearEvidence bool
}

// ResultFields are the fields of a result that an edit may clear.
var ResultFields = []string{"note", "tickmark", "evidence"}

// SetClear marks the named fields (of ResultFields) to be emptied.
func (in *ResultInput) SetClear(names []string) error {
	for _, c := range names {
		switch c {
		case "note":
			in.ClearNote = true
		case "tickmark":
			in.ClearTickmark = true
		case "evidence":
			in.ClearEvidence = true
		default:
			return fmt.Errorf("a result's %q cannot be cleared: it is not one of %s", c, strings.Join(ResultFields, ", "))
		}
	}
	return nil
}

// Result is a recorded outcome.
type Result struct {
	UUID         string
	Position     int
	Attribute    string
	Outcome      Outcome
	Note         string
	Tickmark     string
	Evidence     string
	BlobUUID     string
	EvidenceHash string
	TestedBy     string
	TestedAt     time.Time
	Version      int
}

func attachBlob(t *txn, path string) (string, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", "", fmt.Errorf("evidence: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", "", err
	}
	if st.Size() > MaxEvidenceSize {
		return "", "", &InputError{Msg: fmt.Sprintf("evidence %s is %d MB; files over %d MB are referenced, not attached",
			filepath.Base(path), st.Size()>>20, MaxEvidenceSize>>20), Input: InputNoAttach}
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxEvidenceSize+1))
	if err != nil {
		return "", "", err
	}
	sum := sha256.Sum256(data)
	hexSum := hex.EncodeToString(sum[:])
	var id string
	err = t.queryRow("SELECT uuid FROM blob WHERE sha256 = ?", hexSum).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		id, err = t.insert("blob", field{"sha256", hexSum}, field{"size", len(data)}, field{"name", filepath.Base(path)}, field{"data", data})
	}
	return id, hexSum, err
}

// itemUUID finds the current selection's item at a population position.
func (t *txn) itemUUID(testUUID, ctlRef string, position int) (string, error) {
	var id string
	err := t.queryRow(`SELECT i.uuid FROM sample_item i JOIN selection s ON s.uuid = i.selection_uuid
		WHERE s.test_uuid = ? AND s.current = 1 AND i.position = ?`, testUUID, position).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		// An item of a test of every item gets its row when first used.
		var sel string
		var kind, size int
		verr := t.queryRow("SELECT uuid, items_derived, size FROM selection WHERE test_uuid = ? AND current = 1", testUUID).Scan(&sel, &kind, &size)
		if verr == nil && kind == itemsVirtual && position >= 1 && position <= size {
			return t.materializeItem(sel, position)
		}
		if errors.Is(verr, sql.ErrNoRows) {
			return "", hintErrorf("%s has no sample yet%s", ctlRef, HintDrawOne)
		}
		return "", hintErrorf("item %d is not in the sample of %s%s", position, ctlRef, HintListSample)
	}
	return id, err
}

// SetResult records (or changes) one result. A control with no attributes
// gets attribute A, DefaultAttribute, on its first result.
func (w *Workpaper) SetResult(ctx context.Context, in ResultInput) error {
	if err := in.validate(); err != nil {
		return err
	}
	return w.write(ctx, func(t *txn) error {
		testUUID, err := t.setResult(in)
		if err != nil || testUUID == "" {
			return err
		}
		return t.touch(testUUID)
	})
}

// SetResults records many results in one transaction, as the grid's bulk
// pass does: a result with IfUntested on a cell recorded meanwhile is
// skipped (and counted), any other failure records none of them.
func (w *Workpaper) SetResults(ctx context.Context, ins []ResultInput) (written, skipped int, err error) {
	for i := range ins {
		if err := ins[i].validate(); err != nil {
			return 0, 0, err
		}
	}
	err = w.write(ctx, func(t *txn) error {
		written, skipped = 0, 0
		touched := map[string]bool{}
		for _, in := range ins {
			testUUID, err := t.setResult(in)
			var se *StaleError
			switch {
			case in.IfUntested && errors.As(err, &se):
				skipped++
				continue
			case err != nil:
				return err
			}
			if testUUID != "" {
				written++
				touched[testUUID] = true
			}
		}
		for id := range touched {
			if err := t.touch(id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	return written, skipped, nil
}

// SetResultsEach records many results in one transaction, each judged on
// its own: an entry refused (a *StaleError, an item not in the sample, a
// tickmark not in the legend...) is skipped and its error returned at its
// index in refused, the others are recorded; an error of the file itself
// (busy, full, damaged) or a cancelled ctx records none of them. So an
// import killed or failing midway leaves the workpaper as it was.
// An entry with IfUntested whose cell was recorded meanwhile is refused
// with a *StaleError. Refusals are found before the entry writes anything.
func (w *Workpaper) SetResultsEach(ctx context.Context, ins []ResultInput) (refused []error, err error) {
	refused = make([]error, len(ins))
	err = w.write(ctx, func(t *txn) error {
		touched := map[string]bool{}
		for i, in := range ins {
			if err := ctx.Err(); err != nil {
				return err
			}
			if refused[i] = in.validate(); refused[i] != nil {
				continue
			}
			testUUID, err := t.setResult(in)
			if err != nil {
				var se *sqlite.Error
				if errors.As(err, &se) || ctx.Err() != nil {
					return err
				}
				refused[i] = err
				continue
			}
			if testUUID != "" {
				touched[testUUID] = true
			}
		}
		for id := range touched {
			if err := t.touch(id); err != nil {
				return err
			}
		}
		crashPoint("results")
		return nil
	})
	if err != nil {
		return nil, err
	}
	return refused, nil
}

func (in *ResultInput) validate() error {
	for _, c := range []struct {
		name         string
		given, clear bool
	}{{"note", in.Note != "", in.ClearNote}, {"tickmark", in.Tickmark != "", in.ClearTickmark}, {"evidence", in.Evidence != "", in.ClearEvidence}} {
		if c.given && c.clear {
			return fmt.Errorf("the %s is both given and cleared: give one or the other", c.name)
		}
	}
	switch in.Outcome {
	case Pass, Deviation, NotApplicable:
		return nil
	}
	return fmt.Errorf("unknown outcome %q (pass, deviation or na)", in.Outcome)
}

// setResult writes one result in t and returns its control test's UUID,
// or "" when the result was already exactly so; the caller marks the test
// changed (touch) once.
func (t *txn) setResult(in ResultInput) (string, error) {
	testUUID, ref, err := t.testOf(in.ControlRef)
	if err != nil {
		return "", err
	}
	item, err := t.itemUUID(testUUID, ref, in.Position)
	if err != nil {
		return "", err
	}
	letter, err := t.resultLetter(testUUID, ref, in.Attribute)
	if err != nil {
		return "", err
	}
	attr, err := t.attributeUUID(testUUID, ref, letter)
	if err != nil {
		return "", err
	}
	if in.Tickmark != "" {
		var n int
		t.queryRow("SELECT count(*) FROM tickmark WHERE symbol = ?", in.Tickmark).Scan(&n)
		if n == 0 {
			return "", hintErrorf("tickmark %q is not in the legend%s", in.Tickmark, HintAddTickmark)
		}
	}
	record := fmt.Sprintf("result %d/%s of %s", in.Position, letter, ref)
	var rid, by, at, oldNote, oldTick, oldEvidence, oldBlob string
	var version int
	err = t.queryRow(`SELECT uuid, updated_by, updated_at, version, coalesce(note, ''), coalesce(tickmark, ''), coalesce(evidence, ''), coalesce(blob_uuid, '')
		FROM result WHERE item_uuid = ? AND attribute_uuid = ?`, item, attr).Scan(&rid, &by, &at, &version, &oldNote, &oldTick, &oldEvidence, &oldBlob)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		rid = ""
	case err != nil:
		return "", err
	case in.IfUntested:
		return "", &StaleError{Record: record, By: by, At: parseTime(at), Current: version}
	}
	blob := ""
	evidence := in.Evidence
	if in.Attach && in.Evidence != "" {
		var sum string
		if blob, sum, err = attachBlob(t, in.Evidence); err != nil {
			return "", err
		}
		evidence = filepath.Base(in.Evidence) + " sha256:" + sum
	}
	note, tick := in.Note, in.Tickmark
	if in.Keep && rid != "" {
		// Only what is given changes; emptying is said with Clear.
		if note == "" && !in.ClearNote {
			note = oldNote
		}
		if tick == "" && !in.ClearTickmark {
			tick = oldTick
		}
		if in.Evidence == "" && !in.ClearEvidence {
			evidence, blob = oldEvidence, oldBlob
		}
	}
	fields := []field{{"outcome", string(in.Outcome)}, {"note", note}, {"tickmark", tick}, {"evidence", evidence}, {"blob_uuid", blob}}
	if rid == "" {
		_, err := t.insert("result", append(fields, field{"test_uuid", testUUID}, field{"item_uuid", item}, field{"attribute_uuid", attr})...)
		return testUUID, err
	}
	changed, err := t.update("result", rid, in.Version, record, fields...)
	if err != nil || !changed {
		return "", err // the same result again changes nothing, sign-offs included
	}
	return testUUID, nil
}

// resultLetter is the attribute a result is for: the one named, or, when
// none is, the test's only attribute — A, DefaultAttribute, is created for
// a test that has none.
func (t *txn) resultLetter(testUUID, ref, attribute string) (string, error) {
	letter := strings.ToUpper(strings.TrimSpace(attribute))
	var n int
	if err := t.queryRow("SELECT count(*) FROM attribute WHERE test_uuid = ?", testUUID).Scan(&n); err != nil {
		return "", err
	}
	switch {
	case n == 0 && (letter == "" || letter == "A"):
		return t.addAttribute(testUUID, ref, "A", DefaultAttribute)
	case letter != "":
		return letter, nil
	case n == 1:
		err := t.queryRow("SELECT letter FROM attribute WHERE test_uuid = ?", testUUID).Scan(&letter)
		return letter, err
	}
	return "", &InputError{Msg: fmt.Sprintf("%s has %d attributes", ref, n), Input: InputAttribute}
}

// Results lists the recorded results of a control's current sample.
func (w *Workpaper) Results(ctx context.Context, controlRef string) ([]Result, error) {
	ct, err := w.ControlTest(ctx, controlRef)
	if err != nil {
		return nil, err
	}
	rows, err := w.db.QueryContext(ctx, `SELECT r.uuid, i.position, a.letter, r.outcome, r.note, r.tickmark, r.evidence, r.blob_uuid,
		COALESCE(b.sha256, ''), r.updated_by, r.updated_at, r.version
		FROM result r JOIN sample_item i ON i.uuid = r.item_uuid JOIN selection s ON s.uuid = i.selection_uuid
		JOIN attribute a ON a.uuid = r.attribute_uuid LEFT JOIN blob b ON b.uuid = r.blob_uuid
		WHERE r.test_uuid = ? AND s.current = 1 ORDER BY i.ordinal, a.letter`, ct.UUID)
	if err != nil {
		return nil, err
	}
	var out []Result
	for rows.Next() {
		var r Result
		var at string
		if err := rows.Scan(&r.UUID, &r.Position, &r.Attribute, &r.Outcome, &r.Note, &r.Tickmark, &r.Evidence, &r.BlobUUID,
			&r.EvidenceHash, &r.TestedBy, &at, &r.Version); err != nil {
			rows.Close()
			return nil, err
		}
		r.TestedAt = parseTime(at)
		out = append(out, r)
	}
	return out, closeRows(rows)
}
