/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The overlay module (see vtep.h): keeps the set of tunnel entries that
 * should exist, and makes the BPF maps and the kernel routes match it.
 *
 * The set is an array sorted by prefix.  Every change goes through
 * vtep_tunnel_set/unset, which write only what differs, so a reload that
 * changes one VTEP touches only that VTEP's entries and traffic to every
 * other one never notices.
 *
 * On start the maps may hold a previous ferryd's entries (they are
 * pinned).  Those are adopted: an entry that the config still wants keeps
 * its map entry and counters untouched.  The others may belong to a
 * source that has not spoken yet (BGP relearns its routes a few seconds
 * after start), so they keep forwarding for VTEP_ADOPT_GRACE seconds and
 * are removed only if nobody has claimed them by then.
 *
 * Source acceptances.  The egress module steers a policy's traffic into
 * the overlay to a remote gateway, whose replies come back with the
 * outside's addresses as inner source.  It asks (through the agent, an
 * accept_only ferry_overlay_route) that those prefixes be accepted from
 * the gateway's (endpoint, VNI): an ovl_src entry alone, value id 0, with
 * no ovl_tun entry and no route, so routing stays the node's own.  They
 * are kept in v->acc, reference counted (two policies may share one), and
 * survive an overlay torn down and set up again (they are what egress
 * wants, not kernel state).  An acceptance and a tunnel entry may share
 * an ovl_src key (the same prefix from the same peer, say learned over
 * BGP too): the tunnel's value then holds it, and whichever goes first
 * leaves the key to the other (accept_sync).  At start, id-0 entries a
 * previous ferryd left are kept until the adopt grace ends, so replies
 * keep flowing while egress republishes; then unclaimed ones go.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <netlink/netlink.h>

#include "control.h"
#include "ferryd.h"
#include "log.h"
#include "metrics.h"
#include "module.h"
#include "vtep_int.h"
#include "xalloc.h"

OBJCOUNT(vtep_tunnel);

/* Seconds an adopted, unclaimed entry waits for its source (see above). */
#define VTEP_ADOPT_GRACE 120

struct vtep {
	struct ferryd *d;
	const struct vtep_conf *conf; /* the running config's section */
	bool active;		      /* device and programs set up */
	struct nl_sock *nl;
	struct vtep_dev dev;
	struct vtep_bpf *bpf;
	struct vtep_entry *ents; /* sorted by prefix */
	size_t n, cap;
	uint32_t next_id;
	ev_timer adopt_timer; /* VTEP_ADOPT_GRACE */
	/* Source acceptances (see above); id is the reference count.
	 * Sorted by prefix: a node holds one per BGP path. */
	struct vtep_entry *acc;
	size_t nacc;
};

static const char *const source_names[] = {
	[VTEP_SRC_STATIC] = "static",
	[VTEP_SRC_BGP] = "bgp",
	[VTEP_SRC_WORKLOAD] = "workload",
	[VTEP_SRC_EGRESS] = "egress",
	[VTEP_SRC_MAX] = "adopted",
};

const char *
vtep_source_name(enum vtep_source s)
{
	return s <= VTEP_SRC_MAX ? source_names[s] : "unknown";
}

int
vtep_entry_cmp(const void *a, const void *b)
{
	const struct vtep_entry *x = a, *y = b;

	return prefix_cmp(&x->t.prefix, &y->t.prefix);
}

/* Index of prefix, or where it would go (found says which). */
static size_t
vtep_find(const struct vtep *v, const struct prefix *p, bool *found)
{
	/* An entry starts with its tunnel, a tunnel with its prefix. */
	return prefix_bsearch(v->ents, v->n, sizeof(*v->ents), p, found);
}

/*
 * The MTU of a route, 0 for the device's.  A derived device MTU is what
 * the roomier underlay allows; routes to endpoints behind the other one
 * carry its smaller MTU (20 bytes less for IPv6 endpoints when both
 * underlays share an interface).  The endpoint's family alone does not
 * tell which underlay is the smaller one: with a larger IPv6 underlay,
 * IPv4 endpoints need the lower MTU, or full-size packets to them leave
 * with their outer IPv4 header fragmented.  An MTU set in the config is
 * the operator's word and applies to every route.
 */
static unsigned
vtep_route_mtu(const struct vtep *v, const struct vtep_tunnel *t)
{
	unsigned m;

	if (v->conf->mtu != 0)
		return 0;
	m = t->endpoint.family == AF_INET6 ? v->dev.mtu6 : v->dev.mtu4;
	return m != 0 && m < v->dev.mtu ? m : 0;
}

static bool
tunnel_same(const struct vtep_tunnel *a, const struct vtep_tunnel *b)
{
	return addr_cmp(&a->endpoint, &b->endpoint) == 0 && a->vni == b->vni &&
	    memcmp(a->mac, b->mac, 6) == 0;
}

static void
entry_fill(struct vtep_entry *e, const struct vtep_tunnel *t, uint32_t id)
{
	e->t = *t;
	e->id = id;
	snprintf(
	    e->owner, sizeof(e->owner), "%s", t->owner != NULL ? t->owner : "");
	e->t.owner = NULL; /* the array moves; owner is read via e */
}

/* Does a tunnel entry hold acceptance a's ovl_src key? */
static bool
accept_covered(const struct vtep *v, const struct vtep_entry *a)
{
	bool found;
	size_t i = vtep_find(v, &a->t.prefix, &found);

	return found && v->ents[i].t.vni == a->t.vni &&
	    addr_cmp(&v->ents[i].t.endpoint, &a->t.endpoint) == 0;
}

/* The first acceptance of prefix p, or where one would go. */
static size_t
accept_first(const struct vtep *v, const struct prefix *p)
{
	bool found;
	size_t i = prefix_bsearch(v->acc, v->nacc, sizeof(*v->acc), p, &found);

	while (found && i > 0 && prefix_cmp(&v->acc[i - 1].t.prefix, p) == 0)
		i--;
	return i;
}

/* The acceptance of (p, vni, endpoint); NULL if none. */
static struct vtep_entry *
accept_find(const struct vtep *v, const struct prefix *p, uint32_t vni,
    const struct addr *endpoint)
{
	size_t i;

	for (i = accept_first(v, p);
	     i < v->nacc && prefix_cmp(&v->acc[i].t.prefix, p) == 0; i++)
		if (v->acc[i].t.vni == vni &&
		    addr_cmp(&v->acc[i].t.endpoint, endpoint) == 0)
			return &v->acc[i];
	return NULL;
}

/* Is e's ovl_src key also an acceptance's? */
static bool
accept_holds(const struct vtep *v, const struct vtep_entry *e)
{
	return accept_find(v, &e->t.prefix, e->t.vni, &e->t.endpoint) != NULL;
}

/* Rewrite the acceptances of prefix p after its tunnel entry changed. */
static void
accept_sync(struct vtep *v, const struct prefix *p)
{
	size_t i;

	for (i = accept_first(v, p);
	     i < v->nacc && prefix_cmp(&v->acc[i].t.prefix, p) == 0; i++)
		if (!accept_covered(v, &v->acc[i]))
			vtep_bpf_accept_set(v->bpf, &v->acc[i]);
}

int
vtep_tunnel_set(struct vtep *v, const struct vtep_tunnel *t)
{
	struct vtep_route r = { t->prefix, vtep_route_mtu(v, t) };
	struct vtep_entry e, *cur;
	char buf[PREFIX_STRLEN];
	bool found;
	size_t i;

	if (!v->active)
		return -1;
	i = vtep_find(v, &t->prefix, &found);
	if (found) {
		cur = &v->ents[i];
		if (cur->t.source != t->source &&
		    cur->t.source != VTEP_SRC_MAX) {
			log_warn("overlay: prefix owned by another source: "
				 "prefix=%s owner=%s refused=%s",
			    prefix_fmt(&t->prefix, buf, sizeof(buf)),
			    vtep_source_name(cur->t.source),
			    vtep_source_name(t->source));
			return -1;
		}
		entry_fill(&e, t, cur->id);
		/*
		 * Unchanged: touch nothing, not even the route (replacing it
		 * would drop the kernel's path MTU exceptions).  Adopted
		 * routes are reconciled once by vtep_activate, and MTU
		 * changes by vtep_routes_refresh.
		 */
		if (!tunnel_same(&cur->t, t)) {
			if (vtep_bpf_set(
				v->bpf, &e, cur, accept_holds(v, cur)) == -1 ||
			    vtep_route_set(v->nl, v->dev.ifindex, &r, true) ==
				-1)
				return -1;
			log_info("overlay: tunnel changed: prefix=%s "
				 "source=%s owner=%s",
			    prefix_fmt(&t->prefix, buf, sizeof(buf)),
			    vtep_source_name(t->source), e.owner);
		}
		*cur = e;
		accept_sync(v, &t->prefix);
		return 0;
	}
	entry_fill(&e, t, v->next_id++);
	if (vtep_bpf_set(v->bpf, &e, NULL, false) == -1 ||
	    vtep_route_set(v->nl, v->dev.ifindex, &r, false) == -1) {
		vtep_bpf_del(v->bpf, &e);
		accept_sync(v, &t->prefix);
		return -1;
	}
	if (v->n == v->cap) {
		v->cap = v->cap == 0 ? 64 : v->cap * 2;
		v->ents = xreallocarray(v->ents, v->cap, sizeof(*v->ents));
	}
	memmove(&v->ents[i + 1], &v->ents[i], (v->n - i) * sizeof(*v->ents));
	v->ents[i] = e;
	v->n++;
	objcount_inc(&objcount_vtep_tunnel);
	log_info("overlay: tunnel added: prefix=%s endpoint=%s vni=%u "
		 "source=%s owner=%s",
	    prefix_fmt(&t->prefix, buf, sizeof(buf)),
	    addr_fmt(&t->endpoint, (char[ADDR_STRLEN]){ 0 }, ADDR_STRLEN),
	    t->vni, vtep_source_name(t->source), e.owner);
	return 0;
}

static void
vtep_entry_remove(struct vtep *v, size_t i)
{
	struct prefix p = v->ents[i].t.prefix;
	char buf[PREFIX_STRLEN];

	vtep_bpf_del(v->bpf, &v->ents[i]);
	vtep_route_del(v->nl, v->dev.ifindex, &v->ents[i].t.prefix);
	log_info("overlay: tunnel removed: prefix=%s source=%s owner=%s",
	    prefix_fmt(&v->ents[i].t.prefix, buf, sizeof(buf)),
	    vtep_source_name(v->ents[i].t.source), v->ents[i].owner);
	memmove(
	    &v->ents[i], &v->ents[i + 1], (v->n - i - 1) * sizeof(*v->ents));
	v->n--;
	objcount_dec(&objcount_vtep_tunnel);
	accept_sync(v, &p);
}

int
vtep_tunnel_unset(
    struct vtep *v, const struct prefix *p, enum vtep_source source)
{
	bool found;
	size_t i;

	if (!v->active)
		return -1;
	i = vtep_find(v, p, &found);
	if (!found || v->ents[i].t.source != source)
		return -1;
	vtep_entry_remove(v, i);
	return 0;
}

/* Is prefix p one of the VTEP switches' in vc? */
static bool
static_wants(const struct vtep_conf *vc, const struct prefix *p)
{
	size_t i, j;

	for (i = 0; i < vc->nswitches; i++)
		for (j = 0; j < vc->switches[i].nprefixes; j++)
			if (prefix_cmp(&vc->switches[i].prefixes[j], p) == 0)
				return true;
	return false;
}

/*
 * Make the static entries those of vc: remove what it no longer lists
 * (before adding, so a prefix moving between VTEPs is never refused), then
 * set every listed one; identical ones are not rewritten.
 */
static int
vtep_static_sync(struct vtep *v, const struct vtep_conf *vc)
{
	struct vtep_tunnel t;
	size_t i, j;
	int rc = 0;

	for (i = v->n; i-- > 0;)
		if (v->ents[i].t.source == VTEP_SRC_STATIC &&
		    !static_wants(vc, &v->ents[i].t.prefix))
			vtep_entry_remove(v, i);
	for (i = 0; i < vc->nswitches; i++) {
		const struct vtep_switch *sw = &vc->switches[i];

		memset(&t, 0, sizeof(t));
		t.endpoint = sw->endpoint;
		t.vni = sw->vni;
		memcpy(t.mac, sw->mac, 6);
		t.source = VTEP_SRC_STATIC;
		t.owner = sw->name;
		for (j = 0; j < sw->nprefixes; j++) {
			t.prefix = sw->prefixes[j];
			if (vtep_tunnel_set(v, &t) == -1)
				rc = -1;
		}
	}
	return rc;
}

/* Remove adopted entries that no source has claimed. */
static void
vtep_sweep_adopted(struct vtep *v)
{
	size_t i;

	for (i = v->n; i-- > 0;)
		if (v->ents[i].t.source == VTEP_SRC_MAX)
			vtep_entry_remove(v, i);
}

static void
vtep_adopt_expired(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct vtep *v = w->data;

	(void)loop;
	(void)revents;
	if (!v->active)
		return;
	vtep_sweep_adopted(v);
	/* A previous ferryd's acceptances nobody claimed go now. */
	vtep_bpf_prune(v->bpf, v->ents, v->n, v->acc, v->nacc, false, NULL);
}

/* Give unclaimed adopted entries VTEP_ADOPT_GRACE seconds to be claimed. */
static void
vtep_adopt_wait(struct vtep *v, size_t kept)
{
	size_t i, n = 0;

	for (i = 0; i < v->n; i++)
		if (v->ents[i].t.source == VTEP_SRC_MAX)
			n++;
	if (n == 0 && kept == 0)
		return;
	log_info("overlay: keeping unclaimed adopted entries until a source "
		 "claims them: count=%zu acceptances=%zu grace=%u",
	    n, kept, VTEP_ADOPT_GRACE);
	ev_timer_set(&v->adopt_timer, VTEP_ADOPT_GRACE, 0.);
	ev_timer_start(v->d->loop, &v->adopt_timer);
}

static int
vtep_activate(struct vtep *v, const struct vtep_conf *vc)
{
	struct vtep_route *routes;
	size_t i, kept = 0;
	int rc;

	v->conf = vc;
	if ((v->nl = vtep_nl_open()) == NULL ||
	    vtep_dev_ensure(v->nl, vc, &v->dev) == -1 ||
	    (v->bpf = vtep_bpf_open(vc->pin_dir, &v->dev, vc)) == NULL)
		return -1;
	vtep_bpf_read(v->bpf, &v->ents, &v->n);
	v->cap = v->n;
	v->next_id = 1;
	for (i = 0; i < v->n; i++) {
		if (v->ents[i].id >= v->next_id)
			v->next_id = v->ents[i].id + 1;
		objcount_inc(&objcount_vtep_tunnel);
	}
	if (v->n > 0)
		log_info("overlay: adopted tunnel entries: count=%zu", v->n);
	v->active = true;
	rc = vtep_static_sync(v, vc);
	for (i = 0; i < v->nacc; i++)
		if (!accept_covered(v, &v->acc[i]) &&
		    vtep_bpf_accept_set(v->bpf, &v->acc[i]) == -1)
			rc = -1;
	vtep_bpf_prune(v->bpf, v->ents, v->n, v->acc, v->nacc, true, &kept);
	vtep_adopt_wait(v, kept);
	/* Routes: exactly one per entry, stale ferry routes gone. */
	routes = xcalloc(v->n + 1, sizeof(*routes));
	for (i = 0; i < v->n; i++) {
		routes[i].prefix = v->ents[i].t.prefix;
		routes[i].mtu = vtep_route_mtu(v, &v->ents[i].t);
	}
	if (vtep_routes_sync(v->nl, v->dev.ifindex, routes, v->n) == -1)
		rc = -1;
	free(routes);
	log_info("overlay: up: device=%s ifindex=%d mtu=%u tunnels=%zu",
	    vc->device, v->dev.ifindex, v->dev.mtu, v->n);
	return rc;
}

/* Let go of our handles; the kernel state stays (restart, shutdown). */
static void
vtep_release(struct vtep *v)
{
	ev_timer_stop(v->d->loop, &v->adopt_timer);
	vtep_bpf_close(v->bpf);
	if (v->nl != NULL)
		nl_socket_free(v->nl);
	objcount_vtep_tunnel.live -= (int64_t)v->n;
	free(v->ents);
	v->bpf = NULL;
	v->nl = NULL;
	v->ents = NULL;
	v->n = v->cap = 0;
	v->active = false;
}

/* The overlay left the config: remove the device, routes and maps. */
static void
vtep_teardown(struct vtep *v, const struct vtep_conf *old)
{
	struct nl_sock *nl = v->nl;

	v->nl = NULL;
	vtep_release(v);
	if (nl != NULL) {
		vtep_dev_delete(nl, old->device); /* routes go with it */
		nl_socket_free(nl);
	}
	vtep_bpf_unpin(old->pin_dir);
	log_info("overlay: removed: device=%s", old->device);
}

static bool
vtep_dev_changed(const struct vtep_conf *a, const struct vtep_conf *b)
{
	return strcmp(a->device, b->device) != 0 || a->port != b->port ||
	    strcmp(a->pin_dir, b->pin_dir) != 0;
}

static bool
vtep_link_changed(const struct vtep_conf *a, const struct vtep_conf *b)
{
	return a->mtu != b->mtu || a->mac_set != b->mac_set ||
	    memcmp(a->mac, b->mac, 6) != 0 ||
	    addr_cmp(&a->local4, &b->local4) != 0 ||
	    addr_cmp(&a->local6, &b->local6) != 0 ||
	    a->underlay_decap != b->underlay_decap;
}

/* The device MTU may have changed: every route's MTU with it. */
static void
vtep_routes_refresh(struct vtep *v)
{
	struct vtep_route r;
	size_t i;

	for (i = 0; i < v->n; i++) {
		r.prefix = v->ents[i].t.prefix;
		r.mtu = vtep_route_mtu(v, &v->ents[i].t);
		vtep_route_set(v->nl, v->dev.ifindex, &r, true);
	}
}

static int
vtep_reload(void *arg, const void *old_arg, const void *new_arg)
{
	struct vtep *v = arg;
	const struct vtep_conf *old = old_arg, *new = new_arg;

	if (!old->enabled && !new->enabled) {
		v->conf = new;
		return 0;
	}
	if (old->enabled && !new->enabled) {
		vtep_teardown(v, old);
		v->conf = new;
		return 0;
	}
	if (old->enabled && vtep_dev_changed(old, new))
		vtep_teardown(v, old);
	if (!v->active)
		return vtep_activate(v, new);
	v->conf = new;
	if (vtep_link_changed(old, new)) {
		/* MTU, MAC or local addresses: device and config map. */
		vtep_bpf_close(v->bpf);
		v->bpf = NULL;
		if (vtep_dev_ensure(v->nl, new, &v->dev) == -1 ||
		    (v->bpf = vtep_bpf_open(new->pin_dir, &v->dev, new)) ==
			NULL) {
			v->active = false;
			return -1;
		}
		vtep_routes_refresh(v);
	}
	return vtep_static_sync(v, new);
}

static json_object *
jaddr(const struct addr *a)
{
	char buf[ADDR_STRLEN];

	return json_object_new_string(addr_fmt(a, buf, sizeof(buf)));
}

/* Where ovl_underlay_rx runs and what it did. */
static json_object *
ctl_urx(struct vtep *v)
{
	struct ovl_stat st[OVL_URX_MAX];
	json_object *o = json_object_new_object();
	int if4, if6;

	vtep_bpf_urx_devs(v->bpf, &if4, &if6);
	vtep_bpf_urx_stats(v->bpf, st);
	json_object_object_add(
	    o, "active", json_object_new_boolean(if4 != 0 || if6 != 0));
	json_object_object_add(o, "ifindex", json_object_new_int(if4));
	json_object_object_add(o, "ifindex6", json_object_new_int(if6));
	json_object_object_add(o, "decapsulated",
	    json_object_new_int64((int64_t)st[OVL_URX_DECAP].packets));
	json_object_object_add(o, "to-kernel",
	    json_object_new_int64((int64_t)st[OVL_URX_KERNEL].packets));
	return o;
}

static json_object *
ctl_show_overlay(void *arg, json_object *args, char *err, size_t errlen)
{
	struct vtep *v = arg;
	const struct vtep_conf *vc = v->conf;
	struct ovl_stat st[OVL_STATS_ENTRIES];
	json_object *o, *drops, *dir;
	uint64_t ds[4];
	char mac[32];
	int d, r;

	(void)args;
	(void)err;
	(void)errlen;
	o = json_object_new_object();
	json_object_object_add(
	    o, "configured", json_object_new_boolean(vc->enabled));
	if (!v->active)
		return o;
	json_object_object_add(o, "device", json_object_new_string(vc->device));
	json_object_object_add(
	    o, "ifindex", json_object_new_int(v->dev.ifindex));
	json_object_object_add(o, "port", json_object_new_int(vc->port));
	json_object_object_add(o, "mtu", json_object_new_int((int)v->dev.mtu));
	mac_fmt(v->dev.mac, mac, sizeof(mac));
	json_object_object_add(o, "mac", json_object_new_string(mac));
	if (vc->local4.family != 0)
		json_object_object_add(o, "local", jaddr(&vc->local4));
	if (vc->local6.family != 0)
		json_object_object_add(o, "local6", jaddr(&vc->local6));
	json_object_object_add(
	    o, "vteps", json_object_new_int((int)vc->nswitches));
	json_object_object_add(o, "tunnels", json_object_new_int((int)v->n));
	json_object_object_add(
	    o, "pin-dir", json_object_new_string(vc->pin_dir));
	if (vtep_dev_stats(v->nl, v->dev.ifindex, ds) == 0) {
		json_object_object_add(
		    o, "rx-packets", json_object_new_int64((int64_t)ds[0]));
		json_object_object_add(
		    o, "rx-bytes", json_object_new_int64((int64_t)ds[1]));
		json_object_object_add(
		    o, "tx-packets", json_object_new_int64((int64_t)ds[2]));
		json_object_object_add(
		    o, "tx-bytes", json_object_new_int64((int64_t)ds[3]));
	}
	vtep_bpf_stats(v->bpf, st);
	drops = json_object_new_object();
	for (d = 0; d < OVL_DIR_MAX; d++) {
		dir = json_object_new_object();
		for (r = 0; r < OVL_REASON_MAX; r++) {
			const struct ovl_stat *s = &st[OVL_STATS_KEY(d, r)];
			json_object *c = json_object_new_object();

			json_object_object_add(c, "packets",
			    json_object_new_int64((int64_t)s->packets));
			json_object_object_add(c, "bytes",
			    json_object_new_int64((int64_t)s->bytes));
			json_object_object_add(dir, vtep_reason_name(r), c);
		}
		json_object_object_add(
		    drops, d == OVL_DIR_EGRESS ? "egress" : "ingress", dir);
	}
	json_object_object_add(o, "verdicts", drops);
	json_object_object_add(o, "underlay-decap", ctl_urx(v));
	return o;
}

static json_object *
ctl_show_tunnels(void *arg, json_object *args, char *err, size_t errlen)
{
	struct vtep *v = arg;
	struct ovl_cnt c;
	json_object *list = json_object_new_array(), *o;
	char buf[PREFIX_STRLEN], mac[32];
	size_t i;

	(void)args;
	(void)err;
	(void)errlen;
	for (i = 0; i < v->n; i++) {
		const struct vtep_entry *e = &v->ents[i];

		o = json_object_new_object();
		json_object_object_add(o, "prefix",
		    json_object_new_string(
			prefix_fmt(&e->t.prefix, buf, sizeof(buf))));
		json_object_object_add(o, "endpoint", jaddr(&e->t.endpoint));
		json_object_object_add(
		    o, "vni", json_object_new_int64(e->t.vni));
		mac_fmt(e->t.mac, mac, sizeof(mac));
		json_object_object_add(o, "mac", json_object_new_string(mac));
		json_object_object_add(o, "source",
		    json_object_new_string(vtep_source_name(e->t.source)));
		json_object_object_add(
		    o, "owner", json_object_new_string(e->owner));
		vtep_bpf_counters(v->bpf, e->id, &c);
		json_object_object_add(o, "tx-packets",
		    json_object_new_int64((int64_t)c.tx_packets));
		json_object_object_add(
		    o, "tx-bytes", json_object_new_int64((int64_t)c.tx_bytes));
		json_object_object_add(o, "rx-packets",
		    json_object_new_int64((int64_t)c.rx_packets));
		json_object_object_add(
		    o, "rx-bytes", json_object_new_int64((int64_t)c.rx_bytes));
		json_object_array_add(list, o);
	}
	o = json_object_new_object();
	json_object_object_add(o, "tunnels", list);
	/* Not tunnels: no route, no counters of their own. */
	list = json_object_new_array();
	for (i = 0; i < v->nacc; i++) {
		const struct vtep_entry *a = &v->acc[i];
		json_object *ao = json_object_new_object();

		json_object_object_add(ao, "prefix",
		    json_object_new_string(
			prefix_fmt(&a->t.prefix, buf, sizeof(buf))));
		json_object_object_add(ao, "endpoint", jaddr(&a->t.endpoint));
		json_object_object_add(
		    ao, "vni", json_object_new_int64(a->t.vni));
		json_object_object_add(ao, "source",
		    json_object_new_string(vtep_source_name(a->t.source)));
		json_object_object_add(
		    ao, "owner", json_object_new_string(a->owner));
		json_object_object_add(
		    ao, "references", json_object_new_int64(a->id));
		json_object_array_add(list, ao);
	}
	json_object_object_add(o, "accepted-sources", list);
	return o;
}

static void
vtep_metrics(void *arg, FILE *f)
{
	struct vtep *v = arg;
	struct ovl_stat st[OVL_STATS_ENTRIES];
	char buf[PREFIX_STRLEN], ep[ADDR_STRLEN];
	struct ovl_cnt c;
	int d, r;
	size_t i;

	if (!v->active)
		return;
	metrics_family(f, "ferry_overlay_tunnels", "gauge",
	    "Tunnel entries in the overlay map.");
	fprintf(f, "ferry_overlay_tunnels %zu\n", v->n);
	vtep_bpf_stats(v->bpf, st);
	metrics_family(f, "ferry_overlay_packets_total", "counter",
	    "Packets seen by the overlay programs, by direction and verdict.");
	for (d = 0; d < OVL_DIR_MAX; d++)
		for (r = 0; r < OVL_REASON_MAX; r++)
			fprintf(f,
			    "ferry_overlay_packets_total{direction=\"%s\","
			    "reason=\"%s\"} %" PRIu64 "\n",
			    d == OVL_DIR_EGRESS ? "egress" : "ingress",
			    vtep_reason_name(r),
			    (uint64_t)st[OVL_STATS_KEY(d, r)].packets);
	metrics_family(f, "ferry_overlay_tunnel_packets_total", "counter",
	    "Packets through each tunnel entry.");
	for (i = 0; i < v->n; i++) {
		const struct vtep_entry *e = &v->ents[i];

		vtep_bpf_counters(v->bpf, e->id, &c);
		prefix_fmt(&e->t.prefix, buf, sizeof(buf));
		addr_fmt(&e->t.endpoint, ep, sizeof(ep));
		fprintf(f,
		    "ferry_overlay_tunnel_packets_total{prefix=\"%s\","
		    "endpoint=\"%s\",direction=\"tx\"} %" PRIu64 "\n"
		    "ferry_overlay_tunnel_packets_total{prefix=\"%s\","
		    "endpoint=\"%s\",direction=\"rx\"} %" PRIu64 "\n",
		    buf, ep, (uint64_t)c.tx_packets, buf, ep,
		    (uint64_t)c.rx_packets);
	}
}

/* An acceptance published (+1) or withdrawn (-1) by egress/ or bgpd/. */
static void
vtep_accept(struct vtep *v, const struct ferry_overlay_route *r)
{
	char buf[PREFIX_STRLEN], ep[ADDR_STRLEN];
	struct vtep_entry *a = accept_find(v, &r->prefix, r->vni, &r->endpoint);
	size_t i;

	prefix_fmt(&r->prefix, buf, sizeof(buf));
	addr_fmt(&r->endpoint, ep, sizeof(ep));
	if (r->accept_withdraw) {
		if (a == NULL || --a->id > 0)
			return;
		if (v->active && !accept_covered(v, a))
			vtep_bpf_accept_del(v->bpf, a);
		log_info("overlay: source acceptance removed: prefix=%s "
			 "endpoint=%s vni=%u owner=%s",
		    buf, ep, a->t.vni, a->owner);
		i = (size_t)(a - v->acc);
		memmove(a, a + 1, (v->nacc - i - 1) * sizeof(*a));
		v->nacc--;
		return;
	}
	if (a != NULL) {
		a->id++;
		return;
	}
	i = accept_first(v, &r->prefix);
	v->acc = xreallocarray(v->acc, v->nacc + 1, sizeof(*v->acc));
	memmove(&v->acc[i + 1], &v->acc[i], (v->nacc - i) * sizeof(*v->acc));
	v->nacc++;
	a = &v->acc[i];
	memset(a, 0, sizeof(*a));
	a->t.prefix = r->prefix;
	a->t.endpoint = r->endpoint;
	a->t.vni = r->vni;
	a->t.source = r->bgp ? VTEP_SRC_BGP : VTEP_SRC_EGRESS;
	a->id = 1;
	snprintf(
	    a->owner, sizeof(a->owner), "%s", r->owner != NULL ? r->owner : "");
	if (v->active && !accept_covered(v, a))
		vtep_bpf_accept_set(v->bpf, a);
	log_info("overlay: source acceptance added: prefix=%s endpoint=%s "
		 "vni=%u owner=%s",
	    buf, ep, a->t.vni, a->owner);
}

/*
 * Overlay routes from the agent: BGP-learned from cluster peers, or the
 * addresses of registered external workloads.
 */
static void
vtep_overlay_route(void *arg, const struct ferry_overlay_route *r)
{
	struct vtep *v = arg;
	enum vtep_source src = r->workload ? VTEP_SRC_WORKLOAD : VTEP_SRC_BGP;
	struct vtep_tunnel t;

	if (r->accept_only) {
		vtep_accept(v, r);
		return;
	}
	if (!v->active)
		return;
	if (r->endpoint.family == 0) {
		vtep_tunnel_unset(v, &r->prefix, src);
		return;
	}
	memset(&t, 0, sizeof(t));
	t.prefix = r->prefix;
	t.endpoint = r->endpoint;
	t.vni = r->vni;
	memcpy(t.mac, r->mac, 6);
	t.source = src;
	t.owner = r->owner;
	vtep_tunnel_set(v, &t);
}

/* Counter queries from the agent (the workloads' traffic). */
static int
vtep_overlay_counters(
    void *arg, const struct prefix *p, struct ferry_overlay_counters *out)
{
	struct vtep *v = arg;
	struct ovl_cnt c;
	bool found;
	size_t i;

	if (!v->active)
		return -1;
	i = vtep_find(v, p, &found);
	if (!found || vtep_bpf_counters(v->bpf, v->ents[i].id, &c) == -1)
		return -1;
	out->tx_packets = c.tx_packets;
	out->tx_bytes = c.tx_bytes;
	out->rx_packets = c.rx_packets;
	out->rx_bytes = c.rx_bytes;
	return 0;
}

static void *
vtep_start(struct ferryd *d, const void *conf)
{
	struct vtep *v = xcalloc(1, sizeof(*v));
	const struct vtep_conf *vc = conf;

	v->d = d;
	v->conf = vc;
	ev_init(&v->adopt_timer, vtep_adopt_expired);
	v->adopt_timer.data = v;
	control_register(d->control, "show overlay", ctl_show_overlay, v);
	control_register(d->control, "show tunnels", ctl_show_tunnels, v);
	metrics_register(d->metrics, vtep_metrics, v);
	ferryd_overlay_subscribe(d, vtep_overlay_route, v);
	ferryd_overlay_counters_provide(d, vtep_overlay_counters, v);
	if (vc->enabled && vtep_activate(v, vc) == -1) {
		log_err("overlay: could not be set up");
		vtep_release(v);
		/*
		 * Keep running: BGP and the rest should not go down with
		 * the overlay.  A reload retries.
		 */
	}
	return v;
}

static void
vtep_stop(void *arg)
{
	struct vtep *v = arg;

	ferryd_overlay_subscribe(v->d, NULL, NULL);
	ferryd_overlay_counters_provide(v->d, NULL, NULL);
	control_unregister(v->d->control, "show overlay");
	control_unregister(v->d->control, "show tunnels");
	metrics_unregister(v->d->metrics, vtep_metrics, v);
	vtep_release(v);
	free(v->acc);
	free(v);
}

const struct ferry_module vtep_module = {
	.name = "overlay",
	.parse_conf = vtep_conf_parse,
	.free_conf = vtep_conf_free,
	.dump_conf = vtep_conf_dump,
	.start = vtep_start,
	.reload = vtep_reload,
	.stop = vtep_stop,
};
