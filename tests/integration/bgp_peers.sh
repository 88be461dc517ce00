# SPDX-License-Identifier: BSD-2-Clause
#
# Helpers for interop tests with FRR and GoBGP, sourced after lib.sh and
# bgp_lib.sh.  Every instance runs inside a namespace the test created, with
# its config, sockets, pid files and logs under T_DIR, and is stopped by its
# pid on exit (track_pid).  Nothing here uses a package's default socket,
# config or service.
#
# bgp_topo_ibgp adds a second link to bgp_topo, for an iBGP peer in its own
# namespace "ib":
#	gw  eth1  100.64.0.1/24  2001:db8:64::1/64
#	ib  eth0  100.64.0.2/24  2001:db8:64::2/64
# "ib" reaches 192.0.2.0/24 and 2001:db8::/64 through gw, so that next hops
# ferryd passes on unchanged over iBGP resolve there.
#
# The interop_* functions are the ferryd side that every interop test
# shares: one ferryd in "gw" (AS 65000) with an eBGP peer "up" (AS 65100)
# and an iBGP peer "ib", each over an IPv4 session (IPv4 unicast only) and
# an IPv6 session (IPv6 unicast only).  The peers must announce:
#	up, IPv4: 198.51.100.0/24 origin IGP, community 65100:1, large
#		  community 65100:2:3, MED 42; 203.0.113.0/24 (outside
#		  ferryd's import list)
#	up, IPv6: 2001:db8:51::/48 community 65100:6, MED 66
#	ib:	  198.51.101.0/24 and 2001:db8:52::/48, each LOCAL_PREF 250,
#		  MED 7, community 65000:7

GWI4=100.64.0.1
GWI6=2001:db8:64::1
IB4=100.64.0.2
IB6=2001:db8:64::2
FRR_DIR=/usr/lib/frr

bgp_topo_ibgp() {
	NS_IB=$(netns_add ib)
	ip -n "$NS_GW" link add eth1 type veth peer name eth0 netns "$NS_IB"
	ip -n "$NS_GW" addr add "$GWI4/24" dev eth1
	ip -n "$NS_GW" addr add "$GWI6/64" dev eth1 nodad
	ip -n "$NS_IB" addr add "$IB4/24" dev eth0
	ip -n "$NS_IB" addr add "$IB6/64" dev eth0 nodad
	ip -n "$NS_GW" link set eth1 up
	ip -n "$NS_IB" link set eth0 up
	ip -n "$NS_IB" route add 192.0.2.0/24 via "$GWI4"
	ip -n "$NS_IB" -6 route add 2001:db8::/64 via "$GWI6"
}

# interop_ferryd_conf: the config of ferryd "gw".  Pools: IPv4 pod (with
# communities, large communities, MED), service, loadbalancer per address;
# IPv6 pod (with attributes) and service.  up4 exports pod and loadbalancer
# with prepend 1 and community 65000:200; up6 the pod pool with large
# community 65000:7:7; the iBGP neighbors have no policy (everything both
# ways).
interop_ferryd_conf() {
	ferryd_conf gw "router-id = \"$GW4\";
bgp = {
	asn = 65000;
	listen = (\"$GW4\", \"$GW6\", \"$GWI4\", \"$GWI6\");
	pools = (
		{ prefix = \"10.244.0.0/16\"; kind = \"pod\";
		  communities = (\"65000:100\"); large-communities = (\"65000:1:2\");
		  med = 10; },
		{ prefix = \"10.96.0.0/12\"; kind = \"service\"; },
		{ prefix = \"198.18.0.0/30\"; kind = \"loadbalancer\";
		  per-address = true; },
		{ prefix = \"2001:db8:244::/48\"; kind = \"pod\";
		  communities = (\"65000:600\"); large-communities = (\"65000:6:6\");
		  med = 60; },
		{ prefix = \"2001:db8:96::/112\"; kind = \"service\"; }
	);
	neighbors = (
		{ address = \"$UP4\"; asn = 65100; hold-time = 9;
		  connect-retry = 1; families = (\"ipv4\");
		  export = { pools = (\"pod\", \"loadbalancer\"); prepend = 1;
			     communities = (\"65000:200\"); };
		  import = { prefixes = (\"198.51.100.0/24 le 32\"); }; },
		{ address = \"$UP6\"; asn = 65100; hold-time = 9;
		  connect-retry = 1; families = (\"ipv6\");
		  export = { pools = (\"pod\"); large-communities = (\"65000:7:7\"); };
		  import = { prefixes = (\"2001:db8:51::/48 le 64\"); }; },
		{ address = \"$IB4\"; asn = 65000; hold-time = 9;
		  connect-retry = 1; families = (\"ipv4\"); },
		{ address = \"$IB6\"; asn = 65000; hold-time = 9;
		  connect-retry = 1; families = (\"ipv6\"); }
	);
};" >/dev/null
}

# What ferryd holds and installs.
fib4() { ip -n "$NS_GW" route show proto 202; }
fib6() { ip -n "$NS_GW" -6 route show proto 202; }
# in_fib fib4|fib6 PATTERN: a line of that table matches the ERE PATTERN.
in_fib() { "$1" | grep -Eq "$2"; }
not_in_fib() { ! "$1" | grep -q "^$2 "; }
# ferry_learned PREFIX / ferry_lacks PREFIX: does ferryd hold a best route?
ferry_learned() {
	ctl gw --json show bgp routes "$1" | jq -e '.result.routes | length > 0'
}
ferry_lacks() {
	ctl gw --json show bgp routes "$1" | jq -e '.result.routes | length == 0'
}
# froute PREFIX FILTER: jq FILTER on ferryd's best route for PREFIX in the
# snapshot FJ of its table.
froute() {
	jget "$FJ" ".result.routes | map(select(.prefix == \"$1\" and .best))[0] | $2"
}

# interop_wait_up: every session of ferryd "gw" is Established.
interop_wait_up() {
	local a
	for a in "$UP4" "$UP6" "$IB4" "$IB6"; do
		wait_for 20 ferry_established gw "$a" ||
			fail "ferryd: peer $a not up: $(ctl gw show bgp peers)"
	done
}

# interop_check_learned: ferryd holds what up and ib announce, with their
# attributes, rejects 203.0.113.0/24, and installs the rest in the kernel
# via the announcing peer.
interop_check_learned() {
	local p json
	for p in 198.51.100.0/24 198.51.101.0/24 2001:db8:51::/48 2001:db8:52::/48; do
		wait_for 10 ferry_learned "$p" ||
			fail "ferryd did not learn $p: $(ctl gw show bgp routes)"
	done
	FJ=$(ctl gw --json show bgp routes)
	# From up (eBGP): as up sent them.
	expect_eq "gw: up4 AS path" "$(froute 198.51.100.0/24 '.["as-path"]')" 65100
	expect_eq "gw: up4 next hop" "$(froute 198.51.100.0/24 '.["next-hop"]')" "$UP4"
	expect_eq "gw: up4 origin" "$(froute 198.51.100.0/24 .origin)" igp
	expect_eq "gw: up4 MED" "$(froute 198.51.100.0/24 .med)" 42
	expect_eq "gw: up4 communities" \
		"$(froute 198.51.100.0/24 '.communities | join(" ")')" 65100:1
	expect_eq "gw: up4 large communities" \
		"$(froute 198.51.100.0/24 '.["large-communities"] | join(" ")')" 65100:2:3
	expect_eq "gw: up6 AS path" "$(froute 2001:db8:51::/48 '.["as-path"]')" 65100
	expect_eq "gw: up6 next hop" "$(froute 2001:db8:51::/48 '.["next-hop"]')" "$UP6"
	expect_eq "gw: up6 MED" "$(froute 2001:db8:51::/48 .med)" 66
	expect_eq "gw: up6 communities" \
		"$(froute 2001:db8:51::/48 '.communities | join(" ")')" 65100:6
	# Outside the import list: received, rejected, not best, not installed.
	json=$(ctl gw --json show bgp routes received --peer "$UP4")
	expect_eq "gw: 203.0.113.0/24 rejected" "$(jget "$json" \
		'.result.routes[] | select(.prefix == "203.0.113.0/24") | .rejected')" true
	expect_eq "gw: 203.0.113.0/24 best" "$(froute 203.0.113.0/24 .prefix)" null
	# From ib (iBGP): empty AS path, ib's LOCAL_PREF and MED, next hop ib.
	for p in 198.51.101.0/24 2001:db8:52::/48; do
		expect_eq "gw: ib $p AS path" "$(froute "$p" '.["as-path"]')" ""
		expect_eq "gw: ib $p LOCAL_PREF" "$(froute "$p" '.["local-pref"]')" 250
		expect_eq "gw: ib $p MED" "$(froute "$p" .med)" 7
		expect_eq "gw: ib $p communities" \
			"$(froute "$p" '.communities | join(" ")')" 65000:7
	done
	expect_eq "gw: ib4 next hop" "$(froute 198.51.101.0/24 '.["next-hop"]')" "$IB4"
	expect_eq "gw: ib6 next hop" "$(froute 2001:db8:52::/48 '.["next-hop"]')" "$IB6"
	expect_eq "gw: up4 accepted" "$(ferry_peer gw "$UP4" prefixes-accepted)" 1
	expect_eq "gw: up6 accepted" "$(ferry_peer gw "$UP6" prefixes-accepted)" 1
	# The kernel of ferryd's namespace.
	wait_for 10 in_fib fib4 "^198\.51\.100\.0/24 via $UP4 dev eth0 " ||
		fail "up4 route not in the kernel: $(fib4)"
	wait_for 10 in_fib fib4 "^198\.51\.101\.0/24 via $IB4 dev eth1 " ||
		fail "ib4 route not in the kernel: $(fib4)"
	wait_for 10 in_fib fib6 "^2001:db8:51::/48 via [0-9a-f:]+ dev eth0 " ||
		fail "up6 route not in the kernel: $(fib6)"
	wait_for 10 in_fib fib6 "^2001:db8:52::/48 via $IB6 dev eth1 " ||
		fail "ib6 route not in the kernel: $(fib6)"
	fib4 | grep -q 203.0.113 && fail "rejected route installed: $(fib4)"
	expect_eq "gw: routes in the kernel" "$( (fib4; fib6) | wc -l)" 4
}

# interop_check_withdrawn: after up and ib withdrew all they announced,
# ferryd holds none of it, in its RIB or the kernel.
interop_check_withdrawn() {
	local p a json
	for p in 198.51.100.0/24 198.51.101.0/24; do
		wait_for 10 not_in_fib fib4 "$p" ||
			fail "withdrawn $p still in the kernel: $(fib4)"
	done
	for p in 2001:db8:51::/48 2001:db8:52::/48; do
		wait_for 10 not_in_fib fib6 "$p" ||
			fail "withdrawn $p still in the kernel: $(fib6)"
	done
	for p in 198.51.100.0/24 198.51.101.0/24 2001:db8:51::/48 2001:db8:52::/48; do
		wait_for 5 ferry_lacks "$p" ||
			fail "gw still holds $p after the withdraw: $(ctl gw show bgp routes)"
	done
	# Gone from the Adj-RIBs-In too.
	for a in "$UP4 198.51.100.0/24" "$UP6 2001:db8:51::/48" \
		"$IB4 198.51.101.0/24" "$IB6 2001:db8:52::/48"; do
		json=$(ctl gw --json show bgp routes received --peer "${a% *}")
		expect_eq "gw: ${a#* } still received from ${a% *}" "$(jget "$json" \
			"[.result.routes[] | select(.prefix == \"${a#* }\")] | length")" 0
	done
}

# interop_mark_flaps: remember gw's flap counters.  FRR may reset a
# session once while it starts (its interfaces come up after bgpd), so a
# test marks them once the routes have gone both ways, and from there on
# interop_check_no_flaps requires that no session went down.
declare -gA INTEROP_FLAPS
interop_mark_flaps() {
	local a
	for a in "$UP4" "$UP6" "$IB4" "$IB6"; do
		INTEROP_FLAPS[$a]=$(ferry_peer gw "$a" flaps)
	done
}

# interop_check_no_flaps: no session of gw went down since
# interop_mark_flaps (or at all, without it).
interop_check_no_flaps() {
	local a
	for a in "$UP4" "$UP6" "$IB4" "$IB6"; do
		expect_eq "gw: flaps of $a" "$(ferry_peer gw "$a" flaps)" \
			"${INTEROP_FLAPS[$a]:-0}"
	done
}

# ---- FRR -----------------------------------------------------------------

need_frr() {
	local d
	for d in zebra bgpd; do
		[ -x "$FRR_DIR/$d" ] || missing "FRR ($FRR_DIR/$d)"
	done
	need_cmd vtysh
	id frr >/dev/null 2>&1 || missing "the frr user (FRR package)"
}

# frr_dir NAME: the directory of FRR instance NAME (config, vty sockets,
# zserv socket, pid files); created on first use.
frr_dir() {
	local d=$T_DIR/$1.frr
	[ -d "$d" ] || mkdir "$d"
	echo "$d"
}

# frr_start NS NAME: start zebra and bgpd in NS with the bgpd config
# $(frr_dir NAME)/bgpd.conf.  FRR drops to the frr user, so the instance
# directory is handed to it; T_DIR gets o+x so that user can reach it (its
# files stay unreadable to others).  zebra keeps out of the kernel FIB of
# NS (bgpd -n); no TCP vty (-P 0); every socket is in the directory.
frr_start() {
	local ns=$1 name=$2 d
	d=$(frr_dir "$name")
	[ -f "$d/zebra.conf" ] || printf 'hostname %s-zebra\n' "$name" >"$d/zebra.conf"
	chmod o+x "$T_DIR"
	chown -R frr:frr "$d"
	chmod 0750 "$d"
	ip netns exec "$ns" "$FRR_DIR/zebra" -f "$d/zebra.conf" \
		-i "$d/zebra.pid" -z "$d/zserv.api" --vty_socket "$d" \
		-P 0 --log stdout --log-level debug \
		>>"$T_DIR/$name.zebra.log" 2>&1 &
	track_pid $!
	wait_for 10 test -S "$d/zserv.api" ||
		fail "FRR zebra $name did not start: $(cat "$T_DIR/$name.zebra.log")"
	frr_bgpd_start "$ns" "$name"
}

# frr_bgpd_start NS NAME: start (or start again) bgpd of FRR instance
# NAME, its zebra running; sets FRR_BGPD_PID.
frr_bgpd_start() {
	local ns=$1 name=$2 d
	d=$(frr_dir "$name")
	ip netns exec "$ns" "$FRR_DIR/bgpd" -f "$d/bgpd.conf" \
		-i "$d/bgpd.pid" -z "$d/zserv.api" --vty_socket "$d" \
		-P 0 -n --log stdout --log-level debug \
		>>"$T_DIR/$name.bgpd.log" 2>&1 &
	FRR_BGPD_PID=$!
	track_pid "$FRR_BGPD_PID"
	wait_for 10 frr_q "$name" show bgp summary ||
		fail "FRR bgpd $name did not start: $(cat "$T_DIR/$name.bgpd.log")"
}

# frr_q NAME CMD...: one vtysh command against bgpd of FRR instance NAME.
frr_q() {
	local name=$1
	shift
	vtysh --vty_socket "$T_DIR/$name.frr" -d bgpd -c "$*"
}

# frr_conf NAME LINE...: run configuration commands in bgpd of NAME (each
# argument one line, inside "configure terminal").
frr_conf() {
	local name=$1 a
	local args=(-c "configure terminal")
	shift
	for a in "$@"; do
		args+=(-c "$a")
	done
	vtysh --vty_socket "$T_DIR/$name.frr" -d bgpd "${args[@]}"
}

# frr_established NAME NEIGHBOR: is FRR's session to NEIGHBOR Established?
frr_established() {
	test "$(frr_q "$1" show bgp neighbors "$2" json |
		jq -r ".[\"$2\"].bgpState")" = Established
}

# frr_route NAME AFI PREFIX: FRR's detailed JSON for PREFIX (AFI ipv4 or
# ipv6), or nothing if it has no path for it.
frr_route() {
	frr_q "$1" show bgp "$2" unicast "$3" json
}

# frr_has NAME AFI PREFIX: does FRR hold a path for exactly PREFIX?
frr_has() {
	frr_q "$1" show bgp "$2" unicast json |
		jq -e --arg p "$3" '.routes[$p] | length > 0' >/dev/null
}
frr_lacks() { ! frr_has "$@"; }

# frr_from NAME AFI PEER: the prefixes FRR NAME holds from PEER, sorted, on
# one line.
frr_from() {
	frr_q "$1" show bgp "$2" unicast json | jq -r --arg p "$3" \
		'.routes | to_entries[] | select(any(.value[]; .peerId == $p)) | .key' |
		sort | tr '\n' ' ' | sed 's/ $//'
}
frr_from_is() { test "$(frr_from "$1" "$2" "$3")" = "$4"; }

# frr_expect_from WHAT NAME AFI PEER WANT: FRR NAME comes to hold exactly
# the prefixes WANT (sorted, space separated) from PEER.
frr_expect_from() {
	wait_for 10 frr_from_is "$2" "$3" "$4" "$5" ||
		fail "$1: FRR $2 holds '$(frr_from "$2" "$3" "$4")' from $4, want '$5'
$(frr_q "$2" show bgp "$3" unicast)"
}

# frr_sel NAME AFI PREFIX PEER: FRR NAME's path for PREFIX learned from
# PEER into PJ (from "show bgp AFI unicast PREFIX json"); pj FILTER: jq
# FILTER on it.
frr_sel() {
	PJ=$(frr_route "$1" "$2" "$3" |
		jq -c --arg p "$4" '[.paths[]? | select(.peer.peerId == $p)][0]')
	case $PJ in "" | null)
		fail "FRR $1 has no path for $3 from $4: $(frr_route "$1" "$2" "$3")" ;;
	esac
}
pj() { printf '%s' "$PJ" | jq -r "$1"; }

# ---- GoBGP ---------------------------------------------------------------

need_gobgp() {
	need_cmd gobgpd gobgp
}

# gobgp_conf NAME ASN ROUTER_ID "LOCAL_ADDR..." "NEIGHBOR AFI_SAFI..."...:
# write $T_DIR/NAME.gobgp.toml for gobgpd NAME (AS ASN, listening on the
# local addresses), with one session to ferryd (AS 65000) per NEIGHBOR
# spec, carrying the families named after its address (ipv4-unicast,
# ipv6-unicast).  GoBGP stays passive: after a session error (a lost
# connection collision included) it idles a long time, so ferryd always
# connects.
gobgp_conf() {
	local name=$1 asn=$2 id=$3 locals=$4 spec a fam list=""
	shift 4
	for a in $locals; do
		list="$list${list:+, }\"$a\""
	done
	{
		cat <<CONF
[global.config]
  as = $asn
  router-id = "$id"
  local-address-list = [$list]
CONF
		for spec in "$@"; do
			cat <<CONF
[[neighbors]]
  [neighbors.config]
    neighbor-address = "${spec%% *}"
    peer-as = 65000
  [neighbors.transport.config]
    passive-mode = true
  [neighbors.timers.config]
    connect-retry = 1
    hold-time = 9
    keepalive-interval = 3
CONF
			for fam in ${spec#* }; do
				cat <<CONF
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "$fam"
CONF
			done
		done
	} >"$T_DIR/$name.gobgp.toml"
}

# gobgp_start NS NAME: start gobgpd in NS with $T_DIR/NAME.gobgp.toml, its
# gRPC API on the unix socket $T_DIR/NAME.gobgp.sock only (no TCP API, no
# pprof listener).
gobgp_start() {
	local ns=$1 name=$2
	ip netns exec "$ns" gobgpd -f "$T_DIR/$name.gobgp.toml" -t toml \
		--api-hosts "unix://$T_DIR/$name.gobgp.sock" --pprof-disable \
		-p -l debug >>"$T_DIR/$name.gobgp.log" 2>&1 &
	track_pid $!
	wait_for 10 gobgp_q "$name" global ||
		fail "gobgpd $name did not start: $(cat "$T_DIR/$name.gobgp.log")"
}

# gobgp_q NAME ARGS...: the gobgp CLI against gobgpd NAME.
gobgp_q() {
	local name=$1
	shift
	gobgp --target "unix://$T_DIR/$name.gobgp.sock" "$@"
}

# gobgp_established NAME NEIGHBOR
gobgp_established() {
	test "$(gobgp_q "$1" -j neighbor "$2" |
		jq -r '.state.session_state')" = 6
}

# gobgp_from NAME NEIGHBOR AFI: the prefixes in gobgpd NAME's Adj-RIB-In
# from NEIGHBOR, sorted, on one line.
gobgp_from() {
	gobgp_q "$1" -j neighbor "$2" adj-in -a "$3" | jq -r 'keys[]' |
		sort | tr '\n' ' ' | sed 's/ $//'
}
gobgp_from_is() { test "$(gobgp_from "$1" "$2" "$3")" = "$4"; }

# gobgp_expect_from WHAT NAME NEIGHBOR AFI WANT: gobgpd NAME comes to hold
# exactly the prefixes WANT (sorted, space separated) from NEIGHBOR.
gobgp_expect_from() {
	wait_for 10 gobgp_from_is "$2" "$3" "$4" "$5" ||
		fail "$1: gobgpd $2 holds '$(gobgp_from "$2" "$3" "$4")' from $3, want '$5'"
}

# gobgp_sel NAME NEIGHBOR AFI PREFIX: the path for PREFIX in gobgpd NAME's
# Adj-RIB-In from NEIGHBOR into GJ; gj FILTER: jq FILTER on it, where
# attr(TYPE) is the path attribute of that type code (null if absent) and
# aspath, comms, large, nexthop give the usual text forms.
gobgp_sel() {
	GJ=$(gobgp_q "$1" -j neighbor "$2" adj-in -a "$3" |
		jq -c --arg p "$4" '.[$p][0]')
	case $GJ in "" | null)
		fail "gobgpd $1 has no path for $4 from $2: $(gobgp_q "$1" neighbor "$2" adj-in -a "$3")" ;;
	esac
}
GOBGP_JQ='
def attr($t): [.attrs[] | select(.type == $t)][0];
def aspath: [attr(2).as_paths[]?.asns[]] | map(tostring) | join(" ");
def comms: [attr(8).communities[]? |
	"\(. / 65536 | floor):\(. % 65536)"] | join(" ");
def large: [attr(32).value[]? |
	"\(.ASN):\(.LocalData1):\(.LocalData2)"] | join(" ");
def nexthop: (attr(3).nexthop // attr(14).nexthop);
'
gj() { printf '%s' "$GJ" | jq -r "$GOBGP_JQ $1"; }
