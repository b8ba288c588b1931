package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"sort"
	"strings"

	"github.com/fieldwork-audit/fieldwork/model"
)

// Exit statuses, as the README documents them.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

// env is what every command runs against: its streams and the acting user.
// Tests build one with buffers instead of the process's files.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	// user is the --user flag value when given globally; commands resolve
	// the final name with resolveUser.
	user string
	// getenv is os.Getenv in production; tests substitute it.
	getenv func(string) string
}

// command is one verb of the CLI. Sub-verbs (e.g. "controls import") are
// registered under their full name with a space.
type command struct {
	name    string
	args    string // synopsis after the name, e.g. "FILE --client NAME ..."
	summary string
	run     func(e *env, args []string) error
}

func register(c *command) {
	if _, dup := commands[c.name]; dup {
		panic("duplicate command " + c.name)
	}
	commands[c.name] = c
}

// usageError is a mistake in how the command was called: exit status 2.
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

// errHelpShown means --help was answered; the command exits 0.
var errHelpShown = errors.New("help shown")

// run dispatches args (without the program name) and returns the exit status.
func run(args []string, e *env) int {
	if e.getenv == nil {
		e.getenv = os.Getenv
	}
	// Every line printed goes through one sanitizer (output.go).
	e.stdout, e.stderr = safe(e.stdout), safe(e.stderr)
	// Global flags may stand before the verb.
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		switch a := args[0]; {
		case a == "--version" || a == "-version" || a == "-v":
			fmt.Fprintf(e.stdout, "fieldwork %s\n", version)
			return exitOK
		case a == "--help" || a == "-help" || a == "-h":
			printHelp(e.stdout)
			return exitOK
		case a == "--user" || a == "-user":
			if len(args) < 2 {
				fmt.Fprintln(e.stderr, "fieldwork: --user needs a name")
				return exitUsage
			}
			e.user, args = args[1], args[2:]
			continue
		case strings.HasPrefix(a, "--user=") || strings.HasPrefix(a, "-user="):
			e.user = a[strings.Index(a, "=")+1:]
			args = args[1:]
			continue
		default:
			// An unknown leading flag belongs to the default verb (open).
		}
		break
	}
	if len(args) == 0 {
		printHelp(e.stderr)
		return exitUsage
	}
	if args[0] == "help" {
		if len(args) > 1 {
			if c := lookup(args[1:]); c != nil {
				printCommandHelp(e.stdout, c, nil)
				return exitOK
			}
			fmt.Fprintf(e.stderr, "fieldwork: no command %q; run 'fieldwork help' for the list\n", strings.Join(args[1:], " "))
			return exitUsage
		}
		printHelp(e.stdout)
		return exitOK
	}
	c, rest := lookupWithRest(args)
	if c == nil {
		subs := subcommands(args[0])
		switch {
		case looksLikeFile(args[0]) || strings.HasPrefix(args[0], "-"):
			// "fieldwork FILE" opens the workpaper in the TUI, and so does
			// "fieldwork --read-only FILE": the open command's flags may
			// stand before the file.
			c, rest = commands["open"], args
		case len(subs) > 0:
			// A noun with subcommands only ("fieldwork sample"): list them.
			if len(args) > 1 && isHelp(args[1]) {
				printSubcommands(e.stdout, args[0], subs)
				return exitOK
			}
			fmt.Fprintf(e.stderr, "fieldwork %s: say which: ", args[0])
			printSubcommands(e.stderr, args[0], subs)
			return exitUsage
		default:
			fmt.Fprintf(e.stderr, "fieldwork: unknown command %q; run 'fieldwork help' for the list\n", args[0])
			return exitUsage
		}
	}
	err := c.run(e, rest)
	return report(e, c, err)
}

func report(e *env, c *command, err error) int {
	if err == nil || errors.Is(err, errHelpShown) {
		return exitOK
	}
	err = cliError(err) // never "database is locked" (cmd_team.go)
	err = flagAdvice(err)
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(e.stderr, "fieldwork %s: %s\nusage: fieldwork %s %s\n", c.name, oneLine(ue.msg), c.name, c.args)
		return exitUsage
	}
	fmt.Fprintf(e.stderr, "fieldwork %s: %s\n", c.name, oneLine(errText(err)))
	return exitFail
}

// oneLine keeps an error message on a single line of stderr.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", "; ")), " ")
}

func looksLikeFile(s string) bool {
	return strings.ContainsAny(s, "./\\") || strings.HasSuffix(s, ".fieldwork")
}

func lookup(args []string) *command {
	c, _ := lookupWithRest(args)
	return c
}

// lookupWithRest finds the longest registered verb that prefixes args.
func lookupWithRest(args []string) (*command, []string) {
	if len(args) >= 2 {
		if c, ok := commands[args[0]+" "+args[1]]; ok {
			return c, args[2:]
		}
	}
	if len(args) >= 1 {
		if c, ok := commands[args[0]]; ok {
			return c, args[1:]
		}
	}
	return nil, nil
}

func printHelp(w io.Writer) {
	fmt.Fprintf(w, "fieldwork %s — SOC 2 fieldwork workbench\n\nusage: fieldwork [--user NAME] COMMAND [ARGS]\n       fieldwork FILE          open a workpaper in the workbench\n\ncommands:\n", version)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-22s %s\n", n, commands[n].summary)
	}
	fmt.Fprint(w, "\nRun 'fieldwork COMMAND --help' for a command's flags.\nExit status: 0 success, 1 failure, 2 usage error.\n")
}

func printCommandHelp(w io.Writer, c *command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "usage: fieldwork %s %s\n\n%s\n", c.name, c.args, c.summary)
	if fs != nil {
		fmt.Fprintln(w, "\nflags:")
		fs.SetOutput(w)
		fs.PrintDefaults()
	}
	if subs := subcommands(c.name); len(subs) > 0 {
		fmt.Fprintln(w)
		printSubcommands(w, c.name, subs)
	}
}

func isHelp(a string) bool { return a == "--help" || a == "-help" || a == "-h" || a == "help" }

// subcommands lists the commands "NOUN VERB" under a noun.
func subcommands(noun string) []*command {
	var out []*command
	for n, c := range commands {
		if strings.HasPrefix(n, noun+" ") {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func printSubcommands(w io.Writer, noun string, subs []*command) {
	fmt.Fprintf(w, "the %s commands are:\n", noun)
	for _, c := range subs {
		fmt.Fprintf(w, "  %-22s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "Run 'fieldwork %s COMMAND --help' for a command's flags.\n", noun)
}

// flags returns a FlagSet for c that reports nothing by itself: parse reports.
func flags(c *command) *flag.FlagSet {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parse parses flags and positional arguments in any order (Go's flag
// package stops at the first non-flag). "--" ends flag parsing.
func parse(e *env, c *command, fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				printCommandHelp(e.stdout, c, fs)
				return nil, errHelpShown
			}
			return nil, usageError{err.Error()}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		// flag stops after "--" too; everything after it is positional.
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// resolveUser picks the acting user: --user, then FIELDWORK_USER, then the OS user.
func resolveUser(e *env, flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if e.user != "" {
		return e.user
	}
	if u := e.getenv("FIELDWORK_USER"); u != "" {
		return u
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if u := e.getenv("USER"); u != "" {
		return u
	}
	return "unknown"
}

// printJSON writes v as indented JSON with a trailing newline.
func printJSON(w io.Writer, v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(escapeJSON(b.Bytes()))
	return err
}

// wantArgs checks the count of positional arguments.
func wantArgs(pos []string, n int, what string) error {
	if len(pos) < n {
		return usagef("missing %s", what)
	}
	if len(pos) > n {
		return usagef("unexpected argument %q", pos[n])
	}
	return nil
}

// wpCmd is the common shape of workpaper commands: FILE plus flags.
type wpCmd struct {
	c       *command
	fs      *flag.FlagSet
	control *string
	user    *string
	json    *bool
	reopen  *bool
}

func newWPCmd(name string, withControl bool) *wpCmd {
	c := commands[name]
	w := &wpCmd{c: c, fs: flags(c)}
	if withControl {
		w.control = w.fs.String("control", "", "control ID (as in the control matrix)")
	}
	w.user = w.fs.String("user", "", "name recorded on changes (default $FIELDWORK_USER, then the OS user)")
	w.json = w.fs.Bool("json", false, "print JSON")
	w.reopen = w.fs.Bool("reopen", false, "change work under a reviewer's standing sign-off: the sign-off goes stale, naming what changed")
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
	// The command's writes run under bg: --reopen is the auditor's
	// deliberate choice to change reviewed work.
	bg = context.Background()
	if *w.reopen {
		bg = model.Reopen(bg)
	}
	return openWorkpaper(e, pos[0], *w.user, readOnly)
}

var bg = context.Background()
