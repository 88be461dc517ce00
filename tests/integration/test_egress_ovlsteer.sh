#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Egress steering of traffic the node routes into the overlay itself, in
# egress_ha_lib.sh's topology with two gateways and one node:
#
#   sw     bridges "under" (192.0.2.0/24) and "outer" (203.0.113.0/24)
#   gwK    K = 1, 2: ferryd, u0 192.0.2.K on under, out0 203.0.113.K and
#          its own egress IP 203.0.113.20K on outer; each announces the
#          outside, 203.0.113.0/24, to the node as an overlay route
#   node1  ferryd, eth0 192.0.2.21 on under, pod0 to pod1; its route
#          to the outside is the overlay's, to the best path's gateway
#   pod1   10.244.1.10 (the policy's source)
#   srv    203.0.113.10 and .11 ... .50, on outer
#
# The pod's packets to the outside enter the vxlan device by that route
# and never pass egr_out on the node's uplink; egr_ovl_out, first on the
# vxlan device's tcx egress, gives them the policy's gateway choice all
# the same (docs/design.md, "Egress high availability"):
#   - 40 connections, one per remote, are spread over both gateways (by
#     the source the server sees), not all sent to the best path's;
#   - egr_ovl_out runs ahead of ovl_egress, and so it stays across a
#     restart of the node's ferryd (its pinned link adopted);
#   - gw1's links cut: new connections of the same pairs all go by gw2.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/overlay_lib.sh"
. "$(dirname "$0")/bfd_lib.sh"
need_root
need_cmd jq python3 timeout bpftool
HA_NGW=2 HA_NNODE=1 HA_SRV_LAST=50 HA_GW_POOL=203.0.113.0/24
. "$(dirname "$0")/egress_ha_lib.sh"

ha_setup
ha_start
# The outside is an overlay route: the node routes it into the vxlan
# device, to one gateway, and egr_out on eth0 never sees it.
wait_until 20 "in_netns '$NS_NODE1' ip route get 203.0.113.11 | grep -q 'dev ferry0'" ||
	fail "the node does not route the outside into the overlay: $(in_netns "$NS_NODE1" ip route get 203.0.113.11)"
log "node's route to the outside: $(in_netns "$NS_NODE1" ip route get 203.0.113.11 | head -1)"

# The programs on the vxlan device's tcx egress, in the order they run.
ovl_chain() { ovl_tcx_names "$NS_NODE1" ferry0 egress | paste -sd, -; }
expect_eq "node: vxlan egress chain" "$(ovl_chain)" "egr_ovl_out,ovl_egress"
[ -e "$PIN-node1/egr_ovl_out_link" ] || fail "egr_ovl_out's link is not pinned"

ha_serve server 110

# clients TAG SECONDS: 40 connections from the pod, to .11 ... .50, in
# $T_DIR/TAG-1.out.
clients() { ha_clients "$1" 11 40 "$2"; }
# on TAG IP: how many of TAG's connections were carried as IP.
on() { awk -v ip="$2" '$1 == "conn" && $4 == ip' "$T_DIR/$1-1.out" | wc -l; }
steered() { jget "$(ctl node1 --json show egress)" .result.counters.steered.packets; }

# spread TAG: both gateways carry a fair share of TAG's connections.
spread() {
	local k c
	for k in 1 2; do
		c=$(on "$1" "203.0.113.20$k")
		log "$1: gw$k carries $c of 40 connections"
		[ "$c" -ge 8 ] || fail "$1: gw$k carries only $c of 40 connections: $(ctl node1 show egress)"
	done
	expect_eq "$1: connections carried" $(($(on "$1" 203.0.113.201) + $(on "$1" 203.0.113.202))) 40
}

s0=$(steered)
clients a 3
spread a
[ "$(steered)" -gt "$s0" ] || fail "the node counted nothing steered"
wait_until 10 "test \"\$(jget \"\$(ctl node1 --json show egress gateways)\" '[.result.gateways[].flows // 0] | add')\" = 40" ||
	fail "node: pinned flows: $(ctl node1 show egress gateways)"

# A restart of the node's ferryd: the pinned link is adopted, still first.
kill -TERM "$NODE1_PID"
wait "$NODE1_PID" 2>/dev/null
expect_eq "vxlan egress chain with ferryd stopped" "$(ovl_chain)" "egr_ovl_out,ovl_egress"
ferryd_start "$NS_NODE1" node1
for k in 1 2; do
	wait_for 20 ferry_bfd_up node1 "192.0.2.$k" ||
		fail "node: BFD to gw$k not up after the restart"
done
expect_eq "vxlan egress chain after the restart" "$(ovl_chain)" "egr_ovl_out,ovl_egress"
clients b 3
spread b
for i in $(seq 0 39); do
	a=$(awk -v i="$i" '$1 == "conn" && $2 == i { print $4 }' "$T_DIR/a-1.out")
	b=$(awk -v i="$i" '$1 == "conn" && $2 == i { print $4 }' "$T_DIR/b-1.out")
	[ "$a" = "$b" ] || fail "connection $i moved from $a to $b across the restart"
done

# gw1 dies: the node takes it out of the set and its pairs go by gw2.
t0=$(now_ms)
link_cut "fy-$T_ID-gw1" u0 "$NS_SW" u1
link_cut "fy-$T_ID-gw1" out0 "$NS_SW" o1
wait_until 5 "grep -q 'egress: gateway down: endpoint=192.0.2.1\$' '$T_DIR/node1.log'" ||
	fail "node kept gw1: $(tail -5 "$T_DIR/node1.log")"
log "gw1 out of the set after $(log_ms_after "$T_DIR/node1.log" "$t0" "egress: gateway down: endpoint=192.0.2.1") ms"
clients c 3
expect_eq "connections by gw2 with gw1 cut" "$(on c 203.0.113.202)" 40
link_restore "fy-$T_ID-gw1" u0 "$NS_SW" u1
link_restore "fy-$T_ID-gw1" out0 "$NS_SW" o1
exit 0
