#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# One session, both address families (RFC 4760): IPv4 routes over an IPv6
# session and IPv6 routes over an IPv4 session, with BIRD, FRR and GoBGP,
# each in its own namespace on its own link to ferryd ("gw", AS 65000):
#	link  gw side                       peer side                     session
#	eth1  100.65.1.1  2001:db8:65:1::1  100.65.1.2  2001:db8:65:1::2  BIRD  65101 IPv6
#	eth2  100.65.2.1  2001:db8:65:2::1  100.65.2.2  2001:db8:65:2::2  FRR   65102 IPv4
#	eth3  100.65.3.1  2001:db8:65:3::1  100.65.3.2  2001:db8:65:3::2  GoBGP 65103 IPv6
# Each peer announces one IPv4 and one IPv6 prefix over its one session.
# Asserted: each peer receives both of ferryd's pools over that session,
# the other family's with ferryd's address of that family on the link as
# next hop; ferryd holds every peer's routes with the peer's address of the
# route's family as next hop and installs them in the kernel through the
# right link; a withdrawal in the other family removes the route.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bgp_lib.sh"
. "$(dirname "$0")/bgp_peers.sh"
need_root
need_cmd jq bird birdc
need_frr
need_gobgp

NS_GW=$(netns_add gw)
# link N NAME: namespace NAME on gw's ethN, addresses as in the table.
link() {
	local n=$1 ns
	ns=$(netns_add "$2")
	ip -n "$NS_GW" link add "eth$n" type veth peer name eth0 netns "$ns"
	ip -n "$NS_GW" addr add "100.65.$n.1/24" dev "eth$n"
	ip -n "$NS_GW" addr add "2001:db8:65:$n::1/64" dev "eth$n" nodad
	ip -n "$ns" addr add "100.65.$n.2/24" dev eth0
	ip -n "$ns" addr add "2001:db8:65:$n::2/64" dev eth0 nodad
	ip -n "$NS_GW" link set "eth$n" up
	ip -n "$ns" link set eth0 up
	echo "$ns"
}
NS_BIRD=$(link 1 bird)
NS_FRR=$(link 2 frr)
NS_GOBGP=$(link 3 gobgp)

ferryd_conf gw "router-id = \"100.65.1.1\";
bgp = {
	asn = 65000;
	pools = (
		{ prefix = \"10.244.0.0/16\"; kind = \"pod\"; },
		{ prefix = \"2001:db8:244::/48\"; kind = \"pod\"; }
	);
	neighbors = (
		{ address = \"2001:db8:65:1::2\"; asn = 65101; hold-time = 9;
		  connect-retry = 1;
		  export = { pools = (\"pod\"); }; import = { all = true; }; },
		{ address = \"100.65.2.2\"; asn = 65102; hold-time = 9;
		  connect-retry = 1;
		  export = { pools = (\"pod\"); }; import = { all = true; }; },
		{ address = \"2001:db8:65:3::2\"; asn = 65103; hold-time = 9;
		  connect-retry = 1;
		  export = { pools = (\"pod\"); }; import = { all = true; }; }
	);
};" >/dev/null

# BIRD: an IPv6 session with an ipv4 and an ipv6 channel.
cat >"$T_DIR/bird.bird.conf" <<CONF
router id 100.65.1.2;
log "$T_DIR/bird.bird.trace" all;
protocol device { }
protocol static s4 { ipv4; route 198.51.101.0/24 blackhole; }
protocol static s6 { ipv6; route 2001:db8:101::/48 blackhole; }
protocol bgp ferry {
	local as 65101;
	neighbor 2001:db8:65:1::1 as 65000;
	hold time 9;
	error wait time 1, 4;
	connect retry time 1;
	ipv4 { import all; export where source = RTS_STATIC; };
	ipv6 { import all; export where source = RTS_STATIC; };
}
CONF

# FRR: an IPv4 session active in both address families.
cat >"$(frr_dir frr)/bgpd.conf" <<CONF
frr defaults traditional
hostname frr
router bgp 65102
 bgp router-id 100.65.2.2
 no bgp ebgp-requires-policy
 no bgp network import-check
 no bgp default ipv4-unicast
 timers bgp 3 9
 neighbor 100.65.2.1 remote-as 65000
 neighbor 100.65.2.1 timers connect 1
 address-family ipv4 unicast
  network 198.51.102.0/24
  neighbor 100.65.2.1 activate
 exit-address-family
 address-family ipv6 unicast
  network 2001:db8:102::/48
  neighbor 100.65.2.1 activate
 exit-address-family
CONF

# GoBGP: an IPv6 session with both families.
gobgp_conf gobgp 65103 100.65.3.2 2001:db8:65:3::2 \
	"2001:db8:65:3::1 ipv4-unicast ipv6-unicast"

bird_start "$NS_BIRD" bird
frr_start "$NS_FRR" frr
gobgp_start "$NS_GOBGP" gobgp
# GoBGP's own next hop for what it originates: its address on the link.
gobgp_q gobgp global rib add 198.51.103.0/24 -a ipv4 nexthop 100.65.3.2 \
	>/dev/null || fail "gobgp: add IPv4 route"
gobgp_q gobgp global rib add 2001:db8:103::/48 -a ipv6 \
	nexthop 2001:db8:65:3::2 >/dev/null || fail "gobgp: add IPv6 route"
ferryd_start "$NS_GW" gw -d

for a in 2001:db8:65:1::2 100.65.2.2 2001:db8:65:3::2; do
	wait_for 20 ferry_established gw "$a" ||
		fail "ferryd: peer $a not up: $(ctl gw show bgp peers)"
done
expect_eq "gw: families of the BIRD session" \
	"$(ferry_peer gw 2001:db8:65:1::2 families | jq -r 'join(" ")')" "ipv4 ipv6"

# ---- What the peers receive ---------------------------------------------

# BIRD: both pools over IPv6, next hop ours on eth1 of each family.
bird_route() { birdc_q bird show route "$1" all; }
bird_has() { bird_route "$1" | grep -q "^$1 "; }
for p in 10.244.0.0/16 2001:db8:244::/48; do
	wait_for 10 bird_has "$p" ||
		fail "BIRD lacks $p: $(birdc_q bird show route all)"
done
bird_route 10.244.0.0/16 | grep -q "BGP.next_hop: 100.65.1.1$" ||
	fail "BIRD: IPv4 next hop over IPv6: $(bird_route 10.244.0.0/16)"
bird_route 10.244.0.0/16 | grep -q "BGP.as_path: 65000$" ||
	fail "BIRD: IPv4 AS path: $(bird_route 10.244.0.0/16)"
bird_route 2001:db8:244::/48 | grep -q "BGP.next_hop: 2001:db8:65:1::1 " ||
	fail "BIRD: IPv6 next hop: $(bird_route 2001:db8:244::/48)"
# BIRD resolved the IPv4 next hop: the route is usable, not unreachable.
bird_route 10.244.0.0/16 | grep -q "via 100.65.1.1 on eth0" ||
	fail "BIRD: IPv4 route not resolved: $(bird_route 10.244.0.0/16)"

# FRR: both pools over IPv4, the IPv6 one with our global address on eth2
# (and our link-local one, RFC 2545), valid.
frr_expect_from "FRR IPv4" frr ipv4 100.65.2.1 10.244.0.0/16
frr_expect_from "FRR IPv6 over IPv4" frr ipv6 100.65.2.1 2001:db8:244::/48
frr_sel frr ipv4 10.244.0.0/16 100.65.2.1
expect_eq "FRR: IPv4 next hop" "$(pj '.nexthops[0].ip')" 100.65.2.1
frr_sel frr ipv6 2001:db8:244::/48 100.65.2.1
expect_eq "FRR: IPv6 global next hop over IPv4" \
	"$(pj '[.nexthops[] | select(.scope == "global") | .ip] | join(" ")')" \
	2001:db8:65:2::1
expect_eq "FRR: IPv6 AS path" "$(pj .aspath.string)" 65000
expect_eq "FRR: IPv6 route valid" "$(pj .valid)" true

# GoBGP: both pools over IPv6.
gobgp_expect_from "GoBGP IPv4 over IPv6" gobgp 2001:db8:65:3::1 ipv4 10.244.0.0/16
gobgp_expect_from "GoBGP IPv6" gobgp 2001:db8:65:3::1 ipv6 2001:db8:244::/48
gobgp_sel gobgp 2001:db8:65:3::1 ipv4 10.244.0.0/16
expect_eq "GoBGP: IPv4 next hop over IPv6" "$(gj nexthop)" 100.65.3.1
expect_eq "GoBGP: IPv4 AS path" "$(gj aspath)" 65000
gobgp_sel gobgp 2001:db8:65:3::1 ipv6 2001:db8:244::/48
expect_eq "GoBGP: IPv6 next hop" "$(gj nexthop)" 2001:db8:65:3::1

# ---- What ferryd learns --------------------------------------------------

for p in 198.51.101.0/24 2001:db8:101::/48 198.51.102.0/24 \
	2001:db8:102::/48 198.51.103.0/24 2001:db8:103::/48; do
	wait_for 10 ferry_learned "$p" ||
		fail "ferryd did not learn $p: $(ctl gw show bgp routes)"
done
FJ=$(ctl gw --json show bgp routes)
expect_eq "gw: BIRD IPv4 next hop" "$(froute 198.51.101.0/24 '.["next-hop"]')" 100.65.1.2
expect_eq "gw: BIRD IPv6 next hop" "$(froute 2001:db8:101::/48 '.["next-hop"]')" 2001:db8:65:1::2
expect_eq "gw: FRR IPv4 next hop" "$(froute 198.51.102.0/24 '.["next-hop"]')" 100.65.2.2
expect_eq "gw: FRR IPv6 next hop" "$(froute 2001:db8:102::/48 '.["next-hop"]')" 2001:db8:65:2::2
expect_eq "gw: GoBGP IPv4 next hop" "$(froute 198.51.103.0/24 '.["next-hop"]')" 100.65.3.2
expect_eq "gw: GoBGP IPv6 next hop" "$(froute 2001:db8:103::/48 '.["next-hop"]')" 2001:db8:65:3::2
expect_eq "gw: FRR IPv6 AS path" "$(froute 2001:db8:102::/48 '.["as-path"]')" 65102

wait_for 10 in_fib fib4 "^198\.51\.101\.0/24 via 100\.65\.1\.2 dev eth1 " ||
	fail "BIRD's IPv4 route not in the kernel: $(fib4)"
wait_for 10 in_fib fib6 "^2001:db8:101::/48 via [0-9a-f:]+ dev eth1 " ||
	fail "BIRD's IPv6 route not in the kernel: $(fib6)"
wait_for 10 in_fib fib4 "^198\.51\.102\.0/24 via 100\.65\.2\.2 dev eth2 " ||
	fail "FRR's IPv4 route not in the kernel: $(fib4)"
wait_for 10 in_fib fib6 "^2001:db8:102::/48 via [0-9a-f:]+ dev eth2 " ||
	fail "FRR's IPv6 route over IPv4 not in the kernel: $(fib6)"
wait_for 10 in_fib fib4 "^198\.51\.103\.0/24 via 100\.65\.3\.2 dev eth3 " ||
	fail "GoBGP's IPv4 route over IPv6 not in the kernel: $(fib4)"
wait_for 10 in_fib fib6 "^2001:db8:103::/48 via 2001:db8:65:3::2 dev eth3 " ||
	fail "GoBGP's IPv6 route not in the kernel: $(fib6)"

# ---- Withdrawals in the other family ------------------------------------

birdc_q bird disable s4 >/dev/null || fail "birdc disable s4"
frr_conf frr "router bgp 65102" "address-family ipv6 unicast" \
	"no network 2001:db8:102::/48" >/dev/null || fail "vtysh: withdraw"
gobgp_q gobgp global rib del 198.51.103.0/24 -a ipv4 >/dev/null ||
	fail "gobgp: withdraw"
for p in 198.51.101.0/24 2001:db8:102::/48 198.51.103.0/24; do
	wait_for 10 ferry_lacks "$p" ||
		fail "gw still holds $p after the withdraw: $(ctl gw show bgp routes)"
done
wait_for 10 not_in_fib fib4 198.51.101.0/24 || fail "BIRD's route stayed: $(fib4)"
wait_for 10 not_in_fib fib6 2001:db8:102::/48 || fail "FRR's route stayed: $(fib6)"
wait_for 10 not_in_fib fib4 198.51.103.0/24 || fail "GoBGP's route stayed: $(fib4)"
# The other family is untouched, and no session went down.
ferry_learned 2001:db8:101::/48 >/dev/null || fail "BIRD's IPv6 route went too"
ferry_learned 198.51.102.0/24 >/dev/null || fail "FRR's IPv4 route went too"
for a in 2001:db8:65:1::2 100.65.2.2 2001:db8:65:3::2; do
	expect_eq "gw: flaps of $a" "$(ferry_peer gw "$a" flaps)" 0
done
exit 0
