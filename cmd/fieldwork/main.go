// Command fieldwork is the SOC 2 fieldwork workbench: a terminal UI over one
// SQLite workpaper file, and a CLI for every step so work can be scripted.
package main

import "os"

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

func main() {
	os.Exit(run(os.Args[1:], &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}))
}
