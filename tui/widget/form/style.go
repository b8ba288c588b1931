package form

import "github.com/charmbracelet/lipgloss"

// Styles is how a form draws.
type Styles struct {
	Title    lipgloss.Style // the form's title
	Label    lipgloss.Style // a field's name
	Value    lipgloss.Style // a text, and a chosen value
	Selected lipgloss.Style // the cursor, and the chosen value of the focused choice
	Muted    lipgloss.Style // a blurred text, a choice not chosen, "Saving…"
	Dim      lipgloss.Style // hints and placeholders
	Prompt   lipgloss.Style // the focus mark and a text's margin
	Problem  lipgloss.Style // a field's problem and a failed save
	Hint     lipgloss.Style // "now stored: …" and the discard question
}

// DefaultStyles are plain but for bold titles and faint hints.
func DefaultStyles() Styles {
	return Styles{
		Title: lipgloss.NewStyle().Bold(true),
		Dim:   lipgloss.NewStyle().Faint(true),
		Muted: lipgloss.NewStyle().Faint(true),
	}
}
