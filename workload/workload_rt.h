/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Private to workload/: the module's running state, shared by workload.c
 * (control, tunnels), workload_join.c (the join decision and its limits)
 * and workload_http.c (the HTTPS endpoint, which calls workload_join).
 */
#ifndef FERRY_WORKLOAD_RT_H
#define FERRY_WORKLOAD_RT_H

#include <ev.h>

#include "workload_int.h"

struct ferryd;
struct workload_http;

/* Failed token checks of one source address in the current minute. */
struct workload_fail {
	struct addr src;
	time_t window; /* start of its minute */
	unsigned count;
};
#define WORKLOAD_FAIL_SLOTS 1024

struct workload_rt {
	struct ferryd *d;
	const struct workload_conf *conf;
	bool loaded; /* st holds the state file */
	struct workload_state st;
	struct workload_http *http;
	/* Guessing limits: per source, and a global token bucket. */
	struct workload_fail fails[WORKLOAD_FAIL_SLOTS];
	double bucket;
	double bucket_at;
	/* Which conditions were refused, for tests and operators. */
	uint64_t joins_ok;
	uint64_t joins_refused;
	uint64_t joins_limited;
};

void workload_publish(struct workload_rt *, const struct workload *, bool gone);
void workload_mac(const char *name, uint8_t mac[6]);
int workload_save(struct workload_rt *, char *err, size_t errlen);
int workload_pin(struct workload_rt *, char pin[SHA256_HEXLEN + 1]);
/* A whole file, NUL-terminated, at most max bytes; NULL (logged). */
char *workload_read_file(const char *path, size_t max, size_t *len);

/*
 * Decide on one enrollment request from src, received on local (the
 * address the VM reached us at).  Returns the reply object, or NULL with
 * the reason in err and the HTTP status in *status.  now: time(NULL).
 */
struct json_object *workload_join(struct workload_rt *, const char *body,
    size_t len, const struct addr *src, const struct addr *local, time_t now,
    unsigned *status, char *err, size_t errlen);

int workload_http_start(struct workload_rt *);
void workload_http_stop(struct workload_rt *);

#endif
