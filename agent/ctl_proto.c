/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Control protocol request parsing and reply framing (see ctl_proto.h).
 *
 * Requests come from local clients with access to a 0600 socket, but they
 * are still untrusted input: the parser bounds nesting depth, refuses
 * embedded NULs and trailing garbage, and accepts only the two keys it
 * knows, so a typo in a script fails loudly instead of being ignored.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "ctl_proto.h"
#include "log.h"
#include "xalloc.h"

static int
ctl_command_valid(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > CTL_COMMAND_MAX || s[0] == ' ' ||
	    s[len - 1] == ' ')
		return 0;
	for (i = 0; i < len; i++)
		if (!islower((unsigned char)s[i]) &&
		    !isdigit((unsigned char)s[i]) && s[i] != ' ' && s[i] != '-')
			return 0;
	return 1;
}

/* Trailing blanks (a CR from a CRLF client, say) are allowed. */
static bool
ctl_only_space(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

int
ctl_request_parse(const char *line, size_t len, struct ctl_request *req,
    char *err, size_t errlen)
{
	struct json_tokener *tok;
	struct json_object *root, *cmd = NULL;
	enum json_tokener_error je;
	const char *s;
	size_t slen, end;

	memset(req, 0, sizeof(*req));
	if (memchr(line, '\0', len) != NULL) {
		snprintf(err, errlen, "request contains a NUL byte");
		return -1;
	}
	if (len > INT32_MAX) {
		snprintf(err, errlen, "request too long");
		return -1;
	}
	if ((tok = json_tokener_new_ex(CTL_JSON_DEPTH)) == NULL)
		fatal("out of memory: json tokener");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, line, (int)len);
	je = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (root == NULL || je != json_tokener_success ||
	    !ctl_only_space(line + end, len - end)) {
		if (je == json_tokener_continue)
			snprintf(err, errlen, "malformed JSON: incomplete");
		else if (je == json_tokener_success)
			snprintf(err, errlen, "malformed JSON: trailing data");
		else
			snprintf(err, errlen, "malformed JSON: %s",
			    json_tokener_error_desc(je));
		json_object_put(root);
		return -1;
	}

	if (!json_object_is_type(root, json_type_object)) {
		snprintf(err, errlen, "request must be a JSON object");
		goto fail;
	}
	json_object_object_foreach (root, key, val) {
		if (strcmp(key, "command") == 0)
			cmd = val;
		else if (strcmp(key, "args") == 0)
			req->args = val;
		else {
			snprintf(
			    err, errlen, "unknown key in request: %.32s", key);
			goto fail;
		}
	}
	if (cmd == NULL || !json_object_is_type(cmd, json_type_string)) {
		snprintf(err, errlen, "request needs \"command\": a string");
		goto fail;
	}
	s = json_object_get_string(cmd);
	slen = (size_t)json_object_get_string_len(cmd);
	if (!ctl_command_valid(s, slen)) {
		snprintf(err, errlen, "invalid command name");
		goto fail;
	}
	if (req->args != NULL &&
	    !json_object_is_type(req->args, json_type_object)) {
		snprintf(err, errlen, "\"args\" must be an object");
		goto fail;
	}
	memcpy(req->command, s, slen);
	req->command[slen] = '\0';
	req->root = root;
	return 0;
fail:
	json_object_put(root);
	req->args = NULL;
	return -1;
}

void
ctl_request_free(struct ctl_request *req)
{
	json_object_put(req->root);
	memset(req, 0, sizeof(*req));
}

static char *
ctl_reply(struct json_object *reply, size_t *len)
{
	const char *s;
	size_t n;
	char *line;

	s = json_object_to_json_string_length(
	    reply, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
	line = xmalloc(n + 2);
	memcpy(line, s, n);
	line[n] = '\n';
	line[n + 1] = '\0';
	*len = n + 1;
	json_object_put(reply);
	return line;
}

char *
ctl_reply_ok(struct json_object *result, size_t *len)
{
	struct json_object *reply = json_object_new_object();

	json_object_object_add(reply, "ok", json_object_new_boolean(1));
	json_object_object_add(reply, "result",
	    result != NULL ? result : json_object_new_object());
	return ctl_reply(reply, len);
}

char *
ctl_reply_error(const char *msg, size_t *len)
{
	struct json_object *reply = json_object_new_object();

	json_object_object_add(reply, "ok", json_object_new_boolean(0));
	json_object_object_add(reply, "error", json_object_new_string(msg));
	return ctl_reply(reply, len);
}
