#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Egress through a router beyond the gateway whose server side has a
# 1280-byte MTU (egress_lib.sh, EG_ROUTER=1): traceroute from the pod
# shows the hops beyond the gateway (the router's time exceeded, sent to
# the egress IP, is translated back to the pod); a TCP transfer (DF set,
# as Linux TCP sends) completes through PMTU discovery (the router's
# fragmentation needed is translated back); a 3000-byte UDP datagram,
# fragmented on the way, arrives whole and is echoed whole; 10,000
# concurrent UDP flows are all translated and answered.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/egress_lib.sh"
need_root
need_cmd jq python3 timeout traceroute

EG_ROUTER=1 eg_setup
EG_SRV=203.0.113.130
eg_start
wait_until 10 'test "$(jget "$(ctl gw --json show egress)" .result.interfaces[0].attached)" = true' ||
	fail "gateway did not attach to out0: $(ctl gw show egress)"
counter() { jget "$(ctl gw --json show egress)" ".result.counters.\"$1\".packets"; }

# traceroute (UDP probes): the router, then the server.
tr=$(ip netns exec "$NS_POD" timeout 30 traceroute -n -q 1 -w 2 -m 8 \
	-s "$EG_POD" "$EG_SRV" 2>&1) || fail "traceroute: $tr"
echo "$tr" | grep -q " 203\.0\.113\.2 " || fail "traceroute lacks the router: $tr $(eg_diag)"
echo "$tr" | tail -1 | grep -q " $EG_SRV " || fail "traceroute did not reach the server: $tr"
[ "$(counter icmp-error)" -ge 1 ] || fail "no ICMP error translated: $(eg_diag)"

# PMTU discovery through the NAT: the first full-size segments are too
# big for the router's 1280-byte link.
before=$(counter icmp-error)
peer=$(eg_xfer tcp "$EG_POD" "$EG_SRV" $((4 << 20))) ||
	fail "TCP across the 1280-byte link failed: $peer $(eg_diag)"
expect_eq "TCP source across the 1280-byte link" "$peer" "peer $EG_IP"
[ "$(counter icmp-error)" -gt "$before" ] ||
	fail "no fragmentation needed translated: $(eg_diag)"

# A 3000-byte datagram: fragmented at the pod, and again by the router.
before=$(counter fragment)
peer=$(eg_xfer udp "$EG_POD" "$EG_SRV" 3000 5) ||
	fail "3000-byte UDP datagrams did not come back whole: $peer $(eg_diag)"
expect_eq "fragmented UDP source" "$peer" "peer $EG_IP"
[ "$(counter fragment)" -gt "$before" ] || fail "no fragment translated: $(eg_diag)"

# 10,000 concurrent flows, one datagram each way.
peer=$(eg_xfer udp "$EG_POD" "$EG_SRV" 64 1 10000) ||
	fail "10000 UDP flows: $peer $(eg_diag)"
expect_eq "source of 10000 flows" "$peer" "peer $EG_IP"
n=$(jget "$(ctl gw --json show egress)" .result.flows)
[ "$n" -ge 10000 ] || fail "NAT table has $n flows, want 10000 or more"
[ "$(jget "$(ctl gw --json show egress)" '.result.drops."table-full".packets')" = 0 ] ||
	fail "table full with 10000 flows in 16384"
kill -0 "$GW_PID" || fail "gateway died"
exit 0
