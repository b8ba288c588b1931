#!/usr/bin/env bash
# Opens an exported workbook in LibreOffice (headless) the way CI does:
# converts it to PDF and one sheet to CSV, and renders that sheet's first
# printed page to PNG, to look at the layout.
#
#   scripts/libreoffice-check.sh BOOK.xlsx [SHEET_NAME] [OUT_DIR]
#
# SHEET_NAME defaults to "Section 4"; OUT_DIR to a new temporary folder.
# Needs libreoffice (libreoffice-calc) and poppler-utils (pdftotext,
# pdftoppm). A profile of its own keeps parallel runs apart.
set -euo pipefail
book=$(realpath "${1:?usage: $0 BOOK.xlsx [SHEET_NAME] [OUT_DIR]}")
sheet=${2:-Section 4}
out=${3:-$(mktemp -d)}
mkdir -p "$out"
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
lo() { HOME="$profile" libreoffice "-env:UserInstallation=file://$profile/lo" --headless --norestore "$@" >/dev/null 2>&1; }
base=$(basename "${book%.*}")

# The sheet's 1-based index, from the workbook's own list.
index=$(unzip -p "$book" xl/workbook.xml | grep -o '<sheet [^>]*name="[^"]*"' | sed 's/.*name="//; s/"$//' |
	sed 's/&amp;/\&/g; s/&apos;/'"'"'/g' | grep -nxF -- "$sheet" | cut -d: -f1)
[ -n "$index" ] || { echo "no sheet named '$sheet' in $book" >&2; exit 1; }

lo --convert-to pdf --outdir "$out" "$book"
lo --convert-to "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,$index" --outdir "$out" "$book"
csv="$out/$base-$sheet.csv"
echo "pdf:  $out/$base.pdf ($(pdfinfo "$out/$base.pdf" | awk '/^Pages/ {print $2}') pages)"
echo "csv:  $csv ($(wc -l <"$csv") lines)"

# The first page whose top lines name the sheet's title row.
title=$(head -1 "$csv" | cut -d, -f1 | tr -d '"')
pages=$(pdfinfo "$out/$base.pdf" | awk '/^Pages/ {print $2}')
for ((p = 1; p <= pages; p++)); do
	if pdftotext -f "$p" -l "$p" "$out/$base.pdf" - | grep -qF -- "$title"; then
		pdftoppm -png -r 70 -f "$p" -l "$p" -singlefile "$out/$base.pdf" "$out/page"
		echo "png:  $out/page.png (page $p)"
		exit 0
	fi
done
echo "the sheet's first page was not found in the PDF" >&2
exit 1
