/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Inner frame parsing for the overlay tc programs: Ethernet, then IPv4,
 * IPv6 or Ethernet/IPv4 ARP, every read bounds-checked.  The result is the
 * pair of addresses the programs decide on, copied out of the packet so no
 * packet pointer has to survive a helper call.
 *
 * Headers are read with direct packet access.  When a header is not in the
 * linear part of the skb but the skb is long enough, it is pulled in with
 * bpf_skb_pull_data() and the bounds are checked again; a frame that is
 * really shorter than its headers is TRUNCATED.  What we check is what the
 * decision needs and what would make the frame unusable further on: IP
 * version, IHL, and that the total / payload length fits in the frame.
 * Checksums are left to the IP layer.
 */
#ifndef FERRY_BPF_LIB_OVL_PKT_H
#define FERRY_BPF_LIB_OVL_PKT_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "overlay.h"

/*
 * Ethernet/IPv4 ARP packet (RFC 826).  Spelled out here because
 * <linux/if_arp.h> drags in libc headers that do not build for -target bpf.
 */
struct ovl_arp {
	__be16 hrd;
	__be16 pro;
	__u8 hln;
	__u8 pln;
	__be16 op;
	__u8 sha[ETH_ALEN];
	__u8 spa[4];
	__u8 tha[ETH_ALEN];
	__u8 tpa[4];
} __attribute__((packed));

#define OVL_ARPHRD_ETHER  1
#define OVL_ARPOP_REQUEST 1
#define OVL_ARPOP_REPLY	  2

struct ovl_pkt {
	__u16 proto;	 /* ETH_P_IP, ETH_P_IPV6 or ETH_P_ARP, host order */
	__u16 arp_op;	 /* ARP: OVL_ARPOP_*, host order */
	__u8 nexthdr;	 /* IPv6: the fixed header's next header */
	__be32 saddr[4]; /* ARP: sender address; IPv4, ARP: [0] only */
	__be32 daddr[4]; /* ARP: target address */
};

/*
 * Make the first len bytes of the frame readable through skb->data.
 * Returns 0, or the reason to drop.
 */
static __always_inline int
ovl_pkt_pull(struct __sk_buff *skb, __u32 len)
{
	if ((void *)(long)skb->data + len <= (void *)(long)skb->data_end)
		return 0;
	if (skb->len < len)
		return OVL_REASON_TRUNCATED;
	/* Only fails on allocation; the frame is unusable either way. */
	if (bpf_skb_pull_data(skb, len) < 0)
		return OVL_REASON_TRUNCATED;
	return 0;
}

static __always_inline int
ovl_pkt_ipv4(struct __sk_buff *skb, struct ovl_pkt *pkt)
{
	const __u32 need = ETH_HLEN + sizeof(struct iphdr);
	void *data, *data_end;
	struct iphdr *ip;
	__u32 l3len, tot;
	int r;

	r = ovl_pkt_pull(skb, need);
	if (r)
		return r;
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	if (data + need > data_end)
		return OVL_REASON_TRUNCATED;
	ip = data + ETH_HLEN;
	if (ip->version != 4 || ip->ihl < 5)
		return OVL_REASON_MALFORMED;
	l3len = skb->len - ETH_HLEN;
	tot = bpf_ntohs(ip->tot_len);
	/* BIG TCP (Linux 6.3+) sends GSO packets over 64k with tot_len 0. */
	if (tot == 0 && skb->gso_size)
		tot = l3len;
	if (tot < (__u32)ip->ihl * 4)
		return OVL_REASON_MALFORMED;
	if (tot > l3len)
		return OVL_REASON_TRUNCATED;
	pkt->proto = ETH_P_IP;
	pkt->saddr[0] = ip->saddr;
	pkt->daddr[0] = ip->daddr;
	return 0;
}

static __always_inline int
ovl_pkt_ipv6(struct __sk_buff *skb, struct ovl_pkt *pkt)
{
	const __u32 need = ETH_HLEN + sizeof(struct ipv6hdr);
	void *data, *data_end;
	struct ipv6hdr *ip6;
	int r;

	r = ovl_pkt_pull(skb, need);
	if (r)
		return r;
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	if (data + need > data_end)
		return OVL_REASON_TRUNCATED;
	ip6 = data + ETH_HLEN;
	if (ip6->version != 6)
		return OVL_REASON_MALFORMED;
	/*
	 * payload_len 0 is a frame with no payload, or a jumbogram / BIG TCP
	 * GSO packet whose length lives elsewhere: both fit by definition.
	 */
	if (sizeof(*ip6) + bpf_ntohs(ip6->payload_len) > skb->len - ETH_HLEN)
		return OVL_REASON_TRUNCATED;
	pkt->proto = ETH_P_IPV6;
	pkt->nexthdr = ip6->nexthdr;
	__builtin_memcpy(pkt->saddr, &ip6->saddr, sizeof(pkt->saddr));
	__builtin_memcpy(pkt->daddr, &ip6->daddr, sizeof(pkt->daddr));
	return 0;
}

static __always_inline int
ovl_pkt_arp(struct __sk_buff *skb, struct ovl_pkt *pkt)
{
	const __u32 need = ETH_HLEN + sizeof(struct ovl_arp);
	void *data, *data_end;
	struct ovl_arp *arp;
	int r;

	r = ovl_pkt_pull(skb, need);
	if (r)
		return r;
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	if (data + need > data_end)
		return OVL_REASON_TRUNCATED;
	arp = data + ETH_HLEN;
	if (arp->hrd != bpf_htons(OVL_ARPHRD_ETHER) ||
	    arp->pro != bpf_htons(ETH_P_IP) || arp->hln != ETH_ALEN ||
	    arp->pln != 4)
		return OVL_REASON_UNSUPPORTED;
	if (arp->op != bpf_htons(OVL_ARPOP_REQUEST) &&
	    arp->op != bpf_htons(OVL_ARPOP_REPLY))
		return OVL_REASON_UNSUPPORTED;
	pkt->proto = ETH_P_ARP;
	pkt->arp_op = bpf_ntohs(arp->op);
	__builtin_memcpy(&pkt->saddr[0], arp->spa, 4);
	__builtin_memcpy(&pkt->daddr[0], arp->tpa, 4);
	return 0;
}

/* Parse the frame at skb->data.  Returns 0, or the reason to drop. */
static __always_inline int
ovl_pkt_parse(struct __sk_buff *skb, struct ovl_pkt *pkt)
{
	void *data, *data_end;
	struct ethhdr *eth;
	int r;

	r = ovl_pkt_pull(skb, ETH_HLEN);
	if (r)
		return r;
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	if (data + ETH_HLEN > data_end)
		return OVL_REASON_TRUNCATED;
	eth = data;
	switch (eth->h_proto) {
	case __bpf_constant_htons(ETH_P_IP):
		return ovl_pkt_ipv4(skb, pkt);
	case __bpf_constant_htons(ETH_P_IPV6):
		return ovl_pkt_ipv6(skb, pkt);
	case __bpf_constant_htons(ETH_P_ARP):
		return ovl_pkt_arp(skb, pkt);
	default:
		/* VLAN-tagged inner frames included: not ours to carry. */
		return OVL_REASON_UNSUPPORTED;
	}
}

/* Rewrite the inner destination MAC.  Returns 0, or the reason to drop. */
static __always_inline int
ovl_pkt_set_dmac(struct __sk_buff *skb, const __u8 *mac)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;

	/* Parsing pulled at least this much; the check is for the verifier. */
	if (data + ETH_HLEN > data_end)
		return OVL_REASON_TRUNCATED;
	__builtin_memcpy(eth->h_dest, mac, ETH_ALEN);
	return 0;
}

/* IPv4-mapped IPv6 address (RFC 4291 2.5.5.2) from an IPv4 address. */
static __always_inline void
ovl_addr_map4(__be32 *dst, __be32 v4)
{
	dst[0] = 0;
	dst[1] = 0;
	dst[2] = bpf_htonl(0xffff);
	dst[3] = v4;
}

static __always_inline int
ovl_addr_is_v4(const __be32 *a)
{
	return a[0] == 0 && a[1] == 0 && a[2] == bpf_htonl(0xffff);
}

/* Fold a 32-bit ones' complement sum; a correct checksum gives 0xffff. */
static __always_inline __u32
ovl_csum_fold(__u64 sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u32)sum;
}

#endif /* FERRY_BPF_LIB_OVL_PKT_H */
