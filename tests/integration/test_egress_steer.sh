#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Steering on the node (egress_lib.sh with EG_STEER=1): the gateway does
# not announce the outside to the node, whose default route is the
# underlay, so pod traffic to the outside leaves through eth0, where the
# node's egr_out sends what the policy selects into the overlay to the
# gateway unmodified; the gateway SNATs it to the egress IP.  The server
# must see the egress IP for the steered datagrams and the pod's own
# address for an unselected pod's (which the node routes out directly).
#
# The replies come back through the tunnel from the gateway with the
# server's address as source: the node's overlay accepts them because the
# egress module registered the policy's destinations as sources from the
# gateway (an acceptance, not a tunnel: the node still has no route to
# the outside through the overlay).  A UDP exchange and a ping must
# complete through the steering.
. "$(dirname "$0")/lib.sh"
EG_STEER=1
. "$(dirname "$0")/egress_lib.sh"
need_root
need_cmd jq python3 timeout

eg_start_steer
[ -z "$(eg_tunnel node 203.0.113.0/24 endpoint)" ] ||
	fail "the node has a tunnel to the outside: nothing to steer"

sent_from() { # SRC: send datagrams from SRC; print the source the server saw
	ip netns exec "$NS_SRV" timeout 10 python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("'"$EG_SRV"'", 5401))
print("ready", flush=True)
b, a = s.recvfrom(100)
print(a[0], flush=True)
' >"$T_DIR/seen" &
	local pid=$!
	wait_until 5 'grep -q ready "$T_DIR/seen"' || fail "server did not start"
	ip netns exec "$NS_POD" python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("'"$1"'", 0))
for _ in range(20):
    s.sendto(b"x", ("'"$EG_SRV"'", 5401))
    time.sleep(0.1)
'
	wait "$pid"
	tail -1 "$T_DIR/seen"
}
steered() { jget "$(ctl node --json show egress)" .result.counters.steered.packets; }
before=$(steered)
expect_eq "steered datagrams' source at the server" "$(sent_from "$EG_POD")" "$EG_IP"
[ "$(steered)" -gt "$before" ] || fail "node counted nothing steered: $(ctl node show egress)"
[ "$(jget "$(ctl gw --json show egress)" .result.counters.snat.packets)" -ge 1 ] ||
	fail "gateway translated nothing: $(eg_diag)"

# The way back: the overlay accepts the outside from the gateway.
expect_eq "acceptance of the outside from the gateway" \
	"$(jget "$(ctl node --json show tunnels)" \
		'.result."accepted-sources"[] | select(.prefix == "203.0.113.0/24") | .endpoint')" \
	"$EG_GW"
ctl node show tunnels | grep -q '^203.0.113.0/24 .* egress .* pod10 ' ||
	fail "show tunnels lists no acceptance: $(ctl node show tunnels)"
[ -z "$(eg_tunnel node 203.0.113.0/24 endpoint)" ] ||
	fail "the acceptance made a tunnel to the outside"
ip -n "$NS_NODE" route get "$EG_SRV" | grep -q "dev eth0" ||
	fail "the node no longer routes the outside itself: $(ip -n "$NS_NODE" route get "$EG_SRV")"
before=$(steered)
peer=$(eg_xfer udp "$EG_POD" "$EG_SRV" 1000 20) ||
	fail "UDP echo through the steering failed: $peer $(eg_diag)"
expect_eq "UDP source seen by the server" "$peer" "peer $EG_IP"
[ "$(steered)" -gt "$before" ] || fail "the UDP exchange was not steered"
before=$(steered)
ip netns exec "$NS_POD" ping -c 3 -i 0.2 -W 2 -I "$EG_POD" "$EG_SRV" >/dev/null ||
	fail "ping through the steering failed: $(eg_diag)"
[ "$(steered)" -gt "$before" ] || fail "the ping was not steered"

before=$(steered)
expect_eq "unselected pod's source at the server" "$(sent_from "$EG_POD2")" "$EG_POD2"
expect_eq "steered by the unselected pod's traffic" "$(steered)" "$before"
exit 0
