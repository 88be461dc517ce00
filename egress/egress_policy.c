/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The policy compiler: normalized egress policies -> the rule tables of
 * bpf/egress.h, and the check that makes those tables exact.
 *
 * A policy is a union of rectangles, source prefix x destination prefix,
 * less its excludes.  The rule a user relies on: for a packet (x, y), the
 * policy with the most specific rectangle containing it wins; if y is in
 * that policy's excludes, or in an in-cluster prefix, the packet is left
 * alone.  The datapath cannot search rectangles, only do two longest
 * prefix matches: the source gives a class (the longest policy source
 * prefix P containing x), then (class, y) gives an action.
 *
 * Why that is exact: every source prefix containing x is nested with P,
 * and P is the longest, so the rectangles containing (x, y) are exactly
 * those whose source contains P and whose destination contains y.  Those
 * are the rectangles the class holds.  Inside a class, the destination
 * entries are every prefix at which the answer can change (the policies'
 * destinations and excludes, the in-cluster prefixes); a point y reaches
 * the longest entry k containing it, and every candidate prefix that
 * contains y also contains k, so the answer for k is the answer for y.
 * That answer is computed here once per entry, by the definition.
 *
 * The "most specific" rectangle is unique only when no two policies
 * overlap crosswise: egress_policy_conflicts() rejects that at load
 * (nested rectangles are fine, equal ones of two policies are not).  Then
 * the winner among the rectangles containing k is the one with the
 * longest destination, ties broken by the longest source: a rectangle of
 * another policy with a longer destination would have to be nested
 * inside the winner, and then it would be the winner.
 */
#include <stdlib.h>
#include <string.h>

#include "egress_int.h"
#include "xalloc.h"

static bool
rect_nested(const struct prefix *as, const struct prefix *ad,
    const struct prefix *bs, const struct prefix *bd)
{
	if (prefix_cmp(as, bs) == 0 && prefix_cmp(ad, bd) == 0)
		return false; /* equal: which policy is meant? */
	return (prefix_contains(bs, as) && prefix_contains(bd, ad)) ||
	    (prefix_contains(as, bs) && prefix_contains(ad, bd));
}

/* The first crossed pair of rectangles of a and b; false if none. */
static bool
policy_conflict(const struct egress_policy *a, const struct egress_policy *b,
    struct egress_conflict *c)
{
	size_t i, j, k, l;

	for (i = 0; i < a->nsrc; i++)
		for (k = 0; k < b->nsrc; k++) {
			/* Family 0: an element with its own error. */
			if (a->src[i].addr.family == 0 ||
			    !prefix_overlaps(&a->src[i], &b->src[k]))
				continue;
			for (j = 0; j < a->ndst; j++)
				for (l = 0; l < b->ndst; l++) {
					if (a->dst[j].addr.family == 0 ||
					    !prefix_overlaps(
						&a->dst[j], &b->dst[l]) ||
					    rect_nested(&a->src[i], &a->dst[j],
						&b->src[k], &b->dst[l]))
						continue;
					c->asrc = i;
					c->adst = j;
					c->bsrc = k;
					c->bdst = l;
					return true;
				}
		}
	return false;
}

size_t
egress_policy_conflicts(const struct egress_policy *pol, size_t n,
    void (*report)(void *, const struct egress_conflict *), void *arg)
{
	struct egress_conflict c;
	size_t a, b, found = 0;

	for (b = 1; b < n; b++)
		for (a = 0; a < b; a++) {
			if (!policy_conflict(&pol[a], &pol[b], &c))
				continue;
			c.a = a;
			c.b = b;
			found++;
			if (report != NULL)
				report(arg, &c);
			break;
		}
	return found;
}

static int
class_cmp(const void *a, const void *b)
{
	return prefix_cmp(a, b);
}

int
egress_dst_cmp(const void *a, const void *b)
{
	const struct egress_dst *x = a, *y = b;

	if (x->class != y->class)
		return x->class < y->class ? -1 : 1;
	return prefix_cmp(&x->prefix, &y->prefix);
}

static int
pid_assign(const struct egress_conf *ec, const struct egress_rules *prev,
    struct egress_rules *out)
{
	bool *used = xcalloc(EGRESS_POLICY_MAX, sizeof(*used));
	uint32_t next = 0;
	size_t i, j;
	int rc = -1;

	out->ids = xcalloc(ec->npolicies + 1, sizeof(*out->ids));
	out->nids = ec->npolicies;
	/* Not even a retired id is reused at once: see class_assign. */
	for (j = 0; prev != NULL && j < prev->nids; j++)
		if (prev->ids[j].id < EGRESS_POLICY_MAX)
			used[prev->ids[j].id] = true;
	for (i = 0; i < ec->npolicies; i++) {
		out->ids[i].name = xstrdup(ec->policies[i].name);
		out->ids[i].id = UINT32_MAX;
		for (j = 0; prev != NULL && j < prev->nids; j++)
			if (strcmp(prev->ids[j].name, out->ids[i].name) == 0 &&
			    prev->ids[j].id < EGRESS_POLICY_MAX) {
				out->ids[i].id = prev->ids[j].id;
				break;
			}
	}
	for (i = 0; i < ec->npolicies; i++) {
		if (out->ids[i].id != UINT32_MAX)
			continue;
		while (next < EGRESS_POLICY_MAX && used[next])
			next++;
		if (next == EGRESS_POLICY_MAX)
			goto out;
		out->ids[i].id = next;
		used[next] = true;
	}
	rc = 0;
out:
	free(used);
	return rc;
}

/*
 * Class ids are kept by prefix across a reload, like policy ids by name:
 * a new source prefix must not renumber the classes after it, or every
 * one of their destination entries would be rewritten.  The id of a
 * class that goes away is not given to a new one in the same reload:
 * while the maps are being updated, the old source entry still points at
 * it, and must not meet the new class's destinations.
 */
static void
class_assign(struct egress_rules *out, const struct egress_rules *prev)
{
	size_t i, nused = out->nclasses + 1;
	uint32_t next = 0;
	bool found, *used;
	size_t at;

	if (prev != NULL) {
		nused += prev->nclasses;
		for (i = 0; i < prev->nclasses; i++)
			if (prev->classes[i].id >= nused)
				nused = prev->classes[i].id + 1;
	}
	used = xcalloc(nused, sizeof(*used));
	for (i = 0; i < out->nclasses; i++) {
		out->classes[i].id = UINT32_MAX;
		if (prev == NULL)
			continue;
		at = prefix_bsearch(prev->classes, prev->nclasses,
		    sizeof(*prev->classes), &out->classes[i].prefix, &found);
		if (found)
			out->classes[i].id = prev->classes[at].id;
	}
	for (i = 0; prev != NULL && i < prev->nclasses; i++)
		used[prev->classes[i].id] = true;
	for (i = 0; i < out->nclasses; i++) {
		if (out->classes[i].id != UINT32_MAX)
			continue;
		while (used[next])
			next++;
		out->classes[i].id = next;
		used[next] = true;
	}
	free(used);
}

/* The rectangles of one class: (source, destination, policy index). */
struct rect {
	const struct prefix *src;
	const struct prefix *dst;
	size_t pol;
};

struct build {
	const struct egress_conf *ec;
	const struct egress_rules *r;
	struct rect *rects;
	size_t nrects, caprects;
	struct prefix *cand;
	size_t ncand, capcand;
	struct egress_dst *out;
	size_t nout, capout;
};

static void
cand_add(struct build *b, const struct prefix *p)
{
	if (b->ncand == b->capcand) {
		b->capcand = b->capcand == 0 ? 16 : b->capcand * 2;
		b->cand = xreallocarray(b->cand, b->capcand, sizeof(*b->cand));
	}
	b->cand[b->ncand++] = *p;
}

static void
out_add(struct build *b, const struct egress_dst *d)
{
	if (b->nout == b->capout) {
		b->capout = b->capout == 0 ? 64 : b->capout * 2;
		b->out = xreallocarray(b->out, b->capout, sizeof(*b->out));
	}
	b->out[b->nout++] = *d;
}

static bool
in_list(const struct prefix *list, size_t n, const struct prefix *k)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (prefix_contains(&list[i], k))
			return true;
	return false;
}

/* The entry for candidate k of class id, if one is needed. */
static void
class_entry(struct build *b, uint32_t id, const struct prefix *k)
{
	const struct egress_conf *ec = b->ec;
	const struct rect *w = NULL, *r;
	struct egress_dst d;
	size_t i;

	for (i = 0; i < b->nrects; i++) {
		r = &b->rects[i];
		if (!prefix_contains(r->dst, k))
			continue;
		if (w == NULL || r->dst->len > w->dst->len ||
		    (r->dst->len == w->dst->len && r->src->len > w->src->len))
			w = r;
	}
	/*
	 * No policy covers k: without the entry, k's points fall back to a
	 * shorter entry that no policy covers either, which is no match.
	 */
	if (w == NULL)
		return;
	memset(&d, 0, sizeof(d));
	d.class = id;
	d.prefix = *k;
	if (in_list(ec->incluster, ec->nincluster, k) ||
	    in_list(
		ec->policies[w->pol].exclude, ec->policies[w->pol].nexclude, k))
		d.action = EGRESS_ACT_SKIP;
	else {
		d.action = EGRESS_ACT_POLICY;
		d.policy = b->r->ids[w->pol].id;
	}
	out_add(b, &d);
}

static void
class_build(struct build *b, const struct prefix *P, uint32_t id)
{
	const struct egress_conf *ec = b->ec;
	const struct egress_policy *p;
	size_t i, j, k, n;

	b->nrects = 0;
	b->ncand = 0;
	for (i = 0; i < ec->npolicies; i++) {
		p = &ec->policies[i];
		for (j = 0; j < p->nsrc; j++) {
			if (!prefix_contains(&p->src[j], P))
				continue;
			for (k = 0; k < p->ndst; k++) {
				if (p->dst[k].addr.family != P->addr.family)
					continue;
				if (b->nrects == b->caprects) {
					b->caprects = b->caprects == 0
					    ? 16
					    : b->caprects * 2;
					b->rects = xreallocarray(b->rects,
					    b->caprects, sizeof(*b->rects));
				}
				b->rects[b->nrects++] =
				    (struct rect){ &p->src[j], &p->dst[k], i };
				cand_add(b, &p->dst[k]);
			}
			for (k = 0; k < p->nexclude; k++)
				if (p->exclude[k].addr.family == P->addr.family)
					cand_add(b, &p->exclude[k]);
		}
	}
	for (i = 0; i < ec->nincluster; i++)
		if (ec->incluster[i].addr.family == P->addr.family)
			cand_add(b, &ec->incluster[i]);
	qsort(b->cand, b->ncand, sizeof(*b->cand), class_cmp);
	for (i = 0, n = 0; i < b->ncand; i++)
		if (n == 0 || prefix_cmp(&b->cand[n - 1], &b->cand[i]) != 0)
			b->cand[n++] = b->cand[i];
	for (i = 0; i < n; i++)
		class_entry(b, id, &b->cand[i]);
}

int
egress_policy_compile(const struct egress_conf *ec,
    const struct egress_rules *prev, struct egress_rules *out)
{
	struct build b;
	size_t i, j, n = 0;

	memset(out, 0, sizeof(*out));
	if (pid_assign(ec, prev, out) == -1) {
		egress_rules_free(out);
		return -1;
	}
	for (i = 0; i < ec->npolicies; i++)
		n += ec->policies[i].nsrc;
	out->classes = xcalloc(n + 1, sizeof(*out->classes));
	for (i = 0; i < ec->npolicies; i++)
		for (j = 0; j < ec->policies[i].nsrc; j++)
			out->classes[out->nclasses++].prefix =
			    ec->policies[i].src[j];
	qsort(out->classes, out->nclasses, sizeof(*out->classes), class_cmp);
	for (i = 0, n = 0; i < out->nclasses; i++)
		if (n == 0 ||
		    prefix_cmp(&out->classes[n - 1].prefix,
			&out->classes[i].prefix) != 0)
			out->classes[n++] = out->classes[i];
	out->nclasses = n;

	class_assign(out, prev);

	memset(&b, 0, sizeof(b));
	b.ec = ec;
	b.r = out;
	for (i = 0; i < out->nclasses; i++)
		class_build(&b, &out->classes[i].prefix, out->classes[i].id);
	free(b.rects);
	free(b.cand);
	out->dsts = b.out;
	out->ndsts = b.nout;
	if (out->ndsts > 0)
		qsort(
		    out->dsts, out->ndsts, sizeof(*out->dsts), egress_dst_cmp);
	return 0;
}

void
egress_rules_free(struct egress_rules *r)
{
	size_t i;

	for (i = 0; i < r->nids; i++)
		free(r->ids[i].name);
	free(r->ids);
	free(r->classes);
	free(r->dsts);
	memset(r, 0, sizeof(*r));
}
