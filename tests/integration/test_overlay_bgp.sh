#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Two ferryd node agents, each with its own PodCIDR, join a gateway
# ferryd through its listen range (iBGP, route reflection with next hop
# self).  Routes learned from cluster peers are overlay routes: each node
# gets a tunnel entry toward the gateway for the other's PodCIDR, the
# gateway one toward each node, and the pods reach each other through the
# gateway's tunnels.  A node going away withdraws its tunnels everywhere.
#
# With OVL_BGP_UNDERLAY=6 (test_overlay_bgp6.sh) the underlay is IPv6 only:
# the IPv4 PodCIDRs go over IPv6 sessions with extended next hops (RFC
# 8950), so their next hops, and the tunnel endpoints, are IPv6.
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
	neighbors = ( { address = "$GW"; asn = 65000; connect-retry = 1;
			$EXTNH
			overlay = { vni = 7; mac = "$GW_MAC"; }; } );
};
overlay = { $LOCAL = "$NODE$n"; mac = "$NODE_MAC"; pin-dir = "$PIN-n$n"; };
CONF
}
node_setup 1
node_setup 2

cat >"$T_DIR/gw.conf" <<CONF
router-id = "192.0.2.1";
pid-file = "$T_DIR/gw.pid";
control = { socket = "$T_DIR/gw.sock"; };
bgp = {
	asn = 65000;
	listen = ("$GW");
	listen-ranges = ( { prefix = "$RANGE"; rr-client = true;
			    next-hop = "self"; max = 8; $EXTNH
			    overlay = { vni = 7; mac = "$NODE_MAC"; }; } );
};
overlay = { $LOCAL = "$GW"; mac = "$GW_MAC"; pin-dir = "$PIN-gw"; };
CONF
ferryd_start "$NS_GW" gw
ferryd_start "$NS_N1" n1
N1_PID=$FERRYD_PID
ferryd_start "$NS_N2" n2
N2_PID=$FERRYD_PID

tunnel() { # FERRYD PREFIX FIELD
	jget "$(ctl "$1" --json show tunnels)" \
		".result.tunnels[] | select(.prefix == \"$2\") | .[\"$3\"]"
}
wait_until 20 'test "$(tunnel n1 10.244.2.0/24 endpoint)" = "$GW"' ||
	fail "node 1 has no tunnel to 10.244.2.0/24: $(ctl n1 show tunnels; ctl n1 show bgp routes)"
wait_until 10 'test "$(tunnel n2 10.244.1.0/24 endpoint)" = "$GW"' ||
	fail "node 2 has no tunnel to 10.244.1.0/24: $(ctl n2 show tunnels)"
expect_eq "source" "$(tunnel n1 10.244.2.0/24 source)" bgp
expect_eq "vni" "$(tunnel n1 10.244.2.0/24 vni)" 7
expect_eq "mac" "$(tunnel n1 10.244.2.0/24 mac)" "$GW_MAC"
expect_eq "gateway -> node 1" "$(tunnel gw 10.244.1.0/24 endpoint)" "${NODE}1"
expect_eq "gateway -> node 2" "$(tunnel gw 10.244.2.0/24 endpoint)" "${NODE}2"
expect_eq "gateway mac" "$(tunnel gw 10.244.2.0/24 mac)" "$NODE_MAC"
# Overlay routes go to the vxlan device (201), not the FIB as gateways.
ip -n "$NS_N1" route show proto 201 | grep -q "^10.244.2.0/24 dev ferry0" ||
	fail "node 1 route: $(ip -n "$NS_N1" route)"
ip -n "$NS_N1" route show proto 202 | grep -q 10.244.2.0 &&
	fail "node 1 installed an overlay route as a gateway route"

ip netns exec "$NS_P1" ping -c 3 -i 0.2 -W 2 10.244.2.10 >/dev/null ||
	fail "pod 1 cannot reach pod 2 through the gateway"
ip netns exec "$NS_P2" ping -c 3 -i 0.2 -W 2 10.244.1.10 >/dev/null ||
	fail "pod 2 cannot reach pod 1 through the gateway"
[ "$(tunnel gw 10.244.2.0/24 tx-packets)" -ge 3 ] ||
	fail "traffic did not cross the gateway's tunnel: $(ctl gw show tunnels)"

# Node 1's overlay settings for the gateway change by reload: the routes
# it learned are handed out again, as tunnels with the new VNI, then (no
# overlay group) as gateway routes in the FIB, then back; the session is
# never reset.
n1_flaps() {
	jget "$(ctl n1 --json show bgp peers)" \
		".result.peers[] | select(.address == \"$GW\") | .flaps"
}
flaps=$(n1_flaps)
n1_reload() { # what the reload is for; the config is edited before
	ctl n1 reload >/dev/null || fail "node 1: reload ($1)"
}
cp "$T_DIR/n1.conf" "$T_DIR/n1.conf.orig"
sed -i 's/overlay = { vni = 7;/overlay = { vni = 9;/' "$T_DIR/n1.conf"
n1_reload "VNI 9"
wait_until 10 'test "$(tunnel n1 10.244.2.0/24 vni)" = 9' ||
	fail "node 1: tunnel not moved to VNI 9: $(ctl n1 show tunnels)"
sed -i 's/overlay = { vni = 9; mac = "[^"]*"; };//' "$T_DIR/n1.conf"
n1_reload "no overlay"
wait_until 10 'test -z "$(tunnel n1 10.244.2.0/24 endpoint)"' ||
	fail "node 1: tunnel kept without overlay: $(ctl n1 show tunnels)"
wait_until 10 'ip -n "$NS_N1" route show proto 202 | grep -q "^10.244.2.0/24"' ||
	fail "node 1: no gateway route without overlay: $(ip -n "$NS_N1" route)"
cp "$T_DIR/n1.conf.orig" "$T_DIR/n1.conf"
n1_reload "overlay back"
wait_until 10 'test "$(tunnel n1 10.244.2.0/24 vni)" = 7' ||
	fail "node 1: tunnel not back: $(ctl n1 show tunnels)"
wait_until 10 '! ip -n "$NS_N1" route show proto 202 | grep -q 10.244.2.0' ||
	fail "node 1: gateway route left: $(ip -n "$NS_N1" route)"
expect_eq "node 1: session resets by the overlay changes" "$(n1_flaps)" "$flaps"
ip netns exec "$NS_P1" ping -c 3 -i 0.2 -W 2 10.244.2.10 >/dev/null ||
	fail "pods cannot reach each other after the overlay changes"

# The gateway is killed and restarted: it adopts the BGP-fed tunnels it
# finds and keeps them until BGP claims them again, so it removes none
# (removing them until the nodes are back would cut pod traffic).
GW_PID=$(jget "$(ctl gw --json status)" .result.pid)
kill -KILL "$GW_PID"
wait "$GW_PID" 2>/dev/null
lines=$(wc -l <"$T_DIR/gw.log")
ferryd_start "$NS_GW" gw
wait_until 20 'test "$(tunnel gw 10.244.2.0/24 source)" = bgp' ||
	fail "BGP did not reclaim the adopted tunnel: $(ctl gw show tunnels)"
wait_until 10 'test "$(tunnel gw 10.244.1.0/24 source)" = bgp' ||
	fail "BGP did not reclaim node 1's tunnel: $(ctl gw show tunnels)"
tail -n +"$((lines + 1))" "$T_DIR/gw.log" | grep -q "adopted tunnel entries: count=2" ||
	fail "restarted gateway did not adopt the tunnels"
tail -n +"$((lines + 1))" "$T_DIR/gw.log" | grep "tunnel removed" &&
	fail "restarted gateway removed tunnels it should have kept"
ip netns exec "$NS_P1" ping -c 3 -i 0.2 -W 2 10.244.2.10 >/dev/null ||
	fail "pods cannot reach each other after the gateway restart"

# Node 2 leaves: its PodCIDR is withdrawn from the gateway and node 1.
kill -TERM "$N2_PID"
wait_until 10 'test -z "$(tunnel gw 10.244.2.0/24 endpoint)"' ||
	fail "gateway kept node 2's tunnel"
wait_until 10 'test -z "$(tunnel n1 10.244.2.0/24 endpoint)"' ||
	fail "node 1 kept the tunnel to node 2's pods"
ip -n "$NS_N1" route show proto 201 | grep -q 10.244.2.0 &&
	fail "node 1 kept the route to node 2's pods"
kill -0 "$N1_PID" || fail "node 1 died"
exit 0
