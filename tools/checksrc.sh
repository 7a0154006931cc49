#!/bin/sh
# checksrc.sh [DIR] - the house source rules that a compiler does not check.
#
#   banned   strcpy strcat sprintf vsprintf gets strtok atoi atol alloca
#            in lib/ and cli/ (STYLE.md section 5)
#   width    lines over 80 columns (tabs count as 8) in lib/, cli/, include/
#   spaces   trailing white space
#   keyword  "if(", "for(", "while(", "switch(" without a space, and "){",
#            "else{", "}else" without one (lib/, cli/, include/)
#   c++      // comments in lib/ (outside strings and block comments)
#   indent   a space before a tab in a line's leading white space, or
#            eight leading spaces where a tab belongs (lib/, cli/, include/)
# Also checked: the fuzz targets and the limits test (tests/fuzz/*.[ch],
# tests/unit/limits/), which follow the library's layout.
# Prints each offence as file:line: rule and ends with a summary line.
set -u
top=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top" || exit 2
dirs=""
for d in lib cli include tests/fuzz tests/unit/limits; do
	[ -d "$d" ] && dirs="$dirs $d"
done
files=$(find $dirs -name '*.[ch]' | sort)
libfiles=$(find lib -name '*.[ch]' | sort)
fail=0
banned=$(grep -HnE '(^|[^_a-zA-Z0-9])(strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|atol|alloca)[[:space:]]*\(' $files)
if [ -n "$banned" ]; then
	echo "$banned" | sed 's/$/  <- banned function/'
	fail=$((fail + $(echo "$banned" | wc -l)))
fi
wide=$(awk '{ l = $0; gsub(/\t/, "        ", l); if (length(l) > 80) print FILENAME ":" FNR ": longer than 80 columns" }' $files)
if [ -n "$wide" ]; then
	echo "$wide"
	fail=$((fail + $(echo "$wide" | wc -l)))
fi
trail=$(grep -HnE '[[:space:]]+$' $files)
if [ -n "$trail" ]; then
	echo "$trail" | sed 's/$/  <- trailing white space/'
	fail=$((fail + $(echo "$trail" | wc -l)))
fi
kw=$(grep -HnE '(^|[^_a-zA-Z0-9])(if|for|while|switch)\(|\)\{|else\{|\}else' \
    $files)
if [ -n "$kw" ]; then
	echo "$kw" | sed 's/$/  <- no space after keyword or before brace/'
	fail=$((fail + $(echo "$kw" | wc -l)))
fi
# strip block comments (across lines), strings and character constants;
# a // left over is a C++ comment
cxx=$(awk '
FNR == 1 { inc = 0 }
{
	l = $0; n = length(l); i = 1
	while (i <= n) {
		c = substr(l, i, 1); c2 = substr(l, i, 2)
		if (inc) {
			if (c2 == "*/") { inc = 0; i += 2 } else i++
			continue
		}
		if (c2 == "/*") { inc = 1; i += 2; continue }
		if (c == "\"" || c == "\047") {
			q = c; i++
			while (i <= n) {
				d = substr(l, i, 1)
				if (d == "\\") { i += 2; continue }
				if (d == q) break
				i++
			}
			i++
			continue
		}
		if (c2 == "//") {
			print FILENAME ":" FNR ": C++ comment"
			break
		}
		i++
	}
}' $libfiles)
if [ -n "$cxx" ]; then
	echo "$cxx"
	fail=$((fail + $(echo "$cxx" | wc -l)))
fi
mix=$(grep -HnE '^ +	|^        ' $files)
if [ -n "$mix" ]; then
	echo "$mix" | sed 's/$/  <- spaces and tabs mixed in indentation/'
	fail=$((fail + $(echo "$mix" | wc -l)))
fi
n=$(echo "$files" | wc -l)
if [ "$fail" -eq 0 ]; then
	echo "checksrc: $n files, no offences"
else
	echo "checksrc: $n files, $fail offences"
fi
[ "$fail" -eq 0 ]
