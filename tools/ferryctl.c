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
	/* Turn the words after the command into args; NULL: none allowed. */
	int (*parse)(int argc, char *argv[], struct json_object *args);
	const char *usage;
};

static void render_status(struct json_object *);
static void render_ok(struct json_object *);
static void render_tree(struct json_object *);
static void render_overlay(struct json_object *);
static void render_tunnels(struct json_object *);
static void render_peers(struct json_object *);
static void render_routes(struct json_object *);
static void render_bfd(struct json_object *);
static int parse_routes(int, char *[], struct json_object *);
static int parse_peer(int, char *[], struct json_object *);
static void render_egress(struct json_object *);
static void render_egress_nat(struct json_object *);
static void render_egress_gateways(struct json_object *);
static int parse_egress_nat(int, char *[], struct json_object *);
static void render_token(struct json_object *);
static void render_tokens(struct json_object *);
static void render_workloads(struct json_object *);
static int parse_token_create(int, char *[], struct json_object *);
static int parse_token_id(int, char *[], struct json_object *);
static int parse_workload_name(int, char *[], struct json_object *);

static const struct ctl_cmd commands[] = {
	{ .words = "status",
	    .command = "status",
	    .render = render_status,
	    .help = "version, pid, uptime and live objects" },
	{ .words = "reload",
	    .command = "reload",
	    .render = render_ok,
	    .help = "reload the config file (errors are listed)" },
	{ .words = "show config",
	    .command = "config",
	    .render = render_tree,
	    .help = "the running config, normalized" },
	{ .words = "show overlay",
	    .command = "show overlay",
	    .render = render_overlay,
	    .help = "the vxlan device, its counters and verdicts by reason" },
	{ .words = "show tunnels",
	    .command = "show tunnels",
	    .render = render_tunnels,
	    .help = "tunnel entries: prefix, endpoint, VNI, MAC, source, "
		    "counters" },
	{ .words = "show bgp peers",
	    .command = "show bgp peers",
	    .render = render_peers,
	    .help = "BGP sessions: state, uptime, prefixes, last error" },
	{ .words = "show bgp routes",
	    .command = "show bgp routes",
	    .render = render_routes,
	    .help = "best routes, or received/advertised ones of a peer",
	    .parse = parse_routes,
	    .usage = "[received|advertised] [--peer ADDR] [PREFIX]" },
	{ .words = "show bfd",
	    .command = "show bfd",
	    .render = render_bfd,
	    .help = "BFD sessions: state, discriminators, timers, counters" },
	{ .words = "show egress",
	    .command = "show egress",
	    .render = render_egress,
	    .help = "egress policies, this host's role, NAT counters" },
	{ .words = "show egress gateways",
	    .command = "show egress gateways",
	    .render = render_egress_gateways,
	    .help = "each policy's gateways: role, state, health source, "
		    "flows, egress IPs" },
	{ .words = "show egress nat",
	    .command = "show egress nat",
	    .render = render_egress_nat,
	    .help = "egress NAT connections",
	    .parse = parse_egress_nat,
	    .usage = "[--pod ADDR] [--destination ADDR] [--policy NAME]" },
	{ .words = "bgp reset",
	    .command = "bgp reset",
	    .render = render_ok,
	    .help = "reset the session with a peer",
	    .parse = parse_peer,
	    .usage = "ADDR" },
	{ .words = "bgp refresh",
	    .command = "bgp refresh",
	    .render = render_ok,
	    .help = "ask a peer to send its routes again (route refresh)",
	    .parse = parse_peer,
	    .usage = "ADDR" },
	{ .words = "show workloads",
	    .command = "show workloads",
	    .render = render_workloads,
	    .help = "joined VMs: name, endpoint, addresses, since, traffic" },
	{ .words = "workload token create",
	    .command = "workload token create",
	    .render = render_token,
	    .help = "a join token for ferry-join (printed once)",
	    .parse = parse_token_create,
	    .usage = "[--ttl D] [--uses N] [--name NAME]" },
	{ .words = "workload token list",
	    .command = "workload token list",
	    .render = render_tokens,
	    .help = "join tokens and their state (never their secrets)" },
	{ .words = "workload token revoke",
	    .command = "workload token revoke",
	    .render = render_ok,
	    .help = "refuse a token from now on",
	    .parse = parse_token_id,
	    .usage = "ID" },
	{ .words = "workload remove",
	    .command = "workload remove",
	    .render = render_ok,
	    .help = "forget a VM: its tunnels go at once, its address is free",
	    .parse = parse_workload_name,
	    .usage = "NAME" },
};

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f,
	    "usage: ferryctl [-j] [-s socket] command [args]\n"
	    "  options may also follow the command\n"
	    "  -j, --json         print ferryd's JSON reply as is\n"
	    "  -s, --socket path  control socket (default %s)\n"
	    "commands:\n",
	    FERRY_DEFAULT_SOCKET);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		char words[96];

		snprintf(words, sizeof(words), "%s %s", commands[i].words,
		    commands[i].usage != NULL ? commands[i].usage : "");
		fprintf(f, "  %-18s %s\n", words, commands[i].help);
	}
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
	if (json_object_object_get_ex(r, "underlay-decap", &v)) {
		if (json_object_object_get_ex(v, "active", &c) &&
		    json_object_get_boolean(c))
			printf("underlay decap on ifindex %" PRId64 " %" PRId64
			       ": %" PRId64 " decapsulated, %" PRId64
			       " left to the kernel\n",
			    jint(v, "ifindex"), jint(v, "ifindex6"),
			    jint(v, "decapsulated"), jint(v, "to-kernel"));
		else
			printf("underlay decap off\n");
	}
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
	/* Egress acceptances: sources vouched for, no tunnel, no route. */
	if (!json_object_object_get_ex(r, "accepted-sources", &list) ||
	    (n = json_object_array_length(list)) == 0)
		return;
	printf("\naccepted sources (no tunnel):\n%-20s %-16s %8s %-9s "
	       "%-12s %4s\n",
	    "PREFIX", "ENDPOINT", "VNI", "SOURCE", "OWNER", "REFS");
	for (i = 0; i < n; i++) {
		t = json_object_array_get_idx(list, i);
		printf("%-20s %-16s %8" PRId64 " %-9s %-12s %4" PRId64 "\n",
		    jstr(t, "prefix"), jstr(t, "endpoint"), jint(t, "vni"),
		    jstr(t, "source"), jstr(t, "owner"), jint(t, "references"));
	}
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

/* The command whose words start argv, longest first; *used: how many. */
static const struct ctl_cmd *
find_command(int argc, char *argv[], int *used)
{
	const struct ctl_cmd *best = NULL;
	char words[256] = "";
	size_t i, len;
	int k;

	for (k = 0; k < argc; k++) {
		len = strlen(words);
		snprintf(words + len, sizeof(words) - len, "%s%s",
		    k > 0 ? " " : "", argv[k]);
		for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
			if (strcmp(commands[i].words, words) == 0) {
				best = &commands[i];
				*used = k + 1;
			}
	}
	return best;
}

static int
parse_routes(int argc, char *argv[], struct json_object *args)
{
	int i;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "received") == 0 ||
		    strcmp(argv[i], "advertised") == 0)
			json_object_object_add(
			    args, "view", json_object_new_string(argv[i]));
		else if (strcmp(argv[i], "--peer") == 0 && i + 1 < argc)
			json_object_object_add(
			    args, "peer", json_object_new_string(argv[++i]));
		else if (argv[i][0] != '-')
			json_object_object_add(
			    args, "prefix", json_object_new_string(argv[i]));
		else
			return -1;
	}
	return 0;
}

static int
parse_peer(int argc, char *argv[], struct json_object *args)
{
	if (argc != 1)
		return -1;
	json_object_object_add(args, "peer", json_object_new_string(argv[0]));
	return 0;
}

static void
fmt_uptime(int64_t s, char *buf, size_t len)
{
	if (s <= 0)
		snprintf(buf, len, "-");
	else
		fmt_duration(s, buf, len);
}

/* Graceful restart of a peer: "-" if not negotiated, else the helper
 * state, with "+N" for the RFC 8538 N bit and ", ours" while our own
 * restart defers output. */
static void
fmt_gr(struct json_object *p, char *buf, size_t len, int64_t *stale)
{
	struct json_object *g, *v;
	bool neg, n, defer;

	*stale = 0;
	if (!json_object_object_get_ex(p, "graceful-restart", &g)) {
		snprintf(buf, len, "-");
		return;
	}
	*stale = jint(g, "stale-routes");
	neg = json_object_object_get_ex(g, "negotiated", &v) &&
	    json_object_get_boolean(v);
	n = json_object_object_get_ex(g, "notification", &v) &&
	    json_object_get_boolean(v);
	defer = json_object_object_get_ex(g, "deferring", &v) &&
	    json_object_get_boolean(v);
	snprintf(buf, len, "%s%s%s", neg ? jstr(g, "state") : "-",
	    neg && n ? "+N" : "", defer ? ",ours" : "");
}

static void
render_peers(struct json_object *r)
{
	struct json_object *list, *p;
	char up[32], gr[32];
	int64_t stale;
	size_t i, n;

	printf("local AS %" PRId64 ", %" PRId64 " prefixes, %" PRId64
	       " attribute sets\n\n",
	    jint(r, "asn"), jint(r, "prefixes"), jint(r, "attribute-sets"));
	if (!json_object_object_get_ex(r, "peers", &list))
		return;
	n = json_object_array_length(list);
	printf("%-24s %-10s %-12s %9s %9s %9s %9s %-16s %6s  %s\n", "PEER",
	    "ASN", "STATE", "UPTIME", "RECEIVED", "ACCEPTED", "ADVERTISED",
	    "GR", "STALE", "LAST ERROR");
	for (i = 0; i < n; i++) {
		char name[64];

		p = json_object_array_get_idx(list, i);
		fmt_uptime(jint(p, "uptime"), up, sizeof(up));
		fmt_gr(p, gr, sizeof(gr), &stale);
		if (strcmp(jstr(p, "name"), jstr(p, "address")) == 0)
			snprintf(name, sizeof(name), "%s", jstr(p, "address"));
		else
			snprintf(name, sizeof(name), "%s (%s)",
			    jstr(p, "address"), jstr(p, "name"));
		printf("%-24s %-10" PRId64 " %-12s %9s %9" PRId64 " %9" PRId64
		       " %9" PRId64 " %-16s %6" PRId64 "  %s\n",
		    name, jint(p, "asn"), jstr(p, "state"), up,
		    jint(p, "prefixes-received"), jint(p, "prefixes-accepted"),
		    jint(p, "prefixes-advertised"), gr, stale,
		    jstr(p, "last-error"));
	}
}

static int64_t
jsub(struct json_object *o, const char *obj, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, obj, &v))
		return 0;
	return jint(v, key);
}

static void
render_bfd(struct json_object *r)
{
	struct json_object *list, *p;
	char up[32], diag[40];
	size_t i, n;

	if (!json_object_object_get_ex(r, "sessions", &list))
		return;
	n = json_object_array_length(list);
	printf("%-22s %-10s %-10s %-10s %-10s %6s %6s %7s %9s %8s %8s %7s  "
	       "%s\n",
	    "PEER", "STATE", "REMOTE", "LOCAL-DISC", "REMOTE-DISC", "TX-MS",
	    "RX-MS", "DETECT", "UPTIME", "IN", "OUT", "CHANGES",
	    "DROPS (malformed/disc/auth/ttl), DIAG");
	for (i = 0; i < n; i++) {
		p = json_object_array_get_idx(list, i);
		fmt_uptime(jint(p, "uptime"), up, sizeof(up));
		snprintf(diag, sizeof(diag), "%s", jstr(p, "diag"));
		printf("%-22s %-10s %-10s %-10" PRId64 " %-11" PRId64
		       " %6.1f %6.1f %7.1f %9s %8" PRId64 " %8" PRId64
		       " %7" PRId64 "  %" PRId64 "/%" PRId64 "/%" PRId64
		       "/%" PRId64 ", %s\n",
		    jstr(p, "peer"), jstr(p, "state"), jstr(p, "remote-state"),
		    jint(p, "local-discriminator"),
		    jint(p, "remote-discriminator"),
		    (double)jint(p, "tx-interval-us") / 1000,
		    (double)jint(p, "rx-interval-us") / 1000,
		    (double)jint(p, "detect-time-us") / 1000, up,
		    jint(p, "packets-in"), jint(p, "packets-out"),
		    jint(p, "state-changes"), jsub(p, "drops", "malformed"),
		    jsub(p, "drops", "discriminator"), jsub(p, "drops", "auth"),
		    jsub(p, "drops", "ttl"), diag);
	}
	if (n == 0)
		printf("(no BFD sessions)\n");
	printf("\ndropped in all: malformed %" PRId64 ", discriminator %" PRId64
	       ", auth %" PRId64 ", ttl %" PRId64 "\n",
	    jsub(r, "drops", "malformed"), jsub(r, "drops", "discriminator"),
	    jsub(r, "drops", "auth"), jsub(r, "drops", "ttl"));
}

/* Is s one of the strings of the array list (NULL: none is)? */
static bool
in_list(struct json_object *list, const char *s)
{
	size_t i, n = list != NULL ? json_object_array_length(list) : 0;

	for (i = 0; i < n; i++)
		if (strcmp(s,
			json_object_get_string(
			    json_object_array_get_idx(list, i))) == 0)
			return true;
	return false;
}

/*
 * The strings of o's array key, space-separated into buf; those also in
 * o's array marked (if given) followed by mark.
 */
static void
join_marked(struct json_object *o, const char *key, const char *marked,
    const char *mark, char *buf, size_t len)
{
	struct json_object *list, *m = NULL;
	const char *e;
	size_t i, n, used = 0;

	buf[0] = '\0';
	if (!json_object_object_get_ex(o, key, &list))
		return;
	if (marked != NULL)
		json_object_object_get_ex(o, marked, &m);
	n = json_object_array_length(list);
	for (i = 0; i < n && used < len; i++) {
		e = json_object_get_string(json_object_array_get_idx(list, i));
		used += (size_t)snprintf(buf + used, len - used, "%s%s%s",
		    i > 0 ? " " : "", e, in_list(m, e) ? mark : "");
	}
}

static void
join_list(struct json_object *o, const char *key, char *buf, size_t len)
{
	join_marked(o, key, NULL, NULL, buf, len);
}

static void
render_routes(struct json_object *r)
{
	struct json_object *list, *t, *v;
	char comm[256], large[256], lp[16], med[16], path[256];
	size_t i, n;

	if (!json_object_object_get_ex(r, "routes", &list))
		return;
	n = json_object_array_length(list);
	printf("   %-20s %-16s %6s %6s %-10s %-14s %s\n", "PREFIX", "NEXT HOP",
	    "LPREF", "MED", "ORIGIN", "AS PATH", "COMMUNITIES");
	for (i = 0; i < n; i++) {
		t = json_object_array_get_idx(list, i);
		snprintf(lp, sizeof(lp), "%s",
		    json_object_object_get_ex(t, "local-pref", &v)
			? json_object_get_string(v)
			: "-");
		snprintf(med, sizeof(med), "%s",
		    json_object_object_get_ex(t, "med", &v)
			? json_object_get_string(v)
			: "-");
		/* An empty AS path: one of our own pools. */
		snprintf(path, sizeof(path), "%s",
		    jstr(t, "as-path")[0] != '\0' ? jstr(t, "as-path")
						  : "(local)");
		join_list(t, "communities", comm, sizeof(comm));
		join_list(t, "large-communities", large, sizeof(large));
		printf("%c%c %-20s %-16s %6s %6s %-10s %-14s %s%s%s\n",
		    json_object_object_get_ex(t, "rejected", &v) ? 'x'
			: json_object_object_get_ex(t, "best", &v) &&
			    json_object_get_boolean(v)
			? '*'
			: ' ',
		    json_object_object_get_ex(t, "stale", &v) ? 'S' : ' ',
		    jstr(t, "prefix"), jstr(t, "next-hop"), lp, med,
		    jstr(t, "origin"), path, comm,
		    comm[0] != '\0' && large[0] != '\0' ? " " : "", large);
	}
	if (n == 0)
		printf("(no routes)\n");
	else
		printf("\n* best, x rejected by import policy, S stale "
		       "(kept by graceful restart)\n");
}

/* --- show egress -------------------------------------------------------- */

static int
parse_egress_nat(int argc, char *argv[], struct json_object *args)
{
	static const char *const keys[][2] = { { "--pod", "pod" },
		{ "--destination", "destination" }, { "--policy", "policy" } };
	size_t k;
	int i;

	for (i = 0; i < argc; i++) {
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (strcmp(argv[i], keys[k][0]) == 0)
				break;
		if (k == sizeof(keys) / sizeof(keys[0]) || i + 1 == argc)
			return -1;
		json_object_object_add(
		    args, keys[k][1], json_object_new_string(argv[++i]));
	}
	return 0;
}

static void
render_egress_counters(struct json_object *r)
{
	struct json_object *c, *d, *gc;

	if (!json_object_object_get_ex(r, "counters", &c))
		return;
	printf("flows %" PRId64 " of %" PRId64 ", new flows %" PRId64 "\n",
	    jint(r, "flows"), jint(r, "table-size"),
	    json_object_object_get_ex(c, "new-flow", &d) ? jint(d, "packets")
							 : 0);
	printf("\n%-16s %14s %16s\n", "COUNTER", "PACKETS", "BYTES");
	json_object_object_foreach (c, name, v)
		printf("%-16s %14" PRId64 " %16" PRId64 "\n", name,
		    jint(v, "packets"), jint(v, "bytes"));
	if (json_object_object_get_ex(r, "drops", &d)) {
		printf("\n%-16s %14s\n", "DROP", "PACKETS");
		json_object_object_foreach (d, name2, v2)
			printf("%-16s %14" PRId64 "\n", name2,
			    jint(v2, "packets"));
	}
	if (json_object_object_get_ex(r, "gc", &gc))
		printf("\ngc: %" PRId64 " runs, %" PRId64 " expired, %" PRId64
		       " orphans, %" PRId64 " errors, last run %" PRId64
		       " us\n",
		    jint(gc, "runs"), jint(gc, "expired"), jint(gc, "orphans"),
		    jint(gc, "errors"), jint(gc, "last-us"));
}

static void
render_egress(struct json_object *r)
{
	struct json_object *v, *list, *p;
	char src[256], dst[256], ips[128], gws[256];
	size_t i, n;

	if (!json_object_object_get_ex(r, "configured", &v) ||
	    !json_object_get_boolean(v)) {
		printf("egress not configured\n");
		return;
	}
	if (json_object_object_get_ex(r, "active", &v) &&
	    !json_object_get_boolean(v))
		printf("egress datapath not running (no interfaces, or see "
		       "the log)\n");
	if (json_object_object_get_ex(r, "interfaces", &list)) {
		n = json_object_array_length(list);
		printf("interfaces:");
		for (i = 0; i < n; i++) {
			p = json_object_array_get_idx(list, i);
			printf(" %s%s", jstr(p, "name"),
			    jint(p, "ifindex") != 0 ? "" : " (not attached)");
		}
		printf("\n");
	}
	if (json_object_object_get_ex(r, "policies", &list)) {
		n = json_object_array_length(list);
		printf("\n%-16s %-24s %-24s %-16s %-20s %-6s %8s\n", "POLICY",
		    "SOURCES", "DESTINATIONS", "GATEWAY", "EGRESS-IP", "ROLE",
		    "FLOWS");
		for (i = 0; i < n; i++) {
			p = json_object_array_get_idx(list, i);
			join_list(p, "sources", src, sizeof(src));
			join_list(p, "destinations", dst, sizeof(dst));
			join_list(p, "egress-ips", ips, sizeof(ips));
			/* "(down)": left out of the nodes' hash. */
			join_marked(p, "gateways", "gateways-down", "(down)",
			    gws, sizeof(gws));
			printf("%-16s %-24s %-24s %-16s %-20s %-6s %8" PRId64
			       "\n",
			    jstr(p, "name"), src, dst, gws, ips,
			    jstr(p, "role"), jint(p, "flows"));
		}
		if (n == 0)
			printf("(no policies)\n");
	}
	render_egress_counters(r);
}

static void
fmt_end(struct json_object *o, const char *key, char *buf, size_t len)
{
	struct json_object *e;
	const char *a;

	if (!json_object_object_get_ex(o, key, &e)) {
		snprintf(buf, len, "-");
		return;
	}
	a = jstr(e, "address");
	snprintf(buf, len, strchr(a, ':') ? "[%s]:%" PRId64 : "%s:%" PRId64, a,
	    jint(e, "port"));
}

/* The NAT state sync's peers, when this host synchronises. */
static void
render_egress_sync(struct json_object *r)
{
	struct json_object *sync, *list, *e, *errs, *f;
	char heard[24], bad[160];
	size_t i, n, len;

	if (!json_object_object_get_ex(r, "sync", &sync) || sync == NULL ||
	    !json_object_object_get_ex(sync, "peers", &list))
		return;
	printf("\nsync: port %" PRId64 ", first packets held %" PRId64
	       ", sent unacknowledged %" PRId64 ", egress gate %s\n",
	    jint(sync, "port"), jint(sync, "held"),
	    jint(sync, "released-unacknowledged"), jstr(sync, "egress-gate"));
	printf("%-24s %-8s %-8s %-10s %-10s %-10s %s\n", "PEER", "STATE",
	    "HEARD", "SENT", "RECEIVED", "CREATED", "ERRORS");
	n = json_object_array_length(list);
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(list, i);
		if (json_object_object_get_ex(e, "last-heard-ms", &f) &&
		    f != NULL)
			snprintf(heard, sizeof(heard), "%" PRId64 "ms",
			    json_object_get_int64(f));
		else
			snprintf(heard, sizeof(heard), "-");
		bad[0] = '\0';
		len = 0;
		if (json_object_object_get_ex(e, "errors", &errs)) {
			json_object_object_foreach (errs, k, v) {
				if (json_object_get_int64(v) == 0 ||
				    len >= sizeof(bad))
					continue;
				len += (size_t)snprintf(bad + len,
				    sizeof(bad) - len, "%s%s=%" PRId64,
				    len ? "," : "", k,
				    json_object_get_int64(v));
			}
		}
		printf("%-24s %-8s %-8s %-10" PRId64 " %-10" PRId64
		       " %-10" PRId64 " %s\n",
		    jstr(e, "peer"), jstr(e, "state"), heard, jint(e, "sent"),
		    jint(e, "received"), jint(e, "created"),
		    bad[0] != '\0' ? bad : "-");
	}
}

static void
render_egress_gateways(struct json_object *r)
{
	struct json_object *list, *e, *f;
	char flows[24], ports[24], ips[128];
	size_t i, n;

	if (!json_object_object_get_ex(r, "gateways", &list))
		return;
	n = json_object_array_length(list);
	printf("%-16s %-12s %-24s %-7s %-8s %-6s %-7s %-11s %s\n", "POLICY",
	    "NAME", "ENDPOINT", "ROLE", "STATE", "HEALTH", "FLOWS", "PORTS",
	    "EGRESS-IP");
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(list, i);
		/* null until counted (a node counts its pins every 5 s) */
		if (json_object_object_get_ex(e, "flows", &f) && f != NULL)
			snprintf(flows, sizeof(flows), "%" PRId64,
			    json_object_get_int64(f));
		else
			snprintf(flows, sizeof(flows), "-");
		/* null without a slice: the whole range */
		if (json_object_object_get_ex(e, "ports", &f) && f != NULL)
			snprintf(ports, sizeof(ports), "%" PRId64 "-%" PRId64,
			    jint(f, "min"), jint(f, "max"));
		else
			snprintf(ports, sizeof(ports), "-");
		join_list(e, "egress-ips", ips, sizeof(ips));
		printf("%-16s %-12s %-24s %-7s %-8s %-6s %-7s %-11s %s\n",
		    jstr(e, "policy"), jstr(e, "name"), jstr(e, "endpoint"),
		    jstr(e, "role"), jstr(e, "state"), jstr(e, "health"), flows,
		    ports, ips[0] != '\0' ? ips : "-");
	}
	if (n == 0)
		printf("(no gateways)\n");
	render_egress_sync(r);
}

static void
render_egress_nat(struct json_object *r)
{
	struct json_object *list, *c;
	char s[64], d[64], t[64], age[32], idle[32];
	size_t i, n;

	if (!json_object_object_get_ex(r, "connections", &list))
		return;
	n = json_object_array_length(list);
	printf("%-5s %-24s %-24s %-24s %-11s %-12s %8s %8s\n", "PROTO",
	    "SOURCE", "DESTINATION", "TRANSLATED", "STATE", "POLICY", "AGE",
	    "IDLE");
	for (i = 0; i < n; i++) {
		c = json_object_array_get_idx(list, i);
		fmt_end(c, "source", s, sizeof(s));
		fmt_end(c, "destination", d, sizeof(d));
		fmt_end(c, "translated", t, sizeof(t));
		fmt_duration(jint(c, "age"), age, sizeof(age));
		fmt_duration(jint(c, "idle"), idle, sizeof(idle));
		printf("%-5s %-24s %-24s %-24s %-11s %-12s %8s %8s\n",
		    jstr(c, "protocol"), s, d, t, jstr(c, "state"),
		    jstr(c, "policy"), age, idle);
	}
	if (n == 0)
		printf("(no connections)\n");
	else if (jint(r, "matched") > (int64_t)n)
		printf("(%" PRId64 " matched, %zu shown)\n", jint(r, "matched"),
		    n);
}

/* A duration: seconds, or a number with s, m, h or d; -1 if wrong. */
static int64_t
parse_duration(const char *s)
{
	char *end;
	long long v;

	if (*s < '0' || *s > '9')
		return -1;
	v = strtoll(s, &end, 10);
	if (v < 0 || v > 100LL * 365 * 86400)
		return -1;
	if (strcmp(end, "") == 0 || strcmp(end, "s") == 0)
		return v;
	if (strcmp(end, "m") == 0)
		return v * 60;
	if (strcmp(end, "h") == 0)
		return v * 3600;
	if (strcmp(end, "d") == 0)
		return v * 86400;
	return -1;
}

static int
parse_token_create(int argc, char *argv[], struct json_object *args)
{
	int64_t v;
	char *end;
	int i;

	for (i = 0; i < argc; i++) {
		if (i + 1 == argc)
			return -1;
		if (strcmp(argv[i], "--ttl") == 0) {
			if ((v = parse_duration(argv[++i])) == -1)
				return -1;
			json_object_object_add(
			    args, "ttl", json_object_new_int64(v));
		} else if (strcmp(argv[i], "--uses") == 0) {
			v = strtoll(argv[++i], &end, 10);
			if (*end != '\0' || v < 0 || v > UINT32_MAX)
				return -1;
			json_object_object_add(
			    args, "uses", json_object_new_int64(v));
		} else if (strcmp(argv[i], "--name") == 0) {
			json_object_object_add(
			    args, "name", json_object_new_string(argv[++i]));
		} else {
			return -1;
		}
	}
	return 0;
}

static int
parse_token_id(int argc, char *argv[], struct json_object *args)
{
	if (argc != 1)
		return -1;
	json_object_object_add(args, "id", json_object_new_string(argv[0]));
	return 0;
}

static int
parse_workload_name(int argc, char *argv[], struct json_object *args)
{
	if (argc != 1)
		return -1;
	json_object_object_add(args, "name", json_object_new_string(argv[0]));
	return 0;
}

static void
fmt_time(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0 || gmtime_r(&tt, &tm) == NULL)
		snprintf(buf, len, "never");
	else
		strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void
render_token(struct json_object *r)
{
	char exp[32];

	fmt_time(jint(r, "expires"), exp, sizeof(exp));
	printf("%s\n\n", jstr(r, "token"));
	printf("token %s: expires %s, uses %" PRId64 " (0: unlimited)\n",
	    jstr(r, "id"), exp, jint(r, "uses"));
	printf("this is the only time the token is shown; on the VM run:\n"
	       "  ferry-join GATEWAY %s\n",
	    jstr(r, "token"));
}

static void
render_tokens(struct json_object *r)
{
	struct json_object *list, *t;
	char cr[32], exp[32], uses[32];
	size_t i, n;

	if (!json_object_object_get_ex(r, "tokens", &list))
		return;
	n = json_object_array_length(list);
	printf("%-8s %-16s %-9s %-21s %-21s %s\n", "ID", "NAME", "STATE",
	    "CREATED", "EXPIRES", "USED");
	for (i = 0; i < n; i++) {
		t = json_object_array_get_idx(list, i);
		fmt_time(jint(t, "created"), cr, sizeof(cr));
		fmt_time(jint(t, "expires"), exp, sizeof(exp));
		if (jint(t, "uses") == 0)
			snprintf(uses, sizeof(uses), "%" PRId64 "/-",
			    jint(t, "used"));
		else
			snprintf(uses, sizeof(uses), "%" PRId64 "/%" PRId64,
			    jint(t, "used"), jint(t, "uses"));
		printf("%-8s %-16s %-9s %-21s %-21s %s\n", jstr(t, "id"),
		    jstr(t, "name")[0] != '\0' ? jstr(t, "name") : "-",
		    jstr(t, "state"), cr, exp, uses);
	}
	if (n == 0)
		printf("(no tokens)\n");
}

static void
render_workloads(struct json_object *r)
{
	struct json_object *list, *w;
	char since[32];
	size_t i, n;

	if (!json_object_object_get_ex(r, "workloads", &list))
		return;
	n = json_object_array_length(list);
	printf("%-20s %-16s %-15s %-24s %-21s %s\n", "NAME", "ENDPOINT", "IPV4",
	    "IPV6", "SINCE", "TOKEN");
	for (i = 0; i < n; i++) {
		w = json_object_array_get_idx(list, i);
		fmt_time(jint(w, "since"), since, sizeof(since));
		printf("%-20s %-16s %-15s %-24s %-21s %s\n", jstr(w, "name"),
		    jstr(w, "endpoint"),
		    jstr(w, "ipv4")[0] != '\0' ? jstr(w, "ipv4") : "-",
		    jstr(w, "ipv6")[0] != '\0' ? jstr(w, "ipv6") : "-", since,
		    jstr(w, "token"));
	}
	if (n == 0)
		printf("(no workloads)\n");
	else
		printf("\ntraffic per workload: ferryctl show tunnels "
		       "(owner = name)\n");
}

/*
 * Take ferryctl's own options out of argv, wherever they stand, as people
 * type them (`ferryctl status --json`, `ferryctl show bgp peers -s SOCK`),
 * and leave the command's words and its own options (`--peer ADDR`) in
 * order at the front of argv.  A bare `--` ends our options.  Returns the
 * number of words left, -1 after a usage error, or -2 for --help.
 */
static int
take_options(int argc, char *argv[], bool *json, const char **sock)
{
	int i, n = 0;
	bool ours = true;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!ours || a[0] != '-' || a[1] == '\0') {
			argv[n++] = argv[i];
		} else if (strcmp(a, "--") == 0) {
			ours = false;
		} else if (strcmp(a, "--json") == 0) {
			*json = true;
		} else if (strcmp(a, "--help") == 0) {
			return -2;
		} else if (strncmp(a, "--socket=", 9) == 0) {
			*sock = a + 9;
		} else if (strcmp(a, "--socket") == 0) {
			if (++i == argc)
				goto missing;
			*sock = argv[i];
		} else if (a[1] != '-' && strspn(a + 1, "jhs") > 0) {
			/* -j, -h, -s PATH, -sPATH, -js PATH */
			for (a++; *a != '\0'; a++) {
				if (*a == 'j') {
					*json = true;
				} else if (*a == 'h') {
					return -2;
				} else if (*a == 's') {
					if (a[1] != '\0')
						*sock = a + 1;
					else if (++i == argc)
						goto missing;
					else
						*sock = argv[i];
					break;
				} else {
					fprintf(stderr,
					    "ferryctl: unknown option -%c\n",
					    *a);
					return -1;
				}
			}
		} else {
			/* Not ours: the command's own (--peer), or wrong. */
			argv[n++] = argv[i];
		}
	}
	return n;
missing:
	fprintf(stderr, "ferryctl: %s needs a socket path\n", argv[i - 1]);
	return -1;
}

int
main(int argc, char *argv[])
{
	const char *sock = FERRY_DEFAULT_SOCKET;
	const struct ctl_cmd *cmd;
	struct json_object *req, *reply, *ok, *result, *args;
	const char *line;
	char *answer;
	bool json = false;
	int nwords, fd, used = 0, rc = 1;

	if ((nwords = take_options(argc, argv, &json, &sock)) == -2) {
		usage(stdout);
		return 0;
	}
	if (nwords <= 0) {
		usage(stderr);
		return 2;
	}
	if (argv[0][0] == '-') {
		fprintf(stderr, "ferryctl: unknown option %s\n", argv[0]);
		usage(stderr);
		return 2;
	}
	if ((cmd = find_command(nwords, argv, &used)) == NULL) {
		fprintf(stderr, "ferryctl: unknown command\n");
		usage(stderr);
		return 2;
	}
	args = json_object_new_object();
	if ((cmd->parse == NULL && used != nwords) ||
	    (cmd->parse != NULL &&
		cmd->parse(nwords - used, argv + used, args) == -1)) {
		fprintf(stderr, "usage: ferryctl %s %s\n", cmd->words,
		    cmd->usage != NULL ? cmd->usage : "");
		json_object_put(args);
		return 2;
	}
	if ((fd = ctl_connect(sock)) == -1) {
		json_object_put(args);
		return 1;
	}

	req = json_object_new_object();
	json_object_object_add(
	    req, "command", json_object_new_string(cmd->command));
	if (json_object_object_length(args) > 0)
		json_object_object_add(req, "args", args);
	else
		json_object_put(args);
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
