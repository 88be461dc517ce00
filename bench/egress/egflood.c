// SPDX-License-Identifier: BSD-2-Clause
/*
 * Load generator for bench/egress: IPv4 UDP datagrams whose source
 * address and port the generator chooses, sent over several paths
 * ("sides") in alternation, so that the paths are compared under the
 * same conditions (the reasoning is bench/overlay/flood.c's, whose
 * connected sockets cannot choose ever-new source ports: hence a raw
 * socket here).
 *
 *   egflood udp FLOWS SECONDS WARMUP SLICE_MS MAXPKTS TX_CPU RX_CPU SIDE...
 *   egflood new 0     SECONDS WARMUP SLICE_MS MAXPKTS TX_CPU RX_CPU SIDE...
 *   SIDE = NAME:TX_NETNS:RX_NETNS:SRC:DST
 *
 * udp: FLOWS flows, source ports 10000 .. 10000 + FLOWS - 1 from SRC,
 * taken in turn packet by packet.  new: every datagram a flow never seen
 * before: source port 10000 + k % 50000 from SRC + k / 50000 (k counts
 * the side's datagrams; SRC + 0 .. 199 must lie in one /24 the client
 * may send from).  Every datagram goes to DST port 9000, 64 bytes of
 * payload, UDP checksum 0 (none, RFC 768), the IP header completed by the
 * kernel (IP_HDRINCL).  A receiving socket bound to DST:9000 in RX_NETNS
 * counts what arrives.
 *
 * A sender thread on TX_CPU feeds the sides in turn, SLICE_MS each, in
 * the order A B C C B A A B ... : first for WARMUP seconds, not counted,
 * then until every side has had SECONDS / nsides or sent MAXPKTS in all
 * (0: no limit; new: the NAT tables hold MAXPKTS flows, so a full table
 * is never what is measured; warm-up datagrams count).  A receiver
 * thread on RX_CPU drains the receiving sockets and counts per side.
 * Over veth the path runs in softirq on the sender's CPU, so a rate is
 * one CPU's worth of the whole path, and the sender thread's CPU time
 * per datagram is its cost.
 *
 * Bounded: by the time above plus a hard deadline, by MAXPKTS, sends
 * that never block (MSG_DONTWAIT).  One line per side:
 *
 *   side=NAME tx=N rx=N wall=S cpu=S rate=R ns=N err=N
 *
 * rate is datagrams received per second of the side's measured slices.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <sys/socket.h>

#define UDP_PORT  9000
#define SPORT	  10000
#define NEW_PORTS 50000
#define NEW_ADDRS 200
#define PAYLOAD	  64
#define PKT_LEN	  (20 + 8 + PAYLOAD)
#define BATCH	  64
#define MAX_SIDES 4
#define RCVBUF	  (16 << 20)
#define NAME_LEN  32

struct side {
	char name[NAME_LEN];
	int tx_fd, rx_fd;
	struct sockaddr_in dst;
	uint32_t src; /* host order */
	uint64_t k;   /* datagrams built so far: the next tuple */
	uint64_t rx;  /* written by the receiver only */
	uint64_t tx, err, rx0;
	double wall, cpu;
};

static struct side sides[MAX_SIDES];
static int nsides, new_mode, rx_cpu;
static uint32_t flows;
static uint64_t max_pkts;
static volatile int rx_stop;
static double deadline;

static double
clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
egflood_pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static int
egflood_netns(const char *name)
{
	char path[256];
	int fd, rc;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "egflood: %s: %s\n", path, strerror(errno));
		return -1;
	}
	rc = setns(fd, CLONE_NEWNET);
	if (rc < 0)
		fprintf(
		    stderr, "egflood: setns %s: %s\n", name, strerror(errno));
	close(fd);
	return rc;
}

/* "NAME:TX_NETNS:RX_NETNS:SRC:DST" -> both sockets of one side. */
static int
egflood_side_open(struct side *s, char *spec, int home)
{
	char *name = strtok(spec, ":"), *txns = strtok(NULL, ":"),
	     *rxns = strtok(NULL, ":"), *src = strtok(NULL, ":"),
	     *dst = strtok(NULL, ":");
	int rcvbuf = RCVBUF, rc = -1;
	struct in_addr a;

	if (!name || !txns || !rxns || !src || !dst ||
	    inet_pton(AF_INET, src, &a) != 1) {
		fprintf(stderr, "egflood: bad side\n");
		return -1;
	}
	memset(s, 0, sizeof(*s));
	s->tx_fd = s->rx_fd = -1;
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->src = ntohl(a.s_addr);
	s->dst.sin_family = AF_INET;
	s->dst.sin_port = htons(UDP_PORT);
	if (inet_pton(AF_INET, dst, &s->dst.sin_addr) != 1) {
		fprintf(stderr, "egflood: bad address %s\n", dst);
		return -1;
	}
	if (egflood_netns(rxns) < 0)
		goto out;
	s->rx_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (s->rx_fd < 0 ||
	    bind(s->rx_fd, (struct sockaddr *)&s->dst, sizeof(s->dst)) < 0) {
		perror("egflood: receiving socket");
		goto out;
	}
	setsockopt(
	    s->rx_fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
	if (egflood_netns(txns) < 0)
		goto out;
	/* IPPROTO_RAW: the header is ours (IP_HDRINCL). */
	s->tx_fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (s->tx_fd < 0) {
		perror("egflood: raw socket");
		goto out;
	}
	rc = 0;
out:
	if (setns(home, CLONE_NEWNET) < 0)
		rc = -1;
	return rc;
}

/* Datagram number s->k of side s, into b. */
static void
egflood_build(struct side *s, uint8_t *b)
{
	struct iphdr *ip = (struct iphdr *)b;
	struct udphdr *udp = (struct udphdr *)(b + 20);
	uint32_t src = s->src;
	uint16_t sport;

	if (new_mode) {
		sport = (uint16_t)(SPORT + s->k % NEW_PORTS);
		src += (uint32_t)(s->k / NEW_PORTS % NEW_ADDRS);
	} else {
		sport = (uint16_t)(SPORT + s->k % flows);
	}
	s->k++;
	memset(b, 0, 28);
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->saddr = htonl(src);
	ip->daddr = s->dst.sin_addr.s_addr;
	/* tot_len, id and check are the kernel's (raw(7)). */
	udp->source = htons(sport);
	udp->dest = htons(UDP_PORT);
	udp->len = htons(8 + PAYLOAD);
	memset(b + 28, 0x5a, PAYLOAD);
}

/* One slice of side s until t_end or its budget; counts if measuring. */
static void
egflood_slice(struct side *s, double t_end, int measure)
{
	static uint8_t pkt[BATCH][PKT_LEN];
	struct mmsghdr msg[BATCH];
	struct iovec iov[BATCH];
	double w0 = clock_s(CLOCK_MONOTONIC);
	double c0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
	int i, n, sent;

	memset(msg, 0, sizeof(msg));
	while (clock_s(CLOCK_MONOTONIC) < t_end && s->k < max_pkts) {
		n = BATCH;
		if (s->k + (uint64_t)n > max_pkts)
			n = (int)(max_pkts - s->k);
		for (i = 0; i < n; i++) {
			egflood_build(s, pkt[i]);
			iov[i].iov_base = pkt[i];
			iov[i].iov_len = PKT_LEN;
			msg[i].msg_hdr.msg_iov = &iov[i];
			msg[i].msg_hdr.msg_iovlen = 1;
			msg[i].msg_hdr.msg_name = &s->dst;
			msg[i].msg_hdr.msg_namelen = sizeof(s->dst);
		}
		sent = sendmmsg(s->tx_fd, msg, (unsigned)n, MSG_DONTWAIT);
		if (sent < 0)
			sent = 0;
		if (measure) {
			s->tx += (uint64_t)sent;
			s->err += (uint64_t)(n - sent);
		}
	}
	if (measure) {
		s->wall += clock_s(CLOCK_MONOTONIC) - w0;
		s->cpu += clock_s(CLOCK_THREAD_CPUTIME_ID) - c0;
	}
}

static void *
egflood_rx(void *arg)
{
	struct pollfd pfd[MAX_SIDES];
	static char buf[BATCH][PAYLOAD + 64];
	struct mmsghdr msg[BATCH];
	struct iovec iov[BATCH];
	int i, j, n;

	(void)arg;
	egflood_pin(rx_cpu);
	memset(msg, 0, sizeof(msg));
	for (j = 0; j < BATCH; j++) {
		iov[j].iov_base = buf[j];
		iov[j].iov_len = sizeof(buf[j]);
		msg[j].msg_hdr.msg_iov = &iov[j];
		msg[j].msg_hdr.msg_iovlen = 1;
	}
	for (i = 0; i < nsides; i++) {
		pfd[i].fd = sides[i].rx_fd;
		pfd[i].events = POLLIN;
	}
	while (!rx_stop && clock_s(CLOCK_MONOTONIC) < deadline) {
		if (poll(pfd, (nfds_t)nsides, 50) <= 0)
			continue;
		for (i = 0; i < nsides; i++)
			while ((n = recvmmsg(sides[i].rx_fd, msg, BATCH,
				    MSG_DONTWAIT, NULL)) > 0)
				__atomic_add_fetch(&sides[i].rx, (uint64_t)n,
				    __ATOMIC_RELAXED);
	}
	return NULL;
}

static int
egflood_num(const char *s, double lo, double hi, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	if (errno || end == s || *end || *out < lo || *out > hi) {
		fprintf(stderr, "egflood: bad number '%s'\n", s);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	double secs, warm, slice, maxp, txc, rxc, fl, t, share;
	int home, i, round, tx_cpu, dir;
	pthread_t rx;

	if (argc < 10 || argc > 9 + MAX_SIDES ||
	    (strcmp(argv[1], "udp") && strcmp(argv[1], "new")) ||
	    egflood_num(argv[2], 0, 65535 - SPORT, &fl) ||
	    egflood_num(argv[3], 0.01, 600, &secs) ||
	    egflood_num(argv[4], 0, 60, &warm) ||
	    egflood_num(argv[5], 1, 1000, &slice) ||
	    egflood_num(argv[6], 0, 1e12, &maxp) ||
	    egflood_num(argv[7], 0, 1023, &txc) ||
	    egflood_num(argv[8], 0, 1023, &rxc)) {
		fprintf(stderr,
		    "usage: egflood udp|new FLOWS SECONDS WARMUP SLICE_MS "
		    "MAXPKTS TX_CPU RX_CPU NAME:TXNS:RXNS:SRC:DST...\n");
		return 2;
	}
	new_mode = !strcmp(argv[1], "new");
	flows = (uint32_t)fl;
	if (!new_mode && flows == 0)
		flows = 1;
	max_pkts = maxp > 0 ? (uint64_t)maxp : UINT64_MAX;
	tx_cpu = (int)txc;
	rx_cpu = (int)rxc;
	home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (home < 0)
		return 1;
	for (i = 9; i < argc; i++)
		if (egflood_side_open(&sides[nsides++], argv[i], home) < 0)
			return 1;
	deadline = clock_s(CLOCK_MONOTONIC) + warm + secs * 2 + 10;
	if (pthread_create(&rx, NULL, egflood_rx, NULL))
		return 1;
	egflood_pin(tx_cpu);
	slice /= 1000;
	/* Warm-up: every side in turn, not counted. */
	t = clock_s(CLOCK_MONOTONIC) + warm;
	while (clock_s(CLOCK_MONOTONIC) < t)
		for (i = 0; i < nsides; i++)
			egflood_slice(
			    &sides[i], clock_s(CLOCK_MONOTONIC) + slice, 0);
	usleep(100000);
	for (i = 0; i < nsides; i++)
		sides[i].rx0 = __atomic_load_n(&sides[i].rx, __ATOMIC_RELAXED);
	share = secs / nsides;
	for (round = 0;; round++) {
		int busy = 0;

		for (dir = 0; dir < nsides; dir++) {
			struct side *s =
			    &sides[round % 2 ? nsides - 1 - dir : dir];

			if (s->wall >= share || s->k >= max_pkts)
				continue;
			busy = 1;
			egflood_slice(s, clock_s(CLOCK_MONOTONIC) + slice, 1);
		}
		if (!busy || clock_s(CLOCK_MONOTONIC) > deadline)
			break;
	}
	usleep(200000); /* what is still in flight */
	rx_stop = 1;
	pthread_join(rx, NULL);
	for (i = 0; i < nsides; i++) {
		struct side *s = &sides[i];
		uint64_t got = s->rx - s->rx0;

		printf("side=%s tx=%llu rx=%llu wall=%.3f cpu=%.3f rate=%.0f "
		       "ns=%.0f err=%llu\n",
		    s->name, (unsigned long long)s->tx, (unsigned long long)got,
		    s->wall, s->cpu, s->wall > 0 ? (double)got / s->wall : 0,
		    s->tx ? s->cpu * 1e9 / (double)s->tx : 0,
		    (unsigned long long)s->err);
	}
	return 0;
}
