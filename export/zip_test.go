package export

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestParallelZipMatchesArchiveZip checks that the parallel writer stores
// the same entries, in the same order, with the same compressed bytes as
// archive/zip.
func TestParallelZipMatchesArchiveZip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var parts [][2]string
	for i := 0; i < 16; i++ {
		var b strings.Builder
		for j := rng.IntN(8000); j > 0; j-- {
			fmt.Fprintf(&b, "<c r=\"A%d\"><v>%d</v></c>", j, rng.IntN(1000))
		}
		parts = append(parts, [2]string{fmt.Sprintf("xl/worksheets/sheet%d.xml", i), b.String()})
	}
	parts = append(parts, [2]string{"empty.xml", ""})
	write := func(zw interface {
		Create(string) (io.Writer, error)
		Close() error
	}) {
		for _, p := range parts {
			w, err := zw.Create(p[0])
			if err != nil {
				t.Fatal(err)
			}
			// In pieces, as a copy from a file would write.
			for s := p[1]; s != ""; {
				n := min(len(s), 1+rng.IntN(40000))
				if _, err := io.WriteString(w, s[:n]); err != nil {
					t.Fatal(err)
				}
				s = s[n:]
			}
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
	}
	var got, want bytes.Buffer
	write(newParallelZip(&got))
	write(zip.NewWriter(&want))

	gr, err := zip.NewReader(bytes.NewReader(got.Bytes()), int64(got.Len()))
	if err != nil {
		t.Fatal(err)
	}
	wr, _ := zip.NewReader(bytes.NewReader(want.Bytes()), int64(want.Len()))
	if len(gr.File) != len(parts) {
		t.Fatalf("%d entries, want %d", len(gr.File), len(parts))
	}
	for i, f := range gr.File {
		if f.Name != parts[i][0] {
			t.Fatalf("entry %d is %s, want %s", i, f.Name, parts[i][0])
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(rc) // checks the CRC too
		rc.Close()
		if err != nil || string(body) != parts[i][1] {
			t.Fatalf("%s: content differs (%v)", f.Name, err)
		}
		raw := func(f *zip.File) []byte {
			r, err := f.OpenRaw()
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(r)
			return b
		}
		if !bytes.Equal(raw(f), raw(wr.File[i])) {
			t.Errorf("%s: compressed bytes differ from archive/zip's", f.Name)
		}
	}
}
