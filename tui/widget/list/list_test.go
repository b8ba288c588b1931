package list

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

func press(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }

type row struct{ id, text string }

func newTest() Model[row] {
	l := New(DefaultKeyMap(), DefaultStyles(), Config[row]{
		Selectable: func(r row) bool { return r.id != "" }, // headings have none
		ID:         func(r row) string { return r.id },
		Filter: func(rows []row, q string) []row {
			var out []row
			for _, r := range rows {
				if strings.Contains(r.text, q) {
					out = append(out, r)
				}
			}
			return out
		},
		Render: func(r row, w int, sel bool) string {
			if sel {
				return "> " + r.text
			}
			return "  " + r.text
		},
		Empty: "no rows",
	})
	l.SetSize(20, 4)
	return l
}

// The cursor skips headings, keeps its row across a filter, and the list
// draws exactly its height.
func TestCursorAndFilter(t *testing.T) {
	l := newTest()
	if got := l.View(); got != "no rows\n\n\n" {
		t.Fatalf("empty: %q", got)
	}
	l.SetItems([]row{{"", "Heading"}, {"a", "alpha"}, {"b", "beta"}, {"c", "gamma"}})
	if l.SelectedID() != "a" {
		t.Fatalf("the cursor starts on %q, not the first row", l.SelectedID())
	}
	l.Update(tea.KeyMsg{Type: tea.KeyDown})
	l.Update(press("/"))
	l.Update(press("ta"))
	if !l.Editing() || l.Query() != "ta" || l.SelectedID() != "b" || len(l.Rows()) != 1 {
		t.Fatalf("filter %q: %d rows, cursor on %q", l.Query(), len(l.Rows()), l.SelectedID())
	}
	if got := strings.Split(l.View(), "\n"); len(got) != 4 || !strings.HasPrefix(got[0], "/ ta") || got[1] != "> beta" {
		t.Fatalf("view %q", got)
	}
	l.Update(tea.KeyMsg{Type: tea.KeyEnter})
	l.Update(tea.KeyMsg{Type: tea.KeyEsc})
	if l.Filtered() || len(l.Rows()) != 4 || l.SelectedID() != "b" {
		t.Fatalf("clearing the filter: %d rows, cursor on %q", len(l.Rows()), l.SelectedID())
	}
}

// "Nothing matches" names the key that clears the filter, as remapped.
func TestNothingMatchesNamesTheKey(t *testing.T) {
	k := DefaultKeyMap()
	k.ClearFilter.SetHelp("x", "clear filter")
	l := newTest()
	l.KeyMap = k
	l.SetSize(60, 3)
	l.SetItems([]row{{"a", "alpha"}})
	l.Update(press("/"))
	l.Update(press("zz"))
	if v := l.View(); !strings.Contains(v, "Nothing matches “zz”; x clears the filter.") {
		t.Fatalf("view %q", v)
	}
}
