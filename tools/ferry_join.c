/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ferry-join: put this VM on the cluster's overlay (docs/onboarding.md).
 *
 *	ferry-join [options] GATEWAY[:PORT] ID.SECRET.PIN
 *	ferry-join --leave [options]
 *
 * It checks the VM, connects to the gateway's enrollment endpoint over
 * TLS 1.3, checks that the certificate the gateway shows hashes to PIN
 * before a single byte of the request leaves (so the secret only ever
 * travels to the gateway the operator meant, and never in clear), sends
 * the token's ID and SECRET with the VM's name, and turns the reply into
 * a ferryd config for the workload role.  Then it starts ferryd (systemd
 * where there is one, else in the background), puts the VM's overlay
 * addresses on the vxlan device and waits until a pod answers a ping.
 *
 * Everything it writes lives in one directory (--config-dir, default
 * /etc/ferry) with a record of the join (join.json), which makes a second
 * run a no-op and tells --leave what to undo.  The protocol is in
 * docs/design.md; the gateway side in workload/.
 */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <dirent.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <gnutls/gnutls.h>
#include <json-c/json.h>

#include "prefix.h"
#include "sha256.h"
#include "workload_int.h"

#ifndef FERRY_SBINDIR
#define FERRY_SBINDIR "/usr/sbin"
#endif

#define JOIN_REPLY_MAX (256u << 10)

struct join_opts {
	const char *gateway;
	const char *token;
	const char *dir;
	const char *rundir; /* socket, pid file: dir, or /run/ferry */
	const char *name;
	const char *ferryd;
	const char *pin_dir;
	const char *ping;
	struct addr endpoint; /* family 0: what the route to the gw says */
	unsigned timeout;
	bool systemd;
	bool leave;
};

static int
usage(FILE *f)
{
	fprintf(f,
	    "usage: ferry-join [options] GATEWAY[:PORT] TOKEN\n"
	    "       ferry-join --leave [options]\n"
	    "  --config-dir DIR  where the config and the join record go "
	    "(/etc/ferry)\n"
	    "  --name NAME       this VM's name (default: the host name)\n"
	    "  --endpoint ADDR   this VM's underlay address (default: the "
	    "route's)\n"
	    "  --ping ADDR       wait until ADDR (a pod) answers\n"
	    "  --timeout SECS    how long to wait for the gateway and the "
	    "pod (30)\n"
	    "  --no-systemd      run ferryd in the background, not as a "
	    "unit\n"
	    "  --ferryd PATH     the ferryd to run (%s/ferryd)\n"
	    "  --pin-dir DIR     where ferryd pins its BPF maps\n"
	    "  --leave           stop ferryd and remove what ferry-join "
	    "wrote\n",
	    FERRY_SBINDIR);
	return f == stdout ? 0 : 2;
}

static int
join_parse_args(int argc, char *argv[], struct join_opts *o)
{
	enum {
		O_DIR = 256,
		O_NAME,
		O_EP,
		O_PING,
		O_TIMEOUT,
		O_NOSD,
		O_FERRYD,
		O_PIN,
		O_LEAVE,
		O_HELP
	};
	static const struct option longs[] = {
		{ "config-dir", required_argument, NULL, O_DIR },
		{ "name", required_argument, NULL, O_NAME },
		{ "endpoint", required_argument, NULL, O_EP },
		{ "ping", required_argument, NULL, O_PING },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "no-systemd", no_argument, NULL, O_NOSD },
		{ "ferryd", required_argument, NULL, O_FERRYD },
		{ "pin-dir", required_argument, NULL, O_PIN },
		{ "leave", no_argument, NULL, O_LEAVE },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int ch;

	memset(o, 0, sizeof(*o));
	o->dir = "/etc/ferry";
	o->ferryd = FERRY_SBINDIR "/ferryd";
	o->timeout = 30;
	o->systemd = access("/run/systemd/system", F_OK) == 0;
	while ((ch = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
		switch (ch) {
		case O_DIR:
			o->dir = optarg;
			break;
		case O_NAME:
			o->name = optarg;
			break;
		case O_EP:
			if (addr_parse(optarg, &o->endpoint) == -1) {
				fprintf(stderr,
				    "ferry-join: --endpoint: not an address: "
				    "%s\n",
				    optarg);
				return -1;
			}
			break;
		case O_PING:
			o->ping = optarg;
			break;
		case O_TIMEOUT:
			o->timeout = (unsigned)strtoul(optarg, &end, 10);
			if (*end != '\0' || o->timeout == 0 ||
			    o->timeout > 3600) {
				fprintf(stderr,
				    "ferry-join: --timeout: 1 to "
				    "3600 seconds\n");
				return -1;
			}
			break;
		case O_NOSD:
			o->systemd = false;
			break;
		case O_FERRYD:
			o->ferryd = optarg;
			break;
		case O_PIN:
			o->pin_dir = optarg;
			break;
		case O_LEAVE:
			o->leave = true;
			break;
		case 'h':
		case O_HELP:
			exit(usage(stdout));
		default:
			return -1;
		}
	}
	/* The default place keeps the package's run-time paths. */
	o->rundir = strcmp(o->dir, "/etc/ferry") == 0 ? "/run/ferry" : o->dir;
	if (o->leave)
		return optind == argc ? 0 : -1;
	if (argc - optind != 2)
		return -1;
	o->gateway = argv[optind];
	o->token = argv[optind + 1];
	return 0;
}

/* The VM is fit to join: root, vxlan, a free VXLAN port. */
static int
join_check_vm(uint16_t port, bool joined)
{
	struct sockaddr_in sin;
	int fd, rc;

	if (geteuid() != 0) {
		fprintf(stderr,
		    "ferry-join: must run as root (it creates a "
		    "vxlan device and loads BPF programs)\n");
		return -1;
	}
	if (access("/sys/module/vxlan", F_OK) == -1 &&
	    system("modprobe vxlan >/dev/null 2>&1") != 0 &&
	    access("/sys/module/vxlan", F_OK) == -1) {
		fprintf(stderr,
		    "ferry-join: this kernel has no vxlan support "
		    "(module vxlan)\n");
		return -1;
	}
	if (joined || port == 0)
		return 0;
	/* ferryd's vxlan device needs the UDP port for itself. */
	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return 0;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	rc = bind(fd, (struct sockaddr *)&sin, sizeof(sin));
	close(fd);
	if (rc == -1 && errno == EADDRINUSE) {
		fprintf(stderr,
		    "ferry-join: UDP port %u is taken (another vxlan device?); "
		    "ferryd needs it for the overlay\n",
		    port);
		return -1;
	}
	return 0;
}

/* GATEWAY[:PORT] or [V6]:PORT into an address and a port. */
static int
join_gateway(const char *s, struct addr *a, uint16_t *port)
{
	if (addr_parse(s, a) == 0) {
		*port = WORKLOAD_DEFAULT_PORT;
		return 0;
	}
	return hostport_parse(s, a, port);
}

static void
to_sockaddr(const struct addr *a, uint16_t port, struct sockaddr_storage *ss,
    socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_addr = a->v4;
		sin->sin_port = htons(port);
		*len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = a->v6;
		sin6->sin6_port = htons(port);
		*len = sizeof(*sin6);
	}
}

/* The source address the kernel would use toward the gateway. */
static int
join_local_addr(const struct addr *gw, struct addr *out)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, rc = -1;

	to_sockaddr(gw, 9, &ss, &len);
	if ((fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&ss, len) == 0 &&
	    getsockname(fd, (struct sockaddr *)&ss, &len) == 0) {
		memset(out, 0, sizeof(*out));
		out->family = (uint8_t)ss.ss_family;
		if (ss.ss_family == AF_INET)
			out->v4 = ((struct sockaddr_in *)&ss)->sin_addr;
		else
			out->v6 = ((struct sockaddr_in6 *)&ss)->sin6_addr;
		rc = 0;
	}
	close(fd);
	return rc;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* connect() with a deadline; the socket stays blocking afterwards. */
static int
join_connect(const struct addr *gw, uint16_t port, unsigned timeout)
{
	struct sockaddr_storage ss;
	struct pollfd pfd;
	struct timeval tv = { .tv_sec = 1 };
	socklen_t len;
	int fd, err = 0, fl;

	to_sockaddr(gw, port, &ss, &len);
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	if (connect(fd, (struct sockaddr *)&ss, len) == -1) {
		if (errno != EINPROGRESS)
			goto bad;
		pfd.fd = fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, (int)timeout * 1000) != 1)
			goto bad;
		len = sizeof(err);
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
		if (err != 0) {
			errno = err;
			goto bad;
		}
	}
	fcntl(fd, F_SETFL, fl);
	/* Bounded reads: the loops below give up at their deadline. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
bad:
	if (errno == 0)
		errno = ETIMEDOUT;
	close(fd);
	return -1;
}

/*
 * The pin check: the SHA-256 of the certificate the gateway presented
 * (DER, as the gateway computes it from its PEM file) against the pin in
 * the token.  Our implementation runs it right after the handshake and
 * before the request is written: a wrong gateway sees a TLS handshake,
 * never the secret.
 */
static int
join_check_pin(gnutls_session_t s, const char *pin)
{
	const gnutls_datum_t *certs;
	unsigned n = 0, i;
	uint8_t d[SHA256_LEN];
	char hex[SHA256_HEXLEN + 1];
	unsigned char diff = 0;

	if ((certs = gnutls_certificate_get_peers(s, &n)) == NULL || n == 0)
		return -1;
	sha256_digest(certs[0].data, certs[0].size, d);
	sha256_hex(d, hex);
	for (i = 0; i < SHA256_HEXLEN; i++)
		diff |= (unsigned char)(hex[i] ^ pin[i]);
	return diff == 0 ? 0 : -1;
}

/* POST body to the gateway; the reply's status and body (caller frees). */
static char *
join_https(const struct addr *gw, uint16_t port, const char *pin,
    const char *body, unsigned timeout, int *status)
{
	gnutls_certificate_credentials_t cred = NULL;
	gnutls_session_t s = NULL;
	char *req = NULL, *buf = NULL, *p, a[ADDR_STRLEN + 2];
	size_t len = 0, cap = 8192, off;
	double deadline = now_s() + timeout;
	ssize_t n;
	int fd, rc;

	*status = 0;
	if ((fd = join_connect(gw, port, timeout)) == -1) {
		fprintf(stderr,
		    "ferry-join: cannot connect to %s port %u: %s\n",
		    addr_fmt(gw, a, sizeof(a)), port, strerror(errno));
		return NULL;
	}
	if (gnutls_certificate_allocate_credentials(&cred) < 0 ||
	    gnutls_init(&s, GNUTLS_CLIENT) < 0 ||
	    gnutls_priority_set_direct(
		s, "NORMAL:-VERS-ALL:+VERS-TLS1.3", NULL) < 0 ||
	    gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred) < 0)
		goto tls_fail;
	gnutls_transport_set_int(s, fd);
	gnutls_handshake_set_timeout(s, timeout * 1000);
	do {
		rc = gnutls_handshake(s);
	} while (rc < 0 && !gnutls_error_is_fatal(rc) && now_s() < deadline);
	if (rc < 0) {
		fprintf(stderr,
		    "ferry-join: TLS handshake with the gateway "
		    "failed: %s\n",
		    gnutls_strerror(rc));
		goto out;
	}
	if (join_check_pin(s, pin) == -1) {
		fprintf(stderr,
		    "ferry-join: the gateway's certificate does not match the "
		    "token's pin: this is not the gateway the token was made "
		    "for (or its certificate changed); nothing was sent\n");
		*status = -1;
		goto out;
	}
	addr_fmt(gw, a, sizeof(a));
	if (asprintf(&req,
		"POST /v1/join HTTP/1.1\r\nHost: %s\r\n"
		"Content-Type: application/json\r\nContent-Length: %zu\r\n"
		"Connection: close\r\n\r\n%s",
		a, strlen(body), body) == -1)
		goto out;
	for (off = 0; off < strlen(req);) {
		n = gnutls_record_send(s, req + off, strlen(req) - off);
		if (n < 0 && !gnutls_error_is_fatal((int)n) &&
		    now_s() < deadline)
			continue;
		if (n < 0)
			goto tls_fail;
		off += (size_t)n;
	}
	buf = malloc(cap);
	for (;;) {
		if (len + 1 >= cap) {
			if (cap >= JOIN_REPLY_MAX)
				break;
			cap *= 2;
			buf = realloc(buf, cap);
		}
		if (buf == NULL)
			goto out;
		n = gnutls_record_recv(s, buf + len, cap - len - 1);
		if (n == 0 || n == GNUTLS_E_PREMATURE_TERMINATION)
			break;
		if (n < 0 && !gnutls_error_is_fatal((int)n) &&
		    now_s() < deadline)
			continue;
		if (n < 0)
			goto tls_fail;
		len += (size_t)n;
	}
	buf[len] = '\0';
	if (sscanf(buf, "HTTP/1.%*d %d", status) != 1 ||
	    (p = strstr(buf, "\r\n\r\n")) == NULL) {
		fprintf(
		    stderr, "ferry-join: malformed reply from the gateway\n");
		free(buf);
		buf = NULL;
		goto out;
	}
	memmove(buf, p + 4, strlen(p + 4) + 1);
	goto out;
tls_fail:
	fprintf(stderr, "ferry-join: TLS error talking to the gateway\n");
	free(buf);
	buf = NULL;
out:
	if (s != NULL) {
		gnutls_bye(s, GNUTLS_SHUT_WR);
		gnutls_deinit(s);
	}
	if (cred != NULL)
		gnutls_certificate_free_credentials(cred);
	free(req);
	close(fd);
	return buf;
}

static const char *
jstr(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int
join_path(char *buf, size_t len, const char *dir, const char *file)
{
	return snprintf(buf, len, "%s/%s", dir, file) >= (int)len ? -1 : 0;
}

static char *
join_read(const char *path)
{
	FILE *f;
	char *buf;
	size_t n;

	if ((f = fopen(path, "re")) == NULL)
		return NULL;
	buf = malloc(JOIN_REPLY_MAX + 1);
	n = buf != NULL ? fread(buf, 1, JOIN_REPLY_MAX, f) : 0;
	fclose(f);
	if (buf != NULL)
		buf[n] = '\0';
	return buf;
}

/* Write path atomically (temp, fsync, rename); 0 or -1. */
static int
join_write(const char *path, const char *text, mode_t mode)
{
	char tmp[4096];
	int fd;
	size_t len = strlen(text);

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -1;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)) ==
	    -1)
		return -1;
	if (write(fd, text, len) != (ssize_t)len || fsync(fd) == -1) {
		close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	return rename(tmp, path);
}

/* The running ferryd's pid from its pid file, or 0. */
static pid_t
join_ferryd_pid(const char *dir)
{
	char path[4096], *text;
	long pid;

	if (join_path(path, sizeof(path), dir, "ferryd.pid") == -1 ||
	    (text = join_read(path)) == NULL)
		return 0;
	pid = strtol(text, NULL, 10);
	free(text);
	if (pid <= 1 || kill((pid_t)pid, 0) == -1)
		return 0;
	return (pid_t)pid;
}

static int
join_start_ferryd(const struct join_opts *o, const char *conf)
{
	char log[4096];
	pid_t pid;
	int fd, st;

	if (o->systemd) {
		/* The package's unit reads /etc/ferry/ferryd.conf. */
		if (strcmp(o->dir, "/etc/ferry") != 0) {
			fprintf(stderr,
			    "ferry-join: with systemd the config "
			    "must be in /etc/ferry (or use "
			    "--no-systemd)\n");
			return -1;
		}
		if (system("systemctl enable --now ferryd.service") != 0 ||
		    system("systemctl restart ferryd.service") != 0) {
			fprintf(stderr,
			    "ferry-join: systemctl could not start "
			    "ferryd.service\n");
			return -1;
		}
		return 0;
	}
	if (join_path(log, sizeof(log), o->dir, "ferryd.log") == -1)
		return -1;
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		setsid();
		if ((fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600)) !=
		    -1) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		if ((fd = open("/dev/null", O_RDONLY)) != -1)
			dup2(fd, 0);
		execl(o->ferryd, "ferryd", "-f", "-c", conf, (char *)NULL);
		_exit(127);
	}
	/* It stays in the background; it must not be dead already. */
	usleep(50000);
	if (waitpid(pid, &st, WNOHANG) == pid) {
		fprintf(
		    stderr, "ferry-join: ferryd exited at once; see %s\n", log);
		return -1;
	}
	return 0;
}

/* Put a on the device ifname (a /32 or /128), as ferryd does not. */
static int
join_addr_add(const char *ifname, const struct addr *a)
{
	struct ifreq ifr;
	int fd, rc = -1;

	if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;

		if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
			return -1;
		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
		sin->sin_family = AF_INET;
		sin->sin_addr = a->v4;
		if (ioctl(fd, SIOCSIFADDR, &ifr) == 0) {
			sin->sin_addr.s_addr = 0xffffffff;
			rc = ioctl(fd, SIOCSIFNETMASK, &ifr);
		}
		close(fd);
		return rc;
	}
	{
		struct in6_ifreq {
			struct in6_addr addr;
			uint32_t prefixlen;
			int ifindex;
		} r6;

		if ((fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
			return -1;
		memset(&r6, 0, sizeof(r6));
		r6.addr = a->v6;
		r6.prefixlen = 128;
		r6.ifindex = (int)if_nametoindex(ifname);
		rc = ioctl(fd, SIOCSIFADDR, &r6);
		if (rc == -1 && errno == EEXIST)
			rc = 0;
		close(fd);
		return rc;
	}
}

/* One ICMP echo to dst from src, answered within a second?  0 or -1. */
static int
join_ping_once(const struct addr *src, const struct addr *dst, uint16_t seq)
{
	struct sockaddr_in sin, from;
	struct icmphdr h;
	struct pollfd pfd;
	char buf[256];
	int fd, rc = -1;

	if (dst->family != AF_INET)
		return -1;
	/* A ping socket: no raw-socket privilege needed, replies matched. */
	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_ICMP)) ==
		-1 &&
	    (fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP)) == -1)
		return -1;
	memset(&from, 0, sizeof(from));
	from.sin_family = AF_INET;
	from.sin_addr = src->v4;
	if (src->family == AF_INET)
		bind(fd, (struct sockaddr *)&from, sizeof(from));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr = dst->v4;
	memset(&h, 0, sizeof(h));
	h.type = ICMP_ECHO;
	h.un.echo.id = htons((uint16_t)getpid());
	h.un.echo.sequence = htons(seq);
	{
		/* The checksum (raw sockets need it; ping sockets redo it). */
		uint32_t sum = 0;
		const uint16_t *w = (const uint16_t *)&h;
		size_t i;

		for (i = 0; i < sizeof(h) / 2; i++)
			sum += w[i];
		sum = (sum >> 16) + (sum & 0xffff);
		sum += sum >> 16;
		h.checksum = (uint16_t)~sum;
	}
	if (sendto(fd, &h, sizeof(h), 0, (struct sockaddr *)&sin,
		sizeof(sin)) == -1)
		goto out;
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (poll(&pfd, 1, 1000) == 1) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n >= (ssize_t)sizeof(h)) {
			rc = 0;
			break;
		}
	}
out:
	close(fd);
	return rc;
}

/*
 * Append the strings of list to *acc as "a", "b"; 0 or -1.  family 0:
 * every one; else only prefixes of that family.
 */
static int
join_list_append(char **acc, json_object *list, int family)
{
	const char *p;
	char *tmp;
	size_t i, n;

	n = list != NULL ? json_object_array_length(list) : 0;
	for (i = 0; i < n; i++) {
		p = json_object_get_string(json_object_array_get_idx(list, i));
		if (family != 0 &&
		    (strchr(p, ':') != NULL ? AF_INET6 : AF_INET) != family)
			continue;
		if (asprintf(&tmp, "%s%s\"%s\"", *acc != NULL ? *acc : "",
			*acc != NULL ? ", " : "", p) == -1)
			return -1;
		free(*acc);
		*acc = tmp;
	}
	return 0;
}

/*
 * The bgp section: iBGP to the gateway, which sends the cluster's pools
 * with itself as next hop; its routes become tunnels to it (overlay).
 * The VM announces nothing: it has no pools, and the gateway would not
 * take its routes anyway.
 */
static char *
join_config_bgp(json_object *r, json_object *gw)
{
	json_object *b;
	char *text;

	if (!json_object_object_get_ex(r, "bgp", &b) || jstr(b, "peer") == NULL)
		return strdup("");
	if (asprintf(&text,
		"bgp = {\n"
		"\tasn = %d;\n"
		"\tfib = false;\n"
		"\t# The gateway: the cluster's pools, learned live.\n"
		"\tneighbors = ( { address = \"%s\"; asn = %d;\n"
		"\t\tconnect-retry = 1;\n"
		"\t\toverlay = { vni = %d; mac = \"%s\"; }; } );\n"
		"};\n",
		json_object_get_int(json_object_object_get(b, "asn")),
		jstr(b, "peer"),
		json_object_get_int(json_object_object_get(b, "asn")),
		json_object_get_int(json_object_object_get(r, "vni")),
		jstr(gw, "mac")) == -1)
		return NULL;
	return text;
}

/* The ferryd config of the workload role, from the gateway's reply. */
static char *
join_config(const struct join_opts *o, json_object *r, const char *local)
{
	json_object *gw, *list = NULL, *vlist = NULL, *b;
	char *text = NULL, *pfx = NULL, *bgp = NULL, *vteps = NULL;
	const char *a4 = jstr(r, "ipv4");
	int other;

	if (!json_object_object_get_ex(r, "gateway", &gw) ||
	    !json_object_object_get_ex(r, "prefixes", &list) ||
	    jstr(gw, "endpoint") == NULL || jstr(gw, "mac") == NULL ||
	    jstr(r, "mac") == NULL)
		return NULL;
	json_object_object_get_ex(r, "vtep-prefixes", &vlist);
	/*
	 * With BGP the pools come from there, but only those of the
	 * underlay's family: a session over IPv4 carries no IPv6 route
	 * with a usable next hop.  The others, and the VTEP prefixes (no
	 * BGP routes at all), stay static.
	 */
	other = strchr(jstr(gw, "endpoint"), ':') != NULL ? AF_INET : AF_INET6;
	if (join_list_append(&pfx, vlist, 0) == -1 ||
	    join_list_append(&pfx, list,
		json_object_object_get_ex(r, "bgp", &b) ? other : 0) == -1 ||
	    (bgp = join_config_bgp(r, gw)) == NULL)
		goto out;
	if (pfx != NULL &&
	    asprintf(&vteps,
		"\t# The gateway: the cluster behind it.\n"
		"\tvteps = ( { name = \"gateway\"; endpoint = \"%s\";\n"
		"\t\tmac = \"%s\";\n"
		"\t\tprefixes = ( %s ); } );\n",
		jstr(gw, "endpoint"), jstr(gw, "mac"), pfx) == -1)
		goto out;
	if (asprintf(&text,
		"# Written by ferry-join for workload %s; ferry-join --leave "
		"undoes it.\n"
		"%s%s%s"
		"pid-file = \"%s/ferryd.pid\";\n"
		"control = { socket = \"%s/ferryd.sock\"; };\n"
		"overlay = {\n"
		"\tlocal = \"%s\";\n"
		"\tport = %d;\n"
		"\tvni = %d;\n"
		"\tmac = \"%s\";\n"
		"%s%s%s"
		"%s"
		"};\n"
		"%s",
		jstr(r, "name"), a4 != NULL ? "router-id = \"" : "",
		a4 != NULL ? a4 : "", a4 != NULL ? "\";\n" : "", o->rundir,
		o->rundir, local,
		json_object_get_int(json_object_object_get(gw, "port")),
		json_object_get_int(json_object_object_get(r, "vni")),
		jstr(r, "mac"), o->pin_dir != NULL ? "\tpin-dir = \"" : "",
		o->pin_dir != NULL ? o->pin_dir : "",
		o->pin_dir != NULL ? "\";\n" : "", vteps != NULL ? vteps : "",
		bgp) == -1)
		text = NULL;
out:
	free(vteps);
	free(bgp);
	free(pfx);
	return text;
}

/*
 * Remove what ferryd leaves behind on purpose (it keeps its device and
 * pinned maps across restarts): the device ferry0 and the pin directory.
 */
static void
join_unlink_device(const char *pin_dir)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
	} req;
	struct dirent *de;
	char path[4096];
	DIR *d;
	int fd;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = sizeof(req);
	req.nh.nlmsg_type = RTM_DELLINK;
	req.nh.nlmsg_flags = NLM_F_REQUEST;
	req.ifi.ifi_family = AF_UNSPEC;
	req.ifi.ifi_index = (int)if_nametoindex("ferry0");
	if (req.ifi.ifi_index != 0 &&
	    (fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)) !=
		-1) {
		(void)!send(fd, &req, sizeof(req), 0);
		close(fd);
	}
	if (pin_dir == NULL)
		pin_dir = "/sys/fs/bpf/ferry";
	if ((d = opendir(pin_dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", pin_dir, de->d_name) <
		    (int)sizeof(path))
			unlink(path);
	}
	closedir(d);
	rmdir(pin_dir);
}

static int
join_leave(const struct join_opts *o)
{
	char path[4096], *rec;
	json_object *r;
	pid_t pid;
	int i;

	if (join_path(path, sizeof(path), o->dir, "join.json") == -1 ||
	    (rec = join_read(path)) == NULL) {
		printf("ferry-join: not joined (no %s); nothing to do\n", path);
		return 0;
	}
	r = json_tokener_parse(rec);
	free(rec);
	if (o->systemd && strcmp(o->dir, "/etc/ferry") == 0)
		(void)!system("systemctl disable --now ferryd.service");
	else if ((pid = join_ferryd_pid(o->rundir)) != 0) {
		kill(pid, SIGTERM);
		for (i = 0; i < 50 && kill(pid, 0) == 0; i++)
			usleep(100000);
	}
	join_unlink_device(o->pin_dir);
	unlink(path);
	join_path(path, sizeof(path), o->dir, "ferryd.conf");
	unlink(path);
	printf("left the overlay: ferryd stopped, %s removed\n"
	       "on the gateway, free the name and its addresses with:\n"
	       "  ferryctl workload remove %s\n",
	    path, r != NULL && jstr(r, "name") ? jstr(r, "name") : "NAME");
	json_object_put(r);
	return 0;
}

static int
join_wait_ping(
    const struct join_opts *o, const struct addr *src, double deadline)
{
	struct addr dst;
	uint16_t seq = 1;

	if (o->ping == NULL)
		return 0;
	if (addr_parse(o->ping, &dst) == -1 || dst.family != AF_INET) {
		fprintf(stderr, "ferry-join: --ping: not an IPv4 address: %s\n",
		    o->ping);
		return -1;
	}
	while (now_s() < deadline) {
		if (join_ping_once(src, &dst, seq++) == 0)
			return 0;
		usleep(20000);
	}
	fprintf(stderr, "ferry-join: %s did not answer within %u s\n", o->ping,
	    o->timeout);
	return -1;
}

/*
 * The exchange with the gateway (docs/design.md): the request, the
 * pinned TLS session, the reply.  The parsed reply (a 200), or NULL
 * after saying why; *reply gets its text (the record of the join).
 */
static json_object *
join_enroll(const struct join_opts *o, const struct addr *gw, uint16_t port,
    const struct workload_token_parts *tp, const char *name, const char *la,
    char **reply)
{
	json_object *req, *r;
	char tok[WORKLOAD_TOKEN_ID_LEN + WORKLOAD_TOKEN_SECRET_LEN + 2];
	char *body;
	const char *s;
	int status;

	req = json_object_new_object();
	json_object_object_add(
	    req, "version", json_object_new_int(WORKLOAD_PROTO_VERSION));
	/* ID.SECRET only: the pin stays here. */
	snprintf(tok, sizeof(tok), "%s.%s", tp->id, tp->secret);
	json_object_object_add(req, "token", json_object_new_string(tok));
	json_object_object_add(req, "name", json_object_new_string(name));
	json_object_object_add(req, "endpoint", json_object_new_string(la));
	body = strdup(json_object_to_json_string_ext(req, 0));
	json_object_put(req);
	explicit_bzero(tok, sizeof(tok));
	if (body == NULL)
		return NULL;
	*reply = join_https(gw, port, tp->pin, body, o->timeout, &status);
	explicit_bzero(body, strlen(body));
	free(body);
	if (*reply == NULL)
		return NULL;
	if ((r = json_tokener_parse(*reply)) == NULL) {
		fprintf(stderr,
		    "ferry-join: the gateway's reply is not JSON (HTTP %d)\n",
		    status);
		return NULL;
	}
	if (status != 200) {
		s = jstr(r, "error");
		fprintf(stderr,
		    "ferry-join: the gateway refused: %s (HTTP %d)\n",
		    s != NULL ? s : "no reason given", status);
		json_object_put(r);
		return NULL;
	}
	return r;
}

static int
join_run(const struct join_opts *o)
{
	struct workload_token_parts tp;
	struct addr gw, local, a4, a6;
	char host[256], path[4096], conf[4096], la[ADDR_STRLEN];
	char *reply = NULL, *text = NULL, *old = NULL;
	json_object *r = NULL;
	const char *name = o->name, *s;
	uint16_t port;
	double deadline = now_s() + o->timeout;
	bool running, same;
	int rc = 1, i;

	if (workload_token_split(o->token, true, &tp) == -1) {
		fprintf(stderr,
		    "ferry-join: the token is not ID.SECRET.PIN "
		    "(as `ferryctl workload token create` prints "
		    "it)\n");
		return 2;
	}
	if (join_gateway(o->gateway, &gw, &port) == -1) {
		fprintf(stderr, "ferry-join: GATEWAY is ADDRESS[:PORT]: %s\n",
		    o->gateway);
		return 2;
	}
	if (name == NULL) {
		if (gethostname(host, sizeof(host)) == -1)
			return 1;
		host[sizeof(host) - 1] = '\0';
		name = host;
	}
	if (!workload_name_valid(name)) {
		fprintf(stderr,
		    "ferry-join: the name must be 1 to 63 "
		    "lower-case letters, digits, '-' or '.': %s "
		    "(use --name)\n",
		    name);
		return 2;
	}
	running = join_ferryd_pid(o->rundir) != 0;
	if (join_check_vm(4789, running) == -1)
		return 1;
	local = o->endpoint;
	if (local.family == 0 && join_local_addr(&gw, &local) == -1) {
		fprintf(stderr, "ferry-join: no route to the gateway %s\n",
		    o->gateway);
		return 1;
	}
	addr_fmt(&local, la, sizeof(la));

	if ((r = join_enroll(o, &gw, port, &tp, name, la, &reply)) == NULL)
		goto out;
	if ((text = join_config(o, r, la)) == NULL) {
		fprintf(stderr,
		    "ferry-join: the gateway's reply lacks what "
		    "the config needs\n");
		goto out;
	}
	if ((mkdir(o->dir, 0755) == -1 && errno != EEXIST) ||
	    (mkdir(o->rundir, 0750) == -1 && errno != EEXIST)) {
		fprintf(stderr, "ferry-join: mkdir %s: %s\n", o->dir,
		    strerror(errno));
		goto out;
	}
	join_path(conf, sizeof(conf), o->dir, "ferryd.conf");
	old = join_read(conf);
	same = old != NULL && strcmp(old, text) == 0;
	if (!same &&
	    (join_write(conf, text, 0644) == -1 ||
		join_path(path, sizeof(path), o->dir, "join.json") == -1 ||
		join_write(path, reply, 0600) == -1)) {
		fprintf(stderr, "ferry-join: cannot write %s: %s\n", conf,
		    strerror(errno));
		goto out;
	}
	if (same && running) {
		printf("already joined as %s: nothing changed\n", name);
		rc = 0;
		goto out;
	}
	if (running) {
		kill(join_ferryd_pid(o->rundir), SIGHUP);
	} else if (join_start_ferryd(o, conf) == -1) {
		goto out;
	}
	memset(&a4, 0, sizeof(a4));
	memset(&a6, 0, sizeof(a6));
	if ((s = jstr(r, "ipv4")) != NULL)
		addr_parse(s, &a4);
	if ((s = jstr(r, "ipv6")) != NULL)
		addr_parse(s, &a6);
	/* ferryd creates the device: wait for it, then add our addresses. */
	for (i = 0; if_nametoindex("ferry0") == 0; i++) {
		if (now_s() > deadline) {
			fprintf(stderr,
			    "ferry-join: ferryd did not create its "
			    "device ferry0; see %s/ferryd.log\n",
			    o->dir);
			goto out;
		}
		usleep(10000);
	}
	if ((a4.family != 0 && join_addr_add("ferry0", &a4) == -1 &&
		errno != EEXIST) ||
	    (a6.family != 0 && join_addr_add("ferry0", &a6) == -1)) {
		fprintf(stderr,
		    "ferry-join: cannot add the overlay address: "
		    "%s\n",
		    strerror(errno));
		goto out;
	}
	if (join_wait_ping(o, &a4, deadline) == -1)
		goto out;
	printf("joined the overlay as %s\n"
	       "  overlay address  %s%s%s\n"
	       "  gateway          %s (VNI %d)\n"
	       "  config           %s\n"
	       "  ferryd           %s\n"
	       "%s%s%s"
	       "undo: ferry-join --leave%s%s\n",
	    name, jstr(r, "ipv4") ? jstr(r, "ipv4") : "",
	    jstr(r, "ipv6") ? " " : "", jstr(r, "ipv6") ? jstr(r, "ipv6") : "",
	    o->gateway, json_object_get_int(json_object_object_get(r, "vni")),
	    conf, o->systemd ? "ferryd.service (systemd)" : "in the background",
	    o->ping ? "  reached          " : "", o->ping ? o->ping : "",
	    o->ping ? "\n" : "",
	    strcmp(o->dir, "/etc/ferry") != 0 ? " --config-dir " : "",
	    strcmp(o->dir, "/etc/ferry") != 0 ? o->dir : "");
	rc = 0;
out:
	json_object_put(r);
	free(old);
	free(text);
	free(reply);
	return rc;
}

int
main(int argc, char *argv[])
{
	struct join_opts o;

	if (join_parse_args(argc, argv, &o) == -1)
		return usage(stderr);
	if (o.leave)
		return join_leave(&o);
	if (gnutls_global_init() < 0)
		return 1;
	return join_run(&o);
}
