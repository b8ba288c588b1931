package scrolldoc

import "github.com/charmbracelet/lipgloss"

// Styles is how the text's position line is drawn (the text brings its
// own styles).
type Styles struct {
	Where lipgloss.Style // "top · ↓ more below"
}

// DefaultStyles draw the position line faint.
func DefaultStyles() Styles { return Styles{Where: lipgloss.NewStyle().Faint(true)} }
