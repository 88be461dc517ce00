/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Allocation wrappers that abort on out-of-memory, and the registry of
 * live-object counters (see xalloc.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xalloc.h"

static struct objcount *objcounts;

void *
xmalloc(size_t n)
{
	void *p;

	if ((p = malloc(n == 0 ? 1 : n)) == NULL)
		fatal("out of memory: size=%zu", n);
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void *p;

	if ((p = calloc(nmemb == 0 ? 1 : nmemb, size == 0 ? 1 : size)) == NULL)
		fatal("out of memory: nmemb=%zu size=%zu", nmemb, size);
	return p;
}

void *
xreallocarray(void *old, size_t nmemb, size_t size)
{
	void *p;

	if (size != 0 && nmemb > SIZE_MAX / size)
		fatal("allocation overflow: nmemb=%zu size=%zu", nmemb, size);
	if ((p = realloc(old, nmemb * size == 0 ? 1 : nmemb * size)) == NULL)
		fatal("out of memory: nmemb=%zu size=%zu", nmemb, size);
	return p;
}

char *
xstrdup(const char *s)
{
	char *p;

	if ((p = strdup(s)) == NULL)
		fatal("out of memory: strdup");
	return p;
}

char *
xstrndup(const char *s, size_t n)
{
	char *p;

	if ((p = strndup(s, n)) == NULL)
		fatal("out of memory: strndup");
	return p;
}

int
xasprintf(char **ret, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(ret, fmt, ap);
	va_end(ap);
	if (n == -1)
		fatal("out of memory: asprintf");
	return n;
}

void
objcount_register(struct objcount *c)
{
	struct objcount **pp;

	/* Keep the list sorted by name so every listing is stable. */
	for (pp = &objcounts; *pp != NULL; pp = &(*pp)->next)
		if (strcmp((*pp)->name, c->name) > 0)
			break;
	c->next = *pp;
	*pp = c;
}

const struct objcount *
objcount_first(void)
{
	return objcounts;
}
