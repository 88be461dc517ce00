#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# scripts/demo, the first thing a new user runs, on this build: the lab
# comes up, every step it shows works (it fails loudly otherwise: BGP
# session, pools at BIRD, ping both ways, TCP across the overlay, a
# gateway killed and the node and BIRD on the other within 1 s; a pod
# selected by an egress policy reaches the outside server from the
# egress IP, another pod with its own address; a long-lived connection
# of that pod goes on across the kill, through the other gateway, which
# has its synced NAT entry), it
# ends with the help text, and scripts/lab/down removes all of it.  The
# lab has fixed names (ferry-gw, /run/ferry-lab): a lab a person left up
# is not ours to remove, so then the test is skipped.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd bird birdc ping python3 curl jq

top=$(cd "$(dirname "$0")/../.." && pwd)
[ -d /run/ferry-lab ] && skip "a demo lab is up already (scripts/lab/down)"
t_cleanup_extra() { "$top/scripts/lab/down" >/dev/null 2>&1; }

LAB_BUILD=$FERRY_BUILDDIR FERRY_DEMO_BUILT=1 "$top/scripts/demo" \
	>"$T_DIR/demo.log" 2>&1 || fail "scripts/demo failed: $(tail -30 "$T_DIR/demo.log")"
grep -q "8388608 bytes arrived intact" "$T_DIR/demo.log" || fail "no TCP step"
grep -q "Established" "$T_DIR/demo.log" || fail "no BGP session shown"
grep -q "upstream BIRD's route to the pods on gateway 2 after [0-9]* ms" \
	"$T_DIR/demo.log" || fail "no failover at BIRD shown"
grep -q "node 1's tunnel to the outside on gateway 2 after [0-9]* ms" \
	"$T_DIR/demo.log" || fail "no failover at the node shown"
# Egress: what the outside server saw, as the demo printed it.
grep -qx "pod 10.244.2.10 (selected by the policy): the server saw 198.18.1.10" \
	"$T_DIR/demo.log" || fail "the selected pod did not arrive from the egress IP: $(grep 'server saw' "$T_DIR/demo.log")"
grep -qx "pod 10.244.2.20 (not selected): the server saw 10.244.2.20" \
	"$T_DIR/demo.log" || fail "the other pod did not arrive with its own address: $(grep 'server saw' "$T_DIR/demo.log")"
# Gateway 1's NAT table, as the demo showed it: the selected pod's
# connection, translated to the egress IP.
grep -Eq '^tcp +10\.244\.2\.10:[0-9]+ +198\.51\.100\.80:5301 +198\.18\.1\.10:[0-9]+ ' \
	"$T_DIR/demo.log" || fail "no NAT entry for the selected pod in the demo's show egress nat"
log "$(grep 'server saw' "$T_DIR/demo.log" | tr '\n' ';')"
# The joined VM: pings and TCP to the node agent's pod.
grep -q "joined the overlay as vm1" "$T_DIR/demo.log" || fail "the VM did not join"
sed -n '/the VM pings/,/VM to pod/p' "$T_DIR/demo.log" |
	grep -q "3 packets transmitted, 3 received" || fail "the VM's ping to the pod"
grep -qx "VM to pod 10.244.2.10: 1048576 bytes arrived intact" "$T_DIR/demo.log" ||
	fail "the VM's TCP to the pod"
# The long-lived connection across the kill: held by both gateways
# before, on gateway 2 after, never reset nor stalled, the same egress
# address and port at the server.
grep -Eq '^the connection on gateway 2: translated=198\.18\.1\.10:[0-9]+ synced=true translated-here=false$' \
	"$T_DIR/demo.log" || fail "gateway 2 did not hold the connection synced before the kill"
grep -Eq '^the connection on gateway 2: translated=198\.18\.1\.10:[0-9]+ synced=true translated-here=true$' \
	"$T_DIR/demo.log" || fail "gateway 2 does not translate the connection after the kill"
grep -Eq "^the connection: ok at the end, 0 resets, closes or moves; longest wait for an answer [0-9]+ ms$" \
	"$T_DIR/demo.log" || fail "the connection did not go on: $(grep '^the connection' "$T_DIR/demo.log")"
grep -Eq "^the server's socket: peer (198\.18\.1\.10:[0-9]+) before the kill, \1 after$" \
	"$T_DIR/demo.log" || fail "the server's peer changed: $(grep "^the server's socket" "$T_DIR/demo.log")"
grep -q "upstream BIRD's route to the egress IP on gateway 2 after [0-9]* ms" \
	"$T_DIR/demo.log" || fail "no move of the egress IP at BIRD shown"
log "$(grep -E "^the connection( on|:)|^the server's socket: peer|^gateway 2's egress" "$T_DIR/demo.log" | tr '\n' ';')"
grep -q "gateway 1 back" "$T_DIR/demo.log" || fail "gateway 1 not brought back"
grep -q "the gateways' NAT state sync is live again" "$T_DIR/demo.log" ||
	fail "the sync did not come back with gateway 1"
log "$(grep -E 'on gateway 2 after|packets transmitted' "$T_DIR/demo.log" | tr '\n' ';')"
grep -q "The lab is up" "$T_DIR/demo.log" || fail "no help at the end"
grep -q "scripts/lab/down" "$T_DIR/demo.log" || fail "no word on taking it down"
ip netns list | grep -q '^ferry-gw' || fail "the lab is not up after the demo"

"$top/scripts/lab/down" >"$T_DIR/down.log" 2>&1 || fail "scripts/lab/down failed"
if ip netns list | grep -q '^ferry-'; then
	fail "namespaces left after scripts/lab/down: $(ip netns list | grep '^ferry-')"
fi
[ ! -d /run/ferry-lab ] || fail "/run/ferry-lab left after down"
for d in ferry-lab ferry-lab-gw2 ferry-lab-n1 ferry-lab-egress ferry-lab-gw2-egress \
	ferry-lab-n1-egress \
	ferry-lab-vm1; do
	[ ! -d "/sys/fs/bpf/$d" ] || fail "pinned maps left after down: /sys/fs/bpf/$d"
done
exit 0
