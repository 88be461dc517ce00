#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The gateway's ferryd is killed with SIGKILL in the middle of a TCP
# transfer through the egress gateway and started again: the programs
# stay attached and the NAT table pinned meanwhile, the new ferryd adopts
# both (the connection keeps its entry and translated port), and the
# transfer completes intact from the egress IP.  Then the egress section
# is removed by reload: the programs come off out0 and the maps are
# unpinned.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/egress_lib.sh"
need_root
need_cmd jq python3 timeout bpftool curl tc

eg_setup
eg_start
wait_until 10 'test "$(jget "$(ctl gw --json show egress)" .result.interfaces[0].attached)" = true' ||
	fail "gateway did not attach to out0: $(ctl gw show egress)"

conn() { # the translated port of the pod's TCP connection, if any
	jget "$(ctl gw --json show egress nat --pod "$EG_POD" 2>/dev/null)" \
		'.result.connections[] | select(.protocol == "tcp") | .translated.port'
}
EGX_PACE=0.03 eg_xfer tcp "$EG_POD" "$EG_SRV" $((16 << 20)) >"$T_DIR/xfer" 2>&1 &
xpid=$!
wait_until 10 'test -n "$(conn)"' || fail "no NAT entry for the transfer: $(eg_diag)"
port=$(conn)
lines=$(wc -l <"$T_DIR/gw.log")
kill -KILL "$GW_PID"
wait "$GW_PID" 2>/dev/null
ovl_untrack_pid "$GW_PID"
# Down: the programs are still attached and the table still pinned.
[ -e "$EG_PIN-gw/egr_ct" ] || fail "NAT table unpinned by the kill"
if grep -q "interface=out0 .*hook=tcx" "$T_DIR/gw.log"; then
	[ -e "$EG_PIN-gw/egr_out_out0" ] || fail "egr_out link gone with ferryd"
fi
sleep 1
ferryd_start "$NS_GW" gw
GW_PID=$FERRYD_PID
kill -0 "$xpid" 2>/dev/null || fail "transfer ended before the restart was done: $(cat "$T_DIR/xfer")"
expect_eq "translated port after the restart" "$(conn)" "$port"
ovl_log_since gw "$lines" | grep -q "egress: datapath up" ||
	fail "restarted gateway did not bring the egress datapath up"
ovl_log_since gw "$lines" | grep -q "recreat" &&
	fail "restarted gateway recreated maps: $(ovl_log_since gw "$lines" | grep recreat)"
wait "$xpid" || fail "transfer broke across the restart: $(cat "$T_DIR/xfer") $(eg_diag)"
expect_eq "source after the restart" "$(tail -1 "$T_DIR/xfer")" "peer $EG_IP"

grep -q "interface=out0 .*hook=tcx" "$T_DIR/gw.log" || FERRY_NO_TCX_SEEN=1
[ -n "${FERRY_NO_TCX_SEEN:-}" ] || ovl_tcx_names "$NS_GW" out0 egress | grep -qx egr_out ||
	fail "egr_out not on out0 after the restart: $(ovl_tcx_names "$NS_GW" out0 egress)"

# A new table size cannot be applied to the live table: the reload says
# so (applied in part) and the running table keeps its size.
sed -i 's|table-size = 16384;|table-size = 32768;|' "$T_DIR/gw.conf"
ctl gw reload >"$T_DIR/reload.out" 2>&1 && fail "a table-size change was accepted by reload"
grep -q "applied in part" "$T_DIR/reload.out" || fail "reload said: $(cat "$T_DIR/reload.out")"
grep -q "nat.table-size cannot change on reload" "$T_DIR/gw.log" || fail "no log of the refused size"
expect_eq "table size after the refused change" \
	"$(jget "$(ctl gw --json show egress)" '.result."table-size"')" 16384
sed -i 's|table-size = 32768;|table-size = 16384;|' "$T_DIR/gw.conf"

# New timeouts apply on reload: the finished connection (closing) is
# collected within seconds once tcp-closing is 1 s.
sed -i 's|^[[:space:]]*nat = { table-size = \([0-9]*\);|nat = { table-size = \1; timeouts = { tcp-closing = 1; };|' "$T_DIR/gw.conf"
grep -q "tcp-closing = 1" "$T_DIR/gw.conf" || fail "config edit: $(grep nat "$T_DIR/gw.conf")"
ctl gw reload >/dev/null || fail "reload with new timeouts: $(tail -5 "$T_DIR/gw.log")"
wait_until 10 'test -z "$(conn)"' || fail "closed connection not collected: $(ctl gw show egress nat)"
[ "$(jget "$(ctl gw --json show egress)" .result.gc.expired)" -ge 1 ] ||
	fail "GC expired nothing: $(ctl gw show egress)"
ip netns exec "$NS_GW" curl -sf http://127.0.0.1:9590/metrics |
	grep -Eq '^ferry_egress_gc_expired_total [1-9]' || fail "ferry_egress_gc_expired_total"

# The section goes: programs off, maps unpinned, traffic untranslated.
sed -i '/^egress = {/,$d' "$T_DIR/gw.conf"
ctl gw reload >/dev/null || fail "reload without egress: $(tail -5 "$T_DIR/gw.log")"
[ -e "$EG_PIN-gw/egr_ct" ] && fail "NAT table still pinned without the section"
[ -e "$EG_PIN-gw/egr_out_out0" ] && fail "egr_out link still pinned without the section"
tc -n "$NS_GW" filter show dev out0 egress 2>/dev/null | grep -q egr_out &&
	fail "tc filter left on out0: $(tc -n "$NS_GW" filter show dev out0 egress)"
if [ -n "$(ovl_tcx_names "$NS_GW" out0 egress)" ]; then
	fail "programs left on out0: $(ovl_tcx_names "$NS_GW" out0 egress)"
fi
peer=$(eg_xfer udp "$EG_POD" "$EG_SRV" 500 5) || fail "UDP without the section: $peer"
expect_eq "source without the section" "$peer" "peer $EG_POD"
kill -0 "$GW_PID" || fail "gateway died"
exit 0
