#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The egress gateway over IPv6 (egress_lib.sh with EG_V6=1: dual stack,
# IPv6 underlay for the IPv6 PodCIDR's tunnel): the server sees the IPv6
# egress IP for TCP, UDP and ping; an unselected pod address and an
# excluded destination leave as the pod; the NAT table shows the IPv6
# connections.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/egress_lib.sh"
need_root
need_cmd jq python3 ping timeout

EG_V6=1 eg_setup
EG_V6=1 eg_start
wait_until 20 'test "$(eg_tunnel gw fd00:10:244:1::/64 endpoint)" = "$EG6_NODE"' ||
	fail "gateway has no tunnel to the IPv6 pods: $(ctl gw show tunnels)"
wait_until 10 'test "$(eg_tunnel node 2001:db8:113::/64 endpoint)" = "$EG6_GW"' ||
	fail "node has no tunnel to the IPv6 outside: $(ctl node show tunnels)"

peer=$(eg_xfer tcp "$EG6_POD" "$EG6_SRV" $((4 << 20))) ||
	fail "IPv6 TCP transfer failed: $peer $(eg_diag)"
expect_eq "IPv6 TCP source" "$peer" "peer $EG6_IP"
peer=$(eg_xfer udp "$EG6_POD" "$EG6_SRV" 1000 10) ||
	fail "IPv6 UDP failed: $peer $(eg_diag)"
expect_eq "IPv6 UDP source" "$peer" "peer $EG6_IP"

icmp6_sniff() { # print the source of the first echo request seen
	ip netns exec "$NS_SRV" timeout 10 python3 -c '
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
while True:
    b, a = s.recvfrom(65535)
    if b[0] == 128:
        print(a[0], flush=True)
        break
'
}
ping6_from() { # SRC DST
	local out=$T_DIR/sniff6 pid
	icmp6_sniff >"$out" &
	pid=$!
	sleep 0.3
	ip netns exec "$NS_POD" ping -6 -c 3 -i 0.2 -W 2 -I "$1" "$2" >/dev/null ||
		fail "ping $1 -> $2 failed: $(eg_diag)"
	wait "$pid"
	cat "$out"
}
expect_eq "IPv6 ping source" "$(ping6_from "$EG6_POD" "$EG6_SRV")" "$EG6_IP"

peer=$(eg_xfer udp "$EG6_POD2" "$EG6_SRV" 500 5) || fail "unselected IPv6 pod: $peer"
expect_eq "unselected IPv6 pod's source" "$peer" "peer $EG6_POD2"
peer=$(eg_xfer udp "$EG6_POD" "$EG6_SRV_EXCL" 500 5) || fail "excluded IPv6 destination: $peer"
expect_eq "source toward an excluded IPv6 destination" "$peer" "peer $EG6_POD"

nat=$(ctl gw --json show egress nat --pod "$EG6_POD")
jget "$nat" '.result.connections[].protocol' | sort -u | tr '\n' ' ' |
	grep -q "icmp6 tcp udp" || fail "IPv6 NAT protocols: $nat"
[ "$(jget "$nat" "[.result.connections[] | select(.translated.address == \"$EG6_IP\")] | length")" -ge 3 ] ||
	fail "IPv6 NAT entries: $nat"
# IPv4 still works with the same policy.
peer=$(eg_xfer udp "$EG_POD" "$EG_SRV" 500 5) || fail "IPv4 beside IPv6: $peer"
expect_eq "IPv4 source beside IPv6" "$peer" "peer $EG_IP"
exit 0
