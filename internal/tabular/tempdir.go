package tabular

// tempdir.go gives each open workbook a temporary folder of its own for the
// parts excelize unpacks to disk (issue 13 item 6): Close removes the
// folder, and a folder left by a process that was killed (kill -9, a power
// cut: no clean-up runs) is removed by the next OpenTable. The folder's name
// carries the process ID that made it: "fieldwork-xlsx-<pid>-<random>".

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const tempPrefix = "fieldwork-xlsx-"

// TempRoot is where the workbook folders are made ("" = os.TempDir()). Tests
// set it.
var TempRoot = ""

func newXLSXTempDir() (string, error) {
	sweepXLSXTempDirs()
	return os.MkdirTemp(TempRoot, tempPrefix+strconv.Itoa(os.Getpid())+"-")
}

// sweepXLSXTempDirs removes folders whose process has ended.
func sweepXLSXTempDirs() {
	root := TempRoot
	if root == "" {
		root = os.TempDir()
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		return
	}
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() || !strings.HasPrefix(name, tempPrefix) {
			continue
		}
		pidText, _, ok := strings.Cut(strings.TrimPrefix(name, tempPrefix), "-")
		pid, err := strconv.Atoi(pidText)
		if !ok || err != nil || pid == os.Getpid() {
			continue
		}
		if processGone(pid, filepath.Join(root, name)) {
			os.RemoveAll(filepath.Join(root, name))
		}
	}
}

// processGone reports whether the process that made dir has ended. Where a
// process cannot be probed, a folder a day old is taken to be abandoned.
func processGone(pid int, dir string) bool {
	if runtime.GOOS == "windows" {
		st, err := os.Stat(dir)
		return err == nil && time.Since(st.ModTime()) > 24*time.Hour
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return true
	}
	err = p.Signal(syscall.Signal(0))
	return err != nil && !strings.Contains(err.Error(), "permission") && err != syscall.EPERM
}
