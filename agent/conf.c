/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Configuration loading (see config.h): libconfig parsing, the global keys,
 * the module sections, and the normalized dump.
 *
 * Validation never stops at the first problem: each parser records an
 * error and carries on with a default, so one run of `ferryd -n` lists
 * every mistake in the file.  Only when no error was recorded is the
 * result handed out.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <ifaddrs.h>
#include <net/if.h>

#include <json-c/json.h>

#include "conf.h"
#include "log.h"
#include "module.h"
#include "xalloc.h"

OBJCOUNT(config);

#define CONTROL_MAX_CLIENTS 64
#define CONTROL_MAX_REQUEST 65536
#define CONTROL_TIMEOUT	    30

void
conf_errs_init(struct conf_errs *e, const char *file)
{
	memset(e, 0, sizeof(*e));
	e->file = file;
}

void
conf_errs_clear(struct conf_errs *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		free(e->msg[i]);
	free(e->msg);
	free(e->line);
	e->msg = NULL;
	e->line = NULL;
	e->n = 0;
}

static void
conf_errs_add(struct conf_errs *e, unsigned line, char *msg)
{
	e->msg = xreallocarray(e->msg, e->n + 1, sizeof(*e->msg));
	e->line = xreallocarray(e->line, e->n + 1, sizeof(*e->line));
	e->msg[e->n] = msg;
	e->line[e->n++] = line;
}

/* Stable sort by line, so errors read in file order. */
static void
conf_errs_sort(struct conf_errs *e)
{
	size_t i, j;
	unsigned line;
	char *msg;

	for (i = 1; i < e->n; i++) {
		line = e->line[i];
		msg = e->msg[i];
		for (j = i; j > 0 && e->line[j - 1] > line; j--) {
			e->line[j] = e->line[j - 1];
			e->msg[j] = e->msg[j - 1];
		}
		e->line[j] = line;
		e->msg[j] = msg;
	}
}

/* The full path of a setting: "bgp.neighbors.[2].asn". */
static void
conf_path(const config_setting_t *s, char *buf, size_t len)
{
	const config_setting_t *parent = config_setting_parent(s);
	char here[64];
	size_t used;

	if (parent == NULL) {
		buf[0] = '\0';
		return;
	}
	conf_path(parent, buf, len);
	if (config_setting_name(s) != NULL)
		snprintf(here, sizeof(here), "%s", config_setting_name(s));
	else
		snprintf(here, sizeof(here), "[%d]", config_setting_index(s));
	used = strlen(buf);
	snprintf(buf + used, len - used, "%s%s", used > 0 ? "." : "", here);
}

static const char *
conf_file(const struct conf_errs *e, const config_setting_t *s)
{
	const char *f = s != NULL ? config_setting_source_file(s) : NULL;

	if (f != NULL)
		return f;
	return e->file != NULL ? e->file : "-";
}

static void
conf_verr(struct conf_errs *e, const config_setting_t *s, const char *key,
    const char *fmt, va_list ap)
{
	char path[256], text[512], *msg;
	unsigned line = config_setting_source_line(s);

	conf_path(s, path, sizeof(path));
	if (key != NULL) {
		size_t used = strlen(path);

		snprintf(path + used, sizeof(path) - used, "%s%s",
		    used > 0 ? "." : "", key);
	}
	vsnprintf(text, sizeof(text), fmt, ap);
	if (line > 0)
		xasprintf(&msg, "%s:%u: %s: %s", conf_file(e, s), line,
		    path[0] != '\0' ? path : "(top)", text);
	else
		xasprintf(&msg, "%s: %s: %s", conf_file(e, s),
		    path[0] != '\0' ? path : "(top)", text);
	conf_errs_add(e, line, msg);
}

void
conf_err(struct conf_errs *e, const config_setting_t *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_verr(e, s, NULL, fmt, ap);
	va_end(ap);
}

static void
conf_err_key(struct conf_errs *e, const config_setting_t *group,
    const char *key, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_verr(e, group, key, fmt, ap);
	va_end(ap);
}

void
conf_err_missing(
    struct conf_errs *e, const config_setting_t *group, const char *key)
{
	conf_err_key(e, group, key, "required key is missing");
}

void
conf_check_keys(struct conf_errs *e, const config_setting_t *group,
    const char *const *known)
{
	const config_setting_t *s;
	const char *const *k;
	int i;

	for (i = 0; (s = config_setting_get_elem(group, i)) != NULL; i++) {
		for (k = known; *k != NULL; k++)
			if (strcmp(*k, config_setting_name(s)) == 0)
				break;
		if (*k == NULL)
			conf_err(e, s, "unknown key");
	}
}

bool
conf_want_group(struct conf_errs *e, const config_setting_t *s)
{
	if (config_setting_is_group(s))
		return true;
	conf_err(e, s, "expected a group { ... }");
	return false;
}

bool
conf_want_list(struct conf_errs *e, const config_setting_t *s)
{
	if (config_setting_is_list(s) || config_setting_is_array(s))
		return true;
	conf_err(e, s, "expected a list ( ... )");
	return false;
}

int
conf_get_string(struct conf_errs *e, const config_setting_t *group,
    const char *key, const char **out)
{
	const config_setting_t *s;

	if ((s = config_setting_get_member(group, key)) == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		conf_err(e, s, "expected a string");
		return -1;
	}
	*out = config_setting_get_string(s);
	return 1;
}

int
conf_get_uint(struct conf_errs *e, const config_setting_t *group,
    const char *key, uint64_t min, uint64_t max, uint64_t *out)
{
	const config_setting_t *s;
	long long v;

	if ((s = config_setting_get_member(group, key)) == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64) {
		conf_err(e, s, "expected an integer");
		return -1;
	}
	v = config_setting_get_int64(s);
	if (config_setting_type(s) == CONFIG_TYPE_INT)
		v = config_setting_get_int(s);
	if (v < 0 || (uint64_t)v < min || (uint64_t)v > max) {
		/* libconfig 1.5 wraps an integer above 2^31 - 1 written
		 * without an L suffix: say so when that is likely. */
		conf_err(e, s,
		    "%lld is out of range %" PRIu64 "..%" PRIu64 "%s", v, min,
		    max,
		    v < 0 && config_setting_type(s) == CONFIG_TYPE_INT &&
			    max > INT32_MAX
			? " (write numbers above 2147483647 with an L suffix)"
			: "");
		return -1;
	}
	*out = (uint64_t)v;
	return 1;
}

int
conf_get_bool(struct conf_errs *e, const config_setting_t *group,
    const char *key, bool *out)
{
	const config_setting_t *s;

	if ((s = config_setting_get_member(group, key)) == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
		conf_err(e, s, "expected true or false");
		return -1;
	}
	*out = config_setting_get_bool(s) != 0;
	return 1;
}

int
conf_get_addr(struct conf_errs *e, const config_setting_t *group,
    const char *key, int family, struct addr *out)
{
	const char *str;
	struct addr a;
	int rc;

	if ((rc = conf_get_string(e, group, key, &str)) != 1)
		return rc;
	if (addr_parse(str, &a) == -1 || (family != 0 && a.family != family)) {
		conf_err(e, config_setting_get_member(group, key),
		    "\"%s\" is not an %s address", str,
		    family == AF_INET	     ? "IPv4"
			: family == AF_INET6 ? "IPv6"
					     : "IP");
		return -1;
	}
	*out = a;
	return 1;
}

int
conf_get_prefix(struct conf_errs *e, const config_setting_t *group,
    const char *key, struct prefix *out)
{
	const char *str;
	struct prefix p;
	int rc;

	if ((rc = conf_get_string(e, group, key, &str)) != 1)
		return rc;
	if (prefix_parse(str, &p, true) == -1) {
		conf_err(e, config_setting_get_member(group, key),
		    "\"%s\" is not a prefix (address/length, host bits zero)",
		    str);
		return -1;
	}
	*out = p;
	return 1;
}

int
conf_get_enum(struct conf_errs *e, const config_setting_t *group,
    const char *key, const char *const *names, int *out)
{
	char allowed[256] = "";
	const char *str;
	size_t used;
	int i, rc;

	if ((rc = conf_get_string(e, group, key, &str)) != 1)
		return rc;
	for (i = 0; names[i] != NULL; i++)
		if (strcmp(names[i], str) == 0) {
			*out = i;
			return 1;
		}
	for (i = 0; names[i] != NULL; i++) {
		used = strlen(allowed);
		snprintf(allowed + used, sizeof(allowed) - used, "%s%s",
		    i > 0 ? ", " : "", names[i]);
	}
	conf_err(e, config_setting_get_member(group, key),
	    "\"%s\" is not one of: %s", str, allowed);
	return -1;
}

static void
conf_parse_log(
    struct conf_errs *e, const config_setting_t *sec, struct conf_log *log)
{
	static const char *const keys[] = { "level", "facility", NULL };
	const char *str;

	log->level = LOG_INFO;
	log->facility = LOG_DAEMON;
	if (sec == NULL || !conf_want_group(e, sec))
		return;
	conf_check_keys(e, sec, keys);
	if (conf_get_string(e, sec, "level", &str) == 1 &&
	    (log->level = log_level_parse(str)) == -1) {
		conf_err(e, config_setting_get_member(sec, "level"),
		    "\"%s\" is not one of: error, warning, notice, info, "
		    "debug",
		    str);
		log->level = LOG_INFO;
	}
	if (conf_get_string(e, sec, "facility", &str) == 1 &&
	    (log->facility = log_facility_parse(str)) == -1) {
		conf_err(e, config_setting_get_member(sec, "facility"),
		    "\"%s\" is not one of: daemon, local0 .. local7", str);
		log->facility = LOG_DAEMON;
	}
}

static void
conf_parse_control(
    struct conf_errs *e, const config_setting_t *sec, struct conf_control *c)
{
	static const char *const keys[] = { "socket", "max-clients",
		"max-request", "timeout", NULL };
	const char *str = FERRY_DEFAULT_SOCKET;
	uint64_t v;

	c->max_clients = CONTROL_MAX_CLIENTS;
	c->max_request = CONTROL_MAX_REQUEST;
	c->timeout = CONTROL_TIMEOUT;
	if (sec != NULL && conf_want_group(e, sec)) {
		conf_check_keys(e, sec, keys);
		if (conf_get_string(e, sec, "socket", &str) == 1 &&
		    (str[0] != '/' || strlen(str) >= 108)) {
			conf_err(e, config_setting_get_member(sec, "socket"),
			    "must be an absolute path shorter than 108 bytes");
			str = FERRY_DEFAULT_SOCKET;
		}
		if (conf_get_uint(e, sec, "max-clients", 1, 4096, &v) == 1)
			c->max_clients = (unsigned)v;
		if (conf_get_uint(e, sec, "max-request", 1024, 16 << 20, &v) ==
		    1)
			c->max_request = (unsigned)v;
		if (conf_get_uint(e, sec, "timeout", 1, 3600, &v) == 1)
			c->timeout = (unsigned)v;
	}
	c->socket = xstrdup(str);
}

static void
conf_parse_metrics(
    struct conf_errs *e, const config_setting_t *sec, struct conf_metrics *m)
{
	static const char *const keys[] = { "listen", NULL };
	const char *str;
	int rc;

	if (sec == NULL || !conf_want_group(e, sec))
		return;
	conf_check_keys(e, sec, keys);
	if ((rc = conf_get_string(e, sec, "listen", &str)) == 0)
		conf_err_missing(e, sec, "listen");
	else if (rc == 1 && hostport_parse(str, &m->addr, &m->port) == -1)
		conf_err(e, config_setting_get_member(sec, "listen"),
		    "\"%s\" is not address:port (IPv6 as [addr]:port)", str);
	else if (rc == 1)
		m->enabled = true;
}

static const struct ferry_module *
conf_module(const char *name, unsigned *idx)
{
	unsigned i;

	for (i = 0; i < ferry_nmodules; i++)
		if (strcmp(ferry_modules[i]->name, name) == 0) {
			*idx = i;
			return ferry_modules[i];
		}
	return NULL;
}

static void
conf_parse_root(
    struct conf_errs *e, const config_setting_t *root, struct ferry_config *cf)
{
	static const char *const global[] = { "router-id", "pid-file", "log",
		"control", "metrics", NULL };
	const config_setting_t *s;
	const char *str = FERRY_DEFAULT_PIDFILE;
	const char *const *k;
	unsigned i, idx;
	int rc;

	/* Unknown top-level keys: not a global key nor a module section. */
	for (i = 0; (s = config_setting_get_elem(root, i)) != NULL; i++) {
		for (k = global; *k != NULL; k++)
			if (strcmp(*k, config_setting_name(s)) == 0)
				break;
		if (*k == NULL &&
		    conf_module(config_setting_name(s), &idx) == NULL)
			conf_err(e, s, "unknown key or section");
	}

	if (conf_get_addr(e, root, "router-id", AF_INET, &cf->router_id) == 1 &&
	    cf->router_id.v4.s_addr == 0) {
		conf_err(e, config_setting_get_member(root, "router-id"),
		    "0.0.0.0 is not a valid router id");
		memset(&cf->router_id, 0, sizeof(cf->router_id));
	}
	if ((rc = conf_get_string(e, root, "pid-file", &str)) == 1 &&
	    str[0] != '/') {
		conf_err(e, config_setting_get_member(root, "pid-file"),
		    "must be an absolute path");
		str = FERRY_DEFAULT_PIDFILE;
	}
	cf->pid_file = xstrdup(rc == -1 ? FERRY_DEFAULT_PIDFILE : str);
	conf_parse_log(e, config_setting_get_member(root, "log"), &cf->log);
	conf_parse_control(
	    e, config_setting_get_member(root, "control"), &cf->control);
	conf_parse_metrics(
	    e, config_setting_get_member(root, "metrics"), &cf->metrics);

	for (i = 0; i < ferry_nmodules; i++) {
		size_t before = e->n;

		s = config_setting_get_member(root, ferry_modules[i]->name);
		if (s != NULL && !conf_want_group(e, s))
			continue;
		cf->mod[i] = ferry_modules[i]->parse_conf(s, cf, e);
		if (cf->mod[i] == NULL && e->n == before)
			fatal("module %s rejected its section without saying "
			      "why",
			    ferry_modules[i]->name);
	}
}

struct ferry_config *
conf_load(const char *file, const char *text, struct conf_errs *e)
{
	struct ferry_config *cf;
	config_t lc;
	char *msg;
	int ok;

	config_init(&lc);
	if (text != NULL)
		ok = config_read_string(&lc, text);
	else
		ok = config_read_file(&lc, file);
	if (!ok) {
		if (config_error_type(&lc) == CONFIG_ERR_FILE_IO)
			xasprintf(
			    &msg, "%s: cannot read: %s", file, strerror(errno));
		else
			xasprintf(&msg, "%s:%d: %s",
			    config_error_file(&lc) != NULL
				? config_error_file(&lc)
				: file,
			    config_error_line(&lc), config_error_text(&lc));
		conf_errs_add(e, (unsigned)config_error_line(&lc), msg);
		config_destroy(&lc);
		return NULL;
	}

	cf = xcalloc(1, sizeof(*cf));
	objcount_inc(&objcount_config);
	cf->file = xstrdup(file);
	conf_parse_root(e, config_root_setting(&lc), cf);
	config_destroy(&lc);
	conf_errs_sort(e);
	if (e->n > 0) {
		conf_free(cf);
		return NULL;
	}
	return cf;
}

void
conf_free(struct ferry_config *cf)
{
	unsigned i;

	if (cf == NULL)
		return;
	for (i = 0; i < ferry_nmodules; i++)
		if (cf->mod[i] != NULL)
			ferry_modules[i]->free_conf(cf->mod[i]);
	free(cf->file);
	free(cf->pid_file);
	free(cf->control.socket);
	free(cf);
	objcount_dec(&objcount_config);
}

int
conf_addr_local(const struct addr *a)
{
	struct ifaddrs *ifa, *i;
	struct addr b;
	int found = 0;

	if (getifaddrs(&ifa) == -1)
		return -1;
	for (i = ifa; i != NULL && !found; i = i->ifa_next) {
		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != a->family)
			continue;
		memset(&b, 0, sizeof(b));
		b.family = a->family;
		if (a->family == AF_INET)
			b.v4 = ((struct sockaddr_in *)(void *)i->ifa_addr)
				   ->sin_addr;
		else
			b.v6 = ((struct sockaddr_in6 *)(void *)i->ifa_addr)
				   ->sin6_addr;
		found = addr_cmp(a, &b) == 0;
	}
	freeifaddrs(ifa);
	return found;
}

bool
conf_ifname_valid(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n >= IFNAMSIZ)
		return false;
	for (i = 0; i < n; i++)
		if (s[i] == '/' || s[i] == ':' || s[i] <= ' ' || s[i] > '~')
			return false;
	return true;
}

config_setting_t *
conf_dump_group(config_setting_t *parent, const char *name)
{
	return config_setting_add(parent, name, CONFIG_TYPE_GROUP);
}

config_setting_t *
conf_dump_list(config_setting_t *parent, const char *name)
{
	return config_setting_add(parent, name, CONFIG_TYPE_LIST);
}

void
conf_dump_string(config_setting_t *g, const char *name, const char *v)
{
	config_setting_set_string(
	    config_setting_add(g, name, CONFIG_TYPE_STRING), v);
}

void
conf_dump_uint(config_setting_t *g, const char *name, uint64_t v)
{
	if (v <= INT32_MAX)
		config_setting_set_int(
		    config_setting_add(g, name, CONFIG_TYPE_INT), (int)v);
	else
		config_setting_set_int64(
		    config_setting_add(g, name, CONFIG_TYPE_INT64),
		    (long long)v);
}

void
conf_dump_bool(config_setting_t *g, const char *name, bool v)
{
	config_setting_set_bool(
	    config_setting_add(g, name, CONFIG_TYPE_BOOL), v);
}

void
conf_dump_addr(config_setting_t *g, const char *name, const struct addr *a)
{
	char buf[ADDR_STRLEN];

	conf_dump_string(g, name, addr_fmt(a, buf, sizeof(buf)));
}

void
conf_dump_prefix(config_setting_t *g, const char *name, const struct prefix *p)
{
	char buf[PREFIX_STRLEN];

	conf_dump_string(g, name, prefix_fmt(p, buf, sizeof(buf)));
}

static const char *
facility_name(int facility)
{
	static const char *const local[] = { "local0", "local1", "local2",
		"local3", "local4", "local5", "local6", "local7" };

	if (facility >= LOG_LOCAL0 && facility <= LOG_LOCAL7)
		return local[(facility - LOG_LOCAL0) >> 3];
	return "daemon";
}

void
conf_dump(const struct ferry_config *cf, config_t *lc)
{
	config_setting_t *root, *g;
	char buf[ADDR_STRLEN + 8];
	unsigned i;

	config_init(lc);
	root = config_root_setting(lc);
	if (cf->router_id.family != 0)
		conf_dump_addr(root, "router-id", &cf->router_id);
	conf_dump_string(root, "pid-file", cf->pid_file);

	g = conf_dump_group(root, "log");
	conf_dump_string(g, "level", log_level_name(cf->log.level));
	conf_dump_string(g, "facility", facility_name(cf->log.facility));

	g = conf_dump_group(root, "control");
	conf_dump_string(g, "socket", cf->control.socket);
	conf_dump_uint(g, "max-clients", cf->control.max_clients);
	conf_dump_uint(g, "max-request", cf->control.max_request);
	conf_dump_uint(g, "timeout", cf->control.timeout);

	if (cf->metrics.enabled) {
		char a[ADDR_STRLEN];

		addr_fmt(&cf->metrics.addr, a, sizeof(a));
		if (cf->metrics.addr.family == AF_INET6)
			snprintf(
			    buf, sizeof(buf), "[%s]:%u", a, cf->metrics.port);
		else
			snprintf(
			    buf, sizeof(buf), "%s:%u", a, cf->metrics.port);
		g = conf_dump_group(root, "metrics");
		conf_dump_string(g, "listen", buf);
	}

	for (i = 0; i < ferry_nmodules; i++) {
		if (cf->mod[i] == NULL)
			continue;
		ferry_modules[i]->dump_conf(cf->mod[i], root);
	}
}

static void
print_string(const char *s, FILE *f)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void
indent(int depth, FILE *f)
{
	while (depth-- > 0)
		fputc('\t', f);
}

static void
print_setting(const config_setting_t *s, int depth, bool last, FILE *f)
{
	const config_setting_t *c;
	const char *name = config_setting_name(s);
	int i, n, type = config_setting_type(s);

	indent(depth, f);
	if (name != NULL)
		fprintf(f, "%s = ", name);
	switch (type) {
	case CONFIG_TYPE_GROUP:
	case CONFIG_TYPE_LIST:
	case CONFIG_TYPE_ARRAY:
		n = config_setting_length(s);
		fputs(type == CONFIG_TYPE_GROUP	   ? "{"
			: type == CONFIG_TYPE_LIST ? "("
						   : "[",
		    f);
		fputs(n > 0 ? "\n" : "", f);
		for (i = 0; i < n; i++) {
			c = config_setting_get_elem(s, (unsigned)i);
			print_setting(c, depth + 1, i == n - 1, f);
		}
		if (n > 0)
			indent(depth, f);
		fputs(type == CONFIG_TYPE_GROUP	   ? "}"
			: type == CONFIG_TYPE_LIST ? ")"
						   : "]",
		    f);
		break;
	case CONFIG_TYPE_INT:
		fprintf(f, "%d", config_setting_get_int(s));
		break;
	case CONFIG_TYPE_INT64:
		fprintf(f, "%lldL", config_setting_get_int64(s));
		break;
	case CONFIG_TYPE_FLOAT:
		fprintf(f, "%g", config_setting_get_float(s));
		break;
	case CONFIG_TYPE_BOOL:
		fputs(config_setting_get_bool(s) ? "true" : "false", f);
		break;
	case CONFIG_TYPE_STRING:
		print_string(config_setting_get_string(s), f);
		break;
	}
	/* Members of a group end in ';', elements of a list in ','. */
	if (name != NULL)
		fputs(";\n", f);
	else
		fputs(last ? "\n" : ",\n", f);
}

void
conf_print(const config_t *lc, FILE *f)
{
	const config_setting_t *root = config_root_setting(lc);
	int i, n = config_setting_length(root);

	for (i = 0; i < n; i++)
		print_setting(config_setting_get_elem(root, (unsigned)i), 0,
		    i == n - 1, f);
}

static struct json_object *
setting_to_json(const config_setting_t *s)
{
	struct json_object *j;
	const config_setting_t *c;
	int i, n;

	switch (config_setting_type(s)) {
	case CONFIG_TYPE_GROUP:
		j = json_object_new_object();
		n = config_setting_length(s);
		for (i = 0; i < n; i++) {
			c = config_setting_get_elem(s, (unsigned)i);
			json_object_object_add(
			    j, config_setting_name(c), setting_to_json(c));
		}
		return j;
	case CONFIG_TYPE_LIST:
	case CONFIG_TYPE_ARRAY:
		j = json_object_new_array();
		n = config_setting_length(s);
		for (i = 0; i < n; i++)
			json_object_array_add(j,
			    setting_to_json(
				config_setting_get_elem(s, (unsigned)i)));
		return j;
	case CONFIG_TYPE_INT:
		return json_object_new_int64(config_setting_get_int(s));
	case CONFIG_TYPE_INT64:
		return json_object_new_int64(config_setting_get_int64(s));
	case CONFIG_TYPE_FLOAT:
		return json_object_new_double(config_setting_get_float(s));
	case CONFIG_TYPE_BOOL:
		return json_object_new_boolean(config_setting_get_bool(s));
	case CONFIG_TYPE_STRING:
		return json_object_new_string(config_setting_get_string(s));
	}
	return NULL;
}

struct json_object *
conf_to_json(const config_t *lc)
{
	return setting_to_json(config_root_setting(lc));
}
