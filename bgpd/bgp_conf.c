/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The bgp config section: parse, validate and normalize it into struct
 * bgp_conf (bgp_conf.h shows the shape of the section).
 *
 * Syntax of the small languages inside it:
 *	communities		"65000:100", "no-export", "no-advertise",
 *				"no-export-subconfed"
 *	large-communities	"65000:1:2"
 *	prefix lists		"10.0.0.0/8" (exactly), "10.0.0.0/8 le 24",
 *				"10.0.0.0/8 ge 16 le 24", "::/0 le 64"
 *
 * RFC 8212 is decided here: an eBGP neighbor without an import (export)
 * section imports (exports) nothing, and says so in the normalized dump;
 * an iBGP neighbor without one imports everything and exports every pool
 * and every learned route.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgp_attr.h"
#include "bgp_conf.h"
#include "bgpd.h"
#include "conf.h"
#include "module.h"
#include "xalloc.h"

/* More addresses than this in a per-address pool is surely a mistake. */
#define BGP_POOL_MAX_ADDRESSES (1u << 20)

static const char *const pool_kinds[] = { "pod", "service", "loadbalancer",
	"egress", NULL };
static const char *const nh_modes[] = { "default", "self", "unchanged", NULL };
static const char *const maxpfx_actions[] = { "warn", "reset", NULL };

const char *
bgp_pool_kind_name(enum bgp_pool_kind k)
{
	return k < BGP_POOL_KIND_MAX ? pool_kinds[k] : "unknown";
}

static int
parse_u32(const char *s, uint32_t *out, uint32_t max)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* "65000:100" or a well-known name (RFC 1997). */
static int
community_parse(const char *s, uint32_t *out)
{
	char a[16], b[16];
	uint32_t hi, lo;
	const char *colon;

	if (strcmp(s, "no-export") == 0)
		*out = BGP_COMM_NO_EXPORT;
	else if (strcmp(s, "no-advertise") == 0)
		*out = BGP_COMM_NO_ADVERTISE;
	else if (strcmp(s, "no-export-subconfed") == 0)
		*out = BGP_COMM_NO_EXPORT_SUBCONFED;
	else {
		if ((colon = strchr(s, ':')) == NULL ||
		    (size_t)(colon - s) >= sizeof(a) ||
		    strlen(colon + 1) >= sizeof(b))
			return -1;
		memcpy(a, s, (size_t)(colon - s));
		a[colon - s] = '\0';
		snprintf(b, sizeof(b), "%s", colon + 1);
		if (parse_u32(a, &hi, 65535) == -1 ||
		    parse_u32(b, &lo, 65535) == -1)
			return -1;
		*out = hi << 16 | lo;
	}
	return 0;
}

static void
community_fmt(uint32_t c, char *buf, size_t len)
{
	if (c == BGP_COMM_NO_EXPORT)
		snprintf(buf, len, "no-export");
	else if (c == BGP_COMM_NO_ADVERTISE)
		snprintf(buf, len, "no-advertise");
	else if (c == BGP_COMM_NO_EXPORT_SUBCONFED)
		snprintf(buf, len, "no-export-subconfed");
	else
		snprintf(buf, len, "%u:%u", c >> 16, c & 0xffff);
}

/* "a:b:c", each part 32 bits (RFC 8092). */
static int
large_parse(const char *s, uint32_t out[3])
{
	char part[3][16];
	const char *p = s, *q;
	int i;

	for (i = 0; i < 3; i++) {
		q = i < 2 ? strchr(p, ':') : p + strlen(p);
		if (q == NULL || q == p || (size_t)(q - p) >= sizeof(part[i]))
			return -1;
		memcpy(part[i], p, (size_t)(q - p));
		part[i][q - p] = '\0';
		if (parse_u32(part[i], &out[i], UINT32_MAX) == -1)
			return -1;
		p = q + 1;
	}
	return 0;
}

/* "10.0.0.0/8", "10.0.0.0/8 le 24", "10.0.0.0/8 ge 16 le 24". */
static int
prefix_match_parse(const char *s, struct bgp_prefix_match *m)
{
	char buf[128], *tok, *save = NULL;
	uint32_t v, max;
	bool have_ge = false, have_le = false;

	if (strlen(s) >= sizeof(buf))
		return -1;
	snprintf(buf, sizeof(buf), "%s", s);
	if ((tok = strtok_r(buf, " ", &save)) == NULL ||
	    prefix_parse(tok, &m->prefix, true) == -1)
		return -1;
	max = addr_bits(m->prefix.addr.family);
	m->ge = m->le = m->prefix.len;
	while ((tok = strtok_r(NULL, " ", &save)) != NULL) {
		bool ge = strcmp(tok, "ge") == 0, le = strcmp(tok, "le") == 0;

		if ((!ge && !le) || (ge && (have_ge || have_le)) ||
		    (le && have_le))
			return -1;
		if ((tok = strtok_r(NULL, " ", &save)) == NULL ||
		    parse_u32(tok, &v, max) == -1 || v < m->prefix.len)
			return -1;
		if (ge) {
			m->ge = (uint8_t)v;
			m->le = (uint8_t)max;
			have_ge = true;
		} else {
			m->le = (uint8_t)v;
			have_le = true;
		}
	}
	return m->ge <= m->le ? 0 : -1;
}

static void
prefix_match_fmt(const struct bgp_prefix_match *m, char *buf, size_t len)
{
	char p[PREFIX_STRLEN];
	unsigned max = addr_bits(m->prefix.addr.family);

	prefix_fmt(&m->prefix, p, sizeof(p));
	if (m->ge == m->prefix.len && m->le == m->prefix.len)
		snprintf(buf, len, "%s", p);
	else if (m->ge == m->prefix.len)
		snprintf(buf, len, "%s le %u", p, m->le);
	else if (m->le == max)
		snprintf(buf, len, "%s ge %u", p, m->ge);
	else
		snprintf(buf, len, "%s ge %u le %u", p, m->ge, m->le);
}

/* A list of strings, each converted by fn; errors name the element. */
static void *
parse_str_list(struct conf_errs *e, const config_setting_t *g, const char *key,
    size_t elem, size_t *n, int (*fn)(const char *, void *), const char *what)
{
	const config_setting_t *list, *s;
	uint8_t *out;
	size_t i, len;

	*n = 0;
	if ((list = config_setting_get_member(g, key)) == NULL ||
	    !conf_want_list(e, list))
		return NULL;
	len = (size_t)config_setting_length(list);
	out = xcalloc(len == 0 ? 1 : len, elem);
	for (i = 0; i < len; i++) {
		s = config_setting_get_elem(list, (unsigned)i);
		if (config_setting_type(s) != CONFIG_TYPE_STRING) {
			conf_err(e, s, "expected a string");
			continue;
		}
		if (fn(config_setting_get_string(s), out + *n * elem) == -1) {
			conf_err(e, s, "\"%s\" is not %s",
			    config_setting_get_string(s), what);
			continue;
		}
		(*n)++;
	}
	return out;
}

static int
community_parse_v(const char *s, void *out)
{
	return community_parse(s, out);
}

static int
large_parse_v(const char *s, void *out)
{
	return large_parse(s, out);
}

static int
prefix_match_parse_v(const char *s, void *out)
{
	return prefix_match_parse(s, out);
}

static void
parse_attr_set(struct conf_errs *e, const config_setting_t *g,
    struct bgp_attr_set *a, bool allow_prepend)
{
	uint64_t v;

	if (conf_get_uint(e, g, "local-pref", 0, UINT32_MAX, &v) == 1) {
		a->has_local_pref = true;
		a->local_pref = (uint32_t)v;
	}
	if (conf_get_uint(e, g, "med", 0, UINT32_MAX, &v) == 1) {
		a->has_med = true;
		a->med = (uint32_t)v;
	}
	a->communities = parse_str_list(e, g, "communities", sizeof(uint32_t),
	    &a->ncommunities, community_parse_v,
	    "a community (asn:value or no-export, no-advertise, "
	    "no-export-subconfed)");
	a->large = parse_str_list(e, g, "large-communities",
	    3 * sizeof(uint32_t), &a->nlarge, large_parse_v,
	    "a large community (asn:value:value)");
	if (allow_prepend && conf_get_uint(e, g, "prepend", 0, 16, &v) == 1)
		a->prepend = (unsigned)v;
}

static void
attr_set_free(struct bgp_attr_set *a)
{
	free(a->communities);
	free(a->large);
}

static void
parse_import(
    struct conf_errs *e, const config_setting_t *g, struct bgp_import *im)
{
	static const char *const keys[] = { "all", "prefixes", "max-prefix",
		"max-prefix-action", "local-pref", "med", "communities",
		"large-communities", NULL };
	uint64_t v;
	int act;

	conf_check_keys(e, g, keys);
	conf_get_bool(e, g, "all", &im->all);
	im->prefixes = parse_str_list(e, g, "prefixes", sizeof(*im->prefixes),
	    &im->nprefixes, prefix_match_parse_v,
	    "a prefix list entry (prefix [ge N] [le N])");
	if (im->all && config_setting_get_member(g, "prefixes") != NULL)
		conf_err(e, config_setting_get_member(g, "all"),
		    "all = true and a prefix list exclude each other");
	if (!im->all && config_setting_get_member(g, "prefixes") == NULL)
		conf_err(e, g, "needs all = true or a prefix list");
	if (conf_get_uint(e, g, "max-prefix", 1, UINT32_MAX, &v) == 1)
		im->max_prefix = (uint32_t)v;
	if (conf_get_enum(e, g, "max-prefix-action", maxpfx_actions, &act) == 1)
		im->max_action = (enum bgp_maxpfx_action)act;
	parse_attr_set(e, g, &im->set, false);
}

static void
parse_export(
    struct conf_errs *e, const config_setting_t *g, struct bgp_export *ex)
{
	static const char *const keys[] = { "pools", "learned", "prefixes",
		"med", "local-pref", "communities", "large-communities",
		"prepend", NULL };
	const config_setting_t *list, *s;
	int i, n, k;

	conf_check_keys(e, g, keys);
	if ((list = config_setting_get_member(g, "pools")) != NULL &&
	    conf_want_list(e, list)) {
		n = config_setting_length(list);
		for (i = 0; i < n; i++) {
			s = config_setting_get_elem(list, (unsigned)i);
			for (k = 0; k < BGP_POOL_KIND_MAX; k++)
				if (config_setting_type(s) ==
					CONFIG_TYPE_STRING &&
				    strcmp(config_setting_get_string(s),
					pool_kinds[k]) == 0)
					break;
			if (k == BGP_POOL_KIND_MAX)
				conf_err(e, s,
				    "not one of: pod, service, loadbalancer, "
				    "egress");
			else
				ex->kinds[k] = true;
		}
	}
	conf_get_bool(e, g, "learned", &ex->learned);
	ex->prefixes = parse_str_list(e, g, "prefixes", sizeof(*ex->prefixes),
	    &ex->nprefixes, prefix_match_parse_v,
	    "a prefix list entry (prefix [ge N] [le N])");
	if (ex->nprefixes > 0 && !ex->learned)
		conf_err(e, config_setting_get_member(g, "prefixes"),
		    "filters learned routes: needs learned = true");
	parse_attr_set(e, g, &ex->set, true);
}

/*
 * An AS number (RFC 6793): an integer, or a string holding one in plain
 * ("4200000000") or asdot ("64086.59904", RFC 5396) notation.  The string
 * forms exist because libconfig 1.5 reads an integer above 2^31 - 1
 * without an L suffix as a wrapped 32-bit value.  0 if key is absent, 1
 * with *asn, -1 on an error (reported).
 */
static int
conf_get_asn(struct conf_errs *e, const config_setting_t *g, const char *key,
    uint32_t *asn)
{
	const config_setting_t *s = config_setting_get_member(g, key);
	const char *str;
	uint32_t hi, lo;
	uint64_t v;
	char *end;

	if (s == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		if (conf_get_uint(e, g, key, 1, UINT32_MAX, &v) != 1)
			return -1;
		*asn = (uint32_t)v;
		return 1;
	}
	str = config_setting_get_string(s);
	if (strchr(str, '.') != NULL) {
		if (sscanf(str, "%" SCNu32 ".%" SCNu32, &hi, &lo) == 2 &&
		    hi <= 0xffff && lo <= 0xffff && (hi | lo) != 0 &&
		    strspn(str, "0123456789.") == strlen(str)) {
			*asn = hi << 16 | lo;
			return 1;
		}
	} else if (str[0] >= '0' && str[0] <= '9') {
		errno = 0;
		v = strtoull(str, &end, 10);
		if (errno == 0 && *end == '\0' && v >= 1 && v <= UINT32_MAX) {
			*asn = (uint32_t)v;
			return 1;
		}
	}
	conf_err(e, s,
	    "\"%s\" is not an AS number (1..4294967295, or asdot N.N)", str);
	return -1;
}

/* Neighbor keys shared by neighbors and listen-range templates. */
static const char *const session_keys[] = { "port", "password", "local-address",
	"hold-time", "keepalive", "connect-retry", "multihop", "gtsm",
	"families", "extended-next-hop", "passive", "rr-client", "next-hop",
	"export", "import", "overlay", "bfd", "graceful-restart" };

/* overlay = { vni = 1; mac = "02:fe:00:00:00:01"; }: a cluster peer. */
static void
parse_overlay(
    struct conf_errs *e, const config_setting_t *g, struct bgp_neighbor *nb)
{
	static const char *const keys[] = { "vni", "mac", NULL };
	const char *str;
	uint64_t v;
	int rc;

	conf_check_keys(e, g, keys);
	nb->overlay = true;
	nb->overlay_vni = 1;
	if (conf_get_uint(e, g, "vni", 0, 0xffffff, &v) == 1)
		nb->overlay_vni = (uint32_t)v;
	if ((rc = conf_get_string(e, g, "mac", &str)) == 0)
		conf_err_missing(e, g, "mac");
	else if (rc == 1 && mac_parse(str, nb->overlay_mac) == -1)
		conf_err(e, config_setting_get_member(g, "mac"),
		    "\"%s\" is not a MAC address (xx:xx:xx:xx:xx:xx)", str);
}

static void
parse_families(
    struct conf_errs *e, const config_setting_t *g, struct bgp_neighbor *nb)
{
	const config_setting_t *list, *s;
	const char *f;
	int i, n;

	nb->families = BGP_FAM_IPV4 | BGP_FAM_IPV6;
	if ((list = config_setting_get_member(g, "families")) == NULL ||
	    !conf_want_list(e, list))
		return;
	nb->families = 0;
	n = config_setting_length(list);
	for (i = 0; i < n; i++) {
		s = config_setting_get_elem(list, (unsigned)i);
		f = config_setting_type(s) == CONFIG_TYPE_STRING
		    ? config_setting_get_string(s)
		    : "";
		if (strcmp(f, "ipv4") == 0)
			nb->families |= BGP_FAM_IPV4;
		else if (strcmp(f, "ipv6") == 0)
			nb->families |= BGP_FAM_IPV6;
		else
			conf_err(e, s, "not one of: ipv4, ipv6");
	}
	if (n == 0)
		conf_err(e, list, "needs at least one family");
}

static void
parse_session(struct conf_errs *e, const config_setting_t *g,
    struct bgp_neighbor *nb, uint32_t local_asn)
{
	const config_setting_t *s;
	const char *str;
	uint64_t v;
	int mode, rc;
	bool ibgp = nb->asn == local_asn;

	nb->port = BGP_PORT;
	nb->hold_time = BGP_DEFAULT_HOLD;
	nb->connect_retry = BGP_DEFAULT_CONNRETRY;
	nb->gr_override = -1;
	if (config_setting_get_member(g, "graceful-restart") != NULL) {
		bool on = false;

		if (conf_get_bool(e, g, "graceful-restart", &on) == 1)
			nb->gr_override = on;
	}
	if (conf_get_uint(e, g, "port", 1, 65535, &v) == 1)
		nb->port = (uint16_t)v;
	if ((rc = conf_get_string(e, g, "password", &str)) == 1) {
		if (str[0] == '\0' || strlen(str) > 80)
			conf_err(e, config_setting_get_member(g, "password"),
			    "must be 1 to 80 characters (RFC 2385 keys)");
		else
			nb->password = xstrdup(str);
	}
	if (conf_get_addr(e, g, "local-address", 0, &nb->local) == 1 &&
	    nb->addr.family != 0 && nb->local.family != nb->addr.family) {
		conf_err(e, config_setting_get_member(g, "local-address"),
		    "must be of the neighbor's address family");
		memset(&nb->local, 0, sizeof(nb->local));
	}
	if (conf_get_uint(e, g, "hold-time", 0, 65535, &v) == 1) {
		if (v > 0 && v < 3)
			conf_err(e, config_setting_get_member(g, "hold-time"),
			    "must be 0 or at least 3 (RFC 4271 4.2)");
		else
			nb->hold_time = (uint16_t)v;
	}
	nb->keepalive = nb->hold_time / 3;
	if (conf_get_uint(e, g, "keepalive", 0, 21845, &v) == 1) {
		if ((nb->hold_time == 0 && v != 0) ||
		    (nb->hold_time > 0 && (v == 0 || v > nb->hold_time / 3u)))
			conf_err(e, config_setting_get_member(g, "keepalive"),
			    "must be between 1 and a third of hold-time "
			    "(0 with hold-time 0)");
		else
			nb->keepalive = (uint16_t)v;
	}
	if (conf_get_uint(e, g, "connect-retry", 1, 65535, &v) == 1)
		nb->connect_retry = (uint16_t)v;
	if (conf_get_uint(e, g, "multihop", 1, 255, &v) == 1) {
		if (ibgp)
			conf_err(e, config_setting_get_member(g, "multihop"),
			    "only for eBGP neighbors (iBGP is multihop)");
		else
			nb->multihop = (uint8_t)v;
	}
	conf_get_bool(e, g, "gtsm", &nb->gtsm);
	parse_families(e, g, nb);
	if (conf_get_bool(e, g, "extended-next-hop", &nb->ext_nh) == 1 &&
	    nb->ext_nh && !(nb->families & BGP_FAM_IPV4))
		conf_err(e, config_setting_get_member(g, "extended-next-hop"),
		    "IPv6 next hops for IPv4 routes (RFC 8950) need the "
		    "ipv4 family");
	conf_get_bool(e, g, "passive", &nb->passive);
	if (conf_get_bool(e, g, "rr-client", &nb->rr_client) == 1 &&
	    nb->rr_client && !ibgp)
		conf_err(e, config_setting_get_member(g, "rr-client"),
		    "route reflector clients are iBGP neighbors (RFC 4456)");
	if ((rc = conf_get_string(e, g, "next-hop", &str)) == 1 &&
	    addr_parse(str, &nb->next_hop_addr) == 0)
		nb->next_hop = BGP_NH_DEFAULT;
	else if (rc == 1 &&
	    conf_get_enum(e, g, "next-hop", nh_modes, &mode) == 1)
		nb->next_hop = (enum bgp_nexthop_mode)mode;

	if ((s = config_setting_get_member(g, "overlay")) != NULL &&
	    conf_want_group(e, s))
		parse_overlay(e, s, nb);
	if ((s = config_setting_get_member(g, "import")) != NULL &&
	    conf_want_group(e, s)) {
		nb->has_import = true;
		parse_import(e, s, &nb->import);
	}
	if ((s = config_setting_get_member(g, "export")) != NULL &&
	    conf_want_group(e, s)) {
		nb->has_export = true;
		parse_export(e, s, &nb->export);
	}
	/* RFC 8212 for eBGP; iBGP inside the cluster shares everything. */
	if (!nb->has_import && ibgp)
		nb->import.all = true;
	if (!nb->has_export && ibgp) {
		for (mode = 0; mode < BGP_POOL_KIND_MAX; mode++)
			nb->export.kinds[mode] = true;
		nb->export.learned = true;
	}
	bfd_conf_parse(e, g, &nb->bfd);
}

static void
neighbor_free(struct bgp_neighbor *nb)
{
	free(nb->name);
	free(nb->password);
	free(nb->import.prefixes);
	attr_set_free(&nb->import.set);
	free(nb->export.prefixes);
	attr_set_free(&nb->export.set);
}

static void
check_keys2(struct conf_errs *e, const config_setting_t *g,
    const char *const *extra, size_t nextra)
{
	const char *keys[32];
	size_t i, n = 0;

	for (i = 0; i < sizeof(session_keys) / sizeof(session_keys[0]); i++)
		keys[n++] = session_keys[i];
	for (i = 0; i < nextra; i++)
		keys[n++] = extra[i];
	keys[n] = NULL;
	conf_check_keys(e, g, keys);
}

static void
parse_neighbor(struct conf_errs *e, const config_setting_t *g,
    struct bgp_neighbor *nb, uint32_t local_asn)
{
	static const char *const extra[] = { "address", "asn", "name" };
	char buf[ADDR_STRLEN];
	const char *name;
	int rc;

	check_keys2(e, g, extra, 3);
	if ((rc = conf_get_addr(e, g, "address", 0, &nb->addr)) == 0)
		conf_err_missing(e, g, "address");
	else if (rc == 1 && nb->addr.family == AF_INET6 &&
	    IN6_IS_ADDR_LINKLOCAL(&nb->addr.v6))
		conf_err(e, config_setting_get_member(g, "address"),
		    "link-local neighbors are not supported (they need an "
		    "interface); use a global address");
	if (conf_get_asn(e, g, "asn", &nb->asn) == 0)
		conf_err_missing(e, g, "asn");
	if (conf_get_string(e, g, "name", &name) == 1)
		nb->name = xstrdup(name);
	else
		nb->name = xstrdup(addr_fmt(&nb->addr, buf, sizeof(buf)));
	parse_session(e, g, nb, local_asn);
}

static void
parse_range(struct conf_errs *e, const config_setting_t *g,
    struct bgp_listen_range *r, uint32_t local_asn)
{
	static const char *const extra[] = { "prefix", "asn", "max",
		"workloads" };
	uint64_t v;

	check_keys2(e, g, extra, 4);
	if (conf_get_prefix(e, g, "prefix", &r->prefix) == 0)
		conf_err_missing(e, g, "prefix");
	r->asn = local_asn;
	conf_get_asn(e, g, "asn", &r->asn);
	r->max = 100;
	if (conf_get_uint(e, g, "max", 1, 65535, &v) == 1)
		r->max = (unsigned)v;
	if (conf_get_bool(e, g, "workloads", &r->workloads) == 1 &&
	    r->workloads) {
		const config_setting_t *root = g;

		while (config_setting_parent(root) != NULL)
			root = config_setting_parent(root);
		if (config_setting_get_member(root, "workloads") == NULL)
			conf_err(e, config_setting_get_member(g, "workloads"),
			    "workloads = true needs the workloads section");
	}
	r->tmpl.asn = r->asn;
	r->tmpl.addr.family = r->prefix.addr.family;
	r->tmpl.name = xstrdup("dynamic");
	parse_session(e, g, &r->tmpl, local_asn);
	r->tmpl.passive = true; /* nobody to connect to */
}

static void
parse_pool(struct conf_errs *e, const config_setting_t *g, struct bgp_pool *p)
{
	static const char *const keys[] = { "prefix", "kind", "per-address",
		"local-pref", "med", "communities", "large-communities", NULL };
	unsigned bits;
	int kind;

	conf_check_keys(e, g, keys);
	if (conf_get_prefix(e, g, "prefix", &p->prefix) == 0)
		conf_err_missing(e, g, "prefix");
	if (conf_get_enum(e, g, "kind", pool_kinds, &kind) == 1)
		p->kind = (enum bgp_pool_kind)kind;
	else if (config_setting_get_member(g, "kind") == NULL)
		conf_err_missing(e, g, "kind");
	if (conf_get_bool(e, g, "per-address", &p->per_address) == 1 &&
	    p->per_address && p->prefix.addr.family != 0) {
		bits = addr_bits(p->prefix.addr.family) - p->prefix.len;
		if (bits > 20)
			conf_err(e, config_setting_get_member(g, "per-address"),
			    "would announce 2^%u addresses; the limit is "
			    "2^20",
			    bits);
	}
	parse_attr_set(e, g, &p->attrs, false);
}

/* Parse list key of sec into an array of n elements with fn. */
#define PARSE_LIST(e, sec, key, arr, n, fn, ...)                             \
	do {                                                                 \
		const config_setting_t *list_, *g_;                          \
		size_t i_, len_;                                             \
		if ((list_ = config_setting_get_member(sec, key)) == NULL || \
		    !conf_want_list(e, list_))                               \
			break;                                               \
		len_ = (size_t)config_setting_length(list_);                 \
		(arr) = xcalloc(len_ == 0 ? 1 : len_, sizeof(*(arr)));       \
		for (i_ = 0; i_ < len_; i_++) {                              \
			g_ = config_setting_get_elem(list_, (unsigned)i_);   \
			if (conf_want_group(e, g_))                          \
				fn(e, g_, &(arr)[(n)++], ##__VA_ARGS__);     \
		}                                                            \
	} while (0)

static void
check_duplicates(
    struct conf_errs *e, const config_setting_t *sec, const struct bgp_conf *bc)
{
	const config_setting_t *list =
	    config_setting_get_member(sec, "neighbors");
	char buf[ADDR_STRLEN];
	size_t i, j;

	for (i = 0; i < bc->nneighbors; i++)
		for (j = 0; j < i; j++)
			if (addr_cmp(&bc->neighbors[i].addr,
				&bc->neighbors[j].addr) == 0) {
				conf_err(e,
				    config_setting_get_elem(list, (unsigned)i),
				    "neighbor %s is defined twice",
				    addr_fmt(&bc->neighbors[i].addr, buf,
					sizeof(buf)));
				break;
			}
}

static void
parse_fib(struct conf_errs *e, const config_setting_t *sec, struct bgp_conf *bc)
{
	static const char *const keys[] = { "table", "keep-on-exit", NULL };
	const config_setting_t *s = config_setting_get_member(sec, "fib");
	uint64_t v;

	bc->fib = true;
	bc->fib_table = 254; /* main */
	if (s == NULL)
		return;
	if (config_setting_type(s) == CONFIG_TYPE_BOOL) {
		bc->fib = config_setting_get_bool(s) != 0;
		return;
	}
	if (!conf_want_group(e, s))
		return;
	conf_check_keys(e, s, keys);
	if (conf_get_uint(e, s, "table", 1, UINT32_MAX, &v) == 1)
		bc->fib_table = (uint32_t)v;
	conf_get_bool(e, s, "keep-on-exit", &bc->fib_keep);
}

/*
 * graceful-restart = { enabled; restart-time; stale-time; notification; }.
 * RFC 4724 3: the restart time is 12 bits; 0 would tell a helper to keep
 * nothing, which is what enabled = false is for.
 */
static void
parse_gr(struct conf_errs *e, const config_setting_t *sec, struct bgp_conf *bc)
{
	static const char *const keys[] = { "enabled", "restart-time",
		"stale-time", "notification", NULL };
	const config_setting_t *s =
	    config_setting_get_member(sec, "graceful-restart");
	uint64_t v;

	bc->gr.enabled = false;
	bc->gr.restart_time = BGP_GR_DEFAULT_RESTART;
	bc->gr.stale_time = BGP_GR_DEFAULT_STALE;
	bc->gr.notification = true;
	if (s == NULL)
		return;
	if (config_setting_type(s) == CONFIG_TYPE_BOOL) {
		bc->gr.enabled = config_setting_get_bool(s) != 0;
		return;
	}
	if (!conf_want_group(e, s))
		return;
	conf_check_keys(e, s, keys);
	bc->gr.enabled = true;
	conf_get_bool(e, s, "enabled", &bc->gr.enabled);
	if (conf_get_uint(e, s, "restart-time", 1, 4095, &v) == 1)
		bc->gr.restart_time = (uint16_t)v;
	if (conf_get_uint(e, s, "stale-time", 1, 65535, &v) == 1)
		bc->gr.stale_time = (uint16_t)v;
	conf_get_bool(e, s, "notification", &bc->gr.notification);
}

/* Each neighbor's effective settings: the section's, or off. */
static void
resolve_gr(struct bgp_conf *bc)
{
	size_t i;

	for (i = 0; i < bc->nneighbors; i++) {
		bc->neighbors[i].gr = bc->gr;
		if (bc->neighbors[i].gr_override != -1)
			bc->neighbors[i].gr.enabled =
			    bc->neighbors[i].gr_override != 0;
	}
	for (i = 0; i < bc->nranges; i++) {
		bc->ranges[i].tmpl.gr = bc->gr;
		if (bc->ranges[i].tmpl.gr_override != -1)
			bc->ranges[i].tmpl.gr.enabled =
			    bc->ranges[i].tmpl.gr_override != 0;
	}
}

static void
parse_listen(
    struct conf_errs *e, const config_setting_t *sec, struct bgp_conf *bc)
{
	const config_setting_t *list = config_setting_get_member(sec, "listen"),
			       *s;
	size_t i, n;

	if (list == NULL) {
		bc->listen = xcalloc(2, sizeof(*bc->listen));
		addr_parse("0.0.0.0", &bc->listen[0]);
		addr_parse("::", &bc->listen[1]);
		bc->nlisten = 2;
		return;
	}
	if (!conf_want_list(e, list))
		return;
	n = (size_t)config_setting_length(list);
	bc->listen = xcalloc(n == 0 ? 1 : n, sizeof(*bc->listen));
	for (i = 0; i < n; i++) {
		s = config_setting_get_elem(list, (unsigned)i);
		if (config_setting_type(s) != CONFIG_TYPE_STRING ||
		    addr_parse(config_setting_get_string(s),
			&bc->listen[bc->nlisten]) == -1) {
			conf_err(e, s, "expected an IP address");
			continue;
		}
		bc->nlisten++;
	}
}

void *
bgp_conf_parse(const config_setting_t *sec, const struct ferry_config *cf,
    struct conf_errs *e)
{
	static const char *const keys[] = { "asn", "router-id", "listen",
		"port", "cluster-id", "ecmp", "fib", "graceful-restart",
		"pools", "neighbors", "listen-ranges", NULL };
	struct bgp_conf *bc = xcalloc(1, sizeof(*bc));
	uint64_t v;

	if (sec == NULL)
		return bc;
	bc->enabled = true;
	conf_check_keys(e, sec, keys);
	if (conf_get_asn(e, sec, "asn", &bc->asn) == 0)
		conf_err_missing(e, sec, "asn");
	bc->router_id = cf->router_id;
	if (conf_get_addr(e, sec, "router-id", AF_INET, &bc->router_id) == 0 &&
	    cf->router_id.family == 0)
		conf_err(e, sec,
		    "needs a router-id (here or at the top of the file)");
	bc->cluster_id = bc->router_id;
	conf_get_addr(e, sec, "cluster-id", AF_INET, &bc->cluster_id);
	bc->port = BGP_PORT;
	if (conf_get_uint(e, sec, "port", 1, 65535, &v) == 1)
		bc->port = (uint16_t)v;
	bc->ecmp = 1;
	if (conf_get_uint(e, sec, "ecmp", 1, 64, &v) == 1)
		bc->ecmp = (unsigned)v;
	parse_listen(e, sec, bc);
	parse_fib(e, sec, bc);
	parse_gr(e, sec, bc);
	PARSE_LIST(e, sec, "pools", bc->pools, bc->npools, parse_pool);
	PARSE_LIST(e, sec, "neighbors", bc->neighbors, bc->nneighbors,
	    parse_neighbor, bc->asn);
	PARSE_LIST(e, sec, "listen-ranges", bc->ranges, bc->nranges,
	    parse_range, bc->asn);
	resolve_gr(bc);
	check_duplicates(e, sec, bc);
	return bc;
}

void
bgp_conf_free(void *arg)
{
	struct bgp_conf *bc = arg;
	size_t i;

	for (i = 0; i < bc->npools; i++)
		attr_set_free(&bc->pools[i].attrs);
	for (i = 0; i < bc->nneighbors; i++)
		neighbor_free(&bc->neighbors[i]);
	for (i = 0; i < bc->nranges; i++)
		neighbor_free(&bc->ranges[i].tmpl);
	free(bc->pools);
	free(bc->neighbors);
	free(bc->ranges);
	free(bc->listen);
	free(bc);
}

static void
dump_str_list(config_setting_t *g, const char *key, size_t n,
    void (*fmt)(const void *, size_t, char *, size_t), const void *arr)
{
	config_setting_t *list;
	char buf[96];
	size_t i;

	if (n == 0)
		return;
	list = conf_dump_list(g, key);
	for (i = 0; i < n; i++) {
		fmt(arr, i, buf, sizeof(buf));
		config_setting_set_string(
		    config_setting_add(list, NULL, CONFIG_TYPE_STRING), buf);
	}
}

static void
fmt_comm(const void *arr, size_t i, char *buf, size_t len)
{
	community_fmt(((const uint32_t *)arr)[i], buf, len);
}

static void
fmt_large(const void *arr, size_t i, char *buf, size_t len)
{
	const uint32_t *l = (const uint32_t *)arr + 3 * i;

	snprintf(buf, len, "%u:%u:%u", l[0], l[1], l[2]);
}

static void
fmt_match(const void *arr, size_t i, char *buf, size_t len)
{
	prefix_match_fmt((const struct bgp_prefix_match *)arr + i, buf, len);
}

static void
dump_attr_set(config_setting_t *g, const struct bgp_attr_set *a)
{
	if (a->has_local_pref)
		conf_dump_uint(g, "local-pref", a->local_pref);
	if (a->has_med)
		conf_dump_uint(g, "med", a->med);
	dump_str_list(
	    g, "communities", a->ncommunities, fmt_comm, a->communities);
	dump_str_list(g, "large-communities", a->nlarge, fmt_large, a->large);
	if (a->prepend > 0)
		conf_dump_uint(g, "prepend", a->prepend);
}

static void
dump_session(config_setting_t *g, const struct bgp_neighbor *nb)
{
	config_setting_t *s, *list;
	int k;

	conf_dump_uint(g, "port", nb->port);
	if (nb->password != NULL)
		conf_dump_string(g, "password", "(set)");
	if (nb->local.family != 0)
		conf_dump_addr(g, "local-address", &nb->local);
	conf_dump_uint(g, "hold-time", nb->hold_time);
	conf_dump_uint(g, "keepalive", nb->keepalive);
	conf_dump_uint(g, "connect-retry", nb->connect_retry);
	if (nb->gr_override != -1)
		conf_dump_bool(g, "graceful-restart", nb->gr_override != 0);
	if (nb->multihop != 0)
		conf_dump_uint(g, "multihop", nb->multihop);
	conf_dump_bool(g, "gtsm", nb->gtsm);
	conf_dump_bool(g, "extended-next-hop", nb->ext_nh);
	list = conf_dump_list(g, "families");
	if (nb->families & BGP_FAM_IPV4)
		config_setting_set_string(
		    config_setting_add(list, NULL, CONFIG_TYPE_STRING), "ipv4");
	if (nb->families & BGP_FAM_IPV6)
		config_setting_set_string(
		    config_setting_add(list, NULL, CONFIG_TYPE_STRING), "ipv6");
	conf_dump_bool(g, "passive", nb->passive);
	conf_dump_bool(g, "rr-client", nb->rr_client);
	if (nb->overlay) {
		char mac[MAC_STRLEN];

		s = conf_dump_group(g, "overlay");
		conf_dump_uint(s, "vni", nb->overlay_vni);
		conf_dump_string(
		    s, "mac", mac_fmt(nb->overlay_mac, mac, sizeof(mac)));
	}
	if (nb->next_hop_addr.family != 0)
		conf_dump_addr(g, "next-hop", &nb->next_hop_addr);
	else
		conf_dump_string(g, "next-hop", nh_modes[nb->next_hop]);

	s = conf_dump_group(g, "import");
	if (nb->import.all)
		conf_dump_bool(s, "all", true);
	else {
		/* Even empty: RFC 8212's "nothing" made visible. */
		list = conf_dump_list(s, "prefixes");
		for (k = 0; k < (int)nb->import.nprefixes; k++) {
			char buf[96];

			fmt_match(
			    nb->import.prefixes, (size_t)k, buf, sizeof(buf));
			config_setting_set_string(
			    config_setting_add(list, NULL, CONFIG_TYPE_STRING),
			    buf);
		}
	}
	if (nb->import.max_prefix > 0) {
		conf_dump_uint(s, "max-prefix", nb->import.max_prefix);
		conf_dump_string(s, "max-prefix-action",
		    maxpfx_actions[nb->import.max_action]);
	}
	dump_attr_set(s, &nb->import.set);

	s = conf_dump_group(g, "export");
	list = conf_dump_list(s, "pools");
	for (k = 0; k < BGP_POOL_KIND_MAX; k++)
		if (nb->export.kinds[k])
			config_setting_set_string(
			    config_setting_add(list, NULL, CONFIG_TYPE_STRING),
			    pool_kinds[k]);
	conf_dump_bool(s, "learned", nb->export.learned);
	dump_str_list(s, "prefixes", nb->export.nprefixes, fmt_match,
	    nb->export.prefixes);
	dump_attr_set(s, &nb->export.set);
	bfd_conf_dump(g, &nb->bfd);
}

void
bgp_conf_dump(const void *arg, config_setting_t *root)
{
	const struct bgp_conf *bc = arg;
	config_setting_t *out, *list, *g, *f;
	char buf[PREFIX_STRLEN];
	size_t i;

	if (!bc->enabled)
		return;
	out = conf_dump_group(root, "bgp");
	conf_dump_uint(out, "asn", bc->asn);
	conf_dump_addr(out, "router-id", &bc->router_id);
	conf_dump_addr(out, "cluster-id", &bc->cluster_id);
	list = conf_dump_list(out, "listen");
	for (i = 0; i < bc->nlisten; i++)
		config_setting_set_string(
		    config_setting_add(list, NULL, CONFIG_TYPE_STRING),
		    addr_fmt(&bc->listen[i], buf, sizeof(buf)));
	conf_dump_uint(out, "port", bc->port);
	conf_dump_uint(out, "ecmp", bc->ecmp);
	if (bc->fib) {
		f = conf_dump_group(out, "fib");
		conf_dump_uint(f, "table", bc->fib_table);
		conf_dump_bool(f, "keep-on-exit", bc->fib_keep);
	} else
		conf_dump_bool(out, "fib", false);
	f = conf_dump_group(out, "graceful-restart");
	conf_dump_bool(f, "enabled", bc->gr.enabled);
	conf_dump_uint(f, "restart-time", bc->gr.restart_time);
	conf_dump_uint(f, "stale-time", bc->gr.stale_time);
	conf_dump_bool(f, "notification", bc->gr.notification);

	list = conf_dump_list(out, "pools");
	for (i = 0; i < bc->npools; i++) {
		g = config_setting_add(list, NULL, CONFIG_TYPE_GROUP);
		conf_dump_prefix(g, "prefix", &bc->pools[i].prefix);
		conf_dump_string(g, "kind", pool_kinds[bc->pools[i].kind]);
		conf_dump_bool(g, "per-address", bc->pools[i].per_address);
		dump_attr_set(g, &bc->pools[i].attrs);
	}
	list = conf_dump_list(out, "neighbors");
	for (i = 0; i < bc->nneighbors; i++) {
		g = config_setting_add(list, NULL, CONFIG_TYPE_GROUP);
		conf_dump_addr(g, "address", &bc->neighbors[i].addr);
		conf_dump_uint(g, "asn", bc->neighbors[i].asn);
		conf_dump_string(g, "name", bc->neighbors[i].name);
		dump_session(g, &bc->neighbors[i]);
	}
	list = conf_dump_list(out, "listen-ranges");
	for (i = 0; i < bc->nranges; i++) {
		g = config_setting_add(list, NULL, CONFIG_TYPE_GROUP);
		conf_dump_prefix(g, "prefix", &bc->ranges[i].prefix);
		conf_dump_uint(g, "asn", bc->ranges[i].asn);
		conf_dump_uint(g, "max", bc->ranges[i].max);
		if (bc->ranges[i].workloads)
			conf_dump_bool(g, "workloads", true);
		dump_session(g, &bc->ranges[i].tmpl);
	}
}

static bool
str_differs(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a != b;
	return strcmp(a, b) != 0;
}

bool
bgp_neighbor_session_differs(
    const struct bgp_neighbor *a, const struct bgp_neighbor *b)
{
	/* What goes into the TCP connection or the OPEN; policy does not. */
	return addr_cmp(&a->addr, &b->addr) != 0 || a->asn != b->asn ||
	    a->port != b->port || addr_cmp(&a->local, &b->local) != 0 ||
	    str_differs(a->password, b->password) ||
	    a->hold_time != b->hold_time || a->keepalive != b->keepalive ||
	    a->multihop != b->multihop || a->gtsm != b->gtsm ||
	    a->families != b->families || a->ext_nh != b->ext_nh ||
	    a->passive != b->passive || a->rr_client != b->rr_client ||
	    a->gr.enabled != b->gr.enabled ||
	    (a->gr.enabled &&
		(a->gr.restart_time != b->gr.restart_time ||
		    a->gr.notification != b->gr.notification));
}

bool
bgp_neighbor_overlay_differs(
    const struct bgp_neighbor *a, const struct bgp_neighbor *b)
{
	return a->overlay != b->overlay || a->overlay_vni != b->overlay_vni ||
	    memcmp(a->overlay_mac, b->overlay_mac, 6) != 0;
}

_Static_assert(BGPD_KIND_POD == 1 << BGP_POOL_POD &&
	BGPD_KIND_SERVICE == 1 << BGP_POOL_SERVICE &&
	BGPD_KIND_LOADBALANCER == 1 << BGP_POOL_LOADBALANCER &&
	BGPD_KIND_EGRESS == 1 << BGP_POOL_EGRESS,
    "BGPD_KIND_* are the bits of enum bgp_pool_kind");

static const struct bgp_conf *
bgp_conf_of(const struct ferry_config *cf)
{
	unsigned i;

	for (i = 0; i < ferry_nmodules; i++)
		if (ferry_modules[i] == &bgpd_module)
			return cf->mod[i];
	return NULL;
}

size_t
bgpd_conf_pools(
    const struct ferry_config *cf, unsigned mask, struct prefix **out)
{
	const struct bgp_conf *bc = bgp_conf_of(cf);
	size_t i, n = 0;

	*out = NULL;
	if (bc == NULL || bc->npools == 0)
		return 0;
	*out = xcalloc(bc->npools, sizeof(**out));
	for (i = 0; i < bc->npools; i++)
		if (mask & (1u << bc->pools[i].kind) &&
		    bc->pools[i].prefix.addr.family != 0)
			(*out)[n++] = bc->pools[i].prefix;
	return n;
}

bool
bgpd_conf_overlay_peer(const struct ferry_config *cf, const struct addr *a,
    uint32_t *vni, uint8_t mac[6])
{
	const struct bgp_conf *bc = bgp_conf_of(cf);
	size_t i;

	for (i = 0; bc != NULL && i < bc->nneighbors; i++)
		if (bc->neighbors[i].overlay &&
		    addr_cmp(&bc->neighbors[i].addr, a) == 0) {
			*vni = bc->neighbors[i].overlay_vni;
			memcpy(mac, bc->neighbors[i].overlay_mac, 6);
			return true;
		}
	return false;
}

int
bgpd_conf_peer_bfd(const struct ferry_config *cf, const struct addr *a)
{
	const struct bgp_conf *bc = bgp_conf_of(cf);
	size_t i;

	for (i = 0; bc != NULL && i < bc->nneighbors; i++)
		if (addr_cmp(&bc->neighbors[i].addr, a) == 0)
			return bc->neighbors[i].bfd.enabled ? 1 : 0;
	return -1;
}

bool
bgpd_conf_workload_peer(
    const struct ferry_config *cf, const struct addr *a, uint32_t *asn)
{
	const struct bgp_conf *bc = bgp_conf_of(cf);
	size_t i;

	for (i = 0; bc != NULL && i < bc->nranges; i++) {
		const struct bgp_listen_range *r = &bc->ranges[i];

		if (r->asn == bc->asn && prefix_contains_addr(&r->prefix, a) &&
		    !r->tmpl.import.all && r->tmpl.import.nprefixes == 0) {
			*asn = bc->asn;
			return true;
		}
	}
	return false;
}
