/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for the BGP message codec, non-UPDATE part: header framing,
 * OPEN and capabilities, KEEPALIVE, NOTIFICATION, ROUTE-REFRESH.  Each
 * error test asserts the exact NOTIFICATION code, subcode and data that
 * RFC 4271 section 6 (or the RFC named) prescribes; each message type is
 * round-tripped through its encoder.  UPDATE lives in test_bgp_update.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "bgp_msg.h"

#define B(...)                            \
	(const uint8_t[]){ __VA_ARGS__ }, \
	    sizeof((const uint8_t[]){ __VA_ARGS__ })

static uint8_t msg[BGP_MAX_MSG_LEN + 64];

/* A message of the given type around body; returns its length. */
static size_t
mk(uint8_t type, const uint8_t *body, size_t len)
{
	size_t total = BGP_HDR_LEN + len;

	memset(msg, 0xff, BGP_MARKER_LEN);
	msg[16] = (uint8_t)(total >> 8);
	msg[17] = (uint8_t)total;
	msg[18] = type;
	if (len > 0)
		memcpy(msg + BGP_HDR_LEN, body, len);
	return total;
}

static void
assert_err(const struct bgp_err *e, enum bgp_action act, uint8_t code,
    uint8_t subcode, const uint8_t *data, size_t datalen)
{
	assert_int_equal(e->action, act);
	assert_int_equal(e->code, code);
	assert_int_equal(e->subcode, subcode);
	assert_int_equal(e->datalen, datalen);
	if (datalen > 0)
		assert_memory_equal(bgp_msg_err_data(e), data, datalen);
}

/* Header. */

static void
test_hdr_ok(void **state)
{
	struct bgp_hdr h;
	struct bgp_err e;
	size_t n = mk(BGP_MSG_KEEPALIVE, NULL, 0);

	(void)state;
	assert_int_equal(bgp_msg_hdr_decode(msg, n, &h, &e), BGP_ACT_OK);
	assert_int_equal(h.len, 19);
	assert_int_equal(h.type, BGP_MSG_KEEPALIVE);
}

static void
test_hdr_bad_marker(void **state)
{
	struct bgp_hdr h;
	struct bgp_err e;
	size_t n = mk(BGP_MSG_KEEPALIVE, NULL, 0);

	(void)state;
	msg[7] = 0xfe;
	assert_int_equal(
	    bgp_msg_hdr_decode(msg, n, &h, &e), BGP_ACT_SESSION_RESET);
	assert_err(&e, BGP_ACT_SESSION_RESET, 1, 1, NULL, 0);
}

static void
test_hdr_bad_length(void **state)
{
	struct bgp_hdr h;
	struct bgp_err e;

	(void)state;
	mk(BGP_MSG_KEEPALIVE, NULL, 0);
	msg[16] = 0;
	msg[17] = 18;
	bgp_msg_hdr_decode(msg, 19, &h, &e);
	assert_err(&e, BGP_ACT_SESSION_RESET, 1, 2, B(0x00, 0x12));
	msg[16] = 0x10;
	msg[17] = 0x01;
	bgp_msg_hdr_decode(msg, 19, &h, &e);
	assert_err(&e, BGP_ACT_SESSION_RESET, 1, 2, B(0x10, 0x01));
	/* RFC 4271 6.1: below the minimum of the type. */
	mk(BGP_MSG_KEEPALIVE, B(0));
	bgp_msg_hdr_decode(msg, 20, &h, &e);
	assert_err(&e, BGP_ACT_SESSION_RESET, 1, 2, B(0x00, 0x14));
	mk(BGP_MSG_OPEN, B(4, 0, 1, 0, 90, 1, 2, 3, 4));
	bgp_msg_hdr_decode(msg, 28, &h, &e);
	assert_err(&e, BGP_ACT_SESSION_RESET, 1, 2, B(0x00, 28));
	mk(BGP_MSG_UPDATE, B(0, 0, 0));
	bgp_msg_hdr_decode(msg, 22, &h, &e);
	assert_err(&e, BGP_ACT_SESSION_RESET, 1, 2, B(0x00, 22));
	mk(BGP_MSG_NOTIFICATION, B(6));
	bgp_msg_hdr_decode(msg, 20, &h, &e);
	assert_err(&e, BGP_ACT_SESSION_RESET, 1, 2, B(0x00, 20));
}

static void
test_hdr_bad_type(void **state)
{
	struct bgp_hdr h;
	struct bgp_err e;
	size_t n = mk(7, NULL, 0);

	(void)state;
	bgp_msg_hdr_decode(msg, n, &h, &e);
	assert_err(&e, BGP_ACT_SESSION_RESET, 1, 3, B(7));
	n = mk(0, NULL, 0);
	bgp_msg_hdr_decode(msg, n, &h, &e);
	assert_err(&e, BGP_ACT_SESSION_RESET, 1, 3, B(0));
}

static void
test_hdr_short(void **state)
{
	struct bgp_hdr h;
	struct bgp_err e;

	(void)state;
	mk(BGP_MSG_KEEPALIVE, NULL, 0);
	assert_int_equal(
	    bgp_msg_hdr_decode(msg, 18, &h, &e), BGP_ACT_SESSION_RESET);
	assert_int_equal(e.code, 1);
	assert_int_equal(e.subcode, 2);
}

/* OPEN. */

static struct bgp_open
full_open(void)
{
	struct bgp_open o;

	memset(&o, 0, sizeof(o));
	o.version = 4;
	o.my_as = bgp_msg_open_my_as(4200000001u);
	o.hold_time = 90;
	o.bgp_id = 0xc0000201;
	o.caps.seen = BGP_CAPF_MP | BGP_CAPF_ROUTE_REFRESH | BGP_CAPF_AS4 |
	    BGP_CAPF_ENHANCED_RR | BGP_CAPF_GR | BGP_CAPF_EXT_NEXTHOP;
	o.caps.mp = 1 << BGP_AF_IPV4_UNICAST | 1 << BGP_AF_IPV6_UNICAST;
	o.caps.ext_nh = 1 << BGP_AF_IPV4_UNICAST;
	o.caps.as4 = 4200000001u;
	o.caps.gr_flags = BGP_GR_RESTARTING | BGP_GR_NOTIFICATION;
	o.caps.gr_time = 120;
	o.caps.gr_af = 1 << BGP_AF_IPV6_UNICAST;
	o.caps.gr_af_flags[BGP_AF_IPV6_UNICAST] = BGP_GR_AF_FORWARDING;
	return o;
}

static void
test_open_roundtrip(void **state)
{
	struct bgp_open o = full_open(), d;
	struct bgp_hdr h;
	struct bgp_err e;
	struct wbuf w;

	(void)state;
	wbuf_init(&w, 0);
	assert_int_equal(bgp_msg_open_encode(&w, &o), 0);
	assert_int_equal(bgp_msg_hdr_decode(w.data, w.len, &h, &e), BGP_ACT_OK);
	assert_int_equal(h.len, w.len);
	assert_int_equal(
	    bgp_msg_open_decode(w.data, w.len, &d, &e), BGP_ACT_OK);
	assert_int_equal(d.my_as, BGP_AS_TRANS);
	assert_int_equal(bgp_msg_open_peer_as(&d), 4200000001u);
	assert_int_equal(d.hold_time, 90);
	assert_int_equal(d.bgp_id, 0xc0000201);
	assert_int_equal(d.caps.gr_time, 120);
	assert_int_equal(d.caps.gr_flags, 0xc);
	assert_memory_equal(&d, &o, sizeof(o));

	/* Without capabilities: Opt Parm Len 0, 29 octets. */
	memset(&o.caps, 0, sizeof(o.caps));
	o.my_as = 65001;
	wbuf_reset(&w);
	assert_int_equal(bgp_msg_open_encode(&w, &o), 0);
	assert_int_equal(w.len, 29);
	assert_int_equal(
	    bgp_msg_open_decode(w.data, w.len, &d, &e), BGP_ACT_OK);
	assert_int_equal(bgp_msg_open_peer_as(&d), 65001);
	wbuf_free(&w);
}

/* A bird2-style OPEN: caps MP v4, MP v6, RR, ERR, GR, AS4, unknown. */
static void
test_open_caps_parse(void **state)
{
	struct bgp_open o;
	struct bgp_err e;
	size_t n;

	(void)state;
	n = mk(BGP_MSG_OPEN,
	    B(4, 0xfd, 0xe9, 0, 240, 10, 0, 0, 1, 40, 2, 38, 1, 4, 0, 1, 0,
		1,				  /* MP IPv4 unicast */
		1, 4, 0, 2, 0, 1,		  /* MP IPv6 unicast */
		1, 4, 0, 1, 0, 128,		  /* MP IPv4 VPN: other */
		2, 0, 70, 0,			  /* RR, ERR */
		64, 6, 0x80, 0x78, 0, 1, 1, 0x80, /* GR R=1 120s v4 F */
		65, 4, 0, 0, 0xfd, 0xe9,	  /* AS4 65001 */
		73, 0));			  /* hostname-ish: unknown */
	assert_int_equal(bgp_msg_open_decode(msg, n, &o, &e), BGP_ACT_OK);
	assert_int_equal(o.caps.mp, 3);
	assert_int_equal(o.caps.mp_other, 1);
	assert_int_equal(o.caps.unknown, 1);
	assert_int_equal(o.caps.seen,
	    BGP_CAPF_MP | BGP_CAPF_ROUTE_REFRESH | BGP_CAPF_ENHANCED_RR |
		BGP_CAPF_GR | BGP_CAPF_AS4);
	assert_int_equal(o.caps.gr_flags, BGP_GR_RESTARTING);
	assert_int_equal(o.caps.gr_time, 120);
	assert_int_equal(o.caps.gr_af, 1);
	assert_int_equal(o.caps.gr_af_flags[0], BGP_GR_AF_FORWARDING);
	assert_int_equal(o.caps.as4, 65001);
	assert_int_equal(o.hold_time, 240);

	/* RFC 8950 extended next hop, in its own parameter. */
	n = mk(BGP_MSG_OPEN,
	    B(4, 0xfd, 0xe9, 0, 0, 10, 0, 0, 1, 16, 2, 14, 5, 12, 0, 1, 0, 1, 0,
		2, 0, 1, 0, 128, 0, 2));
	assert_int_equal(bgp_msg_open_decode(msg, n, &o, &e), BGP_ACT_OK);
	assert_int_equal(o.caps.ext_nh, 1 << BGP_AF_IPV4_UNICAST);
	assert_true(o.caps.seen & BGP_CAPF_EXT_NEXTHOP);
}

static void
test_open_extended_params(void **state)
{
	struct bgp_open o;
	struct bgp_err e;
	size_t n;

	(void)state;
	/* RFC 9072: 255, 255, 2-octet length, 2-octet parameter length. */
	n = mk(BGP_MSG_OPEN,
	    B(4, 0xfd, 0xe9, 0, 90, 10, 0, 0, 1, 255, 255, 0, 9, 2, 0, 6, 65, 4,
		0, 1, 0x11, 0x70));
	assert_int_equal(bgp_msg_open_decode(msg, n, &o, &e), BGP_ACT_OK);
	assert_int_equal(bgp_msg_open_peer_as(&o), 70000);
	/* Extended length disagreeing with the message. */
	n = mk(BGP_MSG_OPEN,
	    B(4, 0xfd, 0xe9, 0, 90, 10, 0, 0, 1, 255, 255, 0, 10, 2, 0, 6, 65,
		4, 0, 1, 0x11, 0x70));
	bgp_msg_open_decode(msg, n, &o, &e);
	assert_int_equal(e.code, 1);
	assert_int_equal(e.subcode, 2);
}

/*
 * RFC 4724 3 graceful restart capability: flags and a 12-bit time, then
 * (AFI, SAFI, flags) tuples.  Families we do not speak are ignored, the
 * last tuple of a family wins; a value that is not 2 + 4n octets is
 * malformed: OPEN Message Error, subcode 0 (see bgp_msg_cap_malformed).
 */
static void
test_open_gr_cap(void **state)
{
	struct bgp_open o;
	struct bgp_err e;
	size_t n;

	(void)state;
	/* R and N, 4095 s, IPv4 F, L2VPN (25/65) ignored, IPv6 no F. */
	n = mk(BGP_MSG_OPEN,
	    B(4, 0xfd, 0xe9, 0, 90, 10, 0, 0, 1, 18, 2, 16, 64, 14, 0xcf, 0xff,
		0, 1, 1, 0x80, 0, 25, 65, 0x80, 0, 2, 1, 0));
	assert_int_equal(bgp_msg_open_decode(msg, n, &o, &e), BGP_ACT_OK);
	assert_true(o.caps.seen & BGP_CAPF_GR);
	assert_int_equal(
	    o.caps.gr_flags, BGP_GR_RESTARTING | BGP_GR_NOTIFICATION);
	assert_int_equal(o.caps.gr_time, 4095);
	assert_int_equal(o.caps.gr_af,
	    (1 << BGP_AF_IPV4_UNICAST) | (1 << BGP_AF_IPV6_UNICAST));
	assert_int_equal(o.caps.gr_af_flags[BGP_AF_IPV4_UNICAST], 0x80);
	assert_int_equal(o.caps.gr_af_flags[BGP_AF_IPV6_UNICAST], 0);
	/* Flags and time only: a helper that keeps nothing for us. */
	n = mk(BGP_MSG_OPEN,
	    B(4, 0xfd, 0xe9, 0, 90, 10, 0, 0, 1, 6, 2, 4, 64, 2, 0x00, 0x78));
	assert_int_equal(bgp_msg_open_decode(msg, n, &o, &e), BGP_ACT_OK);
	assert_true(o.caps.seen & BGP_CAPF_GR);
	assert_int_equal(o.caps.gr_time, 120);
	assert_int_equal(o.caps.gr_af, 0);
	/* Only unknown families: the same. */
	n = mk(BGP_MSG_OPEN,
	    B(4, 0xfd, 0xe9, 0, 90, 10, 0, 0, 1, 10, 2, 8, 64, 6, 0x00, 0x78, 0,
		1, 128, 0x80));
	assert_int_equal(bgp_msg_open_decode(msg, n, &o, &e), BGP_ACT_OK);
	assert_int_equal(o.caps.gr_af, 0);
	/* Empty: shorter than the flags and time. */
	n = mk(
	    BGP_MSG_OPEN, B(4, 0xfd, 0xe9, 0, 90, 10, 0, 0, 1, 4, 2, 2, 64, 0));
	bgp_msg_open_decode(msg, n, &o, &e);
	assert_err(&e, BGP_ACT_SESSION_RESET, 2, 0, NULL, 0);
	/* One octet. */
	n = mk(BGP_MSG_OPEN,
	    B(4, 0xfd, 0xe9, 0, 90, 10, 0, 0, 1, 5, 2, 3, 64, 1, 0x80));
	bgp_msg_open_decode(msg, n, &o, &e);
	assert_err(&e, BGP_ACT_SESSION_RESET, 2, 0, NULL, 0);
	/* A truncated tuple (2 + 3 octets). */
	n = mk(BGP_MSG_OPEN,
	    B(4, 0xfd, 0xe9, 0, 90, 10, 0, 0, 1, 9, 2, 7, 64, 5, 0, 0x78, 0, 1,
		1));
	bgp_msg_open_decode(msg, n, &o, &e);
	assert_err(&e, BGP_ACT_SESSION_RESET, 2, 0, NULL, 0);
	/* Encode and decode again: the bits survive. */
	memset(&o, 0, sizeof(o));
	o.version = 4;
	o.my_as = 65001;
	o.hold_time = 90;
	o.bgp_id = 0x0a000001;
	o.caps.seen = BGP_CAPF_GR;
	o.caps.gr_flags = BGP_GR_NOTIFICATION;
	o.caps.gr_time = 300;
	o.caps.gr_af = 1 << BGP_AF_IPV6_UNICAST;
	o.caps.gr_af_flags[BGP_AF_IPV6_UNICAST] = BGP_GR_AF_FORWARDING;
	{
		struct wbuf w;
		struct bgp_open d;

		wbuf_init(&w, 0);
		assert_int_equal(bgp_msg_open_encode(&w, &o), 0);
		assert_int_equal(
		    bgp_msg_open_decode(w.data, w.len, &d, &e), BGP_ACT_OK);
		assert_int_equal(d.caps.gr_flags, BGP_GR_NOTIFICATION);
		assert_int_equal(d.caps.gr_time, 300);
		assert_int_equal(d.caps.gr_af, 1 << BGP_AF_IPV6_UNICAST);
		assert_int_equal(d.caps.gr_af_flags[BGP_AF_IPV6_UNICAST],
		    BGP_GR_AF_FORWARDING);
		wbuf_free(&w);
	}
}

static void
test_open_errors(void **state)
{
	struct bgp_open o;
	struct bgp_err e;
	size_t n;

	(void)state;
	/* RFC 4271 6.2: version; data is the version we speak. */
	n = mk(BGP_MSG_OPEN, B(3, 0xfd, 0xe9, 0, 90, 10, 0, 0, 1, 0));
	bgp_msg_open_decode(msg, n, &o, &e);
	assert_err(&e, BGP_ACT_SESSION_RESET, 2, 1, B(0, 4));
	/* Hold time 1 and 2 unacceptable; 0 and 3 fine. */
	n = mk(BGP_MSG_OPEN, B(4, 0xfd, 0xe9, 0, 1, 10, 0, 0, 1, 0));
	bgp_msg_open_decode(msg, n, &o, &e);
	assert_err(&e, BGP_ACT_SESSION_RESET, 2, 6, NULL, 0);
	n = mk(BGP_MSG_OPEN, B(4, 0xfd, 0xe9, 0, 2, 10, 0, 0, 1, 0));
	bgp_msg_open_decode(msg, n, &o, &e);
	assert_err(&e, BGP_ACT_SESSION_RESET, 2, 6, NULL, 0);
	n = mk(BGP_MSG_OPEN, B(4, 0xfd, 0xe9, 0, 0, 10, 0, 0, 1, 0));
	assert_int_equal(bgp_msg_open_decode(msg, n, &o, &e), BGP_ACT_OK);
	n = mk(BGP_MSG_OPEN, B(4, 0xfd, 0xe9, 0, 3, 10, 0, 0, 1, 0));
	assert_int_equal(bgp_msg_open_decode(msg, n, &o, &e), BGP_ACT_OK);
	/* BGP identifier 0. */
	n = mk(BGP_MSG_OPEN, B(4, 0xfd, 0xe9, 0, 90, 0, 0, 0, 0, 0));
	bgp_msg_open_decode(msg, n, &o, &e);
	assert_err(&e, BGP_ACT_SESSION_RESET, 2, 3, NULL, 0);
	/* Optional parameter type 1 (authentication): unsupported. */
	n = mk(BGP_MSG_OPEN, B(4, 0xfd, 0xe9, 0, 90, 10, 0, 0, 1, 3, 1, 1, 0));
	bgp_msg_open_decode(msg, n, &o, &e);
	assert_err(&e, BGP_ACT_SESSION_RESET, 2, 4, NULL, 0);
	/* MP capability of the wrong length: malformed, 2/0. */
	n = mk(BGP_MSG_OPEN,
	    B(4, 0xfd, 0xe9, 0, 90, 10, 0, 0, 1, 7, 2, 5, 1, 3, 0, 1, 0));
	bgp_msg_open_decode(msg, n, &o, &e);
	assert_err(&e, BGP_ACT_SESSION_RESET, 2, 0, NULL, 0);
	/* Capability overrunning its parameter. */
	n = mk(
	    BGP_MSG_OPEN, B(4, 0xfd, 0xe9, 0, 90, 10, 0, 0, 1, 4, 2, 2, 65, 4));
	bgp_msg_open_decode(msg, n, &o, &e);
	assert_err(&e, BGP_ACT_SESSION_RESET, 2, 0, NULL, 0);
	/* Opt Parm Len beyond the message: Bad Message Length. */
	n = mk(
	    BGP_MSG_OPEN, B(4, 0xfd, 0xe9, 0, 90, 10, 0, 0, 1, 8, 2, 2, 2, 0));
	bgp_msg_open_decode(msg, n, &o, &e);
	assert_err(&e, BGP_ACT_SESSION_RESET, 1, 2, B(0, 33));
	/* Trailing octets after the parameters. */
	n = mk(BGP_MSG_OPEN, B(4, 0xfd, 0xe9, 0, 90, 10, 0, 0, 1, 0, 0));
	bgp_msg_open_decode(msg, n, &o, &e);
	assert_err(&e, BGP_ACT_SESSION_RESET, 1, 2, B(0, 30));
}

static void
test_open_check(void **state)
{
	struct bgp_open o = full_open();
	struct bgp_open_expect x = {
		.peer_as = 4200000001u, .local_id = 0x01010101, .ibgp = false
	};
	struct bgp_err e;

	(void)state;
	assert_int_equal(bgp_msg_open_check(&o, &x, &e), BGP_ACT_OK);
	x.peer_as = 65001;
	bgp_msg_open_check(&o, &x, &e);
	assert_err(&e, BGP_ACT_SESSION_RESET, 2, 2, NULL, 0);
	/* Without the capability, my_as is the AS (AS_TRANS here). */
	o.caps.seen &= ~BGP_CAPF_AS4;
	x.peer_as = 4200000001u;
	bgp_msg_open_check(&o, &x, &e);
	assert_err(&e, BGP_ACT_SESSION_RESET, 2, 2, NULL, 0);
	x.peer_as = 0; /* any */
	assert_int_equal(bgp_msg_open_check(&o, &x, &e), BGP_ACT_OK);
	/* RFC 7607: AS 0 is never acceptable. */
	o.my_as = 0;
	bgp_msg_open_check(&o, &x, &e);
	assert_err(&e, BGP_ACT_SESSION_RESET, 2, 2, NULL, 0);
	/* RFC 6286 2.2: internal peer with our identifier. */
	o = full_open();
	x.local_id = o.bgp_id;
	assert_int_equal(bgp_msg_open_check(&o, &x, &e), BGP_ACT_OK);
	x.ibgp = true;
	bgp_msg_open_check(&o, &x, &e);
	assert_err(&e, BGP_ACT_SESSION_RESET, 2, 3, NULL, 0);
	/* RFC 5492 5: required capability missing. */
	x.ibgp = false;
	x.need_caps = BGP_CAPF_AS4 | BGP_CAPF_MP;
	assert_int_equal(bgp_msg_open_check(&o, &x, &e), BGP_ACT_OK);
	o.caps.seen &= ~BGP_CAPF_AS4;
	o.my_as = 64512;
	x.peer_as = 64512;
	bgp_msg_open_check(&o, &x, &e);
	assert_err(&e, BGP_ACT_SESSION_RESET, 2, 7, B(65, 0));
}

/* KEEPALIVE, NOTIFICATION, ROUTE-REFRESH. */

static void
test_keepalive(void **state)
{
	struct bgp_err e;
	struct wbuf w;

	(void)state;
	wbuf_init(&w, 0);
	assert_int_equal(bgp_msg_keepalive_encode(&w), 0);
	assert_int_equal(w.len, 19);
	assert_int_equal(
	    bgp_msg_keepalive_decode(w.data, w.len, &e), BGP_ACT_OK);
	assert_int_equal(mk(BGP_MSG_KEEPALIVE, msg, 0), 19);
	assert_memory_equal(w.data, msg, 19);
	mk(BGP_MSG_KEEPALIVE, B(1));
	bgp_msg_keepalive_decode(msg, 20, &e);
	assert_err(&e, BGP_ACT_SESSION_RESET, 1, 2, B(0, 20));
	wbuf_free(&w);
}

static void
test_notification(void **state)
{
	struct bgp_notification n;
	struct bgp_err e;
	struct wbuf w;
	char text[64];

	(void)state;
	wbuf_init(&w, 0);
	assert_int_equal(bgp_msg_notification_encode(&w, 3, 5,
			     (const uint8_t *)"\x40\x01\x02\x00\x00", 5),
	    0);
	assert_int_equal(w.len, 26);
	assert_int_equal(
	    bgp_msg_notification_decode(w.data, w.len, &n, &e), BGP_ACT_OK);
	assert_int_equal(n.code, 3);
	assert_int_equal(n.subcode, 5);
	assert_int_equal(n.datalen, 5);
	assert_memory_equal(n.data, "\x40\x01\x02\x00\x00", 5);
	assert_string_equal(bgp_msg_err_name(3, 5), "attribute length error");

	/* An error result becomes the NOTIFICATION to send. */
	mk(7, NULL, 0);
	bgp_msg_hdr_decode(msg, 19, &(struct bgp_hdr){ 0 }, &e);
	wbuf_reset(&w);
	assert_int_equal(bgp_msg_notification_encode_err(&w, &e), 0);
	assert_int_equal(
	    bgp_msg_notification_decode(w.data, w.len, &n, &e), BGP_ACT_OK);
	assert_int_equal(n.code, 1);
	assert_int_equal(n.subcode, 3);
	assert_int_equal(n.datalen, 1);
	assert_int_equal(n.data[0], 7);

	/* RFC 9003 shutdown communication. */
	wbuf_reset(&w);
	assert_int_equal(
	    bgp_msg_notification_encode_shutdown(&w, 2, "going down\n"), 0);
	bgp_msg_notification_decode(w.data, w.len, &n, &e);
	assert_int_equal(n.data[0], 11);
	assert_int_equal(
	    bgp_msg_notification_shutdown_text(&n, text, sizeof(text)), 0);
	assert_string_equal(text, "going down?");
	n.subcode = 3;
	assert_int_equal(
	    bgp_msg_notification_shutdown_text(&n, text, sizeof(text)), -1);
	n.subcode = 2;
	n.datalen = 5; /* claims 11, holds 4 */
	assert_int_equal(
	    bgp_msg_notification_shutdown_text(&n, text, sizeof(text)), -1);
	wbuf_free(&w);
}

static void
test_refresh(void **state)
{
	struct bgp_refresh r = { .afi = 2, .safi = 1, .subtype = 0 }, d;
	struct bgp_err e;
	struct wbuf w;
	size_t n;
	int st;

	(void)state;
	wbuf_init(&w, 0);
	for (st = 0; st <= 2; st++) {
		r.subtype = (uint8_t)st;
		wbuf_reset(&w);
		assert_int_equal(bgp_msg_refresh_encode(&w, &r), 0);
		assert_int_equal(w.len, 23);
		assert_int_equal(
		    bgp_msg_refresh_decode(w.data, w.len, &d, &e), BGP_ACT_OK);
		assert_memory_equal(&d, &r, sizeof(r));
	}
	/* RFC 7313 5: BoRR of the wrong length, data = whole message. */
	n = mk(BGP_MSG_ROUTE_REFRESH, B(0, 1, 1, 1, 0));
	bgp_msg_refresh_decode(msg, n, &d, &e);
	assert_err(&e, BGP_ACT_SESSION_RESET, 7, 1, msg, 24);
	/* Subtype 0 of the wrong length: Bad Message Length. */
	n = mk(BGP_MSG_ROUTE_REFRESH, B(0, 1, 0, 1, 0));
	bgp_msg_refresh_decode(msg, n, &d, &e);
	assert_err(&e, BGP_ACT_SESSION_RESET, 1, 2, B(0, 24));
	/* Unknown subtype: ignored. */
	n = mk(BGP_MSG_ROUTE_REFRESH, B(0, 1, 3, 1));
	assert_int_equal(
	    bgp_msg_refresh_decode(msg, n, &d, &e), BGP_ACT_IGNORE);
	wbuf_free(&w);
}

static void
test_err_strongest(void **state)
{
	struct bgp_err e;

	(void)state;
	bgp_msg_err_clear(&e);
	bgp_msg_err_set(&e, BGP_ACT_ATTR_DISCARD, 3, 5, B(1, 2), "a");
	bgp_msg_err_set(&e, BGP_ACT_TREAT_AS_WITHDRAW, 3, 6, B(3), "b");
	bgp_msg_err_set(&e, BGP_ACT_ATTR_DISCARD, 3, 9, NULL, 0, "c");
	bgp_msg_err_set(&e, BGP_ACT_TREAT_AS_WITHDRAW, 3, 11, NULL, 0, "d");
	assert_err(&e, BGP_ACT_TREAT_AS_WITHDRAW, 3, 6, B(3));
	assert_string_equal(e.reason, "b");
	assert_string_equal(bgp_msg_action_name(e.action), "treat-as-withdraw");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hdr_ok),
		cmocka_unit_test(test_hdr_bad_marker),
		cmocka_unit_test(test_hdr_bad_length),
		cmocka_unit_test(test_hdr_bad_type),
		cmocka_unit_test(test_hdr_short),
		cmocka_unit_test(test_open_roundtrip),
		cmocka_unit_test(test_open_caps_parse),
		cmocka_unit_test(test_open_extended_params),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_open_gr_cap),
		cmocka_unit_test(test_open_check),
		cmocka_unit_test(test_keepalive),
		cmocka_unit_test(test_notification),
		cmocka_unit_test(test_refresh),
		cmocka_unit_test(test_err_strongest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
