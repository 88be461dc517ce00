/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The egress module (see egressd.h): the runtime of the egress section.
 *
 * Start compiles the policies and, when the section names interfaces,
 * loads the datapath (egress_dp.c, adopting pinned maps), writes
 * egr_config, syncs the compiled tables into the policy maps and attaches
 * egr_out / egr_in to every interface that exists.  One timer on ferryd's
 * loop, once a second, then does the periodic work: the NAT garbage
 * collection (egress_nat_gc), attaching interfaces that appeared (or came
 * back with another ifindex) since, and rewriting egr_config when the
 * overlay device changed; on a node (a host that is not a gateway of
 * some policy) egr_ovl_out is hung on the overlay device with it, and
 * again when the device comes back.  Polling was chosen over netlink
 * link events because ferryd has no link-event subscription and a second
 * is well inside what an operator expects of a device being created.
 *
 * Reload compiles the new policies against the running id assignment and
 * writes only the differences; interfaces are attached and detached as
 * they come and go, the port range and timeouts apply at once.  The NAT
 * table cannot be resized in place: a new nat.table-size is refused on
 * reload (logged, reload reported partial) and applies at the next start,
 * which recreates the table empty.  Stop leaves everything in the kernel;
 * a section removed by reload detaches the programs and unpins the maps.
 *
 * Replies to steered traffic.  egr_out sends a policy's traffic to a
 * remote gateway through the overlay; the gateway's replies come back
 * through it with the outside's addresses as inner source, which the
 * overlay's anti-spoofing refuses unless told.  So for every policy whose
 * gateway is remote, each destination prefix is published to the overlay
 * (ferryd_overlay_publish, accept_only) as a source accepted from the
 * gateway's (endpoint, VNI): no tunnel entry, no route.  Excluded
 * destinations need nothing: the gateway never sends those back.  The
 * overlay counts references, so a reload publishes the new config's set
 * before withdrawing the old one's and what both want never goes away;
 * stop withdraws nothing (the next ferryd republishes, the overlay keeps
 * the map entries meanwhile).
 */
#include <net/if.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "egress.h"
#include "egress_int.h"
#include "egress_nat.h"
#include "ferryd.h"
#include "log.h"
#include "module.h"
#include "vtep.h"
#include "xalloc.h"

#define EGRESS_TICK_S 1.0

static void
egress_timeouts_of(const struct egress_conf *ec, struct egress_timeouts *to)
{
	to->tcp_syn = ec->nat.timeout[EGRESS_TO_TCP_SYN];
	to->tcp_established = ec->nat.timeout[EGRESS_TO_TCP_ESTABLISHED];
	to->tcp_closing = ec->nat.timeout[EGRESS_TO_TCP_CLOSING];
	to->udp = ec->nat.timeout[EGRESS_TO_UDP];
	to->icmp = ec->nat.timeout[EGRESS_TO_ICMP];
}

/* The overlay's device and addresses, from the running config. */
static void
egress_ovl_of(struct egress *g, struct egress_ovl *ovl)
{
	const char *dev = NULL;

	memset(ovl, 0, sizeof(*ovl));
	if (!vtep_conf_underlay(g->d->conf, &dev, &ovl->local4, &ovl->local6))
		return;
	ovl->ifindex = egress_ovl_lookup(dev, ovl->mac);
}

/* Is this host a node of some policy: none of its gateways here? */
static bool
egress_is_node(const struct egress_conf *ec)
{
	size_t i, k;

	for (i = 0; i < ec->npolicies; i++) {
		for (k = 0; k < ec->policies[i].ngw; k++)
			if (ec->policies[i].gw[k].local)
				break;
		if (k == ec->policies[i].ngw)
			return true;
	}
	return false;
}

/*
 * egr_ovl_out on the overlay device of a node, so that what the routing
 * sends into the overlay (a gateway's route to a policy's destination)
 * is steered by the policy as on the egress interfaces.  Attached when
 * the device appears or comes back with another ifindex; a host that is
 * a gateway of every policy it has needs none (it translates on its
 * uplink), and a link left from when it was a node is let go.
 */
static void
egress_ovl_attach(struct egress *g, const struct egress_ovl *ovl)
{
	const char *pin_dir = g->conf->pin_dir;

	if (ovl->ifindex == 0 || !egress_is_node(g->conf)) {
		if (g->ovl_ifindex != 0 || !g->ovl_clean)
			egress_dp_detach_ovl(pin_dir);
		g->ovl_ifindex = 0;
		g->ovl_clean = true;
		return;
	}
	if (ovl->ifindex == g->ovl_ifindex)
		return;
	g->ovl_clean = false;
	if (egress_dp_attach_ovl(g->dp, pin_dir, ovl->ifindex) == -1) {
		if (!g->ovl_failed)
			log_warn("egress: cannot attach to the overlay "
				 "device, traffic routed into the overlay "
				 "is not steered by policy: ifindex=%d "
				 "error=%s (tcx needs Linux 6.6)",
			    ovl->ifindex, strerror(errno));
		g->ovl_failed = true;
		return;
	}
	g->ovl_failed = false;
	g->ovl_ifindex = ovl->ifindex;
}

static int
egress_write_config(struct egress *g)
{
	struct egress_ovl ovl;

	egress_ovl_of(g, &ovl);
	if (egress_dp_config(g->dp, g->conf, &ovl) == -1)
		return -1;
	egress_ovl_attach(g, &ovl);
	return 0;
}

/* A gateway's health is its BGP session's (ferryd_peer_healthy). */
static int
egress_gw_health(void *arg, const struct addr *endpoint)
{
	struct egress *g = arg;

	return ferryd_peer_healthy(g->d, endpoint);
}

static int
egress_sync(struct egress *g)
{
	struct egress_health h = { egress_gw_health, g };
	struct egress_map_stats st;

	memset(&st, 0, sizeof(st));
	if (egress_map_sync(
		egress_dp_maps(g->dp), g->conf, &g->rules, &h, &st) == -1) {
		g->synced = false;
		return -1;
	}
	g->synced = true;
	if (st.added + st.replaced + st.deleted > 0)
		log_info("egress: policy maps synced: added=%u replaced=%u "
			 "deleted=%u",
		    st.added, st.replaced, st.deleted);
	return 0;
}

/* Publish (or withdraw) ec's acceptances for steered replies. */
static void
egress_accept(struct egress *g, const struct egress_conf *ec, bool withdraw)
{
	struct ferry_overlay_route r;
	size_t i, j, k;

	for (i = 0; i < ec->npolicies; i++) {
		const struct egress_policy *p = &ec->policies[i];

		for (k = 0; k < p->ngw; k++) {
			if (p->gw[k].endpoint.family == 0 || p->gw[k].local)
				continue;
			for (j = 0; j < p->ndst; j++) {
				memset(&r, 0, sizeof(r));
				r.prefix = p->dst[j];
				r.endpoint = p->gw[k].endpoint;
				r.vni = p->gw[k].vni;
				r.owner = p->name;
				r.accept_only = true;
				r.accept_withdraw = withdraw;
				ferryd_overlay_publish(g->d, &r);
			}
		}
	}
}

/* Does a policy of ec list the remote gateway at a? */
static bool
egress_lists_gateway(const struct egress_conf *ec, const struct addr *a)
{
	size_t i, k;

	for (i = 0; i < ec->npolicies; i++)
		for (k = 0; k < ec->policies[i].ngw; k++)
			if (!ec->policies[i].gw[k].local &&
			    addr_cmp(&ec->policies[i].gw[k].endpoint, a) == 0)
				return true;
	return false;
}

/*
 * A BGP peer's health changed: if it is a gateway of a remote policy,
 * the policy's gateway set changes with it, at once (BFD brings a
 * failure here within its detection time).
 */
static void
egress_peer_health(void *arg, const struct addr *a, bool healthy)
{
	struct egress *g = arg;
	char buf[ADDR_STRLEN];

	if (!egress_lists_gateway(g->conf, a))
		return;
	log_notice("egress: gateway %s: endpoint=%s", healthy ? "up" : "down",
	    addr_fmt(a, buf, sizeof(buf)));
	if (g->dp != NULL && egress_sync(g) == -1)
		log_err("egress: policies not rewritten for the gateway's "
			"health; the next reload or change retries");
}

static struct egress_if *
egress_if_find(struct egress *g, const char *name)
{
	size_t i;

	for (i = 0; i < g->nifs; i++)
		if (strcmp(g->ifs[i].name, name) == 0)
			return &g->ifs[i];
	return NULL;
}

/*
 * Attach to every configured interface that exists and is not attached
 * at its current ifindex.  A missing one is logged once, when it goes
 * missing, and retried on every tick.
 */
static void
egress_ifs_attach(struct egress *g)
{
	struct egress_if *e;
	size_t i;
	int ifindex;

	for (i = 0; i < g->nifs; i++) {
		e = &g->ifs[i];
		ifindex = (int)if_nametoindex(e->name);
		if (ifindex == 0) {
			if (!e->missing)
				log_warn("egress: interface missing, attached "
					 "when it appears: interface=%s",
				    e->name);
			e->ifindex = 0;
			e->missing = true;
			continue;
		}
		e->missing = false;
		if (ifindex == e->ifindex && !e->failed)
			continue;
		if (egress_dp_attach(
			g->dp, g->conf->pin_dir, e->name, ifindex) == -1) {
			e->failed = true;
			continue;
		}
		e->failed = false;
		e->ifindex = ifindex;
	}
}

/* Make g->ifs the interfaces of ec: detach the ones that went. */
static void
egress_ifs_set(struct egress *g, const struct egress_conf *ec)
{
	struct egress_if *ifs = xcalloc(ec->nifaces + 1, sizeof(*ifs));
	struct egress_if *old;
	size_t i;

	for (i = 0; i < ec->nifaces; i++) {
		ifs[i].name = xstrdup(ec->ifaces[i]);
		if ((old = egress_if_find(g, ec->ifaces[i])) != NULL) {
			ifs[i].ifindex = old->ifindex;
			ifs[i].missing = old->missing;
			ifs[i].failed = old->failed;
			old->keep = true;
		}
	}
	for (i = 0; i < g->nifs; i++) {
		if (!g->ifs[i].keep && g->dp != NULL)
			egress_dp_detach(g->conf->pin_dir, g->ifs[i].name,
			    g->ifs[i].ifindex);
		free(g->ifs[i].name);
	}
	free(g->ifs);
	g->ifs = ifs;
	g->nifs = ec->nifaces;
}

static void
egress_gc(struct egress *g)
{
	struct egress_nat_gc_stats st;
	struct timespec t0, t1;
	int ct, rev, r;

	egress_dp_nat_fds(g->dp, &ct, &rev);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	g->walk.hooks = egress_sync_hooks(g);
	r = egress_nat_gc_step(&g->walk, ct, rev, &g->timeouts,
	    egress_nat_now(), EGRESS_NAT_GC_BUDGET, &st);
	egress_sync_gc_step(g, r == 1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (r == -1) {
		if (g->gc.errors++ == 0)
			log_err("egress: NAT garbage collection failed: "
				"error=%s",
			    strerror(errno));
		return;
	}
	g->gc.runs++;
	g->gc.expired += st.expired;
	g->gc.orphans += st.orphans;
	/* Until a walk has completed, what the one under way has seen. */
	g->gc.flows = g->walk.walks ? g->walk.live : g->walk.pass.live;
	g->gc.walks = g->walk.walks;
	g->gc.last_us = (uint64_t)((t1.tv_sec - t0.tv_sec) * 1000000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000);
}

struct pin_tally {
	const struct egress *g;
	int32_t *index; /* policy id -> config index, -1: none */
	uint32_t *pinned;
};

static void
pin_count(const struct egr_pin_key *k, const struct egr_pin_val *v, void *arg)
{
	struct pin_tally *t = arg;
	const struct egress_policy *p;
	__be32 ep[4];
	size_t j;
	int32_t i;

	if (k->policy >= EGR_POLICY_MAX || (i = t->index[k->policy]) < 0)
		return;
	p = &t->g->conf->policies[i];
	for (j = 0; j < p->ngw; j++) {
		egress_addr16(&p->gw[j].endpoint, ep);
		if (memcmp(ep, v->endpoint, sizeof(ep)) == 0) {
			t->pinned[(size_t)i * EGR_GW_MAX + j]++;
			return;
		}
	}
}

/*
 * Forget the pins idle longer than any connection can live at their
 * gateway, and count the others per policy and gateway (show egress
 * gateways, ferry_egress_gateway_flows).
 */
static void
egress_pins(struct egress *g)
{
	const struct egress_conf *ec = g->conf;
	struct pin_tally t = { .g = g };
	uint64_t forgotten;
	size_t i;

	t.index = xcalloc(EGR_POLICY_MAX, sizeof(*t.index));
	memset(t.index, 0xff, EGR_POLICY_MAX * sizeof(*t.index));
	for (i = 0; i < ec->npolicies && i < g->rules.nids; i++)
		if (g->rules.ids[i].id < EGR_POLICY_MAX)
			t.index[g->rules.ids[i].id] = (int32_t)i;
	t.pinned = xcalloc(ec->npolicies * EGR_GW_MAX + 1, sizeof(*t.pinned));
	if (egress_pins_walk(egress_dp_pin_fd(g->dp), egress_nat_now(),
		egress_pins_idle_ns(&g->timeouts), pin_count, &t,
		&forgotten) == -1) {
		log_warn("egress: walking the pins failed: error=%s",
		    strerror(errno));
		free(t.pinned);
	} else {
		free(g->pinned);
		g->pinned = t.pinned;
		g->pins_forgotten += forgotten;
	}
	free(t.index);
}

static void
egress_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct egress *g = w->data;

	(void)loop;
	(void)revents;
	if (g->dp == NULL)
		return;
	egress_write_config(g);
	if (!g->synced)
		egress_sync(g);
	egress_ifs_attach(g);
	egress_gc(g);
	if (g->pinned == NULL || ++g->pin_ticks >= EGRESS_PIN_WALK_TICKS) {
		g->pin_ticks = 0;
		egress_pins(g);
	}
}

/*
 * Two gateways of a policy that SNAT to one address: without the sync of
 * NAT state (ha.sync, egress_sync.c) a reply that reaches the one that
 * did not translate the flow is lost.  Accepted, as before several
 * gateways existed, but said at every load.
 */
static void
egress_warn_shared(const struct egress_conf *ec)
{
	static const int fams[] = { AF_INET, AF_INET6 };
	const struct addr *a;
	char buf[ADDR_STRLEN];
	size_t i, f;

	if (ec->sync.enabled)
		return;
	for (i = 0; i < ec->npolicies; i++)
		for (f = 0; f < 2; f++)
			if ((a = egress_shared_ip(&ec->policies[i], fams[f])) !=
			    NULL)
				log_warn(
				    "egress: gateways share an egress IP: "
				    "policy=%s egress-ip=%s; without NAT "
				    "state sync a reply that reaches the "
				    "other gateway is lost: give each "
				    "gateway its own egress-ip, or turn on "
				    "ha.sync",
				    ec->policies[i].name,
				    addr_fmt(a, buf, sizeof(buf)));
}

/* Load the datapath for g->conf and bring it to the config. */
static int
egress_activate(struct egress *g)
{
	const struct egress_conf *ec = g->conf;

	if ((g->dp = egress_dp_open(ec)) == NULL)
		return -1;
	/* New maps: the collector starts its walks from the beginning. */
	egress_nat_gc_free(&g->walk);
	memset(&g->walk, 0, sizeof(g->walk));
	egress_dp_unpin_stale(ec->pin_dir, ec->ifaces, ec->nifaces);
	egress_timeouts_of(ec, &g->timeouts);
	if (egress_write_config(g) == -1 || egress_sync(g) == -1) {
		egress_dp_close(g->dp);
		g->dp = NULL;
		return -1;
	}
	egress_ifs_set(g, ec);
	egress_ifs_attach(g);
	egress_sync_update(g);
	log_info("egress: datapath up: policies=%zu classes=%zu "
		 "destinations=%zu interfaces=%zu table-size=%u pin-dir=%s",
	    ec->npolicies, g->rules.nclasses, g->rules.ndsts, ec->nifaces,
	    egress_dp_table_size(g->dp), ec->pin_dir);
	return 0;
}

/* The section went: programs off every interface, maps unpinned. */
static void
egress_deactivate(struct egress *g, const char *pin_dir)
{
	size_t i;

	for (i = 0; i < g->nifs; i++) {
		egress_dp_detach(pin_dir, g->ifs[i].name, g->ifs[i].ifindex);
		free(g->ifs[i].name);
	}
	free(g->ifs);
	g->ifs = NULL;
	g->nifs = 0;
	egress_sync_stop(g);
	g->ovl_ifindex = 0;
	g->ovl_clean = false;
	egress_dp_close(g->dp);
	g->dp = NULL;
	egress_nat_gc_free(&g->walk);
	memset(&g->walk, 0, sizeof(g->walk));
	free(g->pinned);
	g->pinned = NULL;
	egress_dp_unpin(pin_dir);
	log_info("egress: datapath removed: pin-dir=%s", pin_dir);
}

static bool
egress_gate_cb(void *arg)
{
	return egress_gate_ask(arg);
}

static bool
egress_wanted(const struct egress_conf *ec)
{
	return ec->enabled && ec->nifaces > 0;
}

static void *
egress_start(struct ferryd *d, const void *arg)
{
	const struct egress_conf *ec = arg;
	struct egress *g = xcalloc(1, sizeof(*g));

	g->d = d;
	g->conf = ec;
	if (egress_policy_compile(ec, NULL, &g->rules) == -1) {
		log_err("egress: more than %d policy ids needed",
		    EGRESS_POLICY_MAX);
		free(g);
		return NULL;
	}
	egress_ctl_register(g);
	ferryd_peer_health_subscribe(d, egress_peer_health, g);
	ferryd_egress_gate_provide(d, egress_gate_cb, g);
	ev_timer_init(&g->tick, egress_tick, EGRESS_TICK_S, EGRESS_TICK_S);
	g->tick.data = g;
	ev_timer_start(d->loop, &g->tick);
	egress_warn_shared(ec);
	/* Keep running without it: BGP and the overlay need not go down. */
	if (egress_wanted(ec) && egress_activate(g) == -1)
		log_err("egress: datapath could not be set up; a reload "
			"retries");
	if (egress_wanted(ec)) {
		egress_accept(g, ec, false);
		g->accepting = true;
	}
	return g;
}

static int
egress_reload(void *arg, const void *old_conf, const void *new_conf)
{
	const struct egress_conf *oc = old_conf, *nc = new_conf;
	struct egress *g = arg;
	struct egress_rules r;
	int rc = 0;

	if (egress_policy_compile(nc, &g->rules, &r) == -1) {
		log_err("egress: more than %d policy ids needed",
		    EGRESS_POLICY_MAX);
		return -1;
	}
	egress_rules_free(&g->rules);
	g->rules = r;
	egress_warn_shared(nc);
	/* Counted by config index: the next tick counts again. */
	free(g->pinned);
	g->pinned = NULL;
	/* The new set before the old one goes (see above). */
	if (egress_wanted(nc))
		egress_accept(g, nc, false);
	if (g->accepting)
		egress_accept(g, oc, true);
	g->accepting = egress_wanted(nc);
	if (g->dp != NULL &&
	    (!egress_wanted(nc) || strcmp(oc->pin_dir, nc->pin_dir) != 0)) {
		egress_deactivate(g, oc->pin_dir);
	}
	g->conf = nc;
	if (!egress_wanted(nc))
		return 0;
	if (g->dp == NULL)
		return egress_activate(g);
	if (nc->nat.table_size != egress_dp_table_size(g->dp)) {
		log_err("egress: nat.table-size cannot change on reload, it "
			"applies at the next start (which empties the NAT "
			"table): running=%u configured=%u",
		    egress_dp_table_size(g->dp), nc->nat.table_size);
		rc = -1;
	}
	if (nc->pin_table_size != egress_dp_pin_table_size(g->dp)) {
		log_err("egress: ha.pin-table-size cannot change on reload, it "
			"applies at the next start (which forgets the pins): "
			"running=%u configured=%u",
		    egress_dp_pin_table_size(g->dp), nc->pin_table_size);
		rc = -1;
	}
	egress_timeouts_of(nc, &g->timeouts);
	if (egress_write_config(g) == -1 || egress_sync(g) == -1)
		rc = -1;
	egress_ifs_set(g, nc);
	egress_ifs_attach(g);
	egress_sync_update(g);
	return rc;
}

static void
egress_stop(void *arg)
{
	struct egress *g = arg;
	size_t i;

	ev_timer_stop(g->d->loop, &g->tick);
	ferryd_peer_health_subscribe(g->d, NULL, NULL);
	ferryd_egress_gate_provide(g->d, NULL, NULL);
	egress_gate_free(g);
	egress_ctl_unregister(g);
	egress_sync_stop(g);
	/* Programs stay attached and maps pinned for the next ferryd. */
	egress_dp_close(g->dp);
	for (i = 0; i < g->nifs; i++)
		free(g->ifs[i].name);
	free(g->ifs);
	egress_rules_free(&g->rules);
	egress_nat_gc_free(&g->walk);
	free(g->pinned);
	free(g);
}

const struct ferry_module egress_module = {
	.name = "egress",
	.parse_conf = egress_conf_parse,
	.free_conf = egress_conf_free,
	.dump_conf = egress_conf_dump,
	.start = egress_start,
	.reload = egress_reload,
	.stop = egress_stop,
};
