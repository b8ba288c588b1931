package model

import (
	"errors"
	"fmt"
	"strings"
)

// Hint names something the user can do about a refusal or a finding: list
// the controls, draw the sample, give a written reason, run verify for the
// whole report. A model message never words it as a front end would (a CLI
// flag or command, a key): it carries the Hint, each front end words it
// (cmd/fieldwork/advice.go, tui/advice.go), and Error() and String() leave
// it out. A hint's wording brings the punctuation that joins it to the
// message (" (--reason)", "; or plan the sample with …").
type Hint string

// The hints a model message can carry. The comment says what the user can
// do; where a hint takes an argument (For), it says what the argument is.
const (
	HintReason            Hint = "reason"              // give a written reason
	HintNote              Hint = "note"                // give the conclusion's basis in a note
	HintCarryNotes        Hint = "carry-notes"         // carry the open review notes, with a reason
	HintReopen            Hint = "reopen"              // say that the review is to be reopened
	HintLogin             Hint = "login"               // give the user name a team member signs as
	HintName              Hint = "name"                // give your name
	HintRole              Hint = "role"                // give your role
	HintChangeKey         Hint = "change-key"          // a manager or partner changes a member's key
	HintConfirmKey        Hint = "confirm-key"         // a manager or partner confirms a key
	HintJoinTeam          Hint = "join-team"           // register your key on the team
	HintAddMember         Hint = "add-member"          // add a team member with the role
	HintAddPartner        Hint = "add-partner"         // add a partner to the team
	HintConclude          Hint = "conclude"            // conclude the control test
	HintConcludeDesign    Hint = "conclude-design"     // conclude the test of design
	HintAddProcedure      Hint = "add-procedure"       // record a procedure
	HintAddAttribute      Hint = "add-attribute"       // record an attribute
	HintDrawSample        Hint = "draw-sample"         // draw the sample (in a list of what is missing)
	HintDrawOne           Hint = "draw-one"            // draw a sample (after "has no sample yet")
	HintPlanSample        Hint = "plan-sample"         // plan the sample first
	HintExtendSample      Hint = "extend-sample"       // add items to the sample
	HintExtendFirst       Hint = "extend-first"        // extend the sample, and the exception says so
	HintImportPopulation  Hint = "import-population"   // import a population
	HintRecordIPE         Hint = "record-ipe"          // record the population's completeness and accuracy
	HintHeaderRow         Hint = "header-row"          // say which row holds the headings
	HintListControls      Hint = "list-controls"       // see the controls
	HintListMappings      Hint = "list-mappings"       // see the controls' mappings
	HintListSample        Hint = "list-sample"         // see the sample's items
	HintListExceptions    Hint = "list-exceptions"     // see the exceptions
	HintListNotes         Hint = "list-notes"          // see the review notes
	HintListRequests      Hint = "list-requests"       // see the PBC requests
	HintListConflicts     Hint = "list-conflicts"      // see the merge conflicts
	HintResolveConflicts  Hint = "resolve-conflicts"   // resolve the conflicts of the file (argument: the file)
	HintAddTickmark       Hint = "add-tickmark"        // add the tickmark to the legend
	HintMitigating        Hint = "mitigating"          // record mitigating evidence instead
	HintVerify            Hint = "verify"              // run verify for the whole report (argument: the file)
	HintNotEvenForced     Hint = "not-even-forced"     // forcing does not overwrite it either
	HintRollForwardAnyway Hint = "roll-forward-anyway" // roll forward anyway with a recorded reason
	HintUpgradeAnyway     Hint = "upgrade-anyway"      // upgrade anyway with a recorded reason
	HintAmend             Hint = "amend"               // allow one dated, explained addition
	HintCreate            Hint = "create"              // create a workpaper (or the demo)
	HintOpenToRollBack    Hint = "open-to-roll-back"   // open the file once with write access (argument: the file)
	HintForce             Hint = "force"               // replace the existing output file
)

// Hints are every hint a model message can carry (for the front ends' tests).
var Hints = []Hint{
	HintReason,
	HintNote,
	HintCarryNotes,
	HintReopen,
	HintLogin,
	HintName,
	HintRole,
	HintChangeKey,
	HintConfirmKey,
	HintJoinTeam,
	HintAddMember,
	HintAddPartner,
	HintConclude,
	HintConcludeDesign,
	HintAddProcedure,
	HintAddAttribute,
	HintDrawSample,
	HintDrawOne,
	HintPlanSample,
	HintExtendSample,
	HintExtendFirst,
	HintImportPopulation,
	HintRecordIPE,
	HintHeaderRow,
	HintListControls,
	HintListMappings,
	HintListSample,
	HintListExceptions,
	HintListNotes,
	HintListRequests,
	HintListConflicts,
	HintResolveConflicts,
	HintAddTickmark,
	HintMitigating,
	HintVerify,
	HintNotEvenForced,
	HintRollForwardAnyway,
	HintUpgradeAnyway,
	HintAmend,
	HintCreate,
	HintOpenToRollBack,
	HintForce,
}

// For is the hint with its argument (a file name).
func (h Hint) For(arg string) HintArg { return HintArg{Hint: h, Arg: arg} }

// HintArg is a hint with an argument.
type HintArg struct {
	Hint Hint
	Arg  string
}

// Wording words a hint in one front end's terms, with the punctuation that
// joins it to its message; "" leaves it out.
type Wording func(h Hint, arg string) string

// Text is a message that may carry hints: fmt's format and arguments, in
// which each Hint or HintArg argument, and each Text, is worded when the
// message is. Its String() leaves the hints out.
type Text struct {
	format string
	args   []any
}

// textf is a Text; a plain string is textf("%s", s).
func textf(format string, args ...any) Text { return Text{format: format, args: args} }

// plainText is a Text with no hint in it.
func plainText(s string) Text { return textf("%s", s) }

// Words is the message with its hints worded by w (nil leaves them out).
func (t Text) Words(w Wording) string { return t.err(w).Error() }

func (t Text) String() string { return t.Words(nil) }

// MarshalText is the message without its hints (in --json, for example).
func (t Text) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// err formats t with its hints worded, keeping the errors it wraps.
func (t Text) err(w Wording) error {
	args := make([]any, len(t.args))
	for i, a := range t.args {
		switch a := a.(type) {
		case Hint:
			args[i] = word(w, a, "")
		case HintArg:
			args[i] = word(w, a.Hint, a.Arg)
		case Text:
			args[i] = a.Words(w)
		case worded:
			args[i] = &reworded{err: a, text: a.Words(w)}
		case []Text:
			s := make([]string, len(a))
			for j, x := range a {
				s[j] = x.Words(w)
			}
			args[i] = strings.Join(s, "; ")
		default:
			args[i] = a
		}
	}
	if t.format == "" {
		return errors.New("")
	}
	return fmt.Errorf(t.format, args...)
}

func word(w Wording, h Hint, arg string) string {
	if w == nil {
		return ""
	}
	return w(h, arg)
}

// HintedError is an error whose message carries hints.
type HintedError struct{ Text Text }

// hintErrorf is a HintedError; %w wraps as in fmt.Errorf.
func hintErrorf(format string, args ...any) error {
	return &HintedError{Text: textf(format, args...)}
}

// HintErrorf is hintErrorf for the packages above model (the export):
// their refusals carry hints the same way, for the front ends to word.
func HintErrorf(format string, args ...any) error { return hintErrorf(format, args...) }

func (e *HintedError) Error() string          { return e.Text.String() }
func (e *HintedError) Words(w Wording) string { return e.Text.Words(w) }
func (e *HintedError) Unwrap() []error        { return unwrapAll(e.Text.err(nil)) }

func unwrapAll(err error) []error {
	switch u := err.(type) {
	case interface{ Unwrap() []error }:
		return u.Unwrap()
	case interface{ Unwrap() error }:
		return []error{u.Unwrap()}
	}
	return nil
}

// reworded is an error wrapped in a Text, with its hints worded.
type reworded struct {
	err  error
	text string
}

func (r *reworded) Error() string { return r.text }
func (r *reworded) Unwrap() error { return r.err }

// worded is an error that can word its hints (HintedError,
// ConclusionRefusal, SignRefusal, ReviewedError).
type worded interface {
	error
	Words(w Wording) string
}

// Words is err's message with its hints worded by w: the message of the
// first error in its chain that carries hints is replaced by its worded
// form wherever it stands in err's message (errors that wrap it with
// fmt.Errorf keep their own words around it).
func Words(err error, w Wording) string {
	s := err.Error()
	var h worded
	if errors.As(err, &h) {
		if plain := h.Error(); plain != "" {
			s = strings.Replace(s, plain, h.Words(w), 1)
		}
	}
	return s
}

// Strings is each text without its hints.
func Strings(ts []Text) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.String()
	}
	return out
}
