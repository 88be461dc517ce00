# SPDX-License-Identifier: BSD-2-Clause
#
# The demo lab: names and helpers shared by scripts/lab/up, scripts/lab/down
# and scripts/demo.  Each capability adds its hosts here; everything the lab
# creates is recorded under $LAB_STATE so that `down` removes exactly that.
#
# Hosts (network namespaces):
#   ferry-gw     the border gateway running ferryd with conf/ferryd.conf

LAB_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LAB_BUILD=${LAB_BUILD:-$LAB_TOP/build/demo}
LAB_STATE=/run/ferry-lab
LAB_NS_GW=ferry-gw
FERRYD=$LAB_BUILD/agent/ferryd
FERRYCTL=$LAB_BUILD/tools/ferryctl

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
