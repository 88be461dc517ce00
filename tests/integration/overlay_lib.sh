# SPDX-License-Identifier: BSD-2-Clause
#
# Overlay topology helpers, sourced after lib.sh.
#
#   gw     ferryd; bridge "under" holding the underlay veths, 192.0.2.1/24;
#          veth to the pod namespace, 10.244.1.1/24
#   pod    10.244.1.10/24, default route via the gateway
#   swN    a VTEP switch: plain kernel vxlan device (VNI 100+N, static FDB
#          entry toward the gateway) bridged with a veth to its host;
#          underlay 192.0.2.(10+N)
#   hN     a host behind switch N: 10.(100+N/250).(N%250).10/24 behind...
#
# Host N's subnet is ovl_host_net N; it reaches the pods via .1 of its
# subnet, whose MAC (the gateway's device MAC) it knows statically: the
# gateway's vxlan device has ARP off, as a routed overlay should.

GW_MAC=02:fe:00:00:00:01
GW_UNDER=192.0.2.1
POD_IP=10.244.1.10

# ovl_host_net N -> "10.A.B" (the /24 of host N, N >= 1)
ovl_host_net() { echo "10.$((100 + $1 / 250)).$(($1 % 250))"; }
ovl_sw_under() { echo "192.0.2.$((10 + $1))"; }
ovl_host_mac() { printf '02:00:00:%02x:%02x:10' $(($1 / 256)) $(($1 % 256)); }

ovl_setup_gw() {
	NS_GW=$(netns_add gw)
	NS_POD=$(netns_add pod)
	ip -n "$NS_GW" link add under type bridge
	ip -n "$NS_GW" addr add "$GW_UNDER/24" dev under
	ip -n "$NS_GW" link set under up
	ip netns exec "$NS_GW" sysctl -qw net.ipv4.ip_forward=1
	ip -n "$NS_GW" link add pod0 type veth peer name eth0 netns "$NS_POD"
	ip -n "$NS_GW" addr add 10.244.1.1/24 dev pod0
	ip -n "$NS_GW" link set pod0 up
	ip -n "$NS_POD" addr add "$POD_IP/24" dev eth0
	ip -n "$NS_POD" link set eth0 up
	ip -n "$NS_POD" route add default via 10.244.1.1
}

# ovl_setup_switch N: switch N and its host, wired to the gateway.
ovl_setup_switch() {
	local n=$1 sw h net under
	net=$(ovl_host_net "$n")
	under=$(ovl_sw_under "$n")
	sw=$(netns_add "s$n")
	h=$(netns_add "h$n")
	eval "NS_SW$n=$sw NS_H$n=$h"
	ip -n "$NS_GW" link add "u$n" type veth peer name up0 netns "$sw"
	ip -n "$NS_GW" link set "u$n" master under up
	ip -n "$sw" addr add "$under/24" dev up0
	ip -n "$sw" link set up0 up
	ip -n "$sw" link add br0 type bridge
	ip -n "$sw" link add vx0 type vxlan id $((100 + n)) local "$under" \
		dstport 4789 nolearning
	bridge -n "$sw" fdb append 00:00:00:00:00:00 dev vx0 dst "$GW_UNDER"
	ip -n "$sw" link set vx0 master br0 up
	ip -n "$sw" link add hp0 type veth peer name eth0 netns "$h"
	ip -n "$sw" link set hp0 master br0 up
	ip -n "$sw" link set br0 up
	ip -n "$h" link set eth0 address "$(ovl_host_mac "$n")"
	ip -n "$h" addr add "$net.10/24" dev eth0
	ip -n "$h" link set eth0 up
	ip -n "$h" route add 10.244.0.0/16 via "$net.1"
	ip -n "$h" neigh replace "$net.1" lladdr "$GW_MAC" dev eth0 \
		nud permanent
}

# ovl_vtep_conf N: the config entry for switch N.
ovl_vtep_conf() {
	local n=$1
	printf '{ name = "sw%d"; endpoint = "%s"; vni = %d; mac = "%s"; prefixes = ("%s.0/24"); }' \
		"$n" "$(ovl_sw_under "$n")" $((100 + n)) "$(ovl_host_mac "$n")" \
		"$(ovl_host_net "$n")"
}

# ovl_gw_conf "ENTRY, ENTRY...": write the gateway's config.
ovl_gw_conf() {
	ferryd_conf gw "overlay = {
	local = \"$GW_UNDER\";
	mac = \"$GW_MAC\";
	pin-dir = \"/sys/fs/bpf/ferry-test-$T_ID\";
	vteps = ( $1 );
};" >/dev/null
	T_PINDIRS="${T_PINDIRS:-} /sys/fs/bpf/ferry-test-$T_ID"
}

# Remove pinned maps on exit (lib.sh's trap calls t_cleanup_extra).
t_cleanup_extra() {
	local d
	for d in ${T_PINDIRS:-}; do
		rm -rf "$d"
	done
}
