#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# ferryd and BIRD 2 over eBGP, on an IPv4 and an IPv6 session:
# - BIRD receives exactly the pools ferryd's export policy names, with the
#   attributes it sets (AS path with prepend, communities, large
#   communities, MED, next hop), and not the others;
# - routes BIRD announces are imported per ferryd's prefix list, shown by
#   ferryctl, installed in the kernel (proto 202), and withdrawn again;
# - an IPv4 pool per address arrives as one /32 per address.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bgp_lib.sh"
need_root
need_cmd jq bird birdc

bgp_topo
ferryd_conf gw "router-id = \"$GW4\";
bgp = {
	asn = 65000;
	listen = (\"$GW4\", \"$GW6\");
	pools = (
		{ prefix = \"10.244.0.0/16\"; kind = \"pod\";
		  communities = (\"65000:100\"); large-communities = (\"65000:1:2\");
		  med = 10; },
		{ prefix = \"10.96.0.0/12\"; kind = \"service\"; },
		{ prefix = \"198.18.0.0/30\"; kind = \"loadbalancer\";
		  per-address = true; },
		{ prefix = \"2001:db8:244::/48\"; kind = \"pod\"; }
	);
	neighbors = (
		{ address = \"$UP4\"; asn = 65100; hold-time = 9;
		  connect-retry = 1; families = (\"ipv4\");
		  export = { pools = (\"pod\", \"loadbalancer\"); prepend = 1;
			     communities = (\"65000:200\"); };
		  import = { prefixes = (\"198.51.100.0/24 le 32\"); }; },
		{ address = \"$UP6\"; asn = 65100; hold-time = 9;
		  connect-retry = 1; families = (\"ipv6\");
		  export = { pools = (\"pod\"); };
		  import = { prefixes = (\"2001:db8:51::/48 le 64\"); }; }
	);
};" >/dev/null

cat >"$T_DIR/up.bird.conf" <<CONF
router id $UP4;
log "$T_DIR/up.bird.trace" all;
protocol device { }
protocol static s4 {
	ipv4;
	route 198.51.100.0/24 blackhole;
	route 203.0.113.0/24 blackhole;
}
protocol static s6 {
	ipv6;
	route 2001:db8:51::/48 blackhole;
}
template bgp ferry {
	local as 65100;
	hold time 9;
	error wait time 1, 4;
	connect retry time 1;
}
protocol bgp f4 from ferry {
	neighbor $GW4 as 65000;
	ipv4 { import all; export where source = RTS_STATIC; };
}
protocol bgp f6 from ferry {
	neighbor $GW6 as 65000;
	ipv6 { import all; export where source = RTS_STATIC; };
}
CONF
bird_start "$NS_UP" up
ferryd_start "$NS_GW" gw -d

wait_for 20 bird_established up f4 || fail "IPv4 session not up: $(birdc_q up show protocols all f4)"
wait_for 20 bird_established up f6 || fail "IPv6 session not up: $(birdc_q up show protocols all f6)"
wait_for 10 ferry_established gw "$UP4" || fail "ferryd: IPv4 peer not up"

# What BIRD holds from ferryd over IPv4: pod and the 4 loadbalancer /32s.
routes() { birdc_q up show route protocol "$1" all; }
wait_for 10 sh -c "birdc -s $T_DIR/up.bird.sock show route protocol f4 | grep -q 198.18.0.3/32" ||
	fail "loadbalancer addresses not received: $(routes f4)"
r4=$(routes f4)
log "BIRD f4 routes:
$r4"
for p in 10.244.0.0/16 198.18.0.0/32 198.18.0.1/32 198.18.0.2/32 198.18.0.3/32; do
	echo "$r4" | grep -q "^$p " || fail "BIRD lacks $p"
done
echo "$r4" | grep -q "10.96.0.0/12" && fail "service pool exported against policy"
pod=$(echo "$r4" | sed -n '/^10.244.0.0\/16/,/^[0-9]/p')
echo "$pod" | grep -q "BGP.as_path: 65000 65000$" || fail "AS path (prepend): $pod"
echo "$pod" | grep -q "BGP.next_hop: $GW4$" || fail "next hop: $pod"
echo "$pod" | grep -q "BGP.med: 10$" || fail "MED: $pod"
echo "$pod" | grep -q "BGP.community: (65000,100) (65000,200)$" ||
	fail "communities: $pod"
echo "$pod" | grep -q "BGP.large_community: (65000, 1, 2)$" ||
	fail "large communities: $pod"
echo "$pod" | grep -q "BGP.origin: IGP" || fail "origin: $pod"

# Over IPv6: the IPv6 pod pool, next hop our global address.
wait_for 10 sh -c "birdc -s $T_DIR/up.bird.sock show route protocol f6 | grep -q 2001:db8:244::/48" ||
	fail "IPv6 pool not received: $(routes f6)"
routes f6 | grep -q "BGP.next_hop: $GW6" || fail "IPv6 next hop: $(routes f6)"

# What ferryd learned: 198.51.100.0/24 accepted, 203.0.113.0/24 rejected.
wait_for 10 sh -c "'$FERRYCTL' -s '$T_DIR/gw.sock' --json show bgp routes | grep -q 198.51.100.0/24" ||
	fail "ferryd did not learn 198.51.100.0/24"
json=$(ctl gw --json show bgp routes 198.51.100.0/24)
expect_eq "as path" "$(jget "$json" '.result.routes[0]["as-path"]')" 65100
expect_eq "next hop" "$(jget "$json" '.result.routes[0]["next-hop"]')" "$UP4"
json=$(ctl gw --json show bgp routes received --peer "$UP4")
expect_eq "rejected by import" "$(jget "$json" \
	'.result.routes[] | select(.prefix == "203.0.113.0/24") | .rejected')" true
expect_eq accepted "$(ferry_peer gw "$UP4" prefixes-accepted)" 1
expect_eq received "$(ferry_peer gw "$UP4" prefixes-received)" 2
ip -n "$NS_GW" route show proto 202 | grep -q "^198.51.100.0/24 via $UP4" ||
	fail "not in the kernel: $(ip -n "$NS_GW" route show proto 202)"
ip -n "$NS_GW" route show proto 202 | grep -q 203.0.113 &&
	fail "rejected route installed"
wait_for 10 sh -c "ip -n $NS_GW -6 route show proto 202 | grep -q 2001:db8:51::/48" ||
	fail "IPv6 route not in the kernel"
ctl gw show bgp routes >/dev/null || fail "ferryctl show bgp routes (table)"
ctl gw show bgp peers | grep -q Established || fail "ferryctl show bgp peers"
# As people type it: the options after the command.
"$FERRYCTL" show bgp peers -s "$T_DIR/gw.sock" | grep -q Established ||
	fail "ferryctl show bgp peers -s SOCK"
"$FERRYCTL" show bgp peers --json -s "$T_DIR/gw.sock" |
	jq -e '.ok' >/dev/null || fail "ferryctl show bgp peers --json -s SOCK"

# Withdrawn by BIRD: gone from ferryd and the kernel.
birdc_q up disable s4 >/dev/null
wait_for 10 sh -c "! ip -n $NS_GW route show proto 202 | grep -q 198.51.100.0/24" ||
	fail "withdrawn route still in the kernel: $(ip -n "$NS_GW" route show proto 202); ferryd: $(ctl gw --json show bgp routes received --peer "$UP4"); bird: $(birdc_q up show route export f4)"
json=$(ctl gw --json show bgp routes 198.51.100.0/24)
expect_eq "routes after withdraw" "$(jget "$json" '.result.routes | length')" 0
exit 0
