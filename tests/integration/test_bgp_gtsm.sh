#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# GTSM (RFC 5082), `gtsm = true` on every neighbor of ferryd ("gw"):
# - FRR ("up", AS 65100, `ttl-security hops 1`) comes up over IPv4 with
#   ferryd connecting and over IPv6 with FRR connecting (ferryd passive);
# - BIRD ("ib", AS 65200) without TTL security sends TTL 1: its IPv4
#   session (BIRD connects, ferryd passive) never gets past the SYN, which
#   the listener's filter drops before any connection exists, and its IPv6
#   session (ferryd connects) never comes up either, the kernel dropping
#   BIRD's replies for their hop limit;
# - once BIRD turns TTL security on (birdc configure), both come up.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bgp_lib.sh"
. "$(dirname "$0")/bgp_peers.sh"
need_root
need_cmd jq bird birdc nstat
need_frr

bgp_topo
bgp_topo_ibgp

ferryd_conf gw "router-id = \"$GW4\";
bgp = {
	asn = 65000;
	listen = (\"$GW4\", \"$GW6\", \"$GWI4\", \"$GWI6\");
	pools = ( { prefix = \"10.244.0.0/16\"; kind = \"pod\"; } );
	neighbors = (
		{ address = \"$UP4\"; asn = 65100; hold-time = 9;
		  connect-retry = 1; gtsm = true;
		  export = { pools = (\"pod\"); }; import = { all = true; }; },
		{ address = \"$UP6\"; asn = 65100; hold-time = 9;
		  connect-retry = 1; gtsm = true; passive = true;
		  export = { pools = (\"pod\"); }; import = { all = true; }; },
		{ address = \"$IB4\"; asn = 65200; hold-time = 9;
		  connect-retry = 1; gtsm = true; passive = true;
		  export = { pools = (\"pod\"); }; import = { all = true; }; },
		{ address = \"$IB6\"; asn = 65200; hold-time = 9;
		  connect-retry = 1; gtsm = true;
		  export = { pools = (\"pod\"); }; import = { all = true; }; }
	);
};" >/dev/null

cat >"$(frr_dir up)/bgpd.conf" <<CONF
frr defaults traditional
hostname up
router bgp 65100
 bgp router-id $UP4
 no bgp ebgp-requires-policy
 no bgp default ipv4-unicast
 timers bgp 3 9
 neighbor $GW4 remote-as 65000
 neighbor $GW4 timers connect 1
 neighbor $GW4 ttl-security hops 1
 neighbor $GW4 passive
 neighbor $GW6 remote-as 65000
 neighbor $GW6 timers connect 1
 neighbor $GW6 ttl-security hops 1
 address-family ipv4 unicast
  neighbor $GW4 activate
 exit-address-family
 address-family ipv6 unicast
  neighbor $GW6 activate
 exit-address-family
CONF

# bird_conf TTL_SECURITY: BIRD "ib"'s config, with "ttl security" on or off.
bird_conf() {
	cat >"$T_DIR/ib.bird.conf" <<CONF
router id $IB4;
log "$T_DIR/ib.bird.trace" all;
protocol device { }
template bgp ferry {
	local as 65200;
	hold time 9;
	error wait time 1, 4;
	connect retry time 1;
	ttl security $1;
	debug { events };
}
protocol bgp f4 from ferry {
	neighbor $GWI4 as 65000;
	ipv4 { import all; export none; };
}
protocol bgp f6 from ferry {
	neighbor $GWI6 as 65000;
	passive on;
	ipv6 { import all; export none; };
}
CONF
}
bird_conf off

# The kernel's count of segments dropped for a low TTL in gw.
minttl_drops() {
	ip netns exec "$NS_GW" nstat -az TcpExtTCPMinTTLDrop |
		awk '$1 == "TcpExtTCPMinTTLDrop" { print $2 }'
}

frr_start "$NS_UP" up
bird_start "$NS_IB" ib
ferryd_start "$NS_GW" gw -d

# FRR, both directions.
for a in "$UP4" "$UP6"; do
	wait_for 20 ferry_established gw "$a" ||
		fail "GTSM session with FRR $a not up: $(ctl gw show bgp peers)
$(frr_q up show bgp neighbors "${a/$UP4/$GW4}")"
done
frr_established up "$GW4" || fail "FRR: session to $GW4 not Established"
frr_established up "$GW6" || fail "FRR: session to $GW6 not Established"
wait_for 10 frr_has up ipv4 10.244.0.0/16 ||
	fail "FRR did not receive the pod pool over the GTSM session"
# FRR may reset a session once while it starts (its interfaces come up
# after bgpd); from here on, neither may go down.
flaps4=$(ferry_peer gw "$UP4" flaps)
flaps6=$(ferry_peer gw "$UP6" flaps)

# BIRD sends TTL 1: six seconds of its retries (one a second) get nowhere.
sleep 6
st4=$(ferry_peer_state gw "$IB4")
st6=$(ferry_peer_state gw "$IB6")
[ "$st4" != Established ] || fail "TTL-1 peer $IB4 came up through GTSM"
[ "$st6" != Established ] || fail "TTL-1 peer $IB6 came up through GTSM"
bird_established ib f4 && fail "BIRD f4 Established without TTL security"
bird_established ib f6 && fail "BIRD f6 Established without TTL security"
# The IPv4 session never reached ferryd: the listener's filter dropped its
# SYNs, so there was no connection to accept ...
grep -q "connection accepted: peer=$IB4 " "$T_DIR/gw.log" &&
	fail "a TTL-1 connection from $IB4 was accepted"
attempts=$(grep -c "Connecting to $GWI4 from" "$T_DIR/ib.bird.trace")
[ "$attempts" -ge 3 ] ||
	fail "BIRD tried only $attempts times: $(tail -20 "$T_DIR/ib.bird.trace")"
# ... and on the IPv6 one, ferryd's connecting socket dropped the replies.
drops=$(minttl_drops)
[ "${drops:-0}" -gt 0 ] || fail "no segments dropped for their TTL: '$drops'"
log "BIRD attempts=$attempts, segments dropped for their TTL: $drops"

# With TTL security, BIRD comes in.
bird_conf on
birdc_q ib configure >/dev/null || fail "birdc configure"
# ferryd's IPv6 connection sits in OpenSent: BIRD gave up on it, but its
# FIN came with TTL 1 and was dropped too, so only the 4-minute OpenSent
# hold timer (RFC 4271 8.2.2) would end it.  The operator resets it.
ctl gw bgp reset "$IB6" >/dev/null || fail "ferryctl bgp reset $IB6"
for a in "$IB4" "$IB6"; do
	wait_for 30 ferry_established gw "$a" ||
		fail "GTSM session with BIRD $a not up: $(ctl gw show bgp peers)
$(birdc_q ib show protocols all)"
done
wait_for 10 sh -c "birdc -s $T_DIR/ib.bird.sock show route protocol f4 | grep -q 10.244.0.0/16" ||
	fail "BIRD did not receive the pod pool: $(birdc_q ib show route all)"
# FRR's sessions stayed up while BIRD came and went.
expect_eq "gw: flaps of $UP4" "$(ferry_peer gw "$UP4" flaps)" "$flaps4"
expect_eq "gw: flaps of $UP6" "$(ferry_peer gw "$UP6" flaps)" "$flaps6"
ferry_established gw "$UP4" || fail "FRR IPv4 session down at the end"
ferry_established gw "$UP6" || fail "FRR IPv6 session down at the end"
exit 0
