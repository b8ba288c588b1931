package main

import (
	"context"
	"errors"
	"fmt"
	"github.com/fieldwork-audit/fieldwork/internal/signing"
	"os"

	"github.com/charmbracelet/x/term"

	"github.com/fieldwork-audit/fieldwork/internal/demo"
	"github.com/fieldwork-audit/fieldwork/model"
	"github.com/fieldwork-audit/fieldwork/tui"
)

// isTerminal is replaced in tests.
var isTerminal = func(f *os.File) bool { return term.IsTerminal(f.Fd()) }

// terminal returns stdin and stdout when both are a terminal.
func terminal(e *env) (in, out *os.File, ok bool) {
	in, inOK := e.stdin.(*os.File)
	out, outOK := rawFile(e.stdout)
	return in, out, inOK && outOK && isTerminal(in) && isTerminal(out)
}

func runOpen(e *env, args []string) error {
	c := commands["open"]
	fs := flags(c)
	readOnly := fs.Bool("read-only", false, "open without saving any change")
	theme := fs.String("theme", "auto", "colour theme: auto, light or dark (NO_COLOR turns colour off)")
	noMouse := fs.Bool("no-mouse", false, "leave the mouse to the terminal so text can be selected")
	keys := fs.String("keys", "", "key configuration file (default $XDG_CONFIG_HOME/fieldwork/keys.json when it exists; see docs/keys.md)")
	userFlag := fs.String("user", "", "name recorded on changes")
	pos, err := parse(e, c, fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 1, "FILE"); err != nil {
		return err
	}
	switch *theme {
	case "auto", "light", "dark":
	default:
		return usagef("unknown theme %q (auto, light or dark)", *theme)
	}
	in, out, tty := terminal(e)
	opts := tui.Options{Theme: *theme, Mouse: !*noMouse, Input: in, Output: out, KeyConfig: *keys, Version: version}
	// A file that does not exist yet is a new engagement: in a terminal,
	// the workbench asks for it (and creates nothing if the user leaves).
	if _, statErr := os.Lstat(pos[0]); errors.Is(statErr, os.ErrNotExist) && tty && !*readOnly {
		return tui.RunNew(pos[0], resolveUser(e, *userFlag), opts)
	}
	// The file first: a bad file gets its own specific error.
	w, err := openEditor(e, pos[0], *userFlag, *readOnly)
	if err != nil {
		return err
	}
	defer w.Close()
	// Every change is signed: a user without a key gets one now, and the
	// workbench says where it is.
	if ro, _ := w.ReadOnly(); !ro {
		if _, err := signing.Load(w.User()); errors.Is(err, signing.ErrNoKey) {
			if k, err := w.SigningKey(); err == nil {
				opts.Notice = fmt.Sprintf("Signing key made: %s (every change you make is signed with it).", k.Path)
			}
		}
	}
	if _, err := w.Engagement(context.Background()); err != nil {
		return err
	}
	if !tty {
		return errors.New("the workbench needs a terminal (stdin and stdout are not a TTY); use the CLI commands instead, e.g. 'fieldwork criteria FILE --json'")
	}
	return tui.Run(w, opts)
}

func runDemo(e *env, args []string) error {
	c := commands["demo"]
	fs := flags(c)
	force := fs.Bool("force", false, "replace FILE if it exists")
	pos, err := parse(e, c, fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 1, "FILE"); err != nil {
		return err
	}
	path := pos[0]
	if *force {
		// Only ever replace a workpaper, never some other file by mistake.
		if _, err := os.Stat(path); err == nil {
			w, err := model.Open(path, model.Options{ReadOnly: true})
			if err != nil {
				return fmt.Errorf("%s exists and is not a workpaper; refusing to replace it: %w", path, err)
			}
			w.Close()
			if err := os.Remove(path); err != nil {
				return err
			}
		}
	}
	// Write to a temporary name, then rename: a crash never leaves half a demo.
	tmp := path + ".tmp-demo"
	os.Remove(tmp)
	if err := demo.Write(context.Background(), tmp); err != nil {
		os.Remove(tmp)
		return err
	}
	if _, err := os.Stat(path); err == nil {
		os.Remove(tmp)
		return fmt.Errorf("%s: %w; use --force to replace it", path, model.ErrExists)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	fmt.Fprintf(e.stdout, "wrote the demo engagement to %s\nopen it with: fieldwork %s\n", path, path)
	return nil
}
