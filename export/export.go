// Package export writes a workpaper to an Excel workbook: the cover, the
// criteria matrix, the section-4 table, one sheet per control test, the
// exception log, review notes, requests, interviews, complementary
// controls, the opinion draft and (optionally) the audit trail. It reads
// everything through package model and never writes the workpaper, except
// for ApplyResults, which records results typed into an exported workbook.
//
// Sheets are streamed (excelize's StreamWriter): memory stays flat as the
// number of controls grows, and only the sheet being written is held. The
// file is written to a temporary file in the destination's folder and then
// moved into place, so a failed or cancelled export leaves nothing behind,
// and an existing workbook is never replaced unless asked.
//
// Client text is always written as text (inline strings, never formulas);
// text a spreadsheet would read as a formula gets a quote-prefix style. See
// docs/export.md for the layout.
package export

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/fieldwork-audit/fieldwork/model"
)

// Section is a part of the workbook that can be chosen with --sections.
type Section string

const (
	SectionCover         Section = "cover"
	SectionMatrix        Section = "matrix"
	SectionSection4      Section = "section4"
	SectionTests         Section = "tests"
	SectionExceptions    Section = "exceptions"
	SectionNotes         Section = "notes"
	SectionPBC           Section = "pbc"
	SectionInterviews    Section = "interviews"
	SectionComplementary Section = "complementary"
	SectionOpinion       Section = "opinion"
	SectionTrail         Section = "trail"
)

// Sections lists every section in workbook order.
var Sections = []Section{SectionCover, SectionMatrix, SectionSection4, SectionTests, SectionExceptions, SectionNotes,
	SectionPBC, SectionInterviews, SectionComplementary, SectionOpinion, SectionTrail}

// DefaultSections is every section but the audit trail.
var DefaultSections = Sections[:len(Sections)-1]

// Fixed sheet names, stable across exports.
const (
	SheetCover         = "Cover"
	SheetMatrix        = "Criteria matrix"
	SheetSection4      = "Section 4"
	SheetExceptions    = "Exceptions"
	SheetNotes         = "Review notes"
	SheetPBC           = "PBC requests"
	SheetInterviews    = "Interviews"
	SheetComplementary = "CUECs and CSOCs"
	SheetOpinion       = "Opinion draft"
	SheetTrail         = "Audit trail"
)

var sectionSheet = map[Section]string{
	SectionCover: SheetCover, SectionMatrix: SheetMatrix, SectionSection4: SheetSection4, SectionExceptions: SheetExceptions,
	SectionNotes: SheetNotes, SectionPBC: SheetPBC, SectionInterviews: SheetInterviews, SectionComplementary: SheetComplementary,
	SectionOpinion: SheetOpinion, SectionTrail: SheetTrail,
}

var sectionAliases = map[string]Section{
	"cover": SectionCover, "matrix": SectionMatrix, "criteria": SectionMatrix, "criteria-matrix": SectionMatrix,
	"section4": SectionSection4, "section-4": SectionSection4, "s4": SectionSection4,
	"tests": SectionTests, "controls": SectionTests, "control-tests": SectionTests, "workpapers": SectionTests,
	"exceptions": SectionExceptions, "notes": SectionNotes, "review-notes": SectionNotes,
	"pbc": SectionPBC, "requests": SectionPBC, "interviews": SectionInterviews,
	"complementary": SectionComplementary, "cuecs": SectionComplementary, "csocs": SectionComplementary,
	"opinion": SectionOpinion, "trail": SectionTrail, "audit-trail": SectionTrail, "log": SectionTrail,
}

// ParseSections reads a comma-separated list of sections ("cover,section4,tests").
func ParseSections(list string) ([]Section, error) {
	var out []Section
	seen := map[Section]bool{}
	for _, p := range strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
		s, ok := sectionAliases[strings.ToLower(strings.TrimSpace(p))]
		if !ok {
			names := make([]string, len(Sections))
			for i, s := range Sections {
				names[i] = string(s)
			}
			return nil, fmt.Errorf("unknown section %q (choose from %s)", p, strings.Join(names, ", "))
		}
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no sections given")
	}
	return out, nil
}

// Options says what to export and where.
type Options struct {
	// Path is the workbook to write (.xlsx).
	Path string
	// Force replaces an existing file at Path; without it the export fails
	// with ErrExists before doing any work.
	Force bool
	// Sections to include; nil means DefaultSections. Workbook order is
	// always the order of Sections, whatever the order given.
	Sections []Section
	// IncludeTrail adds the audit trail (as if SectionTrail were listed).
	IncludeTrail bool
	// Template is the opinion-draft template text (see DefaultTemplate);
	// empty means the built-in one.
	Template string
	// Version is fieldwork's version, shown on the cover.
	Version string
	// User is who exports: the workbook's author.
	User string
	// Now is the export time; zero means time.Now().
	Now time.Time
	// Location is the time zone instants are shown in; nil means time.Local.
	Location *time.Location
}

// ErrExists refuses to replace a workbook without Force.
var ErrExists = errors.New("the file already exists")

// Result describes a written workbook.
type Result struct {
	Path   string   `json:"path"`
	Bytes  int64    `json:"bytes"`
	Sheets []string `json:"sheets"`
	// Cells is the number of cells written.
	Cells int64 `json:"cells"`
	// ControlSheets maps each exported control test's W/P ref to its sheet.
	ControlSheets map[string]string `json:"control_sheets"`
	// Skipped lists the controls without test work, which get no sheet.
	Skipped []string      `json:"controls_without_test_work"`
	Elapsed time.Duration `json:"-"`
}

// DefaultPath is where "fieldwork export" writes by default: beside the
// workpaper, named <name>-workpapers-YYYYMMDD.xlsx.
func DefaultPath(workpaperPath string, now time.Time) string {
	base := strings.TrimSuffix(filepath.Base(workpaperPath), filepath.Ext(workpaperPath))
	return filepath.Join(filepath.Dir(workpaperPath), base+"-workpapers-"+now.Format("20060102")+".xlsx")
}

func (o *Options) normalize() error {
	if o.Path == "" {
		return errors.New("no output path")
	}
	if !strings.EqualFold(filepath.Ext(o.Path), ".xlsx") {
		return fmt.Errorf("%s: the workbook's name must end in .xlsx (Excel refuses other extensions for this format)", o.Path)
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.Location == nil {
		o.Location = time.Local
	}
	if o.User == "" {
		o.User = "unknown"
	}
	chosen := o.Sections
	if len(chosen) == 0 {
		chosen = DefaultSections
	}
	if o.IncludeTrail {
		chosen = append(chosen[:len(chosen):len(chosen)], SectionTrail)
	}
	for _, c := range chosen {
		if !slices.Contains(Sections, c) {
			return fmt.Errorf("unknown section %q", c)
		}
	}
	// Workbook order, each once, never sharing the caller's slice.
	o.Sections = nil
	for _, s := range Sections {
		for _, c := range chosen {
			if c == s {
				o.Sections = append(o.Sections, s)
				break
			}
		}
	}
	return nil
}

func (o *Options) has(s Section) bool {
	for _, x := range o.Sections {
		if x == s {
			return true
		}
	}
	return false
}

// Write exports the workpaper to opt.Path. progress, when not nil, is
// called from the calling goroutine as each sheet is done (done of total
// steps; the last step is saving). Cancelling ctx stops the export between
// rows and removes the partial file. Write only reads the workpaper, so it
// may run in the background (a tea.Cmd) while the workpaper stays open.
func Write(ctx context.Context, w *model.Workpaper, opt Options, progress func(done, total int)) (*Result, error) {
	start := time.Now()
	if err := opt.normalize(); err != nil {
		return nil, err
	}
	if err := checkOut(w, opt); err != nil {
		return nil, err
	}
	tmpl, err := ParseTemplate(opt.Template)
	if err != nil {
		return nil, err
	}
	b, err := newBook(ctx)
	if err != nil {
		return nil, err
	}
	defer b.f.Close()
	res, err := writeWorkbook(ctx, b, w, opt, tmpl, progress)
	if err != nil {
		return nil, err
	}
	n, err := saveAtomically(ctx, b.f, opt.Path, opt.Force, w.Path())
	if err != nil {
		return nil, err
	}
	res.Path, res.Bytes, res.Cells, res.Elapsed = opt.Path, n, b.cells, time.Since(start)
	if progress != nil {
		progress(res.steps, res.steps)
	}
	return &res.Result, nil
}

// checkOut refuses, before any work, an output path that is a workpaper
// (the one exported or any other, --force or not) and, without Force, any
// existing file.
func checkOut(w *model.Workpaper, opt Options) error {
	if err := model.CheckOutputPath(opt.Path, w.Path()); err != nil {
		return err
	}
	if !opt.Force {
		if _, err := os.Lstat(opt.Path); err == nil {
			return model.HintErrorf("%s: %w; choose another name%s", opt.Path, ErrExists, model.HintForce)
		}
	}
	return nil
}

// saveAtomically writes f to a temporary file in path's folder and moves it
// into place: a hard link when the destination must not exist (so a file
// created meanwhile is never replaced), a rename with force. The rename
// never replaces a workpaper (workpaper is the one exported), checked again
// just before it.
func saveAtomically(ctx context.Context, f *excelize.File, path string, force bool, workpaper string) (int64, error) {
	dir := filepath.Dir(path)
	// What a killed export left in this folder goes first.
	model.CleanStaleTemps(dir, "", "part")
	tmp, err := model.TempOutput(dir, filepath.Base(path), "part")
	if err != nil {
		return 0, err
	}
	name := tmp.Name()
	keep := false
	defer func() {
		if !keep {
			tmp.Close()
			os.Remove(name)
		}
	}()
	n, err := f.WriteTo(&ctxWriter{ctx: ctx, w: tmp})
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, fmt.Errorf("%s: writing the workbook: %w", path, err)
	}
	model.CrashPoint("export")
	if force {
		if err := model.CheckOutputPath(path, workpaper); err != nil {
			return 0, err
		}
		if err := os.Rename(name, path); err != nil {
			return 0, fmt.Errorf("%s: %w", path, err)
		}
		keep = true
		return n, nil
	}
	if err := os.Link(name, path); err != nil {
		if errors.Is(err, os.ErrExist) {
			return 0, model.HintErrorf("%s: %w; choose another name%s", path, ErrExists, model.HintForce)
		}
		// No hard links here (some network and FAT file systems): check,
		// then rename.
		if _, serr := os.Lstat(path); serr == nil {
			return 0, model.HintErrorf("%s: %w; choose another name%s", path, ErrExists, model.HintForce)
		}
		if err := os.Rename(name, path); err != nil {
			return 0, fmt.Errorf("%s: %w", path, err)
		}
		keep = true
		return n, nil
	}
	return n, nil
}

// ctxWriter stops a long save when the context is cancelled.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c *ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}
