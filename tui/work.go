package tui

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/fieldwork-audit/fieldwork/model"
)

// Shared by the workpaper, the sampling wizard and the testing grid.

// Result symbols: every status reads without colour.
const (
	symPass      = "✓"
	symDeviation = "✗"
	symNA        = "–"
	symUntested  = "·"
	symPending   = "…"
	symFlag      = "!"
)

// writeTimeout bounds one write; SQLite waits for the writer lock within it.
const writeTimeout = 30 * time.Second

// outcomeLooks are how the grid shows an outcome ("" is untested).
var (
	outcomeLooks = map[model.Outcome]look{
		model.Pass:          {sym: symPass, word: "pass"},
		model.Deviation:     {sym: symDeviation, word: "deviation"},
		model.NotApplicable: {sym: symNA, word: "n/a"},
	}
	outcomeUntested = look{sym: symUntested, word: "untested"}
)

// outcomeSymbol is the grid's symbol for an outcome; outcomeWord names it.
func outcomeSymbol(o model.Outcome) string { return lookOf(outcomeLooks, o, outcomeUntested).sym }
func outcomeWord(o model.Outcome) string   { return lookOf(outcomeLooks, o, outcomeUntested).word }

// staleText words a refused stale edit: who changed the record, and when,
// in the clock's time zone. ok is false for any other error.
func staleText(err error, now func() time.Time) (string, bool) {
	var se *model.StaleError
	who, ok := staleWho(err, now)
	if !ok || !errors.As(err, &se) {
		return "", false
	}
	return oneLine(se.Record) + " was " + who + " since you opened it: nothing was saved; the screen shows their version", true
}

// staleWho is the short form of a stale refusal: "changed by NAME at TIME".
func staleWho(err error, now func() time.Time) (string, bool) {
	var se *model.StaleError
	if !errors.As(err, &se) {
		return "", false
	}
	who := oneLine(se.By)
	if who == "" {
		who = "someone else"
	}
	return fmt.Sprintf("changed by %s at %s", who, se.At.In(now().Location()).Format("2006-01-02 15:04")), true
}

// writeErrorText words a failed write for a form or the status line.
func writeErrorText(err error, now func() time.Time) string {
	if s, ok := staleText(err, now); ok {
		return s
	}
	if errors.Is(err, model.ErrReadOnly) {
		return "the workpaper is open read-only: nothing can be changed"
	}
	return errorText(err)
}

// reviewedAsk words a refusal to change reviewed work as the question the
// auditor answers by saving again (forms) or pressing y (elsewhere).
func reviewedAsk(err error, again string) (string, string, bool) {
	var r *model.ReviewedError
	if !errors.As(err, &r) {
		return "", "", false
	}
	return fmt.Sprintf("%s was reviewed by %s on %s. %s to reopen the review and save: the sign-off goes stale and the reviewer sees what changed.",
		r.Control, r.Reviewer, r.At.UTC().Format("2006-01-02 15:04"), again), r.Control, true
}

// withWriteTimeout runs a write under a deadline.
func withWriteTimeout(ctx context.Context, f func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, writeTimeout)
	defer cancel()
	return f(ctx)
}

// thousands writes 1180 as "1,180".
func thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// shortHash shows the start of a SHA-256, enough to compare by eye.
func shortHash(h string) string {
	if len(h) > 16 {
		return h[:16] + symEllipsis
	}
	return h
}

// timeIn writes an instant in the clock's zone, to the minute.
func timeIn(t time.Time, now func() time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(now().Location()).Format("2006-01-02 15:04")
}

// joinInts writes positions as "12, 45, 301", at most limit of them.
func joinInts(xs []int, limit int) string {
	var b strings.Builder
	for i, x := range xs {
		if i == limit {
			fmt.Fprintf(&b, " … (%d more)", len(xs)-limit)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(x))
	}
	return b.String()
}

// wrote answers write request id on a screen whose latest write is
// writeID: nothing for an older write, the refusal for the status line,
// or the change announced with what was done.
func (c common) wrote(writeID, id int64, err error, done string) tea.Cmd {
	if id != writeID {
		return nil
	}
	if err != nil {
		// The model's refusal (a reviewer who prepared it, a note already
		// cleared) is the message.
		return errCmd(errors.New(writeErrorText(err, c.now)))
	}
	return tea.Batch(changedCmd, statusCmd(done))
}
