package tui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/fieldwork-audit/fieldwork/model"
	"github.com/fieldwork-audit/fieldwork/tui/widget/form"
)

// setupModel is the workbench before there is a workpaper: the form of a
// new engagement (client, system, report type, period, categories in
// scope, firm, preparer and reviewer). Saving creates the file in a
// tea.Cmd and hands the program over to the root model, on the new
// workpaper; esc or ctrl+c leaves without creating anything.
type setupModel struct {
	common // wp is nil: there is no workpaper yet
	opts   Options
	r      *lipgloss.Renderer
	path   string
	user   string
	f      *form.Model
	help   help.Model
	// created receives the new workpaper, for the caller to close.
	created **model.Workpaper
}

// setupCategories are the optional categories, each a yes/no choice;
// Security is always in scope.
var setupCategories = []model.Category{model.Availability, model.Confidentiality, model.ProcessingIntegrity, model.Privacy}

// setupHeadLines: the app line and a blank line above the form.
const setupHeadLines = 2

func newSetupModel(ctx context.Context, path, user string, opts Options, r *lipgloss.Renderer, created **model.Workpaper) setupModel {
	c := newCommon(ctx, nil, opts, r)
	f := newForm(c, "New engagement")
	f.LabelWidth = 24
	f.Intro = []string{
		c.styles.Muted.Render(oneLine(filepath.Base(path)) + " does not exist yet. Describe the engagement: ctrl+s creates it."),
		c.styles.Muted.Render("Dates are YYYY-MM-DD; Security is always in scope; you sign as " + oneLine(user) + "."),
		"",
	}
	f.Line("client", "Service organization", "", true, nil)
	f.Line("system", "System", "", true, nil)
	f.Choose("type", "Report type", []string{"2", "1"}, []string{"Type II (a period)", "Type I (as of a date)"}, "2")
	f.Line("from", "Period from (Type II)", "", false, validDate)
	f.Line("to", "Period to (Type II)", "", false, validDate)
	f.Line("asof", "Description as of (I)", "", false, validDate)
	for _, cat := range setupCategories {
		f.Choose("cat-"+string(cat), cat.Title(), []string{"no", "yes"}, []string{"not in scope", "in scope"}, "no")
	}
	f.Line("firm", "Service auditor (firm)", "", false, nil)
	f.Line("preparer", "Preparer (team)", user, false, nil)
	f.Line("reviewer", "Reviewer (team)", "", false, nil)
	f.Line("reviewer-login", "Reviewer signs as", "", false, nil)
	h := help.New()
	h.Styles = c.styles.Help
	return setupModel{common: c, opts: opts, r: r, path: path, user: user, f: f, help: h, created: created}
}

func validDate(s string) error {
	if s == "" {
		return nil
	}
	_, err := model.ParseDate(s)
	return err
}

// setupCreatedMsg answers the creation of the workpaper.
type setupCreatedMsg struct {
	w       *model.Workpaper
	err     error  // nothing was created
	teamErr error  // created, but a team member was not added
	keyPath string // the signing key made by this first write, if one was
}

func (m setupModel) Init() tea.Cmd { return m.f.Start() }

func (m setupModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.SetSize(msg.Width, msg.Height)
		m.f.SetSize(msg.Width, max(0, msg.Height-setupHeadLines-1))
		m.help.Width = msg.Width
		return m, nil
	case setupCreatedMsg:
		if msg.err != nil {
			m.f.Failed(oneLine(errorText(msg.err)))
			return m, nil
		}
		*m.created = msg.w
		return m.handOver(msg)
	case tea.KeyMsg:
		if key.Matches(msg, m.keys.ForceQuit) {
			return m, tea.Quit
		}
		action, cmd := m.f.Update(msg)
		switch action {
		case form.Cancel:
			return m, tea.Quit
		case form.Submit:
			n, team, err := m.engagement()
			if err != nil {
				m.f.Failed(err.Error())
				return m, cmd
			}
			return m, tea.Batch(cmd, createWorkpaper(m.ctx, m.path, m.user, m.opts, n, team))
		}
		return m, cmd
	}
	return m, nil
}

// handOver replaces the form with the workbench on the new workpaper.
func (m setupModel) handOver(msg setupCreatedMsg) (tea.Model, tea.Cmd) {
	root := newModel(m.ctx, msg.w, m.opts, m.r)
	next, _ := root.Update(tea.WindowSizeMsg{Width: m.width, Height: m.height})
	text := "Created " + oneLine(filepath.Base(m.path)) + ". Next: press I to import the control matrix."
	if msg.keyPath != "" {
		text = "Created " + oneLine(filepath.Base(m.path)) + "; your changes are signed with the key made at " + oneLine(msg.keyPath) + ". Next: press I."
	}
	status := statusCmd(text)
	if msg.teamErr != nil {
		status = errCmd(fmt.Errorf("created %s, but the team was not recorded: %w", filepath.Base(m.path), msg.teamErr))
	}
	return next, tea.Batch(next.Init(), status)
}

// engagement reads the form into a new engagement and its team.
func (m setupModel) engagement() (model.NewEngagement, []model.TeamMember, error) {
	v := m.f.Value
	n := model.NewEngagement{Client: v("client"), System: v("system"), Firm: v("firm")}
	if v("type") == "1" {
		n.Type = model.TypeI
	} else {
		n.Type = model.TypeII
	}
	n.From, _ = model.ParseDate(v("from"))
	n.To, _ = model.ParseDate(v("to"))
	n.AsOf, _ = model.ParseDate(v("asof"))
	for _, cat := range setupCategories {
		if v("cat-"+string(cat)) == "yes" {
			n.Categories = append(n.Categories, cat)
		}
	}
	if err := n.Validate(); err != nil {
		return n, nil, err
	}
	var team []model.TeamMember
	// The preparer signs as the user creating the workpaper when the
	// prefilled name is kept; the reviewer as the login typed for them
	// (sign-offs are accepted only from team members, by login).
	if name := v("preparer"); name != "" {
		tm := model.TeamMember{Name: name, Role: model.RolePreparer}
		if model.SameUser(name, m.user) {
			tm.User = m.user
		}
		team = append(team, tm)
	}
	if name := v("reviewer"); name != "" {
		team = append(team, model.TeamMember{Name: name, Role: model.RoleReviewer, User: v("reviewer-login")})
	}
	return n, team, nil
}

// createWorkpaper writes the new workpaper. A failure before the
// engagement is recorded removes the file it created, so that the same
// name can be used again.
func createWorkpaper(ctx context.Context, path, user string, opts Options, n model.NewEngagement, team []model.TeamMember) tea.Cmd {
	return func() tea.Msg {
		var keyPath string
		w, err := model.Create(path, model.Options{User: user, Now: opts.Now, OnKeyCreated: func(p string) { keyPath = p }})
		if err != nil {
			return setupCreatedMsg{err: err}
		}
		err = withWriteTimeout(ctx, func(ctx context.Context) error { return w.CreateEngagement(ctx, n) })
		if err != nil {
			w.Close()
			if rmErr := os.Remove(path); rmErr != nil && !errors.Is(rmErr, os.ErrNotExist) {
				err = fmt.Errorf("%w (and %s could not be removed: %v)", err, path, rmErr)
			}
			return setupCreatedMsg{err: err}
		}
		var teamErr error
		for _, tm := range team {
			if teamErr = withWriteTimeout(ctx, func(ctx context.Context) error { return w.AddTeamMember(ctx, tm) }); teamErr != nil {
				break
			}
		}
		return setupCreatedMsg{w: w, teamErr: teamErr, keyPath: keyPath}
	}
}

func (m setupModel) View() string {
	if m.width <= 0 {
		return ""
	}
	s := m.styles
	head := truncate(s.AppName.Render("fieldwork")+"  "+s.HeaderInfo.Render("new workpaper "+oneLine(m.path)), m.width)
	helpLine := m.help.ShortHelpView(append(m.f.ShortHelp(), m.keys.ForceQuit))
	return strings.Join([]string{head, "", m.f.View(), helpLine}, "\n")
}
