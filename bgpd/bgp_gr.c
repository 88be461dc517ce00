/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Graceful restart, pure (see bgp_gr.h): the capability we send, the
 * negotiation, RFC 8538's rules for NOTIFICATIONs, and the helper state
 * machine of one peer.
 *
 * RFC 4724 4.2, receiving speaker: "When the Receiving Speaker detects
 * termination of the TCP session for a BGP session with a peer that has
 * advertised the Graceful Restart Capability, it MUST retain the routes
 * received from the peer for all the address families that were
 * previously received in the Graceful Restart Capability and MUST mark
 * them as stale routing information."  Our implementation also counts
 * an expired hold timer as such a termination (it is how a dead peer is
 * detected), keeps nothing when the peer's restart time is 0, and with
 * the N bit of RFC 8538 treats every NOTIFICATION but a Hard Reset like
 * a lost connection (RFC 8538 4).
 */
#include <string.h>

#include "bgp_gr.h"

/* Cease subcode 10, BFD Down (RFC 9384). */
#define BGP_GR_CEASE_BFD_DOWN 10

static const char *const state_names[] = {
	[BGP_GRS_IDLE] = "idle",
	[BGP_GRS_RESTARTING] = "restarting",
	[BGP_GRS_WAIT_EOR] = "wait-eor",
};

const char *
bgp_gr_state_name(enum bgp_gr_state s)
{
	return (unsigned)s < sizeof(state_names) / sizeof(state_names[0])
	    ? state_names[s]
	    : "?";
}

static uint8_t
fam_of_af(int af)
{
	return af == BGP_AF_IPV4_UNICAST ? BGP_FAM_IPV4 : BGP_FAM_IPV6;
}

/*
 * RFC 4724 3: Restart Flags (R, and RFC 8538's N), Restart Time, then
 * one (AFI, SAFI, Flags) tuple per family whose routes the peer should
 * keep for us, with F set when we kept our forwarding state for it.
 */
void
bgp_gr_caps(const struct bgp_gr_conf *gr, uint8_t families, bool restarting,
    uint8_t forwarding, struct bgp_caps *caps)
{
	int af;

	if (!gr->enabled)
		return;
	caps->seen |= BGP_CAPF_GR;
	caps->gr_flags = (restarting ? BGP_GR_RESTARTING : 0) |
	    (gr->notification ? BGP_GR_NOTIFICATION : 0);
	caps->gr_time = gr->restart_time & 0x0fff;
	caps->gr_af = 0;
	for (af = 0; af < BGP_AF_COUNT; af++) {
		caps->gr_af_flags[af] = 0;
		if (!(families & fam_of_af(af)))
			continue;
		caps->gr_af |= (uint8_t)(1 << af);
		if (forwarding & fam_of_af(af))
			caps->gr_af_flags[af] = BGP_GR_AF_FORWARDING;
	}
}

void
bgp_gr_negotiate(const struct bgp_gr_conf *gr, const struct bgp_caps *theirs,
    uint8_t families, struct bgp_gr_neg *neg)
{
	int af;

	memset(neg, 0, sizeof(*neg));
	if (!gr->enabled || !(theirs->seen & BGP_CAPF_GR))
		return;
	neg->on = true;
	/* RFC 8538 2: the N bit counts only when both sides set it. */
	neg->notification =
	    gr->notification && (theirs->gr_flags & BGP_GR_NOTIFICATION);
	neg->peer_restarting = (theirs->gr_flags & BGP_GR_RESTARTING) != 0;
	neg->restart_time = theirs->gr_time;
	for (af = 0; af < BGP_AF_COUNT; af++) {
		uint8_t f = fam_of_af(af);

		if (!(theirs->gr_af & (1 << af)) || !(families & f))
			continue;
		neg->families |= f;
		if (theirs->gr_af_flags[af] & BGP_GR_AF_FORWARDING)
			neg->forwarding |= f;
	}
}

bool
bgp_gr_down_graceful(const struct bgp_gr_neg *neg, enum bgp_gr_cause cause,
    uint8_t code, uint8_t sub)
{
	if (!neg->on)
		return false;
	switch (cause) {
	case BGP_GR_CAUSE_TCP:
	case BGP_GR_CAUSE_HOLD:
		return true;
	case BGP_GR_CAUSE_NOTIF_SENT:
	case BGP_GR_CAUSE_NOTIF_RCVD:
		/* RFC 8538 4: a Hard Reset is never graceful.  Nor, our
		 * choice, is BFD Down (RFC 9384): BFD found the forwarding
		 * path dead, and keeping routes over it is what BFD is
		 * there to prevent. */
		return neg->notification &&
		    !(code == BGP_ERR_CEASE &&
			(sub == BGP_ERR_CEASE_HARD_RESET ||
			    sub == BGP_GR_CEASE_BFD_DOWN));
	case BGP_GR_CAUSE_FLUSH:
		break;
	}
	return false;
}

/*
 * RFC 8538 5 suggests Hard Reset for Maximum Number of Prefixes Reached,
 * Administrative Shutdown and Peer De-configured, and leaves
 * Administrative Reset to the user: ours ("ferryctl bgp reset") flushes,
 * since an operator who resets a session wants the peer's table anew.
 */
bool
bgp_gr_hard_reset(const struct bgp_gr_neg *neg, uint8_t code, uint8_t sub)
{
	if (!neg->on || !neg->notification || code != BGP_ERR_CEASE)
		return false;
	switch (sub) {
	case BGP_ERR_CEASE_MAX_PREFIX:
	case BGP_ERR_CEASE_ADMIN_SHUTDOWN:
	case BGP_ERR_CEASE_PEER_DECONF:
	case BGP_ERR_CEASE_ADMIN_RESET:
		return true;
	default:
		return false;
	}
}

static void
result_clear(struct bgp_gr_result *r)
{
	memset(r, 0, sizeof(*r));
}

/* Everything stale goes; back to IDLE. */
static void
gr_flush_all(
    struct bgp_gr *gr, struct bgp_gr_result *r, enum bgp_gr_timer_op timer)
{
	r->flush |= gr->stale;
	gr->stale = 0;
	gr->state = BGP_GRS_IDLE;
	r->timer = timer;
}

void
bgp_gr_down(
    struct bgp_gr *gr, bool graceful, uint8_t families, struct bgp_gr_result *r)
{
	uint8_t keep;

	result_clear(r);
	gr->eor = 0;
	keep = graceful && gr->neg.restart_time > 0
	    ? (uint8_t)(gr->neg.families & families)
	    : 0;
	if (keep == 0) {
		gr_flush_all(gr, r, BGP_GR_TIMER_STOP);
		return;
	}
	/* Stale routes of a family the new session did not keep go. */
	r->flush = gr->stale & (uint8_t)~keep;
	r->keep = keep;
	gr->stale = keep;
	gr->state = BGP_GRS_RESTARTING;
	/* RFC 4724 4.2: "the Restart Time received ... in the last OPEN". */
	r->timer = BGP_GR_TIMER_START;
	r->secs = gr->neg.restart_time;
}

/*
 * RFC 4724 4.2: "If the Forwarding State bit is not set for a specific
 * address family in the newly received Graceful Restart Capability, or
 * if a specific address family is not included ..., or if the Graceful
 * Restart Capability is not received in the re-established session at
 * all, then the Receiving Speaker MUST immediately remove all the stale
 * routes from the peer that it is retaining for that address family."
 */
void
bgp_gr_up(struct bgp_gr *gr, const struct bgp_gr_neg *neg, unsigned stale_time,
    struct bgp_gr_result *r)
{
	uint8_t keep;

	result_clear(r);
	gr->neg = *neg;
	gr->eor = 0;
	if (gr->state == BGP_GRS_IDLE)
		return;
	keep = neg->on ? (uint8_t)(neg->families & neg->forwarding) : 0;
	r->flush = gr->stale & (uint8_t)~keep;
	gr->stale &= keep;
	if (gr->stale == 0) {
		gr->state = BGP_GRS_IDLE;
		r->timer = BGP_GR_TIMER_STOP;
		return;
	}
	gr->state = BGP_GRS_WAIT_EOR;
	r->timer = BGP_GR_TIMER_START;
	r->secs = stale_time;
}

/*
 * RFC 4724 4.2: "Once the End-of-RIB marker for an address family is
 * received from the peer, it MUST immediately remove any routes from the
 * peer that are still marked as stale for that address family."
 */
void
bgp_gr_eor(struct bgp_gr *gr, uint8_t family, struct bgp_gr_result *r)
{
	result_clear(r);
	gr->eor |= family;
	if (gr->state != BGP_GRS_WAIT_EOR || !(gr->stale & family))
		return;
	r->flush = family;
	gr->stale &= (uint8_t)~family;
	if (gr->stale == 0) {
		gr->state = BGP_GRS_IDLE;
		r->timer = BGP_GR_TIMER_STOP;
	}
}

void
bgp_gr_timer(struct bgp_gr *gr, struct bgp_gr_result *r)
{
	result_clear(r);
	gr_flush_all(gr, r, BGP_GR_TIMER_NONE);
}

void
bgp_gr_reset(struct bgp_gr *gr, struct bgp_gr_result *r)
{
	result_clear(r);
	gr_flush_all(gr, r, BGP_GR_TIMER_STOP);
	memset(&gr->neg, 0, sizeof(gr->neg));
	gr->eor = 0;
}

bool
bgp_gr_peer_synced(const struct bgp_gr *gr, uint8_t families)
{
	/* A peer that restarts too waits for us (RFC 4724 4.1). */
	return !gr->neg.on || gr->neg.peer_restarting ||
	    (gr->eor & families) == families;
}

bool
bgp_gr_peer_eor_done(const struct bgp_gr *gr, uint8_t families)
{
	return !gr->neg.on || (gr->eor & families) == families;
}
