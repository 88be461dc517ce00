/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The egress gate (ferryd_egress_gate; docs/design.md, "Upstream and
 * scale-out"): when a session with an upstream of the egress pools comes
 * up on a gateway whose NAT state is synchronised, the pools wait until
 * the replies the upstream will then send here can be delivered:
 *
 *   1. the sync peers have settled: each one is live (heard within a
 *      second) and has answered our last request for a dump with its
 *      end; a peer not heard for EGRESS_SYNC_SILENT_S is not waited for
 *      (egress_sync_unsettled);
 *   2. then one walk of the NAT table collects the pods of the
 *      synchronised connections in use in the last EGRESS_GATE_ACTIVE_S
 *      seconds, here or at a peer;
 *   3. and every one of them has a kernel route that does not leave by
 *      an egress interface (a gateway whose sessions with the nodes are
 *      not back has none: their replies would be translated and lost).
 *
 * Checked every EGRESS_GATE_TICK_S, with a new walk every
 * EGRESS_GATE_REWALK_S while pods lack routes (the connections of a node
 * gone for good stop being active); the gate opens at the latest after
 * EGRESS_GATE_MAX_S, with a warning.  One evaluation serves every
 * session that asks while it runs; a session that comes up later asks
 * again.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "egress_int.h"
#include "ferryd.h"
#include "log.h"
#include "xalloc.h"

#define EGRESS_GATE_TICK_S   0.05
#define EGRESS_GATE_MAX_S    30.0
#define EGRESS_GATE_ACTIVE_S 30
#define EGRESS_GATE_WALK     65536 /* table entries read per tick */
#define EGRESS_GATE_LOOKUPS  4096  /* route lookups per tick */
#define EGRESS_GATE_REWALK_S 5.0   /* pods still unrouted: walk again */

struct gate_pod {
	struct addr a;
	bool used;
	bool routed;
};

enum gate_phase {
	GATE_PEERS,
	GATE_WALK,
	GATE_ROUTES
};

struct egress_gate {
	struct egress *g;
	bool evaluating;
	ev_tstamp since;
	ev_timer timer;
	enum gate_phase phase;
	struct egress_nat_gc walk;
	uint64_t now_ns;       /* of the walk */
	ev_tstamp walked_at;   /* when it began */
	size_t conns;	       /* active synchronised connections it saw */
	struct gate_pod *pods; /* open addressing */
	size_t npods, cap, unrouted, next;
	int nl_fd;
	uint32_t nl_seq;
};

/* --- the pods ------------------------------------------------------------- */

static uint32_t
pod_hash(const struct addr *a)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < sizeof(a->bytes); i++)
		h = (h ^ a->bytes[i]) * 16777619u;
	return h;
}

static void pod_add(struct egress_gate *, const struct addr *);

static void
pods_grow(struct egress_gate *gt)
{
	struct gate_pod *old = gt->pods;
	size_t i, cap = gt->cap;

	gt->cap = cap != 0 ? cap * 2 : 256;
	gt->pods = xcalloc(gt->cap, sizeof(*gt->pods));
	gt->npods = 0;
	for (i = 0; i < cap; i++)
		if (old[i].used)
			pod_add(gt, &old[i].a);
	free(old);
}

static void
pod_add(struct egress_gate *gt, const struct addr *a)
{
	size_t i;

	if (2 * (gt->npods + 1) > gt->cap)
		pods_grow(gt);
	for (i = pod_hash(a) & (gt->cap - 1); gt->pods[i].used;
	     i = (i + 1) & (gt->cap - 1))
		if (addr_cmp(&gt->pods[i].a, a) == 0)
			return;
	gt->pods[i].a = *a;
	gt->pods[i].used = true;
	gt->npods++;
}

static void
pods_clear(struct egress_gate *gt)
{
	free(gt->pods);
	gt->pods = NULL;
	gt->npods = gt->cap = gt->next = 0;
	gt->conns = 0;
}

/* --- the route to a pod --------------------------------------------------- */

/*
 * Does the kernel route a packet to a out of an interface that is not an
 * egress interface (through the overlay, say)?  1, 0, or -1 on a netlink
 * error.
 */
static int
route_usable(struct egress_gate *gt, const struct addr *a)
{
	struct {
		struct nlmsghdr n;
		struct rtmsg r;
		struct rtattr dst;
		uint8_t bytes[16];
	} req;
	union {
		struct nlmsghdr n;
		uint8_t buf[4096];
	} ans;
	size_t alen = a->family == AF_INET ? 4 : 16;
	struct rtmsg *rtm;
	struct rtattr *rta;
	int oif = 0, len;
	size_t i;
	ssize_t n;

	memset(&req, 0, sizeof(req));
	req.n.nlmsg_len = NLMSG_LENGTH(sizeof(req.r) + RTA_LENGTH(alen));
	req.n.nlmsg_type = RTM_GETROUTE;
	req.n.nlmsg_flags = NLM_F_REQUEST;
	req.n.nlmsg_seq = ++gt->nl_seq;
	req.r.rtm_family = a->family;
	req.r.rtm_dst_len = (uint8_t)(alen * 8);
	req.dst.rta_type = RTA_DST;
	req.dst.rta_len = (unsigned short)RTA_LENGTH(alen);
	memcpy(req.bytes, a->bytes, alen);
	if (send(gt->nl_fd, &req, req.n.nlmsg_len, 0) < 0)
		return -1;
	do {
		n = recv(gt->nl_fd, &ans, sizeof(ans), 0);
		if (n < (ssize_t)sizeof(ans.n))
			return -1;
	} while (ans.n.nlmsg_seq != gt->nl_seq);
	if (ans.n.nlmsg_type == NLMSG_ERROR)
		return 0; /* no route: unreachable */
	if (ans.n.nlmsg_type != RTM_NEWROUTE || ans.n.nlmsg_len > (size_t)n ||
	    ans.n.nlmsg_len < NLMSG_LENGTH(sizeof(*rtm)))
		return -1;
	rtm = NLMSG_DATA(&ans.n);
	if (rtm->rtm_type != RTN_UNICAST)
		return 0;
	len = (int)RTM_PAYLOAD(&ans.n);
	for (rta = RTM_RTA(rtm); RTA_OK(rta, len); rta = RTA_NEXT(rta, len))
		if (rta->rta_type == RTA_OIF && RTA_PAYLOAD(rta) >= sizeof(int))
			memcpy(&oif, RTA_DATA(rta), sizeof(int));
	if (oif == 0)
		return 0;
	for (i = 0; i < gt->g->nifs; i++)
		if (gt->g->ifs[i].ifindex == oif)
			return 0;
	return 1;
}

static int
nl_open(void)
{
	struct timeval tv = { .tv_sec = 1 };
	int fd;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd == -1)
		return -1;
	/* The kernel answers at once; this only bounds a surprise. */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/* --- the evaluation ------------------------------------------------------- */

static void
gate_open(struct egress_gate *gt, bool timed_out)
{
	ev_tstamp waited = ev_now(gt->g->d->loop) - gt->since;

	ev_timer_stop(gt->g->d->loop, &gt->timer);
	gt->evaluating = false;
	if (timed_out)
		log_warn("egress: the egress pools go up before the gateway is "
			 "ready: waited=%.2fs sync-peers-unsettled=%zu "
			 "pods=%zu pods-unrouted=%zu",
		    waited, egress_sync_unsettled(gt->g, gt->since), gt->npods,
		    gt->unrouted);
	else
		log_info("egress: ready to announce the egress pools: "
			 "waited=%.2fs connections=%zu pods=%zu",
		    waited, gt->conns, gt->npods);
	egress_nat_gc_free(&gt->walk);
	memset(&gt->walk, 0, sizeof(gt->walk));
	pods_clear(gt);
	ferryd_egress_gate_open(gt->g->d);
}

static void
collect(const struct egress_nat_entry *e, void *arg)
{
	struct egress_gate *gt = arg;
	struct addr a;

	if (!(e->ct.flags & EGR_CT_F_SYNC) ||
	    e->last + EGRESS_GATE_ACTIVE_S * 1000000000ULL < gt->now_ns)
		return;
	gt->conns++;
	egress_addr_of_mapped(e->orig.saddr, &a);
	pod_add(gt, &a);
}

/* Route lookups for the pods not yet routed, a budget at a time. */
static void
check_routes(struct egress_gate *gt)
{
	size_t k, done = 0;
	int r;

	if (gt->next == 0)
		gt->unrouted = 0;
	for (k = gt->next; k < gt->cap && done < EGRESS_GATE_LOOKUPS; k++) {
		struct gate_pod *p = &gt->pods[k];

		if (!p->used || p->routed)
			continue;
		done++;
		if ((r = route_usable(gt, &p->a)) == 1)
			p->routed = true;
		else
			gt->unrouted++;
		if (r == -1)
			log_debug("egress: gate: route lookup failed: "
				  "error=%s",
			    strerror(errno));
	}
	gt->next = k < gt->cap ? k : 0;
}

static void
gate_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct egress_gate *gt = w->data;
	struct egress *g = gt->g;
	int ct, rev, r;

	(void)revents;
	if (g->sync == NULL || g->dp == NULL) {
		gate_open(gt, false);
		return;
	}
	if (ev_now(loop) - gt->since >= EGRESS_GATE_MAX_S) {
		gate_open(gt, true);
		return;
	}
	if (egress_sync_unsettled(g, gt->since) > 0) {
		gt->phase = GATE_PEERS;
		return;
	}
	if (gt->phase == GATE_PEERS) {
		/* Settled: the table holds the peers' connections now. */
		gt->phase = GATE_WALK;
		egress_nat_gc_free(&gt->walk);
		memset(&gt->walk, 0, sizeof(gt->walk));
		pods_clear(gt);
		gt->now_ns = egress_nat_now();
		gt->walked_at = ev_now(loop);
	}
	if (gt->phase == GATE_WALK) {
		egress_dp_nat_fds(g->dp, &ct, &rev);
		r = egress_nat_read_step(
		    &gt->walk, ct, rev, EGRESS_GATE_WALK, collect, gt);
		if (r == -1) {
			log_warn("egress: gate: reading the NAT table failed: "
				 "error=%s",
			    strerror(errno));
			gt->phase = GATE_PEERS;
			return;
		}
		if (r == 0)
			return;
		gt->phase = GATE_ROUTES;
		gt->next = 0;
	}
	if (gt->nl_fd == -1 && (gt->nl_fd = nl_open()) == -1) {
		log_warn("egress: gate: netlink: error=%s", strerror(errno));
		return;
	}
	check_routes(gt);
	if (gt->next == 0 && gt->unrouted == 0)
		gate_open(gt, false);
	else if (gt->next == 0 &&
	    ev_now(loop) - gt->walked_at >= EGRESS_GATE_REWALK_S)
		/* The connections of a node gone for good stop being
		 * active and leave the next walk's pods. */
		gt->phase = GATE_PEERS;
}

/* Does anything here need the gate: a policy served with sync? */
static bool
gate_needed(const struct egress *g)
{
	return g->sync != NULL && g->dp != NULL;
}

bool
egress_gate_ask(struct egress *g)
{
	struct egress_gate *gt;

	if (!gate_needed(g))
		return true;
	if (g->gate == NULL) {
		gt = g->gate = xcalloc(1, sizeof(*gt));
		gt->g = g;
		gt->nl_fd = -1;
		ev_timer_init(&gt->timer, gate_tick, 0., EGRESS_GATE_TICK_S);
		gt->timer.data = gt;
	}
	gt = g->gate;
	if (!gt->evaluating) {
		gt->evaluating = true;
		gt->since = ev_now(g->d->loop);
		gt->phase = GATE_PEERS;
		log_info("egress: egress pools held back until the gateway is "
			 "ready");
		ev_timer_set(&gt->timer, 0., EGRESS_GATE_TICK_S);
		ev_timer_start(g->d->loop, &gt->timer);
	}
	return false;
}

bool
egress_gate_held(const struct egress *g)
{
	return g->gate != NULL && g->gate->evaluating;
}

void
egress_gate_free(struct egress *g)
{
	struct egress_gate *gt = g->gate;

	if (gt == NULL)
		return;
	/* Nothing stays held back by an evaluation that will not end. */
	if (gt->evaluating)
		gate_open(gt, false);
	if (gt->nl_fd != -1)
		close(gt->nl_fd);
	egress_nat_gc_free(&gt->walk);
	pods_clear(gt);
	free(gt);
	g->gate = NULL;
}
