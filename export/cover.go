package export

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/fieldwork-audit/fieldwork/model"
)

// ---------------------------------------------------------------- Cover

var sheetPurpose = map[string]string{
	SheetCover: "Engagement, progress, conclusions, tickmark legend", SheetMatrix: "Every criterion × the controls mapped to it",
	SheetSection4: "Controls, tests and results by criterion, as the report lays them out", SheetExceptions: "Exception log with management's responses",
	SheetNotes: "Review notes and responses", SheetPBC: "Requests to the client", SheetInterviews: "Inquiries",
	SheetComplementary: "Complementary user entity and subservice organization controls", SheetOpinion: "Proposed opinion and draft paragraphs",
	SheetTrail: "Every change to the workpaper, hash-chained",
}

func writeCover(d *data, b *book, name string, contents []string) error {
	s, err := b.newSheet(sheetSpec{name: name, widths: []float64{30, 52, 22, 44}, freezeRows: 2, printTitleRows: 2, portrait: true})
	if err != nil {
		return err
	}
	c := cover{d: d, s: s, st: &b.st}
	for _, section := range []func() error{
		c.engagement, c.subservice, c.team, c.export, c.progress, c.conclusions, c.tickmarks,
		func() error { return c.contents(contents) },
	} {
		if err := section(); err != nil {
			return err
		}
	}
	return s.close()
}

// cover is the cover sheet being written, one method a section.
type cover struct {
	d  *data
	s  *sheet
	st *styles
}

// kv is a row of a label and a value spanning the other columns.
func (c cover) kv(label string, value any) error {
	if err := c.s.add(c.st.str(stBold, label), value); err != nil {
		return err
	}
	return c.s.merge(2, 4)
}

// kvText is kv with a text value.
func (c cover) kvText(label, value string) error { return c.kv(label, c.st.str(stText, value)) }

// heading starts a section, after a blank row.
func (c cover) heading(text string) error {
	c.s.skip(1)
	return c.s.add(c.st.str(stSubtitle, text), c.st.str(stSubtitle, ""), c.st.str(stSubtitle, ""), c.st.str(stSubtitle, ""))
}

// engagement is the title and the engagement's set-up.
func (c cover) engagement() error {
	d, s, st, e := c.d, c.s, c.st, c.d.eng
	rows := []func() error{
		func() error {
			if err := s.addH(24, st.str(stTitle, fmt.Sprintf("SOC 2 %s examination — workpapers", e.Type))); err != nil {
				return err
			}
			return s.merge(1, 4)
		},
		func() error {
			if err := s.add(st.str(stBold, e.Client+" — "+e.System)); err != nil {
				return err
			}
			return s.merge(1, 4)
		},
		func() error {
			if err := s.add(st.str(stNote, "Draft workpapers exported from fieldwork for the engagement team. They support the service auditor's report; they are not the report.")); err != nil {
				return err
			}
			return s.merge(1, 4)
		},
		func() error { return c.heading("Engagement") },
		func() error { return c.kvText("Service organization", e.Client) },
		func() error { return c.kvText("System", e.System) },
		func() error { return c.kv("Report type", st.str(stText, e.Type.String())) },
	}
	if e.Type == model.TypeII {
		rows = append(rows,
			func() error { return c.kv("Period from", st.day(e.From)) },
			func() error { return c.kv("Period to", st.day(e.To)) })
	} else {
		rows = append(rows, func() error { return c.kv("Description as of", st.day(e.AsOf)) })
	}
	var cats []string
	for _, c := range model.Categories {
		if e.InScope(c) {
			cats = append(cats, c.Title())
		}
	}
	rows = append(rows,
		func() error { return c.kvText("Categories in scope", strings.Join(cats, "; ")) },
		func() error { return c.kvText("Firm", e.Firm) },
		func() error { return c.kv("Planning date", st.day(e.PlanningDate)) },
		func() error { return c.kv("Fieldwork start", st.day(e.FieldworkStart)) },
		func() error { return c.kv("Fieldwork end", st.day(e.FieldworkEnd)) },
		func() error { return c.kv("Report due", st.day(e.ReportDue)) },
		func() error { return c.kv("Report date", st.day(e.ReportDate)) },
	)
	if e.RolledFrom != "" {
		rows = append(rows, func() error { return c.kvText("Rolled forward from", e.RolledFrom) })
	}
	rows = append(rows,
		func() error { return c.kvText("Workpaper file", filepath.Base(d.w.Path())) },
		func() error { return c.kv("Engagement ID", st.str(stMono, e.UUID)) },
	)
	for _, r := range rows {
		if err := r(); err != nil {
			return err
		}
	}
	return nil
}

// subservice lists the subservice organizations and how the report treats them.
func (c cover) subservice() error {
	s, st, e := c.s, c.st, c.d.eng
	if err := c.heading("Subservice organizations"); err != nil {
		return err
	}
	if len(e.Subservice) == 0 {
		if err := s.add(st.str(stNote, "None recorded.")); err != nil {
			return err
		}
	} else {
		if err := s.add(st.str(stHeader, "Organization"), st.str(stHeader, "Services"), st.str(stHeader, "Method")); err != nil {
			return err
		}
		for _, so := range e.Subservice {
			method := "Carve-out: its controls are excluded; CSOCs are listed"
			if so.Method == model.Inclusive {
				method = "Inclusive: its controls are included"
			}
			if err := s.add(st.str(stText, so.Name), st.str(stText, so.Services), st.str(stText, method)); err != nil {
				return err
			}
		}
	}
	return nil
}

// team lists the engagement team.
func (c cover) team() error {
	s, st, e := c.s, c.st, c.d.eng
	if err := c.heading("Engagement team"); err != nil {
		return err
	}
	if err := s.add(st.str(stHeader, "Name"), st.str(stHeader, "Email"), st.str(stHeader, "Role")); err != nil {
		return err
	}
	for _, m := range e.Team {
		if err := s.add(st.str(stText, m.Name), st.str(stText, m.Email), st.str(stText, string(m.Role))); err != nil {
			return err
		}
	}
	return nil
}

// export says when, by whom and how this workbook was made.
func (c cover) export() error {
	d, st := c.d, c.st
	var secs []string
	for _, sc := range d.opt.Sections {
		secs = append(secs, string(sc))
	}
	zone, offset := d.opt.Now.In(d.opt.Location).Zone()
	exp := []func() error{
		func() error { return c.heading("This export") },
		func() error { return c.kv("Exported at", st.instant(d.opt.Now, d.opt.Location)) },
		func() error { return c.kvText("Exported by", d.opt.User) },
		func() error { return c.kvText("fieldwork version", d.opt.Version) },
		func() error { return c.kvText("Trail head", d.head.String()) },
		func() error {
			return c.kvText("Check the workpaper", "fieldwork verify FILE --head "+d.head.String()+" proves the file still holds the history this workbook was exported from")
		},
		func() error {
			name := d.opt.Location.String()
			if name == "Local" {
				name = zone
			}
			return c.kvText("Times shown in", fmt.Sprintf("%s (UTC%+03d:%02d)", name, offset/3600, abs(offset%3600)/60))
		},
		func() error { return c.kvText("Sections", strings.Join(secs, ", ")) },
	}
	for _, r := range exp {
		if err := r(); err != nil {
			return err
		}
	}
	return nil
}

// progress counts the controls by state and what is outstanding.
func (c cover) progress() error {
	d, st := c.d, c.st
	stt := d.status
	if err := c.heading("Progress"); err != nil {
		return err
	}
	prog := []struct {
		label string
		n     int
	}{
		{"Controls", stt.Controls},
		{"Not started", stt.ByState[model.StateNotStarted]},
		{"In progress", stt.ByState[model.StateInProgress]},
		{"Tested (concluded, not yet reviewed)", stt.ByState[model.StateTested]},
		{"Reviewed", stt.ByState[model.StateReviewed]},
		{"Items with deviations", stt.Deviations},
		{"Exceptions logged", stt.Exceptions},
		{"Open review notes", stt.OpenNotes},
		{"Responded review notes (to clear)", stt.RespondedNotes},
		{"Outstanding PBC requests", stt.OutstandingPBC},
	}
	for _, p := range prog {
		if err := c.kv(p.label, st.num(p.n)); err != nil {
			return err
		}
	}
	if err := c.kvText("Changed since review", listOrNone(stt.ChangedSince)); err != nil {
		return err
	}
	if err := c.kvText("Coverage gaps", listOrNone(stt.Gaps)); err != nil {
		return err
	}
	return nil
}

// conclusions counts the criteria by conclusion and gives the proposed opinion.
func (c cover) conclusions() error {
	d, st := c.d, c.st
	// The counts are of in-scope criteria, as the opinion counts them: a
	// design gap is a criterion not met.
	counts := map[model.CriterionStatus]int{}
	for _, cc := range d.concl {
		if cc.InScope {
			counts[cc.Status]++
		}
	}
	if err := c.heading("Conclusions"); err != nil {
		return err
	}
	for _, row := range []struct {
		label string
		n     int
	}{
		{"Criteria in scope", d.opinion.InScope},
		{"Met", d.opinion.Met},
		{"Not met (gaps included)", len(d.opinion.NotMet)},
		{"of which gaps (no control)", counts[model.CriterionGap]},
		{"At risk (deviations awaiting judgment)", counts[model.CriterionAtRisk]},
		{"Open (controls not yet concluded)", counts[model.CriterionOpen]},
	} {
		if err := c.kv(row.label, st.num(row.n)); err != nil {
			return err
		}
	}
	op := d.opinion
	if err := c.kvText("Proposed opinion", op.Proposed.Title()+": "+op.Reason); err != nil {
		return err
	}
	if op.Override != "" {
		if err := c.kvText("Opinion override", op.Override.Title()+": "+op.OverrideReason); err != nil {
			return err
		}
	}
	return nil
}

// tickmarks is the tickmark legend.
func (c cover) tickmarks() error {
	d, s, st := c.d, c.s, c.st
	if err := c.heading("Tickmark legend"); err != nil {
		return err
	}
	if err := s.add(st.str(stHeader, "Symbol"), st.str(stHeader, "Meaning")); err != nil {
		return err
	}
	if err := s.merge(2, 4); err != nil {
		return err
	}
	for _, tm := range d.tickmarks {
		if err := s.add(st.str(stCenter, tm.Symbol), st.str(stText, tm.Meaning)); err != nil {
			return err
		}
		if err := s.merge(2, 4); err != nil {
			return err
		}
	}
	return nil
}

// contents lists the sheets, each linked.
func (c cover) contents(contents []string) error {
	d, s, st := c.d, c.s, c.st
	if err := c.heading("Contents"); err != nil {
		return err
	}
	if err := s.add(st.str(stHeader, "Sheet"), st.str(stHeader, "What it holds")); err != nil {
		return err
	}
	if err := s.merge(2, 4); err != nil {
		return err
	}
	for _, n := range contents {
		purpose := sheetPurpose[n]
		if purpose == "" {
			if c := d.controlBySheet(n); c != nil {
				purpose = "Control test of " + c.c.Ref + ": " + c.c.Description
			}
		}
		if err := s.add(st.str(stPlain, n), st.str(stText, purpose)); err != nil {
			return err
		}
		if err := s.merge(2, 4); err != nil {
			return err
		}
		s.link(1, s.row, n)
	}
	return nil
}

func listOrNone(xs []string) string {
	if len(xs) == 0 {
		return "None"
	}
	return strings.Join(xs, ", ")
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
