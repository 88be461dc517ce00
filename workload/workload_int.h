/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Private to workload/.  The pure parts are split from the runtime so that
 * unit tests and fuzz targets reach them without a loop or a socket:
 *
 *   workload_conf.c    the workloads config section
 *   workload_token.c   join tokens: format, creation, checks (pure)
 *   workload_state.c   tokens and workloads, the state file, the pool
 *   workload_enroll.c  the enrollment request and reply (pure)
 *   workload_http.c    the HTTPS endpoint (libmicrohttpd, dlopen)
 *   workload.c         the module: control commands, tunnels, limits
 */
#ifndef FERRY_WORKLOAD_INT_H
#define FERRY_WORKLOAD_INT_H

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "prefix.h"
#include "sha256.h"

struct conf_errs;
struct ferry_config;
struct json_object;

#define WORKLOAD_DEFAULT_PORT	  9583
#define WORKLOAD_DEFAULT_STATE	  "/var/lib/ferry/workloads.json"
#define WORKLOAD_DEFAULT_MAX_REQ  4096 /* bytes in one request body */
#define WORKLOAD_DEFAULT_TIMEOUT  10   /* seconds per connection */
#define WORKLOAD_DEFAULT_FAILS	  5    /* bad tokens per source a minute */
#define WORKLOAD_DEFAULT_RATE	  50   /* enrollments a second, all */
#define WORKLOAD_DEFAULT_MAX_CONN 64

struct workload_conf {
	bool enabled; /* the section exists */
	struct addr listen;
	uint16_t port;
	struct prefix *pools;
	size_t npools;
	uint32_t vni;
	struct addr endpoint; /* given to VMs; family 0: the local address */
	char *state_file;
	char *tls_key; /* PEM files */
	char *tls_cert;
	unsigned max_request;
	unsigned timeout;
	unsigned max_failures; /* per source address and minute */
	unsigned rate;	       /* enrollments per second, globally */
	unsigned max_connections;
};

void *workload_conf_parse(
    const config_setting_t *, const struct ferry_config *, struct conf_errs *);
void workload_conf_free(void *);
void workload_conf_dump(const void *, config_setting_t *);

/*
 * Join tokens: ID.SECRET.PIN, e.g.
 *	k3x9q2.8fj2m0c7x1p4z6wd.<64 hex digits>
 * ID (6) and SECRET (16) are lower-case letters and digits; PIN is the
 * SHA-256 of the gateway's certificate (DER).  Only SHA-256(SECRET) is
 * stored; the gateway cannot show a token again.
 */
#define WORKLOAD_TOKEN_ID_LEN	  6
#define WORKLOAD_TOKEN_SECRET_LEN 16
#define WORKLOAD_TOKEN_LEN                                           \
	(WORKLOAD_TOKEN_ID_LEN + 1 + WORKLOAD_TOKEN_SECRET_LEN + 1 + \
	    SHA256_HEXLEN)
#define WORKLOAD_NAME_MAX 63

struct workload_token {
	char id[WORKLOAD_TOKEN_ID_LEN + 1];
	char hash[SHA256_HEXLEN + 1]; /* of the secret */
	char name[WORKLOAD_NAME_MAX + 1];
	time_t created;
	time_t expires; /* 0: never */
	unsigned uses;	/* 0: unlimited */
	unsigned used;
	bool revoked;
};

enum workload_token_verdict {
	WORKLOAD_TOKEN_OK = 0,
	WORKLOAD_TOKEN_UNKNOWN, /* no such id, or the secret is wrong */
	WORKLOAD_TOKEN_EXPIRED,
	WORKLOAD_TOKEN_USED_UP,
	WORKLOAD_TOKEN_REVOKED,
};

/* The parts of a token string; 0, or -1 if it is not one. */
struct workload_token_parts {
	char id[WORKLOAD_TOKEN_ID_LEN + 1];
	char secret[WORKLOAD_TOKEN_SECRET_LEN + 1];
	char pin[SHA256_HEXLEN + 1]; /* empty when absent */
};
int workload_token_split(
    const char *s, bool need_pin, struct workload_token_parts *);
/*
 * A new token from 22 random bytes: fills t and writes the secret.
 * ttl 0: never expires; uses 0: unlimited.
 */
void workload_token_make(struct workload_token *t,
    const uint8_t rnd[WORKLOAD_TOKEN_ID_LEN + WORKLOAD_TOKEN_SECRET_LEN],
    time_t now, time_t ttl, unsigned uses, const char *name,
    char secret[WORKLOAD_TOKEN_SECRET_LEN + 1]);
/* Does secret open t at time now?  (Consumes nothing.) */
enum workload_token_verdict workload_token_check(
    const struct workload_token *, const char *secret, time_t now);
const char *workload_token_verdict_str(enum workload_token_verdict);
/* Is s a valid workload name: [a-z0-9][a-z0-9.-]*, 1..63 bytes? */
bool workload_name_valid(const char *s);
/* The pin of a certificate in PEM: SHA-256 of its first DER block. */
int workload_pin_pem(const char *pem, size_t len, char pin[SHA256_HEXLEN + 1]);

/* One joined VM. */
struct workload {
	char name[WORKLOAD_NAME_MAX + 1];
	struct addr endpoint; /* its underlay address */
	struct addr addr4;    /* family 0: none */
	struct addr addr6;
	time_t since;
	char token[WORKLOAD_TOKEN_ID_LEN + 1]; /* that it joined with */
};

/* Everything the state file holds. */
struct workload_state {
	struct workload_token *tokens;
	size_t ntokens;
	struct workload *wls;
	size_t nwls;
};

void workload_state_free(struct workload_state *);
/* Parse the file's text; 0, or -1 with a reason in err. */
int workload_state_parse(const char *text, size_t len, struct workload_state *,
    char *err, size_t errlen);
/* The text of the state (JSON); the caller frees it. */
char *workload_state_format(const struct workload_state *);
/* Load from path (a missing file: empty state) or save atomically. */
int workload_state_load(
    const char *path, struct workload_state *, char *err, size_t errlen);
int workload_state_save(
    const char *path, const struct workload_state *, char *err, size_t errlen);

struct workload_token *workload_state_token(
    struct workload_state *, const char *id);
struct workload *workload_state_find(struct workload_state *, const char *);
struct workload *workload_state_add(struct workload_state *);
void workload_state_remove(struct workload_state *, struct workload *);
/*
 * A free address of family in the pools (not the network address, nor
 * IPv4's broadcast address, nor an address a workload holds); 0 or -1.
 */
int workload_pool_alloc(const struct prefix *pools, size_t npools, int family,
    const struct workload_state *, struct addr *out);

/*
 * The enrollment request, POST /v1/join, application/json:
 *	{"version": 1, "token": "ID.SECRET", "name": "vm-1",
 *	 "endpoint": "192.0.2.10"}
 * endpoint is optional (default: the connection's source address).
 */
#define WORKLOAD_PROTO_VERSION 1
struct workload_enroll_req {
	unsigned version;
	struct workload_token_parts token;
	char name[WORKLOAD_NAME_MAX + 1];
	struct addr endpoint; /* family 0: absent */
};
/* A pure function of the body's bytes: 0, or -1 with a reason in err. */
int workload_enroll_parse(const char *body, size_t len,
    struct workload_enroll_req *, char *err, size_t errlen);

#endif
