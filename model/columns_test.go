package model

import "testing"

// Columns are guessed by name first, then by what the first rows hold.
func TestGuessPopulationColumns(t *testing.T) {
	header, rows := []string{"Ticket", "Opened", "Approver"}, [][]string{
		{"T-0001", "2026-02-02", "Ann"}, {"T-0002", "02/03/2026", "Ann"},
	}
	if id, d := GuessOccurrenceColumns(header, rows); d != 1 || id != 0 {
		t.Errorf("date column %d, want 1 (Opened holds dates); ID column %d, want 0 (Ticket)", d, id)
	}
	header, rows = []string{"Approver", "Change", "Deployed"}, [][]string{
		{"Ann", "CHG-1", "2026-02-02"}, {"Ann", "CHG-2", "2026-02-03"},
	}
	if id, d := GuessOccurrenceColumns(header, rows); d != 2 || id != 1 {
		t.Errorf("date %d, ID %d; want 2 and 1 (Approver repeats)", d, id)
	}
	header, rows = []string{"Note"}, [][]string{{"a"}, {"a"}}
	if id, d := GuessOccurrenceColumns(header, rows); d != -1 || id != -1 {
		t.Errorf("nothing to guess: date %d, ID %d", d, id)
	}
}
