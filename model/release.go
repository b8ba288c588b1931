package model

// release.go holds the engagement's end (issue #16): the report date, the
// release and the documentation-completion deadline.

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// CompletionDays is the documentation-completion window the standards
// allow after the report release date: the final file is assembled within
// it. A firm may set a shorter window, never a longer one.
const CompletionDays = 60

// ErrReleased refuses a change that only makes sense before release.
var ErrReleased = errors.New("the report has been released")

func day(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// checkReportDate says why d cannot be the report date of e at now, or nil.
func checkReportDate(e *Engagement, d, now time.Time) error {
	if d.IsZero() {
		return errors.New("the report date is required")
	}
	if e.FieldworkEnd.IsZero() {
		return errors.New("the fieldwork end date is not recorded: the report date cannot be checked against it (record it first)")
	}
	if d.Before(e.FieldworkEnd) {
		return fmt.Errorf("the report date %s is before fieldwork ended (%s): the opinion is dated when sufficient evidence was obtained",
			formatDate(d), formatDate(e.FieldworkEnd))
	}
	end := e.To
	if e.Type == TypeI {
		end = e.AsOf
	}
	if !end.IsZero() && d.Before(end) {
		return fmt.Errorf("the report date %s is before the %s it reports on (%s)", formatDate(d), e.periodWord(), formatDate(end))
	}
	if today := day(now); d.After(today) {
		return fmt.Errorf("the report date %s is in the future (today is %s)", formatDate(d), formatDate(today))
	}
	return nil
}

func (e *Engagement) periodWord() string {
	if e.Type == TypeI {
		return "date the description is as of"
	}
	return "end of the period"
}

// SetReportDate records the date of the service auditor's opinion. It is
// refused before fieldwork ended, before the period (or the as-of date),
// in the future, and once the report has been released.
func (w *Workpaper) SetReportDate(ctx context.Context, d time.Time) error {
	return w.write(ctx, func(t *txn) error {
		e, err := t.engagement()
		if err != nil {
			return err
		}
		if !e.ReleaseDate.IsZero() {
			return fmt.Errorf("%w on %s: its report date stays %s", ErrReleased, formatDate(e.ReleaseDate), formatDate(e.ReportDate))
		}
		if err := checkReportDate(e, day(d), w.now()); err != nil {
			return err
		}
		_, err = t.update("engagement", e.UUID, 0, "the engagement", field{"report_date", formatDate(day(d))})
		return err
	})
}

// SetCompletionDeadline sets the firm's documentation-completion deadline
// after release: on or after the release date and no later than the
// release date plus CompletionDays.
func (w *Workpaper) SetCompletionDeadline(ctx context.Context, d time.Time) error {
	return w.write(ctx, func(t *txn) error {
		e, err := t.engagement()
		if err != nil {
			return err
		}
		if e.ReleaseDate.IsZero() {
			return errors.New("the report has not been released: the completion deadline runs from the release date (release first)")
		}
		if err := checkDeadline(e.ReleaseDate, day(d)); err != nil {
			return err
		}
		_, err = t.update("engagement", e.UUID, 0, "the engagement", field{"completion_deadline", formatDate(day(d))})
		return err
	})
}

// checkDeadline refuses a completion deadline before release or longer
// than the standards' window.
func checkDeadline(release, d time.Time) error {
	if d.Before(release) {
		return fmt.Errorf("the completion deadline %s is before the release date %s", formatDate(d), formatDate(release))
	}
	if max := release.AddDate(0, 0, CompletionDays); d.After(max) {
		return fmt.Errorf("the completion deadline %s is later than %d days after release (%s): a firm may set a shorter window, not a longer one",
			formatDate(d), CompletionDays, formatDate(max))
	}
	return nil
}

// engagement reads the engagement inside the transaction (the dates the
// end-of-engagement rules need).
func (t *txn) engagement() (*Engagement, error) {
	var e Engagement
	var typ int
	var from, to, asOf, fwEnd, reportDate, released, deadline string
	err := t.tx.QueryRowContext(t.ctx, `SELECT uuid, report_type, period_from, period_to, as_of, fieldwork_end,
		report_date, release_date, completion_deadline FROM engagement WHERE id = 1`).Scan(
		&e.UUID, &typ, &from, &to, &asOf, &fwEnd, &reportDate, &released, &deadline)
	if err != nil {
		return nil, ErrNoEngagement
	}
	e.Type = ReportType(typ)
	e.From, e.To, e.AsOf, e.FieldworkEnd = mustDate(from), mustDate(to), mustDate(asOf), mustDate(fwEnd)
	e.ReportDate, e.ReleaseDate, e.CompletionDeadline = mustDate(reportDate), mustDate(released), mustDate(deadline)
	return &e, nil
}
