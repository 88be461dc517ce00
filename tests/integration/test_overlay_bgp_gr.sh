#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Graceful restart between ferryd instances on the overlay: two node
# agents peer with a gateway (configured neighbors on both sides, iBGP,
# reflection with next hop self), all with graceful restart.  The
# gateway is killed (kill -9):
# - as helpers, the nodes keep the routes they had from it, stale, and
#   with them the overlay: tunnel entries and proto 201 routes stay, and
#   pods keep reaching each other through the gateway's datapath, which
#   outlives ferryd;
# - as restarting speaker, the new gateway adopts its tunnel entries,
#   sends R, waits for both nodes' End-of-RIB before it reflects, and no
#   node ever removes a tunnel entry or a route (no flap downstream).
. "$(dirname "$0")/lib.sh"
need_root
need_cmd jq

if [ "${OVL_BGP_UNDERLAY:-4}" = 6 ]; then
	GW=2001:db8::1 PLEN=64 NODE=2001:db8::2 LOCAL=local6
	RANGE=2001:db8::/64 EXTNH='families = ("ipv4"); extended-next-hop = true;'
else
	GW=192.0.2.1 PLEN=24 NODE=192.0.2.2 LOCAL=local
	RANGE=192.0.2.0/24 EXTNH=
fi
GW_MAC=02:fe:00:00:00:01
NODE_MAC=02:fe:00:00:00:02
PIN=/sys/fs/bpf/ferry-test-$T_ID
T_PINDIRS="$PIN-gw $PIN-n1 $PIN-n2"
t_cleanup_extra() { rm -rf $T_PINDIRS; }

NS_GW=$(netns_add gw)
# A fixed MAC: a bridge without one takes its lowest port MAC, so it would
# change under nodes that resolved it while ports were added.
ip -n "$NS_GW" link add under address 02:fe:ff:00:00:02 type bridge
ip -n "$NS_GW" addr add "$GW/$PLEN" dev under nodad
ip -n "$NS_GW" link set under up
ip netns exec "$NS_GW" sysctl -qw net.ipv4.ip_forward=1
ip netns exec "$NS_GW" sysctl -qw net.ipv6.conf.all.forwarding=1

node_setup() { # N: node N at $NODE$N with PodCIDR 10.244.N.0/24
	local n=$1 node pod
	node=$(netns_add "n$n")
	pod=$(netns_add "p$n")
	eval "NS_N$n=$node NS_P$n=$pod"
	ip -n "$NS_GW" link add "n$n" type veth peer name eth0 netns "$node"
	ip -n "$NS_GW" link set "n$n" master under up
	ip -n "$node" addr add "$NODE$n/$PLEN" dev eth0 nodad
	ip -n "$node" link set eth0 up
	ip netns exec "$node" sysctl -qw net.ipv4.ip_forward=1
	ip -n "$node" link add pod0 type veth peer name eth0 netns "$pod"
	ip -n "$node" addr add "10.244.$n.1/24" dev pod0
	ip -n "$node" link set pod0 up
	ip -n "$pod" addr add "10.244.$n.10/24" dev eth0
	ip -n "$pod" link set eth0 up
	ip -n "$pod" route add default via "10.244.$n.1"
	cat >"$T_DIR/n$n.conf" <<CONF
router-id = "192.0.2.2$n";
pid-file = "$T_DIR/n$n.pid";
control = { socket = "$T_DIR/n$n.sock"; };
bgp = {
	asn = 65000;
	listen = ();
	pools = ( { prefix = "10.244.$n.0/24"; kind = "pod"; } );
	graceful-restart = { restart-time = 30; };
	neighbors = ( { address = "$GW"; asn = 65000; connect-retry = 1;
			hold-time = 9; $EXTNH
			overlay = { vni = 7; mac = "$GW_MAC"; }; } );
};
overlay = { $LOCAL = "$NODE$n"; mac = "$NODE_MAC"; pin-dir = "$PIN-n$n"; };
CONF
}
node_setup 1
node_setup 2

nb() { # N: the gateway's neighbor entry for node N
	echo "{ address = \"$NODE$1\"; asn = 65000; rr-client = true;
		next-hop = \"self\"; connect-retry = 1; hold-time = 9; $EXTNH
		overlay = { vni = 7; mac = \"$NODE_MAC\"; }; }"
}
# With OVL_GR_RANGE=1 (test_overlay_bgp_gr_range.sh) the nodes are
# dynamic neighbors of the gateway (a listen range): after its restart
# the gateway waits for the ones its state file lists.
if [ "${OVL_GR_RANGE:-0}" = 1 ]; then
	GW_PEERS="listen-ranges = ( { prefix = \"$RANGE\"; rr-client = true;
		next-hop = \"self\"; max = 8; hold-time = 9; $EXTNH
		overlay = { vni = 7; mac = \"$NODE_MAC\"; }; } );"
else
	GW_PEERS="neighbors = ( $(nb 1), $(nb 2) );"
fi
cat >"$T_DIR/gw.conf" <<CONF
router-id = "192.0.2.1";
pid-file = "$T_DIR/gw.pid";
control = { socket = "$T_DIR/gw.sock"; };
log = { level = "debug"; };
bgp = {
	asn = 65000;
	listen = ("$GW");
	graceful-restart = { restart-time = 30; };
	$GW_PEERS
};
overlay = { $LOCAL = "$GW"; mac = "$GW_MAC"; pin-dir = "$PIN-gw"; };
CONF
ferryd_start "$NS_GW" gw
ferryd_start "$NS_N1" n1
ferryd_start "$NS_N2" n2

tunnel() { # FERRYD PREFIX FIELD
	jget "$(ctl "$1" --json show tunnels)" \
		".result.tunnels[] | select(.prefix == \"$2\") | .[\"$3\"]"
}
route() { # FERRYD PREFIX FIELD: from the best routes
	jget "$(ctl "$1" --json show bgp routes "$2")" ".result.routes[0].$3"
}
gr() { # FERRYD PEER FIELD
	jget "$(ctl "$1" --json show bgp peers)" \
		".result.peers[] | select(.address == \"$2\") | .[\"graceful-restart\"].$3"
}
wait_until 20 'test "$(tunnel n1 10.244.2.0/24 endpoint)" = "$GW"' ||
	fail "node 1 has no tunnel to 10.244.2.0/24: $(ctl n1 show tunnels; ctl n1 show bgp routes)"
wait_until 10 'test "$(tunnel n2 10.244.1.0/24 endpoint)" = "$GW"' ||
	fail "node 2 has no tunnel to 10.244.1.0/24: $(ctl n2 show tunnels)"
expect_eq "n1: GR with the gateway" "$(gr n1 "$GW" negotiated)" true
ip netns exec "$NS_P1" ping -c 3 -i 0.2 -W 2 10.244.2.10 >/dev/null ||
	fail "pod 1 cannot reach pod 2 through the gateway"

n1_lines=$(wc -l <"$T_DIR/n1.log")
n2_lines=$(wc -l <"$T_DIR/n2.log")
GW_PID=$(jget "$(ctl gw --json status)" .result.pid)
kill -KILL "$GW_PID"
wait "$GW_PID" 2>/dev/null
wait_until 10 '[ "$(gr n1 "$GW" state)" = restarting ]' ||
	fail "node 1 is not helping: $(ctl n1 --json show bgp peers)"
expect_eq "outage: n1 route stale" "$(route n1 10.244.2.0/24 stale)" true
expect_eq "outage: n1 tunnel" "$(tunnel n1 10.244.2.0/24 endpoint)" "$GW"
ip -n "$NS_N1" route show proto 201 | grep -q "^10.244.2.0/24 dev ferry0" ||
	fail "outage: node 1 lost its overlay route: $(ip -n "$NS_N1" route)"
ip netns exec "$NS_P1" ping -c 3 -i 0.2 -W 2 10.244.2.10 >/dev/null ||
	fail "outage: pods cannot reach each other with the gateway's ferryd down"

lines=$(wc -l <"$T_DIR/gw.log")
ferryd_start "$NS_GW" gw
newlog() { tail -n +"$((lines + 1))" "$T_DIR/gw.log"; }
wait_until 30 'newlog | grep -q "restart complete: reason=\"end-of-rib from every peer\""' ||
	fail "gateway: restart did not complete on the nodes' End-of-RIB: $(newlog | grep -E 'restart|end-of-rib')"
newlog | grep -q "restarting with forwarding state kept" ||
	fail "gateway did not know it restarted"
# It advertised only after both nodes' End-of-RIB.
adv=$(newlog | grep -n "advertising after restart" | head -1 | cut -d: -f1)
for n in 1 2; do
	eor=$(newlog | grep -n "end-of-rib received: peer=$NODE$n " | head -1 | cut -d: -f1)
	[ -n "$adv" ] && [ -n "$eor" ] && [ "$adv" -gt "$eor" ] ||
		fail "gateway advertised before node $n's End-of-RIB: $(newlog | grep -E 'advertising|end-of-rib|session up')"
done
newlog | grep -q "adopted tunnel entries: count=2" ||
	fail "restarted gateway did not adopt the tunnels"
wait_until 20 '[ "$(gr n1 "$GW" state)" = idle ] && [ "$(gr n2 "$GW" state)" = idle ]' ||
	fail "nodes did not finish helping: $(ctl n1 --json show bgp peers)"
expect_eq "after: n1 route fresh" "$(route n1 10.244.2.0/24 'stale // false')" false
expect_eq "after: n1 tunnel" "$(tunnel n1 10.244.2.0/24 endpoint)" "$GW"
# Nothing was taken away downstream, at any moment.
for n in 1 2; do
	eval "from=\$n${n}_lines"
	if tail -n +"$((from + 1))" "$T_DIR/n$n.log" | grep -E "tunnel removed|stale routes removed: .*count=[1-9]"; then
		fail "node $n removed a route or tunnel across the gateway's restart"
	fi
done
newlog | grep "tunnel removed" && fail "restarted gateway removed tunnels it should have kept"
ip netns exec "$NS_P1" ping -c 3 -i 0.2 -W 2 10.244.2.10 >/dev/null ||
	fail "pods cannot reach each other after the gateway restart"
ip netns exec "$NS_P2" ping -c 3 -i 0.2 -W 2 10.244.1.10 >/dev/null ||
	fail "pod 2 cannot reach pod 1 after the gateway restart"
exit 0
