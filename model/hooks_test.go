package model

import (
	"context"
	"database/sql"
	"strings"
	"testing"
)

// DBForTest hands the external tests (package model_test) the workpaper's
// database, for queries that check the store's own reads.
func DBForTest(w *Workpaper) *sql.DB { return w.db }

// forceConclusion records a conclusion without the evidence gates, for
// tests of what is derived from conclusions (criteria, the opinion). It
// writes through a txn like Conclude, so replay covers it.
func forceConclusion(t testing.TB, w *Workpaper, controlRef string, c Conclusion, note string) {
	t.Helper()
	err := w.write(context.Background(), func(tx *txn) error {
		id, ref, err := tx.testOf(controlRef)
		if err != nil {
			return err
		}
		if _, err := tx.update("control_test", id, 0, "the workpaper of "+ref, field{"conclusion", string(c)}, field{"conclusion_note", note}); err != nil {
			return err
		}
		return tx.touch(id)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// onTeam adds team members, each "user:role", signing as user.
func onTeam(t testing.TB, w *Workpaper, members ...string) {
	t.Helper()
	for _, m := range members {
		user, role, _ := strings.Cut(m, ":")
		if err := w.AddTeamMember(context.Background(), TeamMember{Name: user, Role: Role(role), User: user}); err != nil {
			t.Fatal(err)
		}
	}
}
