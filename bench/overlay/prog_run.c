// SPDX-License-Identifier: BSD-2-Clause
/*
 * ns per packet of the overlay tc programs under BPF_PROG_TEST_RUN, for
 * bench/overlay.
 *
 *   prog_run [-e ENTRIES] [-r REPEAT] [-n RUNS] [-w WARMUP] BUILDDIR
 *
 * Three programs, all fed the same IPv4/UDP frame (64-byte payload):
 *
 *   empty        two instructions, "return TC_ACT_OK": the floor, i.e.
 *                what test_run itself costs per repetition
 *   ovl_egress   the production entry point from BUILDDIR/bpf/overlay.bpf.o:
 *                parse, tunnel lookup, inner MAC write, tunnel key, counters
 *   ovl_ingress  the ingress decision (ovl_ingress_handle: parse, one
 *                lookup on (peer, source), counters) through the
 *                ovl_test_ingress wrapper of tests/bpf/overlay_test.bpf.o,
 *                because test_run cannot attach the tunnel metadata the
 *                production entry point reads first
 *
 * The two overlay programs run twice: as ferryd sets them up, with the
 * exact-match hashes in front of the tries (ovl_plens lists /24, the one
 * length in the table), and as ovl_egress_trie / ovl_ingress_trie with
 * ovl_plens cleared, so that they walk the LPM tries as before the hashes
 * existed.  ovl_plens is switched between test_runs, outside the timing.
 *
 * Both objects get their own unpinned maps (never /sys/fs/bpf), each
 * filled with ENTRIES tunnels: 10.A.B.0/24 -> remote 100.64.A.B, VNI
 * 10000+i, plus the matching (peer, source) entry, their copies in the
 * exact-match hashes and a counter element, as ferryd would write them.
 * Every measured frame matches: a verdict other than TC_ACT_OK aborts the
 * run, so a drop path is never timed by mistake.
 *
 * The kernel reports the mean time of one repetition over REPEAT
 * repetitions.  Each round runs the three programs back to back, each on
 * a different table entry (so the lookups walk different trie paths);
 * WARMUP rounds are discarded, RUNS rounds are printed, one line per
 * program and round, for bench/overlay/summary.py:
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

#include "overlay.h"

#define PAYLOAD	  64
#define FRAME_LEN (ETH_HLEN + 20 + 8 + PAYLOAD)
#define POD_ADDR  "10.244.1.10"
#define LOCAL4	  "192.0.2.1"

enum {
	P_EMPTY,
	P_EGRESS,
	P_INGRESS,
	P_EGRESS_TRIE,
	P_INGRESS_TRIE,
	P_MAX
};

static const char *const prog_names[P_MAX] = { "empty", "ovl_egress",
	"ovl_ingress", "ovl_egress_trie", "ovl_ingress_trie" };

struct prog_run_obj {
	struct bpf_object *obj;
	int prog;
	int plens;
};

static const uint8_t dev_mac[6] = { 0x02, 0xfe, 0, 0, 0, 0x01 };

/* Entry i of the table. */
static uint32_t
entry_net(uint32_t i) /* host order, the /24 */
{
	return 10u << 24 | (i / 256) << 16 | (i % 256) << 8;
}

static uint32_t
entry_remote(uint32_t i) /* host order */
{
	return 100u << 24 | 64u << 16 | (i / 256) << 8 | (i % 256);
}

static void
entry_mac(uint32_t i, uint8_t mac[6])
{
	mac[0] = 0x02;
	mac[1] = mac[2] = mac[3] = 0;
	mac[4] = (uint8_t)(i / 256);
	mac[5] = (uint8_t)(i % 256);
}

static void
map4(uint32_t a[4], uint32_t v4_host)
{
	a[0] = a[1] = 0;
	a[2] = htonl(0xffff);
	a[3] = htonl(v4_host);
}

static uint16_t
csum16(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Ethernet/IPv4/UDP frame from src to dst (host order). */
static void
frame_build(uint8_t *f, uint32_t src, uint32_t dst)
{
	uint8_t *ip = f + ETH_HLEN, *udp = ip + 20;
	uint32_t s = htonl(src), d = htonl(dst);
	uint16_t sum;

	memset(f, 0, FRAME_LEN);
	memcpy(f, dev_mac, 6);
	f[6] = 0x02;
	f[11] = 0x99;
	f[12] = ETH_P_IP >> 8;
	f[13] = ETH_P_IP & 0xff;
	ip[0] = 0x45;
	ip[2] = (20 + 8 + PAYLOAD) >> 8;
	ip[3] = (20 + 8 + PAYLOAD) & 0xff;
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, &s, 4);
	memcpy(ip + 16, &d, 4);
	sum = csum16(ip, 20);
	ip[10] = sum >> 8;
	ip[11] = sum & 0xff;
	udp[0] = 0x30;
	udp[1] = 0x39;
	udp[2] = 0x30;
	udp[3] = 0x39;
	udp[5] = 8 + PAYLOAD;
	memset(udp + 8, 0xa5, PAYLOAD);
}

static int
prog_run_fill(struct bpf_object *obj, uint32_t entries, int ncpus)
{
	int tun4 = bpf_object__find_map_fd_by_name(obj, OVL_MAP_TUN4);
	int src4 = bpf_object__find_map_fd_by_name(obj, OVL_MAP_SRC4);
	int cnt = bpf_object__find_map_fd_by_name(obj, OVL_MAP_CNT);
	int cfg = bpf_object__find_map_fd_by_name(obj, OVL_MAP_CONFIG);
	int tun4x = bpf_object__find_map_fd_by_name(obj, OVL_MAP_TUN4_EXACT);
	int src4x = bpf_object__find_map_fd_by_name(obj, OVL_MAP_SRC4_EXACT);
	struct ovl_cnt *zero = calloc((size_t)ncpus, sizeof(*zero));
	struct ovl_config config;
	uint32_t i, key0 = 0;
	int rc = -1;

	if (tun4 < 0 || src4 < 0 || cnt < 0 || cfg < 0 || tun4x < 0 ||
	    src4x < 0 || zero == NULL)
		goto out;
	memset(&config, 0, sizeof(config));
	inet_pton(AF_INET, LOCAL4, &config.local4);
	if (bpf_map_update_elem(cfg, &key0, &config, BPF_ANY))
		goto out;
	for (i = 0; i < entries; i++) {
		struct ovl_tun4_key tk = { .prefixlen = 24 };
		struct ovl_src4_key sk = { .prefixlen = OVL_PEER_BITS + 24 };
		struct ovl_tun_val tv;
		struct ovl_src_val sv = { .id = i + 1 };

		memset(&tv, 0, sizeof(tv));
		map4(tv.remote, entry_remote(i));
		tv.vni = 10000 + i;
		tv.id = i + 1;
		entry_mac(i, tv.mac);
		tk.addr = htonl(entry_net(i));
		sk.peer.vni = htonl(tv.vni);
		memcpy(sk.peer.remote, tv.remote, sizeof(sk.peer.remote));
		sk.src = tk.addr;
		if (bpf_map_update_elem(cnt, &tv.id, zero, BPF_ANY) ||
		    bpf_map_update_elem(tun4, &tk, &tv, BPF_ANY) ||
		    bpf_map_update_elem(src4, &sk, &sv, BPF_ANY) ||
		    bpf_map_update_elem(tun4x, &tk, &tv, BPF_ANY) ||
		    bpf_map_update_elem(src4x, &sk, &sv, BPF_ANY))
			goto out;
	}
	rc = 0;
out:
	if (rc)
		fprintf(
		    stderr, "prog_run: filling maps: %s\n", strerror(errno));
	free(zero);
	return rc;
}

static int
prog_run_open(struct prog_run_obj *o, const char *path, const char *prog)
{
	struct bpf_program *p;
	struct bpf_map *m;
	int err;

	o->obj = bpf_object__open_file(path, NULL);
	if (o->obj == NULL) {
		fprintf(
		    stderr, "prog_run: open %s: %s\n", path, strerror(errno));
		return -1;
	}
	bpf_object__for_each_map(m, o->obj) bpf_map__set_pin_path(m, NULL);
	if ((err = bpf_object__load(o->obj)) != 0) {
		fprintf(
		    stderr, "prog_run: load %s: %s\n", path, strerror(-err));
		return -1;
	}
	p = bpf_object__find_program_by_name(o->obj, prog);
	if (p == NULL) {
		fprintf(stderr, "prog_run: no program %s in %s\n", prog, path);
		return -1;
	}
	o->prog = bpf_program__fd(p);
	o->plens = bpf_object__find_map_fd_by_name(o->obj, OVL_MAP_PLENS);
	if (o->plens < 0) {
		fprintf(
		    stderr, "prog_run: no map %s in %s\n", OVL_MAP_PLENS, path);
		return -1;
	}
	return 0;
}

static int
prog_run_empty(void)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K,
		    .dst_reg = BPF_REG_0,
		    .imm = TC_ACT_OK },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd;

	fd = bpf_prog_load(
	    BPF_PROG_TYPE_SCHED_CLS, "ferry_empty", "GPL", insns, 2, NULL);
	if (fd < 0)
		fprintf(stderr, "prog_run: load empty program: %s\n",
		    strerror(errno));
	return fd;
}

/* Point the programs of o at the hashes (all entries are /24) or tries. */
static int
prog_run_plens(const struct prog_run_obj *o, int exact)
{
	struct ovl_plens pl;
	uint32_t key0 = 0;

	memset(&pl, 0, sizeof(pl));
	if (exact) {
		pl.n4 = 1;
		pl.len4[0] = 24;
	}
	if (bpf_map_update_elem(o->plens, &key0, &pl, BPF_ANY)) {
		fprintf(stderr, "prog_run: setting %s: %s\n", OVL_MAP_PLENS,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * One timed test_run of program p on entry i.  Returns ns per repetition,
 * or -1.
 */
static double
prog_run_once(int p, int fd, uint32_t i, uint32_t repeat)
{
	uint8_t in[FRAME_LEN], out[FRAME_LEN + 64], mac[6];
	struct __sk_buff ctx;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in,
	    .data_size_in = sizeof(in), .data_out = out,
	    .data_size_out = sizeof(out), .repeat = repeat);

	memset(&ctx, 0, sizeof(ctx));
	if (p == P_INGRESS || p == P_INGRESS_TRIE) {
		/* From a host of entry i, arriving on entry i's tunnel. */
		frame_build(in, entry_net(i) | 10, ntohl(inet_addr(POD_ADDR)));
		ctx.cb[0] = 10000 + i;
		ctx.cb[1] = entry_remote(i);
		opts.ctx_in = &ctx;
		opts.ctx_size_in = sizeof(ctx);
	} else {
		/* From the pod to a host of entry i. */
		frame_build(in, ntohl(inet_addr(POD_ADDR)), entry_net(i) | 10);
	}
	if (bpf_prog_test_run_opts(fd, &opts) != 0) {
		fprintf(stderr, "prog_run: test_run %s: %s\n", prog_names[p],
		    strerror(errno));
		return -1;
	}
	if (opts.retval != TC_ACT_OK) {
		fprintf(stderr,
		    "prog_run: %s on entry %u: verdict %u, "
		    "want TC_ACT_OK\n",
		    prog_names[p], i, opts.retval);
		return -1;
	}
	entry_mac(i, mac);
	if ((p == P_EGRESS || p == P_EGRESS_TRIE) && memcmp(out, mac, 6) != 0) {
		fprintf(stderr, "prog_run: ovl_egress wrote the wrong MAC\n");
		return -1;
	}
	return (double)opts.duration;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: prog_run [-e ENTRIES] [-r REPEAT] [-n RUNS] "
	    "[-w WARMUP] BUILDDIR\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct prog_run_obj prod = { 0 }, wrap = { 0 };
	uint32_t entries = 10000, repeat = 1000000, runs = 9, warmup = 2;
	int fds[P_MAX], ncpus, c, rc = 1;
	char path[4096];
	uint32_t r, p;

	while ((c = getopt(argc, argv, "e:r:n:w:")) != -1) {
		unsigned long v = strtoul(optarg ? optarg : "", NULL, 10);

		switch (c) {
		case 'e':
			if (v < 1 || v > 65536)
				usage();
			entries = (uint32_t)v;
			break;
		case 'r':
			if (v < 1 || v > 100000000)
				usage();
			repeat = (uint32_t)v;
			break;
		case 'n':
			if (v < 1 || v > 1000)
				usage();
			runs = (uint32_t)v;
			break;
		case 'w':
			if (v > 1000)
				usage();
			warmup = (uint32_t)v;
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 1)
		usage();
	libbpf_set_strict_mode(LIBBPF_STRICT_ALL);
	ncpus = libbpf_num_possible_cpus();
	if (ncpus < 1)
		return 1;

	snprintf(path, sizeof(path), "%s/bpf/overlay.bpf.o", argv[optind]);
	if (prog_run_open(&prod, path, OVL_PROG_EGRESS))
		goto out;
	snprintf(path, sizeof(path), "%s/tests/bpf/overlay_test.bpf.o",
	    argv[optind]);
	if (prog_run_open(&wrap, path, "ovl_test_ingress"))
		goto out;
	if (prog_run_fill(prod.obj, entries, ncpus) ||
	    prog_run_fill(wrap.obj, entries, ncpus))
		goto out;
	fds[P_EMPTY] = prog_run_empty();
	fds[P_EGRESS] = fds[P_EGRESS_TRIE] = prod.prog;
	fds[P_INGRESS] = fds[P_INGRESS_TRIE] = wrap.prog;
	if (fds[P_EMPTY] < 0)
		goto out;

	for (r = 0; r < warmup + runs; r++) {
		/* A different entry each round, spread over the table. */
		uint32_t i = (r * 7919u + 13u) % entries;

		for (p = 0; p < P_MAX; p++) {
			int trie = p == P_EGRESS_TRIE || p == P_INGRESS_TRIE;
			double ns;

			if (p != P_EMPTY &&
			    prog_run_plens(p == P_EGRESS || p == P_EGRESS_TRIE
				    ? &prod
				    : &wrap,
				!trie))
				goto out;
			ns = prog_run_once((int)p, fds[p], i, repeat);
			if (ns < 0)
				goto out;
			if (r >= warmup)
				printf("bpf\t%s\t%u\t%.1f\n", prog_names[p],
				    entries, ns);
		}
		fflush(stdout);
	}
	rc = 0;
out:
	bpf_object__close(prod.obj);
	bpf_object__close(wrap.obj);
	return rc;
}
