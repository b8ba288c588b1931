package scrolldoc

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// A text taller than its room says where the reader is; the last-line key
// goes to the end and the position line follows.
func TestScrollAndWhere(t *testing.T) {
	d := New(DefaultKeyMap(), DefaultStyles())
	d.SetLines([]string{"1", "2"}, 20, 3)
	if lines := strings.Split(d.View(), "\n"); d.Overflows() || len(lines) != 3 || strings.TrimSpace(lines[1]) != "2" {
		t.Fatalf("short text: %q", d.View())
	}
	d.SetLines([]string{"1", "2", "3", "4", "5"}, 20, 3)
	if v := d.View(); !d.Overflows() || !strings.HasSuffix(v, "top · ↓ more below") || !strings.HasPrefix(v, "1 ") {
		t.Fatalf("at the top: %q", v)
	}
	d.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("G")})
	if v := d.View(); d.YOffset() != 3 || !strings.HasSuffix(v, "end · ↑ more above") {
		t.Fatalf("at the end (offset %d): %q", d.YOffset(), v)
	}
}
