package main

import (
	"errors"
	"fmt"

	"github.com/fieldwork-audit/fieldwork/model"
)

// cliHints words model's hints as this CLI's flags and commands; each
// brings the punctuation that joins it to its message. %s is the hint's
// argument (a file name), where it has one.
var cliHints = map[model.Hint]string{
	model.HintReason:            " (--reason)",
	model.HintNote:              " (--note)",
	model.HintCarryNotes:        " (--carry-notes --reason)",
	model.HintReopen:            "; say so with --reopen",
	model.HintLogin:             " (--login)",
	model.HintName:              " (--name)",
	model.HintRole:              " (--role)",
	model.HintChangeKey:         ": a manager or partner changes it with 'fieldwork team key'",
	model.HintConfirmKey:        " ('fieldwork team key')",
	model.HintJoinTeam:          " ('fieldwork team join')",
	model.HintAddMember:         ": add one with 'fieldwork team add'",
	model.HintAddPartner:        ": add one with 'fieldwork team add --role partner'",
	model.HintConclude:          " ('fieldwork conclude')",
	model.HintConcludeDesign:    " ('fieldwork design set --conclusion')",
	model.HintAddProcedure:      " ('fieldwork procedure add')",
	model.HintAddAttribute:      " ('fieldwork attribute add')",
	model.HintDrawSample:        " ('fieldwork sample draw')",
	model.HintDrawOne:           ": draw one with 'fieldwork sample draw'",
	model.HintPlanSample:        "; or plan the sample with 'fieldwork sample plan'",
	model.HintExtendSample:      "; add items with 'fieldwork sample extend'",
	model.HintExtendFirst:       ": extend it with 'fieldwork sample extend' and the exception says so by itself",
	model.HintImportPopulation:  ": import one with 'fieldwork population import'",
	model.HintRecordIPE:         " ('fieldwork population ipe')",
	model.HintHeaderRow:         ", or give --header-row",
	model.HintListControls:      " ('fieldwork controls FILE' lists them)",
	model.HintListMappings:      " ('fieldwork controls FILE' lists the mappings)",
	model.HintListSample:        " ('fieldwork sample show' lists the items)",
	model.HintListExceptions:    " ('fieldwork exception list FILE' lists them)",
	model.HintListNotes:         " ('fieldwork note list FILE' lists them)",
	model.HintListRequests:      " ('fieldwork pbc list FILE' lists them)",
	model.HintListConflicts:     " ('fieldwork conflicts FILE' lists them)",
	model.HintResolveConflicts:  " ('fieldwork conflicts %s')",
	model.HintAddTickmark:       " ('fieldwork tickmark set' adds it)",
	model.HintMitigating:        "; mitigating evidence goes in --mitigating",
	model.HintVerify:            " (run 'fieldwork verify %s' for the whole report)",
	model.HintNotEvenForced:     " (with --force too)",
	model.HintRollForwardAnyway: " (roll forward from it anyway with --force --reason TEXT, which is recorded in the new file)",
	model.HintUpgradeAnyway:     "; upgrade it anyway with 'fieldwork upgrade FILE --reason TEXT', which records the reason",
	model.HintAmend:             "; 'fieldwork amend FILE --reason TEXT' allows one dated, explained addition",
	model.HintCreate:            " (create one with 'fieldwork new' or 'fieldwork demo')",
	model.HintOpenToRollBack:    " (any command, e.g. 'fieldwork status %s')",
	model.HintForce:             " or replace it with --force",
}

// cliWording is model.Wording in the CLI's terms.
func cliWording(h model.Hint, arg string) string {
	w := cliHints[h]
	if arg != "" {
		return fmt.Sprintf(w, arg)
	}
	return w
}

// errText is an error's message with model's hints worded for the CLI.
func errText(err error) string { return model.Words(err, cliWording) }

// flagAdvice words what a model.InputError wants as this CLI's flags.
func flagAdvice(err error) error {
	var ie *model.InputError
	if !errors.As(err, &ie) {
		return err
	}
	advice := map[model.Input]string{
		model.InputReason:     " (--reason)",
		model.InputItems:      " (--items)",
		model.InputAttribute:  ": say which with --attribute",
		model.InputReplace:    "; replacing it needs --replace --reason TEXT, which is logged",
		model.InputNoAttach:   ": leave out --attach",
		model.InputDateFormat: ": give --date-format day-first or --date-format month-first",
	}[ie.Input]
	return fmt.Errorf("%w%s", err, advice)
}
