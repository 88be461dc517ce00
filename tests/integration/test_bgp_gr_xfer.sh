#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# A TCP connection through ferryd survives a kill -9 restart of ferryd
# with graceful restart.  The path exists only through BGP: a client
# behind BIRD reaches a pod behind ferryd because BIRD learned the pod
# pool from ferryd (and put it in its kernel), and the replies find the
# client because ferryd learned the client's prefix from BIRD (proto 202
# in ferryd's kernel).  A paced transfer client -> pod runs while ferryd
# is killed and started again: both routes stay in both kernels during
# the outage and the transfer completes intact.
#
#	cl 198.51.100.2 -- up (BIRD) 192.0.2.254 -- gw (ferryd) 10.244.0.1 -- pod 10.244.0.2
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bgp_lib.sh"
need_root
need_cmd jq bird birdc python3

HERE=$(cd "$(dirname "$0")" && pwd)
bgp_topo_xfer

xfer_gw_conf

cat >"$T_DIR/up.bird.conf" <<CONF
router id $UP4;
log "$T_DIR/up.bird.trace" all;
protocol device { }
protocol kernel {
	ipv4 { export where source = RTS_BGP; };
}
protocol static s4 {
	ipv4;
	route 198.51.100.0/24 blackhole;
}
protocol bgp f4 {
	local as 65100;
	neighbor $GW4 as 65000;
	hold time 9;
	error wait time 1, 4;
	connect retry time 1;
	graceful restart on;
	ipv4 { import all; export where source = RTS_STATIC; };
}
CONF
bird_start "$NS_UP" up
ferryd_start "$NS_GW" gw

routes_in_place() {
	ip -n "$NS_GW" route show proto 202 | grep -q "^198.51.100.0/24 via $UP4 " &&
		ip -n "$NS_UP" route show | grep -q "^10.244.0.0/24 via $GW4 "
}
wait_for 20 bird_established up f4 || fail "session not up"
wait_for 10 routes_in_place ||
	fail "routes not in the kernels: gw: $(ip -n "$NS_GW" route); up: $(ip -n "$NS_UP" route)"
ip netns exec "$NS_CL" ping -c 2 -i 0.2 -W 2 10.244.0.2 >/dev/null ||
	fail "client cannot reach the pod over the BGP routes"

# 40 MB at 64 KB per 10 ms: at least 6.4 s.
python3 "$HERE/tcp_xfer.py" "$NS_CL" "$NS_POD" 10.244.0.2 $((40 << 20)) 0.01 \
	>"$T_DIR/xfer.out" 2>&1 &
xfer=$!
track_pid "$xfer"
sleep 1.5
kill -0 "$xfer" 2>/dev/null || fail "transfer over before the restart: $(cat "$T_DIR/xfer.out")"
kill -9 "$FERRYD_PID"
wait "$FERRYD_PID" 2>/dev/null
wait_for 10 sh -c "! birdc -s $T_DIR/up.bird.sock show protocols f4 | grep -q Established" ||
	fail "BIRD did not see ferryd go"
sleep 1
routes_in_place ||
	fail "outage: a route left a kernel: gw: $(ip -n "$NS_GW" route); up: $(ip -n "$NS_UP" route)"
ferryd_start "$NS_GW" gw
kill -0 "$xfer" 2>/dev/null || fail "transfer over before ferryd was back: make it longer"
wait_for 20 bird_established up f4 || fail "session not back"
rc=0
wait "$xfer" || rc=$?
[ "$rc" -eq 0 ] || fail "transfer broken across the restart: $(cat "$T_DIR/xfer.out")"
log "$(cat "$T_DIR/xfer.out")"
routes_in_place || fail "after: routes not in place"
grep -q "restarting with forwarding state kept" "$T_DIR/gw.log" ||
	fail "ferryd did not restart gracefully"
exit 0
