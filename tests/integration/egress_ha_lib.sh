# SPDX-License-Identifier: BSD-2-Clause
#
# Egress high-availability topology, sourced after lib.sh, overlay_lib.sh
# and bfd_lib.sh: several gateways and nodes on one underlay, an outside
# server.
#
#   sw     bridges "under" (the underlay, 192.0.2.0/24) and "outer" (the
#          outside, 203.0.113.0/24)
#   gwK    K = 1 .. HA_NGW: ferryd, u0 192.0.2.K on under, out0
#          203.0.113.K and its own egress IP 203.0.113.20K on outer
#   nodeN  N = 1 .. HA_NNODE: ferryd, eth0 192.0.2.2N on under, pod0 to
#          podN; no route to the outside (the test gives it one)
#   podN   10.244.N.10
#   srv    203.0.113.10 and .11 ... .HA_SRV_LAST, on outer
#
# One policy, "pods", sends 10.244.0.0/16's traffic to the outside
# through the gateways in GWS (all by default), with BFD (100 ms x 3)
# under every node-gateway session.  Each gateway announces HA_GW_POOL
# to the nodes (by default 198.18.K.0/24, nothing they route to; the
# outside, 203.0.113.0/24, makes it an overlay route to the gateways).
HA_NGW=${HA_NGW:-3}
HA_NNODE=${HA_NNODE:-2}
HA_SRV_LAST=${HA_SRV_LAST:-110}
PIN=/sys/fs/bpf/ferry-test-$T_ID
T_PINDIRS=
for h in $(seq -f gw%g "$HA_NGW") $(seq -f node%g "$HA_NNODE"); do
	T_PINDIRS="$T_PINDIRS $PIN-$h $PIN-${h}o"
done
GWS=$(for k in $(seq "$HA_NGW"); do printf '"gw%d", ' "$k"; done)
GWS=${GWS%, }
BFD='bfd = { min-tx = 100; min-rx = 100; multiplier = 3; };'

gw_mac() { echo "02:fe:00:00:00:0$1"; }
node_mac() { echo "02:fe:00:00:01:0$1"; }

# HA_SYNC: one egress IP, HA_EIP from an egress pool of every gateway,
# shared by all of them with their NAT state synchronised (ha.sync, with
# the key in $T_DIR/sync.key).
HA_EIP=203.0.113.200
SYNC_HA= SYNC_EIP= SYNC_POOL=
if [ -n "${HA_SYNC:-}" ]; then
	SYNC_HA="sync = { key-file = \"$T_DIR/sync.key\"; };"
	SYNC_EIP="egress-ip = \"$HA_EIP\";"
	SYNC_POOL=", { prefix = \"$HA_EIP/32\"; kind = \"egress\"; }"
	head -c 32 /dev/urandom | base64 >"$T_DIR/sync.key"
fi

# HA_UPSTREAM (with HA_SYNC; the test also sources bgp_lib.sh): an
# upstream router for the outside, BIRD 2 in srv (HA_UP, AS 65100), with
# an eBGP session and BFD (100 ms x 3) to every gateway's out0 address;
# each gateway exports its egress pool (HA_EIP) to it, and BIRD merges
# the paths into one multipath route in srv's kernel table (ha_bird_*).
HA_UP=203.0.113.10
UP_LISTEN= UP_NEIGHBORS=

# The egress section, the same on every host.  SHARED: the policy's own
# egress-ip, and gw2 and up without theirs.
egress_conf() { # NAME IFACE
	cat <<-EOF
	egress = {
		pin-dir = "$PIN-$1";
		interfaces = [ "$2" ];
		ha = { pin-table-size = 4096; $SYNC_HA };
		gateways = (
	EOF
	local k sep=
	for k in $(seq "$HA_NGW"); do
		printf '\t\t%s{ name = "gw%d"; endpoint = "192.0.2.%d"; vni = 7;\n' "$sep" "$k" "$k"
		if [ -n "${HA_SYNC:-}" ] || { [ -n "${SHARED:-}" ] && [ "$k" != 1 ]; }; then
			printf '\t\t  mac = "%s"; }\n' "$(gw_mac "$k")"
		else
			printf '\t\t  mac = "%s"; egress-ip = "203.0.113.20%d"; }\n' "$(gw_mac "$k")" "$k"
		fi
		sep=", "
	done
	cat <<-EOF
		);
		policies = (
			{ name = "pods"; sources = [ "10.244.0.0/16" ];
			  destinations = [ "203.0.113.0/24" ];
			  gateway = [ $GWS ]; ${SHARED:-}$SYNC_EIP }
		);
	};
	EOF
}

# ha_entries COUNT MACFN TEXT: COUNT bgp entries, TEXT with @ for the
# entry's number, each with BFD and an overlay key (MAC from MACFN).
ha_entries() {
	local i sep=
	for i in $(seq "$1"); do
		printf '%s{ %s %s overlay = { vni = 7; mac = "%s"; }; }' \
			"$sep" "${3//@/$i}" "$BFD" "$("$2" "$i")"
		sep=", "
	done
}

# ha_conf NAME ADDR MAC IFACE BGP: NAME's config, BGP the bgp section's
# own settings.
ha_conf() {
	cat >"$T_DIR/$1.conf" <<-CONF
	router-id = "$2";
	pid-file = "$T_DIR/$1.pid";
	control = { socket = "$T_DIR/$1.sock"; };
	bgp = { asn = 65000; $5 };
	overlay = { local = "$2"; mac = "$3"; pin-dir = "$PIN-${1}o"; };
	$(egress_conf "$1" "$4")
	CONF
}

gw_conf() { # K
	local k=$1 pool=${HA_GW_POOL:-198.18.$1.0/24}
	if [ -n "${HA_UPSTREAM:-}" ]; then
		UP_LISTEN=", \"203.0.113.$k\""
		UP_NEIGHBORS="neighbors = ( { address = \"$HA_UP\"; asn = 65100;
		    hold-time = 9; connect-retry = 1; families = ( \"ipv4\" );
		    export = { pools = ( \"egress\" ); }; $BFD } );"
	fi
	ha_conf "gw$k" "192.0.2.$k" "$(gw_mac "$k")" out0 "
		listen = ( \"192.0.2.$k\"$UP_LISTEN );
		pools = ( { prefix = \"$pool\"; kind = \"loadbalancer\"; }$SYNC_POOL );
		$UP_NEIGHBORS
		listen-ranges = ( $(ha_entries "$HA_NNODE" node_mac \
		'prefix = "192.0.2.2@/32"; rr-client = true; next-hop = "self"; max = 1;') );"
}

node_conf() { # N
	local n=$1
	ha_conf "node$n" "192.0.2.2$n" "$(node_mac "$n")" eth0 "
		listen = ();
		pools = ( { prefix = \"10.244.$n.0/24\"; kind = \"pod\"; } );
		neighbors = ( $(ha_entries "$HA_NGW" gw_mac \
		'address = "192.0.2.@"; asn = 65000; connect-retry = 1;') );"
}

# ha_plug NS DEV PORT BRIDGE: DEV in NS, a veth to PORT on the switch's
# BRIDGE.
ha_plug() {
	ip -n "$NS_SW" -batch - <<-EOF || fail "link $2 of $1"
		link add $3 type veth peer name $2 netns $1
		link set $3 master $4 up
	EOF
}

# ha_setup: every namespace and link above (NS_SW, NS_SRV, NS_GWK,
# NS_NODEN, NS_PODN).
ha_setup() {
	local k n ns i
	ovl_netns NS_SW sw
	ovl_netns NS_SRV srv
	ip -n "$NS_SW" -batch - <<-EOF || fail "switch"
		link add under type bridge
		link set under up
		link add outer type bridge
		link set outer up
	EOF
	ha_plug "$NS_SRV" eth0 s0 outer
	ip -n "$NS_SRV" addr add 203.0.113.10/24 dev eth0
	ip -n "$NS_SRV" link set eth0 up
	for i in $(seq 11 "$HA_SRV_LAST"); do
		echo "addr add 203.0.113.$i/32 dev eth0"
	done | ip -n "$NS_SRV" -batch - || fail "server addresses"
	for k in $(seq "$HA_NGW"); do
		ovl_netns "NS_GW$k" "gw$k"
		ns=fy-$T_ID-gw$k
		ha_plug "$ns" u0 "u$k" under
		ha_plug "$ns" out0 "o$k" outer
		ip -n "$ns" -batch - <<-EOF || fail "gateway $k addresses"
			addr add 192.0.2.$k/24 dev u0
			link set u0 up
			addr add 203.0.113.$k/24 dev out0
			addr add 203.0.113.20$k/32 dev out0
			link set out0 up
		EOF
		ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1
	done
	for n in $(seq "$HA_NNODE"); do
		ovl_netns "NS_NODE$n" "node$n"
		ovl_netns "NS_POD$n" "pod$n"
		ns=fy-$T_ID-node$n
		ha_plug "$ns" eth0 "n$n" under
		ip -n "$ns" -batch - <<-EOF || fail "node $n addresses"
			addr add 192.0.2.2$n/24 dev eth0
			link set eth0 up
			link add pod0 type veth peer name eth0 netns fy-$T_ID-pod$n
			addr add 10.244.$n.1/24 dev pod0
			link set pod0 up
		EOF
		ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1
		ip -n "fy-$T_ID-pod$n" -batch - <<-EOF || fail "pod $n"
			addr add 10.244.$n.10/24 dev eth0
			link set eth0 up
			route add default via 10.244.$n.1
		EOF
	done
}

# ha_start: every ferryd (GWK_PID, NODEN_PID), then BFD up between every
# node and gateway, every gateway's tunnel to every node's pods, and
# every gateway up in every node's policy.
ha_start() {
	local k n want
	for k in $(seq "$HA_NGW"); do
		gw_conf "$k"
		ferryd_start "fy-$T_ID-gw$k" "gw$k"
		eval "GW${k}_PID=$FERRYD_PID"
	done
	for n in $(seq "$HA_NNODE"); do
		node_conf "$n"
		ferryd_start "fy-$T_ID-node$n" "node$n"
		eval "NODE${n}_PID=$FERRYD_PID"
	done
	want=$(seq -f gw%g -s , "$HA_NGW")
	for n in $(seq "$HA_NNODE"); do
		for k in $(seq "$HA_NGW"); do
			wait_for 20 ferry_bfd_up "node$n" "192.0.2.$k" ||
				fail "node$n: BFD to gw$k not up: $(ctl "node$n" show bfd)"
			wait_until 20 "test \"\$(jget \"\$(ctl gw$k --json show tunnels)\" '.result.tunnels[] | select(.prefix == \"10.244.$n.0/24\") | .endpoint')\" = 192.0.2.2$n" ||
				fail "gw$k has no tunnel to node$n's pods: $(ctl "gw$k" show tunnels)"
		done
		expect_eq "node$n: gateways up" \
			"$(jget "$(ctl "node$n" --json show egress gateways)" '[.result.gateways[] | select(.state == "up") | .name] | join(",")')" \
			"$want"
	done
}

# ha_bird_start: the upstream router of HA_UPSTREAM, BIRD "up" in srv:
# a session per gateway (protocols gw1 ...), BFD on each, the routes
# learned merged into multipath routes in the kernel; with
# fib_multipath_hash_policy 1 the server's connections (their replies)
# spread over the paths by their ports.  Sets UP_PID.
ha_bird_start() {
	local k
	ip netns exec "$NS_SRV" sysctl -qw net.ipv4.fib_multipath_hash_policy=1 ||
		fail "srv: fib_multipath_hash_policy"
	{
		cat <<-CONF
		router id $HA_UP;
		log "$T_DIR/up.bird.trace" all;
		timeformat log "%F %T.%3f";
		protocol device { }
		protocol kernel {
			ipv4 { import none; export where source = RTS_BGP; };
			merge paths on;
		}
		protocol bfd {
			interface "eth0" {
				min rx interval 100 ms;
				min tx interval 100 ms;
				idle tx interval 1000 ms;
				multiplier 3;
			};
		}
		template bgp ferry {
			local $HA_UP as 65100;
			hold time 9;
			error wait time 1, 4;
			connect retry time 1;
			bfd on;
			ipv4 { import all; export none; };
		}
		CONF
		for k in $(seq "$HA_NGW"); do
			echo "protocol bgp gw$k from ferry { neighbor 203.0.113.$k as 65000; }"
		done
	} >"$T_DIR/up.bird.conf"
	bird -p -c "$T_DIR/up.bird.conf" || fail "BIRD's config: $(bird -p -c "$T_DIR/up.bird.conf" 2>&1)"
	bird_start "$NS_SRV" up
	UP_PID=$BIRD_PID
}

# ha_paths: the gateways (203.0.113.K) of srv's kernel route to HA_EIP,
# sorted, one a line; the route's multipath next hops or its one via.
ha_paths() {
	ip -n "$NS_SRV" route show "$HA_EIP/32" |
		grep -o 'via 203\.0\.113\.[0-9]*' |
		awk '{ print $2 }' | sort
}

# ha_bird_up K...: wait until BIRD's sessions to gateways K... are
# Established with BFD Up and the kernel route to HA_EIP has exactly
# their paths.
ha_bird_up() {
	local k want
	for k in "$@"; do
		wait_for 30 bird_established up "gw$k" ||
			fail "BIRD: no session to gw$k: $(birdc_q up show protocols)"
		wait_until 10 "birdc_q up show bfd sessions | grep -E '^203\.0\.113\.$k ' | grep -q ' Up '" ||
			fail "BIRD: BFD to gw$k not Up: $(birdc_q up show bfd sessions)"
	done
	want=$(printf '203.0.113.%s\n' "$@" | sort)
	wait_until 10 'test "$(ha_paths)" = "$want"' ||
		fail "srv: paths to $HA_EIP: $(ha_paths | tr '\n' ' '), want $(echo $want); $(ip -n "$NS_SRV" route show "$HA_EIP/32")"
}

# --- the outside, and the connections through it --------------------------

HA_CONNS="$(dirname "${BASH_SOURCE[0]}")/egress_conns.py"
HA_PORT=5311

# ha_outside: a stateful firewall in front of the server, as most are (a
# TCP segment that is neither part of a connection nor a SYN is dropped,
# not answered with an RST by the server's stack, so a connection picked
# up mid-stream with a new translation would hang), and the nodes' route
# to the outside: through eth0, where egr_out steers every packet of the
# policy to a gateway, via a placeholder next hop with a fixed neighbour
# entry, so that no gateway's death can stop the kernel from getting
# there.
ha_outside() {
	local n
	ip netns exec "$NS_SRV" nft -f - <<-EOF || fail "nft"
		table inet fw {
			chain in {
				type filter hook input priority 0;
				ct state new tcp flags & (syn | rst) == 0 drop
			}
		}
	EOF
	for n in $(seq "$HA_NNODE"); do
		ip -n "fy-$T_ID-node$n" -batch - <<-EOF || fail "node $n route"
			neigh add 192.0.2.254 lladdr 02:fe:ff:ff:ff:fe dev eth0 nud permanent
			route add 203.0.113.0/24 via 192.0.2.254
		EOF
	done
}

# ha_serve MODE SECONDS: egress_conns.py MODE (server or sink) on the
# server, ready, output in $T_DIR/MODE.out.
ha_serve() {
	ip netns exec "$NS_SRV" timeout $(($2 + 10)) python3 "$HA_CONNS" "$1" \
		0.0.0.0 "$HA_PORT" "$2" >"$T_DIR/$1.out" 2>&1 &
	track_pid $!
	wait_until 5 "grep -q ready '$T_DIR/$1.out'" || fail "$1 did not start"
}

# ha_clients TAG FIRST COUNT SECONDS: COUNT connections from each pod to
# 203.0.113.FIRST and up, in the background, output in TAG-N.out; returns
# when all are up.
ha_clients() {
	local n k
	for n in $(seq "$HA_NNODE"); do
		ip netns exec "fy-$T_ID-pod$n" timeout $(($4 + 20)) python3 "$HA_CONNS" \
			client "10.244.$n.10" 203.0.113 "$2" "$3" "$HA_PORT" "$4" \
			>"$T_DIR/$1-$n.out" 2>&1 &
		track_pid $!
	done
	for n in $(seq "$HA_NNODE"); do
		wait_until 20 "grep -q '^ready' '$T_DIR/$1-$n.out'" ||
			fail "pod$n: connections not up: $(tail -3 "$T_DIR/$1-$n.out")
			$(for k in $(seq "$HA_NGW"); do echo "gw$k:"; ctl "gw$k" --json show egress gateways | jq -c .result.sync; ctl "gw$k" show egress | grep -vE ' 0 +0$' | tail -25; done)"
	done
}

# ha_events TAG WHAT: the WHAT lines ("N I T") of TAG's clients.
ha_events() {
	local n
	for n in $(seq "$HA_NNODE"); do
		awk -v w="$2" -v n="$n" '$1 == w { print n, $2, $3 }' "$T_DIR/$1-$n.out"
	done
}

# ha_policy_on G: the nodes' policy on gw1 .. gwG (reloaded).
ha_policy_on() {
	local n
	GWS=$(for k in $(seq "$1"); do printf '"gw%d", ' "$k"; done)
	GWS=${GWS%, }
	for n in $(seq "$HA_NNODE"); do
		node_conf "$n"
		ctl "node$n" reload >/dev/null || fail "node$n: reload"
		wait_until 10 "test \"\$(jget \"\$(ctl node$n --json show egress)\" '.result.policies[0].gateways | length')\" = $1" ||
			fail "node$n: the policy does not list $1 gateways"
	done
}

# ha_bulk TAG FIRST: TCP as fast as it goes from every pod, 12 streams
# each to 12 remotes from 203.0.113.FIRST on (pod N's from FIRST +
# 12 (N - 1)), 4 s, into the sink (ha_serve sink); prints the Mbit/s.
# Pairs used before keep their pins, and so their gateway: a round with
# a gateway more needs remotes not used yet to give it its share.
ha_bulk() {
	local n pids=
	for n in $(seq "$HA_NNODE"); do
		ip netns exec "fy-$T_ID-pod$n" timeout 30 python3 "$HA_CONNS" bulk \
			"10.244.$n.10" 203.0.113 $(($2 + 12 * (n - 1))) 12 "$HA_PORT" 4 \
			>"$T_DIR/bulk$1-$n.out" 2>&1 &
		pids="$pids $!"
	done
	for n in $pids; do
		wait "$n" || fail "bulk transfer $1: $(cat "$T_DIR/bulk$1"-*.out)"
	done
	cat "$T_DIR/bulk$1"-*.out | awk '$1 == "bytes" { b += $2; if ($3 > t) t = $3 }
		END { printf "%d", b * 8 / t / 1e6 }'
}

# ha_txmb K: the MB gwK has sent out of out0 so far.
ha_txmb() {
	echo $(($(ip -n "fy-$T_ID-gw$1" -s -j link show out0 | jq '.[0].stats64.tx.bytes') / 1000000))
}

# ha_shape M: every gateway's uplink (out0) shaped to M Mbit/s, standing
# for a gateway's own capacity, which one machine cannot give each.
ha_shape() {
	local k
	for k in $(seq "$HA_NGW"); do
		tc -n "fy-$T_ID-gw$k" qdisc add dev out0 root tbf \
			rate "${1}mbit" burst 256kb latency 20ms || fail "gw$k: tbf"
	done
}
