package model

// Test writes sign with keys in a folder of the test run's own.
import _ "github.com/fieldwork-audit/fieldwork/internal/testkeys"
