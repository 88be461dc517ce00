# SPDX-License-Identifier: BSD-2-Clause
#
# Shared helpers for integration tests.  Source it first thing:
#
#   . "$(dirname "$0")/lib.sh"
#
# Every namespace, process and file a test creates is registered here and
# removed by an EXIT trap, whether the test passes, fails or is killed.
# Processes are stopped by the pid we started them with, never by name.
# Exit codes follow automake: 0 pass, 77 skip (with a reason), else fail.

set -u

: "${FERRY_BUILDDIR:?FERRY_BUILDDIR must point at the build directory}"
FERRYD=$FERRY_BUILDDIR/agent/ferryd
FERRYCTL=$FERRY_BUILDDIR/tools/ferryctl
T_NAME=${T_NAME:-$(basename "$0" .sh)}
T_DIR=$(mktemp -d "/tmp/ferry-$T_NAME.XXXXXX")
T_PIDS=""
# Short prefix for namespace and link names (IFNAMSIZ is 16), unique
# among the namespaces that exist now, so that a test never trips over
# another run's namespaces.
T_ID=$(printf '%04x' $(($$ % 65536)))
while ls /run/netns 2>/dev/null | grep -q "^fy-$T_ID-"; do
	T_ID=$(printf '%04x' $((RANDOM % 65536)))
done

log() { printf '[%s] %s\n' "$T_NAME" "$*" >&2; }
fail() { log "FAIL: $*"; exit 1; }
skip() { log "SKIP: $*"; exit 77; }

t_cleanup() {
	local rc=$? pid ns
	trap - EXIT INT TERM
	for pid in $T_PIDS; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in $T_PIDS; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
	done
	# Namespaces are listed in a file, not a variable: netns_add runs in
	# $(...) subshells, whose variables never reach this trap.
	if [ -f "$T_DIR/netns" ]; then
		while read -r ns; do
			ip netns del "$ns" 2>/dev/null
		done <"$T_DIR/netns"
	fi
	if declare -F t_cleanup_extra >/dev/null; then
		t_cleanup_extra
	fi
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
		for f in "$T_DIR"/*.log; do
			[ -f "$f" ] || continue
			log "---- $(basename "$f") (last 30 lines)"
			tail -n 30 "$f" >&2
		done
		# What ended sessions early in the run is no longer in the
		# tails: ferryd's account of every session that went down.
		for f in "$T_DIR"/*.log; do
			[ -f "$f" ] || continue
			grep -q "ferryd" "$f" 2>/dev/null || continue
			log "---- $(basename "$f"): sessions down, notifications"
			grep -E "session down|notification (sent|received)|hold timer" \
				"$f" | tail -n 20 >&2
		done
	fi
	[ -n "${KEEP_LOGS:-}" ] && cp -r "$T_DIR" /tmp/kept-logs; rm -rf "$T_DIR"
	exit "$rc"
}
trap t_cleanup EXIT
trap 'exit 130' INT TERM

need_root() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
	ip netns add "fy-probe-$T_ID" 2>/dev/null ||
		skip "cannot create network namespaces here"
	ip netns del "fy-probe-$T_ID"
}

# missing WHAT: the test cannot run because WHAT (a command, a package)
# is not installed.  scripts/deps installs everything the tests use, so
# under CI=true that is a failure (a line "MISSING: WHAT", which
# tests/integration/run collects); elsewhere it is a skip that says so.
missing() {
	if [ "${CI:-}" = true ]; then
		log "MISSING: $*"
		exit 1
	fi
	skip "needs $*"
}

need_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || missing "$c"
	done
}

# netns_add NAME: create namespace fy-$T_ID-NAME with lo up; prints its
# name.  Usually called as NS=$(netns_add NAME), i.e. in a subshell: the
# namespace is recorded in a file so that the EXIT trap deletes it.
netns_add() {
	local ns="fy-$T_ID-$1"
	echo "$ns" >>"$T_DIR/netns"
	ip netns add "$ns" || fail "cannot create namespace $ns"
	ip -n "$ns" link set lo up
	# No duplicate address detection: IPv6 addresses, link-local ones
	# included, are usable the moment a link is up.  With DAD a peer
	# started right away (FRR) finds no link-local address yet and resets
	# its session, which a test then counts as a flap.
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0
	echo "$ns"
}

# track_pid PID: stop this process on exit.
track_pid() { T_PIDS="$T_PIDS $1"; }

# wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds.
wait_for() {
	local limit=$1 i=0
	shift
	while [ "$i" -lt $((limit * 10)) ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# wait_until SECONDS 'EXPR': poll the shell expression EXPR until it
# succeeds.  EXPR is evaluated anew on every poll, so a $(...) inside it
# runs each time.  (wait_for test "$(...)" = x would not poll at all: the
# shell expands "$(...)" once, before wait_for starts.)
wait_until() {
	local limit=$1 i=0
	while [ "$i" -lt $((limit * 10)) ]; do
		eval "$2" >/dev/null 2>&1 && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# ferryd_conf NAME [extra config text]: write a config with a private
# socket and pid file under T_DIR; prints its path.
ferryd_conf() {
	local name=$1 extra=${2:-}
	cat >"$T_DIR/$name.conf" <<CONF
pid-file = "$T_DIR/$name.pid";
control = { socket = "$T_DIR/$name.sock"; };
$extra
CONF
	echo "$T_DIR/$name.conf"
}

# in_netns NS CMD...: run CMD in the network namespace NS only.  Unlike
# `ip netns exec`, this keeps the mount namespace, so /sys/fs/bpf (and
# pinned maps) are the host's, as they are for a real ferryd.
in_netns() {
	local ns=$1
	shift
	nsenter --net="/run/netns/$ns" -- "$@"
}

# ferryd_start NS NAME [ferryd args]: start ferryd -f in NS with the config
# from ferryd_conf NAME; sets FERRYD_PID; waits until it answers status.
ferryd_start() {
	local ns=$1 name=$2
	shift 2
	# nsenter execs ferryd: $! is ferryd's own pid.
	nsenter --net="/run/netns/$ns" -- "$FERRYD" -f -c "$T_DIR/$name.conf" \
		"$@" >>"$T_DIR/$name.log" 2>&1 &
	FERRYD_PID=$!
	track_pid "$FERRYD_PID"
	wait_for 10 "$FERRYCTL" -s "$T_DIR/$name.sock" status ||
		fail "ferryd $name did not come up"
}

# ctl NAME ARGS...: ferryctl against ferryd NAME.
ctl() {
	local name=$1
	shift
	"$FERRYCTL" -s "$T_DIR/$name.sock" "$@"
}

# jget JSON FILTER: evaluate a jq filter, raw output.
jget() { printf '%s' "$1" | jq -r "$2"; }

# expect_eq WHAT GOT WANT
expect_eq() {
	[ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
}
