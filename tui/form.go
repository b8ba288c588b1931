package tui

import (
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textarea"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

// form is a small editor of a few fields — one-line inputs, multi-line
// texts and choices — used by the workpaper, the wizard and the grid. It
// validates as the user types and shows each problem under its field;
// ctrl+s saves (the owner runs the write as a tea.Cmd and reports back
// with done or failed); esc cancels, asking first when something changed.
type form struct {
	styles *Styles
	keys   *keyMap

	title  string
	intro  []string // lines above the fields (already styled)
	fields []*formField
	focus  int

	width, height int
	labelW        int // the width of the labels of one-line fields and choices

	msg    string // the last failed save, or a stale refusal, shown above the keys
	saving bool   // a save is running: keys wait
	asking bool   // "discard your changes?" is shown
}

type fieldKind int

const (
	fieldLine   fieldKind = iota // one line of text
	fieldText                    // several lines
	fieldChoice                  // one of a few values
)

type formField struct {
	name     string // what the owner asks for with value()
	label    string
	kind     fieldKind
	hint     string // shown dim beside the label
	required bool
	validate func(string) error

	input   textinput.Model
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

// formLabelW is the width of the labels of one-line fields and choices.
const formLabelW = 14

func newForm(c common, title string) *form {
	return &form{styles: c.styles, keys: c.keys, title: title, labelW: formLabelW}
}

// line adds a one-line field.
func (f *form) line(name, label, value string, required bool, validate func(string) error) *formField {
	ti := textinput.New()
	ti.Prompt = ""
	ti.Cursor.SetMode(cursor.CursorStatic)
	ti.Cursor.Style = f.styles.Selected
	ti.PlaceholderStyle = f.styles.Dim
	ti.SetValue(sanitize(value))
	ti.CharLimit = 2000
	fld := &formField{name: name, label: label, kind: fieldLine, input: ti, required: required, validate: validate}
	fld.initial = ti.Value()
	f.fields = append(f.fields, fld)
	return fld
}

// text adds a multi-line field of about lines lines.
func (f *form) text(name, label, value string, lines int, required bool) *formField {
	ta := textarea.New()
	ta.ShowLineNumbers = false
	ta.Prompt = "│ "
	ta.CharLimit = 20000
	ta.Cursor.SetMode(cursor.CursorStatic)
	ta.Cursor.Style = f.styles.Selected
	focused := textarea.Style{Base: f.styles.Value, Text: f.styles.Value, CursorLine: f.styles.Value,
		Placeholder: f.styles.Dim, Prompt: f.styles.FilterPrompt, EndOfBuffer: f.styles.Dim,
		LineNumber: f.styles.Dim, CursorLineNumber: f.styles.Dim}
	blurred := focused
	blurred.Text, blurred.CursorLine, blurred.Prompt = f.styles.Muted, f.styles.Muted, f.styles.Dim
	ta.FocusedStyle, ta.BlurredStyle = focused, blurred
	ta.Blur()
	ta.SetValue(sanitize(value))
	fld := &formField{name: name, label: label, kind: fieldText, area: ta, lines: max(1, lines), required: required}
	fld.initial = ta.Value()
	f.fields = append(f.fields, fld)
	return fld
}

// choose adds a choice among values, shown as labels (nil: the values).
func (f *form) choose(name, label string, values, labels []string, current string) *formField {
	fld := &formField{name: name, label: label, kind: fieldChoice, choices: values, labels: labels}
	for i, v := range values {
		if v == current {
			fld.choice = i
		}
	}
	fld.initial = fld.value()
	f.fields = append(f.fields, fld)
	return fld
}

func (fld *formField) value() string {
	switch fld.kind {
	case fieldLine:
		return fld.input.Value()
	case fieldText:
		return fld.area.Value()
	}
	if fld.choice < len(fld.choices) {
		return fld.choices[fld.choice]
	}
	return ""
}

func (fld *formField) choiceLabel(i int) string {
	if fld.labels != nil && i < len(fld.labels) {
		return fld.labels[i]
	}
	return fld.choices[i]
}

// check sets the field's problem, if any.
func (fld *formField) check() {
	v := strings.TrimSpace(fld.value())
	fld.err = ""
	switch {
	case fld.required && v == "":
		fld.err = "required"
	case fld.validate != nil:
		if err := fld.validate(v); err != nil {
			fld.err = oneLine(err.Error())
		}
	}
}

// value returns the trimmed value of the named field.
func (f *form) value(name string) string {
	for _, fld := range f.fields {
		if fld.name == name {
			return strings.TrimSpace(fld.value())
		}
	}
	return ""
}

// field returns the named field.
func (f *form) field(name string) *formField {
	for _, fld := range f.fields {
		if fld.name == name {
			return fld
		}
	}
	return nil
}

// dirty reports whether any field differs from what it started as.
func (f *form) dirty() bool {
	for _, fld := range f.fields {
		if fld.value() != fld.initial {
			return true
		}
	}
	return false
}

// start focuses the first field.
func (f *form) start() tea.Cmd {
	f.focus = 0
	return f.focusField()
}

func (f *form) focusField() tea.Cmd {
	var cmd tea.Cmd
	for i, fld := range f.fields {
		switch fld.kind {
		case fieldLine:
			if i == f.focus {
				cmd = fld.input.Focus()
			} else {
				fld.input.Blur()
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
func (f *form) SetSize(width, height int) {
	f.width, f.height = width, height
	texts := 0
	for _, fld := range f.fields {
		if fld.kind == fieldText {
			texts++
		}
	}
	// The texts share what the other lines leave, 2 to 8 lines each.
	fixed := 2 + len(f.intro) + 3 // title, blank, intro, message and keys
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
			fld.input.Width = max(1, width-f.labelW-4)
		case fieldText:
			fld.area.SetWidth(max(10, min(width-2, 100)))
			fld.area.SetHeight(min(per, max(fld.lines, 2)))
		}
	}
}

type formAction int

const (
	formNone formAction = iota
	formSubmit
	formCancel
)

// Update handles a key; it returns formSubmit when the user saves and
// every field is valid, formCancel when the form should close unsaved.
func (f *form) Update(msg tea.Msg) (formAction, tea.Cmd) {
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return formNone, nil
	}
	k := f.keys
	if f.asking {
		switch {
		case key.Matches(km, k.Yes):
			f.asking = false
			return formCancel, nil
		case key.Matches(km, k.No):
			f.asking = false
		}
		return formNone, nil
	}
	if f.saving {
		return formNone, nil
	}
	fld := f.fields[f.focus]
	switch {
	case key.Matches(km, k.FormSave):
		return f.submit(), nil
	case key.Matches(km, k.FormCancel):
		if f.dirty() {
			f.asking = true
			return formNone, nil
		}
		return formCancel, nil
	case key.Matches(km, k.FormNext):
		f.focus = (f.focus + 1) % len(f.fields)
		return formNone, f.focusField()
	case key.Matches(km, k.FormPrev):
		f.focus = (f.focus + len(f.fields) - 1) % len(f.fields)
		return formNone, f.focusField()
	}
	var cmd tea.Cmd
	switch fld.kind {
	case fieldLine:
		if km.Type == tea.KeyEnter {
			if f.focus == len(f.fields)-1 {
				return f.submit(), nil
			}
			f.focus++
			return formNone, f.focusField()
		}
		fld.input, cmd = fld.input.Update(km)
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
			return formNone, f.focusField()
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
	return formNone, cmd
}

// submit validates every field; the form is valid when none has a problem.
func (f *form) submit() formAction {
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
		f.msg = "Correct the field marked " + symGap + " first."
		return formNone
	}
	f.msg = ""
	f.saving = true
	return formSubmit
}

// failed reports a save that did not go through; the input stays.
func (f *form) failed(text string) {
	f.saving = false
	f.msg = text
}

// showTheirs notes, after a stale refusal, what is stored now in a field.
func (f *form) showTheirs(name, stored string) {
	if fld := f.field(name); fld != nil {
		fld.theirs = ""
		if stored != fld.value() {
			fld.theirs = stored
		}
	}
}

// View draws the form in exactly its height, keeping the focused field
// in view.
func (f *form) View() string {
	s := f.styles
	w := f.width
	head := []string{s.Title.Render(truncate(f.title, w)), ""}
	head = append(head, f.intro...)
	var body []string
	focusTop, focusEnd := 0, 0
	for i, fld := range f.fields {
		start := len(body)
		marker := "  "
		if i == f.focus {
			marker = s.FilterPrompt.Render(symCursor + " ")
		}
		label := fld.label
		if fld.required {
			label += " *"
		}
		switch fld.kind {
		case fieldLine:
			body = append(body, marker+s.Label.Render(fit(label, f.labelW))+fld.input.View())
		case fieldChoice:
			labels := make([]string, len(fld.choices))
			for j := range fld.choices {
				labels[j] = fld.choiceLabel(j)
			}
			body = append(body, truncate(marker+s.Label.Render(fit(label, f.labelW))+choiceLine(s, labels, fld.choice, i == f.focus, w-2-f.labelW), w))
		case fieldText:
			lab := marker + s.Label.Render(label)
			if fld.hint != "" {
				lab += "  " + s.Dim.Render(fld.hint)
			}
			body = append(body, truncate(lab, w))
			for _, l := range strings.Split(fld.area.View(), "\n") {
				body = append(body, "  "+l)
			}
		}
		if fld.kind != fieldText && fld.hint != "" && fld.err == "" {
			body = append(body, "  "+s.Dim.Render(truncate(fit("", f.labelW)+fld.hint, w-2)))
		}
		if fld.err != "" {
			body = append(body, "  "+s.Gap.Render(truncate(fit("", f.labelW)+symGap+" "+fld.err, w-2)))
		}
		if fld.theirs != "" {
			body = append(body, "  "+s.Hint.Render(truncate(fit("", f.labelW)+"now stored: "+oneLine(fld.theirs), w-2)))
		}
		if i == f.focus {
			focusTop, focusEnd = start, len(body)
		}
	}
	var foot []string
	switch {
	case f.asking:
		foot = append(foot, s.Hint.Render(truncate("Discard your changes? "+f.keys.yesNo("discards", "keeps editing"), w)))
	case f.saving:
		foot = append(foot, s.Muted.Render(truncate("Saving…", w)))
	case f.msg != "":
		for _, l := range wrap(f.msg, w) {
			foot = append(foot, s.Gap.Render(l))
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

func (f *form) ShortHelp() []key.Binding {
	if f.asking {
		return f.keys.confirmHelp()
	}
	return f.keys.formShort()
}

func (f *form) FullHelp() [][]key.Binding {
	if f.asking {
		return [][]key.Binding{f.keys.confirmHelp()}
	}
	return f.keys.formFull()
}
