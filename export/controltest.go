package export

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/fieldwork-audit/fieldwork/model"
	"github.com/fieldwork-audit/fieldwork/sampling"
)

// The tested-items grid of a control test sheet is framed by two hidden
// rows that ImportResults reads: the key row above the headings names each
// column, and the end row closes the grid.
const (
	gridKeyMarker = "fieldwork-grid/1"
	gridEndMarker = "fieldwork-grid-end"
)

// Grid column keys (the key row); attribute columns are "<letter>:<field>".
const (
	keyPosition  = "position"
	keySourceRow = "source-row"
	keyID        = "id"
	keyDate      = "date"
	keyFlags     = "flags"
	keyDrawn     = "drawn"
	fieldOutcome = "outcome"
	fieldTick    = "tickmark"
	fieldNote    = "note"
	fieldEvid    = "evidence"
	fieldVersion = "version"
)

var attrFields = []string{fieldOutcome, fieldTick, fieldNote, fieldEvid, fieldVersion}

// gridFixed is the number of item columns before the attribute columns.
const gridFixed = 7

// Outcomes as written in the grid (and accepted by its drop-down).
var outcomeWords = []string{string(model.Pass), string(model.Deviation), string(model.NotApplicable)}

func writeControlTest(d *data, b *book, x *control) error {
	s, err := b.newSheet(controlSheetSpec(x))
	if err != nil {
		return err
	}
	c := ctSheet{d: d, s: s, st: &b.st, x: x, header: x.clientHeader(), last: max(10, gridFixed+len(x.ct.Attributes)*5)}
	c.rule = c.st.str(stSubtitle, "") // boxed once: every heading repeats it
	for _, section := range []func() error{
		c.title, c.headerBlock, c.control, c.design, c.procedures, c.population, c.plan, c.attributes, c.tickmarks, c.findings, c.evaluation,
	} {
		if err := section(); err != nil {
			return err
		}
	}
	return s.close()
}

// ctSheet is a control-test sheet being written, one method a section.
type ctSheet struct {
	d      *data
	s      *sheet
	st     *styles
	x      *control
	header []string // the client's columns of the population
	last   int      // the last column a row spans
	rule   any      // a heading's filler cell
}

// heading starts a section, after a blank row, ruled across the sheet.
func (c ctSheet) heading(text string) error {
	c.s.skip(1)
	row := make([]any, c.last)
	for i := range row {
		row[i] = c.rule
	}
	row[0] = c.st.str(stSubtitle, text)
	return c.s.add(row...)
}

// kv is a "label: value" row, the value spanning the rest of the sheet.
func (c ctSheet) kv(label string, value string, style styleKind) error {
	if err := c.s.add(c.st.str(stBold, label), nil, nil, c.st.str(style, value)); err != nil {
		return err
	}
	if err := c.s.merge(1, 3); err != nil {
		return err
	}
	return c.s.merge(4, c.last)
}

// kvAny is a label and any cell value.
func (c ctSheet) kvAny(label string, value any) error {
	if err := c.s.add(c.st.str(stBold, label), nil, nil, value); err != nil {
		return err
	}
	return c.s.merge(1, 3)
}

// text is kv for a text, left out when empty.
func (c ctSheet) text(label, value string) error {
	if value == "" {
		return nil
	}
	return c.kv(label, value, stText)
}

// title is the title block (frozen, repeated on every printed page).
func (c ctSheet) title() error {
	s, st, ct, e, last := c.s, c.st, c.x.ct, c.d.eng, c.last
	if err := s.addH(20, st.str(stTitle, ct.WPRef+" — control "+ct.Control.Ref)); err != nil {
		return err
	}
	if err := s.merge(1, last); err != nil {
		return err
	}
	if err := s.add(st.str(stBold, fmt.Sprintf("%s — %s — SOC 2 %s, %s", e.Client, e.System, e.Type, e.Period()))); err != nil {
		return err
	}
	if err := s.merge(1, last); err != nil {
		return err
	}
	return nil
}

// headerBlock is the header block: client, period, W/P ref, control, sign-offs.
func (c ctSheet) headerBlock() error {
	s, st, ct, e, loc, last := c.s, c.st, c.x.ct, c.d.eng, c.d.opt.Location, c.last
	s.skip(1)
	if err := c.kv("Client", e.Client, stText); err != nil {
		return err
	}
	if err := c.kv("Period", e.Period(), stText); err != nil {
		return err
	}
	if err := c.kv("W/P ref", ct.WPRef, stBold); err != nil {
		return err
	}
	if err := c.kv("Control", ct.Control.Ref+" — "+ct.Control.Description, stText); err != nil {
		return err
	}
	for _, role := range []model.Role{model.RolePreparer, model.RoleReviewer} {
		label := "Prepared by"
		if role == model.RoleReviewer {
			label = "Reviewed by"
		}
		so, ok := ct.SignOff(role)
		if !ok {
			if err := c.kv(label, "Not signed off", stNote); err != nil {
				return err
			}
			continue
		}
		var status any
		if so.Stale {
			msg := "Stale: the workpaper changed after this sign-off"
			if !so.StaleAt.IsZero() {
				msg += fmt.Sprintf(" (%s, by %s)", so.StaleAt.In(loc).Format("2006-01-02 15:04"), so.StaleBy)
			}
			status = st.str(stWarn, msg)
		}
		if err := s.add(st.str(stBold, label), nil, nil, st.str(stText, so.Signer), st.day(so.SignedAt.In(loc)), status); err != nil {
			return err
		}
		if err := s.merge(1, 3); err != nil {
			return err
		}
		if err := s.merge(6, last); err != nil {
			return err
		}
	}
	if ct.ChangedSinceReview() {
		if err := c.kv("Review", "CHANGED SINCE REVIEW", stWarn); err != nil {
			return err
		}
	}
	return nil
}

// control is the control as the matrix describes it.
func (c ctSheet) control() error {
	ct := c.x.ct
	if err := c.heading("Control"); err != nil {
		return err
	}
	ctl := ct.Control
	if err := c.kv("Description", ctl.Description, stText); err != nil {
		return err
	}
	for _, r := range [][2]string{{"Owner", ctl.Owner}, {"Frequency", string(ctl.Frequency)}, {"Nature", string(ctl.Nature)},
		{"Key control", yesNo(ctl.Key)}, {"Risk", ct.Risk}, {"Criteria addressed", strings.Join(ctl.Criteria, ", ")}} {
		if err := c.text(r[0], r[1]); err != nil {
			return err
		}
	}
	return nil
}

// design is the test of design.
func (c ctSheet) design() error {
	ct := c.x.ct
	if err := c.heading("Test of design"); err != nil {
		return err
	}
	if ct.DesignProcedure == "" && ct.DesignResult == "" && ct.DesignConclusion == "" {
		if err := c.kv("Procedure", "Not yet documented", stNote); err != nil {
			return err
		}
	}
	for _, r := range [][2]string{{"Procedure", ct.DesignProcedure}, {"Result", ct.DesignResult}, {"Design conclusion", ct.DesignConclusion}} {
		if err := c.text(r[0], r[1]); err != nil {
			return err
		}
	}
	return nil
}

// procedures are the tests of operating effectiveness.
func (c ctSheet) procedures() error {
	ct := c.x.ct
	if err := c.heading("Tests of operating effectiveness"); err != nil {
		return err
	}
	if len(ct.Procedures) == 0 {
		if err := c.kv("Procedures", "None recorded", stNote); err != nil {
			return err
		}
	}
	for i, p := range ct.Procedures {
		if err := c.kv(fmt.Sprintf("%d. %s", i+1, procedureVerb[p.Kind]), p.Text, stText); err != nil {
			return err
		}
	}
	return nil
}

// population is the population and its IPE.
func (c ctSheet) population() error {
	st, x, loc := c.st, c.x, c.d.opt.Location
	if err := c.heading("Population (information produced by the entity)"); err != nil {
		return err
	}
	if p := x.pop; p == nil {
		if err := c.kv("Source", "No population imported", stNote); err != nil {
			return err
		}
	} else {
		src := p.SourceName
		if p.Sheet != "" {
			src += ", sheet " + p.Sheet
		}
		if err := c.text("Source", fmt.Sprintf("%s (%s, header on row %d)", src, p.Format, p.HeaderRow)); err != nil {
			return err
		}
		if err := c.kv("SHA-256 of the file", p.SHA256, stMono); err != nil {
			return err
		}
		if err := c.kv("SHA-256 of the stored rows", p.RowsDigest, stMono); err != nil {
			return err
		}
		for _, r := range []struct {
			label string
			n     int64
		}{{"File size (bytes)", p.SourceSize}, {"Rows (occurrences)", int64(p.Rows)}, {"Outside the period", int64(p.OutOfPeriod)},
			{"Unreadable dates", int64(p.BadDates)}, {"Duplicate IDs (rows)", int64(p.Duplicates)}, {"Blank rows skipped", int64(p.BlankRows)}} {
			if err := c.kvAny(r.label, excelize.Cell{StyleID: st.integer, Value: r.n}); err != nil {
				return err
			}
		}
		for _, r := range [][2]string{{"ID column", p.IDColumn}, {"Date column", p.DateColumn}, {"IPE procedure", p.IPEProcedure},
			{"IPE result", p.IPEResult}, {"Replaced because", p.ReplaceReason}} {
			if err := c.text(r[0], r[1]); err != nil {
				return err
			}
		}
		if p.IPEProcedure == "" {
			if err := c.kv("IPE", "Completeness and accuracy not yet tested", stWarn); err != nil {
				return err
			}
		}
		if err := c.text("Imported by", p.ImportedBy); err != nil {
			return err
		}
		if err := c.kvAny("Imported at", st.instant(p.ImportedAt, loc)); err != nil {
			return err
		}
	}
	return nil
}

// plan is the sample plan and the selection record.
func (c ctSheet) plan() error {
	s, st, x, ct, loc := c.s, c.st, c.x, c.x.ct, c.d.opt.Location
	if err := c.heading("Sample plan"); err != nil {
		return err
	}
	pl := ct.Plan
	if pl.Kind == "" {
		if err := c.kv("Plan", "No plan recorded", stNote); err != nil {
			return err
		}
	} else {
		for _, r := range [][2]string{{"Kind", string(pl.Kind)}, {"Confidence", pl.Confidence}, {"Tolerable rate", pl.Tolerable},
			{"Expected rate", pl.Expected}, {"Model", pl.Model}} {
			if err := c.text(r[0], r[1]); err != nil {
				return err
			}
		}
		if err := c.kvAny("Planned size", st.num(pl.Size)); err != nil {
			return err
		}
		if pl.Kind == "statistical" {
			if err := c.kvAny("Deviations allowed", st.num(pl.Allowed)); err != nil {
				return err
			}
		}
		if err := c.text("Basis", pl.Basis); err != nil {
			return err
		}
	}
	if err := c.heading("Selection record (re-perform with 'fieldwork sample verify')"); err != nil {
		return err
	}
	if x.sel == nil {
		if err := c.kv("Selection", "No sample drawn", stNote); err != nil {
			return err
		}
	} else {
		if err := writeSelectionRecord(s, st, x.sel, c.kv, c.kvAny); err != nil {
			return err
		}
		if err := c.kv("Drawn by", x.sel.DrawnBy, stText); err != nil {
			return err
		}
		if err := c.kvAny("Drawn at", st.instant(x.sel.DrawnAt, loc)); err != nil {
			return err
		}
	}
	return nil
}

// attributes are the attributes and the grid of results.
func (c ctSheet) attributes() error {
	d, s, st, x, ct, last, nAttr, header := c.d, c.s, c.st, c.x, c.x.ct, c.last, len(c.x.ct.Attributes), c.header
	if err := c.heading("Attributes"); err != nil {
		return err
	}
	if nAttr == 0 {
		if err := c.kv("Attributes", "None defined", stNote); err != nil {
			return err
		}
	}
	for _, a := range ct.Attributes {
		if err := c.kv("Attribute "+a.Letter, a.Text, stText); err != nil {
			return err
		}
	}
	if x.sel != nil {
		if err := c.heading("Tested items"); err != nil {
			return err
		}
		if err := s.add(st.str(stNote, "Results may be typed into the yellow columns and read back with 'fieldwork import-results'. Outcomes: pass, deviation or na; tickmarks from the legend below. The client's columns of each item are grouped at the right (+ to show).")); err != nil {
			return err
		}
		if err := s.merge(1, last); err != nil {
			return err
		}
		if err := writeGrid(d, s, st, x, header); err != nil {
			return err
		}
	}
	return nil
}

// tickmarks is the tickmark legend.
func (c ctSheet) tickmarks() error {
	d := c.d
	if err := c.heading("Tickmark legend"); err != nil {
		return err
	}
	for _, tm := range d.tickmarks {
		if err := c.kv(tm.Symbol, tm.Meaning, stText); err != nil {
			return err
		}
	}
	return nil
}

// findings are the exceptions and review notes on this control.
func (c ctSheet) findings() error {
	d, x := c.d, c.x
	if err := c.heading("Exceptions"); err != nil {
		return err
	}
	if len(x.excs) == 0 {
		if err := c.kv("Exceptions", "None logged", stNote); err != nil {
			return err
		}
	}
	for _, ex := range x.excs {
		pos := make([]string, len(ex.Positions))
		for i, p := range ex.Positions {
			pos[i] = strconv.Itoa(p)
		}
		body := fmt.Sprintf("%s\nItems (positions): %s\nEvaluation: %s\nReport wording: %s\nManagement's response: %s",
			ex.Description, strings.Join(pos, ", "), orDash(ex.Evaluation), orDash(ex.ReportWording), orDash(ex.Response))
		if ex.Compensating != "" {
			body += "\nMitigating evidence: " + ex.Compensating
		}
		if ex.CompensatingControl != "" {
			body += "\nCompensating control: " + ex.CompensatingControl
		}
		if err := c.kv(ex.Ref, body, stText); err != nil {
			return err
		}
	}
	if err := c.heading("Review notes"); err != nil {
		return err
	}
	notes := 0
	for _, n := range d.notes {
		if n.TargetKind == "control" && n.TargetRef == x.ct.Control.Ref {
			notes++
			body := fmt.Sprintf("%s\n[%s] %s", n.Text, n.State, n.Response)
			style := stText
			if n.State != model.NoteCleared {
				style = stWarn
			}
			if err := c.kv(n.Ref, strings.TrimSpace(body), style); err != nil {
				return err
			}
		}
	}
	if notes == 0 {
		if err := c.kv("Review notes", "None", stNote); err != nil {
			return err
		}
	}
	return nil
}

// evaluation is the evaluation and the conclusion.
func (c ctSheet) evaluation() error {
	st, x, ct := c.st, c.x, c.x.ct
	if err := c.heading("Evaluation and conclusion"); err != nil {
		return err
	}
	ev := x.ev
	for _, r := range []struct {
		label string
		n     int
	}{{"Items selected", ev.Items}, {"Items fully tested", ev.Complete}, {"Results recorded", ev.Recorded},
		{"Items with deviations", ev.Deviations}, {"Exceptions logged", ev.Exceptions}} {
		if err := c.kvAny(r.label, st.num(r.n)); err != nil {
			return err
		}
	}
	if se := ev.Statistical; se != nil {
		if err := c.kvAny("Upper deviation limit", st.pct(se.UpperLimitPercent/100)); err != nil {
			return err
		}
		if err := c.kvAny("Sample deviation rate", st.pct(float64(ev.Deviations)/float64(max(1, ev.Items)))); err != nil {
			return err
		}
		if err := c.text("Statistical conclusion", string(se.Conclusion)); err != nil {
			return err
		}
	}
	if err := c.text("Proposed conclusion", proposedText(string(ev.Proposed), ev.Reason)); err != nil {
		return err
	}
	concl := string(ct.Conclusion)
	style := stBold
	if concl == "" {
		concl, style = "Not concluded", stWarn
	}
	if err := c.kv("Conclusion", concl, style); err != nil {
		return err
	}
	if err := c.text("Conclusion note", ct.ConclusionNote); err != nil {
		return err
	}
	if ct.ConclusionReason != "" {
		if err := c.kv("Departs from the proposal", ct.ConclusionReason, stWarn); err != nil {
			return err
		}
	}
	return nil
}

// clientHeader is the headings of the client's columns of the items.
func (x *control) clientHeader() []string {
	if x.pop == nil {
		return nil
	}
	return x.pop.Header
}

// controlSheetSpec lays out a control test sheet: the grid's columns (an
// attribute's version hidden, the client's columns grouped at the right).
func controlSheetSpec(x *control) sheetSpec {
	nAttr, header := len(x.ct.Attributes), x.clientHeader()
	widths := []float64{6, 10, 9, 16, 11, 14, 9}
	var hidden []int
	for i := 0; i < nAttr; i++ {
		widths = append(widths, 11, 9, 28, 28, 6)
		hidden = append(hidden, gridFixed+i*5+5)
	}
	for range header {
		widths = append(widths, 16)
	}
	for len(widths) < 12 {
		widths = append(widths, 16)
	}
	var grouped []int
	for i := range header {
		grouped = append(grouped, gridFixed+nAttr*5+i+1)
	}
	return sheetSpec{name: x.sheet, ref: x.ct.WPRef, widths: widths, freezeRows: 2, printTitleRows: 2,
		hiddenCols: hidden, groupedCols: grouped}
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// writeSelectionRecord writes everything needed to re-perform a selection.
func writeSelectionRecord(s *sheet, st *styles, sel *model.Selection, kv func(string, string, styleKind) error, kvAny func(string, any) error) error {
	r := sel.Record
	rows := [][2]string{{"Method", string(r.Method)}, {"Algorithm", r.Algorithm}}
	if r.Method == sampling.Random || r.Method == sampling.Systematic {
		// The seed is text: a 64-bit seed does not fit a spreadsheet number.
		rows = append(rows, [2]string{"Seed", strconv.FormatUint(r.Seed, 10)})
	}
	for _, row := range rows {
		if err := kv(row[0], row[1], stText); err != nil {
			return err
		}
	}
	if err := kvAny("Population (N)", st.num(r.Population)); err != nil {
		return err
	}
	if err := kv("Population SHA-256", r.PopulationSHA256, stMono); err != nil {
		return err
	}
	if err := kvAny("Sample size (n)", st.num(r.Size)); err != nil {
		return err
	}
	if r.Method == sampling.Systematic {
		if err := kvAny("Interval", st.num(r.Interval)); err != nil {
			return err
		}
		if err := kvAny("Random start", st.num(r.Start)); err != nil {
			return err
		}
	}
	if r.Method == sampling.AllItems {
		if err := kv("Positions", fmt.Sprintf("1 to %d (every item)", r.Population), stText); err != nil {
			return err
		}
	} else {
		if err := kv("Positions in draw order", joinInts(r.Positions), stText); err != nil {
			return err
		}
		if err := kv("Positions sorted", joinInts(r.Sorted), stText); err != nil {
			return err
		}
	}
	for i, x := range r.Extensions {
		if err := kv(fmt.Sprintf("Extension %d", i+1), fmt.Sprintf("%d items added, in draw order: %s", x.Added, joinInts(x.Positions)), stText); err != nil {
			return err
		}
	}
	if err := kvAny("Items with extensions", st.num(r.Total())); err != nil {
		return err
	}
	return kv("Size basis", sel.SizeBasis, stText)
}

func joinInts(xs []int) string {
	var b strings.Builder
	for i, x := range xs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(x))
	}
	return b.String()
}

// tickmarkList is the legend's symbols for a drop-down, or nil when one
// cannot be listed there.
func tickmarkList(tms []model.Tickmark) []string {
	var out []string
	for _, tm := range tms {
		sym := CellText(tm.Symbol)
		if sym == "" || strings.ContainsAny(sym, `,"`) || formulaLike(sym) {
			return nil
		}
		out = append(out, sym)
	}
	return out
}

// proposedText is the proposed conclusion and its reason, joined by a dash
// only when both are there: no stray "— " when the proposal is empty.
func proposedText(proposed, reason string) string {
	proposed, reason = strings.TrimSpace(proposed), strings.TrimSpace(reason)
	switch {
	case proposed == "":
		return reason
	case reason == "":
		return proposed
	}
	return proposed + " — " + reason
}
