#!/bin/sh
# checksrc.sh [DIR] - the house source rules that a compiler does not check.
#
#   banned   strcpy strcat sprintf vsprintf gets strtok atoi atol alloca
#            in lib/ and cli/ (STYLE.md section 5)
#   width    lines over 80 columns (tabs count as 8) in lib/, cli/, include/
#   spaces   trailing white space
# Prints each offence as file:line: rule and ends with a summary line.
set -u
top=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top" || exit 2
files=$(find lib cli include -name '*.[ch]' | sort)
fail=0
banned=$(grep -nE '(^|[^_a-zA-Z0-9])(strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|atol|alloca)[[:space:]]*\(' $files)
if [ -n "$banned" ]; then
	echo "$banned" | sed 's/$/  <- banned function/'
	fail=$((fail + $(echo "$banned" | wc -l)))
fi
wide=$(awk '{ l = $0; gsub(/\t/, "        ", l); if (length(l) > 80) print FILENAME ":" FNR ": longer than 80 columns" }' $files)
if [ -n "$wide" ]; then
	echo "$wide"
	fail=$((fail + $(echo "$wide" | wc -l)))
fi
trail=$(grep -nE '[[:space:]]+$' $files)
if [ -n "$trail" ]; then
	echo "$trail" | sed 's/$/  <- trailing white space/'
	fail=$((fail + $(echo "$trail" | wc -l)))
fi
n=$(echo "$files" | wc -l)
if [ "$fail" -eq 0 ]; then
	echo "checksrc: $n files, no offences"
else
	echo "checksrc: $n files, $fail offences"
fi
[ "$fail" -eq 0 ]
