package tui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fieldwork-audit/fieldwork/internal/demo"
	"github.com/fieldwork-audit/fieldwork/model"
	"github.com/fieldwork-audit/fieldwork/tui/widget/list"
)

// The review screens are tested on the demo engagement (Harborview
// Payroll): two exceptions, review notes in each state, client requests, a
// sign-off invalidated by a later change. Its preparer is maria.chen and
// its reviewer olivia.brandt.

// demoNow is the review tests' clock: two days after the demo's work.
var demoNow = time.Date(2026, 10, 21, 10, 0, 0, 0, time.UTC)

func demoClock() time.Time { return demoNow }

var (
	demoOnce sync.Once
	demoPath string
	demoErr  error
)

// demoWorkpaper opens a copy of the demo as user, named harborview.fieldwork
// in the test's own working directory.
func demoWorkpaper(t *testing.T, user string, readOnly bool) *model.Workpaper {
	t.Helper()
	demoOnce.Do(func() {
		demoPath = filepath.Join(templatesDir, "demo.fieldwork")
		demoErr = demo.Write(context.Background(), demoPath)
	})
	if demoErr != nil {
		t.Fatal(demoErr)
	}
	t.Chdir(t.TempDir())
	b, err := os.ReadFile(demoPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("harborview.fieldwork", b, 0o644); err != nil {
		t.Fatal(err)
	}
	return openAs(t, "harborview.fieldwork", user, readOnly)
}

// openAs opens the workpaper at path as user: a second handle is a second
// user (or process) on the same file.
func openAs(t *testing.T, path, user string, readOnly bool) *model.Workpaper {
	t.Helper()
	w, err := model.Open(path, model.Options{User: user, ReadOnly: readOnly, Now: demoClock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

// startDemo is start for the demo's clock.
func startDemo(t *testing.T, w *model.Workpaper, width, height int) *driver {
	t.Helper()
	return startAt(t, w, demoClock, width, height)
}

// want fails unless the view holds every text.
func (d *driver) want(texts ...string) {
	d.t.Helper()
	v := d.view()
	for _, s := range texts {
		if !strings.Contains(v, s) {
			d.t.Errorf("the screen lacks %q:\n%s", s, v)
		}
	}
}

// wantNot fails if the view holds any of the texts.
func (d *driver) wantNot(texts ...string) {
	d.t.Helper()
	v := d.view()
	for _, s := range texts {
		if strings.Contains(v, s) {
			d.t.Errorf("the screen shows %q:\n%s", s, v)
		}
	}
}

// selectRow moves a list's cursor down until the selected row's id is id.
func selectRow[T any](t *testing.T, d *driver, l *list.Model[T], id string) {
	t.Helper()
	for range len(l.Rows()) + 1 {
		if l.SelectedID() == id {
			return
		}
		d.press(d.keys().Down)
	}
	t.Fatalf("no row %q in the list", id)
}
