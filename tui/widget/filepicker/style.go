package filepicker

import (
	"github.com/charmbracelet/lipgloss"

	"github.com/fieldwork-audit/fieldwork/tui/widget/list"
)

// Styles is how the picker draws.
type Styles struct {
	List     list.Styles
	Label    lipgloss.Style // "Folder"
	Problem  lipgloss.Style // a folder that cannot be read
	Prompt   lipgloss.Style // "Path"
	Selected lipgloss.Style // the line under the cursor
	Folder   lipgloss.Style // a folder's line
	Dim      lipgloss.Style // a file that cannot be chosen
}

// DefaultStyles are plain but for bold folders and faint other files.
func DefaultStyles() Styles {
	return Styles{
		List:     list.DefaultStyles(),
		Folder:   lipgloss.NewStyle().Bold(true),
		Dim:      lipgloss.NewStyle().Faint(true),
		Selected: lipgloss.NewStyle().Reverse(true),
	}
}
