/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for bgp_sock.c.  The GTSM socket filter: the program is
 * attached to a real UDP socket on the loopback interface, and datagrams
 * are sent to it from the loopback address with chosen TTLs (hop
 * limits): the kernel runs the filter exactly as it does for a listening
 * TCP socket.  The receive buffer sizing of input pacing, on a TCP
 * connection over loopback.  Loopback only; nothing leaves the host.
 */
#include <sys/socket.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "bgp_sock.h"

struct pair {
	int family;
	int rx, tx;
	struct sockaddr_storage to;
	socklen_t tolen;
};

static void
pair_open(struct pair *p, int family)
{
	struct addr lo;
	socklen_t sl;

	memset(p, 0, sizeof(*p));
	p->family = family;
	assert_int_equal(
	    addr_parse(family == AF_INET ? "127.0.0.1" : "::1", &lo), 0);
	p->rx = socket(family, SOCK_DGRAM, 0);
	p->tx = socket(family, SOCK_DGRAM, 0);
	assert_true(p->rx >= 0 && p->tx >= 0);
	sl = bgp_sock_sockaddr(&lo, 0, &p->to);
	if (bind(p->rx, (struct sockaddr *)&p->to, sl) == -1)
		skip(); /* no loopback address of this family */
	p->tolen = sizeof(p->to);
	assert_int_equal(
	    getsockname(p->rx, (struct sockaddr *)&p->to, &p->tolen), 0);
}

static void
pair_close(struct pair *p)
{
	close(p->rx);
	close(p->tx);
}

/* Send one datagram with ttl; did it arrive? */
static bool
pass(struct pair *p, int ttl)
{
	char buf[8];
	struct timeval tv = { 0, 200000 };
	ssize_t n;

	assert_int_equal(bgp_sock_ttl(p->tx, p->family, ttl, 0), 0);
	assert_int_equal(
	    sendto(p->tx, "gtsm", 4, 0, (struct sockaddr *)&p->to, p->tolen),
	    4);
	assert_int_equal(
	    setsockopt(p->rx, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	n = recv(p->rx, buf, sizeof(buf), 0);
	if (n == -1) {
		assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
		return false;
	}
	assert_int_equal(n, 4);
	return true;
}

static struct bgp_gtsm_rule
rule(const char *prefix, int minttl)
{
	struct bgp_gtsm_rule r;

	memset(&r, 0, sizeof(r));
	assert_int_equal(prefix_parse(prefix, &r.src, true), 0);
	r.minttl = minttl;
	return r;
}

static void
check_family(int family, const char *self, const char *range, const char *other,
    const char *other_range)
{
	struct pair p;
	struct bgp_gtsm_rule rules[3];

	pair_open(&p, family);
	/* No filter: anything passes. */
	assert_true(pass(&p, 1));

	/* GTSM for ourselves: only 255 gets in. */
	rules[0] = rule(self, 255);
	assert_int_equal(bgp_sock_gtsm_filter(p.rx, family, rules, 1), 0);
	assert_true(pass(&p, 255));
	assert_false(pass(&p, 254));
	assert_false(pass(&p, 64));
	assert_false(pass(&p, 1));

	/* Two hops away: 254 is fine, 253 is not. */
	rules[0] = rule(self, 254);
	assert_int_equal(bgp_sock_gtsm_filter(p.rx, family, rules, 1), 0);
	assert_true(pass(&p, 254));
	assert_false(pass(&p, 253));

	/* A rule for somebody else does not apply to us. */
	rules[0] = rule(other, 255);
	assert_int_equal(bgp_sock_gtsm_filter(p.rx, family, rules, 1), 0);
	assert_true(pass(&p, 1));

	/* A covering range applies; a prefix beside us does not. */
	rules[0] = rule(other_range, 255);
	rules[1] = rule(range, 255);
	assert_int_equal(bgp_sock_gtsm_filter(p.rx, family, rules, 2), 0);
	assert_false(pass(&p, 64));
	assert_true(pass(&p, 255));

	/* The first match decides: a neighbor without GTSM (minttl 0)
	 * inside a range with it. */
	rules[0] = rule(self, 0);
	rules[1] = rule(range, 255);
	assert_int_equal(bgp_sock_gtsm_filter(p.rx, family, rules, 2), 0);
	assert_true(pass(&p, 1));

	/* Rules of the other family are ignored. */
	rules[0] = rule(family == AF_INET ? "::/0" : "0.0.0.0/0", 255);
	assert_int_equal(bgp_sock_gtsm_filter(p.rx, family, rules, 1), 0);
	assert_true(pass(&p, 1));

	/* Removed: anything passes again. */
	rules[0] = rule(self, 255);
	assert_int_equal(bgp_sock_gtsm_filter(p.rx, family, rules, 1), 0);
	assert_false(pass(&p, 1));
	assert_int_equal(bgp_sock_gtsm_filter(p.rx, family, NULL, 0), 0);
	assert_true(pass(&p, 1));
	pair_close(&p);
}

static void
test_gtsm_ipv4(void **state)
{
	(void)state;
	check_family(AF_INET, "127.0.0.1/32", "127.0.0.0/8", "127.0.0.2/32",
	    "10.0.0.0/8");
}

static void
test_gtsm_ipv6(void **state)
{
	(void)state;
	check_family(AF_INET6, "::1/128", "::/96", "::2/128", "2001:db8::/32");
}

/* Too many rules for one classic BPF program: refused, not truncated. */
static void
test_gtsm_too_long(void **state)
{
	static struct bgp_gtsm_rule rules[2000];
	struct sock_filter prog[BPF_MAXINSNS];
	size_t i;
	int len;

	(void)state;
	for (i = 0; i < 2000; i++)
		rules[i] = rule("2001:db8::1/128", 255);
	assert_int_equal(
	    bgp_gtsm_prog(AF_INET6, rules, 2000, prog, BPF_MAXINSNS), -1);
	/* An IPv6 /128 rule is 4 x (load, compare) + 4; plus the final
	 * accept. */
	len = bgp_gtsm_prog(AF_INET6, rules, 10, prog, BPF_MAXINSNS);
	assert_int_equal(len, 10 * 12 + 1);
	/* A /0 rule needs no address words. */
	rules[0] = rule("0.0.0.0/0", 255);
	assert_int_equal(
	    bgp_gtsm_prog(AF_INET, rules, 1, prog, BPF_MAXINSNS), 5);
}

static int
rcvbuf(int fd)
{
	int v = 0;
	socklen_t len = sizeof(v);

	assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &len), 0);
	return v;
}

static void
test_rcvbuf_rtt(void **state)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sin);
	int l, c, a, udp, small;

	(void)state;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	c = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(l >= 0 && c >= 0);
	assert_int_equal(bind(l, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(l, 1), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&sin, &sl), 0);
	assert_int_equal(connect(c, (struct sockaddr *)&sin, sizeof(sin)), 0);
	a = accept(l, NULL, NULL);
	assert_true(a >= 0);
	/* A round trip each way, so both ends have measured one. */
	assert_int_equal(write(c, "x", 1), 1);
	assert_int_equal(read(a, (char[1]){ 0 }, 1), 1);
	assert_int_equal(write(a, "y", 1), 1);
	assert_int_equal(read(c, (char[1]){ 0 }, 1), 1);

	/* Loopback's round trip at a byte a second: the floor. */
	assert_int_equal(bgp_sock_rcvbuf_rtt(a, 1, 16384, 1 << 20), 16384);
	small = rcvbuf(a);
	/* The kernel doubles what it is given, for its own overhead. */
	assert_true(small >= 16384 && small <= 2 * 16384);
	/* At an absurd rate: the ceiling. */
	assert_int_equal(bgp_sock_rcvbuf_rtt(c, 1e15, 16384, 1 << 20), 1 << 20);
	assert_true(rcvbuf(c) > small);
	/* Not a TCP socket. */
	udp = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(udp >= 0);
	assert_int_equal(bgp_sock_rcvbuf_rtt(udp, 1e6, 16384, 1 << 20), -1);
	close(udp);
	close(a);
	close(c);
	close(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gtsm_ipv4),
		cmocka_unit_test(test_gtsm_ipv6),
		cmocka_unit_test(test_gtsm_too_long),
		cmocka_unit_test(test_rcvbuf_rtt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
