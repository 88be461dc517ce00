/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target: the enrollment request (workload/workload_enroll.c),
 * the first thing the gateway reads from anyone who reaches its port.
 * A request that parses must satisfy what workload_join relies on.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "workload_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct workload_enroll_req r;
	char err[256];

	if (workload_enroll_parse(
		(const char *)data, size, &r, err, sizeof(err)) == -1) {
		if (err[0] == '\0' || strlen(err) >= sizeof(err))
			abort();
		return 0;
	}
	if (r.version != WORKLOAD_PROTO_VERSION ||
	    !workload_name_valid(r.name) ||
	    strlen(r.token.id) != WORKLOAD_TOKEN_ID_LEN ||
	    strlen(r.token.secret) != WORKLOAD_TOKEN_SECRET_LEN ||
	    r.token.pin[0] != '\0' ||
	    (r.endpoint.family != 0 && r.endpoint.family != AF_INET &&
		r.endpoint.family != AF_INET6))
		abort();
	return 0;
}
