/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Import and export policy: RFC 8212 defaults, prefix lists, attribute
 * changes, loop detection, RFC 1997 well-known communities, RFC 4456 route
 * reflection and the attribute rewriting of RFC 4271 5.1 on the way out.
 *
 * Policy works on interned sets, not on prefixes: an UPDATE's set is
 * imported once for all of its prefixes, and an exported set is computed
 * once per (source set, source peer, family) and kept in a small
 * direct-mapped cache per peer, so a million prefixes sharing one set cost
 * one encode on the way in and one on the way out.  Only the prefix lists
 * look at each prefix.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "bgp_rib_int.h"

#define RIB_DEFAULT_LOCAL_PREF 100
#define RIB_XCACHE_MIN	       64
#define RIB_XCACHE_MAX	       65536
#define RIB_XCACHE_SHARED      4 /* prefixes per set to grow for */
/* Room an outgoing set must leave in a 4096-octet UPDATE. */
#define RIB_MAX_OUT_ATTRS (BGP_MAX_MSG_LEN - 128)

static const uint8_t rib_policy_empty[1];

/*
 * Prefix lists.  An entry matches a route whose prefix lies inside the
 * entry's prefix with a length in ge..le; ge 0 means the entry's own
 * length, le 0 means the family's maximum when ge was given and the
 * entry's length otherwise (an exact match), as in the usual router
 * syntax.
 */
bool
bgp_prefix_match(
    const struct bgp_prefix_match *m, size_t n, const struct prefix *p)
{
	unsigned ge, le;
	size_t i;

	for (i = 0; i < n; i++) {
		if (m[i].prefix.addr.family != p->addr.family ||
		    !prefix_contains(&m[i].prefix, p))
			continue;
		ge = m[i].ge != 0 ? m[i].ge : m[i].prefix.len;
		if (m[i].le != 0)
			le = m[i].le;
		else
			le = m[i].ge != 0 ? addr_bits(p->addr.family)
					  : m[i].prefix.len;
		if (p->len >= ge && p->len <= le)
			return true;
	}
	return false;
}

/* Communities and large communities: add the values not yet present. */
static size_t
rib_policy_add_list(struct wbuf *w, const uint8_t *old, size_t oldlen,
    const uint32_t *add, size_t n, size_t unit)
{
	size_t off = w->len, i, j, k;
	uint8_t v[12];

	if (oldlen > 0)
		wbuf_put_bytes(w, old, oldlen);
	for (i = 0; i < n; i++) {
		for (k = 0; k < unit / 4; k++) {
			uint32_t x = add[i * (unit / 4) + k];

			v[k * 4] = (uint8_t)(x >> 24);
			v[k * 4 + 1] = (uint8_t)(x >> 16);
			v[k * 4 + 2] = (uint8_t)(x >> 8);
			v[k * 4 + 3] = (uint8_t)x;
		}
		for (j = off; j < w->len; j += unit)
			if (memcmp(w->data + j, v, unit) == 0)
				break;
		if (j >= w->len)
			wbuf_put_bytes(w, v, unit);
	}
	return off;
}

/*
 * Apply set's communities, large communities and MED to a; LOCAL_PREF too
 * if lp.  New lists are written to w; views are fixed up at the end, since
 * w may move while it grows.
 */
struct rib_policy_edit {
	size_t comm_off, large_off, path_off, cl_off;
	bool comm, large, path, cl;
};

static void
rib_policy_set(struct wbuf *w, struct bgp_attrs *a,
    const struct bgp_attr_set *set, bool lp, struct rib_policy_edit *e)
{
	if (set->ncommunities > 0) {
		e->comm_off = rib_policy_add_list(w, a->communities,
		    a->communities_len, set->communities, set->ncommunities, 4);
		e->comm = true;
	}
	if (set->nlarge > 0) {
		e->large_off = rib_policy_add_list(w, a->large_communities,
		    a->large_communities_len, set->large, set->nlarge, 12);
		e->large = true;
	}
	if (set->has_med) {
		a->present |= BGP_ATTR_BIT(BGP_ATTR_MED);
		a->med = set->med;
	}
	if (lp && set->has_local_pref) {
		a->present |= BGP_ATTR_BIT(BGP_ATTR_LOCAL_PREF);
		a->local_pref = set->local_pref;
	}
}

/* Point a's views at what rib_policy_set and friends wrote to w. */
static void
rib_policy_fixup(struct wbuf *w, struct bgp_attrs *a,
    const struct rib_policy_edit *e, size_t end_comm, size_t end_large,
    size_t end_path, size_t end_cl)
{
	if (e->comm) {
		a->communities = w->data + e->comm_off;
		a->communities_len = (uint16_t)(end_comm - e->comm_off);
		a->present |= BGP_ATTR_BIT(BGP_ATTR_COMMUNITIES);
	}
	if (e->large) {
		a->large_communities = w->data + e->large_off;
		a->large_communities_len = (uint16_t)(end_large - e->large_off);
		a->present |= BGP_ATTR_BIT(BGP_ATTR_LARGE_COMMUNITY);
	}
	if (e->path) {
		a->aspath = end_path > e->path_off ? w->data + e->path_off
						   : rib_policy_empty;
		a->aspath_len = (uint16_t)(end_path - e->path_off);
		a->present |= BGP_ATTR_BIT(BGP_ATTR_AS_PATH);
	}
	if (e->cl) {
		a->cluster_list = w->data + e->cl_off;
		a->cluster_list_len = (uint16_t)(end_cl - e->cl_off);
		a->present |= BGP_ATTR_BIT(BGP_ATTR_CLUSTER_LIST);
	}
}

/* Apply a set in one go (import and pools). */
static void
rib_policy_apply_set(struct wbuf *w, struct bgp_attrs *a,
    const struct bgp_attr_set *set, bool lp)
{
	struct rib_policy_edit e;
	size_t end_comm;

	memset(&e, 0, sizeof(e));
	rib_policy_set(w, a, set, lp, &e);
	end_comm = e.large ? e.large_off : w->len;
	rib_policy_fixup(w, a, &e, end_comm, w->len, 0, 0);
}

/*
 * Loop detection.  RFC 4271 9.1.2: a route whose AS_PATH holds our own AS
 * comes back from a loop (eBGP).  RFC 4456 8: a reflected route carrying
 * our router id as ORIGINATOR_ID, or our cluster id in its CLUSTER_LIST,
 * is ignored (iBGP).
 */
static bool
rib_policy_loop(const struct rib_peer *rp, const struct bgp_attrs *a)
{
	const struct rib *rib = rp->rib;
	uint32_t cid = rib_cluster_id(rib), v;
	size_t i;

	if (!rib_peer_is_ibgp(rp))
		return (a->present & BGP_ATTR_BIT(BGP_ATTR_AS_PATH)) &&
		    bgp_attr_aspath_contains(a->aspath, a->aspath_len,
			a->aspath_as4, rib->conf->asn);
	if ((a->present & BGP_ATTR_BIT(BGP_ATTR_ORIGINATOR_ID)) &&
	    a->originator_id == rib_router_id(rib))
		return true;
	for (i = 0; i + 4 <= a->cluster_list_len; i += 4) {
		memcpy(&v, a->cluster_list + i, 4);
		if (ntohl(v) == cid)
			return true;
	}
	return false;
}

bool
rib_policy_import_prefix(const struct rib_peer *rp, const struct prefix *p)
{
	const struct bgp_neighbor *nb = rp->nb;

	/* RFC 8212 3.1: no policy, no routes from an external peer. */
	if (nb == NULL || !nb->has_import)
		return rib_peer_is_ibgp(rp);
	if (nb->import.all)
		return true;
	return bgp_prefix_match(nb->import.prefixes, nb->import.nprefixes, p);
}

/*
 * The set of a received route after import: LOCAL_PREF from an external
 * peer is ignored (RFC 4271 5.1.5) and replaced by the import default
 * (100, or the policy's), then the policy's additions.  A set the policy
 * leaves as it is stays the one interned on receipt: the decision process
 * reads a missing LOCAL_PREF as 100 and export adds it towards internal
 * peers, so an eBGP set without one needs no second copy.
 */
struct rib_aset *
rib_policy_import_attrs(struct rib_peer *rp, struct rib_aset *in)
{
	struct rib *rib = rp->rib;
	const struct bgp_neighbor *nb = rp->nb;
	bool ibgp = rib_peer_is_ibgp(rp);
	const struct bgp_attr_set *set;
	struct bgp_attrs a;
	struct bgp_mp_nexthop nh;

	if (!ibgp && (nb == NULL || !nb->has_import))
		return NULL;
	if (rib_aset_decode(in, &a) == -1 || rib_policy_loop(rp, &a))
		return NULL;
	set = nb != NULL && nb->has_import ? &nb->import.set : NULL;
	if ((set == NULL ||
		(!set->has_local_pref && !set->has_med &&
		    set->ncommunities == 0 && set->nlarge == 0)) &&
	    (ibgp || !(a.present & BGP_ATTR_BIT(BGP_ATTR_LOCAL_PREF))))
		return rib_aset_ref(in);
	if (!ibgp) {
		a.present |= BGP_ATTR_BIT(BGP_ATTR_LOCAL_PREF);
		a.local_pref = RIB_DEFAULT_LOCAL_PREF;
	}
	wbuf_reset(&rib->pscratch);
	if (set != NULL)
		rib_policy_apply_set(&rib->pscratch, &a, set, true);
	rib_aset_nexthop(in, &nh);
	return rib_aset_from_attrs(
	    rib, &a, true, (in->flags & RIB_AS_MP) ? &nh : NULL);
}

/* Originated routes: ORIGIN IGP, an empty AS_PATH, the pool's set. */
struct rib_aset *
rib_policy_pool_aset(struct rib *rib, const struct bgp_pool *pool)
{
	struct bgp_attrs a;

	memset(&a, 0, sizeof(a));
	a.present =
	    BGP_ATTR_BIT(BGP_ATTR_ORIGIN) | BGP_ATTR_BIT(BGP_ATTR_AS_PATH);
	a.origin = BGP_ORIGIN_IGP;
	a.aspath_as4 = true;
	a.aspath = rib_policy_empty;
	wbuf_reset(&rib->pscratch);
	rib_policy_apply_set(&rib->pscratch, &a, &pool->attrs, true);
	return rib_aset_from_attrs(rib, &a, true, NULL);
}

/* Export cache. */

void
rib_policy_xcache_flush(struct rib *rib, struct rib_peer *rp)
{
	struct rib_xcache *x;
	size_t i;

	for (i = 0; i < rp->out.xc_size; i++) {
		x = &rp->out.xc[i];
		if (!x->valid)
			continue;
		rib_aset_unref(rib, x->src);
		rib_aset_unref(rib, x->out);
		memset(x, 0, sizeof(*x));
	}
}

static struct rib_xcache *
rib_policy_xcache_slot(struct rib_peer *rp, const struct rib_aset *src,
    uint16_t peer, uint8_t family)
{
	struct rib_peer_out *o = &rp->out;
	size_t want = o->xc_size;
	uint64_t h;

	/* Grown towards one slot per set, but only while sets are shared
	 * by several prefixes each: a route reflector for N agents with a
	 * /24 each has N sets of one prefix, where a slot per set per
	 * client is N^2 slots that are each used once. */
	if (o->xc_size == 0)
		want = RIB_XCACHE_MIN;
	else if (o->xc_size < RIB_XCACHE_MAX && o->xc_size < rp->rib->naset &&
	    rp->rib->nrouted >= RIB_XCACHE_SHARED * rp->rib->naset)
		want = o->xc_size * 2;
	if (want != o->xc_size) {
		rib_policy_xcache_flush(rp->rib, rp);
		free(o->xc);
		o->xc = xcalloc(want, sizeof(*o->xc));
		o->xc_size = want;
	}
	h = ((uintptr_t)src >> 4) ^ ((uint64_t)peer << 20) ^ family;
	h *= UINT64_C(0x9e3779b97f4a7c15);
	return &o->xc[(h >> 32) & (o->xc_size - 1)];
}

/*
 * RFC 8950: with extended next hops negotiated, IPv4 routes get our IPv6
 * next hop over an IPv6 session, or when we have no IPv4 address to
 * offer.
 */
static bool
rib_policy_v4_via_v6(const struct rib_peer *rp)
{
	const struct rib_peer_info *i = &rp->info;

	return i->ext_nh && i->local6.family == AF_INET6 &&
	    (i->addr.family == AF_INET6 || i->local4.family != AF_INET);
}

/* RFC 2545 3 / RFC 4271 5.1.3: our next hop towards rp for family. */
static int
rib_policy_nh_self(
    const struct rib_peer *rp, uint8_t family, struct bgp_mp_nexthop *nh)
{
	memset(nh, 0, sizeof(*nh));
	if (family == AF_INET && !rib_policy_v4_via_v6(rp)) {
		if (rp->info.local4.family != AF_INET)
			return -1;
		nh->global = rp->info.local4;
		return 0;
	}
	if (rp->info.local6.family != AF_INET6)
		return -1;
	nh->global = rp->info.local6;
	/* The link-local address only for a directly connected peer. */
	if (!rp->info.ibgp && rp->nb != NULL && rp->nb->multihop == 0 &&
	    rp->info.local6_ll.family == AF_INET6)
		nh->link_local = rp->info.local6_ll;
	return 0;
}

/* Can a route of family go to rp with next hop a?  Its own family, or
 * IPv6 for IPv4 when rp took extended next hops (RFC 8950). */
static bool
rib_policy_nh_fits(
    const struct rib_peer *rp, uint8_t family, const struct addr *a)
{
	return a->family == family ||
	    (family == AF_INET && a->family == AF_INET6 && rp->info.ext_nh);
}

/*
 * RFC 4271 5.1.3: to an external peer the next hop is ours (unless told
 * otherwise); to an internal one it passes unchanged (unless
 * next-hop-self).  A configured third-party address wins.  A route
 * originated here always gets ours.
 */
static int
rib_policy_nexthop(const struct rib_peer *rp, const struct rib_path *path,
    uint8_t family, struct bgp_attrs *a, struct bgp_mp_nexthop *nh)
{
	const struct bgp_neighbor *nb = rp->nb;
	const struct rib_aset *s = path->aset;
	struct addr gw = rib_aset_gateway(s);
	bool self;

	if (nb != NULL && nb->next_hop_addr.family != 0 &&
	    rib_policy_nh_fits(rp, family, &nb->next_hop_addr)) {
		memset(nh, 0, sizeof(*nh));
		nh->global = nb->next_hop_addr;
	} else {
		if (rp->info.ibgp)
			self = nb != NULL && nb->next_hop == BGP_NH_SELF;
		else
			self = nb == NULL || nb->next_hop != BGP_NH_UNCHANGED;
		if ((path->flags & RIB_PF_LOCAL) ||
		    !(s->flags & RIB_AS_NEXT_HOP) ||
		    !rib_policy_nh_fits(rp, family, &gw))
			self = true;
		if (self) {
			if (rib_policy_nh_self(rp, family, nh) == -1)
				return -1;
		} else {
			const struct rib_peer *src =
			    rib_path_peer(rp->rib, path);

			rib_aset_nexthop(s, nh);
			/* RFC 2545 3: a link-local next hop is only
			 * meaningful on the link it was learned on.  Passed
			 * on unchanged to a peer on another link (say, from
			 * an eBGP upstream to an iBGP peer), it pointed that
			 * peer at an address it cannot reach (found by the
			 * FRR interop test): keep it only when both sessions
			 * run over the same interface (same local
			 * link-local address). */
			if (nh->link_local.family == AF_INET6 &&
			    (src == NULL ||
				src->info.local6_ll.family != AF_INET6 ||
				addr_cmp(&src->info.local6_ll,
				    &rp->info.local6_ll) != 0))
				memset(
				    &nh->link_local, 0, sizeof(nh->link_local));
		}
	}
	/* An IPv6 next hop (RFC 2545, RFC 8950) goes in MP_REACH_NLRI. */
	if (nh->global.family == AF_INET) {
		a->present |= BGP_ATTR_BIT(BGP_ATTR_NEXT_HOP);
		a->next_hop = nh->global.v4;
	} else
		a->present &= ~BGP_ATTR_BIT(BGP_ATTR_NEXT_HOP);
	return 0;
}

/*
 * Rewrite a best path's set for rp.  RFC 4271 5.1.2: to an external peer
 * our AS is prepended (and as many times more as the policy asks); 5.1.4:
 * MULTI_EXIT_DISC is not passed on to other ASes, so it goes unless our
 * own policy or pool set it; 5.1.5: no LOCAL_PREF to external peers, and
 * always one to internal peers.  RFC 4456 8: a reflected route gets an
 * ORIGINATOR_ID (the router id of the peer it came from, unless it has
 * one) and our cluster id in front of its CLUSTER_LIST; both stay inside
 * the AS.  Unknown optional transitive attributes go on with the Partial
 * bit, which bgp_attr_encode sets.
 */
static struct rib_aset *
rib_policy_export_attrs(
    struct rib_peer *rp, const struct rib_path *path, uint8_t family)
{
	struct rib *rib = rp->rib;
	const struct bgp_attr_set *set =
	    rp->nb != NULL && rp->nb->has_export ? &rp->nb->export.set : NULL;
	struct wbuf *w = &rib->pscratch;
	struct rib_policy_edit e;
	struct bgp_mp_nexthop nh;
	struct rib_aset *out;
	struct bgp_attrs a;
	bool ebgp = !rp->info.ibgp, local = path->flags & RIB_PF_LOCAL;
	const struct rib_peer *src = local ? NULL : rib_path_peer(rib, path);
	size_t end_comm, end_large, end_path;
	uint32_t cid;

	if (rib_aset_decode(path->aset, &a) == -1 ||
	    rib_policy_nexthop(rp, path, family, &a, &nh) == -1)
		return NULL;
	memset(&e, 0, sizeof(e));
	wbuf_reset(w);
	if (ebgp) {
		e.path = true;
		e.path_off = w->len;
		bgp_attr_aspath_prepend(w, a.aspath, a.aspath_len,
		    rib->conf->asn, 1 + (set != NULL ? set->prepend : 0));
		end_path = w->len;
		a.present &= ~(BGP_ATTR_BIT(BGP_ATTR_LOCAL_PREF) |
		    BGP_ATTR_BIT(BGP_ATTR_ORIGINATOR_ID) |
		    BGP_ATTR_BIT(BGP_ATTR_CLUSTER_LIST));
		if (!local)
			a.present &= ~BGP_ATTR_BIT(BGP_ATTR_MED);
	} else {
		end_path = 0;
		if (!(a.present & BGP_ATTR_BIT(BGP_ATTR_LOCAL_PREF))) {
			a.present |= BGP_ATTR_BIT(BGP_ATTR_LOCAL_PREF);
			a.local_pref = RIB_DEFAULT_LOCAL_PREF;
		}
		if (src != NULL && rib_peer_is_ibgp(src)) {
			if (!(a.present &
				BGP_ATTR_BIT(BGP_ATTR_ORIGINATOR_ID))) {
				a.present |=
				    BGP_ATTR_BIT(BGP_ATTR_ORIGINATOR_ID);
				a.originator_id = src->info.bgp_id;
			}
			e.cl = true;
			e.cl_off = w->len;
			cid = htonl(rib_cluster_id(rib));
			wbuf_put_bytes(w, &cid, 4);
			if (a.present & BGP_ATTR_BIT(BGP_ATTR_CLUSTER_LIST))
				wbuf_put_bytes(
				    w, a.cluster_list, a.cluster_list_len);
		}
	}
	if (set != NULL)
		rib_policy_set(w, &a, set, !ebgp, &e);
	end_comm = e.large ? e.large_off : w->len;
	end_large = w->len;
	rib_policy_fixup(w, &a, &e, end_comm, end_large, end_path,
	    e.comm ? e.comm_off : (e.large ? e.large_off : w->len));
	out = rib_aset_from_attrs(
	    rib, &a, rp->info.as4, nh.global.family == AF_INET6 ? &nh : NULL);
	if (out != NULL && out->len > RIB_MAX_OUT_ATTRS) {
		rib_aset_unref(rib, out);
		out = NULL;
	}
	return out;
}

/* Does policy let the best path of p go to rp at all? */
static bool
rib_policy_export_ok(const struct rib_peer *rp, const struct rib_prefix *p,
    const struct rib_path *path)
{
	const struct rib *rib = rp->rib;
	const struct bgp_neighbor *nb = rp->nb;
	const struct rib_peer *src;
	bool ebgp = !rp->info.ibgp, local = path->flags & RIB_PF_LOCAL;

	/* RFC 1997: NO_ADVERTISE to nobody; NO_EXPORT and
	 * NO_EXPORT_SUBCONFED not outside the AS (we run no
	 * confederation, so both mean the same here). */
	if (path->aset->flags & RIB_AS_NO_ADVERTISE)
		return false;
	if (ebgp &&
	    (path->aset->flags & (RIB_AS_NO_EXPORT | RIB_AS_NO_EXPORT_SUB)))
		return false;
	if (local) {
		if (rp->egress_held && path->kind == BGP_POOL_EGRESS)
			return false;
		if (nb != NULL && nb->has_export)
			return path->kind < BGP_POOL_KIND_MAX &&
			    nb->export.kinds[path->kind];
		return !ebgp; /* RFC 8212 3.2 */
	}
	src = rib_path_peer(rib, path);
	if (src == rp)
		return false;
	/* RFC 4456 6: from a client to all other peers; from a non-client
	 * iBGP peer to clients only.  Without reflection (RFC 4271 9.2),
	 * iBGP-learned routes never go to iBGP peers. */
	if (!ebgp && rib_peer_is_ibgp(src) &&
	    !(src->nb != NULL && src->nb->rr_client) &&
	    !(nb != NULL && nb->rr_client))
		return false;
	if (nb == NULL || !nb->has_export)
		return !ebgp; /* RFC 8212 3.2; iBGP: everything */
	if (!nb->export.learned)
		return false;
	return nb->export.nprefixes == 0 ||
	    bgp_prefix_match(
		nb->export.prefixes, nb->export.nprefixes, &p->pfx);
}

/*
 * The set to advertise p with to rp, a new reference, or NULL to
 * withdraw it.
 */
struct rib_aset *
rib_policy_export(struct rib_peer *rp, const struct rib_prefix *p,
    const struct rib_path *path)
{
	struct rib *rib = rp->rib;
	uint8_t family = p->pfx.addr.family;
	struct rib_xcache *x;

	if (path == NULL || !(path->flags & RIB_PF_BEST))
		return NULL;
	if (!((family == AF_INET && (rp->info.families & BGP_FAM_IPV4)) ||
		(family == AF_INET6 && (rp->info.families & BGP_FAM_IPV6))))
		return NULL;
	if (!rib_policy_export_ok(rp, p, path))
		return NULL;
	x = rib_policy_xcache_slot(rp, path->aset, path->peer, family);
	if (x->valid && x->src == path->aset && x->peer == path->peer &&
	    x->family == family)
		return rib_aset_ref(x->out);
	if (x->valid) {
		rib_aset_unref(rib, x->src);
		rib_aset_unref(rib, x->out);
	}
	x->src = rib_aset_ref(path->aset);
	x->out = rib_policy_export_attrs(rp, path, family);
	x->peer = path->peer;
	x->family = family;
	x->valid = 1;
	return rib_aset_ref(x->out);
}
