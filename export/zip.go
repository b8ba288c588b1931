package export

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"hash/crc32"
	"io"
	"io/fs"
	"runtime"
	"sync"
)

// parallelZip is the zip writer the workbook is saved through: it deflates
// the parts (one per sheet, plus styles and the like) on every core at
// once, where archive/zip deflates them one after the other on one, which
// was a quarter of an export's time. Each part is copied as excelize writes
// it (a Writer must not keep what it is given), deflated by a goroutine at
// archive/zip's own level, and stored with CreateRaw in the order excelize
// created the parts: the archive holds the same entries, in the same order,
// with the same compressed bytes.
type parallelZip struct {
	zw      *zip.Writer
	name    string        // the part being written, if any
	data    *bytes.Buffer // its bytes so far
	queue   []chan deflated
	workers chan struct{} // one token a part being deflated
	err     error
	// dims are the sheets' used ranges by part name (book.dims): the
	// "A1" a StreamWriter wrote is replaced as the part is deflated.
	dims map[string]string
}

// deflated is one compressed part.
type deflated struct {
	header *zip.FileHeader
	body   *bytes.Buffer
	err    error
}

// zipLevel is the level archive/zip deflates at.
const zipLevel = 5

var (
	flaters = sync.Pool{New: func() any {
		w, _ := flate.NewWriter(nil, zipLevel)
		return w
	}}
	// buffers hold the parts, raw and deflated, from one save to the next.
	buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}
)

func newParallelZip(w io.Writer) *parallelZip {
	return &parallelZip{zw: zip.NewWriter(w), workers: make(chan struct{}, runtime.GOMAXPROCS(0))}
}

// Create starts a part; its bytes are written to the returned Writer until
// the next Create or Close.
func (z *parallelZip) Create(name string) (io.Writer, error) {
	z.finishPart()
	if z.err != nil {
		return nil, z.err
	}
	z.name, z.data = name, buffers.Get().(*bytes.Buffer)
	return z.data, nil
}

// finishPart hands the part being written to a goroutine, after storing
// the parts already deflated while the first of them is (so that at most
// one part a core waits in memory, compressed or not).
func (z *parallelZip) finishPart() {
	if z.data == nil {
		return
	}
	name, data := z.name, z.data
	z.name, z.data = "", nil
	dim := z.dims[name]
	done := make(chan deflated, 1)
	z.queue = append(z.queue, done)
	for len(z.queue) > cap(z.workers) {
		z.storeFirst()
	}
	z.workers <- struct{}{}
	go func() {
		defer func() { <-z.workers }()
		done <- deflate(name, data, dim)
	}()
}

// dimensionAttr opens the dimension's range in a worksheet part.
var dimensionAttr = []byte(`<dimension ref="`)

// deflate compresses one part as archive/zip would, and recycles data.
// A non-empty dim replaces the range of the part's dimension element
// (found in its first 16 KB, after the namespaces and before the rows), without copying the part.
func deflate(name string, data *bytes.Buffer, dim string) deflated {
	defer recycle(data)
	raw := data.Bytes()
	parts := [][]byte{raw}
	if dim != "" {
		head := raw[:min(len(raw), 16<<10)]
		if i := bytes.Index(head, dimensionAttr); i >= 0 {
			from := i + len(dimensionAttr)
			if j := bytes.IndexByte(raw[from:], '"'); j >= 0 {
				parts = [][]byte{raw[:from], []byte(dim), raw[from+j:]}
			}
		}
	}
	var crc uint32
	size := 0
	for _, p := range parts {
		crc = crc32.Update(crc, crc32.IEEETable, p)
		size += len(p)
	}
	h := &zip.FileHeader{Name: name, Method: zip.Deflate, CreatorVersion: 20, ReaderVersion: 20,
		CRC32: crc, UncompressedSize64: uint64(size)}
	body := buffers.Get().(*bytes.Buffer)
	fw := flaters.Get().(*flate.Writer)
	defer flaters.Put(fw)
	fw.Reset(body)
	for _, p := range parts {
		if _, err := fw.Write(p); err != nil {
			return deflated{err: err}
		}
	}
	if err := fw.Close(); err != nil {
		return deflated{err: err}
	}
	h.CompressedSize64 = uint64(body.Len())
	return deflated{header: h, body: body}
}

// storeFirst waits for the oldest part and adds it to the archive.
func (z *parallelZip) storeFirst() {
	d := <-z.queue[0]
	z.queue = z.queue[1:]
	if z.err == nil {
		z.err = d.err
	}
	if z.err != nil {
		recycle(d.body)
		return
	}
	w, err := z.zw.CreateRaw(d.header)
	if err == nil {
		_, err = d.body.WriteTo(w)
	}
	recycle(d.body)
	z.err = err
}

// recycle keeps a buffer for the next part, unless it is too large to keep.
func recycle(b *bytes.Buffer) {
	if b == nil || b.Cap() > 16<<20 {
		return
	}
	b.Reset()
	buffers.Put(b)
}

// flush stores every part written so far.
func (z *parallelZip) flush() error {
	z.finishPart()
	for len(z.queue) > 0 {
		z.storeFirst()
	}
	return z.err
}

// AddFS adds the files of fsys after the parts written so far.
func (z *parallelZip) AddFS(fsys fs.FS) error {
	if err := z.flush(); err != nil {
		return err
	}
	return z.zw.AddFS(fsys)
}

// Close stores the remaining parts and writes the archive's directory.
func (z *parallelZip) Close() error {
	err := z.flush()
	if cerr := z.zw.Close(); err == nil {
		err = cerr
	}
	return err
}
