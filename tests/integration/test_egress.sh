#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The egress gateway end to end (egress_lib.sh has the topology): a pod
# selected by the policy reaches an outside server from the egress IP
# over TCP, UDP and ping; an unselected pod and an excluded destination
# leave with the pod's own address; an unsolicited packet to the egress
# IP reaches no pod; ferryctl and the metrics show the flows; a policy
# reload during a transfer keeps it running.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/egress_lib.sh"
need_root
need_cmd jq python3 ping curl timeout bpftool

eg_setup
eg_start
wait_until 10 'test "$(jget "$(ctl gw --json show egress)" .result.interfaces[0].attached)" = true' ||
	fail "gateway did not attach to out0: $(ctl gw show egress)"
expect_eq "gateway role" \
	"$(jget "$(ctl gw --json show egress)" '.result.policies[0].role')" snat
expect_eq "node role" \
	"$(jget "$(ctl node --json show egress)" '.result.policies[0].role')" steer

# The node's uplink is both underlay and egress interface: both
# programs share its tcx ingress hook (each passes on what is not its).
names=$(ovl_tcx_names "$NS_NODE" eth0 ingress | sort | tr '\n' ' ')
case $names in
*egr_in*ovl_underlay_rx*) ;;
*) [ -z "$names" ] || fail "node eth0 ingress programs: $names" ;;
esac

# TCP: 100 MB, checksummed; the server must see the egress IP.
peer=$(eg_xfer tcp "$EG_POD" "$EG_SRV" $((100 << 20))) ||
	fail "TCP transfer from the selected pod failed: $peer $(eg_diag)"
expect_eq "TCP source seen by the server" "$peer" "peer $EG_IP"

# UDP: 20 datagrams echoed.
peer=$(eg_xfer udp "$EG_POD" "$EG_SRV" 1000 20) ||
	fail "UDP from the selected pod failed: $peer $(eg_diag)"
expect_eq "UDP source seen by the server" "$peer" "peer $EG_IP"

# Ping: the server's raw socket sees the echo requests' source.
icmp_sniff() { # DST: print the source of the first echo request to DST
	ip netns exec "$NS_SRV" timeout 10 python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
while True:
    b = s.recv(65535)
    if b[20] == 8 and socket.inet_ntoa(b[16:20]) == sys.argv[1]:
        print(socket.inet_ntoa(b[12:16]), flush=True)
        break
' "$1"
}
ping_from() { # SRC DST: ping, and print the source the server saw
	local out=$T_DIR/sniff.$$ pid
	icmp_sniff "$2" >"$out" &
	pid=$!
	sleep 0.3
	ip netns exec "$NS_POD" ping -c 3 -i 0.2 -W 2 -I "$1" "$2" >/dev/null ||
		fail "ping $1 -> $2 failed: $(eg_diag)"
	wait "$pid"
	cat "$out"
}
expect_eq "ping source seen by the server" "$(ping_from "$EG_POD" "$EG_SRV")" "$EG_IP"

# Not selected: the other pod address leaves as itself.
peer=$(eg_xfer tcp "$EG_POD2" "$EG_SRV" $((1 << 20))) ||
	fail "TCP from the unselected pod failed: $peer"
expect_eq "unselected pod's source" "$peer" "peer $EG_POD2"
# Excluded destination: the selected pod, as itself.
peer=$(eg_xfer udp "$EG_POD" "$EG_SRV_EXCL" 500 5) ||
	fail "UDP to the excluded destination failed: $peer"
expect_eq "source toward an excluded destination" "$peer" "peer $EG_POD"
expect_eq "ping to the excluded destination" \
	"$(ping_from "$EG_POD" "$EG_SRV_EXCL")" "$EG_POD"

# The replies reached the node through ovl_underlay_rx, which shares the
# hook with egr_in.
if [ -n "$names" ]; then
	[ "$(jget "$(ctl node --json show overlay)" '.result."underlay-decap".decapsulated')" -gt 0 ] ||
		fail "node: nothing decapsulated by ovl_underlay_rx: $(ctl node show overlay)"
fi

# ferryctl: the NAT table has the pod's connections, translated to the
# egress IP; the counters and the metrics moved.
nat=$(ctl gw --json show egress nat --pod "$EG_POD") || fail "show egress nat"
n=$(jget "$nat" "[.result.connections[] | select(.translated.address == \"$EG_IP\" and .policy == \"pod10\")] | length")
[ "$n" -ge 3 ] || fail "NAT table lacks the pod's connections (tcp, udp, icmp): $nat"
jget "$nat" '.result.connections[].protocol' | sort -u | tr '\n' ' ' |
	grep -q "icmp tcp udp" || fail "NAT protocols: $nat"
[ "$(jget "$(ctl gw --json show egress nat --pod "$EG_POD2")" '.result.connections | length')" = 0 ] ||
	fail "the unselected pod has NAT entries"
eg=$(ctl gw --json show egress)
[ "$(jget "$eg" .result.policies[0].flows)" -ge 3 ] || fail "policy flows: $eg"
# Bytes, not packets: the stack hands the programs GSO super-packets.
[ "$(jget "$eg" .result.counters.snat.bytes)" -ge $((100 << 20)) ] || fail "snat counter: $eg"
[ "$(jget "$eg" .result.counters.rsnat.packets)" -ge 30 ] || fail "rsnat counter: $eg"
ctl gw show egress | grep -q "pod10" || fail "show egress table: $(ctl gw show egress)"
ctl gw show egress nat | grep -q "$EG_IP" || fail "show egress nat table"
m=$(ip netns exec "$NS_GW" curl -sf http://127.0.0.1:9590/metrics) || fail "metrics"
echo "$m" | grep -Eq '^ferry_egress_flows [1-9]' || fail "ferry_egress_flows: $(echo "$m" | grep egress)"
echo "$m" | grep -Eq '^ferry_egress_new_flows_total [1-9]' || fail "new flows metric"
echo "$m" | grep -Eq '^ferry_egress_packets_total\{direction="out",action="snat"\} [1-9]' ||
	fail "packets metric"

# Unsolicited: UDP to the egress IP from outside reaches no pod.
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
for p in (7777, 5301, 1024, 32768):
    s.sendto(b"x", ("'"$EG_IP"'", p))
'
wait "$upid"
[ -s "$T_DIR/unsol" ] && fail "an unsolicited packet to the egress IP reached the pod"

# A policy reload during a transfer: an unrelated policy is added, the
# transfer goes on and still leaves from the egress IP.
EGX_PACE=0.01 eg_xfer tcp "$EG_POD" "$EG_SRV" $((24 << 20)) >"$T_DIR/xfer" 2>&1 &
xpid=$!
wait_until 10 'test -n "$(jget "$(ctl gw --json show egress nat --pod "$EG_POD")" ".result.connections[] | select(.protocol == \"tcp\" and .state == \"established\") | .state")"' ||
	fail "the transfer did not start"
sed -i 's|^[[:space:]]*policies = (|&\n\t\t{ name = "other"; sources = [ "10.244.1.99/32" ]; destinations = [ "203.0.113.0/24" ]; gateway = "'"$EG_GW"'"; egress-ip = "'"$EG_IP"'"; },|' "$T_DIR/gw.conf"
ctl gw reload >/dev/null || fail "reload: $(tail -5 "$T_DIR/gw.log")"
kill -0 "$xpid" 2>/dev/null || fail "the transfer ended before the reload"
wait "$xpid" || fail "transfer broke across the reload: $(cat "$T_DIR/xfer")"
expect_eq "source after the reload" "$(tail -1 "$T_DIR/xfer")" "peer $EG_IP"
expect_eq "policies after the reload" \
	"$(jget "$(ctl gw --json show egress)" '.result.policies | length')" 2
grep -q "policy maps synced" "$T_DIR/gw.log" || fail "no map sync logged"
# An interface that does not exist yet is attached once it appears; one
# taken out of the config by reload is detached.
sed -i 's|interfaces = \[ "out0" \];|interfaces = [ "out0", "late0" ];|' "$T_DIR/gw.conf"
ctl gw reload >/dev/null || fail "reload with late0: $(tail -5 "$T_DIR/gw.log")"
attached() { jget "$(ctl gw --json show egress)" ".result.interfaces[] | select(.name == \"$1\") | .attached"; }
expect_eq "late0 before it exists" "$(attached late0)" false
grep -q "interface missing, attached when it appears: interface=late0" "$T_DIR/gw.log" ||
	fail "late0 missing was not logged"
ip -n "$NS_GW" link add late0 type veth peer name late1
ip -n "$NS_GW" link set late0 up
wait_until 5 'test "$(attached late0)" = true' ||
	fail "late0 not attached after it appeared: $(ctl gw show egress)"
# With tcx (not FERRY_NO_TCX=1, Linux 6.6+) through a pinned link.
tcx=false
grep -q "programs attached: interface=late0 .*hook=tcx" "$T_DIR/gw.log" && tcx=true
if $tcx; then
	[ -e "$EG_PIN-gw/egr_out_late0" ] || fail "no link pinned for late0"
fi
sed -i 's|interfaces = \[ "out0", "late0" \];|interfaces = [ "out0" ];|' "$T_DIR/gw.conf"
ctl gw reload >/dev/null || fail "reload without late0"
[ -e "$EG_PIN-gw/egr_out_late0" ] && fail "late0's link kept after it left the config"
expect_eq "out0 after the reloads" "$(attached out0)" true
kill -0 "$GW_PID" || fail "gateway died"
kill -0 "$NODE_PID" || fail "node died"
exit 0
