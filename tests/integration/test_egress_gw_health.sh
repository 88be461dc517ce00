#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# A policy with two gateways, and their health (egress_lib.sh, steering
# on the node): the node hashes the policy's flows over the gateways
# whose BGP session is healthy.  The second gateway, 192.0.2.2, is a
# bgp neighbor of the node that is not there, so it never comes up: every
# flow (40 pod-remote pairs) must go to the first one (with both counted
# up, about half of them would go into a tunnel to nowhere).  Then the first
# gateway's ferryd is killed: its session drops, the node takes it out
# of the set at once and drops the policy's traffic, counted as
# no-gateway, rather than let it out with the pod's address; the
# gateway's ferryd comes back, adopting its datapath, and every flow
# goes through again.  Last the underlay link to the gateway is cut
# (tc drops everything, the link stays up): BFD (100 ms x 3) takes the
# session down, and the gateway must leave the node's set within 1 s.
. "$(dirname "$0")/lib.sh"
EG_STEER=1
. "$(dirname "$0")/egress_lib.sh"
. "$(dirname "$0")/bfd_lib.sh"
need_root
need_cmd jq python3 timeout curl

# gw2's own egress IP: shown, never used (gw2 is not there).
EG_GW2_IP=203.0.113.102
eg_gw2 "$EG_GW2_IP"
EG_BFD='bfd = { min-tx = 100; min-rx = 100; multiplier = 3; };'
eg_start_steer
# gw2's session has no BFD (gw1's has): said at the load, on the node
# only (the gateway serves the policy and hashes nothing).
grep -q "egress: policy=pod10 gateway=$EG_GW2: its bgp neighbor has no bfd" "$T_DIR/node.log" ||
	fail "no warning for a gateway without BFD: $(grep 'egress:' "$T_DIR/node.log" | head -5)"
grep -q "egress: policy=pod10 gateway=$EG_GW:" "$T_DIR/node.log" &&
	fail "a warning for gw1, which has BFD"
grep -q "egress: policy=pod10 gateway=" "$T_DIR/gw.log" &&
	fail "the gateway warned about health: $(grep 'egress: policy=' "$T_DIR/gw.log")"
expect_eq "the node's policy lists both gateways" \
	"$(jget "$(ctl node --json show egress)" '.result.policies[0].gateways | join(",")')" \
	"$EG_GW,$EG_GW2"
# Not up within bgpd's start grace (5 s), it is taken out.
wait_until 20 'test "$(jget "$(ctl node --json show egress)" ".result.policies[0].\"gateways-down\" | join(\",\")")" = "$EG_GW2"' ||
	fail "the absent gateway is not shown down: $(ctl node show egress)"
ctl node show egress | grep -q " $EG_GW $EG_GW2(down) " ||
	fail "show egress does not mark the gateway down: $(ctl node show egress)"
gws=$(ctl node --json show egress gateways)
expect_eq "show egress gateways on the node" \
	"$(jget "$gws" '[.result.gateways[] | [.policy, .endpoint, .role, .state, .health] | join(" ")] | join(",")')" \
	"pod10 $EG_GW remote up bgp,pod10 $EG_GW2 remote down bgp"
expect_eq "each gateway's egress IPs, its own or the policy's" \
	"$(jget "$gws" '[.result.gateways[] | .["egress-ips"] | join(" ")] | join(",")')" \
	"$EG_IP,$EG_GW2_IP"
ctl node show egress gateways | grep -q "^pod10 *gw2 *$EG_GW2 *remote *down *bgp *[-0-9]* *- *$EG_GW2_IP\$" ||
	fail "show egress gateways text: $(ctl node show egress gateways)"
expect_eq "show egress gateways on the gateway" \
	"$(jget "$(ctl gw --json show egress gateways)" '[.result.gateways[] | [.endpoint, .role, .state, .health] | join(" ")] | join(",")')" \
	"$EG_GW local up none,$EG_GW2 remote up none"
# The gateway, first of two, shares the policy's egress IP: the first
# half of nat.ports (32768..60999) is its slice.  A node has none.
expect_eq "the gateway's slice of the ports" \
	"$(jget "$(ctl gw --json show egress gateways)" '[.result.gateways[] | .ports | if . then "\(.min)-\(.max)" else "-" end] | join(",")')" \
	"32768-46883,-"
ctl gw show egress gateways | grep -q "^pod10 *- *$EG_GW *local *up *none *[-0-9]* *32768-46883 *$EG_IP\$" ||
	fail "show egress gateways text, the slice: $(ctl gw show egress gateways)"
expect_eq "no slice on the node" \
	"$(jget "$gws" '[.result.gateways[] | .ports] | map(tostring) | join(",")')" "null,null"
expect_eq "the gateway SNATs to the policy's egress IP" \
	"$(jget "$(ctl gw --json show egress)" '.result.policies[0]."egress-ips" | join(",")')" \
	"$EG_IP"
m=$(ip netns exec "$NS_GW" curl -sf http://127.0.0.1:9590/metrics) || fail "metrics"
echo "$m" | grep -qx "ferry_egress_gateway_up{policy=\"pod10\",gateway=\"$EG_GW\"} 1" ||
	fail "no gateway_up metric: $(echo "$m" | grep gateway_up)"

# The choice hashes (pod, remote) pairs: the server gets 40 addresses.
for i in $(seq 11 50); do
	ip -n "$NS_SRV" addr add "203.0.113.$i/32" dev eth0
done

# flows N: N UDP flows from the pod, to 203.0.113.11 and up, 3 datagrams
# each; prints how many distinct flows the server saw from the egress IP.
flows() {
	ip netns exec "$NS_SRV" timeout 15 python3 -c '
import socket, select, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 5402))
print("ready", flush=True)
seen, end = set(), time.time() + 6
while time.time() < end:
    if select.select([s], [], [], 0.2)[0]:
        b, a = s.recvfrom(100)
        if a[0] == "'"$EG_IP"'":
            seen.add(b)
print(len(seen), flush=True)
' >"$T_DIR/seen" &
	local pid=$!
	wait_until 5 'grep -q ready "$T_DIR/seen"' || fail "server did not start"
	ip netns exec "$NS_POD" timeout 10 python3 -c '
import socket, time
socks = []
for i in range('"$1"'):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("'"$EG_POD"'", 0))
    socks.append(s)
for _ in range(3):
    for i, s in enumerate(socks):
        s.sendto(b"flow%d" % i, ("203.0.113.%d" % (11 + i), 5402))
    time.sleep(0.3)
'
	wait "$pid"
	tail -1 "$T_DIR/seen"
}
no_gw() { jget "$(ctl node --json show egress)" '.result.drops."no-gateway".packets'; }

expect_eq "flows through the healthy gateway" "$(flows 40)" 40
# The pods' ephemeral ports are 32768..60999: about half were outside
# the slice, and none got a port outside it.
expect_eq "translated ports outside the gateway's slice" \
	"$(jget "$(ctl gw --json show egress nat)" '[.result.connections[] | .translated.port | select(. < 32768 or . > 46883)] | length')" 0
n=$(jget "$(ctl gw --json show egress nat)" '.result.connections | length')
[ "$n" -ge 40 ] || fail "connections at the gateway: $n, want 40"
grep -q "egress: gateway up: endpoint=$EG_GW\$" "$T_DIR/node.log" ||
	fail "the gateway's session did not bring it up: $(grep 'egress:' "$T_DIR/node.log")"
grep -q "egress: gateway down: endpoint=$EG_GW2\$" "$T_DIR/node.log" ||
	fail "the absent gateway not logged down: $(grep 'egress: gateway' "$T_DIR/node.log")"

# The gateway's ferryd dies: its session with it.
kill -KILL "$GW_PID"
wait "$GW_PID" 2>/dev/null
ovl_untrack_pid "$GW_PID"
wait_until 5 "grep -q 'egress: gateway down: endpoint=$EG_GW' '$T_DIR/node.log'" ||
	fail "the node did not take the gateway out: $(tail -5 "$T_DIR/node.log")"
before=$(no_gw)
expect_eq "flows with no gateway up" "$(flows 10)" 0
[ "$(no_gw)" -ge $((before + 30)) ] ||
	fail "no-gateway drops: $before -> $(no_gw), want 30 more"

ferryd_start "$NS_GW" gw
wait_until 20 "grep -q 'egress: gateway up: endpoint=$EG_GW' '$T_DIR/node.log'" ||
	fail "the gateway did not come back: $(tail -5 "$T_DIR/node.log")"
expect_eq "flows after the gateway's return" "$(flows 40)" 40

wait_for 10 ferry_bfd_up node "$EG_GW" ||
	fail "BFD to the gateway not Up: $(ctl node show bfd)"
downs=$(grep -c "egress: gateway down: endpoint=$EG_GW\$" "$T_DIR/node.log")
t0=$(now_ms)
link_cut "$NS_NODE" eth0 "$NS_GW" n1
wait_until 5 "[ \$(grep -c 'egress: gateway down: endpoint=$EG_GW\$' '$T_DIR/node.log') -gt $downs ]" ||
	fail "the cut gateway stayed in the set: $(tail -5 "$T_DIR/node.log")"
ms=$(grep "egress: gateway down: endpoint=$EG_GW\$" "$T_DIR/node.log" | tail -1 |
	{ read -r ts _; echo $(($(date -d "$ts" +%s%3N) - t0)); })
log "the cut gateway left the node's set after $ms ms"
[ "$ms" -lt 1000 ] || fail "failover took $ms ms, want < 1000"
expect_eq "the cut gateway shown down" \
	"$(jget "$(ctl node --json show egress)" '.result.policies[0]."gateways-down" | join(",")')" \
	"$EG_GW,$EG_GW2"
link_restore "$NS_NODE" eth0 "$NS_GW" n1
exit 0
