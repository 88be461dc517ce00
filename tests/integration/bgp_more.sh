# SPDX-License-Identifier: BSD-2-Clause
#
# More helpers for BGP integration tests (MD5, reload, reflection, policy),
# sourced after lib.sh and bgp_lib.sh.  BIRD configs written by
# bird_conf_head print protocol times with milliseconds, so a session
# reset shows as a changed "since" even when it reconnects within the
# same second.

# bird_conf_head NAME ROUTER_ID: start $T_DIR/NAME.bird.conf with the
# common part (router id, log, ms time format, device protocol).  Append
# the rest with cat >>.
bird_conf_head() {
	cat >"$T_DIR/$1.bird.conf" <<CONF
router id $2;
log "$T_DIR/$1.bird.trace" all;
timeformat protocol iso long ms;
protocol device { }
CONF
}

# bird_since NAME PROTO: the "Since" column of BIRD's protocol PROTO (date
# and time with ms; the columns are name, proto, table, state, since):
# it changes whenever the protocol changes state.
bird_since() {
	birdc_q "$1" show protocols "$2" |
		awk -v p="$2" '$1 == p { print $5, $6; exit }'
}

# bird_since_stable NAME PROTO: bird_since once it has stopped moving
# (BIRD updates it several times within a few ms while a session settles;
# a baseline read in between would make the next comparison flaky).
bird_since_stable() {
	local a b i
	a=$(bird_since "$1" "$2")
	for i in 1 2 3 4 5 6 7 8 9 10; do
		sleep 0.3
		b=$(bird_since "$1" "$2")
		[ "$a" = "$b" ] && break
		a=$b
	done
	echo "$a"
}

# BIRD can still move "since" by a millisecond or so after it settled,
# to a time within its start-up (seen in CI, under load), so a test
# counts a session as reset only when its "since" is later than a moment
# taken before what must not reset it.  BIRD's times and date's are the
# same clock and zone, and the format compares as a string.
now_ms() { date '+%F %T.%3N'; }
# bird_since_before NAME PROTO TIME: BIRD NAME's session PROTO last
# changed state before TIME (from now_ms).
bird_since_before() {
	local s
	s=$(bird_since "$1" "$2")
	[ -n "$s" ] && [[ "$s" < "$3" ]]
}

# bird_proto_all NAME PROTO: `show protocols all PROTO`.
bird_proto_all() { birdc_q "$1" show protocols all "$2"; }

# bird_routes NAME TABLE: every route of BIRD's TABLE with its attributes.
bird_routes() { birdc_q "$1" show route table "$2" all; }

# bird_route NAME TABLE PREFIX: one prefix of TABLE with its attributes
# (empty if absent).
bird_route() {
	birdc_q "$1" show route table "$2" for "$3" all |
		sed -n "\\|^$3 |,\$p"
}

# bird_has NAME TABLE PREFIX: does TABLE hold exactly PREFIX?
bird_has() {
	birdc_q "$1" show route table "$2" | grep -q "^$3 "
}

bird_lacks() { ! bird_has "$@"; }

# ferry_flaps NAME ADDR: flap counter of peer ADDR in ferryd NAME.
ferry_flaps() { ferry_peer "$1" "$2" flaps; }

# ferry_best NAME PREFIX: ferryd's best route for PREFIX as JSON (or
# nothing).
ferry_best() {
	jget "$(ctl "$1" --json show bgp routes "$2")" \
		".result.routes[] | select(.prefix == \"$2\" and .best)"
}

ferry_has_best() { test -n "$(ferry_best "$@")"; }

# ferry_received NAME PEER PREFIX FIELD: a field of the route PREFIX
# received from PEER (Adj-RIB-In, accepted or rejected).
ferry_received() {
	jget "$(ctl "$1" --json show bgp routes received --peer "$2")" \
		".result.routes[] | select(.prefix == \"$3\") | .[\"$4\"]"
}

# ferry_advertised NAME PEER PREFIX: is PREFIX in the Adj-RIB-Out of PEER?
ferry_advertised() {
	test -n "$(jget "$(ctl "$1" --json show bgp routes advertised \
		--peer "$2")" ".result.routes[] | select(.prefix == \"$3\") |
		.prefix")"
}

# kernel_has NS PREFIX VIA: a proto-202 route PREFIX via VIA in NS.
kernel_has() {
	ip -n "$1" route show proto 202 | grep -q "^$2 via $3 "
}

# lan_bridge NS ADDR/LEN: a bridge br0 in NS holding ADDR, the shared L2
# segment that lan_join attaches other namespaces to.
lan_bridge() {
	# A fixed MAC: a bridge without one takes its lowest port MAC, so it
	# would change under peers that resolved it while ports were added.
	ip -n "$1" link add br0 address 02:fe:ff:00:00:03 type bridge
	ip -n "$1" addr add "$2" dev br0
	ip -n "$1" link set br0 up
}

# lan_join BRIDGE_NS NS PORT ADDR/LEN: a veth from NS (eth0, holding
# ADDR) to port PORT of br0 in BRIDGE_NS.
lan_join() {
	ip -n "$1" link add "$3" type veth peer name eth0 netns "$2"
	ip -n "$1" link set "$3" master br0 up
	ip -n "$2" addr add "$4" dev eth0
	ip -n "$2" link set eth0 up
}
