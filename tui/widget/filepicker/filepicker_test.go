package filepicker

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
)

// The picker lists folders first, then the files it can choose, shows the
// others dim and unchosen, leaves workpapers out, and enter on a file
// chooses it.
func TestPickAFile(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"pop.csv", "notes.pdf", "eng.fieldwork", ".hidden.csv"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	fp := New(DefaultKeyMap(), DefaultStyles(), Config{Dir: dir, Exts: []string{".csv"}, Path: textinput.New()})
	fp.SetSize(80, 8)
	msg := fp.Init()()
	fp.Update(msg)
	var names []string
	for _, e := range fp.Files().Rows() {
		names = append(names, e.name)
	}
	if got := strings.Join(names, ","); got != "..,sub,pop.csv,notes.pdf" {
		t.Fatalf("the folder lists %s", got)
	}
	if e, _ := fp.Files().Selected(); e.name != "pop.csv" {
		t.Fatalf("the cursor starts on %q, not the first file that can be chosen", e.name)
	}
	chosen, _ := fp.Update(tea.KeyMsg{Type: tea.KeyEnter})
	if chosen != filepath.Join(dir, "pop.csv") {
		t.Fatalf("chose %q", chosen)
	}
	if v := strings.Join(fp.View(), "\n"); !strings.Contains(v, "Folder ") || !strings.Contains(v, "sub/") {
		t.Fatalf("view:\n%s", v)
	}
}

// A typed path relative to the folder is chosen as the file it names.
func TestTypeAPath(t *testing.T) {
	dir := t.TempDir()
	fp := New(DefaultKeyMap(), DefaultStyles(), Config{Dir: dir, Exts: []string{".csv"}, Path: textinput.New()})
	fp.SetSize(80, 6)
	fp.Update(fp.Init()())
	fp.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("p")})
	if !fp.Typing() {
		t.Fatal("the type-a-path key did not start typing")
	}
	fp.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("x.csv")})
	chosen, _ := fp.Update(tea.KeyMsg{Type: tea.KeyEnter})
	if want, _ := filepath.Abs(filepath.Join(dir, "x.csv")); chosen != want && chosen != filepath.Join(dir, "x.csv") {
		t.Fatalf("chose %q", chosen)
	}
}
