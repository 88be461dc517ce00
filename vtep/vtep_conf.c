/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The overlay config section:
 *
 *	overlay = {
 *		device = "ferry0";		# the vxlan device ferryd owns
 *		port = 4789;			# VXLAN UDP port
 *		local = "192.0.2.1";		# IPv4 underlay source
 *		local6 = "2001:db8::1";		# IPv6 underlay source
 *		mtu = 1450;			# default: underlay MTU - 50
 *		mac = "02:fe:00:00:00:01";	# device MAC VTEPs send to
 *		vni = 1;			# default VNI of an entry
 *		underlay-decap = true;		# decapsulate in BPF on receive
 *		vteps = (
 *			{ name = "rack1"; endpoint = "192.0.2.10"; vni = 100;
 *			  mac = "02:00:00:00:01:01";
 *			  prefixes = ("10.100.1.0/24", "2001:db8:100::/64"); }
 *		);
 *	};
 *
 * Checks beyond types and ranges: a local address must be configured on
 * this host, every endpoint needs a local address of its family, and no
 * two VTEPs may claim overlapping prefixes (the tunnel for a destination
 * would depend on which is more specific, which is never what was meant).
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "module.h"
#include "vtep_int.h"
#include "xalloc.h"

static int
conf_get_mac(struct conf_errs *e, const config_setting_t *g, const char *key,
    uint8_t mac[6])
{
	const char *s;
	int rc;

	if ((rc = conf_get_string(e, g, key, &s)) != 1)
		return rc;
	if (mac_parse(s, mac) == -1) {
		conf_err(e, config_setting_get_member(g, key),
		    "\"%s\" is not a MAC address (xx:xx:xx:xx:xx:xx)", s);
		return -1;
	}
	return 1;
}

static void
parse_local(struct conf_errs *e, const config_setting_t *sec, const char *key,
    int family, struct addr *out)
{
	char buf[ADDR_STRLEN];

	if (conf_get_addr(e, sec, key, family, out) != 1)
		return;
	if (conf_addr_local(out) == 0) {
		conf_err(e, config_setting_get_member(sec, key),
		    "%s is not an address of this host",
		    addr_fmt(out, buf, sizeof(buf)));
		memset(out, 0, sizeof(*out));
	}
}

/*
 * prefixes[i] is always list element i: a bad one stays zeroed (family
 * 0), so that check_overlaps names the right element.  A config with an
 * error is never used, so nothing else sees those.
 */
static void
parse_prefixes(
    struct conf_errs *e, const config_setting_t *list, struct vtep_switch *sw)
{
	const config_setting_t *s;
	struct prefix p;
	size_t i, n = (size_t)config_setting_length(list);
	const char *str;

	sw->prefixes = xcalloc(n, sizeof(*sw->prefixes));
	sw->nprefixes = n;
	for (i = 0; i < n; i++) {
		s = config_setting_get_elem(list, (unsigned)i);
		if (config_setting_type(s) != CONFIG_TYPE_STRING) {
			conf_err(e, s, "expected a prefix string");
			continue;
		}
		str = config_setting_get_string(s);
		if (prefix_parse(str, &p, true) == -1) {
			conf_err(e, s,
			    "\"%s\" is not a prefix (address/length, host "
			    "bits zero)",
			    str);
			continue;
		}
		sw->prefixes[i] = p;
	}
	if (n == 0)
		conf_err(e, list, "needs at least one prefix");
}

static void
parse_switch(struct conf_errs *e, const config_setting_t *g,
    const struct vtep_conf *vc, struct vtep_switch *sw)
{
	static const char *const keys[] = { "name", "endpoint", "vni", "mac",
		"prefixes", NULL };
	const config_setting_t *list, *sec;
	const char *name;
	uint64_t v;
	int rc;

	conf_check_keys(e, g, keys);
	if ((rc = conf_get_string(e, g, "name", &name)) == 0)
		conf_err_missing(e, g, "name");
	else if (rc == 1 && name[0] == '\0')
		conf_err(e, config_setting_get_member(g, "name"),
		    "must not be empty");
	sw->name = xstrdup(rc == 1 ? name : "");
	/*
	 * The family needs its local key to be there.  Not to be valid: a
	 * bad one has its own error, and blaming every endpoint for it too
	 * ("needs overlay.local" right below a local = ...) misleads.
	 */
	sec = config_setting_parent(config_setting_parent(g));
	if ((rc = conf_get_addr(e, g, "endpoint", 0, &sw->endpoint)) == 0)
		conf_err_missing(e, g, "endpoint");
	else if (rc == 1 &&
	    config_setting_get_member(sec,
		sw->endpoint.family == AF_INET ? "local" : "local6") == NULL)
		conf_err(e, config_setting_get_member(g, "endpoint"),
		    "an %s endpoint needs overlay.%s",
		    sw->endpoint.family == AF_INET ? "IPv4" : "IPv6",
		    sw->endpoint.family == AF_INET ? "local" : "local6");
	sw->vni = vc->vni;
	if (conf_get_uint(e, g, "vni", 0, OVL_VNI_MAX, &v) == 1)
		sw->vni = (uint32_t)v;
	if (conf_get_mac(e, g, "mac", sw->mac) == 0)
		conf_err_missing(e, g, "mac");
	if ((list = config_setting_get_member(g, "prefixes")) == NULL)
		conf_err_missing(e, g, "prefixes");
	else if (conf_want_list(e, list))
		parse_prefixes(e, list, sw);
}

struct claim {
	const struct prefix *p;
	size_t sw;  /* index of the VTEP */
	size_t idx; /* index in its prefix list */
};

static int
claim_cmp(const void *a, const void *b)
{
	const struct claim *x = a, *y = b;
	int c;

	if ((c = prefix_cmp(x->p, y->p)) != 0)
		return c;
	if (x->sw != y->sw)
		return x->sw < y->sw ? -1 : 1;
	/*
	 * qsort is not stable: without this, "listed twice" could name the
	 * first listing instead of the second.
	 */
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/*
 * No prefix may be claimed by two VTEPs, nor overlap one of another VTEP.
 * Sorted by address then length, a prefix's containers come before it, so
 * one pass with a stack of open containers finds every overlap.
 */
static void
check_overlaps(struct conf_errs *e, const config_setting_t *vteps,
    const struct vtep_conf *vc)
{
	struct claim *c, **stack;
	size_t i, j, n = 0, top = 0, total = 0;
	char a[PREFIX_STRLEN], b[PREFIX_STRLEN];
	const config_setting_t *s;

	for (i = 0; i < vc->nswitches; i++)
		total += vc->switches[i].nprefixes;
	c = xcalloc(total, sizeof(*c));
	stack = xcalloc(total, sizeof(*stack));
	for (i = 0; i < vc->nswitches; i++)
		for (j = 0; j < vc->switches[i].nprefixes; j++)
			if (vc->switches[i].prefixes[j].addr.family != 0)
				c[n++] = (struct claim){
					&vc->switches[i].prefixes[j], i, j
				};
	qsort(c, n, sizeof(*c), claim_cmp);
	for (i = 0; i < n; i++) {
		while (top > 0 && !prefix_contains(stack[top - 1]->p, c[i].p))
			top--;
		if (top > 0) {
			struct claim *o = stack[top - 1];

			s = config_setting_get_elem(
			    config_setting_get_member(
				config_setting_get_elem(
				    vteps, (unsigned)c[i].sw),
				"prefixes"),
			    (unsigned)c[i].idx);
			if (o->sw == c[i].sw && prefix_cmp(o->p, c[i].p) == 0)
				conf_err(e, s, "%s is listed twice",
				    prefix_fmt(c[i].p, a, sizeof(a)));
			else if (o->sw != c[i].sw)
				conf_err(e, s, "%s overlaps %s of vtep \"%s\"",
				    prefix_fmt(c[i].p, a, sizeof(a)),
				    prefix_fmt(o->p, b, sizeof(b)),
				    vc->switches[o->sw].name);
		}
		stack[top++] = &c[i];
	}
	free(stack);
	free(c);
}

static void
check_names(struct conf_errs *e, const config_setting_t *vteps,
    const struct vtep_conf *vc)
{
	size_t i, j;

	for (i = 0; i < vc->nswitches; i++)
		for (j = 0; j < i; j++)
			if (vc->switches[i].name[0] != '\0' &&
			    strcmp(vc->switches[i].name,
				vc->switches[j].name) == 0) {
				conf_err(e,
				    config_setting_get_member(
					config_setting_get_elem(
					    vteps, (unsigned)i),
					"name"),
				    "vtep \"%s\" is defined twice",
				    vc->switches[i].name);
				break;
			}
}

static void
parse_globals(
    struct conf_errs *e, const config_setting_t *sec, struct vtep_conf *vc)
{
	const char *str;
	uint64_t v;

	if (conf_get_string(e, sec, "device", &str) == 1) {
		if (conf_ifname_valid(str)) {
			free(vc->device);
			vc->device = xstrdup(str);
		} else
			conf_err(e, config_setting_get_member(sec, "device"),
			    "\"%s\" is not an interface name (1-15 "
			    "characters, no '/', ':' or blanks)",
			    str);
	}
	if (conf_get_uint(e, sec, "port", 1, 65535, &v) == 1)
		vc->port = (uint16_t)v;
	parse_local(e, sec, "local", AF_INET, &vc->local4);
	parse_local(e, sec, "local6", AF_INET6, &vc->local6);
	if (conf_get_uint(e, sec, "mtu", 1280, 65535 - VTEP_OVERHEAD6, &v) == 1)
		vc->mtu = (unsigned)v;
	if (conf_get_mac(e, sec, "mac", vc->mac) == 1) {
		if (vc->mac[0] & 1)
			conf_err(e, config_setting_get_member(sec, "mac"),
			    "must be a unicast MAC (lowest bit of the first "
			    "byte clear)");
		else
			vc->mac_set = true;
	}
	if (conf_get_uint(e, sec, "vni", 0, OVL_VNI_MAX, &v) == 1)
		vc->vni = (uint32_t)v;
	conf_get_bool(e, sec, "underlay-decap", &vc->underlay_decap);
	if (conf_get_string(e, sec, "pin-dir", &str) == 1) {
		if (strncmp(str, "/sys/fs/bpf/", 12) != 0 || strlen(str) < 13 ||
		    strstr(str, "..") != NULL)
			conf_err(e, config_setting_get_member(sec, "pin-dir"),
			    "must be a directory below /sys/fs/bpf/");
		else {
			free(vc->pin_dir);
			vc->pin_dir = xstrdup(str);
		}
	}
}

void *
vtep_conf_parse(const config_setting_t *sec, const struct ferry_config *cf,
    struct conf_errs *e)
{
	static const char *const keys[] = { "device", "port", "local", "local6",
		"mtu", "mac", "vni", "pin-dir", "underlay-decap", "vteps",
		NULL };
	const config_setting_t *vteps, *g;
	struct vtep_conf *vc = xcalloc(1, sizeof(*vc));
	size_t i, n;

	(void)cf;
	vc->device = xstrdup(VTEP_DEFAULT_DEVICE);
	vc->port = VTEP_DEFAULT_PORT;
	vc->vni = 1;
	vc->pin_dir = xstrdup(VTEP_DEFAULT_PIN_DIR);
	vc->underlay_decap = VTEP_DEFAULT_UNDERLAY_DECAP;
	if (sec == NULL)
		return vc;
	vc->enabled = true;
	conf_check_keys(e, sec, keys);
	parse_globals(e, sec, vc);
	if (vc->local4.family == 0 && vc->local6.family == 0 &&
	    config_setting_get_member(sec, "local") == NULL &&
	    config_setting_get_member(sec, "local6") == NULL)
		conf_err_missing(e, sec, "local");

	if ((vteps = config_setting_get_member(sec, "vteps")) != NULL &&
	    conf_want_list(e, vteps)) {
		n = (size_t)config_setting_length(vteps);
		vc->switches = xcalloc(n, sizeof(*vc->switches));
		/*
		 * switches[i] is always element i, an entry that is not a
		 * group staying empty (no name, no prefixes), so that names
		 * and overlaps are still checked, and reported at the right
		 * element, when some entry is broken.
		 */
		for (i = 0; i < n; i++) {
			g = config_setting_get_elem(vteps, (unsigned)i);
			if (conf_want_group(e, g))
				parse_switch(e, g, vc, &vc->switches[i]);
			else
				vc->switches[i].name = xstrdup("");
		}
		vc->nswitches = n;
		check_names(e, vteps, vc);
		check_overlaps(e, vteps, vc);
	}
	return vc;
}

void
vtep_conf_free(void *arg)
{
	struct vtep_conf *vc = arg;
	size_t i;

	for (i = 0; i < vc->nswitches; i++) {
		free(vc->switches[i].name);
		free(vc->switches[i].prefixes);
	}
	free(vc->switches);
	free(vc->device);
	free(vc->pin_dir);
	free(vc);
}

void
vtep_conf_dump(const void *arg, config_setting_t *root)
{
	const struct vtep_conf *vc = arg;
	config_setting_t *out, *list, *g, *pl;
	char buf[32];
	size_t i, j;

	if (!vc->enabled)
		return;
	out = conf_dump_group(root, "overlay");
	conf_dump_string(out, "device", vc->device);
	conf_dump_uint(out, "port", vc->port);
	if (vc->local4.family != 0)
		conf_dump_addr(out, "local", &vc->local4);
	if (vc->local6.family != 0)
		conf_dump_addr(out, "local6", &vc->local6);
	if (vc->mtu != 0)
		conf_dump_uint(out, "mtu", vc->mtu);
	if (vc->mac_set) {
		mac_fmt(vc->mac, buf, sizeof(buf));
		conf_dump_string(out, "mac", buf);
	}
	conf_dump_uint(out, "vni", vc->vni);
	conf_dump_string(out, "pin-dir", vc->pin_dir);
	conf_dump_bool(out, "underlay-decap", vc->underlay_decap);
	list = conf_dump_list(out, "vteps");
	for (i = 0; i < vc->nswitches; i++) {
		const struct vtep_switch *sw = &vc->switches[i];

		g = config_setting_add(list, NULL, CONFIG_TYPE_GROUP);
		conf_dump_string(g, "name", sw->name);
		conf_dump_addr(g, "endpoint", &sw->endpoint);
		conf_dump_uint(g, "vni", sw->vni);
		mac_fmt(sw->mac, buf, sizeof(buf));
		conf_dump_string(g, "mac", buf);
		pl = conf_dump_list(g, "prefixes");
		for (j = 0; j < sw->nprefixes; j++) {
			char p[PREFIX_STRLEN];

			config_setting_set_string(
			    config_setting_add(pl, NULL, CONFIG_TYPE_STRING),
			    prefix_fmt(&sw->prefixes[j], p, sizeof(p)));
		}
	}
}

static const struct vtep_conf *
vtep_conf_of(const struct ferry_config *cf)
{
	unsigned i;

	for (i = 0; i < ferry_nmodules; i++)
		if (ferry_modules[i] == &vtep_module)
			return cf->mod[i];
	return NULL;
}

bool
vtep_conf_present(const struct ferry_config *cf, uint32_t *vni)
{
	const struct vtep_conf *vc = vtep_conf_of(cf);

	if (vc == NULL || !vc->enabled)
		return false;
	*vni = vc->vni;
	return true;
}

bool
vtep_conf_underlay(const struct ferry_config *cf, const char **device,
    struct addr *local4, struct addr *local6)
{
	const struct vtep_conf *vc = vtep_conf_of(cf);

	if (vc == NULL || !vc->enabled)
		return false;
	*device = vc->device;
	*local4 = vc->local4;
	*local6 = vc->local6;
	return true;
}

const char *
vtep_conf_device(const struct ferry_config *cf, uint16_t *port)
{
	const struct vtep_conf *vc = vtep_conf_of(cf);

	if (vc == NULL || !vc->enabled)
		return NULL;
	*port = vc->port;
	return vc->device;
}

size_t
vtep_conf_prefixes(const struct ferry_config *cf, struct prefix **out)
{
	const struct vtep_conf *vc = vtep_conf_of(cf);
	size_t i, j, n = 0;

	*out = NULL;
	if (vc == NULL)
		return 0;
	for (i = 0; i < vc->nswitches; i++)
		n += vc->switches[i].nprefixes;
	if (n == 0)
		return 0;
	*out = xcalloc(n, sizeof(**out));
	n = 0;
	for (i = 0; i < vc->nswitches; i++)
		for (j = 0; j < vc->switches[i].nprefixes; j++)
			if (vc->switches[i].prefixes[j].addr.family != 0)
				(*out)[n++] = vc->switches[i].prefixes[j];
	return n;
}
