#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Bad input from a peer: each kind of broken header, OPEN, UPDATE and
# attribute gets the NOTIFICATION the RFCs prescribe (RFC 4271 6, RFC 6608
# for FSM errors) or is treated as withdraw with the session kept (RFC
# 7606).  Meanwhile a BIRD session stays up untouched, and 1000 sessions
# that come up and go down leave no object behind.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bgp_lib.sh"
need_root
need_cmd jq bird birdc python3

CRAFT=192.0.2.253
bgp_topo
ip -n "$NS_UP" addr add "$CRAFT/24" dev eth0
ferryd_conf gw "router-id = \"$GW4\";
bgp = {
	asn = 65000;
	pools = ( { prefix = \"10.244.0.0/16\"; kind = \"pod\"; } );
	neighbors = (
		{ address = \"$UP4\"; asn = 65100; connect-retry = 1;
		  export = { pools = (\"pod\"); }; import = { all = true; }; }
	);
	listen-ranges = (
		{ prefix = \"$CRAFT/32\"; asn = 65200; max = 16;
		  import = { all = true; }; export = { pools = (\"pod\"); }; }
	);
};" >/dev/null
cat >"$T_DIR/up.bird.conf" <<CONF
router id $UP4;
protocol device { }
protocol bgp f4 {
	local $UP4 as 65100;
	neighbor $GW4 as 65000;
	error wait time 1, 4;
	connect retry time 1;
	ipv4 { import all; export none; };
}
CONF
bird_start "$NS_UP" up
ferryd_start "$NS_GW" gw
wait_for 20 ferry_established gw "$UP4" || fail "BIRD session not up"
flaps0=$(ferry_peer gw "$UP4" flaps)
peers0=$(jget "$(ctl gw --json status)" .result.objects.bgp_peer)

craft() { # CASE [REPEAT]
	ip netns exec "$NS_UP" python3 "$(dirname "$0")/bgp_craft.py" \
		--source "$CRAFT" --repeat "${2:-1}" "$GW4" 179 65200 65000 "$1"
}
check() { # CASE EXPECTED
	local got
	got=$(craft "$1")
	log "$1: $got"
	[ "$got" = "$2" ] || fail "$1: got '$got', want '$2'"
}

check bad-marker "notification 1/1"
check bad-length "notification 1/2"
check bad-type "notification 1/3"
check open-short "notification 1/2"
check open-version "notification 2/1"
check open-peer-as "notification 2/2"
check open-bgp-id "notification 2/3"
check open-hold-time "notification 2/6"
check update-before-open "notification 5/1"
check keepalive-length "notification 1/2"
check update-attr-overrun "notification 3/1"
check update-withdrawn-overrun "notification 3/1"
check update-unknown-wellknown "notification 3/2"
check update-bad-nlri-length "notification 3/10"
# RFC 7606: treat-as-withdraw, the session stays.
check update-missing-origin alive
check update-bad-origin alive
check update-bad-aspath alive
check update-med-length alive
check update-good alive

# The other session never noticed.
expect_eq "BIRD session" "$(ferry_peer_state gw "$UP4")" Established
expect_eq "BIRD flaps" "$(ferry_peer gw "$UP4" flaps)" "$flaps0"
bird_established up f4 || fail "BIRD lost its session"

# 1000 sessions up and down: counters back to the baseline.
got=$(craft flap 1000)
[ "$got" = flapped ] || fail "flapping: $got"
wait_until 10 'test "$(jget "$(ctl gw --json status)" .result.objects.bgp_peer)" = "$peers0"' ||
	fail "bgp_peer objects leaked: $(ctl gw --json status)"
log "objects after 1000 flaps: $(jget "$(ctl gw --json status)" .result.objects)"
expect_eq "BIRD flaps after the storm" "$(ferry_peer gw "$UP4" flaps)" "$flaps0"
exit 0
