#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Egress high availability with one egress IP shared by three gateways
# and their NAT state synchronised (egress.ha.sync): test_egress_ha.sh's
# topology and failure, where gw2's connections now go on through the
# survivors instead of being reset.  See EGHA_SYNC there.
EGHA_SYNC=1 T_NAME=test_egress_sync exec bash "$(dirname "$0")/test_egress_ha.sh" "$@"
