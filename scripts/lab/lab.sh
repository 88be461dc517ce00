# SPDX-License-Identifier: BSD-2-Clause
#
# The demo lab: names and helpers shared by scripts/lab/up, scripts/lab/down
# and scripts/demo.  Each capability adds its hosts here; everything the lab
# creates is recorded under $LAB_STATE so that `down` removes exactly that.
#
# Hosts (network namespaces) and addresses:
#   ferry-gw    the border gateway running ferryd (conf/lab/gateway.conf);
#               underlay bridge 192.0.2.1/24, pod link 10.244.1.1/24
#   ferry-pod   a pod, 10.244.1.10
#   ferry-sw1   a VTEP switch: plain kernel vxlan device (VNI 100, static
#               FDB entry toward the gateway) bridged to its host;
#               underlay 192.0.2.11
#   ferry-h1    a host behind the switch, 10.100.1.10, MAC 02:00:00:00:01:10
#   ferry-up    the upstream router: BIRD 2, AS 65100, 203.0.113.254/24,
#               eBGP with the gateway (203.0.113.1, AS 65000) and the
#               second gateway (100.64.2.254 - 100.64.2.1), BFD with
#               both; it learns the cluster's pools, sends a default
#               route and 198.51.100.0/24 (on its lo, 198.51.100.254)
#   ferry-gw2   a second gateway (conf/lab/gateway2.conf), 192.0.2.2 on
#               ferry-gw's underlay bridge; the egress policy's second
#               gateway, with the same egress IP and the NAT state synced
#               with ferry-gw (ha.sync, UDP 7472, key $LAB_STATE/sync.key)
#   ferry-n1    a node agent (conf/lab/node1.conf), 192.0.2.21 on the
#               same bridge, iBGP + BFD to both gateways
#   ferry-np1   a pod behind the node, 10.244.2.10, selected by the
#               egress policy (to 198.51.100.80, from 198.18.1.10
#               through either gateway)
#   ferry-np2   a second pod behind the node, 10.244.2.20, not selected
#   ferry-vm1   a VM: 192.0.2.101 on the underlay bridge, nothing else;
#               ferry-join configures it (files in $LAB_STATE/vm1)

LAB_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LAB_BUILD=${LAB_BUILD:-$LAB_TOP/build/demo}
LAB_STATE=/run/ferry-lab
LAB_CONF=$LAB_TOP/conf/lab/gateway.conf
LAB_NS_GW=ferry-gw
LAB_NS_POD=ferry-pod
LAB_NS_SW1=ferry-sw1
LAB_NS_H1=ferry-h1
LAB_NS_UP=ferry-up
LAB_NS_GW2=ferry-gw2
LAB_NS_N1=ferry-n1
LAB_NS_NP1=ferry-np1
LAB_NS_NP2=ferry-np2
LAB_NS_VM1=ferry-vm1
LAB_CONF_GW2=$LAB_TOP/conf/lab/gateway2.conf
LAB_CONF_N1=$LAB_TOP/conf/lab/node1.conf
LAB_NP1_IP=10.244.2.10
LAB_NP2_IP=10.244.2.20
LAB_SRV_IP=198.51.100.80
LAB_EGRESS_IP=198.18.1.10
LAB_UP_IP=198.51.100.254
LAB_BIRD_CONF=$LAB_TOP/conf/lab/upstream-bird.conf
LAB_GW_MAC=02:fe:00:00:00:01
LAB_POD_IP=10.244.1.10
LAB_H1_IP=10.100.1.10
FERRYD=$LAB_BUILD/agent/ferryd
FERRYCTL=$LAB_BUILD/tools/ferryctl
FERRY_JOIN=$LAB_BUILD/tools/ferry-join

lab_birdc() { birdc -s "$LAB_STATE/bird.sock" "$@"; }

lab_netns_add() {
	ip netns add "$1"
	echo "$1" >>"$LAB_STATE/netns"
	ip -n "$1" link set lo up
}

# lab_start NAME NS CMD...: run CMD in NS in the background, pid recorded.
# Only the network namespace changes (not the mount namespace, as with
# `ip netns exec`), so /sys/fs/bpf and its pinned maps are the host's.
lab_start() {
	local name=$1 ns=$2
	shift 2
	nsenter --net="/run/netns/$ns" -- "$@" >>"$LAB_STATE/$name.log" 2>&1 &
	echo "$!" >"$LAB_STATE/$name.pid"
}
