/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * BFD authentication (see bfd_auth.h).  The digest of 6.7.4 is SHA1 over
 * the whole packet with the 20-octet key field holding the key, zero
 * padded; the receiver puts its own copy of the key there and compares.
 * Comparisons take the same time whatever octet differs.
 */
#include <string.h>

#include "bfd_auth.h"
#include "sha1.h"

static const char *const result_names[BFD_AUTH_RESULT_COUNT] = {
	[BFD_AUTH_OK] = "ok",
	[BFD_AUTH_UNEXPECTED] = "authenticated packet, none configured",
	[BFD_AUTH_MISSING] = "unauthenticated packet",
	[BFD_AUTH_WRONG_TYPE] = "wrong authentication type",
	[BFD_AUTH_WRONG_KEY_ID] = "wrong key id",
	[BFD_AUTH_BAD_KEY] = "wrong key",
	[BFD_AUTH_BAD_SEQ] = "sequence number out of range",
};

const char *
bfd_auth_result_name(enum bfd_auth_result r)
{
	return r < BFD_AUTH_RESULT_COUNT ? result_names[r] : "unknown";
}

bool
bfd_auth_type_meticulous(enum bfd_auth_type t)
{
	return t == BFD_AUTH_METICULOUS_MD5 || t == BFD_AUTH_METICULOUS_SHA1;
}

static bool
same(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint8_t d = 0;
	size_t i;

	for (i = 0; i < n; i++)
		d |= a[i] ^ b[i];
	return d == 0;
}

/*
 * 6.7.4: "If bfd.AuthSeqKnown is 1, examine the Sequence Number field.
 * For Keyed SHA1, if the sequence number lies outside of the range of
 * bfd.RcvAuthSeq to bfd.RcvAuthSeq+(3*Detect Mult) inclusive (when
 * treated as an unsigned 32-bit circular number space), the received
 * packet MUST be discarded.  For Meticulous Keyed SHA1, if the sequence
 * number lies outside of the range of bfd.RcvAuthSeq+1 to
 * bfd.RcvAuthSeq+(3*Detect Mult) inclusive [...], the received packet
 * MUST be discarded."  Our implementation takes Detect Mult from the
 * packet at hand.
 */
static bool
seq_ok(const struct bfd_auth_seq *s, enum bfd_auth_type t, uint32_t seq,
    uint8_t mult)
{
	uint32_t d = seq - s->rcv; /* circular distance */

	if (!s->known)
		return true;
	if (bfd_auth_type_meticulous(t) && d == 0)
		return false;
	return d <= 3u * mult;
}

static void
sha1_digest(const struct bfd_auth_conf *c, const uint8_t *raw, size_t len,
    uint8_t out[SHA1_LEN])
{
	uint8_t buf[BFD_PKT_MAX_LEN];

	memcpy(buf, raw, len);
	memset(buf + BFD_AUTH_DIGEST_OFF, 0, SHA1_LEN);
	memcpy(buf + BFD_AUTH_DIGEST_OFF, c->key, c->key_len);
	sha1(buf, len, out);
}

enum bfd_auth_result
bfd_auth_check(const struct bfd_auth_conf *c, struct bfd_auth_seq *s,
    const uint8_t *raw, const struct bfd_pkt *p)
{
	uint8_t digest[SHA1_LEN];
	bool has = (p->flags & BFD_FLAG_AUTH) != 0;

	/* 6.8.6: "If the A bit is set and no authentication is in use
	 * (bfd.AuthType is zero), the packet MUST be discarded.  If the A
	 * bit is clear and authentication is in use, the packet MUST be
	 * discarded." */
	if (c->type == BFD_AUTH_NONE)
		return has ? BFD_AUTH_UNEXPECTED : BFD_AUTH_OK;
	if (!has)
		return BFD_AUTH_MISSING;
	/* 6.7.2, 6.7.4: "If the Auth Type field does not match the
	 * configured [...] type, or if the Auth Key ID field does not
	 * match the ID of a configured [key], the packet MUST be
	 * discarded." */
	if (p->auth_type != c->type)
		return BFD_AUTH_WRONG_TYPE;
	if (p->auth_key_id != c->key_id)
		return BFD_AUTH_WRONG_KEY_ID;
	switch (c->type) {
	case BFD_AUTH_SIMPLE:
		/* 6.7.2: the password must match, length included. */
		if (p->auth_data_len != c->key_len ||
		    !same(p->auth_data, c->key, c->key_len))
			return BFD_AUTH_BAD_KEY;
		return BFD_AUTH_OK;
	case BFD_AUTH_KEYED_SHA1:
	case BFD_AUTH_METICULOUS_SHA1:
		if (p->length != BFD_PKT_LEN + BFD_AUTH_SHA1_LEN ||
		    p->auth_data_len != SHA1_LEN)
			return BFD_AUTH_BAD_KEY;
		if (!seq_ok(s, c->type, p->auth_seq, p->detect_mult))
			return BFD_AUTH_BAD_SEQ;
		sha1_digest(c, raw, p->length, digest);
		if (!same(digest, p->auth_data, SHA1_LEN))
			return BFD_AUTH_BAD_KEY;
		s->rcv = p->auth_seq;
		s->known = true;
		return BFD_AUTH_OK;
	default:
		/* MD5 is not implemented: nothing of that type passes. */
		return BFD_AUTH_WRONG_TYPE;
	}
}

void
bfd_auth_encode(const struct bfd_auth_conf *c, struct bfd_auth_seq *s,
    struct bfd_pkt *p, struct wbuf *out)
{
	uint8_t digest[SHA1_LEN];
	size_t start = out->len;

	p->auth_type = c->type;
	p->auth_key_id = c->key_id;
	p->auth_data = c->key;
	p->auth_data_len = c->key_len;
	if (c->type == BFD_AUTH_KEYED_SHA1 ||
	    c->type == BFD_AUTH_METICULOUS_SHA1) {
		/* 6.7.4: Meticulous "MUST" and keyed "MAY" increment it;
		 * we do for every packet, both. */
		s->xmit++;
		p->auth_seq = s->xmit;
	}
	bfd_pkt_encode(out, p);
	if (c->type != BFD_AUTH_KEYED_SHA1 &&
	    c->type != BFD_AUTH_METICULOUS_SHA1)
		return;
	if (out->len - start != BFD_PKT_LEN + BFD_AUTH_SHA1_LEN)
		return;
	sha1(out->data + start, out->len - start, digest);
	memcpy(out->data + start + BFD_AUTH_DIGEST_OFF, digest, SHA1_LEN);
}
