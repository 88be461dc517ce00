/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * BFD sessions (see bfd.h): sockets, timers, discriminators and
 * demultiplexing around the pure codec, state machine and
 * authentication.
 *
 * Sockets.  Four receiving sockets at most, opened when the first
 * session that needs one appears: IPv4 and IPv6, on port 3784 for single
 * hop (RFC 5881 4) and 4784 for multihop (RFC 5883 5), each asking for
 * the TTL / hop limit and the destination address of every datagram.
 * Each session sends from a socket of its own, connected to the peer and
 * bound to a source port drawn from 49152-65535 ("The same UDP source
 * port number MUST be used for all BFD Control packets associated with a
 * particular session", RFC 5881 4), always with TTL 255.
 *
 * Demultiplexing (RFC 5880 6.3, RFC 5881 3).  A packet with a non-zero
 * Your Discriminator belongs to the session with that discriminator, and
 * must come from its peer on its kind of socket; a packet without one
 * (the first few) to the session of the peer's address, the kind of
 * socket (single hop or multihop) and, if the session has one, its
 * local address.  Anything else is dropped and counted.
 *
 * TTL.  RFC 5881 5: single hop packets "MUST be discarded if the
 * received TTL or Hop Limit is not equal to 255"; our implementation
 * requires that with or without authentication.  RFC 5883 sets no TTL
 * rule for multihop (it leans on authentication); we accept what
 * arrives with at least 256 - max-hops, anything by default.
 *
 * Timers.  Two ev_timers per session, embedded in it: the transmit timer
 * is re-armed after each packet with a freshly jittered interval
 * (6.8.7), the detection timer is restarted by every valid packet.  The
 * state machine says when either must change.
 *
 * Callbacks.  A client may free its session from inside the notify
 * callback; the session is then only marked and freed once the callback
 * that called it returns.
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>

#include "bfd.h"
#include "bfd_auth.h"
#include "bfd_pkt.h"
#include "bgp_sock.h"
#include "log.h"
#include "xalloc.h"

#define BFD_RX_BATCH	 32 /* datagrams per read callback */
#define BFD_PORT_TRIES	 64
#define BFD_ADMIN_DOWN_N 3    /* AdminDown packets sent when a session goes */
#define BFD_TOS		 0xc0 /* CS6, network control */

OBJCOUNT(bfd_session);

struct bfd_rx {
	struct bfd_sessions *s;
	int fd;
	int family;
	bool multihop;
	ev_io io;
};

struct bfd_session {
	struct bfd_sessions *s;
	char name[64];
	struct addr peer;
	struct addr local;
	struct bfd_conf conf;
	struct bfd_fsm fsm;
	struct bfd_auth_seq seq;
	ev_tstamp seq_until; /* 6.8.1: AuthSeqKnown lapses after 2 x DT */
	int fd;
	ev_timer tx;
	ev_timer detect;
	uint8_t remote_diag;
	time_t since;
	uint64_t pkts_in;
	uint64_t pkts_out;
	uint64_t drops[BFD_DROP_COUNT];
	uint64_t state_changes;
	uint64_t downs;
	bfd_notify_fn *notify;
	void *ctx;
	bool busy; /* inside its own notify callback */
	bool dead; /* freed while busy */
	TAILQ_ENTRY(bfd_session) entry;
};

struct bfd_sessions {
	struct ev_loop *loop;
	TAILQ_HEAD(, bfd_session) list;
	struct bfd_rx rx[2][2]; /* [multihop][ipv6] */
	uint64_t drops[BFD_DROP_COUNT];
};

static const char *const drop_names[BFD_DROP_COUNT] = {
	[BFD_DROP_MALFORMED] = "malformed",
	[BFD_DROP_DISCRIMINATOR] = "discriminator",
	[BFD_DROP_AUTH] = "auth",
	[BFD_DROP_TTL] = "ttl",
};

const char *
bfd_drop_name(enum bfd_drop d)
{
	return d < BFD_DROP_COUNT ? drop_names[d] : "unknown";
}

static void session_destroy(struct bfd_session *);

/* Sending. */

static void
session_send(struct bfd_session *b, bool final)
{
	struct bfd_pkt p;
	struct wbuf w;

	if (b->fd == -1)
		return;
	bfd_fsm_packet(&b->fsm, final, &p);
	wbuf_init(&w, BFD_PKT_MAX_LEN);
	if (b->conf.auth.type != BFD_AUTH_NONE)
		bfd_auth_encode(&b->conf.auth, &b->seq, &p, &w);
	else
		bfd_pkt_encode(&w, &p);
	if (send(b->fd, w.data, w.len, MSG_DONTWAIT | MSG_NOSIGNAL) ==
	    (ssize_t)w.len)
		b->pkts_out++;
	else
		log_debug("bfd: send failed: peer=%s error=%s", b->name,
		    strerror(errno));
	wbuf_free(&w);
}

static void
tx_rearm(struct bfd_session *b)
{
	uint32_t iv = bfd_fsm_tx_interval(&b->fsm);

	ev_timer_stop(b->s->loop, &b->tx);
	if (iv == 0)
		return;
	iv = bfd_fsm_jitter(iv, b->fsm.detect_mult, arc4random());
	ev_timer_set(&b->tx, iv / 1e6, 0.);
	ev_timer_start(b->s->loop, &b->tx);
}

static void
detect_rearm(struct bfd_session *b)
{
	uint64_t dt = bfd_fsm_detect_time(&b->fsm);

	ev_timer_stop(b->s->loop, &b->detect);
	if (dt == 0)
		return;
	ev_timer_set(&b->detect, (double)dt / 1e6, 0.);
	ev_timer_start(b->s->loop, &b->detect);
}

/* Carry out what a step of the state machine asks for. */
static void
session_apply(struct bfd_session *b, const struct bfd_fsm_out *out)
{
	enum bfd_state st = b->fsm.state;

	if (out->detect || out->timers)
		detect_rearm(b);
	if (out->send)
		session_send(b, out->final);
	if (out->timers || out->send)
		tx_rearm(b);
	if (st == out->old)
		return;
	b->since = time(NULL);
	b->state_changes++;
	if (out->old == BFD_ST_UP)
		b->downs++;
	log_notice("bfd: state change: peer=%s from=%s to=%s diag=\"%s\" "
		   "remote-state=%s remote-diag=\"%s\"",
	    b->name, bfd_state_name(out->old), bfd_state_name(st),
	    bfd_diag_name(b->fsm.local_diag),
	    bfd_state_name(b->fsm.remote_state), bfd_diag_name(b->remote_diag));
	if (b->notify == NULL || b->dead)
		return;
	b->busy = true;
	b->notify(b->ctx, b, out->old);
	b->busy = false;
}

static void
tx_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct bfd_session *b = w->data;

	(void)loop;
	(void)revents;
	session_send(b, false);
	tx_rearm(b);
}

static void
detect_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct bfd_session *b = w->data;
	struct bfd_fsm_out out;

	(void)loop;
	(void)revents;
	log_info("bfd: detection time expired: peer=%s state=%s", b->name,
	    bfd_state_name(b->fsm.state));
	bfd_fsm_step(&b->fsm, BFD_EV_DETECT_EXPIRED, NULL, &out);
	session_apply(b, &out);
	if (b->dead)
		session_destroy(b);
}

/* Receiving. */

static void
drop(struct bfd_sessions *s, struct bfd_session *b, enum bfd_drop why,
    const struct addr *src, const char *detail)
{
	char buf[ADDR_STRLEN];

	s->drops[why]++;
	if (b != NULL)
		b->drops[why]++;
	log_debug("bfd: packet dropped: from=%s reason=%s detail=\"%s\"",
	    addr_fmt(src, buf, sizeof(buf)), drop_names[why], detail);
}

static struct bfd_session *
find_disc(struct bfd_sessions *s, uint32_t disc)
{
	struct bfd_session *b;

	TAILQ_FOREACH (b, &s->list, entry)
		if (b->fsm.local_disc == disc && !b->dead)
			return b;
	return NULL;
}

static struct bfd_session *
find_addr(struct bfd_sessions *s, const struct addr *src,
    const struct addr *dst, bool multihop)
{
	struct bfd_session *b;

	TAILQ_FOREACH (b, &s->list, entry)
		if (!b->dead && b->conf.multihop == multihop &&
		    addr_cmp(&b->peer, src) == 0 &&
		    (b->local.family == 0 || addr_cmp(&b->local, dst) == 0))
			return b;
	return NULL;
}

/* One datagram from src to dst with the given TTL on socket r. */
static void
rx_packet(struct bfd_rx *r, const uint8_t *data, size_t len,
    const struct addr *src, const struct addr *dst, int ttl)
{
	struct bfd_sessions *s = r->s;
	struct bfd_session *b;
	struct bfd_pkt p;
	struct bfd_fsm_out out;
	enum bfd_pkt_err perr;
	enum bfd_auth_result ares;
	ev_tstamp now;
	int minttl;

	if ((perr = bfd_pkt_decode(data, len, &p)) != BFD_PKT_OK) {
		drop(s, find_addr(s, src, dst, r->multihop), BFD_DROP_MALFORMED,
		    src, bfd_pkt_err_name(perr));
		return;
	}
	/* RFC 5880 6.8.6: "If the Your Discriminator field is nonzero, it
	 * MUST be used to select the session with which this BFD packet is
	 * associated.  If no session is found, the packet MUST be
	 * discarded."  Otherwise RFC 5881 3: by the source address (and
	 * our local address, the interface's). */
	if (p.your_disc != 0) {
		b = find_disc(s, p.your_disc);
		if (b == NULL || b->conf.multihop != r->multihop ||
		    addr_cmp(&b->peer, src) != 0) {
			drop(s, NULL, BFD_DROP_DISCRIMINATOR, src,
			    b == NULL ? "no session with that discriminator"
				      : "discriminator of another peer");
			return;
		}
	} else if ((b = find_addr(s, src, dst, r->multihop)) == NULL) {
		drop(s, NULL, BFD_DROP_DISCRIMINATOR, src,
		    "no session for that address");
		return;
	}
	minttl = b->conf.multihop ? 256 - b->conf.max_hops : 255;
	if (ttl < minttl) {
		drop(s, b, BFD_DROP_TTL, src, "ttl below the minimum");
		return;
	}
	now = ev_now(s->loop);
	if (b->seq.known && now > b->seq_until)
		b->seq.known = false;
	ares = bfd_auth_check(&b->conf.auth, &b->seq, data, &p);
	if (ares != BFD_AUTH_OK) {
		drop(s, b, BFD_DROP_AUTH, src, bfd_auth_result_name(ares));
		return;
	}
	b->pkts_in++;
	b->remote_diag = p.diag;
	bfd_fsm_step(&b->fsm, BFD_EV_PACKET, &p, &out);
	b->seq_until = now + 2.0 * (double)bfd_fsm_detect_time(&b->fsm) / 1e6;
	session_apply(b, &out);
	if (b->dead)
		session_destroy(b);
}

static void
rx_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct bfd_rx *r = w->data;
	uint8_t buf[512];
	union {
		struct cmsghdr align;
		uint8_t buf[256];
	} ctl;
	struct sockaddr_storage ss;
	struct iovec iov;
	struct msghdr m;
	struct cmsghdr *c;
	struct addr src, dst;
	ssize_t n;
	int i, ttl;

	(void)loop;
	(void)revents;
	for (i = 0; i < BFD_RX_BATCH; i++) {
		iov.iov_base = buf;
		iov.iov_len = sizeof(buf);
		memset(&m, 0, sizeof(m));
		m.msg_name = &ss;
		m.msg_namelen = sizeof(ss);
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		m.msg_control = ctl.buf;
		m.msg_controllen = sizeof(ctl.buf);
		if ((n = recvmsg(r->fd, &m, MSG_DONTWAIT)) == -1)
			return;
		if (bgp_sock_addr_from((struct sockaddr *)&ss, &src) == -1)
			continue;
		memset(&dst, 0, sizeof(dst));
		ttl = 0;
		for (c = CMSG_FIRSTHDR(&m); c != NULL; c = CMSG_NXTHDR(&m, c)) {
			if (c->cmsg_level == IPPROTO_IP &&
			    c->cmsg_type == IP_TTL)
				memcpy(&ttl, CMSG_DATA(c), sizeof(ttl));
			else if (c->cmsg_level == IPPROTO_IPV6 &&
			    c->cmsg_type == IPV6_HOPLIMIT)
				memcpy(&ttl, CMSG_DATA(c), sizeof(ttl));
			else if (c->cmsg_level == IPPROTO_IP &&
			    c->cmsg_type == IP_PKTINFO) {
				struct in_pktinfo pi;

				memcpy(&pi, CMSG_DATA(c), sizeof(pi));
				dst.family = AF_INET;
				dst.v4 = pi.ipi_addr;
			} else if (c->cmsg_level == IPPROTO_IPV6 &&
			    c->cmsg_type == IPV6_PKTINFO) {
				struct in6_pktinfo pi;

				memcpy(&pi, CMSG_DATA(c), sizeof(pi));
				dst.family = AF_INET6;
				dst.v6 = pi.ipi6_addr;
			}
		}
		rx_packet(r, buf, (size_t)n, &src, &dst, ttl);
	}
}

/* Sockets. */

static int
rx_open(struct bfd_sessions *s, int family, bool multihop)
{
	struct bfd_rx *r = &s->rx[multihop][family == AF_INET6];
	struct sockaddr_storage ss;
	struct addr any;
	socklen_t sl;
	int one = 1, fd;
	uint16_t port = multihop ? BFD_PORT_MULTI_HOP : BFD_PORT_SINGLE_HOP;

	if (r->fd != -1)
		return 0;
	fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		goto fail;
	/* No SO_REUSEADDR: another BFD daemon on the port must be an
	 * error here, not a silent split of the peers' packets. */
	if (family == AF_INET6) {
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
			sizeof(one)) == -1 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one,
			sizeof(one)) == -1 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one,
			sizeof(one)) == -1)
			goto fail;
	} else if (setsockopt(fd, IPPROTO_IP, IP_RECVTTL, &one, sizeof(one)) ==
		-1 ||
	    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) == -1)
		goto fail;
	memset(&any, 0, sizeof(any));
	any.family = (uint8_t)family;
	sl = bgp_sock_sockaddr(&any, port, &ss);
	if (bind(fd, (struct sockaddr *)&ss, sl) == -1)
		goto fail;
	r->s = s;
	r->fd = fd;
	r->family = family;
	r->multihop = multihop;
	ev_io_init(&r->io, rx_cb, fd, EV_READ);
	r->io.data = r;
	ev_io_start(s->loop, &r->io);
	log_info("bfd: listening: family=%s port=%u",
	    family == AF_INET ? "ipv4" : "ipv6", port);
	return 0;
fail:
	log_err("bfd: cannot open the receiving socket: family=%s port=%u "
		"error=%s",
	    family == AF_INET ? "ipv4" : "ipv6", port, strerror(errno));
	if (fd != -1)
		close(fd);
	return -1;
}

/* The session's sending socket: TTL 255, a source port of its own. */
static int
tx_open(struct bfd_session *b)
{
	struct sockaddr_storage ss;
	struct addr local = b->local;
	socklen_t sl;
	int fd, ttl = 255, tos = BFD_TOS, i, family = b->peer.family;
	uint16_t port;

	fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		goto fail;
	if (family == AF_INET6) {
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl,
			sizeof(ttl)) == -1)
			goto fail;
		setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof(tos));
	} else {
		if (setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl)) == -1)
			goto fail;
		setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos));
	}
	if (local.family == 0)
		local.family = (uint8_t)family;
	for (i = 0; i < BFD_PORT_TRIES; i++) {
		port = (uint16_t)(BFD_SRC_PORT_MIN +
		    arc4random_uniform(
			BFD_SRC_PORT_MAX - BFD_SRC_PORT_MIN + 1));
		sl = bgp_sock_sockaddr(&local, port, &ss);
		if (bind(fd, (struct sockaddr *)&ss, sl) == 0)
			break;
		if (errno != EADDRINUSE)
			goto fail;
	}
	if (i == BFD_PORT_TRIES)
		goto fail;
	sl = bgp_sock_sockaddr(&b->peer,
	    b->conf.multihop ? BFD_PORT_MULTI_HOP : BFD_PORT_SINGLE_HOP, &ss);
	if (connect(fd, (struct sockaddr *)&ss, sl) == -1)
		goto fail;
	b->fd = fd;
	return 0;
fail:
	log_err("bfd: cannot open the sending socket: peer=%s error=%s",
	    b->name, strerror(errno));
	if (fd != -1)
		close(fd);
	return -1;
}

/* Sessions. */

static uint32_t
disc_alloc(struct bfd_sessions *s)
{
	uint32_t d;

	do
		d = arc4random();
	while (d == 0 || find_disc(s, d) != NULL);
	return d;
}

struct bfd_sessions *
bfd_sessions_new(struct ev_loop *loop)
{
	struct bfd_sessions *s = xcalloc(1, sizeof(*s));
	int i, j;

	s->loop = loop;
	TAILQ_INIT(&s->list);
	for (i = 0; i < 2; i++)
		for (j = 0; j < 2; j++)
			s->rx[i][j].fd = -1;
	return s;
}

void
bfd_sessions_free(struct bfd_sessions *s)
{
	struct bfd_session *b;
	int i, j;

	if (s == NULL)
		return;
	while ((b = TAILQ_FIRST(&s->list)) != NULL)
		bfd_session_free(b);
	for (i = 0; i < 2; i++)
		for (j = 0; j < 2; j++) {
			if (s->rx[i][j].fd == -1)
				continue;
			ev_io_stop(s->loop, &s->rx[i][j].io);
			close(s->rx[i][j].fd);
		}
	free(s);
}

static void
fsm_setup(struct bfd_session *b, uint32_t disc)
{
	const struct bfd_conf *c = &b->conf;

	bfd_fsm_init(
	    &b->fsm, disc, c->min_tx * 1000, c->min_rx * 1000, c->multiplier);
}

struct bfd_session *
bfd_session_new(struct bfd_sessions *s, const char *name,
    const struct addr *peer, const struct addr *local,
    const struct bfd_conf *conf, bfd_notify_fn *notify, void *ctx)
{
	struct bfd_session *b = xcalloc(1, sizeof(*b));

	objcount_inc(&objcount_bfd_session);
	b->s = s;
	snprintf(b->name, sizeof(b->name), "%s", name);
	b->peer = *peer;
	if (local != NULL && local->family == peer->family)
		b->local = *local;
	b->conf = *conf;
	b->fd = -1;
	b->notify = notify;
	b->ctx = ctx;
	b->since = time(NULL);
	b->seq.xmit = arc4random();
	fsm_setup(b, disc_alloc(s));
	ev_init(&b->tx, tx_cb);
	ev_init(&b->detect, detect_cb);
	b->tx.data = b->detect.data = b;
	TAILQ_INSERT_TAIL(&s->list, b, entry);
	if (rx_open(s, peer->family, conf->multihop) == 0)
		tx_open(b);
	log_info("bfd: session added: peer=%s multihop=%d min-tx=%u min-rx=%u "
		 "multiplier=%u auth=%d discriminator=%u",
	    b->name, conf->multihop, conf->min_tx, conf->min_rx,
	    conf->multiplier, conf->auth.type, b->fsm.local_disc);
	/* Active role (6.1): start sending at once. */
	session_send(b, false);
	tx_rearm(b);
	return b;
}

void
bfd_session_configure(struct bfd_session *b, const struct bfd_conf *conf)
{
	struct bfd_fsm_out out;

	if (conf->min_tx == b->conf.min_tx && conf->min_rx == b->conf.min_rx &&
	    conf->multiplier == b->conf.multiplier)
		return;
	log_info("bfd: parameters changed: peer=%s min-tx=%u min-rx=%u "
		 "multiplier=%u state=%s",
	    b->name, conf->min_tx, conf->min_rx, conf->multiplier,
	    bfd_state_name(b->fsm.state));
	b->conf.min_tx = conf->min_tx;
	b->conf.min_rx = conf->min_rx;
	b->conf.multiplier = conf->multiplier;
	bfd_fsm_configure(&b->fsm, conf->min_tx * 1000, conf->min_rx * 1000,
	    conf->multiplier, &out);
	session_apply(b, &out);
}

static void
session_destroy(struct bfd_session *b)
{
	ev_timer_stop(b->s->loop, &b->tx);
	ev_timer_stop(b->s->loop, &b->detect);
	if (b->fd != -1)
		close(b->fd);
	TAILQ_REMOVE(&b->s->list, b, entry);
	free(b);
	objcount_dec(&objcount_bfd_session);
}

/*
 * RFC 5880 6.8.16 and RFC 5882 8: a session being deconfigured goes
 * AdminDown so that the peer learns it was administrative (RFC 5882 3.2:
 * its clients should not treat it as a failure).  RFC 5882 8 would hold
 * that state for a Detection Time; our implementation sends a few
 * packets back to back and forgets the session at once, since a
 * replacement session (new auth or multihop) to the same peer starts
 * right away and must not overlap with the old one.
 */
void
bfd_session_free(struct bfd_session *b)
{
	struct bfd_fsm_out out;
	int i;

	if (b == NULL || b->dead)
		return;
	log_info("bfd: session removed: peer=%s state=%s", b->name,
	    bfd_state_name(b->fsm.state));
	b->notify = NULL;
	bfd_fsm_step(&b->fsm, BFD_EV_STOP, NULL, &out);
	for (i = 0; i < BFD_ADMIN_DOWN_N; i++)
		session_send(b, false);
	if (b->busy) {
		b->dead = true;
		ev_timer_stop(b->s->loop, &b->tx);
		ev_timer_stop(b->s->loop, &b->detect);
		return;
	}
	session_destroy(b);
}

enum bfd_state
bfd_session_state(const struct bfd_session *b)
{
	return b->fsm.state;
}

enum bfd_state
bfd_session_remote_state(const struct bfd_session *b)
{
	return b->fsm.remote_state;
}

uint8_t
bfd_session_diag(const struct bfd_session *b)
{
	return b->fsm.local_diag;
}

void
bfd_sessions_foreach(struct bfd_sessions *s,
    void (*fn)(void *arg, const struct bfd_status *), void *arg)
{
	struct bfd_session *b;
	struct bfd_status st;

	TAILQ_FOREACH (b, &s->list, entry) {
		if (b->dead)
			continue;
		memset(&st, 0, sizeof(st));
		st.name = b->name;
		st.peer = b->peer;
		st.local = b->local;
		st.multihop = b->conf.multihop;
		st.local_disc = b->fsm.local_disc;
		st.remote_disc = b->fsm.remote_disc;
		st.state = b->fsm.state;
		st.remote_state = b->fsm.remote_state;
		st.local_diag = b->fsm.local_diag;
		st.remote_diag = b->remote_diag;
		st.auth = b->conf.auth.type;
		st.tx_interval = bfd_fsm_tx_interval(&b->fsm);
		st.detect_time = bfd_fsm_detect_time(&b->fsm);
		st.remote_mult = b->fsm.remote_mult;
		if (st.remote_mult > 0)
			st.rx_interval =
			    (uint32_t)(st.detect_time / st.remote_mult);
		st.since = b->since;
		st.pkts_in = b->pkts_in;
		st.pkts_out = b->pkts_out;
		memcpy(st.drops, b->drops, sizeof(st.drops));
		st.state_changes = b->state_changes;
		st.downs = b->downs;
		fn(arg, &st);
	}
}

void
bfd_sessions_drops(const struct bfd_sessions *s, uint64_t drops[BFD_DROP_COUNT])
{
	memcpy(drops, s->drops, sizeof(s->drops));
}
