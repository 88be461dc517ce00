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
 * The programs are split into entry point -> tunnel key -> inline decision
 * function, so that tests (tests/bpf/overlay_test.bpf.c includes this
 * file) can run the same decision functions under BPF_PROG_TEST_RUN, which
 * cannot attach tunnel metadata to a packet.
 *
 * ARP.  The overlay is routed: user space is expected to set IFF_NOARP on
 * the device (neighbours then resolve to the device's own MAC and
 * ovl_egress writes the real one from the tunnel entry), so the gateway
 * itself does not need ARP.  A VTEP switch or a VM with a plain kernel
 * vxlan device may still ARP for its next hop through the tunnel, and that
 * is harmless to allow with the same rule as IP: on ingress an Ethernet/
 * IPv4 request or reply passes only if its sender protocol address is
 * inside the peer's prefixes, so a peer cannot claim addresses that are
 * not its own (IP traffic ignores the neighbour table anyway, since the MAC
 * comes from the map).  On egress ARP is tunnelled by its target protocol
 * address with the Ethernet header left alone: a reply already goes to the
 * asker's MAC, a broadcast request reaches the one VTEP owning the target.
 * Other ARP (other hardware or protocol types, RARP, InARP) is dropped as
 * UNSUPPORTED.  IPv6 neighbour discovery gets no special case: NS from a
 * link-local source is dropped as SPOOF unless fe80::/10 is registered for
 * the peer, and solicited-node multicast has no route.
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
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "overlay.h"
#include "ovl_pkt.h"

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

/* The whole egress decision; runs unchanged under BPF_PROG_TEST_RUN. */
static __always_inline int
ovl_egress_handle(struct __sk_buff *skb)
{
	struct ovl_tun_val *tun;
	struct ovl_pkt pkt;
	struct ovl_cnt *cnt;
	int r;

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

/*
 * The whole ingress decision, given the tunnel key the frame arrived
 * with; v6 says which half of the key's address union is valid.
 */
static __always_inline int
ovl_ingress_handle(
    struct __sk_buff *skb, const struct bpf_tunnel_key *key, int v6)
{
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
	src = ovl_src_lookup(&pkt, &peer, ovl_plens_get());
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
	if (err < 0)
		return ovl_drop(
		    skb, OVL_DIR_INGRESS, OVL_REASON_NO_TUNNEL_INFO);
	return ovl_ingress_handle(skb, &key, v6);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
