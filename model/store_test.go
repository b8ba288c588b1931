package model

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fieldwork-audit/fieldwork/sampling"
)

var testClock = time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)

func testOptions(user string) Options {
	return Options{User: user, Now: func() time.Time { return testClock }, NewUUID: DeterministicUUIDs("test/" + user)}
}

func newTestWorkpaper(t *testing.T) (*Workpaper, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "eng.fieldwork")
	w, err := Create(path, testOptions("alice"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	err = w.CreateEngagement(context.Background(), NewEngagement{
		Client: "Acme", System: "Acme Cloud", Type: TypeII,
		From: mustDate("2026-01-01"), To: mustDate("2026-06-30"),
		Categories: []Category{Availability},
	})
	if err != nil {
		t.Fatal(err)
	}
	return w, path
}

func TestCreateAndReopen(t *testing.T) {
	ctx := context.Background()
	w, path := newTestWorkpaper(t)
	if v, err := w.SchemaVersionOf(ctx); err != nil || v != SchemaVersion {
		t.Fatalf("schema version = %d, %v", v, err)
	}
	w.Close()

	h, err := readHeader(path)
	if err != nil {
		t.Fatal(err)
	}
	if h.applicationID != ApplicationID || h.userVersion != SchemaVersion {
		t.Fatalf("header = %+v", h)
	}
	// No WAL side file: the workpaper alone holds everything.
	if _, err := os.Stat(path + "-wal"); err == nil {
		t.Fatal("a -wal file exists beside the workpaper")
	}

	w2, err := Open(path, testOptions("bob"))
	if err != nil {
		t.Fatal(err)
	}
	defer w2.Close()
	e, err := w2.Engagement(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if e.Client != "Acme" || e.Type != TypeII || e.Period() != "2026-01-01 to 2026-06-30" {
		t.Fatalf("engagement = %+v", e)
	}
	if !e.InScope(Security) || !e.InScope(Availability) || e.InScope(Privacy) {
		t.Fatalf("categories = %v", e.Categories)
	}
	if e.UUID == "" || e.UpdatedBy != "alice" {
		t.Fatalf("uuid %q updated_by %q", e.UUID, e.UpdatedBy)
	}
	if ro, _ := w2.ReadOnly(); ro {
		t.Fatal("opened read-only")
	}
}

func TestCreateRefusesExistingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.fieldwork")
	os.WriteFile(path, []byte("keep me"), 0o644)
	if _, err := Create(path, testOptions("a")); !errors.Is(err, ErrExists) {
		t.Fatalf("err = %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "keep me" {
		t.Fatal("existing file was modified")
	}
}

// assertRefused opens path and checks the error and that the bytes are unchanged.
func assertRefused(t *testing.T, path string, want error, wantText string) {
	t.Helper()
	before, _ := os.ReadFile(path)
	w, err := Open(path, testOptions("a"))
	if err == nil {
		w.Close()
		t.Fatalf("Open(%s) succeeded", path)
	}
	if want != nil && !errors.Is(err, want) {
		t.Fatalf("err = %v, want %v", err, want)
	}
	if !strings.Contains(err.Error(), wantText) {
		t.Fatalf("err = %q, want it to contain %q", err, wantText)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Fatal("refused file was modified")
	}
	for _, side := range []string{"-journal", "-wal", "-shm"} {
		if _, err := os.Stat(path + side); err == nil {
			t.Fatalf("opening left %s%s behind", path, side)
		}
	}
}

func TestOpenRefusals(t *testing.T) {
	dir := t.TempDir()

	t.Run("missing", func(t *testing.T) {
		_, err := Open(filepath.Join(dir, "nope.fieldwork"), testOptions("a"))
		if !errors.Is(err, ErrNotExist) || !hasHint(err, HintCreate) {
			t.Fatalf("err = %v", err)
		}
		if _, err := os.Stat(filepath.Join(dir, "nope.fieldwork")); err == nil {
			t.Fatal("Open created the missing file")
		}
	})

	t.Run("not sqlite", func(t *testing.T) {
		p := filepath.Join(dir, "notes.fieldwork")
		os.WriteFile(p, []byte("Control ID,Description\nCC-01,Something\n"), 0o644)
		assertRefused(t, p, ErrNotSQLite, "not a SQLite database")
	})

	t.Run("empty", func(t *testing.T) {
		p := filepath.Join(dir, "empty.fieldwork")
		os.WriteFile(p, nil, 0o644)
		assertRefused(t, p, ErrEmptyFile, "empty")
	})

	t.Run("other application", func(t *testing.T) {
		p := filepath.Join(dir, "other.db")
		db, err := sql.Open("sqlite", p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec("CREATE TABLE t(x); INSERT INTO t VALUES (1); PRAGMA user_version = 7"); err != nil {
			t.Fatal(err)
		}
		db.Close()
		assertRefused(t, p, ErrForeignDB, "another application")
	})

	t.Run("newer schema", func(t *testing.T) {
		_, p := newTestWorkpaper(t)
		db, err := sql.Open("sqlite", p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec("PRAGMA user_version = 99"); err != nil {
			t.Fatal(err)
		}
		db.Close()
		assertRefused(t, p, ErrNewerSchema, fmt.Sprintf("written by a newer fieldwork: schema 99, this build reads up to %d", SchemaVersion))
	})
}

func TestReadOnlyFile(t *testing.T) {
	if os.Geteuid() == 0 {
		// root can write any file; simulate with the ReadOnly option instead.
		t.Log("running as root: checking --read-only only")
	}
	ctx := context.Background()
	w, path := newTestWorkpaper(t)
	w.Close()
	before, _ := os.ReadFile(path)

	if os.Geteuid() != 0 {
		os.Chmod(path, 0o444)
		defer os.Chmod(path, 0o644)
		r, err := Open(path, testOptions("a"))
		if err != nil {
			t.Fatal(err)
		}
		ro, why := r.ReadOnly()
		if !ro || !strings.Contains(why, "not writable") {
			t.Fatalf("read-only = %v (%s)", ro, why)
		}
		r.Close()
	}

	r, err := Open(path, Options{User: "a", ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.Engagement(ctx); err != nil {
		t.Fatal(err)
	}
	err = r.AddTeamMember(ctx, TeamMember{Name: "X", Role: RolePreparer})
	if !errors.Is(err, ErrReadOnly) {
		t.Fatalf("write on read-only = %v", err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Fatal("read-only open modified the file")
	}
}

func TestCatalogCounts(t *testing.T) {
	want := map[Category]int{Security: 33, Availability: 3, Confidentiality: 2, ProcessingIntegrity: 5, Privacy: 18}
	got := map[Category]int{}
	for _, c := range Catalog {
		got[c.Category]++
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %d criteria, want %d", k, got[k], v)
		}
	}
	if len(Catalog) != 61 {
		t.Errorf("catalog has %d criteria", len(Catalog))
	}

	w, _ := newTestWorkpaper(t)
	crit, err := w.Criteria(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	inScope := 0
	for _, c := range crit {
		if c.InScope {
			inScope++
		}
		if c.InScope != (c.Category == Security || c.Category == Availability) {
			t.Errorf("%s in scope = %v", c.Ref, c.InScope)
		}
	}
	if len(crit) != 61 || inScope != 36 {
		t.Fatalf("%d criteria, %d in scope", len(crit), inScope)
	}
}

func TestNormalizeCriterionID(t *testing.T) {
	for in, want := range map[string]string{"cc6.1": "CC6.1", " CC 6.1 ": "CC6.1", "CC6.1.": "CC6.1", "TSC CC8.1": "CC8.1", "pi1.3": "PI1.3", "a1.2": "A1.2"} {
		got, ok := NormalizeCriterionID(in)
		if !ok || got != want {
			t.Errorf("NormalizeCriterionID(%q) = %q, %v", in, got, ok)
		}
	}
	for _, bad := range []string{"CC10.1", "CC6", "X1.1", ""} {
		if _, ok := NormalizeCriterionID(bad); ok {
			t.Errorf("NormalizeCriterionID(%q) accepted", bad)
		}
	}
}

func TestEngagementValidation(t *testing.T) {
	bad := []NewEngagement{
		{System: "S", Type: TypeII, From: mustDate("2026-01-01"), To: mustDate("2026-12-31")},
		{Client: "C", System: "S", Type: TypeII, From: mustDate("2026-01-01")},
		{Client: "C", System: "S", Type: TypeII, From: mustDate("2026-12-31"), To: mustDate("2026-01-01")},
		{Client: "C", System: "S", Type: TypeI},
		{Client: "C", System: "S", Type: TypeI, AsOf: mustDate("2026-01-01"), From: mustDate("2025-01-01")},
		{Client: "C", System: "S", Type: 3},
	}
	for i, n := range bad {
		if err := n.Validate(); err == nil {
			t.Errorf("case %d accepted", i)
		}
	}
}

func TestImportControlsAndReimport(t *testing.T) {
	ctx := context.Background()
	w, _ := newTestWorkpaper(t)
	in := []ControlInput{
		{ID: "CC-01", Description: "Code of conduct", Frequency: sampling.Annual, Criteria: []string{"CC1.1"}},
		{ID: "CC-02", Description: "Change approval", Frequency: sampling.AdHoc, Key: true, Criteria: []string{"CC8.1", "CC5.2"}},
	}
	sum, err := w.ImportControls(ctx, in, "m.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Added) != 2 || len(sum.Updated)+len(sum.Unchanged) != 0 {
		t.Fatalf("first import: %+v", sum)
	}
	in[1].Description = "Change approval before deployment"
	in[1].Criteria = []string{"CC8.1"}
	in = append(in[:1:1], in[1], ControlInput{ID: "A-01", Description: "Backups", Frequency: sampling.Daily, Criteria: []string{"A1.2"}})
	sum, err = w.ImportControls(ctx, in[1:], "m2.csv")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(sum.Added, ",") != "A-01" || strings.Join(sum.Updated, ",") != "CC-02" || strings.Join(sum.NotInFile, ",") != "CC-01" {
		t.Fatalf("re-import: %+v", sum)
	}
	c, err := w.Control(ctx, "cc-02")
	if err != nil {
		t.Fatal(err)
	}
	if c.Description != "Change approval before deployment" || strings.Join(c.Criteria, ",") != "CC8.1" || c.Version != 2 {
		t.Fatalf("control = %+v", c)
	}
	sum, err = w.ImportControls(ctx, in[1:], "m2.csv")
	if err != nil || len(sum.Unchanged) != 2 {
		t.Fatalf("unchanged import: %+v %v", sum, err)
	}
	crit, _ := w.Criteria(ctx)
	for _, x := range crit {
		if x.Ref == "CC5.2" && len(x.Controls) != 0 {
			t.Errorf("CC5.2 still mapped: %v", x.Controls)
		}
		if x.Ref == "A1.2" && (x.Gap || x.Controls[0] != "A-01") {
			t.Errorf("A1.2 = %+v", x)
		}
		if x.Ref == "A1.1" && !x.Gap {
			t.Errorf("A1.1 should be a gap")
		}
	}
	if _, err := w.Control(ctx, "ZZ-99"); !errors.Is(err, ErrNoControl) {
		t.Fatalf("missing control err = %v", err)
	}
}

func TestStaleUpdateRefused(t *testing.T) {
	ctx := context.Background()
	w, _ := newTestWorkpaper(t)
	e, _ := w.Engagement(ctx)
	if err := w.UpdateEngagementDates(ctx, e.Version, "Firm A", time.Time{}, time.Time{}, time.Time{}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	err := w.UpdateEngagementDates(ctx, e.Version, "Firm B", time.Time{}, time.Time{}, time.Time{}, time.Time{})
	var stale *StaleError
	if !errors.As(err, &stale) || stale.By != "alice" {
		t.Fatalf("err = %v", err)
	}
	e2, _ := w.Engagement(ctx)
	if e2.Firm != "Firm A" {
		t.Fatalf("stale edit applied: %q", e2.Firm)
	}
}

func TestImportCriteriaText(t *testing.T) {
	ctx := context.Background()
	w, _ := newTestWorkpaper(t)
	good := writeFile(t, "catalog.csv", "id,title,description\nCC1.1,COSO Principle 1,The entity demonstrates a commitment to integrity and ethical values.\ncc8.1,,Changes are authorized.\n")
	n, err := w.ImportCriteriaText(ctx, good)
	if err != nil || n != 2 {
		t.Fatalf("import: %d, %v", n, err)
	}
	crit, _ := w.Criteria(ctx)
	for _, c := range crit {
		switch c.Ref {
		case "CC1.1":
			if c.Title != "COSO Principle 1" || c.TextSource != "firm" || !strings.HasPrefix(c.Description, "The entity") {
				t.Fatalf("CC1.1 = %+v", c)
			}
		case "CC8.1":
			if c.Title != "Change management" || c.Description != "Changes are authorized." {
				t.Fatalf("CC8.1 = %+v", c)
			}
		}
	}
	bad := writeFile(t, "bad.csv", "id,title,description\nCC1.1,x,y\nCC10.1,new,criterion\n,blank id,z\nCC1.1,twice,z\n")
	_, err = w.ImportCriteriaText(ctx, bad)
	var me *MatrixError
	if !errors.As(err, &me) || len(me.Issues) != 3 {
		t.Fatalf("bad catalog: %v", err)
	}
	crit, _ = w.Criteria(ctx)
	if len(crit) != 61 || crit[0].Title != "COSO Principle 1" {
		t.Fatal("a rejected catalog changed the criteria")
	}
}
