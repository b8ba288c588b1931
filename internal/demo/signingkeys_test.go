package demo

import "os"

// Test writes sign with keys made on first write; they go to a folder of
// the test run's own, never the user's config folder. The binary a test
// runs inherits it.
func init() {
	if os.Getenv("FIELDWORK_KEY_DIR") == "" {
		d, err := os.MkdirTemp("", "fieldwork-test-keys-")
		if err != nil {
			panic(err)
		}
		os.Setenv("FIELDWORK_KEY_DIR", d)
	}
}
