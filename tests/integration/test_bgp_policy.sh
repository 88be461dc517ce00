#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Import and export policy between ferryd and six BIRD 2 sessions, each on
# its own address pair and in its own BIRD table:
#	up  AS 65100  announces ten routes; ferryd imports per a prefix list
#	              with ge/le: accepted ones are used, the others shown as
#	              rejected in `show bgp routes received --peer`
#	e2  AS 65200  eBGP, export pools + learned with prepend, communities
#	              and large communities; gets no NO_EXPORT/NO_ADVERTISE route
#	ib  AS 65000  iBGP, default policy: gets the NO_EXPORT route (community
#	              kept), never the NO_ADVERTISE one
#	mw  AS 65300  5 routes against max-prefix 3, action warn: logged once,
#	              the session stays up
#	mr  AS 65400  5 routes against max-prefix 3, action reset: BIRD sees
#	              Cease 6/1 "Maximum number of prefixes reached"
#	ne  AS 65500  eBGP without import/export (RFC 8212): nothing either way
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bgp_lib.sh"
. "$(dirname "$0")/bgp_more.sh"
need_root
need_cmd jq bird birdc

# BIRD address, ferryd address, per session.
UP=192.0.2.254
E2=192.0.2.253 LE2=192.0.2.2
IB=192.0.2.252 LIB=192.0.2.3
MW=192.0.2.251 LMW=192.0.2.4
MR=192.0.2.250 LMR=192.0.2.5
NE=192.0.2.249 LNE=192.0.2.6
bgp_topo
for a in $E2 $IB $MW $MR $NE; do
	ip -n "$NS_UP" addr add "$a/24" dev eth0
done
for a in $LE2 $LIB $LMW $LMR $LNE; do
	ip -n "$NS_GW" addr add "$a/24" dev eth0
done

ferryd_conf gw "router-id = \"$GW4\";
bgp = {
	asn = 65000;
	pools = (
		{ prefix = \"10.244.0.0/16\"; kind = \"pod\";
		  communities = (\"65000:100\"); },
		{ prefix = \"10.96.0.0/12\"; kind = \"service\"; }
	);
	neighbors = (
		{ address = \"$UP\"; asn = 65100; hold-time = 9; connect-retry = 1;
		  import = { prefixes = (\"198.51.100.0/24 ge 25 le 26\",
			\"10.10.0.0/16\", \"10.20.0.0/16\", \"10.30.0.0/16\",
			\"10.40.0.0/16\"); }; },
		{ address = \"$E2\"; asn = 65200; hold-time = 9; connect-retry = 1;
		  local-address = \"$LE2\";
		  export = { pools = (\"pod\"); learned = true; prepend = 2;
			communities = (\"65000:200\");
			large-communities = (\"65000:2:3\"); }; },
		{ address = \"$IB\"; asn = 65000; hold-time = 9; connect-retry = 1;
		  local-address = \"$LIB\"; },
		{ address = \"$MW\"; asn = 65300; hold-time = 9; connect-retry = 1;
		  local-address = \"$LMW\";
		  import = { all = true; max-prefix = 3;
			max-prefix-action = \"warn\"; }; },
		{ address = \"$MR\"; asn = 65400; hold-time = 9; connect-retry = 1;
		  local-address = \"$LMR\";
		  import = { all = true; max-prefix = 3;
			max-prefix-action = \"reset\"; }; },
		{ address = \"$NE\"; asn = 65500; hold-time = 9; connect-retry = 1;
		  local-address = \"$LNE\"; }
	);
};" >/dev/null

bird_conf_head up "$UP"
cat >>"$T_DIR/up.bird.conf" <<CONF
ipv4 table tup; ipv4 table te2; ipv4 table tib;
ipv4 table tmw; ipv4 table tmr; ipv4 table tne;
protocol static sup {
	ipv4 { table tup; };
	route 198.51.100.0/24 blackhole;	# rejected: ge 25
	route 198.51.100.128/25 blackhole;	# accepted
	route 198.51.100.64/26 blackhole;	# accepted
	route 198.51.100.16/28 blackhole;	# rejected: le 26
	route 10.10.0.0/16 blackhole;		# accepted: exact
	route 10.10.1.0/24 blackhole;		# rejected: exact only
	route 203.0.113.0/24 blackhole;		# rejected: not listed
	route 10.20.0.0/16 blackhole;		# no-export
	route 10.30.0.0/16 blackhole;		# no-advertise
	route 10.40.0.0/16 blackhole;		# plain
}
protocol static smw {
	ipv4 { table tmw; };
	route 10.61.0.0/24 blackhole; route 10.61.1.0/24 blackhole;
	route 10.61.2.0/24 blackhole; route 10.61.3.0/24 blackhole;
	route 10.61.4.0/24 blackhole;
}
protocol static smr {
	ipv4 { table tmr; };
	route 10.62.0.0/24 blackhole; route 10.62.1.0/24 blackhole;
	route 10.62.2.0/24 blackhole; route 10.62.3.0/24 blackhole;
	route 10.62.4.0/24 blackhole;
}
protocol static sne { ipv4 { table tne; }; route 10.50.0.0/16 blackhole; }
# Set in the export filter: BIRD itself honours these communities before
# its filters run, so they must not be on the static routes.
filter tag_up {
	if source != RTS_STATIC then reject;
	if net = 10.20.0.0/16 then bgp_community.add((65535, 65281));
	if net = 10.30.0.0/16 then bgp_community.add((65535, 65282));
	if net = 10.40.0.0/16 then bgp_community.add((65100, 40));
	accept;
}
template bgp ferry {
	hold time 9;
	error wait time 1, 4;
	connect retry time 1;
}
protocol bgp up from ferry {
	local $UP as 65100; neighbor $GW4 as 65000;
	ipv4 { table tup; import all; export filter tag_up; };
}
protocol bgp e2 from ferry {
	local $E2 as 65200; neighbor $LE2 as 65000;
	ipv4 { table te2; import all; export none; };
}
protocol bgp ib from ferry {
	local $IB as 65000; neighbor $LIB as 65000;
	ipv4 { table tib; import all; export none; };
}
protocol bgp mw from ferry {
	local $MW as 65300; neighbor $LMW as 65000;
	ipv4 { table tmw; import all; export where source = RTS_STATIC; };
}
protocol bgp mr from ferry {
	local $MR as 65400; neighbor $LMR as 65000;
	ipv4 { table tmr; import all; export where source = RTS_STATIC; };
}
protocol bgp ne from ferry {
	local $NE as 65500; neighbor $LNE as 65000;
	ipv4 { table tne; import all; export where source = RTS_STATIC; };
}
CONF
bird_start "$NS_UP" up
ferryd_start "$NS_GW" gw

for p in up e2 ib mw ne; do
	wait_for 20 bird_established up $p || fail "$p not up: $(bird_proto_all up $p)"
done

# Import prefix list with ge/le.
wait_until 10 'test "$(ferry_peer gw $UP prefixes-received)" = 10' ||
	fail "from up: received $(ferry_peer gw $UP prefixes-received) of 10"
expect_eq "accepted from up" "$(ferry_peer gw $UP prefixes-accepted)" 6
for p in 198.51.100.128/25 198.51.100.64/26 10.10.0.0/16 10.20.0.0/16 \
	10.30.0.0/16 10.40.0.0/16; do
	expect_eq "$p rejected" "$(ferry_received gw $UP $p rejected)" null
	ferry_has_best gw $p || fail "$p accepted but not a best route"
done
for p in 198.51.100.0/24 198.51.100.16/28 10.10.1.0/24 203.0.113.0/24; do
	expect_eq "$p rejected" "$(ferry_received gw $UP $p rejected)" true
	ferry_has_best gw $p && fail "rejected $p is a best route"
	ip -n "$NS_GW" route show proto 202 | grep -q "^$p " &&
		fail "rejected $p in the kernel"
done
kernel_has "$NS_GW" 198.51.100.128/25 $UP || fail "accepted route not in the kernel"

# Export to e2: the pod pool with prepend and communities; the plain learned
# route; neither NO_EXPORT nor NO_ADVERTISE routes; no service pool.
wait_for 10 bird_has up te2 10.40.0.0/16 || fail "e2 lacks 10.40.0.0/16: $(bird_routes up te2)"
wait_for 10 bird_has up te2 10.244.0.0/16 || fail "e2 lacks the pod pool"
r=$(bird_route up te2 10.244.0.0/16)
echo "$r" | grep -q "BGP.as_path: 65000 65000 65000$" || fail "e2 pod path (prepend 2): $r"
echo "$r" | grep -q "BGP.community: (65000,100) (65000,200)$" || fail "e2 pod communities: $r"
echo "$r" | grep -q "BGP.large_community: (65000, 2, 3)$" || fail "e2 pod large communities: $r"
echo "$r" | grep -q "BGP.next_hop: $LE2$" || fail "e2 pod next hop: $r"
r=$(bird_route up te2 10.40.0.0/16)
echo "$r" | grep -q "BGP.as_path: 65000 65000 65000 65100$" || fail "e2 learned path: $r"
# Communities are a set: BIRD prints them in the order received.
c=$(echo "$r" | sed -n 's/^[[:space:]]*BGP.community: //p' | tr ' ' '\n' | sort | tr '\n' ' ')
expect_eq "e2 learned communities" "$c" "(65000,200) (65100,40) "
echo "$r" | grep -q "BGP.large_community: (65000, 2, 3)$" || fail "e2 learned large communities: $r"
# Exported per policy: not the service pool, nor routes rejected on import.
for p in 10.96.0.0/12 203.0.113.0/24 10.20.0.0/16 10.30.0.0/16; do
	bird_has up te2 $p && fail "e2 got $p: $(bird_route up te2 $p)"
done

# iBGP: the NO_EXPORT route arrives with its community, NO_ADVERTISE not.
wait_for 10 bird_has up tib 10.20.0.0/16 || fail "ib lacks the no-export route: $(bird_routes up tib)"
wait_for 10 bird_has up tib 10.96.0.0/12 || fail "ib lacks the service pool"
bird_route up tib 10.20.0.0/16 | grep -q "BGP.community: (65535,65281)$" ||
	fail "ib: no-export community lost: $(bird_route up tib 10.20.0.0/16)"
bird_has up tib 10.40.0.0/16 || fail "ib lacks 10.40.0.0/16"
# The no-advertise route is in ferryd's RIB but advertised to nobody.
ferry_has_best gw 10.30.0.0/16 || fail "no-advertise route not in the RIB"
for a in $E2 $IB $NE $UP; do
	ferry_advertised gw $a 10.30.0.0/16 && fail "10.30.0.0/16 advertised to $a"
done
bird_has up tib 10.30.0.0/16 && fail "ib got the no-advertise route"
bird_has up te2 10.30.0.0/16 && fail "e2 got the no-advertise route"

# RFC 8212: ne announced its route, ferryd took nothing and sent nothing;
# up (an import-only eBGP peer) was sent nothing either.
wait_until 10 'test "$(ferry_peer gw $NE prefixes-received)" = 1' ||
	fail "ne: nothing received"
expect_eq "ne accepted" "$(ferry_peer gw $NE prefixes-accepted)" 0
expect_eq "ne rejected" "$(ferry_received gw $NE 10.50.0.0/16 rejected)" true
ferry_has_best gw 10.50.0.0/16 && fail "ne's route imported"
for a in $NE $UP; do
	expect_eq "$a advertised" "$(ferry_peer gw $a prefixes-advertised)" 0
done
# e2 and ib, up as long as ne, hold their full tables by now.
n=$(birdc_q up show route table tne count | grep -o '^[0-9]* of' | cut -d' ' -f1)
expect_eq "routes in ne's table (its static one only)" "$n" 1
bird_has up tup 10.244.0.0/16 && fail "up got a pool without an export section"

# max-prefix warn: all 5 accepted, logged once, session kept.
wait_until 10 'test "$(ferry_peer gw $MW prefixes-accepted)" = 5' ||
	fail "mw: accepted $(ferry_peer gw $MW prefixes-accepted)"
wait_for 5 grep -q "maximum prefix.*peer=$MW" "$T_DIR/gw.log" ||
	fail "max-prefix warn not logged"
bird_since_stable up mw >/dev/null
settled=$(now_ms)
sleep 1
bird_established up mw || fail "mw session dropped on warn"
bird_since_before up mw "$settled" ||
	fail "mw reset in BIRD on warn (since $(bird_since up mw))"
expect_eq "mw flaps" "$(ferry_flaps gw $MW)" 0
expect_eq "mw warnings logged" "$(grep -c "maximum prefix.*peer=$MW" "$T_DIR/gw.log")" 1

# max-prefix reset: Cease 6/1 seen by BIRD.
mr_ceased() { bird_proto_all up mr | grep -q "Received: Maximum number of prefixes reached"; }
wait_for 20 mr_ceased || fail "mr: no Cease 6/1: $(bird_proto_all up mr)"
wait_until 10 'test "$(ferry_flaps gw $MR)" -ge 1' || fail "mr: no flap counted"
# RFC 4486 4: the data is AFI 1, SAFI 1 and the limit, 3.
grep -q "notification sent: peer=$MR .*code=6 subcode=1 .*data=00010100000003$" \
	"$T_DIR/gw.log" || fail "mr: Cease 6/1 data: $(grep "notification sent: peer=$MR" "$T_DIR/gw.log")"
ferry_peer gw $MR last-error | grep -qi "maximum prefix" ||
	fail "mr last error: $(ferry_peer gw $MR last-error)"
exit 0
