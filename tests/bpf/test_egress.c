// SPDX-License-Identifier: BSD-2-Clause
/*
 * BPF_PROG_TEST_RUN tests for the egress gateway programs
 * (bpf/egress.bpf.c): egr_out (SNAT, steering) and egr_in (reverse SNAT).
 *
 * The production object is loaded twice with fresh, unpinned maps: once
 * as built, once with a four-entry NAT table for the full-table case.
 * tests/bpf/egress_test.bpf.o wraps the same decision code to report the
 * tunnel key of steered frames.  The test fills the policy maps itself.
 *
 * Cases are tables of {input frame, program, expected verdict, counter
 * that moves, expected output frame}.  Expected frames are built from
 * scratch by the builders below with freshly computed checksums, never
 * derived from the program's output; on top of the byte comparison every
 * output frame goes through an independent checksum verifier (IPv4
 * header, TCP/UDP/ICMP/ICMPv6 with pseudo-header, and the headers quoted
 * in ICMP errors).  Fragments are checked against the expected
 * fragments of the expected datagram, whose transport checksum covers
 * the whole datagram.
 *
 * Usage: test_egress [BUILDDIR]; BUILDDIR (or $FERRY_BPF_OBJ_DIR) holds
 * bpf/egress.bpf.o and tests/bpf/egress_test.bpf.o.  Exits 77 when the
 * kernel refuses to load BPF for lack of privilege.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "egress.h"

#ifndef BPF_OBJ_DIR
#define BPF_OBJ_DIR "."
#endif

#define FRAME_MAX 1600

struct egr_obj {
	struct bpf_object *obj;
	int src4, src6, dst4, dst6, policy, config, ct, rev, frag, pin, stats;
	int sync, sync_ctl;
	int out, in, ovl;
};

static struct egr_obj prod, small, wrap;
static int ncpus;

struct frame {
	uint8_t b[FRAME_MAX];
	uint32_t len;
};

static const uint8_t mac_dev[6] = { 0x02, 0xee, 0, 0, 0, 0x01 };
static const uint8_t mac_self[6] = { 0x02, 0xee, 0, 0, 0, 0x02 };
static const uint8_t mac_gw[6] = { 0x02, 0xee, 0, 0, 0, 0x0b };
static const uint8_t mac_ovl[6] = { 0x02, 0xee, 0, 0, 0, 0x0c };

/* The fixture's addresses. */
#define POD4_A	  "10.0.1.10"
#define POD4_B	  "10.0.1.11"
#define POD4_C	  "10.0.1.12"
#define NOTPOD4	  "10.9.9.9"
#define REMOTE4	  "203.0.113.7"
#define ROUTER4	  "203.0.113.1"
#define SKIP4	  "203.0.113.200" /* excluded from the policy */
#define STEER4	  "198.51.100.5"  /* policy with a remote gateway */
#define NOGW4	  "198.18.0.5"	  /* policy without a gateway */
#define EGRESS4	  "192.0.2.100"
#define GWEP4	  "172.16.0.2"
#define POD6_A	  "fd00:1::10"
#define POD6_B	  "fd00:1::11"
#define REMOTE6	  "2001:db8:100::7"
#define ROUTER6	  "2001:db8:100::1"
#define STEER6	  "2001:db8:200::5"
#define EGRESS6	  "2001:db8:e::100"
#define GWEP6	  "2001:db8:f::2"
#define STEER4X	  "198.51.101.5"    /* as STEER6's, IPv6 endpoint */
#define STEER6X	  "2001:db8:500::5" /* as STEER4's, IPv4 endpoint */
#define HA4	  "198.18.1.7"	    /* policy with two gateways, one here */
#define HA6	  "2001:db8:300::7"
#define SLICE4	  "198.18.2.7" /* as HA4, with a slice of the ports */
#define SLICE6	  "2001:db8:400::7"
#define SYNC4	  "198.18.3.7" /* as HA4, NAT state synchronised */
#define SLICE_LO  40000	       /* policy 6's slice: four ports */
#define SLICE_HI  40003
#define VNI	  4242
#define OVL_IFIDX 77

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

/* --- checksums, written independently of bpf/lib/egr_csum.h ----------- */

static uint32_t
sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t
fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* Sum of the pseudo-header (RFC 768, 793; RFC 8200 section 8.1). */
static uint32_t
pseudo(int v6, const uint8_t *ip, uint8_t proto, uint32_t l4len)
{
	uint32_t sum = 0;

	if (v6)
		sum = sum16(ip + 8, 32, 0);
	else
		sum = sum16(ip + 12, 8, 0);
	sum += proto;
	sum += l4len >> 16;
	sum += l4len & 0xffff;
	return sum;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* --- frames ----------------------------------------------------------- */

#define P_TCP	 6
#define P_UDP	 17
#define P_ICMP	 1
#define P_ICMP6	 58
#define P_GRE	 47
#define TCP_FIN	 0x01
#define TCP_SYN	 0x02
#define TCP_RST	 0x04
#define TCP_ACK	 0x10
#define ECHO_REQ 0xff /* spec.type: the family's echo request */
#define ECHO_REP 0xfe /* spec.type: the family's echo reply */

/* One IP datagram to build. */
struct spec {
	const char *src, *dst;
	uint8_t proto;
	uint16_t sport, dport; /* TCP/UDP; ICMP echo: sport = identifier */
	uint8_t type;	       /* ICMP: ECHO_REQ, ECHO_REP */
	uint8_t flags;	       /* TCP */
	uint8_t nocsum;	       /* UDP: send checksum 0 */
	uint16_t len;	       /* payload after the transport header */
};

static uint32_t
l4hlen(uint8_t proto)
{
	return proto == P_TCP ? 20 : 8;
}

static void
frame_eth(struct frame *f, int v6)
{
	memset(f, 0, sizeof(*f));
	memcpy(f->b, mac_dev, 6);
	memcpy(f->b + 6, mac_self, 6);
	put16(f->b + 12, v6 ? ETH_P_IPV6 : ETH_P_IP);
	f->len = ETH_HLEN;
}

/* Set the IPv4 header checksum of the header at ip. */
static void
ip4_csum_set(uint8_t *ip)
{
	size_t hl = (ip[0] & 0xf) * 4U;

	put16(ip + 10, 0);
	put16(ip + 10, (uint16_t)~fold(sum16(ip, hl, 0)));
}

/*
 * The transport checksum of the datagram whose transport header is at l4
 * (len bytes through the end), with the IP header at ip.
 */
static void
l4_csum_set(int v6, const uint8_t *ip, uint8_t *l4, uint8_t proto, uint32_t len,
    int nocsum)
{
	uint32_t off = proto == P_TCP ? 16 : proto == P_UDP ? 6 : 2;
	uint16_t c;

	put16(l4 + off, 0);
	if (proto == P_UDP && nocsum)
		return;
	if (proto == P_ICMP)
		c = (uint16_t)~fold(sum16(l4, len, 0));
	else
		c = (uint16_t)~fold(sum16(l4, len, pseudo(v6, ip, proto, len)));
	if (proto == P_UDP && c == 0)
		c = 0xffff;
	put16(l4 + off, c);
}

/* Build s as an Ethernet frame. */
static void
build(struct frame *f, const struct spec *s)
{
	uint8_t a[16], *ip, *l4;
	uint32_t l4len, i, hl;
	int v6;

	v6 = addr16(s->src, a) == 6;
	frame_eth(f, v6);
	ip = f->b + ETH_HLEN;
	hl = v6 ? 40 : 20;
	l4 = ip + hl;
	l4len = l4hlen(s->proto) + s->len;
	if (v6) {
		ip[0] = 0x60;
		put16(ip + 4, (uint16_t)l4len);
		ip[6] = s->proto;
		ip[7] = 64;
		memcpy(ip + 8, a, 16);
		assert_int_equal(addr16(s->dst, ip + 24), 6);
	} else {
		ip[0] = 0x45;
		put16(ip + 2, (uint16_t)(20 + l4len));
		put16(ip + 4, 0x1234);
		ip[8] = 64;
		ip[9] = s->proto;
		memcpy(ip + 12, a + 12, 4);
		assert_int_equal(addr16(s->dst, a), 4);
		memcpy(ip + 16, a + 12, 4);
		ip4_csum_set(ip);
	}
	switch (s->proto) {
	case P_TCP:
		put16(l4, s->sport);
		put16(l4 + 2, s->dport);
		put16(l4 + 4, 0x0101);
		l4[12] = 5 << 4;
		l4[13] = s->flags;
		put16(l4 + 14, 0xffff);
		break;
	case P_UDP:
		put16(l4, s->sport);
		put16(l4 + 2, s->dport);
		put16(l4 + 4, (uint16_t)l4len);
		break;
	case P_ICMP:
	case P_ICMP6:
		if (s->type == ECHO_REQ)
			l4[0] = v6 ? 128 : 8;
		else if (s->type == ECHO_REP)
			l4[0] = v6 ? 129 : 0;
		else
			l4[0] = s->type;
		put16(l4 + 4, s->sport);
		put16(l4 + 6, 1);
		break;
	default:
		break;
	}
	for (i = 0; i < s->len; i++)
		l4[l4hlen(s->proto) + i] = (uint8_t)(i * 7 + 3);
	if (s->proto == P_TCP || s->proto == P_UDP || s->proto == P_ICMP ||
	    s->proto == P_ICMP6)
		l4_csum_set(v6, ip, l4, s->proto, l4len, s->nocsum);
	f->len = ETH_HLEN + hl + l4len;
}

/*
 * An ICMP error from src to dst quoting the first qlen bytes (all if 0)
 * of the IP datagram in q.  v4 types: 3 unreachable (code 4: fragmentation
 * needed, mtu in bytes 6-7), 11 time exceeded; v6: 1, 2 packet too big
 * (mtu), 3 time exceeded.
 */
static void
build_icmp_err(struct frame *f, const char *src, const char *dst, uint8_t type,
    uint8_t code, uint32_t mtu, const struct frame *q, uint32_t qlen)
{
	uint8_t a[16], *ip, *l4;
	uint32_t l4len, hl;
	int v6;

	v6 = addr16(src, a) == 6;
	if (qlen == 0 || qlen > q->len - ETH_HLEN)
		qlen = q->len - ETH_HLEN;
	frame_eth(f, v6);
	ip = f->b + ETH_HLEN;
	hl = v6 ? 40 : 20;
	l4 = ip + hl;
	l4len = 8 + qlen;
	if (v6) {
		ip[0] = 0x60;
		put16(ip + 4, (uint16_t)l4len);
		ip[6] = P_ICMP6;
		ip[7] = 64;
		memcpy(ip + 8, a, 16);
		assert_int_equal(addr16(dst, ip + 24), 6);
	} else {
		ip[0] = 0x45;
		put16(ip + 2, (uint16_t)(20 + l4len));
		put16(ip + 4, 0x4321);
		ip[8] = 64;
		ip[9] = P_ICMP;
		memcpy(ip + 12, a + 12, 4);
		assert_int_equal(addr16(dst, a), 4);
		memcpy(ip + 16, a + 12, 4);
		ip4_csum_set(ip);
	}
	l4[0] = type;
	l4[1] = code;
	if (v6) {
		l4[4] = (uint8_t)(mtu >> 24);
		l4[5] = (uint8_t)(mtu >> 16);
		l4[6] = (uint8_t)(mtu >> 8);
		l4[7] = (uint8_t)mtu;
	} else {
		put16(l4 + 6, (uint16_t)mtu);
	}
	memcpy(l4 + 8, q->b + ETH_HLEN, qlen);
	l4_csum_set(v6, ip, l4, v6 ? P_ICMP6 : P_ICMP, l4len, 0);
	f->len = ETH_HLEN + hl + l4len;
}

/*
 * Cut the datagram in whole (no fragment header, no options) into two
 * fragments: the first carries the first cut bytes after the IP header
 * (a multiple of 8), the second the rest.  id is the IPv4 ID or the IPv6
 * fragment identification.
 */
static void
fragment(const struct frame *whole, uint32_t cut, uint32_t id, struct frame *f1,
    struct frame *f2)
{
	const uint8_t *ip = whole->b + ETH_HLEN;
	int v6 = (ip[0] >> 4) == 6;
	uint32_t hl = v6 ? 40 : 20, total = whole->len - ETH_HLEN - hl;
	struct frame *fr[2] = { f1, f2 };
	uint32_t off[2] = { 0, cut }, n[2] = { cut, total - cut };
	int i;

	assert_true(cut % 8 == 0 && cut < total);
	for (i = 0; i < 2; i++) {
		uint8_t *o;

		frame_eth(fr[i], v6);
		o = fr[i]->b + ETH_HLEN;
		memcpy(o, ip, hl);
		if (v6) {
			uint8_t *fh = o + 40;

			o[6] = 44;
			put16(o + 4, (uint16_t)(8 + n[i]));
			fh[0] = ip[6];
			put16(fh + 2, (uint16_t)(off[i] | (i == 0 ? 1 : 0)));
			fh[4] = (uint8_t)(id >> 24);
			fh[5] = (uint8_t)(id >> 16);
			fh[6] = (uint8_t)(id >> 8);
			fh[7] = (uint8_t)id;
			memcpy(fh + 8, ip + hl + off[i], n[i]);
			fr[i]->len = ETH_HLEN + 48 + n[i];
		} else {
			put16(o + 2, (uint16_t)(20 + n[i]));
			put16(o + 4, (uint16_t)id);
			put16(o + 6,
			    (uint16_t)((off[i] / 8) | (i == 0 ? 0x2000 : 0)));
			ip4_csum_set(o);
			memcpy(o + 20, ip + hl + off[i], n[i]);
			fr[i]->len = ETH_HLEN + 20 + n[i];
		}
	}
}

/* --- the independent checksum verifier -------------------------------- */

/*
 * Verify every checksum of the IP datagram at ip (len bytes available):
 * IPv4 header, transport (with pseudo-header) when the whole datagram is
 * there and not a fragment, and for ICMP errors the quoted IPv4 header
 * and the quoted transport checksum when the quote is complete.  Returns
 * NULL, or what is wrong.
 */
static const char *
verify_ip(const uint8_t *ip, uint32_t len, int quoted)
{
	uint32_t hl, tot, l4len;
	uint8_t proto;
	int v6 = (ip[0] >> 4) == 6;
	const uint8_t *l4;
	uint16_t c;

	if (v6) {
		hl = 40;
		tot = 40 + get16(ip + 4);
		proto = ip[6];
		if (proto == 44)
			return NULL; /* fragment: checked reassembled */
	} else {
		hl = (ip[0] & 0xf) * 4U;
		tot = get16(ip + 2);
		proto = ip[9];
		if (fold(sum16(ip, hl, 0)) != 0xffff)
			return quoted ? "quoted IPv4 header checksum"
				      : "IPv4 header checksum";
		if (get16(ip + 6) & 0x3fff)
			return NULL;
	}
	if (tot > len)
		return quoted ? NULL : "datagram longer than frame";
	l4 = ip + hl;
	l4len = tot - hl;
	switch (proto) {
	case P_TCP:
	case P_UDP:
		if (proto == P_UDP && !v6 && get16(l4 + 6) == 0)
			return NULL;
		c = fold(sum16(l4, l4len, pseudo(v6, ip, proto, l4len)));
		if (c != 0xffff)
			return quoted ? "quoted TCP/UDP checksum"
				      : "TCP/UDP checksum";
		return NULL;
	case P_ICMP:
		if (fold(sum16(l4, l4len, 0)) != 0xffff)
			return quoted ? "quoted ICMP checksum"
				      : "ICMP checksum";
		if (!quoted && (l4[0] == 3 || l4[0] == 11 || l4[0] == 12))
			return verify_ip(l4 + 8, l4len - 8, 1);
		return NULL;
	case P_ICMP6:
		c = fold(sum16(l4, l4len, pseudo(1, ip, P_ICMP6, l4len)));
		if (c != 0xffff)
			return quoted ? "quoted ICMPv6 checksum"
				      : "ICMPv6 checksum";
		if (!quoted && l4[0] >= 1 && l4[0] <= 4)
			return verify_ip(l4 + 8, l4len - 8, 1);
		return NULL;
	default:
		return NULL;
	}
}

static void
verify_frame(const struct frame *f)
{
	const char *why;

	uint16_t proto = get16(f->b + 12);

	if (f->len < ETH_HLEN + 20 ||
	    (proto != ETH_P_IP && proto != ETH_P_IPV6))
		return;
	why = verify_ip(f->b + ETH_HLEN, f->len - ETH_HLEN, 0);
	if (why)
		fail_msg("checksum verifier: %s is wrong", why);
}

/* Reassemble two fragments (as fragment() cut them) and verify. */
static void
verify_reassembled(const struct frame *f1, const struct frame *f2)
{
	struct frame w;
	const uint8_t *ip = f1->b + ETH_HLEN;
	int v6 = (ip[0] >> 4) == 6;
	uint32_t n1, n2, hl = v6 ? 40 : 20;
	uint8_t *o;

	memset(&w, 0, sizeof(w));
	memcpy(w.b, f1->b, ETH_HLEN + hl);
	o = w.b + ETH_HLEN;
	if (v6) {
		n1 = f1->len - ETH_HLEN - 48;
		n2 = f2->len - ETH_HLEN - 48;
		o[6] = f1->b[ETH_HLEN + 40];
		put16(o + 4, (uint16_t)(n1 + n2));
		memcpy(o + 40, f1->b + ETH_HLEN + 48, n1);
		memcpy(o + 40 + n1, f2->b + ETH_HLEN + 48, n2);
	} else {
		n1 = f1->len - ETH_HLEN - 20;
		n2 = f2->len - ETH_HLEN - 20;
		assert_memory_equal(f1->b + ETH_HLEN + 12,
		    f2->b + ETH_HLEN + 12, 8); /* same addresses */
		put16(o + 2, (uint16_t)(20 + n1 + n2));
		put16(o + 6, 0);
		ip4_csum_set(o);
		memcpy(o + 20, f1->b + ETH_HLEN + 20, n1);
		memcpy(o + 20 + n1, f2->b + ETH_HLEN + 20, n2);
	}
	w.len = ETH_HLEN + hl + n1 + n2;
	verify_frame(&w);
}

/* --- maps ------------------------------------------------------------- */

static void
stats_read(int fd, uint64_t *pk)
{
	struct egr_stat_val *v = calloc((size_t)ncpus, sizeof(*v));
	uint32_t k;
	int cpu;

	assert_non_null(v);
	for (k = 0; k < EGR_STAT_MAX; k++) {
		pk[k] = 0;
		assert_int_equal(bpf_map_lookup_elem(fd, &k, v), 0);
		for (cpu = 0; cpu < ncpus; cpu++)
			pk[k] += v[cpu].packets;
	}
	free(v);
}

static void
map_clear(int fd, size_t ksz)
{
	uint8_t k[128], next[128];

	assert_true(ksz <= sizeof(k));
	while (bpf_map_get_next_key(fd, NULL, next) == 0) {
		memcpy(k, next, ksz);
		assert_int_equal(bpf_map_delete_elem(fd, k), 0);
	}
}

static uint32_t
map_count(int fd, size_t ksz)
{
	uint8_t k[128], next[128];
	uint32_t n = 0;
	void *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		memcpy(k, next, ksz);
		prev = k;
		n++;
	}
	return n;
}

static void
tuple(struct egr_tuple *t, const struct spec *s)
{
	memset(t, 0, sizeof(*t));
	addr16(s->src, t->saddr);
	addr16(s->dst, t->daddr);
	t->proto = s->proto;
	if (s->proto == P_ICMP || s->proto == P_ICMP6) {
		if (s->type == ECHO_REP)
			t->dport = htons(s->sport);
		else
			t->sport = htons(s->sport);
	} else {
		t->sport = htons(s->sport);
		t->dport = htons(s->dport);
	}
}

/* The egr_ct entry of the connection s opens; fails if there is none. */
static void
ct_get(const struct egr_obj *o, const struct spec *s, struct egr_ct_val *v)
{
	struct egr_tuple t;

	tuple(&t, s);
	if (bpf_map_lookup_elem(o->ct, &t, v))
		fail_msg("no egr_ct entry for %s -> %s", s->src, s->dst);
}

static int
ct_exists(const struct egr_obj *o, const struct spec *s)
{
	struct egr_ct_val v;
	struct egr_tuple t;

	tuple(&t, s);
	return bpf_map_lookup_elem(o->ct, &t, &v) == 0;
}

static void
config_set(const struct egr_obj *o, uint16_t lo, uint16_t hi)
{
	struct egr_config c;
	uint32_t zero = 0;

	memset(&c, 0, sizeof(c));
	c.ovl_ifindex = OVL_IFIDX;
	memcpy(c.ovl_mac, mac_ovl, 6);
	c.port_min = lo;
	c.port_max = hi;
	inet_pton(AF_INET, "172.16.0.1", &c.local4);
	inet_pton(AF_INET6, "2001:db8:f::1", c.local6);
	assert_int_equal(bpf_map_update_elem(o->config, &zero, &c, 0), 0);
}

static void
src_add(
    const struct egr_obj *o, const char *prefix, uint32_t plen, uint32_t class)
{
	struct egr_src_val v = { .class = class };
	uint8_t a[16];

	if (addr16(prefix, a) == 6) {
		struct egr_src6_key k = { .prefixlen = plen };

		memcpy(k.addr, a, 16);
		assert_int_equal(bpf_map_update_elem(o->src6, &k, &v, 0), 0);
	} else {
		struct egr_src4_key k = { .prefixlen = plen };

		memcpy(&k.addr, a + 12, 4);
		assert_int_equal(bpf_map_update_elem(o->src4, &k, &v, 0), 0);
	}
}

static void
dst_add(const struct egr_obj *o, uint32_t class, const char *prefix,
    uint32_t plen, uint32_t policy, uint32_t action)
{
	struct egr_dst_val v = { .policy = policy, .action = action };
	uint8_t a[16];

	if (addr16(prefix, a) == 6) {
		struct egr_dst6_key k = { .prefixlen = 32 + plen };

		k.class = htonl(class);
		memcpy(k.daddr, a, 16);
		assert_int_equal(bpf_map_update_elem(o->dst6, &k, &v, 0), 0);
	} else {
		struct egr_dst4_key k = { .prefixlen = 32 + plen };

		k.class = htonl(class);
		memcpy(&k.daddr, a + 12, 4);
		assert_int_equal(bpf_map_update_elem(o->dst4, &k, &v, 0), 0);
	}
}

/*
 * Policy 1: served here; 2: remote gateway; 3: no gateway; 4: as 2, over
 * an IPv6 underlay; 5: two gateways, a remote one and this host; 6: as 5,
 * with this host's slice SLICE_LO..SLICE_HI of the ports; 7: as 5,
 * synchronised (EGR_POL_SYNC).
 */
static void
policies_set(const struct egr_obj *o)
{
	struct egr_policy p;
	uint32_t id;

	memset(&p, 0, sizeof(p));
	p.flags = EGR_POL_ACTIVE;
	p.ngw = 1;
	p.gw[0].flags = EGR_GW_UP | EGR_GW_LOCAL;
	inet_pton(AF_INET, EGRESS4, &p.egress4);
	inet_pton(AF_INET6, EGRESS6, p.egress6);
	id = 1;
	assert_int_equal(bpf_map_update_elem(o->policy, &id, &p, 0), 0);

	memset(&p, 0, sizeof(p));
	p.flags = EGR_POL_ACTIVE;
	p.ngw = 1;
	p.gw[0].flags = EGR_GW_UP;
	p.gw[0].vni = VNI;
	memcpy(p.gw[0].mac, mac_gw, 6);
	addr16(GWEP4, p.gw[0].endpoint);
	id = 2;
	assert_int_equal(bpf_map_update_elem(o->policy, &id, &p, 0), 0);
	addr16(GWEP6, p.gw[0].endpoint);
	id = 4; /* the same, over an IPv6 underlay */
	assert_int_equal(bpf_map_update_elem(o->policy, &id, &p, 0), 0);

	memset(&p, 0, sizeof(p));
	p.flags = EGR_POL_ACTIVE;
	id = 3;
	assert_int_equal(bpf_map_update_elem(o->policy, &id, &p, 0), 0);

	memset(&p, 0, sizeof(p));
	p.flags = EGR_POL_ACTIVE;
	p.ngw = 2;
	p.gw[0].flags = EGR_GW_UP;
	p.gw[0].vni = VNI;
	memcpy(p.gw[0].mac, mac_gw, 6);
	addr16(GWEP4, p.gw[0].endpoint);
	p.gw[1].flags = EGR_GW_UP | EGR_GW_LOCAL;
	inet_pton(AF_INET, EGRESS4, &p.egress4);
	inet_pton(AF_INET6, EGRESS6, p.egress6);
	id = 5;
	assert_int_equal(bpf_map_update_elem(o->policy, &id, &p, 0), 0);
	p.port_lo = SLICE_LO;
	p.port_hi = SLICE_HI;
	id = 6;
	assert_int_equal(bpf_map_update_elem(o->policy, &id, &p, 0), 0);
	p.port_lo = p.port_hi = 0;
	p.flags |= EGR_POL_SYNC;
	id = 7;
	assert_int_equal(bpf_map_update_elem(o->policy, &id, &p, 0), 0);

	src_add(o, "10.0.1.0", 24, 1);
	src_add(o, "fd00:1::", 64, 1);
	dst_add(o, 1, "203.0.113.0", 24, 1, EGR_ACT_POLICY);
	dst_add(o, 1, "203.0.113.192", 26, 1, EGR_ACT_SKIP);
	dst_add(o, 1, "198.51.100.0", 24, 2, EGR_ACT_POLICY);
	dst_add(o, 1, "198.18.0.0", 24, 3, EGR_ACT_POLICY);
	dst_add(o, 1, "2001:db8:100::", 48, 1, EGR_ACT_POLICY);
	dst_add(o, 1, "2001:db8:200::", 48, 4, EGR_ACT_POLICY);
	dst_add(o, 1, "198.51.101.0", 24, 4, EGR_ACT_POLICY);
	dst_add(o, 1, "2001:db8:500::", 48, 2, EGR_ACT_POLICY);
	dst_add(o, 1, "198.18.1.0", 24, 5, EGR_ACT_POLICY);
	dst_add(o, 1, "2001:db8:300::", 48, 5, EGR_ACT_POLICY);
	dst_add(o, 1, "198.18.2.0", 24, 6, EGR_ACT_POLICY);
	dst_add(o, 1, "2001:db8:400::", 48, 6, EGR_ACT_POLICY);
	dst_add(o, 1, "198.18.3.0", 24, 7, EGR_ACT_POLICY);
}

static void
obj_reset(const struct egr_obj *o)
{
	map_clear(o->ct, sizeof(struct egr_tuple));
	map_clear(o->rev, sizeof(struct egr_tuple));
	map_clear(o->frag, sizeof(struct egr_frag_key));
	map_clear(o->pin, sizeof(struct egr_pin_key));
	config_set(o, 0, 0);
}

static int
fixture_setup(void **state)
{
	(void)state;
	obj_reset(&prod);
	obj_reset(&small);
	obj_reset(&wrap);
	return 0;
}

/* --- running ---------------------------------------------------------- */

static uint32_t
run_ctx(
    int prog, const struct frame *in, struct frame *out, struct __sk_buff *ctx)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in->b,
	    .data_size_in = in->len, .data_out = out->b,
	    .data_size_out = sizeof(out->b), .ctx_in = ctx,
	    .ctx_size_in = sizeof(*ctx), .ctx_out = ctx,
	    .ctx_size_out = sizeof(*ctx), .repeat = 1);
	int err;

	memset(out, 0, sizeof(*out));
	err = bpf_prog_test_run_opts(prog, &opts);
	if (err)
		fail_msg("bpf_prog_test_run_opts: %s", strerror(-err));
	out->len = opts.data_size_out;
	return opts.retval;
}

static const char *const stat_names[EGR_STAT_MAX] = {
	[EGR_STAT_PASS] = "PASS",
	[EGR_STAT_SNAT] = "SNAT",
	[EGR_STAT_RSNAT] = "RSNAT",
	[EGR_STAT_STEERED] = "STEERED",
	[EGR_STAT_NEW_FLOW] = "NEW_FLOW",
	[EGR_STAT_ICMP_ERROR] = "ICMP_ERROR",
	[EGR_STAT_FRAG] = "FRAG",
	[EGR_STAT_RACE] = "RACE",
	[EGR_STAT_RESET] = "RESET",
	[EGR_STAT_SYNC_LOST] = "SYNC_LOST",
	[EGR_STAT_SYNC_HELD] = "SYNC_HELD",
	[EGR_DROP_TRUNCATED] = "TRUNCATED",
	[EGR_DROP_MALFORMED] = "MALFORMED",
	[EGR_DROP_UNSUPPORTED] = "UNSUPPORTED",
	[EGR_DROP_TABLE_FULL] = "TABLE_FULL",
	[EGR_DROP_PORTS] = "PORTS",
	[EGR_DROP_NO_GATEWAY] = "NO_GATEWAY",
	[EGR_DROP_NO_ADDR] = "NO_ADDR",
	[EGR_DROP_NO_CONN] = "NO_CONN",
	[EGR_DROP_TUNNEL] = "TUNNEL",
};

/*
 * Run in through prog of o; expect verdict and, if want is not NULL, the
 * output frame want; stat must move by one (NEW_FLOW may move as well,
 * when newflow says so; nothing else).  Every output is verified.
 */
static void
xpect(const struct egr_obj *o, int prog, const struct frame *in,
    uint32_t verdict, uint32_t stat, int newflow, const struct frame *want,
    struct frame *outp)
{
	uint64_t before[EGR_STAT_MAX], after[EGR_STAT_MAX];
	struct __sk_buff ctx;
	struct frame out;
	uint32_t k, ret;

	memset(&ctx, 0, sizeof(ctx));
	stats_read(o->stats, before);
	ret = run_ctx(prog, in, &out, &ctx);
	stats_read(o->stats, after);
	if (ret != verdict)
		fail_msg("verdict %u, want %u", ret, verdict);
	for (k = 0; k < EGR_STAT_MAX; k++) {
		uint64_t d = after[k] - before[k];
		uint64_t w = k == stat ? 1 : 0;

		if (k == EGR_STAT_NEW_FLOW && k != stat)
			w = newflow ? 1 : 0;
		if (d != w)
			fail_msg("counter %s moved by %llu, want %llu",
			    stat_names[k], (unsigned long long)d,
			    (unsigned long long)w);
	}
	if (want) {
		assert_int_equal(out.len, want->len);
		assert_memory_equal(out.b, want->b, want->len);
	}
	if (verdict != TC_ACT_SHOT)
		verify_frame(&out);
	if (outp)
		*outp = out;
}

/* Out: expect s translated to egress address eaddr and port xport. */
static void
out_ok(const struct egr_obj *o, const struct spec *s, const char *eaddr,
    uint16_t xport, int newflow)
{
	struct frame in, want;
	struct spec t = *s;

	build(&in, s);
	t.src = eaddr;
	t.sport = xport;
	build(&want, &t);
	xpect(o, o->out, &in, TC_ACT_OK, EGR_STAT_SNAT, newflow, &want, NULL);
}

/* In: a reply to s, arriving at eaddr:xport, back to the pod. */
static void
reply_ok(const struct egr_obj *o, const struct spec *s, const char *eaddr,
    uint16_t xport, uint8_t flags)
{
	struct frame in, want;
	struct spec r = *s, w;

	r.src = s->dst;
	r.dst = eaddr;
	r.sport = s->dport;
	r.dport = xport;
	r.flags = flags;
	if (s->proto == P_ICMP || s->proto == P_ICMP6) {
		r.type = ECHO_REP;
		r.sport = xport;
	}
	w = r;
	w.dst = s->src;
	if (s->proto == P_ICMP || s->proto == P_ICMP6)
		w.sport = s->sport;
	else
		w.dport = s->sport;
	build(&in, &r);
	build(&want, &w);
	xpect(o, o->in, &in, TC_ACT_OK, EGR_STAT_RSNAT, 0, &want, NULL);
}

/* --- cases: new flow and reply, per protocol and family ---------------- */

struct flow_case {
	const char *name;
	struct spec s;
	const char *eaddr;
};

static const struct flow_case flow_cases[] = {
	{ "tcp4 syn, reply",
	    { POD4_A, REMOTE4, P_TCP, 40001, 443, 0, TCP_SYN, 0, 0 }, EGRESS4 },
	{ "udp4, reply", { POD4_A, REMOTE4, P_UDP, 40002, 53, 0, 0, 0, 30 },
	    EGRESS4 },
	{ "udp4 zero checksum stays zero",
	    { POD4_A, REMOTE4, P_UDP, 40003, 53, 0, 0, 1, 31 }, EGRESS4 },
	{ "icmp4 echo, reply",
	    { POD4_A, REMOTE4, P_ICMP, 777, 0, ECHO_REQ, 0, 0, 56 }, EGRESS4 },
	{ "tcp6 syn, reply",
	    { POD6_A, REMOTE6, P_TCP, 40001, 443, 0, TCP_SYN, 0, 10 },
	    EGRESS6 },
	{ "udp6, reply", { POD6_A, REMOTE6, P_UDP, 40002, 53, 0, 0, 0, 33 },
	    EGRESS6 },
	{ "icmp6 echo, reply",
	    { POD6_A, REMOTE6, P_ICMP6, 778, 0, ECHO_REQ, 0, 0, 56 }, EGRESS6 },
};

static void
flow_case_run(void **state)
{
	const struct flow_case *c = *state;
	struct egr_ct_val ct;

	/* New flow: source port kept (it is free), entry created. */
	out_ok(&prod, &c->s, c->eaddr, c->s.sport, 1);
	ct_get(&prod, &c->s, &ct);
	assert_int_equal(ntohs(ct.rev.dport), c->s.sport);
	assert_int_equal(ct.policy, 1);
	assert_int_equal(ct.flags & EGR_CT_F_REPLY, 0);
	/* Established: same translation, no new entry. */
	out_ok(&prod, &c->s, c->eaddr, c->s.sport, 0);
	reply_ok(&prod, &c->s, c->eaddr, c->s.sport,
	    c->s.proto == P_TCP ? TCP_SYN | TCP_ACK : 0);
	ct_get(&prod, &c->s, &ct);
	assert_int_equal(ct.flags & EGR_CT_F_REPLY, EGR_CT_F_REPLY);
	reply_ok(&prod, &c->s, c->eaddr, c->s.sport,
	    c->s.proto == P_TCP ? TCP_ACK : 0);
	assert_int_equal(map_count(prod.ct, sizeof(struct egr_tuple)), 1);
	assert_int_equal(map_count(prod.rev, sizeof(struct egr_tuple)), 1);
}

/* An ICMPv4 echo frame built from s, with sequence number 0. */
static void
build_seq0(struct frame *f, const struct spec *s)
{
	uint8_t *ip = f->b + ETH_HLEN;

	build(f, s);
	put16(ip + 20 + 6, 0);
	l4_csum_set(0, ip, ip + 20, P_ICMP, 8 + s->len, 0);
}

/*
 * A reply translated back to identifier 0, with sequence 0 and no data,
 * is an ICMPv4 message of zeros: its checksum must come out as 0xffff
 * (RFC 1624 equation 3 gives 0x0000, which receivers refuse).
 */
static void
test_icmp4_echo_all_zero(void **state)
{
	struct spec b = { POD4_B, REMOTE4, P_ICMP, 0, 0, ECHO_REQ, 0, 0, 0 };
	struct spec s = { POD4_A, REMOTE4, P_ICMP, 0, 0, ECHO_REQ, 0, 0, 0 };
	struct egr_ct_val ct;
	struct frame in, want;

	(void)state;
	/* Pod B holds identifier 0, so pod A's 0 is translated. */
	build_seq0(&in, &b);
	xpect(&prod, prod.out, &in, TC_ACT_OK, EGR_STAT_SNAT, 1, NULL, NULL);
	build_seq0(&in, &s);
	xpect(&prod, prod.out, &in, TC_ACT_OK, EGR_STAT_SNAT, 1, NULL, NULL);
	ct_get(&prod, &s, &ct);
	assert_int_not_equal(ct.rev.dport, 0);
	s.type = ECHO_REP;
	s.src = REMOTE4;
	s.dst = EGRESS4;
	s.sport = ntohs(ct.rev.dport);
	build_seq0(&in, &s);
	s.dst = POD4_A;
	s.sport = 0;
	build_seq0(&want, &s);
	assert_int_equal(get16(want.b + ETH_HLEN + 22), 0xffff);
	xpect(&prod, prod.in, &in, TC_ACT_OK, EGR_STAT_RSNAT, 0, &want, NULL);
}

/* --- cases: TCP state -------------------------------------------------- */

static void
tcp_state_at(uint8_t want, int line)
{
	struct spec s = { POD4_A, REMOTE4, P_TCP, 41000, 80, 0, 0, 0, 0 };
	struct egr_ct_val ct;

	ct_get(&prod, &s, &ct);
	if (ct.state != want)
		fail_msg("line %d: ct state %u, want %u", line, ct.state, want);
}

#define tcp_state(want) tcp_state_at(want, __LINE__)

static void
test_tcp_states(void **state)
{
	struct spec s = { POD4_A, REMOTE4, P_TCP, 41000, 80, 0, 0, 0, 0 };

	(void)state;
	s.flags = TCP_SYN;
	out_ok(&prod, &s, EGRESS4, 41000, 1);
	tcp_state(EGR_TCP_SYN_SENT);
	reply_ok(&prod, &s, EGRESS4, 41000, TCP_SYN | TCP_ACK);
	tcp_state(EGR_TCP_ESTABLISHED);
	s.flags = TCP_ACK;
	out_ok(&prod, &s, EGRESS4, 41000, 0);
	reply_ok(&prod, &s, EGRESS4, 41000, TCP_ACK);
	tcp_state(EGR_TCP_ESTABLISHED);
	s.flags = TCP_FIN | TCP_ACK;
	out_ok(&prod, &s, EGRESS4, 41000, 0);
	tcp_state(EGR_TCP_FIN);
	reply_ok(&prod, &s, EGRESS4, 41000, TCP_FIN | TCP_ACK);
	tcp_state(EGR_TCP_FIN);
	reply_ok(&prod, &s, EGRESS4, 41000, TCP_RST);
	tcp_state(EGR_TCP_CLOSED);
	/* A new SYN on the same tuple reopens with the same translation. */
	s.flags = TCP_SYN;
	out_ok(&prod, &s, EGRESS4, 41000, 0);
	tcp_state(EGR_TCP_SYN_SENT);
	/* An RST from the pod closes too. */
	s.flags = TCP_RST;
	out_ok(&prod, &s, EGRESS4, 41000, 0);
	tcp_state(EGR_TCP_CLOSED);
}

/* A connection first seen mid-stream is taken as established. */
static void
test_tcp_midstream(void **state)
{
	struct spec s = { POD4_A, REMOTE4, P_TCP, 41000, 80, 0, TCP_ACK, 0, 5 };

	(void)state;
	out_ok(&prod, &s, EGRESS4, 41000, 1);
	tcp_state(EGR_TCP_ESTABLISHED);
}

/* --- cases: reset, don't hang ------------------------------------------- */

/* Set a built TCP segment's sequence and acknowledgment numbers. */
static void
tcp_seq_set(struct frame *f, uint32_t seq, uint32_t ack)
{
	uint8_t *ip = f->b + ETH_HLEN;
	int v6 = (ip[0] >> 4) == 6;
	uint32_t hl = v6 ? 40 : (ip[0] & 0xf) * 4U;

	put32(ip + hl + 4, seq);
	put32(ip + hl + 8, ack);
	l4_csum_set(v6, ip, ip + hl, P_TCP, f->len - ETH_HLEN - hl, 0);
}

/* Insert n bytes at off of the frame; the rest moves back. */
static void
frame_insert(struct frame *f, uint32_t off, const uint8_t *b, uint32_t n)
{
	assert_true(f->len + n <= sizeof(f->b));
	memmove(f->b + off + n, f->b + off, f->len - off);
	memcpy(f->b + off, b, n);
	f->len += n;
}

/* Give a built TCP segment n bytes (a multiple of 4) of NOP options. */
static void
tcp_opts_add(struct frame *f, uint32_t n)
{
	uint8_t *ip = f->b + ETH_HLEN, nops[40];
	int v6 = (ip[0] >> 4) == 6;
	uint32_t hl = v6 ? 40 : 20;

	assert_true(n % 4 == 0 && n <= sizeof(nops));
	memset(nops, 1, sizeof(nops));
	frame_insert(f, ETH_HLEN + hl + 20, nops, n);
	ip[hl + 12] = (uint8_t)((5 + n / 4) << 4);
	if (v6) {
		put16(ip + 4, (uint16_t)(get16(ip + 4) + n));
	} else {
		put16(ip + 2, (uint16_t)(get16(ip + 2) + n));
		ip4_csum_set(ip);
	}
	l4_csum_set(v6, ip, ip + hl, P_TCP, f->len - ETH_HLEN - hl, 0);
}

/*
 * The reset from remote:rport to pod:pport, built from nothing as the
 * gateway is to build it: Ethernet addresses the other way round than
 * build() puts them, IPv4 with DF and ID 0 or IPv6, TTL 64, no options,
 * window 0.
 */
static void
build_rst(struct frame *f, const char *remote, const char *pod, uint16_t rport,
    uint16_t pport, uint32_t seq, uint32_t ack, uint8_t flags)
{
	uint8_t a[16], *ip, *th;
	int v6 = addr16(remote, a) == 6;
	uint32_t hl = v6 ? 40 : 20;

	memset(f, 0, sizeof(*f));
	memcpy(f->b, mac_self, 6);
	memcpy(f->b + 6, mac_dev, 6);
	put16(f->b + 12, v6 ? ETH_P_IPV6 : ETH_P_IP);
	ip = f->b + ETH_HLEN;
	if (v6) {
		ip[0] = 0x60;
		put16(ip + 4, 20);
		ip[6] = P_TCP;
		ip[7] = 64;
		memcpy(ip + 8, a, 16);
		assert_int_equal(addr16(pod, ip + 24), 6);
	} else {
		ip[0] = 0x45;
		put16(ip + 2, 40);
		put16(ip + 6, 0x4000);
		ip[8] = 64;
		ip[9] = P_TCP;
		memcpy(ip + 12, a + 12, 4);
		assert_int_equal(addr16(pod, a), 4);
		memcpy(ip + 16, a + 12, 4);
		ip4_csum_set(ip);
	}
	th = ip + hl;
	put16(th, rport);
	put16(th + 2, pport);
	put32(th + 4, seq);
	put32(th + 8, ack);
	th[12] = 5 << 4;
	th[13] = flags;
	l4_csum_set(v6, ip, th, P_TCP, 20, 0);
	f->len = ETH_HLEN + hl + 20;
}

/*
 * The segment s (sequence seq, acknowledgment ack, opts bytes of
 * options) of no connection, to a remote of policy 5, is answered with
 * the reset (rseq, rack, rflags): redirected back, counted, and no
 * connection opened.
 */
static void
reset_ok(const struct spec *s, uint32_t seq, uint32_t ack, uint32_t opts,
    uint32_t rseq, uint32_t rack, uint8_t rflags)
{
	struct frame in, want;

	build(&in, s);
	tcp_seq_set(&in, seq, ack);
	if (opts)
		tcp_opts_add(&in, opts);
	verify_frame(&in);
	build_rst(
	    &want, s->dst, s->src, s->dport, s->sport, rseq, rack, rflags);
	xpect(&prod, prod.out, &in, TC_ACT_REDIRECT, EGR_STAT_RESET, 0, &want,
	    NULL);
	assert_int_equal(map_count(prod.ct, sizeof(struct egr_tuple)), 0);
	assert_int_equal(map_count(prod.rev, sizeof(struct egr_tuple)), 0);
}

/* Mid-stream with ACK: <SEQ=SEG.ACK><CTL=RST>, options and data cut. */
static void
test_reset_ack4(void **state)
{
	struct spec s = { POD4_A, HA4, P_TCP, 41000, 443, 0, TCP_ACK, 0, 100 };

	(void)state;
	reset_ok(&s, 0x11223344, 0xa0b0c0d0, 12, 0xa0b0c0d0, 0, TCP_RST);
	s.flags = TCP_ACK | TCP_FIN | 0x08; /* PSH */
	s.len = 0;
	reset_ok(&s, 7, 0xfffffff0, 0, 0xfffffff0, 0, TCP_RST);
}

/*
 * Without ACK: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>, the FIN
 * counted, the acknowledgment field of the segment ignored, wrapping
 * around 2^32.
 */
static void
test_reset_fin4(void **state)
{
	struct spec s = { POD4_A, HA4, P_TCP, 41001, 80, 0, TCP_FIN, 0, 0 };

	(void)state;
	reset_ok(&s, 1000, 0x55555555, 0, 0, 1001, TCP_RST | TCP_ACK);
	s.flags = 0;
	s.len = 7;
	reset_ok(&s, 0xfffffffe, 0, 8, 0, 5, TCP_RST | TCP_ACK);
}

static void
test_reset_ack6(void **state)
{
	struct spec s = { POD6_A, HA6, P_TCP, 41002, 443, 0, TCP_ACK, 0, 33 };

	(void)state;
	reset_ok(&s, 0x01020304, 0x0a0b0c0d, 12, 0x0a0b0c0d, 0, TCP_RST);
}

static void
test_reset_fin6(void **state)
{
	struct spec s = { POD6_A, HA6, P_TCP, 41003, 80, 0, TCP_FIN | 0x08, 0,
		5 };

	(void)state;
	reset_ok(&s, 0x7fffffff, 0, 0, 0, 0x80000005, TCP_RST | TCP_ACK);
}

/*
 * On the same policy: a SYN opens a connection, whose segments are then
 * translated, not reset; an RST of no connection is not answered (it is
 * let out translated, as a single gateway does).
 */
static void
test_reset_not(void **state)
{
	struct spec s = { POD4_A, HA4, P_TCP, 41004, 443, 0, TCP_SYN, 0, 0 };
	struct spec r = { POD6_A, HA6, P_TCP, 41005, 443, 0, TCP_RST, 0, 0 };

	(void)state;
	out_ok(&prod, &s, EGRESS4, 41004, 1);
	s.flags = TCP_ACK;
	s.len = 10;
	out_ok(&prod, &s, EGRESS4, 41004, 0);
	s.flags = TCP_FIN | TCP_ACK;
	out_ok(&prod, &s, EGRESS4, 41004, 0);
	out_ok(&prod, &r, EGRESS6, 41005, 1);
	r.flags = TCP_RST | TCP_ACK;
	r.sport = 41006;
	out_ok(&prod, &r, EGRESS6, 41006, 1);
}

/*
 * What the reset does not cover keeps the mid-stream pickup: IPv4
 * options and IPv6 extension headers before TCP (a source route would
 * make the destination a hop).
 */
static void
test_reset_not_hdrs(void **state)
{
	static const uint8_t nops4[4] = { 1, 1, 1, 0 }; /* NOP x3, EOL */
	static const uint8_t dstopts[8] = { P_TCP, 0, 1, 4, 0, 0, 0, 0 };
	struct spec s4 = { POD4_A, HA4, P_TCP, 41007, 80, 0, TCP_ACK, 0, 9 };
	struct spec s6 = { POD6_A, HA6, P_TCP, 41008, 80, 0, TCP_ACK, 0, 9 };
	struct frame in, out;
	uint8_t *ip;

	(void)state;
	/*
	 * Numbers such that a reset read at the fixed header's end would
	 * find a TCP header there (data offset 5, ACK): only the check of
	 * the headers keeps these from being answered.
	 */
	build(&in, &s4);
	tcp_seq_set(&in, 1, 0x50100000);
	ip = in.b + ETH_HLEN;
	frame_insert(&in, ETH_HLEN + 20, nops4, 4);
	ip[0] = 0x46;
	put16(ip + 2, (uint16_t)(get16(ip + 2) + 4));
	ip4_csum_set(ip);
	verify_frame(&in);
	xpect(&prod, prod.out, &in, TC_ACT_OK, EGR_STAT_SNAT, 1, NULL, &out);
	assert_int_equal(out.len, in.len);
	assert_true(ct_exists(&prod, &s4));

	build(&in, &s6);
	tcp_seq_set(&in, 0x50100000, 1);
	ip = in.b + ETH_HLEN;
	frame_insert(&in, ETH_HLEN + 40, dstopts, 8);
	ip[6] = 60;
	put16(ip + 4, (uint16_t)(get16(ip + 4) + 8));
	xpect(&prod, prod.out, &in, TC_ACT_OK, EGR_STAT_SNAT, 1, NULL, &out);
	assert_int_equal(out.len, in.len);
	assert_true(ct_exists(&prod, &s6));
}

/* --- cases: port allocation -------------------------------------------- */

/* out is s translated to eaddr and port x, nothing else. */
static void
out_is(const struct frame *out, const struct spec *s, const char *eaddr,
    uint16_t x)
{
	struct frame want;
	struct spec t = *s;

	t.src = eaddr;
	t.sport = x;
	build(&want, &t);
	assert_int_equal(out->len, want.len);
	assert_memory_equal(out->b, want.b, want.len);
}

static void
collision(const char *src_b, const char *remote, const char *eaddr,
    const char *src_a, uint8_t proto)
{
	struct spec a = { src_a, remote, proto, 5000, 8080, 0, 0, 0, 12 };
	struct spec b = a;
	struct egr_ct_val ca, cb;
	struct frame in, out;
	uint16_t xb;

	if (proto == P_ICMP || proto == P_ICMP6) {
		a.type = b.type = ECHO_REQ;
		a.dport = b.dport = 0;
	}
	b.src = src_b;
	out_ok(&prod, &a, eaddr, 5000, 1);
	build(&in, &b);
	xpect(&prod, prod.out, &in, TC_ACT_OK, EGR_STAT_SNAT, 1, NULL, &out);
	ct_get(&prod, &a, &ca);
	ct_get(&prod, &b, &cb);
	xb = ntohs(cb.rev.dport);
	assert_int_equal(ntohs(ca.rev.dport), 5000);
	assert_int_not_equal(xb, 5000);
	assert_true(xb >= EGR_PORT_MIN_DEFAULT);
	/* What went out is b translated to that port, nothing else. */
	out_is(&out, &b, eaddr, xb);
	/* Each reply reaches its own pod. */
	reply_ok(&prod, &a, eaddr, 5000, 0);
	reply_ok(&prod, &b, eaddr, xb, 0);
	reply_ok(&prod, &a, eaddr, 5000, 0);
}

static void
test_collision_udp4(void **state)
{
	(void)state;
	collision(POD4_B, REMOTE4, EGRESS4, POD4_A, P_UDP);
}

static void
test_collision_tcp6(void **state)
{
	(void)state;
	collision(POD6_B, REMOTE6, EGRESS6, POD6_A, P_TCP);
}

static void
test_collision_icmp4(void **state)
{
	(void)state;
	collision(POD4_B, REMOTE4, EGRESS4, POD4_A, P_ICMP);
}

/* The same source port to another destination is no collision. */
static void
test_port_per_destination(void **state)
{
	struct spec a = { POD4_A, REMOTE4, P_UDP, 5000, 53, 0, 0, 0, 4 };
	struct spec b = a;

	(void)state;
	out_ok(&prod, &a, EGRESS4, 5000, 1);
	b.src = POD4_B;
	b.dport = 54; /* another remote port */
	out_ok(&prod, &b, EGRESS4, 5000, 1);
	b.src = POD4_C;
	b.dport = 53;
	b.dst = "203.0.113.8"; /* another remote address */
	out_ok(&prod, &b, EGRESS4, 5000, 1);
}

static void
test_port_exhaustion(void **state)
{
	struct spec a = { POD4_A, REMOTE4, P_UDP, 5000, 53, 0, 0, 0, 4 };
	struct spec b = a, c = a;
	struct egr_ct_val cb;
	struct frame in;

	(void)state;
	config_set(&prod, 40000, 40000); /* one port */
	out_ok(&prod, &a, EGRESS4, 5000, 1);
	b.src = POD4_B;
	out_ok(&prod, &b, EGRESS4, 40000, 1);
	ct_get(&prod, &b, &cb);
	assert_int_equal(ntohs(cb.rev.dport), 40000);
	c.src = POD4_C;
	build(&in, &c);
	xpect(&prod, prod.out, &in, TC_ACT_SHOT, EGR_DROP_PORTS, 0, NULL, NULL);
	assert_false(ct_exists(&prod, &c));
	assert_int_equal(map_count(prod.rev, sizeof(struct egr_tuple)), 2);
	/* The established ones are untouched. */
	out_ok(&prod, &a, EGRESS4, 5000, 0);
	out_ok(&prod, &b, EGRESS4, 40000, 0);
	reply_ok(&prod, &b, EGRESS4, 40000, 0);
}

/*
 * A gateway's slice (policy 6): a port outside it is translated to one
 * inside, whatever the configured range; one inside is kept; the same
 * for an ICMP echo identifier, and for IPv6.
 */
static void
slice_one(const char *pod, const char *remote, const char *eaddr, uint8_t proto,
    uint16_t sport, int kept)
{
	struct spec s = { pod, remote, proto, sport, 53, 0, 0, 0, 8 };
	struct egr_ct_val ct;
	struct frame in, out;
	uint16_t x;

	if (proto == P_ICMP || proto == P_ICMP6) {
		s.type = ECHO_REQ;
		s.dport = 0;
	}
	build(&in, &s);
	xpect(&prod, prod.out, &in, TC_ACT_OK, EGR_STAT_SNAT, 1, NULL, &out);
	ct_get(&prod, &s, &ct);
	x = ntohs(ct.rev.dport);
	if (x < SLICE_LO || x > SLICE_HI)
		fail_msg("port %u translated to %u, outside the slice %u-%u",
		    sport, x, SLICE_LO, SLICE_HI);
	if (kept)
		assert_int_equal(x, sport);
	out_is(&out, &s, eaddr, x);
	reply_ok(&prod, &s, eaddr, x, 0);
}

static void
test_slice_ports(void **state)
{
	struct spec whole = { POD4_C, HA4, P_UDP, 5000, 53, 0, 0, 0, 8 };

	(void)state;
	config_set(&prod, 50000, 60000); /* the slice wins */
	/* Kept ones to another remote: the others' ports are random. */
	slice_one(POD4_A, SLICE4, EGRESS4, P_UDP, 5000, 0);
	slice_one(POD4_B, "198.18.2.8", EGRESS4, P_UDP, SLICE_LO + 2, 1);
	slice_one(POD4_A, SLICE4, EGRESS4, P_ICMP, 777, 0);
	slice_one(POD4_B, "198.18.2.8", EGRESS4, P_ICMP, SLICE_HI, 1);
	slice_one(POD6_A, SLICE6, EGRESS6, P_UDP, 55000, 0);
	slice_one(POD6_B, "2001:db8:400::8", EGRESS6, P_UDP, SLICE_LO, 1);
	/* Policy 5, no slice: any port is kept, outside the range too. */
	out_ok(&prod, &whole, EGRESS4, 5000, 1);
}

/*
 * The slice's four ports held by pods that kept theirs: a new flow to the
 * same remote and port finds none free, whether its own port is outside
 * the slice or inside and taken.  Nothing is left reserved.
 */
static void
test_slice_exhaustion(void **state)
{
	static const char *const pods[] = { POD4_A, POD4_B, POD4_C,
		"10.0.1.13" };
	struct spec s = { NULL, SLICE4, P_UDP, 0, 53, 0, 0, 0, 8 };
	struct frame in;
	unsigned i;

	(void)state;
	for (i = 0; i < 4; i++) {
		s.src = pods[i];
		s.sport = (uint16_t)(SLICE_LO + i);
		out_ok(&prod, &s, EGRESS4, s.sport, 1);
	}
	s.src = "10.0.1.14";
	s.sport = 5000;
	build(&in, &s);
	xpect(&prod, prod.out, &in, TC_ACT_SHOT, EGR_DROP_PORTS, 0, NULL, NULL);
	assert_false(ct_exists(&prod, &s));
	s.sport = SLICE_LO + 1;
	build(&in, &s);
	xpect(&prod, prod.out, &in, TC_ACT_SHOT, EGR_DROP_PORTS, 0, NULL, NULL);
	assert_false(ct_exists(&prod, &s));
	assert_int_equal(map_count(prod.rev, sizeof(struct egr_tuple)), 4);
	/* Another remote port has the whole slice again. */
	s.dport = 54;
	out_ok(&prod, &s, EGRESS4, SLICE_LO + 1, 1);
	/* The established ones are untouched. */
	s.src = POD4_A;
	s.sport = SLICE_LO;
	s.dport = 53;
	out_ok(&prod, &s, EGRESS4, SLICE_LO, 0);
	reply_ok(&prod, &s, EGRESS4, SLICE_LO, 0);
}

/* --- cases: the NAT state sync ------------------------------------------ */

struct sync_got {
	struct egr_sync_rec r[8];
	unsigned n;
};

static int
sync_cb(void *arg, void *data, size_t len)
{
	struct sync_got *g = arg;

	assert_int_equal(len, sizeof(struct egr_sync_rec));
	if (g->n < 8)
		memcpy(&g->r[g->n], data, sizeof(g->r[0]));
	g->n++;
	return 0;
}

/* What egr_sync holds now, consumed. */
static void
sync_read(const struct egr_obj *o, struct sync_got *g)
{
	struct ring_buffer *rb;

	memset(g, 0, sizeof(*g));
	rb = ring_buffer__new(o->sync, sync_cb, g, NULL);
	assert_non_null(rb);
	assert_true(ring_buffer__consume(rb) >= 0);
	ring_buffer__free(rb);
}

static void
sync_alive(const struct egr_obj *o, uint64_t until)
{
	struct egr_sync_ctl c = { .alive_until = until };
	uint32_t zero = 0;

	assert_int_equal(bpf_map_update_elem(o->sync_ctl, &zero, &c, 0), 0);
}

/*
 * A synchronised policy: a new connection is reported in egr_sync; its
 * first packet, translated, is held in the record (and dropped here)
 * while ferryd's heartbeat says it is there, else let go; the packets
 * after it, and a packet too long to hold, go at once.  A reply that
 * moves the TCP state is reported too.
 */
static void
test_sync_hold(void **state)
{
	struct spec s = { POD4_A, SYNC4, P_UDP, 5000, 53, 0, 0, 0, 8 };
	struct spec t = { POD4_B, SYNC4, P_TCP, 6000, 443, 0, TCP_SYN, 0, 0 };
	struct frame in, want, out;
	struct __sk_buff ctx;
	struct egr_tuple k;
	struct egr_ct_val cv;
	struct sync_got g;
	uint64_t before[EGR_STAT_MAX], after[EGR_STAT_MAX];

	(void)state;
	sync_read(&prod, &g); /* whatever earlier cases left */
	/* No heartbeat: the packet goes, its record says nothing held. */
	sync_alive(&prod, 0);
	out_ok(&prod, &s, EGRESS4, 5000, 1);
	sync_read(&prod, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.r[0].kind, EGR_SYNC_OPEN);
	assert_int_equal(g.r[0].pkt_len, 0);
	tuple(&k, &s);
	assert_memory_equal(&g.r[0].orig, &k, sizeof(k));
	ct_get(&prod, &s, &cv);
	assert_memory_equal(&g.r[0].rev, &cv.rev, sizeof(cv.rev));
	assert_int_equal(cv.flags & EGR_CT_F_SYNC, EGR_CT_F_SYNC);
	/* Its next packet: nothing reported. */
	out_ok(&prod, &s, EGRESS4, 5000, 0);
	sync_read(&prod, &g);
	assert_int_equal(g.n, 0);

	/* ferryd there: the TCP SYN is held, translated, in its record. */
	sync_alive(&prod, UINT64_MAX);
	build(&in, &t);
	memset(&ctx, 0, sizeof(ctx));
	stats_read(prod.stats, before);
	assert_int_equal(run_ctx(prod.out, &in, &out, &ctx), TC_ACT_SHOT);
	stats_read(prod.stats, after);
	assert_int_equal(
	    after[EGR_STAT_SYNC_HELD] - before[EGR_STAT_SYNC_HELD], 1);
	assert_int_equal(
	    after[EGR_STAT_NEW_FLOW] - before[EGR_STAT_NEW_FLOW], 1);
	sync_read(&prod, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.r[0].kind, EGR_SYNC_OPEN);
	assert_int_equal(g.r[0].state, EGR_TCP_SYN_SENT);
	{
		struct spec w = t;

		w.src = EGRESS4;
		build(&want, &w);
	}
	assert_int_equal(g.r[0].pkt_len, want.len);
	assert_memory_equal(g.r[0].pkt, want.b, want.len);
	assert_true(g.r[0].stamp != 0);
	/* The SYN+ACK establishes, and says so. */
	reply_ok(&prod, &t, EGRESS4, 6000, TCP_SYN | TCP_ACK);
	sync_read(&prod, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.r[0].kind, EGR_SYNC_STATE);
	assert_int_equal(g.r[0].state, EGR_TCP_ESTABLISHED);
	assert_int_equal(g.r[0].pkt_len, 0);
	/* A retransmitted SYN of it is not held again. */
	out_ok(&prod, &t, EGRESS4, 6000, 0);
	sync_read(&prod, &g);
	assert_int_equal(g.n, 0);

	/* Longer than a record holds: goes at once, reported. */
	s.src = POD4_C;
	s.sport = 5001;
	s.len = EGR_SYNC_PKT_MAX;
	out_ok(&prod, &s, EGRESS4, 5001, 1);
	sync_read(&prod, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.r[0].pkt_len, 0);

	/* Another policy: nothing reported. */
	s.dst = HA4;
	s.len = 8;
	out_ok(&prod, &s, EGRESS4, 5001, 1);
	sync_read(&prod, &g);
	assert_int_equal(g.n, 0);
	sync_alive(&prod, 0);
}

/* --- cases: full table -------------------------------------------------- */

static void
test_table_full(void **state)
{
	struct spec s = { POD4_A, REMOTE4, P_TCP, 0, 443, 0, TCP_SYN, 0, 0 };
	struct frame in;
	uint16_t p;

	(void)state;
	/* The small object's egr_ct and egr_rev hold four entries. */
	for (p = 1; p <= 4; p++) {
		s.sport = (uint16_t)(30000 + p);
		out_ok(&small, &s, EGRESS4, s.sport, 1);
	}
	s.sport = 30005;
	build(&in, &s);
	xpect(&small, small.out, &in, TC_ACT_SHOT, EGR_DROP_TABLE_FULL, 0, NULL,
	    NULL);
	assert_int_equal(map_count(small.ct, sizeof(struct egr_tuple)), 4);
	assert_int_equal(map_count(small.rev, sizeof(struct egr_tuple)), 4);
	/* Established flows keep working both ways. */
	s.sport = 30002;
	s.flags = TCP_ACK;
	out_ok(&small, &s, EGRESS4, 30002, 0);
	reply_ok(&small, &s, EGRESS4, 30002, TCP_ACK);
}

/* --- cases: CPUs racing to open the same flow ---------------------------- */

#define RACE_FLOWS  64
#define RACE_ROUNDS 40

struct racer {
	int cpu;
	int failed; /* test_run errors or verdicts other than OK */
	struct frame in[RACE_FLOWS];
};

static void *
racer_run(void *arg)
{
	struct racer *r = arg;
	struct frame out;
	cpu_set_t set;
	int i;

	CPU_ZERO(&set);
	CPU_SET(r->cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	for (i = 0; i < RACE_FLOWS; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = r->in[i].b,
		    .data_size_in = r->in[i].len, .data_out = out.b,
		    .data_size_out = sizeof(out.b), .repeat = 1);

		if (bpf_prog_test_run_opts(prod.out, &opts) != 0 ||
		    opts.retval != TC_ACT_OK)
			r->failed++;
	}
	return NULL;
}

/*
 * Two threads on two CPUs open the same flows at the same time, round
 * after round.  Whoever wins, each flow must end with exactly one
 * egr_ct entry and one egr_rev entry naming each other: no second
 * translation, no reservation left behind by the loser.
 */
static void
test_race_one_translation(void **state)
{
	static struct racer r[2];
	struct egr_tuple k, next;
	struct egr_ct_val cv;
	struct egr_rev_val rv;
	pthread_t th[2];
	uint64_t st[EGR_STAT_MAX];
	void *prev;
	int round, i, n, online;

	(void)state;
	online = (int)sysconf(_SC_NPROCESSORS_ONLN);
	for (i = 0; i < 2; i++) {
		int f;

		r[i].cpu = online > 1 ? i : 0;
		for (f = 0; f < RACE_FLOWS; f++) {
			struct spec s = { POD4_A, REMOTE4, P_UDP,
				(uint16_t)(20000 + f), 53, 0, 0, 0, 8 };

			build(&r[i].in[f], &s);
		}
	}
	for (round = 0; round < RACE_ROUNDS; round++) {
		map_clear(prod.ct, sizeof(struct egr_tuple));
		map_clear(prod.rev, sizeof(struct egr_tuple));
		for (i = 0; i < 2; i++) {
			r[i].failed = 0;
			assert_int_equal(
			    pthread_create(&th[i], NULL, racer_run, &r[i]), 0);
		}
		for (i = 0; i < 2; i++) {
			assert_int_equal(pthread_join(th[i], NULL), 0);
			assert_int_equal(r[i].failed, 0);
		}
		assert_int_equal(
		    map_count(prod.ct, sizeof(struct egr_tuple)), RACE_FLOWS);
		assert_int_equal(
		    map_count(prod.rev, sizeof(struct egr_tuple)), RACE_FLOWS);
		n = 0;
		prev = NULL;
		while (bpf_map_get_next_key(prod.ct, prev, &next) == 0) {
			k = next;
			prev = &k;
			assert_int_equal(
			    bpf_map_lookup_elem(prod.ct, &k, &cv), 0);
			assert_int_equal(
			    bpf_map_lookup_elem(prod.rev, &cv.rev, &rv), 0);
			assert_memory_equal(&rv.orig, &k, sizeof(k));
			n++;
		}
		assert_int_equal(n, RACE_FLOWS);
	}
	stats_read(prod.stats, st);
	print_message("       %llu lost races resolved in %d rounds\n",
	    (unsigned long long)st[EGR_STAT_RACE], RACE_ROUNDS);
}

/* --- cases: what is left alone ----------------------------------------- */

struct pass_case {
	const char *name;
	int in; /* run egr_in, not egr_out */
	struct spec s;
};

static const struct pass_case pass_cases[] = {
	{ "source not a pod", 0,
	    { NOTPOD4, REMOTE4, P_UDP, 1, 2, 0, 0, 0, 4 } },
	{ "destination excluded", 0,
	    { POD4_A, SKIP4, P_UDP, 1, 2, 0, 0, 0, 4 } },
	{ "destination not in a policy", 0,
	    { POD4_A, "192.0.2.9", P_TCP, 1, 2, 0, TCP_SYN, 0, 0 } },
	{ "ipv6 source not a pod", 0,
	    { "fd00:2::1", REMOTE6, P_UDP, 1, 2, 0, 0, 0, 4 } },
	{ "unsolicited udp to the egress IP", 1,
	    { REMOTE4, EGRESS4, P_UDP, 53, 40002, 0, 0, 0, 8 } },
	{ "unsolicited tcp syn to the egress IP", 1,
	    { REMOTE4, EGRESS4, P_TCP, 1234, 22, 0, TCP_SYN, 0, 0 } },
	{ "unsolicited echo request to the egress IP", 1,
	    { REMOTE4, EGRESS4, P_ICMP, 0, 0, ECHO_REQ, 0, 0, 8 } },
	{ "unsolicited ipv6 to the egress IP", 1,
	    { REMOTE6, EGRESS6, P_UDP, 53, 40002, 0, 0, 0, 8 } },
	{ "unsolicited echo reply to the egress IP", 1,
	    { REMOTE6, EGRESS6, P_ICMP6, 9, 0, ECHO_REP, 0, 0, 8 } },
};

static void
pass_case_run(void **state)
{
	const struct pass_case *c = *state;
	struct frame in;

	build(&in, &c->s);
	xpect(&prod, c->in ? prod.in : prod.out, &in, TC_ACT_UNSPEC,
	    EGR_STAT_PASS, 0, &in, NULL);
	assert_int_equal(map_count(prod.ct, sizeof(struct egr_tuple)), 0);
}

/* Established flows exist, but a packet to another port is not theirs. */
static void
test_unsolicited_with_flows(void **state)
{
	struct spec s = { POD4_A, REMOTE4, P_UDP, 40002, 53, 0, 0, 0, 8 };
	struct spec r = { REMOTE4, EGRESS4, P_UDP, 53, 40003, 0, 0, 0, 8 };
	struct frame in;

	(void)state;
	out_ok(&prod, &s, EGRESS4, 40002, 1);
	build(&in, &r);
	xpect(&prod, prod.in, &in, TC_ACT_UNSPEC, EGR_STAT_PASS, 0, &in, NULL);
	r.src = "203.0.113.8"; /* right port, other remote */
	r.dport = 40002;
	build(&in, &r);
	xpect(&prod, prod.in, &in, TC_ACT_UNSPEC, EGR_STAT_PASS, 0, &in, NULL);
}

static void
test_arp_untouched(void **state)
{
	struct frame in;

	(void)state;
	frame_eth(&in, 0);
	put16(in.b + 12, ETH_P_ARP);
	memset(in.b + ETH_HLEN, 0x11, 28);
	in.len = ETH_HLEN + 28;
	xpect(&prod, prod.out, &in, TC_ACT_UNSPEC, EGR_STAT_PASS, 0, &in, NULL);
	xpect(&prod, prod.in, &in, TC_ACT_UNSPEC, EGR_STAT_PASS, 0, &in, NULL);
}

/* --- cases: drops by reason -------------------------------------------- */

enum mangle {
	M_NONE,
	M_TOTLEN_LONG, /* IPv4 total length past the frame */
	M_IHL_SHORT,   /* IHL 4 */
	M_VERSION,     /* IPv4 ethertype, version 6 */
	M_TCP_CUT,     /* datagram ends inside the TCP header */
	M_TCP_DOFF,    /* TCP data offset 3 */
	M_V6_PLEN,     /* IPv6 payload length past the frame */
	M_UDP_CUT,     /* datagram ends inside the UDP header */
};

struct drop_case {
	const char *name;
	int in;
	struct spec s;
	enum mangle m;
	uint32_t reason;
};

static const struct drop_case drop_cases[] = {
	{ "ipv4 total length past the frame", 0,
	    { POD4_A, REMOTE4, P_UDP, 1, 2, 0, 0, 0, 8 }, M_TOTLEN_LONG,
	    EGR_DROP_TRUNCATED },
	{ "ipv4 ihl 4", 0, { POD4_A, REMOTE4, P_UDP, 1, 2, 0, 0, 0, 8 },
	    M_IHL_SHORT, EGR_DROP_MALFORMED },
	{ "ipv4 ethertype, version 6", 0,
	    { POD4_A, REMOTE4, P_UDP, 1, 2, 0, 0, 0, 8 }, M_VERSION,
	    EGR_DROP_MALFORMED },
	{ "tcp header cut", 0,
	    { POD4_A, REMOTE4, P_TCP, 1, 2, 0, TCP_SYN, 0, 0 }, M_TCP_CUT,
	    EGR_DROP_TRUNCATED },
	{ "tcp data offset 3", 0,
	    { POD4_A, REMOTE4, P_TCP, 1, 2, 0, TCP_SYN, 0, 0 }, M_TCP_DOFF,
	    EGR_DROP_MALFORMED },
	{ "ipv6 payload length past the frame", 0,
	    { POD6_A, REMOTE6, P_UDP, 1, 2, 0, 0, 0, 8 }, M_V6_PLEN,
	    EGR_DROP_TRUNCATED },
	{ "udp header cut, in", 1,
	    { REMOTE4, EGRESS4, P_UDP, 1, 2, 0, 0, 0, 0 }, M_UDP_CUT,
	    EGR_DROP_TRUNCATED },
	{ "policy match, gre", 0, { POD4_A, REMOTE4, P_GRE, 0, 0, 0, 0, 0, 8 },
	    M_NONE, EGR_DROP_UNSUPPORTED },
	{ "policy match, icmp timestamp", 0,
	    { POD4_A, REMOTE4, P_ICMP, 0, 0, 13, 0, 0, 12 }, M_NONE,
	    EGR_DROP_UNSUPPORTED },
	{ "policy without a gateway", 0,
	    { POD4_A, NOGW4, P_UDP, 1, 2, 0, 0, 0, 8 }, M_NONE,
	    EGR_DROP_NO_GATEWAY },
};

static void
drop_case_run(void **state)
{
	const struct drop_case *c = *state;
	uint8_t *ip;
	struct frame in;

	build(&in, &c->s);
	ip = in.b + ETH_HLEN;
	switch (c->m) {
	case M_NONE:
		break;
	case M_TOTLEN_LONG:
		put16(ip + 2, (uint16_t)(get16(ip + 2) + 4));
		ip4_csum_set(ip);
		break;
	case M_IHL_SHORT:
		ip[0] = 0x44;
		break;
	case M_VERSION:
		ip[0] = 0x65;
		break;
	case M_TCP_CUT:
		put16(ip + 2, 20 + 10);
		ip4_csum_set(ip);
		in.len = ETH_HLEN + 30;
		break;
	case M_TCP_DOFF:
		ip[20 + 12] = 3 << 4;
		break;
	case M_V6_PLEN:
		put16(ip + 4, (uint16_t)(get16(ip + 4) + 1));
		break;
	case M_UDP_CUT:
		put16(ip + 2, 20 + 6);
		ip4_csum_set(ip);
		in.len = ETH_HLEN + 26;
		break;
	}
	xpect(&prod, c->in ? prod.in : prod.out, &in, TC_ACT_SHOT, c->reason, 0,
	    NULL, NULL);
	assert_int_equal(map_count(prod.ct, sizeof(struct egr_tuple)), 0);
}

/* A policy without an egress IP of the packet's family. */
static void
test_no_egress_addr(void **state)
{
	struct spec s = { POD6_A, REMOTE6, P_UDP, 1, 2, 0, 0, 0, 8 };
	struct egr_policy p;
	uint32_t id = 1;
	struct frame in;

	(void)state;
	assert_int_equal(bpf_map_lookup_elem(prod.policy, &id, &p), 0);
	memset(p.egress6, 0, sizeof(p.egress6));
	assert_int_equal(bpf_map_update_elem(prod.policy, &id, &p, 0), 0);
	build(&in, &s);
	xpect(
	    &prod, prod.out, &in, TC_ACT_SHOT, EGR_DROP_NO_ADDR, 0, NULL, NULL);
	inet_pton(AF_INET6, EGRESS6, p.egress6);
	assert_int_equal(bpf_map_update_elem(prod.policy, &id, &p, 0), 0);
}

/* --- cases: ICMP errors ------------------------------------------------- */

/*
 * From outside: a router's error about a packet we translated comes back
 * to the pod, as an error about the packet the pod sent.
 */
static void
icmp_err_in(const struct spec *s, const char *eaddr, const char *router,
    uint8_t type, uint8_t code, uint32_t mtu, uint32_t qlen)
{
	struct frame pod, wire, in, want;
	struct spec t = *s;

	out_ok(&prod, s, eaddr, s->sport, 1);
	build(&pod, s);
	t.src = eaddr;
	build(&wire, &t);
	build_icmp_err(&in, router, eaddr, type, code, mtu, &wire, qlen);
	build_icmp_err(&want, router, s->src, type, code, mtu, &pod, qlen);
	xpect(&prod, prod.in, &in, TC_ACT_OK, EGR_STAT_ICMP_ERROR, 0, &want,
	    NULL);
}

static void
test_icmp4_frag_needed_udp(void **state)
{
	struct spec s = { POD4_A, REMOTE4, P_UDP, 40010, 4789, 0, 0, 0, 100 };

	(void)state;
	icmp_err_in(&s, EGRESS4, ROUTER4, 3, 4, 1400, 0);
}

static void
test_icmp4_frag_needed_tcp(void **state)
{
	struct spec s = { POD4_A, REMOTE4, P_TCP, 40011, 443, 0, TCP_ACK, 0,
		200 };

	(void)state;
	icmp_err_in(&s, EGRESS4, ROUTER4, 3, 4, 1400, 0);
}

/* RFC 792 quotes 8 bytes: the TCP checksum is not in the quote. */
static void
test_icmp4_short_quote_tcp(void **state)
{
	struct spec s = { POD4_A, REMOTE4, P_TCP, 40012, 443, 0, TCP_ACK, 0,
		200 };

	(void)state;
	icmp_err_in(&s, EGRESS4, ROUTER4, 3, 1, 0, 28);
}

/* traceroute with ICMP echo: time exceeded about our request. */
static void
test_icmp4_time_exceeded_echo(void **state)
{
	struct spec s = { POD4_A, REMOTE4, P_ICMP, 999, 0, ECHO_REQ, 0, 0, 32 };

	(void)state;
	icmp_err_in(&s, EGRESS4, ROUTER4, 11, 0, 0, 0);
}

static void
test_icmp6_packet_too_big(void **state)
{
	struct spec s = { POD6_A, REMOTE6, P_TCP, 40013, 443, 0, TCP_ACK, 0,
		300 };

	(void)state;
	icmp_err_in(&s, EGRESS6, ROUTER6, 2, 0, 1280, 0);
}

static void
test_icmp6_time_exceeded_udp(void **state)
{
	struct spec s = { POD6_A, REMOTE6, P_UDP, 33434, 33435, 0, 0, 0, 20 };

	(void)state;
	icmp_err_in(&s, EGRESS6, ROUTER6, 3, 0, 0, 0);
}

static void
test_icmp6_unreachable_echo(void **state)
{
	struct spec s = { POD6_A, REMOTE6, P_ICMP6, 31, 0, ECHO_REQ, 0, 0, 16 };

	(void)state;
	icmp_err_in(&s, EGRESS6, ROUTER6, 1, 3, 0, 0);
}

/* An error about a packet that is no connection of ours: untouched. */
static void
test_icmp_err_unknown(void **state)
{
	struct spec s = { POD4_A, REMOTE4, P_UDP, 40020, 53, 0, 0, 0, 8 };
	struct frame wire, in;
	struct spec t = s;

	(void)state;
	t.src = EGRESS4;
	build(&wire, &t);
	build_icmp_err(&in, ROUTER4, EGRESS4, 3, 3, 0, &wire, 0);
	xpect(&prod, prod.in, &in, TC_ACT_UNSPEC, EGR_STAT_PASS, 0, &in, NULL);
}

/*
 * From the pod: its error about a reply it received leaves as an error
 * about the reply as it was on the wire.
 */
static void
icmp_err_out(
    const struct spec *s, const char *eaddr, uint8_t type, uint8_t code)
{
	struct frame rpod, rwire, in, want;
	struct spec r = *s;

	out_ok(&prod, s, eaddr, s->sport, 1);
	r.src = s->dst;
	r.dst = eaddr;
	r.sport = s->dport;
	r.dport = s->sport;
	build(&rwire, &r);
	r.dst = s->src;
	build(&rpod, &r);
	build_icmp_err(&in, s->src, s->dst, type, code, 0, &rpod, 0);
	build_icmp_err(&want, eaddr, s->dst, type, code, 0, &rwire, 0);
	xpect(&prod, prod.out, &in, TC_ACT_OK, EGR_STAT_ICMP_ERROR, 0, &want,
	    NULL);
}

static void
test_icmp4_from_pod_port_unreachable(void **state)
{
	struct spec s = { POD4_A, REMOTE4, P_UDP, 40030, 53, 0, 0, 0, 20 };

	(void)state;
	icmp_err_out(&s, EGRESS4, 3, 3);
}

static void
test_icmp6_from_pod_port_unreachable(void **state)
{
	struct spec s = { POD6_A, REMOTE6, P_UDP, 40031, 53, 0, 0, 0, 20 };

	(void)state;
	icmp_err_out(&s, EGRESS6, 1, 4);
}

/* A pod's error about nothing we know must not leave with its address. */
static void
test_icmp_from_pod_unknown(void **state)
{
	struct spec r = { REMOTE4, POD4_A, P_UDP, 53, 40040, 0, 0, 0, 8 };
	struct frame q, in;

	(void)state;
	build(&q, &r);
	build_icmp_err(&in, POD4_A, REMOTE4, 3, 3, 0, &q, 0);
	xpect(
	    &prod, prod.out, &in, TC_ACT_SHOT, EGR_DROP_NO_CONN, 0, NULL, NULL);
}

/* --- cases: fragments --------------------------------------------------- */

static void
frags(const char *pod, const char *remote, const char *eaddr)
{
	struct spec s = { pod, remote, P_UDP, 40050, 5001, 0, 0, 0, 100 };
	struct spec t = s, r, w;
	struct frame whole, f1, f2, e1, e2, o1, o2;

	/* Out: both fragments translated, the datagram's checksum right. */
	build(&whole, &s);
	fragment(&whole, 48, 0x5151, &f1, &f2);
	t.src = eaddr;
	build(&whole, &t);
	fragment(&whole, 48, 0x5151, &e1, &e2);
	xpect(&prod, prod.out, &f1, TC_ACT_OK, EGR_STAT_SNAT, 1, &e1, &o1);
	xpect(&prod, prod.out, &f2, TC_ACT_OK, EGR_STAT_FRAG, 0, &e2, &o2);
	verify_reassembled(&o1, &o2);

	/* In: a fragmented reply goes back to the pod whole. */
	r = s;
	r.src = remote;
	r.dst = eaddr;
	r.sport = s.dport;
	r.dport = s.sport;
	r.len = 120;
	w = r;
	w.dst = pod;
	build(&whole, &r);
	fragment(&whole, 64, 0x6262, &f1, &f2);
	build(&whole, &w);
	fragment(&whole, 64, 0x6262, &e1, &e2);
	xpect(&prod, prod.in, &f1, TC_ACT_OK, EGR_STAT_RSNAT, 0, &e1, &o1);
	xpect(&prod, prod.in, &f2, TC_ACT_OK, EGR_STAT_FRAG, 0, &e2, &o2);
	verify_reassembled(&o1, &o2);
}

static void
test_frag4(void **state)
{
	(void)state;
	frags(POD4_A, REMOTE4, EGRESS4);
}

static void
test_frag6(void **state)
{
	(void)state;
	frags(POD6_A, REMOTE6, EGRESS6);
}

/*
 * A later fragment before its first: no translation known.  Out, it is
 * dropped (it would leave with the pod's address); in, it is the stack's.
 */
static void
frag_out_of_order(const char *pod, const char *remote, const char *eaddr)
{
	struct spec s = { pod, remote, P_UDP, 40060, 5001, 0, 0, 0, 100 };
	struct spec r = { remote, eaddr, P_UDP, 5001, 40060, 0, 0, 0, 100 };
	struct frame whole, f1, f2;

	build(&whole, &s);
	fragment(&whole, 48, 0x7777, &f1, &f2);
	xpect(
	    &prod, prod.out, &f2, TC_ACT_SHOT, EGR_DROP_NO_CONN, 0, NULL, NULL);
	build(&whole, &r);
	fragment(&whole, 48, 0x7778, &f1, &f2);
	xpect(&prod, prod.in, &f2, TC_ACT_UNSPEC, EGR_STAT_PASS, 0, &f2, NULL);
}

static void
test_frag4_out_of_order(void **state)
{
	(void)state;
	frag_out_of_order(POD4_A, REMOTE4, EGRESS4);
}

static void
test_frag6_out_of_order(void **state)
{
	(void)state;
	frag_out_of_order(POD6_A, REMOTE6, EGRESS6);
}

/* --- cases: node steering ----------------------------------------------- */

/* The wrapper's report of a steered frame: mark, VNI, endpoint, TTL. */
static void
steered_ok(const struct __sk_buff *ctx, const char *gwep)
{
	uint8_t ep[16];

	assert_int_equal(ctx->mark & EGR_MARK_STEERED, EGR_MARK_STEERED);
	assert_int_equal(ctx->cb[0], VNI);
	addr16(gwep, ep);
	assert_memory_equal(&ctx->cb[1], ep, 16);
	assert_int_equal(ctx->priority, 64);
}

static void
steer(const char *pod, const char *remote, const char *gwep)
{
	struct spec s = { pod, remote, P_TCP, 40070, 443, 0, TCP_SYN, 0, 0 };
	uint64_t before[EGR_STAT_MAX], after[EGR_STAT_MAX];
	struct __sk_buff ctx;
	struct frame in, out, want;
	uint32_t ret;

	build(&in, &s);
	want = in;
	memcpy(want.b, mac_gw, 6);
	memcpy(want.b + 6, mac_ovl, 6);
	/* The production entry point: verdict, frame, counters. */
	xpect(&prod, prod.out, &in, TC_ACT_REDIRECT, EGR_STAT_STEERED, 0, &want,
	    NULL);
	assert_int_equal(map_count(prod.ct, sizeof(struct egr_tuple)), 0);
	/* The wrapper: mark and tunnel key. */
	memset(&ctx, 0, sizeof(ctx));
	stats_read(wrap.stats, before);
	ret = run_ctx(wrap.out, &in, &out, &ctx);
	stats_read(wrap.stats, after);
	assert_int_equal(ret, TC_ACT_REDIRECT);
	assert_int_equal(after[EGR_STAT_STEERED] - before[EGR_STAT_STEERED], 1);
	assert_int_equal(out.len, want.len);
	assert_memory_equal(out.b, want.b, want.len);
	steered_ok(&ctx, gwep);
}

static void
test_steer4(void **state)
{
	(void)state;
	steer(POD4_A, STEER4, GWEP4);
}

static void
test_steer6(void **state)
{
	(void)state;
	steer(POD6_A, STEER6, GWEP6);
}

/* Later fragments and ICMP errors are steered like the rest. */
static void
test_steer_frag(void **state)
{
	struct spec s = { POD4_A, STEER4, P_UDP, 1, 2, 0, 0, 0, 100 };
	struct frame whole, f1, f2, want;

	(void)state;
	build(&whole, &s);
	fragment(&whole, 48, 0x1111, &f1, &f2);
	want = f2;
	memcpy(want.b, mac_gw, 6);
	memcpy(want.b + 6, mac_ovl, 6);
	xpect(&prod, prod.out, &f2, TC_ACT_REDIRECT, EGR_STAT_STEERED, 0, &want,
	    NULL);
}

/*
 * Several gateways: which one each of n flows is steered to, by the last
 * byte of the tunnel's IPv4 endpoint; 0 for a flow not steered.  Flows
 * are (pod, remote) pairs, what the choice hashes: pods 10.0.1.1-250
 * (class 1), remotes 198.51.100.1 and .2 (policy 2).
 */
#define HASH_FLOWS 300

static void
gw_set(int id, const uint8_t *last, const bool *up, int n)
{
	struct egr_policy p;
	char ep[32];
	int i;

	memset(&p, 0, sizeof(p));
	p.flags = EGR_POL_ACTIVE;
	p.ngw = (uint32_t)n;
	for (i = 0; i < n; i++) {
		p.gw[i].flags = up[i] ? EGR_GW_UP : 0;
		p.gw[i].vni = VNI;
		memcpy(p.gw[i].mac, mac_gw, 6);
		snprintf(ep, sizeof(ep), "172.16.0.%u", last[i]);
		addr16(ep, p.gw[i].endpoint);
	}
	assert_int_equal(bpf_map_update_elem(wrap.policy, &id, &p, 0), 0);
}

static void
gw_assign_by(int prog, uint32_t verdict, uint8_t *to)
{
	struct spec s = { NULL, NULL, P_TCP, 20000, 443, 0, TCP_SYN, 0, 0 };
	char pod[32], remote[32];
	struct __sk_buff ctx;
	struct frame in, out;
	uint8_t ep[16];
	int i;

	for (i = 0; i < HASH_FLOWS; i++) {
		snprintf(pod, sizeof(pod), "10.0.1.%d", i % 250 + 1);
		snprintf(remote, sizeof(remote), "198.51.100.%d", i / 250 + 1);
		s.src = pod;
		s.dst = remote;
		build(&in, &s);
		memset(&ctx, 0, sizeof(ctx));
		to[i] = 0;
		if (run_ctx(prog, &in, &out, &ctx) != verdict ||
		    !(ctx.mark & EGR_MARK_STEERED))
			continue;
		memcpy(ep, &ctx.cb[1], 16);
		to[i] = ep[15];
	}
}

static void
gw_assign(uint8_t *to)
{
	gw_assign_by(wrap.out, TC_ACT_REDIRECT, to);
}

/*
 * Rendezvous hashing across a policy's gateways: every gateway up gets
 * a share; one going down moves only its own flows; one added takes
 * flows only for itself; the order of the list changes nothing; none up
 * drops.
 */
static void
test_steer_hash(void **state)
{
	static const uint8_t abc[] = { 11, 12, 13 }, cab[] = { 13, 11, 12 },
			     abcd[] = { 11, 12, 13, 14 };
	static const bool all[] = { true, true, true, true },
			  b_down[] = { true, false, true },
			  none[] = { false, false, false };
	uint8_t base[HASH_FLOWS], to[HASH_FLOWS];
	int i, n[256] = { 0 }, moved = 0;

	(void)state;
	gw_set(2, abc, all, 3);
	gw_assign(base);
	for (i = 0; i < HASH_FLOWS; i++)
		n[base[i]]++;
	/* 300 flows over 3: each far from empty (expected 100). */
	assert_true(n[11] > 50 && n[12] > 50 && n[13] > 50);
	assert_int_equal(n[11] + n[12] + n[13], HASH_FLOWS);
	/* The same set in another order: the same choices. */
	map_clear(wrap.pin, sizeof(struct egr_pin_key));
	gw_set(2, cab, all, 3);
	gw_assign(to);
	assert_memory_equal(to, base, HASH_FLOWS);
	/* 12 down: only its flows move, to 11 or 13. */
	map_clear(wrap.pin, sizeof(struct egr_pin_key));
	gw_set(2, abc, b_down, 3);
	gw_assign(to);
	for (i = 0; i < HASH_FLOWS; i++) {
		if (base[i] != 12)
			assert_int_equal(to[i], base[i]);
		else
			assert_true(to[i] == 11 || to[i] == 13);
	}
	/* 14 added: a flow keeps its gateway or goes to 14, about 1/4 do. */
	map_clear(wrap.pin, sizeof(struct egr_pin_key));
	gw_set(2, abcd, all, 4);
	gw_assign(to);
	for (i = 0; i < HASH_FLOWS; i++) {
		if (to[i] != base[i]) {
			assert_int_equal(to[i], 14);
			moved++;
		}
	}
	assert_true(moved > 40 && moved < 110);
	/* The ports are not hashed: later fragments go with their flow. */
	for (i = 0; i < 3; i++) {
		struct spec t = { POD4_A, STEER4, P_UDP, (uint16_t)(1000 + i),
			53, 0, 0, 0, 100 };
		struct frame whole, f1, f2, o;
		struct __sk_buff c1, c2;

		build(&whole, &t);
		fragment(&whole, 48, (uint16_t)(0x2000 + i), &f1, &f2);
		memset(&c1, 0, sizeof(c1));
		memset(&c2, 0, sizeof(c2));
		assert_int_equal(
		    run_ctx(wrap.out, &f1, &o, &c1), TC_ACT_REDIRECT);
		assert_int_equal(
		    run_ctx(wrap.out, &f2, &o, &c2), TC_ACT_REDIRECT);
		assert_memory_equal(&c1.cb[1], &c2.cb[1], 16);
	}
	/* None up: dropped, never steered nor let out. */
	gw_set(2, abc, none, 3);
	gw_assign(to);
	for (i = 0; i < HASH_FLOWS; i++)
		assert_int_equal(to[i], 0);
	policies_set(&wrap);
}

/*
 * Pins: a pair stays with its gateway; moved by a failure, it stays with
 * the survivor when the failed gateway returns, which gets only pairs it
 * has not seen.
 */
/*
 * Every pin has its seen time; one older than a second is refreshed by
 * the next packet of its pair (ferryd forgets the pins idle too long).
 */
static void
pins_seen_refreshed(void)
{
	static struct egr_pin_key keys[HASH_FLOWS + 1];
	struct egr_pin_key *prev = NULL;
	struct egr_pin_val v;
	uint8_t again[HASH_FLOWS];
	int i, n = 0;

	/* The keys first: an update moves an entry under the iteration. */
	while (n <= HASH_FLOWS &&
	    bpf_map_get_next_key(wrap.pin, prev, &keys[n]) == 0)
		prev = &keys[n++];
	assert_int_equal(n, HASH_FLOWS);
	for (i = 0; i < n; i++) {
		assert_int_equal(
		    bpf_map_lookup_elem(wrap.pin, &keys[i], &v), 0);
		if (v.seen < v.since || v.since == 0)
			fail_msg("pin since %llu seen %llu",
			    (unsigned long long)v.since,
			    (unsigned long long)v.seen);
		/* Make every pin look 5 s older. */
		v.seen -= 5000000000ULL;
		assert_int_equal(
		    bpf_map_update_elem(wrap.pin, &keys[i], &v, BPF_EXIST), 0);
	}
	gw_assign(again);
	for (i = 0; i < n; i++) {
		assert_int_equal(
		    bpf_map_lookup_elem(wrap.pin, &keys[i], &v), 0);
		/* pinned under 5 s ago: an unrefreshed one is before it */
		assert_true(v.seen >= v.since);
	}
}

static void
test_steer_pins(void **state)
{
	static const uint8_t abc[] = { 11, 12, 13 };
	static const bool all[] = { true, true, true },
			  b_down[] = { true, false, true };
	uint8_t base[HASH_FLOWS], down[HASH_FLOWS], back[HASH_FLOWS];
	int i, moved = 0;

	(void)state;
	gw_set(2, abc, all, 3);
	gw_assign(base);
	assert_int_equal(
	    map_count(wrap.pin, sizeof(struct egr_pin_key)), HASH_FLOWS);
	gw_set(2, abc, b_down, 3);
	gw_assign(down);
	gw_set(2, abc, all, 3);
	gw_assign(back);
	for (i = 0; i < HASH_FLOWS; i++) {
		if (base[i] == 12) {
			assert_true(down[i] == 11 || down[i] == 13);
			moved++;
		} else
			assert_int_equal(down[i], base[i]);
		/* 12 is back: nothing returns to it. */
		assert_int_equal(back[i], down[i]);
	}
	assert_true(moved > 50);
	pins_seen_refreshed();
	/* Unpinned, the same pairs hash as at first: 12 gets its share. */
	map_clear(wrap.pin, sizeof(struct egr_pin_key));
	gw_assign(back);
	assert_memory_equal(back, base, HASH_FLOWS);
	policies_set(&wrap);
}

/*
 * On a node, a mid-stream segment of a policy with several gateways is
 * steered like any other: the gateway decides.
 */
static void
test_reset_node_steers(void **state)
{
	static const uint8_t ab[] = { 11, 12 };
	static const bool up[] = { true, true };
	struct spec s = { POD4_A, STEER4, P_TCP, 41009, 80, 0, TCP_ACK, 0, 9 };
	struct frame in, want;

	(void)state;
	gw_set(2, ab, up, 2);
	build(&in, &s);
	want = in;
	memcpy(want.b, mac_gw, 6);
	memcpy(want.b + 6, mac_ovl, 6);
	xpect(&wrap, wrap.out, &in, TC_ACT_REDIRECT, EGR_STAT_STEERED, 0, &want,
	    NULL);
	policies_set(&wrap);
}

/* --- cases: steering on the overlay device (egr_ovl_out) --------------- */

/*
 * A policy's frame routed into the overlay: addressed to its gateway as
 * egr_out would (MACs, tunnel key, mark) but left to go on, to
 * ovl_egress, not redirected.
 */
static void
ovl_steer(const char *pod, const char *remote, const char *gwep)
{
	struct spec s = { pod, remote, P_TCP, 40071, 443, 0, TCP_SYN, 0, 0 };
	struct __sk_buff ctx;
	struct frame in, out, want;

	build(&in, &s);
	want = in;
	memcpy(want.b, mac_gw, 6);
	memcpy(want.b + 6, mac_ovl, 6);
	xpect(&prod, prod.ovl, &in, (uint32_t)TC_ACT_UNSPEC, EGR_STAT_STEERED,
	    0, &want, NULL);
	memset(&ctx, 0, sizeof(ctx));
	assert_int_equal(
	    run_ctx(wrap.ovl, &in, &out, &ctx), (uint32_t)TC_ACT_UNSPEC);
	assert_memory_equal(out.b, want.b, want.len);
	steered_ok(&ctx, gwep);
	assert_int_equal(map_count(prod.ct, sizeof(struct egr_tuple)), 0);
}

static void
test_ovl_steer(void **state)
{
	(void)state;
	ovl_steer(POD4_A, STEER4, GWEP4);
	ovl_steer(POD6_A, STEER6, GWEP6);
}

/* in, with mark, goes on through egr_ovl_out as it came, uncounted. */
static void
ovl_untouched(const struct frame *in, uint32_t mark)
{
	uint64_t before[EGR_STAT_MAX], after[EGR_STAT_MAX];
	struct __sk_buff ctx;
	struct frame out;

	memset(&ctx, 0, sizeof(ctx));
	ctx.mark = mark;
	stats_read(prod.stats, before);
	assert_int_equal(
	    run_ctx(prod.ovl, in, &out, &ctx), (uint32_t)TC_ACT_UNSPEC);
	stats_read(prod.stats, after);
	assert_memory_equal(before, after, sizeof(before));
	assert_int_equal(out.len, in->len);
	assert_memory_equal(out.b, in->b, in->len);
	assert_int_equal(ctx.mark, mark);
}

/* ovl_untouched for a frame of each of n specs, unmarked. */
static void
ovl_untouched_all(const struct spec *specs, size_t n)
{
	struct frame in;
	size_t i;

	for (i = 0; i < n; i++) {
		build(&in, &specs[i]);
		ovl_untouched(&in, 0);
	}
}

/*
 * Everything but a remote gateway's policy goes on to ovl_egress as it
 * came, uncounted: other sources and destinations, an excluded
 * destination, a policy served here (translated on the uplink), ARP, a
 * malformed frame (ovl_egress's to judge), a frame egr_out already
 * steered on the uplink (not chosen again).
 */
static void
test_ovl_untouched(void **state)
{
	static const struct spec specs[] = {
		{ NOTPOD4, STEER4, P_TCP, 1000, 443, 0, TCP_SYN, 0, 0 },
		{ POD4_A, "192.0.2.77", P_UDP, 1000, 53, 0, 0, 0, 10 },
		{ POD4_A, SKIP4, P_TCP, 1000, 443, 0, TCP_SYN, 0, 0 },
		{ POD4_A, REMOTE4, P_TCP, 1000, 443, 0, TCP_SYN, 0, 0 },
		{ POD4_A, HA4, P_TCP, 1000, 443, 0, TCP_SYN, 0, 0 },
		{ POD6_A, REMOTE6, P_UDP, 1000, 53, 0, 0, 0, 10 },
		{ POD6_A, HA6, P_TCP, 1000, 443, 0, TCP_SYN, 0, 0 },
	};
	struct spec s = { POD4_A, STEER4, P_TCP, 1000, 443, 0, TCP_SYN, 0, 0 };
	struct frame in;

	(void)state;
	ovl_untouched_all(specs, sizeof(specs) / sizeof(specs[0]));
	assert_int_equal(map_count(prod.ct, sizeof(struct egr_tuple)), 0);
	frame_eth(&in, 0);
	put16(in.b + 12, ETH_P_ARP);
	memset(in.b + ETH_HLEN, 0x11, 28);
	in.len = ETH_HLEN + 28;
	ovl_untouched(&in, 0);
	frame_eth(&in, 0);
	in.b[ETH_HLEN] = 0x45;
	put16(in.b + ETH_HLEN + 2, 1000); /* total length past the frame */
	in.len = ETH_HLEN + 20;
	ovl_untouched(&in, 0);
	build(&in, &s);
	ovl_untouched(&in, EGR_MARK_STEERED);
}

/* No underlay source of family 4 or 6 in o's egr_config. */
static void
config_no_local(const struct egr_obj *o, int family)
{
	struct egr_config c;
	uint32_t zero = 0;

	assert_int_equal(bpf_map_lookup_elem(o->config, &zero, &c), 0);
	if (family == 4)
		c.local4 = 0;
	else
		memset(c.local6, 0, sizeof(c.local6));
	assert_int_equal(bpf_map_update_elem(o->config, &zero, &c, 0), 0);
}

/*
 * A gateway endpoint of the other family than the frame's, on a host
 * with an underlay source of the frame's: steered, the frame would come
 * from our source of the other family, which the gateway does not
 * accept our pods of this one from (spoof), so it goes on to the
 * route's tunnel untouched.  Without a source of the frame's family
 * (a single-family underlay) it is steered across.
 */
static void
test_ovl_cross(void **state)
{
	static const struct spec specs[] = {
		{ POD6_A, STEER6X, P_TCP, 1000, 443, 0, TCP_SYN, 0, 0 },
		{ POD4_A, STEER4X, P_TCP, 1000, 443, 0, TCP_SYN, 0, 0 },
	};

	(void)state;
	ovl_untouched_all(specs, sizeof(specs) / sizeof(specs[0]));
	config_no_local(&prod, 6);
	config_no_local(&wrap, 6);
	ovl_steer(POD6_A, STEER6X, GWEP4);
	config_set(&prod, 0, 0);
	config_set(&wrap, 0, 0);
	config_no_local(&prod, 4);
	config_no_local(&wrap, 4);
	ovl_steer(POD4_A, STEER4X, GWEP6);
}

/*
 * The same gateway choice as egr_out, pins included, and the same drop
 * when no gateway is up.
 */
static void
test_ovl_hash(void **state)
{
	static const uint8_t abc[] = { 11, 12, 13 };
	static const bool all[] = { true, true, true },
			  b_down[] = { true, false, true },
			  none[] = { false, false, false };
	struct spec s = { POD4_A, STEER4, P_TCP, 1000, 443, 0, TCP_SYN, 0, 0 };
	uint8_t base[HASH_FLOWS], to[HASH_FLOWS];
	struct frame in;
	int i, n[256] = { 0 };

	(void)state;
	gw_set(2, abc, all, 3);
	gw_assign(base);
	map_clear(wrap.pin, sizeof(struct egr_pin_key));
	gw_assign_by(wrap.ovl, (uint32_t)TC_ACT_UNSPEC, to);
	assert_memory_equal(to, base, HASH_FLOWS);
	for (i = 0; i < HASH_FLOWS; i++)
		n[to[i]]++;
	assert_true(n[11] > 50 && n[12] > 50 && n[13] > 50);
	/* 12 down: its pairs move and are pinned where they went ... */
	gw_set(2, abc, b_down, 3);
	gw_assign_by(wrap.ovl, (uint32_t)TC_ACT_UNSPEC, to);
	for (i = 0; i < HASH_FLOWS; i++)
		if (base[i] == 12)
			assert_true(to[i] == 11 || to[i] == 13);
		else
			assert_int_equal(to[i], base[i]);
	/* ... and stay there when it is back, on either program. */
	gw_set(2, abc, all, 3);
	gw_assign(base);
	gw_assign_by(wrap.ovl, (uint32_t)TC_ACT_UNSPEC, to);
	assert_memory_equal(to, base, HASH_FLOWS);
	for (i = 0; i < HASH_FLOWS; i++)
		assert_true(to[i] != 0);
	gw_set(2, abc, none, 3);
	build(&in, &s);
	xpect(&wrap, wrap.ovl, &in, TC_ACT_SHOT, EGR_DROP_NO_GATEWAY, 0, NULL,
	    NULL);
	policies_set(&wrap);
}

/* --- setup ------------------------------------------------------------- */

static int
libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int
map_fd(struct bpf_object *obj, const char *name)
{
	return bpf_object__find_map_fd_by_name(obj, name);
}

static int
prog_fd(struct bpf_object *obj, const char *name)
{
	struct bpf_program *p = bpf_object__find_program_by_name(obj, name);

	return p ? bpf_program__fd(p) : -1;
}

/* Returns 0 or a negative errno.  ct_size 0: as built. */
static int
egr_obj_load(struct egr_obj *o, const char *path, const char *out,
    const char *ovl, uint32_t ct_size)
{
	struct bpf_map *m;
	int err;

	o->obj = bpf_object__open_file(path, NULL);
	if (!o->obj) {
		err = -errno;
		fprintf(stderr, "test_egress: open %s: %s\n", path,
		    strerror(errno));
		return err;
	}
	/* Never touch /sys/fs/bpf: fresh, unpinned maps for the test. */
	bpf_object__for_each_map(m, o->obj)
	{
		err = bpf_map__set_pin_path(m, NULL);
		if (err)
			return err;
		if (ct_size &&
		    (!strcmp(bpf_map__name(m), EGR_MAP_CT) ||
			!strcmp(bpf_map__name(m), EGR_MAP_REV))) {
			err = bpf_map__set_max_entries(m, ct_size);
			if (err)
				return err;
		}
	}
	err = bpf_object__load(o->obj);
	if (err)
		return err;
	o->src4 = map_fd(o->obj, EGR_MAP_SRC4);
	o->src6 = map_fd(o->obj, EGR_MAP_SRC6);
	o->dst4 = map_fd(o->obj, EGR_MAP_DST4);
	o->dst6 = map_fd(o->obj, EGR_MAP_DST6);
	o->policy = map_fd(o->obj, EGR_MAP_POLICY);
	o->config = map_fd(o->obj, EGR_MAP_CONFIG);
	o->ct = map_fd(o->obj, EGR_MAP_CT);
	o->rev = map_fd(o->obj, EGR_MAP_REV);
	o->frag = map_fd(o->obj, EGR_MAP_FRAG);
	o->pin = map_fd(o->obj, EGR_MAP_PIN);
	o->stats = map_fd(o->obj, EGR_MAP_STATS);
	o->sync = map_fd(o->obj, EGR_MAP_SYNC);
	o->sync_ctl = map_fd(o->obj, EGR_MAP_SYNC_CTL);
	o->out = prog_fd(o->obj, out);
	o->in = prog_fd(o->obj, EGR_PROG_IN);
	o->ovl = prog_fd(o->obj, ovl);
	if (o->src4 < 0 || o->src6 < 0 || o->dst4 < 0 || o->dst6 < 0 ||
	    o->policy < 0 || o->config < 0 || o->ct < 0 || o->rev < 0 ||
	    o->frag < 0 || o->stats < 0 || o->sync < 0 || o->sync_ctl < 0 ||
	    o->out < 0 || o->in < 0 || o->ovl < 0) {
		fprintf(
		    stderr, "test_egress: %s lacks a map or program\n", path);
		return -ENOENT;
	}
	policies_set(o);
	return 0;
}

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define CASES(arr, fn)                                                       \
	do {                                                                 \
		for (i = 0; i < NELEM(arr); i++) {                           \
			tests[n].name = arr[i].name;                         \
			tests[n].test_func = fn;                             \
			tests[n].setup_func = fixture_setup;                 \
			tests[n].initial_state = (void *)(uintptr_t)&arr[i]; \
			n++;                                                 \
		}                                                            \
	} while (0)

#define ONE(fn)       \
	(tests[n++] = \
		(struct CMUnitTest)cmocka_unit_test_setup(fn, fixture_setup))

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
	snprintf(ppath, sizeof(ppath), "%s/bpf/egress.bpf.o", dir);
	snprintf(wpath, sizeof(wpath), "%s/tests/bpf/egress_test.bpf.o", dir);

	libbpf_set_print(libbpf_print);
	ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0) {
		fprintf(stderr, "test_egress: cannot count CPUs\n");
		return 1;
	}
	err = egr_obj_load(&prod, ppath, EGR_PROG_OUT, EGR_PROG_OVL, 0);
	if (!err)
		err =
		    egr_obj_load(&small, ppath, EGR_PROG_OUT, EGR_PROG_OVL, 4);
	if (!err)
		err = egr_obj_load(
		    &wrap, wpath, "egr_test_out", "egr_test_ovl", 0);
	if (err == -EPERM) {
		fprintf(stderr,
		    "test_egress: SKIP: no privilege to load BPF programs "
		    "(needs root or CAP_BPF + CAP_NET_ADMIN)\n");
		return 77;
	}
	if (err) {
		fprintf(stderr, "test_egress: loading BPF objects failed: %s\n",
		    strerror(-err));
		return 1;
	}

	tests = calloc(
	    NELEM(flow_cases) + NELEM(pass_cases) + NELEM(drop_cases) + 64,
	    sizeof(*tests));
	if (!tests)
		return 1;
	CASES(flow_cases, flow_case_run);
	ONE(test_icmp4_echo_all_zero);
	ONE(test_tcp_states);
	ONE(test_tcp_midstream);
	ONE(test_reset_ack4);
	ONE(test_reset_fin4);
	ONE(test_reset_ack6);
	ONE(test_reset_fin6);
	ONE(test_reset_not);
	ONE(test_reset_not_hdrs);
	ONE(test_collision_udp4);
	ONE(test_collision_tcp6);
	ONE(test_collision_icmp4);
	ONE(test_port_per_destination);
	ONE(test_port_exhaustion);
	ONE(test_slice_ports);
	ONE(test_slice_exhaustion);
	ONE(test_sync_hold);
	ONE(test_table_full);
	ONE(test_race_one_translation);
	CASES(pass_cases, pass_case_run);
	ONE(test_unsolicited_with_flows);
	ONE(test_arp_untouched);
	CASES(drop_cases, drop_case_run);
	ONE(test_no_egress_addr);
	ONE(test_icmp4_frag_needed_udp);
	ONE(test_icmp4_frag_needed_tcp);
	ONE(test_icmp4_short_quote_tcp);
	ONE(test_icmp4_time_exceeded_echo);
	ONE(test_icmp6_packet_too_big);
	ONE(test_icmp6_time_exceeded_udp);
	ONE(test_icmp6_unreachable_echo);
	ONE(test_icmp_err_unknown);
	ONE(test_icmp4_from_pod_port_unreachable);
	ONE(test_icmp6_from_pod_port_unreachable);
	ONE(test_icmp_from_pod_unknown);
	ONE(test_frag4);
	ONE(test_frag6);
	ONE(test_frag4_out_of_order);
	ONE(test_frag6_out_of_order);
	ONE(test_steer4);
	ONE(test_steer6);
	ONE(test_steer_frag);
	ONE(test_steer_hash);
	ONE(test_steer_pins);
	ONE(test_reset_node_steers);
	ONE(test_ovl_steer);
	ONE(test_ovl_untouched);
	ONE(test_ovl_cross);
	ONE(test_ovl_hash);

	failed = _cmocka_run_group_tests("egress", tests, n, NULL, NULL);
	free(tests);
	bpf_object__close(wrap.obj);
	bpf_object__close(small.obj);
	bpf_object__close(prod.obj);
	return failed ? 1 : 0;
}
