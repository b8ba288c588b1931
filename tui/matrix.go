package tui

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/fieldwork-audit/fieldwork/model"
	"github.com/fieldwork-audit/fieldwork/tui/widget/filepicker"
	"github.com/fieldwork-audit/fieldwork/tui/widget/list"
)

// matrixPage imports the client's control matrix (I on the dashboard or
// the criteria walk): pick the CSV or XLSX file, read it, see every
// problem with its row and column — nothing is imported until the file is
// clean — or the controls it holds and the coverage it gives, then import
// them in one transaction. Controls already in the workpaper are updated
// by ID; none is ever deleted.
type matrixPage struct {
	common
	data   *snapshot
	picker *filepicker.Model
	stage  matrixStage

	readID   int64
	path     string // the file read
	inputs   []model.ControlInput
	issues   list.Model[model.MatrixIssue]
	controls list.Model[model.ControlInput]
	readErr  string // the file itself could not be read

	saveID int64
}

type matrixStage int

const (
	matrixPick matrixStage = iota
	matrixReading
	matrixIssues
	matrixPreview
	matrixImporting
)

// matrixReadMsg answers ReadControlMatrix.
type matrixReadMsg struct {
	id     int64
	inputs []model.ControlInput
	err    error
}

// matrixImportedMsg answers ImportControls.
type matrixImportedMsg struct {
	id  int64
	sum model.ImportSummary
	err error
}

func newMatrixPage(c common, d *snapshot) *matrixPage {
	p := &matrixPage{common: c, data: d}
	p.picker = newFilePicker(c, matrixExts, "path to the control matrix (CSV or XLSX)")
	p.issues = newList(c, list.Config[model.MatrixIssue]{
		ID:     func(is model.MatrixIssue) string { return is.String() },
		Render: p.renderIssue,
		Empty:  "No problems.",
	})
	p.controls = newList(c, list.Config[model.ControlInput]{
		ID:     func(ci model.ControlInput) string { return ci.ID },
		Render: p.renderControl,
		Empty:  "The file holds no controls.",
	})
	return p
}

func (p *matrixPage) Init() tea.Cmd      { return p.picker.Init() }
func (p *matrixPage) Title() string      { return "Import control matrix" }
func (p *matrixPage) InputFocused() bool { return p.stage == matrixPick && p.picker.Typing() }
func (p *matrixPage) HandlesBack() bool {
	return p.InputFocused() || p.stage == matrixIssues || p.stage == matrixPreview || p.stage == matrixImporting
}

func (p *matrixPage) Busy() string {
	switch p.stage {
	case matrixReading:
		return "reading " + oneLine(filepath.Base(p.path)) + "…"
	case matrixImporting:
		return "importing the controls…"
	}
	return ""
}

func (p *matrixPage) SetData(d *snapshot) tea.Cmd {
	p.data = d
	return nil
}

// matrixHeadLines: the title, a blank line; the preview adds its summary.
const matrixHeadLines = 2

func (p *matrixPage) SetSize(width, height int) {
	p.common.SetSize(width, height)
	body := max(0, height-matrixHeadLines)
	p.picker.SetSize(width, max(0, body-2))
	p.issues.SetSize(width, max(0, body-3))
	p.controls.SetSize(width, max(0, body-5))
}

func (p *matrixPage) Update(msg tea.Msg) (page, tea.Cmd) {
	switch msg := msg.(type) {
	case filepicker.DirMsg:
		p.picker.Update(msg)
	case matrixReadMsg:
		if msg.id != p.readID {
			return p, nil
		}
		return p, p.gotMatrix(msg)
	case matrixImportedMsg:
		if msg.id != p.saveID {
			return p, nil
		}
		if msg.err != nil {
			p.stage = matrixPreview
			return p, errCmd(msg.err)
		}
		return p, tea.Batch(popCmd(p), changedCmd, statusCmd(importedText(filepath.Base(p.path), msg.sum)))
	case tea.KeyMsg:
		return p, p.key(msg)
	case tea.MouseMsg:
		msg.Y -= matrixHeadLines
		switch p.stage {
		case matrixPick:
			path, cmd := p.picker.Update(msg)
			return p, tea.Batch(cmd, p.read(path))
		case matrixIssues:
			msg.Y--
			p.issues.Update(msg)
		case matrixPreview:
			msg.Y -= 3
			p.controls.Update(msg)
		}
	}
	return p, nil
}

func (p *matrixPage) key(msg tea.KeyMsg) tea.Cmd {
	k := p.keys
	switch p.stage {
	case matrixPick:
		path, cmd := p.picker.Update(msg)
		return tea.Batch(cmd, p.read(path))
	case matrixIssues:
		if key.Matches(msg, k.Back) || key.Matches(msg, k.WizPrev) {
			p.stage = matrixPick
			return nil
		}
		_, cmd := p.issues.Update(msg)
		return cmd
	case matrixPreview:
		switch {
		case key.Matches(msg, k.Back), key.Matches(msg, k.WizPrev):
			p.stage = matrixPick
			return nil
		case key.Matches(msg, k.WizNext):
			return p.importControls()
		}
		_, cmd := p.controls.Update(msg)
		return cmd
	}
	return nil
}

// read reads the chosen file (path "" is no choice yet).
func (p *matrixPage) read(path string) tea.Cmd {
	if path == "" {
		return nil
	}
	p.path, p.readErr, p.stage = path, "", matrixReading
	p.readID = nextRequestID()
	id := p.readID
	return tea.Batch(busyCmd, func() tea.Msg {
		inputs, err := model.ReadControlMatrix(path, "")
		return matrixReadMsg{id: id, inputs: inputs, err: err}
	})
}

func (p *matrixPage) gotMatrix(msg matrixReadMsg) tea.Cmd {
	var me *model.MatrixError
	switch {
	case errors.As(msg.err, &me):
		p.stage = matrixIssues
		p.issues.SetItems(me.Issues)
	case msg.err != nil:
		p.stage, p.readErr = matrixPick, oneLine(errorText(msg.err))
	default:
		p.stage, p.inputs = matrixPreview, msg.inputs
		p.controls.SetItems(msg.inputs)
	}
	return nil
}

func (p *matrixPage) importControls() tea.Cmd {
	if ro := p.refuseReadOnly(); ro != nil {
		return ro
	}
	if len(p.inputs) == 0 {
		return statusCmd("The file holds no controls: nothing to import.")
	}
	p.stage = matrixImporting
	p.saveID = nextRequestID()
	id, ctx, wp, inputs, path := p.saveID, p.ctx, p.common.wp, p.inputs, p.path
	return tea.Batch(busyCmd, func() tea.Msg {
		var sum model.ImportSummary
		err := withWriteTimeout(ctx, func(ctx context.Context) error {
			var err error
			sum, err = wp.ImportControls(ctx, inputs, path)
			return err
		})
		return matrixImportedMsg{id: id, sum: sum, err: err}
	})
}

// importedText is the status line after an import.
func importedText(name string, sum model.ImportSummary) string {
	t := fmt.Sprintf("Imported %s: %d added, %d updated, %d unchanged.", oneLine(name), len(sum.Added), len(sum.Updated), len(sum.Unchanged))
	if len(sum.NotInFile) > 0 {
		t += fmt.Sprintf(" %s not in the file kept.", plural(len(sum.NotInFile), "control", "controls"))
	}
	return t
}

// coverage counts, for the preview, the file's new controls and the
// in-scope criteria that would still have no control after the import.
func (p *matrixPage) coverage() (added int, gaps []string) {
	have := map[string]bool{} // control IDs compare without case, as in the model
	if p.data != nil {
		for _, c := range p.data.controls {
			have[strings.ToUpper(c.Ref)] = true
		}
	}
	mapped := map[string]bool{}
	for _, ci := range p.inputs {
		if !have[strings.ToUpper(ci.ID)] {
			added++
		}
		for _, c := range ci.Criteria {
			mapped[c] = true
		}
	}
	if p.data == nil {
		return added, nil
	}
	for _, c := range p.data.criteria {
		if c.InScope && len(c.Controls) == 0 && !mapped[c.Ref] {
			gaps = append(gaps, c.Ref)
		}
	}
	return added, gaps
}

func (p *matrixPage) View() string {
	if p.height <= 0 {
		return ""
	}
	s := p.styles
	w := p.width
	lines := []string{truncate(s.Section.Render("Import the control matrix")+s.Muted.Render("  CSV or XLSX: control ID, description, frequency, owner, nature, key, criteria"), w), ""}
	switch p.stage {
	case matrixPick, matrixReading:
		lines = append(lines, p.picker.View()...)
		switch {
		case p.stage == matrixReading:
			lines = append(lines, s.Muted.Render(truncate("Reading "+oneLine(filepath.Base(p.path))+"…", w)))
		case p.readErr != "":
			lines = append(lines, s.Gap.Render(truncate(symGap+" "+p.readErr, w)))
		}
	case matrixIssues:
		lines = append(lines, s.Gap.Render(truncate(fmt.Sprintf("%s %s in %s; nothing was imported. Fix the file and choose it again.",
			symGap, plural(len(p.issues.Items()), "problem", "problems"), oneLine(filepath.Base(p.path))), w)))
		lines = append(lines, p.issues.View())
	case matrixPreview, matrixImporting:
		added, gaps := p.coverage()
		lines = append(lines,
			truncate(s.Title.Render(oneLine(filepath.Base(p.path)))+s.Muted.Render(fmt.Sprintf("  %s: %d new, %d already in the workpaper (updated where they differ)",
				plural(len(p.inputs), "control", "controls"), added, len(p.inputs)-added)), w))
		if len(gaps) == 0 {
			lines = append(lines, s.Covered.Render(truncate(symPass+" every in-scope criterion will have a control", w)))
		} else {
			lines = append(lines, s.Gap.Render(truncate(fmt.Sprintf("%s %s still without a control: %s", symGap, plural(len(gaps), "in-scope criterion", "in-scope criteria"), strings.Join(gaps, ", ")), w)))
		}
		lines = append(lines, "", p.controls.View())
	}
	return strings.Join(lines, "\n")
}

func (p *matrixPage) renderIssue(is model.MatrixIssue, w int, selected bool) string {
	marker := "  "
	if selected {
		marker = symCursor + " "
	}
	line := fmt.Sprintf("%srow %-5d %s: %s", marker, is.Row, oneLine(is.Column), oneLine(is.Message))
	if selected {
		return p.styles.Selected.Render(fit(line, w))
	}
	return fit(line, w)
}

func (p *matrixPage) renderControl(ci model.ControlInput, w int, selected bool) string {
	marker := "  "
	if selected {
		marker = symCursor + " "
	}
	keyMark := " "
	if ci.Key {
		keyMark = "K"
	}
	crit := strings.Join(ci.Criteria, ",")
	line := marker + fit(oneLine(ci.ID), 10) + " " + keyMark + " " + fit(oneLine(string(ci.Frequency)), 14) + " " +
		fit(crit, 16) + " " + oneLine(ci.Description)
	if selected {
		return p.styles.Selected.Render(fit(line, w))
	}
	return fit(line, w)
}

func (p *matrixPage) ShortHelp() []key.Binding {
	k := p.keys
	switch p.stage {
	case matrixPick:
		return p.picker.ShortHelp()
	case matrixIssues:
		back := k.WizPrev
		back.SetHelp("b", "choose another file")
		return []key.Binding{k.Up, k.Down, back}
	case matrixPreview:
		next := k.WizNext
		next.SetHelp("enter", "import")
		back := k.WizPrev
		back.SetHelp("b", "choose another file")
		if p.readOnly() {
			return []key.Binding{k.Up, k.Down, back}
		}
		return []key.Binding{next, k.Up, k.Down, back}
	}
	return nil
}

func (p *matrixPage) FullHelp() [][]key.Binding { return [][]key.Binding{p.ShortHelp()} }
