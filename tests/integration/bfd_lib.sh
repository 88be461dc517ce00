# SPDX-License-Identifier: BSD-2-Clause
#
# Helpers for BFD interop tests, sourced after lib.sh and bgp_lib.sh.
#
# The link of bgp_topo is cut with tc: a pfifo qdisc of limit 0 at the
# root of eth0 on both ends (in "gw" and in "up") drops everything either
# side sends, while the interfaces stay up -- no carrier loss, nothing
# the kernel would notice: only BFD can.  (pfifo needs no classifier or
# action modules, which not every test host can load.)

# ferry_bfd NAME PEER FIELD: a field of ferryd NAME's BFD session to PEER.
ferry_bfd() {
	jget "$(ctl "$1" --json show bfd)" \
		".result.sessions[] | select(.peer == \"$2\") | .[\"$3\"]"
}
ferry_bfd_drops() {
	jget "$(ctl "$1" --json show bfd)" \
		".result.sessions[] | select(.peer == \"$2\") | .drops[\"$3\"]"
}
ferry_bfd_up() { test "$(ferry_bfd "$1" "$2" state)" = Up; }
ferry_bfd_is() { test "$(ferry_bfd "$1" "$2" state)" = "$3"; }

# link_cut [NS DEV NS DEV] / link_restore [...]: drop everything on a
# link, both ways; by default the gw-up link (eth0 on both ends).
link_cut() {
	local a=${1:-$NS_UP} da=${2:-eth0} b=${3:-$NS_GW} db=${4:-eth0}
	ip netns exec "$a" tc qdisc add dev "$da" root pfifo limit 0 &&
		ip netns exec "$b" tc qdisc add dev "$db" root pfifo limit 0 ||
		fail "tc: cannot cut the link"
}
link_restore() {
	local a=${1:-$NS_UP} da=${2:-eth0} b=${3:-$NS_GW} db=${4:-eth0}
	ip netns exec "$a" tc qdisc del dev "$da" root
	ip netns exec "$b" tc qdisc del dev "$db" root
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# log_ms_after LOG T0 TEXT: ms from T0 (now_ms) to the first line of
# ferryd log LOG at or after T0 that contains TEXT; nothing if none.
log_ms_after() {
	local line ts ms
	while IFS= read -r line; do
		ts=${line%% *}
		ms=$(date -d "$ts" +%s%3N 2>/dev/null) || continue
		if [ "$ms" -ge "$2" ]; then
			echo $((ms - $2))
			return
		fi
	done < <(grep -F -- "$3" "$1")
}

# measure_down NAME PEER PREFIX FIB LIMIT_MS: cut the link and measure,
# from the cut, when PREFIX leaves the kernel table FIB (fib4 or fib6) of
# ferryd NAME, and, from its log, when it took the BGP session to PEER
# down and handed the route for removal; then check that the session is
# no longer Established and PREFIX has left the RIB.  Fails past
# LIMIT_MS; sets KERNEL_MS, LOG_MS, LOGFIB_MS and CUT_T0 (now_ms of the
# cut).  Only the kernel is polled for the time: it is one cheap listing,
# where a ferryctl query under a loaded machine (sanitizers, parallel
# tests) takes long enough to hide what is measured; ferryd's own log
# gives its moments to the millisecond.
measure_down() {
	local name=$1 peer=$2 prefix=$3 fib=$4 limit=$5 t0 t out
	KERNEL_MS=""
	t0=$(now_ms)
	CUT_T0=$t0
	link_cut
	while :; do
		# Only a listing that worked counts as "gone".
		if out=$("$fib" 2>&1) &&
			! printf '%s\n' "$out" | grep -q "^$prefix "; then
			KERNEL_MS=$(($(now_ms) - t0))
			break
		fi
		t=$(($(now_ms) - t0))
		[ "$t" -gt $((limit * 3)) ] && break
		sleep 0.01
	done
	LOG_MS=$(log_ms_after "$T_DIR/$name.log" "$t0" "bgp: session down: peer=$peer ")
	# With -d, when the route was handed to the kernel for removal.
	LOGFIB_MS=$(log_ms_after "$T_DIR/$name.log" "$t0" "bgp: fib: prefix=$prefix nexthops=0")
	log "cut: peer=$peer kernel route gone ${KERNEL_MS:-never}ms (polled); logged: session down ${LOG_MS:-never}ms, fib removal ${LOGFIB_MS:-n/a}ms"
	[ -n "$LOG_MS" ] && [ "$LOG_MS" -lt "$limit" ] ||
		fail "peer $peer: ferryd logged the session down at ${LOG_MS:-never} ms, limit $limit ms"
	[ -n "$KERNEL_MS" ] && [ "$KERNEL_MS" -lt "$limit" ] ||
		fail "peer $peer: the kernel route went at ${KERNEL_MS:-never} ms, limit $limit ms"
	! ferry_established "$name" "$peer" ||
		fail "peer $peer: still Established after the cut"
	ferry_lacks "$prefix" >/dev/null ||
		fail "peer $peer: $prefix still in ferryd's RIB after the cut"
}

# bfd_inject NS DST KIND [ARGS...]: crafted packets (bfd_craft.py).
bfd_inject() {
	local ns=$1
	shift
	ip netns exec "$ns" python3 "$(dirname "$0")/bfd_craft.py" "$@" ||
		fail "bfd_craft.py $*"
}

# check_bad_input NAME PEER DST [PORT TTL]: malformed, short,
# wrong-discriminator, unauthenticated-but-signed and low-TTL packets
# (TTL, default 254) from NS_UP to DST:PORT (default 3784) are each
# dropped and counted by reason, and the session to PEER stays Up
# without a state change.
check_bad_input() {
	local name=$1 peer=$2 dst=$3 port=${4:-3784} ttl=${5:-254}
	local disc changes j g0 g1
	disc=$(ferry_bfd "$name" "$peer" local-discriminator)
	changes=$(ferry_bfd "$name" "$peer" state-changes)
	j=$(ctl "$name" --json show bfd)
	for r in malformed discriminator auth ttl; do
		eval "g0_$r=$(jget "$j" ".result.drops.$r")"
	done
	t0=$(ferry_bfd_drops "$name" "$peer" ttl)
	bfd_inject "$NS_UP" "$dst" malformed --your-disc "$disc" --port "$port"
	bfd_inject "$NS_UP" "$dst" short --your-disc "$disc" --port "$port"
	bfd_inject "$NS_UP" "$dst" disc --port "$port"
	bfd_inject "$NS_UP" "$dst" ttl --your-disc "$disc" --port "$port" \
		--ttl "$ttl"
	bfd_inject "$NS_UP" "$dst" auth --your-disc "$disc" --port "$port"
	sleep 0.5
	j=$(ctl "$name" --json show bfd)
	g0=$g0_malformed g1=$(jget "$j" ".result.drops.malformed")
	[ "$g1" -ge $((g0 + 10)) ] || fail "malformed drops: $g0 -> $g1"
	g0=$g0_discriminator g1=$(jget "$j" ".result.drops.discriminator")
	[ "$g1" -ge $((g0 + 5)) ] || fail "discriminator drops: $g0 -> $g1"
	g0=$g0_auth g1=$(jget "$j" ".result.drops.auth")
	[ "$g1" -ge $((g0 + 5)) ] || fail "auth drops: $g0 -> $g1"
	g0=$g0_ttl g1=$(jget "$j" ".result.drops.ttl")
	[ "$g1" -ge $((g0 + 5)) ] || fail "ttl drops: $g0 -> $g1"
	[ "$(ferry_bfd_drops "$name" "$peer" ttl)" -ge $((t0 + 5)) ] ||
		fail "ttl drops not counted on the session"
	ferry_bfd_up "$name" "$peer" || fail "session left Up after bad input"
	expect_eq "state changes after bad input" \
		"$(ferry_bfd "$name" "$peer" state-changes)" "$changes"
	log "bad input dropped: $(jget "$j" '.result.drops | tostring')"
}

# ---- FRR bfdd -------------------------------------------------------------

# frr_bfdd_start NS NAME: start bfdd for FRR instance NAME (after
# frr_start) with $(frr_dir NAME)/bfdd.conf, every socket in its
# directory (vty, zserv, the bfdd control socket).
frr_bfdd_start() {
	local ns=$1 name=$2 d
	d=$(frr_dir "$name")
	[ -x "$FRR_DIR/bfdd" ] || missing "FRR ($FRR_DIR/bfdd)"
	chown frr:frr "$d/bfdd.conf"
	ip netns exec "$ns" "$FRR_DIR/bfdd" -f "$d/bfdd.conf" \
		-i "$d/bfdd.pid" -z "$d/zserv.api" --vty_socket "$d" \
		--bfdctl "$d/bfdd.sock" -P 0 --log stdout --log-level debug \
		>>"$T_DIR/$name.bfdd.log" 2>&1 &
	track_pid $!
	wait_for 10 frr_bfd_q "$name" show bfd peers ||
		fail "FRR bfdd $name did not start: $(cat "$T_DIR/$name.bfdd.log")"
}

# frr_bfd_q NAME CMD...: one vtysh command against bfdd of NAME.
frr_bfd_q() {
	local name=$1
	shift
	vtysh --vty_socket "$T_DIR/$name.frr" -d bfdd -c "$*"
}

# frr_bfd NAME PEER FIELD: a field of FRR's BFD session to PEER.
frr_bfd() {
	frr_bfd_q "$1" show bfd peers json |
		jq -r --arg p "$2" ".[] | select(.peer == \$p) | .[\"$3\"]"
}
frr_bfd_up() { test "$(frr_bfd "$1" "$2" status)" = up; }
