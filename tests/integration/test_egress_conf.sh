#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The example configs conf/egress-gateway.conf and conf/egress-node.conf
# are valid (`ferryd -n`) on hosts that hold their addresses, a namespace
# each; the gateway's policy is served there and the node's steered, as
# `ferryd -nv` cannot show, so the normalized output is checked for the
# section only.
. "$(dirname "$0")/lib.sh"
need_root
top=$(cd "$(dirname "$0")/../.." && pwd)

check() { # NAME ADDRESS
	local ns out
	ns=$(netns_add "$1")
	ip -n "$ns" link add eth0 type veth peer name eth0p
	ip -n "$ns" addr add "$2/24" dev eth0
	ip -n "$ns" link set eth0 up
	ip -n "$ns" link set eth0p up
	out=$(in_netns "$ns" "$FERRYD" -nv -c "$top/conf/egress-$1.conf" 2>&1) ||
		fail "conf/egress-$1.conf: $out"
	echo "$out" | grep -q 'name = "partner-api"' ||
		fail "conf/egress-$1.conf: no policy in the normalized config: $out"
}
check gateway 192.0.2.1
check node 192.0.2.21
# Not on the gateway: its policy's gateway and overlay address are not
# ours, which ferryd must refuse.
ns=$(netns_add other)
out=$(in_netns "$ns" "$FERRYD" -n -c "$top/conf/egress-gateway.conf" 2>&1) &&
	fail "conf/egress-gateway.conf accepted on a host without 192.0.2.1"
echo "$out" | grep -q "gateway" || fail "unexpected error: $out"
exit 0
