// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Egress gateway datapath: tc programs on the egress interfaces.
 *
 * egr_out (tc egress) first looks the packet up as a connection it
 * already translates (egr_ct, one hash lookup, then an in-place rewrite:
 * the established path has no loop and no other lookup).  Otherwise it
 * classifies (source, destination) through the policy tries; a match
 * whose gateway is another host is steered unmodified into the overlay
 * (tunnel key, inner MAC, mark, redirect to the vxlan device), a match
 * served here opens a connection: a translated port is reserved in
 * egr_rev, the connection stored in egr_ct, and the packet SNATed to the
 * policy's egress IP.  egr_in (tc ingress) reverse-translates what
 * egr_rev knows, and nothing else: an unsolicited packet to the egress IP
 * is left to the stack.  egr_ovl_out (tcx egress of the overlay's vxlan
 * device, on a node, ahead of ovl_egress) gives what the node's routing
 * sends into the overlay itself the same classification, gateway choice
 * and addressing as egr_out's steering, without the redirect.  ICMP
 * errors are matched by the header they quote (RFC 5508 section 4.2 for
 * ICMP, RFC 5382/4787 for what they protect) and translated both
 * outside and inside; later fragments take the
 * translation of their first fragment from egr_frag.  Why the NAT table
 * is two hashes and never LRU, how ports are allocated and what survives
 * a restart: docs/design.md, "Egress datapath".
 *
 * Entry point -> inline decision function, as in overlay.bpf.c, so that
 * tests/bpf/egress_test.bpf.c can wrap the same code.  Rewrites write
 * the packet directly where it is linear (bpf_skb_store_bytes()
 * otherwise); transport checksums go through bpf_l4_csum_replace(),
 * which keeps skb->csum right for CHECKSUM_COMPLETE and the
 * pseudo-header right for CHECKSUM_PARTIAL (GSO, offloaded transmit)
 * packets; the IPv4 header checksum, which neither concerns, is fixed
 * inline (egr_pkt.h).
 */
#include <linux/bpf.h>
#include <linux/errno.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "egress.h"
#include "egr_csum.h"
#include "egr_pkt.h"
#include "egr_ct.h"
#include "egr_nat.h"
#include "egr_rst.h"

/* Probes for a free translated port before EGR_DROP_PORTS. */
#define EGR_PORT_PROBES 32
#define EGR_TUNNEL_TTL	64

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, EGR_SRC_MAX_ENTRIES);
	__type(key, struct egr_src4_key);
	__type(value, struct egr_src_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} egr_src4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, EGR_SRC_MAX_ENTRIES);
	__type(key, struct egr_src6_key);
	__type(value, struct egr_src_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} egr_src6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, EGR_DST_MAX_ENTRIES);
	__type(key, struct egr_dst4_key);
	__type(value, struct egr_dst_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} egr_dst4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, EGR_DST_MAX_ENTRIES);
	__type(key, struct egr_dst6_key);
	__type(value, struct egr_dst_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} egr_dst6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, EGR_POLICY_MAX);
	__type(key, __u32);
	__type(value, struct egr_policy);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} egr_policy SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct egr_config);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} egr_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EGR_CT_MAX_ENTRIES);
	__type(key, struct egr_tuple);
	__type(value, struct egr_ct_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} egr_ct SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EGR_CT_MAX_ENTRIES);
	__type(key, struct egr_tuple);
	__type(value, struct egr_rev_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} egr_rev SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, EGR_PIN_MAX_ENTRIES);
	__type(key, struct egr_pin_key);
	__type(value, struct egr_pin_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} egr_pin SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, EGR_FRAG_MAX_ENTRIES);
	__type(key, struct egr_frag_key);
	__type(value, struct egr_frag_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} egr_frag SEC(".maps");

/* Scratch for egr_out_reset(); not pinned, nothing in it outlives a call. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct egr_rst_buf);
} egr_scratch SEC(".maps");

/* Pinned: records not yet read survive a restart of ferryd. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, EGR_SYNC_RING_BYTES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} egr_sync SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct egr_sync_ctl);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} egr_sync_ctl SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EGR_STAT_MAX);
	__type(key, __u32);
	__type(value, struct egr_stat_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} egr_stats SEC(".maps");

static __always_inline void
egr_count(struct __sk_buff *skb, __u32 what)
{
	struct egr_stat_val *st = bpf_map_lookup_elem(&egr_stats, &what);

	if (st) {
		st->packets++;
		st->bytes += skb->len;
	}
}

static __always_inline int
egr_drop(struct __sk_buff *skb, __u32 reason)
{
	egr_count(skb, reason);
	return TC_ACT_SHOT;
}

static __always_inline int
egr_pass(struct __sk_buff *skb)
{
	egr_count(skb, EGR_STAT_PASS);
	/*
	 * Not ours: TC_ACT_UNSPEC (TCX_NEXT), so that the next program on
	 * the hook (ovl_underlay_rx on a shared underlay device) still runs;
	 * TC_ACT_OK would end the tcx chain here (agent/bpf_hook.h).
	 */
	return TC_ACT_UNSPEC;
}

/* --- connections -------------------------------------------------------- */

/*
 * A record of the synchronised connection orig -> ct in the ring, or NULL
 * (counted) when the ring is full; the caller submits it.  Written in
 * place: no stack, which egr_out has none of to spare.
 */
static __always_inline struct egr_sync_rec *
egr_sync_rec(struct __sk_buff *skb, const struct egr_tuple *orig,
    const struct egr_ct_val *ct, __u8 kind)
{
	struct egr_sync_rec *r;

	r = bpf_ringbuf_reserve(&egr_sync, sizeof(*r), 0);
	if (!r) {
		egr_count(skb, EGR_STAT_SYNC_LOST);
		return NULL;
	}
	__builtin_memcpy(&r->orig, orig, sizeof(r->orig));
	__builtin_memcpy(&r->rev, &ct->rev, sizeof(r->rev));
	r->policy = ct->policy;
	r->kind = kind;
	r->state = ct->state;
	r->flags = ct->flags;
	r->pad = 0;
	r->ifindex = 0;
	r->pkt_len = 0;
	r->stamp = 0;
	return r;
}

/* Report a change of the synchronised connection orig -> ct. */
static __always_inline void
egr_sync_emit(struct __sk_buff *skb, const struct egr_tuple *orig,
    const struct egr_ct_val *ct, __u8 kind)
{
	struct egr_sync_rec *r = egr_sync_rec(skb, orig, ct, kind);

	if (r)
		bpf_ringbuf_submit(r, 0);
}

/*
 * The first packet of the new synchronised connection orig -> ct, already
 * translated: into its OPEN record and held (dropped here, sent by ferryd
 * once the peers have the record) while ferryd is alive, else let go.
 */
static __always_inline int
egr_sync_open(struct __sk_buff *skb, const struct egr_tuple *orig,
    const struct egr_ct_val *ct)
{
	struct egr_sync_ctl *c;
	struct egr_sync_rec *r;
	__u64 now = bpf_ktime_get_ns();
	__u32 zero = 0, len = skb->len, held = 0;

	r = egr_sync_rec(skb, orig, ct, EGR_SYNC_OPEN);
	if (!r)
		return TC_ACT_OK;
	r->ifindex = skb->ifindex;
	r->stamp = now;
	c = bpf_map_lookup_elem(&egr_sync_ctl, &zero);
	if (c && now < c->alive_until && len >= ETH_HLEN &&
	    len <= EGR_SYNC_PKT_MAX &&
	    bpf_skb_load_bytes(skb, 0, r->pkt, len) == 0) {
		r->pkt_len = len;
		held = 1;
	}
	bpf_ringbuf_submit(r, 0);
	if (!held)
		return TC_ACT_OK;
	egr_count(skb, EGR_STAT_SYNC_HELD);
	return TC_ACT_SHOT;
}

static __always_inline void
egr_frag_remember(const struct egr_pkt *p, int dir, const __be32 *addr)
{
	struct egr_frag_key k = {};
	struct egr_frag_val v;

	__builtin_memcpy(k.saddr, p->t.saddr, sizeof(k.saddr));
	__builtin_memcpy(k.daddr, p->t.daddr, sizeof(k.daddr));
	k.id = p->frag_id;
	k.proto = p->t.proto;
	k.dir = dir;
	__builtin_memcpy(v.addr, addr, sizeof(v.addr));
	bpf_map_update_elem(&egr_frag, &k, &v, BPF_ANY);
}

/*
 * A later fragment: translate its address as its first fragment's was.
 * Returns 1 if done, 0 if the datagram is unknown, -1 on helper failure.
 */
static __always_inline int
egr_frag_xlat(struct __sk_buff *skb, const struct egr_pkt *p, int dir)
{
	struct egr_frag_key k = {};
	struct egr_frag_val *v;
	__be32 addr[4];

	__builtin_memcpy(k.saddr, p->t.saddr, sizeof(k.saddr));
	__builtin_memcpy(k.daddr, p->t.daddr, sizeof(k.daddr));
	k.id = p->frag_id;
	k.proto = p->t.proto;
	k.dir = dir;
	v = bpf_map_lookup_elem(&egr_frag, &k);
	if (!v)
		return 0;
	__builtin_memcpy(addr, v->addr, sizeof(addr));
	if (egr_rewrite(skb, p, dir == EGR_DIR_IN, addr, 0))
		return -1;
	return 1;
}

/*
 * Open a connection for p of policy pol, translated to the egress address
 * egress.  The reply tuple is reserved in egr_rev with BPF_NOEXIST, first
 * with the original port (RFC 4787 section 4.2.1: port preservation),
 * then with pseudo-random ports from the configured range, or from this
 * gateway's slice of it where gateways share the egress IP (pol's
 * port_lo..port_hi: the original port only if it is inside, so that two
 * gateways never hand out the same tuple); uniqueness is per
 * (egress IP, remote address, remote port, protocol), so the limit is per
 * destination (RFC 4787 REQ-1, endpoint-independent mapping is not what
 * we give: see docs/design.md).  Then the egr_ct entry; if another CPU
 * created the same connection in between, ours is undone and theirs
 * used, so a flow has one translation.  Returns the connection to
 * translate p with: cv itself, filled in as stored in egr_ct (the packet
 * that opened a connection moves it to no other state, so the copy needs
 * no second lookup of the entry just inserted), or the other CPU's
 * entry; or NULL with the drop reason in *reason.
 */
static __always_inline struct egr_ct_val *
egr_ct_open(struct __sk_buff *skb, const struct egr_pkt *p,
    const struct egr_config *cfg, const struct egr_policy *pol, __u32 policy,
    const __be32 *egress, struct egr_ct_val *cv, __u32 *reason)
{
	struct egr_rev_val rv = {};
	struct egr_ct_val *ct;
	__u32 i, n, lo, hi, cand, keep;
	__u64 now = bpf_ktime_get_coarse_ns();
	long err = 0;

	lo = pol->port_lo;
	hi = pol->port_hi;
	/* Outside a slice nothing is kept; with none (hi 0), anything. */
	keep = (p->t.sport != 0 || p->kind == EGR_PKT_ECHO_REQ) &&
	    (hi == 0 ||
		(__u32)(bpf_ntohs(p->t.sport) - lo) <= (__u32)(hi - lo));
	if (hi == 0) {
		lo = cfg ? cfg->port_min : 0;
		hi = cfg ? cfg->port_max : 0;
	}
	if (lo == 0 && hi == 0) {
		lo = EGR_PORT_MIN_DEFAULT;
		hi = EGR_PORT_MAX_DEFAULT;
	}
	if (lo == 0)
		lo = 1;
	if (hi < lo)
		hi = lo;
	n = hi - lo + 1;

	__builtin_memset(cv, 0, sizeof(*cv));
	__builtin_memcpy(cv->rev.saddr, p->t.daddr, sizeof(cv->rev.saddr));
	__builtin_memcpy(cv->rev.daddr, egress, sizeof(cv->rev.daddr));
	cv->rev.sport = p->t.dport;
	cv->rev.proto = p->t.proto;
	rv.orig = p->t;
	rv.seen = now;
	for (i = 0; i < EGR_PORT_PROBES; i++) {
		if (i == 0 && keep)
			cand = bpf_ntohs(p->t.sport);
		else
			cand = lo + bpf_get_prandom_u32() % n;
		cv->rev.dport = bpf_htons((__u16)cand);
		err = bpf_map_update_elem(&egr_rev, &cv->rev, &rv, BPF_NOEXIST);
		if (err != -EEXIST)
			break;
	}
	if (err == -EEXIST) {
		*reason = EGR_DROP_PORTS;
		return NULL;
	}
	if (err) {
		*reason = EGR_DROP_TABLE_FULL;
		return NULL;
	}
	cv->created = now;
	cv->seen = now;
	cv->policy = policy;
	if (p->t.proto == IPPROTO_TCP)
		cv->state = egr_ct_tcp_new(p->tcp_flags);
	if (pol->flags & EGR_POL_SYNC)
		cv->flags = EGR_CT_F_SYNC;
	err = bpf_map_update_elem(&egr_ct, &p->t, cv, BPF_NOEXIST);
	if (err) {
		bpf_map_delete_elem(&egr_rev, &cv->rev);
		if (err == -EEXIST) {
			ct = bpf_map_lookup_elem(&egr_ct, &p->t);
			if (ct) {
				egr_count(skb, EGR_STAT_RACE);
				return ct;
			}
		}
		*reason = EGR_DROP_TABLE_FULL;
		return NULL;
	}
	egr_count(skb, EGR_STAT_NEW_FLOW);
	return cv;
}

/* SNAT a packet of the connection ct (direction out). */
static __always_inline int
egr_out_xlat(
    struct __sk_buff *skb, const struct egr_pkt *p, struct egr_ct_val *ct)
{
	__be32 addr[4];
	__be16 port;

	__builtin_memcpy(addr, ct->rev.daddr, sizeof(addr));
	port = ct->rev.dport;
	ct->seen = bpf_ktime_get_coarse_ns();
	if (p->t.proto == IPPROTO_TCP && egr_ct_tcp_interesting(p->tcp_flags))
		ct->state =
		    egr_ct_tcp_next(ct->state, p->tcp_flags, EGR_DIR_OUT);
	if (egr_rewrite(skb, p, 0, addr, port))
		return egr_drop(skb, EGR_DROP_MALFORMED);
	if (p->first)
		egr_frag_remember(p, EGR_DIR_OUT, addr);
	egr_count(skb, EGR_STAT_SNAT);
	return TC_ACT_OK;
}

/* The policy for p's (source, destination), or NULL: leave it alone. */
static __always_inline const struct egr_policy *
egr_classify(const struct egr_pkt *p, __u32 *id)
{
	const struct egr_policy *pol;
	struct egr_src_val *sv;
	struct egr_dst_val *dv;

	if (p->v6) {
		struct egr_src6_key sk = { .prefixlen = 128 };
		struct egr_dst6_key dk = { .prefixlen = EGR_CLASS_BITS + 128 };

		__builtin_memcpy(sk.addr, p->t.saddr, sizeof(sk.addr));
		sv = bpf_map_lookup_elem(&egr_src6, &sk);
		if (!sv)
			return NULL;
		dk.class = bpf_htonl(sv->class);
		__builtin_memcpy(dk.daddr, p->t.daddr, sizeof(dk.daddr));
		dv = bpf_map_lookup_elem(&egr_dst6, &dk);
	} else {
		struct egr_src4_key sk = { .prefixlen = 32 };
		struct egr_dst4_key dk = { .prefixlen = EGR_CLASS_BITS + 32 };

		sk.addr = p->t.saddr[3];
		sv = bpf_map_lookup_elem(&egr_src4, &sk);
		if (!sv)
			return NULL;
		dk.class = bpf_htonl(sv->class);
		dk.daddr = p->t.daddr[3];
		dv = bpf_map_lookup_elem(&egr_dst4, &dk);
	}
	if (!dv || dv->action != EGR_ACT_POLICY)
		return NULL;
	*id = dv->policy;
	pol = bpf_map_lookup_elem(&egr_policy, id);
	if (!pol || !(pol->flags & EGR_POL_ACTIVE))
		return NULL;
	return pol;
}

/*
 * The hash a flow's gateway is chosen by: of the pod's and the remote's
 * addresses only.  Not of the ports, which later fragments and the
 * pod's ICMP errors do not carry (they must go where the rest of the
 * flow went: the gateway with its NAT state); not the skb's hash, which
 * for a pod's TCP socket is the socket's random txhash, drawn again
 * after a retransmission timeout.  So the unit spread over gateways is
 * the (pod, remote) pair, as ECMP over L3 hashes does.
 */
static __always_inline __u32
egr_flow_hash(const struct egr_pkt *p)
{
	__u32 h = 0x811c9dc5u, i;

	for (i = 0; i < 4; i++) {
		h = (h ^ p->t.saddr[i]) * 0x01000193u;
		h = (h ^ p->t.daddr[i]) * 0x01000193u;
	}
	return h | 1;
}

/*
 * A gateway's weight for a flow: a 32-bit mix (murmur3's finaliser) of
 * the flow hash and the gateway's underlay endpoint.  Keyed on the
 * endpoint, not on the gateway's place in the list, so reordering the
 * configured list, or adding and removing other gateways, changes no
 * flow's weights.
 */
static __always_inline __u32
egr_gw_weight(__u32 hash, const struct egr_gw *gw)
{
	__u32 h = hash ^ gw->endpoint[3] ^ (gw->endpoint[2] * 0x9e3779b1u) ^
	    (gw->endpoint[1] * 0x85ebca77u) ^ (gw->endpoint[0] * 0xc2b2ae3du);

	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

static __always_inline int
egr_gw_is(const struct egr_gw *gw, const __be32 *ep)
{
	return gw->endpoint[0] == ep[0] && gw->endpoint[1] == ep[1] &&
	    gw->endpoint[2] == ep[2] && gw->endpoint[3] == ep[3];
}

/*
 * A pin in use: its seen time for ferryd's collector, which forgets pins
 * idle longer than any connection at the gateway can live.  Written at
 * most once a second, so that a busy pair does not dirty the entry's
 * cache line on every packet.
 */
static __always_inline void
egr_pin_touch(struct egr_pin_val *pin)
{
	__u64 now = bpf_ktime_get_coarse_ns();

	if (now - pin->seen > EGR_PIN_REFRESH_NS)
		pin->seen = now;
}

/*
 * The gateway for this flow, or NULL when none is up.  A policy served
 * here (a gateway of it is this host) is translated here, whatever the
 * hash says: its traffic arrives from the nodes that chose us.  With one
 * remote gateway, that one if up.  With several: the pair's pin, if its
 * gateway is up; else rendezvous hashing over the gateways that are up
 * (the highest weight wins, so a gateway going down moves only its own
 * pairs, and one coming up takes only new pairs it outweighs), pinned
 * (docs/design.md, "Egress high availability").
 */
static __always_inline const struct egr_gw *
egr_gw_pick(const struct egr_pkt *p, const struct egr_policy *pol, __u32 id)
{
	const struct egr_gw *gw, *best = NULL;
	__u32 i, n = pol->ngw, hash = 0, w, bestw = 0;
	struct egr_pin_key pk = {};
	struct egr_pin_val pv = {};
	struct egr_pin_val *pin;

	if (n > EGR_GW_MAX)
		n = EGR_GW_MAX;
	if (n == 1) {
		gw = &pol->gw[0];
		return gw->flags & EGR_GW_UP ? gw : NULL;
	}
	for (i = 0; i < EGR_GW_MAX; i++) {
		if (i >= n)
			break;
		if (pol->gw[i].flags & EGR_GW_LOCAL)
			return &pol->gw[i];
	}
	__builtin_memcpy(pk.saddr, p->t.saddr, sizeof(pk.saddr));
	__builtin_memcpy(pk.daddr, p->t.daddr, sizeof(pk.daddr));
	pk.policy = id;
	pin = bpf_map_lookup_elem(&egr_pin, &pk);
	if (pin)
		egr_pin_touch(
		    pin); /* if its gateway is down, re-pinned below */
	for (i = 0; i < EGR_GW_MAX; i++) {
		if (i >= n)
			break;
		gw = &pol->gw[i];
		if (!(gw->flags & EGR_GW_UP))
			continue;
		if (pin && egr_gw_is(gw, pin->endpoint))
			return gw;
		if (hash == 0)
			hash = egr_flow_hash(p);
		w = egr_gw_weight(hash, gw);
		if (!best || w > bestw) {
			best = gw;
			bestw = w;
		}
	}
	if (best) {
		__builtin_memcpy(
		    pv.endpoint, best->endpoint, sizeof(pv.endpoint));
		pv.since = bpf_ktime_get_coarse_ns();
		pv.seen = pv.since;
		bpf_map_update_elem(&egr_pin, &pk, &pv, BPF_ANY);
	}
	return best;
}

/* Counted as a drop; the caller returns TC_ACT_SHOT. */
static __always_inline int
egr_steer_fail(struct __sk_buff *skb)
{
	egr_count(skb, EGR_DROP_TUNNEL);
	return -1;
}

/*
 * Node role: address the frame, unmodified, to a remote gateway through
 * the overlay: the gateway's and our vxlan MAC, the tunnel key and the
 * EGR_MARK_STEERED bit, by which ovl_egress on the vxlan device lets it
 * pass with this key.  0, or -1 if it cannot be (dropped and counted).
 */
static __always_inline int
egr_steer_key(struct __sk_buff *skb, const struct egr_config *cfg,
    const struct egr_gw *gw)
{
	struct bpf_tunnel_key key = {};
	__u8 macs[12];
	__u64 flags;

	if (!cfg || cfg->ovl_ifindex == 0)
		return egr_steer_fail(skb);
	__builtin_memcpy(macs, gw->mac, 6);
	__builtin_memcpy(macs + 6, cfg->ovl_mac, 6);
	key.tunnel_id = gw->vni;
	key.tunnel_ttl = EGR_TUNNEL_TTL;
	if (gw->endpoint[0] == 0 && gw->endpoint[1] == 0 &&
	    gw->endpoint[2] == bpf_htonl(0xffff)) {
		/* The helper takes IPv4 addresses in host byte order. */
		key.remote_ipv4 = bpf_ntohl(gw->endpoint[3]);
		key.local_ipv4 = bpf_ntohl(cfg->local4);
		flags = BPF_F_ZERO_CSUM_TX;
	} else {
		__builtin_memcpy(
		    key.remote_ipv6, gw->endpoint, sizeof(key.remote_ipv6));
		__builtin_memcpy(
		    key.local_ipv6, cfg->local6, sizeof(key.local_ipv6));
		flags = BPF_F_TUNINFO_IPV6;
	}
	if (bpf_skb_store_bytes(skb, 0, macs, sizeof(macs), 0))
		return egr_steer_fail(skb);
	if (bpf_skb_set_tunnel_key(skb, &key, sizeof(key), flags))
		return egr_steer_fail(skb);
	skb->mark |= EGR_MARK_STEERED;
	egr_count(skb, EGR_STAT_STEERED);
	return 0;
}

/* Steer from an egress interface: addressed, then to the vxlan device. */
static __always_inline int
egr_steer(struct __sk_buff *skb, const struct egr_config *cfg,
    const struct egr_gw *gw)
{
	if (egr_steer_key(skb, cfg, gw))
		return TC_ACT_SHOT;
	return bpf_redirect(cfg->ovl_ifindex, 0);
}

/*
 * An ICMP error from a pod about a reply it received (the quote is the
 * reply: remote -> pod), whose connection's egr_ct key is key.  Returns
 * -1 if there is no such connection.
 */
static __always_inline int
egr_out_icmp_err(
    struct __sk_buff *skb, const struct egr_pkt *p, const struct egr_tuple *key)
{
	struct egr_ct_val *ct;
	__be32 addr[4];
	__be16 port;

	ct = bpf_map_lookup_elem(&egr_ct, key);
	if (!ct)
		return -1;
	__builtin_memcpy(addr, ct->rev.daddr, sizeof(addr));
	port = ct->rev.dport;
	if (egr_rewrite(skb, p, 0, addr, 0) ||
	    egr_rewrite_quoted(skb, p, 1, addr, port))
		return egr_drop(skb, EGR_DROP_MALFORMED);
	egr_count(skb, EGR_STAT_ICMP_ERROR);
	return TC_ACT_OK;
}

/*
 * A gateway of a policy with several: a TCP segment of no connection we
 * know, moved here from a gateway that died, is answered with a reset
 * from the remote (egr_rst.h), sent back into this interface's ingress,
 * from where the stack routes it to the pod like any reply (through the
 * overlay for a pod on a node).  Returns the verdict, or -1 if the
 * segment is not one to answer (untouched: the caller picks it up).
 *
 * A global function, not inlined: the verifier checks it once, on its
 * own, instead of on every path of egr_out that reaches it.
 */
__noinline int
egr_out_reset(struct __sk_buff *skb, __u32 proto, __u32 ngw)
{
	struct egr_rst_buf *w;
	__u32 zero = 0;
	int r;

	if (proto != IPPROTO_TCP || ngw < 2)
		return -1;
	w = bpf_map_lookup_elem(&egr_scratch, &zero);
	if (!w)
		return -1;
	r = egr_rst(skb, w);
	if (r == EGR_RST_NO)
		return -1;
	if (r == EGR_RST_LATER)
		return egr_drop(skb, EGR_DROP_UNSUPPORTED);
	if (r != EGR_RST_DONE)
		return egr_drop(skb, EGR_DROP_MALFORMED);
	egr_count(skb, EGR_STAT_RESET);
	return bpf_redirect(skb->ifindex, BPF_F_INGRESS);
}

/* The whole egr_out decision; runs unchanged under BPF_PROG_TEST_RUN. */
static __always_inline int
egr_out_handle(struct __sk_buff *skb)
{
	const struct egr_policy *pol;
	const struct egr_config *cfg;
	const struct egr_gw *gw;
	struct egr_ct_val *ct, cv;
	struct egr_tuple key;
	struct egr_pkt p;
	__be32 egress[4];
	__u32 zero = 0, id = 0, reason = 0;
	int r;

	r = egr_pkt_parse(skb, &p);
	if (r)
		return egr_drop(skb, r);
	switch (egr_step_out(&p, &key)) {
	case EGR_STEP_PASS:
		return egr_pass(skb);
	case EGR_STEP_CONN:
		/* The established path: one lookup, rewrite, done. */
		ct = bpf_map_lookup_elem(&egr_ct, &p.t); /* key == p.t */
		if (ct)
			return egr_out_xlat(skb, &p, ct);
		break;
	case EGR_STEP_ICMP_ERR:
		r = egr_out_icmp_err(skb, &p, &key);
		if (r >= 0)
			return r;
		break;
	case EGR_STEP_FRAG:
		r = egr_frag_xlat(skb, &p, EGR_DIR_OUT);
		if (r < 0)
			return egr_drop(skb, EGR_DROP_MALFORMED);
		if (r > 0) {
			egr_count(skb, EGR_STAT_FRAG);
			return TC_ACT_OK;
		}
		break;
	default:
		break;
	}

	pol = egr_classify(&p, &id);
	if (!pol)
		return egr_pass(skb);
	gw = egr_gw_pick(&p, pol, id);
	if (!gw)
		return egr_drop(skb, EGR_DROP_NO_GATEWAY);
	cfg = bpf_map_lookup_elem(&egr_config, &zero);
	if (!(gw->flags & EGR_GW_LOCAL))
		return egr_steer(skb, cfg, gw);

	/* Served here: a new connection, or nothing we can translate. */
	switch (p.kind) {
	case EGR_PKT_PORTS:
	case EGR_PKT_ECHO_REQ:
		break;
	case EGR_PKT_ICMP_ERR:
	case EGR_PKT_FRAG:
		/* Never let the pod's address out: no connection, no way. */
		return egr_drop(skb, EGR_DROP_NO_CONN);
	default:
		return egr_drop(skb, EGR_DROP_UNSUPPORTED);
	}
	if (p.v6) {
		__builtin_memcpy(egress, pol->egress6, sizeof(egress));
		if ((egress[0] | egress[1] | egress[2] | egress[3]) == 0)
			return egr_drop(skb, EGR_DROP_NO_ADDR);
	} else {
		if (pol->egress4 == 0)
			return egr_drop(skb, EGR_DROP_NO_ADDR);
		egress[0] = 0;
		egress[1] = 0;
		egress[2] = bpf_htonl(0xffff);
		egress[3] = pol->egress4;
	}
	/*
	 * No connection for this segment.  With one gateway, a mid-stream
	 * segment is picked up (a rebooted gateway often rebuilds the very
	 * same translation); with several it was moved here from another
	 * gateway, and a new mapping would leave the pod hanging: reset.
	 */
	r = egr_out_reset(skb, p.t.proto, pol->ngw);
	if (r >= 0)
		return r;
	ct = egr_ct_open(skb, &p, cfg, pol, id, egress, &cv, &reason);
	if (!ct)
		return egr_drop(skb, reason);
	r = egr_out_xlat(skb, &p, ct);
	if (r == TC_ACT_OK && ct == &cv && (cv.flags & EGR_CT_F_SYNC))
		return egr_sync_open(skb, &p.t, &cv);
	return r;
}

/*
 * Would egr_steer_key() address p to gw over the other family's underlay
 * while this host has a source of p's own?  A gateway accepts our pods
 * of a family only from the endpoint their routes carry, our underlay
 * address of that family (the overlay's anti-spoofing), and the tunnel
 * key's family is the gateway endpoint's: an IPv6 pod steered to an
 * IPv4 endpoint would arrive from our IPv4 source and be dropped there
 * as spoofed.  Without a source of p's family (a single-family underlay)
 * the routes carry the other one, and steering across is right.
 */
static __always_inline int
egr_steer_cross(const struct egr_pkt *p, const struct egr_config *cfg,
    const struct egr_gw *gw)
{
	int ep4 = gw->endpoint[0] == 0 && gw->endpoint[1] == 0 &&
	    gw->endpoint[2] == bpf_htonl(0xffff);
	__be32 l6 =
	    cfg->local6[0] | cfg->local6[1] | cfg->local6[2] | cfg->local6[3];

	if (p->v6)
		return ep4 && l6 != 0;
	return !ep4 && cfg->local4 != 0;
}

/*
 * egr_ovl_out, the egress decision for what the node's routing sends into
 * the overlay itself (a route to the destination via a gateway's
 * endpoint) instead of out of an egress interface: the same
 * classification, gateway choice and pins as egr_out, and the same
 * addressing, but no redirect (we are on the vxlan device's egress
 * already; a redirect to it would run this hook again) and no
 * translation: the frame goes on, tunnel key set, to ovl_egress, which
 * lets a steered frame through as it is.  Everything that is not a
 * policy's, and a policy served here (a gateway SNATs on its uplink,
 * where the route takes what it forwards), goes on untouched and
 * uncounted, to ovl_egress as if we were not there (TCX_NEXT); so does
 * a frame whose gateway's endpoint is of the other family while this
 * host has an underlay source of the frame's (egr_steer_cross): the
 * route's tunnel carries it, as it would without us.  A frame
 * egr_out steered on the uplink already carries EGR_MARK_STEERED.
 * A separate program, so that egr_out's verification does not grow.
 */
static __always_inline int
egr_ovl_out_handle(struct __sk_buff *skb)
{
	const struct egr_policy *pol;
	const struct egr_config *cfg;
	const struct egr_gw *gw;
	struct egr_pkt p;
	__u32 zero = 0, id = 0;

	if (skb->mark & EGR_MARK_STEERED)
		return TC_ACT_UNSPEC;
	if (egr_pkt_parse(skb, &p) || p.kind == EGR_PKT_NONE)
		return TC_ACT_UNSPEC;
	pol = egr_classify(&p, &id);
	if (!pol)
		return TC_ACT_UNSPEC;
	gw = egr_gw_pick(&p, pol, id);
	if (!gw)
		return egr_drop(skb, EGR_DROP_NO_GATEWAY);
	if (gw->flags & EGR_GW_LOCAL)
		return TC_ACT_UNSPEC;
	cfg = bpf_map_lookup_elem(&egr_config, &zero);
	if (cfg && egr_steer_cross(&p, cfg, gw))
		return TC_ACT_UNSPEC;
	if (egr_steer_key(skb, cfg, gw))
		return TC_ACT_SHOT;
	return TC_ACT_UNSPEC;
}

/*
 * An ICMP error from outside about a packet we translated (the quote is
 * ours: egress IP -> remote), whose connection's egr_rev key is key.
 * Returns -1 if there is no such connection.
 */
static __always_inline int
egr_in_icmp_err(
    struct __sk_buff *skb, const struct egr_pkt *p, const struct egr_tuple *key)
{
	struct egr_rev_val *rev;
	__be32 addr[4];
	__be16 port;

	rev = bpf_map_lookup_elem(&egr_rev, key);
	if (!rev)
		return -1;
	__builtin_memcpy(addr, rev->orig.saddr, sizeof(addr));
	port = rev->orig.sport;
	if (egr_rewrite(skb, p, 1, addr, 0) ||
	    egr_rewrite_quoted(skb, p, 0, addr, port))
		return egr_drop(skb, EGR_DROP_MALFORMED);
	egr_count(skb, EGR_STAT_ICMP_ERROR);
	return TC_ACT_OK;
}

/* Reverse-SNAT a reply of the connection rev. */
static __always_inline int
egr_in_xlat(
    struct __sk_buff *skb, const struct egr_pkt *p, struct egr_rev_val *rev)
{
	struct egr_ct_val *ct;
	struct egr_tuple orig;
	__be16 port;
	__u8 state;

	__builtin_memcpy(&orig, &rev->orig, sizeof(orig));
	port = orig.sport;
	rev->seen = bpf_ktime_get_coarse_ns();
	/* Only the first reply and TCP control packets touch egr_ct. */
	if (!rev->replied ||
	    (p->t.proto == IPPROTO_TCP &&
		egr_ct_tcp_interesting(p->tcp_flags))) {
		ct = bpf_map_lookup_elem(&egr_ct, &orig);
		if (ct) {
			ct->flags |= EGR_CT_F_REPLY;
			state = ct->state;
			if (p->t.proto == IPPROTO_TCP)
				ct->state = egr_ct_tcp_next(
				    state, p->tcp_flags, EGR_DIR_IN);
			if ((ct->flags & EGR_CT_F_SYNC) && ct->state != state)
				egr_sync_emit(skb, &orig, ct, EGR_SYNC_STATE);
		}
		rev->replied = 1;
	}
	if (egr_rewrite(skb, p, 1, orig.saddr, port))
		return egr_drop(skb, EGR_DROP_MALFORMED);
	if (p->first)
		egr_frag_remember(p, EGR_DIR_IN, orig.saddr);
	egr_count(skb, EGR_STAT_RSNAT);
	return TC_ACT_OK;
}

/* The whole egr_in decision. */
static __always_inline int
egr_in_handle(struct __sk_buff *skb)
{
	struct egr_rev_val *rev;
	struct egr_tuple key;
	struct egr_pkt p;
	int r;

	r = egr_pkt_parse(skb, &p);
	if (r)
		return egr_drop(skb, r);
	switch (egr_step_in(&p, &key)) {
	case EGR_STEP_CONN:
		rev = bpf_map_lookup_elem(&egr_rev, &p.t); /* key == p.t */
		if (rev)
			return egr_in_xlat(skb, &p, rev);
		break;
	case EGR_STEP_ICMP_ERR:
		r = egr_in_icmp_err(skb, &p, &key);
		if (r >= 0)
			return r;
		break;
	case EGR_STEP_FRAG:
		r = egr_frag_xlat(skb, &p, EGR_DIR_IN);
		if (r < 0)
			return egr_drop(skb, EGR_DROP_MALFORMED);
		if (r > 0) {
			egr_count(skb, EGR_STAT_FRAG);
			return TC_ACT_OK;
		}
		break;
	default:
		break;
	}
	/* Unsolicited, or not ours: the stack's, untranslated. */
	return egr_pass(skb);
}

SEC("tc")
int
egr_out(struct __sk_buff *skb)
{
	return egr_out_handle(skb);
}

SEC("tc")
int
egr_in(struct __sk_buff *skb)
{
	return egr_in_handle(skb);
}

SEC("tc")
int
egr_ovl_out(struct __sk_buff *skb)
{
	return egr_ovl_out_handle(skb);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
