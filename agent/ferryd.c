/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The daemon's life: start every part from a loaded config, reload by
 * diffing an old and a new config, stop in reverse order.  Also the
 * agent's own control commands (status, reload, config) and metrics.
 * main.c handles the command line and process set-up around this.
 */
#include <sys/resource.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "conf.h"
#include "control.h"
#include "ferryd.h"
#include "ferryd_int.h"
#include "log.h"
#include "metrics.h"
#include "module.h"
#include "xalloc.h"

static struct json_object *
ferryd_status(struct ferryd *d)
{
	struct json_object *st, *objs;
	const struct objcount *c;

	st = json_object_new_object();
	json_object_object_add(
	    st, "version", json_object_new_string(PACKAGE_VERSION));
	json_object_object_add(st, "pid", json_object_new_int(getpid()));
	json_object_object_add(
	    st, "started", json_object_new_int64(d->started));
	json_object_object_add(
	    st, "uptime", json_object_new_int64(time(NULL) - d->started));
	json_object_object_add(
	    st, "config-file", json_object_new_string(d->conf_file));
	json_object_object_add(
	    st, "reloads", json_object_new_int64((int64_t)d->reloads_ok));
	json_object_object_add(st, "reload-failures",
	    json_object_new_int64((int64_t)d->reloads_failed));
	json_object_object_add(st, "control-clients",
	    json_object_new_int((int)control_nclients(d->control)));
	objs = json_object_new_object();
	for (c = objcount_first(); c != NULL; c = c->next)
		json_object_object_add(
		    objs, c->name, json_object_new_int64(c->live));
	json_object_object_add(st, "objects", objs);
	return st;
}

static struct json_object *
ctl_status(void *arg, struct json_object *args, char *err, size_t errlen)
{
	(void)args;
	(void)err;
	(void)errlen;
	return ferryd_status(arg);
}

static struct json_object *
ctl_reload(void *arg, struct json_object *args, char *err, size_t errlen)
{
	struct ferryd *d = arg;
	struct conf_errs errs;
	size_t i, used = 0;

	(void)args;
	conf_errs_init(&errs, d->conf_file);
	if (ferryd_reload(d, &errs) == 0) {
		conf_errs_clear(&errs);
		return json_object_new_object();
	}
	if (errs.n == 0) {
		/* Parsed and applied, but a part could not apply all of it
		 * (ferryd_reload): the log says what. */
		snprintf(err, errlen,
		    "reload applied in part: the new config is running, but "
		    "some of it could not be applied (see the log)");
		conf_errs_clear(&errs);
		return NULL;
	}
	/* Every error, one per line, as ferryd -n would print them. */
	snprintf(err, errlen, "reload failed, running config kept");
	for (i = 0; i < errs.n; i++) {
		used = strlen(err);
		snprintf(err + used, errlen - used, "\n%s", errs.msg[i]);
	}
	conf_errs_clear(&errs);
	return NULL;
}

static struct json_object *
ctl_config(void *arg, struct json_object *args, char *err, size_t errlen)
{
	struct ferryd *d = arg;
	struct json_object *j;
	config_t lc;

	(void)args;
	(void)err;
	(void)errlen;
	conf_dump(d->conf, &lc);
	j = conf_to_json(&lc);
	config_destroy(&lc);
	return j;
}

static long
rss_bytes(void)
{
	long pages = 0, rss = 0;
	FILE *f;

	if ((f = fopen("/proc/self/statm", "r")) == NULL)
		return 0;
	if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
		rss = 0;
	fclose(f);
	return rss * sysconf(_SC_PAGESIZE);
}

static void
ferryd_metrics(void *arg, FILE *f)
{
	struct ferryd *d = arg;
	const struct objcount *c;
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	metrics_family(
	    f, "ferry_build_info", "gauge", "Version of the running ferryd.");
	fprintf(f, "ferry_build_info{version=\"%s\"} 1\n", PACKAGE_VERSION);
	metrics_family(f, "ferry_start_time_seconds", "gauge",
	    "Start time of ferryd since the Unix epoch.");
	fprintf(f, "ferry_start_time_seconds %lld\n", (long long)d->started);
	metrics_family(f, "ferry_process_resident_memory_bytes", "gauge",
	    "Resident memory of ferryd.");
	fprintf(f, "ferry_process_resident_memory_bytes %ld\n", rss_bytes());
	metrics_family(f, "ferry_process_cpu_seconds_total", "counter",
	    "User and system CPU time of ferryd.");
	fprintf(f, "ferry_process_cpu_seconds_total %.3f\n",
	    (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
		(double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
	metrics_family(f, "ferry_config_reloads_total", "counter",
	    "Config reloads by result.");
	fprintf(f,
	    "ferry_config_reloads_total{result=\"success\"} %" PRIu64 "\n",
	    d->reloads_ok);
	fprintf(f,
	    "ferry_config_reloads_total{result=\"failure\"} %" PRIu64 "\n",
	    d->reloads_failed);
	metrics_family(f, "ferry_control_clients", "gauge",
	    "Clients connected to the control socket.");
	fprintf(f, "ferry_control_clients %u\n", control_nclients(d->control));
	metrics_family(
	    f, "ferry_objects_live", "gauge", "Live objects by type.");
	for (c = objcount_first(); c != NULL; c = c->next)
		fprintf(f, "ferry_objects_live{type=\"%s\"} %" PRId64 "\n",
		    c->name, c->live);
}

int
ferryd_start(struct ferryd *d)
{
	unsigned i;

	d->started = time(NULL);
	log_set_level(d->debug ? LOG_DEBUG : d->conf->log.level);
	d->control = control_new(d->loop);
	control_register(d->control, "status", ctl_status, d);
	control_register(d->control, "reload", ctl_reload, d);
	control_register(d->control, "config", ctl_config, d);
	if (control_configure(d->control, &d->conf->control) == -1)
		return -1;
	d->metrics = metrics_new(d->loop);
	metrics_register(d->metrics, ferryd_metrics, d);
	if (metrics_configure(d->metrics, &d->conf->metrics) == -1)
		return -1;
	for (i = 0; i < ferry_nmodules; i++) {
		d->mod_state[i] = ferry_modules[i]->start(d, d->conf->mod[i]);
		if (d->mod_state[i] == NULL) {
			log_err("module failed to start: module=%s",
			    ferry_modules[i]->name);
			return -1;
		}
	}
	log_info("ferryd started: version=%s pid=%d config=%s", PACKAGE_VERSION,
	    (int)getpid(), d->conf_file);
	return 0;
}

int
ferryd_reload(struct ferryd *d, struct conf_errs *errs)
{
	struct ferry_config *old = d->conf, *new;
	unsigned i;
	int rc = 0;
	size_t k;

	log_info("reloading config: file=%s", d->conf_file);
	if ((new = conf_load(d->conf_file, NULL, errs)) == NULL) {
		for (k = 0; k < errs->n; k++)
			log_err("%s", errs->msg[k]);
		log_err(
		    "reload failed, running config kept: errors=%zu", errs->n);
		d->reloads_failed++;
		return -1;
	}
	log_set_level(d->debug ? LOG_DEBUG : new->log.level);
	if (control_configure(d->control, &new->control) == -1)
		rc = -1;
	if (metrics_configure(d->metrics, &new->metrics) == -1)
		rc = -1;
	for (i = 0; i < ferry_nmodules; i++)
		if (ferry_modules[i]->reload(
			d->mod_state[i], old->mod[i], new->mod[i]) == -1)
			rc = -1;
	/*
	 * The new config is now the running one even if a part could not
	 * apply it (a busy port, say): what failed was logged, and the
	 * next reload tries again from the new baseline.
	 */
	d->conf = new;
	conf_free(old);
	if (rc == 0)
		d->reloads_ok++;
	else
		d->reloads_failed++;
	log_info("config reloaded: result=%s", rc == 0 ? "ok" : "partial");
	return rc;
}

void
ferryd_stop(struct ferryd *d)
{
	unsigned i;

	for (i = ferry_nmodules; i-- > 0;)
		if (d->mod_state[i] != NULL) {
			ferry_modules[i]->stop(d->mod_state[i]);
			d->mod_state[i] = NULL;
		}
	metrics_free(d->metrics);
	control_free(d->control);
	d->metrics = NULL;
	d->control = NULL;
}

void
ferryd_overlay_subscribe(struct ferryd *d, ferry_overlay_fn fn, void *arg)
{
	d->overlay_fn = fn;
	d->overlay_arg = arg;
}

void
ferryd_overlay_publish(struct ferryd *d, const struct ferry_overlay_route *r)
{
	if (d->overlay_fn != NULL)
		d->overlay_fn(d->overlay_arg, r);
}

void
ferryd_overlay_counters_provide(
    struct ferryd *d, ferry_overlay_counters_fn fn, void *arg)
{
	d->overlay_counters_fn = fn;
	d->overlay_counters_arg = arg;
}

int
ferryd_overlay_counters(
    struct ferryd *d, const struct prefix *p, struct ferry_overlay_counters *c)
{
	memset(c, 0, sizeof(*c));
	if (d->overlay_counters_fn == NULL)
		return -1;
	return d->overlay_counters_fn(d->overlay_counters_arg, p, c);
}

void
ferryd_peer_reset_provide(struct ferryd *d, ferry_peer_reset_fn fn, void *arg)
{
	d->peer_reset_fn = fn;
	d->peer_reset_arg = arg;
}

int
ferryd_peer_reset(struct ferryd *d, const struct addr *a)
{
	if (d->peer_reset_fn == NULL)
		return -1;
	return d->peer_reset_fn(d->peer_reset_arg, a);
}

void
ferryd_peer_healthy_provide(
    struct ferryd *d, ferry_peer_healthy_fn fn, void *arg)
{
	d->peer_healthy_fn = fn;
	d->peer_healthy_arg = arg;
}

int
ferryd_peer_healthy(struct ferryd *d, const struct addr *a)
{
	if (d->peer_healthy_fn == NULL)
		return -1;
	return d->peer_healthy_fn(d->peer_healthy_arg, a);
}

void
ferryd_peer_health_subscribe(
    struct ferryd *d, ferry_peer_health_fn fn, void *arg)
{
	d->peer_health_fn = fn;
	d->peer_health_arg = arg;
}

void
ferryd_peer_health_publish(struct ferryd *d, const struct addr *a, bool healthy)
{
	if (d->peer_health_fn != NULL)
		d->peer_health_fn(d->peer_health_arg, a, healthy);
}

void
ferryd_egress_gate_provide(struct ferryd *d, ferry_egress_gate_fn fn, void *arg)
{
	d->egress_gate_fn = fn;
	d->egress_gate_arg = arg;
}

bool
ferryd_egress_gate(struct ferryd *d)
{
	return d->egress_gate_fn == NULL ||
	    d->egress_gate_fn(d->egress_gate_arg);
}

void
ferryd_egress_open_subscribe(
    struct ferryd *d, ferry_egress_open_fn fn, void *arg)
{
	d->egress_open_fn = fn;
	d->egress_open_arg = arg;
}

void
ferryd_egress_gate_open(struct ferryd *d)
{
	if (d->egress_open_fn != NULL)
		d->egress_open_fn(d->egress_open_arg);
}

void
ferryd_workload_known_provide(
    struct ferryd *d, ferry_workload_known_fn fn, void *arg)
{
	d->workload_known_fn = fn;
	d->workload_known_arg = arg;
}

int
ferryd_workload_known(struct ferryd *d, const struct addr *a)
{
	if (d->workload_known_fn == NULL)
		return -1;
	return d->workload_known_fn(d->workload_known_arg, a);
}
