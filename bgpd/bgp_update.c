/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * BGP UPDATE decode and the update packer (see bgp_update.h).
 *
 * Decoding follows RFC 4271 6.3 as revised by RFC 7606: the message
 * framing (withdrawn length, total attribute length, NLRI syntax, the MP
 * attributes) must be sound or the session is reset, because otherwise
 * the prefixes cannot be located to withdraw them; inside that frame each
 * attribute error is confined by bgp_attr_decode.  The packer writes the
 * fixed part once per message and then only prefix octets, so its cost
 * is a bounds check and a copy of at most 17 octets per prefix.
 */
#include <string.h>
#include <sys/socket.h>

#include "bgp_update.h"

static uint8_t
bgp_update_family(uint16_t afi, uint8_t safi)
{
	switch (bgp_msg_af(afi, safi)) {
	case BGP_AF_IPV4_UNICAST:
		return AF_INET;
	case BGP_AF_IPV6_UNICAST:
		return AF_INET6;
	}
	return 0;
}

/* Validate a run of prefixes: each length within the family's bits and
 * its octets present (RFC 4271 4.3, RFC 4760 5). */
static int
bgp_update_nlri_init(struct bgp_nlri *n, const uint8_t *p, size_t len,
    uint16_t afi, uint8_t safi)
{
	struct rbuf b;
	unsigned maxbits;
	uint8_t plen;

	memset(n, 0, sizeof(*n));
	n->data = p;
	n->len = (uint16_t)len;
	n->afi = afi;
	n->safi = safi;
	n->family = bgp_update_family(afi, safi);
	if (n->family == 0)
		return 0;
	maxbits = n->family == AF_INET ? 32 : 128;
	rbuf_init(&b, p, len);
	while (rbuf_left(&b) > 0) {
		rbuf_get_u8(&b, &plen);
		if (plen > maxbits || rbuf_skip(&b, (plen + 7u) / 8) == -1)
			return -1;
		n->count++;
	}
	return 0;
}

void
bgp_update_nlri_iter(struct bgp_nlri_iter *it, const struct bgp_nlri *n)
{
	rbuf_init(&it->b, n->data, n->family != 0 ? n->len : 0);
	it->family = n->family;
}

int
bgp_update_nlri_next(struct bgp_nlri_iter *it, struct prefix *p)
{
	unsigned maxbits = it->family == AF_INET ? 32 : 128;
	size_t nbytes;
	uint8_t plen;

	if (rbuf_get_u8(&it->b, &plen) == -1)
		return 0;
	nbytes = (plen + 7u) / 8;
	if (plen > maxbits || rbuf_left(&it->b) < nbytes)
		return 0;
	memset(p, 0, sizeof(*p));
	p->addr.family = it->family;
	p->len = plen;
	rbuf_get_bytes(&it->b, p->addr.bytes, nbytes);
	/* Trailing bits are irrelevant (RFC 4271 4.3); clear them so the
	 * prefix is normalized. */
	if (plen % 8 != 0)
		p->addr.bytes[nbytes - 1] &= (uint8_t)(0xff << (8 - plen % 8));
	return 1;
}

static enum bgp_action
bgp_update_reset(struct bgp_err *err, uint8_t subcode, const char *reason)
{
	return bgp_msg_err_set(err, BGP_ACT_SESSION_RESET, BGP_ERR_UPDATE,
	    subcode, NULL, 0, reason);
}

/* RFC 2545 3 (IPv6: 16 octets, or 32 with a link-local) and RFC 8950 3
 * (IPv4 NLRI with an IPv6 next hop of 16 or 32 octets). */
static int
bgp_update_mp_nexthop(
    struct bgp_mp_nexthop *nh, struct rbuf *b, uint8_t len, uint8_t family)
{
	memset(nh, 0, sizeof(*nh));
	if (family == 0)
		return rbuf_skip(b, len);
	if (family == AF_INET && len == 4) {
		nh->global.family = AF_INET;
		return rbuf_get_bytes(b, nh->global.bytes, 4);
	}
	if (len != 16 && len != 32)
		return -1;
	nh->global.family = AF_INET6;
	if (rbuf_get_bytes(b, nh->global.bytes, 16) == -1)
		return -1;
	if (len == 32) {
		nh->link_local.family = AF_INET6;
		if (rbuf_get_bytes(b, nh->link_local.bytes, 16) == -1)
			return -1;
	}
	return 0;
}

/*
 * RFC 4760 3: AFI, SAFI, next hop length and next hop, one reserved
 * octet, NLRI.  RFC 7606 7.11: a next hop length inconsistent with the
 * family means the NLRI cannot be located, so the session is reset; RFC
 * 4760 7 names the subcode, Optional Attribute Error, which we also use
 * for malformed NLRI inside the attribute (RFC 7606 5.3).  A family we
 * did not negotiate is kept undecoded (family 0) for the caller to
 * ignore.
 */
static enum bgp_action
bgp_update_mp_reach(struct bgp_update *u, struct bgp_err *err)
{
	struct rbuf b;
	uint16_t afi;
	uint8_t safi, nhlen, res;

	rbuf_init(&b, u->attrs.mp_reach, u->attrs.mp_reach_len);
	if (rbuf_get_u16(&b, &afi) == -1 || rbuf_get_u8(&b, &safi) == -1 ||
	    rbuf_get_u8(&b, &nhlen) == -1)
		return bgp_update_reset(
		    err, BGP_ERR_UPD_OPTIONAL, "MP_REACH_NLRI too short");
	if (bgp_update_mp_nexthop(
		&u->mp_nh, &b, nhlen, bgp_update_family(afi, safi)) == -1)
		return bgp_update_reset(
		    err, BGP_ERR_UPD_OPTIONAL, "MP_REACH_NLRI next hop length");
	if (rbuf_get_u8(&b, &res) == -1)
		return bgp_update_reset(
		    err, BGP_ERR_UPD_OPTIONAL, "MP_REACH_NLRI too short");
	if (bgp_update_nlri_init(
		&u->mp_reach, rbuf_ptr(&b), rbuf_left(&b), afi, safi) == -1)
		return bgp_update_reset(err, BGP_ERR_UPD_OPTIONAL,
		    "MP_REACH_NLRI prefix malformed");
	return BGP_ACT_OK;
}

static enum bgp_action
bgp_update_mp_unreach(struct bgp_update *u, struct bgp_err *err)
{
	struct rbuf b;
	uint16_t afi;
	uint8_t safi;

	rbuf_init(&b, u->attrs.mp_unreach, u->attrs.mp_unreach_len);
	if (rbuf_get_u16(&b, &afi) == -1 || rbuf_get_u8(&b, &safi) == -1)
		return bgp_update_reset(
		    err, BGP_ERR_UPD_OPTIONAL, "MP_UNREACH_NLRI too short");
	if (bgp_update_nlri_init(
		&u->mp_unreach, rbuf_ptr(&b), rbuf_left(&b), afi, safi) == -1)
		return bgp_update_reset(err, BGP_ERR_UPD_OPTIONAL,
		    "MP_UNREACH_NLRI prefix malformed");
	return BGP_ACT_OK;
}

/*
 * RFC 7606 3(d): a missing well-known mandatory attribute is
 * treat-as-withdraw.  They are mandatory only when the UPDATE announces
 * something, and NEXT_HOP only for the NLRI field (RFC 4760 3).  The data
 * is the missing type code, as RFC 4271 6.3 has it.
 */
static void
bgp_update_check_mandatory(struct bgp_update *u, struct bgp_err *err)
{
	static const uint8_t mandatory[] = {
		BGP_ATTR_ORIGIN,
		BGP_ATTR_AS_PATH,
		BGP_ATTR_NEXT_HOP,
	};
	const struct bgp_attrs *a = &u->attrs;
	uint64_t have;
	size_t i;

	if (u->nlri.len == 0 &&
	    (a->present & BGP_ATTR_BIT(BGP_ATTR_MP_REACH_NLRI)) == 0)
		return;
	/* Attributes already found malformed are not "missing". */
	have = a->present | a->discarded;
	for (i = 0; i < sizeof(mandatory); i++) {
		if (mandatory[i] == BGP_ATTR_NEXT_HOP && u->nlri.len == 0)
			continue;
		if (have & BGP_ATTR_BIT(mandatory[i]))
			continue;
		if (err->action < BGP_ACT_TREAT_AS_WITHDRAW) {
			bgp_msg_err_set(err, BGP_ACT_TREAT_AS_WITHDRAW,
			    BGP_ERR_UPDATE, BGP_ERR_UPD_WK_MISSING,
			    &mandatory[i], 1,
			    "missing well-known mandatory attribute");
			err->attr_type = mandatory[i];
		}
	}
}

/*
 * RFC 4724 2: End-of-RIB is an UPDATE with nothing in it for IPv4
 * unicast, and for other families one with only an empty MP_UNREACH_NLRI.
 */
static void
bgp_update_check_eor(struct bgp_update *u, size_t len)
{
	const struct bgp_attrs *a = &u->attrs;
	size_t hdr;

	if (len == BGP_UPDATE_MIN_LEN) {
		u->eor = true;
		u->eor_afi = BGP_AFI_IPV4;
		u->eor_safi = BGP_SAFI_UNICAST;
		return;
	}
	if (u->withdrawn.len != 0 || u->nlri.len != 0 ||
	    a->present != BGP_ATTR_BIT(BGP_ATTR_MP_UNREACH_NLRI) ||
	    u->mp_unreach.len != 0)
		return;
	hdr = (size_t)a->block_len - a->mp_unreach_len;
	if (hdr != 3 && hdr != 4)
		return; /* something else rode along */
	u->eor = true;
	u->eor_afi = u->mp_unreach.afi;
	u->eor_safi = u->mp_unreach.safi;
}

enum bgp_action
bgp_update_decode(const uint8_t *msg, size_t len, const struct bgp_attr_opts *o,
    struct bgp_update *u, struct bgp_err *err)
{
	struct rbuf b, wr, ab;
	uint16_t wlen, alen;
	uint8_t d[2] = { (uint8_t)(len >> 8), (uint8_t)len };

	memset(u, 0, sizeof(*u));
	bgp_msg_err_clear(err);
	if (len < BGP_UPDATE_MIN_LEN || len > BGP_MAX_MSG_LEN)
		return bgp_msg_err_set(err, BGP_ACT_SESSION_RESET,
		    BGP_ERR_HEADER, BGP_ERR_HDR_LENGTH, d, sizeof(d),
		    "UPDATE length");
	rbuf_init(&b, msg, len);
	rbuf_skip(&b, BGP_HDR_LEN);
	/* RFC 4271 6.3 and RFC 7606 4: lengths that do not add up to the
	 * message length are Malformed Attribute List, session reset. */
	rbuf_get_u16(&b, &wlen);
	if (rbuf_sub(&b, wlen, &wr) == -1 || rbuf_get_u16(&b, &alen) == -1 ||
	    rbuf_sub(&b, alen, &ab) == -1)
		return bgp_update_reset(err, BGP_ERR_UPD_ATTR_LIST,
		    "withdrawn or attribute length exceeds message");
	/* RFC 4271 6.3 Invalid Network Field; RFC 7606 5.3 resets. */
	if (bgp_update_nlri_init(&u->withdrawn, rbuf_ptr(&wr), wlen,
		BGP_AFI_IPV4, BGP_SAFI_UNICAST) == -1)
		return bgp_update_reset(
		    err, BGP_ERR_UPD_NETWORK, "withdrawn routes malformed");
	if (bgp_update_nlri_init(&u->nlri, rbuf_ptr(&b), rbuf_left(&b),
		BGP_AFI_IPV4, BGP_SAFI_UNICAST) == -1)
		return bgp_update_reset(
		    err, BGP_ERR_UPD_NETWORK, "NLRI malformed");
	if (bgp_attr_decode(rbuf_ptr(&ab), alen, o, &u->attrs, err) ==
	    BGP_ACT_SESSION_RESET)
		return err->action;
	if (u->attrs.mp_reach != NULL &&
	    bgp_update_mp_reach(u, err) == BGP_ACT_SESSION_RESET)
		return err->action;
	if (u->attrs.mp_unreach != NULL &&
	    bgp_update_mp_unreach(u, err) == BGP_ACT_SESSION_RESET)
		return err->action;
	bgp_update_check_mandatory(u, err);
	bgp_update_check_eor(u, len);
	return err->action;
}

/* Packer. */

#define BGP_UPD_FIXED (BGP_HDR_LEN + 4) /* header, two lengths */

static size_t
bgp_update_nh_len(const struct bgp_mp_nexthop *nh)
{
	if (nh->global.family == AF_INET)
		return 4;
	return nh->link_local.family == AF_INET6 ? 32 : 16;
}

static void
bgp_update_begin_mp(struct bgp_update_writer *w, struct wbuf *out,
    const struct bgp_update_spec *s, size_t *fixed)
{
	bool reach = s->kind == BGP_UPD_MP_REACH;
	size_t nhlen;

	/* RFC 7606 5.1: MP_REACH_NLRI/MP_UNREACH_NLRI go first.  Always
	 * the extended length, since the prefixes come after. */
	wbuf_put_u8(out, BGP_ATTRF_OPTIONAL | BGP_ATTRF_EXTLEN);
	wbuf_put_u8(
	    out, reach ? BGP_ATTR_MP_REACH_NLRI : BGP_ATTR_MP_UNREACH_NLRI);
	w->len_at = wbuf_reserve(out, 2);
	wbuf_put_u16(out, s->afi);
	wbuf_put_u8(out, s->safi);
	*fixed += 7;
	if (!reach)
		return;
	nhlen = bgp_update_nh_len(&s->nh);
	wbuf_put_u8(out, (uint8_t)nhlen);
	wbuf_put_bytes(out, s->nh.global.bytes, nhlen > 16 ? 16 : nhlen);
	if (nhlen == 32)
		wbuf_put_bytes(out, s->nh.link_local.bytes, 16);
	wbuf_put_u8(out, 0); /* reserved (RFC 4760 3) */
	*fixed += 2 + nhlen + s->attrs_len;
}

int
bgp_update_begin(struct bgp_update_writer *w, struct wbuf *out,
    const struct bgp_update_spec *s)
{
	size_t fixed = BGP_UPD_FIXED;
	uint16_t afi = BGP_AFI_IPV4;
	uint8_t safi = BGP_SAFI_UNICAST;

	memset(w, 0, sizeof(*w));
	w->out = out;
	w->spec = s;
	if (s->kind == BGP_UPD_MP_REACH || s->kind == BGP_UPD_MP_UNREACH) {
		afi = s->afi;
		safi = s->safi;
	}
	w->family = bgp_update_family(afi, safi);
	if (w->family == 0 ||
	    (s->kind == BGP_UPD_MP_REACH && s->nh.global.family != AF_INET6 &&
		(s->nh.global.family != AF_INET || w->family != AF_INET)))
		return -1;
	w->maxbits = w->family == AF_INET ? 32 : 128;
	/* Grow once to a full message so adding never reallocates. */
	w->start = out->len;
	if (out->limit == 0) {
		wbuf_reserve(out, BGP_MAX_MSG_LEN);
		wbuf_truncate(out, w->start);
	}
	bgp_msg_hdr_begin(out, BGP_MSG_UPDATE);
	switch (s->kind) {
	case BGP_UPD_IPV4_REACH:
		wbuf_put_u16(out, 0);
		wbuf_put_u16(out, (uint16_t)s->attrs_len);
		wbuf_put_bytes(out, s->attrs, s->attrs_len);
		fixed += s->attrs_len;
		break;
	case BGP_UPD_IPV4_UNREACH:
		w->len_at = wbuf_reserve(out, 2);
		break;
	case BGP_UPD_MP_REACH:
	case BGP_UPD_MP_UNREACH:
		wbuf_put_u16(out, 0);
		wbuf_reserve(out, 2);
		bgp_update_begin_mp(w, out, s, &fixed);
		break;
	}
	/* Room for at least one prefix, the longest of the family. */
	if (wbuf_overflow(out) ||
	    fixed + 1 + w->maxbits / 8 > BGP_MAX_MSG_LEN) {
		wbuf_truncate(out, w->start);
		return -1;
	}
	w->room = BGP_MAX_MSG_LEN - fixed;
	return 0;
}

int
bgp_update_add(struct bgp_update_writer *w, const struct prefix *p)
{
	size_t nbytes = (p->len + 7u) / 8;

	if (p->addr.family != w->family || p->len > w->maxbits ||
	    1 + nbytes > w->room)
		return -1;
	wbuf_put_u8(w->out, p->len);
	wbuf_put_bytes(w->out, p->addr.bytes, nbytes);
	w->room -= 1 + nbytes;
	w->count++;
	return 0;
}

int
bgp_update_finish(struct bgp_update_writer *w)
{
	const struct bgp_update_spec *s = w->spec;
	struct wbuf *out = w->out;
	size_t attrs_at = w->start + BGP_HDR_LEN + 2;

	if (w->count == 0) {
		wbuf_truncate(out, w->start);
		return -1;
	}
	switch (s->kind) {
	case BGP_UPD_IPV4_REACH:
		break;
	case BGP_UPD_IPV4_UNREACH:
		wbuf_set_u16_at(
		    out, w->len_at, (uint16_t)(out->len - w->len_at - 2));
		wbuf_put_u16(out, 0);
		break;
	case BGP_UPD_MP_REACH:
	case BGP_UPD_MP_UNREACH:
		wbuf_set_u16_at(
		    out, w->len_at, (uint16_t)(out->len - w->len_at - 2));
		if (s->kind == BGP_UPD_MP_REACH)
			wbuf_put_bytes(out, s->attrs, s->attrs_len);
		wbuf_set_u16_at(
		    out, attrs_at, (uint16_t)(out->len - attrs_at - 2));
		break;
	}
	return bgp_msg_hdr_finish(out, w->start);
}

size_t
bgp_update_pack(struct wbuf *out, const struct bgp_update_spec *s,
    const struct prefix *pfx, size_t n)
{
	struct bgp_update_writer w;
	size_t i;

	if (bgp_update_begin(&w, out, s) == -1)
		return 0;
	for (i = 0; i < n; i++)
		if (bgp_update_add(&w, &pfx[i]) == -1)
			break;
	if (bgp_update_finish(&w) == -1)
		return 0;
	return i;
}

int
bgp_update_encode_eor(struct wbuf *out, uint16_t afi, uint8_t safi)
{
	size_t start;

	start = bgp_msg_hdr_begin(out, BGP_MSG_UPDATE);
	wbuf_put_u16(out, 0);
	if (afi == BGP_AFI_IPV4 && safi == BGP_SAFI_UNICAST)
		wbuf_put_u16(out, 0);
	else {
		wbuf_put_u16(out, 6);
		wbuf_put_u8(out, BGP_ATTRF_OPTIONAL);
		wbuf_put_u8(out, BGP_ATTR_MP_UNREACH_NLRI);
		wbuf_put_u8(out, 3);
		wbuf_put_u16(out, afi);
		wbuf_put_u8(out, safi);
	}
	return bgp_msg_hdr_finish(out, start);
}
