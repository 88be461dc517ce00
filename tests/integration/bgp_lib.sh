# SPDX-License-Identifier: BSD-2-Clause
#
# Helpers for BGP integration tests, sourced after lib.sh: real BIRD 2
# instances in the test's namespaces, each with its own config, control
# socket and pid file under T_DIR, stopped by pid on exit.
#
# Topology of bgp_topo: namespace "gw" (ferryd) and "up" (the upstream
# router) joined by a veth pair:
#	gw  192.0.2.1/24    2001:db8::1/64
#	up  192.0.2.254/24  2001:db8::254/64

GW4=192.0.2.1
GW6=2001:db8::1
UP4=192.0.2.254
UP6=2001:db8::254

bgp_topo() {
	NS_GW=$(netns_add gw)
	NS_UP=$(netns_add up)
	ip -n "$NS_GW" link add eth0 type veth peer name eth0 netns "$NS_UP"
	ip -n "$NS_GW" addr add "$GW4/24" dev eth0
	ip -n "$NS_GW" addr add "$GW6/64" dev eth0 nodad
	ip -n "$NS_UP" addr add "$UP4/24" dev eth0
	ip -n "$NS_UP" addr add "$UP6/64" dev eth0 nodad
	ip -n "$NS_GW" link set eth0 up
	ip -n "$NS_UP" link set eth0 up
}

# bird_start NS NAME [BIRD ARGS]: start BIRD in NS with
# $T_DIR/NAME.bird.conf; sets BIRD_PID (ip netns exec execs bird).
bird_start() {
	local ns=$1 name=$2
	shift 2
	rm -f "$T_DIR/$name.bird.sock"
	ip netns exec "$ns" bird -f -c "$T_DIR/$name.bird.conf" \
		-s "$T_DIR/$name.bird.sock" -P "$T_DIR/$name.bird.pid" "$@" \
		>>"$T_DIR/$name.bird.log" 2>&1 &
	BIRD_PID=$!
	track_pid "$BIRD_PID"
	wait_for 10 test -S "$T_DIR/$name.bird.sock" ||
		fail "BIRD $name did not start: $(cat "$T_DIR/$name.bird.log")"
}

# birdc NAME CMD...: query BIRD NAME.
birdc_q() {
	local name=$1
	shift
	birdc -s "$T_DIR/$name.bird.sock" "$@"
}

# bird_established NAME PROTO: is BIRD's protocol PROTO Established?
bird_established() {
	birdc_q "$1" show protocols "$2" | grep -q Established
}

# ferry_peer_state NAME ADDR: state of peer ADDR in ferryd NAME.
ferry_peer_state() {
	jget "$(ctl "$1" --json show bgp peers)" \
		".result.peers[] | select(.address == \"$2\") | .state"
}

ferry_established() {
	test "$(ferry_peer_state "$1" "$2")" = Established
}

# ferry_peer NAME ADDR FIELD: a field of peer ADDR in ferryd NAME.
ferry_peer() {
	jget "$(ctl "$1" --json show bgp peers)" \
		".result.peers[] | select(.address == \"$2\") | .[\"$3\"]"
}

# stub_link ROUTER_NS HOST_NS ROUTER_ADDR HOST_ADDR: a /24 veth link,
# eth1 on the router, eth0 on the host, whose default route it is.
stub_link() {
	ip -n "$1" link add eth1 type veth peer name eth0 netns "$2"
	ip -n "$1" addr add "$3/24" dev eth1
	ip -n "$2" addr add "$4/24" dev eth0
	ip -n "$1" link set eth1 up
	ip -n "$2" link set eth0 up
	ip -n "$2" route add default via "$3"
}

# xfer_gw_conf [GR_EXTRA] [POD_POOL]: gw's ferryd config for the GR
# tests: eBGP to up with graceful restart (restart-time 30, plus
# GR_EXTRA), the pod pool (default 10.244.0.0/24) exported, the client's
# prefix imported.
xfer_gw_conf() {
	ferryd_conf gw "router-id = \"$GW4\";
bgp = {
	asn = 65000;
	listen = (\"$GW4\");
	graceful-restart = { restart-time = 30; ${1:-} };
	pools = ( { prefix = \"${2:-10.244.0.0/24}\"; kind = \"pod\"; } );
	neighbors = (
		{ address = \"$UP4\"; asn = 65100; hold-time = 9;
		  connect-retry = 1; families = (\"ipv4\");
		  export = { pools = (\"pod\"); };
		  import = { prefixes = (\"198.51.100.0/24\"); }; }
	);
};" >/dev/null
}

# bgp_topo_xfer: bgp_topo plus a pod behind gw and a client behind up,
# both routers forwarding (the transfer tests across restarts):
#	cl 198.51.100.2 -- up 198.51.100.1 | gw 10.244.0.1 -- pod 10.244.0.2
# Sets NS_POD and NS_CL.
bgp_topo_xfer() {
	bgp_topo
	NS_POD=$(netns_add pod)
	NS_CL=$(netns_add cl)
	stub_link "$NS_GW" "$NS_POD" 10.244.0.1 10.244.0.2
	stub_link "$NS_UP" "$NS_CL" 198.51.100.1 198.51.100.2
	ip netns exec "$NS_GW" sysctl -qw net.ipv4.ip_forward=1
	ip netns exec "$NS_UP" sysctl -qw net.ipv4.ip_forward=1
}
