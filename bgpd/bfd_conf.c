/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The bfd key of the bgp section (see bfd_conf.h for its shape): parse,
 * validate with file:line errors, normalize, dump.  Our choices:
 * defaults of 300 ms and a multiplier of 3, a detection time of 900 ms,
 * inside the second the architecture promises without the flaps that
 * faster timers cause on a loaded host; intervals between 10 ms (a user
 * space daemon cannot keep a faster beat) and 60 s.
 */
#include <string.h>

#include "bfd_conf.h"
#include "conf.h"

static const char *const auth_types[] = { "simple", "sha1", "meticulous-sha1",
	NULL };
static const enum bfd_auth_type auth_values[] = { BFD_AUTH_SIMPLE,
	BFD_AUTH_KEYED_SHA1, BFD_AUTH_METICULOUS_SHA1 };

/*
 * max-hops defaults to 255, no TTL check: RFC 5883 sets no TTL rule, and
 * peers differ (FRR sends multihop BFD with TTL 255, BIRD 2.0.12 with the
 * system default, 64).  GTSM-like protection is for the user to ask.
 */
static void
defaults(struct bfd_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->min_tx = c->min_rx = BFD_DEFAULT_INTERVAL_MS;
	c->multiplier = BFD_DEFAULT_MULTIPLIER;
	c->max_hops = 255;
}

static void
parse_auth(struct conf_errs *e, const config_setting_t *g, struct bfd_conf *c)
{
	static const char *const keys[] = { "type", "key-id", "key", NULL };
	const char *key;
	uint64_t v;
	size_t max;
	int t, rc;

	conf_check_keys(e, g, keys);
	c->auth.key_id = 1;
	if ((rc = conf_get_enum(e, g, "type", auth_types, &t)) == 0)
		conf_err_missing(e, g, "type");
	if (rc != 1)
		return;
	c->auth.type = auth_values[t];
	if (conf_get_uint(e, g, "key-id", 0, 255, &v) == 1)
		c->auth.key_id = (uint8_t)v;
	if ((rc = conf_get_string(e, g, "key", &key)) == 0)
		conf_err_missing(e, g, "key");
	if (rc != 1) {
		c->auth.type = BFD_AUTH_NONE;
		return;
	}
	/* RFC 5880 4.2: passwords of 1 to 16 octets; 4.4: SHA1 keys of
	 * up to 20. */
	max = c->auth.type == BFD_AUTH_SIMPLE ? BFD_AUTH_SIMPLE_MAX
					      : BFD_AUTH_KEY_MAX;
	if (key[0] == '\0' || strlen(key) > max) {
		conf_err(e, config_setting_get_member(g, "key"),
		    "must be 1 to %zu characters for type %s", max,
		    auth_types[t]);
		c->auth.type = BFD_AUTH_NONE;
		return;
	}
	c->auth.key_len = (uint8_t)strlen(key);
	memcpy(c->auth.key, key, c->auth.key_len);
}

void
bfd_conf_parse(
    struct conf_errs *e, const config_setting_t *g, struct bfd_conf *c)
{
	static const char *const keys[] = { "min-tx", "min-rx", "multiplier",
		"multihop", "max-hops", "auth", NULL };
	const config_setting_t *s = config_setting_get_member(g, "bfd"), *a;
	uint64_t v;

	defaults(c);
	if (s == NULL)
		return;
	if (config_setting_type(s) == CONFIG_TYPE_BOOL) {
		c->enabled = config_setting_get_bool(s) != 0;
		return;
	}
	if (config_setting_type(s) != CONFIG_TYPE_GROUP) {
		conf_err(e, s, "expected true, false or a group");
		return;
	}
	c->enabled = true;
	conf_check_keys(e, s, keys);
	if (conf_get_uint(e, s, "min-tx", BFD_MIN_INTERVAL_MS,
		BFD_MAX_INTERVAL_MS, &v) == 1)
		c->min_tx = (uint32_t)v;
	if (conf_get_uint(e, s, "min-rx", BFD_MIN_INTERVAL_MS,
		BFD_MAX_INTERVAL_MS, &v) == 1)
		c->min_rx = (uint32_t)v;
	if (conf_get_uint(e, s, "multiplier", 1, 255, &v) == 1)
		c->multiplier = (uint8_t)v;
	conf_get_bool(e, s, "multihop", &c->multihop);
	if (conf_get_uint(e, s, "max-hops", 1, 255, &v) == 1) {
		if (!c->multihop)
			conf_err(e, config_setting_get_member(s, "max-hops"),
			    "only with multihop = true (single hop BFD "
			    "requires TTL 255, RFC 5881 5)");
		else
			c->max_hops = (uint8_t)v;
	}
	if ((a = config_setting_get_member(s, "auth")) != NULL &&
	    conf_want_group(e, a))
		parse_auth(e, a, c);
}

void
bfd_conf_dump(config_setting_t *g, const struct bfd_conf *c)
{
	config_setting_t *s, *a;
	size_t i;

	/* Nothing for a neighbor without BFD, as before BFD existed. */
	if (!c->enabled)
		return;
	s = conf_dump_group(g, "bfd");
	conf_dump_uint(s, "min-tx", c->min_tx);
	conf_dump_uint(s, "min-rx", c->min_rx);
	conf_dump_uint(s, "multiplier", c->multiplier);
	conf_dump_bool(s, "multihop", c->multihop);
	if (c->multihop)
		conf_dump_uint(s, "max-hops", c->max_hops);
	if (c->auth.type == BFD_AUTH_NONE)
		return;
	a = conf_dump_group(s, "auth");
	for (i = 0; auth_types[i] != NULL; i++)
		if (auth_values[i] == c->auth.type)
			conf_dump_string(a, "type", auth_types[i]);
	conf_dump_uint(a, "key-id", c->auth.key_id);
	conf_dump_string(a, "key", "(set)");
}

bool
bfd_conf_session_differs(const struct bfd_conf *a, const struct bfd_conf *b)
{
	return a->enabled != b->enabled || a->multihop != b->multihop ||
	    a->max_hops != b->max_hops || a->auth.type != b->auth.type ||
	    a->auth.key_id != b->auth.key_id ||
	    a->auth.key_len != b->auth.key_len ||
	    memcmp(a->auth.key, b->auth.key, a->auth.key_len) != 0;
}
