package model

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ErrOutputIsWorkpaper refuses to write an output file (a workbook, a
// backup, a roll-forward) over a workpaper: --force replaces a workbook,
// never an engagement.
var ErrOutputIsWorkpaper = errors.New("refusing to write over a workpaper")

// outputError is a CheckOutputPath refusal: ErrOutputIsWorkpaper, and also
// ErrExists (the path is taken) for callers that test for that.
type outputError struct{ msg Text }

func (e *outputError) Error() string          { return e.msg.String() }
func (e *outputError) Words(w Wording) string { return e.msg.Words(w) }
func (e *outputError) Is(target error) bool {
	return target == ErrOutputIsWorkpaper || target == ErrExists
}

func refuseOutput(format string, a ...any) error {
	return &outputError{textf(format, a...)}
}

// CheckOutputPath refuses an output path that is one of the given
// workpapers (the same file by device and inode, so a hard link, a symbolic
// link or another spelling of the name is caught too), the rollback journal
// of one, or any existing file that is itself a workpaper. A path that does
// not exist, or an ordinary file, passes; whether an existing ordinary file
// may be replaced is the caller's --force.
func CheckOutputPath(out string, workpapers ...string) error {
	st, err := os.Stat(out)
	if err != nil {
		// Not there (or unreadable, and writing it will say so).
		return nil
	}
	for _, wp := range workpapers {
		if wp == "" {
			continue
		}
		if ws, err := os.Stat(wp); err == nil && os.SameFile(st, ws) {
			return refuseOutput("%s: %v: it is the workpaper %s itself%s; choose another name", out, ErrOutputIsWorkpaper, wp, HintNotEvenForced)
		}
		if js, err := os.Stat(wp + "-journal"); err == nil && os.SameFile(st, js) {
			return refuseOutput("%s: %v: it is the rollback journal of %s, which undoes an interrupted change; choose another name", out, ErrOutputIsWorkpaper, wp)
		}
	}
	if st.Mode().IsRegular() && IsWorkpaperFile(out) {
		return refuseOutput("%s: %v: the file exists and is a fieldwork workpaper%s; choose another name", out, ErrOutputIsWorkpaper, HintNotEvenForced)
	}
	if strings.HasSuffix(out, "-journal") && IsWorkpaperFile(strings.TrimSuffix(out, "-journal")) {
		return refuseOutput("%s: %v: it is the rollback journal of a workpaper; choose another name", out, ErrOutputIsWorkpaper)
	}
	return nil
}

// IsWorkpaperFile reports whether path is a SQLite file carrying
// fieldwork's application id, whatever its name.
func IsWorkpaperFile(path string) bool {
	h, err := readHeader(filepath.Clean(path))
	return err == nil && h.applicationID == ApplicationID
}

// sameFile reports whether two paths name the same existing file.
func sameFile(a, b string) bool {
	sa, err := os.Stat(a)
	if err != nil {
		return false
	}
	sb, err := os.Stat(b)
	return err == nil && os.SameFile(sa, sb)
}

// Temporary output files. Every output file (a backup, a workbook) is
// written under a hidden temporary name in its own folder, synced, and
// renamed into place, so a crash never leaves a truncated file under the
// real name. The temporary name says which computer and process write it,
// .BASE.KIND-HOST-PID-N.tmp, so that the next run can remove what a killed
// process left (CleanStaleTemps) without touching one still being written.

// TempOutput creates a new temporary file for the output file base in dir,
// with the process's umask applied to 0666.
func TempOutput(dir, base, kind string) (*os.File, error) {
	prefix := tempPrefix(base, kind) + tempHost() + "-" + strconv.Itoa(os.Getpid()) + "-"
	for i := 0; ; i++ {
		name := filepath.Join(dir, prefix+strconv.FormatInt(time.Now().UnixNano()+int64(i), 10)+".tmp")
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if errors.Is(err, os.ErrExist) && i < 100 {
			continue
		}
		return f, err
	}
}

func tempPrefix(base, kind string) string { return "." + base + "." + kind + "-" }

func tempHost() string {
	h, _ := os.Hostname()
	h = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' {
			return r
		}
		return '_'
	}, h)
	if h == "" {
		h = "host"
	}
	return h
}

// CleanStaleTemps removes the temporary files (and their SQLite journals)
// that a process on this computer, now gone, left while writing an output
// file named base in dir (any output file of that kind when base is
// empty). Files of live processes and of other computers are kept. It
// returns the names removed.
func CleanStaleTemps(dir, base, kind string) []string {
	mid := "." + kind + "-" + tempHost() + "-"
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var removed []string
	for _, e := range ents {
		name := e.Name()
		if !strings.HasPrefix(name, ".") || (base != "" && !strings.HasPrefix(name, "."+base+mid)) {
			continue
		}
		i := strings.LastIndex(name, mid)
		if i < 1 {
			continue
		}
		rest := name[i+len(mid):]
		rest = strings.TrimSuffix(rest, "-journal")
		if !strings.HasSuffix(rest, ".tmp") {
			continue
		}
		pidText, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil || processAlive(pid) {
			continue
		}
		if os.Remove(filepath.Join(dir, name)) == nil {
			removed = append(removed, name)
		}
	}
	return removed
}

// syncFile flushes a finished file to the disk.
func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// CrashPoint is the crash tests' hook for other packages (see crashPoint).
func CrashPoint(name string) { crashPoint(name) }
