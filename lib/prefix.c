/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Address and prefix parsing, formatting and comparison (see prefix.h).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "prefix.h"

size_t
addr_len(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

unsigned
addr_bits(int family)
{
	return (unsigned)addr_len(family) * 8;
}

int
addr_parse(const char *s, struct addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &a->v4) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &a->v6) == 1) {
		a->family = AF_INET6;
		return 0;
	}
	return -1;
}

const char *
addr_fmt(const struct addr *a, char *buf, size_t len)
{
	if (a->family == 0 ||
	    inet_ntop(a->family, a->bytes, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "-");
	return buf;
}

int
addr_cmp(const struct addr *a, const struct addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->bytes, b->bytes, addr_len(a->family));
}

void
prefix_normalize(struct prefix *p)
{
	unsigned bits = addr_bits(p->addr.family), i;

	for (i = p->len; i < bits; i++)
		p->addr.bytes[i / 8] &= (uint8_t) ~(0x80 >> (i % 8));
	memset(p->pad, 0, sizeof(p->pad));
}

void
prefix_from_addr(struct prefix *p, const struct addr *a, unsigned len)
{
	memset(p, 0, sizeof(*p));
	p->addr = *a;
	p->len = (uint8_t)len;
	prefix_normalize(p);
}

int
prefix_parse(const char *s, struct prefix *p, bool strict)
{
	char host[INET6_ADDRSTRLEN + 1], *end;
	const char *slash;
	struct prefix norm;
	unsigned long len;
	size_t n;

	memset(p, 0, sizeof(*p));
	if ((slash = strchr(s, '/')) == NULL) {
		if (addr_parse(s, &p->addr) == -1)
			return -1;
		p->len = (uint8_t)addr_bits(p->addr.family);
		return 0;
	}
	n = (size_t)(slash - s);
	if (n == 0 || n >= sizeof(host))
		return -1;
	memcpy(host, s, n);
	host[n] = '\0';
	if (addr_parse(host, &p->addr) == -1)
		return -1;
	if (slash[1] < '0' || slash[1] > '9')
		return -1;
	errno = 0;
	len = strtoul(slash + 1, &end, 10);
	if (errno != 0 || *end != '\0' || len > addr_bits(p->addr.family))
		return -1;
	p->len = (uint8_t)len;
	norm = *p;
	prefix_normalize(&norm);
	if (strict && memcmp(&norm, p, sizeof(norm)) != 0)
		return -1;
	*p = norm;
	return 0;
}

const char *
prefix_fmt(const struct prefix *p, char *buf, size_t len)
{
	char a[ADDR_STRLEN];

	snprintf(buf, len, "%s/%u", addr_fmt(&p->addr, a, sizeof(a)), p->len);
	return buf;
}

int
prefix_cmp(const struct prefix *a, const struct prefix *b)
{
	int c;

	if ((c = addr_cmp(&a->addr, &b->addr)) != 0)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

/* Are the first len bits of a and b equal? */
static bool
bits_equal(const uint8_t *a, const uint8_t *b, unsigned len)
{
	unsigned full = len / 8, rest = len % 8;
	uint8_t mask;

	if (memcmp(a, b, full) != 0)
		return false;
	if (rest == 0)
		return true;
	mask = (uint8_t)(0xff << (8 - rest));
	return (a[full] & mask) == (b[full] & mask);
}

bool
prefix_contains_addr(const struct prefix *p, const struct addr *a)
{
	return p->addr.family == a->family &&
	    bits_equal(p->addr.bytes, a->bytes, p->len);
}

bool
prefix_contains(const struct prefix *outer, const struct prefix *inner)
{
	return outer->addr.family == inner->addr.family &&
	    outer->len <= inner->len &&
	    bits_equal(outer->addr.bytes, inner->addr.bytes, outer->len);
}

size_t
prefix_bsearch(const void *base, size_t n, size_t stride,
    const struct prefix *p, bool *found)
{
	const uint8_t *b = base;
	size_t lo = 0, hi = n, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = prefix_cmp(
		    (const struct prefix *)(const void *)(b + mid * stride), p);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

bool
prefix_overlaps(const struct prefix *a, const struct prefix *b)
{
	return prefix_contains(a, b) || prefix_contains(b, a);
}

int
hostport_parse(const char *s, struct addr *a, uint16_t *port)
{
	char host[INET6_ADDRSTRLEN + 1], *end;
	const char *colon, *start = s;
	unsigned long v;
	size_t n;

	if (*s == '[') {
		start = s + 1;
		if ((colon = strchr(start, ']')) == NULL || colon[1] != ':')
			return -1;
		n = (size_t)(colon - start);
		colon++;
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			return -1;
		n = (size_t)(colon - s);
	}
	if (n == 0 || n >= sizeof(host))
		return -1;
	memcpy(host, start, n);
	host[n] = '\0';
	if (addr_parse(host, a) == -1)
		return -1;
	/* A bare IPv6 address without brackets is ambiguous: refuse it. */
	if (*s != '[' && a->family == AF_INET6)
		return -1;
	if (colon[1] < '0' || colon[1] > '9')
		return -1;
	errno = 0;
	v = strtoul(colon + 1, &end, 10);
	if (errno != 0 || *end != '\0' || v == 0 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

/* Exactly xx:xx:xx:xx:xx:xx, hex digits of either case. */
int
mac_parse(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	int i;

	/* sscanf's %x alone would take a sign, a blank or "0x" too. */
	if (strlen(s) != 17)
		return -1;
	for (i = 0; i < 17; i++)
		if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char)s[i]))
			return -1;
	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x", &v[0], &v[1], &v[2], &v[3],
		&v[4], &v[5]) != 6)
		return -1;
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}

const char *
mac_fmt(const uint8_t mac[6], char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
	    mac[2], mac[3], mac[4], mac[5]);
	return buf;
}
