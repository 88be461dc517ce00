// SPDX-License-Identifier: BSD-2-Clause
/*
 * A set of prefixes (pfxset.h): open addressing, linear probing, deletion
 * by backward shift, so no tombstones pile up under churn.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pfxset.h"
#include "xalloc.h"

static size_t
pfx_hash(const struct prefix *p)
{
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */
	size_t i, len = addr_len(p->addr.family);

	for (i = 0; i < len; i++)
		h = (h ^ p->addr.bytes[i]) * 0x100000001b3ULL;
	h = (h ^ p->len) * 0x100000001b3ULL;
	h = (h ^ p->addr.family) * 0x100000001b3ULL;
	return (size_t)(h ^ (h >> 29));
}

static bool
pfx_same(const struct prefix *a, const struct prefix *b)
{
	return prefix_cmp(a, b) == 0;
}

size_t
pfx_set_find(const struct pfx_set *s, const struct prefix *p)
{
	size_t i;

	if (s->cap == 0)
		return SIZE_MAX;
	for (i = pfx_hash(p) & (s->cap - 1); s->used[i];
	     i = (i + 1) & (s->cap - 1))
		if (pfx_same(&s->slot[i], p))
			return i;
	return SIZE_MAX;
}

static void
pfx_set_grow(struct pfx_set *s)
{
	struct pfx_set o = *s;
	size_t i;

	s->cap = o.cap == 0 ? 256 : o.cap * 2;
	s->slot = xreallocarray(NULL, s->cap, sizeof(*s->slot));
	s->used = xcalloc(s->cap, 1);
	s->n = 0;
	for (i = 0; i < o.cap; i++)
		if (o.used[i])
			pfx_set_add(s, &o.slot[i]);
	free(o.slot);
	free(o.used);
}

void
pfx_set_add(struct pfx_set *s, const struct prefix *p)
{
	size_t i;

	if ((s->n + 1) * 2 > s->cap)
		pfx_set_grow(s);
	for (i = pfx_hash(p) & (s->cap - 1); s->used[i];
	     i = (i + 1) & (s->cap - 1))
		;
	s->slot[i] = *p;
	s->used[i] = 1;
	s->n++;
}

/* Remove the entry in slot i, shifting later ones of its run back. */
static void
pfx_set_del_at(struct pfx_set *s, size_t i)
{
	size_t mask = s->cap - 1, j = i, home;

	s->used[i] = 0;
	s->n--;
	for (;;) {
		j = (j + 1) & mask;
		if (!s->used[j])
			return;
		home = pfx_hash(&s->slot[j]) & mask;
		/* Can the entry at j move to the hole at i? Only if its
		 * home is not in the cyclic range (i, j]. */
		if ((j > i && (home <= i || home > j)) ||
		    (j < i && (home <= i && home > j))) {
			s->slot[i] = s->slot[j];
			s->used[i] = 1;
			s->used[j] = 0;
			i = j;
		}
	}
}

bool
pfx_set_del(struct pfx_set *s, const struct prefix *p)
{
	size_t i = pfx_set_find(s, p);

	if (i == SIZE_MAX)
		return false;
	pfx_set_del_at(s, i);
	return true;
}

void
pfx_set_free(struct pfx_set *s)
{
	free(s->slot);
	free(s->used);
	memset(s, 0, sizeof(*s));
}
