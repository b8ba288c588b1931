package model

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ErrOutputIsWorkpaper refuses to write an output file (a workbook, a
// backup, a roll-forward) over a workpaper: --force replaces a workbook,
// never an engagement.
var ErrOutputIsWorkpaper = errors.New("refusing to write over a workpaper")

// outputError is a CheckOutputPath refusal: ErrOutputIsWorkpaper, and also
// ErrExists (the path is taken) for callers that test for that.
type outputError struct{ msg string }

func (e *outputError) Error() string { return e.msg }
func (e *outputError) Is(target error) bool {
	return target == ErrOutputIsWorkpaper || target == ErrExists
}

func refuseOutput(format string, a ...any) error {
	return &outputError{fmt.Sprintf(format, a...)}
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
			return refuseOutput("%s: %v: it is the workpaper %s itself (with --force too); choose another name", out, ErrOutputIsWorkpaper, wp)
		}
		if js, err := os.Stat(wp + "-journal"); err == nil && os.SameFile(st, js) {
			return refuseOutput("%s: %v: it is the rollback journal of %s, which undoes an interrupted change; choose another name", out, ErrOutputIsWorkpaper, wp)
		}
	}
	if st.Mode().IsRegular() && IsWorkpaperFile(out) {
		return refuseOutput("%s: %v: the file exists and is a fieldwork workpaper (with --force too); choose another name", out, ErrOutputIsWorkpaper)
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
