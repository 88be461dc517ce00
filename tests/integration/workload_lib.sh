# SPDX-License-Identifier: BSD-2-Clause
#
# External-workload helpers, sourced after lib.sh and overlay_lib.sh.
#
#   gw     as ovl_setup_gw, plus a workloads section: enrollment on
#          192.0.2.1:9583, pool 10.250.0.0/24, its state file, key and
#          certificate (made here with openssl) under T_DIR
#   vmN    a VM: veth into the gateway's underlay bridge, 192.0.2.(100+N),
#          nothing else; ferry-join configures it, with its files in
#          T_DIR/vmN and its BPF maps in a pin dir of its own
#
# A VM's ferryd is started by ferry-join, in the background: wl_join
# records its pid (from the pid file) so the exit trap stops it.

WL_POOL=${WL_POOL:-10.250.0.0/24}
WL_POOL6=${WL_POOL6-fd00:250::/64} # set it empty for an IPv4-only pool
WL_PORT=9583

WL_BGP_RANGE="listen-ranges = ( { prefix = \"192.0.2.0/24\"; asn = 65000;
	max = 100; workloads = true; import = { prefixes = (); }; } );"

wl_vm_under() { echo "192.0.2.$((100 + $1))"; }

# wl_gw_conf [MORE]: the gateway's config: overlay, bgp (the pod pool,
# which VMs are given as the cluster's prefixes with the VTEP switches'
# prefixes) and workloads.  MORE is more text for the workloads section;
# WL_VTEPS, if set, the overlay's VTEP switches (ovl_vtep_conf N);
# WL_BGP more text for the bgp section (WL_BGP_RANGE: VMs peer with the
# gateway, which imports nothing from them).
wl_gw_conf() {
	[ -f "$T_DIR/wl.key" ] ||
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
			-nodes -keyout "$T_DIR/wl.key" -out "$T_DIR/wl.crt" \
			-days 2 -subj /CN=ferry-test-gw 2>/dev/null ||
		fail "openssl could not make a certificate"
	ferryd_conf gw "router-id = \"$GW_UNDER\";
bgp = {
	asn = 65000;
	listen = (\"$GW_UNDER\");
	pools = ( { prefix = \"10.244.0.0/16\"; kind = \"pod\"; },
		  { prefix = \"2001:db8:244::/48\"; kind = \"pod\"; } );
	fib = false;
	${WL_BGP:-}
};
overlay = {
	local = \"$GW_UNDER\";
	mac = \"$GW_MAC\";
	pin-dir = \"/sys/fs/bpf/ferry-test-$T_ID\";
	vteps = ( ${WL_VTEPS:-} );
};
workloads = {
	listen = \"$GW_UNDER:$WL_PORT\";
	pool = [ \"$WL_POOL\"${WL_POOL6:+, \"$WL_POOL6\"} ];
	state-file = \"$T_DIR/gw-workloads.json\";
	tls = { key = \"$T_DIR/wl.key\"; cert = \"$T_DIR/wl.crt\"; };
	${1:-}
};" >/dev/null
	T_PINDIRS="${T_PINDIRS:-} /sys/fs/bpf/ferry-test-$T_ID"
}

# wl_vm N: VM N's namespace, wired to the gateway's underlay bridge.
wl_vm() {
	local n=$1 vm
	ovl_netns vm "vm$n"
	eval "NS_VM$n=$vm"
	ip -n "$NS_GW" -batch - <<-EOF || fail "vm $n: gateway side"
		link add v$n type veth peer name eth0 netns $vm
		link set v$n master under up
	EOF
	ip -n "$vm" -batch - <<-EOF || fail "vm $n: vm side"
		addr add $(wl_vm_under "$n")/24 dev eth0
		link set eth0 up
	EOF
	T_PINDIRS="${T_PINDIRS:-} /sys/fs/bpf/ferry-test-$T_ID-vm$n"
}

# wl_token [ARGS]: a new token from the gateway (ferryctl's JSON).
wl_token() {
	jget "$(ctl gw --json workload token create "$@")" .result.token
}

# wl_join N TOKEN [ARGS]: run ferry-join in VM N; its output goes to
# T_DIR/vmN.join; returns ferry-join's status.
wl_join() {
	local n=$1 token=$2 vm rc=0
	shift 2
	eval "vm=\$NS_VM$n"
	in_netns "$vm" "$FERRY_JOIN" --no-systemd \
		--config-dir "$T_DIR/vm$n" --ferryd "$FERRYD" \
		--pin-dir "/sys/fs/bpf/ferry-test-$T_ID-vm$n" --name "vm$n" \
		"$@" "$GW_UNDER" "$token" >"$T_DIR/vm$n.join" 2>&1 || rc=$?
	wl_track "$n"
	return "$rc"
}

# wl_track N: stop VM N's ferryd on exit (once, by the pid it wrote).
wl_track() {
	local pid
	[ -f "$T_DIR/vm$1/ferryd.pid" ] || return 0
	pid=$(cat "$T_DIR/vm$1/ferryd.pid" 2>/dev/null) || return 0
	case " $T_PIDS " in *" $pid "*) ;; *) [ -n "$pid" ] && track_pid "$pid" ;; esac
}

# wl_addr N: VM N's overlay address, from the gateway.
wl_addr() {
	jget "$(ctl gw --json show workloads)" \
		".result.workloads[] | select(.name == \"vm$1\") | .ipv4"
}

# wl_ping N ok|fail: does VM N reach the pod (two pings)?
wl_ping() {
	local vm
	eval "vm=\$NS_VM$1"
	if [ "$2" = ok ]; then
		ip netns exec "$vm" ping -c 2 -i 0.2 -w 5 "$POD_IP" >/dev/null 2>&1
	else
		! ip netns exec "$vm" ping -c 2 -i 0.2 -W 1 "$POD_IP" \
			>/dev/null 2>&1
	fi
}
