#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# 50 VMs join at once with one token good for 50 uses: every join
# succeeds, every VM gets its own addresses, every VM pings the pod, and
# the gateway has 100 workload tunnels (an IPv4 and an IPv6 each).  A
# 51st use of the token is refused.  Bounded: each ferry-join has a 60 s
# limit.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/overlay_lib.sh"
. "$(dirname "$0")/workload_lib.sh"
need_root
need_cmd jq python3 openssl ping ip nsenter timeout
FERRY_JOIN=$FERRY_BUILDDIR/tools/ferry-join
N=${WL_SCALE_N:-50}

ovl_setup_gw
wl_gw_conf "limits = { rate = 200; };"
ferryd_start "$NS_GW" gw
for n in $(seq 1 "$N"); do wl_vm "$n"; done
token=$(wl_token --uses "$N") || fail "token"

t0=$(date +%s%N)
jobs=""
for n in $(seq 1 "$N"); do
	wl_join "$n" "$token" --timeout 60 --ping "$POD_IP" &
	jobs="$jobs $!:$n"
done
bad=""
for j in $jobs; do
	wait "${j%%:*}" || bad="$bad ${j#*:}"
done
ms=$((($(date +%s%N) - t0) / 1000000))
for n in $(seq 1 "$N"); do wl_track "$n"; done
[ -z "$bad" ] || fail "VMs that did not join:$bad: $(cat "$T_DIR/vm${bad## }.join")"
log "$N VMs joined and reached the pod in ${ms} ms"

json=$(ctl gw --json show workloads)
expect_eq workloads "$(jget "$json" '.result.workloads | length')" "$N"
expect_eq "distinct addresses" \
	"$(jget "$json" '[.result.workloads[].ipv4] | unique | length')" "$N"
expect_eq "distinct IPv6 addresses" \
	"$(jget "$json" '[.result.workloads[].ipv6] | unique | length')" "$N"
# One /32 and one /128 each (the pool is dual stack).
expect_eq "workload tunnels" "$(jget "$(ctl gw --json show tunnels)" \
	'[.result.tunnels[] | select(.source == "workload")] | length')" \
	$((2 * N))
# Every VM still reaches the pod now that all are in.
for n in $(seq 1 "$N"); do
	wl_ping "$n" ok || fail "vm$n cannot ping the pod"
done

wl_vm 99
wl_join 99 "$token" --timeout 5 && fail "a 51st use of a 50-use token"
grep -q "token used up" "$T_DIR/vm99.join" ||
	fail "51st use: $(cat "$T_DIR/vm99.join")"
log "ok"
