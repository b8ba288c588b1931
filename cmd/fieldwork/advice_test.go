package main

import (
	"strings"
	"testing"

	"github.com/fieldwork-audit/fieldwork/model"
)

// Every hint model can carry has a CLI wording, and those that take a file
// name put it in.
func TestEveryHintHasCLIWording(t *testing.T) {
	for _, h := range model.Hints {
		if cliHints[h] == "" {
			t.Errorf("hint %s has no CLI wording", h)
		}
		if strings.Contains(cliHints[h], "%s") && !strings.Contains(cliWording(h, "a.fieldwork"), "a.fieldwork") {
			t.Errorf("hint %s drops its file", h)
		}
	}
}
