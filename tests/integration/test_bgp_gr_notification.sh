#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# RFC 8538 with FRR 8 (both sides set the N bit):
# - FRR resets the session with Cease/Administrative Reset (no hard
#   administrative reset): ferryd treats it like a lost connection, keeps
#   FRR's routes stale and never takes them out of its kernel;
# - FRR resets it with a Hard Reset (Cease 9): ferryd flushes FRR's routes
#   at once (the kernel route is deleted, then learned again);
# - ferryctl bgp reset sends a Hard Reset carrying Administrative Reset
#   (RFC 8538 3: code 6 and subcode 4 first in its data); FRR logs it as
#   such and drops ferryd's routes at once instead of keeping them stale.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bgp_lib.sh"
. "$(dirname "$0")/bgp_peers.sh"
need_root
need_cmd jq
need_frr

bgp_topo
xfer_gw_conf "notification = true;" 10.244.0.0/16
cat >"$(frr_dir up)/bgpd.conf" <<CONF
frr defaults traditional
hostname up
debug bgp neighbor-events
router bgp 65100
 bgp router-id $UP4
 no bgp ebgp-requires-policy
 no bgp network import-check
 no bgp default ipv4-unicast
 bgp graceful-restart
 bgp graceful-restart preserve-fw-state
 bgp graceful-restart notification
 no bgp hard-administrative-reset
 timers bgp 3 9
 neighbor $GW4 remote-as 65000
 neighbor $GW4 timers connect 1
 address-family ipv4 unicast
  network 198.51.100.0/24
  neighbor $GW4 activate
 exit-address-family
CONF
frr_start "$NS_UP" up
ferryd_start "$NS_GW" gw

fib4() { ip -n "$NS_GW" route show proto 202; }
in_fib4() { fib4 | grep -q "^198.51.100.0/24 via $UP4 "; }
ferry_gr() {
	jget "$(ctl gw --json show bgp peers)" \
		".result.peers[] | select(.address == \"$UP4\") | .[\"graceful-restart\"].$1"
}
flaps() { ferry_peer gw "$UP4" flaps; }
up_and_learned() {
	ferry_established gw "$UP4" && frr_established up "$GW4" && in_fib4
}
wait_for 30 up_and_learned || fail "session not up: $(ctl gw show bgp peers)"
expect_eq "N negotiated" "$(ferry_gr notification)" true

ip -n "$NS_GW" monitor route >"$T_DIR/gw.routes" 2>&1 &
track_pid $!
sleep 0.5

# Administrative Reset from FRR, N negotiated: graceful.
f0=$(flaps)
frr_q up clear bgp "$GW4" >/dev/null
wait_until 10 '[ "$(flaps)" -gt "$f0" ]' || fail "FRR's clear did not reset the session"
wait_for 30 up_and_learned || fail "session not back after FRR's reset"
grep -q "notification received: peer=$UP4 asn=65100 code=6 subcode=4" "$T_DIR/gw.log" ||
	fail "no Administrative Reset from FRR: $(grep notification "$T_DIR/gw.log")"
grep -q "session down: peer=$UP4 .*graceful-restart=helping" "$T_DIR/gw.log" ||
	fail "Administrative Reset with N was not graceful"
wait_until 10 '[ "$(ferry_gr state)" = idle ]' || fail "helper did not finish"
sleep 0.5
if grep -q "^Deleted 198.51.100.0/24" "$T_DIR/gw.routes"; then
	fail "the kept route left the kernel on a graceful reset"
fi

# Hard Reset from FRR: flushed at once.
frr_conf up "router bgp 65100" "bgp hard-administrative-reset" >/dev/null
f0=$(flaps)
: >"$T_DIR/gw.routes"
frr_q up clear bgp "$GW4" >/dev/null
wait_until 10 '[ "$(flaps)" -gt "$f0" ]' || fail "FRR's clear did not reset the session"
grep -q "notification received: peer=$UP4 asn=65100 code=6 subcode=9" "$T_DIR/gw.log" ||
	fail "no Hard Reset from FRR: $(grep notification "$T_DIR/gw.log")"
wait_for 5 grep -q "^Deleted 198.51.100.0/24" "$T_DIR/gw.routes" ||
	fail "Hard Reset: FRR's route not flushed from the kernel"
wait_for 30 up_and_learned || fail "session not back after the Hard Reset"

# ferryctl bgp reset: a Hard Reset carrying Administrative Reset.
f0=$(flaps)
: >"$T_DIR/gw.routes"
ctl gw bgp reset "$UP4" >/dev/null || fail "ferryctl bgp reset failed"
grep -q "notification sent: peer=$UP4 asn=65100 code=6 subcode=9 error=\"hard reset\".* data=0604" \
	"$T_DIR/gw.log" || fail "no Hard Reset sent: $(grep 'notification sent' "$T_DIR/gw.log")"
wait_for 5 grep -q "^Deleted 198.51.100.0/24" "$T_DIR/gw.routes" ||
	fail "bgp reset: FRR's route not flushed here"
wait_for 10 grep -q "NOTIFICATION(Hard Reset): received from neighbor $GW4 6/4" \
	"$T_DIR/up.bgpd.log" ||
	fail "FRR did not read a Hard Reset of Administrative Reset: $(grep NOTIFICATION "$T_DIR/up.bgpd.log")"
if sed -n '/NOTIFICATION(Hard Reset): received/,$p' "$T_DIR/up.bgpd.log" |
	grep -q "graceful restart timer started"; then
	fail "FRR kept ferryd's routes stale after a Hard Reset"
fi
wait_for 30 up_and_learned || fail "session not back after ferryctl bgp reset"
exit 0
