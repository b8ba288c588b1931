package list

import "github.com/charmbracelet/lipgloss"

// Styles is how the list draws what is not a row (the screen draws rows).
type Styles struct {
	Empty        lipgloss.Style // "no rows", "nothing matches"
	FilterPrompt lipgloss.Style // "/ " and the typing bar
	FilterText   lipgloss.Style // the query
	FilterHint   lipgloss.Style // what to type, while nothing is typed
	Count        lipgloss.Style // "3 matches"
}

// DefaultStyles are plain but for a faint hint.
func DefaultStyles() Styles {
	return Styles{FilterHint: lipgloss.NewStyle().Faint(true)}
}
