#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# test_bgp_gr_xfer with FRR upstream: a TCP transfer through ferryd
# survives a kill -9 restart and then a SIGTERM restart of ferryd, both
# with graceful restart, and FRR (as helper) never loses the pod pool:
# its path from ferryd is there, stale, during each outage, and fresh
# after.  FRR runs without a kernel FIB here (bgpd -n, bgp_peers.sh), so
# the upstream's kernel route to the pods is a static one; the client's
# prefix reaches ferryd's kernel only by BGP (proto 202) and must stay
# there through both outages.
#
#	cl 198.51.100.2 -- up (FRR) 192.0.2.254 -- gw (ferryd) 10.244.0.1 -- pod 10.244.0.2
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bgp_lib.sh"
. "$(dirname "$0")/bgp_peers.sh"
need_root
need_cmd jq python3
need_frr

HERE=$(cd "$(dirname "$0")" && pwd)
bgp_topo_xfer
ip -n "$NS_UP" route add 10.244.0.0/24 via "$GW4"

xfer_gw_conf

cat >"$(frr_dir up)/bgpd.conf" <<CONF
frr defaults traditional
hostname up
debug bgp graceful-restart
router bgp 65100
 bgp router-id $UP4
 no bgp ebgp-requires-policy
 no bgp network import-check
 no bgp default ipv4-unicast
 bgp graceful-restart
 bgp graceful-restart restart-time 30
 timers bgp 3 9
 neighbor $GW4 remote-as 65000
 neighbor $GW4 timers connect 1
 address-family ipv4 unicast
  network 198.51.100.0/24
  neighbor $GW4 activate
 exit-address-family
CONF
chown frr:frr "$(frr_dir up)/bgpd.conf"
frr_start "$NS_UP" up
ferryd_start "$NS_GW" gw

in_ferry_fib() {
	ip -n "$NS_GW" route show proto 202 | grep -q "^198.51.100.0/24 via $UP4 "
}
# pool_at_frr [stale|fresh]: FRR holds the pod pool from ferryd (in
# that state, if given).
pool_at_frr() {
	local j
	j=$(frr_route up ipv4 10.244.0.0/24) || return 1
	printf '%s' "$j" | jq -e '.paths | length > 0' >/dev/null || return 1
	case ${1:-} in
	stale) printf '%s' "$j" | jq -e '[.paths[] | .stale // false] | any' >/dev/null ;;
	fresh) printf '%s' "$j" | jq -e '[.paths[] | .stale // false] | any | not' >/dev/null ;;
	esac
}
wait_for 30 frr_established up "$GW4" || fail "session not up"
wait_for 10 in_ferry_fib || fail "client prefix not in ferryd's kernel: $(ip -n "$NS_GW" route)"
wait_for 10 pool_at_frr || fail "FRR has no pool: $(frr_q up show bgp ipv4 unicast)"
ip netns exec "$NS_CL" ping -c 2 -i 0.2 -W 2 10.244.0.2 >/dev/null ||
	fail "client cannot reach the pod"

# restart HOW: a 40 MB paced transfer client -> pod across a restart of
# ferryd by kill -9 or SIGTERM.
restart() {
	local how=$1 xfer rc=0
	python3 "$HERE/tcp_xfer.py" "$NS_CL" "$NS_POD" 10.244.0.2 $((40 << 20)) 0.01 \
		>"$T_DIR/xfer.$how" 2>&1 &
	xfer=$!
	track_pid "$xfer"
	sleep 1.5
	kill -0 "$xfer" 2>/dev/null || fail "$how: transfer over before the restart"
	case $how in
	kill9) kill -9 "$FERRYD_PID" ;;
	term) kill -TERM "$FERRYD_PID" ;;
	esac
	wait "$FERRYD_PID" 2>/dev/null
	wait_for 15 sh -c "! vtysh --vty_socket $T_DIR/up.frr -d bgpd -c 'show bgp neighbors $GW4 json' | grep -q '\"bgpState\":\"Established\"'" ||
		fail "$how: FRR did not see ferryd go"
	sleep 1
	pool_at_frr stale ||
		fail "$how outage: FRR does not hold the pool stale: $(frr_route up ipv4 10.244.0.0/24)"
	in_ferry_fib || fail "$how outage: the client prefix left ferryd's kernel"
	ferryd_start "$NS_GW" gw
	kill -0 "$xfer" 2>/dev/null || fail "$how: transfer over before ferryd was back"
	wait_for 30 frr_established up "$GW4" || fail "$how: session not back"
	wait "$xfer" || rc=$?
	[ "$rc" -eq 0 ] || fail "$how: transfer broken across the restart: $(cat "$T_DIR/xfer.$how")"
	log "$how: $(cat "$T_DIR/xfer.$how")"
	wait_for 15 pool_at_frr fresh ||
		fail "$how: the pool not fresh at FRR after: $(frr_route up ipv4 10.244.0.0/24)"
	in_ferry_fib || fail "$how: after: the client prefix not in ferryd's kernel"
}
restart kill9
restart term
[ "$(grep -c "restarting with forwarding state kept" "$T_DIR/gw.log")" -ge 2 ] ||
	fail "ferryd did not restart gracefully twice"
exit 0
