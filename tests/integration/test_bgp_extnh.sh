#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# IPv4 routes over IPv6-only links (RFC 8950 extended next hops): ferryd
# ("gw", AS 65000) has no IPv4 address on either link, so an IPv4 route
# can only carry an IPv6 next hop.
#	eth0  gw 2001:db8::1      BIRD ("up", AS 65100) 2001:db8::254
#	eth1  gw 2001:db8:64::1   FRR  ("ib", AS 65200) 2001:db8:64::2
# Both peers negotiate extended next hops for IPv4 unicast over their IPv6
# session.  Asserted: each receives ferryd's IPv4 pod pool with ferryd's
# IPv6 address as next hop; ferryd learns each peer's IPv4 route with the
# peer's IPv6 address as next hop, installs it in the kernel as an IPv4
# route via an IPv6 gateway, and traffic follows it; a withdrawal removes
# it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bgp_lib.sh"
. "$(dirname "$0")/bgp_peers.sh"
need_root
need_cmd jq bird birdc
need_frr

NS_GW=$(netns_add gw)
NS_UP=$(netns_add up)
NS_IB=$(netns_add ib)
ip -n "$NS_GW" link add eth0 type veth peer name eth0 netns "$NS_UP"
ip -n "$NS_GW" link add eth1 type veth peer name eth0 netns "$NS_IB"
ip -n "$NS_GW" addr add 2001:db8::1/64 dev eth0 nodad
ip -n "$NS_UP" addr add 2001:db8::254/64 dev eth0 nodad
ip -n "$NS_GW" addr add 2001:db8:64::1/64 dev eth1 nodad
ip -n "$NS_IB" addr add 2001:db8:64::2/64 dev eth0 nodad
for ns in "$NS_GW" "$NS_UP" "$NS_IB"; do
	ip -n "$ns" link set lo up
	ip -n "$ns" link set eth0 up
done
ip -n "$NS_GW" link set eth1 up
# For the traffic check: a pod address on gw, a host address on up.
ip -n "$NS_GW" addr add 10.244.0.1/32 dev lo
ip -n "$NS_UP" addr add 198.51.100.1/32 dev lo

ferryd_conf gw "router-id = \"192.0.2.1\";
bgp = {
	asn = 65000;
	pools = ( { prefix = \"10.244.0.0/16\"; kind = \"pod\"; } );
	neighbors = (
		{ address = \"2001:db8::254\"; asn = 65100; hold-time = 9;
		  connect-retry = 1; extended-next-hop = true;
		  export = { pools = (\"pod\"); }; import = { all = true; }; },
		{ address = \"2001:db8:64::2\"; asn = 65200; hold-time = 9;
		  connect-retry = 1; extended-next-hop = true;
		  export = { pools = (\"pod\"); }; import = { all = true; }; }
	);
};" >/dev/null

cat >"$T_DIR/up.bird.conf" <<CONF
router id 192.0.2.254;
log "$T_DIR/up.bird.trace" all;
protocol device { }
protocol static s4 { ipv4; route 198.51.100.0/24 blackhole; }
protocol bgp ferry {
	local as 65100;
	neighbor 2001:db8::1 as 65000;
	hold time 9;
	error wait time 1, 4;
	connect retry time 1;
	ipv4 {
		extended next hop on;
		import all;
		export where source = RTS_STATIC;
	};
}
CONF

cat >"$(frr_dir ib)/bgpd.conf" <<CONF
frr defaults traditional
hostname ib
router bgp 65200
 bgp router-id 192.0.2.2
 no bgp ebgp-requires-policy
 no bgp network import-check
 no bgp default ipv4-unicast
 timers bgp 3 9
 neighbor 2001:db8:64::1 remote-as 65000
 neighbor 2001:db8:64::1 timers connect 1
 neighbor 2001:db8:64::1 capability extended-nexthop
 address-family ipv4 unicast
  network 198.51.102.0/24
  neighbor 2001:db8:64::1 activate
 exit-address-family
CONF

bird_start "$NS_UP" up
frr_start "$NS_IB" ib
ferryd_start "$NS_GW" gw -d

for a in 2001:db8::254 2001:db8:64::2; do
	wait_for 20 ferry_established gw "$a" ||
		fail "ferryd: peer $a not up: $(ctl gw show bgp peers)"
	expect_eq "gw: $a families" \
		"$(ferry_peer gw "$a" families | jq -r 'join(" ")')" ipv4
	expect_eq "gw: $a extended next hop" \
		"$(ferry_peer gw "$a" extended-next-hop)" true
done

# ---- What the peers receive ---------------------------------------------

bird_route() { birdc_q up show route "$1" all; }
wait_for 10 sh -c "birdc -s $T_DIR/up.bird.sock show route | grep -q '^10.244.0.0/16 '" ||
	fail "BIRD lacks the pod pool: $(birdc_q up show route all)"
bird_route 10.244.0.0/16 | grep -q "BGP.next_hop: 2001:db8::1 fe80::" ||
	fail "BIRD: next hop of the pod pool: $(bird_route 10.244.0.0/16)"
bird_route 10.244.0.0/16 | grep -q "BGP.as_path: 65000$" ||
	fail "BIRD: AS path: $(bird_route 10.244.0.0/16)"

frr_expect_from "FRR IPv4 over IPv6" ib ipv4 2001:db8:64::1 10.244.0.0/16
frr_sel ib ipv4 10.244.0.0/16 2001:db8:64::1
expect_eq "FRR: IPv6 global next hop of an IPv4 route" \
	"$(pj '[.nexthops[] | select(.scope == "global") | .ip] | join(" ")')" \
	2001:db8:64::1
expect_eq "FRR: next hop family" "$(pj '.nexthops[0].afi')" ipv6
expect_eq "FRR: route valid" "$(pj .valid)" true

# ---- What ferryd learns and installs ------------------------------------

for p in 198.51.100.0/24 198.51.102.0/24; do
	wait_for 10 ferry_learned "$p" ||
		fail "ferryd did not learn $p: $(ctl gw show bgp routes)"
done
FJ=$(ctl gw --json show bgp routes)
expect_eq "gw: BIRD's route next hop" \
	"$(froute 198.51.100.0/24 '.["next-hop"]')" 2001:db8::254
expect_eq "gw: FRR's route next hop" \
	"$(froute 198.51.102.0/24 '.["next-hop"]')" 2001:db8:64::2
wait_for 10 in_fib fib4 "^198\.51\.100\.0/24 via inet6 2001:db8::254 dev eth0 " ||
	fail "BIRD's route not in the kernel: $(fib4)"
wait_for 10 in_fib fib4 "^198\.51\.102\.0/24 via inet6 2001:db8:64::2 dev eth1 " ||
	fail "FRR's route not in the kernel: $(fib4)"

# Traffic follows the route: gw's pod address reaches up's host address
# (up routes the pod pool back over IPv6 by hand; BIRD has no kernel
# protocol here).
ip -n "$NS_UP" route add 10.244.0.0/16 via inet6 2001:db8::1 dev eth0
ip netns exec "$NS_GW" ping -c 2 -i 0.2 -W 2 -I 10.244.0.1 198.51.100.1 \
	>/dev/null || fail "no IPv4 traffic through the IPv6 next hop"

# ---- Withdrawal ---------------------------------------------------------

birdc_q up disable s4 >/dev/null || fail "birdc disable s4"
frr_conf ib "router bgp 65200" "address-family ipv4 unicast" \
	"no network 198.51.102.0/24" >/dev/null || fail "vtysh: withdraw"
for p in 198.51.100.0/24 198.51.102.0/24; do
	wait_for 10 ferry_lacks "$p" ||
		fail "gw still holds $p after the withdraw: $(ctl gw show bgp routes)"
	wait_for 10 not_in_fib fib4 "$p" || fail "$p stayed in the kernel: $(fib4)"
done
for a in 2001:db8::254 2001:db8:64::2; do
	expect_eq "gw: flaps of $a" "$(ferry_peer gw "$a" flaps)" 0
done
exit 0
