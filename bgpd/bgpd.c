/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The BGP module: wires the RIB (bgp_rib.h), the sessions (bgp_peer.h)
 * and the kernel FIB (bgp_fib.h) together on ferryd's loop, applies
 * reloads, and answers the control commands:
 *
 *	show bgp peers
 *	show bgp routes		args: view (best, received, advertised),
 *				peer, prefix
 *	bgp reset		args: peer
 *	bgp refresh		args: peer
 *	show bfd		BFD sessions of the peers, drop counters
 *
 * Rendering for people is ferryctl's job: replies are JSON with every
 * attribute decoded.
 */
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "bfd.h"
#include "bgp_attr.h"
#include "bgp_conf.h"
#include "bgp_fib.h"
#include "bgp_gr.h"
#include "bgp_grstate.h"
#include "bgp_peer.h"
#include "bgp_rib.h"
#include "bgpd.h"
#include "conf.h"
#include "control.h"
#include "ferryd.h"
#include "log.h"
#include "metrics.h"
#include "module.h"
#include "xalloc.h"

/* Seconds a previous run's kernel routes wait to be relearned. */
#define BGP_FIB_STALE_SECS 120

struct bgpd {
	struct ferryd *d;
	const struct bgp_conf *conf;
	struct rib *rib;
	struct bgp_sessions *sessions;
	struct bgp_fib *fib;
	bool keeping; /* exiting with routes kept: changes go nowhere */
	struct bgp_grstate gr_state;
};

static void
hook_output_ready(void *ctx, struct rib_peer *rp)
{
	struct bgpd *b = ctx;

	if (b->sessions != NULL)
		bgp_sessions_output_ready(b->sessions, rp);
}

/* The config of the neighbor at addr: configured, or its listen range. */
static const struct bgp_neighbor *
bgpd_neighbor(const struct bgp_conf *bc, const struct addr *addr)
{
	size_t i;

	for (i = 0; i < bc->nneighbors; i++)
		if (addr_cmp(&bc->neighbors[i].addr, addr) == 0)
			return &bc->neighbors[i];
	for (i = 0; i < bc->nranges; i++)
		if (prefix_contains_addr(&bc->ranges[i].prefix, addr))
			return &bc->ranges[i].tmpl;
	return NULL;
}

/*
 * A best path changed.  Routes from cluster peers (neighbor.overlay) are
 * overlay routes: their next hop is the peer's VXLAN endpoint, so they go
 * to the overlay as tunnel entries and never into the FIB as gateway
 * routes.  Everything else goes to the FIB.  Both sides are told every
 * time (one of them "gone", and that one first), so a prefix whose best
 * path moves from one kind of peer to the other ends up in exactly one
 * place.
 */
static void
hook_best_changed(
    void *ctx, const struct prefix *p, const struct rib_nexthop *nh, size_t n)
{
	struct bgpd *b = ctx;
	const struct bgp_neighbor *nb = NULL;
	struct ferry_overlay_route r;
	char owner[ADDR_STRLEN];

	/* Exiting for a graceful restart: the kernel and the overlay keep
	 * forwarding as they are while the sessions close. */
	if (b->keeping)
		return;
	if (n > 0)
		nb = bgpd_neighbor(b->conf, &nh[0].peer);
	memset(&r, 0, sizeof(r));
	r.prefix = *p;
	if (nb != NULL && nb->overlay) {
		r.endpoint = nh[0].gw;
		r.vni = nb->overlay_vni;
		memcpy(r.mac, nb->overlay_mac, 6);
		r.owner = addr_fmt(&nh[0].peer, owner, sizeof(owner));
		/* The side that lets go goes first: the overlay never
		 * replaces a route that is not its own. */
		if (b->fib != NULL)
			bgp_fib_set(b->fib, p, nh, 0);
		ferryd_overlay_publish(b->d, &r);
		return;
	}
	ferryd_overlay_publish(b->d, &r);
	if (b->fib != NULL)
		bgp_fib_set(b->fib, p, nh, n);
}

/*
 * A path came or went.  Paths from cluster peers are source acceptances
 * in the overlay, one per path and not only for the best one: replies
 * to traffic sent through one gateway may come back through another
 * that announces the prefix too (a gateway restarting, say), and the
 * overlay's source check must let them in.  One reference each (the
 * overlay counts them, as egress/'s), taken when the path comes and
 * dropped when the RIB removes it (withdrawn, or its session gone and
 * graceful restart over).
 */
static void
hook_path_changed(
    void *ctx, const struct prefix *p, const struct rib_nexthop *nh, bool gone)
{
	struct bgpd *b = ctx;
	const struct bgp_neighbor *nb;
	struct ferry_overlay_route r;
	char owner[ADDR_STRLEN];

	if (b->keeping || nh->gw.family == 0)
		return;
	nb = bgpd_neighbor(b->conf, &nh->peer);
	if (nb == NULL || !nb->overlay)
		return;
	memset(&r, 0, sizeof(r));
	r.prefix = *p;
	r.endpoint = nh->gw;
	r.vni = nb->overlay_vni;
	r.owner = addr_fmt(&nh->peer, owner, sizeof(owner));
	r.accept_only = true;
	r.accept_withdraw = gone;
	r.bgp = true;
	ferryd_overlay_publish(b->d, &r);
}

static const struct rib_hooks bgpd_hooks = {
	.output_ready = hook_output_ready,
	.best_changed = hook_best_changed,
	.path_changed = hook_path_changed,
};

/* Our restart is over: kernel routes of the last run not relearned go. */
static void
hook_restart_done(void *ctx)
{
	struct bgpd *b = ctx;

	if (b->fib != NULL)
		bgp_fib_sweep(b->fib);
}

static void hook_dynamic_changed(void *);

/* Asked of the workloads module through the agent. */
static bool
hook_workload_known(void *ctx, const struct addr *a)
{
	struct bgpd *b = ctx;

	return ferryd_workload_known(b->d, a) == 1;
}

/* Told to the agent, which tells egress (its gateways' health). */
static void
hook_peer_health(void *ctx, const struct addr *a, bool healthy)
{
	struct bgpd *b = ctx;

	ferryd_peer_health_publish(b->d, a, healthy);
}

/* Asked of egress through the agent: may the egress pools go up? */
static bool
hook_egress_gate(void *ctx)
{
	struct bgpd *b = ctx;

	return ferryd_egress_gate(b->d);
}

static const struct bgp_sessions_hooks bgpd_session_hooks = {
	.restart_done = hook_restart_done,
	.dynamic_changed = hook_dynamic_changed,
	.workload_known = hook_workload_known,
	.peer_health = hook_peer_health,
	.egress_gate = hook_egress_gate,
};

/* The dynamic neighbors with graceful restart changed: remember them,
 * so that after a restart our deferral waits for them too. */
static void
hook_dynamic_changed(void *ctx)
{
	struct bgpd *b = ctx;
	struct addr *dyn;
	size_t n;

	if (b->sessions == NULL || !b->conf->gr.enabled)
		return;
	n = bgp_sessions_gr_dynamic(b->sessions, NULL, 0);
	dyn = xreallocarray(NULL, n > 0 ? n : 1, sizeof(*dyn));
	n = bgp_sessions_gr_dynamic(b->sessions, dyn, n);
	bgp_grstate_save(&b->gr_state, dyn, n);
	free(dyn);
}

static int
bgpd_up(struct bgpd *b, const struct bgp_conf *bc)
{
	unsigned stale = BGP_FIB_STALE_SECS;
	struct addr *dyn = NULL;
	bool restarting = false;
	size_t ndyn = 0;
	int rc = -1;

	b->conf = bc;
	b->keeping = false;
	bgp_grstate_init(
	    &b->gr_state, b->d->conf != NULL ? b->d->conf->pid_file : NULL);
	if (bc->gr.enabled) {
		restarting = bgp_grstate_load(&b->gr_state, &dyn, &ndyn);
		/* Past the deferral (at most restart-time) the sweep has
		 * run; the timer is only a backstop. */
		if (stale < (unsigned)bc->gr.restart_time + 30)
			stale = (unsigned)bc->gr.restart_time + 30;
	}
	if (bc->fib &&
	    (b->fib = bgp_fib_new(b->d->loop, bc->fib_table, stale)) == NULL)
		goto out;
	b->rib = rib_new(bc, &bgpd_hooks, b);
	if ((b->sessions = bgp_sessions_new(b->d->loop, b->rib, bc, restarting,
		 dyn, ndyn, &bgpd_session_hooks, b)) == NULL)
		goto out;
	log_info("bgp: up: asn=%u neighbors=%zu pools=%zu listen-ranges=%zu",
	    bc->asn, bc->nneighbors, bc->npools, bc->nranges);
	rc = 0;
out:
	free(dyn);
	return rc;
}

/*
 * exiting: ferryd stops.  With graceful restart the kernel routes and
 * overlay entries stay for the next ferryd (bgp_grstate.h), and the
 * sessions close so that the peers keep our routes meanwhile.
 */
static void
bgpd_down(struct bgpd *b, bool exiting)
{
	bool gr = exiting && b->conf != NULL && b->conf->enabled &&
	    b->conf->gr.enabled;
	bool keep = b->conf != NULL && (b->conf->fib_keep || gr);

	b->keeping = exiting && keep;
	if (b->keeping && b->rib != NULL)
		rib_shutdown(b->rib);
	bgp_sessions_free(b->sessions, gr);
	b->sessions = NULL;
	if (b->rib != NULL)
		rib_free(b->rib);
	b->rib = NULL;
	bgp_fib_free(b->fib, keep);
	b->fib = NULL;
	b->keeping = false;
	/* Only an exit with graceful restart leaves its state behind: after
	 * a restart by reload (new identity) nothing was kept. */
	if (!gr)
		bgp_grstate_remove(&b->gr_state);
}

/* What cannot change under running sessions: the speaker's identity. */
static bool
bgpd_identity_changed(const struct bgp_conf *a, const struct bgp_conf *b)
{
	return a->asn != b->asn || addr_cmp(&a->router_id, &b->router_id) ||
	    addr_cmp(&a->cluster_id, &b->cluster_id) || a->fib != b->fib ||
	    a->fib_table != b->fib_table;
}

static int
bgpd_reload(void *arg, const void *old_arg, const void *new_arg)
{
	struct bgpd *b = arg;
	const struct bgp_conf *old = old_arg, *new = new_arg;

	if (!old->enabled && !new->enabled) {
		b->conf = new;
		return 0;
	}
	if (old->enabled &&
	    (!new->enabled || bgpd_identity_changed(old, new))) {
		log_info("bgp: %s",
		    new->enabled ? "identity changed, restarting every session"
				 : "removed from the config");
		bgpd_down(b, false);
	}
	if (b->sessions == NULL) {
		b->conf = new;
		return new->enabled ? bgpd_up(b, new) : 0;
	}
	/* Pools and policy first, so new sessions start from them. */
	b->conf = new;
	rib_configure(b->rib, new);
	return bgp_sessions_configure(b->sessions, new);
}

static const char *const origin_names[] = { "igp", "egp", "incomplete" };

static json_object *
aspath_json(const struct bgp_attrs *a)
{
	struct bgp_aspath_iter it;
	struct bgp_aspath_seg seg;
	char buf[1024];
	size_t used = 0;
	unsigned i;

	buf[0] = '\0';
	bgp_attr_aspath_iter_init(&it, a->aspath, a->aspath_len, a->aspath_as4);
	while (
	    bgp_attr_aspath_next(&it, &seg) == 1 && used < sizeof(buf) - 16) {
		bool set = seg.type == BGP_ASPATH_SET ||
		    seg.type == BGP_ASPATH_CONFED_SET;
		bool confed = seg.type == BGP_ASPATH_CONFED_SEQUENCE ||
		    seg.type == BGP_ASPATH_CONFED_SET;

		used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%s",
		    used > 0 ? " " : "",
		    confed    ? "("
			: set ? "{"
			      : "");
		for (i = 0; i < seg.count && used < sizeof(buf) - 16; i++)
			used += (size_t)snprintf(buf + used, sizeof(buf) - used,
			    "%s%u", i > 0 ? (set ? "," : " ") : "",
			    bgp_attr_aspath_seg_as(&seg, i, a->aspath_as4));
		used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s",
		    confed    ? ")"
			: set ? "}"
			      : "");
	}
	return json_object_new_string(buf);
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static json_object *
communities_json(const struct bgp_attrs *a)
{
	json_object *list = json_object_new_array();
	char buf[32];
	uint32_t c;
	size_t i;

	for (i = 0; i + 4 <= a->communities_len; i += 4) {
		c = be32(a->communities + i);
		if (c == BGP_COMM_NO_EXPORT)
			snprintf(buf, sizeof(buf), "no-export");
		else if (c == BGP_COMM_NO_ADVERTISE)
			snprintf(buf, sizeof(buf), "no-advertise");
		else if (c == BGP_COMM_NO_EXPORT_SUBCONFED)
			snprintf(buf, sizeof(buf), "no-export-subconfed");
		else
			snprintf(
			    buf, sizeof(buf), "%u:%u", c >> 16, c & 0xffff);
		json_object_array_add(list, json_object_new_string(buf));
	}
	return list;
}

static json_object *
large_json(const struct bgp_attrs *a)
{
	json_object *list = json_object_new_array();
	char buf[48];
	size_t i;

	for (i = 0; i + 12 <= a->large_communities_len; i += 12) {
		const uint8_t *p = a->large_communities + i;

		snprintf(buf, sizeof(buf), "%u:%u:%u", be32(p), be32(p + 4),
		    be32(p + 8));
		json_object_array_add(list, json_object_new_string(buf));
	}
	return list;
}

static json_object *
ext_json(const struct bgp_attrs *a)
{
	json_object *list = json_object_new_array();
	char buf[20];
	size_t i;
	int k;

	for (i = 0; i + 8 <= a->ext_communities_len; i += 8) {
		for (k = 0; k < 8; k++)
			snprintf(buf + 2 * k, sizeof(buf) - 2 * (size_t)k,
			    "%02x", a->ext_communities[i + (size_t)k]);
		json_object_array_add(list, json_object_new_string(buf));
	}
	return list;
}

static void
attrs_json(json_object *o, const struct rib_route *r)
{
	struct bgp_attr_opts opts = { .as4 = r->attrs_as4, .ebgp = false };
	struct bgp_attrs a;
	struct bgp_err err;
	struct in_addr id;
	char buf[ADDR_STRLEN];
	size_t i;

	memset(&err, 0, sizeof(err));
	if (bgp_attr_decode(r->attrs, r->attrs_len, &opts, &a, &err) ==
	    BGP_ACT_SESSION_RESET)
		return;
	if (a.present & BGP_ATTR_BIT(BGP_ATTR_ORIGIN) && a.origin <= 2)
		json_object_object_add(o, "origin",
		    json_object_new_string(origin_names[a.origin]));
	json_object_object_add(o, "as-path", aspath_json(&a));
	if (a.present & BGP_ATTR_BIT(BGP_ATTR_MED))
		json_object_object_add(o, "med", json_object_new_int64(a.med));
	if (a.present & BGP_ATTR_BIT(BGP_ATTR_LOCAL_PREF))
		json_object_object_add(
		    o, "local-pref", json_object_new_int64(a.local_pref));
	if (a.present & BGP_ATTR_BIT(BGP_ATTR_ATOMIC_AGGREGATE))
		json_object_object_add(
		    o, "atomic-aggregate", json_object_new_boolean(1));
	if (a.present & BGP_ATTR_BIT(BGP_ATTR_AGGREGATOR)) {
		id.s_addr = htonl(a.agg_id);
		snprintf(buf, sizeof(buf), "%u %s", a.agg_as, inet_ntoa(id));
		json_object_object_add(
		    o, "aggregator", json_object_new_string(buf));
	}
	json_object_object_add(o, "communities", communities_json(&a));
	json_object_object_add(o, "large-communities", large_json(&a));
	json_object_object_add(o, "ext-communities", ext_json(&a));
	if (a.present & BGP_ATTR_BIT(BGP_ATTR_ORIGINATOR_ID)) {
		id.s_addr = htonl(a.originator_id);
		json_object_object_add(
		    o, "originator-id", json_object_new_string(inet_ntoa(id)));
	}
	if (a.present & BGP_ATTR_BIT(BGP_ATTR_CLUSTER_LIST)) {
		json_object *cl = json_object_new_array();

		for (i = 0; i + 4 <= a.cluster_list_len; i += 4) {
			id.s_addr = htonl(be32(a.cluster_list + i));
			json_object_array_add(
			    cl, json_object_new_string(inet_ntoa(id)));
		}
		json_object_object_add(o, "cluster-list", cl);
	}
	if (a.unknown_count > 0)
		json_object_object_add(o, "unknown-attributes",
		    json_object_new_int(a.unknown_count));
}

struct walk_ctx {
	json_object *list;
	size_t count;
};

static bool
route_json(void *arg, const struct rib_route *r)
{
	struct walk_ctx *w = arg;
	json_object *o = json_object_new_object();
	char buf[PREFIX_STRLEN];

	json_object_object_add(o, "prefix",
	    json_object_new_string(prefix_fmt(&r->prefix, buf, sizeof(buf))));
	json_object_object_add(o, "next-hop",
	    json_object_new_string(addr_fmt(&r->nexthop, buf, sizeof(buf))));
	json_object_object_add(o, "best", json_object_new_boolean(r->best));
	if (r->rejected)
		json_object_object_add(
		    o, "rejected", json_object_new_boolean(1));
	if (r->stale)
		json_object_object_add(o, "stale", json_object_new_boolean(1));
	attrs_json(o, r);
	json_object_array_add(w->list, o);
	w->count++;
	return true;
}

static const char *
arg_str(json_object *args, const char *key)
{
	json_object *v;

	if (args == NULL || !json_object_object_get_ex(args, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static struct bgp_peer *
arg_peer(struct bgpd *b, json_object *args, char *err, size_t errlen)
{
	struct bgp_peer *p;
	struct addr a;
	const char *s = arg_str(args, "peer");

	if (s == NULL || addr_parse(s, &a) == -1) {
		snprintf(err, errlen, "needs \"peer\": an address");
		return NULL;
	}
	if ((p = bgp_sessions_find(b->sessions, &a)) == NULL)
		snprintf(err, errlen, "no such peer: %s", s);
	return p;
}

static bool
bgpd_running(struct bgpd *b, char *err, size_t errlen)
{
	if (b->sessions != NULL)
		return true;
	snprintf(err, errlen, "bgp is not configured");
	return false;
}

struct find_ctx {
	const struct addr *addr;
	const struct rib_peer *rp;
};

static void
find_rib_peer(void *arg, const struct bgp_peer_status *st)
{
	struct find_ctx *f = arg;

	if (addr_cmp(&st->addr, f->addr) == 0)
		f->rp = st->rib_peer;
}

static json_object *
ctl_routes(void *arg, json_object *args, char *err, size_t errlen)
{
	struct bgpd *b = arg;
	struct walk_ctx w = { json_object_new_array(), 0 };
	struct find_ctx f = { NULL, NULL };
	enum rib_view view = RIB_VIEW_BEST;
	const char *s;
	struct prefix filter;
	struct addr peer;
	json_object *o;

	if (!bgpd_running(b, err, errlen))
		goto fail;
	if ((s = arg_str(args, "view")) != NULL) {
		if (strcmp(s, "received") == 0)
			view = RIB_VIEW_RECEIVED;
		else if (strcmp(s, "advertised") == 0)
			view = RIB_VIEW_ADVERTISED;
		else if (strcmp(s, "best") != 0) {
			snprintf(err, errlen,
			    "view: best, received or "
			    "advertised");
			goto fail;
		}
	}
	if ((s = arg_str(args, "peer")) != NULL) {
		if (addr_parse(s, &peer) == -1) {
			snprintf(err, errlen, "peer: not an address: %s", s);
			goto fail;
		}
		f.addr = &peer;
		bgp_sessions_foreach(b->sessions, find_rib_peer, &f);
		if (f.rp == NULL) {
			snprintf(err, errlen, "no such peer: %s", s);
			goto fail;
		}
	} else if (view != RIB_VIEW_BEST) {
		snprintf(
		    err, errlen, "view %s needs a peer", arg_str(args, "view"));
		goto fail;
	}
	if ((s = arg_str(args, "prefix")) != NULL &&
	    prefix_parse(s, &filter, false) == -1) {
		snprintf(err, errlen, "prefix: not a prefix: %s", s);
		goto fail;
	}
	rib_walk(
	    b->rib, view, f.rp, s != NULL ? &filter : NULL, route_json, &w);
	o = json_object_new_object();
	json_object_object_add(o, "routes", w.list);
	return o;
fail:
	json_object_put(w.list);
	return NULL;
}

static const char *const msg_names[6] = { "", "open", "update", "notification",
	"keepalive", "route-refresh" };

/* Graceful restart: what the last session negotiated and where the
 * helper machine is. */
static void
gr_json(json_object *o, const struct bgp_peer_status *st)
{
	json_object *g = json_object_new_object();

	json_object_object_add(
	    g, "negotiated", json_object_new_boolean(st->gr));
	json_object_object_add(
	    g, "notification", json_object_new_boolean(st->gr_notification));
	json_object_object_add(g, "peer-restarting",
	    json_object_new_boolean(st->gr_peer_restarting));
	json_object_object_add(
	    g, "peer-restart-time", json_object_new_int(st->gr_restart_time));
	json_object_object_add(
	    g, "state", json_object_new_string(st->gr_state));
	json_object_object_add(
	    g, "stale-routes", json_object_new_int64((int64_t)st->rib.stale));
	json_object_object_add(
	    g, "deferring", json_object_new_boolean(st->deferring));
	json_object_object_add(o, "graceful-restart", g);
}

static void
peer_json(void *arg, const struct bgp_peer_status *st)
{
	json_object *list = arg, *o = json_object_new_object(), *in, *out;
	json_object *fams;
	char buf[ADDR_STRLEN];
	int i;

	json_object_object_add(o, "name", json_object_new_string(st->name));
	json_object_object_add(o, "address",
	    json_object_new_string(addr_fmt(&st->addr, buf, sizeof(buf))));
	json_object_object_add(o, "asn", json_object_new_int64(st->asn));
	json_object_object_add(
	    o, "dynamic", json_object_new_boolean(st->dynamic));
	json_object_object_add(
	    o, "state", json_object_new_string(bgp_fsm_state_name(st->state)));
	json_object_object_add(o, "since", json_object_new_int64(st->since));
	json_object_object_add(o, "uptime",
	    json_object_new_int64(
		st->state == BGP_ST_ESTABLISHED ? time(NULL) - st->since : 0));
	json_object_object_add(
	    o, "flaps", json_object_new_int64((int64_t)st->flaps));
	json_object_object_add(
	    o, "hold-time", json_object_new_int(st->hold_time));
	fams = json_object_new_array();
	if (st->families & BGP_FAM_IPV4)
		json_object_array_add(fams, json_object_new_string("ipv4"));
	if (st->families & BGP_FAM_IPV6)
		json_object_array_add(fams, json_object_new_string("ipv6"));
	json_object_object_add(o, "families", fams);
	json_object_object_add(
	    o, "extended-next-hop", json_object_new_boolean(st->ext_nh));
	json_object_object_add(o, "prefixes-received",
	    json_object_new_int64((int64_t)st->rib.received));
	json_object_object_add(o, "prefixes-accepted",
	    json_object_new_int64((int64_t)st->rib.accepted));
	json_object_object_add(o, "prefixes-advertised",
	    json_object_new_int64((int64_t)st->rib.advertised));
	json_object_object_add(
	    o, "egress-held", json_object_new_boolean(st->egress_held));
	gr_json(o, st);
	json_object_object_add(
	    o, "last-error", json_object_new_string(st->last_error));
	in = json_object_new_object();
	out = json_object_new_object();
	for (i = 1; i < 6; i++) {
		json_object_object_add(in, msg_names[i],
		    json_object_new_int64((int64_t)st->msgs_in[i]));
		json_object_object_add(out, msg_names[i],
		    json_object_new_int64((int64_t)st->msgs_out[i]));
	}
	json_object_object_add(o, "messages-received", in);
	json_object_object_add(o, "messages-sent", out);
	json_object_array_add(list, o);
}

static json_object *
ctl_peers(void *arg, json_object *args, char *err, size_t errlen)
{
	struct bgpd *b = arg;
	json_object *list, *o;

	(void)args;
	if (!bgpd_running(b, err, errlen))
		return NULL;
	list = json_object_new_array();
	bgp_sessions_foreach(b->sessions, peer_json, list);
	o = json_object_new_object();
	json_object_object_add(o, "asn", json_object_new_int64(b->conf->asn));
	json_object_object_add(o, "prefixes",
	    json_object_new_int64((int64_t)rib_prefix_count(b->rib)));
	json_object_object_add(o, "attribute-sets",
	    json_object_new_int64((int64_t)rib_aset_count(b->rib)));
	if (b->fib != NULL)
		json_object_object_add(o, "fib-routes",
		    json_object_new_int64((int64_t)bgp_fib_count(b->fib)));
	json_object_object_add(o, "peers", list);
	return o;
}

static json_object *
ctl_reset(void *arg, json_object *args, char *err, size_t errlen)
{
	struct bgpd *b = arg;
	struct bgp_peer *p;

	if (!bgpd_running(b, err, errlen) ||
	    (p = arg_peer(b, args, err, errlen)) == NULL)
		return NULL;
	if (bgp_peer_reset(p) == -1) {
		snprintf(err, errlen, "reset failed");
		return NULL;
	}
	return json_object_new_object();
}

static json_object *
ctl_refresh(void *arg, json_object *args, char *err, size_t errlen)
{
	struct bgpd *b = arg;
	struct bgp_peer *p;

	if (!bgpd_running(b, err, errlen) ||
	    (p = arg_peer(b, args, err, errlen)) == NULL)
		return NULL;
	if (bgp_peer_refresh(p) == -1) {
		snprintf(err, errlen,
		    "refresh failed: session not established or the peer "
		    "does not support route refresh");
		return NULL;
	}
	return json_object_new_object();
}

static const char *const bfd_auth_names[] = { "none", "simple", "keyed-md5",
	"meticulous-md5", "sha1", "meticulous-sha1" };

static json_object *
bfd_drops_json(const uint64_t drops[BFD_DROP_COUNT])
{
	json_object *o = json_object_new_object();
	int i;

	for (i = 0; i < BFD_DROP_COUNT; i++)
		json_object_object_add(o, bfd_drop_name((enum bfd_drop)i),
		    json_object_new_int64((int64_t)drops[i]));
	return o;
}

static void
bfd_json(void *arg, const struct bfd_status *st)
{
	json_object *list = arg, *o = json_object_new_object();
	char buf[ADDR_STRLEN];

	json_object_object_add(o, "name", json_object_new_string(st->name));
	json_object_object_add(o, "peer",
	    json_object_new_string(addr_fmt(&st->peer, buf, sizeof(buf))));
	json_object_object_add(o, "local",
	    json_object_new_string(st->local.family != 0
		    ? addr_fmt(&st->local, buf, sizeof(buf))
		    : ""));
	json_object_object_add(
	    o, "multihop", json_object_new_boolean(st->multihop));
	json_object_object_add(
	    o, "local-discriminator", json_object_new_int64(st->local_disc));
	json_object_object_add(
	    o, "remote-discriminator", json_object_new_int64(st->remote_disc));
	json_object_object_add(
	    o, "state", json_object_new_string(bfd_state_name(st->state)));
	json_object_object_add(o, "remote-state",
	    json_object_new_string(bfd_state_name(st->remote_state)));
	json_object_object_add(
	    o, "diag", json_object_new_string(bfd_diag_name(st->local_diag)));
	json_object_object_add(o, "remote-diag",
	    json_object_new_string(bfd_diag_name(st->remote_diag)));
	json_object_object_add(o, "auth",
	    json_object_new_string(st->auth <= BFD_AUTH_METICULOUS_SHA1
		    ? bfd_auth_names[st->auth]
		    : "unknown"));
	json_object_object_add(
	    o, "tx-interval-us", json_object_new_int64(st->tx_interval));
	json_object_object_add(
	    o, "rx-interval-us", json_object_new_int64(st->rx_interval));
	json_object_object_add(o, "detect-time-us",
	    json_object_new_int64((int64_t)st->detect_time));
	json_object_object_add(
	    o, "remote-multiplier", json_object_new_int(st->remote_mult));
	json_object_object_add(o, "since", json_object_new_int64(st->since));
	json_object_object_add(o, "uptime",
	    json_object_new_int64(
		st->state == BFD_ST_UP ? time(NULL) - st->since : 0));
	json_object_object_add(
	    o, "packets-in", json_object_new_int64((int64_t)st->pkts_in));
	json_object_object_add(
	    o, "packets-out", json_object_new_int64((int64_t)st->pkts_out));
	json_object_object_add(o, "drops", bfd_drops_json(st->drops));
	json_object_object_add(o, "state-changes",
	    json_object_new_int64((int64_t)st->state_changes));
	json_object_object_add(
	    o, "downs", json_object_new_int64((int64_t)st->downs));
	json_object_array_add(list, o);
}

static json_object *
ctl_bfd(void *arg, json_object *args, char *err, size_t errlen)
{
	struct bgpd *b = arg;
	struct bfd_sessions *bs;
	uint64_t drops[BFD_DROP_COUNT];
	json_object *list, *o;

	(void)args;
	if (!bgpd_running(b, err, errlen))
		return NULL;
	bs = bgp_sessions_bfd(b->sessions);
	list = json_object_new_array();
	bfd_sessions_foreach(bs, bfd_json, list);
	bfd_sessions_drops(bs, drops);
	o = json_object_new_object();
	json_object_object_add(o, "sessions", list);
	json_object_object_add(o, "drops", bfd_drops_json(drops));
	return o;
}

static void
bfd_metrics(void *arg, const struct bfd_status *st)
{
	FILE *f = arg;
	char a[ADDR_STRLEN];

	addr_fmt(&st->peer, a, sizeof(a));
	fprintf(f,
	    "ferry_bfd_session_up{peer=\"%s\"} %d\n"
	    "ferry_bfd_packets_total{peer=\"%s\",direction=\"in\"} "
	    "%" PRIu64 "\n"
	    "ferry_bfd_packets_total{peer=\"%s\",direction=\"out\"} "
	    "%" PRIu64 "\n"
	    "ferry_bfd_state_changes_total{peer=\"%s\"} %" PRIu64 "\n",
	    a, st->state == BFD_ST_UP, a, st->pkts_in, a, st->pkts_out, a,
	    st->state_changes);
}

static void
peer_metrics(void *arg, const struct bgp_peer_status *st)
{
	FILE *f = arg;
	char a[ADDR_STRLEN];

	addr_fmt(&st->addr, a, sizeof(a));
	fprintf(f,
	    "ferry_bgp_peer_up{peer=\"%s\",asn=\"%u\"} %d\n"
	    "ferry_bgp_peer_prefixes{peer=\"%s\",kind=\"received\"} %" PRIu64
	    "\n"
	    "ferry_bgp_peer_prefixes{peer=\"%s\",kind=\"accepted\"} %" PRIu64
	    "\n"
	    "ferry_bgp_peer_prefixes{peer=\"%s\",kind=\"advertised\"} "
	    "%" PRIu64 "\n"
	    "ferry_bgp_peer_flaps_total{peer=\"%s\"} %" PRIu64 "\n"
	    "ferry_bgp_peer_updates_total{peer=\"%s\",direction=\"in\"} "
	    "%" PRIu64 "\n"
	    "ferry_bgp_peer_updates_total{peer=\"%s\",direction=\"out\"} "
	    "%" PRIu64 "\n"
	    "ferry_bgp_stale_routes{peer=\"%s\"} %" PRIu64 "\n",
	    a, st->asn, st->state == BGP_ST_ESTABLISHED, a, st->rib.received, a,
	    st->rib.accepted, a, st->rib.advertised, a, st->flaps, a,
	    st->msgs_in[2], a, st->msgs_out[2], a, st->rib.stale);
}

static void
bgpd_bfd_metrics(struct bgpd *b, FILE *f)
{
	struct bfd_sessions *bs = bgp_sessions_bfd(b->sessions);
	uint64_t drops[BFD_DROP_COUNT];
	int i;

	metrics_family(
	    f, "ferry_bfd_session_up", "gauge", "1 if the BFD session is Up.");
	metrics_family(f, "ferry_bfd_packets_total", "counter",
	    "Valid BFD control packets by direction.");
	metrics_family(f, "ferry_bfd_state_changes_total", "counter",
	    "BFD session state changes.");
	bfd_sessions_foreach(bs, bfd_metrics, f);
	metrics_family(f, "ferry_bfd_drops_total", "counter",
	    "Received BFD packets dropped, by reason.");
	bfd_sessions_drops(bs, drops);
	for (i = 0; i < BFD_DROP_COUNT; i++)
		fprintf(f, "ferry_bfd_drops_total{reason=\"%s\"} %" PRIu64 "\n",
		    bfd_drop_name((enum bfd_drop)i), drops[i]);
}

static void
bgpd_metrics(void *arg, FILE *f)
{
	struct bgpd *b = arg;

	if (b->sessions == NULL)
		return;
	metrics_family(
	    f, "ferry_bgp_prefixes", "gauge", "Prefixes in the BGP RIB.");
	fprintf(f, "ferry_bgp_prefixes %zu\n", rib_prefix_count(b->rib));
	metrics_family(f, "ferry_bgp_peer_up", "gauge",
	    "1 if the session is established.");
	metrics_family(f, "ferry_bgp_peer_prefixes", "gauge",
	    "Prefixes per peer: received, accepted, advertised.");
	metrics_family(f, "ferry_bgp_peer_flaps_total", "counter",
	    "Established sessions that went down.");
	metrics_family(f, "ferry_bgp_peer_updates_total", "counter",
	    "UPDATE messages by direction.");
	metrics_family(f, "ferry_bgp_stale_routes", "gauge",
	    "Routes of the peer kept stale by graceful restart.");
	bgp_sessions_foreach(b->sessions, peer_metrics, f);
	bgpd_bfd_metrics(b, f);
}

/* Resets asked for through the agent (a removed workload's session). */
static int
bgpd_peer_reset(void *arg, const struct addr *a)
{
	struct bgpd *b = arg;
	struct bgp_peer *p;

	if (b->sessions == NULL ||
	    (p = bgp_sessions_find(b->sessions, a)) == NULL)
		return -1;
	return bgp_peer_reset(p);
}

static int
bgpd_peer_healthy(void *arg, const struct addr *a)
{
	struct bgpd *b = arg;

	if (b->sessions == NULL)
		return -1;
	return bgp_sessions_peer_healthy(b->sessions, a);
}

static void
bgpd_egress_open(void *arg)
{
	struct bgpd *b = arg;

	if (b->sessions != NULL)
		bgp_sessions_egress_release(b->sessions);
}

static void *
bgpd_start(struct ferryd *d, const void *conf)
{
	struct bgpd *b = xcalloc(1, sizeof(*b));
	const struct bgp_conf *bc = conf;

	b->d = d;
	b->conf = bc;
	control_register(d->control, "show bgp peers", ctl_peers, b);
	control_register(d->control, "show bgp routes", ctl_routes, b);
	control_register(d->control, "bgp reset", ctl_reset, b);
	control_register(d->control, "bgp refresh", ctl_refresh, b);
	control_register(d->control, "show bfd", ctl_bfd, b);
	metrics_register(d->metrics, bgpd_metrics, b);
	ferryd_peer_reset_provide(d, bgpd_peer_reset, b);
	ferryd_peer_healthy_provide(d, bgpd_peer_healthy, b);
	ferryd_egress_open_subscribe(d, bgpd_egress_open, b);
	if (bc->enabled && bgpd_up(b, bc) == -1) {
		bgpd_down(b, false);
		log_err("bgp: could not start");
		/* ferryd without BGP is still an overlay: keep running. */
	}
	return b;
}

static void
bgpd_stop(void *arg)
{
	struct bgpd *b = arg;

	control_unregister(b->d->control, "show bgp peers");
	control_unregister(b->d->control, "show bgp routes");
	control_unregister(b->d->control, "bgp reset");
	control_unregister(b->d->control, "bgp refresh");
	control_unregister(b->d->control, "show bfd");
	metrics_unregister(b->d->metrics, bgpd_metrics, b);
	ferryd_peer_reset_provide(b->d, NULL, NULL);
	ferryd_peer_healthy_provide(b->d, NULL, NULL);
	ferryd_egress_open_subscribe(b->d, NULL, NULL);
	bgpd_down(b, true);
	free(b);
}

const struct ferry_module bgpd_module = {
	.name = "bgp",
	.parse_conf = bgp_conf_parse,
	.free_conf = bgp_conf_free,
	.dump_conf = bgp_conf_dump,
	.start = bgpd_start,
	.reload = bgpd_reload,
	.stop = bgpd_stop,
};
