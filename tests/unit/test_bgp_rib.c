/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for the RIB (bgp_rib.h): the decision process step by step,
 * import and export policy, route reflection, well-known communities,
 * attribute rewriting, pools, Adj-RIB-Out packing, End-of-RIB, route
 * refresh and the read-only views.
 *
 * Everything goes through the public interface the sessions use: UPDATEs
 * are built as octets, decoded with bgp_update_decode and handed to
 * rib_peer_input; what the RIB sends is drained with rib_peer_output and
 * decoded again, so each test asserts the exact attributes on the wire.
 * Each test ends by freeing the RIB and checking that every live-object
 * counter is back at zero.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "bgp_rib.h"
#include "xalloc.h"

OBJCOUNT_DECLARE(rib_prefix);
OBJCOUNT_DECLARE(rib_path);
OBJCOUNT_DECLARE(rib_aset);
OBJCOUNT_DECLARE(rib_peer);

#define MY_AS 65000u
#define MY_ID "192.0.2.100"

/* The test world: a config, its neighbors, a RIB, hook records. */
static struct bgp_conf conf;
static struct bgp_neighbor nbs[8];
static struct rib *rib;
static struct rib_peer *peers[8];
static int ready_calls;
static int best_calls;
static size_t best_n;
static struct prefix best_pfx;
static struct rib_nexthop best_nh[8];
/* Live objects when the world was made: a failed test leaks its world
 * (cmocka jumps out of it), which must not fail the next ones. */
static int64_t live0[4];

static void
hook_ready(void *ctx, struct rib_peer *rp)
{
	(void)ctx;
	(void)rp;
	ready_calls++;
}

static void
hook_best(
    void *ctx, const struct prefix *p, const struct rib_nexthop *nh, size_t n)
{
	(void)ctx;
	best_calls++;
	best_pfx = *p;
	best_n = n;
	memcpy(best_nh, nh, (n < 8 ? n : 8) * sizeof(*nh));
}

/* path_changed, in order: gateway, peer, gone. */
static struct {
	struct addr gw, peer;
	bool gone;
} pathev[16];
static int npathev;

static void
hook_path(
    void *ctx, const struct prefix *p, const struct rib_nexthop *nh, bool gone)
{
	(void)ctx;
	(void)p;
	if (npathev < 16) {
		pathev[npathev].gw = nh->gw;
		pathev[npathev].peer = nh->peer;
		pathev[npathev].gone = gone;
	}
	npathev++;
}

static const struct rib_hooks hooks = { hook_ready, hook_best, hook_path };

static struct addr
A(const char *s) {
	struct addr a;

	assert_int_equal(addr_parse(s, &a), 0);
	return a;
}

static struct prefix
P(const char *s) {
	struct prefix p;

	assert_int_equal(prefix_parse(s, &p, true), 0);
	return p;
}

/* Neighbor i at 192.0.2.(i+1) (or 2001:db8::i+1), AS asn. */
static struct bgp_neighbor *
nb_init(int i, uint32_t asn)
{
	struct bgp_neighbor *nb = &nbs[i];
	char buf[64];

	memset(nb, 0, sizeof(*nb));
	snprintf(buf, sizeof(buf), "192.0.2.%d", i + 1);
	nb->addr = A(buf);
	nb->asn = asn;
	nb->families = BGP_FAM_IPV4 | BGP_FAM_IPV6;
	if (asn != MY_AS) {
		nb->has_import = nb->has_export = true;
		nb->import.all = true;
		nb->export.learned = true;
	}
	return nb;
}

static void
world(unsigned ecmp)
{
	memset(&conf, 0, sizeof(conf));
	conf.enabled = true;
	conf.asn = MY_AS;
	conf.router_id = A(MY_ID);
	conf.ecmp = ecmp;
	ready_calls = best_calls = npathev = 0;
	best_n = 0;
	memset(peers, 0, sizeof(peers));
	live0[0] = objcount_rib_prefix.live;
	live0[1] = objcount_rib_path.live;
	live0[2] = objcount_rib_aset.live;
	live0[3] = objcount_rib_peer.live;
	rib = rib_new(&conf, &hooks, NULL);
}

static void
peer_up_id(int i, uint32_t bgp_id, bool as4)
{
	struct rib_peer_info info;
	char buf[64];

	memset(&info, 0, sizeof(info));
	info.asn = nbs[i].asn;
	info.bgp_id = bgp_id;
	info.addr = nbs[i].addr;
	info.ibgp = nbs[i].asn == MY_AS;
	info.as4 = as4;
	info.families = BGP_FAM_IPV4 | BGP_FAM_IPV6;
	info.refresh = info.enhanced_refresh = true;
	info.local4 = A("192.0.2.100");
	info.local6 = A("2001:db8::100");
	snprintf(buf, sizeof(buf), "fe80::%d", i + 100);
	info.local6_ll = A(buf);
	if (peers[i] == NULL)
		peers[i] = rib_peer_new(rib, &nbs[i], &nbs[i]);
	rib_peer_up(peers[i], &info);
}

static void
peer_up(int i)
{
	peer_up_id(i, 0x0a000001u + (uint32_t)i, true);
}

static void
teardown_world(void)
{
	int i;

	for (i = 0; i < 8; i++) {
		rib_peer_free(peers[i]);
		peers[i] = NULL;
	}
	rib_free(rib);
	rib = NULL;
	assert_int_equal(objcount_rib_prefix.live, live0[0]);
	assert_int_equal(objcount_rib_path.live, live0[1]);
	assert_int_equal(objcount_rib_aset.live, live0[2]);
	assert_int_equal(objcount_rib_peer.live, live0[3]);
}

/* Attribute blocks. */

struct ab {
	uint8_t b[2048];
	size_t n;
};

static void
ab_attr(struct ab *ab, uint8_t flags, uint8_t type, const void *v, size_t len)
{
	ab->b[ab->n++] = flags;
	ab->b[ab->n++] = type;
	ab->b[ab->n++] = (uint8_t)len;
	memcpy(ab->b + ab->n, v, len);
	ab->n += len;
}

static void
ab_u32(struct ab *ab, uint8_t flags, uint8_t type, uint32_t v)
{
	uint32_t be = htonl(v);

	ab_attr(ab, flags, type, &be, 4);
}

/* ORIGIN o, AS_SEQUENCE of n 4-octet ASes, NEXT_HOP nh (NULL: none). */
static struct ab *
ab_basic(struct ab *ab, uint8_t origin, const char *nh, int n, ...)
{
	uint8_t path[64];
	size_t len = 0;
	struct addr a;
	va_list ap;
	int i;

	memset(ab, 0, sizeof(*ab));
	ab_attr(ab, 0x40, BGP_ATTR_ORIGIN, &origin, 1);
	if (n > 0) {
		path[len++] = BGP_ASPATH_SEQUENCE;
		path[len++] = (uint8_t)n;
	}
	va_start(ap, n);
	for (i = 0; i < n; i++) {
		uint32_t as = htonl(va_arg(ap, uint32_t));

		memcpy(path + len, &as, 4);
		len += 4;
	}
	va_end(ap);
	ab_attr(ab, 0x40, BGP_ATTR_AS_PATH, path, len);
	if (nh != NULL) {
		a = A(nh);
		ab_attr(ab, 0x40, BGP_ATTR_NEXT_HOP, &a.v4, 4);
	}
	return ab;
}

static void
ab_comms(struct ab *ab, int n, ...)
{
	uint32_t v[16];
	va_list ap;
	int i;

	va_start(ap, n);
	for (i = 0; i < n; i++)
		v[i] = htonl(va_arg(ap, uint32_t));
	va_end(ap);
	ab_attr(ab, 0xc0, BGP_ATTR_COMMUNITIES, v, (size_t)n * 4);
}

/* MP_REACH_NLRI for IPv6 with next hop nh and the given prefixes. */
static void
ab_mp_reach6(struct ab *ab, const char *nh, const char *const *pfx)
{
	uint8_t v[512];
	size_t len = 0;
	struct addr a = A(nh);
	struct prefix p;

	v[len++] = 0;
	v[len++] = BGP_AFI_IPV6;
	v[len++] = BGP_SAFI_UNICAST;
	v[len++] = 16;
	memcpy(v + len, a.bytes, 16);
	len += 16;
	v[len++] = 0;
	for (; *pfx != NULL; pfx++) {
		p = P(*pfx);
		v[len++] = p.len;
		memcpy(v + len, p.addr.bytes, (p.len + 7u) / 8);
		len += (p.len + 7u) / 8;
	}
	ab_attr(ab, 0x80, BGP_ATTR_MP_REACH_NLRI, v, len);
}

/* Send an UPDATE from peer i: withdrawn prefixes, attributes, NLRI. */
static enum rib_input_result
send_update(
    int i, const char *const *wd, const struct ab *ab, const char *const *nlri)
{
	struct bgp_attr_opts o = { .as4 = true, .ebgp = nbs[i].asn != MY_AS };
	uint8_t msg[4096];
	size_t len = 23, wlen = 0;
	struct bgp_update u;
	struct bgp_err err;
	struct prefix p;

	memset(msg, 0xff, 16);
	msg[18] = BGP_MSG_UPDATE;
	for (; wd != NULL && *wd != NULL; wd++) {
		p = P(*wd);
		msg[21 + wlen++] = p.len;
		memcpy(msg + 21 + wlen, p.addr.bytes, (p.len + 7u) / 8);
		wlen += (p.len + 7u) / 8;
	}
	msg[19] = (uint8_t)(wlen >> 8);
	msg[20] = (uint8_t)wlen;
	len = 21 + wlen;
	msg[len++] = (uint8_t)((ab != NULL ? ab->n : 0) >> 8);
	msg[len++] = (uint8_t)(ab != NULL ? ab->n : 0);
	if (ab != NULL) {
		memcpy(msg + len, ab->b, ab->n);
		len += ab->n;
	}
	for (; nlri != NULL && *nlri != NULL; nlri++) {
		p = P(*nlri);
		msg[len++] = p.len;
		memcpy(msg + len, p.addr.bytes, (p.len + 7u) / 8);
		len += (p.len + 7u) / 8;
	}
	msg[16] = (uint8_t)(len >> 8);
	msg[17] = (uint8_t)len;
	assert_true(bgp_update_decode(msg, len, &o, &u, &err) <
	    BGP_ACT_TREAT_AS_WITHDRAW);
	return rib_peer_input(peers[i], &u);
}

#define L(...) ((const char *const[]){ __VA_ARGS__, NULL })

static enum rib_input_result
announce(int i, const struct ab *ab, const char *pfx)
{
	return send_update(i, NULL, ab, L(pfx));
}

static void
withdraw(int i, const char *pfx)
{
	send_update(i, L(pfx), NULL, NULL);
}

/* What a peer was sent. */

struct sent {
	struct prefix p;
	bool withdraw;
	struct bgp_attrs a;
	struct bgp_mp_nexthop nh;
};

static struct wbuf outbuf;
static struct sent sent[8192];
static size_t nsent, nupd, neor, nother;
static uint8_t refresh_sub[16];
static size_t nrefresh;
static int eor_before_updates;

static void
drain_buf(int i, size_t budget)
{
	struct bgp_attr_opts o = { .as4 = true, .ebgp = false };
	struct bgp_nlri_iter it;
	struct bgp_update u;
	struct bgp_refresh r;
	struct bgp_err err;
	struct prefix p;
	size_t off, len;

	wbuf_free(&outbuf);
	wbuf_init(&outbuf, 4096);
	nsent = nupd = neor = nother = nrefresh = 0;
	eor_before_updates = 0;
	while (rib_peer_output(peers[i], &outbuf, budget))
		;
	for (off = 0; off < outbuf.len; off += len) {
		len =
		    (size_t)outbuf.data[off + 16] << 8 | outbuf.data[off + 17];
		assert_true(len >= 19 && off + len <= outbuf.len);
		if (outbuf.data[off + 18] == BGP_MSG_ROUTE_REFRESH) {
			assert_int_equal(bgp_msg_refresh_decode(
					     outbuf.data + off, len, &r, &err),
			    BGP_ACT_OK);
			refresh_sub[nrefresh++] = r.subtype;
			continue;
		}
		assert_int_equal(outbuf.data[off + 18], BGP_MSG_UPDATE);
		assert_int_equal(
		    bgp_update_decode(outbuf.data + off, len, &o, &u, &err),
		    BGP_ACT_OK);
		if (u.eor) {
			neor++;
			continue;
		}
		if (neor > 0)
			eor_before_updates++;
		nupd++;
		bgp_update_nlri_iter(&it, &u.withdrawn);
		while (bgp_update_nlri_next(&it, &p))
			sent[nsent++] =
			    (struct sent){ .p = p, .withdraw = true };
		bgp_update_nlri_iter(&it, &u.mp_unreach);
		while (bgp_update_nlri_next(&it, &p))
			sent[nsent++] =
			    (struct sent){ .p = p, .withdraw = true };
		bgp_update_nlri_iter(&it, &u.nlri);
		while (bgp_update_nlri_next(&it, &p))
			sent[nsent++] = (struct sent){ .p = p, .a = u.attrs };
		bgp_update_nlri_iter(&it, &u.mp_reach);
		while (bgp_update_nlri_next(&it, &p))
			sent[nsent++] = (struct sent){
				.p = p, .a = u.attrs, .nh = u.mp_nh
			};
	}
}

static void
drain(int i)
{
	drain_buf(i, SIZE_MAX);
}

static const struct sent *
sent_find(const char *pfx)
{
	struct prefix p = P(pfx);
	size_t i;

	for (i = 0; i < nsent; i++)
		if (prefix_cmp(&sent[i].p, &p) == 0)
			return &sent[i];
	return NULL;
}

static const struct sent *
sent_find_last(const char *pfx)
{
	struct prefix p = P(pfx);
	size_t i;

	for (i = nsent; i-- > 0;)
		if (prefix_cmp(&sent[i].p, &p) == 0)
			return &sent[i];
	fail_msg("%s was not sent", pfx);
	return NULL;
}

static bool
has(const struct bgp_attrs *a, int type)
{
	return (a->present & BGP_ATTR_BIT(type)) != 0;
}

/* The AS path of a sent route as "65000 65001". */
static const char *
path_str(const struct bgp_attrs *a)
{
	static char buf[256];
	struct bgp_aspath_iter it;
	struct bgp_aspath_seg s;
	size_t len = 0;
	unsigned k;

	buf[0] = '\0';
	bgp_attr_aspath_iter_init(&it, a->aspath, a->aspath_len, a->aspath_as4);
	while (bgp_attr_aspath_next(&it, &s))
		for (k = 0; k < s.count; k++)
			len += (size_t)snprintf(buf + len, sizeof(buf) - len,
			    "%s%u", len ? " " : "",
			    bgp_attr_aspath_seg_as(&s, k, a->aspath_as4));
	return buf;
}

static const char *
nh_str(const struct sent *s)
{
	static char buf[ADDR_STRLEN];
	struct addr a;

	if (s->nh.global.family != 0)
		return addr_fmt(&s->nh.global, buf, sizeof(buf));
	memset(&a, 0, sizeof(a));
	a.family = AF_INET;
	a.v4 = s->a.next_hop;
	return addr_fmt(&a, buf, sizeof(buf));
}

/* The best route's peer for pfx, via the BEST view (NULL: local). */
struct best_arg {
	const struct rib_peer *from[8];
	int n;
	bool rejected;
};

static bool
walk_collect(void *arg, const struct rib_route *r)
{
	struct best_arg *b = arg;

	if (b->n < 8)
		b->from[b->n++] = r->from;
	b->rejected |= r->rejected;
	return true;
}

static const struct rib_peer *
best_of(const char *pfx, int *n)
{
	struct best_arg b = { .n = 0 };
	struct prefix p = P(pfx);

	rib_walk(rib, RIB_VIEW_BEST, NULL, &p, walk_collect, &b);
	if (n != NULL)
		*n = b.n;
	return b.n > 0 ? b.from[0] : (const struct rib_peer *)-1;
}

/* Decision process, one test per step. */

static void
test_decide_local_pref(void **state)
{
	struct ab a1, a2;

	(void)state;
	world(1);
	nb_init(0, MY_AS);
	nb_init(1, MY_AS);
	peer_up(0);
	peer_up(1);
	ab_basic(&a1, 0, "192.0.2.1", 1, 65010);
	ab_u32(&a1, 0x40, BGP_ATTR_LOCAL_PREF, 50);
	ab_basic(&a2, 0, "192.0.2.2", 3, 65010, 65011, 65012);
	announce(0, &a1, "10.0.0.0/8");
	announce(1, &a2, "10.0.0.0/8");
	/* Missing LOCAL_PREF counts as 100, above 50. */
	assert_ptr_equal(best_of("10.0.0.0/8", NULL), peers[1]);
	ab_u32(&a1, 0x40, BGP_ATTR_LOCAL_PREF, 200);
	ab_basic(&a1, 0, "192.0.2.1", 1, 65010);
	ab_u32(&a1, 0x40, BGP_ATTR_LOCAL_PREF, 200);
	announce(0, &a1, "10.0.0.0/8");
	assert_ptr_equal(best_of("10.0.0.0/8", NULL), peers[0]);
	teardown_world();
}

static void
test_decide_ebgp_local_pref_ignored(void **state)
{
	struct ab a1, a2;

	(void)state;
	world(1);
	nb_init(0, 65001);
	nb_init(1, MY_AS);
	peer_up(0);
	peer_up(1);
	/* eBGP: LOCAL_PREF from outside is ignored, the import default
	 * (100) or the import policy's value applies. */
	ab_basic(&a1, 0, "192.0.2.1", 1, 65001);
	ab_basic(&a2, 0, "192.0.2.2", 1, 65010);
	ab_u32(&a2, 0x40, BGP_ATTR_LOCAL_PREF, 101);
	announce(0, &a1, "10.0.0.0/8");
	announce(1, &a2, "10.0.0.0/8");
	assert_ptr_equal(best_of("10.0.0.0/8", NULL), peers[1]);
	nbs[0].import.set.has_local_pref = true;
	nbs[0].import.set.local_pref = 150;
	rib_peer_reconf(peers[0], &nbs[0]);
	assert_ptr_equal(best_of("10.0.0.0/8", NULL), peers[0]);
	teardown_world();
}

static void
test_decide_as_path(void **state)
{
	struct ab a1, a2;
	uint8_t path[] = { BGP_ASPATH_SEQUENCE, 1, 0, 0, 0xfd, 0xf2,
		BGP_ASPATH_SET, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3 };

	(void)state;
	world(1);
	nb_init(0, MY_AS);
	nb_init(1, MY_AS);
	peer_up(0);
	peer_up(1);
	/* peer 0: SEQ(65010) SET(1 2 3) counts 2; peer 1: three ASes. */
	memset(&a1, 0, sizeof(a1));
	ab_attr(&a1, 0x40, BGP_ATTR_ORIGIN, (uint8_t[]){ 0 }, 1);
	ab_attr(&a1, 0x40, BGP_ATTR_AS_PATH, path, sizeof(path));
	ab_attr(&a1, 0x40, BGP_ATTR_NEXT_HOP, (uint8_t[]){ 192, 0, 2, 9 }, 4);
	ab_basic(&a2, 0, "192.0.2.2", 3, 65020, 65021, 65022);
	announce(1, &a2, "10.0.0.0/8");
	announce(0, &a1, "10.0.0.0/8");
	assert_ptr_equal(best_of("10.0.0.0/8", NULL), peers[0]);
	ab_basic(&a2, 0, "192.0.2.2", 1, 65020);
	announce(1, &a2, "10.0.0.0/8");
	assert_ptr_equal(best_of("10.0.0.0/8", NULL), peers[1]);
	teardown_world();
}

static void
test_decide_origin(void **state)
{
	struct ab a1, a2;

	(void)state;
	world(1);
	nb_init(0, MY_AS);
	nb_init(1, MY_AS);
	peer_up(0);
	peer_up(1);
	ab_basic(&a1, BGP_ORIGIN_INCOMPLETE, "192.0.2.1", 1, 65010);
	ab_basic(&a2, BGP_ORIGIN_EGP, "192.0.2.2", 1, 65020);
	announce(0, &a1, "10.0.0.0/8");
	announce(1, &a2, "10.0.0.0/8");
	assert_ptr_equal(best_of("10.0.0.0/8", NULL), peers[1]);
	teardown_world();
}

static void
test_decide_med(void **state)
{
	struct ab a1, a2;

	(void)state;
	world(1);
	nb_init(0, MY_AS);
	nb_init(1, MY_AS);
	peer_up(0);
	peer_up(1);
	/* Same neighbor AS: the lower MED wins over the lower router id. */
	ab_basic(&a1, 0, "192.0.2.1", 1, 65010);
	ab_u32(&a1, 0x80, BGP_ATTR_MED, 20);
	ab_basic(&a2, 0, "192.0.2.2", 1, 65010);
	ab_u32(&a2, 0x80, BGP_ATTR_MED, 10);
	announce(0, &a1, "10.0.0.0/8");
	announce(1, &a2, "10.0.0.0/8");
	assert_ptr_equal(best_of("10.0.0.0/8", NULL), peers[1]);
	/* Missing MED counts as 0. */
	ab_basic(&a1, 0, "192.0.2.1", 1, 65010);
	announce(0, &a1, "10.0.0.0/8");
	assert_ptr_equal(best_of("10.0.0.0/8", NULL), peers[0]);
	/* Different neighbor ASes: MED not compared, router id decides. */
	ab_basic(&a1, 0, "192.0.2.1", 1, 65010);
	ab_u32(&a1, 0x80, BGP_ATTR_MED, 500);
	ab_basic(&a2, 0, "192.0.2.2", 1, 65020);
	ab_u32(&a2, 0x80, BGP_ATTR_MED, 10);
	announce(0, &a1, "10.0.0.0/8");
	announce(1, &a2, "10.0.0.0/8");
	assert_ptr_equal(best_of("10.0.0.0/8", NULL), peers[0]);
	teardown_world();
}

static void
test_decide_ebgp_over_ibgp(void **state)
{
	struct ab a1, a2;

	(void)state;
	world(1);
	nb_init(0, MY_AS);
	nb_init(1, 65020);
	peer_up(0);
	peer_up_id(1, 0xff000000u, true); /* higher router id */
	ab_basic(&a1, 0, "192.0.2.1", 1, 65010);
	ab_basic(&a2, 0, "192.0.2.2", 1, 65020);
	announce(0, &a1, "10.0.0.0/8");
	announce(1, &a2, "10.0.0.0/8");
	assert_ptr_equal(best_of("10.0.0.0/8", NULL), peers[1]);
	teardown_world();
}

static void
test_decide_router_id_originator_cluster_addr(void **state)
{
	struct ab a1, a2;

	(void)state;
	world(1);
	nb_init(0, MY_AS);
	nb_init(1, MY_AS);
	peer_up_id(0, 0x0a000009u, true);
	peer_up_id(1, 0x0a000005u, true);
	ab_basic(&a1, 0, "192.0.2.1", 1, 65010);
	ab_basic(&a2, 0, "192.0.2.2", 1, 65010);
	announce(0, &a1, "10.0.0.0/8");
	announce(1, &a2, "10.0.0.0/8");
	/* (g) lowest BGP identifier. */
	assert_ptr_equal(best_of("10.0.0.0/8", NULL), peers[1]);
	/* RFC 4456 9: ORIGINATOR_ID stands in for the router id. */
	ab_basic(&a1, 0, "192.0.2.1", 1, 65010);
	ab_u32(&a1, 0x80, BGP_ATTR_ORIGINATOR_ID, 0x0a000001u);
	announce(0, &a1, "10.0.0.0/8");
	assert_ptr_equal(best_of("10.0.0.0/8", NULL), peers[0]);
	/* Equal ids: the shorter CLUSTER_LIST wins. */
	ab_basic(&a2, 0, "192.0.2.2", 1, 65010);
	ab_u32(&a2, 0x80, BGP_ATTR_ORIGINATOR_ID, 0x0a000001u);
	announce(1, &a2, "10.0.0.0/8");
	ab_basic(&a1, 0, "192.0.2.1", 1, 65010);
	ab_u32(&a1, 0x80, BGP_ATTR_ORIGINATOR_ID, 0x0a000001u);
	ab_attr(&a1, 0x80, BGP_ATTR_CLUSTER_LIST, (uint8_t[]){ 1, 1, 1, 1 }, 4);
	announce(0, &a1, "10.0.0.0/8");
	assert_ptr_equal(best_of("10.0.0.0/8", NULL), peers[1]);
	/* All equal: the lower peer address (192.0.2.1). */
	ab_basic(&a1, 0, "192.0.2.1", 1, 65010);
	ab_u32(&a1, 0x80, BGP_ATTR_ORIGINATOR_ID, 0x0a000001u);
	announce(0, &a1, "10.0.0.0/8");
	assert_ptr_equal(best_of("10.0.0.0/8", NULL), peers[0]);
	teardown_world();
}

static void
test_decide_ecmp(void **state)
{
	struct ab a1, a2, a3;
	int n;

	(void)state;
	world(4);
	nb_init(0, 65010);
	nb_init(1, 65020);
	nb_init(2, 65030);
	peer_up(0);
	peer_up(1);
	peer_up(2);
	ab_basic(&a1, 0, "192.0.2.1", 2, 65010, 1);
	ab_basic(&a2, 0, "192.0.2.2", 2, 65020, 1);
	ab_basic(&a3, 0, "192.0.2.3", 3, 65030, 1, 2);
	announce(0, &a1, "10.0.0.0/8");
	assert_int_equal(best_calls, 1);
	assert_int_equal(best_n, 1);
	announce(1, &a2, "10.0.0.0/8");
	assert_int_equal(best_calls, 2);
	assert_int_equal(best_n, 2);
	assert_int_equal(addr_cmp(&best_nh[0].gw, &(struct addr){ 0 }), 1);
	assert_string_equal(inet_ntoa(best_nh[0].gw.v4), "192.0.2.1");
	assert_string_equal(inet_ntoa(best_nh[1].gw.v4), "192.0.2.2");
	assert_int_equal(best_nh[1].peer_asn, 65020);
	announce(2, &a3, "10.0.0.0/8"); /* longer: not in the set */
	assert_int_equal(best_calls, 2);
	best_of("10.0.0.0/8", &n);
	assert_int_equal(n, 2);
	withdraw(0, "10.0.0.0/8");
	assert_int_equal(best_calls, 3);
	assert_int_equal(best_n, 1);
	withdraw(1, "10.0.0.0/8");
	assert_int_equal(best_n, 1);
	assert_string_equal(inet_ntoa(best_nh[0].gw.v4), "192.0.2.3");
	withdraw(2, "10.0.0.0/8");
	assert_int_equal(best_calls, 5);
	assert_int_equal(best_n, 0);
	assert_int_equal(rib_prefix_count(rib), 0);
	teardown_world();
}

/* Import policy. */

static void
test_prefix_match(void **state)
{
	struct bgp_prefix_match m[2];
	struct prefix p;

	(void)state;
	memset(m, 0, sizeof(m));
	m[0].prefix = P("10.0.0.0/8");
	p = P("10.0.0.0/8");
	assert_true(bgp_prefix_match(m, 1, &p)); /* exact */
	p = P("10.1.0.0/16");
	assert_false(bgp_prefix_match(m, 1, &p));
	m[0].le = 24;
	assert_true(bgp_prefix_match(m, 1, &p)); /* 8..24 */
	p = P("10.1.1.0/25");
	assert_false(bgp_prefix_match(m, 1, &p));
	m[0].ge = 16;
	m[0].le = 0; /* 16..32 */
	assert_true(bgp_prefix_match(m, 1, &p));
	p = P("10.0.0.0/8");
	assert_false(bgp_prefix_match(m, 1, &p));
	m[0].ge = 16;
	m[0].le = 20;
	p = P("10.16.0.0/20");
	assert_true(bgp_prefix_match(m, 1, &p));
	p = P("11.16.0.0/20");
	assert_false(bgp_prefix_match(m, 1, &p));
	m[1].prefix = P("2001:db8::/32");
	m[1].le = 48;
	p = P("2001:db8:1::/48");
	assert_true(bgp_prefix_match(m, 2, &p));
	p = P("2001:db8:1::/64");
	assert_false(bgp_prefix_match(m, 2, &p));
}

static bool
walk_count(void *arg, const struct rib_route *r)
{
	size_t *n = arg;

	(void)r;
	(*n)++;
	return true;
}

static void
test_import_rfc8212_and_lists(void **state)
{
	struct bgp_prefix_match m;
	struct rib_peer_stats st;
	struct best_arg b = { .n = 0 };
	struct ab a;
	size_t n = 0;

	(void)state;
	world(1);
	nb_init(0, 65010)->has_import = false;
	nb_init(1, 65020);
	peer_up(0);
	peer_up(1);
	ab_basic(&a, 0, "192.0.2.1", 1, 65010);
	send_update(0, NULL, &a, L("10.0.0.0/8", "10.1.0.0/16"));
	rib_peer_stats(peers[0], &st);
	assert_int_equal(st.received, 2);
	assert_int_equal(st.accepted, 0);
	rib_walk(rib, RIB_VIEW_BEST, NULL, NULL, walk_count, &n);
	assert_int_equal(n, 0);
	rib_walk(rib, RIB_VIEW_RECEIVED, peers[0], NULL, walk_collect, &b);
	assert_int_equal(b.n, 2);
	assert_true(b.rejected);
	/* A prefix list: 10.0.0.0/8 le 12 accepts the /8 only. */
	memset(&m, 0, sizeof(m));
	m.prefix = P("10.0.0.0/8");
	m.le = 12;
	nbs[0].has_import = true;
	nbs[0].import.all = false;
	nbs[0].import.prefixes = &m;
	nbs[0].import.nprefixes = 1;
	rib_peer_reconf(peers[0], &nbs[0]);
	rib_peer_stats(peers[0], &st);
	assert_int_equal(st.accepted, 1);
	assert_ptr_equal(best_of("10.0.0.0/8", NULL), peers[0]);
	drain(1);
	assert_int_equal(nsent, 1);
	assert_non_null(sent_find("10.0.0.0/8"));
	teardown_world();
}

static void
test_import_set(void **state)
{
	uint32_t comm[] = { 65000u << 16 | 7 };
	struct ab a;

	(void)state;
	world(1);
	nb_init(0, 65010);
	nb_init(1, MY_AS);
	nbs[0].import.set.has_med = true;
	nbs[0].import.set.med = 77;
	nbs[0].import.set.communities = comm;
	nbs[0].import.set.ncommunities = 1;
	peer_up(0);
	peer_up(1);
	drain(1);
	ab_basic(&a, 0, "192.0.2.1", 1, 65010);
	announce(0, &a, "10.0.0.0/8");
	drain(1);
	assert_int_equal(nsent, 1);
	assert_true(has(&sent[0].a, BGP_ATTR_MED));
	assert_int_equal(sent[0].a.med, 77);
	assert_true(bgp_attr_has_community(&sent[0].a, comm[0]));
	assert_int_equal(sent[0].a.local_pref, 100);
	teardown_world();
}

static void
test_import_max_prefix(void **state)
{
	struct rib_peer_stats st;
	struct ab a;

	(void)state;
	world(1);
	nb_init(0, 65010)->import.max_prefix = 2;
	nbs[0].import.max_action = BGP_MAXPFX_WARN;
	nb_init(1, 65020)->import.max_prefix = 2;
	nbs[1].import.max_action = BGP_MAXPFX_RESET;
	peer_up(0);
	peer_up(1);
	ab_basic(&a, 0, "192.0.2.1", 1, 65010);
	assert_int_equal(
	    send_update(0, NULL, &a, L("10.0.0.0/8", "10.1.0.0/16")),
	    RIB_INPUT_OK);
	rib_peer_stats(peers[0], &st);
	assert_false(st.max_prefix_hit);
	assert_int_equal(announce(0, &a, "10.2.0.0/16"), RIB_INPUT_OK);
	rib_peer_stats(peers[0], &st);
	assert_true(st.max_prefix_hit);
	assert_int_equal(st.accepted, 3); /* warn: kept */
	ab_basic(&a, 0, "192.0.2.2", 1, 65020);
	assert_int_equal(
	    send_update(1, NULL, &a, L("10.0.0.0/8", "10.1.0.0/16")),
	    RIB_INPUT_OK);
	assert_int_equal(announce(1, &a, "10.2.0.0/16"), RIB_INPUT_MAX_PREFIX);
	/* The session sends Cease 6/1 and goes down. */
	rib_peer_down(peers[1]);
	rib_peer_stats(peers[1], &st);
	assert_int_equal(st.received, 0);
	teardown_world();
}

static void
test_import_loops(void **state)
{
	struct rib_peer_stats st;
	struct ab a;

	(void)state;
	world(1);
	nb_init(0, 65010);
	nb_init(1, MY_AS);
	peer_up(0);
	peer_up(1);
	ab_basic(&a, 0, "192.0.2.1", 3, 65010, MY_AS, 65099);
	announce(0, &a, "10.0.0.0/8");
	rib_peer_stats(peers[0], &st);
	assert_int_equal(st.received, 1);
	assert_int_equal(st.accepted, 0);
	/* RFC 4456 8: our router id as ORIGINATOR_ID. */
	ab_basic(&a, 0, "192.0.2.2", 1, 65010);
	ab_u32(&a, 0x80, BGP_ATTR_ORIGINATOR_ID, 0xc0000264u);
	announce(1, &a, "10.1.0.0/16");
	/* Our cluster id (the router id by default) in CLUSTER_LIST. */
	ab_basic(&a, 0, "192.0.2.2", 1, 65010);
	ab_attr(&a, 0x80, BGP_ATTR_CLUSTER_LIST,
	    (uint8_t[]){ 1, 2, 3, 4, 192, 0, 2, 100 }, 8);
	announce(1, &a, "10.2.0.0/16");
	ab_basic(&a, 0, "192.0.2.2", 1, 65010);
	ab_attr(&a, 0x80, BGP_ATTR_CLUSTER_LIST, (uint8_t[]){ 1, 2, 3, 4 }, 4);
	announce(1, &a, "10.3.0.0/16");
	rib_peer_stats(peers[1], &st);
	assert_int_equal(st.received, 3);
	assert_int_equal(st.accepted, 1);
	teardown_world();
}

/* Export policy. */

static void
test_export_rfc8212(void **state)
{
	struct ab a;

	(void)state;
	world(1);
	nb_init(0, 65010);
	nb_init(1, 65020)->has_export = false;
	nb_init(2, MY_AS); /* iBGP: no section, all */
	peer_up(0);
	peer_up(1);
	peer_up(2);
	ab_basic(&a, 0, "192.0.2.1", 1, 65010);
	announce(0, &a, "10.0.0.0/8");
	drain(1);
	assert_int_equal(nsent, 0);
	assert_int_equal(neor, 2);
	drain(2);
	assert_int_equal(nsent, 1);
	drain(0); /* never back to its source */
	assert_int_equal(nsent, 0);
	teardown_world();
}

static void
test_export_communities(void **state)
{
	struct ab a;

	(void)state;
	world(1);
	nb_init(0, 65010);
	nb_init(1, 65020);
	nb_init(2, MY_AS);
	peer_up(0);
	peer_up(1);
	peer_up(2);
	drain(1);
	drain(2);
	ab_basic(&a, 0, "192.0.2.1", 1, 65010);
	ab_comms(&a, 1, BGP_COMM_NO_ADVERTISE);
	announce(0, &a, "10.1.0.0/16");
	ab_basic(&a, 0, "192.0.2.1", 1, 65010);
	ab_comms(&a, 2, 65010u << 16 | 1, BGP_COMM_NO_EXPORT);
	announce(0, &a, "10.2.0.0/16");
	ab_basic(&a, 0, "192.0.2.1", 1, 65010);
	ab_comms(&a, 1, BGP_COMM_NO_EXPORT_SUBCONFED);
	announce(0, &a, "10.3.0.0/16");
	drain(1);
	assert_int_equal(nsent, 0);
	drain(2);
	assert_int_equal(nsent, 2);
	assert_null(sent_find("10.1.0.0/16"));
	assert_non_null(sent_find("10.2.0.0/16"));
	assert_true(bgp_attr_has_community(
	    &sent_find("10.2.0.0/16")->a, BGP_COMM_NO_EXPORT));
	assert_non_null(sent_find("10.3.0.0/16"));
	teardown_world();
}

static void
test_export_ebgp_rewrite(void **state)
{
	uint32_t comm[] = { 65000u << 16 | 1 };
	uint32_t large[] = { 65000, 1, 2 };
	const struct sent *s;
	struct ab a;

	(void)state;
	world(1);
	nb_init(0, MY_AS);
	nb_init(1, 65020)->export.set.prepend = 2;
	nbs[1].export.set.communities = comm;
	nbs[1].export.set.ncommunities = 1;
	nbs[1].export.set.large = large;
	nbs[1].export.set.nlarge = 1;
	nb_init(2, 65030)->export.set.has_med = true;
	nbs[2].export.set.med = 42;
	nbs[2].next_hop = BGP_NH_UNCHANGED;
	peer_up(0);
	peer_up(1);
	peer_up(2);
	ab_basic(&a, 0, "198.51.100.1", 1, 65010);
	ab_u32(&a, 0x80, BGP_ATTR_MED, 5);
	ab_u32(&a, 0x40, BGP_ATTR_LOCAL_PREF, 300);
	ab_u32(&a, 0x80, BGP_ATTR_ORIGINATOR_ID, 0x01020304);
	ab_attr(&a, 0xc0, 99, (uint8_t[]){ 1, 2, 3 }, 3);
	announce(0, &a, "10.0.0.0/8");
	drain(1);
	s = sent_find("10.0.0.0/8");
	assert_non_null(s);
	assert_string_equal(path_str(&s->a), "65000 65000 65000 65010");
	assert_false(has(&s->a, BGP_ATTR_LOCAL_PREF));
	assert_false(has(&s->a, BGP_ATTR_MED));
	assert_false(has(&s->a, BGP_ATTR_ORIGINATOR_ID));
	assert_false(has(&s->a, BGP_ATTR_CLUSTER_LIST));
	assert_string_equal(nh_str(s), "192.0.2.100");
	assert_true(bgp_attr_has_community(&s->a, comm[0]));
	assert_int_equal(s->a.large_communities_len, 12);
	assert_int_equal(s->a.unknown_count, 1);
	{
		struct bgp_attr_unknown_iter it;
		struct bgp_attr_raw r;

		bgp_attr_unknown_iter_init(&it, &s->a);
		assert_int_equal(bgp_attr_unknown_next(&it, &r), 1);
		assert_int_equal(r.type, 99);
		assert_int_equal(r.flags & 0xe0, 0xe0); /* O, T, Partial */
	}
	drain(2);
	s = sent_find("10.0.0.0/8");
	assert_non_null(s);
	assert_string_equal(path_str(&s->a), "65000 65010");
	assert_true(has(&s->a, BGP_ATTR_MED));
	assert_int_equal(s->a.med, 42);
	assert_string_equal(nh_str(s), "198.51.100.1"); /* unchanged */
	teardown_world();
}

static void
test_export_as2_peer(void **state)
{
	struct bgp_attr_opts o = { .as4 = false };
	struct bgp_attrs at;
	struct bgp_err err;
	struct ab a;
	bool seen = false;

	(void)state;
	world(1);
	nb_init(0, 65010);
	nb_init(1, 65020);
	peer_up(0);
	peer_up_id(1, 0x0a000002u, false);
	ab_basic(&a, 0, "192.0.2.1", 2, 65010, 4200000000u);
	announce(0, &a, "10.0.0.0/8");
	wbuf_free(&outbuf);
	wbuf_init(&outbuf, 4096);
	rib_peer_output(peers[1], &outbuf, SIZE_MAX);
	/* The first message carries the route, in 2-octet form. */
	{
		struct bgp_update u;

		assert_int_equal(
		    bgp_update_decode(outbuf.data,
			(size_t)outbuf.data[16] << 8 | outbuf.data[17], &o, &u,
			&err),
		    BGP_ACT_OK);
		at = u.attrs;
		assert_false(at.aspath_as4);
		seen = has(&at, BGP_ATTR_AS4_PATH);
	}
	assert_true(seen);
	teardown_world();
}

static void
test_export_ibgp_rewrite(void **state)
{
	const struct sent *s;
	struct ab a;

	(void)state;
	world(1);
	nb_init(0, 65010);
	nb_init(1, MY_AS);
	nb_init(2, MY_AS)->next_hop = BGP_NH_SELF;
	peer_up(0);
	peer_up(1);
	peer_up(2);
	ab_basic(&a, 0, "198.51.100.1", 1, 65010);
	ab_u32(&a, 0x80, BGP_ATTR_MED, 5);
	announce(0, &a, "10.0.0.0/8");
	drain(1);
	s = sent_find("10.0.0.0/8");
	assert_non_null(s);
	assert_string_equal(path_str(&s->a), "65010");
	assert_true(has(&s->a, BGP_ATTR_LOCAL_PREF));
	assert_int_equal(s->a.local_pref, 100);
	assert_int_equal(s->a.med, 5); /* kept inside the AS */
	assert_string_equal(nh_str(s), "198.51.100.1");
	assert_false(has(&s->a, BGP_ATTR_ORIGINATOR_ID));
	drain(2);
	assert_string_equal(nh_str(sent_find("10.0.0.0/8")), "192.0.2.100");
	teardown_world();
}

static void
test_export_ipv6(void **state)
{
	const struct sent *s;
	char buf[ADDR_STRLEN];
	struct ab a;

	(void)state;
	world(1);
	nb_init(0, 65010);
	nb_init(1, 65020);
	nb_init(2, MY_AS);
	peer_up(0);
	peer_up(1);
	peer_up(2);
	ab_basic(&a, 0, NULL, 1, 65010);
	ab_mp_reach6(
	    &a, "2001:db8:1::1", L("2001:db8:100::/48", "2001:db8:200::/48"));
	send_update(0, NULL, &a, NULL);
	drain(1);
	assert_int_equal(nsent, 2);
	assert_int_equal(nupd, 1);
	s = sent_find("2001:db8:200::/48");
	assert_non_null(s);
	assert_false(has(&s->a, BGP_ATTR_NEXT_HOP));
	assert_string_equal(
	    addr_fmt(&s->nh.global, buf, sizeof(buf)), "2001:db8::100");
	assert_string_equal(
	    addr_fmt(&s->nh.link_local, buf, sizeof(buf)), "fe80::101");
	assert_string_equal(path_str(&s->a), "65000 65010");
	drain(2);
	s = sent_find("2001:db8:100::/48");
	assert_string_equal(
	    addr_fmt(&s->nh.global, buf, sizeof(buf)), "2001:db8:1::1");
	assert_int_equal(s->nh.link_local.family, 0);
	/* Withdrawn through MP_UNREACH_NLRI. */
	{
		uint8_t v[] = { 0, 2, 1, 48, 0x20, 0x01, 0x0d, 0xb8, 1, 0 };

		memset(&a, 0, sizeof(a));
		ab_attr(&a, 0x80, BGP_ATTR_MP_UNREACH_NLRI, v, sizeof(v));
		send_update(0, NULL, &a, NULL);
	}
	drain(1);
	assert_int_equal(nsent, 1);
	assert_true(sent[0].withdraw);
	assert_int_equal(
	    prefix_cmp(&sent[0].p,
		&(struct prefix){ .addr = A("2001:db8:100::"), .len = 48 }),
	    0);
	teardown_world();
}

/* RFC 4456: reflection. */

static void
test_reflection(void **state)
{
	const struct sent *s;
	struct ab a;

	(void)state;
	world(1);
	nb_init(0, MY_AS)->rr_client = true; /* client */
	nb_init(1, MY_AS)->rr_client = true; /* client */
	nb_init(2, MY_AS);		     /* non-client */
	nb_init(3, MY_AS);		     /* non-client */
	nb_init(4, 65040);		     /* eBGP */
	peer_up(0);
	peer_up(1);
	peer_up(2);
	peer_up(3);
	peer_up(4);
	ab_basic(&a, 0, "192.0.2.1", 0);
	announce(0, &a, "10.0.0.0/24"); /* from a client */
	ab_basic(&a, 0, "192.0.2.3", 0);
	announce(2, &a, "10.9.0.0/24"); /* from a non-client */
	drain(1);
	assert_int_equal(nsent, 2);
	s = sent_find("10.0.0.0/24");
	assert_true(has(&s->a, BGP_ATTR_ORIGINATOR_ID));
	assert_int_equal(s->a.originator_id, 0x0a000001u);
	assert_int_equal(s->a.cluster_list_len, 4);
	assert_memory_equal(
	    s->a.cluster_list, ((uint8_t[]){ 192, 0, 2, 100 }), 4);
	assert_string_equal(nh_str(s), "192.0.2.1");
	s = sent_find("10.9.0.0/24");
	assert_int_equal(s->a.originator_id, 0x0a000003u);
	drain(3); /* non-client */
	assert_int_equal(nsent, 1);
	assert_non_null(sent_find("10.0.0.0/24"));
	drain(4); /* eBGP: both, no RR attrs */
	assert_int_equal(nsent, 2);
	s = sent_find("10.9.0.0/24");
	assert_false(has(&s->a, BGP_ATTR_ORIGINATOR_ID));
	assert_false(has(&s->a, BGP_ATTR_CLUSTER_LIST));
	/* An existing ORIGINATOR_ID stays, our cluster id goes first. */
	ab_basic(&a, 0, "192.0.2.1", 0);
	ab_u32(&a, 0x80, BGP_ATTR_ORIGINATOR_ID, 0x0b0b0b0b);
	ab_attr(&a, 0x80, BGP_ATTR_CLUSTER_LIST, (uint8_t[]){ 9, 9, 9, 9 }, 4);
	announce(0, &a, "10.0.0.0/24");
	drain(2);
	s = sent_find("10.0.0.0/24");
	assert_int_equal(s->a.originator_id, 0x0b0b0b0b);
	assert_memory_equal(
	    s->a.cluster_list, ((uint8_t[]){ 192, 0, 2, 100, 9, 9, 9, 9 }), 8);
	teardown_world();
}

/* Pools. */

static void
test_pools(void **state)
{
	uint32_t comm[] = { 65000u << 16 | 100 };
	struct bgp_pool pools[3];
	const struct sent *s;

	(void)state;
	memset(pools, 0, sizeof(pools));
	pools[0].prefix = P("10.244.0.0/16");
	pools[0].kind = BGP_POOL_POD;
	pools[0].attrs.communities = comm;
	pools[0].attrs.ncommunities = 1;
	pools[0].attrs.has_med = true;
	pools[0].attrs.med = 10;
	pools[1].prefix = P("203.0.113.0/30");
	pools[1].kind = BGP_POOL_LOADBALANCER;
	pools[1].per_address = true;
	pools[2].prefix = P("2001:db8:244::/64");
	pools[2].kind = BGP_POOL_POD;
	world(1);
	conf.pools = pools;
	conf.npools = 3;
	rib_configure(rib, &conf);
	nb_init(0, 65010)->export.kinds[BGP_POOL_LOADBALANCER] = true;
	nbs[0].export.learned = false;
	nb_init(1, MY_AS);
	peer_up(0);
	peer_up(1);
	drain(0);
	assert_int_equal(nsent, 4); /* the /30, per address */
	s = sent_find("203.0.113.3/32");
	assert_non_null(s);
	assert_string_equal(path_str(&s->a), "65000");
	assert_int_equal(s->a.origin, BGP_ORIGIN_IGP);
	assert_string_equal(nh_str(s), "192.0.2.100");
	drain(1); /* iBGP: all pools */
	assert_int_equal(nsent, 6);
	s = sent_find("10.244.0.0/16");
	assert_string_equal(path_str(&s->a), "");
	assert_true(has(&s->a, BGP_ATTR_AS_PATH));
	assert_true(bgp_attr_has_community(&s->a, comm[0]));
	assert_int_equal(s->a.med, 10);
	assert_int_equal(s->a.local_pref, 100);
	s = sent_find("2001:db8:244::/64");
	assert_non_null(s);
	assert_int_equal(best_calls, 0); /* pools are not reported */
	/* The pod pool goes to the eBGP peer too: MED of ours is kept. */
	nbs[0].export.kinds[BGP_POOL_POD] = true;
	rib_peer_reconf(peers[0], &nbs[0]);
	drain(0);
	assert_int_equal(nsent, 2);
	assert_int_equal(sent_find("10.244.0.0/16")->a.med, 10);
	/* Reload without the LB pool: its addresses are withdrawn. */
	conf.npools = 1;
	rib_configure(rib, &conf);
	rib_peer_reconf(peers[0], &nbs[0]);
	rib_peer_reconf(peers[1], &nbs[1]);
	drain(0);
	assert_int_equal(nsent, 5); /* the LB pool, the v6 pod */
	assert_true(sent_find("203.0.113.1/32")->withdraw);
	drain(1);
	assert_int_equal(nsent, 5);
	assert_true(sent_find("2001:db8:244::/64")->withdraw);
	teardown_world();
}

/*
 * The egress gate: a peer held back gets the table without the egress
 * pool, and the pool alone once released; another pool is untouched.
 */
static void
test_pools_egress_held(void **state)
{
	struct bgp_pool pools[2];

	(void)state;
	memset(pools, 0, sizeof(pools));
	pools[0].prefix = P("198.18.0.0/24");
	pools[0].kind = BGP_POOL_LOADBALANCER;
	pools[1].prefix = P("203.0.113.200/32");
	pools[1].kind = BGP_POOL_EGRESS;
	world(1);
	conf.pools = pools;
	conf.npools = 2;
	rib_configure(rib, &conf);
	nb_init(0, 65010)->export.kinds[BGP_POOL_EGRESS] = true;
	nbs[0].export.kinds[BGP_POOL_LOADBALANCER] = true;
	nbs[0].export.learned = false;
	peers[0] = rib_peer_new(rib, &nbs[0], &nbs[0]);
	rib_peer_hold_egress(peers[0], true);
	peer_up(0);
	assert_true(rib_peer_egress_held(peers[0]));
	drain(0);
	assert_int_equal(nsent, 1);
	assert_non_null(sent_find("198.18.0.0/24"));
	/* A new config keeps it held. */
	rib_configure(rib, &conf);
	rib_peer_reconf(peers[0], &nbs[0]);
	drain(0);
	assert_int_equal(nsent, 0);
	rib_peer_hold_egress(peers[0], false);
	assert_false(rib_peer_egress_held(peers[0]));
	drain(0);
	assert_int_equal(nsent, 1);
	assert_false(sent_find("203.0.113.200/32")->withdraw);
	/* Held again (the next session's start): withdrawn at once only
	 * by a new session, not by the flag alone. */
	rib_peer_hold_egress(peers[0], true);
	rib_peer_reconf(peers[0], &nbs[0]);
	drain(0);
	assert_int_equal(nsent, 1);
	assert_true(sent_find("203.0.113.200/32")->withdraw);
	teardown_world();
}

/* Sessions: peer down, EoR, grouping, refresh, views. */

static void
test_peer_down_withdraws(void **state)
{
	struct ab a;

	(void)state;
	world(1);
	nb_init(0, 65010);
	nb_init(1, 65020);
	peer_up(0);
	peer_up(1);
	drain(1);
	ab_basic(&a, 0, "192.0.2.1", 1, 65010);
	send_update(0, NULL, &a, L("10.0.0.0/8", "10.1.0.0/16"));
	assert_int_equal(best_calls, 2);
	drain(1);
	assert_int_equal(nsent, 2);
	rib_peer_down(peers[0]);
	assert_int_equal(best_calls, 4);
	assert_int_equal(best_n, 0);
	drain(1);
	assert_int_equal(nsent, 2);
	assert_true(sent[0].withdraw && sent[1].withdraw);
	assert_int_equal(nupd, 1); /* packed together */
	assert_int_equal(rib_prefix_count(rib), 0);
	assert_int_equal(objcount_rib_prefix.live, live0[0]);
	/* Peer 1 going down empties its Adj-RIB-Out. */
	peer_up(0);
	announce(0, &a, "10.0.0.0/8");
	drain(1);
	rib_peer_down(peers[1]);
	rib_peer_down(peers[0]);
	assert_int_equal(objcount_rib_prefix.live, live0[0]);
	assert_int_equal(objcount_rib_path.live, live0[1]);
	teardown_world();
}

static void
test_eor_after_initial_table(void **state)
{
	struct ab a;

	(void)state;
	world(1);
	nb_init(0, 65010);
	nb_init(1, 65020);
	peer_up(0);
	ab_basic(&a, 0, "192.0.2.1", 1, 65010);
	send_update(0, NULL, &a, L("10.0.0.0/8", "10.1.0.0/16"));
	ready_calls = 0;
	peer_up(1);
	assert_true(ready_calls >= 1);
	drain_buf(1, 1); /* one small budget at a time */
	assert_int_equal(nsent, 2);
	assert_int_equal(neor, 2); /* IPv4 and IPv6 */
	assert_int_equal(eor_before_updates, 0);
	/* Only once. */
	announce(0, &a, "10.2.0.0/16");
	drain(1);
	assert_int_equal(nsent, 1);
	assert_int_equal(neor, 0);
	/* Re-announcing the same set: nothing to send. */
	announce(0, &a, "10.2.0.0/16");
	drain(1);
	assert_int_equal(nupd, 0);
	teardown_world();
}

static void
test_output_grouping(void **state)
{
	static char names[3000][24];
	const char *list[3001];
	struct ab a, b;
	size_t i, cap, want, k;

	(void)state;
	world(1);
	nb_init(0, 65010);
	nb_init(1, 65020);
	peer_up(0);
	peer_up(1);
	drain(1);
	ab_basic(&a, 0, "192.0.2.1", 1, 65010);
	ab_basic(&b, 0, "192.0.2.1", 2, 65010, 65011);
	/* 3000 /24s over many UPDATEs of 500, alternating two sets. */
	for (i = 0; i < 3000; i++)
		snprintf(names[i], sizeof(names[i]), "10.%zu.%zu.0/24", i / 256,
		    i % 256);
	for (i = 0; i < 3000; i += 500) {
		for (k = 0; k < 500; k++)
			list[k] = names[i + k];
		list[500] = NULL;
		send_update(0, NULL, (i / 500) % 2 ? &b : &a, list);
	}
	drain(1);
	assert_int_equal(nsent, 3000);
	/* Attributes towards the peer: ORIGIN 4, AS_PATH 3+2+8 (or 12),
	 * NEXT_HOP 7; each /24 takes 4 octets. */
	cap = (BGP_MAX_MSG_LEN - 23 - (4 + 13 + 7)) / 4;
	want = 2 * ((1500 + cap - 1) / cap);
	assert_int_equal(nupd, want);
	teardown_world();
}

/* Prefix i of the round tests: 10.(i / 256).(i % 256).0/24. */
static const char *
round_pfx(size_t i)
{
	static char names[4096][24];

	snprintf(
	    names[i], sizeof(names[i]), "10.%zu.%zu.0/24", i / 256, i % 256);
	return names[i];
}

/* Peer 0 announces (or withdraws) prefixes round_pfx(i) for i in
 * [from, to) with step, 400 per UPDATE, all with set a. */
static void
table_send(size_t from, size_t to, size_t step, const struct ab *a)
{
	const char *list[401];
	size_t i, k = 0;

	for (i = from; i < to; i += step) {
		list[k++] = round_pfx(i);
		if (k == 400 || i + step >= to) {
			list[k] = NULL;
			send_update(0, a == NULL ? list : NULL, a,
			    a == NULL ? NULL : list);
			k = 0;
		}
	}
}

/*
 * The prefix table through growth and deletion: 4000 prefixes make it
 * grow several times; withdrawing every third one shifts entries back;
 * announcing the survivors again must find each of them (a miss would
 * make a second record for the prefix).
 */
static void
test_prefix_table(void **state)
{
	int64_t live;
	struct ab a;
	size_t i;

	(void)state;
	world(1);
	nb_init(0, 65010);
	peer_up(0);
	ab_basic(&a, 0, "192.0.2.1", 1, 65010);
	table_send(0, 4000, 1, &a);
	assert_int_equal(rib_prefix_count(rib), 4000);
	table_send(0, 4000, 3, NULL);
	assert_int_equal(rib_prefix_count(rib), 4000 - 1334);
	live = objcount_rib_prefix.live;
	for (i = 1; i < 4000; i += 3)
		table_send(i, i + 2, 1, &a);
	assert_int_equal(rib_prefix_count(rib), 4000 - 1334);
	assert_int_equal(objcount_rib_prefix.live, live);
	/* And the withdrawn ones come back as new. */
	table_send(0, 4000, 3, &a);
	assert_int_equal(rib_prefix_count(rib), 4000);
	assert_true(best_of(round_pfx(3999), NULL) == peers[0]);
	teardown_world();
}

/* Peer 0 announces n /24s one per UPDATE, prefix i in set i % nsets (an
 * AS path of 65010 and 64600 + set). */
static void
round_feed(size_t n, size_t nsets)
{
	struct ab a;
	size_t i;

	for (i = 0; i < n; i++) {
		ab_basic(&a, 0, "192.0.2.1", 2, 65010,
		    64600 + (uint32_t)(i % nsets));
		announce(0, &a, round_pfx(i));
	}
}

static size_t
advertised(int i, const char *pfx)
{
	struct prefix f = P(pfx);
	size_t n = 0;

	rib_walk(rib, RIB_VIEW_ADVERTISED, peers[i], &f, walk_count, &n);
	return n;
}

/*
 * Interleaved sets arriving one prefix per UPDATE leave grouped: one
 * round takes the whole queue, and it goes on over many calls with a
 * small budget, so the grouping does not depend on the session's
 * buffer.
 */
static void
test_output_round_regroups(void **state)
{
	size_t i;

	(void)state;
	world(1);
	nb_init(0, 65010);
	nb_init(1, 65020);
	peer_up(0);
	peer_up(1);
	drain(1);
	round_feed(2000, 10);
	assert_int_equal(rib_peer_output_queued(peers[1]), 2000);
	drain_buf(1, 100); /* about one message per call */
	assert_int_equal(nsent, 2000);
	/* 200 /24s per set fit in one message each. */
	assert_int_equal(nupd, 10);
	for (i = 0; i < nsent; i++)
		assert_false(sent[i].withdraw);
	assert_int_equal(rib_peer_output_queued(peers[1]), 0);
	teardown_world();
}

/* What the session's pacing reads: queued prefixes and ripeness. */
static void
test_output_ripe(void **state)
{
	static char names[100][24];
	const char *list[101];
	struct wbuf w;
	struct ab a;
	size_t i;

	(void)state;
	world(1);
	nb_init(0, 65010);
	nb_init(1, 65020);
	peer_up(0);
	peer_up(1);
	/* Nothing queued but End-of-RIB: waiting cannot help. */
	assert_int_equal(rib_peer_output_queued(peers[1]), 0);
	assert_true(rib_peer_output_ripe(peers[1]));
	drain(1);
	/* A single change waits (the session holds it a tick). */
	round_feed(1, 1);
	assert_int_equal(rib_peer_output_queued(peers[1]), 1);
	assert_false(rib_peer_output_ripe(peers[1]));
	/* Interleaved sets, one prefix per UPDATE: still worth waiting. */
	round_feed(50, 10);
	assert_false(rib_peer_output_ripe(peers[1]));
	drain(1);
	/* A packed UPDATE (a long run of one set) is ripe at once. */
	for (i = 0; i < 100; i++) {
		snprintf(names[i], sizeof(names[i]), "10.200.%zu.0/24", i);
		list[i] = names[i];
	}
	list[100] = NULL;
	ab_basic(&a, 0, "192.0.2.1", 1, 65010);
	send_update(0, NULL, &a, list);
	assert_int_equal(rib_peer_output_queued(peers[1]), 100);
	assert_true(rib_peer_output_ripe(peers[1]));
	drain(1);
	/* A round under way is ripe until it is done, queue or not. */
	round_feed(300, 3);
	wbuf_init(&w, 4096);
	assert_true(rib_peer_output(peers[1], &w, 1));
	assert_int_equal(rib_peer_output_queued(peers[1]), 0);
	assert_true(rib_peer_output_ripe(peers[1]));
	wbuf_free(&w);
	drain(1);
	assert_int_equal(nupd, 2); /* the other two sets */
	teardown_world();
}

/*
 * A round spans calls: changes during it go to the next round, End-of-RIB
 * waits for both, a prefix that becomes the peer's own route while the
 * round is about to advertise it is withdrawn afterwards, and a session
 * that goes down mid-round releases what the round held.
 */
static void
test_output_round_changes(void **state)
{
	struct wbuf w;
	struct ab a;
	size_t i;

	(void)state;
	world(1);
	nb_init(0, 65010);
	nb_init(1, 65020);
	nb_init(2, 65030);
	peer_up(0);
	round_feed(300, 3);
	peer_up(1);
	wbuf_init(&w, 4096);
	/* One message of the initial table; no End-of-RIB yet. */
	assert_true(rib_peer_output(peers[1], &w, 1));
	/* Peer 1 now has the best route for the last prefix of set 2
	 * (shorter path); the round still holds the old one. */
	ab_basic(&a, 0, "192.0.2.2", 1, 65020);
	announce(1, &a, round_pfx(299));
	assert_true(best_of(round_pfx(299), NULL) == peers[1]);
	/* And a prefix of set 0 changes its set. */
	ab_basic(&a, 0, "192.0.2.1", 3, 65010, 65011, 65012);
	announce(0, &a, round_pfx(0));
	drain_buf(1, 1);
	assert_int_equal(neor, 2);
	assert_int_equal(eor_before_updates, 0);
	assert_int_equal(advertised(1, round_pfx(299)), 0);
	assert_int_equal(advertised(1, round_pfx(0)), 1);
	for (i = 1; i < 299; i++)
		assert_int_equal(advertised(1, round_pfx(i)), 1);
	/* The last word on 10.0.0.0/24 carries the new path, and the last
	 * word on the peer's own prefix is a withdrawal. */
	assert_string_equal(path_str(&sent_find_last(round_pfx(0))->a),
	    "65000 65010 65011 65012");
	assert_true(sent_find_last(round_pfx(299))->withdraw);
	/* Down in the middle of a round: nothing leaks (teardown checks). */
	peer_up(2);
	assert_true(rib_peer_output(peers[2], &w, 1));
	assert_true(rib_peer_output_ripe(peers[2]));
	rib_peer_down(peers[2]);
	assert_int_equal(rib_peer_output_queued(peers[2]), 0);
	wbuf_free(&w);
	teardown_world();
}

static void
test_refresh(void **state)
{
	struct ab a;

	(void)state;
	world(1);
	nb_init(0, 65010);
	nb_init(1, 65020);
	peer_up(0);
	peer_up(1);
	ab_basic(&a, 0, "192.0.2.1", 1, 65010);
	announce(0, &a, "10.0.0.0/8");
	ab_mp_reach6(&a, "2001:db8::1", L("2001:db8:1::/48"));
	send_update(0, NULL, &a, NULL);
	drain(1);
	assert_int_equal(nsent, 2);
	rib_peer_refresh(peers[1], BGP_AFI_IPV4, BGP_SAFI_UNICAST);
	drain(1);
	assert_int_equal(nrefresh, 2);
	assert_int_equal(refresh_sub[0], BGP_REFRESH_BORR);
	assert_int_equal(refresh_sub[1], BGP_REFRESH_EORR);
	assert_int_equal(nsent, 1); /* IPv4 only, resent */
	assert_non_null(sent_find("10.0.0.0/8"));
	assert_int_equal(neor, 0);
	teardown_world();
}

struct view_arg {
	size_t n;
	bool best;
	size_t attrs_len;
};

static bool
walk_view(void *arg, const struct rib_route *r)
{
	struct view_arg *v = arg;

	v->n++;
	v->best |= r->best;
	v->attrs_len = r->attrs_len;
	return v->n < 2; /* stop after two */
}

/* Graceful restart (RFC 4724 4.2): which paths of peer i are stale. */
struct stale_arg {
	size_t n, stale;
};

static bool
walk_stale(void *arg, const struct rib_route *r)
{
	struct stale_arg *v = arg;

	v->n++;
	v->stale += r->stale;
	return true;
}

static size_t
stale_of(int i)
{
	struct rib_peer_stats st;
	struct stale_arg v = { 0, 0 };

	rib_walk(rib, RIB_VIEW_RECEIVED, peers[i], NULL, walk_stale, &v);
	rib_peer_stats(peers[i], &st);
	assert_int_equal(st.stale, v.stale);
	return v.stale;
}

/*
 * A lost session keeps the paths of the families kept, stale, still best
 * and still advertised (no UPDATE to anyone, no FIB change); the others
 * are withdrawn.  A path sent again is fresh; a policy change leaves
 * stale ones stale; the flush withdraws what was not sent again, and
 * freeing a peer with stale paths leaks nothing.
 */
static void
test_gr_stale(void **state)
{
	struct rib_peer_stats st;
	struct ab a;
	int calls;

	(void)state;
	world(1);
	nb_init(0, 65010);
	nb_init(1, 65020);
	peer_up(0);
	peer_up(1);
	ab_basic(&a, 0, "192.0.2.1", 1, 65010);
	send_update(0, NULL, &a, L("10.0.0.0/8", "10.1.0.0/16"));
	ab_mp_reach6(&a, "2001:db8::1", L("2001:db8:1::/48"));
	send_update(0, NULL, &a, NULL);
	drain(1);
	assert_int_equal(nsent, 3);
	calls = best_calls;
	rib_peer_down_keep(peers[0], BGP_FAM_IPV4);
	assert_int_equal(stale_of(0), 2);
	rib_peer_stats(peers[0], &st);
	assert_int_equal(st.received, 2);
	/* Only the IPv6 route went: one FIB change, one withdrawal. */
	assert_int_equal(best_calls, calls + 1);
	assert_int_equal(best_n, 0);
	drain(1);
	assert_int_equal(nsent, 1);
	assert_true(sent_find("2001:db8:1::/48")->withdraw);
	assert_int_equal(rib_prefix_count(rib), 2);
	/* Back: the table is queued again; 10.0.0.0/8 is sent again. */
	peer_up(0);
	assert_int_equal(stale_of(0), 2);
	ab_basic(&a, 0, "192.0.2.1", 1, 65010);
	announce(0, &a, "10.0.0.0/8");
	assert_int_equal(stale_of(0), 1);
	/* Same attributes: nothing changed for peer 1. */
	drain(1);
	assert_null(sent_find("10.0.0.0/8"));
	/* A policy change is no news from the peer. */
	rib_peer_reconf(peers[0], &nbs[0]);
	assert_int_equal(stale_of(0), 1);
	/* End-of-RIB: the stale one goes, to the FIB and to peer 1. */
	calls = best_calls;
	assert_int_equal(rib_peer_stale_flush(peers[0], BGP_FAM_IPV6), 0);
	assert_int_equal(rib_peer_stale_flush(peers[0], BGP_FAM_IPV4), 1);
	assert_int_equal(stale_of(0), 0);
	assert_int_equal(best_calls, calls + 1);
	assert_int_equal(best_n, 0);
	drain(1);
	assert_int_equal(nsent, 1);
	assert_true(sent_find("10.1.0.0/16")->withdraw);
	rib_peer_stats(peers[0], &st);
	assert_int_equal(st.received, 1);
	assert_int_equal(st.accepted, 1);
	/* Lost again, then freed while stale (peer removed). */
	rib_peer_down_keep(peers[0], BGP_FAM_IPV4 | BGP_FAM_IPV6);
	assert_int_equal(stale_of(0), 1);
	rib_peer_free(peers[0]);
	peers[0] = NULL;
	assert_int_equal(rib_prefix_count(rib), 0);
	teardown_world();
}

/* A plain rib_peer_down of a peer holding stale paths flushes them. */
static void
test_gr_down_flush(void **state)
{
	struct ab a;

	(void)state;
	world(1);
	nb_init(0, 65010);
	peer_up(0);
	ab_basic(&a, 0, "192.0.2.1", 1, 65010);
	announce(0, &a, "10.0.0.0/8");
	rib_peer_down_keep(peers[0], BGP_FAM_IPV4);
	assert_int_equal(stale_of(0), 1);
	rib_peer_down(peers[0]);
	assert_int_equal(stale_of(0), 0);
	assert_int_equal(rib_prefix_count(rib), 0);
	/* keep == 0 is a plain down. */
	peer_up(0);
	announce(0, &a, "10.0.0.0/8");
	rib_peer_down_keep(peers[0], 0);
	assert_int_equal(rib_prefix_count(rib), 0);
	teardown_world();
}

/* Exit with routes kept: sessions closing afterwards withdraw nothing. */
static void
test_shutdown_quiet(void **state)
{
	struct ab a;
	int calls;

	(void)state;
	world(1);
	nb_init(0, 65010);
	peer_up(0);
	ab_basic(&a, 0, "192.0.2.1", 1, 65010);
	announce(0, &a, "10.0.0.0/8");
	calls = best_calls;
	rib_shutdown(rib);
	rib_peer_down_keep(peers[0], BGP_FAM_IPV4);
	rib_peer_down(peers[0]);
	assert_int_equal(best_calls, calls);
	teardown_world();
}

static void
test_walk_views(void **state)
{
	struct view_arg v;
	struct prefix f = P("10.0.0.0/8");
	struct ab a;

	(void)state;
	world(1);
	nb_init(0, 65010);
	nb_init(1, 65020);
	peer_up(0);
	peer_up(1);
	ab_basic(&a, 0, "192.0.2.1", 1, 65010);
	send_update(
	    0, NULL, &a, L("10.0.0.0/8", "10.1.0.0/16", "192.168.0.0/16"));
	memset(&v, 0, sizeof(v));
	rib_walk(rib, RIB_VIEW_BEST, NULL, &f, walk_view, &v);
	assert_int_equal(v.n, 2);
	assert_true(v.best);
	memset(&v, 0, sizeof(v));
	rib_walk(rib, RIB_VIEW_RECEIVED, peers[0], NULL, walk_view, &v);
	assert_int_equal(v.n, 2); /* stopped by fn */
	memset(&v, 0, sizeof(v));
	rib_walk(rib, RIB_VIEW_ADVERTISED, peers[1], NULL, walk_view, &v);
	assert_int_equal(v.n, 0); /* nothing sent yet */
	drain(1);
	memset(&v, 0, sizeof(v));
	f = P("192.168.0.0/16");
	rib_walk(rib, RIB_VIEW_ADVERTISED, peers[1], &f, walk_view, &v);
	assert_int_equal(v.n, 1);
	assert_true(v.attrs_len > 0);
	assert_int_equal(rib_prefix_count(rib), 3);
	assert_true(rib_aset_count(rib) >= 2);
	teardown_world();
}

static void
test_treat_as_withdraw(void **state)
{
	struct bgp_attr_opts o = { .as4 = true, .ebgp = true };
	uint8_t msg[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 31, 2, 0, 0, 0, 4,
		0x40, 1, 1, 0, 8, 10 }; /* no AS_PATH, NH */
	struct bgp_update u;
	struct bgp_err err;
	struct ab a;

	(void)state;
	world(1);
	nb_init(0, 65010);
	peer_up(0);
	ab_basic(&a, 0, "192.0.2.1", 1, 65010);
	announce(0, &a, "10.0.0.0/8");
	assert_int_equal(rib_prefix_count(rib), 1);
	msg[17] = sizeof(msg);
	assert_int_equal(bgp_update_decode(msg, sizeof(msg), &o, &u, &err),
	    BGP_ACT_TREAT_AS_WITHDRAW);
	rib_peer_input_withdraw(peers[0], &u);
	assert_int_equal(rib_prefix_count(rib), 0);
	teardown_world();
}

/* Event i of path_changed was gateway gw (from peer) coming or going. */
static void
pathev_is(int i, const char *gw, const char *peer, bool gone)
{
	assert_true(i < npathev);
	assert_int_equal(addr_cmp(&pathev[i].gw, &(struct addr){ 0 }) != 0, 1);
	assert_string_equal(inet_ntoa(pathev[i].gw.v4), gw);
	assert_string_equal(inet_ntoa(pathev[i].peer.v4), peer);
	assert_int_equal(pathev[i].gone, gone);
}

/*
 * path_changed reports every path, not only the best ones (the overlay
 * accepts sources from each): a second path that is not best is
 * reported; a stale one stays until the flush; a new next hop comes
 * before the old one goes; nothing at all once the RIB is dying.
 */
static void
test_path_changed(void **state)
{
	struct ab a1, a2;

	(void)state;
	world(1);
	nb_init(0, MY_AS);
	nb_init(1, MY_AS);
	peer_up(0);
	peer_up(1);
	ab_basic(&a1, 0, "192.0.2.1", 0);
	ab_basic(&a2, 0, "192.0.2.2", 0);
	announce(0, &a1, "10.0.0.0/8");
	announce(1, &a2, "10.0.0.0/8");
	assert_int_equal(npathev, 2);
	pathev_is(0, "192.0.2.1", "192.0.2.1", false);
	pathev_is(1, "192.0.2.2", "192.0.2.2", false);
	/* Not best (ECMP 1, the lower router id wins): still reported. */
	assert_int_equal(best_n, 1);
	assert_string_equal(inet_ntoa(best_nh[0].gw.v4), "192.0.2.1");
	/* The same path again: no news. */
	announce(1, &a2, "10.0.0.0/8");
	assert_int_equal(npathev, 2);
	/* Graceful restart: the stale path stays until the flush. */
	rib_peer_down_keep(peers[0], BGP_FAM_IPV4);
	assert_int_equal(npathev, 2);
	assert_int_equal(rib_peer_stale_flush(peers[0], BGP_FAM_IPV4), 1);
	assert_int_equal(npathev, 3);
	pathev_is(2, "192.0.2.1", "192.0.2.1", true);
	/* A new next hop: the new one first, then the old one gone. */
	ab_basic(&a2, 0, "192.0.2.9", 0);
	announce(1, &a2, "10.0.0.0/8");
	assert_int_equal(npathev, 5);
	pathev_is(3, "192.0.2.9", "192.0.2.2", false);
	pathev_is(4, "192.0.2.2", "192.0.2.2", true);
	/* Other attributes only: nothing. */
	ab_comms(&a2, 1, 65000u << 16 | 1);
	announce(1, &a2, "10.0.0.0/8");
	assert_int_equal(npathev, 5);
	withdraw(1, "10.0.0.0/8");
	assert_int_equal(npathev, 6);
	pathev_is(5, "192.0.2.9", "192.0.2.2", true);
	/* Dying: peers going down report nothing. */
	announce(1, &a2, "10.0.0.0/8");
	assert_int_equal(npathev, 7);
	rib_shutdown(rib);
	rib_peer_down(peers[1]);
	assert_int_equal(npathev, 7);
	teardown_world();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decide_local_pref),
		cmocka_unit_test(test_decide_ebgp_local_pref_ignored),
		cmocka_unit_test(test_decide_as_path),
		cmocka_unit_test(test_decide_origin),
		cmocka_unit_test(test_decide_med),
		cmocka_unit_test(test_decide_ebgp_over_ibgp),
		cmocka_unit_test(test_decide_router_id_originator_cluster_addr),
		cmocka_unit_test(test_decide_ecmp),
		cmocka_unit_test(test_prefix_match),
		cmocka_unit_test(test_prefix_table),
		cmocka_unit_test(test_import_rfc8212_and_lists),
		cmocka_unit_test(test_import_set),
		cmocka_unit_test(test_import_max_prefix),
		cmocka_unit_test(test_import_loops),
		cmocka_unit_test(test_export_rfc8212),
		cmocka_unit_test(test_export_communities),
		cmocka_unit_test(test_export_ebgp_rewrite),
		cmocka_unit_test(test_export_as2_peer),
		cmocka_unit_test(test_export_ibgp_rewrite),
		cmocka_unit_test(test_export_ipv6),
		cmocka_unit_test(test_reflection),
		cmocka_unit_test(test_pools),
		cmocka_unit_test(test_pools_egress_held),
		cmocka_unit_test(test_peer_down_withdraws),
		cmocka_unit_test(test_eor_after_initial_table),
		cmocka_unit_test(test_output_grouping),
		cmocka_unit_test(test_output_round_regroups),
		cmocka_unit_test(test_output_ripe),
		cmocka_unit_test(test_output_round_changes),
		cmocka_unit_test(test_refresh),
		cmocka_unit_test(test_walk_views),
		cmocka_unit_test(test_gr_stale),
		cmocka_unit_test(test_path_changed),
		cmocka_unit_test(test_gr_down_flush),
		cmocka_unit_test(test_shutdown_quiet),
		cmocka_unit_test(test_treat_as_withdraw),
	};
	int rc;

	rc = cmocka_run_group_tests(tests, NULL, NULL);
	wbuf_free(&outbuf);
	return rc;
}
