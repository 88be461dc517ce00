#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# bench/bgp/swarm still works: `bench/bgp/swarm/run --smoke` (100 iBGP
# agents connecting at once to ferryd as route reflector, with a /24 each
# and with none, and 20 to BIRD with a /24 each) finishes in bounded time,
# and in every measurement all agents were Established and received the
# others' routes with their owners as next hop.  A functional check only:
# no time or memory figure is judged.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd bird birdc gcc jq nsenter timeout

top=$(cd "$(dirname "$0")/../.." && pwd)
out=$T_DIR/bench.out
# FERRY_BUILDDIR is set: the benchmark measures this build as it is.
timeout --kill-after=10 100 "$top/bench/bgp/swarm/run" --smoke >"$out" \
	2>"$T_DIR/bench.log"
rc=$?
cat "$out" >&2
case $rc in
0) ;;
77) skip "swarm skipped: $(grep SKIP "$T_DIR/bench.log" | tail -1)" ;;
124 | 137) fail "bench/bgp/swarm/run --smoke timed out" ;;
*) fail "bench/bgp/swarm/run --smoke exited $rc: $(tail -20 "$T_DIR/bench.log")" ;;
esac

# The raw lines the table was made from, one per measurement.
raw=$(grep -E '^\[bench-swarm\] (ferry|bird) N=' "$T_DIR/bench.log")
expect_eq "measurements" "$(echo "$raw" | wc -l)" 3
echo "$raw" | while read -r _ d n ann line; do
	agents=$(echo "$line" | sed -n 's/.*agents=\([0-9]*\).*/\1/p')
	for k in established converged; do
		v=$(echo "$line" | sed -n "s/.* $k=\([0-9]*\).*/\1/p")
		expect_eq "$d $n $ann $k" "$v" "$agents"
	done
	expect_eq "$d $n $ann bad next hops" \
		"$(echo "$line" | sed -n 's/.*bad_nexthop=\([0-9]*\).*/\1/p')" 0
done || exit 1
grep -q '^| 100 | ferryd |' "$out" || fail "no ferryd row in the table"
grep -q '^| 20 | BIRD |' "$out" || fail "no BIRD row in the table"
exit 0
