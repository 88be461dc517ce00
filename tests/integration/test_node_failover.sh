#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The node role end to end, with two gateways:
#
#   out (198.51.100.10) -- up (BIRD, AS 65100) --+-- g1 (ferryd, 192.0.2.1)
#                                                +-- g2 (ferryd, 192.0.2.2)
#   g1, g2 and the nodes n1..n3 (192.0.2.2N) share an underlay bridge in
#   "sw"; pod pN (10.244.N.10) sits behind node N.
#
# Each gateway: eBGP with BFD (100 ms x 3) to BIRD, announcing the pool
# 10.244.0.0/16 and learning 198.51.100.0/24; a listen range for the
# nodes (route reflector, next hop self, BFD 100 ms x 3, overlay);
# graceful restart on.  Each node: iBGP with BFD and graceful restart
# to both gateways, its PodCIDR announced, the cluster's routes as
# overlay tunnels.  A prefix has one tunnel endpoint: the best path's
# gateway (g1, lower router id); g2's path is the backup in the RIB.
# BIRD holds best + backup too (g1 best, g2 backup), the best in its
# kernel.
#
# Checked: sessions and routes everywhere; pod to pod across nodes and
# pod to the outside; then, with a ping every 10 ms from pod 1 to the
# outside host running:
# - g1's links cut (tc drops, links stay up): the nodes' tunnels and
#   BIRD's best path move to g2 within 1 s of the cut, and the stream
#   loses at most 1 s of packets;
# - g1's ferryd killed (kill -9), then started again: the same (the
#   nodes' BFD Down ends their graceful-restart help: routes move), and
#   all comes back to g1 when it is up;
# - g1's ferryd restarted gracefully (SIGTERM, started again): nothing
#   moves at the nodes (no tunnel changed or removed, both paths kept:
#   the BFD AdminDown it sends on exit is not a failure).  BIRD takes
#   its session down on our AdminDown (a BFD Down to BIRD 2.0.12): its
#   best moves to g2 and back; meanwhile replies come back by g2 and
#   the node drops them (see below), so the stream loses that time.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bgp_lib.sh"
. "$(dirname "$0")/bfd_lib.sh"
need_root
need_cmd jq bird birdc tc ping nsenter

G1=192.0.2.1 G2=192.0.2.2
G1_MAC=02:fe:00:00:00:01 G2_MAC=02:fe:00:00:00:03
NODE_MAC=02:fe:00:00:00:02
OUT=198.51.100.10
PIN=/sys/fs/bpf/ferry-test-$T_ID
T_PINDIRS="$PIN-g1 $PIN-g2 $PIN-n1 $PIN-n2 $PIN-n3"
t_cleanup_extra() { rm -rf $T_PINDIRS; }
BFD='bfd = { min-tx = 100; min-rx = 100; multiplier = 3; };'
HOLD=9 BIRD_BFD=on LIMIT=1000 GR=30
# bench/failover/run runs this topology as a measurement:
# FAILOVER_MEASURE=hold (no BFD, hold time 3 s, keepalive 1 s, and no
# graceful restart: with it a hold timer expiry is graceful, and the
# routes would stay for the restart time) or bfd only measures the cut,
# without the 1 s limit, and prints the results.
case ${FAILOVER_MEASURE:-} in
hold) BFD="" HOLD=3 BIRD_BFD=off LIMIT=10000 GR=0 ;;
bfd) LIMIT=10000 ;;
esac
GR_CONF="{ restart-time = $GR; }"
[ "$GR" = 0 ] && GR_CONF=false

NS_SW=$(netns_add sw)
NS_UP=$(netns_add up)
NS_OUT=$(netns_add out)
ip -n "$NS_SW" link add under type bridge
ip -n "$NS_SW" link set under up
ip -n "$NS_UP" link add out0 type veth peer name eth0 netns "$NS_OUT"
ip -n "$NS_UP" addr add 198.51.100.1/24 dev out0
ip -n "$NS_UP" link set out0 up
ip netns exec "$NS_UP" sysctl -qw net.ipv4.ip_forward=1
ip -n "$NS_OUT" addr add "$OUT/24" dev eth0
ip -n "$NS_OUT" link set eth0 up
ip -n "$NS_OUT" route add default via 198.51.100.1

gw_setup() { # N: gateway N, underlay 192.0.2.N, upstream link 100.64.N.0/24
	local n=$1 ns mac
	ns=$(netns_add "g$n")
	eval "NS_G$n=$ns"
	mac=$G1_MAC
	[ "$n" = 2 ] && mac=$G2_MAC
	ip -n "$ns" link add eth0 type veth peer name "g$n" netns "$NS_SW"
	ip -n "$NS_SW" link set "g$n" master under up
	ip -n "$ns" addr add "192.0.2.$n/24" dev eth0
	ip -n "$ns" link set eth0 up
	ip -n "$ns" link add up0 type veth peer name "g$n" netns "$NS_UP"
	ip -n "$ns" addr add "100.64.$n.1/24" dev up0
	ip -n "$ns" link set up0 up
	ip -n "$NS_UP" addr add "100.64.$n.254/24" dev "g$n"
	ip -n "$NS_UP" link set "g$n" up
	ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1
	ferryd_conf "g$n" "router-id = \"192.0.2.$n\";
log = { level = \"debug\"; };
bgp = {
	asn = 65000;
	listen = (\"192.0.2.$n\", \"100.64.$n.1\");
	graceful-restart = $GR_CONF;
	pools = ( { prefix = \"10.244.0.0/16\"; kind = \"pod\"; } );
	neighbors = ( { name = \"upstream\"; address = \"100.64.$n.254\";
			asn = 65100; hold-time = $HOLD; connect-retry = 1;
			families = (\"ipv4\"); $BFD
			export = { pools = (\"pod\"); };
			import = { prefixes = (\"198.51.100.0/24\"); }; } );
	listen-ranges = ( { prefix = \"192.0.2.0/24\"; rr-client = true;
			    next-hop = \"self\"; max = 8; hold-time = $HOLD; $BFD
			    overlay = { vni = 7; mac = \"$NODE_MAC\"; }; } );
};
overlay = { local = \"192.0.2.$n\"; mac = \"$mac\"; pin-dir = \"$PIN-g$n\"; };" \
		>/dev/null
}

node_setup() { # N: node N at 192.0.2.2N with PodCIDR 10.244.N.0/24
	local n=$1 node pod
	node=$(netns_add "n$n")
	pod=$(netns_add "p$n")
	eval "NS_N$n=$node NS_P$n=$pod"
	ip -n "$node" link add eth0 type veth peer name "n$n" netns "$NS_SW"
	ip -n "$NS_SW" link set "n$n" master under up
	ip -n "$node" addr add "192.0.2.2$n/24" dev eth0
	ip -n "$node" link set eth0 up
	ip netns exec "$node" sysctl -qw net.ipv4.ip_forward=1
	ip -n "$node" link add pod0 type veth peer name eth0 netns "$pod"
	ip -n "$node" addr add "10.244.$n.1/24" dev pod0
	ip -n "$node" link set pod0 up
	ip -n "$pod" addr add "10.244.$n.10/24" dev eth0
	ip -n "$pod" link set eth0 up
	ip -n "$pod" route add default via "10.244.$n.1"
	ferryd_conf "n$n" "router-id = \"192.0.2.2$n\";
log = { level = \"debug\"; };
bgp = {
	asn = 65000;
	listen = ();
	graceful-restart = $GR_CONF;
	pools = ( { prefix = \"10.244.$n.0/24\"; kind = \"pod\"; } );
	neighbors = (
		{ name = \"g1\"; address = \"$G1\"; asn = 65000; hold-time = $HOLD;
		  connect-retry = 1; $BFD
		  overlay = { vni = 7; mac = \"$G1_MAC\"; }; },
		{ name = \"g2\"; address = \"$G2\"; asn = 65000; hold-time = $HOLD;
		  connect-retry = 1; $BFD
		  overlay = { vni = 7; mac = \"$G2_MAC\"; }; } );
};
overlay = { local = \"192.0.2.2$n\"; mac = \"$NODE_MAC\"; pin-dir = \"$PIN-n$n\"; };" \
		>/dev/null
}

gw_setup 1
gw_setup 2
for n in 1 2 3; do node_setup "$n"; done

cat >"$T_DIR/up.bird.conf" <<CONF
router id 100.64.1.254;
log "$T_DIR/up.bird.trace" all;
protocol device { }
protocol direct { ipv4; interface "out0"; }
protocol kernel { ipv4 { export where source = RTS_BGP; }; }
protocol bfd {
	interface "g*" {
		min rx interval 100 ms; min tx interval 100 ms;
		idle tx interval 1000 ms; multiplier 3;
	};
}
template bgp ferry {
	local as 65100;
	hold time $HOLD;
	error wait time 1, 2;
	connect retry time 1;
	graceful restart on;
	bfd $BIRD_BFD;
	debug { states, routes, events };
	ipv4 { import all; export where source = RTS_DEVICE; };
}
protocol bgp g1 from ferry { neighbor 100.64.1.1 as 65000; }
protocol bgp g2 from ferry { neighbor 100.64.2.1 as 65000; }
CONF
# The shipped examples (docs/node.md) are this topology's g1 and n1:
# they must pass ferryd -n where their addresses exist.
top=$(cd "$(dirname "$0")/../.." && pwd)
in_netns "$NS_G1" "$FERRYD" -n -c "$top/conf/gateway-ha.conf" ||
	fail "conf/gateway-ha.conf does not check"
in_netns "$NS_N1" "$FERRYD" -n -c "$top/conf/node-agent.conf" ||
	fail "conf/node-agent.conf does not check"
bird_start "$NS_UP" up
ferryd_start "$NS_G1" g1
G1_PID=$FERRYD_PID
ferryd_start "$NS_G2" g2
for n in 1 2 3; do ferryd_start "$(eval echo "\$NS_N$n")" "n$n"; done

tunnel() { # FERRYD PREFIX FIELD
	jget "$(ctl "$1" --json show tunnels)" \
		".result.tunnels[] | select(.prefix == \"$2\") | .[\"$3\"]"
}
accepted() { # FERRYD PREFIX: the endpoints PREFIX is accepted from by BGP
	jget "$(ctl "$1" --json show tunnels)" \
		".result[\"accepted-sources\"][] | select(.prefix == \"$2\" and .source == \"bgp\") | .endpoint" |
		sort | tr '\n' ' '
}
npaths() { # FERRYD PREFIX: how many of the gateways sent PREFIX
	local g n=0 c
	for g in "$G1" "$G2"; do
		c=$(jget "$(ctl "$1" --json show bgp routes received --peer "$g" "$2")" \
			'[.result.routes[]?] | length')
		[ "${c:-0}" -ge 1 ] && n=$((n + 1))
	done
	echo "$n"
}
# up_via: the gateway BIRD's kernel route to the pool goes through (1/2).
up_via() {
	ip -n "$NS_UP" route show 10.244.0.0/16 2>/dev/null |
		sed -n 's/.* via 100\.64\.\([12]\)\.1 .*/\1/p'
}
bird_best() { # the gateway of BIRD's best path to the pool
	birdc_q up show route 10.244.0.0/16 primary |
		sed -n 's/.*\[g\([12]\) .*\*.*/\1/p' | head -1
}

# Everything up: every node Established with both gateways, BIRD with both.
for n in 1 2 3; do
	for g in "$G1" "$G2"; do
		wait_for 30 ferry_established "n$n" "$g" ||
			fail "node $n: no session with $g: $(ctl "n$n" show bgp peers)"
		[ -z "$BFD" ] || wait_for 10 ferry_bfd_up "n$n" "$g" ||
			fail "node $n: BFD to $g not Up: $(ctl "n$n" show bfd)"
	done
done
for g in g1 g2; do
	wait_for 30 bird_established up "$g" ||
		fail "BIRD: no session with $g: $(birdc_q up show protocols)"
done
# Routes: each node has every other node's PodCIDR from both gateways,
# tunnelled to g1 (best); the outside prefix too.
for n in 1 2 3; do
	for m in 1 2 3; do
		[ "$m" = "$n" ] && continue
		p=10.244.$m.0/24
		wait_until 20 'test "$(tunnel n$n $p endpoint)" = "$G1"' ||
			fail "node $n: no tunnel to $p via g1: $(ctl "n$n" show tunnels)"
		wait_until 10 'test "$(npaths n$n $p)" = 2' ||
			fail "node $n: $p not from both gateways: $(ctl "n$n" show bgp routes received)"
		ip -n "$(eval echo "\$NS_N$n")" route show proto 201 |
			grep -q "^$p dev ferry0" ||
			fail "node $n: no overlay route for $p"
	done
	wait_until 20 'test "$(tunnel n$n 198.51.100.0/24 endpoint)" = "$G1"' ||
		fail "node $n: no tunnel to the outside: $(ctl "n$n" show tunnels)"
done
# BIRD: the pool from both gateways, g1 best, g2 backup.
wait_until 20 'test "$(birdc_q up show route 10.244.0.0/16 | grep -c "via 100.64")" = 2' ||
	fail "BIRD: pool not from both gateways: $(birdc_q up show route all)"
wait_until 10 'test "$(up_via)" = 1' ||
	fail "BIRD: kernel route not via g1: $(ip -n "$NS_UP" route)"
expect_eq "BIRD best" "$(bird_best)" 1
log "BIRD: $(birdc_q up show route 10.244.0.0/16 | tr -s ' \n' ' ')"

ip netns exec "$NS_P1" ping -c 3 -i 0.2 -W 2 10.244.2.10 >/dev/null ||
	fail "pod 1 cannot reach pod 2"
ip netns exec "$NS_P3" ping -c 3 -i 0.2 -W 2 10.244.1.10 >/dev/null ||
	fail "pod 3 cannot reach pod 1"
ip netns exec "$NS_P2" ping -c 3 -i 0.2 -W 2 "$OUT" >/dev/null ||
	fail "pod 2 cannot reach the outside"

# ---- measuring a failover -------------------------------------------------

# stream_start [N]: ping the outside from pod 1 every 10 ms, N packets
# (default 500: 5 s).
stream_start() {
	STREAM_N=${1:-500}
	ip netns exec "$NS_P1" ping -n -D -O -i 0.01 -c "$STREAM_N" -W 1 "$OUT" \
		>"$T_DIR/stream.out" 2>&1 &
	STREAM_PID=$!
	sleep 0.5
}
# stream_lost: packets lost by the stream, in LOST (waits for it; not
# in $(...): the subshell could not wait for the ping).
stream_lost() {
	local rx
	wait "$STREAM_PID"
	rx=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$T_DIR/stream.out")
	[ -n "$rx" ] || fail "ping stream: $(tail -5 "$T_DIR/stream.out")"
	cp "$T_DIR/stream.out" "$T_DIR/stream.$STREAM_N.$(now_ms).txt"
	LOST=$((STREAM_N - rx))
}

# wait_moved T0 LIMIT: poll (cheaply: the kernel, log files) until BIRD's
# kernel route goes via g2 and every node logged its tunnel to the
# others' PodCIDRs changed to g2; sets UP_MS, NODE_MS (the slowest node).
wait_moved() {
	local t0=$1 limit=$2 n m t
	UP_MS=""
	while :; do
		t=$(($(now_ms) - t0))
		if [ -z "$UP_MS" ] && [ "$(up_via)" = 2 ]; then
			UP_MS=$t
		fi
		[ -n "$UP_MS" ] && break
		[ "$t" -gt $((limit * 3)) ] && break
		sleep 0.01
	done
	# The nodes' logs: until every node logged its move (or time is up).
	until [ $(($(now_ms) - t0)) -gt $((limit * 3)) ]; do
		t=0
		for n in 1 2 3; do
			m=$((n % 3 + 1))
			[ -n "$(log_ms_after "$T_DIR/n$n.log" "$t0" \
				"overlay: tunnel changed: prefix=10.244.$m.0/24 source=bgp owner=$G2")" ] ||
				t=1
		done
		[ "$t" = 0 ] && break
		sleep 0.05
	done
	NODE_MS=0
	for n in 1 2 3; do
		for m in 1 2 3; do
			[ "$m" = "$n" ] && continue
			t=$(log_ms_after "$T_DIR/n$n.log" "$t0" \
				"overlay: tunnel changed: prefix=10.244.$m.0/24 source=bgp owner=$G2")
			[ -n "$t" ] ||
				fail "node $n: tunnel to 10.244.$m.0/24 not moved to g2: $(ctl "n$n" show tunnels)"
			[ "$t" -gt "$NODE_MS" ] && NODE_MS=$t
		done
	done
}

# failover HOW: take g1 away (cut | kill), check that everything moved
# to g2 within 1 s and the stream lost at most 1 s; HOW's undo brings
# g1 back and waits until g1 is best again everywhere.
failover() {
	local how=$1 t0 lost
	stream_start "${STREAM_CUT:-500}"
	t0=$(now_ms)
	case $how in
	cut)
		link_cut "$NS_G1" eth0 "$NS_SW" g1
		link_cut "$NS_G1" up0 "$NS_UP" g1
		;;
	kill)
		kill -KILL "$G1_PID"
		;;
	esac
	wait_moved "$t0" "$LIMIT"
	stream_lost
	lost=$LOST
	log "$how: BIRD kernel route via g2 after ${UP_MS:-never} ms; nodes' tunnels moved after ${NODE_MS} ms (slowest, logged); stream lost $lost of $STREAM_N (10 ms apart)"
	FAILOVER_RESULTS="${FAILOVER_RESULTS:-}$how up=${UP_MS} nodes=${NODE_MS} lost=$lost; "
	[ -n "$UP_MS" ] && [ "$UP_MS" -lt "$LIMIT" ] ||
		fail "$how: BIRD moved to g2 after ${UP_MS:-never} ms: $(birdc_q up show route 10.244.0.0/16)"
	[ "$NODE_MS" -lt "$LIMIT" ] ||
		fail "$how: nodes moved to g2 after $NODE_MS ms"
	[ "$lost" -le $((LIMIT / 10)) ] ||
		fail "$how: the stream lost $lost packets (> 1 s)"
	for n in 1 2 3; do
		ferry_established "n$n" "$G1" &&
			fail "$how: node $n still Established with g1"
	done
	case $how in
	cut)
		link_restore "$NS_G1" eth0 "$NS_SW" g1
		link_restore "$NS_G1" up0 "$NS_UP" g1
		;;
	kill)
		wait "$G1_PID" 2>/dev/null
		ferryd_start "$NS_G1" g1
		G1_PID=$FERRYD_PID
		;;
	esac
	wait_back "$how"
}

wait_back() {
	local n m p
	for n in 1 2 3; do
		wait_for 30 ferry_established "n$n" "$G1" ||
			fail "after $1: node $n not back with g1: $(ctl "n$n" show bgp peers)"
		for m in 1 2 3; do
			[ "$m" = "$n" ] && continue
			p=10.244.$m.0/24
			wait_until 20 'test "$(tunnel n$n $p endpoint)" = "$G1"' ||
				fail "after $1: node $n: $p not back to g1"
		done
	done
	wait_until 30 'test "$(up_via)" = 1' ||
		fail "after $1: BIRD not back to g1: $(birdc_q up show route 10.244.0.0/16)"
	wait_for 10 bird_established up g1 || fail "after $1: BIRD g1 down"
}

if [ -n "${FAILOVER_MEASURE:-}" ]; then
	STREAM_CUT=1000
	failover cut
	echo "results: $FAILOVER_RESULTS"
	exit 0
fi
failover cut
failover kill

# ---- a graceful restart of g1 moves nothing at the nodes -----------------

# gr_restart term|kill9: stop g1 that way and start it again, with the
# stream running; no node may change or remove a tunnel, drop a path or
# see BFD down, and the stream may lose nothing.
gr_restart() {
	local how=$1 n m p lost l l1 l2 l3 gl t0
	l1=$(wc -l <"$T_DIR/n1.log") l2=$(wc -l <"$T_DIR/n2.log")
	l3=$(wc -l <"$T_DIR/n3.log")
	gl=$(wc -l <"$T_DIR/g1.log")
	drops0=$(ctl n1 show overlay | grep -iE 'spoof|source' | tr -s ' \n' ' ')
	stream_start 1000
	t0=$(now_ms)
	case $how in
	term) kill -TERM "$G1_PID" ;;
	kill9) kill -KILL "$G1_PID" ;;
	esac
	wait "$G1_PID" 2>/dev/null
	# BIRD may move to g2 (its BFD session went Down); the nodes do not.
	UP_MS=""
	while [ $(($(now_ms) - t0)) -lt 3000 ]; do
		if [ "$(up_via)" = 2 ]; then
			UP_MS=$(($(now_ms) - t0))
			break
		fi
		sleep 0.01
	done
	# BIRD's part is recorded, not asserted: whether and when it takes
	# its session down on our AdminDown is BIRD's business.
	# During the outage: every node keeps its tunnels to g1 and g1's paths.
	sleep 1
	for n in 1 2 3; do
		# The outside is accepted from both gateways: g1's path is
		# stale, g2's the one BIRD's replies take now.
		expect_eq "$how outage: node $n accepts 198.51.100.0/24 from" \
			"$(accepted "n$n" 198.51.100.0/24)" \
			"$(printf '%s\n' "$G1" "$G2" | sort | tr '\n' ' ')"
		for m in 1 2 3; do
			[ "$m" = "$n" ] && continue
			p=10.244.$m.0/24
			expect_eq "$how outage: node $n tunnel $p" \
				"$(tunnel "n$n" "$p" endpoint)" "$G1"
			expect_eq "$how outage: node $n paths for $p" \
				"$(npaths "n$n" "$p")" 2
		done
	done
	ferryd_start "$NS_G1" g1
	G1_PID=$FERRYD_PID
	wait_until 30 'tail -n +"$((gl + 1))" "$T_DIR/g1.log" | grep -q "restart complete"' ||
		fail "$how: g1's restart did not complete"
	stream_lost
	lost=$LOST
	log "$how: node 1 overlay source-check counters before: $drops0; after: $(ctl n1 show overlay | grep -iE 'spoof|source' | tr -s ' \n' ' ')"
	wait_back "gr-$how"
	for n in 1 2 3; do
		eval "l=\$l$n"
		if tail -n +"$((l + 1))" "$T_DIR/n$n.log" |
			grep -E "overlay: tunnel (changed|removed)|stale routes removed"; then
			fail "$how: node $n moved something across g1's graceful restart"
		fi
	done
	log "gr $how: nodes kept g1; BIRD kernel route via g2 after ${UP_MS:-never (3 s)} ms; stream lost $lost of $STREAM_N"
	GR_RESULTS="${GR_RESULTS:-}$how up=$UP_MS lost=$lost; "
	# While BIRD sends the replies by g2, the nodes accept them: every
	# gateway that announces a prefix is an accepted source for it, not
	# only the tunnel's (bgpd's per-path acceptances).  Nothing is lost
	# then; the bound leaves room for a reply or two in flight while
	# BIRD's kernel route changes (10 ms apart, so 5 is 50 ms).
	log "gr $how: stream lost $lost (bound 5)"
	[ "$lost" -le 5 ] || fail "$how: the stream lost $lost packets (> 5)"
}
gr_restart term
log "results: $FAILOVER_RESULTS $GR_RESULTS"
exit 0
