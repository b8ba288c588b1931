package tui

import (
	"context"
	"strings"

	"github.com/fieldwork-audit/fieldwork/model"
)

// teamRoles are the roles a team member can have, in the order offered.
var teamRoles = []string{
	string(model.RolePreparer), string(model.RoleReviewer), string(model.RoleManager),
	string(model.RolePartner), string(model.RoleSpecialist),
}

// newTeamForm adds a member to the engagement team (T on the dashboard).
// The role the team lacks most is offered first: a preparer, then a
// reviewer.
func newTeamForm(c common, d *snapshot) *formPage {
	role := string(model.RolePreparer)
	if d != nil && d.eng != nil {
		has := map[model.Role]bool{}
		for _, m := range d.eng.Team {
			has[m.Role] = true
		}
		if has[model.RolePreparer] && !has[model.RoleReviewer] {
			role = string(model.RoleReviewer)
		}
	}
	f := newForm(c, "Add a team member")
	f.Line("name", "Name", "", true, nil)
	f.Choose("role", "Role", teamRoles, nil, role)
	f.Line("email", "Email", "", false, nil).Hint = "optional"
	return &formPage{
		common: c,
		crumb:  "Add team member",
		what:   "the new team member",
		f:      f,
		write: func(ctx context.Context, wp *model.Workpaper, v map[string]string, _ int) (string, error) {
			m := model.TeamMember{Name: v["name"], Role: model.Role(v["role"]), Email: strings.TrimSpace(v["email"])}
			return "Added " + oneLine(m.Name) + " to the team as " + string(m.Role) + ".", wp.AddTeamMember(ctx, m)
		},
	}
}
