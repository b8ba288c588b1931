package confirm

import "github.com/charmbracelet/lipgloss"

// Styles is how the prompt looks.
type Styles struct {
	Prompt lipgloss.Style
}

// DefaultStyles is a plain prompt.
func DefaultStyles() Styles { return Styles{Prompt: lipgloss.NewStyle()} }
