/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for the BFD control packet codec and what consumes
 * its output.  The input is one UDP payload as it arrives.  A packet
 * that decodes must encode back to its own octets (with Length as the
 * encoder computes it, and the reserved octet of MD5/SHA1 sections
 * zero, as the encoder writes them), decode again to the same fields, pass through
 * the authentication check under every configured type, and drive the
 * state machine from every state without breaking its invariants: a
 * packet never carries both P and F, and the intervals stay in range.
 * A failed check aborts, which libFuzzer reports as a crash.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bfd_auth.h"
#include "bfd_fsm.h"
#include "bfd_pkt.h"
#include "check.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_reencode(const uint8_t *data, const struct bfd_pkt *p)
{
	struct bfd_pkt q;
	struct wbuf w;
	uint8_t want[256];

	/* Octets inside Length past the packet proper are not re-encoded:
	 * compare with the canonical Length. */
	size_t canon =
	    BFD_PKT_LEN + (p->flags & BFD_FLAG_AUTH ? p->auth_len : 0);

	wbuf_init(&w, 0);
	bfd_pkt_encode(&w, p);
	CHECK(w.len == canon && canon <= p->length);
	memcpy(want, data, canon);
	want[3] = (uint8_t)canon;
	if ((p->flags & BFD_FLAG_AUTH) && p->auth_type != BFD_AUTH_SIMPLE)
		want[BFD_PKT_LEN + 3] = 0; /* reserved */
	CHECK(memcmp(w.data, want, w.len) == 0);
	CHECK(bfd_pkt_decode(w.data, w.len, &q) == BFD_PKT_OK);
	CHECK(q.state == p->state && q.flags == p->flags &&
	    q.my_disc == p->my_disc && q.your_disc == p->your_disc &&
	    q.detect_mult == p->detect_mult &&
	    q.desired_min_tx == p->desired_min_tx &&
	    q.required_min_rx == p->required_min_rx &&
	    q.auth_type == p->auth_type && q.auth_seq == p->auth_seq &&
	    q.auth_data_len == p->auth_data_len);
	wbuf_free(&w);
}

static void
check_auth(const uint8_t *data, const struct bfd_pkt *p)
{
	static const enum bfd_auth_type types[] = { BFD_AUTH_NONE,
		BFD_AUTH_SIMPLE, BFD_AUTH_KEYED_SHA1,
		BFD_AUTH_METICULOUS_SHA1 };
	struct bfd_auth_conf c;
	struct bfd_auth_seq s;
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		memset(&c, 0, sizeof(c));
		c.type = types[i];
		c.key_id = p->auth_key_id;
		memcpy(c.key, "key", 3);
		c.key_len = 3;
		memset(&s, 0, sizeof(s));
		s.known = i % 2 == 0;
		s.rcv = p->auth_seq - 1;
		(void)bfd_auth_result_name(bfd_auth_check(&c, &s, data, p));
	}
}

static void
check_fsm(const struct bfd_pkt *p)
{
	static const enum bfd_state from[] = { BFD_ST_ADMIN_DOWN, BFD_ST_DOWN,
		BFD_ST_INIT, BFD_ST_UP };
	struct bfd_fsm f;
	struct bfd_fsm_out out;
	struct bfd_pkt tx;
	size_t i;

	for (i = 0; i < 4; i++) {
		bfd_fsm_init(&f, 1, 100000, 100000, 3);
		f.state = from[i];
		bfd_fsm_step(&f, BFD_EV_PACKET, p, &out);
		CHECK((unsigned)f.state <= BFD_ST_UP);
		bfd_fsm_packet(&f, out.final, &tx);
		CHECK((tx.flags & (BFD_FLAG_POLL | BFD_FLAG_FINAL)) !=
		    (BFD_FLAG_POLL | BFD_FLAG_FINAL));
		if (f.state != BFD_ST_UP)
			CHECK(tx.desired_min_tx >= BFD_SLOW_TX_US);
		CHECK(bfd_fsm_detect_time(&f) <=
		    (uint64_t)p->detect_mult * UINT32_MAX);
		(void)bfd_fsm_jitter(
		    bfd_fsm_tx_interval(&f), f.detect_mult, p->my_disc);
		bfd_fsm_step(&f, BFD_EV_DETECT_EXPIRED, NULL, &out);
		CHECK(bfd_fsm_detect_time(&f) == 0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bfd_pkt p;
	enum bfd_pkt_err e;

	e = bfd_pkt_decode(data, size, &p);
	(void)bfd_pkt_err_name(e);
	if (e != BFD_PKT_OK)
		return 0;
	CHECK(p.length >= BFD_PKT_LEN && p.length <= size);
	CHECK(p.detect_mult != 0 && p.my_disc != 0);
	(void)bfd_state_name(p.state);
	(void)bfd_diag_name(p.diag);
	check_reencode(data, &p);
	check_auth(data, &p);
	check_fsm(&p);
	return 0;
}
