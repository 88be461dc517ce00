#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# Golden config test: run `ferryd -nv` on NAME.conf and compare its output
# (stdout and stderr, then the exit status) with NAME.out.
#
#   golden.sh FERRYD DIR/NAME.conf
#
# FERRY_UPDATE_GOLDEN=1 rewrites NAME.out instead (review the diff!).
set -u
ferryd=$1
conf=$2
dir=$(dirname "$conf")
name=$(basename "$conf" .conf)
cd "$dir" || exit 99

actual=$(mktemp) || exit 99
trap 'rm -f "$actual"' EXIT
"$ferryd" -nv -c "$name.conf" >"$actual" 2>&1
echo "exit=$?" >>"$actual"

if [ "${FERRY_UPDATE_GOLDEN:-}" = 1 ]; then
	cp "$actual" "$name.out"
	exit 0
fi
if ! cmp -s "$name.out" "$actual"; then
	echo "ferryd -nv -c $name.conf differs from $name.out:"
	diff -u "$name.out" "$actual"
	exit 1
fi
exit 0
