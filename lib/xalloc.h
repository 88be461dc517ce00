/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Allocation wrappers and live-object counters.
 *
 * The wrappers abort on out-of-memory: a routing daemon that cannot allocate
 * has no sane way to carry on, and checking every allocation only breeds
 * untested error paths.  Every long-lived object type owns an objcount so
 * that tests (and operators, through ferryctl status) can see that nothing
 * leaks: a flapping peer must return the counters to where they were.
 */
#ifndef FERRY_XALLOC_H
#define FERRY_XALLOC_H

#include <stddef.h>
#include <stdint.h>

void *xmalloc(size_t);
void *xcalloc(size_t, size_t);
void *xreallocarray(void *, size_t, size_t);
char *xstrdup(const char *);
char *xstrndup(const char *, size_t);
int xasprintf(char **, const char *, ...) __attribute__((format(printf, 2, 3)));

struct objcount {
	const char *name;
	int64_t live;	/* allocated and not yet freed */
	uint64_t total; /* ever allocated */
	struct objcount *next;
};

/*
 * OBJCOUNT(peer) defines a counter named "peer" that registers itself at
 * program start, so a module needs no init hook to appear in the list.
 */
#define OBJCOUNT(id)                                                      \
	struct objcount objcount_##id = { #id, 0, 0, NULL };              \
	static void objcount_reg_##id(void) __attribute__((constructor)); \
	static void objcount_reg_##id(void)                               \
	{                                                                 \
		objcount_register(&objcount_##id);                        \
	}

#define OBJCOUNT_DECLARE(id) extern struct objcount objcount_##id

static inline void
objcount_inc(struct objcount *c)
{
	c->live++;
	c->total++;
}

static inline void
objcount_dec(struct objcount *c)
{
	c->live--;
}

void objcount_register(struct objcount *);
const struct objcount *objcount_first(void);

#endif
