/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * SHA-256 (FIPS 180-4), for the workload tokens: hashing a token's secret
 * before it is stored, and the pin of the enrollment certificate; and
 * HMAC-SHA-256 for the egress state sync.  Our
 * own small implementation so that ferryd does not link a TLS library
 * for two hashes (libmicrohttpd, which does TLS, is loaded only when
 * needed; see agent/metrics.c).
 */
#ifndef FERRY_SHA256_H
#define FERRY_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN    32
#define SHA256_HEXLEN 64

struct sha256 {
	uint32_t h[8];
	uint64_t total; /* bytes hashed */
	uint8_t block[64];
	size_t fill; /* bytes in block */
};

void sha256_init(struct sha256 *);
void sha256_update(struct sha256 *, const void *, size_t);
void sha256_final(struct sha256 *, uint8_t out[SHA256_LEN]);
/* One call: the digest of buf. */
void sha256_digest(const void *buf, size_t len, uint8_t out[SHA256_LEN]);
/*
 * HMAC-SHA-256 (RFC 2104, FIPS 198-1) of buf under key: the
 * authentication of the egress NAT state sync's datagrams.
 */
void hmac_sha256(const void *key, size_t keylen, const void *buf, size_t len,
    uint8_t out[SHA256_LEN]);
/* Lower-case hex of a digest; hex has room for SHA256_HEXLEN + 1. */
void sha256_hex(const uint8_t d[SHA256_LEN], char hex[SHA256_HEXLEN + 1]);

#endif
