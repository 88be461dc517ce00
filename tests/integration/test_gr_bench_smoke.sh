#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# bench/gr still works: `bench/gr/run --smoke` (2000 routes from BIRD,
# one SIGTERM restart of ferryd with and one without graceful restart)
# finishes in bounded time and prints both rows.  What the rows say is
# checked only where it is a property, not a speed: with graceful
# restart no kernel route of ferryd's was deleted and BIRD never lost
# the pool; without it every kernel route went and came back.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd bird birdc jq python3 timeout ip

top=$(cd "$(dirname "$0")/../.." && pwd)
out=$T_DIR/bench.out
timeout --kill-after=10 240 "$top/bench/gr/run" --smoke >"$out" \
	2>"$T_DIR/bench.log"
rc=$?
cat "$out" >&2
case $rc in
0) ;;
124 | 137) fail "bench/gr/run --smoke timed out" ;;
*) fail "bench/gr/run --smoke exited $rc: $(grep -E 'FAIL|ferryd|bird' "$T_DIR/bench.log" | tail -20)" ;;
esac
# | label | stopped | session up | converged | ratio | deleted | pool gone |
row() { grep "^| $1 |" "$out" | tr -d ' ' | cut -d'|' -f"$2"; }
[ -n "$(row "graceful restart" 4)" ] || fail "no graceful restart row"
[ -n "$(row "no graceful restart" 4)" ] || fail "no row without graceful restart"
expect_eq "kernel routes deleted with GR" "$(row "graceful restart" 7)" 0
expect_eq "pool gone at BIRD with GR, ms" "$(row "graceful restart" 8)" 0
expect_eq "kernel routes deleted without GR" "$(row "no graceful restart" 7)" 2000
log "ok"
