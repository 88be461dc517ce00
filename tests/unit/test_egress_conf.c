/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The egress section (egress/egress_conf.c) and the policy compiler
 * (egress/egress_policy.c).
 *
 * Config cases load text through conf_load() as ferryd does and check the
 * normalized structs, or the one error a mistake causes (file:line and
 * the full key path).  The golden tests (tests/config/egress*.conf) cover
 * the dump and most error kinds together; here are the ones a single
 * file cannot hold, and the semantics behind them.
 *
 * The compiler is checked against its definition: for random sets of
 * policies that the ambiguity check accepts, and random (source,
 * destination) pairs, a brute-force classifier (every rectangle of every
 * policy that contains the pair, the unique most specific one wins, its
 * excludes and the in-cluster prefixes leave the packet alone) must agree
 * with a lookup through the compiled tables as the datapath does it: LPM
 * on the source to a class, then LPM on (class, destination).  The seed
 * is fixed (EGRESS_TEST_SEED overrides it) and printed on failure.
 */
#include <arpa/inet.h>

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "conf.h"
#include "egress.h"
#include "egressd.h"
#include "egress_int.h"
#include "module.h"
#include "xalloc.h"

#define FILE_NAME "t.conf"

/* A bgp section, an overlay, and the head of an egress section. */
#define BGP                                                             \
	"bgp = { asn = 65000; router-id = \"192.0.2.1\";\n"             \
	" pools = ( { prefix = \"10.244.0.0/16\"; kind = \"pod\"; },\n" \
	"  { prefix = \"198.51.100.0/28\"; kind = \"egress\"; } );\n"   \
	" neighbors = ( { address = \"192.0.2.20\"; asn = 65000;\n"     \
	"  overlay = { vni = 20; mac = \"02:00:00:00:00:20\"; }; } ); };\n"
#define OVERLAY "overlay = { local = \"127.0.0.1\"; };\n"
/* Lines 1-5 are BGP, 6 OVERLAY: the egress section opens on line 7. */
#define HEAD BGP OVERLAY "egress = {\n interfaces = [ \"eth0\" ];\n"
#define POLICY(extra)                                                         \
	" policies = ( { name = \"p\"; sources = [ \"10.244.1.0/24\" ];\n"    \
	"  destinations = [ \"203.0.113.0/24\" ]; gateway = \"127.0.0.1\";\n" \
	"  egress-ip = [ \"198.51.100.1\" ]; " extra " } );\n"

static void
print_errs(const struct conf_errs *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		print_error("got: %s\n", e->msg[i]);
}

/* Load text; expect exactly one error and that it contains want. */
static void
expect_error(const char *text, const char *want)
{
	struct ferry_config *cf;
	struct conf_errs e;

	conf_errs_init(&e, FILE_NAME);
	cf = conf_load(FILE_NAME, text, &e);
	if (cf != NULL || e.n != 1 || strstr(e.msg[0], want) == NULL) {
		print_errs(&e);
		print_error("want one error containing: %s\n", want);
		conf_free(cf);
		conf_errs_clear(&e);
		fail();
	}
	conf_errs_clear(&e);
}

/* Load text; expect exactly n errors, the first containing want. */
static void
expect_n_errors(const char *text, size_t n, const char *want)
{
	struct ferry_config *cf;
	struct conf_errs e;

	conf_errs_init(&e, FILE_NAME);
	cf = conf_load(FILE_NAME, text, &e);
	if (cf != NULL || e.n != n || strstr(e.msg[0], want) == NULL) {
		print_errs(&e);
		print_error(
		    "want %zu errors, the first containing: %s\n", n, want);
		conf_free(cf);
		conf_errs_clear(&e);
		fail();
	}
	conf_errs_clear(&e);
}

static struct ferry_config *
load_ok(const char *text)
{
	struct ferry_config *cf;
	struct conf_errs e;

	conf_errs_init(&e, FILE_NAME);
	cf = conf_load(FILE_NAME, text, &e);
	if (cf == NULL || e.n != 0) {
		print_errs(&e);
		conf_free(cf);
		conf_errs_clear(&e);
		fail_msg("want no error");
	}
	return cf;
}

static const struct egress_conf *
egress_of(const struct ferry_config *cf)
{
	unsigned i;

	for (i = 0; i < ferry_nmodules; i++)
		if (ferry_modules[i] == &egress_module)
			return cf->mod[i];
	fail_msg("the egress module is not in the module table");
	return NULL;
}

static const char *
pfx(const struct prefix *p)
{
	static char buf[PREFIX_STRLEN];

	return prefix_fmt(p, buf, sizeof(buf));
}

static const char *
adr(const struct addr *a)
{
	static char buf[ADDR_STRLEN];

	return addr_fmt(a, buf, sizeof(buf));
}

static void
test_absent(void **state)
{
	struct ferry_config *cf = load_ok("");
	const struct egress_conf *ec = egress_of(cf);

	(void)state;
	assert_false(ec->enabled);
	assert_int_equal(ec->npolicies, 0);
	conf_free(cf);
}

static void
test_defaults(void **state)
{
	struct ferry_config *cf = load_ok("egress = { };");
	const struct egress_conf *ec = egress_of(cf);

	(void)state;
	assert_true(ec->enabled);
	assert_string_equal(ec->pin_dir, "/sys/fs/bpf/ferry");
	assert_int_equal(ec->nifaces, 0);
	assert_int_equal(ec->nat.table_size, 262144);
	assert_int_equal(ec->nat.port_min, 32768);
	assert_int_equal(ec->nat.port_max, 60999);
	assert_int_equal(ec->nat.timeout[EGRESS_TO_TCP_SYN], 60);
	assert_int_equal(ec->nat.timeout[EGRESS_TO_TCP_ESTABLISHED], 7440);
	assert_int_equal(ec->nat.timeout[EGRESS_TO_TCP_CLOSING], 120);
	assert_int_equal(ec->nat.timeout[EGRESS_TO_UDP], 120);
	assert_int_equal(ec->nat.timeout[EGRESS_TO_ICMP], 30);
	assert_int_equal(ec->pin_table_size, 65536);
	conf_free(cf);
}

/* ha.pin-table-size: the nodes' pin table, in range. */
static void
test_pin_table_size(void **state)
{
	struct ferry_config *cf;

	(void)state;
	cf = load_ok("egress = { ha = { pin-table-size = 1024; }; };");
	assert_int_equal(egress_of(cf)->pin_table_size, 1024);
	conf_free(cf);
	cf = load_ok("egress = { ha = { }; };");
	assert_int_equal(egress_of(cf)->pin_table_size, 65536);
	conf_free(cf);
	expect_error("egress = { ha = { pin-table-size = 1023; }; };",
	    "egress.ha.pin-table-size: 1023 is out of range");
	expect_error("egress = { ha = { pin-table-size = 16777217; }; };",
	    "egress.ha.pin-table-size: 16777217 is out of range");
	expect_error("egress = { ha = { pins = 1; }; };", "egress.ha.pins");
	expect_error("egress = { ha = 5; };", "egress.ha");
}

static void
test_full(void **state)
{
	struct ferry_config *cf = load_ok(HEAD
	    " cluster-prefixes = [ \"192.0.2.0/24\" ];\n"
	    " nat = { table-size = 1024; ports = [ 1000, 1015 ];\n"
	    "  timeouts = { tcp-established = 60; icmp = 600; }; };\n"
	    " gateways = ( { name = \"gw\"; endpoint = \"192.0.2.30\";\n"
	    "  mac = \"02:00:00:00:00:30\"; } );\n"
	    " policies = (\n"
	    "  { name = \"here\"; sources = [ \"10.244.1.0/24\" ];\n"
	    "    destinations = [ \"203.0.113.0/24\" ];\n"
	    "    exclude = [ \"203.0.113.0/28\" ];\n"
	    "    gateway = \"127.0.0.1\"; egress-ip = \"198.51.100.1\"; },\n"
	    "  { name = \"named\"; sources = [ \"10.244.2.0/24\" ];\n"
	    "    destinations = [ \"0.0.0.0/0\" ]; gateway = \"gw\";\n"
	    "    egress-ip = [ \"192.0.2.99\" ]; },\n"
	    "  { name = \"peer\"; sources = [ \"10.244.3.0/24\" ];\n"
	    "    destinations = [ \"0.0.0.0/0\" ]; gateway = \"192.0.2.20\";\n"
	    "    egress-ip = [ \"192.0.2.98\" ]; } );\n"
	    "};\n");
	const struct egress_conf *ec = egress_of(cf);
	const struct egress_policy *p;

	(void)state;
	assert_int_equal(ec->nat.table_size, 1024);
	assert_int_equal(ec->nat.port_min, 1000);
	assert_int_equal(ec->nat.port_max, 1015);
	assert_int_equal(ec->nat.timeout[EGRESS_TO_TCP_ESTABLISHED], 60);
	assert_int_equal(ec->nat.timeout[EGRESS_TO_ICMP], 600);
	assert_int_equal(ec->nat.timeout[EGRESS_TO_UDP], 120);
	/* In-cluster: cluster-prefixes and the pod pool, not the egress. */
	assert_int_equal(ec->nincluster, 2);
	assert_string_equal(pfx(&ec->incluster[0]), "10.244.0.0/16");
	assert_string_equal(pfx(&ec->incluster[1]), "192.0.2.0/24");
	assert_int_equal(ec->npolicies, 3);
	p = &ec->policies[0];
	assert_true(p->gw[0].local);
	assert_true(p->local);
	assert_int_equal(p->ngw, 1);
	assert_null(p->gw[0].name);
	assert_int_equal(p->families, EGRESS_FAM_IPV4);
	assert_string_equal(adr(&p->egress4), "198.51.100.1");
	assert_int_equal(p->egress6.family, 0);
	assert_string_equal(pfx(&p->exclude[0]), "203.0.113.0/28");
	p = &ec->policies[1];
	assert_false(p->gw[0].local);
	assert_string_equal(p->gw[0].name, "gw");
	assert_string_equal(adr(&p->gw[0].endpoint), "192.0.2.30");
	/* A gateway without vni takes the overlay's default VNI. */
	assert_int_equal(p->gw[0].vni, 1);
	assert_int_equal(p->gw[0].mac[5], 0x30);
	p = &ec->policies[2];
	assert_false(p->gw[0].local);
	assert_null(p->gw[0].name);
	assert_int_equal(p->gw[0].vni, 20);
	assert_int_equal(p->gw[0].mac[5], 0x20);
	conf_free(cf);
}

/* The dump loads again and dumps the same. */
static char *
dump_text(const struct ferry_config *cf)
{
	char *text = NULL;
	size_t len = 0;
	config_t lc;
	FILE *f;

	conf_dump(cf, &lc);
	f = open_memstream(&text, &len);
	assert_non_null(f);
	conf_print(&lc, f);
	fclose(f);
	config_destroy(&lc);
	return text;
}

/* cf's dump contains want, loads again and dumps the same; frees cf. */
static void
roundtrip(struct ferry_config *cf, const char *want)
{
	struct ferry_config *again;
	char *first, *second;

	first = dump_text(cf);
	assert_non_null(strstr(first, want));
	again = load_ok(first);
	second = dump_text(again);
	assert_string_equal(first, second);
	free(first);
	free(second);
	conf_free(again);
	conf_free(cf);
}

static void
test_dump_roundtrip(void **state)
{
	struct ferry_config *cf = load_ok(
	    HEAD " gateways = ( { name = \"gw\"; endpoint = \"192.0.2.30\";\n"
		 "  vni = 7; mac = \"02:00:00:00:00:30\"; } );\n"
		 " policies = ( { name = \"a\";\n"
		 "  sources = [ \"10.244.1.0/24\", \"fd00::/64\" ];\n"
		 "  destinations = [ \"2001:db8::/32\", \"203.0.113.0/24\" ];\n"
		 "  exclude = [ \"2001:db8:1::/48\" ]; gateway = \"gw\";\n"
		 "  egress-ip = [ \"2001:db8:e::1\", \"192.0.2.9\" ]; } );\n"
		 "};\n");

	(void)state;
	roundtrip(cf, "egress-ip = [\n\t\t\t\t\"192.0.2.9\",");
}

static void
test_ports(void **state)
{
	(void)state;
	expect_error("egress = { nat = { ports = [ 2000, 1000 ]; }; };",
	    FILE_NAME ":1: egress.nat.ports: first port 2000 is above last "
		      "port 1000");
	expect_error("egress = { nat = { ports = [ 0, 1000 ]; }; };",
	    FILE_NAME ":1: egress.nat.ports.[0]: 0 is out of range 1..65535");
	expect_error("egress = { nat = { ports = [ 1, 65536 ]; }; };",
	    "egress.nat.ports.[1]: 65536 is out of range 1..65535");
	expect_error("egress = { nat = { ports = [ 1000, 1014 ]; }; };",
	    "egress.nat.ports: 15 ports are too few (at least 16)");
	expect_error("egress = { nat = { ports = \"1000-2000\"; }; };",
	    "egress.nat.ports: expected [ first, last ]");
	expect_error("egress = { nat = { ports = [ 1000 ]; }; };",
	    "egress.nat.ports: expected [ first, last ]");
	expect_error("egress = { nat = { ports = ( 1000, \"x\" ); }; };",
	    "egress.nat.ports.[1]: expected an integer");
}

static void
test_ranges(void **state)
{
	struct ferry_config *cf;

	(void)state;
	expect_error("egress = { nat = { table-size = 1023; }; };",
	    "egress.nat.table-size: 1023 is out of range 1024..16777216");
	expect_error("egress = { nat = { table-size = 16777217; }; };",
	    "egress.nat.table-size: 16777217 is out of range");
	expect_error("egress = { nat = { timeouts = { tcp-established = 59; "
		     "}; }; };",
	    "egress.nat.timeouts.tcp-established: 59 is out of range "
	    "60..604800");
	expect_error("egress = { nat = { timeouts = { icmp = 601; }; }; };",
	    "egress.nat.timeouts.icmp: 601 is out of range 1..600");
	expect_error("egress = { nat = { timeouts = { tcp-closing = 0; }; }; "
		     "};",
	    "egress.nat.timeouts.tcp-closing: 0 is out of range 1..600");
	cf = load_ok("egress = { nat = { table-size = 16777216; ports = [ 1, "
		     "65535 ]; timeouts = { tcp-syn = 600; udp = 3600; }; }; "
		     "};");
	assert_int_equal(egress_of(cf)->nat.table_size, 16777216);
	assert_int_equal(egress_of(cf)->nat.port_max, 65535);
	assert_int_equal(egress_of(cf)->nat.timeout[EGRESS_TO_UDP], 3600);
	conf_free(cf);
}

static void
test_interfaces(void **state)
{
	struct ferry_config *cf;

	(void)state;
	/* Required only when there are policies. */
	cf = load_ok("egress = { policies = (); };");
	conf_free(cf);
	expect_error(BGP OVERLAY "egress = {\n" POLICY("") "};",
	    FILE_NAME ":7: egress.interfaces: required key is missing");
	expect_error(BGP OVERLAY
	    "egress = {\n interfaces = [];\n" POLICY("") "};",
	    FILE_NAME ":8: egress.interfaces: needs at least one interface");
	expect_error("egress = { interfaces = [ \"a-very-long-name0\" ]; };",
	    "egress.interfaces.[0]: \"a-very-long-name0\" is not an interface "
	    "name");
	expect_error("egress = { interfaces = [ \"\" ]; };",
	    "egress.interfaces.[0]: \"\" is not an interface name");
	expect_error("egress = { interfaces = ( \"eth0\", 1 ); };",
	    "egress.interfaces.[1]: expected an interface name");
}

static void
test_policy_ok(void **state)
{
	struct ferry_config *cf = load_ok(HEAD POLICY("") "};");

	(void)state;
	assert_int_equal(egress_of(cf)->npolicies, 1);
	conf_free(cf);
}

static void
test_families(void **state)
{
	(void)state;
	/* Line 9: sources; 10: destinations; 11: gateway; 12: egress-ip. */
	expect_error(HEAD
	    " policies = ( { name = \"p\"; sources = [ \"10.244.1.0/24\" ];\n"
	    "  destinations = [ \"203.0.113.0/24\", \"2001:db8::/32\" ];\n"
	    "  gateway = \"127.0.0.1\";\n"
	    "  egress-ip = [ \"198.51.100.1\" ]; } );\n};",
	    FILE_NAME ":10: egress.policies.[0].destinations.[1]: IPv6 "
		      "destination 2001:db8::/32: the policy has no IPv6 "
		      "source");
	expect_error(HEAD " policies = ( { name = \"p\";\n"
			  "  sources = [ \"10.244.1.0/24\", \"fd00::/64\" ];\n"
			  "  destinations = [ \"203.0.113.0/24\" ];\n"
			  "  gateway = \"127.0.0.1\";\n"
			  "  egress-ip = [ \"198.51.100.1\" ]; } );\n};",
	    FILE_NAME ":10: egress.policies.[0].sources.[1]: fd00::/64 has no "
		      "IPv6 destination in the policy");
	/* egress-ip: missing, missing a family, extra family, twice. */
	expect_error(HEAD
	    " policies = ( { name = \"p\"; sources = [ \"10.244.1.0/24\" ];\n"
	    "  destinations = [ \"203.0.113.0/24\" ];\n"
	    "  gateway = \"127.0.0.1\"; } );\n};",
	    FILE_NAME ":9: egress.policies.[0].egress-ip: required key is "
		      "missing");
	expect_error(HEAD
	    " policies = ( { name = \"p\";\n"
	    "  sources = [ \"10.244.1.0/24\", \"fd00::/64\" ];\n"
	    "  destinations = [ \"203.0.113.0/24\", \"2001:db8::/32\" ];\n"
	    "  gateway = \"192.0.2.20\";\n"
	    "  egress-ip = [ \"198.51.100.1\" ]; } );\n};",
	    FILE_NAME ":13: egress.policies.[0].egress-ip: needs an IPv6 "
		      "address: the policy matches IPv6 traffic");
}

static void
test_egress_ips(void **state)
{
	(void)state;
	expect_error(HEAD
	    " policies = ( { name = \"p\"; sources = [ \"10.244.1.0/24\" ];\n"
	    "  destinations = [ \"203.0.113.0/24\" ];\n"
	    "  gateway = \"192.0.2.20\";\n"
	    "  egress-ip = [ \"198.51.100.1\", \"2001:db8::1\" ]; } );\n};",
	    FILE_NAME ":12: egress.policies.[0].egress-ip.[1]: 2001:db8::1: "
		      "the policy matches no IPv6 traffic");
	expect_error(HEAD
	    " policies = ( { name = \"p\"; sources = [ \"10.244.1.0/24\" ];\n"
	    "  destinations = [ \"203.0.113.0/24\" ];\n"
	    "  gateway = \"192.0.2.20\";\n"
	    "  egress-ip = [ \"198.51.100.1\", \"198.51.100.2\" ]; } );\n};",
	    "egress.policies.[0].egress-ip.[1]: 198.51.100.2 is a second IPv4 "
	    "egress IP (one per family)");
	expect_error(HEAD
	    " policies = ( { name = \"p\"; sources = [ \"10.244.1.0/24\" ];\n"
	    "  destinations = [ \"203.0.113.0/24\" ];\n"
	    "  gateway = \"192.0.2.20\";\n"
	    "  egress-ip = [ \"198.51.100.300\" ]; } );\n};",
	    "egress.policies.[0].egress-ip.[0]: expected an IP address");
}

/* The gateway is this host: its egress IPs must be its own. */
static void
test_local_egress_ip(void **state)
{
	struct ferry_config *cf;
	const char *fmt = HEAD
	    " policies = ( { name = \"p\"; sources = [ \"10.244.1.0/24\" ];\n"
	    "  destinations = [ \"203.0.113.0/24\" ];\n"
	    "  gateway = \"%s\"; egress-ip = [ \"%s\" ]; } );\n};";
	char text[2048];

	(void)state;
	/* In the egress pool 198.51.100.0/28, or on an interface. */
	snprintf(text, sizeof(text), fmt, "127.0.0.1", "198.51.100.15");
	conf_free(load_ok(text));
	snprintf(text, sizeof(text), fmt, "127.0.0.1", "127.0.0.1");
	conf_free(load_ok(text));
	snprintf(text, sizeof(text), fmt, "127.0.0.1", "198.51.100.16");
	expect_error(text,
	    FILE_NAME ":11: egress.policies.[0].egress-ip.[0]: egress-ip "
		      "198.51.100.16 is neither an address of this host nor "
		      "in an egress pool");
	/* A pod pool does not own egress IPs. */
	snprintf(text, sizeof(text), fmt, "127.0.0.1", "10.244.9.9");
	expect_error(text, "egress-ip 10.244.9.9 is neither");
	/* Another host's policy: its egress IP is that host's business. */
	snprintf(text, sizeof(text), fmt, "192.0.2.20", "198.51.100.16");
	cf = load_ok(text);
	assert_false(egress_of(cf)->policies[0].local);
	conf_free(cf);
}

static void
test_gateways(void **state)
{
	(void)state;
	/* Steering to another host needs the overlay section. */
	expect_error(BGP "egress = {\n interfaces = [ \"eth0\" ];\n"
			 " policies = ( { name = \"p\"; sources = [ "
			 "\"10.244.1.0/24\" ];\n"
			 "  destinations = [ \"203.0.113.0/24\" ];\n"
			 "  gateway = \"192.0.2.20\";\n"
			 "  egress-ip = [ \"198.51.100.1\" ]; } );\n};",
	    FILE_NAME ":10: egress.policies.[0].gateway: a gateway on another "
		      "host needs the overlay section");
	/* An address nobody knows how to reach. */
	expect_error(HEAD
	    " policies = ( { name = \"p\"; sources = [ \"10.244.1.0/24\" ];\n"
	    "  destinations = [ \"203.0.113.0/24\" ];\n"
	    "  gateway = \"192.0.2.21\";\n"
	    "  egress-ip = [ \"198.51.100.1\" ]; } );\n};",
	    FILE_NAME ":11: egress.policies.[0].gateway: 192.0.2.21 is not an "
		      "address of this host, nor a gateways endpoint, nor a "
		      "bgp neighbor with overlay settings");
	expect_error(HEAD
	    " policies = ( { name = \"p\"; sources = [ \"10.244.1.0/24\" ];\n"
	    "  destinations = [ \"203.0.113.0/24\" ];\n"
	    "  egress-ip = [ \"198.51.100.1\" ]; } );\n};",
	    FILE_NAME ":9: egress.policies.[0].gateway: required key is "
		      "missing");
	expect_error(HEAD " gateways = ( { name = \"g\"; endpoint = "
			  "\"192.0.2.5\"; } );\n};",
	    FILE_NAME ":9: egress.gateways.[0].mac: required key is missing");
	expect_error(HEAD " gateways = ( { name = \"\"; endpoint = "
			  "\"192.0.2.5\"; mac = \"02:00:00:00:00:01\"; } "
			  ");\n};",
	    "egress.gateways.[0].name: must not be empty");
	expect_error(HEAD " gateways = ( { name = \"g\"; endpoint = "
			  "\"192.0.2.5\"; mac = \"02:00:00:00:00:01\"; "
			  "speed = 1; } );\n};",
	    "egress.gateways.[0].speed: unknown key");
}

/* A policy served by several gateways: a list, each resolved alone. */
#define GWLIST(list)                                                           \
	HEAD                                                                   \
	    " gateways = ( { name = \"gw\"; endpoint = \"192.0.2.30\";\n"      \
	    "  mac = \"02:00:00:00:00:30\"; } );\n"                            \
	    " policies = ( { name = \"p\"; sources = [ \"10.244.1.0/24\" ];\n" \
	    "  destinations = [ \"203.0.113.0/24\" ];\n"                       \
	    "  gateway = " list ";\n"                                          \
	    "  egress-ip = [ \"198.51.100.1\" ]; } );\n};"

static void
test_gateway_list(void **state)
{
	struct ferry_config *cf;
	const struct egress_policy *p;

	(void)state;
	cf = load_ok(GWLIST("[ \"gw\", \"192.0.2.20\" ]"));
	p = &egress_of(cf)->policies[0];
	assert_int_equal(p->ngw, 2);
	assert_false(p->local);
	assert_string_equal(p->gw[0].name, "gw");
	assert_string_equal(adr(&p->gw[1].endpoint), "192.0.2.20");
	assert_int_equal(p->gw[1].vni, 20);
	/* Dumped as configured, and loads again to the same. */
	roundtrip(cf, "\"gw\",\n\t\t\t\t\"192.0.2.20\"");
	/* One of them this host: served here. */
	cf = load_ok(GWLIST("[ \"192.0.2.20\", \"127.0.0.1\" ]"));
	p = &egress_of(cf)->policies[0];
	assert_int_equal(p->ngw, 2);
	assert_true(p->local);
	assert_true(p->gw[1].local);
	conf_free(cf);
	expect_error(GWLIST("[ \"gw\", \"192.0.2.30\" ]"),
	    FILE_NAME ":13: egress.policies.[0].gateway.[1]: gateway "
		      "\"192.0.2.30\" is listed twice (the same endpoint)");
	expect_error(GWLIST("[ ]"),
	    "egress.policies.[0].gateway: gateway lists 1 to 8 gateways, "
	    "not 0");
	expect_error(GWLIST("[ \"gw\", \"192.0.2.20\", \"192.0.2.21\", "
			    "\"192.0.2.22\", \"192.0.2.23\", \"192.0.2.24\", "
			    "\"192.0.2.25\", \"192.0.2.26\", \"192.0.2.27\" ]"),
	    "gateway lists 1 to 8 gateways, not 9");
	expect_error(GWLIST("[ \"gw\", \"nowhere\" ]"),
	    "egress.policies.[0].gateway.[1]: unknown gateway \"nowhere\"");
	expect_error(GWLIST("{ a = 1; }"),
	    "egress.policies.[0].gateway: gateway must be a string or a list "
	    "of strings");
}

/*
 * Gateways with egress IPs of their own: gw1 is this host (127.0.0.1),
 * gw2 another.  Lines 9-10 are gw1, 11-12 gw2, 13-15 the policy.
 */
#define GWIP_GATEWAYS(ip1, ip2)                                       \
	" gateways = ( { name = \"gw1\"; endpoint = \"127.0.0.1\";\n" \
	"  mac = \"02:00:00:00:00:01\"; " ip1 " },\n"                 \
	"  { name = \"gw2\"; endpoint = \"192.0.2.30\";\n"            \
	"  mac = \"02:00:00:00:00:30\"; " ip2 " } );\n"
#define GWIP_POLICY(gw, extra)                                             \
	" policies = ( { name = \"p\"; sources = [ \"10.244.1.0/24\" ];\n" \
	"  destinations = [ \"203.0.113.0/24\" ];\n"                       \
	"  gateway = " gw "; " extra " } );\n};"
#define GWIP(ip1, ip2, gw, extra) \
	HEAD GWIP_GATEWAYS(ip1, ip2) GWIP_POLICY(gw, extra)
#define IP1 "egress-ip = \"198.51.100.2\";"
#define IP2 "egress-ip = [ \"198.51.100.3\" ];"
#define POL "egress-ip = \"198.51.100.1\";"

static const char *
snat(const struct egress_policy *p, size_t k, int family)
{
	const struct addr *a = egress_gw_snat(p, k, family);

	return a != NULL ? adr(a) : "none";
}

static size_t
count_of(const char *hay, const char *needle)
{
	size_t n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

static void
test_gateway_egress_ip(void **state)
{
	struct ferry_config *cf;
	const struct egress_conf *ec;
	const struct egress_policy *p;
	char *text;

	(void)state;
	cf = load_ok(
	    GWIP(IP1, "egress-ip = [ \"2001:db8:e::3\", \"198.51.100.3\" ];",
		"\"gw2\"", "egress-ip = \"198.51.100.1\";"));
	ec = egress_of(cf);
	assert_string_equal(adr(&ec->gateways[0].egress4), "198.51.100.2");
	assert_int_equal(ec->gateways[0].egress6.family, 0);
	assert_string_equal(adr(&ec->gateways[1].egress4), "198.51.100.3");
	assert_string_equal(adr(&ec->gateways[1].egress6), "2001:db8:e::3");
	p = &ec->policies[0];
	assert_false(p->local);
	assert_string_equal(adr(&p->gw[0].egress4), "198.51.100.3");
	/* gw2 SNATs to its own; IPv6 is none: the policy matches none. */
	assert_string_equal(snat(p, 0, AF_INET), "198.51.100.3");
	assert_string_equal(snat(p, 0, AF_INET6), "none");
	/* A node's datapath keeps the policy's (unused there). */
	assert_string_equal(adr(&p->snat4), "198.51.100.1");
	/* Dumped IPv4 first, and loads again to the same. */
	text = dump_text(cf);
	assert_int_equal(count_of(text, "egress-ip"), 3);
	free(text);
	roundtrip(cf,
	    "egress-ip = [\n\t\t\t\t\"198.51.100.3\",\n"
	    "\t\t\t\t\"2001:db8:e::3\"");
	/* Without the key, a gateway dumps none. */
	cf = load_ok(GWIP("", "", "\"gw2\"", "egress-ip = \"198.51.100.1\";"));
	text = dump_text(cf);
	assert_int_equal(count_of(text, "egress-ip"), 1);
	free(text);
	conf_free(cf);
}

static void
test_gateway_egress_ip_errors(void **state)
{
	(void)state;
	expect_error(GWIP("egress-ip = [ \"198.51.100.2\", \"198.51.100.4\" ];",
			 "", "\"gw2\"", POL),
	    FILE_NAME ":10: egress.gateways.[0].egress-ip.[1]: 198.51.100.4 "
		      "is a second IPv4 egress IP (one per family)");
	expect_error(GWIP("egress-ip = [ \"2001:db8::1\", \"2001:db8::2\" ];",
			 "", "\"gw2\"", POL),
	    "egress.gateways.[0].egress-ip.[1]: 2001:db8::2 is a second IPv6 "
	    "egress IP (one per family)");
	expect_error(GWIP("egress-ip = \"gw\";", "", "\"gw2\"", POL),
	    FILE_NAME ":10: egress.gateways.[0].egress-ip: expected an IP "
		      "address");
	expect_error(
	    GWIP("", "egress-ip = ( \"198.51.100.3\", 5 );", "\"gw2\"", POL),
	    FILE_NAME ":12: egress.gateways.[1].egress-ip.[1]: expected an IP "
		      "address");
	expect_error(
	    GWIP("", "egress-ip = [ \"10.0.0.0/8\" ];", "\"gw2\"", POL),
	    "egress.gateways.[1].egress-ip.[0]: expected an IP address");
	expect_error(GWIP("egress-ip = [ ];", "", "\"gw2\"", POL),
	    "egress.gateways.[0].egress-ip: needs at least one address");
	expect_error(GWIP("egress-ip = { a = 1; };", "", "\"gw2\"", POL),
	    "egress.gateways.[0].egress-ip: expected a list");
	/* One address for two gateways routes replies to only one. */
	expect_error(
	    GWIP(IP1, "egress-ip = [ \"198.51.100.2\" ];", "\"gw2\"", POL),
	    FILE_NAME ":12: egress.gateways.[1].egress-ip.[0]: 198.51.100.2 "
		      "is also the egress IP of gateway \"gw1\" (each gateway "
		      "needs its own)");
}

/* The policy's egress-ip may go when every gateway has its own. */
static void
test_policy_egress_ip_optional(void **state)
{
	struct ferry_config *cf;
	const struct egress_policy *p;
	char *text;

	(void)state;
	cf = load_ok(GWIP(IP1, IP2, "[ \"gw2\", \"gw1\" ]", ""));
	p = &egress_of(cf)->policies[0];
	assert_int_equal(p->egress4.family, 0);
	assert_string_equal(snat(p, 0, AF_INET), "198.51.100.3");
	assert_string_equal(snat(p, 1, AF_INET), "198.51.100.2");
	/* Served here by gw1: its own address. */
	assert_true(p->local);
	assert_string_equal(adr(&p->snat4), "198.51.100.2");
	/* Dumped without the policy's egress-ip, and loads again. */
	text = dump_text(cf);
	assert_int_equal(count_of(text, "egress-ip"), 2);
	free(text);
	roundtrip(cf, "\"198.51.100.3\"");
	/* A gateways entry named by its endpoint is that entry. */
	cf = load_ok(GWIP(IP1, IP2, "[ \"gw1\", \"192.0.2.30\" ]", ""));
	assert_string_equal(
	    snat(&egress_of(cf)->policies[0], 1, AF_INET), "198.51.100.3");
	conf_free(cf);
	/* One gateway without: the policy's is needed, for that family. */
	expect_error(GWIP(IP1, "", "[ \"gw1\", \"gw2\" ]", ""),
	    FILE_NAME ":13: egress.policies.[0]: egress-ip is required: the "
		      "policy matches IPv4 traffic and gateway \"gw2\" has no "
		      "IPv4 egress-ip of its own");
	expect_error(GWIP(IP1, IP2, "[ \"gw1\", \"192.0.2.20\" ]", ""),
	    "egress.policies.[0]: egress-ip is required: the policy matches "
	    "IPv4 traffic and gateway 192.0.2.20 (not a gateways entry) has "
	    "no IPv4 egress-ip of its own");
	expect_error(GWIP(IP1, "", "[ \"gw1\", \"192.0.2.30\" ]", ""),
	    "gateway 192.0.2.30 has no IPv4 egress-ip of its own");
	/* No gateway has any: as before. */
	expect_error(GWIP("", "", "[ \"gw1\", \"gw2\" ]", ""),
	    FILE_NAME ":13: egress.policies.[0].egress-ip: required key is "
		      "missing");
	/* With some, the one that fills the gap is still fine. */
	cf = load_ok(GWIP(
	    IP1, "", "[ \"gw1\", \"gw2\" ]", "egress-ip = \"198.51.100.1\";"));
	p = &egress_of(cf)->policies[0];
	assert_string_equal(snat(p, 0, AF_INET), "198.51.100.2");
	assert_string_equal(snat(p, 1, AF_INET), "198.51.100.1");
	assert_string_equal(adr(&p->snat4), "198.51.100.2");
	conf_free(cf);
}

/* Per family: IPv4 from the gateways, IPv6 from the policy. */
#define DUAL(gwips, polips)                                                        \
	HEAD GWIP_GATEWAYS("",                                                     \
	    gwips) " policies = ( { name = \"p\";\n"                               \
		   "  sources = [ \"10.244.1.0/24\", \"fd00::/64\" ];\n"           \
		   "  destinations = [ \"203.0.113.0/24\", \"2001:db8::/32\" ];\n" \
		   "  gateway = \"gw2\";\n"                                        \
		   "  " polips " } );\n};"

static void
test_policy_egress_ip_families(void **state)
{
	struct ferry_config *cf;
	const struct egress_policy *p;

	(void)state;
	cf = load_ok(DUAL(IP2, "egress-ip = \"2001:db8:e::1\";"));
	p = &egress_of(cf)->policies[0];
	assert_string_equal(snat(p, 0, AF_INET), "198.51.100.3");
	assert_string_equal(snat(p, 0, AF_INET6), "2001:db8:e::1");
	conf_free(cf);
	/* Line 17: the policy's egress-ip. */
	expect_error(DUAL(IP2, "egress-ip = [ \"198.51.100.1\" ];"),
	    FILE_NAME ":17: egress.policies.[0].egress-ip: needs an IPv6 "
		      "address: the policy matches IPv6 traffic and gateway "
		      "\"gw2\" has no IPv6 egress-ip of its own");
	expect_error(DUAL(IP2, ""),
	    FILE_NAME ":13: egress.policies.[0]: egress-ip is required: the "
		      "policy matches IPv6 traffic and gateway \"gw2\" has no "
		      "IPv6 egress-ip of its own");
	/* A gateway's address of a family the policy does not match. */
	cf = load_ok(
	    DUAL("egress-ip = [ \"198.51.100.3\", \"2001:db8:e::3\" ];", ""));
	p = &egress_of(cf)->policies[0];
	assert_string_equal(snat(p, 0, AF_INET6), "2001:db8:e::3");
	conf_free(cf);
}

/*
 * On the gateway host the effective address is checked, wherever it
 * comes from; elsewhere nothing is.  And it is what the datapath gets.
 */
static void
test_gateway_snat_here(void **state)
{
	struct ferry_config *cf;
	const struct egress_policy *p;
	struct egr_policy ep;
	struct in_addr want;

	(void)state;
	cf = load_ok(GWIP(
	    IP1, IP2, "[ \"gw2\", \"gw1\" ]", "egress-ip = \"198.51.100.1\";"));
	p = &egress_of(cf)->policies[0];
	assert_true(p->local);
	assert_string_equal(adr(&p->egress4), "198.51.100.1");
	assert_string_equal(adr(&p->snat4), "198.51.100.2");
	egress_map_policy(p, NULL, &ep);
	inet_pton(AF_INET, "198.51.100.2", &want);
	assert_int_equal(ep.egress4, want.s_addr);
	assert_int_equal(ep.gw[1].flags, EGR_GW_UP | EGR_GW_LOCAL);
	conf_free(cf);
	/* gw1 without one of its own: the policy's. */
	cf = load_ok(GWIP(
	    "", IP2, "[ \"gw2\", \"gw1\" ]", "egress-ip = \"198.51.100.1\";"));
	assert_string_equal(
	    adr(&egress_of(cf)->policies[0].snat4), "198.51.100.1");
	conf_free(cf);
	/* Ours must be this host's or in an egress pool; said once. */
	expect_error(
	    HEAD GWIP_GATEWAYS("egress-ip = \"203.0.113.254\";",
		"") " policies = ( { name = \"p\"; sources = [ \"10.244.1.0/24\" ];\n"
		    "  destinations = [ \"203.0.113.0/24\" ]; gateway = \"gw1\"; },\n"
		    "  { name = \"q\"; sources = [ \"10.244.2.0/24\" ];\n"
		    "  destinations = [ \"203.0.113.0/24\" ]; gateway = \"gw1\"; } "
		    ");\n};",
	    FILE_NAME ":10: egress.gateways.[0].egress-ip: egress-ip "
		      "203.0.113.254 is neither an address of this host nor in "
		      "an egress pool (gateway \"gw1\" is this host)");
	cf = load_ok(GWIP("egress-ip = \"127.0.0.1\";", "", "\"gw1\"", ""));
	assert_string_equal(
	    adr(&egress_of(cf)->policies[0].snat4), "127.0.0.1");
	conf_free(cf);
	/* The policy's, where ours replaces it, is not checked here... */
	cf =
	    load_ok(GWIP(IP1, "", "\"gw1\"", "egress-ip = \"203.0.113.254\";"));
	assert_string_equal(
	    adr(&egress_of(cf)->policies[0].snat4), "198.51.100.2");
	conf_free(cf);
	/* ...but is where it applies, as before. */
	expect_error(GWIP("", "", "\"gw1\"", "egress-ip = \"203.0.113.254\";"),
	    FILE_NAME ":15: egress.policies.[0].egress-ip: egress-ip "
		      "203.0.113.254 is neither an address of this host nor in "
		      "an egress pool");
	/* A family no policy here matches: ours of it is never used. */
	conf_free(load_ok(GWIP("egress-ip = [ \"198.51.100.2\", "
			       "\"2001:db8::99\" ];",
	    "", "\"gw1\"", "")));
	/* A node checks no gateway's address. */
	cf = load_ok(GWIP("", "egress-ip = \"203.0.113.254\";", "\"gw2\"", ""));
	p = &egress_of(cf)->policies[0];
	assert_false(p->local);
	assert_int_equal(p->snat4.family, 0);
	assert_string_equal(snat(p, 0, AF_INET), "203.0.113.254");
	egress_map_policy(p, NULL, &ep);
	assert_int_equal(ep.egress4, 0);
	conf_free(cf);
}

/*
 * Slices of a port range: n contiguous blocks in order, sizes within one
 * of each other, none empty, covering the range; too few ports for n is
 * refused.
 */
static void
test_port_slice(void **state)
{
	static const uint16_t ranges[][2] = { { 32768, 60999 }, { 1024, 65535 },
		{ 1, 65535 }, { 1000, 1016 }, { 40000, 40007 } };
	uint16_t lo, hi, prev;
	uint32_t size, min, max;
	size_t r, n, k;

	(void)state;
	for (r = 0; r < sizeof(ranges) / sizeof(ranges[0]); r++)
		for (n = 1; n <= EGRESS_GW_MAX; n++) {
			size = ranges[r][1] - ranges[r][0] + 1u;
			min = UINT32_MAX;
			max = 0;
			prev = (uint16_t)(ranges[r][0] - 1);
			for (k = 0; k < n; k++) {
				assert_int_equal(
				    egress_port_slice(ranges[r][0],
					ranges[r][1], n, k, &lo, &hi),
				    0);
				assert_int_equal(lo, (uint16_t)(prev + 1));
				assert_true(hi >= lo);
				prev = hi;
				if (hi - lo + 1u < min)
					min = hi - lo + 1u;
				if (hi - lo + 1u > max)
					max = hi - lo + 1u;
			}
			assert_int_equal(prev, ranges[r][1]);
			assert_true(max - min <= 1);
			assert_int_equal(min, size / n);
		}
	/* Uneven: 17 ports in 3 blocks of 5, 6, 6. */
	assert_int_equal(egress_port_slice(1000, 1016, 3, 0, &lo, &hi), 0);
	assert_int_equal(lo, 1000);
	assert_int_equal(hi, 1004);
	assert_int_equal(egress_port_slice(1000, 1016, 3, 1, &lo, &hi), 0);
	assert_int_equal(lo, 1005);
	assert_int_equal(hi, 1010);
	assert_int_equal(egress_port_slice(1024, 65535, 3, 0, &lo, &hi), 0);
	assert_int_equal(hi, 22527);
	/* One port each is the least. */
	assert_int_equal(egress_port_slice(40000, 40007, 8, 7, &lo, &hi), 0);
	assert_int_equal(lo, 40007);
	assert_int_equal(hi, 40007);
	lo = hi = 7;
	assert_int_equal(egress_port_slice(40000, 40006, 8, 0, &lo, &hi), -1);
	assert_int_equal(egress_port_slice(40000, 40000, 2, 1, &lo, &hi), -1);
	assert_int_equal(egress_port_slice(1000, 2000, 2, 2, &lo, &hi), -1);
	assert_int_equal(egress_port_slice(1000, 2000, 0, 0, &lo, &hi), -1);
	assert_int_equal(egress_port_slice(2000, 1000, 1, 0, &lo, &hi), -1);
	assert_int_equal(lo, 7);
	assert_int_equal(hi, 7);
}

static void
slice_is(const char *text, uint16_t lo, uint16_t hi)
{
	struct ferry_config *cf = load_ok(text);
	const struct egress_policy *p = &egress_of(cf)->policies[0];
	struct egr_policy ep;

	assert_int_equal(p->port_lo, lo);
	assert_int_equal(p->port_hi, hi);
	egress_map_policy(p, NULL, &ep);
	assert_int_equal(ep.port_lo, lo);
	assert_int_equal(ep.port_hi, hi);
	conf_free(cf);
}

#define NAT_PORTS " nat = { ports = [ 1024, 65535 ]; };\n"

/*
 * The slice a gateway host takes: its place k among the policy's n
 * gateways, where it SNATs to the policy's egress-ip; none with one
 * gateway, on a node, or with an egress-ip of its own.
 */
static void
test_slice_conf(void **state)
{
	(void)state;
	/* Default range 32768..60999, third of three. */
	slice_is(
	    GWLIST("[ \"gw\", \"192.0.2.20\", \"127.0.0.1\" ]"), 51589, 60999);
	slice_is(GWLIST("[ \"127.0.0.1\", \"gw\" ]"), 32768, 46883);
	/* The configured range, first of three. */
	slice_is(HEAD NAT_PORTS
	    " gateways = ( { name = \"gw\"; endpoint = \"192.0.2.30\";\n"
	    "  mac = \"02:00:00:00:00:30\"; } );\n"
	    " policies = ( { name = \"p\"; sources = [ \"10.244.1.0/24\" ];\n"
	    "  destinations = [ \"203.0.113.0/24\" ];\n"
	    "  gateway = [ \"127.0.0.1\", \"gw\", \"192.0.2.20\" ];\n"
	    "  egress-ip = [ \"198.51.100.1\" ]; } );\n};",
	    1024, 22527);
	/* One gateway: the whole range. */
	slice_is(HEAD POLICY("") "};", 0, 0);
	/* A node: nothing translated here. */
	slice_is(GWLIST("[ \"gw\", \"192.0.2.20\" ]"), 0, 0);
	/* gw1 has its own egress-ip: shares nothing. */
	slice_is(GWIP(IP1, IP2, "[ \"gw2\", \"gw1\" ]", POL), 0, 0);
	slice_is(GWIP(IP1, "", "[ \"gw2\", \"gw1\" ]", POL), 0, 0);
	/* gw1 without: the policy's, shared with gw2 or not. */
	slice_is(GWIP("", IP2, "[ \"gw2\", \"gw1\" ]", POL), 46884, 60999);
	/* Its own IPv4 but the policy's IPv6: sliced for both. */
	slice_is(
	    HEAD GWIP_GATEWAYS(IP1,
		"") " policies = ( { name = \"p\";\n"
		    "  sources = [ \"10.244.1.0/24\", \"fd00::/64\" ];\n"
		    "  destinations = [ \"203.0.113.0/24\", \"2001:db8::/32\" ];\n"
		    "  gateway = [ \"gw1\", \"gw2\" ];\n"
		    "  egress-ip = [ \"198.51.100.1\", \"::1\" ]; } );\n};",
	    32768, 46883);
}

/* ha.sync: the key, the port, which policies it synchronises here. */
static char *
sync_conf(const char *sync, const char *ip1, const char *ip2)
{
	char *t;

	if (asprintf(&t,
		HEAD " ha = { sync = { %s }; };\n" GWIP_GATEWAYS("%s", "%s")
		    GWIP_POLICY("[ \"gw1\", \"gw2\" ]", POL),
		sync, ip1, ip2) < 0)
		fail();
	return t;
}

static void
test_sync_conf(void **state)
{
	char key[] = "/tmp/test_egress_sync_keyXXXXXX", line[256], *text;
	const struct egress_conf *ec;
	struct ferry_config *cf;
	int fd;

	(void)state;
	fd = mkstemp(key);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "0123456789abcdef0123\n", 21), 21);
	close(fd);
	snprintf(line, sizeof(line), "key-file = \"%s\";", key);
	/* Shared: synchronised here, and the key without its newline. */
	text = sync_conf(line, "", "");
	cf = load_ok(text);
	free(text);
	ec = egress_of(cf);
	assert_true(ec->sync.enabled);
	assert_int_equal(ec->sync.port, EGRESS_SYNC_PORT_DEFAULT);
	assert_int_equal(ec->sync.keylen, 20);
	assert_true(ec->policies[0].sync);
	text = dump_text(cf);
	assert_non_null(strstr(text, key));
	assert_null(strstr(text, "0123456789abcdef"));
	free(text);
	conf_free(cf);
	/* Each gateway its own IP: nothing to synchronise. */
	snprintf(line, sizeof(line), "key-file = \"%s\"; port = 9000;", key);
	text = sync_conf(line, IP1, IP2);
	cf = load_ok(text);
	free(text);
	ec = egress_of(cf);
	assert_int_equal(ec->sync.port, 9000);
	assert_false(ec->policies[0].sync);
	conf_free(cf);
	/* Errors. */
	text = sync_conf("port = 9000;", "", "");
	expect_error(text, "egress.ha.sync");
	free(text);
	text = sync_conf("key-file = \"/nonexistent/key\";", "", "");
	expect_error(text, "cannot read /nonexistent/key");
	free(text);
	fd = open(key, O_WRONLY | O_TRUNC);
	assert_int_equal(write(fd, "short\n\n", 7), 7);
	close(fd);
	snprintf(line, sizeof(line), "key-file = \"%s\";", key);
	text = sync_conf(line, "", "");
	expect_error(text, "the key must have 16 to 4096 bytes, has 5");
	free(text);
	fd = open(key, O_WRONLY | O_TRUNC);
	assert_int_equal(write(fd, "0123456789abcdef", 16), 16);
	close(fd);
	snprintf(line, sizeof(line), "key-file = \"%s\"; port = 0;", key);
	text = sync_conf(line, "", "");
	expect_error(text, "egress.ha.sync.port");
	free(text);
	text = sync_conf("key-file = 5;", "", "");
	expect_error(text, "egress.ha.sync.key-file: expected a string");
	free(text);
	snprintf(line, sizeof(line), "key-file = \"%s\"; peers = 1;", key);
	text = sync_conf(line, "", "");
	expect_error(text, "egress.ha.sync.peers: unknown key");
	free(text);
	unlink(key);
}

static void
test_excludes(void **state)
{
	struct ferry_config *cf;

	(void)state;
	cf = load_ok(HEAD POLICY("exclude = [ \"203.0.113.128/25\" ];") "};");
	assert_int_equal(egress_of(cf)->policies[0].nexclude, 1);
	conf_free(cf);
	expect_error(HEAD POLICY("exclude = [ \"203.0.112.0/23\" ];") "};",
	    FILE_NAME ":11: egress.policies.[0].exclude.[0]: 203.0.112.0/23 is "
		      "not inside any of the policy's destinations");
	expect_error(HEAD POLICY("exclude = [ \"203.0.113.0/24\" ];") "};",
	    "exclude.[0]: 203.0.113.0/24 is not inside any");
	expect_error(HEAD POLICY("exclude = [ \"203.0.113.1/24\" ];") "};",
	    "exclude.[0]: \"203.0.113.1/24\" is not a prefix");
}

static void
test_in_cluster(void **state)
{
	(void)state;
	/* The pod pool, cluster-prefixes, overlay VTEP prefixes. */
	expect_error(HEAD
	    " policies = ( { name = \"p\"; sources = [ \"10.244.1.0/24\" ];\n"
	    "  destinations = [ \"10.244.2.0/24\" ]; gateway = \"127.0.0.1\";\n"
	    "  egress-ip = [ \"198.51.100.1\" ]; } );\n};",
	    FILE_NAME
	    ":10: egress.policies.[0].destinations.[0]: 10.244.2.0/24 "
	    "is in-cluster (inside 10.244.0.0/16)");
	expect_error(HEAD
	    " cluster-prefixes = [ \"203.0.0.0/8\" ];\n" POLICY("") "};",
	    "destinations.[0]: 203.0.113.0/24 is in-cluster (inside "
	    "203.0.0.0/8)");
	expect_error(BGP
	    "overlay = { local = \"127.0.0.1\"; vteps = ( { name = \"v\";\n"
	    " endpoint = \"192.0.2.50\"; mac = \"02:00:00:00:00:50\";\n"
	    " prefixes = ( \"203.0.113.0/24\" ); } ); };\n"
	    "egress = { interfaces = [ \"eth0\" ];\n" POLICY("") "};",
	    "destinations.[0]: 203.0.113.0/24 is in-cluster (inside "
	    "203.0.113.0/24)");
}

/* Broken prefixes have their own errors, and do not overlap. */
static void
test_bad_prefixes_no_conflict(void **state)
{
	(void)state;
	expect_n_errors(HEAD
	    " policies = (\n"
	    "  { name = \"p\"; sources = [ \"10.244.1.0/24\" ];\n"
	    "    destinations = [ \"203.0.113.0/24\", \"x\" ]; gateway = "
	    "\"127.0.0.1\"; egress-ip = \"198.51.100.1\"; },\n"
	    "  { name = \"q\"; sources = [ \"10.244.1.0/24\" ];\n"
	    "    destinations = [ \"203.0.112.0/24\", \"y\" ]; gateway = "
	    "\"127.0.0.1\"; egress-ip = \"198.51.100.1\"; } );\n};",
	    2,
	    FILE_NAME ":11: egress.policies.[0].destinations.[1]: \"x\" is "
		      "not a prefix");
}

static void
test_names(void **state)
{
	(void)state;
	expect_error(HEAD
	    " policies = (\n"
	    "  { name = \"p\"; sources = [ \"10.244.1.0/24\" ];\n"
	    "    destinations = [ \"203.0.113.0/24\" ]; gateway = "
	    "\"127.0.0.1\"; egress-ip = \"198.51.100.1\"; },\n"
	    "  { name = \"p\"; sources = [ \"10.244.2.0/24\" ];\n"
	    "    destinations = [ \"203.0.113.0/24\" ]; gateway = "
	    "\"127.0.0.1\"; egress-ip = \"198.51.100.1\"; } );\n};",
	    FILE_NAME ":12: egress.policies.[1].name: policy \"p\" is defined "
		      "twice");
	expect_error(HEAD
	    " gateways = ( { name = \"g\"; endpoint = \"192.0.2.5\";\n"
	    "  mac = \"02:00:00:00:00:01\"; },\n"
	    "  { name = \"g\"; endpoint = \"192.0.2.6\";\n"
	    "  mac = \"02:00:00:00:00:01\"; } );\n};",
	    FILE_NAME ":11: egress.gateways.[1].name: gateway \"g\" is defined "
		      "twice");
	expect_error(HEAD POLICY("") " policies2 = 1;\n};",
	    "egress.policies2: unknown key");
	expect_error(HEAD
	    " policies = ( { name = \"p\"; sources = [ \"10.244.1.0/24\" ];\n"
	    "  destinations = [ \"203.0.113.0/24\" ]; gateway = \"nope\";\n"
	    "  egress-ip = [ \"198.51.100.1\" ]; } );\n};",
	    "egress.policies.[0].gateway: unknown gateway \"nope\"");
}

/* --- the ambiguity check ------------------------------------------------ */

/* A policy from space-separated prefix lists. */
static void
policy_init(struct egress_policy *p, const char *name, const char *src,
    const char *dst, const char *excl)
{
	const char *lists[3] = { src, dst, excl };
	struct prefix *out[3] = { NULL, NULL, NULL };
	size_t n[3] = { 0, 0, 0 }, k;
	char *copy, *tok, *save;

	memset(p, 0, sizeof(*p));
	p->name = xstrdup(name);
	for (k = 0; k < 3; k++) {
		if (lists[k] == NULL)
			continue;
		copy = xstrdup(lists[k]);
		for (tok = strtok_r(copy, " ", &save); tok != NULL;
		     tok = strtok_r(NULL, " ", &save)) {
			out[k] = xreallocarray(out[k], n[k] + 1, sizeof(**out));
			if (prefix_parse(tok, &out[k][n[k]], true) == -1)
				fail_msg("bad prefix in test: %s", tok);
			n[k]++;
		}
		free(copy);
	}
	p->src = out[0];
	p->nsrc = n[0];
	p->dst = out[1];
	p->ndst = n[1];
	p->exclude = out[2];
	p->nexclude = n[2];
}

static void
policy_fini(struct egress_policy *p)
{
	free(p->name);
	free(p->src);
	free(p->dst);
	free(p->exclude);
}

static size_t
conflicts_of(
    const char *a_src, const char *a_dst, const char *b_src, const char *b_dst)
{
	struct egress_policy p[2];
	size_t n;

	policy_init(&p[0], "a", a_src, a_dst, NULL);
	policy_init(&p[1], "b", b_src, b_dst, NULL);
	n = egress_policy_conflicts(p, 2, NULL, NULL);
	policy_fini(&p[0]);
	policy_fini(&p[1]);
	return n;
}

static void
test_ambiguity(void **state)
{
	(void)state;
	/* Nested in both dimensions, either way round: fine. */
	assert_int_equal(conflicts_of("10.0.0.0/8", "0.0.0.0/0", "10.1.0.0/16",
			     "203.0.113.0/24"),
	    0);
	assert_int_equal(conflicts_of("10.1.0.0/16", "203.0.113.0/24",
			     "10.0.0.0/8", "0.0.0.0/0"),
	    0);
	/* Same source, nested destinations; same destination, nested
	 * sources. */
	assert_int_equal(conflicts_of("10.0.0.0/8", "0.0.0.0/0", "10.0.0.0/8",
			     "203.0.113.0/24"),
	    0);
	assert_int_equal(conflicts_of("10.0.0.0/8", "203.0.113.0/24",
			     "10.1.0.0/16", "203.0.113.0/24"),
	    0);
	/* Disjoint in one dimension: no intersection. */
	assert_int_equal(conflicts_of("10.0.0.0/8", "0.0.0.0/0", "11.0.0.0/8",
			     "203.0.113.0/24"),
	    0);
	assert_int_equal(conflicts_of("10.0.0.0/8", "198.18.0.0/15",
			     "10.1.0.0/16", "203.0.113.0/24"),
	    0);
	/* Other families never intersect. */
	assert_int_equal(
	    conflicts_of("10.0.0.0/8", "0.0.0.0/0", "fd00::/8", "::/0"), 0);
	/* Crossed: more specific source, less specific destination. */
	assert_int_equal(conflicts_of("10.0.0.0/8", "203.0.113.0/24",
			     "10.1.0.0/16", "0.0.0.0/0"),
	    1);
	assert_int_equal(conflicts_of("fd00::/8", "2001:db8::/32",
			     "fd00:1::/32", "2001::/16"),
	    1);
	/* Equal rectangles of two policies. */
	assert_int_equal(conflicts_of("10.0.0.0/8", "203.0.113.0/24",
			     "10.0.0.0/8", "203.0.113.0/24"),
	    1);
	/* One crossed pair of rectangles among nested ones is enough. */
	assert_int_equal(
	    conflicts_of("10.0.0.0/8 11.0.0.0/8", "203.0.113.0/24 0.0.0.0/0",
		"10.1.0.0/16", "203.0.0.0/16"),
	    1);
}

/* Crossed rectangles inside one policy are not ambiguous. */
static void
test_ambiguity_same_policy(void **state)
{
	struct egress_policy p[3];

	(void)state;
	policy_init(&p[0], "a", "10.0.0.0/8 10.1.0.0/16",
	    "203.0.113.0/24 0.0.0.0/0", NULL);
	assert_int_equal(egress_policy_conflicts(p, 1, NULL, NULL), 0);
	/*
	 * b nests inside a (in a's 10.1/16 -> 0/0); c crosses both, and is
	 * reported once, with the first of them.
	 */
	policy_init(&p[1], "b", "10.1.0.0/16", "198.18.0.0/15", NULL);
	policy_init(&p[2], "c", "10.1.0.0/24", "0.0.0.0/0", NULL);
	assert_int_equal(egress_policy_conflicts(p, 2, NULL, NULL), 0);
	assert_int_equal(egress_policy_conflicts(p, 3, NULL, NULL), 1);
	assert_int_equal(egress_policy_conflicts(p + 1, 2, NULL, NULL), 1);
	policy_fini(&p[0]);
	policy_fini(&p[1]);
	policy_fini(&p[2]);
}

/* --- the compiler against the brute-force classifier --------------------- */

static uint64_t rng_state;

static uint32_t
rnd(void)
{
	/* xorshift64*: reproducible everywhere, unlike random(). */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 2685821657736338717ULL) >> 32);
}

/*
 * A random prefix in a small space, so that policies nest and overlap
 * often: each family has a few meaningful bytes with values 0..3 and a
 * few lengths that cut between them.
 */
static void
rnd_prefix(struct prefix *p, int family, uint8_t top)
{
	static const uint8_t len4[] = { 8, 12, 16, 20, 24, 26, 28, 32 };
	static const uint8_t len6[] = { 8, 40, 48, 72, 80, 120, 128 };

	memset(p, 0, sizeof(*p));
	p->addr.family = (uint8_t)family;
	p->addr.bytes[0] = top;
	if (family == AF_INET) {
		p->addr.bytes[1] = (uint8_t)(rnd() % 4);
		p->addr.bytes[2] = (uint8_t)(rnd() % 4 << 4);
		p->addr.bytes[3] = (uint8_t)(rnd() % 4 << 4 | rnd() % 3);
		p->len = len4[rnd() % sizeof(len4)];
	} else {
		p->addr.bytes[4] = (uint8_t)(rnd() % 4);
		p->addr.bytes[9] = (uint8_t)(rnd() % 4 << 4);
		p->addr.bytes[15] = (uint8_t)(rnd() % 4 << 4 | rnd() % 3);
		p->len = len6[rnd() % sizeof(len6)];
	}
	if (rnd() % 16 == 0)
		p->len = top == 203 || top == 0x20 ? 0 : 8;
	prefix_normalize(p);
}

/* A random address, usually inside one of the given prefixes. */
static void
rnd_addr(struct addr *a, int family, uint8_t top, const struct prefix *near,
    size_t nnear)
{
	struct prefix p;
	unsigned i, bits = family == AF_INET ? 32 : 128;

	rnd_prefix(&p, family, top);
	*a = p.addr;
	if (nnear > 0 && rnd() % 4 != 0) {
		const struct prefix *q = &near[rnd() % nnear];

		if (q->addr.family == family)
			*a = q->addr;
	}
	/* Random low bits, kept small so that they hit long prefixes. */
	for (i = 0; i < 3; i++)
		if (rnd() % 2)
			a->bytes[bits / 8 - 1 - i] ^= (uint8_t)(rnd() % 4);
}

static bool
has_family(const struct egress_policy *p, int family)
{
	return (p->families &
		   (family == AF_INET ? EGRESS_FAM_IPV4 : EGRESS_FAM_IPV6)) !=
	    0;
}

static bool
inside_any(const struct prefix *list, size_t n, const struct prefix *p)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (prefix_contains(&list[i], p))
			return true;
	return false;
}

static void
add_prefix(struct prefix **list, size_t *n, const struct prefix *p)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (prefix_cmp(&(*list)[i], p) == 0)
			return;
	*list = xreallocarray(*list, *n + 1, sizeof(**list));
	(*list)[(*n)++] = *p;
}

/* A random policy, valid as egress_conf.c would accept it. */
static void
rnd_policy(struct egress_policy *p, const struct egress_conf *ec, size_t i)
{
	struct prefix q;
	size_t k, n, tries;
	int fam;
	uint32_t r = rnd() % 10;

	memset(p, 0, sizeof(*p));
	xasprintf(&p->name, "p%zu", i);
	p->families = r < 5 ? EGRESS_FAM_IPV4
	    : r < 8	    ? EGRESS_FAM_IPV6
			    : EGRESS_FAM_IPV4 | EGRESS_FAM_IPV6;
	for (fam = AF_INET; fam != 0; fam = fam == AF_INET ? AF_INET6 : 0) {
		if (!has_family(p, fam))
			continue;
		n = 1 + rnd() % 2;
		for (k = 0; k < n; k++) {
			rnd_prefix(&q, fam, fam == AF_INET ? 10 : 0xfd);
			add_prefix(&p->src, &p->nsrc, &q);
		}
		n = 1 + rnd() % 3;
		for (k = 0, tries = 0; k < n && tries < 50; tries++) {
			rnd_prefix(&q, fam, fam == AF_INET ? 203 : 0x20);
			if (inside_any(ec->incluster, ec->nincluster, &q))
				continue;
			add_prefix(&p->dst, &p->ndst, &q);
			k++;
		}
		if (k == 0) {
			/* Everything landed in-cluster: take the default. */
			memset(&q, 0, sizeof(q));
			q.addr.family = (uint8_t)fam;
			add_prefix(&p->dst, &p->ndst, &q);
		}
	}
	n = rnd() % 3;
	for (k = 0, tries = 0; k < n && tries < 50; tries++) {
		const struct prefix *d = &p->dst[rnd() % p->ndst];

		rnd_prefix(&q, d->addr.family, d->addr.bytes[0]);
		if (q.len > d->len && prefix_contains(d, &q)) {
			add_prefix(&p->exclude, &p->nexclude, &q);
			k++;
		} else if (d->len < addr_bits(d->addr.family)) {
			/* Most random prefixes miss: narrow d instead. */
			q = *d;
			q.addr = d->addr;
			q.len = (uint8_t)(d->len + 1 +
			    rnd() % (addr_bits(d->addr.family) - d->len));
			if (rnd() % 2)
				q.addr.bytes[(q.len - 1) / 8] |=
				    (uint8_t)(0x80 >> ((q.len - 1) % 8));
			prefix_normalize(&q);
			add_prefix(&p->exclude, &p->nexclude, &q);
			k++;
		}
	}
}

/* -1: left alone; otherwise the policy id. */
#define PASS (-1)

/*
 * The definition: the rectangles containing (x, y); the unique most
 * specific one's policy W; pass if y is in-cluster or in W's excludes.
 */
static long
classify_ref(const struct egress_conf *ec, const struct egress_rules *r,
    const struct addr *x, const struct addr *y, unsigned *nmatch)
{
	const struct egress_policy *p, *q;
	long w = -1;
	size_t i, j, k, m, l, o;
	bool minimal;

	*nmatch = 0;
	for (i = 0; i < ec->npolicies; i++) {
		p = &ec->policies[i];
		for (j = 0; j < p->nsrc; j++) {
			if (!prefix_contains_addr(&p->src[j], x))
				continue;
			for (k = 0; k < p->ndst; k++) {
				if (!prefix_contains_addr(&p->dst[k], y))
					continue;
				(*nmatch)++;
				/* Is (src[j], dst[k]) minimal? */
				minimal = true;
				for (m = 0; m < ec->npolicies && minimal; m++) {
					q = &ec->policies[m];
					for (l = 0; l < q->nsrc && minimal; l++)
						for (o = 0; o < q->ndst; o++) {
							const struct prefix
							    *s = &q->src[l],
							    *d = &q->dst[o];

							if (!prefix_contains_addr(
								s, x) ||
							    !prefix_contains_addr(
								d, y) ||
							    !prefix_contains(
								&p->src[j],
								s) ||
							    !prefix_contains(
								&p->dst[k],
								d) ||
							    (prefix_cmp(s,
								 &p->src[j]) ==
								    0 &&
								prefix_cmp(d,
								    &p->dst
									 [k]) ==
								    0))
								continue;
							minimal = false;
							break;
						}
				}
				if (!minimal)
					continue;
				/* Two policies with minimal rectangles: the
				 * ambiguity check let a crossing through. */
				if (w != -1 && w != (long)i)
					fail_msg("ambiguous: %s and %s",
					    ec->policies[w].name, p->name);
				w = (long)i;
			}
		}
	}
	if (w == -1)
		return PASS;
	for (i = 0; i < ec->nincluster; i++)
		if (prefix_contains_addr(&ec->incluster[i], y))
			return PASS;
	p = &ec->policies[w];
	for (i = 0; i < p->nexclude; i++)
		if (prefix_contains_addr(&p->exclude[i], y))
			return PASS;
	return (long)r->ids[w].id;
}

/* The datapath: LPM on the source, then LPM on (class, destination). */
static long
classify_tables(
    const struct egress_rules *r, const struct addr *x, const struct addr *y)
{
	const struct egress_class *c = NULL;
	const struct egress_dst *d = NULL;
	size_t i;

	for (i = 0; i < r->nclasses; i++)
		if (prefix_contains_addr(&r->classes[i].prefix, x) &&
		    (c == NULL || r->classes[i].prefix.len > c->prefix.len))
			c = &r->classes[i];
	if (c == NULL)
		return PASS;
	for (i = 0; i < r->ndsts; i++)
		if (r->dsts[i].class == c->id &&
		    prefix_contains_addr(&r->dsts[i].prefix, y) &&
		    (d == NULL || r->dsts[i].prefix.len > d->prefix.len))
			d = &r->dsts[i];
	if (d == NULL || d->action == EGRESS_ACT_SKIP)
		return PASS;
	return (long)d->policy;
}

static void
rnd_conf(struct egress_conf *ec, size_t want)
{
	struct prefix q;
	size_t i, tries;

	memset(ec, 0, sizeof(*ec));
	ec->enabled = true;
	ec->pin_dir = xstrdup(EGRESS_DEFAULT_PIN_DIR);
	for (i = 0; i < 3; i++) {
		rnd_prefix(&q, i < 2 ? AF_INET : AF_INET6, i < 2 ? 203 : 0x20);
		if (q.len == 0)
			q.len = 8;
		prefix_normalize(&q);
		add_prefix(&ec->incluster, &ec->nincluster, &q);
	}
	ec->policies = xcalloc(want + 1, sizeof(*ec->policies));
	for (tries = 0; ec->npolicies < want && tries < want * 20; tries++) {
		rnd_policy(&ec->policies[ec->npolicies], ec, ec->npolicies);
		if (egress_policy_conflicts(
			ec->policies, ec->npolicies + 1, NULL, NULL) == 0)
			ec->npolicies++;
		else
			policy_fini(&ec->policies[ec->npolicies]);
	}
}

static uint64_t
test_seed(void)
{
	const char *s = getenv("EGRESS_TEST_SEED");

	return s != NULL ? strtoull(s, NULL, 0) : 0x5eed0fe44e55ULL;
}

static void
test_compiler_random(void **state)
{
	struct egress_conf *ec;
	struct egress_rules r;
	struct addr x, y;
	unsigned round, pair, nmatch;
	unsigned long pol = 0, skip = 0, multi = 0;
	long want, got;
	uint64_t seed = test_seed();
	int fam;

	(void)state;
	rng_state = seed;
	for (round = 0; round < 300; round++) {
		ec = xcalloc(1, sizeof(*ec));
		rnd_conf(ec, 2 + round % 12);
		assert_int_equal(egress_policy_compile(ec, NULL, &r), 0);
		for (pair = 0; pair < 2000; pair++) {
			const struct egress_policy *p =
			    &ec->policies[rnd() % ec->npolicies];

			fam = rnd() % 3 == 0 ? AF_INET6 : AF_INET;
			rnd_addr(&x, fam, fam == AF_INET ? 10 : 0xfd, p->src,
			    p->nsrc);
			if (rnd() % 3 == 0)
				rnd_addr(&y, fam, fam == AF_INET ? 203 : 0x20,
				    p->exclude, p->nexclude);
			else
				rnd_addr(&y, fam, fam == AF_INET ? 203 : 0x20,
				    p->dst, p->ndst);
			want = classify_ref(ec, &r, &x, &y, &nmatch);
			got = classify_tables(&r, &x, &y);
			if (want != got) {
				char xs[ADDR_STRLEN], ys[ADDR_STRLEN];

				fail_msg("seed %#llx round %u: %s -> %s: want "
					 "%ld, tables say %ld",
				    (unsigned long long)seed, round,
				    addr_fmt(&x, xs, sizeof(xs)),
				    addr_fmt(&y, ys, sizeof(ys)), want, got);
			}
			if (want != PASS)
				pol++;
			else if (nmatch > 0)
				skip++;
			if (nmatch > 1)
				multi++;
		}
		egress_rules_free(&r);
		egress_conf_free(ec);
	}
	/*
	 * The comparison means something only if the pairs hit policies,
	 * excludes and in-cluster prefixes, and overlapping policies.
	 */
	print_message("egress compiler: %lu policy hits, %lu matched but "
		      "left alone, %lu with several rectangles\n",
	    pol, skip, multi);
	assert_true(pol > 10000);
	assert_true(skip > 1000);
	assert_true(multi > 10000);
}

/* Policy ids by name, class ids by prefix, across a recompile. */
static void
test_ids_stable(void **state)
{
	struct egress_conf ec;
	struct egress_rules r1, r2, r3;
	struct egress_policy pol[4], tmp;
	size_t i;

	(void)state;
	memset(&ec, 0, sizeof(ec));
	policy_init(&pol[0], "a", "10.1.0.0/16", "203.0.113.0/24", NULL);
	policy_init(&pol[1], "b", "10.2.0.0/16", "203.0.113.0/24", NULL);
	policy_init(&pol[2], "c", "10.3.0.0/16", "203.0.113.0/24", NULL);
	ec.policies = pol;
	ec.npolicies = 3;
	assert_int_equal(egress_policy_compile(&ec, NULL, &r1), 0);
	for (i = 0; i < 3; i++) {
		assert_int_equal(r1.ids[i].id, i);
		assert_int_equal(r1.classes[i].id, i);
	}
	/*
	 * A new policy, listed first, whose source sorts before all others:
	 * it takes a free id and a free class, nothing else is renumbered.
	 */
	tmp = pol[0];
	policy_init(&pol[0], "new", "10.0.0.0/16", "203.0.113.0/24", NULL);
	pol[3] = tmp;
	ec.npolicies = 4;
	assert_int_equal(egress_policy_compile(&ec, &r1, &r2), 0);
	assert_string_equal(r2.ids[0].name, "new");
	assert_int_equal(r2.ids[0].id, 3);
	assert_int_equal(r2.ids[1].id, 1);
	assert_int_equal(r2.ids[2].id, 2);
	assert_string_equal(r2.ids[3].name, "a");
	assert_int_equal(r2.ids[3].id, 0);
	assert_string_equal(pfx(&r2.classes[0].prefix), "10.0.0.0/16");
	assert_int_equal(r2.classes[0].id, 3);
	for (i = 1; i < 4; i++)
		assert_int_equal(r2.classes[i].id, i - 1);
	/*
	 * a goes and e comes in the same reload: e does not get a's id nor
	 * a's class, which the maps still use until the update is done.
	 */
	policy_fini(&pol[3]);
	policy_init(&pol[3], "e", "10.1.0.0/24", "203.0.113.0/24", NULL);
	assert_int_equal(egress_policy_compile(&ec, &r2, &r3), 0);
	assert_int_equal(r3.ids[0].id, 3);
	assert_int_equal(r3.ids[1].id, 1);
	assert_int_equal(r3.ids[2].id, 2);
	assert_int_equal(r3.ids[3].id, 4);
	assert_string_equal(pfx(&r3.classes[1].prefix), "10.1.0.0/24");
	assert_int_equal(r3.classes[1].id, 4);
	/* One reload later they are free again. */
	egress_rules_free(&r1);
	policy_fini(&pol[3]);
	policy_init(&pol[3], "f", "10.5.0.0/16", "203.0.113.0/24", NULL);
	assert_int_equal(egress_policy_compile(&ec, &r3, &r1), 0);
	assert_int_equal(r1.ids[3].id, 0);
	assert_string_equal(pfx(&r1.classes[3].prefix), "10.5.0.0/16");
	assert_int_equal(r1.classes[3].id, 0);
	egress_rules_free(&r1);
	egress_rules_free(&r2);
	egress_rules_free(&r3);
	for (i = 0; i < 4; i++)
		policy_fini(&pol[i]);
}

/* A small case spelled out: what the tables hold, entry by entry. */
static void
test_compile_entries(void **state)
{
	struct egress_conf ec;
	struct egress_rules r;
	struct egress_policy pol[2];
	struct prefix in;

	(void)state;
	memset(&ec, 0, sizeof(ec));
	policy_init(
	    &pol[0], "wide", "10.0.0.0/8", "0.0.0.0/0", "198.18.0.0/15");
	policy_init(&pol[1], "narrow", "10.1.0.0/16", "203.0.113.0/24", NULL);
	prefix_parse("10.96.0.0/12", &in, true);
	ec.policies = pol;
	ec.npolicies = 2;
	ec.incluster = &in;
	ec.nincluster = 1;
	assert_int_equal(egress_policy_compile(&ec, NULL, &r), 0);
	assert_int_equal(r.nclasses, 2);
	assert_string_equal(pfx(&r.classes[0].prefix), "10.0.0.0/8");
	assert_string_equal(pfx(&r.classes[1].prefix), "10.1.0.0/16");
	/* Class of 10/8: wide's 0/0, its exclude, the in-cluster prefix.
	 * Class of 10.1/16: the same, and narrow's destination. */
	assert_int_equal(r.ndsts, 7);
	assert_int_equal(r.dsts[0].class, r.classes[0].id);
	assert_string_equal(pfx(&r.dsts[0].prefix), "0.0.0.0/0");
	assert_int_equal(r.dsts[0].action, EGRESS_ACT_POLICY);
	assert_int_equal(r.dsts[0].policy, r.ids[0].id);
	assert_string_equal(pfx(&r.dsts[1].prefix), "10.96.0.0/12");
	assert_int_equal(r.dsts[1].action, EGRESS_ACT_SKIP);
	assert_string_equal(pfx(&r.dsts[2].prefix), "198.18.0.0/15");
	assert_int_equal(r.dsts[2].action, EGRESS_ACT_SKIP);
	assert_int_equal(r.dsts[6].class, r.classes[1].id);
	assert_string_equal(pfx(&r.dsts[6].prefix), "203.0.113.0/24");
	assert_int_equal(r.dsts[6].action, EGRESS_ACT_POLICY);
	assert_int_equal(r.dsts[6].policy, r.ids[1].id);
	egress_rules_free(&r);
	policy_fini(&pol[0]);
	policy_fini(&pol[1]);
}

/*
 * An exclude belongs to its policy: inside a more specific policy's
 * rectangle it does not apply.  So the entry at the excluded prefix is
 * the more specific policy, not SKIP, in that policy's class.
 */
static void
test_exclude_of_less_specific(void **state)
{
	struct egress_conf ec;
	struct egress_rules r;
	struct egress_policy pol[2];
	size_t i, n = 0;

	(void)state;
	memset(&ec, 0, sizeof(ec));
	policy_init(
	    &pol[0], "wide", "10.0.0.0/8", "0.0.0.0/0", "198.18.0.0/15");
	policy_init(&pol[1], "narrow", "10.1.0.0/16", "198.0.0.0/8", NULL);
	ec.policies = pol;
	ec.npolicies = 2;
	assert_int_equal(egress_policy_compile(&ec, NULL, &r), 0);
	for (i = 0; i < r.ndsts; i++) {
		if (strcmp(pfx(&r.dsts[i].prefix), "198.18.0.0/15") != 0)
			continue;
		n++;
		if (r.dsts[i].class == r.classes[0].id)
			assert_int_equal(r.dsts[i].action, EGRESS_ACT_SKIP);
		else {
			assert_int_equal(r.dsts[i].action, EGRESS_ACT_POLICY);
			assert_int_equal(r.dsts[i].policy, r.ids[1].id);
		}
	}
	assert_int_equal(n, 2);
	egress_rules_free(&r);
	policy_fini(&pol[0]);
	policy_fini(&pol[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_absent),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_dump_roundtrip),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_interfaces),
		cmocka_unit_test(test_policy_ok),
		cmocka_unit_test(test_families),
		cmocka_unit_test(test_egress_ips),
		cmocka_unit_test(test_local_egress_ip),
		cmocka_unit_test(test_gateways),
		cmocka_unit_test(test_gateway_list),
		cmocka_unit_test(test_pin_table_size),
		cmocka_unit_test(test_gateway_egress_ip),
		cmocka_unit_test(test_gateway_egress_ip_errors),
		cmocka_unit_test(test_policy_egress_ip_optional),
		cmocka_unit_test(test_policy_egress_ip_families),
		cmocka_unit_test(test_gateway_snat_here),
		cmocka_unit_test(test_port_slice),
		cmocka_unit_test(test_slice_conf),
		cmocka_unit_test(test_sync_conf),
		cmocka_unit_test(test_excludes),
		cmocka_unit_test(test_in_cluster),
		cmocka_unit_test(test_bad_prefixes_no_conflict),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_ambiguity),
		cmocka_unit_test(test_ambiguity_same_policy),
		cmocka_unit_test(test_compiler_random),
		cmocka_unit_test(test_ids_stable),
		cmocka_unit_test(test_compile_entries),
		cmocka_unit_test(test_exclude_of_less_specific),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
