#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# ferryd and FRR 8 (zebra + bgpd), each FRR in its own namespace:
# - "up" (AS 65100) peers over eBGP, "ib" (AS 65000) over iBGP, each with an
#   IPv4 session (IPv4 unicast) and an IPv6 session (IPv6 unicast);
# - FRR receives exactly the pools each export policy names, with the
#   attributes ferryd sets: AS path (with prepend on eBGP), communities,
#   large communities, MED, next hop (ours on eBGP; on iBGP ours for pools
#   and unchanged for routes learned from up), LOCAL_PREF only on iBGP;
# - routes FRR announces (network statements with a route-map) are shown
#   by ferryctl with their attributes, installed in the kernel of ferryd's
#   namespace (proto 202), and removed when FRR withdraws them.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bgp_lib.sh"
. "$(dirname "$0")/bgp_peers.sh"
need_root
need_cmd jq
need_frr

bgp_topo
bgp_topo_ibgp

interop_ferryd_conf

# up: eBGP.  Its own routes carry a community, a large community and a MED
# (route-map on the network statement); 203.0.113.0/24 is outside ferryd's
# import list.
cat >"$(frr_dir up)/bgpd.conf" <<CONF
frr defaults traditional
hostname up
route-map UP4 permit 10
 set community 65100:1
 set large-community 65100:2:3
 set metric 42
route-map UP6 permit 10
 set community 65100:6
 set metric 66
router bgp 65100
 bgp router-id $UP4
 no bgp ebgp-requires-policy
 no bgp network import-check
 no bgp default ipv4-unicast
 timers bgp 3 9
 neighbor $GW4 remote-as 65000
 neighbor $GW4 timers connect 1
 neighbor $GW6 remote-as 65000
 neighbor $GW6 timers connect 1
 address-family ipv4 unicast
  network 198.51.100.0/24 route-map UP4
  network 203.0.113.0/24
  neighbor $GW4 activate
 exit-address-family
 address-family ipv6 unicast
  network 2001:db8:51::/48 route-map UP6
  neighbor $GW6 activate
 exit-address-family
CONF

# ib: iBGP, announcing with LOCAL_PREF and MED of its own.
cat >"$(frr_dir ib)/bgpd.conf" <<CONF
frr defaults traditional
hostname ib
route-map IB permit 10
 set local-preference 250
 set metric 7
 set community 65000:7
router bgp 65000
 bgp router-id $IB4
 no bgp network import-check
 no bgp default ipv4-unicast
 timers bgp 3 9
 neighbor $GWI4 remote-as 65000
 neighbor $GWI4 timers connect 1
 neighbor $GWI6 remote-as 65000
 neighbor $GWI6 timers connect 1
 address-family ipv4 unicast
  network 198.51.101.0/24 route-map IB
  neighbor $GWI4 activate
 exit-address-family
 address-family ipv6 unicast
  network 2001:db8:52::/48 route-map IB
  neighbor $GWI6 activate
 exit-address-family
CONF

frr_start "$NS_UP" up
frr_start "$NS_IB" ib
ferryd_start "$NS_GW" gw -d

for n in "up $GW4" "up $GW6" "ib $GWI4" "ib $GWI6"; do
	# shellcheck disable=SC2086
	wait_for 20 frr_established $n ||
		fail "FRR session $n not up: $(frr_q ${n% *} show bgp neighbors ${n#* })"
done
interop_wait_up

# ---- What FRR receives from ferryd ---------------------------------------

# eBGP IPv4: pod and the four loadbalancer /32s, never the service pool or
# anything IPv6; AS path 65000 65000 (prepend 1), pool + export communities,
# the pool's large community and MED, next hop ferryd, no LOCAL_PREF.
frr_expect_from "eBGP IPv4" up ipv4 "$GW4" \
	"10.244.0.0/16 198.18.0.0/32 198.18.0.1/32 198.18.0.2/32 198.18.0.3/32"
frr_sel up ipv4 10.244.0.0/16 $GW4
expect_eq "up: pod AS path" "$(pj .aspath.string)" "65000 65000"
expect_eq "up: pod origin" "$(pj .origin)" IGP
expect_eq "up: pod communities" "$(pj '.community.list | join(" ")')" \
	"65000:100 65000:200"
expect_eq "up: pod large communities" \
	"$(pj '.largeCommunity.list | join(" ")')" "65000:1:2"
expect_eq "up: pod MED" "$(pj .metric)" 10
expect_eq "up: pod LOCAL_PREF" "$(pj .locPrf)" null
expect_eq "up: pod next hop" "$(pj '.nexthops[0].ip')" "$GW4"
expect_eq "up: pod valid" "$(pj .valid)" true
frr_sel up ipv4 198.18.0.2/32 $GW4
expect_eq "up: lb AS path" "$(pj .aspath.string)" "65000 65000"
expect_eq "up: lb communities" "$(pj '.community.list | join(" ")')" \
	"65000:200"
expect_eq "up: lb large communities" "$(pj .largeCommunity)" null
expect_eq "up: lb MED" "$(pj .metric)" null
expect_eq "up: lb next hop" "$(pj '.nexthops[0].ip')" "$GW4"

# eBGP IPv6: only the IPv6 pod pool; AS path 65000 (no prepend), the pool's
# attributes plus the export large community; next hop ferryd's global
# address (with its link-local one, RFC 2545).
frr_expect_from "eBGP IPv6" up ipv6 "$GW6" "2001:db8:244::/48"
frr_sel up ipv6 2001:db8:244::/48 $GW6
expect_eq "up: pod6 AS path" "$(pj .aspath.string)" 65000
expect_eq "up: pod6 communities" "$(pj '.community.list | join(" ")')" \
	"65000:600"
expect_eq "up: pod6 large communities" \
	"$(pj '.largeCommunity.list | join(" ")')" "65000:6:6 65000:7:7"
expect_eq "up: pod6 MED" "$(pj .metric)" 60
expect_eq "up: pod6 global next hop" \
	"$(pj '[.nexthops[] | select(.scope == "global") | .ip] | join(" ")')" "$GW6"
expect_eq "up: pod6 link-local next hop" \
	"$(pj '[.nexthops[] | select(.scope == "link-local")] | length')" 1
expect_eq "up: pod6 valid" "$(pj .valid)" true

# iBGP IPv4: every IPv4 pool and the route learned from up; empty AS path,
# LOCAL_PREF 100, next hop ferryd for pools, unchanged (up) for the learned
# route, which keeps up's communities and MED and gets no ORIGINATOR_ID.
frr_expect_from "iBGP IPv4" ib ipv4 "$GWI4" \
	"10.244.0.0/16 10.96.0.0/12 198.18.0.0/32 198.18.0.1/32 198.18.0.2/32 198.18.0.3/32 198.51.100.0/24"
frr_sel ib ipv4 10.244.0.0/16 $GWI4
expect_eq "ib: pod AS path length" "$(pj .aspath.length)" 0
expect_eq "ib: pod LOCAL_PREF" "$(pj .locPrf)" 100
expect_eq "ib: pod communities" "$(pj '.community.list | join(" ")')" \
	"65000:100"
expect_eq "ib: pod large communities" \
	"$(pj '.largeCommunity.list | join(" ")')" "65000:1:2"
expect_eq "ib: pod MED" "$(pj .metric)" 10
expect_eq "ib: pod next hop" "$(pj '.nexthops[0].ip')" "$GWI4"
expect_eq "ib: pod valid" "$(pj .valid)" true
frr_sel ib ipv4 198.51.100.0/24 $GWI4
expect_eq "ib: learned AS path" "$(pj .aspath.string)" 65100
expect_eq "ib: learned LOCAL_PREF" "$(pj .locPrf)" 100
expect_eq "ib: learned communities" "$(pj '.community.list | join(" ")')" \
	"65100:1"
expect_eq "ib: learned large communities" \
	"$(pj '.largeCommunity.list | join(" ")')" "65100:2:3"
expect_eq "ib: learned MED" "$(pj .metric)" 42
expect_eq "ib: learned next hop" "$(pj '.nexthops[0].ip')" "$UP4"
expect_eq "ib: learned ORIGINATOR_ID" "$(pj .originatorId)" null

# iBGP IPv6: both IPv6 pools and the route learned from up, whose next hop
# stays up's global address.
frr_expect_from "iBGP IPv6" ib ipv6 "$GWI6" \
	"2001:db8:244::/48 2001:db8:51::/48 2001:db8:96::/112"
frr_sel ib ipv6 2001:db8:244::/48 $GWI6
expect_eq "ib: pod6 AS path length" "$(pj .aspath.length)" 0
expect_eq "ib: pod6 LOCAL_PREF" "$(pj .locPrf)" 100
expect_eq "ib: pod6 communities" "$(pj '.community.list | join(" ")')" \
	"65000:600"
expect_eq "ib: pod6 MED" "$(pj .metric)" 60
expect_eq "ib: pod6 next hop" \
	"$(pj '[.nexthops[] | select(.scope == "global") | .ip] | join(" ")')" "$GWI6"
frr_sel ib ipv6 2001:db8:51::/48 $GWI6
expect_eq "ib: learned6 AS path" "$(pj .aspath.string)" 65100
expect_eq "ib: learned6 communities" "$(pj '.community.list | join(" ")')" \
	"65100:6"
expect_eq "ib: learned6 MED" "$(pj .metric)" 66
expect_eq "ib: learned6 next hop" \
	"$(pj '[.nexthops[] | select(.scope == "global") | .ip] | join(" ")')" "$UP6"
expect_eq "ib: learned6 no foreign link-local next hop" \
	"$(pj '[.nexthops[] | select(.scope == "link-local")] | length')" 0

# ---- What ferryd learns from FRR -----------------------------------------

interop_check_learned
interop_mark_flaps

# Split horizon and export policy: ib's routes are not sent back to ib
# (iBGP, no reflection), nor to up (its export has no "learned"; neither
# are up's own, as the exact set above shows).
expect_eq "ib: own route reflected back" \
	"$(frr_q ib show bgp ipv4 unicast json | jq -r --arg p "$GWI4" \
		'[.routes["198.51.101.0/24"][] | select(.peerId == $p)] | length')" 0
frr_has up ipv4 198.51.101.0/24 && fail "iBGP-learned route exported to up"
frr_has up ipv6 2001:db8:52::/48 && fail "iBGP-learned IPv6 route exported to up"
expect_eq "gw: peer up4 advertised" "$(ferry_peer gw "$UP4" prefixes-advertised)" 5
expect_eq "gw: peer ib4 advertised" "$(ferry_peer gw "$IB4" prefixes-advertised)" 7

# ---- Withdrawals ---------------------------------------------------------

frr_conf up "router bgp 65100" "address-family ipv4 unicast" \
	"no network 198.51.100.0/24 route-map UP4" >/dev/null ||
	fail "vtysh: withdraw on up"
frr_conf up "router bgp 65100" "address-family ipv6 unicast" \
	"no network 2001:db8:51::/48 route-map UP6" >/dev/null ||
	fail "vtysh: withdraw on up (IPv6)"
frr_conf ib "router bgp 65000" "address-family ipv4 unicast" \
	"no network 198.51.101.0/24 route-map IB" >/dev/null ||
	fail "vtysh: withdraw on ib"
frr_conf ib "router bgp 65000" "address-family ipv6 unicast" \
	"no network 2001:db8:52::/48 route-map IB" >/dev/null ||
	fail "vtysh: withdraw on ib (IPv6)"
interop_check_withdrawn
# ...and ferryd withdraws from ib what it had passed on from up.
wait_for 10 frr_lacks ib ipv4 198.51.100.0/24 ||
	fail "ib still holds 198.51.100.0/24 after up withdrew it"
frr_expect_from "iBGP IPv6 after withdraw" ib ipv6 "$GWI6" \
	"2001:db8:244::/48 2001:db8:96::/112"
# The sessions stayed up throughout.
interop_check_no_flaps
exit 0
