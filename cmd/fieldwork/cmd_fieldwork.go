package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/charmbracelet/x/term"

	"github.com/fieldwork-audit/fieldwork/model"
	"github.com/fieldwork-audit/fieldwork/sampling"
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
		{name: "verify", args: "FILE [--head SEQ:HASH] [--json]", summary: "replay every record from the trail, check its hash chain and signatures, evidence, populations, sign-offs and every selection", run: runVerify},
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

func runSampleDrawWorkpaper(e *env, args []string) error {
	w := newWPCmd("sample draw", true)
	seedFlag := w.fs.String("seed", "", "generator seed (default: a fresh random seed, shown and stored)")
	method := w.fs.String("method", "random", "random, systematic, all or judgmental")
	size := w.fs.Int("size", 0, "sample size (default: the plan's, else the frequency-based size)")
	picks := w.fs.String("positions", "", "judgmental picks: positions, comma-separated")
	wp, err := w.open(e, args, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	m, err := sampling.ParseMethod(*method)
	if err != nil {
		return usageError{err.Error()}
	}
	in := model.DrawInput{ControlRef: *w.control, Method: m, Size: *size}
	if *seedFlag != "" {
		s, err := parseSeed(*seedFlag)
		if err != nil {
			return err
		}
		in.Seed = &s
	}
	if *picks != "" {
		if in.Positions, err = parsePositions(*picks); err != nil {
			return err
		}
	}
	sel, err := wp.DrawSample(bg, in)
	if err != nil {
		return err
	}
	return printSelection(e, wp, sel, *w.json)
}

func parsePositions(s string) ([]int, error) {
	var out []int
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			return nil, usagef("item %q is not a position (1, 2, …)", p)
		}
		out = append(out, n)
	}
	return out, nil
}

func printSelection(e *env, wp *model.Workpaper, sel *model.Selection, asJSON bool) error {
	if asJSON {
		items := []map[string]any{}
		for _, it := range sel.Items {
			items = append(items, map[string]any{"ordinal": it.Ordinal, "position": it.Position, "extension": it.Extension})
		}
		return printJSON(e.stdout, map[string]any{"control": sel.ControlRef, "size_basis": sel.SizeBasis, "drawn_by": sel.DrawnBy,
			"drawn_at": sel.DrawnAt, "record": sel.Record, "items": items})
	}
	r := sel.Record
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "Control\t%s\nMethod\t%s\nAlgorithm\t%s\n", sel.ControlRef, r.Method, r.Algorithm)
	if r.Method == sampling.Random || r.Method == sampling.Systematic {
		fmt.Fprintf(tw, "Seed\t%d\n", r.Seed)
	}
	if r.Method == sampling.Systematic {
		fmt.Fprintf(tw, "Interval, start\t%d, %d\n", r.Interval, r.Start)
	}
	fmt.Fprintf(tw, "Population\tN = %d, SHA-256 %s\nSample\tn = %d (%d with extensions)\nSize basis\t%s\nDrawn\tby %s at %s\n",
		r.Population, r.PopulationSHA256, r.Size, r.Total(), clean(sel.SizeBasis), clean(sel.DrawnBy), sel.DrawnAt.Format("2006-01-02 15:04"))
	tw.Flush()
	pop, _ := wp.CurrentPopulation(bg, sel.ControlRef)
	fmt.Fprintln(e.stdout, "\n  #  POSITION  ID                    DATE")
	for _, it := range sel.Items {
		id, date := "", ""
		if pop != nil {
			if rows, err := wp.PopulationRowsAt(bg, pop.UUID, []int{it.Position}); err == nil && len(rows) == 1 {
				id, date = rows[0].ID, rows[0].Date
			}
		}
		ext := ""
		if it.Extension > 0 {
			ext = fmt.Sprintf("  (extension %d)", it.Extension)
		}
		fmt.Fprintf(e.stdout, "%3d  %8d  %-20s  %s%s\n", it.Ordinal, it.Position, truncate(clean(id), 20), date, ext)
	}
	return nil
}

func runSampleShow(e *env, args []string) error {
	w := newWPCmd("sample show", true)
	wp, err := w.open(e, args, true)
	if err != nil {
		return err
	}
	defer wp.Close()
	sel, err := wp.Selection(bg, *w.control)
	if err != nil {
		return err
	}
	if sel == nil {
		return fmt.Errorf("%s has no sample yet: draw one with 'fieldwork sample draw %s --control %s'", *w.control, wp.Path(), *w.control)
	}
	return printSelection(e, wp, sel, *w.json)
}

func runSamplePlanWorkpaper(e *env, args []string) error {
	w := newWPCmd("sample plan", true)
	conf := w.fs.String("confidence", "", "confidence level, e.g. 95 or 90")
	tol := w.fs.String("tolerable", "", "tolerable deviation rate, e.g. 5")
	exp := w.fs.String("expected", "0", "expected deviation rate")
	mdl := w.fs.String("model", "binomial", "binomial, poisson or hypergeometric")
	freq := w.fs.Bool("frequency-based", false, "size by the control's frequency and risk (nonstatistical)")
	all := w.fs.Bool("all", false, "test every occurrence")
	wp, err := w.open(e, args, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	var in model.PlanInput
	switch {
	case *freq && *all, (*freq || *all) && *conf != "":
		return usagef("choose one plan: statistical (--confidence, --tolerable), --frequency-based or --all")
	case *freq:
		in.Kind = "frequency"
	case *all:
		in.Kind = "all"
	default:
		in.Kind = "statistical"
		if in.Confidence, err = sampleConfidence(*conf); err != nil {
			return err
		}
		if *tol == "" {
			return usagef("missing --tolerable (e.g. 5)")
		}
		if in.Tolerable, err = sampleRate("tolerable", *tol); err != nil {
			return err
		}
		if in.Expected, err = sampleRate("expected", *exp); err != nil {
			return err
		}
		m, err := sampling.ParseModel(*mdl)
		if err != nil {
			return usageError{err.Error()}
		}
		in.Model = m
	}
	plan, err := wp.SetPlan(bg, *w.control, in)
	if err != nil {
		return err
	}
	if *w.json {
		return printJSON(e.stdout, map[string]any{"control": *w.control, "kind": plan.Kind, "size": plan.Size, "allowed_deviations": plan.Allowed,
			"confidence": plan.Confidence, "tolerable": plan.Tolerable, "expected": plan.Expected, "model": plan.Model, "basis": plan.Basis})
	}
	size := strconv.Itoa(plan.Size)
	if plan.Size == 0 {
		size = "decided when the population is imported"
	}
	fmt.Fprintf(e.stdout, "plan for %s: %s sample, size %s\n%s\n", *w.control, plan.Kind, size, plan.Basis)
	return nil
}

func runSampleVerifyWorkpaper(e *env, args []string) error {
	w := newWPCmd("sample verify", true)
	source := w.fs.String("source", "", "the population file as received, to compare its SHA-256")
	wp, err := w.open(e, args, true)
	if err != nil {
		return err
	}
	defer wp.Close()
	chk, err := wp.VerifySelection(bg, *w.control, *source)
	if err != nil {
		return err
	}
	if *w.json {
		if err := printJSON(e.stdout, chk); err != nil {
			return err
		}
	} else if chk.Matches {
		fmt.Fprintf(e.stdout, "%s: the selection re-performs exactly from its record and population\n", chk.ControlRef)
	} else {
		for _, p := range chk.Problems {
			fmt.Fprintf(e.stdout, "%s: %s\n", chk.ControlRef, clean(p))
		}
	}
	if !chk.Matches {
		return fmt.Errorf("%s: the selection does not re-perform (%d problems)", chk.ControlRef, len(chk.Problems))
	}
	return nil
}

func runSampleExtendWorkpaper(e *env, args []string) error {
	w := newWPCmd("sample extend", true)
	add := w.fs.Int("add", 0, "number of items to add")
	reason := w.fs.String("reason", "", "why the sample is extended (logged)")
	wp, err := w.open(e, args, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	if *add < 1 {
		return usagef("--add N: the number of items to add, at least 1")
	}
	sel, err := wp.ExtendSample(bg, *w.control, *add, *reason)
	if err != nil {
		return err
	}
	return printSelection(e, wp, sel, *w.json)
}

func runPopulationImport(e *env, args []string) error {
	w := newWPCmd("population import", true)
	sheet := w.fs.String("sheet", "", "worksheet of an .xlsx file (default: the first)")
	headerRow := w.fs.Int("header-row", 0, "row of the headings (default: the first non-blank row)")
	idCol := w.fs.String("id-column", "", "heading (or letter) of the occurrence ID column")
	dateCol := w.fs.String("date-column", "", "heading (or letter) of the occurrence date column")
	replace := w.fs.Bool("replace", false, "replace a population that was already tested (needs --reason)")
	reason := w.fs.String("reason", "", "why the population is replaced (logged)")
	pos, err := parse(e, w.c, w.fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 2, "FILE and SOURCE"); err != nil {
		return err
	}
	if *w.control == "" {
		return usagef("missing --control ID")
	}
	if *replace && strings.TrimSpace(*reason) == "" {
		return usagef("--replace needs --reason TEXT")
	}
	wp, err := openWorkpaper(e, pos[0], *w.user, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	in := model.PopulationImport{ControlRef: *w.control, Path: pos[1], Sheet: *sheet, HeaderRow: *headerRow, IDColumn: *idCol,
		DateColumn: *dateCol, Replace: *replace, Reason: *reason}
	if f, ok := e.stderr.(*os.File); ok && term.IsTerminal(f.Fd()) {
		in.Progress = func(n int) { fmt.Fprintf(e.stderr, "\rimporting… %d rows", n) }
	}
	p, err := wp.ImportPopulation(bg, in)
	if in.Progress != nil {
		fmt.Fprintln(e.stderr)
	}
	if err != nil {
		return err
	}
	return printPopulation(e, wp, p, *w.json, false)
}

func printPopulation(e *env, wp *model.Workpaper, p *model.Population, asJSON, flagged bool) error {
	var rows []model.PopulationRow
	if flagged {
		rows, _ = wp.FlaggedRows(bg, p.UUID, 1000)
	}
	if asJSON {
		out := map[string]any{"control": p.ControlRef, "uuid": p.UUID, "source": p.SourceName, "size": p.SourceSize, "sha256": p.SHA256,
			"format": p.Format, "sheet": p.Sheet, "header_row": p.HeaderRow, "header": p.Header, "id_column": p.IDColumn,
			"date_column": p.DateColumn, "rows": p.Rows, "out_of_period": p.OutOfPeriod, "bad_dates": p.BadDates,
			"duplicate_id_rows": p.Duplicates, "blank_rows": p.BlankRows, "ipe_procedure": p.IPEProcedure, "ipe_result": p.IPEResult,
			"imported_by": p.ImportedBy, "imported_at": p.ImportedAt}
		if flagged {
			fl := []map[string]any{}
			for _, r := range rows {
				fl = append(fl, map[string]any{"position": r.Position, "source_row": r.SourceRow, "id": r.ID, "date": r.Date, "flags": r.Flags})
			}
			out["flagged"] = fl
		}
		return printJSON(e.stdout, out)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	sheet := ""
	if p.Sheet != "" {
		sheet = ", sheet " + clean(p.Sheet)
	}
	fmt.Fprintf(tw, "Control\t%s\nSource\t%s (%s%s, %d bytes, header on row %d)\nSHA-256\t%s\nRows\t%d\n", p.ControlRef, clean(p.SourceName), p.Format, sheet, p.SourceSize, p.HeaderRow, p.SHA256, p.Rows)
	fmt.Fprintf(tw, "ID column\t%s\nDate column\t%s\n", orDash(clean(p.IDColumn)), orDash(clean(p.DateColumn)))
	fmt.Fprintf(tw, "Flags\t%d outside the period, %d unreadable dates, %d rows with a duplicate ID, %d blank rows skipped\n", p.OutOfPeriod, p.BadDates, p.Duplicates, p.BlankRows)
	fmt.Fprintf(tw, "IPE\t%s\n", orDash(clean(strings.TrimSpace(p.IPEProcedure+" → "+p.IPEResult))))
	tw.Flush()
	for _, r := range rows {
		fmt.Fprintf(e.stdout, "  position %d (row %d) %s %s: %s\n", r.Position, r.SourceRow, clean(r.ID), r.Date, strings.Join(r.Flags, ", "))
	}
	if p.OutOfPeriod+p.Duplicates+p.BadDates > 0 && !flagged {
		fmt.Fprintf(e.stdout, "see the flagged rows with: fieldwork population show %s --control %s --flagged\n", wp.Path(), p.ControlRef)
	}
	return nil
}

func runPopulationShow(e *env, args []string) error {
	w := newWPCmd("population show", true)
	flagged := w.fs.Bool("flagged", false, "list the flagged rows")
	wp, err := w.open(e, args, true)
	if err != nil {
		return err
	}
	defer wp.Close()
	p, err := wp.CurrentPopulation(bg, *w.control)
	if err != nil {
		return err
	}
	if p == nil {
		return fmt.Errorf("%s has no population yet: import one with 'fieldwork population import'", *w.control)
	}
	return printPopulation(e, wp, p, *w.json, *flagged)
}

func runPopulationIPE(e *env, args []string) error {
	w := newWPCmd("population ipe", true)
	proc := w.fs.String("procedure", "", "completeness and accuracy procedure performed")
	result := w.fs.String("result", "", "its result")
	wp, err := w.open(e, args, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	if err := wp.SetIPE(bg, *w.control, *proc, *result); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "recorded the IPE procedure for %s\n", *w.control)
	return nil
}

func runAttributeAdd(e *env, args []string) error {
	w := newWPCmd("attribute add", true)
	letter := w.fs.String("letter", "", "letter (default: the next free one)")
	text := w.fs.String("text", "", "what each item is tested for")
	wp, err := w.open(e, args, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	l, err := wp.AddAttribute(bg, *w.control, *letter, *text)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "added attribute %s to %s\n", l, *w.control)
	return nil
}

func runAttributeEdit(e *env, args []string) error {
	w := newWPCmd("attribute edit", true)
	letter := w.fs.String("letter", "", "attribute letter")
	text := w.fs.String("text", "", "new description")
	wp, err := w.open(e, args, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	return wp.EditAttribute(bg, *w.control, *letter, *text, 0)
}

func runAttributeDelete(e *env, args []string) error {
	w := newWPCmd("attribute delete", true)
	letter := w.fs.String("letter", "", "attribute letter")
	wp, err := w.open(e, args, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	return wp.DeleteAttribute(bg, *w.control, *letter)
}

func runProcedureAdd(e *env, args []string) error {
	w := newWPCmd("procedure add", true)
	typ := w.fs.String("type", "", "inquiry, observation, inspection or re-performance")
	text := w.fs.String("text", "", "the procedure")
	wp, err := w.open(e, args, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	k, err := model.ParseProcedureKind(*typ)
	if err != nil {
		return usageError{err.Error()}
	}
	return wp.AddProcedure(bg, *w.control, k, *text)
}

func runDesignSet(e *env, args []string) error {
	w := newWPCmd("design set", true)
	proc := w.fs.String("procedure", "", "test of design procedure")
	result := w.fs.String("result", "", "result")
	concl := w.fs.String("conclusion", "", "suitably-designed or not-suitably-designed")
	wp, err := w.open(e, args, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	return wp.SetDesign(bg, *w.control, 0, model.DesignInput{Procedure: *proc, Result: *result, Conclusion: *concl})
}

func runRiskSet(e *env, args []string) error {
	w := newWPCmd("risk set", true)
	risk := w.fs.String("risk", "", "lower or higher")
	wp, err := w.open(e, args, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	return wp.SetRisk(bg, *w.control, *risk)
}

func runResultSet(e *env, args []string) error {
	w := newWPCmd("result set", true)
	item := w.fs.Int("item", 0, "the item's position in the population")
	attr := w.fs.String("attribute", "", "attribute letter (default: the only one; A is created if none)")
	pass := w.fs.Bool("pass", false, "the attribute is met")
	dev := w.fs.Bool("deviation", false, "a deviation (exception)")
	na := w.fs.Bool("na", false, "not applicable to this item")
	note := w.fs.String("note", "", "note")
	tick := w.fs.String("tickmark", "", "tickmark from the legend")
	evidence := w.fs.String("evidence", "", "evidence reference: a path or location")
	attach := w.fs.Bool("attach", false, "copy the --evidence file into the workpaper with its SHA-256")
	wp, err := w.open(e, args, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	var outcome model.Outcome
	n := 0
	for _, o := range []struct {
		set bool
		v   model.Outcome
	}{{*pass, model.Pass}, {*dev, model.Deviation}, {*na, model.NotApplicable}} {
		if o.set {
			outcome = o.v
			n++
		}
	}
	if n != 1 {
		return usagef("give exactly one of --pass, --deviation or --na")
	}
	if *item < 1 {
		return usagef("--item N: the item's position in the population")
	}
	if *attach && *evidence == "" {
		return usagef("--attach needs --evidence PATH")
	}
	if err := wp.SetResult(bg, model.ResultInput{ControlRef: *w.control, Position: *item, Attribute: *attr, Outcome: outcome,
		Note: *note, Tickmark: *tick, Evidence: *evidence, Attach: *attach}); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s item %d: %s\n", *w.control, *item, outcome)
	if outcome == model.Deviation {
		fmt.Fprintf(e.stdout, "log it: fieldwork exception add %s --control %s --items %d --description TEXT\n", wp.Path(), *w.control, *item)
	}
	return nil
}

func runResults(e *env, args []string) error {
	w := newWPCmd("results", true)
	wp, err := w.open(e, args, true)
	if err != nil {
		return err
	}
	defer wp.Close()
	rs, err := wp.Results(bg, *w.control)
	if err != nil {
		return err
	}
	if *w.json {
		out := []map[string]any{}
		for _, r := range rs {
			out = append(out, map[string]any{"position": r.Position, "attribute": r.Attribute, "outcome": r.Outcome, "note": r.Note,
				"tickmark": r.Tickmark, "evidence": r.Evidence, "evidence_sha256": r.EvidenceHash, "tested_by": r.TestedBy, "tested_at": r.TestedAt, "version": r.Version})
		}
		return printJSON(e.stdout, out)
	}
	for _, r := range rs {
		fmt.Fprintf(e.stdout, "%6d  %-3s %-9s %-4s %s  %s\n", r.Position, r.Attribute, r.Outcome, clean(r.Tickmark), clean(r.Note), clean(r.Evidence))
	}
	return nil
}

func splitComma(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func runExceptionAdd(e *env, args []string) error {
	w := newWPCmd("exception add", true)
	items := w.fs.String("items", "", "positions of the affected items, comma-separated")
	desc := w.fs.String("description", "", "what happened")
	cause := w.fs.String("cause", "", "cause")
	resp := w.fs.String("response", "", "management's response")
	eval := w.fs.String("evaluation", "", "isolated or systemic")
	crit := w.fs.String("criteria", "", "criteria affected")
	wording := w.fs.String("wording", "", "wording for the report's results column")
	wp, err := w.open(e, args, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	pos, err := parsePositions(*items)
	if err != nil {
		return err
	}
	ref, err := wp.AddException(bg, model.ExceptionInput{ControlRef: *w.control, Positions: pos, Description: *desc, Cause: *cause,
		Response: *resp, Evaluation: *eval, CriteriaAffected: splitComma(*crit), ReportWording: *wording})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "logged exception %s on %s\n", ref, *w.control)
	return nil
}

func runExceptionUpdate(e *env, args []string) error {
	w := newWPCmd("exception update", false)
	ref := w.fs.String("ref", "", "exception reference, e.g. EX-01")
	desc := w.fs.String("description", "", "what happened")
	cause := w.fs.String("cause", "", "cause")
	resp := w.fs.String("response", "", "management's response")
	eval := w.fs.String("evaluation", "", "isolated or systemic")
	comp := w.fs.String("compensating", "", "compensating controls considered")
	ext := w.fs.Bool("sample-extended", false, "the sample was extended")
	crit := w.fs.String("criteria", "", "criteria affected")
	wording := w.fs.String("wording", "", "wording for the report")
	rem := w.fs.String("remediation", "", "remediation plan")
	owner := w.fs.String("owner", "", "remediation owner")
	var due dateFlag
	w.fs.Var(&due, "due", "remediation due date")
	retest := w.fs.String("retest", "", "retest result")
	clear := w.fs.String("clear", "", "fields to empty, comma-separated: cause, response, evaluation, compensating, criteria, wording, remediation, owner, due, retest")
	addItems := w.fs.String("add-items", "", "positions of more sample items the exception covers, comma-separated")
	wp, err := w.open(e, args, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	if *ref == "" {
		return usagef("missing --ref EX-NN")
	}
	in := model.ExceptionInput{Description: *desc, Cause: *cause, Response: *resp, Evaluation: *eval, Compensating: *comp,
		CriteriaAffected: splitComma(*crit), ReportWording: *wording, RemediationPlan: *rem, RemediationOwner: *owner,
		RemediationDue: date(due), RetestResult: *retest, Clear: splitComma(*clear)}
	for _, name := range in.Clear {
		if _, ok := model.ExceptionFields[name]; !ok {
			return usagef("--clear: %q cannot be emptied: it is not one of cause, response, evaluation, compensating, criteria, wording, remediation, owner, due, retest", name)
		}
	}
	if *ext {
		in.SampleExtended = ext
	}
	var items []int
	if *addItems != "" {
		if items, err = parsePositions(*addItems); err != nil {
			return err
		}
	}
	edits := in.Description != "" || in.Cause != "" || in.Response != "" || in.Evaluation != "" || in.Compensating != "" ||
		len(in.CriteriaAffected) > 0 || in.ReportWording != "" || in.RemediationPlan != "" || in.RemediationOwner != "" ||
		!in.RemediationDue.IsZero() || in.RetestResult != "" || len(in.Clear) > 0 || in.SampleExtended != nil
	if !edits && len(items) == 0 {
		return usagef("nothing to change: give a field to set, --clear or --add-items")
	}
	if edits {
		if err := wp.UpdateException(bg, *ref, 0, in); err != nil {
			return err
		}
	}
	if len(items) > 0 {
		return wp.AddExceptionItems(bg, *ref, items)
	}
	return nil
}

func runExceptionList(e *env, args []string) error {
	w := newWPCmd("exception list", false)
	wp, err := w.open(e, args, true)
	if err != nil {
		return err
	}
	defer wp.Close()
	xs, err := wp.Exceptions(bg)
	if err != nil {
		return err
	}
	if *w.json {
		out := []map[string]any{}
		for _, x := range xs {
			out = append(out, map[string]any{"ref": x.Ref, "control": x.ControlRef, "wp_ref": x.WPRef, "items": x.Positions,
				"description": x.Description, "cause": x.Cause, "response": x.Response, "evaluation": x.Evaluation,
				"compensating": x.Compensating, "sample_extended": x.SampleExtended, "criteria_affected": nonNil(x.CriteriaAffected),
				"report_wording": x.ReportWording, "remediation_plan": x.RemediationPlan, "remediation_owner": x.RemediationOwner,
				"remediation_due": fmtDate(x.RemediationDue), "retest_result": x.RetestResult})
		}
		return printJSON(e.stdout, out)
	}
	for _, x := range xs {
		fmt.Fprintf(e.stdout, "%s  %-8s items %v  %s  %s\n", x.Ref, x.ControlRef, x.Positions, orDash(x.Evaluation), clean(x.Description))
	}
	return nil
}

func runConclude(e *env, args []string) error {
	w := newWPCmd("conclude", true)
	as := w.fs.String("as", "", "effective, effective-with-exceptions, not-effective, not-tested or not-occurring")
	note := w.fs.String("note", "", "basis for the conclusion")
	wp, err := w.open(e, args, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	c, err := model.ParseConclusion(*as)
	if err != nil {
		return usageError{err.Error()}
	}
	return wp.SetConclusion(bg, *w.control, c, *note, 0)
}

func runEvaluate(e *env, args []string) error {
	w := newWPCmd("evaluate", true)
	wp, err := w.open(e, args, true)
	if err != nil {
		return err
	}
	defer wp.Close()
	ev, err := wp.Evaluate(bg, *w.control)
	if err != nil {
		return err
	}
	if *w.json {
		return printJSON(e.stdout, map[string]any{"control": ev.ControlRef, "wp_ref": ev.WPRef, "state": ev.State, "items": ev.Items,
			"complete": ev.Complete, "deviations": ev.Deviations, "exceptions": ev.Exceptions, "statistical": ev.Statistical,
			"proposed": ev.Proposed, "reason": ev.Reason, "conclusion": ev.Conclusion, "reviewed": ev.Reviewed, "changed_since_review": ev.ChangedSinceReview})
	}
	fmt.Fprintf(e.stdout, "%s (%s): %s\n%d items, %d fully tested, %d with deviations, %d exceptions\nproposed: %s — %s\nrecorded: %s\n",
		ev.ControlRef, ev.WPRef, ev.State, ev.Items, ev.Complete, ev.Deviations, ev.Exceptions, orDash(string(ev.Proposed)), ev.Reason, orDash(string(ev.Conclusion)))
	return nil
}

func runCriterionOverride(e *env, args []string) error {
	w := newWPCmd("criterion override", false)
	id := w.fs.String("criterion", "", "criterion ID, e.g. CC8.1")
	as := w.fs.String("as", "", "met, not-met, or clear to remove the override")
	reason := w.fs.String("reason", "", "the written reason (required)")
	wp, err := w.open(e, args, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	status := model.CriterionStatus(*as)
	if *as == "clear" {
		status = ""
	}
	return wp.OverrideCriterion(bg, *id, status, *reason)
}

func runSignoff(e *env, args []string) error {
	w := newWPCmd("signoff", true)
	as := w.fs.String("as", "", "preparer or reviewer")
	wp, err := w.open(e, args, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	if err := wp.SignOffAs(bg, *w.control, model.Role(*as)); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s signed off as %s by %s\n", *w.control, *as, wp.User())
	return nil
}

func runNoteAdd(e *env, args []string) error {
	w := newWPCmd("note add", false)
	ctl := w.fs.String("control", "", "control ID")
	exc := w.fs.String("exception", "", "exception reference")
	eng := w.fs.Bool("engagement", false, "a note on the engagement as a whole")
	text := w.fs.String("text", "", "the note")
	assignee := w.fs.String("assignee", "", "who must clear it")
	wp, err := w.open(e, args, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	kind, target := "", ""
	switch {
	case *ctl != "" && *exc == "" && !*eng:
		kind, target = "control", *ctl
	case *exc != "" && *ctl == "" && !*eng:
		kind, target = "exception", *exc
	case *eng && *ctl == "" && *exc == "":
		kind = "engagement"
	default:
		return usagef("put the note on one of --control ID, --exception REF or --engagement")
	}
	ref, err := wp.AddNote(bg, kind, target, *text, *assignee)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "opened review note %s\n", ref)
	return nil
}

func runNoteRespond(e *env, args []string) error {
	w := newWPCmd("note respond", false)
	ref := w.fs.String("ref", "", "review note reference")
	text := w.fs.String("text", "", "the response")
	wp, err := w.open(e, args, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	return wp.RespondNote(bg, *ref, *text)
}

func runNoteClear(e *env, args []string) error {
	w := newWPCmd("note clear", false)
	ref := w.fs.String("ref", "", "review note reference")
	wp, err := w.open(e, args, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	return wp.ClearNote(bg, *ref)
}

func runNoteList(e *env, args []string) error {
	w := newWPCmd("note list", false)
	state := w.fs.String("state", "", "open, responded or cleared")
	wp, err := w.open(e, args, true)
	if err != nil {
		return err
	}
	defer wp.Close()
	notes, err := wp.Notes(bg, model.NoteState(*state))
	if err != nil {
		return err
	}
	if *w.json {
		out := []map[string]any{}
		for _, n := range notes {
			out = append(out, map[string]any{"ref": n.Ref, "on": n.TargetKind, "target": n.TargetRef, "text": n.Text, "assignee": n.Assignee,
				"state": n.State, "response": n.Response, "responded_by": n.RespondedBy, "cleared_by": n.ClearedBy, "created_by": n.CreatedBy, "created_at": n.CreatedAt})
		}
		return printJSON(e.stdout, out)
	}
	for _, n := range notes {
		fmt.Fprintf(e.stdout, "%s  %-9s %-10s %-8s %s\n", n.Ref, n.State, n.TargetKind, clean(n.TargetRef), clean(n.Text))
	}
	return nil
}

func runPBCAdd(e *env, args []string) error {
	w := newWPCmd("pbc add", false)
	item := w.fs.String("item", "", "what the client must provide")
	ctl := w.fs.String("control", "", "control it supports")
	var req, due dateFlag
	w.fs.Var(&req, "requested", "date requested")
	w.fs.Var(&due, "due", "date due")
	wp, err := w.open(e, args, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	ref, err := wp.AddPBC(bg, model.PBCRequest{Item: *item, ControlRef: *ctl, RequestedOn: date(req), DueOn: date(due)})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "added request %s\n", ref)
	return nil
}

func runPBCUpdate(e *env, args []string) error {
	w := newWPCmd("pbc update", false)
	ref := w.fs.String("ref", "", "request reference")
	status := w.fs.String("status", "", "requested, received, accepted or rejected")
	file := w.fs.String("file", "", "the file received (hashed, name recorded)")
	note := w.fs.String("note", "", "note")
	wp, err := w.open(e, args, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	return wp.UpdatePBC(bg, *ref, model.PBCStatus(*status), *file, *note)
}

func runPBCList(e *env, args []string) error {
	w := newWPCmd("pbc list", false)
	outstanding := w.fs.Bool("outstanding", false, "only items the client still owes")
	wp, err := w.open(e, args, true)
	if err != nil {
		return err
	}
	defer wp.Close()
	reqs, err := wp.PBCRequests(bg)
	if err != nil {
		return err
	}
	out := []map[string]any{}
	for _, p := range reqs {
		if *outstanding && !p.Outstanding() {
			continue
		}
		if *w.json {
			out = append(out, map[string]any{"ref": p.Ref, "item": p.Item, "control": p.ControlRef, "requested": fmtDate(p.RequestedOn),
				"due": fmtDate(p.DueOn), "status": p.Status, "received_name": p.ReceivedName, "received_sha256": p.ReceivedSHA256, "note": p.Note})
			continue
		}
		fmt.Fprintf(e.stdout, "%s  %-9s due %-10s %-8s %s\n", p.Ref, p.Status, orDash(fmtDate(p.DueOn)), p.ControlRef, clean(p.Item))
	}
	if *w.json {
		return printJSON(e.stdout, out)
	}
	return nil
}

func runInterviewAdd(e *env, args []string) error {
	w := newWPCmd("interview add", false)
	person := w.fs.String("person", "", "who was interviewed")
	role := w.fs.String("role", "", "their role")
	var on dateFlag
	w.fs.Var(&on, "date", "date held")
	summary := w.fs.String("summary", "", "summary")
	ctls := w.fs.String("controls", "", "controls it supports, comma-separated")
	by := w.fs.String("by", "", "interviewer (default: the user)")
	wp, err := w.open(e, args, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	return wp.AddInterview(bg, model.Interview{Person: *person, Role: *role, HeldOn: date(on), HeldBy: *by, Summary: *summary, Controls: splitComma(*ctls)})
}

func runInterviewList(e *env, args []string) error {
	w := newWPCmd("interview list", false)
	wp, err := w.open(e, args, true)
	if err != nil {
		return err
	}
	defer wp.Close()
	ivs, err := wp.Interviews(bg)
	if err != nil {
		return err
	}
	if *w.json {
		out := []map[string]any{}
		for _, iv := range ivs {
			out = append(out, map[string]any{"person": iv.Person, "role": iv.Role, "date": fmtDate(iv.HeldOn), "by": iv.HeldBy, "summary": iv.Summary, "controls": nonNil(iv.Controls)})
		}
		return printJSON(e.stdout, out)
	}
	for _, iv := range ivs {
		fmt.Fprintf(e.stdout, "%s  %s (%s) by %s: %s [%s]\n", fmtDate(iv.HeldOn), clean(iv.Person), clean(iv.Role), clean(iv.HeldBy), clean(iv.Summary), strings.Join(iv.Controls, ", "))
	}
	return nil
}

func runTickmarkSet(e *env, args []string) error {
	w := newWPCmd("tickmark set", false)
	sym := w.fs.String("symbol", "", "symbol, up to 4 characters")
	meaning := w.fs.String("meaning", "", "what it means")
	wp, err := w.open(e, args, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	return wp.SetTickmark(bg, *sym, *meaning)
}

func runTickmarkList(e *env, args []string) error {
	w := newWPCmd("tickmark list", false)
	wp, err := w.open(e, args, true)
	if err != nil {
		return err
	}
	defer wp.Close()
	tms, err := wp.Tickmarks(bg)
	if err != nil {
		return err
	}
	if *w.json {
		out := []map[string]string{}
		for _, t := range tms {
			out = append(out, map[string]string{"symbol": t.Symbol, "meaning": t.Meaning})
		}
		return printJSON(e.stdout, out)
	}
	for _, t := range tms {
		fmt.Fprintf(e.stdout, "%-4s %s\n", clean(t.Symbol), clean(t.Meaning))
	}
	return nil
}

func runStatus(e *env, args []string) error {
	w := newWPCmd("status", false)
	wp, err := w.open(e, args, true)
	if err != nil {
		return err
	}
	defer wp.Close()
	st, err := wp.Status(bg)
	if err != nil {
		return err
	}
	if *w.json {
		return printJSON(e.stdout, st)
	}
	fmt.Fprintf(e.stdout, "%d controls: %d not started, %d in progress, %d tested, %d reviewed\n", st.Controls,
		st.ByState[model.StateNotStarted], st.ByState[model.StateInProgress], st.ByState[model.StateTested], st.ByState[model.StateReviewed])
	fmt.Fprintf(e.stdout, "%d items with deviations, %d exceptions logged\n", st.Deviations, st.Exceptions)
	fmt.Fprintf(e.stdout, "review notes: %d open, %d responded\n", st.OpenNotes, st.RespondedNotes)
	fmt.Fprintf(e.stdout, "client requests outstanding: %d\n", st.OutstandingPBC)
	if len(st.ChangedSince) > 0 {
		fmt.Fprintf(e.stdout, "changed since review: %s\n", strings.Join(st.ChangedSince, ", "))
	}
	if len(st.Gaps) > 0 {
		fmt.Fprintf(e.stdout, "coverage gaps: %s\n", strings.Join(st.Gaps, ", "))
	}
	for _, c := range st.CriteriaAtRisk {
		fmt.Fprintf(e.stdout, "criterion %s %s: %s\n", c.Ref, c.Status, clean(c.Reason))
	}
	return nil
}

func runLog(e *env, args []string) error {
	w := newWPCmd("log", false)
	ctl := w.fs.String("control", "", "only this control's workpaper")
	limit := w.fs.Int("limit", 0, "at most N entries (the first N)")
	wp, err := w.open(e, args, true)
	if err != nil {
		return err
	}
	defer wp.Close()
	trail, err := wp.Trail(bg, model.TrailFilter{ControlRef: *ctl, Limit: *limit})
	if err != nil {
		return err
	}
	if *w.json {
		if trail == nil {
			trail = []model.Change{}
		}
		return printJSON(e.stdout, trail)
	}
	for _, c := range trail {
		what := c.Note
		if c.Op == "update" {
			what = fmt.Sprintf("%s: %s → %s", c.Field, quoteOpt(c.Old), quoteOpt(c.New))
		}
		fmt.Fprintf(e.stdout, "%6d %s %-12s %-7s %-18s %s\n", c.Seq, c.At.Format("2006-01-02 15:04:05"), truncate(clean(c.User), 12), c.Op, c.Table, truncate(clean(what), 90))
	}
	return nil
}

func quoteOpt(s *string) string {
	if s == nil {
		return "∅"
	}
	return strconv.Quote(*s)
}

func runVerify(e *env, args []string) error {
	w := newWPCmd("verify", false)
	head := w.fs.String("head", "", "a trail head quoted elsewhere (SEQ:HASH): check that the file still holds that history")
	wp, err := w.open(e, args, true)
	if err != nil {
		return err
	}
	defer wp.Close()
	var opt model.VerifyOptions
	if *head != "" {
		h, err := model.ParseHead(*head)
		if err != nil {
			return usagef("--head: %v", err)
		}
		opt.Heads = append(opt.Heads, h)
	}
	r, err := wp.Verify(bg, opt)
	if err != nil {
		return err
	}
	if *w.json {
		if err := printJSON(e.stdout, r); err != nil {
			return err
		}
	} else {
		printVerify(e, r)
	}
	if !r.OK {
		return fmt.Errorf("%s: %w", wp.Path(), errVerifyFailed)
	}
	return nil
}

func okOr(problems []string) string {
	if len(problems) == 0 {
		return "ok"
	}
	return "FAILED\n  " + clean(strings.Join(problems, "\n  "))
}

func init() {
	register(&command{name: "frequency-table", args: "FILE [--json]", summary: "print the engagement's frequency-based sample sizes (the firm default unless overridden)", run: runFrequencyTable})
	register(&command{name: "frequency-table set", args: "FILE TABLE.json", summary: "override the frequency-based sizes for this engagement (JSON as printed by --json)", run: runFrequencyTableSet})
}

func runFrequencyTable(e *env, args []string) error {
	w := newWPCmd("frequency-table", false)
	wp, err := w.open(e, args, true)
	if err != nil {
		return err
	}
	defer wp.Close()
	t, err := wp.FrequencyTable(bg)
	if err != nil {
		return err
	}
	if *w.json {
		return printJSON(e.stdout, t)
	}
	fmt.Fprintf(e.stdout, "%-16s %6s %7s\n", "FREQUENCY", "LOWER", "HIGHER")
	for _, f := range sampling.Frequencies {
		if r, ok := t.Sizes[f]; ok {
			fmt.Fprintf(e.stdout, "%-16s %6d %7d\n", f, r.Lower, r.Higher)
		}
	}
	fmt.Fprintln(e.stdout, "\nad-hoc (event-driven), by population (0 = every item):")
	for _, b := range t.AdHoc {
		fmt.Fprintf(e.stdout, "  N ≥ %-6d %6d %7d\n", b.MinPopulation, b.Lower, b.Higher)
	}
	return nil
}

func runFrequencyTableSet(e *env, args []string) error {
	w := newWPCmd("frequency-table set", false)
	pos, err := parse(e, w.c, w.fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 2, "FILE and TABLE.json"); err != nil {
		return err
	}
	raw, err := os.ReadFile(pos[1])
	if err != nil {
		return err
	}
	var t sampling.FrequencyTable
	if err := json.Unmarshal(raw, &t); err != nil {
		return fmt.Errorf("%s: not a frequency table (%v); start from 'fieldwork frequency-table FILE --json'", pos[1], err)
	}
	wp, err := openWorkpaper(e, pos[0], *w.user, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	if err := wp.SetFrequencyTable(bg, t); err != nil {
		return fmt.Errorf("%s: %w", pos[1], err)
	}
	fmt.Fprintln(e.stdout, "frequency table set for this engagement")
	return nil
}
