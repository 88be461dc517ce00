#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# ferryctl reload with two BIRD sessions up (p1 eBGP, p2 iBGP), each step
# checked against BIRD's own view of the session ("since", ms resolution)
# and ferryd's flap counter:
# - pools added: announced to both peers, no session reset;
# - pools removed: withdrawn from both, no reset;
# - the pod pool taken out of p1's export kinds (policy only): withdrawn
#   from p1 alone, no reset;
# - export communities changed (policy only): p1 re-advertised with them,
#   no reset of either;
# - p1's hold time changed (a session setting): p1 alone is reset and comes
#   back with the new hold time; p2 keeps its session.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bgp_lib.sh"
. "$(dirname "$0")/bgp_more.sh"
need_root
need_cmd jq bird birdc

# One address pair per session: ferryd GW4 <-> P1, L2 <-> P2.
P1=192.0.2.254 P2=192.0.2.253 L2=192.0.2.2
bgp_topo
ip -n "$NS_UP" addr add "$P2/24" dev eth0
ip -n "$NS_GW" addr add "$L2/24" dev eth0

POD='{ prefix = "10.244.0.0/16"; kind = "pod"; }'
MORE='{ prefix = "10.96.0.0/12"; kind = "service"; },
		{ prefix = "198.18.0.0/30"; kind = "loadbalancer"; per-address = true; }'
# gw_conf POOLS P1_EXPORT_EXTRA P1_HOLD [P1_EXPORT_KINDS]
gw_conf() {
	local kinds=${4:-'"pod", "service", "loadbalancer"'}
	ferryd_conf gw "router-id = \"$GW4\";
bgp = {
	asn = 65000;
	pools = ( $1 );
	neighbors = (
		{ address = \"$P1\"; asn = 65100; hold-time = $3;
		  connect-retry = 1;
		  export = { pools = ($kinds); $2 };
		  import = { all = true; }; },
		{ address = \"$P2\"; asn = 65000; hold-time = 9;
		  connect-retry = 1; local-address = \"$L2\"; }
	);
};" >/dev/null
}
gw_conf "$POD" "" 9

bird_conf_head up "$P1"
cat >>"$T_DIR/up.bird.conf" <<CONF
ipv4 table t1; ipv4 table t2;
template bgp ferry {
	hold time 30;
	error wait time 1, 4;
	connect retry time 1;
}
protocol bgp p1 from ferry {
	local $P1 as 65100; neighbor $GW4 as 65000;
	ipv4 { table t1; import all; export none; };
}
protocol bgp p2 from ferry {
	local $P2 as 65000; neighbor $L2 as 65000;
	ipv4 { table t2; import all; export none; };
}
CONF
bird_start "$NS_UP" up
ferryd_start "$NS_GW" gw

wait_for 20 bird_established up p1 || fail "p1 not up: $(bird_proto_all up p1)"
wait_for 20 bird_established up p2 || fail "p2 not up: $(bird_proto_all up p2)"
wait_for 10 bird_has up t1 10.244.0.0/16 || fail "p1 lacks the pod pool"
wait_for 10 bird_has up t2 10.244.0.0/16 || fail "p2 lacks the pod pool"
expect_eq "p1 hold time" "$(ferry_peer gw $P1 hold-time)" 9

since1=$(bird_since_stable up p1) since2=$(bird_since_stable up p2)
flaps1=$(ferry_flaps gw $P1) flaps2=$(ferry_flaps gw $P2)
log "BIRD since: p1 $since1, p2 $since2"
for s in "$since1" "$since2"; do
	[[ $s =~ ^[0-9-]+\ [0-9:]+\.[0-9]{3}$ ]] || fail "BIRD since not a ms time: '$s'"
done
# since_before PROTO TIME: BIRD's session PROTO last changed before TIME
# (bird_since_before: a "since" that moved by a ms is no reset).
since_before() { bird_since_before up "$1" "$2"; }
# no_reset WHAT: neither session went down since the first reload.
no_reset() {
	since_before p1 "$FIRST_RELOAD" ||
		fail "$1: p1 reset in BIRD (since $(bird_since up p1))"
	since_before p2 "$FIRST_RELOAD" ||
		fail "$1: p2 reset in BIRD (since $(bird_since up p2))"
	expect_eq "$1: p1 flaps" "$(ferry_flaps gw $P1)" "$flaps1"
	expect_eq "$1: p2 flaps" "$(ferry_flaps gw $P2)" "$flaps2"
	ferry_established gw $P1 && ferry_established gw $P2 ||
		fail "$1: a session is not Established in ferryd"
}
reload() {
	RELOAD_AT=$(now_ms)
	: "${FIRST_RELOAD:=$RELOAD_AT}"
	ctl gw reload >/dev/null || fail "ferryctl reload ($1)"
}

# 1. Two pools added.
gw_conf "$POD, $MORE" "" 9
reload "add pools"
for t in t1 t2; do
	for p in 10.96.0.0/12 198.18.0.0/32 198.18.0.3/32; do
		wait_for 10 bird_has up $t $p || fail "$t lacks added $p: $(bird_routes up $t)"
	done
done
no_reset "add pools"
bird_route up t1 10.96.0.0/12 | grep -q "BGP.as_path: 65000$" ||
	fail "p1 added pool path: $(bird_route up t1 10.96.0.0/12)"

# 2. Removed again.
gw_conf "$POD" "" 9
reload "remove pools"
for t in t1 t2; do
	for p in 10.96.0.0/12 198.18.0.0/32 198.18.0.3/32; do
		wait_for 10 bird_lacks up $t $p || fail "$t still has removed $p"
	done
	bird_has up $t 10.244.0.0/16 || fail "$t lost the pod pool"
done
no_reset "remove pools"

# 3. p1 stops exporting pods: withdrawn from p1 only, in place.
gw_conf "$POD" "" 9 '"service"'
reload "export kinds"
wait_for 10 bird_lacks up t1 10.244.0.0/16 || fail "pod pool not withdrawn from p1"
bird_has up t2 10.244.0.0/16 || fail "p2 lost the pod pool"
no_reset "export kinds"

# 4. Export communities on p1 only: a policy change, applied in place.
gw_conf "$POD" 'communities = ("65000:777"); large-communities = ("65000:7:7");' 9
reload "export communities"
has_comm() {
	bird_route up t1 10.244.0.0/16 | grep -q "BGP.community: (65000,777)" &&
		bird_route up t1 10.244.0.0/16 | grep -q "BGP.large_community: (65000, 7, 7)"
}
wait_for 10 has_comm || fail "p1 not re-advertised with communities: $(bird_route up t1 10.244.0.0/16)"
bird_route up t2 10.244.0.0/16 | grep -q "(65000,777)" &&
	fail "p2 got p1's export communities"
no_reset "export communities"

# 5. p1's hold time: p1 alone is reset.
gw_conf "$POD" 'communities = ("65000:777"); large-communities = ("65000:7:7");' 12
reload "hold time"
p1_reset() { s=$(bird_since up p1) && [ -n "$s" ] && ! [[ "$s" < "$RELOAD_AT" ]]; }
wait_for 10 p1_reset || fail "p1 not reset by a hold-time change"
wait_for 20 bird_established up p1 || fail "p1 not back: $(bird_proto_all up p1)"
wait_for 10 ferry_established gw $P1 || fail "ferryd: p1 not back"
expect_eq "p1 new hold time" "$(ferry_peer gw $P1 hold-time)" 12
expect_eq "p1 flaps" "$(ferry_flaps gw $P1)" $((flaps1 + 1))
wait_for 10 has_comm || fail "p1 lacks the pool after its reset"
since_before p2 "$FIRST_RELOAD" ||
	fail "hold time: p2 reset in BIRD (since $(bird_since up p2))"
expect_eq "p2 flaps" "$(ferry_flaps gw $P2)" "$flaps2"
bird_has up t2 10.244.0.0/16 || fail "p2 lost the pod pool"
expect_eq reloads "$(jget "$(ctl gw --json status)" .result.reloads)" 5
exit 0
