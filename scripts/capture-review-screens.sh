#!/bin/bash
# Captures the review side of the workbench (dashboard, criteria, exceptions,
# review notes, sign-off, audit trail, verify, export) on the demo, in tmux,
# as text in docs/screens/ at 80×24 and 120×40 (the dashboard also 200×60).
# Usage: scripts/capture-review-screens.sh   (from the repository's root)
set -euo pipefail
root=$(pwd)
out=$root/docs/screens
work=$(mktemp -d)
trap 'tmux -L fwcap kill-server 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/fieldwork" ./cmd/fieldwork
"$work/fieldwork" demo "$work/base.fieldwork" >/dev/null
mkdir -p "$out"
T="tmux -L fwcap"
capture() {
  local name=$1 w=$2 h=$3 user=$4; shift 4
  rm -f "$work/cap.fieldwork" "$work"/cap-workpapers-*.xlsx
  cp "$work/base.fieldwork" "$work/cap.fieldwork"
  $T kill-server 2>/dev/null || true
  $T new -d -s s -x "$w" -y "$h" "cd $work && ./fieldwork --user $user cap.fieldwork"
  sleep 1.5
  for k in "$@"; do
    if [[ $k == lit:* ]]; then $T send-keys -t s -l "${k#lit:}"; else $T send-keys -t s "$k"; fi
    sleep 0.5
  done
  sleep 0.5
  $T capture-pane -p -t s | sed 's/[[:space:]]*$//' > "$out/$name-${w}x${h}.txt"
  $T kill-server 2>/dev/null || true
}
for sz in "80 24" "120 40" "200 60"; do capture dashboard $sz olivia.brandt; done
for sz in "80 24" "120 40"; do
  set -- $sz
  capture criteria "$1" "$2" olivia.brandt 2 NPage NPage
  capture criterion "$1" "$2" olivia.brandt 2 / lit:cc8 Enter Enter
  capture jump "$1" "$2" olivia.brandt 2 c lit:la-0
  capture exceptions "$1" "$2" olivia.brandt 3
  capture exception "$1" "$2" olivia.brandt 3 Enter
  capture exception-edit "$1" "$2" maria.chen 3 j e
  capture notes "$1" "$2" olivia.brandt 4
  capture note "$1" "$2" olivia.brandt 4 j Enter
  capture note-new "$1" "$2" olivia.brandt 3 Enter N "lit:Tie the 9 unapproved emergency deploys to the population."
  capture signoff "$1" "$2" olivia.brandt 5 c
  capture signoff-refused "$1" "$2" maria.chen 5 c p y v y
  capture trail "$1" "$2" olivia.brandt 6
  capture history "$1" "$2" olivia.brandt 5 c H
  capture verify "$1" "$2" olivia.brandt 6 V
  capture export "$1" "$2" olivia.brandt 7 t x
  capture help "$1" "$2" olivia.brandt 4 ?
done
