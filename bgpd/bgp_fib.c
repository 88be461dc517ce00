/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Kernel FIB for BGP-learned routes (see bgp_fib.h).
 *
 * We remember which prefixes we installed, so that shutdown removes
 * exactly those and a restart can tell its own leftovers (protocol
 * FERRY_RTPROT_BGP in our table) from everything else.  Leftovers are not
 * flushed on start: until the sessions are back and the RIB has relearned
 * them, they keep forwarding, which is the point of surviving a restart.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>
#include <linux/rtnetlink.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/route.h>

#include "bgp_fib.h"
#include "ferryd.h"
#include "log.h"
#include "netlink.h"
#include "pfxset.h"
#include "xalloc.h"

struct bgp_fib {
	struct ev_loop *loop;
	struct nl_sock *nl;
	uint32_t table;
	struct pfx_set installed;
	struct pfx_set stale; /* a previous ferryd's */
	ev_timer stale_timer;
	uint64_t errors;
};

static struct rtnl_route *
route_new(const struct bgp_fib *f, const struct prefix *p)
{
	struct rtnl_route *r = rtnl_route_alloc();
	struct nl_addr *dst = netlink_addr(p);

	rtnl_route_set_family(r, p->addr.family);
	rtnl_route_set_dst(r, dst);
	rtnl_route_set_table(r, f->table);
	rtnl_route_set_protocol(r, FERRY_RTPROT_BGP);
	rtnl_route_set_type(r, RTN_UNICAST);
	/*
	 * Say it: libnl guesses "link" for a route without a gateway, so a
	 * delete (which carries none) would not match what we installed.
	 */
	rtnl_route_set_scope(r, RT_SCOPE_UNIVERSE);
	nl_addr_put(dst);
	return r;
}

static int
route_delete(struct bgp_fib *f, const struct prefix *p)
{
	struct rtnl_route *r = route_new(f, p);
	char buf[PREFIX_STRLEN];
	int err;

	err = rtnl_route_delete(f->nl, r, 0);
	rtnl_route_put(r);
	if (err < 0 && err != -NLE_OBJ_NOTFOUND) {
		f->errors++;
		log_warn("bgp: cannot remove kernel route: prefix=%s error=%s",
		    prefix_fmt(p, buf, sizeof(buf)), nl_geterror(err));
		return -1;
	}
	return 0;
}

void
bgp_fib_set(struct bgp_fib *f, const struct prefix *p,
    const struct rib_nexthop *nh, size_t n)
{
	struct rtnl_route *r;
	struct rtnl_nexthop *rnh;
	struct nl_addr *gw;
	char buf[PREFIX_STRLEN];
	bool found;
	size_t i;
	int err;

	log_debug("bgp: fib: prefix=%s nexthops=%zu",
	    prefix_fmt(p, buf, sizeof(buf)), n);
	pfx_set_del(&f->stale, p);
	found = pfx_set_find(&f->installed, p) != SIZE_MAX;
	if (n == 0) {
		if (found) {
			route_delete(f, p);
			pfx_set_del(&f->installed, p);
		}
		return;
	}
	r = route_new(f, p);
	for (i = 0; i < n; i++) {
		/* RFC 8950: an IPv4 route through an IPv6 next hop is an
		 * RTA_VIA gateway (Linux 5.2 and later). */
		bool via =
		    p->addr.family == AF_INET && nh[i].gw.family == AF_INET6;

		if (nh[i].gw.family != p->addr.family && !via)
			continue;
		rnh = rtnl_route_nh_alloc();
		gw = nl_addr_build(
		    nh[i].gw.family, nh[i].gw.bytes, addr_len(nh[i].gw.family));
		if (via)
			rtnl_route_nh_set_via(rnh, gw);
		else
			rtnl_route_nh_set_gateway(rnh, gw);
		nl_addr_put(gw);
		rtnl_route_add_nexthop(r, rnh);
	}
	if (rtnl_route_get_nnexthops(r) == 0) {
		rtnl_route_put(r);
		return;
	}
	err = rtnl_route_add(f->nl, r, NLM_F_CREATE | NLM_F_REPLACE);
	rtnl_route_put(r);
	if (err < 0) {
		f->errors++;
		log_warn("bgp: cannot install kernel route: prefix=%s "
			 "nexthops=%zu error=%s",
		    prefix_fmt(p, buf, sizeof(buf)), n, nl_geterror(err));
		return;
	}
	if (!found)
		pfx_set_add(&f->installed, p);
}

struct scan {
	struct bgp_fib *f;
};

/*
 * One route of the dump: ours (protocol, table) goes into f->stale.  The
 * dump is read raw, not through a libnl route cache: building a cache of
 * 100k routes costs libnl seconds (each object hashed and compared
 * against the others on insert), which a restart with a full table spent
 * before it could even start its sessions.
 */
static int
scan_one(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct scan *s = arg;
	struct bgp_fib *f = s->f;
	struct nlattr *tb[RTA_MAX + 1];
	struct rtmsg *rtm;
	struct addr a;
	struct prefix p;
	uint32_t table;
	size_t len;

	if (nlh->nlmsg_type != RTM_NEWROUTE ||
	    nlmsg_parse(nlh, sizeof(*rtm), tb, RTA_MAX, NULL) < 0)
		return NL_OK;
	rtm = nlmsg_data(nlh);
	table =
	    tb[RTA_TABLE] != NULL ? nla_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
	if (rtm->rtm_protocol != FERRY_RTPROT_BGP || table != f->table ||
	    (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6))
		return NL_OK;
	memset(&a, 0, sizeof(a));
	a.family = rtm->rtm_family;
	len = addr_len(a.family);
	if (tb[RTA_DST] != NULL) {
		if ((size_t)nla_len(tb[RTA_DST]) != len)
			return NL_OK;
		memcpy(a.bytes, nla_data(tb[RTA_DST]), len);
	}
	if (rtm->rtm_dst_len > len * 8)
		return NL_OK;
	prefix_from_addr(&p, &a, rtm->rtm_dst_len);
	if (pfx_set_find(&f->stale, &p) == SIZE_MAX)
		pfx_set_add(&f->stale, &p);
	return NL_OK;
}

/* Our routes of a previous run into f->stale; 0 or -1. */
static int
scan_kernel(struct bgp_fib *f)
{
	struct scan s = { f };
	struct rtmsg rtm;
	struct nl_sock *sk;
	int err;

	if ((sk = nl_socket_alloc()) == NULL)
		return -1;
	if ((err = nl_connect(sk, NETLINK_ROUTE)) < 0)
		goto out;
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, scan_one, &s);
	memset(&rtm, 0, sizeof(rtm));
	rtm.rtm_family = AF_UNSPEC;
	if ((err = nl_send_simple(
		 sk, RTM_GETROUTE, NLM_F_DUMP, &rtm, sizeof(rtm))) < 0)
		goto out;
	err = nl_recvmsgs_default(sk);
out:
	nl_socket_free(sk);
	if (err < 0) {
		log_warn("bgp: cannot read the kernel's routes: error=%s",
		    nl_geterror(err));
		return -1;
	}
	return 0;
}

static void
stale_expire(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct bgp_fib *f = w->data;
	size_t i, n = f->stale.n;

	(void)loop;
	(void)revents;
	for (i = 0; i < f->stale.cap; i++)
		if (f->stale.used[i])
			route_delete(f, &f->stale.slot[i]);
	pfx_set_free(&f->stale);
	if (n > 0)
		log_info("bgp: removed stale kernel routes: count=%zu", n);
}

void
bgp_fib_sweep(struct bgp_fib *f)
{
	if (f->stale.n == 0)
		return;
	ev_timer_stop(f->loop, &f->stale_timer);
	stale_expire(f->loop, &f->stale_timer, 0);
}

size_t
bgp_fib_stale_count(const struct bgp_fib *f)
{
	return f->stale.n;
}

struct bgp_fib *
bgp_fib_new(struct ev_loop *loop, uint32_t table, unsigned stale_secs)
{
	struct bgp_fib *f = xcalloc(1, sizeof(*f));

	f->loop = loop;
	f->table = table;
	ev_timer_init(&f->stale_timer, stale_expire, stale_secs, 0.);
	f->stale_timer.data = f;
	if ((f->nl = netlink_open("bgp")) == NULL) {
		free(f);
		return NULL;
	}
	scan_kernel(f);
	if (f->stale.n > 0) {
		log_info("bgp: kept kernel routes of a previous run until "
			 "relearned: count=%zu stale-time=%u",
		    f->stale.n, stale_secs);
		ev_timer_start(loop, &f->stale_timer);
	}
	return f;
}

void
bgp_fib_free(struct bgp_fib *f, bool keep)
{
	size_t i;

	if (f == NULL)
		return;
	ev_timer_stop(f->loop, &f->stale_timer);
	if (!keep) {
		for (i = 0; i < f->installed.cap; i++)
			if (f->installed.used[i])
				route_delete(f, &f->installed.slot[i]);
		for (i = 0; i < f->stale.cap; i++)
			if (f->stale.used[i])
				route_delete(f, &f->stale.slot[i]);
	}
	nl_socket_free(f->nl);
	pfx_set_free(&f->installed);
	pfx_set_free(&f->stale);
	free(f);
}

size_t
bgp_fib_count(const struct bgp_fib *f)
{
	return f->installed.n;
}

uint64_t
bgp_fib_errors(const struct bgp_fib *f)
{
	return f->errors;
}
