/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Config validation: one case per kind of error, each asserting that the
 * message names the file, the line and the key; plus defaults, the
 * normalized dump and "every error, not just the first".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "conf.h"
#include "log.h"

#define FILE_NAME "t.conf"

/* Load text; expect exactly one error and that it contains want. */
static void
expect_error(const char *text, const char *want)
{
	struct ferry_config *cf;
	struct conf_errs e;

	conf_errs_init(&e, FILE_NAME);
	cf = conf_load(FILE_NAME, text, &e);
	assert_null(cf);
	if (e.n != 1 || strstr(e.msg[0], want) == NULL) {
		size_t i;

		for (i = 0; i < e.n; i++)
			print_error("got: %s\n", e.msg[i]);
		print_error("want one error containing: %s\n", want);
		fail();
	}
	conf_errs_clear(&e);
}

static struct ferry_config *
load_ok(const char *text)
{
	struct ferry_config *cf;
	struct conf_errs e;
	size_t i;

	conf_errs_init(&e, FILE_NAME);
	cf = conf_load(FILE_NAME, text, &e);
	for (i = 0; i < e.n; i++)
		print_error("unexpected: %s\n", e.msg[i]);
	assert_int_equal(e.n, 0);
	assert_non_null(cf);
	conf_errs_clear(&e);
	return cf;
}

static void
test_defaults(void **state)
{
	struct ferry_config *cf = load_ok("");

	(void)state;
	assert_int_equal(cf->router_id.family, 0);
	assert_string_equal(cf->pid_file, FERRY_DEFAULT_PIDFILE);
	assert_int_equal(cf->log.level, LOG_INFO);
	assert_int_equal(cf->log.facility, LOG_DAEMON);
	assert_string_equal(cf->control.socket, FERRY_DEFAULT_SOCKET);
	assert_int_equal(cf->control.max_clients, 64);
	assert_int_equal(cf->control.max_request, 65536);
	assert_int_equal(cf->control.timeout, 30);
	assert_false(cf->metrics.enabled);
	conf_free(cf);
}

static void
test_full(void **state)
{
	struct ferry_config *cf =
	    load_ok("router-id = \"10.1.2.3\";\n"
		    "pid-file = \"/tmp/x.pid\";\n"
		    "log = { level = \"debug\"; facility = \"local3\"; };\n"
		    "control = { socket = \"/tmp/s\"; max-clients = 5;\n"
		    "  max-request = 2048; timeout = 7; };\n"
		    "metrics = { listen = \"[::1]:9100\"; };\n");
	char a[ADDR_STRLEN];

	(void)state;
	assert_string_equal(addr_fmt(&cf->router_id, a, sizeof(a)), "10.1.2.3");
	assert_string_equal(cf->pid_file, "/tmp/x.pid");
	assert_int_equal(cf->log.level, LOG_DEBUG);
	assert_int_equal(cf->log.facility, LOG_LOCAL3);
	assert_string_equal(cf->control.socket, "/tmp/s");
	assert_int_equal(cf->control.max_clients, 5);
	assert_int_equal(cf->control.max_request, 2048);
	assert_int_equal(cf->control.timeout, 7);
	assert_true(cf->metrics.enabled);
	assert_int_equal(cf->metrics.addr.family, AF_INET6);
	assert_int_equal(cf->metrics.port, 9100);
	conf_free(cf);
}

static void
test_syntax_error(void **state)
{
	(void)state;
	expect_error("log = {\n level = \"info\";\n facility = ;\n};\n",
	    FILE_NAME ":3: syntax error");
}

static void
test_unknown_top_key(void **state)
{
	(void)state;
	expect_error("\n\nrouter_id = \"1.2.3.4\";\n",
	    FILE_NAME ":3: router_id: unknown key or section");
}

static void
test_unknown_nested_key(void **state)
{
	(void)state;
	expect_error("log = {\n  level = \"info\";\n  colour = true;\n};\n",
	    FILE_NAME ":3: log.colour: unknown key");
}

static void
test_wrong_type_string(void **state)
{
	(void)state;
	expect_error(
	    "router-id = 17;\n", FILE_NAME ":1: router-id: expected a string");
}

static void
test_bad_address(void **state)
{
	(void)state;
	expect_error("\nrouter-id = \"10.1.2\";\n",
	    FILE_NAME ":2: router-id: \"10.1.2\" is not an IPv4 address");
}

static void
test_ipv6_router_id(void **state)
{
	(void)state;
	expect_error("router-id = \"2001:db8::1\";\n",
	    FILE_NAME ":1: router-id: \"2001:db8::1\" is not an IPv4");
}

static void
test_zero_router_id(void **state)
{
	(void)state;
	expect_error("router-id = \"0.0.0.0\";\n",
	    FILE_NAME ":1: router-id: 0.0.0.0 is not a valid router id");
}

static void
test_bad_enum(void **state)
{
	(void)state;
	expect_error("log = { level = \"loud\"; };\n",
	    FILE_NAME ":1: log.level: \"loud\" is not one of: error");
}

static void
test_bad_facility(void **state)
{
	(void)state;
	expect_error("log = {\nfacility = \"kern\"; };\n",
	    FILE_NAME ":2: log.facility: \"kern\" is not one of");
}

static void
test_out_of_range(void **state)
{
	(void)state;
	expect_error("control = {\n\n max-clients = 0;\n};\n",
	    FILE_NAME ":3: control.max-clients: 0 is out of range 1..4096");
}

static void
test_wrong_type_int(void **state)
{
	(void)state;
	expect_error("control = { timeout = \"10\"; };\n",
	    FILE_NAME ":1: control.timeout: expected an integer");
}

static void
test_negative_int(void **state)
{
	(void)state;
	expect_error("control = { max-request = -5; };\n",
	    FILE_NAME ":1: control.max-request: -5 is out of range");
}

static void
test_relative_socket(void **state)
{
	(void)state;
	expect_error("control = { socket = \"ferry.sock\"; };\n",
	    FILE_NAME ":1: control.socket: must be an absolute path");
}

static void
test_relative_pidfile(void **state)
{
	(void)state;
	expect_error("pid-file = \"x.pid\";\n",
	    FILE_NAME ":1: pid-file: must be an absolute path");
}

static void
test_metrics_missing_listen(void **state)
{
	(void)state;
	expect_error("\nmetrics = {\n};\n",
	    FILE_NAME ":2: metrics.listen: required key is missing");
}

static void
test_metrics_bad_listen(void **state)
{
	(void)state;
	expect_error("metrics = { listen = \"::1:80\"; };\n",
	    FILE_NAME ":1: metrics.listen: \"::1:80\" is not address:port");
	expect_error("metrics = { listen = \"127.0.0.1:0\"; };\n",
	    FILE_NAME ":1: metrics.listen: \"127.0.0.1:0\" is not address");
	expect_error("metrics = { listen = \"127.0.0.1\"; };\n",
	    FILE_NAME ":1: metrics.listen");
}

static void
test_group_expected(void **state)
{
	(void)state;
	expect_error(
	    "log = \"debug\";\n", FILE_NAME ":1: log: expected a group");
}

static void
test_missing_file(void **state)
{
	struct conf_errs e;

	(void)state;
	conf_errs_init(&e, NULL);
	assert_null(conf_load("/nonexistent/ferryd.conf", NULL, &e));
	assert_int_equal(e.n, 1);
	assert_non_null(
	    strstr(e.msg[0], "/nonexistent/ferryd.conf: cannot read"));
	conf_errs_clear(&e);
}

static void
test_all_errors_reported(void **state)
{
	struct conf_errs e;

	(void)state;
	conf_errs_init(&e, FILE_NAME);
	assert_null(conf_load(FILE_NAME,
	    "router-id = \"x\";\n"
	    "log = { level = \"loud\"; };\n"
	    "control = { max-clients = 0; timeout = 0; };\n"
	    "bogus = 1;\n",
	    &e));
	assert_int_equal(e.n, 5);
	/* In file order, whatever order they were found in. */
	assert_non_null(strstr(e.msg[0], ":1: router-id"));
	assert_non_null(strstr(e.msg[1], ":2: log.level"));
	assert_non_null(strstr(e.msg[2], ":3: control.max-clients"));
	assert_non_null(strstr(e.msg[3], ":3: control.timeout"));
	assert_non_null(strstr(e.msg[4], ":4: bogus"));
	conf_errs_clear(&e);
}

static void
test_dump_roundtrip(void **state)
{
	struct ferry_config *cf, *again;
	struct json_object *j, *v;
	struct conf_errs e;
	char *text = NULL;
	size_t len = 0;
	config_t lc;
	FILE *f;

	(void)state;
	cf = load_ok("metrics = { listen = \"127.0.0.1:9582\"; };\n"
		     "router-id = \"192.0.2.7\";\n");
	conf_dump(cf, &lc);
	f = open_memstream(&text, &len);
	conf_print(&lc, f);
	fclose(f);
	/* The printed form is itself a valid config that means the same. */
	conf_errs_init(&e, FILE_NAME);
	again = conf_load(FILE_NAME, text, &e);
	assert_non_null(again);
	assert_int_equal(addr_cmp(&cf->router_id, &again->router_id), 0);
	assert_int_equal(again->metrics.port, 9582);
	j = conf_to_json(&lc);
	assert_true(json_object_object_get_ex(j, "router-id", &v));
	assert_string_equal(json_object_get_string(v), "192.0.2.7");
	assert_true(json_object_object_get_ex(j, "control", &v));
	assert_true(json_object_object_get_ex(v, "max-clients", &v));
	assert_int_equal(json_object_get_int(v), 64);
	json_object_put(j);
	config_destroy(&lc);
	free(text);
	conf_free(again);
	conf_free(cf);
	conf_errs_clear(&e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_syntax_error),
		cmocka_unit_test(test_unknown_top_key),
		cmocka_unit_test(test_unknown_nested_key),
		cmocka_unit_test(test_wrong_type_string),
		cmocka_unit_test(test_bad_address),
		cmocka_unit_test(test_ipv6_router_id),
		cmocka_unit_test(test_zero_router_id),
		cmocka_unit_test(test_bad_enum),
		cmocka_unit_test(test_bad_facility),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_wrong_type_int),
		cmocka_unit_test(test_negative_int),
		cmocka_unit_test(test_relative_socket),
		cmocka_unit_test(test_relative_pidfile),
		cmocka_unit_test(test_metrics_missing_listen),
		cmocka_unit_test(test_metrics_bad_listen),
		cmocka_unit_test(test_group_expected),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_all_errors_reported),
		cmocka_unit_test(test_dump_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
