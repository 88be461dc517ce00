#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# test_overlay_bgp_gr.sh with the nodes as dynamic neighbors of the
# gateway (a listen range): the restarted gateway defers its output until
# the nodes its restart state file lists are back and have sent
# End-of-RIB, so no node sees a reflected route go.
OVL_GR_RANGE=1
. "$(dirname "$0")/test_overlay_bgp_gr.sh"
