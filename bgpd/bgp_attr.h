/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * BGP path attributes: decode with RFC 7606 error handling, canonical
 * encode, and the AS path operations of RFC 4271 and RFC 6793.
 *
 * Decoding allocates nothing.  struct bgp_attrs holds the fixed-size
 * attributes by value and the variable ones (AS path, communities,
 * cluster list) as views into the decoded bytes, validated once so users
 * can walk them without checks.  Unknown optional transitive attributes
 * stay in the block and are reached through bgp_attr_unknown_next().
 *
 * bgp_attr_encode() is the canonical form: attributes in type order with
 * canonical flags.  The RIB interns attribute sets by hashing and
 * comparing these bytes, and the update packer copies them unchanged into
 * every UPDATE that shares the set; decoding the canonical bytes again
 * yields views into the interned copy.
 */
#ifndef FERRY_BGP_ATTR_H
#define FERRY_BGP_ATTR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bgp_msg.h"
#include "buf.h"

enum bgp_attr_type {
	BGP_ATTR_ORIGIN = 1,
	BGP_ATTR_AS_PATH = 2,
	BGP_ATTR_NEXT_HOP = 3,
	BGP_ATTR_MED = 4,
	BGP_ATTR_LOCAL_PREF = 5,
	BGP_ATTR_ATOMIC_AGGREGATE = 6,
	BGP_ATTR_AGGREGATOR = 7,
	BGP_ATTR_COMMUNITIES = 8,      /* RFC 1997 */
	BGP_ATTR_ORIGINATOR_ID = 9,    /* RFC 4456 */
	BGP_ATTR_CLUSTER_LIST = 10,    /* RFC 4456 */
	BGP_ATTR_MP_REACH_NLRI = 14,   /* RFC 4760 */
	BGP_ATTR_MP_UNREACH_NLRI = 15, /* RFC 4760 */
	BGP_ATTR_EXT_COMMUNITIES = 16, /* RFC 4360 */
	BGP_ATTR_AS4_PATH = 17,	       /* RFC 6793 */
	BGP_ATTR_AS4_AGGREGATOR = 18,  /* RFC 6793 */
	BGP_ATTR_LARGE_COMMUNITY = 32, /* RFC 8092 */
};

#define BGP_ATTRF_OPTIONAL   0x80
#define BGP_ATTRF_TRANSITIVE 0x40
#define BGP_ATTRF_PARTIAL    0x20
#define BGP_ATTRF_EXTLEN     0x10

#define BGP_ATTR_BIT(t) (UINT64_C(1) << (t))

enum bgp_origin {
	BGP_ORIGIN_IGP = 0,
	BGP_ORIGIN_EGP = 1,
	BGP_ORIGIN_INCOMPLETE = 2,
};

enum bgp_aspath_seg_type {
	BGP_ASPATH_SET = 1,
	BGP_ASPATH_SEQUENCE = 2,
	BGP_ASPATH_CONFED_SEQUENCE = 3, /* RFC 5065 */
	BGP_ASPATH_CONFED_SET = 4,
};

/* Well-known communities (RFC 1997). */
#define BGP_COMM_NO_EXPORT	     0xffffff01u
#define BGP_COMM_NO_ADVERTISE	     0xffffff02u
#define BGP_COMM_NO_EXPORT_SUBCONFED 0xffffff03u

/* What the session negotiated, which changes how attributes decode. */
struct bgp_attr_opts {
	bool as4;  /* both sides sent capability 65 */
	bool ebgp; /* peer is external */
};

/*
 * One decoded attribute set.  A field is valid when its BGP_ATTR_BIT is
 * in present.  Views point into the decoded bytes (or, after
 * bgp_attr_normalize, into its scratch buffer) and must not outlive them.
 */
struct bgp_attrs {
	uint64_t present;
	uint64_t discarded; /* RFC 7606 attribute discard */
	uint64_t partial;   /* known, received with Partial */
	uint8_t origin;
	bool aspath_as4; /* AS numbers in aspath: 4 octets */
	uint16_t aspath_len;
	const uint8_t *aspath; /* segments in wire form */
	struct in_addr next_hop;
	uint32_t med;
	uint32_t local_pref;
	uint32_t agg_as;	/* widened to 32 bits on decode */
	uint32_t agg_id;	/* host order */
	uint32_t originator_id; /* host order */
	uint16_t communities_len;
	uint16_t ext_communities_len;
	uint16_t large_communities_len;
	uint16_t cluster_list_len;
	const uint8_t *communities;	  /* 4-octet values */
	const uint8_t *ext_communities;	  /* 8-octet values */
	const uint8_t *large_communities; /* 12-octet values */
	const uint8_t *cluster_list;	  /* 4-octet ids */
	uint16_t as4_path_len;
	const uint8_t *as4_path; /* always 4-octet */
	uint32_t as4_agg_as;
	uint32_t as4_agg_id;
	uint16_t mp_reach_len;
	uint16_t mp_unreach_len;
	const uint8_t *mp_reach;   /* attribute values, parsed by */
	const uint8_t *mp_unreach; /* bgp_update.c */
	uint16_t unknown_count;	   /* optional transitive kept */
	uint16_t block_len;
	const uint8_t *block; /* the whole attribute block */
};

/* An attribute as it sits in a block. */
struct bgp_attr_raw {
	uint8_t flags;
	uint8_t type;
	uint16_t len;
	const uint8_t *value;
};

struct bgp_attr_unknown_iter {
	struct rbuf b;
	uint64_t seen[4];
};

/* One AS path segment; as points at count numbers of the path's width. */
struct bgp_aspath_seg {
	uint8_t type;
	uint8_t count;
	const uint8_t *as;
};

struct bgp_aspath_iter {
	struct rbuf b;
	bool as4;
};

/*
 * Decode an attribute block (the Path Attributes field of an UPDATE, or a
 * canonical block).  Errors accumulate into err, which the caller clears
 * first; the result is the strongest action (RFC 7606 3(d)).
 */
enum bgp_action bgp_attr_decode(const uint8_t *, size_t,
    const struct bgp_attr_opts *, struct bgp_attrs *, struct bgp_err *);

void bgp_attr_unknown_iter_init(
    struct bgp_attr_unknown_iter *, const struct bgp_attrs *);
int bgp_attr_unknown_next(
    struct bgp_attr_unknown_iter *, struct bgp_attr_raw *);

/*
 * RFC 6793 4.2.3 on a set decoded from a 2-octet peer: AS_PATH widened
 * and merged with AS4_PATH, AGGREGATOR replaced by AS4_AGGREGATOR where
 * the rules say so, AS4_* dropped.  A set from a 4-octet peer only loses
 * its (already discarded) AS4_* bits.  New views live in scratch, which
 * must not be written to while the set is in use.
 */
void bgp_attr_normalize(struct bgp_attrs *, struct wbuf *scratch);

/*
 * Canonical encoding of a normalized set for a peer (as4: the peer
 * speaks 4-octet AS; if not, AS_TRANS, AS4_PATH and AS4_AGGREGATOR are
 * produced per RFC 6793 4.2.2).  MP_REACH/MP_UNREACH are not included:
 * the update packer writes them.  Returns -1 on a set that is not
 * normalized or would not fit an attribute length.
 */
int bgp_attr_encode(const struct bgp_attrs *, bool as4, struct wbuf *);

bool bgp_attr_has_community(const struct bgp_attrs *, uint32_t);

/* AS paths in wire form, 2- or 4-octet numbers. */
int bgp_attr_aspath_check(const uint8_t *, size_t, bool as4, bool confed_ok);
void bgp_attr_aspath_iter_init(
    struct bgp_aspath_iter *, const uint8_t *, size_t, bool as4);
int bgp_attr_aspath_next(struct bgp_aspath_iter *, struct bgp_aspath_seg *);
uint32_t bgp_attr_aspath_seg_as(
    const struct bgp_aspath_seg *, unsigned, bool as4);
/* Path length for RFC 4271 9.1.2.2: AS_SET counts 1, confed 0. */
unsigned bgp_attr_aspath_count(const uint8_t *, size_t, bool as4);
/* Leftmost AS of a leading AS_SEQUENCE, 0 if none (RFC 4271 6.3). */
uint32_t bgp_attr_aspath_first(const uint8_t *, size_t, bool as4);
bool bgp_attr_aspath_contains(const uint8_t *, size_t, bool as4, uint32_t);
/* Writers append a 4-octet path to out (2-octet for to2). */
void bgp_attr_aspath_widen(struct wbuf *, const uint8_t *, size_t);
void bgp_attr_aspath_to2(
    struct wbuf *, const uint8_t *, size_t, bool *needs_as4);
void bgp_attr_aspath_as4_path(struct wbuf *, const uint8_t *, size_t);
void bgp_attr_aspath_prepend(
    struct wbuf *, const uint8_t *, size_t, uint32_t as, unsigned times);
void bgp_attr_aspath_merge(struct wbuf *, const uint8_t *as_path, size_t,
    const uint8_t *as4_path, size_t);

#endif
