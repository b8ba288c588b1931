package tui

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
)

// keysDocTable is the table of actions docs/keys.md shows, made from the
// default key map.
func keysDocTable() string {
	actions := keyActions(defaultKeyMap())
	names := actionNames(actions)
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		bd := actions[n]
		keys := make([]string, len(bd.Keys()))
		for i, k := range bd.Keys() {
			keys[i] = fmt.Sprintf("%q", k)
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", n, strings.Join(keys, ", "), bd.Help().Desc)
	}
	return b.String()
}

// docs/keys.md lists every action with its default keys: a new binding
// without its line there fails here (go test ./tui -update rewrites it).
func TestKeysDocListsEveryAction(t *testing.T) {
	const path = "../docs/keys.md"
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	const head = "|---|---|---|\n"
	i := strings.Index(doc, head)
	if i < 0 {
		t.Fatalf("%s: no actions table", path)
	}
	i += len(head)
	j := i
	for j < len(doc) && doc[j] == '|' {
		j += strings.IndexByte(doc[j:], '\n') + 1
	}
	want := keysDocTable()
	if doc[i:j] == want {
		return
	}
	if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" {
		if err := os.WriteFile(path, []byte(doc[:i]+want+doc[j:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s's table of actions is out of date (go test ./tui -run KeysDoc -update rewrites it)", path)
}
