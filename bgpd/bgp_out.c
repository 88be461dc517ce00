/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Per-peer Adj-RIB-Out and UPDATE generation.
 *
 * RFC 4271 9.2 lets a speaker send its changes when it likes; our
 * implementation queues prefix ids, not messages.  A change to a best path
 * marks the prefix pending on every up peer (a bitmap keeps the FIFO free
 * of duplicates), and rib_peer_output turns the queue into UPDATEs in
 * rounds: a round takes up to 256k queued prefixes at once, computes each
 * one's outgoing set (bgp_policy.c, cached per source set), drops those
 * the Adj-RIB-Out says were already sent that way, groups the survivors
 * by set (a counting sort, linear in the round) and packs them with the
 * codec's packer, as many prefixes per message as fit, over as many calls
 * as the session's buffer needs.  A slow peer therefore costs four octets
 * per pending prefix and coalesces flaps for free.
 *
 * How full the messages get depends on how much has queued when a round
 * starts.  A table that arrives one prefix per UPDATE, with neighbouring
 * prefixes in different sets, packs well only if the round waits for it:
 * the session (bgp_peer.c) holds output back while the queue still grows
 * fast, and rib_peer_output_ripe tells it when waiting cannot help (a
 * full round queued, or the input came in long runs of one set already).
 *
 * IPv4 unicast goes in the classic NLRI and Withdrawn Routes fields, IPv6
 * unicast in MP_REACH_NLRI/MP_UNREACH_NLRI (RFC 4760).  RFC 4724 2: an
 * End-of-RIB per negotiated family follows the initial table, with or
 * without graceful restart.  RFC 7313 4: a refresh requested with
 * enhanced route refresh is framed by BoRR and EoRR.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "bgp_rib_int.h"

#define RIB_OUT_BATCH 65536u
/* Queue slots a peer keeps when drained (one route reflector client per
 * node of a cluster: the memory is per session). */
#define RIB_OUT_QKEEP 64u
/*
 * The most prefixes one round takes off the queue and groups: with 10k
 * attribute sets interleaved, 256k make about 25 prefixes per UPDATE.
 * Building a round costs 8 octets per prefix, sending it 4.
 */
#define RIB_OUT_ROUND 262144u
/*
 * When waiting for more cannot pay (rib_peer_output_ripe): a round of
 * 64k packs 6 or more prefixes per UPDATE even with 10k sets
 * interleaved, and a queue that arrived in runs of 8 or more prefixes
 * per set (a table from a peer that packs its UPDATEs) packs no better
 * for waiting.
 */
#define RIB_OUT_ROUND_MIN 65536u
#define RIB_OUT_RUN_LONG  8u

static void rib_out_round_drop(struct rib_peer *);

static uint8_t
rib_out_famflag(uint8_t family)
{
	return family == AF_INET ? BGP_FAM_IPV4 : BGP_FAM_IPV6;
}

/* Make the per-prefix arrays cover every id handed out so far. */
static void
rib_out_grow(struct rib_peer *rp, size_t need)
{
	struct rib_peer_out *o = &rp->out;
	size_t cap = o->cap ? o->cap : 1024, words, owords;

	if (need <= o->cap)
		return;
	while (cap < need)
		cap *= 2;
	owords = o->cap / 64;
	words = cap / 64;
	o->adj = xreallocarray(o->adj, cap, sizeof(*o->adj));
	memset(o->adj + o->cap, 0, (cap - o->cap) * sizeof(*o->adj));
	o->pending = xreallocarray(o->pending, words, sizeof(uint64_t));
	memset(o->pending + owords, 0, (words - owords) * sizeof(uint64_t));
	o->resend = xreallocarray(o->resend, words, sizeof(uint64_t));
	memset(o->resend + owords, 0, (words - owords) * sizeof(uint64_t));
	o->cap = cap;
}

static bool
rib_out_busy(const struct rib_peer_out *o)
{
	return o->qlen > o->qhead || o->round.ngroups > 0 || o->eor ||
	    o->borr || o->eorr;
}

static void
rib_out_push(struct rib_peer *rp, struct rib_prefix *p, bool resend)
{
	struct rib_peer_out *o = &rp->out;
	struct rib *rib = rp->rib;
	const struct rib_aset *src;
	bool was_busy;

	if (p->id >= o->cap)
		rib_out_grow(
		    rp, rib->next_id > p->id ? rib->next_id : p->id + 1);
	if (resend)
		rib_bit_set(o->resend, p->id);
	if (rib_bit_test(o->pending, p->id))
		return;
	was_busy = rib_out_busy(o);
	rib_bit_set(o->pending, p->id);
	if (o->qlen == o->qcap) {
		o->qcap = o->qcap ? o->qcap * 2 : RIB_OUT_QKEEP;
		o->queue = xreallocarray(o->queue, o->qcap, sizeof(*o->queue));
	}
	o->queue[o->qlen++] = p->id;
	p->refs++;
	src = p->paths != NULL && (p->paths->flags & RIB_PF_BEST)
	    ? p->paths->aset
	    : NULL;
	if (src != o->run_src || o->qruns == 0) {
		o->qruns++;
		o->run_src = src;
	}
	if (!was_busy && rib->hooks.output_ready != NULL)
		rib->hooks.output_ready(rib->ctx, rp);
}

void
rib_out_queue(struct rib_peer *rp, struct rib_prefix *p)
{
	const struct rib_path *best = p->paths;

	/* Its own route, never sent back, and nothing to withdraw (a round
	 * under way may be about to advertise it: then queue it anyway). */
	if (best != NULL && (best->flags & RIB_PF_BEST) &&
	    best->peer == rp->idx && rp->out.round.ngroups == 0 &&
	    (p->id >= rp->out.cap || rp->out.adj[p->id] == NULL))
		return;
	rib_out_push(rp, p, false);
}

/* Queue every prefix of family (0: all) that is routed or advertised. */
void
rib_out_queue_all(struct rib_peer *rp, uint8_t family, bool resend)
{
	struct rib *rib = rp->rib;
	struct rib_prefix *p;
	uint32_t id;

	rib_out_grow(rp, rib->next_id);
	for (id = 0; id < rib->next_id; id++) {
		p = rib_prefix_by_id(rib, id);
		if (!(p->flags & RIB_PFX_USED) ||
		    (family != 0 && p->pfx.addr.family != family))
			continue;
		if ((p->paths != NULL && (p->paths->flags & RIB_PF_BEST)) ||
		    rp->out.adj[id] != NULL)
			rib_out_push(rp, p, resend);
	}
}

/* The session is gone: forget what was sent and what was pending. */
void
rib_out_clear(struct rib_peer *rp)
{
	struct rib_peer_out *o = &rp->out;
	struct rib *rib = rp->rib;
	struct rib_prefix *p;
	size_t i;

	rib_out_round_drop(rp);
	for (i = o->qhead; i < o->qlen; i++) {
		p = rib_prefix_by_id(rib, o->queue[i]);
		rib_bit_clear(o->pending, p->id);
		p->refs--;
		rib_prefix_maybe_free(rib, p);
	}
	for (i = 0; i < o->cap; i++) {
		if (o->adj[i] == NULL)
			continue;
		rib_aset_unref(rib, o->adj[i]);
		o->adj[i] = NULL;
		p = rib_prefix_by_id(rib, (uint32_t)i);
		p->refs--;
		rib_prefix_maybe_free(rib, p);
	}
	if (o->cap > 0)
		memset(o->resend, 0, o->cap / 8);
	o->qhead = o->qlen = o->qruns = 0;
	o->eor = o->borr = o->eorr = 0;
	o->advertised = 0;
	rib_policy_xcache_flush(rib, rp);
}

void
rib_out_free(struct rib_peer *rp)
{
	struct rib_peer_out *o = &rp->out;

	rib_out_clear(rp);
	free(o->adj);
	free(o->pending);
	free(o->resend);
	free(o->queue);
	free(o->xc);
	memset(o, 0, sizeof(*o));
}

/* Scratch for building a round of n items, shared by all peers. */
static void
rib_out_scratch(struct rib *rib, size_t n)
{
	if (n > rib->b_cap) {
		free(rib->b_grp);
		rib->b_grp = xreallocarray(NULL, n, sizeof(uint32_t));
		rib->b_cap = n;
	}
	if (rib->gmap_size == 0) {
		rib->gmap_size = 1024;
		rib->gmap = xcalloc(rib->gmap_size, sizeof(*rib->gmap));
	} else {
		memset(rib->gmap, 0, rib->gmap_size * sizeof(*rib->gmap));
	}
}

/* Big scratch goes back after a bulk round: it is needed again only for
 * the next table. */
static void
rib_out_scratch_trim(struct rib *rib)
{
	if (rib->b_cap <= RIB_OUT_BATCH)
		return;
	free(rib->b_grp);
	rib->b_grp = NULL;
	rib->b_cap = 0;
}

static size_t
rib_out_gslot(const struct rib *rib, const struct rib_aset *set, uint8_t family)
{
	uint64_t key = set != NULL ? (uint64_t)(uintptr_t)set : family;

	return (size_t)((key * UINT64_C(0x9e3779b97f4a7c15)) >> 32) &
	    (rib->gmap_size - 1);
}

static void
rib_out_gmap_grow(struct rib *rib, size_t ngroups)
{
	size_t g, i;

	free(rib->gmap);
	rib->gmap_size *= 2;
	rib->gmap = xcalloc(rib->gmap_size, sizeof(*rib->gmap));
	for (g = 0; g < ngroups; g++) {
		i = rib_out_gslot(
		    rib, rib->groups[g].set, rib->groups[g].family);
		while (rib->gmap[i] != 0)
			i = (i + 1) & (rib->gmap_size - 1);
		rib->gmap[i] = (uint32_t)g + 1;
	}
}

/* The group of set (family, for withdrawals), made if new. */
static uint32_t
rib_out_group(
    struct rib *rib, size_t *ngroups, struct rib_aset *set, uint8_t family)
{
	size_t mask = rib->gmap_size - 1, i;
	struct rib_group *g;

	for (i = rib_out_gslot(rib, set, family); rib->gmap[i] != 0;
	     i = (i + 1) & mask) {
		g = &rib->groups[rib->gmap[i] - 1];
		if (g->set == set && g->family == family)
			return rib->gmap[i] - 1;
	}
	if ((*ngroups + 1) * 2 > rib->gmap_size) {
		rib_out_gmap_grow(rib, *ngroups);
		mask = rib->gmap_size - 1;
		for (i = rib_out_gslot(rib, set, family); rib->gmap[i] != 0;
		     i = (i + 1) & mask)
			;
	}
	if (*ngroups == rib->groups_cap) {
		rib->groups_cap = rib->groups_cap ? rib->groups_cap * 2 : 256;
		rib->groups = xreallocarray(
		    rib->groups, rib->groups_cap, sizeof(*rib->groups));
	}
	g = &rib->groups[*ngroups];
	memset(g, 0, sizeof(*g));
	g->set = set;
	g->family = family;
	rib->gmap[i] = (uint32_t)(*ngroups + 1);
	return (uint32_t)(*ngroups)++;
}

static void
rib_out_spec(struct bgp_update_spec *s, const struct rib_group *g)
{
	memset(s, 0, sizeof(*s));
	if (g->family == AF_INET6) {
		s->afi = BGP_AFI_IPV6;
		s->safi = BGP_SAFI_UNICAST;
	}
	if (g->set == NULL) {
		s->kind = g->family == AF_INET ? BGP_UPD_IPV4_UNREACH
					       : BGP_UPD_MP_UNREACH;
		return;
	}
	s->kind = g->family == AF_INET ? BGP_UPD_IPV4_REACH : BGP_UPD_MP_REACH;
	/* RFC 8950: IPv4 routes with an IPv6 next hop go in MP_REACH_NLRI. */
	if (g->family == AF_INET && (g->set->flags & RIB_AS_MP)) {
		s->kind = BGP_UPD_MP_REACH;
		s->afi = BGP_AFI_IPV4;
		s->safi = BGP_SAFI_UNICAST;
	}
	s->attrs = g->set->data;
	s->attrs_len = g->set->len;
	rib_aset_nexthop(g->set, &s->nh);
}

/* An item was sent (or dropped): the Adj-RIB-Out takes its new state,
 * and the item's reference on set. */
static void
rib_out_commit(struct rib_peer *rp, struct rib_prefix *p, struct rib_aset *set)
{
	struct rib_peer_out *o = &rp->out;
	struct rib_aset *old = o->adj[p->id];

	o->adj[p->id] = set;
	if (old == NULL && set != NULL) {
		o->advertised++;
		p->refs++;
	} else if (old != NULL && set == NULL) {
		o->advertised--;
		p->refs--;
	}
	rib_aset_unref(rp->rib, old);
	p->refs--; /* the queue's reference */
	rib_prefix_maybe_free(rp->rib, p);
}

/* Keep the queue's array from growing while it never quite drains. */
static void
rib_out_queue_compact(struct rib_peer_out *o)
{
	if (o->qhead == o->qlen) {
		o->qhead = o->qlen = 0;
	} else if (o->qhead >= o->qlen / 2) {
		memmove(o->queue, o->queue + o->qhead,
		    (o->qlen - o->qhead) * sizeof(*o->queue));
		o->qlen -= o->qhead;
		o->qhead = 0;
	}
}

/*
 * Start a round: take up to RIB_OUT_ROUND prefixes off the queue, drop
 * those whose outgoing set is what the peer already has, and sort the
 * rest by set (a counting sort over the groups, linear in the round).
 * The survivors are first compacted in place in the queue, with their
 * group beside them in b_grp: 8 octets per prefix while it is built, 4
 * for the round itself.
 */
static void
rib_out_round_begin(struct rib_peer *rp)
{
	struct rib_peer_out *o = &rp->out;
	struct rib_round *r = &o->round;
	struct rib *rib = rp->rib;
	size_t n = o->qlen - o->qhead, i, m = 0, ngroups = 0;
	struct rib_aset *set;
	struct rib_prefix *p;
	uint32_t g, pos = 0, *q = o->queue + o->qhead;
	bool resend;

	if (n > RIB_OUT_ROUND)
		n = RIB_OUT_ROUND;
	rib_out_scratch(rib, n);
	for (i = 0; i < n; i++) {
		p = rib_prefix_by_id(rib, q[i]);
		rib_bit_clear(o->pending, p->id);
		resend = rib_bit_test(o->resend, p->id);
		rib_bit_clear(o->resend, p->id);
		set = rib_policy_export(rp, p, p->paths);
		if (set == o->adj[p->id] && (!resend || set == NULL)) {
			rib_aset_unref(rib, set);
			p->refs--;
			rib_prefix_maybe_free(rib, p);
			continue;
		}
		g = rib_out_group(rib, &ngroups, set, p->pfx.addr.family);
		rib->groups[g].count++;
		q[m] = p->id;
		rib->b_grp[m] = g;
		m++;
	}
	if (m > 0) {
		for (g = 0; g < ngroups; g++) {
			rib->groups[g].pos = pos;
			pos += rib->groups[g].count;
		}
		r->ids = xreallocarray(NULL, m, sizeof(*r->ids));
		for (i = 0; i < m; i++)
			r->ids[rib->groups[rib->b_grp[i]].pos++] = q[i];
		r->groups = xreallocarray(NULL, ngroups, sizeof(*r->groups));
		for (g = 0; g < ngroups; g++) {
			r->groups[g] = rib->groups[g];
			r->groups[g].pos -= r->groups[g].count;
		}
		r->ngroups = ngroups;
		r->cur = 0;
		r->item = 0;
	}
	o->qhead += n;
	rib_out_queue_compact(o);
	o->qruns = o->qlen > 0 ? 1 : 0;
	rib_out_scratch_trim(rib);
}

static void
rib_out_round_end(struct rib_round *r)
{
	free(r->ids);
	free(r->groups);
	memset(r, 0, sizeof(*r));
}

/* The session is gone mid-round: release what was not committed. */
static void
rib_out_round_drop(struct rib_peer *rp)
{
	struct rib_round *r = &rp->out.round;
	struct rib *rib = rp->rib;
	struct rib_group *g;
	struct rib_prefix *p;
	uint32_t i;

	for (; r->cur < r->ngroups; r->cur++) {
		g = &r->groups[r->cur];
		i = r->item > g->pos ? r->item : g->pos;
		for (; i < g->pos + g->count; i++) {
			p = rib_prefix_by_id(rib, r->ids[i]);
			rib_aset_unref(rib, g->set);
			p->refs--;
			rib_prefix_maybe_free(rib, p);
		}
	}
	rib_out_round_end(r);
}

/* A set that cannot be sent (attributes too long for a message): its
 * prefixes count as not exported, withdrawn if they were advertised. */
static void
rib_out_unsendable(struct rib_peer *rp, struct rib_group *g)
{
	struct rib_round *r = &rp->out.round;
	uint32_t i;

	for (i = r->item; i < g->pos + g->count; i++)
		rib_aset_unref(rp->rib, g->set);
	g->set = NULL;
}

/*
 * Pack the round, one message at a time, until out has grown by budget
 * since start.  Returns true when the round is done.
 */
static bool
rib_out_round_pack(
    struct rib_peer *rp, struct wbuf *out, size_t start, size_t budget)
{
	struct rib_round *r = &rp->out.round;
	struct rib *rib = rp->rib;
	struct bgp_update_writer w;
	struct bgp_update_spec spec;
	struct rib_group *g;
	uint32_t end, first, i;

	while (r->cur < r->ngroups && out->len - start < budget) {
		g = &r->groups[r->cur];
		end = g->pos + g->count;
		if (r->item < g->pos)
			r->item = g->pos;
		rib_out_spec(&spec, g);
		if (bgp_update_begin(&w, out, &spec) == -1) {
			rib_out_unsendable(rp, g);
			continue;
		}
		first = r->item;
		while (r->item < end &&
		    bgp_update_add(
			&w, &rib_prefix_by_id(rib, r->ids[r->item])->pfx) == 0)
			r->item++;
		bgp_update_finish(&w);
		if (r->item == first) {
			/* Cannot happen: begin leaves room for a prefix. */
			rib_out_unsendable(rp, g);
			continue;
		}
		for (i = first; i < r->item; i++)
			rib_out_commit(
			    rp, rib_prefix_by_id(rib, r->ids[i]), g->set);
		if (r->item == end)
			r->cur++;
	}
	if (r->cur < r->ngroups)
		return false;
	rib_out_round_end(r);
	return true;
}

static void
rib_out_refresh_msgs(struct wbuf *out, uint8_t fams, uint8_t subtype)
{
	struct bgp_refresh r;

	memset(&r, 0, sizeof(r));
	r.safi = BGP_SAFI_UNICAST;
	r.subtype = subtype;
	if (fams & BGP_FAM_IPV4) {
		r.afi = BGP_AFI_IPV4;
		bgp_msg_refresh_encode(out, &r);
	}
	if (fams & BGP_FAM_IPV6) {
		r.afi = BGP_AFI_IPV6;
		bgp_msg_refresh_encode(out, &r);
	}
}

bool
rib_peer_output(struct rib_peer *rp, struct wbuf *out, size_t budget)
{
	struct rib_peer_out *o = &rp->out;
	size_t start = out->len, mark;

	if (!rp->up)
		return false;
	if (o->borr) {
		rib_out_refresh_msgs(out, o->borr, BGP_REFRESH_BORR);
		o->borr = 0;
	}
	/* Finish the round under way; start a new one only if that wrote
	 * nothing, so the session decides when the queue is sent next. */
	mark = out->len;
	for (;;) {
		if (o->round.ngroups > 0 &&
		    !rib_out_round_pack(rp, out, start, budget))
			return true;
		if (o->qlen == o->qhead || out->len > mark)
			break;
		rib_out_round_begin(rp);
	}
	if (o->qlen > o->qhead)
		return true;
	o->qhead = o->qlen = 0;
	if (o->qcap > RIB_OUT_QKEEP) {
		/* Drained after a table: give the memory back. */
		free(o->queue);
		o->queue = NULL;
		o->qcap = 0;
	}
	if (o->eor & BGP_FAM_IPV4)
		bgp_update_encode_eor(out, BGP_AFI_IPV4, BGP_SAFI_UNICAST);
	if (o->eor & BGP_FAM_IPV6)
		bgp_update_encode_eor(out, BGP_AFI_IPV6, BGP_SAFI_UNICAST);
	o->eor = 0;
	if (o->eorr) {
		rib_out_refresh_msgs(out, o->eorr, BGP_REFRESH_EORR);
		o->eorr = 0;
	}
	return false;
}

size_t
rib_peer_output_queued(const struct rib_peer *rp)
{
	return rp->out.qlen - rp->out.qhead;
}

bool
rib_peer_output_ripe(const struct rib_peer *rp)
{
	const struct rib_peer_out *o = &rp->out;
	size_t n = rib_peer_output_queued(rp);

	return o->round.ngroups > 0 || n == 0 || n >= RIB_OUT_ROUND_MIN ||
	    n >= RIB_OUT_RUN_LONG * o->qruns;
}

/*
 * RFC 2918 3 / RFC 7313 4: re-advertise the Adj-RIB-Out of the family,
 * between BoRR and EoRR when enhanced route refresh was negotiated.
 */
void
rib_peer_refresh(struct rib_peer *rp, uint16_t afi, uint8_t safi)
{
	struct rib *rib = rp->rib;
	uint8_t family, flag;
	bool was_busy = rib_out_busy(&rp->out);

	switch (bgp_msg_af(afi, safi)) {
	case BGP_AF_IPV4_UNICAST:
		family = AF_INET;
		break;
	case BGP_AF_IPV6_UNICAST:
		family = AF_INET6;
		break;
	default:
		return;
	}
	flag = rib_out_famflag(family);
	if (!rp->up || !(rp->info.families & flag))
		return;
	if (rp->info.enhanced_refresh) {
		rp->out.borr |= flag;
		rp->out.eorr |= flag;
		if (!was_busy && rib->hooks.output_ready != NULL)
			rib->hooks.output_ready(rib->ctx, rp);
	}
	/* Queueing calls output_ready itself when nothing was pending. */
	rib_out_queue_all(rp, family, true);
}
