package main

import "github.com/fieldwork-audit/fieldwork/model"

// commandTable is every verb of the CLI, by noun: one place to see them all
// and to add one. Sub-verbs (e.g. "controls import") have their full name
// with a space. The help lists them sorted by name.
func commandTable() []*command {
	return []*command{
		// The engagement: scope, team, subservice organizations, CUECs and CSOCs (cmd_engagement.go).
		{name: "new", args: "FILE --client NAME --system NAME --type 1|2 (--from DATE --to DATE | --as-of DATE) [--categories LIST] [--firm NAME] [--planning DATE] [--fieldwork-start DATE] [--fieldwork-end DATE] [--report-due DATE]", summary: "create a workpaper for a new engagement (in a terminal, with FILE alone: the new-engagement form)", run: runNew},
		{name: "engagement", args: "FILE [--fieldwork-end DATE] [--report-date DATE] [--completion-deadline DATE] [--json]", summary: "set the engagement's end dates (the report date: the date of the opinion; after release, a shorter completion deadline) and print its dates", run: runEngagement},
		{name: "show", args: "FILE [--json]", summary: "print the engagement: scope, period, team, subservice organizations, CUECs and CSOCs", run: runShow},
		{name: "team add", args: "FILE --name NAME --role staff|senior|manager|partner|eqr|preparer|reviewer|specialist [--email ADDR] [--login USER --key PUBLIC-KEY]", summary: "add a member to the engagement team", run: runTeamAdd},
		{name: "team join", args: "FILE [--name NAME --role ROLE]", summary: "record your own public key on your team member record (adds you when you are not on the team)", run: runTeamJoin},
		{name: "team key", args: "FILE --login USER --key PUBLIC-KEY", summary: "record a member's public key (a manager or partner, for someone else)", run: runTeamKey},

		// Signing keys and upgrades (cmd_keys.go).
		{name: "key init", args: "[--from-ssh ~/.ssh/id_ed25519]", summary: "make your own signing key (or take an existing SSH Ed25519 key)", run: runKeyInit},
		{name: "key show", args: "[--json]", summary: "print your public key, to give to your manager or 'team join'", run: runKeyShow},
		{name: "upgrade", args: "FILE --reason TEXT", summary: "upgrade an old workpaper whose trail does not verify, recording why", run: runUpgrade},
		{name: "subservice add", args: "FILE --name NAME --method carve-out|inclusive [--services TEXT]", summary: "record a subservice organization and how the report treats it", run: runSubserviceAdd},
		{name: "cuec add", args: "FILE --ref REF --text TEXT [--criteria LIST]", summary: "record a complementary user entity control", run: func(e *env, args []string) error { return runComplementaryAdd(e, args, model.CUEC) }},
		{name: "csoc add", args: "FILE --ref REF --text TEXT --subservice NAME [--criteria LIST]", summary: "record a complementary subservice organization control", run: func(e *env, args []string) error { return runComplementaryAdd(e, args, model.CSOC) }},

		// Criteria and controls (cmd_controls.go).
		{name: "criteria", args: "FILE [--json] [--gaps]", summary: "list the Trust Services Criteria with scope, mapped controls and coverage gaps", run: runCriteria},
		{name: "criteria import", args: "FILE CATALOG.csv|.xlsx", summary: "load the firm's licensed criteria text (columns id, title, description); IDs never change", run: runCriteriaImport},
		{name: "controls", args: "FILE [--json]", summary: "list the controls and the criteria each addresses", run: runControls},
		{name: "controls import", args: "FILE MATRIX.csv|MATRIX.xlsx [--sheet NAME]", summary: "import or re-import the client's control matrix (updates by control ID)", run: runControlsImport},

		// Populations (cmd_population.go).
		{name: "population import", args: "FILE --control ID SOURCE.csv|SOURCE.xlsx [--sheet S] [--header-row N] [--id-column C] [--date-column C] [--replace --reason TEXT]", summary: "import the population of a control's occurrences (streamed, one transaction)", run: runPopulationImport},
		{name: "population show", args: "FILE --control ID [--flagged] [--json]", summary: "print a population's source, hash, counts and flags", run: runPopulationShow},
		{name: "population ipe", args: "FILE --control ID --procedure TEXT --result TEXT", summary: "record the completeness and accuracy (IPE) procedure and result", run: runPopulationIPE},

		// Sampling. Without FILE (cmd_sample.go) the math alone; with FILE, a control's plan and sample (cmd_sample_workpaper.go): sample draw hands over when it is given FILE.
		{name: "sample size", args: "(--confidence PCT --tolerable PCT [--expected PCT] [--model binomial|poisson|hypergeometric] | --frequency FREQ [--risk lower|higher]) [--population N] [--json]", summary: "statistical sample size for a test of controls, or the size by control frequency", run: runSampleSize},
		{name: "sample evaluate", args: "--size N --deviations K --confidence PCT [--tolerable PCT] [--population N] [--model binomial|poisson|hypergeometric] [--json]", summary: "upper deviation limit, allowance for sampling risk and conclusion for a tested sample", run: runSampleEvaluate},
		{name: "sample table", args: "--confidence PCT [--model binomial|poisson|hypergeometric] [--population N] [--json]", summary: "the statistical sample-size table laid out as the AICPA Audit Sampling guide's Tables A-1/A-2", run: runSampleTable},
		{name: "sample draw", args: "--population N --size N [--method random|systematic|all|judgmental] [--seed S] [--positions 3,17,40] [--sha256 HEX] [--json]", summary: "select items from a population of N (1-based positions) and print the selection record", run: runSampleDraw},
		{name: "sample plan", args: "FILE --control ID (--confidence 90 --tolerable 10 [--expected 0] [--model M] | --frequency-based | --all)", summary: "size a control's sample and record the plan", run: runSamplePlanWorkpaper},
		{name: "sample verify", args: "FILE --control ID [--source POPULATION.csv] [--json]", summary: "re-perform a control's selection and check it against the stored population", run: runSampleVerifyWorkpaper},
		{name: "sample extend", args: "FILE --control ID --add N [--reason TEXT]", summary: "add items to a drawn sample (after a deviation); never replaces", run: runSampleExtendWorkpaper},
		{name: "sample show", args: "FILE --control ID [--json]", summary: "print a control's selection record and selected items", run: runSampleShow},
		{name: "frequency-table", args: "FILE [--json]", summary: "print the engagement's frequency-based sample sizes (the firm default unless overridden)", run: runFrequencyTable},
		{name: "frequency-table set", args: "FILE TABLE.json", summary: "override the frequency-based sizes for this engagement (JSON as printed by --json)", run: runFrequencyTableSet},

		// A control's test: design, procedures, attributes, risk, conclusion, sign-off (cmd_controltest.go).
		{name: "design set", args: "FILE --control ID --procedure TEXT [--result TEXT] [--conclusion suitably-designed|not-suitably-designed]", summary: "record the test of design", run: runDesignSet},
		{name: "procedure add", args: "FILE --control ID --type inquiry|observation|inspection|re-performance --text TEXT", summary: "add a test procedure", run: runProcedureAdd},
		{name: "attribute add", args: "FILE --control ID [--letter A] --text TEXT", summary: "add an attribute each sample item is tested for", run: runAttributeAdd},
		{name: "attribute edit", args: "FILE --control ID --letter A --text TEXT", summary: "change an attribute's description", run: runAttributeEdit},
		{name: "attribute delete", args: "FILE --control ID --letter A", summary: "delete an attribute that has no results", run: runAttributeDelete},
		{name: "risk set", args: "FILE --control ID --risk lower|higher", summary: "set a control's risk rating (used by frequency-based sizes)", run: runRiskSet},
		{name: "evaluate", args: "FILE --control ID [--json]", summary: "evaluate a control's results and show the proposed conclusion", run: runEvaluate},
		{name: "conclude", args: "FILE --control ID --as effective|effective-with-exceptions|not-effective|not-tested|not-occurring [--note T] [--reason T] [--carry-notes]", summary: "record the conclusion on a control test (refused, naming what is missing, until the evidence supports it; a departure from the proposal needs --reason)", run: runConclude},
		{name: "mapping set", args: "FILE --control ID --criterion ID --as key|contributes|default", summary: "say whether a criterion relies on a mapped control (key) or it merely contributes", run: runMappingSet},
		{name: "criterion override", args: "FILE --criterion ID --as met|not-met|clear --reason TEXT", summary: "override a criterion's derived conclusion, with a reason", run: runCriterionOverride},
		{name: "signoff", args: "FILE (--control ID --as preparer|reviewer | --planning --as reviewer | --criterion ID --as reviewer | --opinion --as partner|eqr)", summary: "sign off a control test, planning, a criterion or the opinion, as the sign-off scheme allows", run: runSignoff},
		{name: "signoff changes", args: "FILE --control ID [--json]", summary: "list what changed in a control test since its reviewer signed", run: runSignoffChanges},
		{name: "signoff list", args: "FILE [--json]", summary: "list every sign-off, standing and stale (with what changed)", run: runSignoffList},
		{name: "signoff-scheme", args: "FILE [--json]", summary: "print which roles sign what, in which order (the firm default unless set)", run: runSignoffScheme},
		{name: "signoff-scheme set", args: "FILE SCHEME.json", summary: "set this engagement's sign-off scheme (validated against the team; errors name the line)", run: runSignoffSchemeSet},

		// Results, exceptions and the tickmark legend (cmd_results.go).
		{name: "result set", args: "FILE --control ID --item N [--attribute A] (--pass|--deviation|--na) [--note T] [--tickmark M] [--evidence PATH [--attach]] [--clear note,tickmark,evidence]", summary: "record the result of one attribute on one sample item; fields not given keep their values", run: runResultSet},
		{name: "results", args: "FILE --control ID [--json]", summary: "list a control's recorded results", run: runResults},
		{name: "exception add", args: "FILE --control ID --items 3,7 --description T [--cause T] [--response T] [--evaluation isolated|systemic] [--criteria LIST] [--wording T]", summary: "log an exception over sample items", run: runExceptionAdd},
		{name: "exception update", args: "FILE --ref EX-01 [--description T] [--cause T] [--response T] [--evaluation E] [--mitigating T] [--compensating-control ID] [--sample-extended] [--criteria LIST] [--wording T] [--remediation T] [--owner T] [--due DATE] [--retest T] [--clear FIELDS] [--add-items 3,7]", summary: "edit an exception: set fields, empty them (--clear cause,owner), add sample items", run: runExceptionUpdate},
		{name: "exception list", args: "FILE [--json]", summary: "list exceptions", run: runExceptionList},
		{name: "tickmark set", args: "FILE --symbol S --meaning TEXT", summary: "add or change a tickmark in the legend", run: runTickmarkSet},
		{name: "tickmark list", args: "FILE [--json]", summary: "print the tickmark legend", run: runTickmarkList},

		// Review notes, client requests and inquiries (cmd_review.go).
		{name: "note add", args: "FILE (--control ID | --exception EX-01 | --engagement) --text T [--assignee NAME]", summary: "open a review note", run: runNoteAdd},
		{name: "note respond", args: "FILE --ref RN-001 --text T", summary: "respond to a review note", run: runNoteRespond},
		{name: "note clear", args: "FILE --ref RN-001", summary: "clear a review note", run: runNoteClear},
		{name: "note list", args: "FILE [--state open|responded|cleared] [--json]", summary: "list review notes", run: runNoteList},
		{name: "pbc add", args: "FILE --item TEXT [--control ID] [--requested DATE] [--due DATE]", summary: "add an item to the client request list", run: runPBCAdd},
		{name: "pbc update", args: "FILE --ref PBC-001 --status requested|received|accepted|rejected [--file PATH] [--note T]", summary: "move a request along; a received file is hashed", run: runPBCUpdate},
		{name: "pbc list", args: "FILE [--outstanding] [--json]", summary: "list the client request list", run: runPBCList},
		{name: "interview add", args: "FILE --person NAME [--role ROLE] --date DATE --summary TEXT [--controls LIST] [--by NAME]", summary: "record an inquiry", run: runInterviewAdd},
		{name: "interview list", args: "FILE [--json]", summary: "list inquiries", run: runInterviewList},

		// Progress, the audit trail and integrity (cmd_status.go).
		{name: "status", args: "FILE [--json]", summary: "progress: controls by state, deviations, review notes, criteria at risk", run: runStatus},
		{name: "log", args: "FILE [--control ID] [--limit N] [--json]", summary: "print the audit trail", run: runLog},
		{name: "verify", args: "FILE [--head SEQ:HASH] [--json]", summary: "replay every record from the trail; check its hash chain and signatures, evidence, populations, sign-offs and every selection", run: runVerify},

		// Export, results typed in Excel, the opinion (cmd_export.go).
		{name: "export", args: "FILE [--out PATH.xlsx] [--sections LIST] [--include-trail] [--template FILE] [--force] [--json]", summary: "export the workpapers to an Excel workbook (cover, matrix, section 4, control tests, logs, opinion draft)", run: runExport},
		{name: "export-pbc", args: "FILE [--out PATH.xlsx] [--force] [--json]", summary: "export the request list as a workbook to send to the client", run: runExportPBC},
		{name: "import-results", args: "FILE BOOK.xlsx [--apply] [--json]", summary: "read results typed into an exported workbook; lists the changes, applies them with --apply", run: runImportResults},
		{name: "opinion", args: "FILE [--json]", summary: "show the proposed opinion and the criteria behind it", run: runOpinion},
		{name: "opinion override", args: "FILE --as unmodified|qualified|adverse|disclaimer|clear --reason TEXT", summary: "set the opinion in place of the proposed one, with a written reason", run: runOpinionOverride},
		{name: "opinion pervasive", args: "FILE --as pervasive|not-pervasive|clear --reason TEXT", summary: "record the partner's judgment of whether the criteria not met are pervasive (adverse) or not (qualified)", run: runOpinionPervasive},
		{name: "opinion template", args: "", summary: "print the built-in opinion-draft template (a starting point for --template)", run: runOpinionTemplate},

		// Working as a team (cmd_team.go).
		{name: "merge", args: "FILE OTHER [--dry-run] [--json]", summary: "merge another copy of the same workpaper into FILE (a backup of FILE is written first)", run: runMerge},
		{name: "conflicts", args: "FILE [--all] [--json]", summary: "list what a merge found changed differently in both copies", run: runConflicts},
		{name: "conflicts resolve", args: "FILE --id N --take mine|theirs", summary: "settle a merge conflict with this copy's value or the other's", run: runConflictsResolve},
		{name: "sessions", args: "FILE [--json]", summary: "who has the workpaper open for editing", run: runSessions},
		{name: "sessions clear", args: "FILE --stale", summary: "remove the sessions of crashed or closed editors (live ones are kept)", run: runSessionsClear},
		{name: "rollforward", args: "LAST --out NEW (--from DATE --to DATE | --as-of DATE) [--force --reason TEXT] [--json]", summary: "start next year's engagement from LAST: set-up, controls, mapping and test plans; no results", run: runRollForward},
		{name: "backup", args: "FILE", summary: "write a consistent copy of the workpaper beside it (FILE.bak-YYYYMMDD-HHMMSS)", run: runBackup},

		// The workbench and the demo (cmd_open.go).
		{name: "open", args: "FILE [--read-only] [--theme auto|light|dark] [--no-mouse] [--keys FILE]", summary: "open a workpaper in the workbench (also: fieldwork FILE); a FILE that does not exist yet starts a new engagement", run: runOpen},
		{name: "demo", args: "FILE [--force]", summary: "write the fictional demo engagement (Harborview Payroll, Type II) to FILE", run: runDemo},
	}
}

// commands is commandTable by name.
var commands = map[string]*command{}

// init indexes commandTable. (A package-level initializer cannot: the
// commands look themselves up in commands to build their flags.)
func init() {
	for _, c := range commandTable() {
		register(c)
	}
}
