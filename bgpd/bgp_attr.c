/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * BGP path attributes (see bgp_attr.h): decode with the error handling of
 * RFC 7606, canonical encode, AS path operations and the RFC 6793 merge.
 *
 * The decoder walks the attribute block once.  Framing errors (a length
 * that overruns the block, a duplicate MP attribute, an unrecognized
 * well-known attribute) end the session; every other problem is confined
 * to the attribute by the RFC 7606 approach named at each check, and the
 * strongest approach seen is what bgp_attr_decode returns.  AS paths are
 * rewritten (widened, merged, prepended) through one small segment writer
 * that joins adjacent sequences, so every path we produce has the shape a
 * peer would send for it.
 */
#include <arpa/inet.h>
#include <string.h>

#include "bgp_attr.h"

/* The attribute being decoded: header fields, value, whole attribute. */
struct bgp_attr_cur {
	uint8_t flags;
	uint8_t type;
	struct rbuf v;
	const uint8_t *whole;
	size_t wlen;
};

#define BGP_ATTRF_OT (BGP_ATTRF_OPTIONAL | BGP_ATTRF_TRANSITIVE)
#define BGP_WK	     BGP_ATTRF_TRANSITIVE
#define BGP_OPT_T    (BGP_ATTRF_OPTIONAL | BGP_ATTRF_TRANSITIVE)
#define BGP_OPT_NT   BGP_ATTRF_OPTIONAL
#define BGP_UNKNOWN  0xff

/* Optional and Transitive bits each known attribute must carry
 * (RFC 4271 5, RFC 4760 3-4, RFC 6793 3, ...); BGP_UNKNOWN otherwise. */
static uint8_t
bgp_attr_want_flags(uint8_t type)
{
	switch (type) {
	case BGP_ATTR_ORIGIN:
	case BGP_ATTR_AS_PATH:
	case BGP_ATTR_NEXT_HOP:
	case BGP_ATTR_LOCAL_PREF:
	case BGP_ATTR_ATOMIC_AGGREGATE:
		return BGP_WK;
	case BGP_ATTR_AGGREGATOR:
	case BGP_ATTR_COMMUNITIES:
	case BGP_ATTR_EXT_COMMUNITIES:
	case BGP_ATTR_AS4_PATH:
	case BGP_ATTR_AS4_AGGREGATOR:
	case BGP_ATTR_LARGE_COMMUNITY:
		return BGP_OPT_T;
	case BGP_ATTR_MED:
	case BGP_ATTR_ORIGINATOR_ID:
	case BGP_ATTR_CLUSTER_LIST:
	case BGP_ATTR_MP_REACH_NLRI:
	case BGP_ATTR_MP_UNREACH_NLRI:
		return BGP_OPT_NT;
	}
	return BGP_UNKNOWN;
}

static enum bgp_action
bgp_attr_err(struct bgp_err *err, enum bgp_action act, uint8_t subcode,
    const struct bgp_attr_cur *c, const char *reason)
{
	if (act > err->action) {
		bgp_msg_err_set(err, act, BGP_ERR_UPDATE, subcode, c->whole,
		    c->wlen, reason);
		err->attr_type = c->type;
	}
	return err->action;
}

/* RFC 7606 2: treat-as-withdraw, the default for a malformed attribute. */
static void
bgp_attr_taw(struct bgp_err *err, uint8_t subcode, const struct bgp_attr_cur *c,
    const char *reason)
{
	bgp_attr_err(err, BGP_ACT_TREAT_AS_WITHDRAW, subcode, c, reason);
}

/* RFC 7606 2: attribute discard; the route stands without it. */
static void
bgp_attr_discard(struct bgp_attrs *a, struct bgp_err *err, uint8_t subcode,
    const struct bgp_attr_cur *c, const char *reason)
{
	if (c->type < 64) {
		a->discarded |= BGP_ATTR_BIT(c->type);
		a->present &= ~BGP_ATTR_BIT(c->type);
	}
	bgp_attr_err(err, BGP_ACT_ATTR_DISCARD, subcode, c, reason);
}

static int
bgp_attr_get_u32(struct bgp_attr_cur *c, uint32_t *v)
{
	if (rbuf_left(&c->v) != 4)
		return -1;
	return rbuf_get_u32(&c->v, v);
}

/* A list of fixed-size values: non-empty and a whole number of units. */
static int
bgp_attr_get_list(
    struct bgp_attr_cur *c, size_t unit, const uint8_t **p, uint16_t *len)
{
	size_t n = rbuf_left(&c->v);

	if (n == 0 || n % unit != 0)
		return -1;
	*p = rbuf_ptr(&c->v);
	*len = (uint16_t)n;
	return 0;
}

/*
 * RFC 7606 7.1-7.5: ORIGIN of length other than 1 or with an undefined
 * value, NEXT_HOP of length other than 4 or not a host address (RFC 4271
 * 6.3), MED and LOCAL_PREF of length other than 4: treat-as-withdraw.
 * LOCAL_PREF from an external peer is discarded (RFC 7606 7.5).
 */
static void
bgp_attr_decode_basic(struct bgp_attr_cur *c, const struct bgp_attr_opts *o,
    struct bgp_attrs *a, struct bgp_err *err)
{
	uint32_t v;
	uint8_t top;

	switch (c->type) {
	case BGP_ATTR_ORIGIN:
		if (rbuf_left(&c->v) != 1)
			return bgp_attr_taw(
			    err, BGP_ERR_UPD_LENGTH, c, "ORIGIN length");
		rbuf_get_u8(&c->v, &a->origin);
		if (a->origin > BGP_ORIGIN_INCOMPLETE)
			return bgp_attr_taw(
			    err, BGP_ERR_UPD_ORIGIN, c, "ORIGIN value");
		break;
	case BGP_ATTR_NEXT_HOP:
		if (rbuf_left(&c->v) != 4)
			return bgp_attr_taw(
			    err, BGP_ERR_UPD_LENGTH, c, "NEXT_HOP length");
		rbuf_get_bytes(&c->v, &a->next_hop, 4);
		top = ((const uint8_t *)&a->next_hop)[0];
		if (top == 0 || top == 127 || top >= 224)
			return bgp_attr_taw(err, BGP_ERR_UPD_NEXT_HOP, c,
			    "NEXT_HOP not a host address");
		break;
	case BGP_ATTR_MED:
		if (bgp_attr_get_u32(c, &a->med) == -1)
			return bgp_attr_taw(err, BGP_ERR_UPD_LENGTH, c,
			    "MULTI_EXIT_DISC length");
		break;
	case BGP_ATTR_LOCAL_PREF:
		if (o->ebgp)
			return bgp_attr_discard(a, err, BGP_ERR_UPD_OPTIONAL, c,
			    "LOCAL_PREF from external peer");
		if (bgp_attr_get_u32(c, &v) == -1)
			return bgp_attr_taw(
			    err, BGP_ERR_UPD_LENGTH, c, "LOCAL_PREF length");
		a->local_pref = v;
		break;
	}
	a->present |= BGP_ATTR_BIT(c->type);
}

/*
 * RFC 7606 7.6: ATOMIC_AGGREGATE of non-zero length and 7.7: AGGREGATOR
 * of a length other than 6 (8 with 4-octet AS) are discarded, and so is
 * an aggregator AS of 0 (RFC 7607 2).  RFC 6793 6
 * discards a malformed AS4_AGGREGATOR; our implementation also discards
 * one from a 4-octet peer, which must never send it (RFC 6793 4.1).
 */
static void
bgp_attr_decode_aggr(struct bgp_attr_cur *c, const struct bgp_attr_opts *o,
    struct bgp_attrs *a, struct bgp_err *err)
{
	uint16_t as2;

	switch (c->type) {
	case BGP_ATTR_ATOMIC_AGGREGATE:
		if (rbuf_left(&c->v) != 0)
			return bgp_attr_discard(a, err, BGP_ERR_UPD_LENGTH, c,
			    "ATOMIC_AGGREGATE length");
		break;
	case BGP_ATTR_AGGREGATOR:
		if (rbuf_left(&c->v) != (o->as4 ? 8u : 6u))
			return bgp_attr_discard(
			    a, err, BGP_ERR_UPD_LENGTH, c, "AGGREGATOR length");
		if (o->as4)
			rbuf_get_u32(&c->v, &a->agg_as);
		else {
			rbuf_get_u16(&c->v, &as2);
			a->agg_as = as2;
		}
		rbuf_get_u32(&c->v, &a->agg_id);
		if (a->agg_as == 0)
			return bgp_attr_discard(a, err, BGP_ERR_UPD_OPTIONAL, c,
			    "AGGREGATOR with AS 0");
		break;
	case BGP_ATTR_AS4_AGGREGATOR:
		if (o->as4)
			return bgp_attr_discard(a, err, BGP_ERR_UPD_OPTIONAL, c,
			    "AS4_AGGREGATOR from 4-octet peer");
		if (rbuf_left(&c->v) != 8)
			return bgp_attr_discard(a, err, BGP_ERR_UPD_LENGTH, c,
			    "AS4_AGGREGATOR length");
		rbuf_get_u32(&c->v, &a->as4_agg_as);
		rbuf_get_u32(&c->v, &a->as4_agg_id);
		if (a->as4_agg_as == 0)
			return bgp_attr_discard(a, err, BGP_ERR_UPD_OPTIONAL, c,
			    "AS4_AGGREGATOR with AS 0");
		break;
	}
	a->present |= BGP_ATTR_BIT(c->type);
}

/*
 * RFC 7606 7.8 (COMMUNITIES), 7.10 (CLUSTER_LIST), 7.14 (extended
 * communities), RFC 8092 6 (large communities): a length that is not a
 * non-zero multiple of the value size is treat-as-withdraw.  7.9/7.10:
 * ORIGINATOR_ID of length other than 4 is treat-as-withdraw, and both
 * RFC 4456 attributes are discarded when they come from an external peer.
 */
static void
bgp_attr_decode_lists(struct bgp_attr_cur *c, const struct bgp_attr_opts *o,
    struct bgp_attrs *a, struct bgp_err *err)
{
	switch (c->type) {
	case BGP_ATTR_COMMUNITIES:
		if (bgp_attr_get_list(
			c, 4, &a->communities, &a->communities_len) == -1)
			return bgp_attr_taw(
			    err, BGP_ERR_UPD_LENGTH, c, "COMMUNITIES length");
		break;
	case BGP_ATTR_EXT_COMMUNITIES:
		if (bgp_attr_get_list(c, 8, &a->ext_communities,
			&a->ext_communities_len) == -1)
			return bgp_attr_taw(err, BGP_ERR_UPD_LENGTH, c,
			    "EXTENDED_COMMUNITIES length");
		break;
	case BGP_ATTR_LARGE_COMMUNITY:
		if (bgp_attr_get_list(c, 12, &a->large_communities,
			&a->large_communities_len) == -1)
			return bgp_attr_taw(err, BGP_ERR_UPD_LENGTH, c,
			    "LARGE_COMMUNITY length");
		break;
	case BGP_ATTR_ORIGINATOR_ID:
		if (o->ebgp)
			return bgp_attr_discard(a, err, BGP_ERR_UPD_OPTIONAL, c,
			    "ORIGINATOR_ID from external peer");
		if (bgp_attr_get_u32(c, &a->originator_id) == -1)
			return bgp_attr_taw(
			    err, BGP_ERR_UPD_LENGTH, c, "ORIGINATOR_ID length");
		break;
	case BGP_ATTR_CLUSTER_LIST:
		if (o->ebgp)
			return bgp_attr_discard(a, err, BGP_ERR_UPD_OPTIONAL, c,
			    "CLUSTER_LIST from external peer");
		if (bgp_attr_get_list(
			c, 4, &a->cluster_list, &a->cluster_list_len) == -1)
			return bgp_attr_taw(
			    err, BGP_ERR_UPD_LENGTH, c, "CLUSTER_LIST length");
		break;
	}
	a->present |= BGP_ATTR_BIT(c->type);
}

/*
 * RFC 7606 7.2: a malformed AS_PATH (unknown segment type, empty segment,
 * segment overrunning the attribute, AS 0 per RFC 7607 2) is
 * treat-as-withdraw; so is a
 * confederation segment from an external peer, since we are in no
 * confederation (RFC 5065 5).  RFC 6793 6: a malformed AS4_PATH, or one
 * with confederation segments, is discarded, and our implementation also
 * discards one from a 4-octet peer (RFC 6793 4.1: never sent there).
 */
static void
bgp_attr_decode_paths(struct bgp_attr_cur *c, const struct bgp_attr_opts *o,
    struct bgp_attrs *a, struct bgp_err *err)
{
	const uint8_t *p = rbuf_ptr(&c->v);
	size_t n = rbuf_left(&c->v);

	if (c->type == BGP_ATTR_AS_PATH) {
		if (bgp_attr_aspath_check(p, n, o->as4, !o->ebgp) == -1)
			return bgp_attr_taw(
			    err, BGP_ERR_UPD_AS_PATH, c, "malformed AS_PATH");
		a->aspath = p;
		a->aspath_len = (uint16_t)n;
	} else {
		if (o->as4)
			return bgp_attr_discard(a, err, BGP_ERR_UPD_OPTIONAL, c,
			    "AS4_PATH from 4-octet peer");
		if (bgp_attr_aspath_check(p, n, true, false) == -1)
			return bgp_attr_discard(a, err, BGP_ERR_UPD_OPTIONAL, c,
			    "malformed AS4_PATH");
		a->as4_path = p;
		a->as4_path_len = (uint16_t)n;
	}
	a->present |= BGP_ATTR_BIT(c->type);
}

static void
bgp_attr_decode_one(struct bgp_attr_cur *c, const struct bgp_attr_opts *o,
    struct bgp_attrs *a, struct bgp_err *err)
{
	uint8_t want = bgp_attr_want_flags(c->type);

	if (want == BGP_UNKNOWN) {
		/* RFC 4271 6.3: an unrecognized well-known attribute is
		 * Unrecognized Well-known Attribute, data = the attribute;
		 * RFC 7606 keeps that a session reset.  RFC 4271 5: unknown
		 * optional non-transitive ones are quietly ignored, unknown
		 * transitive ones are passed on with Partial set. */
		if ((c->flags & BGP_ATTRF_OPTIONAL) == 0) {
			bgp_attr_err(err, BGP_ACT_SESSION_RESET,
			    BGP_ERR_UPD_WK_UNKNOWN, c,
			    "unrecognized well-known attribute");
			return;
		}
		if (c->flags & BGP_ATTRF_TRANSITIVE)
			a->unknown_count++;
		return;
	}
	if ((c->flags & BGP_ATTRF_OT) != want) {
		/* RFC 7606 3(c): Optional or Transitive bit in conflict
		 * with the attribute: treat-as-withdraw, unless the
		 * attribute's own rules say otherwise (RFC 6793 6 for
		 * AS4_*).  MP attributes are still parsed below so that
		 * their NLRI can be withdrawn. */
		if (c->type == BGP_ATTR_AS4_PATH ||
		    c->type == BGP_ATTR_AS4_AGGREGATOR)
			return bgp_attr_discard(a, err, BGP_ERR_UPD_FLAGS, c,
			    "AS4 attribute flags");
		bgp_attr_taw(err, BGP_ERR_UPD_FLAGS, c, "attribute flags");
		if (c->type != BGP_ATTR_MP_REACH_NLRI &&
		    c->type != BGP_ATTR_MP_UNREACH_NLRI)
			return;
	}
	if (want == BGP_OPT_T && (c->flags & BGP_ATTRF_PARTIAL))
		a->partial |= BGP_ATTR_BIT(c->type);
	switch (c->type) {
	case BGP_ATTR_ORIGIN:
	case BGP_ATTR_NEXT_HOP:
	case BGP_ATTR_MED:
	case BGP_ATTR_LOCAL_PREF:
		return bgp_attr_decode_basic(c, o, a, err);
	case BGP_ATTR_ATOMIC_AGGREGATE:
	case BGP_ATTR_AGGREGATOR:
	case BGP_ATTR_AS4_AGGREGATOR:
		return bgp_attr_decode_aggr(c, o, a, err);
	case BGP_ATTR_AS_PATH:
	case BGP_ATTR_AS4_PATH:
		return bgp_attr_decode_paths(c, o, a, err);
	case BGP_ATTR_MP_REACH_NLRI:
		a->mp_reach = rbuf_ptr(&c->v);
		a->mp_reach_len = (uint16_t)rbuf_left(&c->v);
		break;
	case BGP_ATTR_MP_UNREACH_NLRI:
		a->mp_unreach = rbuf_ptr(&c->v);
		a->mp_unreach_len = (uint16_t)rbuf_left(&c->v);
		break;
	default:
		return bgp_attr_decode_lists(c, o, a, err);
	}
	a->present |= BGP_ATTR_BIT(c->type);
}

/* Split the next attribute off b; -1 if its header or value overruns. */
static int
bgp_attr_next_raw(struct rbuf *b, struct bgp_attr_cur *c)
{
	uint16_t len;
	uint8_t len8;

	c->whole = rbuf_ptr(b);
	if (rbuf_get_u8(b, &c->flags) == -1 || rbuf_get_u8(b, &c->type) == -1)
		return -1;
	if (c->flags & BGP_ATTRF_EXTLEN) {
		if (rbuf_get_u16(b, &len) == -1)
			return -1;
	} else {
		if (rbuf_get_u8(b, &len8) == -1)
			return -1;
		len = len8;
	}
	if (rbuf_sub(b, len, &c->v) == -1)
		return -1;
	c->wlen = (size_t)(rbuf_ptr(b) - c->whole);
	return 0;
}

enum bgp_action
bgp_attr_decode(const uint8_t *blk, size_t len, const struct bgp_attr_opts *o,
    struct bgp_attrs *a, struct bgp_err *err)
{
	struct bgp_attr_cur c;
	uint64_t seen[4] = { 0 };
	struct rbuf b;

	memset(a, 0, sizeof(*a));
	a->aspath_as4 = o->as4;
	if (len > UINT16_MAX)
		len = 0;
	a->block = blk;
	a->block_len = (uint16_t)len;
	rbuf_init(&b, blk, len);
	while (rbuf_left(&b) > 0) {
		if (bgp_attr_next_raw(&b, &c) == -1) {
			/*
			 * RFC 7606 4 would treat-as-withdraw an attribute
			 * that overruns the block, locating the NLRI by the
			 * Total Attribute Length.  Our implementation
			 * resets instead: an MP_REACH_NLRI or MP_UNREACH_NLRI
			 * behind the overrun cannot be found, and RFC 7606
			 * 5.3 and 7.11 reset when MP NLRI cannot be located.
			 */
			return bgp_msg_err_set(err, BGP_ACT_SESSION_RESET,
			    BGP_ERR_UPDATE, BGP_ERR_UPD_ATTR_LIST, NULL, 0,
			    "attribute overruns attribute block");
		}
		if (seen[c.type / 64] & BGP_ATTR_BIT(c.type % 64)) {
			/* RFC 7606 3(g): a repeated MP_REACH_NLRI or
			 * MP_UNREACH_NLRI is Malformed Attribute List; any
			 * other repeat is discarded, the first one kept. */
			if (c.type == BGP_ATTR_MP_REACH_NLRI ||
			    c.type == BGP_ATTR_MP_UNREACH_NLRI)
				return bgp_msg_err_set(err,
				    BGP_ACT_SESSION_RESET, BGP_ERR_UPDATE,
				    BGP_ERR_UPD_ATTR_LIST, NULL, 0,
				    "repeated MP attribute");
			bgp_attr_err(err, BGP_ACT_ATTR_DISCARD,
			    BGP_ERR_UPD_ATTR_LIST, &c, "repeated attribute");
			continue;
		}
		seen[c.type / 64] |= BGP_ATTR_BIT(c.type % 64);
		bgp_attr_decode_one(&c, o, a, err);
		if (err->action == BGP_ACT_SESSION_RESET)
			return err->action;
	}
	return err->action;
}

void
bgp_attr_unknown_iter_init(
    struct bgp_attr_unknown_iter *it, const struct bgp_attrs *a)
{
	rbuf_init(&it->b, a->block, a->block_len);
	memset(it->seen, 0, sizeof(it->seen));
}

/* The unknown optional transitive attributes, first of each type only. */
int
bgp_attr_unknown_next(struct bgp_attr_unknown_iter *it, struct bgp_attr_raw *r)
{
	struct bgp_attr_cur c;

	while (rbuf_left(&it->b) > 0) {
		if (bgp_attr_next_raw(&it->b, &c) == -1)
			return 0;
		if (it->seen[c.type / 64] & BGP_ATTR_BIT(c.type % 64))
			continue;
		it->seen[c.type / 64] |= BGP_ATTR_BIT(c.type % 64);
		if (bgp_attr_want_flags(c.type) != BGP_UNKNOWN ||
		    (c.flags & BGP_ATTRF_OT) != BGP_ATTRF_OT)
			continue;
		r->flags = c.flags;
		r->type = c.type;
		r->len = (uint16_t)rbuf_left(&c.v);
		r->value = rbuf_ptr(&c.v);
		return 1;
	}
	return 0;
}

bool
bgp_attr_has_community(const struct bgp_attrs *a, uint32_t comm)
{
	const uint8_t *p = a->communities;
	size_t i;

	if ((a->present & BGP_ATTR_BIT(BGP_ATTR_COMMUNITIES)) == 0)
		return false;
	for (i = 0; i + 4 <= a->communities_len; i += 4)
		if (((uint32_t)p[i] << 24 | (uint32_t)p[i + 1] << 16 |
			(uint32_t)p[i + 2] << 8 | p[i + 3]) == comm)
			return true;
	return false;
}

/* AS paths. */

int
bgp_attr_aspath_check(const uint8_t *p, size_t len, bool as4, bool confed_ok)
{
	struct rbuf b;
	uint32_t as;
	uint16_t as2;
	uint8_t type, count, i;

	rbuf_init(&b, p, len);
	while (rbuf_left(&b) > 0) {
		if (rbuf_get_u8(&b, &type) == -1 ||
		    rbuf_get_u8(&b, &count) == -1)
			return -1;
		if (type < BGP_ASPATH_SET || type > BGP_ASPATH_CONFED_SET)
			return -1;
		if (!confed_ok && type >= BGP_ASPATH_CONFED_SEQUENCE)
			return -1;
		if (count == 0 || rbuf_left(&b) < (size_t)count * (as4 ? 4 : 2))
			return -1;
		/* RFC 7607 2: AS 0 in a path makes it malformed. */
		for (i = 0; i < count; i++) {
			if (as4)
				rbuf_get_u32(&b, &as);
			else {
				rbuf_get_u16(&b, &as2);
				as = as2;
			}
			if (as == 0)
				return -1;
		}
	}
	return 0;
}

void
bgp_attr_aspath_iter_init(
    struct bgp_aspath_iter *it, const uint8_t *p, size_t len, bool as4)
{
	rbuf_init(&it->b, p, len);
	it->as4 = as4;
}

int
bgp_attr_aspath_next(struct bgp_aspath_iter *it, struct bgp_aspath_seg *s)
{
	if (rbuf_get_u8(&it->b, &s->type) == -1 ||
	    rbuf_get_u8(&it->b, &s->count) == -1)
		return 0;
	s->as = rbuf_ptr(&it->b);
	if (rbuf_skip(&it->b, (size_t)s->count * (it->as4 ? 4 : 2)) == -1)
		return 0;
	return 1;
}

uint32_t
bgp_attr_aspath_seg_as(const struct bgp_aspath_seg *s, unsigned i, bool as4)
{
	const uint8_t *p;

	if (as4) {
		p = s->as + 4 * i;
		return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		    (uint32_t)p[2] << 8 | p[3];
	}
	p = s->as + 2 * i;
	return (uint32_t)p[0] << 8 | p[1];
}

unsigned
bgp_attr_aspath_count(const uint8_t *p, size_t len, bool as4)
{
	struct bgp_aspath_iter it;
	struct bgp_aspath_seg s;
	unsigned n = 0;

	bgp_attr_aspath_iter_init(&it, p, len, as4);
	while (bgp_attr_aspath_next(&it, &s)) {
		if (s.type == BGP_ASPATH_SEQUENCE)
			n += s.count;
		else if (s.type == BGP_ASPATH_SET)
			n++;
	}
	return n;
}

uint32_t
bgp_attr_aspath_first(const uint8_t *p, size_t len, bool as4)
{
	struct bgp_aspath_iter it;
	struct bgp_aspath_seg s;

	bgp_attr_aspath_iter_init(&it, p, len, as4);
	if (!bgp_attr_aspath_next(&it, &s) || s.type != BGP_ASPATH_SEQUENCE)
		return 0;
	return bgp_attr_aspath_seg_as(&s, 0, as4);
}

bool
bgp_attr_aspath_contains(const uint8_t *p, size_t len, bool as4, uint32_t as)
{
	struct bgp_aspath_iter it;
	struct bgp_aspath_seg s;
	unsigned i;

	bgp_attr_aspath_iter_init(&it, p, len, as4);
	while (bgp_attr_aspath_next(&it, &s))
		for (i = 0; i < s.count; i++)
			if (bgp_attr_aspath_seg_as(&s, i, as4) == as)
				return true;
	return false;
}

/* Segment writer: sequences continue the open sequence of the same type
 * up to 255 numbers, so joined pieces come out as one segment. */
struct bgp_attr_aspw {
	struct wbuf *out;
	size_t seg_at;
	uint8_t type; /* 0: no segment open */
	uint8_t count;
	bool as4;
};

static void
bgp_attr_aspw_init(struct bgp_attr_aspw *w, struct wbuf *out, bool as4)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
	w->as4 = as4;
}

static void
bgp_attr_aspw_seg(struct bgp_attr_aspw *w, uint8_t type)
{
	if (w->type == type && w->count < 255 &&
	    (type == BGP_ASPATH_SEQUENCE || type == BGP_ASPATH_CONFED_SEQUENCE))
		return;
	w->seg_at = w->out->len;
	wbuf_put_u8(w->out, type);
	wbuf_put_u8(w->out, 0);
	w->type = type;
	w->count = 0;
}

static void
bgp_attr_aspw_put(struct bgp_attr_aspw *w, uint32_t as)
{
	uint8_t type;

	if (w->count == 255) {
		type = w->type;
		w->type = 0;
		bgp_attr_aspw_seg(w, type);
	}
	if (w->as4)
		wbuf_put_u32(w->out, as);
	else
		wbuf_put_u16(w->out, (uint16_t)as);
	w->count++;
	wbuf_set_u8_at(w->out, w->seg_at + 1, w->count);
}

/* Copy segments (or the first n numbers, sets counting 1) of a path. */
static void
bgp_attr_aspw_copy(struct bgp_attr_aspw *w, const uint8_t *p, size_t len,
    bool as4, bool no_confed, uint32_t to2_as, bool *big)
{
	struct bgp_aspath_iter it;
	struct bgp_aspath_seg s;
	uint32_t as;
	unsigned i;

	bgp_attr_aspath_iter_init(&it, p, len, as4);
	while (bgp_attr_aspath_next(&it, &s)) {
		if (no_confed && s.type >= BGP_ASPATH_CONFED_SEQUENCE)
			continue;
		bgp_attr_aspw_seg(w, s.type);
		for (i = 0; i < s.count; i++) {
			as = bgp_attr_aspath_seg_as(&s, i, as4);
			if (as > 0xffff && to2_as != 0) {
				*big = true;
				as = to2_as;
			}
			bgp_attr_aspw_put(w, as);
		}
	}
}

void
bgp_attr_aspath_widen(struct wbuf *out, const uint8_t *p, size_t len)
{
	struct bgp_attr_aspw w;

	bgp_attr_aspw_init(&w, out, true);
	bgp_attr_aspw_copy(&w, p, len, false, false, 0, NULL);
}

/* A 4-octet path rewritten in canonical form (sequences joined). */
static void
bgp_attr_aspath_copy(struct wbuf *out, const uint8_t *p, size_t len)
{
	struct bgp_attr_aspw w;

	bgp_attr_aspw_init(&w, out, true);
	bgp_attr_aspw_copy(&w, p, len, true, false, 0, NULL);
}

/* RFC 6793 4.2.2: towards an OLD speaker, non-mappable numbers become
 * AS_TRANS and *needs_as4 tells the caller to add AS4_PATH. */
void
bgp_attr_aspath_to2(
    struct wbuf *out, const uint8_t *p, size_t len, bool *needs_as4)
{
	struct bgp_attr_aspw w;

	*needs_as4 = false;
	bgp_attr_aspw_init(&w, out, false);
	bgp_attr_aspw_copy(&w, p, len, true, false, BGP_AS_TRANS, needs_as4);
}

/* RFC 6793 3: AS4_PATH carries no confederation segments. */
void
bgp_attr_aspath_as4_path(struct wbuf *out, const uint8_t *p, size_t len)
{
	struct bgp_attr_aspw w;

	bgp_attr_aspw_init(&w, out, true);
	bgp_attr_aspw_copy(&w, p, len, true, true, 0, NULL);
}

void
bgp_attr_aspath_prepend(
    struct wbuf *out, const uint8_t *p, size_t len, uint32_t as, unsigned times)
{
	struct bgp_attr_aspw w;

	bgp_attr_aspw_init(&w, out, true);
	if (times > 0)
		bgp_attr_aspw_seg(&w, BGP_ASPATH_SEQUENCE);
	while (times-- > 0)
		bgp_attr_aspw_put(&w, as);
	bgp_attr_aspw_copy(&w, p, len, true, false, 0, NULL);
}

/*
 * RFC 6793 4.2.3: if AS_PATH has fewer AS numbers than AS4_PATH (counted
 * as in RFC 4271 9.1.2.2: a set is one, confederation segments none),
 * AS4_PATH is ignored.  Otherwise the leading AS numbers of AS_PATH (and
 * the segments they sit in) that make up the difference are prepended to
 * AS4_PATH, so the result counts as many numbers as AS_PATH.  Leading
 * confederation segments are kept whole.  as_path is 2-octet, the result
 * 4-octet.  The caller has already applied the AGGREGATOR rule.
 */
void
bgp_attr_aspath_merge(struct wbuf *out, const uint8_t *p2, size_t len2,
    const uint8_t *p4, size_t len4)
{
	struct bgp_attr_aspw w;
	struct bgp_aspath_iter it;
	struct bgp_aspath_seg s;
	unsigned n2, n4, need, i, take;

	n2 = bgp_attr_aspath_count(p2, len2, false);
	n4 = bgp_attr_aspath_count(p4, len4, true);
	if (n2 < n4) {
		bgp_attr_aspath_widen(out, p2, len2);
		return;
	}
	need = n2 - n4;
	bgp_attr_aspw_init(&w, out, true);
	bgp_attr_aspath_iter_init(&it, p2, len2, false);
	while (bgp_attr_aspath_next(&it, &s)) {
		if (s.type >= BGP_ASPATH_CONFED_SEQUENCE)
			take = s.count;
		else if (need == 0)
			break;
		else if (s.type == BGP_ASPATH_SET) {
			take = s.count;
			need--;
		} else {
			take = s.count < need ? s.count : need;
			need -= take;
		}
		bgp_attr_aspw_seg(&w, s.type);
		for (i = 0; i < take; i++)
			bgp_attr_aspw_put(
			    &w, bgp_attr_aspath_seg_as(&s, i, false));
	}
	bgp_attr_aspw_copy(&w, p4, len4, true, true, 0, NULL);
}

static const uint8_t bgp_attr_empty[1];

void
bgp_attr_normalize(struct bgp_attrs *a, struct wbuf *scratch)
{
	const uint64_t as4bits = BGP_ATTR_BIT(BGP_ATTR_AS4_PATH) |
	    BGP_ATTR_BIT(BGP_ATTR_AS4_AGGREGATOR);
	bool use_as4 = (a->present & BGP_ATTR_BIT(BGP_ATTR_AS4_PATH)) != 0;
	size_t off;

	if (a->aspath_as4) {
		a->present &= ~as4bits;
		return;
	}
	/* RFC 6793 4.2.3: an AGGREGATOR with a real 2-octet AS means the
	 * aggregation happened at an OLD speaker after any NEW one, so
	 * AS4_AGGREGATOR and AS4_PATH are ignored; with AS_TRANS, the
	 * AS4_AGGREGATOR holds the real aggregator. */
	if (a->present & BGP_ATTR_BIT(BGP_ATTR_AGGREGATOR)) {
		if (a->agg_as != BGP_AS_TRANS)
			use_as4 = false;
		else if (a->present & BGP_ATTR_BIT(BGP_ATTR_AS4_AGGREGATOR)) {
			a->agg_as = a->as4_agg_as;
			a->agg_id = a->as4_agg_id;
		}
	}
	if (a->present & BGP_ATTR_BIT(BGP_ATTR_AS_PATH)) {
		off = scratch->len;
		if (use_as4)
			bgp_attr_aspath_merge(scratch, a->aspath, a->aspath_len,
			    a->as4_path, a->as4_path_len);
		else
			bgp_attr_aspath_widen(
			    scratch, a->aspath, a->aspath_len);
		a->aspath_len = (uint16_t)(scratch->len - off);
		a->aspath =
		    a->aspath_len > 0 ? scratch->data + off : bgp_attr_empty;
	}
	a->aspath_as4 = true;
	a->present &= ~as4bits;
	a->as4_path = NULL;
	a->as4_path_len = 0;
}

/* Canonical encoding. */

static void
bgp_attr_put(
    struct wbuf *out, uint8_t flags, uint8_t type, const void *v, size_t len)
{
	if (len > 255) {
		wbuf_put_u8(out, flags | BGP_ATTRF_EXTLEN);
		wbuf_put_u8(out, type);
		wbuf_put_u16(out, (uint16_t)len);
	} else {
		wbuf_put_u8(out, flags & ~BGP_ATTRF_EXTLEN);
		wbuf_put_u8(out, type);
		wbuf_put_u8(out, (uint8_t)len);
	}
	wbuf_put_bytes(out, v, len);
}

static void
bgp_attr_put_u32(struct wbuf *out, uint8_t flags, uint8_t type, uint32_t v)
{
	uint8_t b[4] = { v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff };

	bgp_attr_put(out, flags, type, b, sizeof(b));
}

/* Open an attribute of unknown length: extended header, fixed on close. */
static size_t
bgp_attr_open(struct wbuf *out, uint8_t flags, uint8_t type)
{
	size_t at = out->len;

	wbuf_put_u8(out, flags | BGP_ATTRF_EXTLEN);
	wbuf_put_u8(out, type);
	wbuf_put_u16(out, 0);
	return at;
}

static void
bgp_attr_close(struct wbuf *out, size_t at)
{
	size_t len;

	if (wbuf_overflow(out) || out->len < at + 4)
		return;
	len = out->len - at - 4;
	if (len > UINT16_MAX) {
		out->overflow = true;
		return;
	}
	if (len > 255) {
		wbuf_set_u16_at(out, at + 2, (uint16_t)len);
		return;
	}
	/* Short enough for a 1-octet length: the canonical form. */
	memmove(out->data + at + 3, out->data + at + 4, len);
	out->data[at] &= (uint8_t)~BGP_ATTRF_EXTLEN;
	out->data[at + 2] = (uint8_t)len;
	wbuf_truncate(out, out->len - 1);
}

static uint8_t
bgp_attr_ot_flags(const struct bgp_attrs *a, uint8_t type)
{
	return (uint8_t)(BGP_OPT_T |
	    ((a->partial & BGP_ATTR_BIT(type)) ? BGP_ATTRF_PARTIAL : 0));
}

static void
bgp_attr_encode_aggr(const struct bgp_attrs *a, bool as4, struct wbuf *out)
{
	uint8_t b[8];
	uint32_t as = a->agg_as;
	size_t n = 0;

	if (!as4 && as > 0xffff)
		as = BGP_AS_TRANS;
	if (as4) {
		b[n++] = as >> 24;
		b[n++] = (as >> 16) & 0xff;
	}
	b[n++] = (as >> 8) & 0xff;
	b[n++] = as & 0xff;
	b[n++] = a->agg_id >> 24;
	b[n++] = (a->agg_id >> 16) & 0xff;
	b[n++] = (a->agg_id >> 8) & 0xff;
	b[n++] = a->agg_id & 0xff;
	bgp_attr_put(out, bgp_attr_ot_flags(a, BGP_ATTR_AGGREGATOR),
	    BGP_ATTR_AGGREGATOR, b, n);
}

static void
bgp_attr_encode_unknown(const struct bgp_attrs *a, struct wbuf *out)
{
	struct bgp_attr_unknown_iter it;
	struct bgp_attr_raw r;

	/* RFC 4271 5: passed on with the Partial bit set. */
	bgp_attr_unknown_iter_init(&it, a);
	while (bgp_attr_unknown_next(&it, &r))
		bgp_attr_put(out,
		    (uint8_t)((r.flags & 0xe0) | BGP_ATTRF_PARTIAL), r.type,
		    r.value, r.len);
}

#define HAS(a, t) (((a)->present & BGP_ATTR_BIT(t)) != 0)

int
bgp_attr_encode(const struct bgp_attrs *a, bool as4, struct wbuf *out)
{
	size_t start = out->len, at;
	bool need_as4 = false;

	if (!a->aspath_as4)
		return -1;
	if (HAS(a, BGP_ATTR_ORIGIN))
		bgp_attr_put(out, BGP_WK, BGP_ATTR_ORIGIN, &a->origin, 1);
	if (HAS(a, BGP_ATTR_AS_PATH)) {
		at = bgp_attr_open(out, BGP_WK, BGP_ATTR_AS_PATH);
		if (as4)
			bgp_attr_aspath_copy(out, a->aspath, a->aspath_len);
		else
			bgp_attr_aspath_to2(
			    out, a->aspath, a->aspath_len, &need_as4);
		bgp_attr_close(out, at);
	}
	if (HAS(a, BGP_ATTR_NEXT_HOP))
		bgp_attr_put(out, BGP_WK, BGP_ATTR_NEXT_HOP, &a->next_hop, 4);
	if (HAS(a, BGP_ATTR_MED))
		bgp_attr_put_u32(out, BGP_OPT_NT, BGP_ATTR_MED, a->med);
	if (HAS(a, BGP_ATTR_LOCAL_PREF))
		bgp_attr_put_u32(
		    out, BGP_WK, BGP_ATTR_LOCAL_PREF, a->local_pref);
	if (HAS(a, BGP_ATTR_ATOMIC_AGGREGATE))
		bgp_attr_put(out, BGP_WK, BGP_ATTR_ATOMIC_AGGREGATE, NULL, 0);
	if (HAS(a, BGP_ATTR_AGGREGATOR))
		bgp_attr_encode_aggr(a, as4, out);
	if (HAS(a, BGP_ATTR_COMMUNITIES))
		bgp_attr_put(out, bgp_attr_ot_flags(a, BGP_ATTR_COMMUNITIES),
		    BGP_ATTR_COMMUNITIES, a->communities, a->communities_len);
	if (HAS(a, BGP_ATTR_ORIGINATOR_ID))
		bgp_attr_put_u32(
		    out, BGP_OPT_NT, BGP_ATTR_ORIGINATOR_ID, a->originator_id);
	if (HAS(a, BGP_ATTR_CLUSTER_LIST))
		bgp_attr_put(out, BGP_OPT_NT, BGP_ATTR_CLUSTER_LIST,
		    a->cluster_list, a->cluster_list_len);
	if (HAS(a, BGP_ATTR_EXT_COMMUNITIES))
		bgp_attr_put(out,
		    bgp_attr_ot_flags(a, BGP_ATTR_EXT_COMMUNITIES),
		    BGP_ATTR_EXT_COMMUNITIES, a->ext_communities,
		    a->ext_communities_len);
	if (need_as4) {
		at = bgp_attr_open(out, BGP_OPT_T, BGP_ATTR_AS4_PATH);
		bgp_attr_aspath_as4_path(out, a->aspath, a->aspath_len);
		bgp_attr_close(out, at);
	}
	if (!as4 && HAS(a, BGP_ATTR_AGGREGATOR) && a->agg_as > 0xffff) {
		at = bgp_attr_open(out, BGP_OPT_T, BGP_ATTR_AS4_AGGREGATOR);
		wbuf_put_u32(out, a->agg_as);
		wbuf_put_u32(out, a->agg_id);
		bgp_attr_close(out, at);
	}
	if (HAS(a, BGP_ATTR_LARGE_COMMUNITY))
		bgp_attr_put(out,
		    bgp_attr_ot_flags(a, BGP_ATTR_LARGE_COMMUNITY),
		    BGP_ATTR_LARGE_COMMUNITY, a->large_communities,
		    a->large_communities_len);
	bgp_attr_encode_unknown(a, out);
	if (wbuf_overflow(out)) {
		wbuf_truncate(out, start);
		return -1;
	}
	return 0;
}
