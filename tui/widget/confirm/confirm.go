// Package confirm is the yes/no question a screen asks before it acts
// (delete an attribute, pass a column, resolve a conflict): its prompt ends
// in the keys of its key map ("y deletes, n keeps it"), yes runs the
// action, no drops it. It follows the bubbles layout: KeyMap (keys.go),
// Styles (style.go) and the Model here.
package confirm

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

// Model is one screen's question, asked or not.
type Model struct {
	KeyMap KeyMap
	Styles Styles
	prompt string
	do     func() tea.Cmd
}

// New is a question not yet asked.
func New(k KeyMap, s Styles) Model { return Model{KeyMap: k, Styles: s} }

// Ask asks question; the prompt adds what yes and no do, in the key map's
// keys. do makes the action's command when the answer is yes.
func (m *Model) Ask(question, yes, no string, do func() tea.Cmd) {
	m.prompt = question + " " + m.KeyMap.Answers(yes, no)
	m.do = do
}

// AskPrompt asks with a prompt the screen wrote in full (its answers
// already named in the key map's keys).
func (m *Model) AskPrompt(prompt string, do func() tea.Cmd) {
	m.prompt, m.do = prompt, do
}

// Asking reports whether a question waits for its answer.
func (m Model) Asking() bool { return m.prompt != "" }

// Prompt is the question with its answers ("" when none is asked).
func (m Model) Prompt() string { return m.prompt }

// Cancel drops the question unanswered.
func (m *Model) Cancel() { m.prompt, m.do = "", nil }

// Update takes a key while a question is asked: answered is true for yes
// and no (the question is gone), and on yes cmd is the action's command.
// Other keys leave the question asked; the screen ignores them.
func (m *Model) Update(msg tea.KeyMsg) (answered, yes bool, cmd tea.Cmd) {
	switch {
	case key.Matches(msg, m.KeyMap.Yes):
		do := m.do
		m.Cancel()
		if do != nil {
			cmd = do()
		}
		return true, true, cmd
	case key.Matches(msg, m.KeyMap.No):
		m.Cancel()
		return true, false, nil
	}
	return false, false, nil
}

// View is the prompt in its style, cut to width.
func (m Model) View(width int) string {
	if m.prompt == "" {
		return ""
	}
	return m.Styles.Prompt.Render(ansi.Truncate(m.prompt, width, "…"))
}
