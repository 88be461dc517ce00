// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Overlay datapath: tc programs on ferry's one vxlan device, which runs in
 * external (collect_md) mode and so takes its encapsulation from the skb's
 * tunnel metadata.
 *
 * ovl_egress (tc egress) looks the inner destination up in ovl_tun4/6,
 * writes the entry's inner destination MAC and sets the tunnel key
 * (remote, VNI, our local underlay address).  ovl_ingress (tc ingress)
 * reads the tunnel key the device attached on receive and accepts the
 * frame only if its inner source is inside a prefix registered for that
 * (VNI, remote); one LPM lookup in ovl_src4/6 decides.  Everything else is
 * dropped and counted in ovl_stats by reason.  Both longest-prefix
 * lookups go to the exact-match hashes instead of the tries when
 * ovl_plens lists the prefix lengths in use: one hash lookup per length,
 * longest first.  Struct layouts and the map contract are in overlay.h.
 *
 * ovl_underlay_rx (tcx ingress of the underlay device holding the local
 * address) is the receive fast path: a VXLAN packet to us that it can
 * handle exactly as the kernel would is checked as ovl_ingress checks it
 * (peer = outer source and VNI), decapsulated in place and redirected to
 * the vxlan device's ingress with a cookie that ovl_ingress accepts in
 * place of tunnel metadata.  Everything else is left to the vxlan driver.
 * Why, and why the cookie cannot be forged from the wire: docs/design.md.
 *
 * The programs are split into entry point -> tunnel key -> inline decision
 * function, so that tests (tests/bpf/overlay_test.bpf.c includes this
 * file) can run the same decision functions under BPF_PROG_TEST_RUN, which
 * cannot attach tunnel metadata to a packet.
 *
 * ARP and ND.  The overlay is routed: user space sets IFF_NOARP on the
 * device (neighbours then resolve to the device's own MAC and ovl_egress
 * writes the real one from the tunnel entry), so the gateway itself needs
 * no ARP.  Hosts behind a VTEP switch and VMs with a plain kernel vxlan
 * device do, for each other and for what the gateway routes: both ingress
 * paths answer an ARP request or a Neighbor Solicitation for an address
 * routed elsewhere themselves (ovl_proxy; what is answered and why is in
 * docs/design.md), with the device's MAC, back through the tunnel the
 * question came by.  Other ARP passes on ingress only if its sender
 * protocol address is inside the peer's prefixes, like IP, so a peer
 * cannot claim addresses that are not its own.  On egress ARP is tunnelled
 * by its target protocol address with the Ethernet header left alone: a
 * reply already goes to the asker's MAC, a broadcast request reaches the
 * one VTEP owning the target.  Other ARP (other hardware or protocol
 * types, RARP, InARP) is dropped as UNSUPPORTED.  Other ND gets no special
 * case: from a link-local source it is dropped as SPOOF unless fe80::/10
 * is registered for the peer, and solicited-node multicast has no route.
 *
 * Outer UDP checksum: zero over IPv4, as a kernel vxlan device does by
 * default and RFC 7348 section 5 recommends ("UDP Checksum: It SHOULD be
 * transmitted as zero"); computed over IPv6, where a zero checksum is only
 * allowed under the constraints of RFC 6935/6936 and the kernel's receive
 * side rejects it by default.
 */
#include <linux/bpf.h>
#include <linux/errno.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/pkt_cls.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "overlay.h"
#include "ovl_nd.h"
#include "ovl_pkt.h"
#include "egress.h"

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, OVL_TUN_MAX_ENTRIES);
	__type(key, struct ovl_tun4_key);
	__type(value, struct ovl_tun_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ovl_tun4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, OVL_TUN_MAX_ENTRIES);
	__type(key, struct ovl_tun6_key);
	__type(value, struct ovl_tun_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ovl_tun6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, OVL_TUN_MAX_ENTRIES);
	__type(key, struct ovl_src4_key);
	__type(value, struct ovl_src_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ovl_src4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, OVL_TUN_MAX_ENTRIES);
	__type(key, struct ovl_src6_key);
	__type(value, struct ovl_src_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ovl_src6 SEC(".maps");

/* Exact-match fronts of the tries; the contract is in overlay.h. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, OVL_TUN_MAX_ENTRIES);
	__type(key, struct ovl_tun4_key);
	__type(value, struct ovl_tun_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ovl_tun4_exact SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, OVL_TUN_MAX_ENTRIES);
	__type(key, struct ovl_tun6_key);
	__type(value, struct ovl_tun_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ovl_tun6_exact SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, OVL_TUN_MAX_ENTRIES);
	__type(key, struct ovl_src4_key);
	__type(value, struct ovl_src_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ovl_src4_exact SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, OVL_TUN_MAX_ENTRIES);
	__type(key, struct ovl_src6_key);
	__type(value, struct ovl_src_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ovl_src6_exact SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ovl_plens);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ovl_plens SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, OVL_CNT_MAX_ENTRIES);
	__type(key, __u32);
	__type(value, struct ovl_cnt);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ovl_cnt SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, OVL_STATS_ENTRIES);
	__type(key, __u32);
	__type(value, struct ovl_stat);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ovl_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ovl_config);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ovl_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ovl_urx_config);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ovl_urx SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, OVL_URX_MAX);
	__type(key, __u32);
	__type(value, struct ovl_stat);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ovl_urx_stats SEC(".maps");

static __always_inline void
ovl_count(struct __sk_buff *skb, enum ovl_dir dir, int reason)
{
	__u32 key = OVL_STATS_KEY(dir, reason);
	struct ovl_stat *st;

	st = bpf_map_lookup_elem(&ovl_stats, &key);
	if (st) {
		st->packets++;
		st->bytes += skb->len;
	}
}

static __always_inline int
ovl_drop(struct __sk_buff *skb, enum ovl_dir dir, int reason)
{
	ovl_count(skb, dir, reason);
	return TC_ACT_SHOT;
}

static __always_inline const struct ovl_plens *
ovl_plens_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&ovl_plens, &zero);
}

/*
 * How many prefix lengths to probe for a family, longest first from
 * *lens; 0: look the trie up instead.
 */
static __always_inline __u32
ovl_plens_of(const struct ovl_plens *pl, int v6, const __u8 **lens)
{
	__u32 n;

	if (!pl)
		return 0;
	n = v6 ? pl->n6 : pl->n4;
	*lens = v6 ? pl->len6 : pl->len4;
	return n <= OVL_EXACT_LENS ? n : 0;
}

/* a masked to its first len bits. */
static __always_inline __be32
ovl_mask4(__be32 a, __u32 len)
{
	if (len == 0)
		return 0;
	if (len >= 32)
		return a;
	return a & bpf_htonl(0xffffffffU << (32 - len));
}

/* dst = src masked to its first len bits. */
static __always_inline void
ovl_mask6(__be32 *dst, const __be32 *src, __u32 len)
{
	int i;

#pragma unroll
	for (i = 0; i < 4; i++) {
		__u32 w = (__u32)i * 32;

		dst[i] = len > w ? ovl_mask4(src[i], len - w) : 0;
	}
}

/* The tunnel for pkt's destination: longest prefix match. */
static __always_inline struct ovl_tun_val *
ovl_tun_lookup(const struct ovl_pkt *pkt, const struct ovl_plens *pl)
{
	int v6 = pkt->proto == ETH_P_IPV6;
	struct ovl_tun_val *tun;
	struct ovl_tun6_key k6;
	struct ovl_tun4_key k4;
	const __u8 *lens = 0;
	__u32 i, n;

	n = ovl_plens_of(pl, v6, &lens);
	if (n == 0) {
		if (v6) {
			k6.prefixlen = 128;
			__builtin_memcpy(k6.addr, pkt->daddr, sizeof(k6.addr));
			return bpf_map_lookup_elem(&ovl_tun6, &k6);
		}
		/* IPv4, and ARP by its target protocol address. */
		k4.prefixlen = 32;
		k4.addr = pkt->daddr[0];
		return bpf_map_lookup_elem(&ovl_tun4, &k4);
	}
	for (i = 0; i < OVL_EXACT_LENS; i++) {
		if (i >= n)
			break;
		if (v6) {
			k6.prefixlen = lens[i];
			ovl_mask6(k6.addr, pkt->daddr, k6.prefixlen);
			tun = bpf_map_lookup_elem(&ovl_tun6_exact, &k6);
		} else {
			k4.prefixlen = lens[i];
			k4.addr = ovl_mask4(pkt->daddr[0], k4.prefixlen);
			tun = bpf_map_lookup_elem(&ovl_tun4_exact, &k4);
		}
		if (tun)
			return tun;
	}
	return NULL;
}

/*
 * The ovl_src entry that vouches for pkt's source arriving from peer:
 * longest prefix match on (peer, source).
 */
static __always_inline struct ovl_src_val *
ovl_src_lookup(const struct ovl_pkt *pkt, const struct ovl_peer *peer,
    const struct ovl_plens *pl)
{
	int v6 = pkt->proto == ETH_P_IPV6;
	struct ovl_src_val *src;
	struct ovl_src6_key k6;
	struct ovl_src4_key k4;
	const __u8 *lens = 0;
	__u32 i, n;

	n = ovl_plens_of(pl, v6, &lens);
	if (n == 0) {
		if (v6) {
			k6.prefixlen = OVL_PEER_BITS + 128;
			k6.peer = *peer;
			__builtin_memcpy(k6.src, pkt->saddr, sizeof(k6.src));
			return bpf_map_lookup_elem(&ovl_src6, &k6);
		}
		/* IPv4, and ARP by its sender protocol address. */
		k4.prefixlen = OVL_PEER_BITS + 32;
		k4.peer = *peer;
		k4.src = pkt->saddr[0];
		return bpf_map_lookup_elem(&ovl_src4, &k4);
	}
	k6.peer = *peer;
	k4.peer = *peer;
	for (i = 0; i < OVL_EXACT_LENS; i++) {
		if (i >= n)
			break;
		if (v6) {
			k6.prefixlen = OVL_PEER_BITS + lens[i];
			ovl_mask6(k6.src, pkt->saddr, lens[i]);
			src = bpf_map_lookup_elem(&ovl_src6_exact, &k6);
		} else {
			k4.prefixlen = OVL_PEER_BITS + lens[i];
			k4.src = ovl_mask4(pkt->saddr[0], lens[i]);
			src = bpf_map_lookup_elem(&ovl_src4_exact, &k4);
		}
		if (src)
			return src;
	}
	return NULL;
}

/* Returns 0 or a negative error from bpf_skb_set_tunnel_key(). */
static __always_inline long
ovl_tunnel_key_set(struct __sk_buff *skb, const struct ovl_tun_val *tun)
{
	struct bpf_tunnel_key key = {};
	const struct ovl_config *cfg;
	__u32 zero = 0;
	__u64 flags;

	cfg = bpf_map_lookup_elem(&ovl_config, &zero);
	key.tunnel_id = tun->vni;
	key.tunnel_ttl = OVL_TUNNEL_TTL;
	if (ovl_addr_is_v4(tun->remote)) {
		/* The helper takes IPv4 addresses in host byte order. */
		key.remote_ipv4 = bpf_ntohl(tun->remote[3]);
		if (cfg)
			key.local_ipv4 = bpf_ntohl(cfg->local4);
		flags = BPF_F_ZERO_CSUM_TX;
	} else {
		__builtin_memcpy(
		    key.remote_ipv6, tun->remote, sizeof(key.remote_ipv6));
		if (cfg)
			__builtin_memcpy(key.local_ipv6, cfg->local6,
			    sizeof(key.local_ipv6));
		flags = BPF_F_TUNINFO_IPV6;
	}
	return bpf_skb_set_tunnel_key(skb, &key, sizeof(key), flags);
}

/*
 * A proxy answer from ovl_ingress or ovl_underlay_rx (see ovl_proxy)?
 * Its tunnel key is set and it was counted there.  The cookie is cleared
 * when it matches; otherwise cb is not ours to touch.
 */
static __always_inline int
ovl_proxy_sent(struct __sk_buff *skb)
{
	const struct ovl_urx_config *cfg;
	__u32 zero = 0;

	cfg = bpf_map_lookup_elem(&ovl_urx, &zero);
	if (!cfg || (cfg->cookie[0] | cfg->cookie[1]) == 0 ||
	    skb->cb[0] != cfg->cookie[0] || skb->cb[1] != cfg->cookie[1])
		return 0;
	skb->cb[0] = 0;
	skb->cb[1] = 0;
	return 1;
}

/*
 * A frame that egr_out (bpf/egress.bpf.c) steered to an egress gateway:
 * it carries EGR_MARK_STEERED and already has its tunnel key and inner
 * MACs, for a gateway that need not be in our tunnel map.  The mark
 * alone is not enough (any local process can set a mark): without a
 * tunnel key the frame is an ordinary one.
 */
static __always_inline int
ovl_egress_steered(struct __sk_buff *skb)
{
	struct bpf_tunnel_key key;

	if (!(skb->mark & EGR_MARK_STEERED))
		return 0;
	if (bpf_skb_get_tunnel_key(skb, &key, sizeof(key), 0) == 0)
		return 1;
	return bpf_skb_get_tunnel_key(
		   skb, &key, sizeof(key), BPF_F_TUNINFO_IPV6) == 0;
}

/* The whole egress decision; runs unchanged under BPF_PROG_TEST_RUN. */
static __always_inline int
ovl_egress_handle(struct __sk_buff *skb)
{
	struct ovl_tun_val *tun;
	struct ovl_pkt pkt;
	struct ovl_cnt *cnt;
	int r;

	if (ovl_proxy_sent(skb))
		return TC_ACT_OK;
	if (ovl_egress_steered(skb)) {
		ovl_count(skb, OVL_DIR_EGRESS, OVL_REASON_PASS);
		return TC_ACT_OK;
	}
	r = ovl_pkt_parse(skb, &pkt);
	if (r)
		return ovl_drop(skb, OVL_DIR_EGRESS, r);
	tun = ovl_tun_lookup(&pkt, ovl_plens_get());
	if (!tun)
		return ovl_drop(skb, OVL_DIR_EGRESS, OVL_REASON_NO_ROUTE);
	if (tun->vni > OVL_VNI_MAX)
		return ovl_drop(skb, OVL_DIR_EGRESS, OVL_REASON_BAD_VNI);
	if (pkt.proto != ETH_P_ARP) {
		r = ovl_pkt_set_dmac(skb, tun->mac);
		if (r)
			return ovl_drop(skb, OVL_DIR_EGRESS, r);
	}
	if (ovl_tunnel_key_set(skb, tun) < 0)
		return ovl_drop(skb, OVL_DIR_EGRESS, OVL_REASON_TUNNEL_KEY);
	cnt = bpf_map_lookup_elem(&ovl_cnt, &tun->id);
	if (cnt) {
		cnt->tx_packets++;
		cnt->tx_bytes += skb->len;
	}
	ovl_count(skb, OVL_DIR_EGRESS, OVL_REASON_PASS);
	return TC_ACT_OK;
}

/*
 * (VNI, remote) from a tunnel key as bpf_skb_get_tunnel_key() fills it:
 * tunnel_id is the VNI, remote_ipv4 is in host byte order, remote_ipv6 in
 * network byte order.  Returns 0, or the reason to drop.
 */
static __always_inline int
ovl_peer_from_key(
    const struct bpf_tunnel_key *key, int v6, struct ovl_peer *peer)
{
	if (key->tunnel_id > OVL_VNI_MAX)
		return OVL_REASON_BAD_VNI;
	peer->vni = bpf_htonl(key->tunnel_id);
	if (v6)
		__builtin_memcpy(
		    peer->remote, key->remote_ipv6, sizeof(peer->remote));
	else
		ovl_addr_map4(peer->remote, bpf_htonl(key->remote_ipv4));
	return 0;
}

/* --- proxy ARP and ND -------------------------------------------------- */

#define OVL_AF_INET  2
#define OVL_AF_INET6 10

/*
 * Does the kernel route dst, from src arriving on the vxlan device
 * ifindex, straight to a neighbour on another of our links: a connected
 * route or a device route, not one through a gateway (the default route,
 * say) and not back into the overlay?  Forwarding must be on, as for the
 * traffic that would follow.
 */
static __always_inline int
ovl_fib_onlink(struct __sk_buff *skb, int v6, const __be32 *src,
    const __be32 *dst, __u32 ifindex)
{
	struct bpf_fib_lookup p = {};
	long rc;

	p.ifindex = ifindex;
	if (v6) {
		p.family = OVL_AF_INET6;
		__builtin_memcpy(p.ipv6_src, src, 16);
		__builtin_memcpy(p.ipv6_dst, dst, 16);
	} else {
		p.family = OVL_AF_INET;
		p.ipv4_src = src[0];
		p.ipv4_dst = dst[0];
	}
	rc = bpf_fib_lookup(skb, &p, sizeof(p), 0);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS && rc != BPF_FIB_LKUP_RET_NO_NEIGH)
		return 0;
	if (p.ifindex == ifindex)
		return 0;
	/* With a gateway, the lookup puts its address in place of dst. */
	if (v6)
		return p.ipv6_dst[0] == dst[0] && p.ipv6_dst[1] == dst[1] &&
		    p.ipv6_dst[2] == dst[2] && p.ipv6_dst[3] == dst[3];
	return p.ipv4_dst == dst[0];
}

/*
 * Is target, which is not the asker's, routed elsewhere by the gateway:
 * a tunnel entry (to another peer, since it is not the asker's), or a
 * link of ours the kernel reaches it on (ovl_fib_onlink)?
 */
static __always_inline int
ovl_proxy_routed(struct __sk_buff *skb, const struct ovl_pkt *q, __u32 ifindex,
    const struct ovl_plens *pl)
{
	const struct ovl_tun_val *tun;

	tun = ovl_tun_lookup(q, pl);
	if (tun)
		return tun->vni <= OVL_VNI_MAX;
	return ovl_fib_onlink(
	    skb, q->proto == ETH_P_IPV6, q->saddr, q->daddr, ifindex);
}

/*
 * Proxy ARP and ND, shared by both ingress paths: pkt arrived from peer
 * and will be on the vxlan device ifindex.  Answers an ARP request or a
 * Neighbor Solicitation for an address routed elsewhere (see
 * docs/design.md), in place, and sends the answer back through the tunnel
 * the question came by: tunnel key (peer, our local address), cookie in
 * cb for ovl_egress, redirect to the vxlan device's egress.
 *
 * Returns -1 when pkt is no question we answer (it goes on as any frame:
 * its source decides), else the verdict.  Not answered: a sender outside
 * the peer's prefixes (dropped as SPOOF by the caller's check), a target
 * inside them (that host answers for itself), a target not routed
 * elsewhere.  An unspecified sender (ARP probe, DAD) has no source to
 * check; its target alone decides, and what is not answered is dropped
 * as before.  An invalid solicitation is dropped for its reason.
 */
static __always_inline int
ovl_proxy(struct __sk_buff *skb, const struct ovl_pkt *pkt,
    const struct ovl_peer *peer, __u32 ifindex, const struct ovl_plens *pl)
{
	const struct ovl_urx_config *cfg;
	const struct ovl_src_val *src;
	struct ovl_tun_val back = {};
	struct ovl_pkt q = {};
	struct ovl_cnt *cnt;
	struct ovl_ns ns;
	__u32 zero = 0;
	int r, reason, unspec;

	if (pkt->proto == ETH_P_ARP) {
		if (pkt->arp_op != OVL_ARPOP_REQUEST ||
		    ovl_addr4_unanswerable(pkt->daddr[0]))
			return -1;
		q.proto = ETH_P_IP;
		q.daddr[0] = pkt->daddr[0];
		unspec = pkt->saddr[0] == 0;
		reason = OVL_REASON_PROXY_ARP;
	} else if (pkt->proto == ETH_P_IPV6 &&
	    pkt->nexthdr == OVL_IPPROTO_ICMPV6) {
		r = ovl_ns_parse(skb, pkt, &ns);
		if (r)
			return r < 0 ? -1 : ovl_drop(skb, OVL_DIR_INGRESS, r);
		if (ovl_addr6_unanswerable(ns.target))
			return -1;
		q.proto = ETH_P_IPV6;
		__builtin_memcpy(q.daddr, ns.target, sizeof(q.daddr));
		unspec = ns.dad;
		reason = OVL_REASON_PROXY_ND;
	} else {
		return -1;
	}
	src = NULL;
	if (!unspec) {
		src = ovl_src_lookup(pkt, peer, pl);
		if (!src)
			return -1;
	}
	/* The target inside the asker's own prefixes: not ours. */
	__builtin_memcpy(q.saddr, q.daddr, sizeof(q.saddr));
	if (ovl_src_lookup(&q, peer, pl))
		return -1;
	__builtin_memcpy(q.saddr, pkt->saddr, sizeof(q.saddr));
	if (!ovl_proxy_routed(skb, &q, ifindex, pl))
		return -1;
	cfg = bpf_map_lookup_elem(&ovl_urx, &zero);
	if (!cfg || (cfg->cookie[0] | cfg->cookie[1]) == 0)
		return -1;
	/* Counted as the question it is, before it becomes the answer. */
	ovl_count(skb, OVL_DIR_INGRESS, reason);
	if (src) {
		cnt = bpf_map_lookup_elem(&ovl_cnt, &src->id);
		if (cnt) {
			cnt->rx_packets++;
			cnt->rx_bytes += skb->len;
		}
	}
	if (reason == OVL_REASON_PROXY_ARP)
		r = ovl_arp_reply(skb, cfg->mac);
	else
		r = ovl_na_build(skb, pkt, &ns, cfg->mac);
	if (r)
		return TC_ACT_SHOT;
	__builtin_memcpy(back.remote, peer->remote, sizeof(back.remote));
	back.vni = bpf_ntohl(peer->vni);
	if (ovl_tunnel_key_set(skb, &back) < 0)
		return TC_ACT_SHOT;
	skb->cb[0] = cfg->cookie[0];
	skb->cb[1] = cfg->cookie[1];
	return bpf_redirect(ifindex, 0);
}

/*
 * The whole ingress decision, given the tunnel key the frame arrived
 * with; v6 says which half of the key's address union is valid.
 */
static __always_inline int
ovl_ingress_handle(
    struct __sk_buff *skb, const struct bpf_tunnel_key *key, int v6)
{
	const struct ovl_plens *pl;
	struct ovl_src_val *src;
	struct ovl_peer peer;
	struct ovl_pkt pkt;
	struct ovl_cnt *cnt;
	int r;

	r = ovl_peer_from_key(key, v6, &peer);
	if (r)
		return ovl_drop(skb, OVL_DIR_INGRESS, r);
	r = ovl_pkt_parse(skb, &pkt);
	if (r)
		return ovl_drop(skb, OVL_DIR_INGRESS, r);
	pl = ovl_plens_get();
	r = ovl_proxy(skb, &pkt, &peer, skb->ifindex, pl);
	if (r >= 0)
		return r;
	src = ovl_src_lookup(&pkt, &peer, pl);
	if (!src)
		return ovl_drop(skb, OVL_DIR_INGRESS, OVL_REASON_SPOOF);
	cnt = bpf_map_lookup_elem(&ovl_cnt, &src->id);
	if (cnt) {
		cnt->rx_packets++;
		cnt->rx_bytes += skb->len;
	}
	ovl_count(skb, OVL_DIR_INGRESS, OVL_REASON_PASS);
	return TC_ACT_OK;
}

/* --- receive-side decapsulation on the underlay ------------------------ */

/* Linux 6.3; older uapi headers lack them. */
#ifndef BPF_F_ADJ_ROOM_DECAP_L3_IPV4
#define BPF_F_ADJ_ROOM_DECAP_L3_IPV4 (1ULL << 7)
#define BPF_F_ADJ_ROOM_DECAP_L3_IPV6 (1ULL << 8)
#endif

/* RFC 7348 section 5: flags (I bit only), reserved, VNI, reserved. */
struct ovl_vxlanhdr {
	__be32 flags;
	__be32 vni;
};

#define OVL_VXLAN_I	0x08000000U
#define OVL_VXLAN_HLEN	sizeof(struct ovl_vxlanhdr)
#define OVL_IP_CE	3      /* ECN field: congestion experienced */
#define OVL_IP_FRAG	0x3fff /* IP_MF | IP_OFFSET */
#define OVL_PACKET_HOST 0

/* What the outer headers told us: the peer, and how much to pop. */
struct ovl_outer {
	struct ovl_peer peer;
	__u32 pop; /* outer IP + UDP + VXLAN + inner Ethernet */
	int v6;
	struct ethhdr inner; /* the inner Ethernet header, put back in front */
};

static __always_inline void
ovl_urx_count(struct __sk_buff *skb, __u32 what)
{
	struct ovl_stat *st = bpf_map_lookup_elem(&ovl_urx_stats, &what);

	if (st) {
		st->packets++;
		st->bytes += skb->len;
	}
}

static __always_inline int
ovl_mac_eq(const __u8 *a, const __u8 *b)
{
	int i;

#pragma unroll
	for (i = 0; i < ETH_ALEN; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

/* Does the IPv4 header at ip (20 bytes, no options) sum to all ones? */
static __always_inline int
ovl_ip4_csum_ok(const struct iphdr *ip)
{
	const __u16 *w = (const __u16 *)ip;
	__u32 sum = 0;
	int i;

#pragma unroll
	for (i = 0; i < 10; i++)
		sum += w[i];
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

/*
 * The outer UDP checksum checked against the sum a CHECKSUM_COMPLETE
 * device gave (it covers the IP header on, which at tc ingress is where
 * skb->data was): minus the IPv6 header (an IPv4 header sums to zero),
 * plus the pseudo-header.
 */
static __always_inline int
ovl_urx_csum_complete(struct __sk_buff *skb, __u32 csum, int v6)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	__be32 ph[10];
	long sum;

	if (v6) {
		struct ipv6hdr *ip6 = data + ETH_HLEN;

		if ((void *)(ip6 + 1) > data_end)
			return 0;
		__builtin_memcpy(ph, &ip6->saddr, 32);
		ph[8] = bpf_htonl(bpf_ntohs(ip6->payload_len));
		ph[9] = bpf_htonl(IPPROTO_UDP);
		sum = bpf_csum_diff(
		    (void *)ip6, sizeof(*ip6), ph, sizeof(ph), csum);
	} else {
		struct iphdr *ip = data + ETH_HLEN;

		if ((void *)(ip + 1) > data_end)
			return 0;
		ph[0] = ip->saddr;
		ph[1] = ip->daddr;
		ph[2] = bpf_htonl((IPPROTO_UDP << 16) |
		    (bpf_ntohs(ip->tot_len) - sizeof(*ip)));
		sum = bpf_csum_diff(0, 0, ph, 12, csum);
	}
	return sum >= 0 && ovl_csum_fold((__u64)sum) == 0xffff;
}

/*
 * Is the outer UDP checksum as good as the kernel's UDP receive would
 * find it?  A zero checksum over IPv4 means none (RFC 768; RFC 7348 says
 * VTEPs should send that).  Otherwise by what the skb says, which BPF
 * cannot read directly, so the bpf_csum_level() and bpf_csum_update()
 * helpers tell: CHECKSUM_UNNECESSARY (validated by the device) is good;
 * CHECKSUM_NONE (nobody checked) goes to the kernel, which sums the
 * whole packet (the probe is undone); CHECKSUM_COMPLETE is checked here
 * against the device's sum; what remains is CHECKSUM_PARTIAL, a packet
 * made on this host (veth, loopback) and never on a wire, which the
 * kernel does not check either.  trust is for tests, which cannot make a
 * validated skb.
 */
static __always_inline int
ovl_urx_csum_ok(struct __sk_buff *skb, __u16 check, int v6, int trust)
{
	long sum;

	if (!v6 && check == 0)
		return 1;
	if (check == 0)
		return 0; /* IPv6: the kernel decides (RFC 6935/6936) */
	if (trust || bpf_csum_level(skb, BPF_CSUM_LEVEL_QUERY) >= 0)
		return 1;
	/* Only CHECKSUM_NONE becomes CHECKSUM_UNNECESSARY this way. */
	bpf_csum_level(skb, BPF_CSUM_LEVEL_INC);
	if (bpf_csum_level(skb, BPF_CSUM_LEVEL_QUERY) >= 0) {
		bpf_csum_level(skb, BPF_CSUM_LEVEL_RESET);
		return 0;
	}
	/* Adding zero to a CHECKSUM_COMPLETE sum returns it, unchanged. */
	sum = bpf_csum_update(skb, 0);
	if (sum >= 0)
		return ovl_urx_csum_complete(skb, (__u32)sum, v6);
	return 1;
}

/*
 * The UDP and VXLAN headers and the inner Ethernet header at off; the
 * IP header before them has been checked.  Returns 1 if the packet is
 * ours to decapsulate, 0 to leave it to the kernel.  The ovl_urx_ipv*
 * functions return the same, or -1 for a packet that is not VXLAN to us.
 */
static __always_inline int
ovl_urx_vxlan(struct __sk_buff *skb, const struct ovl_urx_config *cfg,
    __u32 off, __u32 l4len, struct ovl_outer *o, int trust)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ovl_vxlanhdr *vx;
	struct udphdr *udp;
	struct ethhdr *eth;
	__u32 vni;

	if (data + off + sizeof(*udp) + OVL_VXLAN_HLEN + ETH_HLEN > data_end)
		return 0;
	udp = data + off;
	vx = (void *)(udp + 1);
	eth = (void *)(vx + 1);
	if (bpf_ntohs(udp->len) != l4len)
		return 0;
	if (!ovl_urx_csum_ok(skb, udp->check, o->v6, trust))
		return 0;
	/* Any other flag or reserved bit: the driver's call (it drops). */
	if (vx->flags != bpf_htonl(OVL_VXLAN_I) ||
	    (vx->vni & bpf_htonl(0xff)) != 0)
		return 0;
	/* Our own frames looped back: the driver drops those. */
	if (ovl_mac_eq(eth->h_source, cfg->mac))
		return 0;
	vni = bpf_ntohl(vx->vni) >> 8;
	o->peer.vni = bpf_htonl(vni);
	__builtin_memcpy(&o->inner, eth, sizeof(o->inner));
	o->pop = off - ETH_HLEN + sizeof(*udp) + OVL_VXLAN_HLEN + ETH_HLEN;
	return 1;
}

static __always_inline int
ovl_urx_ipv4(struct __sk_buff *skb, const struct ovl_urx_config *cfg,
    struct ovl_outer *o, int trust)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	const __u32 hlen = sizeof(struct iphdr);
	struct udphdr *udp;
	struct iphdr *ip;
	__u32 tot;

	if (data + ETH_HLEN + hlen + sizeof(*udp) > data_end)
		return 0;
	ip = data + ETH_HLEN;
	udp = (void *)(ip + 1);
	/* The filter every other packet pays: UDP to our address and port. */
	if (ip->protocol != IPPROTO_UDP || ip->daddr != cfg->local4 ||
	    cfg->local4 == 0 || udp->dest != cfg->port)
		return -1;
	tot = bpf_ntohs(ip->tot_len);
	/* Options, fragments, padding, CE, a bad header: the kernel's. */
	if (ip->version != 4 || ip->ihl != 5 ||
	    (ip->frag_off & bpf_htons(OVL_IP_FRAG)) ||
	    tot != skb->len - ETH_HLEN || (ip->tos & 3) == OVL_IP_CE ||
	    !ovl_ip4_csum_ok(ip))
		return 0;
	o->v6 = 0;
	ovl_addr_map4(o->peer.remote, ip->saddr);
	if (ovl_pkt_pull(skb,
		ETH_HLEN + hlen + sizeof(*udp) + OVL_VXLAN_HLEN + ETH_HLEN))
		return 0;
	return ovl_urx_vxlan(skb, cfg, ETH_HLEN + hlen, tot - hlen, o, trust);
}

static __always_inline int
ovl_urx_ipv6(struct __sk_buff *skb, const struct ovl_urx_config *cfg,
    struct ovl_outer *o, int trust)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	const __u32 hlen = sizeof(struct ipv6hdr);
	struct udphdr *udp;
	struct ipv6hdr *ip6;
	__u32 plen;

	if (data + ETH_HLEN + hlen + sizeof(*udp) > data_end)
		return 0;
	ip6 = data + ETH_HLEN;
	udp = (void *)(ip6 + 1);
	if (ip6->nexthdr != IPPROTO_UDP || udp->dest != cfg->port ||
	    ip6->daddr.in6_u.u6_addr32[3] != cfg->local6[3] ||
	    ip6->daddr.in6_u.u6_addr32[2] != cfg->local6[2] ||
	    ip6->daddr.in6_u.u6_addr32[1] != cfg->local6[1] ||
	    ip6->daddr.in6_u.u6_addr32[0] != cfg->local6[0] ||
	    (cfg->local6[0] | cfg->local6[1] | cfg->local6[2] |
		cfg->local6[3]) == 0)
		return -1;
	plen = bpf_ntohs(ip6->payload_len);
	/* ECN is the low two bits of the traffic class. */
	if (ip6->version != 6 || plen == 0 ||
	    plen != skb->len - ETH_HLEN - hlen ||
	    ((ip6->flow_lbl[0] >> 4) & 3) == OVL_IP_CE)
		return 0;
	o->v6 = 1;
	__builtin_memcpy(o->peer.remote, &ip6->saddr, 16);
	if (ovl_pkt_pull(skb,
		ETH_HLEN + hlen + sizeof(*udp) + OVL_VXLAN_HLEN + ETH_HLEN))
		return 0;
	return ovl_urx_vxlan(skb, cfg, ETH_HLEN + hlen, plen, o, trust);
}

/* Put the inner Ethernet header where the outer one was. */
static __always_inline int
ovl_urx_set_eth(struct __sk_buff *skb, const struct ethhdr *inner)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;

	if (data + ETH_HLEN > data_end)
		return -1;
	__builtin_memcpy(data, inner, ETH_HLEN);
	return 0;
}

/*
 * The whole underlay decision.  Returns TC_ACT_UNSPEC (the kernel's,
 * packet untouched: TCX_NEXT, so that another program on the device, such
 * as the egress gateway's egr_in, still sees it), TC_ACT_SHOT
 * (decapsulated and refused, counted as ovl_ingress counts) or
 * TC_ACT_REDIRECT (decapsulated, accepted and counted, on its way to the
 * vxlan device's ingress with the cookie).
 */
static __always_inline int
ovl_urx_handle(struct __sk_buff *skb, int trust)
{
	const struct ovl_urx_config *cfg;
	const struct ovl_plens *pl;
	struct ovl_src_val *src;
	struct ovl_outer o;
	struct ovl_pkt pkt;
	struct ovl_cnt *cnt;
	__u32 zero = 0, ifindex;
	__u64 flags;
	int r;

	cfg = bpf_map_lookup_elem(&ovl_urx, &zero);
	if (!cfg || cfg->ifindex == 0)
		return TC_ACT_UNSPEC;
	if (skb->protocol == bpf_htons(ETH_P_IP))
		r = ovl_urx_ipv4(skb, cfg, &o, trust);
	else if (skb->protocol == bpf_htons(ETH_P_IPV6))
		r = ovl_urx_ipv6(skb, cfg, &o, trust);
	else
		return TC_ACT_UNSPEC;
	if (r < 0)
		return TC_ACT_UNSPEC;
	/* Super-packets (GSO, GRO) and foreign frames: the kernel's. */
	if (r == 0 || skb->gso_size != 0 || skb->pkt_type != OVL_PACKET_HOST ||
	    skb->vlan_present)
		goto kernel;
	ifindex = cfg->ifindex;
	flags = BPF_F_ADJ_ROOM_NO_CSUM_RESET;
	if (o.inner.h_proto == bpf_htons(ETH_P_IPV6) && !o.v6)
		flags |= BPF_F_ADJ_ROOM_DECAP_L3_IPV6;
	else if (o.inner.h_proto == bpf_htons(ETH_P_IP) && o.v6)
		flags |= BPF_F_ADJ_ROOM_DECAP_L3_IPV4;
	/* Fails before it changes anything: then the kernel decapsulates. */
	if (bpf_skb_adjust_room(skb, -(__s32)o.pop, BPF_ADJ_ROOM_MAC, flags))
		goto kernel;
	/* What the UDP layer does once it has checked the outer checksum. */
	bpf_csum_level(skb, BPF_CSUM_LEVEL_DEC);
	if (ovl_urx_set_eth(skb, &o.inner))
		return TC_ACT_SHOT;
	/* From here on exactly what ovl_ingress does after the driver. */
	ovl_urx_count(skb, OVL_URX_DECAP);
	r = ovl_pkt_parse(skb, &pkt);
	if (r)
		return ovl_drop(skb, OVL_DIR_INGRESS, r);
	pl = ovl_plens_get();
	r = ovl_proxy(skb, &pkt, &o.peer, ifindex, pl);
	if (r >= 0)
		return r;
	src = ovl_src_lookup(&pkt, &o.peer, pl);
	if (!src)
		return ovl_drop(skb, OVL_DIR_INGRESS, OVL_REASON_SPOOF);
	cnt = bpf_map_lookup_elem(&ovl_cnt, &src->id);
	if (cnt) {
		cnt->rx_packets++;
		cnt->rx_bytes += skb->len;
	}
	ovl_count(skb, OVL_DIR_INGRESS, OVL_REASON_PASS);
	skb->cb[0] = cfg->cookie[0];
	skb->cb[1] = cfg->cookie[1];
	return bpf_redirect(ifindex, BPF_F_INGRESS);
kernel:
	ovl_urx_count(skb, OVL_URX_KERNEL);
	return TC_ACT_UNSPEC;
}

/*
 * A frame without tunnel metadata on the vxlan device: did
 * ovl_underlay_rx check and send it?  The cookie is cleared either way,
 * so it does not travel further with the frame.
 */
static __always_inline int
ovl_urx_sent(struct __sk_buff *skb)
{
	const struct ovl_urx_config *cfg;
	__u32 zero = 0;
	int ok;

	cfg = bpf_map_lookup_elem(&ovl_urx, &zero);
	ok = cfg && (cfg->cookie[0] | cfg->cookie[1]) != 0 &&
	    skb->cb[0] == cfg->cookie[0] && skb->cb[1] == cfg->cookie[1];
	skb->cb[0] = 0;
	skb->cb[1] = 0;
	return ok;
}

SEC("tc")
int
ovl_egress(struct __sk_buff *skb)
{
	return ovl_egress_handle(skb);
}

SEC("tc")
int
ovl_ingress(struct __sk_buff *skb)
{
	struct bpf_tunnel_key key;
	long err;
	int v6 = 0;

	/*
	 * The helper fails with -EPROTO when asked for the other family than
	 * the one the metadata holds, and with -EINVAL when there is none.
	 */
	err = bpf_skb_get_tunnel_key(skb, &key, sizeof(key), 0);
	if (err == -EPROTO) {
		v6 = 1;
		err = bpf_skb_get_tunnel_key(
		    skb, &key, sizeof(key), BPF_F_TUNINFO_IPV6);
	}
	if (err < 0) {
		/* Decapsulated, checked and counted by ovl_underlay_rx. */
		if (ovl_urx_sent(skb))
			return TC_ACT_OK;
		return ovl_drop(
		    skb, OVL_DIR_INGRESS, OVL_REASON_NO_TUNNEL_INFO);
	}
	return ovl_ingress_handle(skb, &key, v6);
}

SEC("tc")
int
ovl_underlay_rx(struct __sk_buff *skb)
{
	return ovl_urx_handle(skb, 0);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
