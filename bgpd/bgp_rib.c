/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The RIB's tables: prefixes, interned attribute sets, paths and peers,
 * route input and the read-only walks.  The decision process lives in
 * bgp_decide.c, policy in bgp_policy.c and output in bgp_out.c.
 *
 * The shape follows BIRD's memory discipline.  Prefixes sit in a chunked
 * array and are named by a dense id, which lets every peer keep its
 * Adj-RIB-Out as a flat array indexed by id; a prefix hash of 32-bit ids
 * with linear probing finds them.  Paths come from a slab.  Attribute sets
 * are interned by their canonical encoding (bgp_attr_encode) so an UPDATE
 * carrying 1000 prefixes costs one encode and one hash lookup, and every
 * path and Adj-RIB-Out entry sharing a set holds a reference to it.
 * Nothing here allocates per prefix except when a chunk or a table grows.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "bgp_rib_int.h"
#include "log.h"

OBJCOUNT(rib_prefix)
OBJCOUNT(rib_path)
OBJCOUNT(rib_aset)
OBJCOUNT(rib_peer)

#define RIB_SLAB_CHUNK	   65536
#define RIB_POOL_MAX_HOSTS (1u << 20) /* per_address expansion cap */

/* Slab. */

static void
rib_slab_init(struct rib_slab *s, size_t size, struct objcount *count)
{
	memset(s, 0, sizeof(*s));
	s->size = size < sizeof(void *) ? sizeof(void *) : size;
	s->count = count;
}

static void *
rib_slab_alloc(struct rib_slab *s)
{
	uint8_t *chunk;
	void *obj;
	size_t i, n;

	if (s->free == NULL) {
		chunk = xmalloc(RIB_SLAB_CHUNK);
		s->chunks = xreallocarray(
		    s->chunks, s->nchunks + 1, sizeof(*s->chunks));
		s->chunks[s->nchunks++] = chunk;
		n = RIB_SLAB_CHUNK / s->size;
		for (i = n; i-- > 0;) {
			*(void **)(chunk + i * s->size) = s->free;
			s->free = chunk + i * s->size;
		}
	}
	obj = s->free;
	s->free = *(void **)obj;
	objcount_inc(s->count);
	return obj;
}

static void
rib_slab_free(struct rib_slab *s, void *obj)
{
	*(void **)obj = s->free;
	s->free = obj;
	objcount_dec(s->count);
}

static void
rib_slab_destroy(struct rib_slab *s)
{
	size_t i;

	for (i = 0; i < s->nchunks; i++)
		free(s->chunks[i]);
	free(s->chunks);
	memset(s, 0, sizeof(*s));
}

/* Hashing. */

static inline uint64_t
rib_mix(uint64_t h)
{
	h ^= h >> 33;
	h *= UINT64_C(0xff51afd7ed558ccd);
	h ^= h >> 33;
	h *= UINT64_C(0xc4ceb9fe1a85ec53);
	h ^= h >> 33;
	return h;
}

static uint32_t
rib_hash_bytes(const uint8_t *p, size_t len, uint64_t seed)
{
	uint64_t h = seed ^ (len * UINT64_C(0x9e3779b97f4a7c15)), w;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, p + i, 8);
		h = (h ^ w) * UINT64_C(0x100000001b3) + (h >> 29);
	}
	w = 0;
	memcpy(&w, p + i, len - i);
	h ^= w;
	return (uint32_t)rib_mix(h);
}

static inline uint32_t
rib_prefix_hash(const struct prefix *p)
{
	uint64_t a, b;

	memcpy(&a, p->addr.bytes, 8);
	memcpy(&b, p->addr.bytes + 8, 8);
	return (uint32_t)rib_mix(
	    a ^ rib_mix(b ^ ((uint64_t)p->len << 8 | p->addr.family)));
}

/* Prefix table. */

static void
rib_prefix_key(struct prefix *k, const struct prefix *p)
{
	memset(k, 0, sizeof(*k));
	k->addr.family = p->addr.family;
	k->len = p->len;
	memcpy(k->addr.bytes, p->addr.bytes, sizeof(k->addr.bytes));
}

/*
 * Hash slots hold id + 1 in the low 24 bits and 8 more bits of the hash
 * on top, so a probe rarely touches a prefix record that is not the one
 * sought (each such touch is a cache miss).  A slot's home comes from the
 * low 24 bits of the hash scaled to the table size, which need not be a
 * power of two: the table grows by half at 80% load, so a million
 * prefixes take 1.5M slots (6 MB) rather than the 2M a doubling table
 * reaches at 75%.
 */
#define RIB_SLOT_ID(s)	 (((s)&0xffffffu) - 1)
#define RIB_SLOT_TAG(h)	 ((h)&0xff000000u)
#define RIB_MAX_PREFIXES 0xfffffeu
#define RIB_HASH_MIN	 1024

static inline size_t
rib_hash_home(const struct rib *rib, uint32_t h)
{
	return (size_t)(((uint64_t)(h & 0xffffffu) * rib->hash_size) >> 24);
}

static inline size_t
rib_hash_next(const struct rib *rib, size_t i)
{
	return i + 1 < rib->hash_size ? i + 1 : 0;
}

static void
rib_hash_insert(struct rib *rib, uint32_t id)
{
	uint32_t h = rib_prefix_hash(&rib_prefix_by_id(rib, id)->pfx);
	size_t i;

	for (i = rib_hash_home(rib, h); rib->hash[i] != 0;
	     i = rib_hash_next(rib, i))
		;
	rib->hash[i] = RIB_SLOT_TAG(h) | (id + 1);
}

static void
rib_hash_grow(struct rib *rib)
{
	uint32_t *old = rib->hash;
	size_t oldsize = rib->hash_size, i;

	rib->hash_size = oldsize ? oldsize + oldsize / 2 : RIB_HASH_MIN;
	rib->hash = xcalloc(rib->hash_size, sizeof(*rib->hash));
	free(old);
	/* Rehash from the prefix array, read in order, rather than from
	 * the old slots, which would cost a cache miss per entry. */
	for (i = 0; i < rib->next_id; i++)
		if (rib_prefix_by_id(rib, (uint32_t)i)->flags & RIB_PFX_USED)
			rib_hash_insert(rib, (uint32_t)i);
}

static struct rib_prefix *
rib_prefix_lookup(const struct rib *rib, const struct prefix *key)
{
	uint32_t h = rib_prefix_hash(key), s;
	struct rib_prefix *p;
	size_t i;

	if (rib->hash_size == 0)
		return NULL;
	for (i = rib_hash_home(rib, h); (s = rib->hash[i]) != 0;
	     i = rib_hash_next(rib, i)) {
		if (RIB_SLOT_TAG(s) != RIB_SLOT_TAG(h))
			continue;
		p = rib_prefix_by_id(rib, RIB_SLOT_ID(s));
		if (memcmp(&p->pfx, key, sizeof(*key)) == 0)
			return p;
	}
	return NULL;
}

static uint32_t
rib_id_alloc(struct rib *rib)
{
	if (rib->nfree > 0)
		return rib->free_ids[--rib->nfree];
	if ((rib->next_id >> RIB_CHUNK_SHIFT) >= rib->nchunks) {
		rib->chunks = xreallocarray(
		    rib->chunks, rib->nchunks + 1, sizeof(*rib->chunks));
		rib->chunks[rib->nchunks++] =
		    xcalloc(RIB_CHUNK_SIZE, sizeof(struct rib_prefix));
	}
	return rib->next_id++;
}

static struct rib_prefix *
rib_prefix_get(struct rib *rib, const struct prefix *pfx)
{
	struct prefix key;
	struct rib_prefix *p;
	uint32_t id;

	rib_prefix_key(&key, pfx);
	if ((p = rib_prefix_lookup(rib, &key)) != NULL)
		return p;
	if ((rib->nprefixes + 1) * 5 > rib->hash_size * 4)
		rib_hash_grow(rib);
	if (rib->nprefixes >= RIB_MAX_PREFIXES)
		fatal("rib: more than %u prefixes", RIB_MAX_PREFIXES);
	id = rib_id_alloc(rib);
	p = rib_prefix_by_id(rib, id);
	memset(p, 0, sizeof(*p));
	p->id = id;
	p->flags = RIB_PFX_USED;
	p->pfx = key;
	rib_hash_insert(rib, id);
	rib->nprefixes++;
	objcount_inc(&objcount_rib_prefix);
	return p;
}

/* Linear probing delete with backward shift: no tombstones. */
static void
rib_hash_remove(struct rib *rib, uint32_t id)
{
	struct rib_prefix *p = rib_prefix_by_id(rib, id);
	size_t i, j, home;

	for (i = rib_hash_home(rib, rib_prefix_hash(&p->pfx));
	     RIB_SLOT_ID(rib->hash[i]) != id; i = rib_hash_next(rib, i))
		;
	j = i;
	for (;;) {
		rib->hash[i] = 0;
		for (;;) {
			j = rib_hash_next(rib, j);
			if (rib->hash[j] == 0)
				return;
			home = rib_hash_home(rib,
			    rib_prefix_hash(&rib_prefix_by_id(
				rib, RIB_SLOT_ID(rib->hash[j]))
						 ->pfx));
			/* Stays unless home lies cyclically in (i, j]. */
			if (i <= j ? (home <= i || home > j)
				   : (home <= i && home > j))
				break;
		}
		rib->hash[i] = rib->hash[j];
		i = j;
	}
}

void
rib_prefix_maybe_free(struct rib *rib, struct rib_prefix *p)
{
	if (p->paths != NULL || p->refs != 0 || !(p->flags & RIB_PFX_USED))
		return;
	if (!rib->dying)
		rib_hash_remove(rib, p->id);
	p->flags = 0;
	if (rib->nfree == rib->free_cap) {
		rib->free_cap = rib->free_cap ? rib->free_cap * 2 : 256;
		rib->free_ids = xreallocarray(
		    rib->free_ids, rib->free_cap, sizeof(*rib->free_ids));
	}
	rib->free_ids[rib->nfree++] = p->id;
	rib->nprefixes--;
	objcount_dec(&objcount_rib_prefix);
}

/* Attribute sets. */

static void
rib_aset_fill(struct rib_aset *s)
{
	struct bgp_attr_opts o = { .as4 = (s->flags & RIB_AS_AS4) != 0 };
	struct bgp_attrs a;
	struct bgp_err err;

	bgp_msg_err_clear(&err);
	if (bgp_attr_decode(s->data, s->len, &o, &a, &err) ==
	    BGP_ACT_SESSION_RESET)
		return;
	s->origin = a.origin;
	if (a.present & BGP_ATTR_BIT(BGP_ATTR_AS_PATH)) {
		s->aspath_count = (uint16_t)bgp_attr_aspath_count(
		    a.aspath, a.aspath_len, a.aspath_as4);
		s->neighbor_as =
		    bgp_attr_aspath_first(a.aspath, a.aspath_len, a.aspath_as4);
	}
	if (a.present & BGP_ATTR_BIT(BGP_ATTR_LOCAL_PREF)) {
		s->flags |= RIB_AS_LOCAL_PREF;
		s->local_pref = a.local_pref;
	}
	if (a.present & BGP_ATTR_BIT(BGP_ATTR_MED)) {
		s->flags |= RIB_AS_MED;
		s->med = a.med;
	}
	if (a.present & BGP_ATTR_BIT(BGP_ATTR_ORIGINATOR_ID)) {
		s->flags |= RIB_AS_ORIGINATOR;
		s->originator_id = a.originator_id;
	}
	s->cluster_count = a.cluster_list_len / 4;
	if (bgp_attr_has_community(&a, BGP_COMM_NO_EXPORT))
		s->flags |= RIB_AS_NO_EXPORT;
	if (bgp_attr_has_community(&a, BGP_COMM_NO_ADVERTISE))
		s->flags |= RIB_AS_NO_ADVERTISE;
	if (bgp_attr_has_community(&a, BGP_COMM_NO_EXPORT_SUBCONFED))
		s->flags |= RIB_AS_NO_EXPORT_SUB;
	if (s->flags & RIB_AS_MP)
		s->flags |= RIB_AS_NEXT_HOP;
	else if (a.present & BGP_ATTR_BIT(BGP_ATTR_NEXT_HOP)) {
		s->nh4 = a.next_hop;
		s->flags |= RIB_AS_NEXT_HOP;
	}
}

static void
rib_aset_grow(struct rib *rib)
{
	struct rib_aset **old = rib->aset_hash, *s, *next;
	size_t oldsize = rib->aset_size, i, mask;

	rib->aset_size = oldsize ? oldsize * 2 : 256;
	mask = rib->aset_size - 1;
	rib->aset_hash = xcalloc(rib->aset_size, sizeof(*rib->aset_hash));
	for (i = 0; i < oldsize; i++)
		for (s = old[i]; s != NULL; s = next) {
			next = s->next;
			s->next = rib->aset_hash[s->hash & mask];
			rib->aset_hash[s->hash & mask] = s;
		}
	free(old);
}

/*
 * Intern a canonical attribute block.  keyflags holds RIB_AS_AS4 (the
 * block's AS width) and RIB_AS_MP (nh is part of the key).  Returns a
 * new reference.
 */
struct rib_aset *
rib_aset_intern(struct rib *rib, const uint8_t *data, size_t len,
    uint16_t keyflags, const struct bgp_mp_nexthop *nh)
{
	struct bgp_mp_nexthop key;
	struct rib_aset *s;
	uint32_t h;

	memset(&key, 0, sizeof(key));
	if (keyflags & RIB_AS_MP) {
		key.global = nh->global;
		key.link_local = nh->link_local;
	}
	h = rib_hash_bytes(data, len, keyflags);
	if (keyflags & RIB_AS_MP)
		h ^= rib_hash_bytes((const uint8_t *)&key, sizeof(key), 7);
	if (rib->aset_size > 0)
		for (s = rib->aset_hash[h & (rib->aset_size - 1)]; s != NULL;
		     s = s->next)
			if (s->hash == h && s->len == len &&
			    (s->flags & RIB_AS_KEY) == keyflags &&
			    memcmp(s->data, data, len) == 0 &&
			    (!(keyflags & RIB_AS_MP) ||
				memcmp(s->data + len, &key, sizeof(key)) == 0))
				return rib_aset_ref(s);
	if (rib->naset >= rib->aset_size)
		rib_aset_grow(rib);
	s = xcalloc(
	    1, sizeof(*s) + len + (keyflags & RIB_AS_MP ? sizeof(key) : 0));
	s->hash = h;
	s->refcnt = 1;
	s->flags = keyflags;
	s->len = (uint16_t)len;
	memcpy(s->data, data, len);
	if (keyflags & RIB_AS_MP)
		memcpy(s->data + len, &key, sizeof(key));
	rib_aset_fill(s);
	s->next = rib->aset_hash[h & (rib->aset_size - 1)];
	rib->aset_hash[h & (rib->aset_size - 1)] = s;
	rib->naset++;
	objcount_inc(&objcount_rib_aset);
	return s;
}

struct rib_aset *
rib_aset_ref(struct rib_aset *s)
{
	if (s != NULL)
		s->refcnt++;
	return s;
}

void
rib_aset_unref(struct rib *rib, struct rib_aset *s)
{
	struct rib_aset **pp;

	if (s == NULL || --s->refcnt > 0)
		return;
	for (pp = &rib->aset_hash[s->hash & (rib->aset_size - 1)]; *pp != s;
	     pp = &(*pp)->next)
		;
	*pp = s->next;
	rib->naset--;
	objcount_dec(&objcount_rib_aset);
	free(s);
}

struct rib_aset *
rib_aset_from_attrs(struct rib *rib, const struct bgp_attrs *a, bool as4,
    const struct bgp_mp_nexthop *nh)
{
	wbuf_reset(&rib->enc);
	if (bgp_attr_encode(a, as4, &rib->enc) == -1)
		return NULL;
	return rib_aset_intern(rib, rib->enc.data, rib->enc.len,
	    (uint16_t)((as4 ? RIB_AS_AS4 : 0) | (nh != NULL ? RIB_AS_MP : 0)),
	    nh);
}

int
rib_aset_decode(const struct rib_aset *s, struct bgp_attrs *a)
{
	struct bgp_attr_opts o = { .as4 = (s->flags & RIB_AS_AS4) != 0 };
	struct bgp_err err;

	bgp_msg_err_clear(&err);
	if (bgp_attr_decode(s->data, s->len, &o, a, &err) >=
	    BGP_ACT_TREAT_AS_WITHDRAW)
		return -1;
	return 0;
}

/* Small helpers for the other files. */

bool
rib_peer_is_ibgp(const struct rib_peer *rp)
{
	if (rp->up)
		return rp->info.ibgp;
	return rp->nb != NULL && rp->nb->asn == rp->rib->conf->asn;
}

uint32_t
rib_router_id(const struct rib *rib)
{
	return ntohl(rib->conf->router_id.v4.s_addr);
}

uint32_t
rib_cluster_id(const struct rib *rib)
{
	if (rib->conf->cluster_id.family == AF_INET)
		return ntohl(rib->conf->cluster_id.v4.s_addr);
	return rib_router_id(rib);
}

/* Change propagation. */

void
rib_prefix_changed(struct rib *rib, struct rib_prefix *p, bool export, bool fib)
{
	struct rib_nexthop nh[64];
	size_t i;
	int n;

	if (export)
		for (i = 1; i < rib->npeers; i++)
			if (rib->peers[i] != NULL && rib->peers[i]->up)
				rib_out_queue(rib->peers[i], p);
	if (!fib || rib->hooks.best_changed == NULL)
		return;
	n = rib_decide_nexthops(rib, p, nh, sizeof(nh) / sizeof(nh[0]));
	/* Report a prefix gone only if it was reported present. */
	if (n == 0 && !(p->flags & RIB_PFX_FIB))
		return;
	if (n > 0)
		p->flags |= RIB_PFX_FIB;
	else
		p->flags &= (uint8_t)~RIB_PFX_FIB;
	rib->hooks.best_changed(rib->ctx, &p->pfx, nh, (size_t)n);
}

static void
rib_path_settle(struct rib *rib, struct rib_prefix *p, struct rib_path *path,
    bool was_best, bool was_multi)
{
	int d = rib_decide(rib, p);
	bool export, fib;

	export = (d & RIB_DEC_BEST) || was_best ||
	    (path != NULL && (path->flags & RIB_PF_BEST));
	fib = (d & RIB_DEC_MULTI) || was_multi ||
	    (path != NULL && (path->flags & RIB_PF_MULTI));
	if (export || fib)
		rib_prefix_changed(rib, p, export, fib);
}

/* The next hop path_changed reports for path; false: none (local,
 * rejected, no next hop). */
static bool
rib_path_nexthop(
    const struct rib *rib, const struct rib_path *path, struct rib_nexthop *nh)
{
	const struct rib_peer *rp;

	if (rib->hooks.path_changed == NULL || rib->dying ||
	    (path->flags & (RIB_PF_LOCAL | RIB_PF_REJECTED)) ||
	    path->aset == NULL || !(path->aset->flags & RIB_AS_NEXT_HOP))
		return false;
	rp = rib_path_peer(rib, path);
	memset(nh, 0, sizeof(*nh));
	nh->gw = rib_aset_gateway(path->aset);
	nh->peer = rp->info.addr;
	nh->peer_asn = rp->info.asn;
	nh->ibgp = rp->info.ibgp;
	return true;
}

static struct rib_path **
rib_path_find(struct rib_prefix *p, uint16_t peer)
{
	struct rib_path **pp;

	for (pp = &p->paths; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->peer == peer)
			return pp;
	return NULL;
}

static void
rib_path_count(struct rib *rib, const struct rib_path *path, int dir)
{
	struct rib_peer *rp;

	if (path->peer == RIB_PEER_LOCAL)
		return;
	rp = rib->peers[path->peer];
	rp->received += (uint64_t)(int64_t)dir;
	if (!(path->flags & RIB_PF_REJECTED))
		rp->accepted += (uint64_t)(int64_t)dir;
}

/*
 * Add or replace the path of peer for prefix p: in is the set received
 * (or the pool's set), aset the set after import, NULL when rejected.
 * Takes new references.
 */
static void
rib_path_set(struct rib *rib, struct rib_prefix *p, uint16_t peer,
    struct rib_aset *in, struct rib_aset *aset, uint8_t kind)
{
	struct rib_path **pp = rib_path_find(p, peer), *path;
	bool was_best = false, was_multi = false, had = false, has;
	struct rib_nexthop onh, nnh;

	if (pp != NULL) {
		path = *pp;
		had = rib_path_nexthop(rib, path, &onh);
		path->flags &= (uint8_t)~RIB_PF_STALE;
		if (path->flags & RIB_PF_GR_STALE) {
			/* Sent again: RFC 4724 4.2, no longer stale. */
			path->flags &= (uint8_t)~RIB_PF_GR_STALE;
			rib->peers[peer]->stale--;
		}
		if (path->in == in && path->aset == aset && path->kind == kind)
			return;
		was_best = (path->flags & RIB_PF_BEST) != 0;
		was_multi = (path->flags & RIB_PF_MULTI) != 0;
		rib_path_count(rib, path, -1);
		rib_aset_unref(rib, path->in);
		rib_aset_unref(rib, path->aset);
	} else {
		path = rib_slab_alloc(&rib->path_slab);
		memset(path, 0, sizeof(*path));
		path->peer = peer;
		if (p->paths == NULL)
			rib->nrouted++;
		path->next = p->paths;
		p->paths = path;
	}
	path->in = rib_aset_ref(in);
	path->aset = rib_aset_ref(aset);
	path->kind = kind;
	if (peer == RIB_PEER_LOCAL)
		path->flags |= RIB_PF_LOCAL;
	if (aset == NULL)
		path->flags |= RIB_PF_REJECTED;
	else
		path->flags &= (uint8_t)~RIB_PF_REJECTED;
	rib_path_count(rib, path, 1);
	/* The new next hop is known before the best path may move to it,
	 * the old one goes after. */
	has = rib_path_nexthop(rib, path, &nnh);
	if (had && has && addr_cmp(&onh.gw, &nnh.gw) == 0)
		had = has = false;
	if (has)
		rib->hooks.path_changed(rib->ctx, &p->pfx, &nnh, false);
	rib_path_settle(rib, p, path, was_best, was_multi);
	if (had)
		rib->hooks.path_changed(rib->ctx, &p->pfx, &onh, true);
}

static void
rib_path_unlink(struct rib *rib, struct rib_prefix *p, struct rib_path **pp)
{
	struct rib_path *path = *pp;
	bool was_best = (path->flags & RIB_PF_BEST) != 0;
	bool was_multi = (path->flags & RIB_PF_MULTI) != 0;
	struct rib_nexthop nh;
	bool had = rib_path_nexthop(rib, path, &nh);

	*pp = path->next;
	if (path->flags & RIB_PF_GR_STALE)
		rib->peers[path->peer]->stale--;
	rib_path_count(rib, path, -1);
	rib_aset_unref(rib, path->in);
	rib_aset_unref(rib, path->aset);
	rib_slab_free(&rib->path_slab, path);
	if (p->paths == NULL)
		rib->nrouted--;
	rib_path_settle(rib, p, NULL, was_best, was_multi);
	if (had)
		rib->hooks.path_changed(rib->ctx, &p->pfx, &nh, true);
	rib_prefix_maybe_free(rib, p);
}

static void
rib_path_remove(struct rib *rib, const struct prefix *pfx, uint16_t peer)
{
	struct rib_prefix *p;
	struct rib_path **pp;
	struct prefix key;

	rib_prefix_key(&key, pfx);
	if ((p = rib_prefix_lookup(rib, &key)) == NULL ||
	    (pp = rib_path_find(p, peer)) == NULL)
		return;
	rib_path_unlink(rib, p, pp);
}

/* Life cycle. */

struct rib *
rib_new(const struct bgp_conf *conf, const struct rib_hooks *hooks, void *ctx)
{
	struct rib *rib = xcalloc(1, sizeof(*rib));

	if (hooks != NULL)
		rib->hooks = *hooks;
	rib->ctx = ctx;
	rib_slab_init(
	    &rib->path_slab, sizeof(struct rib_path), &objcount_rib_path);
	wbuf_init(&rib->enc, BGP_MAX_MSG_LEN);
	wbuf_init(&rib->scratch, BGP_MAX_MSG_LEN);
	wbuf_init(&rib->pscratch, BGP_MAX_MSG_LEN);
	rib->npeers = 1; /* index 0: originated paths */
	rib->peers = xcalloc(1, sizeof(*rib->peers));
	rib_configure(rib, conf);
	return rib;
}

typedef void (*rib_prefix_fn)(struct rib *, struct rib_prefix *, void *);

static void
rib_foreach_prefix(struct rib *rib, rib_prefix_fn fn, void *arg)
{
	struct rib_prefix *p;
	uint32_t id;

	for (id = 0; id < rib->next_id; id++) {
		p = rib_prefix_by_id(rib, id);
		if (p->flags & RIB_PFX_USED)
			fn(rib, p, arg);
	}
}

static void
rib_free_prefix(struct rib *rib, struct rib_prefix *p, void *arg)
{
	struct rib_path *path, *next;

	(void)arg;
	for (path = p->paths; path != NULL; path = next) {
		next = path->next;
		rib_aset_unref(rib, path->in);
		rib_aset_unref(rib, path->aset);
		rib_slab_free(&rib->path_slab, path);
	}
	p->paths = NULL;
	p->refs = 0;
	p->flags = 0;
	objcount_dec(&objcount_rib_prefix);
}

void
rib_shutdown(struct rib *rib)
{
	rib->dying = true;
}

void
rib_free(struct rib *rib)
{
	size_t i;

	if (rib == NULL)
		return;
	rib->dying = true; /* no decisions, no hash upkeep */
	for (i = 1; i < rib->npeers; i++)
		if (rib->peers[i] != NULL)
			rib_peer_free(rib->peers[i]);
	rib_foreach_prefix(rib, rib_free_prefix, NULL);
	for (i = 0; i < rib->nchunks; i++)
		free(rib->chunks[i]);
	free(rib->chunks);
	free(rib->free_ids);
	free(rib->hash);
	free(rib->aset_hash);
	free(rib->peers);
	free(rib->cand);
	rib_slab_destroy(&rib->path_slab);
	wbuf_free(&rib->enc);
	wbuf_free(&rib->scratch);
	wbuf_free(&rib->pscratch);
	free(rib->b_grp);
	free(rib->groups);
	free(rib->gmap);
	free(rib);
}

/* Pools: mark every originated path stale, upsert the configured ones,
 * sweep what is left. */

static void
rib_pool_mark(struct rib *rib, struct rib_prefix *p, void *arg)
{
	struct rib_path **pp = rib_path_find(p, RIB_PEER_LOCAL);

	(void)rib;
	(void)arg;
	if (pp != NULL)
		(*pp)->flags |= RIB_PF_STALE;
}

static void
rib_pool_sweep(struct rib *rib, struct rib_prefix *p, void *arg)
{
	struct rib_path **pp = rib_path_find(p, RIB_PEER_LOCAL);

	(void)arg;
	if (pp != NULL && ((*pp)->flags & RIB_PF_STALE))
		rib_path_unlink(rib, p, pp);
}

static void
rib_pool_upsert(struct rib *rib, const struct prefix *pfx,
    struct rib_aset *aset, uint8_t kind)
{
	struct rib_prefix *p = rib_prefix_get(rib, pfx);
	struct rib_path **pp = rib_path_find(p, RIB_PEER_LOCAL);

	/* Two pools covering one prefix: the first one wins. */
	if (pp != NULL && !((*pp)->flags & RIB_PF_STALE))
		return;
	rib_path_set(rib, p, RIB_PEER_LOCAL, aset, aset, kind);
}

static void
rib_pool_addr_inc(struct addr *a)
{
	int i = a->family == AF_INET ? 3 : 15;

	for (; i >= 0; i--)
		if (++a->bytes[i] != 0)
			break;
}

static void
rib_pool_apply(struct rib *rib, const struct bgp_pool *pool)
{
	struct rib_aset *aset = rib_policy_pool_aset(rib, pool);
	unsigned bits = addr_bits(pool->prefix.addr.family);
	unsigned hostbits = bits - pool->prefix.len;
	struct prefix host;
	uint64_t n, i;

	if (aset == NULL)
		return;
	if (!pool->per_address) {
		rib_pool_upsert(rib, &pool->prefix, aset, (uint8_t)pool->kind);
		goto out;
	}
	n = hostbits >= 20 ? RIB_POOL_MAX_HOSTS : UINT64_C(1) << hostbits;
	rib_prefix_key(&host, &pool->prefix);
	host.len = (uint8_t)bits;
	for (i = 0; i < n; i++) {
		rib_pool_upsert(rib, &host, aset, (uint8_t)pool->kind);
		rib_pool_addr_inc(&host.addr);
	}
out:
	rib_aset_unref(rib, aset);
}

void
rib_configure(struct rib *rib, const struct bgp_conf *conf)
{
	unsigned old_ecmp = rib->conf != NULL ? rib->conf->ecmp : 0;
	size_t i;

	rib->conf = conf;
	for (i = 1; i < rib->npeers; i++)
		if (rib->peers[i] != NULL)
			rib_policy_xcache_flush(rib, rib->peers[i]);
	rib_foreach_prefix(rib, rib_pool_mark, NULL);
	for (i = 0; i < conf->npools; i++)
		rib_pool_apply(rib, &conf->pools[i]);
	rib_foreach_prefix(rib, rib_pool_sweep, NULL);
	if (old_ecmp != 0 && old_ecmp != conf->ecmp)
		for (i = 0; i < rib->next_id; i++) {
			struct rib_prefix *p =
			    rib_prefix_by_id(rib, (uint32_t)i);

			if ((p->flags & RIB_PFX_USED) && p->paths != NULL)
				rib_path_settle(rib, p, NULL, false, false);
		}
}

/* Peers. */

struct rib_peer *
rib_peer_new(struct rib *rib, const struct bgp_neighbor *nb, void *owner)
{
	struct rib_peer *rp = xcalloc(1, sizeof(*rp));
	size_t i;

	rp->rib = rib;
	rp->nb = nb;
	rp->owner = owner;
	for (i = 1; i < rib->npeers; i++)
		if (rib->peers[i] == NULL)
			break;
	if (i == rib->npeers) {
		if (rib->npeers > UINT16_MAX)
			fatal("rib: too many peers");
		rib->peers = xreallocarray(
		    rib->peers, rib->npeers + 1, sizeof(*rib->peers));
		rib->npeers++;
	}
	rib->peers[i] = rp;
	rp->idx = (uint16_t)i;
	objcount_inc(&objcount_rib_peer);
	return rp;
}

void *
rib_peer_owner(const struct rib_peer *rp)
{
	return rp->owner;
}

/* Import policy changed: re-run it over every path of the peer. */
struct rib_reimport {
	struct rib_peer *rp;
	struct rib_aset *last_in;
	struct rib_aset *last_imp;
};

static void
rib_reimport_prefix(struct rib *rib, struct rib_prefix *p, void *arg)
{
	struct rib_reimport *ri = arg;
	struct rib_path **pp = rib_path_find(p, ri->rp->idx);
	struct rib_aset *in, *imp = NULL;
	bool stale;

	if (pp == NULL)
		return;
	in = (*pp)->in;
	if (in != ri->last_in) {
		rib_aset_unref(rib, ri->last_imp);
		rib_aset_unref(rib, ri->last_in);
		ri->last_in = rib_aset_ref(in);
		ri->last_imp = rib_policy_import_attrs(ri->rp, in);
	}
	if (rib_policy_import_prefix(ri->rp, &p->pfx))
		imp = ri->last_imp;
	stale = ((*pp)->flags & RIB_PF_GR_STALE) != 0;
	rib_aset_ref(in);
	rib_path_set(rib, p, ri->rp->idx, in, imp, 0);
	rib_aset_unref(rib, in);
	/* A new policy is no news from the peer: stale stays stale. */
	if (stale && (pp = rib_path_find(p, ri->rp->idx)) != NULL) {
		(*pp)->flags |= RIB_PF_GR_STALE;
		ri->rp->stale++;
	}
}

static void
rib_refib_prefix(struct rib *rib, struct rib_prefix *p, void *arg)
{
	const struct rib_peer *rp = arg;
	const struct rib_path *path;

	for (path = p->paths; path != NULL && (path->flags & RIB_PF_MULTI);
	     path = path->next)
		if (path->peer == rp->idx) {
			rib_prefix_changed(rib, p, false, true);
			return;
		}
}

void
rib_peer_refib(struct rib_peer *rp)
{
	if (rp->up)
		rib_foreach_prefix(rp->rib, rib_refib_prefix, rp);
}

void
rib_peer_reconf(struct rib_peer *rp, const struct bgp_neighbor *nb)
{
	struct rib *rib = rp->rib;
	struct rib_reimport ri = { .rp = rp };

	rp->nb = nb;
	rib_policy_xcache_flush(rib, rp);
	if (!rp->up)
		return;
	rib_foreach_prefix(rib, rib_reimport_prefix, &ri);
	rib_aset_unref(rib, ri.last_imp);
	rib_aset_unref(rib, ri.last_in);
	rp->max_hit = false;
	/* Export policy: look at every prefix again; unchanged ones are
	 * skipped by the Adj-RIB-Out comparison. */
	rib_out_queue_all(rp, 0, false);
}

void
rib_peer_up(struct rib_peer *rp, const struct rib_peer_info *info)
{
	struct rib *rib = rp->rib;
	size_t i;

	if (rp->up)
		rib_peer_down(rp);
	rp->info = *info;
	rp->up = true;
	/* Stale paths from the last session are still counted. */
	if (rp->stale == 0)
		rp->received = rp->accepted = 0;
	rp->max_hit = false;
	/* The peer's BGP id feeds ORIGINATOR_ID in other peers' caches. */
	for (i = 1; i < rib->npeers; i++)
		if (rib->peers[i] != NULL)
			rib_policy_xcache_flush(rib, rib->peers[i]);
	rp->out.eor = info->families & (BGP_FAM_IPV4 | BGP_FAM_IPV6);
	rib_out_queue_all(rp, 0, false);
	if (rib->hooks.output_ready != NULL)
		rib->hooks.output_ready(rib->ctx, rp);
}

void
rib_peer_hold_egress(struct rib_peer *rp, bool hold)
{
	bool was = rp->egress_held;

	rp->egress_held = hold;
	if (was && !hold && rp->up) {
		/* Unchanged prefixes are skipped by the Adj-RIB-Out check. */
		rib_out_queue_all(rp, 0, false);
		if (rp->rib->hooks.output_ready != NULL)
			rp->rib->hooks.output_ready(rp->rib->ctx, rp);
	}
}

bool
rib_peer_egress_held(const struct rib_peer *rp)
{
	return rp->egress_held;
}

static void
rib_peer_flush_paths(struct rib *rib, struct rib_prefix *p, void *arg)
{
	struct rib_peer *rp = arg;
	struct rib_path **pp = rib_path_find(p, rp->idx);

	if (pp != NULL)
		rib_path_unlink(rib, p, pp);
}

static uint8_t
rib_prefix_fam(const struct rib_prefix *p)
{
	return p->pfx.addr.family == AF_INET ? BGP_FAM_IPV4 : BGP_FAM_IPV6;
}

struct rib_keep {
	struct rib_peer *rp;
	uint8_t keep;
	size_t n;
};

/* Session lost: keep (mark stale) or withdraw one path. */
static void
rib_peer_keep_paths(struct rib *rib, struct rib_prefix *p, void *arg)
{
	struct rib_keep *k = arg;
	struct rib_path **pp = rib_path_find(p, k->rp->idx);

	if (pp == NULL)
		return;
	if (!(k->keep & rib_prefix_fam(p))) {
		rib_path_unlink(rib, p, pp);
		return;
	}
	if (!((*pp)->flags & RIB_PF_GR_STALE)) {
		(*pp)->flags |= RIB_PF_GR_STALE;
		k->rp->stale++;
	}
}

static void
rib_peer_flush_stale(struct rib *rib, struct rib_prefix *p, void *arg)
{
	struct rib_keep *k = arg;
	struct rib_path **pp = rib_path_find(p, k->rp->idx);

	if (pp != NULL && ((*pp)->flags & RIB_PF_GR_STALE) &&
	    (k->keep & rib_prefix_fam(p))) {
		rib_path_unlink(rib, p, pp);
		k->n++;
	}
}

/* The caches of every peer hold sets that depend on this one. */
static void
rib_peer_xcache_flush_all(struct rib *rib)
{
	size_t i;

	for (i = 1; i < rib->npeers; i++)
		if (rib->peers[i] != NULL)
			rib_policy_xcache_flush(rib, rib->peers[i]);
}

void
rib_peer_down(struct rib_peer *rp)
{
	struct rib *rib = rp->rib;

	if (!rp->up) {
		/* Stale paths of an earlier session may still be held. */
		if (rp->stale > 0)
			rib_peer_stale_flush(rp, BGP_FAM_IPV4 | BGP_FAM_IPV6);
		return;
	}
	rp->up = false;
	rib_out_clear(rp);
	if (!rib->dying)
		rib_foreach_prefix(rib, rib_peer_flush_paths, rp);
	rp->received = rp->accepted = rp->stale = 0;
	rib_peer_xcache_flush_all(rib);
}

void
rib_peer_down_keep(struct rib_peer *rp, uint8_t keep)
{
	struct rib_keep k = { .rp = rp, .keep = keep };

	if (!rp->up)
		return;
	if (keep == 0 || rp->rib->dying) {
		rib_peer_down(rp);
		return;
	}
	rp->up = false;
	rib_out_clear(rp);
	rib_foreach_prefix(rp->rib, rib_peer_keep_paths, &k);
	rib_peer_xcache_flush_all(rp->rib);
}

size_t
rib_peer_stale_flush(struct rib_peer *rp, uint8_t families)
{
	struct rib_keep k = { .rp = rp, .keep = families };

	if (rp->stale == 0 || rp->rib->dying) {
		if (rp->rib->dying)
			rp->stale = 0;
		return 0;
	}
	rib_foreach_prefix(rp->rib, rib_peer_flush_stale, &k);
	return k.n;
}

void
rib_peer_free(struct rib_peer *rp)
{
	struct rib *rib;

	if (rp == NULL)
		return;
	rib = rp->rib;
	rib_peer_down(rp);
	rib_out_free(rp);
	rib->peers[rp->idx] = NULL;
	objcount_dec(&objcount_rib_peer);
	free(rp);
}

/* Input. */

static void
rib_input_withdraw(struct rib_peer *rp, const struct bgp_nlri *n)
{
	struct bgp_nlri_iter it;
	struct prefix pfx;

	if (n->family == 0 || n->count == 0)
		return;
	bgp_update_nlri_iter(&it, n);
	while (bgp_update_nlri_next(&it, &pfx))
		rib_path_remove(rp->rib, &pfx, rp->idx);
}

static bool
rib_family_ok(const struct rib_peer *rp, uint8_t family)
{
	return (family == AF_INET && (rp->info.families & BGP_FAM_IPV4)) ||
	    (family == AF_INET6 && (rp->info.families & BGP_FAM_IPV6));
}

/* Store one run of announced prefixes with set in (as received). */
static void
rib_input_announce(
    struct rib_peer *rp, const struct bgp_nlri *n, struct rib_aset *in)
{
	struct rib *rib = rp->rib;
	struct rib_aset *imp = rib_policy_import_attrs(rp, in);
	struct bgp_nlri_iter it;
	struct rib_prefix *p;
	struct prefix pfx;
	bool ok;

	bgp_update_nlri_iter(&it, n);
	while (bgp_update_nlri_next(&it, &pfx)) {
		ok = imp != NULL && rib_policy_import_prefix(rp, &pfx);
		p = rib_prefix_get(rib, &pfx);
		rib_path_set(rib, p, rp->idx, in, ok ? imp : NULL, 0);
	}
	rib_aset_unref(rib, imp);
}

static void
rib_input_reach(struct rib_peer *rp, const struct bgp_update *u)
{
	struct rib *rib = rp->rib;
	const uint64_t mp = BGP_ATTR_BIT(BGP_ATTR_MP_REACH_NLRI) |
	    BGP_ATTR_BIT(BGP_ATTR_MP_UNREACH_NLRI);
	struct bgp_attrs a = u->attrs, b;
	struct bgp_mp_nexthop nh = u->mp_nh;
	struct rib_aset *in;

	wbuf_reset(&rib->scratch);
	bgp_attr_normalize(&a, &rib->scratch);
	a.present &= ~mp;
	if (u->nlri.count > 0 && u->nlri.family == AF_INET) {
		if ((in = rib_aset_from_attrs(rib, &a, true, NULL)) != NULL) {
			rib_input_announce(rp, &u->nlri, in);
			rib_aset_unref(rib, in);
		}
	}
	if (u->mp_reach.count == 0 || !rib_family_ok(rp, u->mp_reach.family))
		return;
	b = a;
	if (nh.global.family == AF_INET) {
		/* IPv4 over MP with an IPv4 next hop: same as classic. */
		b.present |= BGP_ATTR_BIT(BGP_ATTR_NEXT_HOP);
		b.next_hop = nh.global.v4;
		in = rib_aset_from_attrs(rib, &b, true, NULL);
	} else {
		b.present &= ~BGP_ATTR_BIT(BGP_ATTR_NEXT_HOP);
		in = rib_aset_from_attrs(rib, &b, true, &nh);
	}
	if (in != NULL) {
		rib_input_announce(rp, &u->mp_reach, in);
		rib_aset_unref(rib, in);
	}
}

static enum rib_input_result
rib_input(struct rib_peer *rp, const struct bgp_update *u, bool withdraw)
{
	const struct bgp_import *imp;

	if (!rp->up || u->eor)
		return RIB_INPUT_OK;
	rib_input_withdraw(rp, &u->withdrawn);
	rib_input_withdraw(rp, &u->mp_unreach);
	if (withdraw) {
		rib_input_withdraw(rp, &u->nlri);
		rib_input_withdraw(rp, &u->mp_reach);
		return RIB_INPUT_OK;
	}
	if (u->nlri.count > 0 || u->mp_reach.count > 0)
		rib_input_reach(rp, u);
	/* RFC 4486 4: maximum number of prefixes reached. */
	imp = rp->nb != NULL ? &rp->nb->import : NULL;
	if (imp != NULL && imp->max_prefix > 0 &&
	    rp->accepted > imp->max_prefix) {
		rp->max_hit = true;
		if (imp->max_action == BGP_MAXPFX_RESET)
			return RIB_INPUT_MAX_PREFIX;
	}
	return RIB_INPUT_OK;
}

enum rib_input_result
rib_peer_input(struct rib_peer *rp, const struct bgp_update *u)
{
	return rib_input(rp, u, false);
}

enum rib_input_result
rib_peer_input_withdraw(struct rib_peer *rp, const struct bgp_update *u)
{
	return rib_input(rp, u, true);
}

void
rib_peer_stats(const struct rib_peer *rp, struct rib_peer_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->received = rp->received;
	st->accepted = rp->accepted;
	st->advertised = rp->out.advertised;
	st->stale = rp->stale;
	st->max_prefix_hit = rp->max_hit;
}

/* Views. */

static bool
rib_walk_emit(const struct rib *rib, const struct rib_prefix *p,
    const struct rib_path *path, const struct rib_aset *s,
    bool (*fn)(void *, const struct rib_route *), void *arg)
{
	struct rib_route r;

	memset(&r, 0, sizeof(r));
	r.prefix = p->pfx;
	if (path != NULL) {
		r.from = path->peer == RIB_PEER_LOCAL ? NULL
						      : rib->peers[path->peer];
		r.best = (path->flags & RIB_PF_BEST) != 0;
		r.rejected = (path->flags & RIB_PF_REJECTED) != 0;
		r.stale = (path->flags & RIB_PF_GR_STALE) != 0;
	}
	if (s != NULL) {
		r.attrs = s->data;
		r.attrs_len = s->len;
		r.attrs_as4 = (s->flags & RIB_AS_AS4) != 0;
		if (s->flags & RIB_AS_NEXT_HOP)
			r.nexthop = rib_aset_gateway(s);
	}
	return fn(arg, &r);
}

void
rib_walk(struct rib *rib, enum rib_view view, const struct rib_peer *rp,
    const struct prefix *filter, bool (*fn)(void *, const struct rib_route *),
    void *arg)
{
	const struct rib_path *path;
	struct rib_prefix *p;
	uint32_t id;

	for (id = 0; id < rib->next_id; id++) {
		p = rib_prefix_by_id(rib, id);
		if (!(p->flags & RIB_PFX_USED) ||
		    (filter != NULL && !prefix_contains(filter, &p->pfx)))
			continue;
		switch (view) {
		case RIB_VIEW_BEST:
			for (path = p->paths;
			     path != NULL && (path->flags & RIB_PF_MULTI);
			     path = path->next)
				if (!rib_walk_emit(
					rib, p, path, path->aset, fn, arg))
					return;
			break;
		case RIB_VIEW_RECEIVED:
			for (path = p->paths; path != NULL; path = path->next)
				if (rp != NULL && path->peer == rp->idx &&
				    !rib_walk_emit(
					rib, p, path, path->in, fn, arg))
					return;
			break;
		case RIB_VIEW_ADVERTISED:
			if (rp == NULL || id >= rp->out.cap ||
			    rp->out.adj[id] == NULL)
				break;
			if (!rib_walk_emit(
				rib, p, NULL, rp->out.adj[id], fn, arg))
				return;
			break;
		}
	}
}

size_t
rib_prefix_count(const struct rib *rib)
{
	return rib->nrouted;
}

size_t
rib_aset_count(const struct rib *rib)
{
	return rib->naset;
}
