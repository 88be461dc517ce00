#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# IPv6, inside and out.  Switch 1 runs over the IPv4 underlay, switch 2
# over the IPv6 one (overlay.local6, a kernel vxlan device with IPv6
# local and remote); both hosts have IPv4 and IPv6 addresses, and every
# combination of inner and outer family carries ping both ways and TCP.
# With tcx, both underlays' packets are decapsulated by ovl_underlay_rx.
#
# Route MTUs: with both underlays 1500 bytes, the device MTU comes from
# the IPv4 underlay (1500 - 50) and the routes to prefixes behind the IPv6
# endpoint are 20 bytes lower (1500 - 70), which a DF ping checks at the
# byte.  With the IPv6 underlay raised to 9000 the device MTU comes from
# it (9000 - 70); then the IPv6 endpoint's routes need no MTU of their
# own, and the IPv4 endpoint's must stay at 1450.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/overlay_lib.sh"
need_root
need_cmd jq python3

ovl_setup_gw
ovl_setup_gw6
ovl_setup_switch 1
ovl_setup_switch6 2
ovl_host_add6 1
ovl_host_add6 2
NET1=$(ovl_host_net 1) NET2=$(ovl_host_net 2)
NET61=$(ovl_host_net6 1) NET62=$(ovl_host_net6 2)
H1=$NET1.10 H2=$NET2.10 H61=$NET61::10 H62=$NET62::10
SW2_UNDER6=$(ovl_sw_under6 2)

ovl_gw_conf "$(ovl_vtep_entry sw1 "$(ovl_sw_under 1)" 101 \
	"$(ovl_host_mac 1)" "$NET1.0/24" "$NET61::/64"),
	$(ovl_vtep_entry sw2 "$SW2_UNDER6" 102 "$(ovl_host_mac 2)" \
	"$NET2.0/24" "$NET62::/64")" "local6 = \"$GW_UNDER6\";"
ferryd_start "$NS_GW" gw

json=$(ctl gw --json show overlay) || fail "show overlay"
expect_eq local6 "$(jget "$json" .result.local6)" "$GW_UNDER6"
expect_eq tunnels "$(jget "$json" .result.tunnels)" 4
expect_eq "device MTU" "$(jget "$json" .result.mtu)" 1450
json=$(ctl gw --json show tunnels)
expect_eq "endpoint of $NET62::/64" "$(jget "$json" \
	".result.tunnels[] | select(.prefix == \"$NET62::/64\") | .endpoint")" \
	"$SW2_UNDER6"

# ping_ok FROM_NS TO_ADDR: two replies within 5 s.
ping_ok() {
	ip netns exec "$1" ping -c 2 -i 0.2 -w 5 "$2" >/dev/null ||
		fail "no ping from $1 to $2"
}
for pair in "$NS_H1 $POD_IP" "$NS_H1 $POD_IP6" "$NS_H2 $POD_IP" \
	"$NS_H2 $POD_IP6" "$NS_POD $H1" "$NS_POD $H61" "$NS_POD $H2" \
	"$NS_POD $H62"; do
	# shellcheck disable=SC2086
	ping_ok $pair
done

# With tcx, both underlays decapsulate in ovl_underlay_rx: one program on
# each bridge, and pings from switch 2 (IPv6 outer) are taken by it.
if grep -q "hook=tcx" "$T_DIR/gw.log"; then
	urx() {
		jget "$(ctl gw --json show overlay)" \
			".result[\"underlay-decap\"].$1"
	}
	expect_eq "underlay program on under6" "$(urx ifindex6)" \
		"$(ip netns exec "$NS_GW" cat /sys/class/net/under6/ifindex)"
	d0=$(urx decapsulated)
	ping_ok "$NS_H2" "$POD_IP6"
	ping_ok "$NS_H2" "$POD_IP"
	[ "$(urx decapsulated)" -ge $((d0 + 4)) ] ||
		fail "IPv6 underlay not decapsulated: $(ctl gw show overlay)"
fi

# TCP, 4 MB each, content checked: every inner family over every underlay.
tcp() { # FROM_NS TO_NS TO_ADDR
	python3 "$(dirname "$0")/tcp_xfer.py" "$1" "$2" "$3" $((4 << 20)) \
		>/dev/null || fail "TCP $1 -> $3"
}
tcp "$NS_H2" "$NS_POD" "$POD_IP6"  # IPv6 over IPv6
tcp "$NS_POD" "$NS_H2" "$H62"
tcp "$NS_H2" "$NS_POD" "$POD_IP"   # IPv4 over IPv6
tcp "$NS_POD" "$NS_H2" "$H2"
tcp "$NS_H1" "$NS_POD" "$POD_IP6"  # IPv6 over IPv4
tcp "$NS_POD" "$NS_H1" "$H61"

# Every entry counted traffic in both directions (3 pings at least).
json=$(ctl gw --json show tunnels)
for p in "$NET1.0/24" "$NET61::/64" "$NET2.0/24" "$NET62::/64"; do
	for k in tx-packets rx-packets; do
		[ "$(jget "$json" ".result.tunnels[] | select(.prefix == \"$p\") |
			.[\"$k\"]")" -ge 3 ] || fail "$p $k: $json"
	done
done

# route_mtu PREFIX: the MTU of ferry's route to PREFIX, "-" if it has none.
route_mtu() {
	local r f=-4
	case $1 in *:*) f=-6 ;; esac
	r=$(ip -n "$NS_GW" "$f" route show "$1" proto 201 dev ferry0)
	if [ -z "$r" ]; then
		echo "no route"
	elif [[ $r =~ mtu\ ([0-9]+) ]]; then
		echo "${BASH_REMATCH[1]}"
	else
		echo -
	fi
}
# ping_df FROM_NS TO_ADDR BYTES [PING OPTIONS]: a ping of an IP packet of
# exactly BYTES that must not be fragmented gets a reply (by default
# within 5 s).
ping_df() {
	local from=$1 to=$2 s=$(($3 - 28))
	shift 3
	[ $# -gt 0 ] || set -- -c 1 -w 5
	case $to in *:*) s=$((s - 20)) ;; esac
	ip netns exec "$from" ping -Mdo -s "$s" -i 0.2 "$@" "$to" >/dev/null 2>&1
}
# ping_df_none FROM_NS TO_ADDR BYTES: two such pings get no reply (over
# the path MTU they fail at once: "message too long", or the gateway's
# ICMP "fragmentation needed" / "packet too big").
ping_df_none() { ! ping_df "$@" -c 2 -W 2; }

# Both underlays 1500: device 1450 from IPv4, IPv6 endpoint 20 lower.
expect_eq "MTU $NET1.0/24" "$(route_mtu "$NET1.0/24")" -
expect_eq "MTU $NET61::/64" "$(route_mtu "$NET61::/64")" -
expect_eq "MTU $NET2.0/24" "$(route_mtu "$NET2.0/24")" 1430
expect_eq "MTU $NET62::/64" "$(route_mtu "$NET62::/64")" 1430
ping_df "$NS_POD" "$H1" 1450 || fail "1450 bytes over IPv4 do not pass"
ping_df "$NS_POD" "$H2" 1430 || fail "1430 bytes over IPv6 do not pass"
ping_df "$NS_POD" "$H62" 1430 || fail "1430 bytes of IPv6 do not pass"
ping_df_none "$NS_POD" "$H2" 1431 || fail "1431 bytes passed the 1430 route"
ping_df_none "$NS_POD" "$H62" 1431 || fail "1431 bytes of IPv6 passed the route"

# IPv6 underlay 9000, ferryd restarted: the device MTU is now the IPv6
# underlay's, so the IPv6 endpoint's routes follow the device and the
# IPv4 endpoint's keep what the IPv4 underlay allows.
ip -n "$NS_SW2" link set up0 mtu 9000
ip -n "$NS_GW" link set w2 mtu 9000
ip -n "$NS_GW" link set under6 mtu 9000
kill -TERM "$FERRYD_PID"
wait "$FERRYD_PID" || fail "ferryd exit status after SIGTERM"
ovl_untrack_pid "$FERRYD_PID"
ferryd_start "$NS_GW" gw
# The pod remembers the path MTUs it learned above: forget them.
ip -n "$NS_POD" -4 route flush cache
ip -n "$NS_POD" -6 route flush cache
expect_eq "device MTU, IPv6 underlay 9000" \
	"$(jget "$(ctl gw --json show overlay)" .result.mtu)" 8930
expect_eq "MTU $NET1.0/24" "$(route_mtu "$NET1.0/24")" 1450
expect_eq "MTU $NET61::/64" "$(route_mtu "$NET61::/64")" 1450
expect_eq "MTU $NET2.0/24" "$(route_mtu "$NET2.0/24")" -
expect_eq "MTU $NET62::/64" "$(route_mtu "$NET62::/64")" -
ping_df "$NS_POD" "$H1" 1450 || fail "1450 bytes over IPv4 do not pass"
ping_df_none "$NS_POD" "$H1" 1451 || fail "1451 bytes passed the 1450 route"
ping_df "$NS_POD" "$H2" 1500 || fail "1500 bytes over IPv6 9000 do not pass"
ping_df "$NS_POD" "$H62" 1500 || fail "1500 bytes of IPv6 do not pass"
# Full-size TCP segments to host 1 must fit the IPv4 underlay whole: the
# gateway fragments no outer packet.
frags() {
	ip netns exec "$NS_GW" awk '/^Ip: / { if (!h) { for (i = 2; i <= NF;
		i++) if ($i == "FragCreates") c = i; h = 1 } else print $c }' \
		/proc/net/snmp
}
frags0=$(frags)
tcp "$NS_POD" "$NS_H1" "$H1"
expect_eq "outer packets fragmented by the gateway" $(($(frags) - frags0)) 0
ping_ok "$NS_H1" "$POD_IP6"
ping_ok "$NS_H2" "$POD_IP6"
exit 0
