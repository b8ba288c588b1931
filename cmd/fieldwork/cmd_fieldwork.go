package main

import (
	"context"
	"flag"

	"github.com/fieldwork-audit/fieldwork/model"
)

func init() {
	sampleDrawWorkpaper = runSampleDrawWorkpaper
	samplePlanWorkpaper = runSamplePlanWorkpaper
	sampleVerifyWorkpaper = runSampleVerifyWorkpaper
	sampleExtendWorkpaper = runSampleExtendWorkpaper
	for _, c := range []*command{
		{name: "sample plan", args: "FILE --control ID (--confidence 90 --tolerable 10 [--expected 0] [--model M] | --frequency-based | --all)", summary: "size a control's sample and record the plan", run: runSamplePlan},
		{name: "sample verify", args: "FILE --control ID [--source POPULATION.csv] [--json]", summary: "re-perform a control's selection and check it against the stored population", run: runSampleVerify},
		{name: "sample extend", args: "FILE --control ID --add N [--reason TEXT]", summary: "add items to a drawn sample (after a deviation); never replaces", run: runSampleExtend},
		{name: "sample show", args: "FILE --control ID [--json]", summary: "print a control's selection record and selected items", run: runSampleShow},
		{name: "population import", args: "FILE --control ID SOURCE.csv|SOURCE.xlsx [--sheet S] [--header-row N] [--id-column C] [--date-column C] [--replace --reason TEXT]", summary: "import the population of a control's occurrences (streamed, one transaction)", run: runPopulationImport},
		{name: "population show", args: "FILE --control ID [--flagged] [--json]", summary: "print a population's source, hash, counts and flags", run: runPopulationShow},
		{name: "population ipe", args: "FILE --control ID --procedure TEXT --result TEXT", summary: "record the completeness and accuracy (IPE) procedure and result", run: runPopulationIPE},
		{name: "attribute add", args: "FILE --control ID [--letter A] --text TEXT", summary: "add an attribute each sample item is tested for", run: runAttributeAdd},
		{name: "attribute edit", args: "FILE --control ID --letter A --text TEXT", summary: "change an attribute's description", run: runAttributeEdit},
		{name: "attribute delete", args: "FILE --control ID --letter A", summary: "delete an attribute that has no results", run: runAttributeDelete},
		{name: "procedure add", args: "FILE --control ID --type inquiry|observation|inspection|re-performance --text TEXT", summary: "add a test procedure", run: runProcedureAdd},
		{name: "design set", args: "FILE --control ID --procedure TEXT [--result TEXT] [--conclusion suitably-designed|not-suitably-designed]", summary: "record the test of design", run: runDesignSet},
		{name: "risk set", args: "FILE --control ID --risk lower|higher", summary: "set a control's risk rating (used by frequency-based sizes)", run: runRiskSet},
		{name: "result set", args: "FILE --control ID --item N [--attribute A] (--pass|--deviation|--na) [--note T] [--tickmark M] [--evidence PATH [--attach]]", summary: "record the result of one attribute on one sample item", run: runResultSet},
		{name: "results", args: "FILE --control ID [--json]", summary: "list a control's recorded results", run: runResults},
		{name: "exception add", args: "FILE --control ID --items 3,7 --description T [--cause T] [--response T] [--evaluation isolated|systemic] [--criteria LIST] [--wording T]", summary: "log an exception over sample items", run: runExceptionAdd},
		{name: "exception update", args: "FILE --ref EX-01 [--description T] [--cause T] [--response T] [--evaluation E] [--compensating T] [--sample-extended] [--criteria LIST] [--wording T] [--remediation T] [--owner T] [--due DATE] [--retest T] [--clear FIELDS] [--add-items 3,7]", summary: "edit an exception: set fields, empty them (--clear cause,owner), add sample items", run: runExceptionUpdate},
		{name: "exception list", args: "FILE [--json]", summary: "list exceptions", run: runExceptionList},
		{name: "conclude", args: "FILE --control ID --as effective|effective-with-exceptions|not-effective|not-tested|not-occurring [--note T]", summary: "record the conclusion on a control test", run: runConclude},
		{name: "evaluate", args: "FILE --control ID [--json]", summary: "evaluate a control's results and show the proposed conclusion", run: runEvaluate},
		{name: "criterion override", args: "FILE --criterion ID --as met|not-met|clear --reason TEXT", summary: "override a criterion's derived conclusion, with a reason", run: runCriterionOverride},
		{name: "signoff", args: "FILE --control ID --as preparer|reviewer", summary: "sign off a control test", run: runSignoff},
		{name: "note add", args: "FILE (--control ID | --exception EX-01 | --engagement) --text T [--assignee NAME]", summary: "open a review note", run: runNoteAdd},
		{name: "note respond", args: "FILE --ref RN-001 --text T", summary: "respond to a review note", run: runNoteRespond},
		{name: "note clear", args: "FILE --ref RN-001", summary: "clear a review note", run: runNoteClear},
		{name: "note list", args: "FILE [--state open|responded|cleared] [--json]", summary: "list review notes", run: runNoteList},
		{name: "pbc add", args: "FILE --item TEXT [--control ID] [--requested DATE] [--due DATE]", summary: "add an item to the client request list", run: runPBCAdd},
		{name: "pbc update", args: "FILE --ref PBC-001 --status requested|received|accepted|rejected [--file PATH] [--note T]", summary: "move a request along; a received file is hashed", run: runPBCUpdate},
		{name: "pbc list", args: "FILE [--outstanding] [--json]", summary: "list the client request list", run: runPBCList},
		{name: "interview add", args: "FILE --person NAME [--role ROLE] --date DATE --summary TEXT [--controls LIST] [--by NAME]", summary: "record an inquiry", run: runInterviewAdd},
		{name: "interview list", args: "FILE [--json]", summary: "list inquiries", run: runInterviewList},
		{name: "tickmark set", args: "FILE --symbol S --meaning TEXT", summary: "add or change a tickmark in the legend", run: runTickmarkSet},
		{name: "tickmark list", args: "FILE [--json]", summary: "print the tickmark legend", run: runTickmarkList},
		{name: "status", args: "FILE [--json]", summary: "progress: controls by state, deviations, review notes, criteria at risk", run: runStatus},
		{name: "log", args: "FILE [--control ID] [--limit N] [--json]", summary: "print the audit trail", run: runLog},
		{name: "verify", args: "FILE [--json]", summary: "check integrity, the audit trail's hash chain, attached evidence and every selection", run: runVerify},
	} {
		register(c)
	}
}

// wpCmd is the common shape of workpaper commands: FILE plus flags.
type wpCmd struct {
	c       *command
	fs      *flag.FlagSet
	control *string
	user    *string
	json    *bool
}

func newWPCmd(name string, withControl bool) *wpCmd {
	c := commands[name]
	w := &wpCmd{c: c, fs: flags(c)}
	if withControl {
		w.control = w.fs.String("control", "", "control ID (as in the control matrix)")
	}
	w.user = w.fs.String("user", "", "name recorded on changes (default $FIELDWORK_USER, then the OS user)")
	w.json = w.fs.Bool("json", false, "print JSON")
	return w
}

// open parses args, checks FILE and --control, and opens the workpaper.
func (w *wpCmd) open(e *env, args []string, readOnly bool) (*model.Workpaper, error) {
	pos, err := parse(e, w.c, w.fs, args)
	if err != nil {
		return nil, err
	}
	if err := wantArgs(pos, 1, "FILE"); err != nil {
		return nil, err
	}
	if w.control != nil && *w.control == "" {
		return nil, usagef("missing --control ID")
	}
	return openWorkpaper(e, pos[0], *w.user, readOnly)
}

var bg = context.Background()

func init() {
	register(&command{name: "frequency-table", args: "FILE [--json]", summary: "print the engagement's frequency-based sample sizes (the firm default unless overridden)", run: runFrequencyTable})
	register(&command{name: "frequency-table set", args: "FILE TABLE.json", summary: "override the frequency-based sizes for this engagement (JSON as printed by --json)", run: runFrequencyTableSet})
}
