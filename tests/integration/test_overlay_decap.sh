#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Receive-side decapsulation on the underlay (overlay.underlay-decap,
# docs/design.md).  ovl_underlay_rx sits on the tcx ingress of the bridge
# holding overlay.local and carries the host's traffic to the pod; a
# spoofed source is dropped by it and counted as ovl_ingress would.
# Reload: turning it off removes it (traffic goes through the vxlan
# driver, as before), on again puts it back; a restart adopts its pinned
# link; moving local to another
# device moves it there; removing the overlay section removes it and its
# pinned link.  Needs tcx (Linux 6.6); skips without.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/overlay_lib.sh"
need_root
need_cmd jq python3 bpftool

PIN=/sys/fs/bpf/ferry-test-$T_ID
ovl_setup_gw
ovl_setup_switch 1
ovl_gw_conf "$(ovl_vtep_conf 1)"
ferryd_start "$NS_GW" gw
grep -q "hook=tcx" "$T_DIR/gw.log" || skip "no tcx: no underlay decapsulation"
H1=$(ovl_host_net 1).10

urx() { jget "$(ctl gw --json show overlay)" ".result[\"underlay-decap\"].$1"; }
# on_dev DEV: how many ovl_underlay_rx programs hang on DEV's tcx ingress.
on_dev() { ovl_tcx_names "$NS_GW" "$1" ingress | grep -c '^ovl_underlay_rx$'; }
ping_ok() {
	ip netns exec "$NS_H1" ping -c 3 -i 0.2 -W 2 "$POD_IP" >/dev/null ||
		fail "$1: host cannot ping the pod"
}

expect_eq "active" "$(urx active)" true
expect_eq "on under" "$(on_dev under)" 1
expect_eq "ifindex" "$(urx ifindex)" \
	"$(ip netns exec "$NS_GW" cat /sys/class/net/under/ifindex)"
[ -e "$PIN/ovl_underlay_link" ] || fail "underlay link not pinned"

# Traffic to the pod comes through it; replies go out through ovl_egress.
d0=$(urx decapsulated)
ping_ok "decap on"
python3 "$(dirname "$0")/tcp_xfer.py" "$NS_H1" "$NS_POD" "$POD_IP" \
	$((1 << 20)) || fail "TCP host -> pod through the underlay program"
[ "$(urx decapsulated)" -ge $((d0 + 3)) ] ||
	fail "not decapsulated on the underlay: $(ctl gw show overlay)"
rx=$(jget "$(ctl gw --json show tunnels)" '.result.tunnels[0]["rx-packets"]')
[ "$rx" -ge 3 ] || fail "tunnel rx counter: $rx"

# A spoofed source is dropped there and counted as spoof.
spoof0=$(jget "$(ctl gw --json show overlay)" .result.verdicts.ingress.spoof.packets)
ip -n "$NS_H1" addr add 10.200.0.66/32 dev eth0
ip netns exec "$NS_H1" ping -c 3 -i 0.2 -W 1 -I 10.200.0.66 "$POD_IP" \
	>/dev/null 2>&1 && fail "spoofed source got through"
ip -n "$NS_H1" addr del 10.200.0.66/32 dev eth0
[ "$(jget "$(ctl gw --json show overlay)" \
	.result.verdicts.ingress.spoof.packets)" -ge $((spoof0 + 3)) ] ||
	fail "spoof not counted"

# Off by reload: the program goes, the vxlan driver receives again.
ovl_gw_conf "$(ovl_vtep_conf 1)" "underlay-decap = false;"
ctl gw reload >/dev/null || fail "reload with underlay-decap = false"
expect_eq "active when off" "$(urx active)" false
expect_eq "on under when off" "$(on_dev under)" 0
[ -e "$PIN/ovl_underlay_link" ] && fail "link still pinned when off"
d0=$(urx decapsulated)
ping_ok "decap off"
expect_eq "decapsulated when off" "$(urx decapsulated)" "$d0"

# On again.
ovl_gw_conf "$(ovl_vtep_conf 1)"
ctl gw reload >/dev/null || fail "reload with underlay-decap back on"
expect_eq "on under again" "$(on_dev under)" 1
ping_ok "decap on again"
[ "$(urx decapsulated)" -ge $((d0 + 3)) ] || fail "not decapsulating again"

# kill -9 and a new ferryd: the pinned link is adopted, not replaced.
kill -9 "$FERRYD_PID"
wait "$FERRYD_PID" 2>/dev/null
ovl_untrack_pid "$FERRYD_PID"
expect_eq "on under without ferryd" "$(on_dev under)" 1
mark=$(wc -l <"$T_DIR/gw.log")
ferryd_start "$NS_GW" gw
ovl_log_since gw "$mark" | grep -q "stale tcx link" &&
	fail "a link was not adopted: $(ovl_log_since gw "$mark")"
expect_eq "on under after restart" "$(on_dev under)" 1
d0=$(urx decapsulated)
ping_ok "after restart"
[ "$(urx decapsulated)" -ge $((d0 + 3)) ] ||
	fail "not decapsulating after restart"

# local on another device: the program moves with it.
ip -n "$NS_GW" -batch - <<-EOF2 || fail "second underlay device"
	link add under2 address 02:fe:ff:00:00:02 type bridge
	addr add 198.18.0.1/24 dev under2
	link set under2 up
EOF2
ferryd_conf gw "overlay = {
	local = \"198.18.0.1\";
	mac = \"$GW_MAC\";
	pin-dir = \"$PIN\";
	vteps = ( $(ovl_vtep_entry sw1 198.18.0.11 101 "$(ovl_host_mac 1)" \
		"$(ovl_host_net 1).0/24") );
};" >/dev/null
ctl gw reload >/dev/null || fail "reload with local on under2"
expect_eq "on under after the move" "$(on_dev under)" 0
expect_eq "on under2 after the move" "$(on_dev under2)" 1
expect_eq "ifindex after the move" "$(urx ifindex)" \
	"$(ip netns exec "$NS_GW" cat /sys/class/net/under2/ifindex)"

# And back, then the overlay leaves the config: program and link go.
ovl_gw_conf "$(ovl_vtep_conf 1)"
ctl gw reload >/dev/null || fail "reload with local back on under"
expect_eq "on under2 after moving back" "$(on_dev under2)" 0
expect_eq "on under after moving back" "$(on_dev under)" 1
ping_ok "moved back"
ferryd_conf gw "" >/dev/null
ctl gw reload >/dev/null || fail "reload without the overlay"
expect_eq "on under without the overlay" "$(on_dev under)" 0
[ -e "$PIN/ovl_underlay_link" ] && fail "link left pinned without the overlay"
exit 0
