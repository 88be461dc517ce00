/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The control protocol: one JSON object per line each way.
 *
 *	-> {"command": "status"}
 *	-> {"command": "show bgp routes", "args": {"peer": "192.0.2.1"}}
 *	<- {"ok": true, "result": { ... }}
 *	<- {"ok": false, "error": "unknown command: frobnicate"}
 *
 * Parsing is a pure function of the bytes of one line, so it is unit
 * tested and fuzzed without a socket.
 */
#ifndef FERRY_CTL_PROTO_H
#define FERRY_CTL_PROTO_H

#include <stddef.h>

struct json_object;

#define CTL_COMMAND_MAX 64 /* bytes in a command name */
#define CTL_JSON_DEPTH	16 /* nesting allowed in a request */

struct ctl_request {
	char command[CTL_COMMAND_MAX + 1];
	struct json_object *args; /* an object, or NULL; owned by root */
	struct json_object *root;
};

/*
 * Parse one request line (without its newline).  Returns 0, or -1 with a
 * reason in err.  On success the caller frees req with ctl_request_free.
 */
int ctl_request_parse(const char *line, size_t len, struct ctl_request *req,
    char *err, size_t errlen);
void ctl_request_free(struct ctl_request *);

/* Build a reply line, newline included; the caller frees it. */
char *ctl_reply_ok(struct json_object *result, size_t *len);
char *ctl_reply_error(const char *msg, size_t *len);

#endif
