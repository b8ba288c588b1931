// Package tui is fieldwork's terminal workbench: a Bubble Tea program over
// one open workpaper.
//
// The root model (Model) handles only what is global — the terminal's size,
// quitting, the help footer, the status line, switching between the
// top-level screens and a stack of opened screens per top-level screen (esc
// goes back) — and hands everything else to the active screen. Each screen
// is a page in its own file. Screens never touch the database in Update or
// View: every read is a tea.Cmd that captures values and answers with a
// typed message.
package tui

import (
	"context"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/fieldwork-audit/fieldwork/model"
)

// Options says how to run the workbench.
type Options struct {
	// Theme is "auto" (ask the terminal; the default), "light" or "dark".
	Theme string
	// Mouse turns on the mouse (wheel scrolls, click selects, a click on
	// the selected row opens it). Off leaves the mouse to the terminal, so
	// that text can be selected.
	Mouse bool
	// Input and Output default to os.Stdin and os.Stdout. The caller has
	// checked that they are a terminal.
	Input  io.Reader
	Output io.Writer
	// Now is the clock for relative dates ("due in 12 days"); nil means
	// time.Now. Tests fix it.
	Now func() time.Time
	// KeyConfig is a key configuration file (see KeyConfig); "" means
	// DefaultKeyConfigPath() when that file exists. Run refuses to start
	// when the file is wrong, saying which action or key is.
	KeyConfig string
	// Keys is a key configuration already read; it wins over KeyConfig.
	Keys *KeyConfig
	// Refresh is how often to look for changes made by other processes: 0
	// means every 2 s, a negative value never.
	Refresh time.Duration
	// Version is fieldwork's version, written on an export's cover.
	Version string
	// Notice is shown on the status line when the workbench opens (the
	// signing key made for this user, say).
	Notice string
}

// Run shows the workbench for w until the user quits.
func Run(w *model.Workpaper, opts Options) error {
	return run(opts, func(ctx context.Context, opts Options, r *lipgloss.Renderer) tea.Model {
		return newModel(ctx, w, opts, r)
	})
}

// RunNew shows the form of a new engagement for path, which does not
// exist yet; saving it creates the workpaper (recording changes as user)
// and opens the workbench on it. Leaving the form creates nothing.
func RunNew(path, user string, opts Options) error {
	var created *model.Workpaper
	defer func() {
		if created != nil {
			created.Close()
		}
	}()
	return run(opts, func(ctx context.Context, opts Options, r *lipgloss.Renderer) tea.Model {
		return newSetupModel(ctx, path, user, opts, r, &created)
	})
}

// run runs the program whose first model first makes. The colour profile
// (NO_COLOR means none) and the light or dark background are decided here,
// before Bubble Tea owns the terminal: asking the terminal afterwards can
// hang, inside tmux in particular.
func run(opts Options, first func(context.Context, Options, *lipgloss.Renderer) tea.Model) error {
	if opts.Input == nil {
		opts.Input = os.Stdin
	}
	if opts.Output == nil {
		opts.Output = os.Stdout
	}
	keys, err := loadKeys(opts)
	if err != nil {
		return err
	}
	opts.Keys = keys
	out := termenv.NewOutput(opts.Output)
	profile := colorProfile(out)
	r := lipgloss.NewRenderer(opts.Output)
	r.SetColorProfile(profile)
	r.SetHasDarkBackground(darkBackground(opts.Theme, profile, out.HasDarkBackground))
	// Bubbles that style themselves (the filter's cursor) use the default
	// renderer: give it the same decisions.
	lipgloss.SetDefaultRenderer(r)

	// Nothing may write to the terminal while the program runs: the
	// standard logger goes to a file with DEBUG set, and nowhere otherwise.
	restore := redirectLog()
	defer restore()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	popts := []tea.ProgramOption{
		tea.WithContext(ctx),
		tea.WithAltScreen(),
		tea.WithInput(opts.Input),
		tea.WithOutput(opts.Output),
	}
	if opts.Mouse {
		popts = append(popts, tea.WithMouseCellMotion())
	}
	_, err = tea.NewProgram(first(ctx, opts, r), popts...).Run()
	return err
}

// New returns the root model for w without running it, for tests and for
// embedding. Colours follow lipgloss's default renderer; Theme "light" or
// "dark" fixes the background, "auto" asks the default renderer.
func New(w *model.Workpaper, opts Options) Model {
	out := opts.Output
	if out == nil {
		out = os.Stdout
	}
	r := lipgloss.NewRenderer(out)
	r.SetColorProfile(lipgloss.ColorProfile())
	r.SetHasDarkBackground(darkBackground(opts.Theme, lipgloss.ColorProfile(), lipgloss.HasDarkBackground))
	return newModel(context.Background(), w, opts, r)
}

// colorProfile is the terminal's colour profile; NO_COLOR (or CLICOLOR=0)
// means none at all, CLICOLOR_FORCE forces colour on.
func colorProfile(out *termenv.Output) termenv.Profile {
	return out.EnvColorProfile()
}

// darkBackground decides the theme. Without colour there is nothing to
// decide, so the terminal is not asked.
func darkBackground(theme string, profile termenv.Profile, ask func() bool) bool {
	switch strings.ToLower(theme) {
	case "light":
		return false
	case "dark":
		return true
	}
	if profile == termenv.Ascii {
		return true
	}
	return ask()
}

func redirectLog() (restore func()) {
	prevOut, prevFlags, prevPrefix := log.Writer(), log.Flags(), log.Prefix()
	restore = func() {
		log.SetOutput(prevOut)
		log.SetFlags(prevFlags)
		log.SetPrefix(prevPrefix)
	}
	if os.Getenv("DEBUG") != "" {
		f, err := tea.LogToFile(filepath.Join(os.TempDir(), "fieldwork-debug.log"), "fieldwork")
		if err == nil {
			return func() { f.Close(); restore() }
		}
	}
	log.SetOutput(io.Discard)
	return restore
}

// newCommon is what every screen of a program over w shares.
func newCommon(ctx context.Context, w *model.Workpaper, opts Options, r *lipgloss.Renderer) common {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	reopen := &model.ReopenSet{}
	return common{
		ctx:    model.WithReopenSet(ctx, reopen),
		wp:     w,
		now:    now,
		styles: newStyles(r),
		keys:   keyMapFor(opts),
		reopen: reopen,
	}
}

func newModel(ctx context.Context, w *model.Workpaper, opts Options, r *lipgloss.Renderer) Model {
	c := newCommon(ctx, w, opts, r)
	h := help.New()
	h.Styles = c.styles.Help
	sp := spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(c.styles.Muted))
	m := Model{
		common:  c,
		help:    h,
		spinner: sp,
		loadID:  nextRequestID(),
		loading: true,
		refresh: newRefreshState(opts.Refresh),
		notice:  opts.Notice,
	}
	m.tabs[tabDashboard] = []page{newDashboardPage(c)}
	m.tabs[tabCriteria] = []page{newCriteriaPage(c)}
	m.tabs[tabExceptions] = []page{newExcListPage(c)}
	m.tabs[tabReview] = []page{newNotesPage(c)}
	m.tabs[tabSignOff] = []page{newSignoffPage(c)}
	m.tabs[tabTrail] = []page{newTrailPage(c, trailScope{})}
	m.tabs[tabExport] = []page{newExportPage(c, opts.Version)}
	return m
}
