// Package testkeys, imported for its effect by test files, points the
// signing key folder at a temporary one for the test run: test writes sign
// with keys made on their first write, never in the user's config folder.
// A binary the tests run inherits the folder.
package testkeys

import "os"

func init() {
	if os.Getenv("FIELDWORK_KEY_DIR") != "" {
		return
	}
	d, err := os.MkdirTemp("", "fieldwork-test-keys-")
	if err != nil {
		panic(err)
	}
	os.Setenv("FIELDWORK_KEY_DIR", d)
}
