/* SPDX-License-Identifier: BSD-2-Clause */
/* The socket layer under BGP sessions (see bgp_sock.h). */
#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The kernel's header, not glibc's: glibc's struct tcp_info stops
 * before tcpi_min_rtt. */
#include <linux/tcp.h>

#include "bgp_rib.h"
#include "bgp_sock.h"
#include "log.h"

/*
 * The accept queue.  A node-role gateway that restarts sees every agent
 * of the cluster connect within a second; when the queue is full the
 * kernel drops SYNs and each client waits 1, 2, 4 ... s to retry, so a
 * queue smaller than the cluster turns a restart of 0.3 s into 30 s.
 * The kernel caps what we ask at net.core.somaxconn (4096 by default
 * since Linux 5.4, per network namespace); bgp_sock_listen logs the
 * limit when it is below this.
 */
#define BGP_LISTEN_BACKLOG 65535

#ifndef IPV6_MINHOPCOUNT
#define IPV6_MINHOPCOUNT 73
#endif

socklen_t
bgp_sock_sockaddr(
    const struct addr *a, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sin->sin_addr = a->v4;
		return sizeof(*sin);
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	sin6->sin6_addr = a->v6;
	return sizeof(*sin6);
}

int
bgp_sock_addr_from(const struct sockaddr *sa, struct addr *a)
{
	memset(a, 0, sizeof(*a));
	if (sa->sa_family == AF_INET) {
		a->family = AF_INET;
		a->v4 =
		    ((const struct sockaddr_in *)(const void *)sa)->sin_addr;
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 =
		    (const struct sockaddr_in6 *)(const void *)sa;

		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			a->family = AF_INET;
			memcpy(&a->v4, &sin6->sin6_addr.s6_addr[12], 4);
			return 0;
		}
		a->family = AF_INET6;
		a->v6 = sin6->sin6_addr;
		return 0;
	}
	return -1;
}

int
bgp_sock_rcvbuf_rtt(int fd, double rate, int min, int max)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	double want;
	int size;

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == -1)
		return -1;
	/* tcpi_min_rtt is in microseconds; 0 when the kernel has none. */
	want = (double)ti.tcpi_min_rtt / 1e6 * rate;
	size = want < min ? min : want > max ? max : (int)want;
	/* Past net.core.rmem_max only with CAP_NET_ADMIN. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) ==
		-1 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) == -1)
		return -1;
	return size;
}

/* RFC 2385 through Linux's TCP_MD5SIG. */
int
bgp_sock_md5(int fd, const struct addr *a, unsigned plen, const char *key)
{
	struct tcp_md5sig md;
	size_t klen = key != NULL ? strlen(key) : 0;
	int opt = TCP_MD5SIG;

	memset(&md, 0, sizeof(md));
	if (klen > TCP_MD5SIG_MAXKEYLEN) {
		log_err("bgp: tcp-md5 password too long: max=%d",
		    TCP_MD5SIG_MAXKEYLEN);
		errno = EINVAL;
		return -1;
	}
	bgp_sock_sockaddr(a, 0, (struct sockaddr_storage *)&md.tcpm_addr);
	if (plen < addr_bits(a->family)) {
		opt = TCP_MD5SIG_EXT;
		md.tcpm_flags = TCP_MD5SIG_FLAG_PREFIX;
		md.tcpm_prefixlen = (uint8_t)plen;
	}
	md.tcpm_keylen = (uint16_t)klen;
	if (klen > 0)
		memcpy(md.tcpm_key, key, klen);
	if (setsockopt(fd, IPPROTO_TCP, opt, &md, sizeof(md)) == -1) {
		/* Deleting a key that is not there is fine. */
		if (klen == 0 && errno == ENOENT)
			return 0;
		return -1;
	}
	return 0;
}

int
bgp_sock_ttl(int fd, int family, int ttl, int minttl)
{
	bool v6 = family == AF_INET6;

	if (setsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP,
		v6 ? IPV6_UNICAST_HOPS : IP_TTL, &ttl, sizeof(ttl)) == -1)
		return -1;
	if (minttl != 0 &&
	    setsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP,
		v6 ? IPV6_MINHOPCOUNT : IP_MINTTL, &minttl,
		sizeof(minttl)) == -1)
		return -1;
	return 0;
}

/* Say so when the namespace caps the accept queue low. */
static void
bgp_sock_check_somaxconn(const char *addr, uint16_t port)
{
	FILE *f = fopen("/proc/sys/net/core/somaxconn", "r");
	long v = -1;

	if (f == NULL)
		return;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	if (v >= 0 && v < 4096)
		log_warn("bgp: accept queue capped by net.core.somaxconn: "
			 "address=%s port=%u somaxconn=%ld",
		    addr, port, v);
}

int
bgp_sock_listen(const struct addr *a, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t sl = bgp_sock_sockaddr(a, port, &ss);
	char buf[ADDR_STRLEN];
	int fd, one = 1;

	addr_fmt(a, buf, sizeof(buf));
	fd = socket(a->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		log_err(
		    "bgp: socket: listen=%s error=%s", buf, strerror(errno));
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    (a->family == AF_INET6 &&
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) ==
		    -1) ||
	    /* What we send before a connection is accepted (the SYN-ACK)
	     * must pass a GTSM peer's check: TTL 255 (RFC 5082 3).  Each
	     * accepted connection then gets its neighbor's TTL. */
	    bgp_sock_ttl(fd, a->family, 255, 0) == -1 ||
	    bind(fd, (struct sockaddr *)&ss, sl) == -1 ||
	    listen(fd, BGP_LISTEN_BACKLOG) == -1) {
		log_err("bgp: cannot listen: address=%s port=%u error=%s", buf,
		    port, strerror(errno));
		close(fd);
		return -1;
	}
	bgp_sock_check_somaxconn(buf, port);
	return fd;
}

/*
 * The GTSM filter, one block per rule, in order:
 *
 *	for each 32-bit word of the rule's prefix:
 *		A = word of the source address [& mask]
 *		if A != prefix word: next rule
 *	A = TTL (hop limit)
 *	return A >= minttl ? accept : drop
 *
 * and "accept" at the end when no rule matched.  Offsets are from the
 * network header (SKF_NET_OFF), which works whatever layer the socket
 * sees the packet at (TCP: its own header).
 */
#define GTSM_ACCEPT 0xffffffffu

static int
gtsm_emit(struct sock_filter *prog, size_t max, size_t *n, struct sock_filter f)
{
	if (*n >= max)
		return -1;
	prog[(*n)++] = f;
	return 0;
}

int
bgp_gtsm_prog(int family, const struct bgp_gtsm_rule *rules, size_t nrules,
    struct sock_filter *prog, size_t max)
{
	bool v6 = family == AF_INET6;
	unsigned src_off = v6 ? 8 : 12, ttl_off = v6 ? 7 : 8;
	size_t n = 0, i;

	for (i = 0; i < nrules; i++) {
		const struct prefix *p = &rules[i].src;
		const uint8_t *bytes =
		    v6 ? p->addr.v6.s6_addr : (const uint8_t *)&p->addr.v4;
		unsigned words = (p->len + 31) / 32, w;
		size_t jeq[4], nj = 0, k;

		if (p->addr.family != family)
			continue;
		for (w = 0; w < words; w++) {
			unsigned bits = p->len - 32 * w;
			uint32_t mask =
			    bits >= 32 ? 0xffffffffu : ~0u << (32 - bits);
			uint32_t net;

			memcpy(&net, bytes + 4 * w, 4);
			net = ntohl(net) & mask;
			if (gtsm_emit(prog, max, &n,
				(struct sock_filter)BPF_STMT(
				    BPF_LD | BPF_W | BPF_ABS,
				    (uint32_t)SKF_NET_OFF + src_off + 4 * w)) ==
			    -1)
				return -1;
			if (mask != 0xffffffffu &&
			    gtsm_emit(prog, max, &n,
				(struct sock_filter)BPF_STMT(
				    BPF_ALU | BPF_AND | BPF_K, mask)) == -1)
				return -1;
			jeq[nj++] = n;
			if (gtsm_emit(prog, max, &n,
				(struct sock_filter)BPF_JUMP(
				    BPF_JMP | BPF_JEQ | BPF_K, net, 0, 0)) ==
			    -1)
				return -1;
		}
		if (gtsm_emit(prog, max, &n,
			(struct sock_filter)BPF_STMT(BPF_LD | BPF_B | BPF_ABS,
			    (uint32_t)SKF_NET_OFF + ttl_off)) == -1 ||
		    gtsm_emit(prog, max, &n,
			(struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K,
			    (uint32_t)rules[i].minttl, 0, 1)) == -1 ||
		    gtsm_emit(prog, max, &n,
			(struct sock_filter)BPF_STMT(
			    BPF_RET | BPF_K, GTSM_ACCEPT)) == -1 ||
		    gtsm_emit(prog, max, &n,
			(struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0)) == -1)
			return -1;
		/* A mismatch skips to the next rule's first instruction. */
		for (k = 0; k < nj; k++)
			prog[jeq[k]].jf = (uint8_t)(n - jeq[k] - 1);
	}
	if (gtsm_emit(prog, max, &n,
		(struct sock_filter)BPF_STMT(BPF_RET | BPF_K, GTSM_ACCEPT)) ==
	    -1)
		return -1;
	return (int)n;
}

int
bgp_sock_gtsm_filter(
    int fd, int family, const struct bgp_gtsm_rule *rules, size_t n)
{
	struct sock_filter prog[BPF_MAXINSNS];
	struct sock_fprog fp;
	int len;

	if (n == 0) {
		int unused = 0; /* the kernel wants an int, and ignores it */

		if (setsockopt(fd, SOL_SOCKET, SO_DETACH_FILTER, &unused,
			sizeof(unused)) == -1 &&
		    errno != ENOENT)
			return -1;
		return 0;
	}
	if ((len = bgp_gtsm_prog(family, rules, n, prog, BPF_MAXINSNS)) == -1) {
		errno = E2BIG;
		return -1;
	}
	fp.len = (unsigned short)len;
	fp.filter = prog;
	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof(fp));
}

void
bgp_sock_local_addrs(int fd, struct rib_peer_info *info)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct ifaddrs *ifa, *i;
	const char *ifname = NULL;
	struct addr local, a;

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == -1 ||
	    bgp_sock_addr_from((struct sockaddr *)&ss, &local) == -1)
		return;
	if (local.family == AF_INET)
		info->local4 = local;
	else if (IN6_IS_ADDR_LINKLOCAL(&local.v6))
		info->local6_ll = local;
	else
		info->local6 = local;
	if (getifaddrs(&ifa) == -1)
		return;
	for (i = ifa; i != NULL && ifname == NULL; i = i->ifa_next)
		if (i->ifa_addr != NULL &&
		    bgp_sock_addr_from(i->ifa_addr, &a) == 0 &&
		    addr_cmp(&a, &local) == 0)
			ifname = i->ifa_name;
	for (i = ifa; i != NULL && ifname != NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL || strcmp(i->ifa_name, ifname) != 0 ||
		    bgp_sock_addr_from(i->ifa_addr, &a) == -1)
			continue;
		if (a.family == AF_INET && info->local4.family == 0)
			info->local4 = a;
		else if (a.family == AF_INET6 && IN6_IS_ADDR_LINKLOCAL(&a.v6) &&
		    info->local6_ll.family == 0)
			info->local6_ll = a;
		else if (a.family == AF_INET6 &&
		    !IN6_IS_ADDR_LINKLOCAL(&a.v6) && info->local6.family == 0)
			info->local6 = a;
	}
	freeifaddrs(ifa);
}
