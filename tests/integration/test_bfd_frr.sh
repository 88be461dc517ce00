#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# ferryd and FRR 8 (zebra, bgpd, bfdd) over eBGP with BFD on an IPv4 and
# an IPv6 session, 100 ms x 3 (FRR: "neighbor X bfd profile fast"):
# - BFD comes Up on both sides (ferryctl show bfd, vtysh show bfd peers
#   json), BGP Established, routes in the kernel;
# - bad input is dropped and counted, the session stays Up;
# - cutting the link takes BGP down in under a second, routes out of the
#   RIB and the kernel; restoring brings BFD, BGP and the routes back;
# - a reload with other intervals reaches FRR by Poll, without a flap;
# - a reload without BFD: FRR sees AdminDown, ferryd resets nothing.
# FRR's bfdd has no authentication, so that is tested with BIRD only.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bgp_lib.sh"
. "$(dirname "$0")/bgp_peers.sh"
. "$(dirname "$0")/bfd_lib.sh"
need_root
need_cmd jq tc python3
need_frr

gw_conf() {
	ferryd_conf gw "router-id = \"$GW4\";
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
		  connect-retry = 1; families = (\"ipv6\");
		  export = { pools = (\"pod\"); };
		  import = { prefixes = (\"2001:db8:51::/48\"); };
		  bfd = $2; }
	);
};" >/dev/null
}

BFD100="{ min-tx = 100; min-rx = 100; multiplier = 3; }"
bgp_topo
gw_conf "$BFD100" "$BFD100"

cat >"$(frr_dir up)/bgpd.conf" <<CONF
frr defaults traditional
hostname up
router bgp 65100
 bgp router-id $UP4
 no bgp ebgp-requires-policy
 no bgp network import-check
 no bgp default ipv4-unicast
 timers bgp 3 9
 neighbor $GW4 remote-as 65000
 neighbor $GW4 timers connect 1
 neighbor $GW4 bfd
 neighbor $GW4 bfd profile fast
 neighbor $GW6 remote-as 65000
 neighbor $GW6 timers connect 1
 neighbor $GW6 bfd
 neighbor $GW6 bfd profile fast
 address-family ipv4 unicast
  network 198.51.100.0/24
  neighbor $GW4 activate
 exit-address-family
 address-family ipv6 unicast
  network 2001:db8:51::/48
  neighbor $GW6 activate
 exit-address-family
CONF
cat >"$(frr_dir up)/bfdd.conf" <<CONF
hostname up-bfdd
debug bfd peer
debug bfd network
bfd
 profile fast
  transmit-interval 100
  receive-interval 100
  detect-multiplier 3
 !
!
CONF
frr_start "$NS_UP" up
frr_bfdd_start "$NS_UP" up
ferryd_start "$NS_GW" gw -d

for a in "$UP4" "$UP6"; do
	wait_for 30 ferry_bfd_up gw "$a" ||
		fail "ferryd: BFD to $a not Up: $(ctl gw show bfd)"
	wait_for 30 ferry_established gw "$a" ||
		fail "ferryd: BGP to $a not up: $(ctl gw show bgp peers)"
done
for a in "$GW4" "$GW6"; do
	wait_for 10 frr_bfd_up up "$a" ||
		fail "FRR: BFD to $a not up: $(frr_bfd_q up show bfd peers)"
done
wait_for 10 in_fib fib4 "^198\.51\.100\.0/24 via $UP4 " ||
	fail "IPv4 route not in the kernel: $(fib4)"
wait_for 10 in_fib fib6 "^2001:db8:51::/48 via " ||
	fail "IPv6 route not in the kernel: $(fib6)"
ctl gw show bfd
wait_until 5 'test "$(ferry_bfd gw $UP4 tx-interval-us)" = 100000' ||
	fail "tx interval: $(ferry_bfd gw "$UP4" tx-interval-us)"
expect_eq "detect time" "$(ferry_bfd gw "$UP4" detect-time-us)" 300000
# Discriminators agree across the two implementations.
expect_eq "FRR's remote id" "$(frr_bfd up "$GW4" remote-id)" \
	"$(ferry_bfd gw "$UP4" local-discriminator)"
expect_eq "our remote id" "$(ferry_bfd gw "$UP4" remote-discriminator)" \
	"$(frr_bfd up "$GW4" id)"
# ferryd was first Up with FRR's BGP too: wait out FRR's start-up reset
# (its interfaces come up after bgpd) before counting flaps.
sleep 2

check_bad_input gw "$UP4" "$GW4"
check_bad_input gw "$UP6" "$GW6"

# Cut, measure, stay down, restore.
flaps4=$(ferry_peer gw "$UP4" flaps)
measure_down gw "$UP4" 198.51.100.0/24 fib4 1000
D4="kernel $KERNEL_MS (logged $LOG_MS/$LOGFIB_MS)"
wait_for 2 sh -c "! '$FERRYCTL' -s '$T_DIR/gw.sock' --json show bgp routes 2001:db8:51::/48 | grep -q prefix" ||
	fail "IPv6 route not withdrawn after the cut"
D6=$(log_ms_after "$T_DIR/gw.log" "$CUT_T0" "bgp: session down: peer=$UP6 ")
[ -n "$D6" ] && [ "$D6" -lt 1000 ] || fail "IPv6 session down at ${D6:-never} ms"
expect_eq "last error" "$(ferry_peer gw "$UP4" last-error)" \
	"sent NOTIFICATION 6/10 (BFD down): BFD down"
sleep 2
expect_eq "BGP while BFD is down" "$(ferry_peer_state gw "$UP4")" Idle
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
wait_for 10 frr_bfd_up up "$GW4" || fail "FRR: BFD not back up"

# Reload with other intervals: FRR learns them (by Poll), nothing flaps.
changes=$(ferry_bfd gw "$UP4" state-changes)
flaps4=$(ferry_peer gw "$UP4" flaps)
gw_conf "{ min-tx = 200; min-rx = 250; multiplier = 4; }" "$BFD100"
ctl gw reload >/dev/null || fail "reload (intervals)"
wait_until 5 'test "$(frr_bfd up $GW4 remote-receive-interval)" = 250' ||
	fail "FRR: remote receive interval $(frr_bfd up "$GW4" remote-receive-interval)"
expect_eq "FRR: remote transmit interval" \
	"$(frr_bfd up "$GW4" remote-transmit-interval)" 200
expect_eq "FRR: remote multiplier" \
	"$(frr_bfd up "$GW4" remote-detect-multiplier)" 4
wait_until 5 'test "$(ferry_bfd gw $UP4 tx-interval-us)" = 200000' ||
	fail "tx interval after reload: $(ferry_bfd gw "$UP4" tx-interval-us)"
sleep 1
expect_eq "BFD state changes after reload" \
	"$(ferry_bfd gw "$UP4" state-changes)" "$changes"
expect_eq "BGP flaps after reload" "$(ferry_peer gw "$UP4" flaps)" "$flaps4"
frr_bfd_up up "$GW4" || fail "FRR: BFD left up on reload"

# BFD removed from ferryd: it sends AdminDown (FRR shows the diagnostic)
# and does not reset BGP itself.  FRR 8.4 does: it takes its BGP session
# down when the peer's BFD goes AdminDown (RFC 5882 3.2 says it should
# not; BIRD 2.0.12 does the same), and on its own removal of BFD it
# sends Down, not AdminDown -- so the reset, if any, must be FRR's
# (a NOTIFICATION received), and the session must come back.
mark=$(wc -l <"$T_DIR/gw.log")
gw_conf "{ min-tx = 200; min-rx = 250; multiplier = 4; }" false
ctl gw reload >/dev/null || fail "reload (bfd removed)"
wait_until 5 'test "$(ctl gw --json show bfd | jq ".result.sessions | map(select(.peer == \"$UP6\")) | length")" = 0' ||
	fail "BFD session not removed: $(ctl gw show bfd)"
wait_until 5 'test "$(frr_bfd up $GW6 remote-diagnostic)" = "administratively down"' ||
	fail "FRR did not see AdminDown: $(frr_bfd_q up show bfd peers)"
sleep 1
wait_for 20 ferry_established gw "$UP6" ||
	fail "BGP to $UP6 not up after BFD removal: $(ctl gw show bgp peers)"
tail -n +"$((mark + 1))" "$T_DIR/gw.log" |
	grep -q "notification sent: peer=$UP6 " &&
	fail "ferryd reset BGP when BFD was removed"
if tail -n +"$((mark + 1))" "$T_DIR/gw.log" |
	grep -q "notification received: peer=$UP6 .*subcode=10"; then
	log "FRR reset BGP on our AdminDown (Cease 6/10), as FRR 8.4 does"
fi
log "detection, ms after the cut (kernel route gone, polled; logged session-down/fib): IPv4 $D4, IPv6 logged $D6"
exit 0
