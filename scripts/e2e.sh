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
  tmux -L "$sock" new-session -d -s fw -x "$cols" -y "$rows" "$(printf '%q ' "$@"); sleep 0.3"
}

W="$tmp/acme.fieldwork"
export FIELDWORK_USER=maria

# --- set up an engagement with the CLI
"$BIN" new "$W" --client "Acme Payroll, Inc." --system "Acme Cloud" --type 2 \
  --from 2026-01-01 --to 2026-12-31 --categories availability,confidentiality --firm "Calder & Finch LLP" >/dev/null
"$BIN" team add "$W" --name "Olivia Brandt" --role reviewer >/dev/null
"$BIN" controls import "$W" testdata/matrices/clean.csv >/dev/null
ok "created an engagement and imported the control matrix"

{
  echo "Ticket,Opened,Approver"
  for i in $(seq 1 400); do printf 'T-%04d,2026-%02d-%02d,Ann\n' "$i" $((i % 12 + 1)) $((i % 28 + 1)); done
} > "$tmp/pop.csv"
"$BIN" population import "$W" --control NL-04 "$tmp/pop.csv" --id-column Ticket --date-column Opened >/dev/null
"$BIN" sample plan "$W" --control NL-04 --confidence 90 --tolerable 10 >/dev/null
"$BIN" sample draw "$W" --control NL-04 --seed 42 --json > "$tmp/draw.json"
n=$(grep -c '"position"' "$tmp/draw.json")
[ "$n" = 22 ] || fail "expected 22 items drawn, got $n"
ok "imported a population and drew a sample of 22"

positions=$(grep '"position"' "$tmp/draw.json" | grep -o '[0-9]*')
first=$(echo "$positions" | head -1)
last=$(echo "$positions" | tail -1)
for p in $(echo "$positions" | sed '$d'); do
  if [ "$p" = "$first" ]; then
    "$BIN" result set "$W" --control NL-04 --item "$p" --deviation --note "approved after provisioning" >/dev/null
  else
    "$BIN" result set "$W" --control NL-04 --item "$p" --pass --tickmark "✓" >/dev/null
  fi
done
ok "recorded 21 results with the CLI"

# --- the last result is marked in the workbench's testing grid
start_tui 120 40 "$BIN" "$W"
wait_for "Dashboard"
tmux -L "$sock" send-keys -t fw 2
wait_for "CC1.1"
tmux -L "$sock" send-keys -t fw c
sleep 0.3
tmux -L "$sock" send-keys -t fw "NL-04"
sleep 0.3
tmux -L "$sock" send-keys -t fw Enter
wait_for "NL-04"
tmux -L "$sock" send-keys -t fw t
wait_for "21 of 22 results"
tmux -L "$sock" send-keys -t fw G
sleep 0.3
tmux -L "$sock" send-keys -t fw p
wait_for "22 of 22 results"
sleep 0.5
tmux -L "$sock" send-keys -t fw C-c
wait_gone
"$BIN" results "$W" --control NL-04 --json | grep -q "\"position\": $last," || fail "the grid's mark is not in the file"
ok "marked the last item in the testing grid; the CLI sees it"

"$BIN" exception add "$W" --control NL-04 --items "$first" --description "Access provisioned before approval" --evaluation isolated >/dev/null
"$BIN" conclude "$W" --control NL-04 --as effective-with-exceptions --note "isolated" >/dev/null
"$BIN" signoff "$W" --control NL-04 --as preparer >/dev/null
FIELDWORK_USER=olivia "$BIN" signoff "$W" --control NL-04 --as reviewer >/dev/null
ok "logged an exception, concluded and signed off as preparer and reviewer"

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

# --- the file, checked with the CLI
"$BIN" status "$W" --json > "$tmp/status.json"
grep -q '"reviewed": 1' "$tmp/status.json" || fail "status: $(cat "$tmp/status.json")"
grep -q '"exceptions": 1' "$tmp/status.json" || fail "status exceptions"
"$BIN" verify "$W" >/dev/null || fail "verify failed"
"$BIN" sample verify "$W" --control NL-04 --source "$tmp/pop.csv" >/dev/null || fail "sample verify"
ok "status --json and verify agree"

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
