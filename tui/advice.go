package tui

import "github.com/fieldwork-audit/fieldwork/model"

// tuiHints words model's hints in the workbench's terms: what to do on a
// screen, never a command line to type. A hint the screen already answers
// (the lists are on screen, the message says what is missing) is left out.
var tuiHints = map[model.Hint]string{
	model.HintChangeKey:        ": a manager or partner changes it",
	model.HintAddMember:        ": add one to the team",
	model.HintAddPartner:       ": add one to the team",
	model.HintDrawOne:          ": draw one in the sampling wizard",
	model.HintPlanSample:       "; or plan the sample first",
	model.HintExtendSample:     "; extend it instead",
	model.HintExtendFirst:      ": extend the sample first and the exception says so by itself",
	model.HintImportPopulation: ": import one in the sampling wizard",
	model.HintAddTickmark:      ": add it to the legend first",
	model.HintVerify:           " (verify that copy for the whole report)",
	model.HintAmend:            "; an amendment with a written reason allows one dated, explained addition",
}

// tuiWording is model.Wording in the workbench's terms.
func tuiWording(h model.Hint, _ string) string { return tuiHints[h] }

// hinted is an error's message with model's hints worded for the workbench.
func hinted(err error) string { return model.Words(err, tuiWording) }
