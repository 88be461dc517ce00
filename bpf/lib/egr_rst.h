/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The TCP reset a gateway answers with for a segment of a connection it
 * does not know (docs/design.md, "Egress high availability": without
 * sync, reset, don't hang).  A policy's gateway died and a node moved
 * the pod's flow here; a new mapping would send the remote a mid-stream
 * segment from a source it never saw.  Instead the segment is turned,
 * in place, into the reset the remote itself would send for a segment
 * of no connection, and the pod gives up at once instead of
 * retransmitting for minutes.
 *
 * RFC 9293 section 3.10.7.1 (CLOSED state): "An incoming segment
 * containing a RST is discarded.  An incoming segment not containing a
 * RST causes a RST to be sent in response.  [...] If the ACK bit is off,
 * sequence number zero is used, <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
 * If the ACK bit is on, <SEQ=SEG.ACK><CTL=RST>."  SEG.LEN counts the
 * data and the FIN (a SYN never gets here: it opens a connection).
 *
 * Our implementation: the frame is cut to its headers (TCP options and
 * data dropped), or where the kernel will not cut it (an skb still
 * marked as encapsulated, as the overlay's BPF decapsulation leaves it),
 * the IP length says headers only and the stack cuts the rest when the
 * frame comes back in (ip_rcv_core(), ipv6_rcv() trim to it); a GSO
 * frame that cannot be cut is dropped instead (segmenting would fail),
 * and its retransmission, a single segment, gets the reset.  The
 * headers are written from scratch: Ethernet
 * addresses swapped, IPv4 (no options, DF, ID 0, RFC 6864 section 4.1)
 * or IPv6 (traffic class and flow label 0) from the remote to the pod,
 * TTL or hop limit 64, the ports swapped, window 0.  Both checksums are
 * summed over the new headers, never updated from the old ones.  Only a
 * segment whose TCP header follows the fixed IP header is answered: IPv4
 * options or IPv6 extension headers (a source route would make the
 * destination a hop, not the remote) and fragments are left to the
 * caller.  The TCP header stays where it was, so a CHECKSUM_PARTIAL skb
 * (a GRO-merged segment, a local pod's) keeps a right csum_start.
 *
 * The TCP checksum field is not simply written.  Which value is right
 * depends on the skb's checksum state, which a program cannot read: the
 * full checksum, or for CHECKSUM_PARTIAL (which the cut keeps) the
 * pseudo-header's sum that the device completes.  So the field is
 * written as zero and two helper updates add the sums: the
 * pseudo-header's (BPF_F_PSEUDO_HDR: applied in every state), then the
 * TCP header's (applied only where the checksum is not left to the
 * device).  Zero plus both is the full checksum; zero plus the
 * pseudo-header's is what CHECKSUM_PARTIAL wants.  skb->csum needs no
 * care: a cut that shortens drops CHECKSUM_COMPLETE, and the reset,
 * addressed to a pod, goes through ip_forward(), which drops it anyway.
 *
 * The headers are assembled in struct egr_rst_buf, which the BPF caller
 * takes from a per-CPU map: egr_out's stack is nearly full where it
 * calls, and a called function's stack adds to it (512 bytes in all).
 *
 * Over the primitives of egr_pkt.h, so that the libFuzzer target runs
 * exactly this code on arbitrary frames (tests/fuzz/fuzz_egress_pkt.c).
 */
#ifndef FERRY_BPF_LIB_EGR_RST_H
#define FERRY_BPF_LIB_EGR_RST_H

#include "egress.h"
#include "egr_csum.h"
#include "egr_pkt.h"

#define EGR_RST_DONE   0  /* the frame is the reset now */
#define EGR_RST_NO     -1 /* not a segment we answer; frame untouched */
#define EGR_RST_BROKEN -2 /* a write failed after the cut: unusable */
#define EGR_RST_LATER  -3 /* cannot be cut now: drop, the resend will be */

#define EGR_RST_TTL 64

/* Room to assemble the reset in; every member 4-byte aligned. */
struct egr_rst_buf {
	__u8 mac[12]; /* destination, source */
	__u8 tmp[16];
	__u8 ip[40];
	__u8 sh[20]; /* the segment's TCP header, fixed part */
	__u8 th[20]; /* the reset's */
} __attribute__((aligned(8)));

/* The reset's TCP header (20 bytes at th) for the segment s (20 at sh). */
static __always_inline void
egr_rst_tcp(__u8 *th, const __u8 *sh, __u32 seglen)
{
	__be32 seq, ack;

	__builtin_memset(th, 0, 20);
	__builtin_memcpy(th, sh + 2, 2); /* from the remote's port */
	__builtin_memcpy(th + 2, sh, 2); /* to the pod's */
	th[12] = 5 << 4;
	if (sh[13] & EGR_TH_ACK) {
		/* <SEQ=SEG.ACK><CTL=RST> */
		__builtin_memcpy(&seq, sh + 8, 4);
		__builtin_memcpy(th + 4, &seq, 4);
		th[13] = EGR_TH_RST;
	} else {
		/* <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> */
		__builtin_memcpy(&seq, sh + 4, 4);
		ack = bpf_htonl(bpf_ntohl(seq) + seglen);
		__builtin_memcpy(th + 8, &ack, 4);
		th[13] = EGR_TH_RST | EGR_TH_ACK;
	}
}

/*
 * Turn the frame in ctx, a TCP segment from a pod, into the reset from
 * the remote, assembled in w.  Returns EGR_RST_DONE, EGR_RST_NO,
 * EGR_RST_BROKEN or EGR_RST_LATER (frame untouched).
 */
static __always_inline int
egr_rst(EGR_CTX *ctx, struct egr_rst_buf *w)
{
	__u32 len = egr_len(ctx), hl, tot, doff, l4, psum, hsum;
	/* Told, or clang copies a byte at a time (see egr_copy). */
	__u8 *ip = EGR_ASSUME_ALIGNED(w->ip);
	__u8 *sh = EGR_ASSUME_ALIGNED(w->sh);
	__u8 *th = EGR_ASSUME_ALIGNED(w->th);
	__u8 *mac = EGR_ASSUME_ALIGNED(w->mac);
	__u8 *tmp = EGR_ASSUME_ALIGNED(w->tmp);
	__be16 proto;
	__u16 c;
	int v6;

	if (len < ETH_HLEN || egr_load(ctx, 0, mac, 12) ||
	    egr_load(ctx, 12, &proto, 2))
		return EGR_RST_NO;
	if (proto == bpf_htons(ETH_P_IP)) {
		v6 = 0;
		hl = 20;
		if (egr_load(ctx, ETH_HLEN, ip, 20))
			return EGR_RST_NO;
		/* No options; neither MF nor an offset (DF may be set). */
		if (ip[0] != 0x45 || ip[9] != IPPROTO_TCP || (ip[6] & 0x3f) ||
		    ip[7])
			return EGR_RST_NO;
		tot = (__u32)ip[2] << 8 | ip[3];
		/* BIG TCP (Linux 6.3+) sends GSO packets with tot_len 0. */
		if (tot == 0 && egr_gso(ctx))
			tot = len - ETH_HLEN;
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		v6 = 1;
		hl = 40;
		if (egr_load(ctx, ETH_HLEN, ip, 40))
			return EGR_RST_NO;
		if ((ip[0] >> 4) != 6 || ip[6] != IPPROTO_TCP)
			return EGR_RST_NO;
		tot = 40 + ((__u32)ip[4] << 8 | ip[5]);
		if (tot == 40 && egr_gso(ctx))
			tot = len - ETH_HLEN;
	} else {
		return EGR_RST_NO;
	}
	l4 = ETH_HLEN + hl;
	if (tot < hl + 20 || tot > len - ETH_HLEN || egr_load(ctx, l4, sh, 20))
		return EGR_RST_NO;
	doff = (sh[12] >> 4) * 4U;
	if ((sh[13] & (EGR_TH_SYN | EGR_TH_RST)) || doff < 20 ||
	    doff > tot - hl)
		return EGR_RST_NO;
	egr_rst_tcp(th, sh, tot - hl - doff + (sh[13] & EGR_TH_FIN ? 1 : 0));

	/* The IP header, from the remote to the pod. */
	if (v6) {
		__builtin_memcpy(tmp, ip + 8, 16);
		__builtin_memcpy(ip + 8, ip + 24, 16);
		__builtin_memcpy(ip + 24, tmp, 16);
		ip[0] = 0x60;
		ip[1] = 0;
		ip[2] = 0;
		ip[3] = 0;
		ip[4] = 0;
		ip[5] = 20;
		ip[7] = EGR_RST_TTL;
	} else {
		__builtin_memcpy(tmp, ip + 12, 4);
		__builtin_memcpy(ip + 12, ip + 16, 4);
		__builtin_memcpy(ip + 16, tmp, 4);
		ip[1] = 0;
		ip[2] = 0;
		ip[3] = 40;
		ip[4] = 0;
		ip[5] = 0;
		ip[6] = 0x40; /* DF */
		ip[7] = 0;
		ip[8] = EGR_RST_TTL;
		ip[10] = 0;
		ip[11] = 0;
		c = (__u16)~egr_csum_fold(egr_csum_sum(0, ip, 20));
		__builtin_memcpy(ip + 10, &c, 2);
	}

	/* Ethernet: back where the frame came from. */
	__builtin_memcpy(tmp, mac, 6);
	__builtin_memcpy(mac, mac + 6, 6);
	__builtin_memcpy(mac + 6, tmp, 6);

	if (egr_trim(ctx, l4 + 20) && egr_gso(ctx))
		return EGR_RST_LATER;
	if (egr_store(ctx, 0, mac, 12) ||
	    (v6 ? egr_store(ctx, ETH_HLEN, ip, 40)
		: egr_store(ctx, ETH_HLEN, ip, 20)) ||
	    egr_store(ctx, l4, th, 20))
		return EGR_RST_BROKEN;
	/*
	 * Zero, plus the pseudo-header, plus the header (see above).  Each
	 * sum is taken from w just before its call, so that the compiler
	 * keeps no words across calls (the stack is short, see above).
	 */
	psum = v6 ? egr_csum_sum(0, ip + 8, 32) : egr_csum_sum(0, ip + 12, 8);
	psum = egr_csum_add(psum, bpf_htons(IPPROTO_TCP));
	psum = egr_csum_add(psum, bpf_htons(20));
	if (egr_l4_csum(ctx, l4 + 16, 0, psum, BPF_F_PSEUDO_HDR))
		return EGR_RST_BROKEN;
	hsum = egr_csum_sum(0, th, 20);
	if (egr_l4_csum(ctx, l4 + 16, 0, hsum, 0))
		return EGR_RST_BROKEN;
	return EGR_RST_DONE;
}

#endif /* FERRY_BPF_LIB_EGR_RST_H */
