/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for UPDATE decode, path attributes and the update packer.
 *
 * Messages are assembled from their three parts (withdrawn routes,
 * attribute block, NLRI) as raw octets, so each test shows on one screen
 * the bytes a peer sent and the verdict RFC 4271 6.3 / RFC 7606 demand:
 * the action, and the code, subcode and data for the log or NOTIFICATION.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "bgp_attr.h"
#include "bgp_msg.h"
#include "bgp_update.h"

#define B(...)                            \
	(const uint8_t[]){ __VA_ARGS__ }, \
	    sizeof((const uint8_t[]){ __VA_ARGS__ })
#define NONE NULL, 0

/* Well-formed attributes for the common case. */
#define A_ORIGIN  0x40, 1, 1, 0
#define A_PATH4	  0x40, 2, 6, 2, 1, 0, 0, 0xfd, 0xe9 /* 65001 */
#define A_PATH2	  0x40, 2, 4, 2, 1, 0xfd, 0xe9	     /* 65001 */
#define A_NH	  0x40, 3, 4, 192, 0, 2, 1
#define A_MAND	  A_ORIGIN, A_PATH4, A_NH
#define NLRI_10_8 8, 10

static uint8_t msg[BGP_MAX_MSG_LEN + 64];
static size_t msglen;
static struct bgp_update u;
static struct bgp_err e;

static size_t
mk_update(const uint8_t *wd, size_t wdlen, const uint8_t *at, size_t atlen,
    const uint8_t *nl, size_t nllen)
{
	uint8_t *p = msg + BGP_HDR_LEN;

	memset(msg, 0xff, BGP_MARKER_LEN);
	msg[18] = BGP_MSG_UPDATE;
	*p++ = (uint8_t)(wdlen >> 8);
	*p++ = (uint8_t)wdlen;
	if (wdlen > 0)
		memcpy(p, wd, wdlen);
	p += wdlen;
	*p++ = (uint8_t)(atlen >> 8);
	*p++ = (uint8_t)atlen;
	if (atlen > 0)
		memcpy(p, at, atlen);
	p += atlen;
	if (nllen > 0)
		memcpy(p, nl, nllen);
	p += nllen;
	msglen = (size_t)(p - msg);
	msg[16] = (uint8_t)(msglen >> 8);
	msg[17] = (uint8_t)msglen;
	return msglen;
}

static enum bgp_action
dec(bool as4, bool ebgp)
{
	struct bgp_attr_opts o = { .as4 = as4, .ebgp = ebgp };

	return bgp_update_decode(msg, msglen, &o, &u, &e);
}

/* Decode an attribute block with NLRI 10/8 and check the verdict. */
static void
verdict(const uint8_t *at, size_t atlen, bool as4, bool ebgp,
    enum bgp_action act, uint8_t code, uint8_t subcode, const uint8_t *data,
    size_t datalen)
{
	mk_update(NONE, at, atlen, B(NLRI_10_8));
	assert_int_equal(dec(as4, ebgp), act);
	assert_int_equal(e.action, act);
	assert_int_equal(e.code, code);
	assert_int_equal(e.subcode, subcode);
	assert_int_equal(e.datalen, datalen);
	if (datalen > 0)
		assert_memory_equal(bgp_msg_err_data(&e), data, datalen);
}

static struct prefix
pfx(const char *s)
{
	struct prefix p;

	assert_int_equal(prefix_parse(s, &p, true), 0);
	return p;
}

static void
assert_run(const struct bgp_nlri *n, const char *const *want, size_t count)
{
	struct bgp_nlri_iter it;
	struct prefix p;
	char buf[PREFIX_STRLEN];
	size_t i = 0;

	assert_int_equal(n->count, count);
	bgp_update_nlri_iter(&it, n);
	while (bgp_update_nlri_next(&it, &p)) {
		assert_true(i < count);
		assert_string_equal(prefix_fmt(&p, buf, sizeof(buf)), want[i]);
		i++;
	}
	assert_int_equal(i, count);
}

/* Well-formed UPDATEs. */

static void
test_update_ipv4_all_attrs(void **state)
{
	static const char *const nl[] = { "10.0.0.0/8", "192.168.1.0/24",
		"0.0.0.0/0", "172.16.0.0/12" };
	static const char *const wd[] = { "10.1.2.3/32", "10.128.0.0/9" };
	const struct bgp_attrs *a = &u.attrs;
	struct in_addr nh;

	(void)state;
	mk_update(B(32, 10, 1, 2, 3, 9, 10, 0x80),
	    B(A_ORIGIN, A_PATH4, A_NH, 0x80, 4, 4, 0, 0, 0, 50, /* MED 50 */
		0x40, 5, 4, 0, 0, 0, 200, /* LOCAL_PREF 200 */
		0x40, 6, 0,		  /* ATOMIC_AGGREGATE */
		0xc0, 7, 8, 0, 0, 0xfd, 0xe9, 10, 0, 0, 9, /* AGGREGATOR */
		0xc0, 8, 8, 0xfd, 0xe9, 0, 1, 0xff, 0xff, 0xff, 0x01, 0x80, 9,
		4, 10, 0, 0, 7,			     /* ORIGINATOR_ID */
		0x80, 10, 8, 1, 1, 1, 1, 2, 2, 2, 2, /* CLUSTER_LIST */
		0xc0, 16, 8, 0, 2, 0xfd, 0xe9, 0, 0, 0, 7, 0xc0, 32, 12, 0, 0,
		0xfd, 0xe9, 0, 0, 0, 1, 0, 0, 0, 2),
	    B(8, 10, 24, 192, 168, 1, 0, 12, 172, 16));
	assert_int_equal(dec(true, false), BGP_ACT_OK);
	assert_run(&u.nlri, nl, 4);
	assert_run(&u.withdrawn, wd, 2);
	assert_int_equal(a->origin, BGP_ORIGIN_IGP);
	assert_int_equal(
	    bgp_attr_aspath_count(a->aspath, a->aspath_len, true), 1);
	assert_int_equal(
	    bgp_attr_aspath_first(a->aspath, a->aspath_len, true), 65001);
	inet_pton(AF_INET, "192.0.2.1", &nh);
	assert_memory_equal(&a->next_hop, &nh, 4);
	assert_int_equal(a->med, 50);
	assert_int_equal(a->local_pref, 200);
	assert_true(a->present & BGP_ATTR_BIT(BGP_ATTR_ATOMIC_AGGREGATE));
	assert_int_equal(a->agg_as, 65001);
	assert_int_equal(a->agg_id, 0x0a000009);
	assert_int_equal(a->communities_len, 8);
	assert_true(bgp_attr_has_community(a, BGP_COMM_NO_EXPORT));
	assert_false(bgp_attr_has_community(a, BGP_COMM_NO_ADVERTISE));
	assert_int_equal(a->originator_id, 0x0a000007);
	assert_int_equal(a->cluster_list_len, 8);
	assert_int_equal(a->ext_communities_len, 8);
	assert_int_equal(a->large_communities_len, 12);
	assert_int_equal(a->large_communities[3], 0xe9);
	assert_false(u.eor);
}

static void
test_update_attrs_canonical_roundtrip(void **state)
{
	struct bgp_attr_opts o = { .as4 = true };
	struct bgp_attrs a2;
	struct wbuf c1, c2;

	(void)state;
	/* Attributes out of order, a short one with extended length. */
	mk_update(NONE,
	    B(0xc0, 8, 4, 0xfd, 0xe9, 0, 1, 0x50, 2, 0, 6, 2, 1, 0, 0, 0xfd,
		0xe9, A_NH, A_ORIGIN),
	    B(NLRI_10_8));
	assert_int_equal(dec(true, false), BGP_ACT_OK);
	wbuf_init(&c1, 0);
	wbuf_init(&c2, 0);
	assert_int_equal(bgp_attr_encode(&u.attrs, true, &c1), 0);
	{
		const uint8_t want[] = { A_ORIGIN, A_PATH4, A_NH, 0xc0, 8, 4,
			0xfd, 0xe9, 0, 1 };

		assert_int_equal(c1.len, sizeof(want));
		assert_memory_equal(c1.data, want, sizeof(want));
	}
	bgp_msg_err_clear(&e);
	assert_int_equal(
	    bgp_attr_decode(c1.data, c1.len, &o, &a2, &e), BGP_ACT_OK);
	assert_int_equal(bgp_attr_encode(&a2, true, &c2), 0);
	assert_int_equal(c2.len, c1.len);
	assert_memory_equal(c2.data, c1.data, c1.len);
	wbuf_free(&c1);
	wbuf_free(&c2);
}

static void
test_update_unknown_attrs(void **state)
{
	struct bgp_attr_unknown_iter it;
	struct bgp_attr_raw r;
	struct wbuf w;

	(void)state;
	/* Optional transitive 99 (Partial clear) kept, optional
	 * non-transitive 98 dropped. */
	mk_update(NONE, B(A_MAND, 0xc0, 99, 2, 0xab, 0xcd, 0x80, 98, 1, 0xee),
	    B(NLRI_10_8));
	assert_int_equal(dec(true, false), BGP_ACT_OK);
	assert_int_equal(u.attrs.unknown_count, 1);
	bgp_attr_unknown_iter_init(&it, &u.attrs);
	assert_int_equal(bgp_attr_unknown_next(&it, &r), 1);
	assert_int_equal(r.type, 99);
	assert_int_equal(r.len, 2);
	assert_int_equal(bgp_attr_unknown_next(&it, &r), 0);
	/* Passed on with the Partial bit set (RFC 4271 5). */
	wbuf_init(&w, 0);
	assert_int_equal(bgp_attr_encode(&u.attrs, true, &w), 0);
	{
		const uint8_t want[] = { A_MAND, 0xe0, 99, 2, 0xab, 0xcd };

		assert_int_equal(w.len, sizeof(want));
		assert_memory_equal(w.data, want, sizeof(want));
	}
	wbuf_free(&w);
	/* Unknown well-known: session reset 3/2, data = the attribute. */
	verdict(B(A_MAND, 0x40, 99, 1, 7), true, false, BGP_ACT_SESSION_RESET,
	    3, 2, B(0x40, 99, 1, 7));
}

/* AS paths: 2- vs 4-octet, AS4_PATH merge (RFC 6793 4.2.3). */

static void
test_update_as2_as4(void **state)
{
	(void)state;
	/* The same path, 2-octet on an OLD session. */
	mk_update(NONE,
	    B(A_ORIGIN, 0x40, 2, 6, 2, 2, 0xfd, 0xe9, 0xfd, 0xea, A_NH),
	    B(NLRI_10_8));
	assert_int_equal(dec(false, false), BGP_ACT_OK);
	assert_false(u.attrs.aspath_as4);
	assert_int_equal(
	    bgp_attr_aspath_count(u.attrs.aspath, u.attrs.aspath_len, false),
	    2);
	assert_true(bgp_attr_aspath_contains(
	    u.attrs.aspath, u.attrs.aspath_len, false, 65002));
	/* Read as 4-octet, two ASes need 8 octets: malformed. */
	assert_int_equal(dec(true, false), BGP_ACT_TREAT_AS_WITHDRAW);
	assert_int_equal(e.subcode, 11);
	/* The 4-octet path "70000" read on an OLD session: AS 1, then a
	 * segment of type 0x11: treat-as-withdraw 3/11. */
	verdict(B(A_ORIGIN, 0x40, 2, 6, 2, 1, 0, 1, 0x11, 0x70, A_NH), false,
	    false, BGP_ACT_TREAT_AS_WITHDRAW, 3, 11,
	    B(0x40, 2, 6, 2, 1, 0, 1, 0x11, 0x70));
	assert_int_equal(dec(true, false), BGP_ACT_OK);
}

/* Decode on an OLD session, normalize, return the 4-octet path. */
static void
merged(const uint8_t *at, size_t atlen, const uint8_t *want, size_t wantlen)
{
	struct wbuf s;

	mk_update(NONE, at, atlen, B(NLRI_10_8));
	assert_int_equal(dec(false, false), BGP_ACT_OK);
	wbuf_init(&s, 0);
	bgp_attr_normalize(&u.attrs, &s);
	assert_true(u.attrs.aspath_as4);
	assert_false(u.attrs.present & BGP_ATTR_BIT(BGP_ATTR_AS4_PATH));
	assert_int_equal(u.attrs.aspath_len, wantlen);
	assert_memory_equal(u.attrs.aspath, want, wantlen);
	wbuf_free(&s);
}

#define AT 0x5b, 0xa0 /* AS_TRANS */

static void
test_update_as4_merge(void **state)
{
	(void)state;
	/* AS_PATH 65001 T T, AS4_PATH 70000 80000 -> 65001 70000 80000. */
	merged(B(A_ORIGIN, 0x40, 2, 8, 2, 3, 0xfd, 0xe9, AT, AT, A_NH, 0xc0, 17,
		   10, 2, 2, 0, 1, 0x11, 0x70, 0, 1, 0x38, 0x80),
	    B(2, 3, 0, 0, 0xfd, 0xe9, 0, 1, 0x11, 0x70, 0, 1, 0x38, 0x80));
	/* AS4_PATH longer than AS_PATH: ignored, AS_PATH widened. */
	merged(B(A_ORIGIN, 0x40, 2, 4, 2, 1, AT, A_NH, 0xc0, 17, 10, 2, 2, 0, 1,
		   0x11, 0x70, 0, 1, 0x38, 0x80),
	    B(2, 1, 0, 0, 0x5b, 0xa0));
	/* Leading AS_SET counts as one: {1 2} 65001 T + AS4 70000. */
	merged(B(A_ORIGIN, 0x40, 2, 12, 1, 2, 0, 1, 0, 2, 2, 2, 0xfd, 0xe9, AT,
		   A_NH, 0xc0, 17, 6, 2, 1, 0, 1, 0x11, 0x70),
	    B(1, 2, 0, 0, 0, 1, 0, 0, 0, 2, 2, 2, 0, 0, 0xfd, 0xe9, 0, 1, 0x11,
		0x70));
	/* AGGREGATOR with a real 2-octet AS: AS4_* ignored. */
	merged(B(A_ORIGIN, 0x40, 2, 6, 2, 2, 0xfd, 0xe9, AT, A_NH, 0xc0, 7, 6,
		   0xfd, 0xe9, 1, 2, 3, 4, 0xc0, 17, 6, 2, 1, 0, 1, 0x11, 0x70),
	    B(2, 2, 0, 0, 0xfd, 0xe9, 0, 0, 0x5b, 0xa0));
	/* AGGREGATOR AS_TRANS + AS4_AGGREGATOR: both merged. */
	merged(B(A_ORIGIN, 0x40, 2, 6, 2, 2, 0xfd, 0xe9, AT, A_NH, 0xc0, 7, 6,
		   AT, 1, 2, 3, 4, 0xc0, 17, 6, 2, 1, 0, 1, 0x11, 0x70, 0xc0,
		   18, 8, 0, 1, 0x11, 0x70, 1, 2, 3, 4),
	    B(2, 2, 0, 0, 0xfd, 0xe9, 0, 1, 0x11, 0x70));
	assert_int_equal(u.attrs.agg_as, 70000);
	assert_int_equal(u.attrs.agg_id, 0x01020304);
}

static void
test_update_as4_encode_old_peer(void **state)
{
	struct wbuf s, w;

	(void)state;
	/* A 4-octet path 65001 70000 with aggregator 70000 to an OLD
	 * peer: AS_TRANS in AS_PATH/AGGREGATOR, plus AS4_PATH and
	 * AS4_AGGREGATOR (RFC 6793 4.2.2). */
	mk_update(NONE,
	    B(A_ORIGIN, 0x40, 2, 10, 2, 2, 0, 0, 0xfd, 0xe9, 0, 1, 0x11, 0x70,
		A_NH, 0xc0, 7, 8, 0, 1, 0x11, 0x70, 1, 2, 3, 4),
	    B(NLRI_10_8));
	assert_int_equal(dec(true, false), BGP_ACT_OK);
	wbuf_init(&s, 0);
	wbuf_init(&w, 0);
	bgp_attr_normalize(&u.attrs, &s);
	assert_int_equal(bgp_attr_encode(&u.attrs, false, &w), 0);
	{
		const uint8_t want[] = { A_ORIGIN, 0x40, 2, 6, 2, 2, 0xfd, 0xe9,
			AT, A_NH, 0xc0, 7, 6, AT, 1, 2, 3, 4, 0xc0, 17, 10, 2,
			2, 0, 0, 0xfd, 0xe9, 0, 1, 0x11, 0x70, 0xc0, 18, 8, 0,
			1, 0x11, 0x70, 1, 2, 3, 4 };

		assert_int_equal(w.len, sizeof(want));
		assert_memory_equal(w.data, want, sizeof(want));
	}
	/* A NEW peer must not get AS4_* (and drops them if sent). */
	verdict(B(A_MAND, 0xc0, 17, 6, 2, 1, 0, 1, 0x11, 0x70), true, false,
	    BGP_ACT_ATTR_DISCARD, 3, 9, B(0xc0, 17, 6, 2, 1, 0, 1, 0x11, 0x70));
	assert_false(u.attrs.present & BGP_ATTR_BIT(BGP_ATTR_AS4_PATH));
	wbuf_free(&s);
	wbuf_free(&w);
}

static void
test_aspath_prepend(void **state)
{
	struct wbuf w;
	const uint8_t path[] = { 2, 1, 0, 0, 0xfd, 0xe9, 1, 1, 0, 0, 0, 9 };
	const uint8_t want[] = { 2, 3, 0, 0, 0xfd, 0xe8, 0, 0, 0xfd, 0xe8, 0, 0,
		0xfd, 0xe9, 1, 1, 0, 0, 0, 9 };

	(void)state;
	wbuf_init(&w, 0);
	bgp_attr_aspath_prepend(&w, path, sizeof(path), 65000, 2);
	assert_int_equal(w.len, sizeof(want));
	assert_memory_equal(w.data, want, sizeof(want));
	assert_int_equal(bgp_attr_aspath_count(w.data, w.len, true), 4);
	wbuf_free(&w);
}

/* RFC 4271 6.3 / RFC 7606 verdicts. */

static void
test_update_framing_errors(void **state)
{
	(void)state;
	/* Withdrawn Routes Length beyond the message: 3/1 reset. */
	mk_update(NONE, NONE, NONE);
	msg[20] = 5;
	assert_int_equal(dec(true, false), BGP_ACT_SESSION_RESET);
	assert_int_equal(e.code, 3);
	assert_int_equal(e.subcode, 1);
	/* Total Attribute Length beyond the message. */
	mk_update(NONE, B(A_MAND), B(NLRI_10_8));
	msg[22] = 40;
	assert_int_equal(dec(true, false), BGP_ACT_SESSION_RESET);
	assert_int_equal(e.subcode, 1);
	/* Attribute length overruns the block: 3/1 (see bgp_attr.c). */
	verdict(B(A_ORIGIN, A_PATH4, 0x40, 3, 9, 192, 0, 2, 1), true, false,
	    BGP_ACT_SESSION_RESET, 3, 1, NONE);
	/* Fewer than three octets left for an attribute header. */
	verdict(
	    B(A_MAND, 0x40), true, false, BGP_ACT_SESSION_RESET, 3, 1, NONE);
	/* NLRI prefix length 33: Invalid Network Field. */
	mk_update(NONE, B(A_MAND), B(33, 10, 0, 0, 0, 0));
	assert_int_equal(dec(true, false), BGP_ACT_SESSION_RESET);
	assert_int_equal(e.subcode, 10);
	/* Withdrawn prefix truncated. */
	mk_update(B(24, 10, 0), NONE, NONE);
	assert_int_equal(dec(true, false), BGP_ACT_SESSION_RESET);
	assert_int_equal(e.subcode, 10);
	/* Message shorter than an UPDATE. */
	mk_update(NONE, NONE, NONE);
	msglen = 22;
	assert_int_equal(dec(true, false), BGP_ACT_SESSION_RESET);
	assert_int_equal(e.code, 1);
	assert_int_equal(e.subcode, 2);
}

static void
test_update_duplicates(void **state)
{
	(void)state;
	/* RFC 7606 3(g): repeated ORIGIN: the first one wins. */
	verdict(B(A_MAND, 0x40, 1, 1, 2), true, false, BGP_ACT_ATTR_DISCARD, 3,
	    1, B(0x40, 1, 1, 2));
	assert_int_equal(u.attrs.origin, 0);
	/* Repeated MP_REACH_NLRI: session reset 3/1. */
	verdict(B(0x80, 14, 5, 0, 2, 1, 0, 0, 0x80, 14, 5, 0, 2, 1, 0, 0), true,
	    false, BGP_ACT_SESSION_RESET, 3, 1, NONE);
	verdict(B(0x80, 15, 3, 0, 2, 1, 0x80, 15, 3, 0, 2, 1), true, false,
	    BGP_ACT_SESSION_RESET, 3, 1, NONE);
}

static void
test_update_treat_as_withdraw(void **state)
{
	(void)state;
	/* ORIGIN: value 3 (3/6), length 2 (3/5). */
	verdict(B(0x40, 1, 1, 3, A_PATH4, A_NH), true, false,
	    BGP_ACT_TREAT_AS_WITHDRAW, 3, 6, B(0x40, 1, 1, 3));
	verdict(B(0x40, 1, 2, 0, 0, A_PATH4, A_NH), true, false,
	    BGP_ACT_TREAT_AS_WITHDRAW, 3, 5, B(0x40, 1, 2, 0, 0));
	/* AS_PATH: bad segment type, empty segment, overrun, AS 0. */
	verdict(B(A_ORIGIN, 0x40, 2, 6, 5, 1, 0, 0, 0xfd, 0xe9, A_NH), true,
	    false, BGP_ACT_TREAT_AS_WITHDRAW, 3, 11,
	    B(0x40, 2, 6, 5, 1, 0, 0, 0xfd, 0xe9));
	verdict(B(A_ORIGIN, 0x40, 2, 2, 2, 0, A_NH), true, false,
	    BGP_ACT_TREAT_AS_WITHDRAW, 3, 11, B(0x40, 2, 2, 2, 0));
	verdict(B(A_ORIGIN, 0x40, 2, 6, 2, 2, 0, 0, 0xfd, 0xe9, A_NH), true,
	    false, BGP_ACT_TREAT_AS_WITHDRAW, 3, 11,
	    B(0x40, 2, 6, 2, 2, 0, 0, 0xfd, 0xe9));
	verdict(B(A_ORIGIN, 0x40, 2, 6, 2, 1, 0, 0, 0, 0, A_NH), true, false,
	    BGP_ACT_TREAT_AS_WITHDRAW, 3, 11, B(0x40, 2, 6, 2, 1, 0, 0, 0, 0));
	/* Confederation segment: fine from iBGP, not from eBGP. */
	verdict(B(A_ORIGIN, 0x40, 2, 6, 3, 1, 0, 0, 0xfd, 0xe9, A_NH), true,
	    false, BGP_ACT_OK, 0, 0, NONE);
	verdict(B(A_ORIGIN, 0x40, 2, 6, 3, 1, 0, 0, 0xfd, 0xe9, A_NH), true,
	    true, BGP_ACT_TREAT_AS_WITHDRAW, 3, 11,
	    B(0x40, 2, 6, 3, 1, 0, 0, 0xfd, 0xe9));
	/* NEXT_HOP: length 5 (3/5), 0.0.0.0 and multicast (3/8). */
	verdict(B(A_ORIGIN, A_PATH4, 0x40, 3, 5, 1, 2, 3, 4, 5), true, false,
	    BGP_ACT_TREAT_AS_WITHDRAW, 3, 5, B(0x40, 3, 5, 1, 2, 3, 4, 5));
	verdict(B(A_ORIGIN, A_PATH4, 0x40, 3, 4, 0, 0, 0, 0), true, false,
	    BGP_ACT_TREAT_AS_WITHDRAW, 3, 8, B(0x40, 3, 4, 0, 0, 0, 0));
	verdict(B(A_ORIGIN, A_PATH4, 0x40, 3, 4, 224, 0, 0, 5), true, false,
	    BGP_ACT_TREAT_AS_WITHDRAW, 3, 8, B(0x40, 3, 4, 224, 0, 0, 5));
	/* MED, LOCAL_PREF, ORIGINATOR_ID of the wrong length. */
	verdict(B(A_MAND, 0x80, 4, 3, 0, 0, 1), true, false,
	    BGP_ACT_TREAT_AS_WITHDRAW, 3, 5, B(0x80, 4, 3, 0, 0, 1));
	verdict(B(A_MAND, 0x40, 5, 5, 0, 0, 0, 0, 1), true, false,
	    BGP_ACT_TREAT_AS_WITHDRAW, 3, 5, B(0x40, 5, 5, 0, 0, 0, 0, 1));
	verdict(B(A_MAND, 0x80, 9, 3, 1, 2, 3), true, false,
	    BGP_ACT_TREAT_AS_WITHDRAW, 3, 5, B(0x80, 9, 3, 1, 2, 3));
	/* Lists not a non-zero multiple of their unit. */
	verdict(B(A_MAND, 0x80, 10, 6, 1, 2, 3, 4, 5, 6), true, false,
	    BGP_ACT_TREAT_AS_WITHDRAW, 3, 5, B(0x80, 10, 6, 1, 2, 3, 4, 5, 6));
	verdict(B(A_MAND, 0xc0, 8, 5, 1, 2, 3, 4, 5), true, false,
	    BGP_ACT_TREAT_AS_WITHDRAW, 3, 5, B(0xc0, 8, 5, 1, 2, 3, 4, 5));
	verdict(B(A_MAND, 0xc0, 8, 0), true, false, BGP_ACT_TREAT_AS_WITHDRAW,
	    3, 5, B(0xc0, 8, 0));
	verdict(B(A_MAND, 0xc0, 16, 4, 1, 2, 3, 4), true, false,
	    BGP_ACT_TREAT_AS_WITHDRAW, 3, 5, B(0xc0, 16, 4, 1, 2, 3, 4));
	verdict(B(A_MAND, 0xc0, 32, 8, 0, 0, 0, 1, 0, 0, 0, 2), true, false,
	    BGP_ACT_TREAT_AS_WITHDRAW, 3, 5,
	    B(0xc0, 32, 8, 0, 0, 0, 1, 0, 0, 0, 2));
	/* RFC 7606 3(c): flags in conflict (ORIGIN marked optional, MED
	 * marked transitive). */
	verdict(B(0xc0, 1, 1, 0, A_PATH4, A_NH), true, false,
	    BGP_ACT_TREAT_AS_WITHDRAW, 3, 4, B(0xc0, 1, 1, 0));
	verdict(B(A_MAND, 0xc0, 4, 4, 0, 0, 0, 1), true, false,
	    BGP_ACT_TREAT_AS_WITHDRAW, 3, 4, B(0xc0, 4, 4, 0, 0, 0, 1));
	/* The NLRI are still all there, to be withdrawn. */
	assert_int_equal(u.nlri.count, 1);
}

static void
test_update_missing_mandatory(void **state)
{
	(void)state;
	/* RFC 7606 3(d): missing ORIGIN, AS_PATH or NEXT_HOP with NLRI:
	 * treat-as-withdraw, data = the type code. */
	verdict(B(A_PATH4, A_NH), true, false, BGP_ACT_TREAT_AS_WITHDRAW, 3, 3,
	    B(1));
	verdict(B(A_ORIGIN, A_NH), true, false, BGP_ACT_TREAT_AS_WITHDRAW, 3, 3,
	    B(2));
	verdict(B(A_ORIGIN, A_PATH4), true, false, BGP_ACT_TREAT_AS_WITHDRAW, 3,
	    3, B(3));
	verdict(NONE, true, false, BGP_ACT_TREAT_AS_WITHDRAW, 3, 3, B(1));
	/* No NLRI: nothing is mandatory. */
	mk_update(B(NLRI_10_8), B(A_ORIGIN), NONE);
	assert_int_equal(dec(true, false), BGP_ACT_OK);
	/* MP_REACH only: NEXT_HOP not needed (RFC 4760 3). */
	mk_update(NONE,
	    B(0x80, 14, 22, 0, 2, 1, 16, 0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 1, 0, 0, A_ORIGIN, A_PATH4),
	    NONE);
	assert_int_equal(dec(true, false), BGP_ACT_OK);
	mk_update(NONE,
	    B(0x80, 14, 22, 0, 2, 1, 16, 0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 1, 0, 0, A_ORIGIN),
	    NONE);
	assert_int_equal(dec(true, false), BGP_ACT_TREAT_AS_WITHDRAW);
	assert_int_equal(e.subcode, 3);
}

static void
test_update_attr_discard(void **state)
{
	(void)state;
	/* RFC 7606 7.6 / 7.7: ATOMIC_AGGREGATE and AGGREGATOR of the
	 * wrong length are discarded; the route stands. */
	verdict(B(A_MAND, 0x40, 6, 1, 0), true, false, BGP_ACT_ATTR_DISCARD, 3,
	    5, B(0x40, 6, 1, 0));
	assert_true(u.attrs.discarded & BGP_ATTR_BIT(6));
	assert_false(u.attrs.present & BGP_ATTR_BIT(6));
	assert_true(u.attrs.present & BGP_ATTR_BIT(BGP_ATTR_NEXT_HOP));
	verdict(B(A_MAND, 0xc0, 7, 6, 0xfd, 0xe9, 1, 2, 3, 4), true, false,
	    BGP_ACT_ATTR_DISCARD, 3, 5, B(0xc0, 7, 6, 0xfd, 0xe9, 1, 2, 3, 4));
	verdict(B(A_ORIGIN, A_PATH2, A_NH, 0xc0, 7, 8, 0, 0, 0xfd, 0xe9, 1, 2,
		    3, 4),
	    false, false, BGP_ACT_ATTR_DISCARD, 3, 5,
	    B(0xc0, 7, 8, 0, 0, 0xfd, 0xe9, 1, 2, 3, 4));
	/* RFC 7606 7.5, 7.9, 7.10: iBGP-only attributes from eBGP. */
	verdict(B(A_MAND, 0x40, 5, 4, 0, 0, 0, 100), true, true,
	    BGP_ACT_ATTR_DISCARD, 3, 9, B(0x40, 5, 4, 0, 0, 0, 100));
	verdict(B(A_MAND, 0x80, 9, 4, 1, 2, 3, 4), true, true,
	    BGP_ACT_ATTR_DISCARD, 3, 9, B(0x80, 9, 4, 1, 2, 3, 4));
	verdict(B(A_MAND, 0x80, 10, 4, 1, 2, 3, 4), true, true,
	    BGP_ACT_ATTR_DISCARD, 3, 9, B(0x80, 10, 4, 1, 2, 3, 4));
	/* RFC 6793 6: malformed AS4_PATH discarded on an OLD session. */
	verdict(B(A_ORIGIN, A_PATH2, A_NH, 0xc0, 17, 4, 2, 1, 0, 1), false,
	    false, BGP_ACT_ATTR_DISCARD, 3, 9, B(0xc0, 17, 4, 2, 1, 0, 1));
	/* RFC 7606 3(d): the strongest action wins. */
	verdict(B(A_MAND, 0x40, 6, 1, 0, 0x80, 4, 1, 0), true, false,
	    BGP_ACT_TREAT_AS_WITHDRAW, 3, 5, B(0x80, 4, 1, 0));
}

/* MP_REACH_NLRI / MP_UNREACH_NLRI, RFC 4760 and RFC 2545. */

#define NH6 0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
#define LL6 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2

static void
test_update_mp_reach_ipv6(void **state)
{
	static const char *const want[] = { "2001:db8:1::/48", "::/0" };
	static const char *const gone[] = { "2001:db8:ff::/64" };
	char buf[ADDR_STRLEN];

	(void)state;
	mk_update(NONE,
	    B(0x90, 14, 0, 29, 0, 2, 1, 16, NH6, 0, 48, 0x20, 1, 0xd, 0xb8, 0,
		1, 0, A_ORIGIN, A_PATH4),
	    NONE);
	assert_int_equal(dec(true, false), BGP_ACT_OK);
	assert_int_equal(u.mp_reach.afi, 2);
	assert_run(&u.mp_reach, want, 2);
	assert_string_equal(
	    addr_fmt(&u.mp_nh.global, buf, sizeof(buf)), "2001:db8::1");
	assert_int_equal(u.mp_nh.link_local.family, 0);
	/* Global and link-local next hops. */
	mk_update(NONE,
	    B(0x80, 14, 45, 0, 2, 1, 32, NH6, LL6, 0, 48, 0x20, 1, 0xd, 0xb8, 0,
		1, 0, A_ORIGIN, A_PATH4),
	    NONE);
	assert_int_equal(dec(true, false), BGP_ACT_OK);
	assert_run(&u.mp_reach, want, 2);
	assert_string_equal(
	    addr_fmt(&u.mp_nh.link_local, buf, sizeof(buf)), "fe80::2");
	/* MP_UNREACH. */
	mk_update(NONE,
	    B(0x80, 15, 12, 0, 2, 1, 64, 0x20, 1, 0xd, 0xb8, 0, 0xff, 0, 0),
	    NONE);
	assert_int_equal(dec(true, false), BGP_ACT_OK);
	assert_run(&u.mp_unreach, gone, 1);
	assert_false(u.eor);
	/* IPv4 in MP_REACH with an IPv6 next hop (RFC 8950). */
	mk_update(NONE,
	    B(0x80, 14, 23, 0, 1, 1, 16, NH6, 0, 8, 10, A_ORIGIN, A_PATH4),
	    NONE);
	assert_int_equal(dec(true, false), BGP_ACT_OK);
	assert_int_equal(u.mp_reach.family, AF_INET);
	assert_int_equal(u.mp_nh.global.family, AF_INET6);
	/* A family we do not speak: kept, undecoded. */
	mk_update(NONE,
	    B(0x80, 14, 8, 0, 1, 128, 1, 9, 0, 8, 10, A_ORIGIN, A_PATH4), NONE);
	assert_int_equal(dec(true, false), BGP_ACT_OK);
	assert_int_equal(u.mp_reach.family, 0);
	assert_int_equal(u.mp_reach.count, 0);
}

static void
test_update_mp_errors(void **state)
{
	(void)state;
	/* RFC 7606 7.11: next hop length 17 for IPv6; reset, 3/9. */
	verdict(B(0x80, 14, 22, 0, 2, 1, 17, NH6, 1, 0, A_ORIGIN, A_PATH4),
	    true, false, BGP_ACT_SESSION_RESET, 3, 9, NONE);
	/* Truncated before the next hop. */
	verdict(B(0x80, 14, 3, 0, 2, 1, A_ORIGIN, A_PATH4), true, false,
	    BGP_ACT_SESSION_RESET, 3, 9, NONE);
	/* No reserved octet. */
	verdict(B(0x80, 14, 20, 0, 2, 1, 16, NH6, A_ORIGIN, A_PATH4), true,
	    false, BGP_ACT_SESSION_RESET, 3, 9, NONE);
	/* IPv6 prefix length 129. */
	verdict(
	    B(0x80, 14, 23, 0, 2, 1, 16, NH6, 0, 129, 0x20, A_ORIGIN, A_PATH4),
	    true, false, BGP_ACT_SESSION_RESET, 3, 9, NONE);
	/* MP_UNREACH prefix overrun. */
	verdict(B(0x80, 15, 5, 0, 2, 1, 64, 0x20), true, false,
	    BGP_ACT_SESSION_RESET, 3, 9, NONE);
	/* Flags in conflict on MP_REACH: treat-as-withdraw, the NLRI still
	 * located. */
	verdict(B(0xc0, 14, 22, 0, 2, 1, 16, NH6, 0, 0, A_MAND), true, false,
	    BGP_ACT_TREAT_AS_WITHDRAW, 3, 4,
	    B(0xc0, 14, 22, 0, 2, 1, 16, NH6, 0, 0));
	assert_int_equal(u.mp_reach.count, 1);
}

static void
test_update_eor(void **state)
{
	struct wbuf w;

	(void)state;
	/* RFC 4724 2: IPv4 unicast End-of-RIB is the empty UPDATE. */
	mk_update(NONE, NONE, NONE);
	assert_int_equal(dec(true, false), BGP_ACT_OK);
	assert_true(u.eor);
	assert_int_equal(u.eor_afi, 1);
	/* IPv6: MP_UNREACH_NLRI alone and empty. */
	mk_update(NONE, B(0x80, 15, 3, 0, 2, 1), NONE);
	assert_int_equal(dec(true, false), BGP_ACT_OK);
	assert_true(u.eor);
	assert_int_equal(u.eor_afi, 2);
	assert_int_equal(u.eor_safi, 1);
	mk_update(NONE, B(0x90, 15, 0, 3, 0, 2, 1), NONE);
	assert_int_equal(dec(true, false), BGP_ACT_OK);
	assert_true(u.eor);
	/* Not an EoR: something withdrawn, or another attribute. */
	mk_update(NONE, B(0x80, 15, 4, 0, 2, 1, 0), NONE);
	assert_int_equal(dec(true, false), BGP_ACT_OK);
	assert_false(u.eor);
	mk_update(NONE, B(0x80, 15, 3, 0, 2, 1, 0xc0, 99, 0), NONE);
	assert_int_equal(dec(true, false), BGP_ACT_OK);
	assert_false(u.eor);
	mk_update(B(NLRI_10_8), NONE, NONE);
	assert_int_equal(dec(true, false), BGP_ACT_OK);
	assert_false(u.eor);
	/* Encoded EoRs decode as EoRs. */
	wbuf_init(&w, 0);
	assert_int_equal(bgp_update_encode_eor(&w, 2, 1), 0);
	memcpy(msg, w.data, w.len);
	msglen = w.len;
	assert_int_equal(dec(true, false), BGP_ACT_OK);
	assert_true(u.eor);
	assert_int_equal(u.eor_afi, 2);
	wbuf_reset(&w);
	assert_int_equal(bgp_update_encode_eor(&w, 1, 1), 0);
	assert_int_equal(w.len, 23);
	wbuf_free(&w);
}

/* The packer. */

/* Decode every message in w; check size and collect the run. */
static size_t
unpack_all(const struct wbuf *w, enum bgp_update_kind kind, struct prefix *got,
    size_t max, size_t *nmsg)
{
	struct bgp_attr_opts o = { .as4 = true };
	struct bgp_nlri_iter it;
	const struct bgp_nlri *run;
	size_t off = 0, n = 0, len;

	*nmsg = 0;
	while (off < w->len) {
		len = (size_t)w->data[off + 16] << 8 | w->data[off + 17];
		assert_true(len <= BGP_MAX_MSG_LEN);
		assert_int_equal(
		    bgp_update_decode(w->data + off, len, &o, &u, &e),
		    BGP_ACT_OK);
		run = kind == BGP_UPD_IPV4_REACH   ? &u.nlri
		    : kind == BGP_UPD_IPV4_UNREACH ? &u.withdrawn
		    : kind == BGP_UPD_MP_REACH	   ? &u.mp_reach
						   : &u.mp_unreach;
		bgp_update_nlri_iter(&it, run);
		while (n < max && bgp_update_nlri_next(&it, &got[n]))
			n++;
		off += len;
		(*nmsg)++;
	}
	assert_int_equal(off, w->len);
	return n;
}

#define NPFX 10000

static struct prefix in[NPFX], out[NPFX];

static void
pack_all(
    struct wbuf *w, const struct bgp_update_spec *s, size_t n, size_t *nmsg)
{
	size_t done = 0, k;

	*nmsg = 0;
	while (done < n) {
		k = bgp_update_pack(w, s, in + done, n - done);
		assert_true(k > 0);
		done += k;
		(*nmsg)++;
	}
}

static void
test_pack_ipv4(void **state)
{
	const uint8_t attrs[] = { A_MAND };
	struct bgp_update_spec s = { .kind = BGP_UPD_IPV4_REACH,
		.attrs = attrs,
		.attrs_len = sizeof(attrs) };
	struct wbuf w;
	size_t i, nmsg, nmsg2, per;
	char buf[32];

	(void)state;
	for (i = 0; i < NPFX; i++) {
		snprintf(buf, sizeof(buf), "10.%zu.%zu.0/24", i / 256, i % 256);
		in[i] = pfx(buf);
	}
	wbuf_init(&w, 0);
	pack_all(&w, &s, NPFX, &nmsg);
	/* Each /24 takes 4 octets after 23 + attrs of fixed part. */
	per = (BGP_MAX_MSG_LEN - 23 - sizeof(attrs)) / 4;
	assert_int_equal(nmsg, (NPFX + per - 1) / per);
	assert_int_equal(unpack_all(&w, s.kind, out, NPFX, &nmsg2), NPFX);
	assert_int_equal(nmsg2, nmsg);
	assert_memory_equal(in, out, sizeof(in));
	/* The first message is full to within one prefix. */
	assert_true(((size_t)w.data[16] << 8 | w.data[17]) > 4096 - 4);

	/* Withdrawals, same prefixes. */
	s.kind = BGP_UPD_IPV4_UNREACH;
	wbuf_reset(&w);
	pack_all(&w, &s, NPFX, &nmsg);
	per = (BGP_MAX_MSG_LEN - 23) / 4;
	assert_int_equal(nmsg, (NPFX + per - 1) / per);
	assert_int_equal(unpack_all(&w, s.kind, out, NPFX, &nmsg2), NPFX);
	assert_memory_equal(in, out, sizeof(in));
	wbuf_free(&w);
}

static void
test_pack_ipv6(void **state)
{
	const uint8_t attrs[] = { A_ORIGIN, A_PATH4 };
	struct bgp_update_spec s = { .kind = BGP_UPD_MP_REACH,
		.afi = 2,
		.safi = 1,
		.attrs = attrs,
		.attrs_len = sizeof(attrs) };
	struct wbuf w;
	size_t i, nmsg, nmsg2, per;
	char buf[64];

	(void)state;
	for (i = 0; i < NPFX; i++) {
		snprintf(
		    buf, sizeof(buf), "2001:db8:%zx:%zx::/64", i / 7, i % 7);
		in[i] = pfx(buf);
	}
	addr_parse("2001:db8::1", &s.nh.global);
	addr_parse("fe80::1", &s.nh.link_local);
	wbuf_init(&w, 0);
	pack_all(&w, &s, NPFX, &nmsg);
	/* 23 + MP header 4 + afi/safi 3 + nh 1+32 + reserved 1; /64 is 9. */
	per = (BGP_MAX_MSG_LEN - 23 - 4 - 3 - 33 - 1 - sizeof(attrs)) / 9;
	assert_int_equal(nmsg, (NPFX + per - 1) / per);
	assert_int_equal(unpack_all(&w, s.kind, out, NPFX, &nmsg2), NPFX);
	assert_memory_equal(in, out, sizeof(in));
	assert_true(u.mp_nh.link_local.family == AF_INET6);

	s.kind = BGP_UPD_MP_UNREACH;
	wbuf_reset(&w);
	pack_all(&w, &s, NPFX, &nmsg);
	per = (BGP_MAX_MSG_LEN - 23 - 4 - 3) / 9;
	assert_int_equal(nmsg, (NPFX + per - 1) / per);
	assert_int_equal(unpack_all(&w, s.kind, out, NPFX, &nmsg2), NPFX);
	assert_memory_equal(in, out, sizeof(in));
	wbuf_free(&w);
}

static void
test_pack_writer(void **state)
{
	static uint8_t big[4070];
	const uint8_t attrs[] = { A_MAND };
	struct bgp_update_spec s = { .kind = BGP_UPD_IPV4_REACH,
		.attrs = attrs,
		.attrs_len = sizeof(attrs) };
	struct bgp_update_writer wr;
	struct prefix p6 = pfx("2001:db8::/32"), p4 = pfx("10.0.0.0/8");
	struct wbuf w;

	(void)state;
	wbuf_init(&w, 0);
	/* Nothing added: no message. */
	assert_int_equal(bgp_update_begin(&wr, &w, &s), 0);
	assert_int_equal(bgp_update_finish(&wr), -1);
	assert_int_equal(w.len, 0);
	/* Wrong family refused, message intact. */
	assert_int_equal(bgp_update_begin(&wr, &w, &s), 0);
	assert_int_equal(bgp_update_add(&wr, &p6), -1);
	assert_int_equal(bgp_update_add(&wr, &p4), 0);
	assert_int_equal(bgp_update_finish(&wr), 0);
	assert_int_equal(w.len, 23 + sizeof(attrs) + 2);
	/* Attributes too large for any prefix. */
	s.attrs = big;
	s.attrs_len = sizeof(big);
	wbuf_reset(&w);
	assert_int_equal(bgp_update_begin(&wr, &w, &s), -1);
	assert_int_equal(bgp_update_pack(&w, &s, &p4, 1), 0);
	assert_int_equal(w.len, 0);
	/* MP_REACH for IPv6 needs an IPv6 next hop. */
	s.kind = BGP_UPD_MP_REACH;
	s.afi = 2;
	s.safi = 1;
	s.attrs = attrs;
	s.attrs_len = sizeof(attrs);
	addr_parse("192.0.2.1", &s.nh.global);
	assert_int_equal(bgp_update_begin(&wr, &w, &s), -1);
	wbuf_free(&w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_update_ipv4_all_attrs),
		cmocka_unit_test(test_update_attrs_canonical_roundtrip),
		cmocka_unit_test(test_update_unknown_attrs),
		cmocka_unit_test(test_update_as2_as4),
		cmocka_unit_test(test_update_as4_merge),
		cmocka_unit_test(test_update_as4_encode_old_peer),
		cmocka_unit_test(test_aspath_prepend),
		cmocka_unit_test(test_update_framing_errors),
		cmocka_unit_test(test_update_duplicates),
		cmocka_unit_test(test_update_treat_as_withdraw),
		cmocka_unit_test(test_update_missing_mandatory),
		cmocka_unit_test(test_update_attr_discard),
		cmocka_unit_test(test_update_mp_reach_ipv6),
		cmocka_unit_test(test_update_mp_errors),
		cmocka_unit_test(test_update_eor),
		cmocka_unit_test(test_pack_ipv4),
		cmocka_unit_test(test_pack_ipv6),
		cmocka_unit_test(test_pack_writer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
