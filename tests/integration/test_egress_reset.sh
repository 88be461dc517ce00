#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Reset, don't hang (docs/design.md, "Egress high availability"): a
# gateway of a policy with two gateways that gets a TCP segment of a
# connection it has no NAT entry for (a node moved the flow there from a
# gateway that died) answers the pod with an RST from the remote, back
# through the overlay.  The policy lists this gateway and gw2, which the
# node sees down (as in test_egress_gw_health), so the pod's connection
# goes through the gateway; then the gateway's NAT table is emptied
# under the established connection (bpftool, on the test's own pinned
# maps), which leaves the gateway where a survivor is after a failover.
# The pod's next write must end in ECONNRESET within seconds, not in
# minutes of retransmissions; the gateway counts the reset and opens no
# mapping for the segment.  The same for IPv6.
. "$(dirname "$0")/lib.sh"
EG_STEER=1
EG_V6=1
. "$(dirname "$0")/egress_lib.sh"
need_root
need_cmd jq python3 timeout bpftool

eg_gw2
eg_start_steer
wait_until 20 'test "$(jget "$(ctl node --json show egress)" ".result.policies[0].\"gateways-down\" | join(\",\")")" = "$EG_GW2"' ||
	fail "gw2 is not down on the node: $(ctl node show egress)"
wait_until 10 'test "$(jget "$(ctl gw --json show egress)" .result.interfaces[0].attached)" = true' ||
	fail "gateway did not attach to out0: $(ctl gw show egress)"
counter() { jget "$(ctl gw --json show egress)" ".result.counters.\"$1\".packets"; }

# Empty the gateway's NAT table: egr_ct, then egr_rev, as the GC does.
nat_flush() {
	local m k keys
	for m in egr_ct egr_rev; do
		keys=$(bpftool -j map dump pinned "$EG_PIN-gw/$m" |
			jq -r '.[] | .key | join(" ")' | sed 's/0x//g') ||
			fail "bpftool: dump $m"
		while read -r k; do
			[ -n "$k" ] || continue
			# shellcheck disable=SC2086
			bpftool map delete pinned "$EG_PIN-gw/$m" key hex $k ||
				fail "bpftool: delete from $m"
		done <<<"$keys"
	done
}

# reset_run SERVER PORT POD: a connection from the pod that exchanges a line,
# waits for $T_DIR/go, then writes again; prints what became of it.
reset_run() {
	local srv=$1 port=$2 out
	rm -f "$T_DIR/client"
	ip netns exec "$NS_SRV" timeout 60 python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(1)
c, a = s.accept()
while True:
    b = c.recv(100)
    if not b:
        break
    c.sendall(b)
' "$srv" "$port" &
	track_pid $!
	wait_until 5 "ip netns exec $NS_SRV ss -Hltn 'sport = :$port' | grep -q LISTEN" ||
		fail "server on port $port did not listen"
	rm -f "$T_DIR/go" "$T_DIR/ready"
	ip netns exec "$NS_POD" timeout 60 python3 -c '
import os, socket, sys, time
srv, port, d, pod = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
c = socket.create_connection((srv, port), timeout=5, source_address=(pod, 0))
c.sendall(b"one")
assert c.recv(100) == b"one"
open(d + "/ready", "w").close()
while not os.path.exists(d + "/go"):
    time.sleep(0.05)
t = time.time()
c.settimeout(20)
try:
    c.sendall(b"two")
    b = c.recv(100)
    print("answered %r" % b)
except ConnectionResetError:
    print("reset %.1f" % (time.time() - t))
except socket.timeout:
    print("hung")
' "$srv" "$port" "$T_DIR" "$3" >"$T_DIR/client" 2>&1 &
	track_pid $!
	wait_until 10 "test -e $T_DIR/ready" ||
		fail "no connection through the gateway: $(cat "$T_DIR/client") $(eg_diag)"
	[ "$(jget "$(ctl gw --json show egress nat --pod "$3")" '.result.connections | length')" -ge 1 ] ||
		fail "the connection has no NAT entry: $(eg_diag)"
	nat_flush
	[ "$(jget "$(ctl gw --json show egress nat --pod "$3")" '.result.connections | length')" = 0 ] ||
		fail "NAT table not emptied: $(eg_diag)"
	touch "$T_DIR/go"
	wait_until 25 "grep -q . $T_DIR/client" || fail "client said nothing"
	out=$(cat "$T_DIR/client")
	echo "$out" | grep -Eq '^reset [0-9.]+$' ||
		fail "the pod's connection was not reset: $out $(eg_diag)"
	log "$srv: $out"
	# At once: the first retransmission would be 200 ms or more later.
	awk '{ exit !($2 < 2.0) }' <<<"$out" || fail "reset too late: $out"
	[ "$(jget "$(ctl gw --json show egress nat --pod "$3")" '.result.connections | length')" = 0 ] ||
		fail "a mapping was opened for the segment: $(eg_diag)"
}

reset_run "$EG_SRV" 5403 "$EG_POD"
n4=$(counter reset)
[ "$n4" -ge 1 ] || fail "no reset counted: $(ctl gw show egress)"
reset_run "$EG6_SRV" 5404 "$EG6_POD"
[ "$(counter reset)" -gt "$n4" ] || fail "no IPv6 reset counted: $(ctl gw show egress)"
m=$(ip netns exec "$NS_GW" curl -sf http://127.0.0.1:9590/metrics) || fail "metrics"
echo "$m" | grep -Eq '^ferry_egress_resets_total [1-9]' ||
	fail "no resets metric: $(echo "$m" | grep resets)"
exit 0
