/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Proxy ARP and ND for the overlay tc programs: reading an ARP request or
 * an IPv6 Neighbor Solicitation that came through a tunnel, and turning it
 * in place into the answer.  Which questions are answered is decided in
 * overlay.bpf.c (ovl_proxy); this file only parses and builds packets, so
 * nothing here looks at a map.
 *
 * A Neighbor Solicitation is validated as RFC 4861 section 7.1.1 says a
 * node must before it acts on one, and one more rule of ours: a
 * solicitation from a specified source must carry the source link-layer
 * address option, which is where the answer goes (section 4.3 makes it a
 * MUST for multicast solicitations; every common stack also sends it in
 * unicast ones).  The ICMPv6 message is copied out of the packet with
 * bpf_skb_load_bytes(), so the checksum and the option walk run over a
 * buffer on the stack whatever the skb's layout; a solicitation longer than
 * OVL_ND_MAX is not ours to answer.
 *
 * The answers: an ARP reply (RFC 826) from the target to the asker; a
 * Neighbor Advertisement (section 7.2.4) from the target address to the
 * solicitation's source, Solicited flag set, Override clear as section
 * 7.2.8 wants of a proxy, Router clear (we speak for the target, which is
 * no router of the asker's), with the target link-layer address option;
 * to a DAD probe (unspecified source) the advertisement goes to all-nodes
 * with Solicited clear, as section 7.2.4 and RFC 4862 section 5.4.3 say.
 */
#ifndef FERRY_BPF_LIB_OVL_ND_H
#define FERRY_BPF_LIB_OVL_ND_H

#include "ovl_pkt.h"

#define OVL_IPPROTO_ICMPV6 58
#define OVL_ND_NS	   135
#define OVL_ND_NA	   136
#define OVL_ND_OPT_SLL	   1 /* source link-layer address */
#define OVL_ND_OPT_TLL	   2 /* target link-layer address */
#define OVL_ND_HOPLIMIT	   255
#define OVL_NA_SOLICITED   0x40000000U
#define OVL_ND_HLEN	   24		      /* type .. target */
#define OVL_ND_MAX	   (OVL_ND_HLEN + 64) /* header and options we read */
#define OVL_NA_LEN	   (OVL_ND_HLEN + 8)  /* with the TLL option */
/* The copy's size: what the verifier's bounds of an option offset allow. */
#define OVL_ND_BUF 128

/* NS and NA: RFC 4861 sections 4.3 and 4.4. */
struct ovl_nd_msg {
	__u8 type;
	__u8 code;
	__be16 csum;
	__be32 flags; /* NA: R, S, O; NS: reserved */
	__be32 target[4];
};

/* A link-layer address option for Ethernet: 8 bytes, length 1. */
struct ovl_nd_ll {
	__u8 type;
	__u8 len;
	__u8 mac[ETH_ALEN];
};

/* What the answer needs from a valid solicitation. */
struct ovl_ns {
	__be32 target[4];
	__u8 sll[ETH_ALEN]; /* the asker's link-layer address; DAD: none */
	__u8 dad;	    /* source unspecified: a DAD probe */
};

/* The frame a Neighbor Advertisement goes out in. */
struct ovl_na_frame {
	struct ethhdr eth;
	struct ipv6hdr ip6;
	struct ovl_nd_msg na;
	struct ovl_nd_ll tll;
} __attribute__((packed));

#define OVL_NA_FRAME_LEN sizeof(struct ovl_na_frame) /* 86 */

static __always_inline int
ovl_addr6_is_zero(const __be32 *a)
{
	return (a[0] | a[1] | a[2] | a[3]) == 0;
}

/*
 * Addresses that are never answered for: unspecified, loopback,
 * link-local (fe80::/10: of one link, routed nowhere) and multicast.
 */
static __always_inline int
ovl_addr6_unanswerable(const __be32 *a)
{
	__u32 w0 = bpf_ntohl(a[0]);

	if (ovl_addr6_is_zero(a))
		return 1;
	if (a[0] == 0 && a[1] == 0 && a[2] == 0 && a[3] == bpf_htonl(1))
		return 1;
	return (w0 & 0xffc00000U) == 0xfe800000U || (w0 >> 24) == 0xff;
}

/* The same for IPv4: 0/8, loopback, link-local, multicast and above. */
static __always_inline int
ovl_addr4_unanswerable(__be32 a)
{
	__u32 h = bpf_ntohl(a);

	return (h >> 24) == 0 || (h >> 24) == 127 ||
	    (h & 0xffff0000U) == 0xa9fe0000U || h >= 0xe0000000U;
}

/* Solicited-node multicast, ff02::1:ffXX:XXXX (RFC 4291 2.7.1)? */
static __always_inline int
ovl_addr6_is_solnode(const __be32 *a)
{
	return a[0] == bpf_htonl(0xff020000U) && a[1] == 0 &&
	    a[2] == bpf_htonl(1) && (bpf_ntohl(a[3]) >> 24) == 0xff;
}

/*
 * The ones' complement sum of the IPv6 pseudo-header (RFC 8200 section
 * 8.1) for an ICMPv6 message of len bytes; summed as 32-bit words, which
 * gives the same folded sum as 16-bit ones in either byte order.
 */
static __always_inline __u64
ovl_nd_pseudo(const __be32 *src, const __be32 *dst, __u32 len)
{
	__u64 sum = 0;
	int i;

#pragma unroll
	for (i = 0; i < 4; i++)
		sum += src[i] + (__u64)dst[i];
	return sum + bpf_htonl(len) + bpf_htonl(OVL_IPPROTO_ICMPV6);
}

/*
 * The IPv6 packet of pkt, whose next header is ICMPv6: a Neighbor
 * Solicitation?  Returns -1 if it is not one we answer (another ICMPv6
 * type, or longer than OVL_ND_MAX), 0 if it is a valid one (then *ns is
 * filled), or the reason to drop an invalid one.
 */
static __always_inline int
ovl_ns_parse(
    struct __sk_buff *skb, const struct ovl_pkt *pkt, struct ovl_ns *ns)
{
	__u32 buf[OVL_ND_BUF / 4] = { 0 };
	const struct ovl_nd_msg *nd = (const void *)buf;
	const __u8 *b = (const __u8 *)buf;
	struct ipv6hdr ip6;
	__u64 plen, off, olen;
	int i, have_sll = 0;
	__u64 sum;

	if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip6, sizeof(ip6)) < 0)
		return OVL_REASON_TRUNCATED;
	plen = bpf_ntohs(ip6.payload_len);
	/* The parser checked that plen bytes follow the header. */
	if (plen == 0 ||
	    bpf_skb_load_bytes(skb, ETH_HLEN + sizeof(ip6), buf, 1) < 0 ||
	    nd->type != OVL_ND_NS)
		return -1;
	if (plen < OVL_ND_HLEN)
		return OVL_REASON_MALFORMED;
	if (plen > OVL_ND_MAX)
		return -1;
	if (bpf_skb_load_bytes(skb, ETH_HLEN + sizeof(ip6), buf, plen) < 0)
		return OVL_REASON_TRUNCATED;
	/* RFC 4861 section 7.1.1, in its order. */
	if (ip6.hop_limit != OVL_ND_HOPLIMIT)
		return OVL_REASON_MALFORMED;
	sum = ovl_nd_pseudo(pkt->saddr, pkt->daddr, plen);
#pragma unroll
	for (i = 0; i < OVL_ND_MAX / 4; i++)
		sum += buf[i]; /* past plen: zeros */
	if (ovl_csum_fold(sum) != 0xffff)
		return OVL_REASON_MALFORMED;
	if (nd->code != 0 || (bpf_ntohl(nd->target[0]) >> 24) == 0xff)
		return OVL_REASON_MALFORMED;
	ns->dad = ovl_addr6_is_zero(pkt->saddr);
	if (ns->dad && !ovl_addr6_is_solnode(pkt->daddr))
		return OVL_REASON_MALFORMED;
	/* Options, each at least 8 bytes: at most 8 of them fit. */
	off = OVL_ND_HLEN;
	for (i = 0; i < 8; i++) {
		if (off >= plen)
			break;
		if (off > OVL_ND_MAX - 8)
			return OVL_REASON_MALFORMED;
		olen = (__u64)b[off + 1] * 8;
		if (olen == 0 || off + olen > plen)
			return OVL_REASON_MALFORMED;
		if (b[off] == OVL_ND_OPT_SLL) {
			if (olen != 8)
				return OVL_REASON_MALFORMED;
			__builtin_memcpy(ns->sll, b + off + 2, ETH_ALEN);
			have_sll = 1;
		}
		off += olen;
	}
	if (ns->dad ? have_sll : !have_sll)
		return OVL_REASON_MALFORMED;
	__builtin_memcpy(ns->target, nd->target, sizeof(ns->target));
	return 0;
}

/*
 * Turn the solicitation in skb into the advertisement answering it, from
 * mac.  Returns 0, or the reason to drop.
 */
static __always_inline int
ovl_na_build(struct __sk_buff *skb, const struct ovl_pkt *pkt,
    const struct ovl_ns *ns, const __u8 *mac)
{
	struct {
		struct ovl_nd_msg na;
		struct ovl_nd_ll tll;
	} m = {};
	struct ovl_na_frame f = {};
	const __u32 *w = (const __u32 *)&m;
	__be32 dst[4] = { 0 };
	__u64 sum;
	int i;

	if (ns->dad) {
		/* All-nodes, ff02::1, and its MAC 33:33:00:00:00:01. */
		f.eth.h_dest[0] = 0x33;
		f.eth.h_dest[1] = 0x33;
		f.eth.h_dest[5] = 0x01;
		dst[0] = bpf_htonl(0xff020000U);
		dst[3] = bpf_htonl(1);
	} else {
		__builtin_memcpy(f.eth.h_dest, ns->sll, ETH_ALEN);
		__builtin_memcpy(dst, pkt->saddr, sizeof(dst));
		m.na.flags = bpf_htonl(OVL_NA_SOLICITED);
	}
	__builtin_memcpy(f.eth.h_source, mac, ETH_ALEN);
	f.eth.h_proto = bpf_htons(ETH_P_IPV6);
	f.ip6.version = 6;
	f.ip6.payload_len = bpf_htons(OVL_NA_LEN);
	f.ip6.nexthdr = OVL_IPPROTO_ICMPV6;
	f.ip6.hop_limit = OVL_ND_HOPLIMIT;
	__builtin_memcpy(&f.ip6.saddr, ns->target, 16);
	__builtin_memcpy(&f.ip6.daddr, dst, 16);
	m.na.type = OVL_ND_NA;
	__builtin_memcpy(m.na.target, ns->target, 16);
	m.tll.type = OVL_ND_OPT_TLL;
	m.tll.len = 1;
	__builtin_memcpy(m.tll.mac, mac, ETH_ALEN);
	sum = ovl_nd_pseudo(ns->target, dst, OVL_NA_LEN);
#pragma unroll
	for (i = 0; i < OVL_NA_LEN / 4; i++)
		sum += w[i];
	m.na.csum = (__be16)~ovl_csum_fold(sum);
	__builtin_memcpy(&f.na, &m, sizeof(m));
	if (skb->len != OVL_NA_FRAME_LEN &&
	    bpf_skb_change_tail(skb, OVL_NA_FRAME_LEN, 0) < 0)
		return OVL_REASON_TRUNCATED;
	if (bpf_skb_store_bytes(skb, 0, &f, OVL_NA_FRAME_LEN, 0) < 0)
		return OVL_REASON_TRUNCATED;
	return 0;
}

/*
 * Turn the ARP request in skb into the reply from its target, at mac, to
 * its sender (RFC 826: swap sender and target, op reply).  The frame keeps
 * its length, padding included.  Returns 0, or the reason to drop.
 */
static __always_inline int
ovl_arp_reply(struct __sk_buff *skb, const __u8 *mac)
{
	struct {
		struct ethhdr eth;
		struct ovl_arp arp;
	} __attribute__((packed)) f;

	if (bpf_skb_load_bytes(skb, 0, &f, sizeof(f)) < 0)
		return OVL_REASON_TRUNCATED;
	__builtin_memcpy(f.arp.tha, f.arp.sha, ETH_ALEN);
	__builtin_memcpy(f.eth.h_dest, f.arp.sha, ETH_ALEN);
	__builtin_memcpy(f.eth.h_source, mac, ETH_ALEN);
	__builtin_memcpy(f.arp.sha, mac, ETH_ALEN);
	{
		__u8 ip[4];

		__builtin_memcpy(ip, f.arp.tpa, 4);
		__builtin_memcpy(f.arp.tpa, f.arp.spa, 4);
		__builtin_memcpy(f.arp.spa, ip, 4);
	}
	f.arp.op = bpf_htons(OVL_ARPOP_REPLY);
	if (bpf_skb_store_bytes(skb, 0, &f, sizeof(f), 0) < 0)
		return OVL_REASON_TRUNCATED;
	return 0;
}

#endif /* FERRY_BPF_LIB_OVL_ND_H */
