#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# A VTEP switch (plain kernel vxlan device, static FDB entry toward the
# gateway) with a host behind it reaches a pod through ferryd, and back:
# ping and a TCP transfer both ways.  A spoofed source from the switch is
# dropped and counted.  Removing the VTEP by reload stops its traffic,
# adding it back restores it, and ferryd never restarts.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/overlay_lib.sh"
need_root
need_cmd jq python3

ovl_setup_gw
ovl_setup_switch 1
ovl_gw_conf "$(ovl_vtep_conf 1)"
ferryd_start "$NS_GW" gw
H1=$(ovl_host_net 1).10

json=$(ctl gw --json show overlay) || fail "show overlay"
expect_eq device "$(jget "$json" .result.device)" ferry0
expect_eq mac "$(jget "$json" .result.mac)" "$GW_MAC"
expect_eq tunnels "$(jget "$json" .result.tunnels)" 1
NET1=$(ovl_host_net 1)
ip -n "$NS_GW" route show proto 201 | grep -q "^$NET1.0/24 dev ferry0" ||
	fail "no kernel route: $(ip -n "$NS_GW" route show proto 201)"

ip netns exec "$NS_H1" ping -c 3 -i 0.2 -W 2 "$POD_IP" >/dev/null ||
	fail "host behind the switch cannot ping the pod"
ip netns exec "$NS_POD" ping -c 3 -i 0.2 -W 2 "$H1" >/dev/null ||
	fail "pod cannot ping the host behind the switch"

# With tcx, the pings were decapsulated by ovl_underlay_rx on the
# underlay bridge, not by the vxlan driver (docs/design.md).
if grep -q "hook=tcx" "$T_DIR/gw.log"; then
	json=$(ctl gw --json show overlay)
	expect_eq "underlay decap active" \
		"$(jget "$json" '.result["underlay-decap"].active')" true
	[ "$(jget "$json" '.result["underlay-decap"].decapsulated')" -ge 3 ] ||
		fail "pings not decapsulated on the underlay: $json"
fi

# TCP both ways: 4 MB each, content checked.
tcp_transfer() { # FROM_NS TO_NS TO_IP
	python3 "$(dirname "$0")/tcp_xfer.py" "$1" "$2" "$3" $((4 << 20))
}
tcp_transfer "$NS_H1" "$NS_POD" "$POD_IP" || fail "TCP host -> pod"
tcp_transfer "$NS_POD" "$NS_H1" "$H1" || fail "TCP pod -> host"

json=$(ctl gw --json show tunnels)
[ "$(jget "$json" '.result.tunnels[0]["tx-packets"]')" -gt 100 ] ||
	fail "tunnel tx counter: $json"
[ "$(jget "$json" '.result.tunnels[0]["rx-packets"]')" -gt 100 ] ||
	fail "tunnel rx counter: $json"
expect_eq owner "$(jget "$json" '.result.tunnels[0].owner')" sw1
expect_eq source "$(jget "$json" '.result.tunnels[0].source')" static

# A spoofed source: the host claims an address outside its prefix.
spoof_before=$(jget "$(ctl gw --json show overlay)" \
	.result.verdicts.ingress.spoof.packets)
ip -n "$NS_H1" addr add 10.200.0.66/32 dev eth0
ip netns exec "$NS_H1" ping -c 3 -i 0.2 -W 1 -I 10.200.0.66 "$POD_IP" \
	>/dev/null 2>&1 && fail "spoofed source got through"
spoof_after=$(jget "$(ctl gw --json show overlay)" \
	.result.verdicts.ingress.spoof.packets)
[ "$spoof_after" -ge $((spoof_before + 3)) ] ||
	fail "spoof drops not counted: $spoof_before -> $spoof_after"

# Reload without the VTEP: its traffic stops, ferryd stays the same process.
ovl_gw_conf ""
ctl gw reload >/dev/null || fail "reload without the VTEP"
expect_eq tunnels "$(jget "$(ctl gw --json show overlay)" .result.tunnels)" 0
ip netns exec "$NS_H1" ping -c 2 -i 0.2 -W 1 "$POD_IP" >/dev/null 2>&1 &&
	fail "removed VTEP still reaches the pod"
ip -n "$NS_GW" route show proto 201 | grep -q "$NET1.0" &&
	fail "route of the removed VTEP left behind"

# And back.
ovl_gw_conf "$(ovl_vtep_conf 1)"
ctl gw reload >/dev/null || fail "reload with the VTEP"
ip netns exec "$NS_H1" ping -c 3 -i 0.2 -W 2 "$POD_IP" >/dev/null ||
	fail "VTEP added back does not reach the pod"
expect_eq "same ferryd" "$(jget "$(ctl gw --json status)" .result.pid)" \
	"$FERRYD_PID"

# A VTEP prefix that already has a route of somebody else's (here an
# admin's blackhole) is refused, and that route is left as it was.
ip -n "$NS_GW" route add blackhole 10.150.0.0/24
ovl_gw_conf "$(ovl_vtep_conf 1), $(ovl_vtep_entry sw9 192.0.2.99 109 \
	02:00:00:00:09:10 10.150.0.0/24)"
out=$(ctl gw reload 2>&1) && fail "reload with a refused prefix succeeded"
echo "$out" | grep -q "applied in part" || fail "reload said: $out"
expect_eq "foreign route kept" \
	"$(ip -n "$NS_GW" route show 10.150.0.0/24 | tr -s ' ' | sed 's/ $//')" \
	"blackhole 10.150.0.0/24"
grep -q "not ferry's exists for the prefix; not replaced: prefix=10.150.0.0/24" \
	"$T_DIR/gw.log" || fail "refusal not logged"
ip netns exec "$NS_H1" ping -c 2 -i 0.2 -W 2 "$POD_IP" >/dev/null ||
	fail "the other VTEP stopped working"
# Once the admin's route is gone, a reload installs the tunnel's.
ip -n "$NS_GW" route del blackhole 10.150.0.0/24
ctl gw reload >/dev/null || fail "reload after the foreign route went"
ip -n "$NS_GW" route show proto 201 | grep -q "^10.150.0.0/24 dev ferry0" ||
	fail "no route for sw9: $(ip -n "$NS_GW" route show proto 201)"
exit 0
