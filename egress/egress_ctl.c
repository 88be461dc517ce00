/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What the egress module shows: the control commands `show egress` (the
 * policies, the role this host plays in each, the counters of egr_stats
 * and of the NAT garbage collection) and `show egress nat` (the
 * connections of the NAT table, filtered by pod address, destination or
 * policy), and the ferry_egress_* metrics.  Everything is read from the
 * maps when asked; rendering for humans is ferryctl's.
 *
 * The NAT table holds, per connection, its two tuples, TCP state and
 * timestamps, not packet or byte counts (those would cost a write per
 * packet on both halves), so none are shown per connection.
 */
#include <arpa/inet.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <json-c/json.h>

#include "control.h"
#include "egress.h"
#include "egress_int.h"
#include "egress_nat.h"
#include "ferryd.h"
#include "metrics.h"
#include "xalloc.h"

static const char *const stat_names[EGR_STAT_MAX] = {
	[EGR_STAT_PASS] = "pass",
	[EGR_STAT_SNAT] = "snat",
	[EGR_STAT_RSNAT] = "rsnat",
	[EGR_STAT_STEERED] = "steered",
	[EGR_STAT_NEW_FLOW] = "new-flow",
	[EGR_STAT_ICMP_ERROR] = "icmp-error",
	[EGR_STAT_FRAG] = "fragment",
	[EGR_STAT_RACE] = "race",
	[EGR_STAT_RESET] = "reset",
	[EGR_STAT_SYNC_LOST] = "sync-lost",
	[EGR_STAT_SYNC_HELD] = "sync-held",
	[EGR_DROP_TRUNCATED] = "truncated",
	[EGR_DROP_MALFORMED] = "malformed",
	[EGR_DROP_UNSUPPORTED] = "unsupported",
	[EGR_DROP_TABLE_FULL] = "table-full",
	[EGR_DROP_PORTS] = "ports",
	[EGR_DROP_NO_GATEWAY] = "no-gateway",
	[EGR_DROP_NO_ADDR] = "no-address",
	[EGR_DROP_NO_CONN] = "no-connection",
	[EGR_DROP_TUNNEL] = "tunnel",
};

static const char *const state_names[] = {
	[EGR_CT_NONE] = "none",
	[EGR_TCP_SYN_SENT] = "syn-sent",
	[EGR_TCP_ESTABLISHED] = "established",
	[EGR_TCP_FIN] = "closing",
	[EGR_TCP_CLOSED] = "closed",
};

static bool
is_drop(int s)
{
	return s >= EGR_DROP_TRUNCATED && s < EGR_STAT_MAX;
}

void
egress_addr_of_mapped(const __be32 in[4], struct addr *a)
{
	memset(a, 0, sizeof(*a));
	if (in[0] == 0 && in[1] == 0 && in[2] == htonl(0xffff)) {
		a->family = AF_INET;
		a->v4.s_addr = in[3];
	} else {
		a->family = AF_INET6;
		memcpy(a->bytes, in, 16);
	}
}

static json_object *
jaddr(const struct addr *a)
{
	char buf[ADDR_STRLEN];

	return json_object_new_string(addr_fmt(a, buf, sizeof(buf)));
}

static json_object *
jprefixes(const struct prefix *p, size_t n)
{
	json_object *a = json_object_new_array();
	char buf[PREFIX_STRLEN];
	size_t i;

	for (i = 0; i < n; i++)
		json_object_array_add(a,
		    json_object_new_string(
			prefix_fmt(&p[i], buf, sizeof(buf))));
	return a;
}

/* The name of policy id, or NULL if no running policy has it. */
static const char *
policy_name(const struct egress *g, uint32_t id)
{
	size_t i;

	for (i = 0; i < g->rules.nids; i++)
		if (g->rules.ids[i].id == id)
			return g->rules.ids[i].name;
	return NULL;
}

/* Connections per policy id (EGR_POLICY_MAX entries), and the total. */
struct flow_count {
	uint64_t *per;
	uint64_t total;
};

static int
count_cb(const struct egress_nat_entry *e, void *arg)
{
	struct flow_count *fc = arg;

	fc->total++;
	if (e->ct.policy < EGR_POLICY_MAX)
		fc->per[e->ct.policy]++;
	return 0;
}

static void
count_flows(const struct egress *g, struct flow_count *fc)
{
	int ct, rev;

	fc->per = xcalloc(EGR_POLICY_MAX, sizeof(*fc->per));
	fc->total = 0;
	if (g->dp == NULL)
		return;
	egress_dp_nat_fds(g->dp, &ct, &rev);
	egress_nat_foreach(ct, rev, count_cb, fc);
}

/*
 * Is gateway k of policy i up in the datapath (EGR_GW_UP in its
 * egr_policy entry, as the health of its BGP session set it)?  1, 0, or
 * -1 when the datapath is not loaded.
 */
static int
gw_up(const struct egress *g, size_t i, size_t k)
{
	const struct egress_gateway *gw = &g->conf->policies[i].gw[k];
	struct egr_policy pol;
	uint32_t id = g->rules.ids[i].id, j;
	__be32 ep[4];

	if (g->dp == NULL ||
	    bpf_map_lookup_elem(egress_dp_maps(g->dp)->policy, &id, &pol) != 0)
		return -1;
	egress_addr16(&gw->endpoint, ep);
	for (j = 0; j < pol.ngw && j < EGR_GW_MAX; j++)
		if (memcmp(pol.gw[j].endpoint, ep, 16) == 0)
			return (pol.gw[j].flags & EGR_GW_UP) != 0;
	return 0;
}

/*
 * The flows of gateway k of policy i as this host sees them: when it is
 * this host, the policy's connections in the NAT table (fc, a walk, or
 * the last GC walk's count when fc is NULL); else the (pod, remote)
 * pairs pinned to it, at the last walk of the pins.  -1: not known yet.
 */
static int64_t
gw_flows(
    const struct egress *g, size_t i, size_t k, const struct flow_count *fc)
{
	uint32_t id = g->rules.ids[i].id;

	if (g->conf->policies[i].gw[k].local) {
		if (id >= EGR_POLICY_MAX)
			return 0;
		if (fc != NULL)
			return (int64_t)fc->per[id];
		if (g->walk.walks == 0 || g->walk.live_per == NULL)
			return -1;
		return (int64_t)g->walk.live_per[id];
	}
	if (g->pinned == NULL)
		return -1;
	return g->pinned[i * EGR_GW_MAX + k];
}

static json_object *
ctl_policy(const struct egress *g, size_t i, const struct flow_count *fc)
{
	const struct egress_policy *p = &g->conf->policies[i];
	json_object *o = json_object_new_object(), *ips, *gws, *down;
	uint32_t id = g->rules.ids[i].id;
	size_t j;

	json_object_object_add(o, "name", json_object_new_string(p->name));
	json_object_object_add(o, "id", json_object_new_int64(id));
	json_object_object_add(o, "sources", jprefixes(p->src, p->nsrc));
	json_object_object_add(o, "destinations", jprefixes(p->dst, p->ndst));
	json_object_object_add(
	    o, "exclude", jprefixes(p->exclude, p->nexclude));
	/* gateway / gateway-name: the first, as before there were several. */
	json_object_object_add(o, "gateway", jaddr(&p->gw[0].endpoint));
	if (p->gw[0].name != NULL)
		json_object_object_add(
		    o, "gateway-name", json_object_new_string(p->gw[0].name));
	gws = json_object_new_array();
	down = json_object_new_array();
	for (j = 0; j < p->ngw; j++) {
		json_object_array_add(gws, jaddr(&p->gw[j].endpoint));
		if (gw_up(g, i, j) == 0)
			json_object_array_add(down, jaddr(&p->gw[j].endpoint));
	}
	json_object_object_add(o, "gateways", gws);
	/* The ones the nodes' hash leaves out: their session is down. */
	json_object_object_add(o, "gateways-down", down);
	/* What this host SNATs to where it serves the policy. */
	ips = json_object_new_array();
	if (p->snat4.family != 0)
		json_object_array_add(ips, jaddr(&p->snat4));
	if (p->snat6.family != 0)
		json_object_array_add(ips, jaddr(&p->snat6));
	json_object_object_add(o, "egress-ips", ips);
	json_object_object_add(
	    o, "role", json_object_new_string(p->local ? "snat" : "steer"));
	json_object_object_add(o, "flows",
	    json_object_new_int64(
		(int64_t)(id < EGR_POLICY_MAX ? fc->per[id] : 0)));
	return o;
}

static json_object *
ctl_counters(struct egress *g, json_object **drops)
{
	struct egr_stat_val st[EGR_STAT_MAX];
	json_object *o = json_object_new_object(), *c;
	int s;

	*drops = json_object_new_object();
	egress_dp_stats(g->dp, st);
	for (s = 0; s < EGR_STAT_MAX; s++) {
		c = json_object_new_object();
		json_object_object_add(c, "packets",
		    json_object_new_int64((int64_t)st[s].packets));
		json_object_object_add(
		    c, "bytes", json_object_new_int64((int64_t)st[s].bytes));
		json_object_object_add(
		    is_drop(s) ? *drops : o, stat_names[s], c);
	}
	return o;
}

static json_object *
ctl_gc(const struct egress *g)
{
	json_object *o = json_object_new_object();

	json_object_object_add(
	    o, "runs", json_object_new_int64((int64_t)g->gc.runs));
	json_object_object_add(
	    o, "walks", json_object_new_int64((int64_t)g->gc.walks));
	json_object_object_add(
	    o, "expired", json_object_new_int64((int64_t)g->gc.expired));
	json_object_object_add(
	    o, "orphans", json_object_new_int64((int64_t)g->gc.orphans));
	json_object_object_add(
	    o, "errors", json_object_new_int64((int64_t)g->gc.errors));
	json_object_object_add(
	    o, "last-us", json_object_new_int64((int64_t)g->gc.last_us));
	return o;
}

static json_object *
ctl_show_egress(void *arg, json_object *args, char *err, size_t errlen)
{
	struct egress *g = arg;
	const struct egress_conf *ec = g->conf;
	json_object *o, *a, *i, *drops;
	struct flow_count fc;
	size_t k;

	(void)args;
	(void)err;
	(void)errlen;
	o = json_object_new_object();
	json_object_object_add(
	    o, "configured", json_object_new_boolean(ec->enabled));
	json_object_object_add(
	    o, "active", json_object_new_boolean(g->dp != NULL));
	if (!ec->enabled)
		return o;
	json_object_object_add(
	    o, "pin-dir", json_object_new_string(ec->pin_dir));
	a = json_object_new_array();
	for (k = 0; k < g->nifs; k++) {
		i = json_object_new_object();
		json_object_object_add(
		    i, "name", json_object_new_string(g->ifs[k].name));
		json_object_object_add(
		    i, "ifindex", json_object_new_int(g->ifs[k].ifindex));
		json_object_object_add(i, "attached",
		    json_object_new_boolean(g->ifs[k].ifindex != 0));
		json_object_array_add(a, i);
	}
	json_object_object_add(o, "interfaces", a);
	count_flows(g, &fc);
	a = json_object_new_array();
	for (k = 0; k < ec->npolicies && k < g->rules.nids; k++)
		json_object_array_add(a, ctl_policy(g, k, &fc));
	json_object_object_add(o, "policies", a);
	json_object_object_add(
	    o, "flows", json_object_new_int64((int64_t)fc.total));
	free(fc.per);
	if (g->dp == NULL)
		return o;
	json_object_object_add(o, "table-size",
	    json_object_new_int64(egress_dp_table_size(g->dp)));
	json_object_object_add(o, "counters", ctl_counters(g, &drops));
	json_object_object_add(o, "drops", drops);
	json_object_object_add(o, "gc", ctl_gc(g));
	return o;
}

/* --- show egress nat ---------------------------------------------------- */

struct nat_walk {
	const struct egress *g;
	json_object *list;
	struct addr pod, dst; /* family 0: any */
	const char *policy;   /* NULL: any */
	uint64_t now;
	size_t n, max;
};

static json_object *
jend(const __be32 a[4], __be16 port)
{
	json_object *o = json_object_new_object();
	struct addr ad;

	egress_addr_of_mapped(a, &ad);
	json_object_object_add(o, "address", jaddr(&ad));
	json_object_object_add(o, "port", json_object_new_int(ntohs(port)));
	return o;
}

static const char *
proto_name(uint8_t p)
{
	switch (p) {
	case 6:
		return "tcp";
	case 17:
		return "udp";
	case 1:
		return "icmp";
	case 58:
		return "icmp6";
	}
	return "other";
}

static int
nat_cb(const struct egress_nat_entry *e, void *arg)
{
	struct nat_walk *w = arg;
	const char *pname = policy_name(w->g, e->ct.policy);
	struct addr src, dst;
	json_object *o;
	uint64_t idle;

	egress_addr_of_mapped(e->orig.saddr, &src);
	egress_addr_of_mapped(e->orig.daddr, &dst);
	if (w->pod.family != 0 && addr_cmp(&w->pod, &src) != 0)
		return 0;
	if (w->dst.family != 0 && addr_cmp(&w->dst, &dst) != 0)
		return 0;
	if (w->policy != NULL &&
	    (pname == NULL || strcmp(pname, w->policy) != 0))
		return 0;
	if (w->n++ >= w->max)
		return 0;
	o = json_object_new_object();
	json_object_object_add(
	    o, "protocol", json_object_new_string(proto_name(e->orig.proto)));
	/* A connection outlives a policy that was removed. */
	if (pname != NULL)
		json_object_object_add(
		    o, "policy", json_object_new_string(pname));
	json_object_object_add(o, "source", jend(e->orig.saddr, e->orig.sport));
	json_object_object_add(
	    o, "destination", jend(e->orig.daddr, e->orig.dport));
	/* The reply tuple's destination is the translated source. */
	json_object_object_add(
	    o, "translated", jend(e->ct.rev.daddr, e->ct.rev.dport));
	json_object_object_add(o, "state",
	    json_object_new_string(
		e->ct.state < 5 ? state_names[e->ct.state] : "unknown"));
	json_object_object_add(o, "replied",
	    json_object_new_boolean((e->ct.flags & EGR_CT_F_REPLY) != 0));
	/* From a peer's record; translated here once a packet came. */
	json_object_object_add(o, "synced",
	    json_object_new_boolean((e->ct.flags & EGR_CT_F_SYNCED) != 0));
	json_object_object_add(
	    o, "translated-here", json_object_new_boolean(e->ct.seen != 0));
	json_object_object_add(o, "age",
	    json_object_new_int64(w->now > e->ct.created
		    ? (int64_t)((w->now - e->ct.created) / 1000000000ULL)
		    : 0));
	idle = w->now > e->last ? (w->now - e->last) / 1000000000ULL : 0;
	json_object_object_add(o, "idle", json_object_new_int64((int64_t)idle));
	json_object_array_add(w->list, o);
	return 0;
}

static int
arg_addr(json_object *args, const char *key, struct addr *a, char *err,
    size_t errlen)
{
	json_object *v;

	memset(a, 0, sizeof(*a));
	if (args == NULL || !json_object_object_get_ex(args, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_string) ||
	    addr_parse(json_object_get_string(v), a) == -1) {
		snprintf(err, errlen, "%s: not an address", key);
		return -1;
	}
	return 0;
}

static json_object *
ctl_show_nat(void *arg, json_object *args, char *err, size_t errlen)
{
	struct egress *g = arg;
	struct nat_walk w;
	json_object *o, *v;
	int ct, rev;

	memset(&w, 0, sizeof(w));
	w.g = g;
	w.max = 100000;
	if (arg_addr(args, "pod", &w.pod, err, errlen) == -1 ||
	    arg_addr(args, "destination", &w.dst, err, errlen) == -1)
		return NULL;
	if (args != NULL && json_object_object_get_ex(args, "policy", &v)) {
		if (!json_object_is_type(v, json_type_string)) {
			snprintf(err, errlen, "policy: not a string");
			return NULL;
		}
		w.policy = json_object_get_string(v);
	}
	if (g->dp == NULL) {
		snprintf(err, errlen, "egress datapath not running");
		return NULL;
	}
	w.list = json_object_new_array();
	w.now = egress_nat_now();
	egress_dp_nat_fds(g->dp, &ct, &rev);
	if (egress_nat_foreach(ct, rev, nat_cb, &w) == -1) {
		json_object_put(w.list);
		snprintf(err, errlen, "cannot read the NAT table");
		return NULL;
	}
	o = json_object_new_object();
	json_object_object_add(o, "connections", w.list);
	json_object_object_add(
	    o, "matched", json_object_new_int64((int64_t)w.n));
	json_object_object_add(
	    o, "truncated", json_object_new_boolean(w.n > w.max));
	return o;
}

/* --- metrics ------------------------------------------------------------- */

static void
egress_metrics(void *arg, FILE *f)
{
	struct egress *g = arg;
	struct egr_stat_val st[EGR_STAT_MAX];
	char buf[ADDR_STRLEN];
	size_t i, k;
	int s;

	if (g->dp == NULL)
		return;
	egress_dp_stats(g->dp, st);
	/* As the last GC walk found it: a scrape does not walk the table. */
	metrics_family(f, "ferry_egress_flows", "gauge",
	    "Connections in the egress NAT table (at the last GC run).");
	fprintf(f, "ferry_egress_flows %" PRIu64 "\n", g->gc.flows);
	metrics_family(f, "ferry_egress_new_flows_total", "counter",
	    "Connections the egress datapath opened.");
	fprintf(f, "ferry_egress_new_flows_total %" PRIu64 "\n",
	    (uint64_t)st[EGR_STAT_NEW_FLOW].packets);
	metrics_family(f, "ferry_egress_packets_total", "counter",
	    "Packets the egress datapath translated or steered.");
	fprintf(f,
	    "ferry_egress_packets_total{direction=\"out\",action=\"snat\"} "
	    "%" PRIu64 "\n"
	    "ferry_egress_packets_total{direction=\"in\",action=\"rsnat\"} "
	    "%" PRIu64 "\n"
	    "ferry_egress_packets_total{direction=\"out\",action=\"steer\"} "
	    "%" PRIu64 "\n",
	    (uint64_t)st[EGR_STAT_SNAT].packets,
	    (uint64_t)st[EGR_STAT_RSNAT].packets,
	    (uint64_t)st[EGR_STAT_STEERED].packets);
	metrics_family(f, "ferry_egress_drops_total", "counter",
	    "Packets the egress datapath dropped, by reason.");
	for (s = EGR_DROP_TRUNCATED; s < EGR_STAT_MAX; s++)
		fprintf(f,
		    "ferry_egress_drops_total{reason=\"%s\"} %" PRIu64 "\n",
		    stat_names[s], (uint64_t)st[s].packets);
	metrics_family(f, "ferry_egress_gateway_up", "gauge",
	    "1 while a policy's gateway is in the set its flows are hashed "
	    "over (its BGP session healthy), else 0.");
	for (i = 0; i < g->conf->npolicies && i < g->rules.nids; i++)
		for (k = 0; k < g->conf->policies[i].ngw; k++)
			fprintf(f,
			    "ferry_egress_gateway_up{policy=\"%s\","
			    "gateway=\"%s\"} %d\n",
			    g->conf->policies[i].name,
			    addr_fmt(&g->conf->policies[i].gw[k].endpoint, buf,
				sizeof(buf)),
			    gw_up(g, i, k) == 1);
	metrics_family(f, "ferry_egress_gateway_flows", "gauge",
	    "A policy's flows on a gateway: on the gateway itself its "
	    "connections (at the last GC walk), on a node the (pod, remote) "
	    "pairs pinned to it.");
	for (i = 0; i < g->conf->npolicies && i < g->rules.nids; i++)
		for (k = 0; k < g->conf->policies[i].ngw; k++) {
			int64_t n = gw_flows(g, i, k, NULL);

			if (n < 0)
				continue;
			fprintf(f,
			    "ferry_egress_gateway_flows{policy=\"%s\","
			    "gateway=\"%s\"} %" PRId64 "\n",
			    g->conf->policies[i].name,
			    addr_fmt(&g->conf->policies[i].gw[k].endpoint, buf,
				sizeof(buf)),
			    n);
		}
	metrics_family(f, "ferry_egress_pins_forgotten_total", "counter",
	    "Pins of (pod, remote) pairs to gateways forgotten after being "
	    "idle longer than the NAT timeouts.");
	fprintf(f, "ferry_egress_pins_forgotten_total %" PRIu64 "\n",
	    g->pins_forgotten);
	metrics_family(f, "ferry_egress_port_exhaustion_total", "counter",
	    "New connections refused for want of a free translated port.");
	fprintf(f, "ferry_egress_port_exhaustion_total %" PRIu64 "\n",
	    (uint64_t)st[EGR_DROP_PORTS].packets);
	metrics_family(f, "ferry_egress_resets_total", "counter",
	    "TCP segments of no known connection, on a policy with several "
	    "gateways, answered with a reset to the pod.");
	fprintf(f, "ferry_egress_resets_total %" PRIu64 "\n",
	    (uint64_t)st[EGR_STAT_RESET].packets);
	metrics_family(f, "ferry_egress_gc_expired_total", "counter",
	    "Connections the NAT garbage collection expired.");
	fprintf(
	    f, "ferry_egress_gc_expired_total %" PRIu64 "\n", g->gc.expired);
	egress_sync_metrics(g, f);
}

/* What gateway k SNATs p's traffic to: its own egress IPs, else p's. */
static json_object *
gw_ips(const struct egress_policy *p, size_t k)
{
	json_object *a = json_object_new_array();
	const struct addr *ip;

	if ((ip = egress_gw_snat(p, k, AF_INET)) != NULL)
		json_object_array_add(a, jaddr(ip));
	if ((ip = egress_gw_snat(p, k, AF_INET6)) != NULL)
		json_object_array_add(a, jaddr(ip));
	return a;
}

/*
 * The slice of the ports gateway k draws from, {min, max}: where it is
 * this host's (the first local one, which serves the policy) and shares
 * the policy's egress-ip; else null, the whole nat.ports range or not
 * ours to say.
 */
static json_object *
gw_ports(const struct egress_policy *p, size_t k)
{
	json_object *o;
	size_t j;

	if (p->port_hi == 0 || !p->gw[k].local)
		return NULL;
	for (j = 0; j < k; j++)
		if (p->gw[j].local)
			return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "min", json_object_new_int(p->port_lo));
	json_object_object_add(o, "max", json_object_new_int(p->port_hi));
	return o;
}

/*
 * show egress gateways: every gateway of every policy, its role here
 * (local: this host serves the policy; remote: flows are steered to it),
 * its state in the datapath, where its health comes from (the BGP
 * session with its endpoint, or nothing: then it is always up), its
 * flows (gw_flows), its slice of the ports (gw_ports) and the egress IPs
 * it SNATs the policy's traffic to.
 */
static json_object *
ctl_show_gateways(void *arg, json_object *args, char *err, size_t errlen)
{
	struct egress *g = arg;
	const struct egress_conf *ec = g->conf;
	json_object *o = json_object_new_object(), *a, *e;
	struct flow_count fc;
	size_t i, k;
	int64_t n;
	int up, h;

	(void)args;
	(void)err;
	(void)errlen;
	count_flows(g, &fc);
	a = json_object_new_array();
	for (i = 0; ec->enabled && i < ec->npolicies && i < g->rules.nids;
	     i++) {
		const struct egress_policy *p = &ec->policies[i];

		for (k = 0; k < p->ngw; k++) {
			e = json_object_new_object();
			json_object_object_add(
			    e, "policy", json_object_new_string(p->name));
			if (p->gw[k].name != NULL)
				json_object_object_add(e, "name",
				    json_object_new_string(p->gw[k].name));
			json_object_object_add(
			    e, "endpoint", jaddr(&p->gw[k].endpoint));
			json_object_object_add(e, "role",
			    json_object_new_string(
				p->gw[k].local ? "local" : "remote"));
			up = gw_up(g, i, k);
			json_object_object_add(e, "state",
			    json_object_new_string(up == 1 ? "up"
				    : up == 0		   ? "down"
							   : "unknown"));
			h = p->gw[k].local
			    ? -1
			    : ferryd_peer_healthy(g->d, &p->gw[k].endpoint);
			json_object_object_add(e, "health",
			    json_object_new_string(h == -1 ? "none" : "bgp"));
			n = gw_flows(g, i, k, &fc);
			json_object_object_add(e, "flows",
			    n < 0 ? NULL : json_object_new_int64(n));
			json_object_object_add(e, "ports", gw_ports(p, k));
			json_object_object_add(e, "egress-ips", gw_ips(p, k));
			json_object_array_add(a, e);
		}
	}
	free(fc.per);
	json_object_object_add(o, "gateways", a);
	json_object_object_add(o, "sync", egress_sync_json(g));
	return o;
}

void
egress_ctl_register(struct egress *g)
{
	control_register(g->d->control, "show egress", ctl_show_egress, g);
	control_register(
	    g->d->control, "show egress gateways", ctl_show_gateways, g);
	control_register(g->d->control, "show egress nat", ctl_show_nat, g);
	metrics_register(g->d->metrics, egress_metrics, g);
}

void
egress_ctl_unregister(struct egress *g)
{
	control_unregister(g->d->control, "show egress");
	control_unregister(g->d->control, "show egress gateways");
	control_unregister(g->d->control, "show egress nat");
	metrics_unregister(g->d->metrics, egress_metrics, g);
}
