/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The RIB: interned attribute sets, every path received from every peer,
 * the decision process, import and export policy, and UPDATE generation.
 * Pure: no sockets, no clocks, no logging of protocol events (it returns
 * results; bgp_peer.c and bgpd.c act on them).  Implemented in
 * bgp_rib.c (tables, interning), bgp_decide.c (RFC 4271 9.1), bgp_policy.c
 * (import/export, RFC 1997 well-known communities, RFC 4456 reflection,
 * RFC 8212) and bgp_out.c (Adj-RIB-Out and packing).
 *
 * Flow.  The session hands each decoded UPDATE to rib_peer_input.  Paths
 * are stored per (prefix, peer) with an interned attribute set, rejected
 * ones too (flagged), so that an import policy change re-evaluates them
 * without a refresh.  When the best path(s) of a prefix change, the prefix
 * is queued on every up peer and best_changed tells bgpd (FIB, overlay).
 * The session pulls UPDATEs with rib_peer_output when its socket can take
 * them: output is generated lazily, many prefixes per message, grouped by
 * outgoing attribute set, so a slow peer costs a queue of prefix
 * pointers, not a queue of messages.
 *
 * Scale target: 1M IPv4 prefixes from one peer to another faster and in
 * less memory than BIRD 2 (about 1.9 s and 94 MB on a 2-vCPU VM).
 */
#ifndef FERRY_BGP_RIB_H
#define FERRY_BGP_RIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bgp_conf.h"
#include "bgp_update.h"
#include "buf.h"
#include "prefix.h"

struct rib;
struct rib_peer;

/* What a session negotiated; given to the RIB when the peer comes up. */
struct rib_peer_info {
	uint32_t asn;	  /* remote AS (4-octet) */
	uint32_t bgp_id;  /* remote BGP identifier, host order */
	struct addr addr; /* remote address */
	bool ibgp;
	bool as4;	       /* 4-octet AS capability both ways */
	uint8_t families;      /* BGP_FAM_* negotiated */
	bool refresh;	       /* route refresh (RFC 2918) */
	bool enhanced_refresh; /* RFC 7313 */
	bool ext_nh;	       /* RFC 8950: IPv6 next hops for IPv4 */
	/* Our addresses on this session, for next-hop-self (RFC 2545:
	 * IPv6 global plus link-local when directly connected). */
	struct addr local4;
	struct addr local6;
	struct addr local6_ll;
};

/* A next hop of a best path, for the FIB and the overlay. */
struct rib_nexthop {
	struct addr gw;	  /* BGP next hop */
	struct addr peer; /* learned from */
	uint32_t peer_asn;
	bool ibgp;
};

struct rib_hooks {
	/* A peer has output pending: the session should poll for write. */
	void (*output_ready)(void *ctx, struct rib_peer *);
	/*
	 * The best path(s) of a learned prefix changed: n next hops (more
	 * than one with ECMP), or n == 0 when the prefix is gone.  Locally
	 * originated prefixes (pools) are not reported.
	 */
	void (*best_changed)(void *ctx, const struct prefix *,
	    const struct rib_nexthop *, size_t n);
	/*
	 * A learned path that passed import came (gone false) or went
	 * (gone true): every path, best or not, stale ones included until
	 * the RIB removes them.  A path whose next hop changed is reported
	 * as the new one first, then the old one gone.  Not called once
	 * the RIB is dying (rib_shutdown).
	 */
	void (*path_changed)(void *ctx, const struct prefix *,
	    const struct rib_nexthop *, bool gone);
};

struct rib_peer_stats {
	uint64_t received;   /* prefixes held from the peer */
	uint64_t accepted;   /* of those, passed import policy */
	uint64_t advertised; /* prefixes in its Adj-RIB-Out */
	uint64_t stale;	     /* of received, kept stale (graceful restart) */
	bool max_prefix_hit;
};

enum rib_input_result {
	RIB_INPUT_OK = 0,
	RIB_INPUT_MAX_PREFIX, /* limit crossed, action reset: send 6/1 */
};

struct rib *rib_new(
    const struct bgp_conf *, const struct rib_hooks *, void *ctx);
void rib_free(struct rib *);
/*
 * The daemon exits and leaves its routes in place: from now on peers
 * going down withdraw nothing (no decisions, no hooks) and rib_free
 * follows.  Saves a walk of the table per peer at exit.
 */
void rib_shutdown(struct rib *);
/*
 * A new config: pools announced, withdrawn or changed, ECMP, router id.
 * The conf must stay valid until the next rib_configure or rib_free.
 */
void rib_configure(struct rib *, const struct bgp_conf *);

/* owner is returned by rib_peer_owner (the session's peer object). */
struct rib_peer *rib_peer_new(
    struct rib *, const struct bgp_neighbor *, void *owner);
void *rib_peer_owner(const struct rib_peer *);
/* New policy for a peer: re-evaluates imports and exports in place. */
void rib_peer_reconf(struct rib_peer *, const struct bgp_neighbor *);
/* Report again (best_changed) every prefix whose installed next hops
 * include this peer: what the hook does with them changed (a neighbor
 * became, or stopped being, an overlay peer). */
void rib_peer_refib(struct rib_peer *);
/* The session reached Established: the whole table is queued, then EoR. */
void rib_peer_up(struct rib_peer *, const struct rib_peer_info *);
/*
 * Hold the pools of kind egress back from the peer, or advertise them
 * again (queued at once if the session is up).  Set before rib_peer_up
 * for each session: a held peer gets the table and End-of-RIB without
 * them (ferryd_egress_gate).
 */
void rib_peer_hold_egress(struct rib_peer *, bool hold);
bool rib_peer_egress_held(const struct rib_peer *);
/* The session went down: its paths are withdrawn, its output dropped. */
void rib_peer_down(struct rib_peer *);
/*
 * Graceful restart (RFC 4724 4.2): the session went down and the paths
 * of the families in keep (BGP_FAM_*) stay, marked stale, still used and
 * still advertised; the others are withdrawn.  A path the peer sends
 * again is no longer stale.
 */
void rib_peer_down_keep(struct rib_peer *, uint8_t keep);
/* Withdraw the peer's stale paths of families (BGP_FAM_*); returns how
 * many went. */
size_t rib_peer_stale_flush(struct rib_peer *, uint8_t families);
void rib_peer_free(struct rib_peer *);

enum rib_input_result rib_peer_input(
    struct rib_peer *, const struct bgp_update *);
/*
 * For an UPDATE decoded with BGP_ACT_TREAT_AS_WITHDRAW (RFC 7606 2):
 * every prefix it carries, announced or not, is withdrawn.
 */
enum rib_input_result rib_peer_input_withdraw(
    struct rib_peer *, const struct bgp_update *);
/* The peer asked for a route refresh of afi/safi: queue everything again
 * (framed by BoRR/EoRR when enhanced refresh was negotiated). */
void rib_peer_refresh(struct rib_peer *, uint16_t afi, uint8_t safi);
/*
 * Append UPDATE messages for pending changes to out until it holds at
 * least budget bytes or nothing is pending.  Returns true while more
 * output is pending.
 *
 * Output goes in rounds: a round takes up to 256k queued prefixes at
 * once and packs them grouped by outgoing attribute set, so the more
 * changes have queued up when a round starts, the fuller the messages.
 * One call finishes the round under way and starts a new one only if it
 * has written nothing yet; the session paces rounds with the two calls
 * below.
 */
bool rib_peer_output(struct rib_peer *, struct wbuf *out, size_t budget);
/* Prefixes queued for the peer and not yet taken into a round. */
size_t rib_peer_output_queued(const struct rib_peer *);
/*
 * True when waiting cannot improve the packing: a round is under way,
 * a full round is queued, or nothing but End-of-RIB and refresh markers
 * is owed.
 */
bool rib_peer_output_ripe(const struct rib_peer *);
void rib_peer_stats(const struct rib_peer *, struct rib_peer_stats *);

/* Read-only views for ferryctl and tests. */
enum rib_view {
	RIB_VIEW_BEST,	     /* Loc-RIB: best paths (all, with ECMP) */
	RIB_VIEW_RECEIVED,   /* Adj-RIB-In of one peer, rejected too */
	RIB_VIEW_ADVERTISED, /* Adj-RIB-Out of one peer */
};

struct rib_route {
	struct prefix prefix;
	const struct rib_peer *from; /* NULL: originated here */
	bool best;
	bool rejected; /* by import policy */
	bool stale;    /* kept over a lost session (graceful restart) */
	/* Canonical attribute bytes (bgp_attr_encode form). */
	const uint8_t *attrs;
	size_t attrs_len;
	bool attrs_as4;
	struct addr nexthop;
};

/*
 * Call fn for each route of view (peer: for RECEIVED/ADVERTISED), only
 * those inside filter if it is not NULL.  fn returns false to stop.
 */
void rib_walk(struct rib *, enum rib_view, const struct rib_peer *,
    const struct prefix *filter,
    bool (*fn)(void *arg, const struct rib_route *), void *arg);
size_t rib_prefix_count(const struct rib *);
size_t rib_aset_count(const struct rib *);

#endif
