#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Egress steering of traffic the node routes into the overlay itself.
#
#   sw     bridges "under" (192.0.2.0/24) and "outer" (203.0.113.0/24)
#   gwK    K = 1, 2: ferryd, u0 192.0.2.K on under, out0 203.0.113.K and
#          its own egress IP 203.0.113.20K on outer; each announces the
#          outside, 203.0.113.0/24, to the node as an overlay route
#   node   ferryd, eth0 192.0.2.21 on under, pod0 to the pod; its route
#          to the outside is the overlay's, to the best path's gateway
#   pod    10.244.1.10 (the policy's source)
#   srv    203.0.113.10 and .11 ... .50, on outer
#
# The pod's packets to the outside enter the vxlan device by that route
# and never pass egr_out on the node's uplink; egr_ovl_out, first on the
# vxlan device's tcx egress, gives them the policy's gateway choice all
# the same (docs/design.md, "Egress high availability"):
#   - 40 connections, one per remote, are spread over both gateways (by
#     the source the server sees), not all sent to the best path's;
#   - egr_ovl_out runs ahead of ovl_egress, and so it stays across a
#     restart of the node's ferryd (its pinned link adopted);
#   - gw1's links cut: new connections of the same pairs all go by gw2.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/overlay_lib.sh"
. "$(dirname "$0")/bfd_lib.sh"
need_root
need_cmd jq python3 timeout bpftool
PIN=/sys/fs/bpf/ferry-test-$T_ID
T_PINDIRS=
for h in gw1 gw2 node; do
	T_PINDIRS="$T_PINDIRS $PIN-$h $PIN-${h}o"
done
CONNS="$(dirname "$0")/egress_conns.py"
PORT=5312
BFD='bfd = { min-tx = 100; min-rx = 100; multiplier = 3; };'
NODE_MAC=02:fe:00:00:01:01

gw_mac() { echo "02:fe:00:00:00:0$1"; }

egress_conf() { # NAME IFACE
	cat <<-EOF
	egress = {
		pin-dir = "$PIN-$1";
		interfaces = [ "$2" ];
		gateways = (
			{ name = "gw1"; endpoint = "192.0.2.1"; vni = 7;
			  mac = "$(gw_mac 1)"; egress-ip = "203.0.113.201"; },
			{ name = "gw2"; endpoint = "192.0.2.2"; vni = 7;
			  mac = "$(gw_mac 2)"; egress-ip = "203.0.113.202"; }
		);
		policies = (
			{ name = "pod10"; sources = [ "10.244.1.10/32" ];
			  destinations = [ "203.0.113.0/24" ];
			  gateway = [ "gw1", "gw2" ]; }
		);
	};
	EOF
}

gw_conf() { # K
	local k=$1
	cat >"$T_DIR/gw$k.conf" <<-CONF
	router-id = "192.0.2.$k";
	pid-file = "$T_DIR/gw$k.pid";
	control = { socket = "$T_DIR/gw$k.sock"; };
	bgp = {
		asn = 65000;
		listen = ( "192.0.2.$k" );
		pools = ( { prefix = "203.0.113.0/24"; kind = "loadbalancer"; } );
		listen-ranges = ( { prefix = "192.0.2.21/32"; rr-client = true;
			next-hop = "self"; max = 1; $BFD
			overlay = { vni = 7; mac = "$NODE_MAC"; }; } );
	};
	overlay = { local = "192.0.2.$k"; mac = "$(gw_mac "$k")"; pin-dir = "$PIN-gw${k}o"; };
	$(egress_conf "gw$k" out0)
	CONF
}

node_conf() {
	local k peers= sep=
	for k in 1 2; do
		peers="$peers$sep{ address = \"192.0.2.$k\"; asn = 65000;
			connect-retry = 1; $BFD
			overlay = { vni = 7; mac = \"$(gw_mac "$k")\"; }; }"
		sep=", "
	done
	cat >"$T_DIR/node.conf" <<-CONF
	router-id = "192.0.2.21";
	pid-file = "$T_DIR/node.pid";
	control = { socket = "$T_DIR/node.sock"; };
	bgp = {
		asn = 65000;
		listen = ();
		pools = ( { prefix = "10.244.1.0/24"; kind = "pod"; } );
		neighbors = ( $peers );
	};
	overlay = { local = "192.0.2.21"; mac = "$NODE_MAC"; pin-dir = "$PIN-nodeo"; };
	$(egress_conf node eth0)
	CONF
}

ovl_netns NS_SW sw
ovl_netns NS_SRV srv
ovl_netns NS_NODE node
ovl_netns NS_POD pod
ip -n "$NS_SW" -batch - <<-EOF || fail "switch"
	link add under type bridge
	link set under up
	link add outer type bridge
	link set outer up
	link add s0 type veth peer name eth0 netns $NS_SRV
	link set s0 master outer up
	link add n1 type veth peer name eth0 netns $NS_NODE
	link set n1 master under up
EOF
ip -n "$NS_SRV" addr add 203.0.113.10/24 dev eth0
ip -n "$NS_SRV" link set eth0 up
for i in $(seq 11 50); do
	echo "addr add 203.0.113.$i/32 dev eth0"
done | ip -n "$NS_SRV" -batch - || fail "server addresses"
for k in 1 2; do
	ovl_netns "NS_GW$k" "gw$k"
	ns=fy-$T_ID-gw$k
	ip -n "$NS_SW" -batch - <<-EOF || fail "gateway $k links"
		link add u$k type veth peer name u0 netns $ns
		link set u$k master under up
		link add o$k type veth peer name out0 netns $ns
		link set o$k master outer up
	EOF
	ip -n "$ns" -batch - <<-EOF || fail "gateway $k addresses"
		addr add 192.0.2.$k/24 dev u0
		link set u0 up
		addr add 203.0.113.$k/24 dev out0
		addr add 203.0.113.20$k/32 dev out0
		link set out0 up
	EOF
	ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1
done
# No route of its own to the outside: only the gateways' overlay route.
ip -n "$NS_NODE" -batch - <<-EOF || fail "node links"
	addr add 192.0.2.21/24 dev eth0
	link set eth0 up
	link add pod0 type veth peer name eth0 netns $NS_POD
	addr add 10.244.1.1/24 dev pod0
	link set pod0 up
EOF
ip netns exec "$NS_NODE" sysctl -qw net.ipv4.ip_forward=1
ip -n "$NS_POD" -batch - <<-EOF || fail "pod"
	addr add 10.244.1.10/24 dev eth0
	link set eth0 up
	route add default via 10.244.1.1
EOF

for k in 1 2; do
	gw_conf "$k"
	ferryd_start "fy-$T_ID-gw$k" "gw$k"
done
node_conf
ferryd_start "$NS_NODE" node
NODE_PID=$FERRYD_PID
for k in 1 2; do
	wait_for 20 ferry_bfd_up node "192.0.2.$k" ||
		fail "node: BFD to gw$k not up: $(ctl node show bfd)"
	wait_until 20 "test \"\$(jget \"\$(ctl gw$k --json show tunnels)\" '.result.tunnels[] | select(.prefix == \"10.244.1.0/24\") | .endpoint')\" = 192.0.2.21" ||
		fail "gw$k has no tunnel to the pods: $(ctl "gw$k" show tunnels)"
done
expect_eq "node: gateways up" \
	"$(jget "$(ctl node --json show egress gateways)" '[.result.gateways[] | select(.state == "up") | .name] | join(",")')" \
	"gw1,gw2"
# The outside is an overlay route: the node routes it into the vxlan
# device, to one gateway, and egr_out on eth0 never sees it.
wait_until 20 "in_netns '$NS_NODE' ip route get 203.0.113.11 | grep -q 'dev ferry0'" ||
	fail "the node does not route the outside into the overlay: $(in_netns "$NS_NODE" ip route get 203.0.113.11)"
log "node's route to the outside: $(in_netns "$NS_NODE" ip route get 203.0.113.11 | head -1)"

# The programs on the vxlan device's tcx egress, in the order they run.
ovl_chain() { ovl_tcx_names "$NS_NODE" ferry0 egress | paste -sd, -; }
expect_eq "node: vxlan egress chain" "$(ovl_chain)" "egr_ovl_out,ovl_egress"
[ -e "$PIN-node/egr_ovl_out_link" ] || fail "egr_ovl_out's link is not pinned"

ip netns exec "$NS_SRV" timeout 120 python3 "$CONNS" server 0.0.0.0 "$PORT" 110 \
	>"$T_DIR/srv.out" 2>&1 &
track_pid $!
wait_until 5 'grep -q ready "$T_DIR/srv.out"' || fail "server did not start"

# clients TAG SECONDS: 40 connections from the pod, to .11 ... .50.
clients() {
	ip netns exec "$NS_POD" timeout $(($2 + 20)) python3 "$CONNS" \
		client 10.244.1.10 203.0.113 11 40 "$PORT" "$2" \
		>"$T_DIR/$1.out" 2>&1 &
	track_pid $!
	wait_until 20 "grep -q '^ready' '$T_DIR/$1.out'" ||
		fail "connections not up: $(tail -3 "$T_DIR/$1.out") $(ctl node show egress)"
}
# on TAG IP: how many of TAG's connections were carried as IP.
on() { awk -v ip="$2" '$1 == "conn" && $4 == ip' "$T_DIR/$1.out" | wc -l; }
steered() { jget "$(ctl node --json show egress)" .result.counters.steered.packets; }

# spread TAG: both gateways carry a fair share of TAG's connections.
spread() {
	local k c
	for k in 1 2; do
		c=$(on "$1" "203.0.113.20$k")
		log "$1: gw$k carries $c of 40 connections"
		[ "$c" -ge 8 ] || fail "$1: gw$k carries only $c of 40 connections: $(ctl node show egress)"
	done
	expect_eq "$1: connections carried" $(($(on "$1" 203.0.113.201) + $(on "$1" 203.0.113.202))) 40
}

s0=$(steered)
clients a 3
spread a
[ "$(steered)" -gt "$s0" ] || fail "the node counted nothing steered"
wait_until 10 "test \"\$(jget \"\$(ctl node --json show egress gateways)\" '[.result.gateways[].flows // 0] | add')\" = 40" ||
	fail "node: pinned flows: $(ctl node show egress gateways)"

# A restart of the node's ferryd: the pinned link is adopted, still first.
kill -TERM "$NODE_PID"
wait "$NODE_PID" 2>/dev/null
expect_eq "vxlan egress chain with ferryd stopped" "$(ovl_chain)" "egr_ovl_out,ovl_egress"
ferryd_start "$NS_NODE" node
for k in 1 2; do
	wait_for 20 ferry_bfd_up node "192.0.2.$k" ||
		fail "node: BFD to gw$k not up after the restart"
done
expect_eq "vxlan egress chain after the restart" "$(ovl_chain)" "egr_ovl_out,ovl_egress"
clients b 3
spread b
for i in $(seq 0 39); do
	a=$(awk -v i="$i" '$1 == "conn" && $2 == i { print $4 }' "$T_DIR/a.out")
	b=$(awk -v i="$i" '$1 == "conn" && $2 == i { print $4 }' "$T_DIR/b.out")
	[ "$a" = "$b" ] || fail "connection $i moved from $a to $b across the restart"
done

# gw1 dies: the node takes it out of the set and its pairs go by gw2.
t0=$(now_ms)
link_cut "fy-$T_ID-gw1" u0 "$NS_SW" u1
link_cut "fy-$T_ID-gw1" out0 "$NS_SW" o1
wait_until 5 "grep -q 'egress: gateway down: endpoint=192.0.2.1\$' '$T_DIR/node.log'" ||
	fail "node kept gw1: $(tail -5 "$T_DIR/node.log")"
log "gw1 out of the set after $(log_ms_after "$T_DIR/node.log" "$t0" "egress: gateway down: endpoint=192.0.2.1") ms"
clients c 3
expect_eq "connections by gw2 with gw1 cut" "$(on c 203.0.113.202)" 40
link_restore "fy-$T_ID-gw1" u0 "$NS_SW" u1
link_restore "fy-$T_ID-gw1" out0 "$NS_SW" o1
exit 0
