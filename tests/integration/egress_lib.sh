# SPDX-License-Identifier: BSD-2-Clause
#
# Egress gateway topology, sourced after lib.sh.
#
#   pod    10.244.1.10 (selected by the policy) and 10.244.1.11 (not),
#          default route via the node
#   node   ferryd (node config): pod0 10.244.1.1/24, eth0 192.0.2.21/24
#          on the gateway's underlay bridge; iBGP to the gateway, which
#          announces the outside prefix as an overlay route, so pod
#          traffic to it enters the tunnel to the gateway
#   gw     ferryd (gateway config): bridge "under" 192.0.2.1/24; out0
#          203.0.113.1/24 with the egress IP 203.0.113.100, the egress
#          interface; learns the node's PodCIDR as an overlay tunnel, so
#          reverse-translated replies go back through it
#   srv    the outside: 203.0.113.10/24 and 203.0.113.200 (excluded
#          by the policy) on eth0, and a route to the pods
#          via the gateway (so that an unselected pod can be answered)
#
# The outside prefix reaches the node as an overlay route, so pod traffic
# to it enters the tunnel by route; EG_STEER=1 leaves it out and lets the
# node's egr_out steer instead (the replies are then accepted through the
# egress module's source acceptances; see docs/design.md "Egress
# runtime").
. "$(dirname "$0")/overlay_lib.sh"

EG_GW=192.0.2.1
EG_NODE=192.0.2.21
EG_GW_MAC=02:fe:00:00:00:01
EG_NODE_MAC=02:fe:00:00:00:02
EG_POD=10.244.1.10
EG_POD2=10.244.1.11
EG_SRV=203.0.113.10
EG_IP=203.0.113.100
# EG_POOL=1: the egress IP comes from a bgp pool of kind egress and is
# on no interface of the gateway.
[ "${EG_POOL:-0}" = 1 ] && EG_IP=198.51.100.10
EG_SRV_EXCL=203.0.113.200 # in the policy's exclude
EG_PIN=/sys/fs/bpf/ferry-test-$T_ID
T_PINDIRS="$EG_PIN-gw $EG_PIN-node $EG_PIN-gwo $EG_PIN-nodeo"

eg_setup() {
	ovl_netns NS_GW gw
	ovl_netns NS_NODE node
	ovl_netns NS_POD pod
	ovl_netns NS_SRV srv
	ip -n "$NS_GW" -batch - <<-EOF || fail "gateway links"
		link add under address 02:fe:ff:00:00:02 type bridge
		addr add $EG_GW/24 dev under
		link set under up
		link add n1 type veth peer name eth0 netns $NS_NODE
		link set n1 master under up
		link add out0 type veth peer name eth0 netns $NS_SRV
		addr add 203.0.113.1/24 dev out0
		link set out0 up
	EOF
	ip netns exec "$NS_GW" sysctl -qw net.ipv4.ip_forward=1
	# EG_POOL=1: the egress IP is on no interface, only in an egress pool.
	[ "${EG_POOL:-0}" = 1 ] || ip -n "$NS_GW" addr add "$EG_IP/32" dev out0
	ip -n "$NS_NODE" -batch - <<-EOF || fail "node links"
		addr add $EG_NODE/24 dev eth0
		link set eth0 up
		link add pod0 type veth peer name eth0 netns $NS_POD
		addr add 10.244.1.1/24 dev pod0
		link set pod0 up
	EOF
	ip netns exec "$NS_NODE" sysctl -qw net.ipv4.ip_forward=1
	ip -n "$NS_POD" -batch - <<-EOF || fail "pod links"
		addr add $EG_POD/24 dev eth0
		addr add $EG_POD2/24 dev eth0
		link set eth0 up
		route add default via 10.244.1.1
	EOF
	if [ "${EG_ROUTER:-0}" = 1 ]; then
		eg_setup_router
		return
	fi
	ip -n "$NS_SRV" -batch - <<-EOF || fail "server links"
		addr add $EG_SRV/24 dev eth0
		addr add $EG_SRV_EXCL/24 dev eth0
		link set eth0 up
		route add 10.244.0.0/16 via 203.0.113.1
	EOF
	# What the upstream router would learn over BGP from the pool.
	if [ "${EG_POOL:-0}" = 1 ]; then
		ip -n "$NS_SRV" route add "$EG_IP/32" via 203.0.113.1
	fi
	if [ "${EG_V6:-0}" = 1 ]; then
		eg_setup6
	fi
}

# EG_V6=1 (not with EG_ROUTER): IPv6 as well, on every link: the underlay 2001:db8::/64 (so
# the IPv6 PodCIDR's tunnel has an IPv6 endpoint), pods fd00:10:244:1::10
# (selected) and ::11, the outside 2001:db8:113::/64 with the server at
# ::10 and ::200 (excluded: 2001:db8:113::200/125), the egress IP
# 2001:db8:113::100 on out0.
EG6_GW=2001:db8::1
EG6_NODE=2001:db8::21
EG6_POD=fd00:10:244:1::10
EG6_POD2=fd00:10:244:1::11
EG6_SRV=2001:db8:113::10
EG6_SRV_EXCL=2001:db8:113::200
EG6_IP=2001:db8:113::100
eg_setup6() {
	ip -n "$NS_GW" -batch - <<-EOF || fail "gateway IPv6"
		addr add $EG6_GW/64 dev under nodad
		addr add 2001:db8:113::1/64 dev out0 nodad
		addr add $EG6_IP/128 dev out0 nodad
	EOF
	ip netns exec "$NS_GW" sysctl -qw net.ipv6.conf.all.forwarding=1
	ip -n "$NS_NODE" -batch - <<-EOF || fail "node IPv6"
		addr add $EG6_NODE/64 dev eth0 nodad
		addr add fd00:10:244:1::1/64 dev pod0 nodad
	EOF
	ip netns exec "$NS_NODE" sysctl -qw net.ipv6.conf.all.forwarding=1
	ip -n "$NS_POD" -batch - <<-EOF || fail "pod IPv6"
		addr add $EG6_POD/64 dev eth0 nodad
		addr add $EG6_POD2/64 dev eth0 nodad
		route add default via fd00:10:244:1::1
	EOF
	ip -n "$NS_SRV" -batch - <<-EOF || fail "server IPv6"
		addr add $EG6_SRV/64 dev eth0 nodad
		addr add $EG6_SRV_EXCL/64 dev eth0 nodad
		route add fd00:10:244::/48 via 2001:db8:113::1
	EOF
}

# EG_ROUTER=1: a router between the gateway and the server, with a
# 1280-byte MTU link on its server side (the server advertises a
# 1460-byte MSS all the same, advmss on its route, so that the router
# has to ask for less through the NAT): out0 203.0.113.1/28 - rtr
# 203.0.113.2/28, rtr 203.0.113.129/26 - srv 203.0.113.130/26.  The server
# namespace's eth0 then sits on the router instead.
eg_setup_router() {
	ovl_netns NS_RTR rtr
	EG_SRV=203.0.113.130
	ip -n "$NS_GW" -batch - <<-EOF || fail "gateway side of the router"
		addr del 203.0.113.1/24 dev out0
		addr add 203.0.113.1/28 dev out0
		route add 203.0.113.128/26 via 203.0.113.2
	EOF
	ip -n "$NS_SRV" link set eth0 netns "$NS_RTR"
	ip -n "$NS_RTR" -batch - <<-EOF || fail "router links"
		link set eth0 name up0
		addr add 203.0.113.2/28 dev up0
		link set up0 up
		link add down0 mtu 1280 type veth peer name eth0 mtu 1280 netns $NS_SRV
		addr add 203.0.113.129/26 dev down0
		link set down0 up
		route add 10.244.0.0/16 via 203.0.113.1
		route add $EG_IP/32 via 203.0.113.1
	EOF
	ip netns exec "$NS_RTR" sysctl -qw net.ipv4.ip_forward=1
	ip -n "$NS_SRV" -batch - <<-EOF || fail "server links"
		addr add $EG_SRV/26 dev eth0
		link set eth0 up
		route add default via 203.0.113.129 advmss 1460
	EOF
}

# eg_policy: the egress section's policy list, shared by both configs.
# EG_GWLIST: the policy's gateway setting instead of "$EG_GW" (a list).
eg_policies() {
	local gw="\"$EG_GW\""
	[ -n "${EG_GWLIST:-}" ] && gw=$EG_GWLIST
	cat <<-EOF
	policies = (
		{ name = "pod10"; sources = [ "$EG_POD/32"$EG6_SRC ];
		  destinations = [ "203.0.113.0/24"$EG6_DST ];
		  exclude = [ "203.0.113.192/26"$EG6_EXCL ];
		  gateway = $gw; egress-ip = [ "$EG_IP"$EG6_EIP ]; }
	);
	EOF
}

# The IPv6 parts of the configs (EG_V6=1), empty otherwise.
eg_conf6() {
	EG6_SRC= EG6_DST= EG6_EXCL= EG6_EIP= EG6_GWPOOL= EG6_NODEPOOL=
	EG6_GWLOCAL= EG6_NODELOCAL=
	[ "${EG_V6:-0}" = 1 ] || return 0
	EG6_SRC=", \"$EG6_POD/128\""
	EG6_DST=", \"2001:db8:113::/64\""
	EG6_EXCL=", \"2001:db8:113::200/125\""
	EG6_EIP=", \"$EG6_IP\""
	EG6_GWPOOL=", { prefix = \"2001:db8:113::/64\"; kind = \"loadbalancer\"; }"
	EG6_NODEPOOL=", { prefix = \"fd00:10:244:1::/64\"; kind = \"pod\"; }"
	EG6_GWLOCAL="local6 = \"$EG6_GW\";"
	EG6_NODELOCAL="local6 = \"$EG6_NODE\";"
}

eg_gw_conf() {
	eg_conf6
	# EG_STEER=1: the outside is not announced to the node (a null
	# route pool keeps the list valid); the node's egr_out steers.
	EG_OUTPOOL='{ prefix = "203.0.113.0/24"; kind = "loadbalancer"; }'
	[ "${EG_STEER:-0}" = 1 ] &&
		EG_OUTPOOL='{ prefix = "198.18.0.0/24"; kind = "loadbalancer"; }'
	EG_EPOOL=
	[ "${EG_POOL:-0}" = 1 ] &&
		EG_EPOOL=', { prefix = "198.51.100.0/28"; kind = "egress"; }'
	cat >"$T_DIR/gw.conf" <<-CONF
	router-id = "$EG_GW";
	pid-file = "$T_DIR/gw.pid";
	control = { socket = "$T_DIR/gw.sock"; };
	metrics = { listen = "127.0.0.1:9590"; };
	bgp = {
		asn = 65000;
		listen = ("$EG_GW");
		pools = ( $EG_OUTPOOL$EG6_GWPOOL$EG_EPOOL );
		listen-ranges = ( { prefix = "192.0.2.0/24"; rr-client = true;
				    next-hop = "self"; max = 8;
				    overlay = { vni = 7; mac = "$EG_NODE_MAC"; }; ${EG_BFD:-} } );
	};
	overlay = { local = "$EG_GW"; $EG6_GWLOCAL mac = "$EG_GW_MAC"; pin-dir = "$EG_PIN-gwo"; };
	egress = {
		pin-dir = "$EG_PIN-gw";
		interfaces = [ "out0" ];
		nat = { table-size = ${EG_TABLE:-16384}; ${EG_NAT_EXTRA:-} };
		${EG_GATEWAYS:-}
		$(eg_policies)
	};
	CONF
}

eg_node_conf() {
	eg_conf6
	cat >"$T_DIR/node.conf" <<-CONF
	router-id = "$EG_NODE";
	pid-file = "$T_DIR/node.pid";
	control = { socket = "$T_DIR/node.sock"; };
	bgp = {
		asn = 65000;
		listen = ();
		pools = ( { prefix = "10.244.1.0/24"; kind = "pod"; }$EG6_NODEPOOL );
		neighbors = ( { address = "$EG_GW"; asn = 65000; connect-retry = 1;
				overlay = { vni = 7; mac = "$EG_GW_MAC"; }; ${EG_BFD:-} }${EG_NODE_PEERS:-} );
	};
	overlay = { local = "$EG_NODE"; $EG6_NODELOCAL mac = "$EG_NODE_MAC"; pin-dir = "$EG_PIN-nodeo"; };
	egress = {
		pin-dir = "$EG_PIN-node";
		interfaces = [ "eth0" ];
		${EG_GATEWAYS:-}
		$(eg_policies)
	};
	CONF
}

# eg_gw2 [EGRESS_IP]: a second gateway in the policy, gw2 at 192.0.2.2, a
# bgp neighbor of the node that is not there (so never up), with its own
# egress IP if given.
EG_GW2=192.0.2.2
eg_gw2() {
	local eip=
	[ -n "${1:-}" ] && eip="egress-ip = \"$1\";"
	EG_GATEWAYS="gateways = ( { name = \"gw2\"; endpoint = \"$EG_GW2\"; vni = 7;
		mac = \"02:fe:00:00:00:03\"; $eip } );"
	EG_GWLIST="[ \"$EG_GW\", \"gw2\" ]"
	EG_NODE_PEERS=", { address = \"$EG_GW2\"; asn = 65000; connect-retry = 1; }"
}

# eg_daemons: both configs and ferryds (GW_PID, NODE_PID), and the
# gateway's tunnel to the pods.
eg_daemons() {
	eg_gw_conf
	eg_node_conf
	ferryd_start "$NS_GW" gw
	GW_PID=$FERRYD_PID
	ferryd_start "$NS_NODE" node
	NODE_PID=$FERRYD_PID
	wait_until 20 'test "$(eg_tunnel gw 10.244.1.0/24 endpoint)" = "$EG_NODE"' ||
		fail "gateway has no tunnel to the pods: $(ctl gw show tunnels)"
}

# eg_start_steer: eg_setup and eg_daemons for a node that steers
# (EG_STEER=1): its outside traffic leaves by a default route through
# eth0, where egr_out takes it.
eg_start_steer() {
	eg_setup
	ip -n "$NS_NODE" route add default via "$EG_GW"
	eg_daemons
}

eg_tunnel() { # FERRYD PREFIX FIELD
	jget "$(ctl "$1" --json show tunnels)" \
		".result.tunnels[] | select(.prefix == \"$2\") | .[\"$3\"]"
}

# eg_start: both ferryds, and the tunnels BGP feeds in both directions.
eg_start() {
	eg_daemons
	wait_until 10 'test "$(eg_tunnel node 203.0.113.0/24 endpoint)" = "$EG_GW"' ||
		fail "node has no tunnel to the outside: $(ctl node show tunnels)"
}

# eg_diag: what the gateway saw, for a failure message.
eg_diag() {
	echo "--- gateway: show egress"
	ctl gw show egress 2>&1
	echo "--- gateway: show egress nat"
	ctl gw show egress nat 2>&1 | head -20
	echo "--- gateway: show overlay"
	ctl gw show overlay 2>&1 | head -40
}

# eg_xfer PROTO SRC_IP DST_IP ARGS...: egress_xfer.py from the pod to
# the server; prints the server's "peer ..." line.
eg_xfer() {
	local proto=$1 src=$2 dst=$3
	shift 3
	timeout 100 python3 "$(dirname "$0")/egress_xfer.py" "$proto" \
		"$NS_POD" "$src" "$NS_SRV" "$dst" "$@"
}
