package main

import (
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/fieldwork-audit/fieldwork/model"
)

// Working as a team (issue #7): sessions, merging copies, conflicts,
// roll-forward and backups. docs/team.md explains when to use which.

// openEditor opens a workpaper for the workbench: an editing session that
// others see (the workbench keeps it alive with Heartbeat).
func openEditor(e *env, path, userFlag string, readOnly bool) (*model.Workpaper, error) {
	w, err := model.Open(path, model.Options{User: resolveUser(e, userFlag), ReadOnly: readOnly})
	if err == nil {
		noteOpen(e, w)
	}
	return w, err
}

// noteOpen tells, on stderr, what opening a workpaper for writing found:
// others editing it, the backup written before a schema upgrade, and (read-only
// too) a change left unfinished by a crash that was rolled back.
func noteOpen(e *env, w *model.Workpaper) {
	if r := w.Recovered(); r != "" {
		fmt.Fprintf(e.stderr, "note: %s\n", clean(r))
	}
	if ro, _ := w.ReadOnly(); ro {
		return
	}
	if b := w.MigrationBackup(); b != "" {
		fmt.Fprintf(e.stderr, "fieldwork: upgraded %s to the current file format; the file as it was is kept in %s\n", w.Path(), b)
	}
	others := w.OtherSessions()
	if len(others) == 0 {
		return
	}
	var live, stale []string
	for _, s := range others {
		if s.Stale {
			stale = append(stale, clean(s.String()))
		} else {
			live = append(live, clean(s.String()))
		}
	}
	if len(live) > 0 {
		fmt.Fprintf(e.stderr, "note: %s is also open: %s\n", w.Path(), strings.Join(live, "; "))
	}
	if len(stale) > 0 {
		fmt.Fprintf(e.stderr, "note: %s; 'fieldwork sessions clear %s --stale' removes it\n", strings.Join(stale, "; "), w.Path())
	}
}

// cliError is the last guard before an error reaches the user: SQLite's
// "database is locked" is always said in words.
func cliError(err error) error {
	if err == nil {
		return nil
	}
	s := err.Error()
	if strings.Contains(s, "database is locked") || strings.Contains(s, "SQLITE_BUSY") {
		return model.FriendlyError(err)
	}
	return err
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// tableCounts writes "3 results, 1 review note" from per-table counts.
func tableCounts(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	parts := make([]string, 0, len(names))
	for _, k := range names {
		one, many := strings.ReplaceAll(k, "_", " "), ""
		if l, ok := tableLabels[k]; ok {
			one, many = l[0], l[1]
		} else {
			many = one + "s"
		}
		parts = append(parts, plural(m[k], one, many))
	}
	return strings.Join(parts, ", ")
}

// tableLabels name the records of a table as an auditor would.
var tableLabels = map[string][2]string{
	"control_criterion":     {"criterion mapping", "criterion mappings"},
	"control_test":          {"control workpaper", "control workpapers"},
	"criterion":             {"criterion text", "criterion texts"},
	"complementary_control": {"CUEC/CSOC", "CUECs/CSOCs"},
	"subservice_org":        {"subservice organization", "subservice organizations"},
	"signoff":               {"sign-off", "sign-offs"},
	"pbc_request":           {"request", "requests"},
	"blob":                  {"attached file", "attached files"},
	"selection":             {"sample", "samples"},
}

func runMerge(e *env, args []string) error {
	c := commands["merge"]
	fs := flags(c)
	dry := fs.Bool("dry-run", false, "report what the merge would do; change nothing")
	asJSON := fs.Bool("json", false, "print JSON")
	userFlag := fs.String("user", "", "name recorded on the merge")
	pos, err := parse(e, c, fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 2, "FILE and OTHER"); err != nil {
		return err
	}
	w, err := openWorkpaper(e, pos[0], *userFlag, false)
	if err != nil {
		return err
	}
	defer w.Close()
	rep, err := w.Merge(bg, pos[1], model.MergeOptions{DryRun: *dry})
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(e.stdout, rep)
	}
	switch {
	case rep.UpToDate:
		fmt.Fprintf(e.stdout, "%s already holds everything in %s: nothing to merge\n", pos[0], pos[1])
		return nil
	case rep.DryRun:
		fmt.Fprintf(e.stdout, "dry run: merging %s into %s would append %s and:\n", pos[1], pos[0], plural(rep.Appended, "log entry", "log entries"))
	default:
		fmt.Fprintf(e.stdout, "merged %s into %s: %s appended\n", pos[1], pos[0], plural(rep.Appended, "log entry", "log entries"))
	}
	fmt.Fprintf(e.stdout, "  added:   %s\n  changed: %s\n  deleted: %s\n", tableCounts(rep.Added), tableCounts(rep.Changed), tableCounts(rep.Deleted))
	for _, r := range rep.Renumbered {
		fmt.Fprintf(e.stdout, "  renumbered %s\n", clean(r))
	}
	for _, s := range rep.StaleSignOffs {
		fmt.Fprintf(e.stdout, "  %s is now stale: the other copy changed the workpaper after it\n", clean(s))
	}
	if rep.Backup != "" {
		fmt.Fprintf(e.stdout, "backup of %s as it was before the merge: %s\n", pos[0], rep.Backup)
	}
	if len(rep.Conflicts) == 0 {
		fmt.Fprintln(e.stdout, "no conflicts")
		return nil
	}
	if rep.DryRun {
		fmt.Fprintf(e.stdout, "%s would be left for you to resolve:\n", plural(len(rep.Conflicts), "conflict", "conflicts"))
	} else {
		fmt.Fprintf(e.stdout, "%s left for you to resolve (this copy's values stand until then):\n", plural(len(rep.Conflicts), "conflict", "conflicts"))
	}
	for _, cf := range rep.Conflicts {
		if rep.DryRun {
			fmt.Fprintf(e.stdout, "  %s\n", clean(cf.Describe()))
		} else {
			fmt.Fprintf(e.stdout, "  #%d %s\n", cf.ID, clean(cf.Describe()))
		}
	}
	if !rep.DryRun {
		fmt.Fprintf(e.stdout, "resolve each with: fieldwork conflicts resolve %s --id N --take mine|theirs\n", pos[0])
	}
	return nil
}

func runConflicts(e *env, args []string) error {
	w := newWPCmd("conflicts", false)
	all := w.fs.Bool("all", false, "include resolved conflicts")
	wp, err := w.open(e, args, true)
	if err != nil {
		return err
	}
	defer wp.Close()
	cs, err := wp.Conflicts(bg, *all)
	if err != nil {
		return err
	}
	if *w.json {
		return printJSON(e.stdout, cs)
	}
	if len(cs) == 0 {
		fmt.Fprintln(e.stdout, "no open merge conflicts")
		return nil
	}
	for _, c := range cs {
		state := ""
		if c.State != "open" {
			state = fmt.Sprintf(" [resolved: took %s, %s]", c.Resolution, clean(c.ResolvedBy))
		}
		fmt.Fprintf(e.stdout, "#%d %s (merge of %s)%s\n", c.ID, clean(c.Describe()), clean(c.Source), state)
	}
	return nil
}

func runConflictsResolve(e *env, args []string) error {
	w := newWPCmd("conflicts resolve", false)
	id := w.fs.Int64("id", 0, "the conflict's number, from 'fieldwork conflicts'")
	take := w.fs.String("take", "", "mine (this copy's value) or theirs (the other copy's)")
	wp, err := w.open(e, args, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	if *id <= 0 {
		return usagef("missing --id N")
	}
	if *take != "mine" && *take != "theirs" {
		return usagef("--take mine or --take theirs")
	}
	if err := wp.ResolveConflict(bg, *id, *take); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "conflict #%d resolved: took %s\n", *id, *take)
	return nil
}

func runSessions(e *env, args []string) error {
	w := newWPCmd("sessions", false)
	wp, err := w.open(e, args, true)
	if err != nil {
		return err
	}
	defer wp.Close()
	ss, err := wp.Sessions(bg)
	if err != nil {
		return err
	}
	if *w.json {
		return printJSON(e.stdout, ss)
	}
	if len(ss) == 0 {
		fmt.Fprintf(e.stdout, "nobody has %s open for editing\n", wp.Path())
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "USER\tCOMPUTER\tPID\tSINCE\tLAST SEEN\tSTATE")
	stale := 0
	for _, s := range ss {
		state := "editing"
		if s.Stale {
			state = "stale (crashed or closed?)"
			stale++
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\n", clean(s.User), clean(s.Host), s.PID, s.Started.Local().Format("2006-01-02 15:04"),
			s.Heartbeat.Local().Format("2006-01-02 15:04:05"), state)
	}
	tw.Flush()
	if stale > 0 {
		fmt.Fprintf(e.stdout, "'fieldwork sessions clear %s --stale' removes the stale ones\n", wp.Path())
	}
	return nil
}

func runSessionsClear(e *env, args []string) error {
	w := newWPCmd("sessions clear", false)
	stale := w.fs.Bool("stale", false, "remove the stale sessions (required: live sessions are never removed)")
	pos, err := parse(e, w.c, w.fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 1, "FILE"); err != nil {
		return err
	}
	if !*stale {
		return usagef("say --stale: only the sessions of crashed or closed editors can be cleared")
	}
	wp, err := model.Open(pos[0], model.Options{User: resolveUser(e, *w.user), NoSession: true})
	if err != nil {
		return err
	}
	defer wp.Close()
	cleared, err := wp.ClearStaleSessions(bg)
	if err != nil {
		return err
	}
	if len(cleared) == 0 {
		fmt.Fprintln(e.stdout, "no stale sessions")
		return nil
	}
	for _, s := range cleared {
		fmt.Fprintf(e.stdout, "cleared: %s\n", clean(s.String()))
	}
	return nil
}

func runRollForward(e *env, args []string) error {
	c := commands["rollforward"]
	fs := flags(c)
	out := fs.String("out", "", "the new workpaper to write (must not exist)")
	var from, to, asOf dateFlag
	fs.Var(&from, "from", "start of the new period (Type II), YYYY-MM-DD")
	fs.Var(&to, "to", "end of the new period (Type II), YYYY-MM-DD")
	fs.Var(&asOf, "as-of", "the date the new description is as of (Type I), YYYY-MM-DD")
	asJSON := fs.Bool("json", false, "print JSON")
	userFlag := fs.String("user", "", "name recorded on the new workpaper")
	force := fs.Bool("force", false, "roll forward although LAST does not verify (needs --reason)")
	reason := fs.String("reason", "", "why, when LAST does not verify (recorded in the new file)")
	pos, err := parse(e, c, fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 1, "LAST"); err != nil {
		return err
	}
	if *force && strings.TrimSpace(*reason) == "" {
		return usagef("--force needs --reason TEXT: it is recorded in the new workpaper")
	}
	if !*force {
		*reason = ""
	}
	if *out == "" {
		return usagef("missing --out NEW.fieldwork")
	}
	if (from.s == "" || to.s == "") == (asOf.s == "") {
		return usagef("give the new period as --from DATE --to DATE (Type II) or --as-of DATE (Type I)")
	}
	rep, err := model.RollForward(bg, pos[0], model.RollForwardInput{Out: *out, From: date(from), To: date(to), AsOf: date(asOf), BrokenReason: *reason},
		model.Options{User: resolveUser(e, *userFlag), OnKeyCreated: keyCreatedNotice(e)})
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(e.stdout, rep)
	}
	fmt.Fprintf(e.stdout, "wrote %s, rolled forward from %s\n  carried over: %s\n  not carried: populations, samples, results, exceptions, sign-offs, review notes, requests, interviews, conclusions\n",
		*out, clean(rep.RolledFrom), tableCounts(rep.Carried))
	if len(rep.PriorExceptions) > 0 {
		fmt.Fprintf(e.stdout, "controls with exceptions last period: %s — consider a higher risk (fieldwork risk set) and so a larger sample\n",
			clean(strings.Join(rep.PriorExceptions, ", ")))
	}
	return nil
}

func runBackup(e *env, args []string) error {
	w := newWPCmd("backup", false)
	wp, err := w.open(e, args, true)
	if err != nil {
		return err
	}
	defer wp.Close()
	path, err := wp.Backup(bg)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote a consistent copy of %s to %s\n", wp.Path(), path)
	return nil
}
