package model

import (
	"context"
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
