/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * workload/: the pure parts and the state file.  SHA-256 against the FIPS
 * 180-2 examples, the certificate pin against a fixed certificate,
 * tokens (create, check, expire, revoke, use up, split), the enrollment
 * request parser, pool allocation, and a state that survives a save and a
 * load (what a gateway restart does).
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

#include "sha256.h"
#include "workload_int.h"

static void
test_sha256(void **state)
{
	static const char *const vec[][2] = {
		{ "",
		    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc",
		    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	};
	uint8_t d[SHA256_LEN];
	char hex[SHA256_HEXLEN + 1];
	struct sha256 s;
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		sha256_digest(vec[i][0], strlen(vec[i][0]), d);
		sha256_hex(d, hex);
		assert_string_equal(hex, vec[i][1]);
	}
	/* A million 'a' in odd pieces: block boundaries everywhere. */
	sha256_init(&s);
	for (i = 0; i < 1000000; i += 7)
		sha256_update(
		    &s, "aaaaaaa", i + 7 <= 1000000 ? 7 : 1000000 - i);
	sha256_final(&s, d);
	sha256_hex(d, hex);
	assert_string_equal(hex,
	    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* RFC 4231 test cases 1, 2 and 6 (a key longer than a block). */
static void
test_hmac_sha256(void **state)
{
	static const char *const want[] = {
		"b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
		"5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
		"60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
	};
	static const char d6[] =
	    "Test Using Larger Than Block-Size Key - Hash Key First";
	uint8_t key[131], d[SHA256_LEN];
	char hex[SHA256_HEXLEN + 1];

	(void)state;
	memset(key, 0x0b, 20);
	hmac_sha256(key, 20, "Hi There", 8, d);
	sha256_hex(d, hex);
	assert_string_equal(hex, want[0]);
	hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, d);
	sha256_hex(d, hex);
	assert_string_equal(hex, want[1]);
	memset(key, 0xaa, sizeof(key));
	hmac_sha256(key, sizeof(key), d6, strlen(d6), d);
	sha256_hex(d, hex);
	assert_string_equal(hex, want[2]);
}

/* openssl x509 -outform der | sha256sum gives the pin below. */
static const char cert_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBgDCCASegAwIBAgIUA5rYMc7xYbMFK27l0/lMugHVeZMwCgYIKoZIzj0EAwIw\n"
    "FTETMBEGA1UEAwwKZmVycnktdGVzdDAgFw0yNjEyMDIxNzU5NDFaGA8yMTI2MTEw\n"
    "ODE3NTk0MVowFTETMBEGA1UEAwwKZmVycnktdGVzdDBZMBMGByqGSM49AgEGCCqG\n"
    "SM49AwEHA0IABEBoa9q8aO6lEbLPQ0R4oL4b0EnobrLUFqCcjDjhGY9qV8xCD3Xl\n"
    "OlCk3kesW6UeWhTKrJHN6awA13zVsEtn5EKjUzBRMB0GA1UdDgQWBBTrQSuR5wbU\n"
    "UzViw4xZdO32hRBwFzAfBgNVHSMEGDAWgBTrQSuR5wbUUzViw4xZdO32hRBwFzAP\n"
    "BgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0cAMEQCIAMrqaVlV9O3PQOmnROg\n"
    "5TsHgfq6YFY/pQ3OG/x5mX93AiBlh7z5FXCkVqpop254LeZyGOEzEyrQcynzUFhz\n"
    "gCM1Bg==\n"
    "-----END CERTIFICATE-----\n";
#define CERT_PIN \
	"78668b3624589d9e2cc0d66a5118edab344f7436bb836459ddb36d466196acb8"

static void
test_pin(void **state)
{
	static const char junk[] =
	    "-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n";
	char pin[SHA256_HEXLEN + 1], *bad;

	(void)state;
	assert_int_equal(workload_pin_pem(cert_pem, strlen(cert_pem), pin), 0);
	assert_string_equal(pin, CERT_PIN);
	/* One character changed: another pin, so the VM refuses it. */
	bad = strdup(cert_pem);
	bad[100] = bad[100] == 'A' ? 'B' : 'A';
	assert_int_equal(workload_pin_pem(bad, strlen(bad), pin), 0);
	assert_string_not_equal(pin, CERT_PIN);
	free(bad);
	assert_int_equal(workload_pin_pem("no pem", 6, pin), -1);
	assert_int_equal(workload_pin_pem(junk, strlen(junk), pin), -1);
}

static const uint8_t rnd[22] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
	14, 15, 16, 17, 18, 19, 20, 35 };
static const uint8_t rnd2[22] = { 9, 9, 9, 9, 9, 9 };

static void
test_token_lifecycle(void **state)
{
	struct workload_token t;
	char secret[WORKLOAD_TOKEN_SECRET_LEN + 1];

	(void)state;
	workload_token_make(&t, rnd, 1000, 60, 2, "web", secret);
	assert_string_equal(t.id, "abcdef");
	assert_string_equal(secret, "ghijklmnopqrstu9");
	assert_int_equal(strlen(t.hash), SHA256_HEXLEN);
	assert_null(strstr(t.hash, secret));
	assert_string_equal(t.name, "web");
	assert_int_equal(t.expires, 1060);

	assert_int_equal(
	    workload_token_check(&t, secret, 1000), WORKLOAD_TOKEN_OK);
	assert_int_equal(workload_token_check(&t, "ghijklmnopqrstu8", 1000),
	    WORKLOAD_TOKEN_UNKNOWN);
	/* Expiry: valid up to, not at, created + ttl. */
	assert_int_equal(
	    workload_token_check(&t, secret, 1059), WORKLOAD_TOKEN_OK);
	assert_int_equal(
	    workload_token_check(&t, secret, 1060), WORKLOAD_TOKEN_EXPIRED);
	/* Uses: two, then used up (a replay of a single-use token). */
	t.used = 2;
	assert_int_equal(
	    workload_token_check(&t, secret, 1000), WORKLOAD_TOKEN_USED_UP);
	t.used = 0;
	t.revoked = true;
	assert_int_equal(
	    workload_token_check(&t, secret, 1000), WORKLOAD_TOKEN_REVOKED);
	/* A wrong secret never learns whether the token is revoked. */
	assert_int_equal(workload_token_check(&t, "ghijklmnopqrstu8", 1000),
	    WORKLOAD_TOKEN_UNKNOWN);

	/* No ttl, no use limit. */
	workload_token_make(&t, rnd, 1000, 0, 0, NULL, secret);
	t.used = 1000000;
	assert_int_equal(workload_token_check(&t, secret, (time_t)1 << 40),
	    WORKLOAD_TOKEN_OK);
}

static void
test_token_split(void **state)
{
	struct workload_token_parts p;
	char s[WORKLOAD_TOKEN_LEN + 2];

	(void)state;
	snprintf(s, sizeof(s), "abcdef.0123456789abcdef.%s", CERT_PIN);
	assert_int_equal(workload_token_split(s, true, &p), 0);
	assert_string_equal(p.id, "abcdef");
	assert_string_equal(p.secret, "0123456789abcdef");
	assert_string_equal(p.pin, CERT_PIN);
	assert_int_equal(
	    workload_token_split("abcdef.0123456789abcdef", false, &p), 0);
	assert_string_equal(p.pin, "");
	assert_int_equal(
	    workload_token_split("abcdef.0123456789abcdef", true, &p), -1);
	assert_int_equal(
	    workload_token_split("ABCDEF.0123456789abcdef", false, &p), -1);
	assert_int_equal(
	    workload_token_split("abcdef-0123456789abcdef", false, &p), -1);
	assert_int_equal(
	    workload_token_split("abcdef.0123456789abcde", false, &p), -1);
	assert_int_equal(workload_token_split("", false, &p), -1);
	s[WORKLOAD_TOKEN_LEN - 1] = 'G';
	assert_int_equal(workload_token_split(s, true, &p), -1);
}

static void
expect_enroll_error(const char *body, const char *want)
{
	struct workload_enroll_req r;
	char err[256] = "";

	if (workload_enroll_parse(body, strlen(body), &r, err, sizeof(err)) !=
		-1 ||
	    strstr(err, want) == NULL) {
		print_error("body: %s\ngot: %s\nwant: %s\n", body, err, want);
		fail();
	}
}

static void
test_enroll_parse(void **state)
{
	struct workload_enroll_req r;
	char err[256], big[8192];
	const char *ok = "{\"version\": 1, \"token\": "
			 "\"abcdef.0123456789abcdef\", \"name\": \"vm-1.a\", "
			 "\"endpoint\": \"192.0.2.10\"}\n";

	(void)state;
	assert_int_equal(
	    workload_enroll_parse(ok, strlen(ok), &r, err, sizeof(err)), 0);
	assert_int_equal(r.version, 1);
	assert_string_equal(r.token.id, "abcdef");
	assert_string_equal(r.token.secret, "0123456789abcdef");
	assert_string_equal(r.name, "vm-1.a");
	assert_int_equal(r.endpoint.family, AF_INET);

	expect_enroll_error("", "empty");
	expect_enroll_error("[]", "not a JSON object");
	expect_enroll_error("{\"version\":1", "not a JSON object");
	expect_enroll_error("{} {}", "not a JSON object");
	expect_enroll_error("{\"version\":2,\"token\":\"x\",\"name\":\"a\"}",
	    "version: unsupported");
	expect_enroll_error("{\"token\":\"x\",\"name\":\"a\"}", "version");
	expect_enroll_error(
	    "{\"version\":1,\"token\":\"abcdef.0123\",\"name\":\"a\"}",
	    "token: not ID.SECRET");
	/* The pin is the VM's: sending it is a mistake. */
	snprintf(big, sizeof(big),
	    "{\"version\":1,\"token\":\"abcdef.0123456789abcdef.%s\","
	    "\"name\":\"a\"}",
	    CERT_PIN);
	expect_enroll_error(big, "token: not ID.SECRET");
	expect_enroll_error("{\"version\":1,\"token\":\"abcdef."
			    "0123456789abcdef\",\"name\":\"-a\"}",
	    "name:");
	expect_enroll_error("{\"version\":1,\"token\":\"abcdef."
			    "0123456789abcdef\",\"name\":\"A\"}",
	    "name:");
	expect_enroll_error("{\"version\":1,\"token\":\"abcdef."
			    "0123456789abcdef\",\"name\":\"a\","
			    "\"endpoint\":\"nope\"}",
	    "endpoint");
	expect_enroll_error("{\"version\":1,\"token\":\"abcdef."
			    "0123456789abcdef\",\"name\":\"a\",\"x\":1}",
	    "unknown key: x");
	expect_enroll_error("{\"version\":1,\"token\":\"abcdef."
			    "0123456789abcdef\",\"name\":{\"a\":[[[[1]]]]}}",
	    "not a JSON object");
	memset(big, 'a', sizeof(big));
	memcpy(big, "{\"name\":\"", 9);
	big[sizeof(big) - 2] = '"';
	big[sizeof(big) - 1] = '}';
	assert_int_equal(
	    workload_enroll_parse(big, sizeof(big), &r, err, sizeof(err)), -1);
	assert_int_equal(workload_enroll_parse(
			     "{\"version\":1}\0x", 15, &r, err, sizeof(err)),
	    -1);
}

static void
test_name_valid(void **state)
{
	char long_name[70];

	(void)state;
	assert_true(workload_name_valid("vm-1"));
	assert_true(workload_name_valid("0.db"));
	assert_false(workload_name_valid(""));
	assert_false(workload_name_valid(".a"));
	assert_false(workload_name_valid("a b"));
	assert_false(workload_name_valid("a/b"));
	memset(long_name, 'a', 64);
	long_name[64] = '\0';
	assert_false(workload_name_valid(long_name));
	long_name[63] = '\0';
	assert_true(workload_name_valid(long_name));
}

static struct prefix
pfx(const char *s)
{
	struct prefix p;

	assert_int_equal(prefix_parse(s, &p, true), 0);
	return p;
}

static void
test_pool_alloc(void **state)
{
	struct prefix pools[3] = { pfx("10.250.0.0/30"), pfx("fd00:250::/126"),
		pfx("10.251.0.0/29") };
	struct workload_state st;
	struct addr a;
	char buf[ADDR_STRLEN];
	int i;

	(void)state;
	memset(&st, 0, sizeof(st));
	/* A /30 holds .1 and .2: not .0 (network) nor .3 (broadcast). */
	assert_int_equal(workload_pool_alloc(pools, 1, AF_INET, &st, &a), 0);
	assert_string_equal(addr_fmt(&a, buf, sizeof(buf)), "10.250.0.1");
	workload_state_add(&st)->addr4 = a;
	assert_int_equal(workload_pool_alloc(pools, 1, AF_INET, &st, &a), 0);
	assert_string_equal(addr_fmt(&a, buf, sizeof(buf)), "10.250.0.2");
	workload_state_add(&st)->addr4 = a;
	/* Exhausted. */
	assert_int_equal(workload_pool_alloc(pools, 1, AF_INET, &st, &a), -1);
	/* The next pool of the family takes over. */
	assert_int_equal(workload_pool_alloc(pools, 3, AF_INET, &st, &a), 0);
	assert_string_equal(addr_fmt(&a, buf, sizeof(buf)), "10.251.0.1");
	/* A freed address is handed out again. */
	workload_state_remove(&st, &st.wls[0]);
	assert_int_equal(workload_pool_alloc(pools, 1, AF_INET, &st, &a), 0);
	assert_string_equal(addr_fmt(&a, buf, sizeof(buf)), "10.250.0.1");
	/* IPv6: everything but ::0, so a /126 holds three. */
	for (i = 1; i <= 3; i++) {
		assert_int_equal(
		    workload_pool_alloc(pools, 3, AF_INET6, &st, &a), 0);
		assert_int_equal(a.bytes[15], i);
		workload_state_add(&st)->addr6 = a;
	}
	assert_int_equal(workload_pool_alloc(pools, 3, AF_INET6, &st, &a), -1);
	workload_state_free(&st);
}

static void
test_state_persist(void **state)
{
	struct workload_state st, back;
	struct workload *w;
	char secret[WORKLOAD_TOKEN_SECRET_LEN + 1], err[256], path[64];
	char *text;
	int fd;

	(void)state;
	memset(&st, 0, sizeof(st));
	st.tokens = calloc(2, sizeof(*st.tokens));
	workload_token_make(&st.tokens[0], rnd, 1000, 60, 1, "a", secret);
	workload_token_make(&st.tokens[1], rnd2, 1000, 0, 0, "", secret);
	st.tokens[0].used = 1;
	st.tokens[1].revoked = true;
	st.ntokens = 2;
	w = workload_state_add(&st);
	snprintf(w->name, sizeof(w->name), "vm-1");
	addr_parse("192.0.2.10", &w->endpoint);
	addr_parse("10.250.0.1", &w->addr4);
	addr_parse("fd00:250::1", &w->addr6);
	w->since = 1234;
	snprintf(w->token, sizeof(w->token), "abcdef");

	snprintf(path, sizeof(path), "/tmp/ferry-wl-XXXXXX");
	assert_true((fd = mkstemp(path)) != -1);
	close(fd);
	assert_int_equal(workload_state_save(path, &st, err, sizeof(err)), 0);
	assert_int_equal(workload_state_load(path, &back, err, sizeof(err)), 0);
	assert_int_equal(back.ntokens, 2);
	assert_int_equal(back.nwls, 1);
	assert_memory_equal(&back.tokens[0], &st.tokens[0], sizeof(*st.tokens));
	assert_memory_equal(&back.tokens[1], &st.tokens[1], sizeof(*st.tokens));
	assert_memory_equal(&back.wls[0], &st.wls[0], sizeof(*st.wls));
	/* The same address after a restart: the pool skips it. */
	{
		struct addr a;
		struct prefix p = pfx("10.250.0.0/24");

		assert_int_equal(
		    workload_pool_alloc(&p, 1, AF_INET, &back, &a), 0);
		assert_int_equal(a.bytes[3], 2);
	}
	workload_state_free(&back);
	unlink(path);
	/* Missing file: empty state.  Broken file: an error. */
	assert_int_equal(workload_state_load(path, &back, err, sizeof(err)), 0);
	assert_int_equal(back.nwls, 0);
	text = workload_state_format(&st);
	text[strlen(text) / 2] = '\0';
	assert_int_equal(
	    workload_state_parse(text, strlen(text), &back, err, sizeof(err)),
	    -1);
	free(text);
	assert_int_equal(workload_state_parse("{\"version\":1,\"workloads\":"
					      "[{\"name\":\"A\"}]}",
			     40, &back, err, sizeof(err)),
	    -1);
	workload_state_free(&st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256),
		cmocka_unit_test(test_hmac_sha256),
		cmocka_unit_test(test_pin),
		cmocka_unit_test(test_token_lifecycle),
		cmocka_unit_test(test_token_split),
		cmocka_unit_test(test_enroll_parse),
		cmocka_unit_test(test_name_valid),
		cmocka_unit_test(test_pool_alloc),
		cmocka_unit_test(test_state_persist),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
