/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Packet parsing for the egress datapath: Ethernet, IPv4 or IPv6 (with
 * its extension headers and fragment header), then TCP, UDP, ICMP or
 * ICMPv6, and for ICMP errors the IP and transport header they quote.
 * The result is the connection tuple (struct egr_tuple, as egress.h
 * defines it) plus the offsets of every field the programs rewrite, so
 * the rewriting code never parses again.
 *
 * Every read goes through egr_load(), which is bpf_skb_load_bytes() in
 * BPF and a bounds-checked memcpy() over a buffer in user space: the
 * same parser runs in the tc programs and in the libFuzzer target
 * (tests/fuzz/fuzz_egress_pkt.c), with no packet pointer for the
 * verifier to track and no dependence on how much of the skb is linear.
 *
 * What is checked is what translation needs: IP version, IHL, that the
 * total / payload length fits in the frame, a whole transport header in
 * the outer packet.  A quoted (ICMP error) packet needs its IP header
 * and 8 bytes of transport header, all RFC 792 guarantees; a quoted
 * transport checksum is rewritten only when it lies within the quote.
 */
#ifndef FERRY_BPF_LIB_EGR_PKT_H
#define FERRY_BPF_LIB_EGR_PKT_H

#include <linux/types.h>
#include <linux/if_ether.h>

#include "egress.h"

#ifdef __bpf__
#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "egr_csum.h"

#define EGR_CTX struct __sk_buff

/*
 * Headers live in the first EGR_DIRECT_MAX bytes: read (and write) them
 * with direct packet access when they are in the linear part, which
 * costs a few instructions; through the helpers otherwise.
 */
#define EGR_DIRECT_MAX 512

/*
 * skb->data and skb->data_end, read as the verifier wants them: a load
 * at a constant offset from the context pointer.  Plain C lets clang
 * hoist &skb->data_end into a register of its own, which the verifier
 * rejects ("dereference of modified ctx ptr").
 */
static __always_inline void *
egr_skb_data(struct __sk_buff *skb)
{
	void *p;

	asm volatile(
	    "%0 = *(u32 *)(%1 + %2)"
	    : "=r"(p)
	    : "r"(skb), "i"(__builtin_offsetof(struct __sk_buff, data)));
	return p;
}

static __always_inline void *
egr_skb_end(struct __sk_buff *skb)
{
	void *p;

	asm volatile(
	    "%0 = *(u32 *)(%1 + %2)"
	    : "=r"(p)
	    : "r"(skb), "i"(__builtin_offsetof(struct __sk_buff, data_end)));
	return p;
}

/*
 * Copies between the packet and the stack, in words.  Told nothing about
 * alignment, clang copies a void pointer byte by byte (a 20-byte IPv4
 * header: 20 loads, 19 shifts and ors); every stack buffer given to
 * egr_load / egr_store is 4-byte aligned (EGR_ALIGNED) or a naturally
 * aligned scalar, which the verifier insists on for the stack.  Packet
 * words need not be aligned: the verifier only checks that on
 * architectures without efficient unaligned access, which ferry does not
 * run on (x86-64, arm64).
 */
#define EGR_ALIGNED	      __attribute__((aligned(4)))
#define EGR_ASSUME_ALIGNED(p) __builtin_assume_aligned(p, 4)
#define egr_copy(to, from, len)                           \
	__builtin_memcpy(__builtin_assume_aligned(to, 4), \
	    __builtin_assume_aligned(from, 4), len)

static __always_inline int
egr_load(struct __sk_buff *skb, __u32 off, void *to, __u32 len)
{
	void *data = egr_skb_data(skb), *end = egr_skb_end(skb);

	if (off < EGR_DIRECT_MAX && data + off + len <= end) {
		egr_copy(to, data + off, len);
		return 0;
	}
	return bpf_skb_load_bytes(skb, off, to, len) ? -1 : 0;
}

static __always_inline __u32
egr_len(struct __sk_buff *skb)
{
	return skb->len;
}

static __always_inline int
egr_gso(struct __sk_buff *skb)
{
	return skb->gso_size != 0;
}

/* Checksum fixes: the helpers, which know the skb's checksum state. */
static __always_inline int
egr_store(struct __sk_buff *skb, __u32 off, const void *from, __u32 len)
{
	void *data = egr_skb_data(skb), *end = egr_skb_end(skb);

	/* Same as the helper with flags 0: skb->csum is left alone. */
	if (off < EGR_DIRECT_MAX && data + off + len <= end) {
		egr_copy(data + off, from, len);
		return 0;
	}
	return bpf_skb_store_bytes(skb, off, from, len, 0) ? -1 : 0;
}

/*
 * The IPv4 header checksum is computed in software on every path and is
 * not covered by skb->csum's concern (a change of the header and its
 * checksum together leaves the header's sum unchanged), so what
 * bpf_l3_csum_replace() does for a 4-byte field (csum_replace4) is done
 * here inline when the field is linear: one helper call less per packet.
 */
static __always_inline int
egr_l3_csum(struct __sk_buff *skb, __u32 off, __u64 from, __u64 to, __u64 sz)
{
	void *data = egr_skb_data(skb), *end = egr_skb_end(skb);
	__u32 f = (__u32)from, t = (__u32)to;
	__u16 *c;

	if (sz == 4 && off < EGR_DIRECT_MAX && data + off + 2 <= end) {
		c = data + off;
		*c = egr_csum_apply(*c, egr_csum_bytes(0, &f, &t, 4), 0);
		return 0;
	}
	return bpf_l3_csum_replace(skb, off, from, to, sz) ? -1 : 0;
}

static __always_inline int
egr_l4_csum(struct __sk_buff *skb, __u32 off, __u64 from, __u64 to, __u64 flags)
{
	return bpf_l4_csum_replace(skb, off, from, to, flags) ? -1 : 0;
}

/* The checksum difference between n bytes at from and at to. */
static __always_inline __s64
egr_diff(const void *from, const void *to, __u32 n)
{
	return bpf_csum_diff((__be32 *)from, n, (__be32 *)to, n, 0);
}

/*
 * Cut the frame to len bytes, only ever shorter (egr_rst.h).  The helper
 * leaves the skb linear, drops GSO and turns CHECKSUM_COMPLETE into
 * CHECKSUM_NONE; CHECKSUM_PARTIAL stays.  It refuses an skb with
 * skb->encapsulation set, which a decapsulation in BPF (the overlay's
 * ovl_underlay_rx) leaves behind.
 */
static __always_inline int
egr_trim(struct __sk_buff *skb, __u32 len)
{
	return bpf_skb_change_tail(skb, len, 0) ? -1 : 0;
}
#else /* user space */
#include <string.h>
#include <netinet/in.h> /* IPPROTO_*; <linux/in.h> clashes with libc */
#include <arpa/inet.h>

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#define bpf_htons(x) htons(x)
#define bpf_ntohs(x) ntohs(x)
#define bpf_htonl(x) htonl(x)
#define bpf_ntohl(x) ntohl(x)

#include <linux/bpf.h> /* BPF_F_* flags */

#include "egr_csum.h"

/*
 * A frame in a buffer, standing in for the skb.  no_trim: egr_trim
 * refuses, as the kernel does for an skb it will not cut.
 */
struct egr_buf {
	__u8 *data;
	__u32 len;
	int no_trim;
};

#define EGR_CTX		      struct egr_buf
#define EGR_ALIGNED	      __attribute__((aligned(4)))
/* Only the BPF code needs it; UBSan in clang 14 crashes on it. */
#define EGR_ASSUME_ALIGNED(p) ((void *)(p))

static inline int
egr_load(const struct egr_buf *b, __u32 off, void *to, __u32 len)
{
	if (off > b->len || len > b->len - off)
		return -1;
	memcpy(to, b->data + off, len);
	return 0;
}

static inline __u32
egr_len(const struct egr_buf *b)
{
	return b->len;
}

static inline int
egr_gso(const struct egr_buf *b)
{
	(void)b;
	return 0;
}

static inline int
egr_store(struct egr_buf *b, __u32 off, const void *from, __u32 len)
{
	if (off > b->len || len > b->len - off)
		return -1;
	memcpy(b->data + off, from, len);
	return 0;
}

/*
 * The helpers' semantics for an skb without checksum offload
 * (CHECKSUM_NONE): the field is updated whether or not the change is to
 * the pseudo-header.  sz/flags: the field size (2 or 4) in the low bits,
 * 0 meaning "to is a difference"; BPF_F_MARK_MANGLED_0 as in the kernel.
 */
static inline int
egr_csum_field(struct egr_buf *b, __u32 off, __u64 from, __u64 to, __u64 flags)
{
	__u32 sz = flags & BPF_F_HDR_FIELD_MASK, diff;
	int mz = (flags & BPF_F_MARK_MANGLED_0) != 0;
	__u16 c, f16, t16;
	__u32 f32, t32;

	if (egr_load(b, off, &c, 2))
		return -1;
	if (mz && c == 0)
		return 0;
	if (sz == 0) {
		diff = (__u32)to;
	} else if (sz == 2) {
		f16 = (__u16)from;
		t16 = (__u16)to;
		diff = egr_csum_word(0, f16, t16);
	} else if (sz == 4) {
		f32 = (__u32)from;
		t32 = (__u32)to;
		diff = egr_csum_bytes(0, &f32, &t32, 4);
	} else {
		return -1;
	}
	c = egr_csum_apply(c, diff, 0);
	if (mz && c == 0)
		c = 0xffff;
	return egr_store(b, off, &c, 2);
}

static inline int
egr_l3_csum(struct egr_buf *b, __u32 off, __u64 from, __u64 to, __u64 sz)
{
	return egr_csum_field(b, off, from, to, sz & BPF_F_HDR_FIELD_MASK);
}

static inline int
egr_l4_csum(struct egr_buf *b, __u32 off, __u64 from, __u64 to, __u64 flags)
{
	return egr_csum_field(b, off, from, to, flags);
}

static inline __s64
egr_diff(const void *from, const void *to, __u32 n)
{
	return egr_csum_bytes(0, from, to, n);
}

static inline int
egr_trim(struct egr_buf *b, __u32 len)
{
	if (b->no_trim || len > b->len)
		return -1;
	b->len = len;
	return 0;
}
#endif

#define EGR_IPPROTO_HOPOPTS  0
#define EGR_IPPROTO_ROUTING  43
#define EGR_IPPROTO_FRAGMENT 44
#define EGR_IPPROTO_ICMPV6   58
#define EGR_IPPROTO_DSTOPTS  60
#define EGR_IP6_EXT_MAX	     4 /* extension headers walked before giving up */

#define EGR_IP_MF     0x2000
#define EGR_IP_OFFSET 0x1fff

#define EGR_TH_FIN 0x01
#define EGR_TH_SYN 0x02
#define EGR_TH_RST 0x04
#define EGR_TH_ACK 0x10

enum egr_pkt_kind {
	EGR_PKT_NONE = 0,   /* not IPv4 or IPv6: not ours */
	EGR_PKT_PORTS,	    /* TCP or UDP */
	EGR_PKT_ECHO_REQ,   /* ICMP / ICMPv6 echo request */
	EGR_PKT_ECHO_REPLY, /* ICMP / ICMPv6 echo reply */
	EGR_PKT_ICMP_ERR,   /* ICMP error; the quoted packet in .in */
	EGR_PKT_FRAG,	    /* a fragment after the first: no L4 header */
	EGR_PKT_OTHER,	    /* another protocol or ICMP type */
};

/* Where the rewritable fields of one IP + transport header pair are. */
struct egr_hdrs {
	__u32 l3off;
	__u32 l4off;
	__u32 csum_off;	 /* transport checksum; 0: none, or not quoted */
	__u32 sport_off; /* source port / request identifier; 0: none */
	__u32 dport_off; /* destination port / reply identifier; 0: none */
	__u16 ipcsum;	 /* IPv4 header checksum as found (quoted headers) */
	__u16 l4csum;	 /* transport checksum as found (quoted headers) */
	__u8 pseudo;	 /* the transport checksum covers a pseudo-header */
	__u8 zero_ok;	 /* UDP: a zero checksum means none */
	__u8 kind;	 /* enum egr_pkt_kind */
	__u8 pad;
};

struct egr_pkt {
	struct egr_tuple t; /* ports per the egr_tuple convention */
	struct egr_hdrs o;  /* the packet's own headers */
	__be32 frag_id;	    /* IPv4 ID (zero-extended) or IPv6 ident */
	__u8 v6;
	__u8 kind;	/* enum egr_pkt_kind */
	__u8 tcp_flags; /* TCP only */
	__u8 first;	/* first fragment of a fragmented datagram */
	/* EGR_PKT_ICMP_ERR: the quoted packet, same family as the outer. */
	struct egr_tuple in;
	struct egr_hdrs i;
};

/*
 * The transport header at h->l4off, the datagram ending at end.
 * quoted: inside an ICMP error, where only 8 bytes are sure to be there
 * and an error is never parsed further.  Returns 0 or a drop reason.
 */
static __always_inline int
egr_pkt_l4(EGR_CTX *ctx, struct egr_tuple *t, struct egr_hdrs *h, int v6,
    __u32 end, int quoted, __u8 *tcp_flags)
{
	__u32 off = h->l4off;
	__u8 b[20] EGR_ALIGNED;

	if (off + 8 > end)
		return EGR_DROP_TRUNCATED;
	if (egr_load(ctx, off, b, 8))
		return EGR_DROP_TRUNCATED;
	switch (t->proto) {
	case IPPROTO_TCP:
		__builtin_memcpy(&t->sport, b, 2);
		__builtin_memcpy(&t->dport, b + 2, 2);
		h->sport_off = off;
		h->dport_off = off + 2;
		h->pseudo = 1;
		h->kind = EGR_PKT_PORTS;
		if (quoted) {
			if (off + 18 <= end && !egr_load(ctx, off + 16, b, 2)) {
				h->csum_off = off + 16;
				__builtin_memcpy(&h->l4csum, b, 2);
			}
			return 0;
		}
		if (off + 20 > end || egr_load(ctx, off, b, 20))
			return EGR_DROP_TRUNCATED;
		if ((b[12] >> 4) < 5 || off + (b[12] >> 4) * 4U > end)
			return EGR_DROP_MALFORMED;
		*tcp_flags = b[13];
		h->csum_off = off + 16;
		return 0;
	case IPPROTO_UDP:
		__builtin_memcpy(&t->sport, b, 2);
		__builtin_memcpy(&t->dport, b + 2, 2);
		h->sport_off = off;
		h->dport_off = off + 2;
		h->pseudo = 1;
		h->zero_ok = 1;
		h->kind = EGR_PKT_PORTS;
		h->csum_off = off + 6;
		__builtin_memcpy(&h->l4csum, b + 6, 2);
		return 0;
	case IPPROTO_ICMP:
	case EGR_IPPROTO_ICMPV6:
		if ((t->proto == IPPROTO_ICMP) == !!v6)
			break; /* ICMP in IPv6 or ICMPv6 in IPv4 */
		h->csum_off = off + 2;
		__builtin_memcpy(&h->l4csum, b + 2, 2);
		h->pseudo = v6;
		/* RFC 792 (v4), RFC 4443 section 4 (v6): echo request/reply. */
		if (b[0] == (v6 ? 128 : 8) && b[1] == 0) {
			__builtin_memcpy(&t->sport, b + 4, 2);
			h->sport_off = off + 4;
			h->kind = EGR_PKT_ECHO_REQ;
			return 0;
		}
		if (b[0] == (v6 ? 129 : 0) && b[1] == 0) {
			__builtin_memcpy(&t->dport, b + 4, 2);
			h->dport_off = off + 4;
			h->kind = EGR_PKT_ECHO_REPLY;
			return 0;
		}
		if (quoted)
			break;
		/*
		 * Errors: destination unreachable (incl. fragmentation
		 * needed, RFC 1191), time exceeded, parameter problem (RFC
		 * 792); for ICMPv6 also packet too big (RFC 4443 3.1-3.4,
		 * RFC 8201).
		 */
		if (v6 ? (b[0] >= 1 && b[0] <= 4)
		       : (b[0] == 3 || b[0] == 11 || b[0] == 12)) {
			h->kind = EGR_PKT_ICMP_ERR;
			return 0;
		}
		break;
	default:
		break;
	}
	h->csum_off = 0;
	h->kind = EGR_PKT_OTHER;
	return 0;
}

/*
 * An IPv4 header at h->l3off in a frame of len bytes.  Sets the tuple's
 * addresses and protocol, h->l4off and *end (the datagram's end).
 * Fragment information goes to frag (IP_MF | offset) and *id.
 */
static __always_inline int
egr_pkt_ip4(EGR_CTX *ctx, struct egr_tuple *t, struct egr_hdrs *h, __u32 len,
    __u32 *end, __u16 *frag, __be32 *id, int quoted)
{
	__u8 b[20] EGR_ALIGNED;
	__u32 ihl, tot;
	__u16 v;

	if (h->l3off + 20 > len || egr_load(ctx, h->l3off, b, 20))
		return EGR_DROP_TRUNCATED;
	ihl = (b[0] & 0xf) * 4U;
	if ((b[0] >> 4) != 4 || ihl < 20)
		return EGR_DROP_MALFORMED;
	__builtin_memcpy(&v, b + 2, 2);
	tot = bpf_ntohs(v);
	if (quoted) {
		/* Quotes are cut short; the length is what was sent. */
		tot = len - h->l3off;
	} else {
		/* BIG TCP (Linux 6.3+) sends GSO packets with tot_len 0. */
		if (tot == 0 && egr_gso(ctx))
			tot = len - h->l3off;
		if (tot < ihl)
			return EGR_DROP_MALFORMED;
		if (tot > len - h->l3off)
			return EGR_DROP_TRUNCATED;
	}
	if (ihl > tot)
		return EGR_DROP_TRUNCATED;
	__builtin_memcpy(&v, b + 4, 2);
	*id = bpf_htonl(bpf_ntohs(v));
	__builtin_memcpy(&v, b + 6, 2);
	*frag = bpf_ntohs(v) & (EGR_IP_MF | EGR_IP_OFFSET);
	__builtin_memcpy(&h->ipcsum, b + 10, 2);
	t->proto = b[9];
	t->saddr[0] = 0;
	t->saddr[1] = 0;
	t->saddr[2] = bpf_htonl(0xffff);
	__builtin_memcpy(&t->saddr[3], b + 12, 4);
	t->daddr[0] = 0;
	t->daddr[1] = 0;
	t->daddr[2] = bpf_htonl(0xffff);
	__builtin_memcpy(&t->daddr[3], b + 16, 4);
	h->l4off = h->l3off + ihl;
	*end = h->l3off + tot;
	return 0;
}

/*
 * An IPv6 header at h->l3off; the extension headers before the transport
 * header are skipped (RFC 8200 section 4), the fragment header read.
 * frag gets offset | M in IPv4's layout (M as EGR_IP_MF).
 */
static __always_inline int
egr_pkt_ip6(EGR_CTX *ctx, struct egr_tuple *t, struct egr_hdrs *h, __u32 len,
    __u32 *end, __u16 *frag, __be32 *id, int quoted)
{
	__u32 off, plen, i;
	__u8 b[40] EGR_ALIGNED;
	__u8 nh;
	__u16 v;

	if (h->l3off + 40 > len || egr_load(ctx, h->l3off, b, 40))
		return EGR_DROP_TRUNCATED;
	if ((b[0] >> 4) != 6)
		return EGR_DROP_MALFORMED;
	__builtin_memcpy(&v, b + 4, 2);
	plen = bpf_ntohs(v);
	if (quoted || (plen == 0 && egr_gso(ctx)))
		plen = len - h->l3off - 40;
	if (plen > len - h->l3off - 40)
		return EGR_DROP_TRUNCATED;
	*end = h->l3off + 40 + plen;
	__builtin_memcpy(t->saddr, b + 8, 16);
	__builtin_memcpy(t->daddr, b + 24, 16);
	nh = b[6];
	off = h->l3off + 40;
	for (i = 0; i < EGR_IP6_EXT_MAX; i++) {
		if (nh == EGR_IPPROTO_FRAGMENT) {
			if (off + 8 > *end || egr_load(ctx, off, b, 8))
				return EGR_DROP_TRUNCATED;
			__builtin_memcpy(&v, b + 2, 2);
			v = bpf_ntohs(v);
			*frag = (v >> 3) | ((v & 1) ? EGR_IP_MF : 0);
			__builtin_memcpy(id, b + 4, 4);
			nh = b[0];
			off += 8;
			/* Later fragments: no more headers here. */
			if (*frag & EGR_IP_OFFSET)
				break;
			continue;
		}
		if (nh != EGR_IPPROTO_HOPOPTS && nh != EGR_IPPROTO_ROUTING &&
		    nh != EGR_IPPROTO_DSTOPTS)
			break;
		if (off + 8 > *end || egr_load(ctx, off, b, 2))
			return EGR_DROP_TRUNCATED;
		nh = b[0];
		off += (b[1] + 1U) * 8;
	}
	if (off > *end)
		return EGR_DROP_TRUNCATED;
	t->proto = nh;
	h->l4off = off;
	return 0;
}

/* The packet quoted by the ICMP error p: into p->in and p->i. */
static __always_inline int
egr_pkt_quoted(EGR_CTX *ctx, struct egr_pkt *p, __u32 end)
{
	__u32 qend = 0;
	__u16 frag = 0;
	__be32 id = 0;
	__u8 flags = 0;
	int r;

	__builtin_memset(&p->in, 0, sizeof(p->in));
	__builtin_memset(&p->i, 0, sizeof(p->i));
	p->i.l3off = p->o.l4off + 8;
	if (p->v6)
		r = egr_pkt_ip6(ctx, &p->in, &p->i, end, &qend, &frag, &id, 1);
	else
		r = egr_pkt_ip4(ctx, &p->in, &p->i, end, &qend, &frag, &id, 1);
	/* A quote we cannot read is no connection of ours. */
	if (r || (frag & EGR_IP_OFFSET)) {
		p->i.kind = EGR_PKT_OTHER;
		return 0;
	}
	r = egr_pkt_l4(ctx, &p->in, &p->i, p->v6, qend, 1, &flags);
	if (r)
		p->i.kind = EGR_PKT_OTHER;
	return 0;
}

/*
 * Parse the Ethernet frame in ctx.  Returns 0 (p->kind says what it is;
 * EGR_PKT_NONE for anything not IP) or the reason to drop it.
 */
static __always_inline int
egr_pkt_parse(EGR_CTX *ctx, struct egr_pkt *p)
{
	__u32 len = egr_len(ctx), end = 0;
	__u16 frag = 0;
	__be16 proto;
	int r;

	/* The quote (in, i) is cleared by egr_pkt_quoted(), when there is one. */
	__builtin_memset(p, 0, __builtin_offsetof(struct egr_pkt, in));
	if (egr_load(ctx, 12, &proto, 2))
		return 0; /* not even Ethernet: not ours either */
	p->o.l3off = ETH_HLEN;
	if (proto == bpf_htons(ETH_P_IP)) {
		r = egr_pkt_ip4(
		    ctx, &p->t, &p->o, len, &end, &frag, &p->frag_id, 0);
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		p->v6 = 1;
		r = egr_pkt_ip6(
		    ctx, &p->t, &p->o, len, &end, &frag, &p->frag_id, 0);
	} else {
		return 0;
	}
	if (r)
		return r;
	if (frag & EGR_IP_OFFSET) {
		p->kind = EGR_PKT_FRAG;
		return 0;
	}
	p->first = (frag & EGR_IP_MF) != 0;
	r = egr_pkt_l4(ctx, &p->t, &p->o, p->v6, end, 0, &p->tcp_flags);
	if (r)
		return r;
	p->kind = p->o.kind;
	if (p->kind == EGR_PKT_ICMP_ERR)
		return egr_pkt_quoted(ctx, p, end);
	return 0;
}

/* The tuple of a packet going the other way. */
static __always_inline void
egr_tuple_swap(struct egr_tuple *dst, const struct egr_tuple *src)
{
	__builtin_memcpy(dst->saddr, src->daddr, sizeof(dst->saddr));
	__builtin_memcpy(dst->daddr, src->saddr, sizeof(dst->daddr));
	dst->sport = src->dport;
	dst->dport = src->sport;
	dst->proto = src->proto;
	dst->pad[0] = 0;
	dst->pad[1] = 0;
	dst->pad[2] = 0;
}

static __always_inline int
egr_addr_eq(const __be32 *a, const __be32 *b)
{
	return a[0] == b[0] && a[1] == b[1] && a[2] == b[2] && a[3] == b[3];
}

#endif /* FERRY_BPF_LIB_EGR_PKT_H */
