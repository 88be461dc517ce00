/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target: control request parsing on arbitrary bytes, and
 * framing of the error reply it would produce.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl_request req;
	char err[256], *reply;
	size_t len;

	if (ctl_request_parse(
		(const char *)data, size, &req, err, sizeof(err)) == 0) {
		if (strlen(req.command) == 0 ||
		    strlen(req.command) > CTL_COMMAND_MAX)
			abort();
		ctl_request_free(&req);
		return 0;
	}
	reply = ctl_reply_error(err, &len);
	if (len == 0 || reply[len - 1] != '\n' ||
	    memchr(reply, '\n', len - 1) != NULL)
		abort();
	free(reply);
	return 0;
}
