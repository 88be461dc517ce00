/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Control protocol request parsing: what is accepted, and a reason for
 * each way a request can be wrong.
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

#include "ctl_proto.h"

static void
expect_reject(const char *line, size_t len, const char *want)
{
	struct ctl_request req;
	char err[256];

	err[0] = '\0';
	assert_int_equal(
	    ctl_request_parse(line, len, &req, err, sizeof(err)), -1);
	if (strstr(err, want) == NULL) {
		print_error("got \"%s\", want \"%s\"\n", err, want);
		fail();
	}
	assert_null(req.root);
}

#define REJECT(s, want) expect_reject(s, strlen(s), want)

static void
test_accept_plain(void **state)
{
	struct ctl_request req;
	const char *line = "{\"command\": \"status\"}";
	char err[256];

	(void)state;
	assert_int_equal(
	    ctl_request_parse(line, strlen(line), &req, err, sizeof(err)), 0);
	assert_string_equal(req.command, "status");
	assert_null(req.args);
	ctl_request_free(&req);
}

static void
test_accept_args(void **state)
{
	struct ctl_request req;
	struct json_object *v;
	const char *line =
	    "{\"args\":{\"peer\":\"192.0.2.1\"},\"command\":\"show bgp "
	    "routes\"}\r";
	char err[256];

	(void)state;
	assert_int_equal(
	    ctl_request_parse(line, strlen(line), &req, err, sizeof(err)), 0);
	assert_string_equal(req.command, "show bgp routes");
	assert_non_null(req.args);
	assert_true(json_object_object_get_ex(req.args, "peer", &v));
	assert_string_equal(json_object_get_string(v), "192.0.2.1");
	ctl_request_free(&req);
}

static void
test_reject_malformed(void **state)
{
	(void)state;
	REJECT("", "malformed JSON");
	REJECT("{", "malformed JSON: incomplete");
	REJECT("{\"command\": status}", "malformed JSON");
	REJECT("{\"command\": \"status\"} x", "malformed JSON");
	REJECT("{\"command\": \"status\"}{}", "malformed JSON");
	REJECT("{'command': 'status'}", "malformed JSON");
}

static void
test_reject_shape(void **state)
{
	(void)state;
	REJECT("[\"status\"]", "must be a JSON object");
	REJECT("\"status\"", "must be a JSON object");
	REJECT("{}", "needs \"command\"");
	REJECT("{\"command\": 5}", "needs \"command\"");
	REJECT("{\"command\": \"status\", \"verbose\": true}",
	    "unknown key in request: verbose");
	REJECT("{\"command\": \"status\", \"args\": [1]}",
	    "\"args\" must be an object");
}

static void
test_reject_command_name(void **state)
{
	char line[256];

	(void)state;
	REJECT("{\"command\": \"\"}", "invalid command name");
	REJECT("{\"command\": \"Status\"}", "invalid command name");
	REJECT("{\"command\": \"status; rm\"}", "invalid command name");
	REJECT("{\"command\": \" status\"}", "invalid command name");
	snprintf(line, sizeof(line), "{\"command\": \"%065d\"}", 0);
	REJECT(line, "invalid command name");
}

static void
test_reject_nul(void **state)
{
	static const char line[] = "{\"command\": \"status\"}\0junk";

	(void)state;
	expect_reject(line, sizeof(line) - 1, "NUL byte");
}

static void
test_reject_deep(void **state)
{
	char line[512];
	size_t i, n = 0;

	(void)state;
	n += (size_t)snprintf(
	    line, sizeof(line), "{\"command\":\"x\",\"args\":");
	for (i = 0; i < 40; i++)
		line[n++] = '[';
	for (i = 0; i < 40; i++)
		line[n++] = ']';
	line[n++] = '}';
	expect_reject(line, n, "malformed JSON");
}

static void
test_replies(void **state)
{
	struct json_object *r, *v;
	size_t len;
	char *line;

	(void)state;
	r = json_object_new_object();
	json_object_object_add(r, "path", json_object_new_string("/a/b"));
	line = ctl_reply_ok(r, &len);
	assert_int_equal(len, strlen(line));
	assert_string_equal(
	    line, "{\"ok\":true,\"result\":{\"path\":\"/a/b\"}}\n");
	free(line);

	line = ctl_reply_error("no \"such\" thing", &len);
	assert_int_equal(line[len - 1], '\n');
	assert_null(memchr(line, '\n', len - 1));
	r = json_tokener_parse(line);
	assert_true(json_object_object_get_ex(r, "error", &v));
	assert_string_equal(json_object_get_string(v), "no \"such\" thing");
	json_object_put(r);
	free(line);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accept_plain),
		cmocka_unit_test(test_accept_args),
		cmocka_unit_test(test_reject_malformed),
		cmocka_unit_test(test_reject_shape),
		cmocka_unit_test(test_reject_command_name),
		cmocka_unit_test(test_reject_nul),
		cmocka_unit_test(test_reject_deep),
		cmocka_unit_test(test_replies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
