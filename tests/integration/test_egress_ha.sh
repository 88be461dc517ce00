#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Egress high availability: three gateways, two nodes, an outside server.
#
#   sw     bridges "under" (the underlay, 192.0.2.0/24) and "outer" (the
#          outside, 203.0.113.0/24)
#   gwK    K = 1..3: ferryd, u0 192.0.2.K on under, out0 203.0.113.K and
#          its own egress IP 203.0.113.20K on outer
#   nodeN  N = 1, 2: ferryd, eth0 192.0.2.2N on under, pod0 to podN
#   podN   10.244.N.10
#   srv    203.0.113.10 and .11 ... .110, on outer
#
# One policy sends the pods' traffic to the outside through gw1, gw2 and
# gw3; the nodes spread (pod, remote) pairs over them (egr_gw_pick) and
# watch them with BFD (100 ms x 3) under their BGP sessions.  Each pod
# keeps 50 TCP connections open, to 50 server addresses, answering every
# 0.1 s (egress_conns.py).  Then gw2 dies (both its links cut):
#   - it leaves both nodes' sets within 1 s;
#   - the connections on gw1 and gw3 are untouched (no reset, no stall);
#   - gw2's connections move to a survivor, which has no NAT state for
#     them and resets them (the segment turned into an RST to the pod):
#     reset within 2 s of the failure, none left hanging.
# gw2 comes back: it rejoins the sets, takes none of the survivors'
# connections (pins), and gets its share of new ones.
#
# EGHA_SYNC=1 (test_egress_sync.sh) runs the same with one egress IP,
# 203.0.113.200 from an egress pool, shared by the three gateways, and
# their NAT state synchronised (ha.sync).  The server routes that address
# to gw1 only, so gw1 also translates the replies of gw2's and gw3's
# connections, which works only with their records.  When gw2 dies its
# connections move to gw1 and gw3, which hold them: they go on, with the
# same translation; none is reset.
#
# For bench/egress-ha: the line "results: ..." gives the failover's
# figures; EGHA_MEASURE=throughput instead measures, after the set-up,
# TCP throughput from both pods (12 streams each, to 12 remotes) with the
# policy on 1, 2 and 3 gateways (the nodes reloaded for each), one line
# "results: throughput ..." each, and stops there.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/overlay_lib.sh"
. "$(dirname "$0")/bfd_lib.sh"
need_root
need_cmd jq python3 timeout nft bpftool
SYNC=${EGHA_SYNC:-}
HA_SYNC=$SYNC
. "$(dirname "$0")/egress_ha_lib.sh"

ha_setup
# The shared egress IP is announced by every gateway; the server's
# router here picks gw1 for it.
[ -z "$SYNC" ] || ip -n "$NS_SRV" route add "$HA_EIP/32" via 203.0.113.1 || fail "route to $HA_EIP"
ha_outside
ha_start

if [ "${EGHA_MEASURE:-}" = throughput ]; then
	ha_serve sink 90
	[ -z "${EGHA_RATE:-}" ] || ha_shape "$EGHA_RATE"
	for g in 1 2 3; do
		ha_policy_on "$g"
		for k in 1 2 3; do eval "T$k=$(ha_txmb "$k")"; done
		mbps=$(ha_bulk "$g" $((11 + 12 * HA_NNODE * (g - 1))))
		tx=$(for k in 1 2 3; do eval "t=\$T$k"; echo $(($(ha_txmb "$k") - t)); done | tr '\n' /)
		log "$g gateways: $mbps Mbit/s; MB sent per gateway: ${tx%/}"
		echo "results: throughput gateways=$g mbps=$mbps"
	done
	exit 0
fi

ha_serve server 110

# on TAG IP: the connections of TAG carried as IP at first ("N I" lines).
on() {
	local n
	for n in 1 2; do
		awk -v ip="$2" -v n="$n" '$1 == "conn" && $4 == ip { print n, $2 }' \
			"$T_DIR/$1-$n.out"
	done
}
# survivors: the lines of stdin ("N I ...") not about gw2's connections.
survivors() { awk 'NR == FNR { v[$1 " " $2] = 1; next } !(($1 " " $2) in v)' "$T_DIR/victims" -; }

# carried K TAG FIRST: the connections of TAG ("N I" lines) that gwK
# opened.  Without sync, those the server sees from gwK's egress IP; with
# it, all come from one IP, and they are the ones gwK's NAT table holds
# as its own (not from a peer's record).
carried() {
	if [ -z "$SYNC" ]; then
		on "$2" "203.0.113.20$1"
		return
	fi
	jget "$(ctl "gw$1" --json show egress nat)" \
		'.result.connections[] | select(.synced | not) | "\(.source.address) \(.destination.address)"' |
		awk -v first="$3" '{ split($1, p, "."); split($2, r, ".")
			i = r[4] - first; if (i >= 0 && i < 50) print p[3], i }'
}

ha_clients a 11 50 30
for k in 1 2 3; do
	c=$(carried "$k" a 11 | wc -l)
	log "gw$k carries $c of 100 connections"
	[ "$c" -ge 10 ] || fail "gw$k carries only $c connections"
	eval "C$k=$c"
done
carried 2 a 11 | sort >"$T_DIR/victims"
expect_eq "node1: the pin table's size (ha.pin-table-size)" \
	"$(bpftool -j map show pinned "$PIN-node1/egr_pin" | jq -r .max_entries)" 4096
# Flows per gateway: a node's pins (its pod's 50 pairs, counted every
# 5 s), a gateway's own connections.
for n in 1 2; do
	wait_until 12 "test \"\$(jget \"\$(ctl node$n --json show egress gateways)\" '[.result.gateways[].flows // 0] | add')\" = 50" ||
		fail "node$n: pinned flows: $(ctl "node$n" show egress gateways)"
done
for k in 1 2 3; do
	# With sync every gateway holds all 100.
	eval "want=\$C$k"
	[ -z "$SYNC" ] || want=100
	[ -z "$SYNC" ] || wait_until 10 "test \"\$(jget \"\$(ctl gw$k --json show egress gateways)\" '.result.gateways[] | select(.role == \"local\") | .flows')\" = 100"
	expect_eq "gw$k: its flows" \
		"$(jget "$(ctl "gw$k" --json show egress gateways)" '.result.gateways[] | select(.role == "local") | .flows')" \
		"$want"
done

# gw2 dies.
t0=$(now_ms)
link_cut "fy-$T_ID-gw2" u0 "$NS_SW" u2
link_cut "fy-$T_ID-gw2" out0 "$NS_SW" o2
for n in 1 2; do
	wait_until 5 "grep -q 'egress: gateway down: endpoint=192.0.2.2\$' '$T_DIR/node$n.log'" ||
		fail "node$n kept gw2: $(tail -5 "$T_DIR/node$n.log")"
	ms=$(log_ms_after "$T_DIR/node$n.log" "$t0" "egress: gateway down: endpoint=192.0.2.2")
	log "node$n: gw2 out of the set after $ms ms"
	[ -n "$ms" ] && [ "$ms" -lt 1000 ] || fail "node$n: failover took ${ms:-?} ms, want < 1000"
	[ "$ms" -gt "${FAILOVER_MS:-0}" ] && FAILOVER_MS=$ms
done
sleep 3
# Without sync gw2's connections are reset; with it, none is.
if [ -z "$SYNC" ]; then cp "$T_DIR/victims" "$T_DIR/want_reset"; else : >"$T_DIR/want_reset"; fi
ha_events a reset | awk -v t0="$t0" '{ print $1, $2, $3 - t0 }' | sort >"$T_DIR/resets"
log "resets after the failure (node, conn, ms): $(awk '{ print $3 }' "$T_DIR/resets" | sort -n | tr '\n' ' ')"
got=$(awk '{ print $1, $2 }' "$T_DIR/resets" | sort | tr '\n' ,)
[ "$got" = "$(tr '\n' , <"$T_DIR/want_reset")" ] ||
	fail "the connections reset are not the expected ones: got '$got', want '$(tr '\n' , <"$T_DIR/want_reset")';
	gw1: $(ctl gw1 show egress | grep -E '^(reset|unsupported|snat) ' | tr -s ' ' | tr '\n' ';')
	gw3: $(ctl gw3 show egress | grep -E '^(reset|unsupported|snat) ' | tr -s ' ' | tr '\n' ';')"
awk '$3 > 2000 { bad = 1 } END { exit bad }' "$T_DIR/resets" ||
	fail "resets later than 2 s after the failure: $(cat "$T_DIR/resets")"
expect_eq "connections on the survivors stalled or closed" \
	"$({ ha_events a stall; ha_events a closed; } | survivors)" ""
expect_eq "connections moved to another egress IP" "$(ha_events a moved)" ""
if [ -n "$SYNC" ]; then
	expect_eq "connections closed" "$(ha_events a closed)" ""
	log "gw2's connections that stalled (no answer for 1 s): $(ha_events a stall | wc -l)"
	# Taken over: the survivors translate gw2's connections from the
	# records gw2 sent them.
	took=0
	for k in 1 3; do
		took=$((took + $(jget "$(ctl "gw$k" --json show egress nat)" \
			'[.result.connections[] | select(.synced and ."translated-here")] | length')))
	done
	log "connections the survivors took over: $took"
	[ "$took" -ge "$(wc -l <"$T_DIR/victims")" ] ||
		fail "the survivors took over $took connections, want $(wc -l <"$T_DIR/victims")"
fi
# The survivors sent those resets (the server's firewall drops the
# segments, so nothing else could have).
rst=0
for k in 1 3; do
	rst=$((rst + $(jget "$(ctl "gw$k" --json show egress)" '.result.counters.reset.packets')))
done
if [ -z "$SYNC" ]; then
	[ "$rst" -ge "$(wc -l <"$T_DIR/victims")" ] ||
		fail "the survivors counted $rst resets, want at least $(wc -l <"$T_DIR/victims")"
else
	expect_eq "resets counted by the survivors" "$rst" 0
fi
# What a new connection costs at set-up (with sync: the hold of its SYN
# until the peers have its record), and what sync sends per connection.
connect_ms=$(cat "$T_DIR"/a-*.out | awk '$1 == "connect" { print $3 }' | sort -n |
	awk '{ a[NR] = $1 } END { printf "median=%s max=%s", a[int((NR + 1) / 2)], a[NR] }')
log "connect times (ms): $connect_ms"
if [ -n "$SYNC" ]; then
	recs=0 flows=0
	for k in 1 3; do
		recs=$((recs + $(jget "$(ctl "gw$k" --json show egress gateways)" '[.result.sync.peers[].sent] | add')))
		flows=$((flows + $(jget "$(ctl "gw$k" --json show egress)" '.result.counters."new-flow".packets')))
	done
	log "sync: survivors sent $recs records for their $flows new flows, 2 peers each"
	echo "results: sync records=$recs flows=$flows held=$(jget "$(ctl gw1 --json show egress gateways)" '.result.sync.held') unacked=$(jget "$(ctl gw1 --json show egress gateways)" '.result.sync."released-unacknowledged"')"
fi
echo "results: connect_${connect_ms% max=*} connect_max=${connect_ms#* max=}"
echo "results: failover=$FAILOVER_MS reset_median=$(awk '{ print $3 }' "$T_DIR/resets" | sort -n |
	awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }') reset_max=$(awk '{ print $3 }' "$T_DIR/resets" |
	sort -n | tail -1) lost=$(wc -l <"$T_DIR/resets") carried=$(wc -l <"$T_DIR/victims")"

# gw2 returns: into the sets again, and it steals nothing.
link_restore "fy-$T_ID-gw2" u0 "$NS_SW" u2
link_restore "fy-$T_ID-gw2" out0 "$NS_SW" o2
for n in 1 2; do
	wait_until 20 "[ \$(grep -c 'egress: gateway up: endpoint=192.0.2.2\$' '$T_DIR/node$n.log') -ge 2 ]" ||
		fail "node$n: gw2 did not come back: $(tail -5 "$T_DIR/node$n.log")"
done
sleep 2
expect_eq "survivors' connections after gw2's return: resets" \
	"$(ha_events a reset | awk '{ print $1, $2 }' | sort | tr '\n' ,)" \
	"$(tr '\n' , <"$T_DIR/want_reset")"
if [ -n "$SYNC" ]; then
	# The peers hear gw2 again; nothing was refused on the way.
	for k in 1 3; do
		wait_until 10 "test \"\$(jget \"\$(ctl gw$k --json show egress gateways)\" '.result.sync.peers[] | select(.peer == \"192.0.2.2\") | .state')\" = live" ||
			fail "gw$k: sync with gw2 not live again: $(ctl "gw$k" --json show egress gateways | jq -c .result.sync)"
	done
	for k in 1 2 3; do
		expect_eq "gw$k: sync records refused (auth, collision, table-full, unknown-policy)" \
			"$(jget "$(ctl "gw$k" --json show egress gateways)" '[.result.sync.peers[].errors | .auth + .collision + ."table-full" + ."unknown-policy"] | add')" 0
	done
fi
expect_eq "survivors' connections after gw2's return: stalls, closes, moves" \
	"$({ ha_events a stall; ha_events a closed; ha_events a moved; } | survivors)" ""

# New connections, to remotes no pair of which is pinned: gw2 gets its
# share again.
ha_clients b 61 50 3
c=$(carried 2 b 61 | wc -l)
log "after its return gw2 carries $c of 100 new connections"
[ "$c" -ge 10 ] || fail "the returned gw2 carries only $c new connections"

# The first clients run to their end: every survivor's connection is ok.
for n in 1 2; do
	wait_until 40 "grep -q '^end 49 ' '$T_DIR/a-$n.out'" ||
		fail "pod$n: the clients did not end"
done
ok=$(cat "$T_DIR"/a-*.out | awk '$1 == "end" && $3 == "ok"' | wc -l)
expect_eq "connections alive at the end" "$ok" $((100 - $(wc -l <"$T_DIR/want_reset")))

# A new pin table size waits for the next start, as the NAT table's does.
sed -i 's|pin-table-size = 4096;|pin-table-size = 8192;|' "$T_DIR/node2.conf"
ctl node2 reload >"$T_DIR/reload.out" 2>&1 && fail "a pin-table-size change was accepted by reload"
grep -q "applied in part" "$T_DIR/reload.out" || fail "reload said: $(cat "$T_DIR/reload.out")"
grep -q "ha.pin-table-size cannot change on reload" "$T_DIR/node2.log" ||
	fail "no log of the refused pin table size"
expect_eq "node2: the pin table after the refused change" \
	"$(bpftool -j map show pinned "$PIN-node2/egr_pin" | jq -r .max_entries)" 4096

# Without sync, gateways must not share an egress IP: the config is
# accepted, but ferryd says so at every load.  With it, they may.
[ -z "$SYNC" ] || {
	grep -q "gateways share an egress IP" "$T_DIR"/*.log &&
		fail "a shared egress IP reported with sync on: $(grep -h 'share an egress IP' "$T_DIR"/*.log)"
	exit 0
}
grep -q "gateways share an egress IP" "$T_DIR"/*.log &&
	fail "a shared egress IP reported: $(grep -h 'share an egress IP' "$T_DIR"/*.log)"
# Every session has BFD: no health warning anywhere.
grep -q "egress: policy=.* gateway=" "$T_DIR"/*.log &&
	fail "a health warning: $(grep -h 'egress: policy=' "$T_DIR"/*.log)"
SHARED='egress-ip = "203.0.113.201";' node_conf 1
ctl node1 reload >/dev/null || fail "node1: reload with a shared egress IP"
wait_until 5 "grep -q 'egress: gateways share an egress IP: policy=pods egress-ip=203.0.113.201;' '$T_DIR/node1.log'" ||
	fail "no warning for gateways sharing an egress IP: $(tail -3 "$T_DIR/node1.log")"
exit 0
