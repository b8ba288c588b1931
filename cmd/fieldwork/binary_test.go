package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// The tests that run the real binary (a crash mid-import, several processes
// on one file) share one build: the first to ask builds it, the others wait
// for it, and TestMain removes it when the tests are done.
var binary struct {
	once sync.Once
	dir  string
	path string
	err  error
	out  []byte
}

// buildBinary returns the path of the fieldwork binary, built once per test
// binary. It skips the test in -short mode.
func buildBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	binary.once.Do(func() {
		binary.dir, binary.err = os.MkdirTemp("", "fieldwork-bin-")
		if binary.err != nil {
			return
		}
		binary.path = filepath.Join(binary.dir, "fieldwork")
		binary.out, binary.err = exec.Command("go", "build", "-o", binary.path, ".").CombinedOutput()
	})
	if binary.err != nil {
		t.Fatalf("go build: %v\n%s", binary.err, binary.out)
	}
	return binary.path
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binary.dir != "" {
		os.RemoveAll(binary.dir)
	}
	os.Exit(code)
}
