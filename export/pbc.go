package export

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/fieldwork-audit/fieldwork/model"
)

// WritePBC writes the request list as a workbook to send to the client:
// one sheet, "PBC requests", with a column for the client's response. It
// leaves out what is internal to the engagement team (hashes, review
// notes). Options.Sections, IncludeTrail and Template are ignored.
func WritePBC(ctx context.Context, w *model.Workpaper, opt Options) (*Result, error) {
	start := time.Now()
	opt.Sections = []Section{SectionPBC}
	if err := opt.normalize(); err != nil {
		return nil, err
	}
	if err := checkOut(w, opt); err != nil {
		return nil, err
	}
	eng, err := w.Engagement(ctx)
	if err != nil {
		return nil, err
	}
	reqs, err := w.PBCRequests(ctx)
	if err != nil {
		return nil, err
	}
	head, err := w.TrailHead(ctx)
	if err != nil {
		return nil, err
	}
	b, err := newBook(ctx)
	if err != nil {
		return nil, err
	}
	defer b.f.Close()
	b.client, b.firm = eng.Client, eng.Firm
	st := &b.st
	heads := []string{"Ref", "Request", "Control", "Requested on", "Due on", "Status", "Received file", "Auditor's note", "Your response"}
	widths := []float64{9, 50, 10, 12, 12, 11, 28, 36, 40}
	s, err := b.newSheet(sheetSpec{name: SheetPBC, widths: widths, freezeRows: 4, printTitleRows: 4})
	if err != nil {
		return nil, err
	}
	if err := s.addH(20, st.str(stTitle, "Request list — "+eng.Client)); err != nil {
		return nil, err
	}
	if err := s.merge(1, 6); err != nil {
		return nil, err
	}
	if err := s.add(st.str(stBold, fmt.Sprintf("SOC 2 %s examination of %s, %s", eng.Type, eng.System, eng.Period()))); err != nil {
		return nil, err
	}
	if err := s.merge(1, len(heads)); err != nil {
		return nil, err
	}
	if err := s.add(st.str(stNote, fmt.Sprintf("Items %s requests from %s Please provide each item by its due date and note anything we should know in the last column. Generated %s.",
		orDash(eng.Firm), sentence(eng.Client), opt.Now.In(opt.Location).Format("2006-01-02")))); err != nil {
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
	for _, p := range reqs {
		status := st.str(stPlain, string(p.Status))
		if p.Outstanding() {
			status = st.str(stWarn, string(p.Status))
		}
		if err := s.add(st.str(stPlain, p.Ref), st.str(stText, p.Item), st.str(stPlain, p.ControlRef), st.day(p.RequestedOn), st.day(p.DueOn),
			status, st.str(stText, p.ReceivedName), st.str(stText, p.Note), st.str(stInput, "")); err != nil {
			return nil, err
		}
	}
	s.autoFilter(4, len(heads))
	if err := s.close(); err != nil {
		return nil, err
	}
	created := opt.Now.UTC().Format(time.RFC3339)
	if err := b.f.SetDocProps(&excelize.DocProperties{Title: CellText("Request list — " + eng.Client + " — " + eng.Period()),
		Creator: CellText(opt.User), LastModifiedBy: CellText(opt.User), Created: created, Modified: created, Version: CellText(opt.Version),
		Description: CellText("Exported by fieldwork " + opt.Version + "; trail head " + head.String())}); err != nil {
		return nil, err
	}
	if err := b.f.SetAppProps(&excelize.AppProperties{Application: "fieldwork", Company: CellText(eng.Firm)}); err != nil {
		return nil, err
	}
	n, err := saveAtomically(ctx, b.f, opt.Path, opt.Force, w.Path())
	if err != nil {
		return nil, err
	}
	return &Result{Path: opt.Path, Bytes: n, Cells: b.cells, Sheets: b.sheets, ControlSheets: map[string]string{}, Skipped: []string{}, Elapsed: time.Since(start)}, nil
}

// sentence ends text with a full stop, unless it already ends with one
// ("Harborview Payroll, Inc." stays as it is).
func sentence(text string) string {
	text = strings.TrimRight(text, " ")
	if strings.HasSuffix(text, ".") || strings.HasSuffix(text, "!") || strings.HasSuffix(text, "?") {
		return text
	}
	return text + "."
}
