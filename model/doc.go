// Package model is the workpaper store: one SQLite file per engagement, the
// domain types kept in it, and the rules that decide what may be written.
// Screens (tui), the CLI (cmd/fieldwork) and the export ask model; model asks
// only sampling (the statistics) and internal/tabular (reading a client's
// spreadsheet). It never prints and never gives CLI or key advice: its errors
// are typed (errors.Is/As) or carry a hint that each front end words itself.
//
// What lives where:
//
//	store.go, schema.go, txn.go   opening a file, the schema and its migrations, transactions
//	trail.go                      the audit trail (the hash-chained change log) and verify
//	replay.go, derived_items.go   verify rebuilds every record from the trail; derived sample items,
//	                              tests of every item whose items are not stored
//	bulk_pass.go, bulk_entry.go   the grid's bulk pass, one trail entry that holds the cells it passed
//	sign.go, signoff_digest.go    signed runs of entries; what a sign-off signs
//	upgrade.go, filecheck.go      upgrading an old file after its trail verifies; refusing damaged ones
//	session.go, backup.go         who has the file open; backup copies
//	changes.go                    whether the file changed (screens poll it to refresh)
//	engagement.go                 the engagement: scope, period, team, subservice orgs, CUECs, CSOCs
//	catalog.go                    the Trust Services Criteria catalog and the firm's criteria text
//	controls.go, matrix.go        controls and their mapping; reading a client's control matrix
//	controltest.go                a control's test: reading it, its risk, sign-offs and conclusion
//	procedures.go                 the test of design, the procedures and the attributes
//	reopen.go                     changing reviewed work: ReviewedError, Reopen, what changed since review
//	population.go, dupids.go      populations: import, reads, IPE, duplicate occurrence IDs
//	population_parse.go           a client file's dates, headings and columns
//	population_stream.go          streaming a file in: its hash, the rows' digest, the batched inserts
//	selection.go                  sample plans and selections (sizes and draws come from sampling)
//	results.go                    results per item and attribute, tickmarks, evidence
//	exceptions.go                 the exception log and each exception's evaluation
//	sample_rows.go                a page of a sample with its population rows
//	sample_results.go             the results of a window of a sample (grid and export)
//	evaluate.go                   what a control's results say; the engagement status
//	opinion.go                    criterion conclusions and the proposed opinion
//	review.go                     review notes, PBC requests, interviews
//	test_records.go               every control's test in one read (export, status)
//	merge.go, merge_rows.go       merging two copies of a file: the entry point; the rows matched and taken in
//	merge_apply.go, conflicts.go  applying the other side's changes; the conflicts and their resolution
//	rollforward.go                next year's engagement from this one
//	hint.go, input_error.go       what an error asks of the user (Hint, InputError), for each front end to word
//
// Not here: the CSV/XLSX reader (internal/tabular), the demo engagement
// (internal/demo), the text cleaning for terminals (internal/cleantext).
package model
