/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A set of prefixes, for the kernel FIB's record of what it installed and
 * what a previous run left (bgpd/bgp_fib.c).  Routes arrive in whatever
 * order the peers send them, so the sorted arrays with a memmove per
 * insert and per relearned stale route that this replaced were
 * quadratic: 100k routes after a graceful restart took 4.8 s, nearly all
 * in memmove.  Iterate with: for (i = 0; i < s.cap; i++) if (s.used[i])
 * ... s.slot[i].  Zero-initialise; an empty set holds no memory.
 */
#ifndef FERRY_PFXSET_H
#define FERRY_PFXSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "prefix.h"

struct pfx_set {
	struct prefix *slot;
	uint8_t *used;
	size_t n, cap; /* cap: 0 or a power of two */
};

/* p's slot, or SIZE_MAX if p is not in s. */
size_t pfx_set_find(const struct pfx_set *, const struct prefix *);
/* Add p, which must not be in s yet. */
void pfx_set_add(struct pfx_set *, const struct prefix *);
/* Remove p; true if it was there. */
bool pfx_set_del(struct pfx_set *, const struct prefix *);
void pfx_set_free(struct pfx_set *);

#endif
