#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Graceful restart (RFC 4724, and RFC 8538 where FRR speaks it) between
# ferryd and FRR 8, both roles, over an IPv4 and an IPv6 session:
# - helper: FRR's bgpd is killed (kill -9) and started again (zebra
#   stays) from a config that no longer announces one of its routes.
#   During the outage ferryd keeps FRR's routes, stale, in its RIB and its
#   kernel; afterwards the route FRR no longer sends is gone, the others
#   are fresh, and no kept kernel route was deleted in between;
# - restarting speaker: ferryd is killed (kill -9), then stopped by
#   SIGTERM, and started again.  During the outage FRR holds ferryd's
#   routes marked stale (show bgp json) and ferryd's kernel routes stay;
#   FRR's log of received UPDATEs shows no withdrawal of them; after the
#   restart both ends are where they were.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bgp_lib.sh"
. "$(dirname "$0")/bgp_peers.sh"
need_root
need_cmd jq
need_frr

bgp_topo
ferryd_conf gw "router-id = \"$GW4\";
log = { level = \"debug\"; };
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

# frr_up_conf EXTRA_NETWORK: FRR's bgpd config; EXTRA_NETWORK is a
# network line (or nothing) next to the one it always announces.
frr_up_conf() {
	cat >"$(frr_dir up)/bgpd.conf" <<CONF
frr defaults traditional
hostname up
debug bgp updates in
debug bgp graceful-restart
router bgp 65100
 bgp router-id $UP4
 no bgp ebgp-requires-policy
 no bgp network import-check
 no bgp default ipv4-unicast
 bgp graceful-restart
 bgp graceful-restart preserve-fw-state
 bgp graceful-restart restart-time 30
 timers bgp 3 9
 neighbor $GW4 remote-as 65000
 neighbor $GW4 timers connect 1
 neighbor $GW6 remote-as 65000
 neighbor $GW6 timers connect 1
 address-family ipv4 unicast
  network 198.51.100.0/24
  $1
  neighbor $GW4 activate
 exit-address-family
 address-family ipv6 unicast
  network 2001:db8:51::/48
  neighbor $GW6 activate
 exit-address-family
CONF
	chown frr:frr "$(frr_dir up)/bgpd.conf"
}

fib4() { ip -n "$NS_GW" route show proto 202; }
fib6() { ip -n "$NS_GW" -6 route show proto 202; }
in_fib4() { fib4 | grep -q "^$1 via $UP4 "; }
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
	frr_established up "$GW4" && frr_established up "$GW6" &&
		ferry_established gw "$UP4" && ferry_established gw "$UP6"
}
# frr_path AFI PREFIX FILTER: jq FILTER on FRR's path for PREFIX from us.
frr_path() {
	frr_route up "$1" "$2" | jq -r "[.paths[]? | select(.peer.peerId == \"$3\")][0] | $4"
}

frr_up_conf "network 198.51.101.0/24"
frr_start "$NS_UP" up
ferryd_start "$NS_GW" gw
wait_for 30 both_up || fail "sessions not up: $(ctl gw show bgp peers)"
wait_for 10 in_fib4 198.51.101.0/24 || fail "not in the kernel: $(fib4)"
wait_for 10 ferry_has "$UP6" 2001:db8:51::/48 || fail "IPv6 route not learned"
wait_for 10 frr_has up ipv4 10.244.0.0/16 || fail "FRR lacks the pod pool"
wait_for 10 frr_has up ipv6 2001:db8:244::/48 || fail "FRR lacks the IPv6 pod pool"
expect_eq "GR negotiated" "$(ferry_gr "$UP4" negotiated)" true
log "FRR's N bit: $(ferry_gr "$UP4" notification)"

# ---- ferryd as helper: FRR's bgpd dies and comes back --------------------
log "helper: kill -9 FRR bgpd"
ip -n "$NS_GW" monitor route >"$T_DIR/gw.routes" 2>&1 &
track_pid $!
kill -9 "$FRR_BGPD_PID"
wait "$FRR_BGPD_PID" 2>/dev/null
wait_until 10 '[ "$(ferry_gr "$UP4" state)" = restarting ]' ||
	fail "helper not restarting: $(ctl gw --json show bgp peers)"
for p in 198.51.100.0/24 198.51.101.0/24; do
	expect_eq "outage: $p stale" "$(ferry_route "$UP4" "$p" .stale)" true
	in_fib4 "$p" || fail "outage: $p left the kernel: $(fib4)"
done
expect_eq "outage: IPv6 stale" "$(ferry_route "$UP6" 2001:db8:51::/48 .stale)" true
sleep 2
in_fib4 198.51.100.0/24 || fail "outage: route left the kernel after 2 s"
frr_up_conf ""
frr_bgpd_start "$NS_UP" up
wait_for 30 both_up || fail "sessions not back: $(ctl gw show bgp peers)"
wait_for 30 ferry_lacks "$UP4" 198.51.101.0/24 ||
	fail "route FRR no longer sends still held: $(ctl gw show bgp routes)"
wait_for 10 sh -c "! ip -n $NS_GW route show proto 202 | grep -q 198.51.101.0/24" ||
	fail "route FRR no longer sends still in the kernel: $(fib4)"
wait_until 10 '[ "$(ferry_gr "$UP4" state)" = idle ]' ||
	fail "helper did not finish: $(ctl gw --json show bgp peers)"
expect_eq "after: fresh" "$(ferry_route "$UP4" 198.51.100.0/24 '.stale // false')" false
in_fib4 198.51.100.0/24 || fail "after: route not in the kernel: $(fib4)"
if grep -E "^Deleted .*(198\.51\.100\.0/24|2001:db8:51::/48)" "$T_DIR/gw.routes"; then
	fail "a kept route was deleted from the kernel during FRR's restart"
fi

# ---- ferryd restarting: kill -9, then SIGTERM ----------------------------
mark=$(wc -l <"$T_DIR/up.bgpd.log")
for how in KILL TERM; do
	log "restarting: ferryd by SIG$how"
	: >"$T_DIR/gw.routes"
	kill -"$how" "$FERRYD_PID"
	wait "$FERRYD_PID"
	rc=$?
	[ "$how" = TERM ] && expect_eq "exit status after SIGTERM" "$rc" 0
	wait_until 15 '! frr_established up "$GW4"' || fail "FRR did not see ferryd go"
	sleep 2
	expect_eq "SIG$how: FRR holds the pod pool stale" \
		"$(frr_path ipv4 10.244.0.0/16 "$GW4" '.stale // false')" true
	expect_eq "SIG$how: FRR holds the IPv6 pod pool stale" \
		"$(frr_path ipv6 2001:db8:244::/48 "$GW6" '.stale // false')" true
	in_fib4 198.51.100.0/24 || fail "SIG$how: kernel route gone: $(fib4)"
	lines=$(wc -l <"$T_DIR/gw.log")
	ferryd_start "$NS_GW" gw
	wait_for 30 both_up || fail "SIG$how: sessions not back: $(ctl gw show bgp peers)"
	newlog() { tail -n +"$((lines + 1))" "$T_DIR/gw.log"; }
	newlog | grep -q "restarting with forwarding state kept" ||
		fail "SIG$how: ferryd did not know it restarted"
	wait_until 30 'newlog | grep -q "advertising after restart"' ||
		fail "SIG$how: deferral did not end"
	# FRR restarted itself a moment ago and still sends R: it is not
	# waited for (RFC 4724 4.1), but the kept kernel routes wait for its
	# End-of-RIB.
	wait_until 30 'newlog | grep -q "restart complete: reason=\"end-of-rib from every peer\""' ||
		fail "SIG$how: kept kernel routes not swept on End-of-RIB"
	wait_until 15 '[ "$(frr_path ipv4 10.244.0.0/16 "$GW4" ".stale // false")" = false ]' ||
		fail "SIG$how: FRR still holds the pod pool stale: $(frr_route up ipv4 10.244.0.0/16)"
	wait_for 10 in_fib4 198.51.100.0/24 || fail "SIG$how: route not relearned"
	sleep 1
	if grep -E "^Deleted .*(198\.51\.100\.0/24|2001:db8:51::/48)" "$T_DIR/gw.routes"; then
		fail "SIG$how: a kernel route was deleted across the restart"
	fi
done
# FRR never received a withdrawal of ferryd's routes.
tail -n +"$mark" "$T_DIR/up.bgpd.log" >"$T_DIR/up.restarts"
if grep -iE "(10\.244\.0\.0/16|2001:db8:244::/48).*withdrawn" "$T_DIR/up.restarts"; then
	fail "FRR received a withdrawal of ferryd's routes"
fi
grep -q "10.244.0.0/16" "$T_DIR/up.restarts" ||
	fail "FRR's UPDATE log shows nothing of ferryd's routes: is debugging on?"
exit 0
