// SPDX-License-Identifier: BSD-2-Clause
/*
 * ns per packet of the egress NAT programs under BPF_PROG_TEST_RUN, with
 * ENTRIES connections in the table, against an empty tc program in the
 * same run (the targets: an established flow at most 4x the
 * empty program, a new one at most 20x).
 *
 *   prog_run [-e ENTRIES] [-r REPEAT] [-N NEWREPEAT] [-n RUNS] [-w WARMUP]
 *            BUILDDIR
 *
 * All programs come from BUILDDIR/tests/bpf/egress_test.bpf.o, which
 * holds egr_out and egr_in compiled from bpf/egress.bpf.c unchanged plus
 * the bench wrappers, with its own unpinned maps (never /sys/fs/bpf):
 *
 *   empty        "return TC_ACT_OK": what test_run costs per repetition
 *   out_est      egr_out, an established TCP connection (IPv4, 64-byte
 *                payload): one egr_ct lookup, SNAT rewrite, counters
 *   in_est       egr_in, a reply of an established connection: one
 *                egr_rev lookup, reverse rewrite, counters
 *   out_new      egr_out opening a connection on every repetition:
 *                parse, egr_ct miss, policy tries, egr_rev and egr_ct
 *                inserts, rewrite.  Measured as egr_test_new (fresh
 *                addresses and port written into the frame, then
 *                egr_out) minus egr_test_new_base (the writes alone),
 *                plus empty.
 *
 * test_run repeats a program on one skb, so a rewrite would change what
 * the next repetition sees.  The established cases therefore use two
 * connections that translate into each other (A -> B and B -> A are both
 * in the table), so every repetition takes the established path with a
 * real rewrite.  Each timed run is checked through egr_stats: exactly
 * REPEAT translations and no new connection (or, for out_new, REPEAT new
 * connections, which are deleted again afterwards, outside the timing),
 * so a wrong path is never timed by mistake.
 *
 * Output: one line per program and round, then a table of medians:
 *
 *   bpf<TAB>PROGRAM<TAB>ENTRIES<TAB>NS
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "egress.h"

#define PAYLOAD	  64
#define FRAME_LEN (ETH_HLEN + 20 + 20 + PAYLOAD)
#define EGRESS4	  0xc0000264U /* 192.0.2.100 */
#define POD4	  0x0a010001U /* 10.1.0.1: the ping-pong connection */
#define REMOTE4	  0xcb007107U /* 203.0.113.7 */
#define RPORT	  443

enum {
	P_EMPTY,
	P_OUT_EST,
	P_IN_EST,
	P_NEW,
	P_NEW_BASE,
	P_MAX
};

static const char *const prog_names[P_MAX] = { "empty", "out_est", "in_est",
	"new_raw", "new_base" };

struct bench {
	struct bpf_object *obj;
	int ct, rev, stats, seq_map;
	int fd[P_MAX];
	int ncpus;
	uint32_t seq; /* mirror of egr_test_seq */
};

static void
map4(__be32 *a, uint32_t v4)
{
	a[0] = 0;
	a[1] = 0;
	a[2] = htonl(0xffff);
	a[3] = htonl(v4);
}

static void
tuple4(struct egr_tuple *t, uint32_t s, uint32_t d, uint16_t sp, uint16_t dp)
{
	memset(t, 0, sizeof(*t));
	map4(t->saddr, s);
	map4(t->daddr, d);
	t->sport = htons(sp);
	t->dport = htons(dp);
	t->proto = 6;
}

/*
 * Connection (s:sp -> d:dp) translated to (x:xp), as the datapath writes
 * it: egr_ct by the original tuple, egr_rev by the reply tuple.
 */
static int
conn_put(const struct bench *b, uint32_t s, uint16_t sp, uint32_t d,
    uint16_t dp, uint32_t x, uint16_t xp)
{
	struct egr_ct_val cv;
	struct egr_rev_val rv;
	struct egr_tuple k;

	tuple4(&k, s, d, sp, dp);
	memset(&cv, 0, sizeof(cv));
	memset(&rv, 0, sizeof(rv));
	tuple4(&cv.rev, d, x, dp, xp);
	cv.state = EGR_TCP_ESTABLISHED;
	cv.flags = EGR_CT_F_REPLY;
	cv.policy = 1;
	rv.orig = k;
	rv.replied = 1;
	if (bpf_map_update_elem(b->rev, &cv.rev, &rv, BPF_NOEXIST) ||
	    bpf_map_update_elem(b->ct, &k, &cv, BPF_NOEXIST))
		return -1;
	return 0;
}

static int
policy_set(struct bpf_object *obj)
{
	struct egr_src4_key sk = { .prefixlen = 8 };
	struct egr_dst4_key dk = { .prefixlen = EGR_CLASS_BITS };
	struct egr_src_val sv = { .class = 1 };
	struct egr_dst_val dv = { .policy = 1, .action = EGR_ACT_POLICY };
	struct egr_policy p;
	uint32_t id = 1;

	memset(&p, 0, sizeof(p));
	p.flags = EGR_POL_ACTIVE;
	p.ngw = 1;
	p.gw[0].flags = EGR_GW_UP | EGR_GW_LOCAL;
	p.egress4 = htonl(EGRESS4);
	sk.addr = htonl(0x0a000000);
	dk.class = htonl(1);
	if (bpf_map_update_elem(
		bpf_object__find_map_fd_by_name(obj, EGR_MAP_SRC4), &sk, &sv,
		0) ||
	    bpf_map_update_elem(
		bpf_object__find_map_fd_by_name(obj, EGR_MAP_DST4), &dk, &dv,
		0) ||
	    bpf_map_update_elem(
		bpf_object__find_map_fd_by_name(obj, EGR_MAP_POLICY), &id, &p,
		0))
		return -1;
	return 0;
}

/* Sum of egr_stats[k].packets over CPUs. */
static uint64_t
stat_get(const struct bench *b, uint32_t k)
{
	struct egr_stat_val v[512];
	uint64_t n = 0;
	int cpu;

	if (b->ncpus > 512 || bpf_map_lookup_elem(b->stats, &k, v))
		return UINT64_MAX;
	for (cpu = 0; cpu < b->ncpus; cpu++)
		n += v[cpu].packets;
	return n;
}

static void
frame_build(
    uint8_t *f, uint32_t s, uint32_t d, uint16_t sp, uint16_t dp, uint8_t flags)
{
	uint8_t *ip = f + ETH_HLEN, *tcp = ip + 20;
	uint32_t sum = 0;
	int i;

	memset(f, 0, FRAME_LEN);
	memcpy(f, "\x02\0\0\0\0\x01\x02\0\0\0\0\x02\x08\x00", 14);
	ip[0] = 0x45;
	ip[2] = (20 + 20 + PAYLOAD) >> 8;
	ip[3] = (20 + 20 + PAYLOAD) & 0xff;
	ip[8] = 64;
	ip[9] = 6;
	s = htonl(s);
	d = htonl(d);
	memcpy(ip + 12, &s, 4);
	memcpy(ip + 16, &d, 4);
	for (i = 0; i < 20; i += 2)
		sum += (uint32_t)ip[i] << 8 | ip[i + 1];
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	ip[10] = (uint8_t)(~sum >> 8);
	ip[11] = (uint8_t)~sum;
	tcp[0] = sp >> 8;
	tcp[1] = sp & 0xff;
	tcp[2] = dp >> 8;
	tcp[3] = dp & 0xff;
	tcp[12] = 5 << 4;
	tcp[13] = flags;
	/* The transport checksum is not verified by the datapath. */
}

/* One timed test_run.  Returns ns per repetition, or -1. */
static double
run_once(struct bench *b, int p, uint32_t repeat)
{
	uint8_t in[FRAME_LEN], out[FRAME_LEN + 64];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in,
	    .data_size_in = sizeof(in), .data_out = out,
	    .data_size_out = sizeof(out), .repeat = repeat);
	uint64_t x0 = 0, n0 = 0, x1, n1, want_x = 0, want_n = 0;
	uint32_t xs = p == P_IN_EST ? EGR_STAT_RSNAT : EGR_STAT_SNAT, i, s0;
	struct egr_tuple k;

	switch (p) {
	case P_IN_EST:
		frame_build(in, REMOTE4, EGRESS4, RPORT, 20001, 0x10);
		want_x = repeat;
		break;
	case P_OUT_EST:
		frame_build(in, POD4, REMOTE4, 10001, RPORT, 0x10);
		want_x = repeat;
		break;
	default:
		frame_build(in, POD4, REMOTE4, 10001, RPORT, 0x02);
		if (p == P_NEW)
			want_x = want_n = repeat;
		break;
	}
	x0 = stat_get(b, xs);
	n0 = stat_get(b, EGR_STAT_NEW_FLOW);
	s0 = b->seq;
	if (bpf_prog_test_run_opts(b->fd[p], &opts) != 0) {
		fprintf(stderr, "prog_run: test_run %s: %s\n", prog_names[p],
		    strerror(errno));
		return -1;
	}
	if (p == P_NEW || p == P_NEW_BASE)
		b->seq += repeat;
	if (opts.retval != TC_ACT_OK) {
		fprintf(stderr, "prog_run: %s: verdict %u\n", prog_names[p],
		    opts.retval);
		return -1;
	}
	x1 = stat_get(b, xs);
	n1 = stat_get(b, EGR_STAT_NEW_FLOW);
	if (p != P_EMPTY && (x1 - x0 != want_x || n1 - n0 != want_n)) {
		fprintf(stderr,
		    "prog_run: %s took another path: %llu translated, "
		    "%llu new\n",
		    prog_names[p], (unsigned long long)(x1 - x0),
		    (unsigned long long)(n1 - n0));
		return -1;
	}
	/* Take the new connections out again (not timed). */
	for (i = 0; p == P_NEW && i < repeat; i++) {
		uint32_t seq = s0 + i, s = 0x0a800000 | (seq & 0x7fffff);
		uint32_t d = 0xc6120000 | (seq & 0xffff);
		uint16_t sp = (uint16_t)(10000 + seq % 50000);

		tuple4(&k, s, d, sp, RPORT);
		if (bpf_map_delete_elem(b->ct, &k))
			goto gone;
		tuple4(&k, d, EGRESS4, RPORT, sp);
		if (bpf_map_delete_elem(b->rev, &k))
			goto gone;
	}
	return (double)opts.duration;
gone:
	fprintf(stderr, "prog_run: new connection %u not as expected\n", i);
	return -1;
}

static int
empty_load(void)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K,
		    .dst_reg = BPF_REG_0,
		    .imm = TC_ACT_OK },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	return bpf_prog_load(
	    BPF_PROG_TYPE_SCHED_CLS, "ferry_empty", "GPL", insns, 2, NULL);
}

static int
prog(struct bpf_object *obj, const char *name)
{
	struct bpf_program *p = bpf_object__find_program_by_name(obj, name);

	return p ? bpf_program__fd(p) : -1;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int
bench_load(struct bench *b, const char *dir, uint32_t entries, uint32_t nrep)
{
	char path[4096];
	struct bpf_map *m;
	uint32_t i;

	snprintf(path, sizeof(path), "%s/tests/bpf/egress_test.bpf.o", dir);
	b->obj = bpf_object__open_file(path, NULL);
	if (!b->obj) {
		fprintf(
		    stderr, "prog_run: open %s: %s\n", path, strerror(errno));
		return -1;
	}
	bpf_object__for_each_map(m, b->obj)
	{
		bpf_map__set_pin_path(m, NULL);
		if (!strcmp(bpf_map__name(m), EGR_MAP_CT) ||
		    !strcmp(bpf_map__name(m), EGR_MAP_REV))
			bpf_map__set_max_entries(m, entries + nrep + 64);
	}
	if (bpf_object__load(b->obj)) {
		fprintf(
		    stderr, "prog_run: load %s: %s\n", path, strerror(errno));
		return -1;
	}
	b->ct = bpf_object__find_map_fd_by_name(b->obj, EGR_MAP_CT);
	b->rev = bpf_object__find_map_fd_by_name(b->obj, EGR_MAP_REV);
	b->stats = bpf_object__find_map_fd_by_name(b->obj, EGR_MAP_STATS);
	b->fd[P_EMPTY] = empty_load();
	b->fd[P_OUT_EST] = prog(b->obj, EGR_PROG_OUT);
	b->fd[P_IN_EST] = prog(b->obj, EGR_PROG_IN);
	b->fd[P_NEW] = prog(b->obj, "egr_test_new");
	b->fd[P_NEW_BASE] = prog(b->obj, "egr_test_new_base");
	for (i = 0; i < P_MAX; i++)
		if (b->fd[i] < 0) {
			fprintf(
			    stderr, "prog_run: no program %s\n", prog_names[i]);
			return -1;
		}
	if (policy_set(b->obj))
		return -1;
	/* The ping-pong pair: POD:10001 <-> EGRESS:20001 towards REMOTE. */
	if (conn_put(b, POD4, 10001, REMOTE4, RPORT, EGRESS4, 20001) ||
	    conn_put(b, EGRESS4, 20001, REMOTE4, RPORT, POD4, 10001))
		goto fill;
	for (i = 0; i < entries; i++) {
		uint32_t s = 0x0a400000 + i, d = 0x64400000 + i % 65536;

		if (conn_put(b, s, (uint16_t)(1024 + i % 60000), d, RPORT,
			EGRESS4, (uint16_t)(1024 + i % 60000)))
			goto fill;
	}
	return 0;
fill:
	fprintf(stderr, "prog_run: filling the table: %s\n", strerror(errno));
	return -1;
}

int
main(int argc, char **argv)
{
	uint32_t entries = 100000, repeat = 1000000, nrep = 50000, runs = 9,
		 warmup = 2, r, p;
	double *ns[P_MAX], med[P_MAX], newcost;
	struct bench b;
	int c;

	while ((c = getopt(argc, argv, "e:r:N:n:w:")) != -1) {
		unsigned long v = strtoul(optarg, NULL, 10);

		switch (c) {
		case 'e':
			entries = (uint32_t)v;
			break;
		case 'r':
			repeat = (uint32_t)v;
			break;
		case 'N':
			nrep = (uint32_t)v;
			break;
		case 'n':
			runs = (uint32_t)v;
			break;
		case 'w':
			warmup = (uint32_t)v;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1 || runs == 0 || repeat == 0 || nrep == 0 ||
	    entries > 8000000)
		goto usage;
	memset(&b, 0, sizeof(b));
	b.ncpus = libbpf_num_possible_cpus();
	if (b.ncpus <= 0 || bench_load(&b, argv[optind], entries, nrep))
		return 1;
	for (p = 0; p < P_MAX; p++) {
		ns[p] = calloc(runs, sizeof(double));
		if (!ns[p])
			return 1;
	}
	for (r = 0; r < warmup + runs; r++) {
		for (p = 0; p < P_MAX; p++) {
			int np = p == P_NEW || p == P_NEW_BASE;
			double t = run_once(&b, (int)p, np ? nrep : repeat);

			if (t < 0)
				return 1;
			if (r < warmup)
				continue;
			ns[p][r - warmup] = t;
			printf(
			    "bpf\t%s\t%u\t%.1f\n", prog_names[p], entries, t);
		}
	}
	for (p = 0; p < P_MAX; p++) {
		qsort(ns[p], runs, sizeof(double), cmp_double);
		med[p] = ns[p][runs / 2];
	}
	newcost = med[P_NEW] - med[P_NEW_BASE] + med[P_EMPTY];
	printf("\negress NAT under BPF_PROG_TEST_RUN, %u connections in the "
	       "table, median of %u runs\n",
	    entries, runs);
	printf("%-10s %10s %10s %8s\n", "path", "ns/pkt", "x empty", "target");
	printf("%-10s %10.1f %10.2f %8s\n", "empty", med[P_EMPTY], 1.0, "");
	printf("%-10s %10.1f %10.2f %8s\n", "out_est", med[P_OUT_EST],
	    med[P_OUT_EST] / med[P_EMPTY], "4x");
	printf("%-10s %10.1f %10.2f %8s\n", "in_est", med[P_IN_EST],
	    med[P_IN_EST] / med[P_EMPTY], "4x");
	printf("%-10s %10.1f %10.2f %8s\n", "out_new", newcost,
	    newcost / med[P_EMPTY], "20x");
	printf("(out_new = new_raw %.1f - new_base %.1f + empty)\n", med[P_NEW],
	    med[P_NEW_BASE]);
	return 0;
usage:
	fprintf(stderr,
	    "usage: prog_run [-e ENTRIES] [-r REPEAT] "
	    "[-N NEWREPEAT] [-n RUNS] [-w WARMUP] BUILDDIR\n");
	return 2;
}
