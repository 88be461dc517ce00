/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Connection tracking state for the egress NAT: the TCP state a packet
 * moves a connection to.  Pure functions of (state, flags, direction), so
 * they are shared by the programs and the fuzz target.
 *
 * We follow TCP only as far as the timeouts need (RFC 5382 section 5:
 * an established connection must be kept for at least 2 hours 4 minutes,
 * a transitory one for at least 4 minutes): a SYN from the pod opens
 * (SYN_SENT), the remote's SYN+ACK establishes, a FIN in either direction
 * starts closing, an RST closes.  A new SYN from the pod on a closing or
 * closed connection reopens it with the same translation (the endpoints
 * decide whether a new SYN during TIME_WAIT is acceptable).  A
 * connection first seen mid-stream (no SYN: a flow that was established
 * before a policy sent it here) is taken as established.  Sequence numbers are not tracked; the endpoints check
 * them.  The timeouts themselves are applied by egress_nat_gc().
 */
#ifndef FERRY_BPF_LIB_EGR_CT_H
#define FERRY_BPF_LIB_EGR_CT_H

#include <linux/types.h>

#include "egress.h"
#include "egr_pkt.h"

/* The state of a new connection opened by a packet with these flags. */
static __always_inline __u8
egr_ct_tcp_new(__u8 flags)
{
	if (flags & EGR_TH_RST)
		return EGR_TCP_CLOSED;
	if (flags & EGR_TH_FIN)
		return EGR_TCP_FIN;
	if ((flags & (EGR_TH_SYN | EGR_TH_ACK)) == EGR_TH_SYN)
		return EGR_TCP_SYN_SENT;
	return EGR_TCP_ESTABLISHED;
}

/* The state after a packet with flags in direction dir (enum egr_dir). */
static __always_inline __u8
egr_ct_tcp_next(__u8 state, __u8 flags, int dir)
{
	if (flags & EGR_TH_RST)
		return EGR_TCP_CLOSED;
	if (flags & EGR_TH_FIN)
		return state == EGR_TCP_CLOSED ? state : EGR_TCP_FIN;
	if (flags & EGR_TH_SYN) {
		if (dir == EGR_DIR_OUT && !(flags & EGR_TH_ACK) &&
		    (state == EGR_TCP_FIN || state == EGR_TCP_CLOSED))
			return EGR_TCP_SYN_SENT;
		if (dir == EGR_DIR_IN && (flags & EGR_TH_ACK) &&
		    state == EGR_TCP_SYN_SENT)
			return EGR_TCP_ESTABLISHED;
	}
	return state;
}

/* Does a packet with these flags change TCP state at all? */
static __always_inline int
egr_ct_tcp_interesting(__u8 flags)
{
	return (flags & (EGR_TH_SYN | EGR_TH_FIN | EGR_TH_RST)) != 0;
}

#endif /* FERRY_BPF_LIB_EGR_CT_H */
