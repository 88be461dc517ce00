/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * BGP message codec: header framing, OPEN and capabilities, KEEPALIVE,
 * NOTIFICATION, ROUTE-REFRESH (see bgp_msg.h for the list of RFCs).
 *
 * Each decoder reads through a struct rbuf, so a short packet can only
 * ever produce a "bad length" verdict, never a read past the end, and
 * each error path names the RFC section that chose its code and subcode.
 * Encoders append whole messages to a struct wbuf; the header length is
 * back-patched once the body is written.
 */
#include <string.h>

#include "bgp_msg.h"

void
bgp_msg_err_clear(struct bgp_err *e)
{
	memset(e, 0, sizeof(*e));
}

enum bgp_action
bgp_msg_err_set(struct bgp_err *e, enum bgp_action action, uint8_t code,
    uint8_t subcode, const uint8_t *data, size_t datalen, const char *reason)
{
	/* RFC 7606 3(d): the strongest approach wins; among equals, the
	 * first error found is the one reported. */
	if (action <= e->action)
		return e->action;
	e->action = action;
	e->code = code;
	e->subcode = subcode;
	e->reason = reason;
	e->attr_type = 0;
	if (datalen > BGP_MAX_MSG_LEN - BGP_NOTIFY_MIN_LEN)
		datalen = BGP_MAX_MSG_LEN - BGP_NOTIFY_MIN_LEN;
	e->datalen = (uint16_t)datalen;
	e->data = NULL;
	if (datalen <= sizeof(e->inl)) {
		if (datalen > 0)
			memcpy(e->inl, data, datalen);
	} else
		e->data = data;
	return action;
}

const uint8_t *
bgp_msg_err_data(const struct bgp_err *e)
{
	return e->data != NULL ? e->data : e->inl;
}

static enum bgp_action
bgp_msg_err_u16(struct bgp_err *e, uint8_t code, uint8_t subcode, uint16_t v,
    const char *reason)
{
	uint8_t d[2] = { v >> 8, v & 0xff };

	return bgp_msg_err_set(
	    e, BGP_ACT_SESSION_RESET, code, subcode, d, sizeof(d), reason);
}

static enum bgp_action
bgp_msg_err_reset(
    struct bgp_err *e, uint8_t code, uint8_t subcode, const char *reason)
{
	return bgp_msg_err_set(
	    e, BGP_ACT_SESSION_RESET, code, subcode, NULL, 0, reason);
}

const char *
bgp_msg_action_name(enum bgp_action a)
{
	switch (a) {
	case BGP_ACT_OK:
		return "ok";
	case BGP_ACT_IGNORE:
		return "ignore";
	case BGP_ACT_ATTR_DISCARD:
		return "attribute-discard";
	case BGP_ACT_TREAT_AS_WITHDRAW:
		return "treat-as-withdraw";
	case BGP_ACT_SESSION_RESET:
		return "session-reset";
	}
	return "?";
}

static const char *const bgp_msg_hdr_names[] = {
	NULL,
	"connection not synchronized",
	"bad message length",
	"bad message type",
};
static const char *const bgp_msg_open_names[] = {
	"unspecific",
	"unsupported version number",
	"bad peer AS",
	"bad BGP identifier",
	"unsupported optional parameter",
	"authentication failure",
	"unacceptable hold time",
	"unsupported capability",
	"role mismatch",
};
static const char *const bgp_msg_update_names[] = {
	"unspecific",
	"malformed attribute list",
	"unrecognized well-known attribute",
	"missing well-known attribute",
	"attribute flags error",
	"attribute length error",
	"invalid ORIGIN attribute",
	"AS routing loop",
	"invalid NEXT_HOP attribute",
	"optional attribute error",
	"invalid network field",
	"malformed AS_PATH",
};
static const char *const bgp_msg_cease_names[] = {
	"unspecific",
	"maximum number of prefixes reached",
	"administrative shutdown",
	"peer de-configured",
	"administrative reset",
	"connection rejected",
	"other configuration change",
	"connection collision resolution",
	"out of resources",
	"hard reset",
	"BFD down",
};

#define NAME_AT(t, i)                                       \
	((i) < sizeof(t) / sizeof((t)[0]) && (t)[i] != NULL \
		? (t)[i]                                    \
		: "unknown subcode")

const char *
bgp_msg_err_name(uint8_t code, uint8_t subcode)
{
	switch (code) {
	case BGP_ERR_HEADER:
		return NAME_AT(bgp_msg_hdr_names, subcode);
	case BGP_ERR_OPEN:
		return NAME_AT(bgp_msg_open_names, subcode);
	case BGP_ERR_UPDATE:
		return NAME_AT(bgp_msg_update_names, subcode);
	case BGP_ERR_HOLD:
		return "hold timer expired";
	case BGP_ERR_FSM:
		return "finite state machine error";
	case BGP_ERR_CEASE:
		return NAME_AT(bgp_msg_cease_names, subcode);
	case BGP_ERR_REFRESH:
		return subcode == BGP_ERR_REFRESH_LENGTH
		    ? "invalid ROUTE-REFRESH length"
		    : "route refresh error";
	}
	return "unknown error code";
}

int
bgp_msg_af(uint16_t afi, uint8_t safi)
{
	if (safi != BGP_SAFI_UNICAST)
		return -1;
	if (afi == BGP_AFI_IPV4)
		return BGP_AF_IPV4_UNICAST;
	if (afi == BGP_AFI_IPV6)
		return BGP_AF_IPV6_UNICAST;
	return -1;
}

void
bgp_msg_af_afi_safi(enum bgp_af af, uint16_t *afi, uint8_t *safi)
{
	*afi = af == BGP_AF_IPV6_UNICAST ? BGP_AFI_IPV6 : BGP_AFI_IPV4;
	*safi = BGP_SAFI_UNICAST;
}

/*
 * RFC 4271 6.1: the marker must be all ones (else Connection Not
 * Synchronized), the length within 19..4096 and not below the minimum of
 * its type (else Bad Message Length, data = the length field), and the
 * type one we know (else Bad Message Type, data = the type field).
 * ROUTE-REFRESH lengths are left to bgp_msg_refresh_decode because RFC
 * 7313 5 gives them their own error code.
 */
enum bgp_action
bgp_msg_hdr_decode(
    const uint8_t *buf, size_t len, struct bgp_hdr *hdr, struct bgp_err *err)
{
	struct rbuf b;
	uint16_t mlen, min;
	uint8_t type;
	size_t i;

	bgp_msg_err_clear(err);
	memset(hdr, 0, sizeof(*hdr));
	rbuf_init(&b, buf, len);
	if (rbuf_skip(&b, BGP_MARKER_LEN) == -1 ||
	    rbuf_get_u16(&b, &mlen) == -1 || rbuf_get_u8(&b, &type) == -1)
		return bgp_msg_err_u16(err, BGP_ERR_HEADER, BGP_ERR_HDR_LENGTH,
		    (uint16_t)len, "short header");
	for (i = 0; i < BGP_MARKER_LEN; i++)
		if (buf[i] != 0xff)
			return bgp_msg_err_reset(err, BGP_ERR_HEADER,
			    BGP_ERR_HDR_SYNC, "marker not all ones");
	if (mlen < BGP_HDR_LEN || mlen > BGP_MAX_MSG_LEN)
		return bgp_msg_err_u16(err, BGP_ERR_HEADER, BGP_ERR_HDR_LENGTH,
		    mlen, "length out of range");
	switch (type) {
	case BGP_MSG_OPEN:
		min = BGP_OPEN_MIN_LEN;
		break;
	case BGP_MSG_UPDATE:
		min = BGP_UPDATE_MIN_LEN;
		break;
	case BGP_MSG_NOTIFICATION:
		min = BGP_NOTIFY_MIN_LEN;
		break;
	case BGP_MSG_KEEPALIVE:
		if (mlen != BGP_HDR_LEN)
			return bgp_msg_err_u16(err, BGP_ERR_HEADER,
			    BGP_ERR_HDR_LENGTH, mlen, "KEEPALIVE length");
		min = BGP_HDR_LEN;
		break;
	case BGP_MSG_ROUTE_REFRESH:
		min = BGP_HDR_LEN;
		break;
	default:
		return bgp_msg_err_set(err, BGP_ACT_SESSION_RESET,
		    BGP_ERR_HEADER, BGP_ERR_HDR_TYPE, &type, 1,
		    "unknown message type");
	}
	if (mlen < min)
		return bgp_msg_err_u16(err, BGP_ERR_HEADER, BGP_ERR_HDR_LENGTH,
		    mlen, "length below type minimum");
	hdr->len = mlen;
	hdr->type = type;
	return BGP_ACT_OK;
}

size_t
bgp_msg_hdr_begin(struct wbuf *out, enum bgp_msg_type type)
{
	size_t start = out->len, i;

	/* RFC 4271 4.1: the marker is all ones. */
	for (i = 0; i < BGP_MARKER_LEN; i++)
		wbuf_put_u8(out, 0xff);
	wbuf_put_u16(out, 0);
	wbuf_put_u8(out, (uint8_t)type);
	return start;
}

int
bgp_msg_hdr_finish(struct wbuf *out, size_t start)
{
	size_t len = out->len - start;

	if (wbuf_overflow(out) || len > BGP_MAX_MSG_LEN) {
		wbuf_truncate(out, start);
		return -1;
	}
	wbuf_set_u16_at(out, start + BGP_MARKER_LEN, (uint16_t)len);
	return 0;
}

/* Decode a message body after checking its length; sets b past header. */
static enum bgp_action
bgp_msg_body(const uint8_t *buf, size_t len, size_t min, struct rbuf *b,
    struct bgp_err *err)
{
	bgp_msg_err_clear(err);
	if (len < min || len > BGP_MAX_MSG_LEN)
		return bgp_msg_err_u16(err, BGP_ERR_HEADER, BGP_ERR_HDR_LENGTH,
		    (uint16_t)len, "message length");
	rbuf_init(b, buf, len);
	rbuf_skip(b, BGP_HDR_LEN);
	return BGP_ACT_OK;
}

/*
 * RFC 4271 6.2: a recognized optional parameter that is malformed gets
 * subcode 0 (Unspecific); we apply the same to a capability whose length
 * is wrong for its code, so a peer with a broken encoder hears why.
 */
static enum bgp_action
bgp_msg_cap_malformed(struct bgp_err *err, const char *reason)
{
	return bgp_msg_err_reset(
	    err, BGP_ERR_OPEN, BGP_ERR_OPEN_UNSPEC, reason);
}

static enum bgp_action
bgp_msg_cap_mp(struct rbuf *v, struct bgp_caps *caps, struct bgp_err *err)
{
	uint16_t afi;
	uint8_t res, safi;
	int af;

	if (rbuf_left(v) != 4 || rbuf_get_u16(v, &afi) == -1 ||
	    rbuf_get_u8(v, &res) == -1 || rbuf_get_u8(v, &safi) == -1)
		return bgp_msg_cap_malformed(err, "multiprotocol capability");
	if ((af = bgp_msg_af(afi, safi)) == -1)
		caps->mp_other++;
	else
		caps->mp |= 1 << af;
	caps->seen |= BGP_CAPF_MP;
	return BGP_ACT_OK;
}

/* RFC 4724 3: restart flags (4 bits) and time (12 bits), then per family
 * AFI, SAFI and flags. */
static enum bgp_action
bgp_msg_cap_gr(struct rbuf *v, struct bgp_caps *caps, struct bgp_err *err)
{
	uint16_t ft, afi;
	uint8_t safi, flags;
	int af;

	if (rbuf_get_u16(v, &ft) == -1 || rbuf_left(v) % 4 != 0)
		return bgp_msg_cap_malformed(
		    err, "graceful restart capability");
	caps->gr_flags = (uint8_t)(ft >> 12);
	caps->gr_time = ft & 0x0fff;
	caps->gr_af = 0;
	memset(caps->gr_af_flags, 0, sizeof(caps->gr_af_flags));
	while (rbuf_left(v) > 0) {
		rbuf_get_u16(v, &afi);
		rbuf_get_u8(v, &safi);
		rbuf_get_u8(v, &flags);
		if ((af = bgp_msg_af(afi, safi)) == -1)
			continue;
		caps->gr_af |= 1 << af;
		caps->gr_af_flags[af] = flags;
	}
	caps->seen |= BGP_CAPF_GR;
	return BGP_ACT_OK;
}

/* RFC 8950 3: tuples of NLRI AFI (2), NLRI SAFI (2), next hop AFI (2). */
static enum bgp_action
bgp_msg_cap_ext_nh(struct rbuf *v, struct bgp_caps *caps, struct bgp_err *err)
{
	uint16_t afi, safi, nh_afi;
	int af;

	if (rbuf_left(v) % 6 != 0)
		return bgp_msg_cap_malformed(
		    err, "extended next hop capability");
	while (rbuf_left(v) > 0) {
		rbuf_get_u16(v, &afi);
		rbuf_get_u16(v, &safi);
		rbuf_get_u16(v, &nh_afi);
		if (safi > 0xff || nh_afi != BGP_AFI_IPV6 ||
		    (af = bgp_msg_af(afi, (uint8_t)safi)) == -1)
			continue;
		caps->ext_nh |= 1 << af;
	}
	caps->seen |= BGP_CAPF_EXT_NEXTHOP;
	return BGP_ACT_OK;
}

/* RFC 5492 4: a Capabilities parameter is a list of code, length, value. */
static enum bgp_action
bgp_msg_caps_decode(struct rbuf *p, struct bgp_caps *caps, struct bgp_err *err)
{
	struct rbuf v;
	uint8_t code, len;

	while (rbuf_left(p) > 0) {
		if (rbuf_get_u8(p, &code) == -1 || rbuf_get_u8(p, &len) == -1 ||
		    rbuf_sub(p, len, &v) == -1)
			return bgp_msg_cap_malformed(
			    err, "capability overruns");
		switch (code) {
		case BGP_CAP_MP:
			if (bgp_msg_cap_mp(&v, caps, err) != BGP_ACT_OK)
				return err->action;
			break;
		case BGP_CAP_ROUTE_REFRESH:
			/* Length should be 0; anything else is harmless. */
			caps->seen |= BGP_CAPF_ROUTE_REFRESH;
			break;
		case BGP_CAP_ENHANCED_RR:
			caps->seen |= BGP_CAPF_ENHANCED_RR;
			break;
		case BGP_CAP_EXT_NEXTHOP:
			if (bgp_msg_cap_ext_nh(&v, caps, err) != BGP_ACT_OK)
				return err->action;
			break;
		case BGP_CAP_GRACEFUL_RESTART:
			if (bgp_msg_cap_gr(&v, caps, err) != BGP_ACT_OK)
				return err->action;
			break;
		case BGP_CAP_AS4:
			if (len != 4)
				return bgp_msg_cap_malformed(
				    err, "four-octet AS capability");
			rbuf_get_u32(&v, &caps->as4);
			caps->seen |= BGP_CAPF_AS4;
			break;
		default:
			/* RFC 5492 3: ignore what we do not understand. */
			caps->unknown++;
			break;
		}
	}
	return BGP_ACT_OK;
}

/*
 * Optional parameters, in the RFC 4271 4.2 form (type, 1-octet length) or
 * the RFC 9072 2 extended form, recognized by a non-extended length of
 * 255 followed by a type of 255, then a 2-octet length for the block and
 * for each parameter.
 */
static enum bgp_action
bgp_msg_open_params(
    struct rbuf *b, uint8_t optlen, struct bgp_caps *caps, struct bgp_err *err)
{
	struct rbuf blk, p;
	uint16_t extlen, plen;
	uint8_t type, len8;
	bool ext = false;

	if (optlen == 255 && rbuf_left(b) >= 1 && rbuf_ptr(b)[0] == 255) {
		rbuf_skip(b, 1);
		if (rbuf_get_u16(b, &extlen) == -1)
			goto badlen;
		ext = true;
	} else
		extlen = optlen;
	/* The parameters must fill the rest of the message exactly. */
	if (rbuf_left(b) != extlen || rbuf_sub(b, extlen, &blk) == -1)
		goto badlen;
	while (rbuf_left(&blk) > 0) {
		if (rbuf_get_u8(&blk, &type) == -1)
			goto malformed;
		if (ext) {
			if (rbuf_get_u16(&blk, &plen) == -1)
				goto malformed;
		} else {
			if (rbuf_get_u8(&blk, &len8) == -1)
				goto malformed;
			plen = len8;
		}
		if (rbuf_sub(&blk, plen, &p) == -1)
			goto malformed;
		/* RFC 4271 6.2: an optional parameter we do not recognize
		 * is Unsupported Optional Parameter; RFC 5492 made type 2
		 * the only one in use. */
		if (type != 2)
			return bgp_msg_err_set(err, BGP_ACT_SESSION_RESET,
			    BGP_ERR_OPEN, BGP_ERR_OPEN_OPT_PARAM, NULL, 0,
			    "unsupported optional parameter");
		if (bgp_msg_caps_decode(&p, caps, err) != BGP_ACT_OK)
			return err->action;
	}
	return BGP_ACT_OK;
badlen:
	/* Our implementation: an OPEN whose parameter length disagrees with
	 * the message length is a Bad Message Length (as BIRD answers). */
	return bgp_msg_err_u16(err, BGP_ERR_HEADER, BGP_ERR_HDR_LENGTH,
	    (uint16_t)b->len, "OPEN parameters length");
malformed:
	return bgp_msg_cap_malformed(err, "optional parameter overruns");
}

/*
 * RFC 4271 6.2, in its order: version (data = the 2-octet version we
 * support), hold time (0 or at least 3), BGP identifier (RFC 6286 2.2:
 * any non-zero value), optional parameters.  The peer AS and the
 * identifier collision need configuration and are bgp_msg_open_check's.
 */
enum bgp_action
bgp_msg_open_decode(
    const uint8_t *buf, size_t len, struct bgp_open *o, struct bgp_err *err)
{
	struct rbuf b;
	uint8_t optlen;

	memset(o, 0, sizeof(*o));
	if (bgp_msg_body(buf, len, BGP_OPEN_MIN_LEN, &b, err) != BGP_ACT_OK)
		return err->action;
	rbuf_get_u8(&b, &o->version);
	rbuf_get_u16(&b, &o->my_as);
	rbuf_get_u16(&b, &o->hold_time);
	rbuf_get_u32(&b, &o->bgp_id);
	rbuf_get_u8(&b, &optlen);
	if (o->version != BGP_VERSION)
		return bgp_msg_err_u16(err, BGP_ERR_OPEN, BGP_ERR_OPEN_VERSION,
		    BGP_VERSION, "unsupported version");
	if (o->hold_time == 1 || o->hold_time == 2)
		return bgp_msg_err_reset(err, BGP_ERR_OPEN,
		    BGP_ERR_OPEN_HOLD_TIME, "hold time 1 or 2");
	if (o->bgp_id == 0)
		return bgp_msg_err_reset(err, BGP_ERR_OPEN, BGP_ERR_OPEN_BGP_ID,
		    "BGP identifier zero");
	return bgp_msg_open_params(&b, optlen, &o->caps, err);
}

uint32_t
bgp_msg_open_peer_as(const struct bgp_open *o)
{
	/* RFC 6793 4.1: a NEW speaker's AS is the one in its capability. */
	if (o->caps.seen & BGP_CAPF_AS4)
		return o->caps.as4;
	return o->my_as;
}

uint16_t
bgp_msg_open_my_as(uint32_t as)
{
	return as > 0xffff ? BGP_AS_TRANS : (uint16_t)as;
}

/*
 * The checks of RFC 4271 6.2 that need the session's configuration:
 * Bad Peer AS (also for AS 0, RFC 7607 2), Bad BGP Identifier when an
 * internal peer uses ours (RFC 6286 2.2), and RFC 5492 5 Unsupported
 * Capability when a capability we require is missing; its data lists
 * the missing capability codes with empty values.
 */
enum bgp_action
bgp_msg_open_check(const struct bgp_open *o, const struct bgp_open_expect *x,
    struct bgp_err *err)
{
	static const struct {
		uint32_t flag;
		uint8_t code;
	} need[] = {
		{ BGP_CAPF_MP, BGP_CAP_MP },
		{ BGP_CAPF_ROUTE_REFRESH, BGP_CAP_ROUTE_REFRESH },
		{ BGP_CAPF_AS4, BGP_CAP_AS4 },
		{ BGP_CAPF_ENHANCED_RR, BGP_CAP_ENHANCED_RR },
		{ BGP_CAPF_GR, BGP_CAP_GRACEFUL_RESTART },
		{ BGP_CAPF_EXT_NEXTHOP, BGP_CAP_EXT_NEXTHOP },
	};
	uint8_t data[BGP_ERR_INLINE];
	uint32_t as = bgp_msg_open_peer_as(o);
	size_t i, n = 0;

	bgp_msg_err_clear(err);
	if (as == 0 || (x->peer_as != 0 && as != x->peer_as))
		return bgp_msg_err_reset(err, BGP_ERR_OPEN,
		    BGP_ERR_OPEN_PEER_AS, "peer AS mismatch");
	if (x->ibgp && o->bgp_id == x->local_id)
		return bgp_msg_err_reset(err, BGP_ERR_OPEN, BGP_ERR_OPEN_BGP_ID,
		    "BGP identifier equals ours");
	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		if ((x->need_caps & need[i].flag) == 0 ||
		    (o->caps.seen & need[i].flag) != 0)
			continue;
		if (n + 2 <= sizeof(data)) {
			data[n++] = need[i].code;
			data[n++] = 0;
		}
	}
	if (n > 0)
		return bgp_msg_err_set(err, BGP_ACT_SESSION_RESET, BGP_ERR_OPEN,
		    BGP_ERR_OPEN_CAPABILITY, data, n,
		    "required capability missing");
	return BGP_ACT_OK;
}

static void
bgp_msg_cap_put(struct wbuf *out, uint8_t code, uint8_t len)
{
	wbuf_put_u8(out, code);
	wbuf_put_u8(out, len);
}

static void
bgp_msg_caps_encode(struct wbuf *out, const struct bgp_caps *c)
{
	uint16_t afi;
	uint8_t safi;
	int af;

	for (af = 0; af < BGP_AF_COUNT; af++) {
		if ((c->mp & (1 << af)) == 0)
			continue;
		bgp_msg_af_afi_safi(af, &afi, &safi);
		bgp_msg_cap_put(out, BGP_CAP_MP, 4);
		wbuf_put_u16(out, afi);
		wbuf_put_u8(out, 0);
		wbuf_put_u8(out, safi);
	}
	if (c->seen & BGP_CAPF_ROUTE_REFRESH)
		bgp_msg_cap_put(out, BGP_CAP_ROUTE_REFRESH, 0);
	if (c->seen & BGP_CAPF_ENHANCED_RR)
		bgp_msg_cap_put(out, BGP_CAP_ENHANCED_RR, 0);
	if ((c->seen & BGP_CAPF_EXT_NEXTHOP) && c->ext_nh != 0) {
		bgp_msg_cap_put(out, BGP_CAP_EXT_NEXTHOP,
		    (uint8_t)(6 * __builtin_popcount(c->ext_nh)));
		for (af = 0; af < BGP_AF_COUNT; af++) {
			if ((c->ext_nh & (1 << af)) == 0)
				continue;
			bgp_msg_af_afi_safi(af, &afi, &safi);
			wbuf_put_u16(out, afi);
			wbuf_put_u16(out, safi);
			wbuf_put_u16(out, BGP_AFI_IPV6);
		}
	}
	if (c->seen & BGP_CAPF_GR) {
		bgp_msg_cap_put(out, BGP_CAP_GRACEFUL_RESTART,
		    (uint8_t)(2 + 4 * __builtin_popcount(c->gr_af)));
		wbuf_put_u16(out,
		    (uint16_t)((c->gr_flags & 0xf) << 12 |
			(c->gr_time & 0x0fff)));
		for (af = 0; af < BGP_AF_COUNT; af++) {
			if ((c->gr_af & (1 << af)) == 0)
				continue;
			bgp_msg_af_afi_safi(af, &afi, &safi);
			wbuf_put_u16(out, afi);
			wbuf_put_u8(out, safi);
			wbuf_put_u8(out, c->gr_af_flags[af]);
		}
	}
	if (c->seen & BGP_CAPF_AS4) {
		bgp_msg_cap_put(out, BGP_CAP_AS4, 4);
		wbuf_put_u32(out, c->as4);
	}
}

/*
 * All capabilities go into one Capabilities parameter, as BIRD does.  Our
 * set is well under 255 octets, so the RFC 9072 form is never needed on
 * output (and a peer that does not know it would reset).
 */
int
bgp_msg_open_encode(struct wbuf *out, const struct bgp_open *o)
{
	size_t start, optlen_at, plen_at, end;

	start = bgp_msg_hdr_begin(out, BGP_MSG_OPEN);
	wbuf_put_u8(out, BGP_VERSION);
	wbuf_put_u16(out, o->my_as);
	wbuf_put_u16(out, o->hold_time);
	wbuf_put_u32(out, o->bgp_id);
	optlen_at = wbuf_reserve(out, 1);
	if (o->caps.seen != 0) {
		wbuf_put_u8(out, 2);
		plen_at = wbuf_reserve(out, 1);
		bgp_msg_caps_encode(out, &o->caps);
		end = out->len;
		if (end - plen_at - 1 > 253) {
			wbuf_truncate(out, start);
			return -1;
		}
		wbuf_set_u8_at(out, plen_at, (uint8_t)(end - plen_at - 1));
		wbuf_set_u8_at(out, optlen_at, (uint8_t)(end - optlen_at - 1));
	}
	return bgp_msg_hdr_finish(out, start);
}

enum bgp_action
bgp_msg_keepalive_decode(const uint8_t *buf, size_t len, struct bgp_err *err)
{
	struct rbuf b;

	/* RFC 4271 6.1: a KEEPALIVE is exactly the header. */
	if (bgp_msg_body(buf, len, BGP_HDR_LEN, &b, err) != BGP_ACT_OK)
		return err->action;
	if (len != BGP_HDR_LEN)
		return bgp_msg_err_u16(err, BGP_ERR_HEADER, BGP_ERR_HDR_LENGTH,
		    (uint16_t)len, "KEEPALIVE length");
	return BGP_ACT_OK;
}

int
bgp_msg_keepalive_encode(struct wbuf *out)
{
	return bgp_msg_hdr_finish(
	    out, bgp_msg_hdr_begin(out, BGP_MSG_KEEPALIVE));
}

/* Any code and subcode is accepted: a NOTIFICATION closes the session
 * whatever it says, and RFC 4271 6.4 forbids answering it. */
enum bgp_action
bgp_msg_notification_decode(const uint8_t *buf, size_t len,
    struct bgp_notification *n, struct bgp_err *err)
{
	struct rbuf b;

	memset(n, 0, sizeof(*n));
	if (bgp_msg_body(buf, len, BGP_NOTIFY_MIN_LEN, &b, err) != BGP_ACT_OK)
		return err->action;
	rbuf_get_u8(&b, &n->code);
	rbuf_get_u8(&b, &n->subcode);
	n->datalen = (uint16_t)rbuf_left(&b);
	n->data = n->datalen > 0 ? rbuf_ptr(&b) : NULL;
	return BGP_ACT_OK;
}

int
bgp_msg_notification_encode(struct wbuf *out, uint8_t code, uint8_t subcode,
    const uint8_t *data, size_t datalen)
{
	size_t start;

	if (datalen > BGP_MAX_MSG_LEN - BGP_NOTIFY_MIN_LEN)
		datalen = BGP_MAX_MSG_LEN - BGP_NOTIFY_MIN_LEN;
	start = bgp_msg_hdr_begin(out, BGP_MSG_NOTIFICATION);
	wbuf_put_u8(out, code);
	wbuf_put_u8(out, subcode);
	wbuf_put_bytes(out, data, datalen);
	return bgp_msg_hdr_finish(out, start);
}

int
bgp_msg_notification_encode_err(struct wbuf *out, const struct bgp_err *e)
{
	return bgp_msg_notification_encode(
	    out, e->code, e->subcode, bgp_msg_err_data(e), e->datalen);
}

/*
 * RFC 9003 2: Administrative Shutdown and Reset carry a length octet and
 * that many octets of UTF-8.  We hand the text to a log line, so control
 * characters become '?'; the rest of UTF-8 passes through.
 */
int
bgp_msg_notification_shutdown_text(
    const struct bgp_notification *n, char *buf, size_t size)
{
	size_t len, i;

	if (size == 0)
		return -1;
	buf[0] = '\0';
	if (n->code != BGP_ERR_CEASE ||
	    (n->subcode != BGP_ERR_CEASE_ADMIN_SHUTDOWN &&
		n->subcode != BGP_ERR_CEASE_ADMIN_RESET) ||
	    n->datalen < 1)
		return -1;
	len = n->data[0];
	if (len + 1u > n->datalen)
		return -1;
	if (len > size - 1)
		len = size - 1;
	for (i = 0; i < len; i++) {
		uint8_t c = n->data[1 + i];

		buf[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	buf[len] = '\0';
	return 0;
}

int
bgp_msg_notification_encode_shutdown(
    struct wbuf *out, uint8_t subcode, const char *text)
{
	uint8_t data[256];
	size_t len = strlen(text);

	if (len > 255) {
		len = 255;
		/* Do not cut a UTF-8 sequence in half. */
		while (len > 0 && ((uint8_t)text[len] & 0xc0) == 0x80)
			len--;
	}
	data[0] = (uint8_t)len;
	memcpy(data + 1, text, len);
	return bgp_msg_notification_encode(
	    out, BGP_ERR_CEASE, subcode, data, len + 1);
}

/*
 * RFC 2918 3 and RFC 7313 3.2/5: AFI (2), subtype (1, reserved before
 * RFC 7313), SAFI (1).  A wrong length on a BoRR or EoRR is a
 * ROUTE-REFRESH Message Error carrying the whole message; on subtype 0 we
 * keep RFC 4271's Bad Message Length.  An unknown subtype must be
 * ignored; a family we did not announce is for the caller to ignore.
 */
enum bgp_action
bgp_msg_refresh_decode(
    const uint8_t *buf, size_t len, struct bgp_refresh *r, struct bgp_err *err)
{
	struct rbuf b;

	memset(r, 0, sizeof(*r));
	if (bgp_msg_body(buf, len, BGP_HDR_LEN, &b, err) != BGP_ACT_OK)
		return err->action;
	if (len != BGP_REFRESH_LEN) {
		if (len >= BGP_HDR_LEN + 3 &&
		    (buf[BGP_HDR_LEN + 2] == BGP_REFRESH_BORR ||
			buf[BGP_HDR_LEN + 2] == BGP_REFRESH_EORR))
			return bgp_msg_err_set(err, BGP_ACT_SESSION_RESET,
			    BGP_ERR_REFRESH, BGP_ERR_REFRESH_LENGTH, buf, len,
			    "BoRR/EoRR length");
		return bgp_msg_err_u16(err, BGP_ERR_HEADER, BGP_ERR_HDR_LENGTH,
		    (uint16_t)len, "ROUTE-REFRESH length");
	}
	rbuf_get_u16(&b, &r->afi);
	rbuf_get_u8(&b, &r->subtype);
	rbuf_get_u8(&b, &r->safi);
	if (r->subtype > BGP_REFRESH_EORR)
		return bgp_msg_err_set(err, BGP_ACT_IGNORE, 0, 0, NULL, 0,
		    "unknown ROUTE-REFRESH subtype");
	return BGP_ACT_OK;
}

int
bgp_msg_refresh_encode(struct wbuf *out, const struct bgp_refresh *r)
{
	size_t start;

	start = bgp_msg_hdr_begin(out, BGP_MSG_ROUTE_REFRESH);
	wbuf_put_u16(out, r->afi);
	wbuf_put_u8(out, r->subtype);
	wbuf_put_u8(out, r->safi);
	return bgp_msg_hdr_finish(out, start);
}
