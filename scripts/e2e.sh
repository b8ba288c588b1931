#!/usr/bin/env bash
# End-to-end: the real binary in a real terminal (tmux), through an
# engagement, then the file checked with the CLI. Usage: scripts/e2e.sh BIN
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(realpath "${1:-bin/fieldwork}")
command -v tmux >/dev/null || { echo "e2e: tmux is required (apt-get install tmux)"; exit 1; }

tmp=$(mktemp -d)
sock="fw-e2e-$$"
cleanup() { tmux -L "$sock" kill-server 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "e2e FAIL: $*"; echo "--- screen:"; tmux -L "$sock" capture-pane -p -t fw 2>/dev/null || true; exit 1; }
pass=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }

# wait_for TEXT [SECONDS]: poll the tmux pane until TEXT shows.
wait_for() {
  local text=$1 limit=${2:-10} i
  for ((i = 0; i < limit * 10; i++)); do
    if tmux -L "$sock" capture-pane -p -t fw 2>/dev/null | grep -qF -- "$text"; then return 0; fi
    sleep 0.1
  done
  fail "timed out waiting for: $text"
}
# wait_gone: wait until the program in the pane exits (the session closes).
wait_gone() {
  local i
  for ((i = 0; i < 50; i++)); do
    tmux -L "$sock" has-session -t fw 2>/dev/null || return 0
    sleep 0.1
  done
  fail "the program did not exit"
}
start_tui() { # start_tui COLS ROWS ARGS...
  local cols=$1 rows=$2; shift 2
  tmux -L "$sock" new-session -d -s fw -c "$PWD" -x "$cols" -y "$rows" "$(printf '%q ' "$@"); sleep 0.3"
}

# E2E_CAPTURE=DIR keeps a text picture of the screens along the way
# (docs/screens holds the last ones taken).
capture_dir=${E2E_CAPTURE:+$(realpath "$E2E_CAPTURE")}
capture() { if [ -n "$capture_dir" ]; then tmux -L "$sock" capture-pane -p -t fw > "$capture_dir/$1.txt"; fi; }

W="$tmp/acme.fieldwork"
export FIELDWORK_USER=maria
# Signing keys made on the first write go to the run's own folder.
export FIELDWORK_KEY_DIR="$tmp/keys"
# keys KEY...: type into the workbench (tmux key names: Tab, Enter, Escape, C-s…).
keys() { tmux -L "$sock" send-keys -t fw "$@"; }
# The client's files sit beside the workpaper, where the file pickers start.
cp testdata/matrices/clean.csv "$tmp/controls.csv"
{
  echo "Ticket,Opened,Approver"
  for i in $(seq 1 400); do printf 'T-%04d,2026-%02d-%02d,Ann\n' "$i" $((i % 12 + 1)) $((i % 28 + 1)); done
} > "$tmp/tickets.csv"

# --- the whole engagement in the workbench, as the preparer (maria)
cd "$tmp"
start_tui 120 40 "$BIN" acme.fieldwork
wait_for "New engagement"
wait_for "acme.fieldwork does not exist yet"
# Client, system, Type II (default), period, no as-of, Availability and
# Confidentiality in scope, firm, preparer (maria, prefilled), reviewer
# and the login she signs as (sign-offs are taken only from the team).
keys "Acme Payroll, Inc." Tab "Acme Cloud" Tab Tab 2026-01-01 Tab 2026-12-31 Tab Tab
keys Space Tab Space Tab Tab Tab "Calder & Finch LLP" Tab Tab "Olivia Brandt" Tab olivia
capture new-engagement-120x40
keys C-s
wait_for "Created acme.fieldwork"
wait_for "signed with the key made at"
wait_for "No controls yet: press I"
[ -f "$W" ] || fail "the form did not create the workpaper"
ok "created the engagement in the new-engagement form"

keys I
wait_for "Import the control matrix"
keys /
wait_for "Path "
keys controls.csv Enter
wait_for "13 controls: 13 new"
capture matrix-import-120x40
keys Enter
wait_for "Imported controls.csv: 13 added"
ok "imported the control matrix through the file picker"

keys 2
wait_for "CC1.1"
keys c
wait_for "Go to control"
keys NL-04 Enter
wait_for "WP-NL-04"
keys a
wait_for "New attribute"
keys Tab "Ticket approved by the manager before provisioning" C-s
wait_for "Attributes (1)"
ok "opened NL-04 from the criteria walk and added an attribute"

keys s
wait_for "Choose the population file"
keys /
wait_for "Path "
keys tickets.csv Enter
wait_for "Preview"
wait_for "◂ Ticket ▸"
wait_for "◂ Opened ▸"
keys Enter
wait_for "400 rows"
keys Enter
wait_for "Plan the sample"
# Statistical: 95% confidence (default), 10% tolerable, 0% expected → 29.
keys Left Down Down Right Right Right Right Right
wait_for "n = 29"
keys Enter
wait_for "Draw the sample"
keys S
keys 42 Enter
keys Enter
wait_for "Selection record"
wait_for "Seed          42"
ok "imported the population, planned a statistical sample of 29 and drew it (seed 42) in the wizard"

keys Enter
wait_for "0 of 29 results"
keys x
wait_for "e logs an exception"
capture grid-deviation-120x40
keys e
wait_for "New exception"
capture exception-new-120x40
keys Tab "Approval recorded after access was granted" Tab Right C-s
wait_for "Logged exception EX-01"
keys C
wait_for "Pass every untested item of attribute A"
keys y
wait_for "29 of 29 results"
wait_for "1 item deviates"
ok "recorded 28 passes and a deviation in the grid and logged its exception"

keys Escape
sleep 0.3
keys Escape
wait_for "in progress"
keys c
wait_for "Proposed: not effective"
capture conclusion-120x40
keys Right Right Right Tab "Upper deviation limit exceeds the tolerable rate" C-s
wait_for "Recorded the conclusion: not effective"
keys 5
wait_for "13 workpapers"
keys j j j
sleep 0.3
keys p
wait_for "Sign NL-04 as preparer (maria)?"
keys y
wait_for "NL-04 signed off as preparer by maria"
keys 1
wait_for "Testing progress"
keys q
wait_gone
ok "concluded NL-04 and signed it off as preparer"

# --- the reviewer (olivia) signs in her own session, then exports
start_tui 120 40 "$BIN" acme.fieldwork --user olivia
wait_for "olivia"
keys 5
wait_for "13 workpapers · 1 prepared · 0 reviewed"
keys j j j
sleep 0.3
keys v
wait_for "Sign NL-04 as reviewer (olivia)?"
keys y
wait_for "NL-04 signed off as reviewer by olivia"
wait_for "1 reviewed"
capture signoff-reviewed-120x40
keys 1
wait_for "Testing progress"
wait_for "CC6.2"
capture dashboard-engagement-120x40
ok "the reviewer signed off; the dashboard shows the criterion at risk"
keys 7
wait_for "Export"
keys x
wait_for ".xlsx"
wait_for "Wrote"
capture export-done-120x40
ls "$tmp"/acme-workpapers-*.xlsx >/dev/null 2>&1 || fail "no workbook beside the workpaper"
keys q
wait_gone
ok "exported the workbook from the workbench"
cd - >/dev/null

# --- the file, checked with the CLI
"$BIN" status "$W" --json > "$tmp/status.json"
grep -q '"reviewed": 1' "$tmp/status.json" || fail "status: $(cat "$tmp/status.json")"
grep -q '"exceptions": 1' "$tmp/status.json" || fail "status exceptions: $(cat "$tmp/status.json")"
grep -q '"deviations": 1' "$tmp/status.json" || fail "status deviations"
grep -q '"id": "CC6.2"' "$tmp/status.json" || fail "CC6.2 should be at risk"
"$BIN" show "$W" --json | grep -q '"Olivia Brandt"' || fail "the reviewer is not on the team"
"$BIN" exception list "$W" --json | grep -q '"description": "For T-0003' || fail "the exception does not name its item"
"$BIN" verify "$W" >/dev/null || fail "verify failed"
"$BIN" sample verify "$W" --control NL-04 --source "$tmp/tickets.csv" >/dev/null || fail "sample verify"
ok "status --json, verify and sample verify agree with what the workbench did"

# --- the auditor's judgment, guarded (issue 14)
# A reviewer who is not on the team is refused, naming who may sign.
if FIELDWORK_USER=zed "$BIN" signoff "$W" --control NL-04 --as reviewer 2> "$tmp/err"; then fail "zed, not on the team, signed"; fi
grep -q "zed is not on the team" "$tmp/err" || fail "unclear refusal: $(cat "$tmp/err")"
grep -q "Olivia Brandt (olivia, reviewer)" "$tmp/err" || fail "the refusal does not say who may sign: $(cat "$tmp/err")"
cd "$tmp"
start_tui 120 40 "$BIN" acme.fieldwork
wait_for "Dashboard"
keys 2
wait_for "CC1.1"
keys c
wait_for "Go to control"
keys NL-04 Enter
wait_for "WP-NL-04"
keys c
wait_for "Proposed: not effective"
# Effective against the proposal: refused, saying what is missing and that it needs a reason.
keys Left Left C-s
wait_for "cannot be concluded effective yet"
wait_for "departs from the proposed"
# Back to not effective with a sharper note: NL-04 is reviewed, so saving asks first.
keys Right Right Tab " Confirmed with the access log." C-s
wait_for "NL-04 was reviewed by olivia on"
keys C-s
wait_for "Recorded the conclusion: not effective"
keys 1
wait_for "Testing progress"
keys q
wait_gone
cd - >/dev/null
"$BIN" signoff list "$W" > "$tmp/signoffs"
grep -q "stale since" "$tmp/signoffs" || fail "reopening did not mark the review stale: $(cat "$tmp/signoffs")"
"$BIN" signoff changes "$W" --control NL-04 > "$tmp/changes"
grep -q "conclusion note" "$tmp/changes" || fail "the reviewer cannot see what changed: $(cat "$tmp/changes")"
"$BIN" verify "$W" >/dev/null || fail "verify failed after reopening"
ok "a conclusion against the proposal needs a reason, a reviewer not on the team is refused, editing reviewed work asks first"

# --- the workbench in a real terminal
start_tui 120 40 "$BIN" "$W"
wait_for "Acme Payroll, Inc."
wait_for "Dashboard"
ok "the workbench opens at 120x40 and shows the dashboard"
tmux -L "$sock" send-keys -t fw 2
wait_for "CC1.1"
ok "criteria walk shows the catalog"
tmux -L "$sock" send-keys -t fw q
wait_gone
ok "q quits"

start_tui 80 24 "$BIN" "$W"
wait_for "Dashboard"
tmux -L "$sock" resize-window -t fw -x 100 -y 30 2>/dev/null || true
wait_for "Acme"
tmux -L "$sock" send-keys -t fw C-c
wait_gone
ok "80x24 opens, resizes and ctrl+c quits"

# --- read-only and bad files
start_tui 100 30 "$BIN" "$W" --read-only
wait_for "READ-ONLY"
tmux -L "$sock" send-keys -t fw q
wait_gone
ok "--read-only shows a banner"

echo "not a workpaper" > "$tmp/bad.fieldwork"
if "$BIN" "$tmp/bad.fieldwork" 2> "$tmp/err" </dev/null; then fail "opened a non-workpaper"; fi
grep -q "not a fieldwork workpaper" "$tmp/err" || fail "unclear error: $(cat "$tmp/err")"
if "$BIN" "$W" </dev/null >/dev/null 2> "$tmp/err"; then fail "TUI ran without a terminal"; fi
grep -q "needs a terminal" "$tmp/err" || fail "no-TTY message: $(cat "$tmp/err")"
ok "clear errors for a non-workpaper and for no terminal"


# --- make run opens the bundled demo
demo_dir=$(mktemp -d)
"$BIN" demo "$demo_dir/demo.fieldwork" >/dev/null
start_tui 120 40 "$BIN" "$demo_dir/demo.fieldwork"
wait_for "Harborview Payroll"
tmux -L "$sock" send-keys -t fw q
wait_gone
rm -rf "$demo_dir"
ok "the demo engagement opens"

echo "$pass passed, 0 failed"
