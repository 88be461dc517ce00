/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The decision process of RFC 4271 9.1.2 and the ECMP set.
 *
 * RFC 4271 9.1.2.2 describes tie breaking as a sequence of eliminations
 * over the routes of one destination: (a) highest degree of preference
 * (LOCAL_PREF), (b) shortest AS_PATH, (c) lowest ORIGIN, (d) lowest
 * MULTI_EXIT_DISC among routes from the same neighboring AS, (e) eBGP over
 * iBGP, (f) lowest interior cost to the next hop, (g) lowest BGP
 * Identifier, (h) lowest peer address.  RFC 4456 9 adds: the ORIGINATOR_ID
 * stands in for the BGP Identifier in (g), and the shorter CLUSTER_LIST
 * wins before (h).
 *
 * Our implementation runs the eliminations literally, because step (d) is
 * not a total order (MED only compares within a neighbor AS) and a
 * pairwise "better than" would make the result depend on arrival order.
 * Step (f) is skipped: ferry has no IGP, every next hop costs the same.
 * The routes that survive (a)-(e) are equal for forwarding; the best is
 * picked among them by (g)-(h) and the first conf->ecmp of them, in that
 * order, form the multipath set handed to the FIB.  A route originated
 * here (a pool) always wins, as a static route would in BIRD.
 *
 * The caches in struct rib_aset (local preference, path length, neighbor
 * AS, MED, ...) mean this file never decodes an attribute.
 */
#include <string.h>

#include "bgp_rib_int.h"

#define RIB_DEFAULT_LOCAL_PREF 100

static uint32_t
rib_decide_lp(const struct rib_path *p)
{
	return (p->aset->flags & RIB_AS_LOCAL_PREF) ? p->aset->local_pref
						    : RIB_DEFAULT_LOCAL_PREF;
}

/* RFC 4271 9.1.2.2 (d): "If a route has no MULTI_EXIT_DISC attribute, the
 * lowest possible MULTI_EXIT_DISC value is assumed." */
static uint32_t
rib_decide_med(const struct rib_path *p)
{
	return (p->aset->flags & RIB_AS_MED) ? p->aset->med : 0;
}

static bool
rib_decide_ibgp(const struct rib *rib, const struct rib_path *p)
{
	return rib_peer_is_ibgp(rib_path_peer(rib, p));
}

/* RFC 4456 9: the ORIGINATOR_ID, when present, is the router id. */
static uint32_t
rib_decide_id(const struct rib *rib, const struct rib_path *p)
{
	if (p->aset->flags & RIB_AS_ORIGINATOR)
		return p->aset->originator_id;
	return rib_path_peer(rib, p)->info.bgp_id;
}

/* Steps (g) and (h) with RFC 4456 9: negative when a is preferred. */
static int
rib_decide_tiebreak(
    const struct rib *rib, const struct rib_path *a, const struct rib_path *b)
{
	uint32_t ia = rib_decide_id(rib, a), ib = rib_decide_id(rib, b);

	if (ia != ib)
		return ia < ib ? -1 : 1;
	if (a->aset->cluster_count != b->aset->cluster_count)
		return a->aset->cluster_count < b->aset->cluster_count ? -1 : 1;
	return addr_cmp(&rib_path_peer(rib, a)->info.addr,
	    &rib_path_peer(rib, b)->info.addr);
}

/* Keep the candidates for which keep() is true, in order. */
static size_t
rib_decide_filter(struct rib_path **c, size_t n,
    bool (*keep)(const struct rib_path *, uint32_t), uint32_t v)
{
	size_t i, m = 0;

	for (i = 0; i < n; i++)
		if (keep(c[i], v))
			c[m++] = c[i];
	return m;
}

static bool
rib_decide_keep_lp(const struct rib_path *p, uint32_t v)
{
	return rib_decide_lp(p) == v;
}

static bool
rib_decide_keep_len(const struct rib_path *p, uint32_t v)
{
	return p->aset->aspath_count == v;
}

static bool
rib_decide_keep_origin(const struct rib_path *p, uint32_t v)
{
	return p->aset->origin == v;
}

/* Steps (a) to (e): returns how many candidates survive. */
static size_t
rib_decide_eliminate(const struct rib *rib, struct rib_path **c, size_t n)
{
	uint32_t best;
	size_t i, j, m;
	bool ebgp = false, drop;

	/* (a) highest LOCAL_PREF. */
	for (best = 0, i = 0; i < n; i++)
		if (rib_decide_lp(c[i]) > best)
			best = rib_decide_lp(c[i]);
	n = rib_decide_filter(c, n, rib_decide_keep_lp, best);
	/* (b) shortest AS_PATH: AS_SET counts 1, confederation 0. */
	for (best = UINT32_MAX, i = 0; i < n; i++)
		if (c[i]->aset->aspath_count < best)
			best = c[i]->aset->aspath_count;
	n = rib_decide_filter(c, n, rib_decide_keep_len, best);
	/* (c) lowest ORIGIN. */
	for (best = UINT32_MAX, i = 0; i < n; i++)
		if (c[i]->aset->origin < best)
			best = c[i]->aset->origin;
	n = rib_decide_filter(c, n, rib_decide_keep_origin, best);
	/* (d) a route goes if another one from the same neighbor AS has a
	 * lower MED. */
	for (m = 0, i = 0; i < n; i++) {
		drop = false;
		for (j = 0; j < n && !drop; j++)
			drop = c[j]->aset->neighbor_as ==
				c[i]->aset->neighbor_as &&
			    rib_decide_med(c[j]) < rib_decide_med(c[i]);
		if (!drop)
			c[m++] = c[i];
	}
	n = m;
	/* (e) eBGP over iBGP. */
	for (i = 0; i < n; i++)
		if (!rib_decide_ibgp(rib, c[i]))
			ebgp = true;
	if (ebgp) {
		for (m = 0, i = 0; i < n; i++)
			if (!rib_decide_ibgp(rib, c[i]))
				c[m++] = c[i];
		n = m;
	}
	return n;
}

/* Order survivors by (g)-(h); insertion sort, n is small. */
static void
rib_decide_sort(const struct rib *rib, struct rib_path **c, size_t n)
{
	struct rib_path *t;
	size_t i, j;

	for (i = 1; i < n; i++) {
		t = c[i];
		for (j = i; j > 0 && rib_decide_tiebreak(rib, t, c[j - 1]) < 0;
		     j--)
			c[j] = c[j - 1];
		c[j] = t;
	}
}

static size_t
rib_decide_candidates(
    struct rib *rib, struct rib_prefix *p, struct rib_path **local)
{
	struct rib_path *path;
	size_t n = 0;

	*local = NULL;
	for (path = p->paths; path != NULL; path = path->next) {
		if (path->flags & RIB_PF_REJECTED)
			continue;
		if (path->flags & RIB_PF_LOCAL) {
			*local = path;
			continue;
		}
		if (n == rib->cand_cap) {
			rib->cand_cap = rib->cand_cap ? rib->cand_cap * 2 : 16;
			rib->cand = xreallocarray(
			    rib->cand, rib->cand_cap, sizeof(*rib->cand));
		}
		rib->cand[n++] = path;
	}
	return n;
}

/*
 * Relink p's paths: the multipath set c[0..nmulti) first, best at the
 * head, then the others in their previous order; update the flags.
 */
static int
rib_decide_relink(struct rib_prefix *p, struct rib_path **c, size_t nmulti)
{
	struct rib_path *old_best, *path, *rest = NULL, **tail = &rest, *next;
	int changed = 0;
	uint8_t want;
	size_t i;

	old_best = (p->paths != NULL && (p->paths->flags & RIB_PF_BEST))
	    ? p->paths
	    : NULL;
	if ((nmulti > 0 ? c[0] : NULL) != old_best)
		changed |= RIB_DEC_BEST;
	for (path = p->paths; path != NULL; path = next) {
		next = path->next;
		want = 0;
		for (i = 0; i < nmulti; i++)
			if (c[i] == path)
				want = (uint8_t)(RIB_PF_MULTI |
				    (i == 0 ? RIB_PF_BEST : 0));
		if ((path->flags & RIB_PF_MULTI) != (want & RIB_PF_MULTI))
			changed |= RIB_DEC_MULTI;
		path->flags =
		    (uint8_t)((path->flags & ~(RIB_PF_BEST | RIB_PF_MULTI)) |
			want);
		if (!want) {
			*tail = path;
			tail = &path->next;
		}
	}
	*tail = NULL;
	for (i = nmulti; i-- > 0;) {
		c[i]->next = rest;
		rest = c[i];
	}
	p->paths = rest;
	p->nmulti = (uint8_t)nmulti;
	return changed;
}

int
rib_decide(struct rib *rib, struct rib_prefix *p)
{
	struct rib_path *local;
	size_t n, ecmp;

	n = rib_decide_candidates(rib, p, &local);
	if (local != NULL) {
		/* Originated here: wins over anything learned. */
		return rib_decide_relink(p, &local, 1);
	}
	n = rib_decide_eliminate(rib, rib->cand, n);
	rib_decide_sort(rib, rib->cand, n);
	ecmp = rib->conf->ecmp > 0 ? rib->conf->ecmp : 1;
	if (ecmp > 255)
		ecmp = 255;
	return rib_decide_relink(p, rib->cand, n < ecmp ? n : ecmp);
}

/* The FIB's view: next hops of the multipath set, none for a pool. */
int
rib_decide_nexthops(const struct rib *rib, const struct rib_prefix *p,
    struct rib_nexthop *nh, size_t max)
{
	const struct rib_path *path;
	const struct rib_peer *rp;
	size_t n = 0;

	for (path = p->paths;
	     path != NULL && (path->flags & RIB_PF_MULTI) && n < max;
	     path = path->next) {
		if (path->flags & RIB_PF_LOCAL)
			return 0;
		rp = rib_path_peer(rib, path);
		memset(&nh[n], 0, sizeof(nh[n]));
		if (path->aset->flags & RIB_AS_NEXT_HOP)
			nh[n].gw = rib_aset_gateway(path->aset);
		nh[n].peer = rp->info.addr;
		nh[n].peer_asn = rp->info.asn;
		nh[n].ibgp = rp->info.ibgp;
		n++;
	}
	return (int)n;
}
