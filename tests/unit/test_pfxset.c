// SPDX-License-Identifier: BSD-2-Clause
/*
 * Unit tests for lib/pfxset.c: the prefix set against a plain array of
 * flags, over a universe of IPv4 and IPv6 prefixes that differ only in
 * length too (10.0.0.0/8 and /16 are two members), through a long run of
 * random adds and deletes with growth, long probe runs and deletions
 * that must shift entries back across the end of the table.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pfxset.h"

#define UNIVERSE 3000

static struct prefix universe[UNIVERSE];

static void
make_universe(void)
{
	struct addr a;
	int i;

	for (i = 0; i < UNIVERSE; i++) {
		memset(&a, 0, sizeof(a));
		if (i % 3 == 2) {
			a.family = AF_INET6;
			a.bytes[0] = 0x20;
			a.bytes[1] = 0x01;
			a.bytes[6] = (uint8_t)(i >> 8);
			a.bytes[7] = (uint8_t)i;
			prefix_from_addr(&universe[i], &a, 64);
		} else {
			a.family = AF_INET;
			a.bytes[0] = 10;
			a.bytes[1] = (uint8_t)(i >> 8);
			a.bytes[2] = (uint8_t)i;
			/* Same address, two lengths: i % 3 picks /24 or /32. */
			prefix_from_addr(&universe[i], &a, i % 3 ? 32 : 24);
		}
	}
}

static void
check(const struct pfx_set *s, const bool *in)
{
	size_t i, n = 0, iter = 0;

	for (i = 0; i < UNIVERSE; i++) {
		assert_int_equal(
		    pfx_set_find(s, &universe[i]) != SIZE_MAX, in[i]);
		n += in[i];
	}
	assert_int_equal(s->n, n);
	for (i = 0; i < s->cap; i++)
		iter += s->used[i];
	assert_int_equal(iter, n);
}

static void
test_random(void **state)
{
	struct pfx_set s;
	bool in[UNIVERSE];
	int op, k;

	(void)state;
	memset(&s, 0, sizeof(s));
	memset(in, 0, sizeof(in));
	assert_int_equal(pfx_set_find(&s, &universe[0]), SIZE_MAX);
	assert_false(pfx_set_del(&s, &universe[0]));
	srand(7);
	for (op = 0; op < 200000; op++) {
		k = rand() % UNIVERSE;
		/* Fill up to about two thirds, then churn. */
		if (rand() % 3 != 0) {
			if (!in[k]) {
				pfx_set_add(&s, &universe[k]);
				in[k] = true;
			}
		} else {
			assert_int_equal(pfx_set_del(&s, &universe[k]), in[k]);
			in[k] = false;
		}
		if (op % 20000 == 0)
			check(&s, in);
	}
	check(&s, in);
	/* Empty it in order: every delete finds its entry. */
	for (k = 0; k < UNIVERSE; k++) {
		assert_int_equal(pfx_set_del(&s, &universe[k]), in[k]);
		in[k] = false;
	}
	check(&s, in);
	assert_int_equal(s.n, 0);
	pfx_set_free(&s);
	assert_null(s.slot);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random),
	};

	make_universe();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
