// SPDX-License-Identifier: BSD-2-Clause
/*
 * Load generator for bench/overlay: UDP packets or a TCP stream, sent
 * over several paths ("sides") in alternation, so that the paths are
 * compared under the same conditions.
 *
 *   flood udp PAYLOAD SECONDS WARMUP SLICE_MS TX_CPU RX_CPU SIDE...
 *   flood tcp 0       SECONDS WARMUP SLICE_MS TX_CPU RX_CPU SIDE...
 *   SIDE = NAME:TX_NETNS:RX_NETNS:ADDR
 *
 * For each side a receiving socket is opened in RX_NETNS and a sending
 * one in TX_NETNS, connected to ADDR (network namespaces by their name
 * under /run/netns).  A sender thread on TX_CPU then feeds the sides in
 * turn, SLICE_MS each, in the order A B B A A B ... (forward, backward):
 * first for WARMUP seconds that are not counted, then until every side
 * has had SECONDS/nsides.  A receiver thread on RX_CPU drains all the
 * receiving sockets meanwhile and counts per side.
 *
 * Why interleave: on a small shared VM other work comes and goes on a
 * scale of seconds and changes the cost of a packet by tens of percent,
 * so two paths measured one after the other differ by whatever the
 * machine did in between.  Slices of milliseconds, alternated hundreds
 * of times, expose every side to the same disturbance.
 *
 * UDP: sendmmsg() batches on a connected socket, so the kernel path (the
 * veths, both vxlan devices and the gateway between them) limits the
 * rate, not system calls.  Over veth that whole path runs in softirq on
 * the sending CPU, in the sender's context: the rate is one CPU's worth
 * of forwarding, and the sender thread's CPU time (CLOCK_THREAD_CPUTIME_ID,
 * which includes softirq work done in its context on kernels without IRQ
 * time accounting) divided by the packets is the cost of one packet
 * along the whole path.
 *
 * TCP: 64 KiB writes; TCP_NOTSENT_LOWAT keeps what is queued but unsent
 * small, so little of one side's data is still moving during the next
 * side's slice (bytes are counted per side wherever they move; only the
 * time they are divided by could be off, by a small symmetric amount).
 *
 * Bounded: the sender stops after the time above (plus a hard deadline)
 * or MAX_PKTS / MAX_BYTES per side; sends time out after SNDTIMEO_MS;
 * the receiver stops when told or at the deadline.  One line per side:
 *
 *   side=NAME tx=PKTS|BYTES rx=PKTS|BYTES wall=S cpu=S rate=R ns=N err=N
 *
 * rate is received packets per second (udp) or Gbit/s (tcp); ns is
 * sender CPU per packet sent (udp only).
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
#include <netinet/tcp.h>
#include <sys/socket.h>

#define UDP_PORT    9000
#define TCP_PORT    9001
#define BATCH	    64
#define MAX_SIDES   5
#define MAX_PAYLOAD 9000
#define MAX_PKTS    1000000000ULL /* per side, udp */
#define MAX_BYTES   (1ULL << 40)  /* per side, tcp */
#define TCP_CHUNK   (64 << 10)
#define TCP_LOWAT   (128 << 10)
#define RCVBUF	    (8 << 20)
#define SNDTIMEO_MS 200
#define NAME_LEN    32

struct side {
	char name[NAME_LEN];
	int tx_fd, rx_fd;
	uint64_t rx; /* packets or bytes; written by the receiver only */
	/* the measured part only: */
	uint64_t tx, tx_err, rx0;
	double wall, cpu;
};

static struct side sides[MAX_SIDES];
static int nsides, tcp, rx_cpu;
static volatile int rx_stop;
static double deadline;
static uint64_t max_tx; /* MAX_PKTS or MAX_BYTES */
static char txbuf[TCP_CHUNK > MAX_PAYLOAD ? TCP_CHUNK : MAX_PAYLOAD];

static double
clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
flood_pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static int
flood_num(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "flood: bad number '%s' (%g..%g)\n", s, lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

/* Enter network namespace NAME (from /run/netns). */
static int
flood_netns(const char *name)
{
	char path[256];
	int fd, rc;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "flood: %s: %s\n", path, strerror(errno));
		return -1;
	}
	rc = setns(fd, CLONE_NEWNET);
	if (rc < 0)
		fprintf(stderr, "flood: setns %s: %s\n", name, strerror(errno));
	close(fd);
	return rc;
}

/*
 * "NAME:TX_NETNS:RX_NETNS:ADDR" -> both sockets of one side; home is our
 * own namespace, entered again at the end.
 */
static int
flood_side_open(struct side *s, char *spec, int home)
{
	char *name = strtok(spec, ":"), *txns = strtok(NULL, ":"),
	     *rxns = strtok(NULL, ":"), *addr = strtok(NULL, ":");
	struct timeval tv = { 0, SNDTIMEO_MS * 1000 };
	int lfd = -1, one = 1, rcvbuf = RCVBUF, lowat = TCP_LOWAT;
	struct sockaddr_in sin;
	int rc = -1;

	if (name == NULL || txns == NULL || rxns == NULL || addr == NULL) {
		fprintf(stderr, "flood: bad side '%s'\n", spec);
		return -1;
	}
	memset(s, 0, sizeof(*s));
	s->tx_fd = s->rx_fd = -1;
	snprintf(s->name, sizeof(s->name), "%s", name);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(tcp ? TCP_PORT : UDP_PORT);

	if (flood_netns(rxns) < 0)
		goto out;
	if (tcp) {
		lfd = socket(AF_INET, SOCK_STREAM, 0);
		setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (lfd < 0 ||
		    bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
		    listen(lfd, 1) < 0) {
			perror("flood: listening socket");
			goto out;
		}
	} else {
		s->rx_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		if (s->rx_fd < 0 ||
		    bind(s->rx_fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
			perror("flood: receiving socket");
			goto out;
		}
		/* Root only; the default is too small for a burst. */
		setsockopt(s->rx_fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
		    sizeof(rcvbuf));
	}

	if (flood_netns(txns) < 0)
		goto out;
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
		fprintf(stderr, "flood: bad address %s\n", addr);
		goto out;
	}
	s->tx_fd = socket(AF_INET, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
	if (s->tx_fd < 0) {
		perror("flood: sending socket");
		goto out;
	}
	setsockopt(s->tx_fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (tcp)
		setsockopt(s->tx_fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &lowat,
		    sizeof(lowat));
	if (connect(s->tx_fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		fprintf(
		    stderr, "flood: connect %s: %s\n", addr, strerror(errno));
		goto out;
	}
	if (tcp) {
		/* The handshake is done: accept() does not block. */
		s->rx_fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
		if (s->rx_fd < 0) {
			perror("flood: accept");
			goto out;
		}
	}
	rc = 0;
out:
	if (lfd >= 0)
		close(lfd);
	if (setns(home, CLONE_NEWNET) < 0) {
		perror("flood: setns back");
		rc = -1;
	}
	return rc;
}

static void *
flood_rx(void *arg)
{
	static char bufs[BATCH][2048];
	static char stream[256 << 10];
	struct pollfd pfd[MAX_SIDES];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	ssize_t n;
	int i;

	(void)arg;
	flood_pin(rx_cpu);
	for (i = 0; i < BATCH; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = sizeof(bufs[i]);
		memset(&msgs[i], 0, sizeof(msgs[i]));
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	for (i = 0; i < nsides; i++) {
		pfd[i].fd = sides[i].rx_fd;
		pfd[i].events = POLLIN;
	}
	while (!rx_stop && clock_s(CLOCK_MONOTONIC) < deadline) {
		if (poll(pfd, (nfds_t)nsides, 50) <= 0)
			continue;
		for (i = 0; i < nsides; i++) {
			if (!(pfd[i].revents & POLLIN))
				continue;
			for (;;) {
				if (tcp)
					n = read(
					    pfd[i].fd, stream, sizeof(stream));
				else
					n = recvmmsg(
					    pfd[i].fd, msgs, BATCH, 0, NULL);
				if (n <= 0)
					break;
				__atomic_add_fetch(&sides[i].rx, (uint64_t)n,
				    __ATOMIC_RELAXED);
			}
		}
	}
	return NULL;
}

/* Send on side s for slice seconds; count it when measuring. */
static void
flood_slice(struct side *s, struct mmsghdr *msgs, double slice, int measuring)
{
	double w0 = clock_s(CLOCK_MONOTONIC), c0, w;
	uint64_t sent = 0, errs = 0;
	ssize_t n;

	c0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
	do {
		if (tcp)
			n = write(s->tx_fd, txbuf, TCP_CHUNK);
		else
			n = sendmmsg(s->tx_fd, msgs, BATCH, 0);
		if (n < 0)
			errs++; /* ENOBUFS, a send timeout: go on */
		else
			sent += (uint64_t)n;
		w = clock_s(CLOCK_MONOTONIC);
	} while (w - w0 < slice && s->tx + sent < max_tx && w < deadline);
	if (!measuring)
		return;
	s->tx += sent;
	s->tx_err += errs;
	s->wall += w - w0;
	s->cpu += clock_s(CLOCK_THREAD_CPUTIME_ID) - c0;
}

static void
flood_report(void)
{
	int i;

	for (i = 0; i < nsides; i++) {
		struct side *s = &sides[i];
		uint64_t rx = s->rx - s->rx0;
		double rate = 0;

		if (s->wall > 0)
			rate = tcp ? (double)rx * 8 / s->wall / 1e9
				   : (double)rx / s->wall;
		printf("side=%s tx=%llu rx=%llu wall=%.3f cpu=%.3f rate=%.*f "
		       "ns=%.0f err=%llu\n",
		    s->name, (unsigned long long)s->tx, (unsigned long long)rx,
		    s->wall, s->cpu, tcp ? 3 : 0, rate,
		    !tcp && s->tx ? s->cpu * 1e9 / (double)s->tx : 0.0,
		    (unsigned long long)s->tx_err);
	}
}

int
main(int argc, char **argv)
{
	double size, secs, warmup, slice_ms, txc, rxc, t0, per_side;
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	int home, i, k, measuring;
	pthread_t rx;

	if (argc < 9 || argc - 8 > MAX_SIDES ||
	    (strcmp(argv[1], "udp") != 0 && strcmp(argv[1], "tcp") != 0)) {
		fprintf(stderr,
		    "usage: flood udp|tcp PAYLOAD SECONDS WARMUP SLICE_MS "
		    "TX_CPU RX_CPU NAME:TX_NETNS:RX_NETNS:ADDR...\n");
		return 2;
	}
	tcp = strcmp(argv[1], "tcp") == 0;
	max_tx = tcp ? MAX_BYTES : MAX_PKTS;
	if (flood_num(argv[2], 0, MAX_PAYLOAD, &size) ||
	    flood_num(argv[3], 0.01, 600, &secs) ||
	    flood_num(argv[4], 0, 60, &warmup) ||
	    flood_num(argv[5], 1, 1000, &slice_ms) ||
	    flood_num(argv[6], 0, CPU_SETSIZE - 1, &txc) ||
	    flood_num(argv[7], 0, CPU_SETSIZE - 1, &rxc))
		return 2;
	if (!tcp && size < 1) {
		fprintf(stderr, "flood: udp needs a payload size\n");
		return 2;
	}
	home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (home < 0) {
		perror("flood: /proc/self/ns/net");
		return 1;
	}
	nsides = argc - 8;
	for (i = 0; i < nsides; i++)
		if (flood_side_open(&sides[i], argv[8 + i], home) < 0)
			return 1;

	memset(txbuf, 0xa5, sizeof(txbuf));
	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < BATCH; i++) {
		iov[i].iov_base = txbuf;
		iov[i].iov_len = (size_t)size;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	per_side = secs / nsides;
	rx_cpu = (int)rxc;
	deadline = clock_s(CLOCK_MONOTONIC) + warmup + 2 * secs + 10;
	if (pthread_create(&rx, NULL, flood_rx, NULL) != 0) {
		perror("flood: receiver thread");
		return 1;
	}
	if (flood_pin((int)txc) != 0)
		fprintf(stderr, "flood: cannot pin to CPU %d\n", (int)txc);

	t0 = clock_s(CLOCK_MONOTONIC);
	measuring = 0;
	for (k = 0;; k++) {
		int done = 1;

		if (!measuring && clock_s(CLOCK_MONOTONIC) - t0 >= warmup &&
		    k % nsides == 0) {
			/* Let the receiver drain the warm-up first. */
			usleep(20000);
			measuring = 1;
			for (i = 0; i < nsides; i++)
				sides[i].rx0 = __atomic_load_n(
				    &sides[i].rx, __ATOMIC_RELAXED);
		}
		/* A B B A A B ...: no side always follows the same one. */
		i = (k / nsides) % 2 ? nsides - 1 - k % nsides : k % nsides;
		flood_slice(&sides[i], msgs, slice_ms / 1000.0, measuring);
		if (!measuring || k % nsides != nsides - 1)
			continue;
		for (i = 0; i < nsides; i++)
			if (sides[i].wall < per_side && sides[i].tx < max_tx)
				done = 0;
		if (done || clock_s(CLOCK_MONOTONIC) > deadline - 5)
			break;
	}
	/* Let the last packets arrive, then stop the receiver. */
	usleep(100000);
	rx_stop = 1;
	pthread_join(rx, NULL);
	flood_report();
	for (i = 0; i < nsides; i++)
		if (sides[i].rx == sides[i].rx0)
			return 1;
	return 0;
}
