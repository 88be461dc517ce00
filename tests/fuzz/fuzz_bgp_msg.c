/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for the BGP message codec.
 *
 * The input is one BGP message as it arrives on the wire.  Whatever
 * decodes is encoded again and checked: KEEPALIVE, NOTIFICATION and
 * ROUTE-REFRESH must come back byte for byte, OPEN must decode to the
 * same fields, an UPDATE's attributes must reach a fixed point in their
 * canonical form (also after a trip through a 2-octet AS peer when the
 * path allows it), and every run of prefixes must survive the packer.
 * UPDATEs are decoded under all four session options (4-octet AS or not,
 * internal or external peer).  A failed check aborts, which libFuzzer
 * reports as a crash.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgp_attr.h"
#include "bgp_msg.h"
#include "bgp_update.h"
#include "check.h"

#define MAXPFX (BGP_MAX_MSG_LEN + 1)

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct prefix pfx_in[MAXPFX], pfx_out[MAXPFX];

static size_t
collect(const struct bgp_nlri *n, struct prefix *out, size_t max)
{
	struct bgp_nlri_iter it;
	size_t i = 0;

	bgp_update_nlri_iter(&it, n);
	while (i < max && bgp_update_nlri_next(&it, &out[i]))
		i++;
	return i;
}

/* The run as re-read from the messages the packer built. */
static const struct bgp_nlri *
packed_run(const struct bgp_update *u, enum bgp_update_kind kind)
{
	switch (kind) {
	case BGP_UPD_IPV4_REACH:
		return &u->nlri;
	case BGP_UPD_IPV4_UNREACH:
		return &u->withdrawn;
	case BGP_UPD_MP_REACH:
		return &u->mp_reach;
	case BGP_UPD_MP_UNREACH:
		return &u->mp_unreach;
	}
	return NULL;
}

static void
check_pack(const struct bgp_nlri *n, enum bgp_update_kind kind,
    const struct bgp_mp_nexthop *nh, const uint8_t *attrs, size_t alen)
{
	struct bgp_attr_opts o = { .as4 = true, .ebgp = false };
	struct bgp_update_spec s;
	struct bgp_update u;
	struct bgp_err err;
	struct wbuf out;
	size_t n_in, done = 0, k, got = 0, off = 0;

	if (n->family == 0 || n->count == 0)
		return;
	n_in = collect(n, pfx_in, MAXPFX);
	CHECK(n_in == n->count);
	memset(&s, 0, sizeof(s));
	s.kind = kind;
	s.afi = n->afi;
	s.safi = n->safi;
	s.attrs = attrs;
	s.attrs_len = alen;
	if (nh != NULL)
		s.nh = *nh;
	wbuf_init(&out, 0);
	while (done < n_in) {
		k = bgp_update_pack(&out, &s, pfx_in + done, n_in - done);
		if (k == 0)
			break; /* attributes too large, or bad nh */
		done += k;
	}
	while (off < out.len) {
		CHECK(out.len - off >= BGP_UPDATE_MIN_LEN);
		k = (size_t)out.data[off + 16] << 8 | out.data[off + 17];
		CHECK(k <= BGP_MAX_MSG_LEN && off + k <= out.len);
		CHECK(bgp_update_decode(out.data + off, k, &o, &u, &err) !=
		    BGP_ACT_SESSION_RESET);
		got +=
		    collect(packed_run(&u, kind), pfx_out + got, MAXPFX - got);
		off += k;
	}
	CHECK(got == done);
	CHECK(memcmp(pfx_in, pfx_out, done * sizeof(pfx_in[0])) == 0);
	wbuf_free(&out);
}

static bool
same(const struct wbuf *a, const struct wbuf *b)
{
	return a->len == b->len &&
	    (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

static bool
path_has_confed(const uint8_t *p, size_t len)
{
	struct bgp_aspath_iter it;
	struct bgp_aspath_seg s;

	bgp_attr_aspath_iter_init(&it, p, len, true);
	while (bgp_attr_aspath_next(&it, &s))
		if (s.type >= BGP_ASPATH_CONFED_SEQUENCE)
			return true;
	return false;
}

/* Canonical attributes reach a fixed point; a 2-octet trip keeps them. */
static void
check_attrs(struct bgp_attrs *a, struct wbuf *c1)
{
	struct bgp_attr_opts o4 = { .as4 = true }, o2 = { .as4 = false };
	struct bgp_attrs a2;
	struct bgp_err err;
	struct wbuf c2, c3, scratch;

	wbuf_init(&c2, 0);
	wbuf_init(&c3, 0);
	wbuf_init(&scratch, 0);
	if (bgp_attr_encode(a, true, c1) == -1)
		goto out;
	bgp_msg_err_clear(&err);
	CHECK(bgp_attr_decode(c1->data, c1->len, &o4, &a2, &err) == BGP_ACT_OK);
	CHECK(bgp_attr_encode(&a2, true, &c2) == 0);
	CHECK(same(c1, &c2));

	wbuf_reset(&c2);
	CHECK(bgp_attr_encode(a, false, &c2) == 0);
	bgp_msg_err_clear(&err);
	CHECK(bgp_attr_decode(c2.data, c2.len, &o2, &a2, &err) == BGP_ACT_OK);
	bgp_attr_normalize(&a2, &scratch);
	if ((a->present & BGP_ATTR_BIT(BGP_ATTR_AGGREGATOR)) == 0 &&
	    !path_has_confed(a->aspath, a->aspath_len)) {
		/* a2 points into c2: encode into a third buffer. */
		CHECK(bgp_attr_encode(&a2, true, &c3) == 0);
		CHECK(same(c1, &c3));
	}
out:
	wbuf_free(&c3);
	wbuf_free(&c2);
	wbuf_free(&scratch);
}

static void
fuzz_update(const uint8_t *msg, size_t len, bool as4, bool ebgp)
{
	struct bgp_attr_opts o = { .as4 = as4, .ebgp = ebgp };
	struct bgp_attr_unknown_iter ui;
	struct bgp_attr_raw raw;
	struct bgp_update u;
	struct bgp_err err;
	struct wbuf c1, scratch;

	if (bgp_update_decode(msg, len, &o, &u, &err) ==
	    BGP_ACT_SESSION_RESET) {
		CHECK(err.code == BGP_ERR_UPDATE || err.code == BGP_ERR_HEADER);
		return;
	}
	CHECK(collect(&u.withdrawn, pfx_in, MAXPFX) == u.withdrawn.count);
	CHECK(collect(&u.nlri, pfx_in, MAXPFX) == u.nlri.count);
	bgp_attr_unknown_iter_init(&ui, &u.attrs);
	while (bgp_attr_unknown_next(&ui, &raw))
		CHECK(raw.flags & BGP_ATTRF_OPTIONAL);
	(void)bgp_attr_has_community(&u.attrs, BGP_COMM_NO_EXPORT);

	wbuf_init(&c1, 0);
	wbuf_init(&scratch, 0);
	bgp_attr_normalize(&u.attrs, &scratch);
	(void)bgp_attr_aspath_count(u.attrs.aspath, u.attrs.aspath_len, true);
	check_attrs(&u.attrs, &c1);
	check_pack(&u.withdrawn, BGP_UPD_IPV4_UNREACH, NULL, NULL, 0);
	check_pack(&u.nlri, BGP_UPD_IPV4_REACH, NULL, c1.data, c1.len);
	check_pack(&u.mp_unreach, BGP_UPD_MP_UNREACH, NULL, NULL, 0);
	check_pack(&u.mp_reach, BGP_UPD_MP_REACH, &u.mp_nh, c1.data, c1.len);
	wbuf_free(&c1);
	wbuf_free(&scratch);
}

static void
fuzz_open(const uint8_t *msg, size_t len)
{
	struct bgp_open_expect x = { .peer_as = 65001,
		.local_id = 1,
		.ibgp = true,
		.need_caps = BGP_CAPF_AS4 | BGP_CAPF_MP };
	struct bgp_open o, o2;
	struct bgp_err err;
	struct wbuf out;

	if (bgp_msg_open_decode(msg, len, &o, &err) != BGP_ACT_OK)
		return;
	(void)bgp_msg_open_check(&o, &x, &err);
	wbuf_init(&out, 0);
	CHECK(bgp_msg_open_encode(&out, &o) == 0);
	CHECK(bgp_msg_open_decode(out.data, out.len, &o2, &err) == BGP_ACT_OK);
	/* What we do not speak is not re-encoded. */
	o.caps.mp_other = o.caps.unknown = 0;
	if (o.caps.ext_nh == 0)
		o.caps.seen &= ~BGP_CAPF_EXT_NEXTHOP;
	if (o.caps.mp == 0)
		o.caps.seen &= ~BGP_CAPF_MP;
	CHECK(memcmp(&o, &o2, sizeof(o)) == 0);
	wbuf_free(&out);
}

static void
fuzz_same_bytes(const uint8_t *msg, size_t len, uint8_t type)
{
	struct bgp_notification n;
	struct bgp_refresh r;
	struct bgp_err err;
	struct wbuf out;
	char text[300];

	wbuf_init(&out, 0);
	switch (type) {
	case BGP_MSG_KEEPALIVE:
		if (bgp_msg_keepalive_decode(msg, len, &err) != BGP_ACT_OK)
			goto out;
		CHECK(bgp_msg_keepalive_encode(&out) == 0);
		break;
	case BGP_MSG_NOTIFICATION:
		if (bgp_msg_notification_decode(msg, len, &n, &err) !=
		    BGP_ACT_OK)
			goto out;
		(void)bgp_msg_notification_shutdown_text(
		    &n, text, sizeof(text));
		(void)bgp_msg_err_name(n.code, n.subcode);
		CHECK(bgp_msg_notification_encode(
			  &out, n.code, n.subcode, n.data, n.datalen) == 0);
		break;
	case BGP_MSG_ROUTE_REFRESH:
		if (bgp_msg_refresh_decode(msg, len, &r, &err) != BGP_ACT_OK)
			goto out;
		CHECK(bgp_msg_refresh_encode(&out, &r) == 0);
		break;
	}
	CHECK(out.len == len && memcmp(out.data, msg, len) == 0);
out:
	wbuf_free(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bgp_hdr hdr;
	struct bgp_err err;
	struct wbuf out;

	wbuf_init(&out, 0);
	if (bgp_msg_hdr_decode(data, size, &hdr, &err) != BGP_ACT_OK) {
		/* Every header error must make a sendable NOTIFICATION. */
		CHECK(err.action == BGP_ACT_SESSION_RESET);
		CHECK(bgp_msg_notification_encode_err(&out, &err) == 0);
		goto out;
	}
	if (hdr.len > size)
		goto out;
	switch (hdr.type) {
	case BGP_MSG_OPEN:
		fuzz_open(data, hdr.len);
		break;
	case BGP_MSG_UPDATE:
		fuzz_update(data, hdr.len, false, false);
		fuzz_update(data, hdr.len, false, true);
		fuzz_update(data, hdr.len, true, false);
		fuzz_update(data, hdr.len, true, true);
		break;
	default:
		fuzz_same_bytes(data, hdr.len, hdr.type);
		break;
	}
out:
	wbuf_free(&out);
	return 0;
}
