package tui

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// KeyConfig rebinds actions to keys. It is read from a JSON file whose
// object maps an action's name to a key or a list of keys:
//
//	{
//	  "down": ["down", "j", "ctrl+n"],
//	  "up": ["up", "k", "ctrl+p"],
//	  "quit": "Q",
//	  "sign-reviewer": "V"
//	}
//
// An action listed replaces all of its default keys; actions not listed
// keep theirs. Key names are Bubble Tea's: a character ("x", "?", "X"),
// or a named key with optional modifiers ("enter", "esc", "tab",
// "shift+tab", "ctrl+s", "alt+x", "pgdown", "f5", "space" for " ").
// ctrl+c always quits, whatever the file says.
type KeyConfig struct {
	// Path is the file it was read from.
	Path string
	// Bindings maps an action to its keys.
	Bindings map[string][]string
}

// KeyConfigFile is the key configuration's name in the user's
// configuration folder.
const KeyConfigFile = "fieldwork/keys.json"

// DefaultKeyConfigPath is $XDG_CONFIG_HOME/fieldwork/keys.json (on Linux
// ~/.config/fieldwork/keys.json when XDG_CONFIG_HOME is not set), or "" when
// there is no configuration folder.
func DefaultKeyConfigPath() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, filepath.FromSlash(KeyConfigFile))
}

// LoadKeyConfig reads and checks a key configuration file: every action
// must exist, every key must be one Bubble Tea can report, and the keys
// that work everywhere (quit, help, the screens' numbers, tab, reload) may
// not share a key with each other or with moving in lists.
func LoadKeyConfig(path string) (KeyConfig, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return KeyConfig{}, fmt.Errorf("key configuration: %w", err)
	}
	kc, err := parseKeyConfig(b)
	if err != nil {
		return KeyConfig{}, fmt.Errorf("key configuration %s: %w", path, err)
	}
	kc.Path = path
	return kc, nil
}

// loadKeys finds the key configuration Run uses: opts.Keys when set, the
// file opts.KeyConfig names (which must exist), or the default file when
// it exists.
func loadKeys(opts Options) (*KeyConfig, error) {
	if opts.Keys != nil {
		return opts.Keys, nil
	}
	path := opts.KeyConfig
	if path == "" {
		path = DefaultKeyConfigPath()
		if path == "" {
			return nil, nil
		}
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
	}
	kc, err := LoadKeyConfig(path)
	if err != nil {
		return nil, err
	}
	return &kc, nil
}

func parseKeyConfig(b []byte) (KeyConfig, error) {
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&raw); err != nil {
		return KeyConfig{}, jsonError(b, err)
	}
	if raw == nil {
		return KeyConfig{}, errors.New(`the file must hold a JSON object, e.g. {"quit": ["q", "Q"]}`)
	}
	actions := keyActions(defaultKeyMap())
	kc := KeyConfig{Bindings: map[string][]string{}}
	names := make([]string, 0, len(raw))
	for name := range raw {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if _, ok := actions[name]; !ok {
			return KeyConfig{}, fmt.Errorf("unknown action %q%s; the actions are: %s",
				name, suggestAction(name, actions), strings.Join(actionNames(actions), ", "))
		}
		var keys []string
		var one string
		if err := json.Unmarshal(raw[name], &one); err == nil {
			keys = []string{one}
		} else if err := json.Unmarshal(raw[name], &keys); err != nil {
			return KeyConfig{}, fmt.Errorf("action %q: give a key (\"x\") or a list of keys ([\"x\", \"ctrl+x\"])", name)
		}
		if len(keys) == 0 {
			return KeyConfig{}, fmt.Errorf("action %q has no key: give at least one, or leave the action out to keep its default", name)
		}
		for i, k := range keys {
			norm, err := normalizeKey(k)
			if err != nil {
				return KeyConfig{}, fmt.Errorf("action %q: %w", name, err)
			}
			keys[i] = norm
		}
		kc.Bindings[name] = dedupe(keys)
	}
	km := defaultKeyMap()
	kc.apply(km)
	if err := checkConflicts(km); err != nil {
		return KeyConfig{}, err
	}
	return kc, nil
}

// jsonError words a JSON syntax error with its line and column.
func jsonError(b []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line, col := 1, 1
		for _, c := range b[:min(int(se.Offset), len(b))] {
			if c == '\n' {
				line, col = line+1, 1
			} else {
				col++
			}
		}
		return fmt.Errorf("line %d, column %d: %v", line, col, se)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return errors.New(`the file must hold a JSON object mapping actions to keys, e.g. {"quit": ["q", "Q"]}`)
	}
	return err
}

// apply rebinds km's actions.
func (kc *KeyConfig) apply(km *keyMap) {
	if kc == nil {
		return
	}
	actions := keyActions(km)
	for name, keys := range kc.Bindings {
		b, ok := actions[name]
		if !ok {
			continue
		}
		if b == &km.ForceQuit && !slices.Contains(keys, "ctrl+c") {
			keys = append(keys, "ctrl+c")
		}
		b.SetKeys(keys...)
		b.SetHelp(keysLabel(keys), b.Help().Desc)
	}
}

// keyActions maps each action's name ("next-tab") to its binding in km.
func keyActions(km *keyMap) map[string]*key.Binding {
	out := map[string]*key.Binding{}
	v := reflect.ValueOf(km).Elem()
	t := v.Type()
	bindingType := reflect.TypeFor[key.Binding]()
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Type != bindingType || !f.IsExported() {
			continue
		}
		out[actionName(f.Name)] = v.Field(i).Addr().Interface().(*key.Binding)
	}
	return out
}

// actionName turns a field's name into an action's: NextTab → next-tab,
// WPEdit → wp-edit.
func actionName(field string) string {
	rs := []rune(field)
	var b strings.Builder
	for i, r := range rs {
		if i > 0 && unicode.IsUpper(r) {
			prev := rs[i-1]
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
				b.WriteByte('-')
			}
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

func actionNames(actions map[string]*key.Binding) []string {
	names := make([]string, 0, len(actions))
	for n := range actions {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// suggestAction offers the action a misspelt name most likely meant.
func suggestAction(name string, actions map[string]*key.Binding) string {
	norm := strings.ToLower(strings.NewReplacer("_", "-", " ", "-").Replace(name))
	if _, ok := actions[norm]; ok {
		return fmt.Sprintf(" (did you mean %q?)", norm)
	}
	if _, ok := actions[actionName(name)]; ok {
		return fmt.Sprintf(" (did you mean %q?)", actionName(name))
	}
	best, bestD := "", 3
	for n := range actions {
		if d := editDistance(norm, n); d < bestD || (d == bestD && n < best) {
			best, bestD = n, d
		}
	}
	if best != "" {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return ""
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// namedKeys are the key names Bubble Tea reports, "enter" to "f20".
var namedKeys = func() map[string]bool {
	m := map[string]bool{}
	for i := -256; i < 256; i++ {
		kt := tea.KeyType(i)
		if kt == tea.KeyRunes {
			continue
		}
		if s := kt.String(); s != "" && utf8.RuneCountInString(s) > 1 {
			m[s] = true
		}
	}
	return m
}()

// normalizeKey checks a key's name and returns it as Bubble Tea writes it.
func normalizeKey(k string) (string, error) {
	if k == "" {
		return "", errors.New(`an empty key name (write "space" for the space bar)`)
	}
	if k == " " || strings.EqualFold(k, "space") {
		return " ", nil
	}
	if utf8.RuneCountInString(k) == 1 {
		r, _ := utf8.DecodeRuneInString(k)
		if !unicode.IsPrint(r) {
			return "", fmt.Errorf("key %q is not a printable character", k)
		}
		return k, nil
	}
	lower := strings.ToLower(k)
	if namedKeys[lower] {
		return lower, nil
	}
	if rest, ok := strings.CutPrefix(lower, "alt+"); ok {
		if utf8.RuneCountInString(k[4:]) == 1 {
			return "alt+" + k[4:], nil // alt+X keeps its case
		}
		if namedKeys[rest] {
			return lower, nil
		}
	}
	return "", fmt.Errorf("unknown key %q (a character, or a name such as enter, esc, tab, shift+tab, ctrl+s, alt+x, pgdown, f5, space)", k)
}

// keysLabel is how help shows a list of keys.
func keysLabel(keys []string) string {
	pretty := map[string]string{" ": "space", "up": "↑", "down": "↓", "left": "←", "right": "→"}
	labels := make([]string, 0, len(keys))
	for _, k := range keys {
		if p, ok := pretty[k]; ok {
			k = p
		}
		labels = append(labels, k)
	}
	if len(labels) > 2 {
		labels = labels[:2]
	}
	return strings.Join(labels, "/")
}

// checkConflicts refuses a key map in which a key that works everywhere
// does two things, or hides a list's movement.
func checkConflicts(km *keyMap) error {
	actions := keyActions(km)
	global := []string{"quit", "force-quit", "help", "next-tab", "prev-tab", "reload",
		"dashboard", "criteria", "exceptions", "review", "sign-offs", "trail", "export"}
	moving := []string{"up", "down", "page-up", "page-down", "top", "bottom", "open", "filter"}
	owner := map[string]string{}
	for _, name := range global {
		b, ok := actions[name]
		if !ok {
			continue
		}
		for _, k := range b.Keys() {
			if other, ok := owner[k]; ok && other != name {
				return fmt.Errorf("key %q is bound to both %q and %q, which work on every screen: give one of them another key", keyName(k), other, name)
			}
			owner[k] = name
		}
	}
	for _, name := range moving {
		for _, k := range actions[name].Keys() {
			if other, ok := owner[k]; ok {
				return fmt.Errorf("key %q is bound to both %q (every screen) and %q (moving in lists): give one of them another key", keyName(k), other, name)
			}
		}
	}
	// Any other action's key must not be one the root takes first; the
	// actions of forms and filters are exempt: while typing, every key but
	// ctrl+c goes to the screen.
	typing := []string{"form-", "choice-", "accept-filter", "cancel-filter", "delete-", "yes", "no", "clear-filter"}
	for _, name := range actionNames(actions) {
		if slices.Contains(global, name) || slices.Contains(moving, name) || hasAnyPrefix(name, typing) {
			continue
		}
		for _, k := range actions[name].Keys() {
			if other, ok := owner[k]; ok {
				return fmt.Errorf("key %q of %q is taken by %q, which works on every screen: give one of them another key", keyName(k), name, other)
			}
		}
	}
	return nil
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func keyName(k string) string {
	if k == " " {
		return "space"
	}
	return k
}

// dedupe keeps the first of each key, in order.
func dedupe(keys []string) []string {
	var out []string
	for _, k := range keys {
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

// keyMapFor is the key map opts asks for: the defaults, rebound by
// opts.Keys, or by opts.KeyConfig when it reads without error (Run has
// checked it; New keeps the defaults otherwise).
func keyMapFor(opts Options) *keyMap {
	km := defaultKeyMap()
	kc := opts.Keys
	if kc == nil && opts.KeyConfig != "" {
		if loaded, err := LoadKeyConfig(opts.KeyConfig); err == nil {
			kc = &loaded
		}
	}
	kc.apply(km)
	return km
}
