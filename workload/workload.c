/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The workloads module (see workload.h): tokens, joins and removals, the
 * control commands that manage them, and the overlay entries of every
 * joined VM.
 *
 * Why a module of its own and not a part of vtep/: a workload is a
 * tunnel, but everything around it (tokens, a pool, a state file, an
 * HTTPS endpoint, guessing limits) is not the overlay's business, and the
 * overlay already takes entries from any source through one call.  So the
 * module keeps its registry and hands the overlay one route per address,
 * through the agent as BGP does (ferryd.h), marked as a workload's: the
 * overlay files it under source `workload`, and its ingress check then
 * accepts from the VM's endpoint exactly those addresses.
 *
 * Every change is saved (workload_state_save) before it is applied or
 * answered: a join the gateway would forget on restart is never
 * confirmed, and a failed save changes nothing.
 */
#include <sys/random.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "control.h"
#include "ferryd.h"
#include "log.h"
#include "module.h"
#include "workload.h"
#include "workload_int.h"
#include "workload_rt.h"
#include "xalloc.h"

#define TOKEN_TTL_DEFAULT (24 * 3600)
#define TOKEN_TTL_MAX	  (365 * 24 * 3600)

/* The overlay route for one address of w; gone: withdraw it. */
static void
workload_publish_addr(struct workload_rt *rt, const struct workload *w,
    const struct addr *a, bool gone)
{
	struct ferry_overlay_route r;

	if (a->family == 0)
		return;
	memset(&r, 0, sizeof(r));
	prefix_from_addr(&r.prefix, a, addr_bits(a->family));
	if (!gone) {
		r.endpoint = w->endpoint;
		r.vni = rt->conf->vni;
		workload_mac(w->name, r.mac);
	}
	r.owner = w->name;
	r.workload = true;
	ferryd_overlay_publish(rt->d, &r);
}

void
workload_publish(struct workload_rt *rt, const struct workload *w, bool gone)
{
	workload_publish_addr(rt, w, &w->addr4, gone);
	workload_publish_addr(rt, w, &w->addr6, gone);
}

void
workload_mac(const char *name, uint8_t mac[6])
{
	uint8_t d[SHA256_LEN];

	/* Locally administered, unicast, stable for a name. */
	sha256_digest(name, strlen(name), d);
	mac[0] = 0x02;
	mac[1] = 0xfa;
	memcpy(mac + 2, d, 4);
}

int
workload_save(struct workload_rt *rt, char *err, size_t errlen)
{
	char why[256];

	if (workload_state_save(
		rt->conf->state_file, &rt->st, why, sizeof(why)) == -1) {
		log_err("workloads: cannot save state: file=%s error=%s",
		    rt->conf->state_file, why);
		snprintf(err, errlen, "cannot save the state file: %s", why);
		return -1;
	}
	return 0;
}

int
workload_pin(struct workload_rt *rt, char pin[SHA256_HEXLEN + 1])
{
	char *pem;
	size_t len;

	if ((pem = workload_read_file(rt->conf->tls_cert, 1 << 20, &len)) ==
	    NULL)
		return -1;
	if (workload_pin_pem(pem, len, pin) == -1) {
		log_err("workloads: no certificate in file: file=%s",
		    rt->conf->tls_cert);
		free(pem);
		return -1;
	}
	free(pem);
	return 0;
}

static json_object *
token_json(const struct workload_token *t, time_t now)
{
	json_object *o = json_object_new_object();
	const char *state = "valid";

	if (t->revoked)
		state = "revoked";
	else if (t->expires != 0 && now >= t->expires)
		state = "expired";
	else if (t->uses != 0 && t->used >= t->uses)
		state = "used up";
	json_object_object_add(o, "id", json_object_new_string(t->id));
	json_object_object_add(o, "name", json_object_new_string(t->name));
	json_object_object_add(o, "created", json_object_new_int64(t->created));
	json_object_object_add(o, "expires", json_object_new_int64(t->expires));
	json_object_object_add(o, "uses", json_object_new_int64(t->uses));
	json_object_object_add(o, "used", json_object_new_int64(t->used));
	json_object_object_add(o, "state", json_object_new_string(state));
	return o;
}

static int
arg_uint(json_object *args, const char *key, uint64_t max, uint64_t *out,
    char *err, size_t errlen)
{
	json_object *v;
	int64_t n;

	if (args == NULL || !json_object_object_get_ex(args, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_int) ||
	    (n = json_object_get_int64(v)) < 0 || (uint64_t)n > max) {
		snprintf(err, errlen, "%s: expected an integer 0..%llu", key,
		    (unsigned long long)max);
		return -1;
	}
	*out = (uint64_t)n;
	return 1;
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

static bool
workload_ready(struct workload_rt *rt, char *err, size_t errlen)
{
	if (!rt->conf->enabled) {
		snprintf(err, errlen, "workloads are not configured");
		return false;
	}
	if (!rt->loaded) {
		snprintf(err, errlen,
		    "the state file could not be loaded (see the log)");
		return false;
	}
	return true;
}

static json_object *
ctl_token_create(void *arg, json_object *args, char *err, size_t errlen)
{
	struct workload_rt *rt = arg;
	uint8_t rnd[WORKLOAD_TOKEN_ID_LEN + WORKLOAD_TOKEN_SECRET_LEN];
	char secret[WORKLOAD_TOKEN_SECRET_LEN + 1], pin[SHA256_HEXLEN + 1];
	char *token;
	struct workload_token t;
	uint64_t ttl = TOKEN_TTL_DEFAULT, uses = 1;
	const char *name = arg_str(args, "name");
	json_object *o;
	time_t now = time(NULL);

	if (!workload_ready(rt, err, errlen))
		return NULL;
	if (arg_uint(args, "ttl", TOKEN_TTL_MAX, &ttl, err, errlen) == -1 ||
	    arg_uint(args, "uses", UINT32_MAX, &uses, err, errlen) == -1)
		return NULL;
	if (name != NULL && strlen(name) > WORKLOAD_NAME_MAX) {
		snprintf(
		    err, errlen, "name: at most %d bytes", WORKLOAD_NAME_MAX);
		return NULL;
	}
	if (workload_pin(rt, pin) == -1) {
		snprintf(err, errlen, "cannot read the certificate %s",
		    rt->conf->tls_cert);
		return NULL;
	}
	do {
		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
			snprintf(err, errlen, "getrandom: %s", strerror(errno));
			return NULL;
		}
		workload_token_make(
		    &t, rnd, now, (time_t)ttl, (unsigned)uses, name, secret);
	} while (workload_state_token(&rt->st, t.id) != NULL);
	rt->st.tokens = xreallocarray(
	    rt->st.tokens, rt->st.ntokens + 1, sizeof(*rt->st.tokens));
	rt->st.tokens[rt->st.ntokens++] = t;
	if (workload_save(rt, err, errlen) == -1) {
		rt->st.ntokens--;
		return NULL;
	}
	log_info("workloads: token created: id=%s name=%s ttl=%llu uses=%llu",
	    t.id, t.name, (unsigned long long)ttl, (unsigned long long)uses);
	xasprintf(&token, "%s.%s.%s", t.id, secret, pin);
	o = token_json(&t, now);
	json_object_object_add(o, "token", json_object_new_string(token));
	explicit_bzero(secret, sizeof(secret));
	explicit_bzero(token, strlen(token));
	free(token);
	return o;
}

static json_object *
ctl_token_list(void *arg, json_object *args, char *err, size_t errlen)
{
	struct workload_rt *rt = arg;
	json_object *o, *list;
	time_t now = time(NULL);
	size_t i;

	(void)args;
	if (!workload_ready(rt, err, errlen))
		return NULL;
	list = json_object_new_array();
	for (i = 0; i < rt->st.ntokens; i++)
		json_object_array_add(list, token_json(&rt->st.tokens[i], now));
	o = json_object_new_object();
	json_object_object_add(o, "tokens", list);
	return o;
}

static json_object *
ctl_token_revoke(void *arg, json_object *args, char *err, size_t errlen)
{
	struct workload_rt *rt = arg;
	const char *id = arg_str(args, "id");
	struct workload_token *t;

	if (!workload_ready(rt, err, errlen))
		return NULL;
	if (id == NULL || (t = workload_state_token(&rt->st, id)) == NULL) {
		snprintf(err, errlen, "no such token: %s", id ? id : "");
		return NULL;
	}
	if (t->revoked)
		return json_object_new_object();
	t->revoked = true;
	if (workload_save(rt, err, errlen) == -1) {
		t->revoked = false;
		return NULL;
	}
	log_info("workloads: token revoked: id=%s", id);
	return json_object_new_object();
}

static void
jadd_addr(json_object *o, const char *key, const struct addr *a)
{
	char buf[ADDR_STRLEN];

	if (a->family != 0)
		json_object_object_add(o, key,
		    json_object_new_string(addr_fmt(a, buf, sizeof(buf))));
}

/* The traffic of w's tunnel entries, summed over its addresses. */
static void
workload_json_counters(
    struct workload_rt *rt, const struct workload *w, json_object *o)
{
	const struct addr *as[2] = { &w->addr4, &w->addr6 };
	struct ferry_overlay_counters c, sum;
	struct prefix p;
	size_t i;

	memset(&sum, 0, sizeof(sum));
	for (i = 0; i < 2; i++) {
		if (as[i]->family == 0)
			continue;
		prefix_from_addr(&p, as[i], addr_bits(as[i]->family));
		if (ferryd_overlay_counters(rt->d, &p, &c) == 0) {
			sum.tx_packets += c.tx_packets;
			sum.tx_bytes += c.tx_bytes;
			sum.rx_packets += c.rx_packets;
			sum.rx_bytes += c.rx_bytes;
		}
	}
	json_object_object_add(
	    o, "tx-packets", json_object_new_int64((int64_t)sum.tx_packets));
	json_object_object_add(
	    o, "tx-bytes", json_object_new_int64((int64_t)sum.tx_bytes));
	json_object_object_add(
	    o, "rx-packets", json_object_new_int64((int64_t)sum.rx_packets));
	json_object_object_add(
	    o, "rx-bytes", json_object_new_int64((int64_t)sum.rx_bytes));
}

static json_object *
ctl_show_workloads(void *arg, json_object *args, char *err, size_t errlen)
{
	struct workload_rt *rt = arg;
	json_object *o, *list, *w;
	size_t i;

	(void)args;
	(void)err;
	(void)errlen;
	o = json_object_new_object();
	json_object_object_add(
	    o, "configured", json_object_new_boolean(rt->conf->enabled));
	list = json_object_new_array();
	for (i = 0; i < rt->st.nwls; i++) {
		const struct workload *wl = &rt->st.wls[i];

		w = json_object_new_object();
		json_object_object_add(
		    w, "name", json_object_new_string(wl->name));
		jadd_addr(w, "endpoint", &wl->endpoint);
		jadd_addr(w, "ipv4", &wl->addr4);
		jadd_addr(w, "ipv6", &wl->addr6);
		json_object_object_add(
		    w, "since", json_object_new_int64(wl->since));
		json_object_object_add(
		    w, "token", json_object_new_string(wl->token));
		workload_json_counters(rt, wl, w);
		json_object_array_add(list, w);
	}
	json_object_object_add(o, "workloads", list);
	return o;
}

static json_object *
ctl_workload_remove(void *arg, json_object *args, char *err, size_t errlen)
{
	struct workload_rt *rt = arg;
	const char *name = arg_str(args, "name");
	struct workload *w, saved;

	if (!workload_ready(rt, err, errlen))
		return NULL;
	if (name == NULL || (w = workload_state_find(&rt->st, name)) == NULL) {
		snprintf(err, errlen, "no such workload: %s", name ? name : "");
		return NULL;
	}
	saved = *w;
	workload_state_remove(&rt->st, w);
	if (workload_save(rt, err, errlen) == -1) {
		*workload_state_add(&rt->st) = saved;
		return NULL;
	}
	workload_publish(rt, &saved, true);
	/* Its BGP session, if it has one, goes now too. */
	ferryd_peer_reset(rt->d, &saved.endpoint);
	log_info("workloads: removed: name=%s", saved.name);
	return json_object_new_object();
}

static const struct {
	const char *name;
	control_fn fn;
} ctl_commands[] = {
	{ "workload token create", ctl_token_create },
	{ "workload token list", ctl_token_list },
	{ "workload token revoke", ctl_token_revoke },
	{ "workload remove", ctl_workload_remove },
	{ "show workloads", ctl_show_workloads },
};

/* Load the state and register every joined VM's tunnels. */
static int
workload_activate(struct workload_rt *rt)
{
	char why[256];
	size_t i;

	if (workload_state_load(
		rt->conf->state_file, &rt->st, why, sizeof(why)) == -1) {
		log_err("workloads: cannot load state, not serving: file=%s "
			"error=%s",
		    rt->conf->state_file, why);
		return -1;
	}
	rt->loaded = true;
	for (i = 0; i < rt->st.nwls; i++)
		workload_publish(rt, &rt->st.wls[i], false);
	log_info("workloads: up: workloads=%zu tokens=%zu", rt->st.nwls,
	    rt->st.ntokens);
	return workload_http_start(rt);
}

static void
workload_deactivate(struct workload_rt *rt, bool withdraw)
{
	size_t i;

	workload_http_stop(rt);
	if (withdraw)
		for (i = 0; i < rt->st.nwls; i++)
			workload_publish(rt, &rt->st.wls[i], true);
	workload_state_free(&rt->st);
	rt->loaded = false;
}

/* For BGP's listen ranges with workloads = true (ferryd_workload_known). */
static int
workload_known(void *arg, const struct addr *a)
{
	const struct workload_rt *rt = arg;
	size_t i;

	if (!rt->loaded)
		return 0;
	for (i = 0; i < rt->st.nwls; i++)
		if (addr_cmp(&rt->st.wls[i].endpoint, a) == 0)
			return 1;
	return 0;
}

static void *
workload_start(struct ferryd *d, const void *conf)
{
	struct workload_rt *rt = xcalloc(1, sizeof(*rt));
	size_t i;

	rt->d = d;
	rt->conf = conf;
	ferryd_workload_known_provide(d, workload_known, rt);
	for (i = 0; i < sizeof(ctl_commands) / sizeof(ctl_commands[0]); i++)
		control_register(
		    d->control, ctl_commands[i].name, ctl_commands[i].fn, rt);
	/* A broken state file or endpoint keeps the rest of ferryd up. */
	if (rt->conf->enabled)
		workload_activate(rt);
	return rt;
}

static bool
str_same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static bool
workload_conf_same(const struct workload_conf *a, const struct workload_conf *b)
{
	return a->enabled == b->enabled &&
	    addr_cmp(&a->listen, &b->listen) == 0 && a->port == b->port &&
	    a->npools == b->npools &&
	    (a->npools == 0 ||
		memcmp(a->pools, b->pools, a->npools * sizeof(*a->pools)) ==
		    0) &&
	    a->vni == b->vni && addr_cmp(&a->endpoint, &b->endpoint) == 0 &&
	    str_same(a->state_file, b->state_file) &&
	    str_same(a->tls_key, b->tls_key) &&
	    str_same(a->tls_cert, b->tls_cert) &&
	    a->max_request == b->max_request && a->timeout == b->timeout &&
	    a->max_failures == b->max_failures && a->rate == b->rate &&
	    a->max_connections == b->max_connections;
}

static int
workload_reload(void *arg, const void *old_arg, const void *new_arg)
{
	struct workload_rt *rt = arg;
	const struct workload_conf *old = old_arg, *new = new_arg;

	/* Unchanged (another section was edited): leave the endpoint be. */
	if (workload_conf_same(old, new) && (!new->enabled || rt->loaded)) {
		rt->conf = new;
		return 0;
	}
	/* Any change restarts the endpoint; joined VMs keep their tunnels. */
	if (old->enabled)
		workload_deactivate(rt, !new->enabled);
	rt->conf = new;
	if (new->enabled)
		return workload_activate(rt);
	return 0;
}

static void
workload_stop(void *arg)
{
	struct workload_rt *rt = arg;
	size_t i;

	/* Tunnels stay in the pinned maps: a restart adopts them. */
	workload_deactivate(rt, false);
	ferryd_workload_known_provide(rt->d, NULL, NULL);
	for (i = 0; i < sizeof(ctl_commands) / sizeof(ctl_commands[0]); i++)
		control_unregister(rt->d->control, ctl_commands[i].name);
	free(rt);
}

const struct ferry_module workload_module = {
	.name = "workloads",
	.parse_conf = workload_conf_parse,
	.free_conf = workload_conf_free,
	.dump_conf = workload_conf_dump,
	.start = workload_start,
	.reload = workload_reload,
	.stop = workload_stop,
};
