/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Graceful restart (RFC 4724) with the N bit of RFC 8538, as pure
 * functions: what our OPEN says, what a session negotiated, whether the
 * way it ended is graceful, and the per-peer state machine of the
 * receiving speaker (the helper).  No sockets, clocks or RIB here: the
 * session layer (bgp_peer.c) runs the timers and applies the results to
 * the RIB, and the unit tests drive every transition with plain structs.
 *
 * Helper states of one peer:
 *
 *	IDLE ── session down, graceful, some family kept ──► RESTARTING
 *	RESTARTING ── restart timer ──► IDLE (flush the stale routes)
 *	RESTARTING ── session up ──► WAIT_EOR (families the new OPEN keeps
 *	              with the F bit; the others flushed at once) or IDLE
 *	WAIT_EOR ── End-of-RIB of a family ──► flush that family's stale
 *	            routes; IDLE when none is left
 *	WAIT_EOR ── stale timer ──► IDLE (flush the rest)
 *	WAIT_EOR ── session down, graceful ──► RESTARTING (what the new
 *	            session sent is stale too)
 *
 * Any non-graceful end flushes everything and leaves the machine IDLE.
 */
#ifndef FERRY_BGP_GR_H
#define FERRY_BGP_GR_H

#include <stdbool.h>
#include <stdint.h>

#include "bgp_conf.h"
#include "bgp_msg.h"

/* What one session negotiated (from both OPENs). */
struct bgp_gr_neg {
	bool on;	       /* both sides sent the capability */
	bool notification;     /* RFC 8538: both set the N bit */
	bool peer_restarting;  /* the R bit in the peer's OPEN */
	uint16_t restart_time; /* the peer's, seconds */
	uint8_t families;      /* BGP_FAM_* the peer keeps across restart */
	uint8_t forwarding;    /* ...of those, with the F bit */
};

enum bgp_gr_state {
	BGP_GRS_IDLE = 0,
	BGP_GRS_RESTARTING, /* peer down, its routes stale, restart timer */
	BGP_GRS_WAIT_EOR,   /* peer back, stale until End-of-RIB or timer */
};

enum bgp_gr_timer_op {
	BGP_GR_TIMER_NONE = 0, /* leave it as it is */
	BGP_GR_TIMER_START,    /* (re)start it for secs */
	BGP_GR_TIMER_STOP,
};

struct bgp_gr {
	enum bgp_gr_state state;
	struct bgp_gr_neg neg; /* of the current or last session */
	uint8_t stale;	       /* BGP_FAM_* with stale routes */
	uint8_t eor;	       /* BGP_FAM_* whose End-of-RIB came */
};

/* What the session must do after an event, in this order. */
struct bgp_gr_result {
	uint8_t flush; /* BGP_FAM_*: remove these families' stale routes */
	uint8_t keep;  /* BGP_FAM_*: session down, mark these stale */
	enum bgp_gr_timer_op timer;
	unsigned secs;
};

/* How a session ended (for bgp_gr_down_graceful). */
enum bgp_gr_cause {
	BGP_GR_CAUSE_TCP = 0,	 /* connection lost, no NOTIFICATION */
	BGP_GR_CAUSE_HOLD,	 /* hold timer expired */
	BGP_GR_CAUSE_NOTIF_SENT, /* we sent code/subcode */
	BGP_GR_CAUSE_NOTIF_RCVD, /* we received code/subcode */
	BGP_GR_CAUSE_FLUSH,	 /* local decision to flush (deconfigured) */
};

const char *bgp_gr_state_name(enum bgp_gr_state);

/*
 * Our capability (RFC 4724 3) for a neighbor with settings gr over the
 * families (BGP_FAM_*) of the session: restarting sets the R bit, and
 * forwarding (BGP_FAM_*) the F bit of the families whose forwarding
 * state we kept across our own restart.  Nothing when gr is disabled.
 */
void bgp_gr_caps(const struct bgp_gr_conf *, uint8_t families, bool restarting,
    uint8_t forwarding, struct bgp_caps *);
/* What the session negotiated: ours (our settings) and the peer's caps. */
void bgp_gr_negotiate(const struct bgp_gr_conf *, const struct bgp_caps *,
    uint8_t families, struct bgp_gr_neg *);
/*
 * RFC 4724 4.2 and RFC 8538 4: is a session that ended this way kept
 * gracefully?  A lost connection or an expired hold timer is; a
 * NOTIFICATION either way only with the N bit, and never a Hard Reset
 * (Cease 9) or a BFD Down (Cease 10).
 */
bool bgp_gr_down_graceful(
    const struct bgp_gr_neg *, enum bgp_gr_cause, uint8_t code, uint8_t sub);
/*
 * RFC 8538 5: with the N bit, the Cease subcodes that flush (maximum
 * prefixes, administrative shutdown, peer de-configured, and our choice
 * for administrative reset) go out as a Hard Reset.
 */
bool bgp_gr_hard_reset(const struct bgp_gr_neg *, uint8_t code, uint8_t sub);

/* Events of the helper machine. */
void bgp_gr_down(
    struct bgp_gr *, bool graceful, uint8_t families, struct bgp_gr_result *);
void bgp_gr_up(struct bgp_gr *, const struct bgp_gr_neg *, unsigned stale_time,
    struct bgp_gr_result *);
void bgp_gr_eor(struct bgp_gr *, uint8_t family, struct bgp_gr_result *);
void bgp_gr_timer(struct bgp_gr *, struct bgp_gr_result *);
/* Forget everything (peer removed): every stale family to flush. */
void bgp_gr_reset(struct bgp_gr *, struct bgp_gr_result *);

/*
 * Selection deferral (RFC 4724 4.1) as seen from one peer: has it told
 * us all it has?  True when the session did not negotiate GR, when the
 * peer restarts too (its R bit: it waits for us), or when its
 * End-of-RIB came for every family of the session.
 */
bool bgp_gr_peer_synced(const struct bgp_gr *, uint8_t families);
/*
 * Has a graceful restart peer sent its whole table (End-of-RIB for every
 * family)?  Unlike bgp_gr_peer_synced, a peer restarting too counts: our
 * kept forwarding state waits for its routes before it is swept.
 */
bool bgp_gr_peer_eor_done(const struct bgp_gr *, uint8_t families);

#endif
