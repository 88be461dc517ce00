#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# SIGTERM and SIGINT: orderly shutdown, exit 0 within a second, socket and
# pid file removed.
. "$(dirname "$0")/lib.sh"
need_root

ns=$(netns_add gw)
ferryd_conf gw >/dev/null

for sig in TERM INT; do
	ferryd_start "$ns" gw
	start=$(date +%s%N)
	kill -"$sig" "$FERRYD_PID"
	rc=0
	wait "$FERRYD_PID" || rc=$?
	ms=$((($(date +%s%N) - start) / 1000000))
	log "SIG$sig: exit $rc after ${ms} ms"
	expect_eq "exit status after SIG$sig" "$rc" 0
	[ "$ms" -lt 1000 ] || fail "SIG$sig took ${ms} ms"
	[ ! -e "$T_DIR/gw.sock" ] || fail "socket left after SIG$sig"
	[ ! -e "$T_DIR/gw.pid" ] || fail "pid file left after SIG$sig"
	grep -q "shutting down: signal=$sig" "$T_DIR/gw.log" ||
		fail "no shutdown line for SIG$sig"
done
exit 0
