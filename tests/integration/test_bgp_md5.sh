#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# TCP-MD5 (RFC 2385) between ferryd and BIRD 2, six sessions on one link:
# - a: right password, BIRD passive: ferryd connects, session up, routes flow;
# - b: right password, ferryd passive: BIRD connects, session up, routes flow;
# - c: wrong password on ferryd's side, both active: never Established in a
#   window of many connect retries, no OPEN ever reaches ferryd;
# - d: password on BIRD's side only: likewise never Established;
# - e, f: iBGP from inside a listen range that has a password (a key per
#   prefix): e with the right one comes up as a dynamic peer, f with a
#   wrong one never does;
# - a reload that corrects c's password brings c up, leaving a untouched.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bgp_lib.sh"
. "$(dirname "$0")/bgp_more.sh"
need_root
need_cmd jq bird birdc

PW="ferry-md5-Secret"
# One address pair per session (BIRD allows one protocol per neighbor
# address): ferryd GW4, LB, LC, LD; BIRD A, B, C, D.
A=192.0.2.254 B=192.0.2.253 C=192.0.2.252 D=192.0.2.251
LB=192.0.2.2 LC=192.0.2.3 LD=192.0.2.4
# In the listen range 192.0.2.240/29: E (right password), F (wrong one).
E=192.0.2.241 F=192.0.2.242 LE=192.0.2.5 LF=192.0.2.6
bgp_topo
for a in $B $C $D $E $F; do
	ip -n "$NS_UP" addr add "$a/24" dev eth0
done
for a in $LB $LC $LD $LE $LF; do
	ip -n "$NS_GW" addr add "$a/24" dev eth0
done

gw_conf() { # $1: c's password
	ferryd_conf gw "router-id = \"$GW4\";
bgp = {
	asn = 65000;
	pools = ( { prefix = \"10.244.0.0/16\"; kind = \"pod\"; } );
	neighbors = (
		{ address = \"$A\"; asn = 65101; password = \"$PW\";
		  hold-time = 9; connect-retry = 1;
		  export = { pools = (\"pod\"); }; import = { all = true; }; },
		{ address = \"$B\"; asn = 65102; password = \"$PW\";
		  local-address = \"$LB\";
		  hold-time = 9; passive = true;
		  export = { pools = (\"pod\"); }; import = { all = true; }; },
		{ address = \"$C\"; asn = 65103; password = \"$1\";
		  local-address = \"$LC\";
		  hold-time = 9; connect-retry = 1;
		  export = { pools = (\"pod\"); }; import = { all = true; }; },
		{ address = \"$D\"; asn = 65104; local-address = \"$LD\";
		  hold-time = 9; connect-retry = 1;
		  export = { pools = (\"pod\"); }; import = { all = true; }; }
	);
	listen-ranges = (
		{ prefix = \"192.0.2.240/29\"; password = \"$PW\"; hold-time = 9; }
	);
};" >/dev/null
}
gw_conf "not-$PW"

bird_conf_head up "$A"
cat >>"$T_DIR/up.bird.conf" <<CONF
ipv4 table ta; ipv4 table tb; ipv4 table tc; ipv4 table td;
ipv4 table te; ipv4 table tf;
protocol static sa { ipv4 { table ta; }; route 198.51.100.0/24 blackhole; }
protocol static sb { ipv4 { table tb; }; route 203.0.113.0/24 blackhole; }
template bgp ferry {
	hold time 9;
	error wait time 1, 4;
	connect retry time 1;
	password "$PW";
}
protocol bgp a from ferry {
	neighbor $GW4 as 65000; local $A as 65101; passive on;
	ipv4 { table ta; import all; export where source = RTS_STATIC; };
}
protocol bgp b from ferry {
	neighbor $LB as 65000; local $B as 65102;
	ipv4 { table tb; import all; export where source = RTS_STATIC; };
}
protocol bgp c from ferry {
	neighbor $LC as 65000; local $C as 65103;
	ipv4 { table tc; import all; export all; };
}
protocol bgp d from ferry {
	neighbor $LD as 65000; local $D as 65104;
	ipv4 { table td; import all; export all; };
}
protocol bgp e from ferry {
	neighbor $LE as 65000; local $E as 65000;
	ipv4 { table te; import all; export all; };
}
protocol bgp f from ferry {
	neighbor $LF as 65000; local $F as 65000;
	password "not-$PW";
	ipv4 { table tf; import all; export all; };
}
CONF
bird_start "$NS_UP" up
start=$(date +%s)
ferryd_start "$NS_GW" gw

# a: ferryd is the one that connects (BIRD is passive); b: BIRD connects.
wait_for 20 bird_established up a || fail "a (ferryd active) not up: $(bird_proto_all up a)"
wait_for 20 bird_established up b || fail "b (ferryd passive) not up: $(bird_proto_all up b)"
wait_for 5 ferry_established gw $A || fail "ferryd: a not Established"
wait_for 5 ferry_established gw $B || fail "ferryd: b not Established"
# Routes both ways over each signed session.
wait_for 10 bird_has up ta 10.244.0.0/16 || fail "a: BIRD lacks the pool"
wait_for 10 bird_has up tb 10.244.0.0/16 || fail "b: BIRD lacks the pool"
wait_for 10 ferry_has_best gw 198.51.100.0/24 || fail "a: ferryd lacks BIRD's route"
wait_for 10 ferry_has_best gw 203.0.113.0/24 || fail "b: ferryd lacks BIRD's route"
# e: a dynamic peer through the range's key.
wait_for 20 bird_established up e || fail "e (listen range) not up: $(bird_proto_all up e)"
wait_for 5 ferry_established gw $E || fail "ferryd: e not Established"
expect_eq "e dynamic" "$(ferry_peer gw $E dynamic)" true
wait_for 10 bird_has up te 10.244.0.0/16 || fail "e: BIRD lacks the pool"

# c, d and f: polled for a window of at least 10 s from start, with both
# sides retrying every second; neither may be Established at any moment.
i=0
while [ $(($(date +%s) - start)) -lt 10 ] || [ $i -lt 3 ]; do
	for p in c d f; do
		bird_established up $p && fail "$p: BIRD Established with a bad password"
	done
	for a in $C $D $F; do
		ferry_established gw $a && fail "$a: ferryd Established with a bad password"
	done
	[ $i -lt 100 ] || fail "window loop runaway"
	i=$((i + 1))
	sleep 0.2
done
for a in $C $D; do
	st=$(ferry_peer_state gw $a)
	[ -n "$st" ] && [ "$st" != Established ] || fail "$a: state '$st'"
	# The TCP handshake itself is refused by the kernel: ferryd never
	# sees an OPEN from this peer.
	expect_eq "$a OPENs received" "$(ferry_peer gw $a messages-received | jq -r .open)" 0
	ctl gw show bgp peers | grep "$a" | grep -vq Established ||
		fail "ferryctl table shows $a Established"
done
for p in c d f; do
	bird_has up "t$p" 10.244.0.0/16 && fail "$p: route crossed a bad session"
done
# f never got as far as an OPEN: ferryd made no dynamic peer for it.
expect_eq "dynamic peers" "$(jget "$(ctl gw --json show bgp peers)" \
	'[.result.peers[] | select(.dynamic) | .address] | join(" ")')" "$E"
log "after $(($(date +%s) - start)) s: c=$(ferry_peer_state gw $C) d=$(ferry_peer_state gw $D)"

# Correcting c's password by reload brings it up; a is not reset.
bird_since_stable up a >/dev/null
flaps_a=$(ferry_flaps gw $A)
before_reload=$(now_ms)
gw_conf "$PW"
ctl gw reload >/dev/null || fail "reload"
wait_for 20 bird_established up c || fail "c not up after the fix: $(bird_proto_all up c)"
wait_for 5 ferry_established gw $C || fail "ferryd: c not Established after the fix"
wait_for 10 bird_has up tc 10.244.0.0/16 || fail "c: BIRD lacks the pool"
bird_since_before up a "$before_reload" ||
	fail "a reset in BIRD by the reload (since $(bird_since up a))"
expect_eq "a flaps" "$(ferry_flaps gw $A)" "$flaps_a"
bird_established up d && fail "d came up"
exit 0
