/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The overlay config section (vtep/vtep_conf.c), loaded through conf_load()
 * as ferryd loads it: what a valid section becomes, and one case per kind
 * of mistake, each asserting that the one error it causes names the file,
 * the line and the full key path (overlay.vteps.[1].prefixes.[0]).
 *
 * Underlay addresses must be addresses of this host: valid configs use
 * 127.0.0.1, and "not on this host" uses 203.0.113.254 (TEST-NET-3, RFC
 * 5737), which no test machine should have.
 */
#include <sys/types.h>

#include <ifaddrs.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "conf.h"
#include "module.h"
#include "vtep.h"
#include "vtep_int.h"

#define FILE_NAME "t.conf"
/* Line 1 opens the section, line 2 is local: keys follow on line 3. */
#define HEAD "overlay = {\n local = \"127.0.0.1\";\n"

/* Every error of loading text, one per line, for failure messages. */
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

/* Load text; expect exactly the errors in want (in file order). */
static void
expect_errors(const char *text, const char *const *want, size_t n)
{
	struct ferry_config *cf;
	struct conf_errs e;
	size_t i;

	conf_errs_init(&e, FILE_NAME);
	cf = conf_load(FILE_NAME, text, &e);
	if (cf != NULL || e.n != n)
		goto bad;
	for (i = 0; i < n; i++)
		if (strstr(e.msg[i], want[i]) == NULL)
			goto bad;
	conf_errs_clear(&e);
	return;
bad:
	print_errs(&e);
	for (i = 0; i < n; i++)
		print_error("want: %s\n", want[i]);
	conf_free(cf);
	conf_errs_clear(&e);
	fail();
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

/* The overlay's section of a loaded config. */
static const struct vtep_conf *
overlay_of(const struct ferry_config *cf)
{
	unsigned i;

	for (i = 0; i < ferry_nmodules; i++)
		if (ferry_modules[i] == &vtep_module)
			return cf->mod[i];
	fail_msg("the overlay module is not in the module table");
	return NULL;
}

static const char *
pfx(const struct prefix *p)
{
	static char buf[PREFIX_STRLEN];

	return prefix_fmt(p, buf, sizeof(buf));
}

static void
test_absent(void **state)
{
	struct ferry_config *cf = load_ok("");

	(void)state;
	assert_false(overlay_of(cf)->enabled);
	conf_free(cf);
}

static void
test_defaults(void **state)
{
	struct ferry_config *cf = load_ok(HEAD "};\n");
	const struct vtep_conf *vc = overlay_of(cf);
	char buf[ADDR_STRLEN];

	(void)state;
	assert_true(vc->enabled);
	assert_string_equal(vc->device, "ferry0");
	assert_int_equal(vc->port, 4789);
	assert_string_equal(
	    addr_fmt(&vc->local4, buf, sizeof(buf)), "127.0.0.1");
	assert_int_equal(vc->local6.family, 0);
	assert_int_equal(vc->mtu, 0);
	assert_false(vc->mac_set);
	assert_int_equal(vc->vni, 1);
	assert_string_equal(vc->pin_dir, "/sys/fs/bpf/ferry");
	assert_int_equal(vc->nswitches, 0);
	conf_free(cf);
}

static void
test_full(void **state)
{
	struct ferry_config *cf = load_ok(HEAD
	    " device = \"ovl-0.1\";\n"
	    " port = 8472;\n"
	    " mtu = 1280;\n"
	    " mac = \"02:FE:00:0a:Bb:01\";\n"
	    " vni = 16777215;\n"
	    " pin-dir = \"/sys/fs/bpf/x\";\n"
	    " vteps = (\n"
	    "  { name = \"r1\"; endpoint = \"192.0.2.11\"; vni = 0;\n"
	    "    mac = \"02:00:00:00:01:10\";\n"
	    "    prefixes = (\"10.1.0.0/16\", \"10.1.2.0/24\",\n"
	    "      \"2001:DB8:100::/64\", \"10.9.9.9\", \"0.0.0.0/0\"); },\n"
	    "  { name = \"r2\"; endpoint = \"198.51.100.1\";\n"
	    "    mac = \"02:00:00:00:02:10\"; prefixes = [\"2001:db8::/48\"]; "
	    "}\n"
	    " );\n"
	    "};\n");
	const struct vtep_conf *vc = overlay_of(cf);
	const struct vtep_switch *sw;
	char buf[ADDR_STRLEN];

	(void)state;
	assert_string_equal(vc->device, "ovl-0.1");
	assert_int_equal(vc->port, 8472);
	assert_int_equal(vc->mtu, 1280);
	assert_true(vc->mac_set);
	mac_fmt(vc->mac, buf, sizeof(buf));
	assert_string_equal(buf, "02:fe:00:0a:bb:01");
	assert_int_equal(vc->vni, 16777215);
	assert_string_equal(vc->pin_dir, "/sys/fs/bpf/x");
	assert_int_equal(vc->nswitches, 2);
	sw = &vc->switches[0];
	assert_string_equal(sw->name, "r1");
	assert_string_equal(
	    addr_fmt(&sw->endpoint, buf, sizeof(buf)), "192.0.2.11");
	assert_int_equal(sw->vni, 0);
	/* A VTEP's prefixes may nest: only other VTEPs' may not overlap. */
	assert_int_equal(sw->nprefixes, 5);
	assert_string_equal(pfx(&sw->prefixes[0]), "10.1.0.0/16");
	assert_string_equal(pfx(&sw->prefixes[1]), "10.1.2.0/24");
	assert_string_equal(pfx(&sw->prefixes[2]), "2001:db8:100::/64");
	assert_string_equal(pfx(&sw->prefixes[3]), "10.9.9.9/32");
	assert_string_equal(pfx(&sw->prefixes[4]), "0.0.0.0/0");
	sw = &vc->switches[1];
	assert_int_equal(sw->vni, 16777215); /* overlay.vni */
	/* r1's 0.0.0.0/0 is no overlap: families never overlap. */
	assert_int_equal(sw->nprefixes, 1);
	assert_string_equal(pfx(&sw->prefixes[0]), "2001:db8::/48");
	conf_free(cf);
}

/* ferryd -nv prints a config that loads to the same thing. */
static void
test_dump_roundtrip(void **state)
{
	struct ferry_config *cf, *again;
	const struct vtep_conf *a, *b;
	char *text = NULL;
	size_t len = 0, i;
	config_t lc;
	FILE *f;

	(void)state;
	cf = load_ok(
	    HEAD " mac = \"02:AA:00:00:00:01\"; vni = 9;\n"
		 " vteps = ({ name = \"r1\"; endpoint = \"192.0.2.11\";"
		 " mac = \"02:00:00:00:01:10\";"
		 " prefixes = (\"10.1.0.0/16\", \"2001:db8::/32\"); });\n"
		 "};\n");
	conf_dump(cf, &lc);
	f = open_memstream(&text, &len);
	conf_print(&lc, f);
	fclose(f);
	config_destroy(&lc);
	again = load_ok(text);
	a = overlay_of(cf);
	b = overlay_of(again);
	assert_string_equal(a->device, b->device);
	assert_int_equal(a->port, b->port);
	assert_int_equal(addr_cmp(&a->local4, &b->local4), 0);
	assert_memory_equal(a->mac, b->mac, 6);
	assert_int_equal(a->vni, b->vni);
	assert_string_equal(a->pin_dir, b->pin_dir);
	assert_int_equal(a->nswitches, b->nswitches);
	assert_string_equal(a->switches[0].name, b->switches[0].name);
	assert_int_equal(a->switches[0].vni, 9);
	assert_int_equal(b->switches[0].vni, 9);
	assert_int_equal(a->switches[0].nprefixes, b->switches[0].nprefixes);
	for (i = 0; i < a->switches[0].nprefixes; i++)
		assert_int_equal(prefix_cmp(&a->switches[0].prefixes[i],
				     &b->switches[0].prefixes[i]),
		    0);
	free(text);
	conf_free(again);
	conf_free(cf);
}

/* One VTEP whose prefix list is p (config text), on line 3. */
#define ONE_VTEP(p)                                                  \
	HEAD " vteps = ({ name = \"r1\"; endpoint = \"192.0.2.11\";" \
	     " mac = \"02:00:00:00:01:10\";\n  prefixes = (" p "); });\n};\n"

static void
test_bad_prefixes(void **state)
{
	static const char *const bad[] = { "10.1.0.0/33", "10.1.0.0/",
		"10.1.0/24", "10.1.0.0/-1", "10.1.0.0/8x", "2001:db8::/129",
		"nonsense", "/24", "10.1.0.0/ 8" };
	char text[512], want[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text),
		    ONE_VTEP("\"10.2.0.0/16\", \"%s\""), bad[i]);
		snprintf(want, sizeof(want),
		    FILE_NAME ":4: overlay.vteps.[0].prefixes.[1]: \"%s\" is "
			      "not a prefix",
		    bad[i]);
		expect_error(text, want);
	}
}

static void
test_host_bits(void **state)
{
	(void)state;
	expect_error(ONE_VTEP("\"10.1.1.1/24\""),
	    FILE_NAME ":4: overlay.vteps.[0].prefixes.[0]: \"10.1.1.1/24\" is "
		      "not a prefix (address/length, host bits zero)");
	expect_error(ONE_VTEP("\"2001:db8::1/64\""),
	    FILE_NAME ":4: overlay.vteps.[0].prefixes.[0]: \"2001:db8::1/64\"");
}

static void
test_prefix_types(void **state)
{
	(void)state;
	expect_error(ONE_VTEP("\"10.1.0.0/16\", 42"),
	    FILE_NAME ":4: overlay.vteps.[0].prefixes.[1]: expected a prefix "
		      "string");
	expect_error(ONE_VTEP(""),
	    FILE_NAME ":4: overlay.vteps.[0].prefixes: needs at least one "
		      "prefix");
	expect_error(HEAD " vteps = ({ name = \"r1\"; endpoint = "
			  "\"192.0.2.11\"; mac = \"02:00:00:00:01:10\";\n"
			  "  prefixes = \"10.1.0.0/16\"; });\n};\n",
	    FILE_NAME ":4: overlay.vteps.[0].prefixes: expected a list");
}

static void
test_mac_parse(void **state)
{
	static const char *const bad[] = { "", "02:00:00:00:01",
		"02:00:00:00:00:01:", "02-00-00-00-00-01", "02:00:00:00:00:1g",
		"020:00:00:00:00:1", "-1:00:00:00:00:01", "+2:00:00:00:00:01",
		" 2:00:00:00:00:01", "02: 0:00:00:00:01", "0x:00:00:00:00:01",
		"02:00:00:00:00:0x", "02:00:00:00:00:01 " };
	uint8_t mac[6];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (mac_parse(bad[i], mac) != -1) {
			print_error("accepted as a MAC: \"%s\"\n", bad[i]);
			fail();
		}
	}
	assert_int_equal(mac_parse("aA:0b:C0:00:ff:10", mac), 0);
	assert_memory_equal(mac, "\xaa\x0b\xc0\x00\xff\x10", 6);
}

static void
test_bad_macs(void **state)
{
	(void)state;
	expect_error(HEAD " vteps = ({ name = \"r1\"; endpoint = "
			  "\"192.0.2.11\";\n"
			  "  mac = \"02:00:00:00:01\"; prefixes = "
			  "(\"10.1.0.0/16\"); });\n};\n",
	    FILE_NAME ":4: overlay.vteps.[0].mac: \"02:00:00:00:01\" is not a "
		      "MAC address (xx:xx:xx:xx:xx:xx)");
	expect_error(HEAD " vteps = ({ name = \"r1\"; endpoint = "
			  "\"192.0.2.11\";\n"
			  "  mac = \"-1:00:00:00:00:01\"; prefixes = "
			  "(\"10.1.0.0/16\"); });\n};\n",
	    FILE_NAME ":4: overlay.vteps.[0].mac: \"-1:00:00:00:00:01\" is not "
		      "a MAC address");
	expect_error(HEAD " vteps = ({ name = \"r1\"; endpoint = "
			  "\"192.0.2.11\";\n"
			  "  mac = 2; prefixes = (\"10.1.0.0/16\"); });\n};\n",
	    FILE_NAME ":4: overlay.vteps.[0].mac: expected a string");
	expect_error(HEAD " mac = \"zz:00:00:00:00:01\";\n};\n",
	    FILE_NAME ":3: overlay.mac: \"zz:00:00:00:00:01\" is not a MAC");
	expect_error(HEAD " mac = \"03:00:00:00:00:01\";\n};\n",
	    FILE_NAME ":3: overlay.mac: must be a unicast MAC");
}

static void
test_vni_range(void **state)
{
	(void)state;
	expect_error(HEAD " vteps = ({ name = \"r1\"; endpoint = "
			  "\"192.0.2.11\";\n"
			  "  vni = 16777216; mac = \"02:00:00:00:01:10\"; "
			  "prefixes = (\"10.1.0.0/16\"); });\n};\n",
	    FILE_NAME ":4: overlay.vteps.[0].vni: 16777216 is out of range "
		      "0..16777215");
	expect_error(HEAD " vteps = ({ name = \"r1\"; endpoint = "
			  "\"192.0.2.11\";\n"
			  "  vni = -1; mac = \"02:00:00:00:01:10\"; "
			  "prefixes = (\"10.1.0.0/16\"); });\n};\n",
	    FILE_NAME ":4: overlay.vteps.[0].vni: -1 is out of range");
	expect_error(HEAD " vni = 4294967297L;\n};\n",
	    FILE_NAME ":3: overlay.vni: 4294967297 is out of range "
		      "0..16777215");
	expect_error(HEAD " vni = \"7\";\n};\n",
	    FILE_NAME ":3: overlay.vni: expected an integer");
}

/* Two VTEPs, r1 on line 3 and r2 on line 4, with prefix lists p1, p2. */
#define TWO_VTEPS(p1, p2)                                           \
	HEAD " vteps = (\n"                                         \
	     "  { name = \"r1\"; endpoint = \"192.0.2.11\"; mac = " \
	     "\"02:00:00:00:01:10\"; prefixes = (" p1 "); },\n"     \
	     "  { name = \"r2\"; endpoint = \"192.0.2.12\"; mac = " \
	     "\"02:00:00:00:02:10\"; prefixes = (" p2 "); }\n"      \
	     " );\n};\n"

static void
test_overlaps(void **state)
{
	struct ferry_config *cf;

	(void)state;
	/* The more specific one is named, with the one it overlaps. */
	expect_error(TWO_VTEPS("\"10.1.0.0/16\"", "\"10.1.2.0/24\""),
	    FILE_NAME ":5: overlay.vteps.[1].prefixes.[0]: 10.1.2.0/24 "
		      "overlaps 10.1.0.0/16 of vtep \"r1\"");
	expect_error(TWO_VTEPS("\"10.1.2.0/24\"", "\"10.1.0.0/16\""),
	    FILE_NAME ":4: overlay.vteps.[0].prefixes.[0]: 10.1.2.0/24 "
		      "overlaps 10.1.0.0/16 of vtep \"r2\"");
	expect_error(
	    TWO_VTEPS("\"10.9.0.0/16\", \"2001:db8::/32\"", "\"::/0\""),
	    FILE_NAME ":4: overlay.vteps.[0].prefixes.[1]: 2001:db8::/32 "
		      "overlaps ::/0 of vtep \"r2\"");
	/* Equal prefixes on two VTEPs: the later one is named. */
	expect_error(TWO_VTEPS("\"10.1.0.0/16\"", "\"10.1.0.0/16\""),
	    FILE_NAME ":5: overlay.vteps.[1].prefixes.[0]: 10.1.0.0/16 "
		      "overlaps 10.1.0.0/16 of vtep \"r1\"");
	/* Twice on one VTEP: the second listing is named. */
	expect_error(
	    TWO_VTEPS("\"10.1.0.0/16\", \"10.3.0.0/16\", \"10.1.0.0/16\"",
		"\"10.2.0.0/16\""),
	    FILE_NAME ":4: overlay.vteps.[0].prefixes.[2]: 10.1.0.0/16 is "
		      "listed twice");
	/* Touching is not overlapping. */
	cf = load_ok(TWO_VTEPS("\"10.1.0.0/17\"", "\"10.1.128.0/17\""));
	conf_free(cf);
}

/* After a bad prefix, an overlap still names its own list element. */
static void
test_overlap_after_bad_prefix(void **state)
{
	static const char *const want[] = {
		FILE_NAME ":4: overlay.vteps.[0].prefixes.[0]: \"10.1.0.0/33\"",
		FILE_NAME ":4: overlay.vteps.[0].prefixes.[1]: expected a "
			  "prefix string",
		FILE_NAME ":4: overlay.vteps.[0].prefixes.[3]: 10.2.0.0/16 is "
			  "listed twice",
	};

	(void)state;
	expect_errors(
	    ONE_VTEP("\"10.1.0.0/33\", 7, \"10.2.0.0/16\", \"10.2.0.0/16\""),
	    want, sizeof(want) / sizeof(want[0]));
}

/* Overlaps and names are checked even when another entry is broken. */
static void
test_overlap_beside_bad_entry(void **state)
{
	static const char *const want[] = {
		FILE_NAME ":4: overlay.vteps.[0]: expected a group",
		FILE_NAME ":5: overlay.vteps.[1].name: must not be empty",
		FILE_NAME ":7: overlay.vteps.[3].name: vtep \"r2\" is defined "
			  "twice",
		FILE_NAME ":7: overlay.vteps.[3].prefixes.[0]: 10.1.2.0/24 "
			  "overlaps 10.1.0.0/16 of vtep \"r2\"",
	};

	(void)state;
	expect_errors(HEAD
	    " vteps = (\n"
	    "  \"r0\",\n"
	    "  { name = \"\"; endpoint = \"192.0.2.10\"; mac = "
	    "\"02:00:00:00:00:10\"; prefixes = (\"10.0.0.0/16\"); },\n"
	    "  { name = \"r2\"; endpoint = \"192.0.2.11\"; mac = "
	    "\"02:00:00:00:01:10\"; prefixes = (\"10.1.0.0/16\"); },\n"
	    "  { name = \"r2\"; endpoint = \"192.0.2.12\"; mac = "
	    "\"02:00:00:00:02:10\"; prefixes = (\"10.1.2.0/24\"); }\n"
	    " );\n};\n",
	    want, sizeof(want) / sizeof(want[0]));
}

static void
test_duplicate_names(void **state)
{
	(void)state;
	expect_error(HEAD
	    " vteps = (\n"
	    "  { name = \"r1\"; endpoint = \"192.0.2.11\"; mac = "
	    "\"02:00:00:00:01:10\"; prefixes = (\"10.1.0.0/16\"); },\n"
	    "  { name = \"r1\"; endpoint = \"192.0.2.12\"; mac = "
	    "\"02:00:00:00:02:10\"; prefixes = (\"10.2.0.0/16\"); }\n"
	    " );\n};\n",
	    FILE_NAME ":5: overlay.vteps.[1].name: vtep \"r1\" is defined "
		      "twice");
}

static void
test_local_not_here(void **state)
{
	(void)state;
	/* One mistake, one error: the IPv4 endpoint is not blamed too. */
	expect_error(
	    "overlay = {\n local = \"203.0.113.254\";\n"
	    " vteps = ({ name = \"r1\"; endpoint = \"192.0.2.11\"; "
	    "mac = \"02:00:00:00:01:10\"; prefixes = (\"10.1.0.0/16\"); "
	    "});\n};\n",
	    FILE_NAME ":2: overlay.local: 203.0.113.254 is not an address of "
		      "this host");
	expect_error(HEAD
	    " local6 = \"2001:db8:ffff::254\";\n"
	    " vteps = ({ name = \"r1\"; endpoint = \"2001:db8::11\"; "
	    "mac = \"02:00:00:00:01:10\"; prefixes = "
	    "(\"10.1.0.0/16\"); });\n};\n",
	    FILE_NAME ":3: overlay.local6: 2001:db8:ffff::254 is not an "
		      "address of this host");
	expect_error("overlay = {\n local = \"::1\";\n};\n",
	    FILE_NAME ":2: overlay.local: \"::1\" is not an IPv4 address");
	expect_error(HEAD " local6 = \"127.0.0.1\";\n};\n",
	    FILE_NAME ":3: overlay.local6: \"127.0.0.1\" is not an IPv6 "
		      "address");
	expect_error("overlay = {\n vni = 3;\n};\n",
	    FILE_NAME ":1: overlay.local: required key is missing");
}

static void
test_endpoint_family(void **state)
{
	(void)state;
	expect_error(HEAD
	    " vteps = ({ name = \"r1\";\n"
	    "  endpoint = \"2001:db8::11\"; mac = "
	    "\"02:00:00:00:01:10\"; prefixes = (\"10.1.0.0/16\"); "
	    "});\n};\n",
	    FILE_NAME ":4: overlay.vteps.[0].endpoint: an IPv6 endpoint needs "
		      "overlay.local6");
	expect_error(HEAD
	    " vteps = ({ name = \"r1\";\n"
	    "  endpoint = \"192.0.2.300\"; mac = "
	    "\"02:00:00:00:01:10\"; prefixes = (\"10.1.0.0/16\"); "
	    "});\n};\n",
	    FILE_NAME ":4: overlay.vteps.[0].endpoint: \"192.0.2.300\" is not "
		      "an IP address");
}

/* ::1 on this host, for an overlay with only local6. */
static bool
have_ipv6_loopback(void)
{
	struct ifaddrs *ifa, *i;
	struct addr want, a;
	bool found = false;

	if (getifaddrs(&ifa) == -1)
		return false;
	addr_parse("::1", &want);
	for (i = ifa; i != NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET6)
			continue;
		memset(&a, 0, sizeof(a));
		a.family = AF_INET6;
		a.v6 = ((struct sockaddr_in6 *)(void *)i->ifa_addr)->sin6_addr;
		found = found || addr_cmp(&a, &want) == 0;
	}
	freeifaddrs(ifa);
	return found;
}

static void
test_ipv4_endpoint_needs_local(void **state)
{
	(void)state;
	if (!have_ipv6_loopback())
		skip();
	expect_error(
	    "overlay = {\n local6 = \"::1\";\n"
	    " vteps = ({ name = \"r1\";\n"
	    "  endpoint = \"192.0.2.11\"; mac = \"02:00:00:00:01:10\"; "
	    "prefixes = (\"10.1.0.0/16\"); });\n};\n",
	    FILE_NAME ":4: overlay.vteps.[0].endpoint: an IPv4 endpoint needs "
		      "overlay.local");
}

static void
test_missing_keys(void **state)
{
	static const char *const want[] = {
		FILE_NAME ":3: overlay.vteps.[0].name: required key is missing",
		FILE_NAME ":3: overlay.vteps.[0].endpoint: required key is "
			  "missing",
		FILE_NAME ":3: overlay.vteps.[0].mac: required key is missing",
		FILE_NAME ":3: overlay.vteps.[0].prefixes: required key is "
			  "missing",
	};

	(void)state;
	expect_errors(HEAD " vteps = ({ vni = 5; });\n};\n", want,
	    sizeof(want) / sizeof(want[0]));
	expect_error(HEAD " vteps = ({ name = \"r1\"; endpoint = "
			  "\"192.0.2.11\";\n"
			  "  prefixes = (\"10.1.0.0/16\"); });\n};\n",
	    FILE_NAME ":3: overlay.vteps.[0].mac: required key is missing");
}

static void
test_unknown_keys(void **state)
{
	(void)state;
	expect_error(HEAD " colour = \"blue\";\n};\n",
	    FILE_NAME ":3: overlay.colour: unknown key");
	expect_error(HEAD
	    " vteps = ({ name = \"r1\"; endpoint = "
	    "\"192.0.2.11\"; mac = \"02:00:00:00:01:10\";\n"
	    "  prefixes = (\"10.1.0.0/16\"); prefix = 1; });\n};\n",
	    FILE_NAME ":4: overlay.vteps.[0].prefix: unknown key");
	expect_error(HEAD " vteps = { };\n};\n",
	    FILE_NAME ":3: overlay.vteps: expected a list");
}

static void
test_device_names(void **state)
{
	static const char *const bad[] = { "", "ferry/0", "a:b", "with space",
		"tab\there", "sixteen-chars-xx", "caf\xc3\xa9" };
	struct ferry_config *cf;
	char text[256], want[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(
		    text, sizeof(text), HEAD " device = \"%s\";\n};\n", bad[i]);
		snprintf(want, sizeof(want),
		    FILE_NAME ":3: overlay.device: \"%s\" is not an interface "
			      "name",
		    bad[i]);
		expect_error(text, want);
	}
	expect_error(HEAD " device = 0;\n};\n",
	    FILE_NAME ":3: overlay.device: expected a string");
	cf = load_ok(HEAD " device = \"fifteen-chars-x\";\n};\n");
	assert_string_equal(overlay_of(cf)->device, "fifteen-chars-x");
	conf_free(cf);
}

static void
test_pin_dirs(void **state)
{
	static const char *const bad[] = { "/tmp/ferry", "/sys/fs/bpf",
		"/sys/fs/bpf/", "/sys/fs/bpfx/y", "/sys/fs/bpf/../../etc",
		"/sys/fs/bpf/a/..", "sys/fs/bpf/a" };
	char text[256], want[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), HEAD " pin-dir = \"%s\";\n};\n",
		    bad[i]);
		snprintf(want, sizeof(want),
		    FILE_NAME ":3: overlay.pin-dir: must be a directory below "
			      "/sys/fs/bpf/");
		expect_error(text, want);
	}
}

static void
test_ranges(void **state)
{
	(void)state;
	expect_error(HEAD " port = 0;\n};\n",
	    FILE_NAME ":3: overlay.port: 0 is out of range 1..65535");
	expect_error(HEAD " port = 65536;\n};\n",
	    FILE_NAME ":3: overlay.port: 65536 is out of range 1..65535");
	expect_error(HEAD " mtu = 1279;\n};\n",
	    FILE_NAME ":3: overlay.mtu: 1279 is out of range 1280..65465");
	expect_error(HEAD " mtu = 65466;\n};\n",
	    FILE_NAME ":3: overlay.mtu: 65466 is out of range 1280..65465");
}

/* Several mistakes: every one is reported, in file order. */
static void
test_all_errors_reported(void **state)
{
	static const char *const want[] = {
		FILE_NAME ":2: overlay.device: \"a/b\" is not an interface",
		FILE_NAME ":3: overlay.pin-dir: must be a directory below",
		FILE_NAME ":5: overlay.vteps.[0].prefixes.[0]: \"10.1.1.1/8\"",
		FILE_NAME ":6: overlay.vteps.[1].mac: \"02:00\" is not a MAC",
		FILE_NAME ":6: overlay.vteps.[1].prefixes.[0]: 10.2.1.0/24 "
			  "overlaps 10.2.0.0/16 of vtep \"r1\"",
		FILE_NAME ":7: overlay.vteps.[2].vni: 16777216 is out of range",
		FILE_NAME ":8: overlay.colour: unknown key",
	};

	(void)state;
	expect_errors("overlay = { local = \"127.0.0.1\";\n"
		      " device = \"a/b\";\n"
		      " pin-dir = \"/tmp/x\";\n"
		      " vteps = (\n"
		      "  { name = \"r1\"; endpoint = \"192.0.2.11\"; mac = "
		      "\"02:00:00:00:01:10\"; prefixes = (\"10.1.1.1/8\", "
		      "\"10.2.0.0/16\"); },\n"
		      "  { name = \"r2\"; endpoint = \"192.0.2.12\"; mac = "
		      "\"02:00\"; prefixes = (\"10.2.1.0/24\"); },\n"
		      "  { name = \"r3\"; endpoint = \"192.0.2.13\"; mac = "
		      "\"02:00:00:00:03:10\"; vni = 16777216; prefixes = "
		      "(\"10.3.0.0/16\"); });\n"
		      " colour = 1;\n"
		      "};\n",
	    want, sizeof(want) / sizeof(want[0]));
}

/*
 * Config text with n VTEPs, one a line from line 4, each with a /24 and a
 * /64, then the entries in extra (which must start with a comma); the
 * caller frees it.
 */
static char *
many_vteps(size_t n, const char *extra)
{
	char *text = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&text, &len);

	fprintf(f, HEAD " vteps = (\n");
	for (i = 0; i < n; i++)
		fprintf(f,
		    "  { name = \"v%zu\"; endpoint = \"198.18.%zu.%zu\"; "
		    "vni = %zu; mac = \"02:00:00:00:%02zx:%02zx\"; prefixes = "
		    "(\"10.%zu.%zu.0/24\", \"2001:db8:%zx::/64\"); }%s\n",
		    i, i / 250, i % 250 + 1, 1000 + i, i / 256, i % 256,
		    i / 256, i % 256, i, i + 1 < n ? "," : "");
	fprintf(f, "%s );\n};\n", extra);
	fclose(f);
	return text;
}

/* No cap on VTEPs: 1000 load, and an overlap at the end is still found. */
static void
test_thousand_vteps(void **state)
{
	struct ferry_config *cf;
	char *text;

	(void)state;
	text = many_vteps(1000, "");
	cf = load_ok(text);
	assert_int_equal(overlay_of(cf)->nswitches, 1000);
	assert_string_equal(
	    pfx(&overlay_of(cf)->switches[999].prefixes[0]), "10.3.231.0/24");
	conf_free(cf);
	free(text);
	text = many_vteps(1000,
	    ", { name = \"late\"; endpoint = \"192.0.2.1\"; mac = "
	    "\"02:00:00:00:00:01\"; prefixes = (\"10.2.0.128/25\"); }\n");
	expect_error(text,
	    FILE_NAME ":1004: overlay.vteps.[1000].prefixes.[0]: "
		      "10.2.0.128/25 overlaps 10.2.0.0/24 of vtep \"v512\"");
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_absent),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_dump_roundtrip),
		cmocka_unit_test(test_bad_prefixes),
		cmocka_unit_test(test_host_bits),
		cmocka_unit_test(test_prefix_types),
		cmocka_unit_test(test_mac_parse),
		cmocka_unit_test(test_bad_macs),
		cmocka_unit_test(test_vni_range),
		cmocka_unit_test(test_overlaps),
		cmocka_unit_test(test_overlap_after_bad_prefix),
		cmocka_unit_test(test_overlap_beside_bad_entry),
		cmocka_unit_test(test_duplicate_names),
		cmocka_unit_test(test_local_not_here),
		cmocka_unit_test(test_endpoint_family),
		cmocka_unit_test(test_ipv4_endpoint_needs_local),
		cmocka_unit_test(test_missing_keys),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_device_names),
		cmocka_unit_test(test_pin_dirs),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_all_errors_reported),
		cmocka_unit_test(test_thousand_vteps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
