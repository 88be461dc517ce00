// SPDX-License-Identifier: BSD-2-Clause
/*
 * What the egress NAT collector costs at large tables: ENTRIES live
 * connections in egr_ct / egr_rev hashes of that size (created here with
 * bpf_map_create, never pinned), then, in the same run:
 *
 *   baseline    a bare bpf_map_get_next_key walk over egr_ct: one system
 *               call per connection, the least any per-key walk costs
 *               (ferryd's collector before batching made six per
 *               connection: two walks, each a key and two lookups)
 *   walk        egress_nat_gc(): both walks whole, in batches
 *   step        the longest egress_nat_gc_step() at the daemon's
 *               budget (EGRESS_NAT_GC_BUDGET) over one complete walk:
 *               how long a tick holds the event loop
 *   expire      egress_nat_gc() when every connection has expired
 *
 *   gc_bench [-n RUNS] ENTRIES...
 *
 * Prints one Markdown row per table size: ms, and ns per connection.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "egress_nat.h"

#define S 1000000000ULL

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * S + (uint64_t)ts.tv_nsec;
}

static void
v4(__be32 *a, uint32_t host)
{
	a[0] = a[1] = 0;
	a[2] = htonl(0xffff);
	a[3] = htonl(host);
}

/* Connection i: pod 10.x.y.z:1000 -> 203.0.113.7:443, port 1024 + i. */
static void
fill(int ct, int rev, uint32_t n, uint64_t seen)
{
	struct egr_ct_val cv;
	struct egr_rev_val rv;
	struct egr_tuple k;
	uint32_t i;

	for (i = 0; i < n; i++) {
		memset(&k, 0, sizeof(k));
		memset(&cv, 0, sizeof(cv));
		memset(&rv, 0, sizeof(rv));
		v4(k.saddr, 0x0a000000u + i / 60000 * 65536 + i % 60000);
		v4(k.daddr, 0xcb007107u);
		k.sport = htons(1000);
		k.dport = htons(443);
		k.proto = 6;
		cv.rev = k;
		v4(cv.rev.saddr, 0xcb007107u);
		v4(cv.rev.daddr, 0xc6336400u + i / 60000);
		cv.rev.sport = htons(443);
		cv.rev.dport = htons((uint16_t)(1024 + i % 60000));
		cv.seen = cv.created = seen;
		cv.state = EGR_TCP_ESTABLISHED;
		rv.orig = k;
		rv.seen = seen;
		if (bpf_map_update_elem(rev, &cv.rev, &rv, BPF_ANY) != 0 ||
		    bpf_map_update_elem(ct, &k, &cv, BPF_ANY) != 0) {
			fprintf(
			    stderr, "gc_bench: fill: %s\n", strerror(errno));
			exit(1);
		}
	}
}

static int
cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t
median(uint64_t *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	return v[n / 2];
}

int
main(int argc, char **argv)
{
	struct egress_timeouts to;
	int c, runs = 3, a;

	while ((c = getopt(argc, argv, "n:")) != -1) {
		if (c != 'n' || (runs = atoi(optarg)) < 1 || runs > 99) {
			fprintf(
			    stderr, "usage: gc_bench [-n RUNS] ENTRIES...\n");
			return 2;
		}
	}
	egress_timeouts_default(&to);
	printf("| connections | baseline: get_next_key walk | walk (batched) "
	       "| walk / baseline | longest step at budget %u | expire all |\n",
	    EGRESS_NAT_GC_BUDGET);
	printf("|---:|---:|---:|---:|---:|---:|\n");
	for (a = optind; a < argc; a++) {
		uint32_t n = (uint32_t)strtoul(argv[a], NULL, 10);
		uint64_t base[99], walk[99], step[99], exp[99], now, t, lg;
		struct egr_tuple k, next;
		void *prev;
		int ct, rev, r, i;

		ct = bpf_map_create(BPF_MAP_TYPE_HASH, "egr_ct",
		    sizeof(struct egr_tuple), sizeof(struct egr_ct_val), n,
		    NULL);
		rev = bpf_map_create(BPF_MAP_TYPE_HASH, "egr_rev",
		    sizeof(struct egr_tuple), sizeof(struct egr_rev_val), n,
		    NULL);
		if (ct < 0 || rev < 0) {
			fprintf(stderr, "gc_bench: bpf_map_create: %s\n",
			    strerror(errno));
			return errno == EPERM ? 77 : 1;
		}
		for (i = 0; i < runs; i++) {
			now = now_ns();
			fill(ct, rev, n, now);
			t = now_ns();
			prev = NULL;
			while (bpf_map_get_next_key(ct, prev, &next) == 0) {
				k = next;
				prev = &k;
			}
			base[i] = now_ns() - t;
			t = now_ns();
			if (egress_nat_gc(ct, rev, &to, now, NULL) != 0)
				return 1;
			walk[i] = now_ns() - t;
			{
				struct egress_nat_gc gc;
				uint64_t t0;

				memset(&gc, 0, sizeof(gc));
				lg = 0;
				do {
					t0 = now_ns();
					r = egress_nat_gc_step(&gc, ct, rev,
					    &to, now, EGRESS_NAT_GC_BUDGET,
					    NULL);
					t0 = now_ns() - t0;
					lg = t0 > lg ? t0 : lg;
				} while (r == 0);
				egress_nat_gc_free(&gc);
				if (r != 1 || gc.live != n) {
					fprintf(stderr,
					    "gc_bench: step walk "
					    "kept %lu of %u\n",
					    (unsigned long)gc.live, n);
					return 1;
				}
				step[i] = lg;
			}
			t = now_ns();
			if (egress_nat_gc(
				ct, rev, &to, now + 10000000 * S, NULL) != 0)
				return 1;
			exp[i] = now_ns() - t;
			if (bpf_map_get_next_key(ct, NULL, &next) == 0) {
				fprintf(stderr, "gc_bench: not all expired\n");
				return 1;
			}
		}
		{
			uint64_t b = median(base, runs), w = median(walk, runs);
			uint64_t s = median(step, runs), e = median(exp, runs);

			printf("| %u | %.1f ms (%.0f ns) | %.1f ms (%.0f ns) "
			       "| %.2f | %.1f ms | %.1f ms (%.0f ns) |\n",
			    n, b / 1e6, (double)b / n, w / 1e6, (double)w / n,
			    (double)w / (double)b, s / 1e6, e / 1e6,
			    (double)e / n);
		}
		close(ct);
		close(rev);
	}
	return 0;
}
