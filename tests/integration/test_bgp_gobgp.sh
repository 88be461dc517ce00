#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# ferryd and GoBGP 3 (gobgpd, driven by the gobgp CLI over a unix socket),
# each gobgpd in its own namespace:
# - "up" (AS 65100) peers over eBGP, "ib" (AS 65000) over iBGP, each with an
#   IPv4 session (IPv4 unicast) and an IPv6 session (IPv6 unicast);
# - GoBGP receives exactly the pools each export policy names, with the
#   attributes ferryd sets: AS path (with prepend on eBGP), communities,
#   large communities, MED, next hop (ours on eBGP; on iBGP ours for pools
#   and unchanged for routes learned from up), LOCAL_PREF only on iBGP;
# - routes GoBGP announces (gobgp global rib add) are shown by ferryctl with
#   their attributes, installed in the kernel of ferryd's namespace (proto
#   202), and removed when GoBGP withdraws them (gobgp global rib del).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bgp_lib.sh"
. "$(dirname "$0")/bgp_peers.sh"
need_root
need_cmd jq
need_gobgp

bgp_topo
bgp_topo_ibgp
interop_ferryd_conf

# An IPv4-unicast session and an IPv6-unicast session to ferryd each.
gobgp_conf up 65100 "$UP4" "$UP4 $UP6" "$GW4 ipv4-unicast" "$GW6 ipv6-unicast"
gobgp_conf ib 65000 "$IB4" "$IB4 $IB6" "$GWI4 ipv4-unicast" "$GWI6 ipv6-unicast"
gobgp_start "$NS_UP" up
gobgp_start "$NS_IB" ib

# What the peers announce (see bgp_peers.sh).
add() {
	local name=$1
	shift
	gobgp_q "$name" global rib add "$@" >/dev/null ||
		fail "gobgp $name: global rib add $*"
}
add up -a ipv4 198.51.100.0/24 origin igp community 65100:1 \
	large-community 65100:2:3 med 42
add up -a ipv4 203.0.113.0/24 origin igp
add up -a ipv6 2001:db8:51::/48 origin igp community 65100:6 med 66
add ib -a ipv4 198.51.101.0/24 origin igp local-pref 250 med 7 community 65000:7
add ib -a ipv6 2001:db8:52::/48 origin igp local-pref 250 med 7 community 65000:7

ferryd_start "$NS_GW" gw -d
for n in "up $GW4" "up $GW6" "ib $GWI4" "ib $GWI6"; do
	# shellcheck disable=SC2086
	wait_for 20 gobgp_established $n ||
		fail "GoBGP session $n not up: $(gobgp_q ${n% *} neighbor ${n#* })"
done
interop_wait_up

# ---- What GoBGP receives from ferryd -------------------------------------

# eBGP IPv4: pod and the four loadbalancer /32s, never the service pool or
# anything IPv6 or learned; AS path 65000 65000 (prepend 1), pool + export
# communities, the pool's large community and MED, next hop ferryd, no
# LOCAL_PREF.
gobgp_expect_from "eBGP IPv4" up "$GW4" ipv4 \
	"10.244.0.0/16 198.18.0.0/32 198.18.0.1/32 198.18.0.2/32 198.18.0.3/32"
gobgp_sel up "$GW4" ipv4 10.244.0.0/16
expect_eq "up: pod AS path" "$(gj aspath)" "65000 65000"
expect_eq "up: pod origin" "$(gj 'attr(1).value')" 0
expect_eq "up: pod communities" "$(gj comms)" "65000:100 65000:200"
expect_eq "up: pod large communities" "$(gj large)" "65000:1:2"
expect_eq "up: pod MED" "$(gj 'attr(4).metric')" 10
expect_eq "up: pod LOCAL_PREF" "$(gj 'attr(5)')" null
expect_eq "up: pod next hop" "$(gj nexthop)" "$GW4"
gobgp_sel up "$GW4" ipv4 198.18.0.2/32
expect_eq "up: lb AS path" "$(gj aspath)" "65000 65000"
expect_eq "up: lb communities" "$(gj comms)" "65000:200"
expect_eq "up: lb large communities" "$(gj 'attr(32)')" null
expect_eq "up: lb MED" "$(gj 'attr(4)')" null
expect_eq "up: lb next hop" "$(gj nexthop)" "$GW4"

# eBGP IPv6: only the IPv6 pod pool; AS path 65000, the pool's attributes
# plus the export large community; next hop ferryd's global address.
gobgp_expect_from "eBGP IPv6" up "$GW6" ipv6 "2001:db8:244::/48"
gobgp_sel up "$GW6" ipv6 2001:db8:244::/48
expect_eq "up: pod6 AS path" "$(gj aspath)" 65000
expect_eq "up: pod6 communities" "$(gj comms)" "65000:600"
expect_eq "up: pod6 large communities" "$(gj large)" "65000:6:6 65000:7:7"
expect_eq "up: pod6 MED" "$(gj 'attr(4).metric')" 60
expect_eq "up: pod6 LOCAL_PREF" "$(gj 'attr(5)')" null
expect_eq "up: pod6 next hop" "$(gj nexthop)" "$GW6"

# iBGP IPv4: every IPv4 pool and the route learned from up; empty AS path,
# LOCAL_PREF 100, next hop ferryd for pools, unchanged (up) for the learned
# route, which keeps up's attributes and gets no ORIGINATOR_ID.
gobgp_expect_from "iBGP IPv4" ib "$GWI4" ipv4 \
	"10.244.0.0/16 10.96.0.0/12 198.18.0.0/32 198.18.0.1/32 198.18.0.2/32 198.18.0.3/32 198.51.100.0/24"
gobgp_sel ib "$GWI4" ipv4 10.244.0.0/16
expect_eq "ib: pod AS path (empty)" "$(gj 'attr(2) != null and aspath == ""')" true
expect_eq "ib: pod LOCAL_PREF" "$(gj 'attr(5).value')" 100
expect_eq "ib: pod communities" "$(gj comms)" "65000:100"
expect_eq "ib: pod large communities" "$(gj large)" "65000:1:2"
expect_eq "ib: pod MED" "$(gj 'attr(4).metric')" 10
expect_eq "ib: pod next hop" "$(gj nexthop)" "$GWI4"
gobgp_sel ib "$GWI4" ipv4 10.96.0.0/12
expect_eq "ib: service AS path (empty)" "$(gj 'attr(2) != null and aspath == ""')" true
expect_eq "ib: service LOCAL_PREF" "$(gj 'attr(5).value')" 100
expect_eq "ib: service communities" "$(gj 'attr(8)')" null
gobgp_sel ib "$GWI4" ipv4 198.51.100.0/24
expect_eq "ib: learned AS path" "$(gj aspath)" 65100
expect_eq "ib: learned LOCAL_PREF" "$(gj 'attr(5).value')" 100
expect_eq "ib: learned communities" "$(gj comms)" "65100:1"
expect_eq "ib: learned large communities" "$(gj large)" "65100:2:3"
expect_eq "ib: learned MED" "$(gj 'attr(4).metric')" 42
expect_eq "ib: learned next hop" "$(gj nexthop)" "$UP4"
expect_eq "ib: learned ORIGINATOR_ID" "$(gj 'attr(9)')" null

# iBGP IPv6: both IPv6 pools and the route learned from up, whose next hop
# stays up's address.
gobgp_expect_from "iBGP IPv6" ib "$GWI6" ipv6 \
	"2001:db8:244::/48 2001:db8:51::/48 2001:db8:96::/112"
gobgp_sel ib "$GWI6" ipv6 2001:db8:244::/48
expect_eq "ib: pod6 AS path (empty)" "$(gj 'attr(2) != null and aspath == ""')" true
expect_eq "ib: pod6 LOCAL_PREF" "$(gj 'attr(5).value')" 100
expect_eq "ib: pod6 communities" "$(gj comms)" "65000:600"
expect_eq "ib: pod6 MED" "$(gj 'attr(4).metric')" 60
expect_eq "ib: pod6 next hop" "$(gj nexthop)" "$GWI6"
gobgp_sel ib "$GWI6" ipv6 2001:db8:51::/48
expect_eq "ib: learned6 AS path" "$(gj aspath)" 65100
expect_eq "ib: learned6 communities" "$(gj comms)" "65100:6"
expect_eq "ib: learned6 MED" "$(gj 'attr(4).metric')" 66
expect_eq "ib: learned6 next hop" "$(gj nexthop)" "$UP6"

# ---- What ferryd learns from GoBGP ---------------------------------------

interop_check_learned
interop_mark_flaps
expect_eq "gw: peer up4 advertised" "$(ferry_peer gw "$UP4" prefixes-advertised)" 5
expect_eq "gw: peer ib4 advertised" "$(ferry_peer gw "$IB4" prefixes-advertised)" 7

# ---- Withdrawals ---------------------------------------------------------

del() {
	local name=$1
	shift
	gobgp_q "$name" global rib del "$@" >/dev/null ||
		fail "gobgp $name: global rib del $*"
}
del up -a ipv4 198.51.100.0/24
del up -a ipv6 2001:db8:51::/48
del ib -a ipv4 198.51.101.0/24
del ib -a ipv6 2001:db8:52::/48
interop_check_withdrawn
# ...and ferryd withdraws from ib what it had passed on from up.
gobgp_expect_from "iBGP IPv4 after withdraw" ib "$GWI4" ipv4 \
	"10.244.0.0/16 10.96.0.0/12 198.18.0.0/32 198.18.0.1/32 198.18.0.2/32 198.18.0.3/32"
gobgp_expect_from "iBGP IPv6 after withdraw" ib "$GWI6" ipv6 \
	"2001:db8:244::/48 2001:db8:96::/112"
# The sessions stayed up throughout.
interop_check_no_flaps
exit 0
