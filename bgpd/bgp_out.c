/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Per-peer Adj-RIB-Out and UPDATE generation.
 *
 * RFC 4271 9.2 lets a speaker send its changes when it likes; our
 * implementation queues prefix ids, not messages.  A change to a best path
 * marks the prefix pending on every up peer (a bitmap keeps the FIFO free
 * of duplicates), and rib_peer_output turns a batch of pending prefixes
 * into UPDATEs when the session can write: each prefix's outgoing set is
 * computed (bgp_policy.c, cached per source set), compared with what the
 * Adj-RIB-Out says was last sent, and the survivors are grouped by set
 * (a counting sort, linear in the batch) and packed with the codec's
 * packer, as many prefixes per message as fit.  A slow peer therefore
 * costs four octets per pending prefix and coalesces flaps for free.
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
	return o->qlen > o->qhead || o->eor || o->borr || o->eorr;
}

static void
rib_out_push(struct rib_peer *rp, struct rib_prefix *p, bool resend)
{
	struct rib_peer_out *o = &rp->out;
	struct rib *rib = rp->rib;
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
		o->qcap = o->qcap ? o->qcap * 2 : 1024;
		o->queue = xreallocarray(o->queue, o->qcap, sizeof(*o->queue));
	}
	o->queue[o->qlen++] = p->id;
	p->refs++;
	if (!was_busy && rib->hooks.output_ready != NULL)
		rib->hooks.output_ready(rib->ctx, rp);
}

void
rib_out_queue(struct rib_peer *rp, struct rib_prefix *p)
{
	const struct rib_path *best = p->paths;

	/* Its own route, never sent back, and nothing to withdraw. */
	if (best != NULL && (best->flags & RIB_PF_BEST) &&
	    best->peer == rp->idx &&
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
	o->qhead = o->qlen = 0;
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

/* Batch scratch, shared by all peers of the RIB. */
static void
rib_out_scratch(struct rib *rib, size_t n)
{
	size_t g = 1;

	if (n > rib->b_cap) {
		rib->b_ids = xreallocarray(rib->b_ids, n, sizeof(uint32_t));
		rib->b_sets =
		    xreallocarray(rib->b_sets, n, sizeof(*rib->b_sets));
		rib->b_grp = xreallocarray(rib->b_grp, n, sizeof(uint32_t));
		rib->b_order = xreallocarray(rib->b_order, n, sizeof(uint32_t));
		rib->groups =
		    xreallocarray(rib->groups, n, sizeof(*rib->groups));
		rib->b_cap = n;
	}
	while (g < 2 * n)
		g *= 2;
	if (g > rib->gmap_size) {
		free(rib->gmap);
		rib->gmap = xcalloc(g, sizeof(*rib->gmap));
		rib->gmap_size = g;
	}
}

/* Group of item i: keyed by its set, or by family for withdrawals. */
static uint32_t
rib_out_group(
    struct rib *rib, size_t *ngroups, struct rib_aset *set, uint8_t family)
{
	uintptr_t key = set != NULL ? (uintptr_t)set : family;
	size_t mask = rib->gmap_size - 1, i;
	struct rib_group *g;
	uint64_t h = (uint64_t)key * UINT64_C(0x9e3779b97f4a7c15);

	for (i = (h >> 32) & mask; rib->gmap[i] != 0; i = (i + 1) & mask) {
		g = &rib->groups[rib->gmap[i] - 1];
		if (g->set == set && g->family == family)
			return rib->gmap[i] - 1;
	}
	g = &rib->groups[*ngroups];
	memset(g, 0, sizeof(*g));
	g->set = set;
	g->family = family;
	rib->gmap[i] = (uint32_t)++ * ngroups;
	return (uint32_t)(*ngroups - 1);
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
	s->attrs = g->set->data;
	s->attrs_len = g->set->len;
	s->nh = g->set->nh;
}

/* Pack the items of one group; false if its messages cannot be made. */
static bool
rib_out_pack(struct rib *rib, struct wbuf *out, const struct rib_group *g)
{
	struct bgp_update_writer w;
	struct bgp_update_spec spec;
	const struct prefix *pfx;
	uint32_t i;

	rib_out_spec(&spec, g);
	if (bgp_update_begin(&w, out, &spec) == -1)
		return false;
	for (i = g->pos - g->count; i < g->pos; i++) {
		pfx = &rib_prefix_by_id(rib, rib->b_ids[rib->b_order[i]])->pfx;
		if (bgp_update_add(&w, pfx) == 0)
			continue;
		bgp_update_finish(&w);
		if (bgp_update_begin(&w, out, &spec) == -1 ||
		    bgp_update_add(&w, pfx) == -1)
			return false;
	}
	bgp_update_finish(&w);
	return true;
}

/* Item i was sent (or dropped): the Adj-RIB-Out takes its new state. */
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

/* Take n prefixes off the queue; those whose state changed go in the
 * batch arrays.  Returns the batch size. */
static size_t
rib_out_collect(struct rib_peer *rp, size_t n)
{
	struct rib_peer_out *o = &rp->out;
	struct rib *rib = rp->rib;
	struct rib_aset *set;
	struct rib_prefix *p;
	size_t i, m = 0;
	bool resend;

	for (i = 0; i < n; i++) {
		p = rib_prefix_by_id(rib, o->queue[o->qhead + i]);
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
		rib->b_ids[m] = p->id;
		rib->b_sets[m] = set;
		m++;
	}
	o->qhead += n;
	return m;
}

static void
rib_out_batch(struct rib_peer *rp, struct wbuf *out, size_t room)
{
	struct rib_peer_out *o = &rp->out;
	struct rib *rib = rp->rib;
	size_t n = o->qlen - o->qhead, m, i, ngroups = 0;
	uint32_t pos = 0;
	struct rib_prefix *p;
	struct rib_group *g;

	if (room / 4 < n)
		n = room / 4 > 64 ? room / 4 : 64;
	if (n > RIB_OUT_BATCH)
		n = RIB_OUT_BATCH;
	if (n > o->qlen - o->qhead)
		n = o->qlen - o->qhead;
	rib_out_scratch(rib, n);
	m = rib_out_collect(rp, n);
	if (m == 0)
		return;
	memset(rib->gmap, 0, rib->gmap_size * sizeof(*rib->gmap));
	for (i = 0; i < m; i++) {
		p = rib_prefix_by_id(rib, rib->b_ids[i]);
		rib->b_grp[i] = rib_out_group(
		    rib, &ngroups, rib->b_sets[i], p->pfx.addr.family);
		rib->groups[rib->b_grp[i]].count++;
	}
	for (i = 0; i < ngroups; i++) {
		pos += rib->groups[i].count;
		rib->groups[i].pos = pos - rib->groups[i].count;
	}
	for (i = 0; i < m; i++)
		rib->b_order[rib->groups[rib->b_grp[i]].pos++] = (uint32_t)i;
	/* Withdrawals first, then announcements, group by group. */
	for (i = 0; i < ngroups; i++) {
		g = &rib->groups[i];
		/* A set that cannot be sent counts as not exported. */
		if (!rib_out_pack(rib, out, g))
			g->set = NULL;
	}
	for (i = 0; i < m; i++) {
		p = rib_prefix_by_id(rib, rib->b_ids[i]);
		rib_out_commit(rp, p, rib->groups[rib->b_grp[i]].set);
	}
	/* The group references were the items' references. */
	for (i = 0; i < m; i++)
		if (rib->b_sets[i] != NULL &&
		    rib->groups[rib->b_grp[i]].set == NULL)
			rib_aset_unref(rib, rib->b_sets[i]);
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
	size_t start = out->len;

	if (!rp->up)
		return false;
	if (o->borr) {
		rib_out_refresh_msgs(out, o->borr, BGP_REFRESH_BORR);
		o->borr = 0;
	}
	while (o->qlen > o->qhead && out->len - start < budget)
		rib_out_batch(rp, out, budget - (out->len - start));
	if (o->qlen > o->qhead)
		return true;
	o->qhead = o->qlen = 0;
	if (o->qcap > RIB_OUT_BATCH) {
		/* Drained after a big table: give the memory back. */
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
