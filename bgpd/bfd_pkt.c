/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The BFD control packet codec (see bfd_pkt.h).  Every octet is read
 * through struct rbuf, so a short or lying packet ends in a drop reason,
 * never in a read past its end.
 *
 *	 0                   1                   2                   3
 *	|Vers |  Diag   |Sta|P|F|C|A|D|M|  Detect Mult  |    Length     |
 *	|                       My Discriminator                        |
 *	|                      Your Discriminator                       |
 *	|                    Desired Min TX Interval                    |
 *	|                   Required Min RX Interval                    |
 *	|                 Required Min Echo RX Interval                 |
 *	|   Auth Type   |   Auth Len    |  Auth Key ID  |  ... data     |
 */
#include <string.h>

#include "bfd_pkt.h"

static const char *const err_names[BFD_PKT_ERR_COUNT] = {
	[BFD_PKT_OK] = "ok",
	[BFD_PKT_SHORT] = "truncated",
	[BFD_PKT_BAD_VERSION] = "bad version",
	[BFD_PKT_BAD_LENGTH] = "bad length",
	[BFD_PKT_ZERO_MULT] = "detect multiplier 0",
	[BFD_PKT_MULTIPOINT] = "multipoint bit set",
	[BFD_PKT_ZERO_MY_DISC] = "my discriminator 0",
	[BFD_PKT_ZERO_YOUR_DISC] = "your discriminator 0 outside Down",
	[BFD_PKT_BAD_AUTH] = "malformed authentication section",
};

const char *
bfd_pkt_err_name(enum bfd_pkt_err e)
{
	return e < BFD_PKT_ERR_COUNT ? err_names[e] : "unknown";
}

const char *
bfd_state_name(enum bfd_state s)
{
	static const char *const names[] = { "AdminDown", "Down", "Init",
		"Up" };

	return (unsigned)s < 4 ? names[s] : "unknown";
}

const char *
bfd_diag_name(uint8_t d)
{
	static const char *const names[] = { "none",
		"control detection time expired", "echo function failed",
		"neighbor signaled session down", "forwarding plane reset",
		"path down", "concatenated path down", "administratively down",
		"reverse concatenated path down" };

	return d < sizeof(names) / sizeof(names[0]) ? names[d] : "unknown";
}

/* The section after the 24 fixed octets; RFC 5880 4.2 to 4.4. */
static enum bfd_pkt_err
decode_auth(struct rbuf *b, struct bfd_pkt *p)
{
	uint8_t reserved;

	if (rbuf_get_u8(b, &p->auth_type) == -1 ||
	    rbuf_get_u8(b, &p->auth_len) == -1)
		return BFD_PKT_BAD_LENGTH;
	/* The section must lie inside Length (b ends there). */
	if (p->auth_len < 3 || (size_t)p->auth_len - 2 > rbuf_left(b))
		return BFD_PKT_BAD_AUTH;
	if (rbuf_get_u8(b, &p->auth_key_id) == -1)
		return BFD_PKT_BAD_AUTH;
	switch (p->auth_type) {
	case BFD_AUTH_SIMPLE:
		/* 4.2: a password of 1 to 16 octets. */
		if (p->auth_len < 4 || p->auth_len > 3 + BFD_AUTH_SIMPLE_MAX)
			return BFD_PKT_BAD_AUTH;
		p->auth_data = rbuf_ptr(b);
		p->auth_data_len = (uint8_t)(p->auth_len - 3);
		return BFD_PKT_OK;
	case BFD_AUTH_KEYED_MD5:
	case BFD_AUTH_METICULOUS_MD5:
	case BFD_AUTH_KEYED_SHA1:
	case BFD_AUTH_METICULOUS_SHA1:
		/* 4.3, 4.4: reserved, sequence number, 16 or 20 octets. */
		if (p->auth_len !=
		    (p->auth_type >= BFD_AUTH_KEYED_SHA1 ? BFD_AUTH_SHA1_LEN
							 : BFD_AUTH_MD5_LEN))
			return BFD_PKT_BAD_AUTH;
		if (rbuf_get_u8(b, &reserved) == -1 ||
		    rbuf_get_u32(b, &p->auth_seq) == -1)
			return BFD_PKT_BAD_AUTH;
		p->auth_data = rbuf_ptr(b);
		p->auth_data_len = (uint8_t)(p->auth_len - 8);
		return BFD_PKT_OK;
	default:
		return BFD_PKT_BAD_AUTH;
	}
}

/*
 * RFC 5880 6.8.6, the checks about the packet alone:
 *	"If the version number is not correct (1), the packet MUST be
 *	discarded.
 *	If the Length field is less than the minimum correct value (24 if
 *	the A bit is clear, or 26 if the A bit is set), the packet MUST be
 *	discarded.
 *	If the Length field is greater than the payload of the
 *	encapsulating protocol, the packet MUST be discarded.
 *	If the Detect Mult field is zero, the packet MUST be discarded.
 *	If the Multipoint (M) bit is nonzero, the packet MUST be discarded.
 *	If the My Discriminator field is zero, the packet MUST be discarded.
 *	[...]
 *	If the Your Discriminator field is zero and the State field is not
 *	Down or AdminDown, the packet MUST be discarded."
 * Our implementation also drops an authentication section that does not
 * fit inside Length or has the wrong length for its type (4.2 to 4.4),
 * and one of a type that RFC 5880 does not define.
 */
enum bfd_pkt_err
bfd_pkt_decode(const uint8_t *data, size_t len, struct bfd_pkt *p)
{
	struct rbuf b, sec;
	uint8_t u8;

	memset(p, 0, sizeof(*p));
	rbuf_init(&b, data, len);
	if (rbuf_get_u8(&b, &u8) == -1)
		return BFD_PKT_SHORT;
	p->version = u8 >> 5;
	p->diag = u8 & 0x1f;
	if (p->version != BFD_VERSION)
		return BFD_PKT_BAD_VERSION;
	if (rbuf_get_u8(&b, &u8) == -1 ||
	    rbuf_get_u8(&b, &p->detect_mult) == -1 ||
	    rbuf_get_u8(&b, &p->length) == -1)
		return BFD_PKT_SHORT;
	p->state = (enum bfd_state)(u8 >> 6);
	p->flags = u8 & 0x3f;
	if (p->length < BFD_PKT_LEN + (p->flags & BFD_FLAG_AUTH ? 2 : 0))
		return BFD_PKT_BAD_LENGTH;
	if (p->length > len)
		return BFD_PKT_SHORT;
	if (rbuf_get_u32(&b, &p->my_disc) == -1 ||
	    rbuf_get_u32(&b, &p->your_disc) == -1 ||
	    rbuf_get_u32(&b, &p->desired_min_tx) == -1 ||
	    rbuf_get_u32(&b, &p->required_min_rx) == -1 ||
	    rbuf_get_u32(&b, &p->required_min_echo_rx) == -1)
		return BFD_PKT_SHORT;
	if (p->detect_mult == 0)
		return BFD_PKT_ZERO_MULT;
	if (p->flags & BFD_FLAG_MULTIPOINT)
		return BFD_PKT_MULTIPOINT;
	if (p->my_disc == 0)
		return BFD_PKT_ZERO_MY_DISC;
	if (p->your_disc == 0 && p->state != BFD_ST_DOWN &&
	    p->state != BFD_ST_ADMIN_DOWN)
		return BFD_PKT_ZERO_YOUR_DISC;
	if (!(p->flags & BFD_FLAG_AUTH))
		return BFD_PKT_OK;
	/* The rest of Length is the authentication section. */
	if (rbuf_sub(&b, (size_t)p->length - BFD_PKT_LEN, &sec) == -1)
		return BFD_PKT_SHORT;
	return decode_auth(&sec, p);
}

void
bfd_pkt_encode(struct wbuf *out, const struct bfd_pkt *p)
{
	uint8_t flags = p->flags & (uint8_t)~BFD_FLAG_AUTH;
	uint8_t alen = 0, dlen = 0, i;

	switch (p->auth_type) {
	case BFD_AUTH_NONE:
		break;
	case BFD_AUTH_SIMPLE:
		dlen = p->auth_data_len;
		alen = (uint8_t)(3 + dlen);
		break;
	case BFD_AUTH_KEYED_MD5:
	case BFD_AUTH_METICULOUS_MD5:
		alen = BFD_AUTH_MD5_LEN;
		dlen = 16;
		break;
	default:
		alen = BFD_AUTH_SHA1_LEN;
		dlen = BFD_SHA1_DIGEST_LEN;
		break;
	}
	if (alen > 0)
		flags |= BFD_FLAG_AUTH;
	wbuf_put_u8(out, (uint8_t)(BFD_VERSION << 5 | (p->diag & 0x1f)));
	wbuf_put_u8(out, (uint8_t)((unsigned)p->state << 6 | flags));
	wbuf_put_u8(out, p->detect_mult);
	wbuf_put_u8(out, (uint8_t)(BFD_PKT_LEN + alen));
	wbuf_put_u32(out, p->my_disc);
	wbuf_put_u32(out, p->your_disc);
	wbuf_put_u32(out, p->desired_min_tx);
	wbuf_put_u32(out, p->required_min_rx);
	wbuf_put_u32(out, p->required_min_echo_rx);
	if (alen == 0)
		return;
	wbuf_put_u8(out, p->auth_type);
	wbuf_put_u8(out, alen);
	wbuf_put_u8(out, p->auth_key_id);
	if (p->auth_type != BFD_AUTH_SIMPLE) {
		wbuf_put_u8(out, 0);
		wbuf_put_u32(out, p->auth_seq);
	}
	/* The password, or the key padded with zeroes (6.7.3, 6.7.4). */
	for (i = 0; i < dlen; i++)
		wbuf_put_u8(out,
		    p->auth_data != NULL && i < p->auth_data_len
			? p->auth_data[i]
			: 0);
}
