#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# ferryd in a namespace: ferryctl status (table and --json), show config,
# the socket's mode, metrics over HTTP, a second instance refused, and a
# clear error when nobody listens.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd jq curl

ns=$(netns_add gw)
ferryd_conf gw 'metrics = { listen = "127.0.0.1:9582"; };' >/dev/null
ferryd_start "$ns" gw

out=$(ctl gw status) || fail "ferryctl status failed"
log "status: $out"
echo "$out" | grep -q "^ferryd [0-9.]*, pid $FERRYD_PID, up " ||
	fail "status header: $out"
echo "$out" | grep -q "config file *$T_DIR/gw.conf" || fail "config file"

json=$(ctl gw --json status) || fail "ferryctl --json status failed"
expect_eq ok "$(jget "$json" .ok)" true
expect_eq pid "$(jget "$json" .result.pid)" "$FERRYD_PID"
expect_eq config-file "$(jget "$json" '.result["config-file"]')" \
	"$T_DIR/gw.conf"
expect_eq "live configs" "$(jget "$json" .result.objects.config)" 1
expect_eq "our own connection" "$(jget "$json" .result.objects.ctl_client)" 1

# Options go before or after the command, as people type them.
for args in "status --json" "status -j" "-j status" "status --socket=$T_DIR/gw.sock --json"; do
	# shellcheck disable=SC2086 # the words are meant to split
	json=$("$FERRYCTL" -s "$T_DIR/gw.sock" $args) ||
		fail "ferryctl $args failed"
	expect_eq "pid from 'ferryctl $args'" "$(jget "$json" .result.pid)" \
		"$FERRYD_PID"
done
json=$("$FERRYCTL" status -s "$T_DIR/gw.sock" --json) ||
	fail "ferryctl status -s SOCK --json"
expect_eq "pid, options after the command" "$(jget "$json" .result.pid)" \
	"$FERRYD_PID"
"$FERRYCTL" show config -s "$T_DIR/gw.sock" | grep -q "max-clients" ||
	fail "ferryctl show config -s SOCK"
# A wrong option is a usage error (exit 2), wherever it stands.
for args in "status --frobnicate" "-x status" "status -jx" "status -s"; do
	# shellcheck disable=SC2086
	"$FERRYCTL" $args >/dev/null 2>&1
	expect_eq "exit status of 'ferryctl $args'" "$?" 2
done

expect_eq "socket mode" "$(stat -c %a "$T_DIR/gw.sock")" 600
expect_eq "pid file" "$(cat "$T_DIR/gw.pid")" "$FERRYD_PID"

json=$(ctl gw --json show config) || fail "show config"
expect_eq socket "$(jget "$json" .result.control.socket)" "$T_DIR/gw.sock"
expect_eq metrics "$(jget "$json" .result.metrics.listen)" "127.0.0.1:9582"
ctl gw show config | grep -q "max-clients = 64;" || fail "show config text"

metrics=$(ip netns exec "$ns" curl -sf http://127.0.0.1:9582/metrics) ||
	fail "metrics endpoint"
echo "$metrics" | grep -q '^ferry_build_info{version="' || fail "build info"
echo "$metrics" | grep -q '^ferry_objects_live{type="config"} 1$' ||
	fail "live objects in metrics"
code=$(ip netns exec "$ns" curl -s -o /dev/null -w '%{http_code}' \
	http://127.0.0.1:9582/other)
expect_eq "unknown path" "$code" 404

# A second ferryd with the same pid file must refuse to start.
if in_netns "$ns" "$FERRYD" -f -c "$T_DIR/gw.conf" \
	>"$T_DIR/second.log" 2>&1; then
	fail "second ferryd started"
fi
grep -q "already running: pid=$FERRYD_PID" "$T_DIR/second.log" ||
	fail "second ferryd: $(cat "$T_DIR/second.log")"
ctl gw status >/dev/null || fail "first ferryd hurt by the second"

# Nobody listening: a clear message and a non-zero exit.
if err=$("$FERRYCTL" -s "$T_DIR/none.sock" status 2>&1); then
	fail "ferryctl succeeded without ferryd"
fi
echo "$err" | grep -q "cannot connect to ferryd at $T_DIR/none.sock" ||
	fail "message without ferryd: $err"
exit 0
