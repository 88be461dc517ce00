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

# A gateways entry's own egress-ip (the policy then needs none) is
# checked on that gateway only: there it must be an address of the host
# (or in an egress pool); a node takes it as it is.
cat >"$T_DIR/gwip.conf" <<'CONF'
overlay = { local = "192.0.2.1"; mac = "02:fe:00:00:00:01"; };
egress = {
	interfaces = [ "eth1" ];
	gateways = (
		{ name = "gw1"; endpoint = "192.0.2.1"; mac = "02:fe:00:00:00:01";
		  egress-ip = "198.51.100.77"; },
		{ name = "gw2"; endpoint = "192.0.2.2"; mac = "02:fe:00:00:00:02";
		  egress-ip = "198.51.100.78"; } );
	policies = ( { name = "partner-api"; sources = [ "10.244.0.0/16" ];
		       destinations = [ "203.0.113.0/24" ];
		       gateway = [ "gw1", "gw2" ]; } );
};
CONF
gwip() { # NS ADDRESS: a namespace with ADDRESS on eth1
	ip -n "$1" link add eth1 type veth peer name eth1p
	ip -n "$1" addr add "$2/24" dev eth1
}
ns=$(netns_add gwip)
gwip "$ns" 192.0.2.1
out=$(in_netns "$ns" "$FERRYD" -n -c "$T_DIR/gwip.conf" 2>&1) &&
	fail "gw1's egress-ip accepted on gw1 without the address: $out"
echo "$out" | grep -q 'egress.gateways.\[0\].egress-ip: egress-ip 198.51.100.77 is neither an address of this host nor in an egress pool (gateway "gw1" is this host)' ||
	fail "unexpected error: $out"
ip -n "$ns" addr add 198.51.100.77/32 dev eth1
out=$(in_netns "$ns" "$FERRYD" -nv -c "$T_DIR/gwip.conf" 2>&1) ||
	fail "gw1 with its egress-ip: $out"
echo "$out" | grep -q '"198.51.100.78"' ||
	fail "gw2's egress-ip not in the normalized config: $out"
ns=$(netns_add gwipnode)
gwip "$ns" 192.0.2.21
sed -i 's/local = "192.0.2.1"/local = "192.0.2.21"/' "$T_DIR/gwip.conf"
out=$(in_netns "$ns" "$FERRYD" -n -c "$T_DIR/gwip.conf" 2>&1) ||
	fail "a node checks the gateways' egress IPs: $out"
exit 0
