/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The socket layer under BGP sessions: addresses, TCP-MD5 (RFC 2385),
 * TTL and GTSM (RFC 5082), listening sockets, and our own addresses on a
 * session's interface.  No session state here: bgp_peer.c decides what
 * each socket needs.
 */
#ifndef FERRY_BGP_SOCK_H
#define FERRY_BGP_SOCK_H

#include <sys/socket.h>

#include <linux/filter.h>
#include <stddef.h>
#include <stdint.h>

#include "prefix.h"

struct rib_peer_info;

socklen_t bgp_sock_sockaddr(
    const struct addr *, uint16_t port, struct sockaddr_storage *);
/* A v4-mapped IPv6 address comes back as the IPv4 address. */
int bgp_sock_addr_from(const struct sockaddr *, struct addr *);

/* Set (key != NULL) or delete the TCP-MD5 key for a/plen on fd.  A plen
 * shorter than the address needs TCP_MD5SIG_EXT (a listen range). */
int bgp_sock_md5(int fd, const struct addr *a, unsigned plen, const char *key);

/* Send with ttl; with minttl != 0, drop what arrives with less. */
int bgp_sock_ttl(int fd, int family, int ttl, int minttl);

/* Size the receive buffer of connected socket fd for its path: what
 * arrives in one minimum round trip at `rate` octets a second, within
 * [min, max].  Returns the size set, -1 with errno on failure.  Ends the
 * kernel's autotuning of that buffer. */
int bgp_sock_rcvbuf_rtt(int fd, double rate, int min, int max);

/* RFC 5082 3: the least TTL accepted from a peer hops away. */
static inline int
bgp_gtsm_minttl(unsigned hops)
{
	return 255 - (int)(hops > 1 ? hops - 1 : 0);
}

/* A bound, listening, non-blocking socket; -1 (logged) on failure. */
int bgp_sock_listen(const struct addr *, uint16_t port);

/*
 * GTSM before accept.  IP_MINTTL can only be set on a connection once it
 * is accepted, by which time its handshake (and maybe its OPEN) got in
 * unchecked; and a listening socket is shared by peers with and without
 * GTSM.  So each listener gets a classic BPF socket filter that drops a
 * packet from a source in rules[i].src arriving with a TTL (hop limit)
 * below rules[i].minttl, first match deciding; accepted connections
 * inherit it.  n == 0 removes the filter.
 */
struct bgp_gtsm_rule {
	struct prefix src;
	int minttl;
};

/* The program for family into prog (room for max); its length, or -1 if
 * it does not fit. */
int bgp_gtsm_prog(int family, const struct bgp_gtsm_rule *, size_t n,
    struct sock_filter *prog, size_t max);
int bgp_sock_gtsm_filter(
    int fd, int family, const struct bgp_gtsm_rule *, size_t n);

/* Our addresses on the interface of fd's local address, for
 * next-hop-self (IPv4, IPv6 global, IPv6 link-local). */
void bgp_sock_local_addrs(int fd, struct rib_peer_info *);

#endif
