#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Input pacing (docs/design.md, "BGP input pacing").  A BIRD upstream
# announces 30k IPv4 /24s in 3000 interleaved attribute sets
# (bench/bgp/gen_routes.py), which it packs only when its socket blocks:
# - ferryd sees the stream of small UPDATEs, logs that it paces it, with
#   the receive buffer it sized from the path's round trip (at least the
#   16 KB floor);
#   and the kernel holds the session's socket to that buffer (ss);
# - all 30k prefixes arrive and are accepted, the session never resets;
# - a later small change still arrives (the pause never stalls input).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bgp_lib.sh"
. "$(dirname "$0")/bgp_more.sh"
need_root
need_cmd jq bird birdc python3

top=$(cd "$(dirname "$0")/../.." && pwd)
N=30000 SETS=3000
bgp_topo

ferryd_conf gw "router-id = \"$GW4\";
bgp = {
	asn = 65000;
	listen = (\"$GW4\");
	fib = false;
	neighbors = (
		{ address = \"$UP4\"; asn = 65100; hold-time = 9;
		  connect-retry = 1; import = { all = true; }; }
	);
};" >/dev/null

bird_conf_head up "$UP4"
{
	echo "protocol static s4 {"
	echo "	ipv4;"
	python3 "$top/bench/bgp/gen_routes.py" "$N" "$SETS" ||
		fail "gen_routes.py failed"
	echo "}"
	cat <<CONF
protocol static extra { ipv4; route 198.51.100.0/24 blackhole; }
protocol bgp gwy {
	local $UP4 as 65100; neighbor $GW4 as 65000;
	hold time 9;
	error wait time 1, 4;
	connect retry time 1;
	ipv4 { import none; export all; };
}
CONF
} >>"$T_DIR/up.bird.conf"
# The extra route goes out later, as a change on a paced session.
sed -i 's/^protocol static extra {/protocol static extra { disabled;/' \
	"$T_DIR/up.bird.conf"

ferryd_start "$NS_GW" gw
bird_start "$NS_UP" up
wait_for 20 ferry_established gw "$UP4" ||
	fail "session with BIRD not up: $(ctl gw show bgp peers)"
wait_until 60 'test "$(ferry_peer gw "$UP4" prefixes-accepted)" = "$N"' ||
	fail "ferryd accepted $(ferry_peer gw "$UP4" prefixes-accepted) of $N"

line=$(grep "bgp: pacing small UPDATEs: peer=$UP4 " "$T_DIR/gw.log" | head -1)
[ -n "$line" ] || fail "ferryd did not pace the stream of small UPDATEs"
log "$line"
rcvbuf=${line##*rcvbuf=}
[ "$rcvbuf" -ge 16384 ] 2>/dev/null ||
	fail "receive buffer '$rcvbuf' below the 16 KB floor"

# The kernel reports twice what was set (room for its own overhead).
rb=$(ip netns exec "$NS_GW" ss -tmn state established "( sport = :179 or dport = :179 )" |
	sed -n 's/.*skmem:([^)]*,rb\([0-9]*\),.*/\1/p' | head -1)
log "socket receive buffer: $rb"
[ -n "$rb" ] && [ "$rb" -le $((2 * rcvbuf)) ] ||
	fail "session socket's receive buffer '$rb', not cut to $rcvbuf"
# How well BIRD packed is the benchmark's to measure (bench/bgp), not a
# test's: it depends on how fast each side runs.
log "$N prefixes in $(jget "$(ctl gw --json show bgp peers)" \
	".result.peers[] | select(.address == \"$UP4\") | .[\"messages-received\"].update") UPDATEs"

birdc_q up enable extra >/dev/null
wait_for 10 ferry_has_best gw 198.51.100.0/24 ||
	fail "a change after the table did not arrive"
expect_eq "session resets" "$(ferry_flaps gw "$UP4")" 0
exit 0
