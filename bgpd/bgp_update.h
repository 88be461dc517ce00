/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * BGP UPDATE messages: decode (withdrawn routes, path attributes, NLRI,
 * MP_REACH_NLRI/MP_UNREACH_NLRI, End-of-RIB) and the update packer.
 *
 * Decoding allocates nothing: each run of prefixes (withdrawn, NLRI, MP
 * reach and unreach) is validated once and kept as a view into the
 * message, then walked with bgp_update_nlri_next().  The packer is the
 * other half of the performance story: the caller encodes an attribute
 * set once (bgp_attr_encode) and the writer appends prefixes behind it
 * until the 4096-octet message is full, with no per-prefix allocation.
 */
#ifndef FERRY_BGP_UPDATE_H
#define FERRY_BGP_UPDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bgp_attr.h"
#include "bgp_msg.h"
#include "buf.h"
#include "prefix.h"

/* A validated run of prefixes of one family. */
struct bgp_nlri {
	const uint8_t *data;
	uint16_t len;
	uint16_t afi;
	uint8_t safi;
	uint8_t family; /* AF_INET, AF_INET6; 0: not decoded */
	uint32_t count; /* prefixes in data */
};

struct bgp_nlri_iter {
	struct rbuf b;
	uint8_t family;
};

/* RFC 2545 3 / RFC 8950: global next hop, link-local optional. */
struct bgp_mp_nexthop {
	struct addr global;
	struct addr link_local; /* family 0 when absent */
};

/*
 * A decoded UPDATE.  With BGP_ACT_TREAT_AS_WITHDRAW the prefixes of nlri
 * and mp_reach are to be withdrawn, not announced (RFC 7606 2); withdrawn
 * and mp_unreach always mean what they say.
 */
struct bgp_update {
	struct bgp_nlri withdrawn; /* IPv4 unicast */
	struct bgp_nlri nlri;	   /* IPv4 unicast */
	struct bgp_nlri mp_unreach;
	struct bgp_nlri mp_reach;
	struct bgp_mp_nexthop mp_nh;
	struct bgp_attrs attrs;
	bool eor; /* RFC 4724 2 End-of-RIB */
	uint16_t eor_afi;
	uint8_t eor_safi;
};

enum bgp_action bgp_update_decode(const uint8_t *, size_t,
    const struct bgp_attr_opts *, struct bgp_update *, struct bgp_err *);

void bgp_update_nlri_iter(struct bgp_nlri_iter *, const struct bgp_nlri *);
/* 1 with the next prefix (normalized), 0 at the end. */
int bgp_update_nlri_next(struct bgp_nlri_iter *, struct prefix *);

enum bgp_update_kind {
	BGP_UPD_IPV4_REACH,   /* attributes, then the NLRI field */
	BGP_UPD_IPV4_UNREACH, /* Withdrawn Routes */
	BGP_UPD_MP_REACH,     /* MP_REACH_NLRI first, then attributes */
	BGP_UPD_MP_UNREACH,   /* MP_UNREACH_NLRI */
};

/* What one run of messages carries; must outlive the writer. */
struct bgp_update_spec {
	enum bgp_update_kind kind;
	uint16_t afi; /* MP kinds */
	uint8_t safi;
	const uint8_t *attrs; /* REACH kinds: encoded block */
	size_t attrs_len;
	struct bgp_mp_nexthop nh; /* MP_REACH */
};

struct bgp_update_writer {
	struct wbuf *out;
	const struct bgp_update_spec *spec;
	size_t start;  /* message offset in out */
	size_t len_at; /* length field to patch */
	size_t room;   /* octets left for prefixes */
	uint32_t count;
	uint8_t family;
	uint8_t maxbits;
};

/*
 * Packing: begin appends the fixed part of one UPDATE to out (-1 if the
 * attributes leave no room for a prefix, or the spec is inconsistent);
 * add appends one prefix, -1 when it does not fit (or is of the wrong
 * family), leaving the message intact; finish completes the message and
 * returns 0, or removes it and returns -1 when nothing was added.
 */
int bgp_update_begin(
    struct bgp_update_writer *, struct wbuf *, const struct bgp_update_spec *);
int bgp_update_add(struct bgp_update_writer *, const struct prefix *);
int bgp_update_finish(struct bgp_update_writer *);
/* One message from an array; returns how many prefixes it took. */
size_t bgp_update_pack(struct wbuf *, const struct bgp_update_spec *,
    const struct prefix *, size_t);

int bgp_update_encode_eor(struct wbuf *, uint16_t afi, uint8_t safi);

#endif
