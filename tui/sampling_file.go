package tui

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/fieldwork-audit/fieldwork/internal/tabular"
)

// tablePreview is the start of a population file.
type tablePreview struct {
	path      string
	name      string
	format    string
	sheet     string
	headerRow int
	header    []string   // sanitized, for the screen
	rawHeader []string   // as in the file, for the import to match
	rows      [][]string // sanitized, the first previewRows
	size      int64
	estRows   int // about how many rows the file holds; 0 unknown
}

const previewRows = 8

type previewMsg struct {
	id  int64
	pv  *tablePreview
	err error
}

// previewFile reads a file's header and first rows (tabular.OpenTable).
func previewFile(id int64, path string) tea.Cmd {
	return func() tea.Msg {
		info, err := os.Stat(path)
		if err != nil {
			return previewMsg{id: id, err: err}
		}
		if info.IsDir() {
			return previewMsg{id: id, err: fmt.Errorf("%s is a folder", filepath.Base(path))}
		}
		t, err := tabular.OpenTable(path, tabular.TableOptions{})
		if err != nil {
			return previewMsg{id: id, err: err}
		}
		defer t.Close()
		pv := &tablePreview{path: path, name: oneLine(filepath.Base(path)), format: t.Format(), sheet: oneLine(t.Sheet()),
			headerRow: t.HeaderRow(), size: info.Size()}
		for _, h := range t.Header() {
			pv.header = append(pv.header, oneLine(h))
			pv.rawHeader = append(pv.rawHeader, h)
		}
		bytes := 0
		for range previewRows {
			row, err := t.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return previewMsg{id: id, err: err}
			}
			cells := make([]string, len(row))
			for i, c := range row {
				cells[i] = oneLine(c)
				bytes += len(c) + 1
			}
			pv.rows = append(pv.rows, cells)
		}
		if pv.format == "csv" && len(pv.rows) > 0 && bytes > 0 {
			pv.estRows = max(len(pv.rows), int(info.Size())*len(pv.rows)/(bytes+len(pv.rows)))
		}
		return previewMsg{id: id, pv: pv}
	}
}

// previewIf previews the file the picker chose, if it chose one.
func (p *samplingPage) previewIf(path string) tea.Cmd {
	if path == "" {
		return nil
	}
	return p.preview(path)
}

func (p *samplingPage) preview(path string) tea.Cmd {
	p.msg = ""
	p.previewID = nextRequestID()
	return previewFile(p.previewID, path)
}

func (f *fileStep) view(p *samplingPage) []string {
	s := p.styles
	out := []string{truncate(s.Section.Render("Choose the population file")+s.Muted.Render("  CSV or XLSX, from the client"), p.width)}
	out = append(out, f.picker.View()...)
	if !f.picker.Typing() && p.st.pop != nil {
		out = append(out, s.Muted.Render(truncate("Current population: "+oneLine(p.st.pop.SourceName)+", "+thousands(p.st.pop.Rows)+" rows. A new import replaces it.", p.width)))
	}
	return out
}

func (f *fileStep) key(p *samplingPage, msg tea.KeyMsg) tea.Cmd {
	if key.Matches(msg, p.keys.WizPrev) && !p.atFirstStep() {
		return p.back()
	}
	path, cmd := f.picker.Update(msg)
	return tea.Batch(cmd, p.previewIf(path))
}

func (f *fileStep) help(*samplingPage) []key.Binding { return f.picker.ShortHelp() }
