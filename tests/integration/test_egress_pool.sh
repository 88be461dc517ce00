#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The egress IP from a bgp pool of kind egress, on no interface of the
# gateway (egress_lib.sh with EG_POOL=1; the server routes it to the
# gateway, as an upstream router would from the announcement): TCP, UDP
# and ping from the selected pod leave from it and are answered, since
# egr_in translates replies before the stack could refuse them; an
# unsolicited packet to it reaches no pod.
. "$(dirname "$0")/lib.sh"
EG_POOL=1
. "$(dirname "$0")/egress_lib.sh"
need_root
need_cmd jq python3 ping timeout

eg_setup
eg_start
ip -n "$NS_GW" addr show | grep -q "$EG_IP" && fail "the egress IP is on an interface"
peer=$(eg_xfer tcp "$EG_POD" "$EG_SRV" $((8 << 20))) ||
	fail "TCP from a pool egress IP failed: $peer $(eg_diag)"
expect_eq "TCP source" "$peer" "peer $EG_IP"
peer=$(eg_xfer udp "$EG_POD" "$EG_SRV" 1000 10) || fail "UDP: $peer $(eg_diag)"
expect_eq "UDP source" "$peer" "peer $EG_IP"
ip netns exec "$NS_POD" ping -c 3 -i 0.2 -W 2 -I "$EG_POD" "$EG_SRV" >/dev/null ||
	fail "ping from a pool egress IP: $(eg_diag)"
jget "$(ctl gw --json show egress nat --pod "$EG_POD")" '.result.connections[] | select(.protocol == "icmp") | .translated.address' |
	grep -qx "$EG_IP" || fail "no ICMP connection translated to $EG_IP"

# Unsolicited, to a port the pod listens on: it gets nothing.
ip netns exec "$NS_POD" timeout 4 python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 7777))
s.settimeout(3)
try:
    s.recvfrom(100)
    print("got")
except socket.timeout:
    pass
' >"$T_DIR/unsol" &
upid=$!
sleep 0.3
ip netns exec "$NS_SRV" python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for p in (7777, 5301, 32768):
    s.sendto(b"x", ("'"$EG_IP"'", p))
'
wait "$upid"
[ -s "$T_DIR/unsol" ] && fail "an unsolicited packet to the egress IP reached the pod"
exit 0
