package model

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// A control test's plan of work: the test of design, the procedures of the
// test of operating effectiveness, and the attributes each sample item is
// tested for.

// DesignInput is the test of design of a control.
type DesignInput struct {
	Procedure  string
	Result     string
	Conclusion string // "suitably-designed", "not-suitably-designed" or ""
}

// SetDesign records the test of design. version is the test's version the
// edit is based on (0 to skip the check).
func (w *Workpaper) SetDesign(ctx context.Context, controlRef string, version int, d DesignInput) error {
	switch d.Conclusion {
	case "", "suitably-designed", "not-suitably-designed":
	default:
		return fmt.Errorf("unknown design conclusion %q (suitably-designed or not-suitably-designed)", d.Conclusion)
	}
	return w.write(ctx, func(t *txn) error {
		id, ref, err := t.testOf(controlRef)
		if err != nil {
			return err
		}
		changed, err := t.update("control_test", id, version, "the workpaper of "+ref,
			field{"design_procedure", d.Procedure}, field{"design_result", d.Result}, field{"design_conclusion", d.Conclusion})
		if err != nil || !changed {
			return err
		}
		return t.touch(id)
	})
}

// AddProcedure appends a procedure to a control's test of operating effectiveness.
func (w *Workpaper) AddProcedure(ctx context.Context, controlRef string, kind ProcedureKind, text string) error {
	if _, err := ParseProcedureKind(string(kind)); err != nil {
		return err
	}
	if strings.TrimSpace(text) == "" {
		return errors.New("a procedure needs a text")
	}
	return w.write(ctx, func(t *txn) error {
		id, _, err := t.testOf(controlRef)
		if err != nil {
			return err
		}
		var n int
		if err := t.tx.QueryRowContext(ctx, "SELECT count(*) FROM procedure WHERE test_uuid = ?", id).Scan(&n); err != nil {
			return err
		}
		if _, err := t.insert("procedure", field{"test_uuid", id}, field{"ordinal", n + 1}, field{"kind", string(kind)}, field{"text", strings.TrimSpace(text)}); err != nil {
			return err
		}
		return t.touch(id)
	})
}

// DefaultAttribute is what a control gets when its first result is recorded
// before any attribute was defined, so a quick test needs no set-up.
const DefaultAttribute = "Control operated as described"

func validLetter(l string) bool {
	if l == "" || len(l) > 3 {
		return false
	}
	for _, r := range l {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// AddAttribute adds a test attribute; an empty letter takes the next free one.
// It returns the letter used.
func (w *Workpaper) AddAttribute(ctx context.Context, controlRef, letter, text string) (string, error) {
	letter = strings.ToUpper(strings.TrimSpace(letter))
	if letter != "" && !validLetter(letter) {
		return "", fmt.Errorf("attribute letter %q: use A–Z (up to 3 letters or digits)", letter)
	}
	if strings.TrimSpace(text) == "" {
		return "", errors.New("an attribute needs a description")
	}
	err := w.write(ctx, func(t *txn) error {
		id, ref, err := t.testOf(controlRef)
		if err != nil {
			return err
		}
		letter, err = t.addAttribute(id, ref, letter, text)
		if err != nil {
			return err
		}
		return t.touch(id)
	})
	return letter, err
}

func (t *txn) addAttribute(testUUID, ctlRef, letter, text string) (string, error) {
	used := map[string]bool{}
	rows, err := t.tx.QueryContext(t.ctx, "SELECT letter FROM attribute WHERE test_uuid = ?", testUUID)
	if err != nil {
		return "", err
	}
	for rows.Next() {
		var l string
		rows.Scan(&l)
		used[l] = true
	}
	if err := closeRows(rows); err != nil {
		return "", err
	}
	if letter == "" {
		for c := 'A'; c <= 'Z'; c++ {
			if !used[string(c)] {
				letter = string(c)
				break
			}
		}
		if letter == "" {
			return "", fmt.Errorf("control %s already has 26 attributes", ctlRef)
		}
	} else if used[letter] {
		return "", fmt.Errorf("control %s already has attribute %s", ctlRef, letter)
	}
	_, err = t.insert("attribute", field{"test_uuid", testUUID}, field{"letter", letter}, field{"text", strings.TrimSpace(text)})
	return letter, err
}

// EditAttribute changes an attribute's description.
func (w *Workpaper) EditAttribute(ctx context.Context, controlRef, letter, text string, version int) error {
	if strings.TrimSpace(text) == "" {
		return errors.New("an attribute needs a description")
	}
	return w.write(ctx, func(t *txn) error {
		id, ref, err := t.testOf(controlRef)
		if err != nil {
			return err
		}
		aid, err := t.attributeUUID(id, ref, letter)
		if err != nil {
			return err
		}
		changed, err := t.update("attribute", aid, version, "attribute "+strings.ToUpper(letter)+" of "+ref, field{"text", strings.TrimSpace(text)})
		if err != nil || !changed {
			return err
		}
		return t.touch(id)
	})
}

// DeleteAttribute removes an attribute that has no recorded results.
// version is the attribute's version the caller read (0: whatever it is
// now): an attribute someone changed since is refused with a *StaleError,
// checked in the same transaction as the delete.
func (w *Workpaper) DeleteAttribute(ctx context.Context, controlRef, letter string, version int) error {
	return w.write(ctx, func(t *txn) error {
		id, ref, err := t.testOf(controlRef)
		if err != nil {
			return err
		}
		aid, err := t.attributeUUID(id, ref, letter)
		if err != nil {
			return err
		}
		if version > 0 {
			var cur int
			var by, at string
			if err := t.queryRow("SELECT version, updated_by, updated_at FROM attribute WHERE uuid = ?", aid).Scan(&cur, &by, &at); err != nil {
				return err
			}
			if cur != version {
				return &StaleError{Record: "attribute " + strings.ToUpper(letter) + " of " + ref, By: by, At: parseTime(at), Current: cur, Requested: version}
			}
		}
		var n int
		if err := t.tx.QueryRowContext(ctx, "SELECT count(*) FROM result WHERE attribute_uuid = ?", aid).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("attribute %s of %s has %d recorded results: it cannot be deleted", strings.ToUpper(letter), ref, n)
		}
		if err := t.delete("attribute", aid, ""); err != nil {
			return err
		}
		return t.touch(id)
	})
}

func (t *txn) attributeUUID(testUUID, ctlRef, letter string) (string, error) {
	var aid string
	err := t.queryRow("SELECT uuid FROM attribute WHERE test_uuid = ? AND letter = ?", testUUID, strings.ToUpper(strings.TrimSpace(letter))).Scan(&aid)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("control %s has no attribute %q", ctlRef, letter)
	}
	return aid, err
}
