#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# With an iBGP listen range for the VMs that imports nothing, a joined VM
# peers with the gateway and learns the cluster's pools over BGP: its
# tunnel to the pods is a BGP one, and a pool added to the gateway later
# reaches the VM without a rejoin.  Whatever the VM announces, the
# gateway takes no route from it.  Removing the VM resets its session,
# and the range (workloads = true) refuses its next connection.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/overlay_lib.sh"
. "$(dirname "$0")/workload_lib.sh"
need_root
need_cmd jq python3 openssl ping ip nsenter
FERRY_JOIN=$FERRY_BUILDDIR/tools/ferry-join

ovl_setup_gw
WL_BGP=$WL_BGP_RANGE
wl_gw_conf
ferryd_start "$NS_GW" gw
wl_vm 1
vmctl() { "$FERRYCTL" -s "$T_DIR/vm1/ferryd.sock" "$@"; }
vm_tunnel_src() { # PREFIX -> the source of the VM's tunnel entry for it
	jget "$(vmctl --json show tunnels)" \
		".result.tunnels[] | select(.prefix == \"$1\") | .source"
}

wl_join 1 "$(wl_token)" --ping "$POD_IP" ||
	fail "ferry-join: $(cat "$T_DIR/vm1.join")"
grep -q "^bgp = {" "$T_DIR/vm1/ferryd.conf" ||
	fail "no bgp section: $(cat "$T_DIR/vm1/ferryd.conf")"
expect_eq "pod pool on the VM" "$(vm_tunnel_src 10.244.0.0/16)" bgp
wl_ping 1 ok || fail "vm1 cannot ping the pod"
expect_eq "gateway's session with vm1" "$(jget "$(ctl gw --json show bgp peers)" \
	".result.peers[] | select(.name == \"$(wl_vm_under 1)\") | .state")" \
	Established
# IPv6 pools cannot ride the IPv4 session (no IPv6 next hop): static.
expect_eq "IPv6 pod pool on the VM" "$(vm_tunnel_src 2001:db8:244::/48)" \
	static

# A pool added on the gateway reaches the VM, no rejoin.
WL_BGP="$WL_BGP_RANGE
	pools = ( { prefix = \"10.244.0.0/16\"; kind = \"pod\"; },
		  { prefix = \"2001:db8:244::/48\"; kind = \"pod\"; },
		  { prefix = \"10.246.0.0/16\"; kind = \"service\"; } );"
# (wl_gw_conf writes pools itself; the second list replaces it)
wl_gw_conf
sed -i '0,/pools = ( { prefix = "10.244.0.0\/16"; kind = "pod"; },/{//d}' \
	"$T_DIR/gw.conf"
sed -i '0,/{ prefix = "2001:db8:244::\/48"; kind = "pod"; } );/{//d}' \
	"$T_DIR/gw.conf"
ctl gw reload >/dev/null || fail "reload: $(ctl gw reload 2>&1)"
wait_until 10 '[ "$(vm_tunnel_src 10.246.0.0/16)" = bgp ]' ||
	fail "the new pool did not reach vm1: $(vmctl show tunnels)"
ip -n "$NS_VM1" route show 10.246.0.0/16 | grep -q ferry0 ||
	fail "no route to the new pool on vm1"

# The VM announces a pod prefix and a pool address of another VM: the
# gateway accepts neither, and its tunnels are what they were.
before=$(jget "$(ctl gw --json show tunnels)" '[.result.tunnels[].prefix] | sort')
sed -i 's|^\tfib = false;|\tfib = false;\n\tpools = ( { prefix = "10.244.1.0/24"; kind = "pod"; }, { prefix = "10.250.0.77/32"; kind = "pod"; } );|' \
	"$T_DIR/vm1/ferryd.conf"
vmctl reload >/dev/null || fail "vm reload: $(vmctl reload 2>&1)"
peer() { jget "$(ctl gw --json show bgp peers)" \
	".result.peers[] | select(.name == \"$(wl_vm_under 1)\") | .[\"$1\"]"; }
wait_until 10 '[ "$(peer prefixes-received)" -ge 2 ]' ||
	fail "the gateway did not hear vm1's routes: $(ctl gw --json show bgp peers)"
expect_eq "accepted from vm1" "$(peer prefixes-accepted)" 0
expect_eq "gateway tunnels" "$(jget "$(ctl gw --json show tunnels)" \
	'[.result.tunnels[].prefix] | sort')" "$before"
wl_ping 1 ok || fail "vm1 lost the pod"

# Remove: the tunnels and the BGP session go at once.
ctl gw workload remove vm1 >/dev/null || fail "workload remove"
grep -q "notification sent: peer=$(wl_vm_under 1) .*code=6 subcode=4" \
	"$T_DIR/gw.log" || fail "vm1's session was not reset on remove"
wl_ping 1 fail || fail "removed vm1 still reaches the pod"
# The range has workloads = true: the removed VM, which goes on trying,
# is refused a new session (it would learn the cluster's prefixes).
wait_until 30 'grep -q "connection refused: peer=$(wl_vm_under 1) .*not a joined workload" "$T_DIR/gw.log"' ||
	fail "the removed vm1 was not refused: $(grep "$(wl_vm_under 1)" "$T_DIR/gw.log" | tail -5)"
[ "$(peer state)" = Established ] &&
	fail "the removed vm1 has a session again"
log "ok"
