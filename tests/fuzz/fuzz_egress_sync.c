/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for the egress state sync's wire format
 * (egress/egress_sync.h) and the checksum of held frames.  The input is
 * taken three ways:
 *   - as a datagram off the wire: egress_sync_open must refuse it (a
 *     fuzzer cannot forge the MAC) without reading past it;
 *   - as the records of a datagram we send: sealed, it must open again
 *     under the same key to the same header and records, every record
 *     must encode back to its own 66 bytes, and a single flipped bit
 *     anywhere must make it fail;
 *   - as a held frame: egress_sync_csum must stay inside it, and when it
 *     wrote a TCP or UDP checksum, the segment must sum to 0xffff with
 *     its pseudo-header.
 * A failed check aborts, which libFuzzer reports as a crash.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "egress_sync.h"
#include "check.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const uint8_t key[] = "fuzzing-key-of-sixteen-bytes";

static uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
sum16(uint32_t s, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += be16(p + i);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

/* The checksum egress_sync_csum wrote, if it wrote one, verifies. */
static void
check_csum(const uint8_t *in, size_t len)
{
	uint8_t *f = malloc(len ? len : 1);
	size_t l3 = 14, l4, l4len, off;
	uint32_t s = 0;
	uint8_t proto;

	memcpy(f, in, len);
	egress_sync_csum(f, len);
	if (len < l3 + 20)
		goto same;
	if (be16(f + 12) == 0x0800 && (f[l3] >> 4) == 4 && (f[l3] & 0xf) >= 5) {
		l4 = l3 + (size_t)(f[l3] & 0xf) * 4;
		if ((be16(f + l3 + 6) & 0x3fff) != 0 ||
		    be16(f + l3 + 2) < l4 - l3 ||
		    (size_t)be16(f + l3 + 2) + l3 > len)
			goto same;
		l4len = be16(f + l3 + 2) - (l4 - l3);
		proto = f[l3 + 9];
		s = sum16(s, f + l3 + 12, 8);
	} else if (be16(f + 12) == 0x86dd && len >= l3 + 40) {
		l4 = l3 + 40;
		l4len = be16(f + l3 + 4);
		proto = f[l3 + 6];
		if (l4 + l4len > len)
			goto same;
		s = sum16(s, f + l3 + 8, 32);
	} else
		goto same;
	if (!((proto == 6 && l4len >= 20) || (proto == 17 && l4len >= 8)))
		goto same;
	off = proto == 6 ? 16 : 6;
	if (proto == 17 && be16(f + 12) == 0x0800 && be16(in + l4 + off) == 0)
		goto same;
	s += proto + (uint32_t)l4len;
	s = sum16(s, f + l4, l4len);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	CHECK(s == 0xffff);
	/* Nothing else changed. */
	CHECK(memcmp(f, in, l4 + off) == 0);
	CHECK(memcmp(f + l4 + off + 2, in + l4 + off + 2,
		  len - (l4 + off + 2)) == 0);
	free(f);
	return;
same:
	CHECK(memcmp(f, in, len) == 0);
	free(f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	uint8_t dg[EGRESS_SYNC_DGRAM_MAX], enc[EGRESS_SYNC_REC_LEN];
	struct egress_sync_hdr h, g;
	struct egress_sync_rec r;
	enum egress_sync_err why;
	const uint8_t *recs;
	size_t n, i, bit;

	/* Off the wire: never accepted, never read past. */
	CHECK(egress_sync_open(
		  data, len, key, sizeof(key) - 1, &g, &recs, &why) == -1);
	CHECK(why == EGRESS_SYNC_ERR_MALFORMED || why == EGRESS_SYNC_ERR_AUTH);

	/* Ours: sealed, opened, the same. */
	memset(&h, 0, sizeof(h));
	h.type =
	    len > 0 && data[0] == 0xff ? EGRESS_SYNC_ACK : EGRESS_SYNC_DATA;
	h.count = (uint16_t)(len / EGRESS_SYNC_REC_LEN);
	if (h.count > EGRESS_SYNC_RECS)
		h.count = EGRESS_SYNC_RECS;
	if (h.type == EGRESS_SYNC_ACK)
		h.count = 0;
	h.boot = len;
	h.seq = len * 7 + 1;
	h.ack = len * 3;
	n = egress_sync_seal(&h, data, key, sizeof(key) - 1, dg);
	CHECK(egress_sync_open(dg, n, key, sizeof(key) - 1, &g, &recs, &why) ==
	    0);
	CHECK(g.type == h.type && g.count == h.count && g.boot == h.boot &&
	    g.seq == h.seq && (h.type != EGRESS_SYNC_ACK || g.ack == h.ack));
	for (i = 0; i < g.count; i++) {
		egress_sync_rec_get(recs + i * EGRESS_SYNC_REC_LEN, &r);
		egress_sync_rec_put(&r, enc);
		CHECK(memcmp(enc, data + i * EGRESS_SYNC_REC_LEN,
			  EGRESS_SYNC_REC_LEN) == 0);
	}
	bit = len % (n * 8);
	dg[bit / 8] ^= (uint8_t)(1U << (bit % 8));
	CHECK(egress_sync_open(dg, n, key, sizeof(key) - 1, &g, &recs, &why) ==
	    -1);

	/* A held frame. */
	check_csum(data, len);
	return 0;
}
