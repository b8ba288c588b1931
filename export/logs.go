package export

import (
	"fmt"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/fieldwork-audit/fieldwork/model"
)

// ------------------------------------------------------------ Simple tables

// table writes a titled table: title row, note row, heading row (frozen,
// repeated on print, with the AutoFilter), then the rows.
type table struct {
	s    *sheet
	cols int
}

func (b *book) newTable(name, title, note string, heads []string, widths []float64) (*table, error) {
	st := &b.st
	s, err := b.newSheet(sheetSpec{name: name, widths: widths, freezeRows: 3, printTitleRows: 3})
	if err != nil {
		return nil, err
	}
	if err := s.addH(20, st.str(stTitle, title)); err != nil {
		return nil, err
	}
	if err := s.merge(1, min(len(heads), 6)); err != nil {
		return nil, err
	}
	if err := s.add(st.str(stNote, note)); err != nil {
		return nil, err
	}
	if err := s.merge(1, len(heads)); err != nil {
		return nil, err
	}
	row := make([]any, len(heads))
	for i, h := range heads {
		row[i] = st.str(stHeader, h)
	}
	if err := s.add(row...); err != nil {
		return nil, err
	}
	return &table{s: s, cols: len(heads)}, nil
}

func (t *table) close() error {
	t.s.autoFilter(3, t.cols)
	return t.s.close()
}

func (d *data) subtitle() string {
	return d.eng.Client + " — " + d.eng.Period()
}

func writeExceptions(d *data, b *book, name string) error {
	st := &b.st
	t, err := b.newTable(name, "Exceptions", d.subtitle()+". Management's responses are reported in a section the opinion does not cover.",
		[]string{"Ref", "Control", "W/P ref", "Items (positions)", "Description", "Cause", "Evaluation", "Mitigating evidence", "Sample extended",
			"Criteria affected", "Report wording", "Management's response", "Remediation plan", "Remediation owner", "Remediation due", "Re-test result",
			"Updated by", "Updated at"},
		[]float64{8, 10, 14, 14, 40, 32, 11, 28, 9, 12, 40, 40, 30, 16, 11, 24, 14, 16})
	if err != nil {
		return err
	}
	loc := d.opt.Location
	for _, x := range d.exceptions {
		pos := make([]string, len(x.Positions))
		for i, p := range x.Positions {
			pos[i] = fmt.Sprint(p)
		}
		if err := t.s.add(st.str(stPlain, x.Ref), st.str(stPlain, x.ControlRef), st.str(stPlain, x.WPRef), st.str(stText, strings.Join(pos, ", ")),
			st.str(stText, x.Description), st.str(stText, x.Cause), st.str(stPlain, x.Evaluation), st.str(stText, x.Compensating),
			st.str(stCenter, yesNo(x.SampleExtended)), st.str(stText, strings.Join(x.CriteriaAffected, ", ")), st.str(stText, x.ReportWording),
			st.str(stText, x.Response), st.str(stText, x.RemediationPlan), st.str(stText, x.RemediationOwner), st.day(x.RemediationDue),
			st.str(stText, x.RetestResult), st.str(stPlain, x.UpdatedBy), st.instant(x.UpdatedAt, loc)); err != nil {
			return err
		}
		if c := d.byRef[x.ControlRef]; c != nil && c.sheet != "" {
			t.s.link(3, t.s.row, c.sheet)
		}
	}
	return t.close()
}

func writeNotes(d *data, b *book, name string) error {
	st := &b.st
	t, err := b.newTable(name, "Review notes", d.subtitle()+". Notes stay open until the preparer responds and the reviewer clears them.",
		[]string{"Ref", "On", "Target", "Note", "Assigned to", "State", "Response", "Responded by", "Responded at", "Cleared by", "Cleared at", "Raised by", "Raised at"},
		[]float64{9, 11, 12, 48, 16, 11, 44, 14, 16, 14, 16, 14, 16})
	if err != nil {
		return err
	}
	loc := d.opt.Location
	for _, n := range d.notes {
		state := st.str(stPlain, string(n.State))
		if n.State != model.NoteCleared {
			state = st.str(stWarn, string(n.State))
		}
		if err := t.s.add(st.str(stPlain, n.Ref), st.str(stPlain, n.TargetKind), st.str(stPlain, n.TargetRef), st.str(stText, n.Text),
			st.str(stText, n.Assignee), state, st.str(stText, n.Response), st.str(stPlain, n.RespondedBy), st.instant(n.RespondedAt, loc),
			st.str(stPlain, n.ClearedBy), st.instant(n.ClearedAt, loc), st.str(stPlain, n.CreatedBy), st.instant(n.CreatedAt, loc)); err != nil {
			return err
		}
		if c := d.byRef[n.TargetRef]; n.TargetKind == "control" && c != nil && c.sheet != "" {
			t.s.link(3, t.s.row, c.sheet)
		}
	}
	return t.close()
}

func writePBCSheet(d *data, b *book, name string) error {
	st := &b.st
	t, err := b.newTable(name, "PBC requests", d.subtitle()+". Items requested from the client (provided by client).",
		[]string{"Ref", "Request", "Control", "Requested on", "Due on", "Status", "Outstanding", "Received file", "Received SHA-256", "Note"},
		[]float64{9, 48, 10, 12, 12, 11, 11, 30, 30, 40})
	if err != nil {
		return err
	}
	for _, p := range d.pbc {
		status := st.str(stPlain, string(p.Status))
		if p.Outstanding() {
			status = st.str(stWarn, string(p.Status))
		}
		if err := t.s.add(st.str(stPlain, p.Ref), st.str(stText, p.Item), st.str(stPlain, p.ControlRef), st.day(p.RequestedOn), st.day(p.DueOn),
			status, st.str(stCenter, yesNo(p.Outstanding())), st.str(stText, p.ReceivedName), st.str(stMono, p.ReceivedSHA256), st.str(stText, p.Note)); err != nil {
			return err
		}
	}
	return t.close()
}

func writeInterviews(d *data, b *book, name string) error {
	st := &b.st
	t, err := b.newTable(name, "Interviews", d.subtitle()+". Inquiries of the service organization's personnel.",
		[]string{"Date", "Person", "Role", "Held by", "Summary", "Controls"},
		[]float64{12, 20, 22, 16, 70, 18})
	if err != nil {
		return err
	}
	for _, in := range d.interviews {
		if err := t.s.add(st.day(in.HeldOn), st.str(stText, in.Person), st.str(stText, in.Role), st.str(stText, in.HeldBy),
			st.str(stText, in.Summary), st.str(stText, strings.Join(in.Controls, ", "))); err != nil {
			return err
		}
	}
	return t.close()
}

func writeComplementary(d *data, b *book, name string) error {
	st := &b.st
	t, err := b.newTable(name, "CUECs and CSOCs", d.subtitle()+". Controls the user entities (CUECs) and the carved-out subservice organizations (CSOCs) are expected to operate.",
		[]string{"Kind", "Ref", "Control", "Criteria", "Subservice organization", "Method"},
		[]float64{30, 10, 70, 16, 26, 12})
	if err != nil {
		return err
	}
	method := map[string]string{}
	for _, so := range d.eng.Subservice {
		method[so.Name] = string(so.Method)
	}
	for _, c := range d.eng.Complementary {
		kind := "Complementary user entity control (CUEC)"
		if c.Kind == model.CSOC {
			kind = "Complementary subservice organization control (CSOC)"
		}
		if err := t.s.add(st.str(stText, kind), st.str(stPlain, c.Ref), st.str(stText, c.Text), st.str(stText, strings.Join(c.Criteria, ", ")),
			st.str(stText, c.Subservice), st.str(stPlain, method[c.Subservice])); err != nil {
			return err
		}
	}
	t.s.autoFilter(3, t.cols)
	s := t.s
	s.skip(1)
	if err := s.add(st.str(stSubtitle, "Subservice organizations"), st.str(stSubtitle, ""), st.str(stSubtitle, ""), st.str(stSubtitle, ""), st.str(stSubtitle, ""), st.str(stSubtitle, "")); err != nil {
		return err
	}
	if len(d.eng.Subservice) == 0 {
		if err := s.add(st.str(stNote, "None recorded.")); err != nil {
			return err
		}
	}
	for _, so := range d.eng.Subservice {
		if err := s.add(st.str(stText, so.Name), nil, st.str(stText, so.Services), nil, nil, st.str(stPlain, string(so.Method))); err != nil {
			return err
		}
	}
	return s.close()
}

// ------------------------------------------------------------ Opinion draft

func writeOpinion(d *data, b *book, name string, tmpl *Template) error {
	st := &b.st
	widths := []float64{22, 28, 12, 46, 20, 46}
	s, err := b.newSheet(sheetSpec{name: name, widths: widths, freezeRows: 2, printTitleRows: 2, portrait: true})
	if err != nil {
		return err
	}
	op := d.opinion
	kv := func(label, value string, style styleKind) error {
		if err := s.add(st.str(stBold, label), st.str(style, value)); err != nil {
			return err
		}
		return s.merge(2, 6)
	}
	heading := func(text string) error {
		s.skip(1)
		row := []any{st.str(stSubtitle, text)}
		for i := 1; i < len(widths); i++ {
			row = append(row, st.str(stSubtitle, ""))
		}
		return s.add(row...)
	}
	if err := s.addH(20, st.str(stTitle, "Opinion draft — "+op.Opinion.Title())); err != nil {
		return err
	}
	if err := s.merge(1, 6); err != nil {
		return err
	}
	if err := s.add(st.str(stNote, d.subtitle()+". A draft for the engagement team: the auditor decides, and can override with a written reason ('fieldwork opinion override').")); err != nil {
		return err
	}
	if err := s.merge(1, 6); err != nil {
		return err
	}
	if err := heading("Proposal"); err != nil {
		return err
	}
	final := "Yes: every in-scope criterion is concluded."
	if !op.Final {
		final = fmt.Sprintf("No: %d criteria are still open or at risk.", len(op.Open))
	}
	rows := [][3]string{
		{"Proposed", op.Proposed.Title(), ""},
		{"Why", op.Reason, ""},
		{"Final", final, ""},
		{"Pervasiveness rule", op.Rule, ""},
		{"In scope", fmt.Sprintf("%d criteria in %d series; %d met, %d not met, %d open or at risk", op.InScope, op.Areas, op.Met, len(op.NotMet), len(op.Open)), ""},
	}
	if op.Override != "" {
		rows = append(rows, [3]string{"Override", op.Override.Title() + ": " + op.OverrideReason, "warn"})
	}
	rows = append(rows, [3]string{"Opinion in the draft", op.Opinion.Title(), "bold"})
	for _, r := range rows {
		style := stText
		switch r[2] {
		case "warn":
			style = stWarn
		case "bold":
			style = stBold
		}
		if err := kv(r[0], r[1], style); err != nil {
			return err
		}
	}
	findings := func(title string, fs []model.CriterionFinding) error {
		if err := heading(title); err != nil {
			return err
		}
		if len(fs) == 0 {
			return s.add(st.str(stNote, "None."))
		}
		heads := []string{"Criterion", "Title", "Status", "Reason", "Controls not effective", "Exceptions"}
		row := make([]any, len(heads))
		for i, h := range heads {
			row[i] = st.str(stHeader, h)
		}
		if err := s.add(row...); err != nil {
			return err
		}
		for _, f := range fs {
			var xs []string
			for _, x := range f.Exceptions {
				xs = append(xs, x.Ref+" ("+x.WPRef+"): "+x.Wording)
			}
			if err := s.add(st.str(stPlain, f.Ref), st.str(stText, f.Title), st.str(stWarn, string(f.Status)), st.str(stText, f.Reason),
				st.str(stText, strings.Join(f.NotEffective, ", ")), st.str(stText, strings.Join(xs, "\n"))); err != nil {
				return err
			}
		}
		return nil
	}
	if err := findings("Criteria not met", op.NotMet); err != nil {
		return err
	}
	if err := findings("Criteria still open or at risk", op.Open); err != nil {
		return err
	}
	paras, err := tmpl.Paragraphs(templateData(d.eng, op, d.critDesc, d.opt.Now.In(d.opt.Location)))
	if err != nil {
		return err
	}
	if err := heading("Draft paragraphs"); err != nil {
		return err
	}
	for _, p := range paras {
		if h, ok := strings.CutPrefix(p, "## "); ok {
			if err := s.add(st.str(stBold, h)); err != nil {
				return err
			}
			if err := s.merge(1, 6); err != nil {
				return err
			}
			continue
		}
		if err := s.add(st.str(stText, p)); err != nil {
			return err
		}
		if err := s.merge(1, 6); err != nil {
			return err
		}
	}
	return s.close()
}

func writeTrail(d *data, b *book, name string) error {
	st := &b.st
	t, err := b.newTable(name, "Audit trail", d.subtitle()+". Every change to the workpaper in order; each entry's hash covers the previous one ('fieldwork verify' checks the chain).",
		[]string{"Seq", "At", "User", "Operation", "Table", "Record", "Field", "Old value", "New value", "Note", "W/P ref", "Hash"},
		[]float64{8, 17, 14, 9, 14, 12, 16, 30, 30, 36, 14, 18})
	if err != nil {
		return err
	}
	loc := d.opt.Location
	after := int64(0)
	for {
		page, err := d.w.Trail(b.ctx, model.TrailFilter{AfterSeq: after, Limit: trailPage})
		if err != nil {
			return err
		}
		for _, c := range page {
			if t.s.row >= excelize.TotalRows-1 {
				if err := t.s.add(st.str(stWarn, fmt.Sprintf("The trail continues after entry %d: the sheet is full. 'fieldwork log' prints the rest.", after))); err != nil {
					return err
				}
				return t.close()
			}
			wp := ""
			if x := d.byTestUUID[c.Scope]; x != nil {
				wp = x.ct.WPRef
			}
			// An insert is one entry holding every value the record was
			// created with, an update of several fields one entry too: one
			// row per value, so each stays a cell of its own (filterable,
			// and formula-safe as any other).
			type cell struct {
				field    string
				old, new *string
			}
			cells := []cell{{c.Field, c.Old, c.New}}
			if len(c.Fields) > 0 {
				cells = cells[:0]
				for _, f := range c.Fields {
					cells = append(cells, cell{f.Field, f.Old, f.New})
				}
			}
			if c.Op == "insert" && len(c.Values) > 0 {
				cells = cells[:0]
				for _, v := range c.Values {
					v := v
					cells = append(cells, cell{v.Field, nil, &v.Value})
				}
			}
			for _, x := range cells {
				var old, nw any
				if x.old != nil {
					old = st.str(stText, *x.old)
				}
				if x.new != nil {
					nw = st.str(stText, *x.new)
				}
				if err := t.s.add(st.pos(c.Seq), st.instant(c.At, loc), st.str(stPlain, c.User), st.str(stPlain, c.Op),
					st.str(stPlain, c.Table), st.str(stMono, c.RecordUUID), st.str(stPlain, x.field), old, nw, st.str(stText, c.Note),
					st.str(stPlain, wp), st.str(stMono, c.Hash)); err != nil {
					return err
				}
			}
			after = c.Seq
		}
		if len(page) < trailPage {
			break
		}
	}
	return t.close()
}
