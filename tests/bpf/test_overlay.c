// SPDX-License-Identifier: BSD-2-Clause
/*
 * BPF_PROG_TEST_RUN tests for the overlay tc programs (bpf/overlay.bpf.c).
 *
 * Two objects are loaded, neither with pinned maps: the production object,
 * whose real entry points are run for verdicts, output frames and
 * counters, and tests/bpf/overlay_test.bpf.o, whose wrappers run the same
 * decision functions with tunnel metadata passed through skb->cb[] (see
 * that file for why and how).  Both get the same map contents.
 *
 * The whole suite runs twice: with the programs told to look tunnels and
 * sources up in the LPM tries, and with them told to use the exact-match
 * hashes in front (struct ovl_plens); both must give the same answers.
 *
 * Cases are tables of {frame, (for ingress) the tunnel it arrived on,
 * expected verdict, drop reason, counter id, and for accepted egress frames
 * the inner MAC and tunnel key}.  Every case also checks that exactly one
 * ovl_stats slot and at most one ovl_cnt element moved, by the frame's
 * length.  Frames cut inside their IPv4/IPv6 header are refused by
 * BPF_PROG_TEST_RUN on recent kernels; the wrappers cut those themselves,
 * and the production entry point is skipped for them with a message.
 * What test_run cannot reach at all (the real tunnel metadata of a vxlan
 * receive, bpf_skb_get_tunnel_key() falling back to IPv6) is left to the
 * namespace integration tests.
 *
 * Usage: test_overlay [BUILDDIR]; BUILDDIR (or $FERRY_BPF_OBJ_DIR) holds
 * bpf/overlay.bpf.o and tests/bpf/overlay_test.bpf.o.  Exits 77 when the
 * kernel refuses to load BPF for lack of privilege.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "overlay.h"
#include "egress.h"

#ifndef BPF_OBJ_DIR
#define BPF_OBJ_DIR "."
#endif

#define OVL_TEST_DUMP_REMOTE 0
#define OVL_TEST_DUMP_LOCAL  1

#define MAX_ID	    64 /* counter ids the fixture uses are below this */
#define FRAME_MAX   256
#define TUNNEL_CSUM 0x0001 /* tunnel flag bits as the helper reports them */
#define TUNNEL_KEY  0x0004

struct ovl_obj {
	struct bpf_object *obj;
	int tun4, tun6, src4, src6, cnt, stats, config;
	int tun4x, tun6x, src4x, src6x, plens; /* the exact-match front */
	int egress, ingress;
	int urx, urx_cfg, urx_stats; /* ovl_underlay_rx and its maps */
};

static struct ovl_obj prod, wrap;
static int ncpus;
/*
 * Which lookup the programs are told to use (ovl_plens): the whole suite
 * runs once with the tries and once with the exact-match hashes.
 */
static int exact_mode;

struct frame {
	uint8_t b[FRAME_MAX];
	uint32_t len;
	uint32_t cut; /* if not 0: the frame to test is the first cut bytes */
};

static const uint8_t mac_dev[6] = { 0x02, 0xfe, 0, 0, 0, 0x01 };
static const uint8_t mac_self[6] = { 0x02, 0xfe, 0, 0, 0, 0x02 };
static const uint8_t mac_bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 0x0b };
static const uint8_t mac_c[6] = { 0x02, 0, 0, 0, 0, 0x0c };
static const uint8_t mac_d[6] = { 0x02, 0, 0, 0, 0, 0x0d };
static const uint8_t mac_e[6] = { 0x02, 0, 0, 0, 0, 0x0e };
static const uint8_t mac_f[6] = { 0x02, 0, 0, 0, 0, 0x0f };

#define LOCAL4 "198.51.100.254"
#define LOCAL6 "2001:db8::fe"

/* --- addresses -------------------------------------------------------- */

/* Text address -> 16 bytes, IPv4 mapped.  Returns 4 or 6. */
static int
addr16(const char *s, void *out)
{
	uint8_t *a = out;

	if (inet_pton(AF_INET6, s, a) == 1)
		return 6;
	memset(a, 0, 10);
	a[10] = a[11] = 0xff;
	if (inet_pton(AF_INET, s, a + 12) == 1)
		return 4;
	fail_msg("bad address in test table: %s", s);
	return 0;
}

/* "a/len" -> 16 bytes (IPv4 mapped) and len.  Returns 4 or 6. */
static int
prefix16(const char *s, void *out, uint32_t *plen)
{
	char buf[64];
	char *slash;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	assert_non_null(slash);
	*slash = '\0';
	*plen = (uint32_t)atoi(slash + 1);
	return addr16(buf, out);
}

/* --- frames ----------------------------------------------------------- */

static void
frame_eth(struct frame *f, const uint8_t *dst, uint16_t proto)
{
	memset(f, 0, sizeof(*f));
	memcpy(f->b, dst, 6);
	memcpy(f->b + 6, mac_self, 6);
	f->b[12] = proto >> 8;
	f->b[13] = proto & 0xff;
	f->len = ETH_HLEN;
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

#define PAYLOAD 26 /* UDP header + a little data */

static void
frame_ipv4(struct frame *f, const char *src, const char *dst)
{
	uint8_t a[16];
	uint8_t *ip;
	uint16_t sum;
	size_t i;

	frame_eth(f, mac_dev, ETH_P_IP);
	ip = f->b + ETH_HLEN;
	ip[0] = 0x45;
	ip[2] = 0;
	ip[3] = 20 + PAYLOAD;
	ip[8] = 64;
	ip[9] = 17;
	assert_int_equal(addr16(src, a), 4);
	memcpy(ip + 12, a + 12, 4);
	assert_int_equal(addr16(dst, a), 4);
	memcpy(ip + 16, a + 12, 4);
	sum = csum16(ip, 20);
	ip[10] = sum >> 8;
	ip[11] = sum & 0xff;
	for (i = 0; i < PAYLOAD; i++)
		ip[20 + i] = (uint8_t)(0xa0 + i);
	f->len = ETH_HLEN + 20 + PAYLOAD;
}

static void
frame_ipv6(struct frame *f, const char *src, const char *dst)
{
	uint8_t *ip6;
	size_t i;

	frame_eth(f, mac_dev, ETH_P_IPV6);
	ip6 = f->b + ETH_HLEN;
	ip6[0] = 0x60;
	ip6[5] = PAYLOAD;
	ip6[6] = 17;
	ip6[7] = 64;
	assert_int_equal(addr16(src, ip6 + 8), 6);
	assert_int_equal(addr16(dst, ip6 + 24), 6);
	for (i = 0; i < PAYLOAD; i++)
		ip6[40 + i] = (uint8_t)(0xb0 + i);
	f->len = ETH_HLEN + 40 + PAYLOAD;
}

/* ARP request (broadcast) from spa asking for tpa. */
static void
frame_arp(struct frame *f, const char *spa, const char *tpa)
{
	uint8_t a[16];
	uint8_t *arp;

	frame_eth(f, mac_bcast, ETH_P_ARP);
	arp = f->b + ETH_HLEN;
	arp[1] = 1;    /* Ethernet */
	arp[2] = 0x08; /* IPv4 */
	arp[4] = 6;
	arp[5] = 4;
	arp[7] = 1; /* request */
	memcpy(arp + 8, mac_self, 6);
	assert_int_equal(addr16(spa, a), 4);
	memcpy(arp + 14, a + 12, 4);
	assert_int_equal(addr16(tpa, a), 4);
	memcpy(arp + 24, a + 12, 4);
	f->len = ETH_HLEN + 28;
}

enum kind {
	K_IPV4,
	K_IPV6,
	K_ARP,
	K_RAW, /* Ethernet header with ethertype arg and 46 bytes of zeros */
};

enum mutation {
	M_NONE,
	M_CUT,	    /* truncate the frame to arg bytes */
	M_SET_BYTE, /* byte at offset arg >> 8 = arg & 0xff */
	M_PAD,	    /* arg bytes of trailing padding after the packet */
};

static void
frame_build(struct frame *f, enum kind kind, const char *src, const char *dst,
    enum mutation mut, unsigned int arg)
{
	switch (kind) {
	case K_IPV4:
		frame_ipv4(f, src, dst);
		break;
	case K_IPV6:
		frame_ipv6(f, src, dst);
		break;
	case K_ARP:
		frame_arp(f, src, dst);
		break;
	case K_RAW:
		frame_eth(f, mac_dev, (uint16_t)arg);
		f->len = 60;
		break;
	}
	switch (mut) {
	case M_NONE:
		break;
	case M_CUT:
		assert_true(arg >= ETH_HLEN && arg < f->len);
		f->cut = arg;
		break;
	case M_SET_BYTE:
		assert_true((arg >> 8) < f->len);
		f->b[arg >> 8] = arg & 0xff;
		break;
	case M_PAD:
		assert_true(f->len + arg <= sizeof(f->b));
		f->len += arg;
		break;
	}
}

#define SET(off, val) M_SET_BYTE, ((off) << 8 | (val))

/* --- maps ------------------------------------------------------------- */

static void
cnt_create(const struct ovl_obj *o, uint32_t id)
{
	size_t sz = (size_t)ncpus * sizeof(struct ovl_cnt);
	void *zero = calloc(1, sz);

	assert_non_null(zero);
	assert_int_equal(bpf_map_update_elem(o->cnt, &id, zero, BPF_ANY), 0);
	free(zero);
}

/* Zero the bits of an LPM key's data past its prefixlen. */
static void
lpm_key_mask(void *key, size_t ksize)
{
	uint8_t *data = (uint8_t *)key + sizeof(uint32_t);
	uint32_t plen, i;

	memcpy(&plen, key, sizeof(plen));
	for (i = 0; i < (ksize - sizeof(uint32_t)) * 8; i++)
		if (i >= plen)
			data[i / 8] &= (uint8_t) ~(0x80u >> (i % 8));
}

/* The trie entry key -> val and its mirror in the exact-match hash. */
static int
lpm_put(int trie, int hash, const void *key, size_t ksize, const void *val,
    uint64_t flags)
{
	uint8_t k[64];

	assert_true(ksize <= sizeof(k));
	if (bpf_map_update_elem(trie, key, val, flags))
		return -1;
	memcpy(k, key, ksize);
	lpm_key_mask(k, ksize);
	return bpf_map_update_elem(hash, k, val, flags);
}

/* Collect the inner prefix lengths of a trie into seen[]. */
static void
plens_collect(int fd, size_t ksize, uint32_t bias, uint8_t *seen)
{
	uint8_t key[64], next[64];
	int have = 0;
	uint32_t plen;

	while (!bpf_map_get_next_key(fd, have ? key : NULL, next)) {
		memcpy(key, next, ksize);
		have = 1;
		memcpy(&plen, key, sizeof(plen));
		seen[plen - bias] = 1;
	}
}

static uint8_t
plens_list(const uint8_t *seen, int max, uint8_t *lens)
{
	int l, n = 0;

	for (l = max; l >= 0; l--) {
		if (!seen[l])
			continue;
		if (n == OVL_EXACT_LENS)
			return 0;
		lens[n++] = (uint8_t)l;
	}
	return (uint8_t)n;
}

/*
 * Tell the programs which lookup to use: the tries, or the hashes probed
 * at the lengths the tries hold (as ferryd would; the test is the same).
 */
static void
plens_set(const struct ovl_obj *o, int exact)
{
	uint8_t seen4[33] = { 0 }, seen6[129] = { 0 };
	struct ovl_plens pl;
	uint32_t zero = 0;

	memset(&pl, 0, sizeof(pl));
	if (exact) {
		plens_collect(o->tun4, sizeof(struct ovl_tun4_key), 0, seen4);
		plens_collect(
		    o->src4, sizeof(struct ovl_src4_key), OVL_PEER_BITS, seen4);
		plens_collect(o->tun6, sizeof(struct ovl_tun6_key), 0, seen6);
		plens_collect(
		    o->src6, sizeof(struct ovl_src6_key), OVL_PEER_BITS, seen6);
		pl.n4 = plens_list(seen4, 32, pl.len4);
		pl.n6 = plens_list(seen6, 128, pl.len6);
		/* The fixture fits: make sure the hashes are what runs. */
		assert_true(pl.n4 > 0 && pl.n6 > 0);
	}
	assert_int_equal(bpf_map_update_elem(o->plens, &zero, &pl, BPF_ANY), 0);
}

static void
tun_add(const struct ovl_obj *o, const char *prefix, const char *remote,
    uint32_t vni, const uint8_t *mac, uint32_t id)
{
	struct ovl_tun_val v;
	uint8_t a[16];
	uint32_t plen;
	int err;

	memset(&v, 0, sizeof(v));
	addr16(remote, v.remote);
	v.vni = vni;
	v.id = id;
	memcpy(v.mac, mac, 6);
	if (prefix16(prefix, a, &plen) == 4) {
		struct ovl_tun4_key k = { .prefixlen = plen };

		memcpy(&k.addr, a + 12, 4);
		err = lpm_put(o->tun4, o->tun4x, &k, sizeof(k), &v, BPF_ANY);
	} else {
		struct ovl_tun6_key k = { .prefixlen = plen };

		memcpy(k.addr, a, 16);
		err = lpm_put(o->tun6, o->tun6x, &k, sizeof(k), &v, BPF_ANY);
	}
	assert_int_equal(err, 0);
	cnt_create(o, id);
}

static void
peer_set(struct ovl_peer *p, const char *remote, uint32_t vni)
{
	p->vni = htonl(vni);
	addr16(remote, p->remote);
}

static void
src_add(const struct ovl_obj *o, const char *remote, uint32_t vni,
    const char *prefix, uint32_t id)
{
	struct ovl_src_val v = { .id = id };
	uint8_t a[16];
	uint32_t plen;
	int err;

	if (prefix16(prefix, a, &plen) == 4) {
		struct ovl_src4_key k;

		memset(&k, 0, sizeof(k));
		k.prefixlen = OVL_PEER_BITS + plen;
		peer_set(&k.peer, remote, vni);
		memcpy(&k.src, a + 12, 4);
		err = lpm_put(o->src4, o->src4x, &k, sizeof(k), &v, BPF_ANY);
	} else {
		struct ovl_src6_key k;

		memset(&k, 0, sizeof(k));
		k.prefixlen = OVL_PEER_BITS + plen;
		peer_set(&k.peer, remote, vni);
		memcpy(k.src, a, 16);
		err = lpm_put(o->src6, o->src6x, &k, sizeof(k), &v, BPF_ANY);
	}
	assert_int_equal(err, 0);
}

static void
config_set(const struct ovl_obj *o, const char *l4, const char *l6)
{
	struct ovl_config c;
	uint32_t zero = 0;
	uint8_t a[16];

	memset(&c, 0, sizeof(c));
	if (l4) {
		addr16(l4, a);
		memcpy(&c.local4, a + 12, 4);
	}
	if (l6)
		addr16(l6, c.local6);
	assert_int_equal(bpf_map_update_elem(o->config, &zero, &c, BPF_ANY), 0);
}

/*
 * One fixture for every table.  Counter ids are distinct so each case can
 * name the one element that must move.
 */
static void
fixture_fill(const struct ovl_obj *o)
{
	/* Egress: inner destination -> tunnel. */
	tun_add(o, "10.1.0.0/16", "198.51.100.1", 100, mac_a, 1);
	tun_add(o, "10.1.2.0/24", "198.51.100.2", 200, mac_b, 2);
	tun_add(o, "10.9.0.0/16", "2001:db8::9", 900, mac_c, 3);
	tun_add(o, "10.66.0.0/16", "198.51.100.6", OVL_VNI_MAX + 1, mac_f, 4);
	tun_add(o, "fd00:1::/64", "2001:db8::1", 300, mac_d, 5);
	tun_add(o, "fd00::/16", "198.51.100.3", 301, mac_e, 6);
	tun_add(o, "10.5.5.5/32", "198.51.100.5", OVL_VNI_MAX, mac_f, 7);

	/* Ingress: (VNI, remote) -> allowed inner sources. */
	src_add(o, "198.51.100.1", 100, "10.1.0.0/16", 1);
	src_add(o, "198.51.100.2", 200, "10.2.0.0/16", 2);
	src_add(o, "198.51.100.2", 200, "10.20.0.7/32", 2);
	src_add(o, "2001:db8::9", 900, "10.9.0.0/16", 3);
	src_add(o, "2001:db8::1", 300, "fd00:1::/64", 5);
	src_add(o, "198.51.100.3", 301, "fd00:2::/64", 6);

	config_set(o, LOCAL4, LOCAL6);
}

/* --- counters --------------------------------------------------------- */

struct snap {
	struct ovl_stat stats[OVL_STATS_ENTRIES];
	struct ovl_cnt cnt[MAX_ID];
};

static void
snap_take(const struct ovl_obj *o, struct snap *s)
{
	struct ovl_stat *st = calloc((size_t)ncpus, sizeof(*st));
	struct ovl_cnt *c = calloc((size_t)ncpus, sizeof(*c));
	uint32_t k;
	int cpu;

	assert_non_null(st);
	assert_non_null(c);
	memset(s, 0, sizeof(*s));
	for (k = 0; k < OVL_STATS_ENTRIES; k++) {
		assert_int_equal(bpf_map_lookup_elem(o->stats, &k, st), 0);
		for (cpu = 0; cpu < ncpus; cpu++) {
			s->stats[k].packets += st[cpu].packets;
			s->stats[k].bytes += st[cpu].bytes;
		}
	}
	for (k = 0; k < MAX_ID; k++) {
		if (bpf_map_lookup_elem(o->cnt, &k, c) != 0) {
			assert_int_equal(errno, ENOENT);
			continue;
		}
		for (cpu = 0; cpu < ncpus; cpu++) {
			s->cnt[k].tx_packets += c[cpu].tx_packets;
			s->cnt[k].tx_bytes += c[cpu].tx_bytes;
			s->cnt[k].rx_packets += c[cpu].rx_packets;
			s->cnt[k].rx_bytes += c[cpu].rx_bytes;
		}
	}
	free(st);
	free(c);
}

static const char *const reason_names[OVL_REASON_MAX] = {
	[OVL_REASON_PASS] = "PASS",
	[OVL_REASON_TRUNCATED] = "TRUNCATED",
	[OVL_REASON_MALFORMED] = "MALFORMED",
	[OVL_REASON_UNSUPPORTED] = "UNSUPPORTED",
	[OVL_REASON_NO_ROUTE] = "NO_ROUTE",
	[OVL_REASON_BAD_VNI] = "BAD_VNI",
	[OVL_REASON_TUNNEL_KEY] = "TUNNEL_KEY",
	[OVL_REASON_NO_TUNNEL_INFO] = "NO_TUNNEL_INFO",
	[OVL_REASON_SPOOF] = "SPOOF",
	[OVL_REASON_PROXY_ARP] = "PROXY_ARP",
	[OVL_REASON_PROXY_ND] = "PROXY_ND",
};

/*
 * Exactly one stats slot moved, by one packet of len bytes (none if
 * reason is -1); exactly the counter element id moved (none if id is 0),
 * in direction dir.
 */
static void
snap_check(const char *name, const struct snap *a, const struct snap *b,
    enum ovl_dir dir, int reason, uint32_t id, uint32_t len)
{
	uint32_t k,
	    want_key =
		reason < 0 ? OVL_STATS_ENTRIES : OVL_STATS_KEY(dir, reason);

	for (k = 0; k < OVL_STATS_ENTRIES; k++) {
		uint64_t dp = b->stats[k].packets - a->stats[k].packets;
		uint64_t db = b->stats[k].bytes - a->stats[k].bytes;
		uint64_t wp = k == want_key ? 1 : 0;
		uint64_t wb = k == want_key ? len : 0;

		if (dp != wp || db != wb)
			fail_msg("%s: ovl_stats[%s %s] moved by %llu pkts "
				 "%llu bytes, want %llu/%llu",
			    name, k / OVL_REASON_MAX ? "ingress" : "egress",
			    reason_names[k % OVL_REASON_MAX],
			    (unsigned long long)dp, (unsigned long long)db,
			    (unsigned long long)wp, (unsigned long long)wb);
	}
	for (k = 0; k < MAX_ID; k++) {
		const struct ovl_cnt *x = &a->cnt[k], *y = &b->cnt[k];
		uint64_t w = k == id && id != 0 ? 1 : 0;
		uint64_t wtx = dir == OVL_DIR_EGRESS ? w : 0;
		uint64_t wrx = dir == OVL_DIR_INGRESS ? w : 0;

		if (y->tx_packets - x->tx_packets != wtx ||
		    y->tx_bytes - x->tx_bytes != wtx * len ||
		    y->rx_packets - x->rx_packets != wrx ||
		    y->rx_bytes - x->rx_bytes != wrx * len)
			fail_msg("%s: ovl_cnt[%u] moved tx %llu/%llu rx "
				 "%llu/%llu, want tx %llu rx %llu pkts of %u",
			    name, k,
			    (unsigned long long)(y->tx_packets - x->tx_packets),
			    (unsigned long long)(y->tx_bytes - x->tx_bytes),
			    (unsigned long long)(y->rx_packets - x->rx_packets),
			    (unsigned long long)(y->rx_bytes - x->rx_bytes),
			    (unsigned long long)wtx, (unsigned long long)wrx,
			    len);
	}
}

/* --- running ---------------------------------------------------------- */

/*
 * Run prog once on in (its first in->cut bytes if cut is set).  Returns 0
 * or the negative errno of BPF_PROG_TEST_RUN.
 */
static int
run_try(int prog, const struct frame *in, struct __sk_buff *ctx,
    struct frame *out, uint32_t *retval)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in->b,
	    .data_size_in = in->cut ? in->cut : in->len, .data_out = out->b,
	    .data_size_out = sizeof(out->b), .ctx_in = ctx,
	    .ctx_size_in = sizeof(*ctx), .ctx_out = ctx,
	    .ctx_size_out = sizeof(*ctx), .repeat = 1);
	int err;

	memset(out, 0, sizeof(*out));
	err = bpf_prog_test_run_opts(prog, &opts);
	out->len = opts.data_size_out;
	*retval = opts.retval;
	return err;
}

static uint32_t
run(int prog, const struct frame *in, struct __sk_buff *ctx, struct frame *out)
{
	uint32_t ret;
	int err;

	err = run_try(prog, in, ctx, out, &ret);
	if (err)
		fail_msg("bpf_prog_test_run_opts: %s", strerror(-err));
	return ret;
}

/*
 * Run a wrapper program: a truncated frame is passed whole and cut by the
 * program itself (skb->mark, see overlay_test.bpf.c).
 */
static uint32_t
run_wrap(
    int prog, const struct frame *in, struct __sk_buff *ctx, struct frame *out)
{
	struct frame whole = *in;

	whole.cut = 0;
	ctx->mark = in->cut;
	return run(prog, &whole, ctx, out);
}

/*
 * Run a production program.  Returns 0 if it ran, -1 if this kernel's
 * BPF_PROG_TEST_RUN refuses the (truncated) frame, which is not a failure:
 * the same frame is still run through the wrapper.
 */
static int
run_prod(const char *name, int prog, const struct frame *in,
    struct __sk_buff *ctx, struct frame *out, uint32_t *retval)
{
	int err;

	err = run_try(prog, in, ctx, out, retval);
	if (err == -EINVAL && in->cut) {
		print_message("       %s: kernel refuses the %u-byte frame "
			      "for test_run; wrapper only\n",
		    name, in->cut);
		return -1;
	}
	if (err)
		fail_msg(
		    "%s: bpf_prog_test_run_opts: %s", name, strerror(-err));
	return 0;
}

/* The frame a program should hand back: in, cut if it was cut. */
static void
frame_expect(struct frame *want, const struct frame *in)
{
	*want = *in;
	if (in->cut) {
		want->len = in->cut;
		want->cut = 0;
	}
}

static uint32_t
frame_len(const struct frame *f)
{
	return f->cut ? f->cut : f->len;
}

static const char *
verdict_name(uint32_t v)
{
	switch ((int)v) {
	case TC_ACT_OK:
		return "TC_ACT_OK";
	case TC_ACT_SHOT:
		return "TC_ACT_SHOT";
	default:
		return "other";
	}
}

static void
check_verdict(const char *name, const char *prog, uint32_t got, int want)
{
	if ((int)got != want)
		fail_msg("%s: %s returned %d (%s), want %d (%s)", name, prog,
		    (int)got, verdict_name(got), want,
		    verdict_name((uint32_t)want));
}

static void
check_frame(const char *name, const struct frame *got, const struct frame *want)
{
	uint32_t i;

	if (got->len != want->len)
		fail_msg("%s: output frame is %u bytes, want %u", name,
		    got->len, want->len);
	for (i = 0; i < want->len; i++)
		if (got->b[i] != want->b[i])
			fail_msg("%s: output byte %u is %#x, want %#x", name, i,
			    got->b[i], want->b[i]);
}

static void
check_addr(
    const char *name, const char *what, const void *got, const char *want_text)
{
	char g[INET6_ADDRSTRLEN];
	uint8_t want[16];

	if (want_text)
		addr16(want_text, want);
	else
		memset(want, 0, sizeof(want));
	if (memcmp(got, want, 16) != 0) {
		inet_ntop(AF_INET6, got, g, sizeof(g));
		fail_msg("%s: %s is %s, want %s", name, what, g,
		    want_text ? want_text : "::");
	}
}

/* --- egress table ----------------------------------------------------- */

struct egress_case {
	const char *name;
	enum kind kind;
	const char *src, *dst;
	enum mutation mut;
	unsigned int arg;
	uint32_t gso_size;
	int verdict;
	int reason;
	uint32_t id;
	/* accepted frames */
	const uint8_t *mac; /* NULL: destination MAC left alone */
	const char *remote;
	uint32_t vni;
};

#define OK	 TC_ACT_OK, OVL_REASON_PASS
#define DROP(r)	 TC_ACT_SHOT, OVL_REASON_##r, 0
#define EDROP(r) DROP(r), NULL, NULL, 0

static const struct egress_case egress_cases[] = {
	{ "ipv4 /16 match", K_IPV4, "192.0.2.10", "10.1.3.3", M_NONE, 0, 0, OK,
	    1, mac_a, "198.51.100.1", 100 },
	{ "ipv4 longest prefix wins", K_IPV4, "192.0.2.10", "10.1.2.3", M_NONE,
	    0, 0, OK, 2, mac_b, "198.51.100.2", 200 },
	{ "ipv4 /32 and max VNI", K_IPV4, "192.0.2.10", "10.5.5.5", M_NONE, 0,
	    0, OK, 7, mac_f, "198.51.100.5", OVL_VNI_MAX },
	{ "ipv4 inner, ipv6 underlay", K_IPV4, "192.0.2.10", "10.9.0.1", M_NONE,
	    0, 0, OK, 3, mac_c, "2001:db8::9", 900 },
	{ "ipv6 inner, ipv6 underlay", K_IPV6, "2001:db8:aa::1", "fd00:1::1",
	    M_NONE, 0, 0, OK, 5, mac_d, "2001:db8::1", 300 },
	{ "ipv6 inner, ipv4 underlay, shorter prefix", K_IPV6, "2001:db8:aa::1",
	    "fd00:5::1", M_NONE, 0, 0, OK, 6, mac_e, "198.51.100.3", 301 },
	{ "ipv4 with ethernet padding", K_IPV4, "192.0.2.10", "10.1.3.3", M_PAD,
	    8, 0, OK, 1, mac_a, "198.51.100.1", 100 },
	{ "ipv4 BIG TCP tot_len 0 with gso_size", K_IPV4, "192.0.2.10",
	    "10.1.3.3", SET(ETH_HLEN + 3, 0), 1400, OK, 1, mac_a,
	    "198.51.100.1", 100 },
	{ "arp request by target address, MAC kept", K_ARP, "192.0.2.10",
	    "10.1.2.3", M_NONE, 0, 0, OK, 2, NULL, "198.51.100.2", 200 },
	{ "ipv4 no route", K_IPV4, "10.1.3.3", "192.0.2.99", M_NONE, 0, 0,
	    EDROP(NO_ROUTE) },
	{ "ipv4 just outside /16", K_IPV4, "192.0.2.10", "10.0.255.255", M_NONE,
	    0, 0, EDROP(NO_ROUTE) },
	{ "ipv6 no route", K_IPV6, "fd00:1::1", "2001:db8:ffff::1", M_NONE, 0,
	    0, EDROP(NO_ROUTE) },
	{ "arp target without route", K_ARP, "10.1.3.3", "192.0.2.99", M_NONE,
	    0, 0, EDROP(NO_ROUTE) },
	{ "entry with VNI over 24 bits", K_IPV4, "192.0.2.10", "10.66.0.1",
	    M_NONE, 0, 0, EDROP(BAD_VNI) },
	{ "ethernet header only, ipv4 type", K_IPV4, "192.0.2.10", "10.1.3.3",
	    M_CUT, ETH_HLEN, 0, EDROP(TRUNCATED) },
	{ "ethernet header only, ipv6 type", K_IPV6, "fd00:1::2", "fd00:1::1",
	    M_CUT, ETH_HLEN, 0, EDROP(TRUNCATED) },
	{ "partial ipv4 header", K_IPV4, "192.0.2.10", "10.1.3.3", M_CUT,
	    ETH_HLEN + 19, 0, EDROP(TRUNCATED) },
	{ "partial ipv6 header", K_IPV6, "fd00:1::2", "fd00:1::1", M_CUT,
	    ETH_HLEN + 39, 0, EDROP(TRUNCATED) },
	{ "partial arp", K_ARP, "192.0.2.10", "10.1.2.3", M_CUT, ETH_HLEN + 27,
	    0, EDROP(TRUNCATED) },
	{ "ethernet header only, arp type", K_ARP, "192.0.2.10", "10.1.2.3",
	    M_CUT, ETH_HLEN, 0, EDROP(TRUNCATED) },
	{ "ipv4 tot_len beyond frame", K_IPV4, "192.0.2.10", "10.1.3.3", M_CUT,
	    ETH_HLEN + 20 + PAYLOAD - 1, 0, EDROP(TRUNCATED) },
	{ "ipv6 payload_len beyond frame", K_IPV6, "fd00:1::2", "fd00:1::1",
	    M_CUT, ETH_HLEN + 40 + PAYLOAD - 1, 0, EDROP(TRUNCATED) },
	{ "ipv4 ihl 4", K_IPV4, "192.0.2.10", "10.1.3.3", SET(ETH_HLEN, 0x44),
	    0, EDROP(MALFORMED) },
	{ "ipv4 ethertype, version 6", K_IPV4, "192.0.2.10", "10.1.3.3",
	    SET(ETH_HLEN, 0x65), 0, EDROP(MALFORMED) },
	{ "ipv6 ethertype, version 4", K_IPV6, "fd00:1::2", "fd00:1::1",
	    SET(ETH_HLEN, 0x40), 0, EDROP(MALFORMED) },
	{ "ipv4 tot_len below header", K_IPV4, "192.0.2.10", "10.1.3.3",
	    SET(ETH_HLEN + 3, 19), 0, EDROP(MALFORMED) },
	{ "ipv4 tot_len 0 without gso", K_IPV4, "192.0.2.10", "10.1.3.3",
	    SET(ETH_HLEN + 3, 0), 0, EDROP(MALFORMED) },
	{ "lldp", K_RAW, NULL, NULL, M_NONE, 0x88cc, 0, EDROP(UNSUPPORTED) },
	{ "vlan tagged", K_RAW, NULL, NULL, M_NONE, 0x8100, 0,
	    EDROP(UNSUPPORTED) },
	{ "arp for a non-ipv4 protocol", K_ARP, "192.0.2.10", "10.1.2.3",
	    SET(ETH_HLEN + 2, 0x86), 0, EDROP(UNSUPPORTED) },
	{ "rarp opcode", K_ARP, "192.0.2.10", "10.1.2.3", SET(ETH_HLEN + 7, 3),
	    0, EDROP(UNSUPPORTED) },
};

static void
egress_case_run(void **state)
{
	const struct egress_case *c = *state;
	struct frame in, out, want;
	struct __sk_buff ctx;
	struct snap before, after;
	struct ovl_peer peer;
	uint32_t ret;
	int ran;

	frame_build(&in, c->kind, c->src, c->dst, c->mut, c->arg);
	frame_expect(&want, &in);
	if (c->verdict == TC_ACT_OK && c->mac)
		memcpy(want.b, c->mac, 6);

	/* The production entry point: verdict, frame, counters. */
	memset(&ctx, 0, sizeof(ctx));
	ctx.gso_size = c->gso_size;
	snap_take(&prod, &before);
	ran = run_prod(c->name, prod.egress, &in, &ctx, &out, &ret);
	snap_take(&prod, &after);
	if (ran == 0) {
		check_verdict(c->name, "ovl_egress", ret, c->verdict);
		check_frame(c->name, &out, &want);
		snap_check(c->name, &before, &after, OVL_DIR_EGRESS, c->reason,
		    c->id, frame_len(&in));
	}

	/* The wrapper: same verdict and frame, and the tunnel key set. */
	memset(&ctx, 0, sizeof(ctx));
	ctx.gso_size = c->gso_size;
	ctx.cb[0] = OVL_TEST_DUMP_REMOTE;
	snap_take(&wrap, &before);
	ret = run_wrap(wrap.egress, &in, &ctx, &out);
	snap_take(&wrap, &after);
	check_verdict(c->name, "ovl_test_egress", ret, c->verdict);
	check_frame(c->name, &out, &want);
	snap_check(c->name, &before, &after, OVL_DIR_EGRESS, c->reason, c->id,
	    frame_len(&in));
	if (c->verdict != TC_ACT_OK)
		return;
	memcpy(&peer, ctx.cb, sizeof(peer));
	if (ntohl(peer.vni) != c->vni)
		fail_msg("%s: tunnel VNI %u, want %u", c->name, ntohl(peer.vni),
		    c->vni);
	check_addr(c->name, "tunnel remote", peer.remote, c->remote);
	if ((ctx.priority & 0xff) != OVL_TUNNEL_TTL)
		fail_msg("%s: tunnel TTL %u, want %u", c->name,
		    ctx.priority & 0xff, OVL_TUNNEL_TTL);
	if (!(ctx.priority >> 16 & TUNNEL_KEY))
		fail_msg("%s: tunnel flags %#x lack KEY", c->name,
		    ctx.priority >> 16);
	/* UDP checksum over an IPv6 underlay only. */
	if (!!(ctx.priority >> 16 & TUNNEL_CSUM) != !strchr(c->remote, '.'))
		fail_msg("%s: tunnel flags %#x, CSUM wrong for remote %s",
		    c->name, ctx.priority >> 16, c->remote);

	memset(&ctx, 0, sizeof(ctx));
	ctx.gso_size = c->gso_size;
	ctx.cb[0] = OVL_TEST_DUMP_LOCAL;
	ret = run_wrap(wrap.egress, &in, &ctx, &out);
	check_verdict(c->name, "ovl_test_egress", ret, c->verdict);
	memcpy(&peer, ctx.cb, sizeof(peer));
	check_addr(c->name, "tunnel local", peer.remote,
	    strchr(c->remote, '.') ? LOCAL4 : LOCAL6);
}

/* --- ingress table ---------------------------------------------------- */

struct ingress_case {
	const char *name;
	const char *remote; /* tunnel the frame arrived on */
	uint32_t vni;
	enum kind kind;
	const char *src, *dst;
	enum mutation mut;
	unsigned int arg;
	int verdict;
	int reason;
	uint32_t id;
};

static const struct ingress_case ingress_cases[] = {
	{ "ipv4 source allowed", "198.51.100.1", 100, K_IPV4, "10.1.5.5",
	    "10.244.0.5", M_NONE, 0, OK, 1 },
	{ "ipv4 source at end of prefix", "198.51.100.1", 100, K_IPV4,
	    "10.1.255.255", "10.244.0.5", M_NONE, 0, OK, 1 },
	{ "ipv4 source just outside prefix", "198.51.100.1", 100, K_IPV4,
	    "10.0.255.255", "10.244.0.5", M_NONE, 0, DROP(SPOOF) },
	{ "ipv4 source of another peer", "198.51.100.1", 100, K_IPV4,
	    "10.2.5.5", "10.244.0.5", M_NONE, 0, DROP(SPOOF) },
	{ "wrong VNI, right remote", "198.51.100.1", 200, K_IPV4, "10.1.5.5",
	    "10.244.0.5", M_NONE, 0, DROP(SPOOF) },
	{ "right VNI, wrong remote", "198.51.100.2", 100, K_IPV4, "10.1.5.5",
	    "10.244.0.5", M_NONE, 0, DROP(SPOOF) },
	{ "ipv4 /32 source", "198.51.100.2", 200, K_IPV4, "10.20.0.7",
	    "10.244.0.5", M_NONE, 0, OK, 2 },
	{ "ipv4 next to /32 source", "198.51.100.2", 200, K_IPV4, "10.20.0.6",
	    "10.244.0.5", M_NONE, 0, DROP(SPOOF) },
	{ "ipv4 inner, ipv6 underlay", "2001:db8::9", 900, K_IPV4, "10.9.1.1",
	    "10.244.0.5", M_NONE, 0, OK, 3 },
	{ "ipv4 remote equal to the ipv6 remote's last word", "0.0.0.9", 900,
	    K_IPV4, "10.9.1.1", "10.244.0.5", M_NONE, 0, DROP(SPOOF) },
	{ "ipv6 inner, ipv6 underlay", "2001:db8::1", 300, K_IPV6, "fd00:1::5",
	    "fd00:244::5", M_NONE, 0, OK, 5 },
	{ "ipv6 source outside prefix", "2001:db8::1", 300, K_IPV6,
	    "fd00:1:0:1::5", "fd00:244::5", M_NONE, 0, DROP(SPOOF) },
	{ "ipv6 link-local source", "2001:db8::1", 300, K_IPV6, "fe80::1",
	    "fd00:244::5", M_NONE, 0, DROP(SPOOF) },
	{ "ipv6 inner, ipv4 underlay", "198.51.100.3", 301, K_IPV6, "fd00:2::7",
	    "fd00:244::5", M_NONE, 0, OK, 6 },
	{ "ipv6 inner, wrong remote", "198.51.100.1", 301, K_IPV6, "fd00:2::7",
	    "fd00:244::5", M_NONE, 0, DROP(SPOOF) },
	{ "arp from allowed sender", "198.51.100.1", 100, K_ARP, "10.1.0.9",
	    "10.1.0.1", M_NONE, 0, OK, 1 },
	{ "arp claiming a foreign address", "198.51.100.1", 100, K_ARP,
	    "10.2.0.9", "10.1.0.1", M_NONE, 0, DROP(SPOOF) },
	{ "arp probe from 0.0.0.0", "198.51.100.1", 100, K_ARP, "0.0.0.0",
	    "10.1.0.9", M_NONE, 0, DROP(SPOOF) },
	{ "VNI over 24 bits", "198.51.100.1", OVL_VNI_MAX + 101, K_IPV4,
	    "10.1.5.5", "10.244.0.5", M_NONE, 0, DROP(BAD_VNI) },
	{ "ethernet header only", "198.51.100.1", 100, K_IPV4, "10.1.5.5",
	    "10.244.0.5", M_CUT, ETH_HLEN, DROP(TRUNCATED) },
	{ "partial ipv4 header", "198.51.100.1", 100, K_IPV4, "10.1.5.5",
	    "10.244.0.5", M_CUT, ETH_HLEN + 16, DROP(TRUNCATED) },
	{ "partial ipv6 header", "2001:db8::1", 300, K_IPV6, "fd00:1::5",
	    "fd00:244::5", M_CUT, ETH_HLEN + 24, DROP(TRUNCATED) },
	{ "ipv4 tot_len beyond frame", "198.51.100.1", 100, K_IPV4, "10.1.5.5",
	    "10.244.0.5", M_CUT, ETH_HLEN + 20, DROP(TRUNCATED) },
	{ "ipv6 payload_len beyond frame", "2001:db8::1", 300, K_IPV6,
	    "fd00:1::5", "fd00:244::5", M_CUT, ETH_HLEN + 40 + 8,
	    DROP(TRUNCATED) },
	{ "partial arp", "198.51.100.1", 100, K_ARP, "10.1.0.9", "10.1.0.1",
	    M_CUT, ETH_HLEN + 20, DROP(TRUNCATED) },
	{ "ipv4 ihl 3", "198.51.100.1", 100, K_IPV4, "10.1.5.5", "10.244.0.5",
	    SET(ETH_HLEN, 0x43), DROP(MALFORMED) },
	{ "ipv6 ethertype, version 4", "2001:db8::1", 300, K_IPV6, "fd00:1::5",
	    "fd00:244::5", SET(ETH_HLEN, 0x45), DROP(MALFORMED) },
	{ "non-ip", "198.51.100.1", 100, K_RAW, NULL, NULL, M_NONE, 0x88b5,
	    DROP(UNSUPPORTED) },
	{ "arp with 16-byte protocol addresses", "198.51.100.1", 100, K_ARP,
	    "10.1.0.9", "10.1.0.1", SET(ETH_HLEN + 5, 16), DROP(UNSUPPORTED) },
};

static void
ingress_ctx(struct __sk_buff *ctx, const char *remote, uint32_t vni)
{
	uint8_t a[16];

	memset(ctx, 0, sizeof(*ctx));
	ctx->cb[0] = vni;
	if (addr16(remote, a) == 4) {
		uint32_t v4;

		memcpy(&v4, a + 12, 4);
		ctx->cb[1] = ntohl(v4);
	} else {
		memcpy(&ctx->cb[1], a, 16);
		ctx->priority = 1;
	}
}

static void
ingress_case_run(void **state)
{
	const struct ingress_case *c = *state;
	struct frame in, out, want;
	struct snap before, after;
	struct __sk_buff ctx;
	uint32_t ret;

	frame_build(&in, c->kind, c->src, c->dst, c->mut, c->arg);
	frame_expect(&want, &in);

	/* The decision, with the tunnel key supplied through cb[]. */
	ingress_ctx(&ctx, c->remote, c->vni);
	snap_take(&wrap, &before);
	ret = run_wrap(wrap.ingress, &in, &ctx, &out);
	snap_take(&wrap, &after);
	check_verdict(c->name, "ovl_test_ingress", ret, c->verdict);
	check_frame(c->name, &out, &want);
	snap_check(c->name, &before, &after, OVL_DIR_INGRESS, c->reason, c->id,
	    frame_len(&in));

	/* The production entry point sees no tunnel metadata here. */
	memset(&ctx, 0, sizeof(ctx));
	snap_take(&prod, &before);
	if (run_prod(c->name, prod.ingress, &in, &ctx, &out, &ret) < 0)
		return;
	snap_take(&prod, &after);
	check_verdict(c->name, "ovl_ingress", ret, TC_ACT_SHOT);
	snap_check(c->name, &before, &after, OVL_DIR_INGRESS,
	    OVL_REASON_NO_TUNNEL_INFO, 0, frame_len(&in));
}

/* --- other tests ------------------------------------------------------ */

static uint64_t
cnt_tx_packets(const struct ovl_obj *o, uint32_t id)
{
	struct snap s;

	assert_true(id < MAX_ID);
	snap_take(o, &s);
	return s.cnt[id].tx_packets;
}

/* Replacing a route's value must keep its counters and take effect. */
static void
test_route_update_keeps_counters(void **state)
{
	struct frame in, out, want;
	struct __sk_buff ctx;
	int i;

	(void)state;
	tun_add(&prod, "10.77.0.0/16", "198.51.100.7", 700, mac_a, 50);
	frame_ipv4(&in, "192.0.2.10", "10.77.1.1");
	for (i = 0; i < 2; i++) {
		memset(&ctx, 0, sizeof(ctx));
		assert_int_equal(run(prod.egress, &in, &ctx, &out), TC_ACT_OK);
	}
	assert_int_equal(cnt_tx_packets(&prod, 50), 2);

	/* Same prefix, new MAC and VNI; tun_add would recreate the counter. */
	{
		struct ovl_tun4_key k = { .prefixlen = 16 };
		struct ovl_tun_val v;

		memset(&v, 0, sizeof(v));
		addr16("198.51.100.7", v.remote);
		v.vni = 701;
		v.id = 50;
		memcpy(v.mac, mac_b, 6);
		inet_pton(AF_INET, "10.77.0.0", &k.addr);
		assert_int_equal(lpm_put(prod.tun4, prod.tun4x, &k, sizeof(k),
				     &v, BPF_EXIST),
		    0);
	}
	memset(&ctx, 0, sizeof(ctx));
	assert_int_equal(run(prod.egress, &in, &ctx, &out), TC_ACT_OK);
	want = in;
	memcpy(want.b, mac_b, 6);
	check_frame("route update", &out, &want);
	assert_int_equal(cnt_tx_packets(&prod, 50), 3);
}

/* A tunnel entry whose counter element is missing still forwards. */
static void
test_missing_counter_forwards(void **state)
{
	struct frame in, out;
	struct __sk_buff ctx;
	uint32_t id = 51;

	(void)state;
	tun_add(&prod, "10.78.0.0/16", "198.51.100.8", 800, mac_c, id);
	assert_int_equal(bpf_map_delete_elem(prod.cnt, &id), 0);
	frame_ipv4(&in, "192.0.2.10", "10.78.1.1");
	memset(&ctx, 0, sizeof(ctx));
	assert_int_equal(run(prod.egress, &in, &ctx, &out), TC_ACT_OK);
	assert_memory_equal(out.b, mac_c, 6);
}

static int prog_fd(struct bpf_object *obj, const char *name);

/*
 * A frame that egr_out steered to an egress gateway (EGR_MARK_STEERED and
 * a tunnel key already set) passes unchanged, even to a destination
 * without a tunnel.  The mark alone does not: that frame is an ordinary
 * one, here without a route.
 */
static void
test_egress_steered(void **state)
{
	int prog = prog_fd(wrap.obj, "ovl_test_steered");
	struct frame in, out;
	struct __sk_buff ctx;
	struct snap a, b;

	(void)state;
	assert_true(prog >= 0);
	frame_ipv4(&in, "192.0.2.10", "203.0.113.99");
	memset(&ctx, 0, sizeof(ctx));
	ctx.cb[0] = 4242;
	ctx.cb[1] = 0xac100002; /* 172.16.0.2 */
	snap_take(&wrap, &a);
	assert_int_equal(run(prog, &in, &ctx, &out), TC_ACT_OK);
	snap_take(&wrap, &b);
	snap_check(
	    "steered", &a, &b, OVL_DIR_EGRESS, OVL_REASON_PASS, 0, in.len);
	check_frame("steered", &out, &in);
	assert_int_equal(ctx.cb[0], 4242);

	memset(&ctx, 0, sizeof(ctx));
	ctx.mark = EGR_MARK_STEERED;
	snap_take(&prod, &a);
	assert_int_equal(run(prod.egress, &in, &ctx, &out), TC_ACT_SHOT);
	snap_take(&prod, &b);
	snap_check("mark only", &a, &b, OVL_DIR_EGRESS, OVL_REASON_NO_ROUTE, 0,
	    in.len);
}

/* With no local address configured the tunnel key leaves it to routing. */
static void
test_local_unset(void **state)
{
	struct frame in, out;
	struct __sk_buff ctx;
	struct ovl_peer peer;

	(void)state;
	config_set(&wrap, NULL, NULL);
	frame_ipv4(&in, "192.0.2.10", "10.1.3.3");
	memset(&ctx, 0, sizeof(ctx));
	ctx.cb[0] = OVL_TEST_DUMP_LOCAL;
	assert_int_equal(run(wrap.egress, &in, &ctx, &out), TC_ACT_OK);
	memcpy(&peer, ctx.cb, sizeof(peer));
	config_set(&wrap, LOCAL4, LOCAL6);
	check_addr("local unset", "tunnel local", peer.remote, "::ffff:0:0");
}

/*
 * Thousands of VTEPs: 10000 IPv4 and 2000 IPv6 /32 or /128 tunnels, each
 * its own endpoint, VNI and allowed source, all resolve.
 */
#define SCALE4 10000
#define SCALE6 2000

static void
scale_names(int i, int v6, char *pfx, size_t pl, char *remote, size_t rl)
{
	if (v6) {
		snprintf(pfx, pl, "fd00:99::%x/128", i);
		snprintf(remote, rl, "2001:db8:99::%x", i);
	} else {
		snprintf(pfx, pl, "10.%d.%d.%d/32", 100 + i / 65536,
		    i / 256 % 256, i % 256);
		snprintf(remote, rl, "100.64.%d.%d", i / 256, i % 256);
	}
}

static void
scale_check(int i, int v6)
{
	char pfx[64], remote[64], name[96];
	struct snap before, after;
	struct frame in, out;
	struct __sk_buff ctx;
	struct ovl_peer peer;
	uint32_t vni = 10000 + (uint32_t)i;

	scale_names(i, v6, pfx, sizeof(pfx), remote, sizeof(remote));
	*strchr(pfx, '/') = '\0';
	snprintf(name, sizeof(name), "scale %s", pfx);
	if (v6)
		frame_ipv6(&in, "fd00:1::1", pfx);
	else
		frame_ipv4(&in, "10.1.3.3", pfx);
	memset(&ctx, 0, sizeof(ctx));
	assert_int_equal(run(wrap.egress, &in, &ctx, &out), TC_ACT_OK);
	memcpy(&peer, ctx.cb, sizeof(peer));
	if (ntohl(peer.vni) != vni)
		fail_msg("%s: VNI %u, want %u", name, ntohl(peer.vni), vni);
	check_addr(name, "tunnel remote", peer.remote, remote);

	/* The same endpoint sending from that address is accepted. */
	if (v6)
		frame_ipv6(&in, pfx, "fd00:1::1");
	else
		frame_ipv4(&in, pfx, "10.1.3.3");
	ingress_ctx(&ctx, remote, vni);
	snap_take(&wrap, &before);
	assert_int_equal(run(wrap.ingress, &in, &ctx, &out), TC_ACT_OK);
	snap_take(&wrap, &after);
	snap_check(
	    name, &before, &after, OVL_DIR_INGRESS, OVL_REASON_PASS, 0, in.len);
	/* ... and from the neighbouring endpoint it is not. */
	scale_names(i ^ 1, v6, pfx, sizeof(pfx), remote, sizeof(remote));
	ingress_ctx(&ctx, remote, vni);
	assert_int_equal(run(wrap.ingress, &in, &ctx, &out), TC_ACT_SHOT);
}

static void
test_scale(void **state)
{
	char pfx[64], remote[64];
	int i, v6;

	(void)state;
	for (v6 = 0; v6 <= 1; v6++) {
		int n = v6 ? SCALE6 : SCALE4;

		for (i = 0; i < n; i++) {
			scale_names(
			    i, v6, pfx, sizeof(pfx), remote, sizeof(remote));
			/* Counter id 0: no element, so no counter moves. */
			tun_add(
			    &wrap, pfx, remote, 10000 + (uint32_t)i, mac_d, 0);
			src_add(&wrap, remote, 10000 + (uint32_t)i, pfx, 0);
		}
		plens_set(&wrap, exact_mode);
		assert_int_equal(
		    bpf_map_delete_elem(wrap.cnt, &(uint32_t){ 0 }), 0);
		scale_check(0, v6);
		scale_check(n / 2 + 1, v6);
		scale_check(n - 1, v6);
	}
}

/*
 * With the exact-match front on, the lengths listed are the whole truth:
 * an entry at a length not listed is not found (so user space must list
 * a length before it inserts the first entry with it).
 */
static void
test_exact_probes_listed_only(void **state)
{
	struct ovl_plens pl = {
		.n4 = 1, .len4 = { 16 }, .n6 = 1, .len6 = { 64 }
	};
	struct frame in, out, want;
	struct __sk_buff ctx;
	uint32_t zero = 0;

	(void)state;
	assert_int_equal(
	    bpf_map_update_elem(prod.plens, &zero, &pl, BPF_ANY), 0);
	/* 10.1.2.3 is in 10.1.2.0/24 (mac_b), but only /16 is probed. */
	frame_ipv4(&in, "192.0.2.10", "10.1.2.3");
	memset(&ctx, 0, sizeof(ctx));
	assert_int_equal(run(prod.egress, &in, &ctx, &out), TC_ACT_OK);
	want = in;
	memcpy(want.b, mac_a, 6);
	check_frame("exact /16 only", &out, &want);
	/* 10.5.5.5/32 is not probed at all. */
	frame_ipv4(&in, "192.0.2.10", "10.5.5.5");
	memset(&ctx, 0, sizeof(ctx));
	assert_int_equal(run(prod.egress, &in, &ctx, &out), TC_ACT_SHOT);
	plens_set(&prod, exact_mode);
}

/* More lengths than OVL_EXACT_LENS (or a corrupt count): the tries. */
static void
test_exact_overflow_uses_trie(void **state)
{
	struct ovl_plens pl = {
		.n4 = OVL_EXACT_LENS + 1, .len4 = { 1 }, .n6 = 0xff
	};
	struct frame in, out, want;
	struct __sk_buff ctx;
	uint32_t zero = 0;

	(void)state;
	assert_int_equal(
	    bpf_map_update_elem(prod.plens, &zero, &pl, BPF_ANY), 0);
	frame_ipv4(&in, "192.0.2.10", "10.1.2.3");
	memset(&ctx, 0, sizeof(ctx));
	assert_int_equal(run(prod.egress, &in, &ctx, &out), TC_ACT_OK);
	want = in;
	memcpy(want.b, mac_b, 6);
	check_frame("overflow, ipv4", &out, &want);
	frame_ipv6(&in, "2001:db8:aa::1", "fd00:5::1");
	memset(&ctx, 0, sizeof(ctx));
	assert_int_equal(run(prod.egress, &in, &ctx, &out), TC_ACT_OK);
	want = in;
	memcpy(want.b, mac_e, 6);
	check_frame("overflow, ipv6", &out, &want);
	plens_set(&prod, exact_mode);
}

#include "test_overlay_urx.c"
#include "test_overlay_proxy.c"

/* --- main ------------------------------------------------------------- */

static int
fixture_setup(void **state)
{
	(void)state;
	fixture_fill(&prod);
	fixture_fill(&wrap);
	plens_set(&prod, exact_mode);
	plens_set(&wrap, exact_mode);
	urx_config_set(&prod, URX_IFX, 1);
	urx_config_set(&wrap, URX_IFX, 1);
	return 0;
}

static int
libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int
prog_fd(struct bpf_object *obj, const char *name)
{
	struct bpf_program *p = bpf_object__find_program_by_name(obj, name);

	return p ? bpf_program__fd(p) : -1;
}

static int
map_fd(struct bpf_object *obj, const char *name)
{
	return bpf_object__find_map_fd_by_name(obj, name);
}

/* Returns 0 or a negative errno. */
static int
ovl_obj_load(struct ovl_obj *o, const char *path, const char *egress,
    const char *ingress, const char *urx)
{
	struct bpf_map *m;
	int err;

	o->obj = bpf_object__open_file(path, NULL);
	if (!o->obj) {
		err = -errno;
		fprintf(stderr, "test_overlay: open %s: %s\n", path,
		    strerror(errno));
		return err;
	}
	/* Never touch /sys/fs/bpf: fresh, unpinned maps for the test. */
	bpf_object__for_each_map(m, o->obj)
	{
		err = bpf_map__set_pin_path(m, NULL);
		if (err)
			return err;
	}
	err = bpf_object__load(o->obj);
	if (err)
		return err;
	o->tun4 = map_fd(o->obj, OVL_MAP_TUN4);
	o->tun6 = map_fd(o->obj, OVL_MAP_TUN6);
	o->src4 = map_fd(o->obj, OVL_MAP_SRC4);
	o->src6 = map_fd(o->obj, OVL_MAP_SRC6);
	o->cnt = map_fd(o->obj, OVL_MAP_CNT);
	o->stats = map_fd(o->obj, OVL_MAP_STATS);
	o->config = map_fd(o->obj, OVL_MAP_CONFIG);
	o->tun4x = map_fd(o->obj, OVL_MAP_TUN4_EXACT);
	o->tun6x = map_fd(o->obj, OVL_MAP_TUN6_EXACT);
	o->src4x = map_fd(o->obj, OVL_MAP_SRC4_EXACT);
	o->src6x = map_fd(o->obj, OVL_MAP_SRC6_EXACT);
	o->plens = map_fd(o->obj, OVL_MAP_PLENS);
	o->egress = prog_fd(o->obj, egress);
	o->ingress = prog_fd(o->obj, ingress);
	o->urx = prog_fd(o->obj, urx);
	o->urx_cfg = map_fd(o->obj, OVL_MAP_URX);
	o->urx_stats = map_fd(o->obj, OVL_MAP_URX_STATS);
	if (o->tun4 < 0 || o->tun6 < 0 || o->src4 < 0 || o->src6 < 0 ||
	    o->cnt < 0 || o->stats < 0 || o->config < 0 || o->tun4x < 0 ||
	    o->tun6x < 0 || o->src4x < 0 || o->src6x < 0 || o->plens < 0 ||
	    o->egress < 0 || o->ingress < 0 || o->urx < 0 || o->urx_cfg < 0 ||
	    o->urx_stats < 0) {
		fprintf(
		    stderr, "test_overlay: %s lacks a map or program\n", path);
		return -ENOENT;
	}
	return 0;
}

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

int
main(int argc, char **argv)
{
	const char *dir = BPF_OBJ_DIR;
	char ppath[4096], wpath[4096];
	struct CMUnitTest *tests;
	size_t n = 0, i;
	int err, failed;

	if (getenv("FERRY_BPF_OBJ_DIR"))
		dir = getenv("FERRY_BPF_OBJ_DIR");
	if (argc > 1)
		dir = argv[1];
	snprintf(ppath, sizeof(ppath), "%s/bpf/overlay.bpf.o", dir);
	snprintf(wpath, sizeof(wpath), "%s/tests/bpf/overlay_test.bpf.o", dir);

	/*
	 * A namespace of our own, empty: the kernel routes nothing, so the
	 * proxy's route lookups answer the same on every machine (and
	 * test_proxy_fib can add links and routes without touching the
	 * host's).
	 */
	if (unshare(CLONE_NEWNET) == -1) {
		fprintf(stderr,
		    "test_overlay: SKIP: cannot make a network namespace: "
		    "%s\n",
		    strerror(errno));
		return 77;
	}
	libbpf_set_print(libbpf_print);
	ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0) {
		fprintf(stderr, "test_overlay: cannot count CPUs\n");
		return 1;
	}
	err = ovl_obj_load(
	    &prod, ppath, OVL_PROG_EGRESS, OVL_PROG_INGRESS, OVL_PROG_URX);
	if (!err)
		err = ovl_obj_load(&wrap, wpath, "ovl_test_egress",
		    "ovl_test_ingress", "ovl_test_underlay_rx");
	if (err == -EPERM) {
		fprintf(stderr,
		    "test_overlay: SKIP: no privilege to load "
		    "BPF programs (needs root or CAP_BPF + "
		    "CAP_NET_ADMIN)\n");
		return 77;
	}
	if (err) {
		fprintf(stderr,
		    "test_overlay: loading BPF objects failed: %s\n",
		    strerror(-err));
		return 1;
	}

	tests = calloc(NELEM(egress_cases) + NELEM(ingress_cases) +
		NELEM(urx_cases) + NELEM(proxy_cases) + 16,
	    sizeof(*tests));
	if (!tests)
		return 1;
	for (i = 0; i < NELEM(egress_cases); i++) {
		tests[n].name = egress_cases[i].name;
		tests[n].test_func = egress_case_run;
		tests[n].initial_state = (void *)(uintptr_t)&egress_cases[i];
		n++;
	}
	for (i = 0; i < NELEM(ingress_cases); i++) {
		tests[n].name = ingress_cases[i].name;
		tests[n].test_func = ingress_case_run;
		tests[n].initial_state = (void *)(uintptr_t)&ingress_cases[i];
		n++;
	}
	for (i = 0; i < NELEM(urx_cases); i++) {
		tests[n].name = urx_cases[i].name;
		tests[n].test_func = urx_case_run;
		tests[n].initial_state = (void *)(uintptr_t)&urx_cases[i];
		n++;
	}
	for (i = 0; i < NELEM(proxy_cases); i++) {
		tests[n].name = proxy_cases[i].name;
		tests[n].test_func = proxy_case_run;
		tests[n].initial_state = (void *)(uintptr_t)&proxy_cases[i];
		n++;
	}
	tests[n++] =
	    (struct CMUnitTest)cmocka_unit_test(test_egress_proxy_sent);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_proxy_fib);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_urx_off);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_ingress_cookie);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(
	    test_route_update_keeps_counters);
	tests[n++] =
	    (struct CMUnitTest)cmocka_unit_test(test_missing_counter_forwards);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_local_unset);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_egress_steered);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_scale);
	tests[n++] =
	    (struct CMUnitTest)cmocka_unit_test(test_exact_probes_listed_only);
	tests[n++] =
	    (struct CMUnitTest)cmocka_unit_test(test_exact_overflow_uses_trie);

	exact_mode = 0;
	failed = _cmocka_run_group_tests(
	    "overlay, tries", tests, n, fixture_setup, NULL);
	exact_mode = 1;
	failed += _cmocka_run_group_tests(
	    "overlay, exact-match hashes", tests, n, fixture_setup, NULL);
	free(tests);
	bpf_object__close(wrap.obj);
	bpf_object__close(prod.obj);
	return failed ? 1 : 0;
}
