#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# test_overlay_bgp on an IPv6-only underlay: the node agents announce
# their IPv4 PodCIDRs over IPv6 sessions with extended next hops (RFC
# 8950), so each PodCIDR's next hop, and tunnel endpoint, is the node's
# IPv6 underlay address, and the IPv4 pods reach each other through the
# gateway's IPv6 tunnels.  No IPv4 address exists on the underlay.
OVL_BGP_UNDERLAY=6
. "$(dirname "$0")/test_overlay_bgp.sh"
