package tabular

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"hash/crc32"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Issue 13 item 6: a workbook's temporary folder goes away on Close, on an
// error after excelize opened the file, and — left by a killed process — on
// the next open.
func TestXLSXTempFoldersRemoved(t *testing.T) {
	root := t.TempDir()
	TempRoot = root
	defer func() { TempRoot = "" }()
	// A process that has ended: its folder is swept.
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("no 'true' command")
	}
	dead := filepath.Join(root, tempPrefix+strconv.Itoa(cmd.Process.Pid)+"-1")
	os.MkdirAll(dead, 0o700)
	os.WriteFile(filepath.Join(dead, "excelize-1"), []byte("left by kill -9"), 0o600)
	// A process that is alive (this one's parent): its folder stays.
	alive := filepath.Join(root, tempPrefix+strconv.Itoa(os.Getppid())+"-1")
	os.MkdirAll(alive, 0o700)

	book := withSheetXML(t, func(s string) string { return s })
	tb, err := OpenTable(book, TableOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Errorf("a dead process's folder was kept: %v", err)
	}
	if _, err := os.Stat(alive); err != nil {
		t.Errorf("a live process's folder was removed: %v", err)
	}
	if mine := ours(t, root); len(mine) != 1 {
		t.Fatalf("open workbook folders = %v, want 1", mine)
	}
	tb.Close()
	if mine := ours(t, root); len(mine) != 0 {
		t.Fatalf("after Close: %v", mine)
	}
	if _, err := OpenTable(book, TableOptions{Sheet: "Nope"}); err == nil || !strings.Contains(err.Error(), `has no sheet "Nope"`) {
		t.Fatalf("missing sheet: %v", err)
	}
	if mine := ours(t, root); len(mine) != 0 {
		t.Fatalf("after a refused open: %v", mine)
	}
}

// ours lists this process's workbook folders under root.
func ours(t *testing.T, root string) []string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(root, tempPrefix+strconv.Itoa(os.Getpid())+"-*"))
	return m
}

// Issue 13 item 6: a zip entry that declares a smaller size than it
// unpacks to is refused before excelize reads it.
func TestXLSXLyingPartSizeRefused(t *testing.T) {
	book := withSheetXML(t, func(s string) string {
		return strings.Replace(s, "MARK", strings.Repeat("padding ", 100_000), 1)
	})
	zr, err := zip.OpenReader(book)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, e := range zr.File {
		rc, _ := e.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		if e.Name != "xl/worksheets/sheet1.xml" {
			w, _ := zw.Create(e.Name)
			w.Write(b)
			continue
		}
		var packed bytes.Buffer
		fw, _ := flate.NewWriter(&packed, flate.BestCompression)
		fw.Write(b)
		fw.Close()
		w, err := zw.CreateRaw(&zip.FileHeader{Name: e.Name, Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(b),
			CompressedSize64: uint64(packed.Len()), UncompressedSize64: 4096})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(packed.Bytes())
	}
	zr.Close()
	zw.Close()
	liar := filepath.Join(t.TempDir(), "liar.xlsx")
	os.WriteFile(liar, out.Bytes(), 0o644)
	_, err = OpenTable(liar, TableOptions{})
	if err == nil || !strings.Contains(err.Error(), "liar.xlsx: its part xl/worksheets/sheet1.xml does not unpack to the 4096 bytes its zip entry declares") {
		t.Fatalf("lying size: %v", err)
	}
}
