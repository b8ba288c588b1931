package tui

import (
	"path/filepath"

	"github.com/fieldwork-audit/fieldwork/tui/widget/confirm"
	"github.com/fieldwork-audit/fieldwork/tui/widget/filepicker"
	"github.com/fieldwork-audit/fieldwork/tui/widget/form"
	"github.com/fieldwork-audit/fieldwork/tui/widget/list"
	"github.com/fieldwork-audit/fieldwork/tui/widget/scrolldoc"
)

// The widgets of tui/widget, made in the workbench's keys (keys.go) and
// styles (theme.go).

// newList is a list widget in the workbench's keys and styles.
func newList[T any](c common, cfg list.Config[T]) list.Model[T] {
	if cfg.TypeHint == "" {
		cfg.TypeHint = "type an ID, words or a control"
	}
	return list.New(c.keys.listKeys(), c.styles.listStyles(), cfg)
}

// listKeys are the list widget's bindings of this key map.
func (k *keyMap) listKeys() list.KeyMap {
	return list.KeyMap{
		Up: k.Up, Down: k.Down, PageUp: k.PageUp, PageDown: k.PageDown, Top: k.Top, Bottom: k.Bottom,
		Filter: k.Filter, ClearFilter: k.ClearFilter, AcceptFilter: k.AcceptFilter, CancelFilter: k.CancelFilter,
		DeleteChar: k.DeleteChar, DeleteWord: k.DeleteWord, DeleteAll: k.DeleteAll,
	}
}

// listStyles are the list widget's styles in this theme.
func (s *Styles) listStyles() list.Styles {
	return list.Styles{Empty: s.Hint, FilterPrompt: s.FilterPrompt, FilterText: s.FilterText, FilterHint: s.Dim, Count: s.Muted}
}

// newScrollDoc is a scrolled text in the workbench's keys and styles.
func newScrollDoc(c common) scrolldoc.Model {
	k := c.keys
	return scrolldoc.New(scrolldoc.KeyMap{Up: k.Up, Down: k.Down, PageUp: k.PageUp, PageDown: k.PageDown, Top: k.Top, Bottom: k.Bottom},
		scrolldoc.Styles{Where: c.styles.Scroll})
}

// formLabelW is the width of a form's labels, which the wizard's own
// fields line up with.
const formLabelW = form.DefaultLabelWidth

// newForm is a form in the workbench's keys and styles.
func newForm(c common, title string) *form.Model {
	k := c.keys
	return form.New(form.KeyMap{Save: k.FormSave, Cancel: k.FormCancel, Next: k.FormNext, Prev: k.FormPrev,
		ChoiceNext: k.ChoiceNext, ChoicePrev: k.ChoicePrev, Yes: k.Yes, No: k.No}, c.styles.formStyles(), title)
}

// formStyles are the form widget's styles in this theme.
func (s *Styles) formStyles() form.Styles {
	return form.Styles{Title: s.Title, Label: s.Label, Value: s.Value, Selected: s.Selected, Muted: s.Muted,
		Dim: s.Dim, Prompt: s.FilterPrompt, Problem: s.Gap, Hint: s.Hint}
}

// choiceLine draws a choice as a form does (the wizard's own choices).
func choiceLine(s *Styles, labels []string, cur int, focused bool, w int) string {
	return form.ChoiceLine(s.formStyles(), labels, cur, focused, w)
}

// populationExts are the files offered for a population; matrixExts for
// a control matrix.
var (
	populationExts = []string{".csv", ".xlsx", ".xlsm", ".txt", ".tsv"}
	matrixExts     = []string{".csv", ".xlsx", ".xlsm"}
)

// newFilePicker is a file picker in the workpaper's folder, in the
// workbench's keys and styles.
func newFilePicker(c common, exts []string, placeholder string) *filepicker.Model {
	k, s := c.keys, c.styles
	open := k.Open
	open.SetHelp("enter", "open")
	done := k.WizNext
	done.SetHelp("enter", "done")
	stop := k.FormCancel
	stop.SetHelp("esc", "stop typing")
	keys := filepicker.KeyMap{List: k.listKeys(), Open: open, TypePath: k.WizTypePath, Done: done, StopTyping: stop}
	styles := filepicker.Styles{List: s.listStyles(), Label: s.Label, Problem: s.Gap, Prompt: s.FilterPrompt,
		Selected: s.Selected, Folder: s.Title, Dim: s.Dim}
	return filepicker.New(keys, styles, filepicker.Config{Dir: filepath.Dir(c.wp.Path()), Exts: exts,
		Placeholder: placeholder, Now: c.now, Path: newLineInput(c, placeholder)})
}

// newConfirm is a screen's yes/no question, in the workbench's keys.
func newConfirm(c common) confirm.Model {
	return confirm.New(c.keys.confirmKeys(), confirm.Styles{Prompt: c.styles.Hint})
}
