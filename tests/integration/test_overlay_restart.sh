#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Restart without loss.  A paced TCP transfer from a host behind a VTEP
# switch to the pod runs while ferryd is killed (kill -9, then SIGTERM)
# and started again with the same config: the transfer completes intact,
# the new ferryd adopts the device, the tc or tcx programs and the pinned maps
# (it creates nothing and rewrites no tunnel entry), and the per-tunnel
# counters, which live in the pinned maps, carry on instead of starting
# from zero.  With tcx, the same holds for ovl_underlay_rx on the underlay
# bridge: it stays while ferryd is down, is adopted, not duplicated, and
# carries the transfer before and after.  A restart after an upgrade that
# changed one map's layout recreates that map only.  Then a restart with one VTEP changed in the config changes
# that VTEP's entry only, and the entry's old (VNI, endpoint) is no longer
# accepted; the same holds for the same change made by reload.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/overlay_lib.sh"
need_root
need_cmd jq python3 tc bpftool

HERE=$(cd "$(dirname "$0")" && pwd)
PIN=/sys/fs/bpf/ferry-test-$T_ID

ovl_setup_gw
ovl_setup_switch 1
ovl_setup_switch 2
NET1=$(ovl_host_net 1)
NET2=$(ovl_host_net 2)
ovl_gw_conf "$(ovl_vtep_conf 1), $(ovl_vtep_conf 2)"
ferryd_start "$NS_GW" gw
grep -q "overlay: device created: device=ferry0" "$T_DIR/gw.log" ||
	fail "first ferryd did not create the device"

bad=$(ovl_ping_hosts ok 1 2)
[ -z "$bad" ] || fail "hosts behind switches $bad cannot reach the pod"

# tun PREFIX KEY: a counter of the tunnel entry for PREFIX.
tun() {
	jget "$(ctl gw --json show tunnels)" \
		".result.tunnels[] | select(.prefix == \"$1\") | .[\"$2\"]"
}
# filters DIRECTION: the overlay programs attached to ferry0 there, as tc
# filters or, where the kernel has it, on the tcx hook.
filters() {
	local n
	n=$(tc -n "$NS_GW" filter show dev ferry0 "$1" | grep -c "ovl_$1")
	n=$((n + $(ovl_tcx_names "$NS_GW" ferry0 "$1" | grep -c "^ovl_$1$")))
	echo "$n"
}
rx_above() { [ "$(tun "$NET1.0/24" rx-bytes)" -gt "$1" ]; }
# underlay_progs: ovl_underlay_rx programs on the underlay bridge (tcx).
underlay_progs() {
	ovl_tcx_names "$NS_GW" under ingress | grep -c '^ovl_underlay_rx$'
}
decapsulated() {
	jget "$(ctl gw --json show overlay)" '.result["underlay-decap"].decapsulated'
}
TCX=0
grep -q "hook=tcx" "$T_DIR/gw.log" && TCX=1
expect_eq "underlay programs" "$(underlay_progs)" "$TCX"

# Switch 2 stays idle across the restarts: its counters must come back
# exactly as they were.
IDLE_RX=$(tun "$NET2.0/24" rx-packets)
IDLE_TX=$(tun "$NET2.0/24" tx-packets)
{ [ "$IDLE_RX" -ge 2 ] && [ "$IDLE_TX" -ge 2 ]; } ||
	fail "switch 2 counters after ping: rx=$IDLE_RX tx=$IDLE_TX"

# stop_ferryd KILL|TERM: stop the running ferryd and reap it.
stop_ferryd() {
	local rc=0
	kill -"$1" "$FERRYD_PID"
	{ wait "$FERRYD_PID" || rc=$?; } 2>/dev/null # no "Killed" notice
	ovl_untrack_pid "$FERRYD_PID"
	if [ "$1" = TERM ]; then
		expect_eq "exit status after SIGTERM" "$rc" 0
	else
		expect_eq "exit status after SIGKILL" "$rc" 137
	fi
}

# kernel_state_intact: with no ferryd running, device, programs and pinned
# maps are all still there.
kernel_state_intact() {
	local m
	ip -n "$NS_GW" link show ferry0 up | grep -q ferry0 ||
		fail "ferry0 is gone or down without ferryd"
	expect_eq "ingress programs without ferryd" "$(filters ingress)" 1
	expect_eq "egress programs without ferryd" "$(filters egress)" 1
	expect_eq "underlay programs without ferryd" "$(underlay_progs)" "$TCX"
	for m in ovl_tun4 ovl_tun6 ovl_src4 ovl_src6 ovl_cnt ovl_stats \
		ovl_config; do
		[ -e "$PIN/$m" ] || fail "pinned map $m is gone without ferryd"
	done
	ip -n "$NS_GW" route show proto 201 | grep -q "^$NET1.0/24 dev ferry0" ||
		fail "route gone without ferryd"
}

# adopted_only LOGTEXT TUNNELS: the new ferryd's log says it adopted and
# created or rewrote nothing.
adopted_only() {
	grep -q "overlay: adopted existing device: device=ferry0" <<<"$1" ||
		fail "new ferryd did not adopt the device: $1"
	grep -q "overlay: adopted tunnel entries: count=$2" <<<"$1" ||
		fail "new ferryd did not adopt $2 tunnel entries: $1"
	! grep -Eq "device created|replacing it|recreating pinned maps" \
		<<<"$1" || fail "new ferryd recreated state: $1"
}

# restart_during_transfer HOW [CMD...]: run a paced TCP transfer host 1 ->
# pod (40 MB, at least 6.4 s), stop ferryd with SIGHOW when it is under
# way, run CMD while ferryd is down, start ferryd again and let the
# transfer finish.  Sets NEWLOG to what the new ferryd logged.
restart_during_transfer() {
	local how=$1 mark rx0 dec0 xfer rc=0
	shift
	python3 "$HERE/tcp_xfer.py" "$NS_H1" "$NS_POD" "$POD_IP" \
		$((40 << 20)) 0.01 >"$T_DIR/xfer.out" 2>&1 &
	xfer=$!
	track_pid "$xfer"
	rx0=$(tun "$NET1.0/24" rx-bytes)
	wait_for 10 rx_above $((rx0 + (2 << 20))) ||
		fail "transfer does not get going"
	rx0=$(tun "$NET1.0/24" rx-bytes)
	dec0=$(decapsulated)
	stop_ferryd "$how"
	kill -0 "$xfer" 2>/dev/null ||
		fail "transfer finished before ferryd was stopped"
	kernel_state_intact
	"$@"
	sleep 1 # traffic keeps flowing with no ferryd at all
	mark=$(wc -l <"$T_DIR/gw.log")
	ferryd_start "$NS_GW" gw
	NEWLOG=$(ovl_log_since gw "$mark")
	[ "$(tun "$NET1.0/24" rx-bytes)" -gt "$rx0" ] ||
		fail "SIG$how: rx bytes went from $rx0 to" \
			"$(tun "$NET1.0/24" rx-bytes): reset, or not counting"
	kill -0 "$xfer" 2>/dev/null ||
		fail "transfer finished before ferryd was back: make it longer"
	wait "$xfer" || rc=$?
	ovl_untrack_pid "$xfer"
	[ "$rc" -eq 0 ] ||
		fail "SIG$how: transfer broken: $(cat "$T_DIR/xfer.out")"
	log "SIG$how: $(cat "$T_DIR/xfer.out")"
	expect_eq "ingress programs after SIG$how" "$(filters ingress)" 1
	expect_eq "egress programs after SIG$how" "$(filters egress)" 1
	expect_eq "underlay programs after SIG$how" "$(underlay_progs)" "$TCX"
	# The adopted program decapsulates (the bulk of the transfer is GSO
	# packets, which it leaves to the driver; pings are not).
	dec0=$(decapsulated)
	ip netns exec "$NS_H1" ping -c 2 -i 0.2 -W 2 "$POD_IP" >/dev/null ||
		fail "SIG$how: host 1 cannot ping the pod"
	[ "$TCX" = 0 ] || [ "$(decapsulated)" -ge $((dec0 + 2)) ] ||
		fail "SIG$how: the adopted underlay program does not decapsulate"
}

for how in KILL TERM; do
	restart_during_transfer "$how"
	adopted_only "$NEWLOG" 2
	! grep -Eq "tunnel (added|changed|removed)" <<<"$NEWLOG" ||
		fail "SIG$how: same config, but entries were rewritten: $NEWLOG"
	expect_eq "SIG$how: idle rx" "$(tun "$NET2.0/24" rx-packets)" "$IDLE_RX"
	expect_eq "SIG$how: idle tx" "$(tun "$NET2.0/24" tx-packets)" "$IDLE_TX"
	expect_eq "SIG$how: tunnels" \
		"$(jget "$(ctl gw --json show overlay)" .result.tunnels)" 2
	bad=$(ovl_ping_hosts ok 1 2)
	[ -z "$bad" ] || fail "SIG$how: hosts $bad cannot reach the pod"
	IDLE_RX=$(tun "$NET2.0/24" rx-packets)
	IDLE_TX=$(tun "$NET2.0/24" tx-packets)
done

# An upgrade that changes one map's layout (as new verdicts grow
# ovl_stats): the new ferryd recreates that map alone and adopts the
# others, tunnel entries and their counters included.
stats_layout_changed() {
	rm "$PIN/ovl_stats"
	bpftool map create "$PIN/ovl_stats" type percpu_array key 4 value 16 \
		entries 3 name ovl_stats || fail "cannot pin a changed ovl_stats"
}
restart_during_transfer TERM stats_layout_changed
grep -q "pinned map has another layout, recreating it: map=ovl_stats" \
	<<<"$NEWLOG" || fail "changed ovl_stats not recreated: $NEWLOG"
expect_eq "maps recreated" "$(grep -c "another layout" <<<"$NEWLOG")" 1
adopted_only "$NEWLOG" 2
! grep -Eq "tunnel (added|changed|removed)" <<<"$NEWLOG" ||
	fail "changed ovl_stats, but entries were rewritten: $NEWLOG"
expect_eq "changed ovl_stats: idle rx" "$(tun "$NET2.0/24" rx-packets)" \
	"$IDLE_RX"
expect_eq "changed ovl_stats: idle tx" "$(tun "$NET2.0/24" tx-packets)" \
	"$IDLE_TX"

# A restart with switch 2 moved to VNI 202: only its entry changes, and
# the transfer through switch 1 does not notice.
change_vtep2() {
	ovl_gw_conf "$(ovl_vtep_conf 1), $(ovl_vtep_entry sw2 \
		"$(ovl_sw_under 2)" 202 "$(ovl_host_mac 2)" "$NET2.0/24")"
	ovl_switch_vni 2 202
}
restart_during_transfer KILL change_vtep2
adopted_only "$NEWLOG" 2
changes=$(grep -E "tunnel (added|changed|removed)" <<<"$NEWLOG")
expect_eq "entries rewritten" "$changes" \
	"$(grep "overlay: tunnel changed: prefix=$NET2.0/24 source=static owner=sw2" \
		<<<"$NEWLOG")"
[ -n "$changes" ] || fail "the changed VTEP was not rewritten: $NEWLOG"
json=$(ctl gw --json show tunnels)
expect_eq "new VNI" "$(jget "$json" \
	".result.tunnels[] | select(.owner == \"sw2\") | .vni")" 202
expect_eq "VNI of sw1" "$(jget "$json" \
	".result.tunnels[] | select(.owner == \"sw1\") | .vni")" 101
expect_eq "changed entry keeps its counters" \
	"$(tun "$NET2.0/24" rx-packets)" "$IDLE_RX"
bad=$(ovl_ping_hosts ok 1 2)
[ -z "$bad" ] || fail "after the change, hosts $bad cannot reach the pod"

# The entry's old (VNI, endpoint) no longer vouches for its prefix.
spoof() {
	jget "$(ctl gw --json show overlay)" .result.verdicts.ingress.spoof.packets
}
# old_vni_refused VNI: switch 2 on VNI, which it no longer has, gets no
# packet in (the entry counts none; the other noise a host sends, like
# IPv6 link-local, counts as spoof too, so that alone proves nothing).
old_vni_refused() {
	local spoof0 rx0
	spoof0=$(spoof)
	rx0=$(tun "$NET2.0/24" rx-packets)
	ovl_switch_vni 2 "$1"
	bad=$(ovl_ping_hosts fail 2)
	[ -z "$bad" ] || fail "switch 2 still gets through on old VNI $1"
	expect_eq "packets accepted from old VNI $1" \
		$(($(tun "$NET2.0/24" rx-packets) - rx0)) 0
	[ "$(spoof)" -ge $((spoof0 + 2)) ] ||
		fail "old VNI $1 not dropped as spoof: $spoof0 -> $(spoof)"
}
old_vni_refused 102

# The same change by reload (where no sweep of the maps follows).
mark=$(wc -l <"$T_DIR/gw.log")
ovl_gw_conf "$(ovl_vtep_conf 1), $(ovl_vtep_entry sw2 \
	"$(ovl_sw_under 2)" 302 "$(ovl_host_mac 2)" "$NET2.0/24")"
ctl gw reload >/dev/null || fail "reload with sw2 at VNI 302"
expect_eq "entries rewritten by the reload" \
	"$(ovl_log_since gw "$mark" | grep -cE "tunnel (added|changed|removed)")" 1
ovl_switch_vni 2 302
bad=$(ovl_ping_hosts ok 1 2)
[ -z "$bad" ] || fail "after the reload, hosts $bad cannot reach the pod"
old_vni_refused 202
exit 0
