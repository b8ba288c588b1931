package tui

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aymanbagabas/go-udiff"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/fieldwork-audit/fieldwork/model"
	"github.com/fieldwork-audit/fieldwork/sampling"
)

func init() {
	// Goldens hold text, not colours.
	lipgloss.SetColorProfile(termenv.Ascii)
	// teatest's golden package defines -update; define it if it is absent.
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite the .golden files")
	}
}

// fixedNow is the tests' clock.
var fixedNow = time.Date(2026, 1, 20, 14, 30, 0, 0, time.UTC)

func clock() time.Time { return fixedNow }

type fixture struct {
	client, system string
	readOnly       bool
	hostile        bool // client text full of escape sequences and wide characters
	noControls     bool
}

// templates holds one workpaper file per fixture, written once per test
// run and copied for each test: writing one (a transaction per record,
// each synced to disk) is the slow part of these tests.
var (
	templatesMu  sync.Mutex
	templates    = map[fixture]string{}
	templatesDir string
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "fieldwork-tui-test-")
	if err != nil {
		panic(err)
	}
	templatesDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// newWorkpaper opens a copy of the fixture's workpaper, named
// northwind.fieldwork in the test's own working directory (so that the
// goldens' "File" line is the same on every machine). The engagement is
// Type II with Security, Availability and Confidentiality in scope, and its
// controls leave four criteria uncovered: CC1.2, CC3.3, CC9.2 and C1.2.
func newWorkpaper(t *testing.T, f fixture) *model.Workpaper {
	t.Helper()
	readOnly := f.readOnly
	f.readOnly = false
	tmpl := template(t, f)
	t.Chdir(t.TempDir())
	path := "northwind.fieldwork"
	b, err := os.ReadFile(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := model.Open(path, model.Options{User: "tester", ReadOnly: readOnly, Now: clock, NewUUID: model.DeterministicUUIDs("t2")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

func template(t *testing.T, f fixture) string {
	t.Helper()
	templatesMu.Lock()
	defer templatesMu.Unlock()
	if p, ok := templates[f]; ok {
		return p
	}
	p := filepath.Join(templatesDir, fmt.Sprintf("fixture-%d.fieldwork", len(templates)))
	writeFixture(t, p, f)
	templates[f] = p
	return p
}

func writeFixture(t *testing.T, path string, f fixture) {
	t.Helper()
	ctx := context.Background()
	w, err := model.Create(path, model.Options{User: "tester", Now: clock, NewUUID: model.DeterministicUUIDs("t")})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if f.client == "" {
		f.client = "Northwind Payroll Inc."
	}
	if f.system == "" {
		f.system = "Northwind Payroll Cloud"
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(w.CreateEngagement(ctx, model.NewEngagement{
		Client: f.client, System: f.system, Type: model.TypeII,
		From: date("2025-01-01"), To: date("2025-12-31"),
		Categories:     []model.Category{model.Availability, model.Confidentiality},
		Firm:           "Ledger & Lamp LLP",
		PlanningDate:   date("2025-11-03"),
		FieldworkStart: date("2026-01-12"),
		FieldworkEnd:   date("2026-02-06"),
		ReportDue:      date("2026-02-27"),
	}))
	must(w.AddTeamMember(ctx, model.TeamMember{Name: "Dana Whitfield", Role: model.RolePartner, Email: "dana@ledgerlamp.example"}))
	must(w.AddTeamMember(ctx, model.TeamMember{Name: "Sam Okafor", Role: model.RoleReviewer, Email: "sam@ledgerlamp.example"}))
	must(w.AddTeamMember(ctx, model.TeamMember{Name: "Lee Tran", Role: model.RolePreparer}))
	must(w.AddSubserviceOrg(ctx, model.SubserviceOrg{Name: "Stratus Cloud", Services: "infrastructure hosting", Method: model.CarveOut}))
	must(w.AddSubserviceOrg(ctx, model.SubserviceOrg{Name: "Mailgate", Services: "payslip e-mail", Method: model.Inclusive}))
	must(w.AddComplementaryControl(ctx, model.ComplementaryControl{Kind: model.CUEC, Ref: "CUEC-1", Text: "Customers review payroll registers before approval.", Criteria: []string{"CC6.2"}}))
	must(w.AddComplementaryControl(ctx, model.ComplementaryControl{Kind: model.CUEC, Ref: "CUEC-2", Text: "Customers remove access of their departed users.", Criteria: []string{"CC6.3"}}))
	must(w.AddComplementaryControl(ctx, model.ComplementaryControl{Kind: model.CSOC, Ref: "CSOC-1", Text: "Stratus Cloud restricts physical access to its data centers.", Criteria: []string{"CC6.4"}, Subservice: "Stratus Cloud"}))

	if !f.noControls {
		desc := map[string]string{}
		if f.hostile {
			desc["LA-01"] = "Access \x1b[31mRED\x1b[0m is reviewed\x1b]0;pwned\x07 quarterly\x1b[2J\x1b[H by 経理部 👩‍💼 and\u202e evil\u202c\r\nsecond\tline\x00\x7f\u009b31m"
		}
		if _, err := w.ImportControls(ctx, testControls(desc), "matrix.xlsx"); err != nil {
			t.Fatal(err)
		}
	}
}

func testControls(desc map[string]string) []model.ControlInput {
	in := []model.ControlInput{
		{ID: "ENT-01", Description: "The Code of Conduct is acknowledged by employees at hire and annually thereafter.", Owner: "VP People", Frequency: sampling.Annual, Nature: model.NatureManual, Key: true, Criteria: []string{"CC1.1", "CC1.3", "CC1.4", "CC1.5"}},
		{ID: "COM-01", Description: "Security policies are published on the intranet and approved by the CISO annually.", Owner: "CISO", Frequency: sampling.Annual, Nature: model.NatureManual, Criteria: []string{"CC2.1", "CC2.2", "CC2.3", "CC5.3"}},
		{ID: "RSK-01", Description: "A risk assessment covering significant changes is performed annually and approved by management.", Owner: "CISO", Frequency: sampling.Annual, Nature: model.NatureManual, Key: true, Criteria: []string{"CC3.1", "CC3.2", "CC3.4", "CC5.1", "CC5.2"}},
		{ID: "MON-01", Description: "An internal audit of the control environment is performed annually; deficiencies are tracked to remediation.", Owner: "Internal Audit", Frequency: sampling.Annual, Nature: model.NatureManual, Criteria: []string{"CC4.1", "CC4.2"}},
		{ID: "LA-01", Description: "User access to production systems and the payroll database is reviewed quarterly by system owners; inappropriate access is removed within five business days and the removal is evidenced in the access review ticket.", Owner: "Security Engineering", Frequency: sampling.Quarterly, Nature: model.NatureManual, Key: true, Criteria: []string{"CC6.1", "CC6.2", "CC6.3"}},
		{ID: "LA-02", Description: "Production systems require unique user IDs and multi-factor authentication.", Owner: "IT Operations", Frequency: sampling.Continuous, Nature: model.NatureAutomated, Key: true, Criteria: []string{"CC6.1", "CC6.6", "CC6.7"}},
		{ID: "LA-03", Description: "Laptops are encrypted and wiped before disposal; badge access restricts the office.", Owner: "IT Operations", Frequency: sampling.AdHoc, Nature: model.NatureManual, Criteria: []string{"CC6.4", "CC6.5"}},
		{ID: "NET-01", Description: "Endpoint protection is installed on all laptops and servers and alerts are monitored.", Owner: "IT Operations", Frequency: sampling.Continuous, Nature: model.NatureAutomated, Criteria: []string{"CC6.8", "CC7.1", "CC7.2"}},
		{ID: "INC-01", Description: "Security incidents are logged, investigated and resolved under the incident response plan.", Owner: "Security Operations", Frequency: sampling.AdHoc, Nature: model.NatureManual, Key: true, Criteria: []string{"CC7.3", "CC7.4", "CC7.5"}},
		{ID: "CHG-01", Description: "Changes to production are peer reviewed and approved before deployment.", Owner: "VP Engineering", Frequency: sampling.MultipleDaily, Nature: model.NatureITDependent, Key: true, Criteria: []string{"CC8.1", "CC9.1"}},
		{ID: "AV-01", Description: "Capacity is monitored and backups are restored in a test annually.", Owner: "Platform Engineering", Frequency: sampling.Monthly, Nature: model.NatureAutomated, Criteria: []string{"A1.1", "A1.2", "A1.3"}},
		{ID: "CF-01", Description: "Confidential customer data is classified and encrypted at rest.", Owner: "Security Engineering", Frequency: sampling.Continuous, Nature: model.NatureAutomated, Criteria: []string{"C1.1", "CC6.1"}},
	}
	for i := range in {
		if d, ok := desc[in[i].ID]; ok {
			in[i].Description = d
		}
	}
	return in
}

func date(s string) time.Time {
	t, err := model.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return t
}

// driver runs the root model as Bubble Tea would, synchronously: it feeds
// each message to Update and runs the commands that come back, following
// everything but timers (the spinner).
type driver struct {
	t    *testing.T
	m    Model
	quit bool
}

// start makes a model of w sized width×height and loaded.
func start(t *testing.T, w *model.Workpaper, width, height int) *driver {
	t.Helper()
	return startAt(t, w, clock, width, height)
}

// startAt is start with the clock now.
func startAt(t *testing.T, w *model.Workpaper, now func() time.Time, width, height int) *driver {
	t.Helper()
	// Refresh off: the driver would wait for the poll's timer.
	d := &driver{t: t, m: New(w, Options{Now: now, Refresh: -1})}
	d.send(tea.WindowSizeMsg{Width: width, Height: height})
	d.run(d.m.Init())
	if d.m.data == nil {
		t.Fatalf("the workpaper did not load: %v", d.m.loadErr)
	}
	return d
}

func (d *driver) send(msg tea.Msg) {
	d.t.Helper()
	nm, cmd := d.m.Update(msg)
	d.m = nm.(Model)
	d.run(cmd)
}

func (d *driver) run(cmd tea.Cmd) {
	d.t.Helper()
	if cmd == nil {
		return
	}
	switch msg := cmd().(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range msg {
			d.run(c)
		}
	case tea.QuitMsg:
		d.quit = true
	case spinner.TickMsg:
		// a timer: tests do not wait for it
	default:
		// tea.Sequence's message is an unexported []tea.Cmd.
		if v := reflect.ValueOf(msg); v.Kind() == reflect.Slice && v.Type().Elem() == reflect.TypeFor[tea.Cmd]() {
			for i := range v.Len() {
				d.run(v.Index(i).Interface().(tea.Cmd))
			}
			return
		}
		d.send(msg)
	}
}

// press sends the first key of binding b.
func (d *driver) press(b key.Binding) {
	d.t.Helper()
	d.send(keyMsg(b))
}

// typeText types s, one key per rune.
func (d *driver) typeText(s string) {
	d.t.Helper()
	for _, r := range s {
		if r == ' ' {
			d.send(tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}})
			continue
		}
		d.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
}

func (d *driver) keys() *keyMap { return d.m.common.keys }

func (d *driver) view() string { return d.m.View() }

func (d *driver) active() page { return d.m.activePage() }

func (d *driver) depth() int { return len(d.m.tabs[d.m.active]) }

// keyTypes maps Bubble Tea's key names ("enter", "shift+tab", "pgdown")
// to key types.
var keyTypes = func() map[string]tea.KeyType {
	m := map[string]tea.KeyType{}
	for i := -256; i < 256; i++ {
		kt := tea.KeyType(i)
		if s := kt.String(); s != "" && kt != tea.KeyRunes {
			m[s] = kt
		}
	}
	return m
}()

// keyMsg builds the key press that b's first key names.
func keyMsg(b key.Binding) tea.KeyMsg {
	k := b.Keys()[0]
	if kt, ok := keyTypes[k]; ok {
		return tea.KeyMsg{Type: kt}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
}

// testdata is the package's testdata folder, found before any test
// changes the working directory.
var testdata = func() string {
	p, err := filepath.Abs("testdata")
	if err != nil {
		panic(err)
	}
	return p
}()

// requireGolden compares got with testdata/name.golden; go test -update
// rewrites the file.
func requireGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join(testdata, name+".golden")
	got = strings.ReplaceAll(got, "\r\n", "\n")
	if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" {
		if err := os.MkdirAll(testdata, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./tui -update to write it)", err)
	}
	if diff := udiff.Unified("golden", "got", strings.ReplaceAll(string(want), "\r\n", "\n"), got); diff != "" {
		t.Errorf("%s differs from the golden (go test ./tui -update rewrites it):\n%s", path, diff)
	}
}
