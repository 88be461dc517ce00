#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# make check: docs/ferryd.conf.5 is what docs/md2man.py makes of
# docs/config.md and docs/ferryd.conf.5.in, and it renders without a
# groff warning.  The page is committed (building and packaging need no
# python); this test is what keeps it from drifting from config.md.  To
# regenerate after editing either source: make update-man.
set -eu
src=${srcdir:-.}/docs
for t in python3 groff; do
	command -v "$t" >/dev/null 2>&1 || {
		echo "check-man: $t not found (scripts/deps test installs it)"
		exit 99
	}
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 "$src/md2man.py" "$src/ferryd.conf.5.in" "$src/config.md" \
	>"$tmp/ferryd.conf.5"
if ! diff -u "$src/ferryd.conf.5" "$tmp/ferryd.conf.5"; then
	echo "check-man: docs/ferryd.conf.5 is stale: run make update-man"
	exit 1
fi
for page in ferryd.conf.5 ferryd.8 ferryctl.8 ferry-join.8; do
	LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$src/$page" 2>"$tmp/warn" || :
	if [ -s "$tmp/warn" ]; then
		echo "check-man: groff warns about docs/$page:"
		cat "$tmp/warn"
		exit 1
	fi
done
echo "check-man: docs/ferryd.conf.5 matches docs/config.md; pages render cleanly"
