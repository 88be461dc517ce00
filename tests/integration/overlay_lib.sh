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
#
# IPv6 (ovl_setup_gw6, ovl_setup_switch6, ovl_host_add6):
#
#   gw     bridge "under6", 2001:db8:ffff::1/64: the IPv6 underlay, a bridge
#          of its own so that its MTU can differ from the IPv4 underlay's;
#          pod0 2001:db8:244:1::1/64
#   pod    2001:db8:244:1::10/64
#   swN    ovl_setup_switch6: like ovl_setup_switch, but the vxlan device
#          runs over IPv6, underlay 2001:db8:ffff::(10+N) on "under6"
#   hN     ovl_host_add6: also 2001:db8:100:N::10/64 (N in hex)

GW_MAC=02:fe:00:00:00:01
GW_UNDER=192.0.2.1
POD_IP=10.244.1.10

# ovl_host_net N -> "10.A.B" (the /24 of host N, N >= 1)
ovl_host_net() { echo "10.$((100 + $1 / 250)).$(($1 % 250))"; }
ovl_sw_under() { echo "192.0.2.$((10 + $1))"; }
ovl_host_mac() { printf '02:00:00:%02x:%02x:10' $(($1 / 256)) $(($1 % 256)); }

# ovl_netns VAR NAME: netns_add NAME and set VAR to the namespace's name.
# Not VAR=$(netns_add NAME): in that subshell lib.sh's record of the
# namespace would be lost, and the exit trap would leave it behind.
ovl_netns() {
	netns_add "$2" >/dev/null
	eval "$1=fy-$T_ID-$2"
}

ovl_setup_gw() {
	ovl_netns NS_GW gw
	ovl_netns NS_POD pod
	# A fixed MAC: a bridge without one takes its lowest port MAC, so it
	# would change under switches that resolved it while ports were added.
	ip -n "$NS_GW" link add under address 02:fe:ff:00:00:01 type bridge
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
# Commands go to ip in batches, one per namespace: this runs 50 times in
# the scale test, and every exec counts.
ovl_setup_switch() {
	local n=$1 sw under
	under=$(ovl_sw_under "$n")
	ovl_netns sw "s$n"
	ip -n "$NS_GW" -batch - <<-EOF || fail "switch $n: gateway side"
		link add u$n type veth peer name up0 netns $sw
		link set u$n master under up
	EOF
	ovl_switch_inside "$n" "$sw" "$under/24" "$GW_UNDER"
}

# ovl_switch_inside N NS LOCAL/LEN REMOTE: in switch N's namespace NS,
# whose underlay veth up0 exists: the underlay address, the vxlan device
# from LOCAL to REMOTE, VNI 100+N, bridged with a veth to host N's
# namespace, which this creates.
ovl_switch_inside() {
	local n=$1 sw=$2 laddr=${3%/*} len=${3#*/} remote=$4 h net nodad=""
	net=$(ovl_host_net "$n")
	case $laddr in *:*) nodad=nodad ;; esac
	ovl_netns h "h$n"
	eval "NS_SW$n=$sw NS_H$n=$h"
	ip -n "$sw" -batch - <<-EOF || fail "switch $n: switch side"
		addr add $laddr/$len dev up0 $nodad
		link set up0 up
		link add br0 type bridge
		link add vx0 type vxlan id $((100 + n)) local $laddr dstport 4789 nolearning
		link set vx0 master br0 up
		link add hp0 type veth peer name eth0 netns $h
		link set hp0 master br0 up
		link set br0 up
	EOF
	bridge -n "$sw" fdb append 00:00:00:00:00:00 dev vx0 dst "$remote"
	ip -n "$h" -batch - <<-EOF || fail "switch $n: host side"
		link set eth0 address $(ovl_host_mac "$n")
		addr add $net.10/24 dev eth0
		link set eth0 up
		route add 10.244.0.0/16 via $net.1
		neigh replace $net.1 lladdr $GW_MAC dev eth0 nud permanent
	EOF
}

# ovl_switch_vni N VNI: give switch N's vxlan device another VNI (the
# device is recreated: the kernel cannot change a VNI in place).
ovl_switch_vni() {
	local n=$1 vni=$2 sw laddr remote
	eval "sw=\$NS_SW$n"
	if ip -n "$sw" -6 addr show dev up0 scope global | grep -q inet6; then
		laddr=$(ovl_sw_under6 "$n") remote=$GW_UNDER6
	else
		laddr=$(ovl_sw_under "$n") remote=$GW_UNDER
	fi
	ip -n "$sw" link del vx0
	ip -n "$sw" link add vx0 type vxlan id "$vni" local "$laddr" \
		dstport 4789 nolearning
	bridge -n "$sw" fdb append 00:00:00:00:00:00 dev vx0 dst "$remote"
	ip -n "$sw" link set vx0 master br0 up
}

# ovl_vtep_entry NAME ENDPOINT VNI MAC PREFIX...: one entry of overlay.vteps.
ovl_vtep_entry() {
	local name=$1 ep=$2 vni=$3 mac=$4 p list=""
	shift 4
	for p in "$@"; do
		list="$list${list:+, }\"$p\""
	done
	printf '{ name = "%s"; endpoint = "%s"; vni = %d; mac = "%s"; prefixes = (%s); }' \
		"$name" "$ep" "$vni" "$mac" "$list"
}

# ovl_vtep_conf N: the config entry for switch N.
ovl_vtep_conf() {
	local n=$1
	ovl_vtep_entry "sw$n" "$(ovl_sw_under "$n")" $((100 + n)) \
		"$(ovl_host_mac "$n")" "$(ovl_host_net "$n").0/24"
}

# ovl_gw_conf "ENTRY, ENTRY..." [GLOBALS]: write the gateway's config;
# GLOBALS is more text for the overlay section (local6 = ...;).
ovl_gw_conf() {
	ferryd_conf gw "overlay = {
	local = \"$GW_UNDER\";
	mac = \"$GW_MAC\";
	pin-dir = \"/sys/fs/bpf/ferry-test-$T_ID\";
	${2:-}
	vteps = ( $1 );
};" >/dev/null
	T_PINDIRS="${T_PINDIRS:-} /sys/fs/bpf/ferry-test-$T_ID"
}

# ovl_untrack_pid PID: forget a process that is already gone and reaped
# (kill -9 in a test), so the exit trap never signals a recycled pid.
ovl_untrack_pid() {
	local p rest=""
	for p in $T_PIDS; do
		[ "$p" = "$1" ] || rest="$rest $p"
	done
	T_PIDS=$rest
}

# ovl_log_since NAME LINE: the lines of NAME.log after line LINE.
ovl_log_since() { tail -n "+$(($2 + 1))" "$T_DIR/$1.log"; }

# ovl_ping_hosts ok|fail N...: ping the pod from the hosts behind
# switches N..., all at once (each ping bounded); prints the numbers of
# the hosts that did not do what the first argument says.  "ok" wants two
# replies within 5 s, pinging every 0.2 s until then, and gives hosts
# without them one more try: the per-CPU backlog is shared by every
# namespace, and a busy machine (another test's packet flood) drops
# packets from ours.  "fail" wants no reply to two pings.
ovl_ping_hosts() {
	local want=$1 bad
	shift
	if [ "$want" = fail ]; then
		ovl_ping_round fail "-c 2 -i 0.2 -W 1" "$@"
		return
	fi
	bad=$(ovl_ping_round ok "-c 2 -i 0.2 -w 5" "$@")
	[ -n "$bad" ] || return 0
	log "no reply yet from hosts $bad: trying them once more"
	# shellcheck disable=SC2086
	ovl_ping_round ok "-c 2 -i 0.2 -w 5" $bad
}

# ovl_diagnose N...: what the gateway and switches N... saw, for a failure
# message: where did the packets stop?
ovl_diagnose() {
	local n sw
	echo "--- gateway: ferryctl show overlay"
	ctl gw show overlay 2>&1
	echo "--- gateway: neighbours on the underlay"
	ip -n "$NS_GW" neigh show dev under 2>&1 | head -60
	echo "--- gateway: tunnels"
	ctl gw show tunnels 2>&1 | head -60
	for n in "$@"; do
		eval "sw=\$NS_SW$n"
		echo "--- switch $n: vx0 fdb, up0 neigh"
		bridge -n "$sw" fdb show dev vx0 2>&1 | head -5
		ip -n "$sw" neigh show dev up0 2>&1 | head -5
	done
}

# ovl_ping_round ok|fail "PING OPTIONS" N...: one round of ovl_ping_hosts.
ovl_ping_round() {
	local want=$1 opts=$2 n h jobs="" j rc
	shift 2
	for n in "$@"; do
		eval "h=\$NS_H$n"
		# shellcheck disable=SC2086
		timeout 10 nsenter --net="/run/netns/$h" -- \
			ping $opts "$POD_IP" >/dev/null 2>&1 &
		jobs="$jobs $!:$n"
	done
	for j in $jobs; do
		rc=0
		wait "${j%%:*}" || rc=$?
		if { [ "$want" = ok ] && [ "$rc" -ne 0 ]; } ||
			{ [ "$want" = fail ] && [ "$rc" -eq 0 ]; }; then
			printf '%s ' "${j#*:}"
		fi
	done
}

GW_UNDER6=2001:db8:ffff::1
POD_IP6=2001:db8:244:1::10

ovl_sw_under6() { echo "2001:db8:ffff::$((10 + $1))"; }
# ovl_host_net6 N -> "2001:db8:100:N" (the /64 of host N, N in hex)
ovl_host_net6() { printf '2001:db8:100:%x' "$1"; }

# ovl_setup_gw6: IPv6 on the gateway and the pod (after ovl_setup_gw).
ovl_setup_gw6() {
	ip -n "$NS_GW" link add under6 address 02:fe:ff:00:00:06 type bridge \
		mcast_snooping 0
	ip -n "$NS_GW" addr add "$GW_UNDER6/64" dev under6 nodad
	ip -n "$NS_GW" link set under6 up
	ip netns exec "$NS_GW" sysctl -qw net.ipv6.conf.all.forwarding=1
	ip -n "$NS_GW" addr add 2001:db8:244:1::1/64 dev pod0 nodad
	ip -n "$NS_POD" addr add "$POD_IP6/64" dev eth0 nodad
	ip -n "$NS_POD" -6 route add default via 2001:db8:244:1::1
}

# ovl_setup_switch6 N: switch N over the IPv6 underlay, and its host.
ovl_setup_switch6() {
	local n=$1 sw under
	under=$(ovl_sw_under6 "$n")
	ovl_netns sw "s$n"
	ip -n "$NS_GW" -batch - <<-EOF || fail "switch $n: gateway side"
		link add w$n type veth peer name up0 netns $sw
		link set w$n master under6 up
	EOF
	ovl_switch_inside "$n" "$sw" "$under/64" "$GW_UNDER6"
}

# ovl_host_add6 N: IPv6 for host N, routed to the pods like its IPv4.
ovl_host_add6() {
	local n=$1 h net
	eval "h=\$NS_H$n"
	net=$(ovl_host_net6 "$n")
	ip -n "$h" addr add "$net::10/64" dev eth0 nodad
	ip -n "$h" -6 route add 2001:db8:244::/48 via "$net::1"
	ip -n "$h" -6 neigh replace "$net::1" lladdr "$GW_MAC" dev eth0 \
		nud permanent
}

# Remove pinned maps on exit (lib.sh's trap calls t_cleanup_extra).
t_cleanup_extra() {
	local d
	for d in ${T_PINDIRS:-}; do
		rm -rf "$d"
	done
}

# ovl_tcx_names NS DEV DIRECTION: names of the programs on DEV's tcx hook
# in namespace NS (ingress or egress), one per line; nothing without tcx.
# BPF_PROG_QUERY by hand: the bpftool of Debian 12 predates tcx.
ovl_tcx_names() {
	local id
	for id in $(ip netns exec "$1" python3 - "$2" "$3" <<'PY'
import ctypes, platform, socket, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
ids = (ctypes.c_uint32 * 64)()
# union bpf_attr for BPF_PROG_QUERY (16): target_ifindex, attach_type
# (BPF_TCX_INGRESS 46, BPF_TCX_EGRESS 47), query_flags, attach_flags,
# prog_ids, prog_cnt.
attr = ctypes.create_string_buffer(struct.pack(
    "=IIIIQI", socket.if_nametoindex(sys.argv[1]),
    {"ingress": 46, "egress": 47}[sys.argv[2]], 0, 0,
    ctypes.addressof(ids), 64), 128)
nr = {"x86_64": 321, "aarch64": 280}[platform.machine()]
if libc.syscall(nr, 16, attr, 128) == 0:
    n = struct.unpack_from("=I", attr.raw, 24)[0]
    print(" ".join(str(ids[i]) for i in range(min(n, 64))))
PY
	); do
		bpftool -j prog show id "$id" | jq -r .name
	done
}
