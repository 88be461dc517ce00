/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libnl-route-3 helpers (see netlink.h).
 */
#include <string.h>

#include <netlink/addr.h>
#include <netlink/netlink.h>

#include "log.h"
#include "netlink.h"

struct nl_sock *
netlink_open(const char *who)
{
	struct nl_sock *sk;
	int err;

	if ((sk = nl_socket_alloc()) == NULL)
		fatal("out of memory: netlink socket");
	if ((err = nl_connect(sk, NETLINK_ROUTE)) < 0) {
		log_err("%s: netlink connect: %s", who, nl_geterror(err));
		nl_socket_free(sk);
		return NULL;
	}
	return sk;
}

struct nl_addr *
netlink_addr(const struct prefix *p)
{
	struct nl_addr *a;

	a = nl_addr_build(
	    p->addr.family, p->addr.bytes, addr_len(p->addr.family));
	if (a == NULL)
		fatal("out of memory: netlink address");
	nl_addr_set_prefixlen(a, p->len);
	return a;
}

int
netlink_prefix(struct nl_addr *a, struct prefix *p)
{
	int family = nl_addr_get_family(a);

	memset(p, 0, sizeof(*p));
	if ((family != AF_INET && family != AF_INET6) ||
	    nl_addr_get_len(a) != addr_len(family))
		return -1;
	p->addr.family = (uint8_t)family;
	memcpy(p->addr.bytes, nl_addr_get_binary_addr(a), addr_len(family));
	p->len = (uint8_t)nl_addr_get_prefixlen(a);
	return 0;
}
