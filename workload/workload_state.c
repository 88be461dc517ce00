/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What the gateway remembers about workloads: tokens (hashed) and joined
 * VMs with their addresses, in one JSON file.
 *
 *	{"version": 1,
 *	 "tokens": [{"id": "k3x9q2", "hash": "<sha256 hex>", "name": "",
 *		     "created": 1764690000, "expires": 0, "uses": 1,
 *		     "used": 0, "revoked": false}],
 *	 "workloads": [{"name": "vm-1", "endpoint": "192.0.2.10",
 *			"ipv4": "10.250.0.1", "ipv6": "fd00:250::1",
 *			"since": 1764690000, "token": "k3x9q2"}]}
 *
 * The file is rewritten whole after every change: written to a temporary
 * file in the same directory, fsync'ed, renamed over the old one, and the
 * directory fsync'ed, so a crash leaves the old state or the new, never a
 * mix.  Parsing is a pure function of the text; an entry that does not
 * parse fails the whole load (the gateway then refuses to start the
 * endpoint rather than hand out an address twice).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "workload_int.h"
#include "xalloc.h"

#define STATE_MAX (64u << 20) /* bytes: far more than any real state */

void
workload_state_free(struct workload_state *st)
{
	free(st->tokens);
	free(st->wls);
	memset(st, 0, sizeof(*st));
}

static const char *
jget_str(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int
jget_int(json_object *o, const char *key, int64_t *out)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return -1;
	*out = json_object_get_int64(v);
	return 0;
}

static int
copy_str(char *dst, size_t cap, const char *s)
{
	if (s == NULL || strlen(s) >= cap)
		return -1;
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

static int
parse_token(json_object *o, struct workload_token *t)
{
	int64_t created, expires, uses, used;
	json_object *v;

	memset(t, 0, sizeof(*t));
	if (copy_str(t->id, sizeof(t->id), jget_str(o, "id")) == -1 ||
	    strlen(t->id) != WORKLOAD_TOKEN_ID_LEN ||
	    copy_str(t->hash, sizeof(t->hash), jget_str(o, "hash")) == -1 ||
	    strlen(t->hash) != SHA256_HEXLEN ||
	    copy_str(t->name, sizeof(t->name), jget_str(o, "name")) == -1 ||
	    jget_int(o, "created", &created) == -1 ||
	    jget_int(o, "expires", &expires) == -1 ||
	    jget_int(o, "uses", &uses) == -1 ||
	    jget_int(o, "used", &used) == -1 || created < 0 || expires < 0 ||
	    uses < 0 || uses > UINT32_MAX || used < 0 || used > UINT32_MAX)
		return -1;
	t->created = (time_t)created;
	t->expires = (time_t)expires;
	t->uses = (unsigned)uses;
	t->used = (unsigned)used;
	if (json_object_object_get_ex(o, "revoked", &v))
		t->revoked = json_object_get_boolean(v);
	return 0;
}

static int
parse_opt_addr(json_object *o, const char *key, int family, struct addr *a)
{
	const char *s = jget_str(o, key);

	memset(a, 0, sizeof(*a));
	if (s == NULL)
		return 0;
	if (addr_parse(s, a) == -1 || (family != 0 && a->family != family))
		return -1;
	return 0;
}

static int
parse_workload(json_object *o, struct workload *w)
{
	int64_t since;

	memset(w, 0, sizeof(*w));
	if (copy_str(w->name, sizeof(w->name), jget_str(o, "name")) == -1 ||
	    !workload_name_valid(w->name) || jget_str(o, "endpoint") == NULL ||
	    parse_opt_addr(o, "endpoint", 0, &w->endpoint) == -1 ||
	    parse_opt_addr(o, "ipv4", AF_INET, &w->addr4) == -1 ||
	    parse_opt_addr(o, "ipv6", AF_INET6, &w->addr6) == -1 ||
	    copy_str(w->token, sizeof(w->token), jget_str(o, "token")) == -1 ||
	    jget_int(o, "since", &since) == -1 || since < 0)
		return -1;
	w->since = (time_t)since;
	return 0;
}

int
workload_state_parse(const char *text, size_t len, struct workload_state *st,
    char *err, size_t errlen)
{
	json_tokener *tok = json_tokener_new_ex(8);
	json_object *root, *list;
	int64_t version;
	size_t i, n;
	int rc = -1;

	memset(st, 0, sizeof(*st));
	root = json_tokener_parse_ex(tok, text, (int)len);
	json_tokener_free(tok);
	if (root == NULL || !json_object_is_type(root, json_type_object)) {
		snprintf(err, errlen, "not a JSON object");
		goto out;
	}
	if (jget_int(root, "version", &version) == -1 || version != 1) {
		snprintf(err, errlen, "unknown version");
		goto out;
	}
	if (json_object_object_get_ex(root, "tokens", &list) &&
	    json_object_is_type(list, json_type_array)) {
		n = json_object_array_length(list);
		st->tokens = xcalloc(n + 1, sizeof(*st->tokens));
		for (i = 0; i < n; i++)
			if (parse_token(json_object_array_get_idx(list, i),
				&st->tokens[i]) == -1) {
				snprintf(err, errlen, "bad token [%zu]", i);
				goto out;
			}
		st->ntokens = n;
	}
	if (json_object_object_get_ex(root, "workloads", &list) &&
	    json_object_is_type(list, json_type_array)) {
		n = json_object_array_length(list);
		st->wls = xcalloc(n + 1, sizeof(*st->wls));
		for (i = 0; i < n; i++)
			if (parse_workload(json_object_array_get_idx(list, i),
				&st->wls[i]) == -1) {
				snprintf(err, errlen, "bad workload [%zu]", i);
				goto out;
			}
		st->nwls = n;
	}
	rc = 0;
out:
	json_object_put(root);
	if (rc == -1)
		workload_state_free(st);
	return rc;
}

static void
jadd_addr(json_object *o, const char *key, const struct addr *a)
{
	char buf[ADDR_STRLEN];

	if (a->family != 0)
		json_object_object_add(o, key,
		    json_object_new_string(addr_fmt(a, buf, sizeof(buf))));
}

char *
workload_state_format(const struct workload_state *st)
{
	json_object *root = json_object_new_object(), *list, *o;
	char *text;
	size_t i;

	json_object_object_add(root, "version", json_object_new_int(1));
	list = json_object_new_array();
	for (i = 0; i < st->ntokens; i++) {
		const struct workload_token *t = &st->tokens[i];

		o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_string(t->id));
		json_object_object_add(
		    o, "hash", json_object_new_string(t->hash));
		json_object_object_add(
		    o, "name", json_object_new_string(t->name));
		json_object_object_add(
		    o, "created", json_object_new_int64(t->created));
		json_object_object_add(
		    o, "expires", json_object_new_int64(t->expires));
		json_object_object_add(
		    o, "uses", json_object_new_int64(t->uses));
		json_object_object_add(
		    o, "used", json_object_new_int64(t->used));
		json_object_object_add(
		    o, "revoked", json_object_new_boolean(t->revoked));
		json_object_array_add(list, o);
	}
	json_object_object_add(root, "tokens", list);
	list = json_object_new_array();
	for (i = 0; i < st->nwls; i++) {
		const struct workload *w = &st->wls[i];

		o = json_object_new_object();
		json_object_object_add(
		    o, "name", json_object_new_string(w->name));
		jadd_addr(o, "endpoint", &w->endpoint);
		jadd_addr(o, "ipv4", &w->addr4);
		jadd_addr(o, "ipv6", &w->addr6);
		json_object_object_add(
		    o, "since", json_object_new_int64(w->since));
		json_object_object_add(
		    o, "token", json_object_new_string(w->token));
		json_object_array_add(list, o);
	}
	json_object_object_add(root, "workloads", list);
	text = xstrdup(
	    json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY));
	json_object_put(root);
	return text;
}

int
workload_state_load(
    const char *path, struct workload_state *st, char *err, size_t errlen)
{
	struct stat sb;
	char *text = NULL;
	ssize_t n;
	size_t got = 0;
	int fd, rc = -1;

	memset(st, 0, sizeof(*st));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) == -1 || sb.st_size > STATE_MAX) {
		snprintf(err, errlen, "cannot read or too big");
		goto out;
	}
	text = xmalloc((size_t)sb.st_size + 1);
	while (got < (size_t)sb.st_size) {
		if ((n = read(fd, text + got, (size_t)sb.st_size - got)) <= 0) {
			snprintf(err, errlen, "read: %s",
			    n == 0 ? "short file" : strerror(errno));
			goto out;
		}
		got += (size_t)n;
	}
	text[got] = '\0';
	rc = workload_state_parse(text, got, st, err, errlen);
out:
	free(text);
	close(fd);
	return rc;
}

static int
write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
workload_state_save(
    const char *path, const struct workload_state *st, char *err, size_t errlen)
{
	char *text, *tmp = NULL, *copy = xstrdup(path), *dir;
	int fd = -1, dfd, rc = -1;

	dir = dirname(copy);
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "mkdir %s: %s", dir, strerror(errno));
		free(copy);
		return -1;
	}
	text = workload_state_format(st);
	xasprintf(&tmp, "%s.tmp", path);
	/* 0600: the hashes are not secrets, but the list of VMs is ours. */
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) ==
	    -1) {
		snprintf(err, errlen, "open %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (write_all(fd, text, strlen(text)) == -1 ||
	    write_all(fd, "\n", 1) == -1 || fsync(fd) == -1) {
		snprintf(err, errlen, "write %s: %s", tmp, strerror(errno));
		goto out;
	}
	close(fd);
	fd = -1;
	if (rename(tmp, path) == -1) {
		snprintf(err, errlen, "rename %s: %s", tmp, strerror(errno));
		goto out;
	}
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		fsync(dfd);
		close(dfd);
	}
	rc = 0;
out:
	if (fd != -1) {
		close(fd);
		unlink(tmp);
	}
	free(tmp);
	free(text);
	free(copy);
	return rc;
}

struct workload_token *
workload_state_token(struct workload_state *st, const char *id)
{
	size_t i;

	for (i = 0; i < st->ntokens; i++)
		if (strcmp(st->tokens[i].id, id) == 0)
			return &st->tokens[i];
	return NULL;
}

struct workload *
workload_state_find(struct workload_state *st, const char *name)
{
	size_t i;

	for (i = 0; i < st->nwls; i++)
		if (strcmp(st->wls[i].name, name) == 0)
			return &st->wls[i];
	return NULL;
}

struct workload *
workload_state_add(struct workload_state *st)
{
	st->wls = xreallocarray(st->wls, st->nwls + 1, sizeof(*st->wls));
	memset(&st->wls[st->nwls], 0, sizeof(*st->wls));
	return &st->wls[st->nwls++];
}

void
workload_state_remove(struct workload_state *st, struct workload *w)
{
	size_t i = (size_t)(w - st->wls);

	memmove(&st->wls[i], &st->wls[i + 1],
	    (st->nwls - i - 1) * sizeof(*st->wls));
	st->nwls--;
}

static bool
addr_taken(const struct workload_state *st, const struct addr *a)
{
	size_t i;

	for (i = 0; i < st->nwls; i++)
		if (addr_cmp(&st->wls[i].addr4, a) == 0 ||
		    addr_cmp(&st->wls[i].addr6, a) == 0)
			return true;
	return false;
}

/* a += 1 as a big-endian number of len bytes. */
static void
addr_inc(struct addr *a)
{
	size_t i = addr_len(a->family);

	while (i-- > 0)
		if (++a->bytes[i] != 0)
			break;
}

int
workload_pool_alloc(const struct prefix *pools, size_t npools, int family,
    const struct workload_state *st, struct addr *out)
{
	struct addr a, last;
	unsigned bits;
	size_t i, b;

	for (i = 0; i < npools; i++) {
		const struct prefix *p = &pools[i];

		if (p->addr.family != family)
			continue;
		bits = addr_bits(family);
		last = p->addr;
		for (b = p->len; b < bits; b++)
			last.bytes[b / 8] |= (uint8_t)(0x80 >> (b % 8));
		/* Not the network address; not IPv4's broadcast address. */
		a = p->addr;
		addr_inc(&a);
		while (prefix_contains_addr(p, &a) &&
		    !(family == AF_INET && addr_cmp(&a, &last) == 0)) {
			/*
			 * Each taken address costs one pass over the
			 * workloads: O(n^2) in all, fine for the thousands a
			 * gateway serves.
			 */
			if (!addr_taken(st, &a)) {
				*out = a;
				return 0;
			}
			if (addr_cmp(&a, &last) == 0)
				break;
			addr_inc(&a);
		}
	}
	return -1;
}
