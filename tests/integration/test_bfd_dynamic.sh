#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# BFD on a listen range: BIRD in "ib" connects over iBGP to ferryd's
# listen range 100.64.0.0/24, which has bfd (100 ms x 3).
# - the dynamic neighbor gets a BFD session that comes Up on both sides;
# - cutting the link takes the session down within a second; the dynamic
#   neighbor goes, its BFD session with it (no leak: objects count);
# - restoring the link: BIRD connects again, BFD Up again;
# - BGP is not held hostage to BFD: with a key BIRD does not have, BFD
#   never comes Up (BIRD's unauthenticated packets counted as auth
#   drops) and the session is Established all the same.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bgp_lib.sh"
. "$(dirname "$0")/bgp_peers.sh"
. "$(dirname "$0")/bfd_lib.sh"
need_root
need_cmd jq bird birdc tc

bgp_topo
bgp_topo_ibgp
gw_conf() {
ferryd_conf gw "router-id = \"$GW4\";
bgp = {
	asn = 65000;
	listen = (\"$GWI4\");
	pools = ( { prefix = \"10.244.0.0/16\"; kind = \"pod\"; } );
	listen-ranges = (
		{ prefix = \"100.64.0.0/24\"; hold-time = 9; families = (\"ipv4\");
		  bfd = { min-tx = 100; min-rx = 100; multiplier = 3; $1 }; }
	);
};" >/dev/null
}
gw_conf ""

cat >"$T_DIR/ib.bird.conf" <<CONF
router id $IB4;
log "$T_DIR/ib.bird.trace" all;
protocol device { }
protocol bfd {
	interface "eth0" {
		min rx interval 100 ms;
		min tx interval 100 ms;
		multiplier 3;
	};
}
protocol static s4 { ipv4; route 198.51.101.0/24 blackhole; }
protocol bgp g4 {
	local as 65000;
	neighbor $GWI4 as 65000;
	direct;
	hold time 9;
	error wait time 1, 2;
	connect retry time 1;
	bfd on;
	ipv4 { import all; export where source = RTS_STATIC; };
}
CONF
bird_start "$NS_IB" ib
ferryd_start "$NS_GW" gw -d

objects() {
	jget "$(ctl gw --json status)" ".result.objects.bfd_session // 0"
}
wait_for 20 ferry_established gw "$IB4" ||
	fail "dynamic neighbor not up: $(ctl gw show bgp peers)"
expect_eq "dynamic" "$(ferry_peer gw "$IB4" dynamic)" true
wait_for 20 ferry_bfd_up gw "$IB4" ||
	fail "BFD of the dynamic neighbor not Up: $(ctl gw show bfd)"
wait_for 10 sh -c "birdc -s $T_DIR/ib.bird.sock show bfd sessions | grep -E '^$GWI4 ' | grep -q ' Up '" ||
	fail "BIRD: BFD not Up: $(birdc_q ib show bfd sessions)"
wait_for 10 ferry_learned 198.51.101.0/24 || fail "route from ib not learned"
expect_eq "live BFD sessions" "$(objects)" 1

t0=$(now_ms)
link_cut "$NS_IB" eth0 "$NS_GW" eth1
wait_until 3 'test -z "$(ferry_peer_state gw $IB4)" || ! ferry_established gw $IB4' ||
	fail "dynamic neighbor still up after the cut"
ms=$(log_ms_after "$T_DIR/gw.log" "$t0" "bgp: session down: peer=$IB4 ")
log "cut: dynamic session down logged at ${ms:-never} ms"
[ -n "$ms" ] && [ "$ms" -lt 1000 ] || fail "detection took ${ms:-never} ms"
wait_for 5 ferry_lacks 198.51.101.0/24 || fail "route from ib still held"
wait_until 5 'test "$(objects)" = 0' ||
	fail "BFD session of the gone neighbor still live: $(objects)"
expect_eq "peers after the cut" \
	"$(jget "$(ctl gw --json show bgp peers)" '.result.peers | length')" 0

link_restore "$NS_IB" eth0 "$NS_GW" eth1
wait_for 30 ferry_established gw "$IB4" ||
	fail "dynamic neighbor not back: $(ctl gw show bgp peers)"
wait_for 20 ferry_bfd_up gw "$IB4" || fail "BFD not back Up: $(ctl gw show bfd)"
expect_eq "live BFD sessions" "$(objects)" 1

# A key BIRD lacks: the BFD session is replaced (BIRD resets its BGP
# session on our AdminDown, and connects again); the new one never comes
# Up, and BGP comes up without it.
gw_conf 'auth = { type = "sha1"; key = "nobody-knows"; };'
ctl gw reload >/dev/null || fail "reload (auth)"
wait_until 20 'test "$(ferry_bfd gw $IB4 auth)" = sha1' ||
	fail "BFD session not replaced: $(ctl gw show bfd)"
wait_for 30 ferry_established gw "$IB4" ||
	fail "BGP held hostage to BFD: $(ctl gw show bgp peers; ctl gw show bfd)"
sleep 2
ferry_established gw "$IB4" || fail "BGP did not stay up without BFD"
expect_eq "BFD without a shared key" "$(ferry_bfd gw "$IB4" state)" Down
[ "$(ferry_bfd_drops gw "$IB4" auth)" -ge 1 ] ||
	fail "BIRD's unauthenticated packets not counted: $(ctl gw show bfd)"
exit 0
