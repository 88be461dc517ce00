/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The join decision: everything between a parsed enrollment request and
 * the reply, without HTTP, so tests can drive it directly.
 *
 * Order matters for what an attacker learns and what it costs us:
 * first the global rate (a flood is refused before any work), then the
 * source's failure count (a guesser is refused before a token is looked
 * at), then the request's shape, then the token.  Only a failed token
 * check counts against the source: a VM with a typo in its name is not
 * locked out.  Nothing is changed until every check has passed and the
 * new state is on disk.
 *
 * A rejoin (the same name, from the same endpoint, with the token it
 * joined with) returns the allocation it has, whether or not the token
 * has uses left: that is what makes `ferry-join` idempotent and lets a VM
 * recover its config.  Another endpoint claiming a joined name is
 * refused: the name is taken until `ferryctl workload remove`.
 */
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "bgpd.h"
#include "ferryd.h"
#include "log.h"
#include "vtep.h"
#include "workload_rt.h"
#include "xalloc.h"

#define FAIL_WINDOW 60 /* seconds */

/* The global token bucket: rate a second, a burst of rate. */
static bool
join_rate_ok(struct workload_rt *rt, double now)
{
	double cap = rt->conf->rate;

	if (rt->bucket_at == 0)
		rt->bucket = cap;
	else
		rt->bucket += (now - rt->bucket_at) * cap;
	if (rt->bucket > cap)
		rt->bucket = cap;
	rt->bucket_at = now;
	if (rt->bucket < 1)
		return false;
	rt->bucket -= 1;
	return true;
}

/* src's slot: its own, else a free or stale one, else the oldest. */
static struct workload_fail *
join_fail_slot(struct workload_rt *rt, const struct addr *src, time_t now)
{
	struct workload_fail *f, *oldest = &rt->fails[0];
	size_t i;

	for (i = 0; i < WORKLOAD_FAIL_SLOTS; i++) {
		f = &rt->fails[i];
		if (f->count > 0 && addr_cmp(&f->src, src) == 0) {
			if (now - f->window >= FAIL_WINDOW) {
				f->window = now;
				f->count = 0;
			}
			return f;
		}
		if (f->window < oldest->window)
			oldest = f;
	}
	memset(oldest, 0, sizeof(*oldest));
	oldest->src = *src;
	oldest->window = now;
	return oldest;
}

static json_object *
join_refuse(struct workload_rt *rt, unsigned code, unsigned *status, char *err,
    size_t errlen, const char *fmt, const char *arg)
{
	rt->joins_refused++;
	*status = code;
	snprintf(err, errlen, fmt, arg);
	return NULL;
}

static void
jadd_str(json_object *o, const char *key, const char *s)
{
	json_object_object_add(o, key, json_object_new_string(s));
}

static void
jadd_addr(json_object *o, const char *key, const struct addr *a)
{
	char buf[ADDR_STRLEN];

	if (a->family != 0)
		jadd_str(o, key, addr_fmt(a, buf, sizeof(buf)));
}

/*
 * The device's MAC; zeros if it cannot be read.  An ioctl, not sysfs:
 * sysfs shows the interfaces of the namespace it was mounted in.
 */
static void
join_device_mac(const char *dev, uint8_t mac[6])
{
	struct ifreq ifr;
	int fd;

	memset(mac, 0, 6);
	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) == 0)
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(fd);
}

/* What the VM needs to run its ferryd (docs/design.md). */
static json_object *
join_reply(
    struct workload_rt *rt, const struct workload *w, const struct addr *local)
{
	json_object *o = json_object_new_object(), *gw, *list;
	const struct addr *ep =
	    rt->conf->endpoint.family != 0 ? &rt->conf->endpoint : local;
	struct prefix *pools = NULL;
	uint8_t mac[6];
	char buf[PREFIX_STRLEN];
	const char *dev;
	uint16_t port = 0;
	uint32_t asn;
	size_t i, n;

	json_object_object_add(
	    o, "version", json_object_new_int(WORKLOAD_PROTO_VERSION));
	jadd_str(o, "name", w->name);
	jadd_addr(o, "ipv4", &w->addr4);
	jadd_addr(o, "ipv6", &w->addr6);
	jadd_addr(o, "endpoint", &w->endpoint);
	workload_mac(w->name, mac);
	jadd_str(o, "mac", mac_fmt(mac, buf, sizeof(buf)));
	json_object_object_add(o, "vni", json_object_new_int64(rt->conf->vni));
	gw = json_object_new_object();
	jadd_addr(gw, "endpoint", ep);
	if ((dev = vtep_conf_device(rt->d->conf, &port)) != NULL)
		join_device_mac(dev, mac);
	jadd_str(gw, "mac", mac_fmt(mac, buf, sizeof(buf)));
	json_object_object_add(gw, "port", json_object_new_int(port));
	json_object_object_add(o, "gateway", gw);
	list = json_object_new_array();
	/* The cluster: pod and service pools, and hosts behind VTEPs. */
	n = bgpd_conf_pools(
	    rt->d->conf, BGPD_KIND_POD | BGPD_KIND_SERVICE, &pools);
	for (i = 0; i < n; i++)
		json_object_array_add(list,
		    json_object_new_string(
			prefix_fmt(&pools[i], buf, sizeof(buf))));
	free(pools);
	json_object_object_add(o, "prefixes", list);
	/* VTEP prefixes are no BGP routes: the VM keeps them as static. */
	list = json_object_new_array();
	n = vtep_conf_prefixes(rt->d->conf, &pools);
	for (i = 0; i < n; i++)
		json_object_array_add(list,
		    json_object_new_string(
			prefix_fmt(&pools[i], buf, sizeof(buf))));
	free(pools);
	json_object_object_add(o, "vtep-prefixes", list);
	/*
	 * BGP, when a listen range takes the VM and imports nothing from
	 * it: the VM then learns the pools live (a pool added later reaches
	 * it without a rejoin), and can still add no route of its own.
	 */
	if (bgpd_conf_workload_peer(rt->d->conf, &w->endpoint, &asn)) {
		json_object *b = json_object_new_object();

		json_object_object_add(b, "asn", json_object_new_int64(asn));
		jadd_addr(b, "peer", ep);
		json_object_object_add(o, "bgp", b);
	}
	return o;
}

/* A new workload for r: addresses of every family the pool has. */
static int
join_allocate(struct workload_rt *rt, const struct workload_enroll_req *r,
    const struct addr *endpoint, time_t now, struct workload *w)
{
	const struct workload_conf *c = rt->conf;
	bool has4 = false, has6 = false;
	size_t i;

	memset(w, 0, sizeof(*w));
	for (i = 0; i < c->npools; i++) {
		has4 |= c->pools[i].addr.family == AF_INET;
		has6 |= c->pools[i].addr.family == AF_INET6;
	}
	if ((has4 &&
		workload_pool_alloc(
		    c->pools, c->npools, AF_INET, &rt->st, &w->addr4) == -1) ||
	    (has6 &&
		workload_pool_alloc(
		    c->pools, c->npools, AF_INET6, &rt->st, &w->addr6) == -1))
		return -1;
	snprintf(w->name, sizeof(w->name), "%s", r->name);
	snprintf(w->token, sizeof(w->token), "%s", r->token.id);
	w->endpoint = *endpoint;
	w->since = now;
	return 0;
}

json_object *
workload_join(struct workload_rt *rt, const char *body, size_t len,
    const struct addr *src, const struct addr *local, time_t now,
    unsigned *status, char *err, size_t errlen)
{
	struct workload_enroll_req r;
	struct workload_token *t;
	struct workload_fail *f = NULL;
	struct workload *w, nw;
	enum workload_token_verdict v = WORKLOAD_TOKEN_UNKNOWN;
	const struct addr *ep;
	char why[256], sa[ADDR_STRLEN];

	addr_fmt(src, sa, sizeof(sa));
	if (!join_rate_ok(rt, (double)now) ||
	    (f = join_fail_slot(rt, src, now))->count >=
		rt->conf->max_failures) {
		rt->joins_limited++;
		log_warn(
		    "workloads: join refused, rate limited: source=%s", sa);
		*status = 429;
		snprintf(
		    err, errlen, "too many attempts: wait a minute and retry");
		return NULL;
	}
	if (workload_enroll_parse(body, len, &r, why, sizeof(why)) == -1)
		return join_refuse(
		    rt, 400, status, err, errlen, "bad request: %s", why);
	if ((t = workload_state_token(&rt->st, r.token.id)) != NULL)
		v = workload_token_check(t, r.token.secret, now);
	else /* The same work either way: no timing oracle on IDs. */
		workload_token_check(
		    &(struct workload_token){ 0 }, r.token.secret, now);
	ep = r.endpoint.family != 0 ? &r.endpoint : src;
	w = workload_state_find(&rt->st, r.name);
	/* A rejoin needs a right secret, and its token not revoked. */
	if (w != NULL && t != NULL && strcmp(w->token, t->id) == 0 &&
	    (v == WORKLOAD_TOKEN_OK || v == WORKLOAD_TOKEN_USED_UP ||
		v == WORKLOAD_TOKEN_EXPIRED) &&
	    addr_cmp(&w->endpoint, ep) == 0) {
		log_info("workloads: rejoined: name=%s source=%s", w->name, sa);
		rt->joins_ok++;
		*status = 200;
		return join_reply(rt, w, local);
	}
	if (v != WORKLOAD_TOKEN_OK) {
		if (v == WORKLOAD_TOKEN_UNKNOWN)
			f->count++;
		log_warn("workloads: join refused: source=%s token=%s "
			 "reason=\"%s\"",
		    sa, r.token.id, workload_token_verdict_str(v));
		return join_refuse(rt, 403, status, err, errlen, "%s",
		    workload_token_verdict_str(v));
	}
	if (w != NULL) {
		log_warn("workloads: join refused, name taken: name=%s "
			 "source=%s",
		    r.name, sa);
		return join_refuse(rt, 409, status, err, errlen,
		    "the name %s is taken by another workload (ferryctl "
		    "workload remove it first)",
		    r.name);
	}
	if (join_allocate(rt, &r, ep, now, &nw) == -1) {
		log_warn(
		    "workloads: join refused, pool exhausted: name=%s", r.name);
		return join_refuse(rt, 503, status, err, errlen,
		    "the workload pool is exhausted%s", "");
	}
	t->used++;
	*workload_state_add(&rt->st) = nw;
	if (workload_save(rt, why, sizeof(why)) == -1) {
		t->used--;
		rt->st.nwls--;
		return join_refuse(rt, 500, status, err, errlen, "%s", why);
	}
	w = &rt->st.wls[rt->st.nwls - 1];
	workload_publish(rt, w, false);
	log_info("workloads: joined: name=%s endpoint=%s token=%s", w->name,
	    addr_fmt(&w->endpoint, why, sizeof(why)), w->token);
	rt->joins_ok++;
	*status = 200;
	return join_reply(rt, w, local);
}

char *
workload_read_file(const char *path, size_t max, size_t *len)
{
	FILE *f;
	char *buf;
	size_t n;

	if ((f = fopen(path, "re")) == NULL) {
		log_err("workloads: cannot open: file=%s error=%m", path);
		return NULL;
	}
	buf = xmalloc(max + 1);
	n = fread(buf, 1, max + 1, f);
	fclose(f);
	if (n > max) {
		log_err("workloads: file too big: file=%s max=%zu", path, max);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}
