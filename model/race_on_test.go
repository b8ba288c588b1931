//go:build race

package model

// raceEnabled: the race detector makes the large-input tests ten times slower.
const raceEnabled = true
