#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Every way a join can be wrong gets a clear error and changes nothing:
# a wrong secret, an expired, used-up (replayed) or revoked token, a pin
# that is not the gateway's (ferry-join sends nothing), a second VM
# claiming a joined VM's name, an exhausted pool, a malformed, huge or
# slow request, and a guesser (rate limited per source).  A joined VM
# sending from an address it was not given is dropped and counted.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/overlay_lib.sh"
. "$(dirname "$0")/workload_lib.sh"
need_root
need_cmd jq python3 openssl ping ip nsenter curl
FERRY_JOIN=$FERRY_BUILDDIR/tools/ferry-join
WL_POOL=10.250.0.0/30 # two addresses: .1 and .2

ovl_setup_gw
wl_gw_conf "limits = { failures = 3; timeout = 2; max-request = 1024; };"
ferryd_start "$NS_GW" gw
for n in 1 2 3 4 5 6; do wl_vm "$n"; done

state() { cat "$T_DIR/gw-workloads.json" 2>/dev/null; }
nwl() { jget "$(ctl gw --json show workloads)" '.result.workloads | length'; }
# refused N TOKEN WANT [ARGS]: ferry-join in VM N fails saying WANT, and
# the gateway's state is what it was.
refused() {
	local n=$1 tok=$2 want=$3 before
	shift 3
	before=$(state)
	wl_join "$n" "$tok" --timeout 5 "$@" &&
		fail "vm$n joined with a bad token ($want)"
	grep -q -- "$want" "$T_DIR/vm$n.join" ||
		fail "vm$n: want '$want', got: $(cat "$T_DIR/vm$n.join")"
	[ "$(state)" = "$before" ] || fail "state changed by a refused join"
	[ -f "$T_DIR/vm$n/ferryd.conf" ] && fail "vm$n: config written"
	return 0
}

good=$(wl_token --uses 1)
id=${good%%.*}
rest=${good#*.}
secret=${rest%%.*}
pin=${rest#*.}

# A wrong secret (one letter off).
bad_secret=$(printf '%s' "$secret" | tr 'a-z0-9' 'b-z0-9a')
refused 2 "$id.$bad_secret.$pin" "unknown token or wrong secret"
# An unknown ID.
refused 2 "zzzzzz.$secret.$pin" "unknown token or wrong secret"
# The wrong pin: ferry-join stops after the handshake.
joins_before=$(grep -c "workloads: join" "$T_DIR/gw.log")
refused 2 "$id.$secret.$(printf '%064d' 0)" "does not match the token's pin"
expect_eq "gateway heard nothing" \
	"$(grep -c "workloads: join" "$T_DIR/gw.log")" "$joins_before"

# The good token works once; replayed by another VM it is used up.
wl_join 1 "$good" --ping "$POD_IP" || fail "vm1: $(cat "$T_DIR/vm1.join")"
refused 2 "$good" "token used up"

# Expired.
short=$(wl_token --ttl 1s)
sleep 2
refused 2 "$short" "token expired"

# Revoked.
rev=$(wl_token --uses 5)
ctl gw workload token revoke "${rev%%.*}" >/dev/null || fail "revoke"
refused 2 "$rev" "token revoked"
ctl gw workload token list | grep -q "^${rev%%.*} .* revoked" ||
	fail "token list: $(ctl gw workload token list)"
ctl gw workload token revoke nosuch 2>&1 | grep -q "no such token" ||
	fail "revoking an unknown token"

# Another VM claims vm1's name with a valid token.
multi=$(wl_token --uses 10)
before=$(state)
in_netns "$NS_VM3" "$FERRY_JOIN" --no-systemd --config-dir "$T_DIR/vm3" \
	--ferryd "$FERRYD" --name vm1 --timeout 5 "$GW_UNDER" "$multi" \
	>"$T_DIR/vm3.join" 2>&1 && fail "vm3 took vm1's name"
grep -q "the name vm1 is taken" "$T_DIR/vm3.join" ||
	fail "name claim: $(cat "$T_DIR/vm3.join")"
[ "$(state)" = "$before" ] || fail "state changed by a name claim"
expect_eq "vm1 endpoint" "$(jget "$(ctl gw --json show workloads)" \
	'.result.workloads[0].endpoint')" "$(wl_vm_under 1)"

# The pool (a /30) has one address left: vm2 gets it, vm4 finds none.
wl_join 2 "$multi" || fail "vm2: $(cat "$T_DIR/vm2.join")"
expect_eq "vm2 address" "$(wl_addr 2)" 10.250.0.2
refused 4 "$multi" "workload pool is exhausted"
expect_eq workloads "$(nwl)" 2

# Spoofing: vm1 sends from an address it was not given.
spoof() { jget "$(ctl gw --json show overlay)" \
	.result.verdicts.ingress.spoof.packets; }
s0=$(spoof)
ip -n "$NS_VM1" addr add 10.250.0.2/32 dev ferry0 # vm2's
ip -n "$NS_VM1" addr add 10.250.9.9/32 dev ferry0 # nobody's
ip netns exec "$NS_VM1" ping -c 2 -i 0.2 -W 1 -I 10.250.0.2 "$POD_IP" \
	>/dev/null 2>&1 && fail "vm1 got through as vm2"
ip netns exec "$NS_VM1" ping -c 2 -i 0.2 -W 1 -I 10.250.9.9 "$POD_IP" \
	>/dev/null 2>&1 && fail "vm1 got through as 10.250.9.9"
[ "$(spoof)" -ge $((s0 + 4)) ] || fail "spoof drops: $s0 -> $(spoof)"
wl_ping 1 ok || fail "vm1's own address stopped working"

# Bad requests straight at the endpoint (curl -k: no pin here).
url=https://$GW_UNDER:$WL_PORT/v1/join
post() { # NS BODY -> "STATUS BODY"
	in_netns "$1" curl -sk --max-time 5 -o - -w ' %{http_code}' \
		-H 'Content-Type: application/json' --data-binary "$2" "$url"
}
before=$(state)
out=$(post "$NS_VM5" '{"version": 1, "token": ')
case $out in *"not a JSON object"*400) ;; *) fail "malformed: $out" ;; esac
out=$(post "$NS_VM5" "{\"version\":1,\"name\":\"$(head -c 4000 /dev/zero | tr '\0' a)\"}")
case $out in *"request too big"*413) ;; *) fail "huge: $out" ;; esac
out=$(in_netns "$NS_VM5" curl -sk --max-time 5 -o - -w ' %{http_code}' \
	"$url")
case $out in *"method not allowed"*405) ;; *) fail "GET: $out" ;; esac
# Slow: a client that connects and sends nothing is dropped after
# limits.timeout (2 s).
t0=$(date +%s)
in_netns "$NS_VM5" python3 - "$GW_UNDER" "$WL_PORT" <<'PY' || fail "slow client not dropped"
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
try:
    while s.recv(4096) != b"":  # a TLS alert may come before the close
        pass
except ConnectionResetError:
    pass
except socket.timeout:
    sys.exit(1)
PY
[ $(($(date +%s) - t0)) -le 6 ] || fail "slow client held too long"
[ "$(state)" = "$before" ] || fail "state changed by bad requests"

# Guessing: three wrong secrets from vm6, then even the right one waits.
for i in 1 2 3; do
	refused 6 "$id.$bad_secret.$pin" "unknown token or wrong secret"
done
ok6=$(wl_token)
refused 6 "$ok6" "too many attempts"
# Other sources are not locked out by vm6's guessing.
out=$(post "$NS_VM5" '{"version":1,"token":"zzzzzz.0000000000000000","name":"x"}')
case $out in *"unknown token"*403) ;; *) fail "vm5 locked out: $out" ;; esac
expect_eq workloads "$(nwl)" 2
log "ok"
