package model

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/fieldwork-audit/fieldwork/internal/testkeys"
)

// endDatesWorkpaper is the test engagement (period to 2026-06-30, clock
// 2026-11-02) with fieldwork ended on 2026-08-15.
func endDatesWorkpaper(t *testing.T) (*Workpaper, string) {
	t.Helper()
	w, path := newTestWorkpaper(t)
	ctx := context.Background()
	e, err := w.Engagement(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.UpdateEngagementDates(ctx, e.Version, "", time.Time{}, mustDate("2026-07-01"), mustDate("2026-08-15"), time.Time{}); err != nil {
		t.Fatal(err)
	}
	return w, path
}

func TestReportDateRefusals(t *testing.T) {
	ctx := context.Background()
	w, _ := newTestWorkpaper(t)
	if err := w.SetReportDate(ctx, mustDate("2026-09-01")); err == nil || !strings.Contains(err.Error(), "fieldwork end date is not recorded") {
		t.Fatalf("without fieldwork end: %v", err)
	}
	w, _ = endDatesWorkpaper(t)
	for _, c := range []struct{ date, want string }{
		{"2026-08-14", "before fieldwork ended (2026-08-15)"},
		{"2026-11-03", "in the future (today is 2026-11-02)"},
	} {
		before, _ := w.TrailHead(ctx)
		if err := w.SetReportDate(ctx, mustDate(c.date)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Fatalf("%s: %v, want %q", c.date, err, c.want)
		}
		if after, _ := w.TrailHead(ctx); after != before {
			t.Fatalf("%s: refused but the trail moved from %v to %v", c.date, before, after)
		}
	}
	if err := w.SetReportDate(ctx, mustDate("2026-11-02")); err != nil {
		t.Fatalf("today: %v", err)
	}
	e, _ := w.Engagement(ctx)
	if got := formatDate(e.ReportDate); got != "2026-11-02" {
		t.Fatalf("report date = %q", got)
	}
	mustVerify(t, w)
}

func TestCompletionDeadlineWindow(t *testing.T) {
	if err := checkDeadline(mustDate("2026-11-02"), mustDate("2027-01-01")); err != nil {
		t.Fatalf("60 days: %v", err)
	}
	if err := checkDeadline(mustDate("2026-11-02"), mustDate("2027-01-02")); err == nil || !strings.Contains(err.Error(), "not a longer one") {
		t.Fatalf("61 days: %v", err)
	}
	if err := checkDeadline(mustDate("2026-11-02"), mustDate("2026-11-01")); err == nil {
		t.Fatal("a deadline before release was accepted")
	}
	w, _ := endDatesWorkpaper(t)
	if err := w.SetCompletionDeadline(context.Background(), mustDate("2026-12-01")); err == nil || !strings.Contains(err.Error(), "not been released") {
		t.Fatalf("before release: %v", err)
	}
}

// The new columns are replayed from the trail (a direct edit is named by
// verify) and carried by a merge.
func TestReportDateReplayAndMerge(t *testing.T) {
	ctx := context.Background()
	w, path := endDatesWorkpaper(t)
	w.Close()
	cs := copies(t, path, "a", "b")
	a := openCopy(t, cs[0], "alice", testClock)
	b := openCopy(t, cs[1], "bob", testClock)
	if err := b.SetReportDate(ctx, mustDate("2026-10-30")); err != nil {
		t.Fatal(err)
	}
	mustVerify(t, b)
	b.Close()
	mustMerge(t, a, cs[1])
	e, err := a.Engagement(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := formatDate(e.ReportDate); got != "2026-10-30" {
		t.Fatalf("merged report date = %q", got)
	}
	mustVerify(t, a)
	if _, err := a.db.ExecContext(ctx, "UPDATE engagement SET report_date = '2026-09-01'"); err != nil {
		t.Fatal(err)
	}
	r, err := a.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r.OK {
		t.Fatal("verify passed after report_date was edited outside fieldwork")
	}
}

func wantUnchanged(t *testing.T, w *Workpaper, err error, want string) {
	t.Helper()
	before, _ := w.TrailHead(context.Background())
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v, want it to contain %q", err, want)
	}
	if after, _ := w.TrailHead(context.Background()); after != before {
		t.Fatal("a refused release moved the trail")
	}
}

func TestReleaseGatesAndSeal(t *testing.T) {
	ctx := context.Background()
	w, path := endDatesWorkpaper(t)
	onTeam(t, w, "alice:senior", "james:partner")
	james := as(t, path, "james")
	rd := mustDate("2026-10-30")

	// Not a partner, not signed, an open note: every gap is named at once.
	_, err := w.Release(ctx, ReleaseInput{ReportDate: rd})
	wantUnchanged(t, w, err, "alice is a senior")
	wantUnchanged(t, w, err, "the opinion is not signed")
	if _, err := w.AddNote(ctx, "engagement", "", "tie out the description", ""); err != nil {
		t.Fatal(err)
	}
	_, err = james.Release(ctx, ReleaseInput{ReportDate: rd})
	wantUnchanged(t, james, err, "1 review note(s) not cleared")
	if strings.Contains(err.Error(), "is a") {
		t.Fatalf("the partner was refused as not a partner: %v", err)
	}
	notes, _ := w.Notes(ctx, NoteOpen)
	if err := w.ClearNote(ctx, notes[0].Ref); err != nil {
		t.Fatal(err)
	}
	if err := james.Sign(ctx, TargetOpinion, "", StepPartner); err != nil {
		t.Fatal(err)
	}
	_, err = james.Release(ctx, ReleaseInput{ReportDate: mustDate("2026-08-01")})
	wantUnchanged(t, james, err, "before fieldwork ended")
	_, err = james.Release(ctx, ReleaseInput{ReportDate: mustDate("2026-12-01")})
	wantUnchanged(t, james, err, "in the future")
	// An unresolved merge conflict blocks it.
	if _, err := james.db.ExecContext(ctx, `INSERT INTO merge_conflict (kind, tbl, record_uuid, field, what, source, merged_by, merged_at, state)
		VALUES ('field', 'engagement', 'x', 'firm', 'the engagement', 'other', 'james', '2026-11-01T00:00:00Z', 'open')`); err == nil {
		_, err = james.Release(ctx, ReleaseInput{ReportDate: rd})
		wantUnchanged(t, james, err, "1 merge conflict(s) unresolved")
		james.db.ExecContext(ctx, `DELETE FROM merge_conflict`)
	} else {
		t.Fatal(err)
	}

	head, _ := james.TrailHead(ctx)
	wb := filepath.Join(t.TempDir(), "wb.xlsx")
	os.WriteFile(wb, []byte("workbook"), 0o644)
	seal, err := james.Release(ctx, ReleaseInput{ReportDate: rd, Workbook: wb})
	if err != nil {
		t.Fatal(err)
	}
	if seal.Head != head.String() || seal.ReportDate != "2026-10-30" || seal.ReleasedBy != "james" ||
		seal.WorkbookSHA256 != fmt.Sprintf("%x", sha256.Sum256([]byte("workbook"))) {
		t.Fatalf("seal = %+v (head before %v)", seal, head)
	}
	e, _ := james.Engagement(ctx)
	if formatDate(e.ReleaseDate) != "2026-11-02" || formatDate(e.CompletionDeadline) != "2027-01-01" {
		t.Fatalf("release %v deadline %v", e.ReleaseDate, e.CompletionDeadline)
	}
	b, err := os.ReadFile(SealPath(path))
	if err != nil || !strings.Contains(string(b), `"head": "`+head.String()+`"`) {
		t.Fatalf("seal file: %s %v", b, err)
	}
	mustVerify(t, james)

	_, err = james.Release(ctx, ReleaseInput{ReportDate: rd})
	wantUnchanged(t, james, err, "has been released on 2026-11-02")
	wantUnchanged(t, james, james.SetReportDate(ctx, mustDate("2026-10-31")), "report date stays 2026-10-30")
	if err := james.SetCompletionDeadline(ctx, mustDate("2027-01-02")); err == nil {
		t.Fatal("a 61-day window was accepted")
	}
	if err := james.SetCompletionDeadline(ctx, mustDate("2026-12-15")); err != nil {
		t.Fatal(err)
	}

	// The seal file edited: verify names the field.
	os.WriteFile(SealPath(path), []byte(strings.Replace(string(b), "2026-10-30", "2026-10-29", 1)), 0o644)
	r, err := james.Verify(ctx)
	if err != nil || r.OK || len(r.Seal) != 1 || !strings.Contains(r.Seal[0], "report date differs") {
		t.Fatalf("verify after the seal file was edited: %+v %v", r.Seal, err)
	}
	os.WriteFile(SealPath(path), b, 0o644)
	// The seal in the workpaper edited: the replay and the seal check name it.
	if _, err := james.db.ExecContext(ctx, "UPDATE engagement SET release_head = '3:abc'"); err != nil {
		t.Fatal(err)
	}
	r, err = james.Verify(ctx)
	if err != nil || r.OK || len(r.Seal) == 0 || !strings.Contains(strings.Join(r.Seal, "\n"), "head differs") {
		t.Fatalf("verify after the seal was edited: %+v %v", r.Seal, err)
	}
}

func TestArchiveLockAndAmend(t *testing.T) {
	ctx := context.Background()
	w, path := endDatesWorkpaper(t)
	onTeam(t, w, "alice:senior", "james:partner")
	james := as(t, path, "james")
	if err := james.Archive(ctx); err == nil || !strings.Contains(err.Error(), "not been released") {
		t.Fatalf("archive before release: %v", err)
	}
	if err := james.Sign(ctx, TargetOpinion, "", StepPartner); err != nil {
		t.Fatal(err)
	}
	if _, err := james.Release(ctx, ReleaseInput{ReportDate: mustDate("2026-10-30")}); err != nil {
		t.Fatal(err)
	}
	// In assembly, before the lock: an addition is allowed.
	if _, err := w.AddNote(ctx, "engagement", "", "index the final file", ""); err != nil {
		t.Fatal(err)
	}
	if err := james.Amend(ctx, "too early"); err == nil || !strings.Contains(err.Error(), "not archived") {
		t.Fatalf("amend before archive: %v", err)
	}
	if err := james.Archive(ctx); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	_, err := w.AddNote(ctx, "engagement", "", "one more", "")
	if !errors.Is(err, ErrArchived) || !strings.Contains(err.Error(), "archived on 2026-11-02") || !strings.Contains(err.Error(), "by james") {
		t.Fatalf("write after the lock: %v", err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Fatal("a refused write changed the file")
	}
	if err := james.Amend(ctx, "  "); err == nil {
		t.Fatal("an amendment without a reason was accepted")
	}
	if err := james.Amend(ctx, "the client's late confirmation"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.AddNote(ctx, "engagement", "", "late confirmation filed", ""); err != nil {
		t.Fatalf("the amended write: %v", err)
	}
	if _, err := w.AddNote(ctx, "engagement", "", "and another", ""); !errors.Is(err, ErrArchived) {
		t.Fatalf("a second write after one amendment: %v", err)
	}
	var n int
	if err := w.db.QueryRowContext(ctx, `SELECT count(*) FROM change_log WHERE note LIKE '%amendment after archive%the client''s late confirmation%'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("amendment entries in the trail: %d %v", n, err)
	}
	mustVerify(t, w)
}
