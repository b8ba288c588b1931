package model

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fieldwork-audit/fieldwork/internal/tabular"
)

// Streaming a population file into the store in bounded memory: the file's
// hash, read while the rows are; the rows' digest, which verify recomputes;
// the reader that checks and encodes rows on its own goroutine; and the
// batched inserts.

// hashFile returns the SHA-256 and size of a file, streamed.
func hashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	return hashOpenFile(path, f, f)
}

// fileHash is what hashFile returns.
type fileHash struct {
	sum  string
	size int64
	err  error
}

// hashFileAsync opens a file now and hashes it on its own goroutine: an
// import reads and inserts meanwhile, so hashing adds no wall time. wait
// returns what hashFile would, and may be called again (the import defers a
// call so that the file is closed whatever happens). Hashing stops early if
// ctx ends.
func hashFileAsync(ctx context.Context, path string) (wait func() fileHash, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	done := make(chan fileHash, 1)
	go func() {
		sum, size, err := hashOpenFile(path, f, ctxReader{ctx, f})
		done <- fileHash{sum, size, err}
	}()
	return sync.OnceValue(func() fileHash { return <-done }), nil
}

// ctxReader is a reader that fails once its context has ended.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

func hashOpenFile(path string, f *os.File, r io.Reader) (string, int64, error) {
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		return "", 0, fmt.Errorf("%s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// rowsDigest accumulates the canonical digest of a population's rows, the
// same way at import and at verification: for each row, its position,
// source row, ID, date and cells, each length-prefixed.
type rowsDigest struct {
	h   hash.Hash
	buf []byte
}

func newRowsDigest() *rowsDigest { return &rowsDigest{h: sha256.New(), buf: make([]byte, 0, 512)} }

func (d *rowsDigest) add(position, sourceRow int, id, date, cells string) {
	b := d.buf[:0]
	b = strconv.AppendInt(b, int64(position), 10)
	b = append(b, 0x1f)
	b = strconv.AppendInt(b, int64(sourceRow), 10)
	for _, s := range [...]string{id, date, cells} {
		b = append(b, 0x1f)
		b = strconv.AppendInt(b, int64(len(s)), 10)
		b = append(b, ':')
		b = append(b, s...)
	}
	b = append(b, 0x1e)
	d.h.Write(b)
	d.buf = b
}

func (d *rowsDigest) sum() string { return hex.EncodeToString(d.h.Sum(nil)) }

// appendCells encodes a row's cells as a JSON array of strings. Plain cells
// (the common case) are copied as they are; others go through encoding/json.
func appendCells(b []byte, cells []string) []byte {
	b = append(b, '[')
	for i, c := range cells {
		if i > 0 {
			b = append(b, ',')
		}
		if plainJSON(c) {
			b = append(b, '"')
			b = append(b, c...)
			b = append(b, '"')
			continue
		}
		q, _ := json.Marshal(c)
		b = append(b, q...)
	}
	return append(b, ']')
}

// plainJSON reports whether s can stand in a JSON string without escapes.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		if !jsonPlainByte[s[i]] {
			return false
		}
	}
	return true
}

// jsonPlainByte: printable ASCII but " and \ (one load a byte instead of
// four comparisons; every cell of every row goes through plainJSON).
var jsonPlainByte = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// rowReader reads, checks and encodes population rows on its own
// goroutine and hands them over in batches of insert arguments.
type rowReader struct {
	batches chan []any
	spent   chan []any // batches inserted, for the reader to fill again
	done    chan struct{}
	cancel  context.CancelFunc
	err     error
	// Set by the reader; read only after wait.
	rows, outOfPeriod, badDates int
	digest                      string
	badDateRows                 []int     // the first few
	order                       DateOrder // how numeric dates were read
	ids                         *idIndex  // the occurrence IDs, to find duplicates
}

const (
	rowBatch  = 128 // rows per INSERT, far below SQLite's parameter limit
	rowParams = 6   // parameters a row (the population ID is in the SQL)
)

func readRows(ctx context.Context, tbl *tabular.Table, idCol, dateCol int, order DateOrder, eng *Engagement, progress func(int)) *rowReader {
	ctx, cancel := context.WithCancel(ctx)
	r := &rowReader{batches: make(chan []any, 4), spent: make(chan []any, 6), done: make(chan struct{}), cancel: cancel, ids: newIDIndex()}
	go func() {
		defer close(r.done)
		defer close(r.batches)
		digest := newRowsDigest()
		var cellsBuf []byte
		batch := make([]any, 0, rowBatch*rowParams)
		send := func() bool {
			select {
			case r.batches <- batch:
				batch = r.emptyBatch()
				return true
			case <-ctx.Done():
				r.err = ctx.Err()
				return false
			}
		}
		for pos := 1; ; pos++ {
			row, err := tbl.NextShared() // row is used up in this iteration
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				r.err = err
				return
			}
			var id, date, flags string
			if idCol >= 0 && idCol < len(row) {
				id = strings.TrimSpace(row[idCol])
			}
			if dateCol >= 0 && dateCol < len(row) {
				if order == DateOrderUnknown {
					if o, ambiguous := dateEvidence(row[dateCol]); o != DateOrderUnknown {
						order = o
					} else if ambiguous {
						r.err = errNeedDateOrder
						return
					}
				}
				var d time.Time
				var ok bool
				if date, d, ok = occurrenceDate(row[dateCol], order); ok {
					if eng.Type == TypeII && !eng.InPeriod(d) {
						flags = FlagOutOfPeriod
						r.outOfPeriod++
					}
				} else {
					flags = FlagBadDate
					r.badDates++
					if len(r.badDateRows) < 5 {
						r.badDateRows = append(r.badDateRows, tbl.Row())
					}
				}
			}
			if idCol >= 0 {
				r.ids.add(id)
			}
			cellsBuf = appendCells(cellsBuf[:0], row)
			cells := string(cellsBuf)
			digest.add(pos, tbl.Row(), id, date, cells)
			// int64, not int: database/sql converts other integer types by reflection.
			batch = append(batch, int64(pos), int64(tbl.Row()), id, date, flags, cells)
			r.rows = pos
			if len(batch) == rowBatch*rowParams && !send() {
				return
			}
			if progress != nil && pos%5000 == 0 {
				progress(pos)
			}
		}
		if len(batch) > 0 && !send() {
			return
		}
		r.digest = digest.sum()
		r.order = order
	}()
	return r
}

// emptyBatch returns an inserted batch to fill again, or a new one.
func (r *rowReader) emptyBatch() []any {
	select {
	case b := <-r.spent:
		return b[:0]
	default:
		return make([]any, 0, rowBatch*rowParams)
	}
}

// recycle hands an inserted batch back to the reader. database/sql keeps
// nothing of a statement's arguments once it has run.
func (r *rowReader) recycle(b []any) {
	select {
	case r.spent <- b:
	default:
	}
}

// stop abandons reading (the insert failed) and waits for the reader.
func (r *rowReader) stop() {
	r.cancel()
	for range r.batches {
	}
	<-r.done
}

// wait returns the reader's error once it has finished.
func (r *rowReader) wait() error {
	<-r.done
	r.cancel()
	return r.err
}

// rowInserter writes population rows in multi-row INSERTs: one statement
// per batch instead of one per row. The population's ID is written into the
// statement, which saves binding it on every row.
type rowInserter struct {
	t     *txn
	popID int64
	stmt  *sql.Stmt
}

func newRowInserter(t *txn, popID int64) *rowInserter { return &rowInserter{t: t, popID: popID} }

func (r *rowInserter) sql(n int) string {
	row := "(" + strconv.FormatInt(r.popID, 10) + ",?,?,?,?,?,?),"
	return "INSERT INTO population_row (population_id, position, source_row, occurrence_id, occurrence_date, flags, cells) VALUES " +
		strings.TrimSuffix(strings.Repeat(row, n), ",")
}

func (r *rowInserter) exec(args []any) error {
	if len(args) < rowBatch*rowParams {
		_, err := r.t.exec(r.sql(len(args)/rowParams), args...)
		return err
	}
	if r.stmt == nil {
		var err error
		if r.stmt, err = r.t.tx.PrepareContext(r.t.ctx, r.sql(rowBatch)); err != nil {
			return err
		}
	}
	_, err := r.stmt.ExecContext(r.t.ctx, args...)
	return err
}

func (r *rowInserter) close() {
	if r.stmt != nil {
		r.stmt.Close()
	}
}
