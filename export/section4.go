package export

import (
	"fmt"
	"strings"

	"github.com/fieldwork-audit/fieldwork/model"
)

// --------------------------------------------------------- Criteria matrix

func writeMatrix(d *data, b *book, name string) error {
	st := &b.st
	fixed := []string{"ID", "Category", "Criterion", "In scope", "Controls", "Number of controls", "Gap", "Derived", "Conclusion", "Reason", "Override reason"}
	widths := []float64{8, 16, 38, 8, 24, 9, 6, 11, 11, 40, 28}
	for range d.controls {
		widths = append(widths, 3.6)
	}
	s, err := b.newSheet(sheetSpec{name: name, widths: widths, freezeRows: 3, freezeCols: 1, printTitleRows: 3})
	if err != nil {
		return err
	}
	if err := s.addH(20, st.str(stTitle, "Criteria matrix")); err != nil {
		return err
	}
	if err := s.merge(1, 6); err != nil {
		return err
	}
	if err := s.add(st.str(stNote, fmt.Sprintf("%s — %s. Every Trust Services Criterion, in scope or not, with the controls mapped to it (X) and its conclusion.", d.eng.Client, d.eng.Period()))); err != nil {
		return err
	}
	if err := s.merge(1, 10); err != nil {
		return err
	}
	head := make([]any, 0, len(widths))
	for _, h := range fixed {
		head = append(head, st.str(stHeader, h))
	}
	for _, c := range d.controls {
		head = append(head, st.str(stVertical, c.c.Ref))
	}
	if err := s.addH(64, head...); err != nil {
		return err
	}
	col := map[string]int{}
	for i, c := range d.controls {
		col[c.c.Ref] = i
	}
	for _, c := range d.concl {
		row := make([]any, len(widths))
		row[0] = st.str(stPlain, c.Ref)
		row[1] = st.str(stPlain, c.Category.Title())
		row[2] = st.str(stText, c.Title)
		row[3] = st.str(stCenter, yesNo(c.InScope))
		row[4] = st.str(stText, strings.Join(c.Controls, ", "))
		row[5] = st.num(len(c.Controls))
		if c.Status == model.CriterionGap {
			row[6] = st.str(stWarn, "Gap")
		}
		row[7] = st.str(stPlain, string(c.Derived))
		if c.Status == model.CriterionNotMet || c.Status == model.CriterionGap || c.Status == model.CriterionAtRisk {
			row[8] = st.str(stWarn, string(c.Status))
		} else {
			row[8] = st.str(stPlain, string(c.Status))
		}
		row[9] = st.str(stText, c.Reason)
		if c.Override != "" {
			row[10] = st.str(stText, c.Override+": "+c.OverrideReason)
		}
		for _, ref := range c.Controls {
			if i, ok := col[ref]; ok {
				row[len(fixed)+i] = st.str(stCenter, "X")
			}
		}
		if err := s.add(row...); err != nil {
			return err
		}
	}
	s.autoFilter(3, len(widths))
	return s.close()
}

// --------------------------------------------------------------- Section 4

// Section4Columns are the headings of the section-4 table.
var Section4Columns = []string{"Criterion", "Control No.", "Control activity specified by the service organization",
	"Tests performed by the service auditor", "Results of tests", "W/P ref"}

func writeSection4(d *data, b *book, name string) error {
	st := &b.st
	widths := []float64{10, 11, 48, 58, 44, 14}
	s, err := b.newSheet(sheetSpec{name: name, widths: widths, freezeRows: 3, printTitleRows: 3})
	if err != nil {
		return err
	}
	e := d.eng
	title := "Section 4 — Trust services criteria, related controls, and tests of controls"
	if e.Type == model.TypeI {
		title = "Section 4 — Trust services criteria and related controls"
	}
	if err := s.addH(20, st.str(stTitle, title)); err != nil {
		return err
	}
	if err := s.merge(1, 6); err != nil {
		return err
	}
	if err := s.add(st.str(stNote, fmt.Sprintf("%s — %s — %s, %s. Draft: controls are repeated under each criterion they address.", e.Client, e.System, e.Type, e.Period()))); err != nil {
		return err
	}
	if err := s.merge(1, 6); err != nil {
		return err
	}
	head := make([]any, len(Section4Columns))
	for i, h := range Section4Columns {
		head[i] = st.str(stHeader, h)
	}
	if err := s.add(head...); err != nil {
		return err
	}
	var cat model.Category
	for _, c := range d.concl {
		if !c.InScope {
			continue
		}
		if c.Category != cat {
			cat = c.Category
			if err := s.addH(20, st.str(stCategory, cat.Title()), st.str(stCategory, ""), st.str(stCategory, ""), st.str(stCategory, ""), st.str(stCategory, ""), st.str(stCategory, "")); err != nil {
				return err
			}
			if err := s.merge(1, 6); err != nil {
				return err
			}
		}
		text := c.Title
		if desc := d.criterionDescription(c.Ref); desc != "" {
			text += "\n" + desc
		}
		if err := s.add(st.str(stCriterion, c.Ref), st.str(stCriterion, text), st.str(stCriterion, ""), st.str(stCriterion, ""), st.str(stCriterion, ""), st.str(stCriterion, "")); err != nil {
			return err
		}
		if err := s.merge(2, 6); err != nil {
			return err
		}
		if len(c.Controls) == 0 {
			if err := s.add(st.str(stPlain, c.Ref), st.str(stPlain, "—"), st.str(stWarn, "No control addresses this criterion."), nil, st.str(stWarn, "Gap: not addressed")); err != nil {
				return err
			}
			continue
		}
		for _, ref := range c.Controls {
			x := d.byRef[ref]
			if x == nil {
				continue
			}
			res, resStyle := section4Result(d, x)
			wp := st.str(stPlain, x.ct.WPRef)
			if x.ct.ConclusionReason != "" {
				// The working column flags a conclusion the auditor reached
				// against the proposed one, with the reason.
				wp = st.str(stWarn, x.ct.WPRef+"\n⚑ Concluded "+string(x.ct.Conclusion)+" against the proposal: "+x.ct.ConclusionReason)
			}
			if err := s.add(st.str(stPlain, c.Ref), st.str(stPlain, x.c.Ref), st.str(stText, x.c.Description),
				st.str(stText, section4Tests(d, x)), st.str(resStyle, res), wp); err != nil {
				return err
			}
			if x.sheet != "" {
				s.link(6, s.row, x.sheet)
			}
		}
	}
	s.autoFilter(3, len(widths))
	return s.close()
}

// criterionDescription is the firm's criterion text when it imported one.
func (d *data) criterionDescription(ref string) string { return d.critDesc[ref] }

var procedureVerb = map[model.ProcedureKind]string{
	model.Inquiry: "Inquiry", model.Observation: "Observation", model.Inspection: "Inspection", model.Reperformance: "Re-performance",
}

// section4Tests words the tests performed: the procedures with their
// types and, for Type II, the sample and its population.
func section4Tests(d *data, x *control) string {
	var parts []string
	typeII := d.eng.Type == model.TypeII
	if len(x.ct.Procedures) == 0 || !typeII {
		if x.ct.DesignProcedure != "" {
			parts = append(parts, "Test of design: "+x.ct.DesignProcedure)
		}
	}
	if typeII {
		for _, p := range x.ct.Procedures {
			parts = append(parts, procedureVerb[p.Kind]+": "+p.Text)
		}
		if x.sel != nil && x.pop != nil {
			r := x.sel.Record
			switch {
			case r.Method == "all":
				parts = append(parts, fmt.Sprintf("Sample: all %s occurrences in the period tested (population: %s).", comma(r.Population), x.pop.SourceName))
			default:
				ext := ""
				if t := r.Total(); t > r.Size {
					ext = fmt.Sprintf(", extended to %d", t)
				}
				parts = append(parts, fmt.Sprintf("Sample: %d of %s occurrences (%s selection%s; population: %s).", r.Size, comma(r.Population), r.Method, ext, x.pop.SourceName))
			}
		} else if x.pop != nil && x.pop.Rows == 0 {
			parts = append(parts, fmt.Sprintf("Population: no occurrences in the period (%s).", x.pop.SourceName))
		}
	}
	if len(parts) == 0 {
		return "Testing not yet documented."
	}
	return strings.Join(parts, "\n")
}

// section4Result words the results: the exceptions as the report states
// them, else "No exceptions noted." once the control is concluded.
func section4Result(d *data, x *control) (string, styleKind) {
	if len(x.excs) > 0 {
		var ws []string
		for _, e := range x.excs {
			w := e.ReportWording
			if w == "" {
				w = "Exception noted: " + e.Description
			}
			ws = append(ws, w)
		}
		return strings.Join(ws, "\n\n"), stText
	}
	switch x.ev.Conclusion {
	case model.Effective, model.EffectiveWithExceptions:
		if x.ev.Deviations > 0 {
			return fmt.Sprintf("Deviations noted in %d of %d items; the exception is not yet logged.", x.ev.Deviations, x.ev.Items), stWarn
		}
		return "No exceptions noted.", stText
	case model.NotOccurring:
		return "The control did not operate during the period, so its operating effectiveness could not be tested.", stText
	case model.NotTested:
		return "Not tested.", stWarn
	case model.NotEffective:
		return "Exception noted: the control did not operate effectively (see the workpaper).", stWarn
	}
	if x.ev.Deviations > 0 {
		return fmt.Sprintf("Testing in progress: deviations in %d of %d items await evaluation.", x.ev.Deviations, x.ev.Items), stWarn
	}
	return "Testing not complete.", stWarn
}

func comma(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return s
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
