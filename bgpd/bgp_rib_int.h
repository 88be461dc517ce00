/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Private structures of the RIB, shared by bgp_rib.c (tables, interning,
 * peers, walks), bgp_decide.c (RFC 4271 9.1), bgp_policy.c (import and
 * export) and bgp_out.c (Adj-RIB-Out and packing).  Nothing outside those
 * four files includes this.
 *
 * Memory layout, chosen for the 1M-prefix benchmark: a prefix is a
 * 40-octet record in a chunked array, named by a dense 32-bit id; the
 * prefix hash holds only ids; a path is a 32-octet slab object; each peer's
 * Adj-RIB-Out is one pointer per prefix id (the interned set last sent, or
 * NULL), a pending bitmap and a FIFO of ids.  Attribute sets are interned
 * once per distinct canonical encoding (bgp_attr_encode) and shared by
 * every path and every Adj-RIB-Out entry that uses them.
 */
#ifndef FERRY_BGP_RIB_INT_H
#define FERRY_BGP_RIB_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "bgp_rib.h"
#include "xalloc.h"

OBJCOUNT_DECLARE(rib_prefix);
OBJCOUNT_DECLARE(rib_path);
OBJCOUNT_DECLARE(rib_aset);
OBJCOUNT_DECLARE(rib_peer);

/* struct rib_aset flags. */
#define RIB_AS_AS4	     0x0001 /* AS numbers in 4 octets */
#define RIB_AS_MP	     0x0002 /* an MP next hop follows data */
#define RIB_AS_LOCAL_PREF    0x0004
#define RIB_AS_MED	     0x0008
#define RIB_AS_ORIGINATOR    0x0010
#define RIB_AS_NO_EXPORT     0x0020
#define RIB_AS_NO_ADVERTISE  0x0040
#define RIB_AS_NO_EXPORT_SUB 0x0080
#define RIB_AS_NEXT_HOP	     0x0100 /* a next hop is known */
#define RIB_AS_KEY	     (RIB_AS_AS4 | RIB_AS_MP)

/*
 * An interned attribute set: the canonical bytes plus, for routes with
 * an MP_REACH next hop (which the canonical form leaves out), that next
 * hop right after them, unaligned (rib_aset_nexthop copies it out).  An
 * IPv4 NEXT_HOP is cached in nh4.  Only MP sets pay for the 40 octets of
 * a struct bgp_mp_nexthop: at 10k sets, interned as received and as
 * sent, that is 0.8 MB.  The decision process reads the cached fields
 * and never decodes.
 */
struct rib_aset {
	struct rib_aset *next; /* hash chain */
	uint32_t hash;
	uint32_t refcnt;
	uint32_t local_pref;
	uint32_t med;
	uint32_t originator_id;
	uint32_t neighbor_as;  /* leftmost AS, 0 if none */
	struct in_addr nh4;    /* NEXT_HOP, without RIB_AS_MP */
	uint16_t aspath_count; /* RFC 4271 9.1.2.2 (a) */
	uint16_t cluster_count;
	uint16_t flags; /* RIB_AS_* */
	uint8_t origin;
	uint16_t len;
	uint8_t data[]; /* len octets, then the MP next hop */
};

/* The next hop of s: the MP one, or the IPv4 NEXT_HOP (family 0 when
 * there is none). */
static inline void
rib_aset_nexthop(const struct rib_aset *s, struct bgp_mp_nexthop *nh)
{
	if (s->flags & RIB_AS_MP) {
		memcpy(nh, s->data + s->len, sizeof(*nh));
		return;
	}
	memset(nh, 0, sizeof(*nh));
	if (s->flags & RIB_AS_NEXT_HOP) {
		nh->global.family = AF_INET;
		nh->global.v4 = s->nh4;
	}
}

static inline struct addr
rib_aset_gateway(const struct rib_aset *s)
{
	struct bgp_mp_nexthop nh;

	rib_aset_nexthop(s, &nh);
	return nh.global;
}

/* struct rib_path flags. */
#define RIB_PF_REJECTED 0x01 /* by import policy */
#define RIB_PF_BEST	0x02
#define RIB_PF_MULTI	0x04 /* in the ECMP set (best included) */
#define RIB_PF_LOCAL	0x08 /* originated from a pool */
#define RIB_PF_STALE	0x10 /* rib_configure mark and sweep */
#define RIB_PF_GR_STALE 0x20 /* graceful restart: kept from a lost session */

#define RIB_PEER_LOCAL 0 /* peer index of originated paths */

/*
 * One path: what one peer (or a pool) says about one prefix.  in is the
 * set as received, aset the set after import policy (NULL if rejected).
 * The paths of a prefix form a list with the best and the rest of the
 * ECMP set first.
 */
struct rib_path {
	struct rib_path *next;
	struct rib_aset *in;
	struct rib_aset *aset;
	uint16_t peer; /* index, RIB_PEER_LOCAL */
	uint8_t flags; /* RIB_PF_* */
	uint8_t kind;  /* pool kind, local paths */
};

/* struct rib_prefix flags. */
#define RIB_PFX_USED 0x01
#define RIB_PFX_FIB  0x02 /* reported to best_changed */

struct rib_prefix {
	struct rib_path *paths;
	uint32_t id;
	uint16_t refs; /* peers holding it in Adj-RIB-Out/queue */
	uint8_t flags;
	uint8_t nmulti; /* size of the ECMP set */
	struct prefix pfx;
};

/* A fixed-size object allocator: chunks carved into a free list. */
struct rib_slab {
	size_t size;
	void *free;
	void **chunks;
	size_t nchunks;
	struct objcount *count;
};

/* Export cache: (source set, source peer, family) -> outgoing set. */
struct rib_xcache {
	struct rib_aset *src;
	struct rib_aset *out; /* NULL: not exported */
	uint16_t peer;
	uint8_t family;
	uint8_t valid;
};

/* The prefixes of a round that go out with one set (NULL: withdrawn). */
struct rib_group {
	struct rib_aset *set; /* NULL: withdrawals */
	uint8_t family;
	uint32_t count;
	uint32_t pos; /* first item in rib_round.ids */
};

/*
 * A round of output (bgp_out.c): up to RIB_OUT_ROUND prefixes taken off
 * the queue at once, grouped by outgoing set and packed over as many
 * rib_peer_output calls as the session's budget needs.  Each item holds
 * the queue's reference on its prefix and one reference on its group's
 * set until it is committed to the Adj-RIB-Out.
 */
struct rib_round {
	uint32_t *ids; /* prefix ids, group after group */
	struct rib_group *groups;
	size_t ngroups; /* 0: no round */
	size_t cur;	/* group being packed */
	uint32_t item;	/* its next item, index into ids */
};

/* Per-peer output state. */
struct rib_peer_out {
	struct rib_aset **adj; /* by prefix id; NULL: none */
	uint64_t *pending;     /* bitmap by prefix id */
	uint64_t *resend;      /* bitmap: send even if same */
	size_t cap;	       /* ids covered by the above */
	uint32_t *queue;
	size_t qhead, qlen, qcap;
	/* Runs of equal best-path sets among the prefixes queued since the
	 * last round began: how well the input came packed. */
	size_t qruns;
	const struct rib_aset *run_src;
	struct rib_round round;
	struct rib_xcache *xc;
	size_t xc_size; /* power of two */
	uint8_t eor;	/* families still owed EoR */
	uint8_t borr;	/* RFC 7313 BoRR owed */
	uint8_t eorr;	/* RFC 7313 EoRR owed */
	uint64_t advertised;
};

struct rib_peer {
	struct rib *rib;
	const struct bgp_neighbor *nb;
	void *owner;
	uint16_t idx;
	bool up;
	struct rib_peer_info info;
	uint64_t received;
	uint64_t accepted;
	uint64_t stale; /* paths with RIB_PF_GR_STALE */
	bool max_hit;
	/* The egress pools are not advertised to it (rib_peer_hold_egress). */
	bool egress_held;
	struct rib_peer_out out;
};

struct rib {
	const struct bgp_conf *conf;
	struct rib_hooks hooks;
	void *ctx;
	/* Prefixes: chunked array by id, open-addressing hash of ids. */
	struct rib_prefix **chunks;
	size_t nchunks;
	uint32_t next_id; /* ids handed out so far */
	uint32_t *free_ids;
	size_t nfree, free_cap;
	uint32_t *hash;	  /* id + 1; 0: empty */
	size_t hash_size; /* slots (grows by half) */
	size_t nprefixes; /* entries in the hash */
	size_t nrouted;	  /* prefixes with paths */
	bool dying;	  /* inside rib_free */
	struct rib_slab path_slab;
	/* Interned attribute sets. */
	struct rib_aset **aset_hash;
	size_t aset_size;
	size_t naset;
	/* Peers by index; 0 is reserved for originated paths. */
	struct rib_peer **peers;
	size_t npeers;
	/* Scratch. */
	struct wbuf enc;      /* rib_aset_from_attrs */
	struct wbuf scratch;  /* input normalization */
	struct wbuf pscratch; /* policy edits */
	/* Building a round (shared: one peer at a time). */
	uint32_t *b_grp;
	size_t b_cap;
	struct rib_group *groups;
	size_t groups_cap;
	uint32_t *gmap; /* group index + 1 */
	size_t gmap_size;
	struct rib_path **cand;
	size_t cand_cap;
};

#define RIB_CHUNK_SHIFT 12
#define RIB_CHUNK_SIZE	(1u << RIB_CHUNK_SHIFT)

static inline struct rib_prefix *
rib_prefix_by_id(const struct rib *rib, uint32_t id)
{
	return &rib->chunks[id >> RIB_CHUNK_SHIFT][id & (RIB_CHUNK_SIZE - 1)];
}

static inline struct rib_peer *
rib_path_peer(const struct rib *rib, const struct rib_path *p)
{
	return rib->peers[p->peer];
}

static inline bool
rib_bit_test(const uint64_t *bm, uint32_t i)
{
	return (bm[i >> 6] >> (i & 63)) & 1;
}

static inline void
rib_bit_set(uint64_t *bm, uint32_t i)
{
	bm[i >> 6] |= UINT64_C(1) << (i & 63);
}

static inline void
rib_bit_clear(uint64_t *bm, uint32_t i)
{
	bm[i >> 6] &= ~(UINT64_C(1) << (i & 63));
}

/* bgp_rib.c */
struct rib_aset *rib_aset_intern(struct rib *, const uint8_t *, size_t,
    uint16_t keyflags, const struct bgp_mp_nexthop *);
struct rib_aset *rib_aset_ref(struct rib_aset *);
void rib_aset_unref(struct rib *, struct rib_aset *);
/* Encode a (modified) decoded set and intern it; NULL if it cannot be. */
struct rib_aset *rib_aset_from_attrs(struct rib *, const struct bgp_attrs *,
    bool as4, const struct bgp_mp_nexthop *);
int rib_aset_decode(const struct rib_aset *, struct bgp_attrs *);
void rib_prefix_maybe_free(struct rib *, struct rib_prefix *);
void rib_prefix_changed(
    struct rib *, struct rib_prefix *, bool export, bool fib);
bool rib_peer_is_ibgp(const struct rib_peer *);
uint32_t rib_router_id(const struct rib *);
uint32_t rib_cluster_id(const struct rib *);

/* bgp_decide.c */
#define RIB_DEC_BEST  0x1 /* the best path is another one */
#define RIB_DEC_MULTI 0x2 /* the ECMP set changed */
int rib_decide(struct rib *, struct rib_prefix *);
int rib_decide_nexthops(const struct rib *, const struct rib_prefix *,
    struct rib_nexthop *, size_t);

/* bgp_policy.c */
bool rib_policy_import_prefix(const struct rib_peer *, const struct prefix *);
/* The set after import policy (a new reference), NULL: rejected whole
 * (RFC 8212, loop detection). */
struct rib_aset *rib_policy_import_attrs(
    struct rib_peer *, struct rib_aset *in);
struct rib_aset *rib_policy_export(
    struct rib_peer *, const struct rib_prefix *, const struct rib_path *);
struct rib_aset *rib_policy_pool_aset(struct rib *, const struct bgp_pool *);
void rib_policy_xcache_flush(struct rib *, struct rib_peer *);

/* bgp_out.c */
void rib_out_queue(struct rib_peer *, struct rib_prefix *);
void rib_out_queue_all(struct rib_peer *, uint8_t family, bool resend);
void rib_out_clear(struct rib_peer *);
void rib_out_free(struct rib_peer *);

#endif
