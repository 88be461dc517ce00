/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * swarm: N iBGP node agents connecting to one route reflector at once,
 * as a cluster sees a gateway restart.  One process, one epoll loop,
 * non-blocking sockets; agent i binds source address SRC + i and, once
 * Established, announces one /24 of its own (PFX + i * 256) with itself
 * as next hop.  A refused, reset or closed connection is retried after a
 * short backoff, as a real agent would (each such try is counted).
 *
 * It reports when all N were Established at the same time (the peer's
 * OPEN and KEEPALIVE received), when each had received the other N - 1
 * /24s with their owners as next hop (converged), and, with -m PID, the
 * daemon's VmRSS before the first connect and after convergence and its
 * VmHWM.  One line of key=value pairs on stdout; exit 0 when converged,
 * 1 on timeout, 2 on a usage or setup error.  A benchmark helper, so it
 * trusts its peer more than ferryd does: a malformed message just closes
 * the connection.
 */
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MSG_MAX	  4096
#define HOLD_TIME 90
#define KA_EVERY  30.0

enum agent_state {
	A_IDLE,
	A_CONNECTING,
	A_OPENSENT,
	A_OPENCONFIRM,
	A_EST
};

struct agent {
	int fd;
	enum agent_state st;
	uint32_t addr; /* host order */
	double retry_at;
	double last_ka;
	bool converged;
	uint32_t got;  /* distinct prefixes received */
	uint8_t *seen; /* bitmap over agents */
	size_t inlen;
	uint8_t in[MSG_MAX * 2];
	size_t outlen;
	uint8_t out[512];
};

static struct agent *agents;
static unsigned n_agents, n_est, n_conv, announce = 1;
static uint32_t src_base, dst_addr, pfx_base, asn = 65000;
static double backoff = 1.0;
static unsigned long retries, resets, syn_retrans, bad_nh;
static int ep;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long
proc_kb(int pid, const char *key)
{
	char path[64], line[256];
	size_t kl = strlen(key);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, kl) == 0 && line[kl] == ':') {
			v = strtol(line + kl + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

static size_t
msg_head(uint8_t *p, uint16_t len, uint8_t type)
{
	memset(p, 0xff, 16);
	p[16] = (uint8_t)(len >> 8);
	p[17] = (uint8_t)len;
	p[18] = type;
	return 19;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
out_put(struct agent *a, const uint8_t *p, size_t len)
{
	if (a->outlen + len <= sizeof(a->out)) {
		memcpy(a->out + a->outlen, p, len);
		a->outlen += len;
	}
}

/* OPEN: 4-octet AS, MP IPv4 unicast, route refresh (RFC 6793, 4760, 2918). */
static void
send_open(struct agent *a)
{
	uint8_t m[64], *p;
	size_t n = 19;
	uint8_t caps[] = { 2, 14, 1, 4, 0, 1, 0, 1, 2, 0, 65, 4, 0, 0, 0, 0 };

	put32(caps + 12, asn);
	p = m + 19;
	*p++ = 4;
	*p++ = (uint8_t)((asn > 65535 ? 23456 : asn) >> 8);
	*p++ = (uint8_t)(asn > 65535 ? 23456 : asn);
	*p++ = 0;
	*p++ = HOLD_TIME;
	put32(p, a->addr);
	p += 4;
	*p++ = sizeof(caps);
	memcpy(p, caps, sizeof(caps));
	p += sizeof(caps);
	n = (size_t)(p - m);
	msg_head(m, (uint16_t)n, 1);
	out_put(a, m, n);
}

static void
send_keepalive(struct agent *a)
{
	uint8_t m[19];

	msg_head(m, 19, 4);
	out_put(a, m, 19);
}

/* One /24 with ORIGIN IGP, empty AS_PATH, NEXT_HOP us, LOCAL_PREF 100. */
static void
send_update(struct agent *a)
{
	uint32_t pfx = pfx_base + (uint32_t)(a - agents) * 256;
	uint8_t m[64], *p = m + 19;
	uint8_t attrs[] = { 0x40, 1, 1, 0, 0x40, 2, 0, 0x40, 3, 4, 0, 0, 0, 0,
		0x40, 5, 4, 0, 0, 0, 100 };
	size_t n;

	put32(attrs + 10, a->addr);
	*p++ = 0;
	*p++ = 0;
	*p++ = 0;
	*p++ = sizeof(attrs);
	memcpy(p, attrs, sizeof(attrs));
	p += sizeof(attrs);
	*p++ = 24;
	*p++ = (uint8_t)(pfx >> 24);
	*p++ = (uint8_t)(pfx >> 16);
	*p++ = (uint8_t)(pfx >> 8);
	n = (size_t)(p - m);
	msg_head(m, (uint16_t)n, 2);
	out_put(a, m, n);
}

static void
flush(struct agent *a)
{
	ssize_t w;

	while (a->outlen > 0) {
		w = write(a->fd, a->out, a->outlen);
		if (w <= 0)
			break;
		memmove(a->out, a->out + w, a->outlen - (size_t)w);
		a->outlen -= (size_t)w;
	}
}

static void
agent_down(struct agent *a, double t)
{
	if (a->st == A_EST) {
		n_est--;
		resets++;
	}
	if (a->converged)
		n_conv--;
	if (a->fd != -1) {
		epoll_ctl(ep, EPOLL_CTL_DEL, a->fd, NULL);
		close(a->fd);
	}
	a->fd = -1;
	a->st = A_IDLE;
	a->converged = false;
	a->got = 0;
	a->inlen = a->outlen = 0;
	memset(a->seen, 0, (n_agents + 7) / 8);
	a->retry_at = t + backoff * (0.5 + (double)rand() / RAND_MAX);
	retries++;
}

static void
agent_connect(struct agent *a)
{
	struct sockaddr_in src = { .sin_family = AF_INET };
	struct sockaddr_in dst = { .sin_family = AF_INET };
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT };
	int fd, one = 1;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		perror("swarm: socket");
		exit(2);
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	src.sin_addr.s_addr = htonl(a->addr);
	dst.sin_addr.s_addr = htonl(dst_addr);
	dst.sin_port = htons(179);
	if (bind(fd, (struct sockaddr *)&src, sizeof(src)) == -1) {
		perror("swarm: bind");
		exit(2);
	}
	a->fd = fd;
	a->st = A_CONNECTING;
	ev.data.ptr = a;
	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	if (connect(fd, (struct sockaddr *)&dst, sizeof(dst)) == -1 &&
	    errno != EINPROGRESS)
		agent_down(a, now());
}

/* The prefixes of one UPDATE's NLRI; routes count only with their
 * owner as next hop. */
static int
agent_update(struct agent *a, const uint8_t *m, size_t len)
{
	size_t off = 19, wl, al, end;
	uint32_t nh = 0;

	if (len < 23)
		return -1;
	wl = (size_t)m[19] << 8 | m[20];
	off = 21 + wl;
	if (off + 2 > len)
		return -1;
	al = (size_t)m[off] << 8 | m[off + 1];
	off += 2;
	end = off + al;
	if (end > len)
		return -1;
	while (off + 3 <= end) {
		uint8_t fl = m[off], ty = m[off + 1];
		size_t l, h = (fl & 0x10) ? 4 : 3;

		if (off + h > end)
			return -1;
		l = (fl & 0x10) ? ((size_t)m[off + 2] << 8 | m[off + 3])
				: m[off + 2];
		if (off + h + l > end)
			return -1;
		if (ty == 3 && l == 4)
			nh = get32(m + off + h);
		off += h + l;
	}
	off = end;
	while (off < len) {
		uint8_t pl = m[off];
		size_t nb = (pl + 7u) / 8;
		uint32_t p = 0, idx;
		size_t k;

		if (pl > 32 || off + 1 + nb > len)
			return -1;
		for (k = 0; k < nb; k++)
			p |= (uint32_t)m[off + 1 + k] << (24 - 8 * k);
		off += 1 + nb;
		if (pl != 24 || p < pfx_base)
			continue;
		idx = (p - pfx_base) >> 8;
		if (idx >= n_agents || (a->seen[idx / 8] & (1u << idx % 8)))
			continue;
		if (nh != agents[idx].addr) {
			bad_nh++;
			continue;
		}
		a->seen[idx / 8] |= (uint8_t)(1u << idx % 8);
		a->got++;
	}
	return 0;
}

static void
agent_check_conv(struct agent *a)
{
	uint32_t want = announce ? n_agents - 1 : 0;

	if (!a->converged && a->st == A_EST && a->got >= want) {
		a->converged = true;
		n_conv++;
	}
}

static int
agent_msg(struct agent *a, const uint8_t *m, size_t len)
{
	switch (m[18]) {
	case 1: /* OPEN */
		if (a->st != A_OPENSENT)
			return -1;
		send_keepalive(a);
		a->st = A_OPENCONFIRM;
		break;
	case 4: /* KEEPALIVE */
		if (a->st == A_OPENCONFIRM) {
			a->st = A_EST;
			n_est++;
			if (announce)
				send_update(a);
		}
		break;
	case 2: /* UPDATE */
		if (a->st != A_EST || agent_update(a, m, len) == -1)
			return -1;
		break;
	default: /* NOTIFICATION, anything else */
		return -1;
	}
	agent_check_conv(a);
	return 0;
}

static void
agent_read(struct agent *a, double t)
{
	ssize_t r;
	size_t off, len;

	for (;;) {
		r = read(a->fd, a->in + a->inlen, sizeof(a->in) - a->inlen);
		if (r == -1 && (errno == EAGAIN || errno == EINTR))
			break;
		if (r <= 0) {
			agent_down(a, t);
			return;
		}
		a->inlen += (size_t)r;
		off = 0;
		while (a->inlen - off >= 19) {
			len = (size_t)a->in[off + 16] << 8 | a->in[off + 17];
			if (len < 19 || len > MSG_MAX) {
				agent_down(a, t);
				return;
			}
			if (a->inlen - off < len)
				break;
			if (agent_msg(a, a->in + off, len) == -1) {
				agent_down(a, t);
				return;
			}
			off += len;
		}
		memmove(a->in, a->in + off, a->inlen - off);
		a->inlen -= off;
	}
	flush(a);
}

static void
agent_event(struct agent *a, uint32_t events, double t)
{
	if (a->st == A_CONNECTING) {
		int err = 0;
		socklen_t sl = sizeof(err);
		struct tcp_info ti;
		socklen_t tl = sizeof(ti);
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = a };

		if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			return;
		getsockopt(a->fd, SOL_SOCKET, SO_ERROR, &err, &sl);
		if (err != 0) {
			agent_down(a, t);
			return;
		}
		memset(&ti, 0, sizeof(ti));
		if (getsockopt(a->fd, IPPROTO_TCP, TCP_INFO, &ti, &tl) == 0)
			syn_retrans += ti.tcpi_total_retrans;
		epoll_ctl(ep, EPOLL_CTL_MOD, a->fd, &ev);
		a->st = A_OPENSENT;
		a->last_ka = t;
		send_open(a);
		flush(a);
	}
	agent_read(a, t);
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: swarm -n N -s FIRST_SRC -d DAEMON [-p PREFIX_BASE] "
	    "[-a ASN] [-0] [-t TIMEOUT] [-b BACKOFF] [-m PID] [-w SECONDS]\n");
	exit(2);
}

static uint32_t
parse_v4(const char *s)
{
	struct in_addr in;

	if (inet_pton(AF_INET, s, &in) != 1)
		usage();
	return ntohl(in.s_addr);
}

int
main(int argc, char **argv)
{
	double timeout = 60, t0, t, t_est = -1, t_conv = -1, wait_after = 0;
	long rss0 = -1, rss1 = -1, hwm = -1;
	struct epoll_event evs[256];
	struct rlimit rl;
	unsigned i;
	int c, pid = 0, k, n;

	pfx_base = parse_v4("10.128.0.0");
	while ((c = getopt(argc, argv, "n:s:d:p:a:0t:b:m:w:")) != -1) {
		switch (c) {
		case 'n':
			n_agents = (unsigned)atoi(optarg);
			break;
		case 's':
			src_base = parse_v4(optarg);
			break;
		case 'd':
			dst_addr = parse_v4(optarg);
			break;
		case 'p':
			pfx_base = parse_v4(optarg);
			break;
		case 'a':
			asn = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case '0':
			announce = 0;
			break;
		case 't':
			timeout = atof(optarg);
			break;
		case 'b':
			backoff = atof(optarg);
			break;
		case 'm':
			pid = atoi(optarg);
			break;
		case 'w':
			wait_after = atof(optarg);
			break;
		default:
			usage();
		}
	}
	if (n_agents == 0 || src_base == 0 || dst_addr == 0)
		usage();
	rl.rlim_cur = rl.rlim_max = n_agents + 64;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max < n_agents + 64)
		rl.rlim_max = n_agents + 64;
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		perror("swarm: epoll");
		return 2;
	}
	agents = calloc(n_agents, sizeof(*agents));
	if (agents == NULL)
		return 2;
	srand((unsigned)getpid());
	if (pid != 0)
		rss0 = proc_kb(pid, "VmRSS");
	t0 = now();
	for (i = 0; i < n_agents; i++) {
		agents[i].addr = src_base + i;
		agents[i].fd = -1;
		agents[i].seen = calloc((n_agents + 7) / 8, 1);
		if (agents[i].seen == NULL)
			return 2;
	}
	for (i = 0; i < n_agents; i++)
		agent_connect(&agents[i]);
	for (;;) {
		t = now();
		if (t_est < 0 && n_est == n_agents)
			t_est = t - t0;
		if (t_conv < 0 && n_conv == n_agents) {
			t_conv = t - t0;
			if (pid != 0) {
				rss1 = proc_kb(pid, "VmRSS");
				hwm = proc_kb(pid, "VmHWM");
			}
		}
		if (t_conv >= 0 && t - t0 >= t_conv + wait_after)
			break;
		if (t - t0 > timeout)
			break;
		for (i = 0; i < n_agents; i++) {
			struct agent *a = &agents[i];

			if (a->st == A_IDLE && t >= a->retry_at)
				agent_connect(a);
			else if (a->st >= A_OPENSENT &&
			    t - a->last_ka >= KA_EVERY) {
				a->last_ka = t;
				send_keepalive(a);
				flush(a);
			}
		}
		n = epoll_wait(ep, evs, 256, 20);
		t = now();
		for (k = 0; k < n; k++)
			agent_event(evs[k].data.ptr, evs[k].events, t);
	}
	/* Timed out: the memory at the end, for what it is worth. */
	if (pid != 0 && rss1 < 0) {
		rss1 = proc_kb(pid, "VmRSS");
		hwm = proc_kb(pid, "VmHWM");
	}
	printf("agents=%u established=%u converged=%u est_s=%.3f conv_s=%.3f "
	       "retries=%lu syn_retrans=%lu resets=%lu bad_nexthop=%lu "
	       "rss0_kb=%ld rss1_kb=%ld hwm_kb=%ld\n",
	    n_agents, n_est, n_conv, t_est, t_conv, retries, syn_retrans,
	    resets, bad_nh, rss0, rss1, hwm);
	return t_conv >= 0 ? 0 : 1;
}
