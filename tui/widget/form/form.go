// Package form is a small editor of a few fields — one-line inputs,
// multi-line texts and choices — used by the workpaper, the wizard, the
// grid and the review screens. It validates as the user types and shows
// each problem under its field; the save key submits (the screen runs the
// write as a tea.Cmd and reports back with Failed, or closes the form);
// the cancel key closes it, asking first when something changed. It follows
// the bubbles layout: KeyMap (keys.go), Styles (style.go) and the Model
// here.
package form

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textarea"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/fieldwork-audit/fieldwork/tui/widget/cells"
	"github.com/fieldwork-audit/fieldwork/tui/widget/confirm"
)

// The marks a form draws: the focused field, a field's problem, a choice.
const (
	cursorMark    = "▸"
	gapMark       = "✗"
	chosenMark    = "●"
	notChosenMark = "○"
)

// Model is one form: its fields, the focus, and the state of its save.
type Model struct {
	KeyMap KeyMap
	Styles Styles

	title  string
	Intro  []string // lines above the fields (already styled)
	fields []*Field
	focus  int

	width, height int
	// LabelWidth is the width of the labels of one-line fields and
	// choices (DefaultLabelWidth unless the screen sets it).
	LabelWidth int

	msg     string        // the last failed save, or a stale refusal, shown above the keys
	saving  bool          // a save is running: keys wait
	discard confirm.Model // "discard your changes?"
}

type fieldKind int

const (
	fieldLine   fieldKind = iota // one line of text
	fieldText                    // several lines
	fieldChoice                  // one of a few values
)

// Field is one field of a form.
type Field struct {
	name     string // what the owner asks for with Value()
	label    string
	kind     fieldKind
	Hint     string // shown dim beside the label
	required bool
	Validate func(string) error

	Input   textinput.Model // a one-line field's input (its Placeholder may be set)
	area    textarea.Model
	choices []string // values
	labels  []string // what the user sees; nil means the values
	choice  int
	lines   int // a text's height

	initial string
	touched bool   // edited, so its problem shows as it is typed
	err     string // the field's problem
	theirs  string // after a stale refusal: what is stored now, when it differs
}

// DefaultLabelWidth is the width of the labels of one-line fields and
// choices.
const DefaultLabelWidth = 14

// New is a form with no field yet.
func New(k KeyMap, s Styles, title string) *Model {
	return &Model{KeyMap: k, Styles: s, title: title, LabelWidth: DefaultLabelWidth,
		discard: confirm.New(confirm.KeyMap{Yes: k.Yes, No: k.No}, confirm.Styles{Prompt: s.Hint})}
}

// Line adds a one-line field.
func (f *Model) Line(name, label, value string, required bool, validate func(string) error) *Field {
	ti := textinput.New()
	ti.Prompt = ""
	ti.Cursor.SetMode(cursor.CursorStatic)
	ti.Cursor.Style = f.Styles.Selected
	ti.PlaceholderStyle = f.Styles.Dim
	ti.SetValue(cells.Clean(value))
	ti.CharLimit = 2000
	fld := &Field{name: name, label: label, kind: fieldLine, Input: ti, required: required, Validate: validate}
	fld.initial = ti.Value()
	f.fields = append(f.fields, fld)
	return fld
}

// Text adds a multi-line field of about lines lines.
func (f *Model) Text(name, label, value string, lines int, required bool) *Field {
	ta := textarea.New()
	ta.ShowLineNumbers = false
	ta.Prompt = "│ "
	ta.CharLimit = 20000
	ta.Cursor.SetMode(cursor.CursorStatic)
	ta.Cursor.Style = f.Styles.Selected
	focused := textarea.Style{Base: f.Styles.Value, Text: f.Styles.Value, CursorLine: f.Styles.Value,
		Placeholder: f.Styles.Dim, Prompt: f.Styles.Prompt, EndOfBuffer: f.Styles.Dim,
		LineNumber: f.Styles.Dim, CursorLineNumber: f.Styles.Dim}
	blurred := focused
	blurred.Text, blurred.CursorLine, blurred.Prompt = f.Styles.Muted, f.Styles.Muted, f.Styles.Dim
	ta.FocusedStyle, ta.BlurredStyle = focused, blurred
	ta.Blur()
	ta.SetValue(cells.Clean(value))
	fld := &Field{name: name, label: label, kind: fieldText, area: ta, lines: max(1, lines), required: required}
	fld.initial = ta.Value()
	f.fields = append(f.fields, fld)
	return fld
}

// Choose adds a choice among values, shown as labels (nil: the values).
func (f *Model) Choose(name, label string, values, labels []string, current string) *Field {
	fld := &Field{name: name, label: label, kind: fieldChoice, choices: values, labels: labels}
	for i, v := range values {
		if v == current {
			fld.choice = i
		}
	}
	fld.initial = fld.value()
	f.fields = append(f.fields, fld)
	return fld
}

func (fld *Field) value() string {
	switch fld.kind {
	case fieldLine:
		return fld.Input.Value()
	case fieldText:
		return fld.area.Value()
	}
	if fld.choice < len(fld.choices) {
		return fld.choices[fld.choice]
	}
	return ""
}

func (fld *Field) choiceLabel(i int) string {
	if fld.labels != nil && i < len(fld.labels) {
		return fld.labels[i]
	}
	return fld.choices[i]
}

// check sets the field's problem, if any.
func (fld *Field) check() {
	v := strings.TrimSpace(fld.value())
	fld.err = ""
	switch {
	case fld.required && v == "":
		fld.err = "required"
	case fld.Validate != nil:
		if err := fld.Validate(v); err != nil {
			fld.err = cells.OneLine(err.Error())
		}
	}
}

// Value returns the trimmed value of the named field.
func (f *Model) Value(name string) string {
	for _, fld := range f.fields {
		if fld.name == name {
			return strings.TrimSpace(fld.value())
		}
	}
	return ""
}

// Field returns the named field.
func (f *Model) Field(name string) *Field {
	for _, fld := range f.fields {
		if fld.name == name {
			return fld
		}
	}
	return nil
}

// Dirty reports whether any field differs from what it started as.
func (f *Model) Dirty() bool {
	for _, fld := range f.fields {
		if fld.value() != fld.initial {
			return true
		}
	}
	return false
}

// Start focuses the first field.
func (f *Model) Start() tea.Cmd {
	f.focus = 0
	return f.focusField()
}

func (f *Model) focusField() tea.Cmd {
	var cmd tea.Cmd
	for i, fld := range f.fields {
		switch fld.kind {
		case fieldLine:
			if i == f.focus {
				cmd = fld.Input.Focus()
			} else {
				fld.Input.Blur()
			}
		case fieldText:
			if i == f.focus {
				cmd = fld.area.Focus()
			} else {
				fld.area.Blur()
			}
		}
	}
	return cmd
}

// SetSize lays the form out in width×height cells.
func (f *Model) SetSize(width, height int) {
	f.width, f.height = width, height
	texts := 0
	for _, fld := range f.fields {
		if fld.kind == fieldText {
			texts++
		}
	}
	// The texts share what the other lines leave, 2 to 8 lines each.
	fixed := 2 + len(f.Intro) + 3 // title, blank, intro, message and keys
	for _, fld := range f.fields {
		fixed++
		if fld.kind == fieldText {
			fixed++ // its label line
		}
	}
	per := 0
	if texts > 0 {
		per = max(2, min(8, (height-fixed)/texts))
	}
	for _, fld := range f.fields {
		switch fld.kind {
		case fieldLine:
			fld.Input.Width = max(1, width-f.LabelWidth-4)
		case fieldText:
			fld.area.SetWidth(max(10, min(width-2, 100)))
			fld.area.SetHeight(min(per, max(fld.lines, 2)))
		}
	}
}

// Action is what an Update asks of the screen.
type Action int

const (
	None   Action = iota // nothing yet
	Submit               // every field is valid: run the save
	Cancel               // close the form unsaved
)

// Update handles a key; it returns Submit when the user saves and
// every field is valid, Cancel when the form should close unsaved.
func (f *Model) Update(msg tea.Msg) (Action, tea.Cmd) {
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return None, nil
	}
	k := &f.KeyMap
	if f.discard.Asking() {
		if answered, yes, _ := f.discard.Update(km); answered && yes {
			return Cancel, nil
		}
		return None, nil
	}
	if f.saving {
		return None, nil
	}
	fld := f.fields[f.focus]
	switch {
	case key.Matches(km, k.Save):
		return f.submit(), nil
	case key.Matches(km, k.Cancel):
		if f.Dirty() {
			f.discard.Ask("Discard your changes?", "discards", "keeps editing", nil)
			return None, nil
		}
		return Cancel, nil
	case key.Matches(km, k.Next):
		f.focus = (f.focus + 1) % len(f.fields)
		return None, f.focusField()
	case key.Matches(km, k.Prev):
		f.focus = (f.focus + len(f.fields) - 1) % len(f.fields)
		return None, f.focusField()
	}
	var cmd tea.Cmd
	switch fld.kind {
	case fieldLine:
		if km.Type == tea.KeyEnter {
			if f.focus == len(f.fields)-1 {
				return f.submit(), nil
			}
			f.focus++
			return None, f.focusField()
		}
		fld.Input, cmd = fld.Input.Update(km)
	case fieldText:
		fld.area, cmd = fld.area.Update(km)
	case fieldChoice:
		switch {
		case key.Matches(km, k.ChoiceNext):
			fld.choice = (fld.choice + 1) % len(fld.choices)
		case key.Matches(km, k.ChoicePrev):
			fld.choice = (fld.choice + len(fld.choices) - 1) % len(fld.choices)
		case km.Type == tea.KeyEnter:
			if f.focus == len(f.fields)-1 {
				return f.submit(), nil
			}
			f.focus++
			return None, f.focusField()
		case km.Type == tea.KeyRunes:
			// A letter picks the first choice that starts with it.
			r := strings.ToLower(string(km.Runes))
			for i := range fld.choices {
				if strings.HasPrefix(strings.ToLower(fld.choiceLabel(i)), r) {
					fld.choice = i
					break
				}
			}
		}
	}
	fld.touched = fld.touched || fld.value() != fld.initial
	if fld.touched {
		fld.check()
	}
	return None, cmd
}

// submit validates every field; the form is valid when none has a problem.
func (f *Model) submit() Action {
	first := -1
	for i, fld := range f.fields {
		fld.touched = true
		fld.check()
		if fld.err != "" && first < 0 {
			first = i
		}
	}
	if first >= 0 {
		f.focus = first
		f.focusField()
		f.msg = "Correct the field marked " + gapMark + " first."
		return None
	}
	f.msg = ""
	f.saving = true
	return Submit
}

// Failed reports a save that did not go through; the input stays.
func (f *Model) Failed(text string) {
	f.saving = false
	f.msg = text
}

// ShowTheirs notes, after a stale refusal, what is stored now in a field.
func (f *Model) ShowTheirs(name, stored string) {
	if fld := f.Field(name); fld != nil {
		fld.theirs = ""
		if stored != fld.value() {
			fld.theirs = stored
		}
	}
}

// View draws the form in exactly its height, keeping the focused field
// in view.
func (f *Model) View() string {
	s := &f.Styles
	w := f.width
	head := []string{s.Title.Render(cells.Truncate(f.title, w)), ""}
	head = append(head, f.Intro...)
	var body []string
	focusTop, focusEnd := 0, 0
	for i, fld := range f.fields {
		start := len(body)
		marker := "  "
		if i == f.focus {
			marker = s.Prompt.Render(cursorMark + " ")
		}
		label := fld.label
		if fld.required {
			label += " *"
		}
		switch fld.kind {
		case fieldLine:
			body = append(body, marker+s.Label.Render(cells.Fit(label, f.LabelWidth))+fld.Input.View())
		case fieldChoice:
			labels := make([]string, len(fld.choices))
			for j := range fld.choices {
				labels[j] = fld.choiceLabel(j)
			}
			body = append(body, cells.Truncate(marker+s.Label.Render(cells.Fit(label, f.LabelWidth))+ChoiceLine(f.Styles, labels, fld.choice, i == f.focus, w-2-f.LabelWidth), w))
		case fieldText:
			lab := marker + s.Label.Render(label)
			if fld.Hint != "" {
				lab += "  " + s.Dim.Render(fld.Hint)
			}
			body = append(body, cells.Truncate(lab, w))
			for _, l := range strings.Split(fld.area.View(), "\n") {
				body = append(body, "  "+l)
			}
		}
		if fld.kind != fieldText && fld.Hint != "" && fld.err == "" {
			body = append(body, "  "+s.Dim.Render(cells.Truncate(cells.Fit("", f.LabelWidth)+fld.Hint, w-2)))
		}
		if fld.err != "" {
			body = append(body, "  "+s.Problem.Render(cells.Truncate(cells.Fit("", f.LabelWidth)+gapMark+" "+fld.err, w-2)))
		}
		if fld.theirs != "" {
			body = append(body, "  "+s.Hint.Render(cells.Truncate(cells.Fit("", f.LabelWidth)+"now stored: "+cells.OneLine(fld.theirs), w-2)))
		}
		if i == f.focus {
			focusTop, focusEnd = start, len(body)
		}
	}
	var foot []string
	switch {
	case f.discard.Asking():
		foot = append(foot, f.discard.View(w))
	case f.saving:
		foot = append(foot, s.Muted.Render(cells.Truncate("Saving…", w)))
	case f.msg != "":
		for _, l := range cells.Wrap(f.msg, w) {
			foot = append(foot, s.Problem.Render(l))
		}
	}
	room := max(0, f.height-len(head)-len(foot))
	off := 0
	if focusEnd > room {
		off = min(focusTop, focusEnd-room)
	}
	if off > 0 && off < len(body) {
		body = body[off:]
	}
	if len(body) > room {
		body = body[:room]
	}
	lines := append(head, body...)
	for len(lines) < f.height-len(foot) {
		lines = append(lines, "")
	}
	lines = append(lines, foot...)
	for i, l := range lines {
		if ansi.StringWidth(l) > w {
			lines[i] = ansi.Truncate(l, w, "")
		}
	}
	return strings.Join(lines, "\n")
}

// ShortHelp and FullHelp are the form's keys, or the discard question's
// while it is asked.
func (f *Model) ShortHelp() []key.Binding {
	if f.discard.Asking() {
		return f.discard.KeyMap.ShortHelp()
	}
	return f.KeyMap.ShortHelp()
}

func (f *Model) FullHelp() [][]key.Binding {
	if f.discard.Asking() {
		return f.discard.KeyMap.FullHelp()
	}
	return f.KeyMap.FullHelp()
}

// Msg is the last failed save or stale refusal shown above the keys.
func (f *Model) Msg() string { return f.msg }

// Saving reports whether a save is running (keys wait).
func (f *Model) Saving() bool { return f.saving }

// Focused is the field with the focus.
func (f *Model) Focused() *Field { return f.fields[f.focus] }

// Fields are the form's fields in order.
func (f *Model) Fields() []*Field { return f.fields }

// FocusOn moves the focus to the named field, if there is one.
func (f *Model) FocusOn(name string) tea.Cmd {
	for i, fld := range f.fields {
		if fld.name == name {
			f.focus = i
			return f.focusField()
		}
	}
	return nil
}

// Name is what the screen asks for the field's value by.
func (fld *Field) Name() string { return fld.name }

// Theirs is, after a stale refusal, what is stored now when it differs.
func (fld *Field) Theirs() string { return fld.theirs }

// ChoiceLine draws a choice among labels in w cells: every label with the
// chosen one marked, or, when they do not fit, the chosen one between
// arrows with its place ("◂ monthly ▸ 3/7").
func ChoiceLine(s Styles, labels []string, cur int, focused bool, w int) string {
	chosen := s.Value
	if focused {
		chosen = s.Selected
	}
	parts := make([]string, len(labels))
	width := 0
	for i, l := range labels {
		if i == cur {
			parts[i] = chosen.Render(chosenMark + " " + l)
		} else {
			parts[i] = s.Muted.Render(notChosenMark + " " + l)
		}
		width += ansi.StringWidth(l) + 4
	}
	if width-2 <= w || cur < 0 || cur >= len(labels) {
		return strings.Join(parts, "  ")
	}
	return chosen.Render("◂ "+labels[cur]+" ▸") + s.Dim.Render(fmt.Sprintf(" %d/%d", cur+1, len(labels)))
}

// SetProblem shows a problem under the field that the screen found (one
// field's rule that depends on another).
func (fld *Field) SetProblem(problem string) { fld.touched, fld.err = true, problem }
