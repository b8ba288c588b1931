package model

// release.go holds the engagement's end (issue #16): the report date, the
// release and the documentation-completion deadline.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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

// Seal is the release seal: the trail head the release quotes (the last
// entry before the release was written), the report date, who released
// the report and when, and the SHA-256 of the workbook that goes with it.
// It is written into the workpaper and into FILE.seal.json beside it, which
// the firm can keep elsewhere: 'verify' checks that the head is still in
// the trail and that the two agree.
type Seal struct {
	Engagement     string `json:"engagement"`
	Head           string `json:"head"`
	ReportDate     string `json:"report_date"`
	ReleasedBy     string `json:"released_by"`
	ReleasedAt     string `json:"released_at"`
	WorkbookSHA256 string `json:"workbook_sha256,omitempty"`
}

// ReleaseInput is what 'fieldwork release' asks for.
type ReleaseInput struct {
	ReportDate time.Time
	// Workbook is the exported workbook that goes with the report
	// (optional): its SHA-256 is sealed.
	Workbook string
}

// SealPath is where the seal file of the workpaper at path goes.
func SealPath(path string) string { return path + ".seal.json" }

// Release releases the report: by a partner on the team, once the opinion
// is signed, no review note is open, no merge conflict is unresolved and
// the report date is one the rules accept. Every refusal names all that is
// missing and writes nothing. On success the seal is written into the
// workpaper (engagement columns, replayed from the trail) and beside it.
func (w *Workpaper) Release(ctx context.Context, in ReleaseInput) (*Seal, error) {
	var sum string
	if in.Workbook != "" {
		var err error
		if sum, err = fileSHA256(in.Workbook); err != nil {
			return nil, fmt.Errorf("the workbook: %w", err)
		}
	}
	rd := day(in.ReportDate)
	var seal *Seal
	err := w.write(ctx, func(t *txn) error {
		e, err := t.engagement()
		if err != nil {
			return err
		}
		if !e.ReleaseDate.IsZero() {
			return fmt.Errorf("%w on %s (report date %s): it is released once", ErrReleased, formatDate(e.ReleaseDate), formatDate(e.ReportDate))
		}
		var missing []string
		me, err := t.memberByUser(w.user)
		if err != nil {
			return err
		}
		switch {
		case me == nil:
			missing = append(missing, fmt.Sprintf("a partner releases the report: %s is not on the team", w.user))
		case Role(me.role) != RolePartner:
			missing = append(missing, fmt.Sprintf("a partner releases the report: %s is a %s", w.user, me.role))
		}
		var n int
		if err := t.tx.QueryRowContext(t.ctx, `SELECT count(*) FROM signoff WHERE target = 'opinion' AND stale = 0`).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			missing = append(missing, "the opinion is not signed")
		}
		if err := t.tx.QueryRowContext(t.ctx, `SELECT count(*) FROM review_note WHERE state != 'cleared'`).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			missing = append(missing, fmt.Sprintf("%d review note(s) not cleared", n))
		}
		if err := t.tx.QueryRowContext(t.ctx, `SELECT count(*) FROM merge_conflict WHERE state = 'open'`).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			missing = append(missing, fmt.Sprintf("%d merge conflict(s) unresolved", n))
		}
		if err := checkReportDate(e, rd, w.now()); err != nil {
			missing = append(missing, err.Error())
		}
		if len(missing) > 0 {
			return fmt.Errorf("the report cannot be released yet; nothing was written: %s", strings.Join(missing, "; "))
		}
		head := Head{Seq: t.seq, Hash: t.prevHash}
		release := day(w.now())
		seal = &Seal{Engagement: e.UUID, Head: head.String(), ReportDate: formatDate(rd), ReleasedBy: w.user, ReleasedAt: t.at, WorkbookSHA256: sum}
		_, err = t.update("engagement", e.UUID, 0, "the engagement",
			field{"report_date", seal.ReportDate}, field{"release_date", formatDate(release)},
			field{"completion_deadline", formatDate(release.AddDate(0, 0, CompletionDays))},
			field{"release_head", seal.Head}, field{"released_by", seal.ReleasedBy}, field{"released_at", seal.ReleasedAt},
			field{"release_workbook_sha256", sum})
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := writeSealFile(w.path, seal); err != nil {
		return seal, fmt.Errorf("released, but the seal file could not be written (the seal is in the workpaper): %w", err)
	}
	return seal, nil
}

// ReleaseSeal is the seal in the workpaper, nil before release.
func (w *Workpaper) ReleaseSeal(ctx context.Context) (*Seal, error) {
	var s Seal
	err := w.db.QueryRowContext(ctx, `SELECT uuid, release_head, report_date, released_by, released_at, release_workbook_sha256
		FROM engagement WHERE id = 1`).Scan(&s.Engagement, &s.Head, &s.ReportDate, &s.ReleasedBy, &s.ReleasedAt, &s.WorkbookSHA256)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, friendlyDBError(err)
	}
	if s.Head == "" {
		return nil, nil
	}
	return &s, nil
}

// writeSealFile writes FILE.seal.json by a temporary name and a rename.
func writeSealFile(path string, s *Seal) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	dst := SealPath(path)
	f, err := TempOutput(filepath.Dir(dst), filepath.Base(dst), "seal")
	if err != nil {
		return err
	}
	_, err = f.Write(append(b, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), dst)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// sealCheck is verify's look at the release seal: the head it quotes must
// still be in the trail with the same hash, and a seal file beside the
// workpaper must say what the seal in it says.
func (w *Workpaper) sealCheck(ctx context.Context) ([]string, error) {
	s, err := w.ReleaseSeal(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	if s != nil {
		h, err := ParseHead(s.Head)
		if err != nil {
			out = append(out, fmt.Sprintf("the release seal's head %q is not a trail head: %v", s.Head, err))
		} else {
			a, err := w.checkAnchor(ctx, h)
			if err != nil {
				return nil, err
			}
			if !a.Holds {
				out = append(out, "the release seal's head "+s.Head+" is no longer in the trail: "+a.Problem)
			}
		}
	}
	b, err := os.ReadFile(SealPath(w.path))
	if errors.Is(err, os.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return append(out, "the seal file "+SealPath(w.path)+" cannot be read: "+err.Error()), nil
	}
	var f Seal
	if err := json.Unmarshal(b, &f); err != nil {
		return append(out, "the seal file "+SealPath(w.path)+" is not a seal: "+err.Error()), nil
	}
	if s == nil {
		return append(out, "the seal file "+SealPath(w.path)+" says the report was released, but the workpaper holds no release seal"), nil
	}
	for _, c := range []struct{ name, file, in string }{
		{"engagement", f.Engagement, s.Engagement}, {"head", f.Head, s.Head}, {"report date", f.ReportDate, s.ReportDate},
		{"released by", f.ReleasedBy, s.ReleasedBy}, {"released at", f.ReleasedAt, s.ReleasedAt},
		{"workbook SHA-256", f.WorkbookSHA256, s.WorkbookSHA256},
	} {
		if c.file != c.in {
			out = append(out, fmt.Sprintf("the release seal's %s differs: the seal file says %q, the workpaper %q", c.name, c.file, c.in))
		}
	}
	return out, nil
}

// ErrArchived refuses a write to an archived workpaper.
var ErrArchived = errors.New("the workpaper is archived")

// archiveLock is the archive state writeOn reads before every write.
type archiveLock struct{ uuid, at, by, amendment string }

func (t *txn) archiveLock() (archiveLock, error) {
	var l archiveLock
	err := t.tx.QueryRowContext(t.ctx, `SELECT uuid, archived_at, archived_by, amendment FROM engagement WHERE id = 1`).Scan(&l.uuid, &l.at, &l.by, &l.amendment)
	if errors.Is(err, sql.ErrNoRows) {
		return archiveLock{}, nil
	}
	return l, err
}

// useAmendment spends the pending amendment on this write: the trail says
// the change is the amendment, with its reason.
func (t *txn) useAmendment(l archiveLock) error {
	if err := t.event("engagement", l.uuid, "amendment after archive (recorded "+l.at+"): "+l.amendment); err != nil {
		return err
	}
	_, err := t.update("engagement", l.uuid, 0, "the engagement", field{"amendment", ""})
	return err
}

// Archive locks the released workpaper: from now on every write is
// refused with the reason and the date, except one explained amendment at
// a time (Amend). The file still opens, exports and verifies.
func (w *Workpaper) Archive(ctx context.Context) error {
	w.archiving = true
	defer func() { w.archiving = false }()
	return w.write(ctx, func(t *txn) error {
		e, err := t.engagement()
		if err != nil {
			return err
		}
		if e.ReleaseDate.IsZero() {
			return errors.New("the report has not been released: a file is archived after release (fieldwork release)")
		}
		l, err := t.archiveLock()
		if err != nil {
			return err
		}
		if l.at != "" {
			return fmt.Errorf("%w on %s by %s already", ErrArchived, l.at, l.by)
		}
		_, err = t.update("engagement", e.UUID, 0, "the engagement", field{"archived_at", t.at}, field{"archived_by", w.user})
		return err
	})
}

// Amend allows one write after the archive lock, with its reason: the
// next change is recorded as the amendment (who, when, why) and the lock
// closes again after it.
func (w *Workpaper) Amend(ctx context.Context, reason string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return errors.New("an amendment needs its reason")
	}
	w.archiving = true
	defer func() { w.archiving = false }()
	return w.write(ctx, func(t *txn) error {
		l, err := t.archiveLock()
		if err != nil {
			return err
		}
		if l.at == "" {
			return errors.New("the workpaper is not archived: changes need no amendment")
		}
		if l.amendment != "" {
			return fmt.Errorf("an amendment is already pending (%s): make that change first", l.amendment)
		}
		_, err = t.update("engagement", l.uuid, 0, "the engagement", field{"amendment", w.user + " " + t.at + ": " + reason})
		return err
	})
}
