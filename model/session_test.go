package model

import (
	"context"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"
)

// clock is a settable clock for one handle.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

func trailLen(t *testing.T, w *Workpaper) int {
	t.Helper()
	tr, err := w.Trail(context.Background(), TrailFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return len(tr)
}

func TestSessions(t *testing.T) {
	ctx := context.Background()
	w0, path := newTestWorkpaper(t)
	entries := trailLen(t, w0)
	w0.Close()

	ca, cb := &clock{t: testClock}, &clock{t: testClock.Add(time.Minute)}
	a, err := Open(path, Options{User: "alice", Now: ca.now})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if len(a.OtherSessions()) != 0 {
		t.Fatalf("alice sees %+v", a.OtherSessions())
	}
	b, err := Open(path, Options{User: "bob", Now: cb.now})
	if err != nil {
		t.Fatal(err)
	}
	others := b.OtherSessions()
	host, _ := os.Hostname()
	if len(others) != 1 || others[0].User != "alice" || others[0].Host != host || others[0].PID != os.Getpid() || others[0].Stale {
		t.Fatalf("bob sees %+v", others)
	}
	if s := others[0].String(); s == "" || others[0].Started.IsZero() {
		t.Fatalf("session %+v", others[0])
	}
	if ss, _ := a.Sessions(ctx); len(ss) != 1 || ss[0].User != "bob" {
		t.Fatalf("alice sees %+v", ss)
	}
	// A read-only handle takes no part.
	ro, err := Open(path, Options{User: "carol", ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if ss, _ := ro.Sessions(ctx); len(ss) != 2 {
		t.Fatalf("read-only sees %+v", ss)
	}
	ro.Close()
	if ss, _ := a.Sessions(ctx); len(ss) != 1 {
		t.Fatalf("the read-only handle registered: %+v", ss)
	}

	// Three minutes without a heartbeat from alice: stale to bob.
	cb.set(testClock.Add(3 * time.Minute))
	if ss, _ := b.Sessions(ctx); len(ss) != 1 || !ss[0].Stale {
		t.Fatalf("after 3 minutes: %+v", ss)
	}
	ca.set(testClock.Add(3 * time.Minute))
	if err := a.Heartbeat(ctx); err != nil {
		t.Fatal(err)
	}
	if ss, _ := b.Sessions(ctx); ss[0].Stale {
		t.Fatalf("after a heartbeat: %+v", ss)
	}
	// Stale sessions are cleared; live ones never.
	cb.set(testClock.Add(10 * time.Minute))
	cleared, err := b.ClearStaleSessions(ctx)
	if err != nil || len(cleared) != 1 || cleared[0].User != "alice" {
		t.Fatalf("cleared %+v %v", cleared, err)
	}
	if ss, _ := b.Sessions(ctx); len(ss) != 0 {
		t.Fatalf("after clearing: %+v", ss)
	}
	// Alice's laptop wakes up: her next heartbeat registers her again.
	ca.set(testClock.Add(10 * time.Minute))
	if err := a.Heartbeat(ctx); err != nil {
		t.Fatal(err)
	}
	if ss, _ := b.Sessions(ctx); len(ss) != 1 || ss[0].User != "alice" || ss[0].Stale {
		t.Fatalf("after alice came back: %+v", ss)
	}
	if cleared, _ := b.ClearStaleSessions(ctx); len(cleared) != 0 {
		t.Fatalf("cleared a live session: %+v", cleared)
	}
	b.Close()
	b.Close() // twice is harmless
	if ss, _ := a.Sessions(ctx); len(ss) != 0 {
		t.Fatalf("bob's session outlived Close: %+v", ss)
	}
	// Sessions are not audit records.
	if n := trailLen(t, a); n != entries {
		t.Fatalf("sessions wrote %d change-log entries", n-entries)
	}
}

func TestSessionOfDeadProcessIsStale(t *testing.T) {
	ctx := context.Background()
	w, _ := newTestWorkpaper(t)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	now := formatTime(testClock)
	if _, err := w.db.Exec(`INSERT INTO session (token, user, host, pid, started_at, heartbeat_at) VALUES ('x', 'dave', ?, ?, ?, ?)`,
		host, cmd.Process.Pid, now, now); err != nil {
		t.Fatal(err)
	}
	ss, err := w.Sessions(ctx)
	if err != nil || len(ss) != 1 || !ss[0].Stale {
		t.Fatalf("a crashed process's session: %+v %v", ss, err)
	}
}

// The workbench heartbeats from a command goroutine while it reads.
func TestHeartbeatConcurrentWithReads(t *testing.T) {
	ctx := context.Background()
	_, path := newTestWorkpaper(t)
	w, err := Open(path, Options{User: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 10; j++ {
				if err := w.Heartbeat(ctx); err != nil {
					t.Error(err)
				}
				w.Sessions(ctx)
				w.OtherSessions()
			}
		}()
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	w.Heartbeat(ctx) // after Close: does nothing, does not panic
	// A NoSession handle never registers, even on a heartbeat.
	n, err := Open(path, Options{User: "bob", NoSession: true})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	n.Heartbeat(ctx)
	if ss, _ := n.Sessions(ctx); len(ss) != 0 {
		t.Fatalf("sessions %+v", ss)
	}
}
