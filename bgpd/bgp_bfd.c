/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * BGP as a client of BFD (RFC 5882): which BFD session a BGP peer asks
 * for, and what a BFD state change means for it.  bgp_peer.c calls
 * peer_bfd_sync when a session starts or its config changes and
 * peer_bfd_release when the peer goes; BFD's verdicts come back through
 * the two hooks peer_bfd_down and peer_bfd_up.
 *
 * Decisions, after RFC 5882:
 * - The BFD session starts with the BGP session ("BFD sessions are
 *   typically bootstrapped by the control protocol", 4.1) and runs on
 *   while BGP waits, so a dead path is known before BGP tries again.
 * - 4.1: adjacencies "should be blocked if both systems are willing to
 *   establish a BFD session but [it] cannot be established", but not
 *   if "the neighboring system does not support BFD".  BGP carries no
 *   signal of the peer's willingness, so our implementation learns it:
 *   until BFD has been Up once, BGP does not wait for it (a peer without
 *   BFD, or a key mismatch, still gets its session; FRR behaves so,
 *   BIRD waits); once it has been Up, both sides are known willing, and
 *   after BFD went Down BGP stays Idle until BFD is Up again (at most
 *   PEER_BFD_HOLD, bgp_peer.c).
 * - 4.2 and 10.2: BFD going from Up to Down takes the BGP session down
 *   at once ("the EBGP session should be torn down"), with Cease "BFD
 *   Down" (RFC 9384).
 * - 3.2, 4.2: Up to Down because the peer said AdminDown calls for no
 *   action: BGP is left alone, and no longer waits for BFD.
 * - Removing the bfd key (reload) removes the BFD session, AdminDown to
 *   the peer (8), without touching BGP; changed intervals travel in a
 *   Poll Sequence; changed multihop or auth replace the BFD session.
 */
#include "bfd.h"
#include "bgp_peer.h"
#include "bgp_peer_int.h"
#include "log.h"

static void
peer_bfd_notify(void *ctx, struct bfd_session *b, enum bfd_state old)
{
	struct bgp_peer *p = ctx;
	enum bfd_state st = bfd_session_state(b);

	if (st == BFD_ST_UP) {
		peer_bfd_up(p);
		return;
	}
	if (old != BFD_ST_UP || st != BFD_ST_DOWN)
		return;
	if (bfd_session_remote_state(b) == BFD_ST_ADMIN_DOWN) {
		log_info("bgp: BFD administratively down by the peer, session "
			 "kept: peer=%s",
		    p->name);
		p->bfd_held = false;
		return;
	}
	peer_bfd_down(p);
}

void
peer_bfd_release(struct bgp_peer *p)
{
	bfd_session_free(p->bfd);
	p->bfd = NULL;
}

/* The BFD session p->nb->bfd asks for: added, changed, or removed. */
void
peer_bfd_sync(struct bgp_peer *p)
{
	const struct bfd_conf *c = &p->nb->bfd;

	if (!c->enabled) {
		if (p->bfd != NULL)
			peer_bfd_release(p);
		/* Nothing to wait for any more. */
		peer_bfd_up(p);
		return;
	}
	if (p->bfd != NULL && bfd_conf_session_differs(&p->bfd_conf, c))
		peer_bfd_release(p);
	if (p->bfd == NULL)
		p->bfd = bfd_session_new(p->s->bfd, p->name, &p->nb->addr,
		    &p->nb->local, c, peer_bfd_notify, p);
	else
		bfd_session_configure(p->bfd, c);
	p->bfd_conf = *c;
}

struct bfd_sessions *
bgp_sessions_bfd(struct bgp_sessions *s)
{
	return s->bfd;
}
