package tui

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/dustin/go-humanize"
)

// filePicker chooses a client file: a list of a folder (rooted at the
// workpaper's) where enter opens a folder or chooses a file, and "/" to
// type a path instead. The sampling wizard uses it for a population, the
// matrix import for a control matrix. Reading a folder is a tea.Cmd.
type filePicker struct {
	common
	exts     []string // the files that can be chosen; others are shown dim
	dir      string
	openedAt string // the folder the picker started in
	dirID    int64
	dirErr   string
	files    listView[fileEntry]
	typing   bool
	pathIn   textinput.Model
}

// fileEntry is a line of the file picker.
type fileEntry struct {
	name  string // sanitized for display
	path  string
	dir   bool
	size  int64
	mod   time.Time
	up    bool // the parent folder
	other bool // a file of another kind: shown, not chosen
}

type dirMsg struct {
	id      int64
	dir     string
	entries []fileEntry
	err     error
}

// populationExts are the files offered for a population; matrixExts for
// a control matrix.
var (
	populationExts = []string{".csv", ".xlsx", ".xlsm", ".txt", ".tsv"}
	matrixExts     = []string{".csv", ".xlsx", ".xlsm"}
)

func newFilePicker(c common, exts []string, placeholder string) *filePicker {
	fp := &filePicker{common: c, exts: exts}
	fp.files = newListView(c, listConfig[fileEntry]{
		selectable: func(e fileEntry) bool { return !e.other },
		id:         func(e fileEntry) string { return e.path },
		render:     fp.renderFile,
		empty:      "Reading the folder…",
	})
	fp.pathIn = newLineInput(c, placeholder)
	fp.dir = filepath.Dir(c.wp.Path())
	fp.openedAt = fp.dir
	return fp
}

// Init reads the starting folder.
func (fp *filePicker) Init() tea.Cmd { return fp.readDir(fp.dir) }

func (fp *filePicker) readDir(dir string) tea.Cmd {
	fp.dirID = nextRequestID()
	return readDir(fp.dirID, dir, fp.exts)
}

// SetSize gives the list height rows; the folder and path lines are extra.
func (fp *filePicker) SetSize(width, height int) {
	fp.common.SetSize(width, height)
	fp.files.SetSize(width, height)
	fp.pathIn.Width = max(1, width-10)
}

// Typing reports whether a path is being typed (every key is text).
func (fp *filePicker) Typing() bool { return fp.typing }

// Update handles the folder reads, keys and mouse; it returns the file the
// user chose, if any.
func (fp *filePicker) Update(msg tea.Msg) (chosen string, cmd tea.Cmd) {
	switch msg := msg.(type) {
	case dirMsg:
		fp.gotDir(msg)
	case tea.KeyMsg:
		if fp.typing {
			return fp.typePath(msg)
		}
		switch {
		case key.Matches(msg, fp.keys.WizTypePath):
			fp.typing = true
			fp.pathIn.SetValue(fp.dir + string(filepath.Separator))
			fp.pathIn.CursorEnd()
			return "", fp.pathIn.Focus()
		case key.Matches(msg, fp.keys.Open):
			return fp.choose()
		}
		_, cmd := fp.files.Update(msg)
		return "", cmd
	case tea.MouseMsg:
		msg.Y -= 1 // the folder line
		if open, _ := fp.files.Update(msg); open {
			return fp.choose()
		}
	}
	return "", nil
}

func (fp *filePicker) gotDir(msg dirMsg) {
	if msg.id != fp.dirID {
		return
	}
	if msg.err != nil {
		fp.dirErr = errorText(msg.err)
		fp.files.empty = "This folder cannot be read."
		return
	}
	fp.dir, fp.dirErr = msg.dir, ""
	if !filepath.IsAbs(fp.openedAt) {
		fp.openedAt = msg.dir // the workpaper's folder, made absolute by the read
	}
	fp.files.empty = "No folders or files here."
	fp.files.SetItems(msg.entries)
	// Start on the first file that can be chosen, not on "..".
	for i, e := range fp.files.rows {
		if !e.dir && !e.other {
			fp.files.moveTo(i)
			break
		}
	}
}

// choose opens a folder, or chooses a file.
func (fp *filePicker) choose() (string, tea.Cmd) {
	e, ok := fp.files.Selected()
	if !ok {
		return "", nil
	}
	if e.dir {
		return "", fp.readDir(e.path)
	}
	return e.path, nil
}

func (fp *filePicker) typePath(msg tea.KeyMsg) (string, tea.Cmd) {
	switch msg.Type {
	case tea.KeyEsc:
		fp.typing = false
		fp.pathIn.Blur()
		return "", nil
	case tea.KeyEnter:
		typed := strings.TrimSpace(fp.pathIn.Value())
		path := typed
		if strings.HasPrefix(path, "~"+string(filepath.Separator)) {
			if home, err := os.UserHomeDir(); err == nil {
				path = filepath.Join(home, path[2:])
			}
		}
		if path == "" {
			return "", nil
		}
		if !filepath.IsAbs(path) {
			path = filepath.Join(fp.dir, path)
		}
		fp.typing = false
		fp.pathIn.Blur()
		if strings.HasSuffix(typed, string(filepath.Separator)) {
			return "", fp.readDir(path)
		}
		return path, nil
	}
	var cmd tea.Cmd
	fp.pathIn, cmd = fp.pathIn.Update(msg)
	return "", cmd
}

// View is the folder line, the list and, while typing, the path.
func (fp *filePicker) View() []string {
	s := fp.styles
	folder := s.Label.Render("Folder ") + fp.folderName()
	if fp.dirErr != "" {
		folder += "  " + s.Gap.Render(symGap+" "+fp.dirErr)
	}
	out := []string{truncate(folder, fp.width)}
	out = append(out, strings.Split(fp.files.View(), "\n")...)
	if fp.typing {
		out = append(out, s.FilterPrompt.Render("Path ")+fp.pathIn.View())
	}
	return out
}

// folderName shows the picker's folder relative to the workpaper's.
func (fp *filePicker) folderName() string {
	if fp.dir == fp.openedAt {
		return "the workpaper's folder"
	}
	if rel, err := filepath.Rel(fp.openedAt, fp.dir); err == nil && !strings.HasPrefix(rel, "..") {
		return fileName("." + string(filepath.Separator) + rel)
	}
	return fileName(fp.dir)
}

func (fp *filePicker) renderFile(e fileEntry, w int, selected bool) string {
	s := fp.styles
	marker := "  "
	if selected {
		marker = symCursor + " "
	}
	name := e.name
	var meta string
	switch {
	case e.up:
		name = ".. (parent folder)"
	case e.dir:
		name += string(filepath.Separator)
	default:
		meta = fmt.Sprintf("%9s  %s", strings.ReplaceAll(humanize.Bytes(uint64(max(e.size, 0))), " ", ""), e.mod.In(fp.now().Location()).Format("2006-01-02 15:04"))
	}
	metaW := 0
	if meta != "" && w >= 60 {
		metaW = len(meta) + 2
	}
	line := marker + fit(name, max(1, w-2-metaW))
	if metaW > 0 {
		line += "  " + meta
	}
	switch {
	case selected:
		return s.Selected.Render(fit(line, w))
	case e.other:
		return s.Dim.Render(fit(line, w))
	case e.dir:
		return s.Title.Render(fit(line, w))
	}
	return fit(line, w)
}

// ShortHelp is the picker's keys.
func (fp *filePicker) ShortHelp() []key.Binding {
	k := fp.keys
	if fp.typing {
		enter := k.WizNext
		enter.SetHelp("enter", "done")
		back := k.FormCancel
		back.SetHelp("esc", "stop typing")
		return []key.Binding{enter, back}
	}
	open := k.Open
	open.SetHelp("enter", "open")
	return []key.Binding{k.Up, k.Down, open, k.WizTypePath}
}

// readDir lists a folder for the picker: folders first, then the files
// with one of exts; hidden files and workpapers are left out. The names
// are sanitized here, once.
func readDir(id int64, dir string, exts []string) tea.Cmd {
	return func() tea.Msg {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return dirMsg{id: id, dir: dir, err: err}
		}
		des, err := os.ReadDir(abs)
		if err != nil {
			return dirMsg{id: id, dir: abs, err: err}
		}
		var out []fileEntry
		if parent := filepath.Dir(abs); parent != abs {
			out = append(out, fileEntry{name: "..", path: parent, dir: true, up: true})
		}
		for _, de := range des {
			name := de.Name()
			if strings.HasPrefix(name, ".") || isWorkpaperFile(name) {
				continue
			}
			e := fileEntry{name: fileName(name), path: filepath.Join(abs, name)}
			info, err := os.Stat(e.path) // follows links: a link to a folder is a folder
			if err != nil {
				continue
			}
			e.dir, e.size, e.mod = info.IsDir(), info.Size(), info.ModTime()
			if !e.dir {
				e.other = !hasExt(name, exts)
			}
			out = append(out, e)
		}
		sort.SliceStable(out, func(i, j int) bool {
			a, b := out[i], out[j]
			if a.up != b.up {
				return a.up
			}
			if a.dir != b.dir {
				return a.dir
			}
			if a.other != b.other {
				return !a.other
			}
			return strings.ToLower(a.name) < strings.ToLower(b.name)
		})
		return dirMsg{id: id, dir: abs, entries: out}
	}
}

func hasExt(name string, exts []string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	for _, x := range exts {
		if ext == x {
			return true
		}
	}
	return false
}

// isWorkpaperFile reports a workpaper or its SQLite companions, which the
// picker leaves out.
func isWorkpaperFile(name string) bool {
	for _, suf := range []string{".fieldwork", ".fieldwork-wal", ".fieldwork-shm", ".fieldwork-journal"} {
		if strings.HasSuffix(strings.ToLower(name), suf) {
			return true
		}
	}
	return false
}
