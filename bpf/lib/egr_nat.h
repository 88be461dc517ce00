/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The NAT decision and rewrite of the egress datapath that do not touch
 * maps: which table a parsed packet is looked up in and under which key
 * (egr_step_out / egr_step_in), and the in-place rewrite of addresses,
 * ports and every checksum they are covered by, outside and inside ICMP
 * errors (egr_rewrite / egr_rewrite_quoted).
 *
 * Written over the primitives of egr_pkt.h (egr_store, egr_l3_csum,
 * egr_l4_csum, egr_diff), which are the kernel's helpers in BPF and plain
 * buffer operations in user space, so that tests/fuzz/fuzz_egress_pkt.c
 * drives exactly this code with arbitrary frames and checks that a
 * rewrite keeps valid checksums valid.
 */
#ifndef FERRY_BPF_LIB_EGR_NAT_H
#define FERRY_BPF_LIB_EGR_NAT_H

#include "egress.h"
#include "egr_csum.h"
#include "egr_pkt.h"

/* What to do with a parsed packet before any policy lookup. */
enum egr_step {
	EGR_STEP_PASS = 0, /* not IP: leave it */
	EGR_STEP_CONN,	   /* look key up as a connection (egr_ct / egr_rev) */
	EGR_STEP_ICMP_ERR, /* look key (from the quote) up as a connection */
	EGR_STEP_FRAG,	   /* look the datagram up in egr_frag */
	EGR_STEP_POLICY,   /* out: nothing to look up, classify */
};

/*
 * egr_out: a packet from a pod.  A connection is found under the
 * packet's own tuple (egr_ct key); an ICMP error about a reply the pod
 * got, under the quoted reply's tuple swapped.
 */
static __always_inline int
egr_step_out(const struct egr_pkt *p, struct egr_tuple *key)
{
	switch (p->kind) {
	case EGR_PKT_NONE:
		return EGR_STEP_PASS;
	case EGR_PKT_PORTS:
	case EGR_PKT_ECHO_REQ:
		*key = p->t;
		return EGR_STEP_CONN;
	case EGR_PKT_ICMP_ERR:
		/* The quote is a reply to the pod that sends the error. */
		if ((p->i.kind != EGR_PKT_PORTS &&
			p->i.kind != EGR_PKT_ECHO_REPLY) ||
		    !egr_addr_eq(p->t.saddr, p->in.daddr))
			return EGR_STEP_POLICY;
		egr_tuple_swap(key, &p->in);
		return EGR_STEP_ICMP_ERR;
	case EGR_PKT_FRAG:
		return EGR_STEP_FRAG;
	default:
		return EGR_STEP_POLICY;
	}
}

/*
 * egr_in: a packet from outside.  Replies are found under their own
 * tuple (egr_rev key); an ICMP error about a packet we sent, under the
 * quoted packet's tuple swapped.  Everything else is passed: echo
 * requests and unsolicited packets never reach a pod.
 */
static __always_inline int
egr_step_in(const struct egr_pkt *p, struct egr_tuple *key)
{
	switch (p->kind) {
	case EGR_PKT_PORTS:
	case EGR_PKT_ECHO_REPLY:
		*key = p->t;
		return EGR_STEP_CONN;
	case EGR_PKT_ICMP_ERR:
		/* The quote is our packet, from the address the error is to. */
		if ((p->i.kind != EGR_PKT_PORTS &&
			p->i.kind != EGR_PKT_ECHO_REQ) ||
		    !egr_addr_eq(p->t.daddr, p->in.saddr))
			return EGR_STEP_PASS;
		egr_tuple_swap(key, &p->in);
		return EGR_STEP_ICMP_ERR;
	case EGR_PKT_FRAG:
		return EGR_STEP_FRAG;
	default:
		return EGR_STEP_PASS;
	}
}

/*
 * Replace the source (dst == 0) or destination address of the packet's
 * own IP header with addr, and the matching port (or echo identifier)
 * with port when the packet has one.  Fixes the IPv4 header checksum and
 * the transport checksum (pseudo-header for the address, plain for the
 * port; a zero UDP checksum stays zero, BPF_F_MARK_MANGLED_0).
 *
 * ICMPv4 has no pseudo-header, so an echo reply translated back (dst) to
 * its identifier can be a message of zeros (identifier 0, sequence 0, no
 * data; a request's type is 8, never zero).  For it RFC 1624 equation 3
 * gives 0x0000, which every receiver refuses.  0xffff, the other zero, is
 * right wherever 0x0000 is and for that message too.  The helper cannot
 * be told so (BPF_F_MARK_MANGLED_0 also leaves a field of 0x0000 alone,
 * and 0x0000 is a valid ICMP checksum), but the checksum is at hand (the
 * address is not under it), so the field is computed here.
 * Returns 0, or -1 if a write failed (the packet is then unusable).
 */
static __always_inline int
egr_rewrite(EGR_CTX *skb, const struct egr_pkt *p, int dst, const __be32 *addr,
    __be16 port)
{
	const __be32 *old = dst ? p->t.daddr : p->t.saddr;
	__be16 oport = dst ? p->t.dport : p->t.sport;
	__u32 poff = dst ? p->o.dport_off : p->o.sport_off;
	__u64 mz = p->o.zero_ok ? BPF_F_MARK_MANGLED_0 : 0;
	__u32 aoff;
	__s64 diff;
	__u16 c;

	if (!p->v6) {
		aoff = p->o.l3off + (dst ? 16 : 12);
		if (egr_store(skb, aoff, &addr[3], 4))
			return -1;
		if (egr_l3_csum(skb, p->o.l3off + 10, old[3], addr[3], 4))
			return -1;
		if (p->o.csum_off && p->o.pseudo &&
		    egr_l4_csum(skb, p->o.csum_off, old[3], addr[3],
			BPF_F_PSEUDO_HDR | 4 | mz))
			return -1;
	} else {
		aoff = p->o.l3off + (dst ? 24 : 8);
		diff = egr_diff(old, addr, 16);
		if (diff < 0 || egr_store(skb, aoff, addr, 16))
			return -1;
		if (p->o.csum_off && p->o.pseudo &&
		    egr_l4_csum(skb, p->o.csum_off, 0, (__u32)diff,
			BPF_F_PSEUDO_HDR | mz))
			return -1;
	}
	if (poff == 0 || port == oport)
		return 0;
	if (egr_store(skb, poff, &port, 2))
		return -1;
	if (dst && p->o.csum_off && !p->o.pseudo) {
		/* An ICMPv4 echo reply given back its identifier. */
		c = egr_csum_apply(
		    p->o.l4csum, egr_csum_word(0, oport, port), 0);
		c = egr_csum_fold(c + 0xffffU); /* 0x0000 becomes 0xffff */
		return egr_store(skb, p->o.csum_off, &c, 2);
	}
	if (p->o.csum_off &&
	    egr_l4_csum(skb, p->o.csum_off, oport, port, 2 | mz))
		return -1;
	return 0;
}

/*
 * The quoted packet of an ICMP error: replace its source (dst == 0) or
 * destination address and port, recompute its IPv4 header checksum and
 * (when quoted) its transport checksum, and carry every changed word into
 * the outer ICMP checksum.  The outer IP header is egr_rewrite()'s.
 */
static __always_inline int
egr_rewrite_quoted(EGR_CTX *skb, const struct egr_pkt *p, int dst,
    const __be32 *addr, __be16 port)
{
	const struct egr_hdrs *h = &p->i;
	const __be32 *old = dst ? p->in.daddr : p->in.saddr;
	__be16 oport = dst ? p->in.dport : p->in.sport;
	__u32 poff = dst ? h->dport_off : h->sport_off;
	__u32 outer = 0, l4 = 0, aoff;
	__u16 ipc, l4c;

	if (!p->v6) {
		aoff = h->l3off + (dst ? 16 : 12);
		if (egr_store(skb, aoff, &addr[3], 4))
			return -1;
		outer = egr_csum_bytes(outer, &old[3], &addr[3], 4);
		ipc = egr_csum_apply(
		    h->ipcsum, egr_csum_bytes(0, &old[3], &addr[3], 4), 0);
		if (egr_store(skb, h->l3off + 10, &ipc, 2))
			return -1;
		outer = egr_csum_word(outer, h->ipcsum, ipc);
		if (h->pseudo)
			l4 = egr_csum_bytes(l4, &old[3], &addr[3], 4);
	} else {
		aoff = h->l3off + (dst ? 24 : 8);
		if (egr_store(skb, aoff, addr, 16))
			return -1;
		outer = egr_csum_bytes(outer, old, addr, 16);
		if (h->pseudo)
			l4 = egr_csum_bytes(l4, old, addr, 16);
	}
	if (poff && port != oport) {
		if (egr_store(skb, poff, &port, 2))
			return -1;
		outer = egr_csum_word(outer, oport, port);
		l4 = egr_csum_word(l4, oport, port);
	}
	if (h->csum_off) {
		l4c = egr_csum_apply(h->l4csum, l4, h->zero_ok);
		if (l4c != h->l4csum) {
			if (egr_store(skb, h->csum_off, &l4c, 2))
				return -1;
			outer = egr_csum_word(outer, h->l4csum, l4c);
		}
	}
	/* Size 0: "to" is a difference to add, not a value to replace. */
	if (egr_l4_csum(skb, p->o.csum_off, 0, outer, 0))
		return -1;
	return 0;
}

#endif /* FERRY_BPF_LIB_EGR_NAT_H */
