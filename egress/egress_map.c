/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Compiled rule tables -> the policy maps of bpf/egress.h (egr_policy,
 * egr_src4/6, egr_dst4/6), given their fds.
 *
 * The maps are pinned and outlive ferryd, so they may hold anything: the
 * previous config's tables, a previous ferryd's.  What they should hold
 * is computed in full (every key and value), then only the difference is
 * written, like vtep_map.c's prune: read the keys there are, add or
 * replace what differs, delete what is stale.  A reload that changes one
 * policy therefore touches only that policy's entries, and traffic of
 * every other policy never sees a gap.
 *
 * The order keeps every intermediate state sound: policies first, then
 * destination entries, then source entries (so a source never points at a
 * class whose destinations are not there yet); deletions in reverse:
 * stale sources, stale destinations, then unused policies are marked
 * inactive.  The compiler never hands a retired id to a new policy or
 * class in the same reload, so no stale entry meets new content.
 */
#include <arpa/inet.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "egress.h"
#include "egress_int.h"
#include "log.h"
#include "xalloc.h"

_Static_assert(
    EGRESS_POLICY_MAX == EGR_POLICY_MAX, "policy ids must fit egr_policy");
_Static_assert((int)EGRESS_ACT_SKIP == (int)EGR_ACT_SKIP &&
	(int)EGRESS_ACT_POLICY == (int)EGR_ACT_POLICY,
    "actions are the datapath's");

/* The desired content of one hash-like map: n keys and values. */
struct kv {
	uint8_t *keys;
	uint8_t *vals;
	size_t n, cap;
	size_t ksz, vsz;
};

static void
kv_init(struct kv *kv, size_t ksz, size_t vsz)
{
	memset(kv, 0, sizeof(*kv));
	kv->ksz = ksz;
	kv->vsz = vsz;
}

static void
kv_add(struct kv *kv, const void *k, const void *v)
{
	if (kv->n == kv->cap) {
		kv->cap = kv->cap == 0 ? 64 : kv->cap * 2;
		kv->keys = xreallocarray(kv->keys, kv->cap, kv->ksz);
		kv->vals = xreallocarray(kv->vals, kv->cap, kv->vsz);
	}
	memcpy(kv->keys + kv->n * kv->ksz, k, kv->ksz);
	memcpy(kv->vals + kv->n * kv->vsz, v, kv->vsz);
	kv->n++;
}

static void
kv_free(struct kv *kv)
{
	free(kv->keys);
	free(kv->vals);
}

static int
key_cmp(const void *a, const void *b, void *ksz)
{
	return memcmp(a, b, *(const size_t *)ksz);
}

/* Sort by key, values along (an index sort keeps it simple). */
static void
kv_sort(struct kv *kv)
{
	uint8_t *both, *keys, *vals;
	size_t i, sz = kv->ksz + kv->vsz;

	if (kv->n == 0)
		return;
	both = xcalloc(kv->n, sz);
	for (i = 0; i < kv->n; i++) {
		memcpy(both + i * sz, kv->keys + i * kv->ksz, kv->ksz);
		memcpy(
		    both + i * sz + kv->ksz, kv->vals + i * kv->vsz, kv->vsz);
	}
	qsort_r(both, kv->n, sz, key_cmp, &kv->ksz);
	keys = kv->keys;
	vals = kv->vals;
	for (i = 0; i < kv->n; i++) {
		memcpy(keys + i * kv->ksz, both + i * sz, kv->ksz);
		memcpy(vals + i * kv->vsz, both + i * sz + kv->ksz, kv->vsz);
	}
	free(both);
}

/*
 * The keys the map holds, sorted (n of them in *keys).  Lookups cannot
 * tell whether a key is there: on an LPM trie they find the longest
 * prefix containing it, which may be another entry.
 */
static int
map_keys(int fd, size_t ksz, const char *what, uint8_t **keys, size_t *n)
{
	uint8_t *key = xcalloc(1, ksz);
	size_t cap = 0;
	int r, rc = 0;

	*keys = NULL;
	*n = 0;
	for (r = bpf_map_get_next_key(fd, NULL, key); r == 0;
	     r = bpf_map_get_next_key(fd, key, key)) {
		if (*n == cap) {
			cap = cap == 0 ? 64 : cap * 2;
			*keys = xreallocarray(*keys, cap, ksz);
		}
		memcpy(*keys + (*n)++ * ksz, key, ksz);
	}
	if (errno != ENOENT) {
		log_err(
		    "egress: cannot read %s keys: %s", what, strerror(errno));
		rc = -1;
	}
	if (*n > 0)
		qsort_r(*keys, *n, ksz, key_cmp, &ksz);
	free(key);
	return rc;
}

static bool
keys_have(const uint8_t *keys, size_t n, size_t ksz, const void *key)
{
	size_t lo = 0, hi = n, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = memcmp(keys + mid * ksz, key, ksz);
		if (c == 0)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/*
 * Add or replace every entry of want that the map (holding the n sorted
 * keys have) lacks or holds with another value.
 */
static int
map_put(int fd, const struct kv *want, const uint8_t *have, size_t n,
    const char *what, struct egress_map_stats *st)
{
	uint8_t *cur = xmalloc(want->vsz);
	const uint8_t *k, *v;
	size_t i;
	int rc = 0;

	for (i = 0; i < want->n; i++) {
		k = want->keys + i * want->ksz;
		v = want->vals + i * want->vsz;
		if (keys_have(have, n, want->ksz, k)) {
			/* An exact key is its own longest match. */
			if (bpf_map_lookup_elem(fd, k, cur) == 0 &&
			    memcmp(cur, v, want->vsz) == 0)
				continue;
			st->replaced++;
		} else
			st->added++;
		if (bpf_map_update_elem(fd, k, v, BPF_ANY) != 0) {
			log_err("egress: cannot write %s entry: %s", what,
			    strerror(errno));
			rc = -1;
		}
	}
	free(cur);
	return rc;
}

/* Delete every key the map held (have) that want does not have. */
static int
map_prune(int fd, const struct kv *want, const uint8_t *have, size_t n,
    const char *what, struct egress_map_stats *st)
{
	const uint8_t *k;
	size_t i;
	int rc = 0;

	for (i = 0; i < n; i++) {
		k = have + i * want->ksz;
		if (keys_have(want->keys, want->n, want->ksz, k))
			continue;
		if (bpf_map_delete_elem(fd, k) != 0 && errno != ENOENT) {
			log_err("egress: cannot delete %s entry: %s", what,
			    strerror(errno));
			rc = -1;
		} else
			st->deleted++;
	}
	return rc;
}

/* One trie: its fd, what it should hold, what it held before. */
struct trie {
	int fd;
	const char *name;
	struct kv want;
	uint8_t *have;
	size_t nhave;
};

void
egress_addr16(const struct addr *a, __be32 out[4])
{
	uint8_t *b = (uint8_t *)out;

	memset(out, 0, 16);
	if (a->family == AF_INET) {
		b[10] = 0xff;
		b[11] = 0xff;
		memcpy(b + 12, &a->v4, 4);
	} else if (a->family == AF_INET6)
		memcpy(b, &a->v6, 16);
}

void
egress_map_policy(const struct egress_policy *p, const struct egress_health *h,
    struct egr_policy *out)
{
	struct egr_gw *gw;
	size_t i;

	memset(out, 0, sizeof(*out));
	out->flags = EGR_POL_ACTIVE | (p->sync ? EGR_POL_SYNC : 0);
	for (i = 0; i < p->ngw && i < EGR_GW_MAX; i++) {
		if (p->gw[i].endpoint.family == 0)
			continue;
		gw = &out->gw[out->ngw++];
		egress_addr16(&p->gw[i].endpoint, gw->endpoint);
		gw->vni = p->gw[i].vni;
		memcpy(gw->mac, p->gw[i].mac, sizeof(gw->mac));
		if (p->gw[i].local)
			gw->flags = EGR_GW_UP | EGR_GW_LOCAL;
		else if (h == NULL || h->fn == NULL ||
		    h->fn(h->arg, &p->gw[i].endpoint) != 0)
			gw->flags = EGR_GW_UP;
	}
	/* This host's own where it serves the policy (egress_gw_snat). */
	if (p->snat4.family == AF_INET)
		memcpy(&out->egress4, &p->snat4.v4, 4);
	if (p->snat6.family == AF_INET6)
		memcpy(out->egress6, &p->snat6.v6, 16);
	out->port_lo = p->port_lo;
	out->port_hi = p->port_hi;
}

static void
want_src(const struct egress_rules *r, struct kv *s4, struct kv *s6)
{
	struct egr_src4_key k4;
	struct egr_src6_key k6;
	struct egr_src_val v;
	size_t i;

	for (i = 0; i < r->nclasses; i++) {
		const struct prefix *p = &r->classes[i].prefix;

		memset(&v, 0, sizeof(v));
		v.class = r->classes[i].id;
		if (p->addr.family == AF_INET) {
			memset(&k4, 0, sizeof(k4));
			k4.prefixlen = p->len;
			memcpy(&k4.addr, &p->addr.v4, 4);
			kv_add(s4, &k4, &v);
		} else {
			memset(&k6, 0, sizeof(k6));
			k6.prefixlen = p->len;
			memcpy(k6.addr, &p->addr.v6, 16);
			kv_add(s6, &k6, &v);
		}
	}
}

static void
want_dst(const struct egress_rules *r, struct kv *d4, struct kv *d6)
{
	struct egr_dst4_key k4;
	struct egr_dst6_key k6;
	struct egr_dst_val v;
	size_t i;

	for (i = 0; i < r->ndsts; i++) {
		const struct egress_dst *d = &r->dsts[i];

		memset(&v, 0, sizeof(v));
		v.policy = d->policy;
		v.action = d->action;
		if (d->prefix.addr.family == AF_INET) {
			memset(&k4, 0, sizeof(k4));
			k4.prefixlen = EGR_CLASS_BITS + d->prefix.len;
			k4.class = htonl(d->class);
			memcpy(&k4.daddr, &d->prefix.addr.v4, 4);
			kv_add(d4, &k4, &v);
		} else {
			memset(&k6, 0, sizeof(k6));
			k6.prefixlen = EGR_CLASS_BITS + d->prefix.len;
			k6.class = htonl(d->class);
			memcpy(k6.daddr, &d->prefix.addr.v6, 16);
			kv_add(d6, &k6, &v);
		}
	}
}

/* The ids in use get their policy; every other slot is made inactive. */
static int
sync_policies(int fd, const struct egress_conf *ec,
    const struct egress_rules *r, const struct egress_health *h, bool unused,
    struct egress_map_stats *st)
{
	struct egr_policy want, cur, zero;
	bool *used = xcalloc(EGR_POLICY_MAX, sizeof(*used));
	uint32_t id;
	size_t i;
	int rc = 0;

	memset(&zero, 0, sizeof(zero));
	for (i = 0; i < r->nids && i < ec->npolicies; i++) {
		id = r->ids[i].id;
		used[id] = true;
		if (unused)
			continue;
		egress_map_policy(&ec->policies[i], h, &want);
		if (bpf_map_lookup_elem(fd, &id, &cur) == 0 &&
		    memcmp(&cur, &want, sizeof(cur)) == 0)
			continue;
		st->replaced++;
		if (bpf_map_update_elem(fd, &id, &want, BPF_ANY) != 0) {
			log_err("egress: cannot write policy %s: %s",
			    ec->policies[i].name, strerror(errno));
			rc = -1;
		}
	}
	for (id = 0; unused && id < EGR_POLICY_MAX; id++) {
		if (used[id])
			continue;
		if (bpf_map_lookup_elem(fd, &id, &cur) != 0)
			break; /* a smaller array: past its end */
		if (memcmp(&cur, &zero, sizeof(cur)) == 0)
			continue;
		st->deleted++;
		if (bpf_map_update_elem(fd, &id, &zero, BPF_ANY) != 0) {
			log_err("egress: cannot clear policy id %u: %s", id,
			    strerror(errno));
			rc = -1;
		}
	}
	free(used);
	return rc;
}

int
egress_map_sync(const struct egress_maps *m, const struct egress_conf *ec,
    const struct egress_rules *r, const struct egress_health *h,
    struct egress_map_stats *st)
{
	/* In the order entries are added: destinations, then sources. */
	struct trie t[4] = {
		{ .fd = m->dst4, .name = EGR_MAP_DST4 },
		{ .fd = m->dst6, .name = EGR_MAP_DST6 },
		{ .fd = m->src4, .name = EGR_MAP_SRC4 },
		{ .fd = m->src6, .name = EGR_MAP_SRC6 },
	};
	struct egress_map_stats dummy;
	int i, rc = 0;

	if (st == NULL)
		st = &dummy;
	memset(st, 0, sizeof(*st));
	kv_init(&t[0].want, sizeof(struct egr_dst4_key),
	    sizeof(struct egr_dst_val));
	kv_init(&t[1].want, sizeof(struct egr_dst6_key),
	    sizeof(struct egr_dst_val));
	kv_init(&t[2].want, sizeof(struct egr_src4_key),
	    sizeof(struct egr_src_val));
	kv_init(&t[3].want, sizeof(struct egr_src6_key),
	    sizeof(struct egr_src_val));
	want_dst(r, &t[0].want, &t[1].want);
	want_src(r, &t[2].want, &t[3].want);
	for (i = 0; i < 4; i++) {
		kv_sort(&t[i].want);
		if (map_keys(t[i].fd, t[i].want.ksz, t[i].name, &t[i].have,
			&t[i].nhave) == -1)
			rc = -1;
	}
	if (rc == -1)
		goto out;

	if (sync_policies(m->policy, ec, r, h, false, st) == -1)
		rc = -1;
	for (i = 0; i < 4 && rc == 0; i++)
		if (map_put(t[i].fd, &t[i].want, t[i].have, t[i].nhave,
			t[i].name, st) == -1)
			rc = -1;
	/* Something is missing: keep what is stale, it still answers. */
	if (rc == -1)
		goto out;
	for (i = 3; i >= 0; i--)
		if (map_prune(t[i].fd, &t[i].want, t[i].have, t[i].nhave,
			t[i].name, st) == -1)
			rc = -1;
	if (sync_policies(m->policy, ec, r, h, true, st) == -1)
		rc = -1;
out:
	for (i = 0; i < 4; i++) {
		kv_free(&t[i].want);
		free(t[i].have);
	}
	return rc;
}
