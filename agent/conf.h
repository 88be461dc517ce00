/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Configuration: parse, validate, normalize.
 *
 * A config file is read with libconfig, checked completely (every error is
 * collected with file:line and the key's full path, not just the first),
 * and turned into an immutable struct ferry_config.  The core parses the
 * global keys; each module parses its own section through the hooks in
 * struct ferry_module (module.h), so the BGP, overlay and egress code add
 * their sections without touching this file.  Reload builds a new struct
 * the same way and hands old and new to each module, which applies only
 * the difference.
 *
 * The normalized form of a config is itself a libconfig tree (every
 * default filled in, every value in canonical spelling).  One tree serves
 * `ferryd -nv` (printed as libconfig text) and the control socket's
 * `config` command (converted to JSON), so a module writes one dumper.
 */
#ifndef FERRY_CONF_H
#define FERRY_CONF_H

#include <libconfig.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "prefix.h"

struct json_object;

#define FERRY_MODULES_MAX 8

#ifndef FERRY_SYSCONFDIR
#define FERRY_SYSCONFDIR "/etc"
#endif
#ifndef FERRY_RUNSTATEDIR
#define FERRY_RUNSTATEDIR "/run"
#endif
#define FERRY_DEFAULT_CONF    FERRY_SYSCONFDIR "/ferry/ferryd.conf"
#define FERRY_DEFAULT_SOCKET  FERRY_RUNSTATEDIR "/ferry/ferryd.sock"
#define FERRY_DEFAULT_PIDFILE FERRY_RUNSTATEDIR "/ferry/ferryd.pid"

/* Every error found while loading a config, in file order. */
struct conf_errs {
	char **msg;
	unsigned *line; /* for sorting: errors are listed in file order */
	size_t n;
	const char *file; /* used when libconfig knows no file name */
};

struct conf_log {
	int level;    /* LOG_ERR .. LOG_DEBUG */
	int facility; /* syslog facility */
};

struct conf_control {
	char *socket;
	unsigned max_clients;
	unsigned max_request; /* bytes in one request line */
	unsigned timeout;     /* seconds a client may sit idle */
};

struct conf_metrics {
	bool enabled;
	struct addr addr;
	uint16_t port;
};

struct ferry_config {
	char *file;
	struct addr router_id; /* family 0 when unset */
	char *pid_file;
	struct conf_log log;
	struct conf_control control;
	struct conf_metrics metrics;
	/* Module sections, indexed like the module table (module.h). */
	void *mod[FERRY_MODULES_MAX];
};

/*
 * Load a config from file (text == NULL) or from a string (text != NULL,
 * file used in messages).  Returns NULL and fills errs on any error.
 */
struct ferry_config *conf_load(
    const char *file, const char *text, struct conf_errs *errs);
void conf_free(struct ferry_config *);
/* The normalized config as a libconfig tree; caller destroys it. */
void conf_dump(const struct ferry_config *, config_t *);
void conf_print(const config_t *, FILE *);
struct json_object *conf_to_json(const config_t *);

void conf_errs_init(struct conf_errs *, const char *file);
void conf_errs_clear(struct conf_errs *);

/*
 * Helpers for section parsers.  Each getter looks key up in group and
 * returns 0 if it is absent (out untouched), 1 if present and valid, -1 if
 * present but wrong (an error naming file:line and key is recorded).
 */
void conf_err(struct conf_errs *, const config_setting_t *, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));
/* An error about a key that is missing from group. */
void conf_err_missing(
    struct conf_errs *, const config_setting_t *group, const char *key);
/* Record an error for every key of group not in the NULL-terminated list. */
void conf_check_keys(struct conf_errs *, const config_setting_t *group,
    const char *const *known);
/* Is s a group ({ ... })?  Records an error if not. */
bool conf_want_group(struct conf_errs *, const config_setting_t *s);
bool conf_want_list(struct conf_errs *, const config_setting_t *s);

int conf_get_string(struct conf_errs *, const config_setting_t *group,
    const char *key, const char **out);
int conf_get_uint(struct conf_errs *, const config_setting_t *group,
    const char *key, uint64_t min, uint64_t max, uint64_t *out);
int conf_get_bool(struct conf_errs *, const config_setting_t *group,
    const char *key, bool *out);
int conf_get_addr(struct conf_errs *, const config_setting_t *group,
    const char *key, int family, struct addr *out);
int conf_get_prefix(struct conf_errs *, const config_setting_t *group,
    const char *key, struct prefix *out);
/* key must be one of the NULL-terminated names; *out is its index. */
int conf_get_enum(struct conf_errs *, const config_setting_t *group,
    const char *key, const char *const *names, int *out);

/*
 * Is a an address of an interface of this host?  1 yes, 0 no, -1 cannot
 * tell (getifaddrs failed): each caller says what that means for it.
 */
int conf_addr_local(const struct addr *a);
/* A valid interface name: 1 .. IFNAMSIZ-1 printable bytes, no '/' or ':'. */
bool conf_ifname_valid(const char *s);

/* Helpers for section dumpers. */
config_setting_t *conf_dump_group(config_setting_t *parent, const char *);
config_setting_t *conf_dump_list(config_setting_t *parent, const char *);
void conf_dump_string(config_setting_t *, const char *, const char *);
void conf_dump_uint(config_setting_t *, const char *, uint64_t);
void conf_dump_bool(config_setting_t *, const char *, bool);
void conf_dump_addr(config_setting_t *, const char *, const struct addr *);
void conf_dump_prefix(config_setting_t *, const char *, const struct prefix *);

#endif
