/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ferryctl: talk to ferryd over its control socket.
 *
 * Each command maps the words typed on the command line to a control
 * request and renders the reply for a human; --json prints the reply line
 * exactly as ferryd sent it, for scripts.  Rendering lives here, not in
 * the daemon: ferryd answers in JSON only.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "conf.h"

#define REPLY_TIMEOUT_MS 30000
#define REPLY_MAX	 (256u << 20)

struct ctl_cmd {
	const char *words;   /* as typed: "show config" */
	const char *command; /* as sent: "config" */
	void (*render)(struct json_object *result);
	const char *help;
};

static void render_status(struct json_object *);
static void render_ok(struct json_object *);
static void render_tree(struct json_object *);
static void render_overlay(struct json_object *);
static void render_tunnels(struct json_object *);

static const struct ctl_cmd commands[] = {
	{ "status", "status", render_status,
	    "version, pid, uptime and live objects" },
	{ "reload", "reload", render_ok,
	    "reload the config file (errors are listed)" },
	{ "show config", "config", render_tree,
	    "the running config, normalized" },
	{ "show overlay", "show overlay", render_overlay,
	    "the vxlan device, its counters and verdicts by reason" },
	{ "show tunnels", "show tunnels", render_tunnels,
	    "tunnel entries: prefix, endpoint, VNI, MAC, source, counters" },
};

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f,
	    "usage: ferryctl [-j] [-s socket] command\n"
	    "  -j, --json         print ferryd's JSON reply as is\n"
	    "  -s, --socket path  control socket (default %s)\n"
	    "commands:\n",
	    FERRY_DEFAULT_SOCKET);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-18s %s\n", commands[i].words, commands[i].help);
}

static void
fmt_duration(int64_t s, char *buf, size_t len)
{
	if (s >= 86400)
		snprintf(buf, len, "%" PRId64 "d%02" PRId64 "h%02" PRId64 "m",
		    s / 86400, s % 86400 / 3600, s % 3600 / 60);
	else if (s >= 3600)
		snprintf(buf, len, "%" PRId64 "h%02" PRId64 "m%02" PRId64 "s",
		    s / 3600, s % 3600 / 60, s % 60);
	else if (s >= 60)
		snprintf(
		    buf, len, "%" PRId64 "m%02" PRId64 "s", s / 60, s % 60);
	else
		snprintf(buf, len, "%" PRId64 "s", s);
}

static const char *
jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return "-";
	return json_object_get_string(v);
}

static int64_t
jint(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return 0;
	return json_object_get_int64(v);
}

static void
render_status(struct json_object *r)
{
	struct json_object *objs;
	char up[32];

	fmt_duration(jint(r, "uptime"), up, sizeof(up));
	printf("ferryd %s, pid %" PRId64 ", up %s\n", jstr(r, "version"),
	    jint(r, "pid"), up);
	printf("%-16s %s\n", "config file", jstr(r, "config-file"));
	printf("%-16s %" PRId64 " ok, %" PRId64 " failed\n", "reloads",
	    jint(r, "reloads"), jint(r, "reload-failures"));
	printf("%-16s %" PRId64 "\n", "control clients",
	    jint(r, "control-clients"));
	if (json_object_object_get_ex(r, "objects", &objs)) {
		printf("live objects\n");
		json_object_object_foreach (objs, name, val)
			printf("  %-14s %" PRId64 "\n", name,
			    json_object_get_int64(val));
	}
}

static void
render_ok(struct json_object *r)
{
	(void)r;
	printf("ok\n");
}

static void
render_overlay(struct json_object *r)
{
	struct json_object *v, *in, *out, *c;

	if (!json_object_object_get_ex(r, "configured", &v) ||
	    !json_object_get_boolean(v)) {
		printf("overlay not configured\n");
		return;
	}
	if (!json_object_object_get_ex(r, "device", &v)) {
		printf("overlay configured but not running (see the log)\n");
		return;
	}
	printf("device %s (ifindex %" PRId64 "), port %" PRId64 ", mtu %" PRId64
	       ", mac %s\n",
	    jstr(r, "device"), jint(r, "ifindex"), jint(r, "port"),
	    jint(r, "mtu"), jstr(r, "mac"));
	if (json_object_object_get_ex(r, "local", &v))
		printf("local %s\n", json_object_get_string(v));
	if (json_object_object_get_ex(r, "local6", &v))
		printf("local6 %s\n", json_object_get_string(v));
	printf("vteps %" PRId64 ", tunnels %" PRId64 ", maps in %s\n",
	    jint(r, "vteps"), jint(r, "tunnels"), jstr(r, "pin-dir"));
	printf("rx %" PRId64 " packets %" PRId64 " bytes, tx %" PRId64
	       " packets %" PRId64 " bytes\n",
	    jint(r, "rx-packets"), jint(r, "rx-bytes"), jint(r, "tx-packets"),
	    jint(r, "tx-bytes"));
	if (!json_object_object_get_ex(r, "verdicts", &v) ||
	    !json_object_object_get_ex(v, "egress", &out) ||
	    !json_object_object_get_ex(v, "ingress", &in))
		return;
	printf("\n%-16s %14s %14s\n", "VERDICT", "EGRESS", "INGRESS");
	json_object_object_foreach (out, reason, e) {
		int64_t pi = 0;

		if (json_object_object_get_ex(in, reason, &c))
			pi = jint(c, "packets");
		printf("%-16s %14" PRId64 " %14" PRId64 "\n", reason,
		    jint(e, "packets"), pi);
	}
}

static void
render_tunnels(struct json_object *r)
{
	struct json_object *list, *t;
	size_t i, n;

	if (!json_object_object_get_ex(r, "tunnels", &list))
		return;
	n = json_object_array_length(list);
	printf("%-20s %-16s %8s %-17s %-9s %-12s %10s %10s\n", "PREFIX",
	    "ENDPOINT", "VNI", "MAC", "SOURCE", "OWNER", "TX-PKTS", "RX-PKTS");
	for (i = 0; i < n; i++) {
		t = json_object_array_get_idx(list, i);
		printf("%-20s %-16s %8" PRId64 " %-17s %-9s %-12s %10" PRId64
		       " %10" PRId64 "\n",
		    jstr(t, "prefix"), jstr(t, "endpoint"), jint(t, "vni"),
		    jstr(t, "mac"), jstr(t, "source"), jstr(t, "owner"),
		    jint(t, "tx-packets"), jint(t, "rx-packets"));
	}
	if (n == 0)
		printf("(no tunnels)\n");
}

/* The normalized config, in the config file's own syntax. */
static void
render_value(struct json_object *v, int depth)
{
	size_t i, n;
	int k;

	switch (json_object_get_type(v)) {
	case json_type_object:
		printf("{\n");
		json_object_object_foreach (v, key, val) {
			for (k = 0; k <= depth; k++)
				putchar('\t');
			printf("%s = ", key);
			render_value(val, depth + 1);
			printf(";\n");
		}
		for (k = 0; k < depth; k++)
			putchar('\t');
		printf("}");
		break;
	case json_type_array:
		n = json_object_array_length(v);
		printf("(%s", n > 0 ? "\n" : "");
		for (i = 0; i < n; i++) {
			for (k = 0; k <= depth; k++)
				putchar('\t');
			render_value(
			    json_object_array_get_idx(v, i), depth + 1);
			printf("%s\n", i + 1 < n ? "," : "");
		}
		for (k = 0; n > 0 && k < depth; k++)
			putchar('\t');
		printf(")");
		break;
	case json_type_string:
		printf("%s",
		    json_object_to_json_string_ext(v,
			JSON_C_TO_STRING_PLAIN |
			    JSON_C_TO_STRING_NOSLASHESCAPE));
		break;
	default:
		printf("%s", json_object_get_string(v));
		break;
	}
}

static void
render_tree(struct json_object *r)
{
	json_object_object_foreach (r, key, val) {
		printf("%s = ", key);
		render_value(val, 0);
		printf(";\n");
	}
}

static int
ctl_connect(const char *path)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "ferryctl: socket path too long: %s\n", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		fprintf(stderr, "ferryctl: socket: %s\n", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		fprintf(stderr,
		    "ferryctl: cannot connect to ferryd at %s: "
		    "%s (is ferryd running?)\n",
		    path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int
write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = send(fd, buf, len, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Read one reply line; returns it NUL-terminated without the newline. */
static char *
read_reply(int fd)
{
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap), *nl;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;

	if (buf == NULL)
		return NULL;
	for (;;) {
		if (poll(&pfd, 1, REPLY_TIMEOUT_MS) <= 0) {
			fprintf(stderr, "ferryctl: no reply from ferryd\n");
			break;
		}
		if (len + 1 >= cap) {
			char *p;

			if (cap >= REPLY_MAX ||
			    (p = realloc(buf, cap * 2)) == NULL) {
				fprintf(stderr, "ferryctl: reply too big\n");
				break;
			}
			buf = p;
			cap *= 2;
		}
		if ((n = read(fd, buf + len, cap - len - 1)) <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			fprintf(stderr,
			    "ferryctl: ferryd closed the "
			    "connection%s%s\n",
			    n == -1 ? ": " : "",
			    n == -1 ? strerror(errno) : "");
			break;
		}
		buf[len + (size_t)n] = '\0';
		if ((nl = memchr(buf + len, '\n', (size_t)n)) != NULL) {
			*nl = '\0';
			return buf;
		}
		len += (size_t)n;
	}
	free(buf);
	return NULL;
}

static const struct ctl_cmd *
find_command(int argc, char *argv[])
{
	char words[256] = "";
	size_t i, used;
	int k;

	for (k = 0; k < argc; k++) {
		used = strlen(words);
		snprintf(words + used, sizeof(words) - used, "%s%s",
		    k > 0 ? " " : "", argv[k]);
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].words, words) == 0)
			return &commands[i];
	return NULL;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sock = FERRY_DEFAULT_SOCKET;
	const struct ctl_cmd *cmd;
	struct json_object *req, *reply, *ok, *result;
	const char *line;
	char *answer;
	bool json = false;
	int ch, fd, rc = 1;

	while ((ch = getopt_long(argc, argv, "hjs:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			json = true;
			break;
		case 's':
			sock = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind == argc) {
		usage(stderr);
		return 2;
	}
	if ((cmd = find_command(argc - optind, argv + optind)) == NULL) {
		fprintf(stderr, "ferryctl: unknown command\n");
		usage(stderr);
		return 2;
	}
	if ((fd = ctl_connect(sock)) == -1)
		return 1;

	req = json_object_new_object();
	json_object_object_add(
	    req, "command", json_object_new_string(cmd->command));
	line = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	if (write_all(fd, line, strlen(line)) == -1 ||
	    write_all(fd, "\n", 1) == -1) {
		fprintf(stderr, "ferryctl: cannot send request: %s\n",
		    strerror(errno));
		goto out;
	}
	if ((answer = read_reply(fd)) == NULL)
		goto out;
	if ((reply = json_tokener_parse(answer)) == NULL ||
	    !json_object_object_get_ex(reply, "ok", &ok)) {
		fprintf(stderr, "ferryctl: malformed reply from ferryd\n");
		json_object_put(reply);
		free(answer);
		goto out;
	}
	if (!json_object_get_boolean(ok)) {
		if (json)
			printf("%s\n", answer);
		fprintf(stderr, "ferryctl: %s\n", jstr(reply, "error"));
	} else {
		rc = 0;
		if (json)
			printf("%s\n", answer);
		else if (json_object_object_get_ex(reply, "result", &result))
			cmd->render(result);
	}
	json_object_put(reply);
	free(answer);
out:
	json_object_put(req);
	close(fd);
	return rc;
}
