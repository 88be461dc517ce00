#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# A VM with nothing but the ferry binaries joins with ferry-join and a
# token: it gets an address from the workload pool, pings a pod behind
# the gateway and a host behind a VTEP switch, and moves data over TCP
# both ways with the pod; the gateway's tunnel
# entry for it has source "workload".  Joining again changes nothing;
# a gateway restart keeps the VM's address and connectivity; `ferryctl
# workload remove` cuts it at once; --leave undoes the VM's side.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/overlay_lib.sh"
. "$(dirname "$0")/workload_lib.sh"
need_root
need_cmd jq python3 openssl ping ip nsenter unshare hostname
FERRY_JOIN=$FERRY_BUILDDIR/tools/ferry-join

ovl_setup_gw
ovl_setup_gw6 # the pod has an IPv6 address too
ovl_setup_switch 1 # a host behind a VTEP switch, h1
WL_VTEPS=$(ovl_vtep_conf 1)
wl_gw_conf
ferryd_start "$NS_GW" gw
wl_vm 1
H1=$(ovl_host_net 1).10
ip -n "$NS_H1" route add "$WL_POOL" via "$(ovl_host_net 1).1"

token=$(wl_token --uses 1 --name vm1) || fail "token create"
case $token in
??????.????????????????.*) ;;
*) fail "token has the wrong shape: $token" ;;
esac
wl_join 1 "$token" --ping "$POD_IP" || fail "ferry-join: $(cat "$T_DIR/vm1.join")"
grep -q "joined the overlay as vm1" "$T_DIR/vm1.join" ||
	fail "ferry-join said: $(cat "$T_DIR/vm1.join")"
grep -q "ferry-join --leave" "$T_DIR/vm1.join" || fail "no undo hint"
sed "s/^/[vm1] /" "$T_DIR/vm1.join" >&2
A1=$(wl_addr 1)
expect_eq "vm1 address" "$A1" 10.250.0.1
wl_ping 1 ok || fail "vm1 cannot ping the pod"
ip netns exec "$NS_POD" ping -c 2 -i 0.2 -W 2 "$A1" >/dev/null ||
	fail "the pod cannot ping vm1"
# IPv6 too: the pool's second prefix, over the same IPv4 tunnel.
A1_6=$(jget "$(ctl gw --json show workloads)" '.result.workloads[0].ipv6')
expect_eq "vm1 IPv6 address" "$A1_6" fd00:250::1
ip netns exec "$NS_VM1" ping -6 -c 2 -i 0.2 -W 2 "$POD_IP6" >/dev/null ||
	fail "vm1 cannot ping the pod over IPv6"
ip netns exec "$NS_POD" ping -6 -c 2 -i 0.2 -W 2 "$A1_6" >/dev/null ||
	fail "the pod cannot ping vm1 over IPv6"
# A host behind a VTEP switch, both ways: the VM was given its prefix.
ip netns exec "$NS_VM1" ping -c 2 -i 0.2 -W 2 "$H1" >/dev/null ||
	fail "vm1 cannot ping the host behind the VTEP switch"
ip netns exec "$NS_H1" ping -c 2 -i 0.2 -W 2 "$A1" >/dev/null ||
	fail "the host behind the VTEP switch cannot ping vm1"
python3 "$(dirname "$0")/tcp_xfer.py" "$NS_VM1" "$NS_POD" "$POD_IP" \
	$((1 << 20)) || fail "TCP vm1 -> pod"
python3 "$(dirname "$0")/tcp_xfer.py" "$NS_POD" "$NS_VM1" "$A1" \
	$((1 << 20)) || fail "TCP pod -> vm1"
json=$(ctl gw --json show tunnels)
expect_eq "tunnel source" "$(jget "$json" \
	'.result.tunnels[] | select(.prefix == "10.250.0.1/32") | .source')" \
	workload
expect_eq "tunnel owner" "$(jget "$json" \
	'.result.tunnels[] | select(.prefix == "10.250.0.1/32") | .owner')" vm1
expect_eq "tunnel endpoint" "$(jget "$json" \
	'.result.tunnels[] | select(.prefix == "10.250.0.1/32") | .endpoint')" \
	"$(wl_vm_under 1)"
ctl gw show workloads | grep -q "^vm1 .*10.250.0.1" ||
	fail "show workloads: $(ctl gw show workloads)"
# Its traffic, from the tunnel entry: the MB each way went through it.
json=$(ctl gw --json show workloads)
# (bytes: with GSO one counted packet may carry many)
[ "$(jget "$json" '.result.workloads[0]["rx-bytes"]')" -gt $((1 << 20)) ] ||
	fail "workload rx counter: $json"
[ "$(jget "$json" '.result.workloads[0]["tx-bytes"]')" -gt $((1 << 20)) ] ||
	fail "workload tx counter: $json"

# Without --name the host name is the VM's name; the secret is never
# stored or shown by the gateway.
wl_vm 2
tok2=$(wl_token)
in_netns "$NS_VM2" unshare --uts sh -c 'hostname vm-two && exec "$@"' sh \
	"$FERRY_JOIN" --no-systemd --config-dir "$T_DIR/vm2" \
	--ferryd "$FERRYD" --pin-dir "/sys/fs/bpf/ferry-test-$T_ID-vm2" \
	"$GW_UNDER" "$tok2" >"$T_DIR/vm2.join" 2>&1 ||
	fail "vm2 (host name): $(cat "$T_DIR/vm2.join")"
wl_track 2
ctl gw show workloads | grep -q "^vm-two " ||
	fail "host name not used: $(ctl gw show workloads)"
secret2=$(printf '%s' "$tok2" | cut -d. -f2)
grep -q "$secret2" "$T_DIR/gw-workloads.json" "$T_DIR/gw.log" &&
	fail "the token's secret is stored or logged by the gateway"
ctl gw --json show workloads | grep -q "$secret2" && fail "secret shown"

# Again: nothing changes (the single-use token is not spent twice).
pid1=$(cat "$T_DIR/vm1/ferryd.pid")
wl_join 1 "$token" || fail "second ferry-join: $(cat "$T_DIR/vm1.join")"
grep -q "nothing changed" "$T_DIR/vm1.join" ||
	fail "second ferry-join: $(cat "$T_DIR/vm1.join")"
expect_eq "ferryd pid after rejoin" "$(cat "$T_DIR/vm1/ferryd.pid")" "$pid1"
expect_eq "uses" "$(jget "$(ctl gw --json workload token list)" \
	'.result.tokens[0].used')" 1

# A gateway restart: the state file brings the VM back, same address.
kill -TERM "$FERRYD_PID"
wait "$FERRYD_PID" 2>/dev/null
ovl_untrack_pid "$FERRYD_PID"
ferryd_start "$NS_GW" gw
expect_eq "vm1 address after restart" "$(wl_addr 1)" 10.250.0.1
wl_ping 1 ok || fail "vm1 lost the pod after a gateway restart"

# Remove: the tunnel goes at once, the address is free again.
ctl gw workload remove vm1 >/dev/null || fail "workload remove"
wl_ping 1 fail || fail "removed vm1 still reaches the pod"
[ -z "$(jget "$(ctl gw --json show tunnels)" \
	'.result.tunnels[] | select(.owner == "vm1") | .prefix')" ] ||
	fail "workload tunnel left: $(ctl gw show tunnels)"
ctl gw workload remove vm1 2>&1 | grep -q "no such workload" ||
	fail "second remove"

# --leave on the VM: ferryd stopped, its files and device gone.
in_netns "$NS_VM1" "$FERRY_JOIN" --leave --config-dir "$T_DIR/vm1" \
	--pin-dir "/sys/fs/bpf/ferry-test-$T_ID-vm1" >"$T_DIR/vm1.leave" 2>&1 ||
	fail "leave: $(cat "$T_DIR/vm1.leave")"
kill -0 "$pid1" 2>/dev/null && fail "vm1's ferryd still runs after --leave"
ovl_untrack_pid "$pid1"
[ -f "$T_DIR/vm1/ferryd.conf" ] && fail "config left after --leave"
ip -n "$NS_VM1" link show ferry0 >/dev/null 2>&1 && fail "ferry0 left"
log "ok"
