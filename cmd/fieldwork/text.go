package main

import (
	"github.com/fieldwork-audit/fieldwork/internal/cleantext"
)

// clean makes client text safe to print on a terminal: no escape sequences
// or control characters from a CSV reach it raw.
func clean(s string) string { return cleantext.Clean(s) }
