package tui

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"
)

// waitFor waits until the program has drawn every text. The output is a
// stream that each wait consumes, and the renderer redraws only changed
// lines: texts that may arrive in the same frame must be waited for together.
func waitFor(t *testing.T, tm *teatest.TestModel, texts ...string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		for _, text := range texts {
			if !bytes.Contains(b, []byte(text)) {
				return false
			}
		}
		return true
	}, teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
}

// The whole program: load, walk to a control through the filter, come
// back, quit.
func TestProgram(t *testing.T) {
	w := newWorkpaper(t, fixture{})
	m := New(w, Options{Now: clock})
	k := m.common.keys
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 40))

	waitFor(t, tm, "Coverage of in-scope criteria")
	tm.Send(keyMsg(k.Criteria))
	// The list and the conclusions (read in the background) may share a frame.
	waitFor(t, tm, "Integrity and ethical values", "34 open")
	tm.Send(keyMsg(k.Filter))
	tm.Type("cc8")
	tm.Send(keyMsg(k.AcceptFilter))
	waitFor(t, tm, "CC8.1 · 1 of 1")
	tm.Send(keyMsg(k.Open))
	waitFor(t, tm, "Controls mapped (1)")
	tm.Send(keyMsg(k.Open))
	waitFor(t, tm, "peer reviewed and approved before deployment")
	tm.Send(keyMsg(k.Back))
	tm.Send(keyMsg(k.Back))
	waitFor(t, tm, "CC8.1 · 1 of 1")
	tm.Send(keyMsg(k.Quit)) // the walk is at its top: q quits

	final, ok := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	if !ok {
		t.Fatalf("final model is %T", tm.FinalModel(t))
	}
	if final.active != tabCriteria || len(final.tabs[tabCriteria]) != 1 || !final.quitting {
		t.Fatalf("final state: tab %v, depth %d, quitting %v", final.active, len(final.tabs[tabCriteria]), final.quitting)
	}
	requireGolden(t, "program_final_120x40", final.View())
}

// Run decides the colour profile before the program starts, honours
// NO_COLOR over CLICOLOR_FORCE, uses the alternate screen and quits on q.
func TestRun(t *testing.T) {
	prev := lipgloss.DefaultRenderer()
	t.Cleanup(func() { lipgloss.SetDefaultRenderer(prev) })
	w := newWorkpaper(t, fixture{})
	for _, noColor := range []bool{true, false} {
		t.Setenv("CLICOLOR_FORCE", "1")
		if noColor {
			t.Setenv("NO_COLOR", "1")
		} else {
			os.Unsetenv("NO_COLOR")
		}
		var out bytes.Buffer
		done := make(chan error, 1)
		pr, pw := io.Pipe()
		go func() { done <- Run(w, Options{Theme: "dark", Input: pr, Output: &out, Now: clock}) }()
		pw.Write([]byte("q"))
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(5 * time.Second):
			pw.Close()
			t.Fatal("Run did not quit on q")
		}
		if !strings.Contains(out.String(), "\x1b[?1049h") {
			t.Error("Run should use the alternate screen")
		}
		if p := lipgloss.ColorProfile(); (p == termenv.Ascii) != noColor {
			t.Errorf("NO_COLOR=%v: Run chose the colour profile %v", noColor, p)
		}
	}
}

func TestColorDecisions(t *testing.T) {
	env := func(kv ...string) termenv.Environ { return fakeEnv(kv) }
	tty := func(e termenv.Environ) *termenv.Output {
		return termenv.NewOutput(io.Discard, termenv.WithTTY(true), termenv.WithEnvironment(e))
	}
	if p := colorProfile(tty(env("TERM", "xterm-256color", "COLORTERM", "truecolor"))); p != termenv.TrueColor {
		t.Errorf("a truecolor terminal gave %v", p)
	}
	if p := colorProfile(tty(env("TERM", "xterm-256color", "COLORTERM", "truecolor", "NO_COLOR", "1"))); p != termenv.Ascii {
		t.Errorf("NO_COLOR gave %v, want no colour", p)
	}
	if p := colorProfile(tty(env("TERM", "dumb", "CLICOLOR_FORCE", "1"))); p == termenv.Ascii {
		t.Error("CLICOLOR_FORCE should force colour on")
	}

	never := func() bool { t.Error("the terminal should not be asked"); return false }
	if darkBackground("light", termenv.TrueColor, never) {
		t.Error("--theme light gave a dark background")
	}
	if !darkBackground("dark", termenv.TrueColor, never) {
		t.Error("--theme dark gave a light background")
	}
	if !darkBackground("auto", termenv.Ascii, never) {
		t.Error("without colour the theme does not matter; the default is dark")
	}
	asked := false
	if darkBackground("auto", termenv.ANSI256, func() bool { asked = true; return false }) || !asked {
		t.Error("auto should ask the terminal")
	}
}

type fakeEnv []string

func (e fakeEnv) Environ() []string {
	var out []string
	for i := 0; i+1 < len(e); i += 2 {
		out = append(out, e[i]+"="+e[i+1])
	}
	return out
}

func (e fakeEnv) Getenv(k string) string {
	for i := 0; i+1 < len(e); i += 2 {
		if e[i] == k {
			return e[i+1]
		}
	}
	return ""
}

// Light and dark themes both build, and every colour is adaptive.
func TestThemes(t *testing.T) {
	for _, theme := range []string{"light", "dark"} {
		m := New(newWorkpaper(t, fixture{}), Options{Theme: theme, Output: os.Stdout})
		if m.common.styles.Dark != (theme == "dark") {
			t.Errorf("theme %s: Dark = %v", theme, m.common.styles.Dark)
		}
	}
}
