/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for BFD: the control packet codec (bfd_pkt.c) with every
 * drop rule of RFC 5880 6.8.6 that is about the packet alone, the state
 * machine (bfd_fsm.c) through every transition of the 6.2 diagram, the
 * timer negotiation, Poll/Final and detection, and authentication
 * (bfd_auth.c, lib/sha1.c) against digests computed independently (with
 * Python's hashlib) and through the sequence number rules of 6.7.4.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "bfd_auth.h"
#include "bfd_fsm.h"
#include "bfd_pkt.h"
#include "sha1.h"

/* ---- codec ---------------------------------------------------------- */

static struct bfd_pkt
sample(void)
{
	struct bfd_pkt p;

	memset(&p, 0, sizeof(p));
	p.version = 1;
	p.diag = BFD_DIAG_NEIGHBOR_DOWN;
	p.state = BFD_ST_UP;
	p.flags = BFD_FLAG_POLL;
	p.detect_mult = 3;
	p.my_disc = 0x11223344;
	p.your_disc = 0x55667788;
	p.desired_min_tx = 100000;
	p.required_min_rx = 200000;
	p.required_min_echo_rx = 0;
	return p;
}

static void
encode(const struct bfd_pkt *p, uint8_t *buf, size_t *len)
{
	struct wbuf w;

	wbuf_init(&w, 0);
	bfd_pkt_encode(&w, p);
	memcpy(buf, w.data, w.len);
	*len = w.len;
	wbuf_free(&w);
}

static void
test_pkt_roundtrip(void **state)
{
	struct bfd_pkt p = sample(), q;
	uint8_t buf[64];
	size_t len;
	static const uint8_t want[24] = { 0x23, 0xe0, 3, 24, 0x11, 0x22, 0x33,
		0x44, 0x55, 0x66, 0x77, 0x88, 0x00, 0x01, 0x86, 0xa0, 0x00,
		0x03, 0x0d, 0x40, 0, 0, 0, 0 };

	(void)state;
	encode(&p, buf, &len);
	assert_int_equal(len, 24);
	assert_memory_equal(buf, want, 24);
	assert_int_equal(bfd_pkt_decode(buf, len, &q), BFD_PKT_OK);
	assert_int_equal(q.version, 1);
	assert_int_equal(q.diag, BFD_DIAG_NEIGHBOR_DOWN);
	assert_int_equal(q.state, BFD_ST_UP);
	assert_int_equal(q.flags, BFD_FLAG_POLL);
	assert_int_equal(q.detect_mult, 3);
	assert_int_equal(q.length, 24);
	assert_int_equal(q.my_disc, 0x11223344);
	assert_int_equal(q.your_disc, 0x55667788);
	assert_int_equal(q.desired_min_tx, 100000);
	assert_int_equal(q.required_min_rx, 200000);
	/* Octets after Length are ignored. */
	buf[24] = 0xff;
	assert_int_equal(bfd_pkt_decode(buf, 25, &q), BFD_PKT_OK);
}

static void
test_pkt_roundtrip_auth(void **state)
{
	struct bfd_pkt p = sample(), q;
	uint8_t buf[64];
	size_t len;

	(void)state;
	p.auth_type = BFD_AUTH_SIMPLE;
	p.auth_key_id = 7;
	p.auth_data = (const uint8_t *)"pw";
	p.auth_data_len = 2;
	encode(&p, buf, &len);
	assert_int_equal(len, 24 + 5);
	assert_int_equal(bfd_pkt_decode(buf, len, &q), BFD_PKT_OK);
	assert_true(q.flags & BFD_FLAG_AUTH);
	assert_int_equal(q.auth_type, BFD_AUTH_SIMPLE);
	assert_int_equal(q.auth_len, 5);
	assert_int_equal(q.auth_key_id, 7);
	assert_int_equal(q.auth_data_len, 2);
	assert_memory_equal(q.auth_data, "pw", 2);

	p.auth_type = BFD_AUTH_METICULOUS_SHA1;
	p.auth_seq = 0xdeadbeef;
	p.auth_data = (const uint8_t *)"k";
	p.auth_data_len = 1;
	encode(&p, buf, &len);
	assert_int_equal(len, 52);
	assert_int_equal(bfd_pkt_decode(buf, len, &q), BFD_PKT_OK);
	assert_int_equal(q.auth_type, BFD_AUTH_METICULOUS_SHA1);
	assert_int_equal(q.auth_len, 28);
	assert_int_equal(q.auth_seq, 0xdeadbeef);
	assert_int_equal(q.auth_data_len, 20);
	assert_int_equal(q.auth_data[0], 'k');
	assert_int_equal(q.auth_data[1], 0);
}

#define NOMOD SIZE_MAX

static enum bfd_pkt_err
decode_mod(const struct bfd_pkt *p, size_t off, uint8_t val, size_t len)
{
	uint8_t buf[64];
	size_t n;
	struct bfd_pkt q;

	encode(p, buf, &n);
	if (off != NOMOD && off < sizeof(buf))
		buf[off] = val;
	return bfd_pkt_decode(buf, len != 0 ? len : n, &q);
}

static void
test_pkt_rules(void **state)
{
	struct bfd_pkt p = sample();
	uint8_t buf[64];
	struct bfd_pkt q;
	size_t n;

	(void)state;
	/* Fewer than 24 octets, and fewer than Length. */
	assert_int_equal(decode_mod(&p, NOMOD, 0, 23), BFD_PKT_SHORT);
	assert_int_equal(bfd_pkt_decode(buf, 0, &q), BFD_PKT_SHORT);
	assert_int_equal(decode_mod(&p, 3, 30, 24), BFD_PKT_SHORT);
	/* Version 0 and 2. */
	assert_int_equal(decode_mod(&p, 0, 0x03, 0), BFD_PKT_BAD_VERSION);
	assert_int_equal(decode_mod(&p, 0, 0x43, 0), BFD_PKT_BAD_VERSION);
	/* Length below 24, or below 26 with the A bit. */
	assert_int_equal(decode_mod(&p, 3, 23, 0), BFD_PKT_BAD_LENGTH);
	encode(&p, buf, &n);
	buf[1] |= BFD_FLAG_AUTH;
	buf[3] = 25;
	memset(buf + 24, 0, 8);
	assert_int_equal(bfd_pkt_decode(buf, 32, &q), BFD_PKT_BAD_LENGTH);
	/* Detect Mult 0; the M bit; My Discriminator 0. */
	assert_int_equal(decode_mod(&p, 2, 0, 0), BFD_PKT_ZERO_MULT);
	assert_int_equal(decode_mod(&p, 1, 0xc0 | BFD_FLAG_MULTIPOINT, 0),
	    BFD_PKT_MULTIPOINT);
	p.my_disc = 0;
	assert_int_equal(decode_mod(&p, NOMOD, 0, 0), BFD_PKT_ZERO_MY_DISC);
	p = sample();
	/* Your Discriminator 0: only in Down and AdminDown. */
	p.your_disc = 0;
	assert_int_equal(decode_mod(&p, NOMOD, 0, 0), BFD_PKT_ZERO_YOUR_DISC);
	p.state = BFD_ST_INIT;
	assert_int_equal(decode_mod(&p, NOMOD, 0, 0), BFD_PKT_ZERO_YOUR_DISC);
	p.state = BFD_ST_DOWN;
	assert_int_equal(decode_mod(&p, NOMOD, 0, 0), BFD_PKT_OK);
	p.state = BFD_ST_ADMIN_DOWN;
	assert_int_equal(decode_mod(&p, NOMOD, 0, 0), BFD_PKT_OK);
}

static void
test_pkt_auth_rules(void **state)
{
	struct bfd_pkt p = sample(), q;
	uint8_t buf[64];
	size_t n;

	(void)state;
	p.auth_type = BFD_AUTH_KEYED_SHA1;
	p.auth_data = (const uint8_t *)"k";
	p.auth_data_len = 1;
	encode(&p, buf, &n);
	assert_int_equal(n, 52);
	/* Auth Len not 28 for SHA1. */
	buf[25] = 27;
	assert_int_equal(bfd_pkt_decode(buf, n, &q), BFD_PKT_BAD_AUTH);
	/* Auth Len past Length. */
	buf[25] = 28;
	buf[3] = 40;
	assert_int_equal(bfd_pkt_decode(buf, n, &q), BFD_PKT_BAD_AUTH);
	/* Length past the datagram. */
	buf[3] = 52;
	assert_int_equal(bfd_pkt_decode(buf, 51, &q), BFD_PKT_SHORT);
	/* An Auth Type RFC 5880 does not define. */
	buf[24] = 6;
	assert_int_equal(bfd_pkt_decode(buf, n, &q), BFD_PKT_BAD_AUTH);
	/* MD5 must be 24 octets. */
	buf[24] = BFD_AUTH_KEYED_MD5;
	assert_int_equal(bfd_pkt_decode(buf, n, &q), BFD_PKT_BAD_AUTH);
	buf[25] = 24;
	buf[3] = 48;
	assert_int_equal(bfd_pkt_decode(buf, 48, &q), BFD_PKT_OK);
	/* Simple password: 1 to 16 octets. */
	p.auth_type = BFD_AUTH_SIMPLE;
	p.auth_data = (const uint8_t *)"x";
	encode(&p, buf, &n);
	assert_int_equal(bfd_pkt_decode(buf, n, &q), BFD_PKT_OK);
	buf[25] = 3; /* empty password */
	buf[3] = 27;
	assert_int_equal(bfd_pkt_decode(buf, 27, &q), BFD_PKT_BAD_AUTH);
	buf[25] = 20; /* 17 octets */
	buf[3] = 44;
	memset(buf + 27, 'a', 17);
	assert_int_equal(bfd_pkt_decode(buf, 44, &q), BFD_PKT_BAD_AUTH);
	/* A bit with Length 26: type and length, nothing else. */
	encode(&p, buf, &n);
	buf[3] = 26;
	assert_int_equal(bfd_pkt_decode(buf, 26, &q), BFD_PKT_BAD_AUTH);
}

/* ---- state machine --------------------------------------------------- */

#define TX  100000
#define RX  100000
#define DSC 0x1000

static struct bfd_fsm f;
static struct bfd_fsm_out out;

static struct bfd_pkt
peer_pkt(enum bfd_state st, uint8_t flags)
{
	struct bfd_pkt p;

	memset(&p, 0, sizeof(p));
	p.version = 1;
	p.state = st;
	p.flags = flags;
	p.detect_mult = 3;
	p.length = 24;
	p.my_disc = 0x2000;
	p.your_disc = st == BFD_ST_DOWN ? 0 : DSC;
	p.desired_min_tx = 50000;
	p.required_min_rx = 50000;
	return p;
}

static enum bfd_state
rx(enum bfd_state st, uint8_t flags)
{
	struct bfd_pkt p = peer_pkt(st, flags);

	return bfd_fsm_step(&f, BFD_EV_PACKET, &p, &out);
}

static void
fsm_in(enum bfd_state s)
{
	bfd_fsm_init(&f, DSC, TX, RX, 3);
	switch (s) {
	case BFD_ST_ADMIN_DOWN:
		bfd_fsm_step(&f, BFD_EV_STOP, NULL, &out);
		break;
	case BFD_ST_DOWN:
		break;
	case BFD_ST_INIT:
		rx(BFD_ST_DOWN, 0);
		break;
	case BFD_ST_UP:
		rx(BFD_ST_INIT, 0);
		break;
	}
	assert_int_equal(f.state, s);
}

struct trans {
	enum bfd_state from;
	int ev; /* a remote state, or -1 for the timer */
	enum bfd_state to;
	int diag; /* -1: unchanged */
};

/* Every edge of the RFC 5880 6.2 diagram, and the self loops. */
static void
test_fsm_diagram(void **state)
{
	static const struct trans t[] = {
		{ BFD_ST_DOWN, BFD_ST_DOWN, BFD_ST_INIT, -1 },
		{ BFD_ST_DOWN, BFD_ST_INIT, BFD_ST_UP, -1 },
		{ BFD_ST_DOWN, BFD_ST_UP, BFD_ST_DOWN, -1 },
		{ BFD_ST_DOWN, BFD_ST_ADMIN_DOWN, BFD_ST_DOWN, -1 },
		{ BFD_ST_DOWN, -1, BFD_ST_DOWN, -1 },
		{ BFD_ST_INIT, BFD_ST_INIT, BFD_ST_UP, -1 },
		{ BFD_ST_INIT, BFD_ST_UP, BFD_ST_UP, -1 },
		{ BFD_ST_INIT, BFD_ST_DOWN, BFD_ST_INIT, -1 },
		{ BFD_ST_INIT, BFD_ST_ADMIN_DOWN, BFD_ST_DOWN,
		    BFD_DIAG_NEIGHBOR_DOWN },
		{ BFD_ST_INIT, -1, BFD_ST_DOWN, BFD_DIAG_TIME_EXPIRED },
		{ BFD_ST_UP, BFD_ST_INIT, BFD_ST_UP, -1 },
		{ BFD_ST_UP, BFD_ST_UP, BFD_ST_UP, -1 },
		{ BFD_ST_UP, BFD_ST_DOWN, BFD_ST_DOWN, BFD_DIAG_NEIGHBOR_DOWN },
		{ BFD_ST_UP, BFD_ST_ADMIN_DOWN, BFD_ST_DOWN,
		    BFD_DIAG_NEIGHBOR_DOWN },
		{ BFD_ST_UP, -1, BFD_ST_DOWN, BFD_DIAG_TIME_EXPIRED },
		/* AdminDown discards every packet. */
		{ BFD_ST_ADMIN_DOWN, BFD_ST_DOWN, BFD_ST_ADMIN_DOWN, -1 },
		{ BFD_ST_ADMIN_DOWN, BFD_ST_INIT, BFD_ST_ADMIN_DOWN, -1 },
		{ BFD_ST_ADMIN_DOWN, BFD_ST_UP, BFD_ST_ADMIN_DOWN, -1 },
	};
	size_t i;
	uint8_t diag;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		fsm_in(t[i].from);
		diag = f.local_diag;
		if (t[i].ev < 0)
			bfd_fsm_step(&f, BFD_EV_DETECT_EXPIRED, NULL, &out);
		else
			rx((enum bfd_state)t[i].ev, 0);
		if (f.state != t[i].to)
			fail_msg("case %zu: %s on %d: got %s, want %s", i,
			    bfd_state_name(t[i].from), t[i].ev,
			    bfd_state_name(f.state), bfd_state_name(t[i].to));
		assert_int_equal(
		    f.local_diag, t[i].diag < 0 ? diag : (uint8_t)t[i].diag);
		assert_int_equal(out.old, t[i].from);
		/* A state change is sent at once. */
		if (t[i].from != t[i].to)
			assert_true(out.send);
	}
}

static void
test_fsm_admin(void **state)
{
	struct bfd_pkt p;

	(void)state;
	fsm_in(BFD_ST_UP);
	bfd_fsm_step(&f, BFD_EV_STOP, NULL, &out);
	assert_int_equal(f.state, BFD_ST_ADMIN_DOWN);
	assert_int_equal(f.local_diag, BFD_DIAG_ADMIN_DOWN);
	assert_true(out.send);
	bfd_fsm_packet(&f, false, &p);
	assert_int_equal(p.state, BFD_ST_ADMIN_DOWN);
	assert_int_equal(p.diag, BFD_DIAG_ADMIN_DOWN);
	/* Slow again. */
	assert_int_equal(p.desired_min_tx, BFD_SLOW_TX_US);
	bfd_fsm_step(&f, BFD_EV_START, NULL, &out);
	assert_int_equal(f.state, BFD_ST_DOWN);
	assert_int_equal(f.local_diag, BFD_DIAG_NONE);
	/* Start in Down does nothing. */
	bfd_fsm_step(&f, BFD_EV_START, NULL, &out);
	assert_int_equal(f.state, BFD_ST_DOWN);
	assert_false(out.send);
}

static void
test_fsm_packet_fields(void **state)
{
	struct bfd_pkt p;

	(void)state;
	bfd_fsm_init(&f, DSC, TX, RX, 3);
	bfd_fsm_packet(&f, false, &p);
	assert_int_equal(p.version, 1);
	assert_int_equal(p.state, BFD_ST_DOWN);
	assert_int_equal(p.my_disc, DSC);
	assert_int_equal(p.your_disc, 0);
	assert_int_equal(p.detect_mult, 3);
	/* 6.8.3: not Up, so at least one second. */
	assert_int_equal(p.desired_min_tx, BFD_SLOW_TX_US);
	assert_int_equal(p.required_min_rx, RX);
	assert_int_equal(p.required_min_echo_rx, 0);
	assert_int_equal(p.flags, 0);
	/* The peer's discriminator is echoed once learned. */
	rx(BFD_ST_DOWN, 0);
	bfd_fsm_packet(&f, false, &p);
	assert_int_equal(p.your_disc, 0x2000);
	assert_int_equal(p.state, BFD_ST_INIT);
	/* Until a Detection Time passes without a packet. */
	bfd_fsm_step(&f, BFD_EV_DETECT_EXPIRED, NULL, &out);
	bfd_fsm_packet(&f, false, &p);
	assert_int_equal(p.your_disc, 0);
	assert_int_equal(bfd_fsm_detect_time(&f), 0);
}

static void
test_fsm_timers(void **state)
{
	struct bfd_pkt p;

	(void)state;
	bfd_fsm_init(&f, DSC, TX, RX, 3);
	/* Nothing heard: the slow rate, no detection. */
	assert_int_equal(bfd_fsm_tx_interval(&f), BFD_SLOW_TX_US);
	assert_int_equal(bfd_fsm_detect_time(&f), 0);
	rx(BFD_ST_DOWN, 0);
	/* Init: still slow; the peer's mult times max(our rx, its tx). */
	assert_int_equal(bfd_fsm_tx_interval(&f), BFD_SLOW_TX_US);
	assert_int_equal(bfd_fsm_detect_time(&f), 3 * 100000);
	rx(BFD_ST_UP, 0);
	assert_int_equal(f.state, BFD_ST_UP);
	/* Up: the configured rate at once (a decrease), by Poll. */
	assert_true(f.poll);
	assert_int_equal(bfd_fsm_tx_interval(&f), TX);
	bfd_fsm_packet(&f, false, &p);
	assert_int_equal(p.flags, BFD_FLAG_POLL);
	assert_int_equal(p.desired_min_tx, TX);
	/* The peer wants packets no faster than 300 ms. */
	p = peer_pkt(BFD_ST_UP, BFD_FLAG_FINAL);
	p.required_min_rx = 300000;
	p.desired_min_tx = 250000;
	p.detect_mult = 5;
	bfd_fsm_step(&f, BFD_EV_PACKET, &p, &out);
	assert_false(f.poll);
	assert_true(out.timers);
	assert_true(out.detect);
	assert_int_equal(bfd_fsm_tx_interval(&f), 300000);
	assert_int_equal(bfd_fsm_detect_time(&f), 5 * 250000);
	/* Required Min RX 0: no periodic packets at all. */
	p.required_min_rx = 0;
	bfd_fsm_step(&f, BFD_EV_PACKET, &p, &out);
	assert_int_equal(bfd_fsm_tx_interval(&f), 0);
	/* Down again: slow again. */
	p = peer_pkt(BFD_ST_DOWN, 0);
	bfd_fsm_step(&f, BFD_EV_PACKET, &p, &out);
	assert_int_equal(f.state, BFD_ST_DOWN);
	assert_int_equal(bfd_fsm_tx_interval(&f), BFD_SLOW_TX_US);
	assert_false(f.poll);
}

static void
test_fsm_poll_final(void **state)
{
	struct bfd_pkt p;

	(void)state;
	fsm_in(BFD_ST_UP);
	rx(BFD_ST_UP, BFD_FLAG_FINAL); /* the Up poll is over */
	assert_false(f.poll);
	/* A Poll from the peer is answered at once with Final. */
	rx(BFD_ST_UP, BFD_FLAG_POLL);
	assert_true(out.send);
	assert_true(out.final);
	bfd_fsm_packet(&f, true, &p);
	assert_int_equal(p.flags, BFD_FLAG_FINAL);
	/* Slower TX, faster RX, while Up: Poll; the old TX interval and
	 * the old RX interval stay in use until the Final. */
	bfd_fsm_configure(&f, 400000, 20000, 3, &out);
	assert_true(f.poll);
	assert_true(out.send);
	bfd_fsm_packet(&f, false, &p);
	assert_int_equal(p.flags, BFD_FLAG_POLL);
	assert_int_equal(p.desired_min_tx, 400000);
	assert_int_equal(p.required_min_rx, 20000);
	assert_int_equal(bfd_fsm_tx_interval(&f), TX);
	assert_int_equal(bfd_fsm_detect_time(&f), 3 * RX);
	/* A packet without F does not end it. */
	rx(BFD_ST_UP, 0);
	assert_true(f.poll);
	/* A packet never carries both P and F. */
	bfd_fsm_packet(&f, true, &p);
	assert_int_equal(p.flags, BFD_FLAG_FINAL);
	rx(BFD_ST_UP, BFD_FLAG_FINAL);
	assert_false(f.poll);
	assert_int_equal(bfd_fsm_tx_interval(&f), 400000);
	assert_int_equal(bfd_fsm_detect_time(&f), 3 * 50000);
	/* Faster TX and slower RX take effect at once. */
	bfd_fsm_configure(&f, 100000, 500000, 3, &out);
	assert_int_equal(bfd_fsm_tx_interval(&f), 100000);
	assert_int_equal(bfd_fsm_detect_time(&f), 3 * 500000);
	/* Nothing changed: no Poll. */
	rx(BFD_ST_UP, BFD_FLAG_FINAL);
	bfd_fsm_configure(&f, 100000, 500000, 4, &out);
	assert_false(f.poll);
	assert_int_equal(f.detect_mult, 4);
	/* Not Up: no Poll, values in effect at once. */
	bfd_fsm_init(&f, DSC, TX, RX, 3);
	bfd_fsm_configure(&f, 2000000, 30000, 3, &out);
	assert_false(f.poll);
	assert_int_equal(bfd_fsm_tx_interval(&f), 2000000);
	/* F without a Poll of ours is harmless. */
	rx(BFD_ST_DOWN, BFD_FLAG_FINAL);
	assert_int_equal(f.state, BFD_ST_INIT);
}

static void
test_fsm_jitter(void **state)
{
	uint32_t r, v;

	(void)state;
	for (r = 0; r < 200; r++) {
		v = bfd_fsm_jitter(1000000, 3, r * 7919);
		assert_true(v >= 750000 && v <= 1000000);
		v = bfd_fsm_jitter(1000000, 1, r * 7919);
		assert_true(v >= 750000 && v <= 900000);
	}
	assert_int_equal(bfd_fsm_jitter(1000000, 3, 0), 750000);
	assert_int_equal(bfd_fsm_jitter(1000000, 3, 25), 1000000);
	assert_int_equal(bfd_fsm_jitter(1000000, 1, 15), 900000);
}

/* ---- authentication -------------------------------------------------- */

static void
hex(const char *s, uint8_t *o, size_t n)
{
	size_t i;
	unsigned v;

	for (i = 0; i < n; i++) {
		sscanf(s + 2 * i, "%2x", &v);
		o[i] = (uint8_t)v;
	}
}

static void
test_sha1_vectors(void **state)
{
	static const char *const in[] = { "abc",
		"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq" };
	static const char *const want[] = {
		"a9993e364706816aba3e25717850c26c9cd0d89d",
		"84983e441c3bd26ebaae4aa1f95129e5e54670f1"
	};
	uint8_t d[SHA1_LEN], w[SHA1_LEN];
	struct sha1_ctx c;
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		sha1(in[i], strlen(in[i]), d);
		hex(want[i], w, SHA1_LEN);
		assert_memory_equal(d, w, SHA1_LEN);
	}
	/* In pieces, across block boundaries. */
	sha1_init(&c);
	for (i = 0; i < strlen(in[1]); i++)
		sha1_update(&c, in[1] + i, 1);
	sha1_final(&c, d);
	assert_memory_equal(d, w, SHA1_LEN);
}

static struct bfd_auth_conf
sha1_conf(enum bfd_auth_type t)
{
	struct bfd_auth_conf c;

	memset(&c, 0, sizeof(c));
	c.type = t;
	c.key_id = 1;
	memcpy(c.key, "secret", 6);
	c.key_len = 6;
	return c;
}

/*
 * The Keyed SHA1 packet Up, A, mult 3, discriminators 0x11223344 and
 * 0x55667788, 100 ms both ways, key id 1, sequence 5, key "secret":
 * hashlib.sha1(packet with b"secret" + 14 zero octets in the digest
 * field).hexdigest() is the digest below.
 */
static void
test_auth_sha1_known_answer(void **state)
{
	struct bfd_auth_conf c = sha1_conf(BFD_AUTH_KEYED_SHA1);
	struct bfd_auth_seq s = { .xmit = 4 };
	struct bfd_pkt p = sample(), q;
	uint8_t want[SHA1_LEN];
	struct wbuf w;

	(void)state;
	p.flags = 0;
	p.diag = 0;
	p.required_min_rx = 100000;
	wbuf_init(&w, 0);
	bfd_auth_encode(&c, &s, &p, &w);
	assert_int_equal(w.len, 52);
	assert_int_equal(s.xmit, 5);
	hex("664f1f8a62c79f25822095646259bfbddbf52e1e", want, SHA1_LEN);
	assert_memory_equal(w.data + 32, want, SHA1_LEN);
	/* And it checks. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(bfd_pkt_decode(w.data, w.len, &q), BFD_PKT_OK);
	assert_int_equal(bfd_auth_check(&c, &s, w.data, &q), BFD_AUTH_OK);
	assert_true(s.known);
	assert_int_equal(s.rcv, 5);
	wbuf_free(&w);
}

/* A signed packet with sequence number seq, in buf. */
static void
signed_pkt(const struct bfd_auth_conf *c, uint32_t seq, uint8_t *buf,
    struct bfd_pkt *q)
{
	struct bfd_auth_seq s = { .xmit = seq - 1 };
	struct bfd_pkt p = sample();
	struct wbuf w;

	wbuf_init(&w, 0);
	bfd_auth_encode(c, &s, &p, &w);
	memcpy(buf, w.data, w.len);
	assert_int_equal(bfd_pkt_decode(buf, w.len, q), BFD_PKT_OK);
	wbuf_free(&w);
}

static void
test_auth_sha1_checks(void **state)
{
	struct bfd_auth_conf c = sha1_conf(BFD_AUTH_KEYED_SHA1), o;
	struct bfd_auth_seq s;
	struct bfd_pkt q, plain = sample();
	uint8_t buf[64], raw[64];
	size_t n;

	(void)state;
	memset(&s, 0, sizeof(s));
	signed_pkt(&c, 10, buf, &q);
	/* Another key, key id, type. */
	o = c;
	o.key[0] = 'S';
	assert_int_equal(bfd_auth_check(&o, &s, buf, &q), BFD_AUTH_BAD_KEY);
	o = c;
	o.key_id = 2;
	assert_int_equal(
	    bfd_auth_check(&o, &s, buf, &q), BFD_AUTH_WRONG_KEY_ID);
	o = c;
	o.type = BFD_AUTH_METICULOUS_SHA1;
	assert_int_equal(bfd_auth_check(&o, &s, buf, &q), BFD_AUTH_WRONG_TYPE);
	assert_false(s.known);
	/* A flipped octet anywhere breaks the digest. */
	buf[10] ^= 1;
	assert_int_equal(bfd_pkt_decode(buf, 52, &q), BFD_PKT_OK);
	assert_int_equal(bfd_auth_check(&c, &s, buf, &q), BFD_AUTH_BAD_KEY);
	buf[10] ^= 1;
	/* A bit versus configuration. */
	o.type = BFD_AUTH_NONE;
	assert_int_equal(bfd_auth_check(&o, &s, buf, &q), BFD_AUTH_UNEXPECTED);
	encode(&plain, raw, &n);
	assert_int_equal(bfd_pkt_decode(raw, n, &q), BFD_PKT_OK);
	assert_int_equal(bfd_auth_check(&c, &s, raw, &q), BFD_AUTH_MISSING);
	assert_int_equal(bfd_auth_check(&o, &s, raw, &q), BFD_AUTH_OK);
}

static enum bfd_auth_result
check_seq(const struct bfd_auth_conf *c, struct bfd_auth_seq *s, uint32_t seq)
{
	uint8_t buf[64];
	struct bfd_pkt q;

	signed_pkt(c, seq, buf, &q);
	return bfd_auth_check(c, s, buf, &q);
}

static void
test_auth_seq(void **state)
{
	struct bfd_auth_conf k = sha1_conf(BFD_AUTH_KEYED_SHA1);
	struct bfd_auth_conf m = sha1_conf(BFD_AUTH_METICULOUS_SHA1);
	struct bfd_auth_seq s;

	(void)state;
	/* Keyed: first packet sets it; then rcv .. rcv + 3 * mult (9). */
	memset(&s, 0, sizeof(s));
	assert_int_equal(check_seq(&k, &s, 100), BFD_AUTH_OK);
	assert_int_equal(check_seq(&k, &s, 100), BFD_AUTH_OK);
	assert_int_equal(check_seq(&k, &s, 109), BFD_AUTH_OK);
	assert_int_equal(check_seq(&k, &s, 119), BFD_AUTH_BAD_SEQ);
	assert_int_equal(check_seq(&k, &s, 108), BFD_AUTH_BAD_SEQ);
	assert_int_equal(s.rcv, 109);
	/* Meticulous: rcv + 1 .. rcv + 9; a replay fails. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(check_seq(&m, &s, 7), BFD_AUTH_OK);
	assert_int_equal(check_seq(&m, &s, 7), BFD_AUTH_BAD_SEQ);
	assert_int_equal(check_seq(&m, &s, 8), BFD_AUTH_OK);
	assert_int_equal(check_seq(&m, &s, 17), BFD_AUTH_OK);
	assert_int_equal(check_seq(&m, &s, 27), BFD_AUTH_BAD_SEQ);
	assert_int_equal(check_seq(&m, &s, 16), BFD_AUTH_BAD_SEQ);
	/* Circular: across 2^32. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(check_seq(&m, &s, 0xfffffffe), BFD_AUTH_OK);
	assert_int_equal(check_seq(&m, &s, 3), BFD_AUTH_OK);
	/* Unknown again (2 Detection Times of silence): anything goes. */
	s.known = false;
	assert_int_equal(check_seq(&m, &s, 1000), BFD_AUTH_OK);
	/* A failed digest does not move the window. */
	assert_int_equal(s.rcv, 1000);
}

static void
test_auth_simple(void **state)
{
	struct bfd_auth_conf c, o;
	struct bfd_auth_seq s;
	struct bfd_pkt p = sample(), q;
	struct wbuf w;

	(void)state;
	memset(&c, 0, sizeof(c));
	memset(&s, 0, sizeof(s));
	c.type = BFD_AUTH_SIMPLE;
	c.key_id = 3;
	memcpy(c.key, "hunter2", 7);
	c.key_len = 7;
	wbuf_init(&w, 0);
	bfd_auth_encode(&c, &s, &p, &w);
	assert_int_equal(w.len, 24 + 10);
	assert_int_equal(bfd_pkt_decode(w.data, w.len, &q), BFD_PKT_OK);
	assert_int_equal(bfd_auth_check(&c, &s, w.data, &q), BFD_AUTH_OK);
	o = c;
	o.key_len = 6; /* a prefix of the password is not it */
	assert_int_equal(bfd_auth_check(&o, &s, w.data, &q), BFD_AUTH_BAD_KEY);
	o = c;
	o.key[6] = '3';
	assert_int_equal(bfd_auth_check(&o, &s, w.data, &q), BFD_AUTH_BAD_KEY);
	wbuf_free(&w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pkt_roundtrip),
		cmocka_unit_test(test_pkt_roundtrip_auth),
		cmocka_unit_test(test_pkt_rules),
		cmocka_unit_test(test_pkt_auth_rules),
		cmocka_unit_test(test_fsm_diagram),
		cmocka_unit_test(test_fsm_admin),
		cmocka_unit_test(test_fsm_packet_fields),
		cmocka_unit_test(test_fsm_timers),
		cmocka_unit_test(test_fsm_poll_final),
		cmocka_unit_test(test_fsm_jitter),
		cmocka_unit_test(test_sha1_vectors),
		cmocka_unit_test(test_auth_sha1_known_answer),
		cmocka_unit_test(test_auth_sha1_checks),
		cmocka_unit_test(test_auth_seq),
		cmocka_unit_test(test_auth_simple),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
