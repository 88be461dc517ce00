/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libnl-route-3 helpers shared by the modules that touch kernel links and
 * routes (vtep/, bgpd/): opening a route socket, and converting between
 * our struct prefix and libnl's struct nl_addr.
 */
#ifndef FERRY_NETLINK_H
#define FERRY_NETLINK_H

#include "prefix.h"

struct nl_addr;
struct nl_sock;

/* A connected NETLINK_ROUTE socket, or NULL (logged as who). */
struct nl_sock *netlink_open(const char *who);
/* A new nl_addr holding p with its prefix length; caller puts it. */
struct nl_addr *netlink_addr(const struct prefix *p);
/* The IPv4 or IPv6 prefix in a, or -1 for any other family. */
int netlink_prefix(struct nl_addr *a, struct prefix *p);

#endif
