/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target: the egress datapath's SNAT and reverse-SNAT decision
 * and rewrite code (bpf/lib/egr_pkt.h, egr_nat.h), compiled for user
 * space, on arbitrary Ethernet frames.
 *
 * The first byte chooses the direction and the translation (address and
 * port from the next 18 bytes); the rest is the frame.  For every frame
 * the parser must not read outside it; for every frame it accepts, the
 * decision must give a key consistent with the packet, and the rewrite
 * must (1) put exactly the new address and port where the decision says,
 * as the parser reads them back, leaving the rest of the tuple alone, and
 * (2) keep every checksum that was valid valid: IPv4 header, transport
 * with pseudo-header, and for ICMP errors the outer ICMP checksum and the
 * quoted IPv4 header checksum.  The checksum oracle below is written from
 * RFC 1071, independently of egr_csum.h.
 *
 * Every frame also goes through the reset (bpf/lib/egr_rst.h) on a copy:
 * it answers only a TCP segment the parser accepts, with neither SYN nor
 * RST, its TCP header right after the fixed IP header; the answer is the
 * RST of RFC 9293 section 3.10.7.1, with valid checksums, the tuple and
 * the Ethernet addresses turned round; a frame it does not answer is
 * left as it was.  Bit 1 of the first byte makes the cut fail, as the
 * kernel's does for an skb still marked as encapsulated: then the frame
 * keeps its length and its IP length says where the reset ends.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "egr_nat.h"
#include "egr_rst.h"

#define FRAME_MAX 2048

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static uint32_t
sum_be(const uint8_t *p, size_t n, uint32_t s)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s;
}

/* Does the IPv4 header at ip sum to all ones? */
static int
ip4_ok(const uint8_t *b, uint32_t l3, uint32_t l4)
{
	return sum_be(b + l3, l4 - l3, 0) == 0xffff;
}

/*
 * Is the transport checksum of h, over [h->l4off, end), right?  -1: not
 * checkable (fragment, no checksum field).
 */
static int
l4_ok(const uint8_t *b, const struct egr_pkt *p, const struct egr_hdrs *h,
    const struct egr_tuple *t, uint32_t end)
{
	uint32_t s = 0, len;
	uint8_t ph[40];

	if (h->csum_off == 0 || end <= h->l4off)
		return -1;
	len = end - h->l4off;
	if (h->pseudo) {
		if (p->v6) {
			memcpy(ph, t->saddr, 16);
			memcpy(ph + 16, t->daddr, 16);
			s = sum_be(ph, 32, 0);
		} else {
			memcpy(ph, &t->saddr[3], 4);
			memcpy(ph + 4, &t->daddr[3], 4);
			s = sum_be(ph, 8, 0);
		}
		s += t->proto + (len >> 16) + (len & 0xffff);
	}
	/* UDP's "no checksum" (IPv4), or invalid (IPv6): nothing to keep. */
	if (h->zero_ok && b[h->csum_off] == 0 && b[h->csum_off + 1] == 0)
		return -1;
	return sum_be(b + h->l4off, len, s) == 0xffff;
}

struct ok {
	int ip, l4, qip;
};

/* The datagram's end: what the parser took it to be. */
static uint32_t
dgram_end(const uint8_t *b, const struct egr_pkt *p, uint32_t len)
{
	uint32_t end;

	if (p->v6)
		end = p->o.l3off + 40 + ((uint32_t)b[18] << 8 | b[19]);
	else
		end = p->o.l3off + ((uint32_t)b[16] << 8 | b[17]);
	return end > len || end < p->o.l4off ? len : end;
}

static void
check(const uint8_t *b, uint32_t len, const struct egr_pkt *p, struct ok *ok)
{
	uint32_t end = dgram_end(b, p, len);

	ok->ip = p->v6 ? -1 : ip4_ok(b, p->o.l3off, p->o.l4off);
	/* A first fragment's checksum covers bytes that are not here. */
	ok->l4 = p->first ? -1 : l4_ok(b, p, &p->o, &p->t, end);
	ok->qip = -1;
	if (p->kind == EGR_PKT_ICMP_ERR && !p->v6 && p->i.l4off > p->i.l3off &&
	    p->i.l4off <= len)
		ok->qip = ip4_ok(b, p->i.l3off, p->i.l4off);
}

static void
still_ok(const struct ok *a, const struct ok *b)
{
	if ((a->ip == 1 && b->ip != 1) || (a->l4 == 1 && b->l4 != 1) ||
	    (a->qip == 1 && b->qip != 1))
		abort();
}

static uint32_t
get32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	    (uint32_t)b[2] << 8 | b[3];
}

/*
 * The reset of the frame orig (len bytes), which the parser read as p
 * (or rejected: parsed 0); no_trim: the cut fails.
 */
static void
check_rst(const uint8_t *orig, uint32_t len, int parsed,
    const struct egr_pkt *p, int no_trim)
{
	static uint8_t f[FRAME_MAX];
	struct egr_buf b = { f, len, no_trim };
	struct egr_rst_buf w;
	struct egr_pkt q;
	uint32_t hl, tot, doff, seglen;
	const uint8_t *sh, *ip, *th;
	struct ok ok;
	int r, answer;

	memcpy(f, orig, len);
	r = egr_rst(&b, &w);
	/* Answered exactly when the parser took it for one to answer. */
	hl = parsed && p->v6 ? 40 : 20;
	answer = parsed && p->kind == EGR_PKT_PORTS &&
	    p->t.proto == IPPROTO_TCP &&
	    !(p->tcp_flags & (EGR_TH_SYN | EGR_TH_RST)) && !p->first &&
	    p->o.l4off == ETH_HLEN + hl;
	if (r == EGR_RST_NO) {
		if (answer || b.len != len || memcmp(f, orig, len) != 0)
			abort();
		return;
	}
	/* Nothing can fail once the frame is cut, nor is a buffer GSO. */
	if (r != EGR_RST_DONE || !answer)
		abort();
	sh = orig + ETH_HLEN + hl;
	tot = p->v6 ? 40 + ((uint32_t)orig[18] << 8 | orig[19])
		    : ((uint32_t)orig[16] << 8 | orig[17]);
	doff = (sh[12] >> 4) * 4U;
	seglen = tot - hl - doff + (sh[13] & EGR_TH_FIN ? 1 : 0);

	/* Headers only (or the frame as long), Ethernet turned round. */
	if (b.len != (no_trim ? len : ETH_HLEN + hl + 20) ||
	    memcmp(f, orig + 6, 6) != 0 || memcmp(f + 6, orig, 6) != 0 ||
	    memcmp(f + 12, orig + 12, 2) != 0)
		abort();
	ip = f + ETH_HLEN;
	th = ip + hl;
	if (p->v6 ? (ip[0] != 0x60 || ip[4] != 0 || ip[5] != 20 || ip[7] != 64)
		  : (ip[0] != 0x45 || ip[2] != 0 || ip[3] != 40 || ip[8] != 64))
		abort();
	/* From the remote to the pod, checksums right. */
	if (egr_pkt_parse(&b, &q) != 0 || q.kind != EGR_PKT_PORTS ||
	    q.t.proto != IPPROTO_TCP || q.o.l4off != p->o.l4off ||
	    memcmp(q.t.saddr, p->t.daddr, 16) != 0 ||
	    memcmp(q.t.daddr, p->t.saddr, 16) != 0 || q.t.sport != p->t.dport ||
	    q.t.dport != p->t.sport)
		abort();
	check(f, b.len, &q, &ok);
	if ((!p->v6 && ok.ip != 1) || ok.l4 != 1)
		abort();
	/* RFC 9293 3.10.7.1. */
	if ((th[12] >> 4) != 5)
		abort();
	if (sh[13] & EGR_TH_ACK) {
		if (th[13] != EGR_TH_RST || get32(th + 4) != get32(sh + 8) ||
		    get32(th + 8) != 0)
			abort();
	} else {
		if (th[13] != (EGR_TH_RST | EGR_TH_ACK) || get32(th + 4) != 0 ||
		    get32(th + 8) != get32(sh + 4) + seglen)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t frame[FRAME_MAX];
	struct egr_pkt p, q;
	struct egr_tuple key, want;
	struct egr_buf buf;
	struct ok before, after;
	__be32 addr[4];
	__be16 port;
	int in, dst, step, parsed;

	if (size < 20 || size - 19 > FRAME_MAX)
		return 0;
	in = data[0] & 1;
	memcpy(addr, data + 1, 16);
	memcpy(&port, data + 17, 2);
	buf.data = frame;
	buf.len = (uint32_t)(size - 19);
	memcpy(frame, data + 19, buf.len);

	parsed = egr_pkt_parse(&buf, &p) == 0;
	check_rst(frame, buf.len, parsed, &p, (data[0] >> 1) & 1);
	if (!parsed || p.kind == EGR_PKT_NONE)
		return 0;
	if (p.o.l4off < p.o.l3off + 20 || p.o.l4off > buf.len)
		abort(); /* the parser vouched for the IP header */
	if (!p.v6) {
		addr[0] = 0;
		addr[1] = 0;
		addr[2] = htonl(0xffff);
	}
	step = in ? egr_step_in(&p, &key) : egr_step_out(&p, &key);
	if (step == EGR_STEP_CONN && memcmp(&key, &p.t, sizeof(key)) != 0)
		abort();
	check(frame, buf.len, &p, &before);

	/* SNAT rewrites the source, reverse SNAT the destination. */
	dst = in;
	if (step == EGR_STEP_CONN) {
		if (egr_rewrite(&buf, &p, dst, addr, port) != 0)
			abort(); /* every offset came from the parser */
	} else if (step == EGR_STEP_ICMP_ERR) {
		if (egr_rewrite(&buf, &p, dst, addr, 0) != 0 ||
		    egr_rewrite_quoted(&buf, &p, !dst, addr, port) != 0)
			abort();
	} else if (step == EGR_STEP_FRAG) {
		if (egr_rewrite(&buf, &p, dst, addr, 0) != 0)
			abort();
	} else {
		return 0;
	}

	/* Read back: exactly the new address and port, nothing else moved. */
	if (egr_pkt_parse(&buf, &q) != 0 || q.kind != p.kind)
		abort();
	want = p.t;
	memcpy(dst ? want.daddr : want.saddr, addr, 16);
	if (step == EGR_STEP_CONN && (dst ? p.o.dport_off : p.o.sport_off)) {
		if (dst)
			want.dport = port;
		else
			want.sport = port;
	}
	if (memcmp(&want, &q.t, sizeof(want)) != 0)
		abort();
	if (step == EGR_STEP_ICMP_ERR) {
		want = p.in;
		memcpy(dst ? want.saddr : want.daddr, addr, 16);
		if (dst ? p.i.sport_off : p.i.dport_off) {
			if (dst)
				want.sport = port;
			else
				want.dport = port;
		}
		if (memcmp(&want, &q.in, sizeof(want)) != 0)
			abort();
	}
	check(frame, buf.len, &q, &after);
	still_ok(&before, &after);
	return 0;
}
