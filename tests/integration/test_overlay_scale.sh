#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Scale.  50 VTEP switch namespaces at once, each with a host behind it,
# all reach the pod.  A reload that removes one VTEP stops that one only;
# the other 49 keep reaching the pod and their entries are not touched.
# Then a config of 1000 VTEPs (950 of them only addresses: endpoints
# nobody answers at, never sent to) loads by reload: ferryd, the kernel
# routes and the BPF maps all hold every entry, and the 50 real switches
# still work.  Shrinking back to 50 leaves nothing of the 950 behind.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/overlay_lib.sh"
need_root
need_cmd jq bpftool

N=50         # switch namespaces
FAKE=950     # VTEPs without a namespace
GONE=25      # the switch the reload removes
PIN=/sys/fs/bpf/ferry-test-$T_ID

ovl_setup_gw
for n in $(seq 1 $N); do
	ovl_setup_switch "$n"
done
log "$N switches set up after ${SECONDS}s"

# real_entries N...: the config entries of those switches, comma-separated.
declare -a ENTRY
for n in $(seq 1 $N); do
	ENTRY[n]=$(ovl_vtep_conf "$n")
done
real_entries() {
	local n sep=""
	for n in "$@"; do
		printf '%s%s\n' "$sep" "${ENTRY[n]}"
		sep=", "
	done
}
# fake_entries: FAKE VTEPs at 198.18.0.0/15 (RFC 2544: no namespace here
# has it, and no test traffic goes to their prefixes).  Every tenth also
# has an IPv6 prefix, so both tries hold many entries.
fake_entries() {
	awk -v n="$FAKE" 'BEGIN {
		for (i = 0; i < n; i++) {
			p = sprintf("\"172.%d.%d.0/24\"", 16 + int(i / 256), i % 256);
			if (i % 10 == 0)
				p = p sprintf(", \"2001:db8:f:%x::/64\"", i);
			printf(", { name = \"x%d\"; endpoint = \"198.18.%d.%d\"; " \
			    "vni = %d; mac = \"02:01:00:%02x:%02x:01\"; " \
			    "prefixes = (%s); }\n", i, int(i / 250), i % 250 + 1,
			    1000 + i, int(i / 256), i % 256, p);
		}
	}'
}
FAKE_TUNNELS=$((FAKE + (FAKE + 9) / 10))

ALL=$(seq 1 $N)
KEPT=$(seq 1 $N | grep -vx "$GONE")
tunnels() { jget "$(ctl gw --json show overlay)" .result.tunnels; }
routes() { ip -n "$NS_GW" route show proto 201 dev ferry0 | wc -l; }
routes6() { ip -n "$NS_GW" -6 route show proto 201 dev ferry0 | wc -l; }
map_len() { bpftool -j map dump pinned "$PIN/$1" | jq length; }
rx_of() {
	jget "$(ctl gw --json show tunnels)" \
		".result.tunnels[] | select(.owner == \"$1\") | .[\"rx-packets\"]"
}
# changes_since LINE: tunnel entries written since log line LINE.
changes_since() {
	ovl_log_since gw "$1" | grep -E "overlay: tunnel (added|changed|removed)"
}

# All 50 at once.
ovl_gw_conf "$(real_entries $ALL)"
ferryd_start "$NS_GW" gw
expect_eq tunnels "$(tunnels)" $N
bad=$(ovl_ping_hosts ok $ALL)
# shellcheck disable=SC2086
[ -z "$bad" ] || fail "hosts behind switches $bad cannot reach the pod
$(ovl_diagnose $bad)"
log "$N switches reach the pod after ${SECONDS}s"

# Reload without one: it alone stops, the rest are not touched.
rx1=$(rx_of sw1)
mark=$(wc -l <"$T_DIR/gw.log")
ovl_gw_conf "$(real_entries $KEPT)"
ctl gw reload >/dev/null || fail "reload without sw$GONE"
expect_eq tunnels "$(tunnels)" $((N - 1))
expect_eq "entries written by the reload" "$(changes_since "$mark")" \
	"$(changes_since "$mark" | grep -F "tunnel removed: prefix=$(ovl_host_net $GONE).0/24 ")"
[ -n "$(changes_since "$mark")" ] || fail "nothing removed: $(ovl_log_since gw "$mark")"
bad=$(ovl_ping_hosts fail $GONE)
[ -z "$bad" ] || fail "removed switch $GONE still reaches the pod"
bad=$(ovl_ping_hosts ok $KEPT)
[ -z "$bad" ] || fail "after removing sw$GONE, hosts $bad lost the pod"
[ "$(rx_of sw1)" -gt "$rx1" ] || fail "sw1 counters: $rx1 -> $(rx_of sw1)"
log "reload without sw$GONE checked after ${SECONDS}s"

# 1000 VTEPs: the 50 real ones and 950 addresses.
mark=$(wc -l <"$T_DIR/gw.log")
ovl_gw_conf "$(real_entries $ALL)$(fake_entries)"
ctl gw reload >/dev/null || fail "reload with $((N + FAKE)) VTEPs"
want=$((N + FAKE_TUNNELS))
json=$(ctl gw --json show overlay)
expect_eq vteps "$(jget "$json" .result.vteps)" $((N + FAKE))
expect_eq tunnels "$(jget "$json" .result.tunnels)" $want
expect_eq "tunnels added" "$(changes_since "$mark" | grep -c "tunnel added")" \
	$((FAKE_TUNNELS + 1))
expect_eq "tunnels rewritten" "$(changes_since "$mark" | grep -vc "tunnel added")" 0
expect_eq "show tunnels --json" \
	"$(jget "$(ctl gw --json show tunnels)" '.result.tunnels | length')" $want
expect_eq "show tunnels lines" "$(ctl gw show tunnels | wc -l)" $((want + 1))
ctl gw show tunnels | grep -q "^172\.19\.181\.0/24 *198\.18\.3\.200 .* x949 " ||
	fail "last fake entry not listed: $(ctl gw show tunnels | tail -3)"
expect_eq "IPv4 routes" "$(routes)" $((N + FAKE))
expect_eq "IPv6 routes" "$(routes6)" $((FAKE_TUNNELS - FAKE))
expect_eq "ovl_tun4 entries" "$(map_len ovl_tun4)" $((N + FAKE))
expect_eq "ovl_tun6 entries" "$(map_len ovl_tun6)" $((FAKE_TUNNELS - FAKE))
bad=$(ovl_ping_hosts ok $ALL)
[ -z "$bad" ] || fail "with 1000 VTEPs, hosts $bad cannot reach the pod"
log "1000 VTEPs checked after ${SECONDS}s"

# And back to the 50: every trace of the 950 goes.
ovl_gw_conf "$(real_entries $ALL)"
ctl gw reload >/dev/null || fail "reload back to $N VTEPs"
expect_eq tunnels "$(tunnels)" $N
expect_eq "IPv4 routes" "$(routes)" $N
expect_eq "IPv6 routes" "$(routes6)" 0
for m in ovl_tun4 ovl_src4 ovl_cnt; do
	expect_eq "$m entries" "$(map_len $m)" $N
done
for m in ovl_tun6 ovl_src6; do
	expect_eq "$m entries" "$(map_len $m)" 0
done
bad=$(ovl_ping_hosts ok $ALL)
[ -z "$bad" ] || fail "back at $N VTEPs, hosts $bad cannot reach the pod"
expect_eq "same ferryd" "$(jget "$(ctl gw --json status)" .result.pid)" \
	"$FERRYD_PID"
log "done after ${SECONDS}s"
exit 0
