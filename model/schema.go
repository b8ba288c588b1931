package model

import (
	"context"
	"fmt"
)

// Every record table carries the same bookkeeping columns: a stable UUID
// (merging copies matches on it), a version (stale edits are refused), and
// who changed it when. recordCols is spliced into each CREATE TABLE.
const recordCols = `
	uuid       TEXT NOT NULL UNIQUE,
	version    INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	created_by TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	updated_by TEXT NOT NULL`

// migrations[i] takes the schema from version i to i+1. Forward only; each
// runs in one transaction with the user_version bump.
var migrations = []string{
	// 0 → 1: the engagement, catalog, controls and the change log.
	`
CREATE TABLE engagement (
	id INTEGER PRIMARY KEY CHECK (id = 1),` + recordCols + `,
	client          TEXT NOT NULL,
	system_name     TEXT NOT NULL,
	report_type     INTEGER NOT NULL CHECK (report_type IN (1, 2)),
	period_from     TEXT NOT NULL DEFAULT '',
	period_to       TEXT NOT NULL DEFAULT '',
	as_of           TEXT NOT NULL DEFAULT '',
	categories      TEXT NOT NULL,
	firm            TEXT NOT NULL DEFAULT '',
	planning_date   TEXT NOT NULL DEFAULT '',
	fieldwork_start TEXT NOT NULL DEFAULT '',
	fieldwork_end   TEXT NOT NULL DEFAULT '',
	report_due      TEXT NOT NULL DEFAULT '',
	rolled_from     TEXT NOT NULL DEFAULT ''
);
CREATE TABLE team_member (
	id INTEGER PRIMARY KEY,` + recordCols + `,
	name  TEXT NOT NULL,
	role  TEXT NOT NULL CHECK (role IN ('preparer', 'reviewer', 'partner', 'manager', 'specialist')),
	email TEXT NOT NULL DEFAULT ''
);
CREATE TABLE subservice_org (
	id INTEGER PRIMARY KEY,` + recordCols + `,
	name     TEXT NOT NULL,
	services TEXT NOT NULL DEFAULT '',
	method   TEXT NOT NULL CHECK (method IN ('carve-out', 'inclusive'))
);
-- CUECs (kind 'cuec') and CSOCs (kind 'csoc') share a shape.
CREATE TABLE complementary_control (
	id INTEGER PRIMARY KEY,` + recordCols + `,
	kind        TEXT NOT NULL CHECK (kind IN ('cuec', 'csoc')),
	ref         TEXT NOT NULL,
	text        TEXT NOT NULL,
	criteria    TEXT NOT NULL DEFAULT '',
	subservice  TEXT NOT NULL DEFAULT '',
	UNIQUE (kind, ref)
);
CREATE TABLE criterion (
	id INTEGER PRIMARY KEY,` + recordCols + `,
	ref         TEXT NOT NULL UNIQUE,
	category    TEXT NOT NULL,
	ordinal     INTEGER NOT NULL,
	title       TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	text_source TEXT NOT NULL DEFAULT 'fieldwork'
);
CREATE TABLE control (
	id INTEGER PRIMARY KEY,` + recordCols + `,
	ref         TEXT NOT NULL UNIQUE,
	description TEXT NOT NULL,
	owner       TEXT NOT NULL DEFAULT '',
	frequency   TEXT NOT NULL DEFAULT '',
	nature      TEXT NOT NULL DEFAULT '',
	is_key      INTEGER NOT NULL DEFAULT 0,
	ordinal     INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE control_criterion (
	id INTEGER PRIMARY KEY,` + recordCols + `,
	control_uuid TEXT NOT NULL REFERENCES control(uuid) ON DELETE CASCADE,
	criterion    TEXT NOT NULL REFERENCES criterion(ref),
	UNIQUE (control_uuid, criterion)
);
CREATE INDEX control_criterion_by_criterion ON control_criterion(criterion);
-- The audit trail: append-only, hash-chained (each entry's hash covers the
-- previous entry's hash), so editing or deleting history is detectable.
CREATE TABLE change_log (
	seq         INTEGER PRIMARY KEY,
	uuid        TEXT NOT NULL UNIQUE,
	at          TEXT NOT NULL,
	user        TEXT NOT NULL,
	op          TEXT NOT NULL CHECK (op IN ('insert', 'update', 'delete', 'event')),
	tbl         TEXT NOT NULL,
	record_uuid TEXT NOT NULL,
	field       TEXT NOT NULL DEFAULT '',
	old_value   TEXT,
	new_value   TEXT,
	note        TEXT NOT NULL DEFAULT '',
	prev_hash   TEXT NOT NULL,
	hash        TEXT NOT NULL
);
CREATE INDEX change_log_by_record ON change_log(record_uuid);
`,
	// 1 → 2: fieldwork records — test plans, populations, selections,
	// results, exceptions, review, requests and interviews.
	`
ALTER TABLE change_log ADD COLUMN scope TEXT NOT NULL DEFAULT '';
CREATE INDEX change_log_by_scope ON change_log(scope);
ALTER TABLE criterion ADD COLUMN override TEXT NOT NULL DEFAULT '' CHECK (override IN ('', 'met', 'not-met'));
ALTER TABLE criterion ADD COLUMN override_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE engagement ADD COLUMN opinion_override TEXT NOT NULL DEFAULT '';
ALTER TABLE engagement ADD COLUMN opinion_override_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE engagement ADD COLUMN frequency_table TEXT NOT NULL DEFAULT '';
ALTER TABLE control ADD COLUMN risk TEXT NOT NULL DEFAULT 'lower' CHECK (risk IN ('lower', 'higher'));

-- One test of a control per control; its W/P reference is never reused.
CREATE TABLE control_test (
	id INTEGER PRIMARY KEY,` + recordCols + `,
	control_uuid      TEXT NOT NULL UNIQUE REFERENCES control(uuid),
	wp_ref            TEXT NOT NULL UNIQUE,
	design_procedure  TEXT NOT NULL DEFAULT '',
	design_result     TEXT NOT NULL DEFAULT '',
	design_conclusion TEXT NOT NULL DEFAULT '' CHECK (design_conclusion IN ('', 'suitably-designed', 'not-suitably-designed')),
	plan_kind         TEXT NOT NULL DEFAULT '' CHECK (plan_kind IN ('', 'statistical', 'frequency', 'all')),
	plan_confidence   TEXT NOT NULL DEFAULT '',
	plan_tolerable    TEXT NOT NULL DEFAULT '',
	plan_expected     TEXT NOT NULL DEFAULT '',
	plan_model        TEXT NOT NULL DEFAULT '',
	plan_size         INTEGER NOT NULL DEFAULT 0,
	plan_allowed      INTEGER NOT NULL DEFAULT 0,
	plan_basis        TEXT NOT NULL DEFAULT '',
	conclusion        TEXT NOT NULL DEFAULT '' CHECK (conclusion IN ('', 'effective', 'effective-with-exceptions', 'not-effective', 'not-tested', 'not-occurring')),
	conclusion_note   TEXT NOT NULL DEFAULT ''
);
CREATE TABLE wp_ref_used (ref TEXT PRIMARY KEY);
CREATE TABLE procedure (
	id INTEGER PRIMARY KEY,` + recordCols + `,
	test_uuid TEXT NOT NULL REFERENCES control_test(uuid),
	ordinal   INTEGER NOT NULL,
	kind      TEXT NOT NULL CHECK (kind IN ('inquiry', 'observation', 'inspection', 're-performance')),
	text      TEXT NOT NULL
);
CREATE TABLE attribute (
	id INTEGER PRIMARY KEY,` + recordCols + `,
	test_uuid TEXT NOT NULL REFERENCES control_test(uuid),
	letter    TEXT NOT NULL,
	text      TEXT NOT NULL,
	UNIQUE (test_uuid, letter)
);
CREATE TABLE population (
	id INTEGER PRIMARY KEY,` + recordCols + `,
	test_uuid     TEXT NOT NULL REFERENCES control_test(uuid),
	current       INTEGER NOT NULL DEFAULT 1,
	source_name   TEXT NOT NULL,
	source_size   INTEGER NOT NULL,
	sha256        TEXT NOT NULL,
	format        TEXT NOT NULL,
	sheet         TEXT NOT NULL DEFAULT '',
	header_row    INTEGER NOT NULL,
	header        TEXT NOT NULL,
	id_column     TEXT NOT NULL DEFAULT '',
	date_column   TEXT NOT NULL DEFAULT '',
	row_count     INTEGER NOT NULL,
	rows_digest   TEXT NOT NULL,
	out_of_period INTEGER NOT NULL DEFAULT 0,
	bad_dates     INTEGER NOT NULL DEFAULT 0,
	duplicates    INTEGER NOT NULL DEFAULT 0,
	blank_rows    INTEGER NOT NULL DEFAULT 0,
	ipe_procedure TEXT NOT NULL DEFAULT '',
	ipe_result    TEXT NOT NULL DEFAULT '',
	replace_reason TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX population_current ON population(test_uuid) WHERE current = 1;
-- Rows are immutable once imported; they are part of their population's
-- record and carry no bookkeeping of their own.
CREATE TABLE population_row (
	population_id   INTEGER NOT NULL REFERENCES population(id) ON DELETE CASCADE,
	position        INTEGER NOT NULL,
	source_row      INTEGER NOT NULL,
	occurrence_id   TEXT NOT NULL DEFAULT '',
	occurrence_date TEXT NOT NULL DEFAULT '',
	flags           TEXT NOT NULL DEFAULT '',
	cells           TEXT NOT NULL,
	PRIMARY KEY (population_id, position)
) WITHOUT ROWID;
CREATE TABLE selection (
	id INTEGER PRIMARY KEY,` + recordCols + `,
	test_uuid       TEXT NOT NULL REFERENCES control_test(uuid),
	population_uuid TEXT NOT NULL REFERENCES population(uuid),
	current         INTEGER NOT NULL DEFAULT 1,
	method          TEXT NOT NULL,
	seed            TEXT NOT NULL DEFAULT '',
	size            INTEGER NOT NULL,
	size_basis      TEXT NOT NULL DEFAULT '',
	record          TEXT NOT NULL
);
CREATE UNIQUE INDEX selection_current ON selection(test_uuid) WHERE current = 1;
CREATE TABLE sample_item (
	id INTEGER PRIMARY KEY,` + recordCols + `,
	selection_uuid TEXT NOT NULL REFERENCES selection(uuid),
	ordinal        INTEGER NOT NULL,
	position       INTEGER NOT NULL,
	extension      INTEGER NOT NULL DEFAULT 0,
	UNIQUE (selection_uuid, position)
);
CREATE TABLE blob (
	id INTEGER PRIMARY KEY,` + recordCols + `,
	sha256 TEXT NOT NULL,
	size   INTEGER NOT NULL,
	name   TEXT NOT NULL,
	data   BLOB NOT NULL
);
CREATE TABLE tickmark (
	id INTEGER PRIMARY KEY,` + recordCols + `,
	symbol  TEXT NOT NULL UNIQUE,
	meaning TEXT NOT NULL
);
CREATE TABLE result (
	id INTEGER PRIMARY KEY,` + recordCols + `,
	test_uuid      TEXT NOT NULL REFERENCES control_test(uuid),
	item_uuid      TEXT NOT NULL REFERENCES sample_item(uuid),
	attribute_uuid TEXT NOT NULL REFERENCES attribute(uuid),
	outcome        TEXT NOT NULL CHECK (outcome IN ('pass', 'deviation', 'na')),
	note           TEXT NOT NULL DEFAULT '',
	tickmark       TEXT NOT NULL DEFAULT '',
	evidence       TEXT NOT NULL DEFAULT '',
	blob_uuid      TEXT NOT NULL DEFAULT '',
	UNIQUE (item_uuid, attribute_uuid)
);
CREATE TABLE exception (
	id INTEGER PRIMARY KEY,` + recordCols + `,
	test_uuid         TEXT NOT NULL REFERENCES control_test(uuid),
	ref               TEXT NOT NULL UNIQUE,
	description       TEXT NOT NULL,
	cause             TEXT NOT NULL DEFAULT '',
	response          TEXT NOT NULL DEFAULT '',
	evaluation        TEXT NOT NULL DEFAULT '' CHECK (evaluation IN ('', 'isolated', 'systemic')),
	compensating      TEXT NOT NULL DEFAULT '',
	sample_extended   INTEGER NOT NULL DEFAULT 0,
	criteria_affected TEXT NOT NULL DEFAULT '',
	report_wording    TEXT NOT NULL DEFAULT '',
	remediation_plan  TEXT NOT NULL DEFAULT '',
	remediation_owner TEXT NOT NULL DEFAULT '',
	remediation_due   TEXT NOT NULL DEFAULT '',
	retest_result     TEXT NOT NULL DEFAULT ''
);
CREATE TABLE exception_item (
	id INTEGER PRIMARY KEY,` + recordCols + `,
	exception_uuid TEXT NOT NULL REFERENCES exception(uuid) ON DELETE CASCADE,
	item_uuid      TEXT NOT NULL REFERENCES sample_item(uuid),
	UNIQUE (exception_uuid, item_uuid)
);
CREATE TABLE signoff (
	id INTEGER PRIMARY KEY,` + recordCols + `,
	test_uuid TEXT NOT NULL REFERENCES control_test(uuid),
	role      TEXT NOT NULL CHECK (role IN ('preparer', 'reviewer')),
	signer    TEXT NOT NULL,
	signed_at TEXT NOT NULL,
	stale     INTEGER NOT NULL DEFAULT 0,
	stale_at  TEXT NOT NULL DEFAULT '',
	stale_by  TEXT NOT NULL DEFAULT ''
);
CREATE TABLE review_note (
	id INTEGER PRIMARY KEY,` + recordCols + `,
	ref          TEXT NOT NULL UNIQUE,
	target_table TEXT NOT NULL,
	target_uuid  TEXT NOT NULL,
	text         TEXT NOT NULL,
	assignee     TEXT NOT NULL DEFAULT '',
	state        TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'responded', 'cleared')),
	response     TEXT NOT NULL DEFAULT '',
	responded_by TEXT NOT NULL DEFAULT '',
	responded_at TEXT NOT NULL DEFAULT '',
	cleared_by   TEXT NOT NULL DEFAULT '',
	cleared_at   TEXT NOT NULL DEFAULT ''
);
CREATE TABLE pbc_request (
	id INTEGER PRIMARY KEY,` + recordCols + `,
	ref           TEXT NOT NULL UNIQUE,
	item          TEXT NOT NULL,
	control_uuid  TEXT NOT NULL DEFAULT '',
	requested_on  TEXT NOT NULL DEFAULT '',
	due_on        TEXT NOT NULL DEFAULT '',
	status        TEXT NOT NULL DEFAULT 'requested' CHECK (status IN ('requested', 'received', 'accepted', 'rejected')),
	received_name TEXT NOT NULL DEFAULT '',
	received_sha256 TEXT NOT NULL DEFAULT '',
	note          TEXT NOT NULL DEFAULT ''
);
CREATE TABLE interview (
	id INTEGER PRIMARY KEY,` + recordCols + `,
	person   TEXT NOT NULL,
	role     TEXT NOT NULL DEFAULT '',
	held_on  TEXT NOT NULL,
	held_by  TEXT NOT NULL,
	summary  TEXT NOT NULL,
	controls TEXT NOT NULL DEFAULT ''
);

-- Team work (issue #7). An entry merged in from another copy of the
-- workpaper keeps where it was first written: its sequence number, previous
-- hash and hash in that copy (0 and empty for entries written in this file).
ALTER TABLE change_log ADD COLUMN origin_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE change_log ADD COLUMN origin_prev_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE change_log ADD COLUMN origin_hash TEXT NOT NULL DEFAULT '';
-- Who has the file open for editing. Operational, not an audit record:
-- never in the change log, never merged, not carried by a roll-forward.
CREATE TABLE session (
	id           INTEGER PRIMARY KEY,
	token        TEXT NOT NULL UNIQUE,
	user         TEXT NOT NULL,
	host         TEXT NOT NULL,
	pid          INTEGER NOT NULL,
	started_at   TEXT NOT NULL,
	heartbeat_at TEXT NOT NULL
);
-- A field (or a record) both copies changed differently, found by a merge
-- and left for the auditor: 'fieldwork conflicts'. Local to this file.
CREATE TABLE merge_conflict (
	id           INTEGER PRIMARY KEY,
	merged_at    TEXT NOT NULL,
	merged_by    TEXT NOT NULL,
	source       TEXT NOT NULL,
	kind         TEXT NOT NULL CHECK (kind IN ('field', 'deleted-by-them', 'deleted-by-me', 'both-current')),
	tbl          TEXT NOT NULL,
	record_uuid  TEXT NOT NULL,
	theirs_uuid  TEXT NOT NULL DEFAULT '',
	field        TEXT NOT NULL DEFAULT '',
	what         TEXT NOT NULL DEFAULT '',
	mine_value   TEXT,
	theirs_value TEXT,
	mine_by      TEXT NOT NULL DEFAULT '',
	mine_at      TEXT NOT NULL DEFAULT '',
	theirs_by    TEXT NOT NULL DEFAULT '',
	theirs_at    TEXT NOT NULL DEFAULT '',
	theirs_row   TEXT NOT NULL DEFAULT '',
	state        TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'resolved')),
	resolution   TEXT NOT NULL DEFAULT '' CHECK (resolution IN ('', 'mine', 'theirs')),
	resolved_by  TEXT NOT NULL DEFAULT '',
	resolved_at  TEXT NOT NULL DEFAULT ''
);
`,
	// 2 → 3: the trail becomes provable (issue #12). Every write
	// transaction's own entries are signed with its author's Ed25519 key
	// (trail_signature, not itself logged: it is the layer that proves the
	// log); team members carry the user name they sign as and their public
	// key; a sign-off records the digest of what it covers and the chain
	// head it saw; a population's row flags get a digest of their own.
	`
ALTER TABLE team_member ADD COLUMN user TEXT NOT NULL DEFAULT '';
ALTER TABLE team_member ADD COLUMN public_key TEXT NOT NULL DEFAULT '';
-- The manager or partner who confirmed the member's key (empty: the
-- member registered it themselves and nobody has confirmed it yet).
ALTER TABLE team_member ADD COLUMN key_confirmed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE signoff ADD COLUMN state_digest TEXT NOT NULL DEFAULT '';
ALTER TABLE signoff ADD COLUMN head_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE signoff ADD COLUMN head_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE population ADD COLUMN flags_digest TEXT NOT NULL DEFAULT '';
-- A selection whose items are derived from its record (logged with the
-- selection): the items are not logged one by one, their UUIDs follow
-- from the selection's and their ordinal, and verify checks them against
-- the record. Selections drawn before keep their logged items.
ALTER TABLE selection ADD COLUMN items_derived INTEGER NOT NULL DEFAULT 0;
-- One row per run of consecutive entries one author wrote in one
-- transaction. The signed hash is the run's last entry's hash where it was
-- written (its origin hash once merged elsewhere), so it covers the whole
-- chain before it; kind 'migration' vouches for the entries written before
-- signatures existed.
CREATE TABLE trail_signature (
	last_uuid   TEXT PRIMARY KEY,
	first_uuid  TEXT NOT NULL,
	entries     INTEGER NOT NULL,
	signed_hash TEXT NOT NULL,
	user        TEXT NOT NULL,
	public_key  TEXT NOT NULL,
	signature   TEXT NOT NULL,
	kind        TEXT NOT NULL DEFAULT 'op' CHECK (kind IN ('op', 'migration'))
);
CREATE INDEX trail_signature_by_first ON trail_signature(first_uuid);
`,
	// 3 → 4: the auditor's judgment, guarded (issue #14). Team roles
	// gain the firm's ladder (staff, senior, EQR; preparer and reviewer
	// stay and mean staff and senior); a sign-off may be on planning, a
	// criterion or the opinion as well as a control test (test_uuid then
	// holds the engagement's or the criterion's UUID, so it loses its
	// foreign key) and records what made it stale; a conclusion that
	// departs from the proposed one carries its reason; each mapping says
	// whether the criterion relies on the control; an exception names the
	// control test that compensates for it; the engagement holds its
	// sign-off scheme and the partner's pervasiveness judgment. The two
	// rebuilt tables keep every value, so replay is unaffected.
	`
CREATE TABLE team_member_4 (
	id INTEGER PRIMARY KEY,` + recordCols + `,
	name  TEXT NOT NULL,
	role  TEXT NOT NULL CHECK (role IN ('staff', 'senior', 'manager', 'partner', 'eqr', 'preparer', 'reviewer', 'specialist')),
	email TEXT NOT NULL DEFAULT '',
	user TEXT NOT NULL DEFAULT '',
	public_key TEXT NOT NULL DEFAULT '',
	key_confirmed_by TEXT NOT NULL DEFAULT ''
);
INSERT INTO team_member_4 (id, uuid, version, created_at, created_by, updated_at, updated_by, name, role, email, user, public_key, key_confirmed_by)
	SELECT id, uuid, version, created_at, created_by, updated_at, updated_by, name, role, email, user, public_key, key_confirmed_by FROM team_member;
DROP TABLE team_member;
ALTER TABLE team_member_4 RENAME TO team_member;
CREATE TABLE signoff_4 (
	id INTEGER PRIMARY KEY,` + recordCols + `,
	test_uuid TEXT NOT NULL,
	role      TEXT NOT NULL CHECK (role IN ('preparer', 'reviewer', 'partner', 'eqr')),
	signer    TEXT NOT NULL,
	signed_at TEXT NOT NULL,
	stale     INTEGER NOT NULL DEFAULT 0,
	stale_at  TEXT NOT NULL DEFAULT '',
	stale_by  TEXT NOT NULL DEFAULT '',
	state_digest TEXT NOT NULL DEFAULT '',
	head_seq INTEGER NOT NULL DEFAULT 0,
	head_hash TEXT NOT NULL DEFAULT '',
	target TEXT NOT NULL DEFAULT 'control_test' CHECK (target IN ('control_test', 'planning', 'criterion', 'opinion')),
	signer_role TEXT NOT NULL DEFAULT '',
	stale_what TEXT NOT NULL DEFAULT ''
);
INSERT INTO signoff_4 (id, uuid, version, created_at, created_by, updated_at, updated_by, test_uuid, role, signer, signed_at, stale, stale_at, stale_by, state_digest, head_seq, head_hash)
	SELECT id, uuid, version, created_at, created_by, updated_at, updated_by, test_uuid, role, signer, signed_at, stale, stale_at, stale_by, state_digest, head_seq, head_hash FROM signoff;
DROP TABLE signoff;
ALTER TABLE signoff_4 RENAME TO signoff;
CREATE INDEX signoff_by_test ON signoff(test_uuid);
ALTER TABLE control_test ADD COLUMN conclusion_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE control_criterion ADD COLUMN reliance TEXT NOT NULL DEFAULT '' CHECK (reliance IN ('', 'key', 'contributes'));
ALTER TABLE exception ADD COLUMN compensating_control TEXT NOT NULL DEFAULT '';
ALTER TABLE engagement ADD COLUMN signoff_scheme TEXT NOT NULL DEFAULT '';
ALTER TABLE engagement ADD COLUMN pervasive TEXT NOT NULL DEFAULT '' CHECK (pervasive IN ('', 'pervasive', 'not-pervasive'));
ALTER TABLE engagement ADD COLUMN pervasive_reason TEXT NOT NULL DEFAULT '';
`,
	// 4 → 5: the engagement's end (issue #16): dates that mean one thing
	// each. The report date (the date of the opinion), the release date
	// and the documentation-completion deadline (release + 60 days unless
	// the firm sets a shorter one). Type I's as_of keeps its value: it is
	// the date the description is as of.
	`
ALTER TABLE engagement ADD COLUMN report_date TEXT NOT NULL DEFAULT '';
ALTER TABLE engagement ADD COLUMN release_date TEXT NOT NULL DEFAULT '';
ALTER TABLE engagement ADD COLUMN completion_deadline TEXT NOT NULL DEFAULT '';
`,
	// 5 → 6: release and archive (issue #16). The release seal: the trail
	// head before release, who released when, and the digest of the
	// workbook that goes with the report; the archive lock (who archived
	// when) and a pending amendment's reason, the one explained write
	// allowed after the lock. All engagement columns, written through the
	// trail, so replayed and merged like the others; no new table.
	`
ALTER TABLE engagement ADD COLUMN release_head TEXT NOT NULL DEFAULT '';
ALTER TABLE engagement ADD COLUMN released_by TEXT NOT NULL DEFAULT '';
ALTER TABLE engagement ADD COLUMN released_at TEXT NOT NULL DEFAULT '';
ALTER TABLE engagement ADD COLUMN release_workbook_sha256 TEXT NOT NULL DEFAULT '';
ALTER TABLE engagement ADD COLUMN archived_at TEXT NOT NULL DEFAULT '';
ALTER TABLE engagement ADD COLUMN archived_by TEXT NOT NULL DEFAULT '';
ALTER TABLE engagement ADD COLUMN amendment TEXT NOT NULL DEFAULT '';
`,
}

func (w *Workpaper) migrate(ctx context.Context, from int) error {
	return w.migrateTo(ctx, from, len(migrations))
}

// migrateTo runs the migrations from one schema version to another.
func (w *Workpaper) migrateTo(ctx context.Context, from, to int) error {
	for v := from; v < to; v++ {
		tx, err := w.db.BeginTx(ctx, nil)
		if err != nil {
			return friendlyDBError(err)
		}
		if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %d→%d: %w", v, v+1, err)
		}
		// PRAGMAs take no bound parameters; v is an int we control.
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d; PRAGMA application_id = %d", v+1, ApplicationID)); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return friendlyDBError(err)
		}
	}
	return nil
}
