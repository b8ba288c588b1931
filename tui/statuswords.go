package tui

import (
	"github.com/charmbracelet/lipgloss"

	"github.com/fieldwork-audit/fieldwork/model"
)

// Every status below reads without colour: a symbol and a word, the colour
// only repeating them.

// Symbols of progress and review.
const (
	symNotStarted = "○"
	symInProgress = "◐"
	symTested     = "●"
	symReviewed   = "✓"
	symAtRisk     = "!"
	symOpen       = "○"
	symOverride   = "*"

	// Bar segments, one per state of a control test.
	barReviewed   = "█"
	barTested     = "▓"
	barInProgress = "▒"
	barNotStarted = "░"
)

// testStates are the states of a control test, most advanced first.
var testStates = []model.TestState{model.StateReviewed, model.StateTested, model.StateInProgress, model.StateNotStarted}

func stateSymbol(st model.TestState) string {
	switch st {
	case model.StateReviewed:
		return symReviewed
	case model.StateTested:
		return symTested
	case model.StateInProgress:
		return symInProgress
	}
	return symNotStarted
}

func testStateWord(st model.TestState) string {
	switch st {
	case model.StateReviewed:
		return "reviewed"
	case model.StateTested:
		return "tested"
	case model.StateInProgress:
		return "in progress"
	}
	return "not started"
}

func stateBar(st model.TestState) string {
	switch st {
	case model.StateReviewed:
		return barReviewed
	case model.StateTested:
		return barTested
	case model.StateInProgress:
		return barInProgress
	}
	return barNotStarted
}

func (s *Styles) state(st model.TestState) lipgloss.Style {
	switch st {
	case model.StateReviewed:
		return s.Covered
	case model.StateTested:
		return s.KeyControl
	case model.StateInProgress:
		return s.Hint
	}
	return s.BarEmpty
}

// criterionSymbol and criterionWord word a criterion's conclusion.
func criterionSymbol(st model.CriterionStatus) string {
	switch st {
	case model.CriterionMet:
		return symCovered
	case model.CriterionNotMet, model.CriterionGap:
		return symGap
	case model.CriterionAtRisk:
		return symAtRisk
	case model.CriterionOpen:
		return symOpen
	}
	return symOutScope
}

func criterionWord(st model.CriterionStatus) string {
	switch st {
	case model.CriterionMet:
		return "met"
	case model.CriterionNotMet:
		return "not met"
	case model.CriterionAtRisk:
		return "at risk"
	case model.CriterionOpen:
		return "open"
	case model.CriterionGap:
		return "gap"
	case model.CriterionOutOfScope:
		return labelOut
	}
	return oneLine(string(st))
}

func (s *Styles) criterion(st model.CriterionStatus) lipgloss.Style {
	switch st {
	case model.CriterionMet:
		return s.Covered
	case model.CriterionNotMet, model.CriterionGap:
		return s.Gap
	case model.CriterionAtRisk:
		return s.Hint
	case model.CriterionOpen:
		return s.Muted
	}
	return s.Dim
}

// conclusionLabel is a criterion's conclusion as the walk shows it: an
// override carries a star.
func conclusionLabel(c model.CriterionConclusion) string {
	l := criterionSymbol(c.Status) + " " + criterionWord(c.Status)
	if c.Override != "" {
		l += symOverride
	}
	return l
}

// noteSymbol and noteWord word a review note's state.
func noteSymbol(st model.NoteState) string {
	switch st {
	case model.NoteResponded:
		return symInProgress
	case model.NoteCleared:
		return symCovered
	}
	return symOpen
}

func noteWord(st model.NoteState) string {
	switch st {
	case model.NoteResponded:
		return "responded"
	case model.NoteCleared:
		return "cleared"
	}
	return "open"
}

func (s *Styles) note(st model.NoteState) lipgloss.Style {
	switch st {
	case model.NoteResponded:
		return s.Hint
	case model.NoteCleared:
		return s.Covered
	}
	return s.Gap
}

// pbcSymbol and pbcWord word a client request's status.
func pbcSymbol(st model.PBCStatus) string {
	switch st {
	case model.PBCReceived:
		return symInProgress
	case model.PBCAccepted:
		return symCovered
	case model.PBCRejected:
		return symGap
	}
	return symOpen
}

func pbcWord(st model.PBCStatus) string {
	switch st {
	case model.PBCReceived:
		return "received"
	case model.PBCAccepted:
		return "accepted"
	case model.PBCRejected:
		return "rejected"
	}
	return "requested"
}

// evaluationWord words an exception's evaluation.
func evaluationWord(e string) string {
	switch e {
	case "isolated":
		return "isolated"
	case "systemic":
		return "systemic"
	case "":
		return "not evaluated"
	}
	return oneLine(e)
}

// tableWord names a table of the audit trail for people.
func tableWord(t string) string {
	switch t {
	case "control_test":
		return "workpaper"
	case "signoff":
		return "sign-off"
	case "review_note":
		return "review note"
	case "pbc_request":
		return "client request"
	case "sample_item":
		return "sample item"
	case "exception_item":
		return "exception item"
	case "population_row":
		return "population row"
	case "complementary_control":
		return "complementary control"
	case "subservice_org":
		return "subservice organization"
	case "team_member":
		return "team member"
	}
	return oneLine(stringsReplaceUnderscore(t))
}

func stringsReplaceUnderscore(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c == '_' {
			b[i] = ' '
		}
	}
	return string(b)
}
