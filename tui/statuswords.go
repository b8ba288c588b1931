package tui

import (
	"strings"

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

// look is how one status reads: its symbol and its word, the style that
// repeats them in colour and, for a control test's state, its bar segment.
type look struct {
	sym, word, bar string
	style          func(*Styles) lipgloss.Style
}

// lookOf is st's look in looks, or other for a status it does not hold.
func lookOf[K comparable](looks map[K]look, st K, other look) look {
	if l, ok := looks[st]; ok {
		return l
	}
	return other
}

func stylesCovered(s *Styles) lipgloss.Style    { return s.Covered }
func stylesGap(s *Styles) lipgloss.Style        { return s.Gap }
func stylesHint(s *Styles) lipgloss.Style       { return s.Hint }
func stylesMuted(s *Styles) lipgloss.Style      { return s.Muted }
func stylesDim(s *Styles) lipgloss.Style        { return s.Dim }
func stylesKeyControl(s *Styles) lipgloss.Style { return s.KeyControl }
func stylesBarEmpty(s *Styles) lipgloss.Style   { return s.BarEmpty }

var (
	testLooks = map[model.TestState]look{
		model.StateReviewed:   {symReviewed, "reviewed", barReviewed, stylesCovered},
		model.StateTested:     {symTested, "tested", barTested, stylesKeyControl},
		model.StateInProgress: {symInProgress, "in progress", barInProgress, stylesHint},
	}
	testNotStarted = look{symNotStarted, "not started", barNotStarted, stylesBarEmpty}

	criterionLooks = map[model.CriterionStatus]look{
		model.CriterionMet:        {sym: symCovered, word: "met", style: stylesCovered},
		model.CriterionNotMet:     {sym: symGap, word: "not met", style: stylesGap},
		model.CriterionGap:        {sym: symGap, word: "gap", style: stylesGap},
		model.CriterionAtRisk:     {sym: symAtRisk, word: "at risk", style: stylesHint},
		model.CriterionOpen:       {sym: symOpen, word: "open", style: stylesMuted},
		model.CriterionOutOfScope: {sym: symOutScope, word: labelOut, style: stylesDim},
	}

	noteLooks = map[model.NoteState]look{
		model.NoteResponded: {sym: symInProgress, word: "responded", style: stylesHint},
		model.NoteCleared:   {sym: symCovered, word: "cleared", style: stylesCovered},
	}
	noteOpen = look{sym: symOpen, word: "open", style: stylesGap}

	pbcLooks = map[model.PBCStatus]look{
		model.PBCReceived: {sym: symInProgress, word: "received"},
		model.PBCAccepted: {sym: symCovered, word: "accepted"},
		model.PBCRejected: {sym: symGap, word: "rejected"},
	}
	pbcRequested = look{sym: symOpen, word: "requested"}
)

func stateSymbol(st model.TestState) string   { return lookOf(testLooks, st, testNotStarted).sym }
func testStateWord(st model.TestState) string { return lookOf(testLooks, st, testNotStarted).word }
func stateBar(st model.TestState) string      { return lookOf(testLooks, st, testNotStarted).bar }
func (s *Styles) state(st model.TestState) lipgloss.Style {
	return lookOf(testLooks, st, testNotStarted).style(s)
}

// criterionSymbol and criterionWord word a criterion's conclusion.
func criterionSymbol(st model.CriterionStatus) string {
	return lookOf(criterionLooks, st, look{sym: symOutScope}).sym
}

func criterionWord(st model.CriterionStatus) string {
	return lookOf(criterionLooks, st, look{word: oneLine(string(st))}).word
}

func (s *Styles) criterion(st model.CriterionStatus) lipgloss.Style {
	return lookOf(criterionLooks, st, look{style: stylesDim}).style(s)
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
func noteSymbol(st model.NoteState) string { return lookOf(noteLooks, st, noteOpen).sym }
func noteWord(st model.NoteState) string   { return lookOf(noteLooks, st, noteOpen).word }
func (s *Styles) note(st model.NoteState) lipgloss.Style {
	return lookOf(noteLooks, st, noteOpen).style(s)
}

// pbcSymbol and pbcWord word a client request's status.
func pbcSymbol(st model.PBCStatus) string { return lookOf(pbcLooks, st, pbcRequested).sym }
func pbcWord(st model.PBCStatus) string   { return lookOf(pbcLooks, st, pbcRequested).word }

// wordOf is k's word in words, or k itself made printable.
func wordOf[K ~string](words map[K]string, k K) string {
	if w, ok := words[k]; ok {
		return w
	}
	return oneLine(string(k))
}

var (
	stateWords = map[model.TestState]string{
		model.StateNotStarted: "not started",
		model.StateInProgress: "in progress",
		model.StateTested:     symCovered + " tested",
		model.StateReviewed:   symCovered + " reviewed",
	}
	conclusionWords = map[model.Conclusion]string{
		model.NotConcluded:            "not concluded",
		model.Effective:               "effective",
		model.EffectiveWithExceptions: "effective with exceptions",
		model.NotEffective:            "not effective",
		model.NotTested:               "not tested",
		model.NotOccurring:            "not occurring (the control did not operate)",
	}
	evaluationWords = map[string]string{"isolated": "isolated", "systemic": "systemic", "": "not evaluated"}
)

// stateWord words a control test's state (tested and reviewed ticked).
func stateWord(st model.TestState) string { return wordOf(stateWords, st) }

// conclusionWord words a control conclusion.
func conclusionWord(c model.Conclusion) string { return wordOf(conclusionWords, c) }

// evaluationWord words an exception's evaluation.
func evaluationWord(e string) string { return wordOf(evaluationWords, e) }

// tableWords name the tables of the audit trail for people; any other
// is its name with spaces.
var tableWords = map[string]string{
	"control_test":          "workpaper",
	"signoff":               "sign-off",
	"review_note":           "review note",
	"pbc_request":           "client request",
	"sample_item":           "sample item",
	"exception_item":        "exception item",
	"population_row":        "population row",
	"complementary_control": "complementary control",
	"subservice_org":        "subservice organization",
	"team_member":           "team member",
}

// tableWord names a table of the audit trail for people.
func tableWord(t string) string {
	if w, ok := tableWords[t]; ok {
		return w
	}
	return oneLine(strings.ReplaceAll(t, "_", " "))
}
