/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The workloads config section: the enrollment endpoint for `ferry-join`,
 * off unless the section is there.
 *
 *	workloads = {
 *		listen = "0.0.0.0:9583";	# HTTPS (TLS 1.3 only)
 *		pool = [ "10.250.0.0/24", "fd00:250::/64" ];
 *		vni = 1;			# default: the overlay's
 *		endpoint = "192.0.2.1";		# default: the address the
 *						# VM connected to
 *		state-file = "/var/lib/ferry/workloads.json";
 *		tls = { key = "/etc/ferry/workloads.key";
 *			cert = "/etc/ferry/workloads.crt"; };
 *		limits = { max-request = 4096; timeout = 10; failures = 5;
 *			   rate = 50; connections = 64; };
 *	};
 *
 * A workload is a tunnel, so the overlay section must exist; the pool must
 * not overlap the VTEP switches' prefixes, whose entries would refuse the
 * workloads' (vtep.h: sources never take over each other's entries).  The
 * key and certificate are files: ferryd reads them when it starts the
 * endpoint, and the config test only checks that they are named.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "module.h"
#include "vtep.h"
#include "workload_int.h"
#include "xalloc.h"

#define VNI_MAX 16777215

static void
parse_pool(struct conf_errs *e, const config_setting_t *list,
    const struct ferry_config *cf, struct workload_conf *wc)
{
	struct prefix *vteps = NULL;
	const config_setting_t *el;
	const char *s;
	char buf[PREFIX_STRLEN];
	size_t i, j, n, nv;

	n = (size_t)config_setting_length(list);
	if (n == 0) {
		conf_err(e, list, "the pool needs at least one prefix");
		return;
	}
	wc->pools = xcalloc(n, sizeof(*wc->pools));
	nv = vtep_conf_prefixes(cf, &vteps);
	for (i = 0; i < n; i++) {
		el = config_setting_get_elem(list, (unsigned)i);
		if (config_setting_type(el) != CONFIG_TYPE_STRING) {
			conf_err(e, el, "expected a prefix (a string)");
			continue;
		}
		s = config_setting_get_string(el);
		if (prefix_parse(s, &wc->pools[i], true) == -1) {
			conf_err(e, el,
			    "\"%s\" is not a prefix (address/length, host "
			    "bits zero)",
			    s);
			memset(&wc->pools[i], 0, sizeof(wc->pools[i]));
			continue;
		}
		if (wc->pools[i].len >= addr_bits(wc->pools[i].addr.family) -
			(wc->pools[i].addr.family == AF_INET ? 1 : 0)) {
			conf_err(e, el, "prefix %s holds no workload address",
			    prefix_fmt(&wc->pools[i], buf, sizeof(buf)));
			memset(&wc->pools[i], 0, sizeof(wc->pools[i]));
			continue;
		}
		for (j = 0; j < i; j++)
			if (wc->pools[j].addr.family != 0 &&
			    prefix_overlaps(&wc->pools[j], &wc->pools[i]))
				conf_err(e, el, "prefix %s overlaps pool [%zu]",
				    prefix_fmt(&wc->pools[i], buf, sizeof(buf)),
				    j);
		for (j = 0; j < nv; j++)
			if (prefix_overlaps(&vteps[j], &wc->pools[i]))
				conf_err(e, el,
				    "prefix %s overlaps a VTEP switch's "
				    "prefix %s",
				    prefix_fmt(&wc->pools[i], buf, sizeof(buf)),
				    prefix_fmt(&vteps[j],
					(char[PREFIX_STRLEN]){ 0 },
					PREFIX_STRLEN));
	}
	wc->npools = n;
	free(vteps);
}

static void
parse_tls(
    struct conf_errs *e, const config_setting_t *g, struct workload_conf *wc)
{
	static const char *const keys[] = { "key", "cert", NULL };
	const char *s;

	conf_check_keys(e, g, keys);
	if (conf_get_string(e, g, "key", &s) == 1)
		wc->tls_key = xstrdup(s);
	else if (config_setting_get_member(g, "key") == NULL)
		conf_err_missing(e, g, "key");
	if (conf_get_string(e, g, "cert", &s) == 1)
		wc->tls_cert = xstrdup(s);
	else if (config_setting_get_member(g, "cert") == NULL)
		conf_err_missing(e, g, "cert");
}

static void
parse_limits(
    struct conf_errs *e, const config_setting_t *g, struct workload_conf *wc)
{
	static const char *const keys[] = { "max-request", "timeout",
		"failures", "rate", "connections", NULL };
	uint64_t v;

	conf_check_keys(e, g, keys);
	if (conf_get_uint(e, g, "max-request", 256, 65536, &v) == 1)
		wc->max_request = (unsigned)v;
	if (conf_get_uint(e, g, "timeout", 1, 300, &v) == 1)
		wc->timeout = (unsigned)v;
	if (conf_get_uint(e, g, "failures", 1, 1000, &v) == 1)
		wc->max_failures = (unsigned)v;
	if (conf_get_uint(e, g, "rate", 1, 100000, &v) == 1)
		wc->rate = (unsigned)v;
	if (conf_get_uint(e, g, "connections", 1, 4096, &v) == 1)
		wc->max_connections = (unsigned)v;
}

void *
workload_conf_parse(const config_setting_t *sec, const struct ferry_config *cf,
    struct conf_errs *e)
{
	static const char *const keys[] = { "listen", "pool", "vni", "endpoint",
		"state-file", "tls", "limits", NULL };
	struct workload_conf *wc = xcalloc(1, sizeof(*wc));
	const config_setting_t *s;
	const char *str;
	uint64_t v;
	uint32_t ovni;

	addr_parse("0.0.0.0", &wc->listen);
	wc->port = WORKLOAD_DEFAULT_PORT;
	wc->state_file = xstrdup(WORKLOAD_DEFAULT_STATE);
	wc->max_request = WORKLOAD_DEFAULT_MAX_REQ;
	wc->timeout = WORKLOAD_DEFAULT_TIMEOUT;
	wc->max_failures = WORKLOAD_DEFAULT_FAILS;
	wc->rate = WORKLOAD_DEFAULT_RATE;
	wc->max_connections = WORKLOAD_DEFAULT_MAX_CONN;
	if (sec == NULL)
		return wc;
	wc->enabled = true;
	conf_check_keys(e, sec, keys);
	if (!vtep_conf_present(cf, &ovni)) {
		conf_err(e, sec, "workloads need an overlay section");
		ovni = 1;
	}
	wc->vni = ovni;
	if (conf_get_string(e, sec, "listen", &str) == 1 &&
	    hostport_parse(str, &wc->listen, &wc->port) == -1)
		conf_err(e, config_setting_get_member(sec, "listen"),
		    "\"%s\" is not ADDRESS:PORT ([ADDRESS]:PORT for IPv6)",
		    str);
	if ((s = config_setting_get_member(sec, "pool")) == NULL)
		conf_err_missing(e, sec, "pool");
	else if (conf_want_list(e, s))
		parse_pool(e, s, cf, wc);
	if (conf_get_uint(e, sec, "vni", 0, VNI_MAX, &v) == 1)
		wc->vni = (uint32_t)v;
	conf_get_addr(e, sec, "endpoint", 0, &wc->endpoint);
	if (conf_get_string(e, sec, "state-file", &str) == 1) {
		if (str[0] != '/')
			conf_err(e,
			    config_setting_get_member(sec, "state-file"),
			    "\"%s\" is not an absolute path", str);
		free(wc->state_file);
		wc->state_file = xstrdup(str);
	}
	if ((s = config_setting_get_member(sec, "tls")) == NULL)
		conf_err_missing(e, sec, "tls");
	else if (conf_want_group(e, s))
		parse_tls(e, s, wc);
	if ((s = config_setting_get_member(sec, "limits")) != NULL &&
	    conf_want_group(e, s))
		parse_limits(e, s, wc);
	return wc;
}

void
workload_conf_free(void *arg)
{
	struct workload_conf *wc = arg;

	if (wc == NULL)
		return;
	free(wc->pools);
	free(wc->state_file);
	free(wc->tls_key);
	free(wc->tls_cert);
	free(wc);
}

void
workload_conf_dump(const void *arg, config_setting_t *root)
{
	const struct workload_conf *wc = arg;
	config_setting_t *out, *list, *g;
	char buf[ADDR_STRLEN + 8], a[ADDR_STRLEN];
	size_t i;

	if (!wc->enabled)
		return;
	out = conf_dump_group(root, "workloads");
	addr_fmt(&wc->listen, a, sizeof(a));
	snprintf(buf, sizeof(buf),
	    wc->listen.family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, wc->port);
	conf_dump_string(out, "listen", buf);
	list = config_setting_add(out, "pool", CONFIG_TYPE_ARRAY);
	for (i = 0; i < wc->npools; i++)
		config_setting_set_string(
		    config_setting_add(list, NULL, CONFIG_TYPE_STRING),
		    prefix_fmt(&wc->pools[i], (char[PREFIX_STRLEN]){ 0 },
			PREFIX_STRLEN));
	conf_dump_uint(out, "vni", wc->vni);
	if (wc->endpoint.family != 0)
		conf_dump_addr(out, "endpoint", &wc->endpoint);
	conf_dump_string(out, "state-file", wc->state_file);
	g = conf_dump_group(out, "tls");
	conf_dump_string(g, "key", wc->tls_key != NULL ? wc->tls_key : "");
	conf_dump_string(g, "cert", wc->tls_cert != NULL ? wc->tls_cert : "");
	g = conf_dump_group(out, "limits");
	conf_dump_uint(g, "max-request", wc->max_request);
	conf_dump_uint(g, "timeout", wc->timeout);
	conf_dump_uint(g, "failures", wc->max_failures);
	conf_dump_uint(g, "rate", wc->rate);
	conf_dump_uint(g, "connections", wc->max_connections);
}
