#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# bench/bgp still works: `bench/bgp/run --smoke` (10k prefixes from a BIRD
# injector through ferryd, through BIRD and straight to a BIRD monitor,
# with one and with 1k attribute sets, and a 10k-address pool) finishes
# in bounded time, and every configuration delivered all its prefixes.
# A functional check only: no number in the table is judged.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd bird birdc jq python3 nsenter timeout

top=$(cd "$(dirname "$0")/../.." && pwd)
out=$T_DIR/bench.out
# The benchmark measures this test's build as it is (FERRY_BUILDDIR is
# set, so it builds nothing) and cleans up after itself.
timeout --kill-after=10 240 "$top/bench/bgp/run" --smoke >"$out" \
	2>"$T_DIR/bench.log"
rc=$?
cat "$out" >&2
case $rc in
0) ;;
77) skip "bench/bgp/run skipped: $(grep SKIP "$T_DIR/bench.log" | tail -1)" ;;
124 | 137) fail "bench/bgp/run --smoke timed out" ;;
*) fail "bench/bgp/run --smoke exited $rc: $(tail -20 "$T_DIR/bench.log")" ;;
esac

# Rows of the transfer and pool tables end in "| ARRIVED/RUNS |", with
# " **INCOMPLETE**" when some run missed prefixes.
rows=$(grep -E '^\| .* \| [0-9]+/[0-9]+( \*\*INCOMPLETE\*\*)? \|$' "$out")
for path in "injector -> monitor (floor)" "BIRD in the middle" \
	"ferryd in the middle"; do
	expect_eq "rows for '$path'" \
		"$(echo "$rows" | grep -cF "| $path |")" 2
done
expect_eq "pool rows" "$(echo "$rows" | grep -c '^| 10k | [0-9.]* |')" 1
bad=$(echo "$rows" | awk -F'|' '{
	split($(NF - 1), a, "/"); gsub(/ /, "", a[1]); gsub(/ /, "", a[2])
	if (a[1] != a[2]) print }')
[ -z "$bad" ] || fail "prefixes missing: $bad"
exit 0
