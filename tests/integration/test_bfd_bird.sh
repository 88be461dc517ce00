#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# ferryd and BIRD 2 over eBGP with BFD, 100 ms x 3: single hop (RFC 5881)
# on the IPv4 session, multihop (RFC 5883, port 4784) on the IPv6 one
# (eBGP multihop 2 on both sides; BIRD sends multihop BFD with TTL 64, so
# max-hops 200):
# - BFD comes Up on both sides (ferryctl show bfd, birdc show bfd
#   sessions) and BGP is Established with routes;
# - malformed, short, unknown-discriminator, unexpectedly signed and
#   TTL 254 packets are dropped and counted, the session stays Up;
# - cutting the link (tc drops on both ends, link left up) takes the
#   BGP sessions down in under a second, routes out of the RIB and the
#   kernel; BGP stays down while BFD is; restoring brings all back;
# - a reload with other intervals moves them by Poll, without a flap;
# - Keyed SHA1 (single hop) and Meticulous Keyed SHA1 (multihop) with
#   BIRD: Up with the right keys; a wrong key keeps the session Down and
#   is counted as auth drops;
# - a reload without BFD removes the BFD session and keeps BGP.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bgp_lib.sh"
. "$(dirname "$0")/bgp_peers.sh"
. "$(dirname "$0")/bfd_lib.sh"
need_root
need_cmd jq bird birdc tc python3

# gw_conf BFD4 BFD6: ferryd's config with the given bfd values.
gw_conf() {
	ferryd_conf gw "router-id = \"$GW4\";
metrics = { listen = \"127.0.0.1:9582\"; };
bgp = {
	asn = 65000;
	listen = (\"$GW4\", \"$GW6\");
	pools = ( { prefix = \"10.244.0.0/16\"; kind = \"pod\"; },
		  { prefix = \"2001:db8:244::/48\"; kind = \"pod\"; } );
	neighbors = (
		{ address = \"$UP4\"; asn = 65100; hold-time = 9;
		  connect-retry = 1; families = (\"ipv4\");
		  export = { pools = (\"pod\"); };
		  import = { prefixes = (\"198.51.100.0/24\"); };
		  bfd = $1; },
		{ address = \"$UP6\"; asn = 65100; hold-time = 9;
		  connect-retry = 1; families = (\"ipv6\"); multihop = 2;
		  export = { pools = (\"pod\"); };
		  import = { prefixes = (\"2001:db8:51::/48\"); };
		  bfd = $2; }
	);
};" >/dev/null
}

# bird_conf AUTH [BFD6 [MHAUTH]]: BIRD's config, AUTH the lines of its
# bfd interface, BFD6 the bfd option of its IPv6 session (default on),
# MHAUTH those of its multihop sessions (default AUTH).
bird_conf() {
	cat >"$T_DIR/up.bird.conf" <<CONF
router id $UP4;
log "$T_DIR/up.bird.trace" all;
protocol device { }
protocol bfd {
	interface "eth0" {
		min rx interval 100 ms;
		min tx interval 100 ms;
		idle tx interval 1000 ms;
		multiplier 3;
		$1
	};
	multihop {
		min rx interval 100 ms;
		min tx interval 100 ms;
		idle tx interval 1000 ms;
		multiplier 3;
		${3-$1}
	};
}
protocol static s4 { ipv4; route 198.51.100.0/24 blackhole; }
protocol static s6 { ipv6; route 2001:db8:51::/48 blackhole; }
template bgp ferry {
	local as 65100;
	hold time 9;
	error wait time 1, 2;
	connect retry time 1;
	bfd on;
}
protocol bgp f4 from ferry {
	neighbor $GW4 as 65000;
	ipv4 { import all; export where source = RTS_STATIC; };
}
protocol bgp f6 from ferry {
	local $UP6 as 65100;
	neighbor $GW6 as 65000;
	multihop 2;
	bfd ${2:-on};
	ipv6 { import all; export where source = RTS_STATIC; };
}
CONF
}

bird_bfd_up() {
	birdc_q up show bfd sessions | grep -E "^$1 " | grep -q " Up "
}

reload_gw() {
	ctl gw reload >/dev/null || fail "ferryctl reload ($1)"
}

BFD100="{ min-tx = 100; min-rx = 100; multiplier = 3; }"
MH100="{ min-tx = 100; min-rx = 100; multiplier = 3; multihop = true; max-hops = 200; }"
bgp_topo
gw_conf "$BFD100" "$MH100"
bird_conf ""
bird_start "$NS_UP" up
ferryd_start "$NS_GW" gw -d

# Up on both sides, BGP Established, routes in.
for a in "$UP4" "$UP6"; do
	wait_for 20 ferry_bfd_up gw "$a" ||
		fail "ferryd: BFD to $a not Up: $(ctl gw show bfd)"
	wait_for 20 ferry_established gw "$a" ||
		fail "ferryd: BGP to $a not up: $(ctl gw show bgp peers)"
done
for a in "$GW4" "$GW6"; do
	wait_for 10 bird_bfd_up "$a" ||
		fail "BIRD: BFD to $a not Up: $(birdc_q up show bfd sessions)"
done
wait_for 10 in_fib fib4 "^198\.51\.100\.0/24 via $UP4 " ||
	fail "IPv4 route not in the kernel: $(fib4)"
wait_for 10 in_fib fib6 "^2001:db8:51::/48 via " ||
	fail "IPv6 route not in the kernel: $(fib6)"
log "BIRD: $(birdc_q up show bfd sessions | tr '\n' ';')"
ctl gw show bfd | grep -Eq "^$UP4 +Up +Up " ||
	fail "ferryctl show bfd: $(ctl gw show bfd)"
ctl gw show bfd
# Negotiated 100 ms both ways, detection 300 ms.
wait_until 5 'test "$(ferry_bfd gw $UP4 tx-interval-us)" = 100000' ||
	fail "tx interval: $(ferry_bfd gw "$UP4" tx-interval-us)"
expect_eq "detect time" "$(ferry_bfd gw "$UP4" detect-time-us)" 300000
expect_eq "auth" "$(ferry_bfd gw "$UP4" auth)" none
expect_eq "IPv4 single hop" "$(ferry_bfd gw "$UP4" multihop)" false
expect_eq "IPv6 multihop" "$(ferry_bfd gw "$UP6" multihop)" true
birdc_q up show bfd sessions | grep -E "^$GW6 " | grep -q -- "---" ||
	log "BIRD's IPv6 session (multihop shows no interface): $(birdc_q up show bfd sessions | grep "^$GW6 ")"
# Metrics.
need_cmd curl
metrics=$(ip netns exec "$NS_GW" curl -sf http://127.0.0.1:9582/metrics) ||
	fail "no metrics"
echo "$metrics" | grep -q "^ferry_bfd_session_up{peer=\"$UP4\"} 1$" ||
	fail "metrics: $(echo "$metrics" | grep bfd)"
echo "$metrics" | grep -q "^ferry_bfd_packets_total{peer=\"$UP6\",direction=\"in\"} [1-9]" ||
	fail "metrics: $(echo "$metrics" | grep bfd)"
[ "$(ferry_bfd gw "$UP4" remote-discriminator)" -ne 0 ] ||
	fail "remote discriminator not learned"
ctl gw --json show bfd | jq -e '.result.sessions | length == 2' >/dev/null ||
	fail "show bfd --json: $(ctl gw --json show bfd)"
sleep 1
ferry_bfd_up gw "$UP4" || fail "BFD flapped"

# Bad input, from BIRD's namespace, on both families.
check_bad_input gw "$UP4" "$GW4"
# Multihop, max-hops 200: TTL 56 is the least accepted.
check_bad_input gw "$UP6" "$GW6" 4784 55
metrics=$(ip netns exec "$NS_GW" curl -sf http://127.0.0.1:9582/metrics)
echo "$metrics" | grep -q '^ferry_bfd_drops_total{reason="ttl"} 10$' ||
	fail "drop metrics: $(echo "$metrics" | grep bfd_drops)"

# Cut: BGP down in under a second, routes gone; it stays down.
flaps4=$(ferry_peer gw "$UP4" flaps)
measure_down gw "$UP4" 198.51.100.0/24 fib4 1000
D4="kernel $KERNEL_MS (logged $LOG_MS/$LOGFIB_MS)"
wait_for 2 sh -c "! '$FERRYCTL' -s '$T_DIR/gw.sock' --json show bgp routes 2001:db8:51::/48 | grep -q prefix" ||
	fail "IPv6 route not withdrawn after the cut"
D6=$(log_ms_after "$T_DIR/gw.log" "$CUT_T0" "bgp: session down: peer=$UP6 ")
[ -n "$D6" ] && [ "$D6" -lt 1000 ] || fail "IPv6 session down at ${D6:-never} ms"
expect_eq "last error" "$(ferry_peer gw "$UP4" last-error)" \
	"sent NOTIFICATION 6/10 (BFD down): BFD down"
expect_eq "BFD diag" "$(ferry_bfd gw "$UP4" diag)" \
	"control detection time expired"
sleep 2
expect_eq "BGP while BFD is down" "$(ferry_peer_state gw "$UP4")" Idle

# Restore: BFD Up again, then BGP and the routes.
t0=$(now_ms)
link_restore
for a in "$UP4" "$UP6"; do
	wait_for 20 ferry_bfd_up gw "$a" || fail "BFD to $a not back Up"
	wait_for 30 ferry_established gw "$a" ||
		fail "BGP to $a not back: $(ctl gw show bgp peers)"
done
log "restored: BFD and BGP back after $(($(now_ms) - t0)) ms"
wait_for 10 in_fib fib4 "^198\.51\.100\.0/24 via $UP4 " ||
	fail "IPv4 route not back in the kernel: $(fib4)"
expect_eq "flaps after the cut" "$(ferry_peer gw "$UP4" flaps)" $((flaps4 + 1))

# Reload with other intervals: a Poll Sequence, no flap of BFD or BGP.
changes=$(ferry_bfd gw "$UP4" state-changes)
flaps4=$(ferry_peer gw "$UP4" flaps)
gw_conf "{ min-tx = 200; min-rx = 250; multiplier = 4; }" "$MH100"
reload_gw intervals
wait_until 5 'test "$(ferry_bfd gw $UP4 tx-interval-us)" = 200000' ||
	fail "tx interval after reload: $(ferry_bfd gw "$UP4" tx-interval-us)"
wait_until 5 'test "$(ferry_bfd gw $UP4 detect-time-us)" = 750000' ||
	fail "detect time after reload: $(ferry_bfd gw "$UP4" detect-time-us)"
sleep 1
expect_eq "BFD state changes after reload" \
	"$(ferry_bfd gw "$UP4" state-changes)" "$changes"
expect_eq "BGP flaps after reload" "$(ferry_peer gw "$UP4" flaps)" "$flaps4"
birdc_q up show bfd sessions | grep -E "^$GW4 " | grep -q " Up " ||
	fail "BIRD: BFD left Up on reload: $(birdc_q up show bfd sessions)"

# Keyed SHA1 on both sides: Up.
SHA="{ min-tx = 100; min-rx = 100; auth = { type = \"sha1\"; key-id = 1; key = \"secret\"; }; }"
MHSHA="{ min-tx = 100; min-rx = 100; multihop = true; max-hops = 200; auth = { type = \"meticulous-sha1\"; key-id = 2; key = \"other\"; }; }"
gw_conf "$SHA" "$MHSHA"
reload_gw sha1
MHAUTH='authentication meticulous keyed sha1; password "other" { id 2; };'
bird_conf 'authentication keyed sha1; password "secret" { id 1; };' on "$MHAUTH"
birdc_q up configure >/dev/null || fail "birdc configure"
for a in "$UP4" "$UP6"; do
	wait_for 20 ferry_bfd_up gw "$a" ||
		fail "BFD with SHA1 to $a not Up: $(ctl gw show bfd)"
	wait_for 30 ferry_established gw "$a" ||
		fail "BGP to $a not up with BFD SHA1: $(ctl gw show bgp peers)"
done
expect_eq "auth" "$(ferry_bfd gw "$UP4" auth)" sha1
expect_eq "auth" "$(ferry_bfd gw "$UP6" auth)" meticulous-sha1
a0=$(ferry_bfd_drops gw "$UP4" auth)
sleep 1
ferry_bfd_up gw "$UP4" || fail "SHA1 session not stable"
expect_eq "auth drops with the right key" "$(ferry_bfd_drops gw "$UP4" auth)" "$a0"

# A wrong key: stays Down, BIRD's packets counted as auth drops.
WRONG="{ min-tx = 100; min-rx = 100; auth = { type = \"sha1\"; key-id = 1; key = \"wrong\"; }; }"
gw_conf "$WRONG" "$MHSHA"
reload_gw "wrong key"
# BIRD, Down, sends once a second (its idle tx interval).
wait_until 6 'test "$(ferry_bfd_drops gw $UP4 auth)" -ge 3' ||
	fail "wrong key: auth drops $(ferry_bfd_drops gw "$UP4" auth)"
ferry_bfd_is gw "$UP4" Down || fail "BFD with a wrong key: $(ctl gw show bfd)"
expect_eq "packets accepted with a wrong key" \
	"$(ferry_bfd gw "$UP4" packets-in)" 0
ferry_bfd_up gw "$UP6" || fail "the other session left Up"

# BFD off on both sides, BGP kept.  BIRD 2.0.12 drops a removed BFD
# session silently (no AdminDown), and takes its BGP session down when
# the peer's BFD says AdminDown, so the order is: ferryd first slows its
# detection to 6 s (a Poll, no flap), BIRD stops BFD, and ferryd removes
# its BFD session before it would have noticed.
flaps6=$(ferry_peer gw "$UP6" flaps)
since6=$(ferry_peer gw "$UP6" since)
SLOW="{ min-tx = 100; min-rx = 2000; multihop = true; max-hops = 200; auth = { type = \"meticulous-sha1\"; key-id = 2; key = \"other\"; }; }"
gw_conf "$WRONG" "$SLOW"
reload_gw "slow detection"
wait_until 5 'test "$(ferry_bfd gw $UP6 detect-time-us)" = 6000000' ||
	fail "detect time: $(ferry_bfd gw "$UP6" detect-time-us)"
ferry_bfd_up gw "$UP6" || fail "BFD flapped on the slower detection"
bird_conf 'authentication keyed sha1; password "secret" { id 1; };' off "$MHAUTH"
birdc_q up configure >/dev/null || fail "birdc configure (bfd off)"
gw_conf "$WRONG" false
reload_gw "bfd removed"
wait_until 5 'test "$(ctl gw --json show bfd | jq ".result.sessions | map(select(.peer == \"$UP6\")) | length")" = 0' ||
	fail "BFD session not removed: $(ctl gw show bfd)"
sleep 2
expect_eq "BGP after BFD removal" "$(ferry_peer_state gw "$UP6")" Established
expect_eq "BGP flaps after BFD removal" "$(ferry_peer gw "$UP6" flaps)" "$flaps6"
expect_eq "BGP since after BFD removal" "$(ferry_peer gw "$UP6" since)" "$since6"
log "detection, ms after the cut (kernel route gone, polled; logged session-down/fib): IPv4 $D4, IPv6 logged $D6"
exit 0
