/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * SHA-1 (FIPS 180-4), for the keyed digests of BFD authentication
 * (RFC 5880 6.7.4), where the algorithm is fixed by the protocol.  Small
 * and self-contained so that the codec needs no crypto library; nothing
 * here is for new protocol designs.
 */
#ifndef FERRY_SHA1_H
#define FERRY_SHA1_H

#include <stddef.h>
#include <stdint.h>

#define SHA1_LEN 20

struct sha1_ctx {
	uint32_t h[5];
	uint64_t len; /* octets so far */
	uint8_t block[64];
	size_t used;
};

void sha1_init(struct sha1_ctx *);
void sha1_update(struct sha1_ctx *, const void *, size_t);
void sha1_final(struct sha1_ctx *, uint8_t out[SHA1_LEN]);
/* One call: the digest of len octets. */
void sha1(const void *, size_t len, uint8_t out[SHA1_LEN]);

#endif
