/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The egress config section:
 *
 *	egress = {
 *		pin-dir = "/sys/fs/bpf/ferry";
 *		interfaces = [ "eth0" ];	# where traffic leaves
 *		cluster-prefixes = [ "192.0.2.0/24" ];
 *		nat = { table-size = 262144; ports = [ 32768, 60999 ];
 *			timeouts = { tcp-syn = 60; tcp-established = 7440;
 *				     tcp-closing = 120; udp = 120; icmp = 30; }; };
 *		gateways = ( { name = "gw1"; endpoint = "192.0.2.1"; vni = 1;
 *			       mac = "02:fe:00:00:00:01";
 *			       egress-ip = "198.51.100.11"; } );  # optional
 *		policies = ( { name = "partner-api";
 *			       sources = [ "10.244.1.0/24" ];
 *			       destinations = [ "203.0.113.0/24" ];
 *			       exclude = [ "203.0.113.128/25" ];
 *			       gateway = "gw1";	# or a list, or an address
 *			       egress-ip = [ "198.51.100.10" ]; } );
 *	};
 *
 * The same section is valid on every ferryd: a policy whose gateway is an
 * address of this host is served here (SNAT), any other is steered
 * through the overlay, so the gateway's overlay VNI and MAC must be known:
 * from its gateways[] entry, or, for a bare address, from the bgp
 * neighbor with that address and an overlay key (bgp is parsed before
 * egress, see agent/modules.c).
 *
 * Checks beyond types and ranges keep the compiled tables exact
 * (egress_policy.c): policies may nest but not cross, a destination is
 * never in-cluster, an exclude lies inside its policy's destinations, and
 * every address family a policy matches has one egress IP: the policy's,
 * or each of its gateways' own (a gateways entry's egress-ip, which on
 * the gateway itself wins over the policy's, so that each gateway can
 * have an address whose replies come back to it).  Lists are
 * kept element for element, a bad element zeroed (family 0), so that
 * later checks name the right element and skip the broken one.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgpd.h"
#include "conf.h"
#include "egress_int.h"
#include "log.h"
#include "module.h"
#include "vtep.h"
#include "xalloc.h"

#define VNI_MAX 16777215

static const struct {
	const char *name;
	uint32_t def, min, max;
} timeouts[EGRESS_TO_MAX] = {
	[EGRESS_TO_TCP_SYN] = { "tcp-syn", 60, 1, 600 },
	[EGRESS_TO_TCP_ESTABLISHED] = { "tcp-established", 7440, 60, 604800 },
	[EGRESS_TO_TCP_CLOSING] = { "tcp-closing", 120, 1, 600 },
	[EGRESS_TO_UDP] = { "udp", 120, 1, 3600 },
	[EGRESS_TO_ICMP] = { "icmp", 30, 1, 600 },
};

const char *
egress_timeout_name(enum egress_timeout t)
{
	return t < EGRESS_TO_MAX ? timeouts[t].name : "?";
}

static const char *
fam_name(int family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

static uint8_t
fam_bit(int family)
{
	return family == AF_INET ? EGRESS_FAM_IPV4 : EGRESS_FAM_IPV6;
}

/*
 * The list at key as prefixes, out[i] for element i (zeroed if bad).
 * Returns the number of elements; 0 and no error when the key is absent.
 */
static size_t
parse_prefixes(struct conf_errs *e, const config_setting_t *g, const char *key,
    struct prefix **out)
{
	const config_setting_t *list, *s;
	size_t i, j, n;
	const char *str;
	char buf[PREFIX_STRLEN];
	struct prefix p;

	*out = NULL;
	if ((list = config_setting_get_member(g, key)) == NULL ||
	    !conf_want_list(e, list))
		return 0;
	n = (size_t)config_setting_length(list);
	*out = xcalloc(n + 1, sizeof(**out));
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
		(*out)[i] = p;
		for (j = 0; j < i; j++)
			if (prefix_cmp(&(*out)[j], &(*out)[i]) == 0) {
				conf_err(e, s, "%s is listed twice",
				    prefix_fmt(&(*out)[i], buf, sizeof(buf)));
				memset(&(*out)[i], 0, sizeof((*out)[i]));
				break;
			}
	}
	return n;
}

static const config_setting_t *
elem(const config_setting_t *g, const char *key, size_t i)
{
	return config_setting_get_elem(
	    config_setting_get_member(g, key), (unsigned)i);
}

static int
get_mac(struct conf_errs *e, const config_setting_t *g, const char *key,
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
	if (mac[0] & 1) {
		conf_err(e, config_setting_get_member(g, key),
		    "must be a unicast MAC (lowest bit of the first byte "
		    "clear)");
		return -1;
	}
	return 1;
}

static void
parse_ifaces(
    struct conf_errs *e, const config_setting_t *sec, struct egress_conf *ec)
{
	const config_setting_t *list, *s;
	const char *str;
	size_t i, j, n;

	if ((list = config_setting_get_member(sec, "interfaces")) == NULL ||
	    !conf_want_list(e, list))
		return;
	n = (size_t)config_setting_length(list);
	ec->ifaces = xcalloc(n + 1, sizeof(*ec->ifaces));
	for (i = 0; i < n; i++) {
		s = config_setting_get_elem(list, (unsigned)i);
		if (config_setting_type(s) != CONFIG_TYPE_STRING) {
			conf_err(e, s, "expected an interface name");
			continue;
		}
		str = config_setting_get_string(s);
		if (!conf_ifname_valid(str)) {
			conf_err(e, s,
			    "\"%s\" is not an interface name (1-15 "
			    "characters, no '/', ':' or blanks)",
			    str);
			continue;
		}
		for (j = 0; j < ec->nifaces; j++)
			if (strcmp(ec->ifaces[j], str) == 0)
				break;
		if (j < ec->nifaces) {
			conf_err(e, s, "\"%s\" is listed twice", str);
			continue;
		}
		ec->ifaces[ec->nifaces++] = xstrdup(str);
	}
}

static bool
port_elem(struct conf_errs *e, const config_setting_t *s, uint16_t *out)
{
	int v;

	if (s == NULL || config_setting_type(s) != CONFIG_TYPE_INT) {
		conf_err(e, s, "expected an integer");
		return false;
	}
	v = config_setting_get_int(s);
	if (v < 1 || v > 65535) {
		conf_err(e, s, "%d is out of range 1..65535", v);
		return false;
	}
	*out = (uint16_t)v;
	return true;
}

static void
parse_ports(struct conf_errs *e, const config_setting_t *nat,
    struct egress_nat_conf *nc)
{
	const config_setting_t *s;
	uint16_t lo, hi;
	bool ok;

	if ((s = config_setting_get_member(nat, "ports")) == NULL)
		return;
	if ((!config_setting_is_list(s) && !config_setting_is_array(s)) ||
	    config_setting_length(s) != 2) {
		conf_err(e, s, "expected [ first, last ]");
		return;
	}
	ok = port_elem(e, config_setting_get_elem(s, 0), &lo);
	ok = port_elem(e, config_setting_get_elem(s, 1), &hi) && ok;
	if (!ok)
		return;
	if (lo > hi)
		conf_err(e, s, "first port %u is above last port %u", lo, hi);
	else if (hi - lo + 1 < EGRESS_PORTS_AT_LEAST)
		conf_err(e, s, "%u ports are too few (at least %d)",
		    hi - lo + 1, EGRESS_PORTS_AT_LEAST);
	else {
		nc->port_min = lo;
		nc->port_max = hi;
	}
}

/* The sync key: key-file's bytes without trailing newlines. */
static void
read_sync_key(
    struct conf_errs *e, const config_setting_t *s, struct egress_sync_conf *sc)
{
	uint8_t buf[EGRESS_SYNC_KEY_MAX + 1];
	size_t n;
	FILE *f;

	if ((f = fopen(sc->key_file, "r")) == NULL) {
		conf_err(
		    e, s, "cannot read %s: %s", sc->key_file, strerror(errno));
		return;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	if (n < EGRESS_SYNC_KEY_MIN || n > EGRESS_SYNC_KEY_MAX) {
		conf_err(e, s, "%s: the key must have %d to %d bytes, has %zu",
		    sc->key_file, EGRESS_SYNC_KEY_MIN, EGRESS_SYNC_KEY_MAX, n);
		return;
	}
	sc->key = xmalloc(n);
	memcpy(sc->key, buf, n);
	sc->keylen = n;
}

static void
parse_sync(struct conf_errs *e, const config_setting_t *ha,
    struct egress_sync_conf *sc)
{
	static const char *const keys[] = { "key-file", "port", NULL };
	const config_setting_t *s;
	const char *str;
	uint64_t v;

	if ((s = config_setting_get_member(ha, "sync")) == NULL ||
	    !conf_want_group(e, s))
		return;
	conf_check_keys(e, s, keys);
	sc->enabled = true;
	if (conf_get_uint(e, s, "port", 1, 65535, &v) == 1)
		sc->port = (uint16_t)v;
	if (conf_get_string(e, s, "key-file", &str) != 1) {
		if (config_setting_get_member(s, "key-file") == NULL)
			conf_err_missing(e, s, "key-file");
		return;
	}
	sc->key_file = xstrdup(str);
	read_sync_key(e, config_setting_get_member(s, "key-file"), sc);
}

/* ha: what several gateways per policy need. */
static void
parse_ha(
    struct conf_errs *e, const config_setting_t *sec, struct egress_conf *ec)
{
	static const char *const keys[] = { "pin-table-size", "sync", NULL };
	const config_setting_t *ha;
	uint64_t v;

	ec->pin_table_size = EGRESS_PIN_TABLE_DEFAULT;
	ec->sync.port = EGRESS_SYNC_PORT_DEFAULT;
	if (sec == NULL ||
	    (ha = config_setting_get_member(sec, "ha")) == NULL ||
	    !conf_want_group(e, ha))
		return;
	conf_check_keys(e, ha, keys);
	if (conf_get_uint(e, ha, "pin-table-size", EGRESS_PIN_TABLE_MIN,
		EGRESS_PIN_TABLE_MAX, &v) == 1)
		ec->pin_table_size = (uint32_t)v;
	parse_sync(e, ha, &ec->sync);
}

static void
parse_nat(struct conf_errs *e, const config_setting_t *sec,
    struct egress_nat_conf *nc)
{
	static const char *const keys[] = { "table-size", "ports", "timeouts",
		NULL };
	static const char *const tkeys[] = { "tcp-syn", "tcp-established",
		"tcp-closing", "udp", "icmp", NULL };
	const config_setting_t *nat, *to;
	uint64_t v;
	int i;

	nc->table_size = EGRESS_TABLE_DEFAULT;
	nc->port_min = EGRESS_PORT_MIN_DEFAULT;
	nc->port_max = EGRESS_PORT_MAX_DEFAULT;
	for (i = 0; i < EGRESS_TO_MAX; i++)
		nc->timeout[i] = timeouts[i].def;
	if (sec == NULL ||
	    (nat = config_setting_get_member(sec, "nat")) == NULL ||
	    !conf_want_group(e, nat))
		return;
	conf_check_keys(e, nat, keys);
	if (conf_get_uint(e, nat, "table-size", EGRESS_TABLE_MIN,
		EGRESS_TABLE_MAX, &v) == 1)
		nc->table_size = (uint32_t)v;
	parse_ports(e, nat, nc);
	if ((to = config_setting_get_member(nat, "timeouts")) == NULL ||
	    !conf_want_group(e, to))
		return;
	conf_check_keys(e, to, tkeys);
	for (i = 0; i < EGRESS_TO_MAX; i++)
		if (conf_get_uint(e, to, timeouts[i].name, timeouts[i].min,
			timeouts[i].max, &v) == 1)
			nc->timeout[i] = (uint32_t)v;
}

/*
 * An egress-ip value: one address string, or a list of them.  The number
 * of elements, or -1 (logged) if it is neither.
 */
static int
ip_list_len(struct conf_errs *e, const config_setting_t *list)
{
	if (config_setting_type(list) == CONFIG_TYPE_STRING)
		return 1;
	if (!conf_want_list(e, list))
		return -1;
	return config_setting_length(list);
}

static const config_setting_t *
ip_list_elem(const config_setting_t *list, int i)
{
	return config_setting_type(list) == CONFIG_TYPE_STRING
	    ? list
	    : config_setting_get_elem(list, (unsigned)i);
}

/* Element s as an address; false if it is none. */
static bool
ip_elem(const config_setting_t *s, struct addr *a)
{
	return config_setting_type(s) == CONFIG_TYPE_STRING &&
	    addr_parse(config_setting_get_string(s), a) == 0;
}

/*
 * A gateways entry's own egress-ip: an address or a list, at most one
 * per family.  Whether they are this host's is checked only where a
 * policy served here SNATs to them (check_gw_snat).
 */
static void
parse_gw_egress_ips(
    struct conf_errs *e, const config_setting_t *g, struct egress_gateway *gw)
{
	const config_setting_t *list, *s;
	char buf[ADDR_STRLEN];
	struct addr a, *slot;
	int i, n;

	if ((list = config_setting_get_member(g, "egress-ip")) == NULL ||
	    (n = ip_list_len(e, list)) == -1)
		return;
	if (n == 0)
		conf_err(e, list,
		    "needs at least one address (or leave egress-ip out)");
	for (i = 0; i < n; i++) {
		s = ip_list_elem(list, i);
		if (!ip_elem(s, &a)) {
			conf_err(e, s, "expected an IP address");
			continue;
		}
		slot = a.family == AF_INET ? &gw->egress4 : &gw->egress6;
		if (slot->family != 0)
			conf_err(e, s,
			    "%s is a second %s egress IP (one per family)",
			    addr_fmt(&a, buf, sizeof(buf)), fam_name(a.family));
		else
			*slot = a;
	}
}

/* The element of gateways[i]'s egress-ip that set its family address. */
static const config_setting_t *
gw_ip_setting(const config_setting_t *gwlist, size_t i, int family)
{
	const config_setting_t *list, *s;
	struct addr a;
	int k, n;

	list = config_setting_get_member(
	    config_setting_get_elem(gwlist, (unsigned)i), "egress-ip");
	n = config_setting_type(list) == CONFIG_TYPE_STRING
	    ? 1
	    : config_setting_length(list);
	for (k = 0; k < n; k++) {
		s = ip_list_elem(list, k);
		if (ip_elem(s, &a) && a.family == family)
			return s;
	}
	return list;
}

static void
parse_gateway(struct conf_errs *e, const config_setting_t *g, uint32_t def_vni,
    struct egress_gateway *gw)
{
	static const char *const keys[] = { "name", "endpoint", "vni", "mac",
		"egress-ip", NULL };
	const char *name;
	struct addr a;
	uint64_t v;
	int rc;

	conf_check_keys(e, g, keys);
	if ((rc = conf_get_string(e, g, "name", &name)) == 0)
		conf_err_missing(e, g, "name");
	else if (rc == 1 && name[0] == '\0')
		conf_err(e, config_setting_get_member(g, "name"),
		    "must not be empty");
	else if (rc == 1 && addr_parse(name, &a) == 0)
		conf_err(e, config_setting_get_member(g, "name"),
		    "must not be an address (a policy's gateway may be "
		    "either)");
	gw->name = xstrdup(rc == 1 ? name : "");
	if ((rc = conf_get_addr(e, g, "endpoint", 0, &gw->endpoint)) == 0)
		conf_err_missing(e, g, "endpoint");
	else if (rc == 1)
		gw->local = conf_addr_local(&gw->endpoint) == 1;
	gw->vni = def_vni;
	if (conf_get_uint(e, g, "vni", 0, VNI_MAX, &v) == 1)
		gw->vni = (uint32_t)v;
	if (get_mac(e, g, "mac", gw->mac) == 0)
		conf_err_missing(e, g, "mac");
	parse_gw_egress_ips(e, g, gw);
}

static const struct addr *
gw_ip(const struct egress_gateway *gw, int family)
{
	return family == AF_INET ? &gw->egress4 : &gw->egress6;
}

/*
 * Two gateways with one egress IP: replies to it reach only one of
 * them, so the other's connections break.  That is what a gateway's own
 * address is there to avoid.
 */
static void
check_gateway_ips(struct conf_errs *e, const config_setting_t *list,
    const struct egress_conf *ec)
{
	const struct addr *a, *b;
	char buf[ADDR_STRLEN];
	size_t i, j;
	int f;

	for (i = 0; i < ec->ngateways; i++)
		for (f = 0; f < 2; f++) {
			int fam = f == 0 ? AF_INET : AF_INET6;

			if ((b = gw_ip(&ec->gateways[i], fam))->family == 0)
				continue;
			for (j = 0; j < i; j++) {
				a = gw_ip(&ec->gateways[j], fam);
				if (a->family == 0 || addr_cmp(a, b) != 0)
					continue;
				conf_err(e, gw_ip_setting(list, i, fam),
				    "%s is also the egress IP of gateway "
				    "\"%s\" (each gateway needs its own)",
				    addr_fmt(b, buf, sizeof(buf)),
				    ec->gateways[j].name);
				break;
			}
		}
}

static void
check_gateways(struct conf_errs *e, const config_setting_t *list,
    const struct egress_conf *ec)
{
	const struct egress_gateway *a, *b;
	char buf[ADDR_STRLEN];
	size_t i, j;

	for (i = 0; i < ec->ngateways; i++)
		for (j = 0; j < i; j++) {
			a = &ec->gateways[j];
			b = &ec->gateways[i];
			if (b->name[0] != '\0' &&
			    strcmp(a->name, b->name) == 0) {
				conf_err(e,
				    config_setting_get_member(
					config_setting_get_elem(
					    list, (unsigned)i),
					"name"),
				    "gateway \"%s\" is defined twice", b->name);
				break;
			}
			if (b->endpoint.family != 0 &&
			    addr_cmp(&a->endpoint, &b->endpoint) == 0) {
				conf_err(e,
				    config_setting_get_member(
					config_setting_get_elem(
					    list, (unsigned)i),
					"endpoint"),
				    "%s is also the endpoint of gateway \"%s\"",
				    addr_fmt(&b->endpoint, buf, sizeof(buf)),
				    a->name);
				break;
			}
		}
}

/* What the whole section shares while its policies are checked. */
struct pctx {
	const struct ferry_config *cf;
	struct egress_conf *ec;
	bool overlay;		     /* the overlay section exists */
	struct prefix *egress_pools; /* bgp pools of kind egress */
	size_t negress_pools;
	const config_setting_t *gwlist; /* egress.gateways */
	uint8_t *gw_told; /* per gateways entry: EGRESS_FAM_* checked */
};

/* One gateway named by str (at setting s) into *gw; false on error. */
static bool
resolve_one(struct conf_errs *e, const config_setting_t *s, const char *str,
    struct pctx *x, struct egress_gateway *gw)
{
	const struct egress_conf *ec = x->ec;
	struct addr a;
	size_t i;

	for (i = 0; i < ec->ngateways; i++)
		if (ec->gateways[i].name[0] != '\0' &&
		    strcmp(ec->gateways[i].name, str) == 0)
			break;
	if (i < ec->ngateways) {
		*gw = ec->gateways[i];
		gw->name = xstrdup(str);
		return true;
	}
	if (addr_parse(str, &a) == -1) {
		conf_err(e, s,
		    "unknown gateway \"%s\" (not in gateways, not an "
		    "address)",
		    str);
		return false;
	}
	for (i = 0; i < ec->ngateways; i++)
		if (addr_cmp(&ec->gateways[i].endpoint, &a) == 0)
			break;
	if (i < ec->ngateways) {
		*gw = ec->gateways[i];
		gw->name = NULL;
	} else if (conf_addr_local(&a) == 1) {
		gw->endpoint = a;
		gw->local = true;
	} else if (bgpd_conf_overlay_peer(x->cf, &a, &gw->vni, gw->mac))
		gw->endpoint = a;
	else {
		conf_err(e, s,
		    "%s is not an address of this host, nor a gateways "
		    "endpoint, nor a bgp neighbor with overlay settings",
		    str);
		return false;
	}
	if (!gw->local && !x->overlay) {
		conf_err(e, s,
		    "a gateway on another host needs the overlay section "
		    "(traffic to it is steered through the overlay)");
		return false;
	}
	return true;
}

/*
 * gateway: one name or address, or a list of up to EGRESS_GW_MAX, each
 * resolved as above; the same gateway twice is an error.  The policy is
 * served here when one of them is this host.
 */
static void
resolve_gateway(struct conf_errs *e, const config_setting_t *g, struct pctx *x,
    struct egress_policy *p)
{
	const config_setting_t *s = config_setting_get_member(g, "gateway");
	const config_setting_t *el;
	struct egress_gateway gw;
	const char *str;
	int i, j, n;

	if (s == NULL) {
		conf_err_missing(e, g, "gateway");
		return;
	}
	/* One string is a list of one. */
	if (config_setting_type(s) == CONFIG_TYPE_STRING)
		n = 1;
	else if (!config_setting_is_aggregate(s) ||
	    config_setting_type(s) == CONFIG_TYPE_GROUP) {
		conf_err(e, s, "gateway must be a string or a list of strings");
		return;
	} else if ((n = config_setting_length(s)) == 0 || n > EGRESS_GW_MAX) {
		conf_err(e, s, "gateway lists 1 to %d gateways, not %d",
		    EGRESS_GW_MAX, n);
		return;
	}
	for (i = 0; i < n; i++) {
		el = config_setting_type(s) == CONFIG_TYPE_STRING
		    ? s
		    : config_setting_get_elem(s, (unsigned int)i);
		if (config_setting_type(el) != CONFIG_TYPE_STRING) {
			conf_err(e, el, "gateway: element %d is not a string",
			    i + 1);
			continue;
		}
		str = config_setting_get_string(el);
		memset(&gw, 0, sizeof(gw));
		if (!resolve_one(e, el, str, x, &gw))
			continue;
		for (j = 0; j < (int)p->ngw; j++)
			if (addr_cmp(&p->gw[j].endpoint, &gw.endpoint) == 0)
				break;
		if (j < (int)p->ngw) {
			conf_err(e, el,
			    "gateway \"%s\" is listed twice (the same "
			    "endpoint)",
			    str);
			free(gw.name);
			continue;
		}
		p->gw[p->ngw++] = gw;
		p->local |= gw.local;
	}
}

static bool
in_pools(const struct prefix *pools, size_t n, const struct addr *a)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (prefix_contains_addr(&pools[i], a))
			return true;
	return false;
}

static bool
snat_ok(const struct pctx *x, const struct addr *a)
{
	return conf_addr_local(a) == 1 ||
	    in_pools(x->egress_pools, x->negress_pools, a);
}

/* The policy's first gateway that is this host, or -1. */
static int
local_gw(const struct egress_policy *p)
{
	size_t k;

	for (k = 0; k < p->ngw; k++)
		if (p->gw[k].local)
			return (int)k;
	return -1;
}

/* The gateways entry gw was resolved from, or -1 for a bare address. */
static int
gw_entry(const struct egress_conf *ec, const struct egress_gateway *gw)
{
	size_t i;

	for (i = 0; i < ec->ngateways; i++)
		if (ec->gateways[i].endpoint.family != 0 &&
		    addr_cmp(&ec->gateways[i].endpoint, &gw->endpoint) == 0)
			return (int)i;
	return -1;
}

/*
 * The first of p's gateways without an egress IP of family of its own,
 * or -1 if every one has one (then the policy needs none); -2 if the
 * policy has no gateway (an error already).
 */
static int
gw_lacking(const struct egress_policy *p, int family)
{
	size_t k;

	if (p->ngw == 0)
		return -2;
	for (k = 0; k < p->ngw; k++)
		if (gw_ip(&p->gw[k], family)->family == 0)
			return (int)k;
	return -1;
}

/* Has any of p's gateways an egress IP of its own? */
static bool
gw_any_ip(const struct egress_policy *p)
{
	size_t k;

	for (k = 0; k < p->ngw; k++)
		if (p->gw[k].egress4.family != 0 ||
		    p->gw[k].egress6.family != 0)
			return true;
	return false;
}

/* Gateway k of p as an error names it. */
static const char *
gw_label(const struct pctx *x, const struct egress_policy *p, size_t k,
    char *buf, size_t len)
{
	const struct egress_gateway *gw = &p->gw[k];
	char a[ADDR_STRLEN];

	addr_fmt(&gw->endpoint, a, sizeof(a));
	if (gw->name != NULL)
		snprintf(buf, len, "\"%s\"", gw->name);
	else if (gw_entry(x->ec, gw) >= 0)
		snprintf(buf, len, "%s", a);
	else
		snprintf(buf, len, "%s (not a gateways entry)", a);
	return buf;
}

/*
 * egress-ip: an address or a list, one per family the policy matches,
 * unless every gateway of the policy has one of that family of its own
 * (its gateways entry's egress-ip); then the policy's may be left out.
 * Where the policy is served, an address of the policy is checked to be
 * this host's or in an egress pool when the local gateway has none of
 * its family (else the gateway's is used, check_gw_snat).
 */
static void
parse_egress_ips(struct conf_errs *e, const config_setting_t *g, struct pctx *x,
    struct egress_policy *p)
{
	const config_setting_t *s, *list;
	char buf[ADDR_STRLEN], gwb[ADDR_STRLEN + 32];
	struct addr a, *slot;
	int i, n, k, lgw = local_gw(p);
	uint8_t seen = 0;
	bool bad = false;

	if ((list = config_setting_get_member(g, "egress-ip")) == NULL) {
		if (p->families == 0)
			return;
		for (i = 0; i < 2; i++) {
			int fam = i == 0 ? AF_INET : AF_INET6;

			if (!(p->families & fam_bit(fam)) ||
			    (k = gw_lacking(p, fam)) == -1)
				continue;
			if (k == -2 || !gw_any_ip(p)) {
				conf_err_missing(e, g, "egress-ip");
				return;
			}
			conf_err(e, g,
			    "egress-ip is required: the policy matches %s "
			    "traffic and gateway %s has no %s egress-ip of "
			    "its own",
			    fam_name(fam),
			    gw_label(x, p, (size_t)k, gwb, sizeof(gwb)),
			    fam_name(fam));
		}
		return;
	}
	if ((n = ip_list_len(e, list)) == -1)
		return;
	for (i = 0; i < n; i++) {
		s = ip_list_elem(list, i);
		if (!ip_elem(s, &a)) {
			conf_err(e, s, "expected an IP address");
			bad = true;
			continue;
		}
		addr_fmt(&a, buf, sizeof(buf));
		seen |= fam_bit(a.family);
		slot = a.family == AF_INET ? &p->egress4 : &p->egress6;
		if (!(p->families & fam_bit(a.family)))
			conf_err(e, s, "%s: the policy matches no %s traffic",
			    buf, fam_name(a.family));
		else if (slot->family != 0)
			conf_err(e, s,
			    "%s is a second %s egress IP (one per family)", buf,
			    fam_name(a.family));
		else if (lgw >= 0 &&
		    gw_ip(&p->gw[lgw], a.family)->family == 0 &&
		    !snat_ok(x, &a))
			conf_err(e, s,
			    "egress-ip %s is neither an address of this host "
			    "nor in an egress pool",
			    buf);
		else
			*slot = a;
	}
	for (i = 0; i < 2 && !bad; i++) {
		int fam = i == 0 ? AF_INET : AF_INET6;

		if (!(p->families & fam_bit(fam)) || (seen & fam_bit(fam)) ||
		    (k = gw_lacking(p, fam)) == -1)
			continue;
		if (k == -2 || !gw_any_ip(p))
			conf_err(e, list,
			    "needs an %s address: the policy matches %s "
			    "traffic",
			    fam_name(fam), fam_name(fam));
		else
			conf_err(e, list,
			    "needs an %s address: the policy matches %s "
			    "traffic and gateway %s has no %s egress-ip of "
			    "its own",
			    fam_name(fam), fam_name(fam),
			    gw_label(x, p, (size_t)k, gwb, sizeof(gwb)),
			    fam_name(fam));
	}
}

const struct addr *
egress_gw_snat(const struct egress_policy *p, size_t k, int family)
{
	const struct addr *a;

	if (k >= p->ngw || !(p->families & fam_bit(family)))
		return NULL;
	if ((a = gw_ip(&p->gw[k], family))->family != 0)
		return a;
	a = family == AF_INET ? &p->egress4 : &p->egress6;
	return a->family != 0 ? a : NULL;
}

const struct addr *
egress_shared_ip(const struct egress_policy *p, int family)
{
	const struct addr *a, *b;
	size_t j, k;

	for (j = 0; j < p->ngw; j++)
		for (k = j + 1; k < p->ngw; k++) {
			a = egress_gw_snat(p, j, family);
			b = egress_gw_snat(p, k, family);
			if (a != NULL && b != NULL && addr_cmp(a, b) == 0)
				return a;
		}
	return NULL;
}

bool
egress_policy_shares(const struct egress_policy *p)
{
	static const int fams[] = { AF_INET, AF_INET6 };
	const struct addr *mine, *other;
	size_t f, j;
	int k;

	if ((k = local_gw(p)) < 0)
		return false;
	for (f = 0; f < 2; f++) {
		if ((mine = egress_gw_snat(p, (size_t)k, fams[f])) == NULL)
			continue;
		for (j = 0; j < p->ngw; j++)
			if (j != (size_t)k &&
			    (other = egress_gw_snat(p, j, fams[f])) != NULL &&
			    addr_cmp(mine, other) == 0)
				return true;
	}
	return false;
}

/*
 * A local gateway's own egress IP of family, which a policy served here
 * SNATs to: this host's, or in an egress pool.  Checked once per
 * gateways entry and family, and the error is at its egress-ip.
 */
static void
check_gw_snat(struct conf_errs *e, struct pctx *x,
    const struct egress_gateway *gw, int family)
{
	char buf[ADDR_STRLEN];
	int i;

	if ((i = gw_entry(x->ec, gw)) < 0 || (x->gw_told[i] & fam_bit(family)))
		return;
	x->gw_told[i] |= fam_bit(family);
	if (!snat_ok(x, gw_ip(gw, family)))
		conf_err(e, gw_ip_setting(x->gwlist, (size_t)i, family),
		    "egress-ip %s is neither an address of this host nor in "
		    "an egress pool (gateway \"%s\" is this host)",
		    addr_fmt(gw_ip(gw, family), buf, sizeof(buf)),
		    x->ec->gateways[i].name);
}

/*
 * snat4 and snat6: where the policy is served, what its first local
 * gateway SNATs to (egress_gw_snat); elsewhere the policy's own, which
 * the datapath there does not use.
 */
static void
set_snat(struct conf_errs *e, struct pctx *x, struct egress_policy *p)
{
	const struct addr *a;
	int i, lgw = local_gw(p);

	p->snat4 = p->egress4;
	p->snat6 = p->egress6;
	if (lgw < 0)
		return;
	for (i = 0; i < 2; i++) {
		int fam = i == 0 ? AF_INET : AF_INET6;
		struct addr *out = i == 0 ? &p->snat4 : &p->snat6;

		if ((a = egress_gw_snat(p, (size_t)lgw, fam)) == NULL)
			continue;
		*out = *a;
		if (gw_ip(&p->gw[lgw], fam)->family != 0)
			check_gw_snat(e, x, &p->gw[lgw], fam);
	}
}

int
egress_port_slice(
    uint16_t min, uint16_t max, size_t n, size_t k, uint16_t *lo, uint16_t *hi)
{
	uint32_t size = (uint32_t)max - min + 1;

	if (max < min || n == 0 || k >= n || size < n)
		return -1;
	*lo = (uint16_t)(min + (uint32_t)k * size / n);
	*hi = (uint16_t)(min + (uint32_t)(k + 1) * size / n - 1);
	return 0;
}

/*
 * Where the policy is served and the local gateway (the first, as for
 * set_snat) translates to the policy's egress-ip, which its other
 * gateways share: its slice of nat.ports, so that no two of them reserve
 * the same tuple (docs/design.md, "Disjoint ports").  One slice for both
 * families, taken when either is shared; a gateway whose own egress-ip
 * covers every family needs none.  n is the configured gateways, live or
 * not.  A range with fewer ports than gateways cannot be sliced
 * (unreachable while nat.ports holds EGRESS_PORTS_AT_LEAST ports).
 */
static void
set_slice(struct conf_errs *e, const config_setting_t *g,
    const struct egress_conf *ec, struct egress_policy *p)
{
	int i, fam, lgw = local_gw(p);
	bool shared = false;

	if (lgw < 0 || p->ngw < 2)
		return;
	for (i = 0; i < 2; i++) {
		fam = i == 0 ? AF_INET : AF_INET6;
		shared |= (p->families & fam_bit(fam)) &&
		    gw_ip(&p->gw[lgw], fam)->family == 0 &&
		    (fam == AF_INET ? &p->egress4 : &p->egress6)->family != 0;
	}
	if (shared &&
	    egress_port_slice(ec->nat.port_min, ec->nat.port_max, p->ngw,
		(size_t)lgw, &p->port_lo, &p->port_hi) == -1)
		conf_err(e, config_setting_get_member(g, "gateway"),
		    "%zu gateways share egress-ip but nat.ports %u..%u has "
		    "fewer ports than that: each needs a slice of its own",
		    p->ngw, ec->nat.port_min, ec->nat.port_max);
}

/* Families, excludes, in-cluster destinations. */
static void
check_prefixes(struct conf_errs *e, const config_setting_t *g,
    const struct egress_conf *ec, struct egress_policy *p)
{
	char a[PREFIX_STRLEN], b[PREFIX_STRLEN];
	uint8_t dfam = 0, sfam = 0, told = 0;
	size_t i, j;

	for (i = 0; i < p->ndst; i++)
		if (p->dst[i].addr.family != 0)
			dfam |= fam_bit(p->dst[i].addr.family);
	for (i = 0; i < p->nsrc; i++) {
		uint8_t f;

		if (p->src[i].addr.family == 0)
			continue;
		f = fam_bit(p->src[i].addr.family);
		sfam |= f;
		if (!(dfam & f) && !(told & f) && p->ndst > 0) {
			conf_err(e, elem(g, "sources", i),
			    "%s has no %s destination in the policy",
			    prefix_fmt(&p->src[i], a, sizeof(a)),
			    fam_name(p->src[i].addr.family));
			told |= f;
		}
	}
	for (i = 0; i < p->ndst; i++) {
		if (p->dst[i].addr.family == 0)
			continue;
		prefix_fmt(&p->dst[i], a, sizeof(a));
		if (!(sfam & fam_bit(p->dst[i].addr.family)) && sfam != 0)
			conf_err(e, elem(g, "destinations", i),
			    "%s destination %s: the policy has no %s source",
			    fam_name(p->dst[i].addr.family), a,
			    fam_name(p->dst[i].addr.family));
		for (j = 0; j < ec->nincluster; j++)
			if (prefix_contains(&ec->incluster[j], &p->dst[i])) {
				conf_err(e, elem(g, "destinations", i),
				    "%s is in-cluster (inside %s), never "
				    "sent to a gateway",
				    a,
				    prefix_fmt(
					&ec->incluster[j], b, sizeof(b)));
				break;
			}
	}
	/* The families the policy matches: a source and a destination. */
	p->families = sfam & dfam;
	for (i = 0; i < p->nexclude; i++) {
		if (p->exclude[i].addr.family == 0)
			continue;
		for (j = 0; j < p->ndst; j++)
			if (p->dst[j].addr.family != 0 &&
			    p->dst[j].len < p->exclude[i].len &&
			    prefix_contains(&p->dst[j], &p->exclude[i]))
				break;
		if (j == p->ndst)
			conf_err(e, elem(g, "exclude", i),
			    "%s is not inside any of the policy's "
			    "destinations",
			    prefix_fmt(&p->exclude[i], a, sizeof(a)));
	}
}

static void
parse_policy(struct conf_errs *e, const config_setting_t *g, struct pctx *x,
    struct egress_policy *p)
{
	static const char *const keys[] = { "name", "sources", "destinations",
		"exclude", "gateway", "egress-ip", NULL };
	const char *name;
	int rc;

	conf_check_keys(e, g, keys);
	if ((rc = conf_get_string(e, g, "name", &name)) == 0)
		conf_err_missing(e, g, "name");
	else if (rc == 1 && name[0] == '\0')
		conf_err(e, config_setting_get_member(g, "name"),
		    "must not be empty");
	p->name = xstrdup(rc == 1 ? name : "");
	if (config_setting_get_member(g, "sources") == NULL)
		conf_err_missing(e, g, "sources");
	else if ((p->nsrc = parse_prefixes(e, g, "sources", &p->src)) == 0)
		conf_err(e, config_setting_get_member(g, "sources"),
		    "needs at least one prefix");
	if (config_setting_get_member(g, "destinations") == NULL)
		conf_err_missing(e, g, "destinations");
	else if ((p->ndst = parse_prefixes(e, g, "destinations", &p->dst)) == 0)
		conf_err(e, config_setting_get_member(g, "destinations"),
		    "needs at least one prefix");
	p->nexclude = parse_prefixes(e, g, "exclude", &p->exclude);
	check_prefixes(e, g, x->ec, p);
	resolve_gateway(e, g, x, p);
	parse_egress_ips(e, g, x, p);
	set_snat(e, x, p);
	set_slice(e, g, x->ec, p);
}

struct conflict_ctx {
	struct conf_errs *e;
	const config_setting_t *list;
	const struct egress_policy *pol;
};

static void
report_conflict(void *arg, const struct egress_conflict *c)
{
	const struct conflict_ctx *x = arg;
	const struct egress_policy *a = &x->pol[c->a], *b = &x->pol[c->b];
	char as[PREFIX_STRLEN], ad[PREFIX_STRLEN];
	char bs[PREFIX_STRLEN], bd[PREFIX_STRLEN];
	const config_setting_t *s;

	prefix_fmt(&a->src[c->asrc], as, sizeof(as));
	prefix_fmt(&a->dst[c->adst], ad, sizeof(ad));
	prefix_fmt(&b->src[c->bsrc], bs, sizeof(bs));
	prefix_fmt(&b->dst[c->bdst], bd, sizeof(bd));
	s = config_setting_get_elem(x->list, (unsigned)c->b);
	if (prefix_cmp(&a->src[c->asrc], &b->src[c->bsrc]) == 0 &&
	    prefix_cmp(&a->dst[c->adst], &b->dst[c->bdst]) == 0)
		conf_err(x->e, s,
		    "%s -> %s is also in policy \"%s\": which one applies?", bs,
		    bd, a->name);
	else
		conf_err(x->e, s,
		    "%s -> %s overlaps %s -> %s of policy \"%s\" and neither "
		    "is more specific in both source and destination",
		    bs, bd, as, ad, a->name);
}

static void
check_policy_names(struct conf_errs *e, const config_setting_t *list,
    const struct egress_conf *ec)
{
	size_t i, j;

	for (i = 0; i < ec->npolicies; i++)
		for (j = 0; j < i; j++)
			if (ec->policies[i].name[0] != '\0' &&
			    strcmp(ec->policies[i].name,
				ec->policies[j].name) == 0) {
				conf_err(e,
				    config_setting_get_member(
					config_setting_get_elem(
					    list, (unsigned)i),
					"name"),
				    "policy \"%s\" is defined twice",
				    ec->policies[i].name);
				break;
			}
}

static int
pfx_cmp(const void *a, const void *b)
{
	return prefix_cmp(a, b);
}

/* cluster-prefixes, bgp pod and service pools, VTEP prefixes. */
static void
build_incluster(const struct ferry_config *cf, struct egress_conf *ec)
{
	struct prefix *pools, *vteps;
	size_t npools, nvteps, i, n = 0;

	npools = bgpd_conf_pools(cf, BGPD_KIND_POD | BGPD_KIND_SERVICE, &pools);
	nvteps = vtep_conf_prefixes(cf, &vteps);
	ec->incluster =
	    xcalloc(ec->ncluster + npools + nvteps + 1, sizeof(*ec->incluster));
	for (i = 0; i < ec->ncluster; i++)
		if (ec->cluster[i].addr.family != 0)
			ec->incluster[n++] = ec->cluster[i];
	for (i = 0; i < npools; i++)
		ec->incluster[n++] = pools[i];
	for (i = 0; i < nvteps; i++)
		ec->incluster[n++] = vteps[i];
	free(pools);
	free(vteps);
	qsort(ec->incluster, n, sizeof(*ec->incluster), pfx_cmp);
	ec->nincluster = 0;
	for (i = 0; i < n; i++)
		if (ec->nincluster == 0 ||
		    prefix_cmp(&ec->incluster[ec->nincluster - 1],
			&ec->incluster[i]) != 0)
			ec->incluster[ec->nincluster++] = ec->incluster[i];
}

static void
parse_pin_dir(
    struct conf_errs *e, const config_setting_t *sec, struct egress_conf *ec)
{
	const char *str;

	if (conf_get_string(e, sec, "pin-dir", &str) != 1)
		return;
	if (strncmp(str, "/sys/fs/bpf/", 12) != 0 || strlen(str) < 13 ||
	    strstr(str, "..") != NULL)
		conf_err(e, config_setting_get_member(sec, "pin-dir"),
		    "must be a directory below /sys/fs/bpf/");
	else {
		free(ec->pin_dir);
		ec->pin_dir = xstrdup(str);
	}
}

static void
parse_policies(struct conf_errs *e, const config_setting_t *sec, struct pctx *x)
{
	struct egress_conf *ec = x->ec;
	const config_setting_t *list, *g;
	struct conflict_ctx cc;
	size_t i, n;

	if ((list = config_setting_get_member(sec, "policies")) == NULL ||
	    !conf_want_list(e, list))
		return;
	n = (size_t)config_setting_length(list);
	if (n > EGRESS_POLICY_MAX)
		conf_err(
		    e, list, "%zu policies, at most %d", n, EGRESS_POLICY_MAX);
	ec->policies = xcalloc(n + 1, sizeof(*ec->policies));
	for (i = 0; i < n; i++) {
		g = config_setting_get_elem(list, (unsigned)i);
		if (conf_want_group(e, g))
			parse_policy(e, g, x, &ec->policies[i]);
		else
			ec->policies[i].name = xstrdup("");
	}
	ec->npolicies = n;
	check_policy_names(e, list, ec);
	cc.e = e;
	cc.list = list;
	cc.pol = ec->policies;
	egress_policy_conflicts(ec->policies, n, report_conflict, &cc);
}

/*
 * A node spreads a policy with several gateways over the healthy ones,
 * and promises a failed one out of the set within a second: that needs
 * BFD on the BGP session with its endpoint.  Without it a failure shows
 * only at the hold time; without a session, never.  Valid, but said
 * (not beside errors: that config is not loaded anyway).
 */
static void
warn_health(const struct conf_errs *e, const struct ferry_config *cf,
    const struct egress_conf *ec)
{
	const struct egress_policy *p;
	char buf[ADDR_STRLEN];
	size_t i, k;
	int bfd;

	if (e->n > 0)
		return;
	for (i = 0; i < ec->npolicies; i++) {
		p = &ec->policies[i];
		/* Served here: the gateway wins, nothing is hashed. */
		for (k = 0; !p->local && p->ngw > 1 && k < p->ngw; k++) {
			bfd = bgpd_conf_peer_bfd(cf, &p->gw[k].endpoint);
			if (bfd == 1)
				continue;
			log_warn("egress: policy=%s gateway=%s: %s", p->name,
			    addr_fmt(&p->gw[k].endpoint, buf, sizeof(buf)),
			    bfd == 0
				? "its bgp neighbor has no bfd: a failure is "
				  "seen at the hold time, not within a second"
				: "no bgp neighbor at its endpoint: it is never "
				  "taken out of the set");
		}
	}
}

void *
egress_conf_parse(const config_setting_t *sec, const struct ferry_config *cf,
    struct conf_errs *e)
{
	static const char *const keys[] = { "pin-dir", "interfaces",
		"cluster-prefixes", "nat", "ha", "gateways", "policies", NULL };
	struct egress_conf *ec = xcalloc(1, sizeof(*ec));
	const config_setting_t *list, *g;
	uint32_t vni = EGRESS_DEFAULT_VNI;
	struct pctx x;
	size_t i, n;

	ec->pin_dir = xstrdup(EGRESS_DEFAULT_PIN_DIR);
	parse_nat(e, NULL, &ec->nat);
	parse_ha(e, NULL, ec);
	if (sec == NULL)
		return ec;
	ec->enabled = true;
	conf_check_keys(e, sec, keys);
	parse_pin_dir(e, sec, ec);
	parse_ifaces(e, sec, ec);
	ec->ncluster = parse_prefixes(e, sec, "cluster-prefixes", &ec->cluster);
	parse_nat(e, sec, &ec->nat);
	parse_ha(e, sec, ec);

	memset(&x, 0, sizeof(x));
	x.cf = cf;
	x.ec = ec;
	x.overlay = vtep_conf_present(cf, &vni);
	x.negress_pools =
	    bgpd_conf_pools(cf, BGPD_KIND_EGRESS, &x.egress_pools);
	build_incluster(cf, ec);

	if ((list = config_setting_get_member(sec, "gateways")) != NULL &&
	    conf_want_list(e, list)) {
		n = (size_t)config_setting_length(list);
		ec->gateways = xcalloc(n + 1, sizeof(*ec->gateways));
		for (i = 0; i < n; i++) {
			g = config_setting_get_elem(list, (unsigned)i);
			if (conf_want_group(e, g))
				parse_gateway(e, g, vni, &ec->gateways[i]);
			else
				ec->gateways[i].name = xstrdup("");
		}
		ec->ngateways = n;
		check_gateways(e, list, ec);
		check_gateway_ips(e, list, ec);
		x.gwlist = list;
		x.gw_told = xcalloc(n + 1, sizeof(*x.gw_told));
	}
	parse_policies(e, sec, &x);
	for (i = 0; i < ec->npolicies; i++)
		ec->policies[i].sync =
		    ec->sync.enabled && egress_policy_shares(&ec->policies[i]);
	warn_health(e, cf, ec);
	if (ec->npolicies > 0 &&
	    (list = config_setting_get_member(sec, "interfaces")) == NULL)
		conf_err_missing(e, sec, "interfaces");
	else if (ec->npolicies > 0 && config_setting_length(list) == 0)
		conf_err(e, list,
		    "needs at least one interface when there "
		    "are policies");
	free(x.egress_pools);
	free(x.gw_told);
	return ec;
}

static void
gateway_free(struct egress_gateway *gw)
{
	free(gw->name);
}

void
egress_conf_free(void *arg)
{
	struct egress_conf *ec = arg;
	size_t i;

	for (i = 0; i < ec->nifaces; i++)
		free(ec->ifaces[i]);
	free(ec->ifaces);
	for (i = 0; i < ec->ngateways; i++)
		gateway_free(&ec->gateways[i]);
	free(ec->gateways);
	for (i = 0; i < ec->npolicies; i++) {
		struct egress_policy *p = &ec->policies[i];
		size_t j;

		free(p->name);
		free(p->src);
		free(p->dst);
		free(p->exclude);
		for (j = 0; j < p->ngw; j++)
			gateway_free(&p->gw[j]);
	}
	free(ec->policies);
	free(ec->cluster);
	free(ec->incluster);
	free(ec->pin_dir);
	free(ec->sync.key_file);
	if (ec->sync.key != NULL)
		explicit_bzero(ec->sync.key, ec->sync.keylen);
	free(ec->sync.key);
	free(ec);
}

static void
dump_prefixes(
    config_setting_t *g, const char *key, const struct prefix *p, size_t n)
{
	config_setting_t *arr = config_setting_add(g, key, CONFIG_TYPE_ARRAY);
	char buf[PREFIX_STRLEN];
	size_t i;

	for (i = 0; i < n; i++)
		config_setting_set_string(
		    config_setting_add(arr, NULL, CONFIG_TYPE_STRING),
		    prefix_fmt(&p[i], buf, sizeof(buf)));
}

/* A policy's gateway as configured: its name, else its address. */
static void
dump_gateway(config_setting_t *parent, const struct egress_gateway *gw)
{
	const char *key = config_setting_is_array(parent) ? NULL : "gateway";
	char buf[ADDR_STRLEN];

	config_setting_set_string(
	    config_setting_add(parent, key, CONFIG_TYPE_STRING),
	    gw->name != NULL ? gw->name
			     : addr_fmt(&gw->endpoint, buf, sizeof(buf)));
}

/*
 * egress-ip, IPv4 first; left out when there is none (a policy whose
 * gateways all have their own, a gateway without).
 */
static void
dump_ips(config_setting_t *g, const struct addr *a4, const struct addr *a6)
{
	config_setting_t *arr;
	char buf[ADDR_STRLEN];

	if (a4->family == 0 && a6->family == 0)
		return;
	arr = config_setting_add(g, "egress-ip", CONFIG_TYPE_ARRAY);
	if (a4->family != 0)
		config_setting_set_string(
		    config_setting_add(arr, NULL, CONFIG_TYPE_STRING),
		    addr_fmt(a4, buf, sizeof(buf)));
	if (a6->family != 0)
		config_setting_set_string(
		    config_setting_add(arr, NULL, CONFIG_TYPE_STRING),
		    addr_fmt(a6, buf, sizeof(buf)));
}

static void
dump_policy(config_setting_t *g, const struct egress_policy *p)
{
	config_setting_t *arr;
	size_t i;

	conf_dump_string(g, "name", p->name);
	dump_prefixes(g, "sources", p->src, p->nsrc);
	dump_prefixes(g, "destinations", p->dst, p->ndst);
	dump_prefixes(g, "exclude", p->exclude, p->nexclude);
	if (p->ngw == 1)
		dump_gateway(g, &p->gw[0]);
	else {
		arr = config_setting_add(g, "gateway", CONFIG_TYPE_ARRAY);
		for (i = 0; i < p->ngw; i++)
			dump_gateway(arr, &p->gw[i]);
	}
	dump_ips(g, &p->egress4, &p->egress6);
}

void
egress_conf_dump(const void *arg, config_setting_t *root)
{
	const struct egress_conf *ec = arg;
	config_setting_t *out, *arr, *nat, *to, *list, *g;
	char buf[MAC_STRLEN];
	size_t i;

	if (!ec->enabled)
		return;
	out = conf_dump_group(root, "egress");
	conf_dump_string(out, "pin-dir", ec->pin_dir);
	arr = config_setting_add(out, "interfaces", CONFIG_TYPE_ARRAY);
	for (i = 0; i < ec->nifaces; i++)
		config_setting_set_string(
		    config_setting_add(arr, NULL, CONFIG_TYPE_STRING),
		    ec->ifaces[i]);
	dump_prefixes(out, "cluster-prefixes", ec->cluster, ec->ncluster);
	nat = conf_dump_group(out, "nat");
	conf_dump_uint(nat, "table-size", ec->nat.table_size);
	arr = config_setting_add(nat, "ports", CONFIG_TYPE_ARRAY);
	config_setting_set_int(
	    config_setting_add(arr, NULL, CONFIG_TYPE_INT), ec->nat.port_min);
	config_setting_set_int(
	    config_setting_add(arr, NULL, CONFIG_TYPE_INT), ec->nat.port_max);
	to = conf_dump_group(nat, "timeouts");
	for (i = 0; i < EGRESS_TO_MAX; i++)
		conf_dump_uint(to, timeouts[i].name, ec->nat.timeout[i]);
	g = conf_dump_group(out, "ha");
	conf_dump_uint(g, "pin-table-size", ec->pin_table_size);
	if (ec->sync.enabled) {
		g = conf_dump_group(g, "sync");
		conf_dump_string(g, "key-file", ec->sync.key_file);
		conf_dump_uint(g, "port", ec->sync.port);
	}
	list = conf_dump_list(out, "gateways");
	for (i = 0; i < ec->ngateways; i++) {
		const struct egress_gateway *gw = &ec->gateways[i];

		g = config_setting_add(list, NULL, CONFIG_TYPE_GROUP);
		conf_dump_string(g, "name", gw->name);
		conf_dump_addr(g, "endpoint", &gw->endpoint);
		conf_dump_uint(g, "vni", gw->vni);
		conf_dump_string(g, "mac", mac_fmt(gw->mac, buf, sizeof(buf)));
		dump_ips(g, &gw->egress4, &gw->egress6);
	}
	list = conf_dump_list(out, "policies");
	for (i = 0; i < ec->npolicies; i++)
		dump_policy(config_setting_add(list, NULL, CONFIG_TYPE_GROUP),
		    &ec->policies[i]);
}
