#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# bench/egress still works: `bench/egress/run --smoke` (UDP and new
# connections through plain forwarding, nftables masquerade and ferry's
# egress NAT side by side, and the BPF_PROG_TEST_RUN table) finishes in
# bounded time, every path delivered, and ferry's programs translated
# without a drop.  A functional check only: no number is judged.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd nft conntrack python3 nsenter taskset timeout gcc

top=$(cd "$(dirname "$0")/../.." && pwd)
out=$T_DIR/bench.out
# FERRY_BUILDDIR is set: the benchmark measures this build as it is.
timeout --kill-after=10 180 "$top/bench/egress/run" --smoke >"$out" \
	2>"$T_DIR/bench.log"
rc=$?
cat "$out" >&2
case $rc in
0) ;;
77) skip "bench/egress/run: $(grep SKIP "$T_DIR/bench.log" | tail -1)" ;;
124 | 137) fail "bench/egress/run --smoke timed out" ;;
*) fail "bench/egress/run --smoke exited $rc: $(tail -20 "$T_DIR/bench.log")" ;;
esac

for load in "UDP 64 B, 256 flows, kpps" "new connections, k/s"; do
	row=$(grep -F "| $load |" "$out") || fail "no row for '$load'"
	# Three rates, none of them zero: every path delivered.
	echo "$row" | awk -F'|' '{ for (i = 3; i <= 5; i++) {
		split($i, a, " "); if (a[1] + 0 <= 0) exit 1 } }' ||
		fail "a path delivered nothing: $row"
done
grep -q "counters over the run: new=[1-9][0-9]* snat=[1-9][0-9]* .*drop=0$" \
	"$out" || fail "ferry's programs did not translate cleanly"
grep -q "^    out_est " "$out" || fail "no BPF_PROG_TEST_RUN table"
exit 0
