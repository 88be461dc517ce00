#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Graceful restart (RFC 4724) between ferryd and BIRD 2, both roles, over
# an IPv4 and an IPv6 session:
# - helper: BIRD is killed (kill -9) and started again in recovery mode
#   (bird -R) from a config that no longer has one of its routes.  During
#   the outage ferryd keeps BIRD's routes, marked stale, in its RIB and
#   in the kernel; after BIRD's End-of-RIB the route it no longer sends is
#   gone and the others are fresh, and no kept kernel route was ever
#   deleted;
# - restarting speaker: ferryd is killed (kill -9), then stopped by
#   SIGTERM, and started again each time.  During the outage BIRD keeps
#   ferryd's routes (BIRD's log shows the restart detected and no route
#   removed) and ferryd's kernel routes stay; the new ferryd sends R and
#   F, defers its advertisement until BIRD's End-of-RIB, adopts its
#   kernel routes and ends where it was;
# - BIRD back without recovery mode (no F bit): its stale routes go at
#   once; BIRD gone for longer than its restart time: they go then.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bgp_lib.sh"
need_root
need_cmd jq bird birdc curl

bgp_topo
ferryd_conf gw "router-id = \"$GW4\";
log = { level = \"debug\"; };
metrics = { listen = \"127.0.0.1:9582\"; };
bgp = {
	asn = 65000;
	listen = (\"$GW4\", \"$GW6\");
	graceful-restart = { restart-time = 30; stale-time = 60; };
	pools = (
		{ prefix = \"10.244.0.0/16\"; kind = \"pod\"; },
		{ prefix = \"2001:db8:244::/48\"; kind = \"pod\"; }
	);
	neighbors = (
		{ address = \"$UP4\"; asn = 65100; hold-time = 9;
		  connect-retry = 1; families = (\"ipv4\");
		  export = { pools = (\"pod\"); };
		  import = { prefixes = (\"198.51.0.0/16 le 32\"); }; },
		{ address = \"$UP6\"; asn = 65100; hold-time = 9;
		  connect-retry = 1; families = (\"ipv6\");
		  export = { pools = (\"pod\"); };
		  import = { prefixes = (\"2001:db8:51::/48 le 64\"); }; }
	);
};" >/dev/null

# bird_conf EXTRA_ROUTE: BIRD's config; EXTRA_ROUTE is a static route
# line (or nothing) next to the two it always has.
bird_conf() {
	cat >"$T_DIR/up.bird.conf" <<CONF
router id $UP4;
log "$T_DIR/up.bird.trace" all;
graceful restart wait 20;
protocol device { }
protocol static s4 {
	ipv4;
	route 198.51.100.0/24 blackhole;
	$1
}
protocol static s6 {
	ipv6;
	route 2001:db8:51::/48 blackhole;
}
template bgp ferry {
	local as 65100;
	hold time 9;
	error wait time 1, 4;
	connect retry time 1;
	graceful restart on;
	graceful restart time $GRT;
	debug { events, states, routes };
}
protocol bgp f4 from ferry {
	neighbor $GW4 as 65000;
	ipv4 { import all; export where source = RTS_STATIC; };
}
protocol bgp f6 from ferry {
	neighbor $GW6 as 65000;
	ipv6 { import all; export where source = RTS_STATIC; };
}
CONF
}

fib4() { ip -n "$NS_GW" route show proto 202; }
fib6() { ip -n "$NS_GW" -6 route show proto 202; }
in_fib4() { fib4 | grep -q "^$1 via $UP4 "; }
bird_has() { birdc_q up show route protocol "$1" | grep -q "^$2 "; }
ferry_route() {
	jget "$(ctl gw --json show bgp routes received --peer "$1")" \
		".result.routes[] | select(.prefix == \"$2\") | $3"
}
ferry_gr() {
	jget "$(ctl gw --json show bgp peers)" \
		".result.peers[] | select(.address == \"$1\") | .[\"graceful-restart\"].$2"
}
ferry_has() { test -n "$(ferry_route "$1" "$2" .prefix)"; }
ferry_lacks() { ! ferry_has "$@"; }
both_up() {
	bird_established up f4 && bird_established up f6 &&
		ferry_established gw "$UP4" && ferry_established gw "$UP6"
}

GRT=30
bird_conf "route 198.51.101.0/24 blackhole;"
bird_start "$NS_UP" up
ferryd_start "$NS_GW" gw
wait_for 20 both_up || fail "sessions not up: $(ctl gw show bgp peers)"
wait_for 10 in_fib4 198.51.101.0/24 || fail "not in the kernel: $(fib4)"
wait_for 10 bird_has f4 10.244.0.0/16 || fail "BIRD lacks the pod pool"
wait_for 10 bird_has f6 2001:db8:244::/48 || fail "BIRD lacks the IPv6 pod pool"
expect_eq "GR negotiated (IPv4)" "$(ferry_gr "$UP4" negotiated)" true
expect_eq "GR negotiated (IPv6)" "$(ferry_gr "$UP6" negotiated)" true
expect_eq "BIRD's restart time" "$(ferry_gr "$UP4" '"peer-restart-time"')" 30

# ---- ferryd as helper: BIRD dies and comes back --------------------------
log "helper: kill -9 BIRD"
ip -n "$NS_GW" monitor route >"$T_DIR/gw.routes" 2>&1 &
track_pid $!
kill -9 "$BIRD_PID"
wait "$BIRD_PID" 2>/dev/null
wait_for 10 sh -c "! '$FERRYCTL' -s '$T_DIR/gw.sock' show bgp peers | grep -q Established" ||
	fail "ferryd did not notice BIRD's death"
wait_until 5 '[ "$(ferry_gr "$UP4" state)" = restarting ]' ||
	fail "helper not restarting: $(ctl gw --json show bgp peers)"
for p in 198.51.100.0/24 198.51.101.0/24; do
	expect_eq "outage: $p stale" "$(ferry_route "$UP4" "$p" .stale)" true
	in_fib4 "$p" || fail "outage: $p left the kernel: $(fib4)"
done
expect_eq "outage: IPv6 route stale" \
	"$(ferry_route "$UP6" 2001:db8:51::/48 .stale)" true
fib6 | grep -q "^2001:db8:51::/48 " || fail "outage: IPv6 route left the kernel"
expect_eq "outage: stale count" "$(ferry_gr "$UP4" '"stale-routes"')" 2
metrics=$(ip netns exec "$NS_GW" curl -sf http://127.0.0.1:9582/metrics) ||
	fail "metrics endpoint"
echo "$metrics" | grep -q "^ferry_bgp_stale_routes{peer=\"$UP4\"} 2$" ||
	fail "outage: stale routes metric: $(echo "$metrics" | grep stale)"
ctl gw show bgp peers | grep -q restarting ||
	fail "ferryctl table shows no helper state: $(ctl gw show bgp peers)"
sleep 2
in_fib4 198.51.100.0/24 || fail "outage: route left the kernel after 2 s"

# Back in recovery mode, without 198.51.101.0/24.
bird_conf ""
bird_start "$NS_UP" up -R
wait_for 30 both_up || fail "sessions not back: $(ctl gw show bgp peers)"
wait_for 30 ferry_lacks "$UP4" 198.51.101.0/24 ||
	fail "route BIRD no longer sends still held: $(ctl gw show bgp routes)"
wait_for 10 sh -c "! ip -n $NS_GW route show proto 202 | grep -q 198.51.101.0/24" ||
	fail "route BIRD no longer sends still in the kernel: $(fib4)"
wait_until 10 '[ "$(ferry_gr "$UP4" state)" = idle ]' ||
	fail "helper did not finish: $(ctl gw --json show bgp peers)"
expect_eq "after: 198.51.100.0/24 fresh" \
	"$(ferry_route "$UP4" 198.51.100.0/24 '.stale // false')" false
expect_eq "after: stale count" "$(ferry_gr "$UP4" '"stale-routes"')" 0
wait_until 10 '[ "$(ferry_gr "$UP6" state)" = idle ]' || fail "IPv6 helper did not finish"
in_fib4 198.51.100.0/24 || fail "after: route not in the kernel: $(fib4)"
grep -q "stale routes removed: peer=$UP4 families=0x1 count=1 reason=\"end-of-rib\"" \
	"$T_DIR/gw.log" || fail "no removal at BIRD's End-of-RIB"
# The routes BIRD sent again were never taken out of the kernel.
if grep -E "^Deleted .*(198\.51\.100\.0/24|2001:db8:51::/48)" "$T_DIR/gw.routes"; then
	fail "a kept route was deleted from the kernel during BIRD's restart"
fi
grep -q "^Deleted 198.51.101.0/24" "$T_DIR/gw.routes" ||
	fail "the dropped route was not deleted: $(cat "$T_DIR/gw.routes")"

# ---- ferryd restarting: kill -9, then SIGTERM ----------------------------
mark=$(wc -l <"$T_DIR/up.bird.trace")
for how in KILL TERM; do
	log "restarting: ferryd by SIG$how"
	: >"$T_DIR/gw.routes"
	kill -"$how" "$FERRYD_PID"
	wait "$FERRYD_PID"
	rc=$?
	[ "$how" = TERM ] && expect_eq "exit status after SIGTERM" "$rc" 0
	wait_for 10 sh -c "! birdc -s $T_DIR/up.bird.sock show protocols f4 | grep -q Established" ||
		fail "BIRD did not see ferryd go"
	sleep 2
	# BIRD keeps ferryd's routes, ferryd's kernel keeps BIRD's.
	bird_has f4 10.244.0.0/16 || fail "SIG$how: BIRD dropped the pod pool: $(birdc_q up show route)"
	bird_has f6 2001:db8:244::/48 || fail "SIG$how: BIRD dropped the IPv6 pod pool"
	in_fib4 198.51.100.0/24 || fail "SIG$how: kernel route gone: $(fib4)"
	fib6 | grep -q "^2001:db8:51::/48 " || fail "SIG$how: IPv6 kernel route gone"
	log "BIRD during the outage: $(birdc_q up show route all 10.244.0.0/16)"
	lines=$(wc -l <"$T_DIR/gw.log")
	ferryd_start "$NS_GW" gw
	wait_for 30 both_up || fail "SIG$how: sessions not back: $(ctl gw show bgp peers)"
	newlog() { tail -n +"$((lines + 1))" "$T_DIR/gw.log"; }
	newlog | grep -q "restarting with forwarding state kept" ||
		fail "SIG$how: ferryd did not know it restarted"
	wait_until 30 'newlog | grep -q "advertising after restart: reason=\"end-of-rib from every peer\""' ||
		fail "SIG$how: deferral did not end on End-of-RIB"
	wait_until 30 'newlog | grep -q "restart complete: reason=\"end-of-rib from every peer\""' ||
		fail "SIG$how: kept kernel routes not swept on End-of-RIB"
	wait_for 10 bird_has f4 10.244.0.0/16 || fail "SIG$how: pod pool not back"
	wait_for 10 in_fib4 198.51.100.0/24 || fail "SIG$how: route not relearned"
	expect_eq "SIG$how: relearned fresh" \
		"$(ferry_route "$UP4" 198.51.100.0/24 '.stale // false')" false
	sleep 1
	if grep -E "^Deleted .*(198\.51\.100\.0/24|2001:db8:51::/48)" "$T_DIR/gw.routes"; then
		fail "SIG$how: a kernel route was deleted across the restart"
	fi
done
# BIRD saw two restarts and never removed a route from ferryd.
tail -n +"$mark" "$T_DIR/up.bird.trace" >"$T_DIR/up.bird.restarts"
n=$(grep -c "graceful restart detected" "$T_DIR/up.bird.restarts")
[ "$n" -ge 2 ] || fail "BIRD detected $n graceful restarts, want 2 or more: $(grep -i restart "$T_DIR/up.bird.restarts")"
if grep -E "(removed|flushed).*(10\.244\.0\.0/16|2001:db8:244::/48)" "$T_DIR/up.bird.restarts"; then
	fail "BIRD removed a route of ferryd during its restart"
fi

# ---- BIRD back without forwarding state, then gone for good -------------
log "helper: BIRD restarts without -R (no F bit), restart time 3 s"
kill -9 "$BIRD_PID"
wait "$BIRD_PID" 2>/dev/null
wait_until 10 '[ "$(ferry_gr "$UP4" state)" = restarting ]' ||
	fail "helper not restarting"
GRT=3
bird_conf ""
bird_start "$NS_UP" up
wait_for 30 both_up || fail "sessions not back: $(ctl gw show bgp peers)"
wait_for 10 grep -q "stale routes removed: peer=$UP4 families=0x1 count=1 reason=\"session up\"" \
	"$T_DIR/gw.log" || fail "stale routes kept although BIRD kept no forwarding state"
wait_for 10 in_fib4 198.51.100.0/24 || fail "route not learned again"
expect_eq "restart time learned" "$(ferry_gr "$UP4" '"peer-restart-time"')" 3
log "helper: BIRD gone for longer than its restart time"
kill -9 "$BIRD_PID"
wait "$BIRD_PID" 2>/dev/null
wait_until 10 '[ "$(ferry_gr "$UP4" state)" = restarting ]' ||
	fail "helper not restarting"
in_fib4 198.51.100.0/24 || fail "route left the kernel before the restart time"
wait_for 10 sh -c "! ip -n $NS_GW route show proto 202 | grep -q 198.51.100.0/24" ||
	fail "route still in the kernel after BIRD's restart time: $(fib4)"
wait_for 5 ferry_lacks "$UP4" 198.51.100.0/24 || fail "route still held after the restart time"
grep -q "stale routes removed: peer=$UP4 families=0x1 count=1 reason=\"restart time expired\"" \
	"$T_DIR/gw.log" || fail "no removal at the restart time"
expect_eq "after the restart time: state" "$(ferry_gr "$UP4" state)" idle
exit 0
