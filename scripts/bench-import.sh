#!/usr/bin/env bash
# Import of a 1,000,000-row, 8-column CSV: fieldwork vs sqlite3's own .import
# on the same machine. Needs sqlite3 and GNU time (/usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-1000000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/fieldwork" ./cmd/fieldwork

awk -v n="$ROWS" 'BEGIN {
  print "Ticket,Opened,Title,Author,Approver,Approved At,Deployed At,System"
  for (i = 1; i <= n; i++) {
    d = sprintf("2026-%02d-%02d", (i % 12) + 1, (i % 28) + 1)
    printf "CHG-%07d,%s,\"Change number %d, routine\",dev%03d,rev%03d,%s 10:%02d,%s 14:%02d,payroll-%d\n", i, d, i, i % 500, (i + 7) % 500, d, i % 60, d, i % 60, i % 9
  }
}' > "$tmp/pop.csv"
ls -l "$tmp/pop.csv" | awk '{printf "population file: %d rows, %.1f MB\n", '"$ROWS"', $5/1048576}'

# Best of RUNS: the machine may be shared, so one run can be unlucky.
RUNS=${RUNS:-3}
printf 'Control ID,Description,Frequency,TSC\nCHG-01,Changes approved,ad hoc,CC8.1\n' > "$tmp/m.csv"
for i in $(seq "$RUNS"); do
  rm -f "$tmp/w.fieldwork" "$tmp/s.db"
  "$tmp/fieldwork" new "$tmp/w.fieldwork" --client Bench --system B --type 2 --from 2026-01-01 --to 2026-12-31 >/dev/null
  "$tmp/fieldwork" controls import "$tmp/w.fieldwork" "$tmp/m.csv" >/dev/null

  echo "== run $i: fieldwork population import"
  /usr/bin/time -f "wall %e s, cpu %U+%S s, peak RSS %M KB" "$tmp/fieldwork" population import "$tmp/w.fieldwork" --control CHG-01 \
    ${IMPORT_FLAGS:---id-column Ticket --date-column Opened} "$tmp/pop.csv" >/dev/null

  echo "== run $i: sqlite3 .import (same file, default settings)"
  /usr/bin/time -f "wall %e s, cpu %U+%S s, peak RSS %M KB" sqlite3 "$tmp/s.db" ".import --csv $tmp/pop.csv t"
done

echo "== fieldwork sample draw (60 items)"
"$tmp/fieldwork" sample plan "$tmp/w.fieldwork" --control CHG-01 --confidence 95 --tolerable 5 --expected 0.25% >/dev/null 2>&1 || true
/usr/bin/time -f "wall %e s, cpu %U+%S s, peak RSS %M KB" "$tmp/fieldwork" sample draw "$tmp/w.fieldwork" --control CHG-01 --size 60 --seed 1 >/dev/null
