#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Reload by SIGHUP and by ferryctl: a good file is applied, a broken one is
# refused with every error named while the old config keeps running.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd jq

ns=$(netns_add gw)
conf=$(ferryd_conf gw)
ferryd_start "$ns" gw

level() { jget "$(ctl gw --json show config)" .result.log.level; }
expect_eq "initial level" "$(level)" info

# A good change through SIGHUP.
echo 'log = { level = "debug"; };' >>"$conf"
kill -HUP "$FERRYD_PID"
wait_until 5 'test "$(level)" = debug' || fail "SIGHUP did not apply: $(level)"
expect_eq reloads "$(jget "$(ctl gw --json status)" .result.reloads)" 1

# A broken file through SIGHUP: logged, old config kept, still answering.
cp "$conf" "$T_DIR/good.conf"
cat >>"$conf" <<'CONF'
router-id = "not-an-address";
metrics = { listen = "nowhere"; };
CONF
kill -HUP "$FERRYD_PID"
wait_until 5 'test "$(jget "$(ctl gw --json status)" \
	'\''.result["reload-failures"]'\'')" = 1' || fail "no failed reload counted"
kill -0 "$FERRYD_PID" || fail "ferryd died on a broken reload"
expect_eq "level kept" "$(level)" debug
grep -q "gw.conf:5: router-id: \"not-an-address\" is not an IPv4" \
	"$T_DIR/gw.log" || fail "router-id error not logged"
grep -q "gw.conf:6: metrics.listen: \"nowhere\" is not address:port" \
	"$T_DIR/gw.log" || fail "metrics error not logged"

# The same through ferryctl reload: non-zero exit, every error shown.
if out=$(ctl gw reload 2>&1); then
	fail "ferryctl reload succeeded on a broken file"
fi
echo "$out" | grep -q "running config kept" || fail "reload output: $out"
echo "$out" | grep -q "gw.conf:5: router-id" || fail "reload output: $out"
echo "$out" | grep -q "gw.conf:6: metrics.listen" ||
	fail "reload output: $out"

# Fixed again: ferryctl reload applies it.
cp "$T_DIR/good.conf" "$conf"
sed -i 's/level = "debug"/level = "notice"/' "$conf"
ctl gw reload >/dev/null || fail "ferryctl reload of a good file"
expect_eq "level after fix" "$(level)" notice
expect_eq reloads "$(jget "$(ctl gw --json status)" .result.reloads)" 2

# Moving the control socket on reload: the new path answers.
sed -i "s|$T_DIR/gw.sock|$T_DIR/gw2.sock|" "$conf"
kill -HUP "$FERRYD_PID"
wait_for 5 "$FERRYCTL" -s "$T_DIR/gw2.sock" status ||
	fail "moved socket does not answer"
[ ! -e "$T_DIR/gw.sock" ] || fail "old socket left behind"
exit 0
