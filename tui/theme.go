package tui

import (
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/lipgloss"
)

// Every colour of the workbench, each with a light- and a dark-background
// variant. Colour only ever repeats what a symbol or a word already says
// (see the sym* constants), so NO_COLOR and monochrome terminals lose nothing.
var (
	colorAccent    = lipgloss.AdaptiveColor{Light: "#5A32A3", Dark: "#B392F0"}
	colorText      = lipgloss.AdaptiveColor{Light: "#1F2328", Dark: "#E6EDF3"}
	colorMuted     = lipgloss.AdaptiveColor{Light: "#59636E", Dark: "#9198A1"}
	colorDim       = lipgloss.AdaptiveColor{Light: "#8C959F", Dark: "#5E6670"}
	colorOK        = lipgloss.AdaptiveColor{Light: "#1A7F37", Dark: "#3FB950"}
	colorGap       = lipgloss.AdaptiveColor{Light: "#CF222E", Dark: "#FF7B72"}
	colorWarn      = lipgloss.AdaptiveColor{Light: "#7D4E00", Dark: "#E3B341"}
	colorBannerBg  = lipgloss.AdaptiveColor{Light: "#FFF1C2", Dark: "#3D2E00"}
	colorSelectBg  = lipgloss.AdaptiveColor{Light: "#DDF4FF", Dark: "#233049"}
	colorBarEmpty  = lipgloss.AdaptiveColor{Light: "#D0D7DE", Dark: "#30363D"}
	colorTabBg     = lipgloss.AdaptiveColor{Light: "#EDE7F8", Dark: "#2F2648"}
	colorStatusErr = lipgloss.AdaptiveColor{Light: "#CF222E", Dark: "#FF7B72"}
)

// Symbols and words that carry status without colour.
const (
	symCovered   = "✓"
	symGap       = "✗"
	symOutScope  = "–"
	symCursor    = "▸"
	symCrumb     = " › "
	symSep       = " · "
	symBarFull   = "█"
	symBarEmpty  = "░"
	symEllipsis  = "…"
	labelInScope = "[in scope]"
	labelOut     = "out of scope"
	labelGap     = symGap + " gap"
	labelKey     = "[key]"
	labelRO      = "READ-ONLY"
)

// Styles holds every style the workbench renders with. All are made by one
// lipgloss renderer, whose colour profile and background were decided before
// the program started (see Run).
type Styles struct {
	Dark bool // the colours are the dark-background ones

	AppName     lipgloss.Style
	TabActive   lipgloss.Style
	TabInactive lipgloss.Style
	HeaderInfo  lipgloss.Style
	Crumb       lipgloss.Style
	CrumbLast   lipgloss.Style

	Title   lipgloss.Style // the subject of a screen: a client, a criterion, a control
	Section lipgloss.Style // a heading inside a screen
	Label   lipgloss.Style // a field's name
	Value   lipgloss.Style // a field's value
	Muted   lipgloss.Style // secondary text
	Dim     lipgloss.Style // out of scope
	Hint    lipgloss.Style // "what to do next", empty states

	Selected   lipgloss.Style // the row under the cursor
	Covered    lipgloss.Style
	Gap        lipgloss.Style
	InScope    lipgloss.Style
	KeyControl lipgloss.Style
	Banner     lipgloss.Style // the read-only banner
	BarFull    lipgloss.Style
	BarEmpty   lipgloss.Style

	FilterPrompt lipgloss.Style
	FilterText   lipgloss.Style
	Scroll       lipgloss.Style

	StatusError lipgloss.Style
	StatusInfo  lipgloss.Style
	StatusRight lipgloss.Style

	Help help.Styles
}

// newStyles makes the styles with renderer r.
func newStyles(r *lipgloss.Renderer) *Styles {
	n := r.NewStyle
	s := &Styles{Dark: r.HasDarkBackground()}

	s.AppName = n().Bold(true).Foreground(colorAccent)
	s.TabActive = n().Bold(true).Foreground(colorAccent).Background(colorTabBg)
	s.TabInactive = n().Foreground(colorMuted)
	s.HeaderInfo = n().Foreground(colorMuted)
	s.Crumb = n().Foreground(colorMuted)
	s.CrumbLast = n().Bold(true)

	s.Title = n().Bold(true).Foreground(colorAccent)
	s.Section = n().Bold(true).Underline(true)
	s.Label = n().Foreground(colorMuted)
	s.Value = n()
	s.Muted = n().Foreground(colorMuted)
	s.Dim = n().Foreground(colorDim)
	s.Hint = n().Foreground(colorWarn)

	s.Selected = n().Bold(true).Foreground(colorText).Background(colorSelectBg)
	s.Covered = n().Foreground(colorOK)
	s.Gap = n().Bold(true).Foreground(colorGap)
	s.InScope = n().Foreground(colorOK)
	s.KeyControl = n().Foreground(colorAccent)
	s.Banner = n().Bold(true).Foreground(colorWarn).Background(colorBannerBg)
	s.BarFull = n().Foreground(colorOK)
	s.BarEmpty = n().Foreground(colorBarEmpty)

	s.FilterPrompt = n().Bold(true).Foreground(colorAccent)
	s.FilterText = n()
	s.Scroll = n().Foreground(colorDim)

	s.StatusError = n().Bold(true).Foreground(colorStatusErr)
	s.StatusInfo = n().Foreground(colorMuted)
	s.StatusRight = n().Foreground(colorMuted)

	s.Help = help.Styles{
		Ellipsis:       n().Foreground(colorDim),
		ShortKey:       n().Foreground(colorMuted),
		ShortDesc:      n().Foreground(colorDim),
		ShortSeparator: n().Foreground(colorDim),
		FullKey:        n().Foreground(colorMuted),
		FullDesc:       n().Foreground(colorDim),
		FullSeparator:  n().Foreground(colorDim),
	}
	return s
}
