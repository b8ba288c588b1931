package model

import "context"

// Whether the file changed: screens poll these to refresh.

// DataVersion changes whenever another connection (another fieldwork
// process) commits a change to the file: screens poll it to refresh.
func (w *Workpaper) DataVersion(ctx context.Context) (int64, error) {
	var v int64
	err := w.db.QueryRowContext(ctx, "PRAGMA data_version").Scan(&v)
	return v, err
}

// LastChange is the sequence number of the newest audit-trail entry: it
// changes with every committed change, by this process or another.
func (w *Workpaper) LastChange(ctx context.Context) (int64, error) {
	var v int64
	err := w.db.QueryRowContext(ctx, "SELECT COALESCE(MAX(seq), 0) FROM change_log").Scan(&v)
	return v, err
}
