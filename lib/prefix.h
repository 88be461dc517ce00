/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IPv4/IPv6 addresses and prefixes, and MAC addresses.
 *
 * One struct for both families keeps the RIB, the tunnel map and the
 * config code family-agnostic.  A prefix is always stored normalized (host
 * bits zero), so two prefixes compare equal exactly when memcmp says so.
 */
#ifndef FERRY_PREFIX_H
#define FERRY_PREFIX_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct addr {
	uint8_t family; /* AF_INET or AF_INET6; 0: unset */
	uint8_t pad[3];
	union {
		struct in_addr v4;
		struct in6_addr v6;
		uint8_t bytes[16];
	};
};

struct prefix {
	struct addr addr;
	uint8_t len;
	uint8_t pad[3];
};

/* Longest text form of an address or prefix, NUL included. */
#define ADDR_STRLEN   INET6_ADDRSTRLEN
#define PREFIX_STRLEN (INET6_ADDRSTRLEN + 4)

int addr_parse(const char *, struct addr *);
const char *addr_fmt(const struct addr *, char *, size_t);
int addr_cmp(const struct addr *, const struct addr *);
size_t addr_len(int family);
unsigned addr_bits(int family);

/* "10.0.0.0/8"; a bare address parses as a host prefix.  Host bits set is
 * an error unless strict is false, in which case they are cleared. */
int prefix_parse(const char *, struct prefix *, bool strict);
const char *prefix_fmt(const struct prefix *, char *, size_t);
void prefix_from_addr(struct prefix *, const struct addr *, unsigned);
void prefix_normalize(struct prefix *);
int prefix_cmp(const struct prefix *, const struct prefix *);
/* Does p contain the address a (same family, first p->len bits equal)? */
bool prefix_contains_addr(const struct prefix *, const struct addr *);
/* Does outer contain inner (outer no longer than inner)? */
bool prefix_contains(const struct prefix *, const struct prefix *);
bool prefix_overlaps(const struct prefix *, const struct prefix *);
/*
 * Binary search in n elements of size stride, each starting with a struct
 * prefix, sorted by prefix_cmp.  Returns p's index, or where it would be
 * inserted; *found says which.
 */
size_t prefix_bsearch(const void *base, size_t n, size_t stride,
    const struct prefix *p, bool *found);

/* MAC addresses, "02:00:5e:00:53:01". */
#define MAC_STRLEN 18
int mac_parse(const char *, uint8_t mac[6]);
const char *mac_fmt(const uint8_t mac[6], char *, size_t);

/* "127.0.0.1:9582", "[::1]:9582"; port is required. */
int hostport_parse(const char *, struct addr *, uint16_t *);

#endif
