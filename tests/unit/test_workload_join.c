/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The join decision (workload/workload_join.c) without HTTP: a config
 * loaded as ferryd loads it, a state file in a temporary directory, and
 * requests as bytes.  Who gets in, who does not and why, what a refusal
 * leaves unchanged, and the guessing limits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "conf.h"
#include "ferryd.h"
#include "module.h"
#include "workload.h"
#include "workload_rt.h"

struct fixture {
	char dir[64];
	char state[128];
	struct ferryd d;
	struct workload_rt rt;
	char secret[WORKLOAD_TOKEN_SECRET_LEN + 1];
};

static const char conf_text[] =
    "overlay = { local = \"127.0.0.1\"; };\n"
    "workloads = {\n"
    "  pool = [ \"10.250.0.0/30\" ];\n"
    "  state-file = \"%s\";\n"
    "  tls = { key = \"/nonexistent\"; cert = \"/nonexistent\"; };\n"
    "  limits = { failures = 2; rate = 1000; };\n"
    "};\n";

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct conf_errs e;
	char text[1024];
	uint8_t rnd[22] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
		16, 17, 18, 19, 20, 21, 22 };
	unsigned i;

	snprintf(f->dir, sizeof(f->dir), "/tmp/ferry-wlj-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->state, sizeof(f->state), "%s/state.json", f->dir);
	snprintf(text, sizeof(text), conf_text, f->state);
	conf_errs_init(&e, "t.conf");
	f->d.conf = conf_load("t.conf", text, &e);
	assert_non_null(f->d.conf);
	conf_errs_clear(&e);
	f->rt.d = &f->d;
	for (i = 0; i < ferry_nmodules; i++)
		if (ferry_modules[i] == &workload_module)
			f->rt.conf = f->d.conf->mod[i];
	assert_non_null(f->rt.conf);
	f->rt.loaded = true;
	f->rt.st.tokens = calloc(1, sizeof(*f->rt.st.tokens));
	workload_token_make(
	    &f->rt.st.tokens[0], rnd, 1000, 3600, 2, "t", f->secret);
	f->rt.st.ntokens = 1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char path[160];

	workload_state_free(&f->rt.st);
	conf_free(f->d.conf);
	unlink(f->state);
	snprintf(path, sizeof(path), "%s.tmp", f->state);
	unlink(path);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Join as name from src with secret; the HTTP status, the reply in *out. */
static unsigned
join(struct fixture *f, const char *name, const char *src, const char *secret,
    json_object **out, char *err, size_t errlen)
{
	struct addr a, local;
	char body[256];
	unsigned status = 0;
	json_object *o;

	addr_parse(src, &a);
	addr_parse("192.0.2.1", &local);
	snprintf(body, sizeof(body),
	    "{\"version\":1,\"token\":\"%s.%s\",\"name\":\"%s\"}",
	    f->rt.st.tokens[0].id, secret, name);
	err[0] = '\0';
	o = workload_join(
	    &f->rt, body, strlen(body), &a, &local, 2000, &status, err, errlen);
	if (out != NULL)
		*out = o;
	else
		json_object_put(o);
	return status;
}

static const char *
jstr(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v)
						     : "";
}

static void
test_join_and_rejoin(void **state)
{
	struct fixture *f = *state;
	json_object *o;
	char err[256];

	assert_int_equal(
	    join(f, "vm1", "192.0.2.10", f->secret, &o, err, sizeof(err)), 200);
	assert_string_equal(jstr(o, "ipv4"), "10.250.0.1");
	assert_string_equal(jstr(o, "endpoint"), "192.0.2.10");
	json_object_put(o);
	assert_int_equal(f->rt.st.tokens[0].used, 1);
	/* The same VM again: the same address, no use spent. */
	assert_int_equal(
	    join(f, "vm1", "192.0.2.10", f->secret, &o, err, sizeof(err)), 200);
	assert_string_equal(jstr(o, "ipv4"), "10.250.0.1");
	json_object_put(o);
	assert_int_equal(f->rt.st.tokens[0].used, 1);
	assert_int_equal(f->rt.st.nwls, 1);
	/* Saved: a reload finds it. */
	{
		struct workload_state st;

		assert_int_equal(
		    workload_state_load(f->state, &st, err, sizeof(err)), 0);
		assert_int_equal(st.nwls, 1);
		assert_int_equal(st.tokens[0].used, 1);
		workload_state_free(&st);
	}
}

static void
test_name_taken_and_pool_exhausted(void **state)
{
	struct fixture *f = *state;
	char err[256];

	assert_int_equal(
	    join(f, "vm1", "192.0.2.10", f->secret, NULL, err, sizeof(err)),
	    200);
	/* Another endpoint claims vm1: refused, nothing spent. */
	assert_int_equal(
	    join(f, "vm1", "192.0.2.11", f->secret, NULL, err, sizeof(err)),
	    409);
	assert_non_null(strstr(err, "taken"));
	assert_int_equal(f->rt.st.tokens[0].used, 1);
	assert_int_equal(
	    join(f, "vm2", "192.0.2.11", f->secret, NULL, err, sizeof(err)),
	    200);
	/* The token's two uses are gone: a replay is refused. */
	assert_int_equal(
	    join(f, "vm3", "192.0.2.12", f->secret, NULL, err, sizeof(err)),
	    403);
	assert_string_equal(err, "token used up");
	/* More uses, but the /30 is full. */
	f->rt.st.tokens[0].uses = 0;
	assert_int_equal(
	    join(f, "vm3", "192.0.2.12", f->secret, NULL, err, sizeof(err)),
	    503);
	assert_non_null(strstr(err, "exhausted"));
	assert_int_equal(f->rt.st.nwls, 2);
}

static void
test_guessing_limited(void **state)
{
	struct fixture *f = *state;
	char err[256];

	/* limits.failures = 2: two wrong secrets, then even the right one. */
	assert_int_equal(join(f, "vm1", "192.0.2.66", "0000000000000000", NULL,
			     err, sizeof(err)),
	    403);
	assert_int_equal(join(f, "vm1", "192.0.2.66", "0000000000000000", NULL,
			     err, sizeof(err)),
	    403);
	assert_int_equal(
	    join(f, "vm1", "192.0.2.66", f->secret, NULL, err, sizeof(err)),
	    429);
	/* Another source is not affected. */
	assert_int_equal(
	    join(f, "vm1", "192.0.2.67", f->secret, NULL, err, sizeof(err)),
	    200);
	/* A malformed request is not a guess. */
	{
		struct addr a, l;
		unsigned st;
		json_object *o;

		addr_parse("192.0.2.68", &a);
		addr_parse("192.0.2.1", &l);
		o = workload_join(
		    &f->rt, "{", 1, &a, &l, 2000, &st, err, sizeof(err));
		assert_null(o);
		assert_int_equal(st, 400);
		assert_int_equal(f->rt.joins_refused, 3);
	}
}

static void
test_revoked_and_expired(void **state)
{
	struct fixture *f = *state;
	char err[256];

	f->rt.st.tokens[0].revoked = true;
	assert_int_equal(
	    join(f, "vm1", "192.0.2.10", f->secret, NULL, err, sizeof(err)),
	    403);
	assert_string_equal(err, "token revoked");
	f->rt.st.tokens[0].revoked = false;
	f->rt.st.tokens[0].expires = 1500; /* join() says now = 2000 */
	assert_int_equal(
	    join(f, "vm1", "192.0.2.10", f->secret, NULL, err, sizeof(err)),
	    403);
	assert_string_equal(err, "token expired");
	assert_int_equal(f->rt.st.nwls, 0);
}

static void
test_save_failure_changes_nothing(void **state)
{
	struct fixture *f = *state;
	const struct workload_conf *saved = f->rt.conf;
	struct workload_conf wc = *saved;
	char err[256], path[] = "/proc/ferry-cannot-write/state.json";

	wc.state_file = path;
	f->rt.conf = &wc;
	assert_int_equal(
	    join(f, "vm1", "192.0.2.10", f->secret, NULL, err, sizeof(err)),
	    500);
	f->rt.conf = saved;
	assert_int_equal(f->rt.st.nwls, 0);
	assert_int_equal(f->rt.st.tokens[0].used, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_join_and_rejoin, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_name_taken_and_pool_exhausted, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_guessing_limited, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_revoked_and_expired, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_save_failure_changes_nothing, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
