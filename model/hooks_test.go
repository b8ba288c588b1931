package model

import "database/sql"

// DBForTest hands the external tests (package model_test) the workpaper's
// database, for queries that check the store's own reads.
func DBForTest(w *Workpaper) *sql.DB { return w.db }
