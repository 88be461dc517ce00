#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Route reflection (RFC 4456) through dynamic neighbors.  A gateway ferryd
# holds a bridge (the cluster LAN 10.0.0.0/24) with a listen range over it
# (rr-client, iBGP, passive) and an eBGP upstream BIRD on another link.  Two
# ferryd node agents, each with its PodCIDR as a "pod" pool and the gateway
# as its only neighbor, join through the range:
# - the gateway shows both as dynamic Established peers;
# - each node learns the other's PodCIDR with ORIGINATOR_ID = the other
#   node, CLUSTER_LIST = the gateway's cluster id, next hop = the other
#   node, installs it in its FIB, and pods reach each other over the LAN;
# - the upstream learns both PodCIDRs from the gateway (AS path 65000, next
#   hop the gateway), and nothing else;
# - a node that stops is withdrawn from the other node and the upstream.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bgp_lib.sh"
. "$(dirname "$0")/bgp_more.sh"
need_root
need_cmd jq bird birdc ping

GWL=10.0.0.1 N1=10.0.0.11 N2=10.0.0.12 CLUSTER=10.255.0.1
POD1=10.244.1.0/24 POD2=10.244.2.0/24
bgp_topo
lan_bridge "$NS_GW" "$GWL/24"
NS_N1=$(netns_add n1)
NS_N2=$(netns_add n2)
lan_join "$NS_GW" "$NS_N1" lan-n1 "$N1/24"
lan_join "$NS_GW" "$NS_N2" lan-n2 "$N2/24"
# A pod address on each node, the target of the reachability check.
ip -n "$NS_N1" addr add 10.244.1.1/32 dev lo
ip -n "$NS_N2" addr add 10.244.2.1/32 dev lo

ferryd_conf gw "router-id = \"$GW4\";
bgp = {
	asn = 65000;
	cluster-id = \"$CLUSTER\";
	listen = (\"$GWL\", \"$GW4\");
	neighbors = (
		{ address = \"$UP4\"; asn = 65100; hold-time = 9;
		  connect-retry = 1;
		  export = { pools = (\"pod\"); learned = true; };
		  import = { all = true; }; }
	);
	listen-ranges = (
		{ prefix = \"10.0.0.0/24\"; rr-client = true; max = 4;
		  hold-time = 9; }
	);
};" >/dev/null
# node_conf NAME ADDR PODCIDR
node_conf() {
	ferryd_conf "$1" "router-id = \"$2\";
bgp = {
	asn = 65000;
	listen = ();
	pools = ( { prefix = \"$3\"; kind = \"pod\"; } );
	neighbors = (
		{ address = \"$GWL\"; asn = 65000; hold-time = 9;
		  connect-retry = 1; }
	);
};" >/dev/null
}
node_conf n1 "$N1" "$POD1"
node_conf n2 "$N2" "$POD2"

bird_conf_head up "$UP4"
cat >>"$T_DIR/up.bird.conf" <<CONF
protocol static s4 { ipv4; route 198.51.100.0/24 blackhole; }
protocol bgp gwy {
	local $UP4 as 65100; neighbor $GW4 as 65000;
	hold time 9;
	error wait time 1, 4;
	connect retry time 1;
	ipv4 { import all; export where source = RTS_STATIC; };
}
CONF
bird_start "$NS_UP" up
ferryd_start "$NS_GW" gw
ferryd_start "$NS_N1" n1
N1_PID=$FERRYD_PID
ferryd_start "$NS_N2" n2

wait_for 20 bird_established up gwy || fail "upstream not up: $(bird_proto_all up gwy)"
wait_for 20 ferry_established n1 "$GWL" || fail "n1 not up with the gateway"
wait_for 20 ferry_established n2 "$GWL" || fail "n2 not up with the gateway"

# The gateway's view: the upstream and two dynamic iBGP peers.
peers=$(ctl gw --json show bgp peers)
expect_eq "dynamic peers" "$(jget "$peers" \
	'[.result.peers[] | select(.dynamic and .state == "Established") | .address] | sort | join(" ")')" \
	"$N1 $N2"
expect_eq "dynamic peers' AS" "$(jget "$peers" \
	'[.result.peers[] | select(.dynamic) | .asn] | unique | join(" ")')" 65000
expect_eq "upstream is not dynamic" "$(jget "$peers" \
	".result.peers[] | select(.address == \"$UP4\") | .dynamic")" false
ctl gw show bgp peers | grep -q "$N1" || fail "ferryctl table lacks $N1"

# check_reflected NODE PREFIX OTHER_ADDR: NODE's best route for PREFIX was
# reflected by the gateway from the node OTHER_ADDR.
check_reflected() {
	local r
	r=$(ferry_best "$1" "$2")
	log "$1: $r"
	expect_eq "$1 $2 next hop" "$(jget "$r" '.["next-hop"]')" "$3"
	expect_eq "$1 $2 originator" "$(jget "$r" '.["originator-id"]')" "$3"
	expect_eq "$1 $2 cluster list" "$(jget "$r" '.["cluster-list"] | join(" ")')" "$CLUSTER"
	expect_eq "$1 $2 as path" "$(jget "$r" '.["as-path"]')" ""
	expect_eq "$1 $2 local pref" "$(jget "$r" '.["local-pref"]')" 100
}
wait_for 10 ferry_has_best n1 "$POD2" || fail "n1 did not learn $POD2: $(ctl n1 show bgp routes)"
wait_for 10 ferry_has_best n2 "$POD1" || fail "n2 did not learn $POD1: $(ctl n2 show bgp routes)"
check_reflected n1 "$POD2" "$N2"
check_reflected n2 "$POD1" "$N1"
ctl n1 show bgp routes | grep -q "$POD2" || fail "ferryctl table on n1"
# A node never gets its own PodCIDR back (the gateway does not reflect to
# the originator, and the node would drop it on ORIGINATOR_ID anyway).
expect_eq "n1 routes to its own pod" "$(jget "$(ctl n1 --json show bgp routes received --peer "$GWL")" \
	"[.result.routes[] | select(.prefix == \"$POD1\")] | length")" 0
# Upstream routes reach the nodes through the gateway (next hop unchanged
# towards iBGP clients: the upstream's address, outside their LAN).
wait_for 10 ferry_has_best n1 198.51.100.0/24 || fail "n1 lacks the upstream route"

# Into the kernel, and pod to pod over the LAN.
wait_for 10 kernel_has "$NS_N1" "$POD2" "$N2" || fail "n1 FIB: $(ip -n "$NS_N1" route show proto 202)"
wait_for 10 kernel_has "$NS_N2" "$POD1" "$N1" || fail "n2 FIB: $(ip -n "$NS_N2" route show proto 202)"
in_netns "$NS_N1" ping -c 1 -W 2 -I 10.244.1.1 10.244.2.1 >/dev/null ||
	fail "pod 10.244.1.1 cannot reach pod 10.244.2.1"

# The upstream learns both PodCIDRs from the gateway, with its next hop.
for p in "$POD1" "$POD2"; do
	wait_for 10 bird_has up master4 "$p" || fail "upstream lacks $p: $(bird_routes up master4)"
	r=$(bird_route up master4 "$p")
	echo "$r" | grep -q "BGP.as_path: 65000$" || fail "upstream $p path: $r"
	echo "$r" | grep -q "BGP.next_hop: $GW4$" || fail "upstream $p next hop: $r"
	echo "$r" | grep -q "BGP.originator_id\|BGP.cluster_list" &&
		fail "RR attributes leaked over eBGP: $r"
done
n=$(birdc_q up show route protocol gwy count | grep -o '^[0-9]* of [0-9]* routes' | cut -d' ' -f1)
expect_eq "routes the upstream has from the gateway" "$n" 2

# n1 goes away: its PodCIDR is withdrawn from n2, the kernel and upstream.
kill -TERM "$N1_PID"
wait_for 20 sh -c "! ip -n $NS_N2 route show proto 202 | grep -q '^$POD1 '" ||
	fail "n2 keeps $POD1 after n1 left"
wait_for 10 bird_lacks up master4 "$POD1" || fail "upstream keeps $POD1 after n1 left"
bird_has up master4 "$POD2" || fail "upstream lost $POD2"
wait_for 20 sh -c "[ \"\$('$FERRYCTL' -s '$T_DIR/gw.sock' --json show bgp peers |
	jq '[.result.peers[] | select(.dynamic)] | length')\" = 1 ]" ||
	fail "gateway still lists n1: $(ctl gw show bgp peers)"
exit 0
