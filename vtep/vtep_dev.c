/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The vxlan device and the kernel routes that point overlay prefixes at it
 * (libnl-route-3).
 *
 * ferryd owns exactly one device, in external (collect_md) mode so that
 * the BPF program supplies endpoint and VNI per packet, with learning off
 * and ARP off: the overlay is routed, and the inner destination MAC comes
 * from the tunnel map, not from the neighbour table.  On start an existing
 * device with the right settings is adopted untouched (traffic keeps
 * flowing across a ferryd restart); one with wrong settings is replaced.
 */
#include <net/if.h>

#include <errno.h>
#include <ifaddrs.h>
#include <string.h>

#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/vxlan.h>
#include <netlink/route/route.h>

#include "ferryd.h"
#include "log.h"
#include "netlink.h"
#include "xalloc.h"
#include "vtep_int.h"

struct nl_sock *
vtep_nl_open(void)
{
	return netlink_open("overlay");
}

int
vtep_ifindex_of(const struct addr *a)
{
	struct ifaddrs *ifa, *i;
	const void *p;
	int ifindex = 0;

	if (a->family == 0 || getifaddrs(&ifa) == -1)
		return 0;
	for (i = ifa; i != NULL && ifindex == 0; i = i->ifa_next) {
		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != a->family)
			continue;
		if (a->family == AF_INET)
			p = &((struct sockaddr_in *)(void *)i->ifa_addr)
				 ->sin_addr;
		else
			p = &((struct sockaddr_in6 *)(void *)i->ifa_addr)
				 ->sin6_addr;
		if (memcmp(p, a->bytes, addr_len(a->family)) == 0)
			ifindex = (int)if_nametoindex(i->ifa_name);
	}
	freeifaddrs(ifa);
	return ifindex;
}

/* MTU of the interface that holds address a; 0 if not found. */
static unsigned
underlay_mtu(struct nl_sock *sk, const struct addr *a)
{
	struct rtnl_link *link;
	unsigned mtu = 0;
	int ifindex = vtep_ifindex_of(a);

	if (ifindex != 0 &&
	    rtnl_link_get_kernel(sk, ifindex, NULL, &link) == 0) {
		mtu = rtnl_link_get_mtu(link);
		rtnl_link_put(link);
	}
	return mtu;
}

/* The device MTU; also what each underlay allows, into dev. */
static unsigned
dev_mtu(struct nl_sock *sk, const struct vtep_conf *vc, struct vtep_dev *dev)
{
	unsigned m4, m6;

	m4 = underlay_mtu(sk, &vc->local4);
	m6 = underlay_mtu(sk, &vc->local6);
	m4 = m4 > VTEP_OVERHEAD4 ? m4 - VTEP_OVERHEAD4 : 0;
	m6 = m6 > VTEP_OVERHEAD6 ? m6 - VTEP_OVERHEAD6 : 0;
	dev->mtu4 = m4;
	dev->mtu6 = m6;
	if (vc->mtu != 0)
		return vc->mtu;
	if (m4 == 0 && m6 == 0)
		return 1500 - VTEP_OVERHEAD4;
	return m4 > m6 ? m4 : m6;
}

/* Is link the device we would have created? */
static bool
dev_matches(struct rtnl_link *link, const struct vtep_conf *vc)
{
	uint32_t port = 0;
	const char *type = rtnl_link_get_type(link);

	if (type == NULL || strcmp(type, "vxlan") != 0)
		return false;
	if (rtnl_link_vxlan_get_port(link, &port) < 0)
		port = 0;
	return rtnl_link_vxlan_get_collect_metadata(link) == 1 &&
	    rtnl_link_vxlan_get_learning(link) == 0 && port == vc->port;
}

static int
dev_create(struct nl_sock *sk, const struct vtep_conf *vc)
{
	struct rtnl_link *link;
	int err;

	if ((link = rtnl_link_vxlan_alloc()) == NULL)
		fatal("out of memory: vxlan link");
	rtnl_link_set_name(link, vc->device);
	rtnl_link_vxlan_set_collect_metadata(link, 1);
	rtnl_link_vxlan_set_learning(link, 0);
	rtnl_link_vxlan_set_port(link, vc->port);
	err = rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(link);
	if (err < 0) {
		log_err("overlay: cannot create device: device=%s error=%s",
		    vc->device, nl_geterror(err));
		return -1;
	}
	log_info(
	    "overlay: device created: device=%s port=%u", vc->device, vc->port);
	return 0;
}

int
vtep_dev_ensure(
    struct nl_sock *sk, const struct vtep_conf *vc, struct vtep_dev *dev)
{
	struct rtnl_link *link = NULL, *change;
	struct nl_addr *lladdr;
	unsigned mtu = dev_mtu(sk, vc, dev);
	int err;

	if (rtnl_link_get_kernel(sk, 0, vc->device, &link) == 0) {
		if (dev_matches(link, vc)) {
			log_info("overlay: adopted existing device: device=%s",
			    vc->device);
		} else {
			log_warn("overlay: device has the wrong settings, "
				 "replacing it: device=%s",
			    vc->device);
			rtnl_link_delete(sk, link);
			rtnl_link_put(link);
			link = NULL;
		}
	}
	if (link == NULL) {
		if (dev_create(sk, vc) == -1 ||
		    rtnl_link_get_kernel(sk, 0, vc->device, &link) < 0)
			return -1;
	}

	/* MTU, MAC, ARP off and up: changed only where they differ. */
	change = rtnl_link_alloc();
	if (rtnl_link_get_mtu(link) != mtu)
		rtnl_link_set_mtu(change, mtu);
	if (vc->mac_set) {
		lladdr = rtnl_link_get_addr(link);
		if (lladdr == NULL ||
		    memcmp(nl_addr_get_binary_addr(lladdr), vc->mac, 6) != 0) {
			lladdr = nl_addr_build(AF_LLC, vc->mac, 6);
			rtnl_link_set_addr(change, lladdr);
			nl_addr_put(lladdr);
		}
	}
	if ((rtnl_link_get_flags(link) & (IFF_UP | IFF_NOARP)) !=
	    (IFF_UP | IFF_NOARP))
		rtnl_link_set_flags(change, IFF_UP | IFF_NOARP);
	err = rtnl_link_change(sk, link, change, 0);
	rtnl_link_put(change);
	rtnl_link_put(link);
	if (err < 0) {
		log_err("overlay: cannot configure device: device=%s error=%s",
		    vc->device, nl_geterror(err));
		return -1;
	}

	if (rtnl_link_get_kernel(sk, 0, vc->device, &link) < 0)
		return -1;
	dev->ifindex = rtnl_link_get_ifindex(link);
	dev->mtu = rtnl_link_get_mtu(link);
	lladdr = rtnl_link_get_addr(link);
	if (lladdr != NULL && nl_addr_get_len(lladdr) == 6)
		memcpy(dev->mac, nl_addr_get_binary_addr(lladdr), 6);
	rtnl_link_put(link);
	return 0;
}

int
vtep_dev_delete(struct nl_sock *sk, const char *name)
{
	struct rtnl_link *link;
	int err;

	if (rtnl_link_get_kernel(sk, 0, name, &link) < 0)
		return 0;
	err = rtnl_link_delete(sk, link);
	rtnl_link_put(link);
	if (err < 0) {
		log_err("overlay: cannot delete device: device=%s error=%s",
		    name, nl_geterror(err));
		return -1;
	}
	log_info("overlay: device deleted: device=%s", name);
	return 0;
}

int
vtep_dev_stats(struct nl_sock *sk, int ifindex, uint64_t out[4])
{
	struct rtnl_link *link;

	if (rtnl_link_get_kernel(sk, ifindex, NULL, &link) < 0)
		return -1;
	out[0] = rtnl_link_get_stat(link, RTNL_LINK_RX_PACKETS);
	out[1] = rtnl_link_get_stat(link, RTNL_LINK_RX_BYTES);
	out[2] = rtnl_link_get_stat(link, RTNL_LINK_TX_PACKETS);
	out[3] = rtnl_link_get_stat(link, RTNL_LINK_TX_BYTES);
	rtnl_link_put(link);
	return 0;
}

static struct rtnl_route *
route_build(int ifindex, const struct prefix *p)
{
	struct rtnl_route *r = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *dst = netlink_addr(p);

	rtnl_route_set_family(r, p->addr.family);
	rtnl_route_set_dst(r, dst);
	rtnl_route_set_table(r, RT_TABLE_MAIN);
	rtnl_route_set_protocol(r, FERRY_RTPROT);
	rtnl_route_set_scope(r, RT_SCOPE_LINK);
	rtnl_route_set_type(r, RTN_UNICAST);
	rtnl_route_nh_set_ifindex(nh, ifindex);
	rtnl_route_add_nexthop(r, nh);
	nl_addr_put(dst);
	return r;
}

/*
 * Is r one of ours: protocol FERRY_RTPROT in the main table, through
 * ifindex alone?  Anything else with our prefix belongs to somebody else
 * (a connected route, an admin's static route, another daemon's).
 */
/* The metric our routes get (we set none): the key another route must
 * share to collide with ours. */
static uint32_t
route_default_metric(int family)
{
	return family == AF_INET6 ? 1024 : 0;
}

static bool
route_is_ours(struct rtnl_route *r, int ifindex)
{
	return rtnl_route_get_protocol(r) == FERRY_RTPROT &&
	    rtnl_route_get_table(r) == RT_TABLE_MAIN &&
	    rtnl_route_get_nnexthops(r) == 1 &&
	    rtnl_route_nh_get_ifindex(rtnl_route_nexthop_n(r, 0)) == ifindex;
}

/* Does the kernel route with our key (main table, p, our metric) belong to
 * someone else?  Only asked when an exclusive add found it there. */
struct owner_ctx {
	const struct prefix *p;
	int ifindex;
	bool foreign;
};

static void
owner_one(struct nl_object *obj, void *arg)
{
	struct rtnl_route *r = (struct rtnl_route *)obj;
	struct owner_ctx *c = arg;
	struct prefix p;

	if (rtnl_route_get_table(r) != RT_TABLE_MAIN ||
	    netlink_prefix(rtnl_route_get_dst(r), &p) == -1 ||
	    prefix_cmp(&p, c->p) != 0 ||
	    rtnl_route_get_priority(r) != route_default_metric(p.addr.family))
		return;
	if (!route_is_ours(r, c->ifindex))
		c->foreign = true;
}

static bool
route_foreign(struct nl_sock *sk, int ifindex, const struct prefix *p)
{
	struct owner_ctx c = { p, ifindex, false };
	struct nl_cache *cache;

	if (rtnl_route_alloc_cache(sk, p->addr.family, 0, &cache) < 0)
		return true; /* cannot tell: leave it alone */
	nl_cache_foreach(cache, owner_one, &c);
	nl_cache_free(cache);
	return c.foreign;
}

/*
 * Install (or update) the route for vr.  A route we did not install
 * (different protocol or device) under the same key is never replaced:
 * the entry is refused instead, loudly.  ours says the caller knows the
 * route is ours (an entry that changed, a new MTU): no need to ask.
 */
int
vtep_route_set(
    struct nl_sock *sk, int ifindex, const struct vtep_route *vr, bool ours)
{
	struct rtnl_route *r = route_build(ifindex, &vr->prefix);
	char buf[PREFIX_STRLEN];
	int err;

	if (vr->mtu != 0)
		rtnl_route_set_metric(r, RTAX_MTU, vr->mtu);
	err = rtnl_route_add(
	    sk, r, NLM_F_CREATE | (ours ? NLM_F_REPLACE : NLM_F_EXCL));
	if (err == -NLE_EXIST) {
		if (route_foreign(sk, ifindex, &vr->prefix)) {
			rtnl_route_put(r);
			log_err(
			    "overlay: a route that is not ferry's exists for "
			    "the prefix; not replaced: prefix=%s",
			    prefix_fmt(&vr->prefix, buf, sizeof(buf)));
			return -1;
		}
		err = rtnl_route_add(sk, r, NLM_F_CREATE | NLM_F_REPLACE);
	}
	rtnl_route_put(r);
	if (err < 0) {
		log_err("overlay: cannot install route: prefix=%s error=%s",
		    prefix_fmt(&vr->prefix, buf, sizeof(buf)),
		    nl_geterror(err));
		return -1;
	}
	return 0;
}

int
vtep_route_del(struct nl_sock *sk, int ifindex, const struct prefix *p)
{
	struct rtnl_route *r = route_build(ifindex, p);
	char buf[PREFIX_STRLEN];
	int err;

	err = rtnl_route_delete(sk, r, 0);
	rtnl_route_put(r);
	if (err < 0 && err != -NLE_OBJ_NOTFOUND) {
		log_err("overlay: cannot remove route: prefix=%s error=%s",
		    prefix_fmt(p, buf, sizeof(buf)), nl_geterror(err));
		return -1;
	}
	return 0;
}

struct sync_ctx {
	struct nl_sock *sk;
	int ifindex;
	const struct vtep_route *want;
	size_t n;
	uint8_t *found; /* per want: ROUTE_OURS | ROUTE_FOREIGN */
	int rc;
};

#define ROUTE_OURS    1
#define ROUTE_FOREIGN 2

static void
sync_one(struct nl_object *obj, void *arg)
{
	struct rtnl_route *r = (struct rtnl_route *)obj;
	struct sync_ctx *c = arg;
	struct prefix p;
	bool ours = route_is_ours(r, c->ifindex), found;
	size_t i;

	if (rtnl_route_get_table(r) != RT_TABLE_MAIN ||
	    netlink_prefix(rtnl_route_get_dst(r), &p) == -1)
		return;
	/* want is sorted by prefix (vtep.c keeps it so). */
	i = prefix_bsearch(c->want, c->n, sizeof(*c->want), &p, &found);
	if (!found) {
		/* A stale ferry route on our device. */
		if (ours && vtep_route_del(c->sk, c->ifindex, &p) == -1)
			c->rc = -1;
		return;
	}
	if (ours)
		c->found[i] |= ROUTE_OURS;
	else if (rtnl_route_get_priority(r) ==
	    route_default_metric(p.addr.family))
		c->found[i] |= ROUTE_FOREIGN;
}

int
vtep_routes_sync(
    struct nl_sock *sk, int ifindex, const struct vtep_route *want, size_t n)
{
	struct sync_ctx c = { sk, ifindex, want, n, NULL, 0 };
	struct nl_cache *cache;
	char buf[PREFIX_STRLEN];
	size_t i;
	int err;

	/* Stale ferry routes on our device go first, then ours are set;
	 * a route of somebody else's with one of our prefixes stays. */
	if ((err = rtnl_route_alloc_cache(sk, AF_UNSPEC, 0, &cache)) < 0) {
		log_err("overlay: cannot read routes: %s", nl_geterror(err));
		return -1;
	}
	c.found = xcalloc(n + 1, 1);
	nl_cache_foreach(cache, sync_one, &c);
	nl_cache_free(cache);
	for (i = 0; i < n; i++) {
		if (c.found[i] & ROUTE_FOREIGN) {
			log_err("overlay: a route that is not ferry's exists "
				"for the prefix; not replaced: prefix=%s",
			    prefix_fmt(&want[i].prefix, buf, sizeof(buf)));
			c.rc = -1;
			continue;
		}
		if (vtep_route_set(
			sk, ifindex, &want[i], c.found[i] & ROUTE_OURS) == -1)
			c.rc = -1;
	}
	free(c.found);
	return c.rc;
}
