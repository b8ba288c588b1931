package model

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func testWording(h Hint, arg string) string {
	if arg != "" {
		return " <" + string(h) + " " + arg + ">"
	}
	return " <" + string(h) + ">"
}

// A hinted error says nothing of a front end by itself; worded, each hint
// stands where the message put it, also inside an error that wraps it,
// and errors.Is still sees what it wraps.
func TestHintedErrorWording(t *testing.T) {
	err := hintErrorf("%w %q in %s%s", ErrNoControl, "CC9", "a.fieldwork", HintListControls)
	if got := err.Error(); got != `no such control "CC9" in a.fieldwork` && !strings.HasSuffix(got, `"CC9" in a.fieldwork`) {
		t.Fatalf("plain: %q", got)
	}
	if !errors.Is(err, ErrNoControl) {
		t.Fatal("the hinted error lost what it wraps")
	}
	outer := fmt.Errorf("opening the test: %w", err)
	got := Words(outer, testWording)
	if !strings.HasPrefix(got, "opening the test: ") || !strings.HasSuffix(got, `"CC9" in a.fieldwork <list-controls>`) {
		t.Fatalf("worded: %q", got)
	}
	if Words(outer, nil) != outer.Error() {
		t.Fatal("no wording should leave the hints out")
	}
	arg := hintErrorf("copy does not verify%s", HintVerify.For("b.fieldwork"))
	if got := Words(arg, testWording); got != "copy does not verify <verify b.fieldwork>" {
		t.Fatalf("with argument: %q", got)
	}
	nested := hintErrorf("%w%s", arg, HintPlanSample)
	if got := Words(nested, testWording); got != "copy does not verify <verify b.fieldwork> <plan-sample>" {
		t.Fatalf("nested: %q", got)
	}
}

// The refusals that list what is missing word every hint in the list.
func TestRefusalWording(t *testing.T) {
	r := &ConclusionRefusal{Control: "CC1.1", Conclusion: Effective, Why: []Text{textf("no attribute is recorded%s", HintAddAttribute), plainText("the population is empty")}}
	if got := Words(fmt.Errorf("x: %w", r), testWording); got != "x: CC1.1 cannot be concluded effective yet: no attribute is recorded <add-attribute>; the population is empty; nothing was recorded" {
		t.Fatalf("conclusion refusal: %q", got)
	}
	s := &SignRefusal{What: "review of CC1.1", Why: textf("conclude it first%s", HintConclude)}
	if got := s.Error(); got != "review of CC1.1: conclude it first; nothing was signed" {
		t.Fatalf("sign refusal: %q", got)
	}
}

// No message in model gives a front end's advice: no CLI flag and no
// 'fieldwork …' command in any string literal (the SQL of the schema
// aside). Advice is a Hint, worded by cmd/fieldwork and tui.
func TestNoFrontEndAdviceInModel(t *testing.T) {
	flag := regexp.MustCompile(`(^|[\s(])--[a-z]`)
	files, _ := filepath.Glob("*.go")
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || f == "schema.go" {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		file, err := parser.ParseFile(fset, f, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				return true
			}
			if flag.MatchString(s) || strings.Contains(s, "'fieldwork ") {
				t.Errorf("%s: %q gives CLI advice: carry a Hint instead", fset.Position(lit.Pos()), s)
			}
			return true
		})
	}
}

// hasHint reports whether err's message carries hint h.
func hasHint(err error, h Hint) bool {
	return err != nil && strings.Contains(Words(err, testWording), " <"+string(h))
}
