/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The enrollment request (see workload_int.h and docs/design.md): a pure
 * function of the body's bytes, fuzzed by tests/fuzz/fuzz_enroll.c.
 *
 * The body comes from anyone who can reach the port, before any token is
 * checked, so it is held to the narrowest shape: a JSON object of at most
 * four known keys, shallow, every string bounded.  Unknown keys are an
 * error rather than ignored: a newer ferry-join that sends what this
 * gateway cannot honour must hear so.
 */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "workload_int.h"

#define ENROLL_DEPTH 4

static int
enroll_fail(char *err, size_t errlen, const char *msg)
{
	snprintf(err, errlen, "%s", msg);
	return -1;
}

static bool
only_space(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
			return false;
	return true;
}

static int
enroll_fields(
    json_object *root, struct workload_enroll_req *r, char *err, size_t errlen)
{
	json_object *v;
	const char *s;
	int64_t ver;

	json_object_object_foreach (root, key, val) {
		(void)val;
		if (strcmp(key, "version") != 0 && strcmp(key, "token") != 0 &&
		    strcmp(key, "name") != 0 && strcmp(key, "endpoint") != 0) {
			snprintf(err, errlen, "unknown key: %.32s", key);
			return -1;
		}
	}
	if (!json_object_object_get_ex(root, "version", &v) ||
	    !json_object_is_type(v, json_type_int))
		return enroll_fail(
		    err, errlen, "version: missing or not a number");
	ver = json_object_get_int64(v);
	if (ver != WORKLOAD_PROTO_VERSION)
		return enroll_fail(err, errlen, "version: unsupported");
	r->version = (unsigned)ver;
	if (!json_object_object_get_ex(root, "token", &v) ||
	    !json_object_is_type(v, json_type_string))
		return enroll_fail(
		    err, errlen, "token: missing or not a string");
	/* The pin stays with the VM: it has no business on the wire. */
	if (workload_token_split(json_object_get_string(v), false, &r->token) ==
		-1 ||
	    r->token.pin[0] != '\0')
		return enroll_fail(err, errlen, "token: not ID.SECRET");
	if (!json_object_object_get_ex(root, "name", &v) ||
	    !json_object_is_type(v, json_type_string))
		return enroll_fail(
		    err, errlen, "name: missing or not a string");
	s = json_object_get_string(v);
	if (!workload_name_valid(s))
		return enroll_fail(err, errlen,
		    "name: 1 to 63 lower-case letters, digits, '-' or '.', "
		    "starting with a letter or digit");
	memcpy(r->name, s, strlen(s) + 1);
	if (json_object_object_get_ex(root, "endpoint", &v)) {
		if (!json_object_is_type(v, json_type_string) ||
		    addr_parse(json_object_get_string(v), &r->endpoint) == -1)
			return enroll_fail(
			    err, errlen, "endpoint: not an IP address");
	}
	return 0;
}

int
workload_enroll_parse(const char *body, size_t len,
    struct workload_enroll_req *r, char *err, size_t errlen)
{
	json_tokener *tok;
	json_object *root;
	int rc;

	memset(r, 0, sizeof(*r));
	if (len == 0)
		return enroll_fail(err, errlen, "empty request");
	if (len > WORKLOAD_DEFAULT_MAX_REQ * 16)
		return enroll_fail(err, errlen, "request too big");
	if (memchr(body, '\0', len) != NULL)
		return enroll_fail(err, errlen, "NUL byte in request");
	if ((tok = json_tokener_new_ex(ENROLL_DEPTH)) == NULL)
		return enroll_fail(err, errlen, "out of memory");
	root = json_tokener_parse_ex(tok, body, (int)len);
	/* Nothing may follow the object, and it must be complete. */
	if (root != NULL &&
	    (json_tokener_get_error(tok) != json_tokener_success ||
		!only_space(body + json_tokener_get_parse_end(tok),
		    len - json_tokener_get_parse_end(tok)))) {
		json_object_put(root);
		root = NULL;
	}
	json_tokener_free(tok);
	if (root == NULL || !json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		return enroll_fail(err, errlen, "not a JSON object");
	}
	rc = enroll_fields(root, r, err, errlen);
	json_object_put(root);
	if (rc == -1)
		memset(r, 0, sizeof(*r));
	return rc;
}
