package model

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// ErrLegacyTrailBroken refuses to upgrade a workpaper whose trail, written
// before signatures existed, does not verify.
var ErrLegacyTrailBroken = errors.New("its trail does not verify")

// upgrade migrates an existing workpaper to the current schema. Going to
// schema 3 (signed trails), the old trail's hash chain is checked first:
// the upgrade then writes one signed entry that vouches for every entry
// before it, so that replay and signatures start from a verified history.
// A trail that does not verify is upgraded only with a reason
// (Options.MigrationReason), which that entry records.
func (w *Workpaper) upgrade(ctx context.Context, from int) error {
	if from < 2 {
		if err := w.migrateTo(ctx, from, 2); err != nil {
			return err
		}
		from = 2
	}
	if from >= 3 {
		return w.migrate(ctx, from)
	}
	problems, entries, err := w.verifyChain(ctx)
	if err != nil {
		return err
	}
	reason := strings.TrimSpace(w.migrationReason)
	if len(problems) > 0 && reason == "" {
		return hintErrorf("%w (%s%s): nothing was changed%s",
			ErrLegacyTrailBroken, problems[0], more(len(problems)-1), HintUpgradeAnyway)
	}
	if err := w.migrate(ctx, from); err != nil {
		return err
	}
	return w.sealLegacy(ctx, from, entries, problems, reason)
}

func more(n int) string {
	if n <= 0 {
		return ""
	}
	return fmt.Sprintf("; and %d more", n)
}

// sealLegacy writes the upgrade's signed entry. Its signature (kind
// "migration") covers every entry from the first, so the legacy entries,
// which no author signed, are vouched for by the auditor who upgraded.
func (w *Workpaper) sealLegacy(ctx context.Context, from int, entries int64, problems []string, reason string) error {
	return w.write(ctx, func(t *txn) error {
		t.kind = "migration"
		var first string
		if entries > 0 {
			if err := t.tx.QueryRowContext(ctx, `SELECT uuid FROM change_log ORDER BY seq LIMIT 1`).Scan(&first); err != nil {
				return err
			}
			t.runs = []signRun{{first: first, n: entries}}
			t.runOpen = true
		}
		// Populations imported before flags had a digest of their own get
		// one now.
		rows, err := t.tx.QueryContext(ctx, `SELECT id, uuid FROM population WHERE flags_digest = '' ORDER BY id`)
		if err != nil {
			return err
		}
		type pop struct {
			id   int64
			uuid string
		}
		var pops []pop
		for rows.Next() {
			var p pop
			rows.Scan(&p.id, &p.uuid)
			pops = append(pops, p)
		}
		if err := closeRows(rows); err != nil {
			return err
		}
		for _, p := range pops {
			d, err := flagsDigestOf(ctx, t.tx, p.id)
			if err != nil {
				return err
			}
			if _, err := t.update("population", p.uuid, 0, "population", field{"flags_digest", d}); err != nil {
				return err
			}
		}
		var eng string
		t.tx.QueryRowContext(ctx, `SELECT uuid FROM engagement WHERE id = 1`).Scan(&eng)
		note := fmt.Sprintf("workpaper upgraded from schema %d to %d by %s: the %d entries written before trails were signed were checked (hash chain intact) and this entry's signature vouches for them",
			from, SchemaVersion, w.user, entries)
		if len(problems) > 0 {
			note = fmt.Sprintf("workpaper upgraded from schema %d to %d by %s although its trail did not verify (%s%s); reason: %s; this entry's signature covers the %d entries before it as they were found",
				from, SchemaVersion, w.user, problems[0], more(len(problems)-1), reason, entries)
		}
		return t.event("engagement", eng, note)
	})
}
