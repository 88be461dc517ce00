#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Proxy ARP and ND (docs/design.md): hosts on one subnet, behind the
# overlay, resolve each other and the pods through ferryd, with no static
# neighbour entry anywhere.
#
# Two shared subnets, each a /24 and a /64 with one host behind a VTEP
# switch (bridge + kernel vxlan device, all-zeros FDB entry toward the
# gateway) and one VM (a plain kernel vxlan device holding the addresses),
# both VNI 2 and registered with ferryd by /32 and /128:
#
#   A over the IPv4 underlay   10.79.0.0/24  2001:db8:79::/64
#   B over the IPv6 underlay   10.80.0.0/24  2001:db8:80::/64
#
# host .10 and VM .20 ping each other both ways in both families, and
# exchange a TCP stream; hosts and VMs reach the pod, to which their route
# is on-link (so they resolve the pod's address itself: routed by the
# gateway's kernel, not by a tunnel entry).  Then: the neighbour entries
# learned point at ferryd's device MAC, the proxy verdicts were counted
# (ferryctl, JSON and table, and the metrics), a host gets no answer for
# an address no one routes nor from a spoofed sender, and a host whose
# tentative address belongs to the VM sees DAD fail.  With tcx all that
# went through ovl_underlay_rx; once more with underlay-decap off, through
# the vxlan driver and ovl_ingress.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/overlay_lib.sh"
need_root
need_cmd jq python3 curl

ovl_setup_gw
ovl_setup_gw6

# sub_add S NET NET6 UNDERLAY_FAMILY SWITCH_UNDER VM_UNDER: subnet S (a
# letter): switch namespace sw$S with host h$S behind it, VM vm$S.
sub_add() {
	local s=$1 net=$2 net6=$3 fam=$4 swu=$5 vmu=$6 br gwu len nodad=""
	local sw="" h="" vm="" # set by ovl_netns
	if [ "$fam" = 6 ]; then
		br=under6 gwu=$GW_UNDER6 len=64 nodad=nodad
	else
		br=under gwu=$GW_UNDER len=24
	fi
	ovl_netns sw "sw$s"
	ovl_netns h "h$s"
	ovl_netns vm "vm$s"
	eval "NS_SW$s=$sw NS_H$s=$h NS_VM$s=$vm"
	ip -n "$NS_GW" -batch - <<-EOF || fail "subnet $s: gateway side"
		link add s$s type veth peer name up0 netns $sw
		link set s$s master $br up
		link add v$s type veth peer name up0 netns $vm
		link set v$s master $br up
	EOF
	# The switch: vxlan device and a port to the host, bridged.
	ip -n "$sw" -batch - <<-EOF || fail "subnet $s: switch"
		addr add $swu/$len dev up0 $nodad
		link set up0 up
		link add br0 type bridge
		link add vx0 type vxlan id 2 local $swu dstport 4789 nolearning
		link set vx0 master br0 up
		link add hp0 type veth peer name eth0 netns $h
		link set hp0 master br0 up
		link set br0 up
	EOF
	bridge -n "$sw" fdb append 00:00:00:00:00:00 dev vx0 dst "$gwu"
	ip -n "$h" -batch - <<-EOF || fail "subnet $s: host"
		link set eth0 address $(sub_mac "$s" 10)
		addr add $net.10/24 dev eth0
		addr add $net6::10/64 dev eth0 nodad
		link set eth0 up
		route add 10.244.0.0/16 dev eth0
		route add 2001:db8:244::/48 dev eth0
	EOF
	# The VM: its addresses on a plain vxlan device toward the gateway.
	ip -n "$vm" -batch - <<-EOF || fail "subnet $s: VM"
		addr add $vmu/$len dev up0 $nodad
		link set up0 up
		link add vx0 address $(sub_mac "$s" 20) type vxlan id 2 local $vmu remote $gwu dstport 4789 nolearning
		addr add $net.20/24 dev vx0
		addr add $net6::20/64 dev vx0 nodad
		link set vx0 up
		route add 10.244.0.0/16 dev vx0
		route add 2001:db8:244::/48 dev vx0
	EOF
}
sub_mac() { printf '02:00:00:%02x:00:%s' "$(printf '%d' "'$1")" "$2"; }

NETA=10.79.0 NETA6=2001:db8:79 NETB=10.80.0 NETB6=2001:db8:80
sub_add A "$NETA" "$NETA6" 4 192.0.2.21 192.0.2.22
sub_add B "$NETB" "$NETB6" 6 2001:db8:ffff::21 2001:db8:ffff::22

# One VTEP entry per host and VM: its /32 and /128, its MAC.
ent() { # NAME ENDPOINT MAC ADDR ADDR6
	ovl_vtep_entry "$1" "$2" 2 "$3" "$4/32" "$5/128"
}
ovl_gw_conf "$(ent hA 192.0.2.21 "$(sub_mac A 10)" "$NETA.10" "$NETA6::10"),
	$(ent vmA 192.0.2.22 "$(sub_mac A 20)" "$NETA.20" "$NETA6::20"),
	$(ent hB 2001:db8:ffff::21 "$(sub_mac B 10)" "$NETB.10" "$NETB6::10"),
	$(ent vmB 2001:db8:ffff::22 "$(sub_mac B 20)" "$NETB.20" "$NETB6::20")" \
	"local6 = \"$GW_UNDER6\";"
echo 'metrics = { listen = "127.0.0.1:9582"; };' >>"$T_DIR/gw.conf"
ferryd_start "$NS_GW" gw

# None of the test's hosts, VMs or switches has a static neighbour.
for ns in "$NS_HA" "$NS_VMA" "$NS_HB" "$NS_VMB"; do
	n=$(ip -n "$ns" neigh show nud permanent | wc -l)
	n6=$(ip -n "$ns" -6 neigh show nud permanent | wc -l)
	expect_eq "static neighbours in $ns" "$((n + n6))" 0
done

verdict() { # REASON: ingress packets ferryd counted under it
	jget "$(ctl gw --json show overlay)" \
		".result.verdicts.ingress[\"$1\"].packets"
}
arp0=$(verdict proxy-arp) nd0=$(verdict proxy-nd)

ping_ok() { # FROM_NS TO_ADDR
	ip netns exec "$1" ping -c 2 -i 0.2 -w 5 "$2" >/dev/null ||
		fail "no ping from $1 to $2: $(ctl gw show overlay)"
}
for s in A B; do
	eval "h=\$NS_H$s vm=\$NS_VM$s net=\$NET$s net6=\$NET${s}6"
	ping_ok "$h" "$net.20"
	ping_ok "$vm" "$net.10"
	ping_ok "$h" "$net6::20"
	ping_ok "$vm" "$net6::10"
	ping_ok "$h" "$POD_IP"
	ping_ok "$h" "$POD_IP6"
	ping_ok "$vm" "$POD_IP"
	ping_ok "$vm" "$POD_IP6"
	ping_ok "$NS_POD" "$net.10"
	ping_ok "$NS_POD" "$net6::20"
done

# What the hosts and VMs learned: ferryd's device MAC, for the peer and
# the pod alike.
lladdr() { # NS ADDR
	ip -n "$1" neigh show "$2" | sed -n 's/.* lladdr \([0-9a-f:]*\).*/\1/p'
}
for s in A B; do
	eval "h=\$NS_H$s vm=\$NS_VM$s net=\$NET$s net6=\$NET${s}6"
	for pair in "$h $net.20" "$h $net6::20" "$vm $net.10" \
		"$vm $net6::10" "$h $POD_IP" "$h $POD_IP6" "$vm $POD_IP6"; do
		# shellcheck disable=SC2086
		expect_eq "neighbour ${pair#* } in ${pair% *}" \
			"$(lladdr $pair)" "$GW_MAC"
	done
done
[ "$(verdict proxy-arp)" -ge $((arp0 + 6)) ] ||
	fail "proxy ARP answers not counted: $arp0 -> $(verdict proxy-arp)"
[ "$(verdict proxy-nd)" -ge $((nd0 + 6)) ] ||
	fail "proxy ND answers not counted: $nd0 -> $(verdict proxy-nd)"
# And in the table and the metrics' source alike.
ctl gw show overlay | grep -Eq '^proxy-arp +0 +[1-9]' ||
	fail "no proxy-arp row: $(ctl gw show overlay)"
ctl gw show overlay | grep -Eq '^proxy-nd +0 +[1-9]' ||
	fail "no proxy-nd row: $(ctl gw show overlay)"
metrics=$(ip netns exec "$NS_GW" curl -sf http://127.0.0.1:9582/metrics) ||
	fail "metrics endpoint"
for r in proxy-arp proxy-nd; do
	echo "$metrics" | grep -Eq "^ferry_overlay_packets_total\{direction=\"ingress\",reason=\"$r\"\} [1-9]" ||
		fail "no $r in the metrics: $(echo "$metrics" | grep proxy)"
done

# TCP, 1 MB each way, content checked: host <-> VM over each underlay,
# one family each, and a host to the pod.
tcp() { # FROM_NS TO_NS TO_ADDR
	python3 "$(dirname "$0")/tcp_xfer.py" "$1" "$2" "$3" $((1 << 20)) \
		>/dev/null || fail "TCP $1 -> $3"
}
tcp "$NS_HA" "$NS_VMA" "$NETA.20"
tcp "$NS_VMA" "$NS_HA" "$NETA6::10"
tcp "$NS_HB" "$NS_VMB" "$NETB6::20"
tcp "$NS_VMB" "$NS_HB" "$NETB.10"
tcp "$NS_HA" "$NS_POD" "$POD_IP6"

# Not answered: an address no one routes (the subnet's other addresses),
# and a spoofed sender (host A claims an address outside its prefixes).
# The kernel's own resolution is the probe: it finds no link-layer
# address.  The counters cannot tell (other hosts' probes may run
# meanwhile); the neighbour table can.
noll() { # NS ADDR: no link-layer address learned for ADDR
	! ip -n "$1" neigh show "$2" | grep -q lladdr
}
ip netns exec "$NS_HA" ping -c 1 -W 2 "$NETA.99" >/dev/null 2>&1 &&
	fail "an address no one has answered a ping"
ip netns exec "$NS_HA" ping -c 1 -W 2 "$NETA6::99" >/dev/null 2>&1 &&
	fail "an IPv6 address no one has answered a ping"
noll "$NS_HA" "$NETA.99" || fail "$NETA.99 resolved"
noll "$NS_HA" "$NETA6::99" || fail "$NETA6::99 resolved"

spoof0=$(verdict spoof)
ip -n "$NS_HA" addr add "$NETA.66/24" dev eth0
ip -n "$NS_HA" neigh flush to "$NETA.20"
ip netns exec "$NS_HA" ping -c 2 -i 0.2 -W 1 -I "$NETA.66" "$NETA.20" \
	>/dev/null 2>&1 && fail "ping from a spoofed source got an answer"
noll "$NS_HA" "$NETA.20" ||
	fail "ARP from a spoofed sender answered: $(ip -n "$NS_HA" neigh)"
ip -n "$NS_HA" addr del "$NETA.66/24" dev eth0
[ "$(verdict spoof)" -gt "$spoof0" ] || fail "spoofed ARP not counted"
ping_ok "$NS_HA" "$NETA.20"
nd1=$(verdict proxy-nd)

# DAD: host A tries to take the VM's address; ferryd answers the probe
# for it (an advertisement to all-nodes), so the host gives it up.
ip netns exec "$NS_HA" sysctl -qw net.ipv6.conf.eth0.accept_dad=1
ip -n "$NS_HA" addr add "$NETA6::20/64" dev eth0
# shellcheck disable=SC2016 # wait_until evaluates it anew
wait_until 5 'ip -n "$NS_HA" -6 addr show dev eth0 | grep -q "$NETA6::20/64.*dadfailed"' ||
	fail "DAD did not fail for the VM's address: $(ip -n "$NS_HA" -6 addr show dev eth0)"
[ "$(verdict proxy-nd)" -gt "$nd1" ] || fail "DAD answer not counted"
ip -n "$NS_HA" addr del "$NETA6::20/64" dev eth0
ping_ok "$NS_HA" "$NETA6::20"

# With tcx the questions above were answered by ovl_underlay_rx; with
# underlay-decap off the vxlan driver decapsulates and ovl_ingress
# answers.  Everyone forgets what they learned and resolves again.
if grep -q "hook=tcx" "$T_DIR/gw.log"; then
	urx() {
		jget "$(ctl gw --json show overlay)" \
			".result[\"underlay-decap\"].decapsulated"
	}
	ovl_gw_conf "$(ent hA 192.0.2.21 "$(sub_mac A 10)" "$NETA.10" "$NETA6::10"),
		$(ent vmA 192.0.2.22 "$(sub_mac A 20)" "$NETA.20" "$NETA6::20"),
		$(ent hB 2001:db8:ffff::21 "$(sub_mac B 10)" "$NETB.10" "$NETB6::10"),
		$(ent vmB 2001:db8:ffff::22 "$(sub_mac B 20)" "$NETB.20" "$NETB6::20")" \
		"local6 = \"$GW_UNDER6\"; underlay-decap = false;"
	echo 'metrics = { listen = "127.0.0.1:9582"; };' >>"$T_DIR/gw.conf"
	ctl gw reload >/dev/null || fail "reload with underlay-decap = false"
	arp1=$(verdict proxy-arp) nd1=$(verdict proxy-nd) d1=$(urx)
	for ns in "$NS_HA" "$NS_VMA" "$NS_HB" "$NS_VMB"; do
		ip -n "$ns" neigh flush all
		ip -n "$ns" -6 neigh flush all
	done
	for s in A B; do
		eval "h=\$NS_H$s vm=\$NS_VM$s net=\$NET$s net6=\$NET${s}6"
		ping_ok "$h" "$net.20"
		ping_ok "$vm" "$net6::10"
		ping_ok "$h" "$POD_IP"
		expect_eq "neighbour $net.20 in $h" "$(lladdr "$h" "$net.20")" \
			"$GW_MAC"
		expect_eq "neighbour $net6::10 in $vm" \
			"$(lladdr "$vm" "$net6::10")" "$GW_MAC"
	done
	expect_eq "decapsulated on the underlay when off" "$(urx)" "$d1"
	[ "$(verdict proxy-arp)" -ge $((arp1 + 4)) ] ||
		fail "ovl_ingress answered no ARP: $(ctl gw show overlay)"
	[ "$(verdict proxy-nd)" -ge $((nd1 + 2)) ] ||
		fail "ovl_ingress answered no NS: $(ctl gw show overlay)"
fi
exit 0
