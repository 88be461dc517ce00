#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Graceful restart on the overlay with dynamic neighbors: two node
# agents join a gateway through its listen range (iBGP, reflection with
# next hop self), all with graceful restart.  Node 2 is killed (kill -9):
# - the gateway, as helper, keeps node 2's session object and its routes
#   stale, with its tunnel entry toward node 2, and goes on reflecting
#   them, so node 1 keeps its tunnel too; pods keep reaching each other
#   (node 2's datapath outlives its ferryd);
# - node 2 comes back as restarting speaker (R, deferral until the
#   gateway's End-of-RIB) and nobody removes a route or a tunnel entry at
#   any moment.
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

cat >"$T_DIR/gw.conf" <<CONF
router-id = "192.0.2.1";
pid-file = "$T_DIR/gw.pid";
control = { socket = "$T_DIR/gw.sock"; };
log = { level = "debug"; };
bgp = {
	asn = 65000;
	listen = ("$GW");
	graceful-restart = { restart-time = 30; };
	listen-ranges = ( { prefix = "$RANGE"; rr-client = true;
			    next-hop = "self"; max = 8; hold-time = 9; $EXTNH
			    overlay = { vni = 7; mac = "$NODE_MAC"; }; } );
};
overlay = { $LOCAL = "$GW"; mac = "$GW_MAC"; pin-dir = "$PIN-gw"; };
CONF
ferryd_start "$NS_GW" gw
ferryd_start "$NS_N1" n1
ferryd_start "$NS_N2" n2
N2_PID=$FERRYD_PID

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

expect_eq "gateway: GR with node 2" "$(gr gw "${NODE}2" negotiated)" true
n1_lines=$(wc -l <"$T_DIR/n1.log")
gw_lines=$(wc -l <"$T_DIR/gw.log")
kill -KILL "$N2_PID"
wait "$N2_PID" 2>/dev/null
wait_until 10 '[ "$(gr gw "${NODE}2" state)" = restarting ]' ||
	fail "gateway is not helping node 2: $(ctl gw --json show bgp peers)"
expect_eq "outage: gateway route stale" "$(route gw 10.244.2.0/24 stale)" true
expect_eq "outage: gateway tunnel" "$(tunnel gw 10.244.2.0/24 endpoint)" "${NODE}2"
expect_eq "outage: node 1 tunnel" "$(tunnel n1 10.244.2.0/24 endpoint)" "$GW"
ip netns exec "$NS_P1" ping -c 3 -i 0.2 -W 2 10.244.2.10 >/dev/null ||
	fail "outage: pod 1 cannot reach pod 2 with node 2's ferryd down"

lines=$(wc -l <"$T_DIR/n2.log")
ferryd_start "$NS_N2" n2
newlog() { tail -n +"$((lines + 1))" "$T_DIR/n2.log"; }
wait_until 30 'newlog | grep -q "restart complete: reason=\"end-of-rib from every peer\""' ||
	fail "node 2: restart did not complete: $(newlog | grep -E 'restart|end-of-rib')"
newlog | grep -q "restarting with forwarding state kept" ||
	fail "node 2 did not know it restarted"
wait_until 20 '[ "$(gr gw "${NODE}2" state)" = idle ]' ||
	fail "gateway did not finish helping: $(ctl gw --json show bgp peers)"
expect_eq "after: gateway route fresh" "$(route gw 10.244.2.0/24 'stale // false')" false
expect_eq "after: gateway tunnel" "$(tunnel gw 10.244.2.0/24 endpoint)" "${NODE}2"
expect_eq "after: node 1 tunnel" "$(tunnel n1 10.244.2.0/24 endpoint)" "$GW"
if tail -n +"$((gw_lines + 1))" "$T_DIR/gw.log" | grep -E "tunnel removed|stale routes removed|dynamic neighbor gone"; then
	fail "the gateway removed something across node 2's restart"
fi
if tail -n +"$((n1_lines + 1))" "$T_DIR/n1.log" | grep -E "tunnel removed"; then
	fail "node 1 removed a tunnel across node 2's restart"
fi
ip netns exec "$NS_P1" ping -c 3 -i 0.2 -W 2 10.244.2.10 >/dev/null ||
	fail "pods cannot reach each other after node 2's restart"
ip netns exec "$NS_P2" ping -c 3 -i 0.2 -W 2 10.244.1.10 >/dev/null ||
	fail "pod 2 cannot reach pod 1 after its restart"
exit 0
