#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Hostile control clients: 100 connecting at once and holding on, one
# sending 10 MB without a newline, malformed and unknown requests, a slow
# trickle.  ferryd must keep answering status throughout and leak nothing.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd jq python3

ns=$(netns_add gw)
cat >"$T_DIR/gw.conf" <<CONF
pid-file = "$T_DIR/gw.pid";
control = { socket = "$T_DIR/gw.sock"; timeout = 3; };
CONF
ferryd_start "$ns" gw

python3 "$(dirname "$0")/ctl_abuse.py" "$T_DIR/gw.sock" "$FERRYCTL" ||
	fail "abuse scenario failed"

# Every abusive client is gone once the timeout has passed.
wait_until 10 'test "$(jget "$(ctl gw --json status)" \
	.result.objects.ctl_client)" = 1' ||
	fail "clients leaked: $(ctl gw --json status)"
kill -0 "$FERRYD_PID" || fail "ferryd died"
exit 0
