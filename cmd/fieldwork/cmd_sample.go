package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/fieldwork-audit/fieldwork/sampling"
)

// The stand-alone sampling commands: sizes, evaluation, tables and draws
// without a workpaper. Every command takes --json; the JSON shapes are
// documented in docs/sampling.md.

// sampleFirstPositional reports whether args hold a positional argument
// (a workpaper FILE), skipping flags and the values of the value-taking
// flags named in valueFlags. A flag this mode does not know belongs to the
// workpaper mode; it is taken to have a value unless written --flag=value
// or followed by another flag.
func sampleFirstPositional(args []string, valueFlags, boolFlags string) bool {
	values := strings.Fields(valueFlags)
	bools := strings.Fields(boolFlags)
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return i+1 < len(args)
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			return true
		}
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") || slices.Contains(bools, name) {
			continue
		}
		if slices.Contains(values, name) || i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
			i++
		}
	}
	return false
}

// sampleSetFlags returns the names of the flags given on the command line.
func sampleSetFlags(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}

// sampleRate parses a rate flag; a bad value is a usage error naming the flag.
func sampleRate(name, v string) (sampling.Rate, error) {
	r, err := sampling.ParseRate(v)
	if err != nil {
		return 0, usagef("--%s: %v", name, err)
	}
	return r, nil
}

// sampleConfidence parses --confidence and checks it lies strictly
// between 0% and 100%.
func sampleConfidence(v string) (sampling.Rate, error) {
	if v == "" {
		return 0, usagef("missing --confidence (e.g. 95, 95%% or 0.95)")
	}
	r, err := sampleRate("confidence", v)
	if err != nil {
		return 0, err
	}
	if r <= 0 || r >= 100*sampling.OnePercent {
		return 0, usagef("--confidence %s: must be above 0%% and below 100%% (e.g. 95 or 90)", r)
	}
	return r, nil
}

// fractionHint explains how a bare number below 1 was read, for messages
// about rates that came out larger than intended.
func fractionHint(v string, r sampling.Rate) string {
	v = strings.TrimSpace(v)
	if strings.HasSuffix(v, "%") || r >= sampling.OnePercent*100 {
		return ""
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil && f > 0 && f < 1 {
		return fmt.Sprintf(" (%s is read as a fraction, %s; write %s%% for %s percent)", v, r, v, v)
	}
	return ""
}

// sampleFractionNote warns on stderr when a bare number below 1 was read
// as a fraction and gave a rate above 20%, the largest tolerable rate the
// AICPA tables know: "--expected 0.5" is 50%, which is rarely what was meant.
func sampleFractionNote(e *env, name, v string, r sampling.Rate) {
	if r > 20*sampling.OnePercent && fractionHint(v, r) != "" {
		fmt.Fprintf(e.stderr, "fieldwork: note: --%s %s%s\n", name, strings.TrimSpace(v), fractionHint(v, r))
	}
}

func samplePct(x float64) string {
	return strconv.FormatFloat(100*x, 'f', 2, 64) + "%"
}

// sampleKV prints aligned "label  value" lines.
type sampleKV struct {
	w     io.Writer
	width int
}

func (k sampleKV) line(label, format string, a ...any) {
	fmt.Fprintf(k.w, "  %-*s %s\n", k.width, label, fmt.Sprintf(format, a...))
}

func runSampleSize(e *env, args []string) error {
	c := commands["sample size"]
	fs := flags(c)
	conf := fs.String("confidence", "", "confidence level, 1 − risk of overreliance: 95, 95% or 0.95")
	tol := fs.String("tolerable", "", "tolerable deviation rate: 5, 5% or 0.05")
	exp := fs.String("expected", "0", "expected deviation rate")
	pop := fs.Int("population", 0, "population size N (0: unknown, treated as infinite)")
	mod := fs.String("model", "binomial", "binomial, poisson or hypergeometric (needs --population)")
	freq := fs.String("frequency", "", "size by control frequency instead: annual, semi-annual, quarterly, monthly, weekly, daily, multiple-daily, ad-hoc, continuous")
	risk := fs.String("risk", "lower", "with --frequency: lower or higher (a prior-period deviation is higher)")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parse(e, c, fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 0, ""); err != nil {
		return err
	}
	set := sampleSetFlags(fs)
	if *pop < 0 {
		return usagef("--population %d: must not be negative", *pop)
	}
	if set["frequency"] {
		for _, f := range []string{"confidence", "tolerable", "expected", "model"} {
			if set[f] {
				return usagef("--frequency sizes a sample by control frequency; it does not combine with --%s", f)
			}
		}
		return sampleSizeByFrequency(e, *freq, *risk, *pop, *asJSON)
	}
	if set["risk"] {
		return usagef("--risk goes with --frequency")
	}
	if !set["confidence"] && !set["tolerable"] {
		return usagef("give --confidence and --tolerable for a statistical size, or --frequency")
	}
	p := sampling.Plan{Population: *pop}
	if p.Confidence, err = sampleConfidence(*conf); err != nil {
		return err
	}
	if *tol == "" {
		return usagef("missing --tolerable (e.g. 5, 5%% or 0.05)")
	}
	if p.Tolerable, err = sampleRate("tolerable", *tol); err != nil {
		return err
	}
	if p.Expected, err = sampleRate("expected", *exp); err != nil {
		return err
	}
	if p.Model, err = sampling.ParseModel(*mod); err != nil {
		return usagef("--model: %v", err)
	}
	sampleFractionNote(e, "tolerable", *tol, p.Tolerable)
	sampleFractionNote(e, "expected", *exp, p.Expected)
	switch {
	case p.Tolerable <= 0 || p.Tolerable >= 100*sampling.OnePercent:
		return usagef("--tolerable %s: must be above 0%% and below 100%%%s", p.Tolerable, fractionHint(*tol, p.Tolerable))
	case p.Expected >= p.Tolerable:
		return usagef("--expected %s must be below --tolerable %s%s", p.Expected, p.Tolerable, fractionHint(*exp, p.Expected))
	case p.Model == sampling.Hypergeometric && p.Population == 0:
		return usagef("--model hypergeometric needs --population N")
	}
	s, err := sampling.SampleSize(p)
	if errors.Is(err, sampling.ErrTooLarge) {
		return err
	}
	if err != nil {
		return usagef("%v", err)
	}
	if *asJSON {
		return printJSON(e.stdout, struct {
			Kind string `json:"kind"`
			sampling.Size
		}{"statistical", s})
	}
	w := e.stdout
	fmt.Fprintf(w, "Statistical sample size for a test of controls (attribute sampling, %s model)\n", s.Model)
	k := sampleKV{w, 26}
	k.line("confidence", "%s (risk of overreliance %s)", s.Confidence, 100*sampling.OnePercent-s.Confidence)
	k.line("tolerable deviation rate", "%s", s.Tolerable)
	k.line("expected deviation rate", "%s", s.Expected)
	if s.Population > 0 {
		k.line("population", "%d", s.Population)
	} else {
		k.line("population", "not given (treated as infinite)")
	}
	if s.Model == sampling.Hypergeometric {
		k.line("tolerable deviations K", "%d = ceil(%s × %d) in the population", s.TolerableDeviations, s.Tolerable, s.Population)
	}
	if s.TestAll {
		k.line("sample size", "%d: test every item (the population is no larger than the sample)", s.SampleSize)
		k.line("deviations allowed", "%d (ceil(%d × %s))", s.ExpectedDeviations, s.SampleSize, s.Expected)
		return nil
	}
	k.line("sample size", "%d", s.SampleSize)
	k.line("deviations allowed", "%d (= ceil(%d × %s); more means not supported)", s.ExpectedDeviations, s.SampleSize, s.Expected)
	k.line("achieved upper limit", "%s with %d deviation(s) found", samplePct(s.UpperLimit), s.ExpectedDeviations)
	k.line("achieved risk", "%s (at most %s)", samplePct(s.AchievedRisk), 100*sampling.OnePercent-s.Confidence)
	return nil
}

func sampleSizeByFrequency(e *env, freq, risk string, pop int, asJSON bool) error {
	f, err := sampling.ParseFrequency(freq)
	if err != nil {
		return usagef("--frequency: %v", err)
	}
	r, err := sampling.ParseRisk(risk)
	if err != nil {
		return usagef("--risk: %v", err)
	}
	s, err := sampling.DefaultFrequencyTable().Size(f, r, pop)
	if err != nil {
		return usagef("%v", err)
	}
	if asJSON {
		return printJSON(e.stdout, struct {
			Kind string `json:"kind"`
			sampling.FrequencySize
		}{"frequency", s})
	}
	w := e.stdout
	fmt.Fprintln(w, "Nonstatistical sample size by control frequency")
	k := sampleKV{w, 12}
	k.line("frequency", "%s", s.Frequency)
	k.line("risk", "%s", s.Risk)
	if s.Population > 0 {
		k.line("population", "%d", s.Population)
	} else {
		k.line("population", "not given")
	}
	if s.TestAll {
		k.line("sample size", "%d: test every item", s.SampleSize)
	} else {
		k.line("sample size", "%d", s.SampleSize)
	}
	k.line("rule", "%s", s.Rule)
	if s.Note != "" {
		k.line("note", "%s", s.Note)
	}
	return nil
}

func runSampleEvaluate(e *env, args []string) error {
	c := commands["sample evaluate"]
	fs := flags(c)
	size := fs.Int("size", 0, "number of items tested, n")
	devs := fs.Int("deviations", 0, "number of items with a deviation, k")
	conf := fs.String("confidence", "", "confidence level: 95, 95% or 0.95")
	tol := fs.String("tolerable", "", "tolerable deviation rate, for a conclusion")
	pop := fs.Int("population", 0, "population size N (0: unknown)")
	mod := fs.String("model", "binomial", "binomial, poisson or hypergeometric (needs --population)")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parse(e, c, fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 0, ""); err != nil {
		return err
	}
	set := sampleSetFlags(fs)
	switch {
	case !set["size"]:
		return usagef("missing --size (the number of items tested)")
	case !set["deviations"]:
		return usagef("missing --deviations (0 when none were found)")
	case *size < 1:
		return usagef("--size %d: must be at least 1", *size)
	case *devs < 0:
		return usagef("--deviations %d: must not be negative", *devs)
	case *devs > *size:
		return usagef("--deviations %d exceeds --size %d", *devs, *size)
	case *pop < 0:
		return usagef("--population %d: must not be negative", *pop)
	case *pop > 0 && *size > *pop:
		return usagef("--size %d exceeds --population %d", *size, *pop)
	}
	s := sampling.Sample{Size: *size, Deviations: *devs, Population: *pop}
	if s.Confidence, err = sampleConfidence(*conf); err != nil {
		return err
	}
	if set["tolerable"] {
		if s.Tolerable, err = sampleRate("tolerable", *tol); err != nil {
			return err
		}
		sampleFractionNote(e, "tolerable", *tol, s.Tolerable)
		if s.Tolerable <= 0 || s.Tolerable >= 100*sampling.OnePercent {
			return usagef("--tolerable %s: must be above 0%% and below 100%%%s", s.Tolerable, fractionHint(*tol, s.Tolerable))
		}
	}
	if s.Model, err = sampling.ParseModel(*mod); err != nil {
		return usagef("--model: %v", err)
	}
	if s.Model == sampling.Hypergeometric && s.Population == 0 {
		return usagef("--model hypergeometric needs --population N")
	}
	ev, err := sampling.Evaluate(s)
	if err != nil {
		return usagef("%v", err)
	}
	if *asJSON {
		return printJSON(e.stdout, ev)
	}
	w := e.stdout
	fmt.Fprintf(w, "Evaluation of a test of controls (%s model, %s confidence)\n", ev.Model, ev.Confidence)
	k := sampleKV{w, 28}
	k.line("sample size", "%d", ev.Size)
	k.line("deviations found", "%d", ev.Deviations)
	if ev.Population > 0 {
		k.line("population", "%d", ev.Population)
	}
	k.line("sample deviation rate", "%s", samplePct(ev.SampleRate))
	switch {
	case ev.WholePopulation:
		k.line("upper deviation limit", "%s (every item tested: no sampling risk)", samplePct(ev.UpperLimit))
	case ev.Model == sampling.Hypergeometric:
		k.line("upper deviation limit", "%s (%d deviations in %d; %.1f%% rounded up)", samplePct(ev.UpperLimit), ev.PopulationDeviations, ev.Population, ev.UpperLimitPercent)
	default:
		k.line("upper deviation limit", "%s (%.1f%% rounded up)", samplePct(ev.UpperLimit), ev.UpperLimitPercent)
	}
	k.line("allowance for sampling risk", "%s", samplePct(ev.Allowance))
	if ev.Conclusion == "" {
		k.line("conclusion", "none (give --tolerable)")
		return nil
	}
	k.line("tolerable deviation rate", "%s", ev.Tolerable)
	if ev.Conclusion == sampling.Supported {
		k.line("conclusion", "supported: the upper limit does not exceed the tolerable rate")
	} else {
		k.line("conclusion", "NOT supported: the upper limit exceeds the tolerable rate")
	}
	return nil
}

func runSampleDraw(e *env, args []string) error {
	if sampleFirstPositional(args, "population size method seed positions sha256", "json help h") {
		return runSampleDrawWorkpaper(e, args)
	}
	c := commands["sample draw"]
	fs := flags(c)
	pop := fs.Int("population", 0, "population size N; items are positions 1…N in the imported order")
	size := fs.Int("size", 0, "sample size n (not with --method all or judgmental)")
	method := fs.String("method", "random", "random, systematic, all or judgmental")
	seedFlag := fs.String("seed", "", "seed (0 to 18446744073709551615); default: a fresh random seed, shown in the record")
	positions := fs.String("positions", "", "judgmental picks: positions separated by commas, in the order picked")
	sha := fs.String("sha256", "", "SHA-256 of the population file, recorded in the record")
	asJSON := fs.Bool("json", false, "print the selection record as JSON")
	pos, err := parse(e, c, fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 0, ""); err != nil {
		return err
	}
	set := sampleSetFlags(fs)
	m, err := sampling.ParseMethod(*method)
	if err != nil {
		return usagef("--method: %v", err)
	}
	req := sampling.Request{Method: m, Population: *pop, Size: *size, PopulationSHA256: *sha}
	switch {
	case !set["population"]:
		return usagef("missing --population N")
	case *pop < 1:
		return usagef("--population %d: must be at least 1", *pop)
	case (m == sampling.Random || m == sampling.Systematic) && !set["size"]:
		return usagef("missing --size n")
	case (m == sampling.Random || m == sampling.Systematic) && *size < 1:
		return usagef("--size %d: must be at least 1", *size)
	case (m == sampling.Random || m == sampling.Systematic) && *size > *pop:
		return usagef("--size %d exceeds --population %d (use --method all to test every item)", *size, *pop)
	case m == sampling.AllItems && set["size"] && *size != *pop:
		return usagef("--method all selects all %d items; drop --size", *pop)
	case m == sampling.Judgmental && !set["positions"]:
		return usagef("--method judgmental needs --positions (e.g. 3,17,40)")
	case m != sampling.Judgmental && set["positions"]:
		return usagef("--positions goes with --method judgmental")
	}
	if m == sampling.Judgmental {
		for _, f := range strings.Split(*positions, ",") {
			p, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil {
				return usagef("--positions: %q is not a position", strings.TrimSpace(f))
			}
			req.Positions = append(req.Positions, p)
		}
		if set["size"] && *size != len(req.Positions) {
			return usagef("--size %d but %d positions picked", *size, len(req.Positions))
		}
	}
	fresh := false
	if m == sampling.Random || m == sampling.Systematic {
		if set["seed"] {
			if req.Seed, err = parseSeed(*seedFlag); err != nil {
				return err
			}
		} else {
			req.Seed, fresh = sampling.NewSeed(), true
		}
	} else if set["seed"] {
		return usagef("--seed goes with --method random or systematic")
	}
	rec, err := sampling.Select(req)
	if err != nil {
		return usagef("%v", err)
	}
	if fresh {
		fmt.Fprintf(e.stderr, "fieldwork sample draw: seed %d drawn at random; it is in the record: keep it to re-perform the selection\n", rec.Seed)
	}
	if *asJSON {
		return printJSON(e.stdout, rec)
	}
	printSelectionRecord(e.stdout, rec)
	return nil
}

// printSelectionRecord prints a selection record for a person to read and
// re-perform.
func printSelectionRecord(w io.Writer, r sampling.SelectionRecord) {
	fmt.Fprintln(w, "Selection record")
	k := sampleKV{w, 18}
	k.line("method", "%s", r.Method)
	k.line("algorithm", "%s", r.Algorithm)
	if r.Method == sampling.Random || r.Method == sampling.Systematic {
		k.line("seed", "%d", r.Seed)
	}
	k.line("population", "%d", r.Population)
	k.line("sample size", "%d", r.Size)
	if r.PopulationSHA256 != "" {
		k.line("population sha256", "%s", r.PopulationSHA256)
	} else {
		k.line("population sha256", "(not given)")
	}
	if r.Method == sampling.Systematic {
		k.line("interval", "%d (floor(%d / %d))", r.Interval, r.Population, r.Size)
		k.line("start", "%d (then add %d each time; past %d, subtract %d)", r.Start, r.Interval, r.Population, r.Population)
	}
	order := "positions in draw order"
	if r.Method == sampling.Judgmental {
		order = "positions in the order picked"
	}
	printPositions(w, order, r.Positions)
	printPositions(w, "positions sorted", r.Sorted)
	for i, x := range r.Extensions {
		printPositions(w, fmt.Sprintf("extension %d (%d added) in draw order", i+1, x.Added), x.Positions)
	}
}

// printPositions prints positions ten to a line, right-aligned.
func printPositions(w io.Writer, title string, pos []int) {
	fmt.Fprintf(w, "%s:\n", title)
	width := 1
	for _, p := range pos {
		width = max(width, len(strconv.Itoa(p)))
	}
	for i := 0; i < len(pos); i += 10 {
		var b strings.Builder
		for _, p := range pos[i:min(i+10, len(pos))] {
			fmt.Fprintf(&b, " %*d", width+1, p)
		}
		fmt.Fprintln(w, b.String())
	}
}

func runSampleTable(e *env, args []string) error {
	c := commands["sample table"]
	fs := flags(c)
	conf := fs.String("confidence", "", "confidence level: 95, 95% or 0.95 (the guide tabulates 95 and 90)")
	mod := fs.String("model", "binomial", "binomial (the AICPA tables), poisson or hypergeometric (needs --population)")
	pop := fs.Int("population", 0, "population size N for the hypergeometric model")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parse(e, c, fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 0, ""); err != nil {
		return err
	}
	confidence, err := sampleConfidence(*conf)
	if err != nil {
		return err
	}
	m, err := sampling.ParseModel(*mod)
	if err != nil {
		return usagef("--model: %v", err)
	}
	if *pop < 0 {
		return usagef("--population %d: must not be negative", *pop)
	}
	if m == sampling.Hypergeometric && *pop == 0 {
		return usagef("--model hypergeometric needs --population N")
	}
	tab, err := sampling.Table(confidence, m, *pop)
	if err != nil {
		return usagef("%v", err)
	}
	if *asJSON {
		return printJSON(e.stdout, tab)
	}
	w := e.stdout
	fmt.Fprintf(w, "Statistical sample sizes for tests of controls: %s confidence (%s risk of overreliance), %s model",
		tab.Confidence, 100*sampling.OnePercent-tab.Confidence, tab.Model)
	if tab.Population > 0 {
		fmt.Fprintf(w, ", population %d", tab.Population)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Sample size n and, in parentheses, the number of expected deviations k = ceil(n × expected rate).")
	fmt.Fprintln(w)
	cells := make([][]string, len(tab.Rows))
	cw := 8
	for i, row := range tab.Rows {
		for _, cell := range row.Cells {
			s := "*"
			if !cell.Omitted {
				s = fmt.Sprintf("%d (%d)", cell.SampleSize, cell.ExpectedDeviations)
			}
			cells[i] = append(cells[i], s)
			cw = max(cw, len(s)+1)
		}
	}
	fmt.Fprintf(w, "%-9s %s\n", "Expected", "Tolerable deviation rate")
	fmt.Fprintf(w, "%-9s", "rate")
	for _, t := range tab.Tolerable {
		fmt.Fprintf(w, "%*s", cw, t.String())
	}
	fmt.Fprintln(w)
	for i, row := range tab.Rows {
		fmt.Fprintf(w, "%-9s", strconv.FormatFloat(row.Expected.Percent(), 'f', 2, 64)+"%")
		for _, s := range cells[i] {
			fmt.Fprintf(w, "%*s", cw, s)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "\n* left out, as in the guide: the sample would exceed %d items or the expected rate is not below the tolerable rate.\n", sampling.TableMaxSize)
	if m == sampling.Binomial && (confidence == 95*sampling.OnePercent || confidence == 90*sampling.OnePercent) {
		fmt.Fprintln(w, "Matches the AICPA Audit Guide Audit Sampling (2017), Appendix A, except at 90%: 7% tolerable, 3.25% and 3.50% expected,")
		fmt.Fprintln(w, "where the guide prints 112 and the exact computation gives 113 (at 112 the upper limit is 7.01%).")
	}
	return nil
}

// parseSeed reads --seed: a whole number that fits in 64 bits.
func parseSeed(v string) (uint64, error) {
	s, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return 0, usagef("--seed %q: must be a whole number from 0 to 18446744073709551615", v)
	}
	return s, nil
}
