// Package filepicker chooses a client file: a list of a folder (rooted at
// the workpaper's) where enter opens a folder or chooses a file, and a key
// to type a path instead. The sampling wizard uses it for a population,
// the matrix import for a control matrix. Reading a folder is a tea.Cmd
// whose answer (DirMsg) the screen hands back to Update. It follows the
// bubbles layout: KeyMap (keys.go), Styles (style.go) and the Model here.
package filepicker

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/dustin/go-humanize"

	"github.com/fieldwork-audit/fieldwork/internal/cleantext"
	"github.com/fieldwork-audit/fieldwork/tui/widget/cells"
	"github.com/fieldwork-audit/fieldwork/tui/widget/list"
)

// dirSeq numbers the folder reads, so that a late answer for a folder the
// user has left is ignored.
var dirSeq atomic.Int64

// Model is one picker: its folder, the list of it, and a typed path.
type Model struct {
	KeyMap KeyMap
	Styles Styles

	exts     []string // the files that can be chosen; others are shown dim
	dir      string
	openedAt string // the folder the picker started in
	dirID    int64
	dirErr   string
	files    list.Model[Entry]
	typing   bool
	pathIn   textinput.Model
	now      func() time.Time
	width    int
}

// Entry is a line of the picker.
type Entry struct {
	name  string // sanitized for display
	path  string
	dir   bool
	size  int64
	mod   time.Time
	up    bool // the parent folder
	other bool // a file of another kind: shown, not chosen
}

// DirMsg is a folder's listing, read by a command of the picker.
type DirMsg struct {
	id      int64
	dir     string
	entries []Entry
	err     error
}

// Config is what a screen tells its picker.
type Config struct {
	Dir         string           // the folder to start in (the workpaper's)
	Exts        []string         // the endings of the files that can be chosen (".csv")
	Placeholder string           // shown in the empty path line
	Now         func() time.Time // the clock, for the files' times' zone
	Path        textinput.Model  // the path line, styled by the screen
}

// New is a picker of cfg.Dir; Init reads it.
func New(k KeyMap, s Styles, cfg Config) *Model {
	fp := &Model{KeyMap: k, Styles: s, exts: cfg.Exts, now: cfg.Now}
	if fp.now == nil {
		fp.now = time.Now
	}
	fp.files = list.New(k.List, s.List, list.Config[Entry]{
		Selectable: func(e Entry) bool { return !e.other },
		ID:         func(e Entry) string { return e.path },
		Render:     fp.renderFile,
		Empty:      "Reading the folder…",
	})
	fp.pathIn = cfg.Path
	fp.pathIn.Placeholder = cfg.Placeholder
	fp.dir = cfg.Dir
	fp.openedAt = fp.dir
	return fp
}

// Files is the list of the folder.
func (fp *Model) Files() *list.Model[Entry] { return &fp.files }

// Init reads the starting folder.
func (fp *Model) Init() tea.Cmd { return fp.readDir(fp.dir) }

func (fp *Model) readDir(dir string) tea.Cmd {
	fp.dirID = dirSeq.Add(1)
	return readDir(fp.dirID, dir, fp.exts)
}

// SetSize gives the list height rows; the folder and path lines are extra.
func (fp *Model) SetSize(width, height int) {
	fp.width = width
	fp.files.SetSize(width, height)
	fp.pathIn.Width = max(1, width-10)
}

// Typing reports whether a path is being typed (every key is text).
func (fp *Model) Typing() bool { return fp.typing }

// Update handles the folder reads, keys and mouse; it returns the file the
// user chose, if any.
func (fp *Model) Update(msg tea.Msg) (chosen string, cmd tea.Cmd) {
	switch msg := msg.(type) {
	case DirMsg:
		fp.gotDir(msg)
	case tea.KeyMsg:
		if fp.typing {
			return fp.typePath(msg)
		}
		switch {
		case key.Matches(msg, fp.KeyMap.TypePath):
			fp.typing = true
			fp.pathIn.SetValue(fp.dir + string(filepath.Separator))
			fp.pathIn.CursorEnd()
			return "", fp.pathIn.Focus()
		case key.Matches(msg, fp.KeyMap.Open):
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

func (fp *Model) gotDir(msg DirMsg) {
	if msg.id != fp.dirID {
		return
	}
	if msg.err != nil {
		fp.dirErr = cells.OneLine(msg.err.Error())
		fp.files.SetEmpty("This folder cannot be read.")
		return
	}
	fp.dir, fp.dirErr = msg.dir, ""
	if !filepath.IsAbs(fp.openedAt) {
		fp.openedAt = msg.dir // the workpaper's folder, made absolute by the read
	}
	fp.files.SetEmpty("No folders or files here.")
	fp.files.SetItems(msg.entries)
	// Start on the first file that can be chosen, not on "..".
	for i, e := range fp.files.Rows() {
		if !e.dir && !e.other {
			fp.files.Select(i)
			break
		}
	}
}

// choose opens a folder, or chooses a file.
func (fp *Model) choose() (string, tea.Cmd) {
	e, ok := fp.files.Selected()
	if !ok {
		return "", nil
	}
	if e.dir {
		return "", fp.readDir(e.path)
	}
	return e.path, nil
}

func (fp *Model) typePath(msg tea.KeyMsg) (string, tea.Cmd) {
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
func (fp *Model) View() []string {
	s := fp.Styles
	folder := s.Label.Render("Folder ") + fp.folderName()
	if fp.dirErr != "" {
		folder += "  " + s.Problem.Render("✗ "+fp.dirErr)
	}
	out := []string{cells.Truncate(folder, fp.width)}
	out = append(out, strings.Split(fp.files.View(), "\n")...)
	if fp.typing {
		out = append(out, s.Prompt.Render("Path ")+fp.pathIn.View())
	}
	return out
}

// folderName shows the picker's folder relative to the workpaper's.
func (fp *Model) folderName() string {
	if fp.dir == fp.openedAt {
		return "the workpaper's folder"
	}
	if rel, err := filepath.Rel(fp.openedAt, fp.dir); err == nil && !strings.HasPrefix(rel, "..") {
		return cleantext.Name("." + string(filepath.Separator) + rel)
	}
	return cleantext.Name(fp.dir)
}

func (fp *Model) renderFile(e Entry, w int, selected bool) string {
	s := fp.Styles
	marker := "  "
	if selected {
		marker = "▸ "
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
	line := marker + cells.Fit(name, max(1, w-2-metaW))
	if metaW > 0 {
		line += "  " + meta
	}
	switch {
	case selected:
		return s.Selected.Render(cells.Fit(line, w))
	case e.other:
		return s.Dim.Render(cells.Fit(line, w))
	case e.dir:
		return s.Folder.Render(cells.Fit(line, w))
	}
	return cells.Fit(line, w)
}

// ShortHelp is the picker's keys.
func (fp *Model) ShortHelp() []key.Binding {
	k := fp.KeyMap
	if fp.typing {
		return []key.Binding{k.Done, k.StopTyping}
	}
	return []key.Binding{k.List.Up, k.List.Down, k.Open, k.TypePath}
}

// readDir lists a folder for the picker: folders first, then the files
// with one of exts; hidden files and workpapers are left out. The names
// are sanitized here, once.
func readDir(id int64, dir string, exts []string) tea.Cmd {
	return func() tea.Msg {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return DirMsg{id: id, dir: dir, err: err}
		}
		des, err := os.ReadDir(abs)
		if err != nil {
			return DirMsg{id: id, dir: abs, err: err}
		}
		var out []Entry
		if parent := filepath.Dir(abs); parent != abs {
			out = append(out, Entry{name: "..", path: parent, dir: true, up: true})
		}
		for _, de := range des {
			name := de.Name()
			if strings.HasPrefix(name, ".") || isWorkpaperFile(name) {
				continue
			}
			e := Entry{name: cleantext.Name(name), path: filepath.Join(abs, name)}
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
		return DirMsg{id: id, dir: abs, entries: out}
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
