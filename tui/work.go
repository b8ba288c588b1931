package tui

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

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
	symChosen    = "●"
	symNotChosen = "○"
)

// writeTimeout bounds one write; SQLite waits for the writer lock within it.
const writeTimeout = 30 * time.Second

// outcomeSymbol is the grid's symbol for an outcome ("" is untested).
func outcomeSymbol(o model.Outcome) string {
	switch o {
	case model.Pass:
		return symPass
	case model.Deviation:
		return symDeviation
	case model.NotApplicable:
		return symNA
	}
	return symUntested
}

// outcomeWord names an outcome for people.
func outcomeWord(o model.Outcome) string {
	switch o {
	case model.Pass:
		return "pass"
	case model.Deviation:
		return "deviation"
	case model.NotApplicable:
		return "n/a"
	}
	return "untested"
}

// staleText words a refused stale edit: who changed the record, and when,
// in the clock's time zone. ok is false for any other error.
func staleText(err error, now func() time.Time) (string, bool) {
	var se *model.StaleError
	if !errors.As(err, &se) {
		return "", false
	}
	who := oneLine(se.By)
	if who == "" {
		who = "someone else"
	}
	return fmt.Sprintf("%s was changed by %s at %s since you opened it: nothing was saved; the screen shows their version",
		oneLine(se.Record), who, se.At.In(now().Location()).Format("2006-01-02 15:04")), true
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

// Choices show as radio buttons — ● the chosen one, ○ the others — so
// they read without colour; when they do not fit in w cells, as the chosen
// one between arrows with its place ("◂ with exceptions ▸ 3/6").
func choiceLine(s *Styles, labels []string, cur int, focused bool, w int) string {
	chosen := s.Value
	if focused {
		chosen = s.Selected
	}
	parts := make([]string, len(labels))
	width := 0
	for i, l := range labels {
		if i == cur {
			parts[i] = chosen.Render(symChosen + " " + l)
		} else {
			parts[i] = s.Muted.Render(symNotChosen + " " + l)
		}
		width += ansi.StringWidth(l) + 4
	}
	if width-2 <= w || cur < 0 || cur >= len(labels) {
		return strings.Join(parts, "  ")
	}
	return chosen.Render("◂ "+labels[cur]+" ▸") + s.Dim.Render(fmt.Sprintf(" %d/%d", cur+1, len(labels)))
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

// conclusionWord words a control conclusion.
func conclusionWord(c model.Conclusion) string {
	switch c {
	case model.NotConcluded:
		return "not concluded"
	case model.Effective:
		return "effective"
	case model.EffectiveWithExceptions:
		return "effective with exceptions"
	case model.NotEffective:
		return "not effective"
	case model.NotTested:
		return "not tested"
	case model.NotOccurring:
		return "not occurring (the control did not operate)"
	}
	return oneLine(string(c))
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
