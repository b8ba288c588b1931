package tui

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

func writeKeys(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "keys.json")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestKeyConfigRebinds(t *testing.T) {
	path := writeKeys(t, `{
		"down": ["down", "j", "ctrl+n"],
		"up": "ctrl+p",
		"quit": ["Q"],
		"force-quit": "ctrl+q",
		"sign-reviewer": "space",
		"next-tab": ["tab", "ALT+L"]
	}`)
	kc, err := LoadKeyConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if kc.Path != path || strings.Join(kc.Bindings["down"], ",") != "down,j,ctrl+n" || kc.Bindings["sign-reviewer"][0] != " " {
		t.Fatalf("bindings: %+v", kc.Bindings)
	}
	if got := kc.Bindings["next-tab"]; got[1] != "alt+L" {
		t.Fatalf("alt+ keeps the letter's case: %q", got)
	}
	w := newWorkpaper(t, fixture{})
	d := &driver{t: t, m: New(w, Options{Now: clock, Refresh: -1, Keys: &kc})}
	d.send(tea.WindowSizeMsg{Width: 120, Height: 40})
	d.run(d.m.Init())
	k := d.keys()
	if h := k.Down.Help(); h.Key != "↓/j" || h.Desc != "down" {
		t.Fatalf("help of a rebound key: %+v", h)
	}
	if strings.Join(k.ForceQuit.Keys(), ",") != "ctrl+q,ctrl+c" {
		t.Fatalf("ctrl+c must always quit: %v", k.ForceQuit.Keys())
	}
	d.press(k.Criteria)
	cp := d.active().(*criteriaPage)
	d.send(tea.KeyMsg{Type: tea.KeyCtrlN})
	if r, _ := cp.list.Selected(); r.crit.Ref != "CC1.2" {
		t.Fatalf("ctrl+n should move down, the cursor is on %s", r.crit.Ref)
	}
	d.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")})
	if d.quit {
		t.Fatal("q was rebound to Q: it must not quit")
	}
	d.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("Q")})
	if !d.quit {
		t.Fatal("Q should quit")
	}
}

func TestKeyConfigErrors(t *testing.T) {
	for _, c := range []struct {
		name, text string
		want       []string
	}{
		{"unknown action", `{"nxt-tab": "n"}`, []string{`unknown action "nxt-tab"`, `did you mean "next-tab"?`, "the actions are: ", "next-tab", "sign-reviewer", "force-quit"}},
		{"field name", `{"NextTab": "n"}`, []string{`unknown action "NextTab" (did you mean "next-tab"?)`}},
		{"unknown key", `{"quit": "ctlr+q"}`, []string{`action "quit": unknown key "ctlr+q"`}},
		{"no key", `{"quit": []}`, []string{`action "quit" has no key`}},
		{"not a key", `{"quit": 3}`, []string{`action "quit": give a key`}},
		{"conflict", `{"quit": "j"}`, []string{`key "j" is bound to both "quit" (every screen) and "down" (moving in lists)`}},
		{"global conflict", `{"help": "r"}`, []string{`key "r" is bound to both`, `"help"`, `"reload"`}},
		{"shadowed", `{"sign-reviewer": "r"}`, []string{`key "r" of "sign-reviewer" is taken by "reload"`}},
		{"syntax", "{\n  \"quit\": \"q\",\n}", []string{"line 3"}},
		{"not an object", `["q"]`, []string{"JSON object"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := LoadKeyConfig(writeKeys(t, c.text))
			if err == nil {
				t.Fatal("the file should be refused")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("the error lacks %q: %v", w, err)
				}
			}
			if !strings.Contains(err.Error(), "keys.json") {
				t.Errorf("the error should name the file: %v", err)
			}
		})
	}
	if _, err := LoadKeyConfig(filepath.Join(t.TempDir(), "missing.json")); err == nil || !strings.Contains(err.Error(), "key configuration") {
		t.Fatalf("a missing file: %v", err)
	}
}

// Every action of the key map has a name in the file, and the defaults
// pass the conflict check.
func TestKeyConfigCoversEveryAction(t *testing.T) {
	km := defaultKeyMap()
	actions := keyActions(km)
	for _, name := range []string{"quit", "force-quit", "next-tab", "exceptions", "review", "sign-offs", "trail", "export",
		"respond", "clear-note", "sign-preparer", "sign-reviewer", "verify", "jump-control", "history", "new-note", "wp-edit", "form-save"} {
		if _, ok := actions[name]; !ok {
			t.Errorf("no action %q", name)
		}
	}
	if err := checkConflicts(km); err != nil {
		t.Fatalf("the default keys conflict: %v", err)
	}
}

func TestDefaultKeyConfigFile(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	want := filepath.Join(dir, "fieldwork", "keys.json")
	if got := DefaultKeyConfigPath(); got != want {
		t.Fatalf("default path %q, want %q", got, want)
	}
	if kc, err := loadKeys(Options{}); err != nil || kc != nil {
		t.Fatalf("no file: %v %v", kc, err)
	}
	os.MkdirAll(filepath.Dir(want), 0o755)
	os.WriteFile(want, []byte(`{"quit": "Q"}`), 0o644)
	kc, err := loadKeys(Options{})
	if err != nil || kc == nil || kc.Bindings["quit"][0] != "Q" {
		t.Fatalf("the default file should be read: %+v %v", kc, err)
	}
	// An explicit file must exist; a wrong one stops Run before the
	// terminal is touched.
	var out bytes.Buffer
	err = Run(newWorkpaper(t, fixture{}), Options{KeyConfig: filepath.Join(dir, "nope.json"), Input: strings.NewReader(""), Output: &out})
	if err == nil || !strings.Contains(err.Error(), "nope.json") {
		t.Fatalf("Run with a missing key file: %v", err)
	}
	os.WriteFile(want, []byte(`{"qiut": "Q"}`), 0o644)
	err = Run(newWorkpaper(t, fixture{}), Options{Input: strings.NewReader(""), Output: io.Discard})
	if err == nil || !strings.Contains(err.Error(), `unknown action "qiut"`) {
		t.Fatalf("Run with a wrong default key file: %v", err)
	}
	if out.Len() != 0 {
		t.Fatal("nothing may be drawn before the key file is checked")
	}
}

// Yes/no questions name the keys the user has, not y and n.
func TestYesNoNamesRemappedKeys(t *testing.T) {
	k := defaultKeyMap()
	if got := k.yesNo("deletes", "keeps it"); got != "y deletes, n keeps it" {
		t.Errorf("defaults: %q", got)
	}
	k.Yes.SetKeys("o")
	k.No.SetKeys("esc", "x")
	if got := k.yesNo("deletes", "keeps it"); got != "o deletes, esc keeps it" {
		t.Errorf("remapped: %q", got)
	}
}
