/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * BGP sessions (see bgp_peer.h): sockets, timers and buffers around the
 * pure FSM (bgp_fsm.c) and the pure codec (bgp_msg.h, bgp_update.h).
 *
 * Shape.  A struct bgp_peer owns everything of one neighbor: its FSM, its
 * five timers, its RIB peer and up to two connections (struct bgp_conn):
 * the session's own, and during a connection collision (RFC 4271 6.8)
 * the second one until an OPEN decides which survives.  Connections are
 * separate objects so that the survivor is adopted by moving a pointer,
 * with its watchers in place.  Every state change goes through
 * peer_event(), which steps the FSM and carries out the actions it
 * returns, in order.
 *
 * Buffers.  Input is framed by the header length (at most 4096 octets)
 * in a fixed buffer per connection.  Output is one wbuf per connection:
 * our own messages are appended as they come, and when it drains below a
 * low-water mark the RIB is asked for at most PEER_OUT_BUDGET more
 * octets, so a slow peer holds back the RIB, not our memory.
 *
 * Closing.  RFC 4271 wants the NOTIFICATION sent before the connection
 * closes.  A connection with output pending is handed to a struct
 * bgp_drain, which flushes it, half-closes and waits a few seconds for
 * the peer to close, while the peer object is free to start again.
 *
 * Sockets.  Addresses, TCP-MD5 (RFC 2385), TTL and GTSM (RFC 5082) are
 * set through bgp_sock.c; listening sockets live in bgp_listen.c, which
 * hands accepted connections to peer_accept.  eBGP uses TTL 1 unless
 * multihop is set, iBGP 255; with GTSM we send 255 and require
 * 255 - (multihop - 1) on receipt.
 *
 * Messages.  What each received message does is in bgp_peer_msg.c; the
 * structures both files share are in bgp_peer_int.h.
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>

#include "bgp_fsm.h"
#include "bgp_listen.h"
#include "bgp_msg.h"
#include "bgp_peer.h"
#include "bgp_peer_int.h"
#include "bgp_sock.h"
#include "bgp_update.h"
#include "log.h"
#include "xalloc.h"

#define PEER_RBUF_SIZE	65536
#define PEER_OUT_LOWAT	16384
#define PEER_OUT_BUDGET 65536
/*
 * Output pacing (peer_out_hold, peer_batch_cb).  The RIB packs what is
 * queued for a peer in rounds, grouped by attribute set, so output waits
 * while input still streams in: a table arriving one prefix per UPDATE
 * then leaves with many prefixes per message instead of one.  The first
 * change waits one tick; the wait goes on, tick by tick, while the queue
 * grew by at least PEER_OUT_GROWTH prefixes in the last tick and no full
 * round is queued, for at most PEER_OUT_HOLD_MAX.
 */
#define PEER_OUT_TICK	  0.025 /* seconds */
#define PEER_OUT_GROWTH	  256	/* prefixes per tick */
#define PEER_OUT_HOLD_MAX 0.1	/* seconds */
/*
 * Input pacing (conn_read_cb, conn_pace_due).  A speaker that packs
 * UPDATEs from what is pending per attribute set (BIRD does) sends one
 * prefix per message for as long as its receiver keeps up, and that
 * makes a table with many attribute sets several times slower to send,
 * to parse and to pass on.  So when PEER_IN_WINDOW UPDATEs in a row, all
 * within a second, carried fewer than PEER_IN_SMALL prefixes each, the
 * connection's receive buffer is cut to one round trip's worth at
 * PEER_IN_RATE (the kernel's autotuning would grow it to megabytes), and
 * each read that empties the socket is followed by a PEER_IN_PACE pause:
 * the peer's output backs up and it packs what waits.  Input that comes
 * packed, or faster than we read, is never paused.
 */
#define PEER_IN_WINDOW	   256	 /* UPDATEs judged together */
#define PEER_IN_SMALL	   4	 /* prefixes per UPDATE */
#define PEER_IN_PACE	   0.002 /* seconds */
#define PEER_IN_RATE	   256e6 /* octets per second */
#define PEER_IN_RCVBUF_MIN (16 * 1024)
#define PEER_IN_RCVBUF_MAX (4 * 1024 * 1024)
#define PEER_DRAIN_SECS	   3.0

OBJCOUNT(bgp_peer);
OBJCOUNT(bgp_conn);
OBJCOUNT(bgp_drain);

static void peer_free(struct bgp_peer *);
static void conn_update_io(struct bgp_peer *, struct bgp_conn *);

/* Logging and status. */

void
peer_error_text(struct bgp_peer *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->last_error, sizeof(p->last_error), fmt, ap);
	va_end(ap);
}

/* Sockets: TCP-MD5, TTL, GTSM. */

/*
 * Our implementation of the TTL rules: eBGP sends multihop (1 when
 * directly connected), iBGP 255.  With GTSM (RFC 5082 3) we send 255 and
 * drop anything that arrives with less than 255 - (hops - 1).
 */
static int
peer_sockopts(struct bgp_peer *p, int fd)
{
	const struct bgp_neighbor *nb = p->nb;
	int ttl, minttl = 0;

	if (peer_ebgp(p))
		ttl = nb->multihop != 0 ? nb->multihop : 1;
	else
		ttl = 255;
	if (nb->gtsm) {
		ttl = 255;
		minttl = bgp_gtsm_minttl(nb->multihop);
	}
	if (bgp_sock_ttl(fd, nb->addr.family, ttl, minttl) == -1) {
		log_err("bgp: cannot set ttl: peer=%s ttl=%d minttl=%d "
			"error=%s",
		    p->name, ttl, minttl, strerror(errno));
		return -1;
	}
	return 0;
}

/* Drains. */

static void
drain_free(struct bgp_drain *d)
{
	struct ev_loop *loop = d->s->loop;

	ev_io_stop(loop, &d->rio);
	ev_io_stop(loop, &d->wio);
	ev_timer_stop(loop, &d->timer);
	close(d->fd);
	wbuf_free(&d->out);
	TAILQ_REMOVE(&d->s->drains, d, entry);
	free(d);
	objcount_dec(&objcount_bgp_drain);
}

static void
drain_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct bgp_drain *d = w->data;
	ssize_t n;

	(void)revents;
	n = send(d->fd, d->out.data, d->out.len, MSG_NOSIGNAL);
	if (n == -1) {
		if (errno != EAGAIN && errno != EINTR)
			drain_free(d);
		return;
	}
	wbuf_consume(&d->out, (size_t)n);
	if (d->out.len > 0)
		return;
	/* All sent: half-close and read until the peer closes too. */
	ev_io_stop(loop, &d->wio);
	shutdown(d->fd, SHUT_WR);
	d->shut = true;
	ev_io_start(loop, &d->rio);
}

static void
drain_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct bgp_drain *d = w->data;
	uint8_t buf[4096];
	ssize_t n;

	(void)loop;
	(void)revents;
	n = read(d->fd, buf, sizeof(buf));
	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR))
		drain_free(d);
}

static void
drain_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	drain_free(w->data);
}

/* Take over fd and out (which is left empty). */
static void
drain_new(struct bgp_sessions *s, int fd, struct wbuf *out)
{
	struct bgp_drain *d = xcalloc(1, sizeof(*d));

	objcount_inc(&objcount_bgp_drain);
	d->s = s;
	d->fd = fd;
	d->out = *out;
	wbuf_init(out, 0);
	ev_io_init(&d->rio, drain_read_cb, fd, EV_READ);
	ev_io_init(&d->wio, drain_write_cb, fd, EV_WRITE);
	ev_timer_init(&d->timer, drain_timeout_cb, PEER_DRAIN_SECS, 0);
	d->rio.data = d->wio.data = d->timer.data = d;
	TAILQ_INSERT_TAIL(&s->drains, d, entry);
	ev_io_start(s->loop, &d->wio);
	ev_timer_start(s->loop, &d->timer);
}

/* At exit: one last non-blocking attempt, then close. */
static void
drain_flush_now(struct bgp_drain *d)
{
	ssize_t n;

	if (!d->shut && d->out.len > 0) {
		n = send(d->fd, d->out.data, d->out.len, MSG_NOSIGNAL);
		if (n > 0)
			wbuf_consume(&d->out, (size_t)n);
		shutdown(d->fd, SHUT_WR);
	}
	drain_free(d);
}

/* Connections. */

static void conn_read_cb(struct ev_loop *, ev_io *, int);
static void conn_pace_cb(struct ev_loop *, ev_timer *, int);
static void conn_write_cb(struct ev_loop *, ev_io *, int);

static struct bgp_conn *
conn_new(struct bgp_peer *p, int fd, bool outgoing)
{
	struct bgp_conn *c = xcalloc(1, sizeof(*c));

	objcount_inc(&objcount_bgp_conn);
	c->peer = p;
	c->fd = fd;
	c->outgoing = outgoing;
	c->in = xmalloc(PEER_RBUF_SIZE);
	wbuf_init(&c->out, 0);
	ev_io_init(&c->rio, conn_read_cb, fd, EV_READ);
	ev_io_init(&c->wio, conn_write_cb, fd, EV_WRITE);
	ev_init(&c->pace, conn_pace_cb);
	c->rio.data = c->wio.data = c->pace.data = c;
	return c;
}

static void
conn_destroy(struct bgp_conn *c)
{
	free(c->in);
	wbuf_free(&c->out);
	free(c);
	objcount_dec(&objcount_bgp_conn);
}

/*
 * Detach c from its peer and close it: with output pending (a
 * NOTIFICATION at least), through a drain.  The object itself goes when
 * its own callback, if running, returns.
 */
void
conn_close(struct bgp_peer *p, struct bgp_conn *c)
{
	struct ev_loop *loop = p->s->loop;

	if (c == NULL || c->fd == -1)
		return;
	if (p->conn == c)
		p->conn = NULL;
	if (p->coll == c)
		p->coll = NULL;
	ev_io_stop(loop, &c->rio);
	ev_io_stop(loop, &c->wio);
	ev_timer_stop(loop, &c->pace);
	if (!c->connecting && c->out.len > 0)
		drain_new(p->s, c->fd, &c->out);
	else
		close(c->fd);
	c->fd = -1;
	if (!c->busy)
		conn_destroy(c);
}

static void
conn_count_out(struct bgp_peer *p, const struct wbuf *out, size_t from)
{
	size_t off = from;

	while (off + BGP_HDR_LEN <= out->len) {
		uint16_t len =
		    (uint16_t)(out->data[off + 16] << 8 | out->data[off + 17]);
		uint8_t type = out->data[off + 18];

		if (type < 6)
			p->msgs_out[type]++;
		if (len < BGP_HDR_LEN)
			break;
		off += len;
	}
}

/* Read while no connect is pending; write while output waits. */
static void
conn_update_io(struct bgp_peer *p, struct bgp_conn *c)
{
	struct ev_loop *loop = p->s->loop;
	bool more = c->out.len > 0 ||
	    (c == p->conn && p->rib_pending &&
		p->fsm.state == BGP_ST_ESTABLISHED && !ev_is_active(&p->batch));

	if (c->fd == -1)
		return;
	if (c->connecting || more)
		ev_io_start(loop, &c->wio);
	else
		ev_io_stop(loop, &c->wio);
	if (!c->connecting && !ev_is_active(&c->pace))
		ev_io_start(loop, &c->rio);
}

/* A connection failed under us: for the session's own, the FSM hears. */
static void
conn_failed(struct bgp_peer *p, struct bgp_conn *c, const char *why)
{
	if (c == p->conn) {
		peer_error_text(p, "connection: %s", why);
		log_info("bgp: connection failed: peer=%s asn=%u state=%s "
			 "reason=\"%s\"",
		    p->name, peer_asn(p), bgp_fsm_state_name(p->fsm.state),
		    why);
		c->out.len = 0;
		peer_event(p, BGP_EV_TCP_FAILED, NULL);
	} else {
		log_info("bgp: colliding connection failed: peer=%s "
			 "reason=\"%s\"",
		    p->name, why);
		c->out.len = 0;
		conn_close(p, c);
	}
}

/* Output waits for the RIB's queue to fill (PEER_OUT_TICK). */
static void
peer_out_hold(struct bgp_peer *p)
{
	if (ev_is_active(&p->batch))
		return;
	p->batch_start = ev_now(p->s->loop);
	p->batch_mark = rib_peer_output_queued(p->rp);
	ev_timer_set(&p->batch, PEER_OUT_TICK, 0.);
	ev_timer_start(p->s->loop, &p->batch);
}

static void
conn_flush(struct bgp_peer *p, struct bgp_conn *c)
{
	size_t before;
	ssize_t n;

	if (c == p->conn && p->fsm.state == BGP_ST_ESTABLISHED &&
	    p->rib_pending && c->out.len < PEER_OUT_LOWAT &&
	    !ev_is_active(&p->batch) && !p->out_due &&
	    !rib_peer_output_ripe(p->rp))
		peer_out_hold(p);
	if (c == p->conn && p->fsm.state == BGP_ST_ESTABLISHED &&
	    p->rib_pending && c->out.len < PEER_OUT_LOWAT &&
	    !ev_is_active(&p->batch)) {
		p->out_due = false;
		before = c->out.len;
		p->rib_pending =
		    rib_peer_output(p->rp, &c->out, PEER_OUT_BUDGET);
		if (c->out.len == before)
			p->rib_pending = false;
		conn_count_out(p, &c->out, before);
	}
	if (c->out.len > 0) {
		n = send(c->fd, c->out.data, c->out.len, MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			conn_failed(p, c, strerror(errno));
			return;
		}
		wbuf_consume(&c->out, (size_t)n);
	}
	conn_update_io(p, c);
}

static void
peer_reap(struct bgp_peer *p)
{
	if (p->reap)
		peer_free(p);
}

static void
conn_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct bgp_conn *c = w->data;
	struct bgp_peer *p = c->peer;
	socklen_t sl = sizeof(int);
	int err = 0;

	(void)loop;
	(void)revents;
	c->busy = true;
	if (c->connecting) {
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &sl) == -1)
			err = errno;
		if (err == EINPROGRESS) {
			c->busy = false;
			return;
		}
		c->connecting = false;
		if (err != 0) {
			conn_failed(p, c, strerror(err));
		} else {
			log_debug("bgp: connected: peer=%s asn=%u", p->name,
			    peer_asn(p));
			conn_update_io(p, c);
			peer_event(p, BGP_EV_TCP_CONNECTED, NULL);
		}
	} else {
		conn_flush(p, c);
	}
	c->busy = false;
	if (c->fd == -1)
		conn_destroy(c);
	peer_reap(p);
}

/* Sending. */

static void
conn_queued(struct bgp_peer *p, struct bgp_conn *c, uint8_t type)
{
	if (type < 6)
		p->msgs_out[type]++;
	conn_update_io(p, c);
}

static void
peer_send_open(struct bgp_peer *p, struct bgp_conn *c)
{
	const struct bgp_conf *conf = p->s->conf;
	struct bgp_open o;

	memset(&o, 0, sizeof(o));
	o.version = BGP_VERSION;
	o.my_as = bgp_msg_open_my_as(conf->asn);
	o.hold_time = p->nb->hold_time;
	o.bgp_id = ntohl(conf->router_id.v4.s_addr);
	o.caps.seen = BGP_CAPF_MP | BGP_CAPF_ROUTE_REFRESH |
	    BGP_CAPF_ENHANCED_RR | BGP_CAPF_AS4;
	if (p->nb->families & BGP_FAM_IPV4)
		o.caps.mp |= 1 << BGP_AF_IPV4_UNICAST;
	if (p->nb->families & BGP_FAM_IPV6)
		o.caps.mp |= 1 << BGP_AF_IPV6_UNICAST;
	if (p->nb->ext_nh) {
		o.caps.seen |= BGP_CAPF_EXT_NEXTHOP;
		o.caps.ext_nh = 1 << BGP_AF_IPV4_UNICAST;
	}
	o.caps.as4 = conf->asn;
	if (bgp_msg_open_encode(&c->out, &o) == -1) {
		log_err("bgp: cannot encode OPEN: peer=%s", p->name);
		return;
	}
	conn_queued(p, c, BGP_MSG_OPEN);
}

static void
peer_send_notification(struct bgp_peer *p, struct bgp_conn *c, uint8_t code,
    uint8_t subcode, const struct bgp_err *err, const char *text)
{
	const char *why = "";
	char hex[2 * 16 + 8] = "";
	bool with_data = false;
	int rc;

	if (err != NULL && err->code == code && err->subcode == subcode) {
		rc = bgp_msg_notification_encode_err(&c->out, err);
		with_data = err->datalen > 0;
	} else if (text != NULL && code == BGP_ERR_CEASE &&
	    (subcode == BGP_ERR_CEASE_ADMIN_SHUTDOWN ||
		subcode == BGP_ERR_CEASE_ADMIN_RESET))
		rc = bgp_msg_notification_encode_shutdown(
		    &c->out, subcode, text);
	else
		rc = bgp_msg_notification_encode(
		    &c->out, code, subcode, NULL, 0);
	if (rc == -1)
		bgp_msg_notification_encode(&c->out, code, subcode, NULL, 0);
	if (err != NULL && err->reason != NULL)
		why = err->reason;
	else if (text != NULL)
		why = text;
	if (with_data) {
		const uint8_t *d = err->data != NULL ? err->data : err->inl;
		size_t i, n = err->datalen < 16 ? err->datalen : 16;

		memcpy(hex, " data=", 6);
		for (i = 0; i < n; i++)
			snprintf(hex + 6 + 2 * i, 3, "%02x", d[i]);
	}
	log_notice("bgp: notification sent: peer=%s asn=%u code=%u "
		   "subcode=%u error=\"%s\"%s%s%s%s",
	    p->name, peer_asn(p), code, subcode,
	    bgp_msg_err_name(code, subcode), why[0] ? " reason=\"" : "", why,
	    why[0] ? "\"" : "", hex);
	if (c == p->conn)
		peer_error_text(p, "sent NOTIFICATION %u/%u (%s)%s%s", code,
		    subcode, bgp_msg_err_name(code, subcode),
		    why[0] != '\0' ? ": " : "", why);
	conn_queued(p, c, BGP_MSG_NOTIFICATION);
}

/* NOTIFICATION on a connection outside the FSM (collisions), then close. */
void
conn_notify_close(struct bgp_peer *p, struct bgp_conn *c, uint8_t code,
    uint8_t subcode, const struct bgp_err *err)
{
	peer_send_notification(p, c, code, subcode, err, NULL);
	conn_close(p, c);
}

/* Connecting. */

static int
peer_connect(struct bgp_peer *p)
{
	const struct bgp_neighbor *nb = p->nb;
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd;

	fd = socket(
	    nb->addr.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		peer_error_text(p, "socket: %s", strerror(errno));
		log_err(
		    "bgp: socket: peer=%s error=%s", p->name, strerror(errno));
		return -1;
	}
	if (nb->password != NULL &&
	    bgp_sock_md5(fd, &nb->addr, addr_bits(nb->addr.family),
		nb->password) == -1) {
		peer_error_text(p, "tcp-md5: %s", strerror(errno));
		log_err("bgp: cannot set tcp-md5 key: peer=%s error=%s",
		    p->name, strerror(errno));
		goto fail;
	}
	if (peer_sockopts(p, fd) == -1) {
		peer_error_text(p, "socket options: %s", strerror(errno));
		goto fail;
	}
	if (nb->local.family != 0) {
		sl = bgp_sock_sockaddr(&nb->local, 0, &ss);
		if (bind(fd, (struct sockaddr *)&ss, sl) == -1) {
			peer_error_text(
			    p, "bind local address: %s", strerror(errno));
			log_err("bgp: cannot bind local address: peer=%s "
				"error=%s",
			    p->name, strerror(errno));
			goto fail;
		}
	}
	sl = bgp_sock_sockaddr(&nb->addr, nb->port, &ss);
	if (connect(fd, (struct sockaddr *)&ss, sl) == -1 &&
	    errno != EINPROGRESS) {
		peer_error_text(p, "connect: %s", strerror(errno));
		log_info("bgp: connect failed: peer=%s asn=%u error=%s",
		    p->name, peer_asn(p), strerror(errno));
		goto fail;
	}
	p->conn = conn_new(p, fd, true);
	p->conn->connecting = true;
	conn_update_io(p, p->conn);
	log_debug("bgp: connecting: peer=%s asn=%u port=%u", p->name,
	    peer_asn(p), nb->port);
	return 0;
fail:
	close(fd);
	return -1;
}

/* Session up and down. */

static void
peer_session_up(struct bgp_peer *p)
{
	struct rib_peer_info info;

	memset(&info, 0, sizeof(info));
	info.asn = p->remote_as;
	info.bgp_id = p->remote_id;
	info.addr = p->nb->addr;
	info.ibgp = p->ibgp;
	info.as4 = p->as4;
	info.families = p->families;
	info.refresh = p->refresh;
	info.enhanced_refresh = p->enhanced_refresh;
	info.ext_nh = p->ext_nh;
	if (p->conn != NULL)
		bgp_sock_local_addrs(p->conn->fd, &info);
	/* A family carried over a session of the other family takes its
	 * next hop from our address of that family on the session's
	 * interface, or from a configured one: without either, routes that
	 * need our next hop cannot go to this peer in that family. */
	if ((p->families & BGP_FAM_IPV4) && info.local4.family == 0 &&
	    p->nb->next_hop_addr.family != AF_INET &&
	    !(p->ext_nh && info.local6.family == AF_INET6))
		log_warn("bgp: no IPv4 address on the session's interface: "
			 "peer=%s: IPv4 routes needing our next hop are not "
			 "sent (set next-hop to an IPv4 address, or "
			 "extended-next-hop on both sides)",
		    p->name);
	if ((p->families & BGP_FAM_IPV6) && info.local6.family == 0 &&
	    p->nb->next_hop_addr.family != AF_INET6)
		log_warn("bgp: no global IPv6 address on the session's "
			 "interface: peer=%s: IPv6 routes needing our next hop "
			 "are not sent (set next-hop to an IPv6 address)",
		    p->name);
	log_notice("bgp: session up: peer=%s asn=%u id=%u.%u.%u.%u hold=%u "
		   "families=%s%s as4=%d extended-next-hop=%d",
	    p->name, p->remote_as, p->remote_id >> 24,
	    (p->remote_id >> 16) & 0xff, (p->remote_id >> 8) & 0xff,
	    p->remote_id & 0xff, p->fsm.neg_hold,
	    p->families & BGP_FAM_IPV4 ? "ipv4," : "",
	    p->families & BGP_FAM_IPV6 ? "ipv6" : "", p->as4, p->ext_nh);
	/* 6.8: a connection still colliding loses to the Established one. */
	if (p->coll != NULL)
		conn_notify_close(
		    p, p->coll, BGP_ERR_CEASE, BGP_ERR_CEASE_COLLISION, NULL);
	rib_peer_up(p->rp, &info);
}

static void
peer_session_down(struct bgp_peer *p)
{
	p->flaps++;
	p->rib_pending = false;
	log_notice("bgp: session down: peer=%s asn=%u reason=\"%s\"", p->name,
	    peer_asn(p), p->last_error[0] != '\0' ? p->last_error : "unknown");
	rib_peer_down(p->rp);
}

/* The FSM's actions, in order. */
static void
peer_act(struct bgp_peer *p, const struct bgp_fsm_action *a)
{
	struct ev_loop *loop = p->s->loop;
	ev_timer *t;

	switch (a->type) {
	case BGP_FA_CONNECT:
		if (p->conn != NULL)
			conn_close(p, p->conn);
		if (peer_connect(p) == -1)
			p->pending = BGP_EV_TCP_FAILED;
		break;
	case BGP_FA_CLOSE:
		conn_close(p, p->conn);
		break;
	case BGP_FA_SEND_OPEN:
		if (p->conn != NULL)
			peer_send_open(p, p->conn);
		break;
	case BGP_FA_SEND_KEEPALIVE:
		if (p->conn != NULL &&
		    bgp_msg_keepalive_encode(&p->conn->out) == 0)
			conn_queued(p, p->conn, BGP_MSG_KEEPALIVE);
		break;
	case BGP_FA_SEND_NOTIFICATION:
		if (p->conn != NULL)
			peer_send_notification(p, p->conn, a->code, a->subcode,
			    p->cur_err, p->stop_text);
		break;
	case BGP_FA_TIMER_START:
		t = &p->timers[a->timer];
		ev_timer_stop(loop, t);
		ev_timer_set(t, a->secs, 0);
		ev_timer_start(loop, t);
		break;
	case BGP_FA_TIMER_STOP:
		ev_timer_stop(loop, &p->timers[a->timer]);
		break;
	case BGP_FA_SESSION_UP:
		peer_session_up(p);
		break;
	case BGP_FA_SESSION_DOWN:
		peer_session_down(p);
		break;
	}
}

static void
peer_exec(
    struct bgp_peer *p, const struct bgp_fsm_actions *acts, enum bgp_state old)
{
	size_t i;

	if (p->fsm.state != old) {
		log_info("bgp: state change: peer=%s asn=%u from=%s to=%s",
		    p->name, peer_asn(p), bgp_fsm_state_name(old),
		    bgp_fsm_state_name(p->fsm.state));
		p->since = time(NULL);
	}
	for (i = 0; i < acts->n; i++)
		peer_act(p, &acts->a[i]);
}

/*
 * The session's connection is gone before Established while a colliding
 * one lives: that one carries the session on, from OpenSent (our OPEN is
 * already out on it).
 */
void
peer_promote(struct bgp_peer *p)
{
	struct bgp_fsm_actions acts = { 0 };
	enum bgp_state old = p->fsm.state;

	p->conn = p->coll;
	p->coll = NULL;
	log_info("bgp: collision: adopting the other connection: peer=%s "
		 "outgoing=%d",
	    p->name, p->conn->outgoing);
	bgp_fsm_adopt(&p->fsm, &acts);
	peer_exec(p, &acts, old);
}

void
peer_event(
    struct bgp_peer *p, enum bgp_fsm_event ev, const struct bgp_fsm_arg *arg)
{
	struct bgp_fsm_actions acts;
	enum bgp_state old;

	for (;;) {
		acts.n = 0;
		old = p->fsm.state;
		p->pending = 0;
		log_debug("bgp: event: peer=%s state=%s event=%s", p->name,
		    bgp_fsm_state_name(old), bgp_fsm_event_name(ev));
		bgp_fsm_step(&p->fsm, ev, arg, &acts);
		peer_exec(p, &acts, old);
		if (p->pending == 0)
			break;
		ev = p->pending;
		arg = NULL;
	}
	if (p->conn == NULL && p->coll != NULL) {
		if (p->fsm.stopped)
			conn_close(p, p->coll);
		else if (p->fsm.state < BGP_ST_OPENSENT)
			peer_promote(p);
	}
	if (p->dynamic && p->fsm.state == BGP_ST_IDLE && p->conn == NULL &&
	    p->coll == NULL)
		p->reap = true;
}

/* An error found by us: its NOTIFICATION (with data) goes out. */
void
peer_error(struct bgp_peer *p, const struct bgp_err *err)
{
	struct bgp_fsm_arg arg = { .code = err->code, .subcode = err->subcode };

	p->cur_err = err;
	peer_event(p, BGP_EV_MSG_ERROR, &arg);
	p->cur_err = NULL;
}

/* Frame and dispatch what c has read; stop when c is closed. */
static void
conn_input(struct bgp_peer *p, struct bgp_conn *c)
{
	struct bgp_hdr h;
	struct bgp_err err;
	size_t off = 0;

	while (c->fd != -1 && c->inlen - off >= BGP_HDR_LEN) {
		if (bgp_msg_hdr_decode(c->in + off, c->inlen - off, &h, &err) !=
		    BGP_ACT_OK) {
			log_notice("bgp: bad message header: peer=%s "
				   "reason=\"%s\"",
			    p->name, err.reason ? err.reason : "");
			if (c == p->conn)
				peer_error(p, &err);
			else
				conn_notify_close(
				    p, c, err.code, err.subcode, &err);
			return;
		}
		if (c->inlen - off < h.len)
			break;
		peer_msg(p, c, c->in + off, h.len, h.type);
		off += h.len;
	}
	if (c->fd == -1)
		return;
	memmove(c->in, c->in + off, c->inlen - off);
	c->inlen -= off;
}

/* The input pause is over (PEER_IN_PACE): read again. */
static void
conn_pace_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct bgp_conn *c = w->data;

	(void)revents;
	if (c->fd != -1 && !c->connecting)
		ev_io_start(loop, &c->rio);
}

/* Did the read just handled (n of want octets) empty the socket while
 * small UPDATEs stream in?  Cuts the receive buffer the first time. */
static bool
conn_pace_due(struct bgp_peer *p, struct bgp_conn *c, size_t n, size_t want)
{
	ev_tstamp now = ev_now(p->s->loop);
	int size;

	if (c->fd == -1 || c != p->conn || p->fsm.state != BGP_ST_ESTABLISHED)
		return false;
	if (c->win_updates >= PEER_IN_WINDOW) {
		if (now - c->win_start <= 1.0 &&
		    c->win_prefixes < PEER_IN_SMALL * c->win_updates)
			c->small_last = now;
		else
			c->small_last = 0;
		c->win_updates = c->win_prefixes = 0;
	}
	if (c->small_last == 0 || now - c->small_last > 1.0)
		return false;
	if (!c->rcvbuf_cut) {
		c->rcvbuf_cut = true;
		size = bgp_sock_rcvbuf_rtt(c->fd, PEER_IN_RATE,
		    PEER_IN_RCVBUF_MIN, PEER_IN_RCVBUF_MAX);
		if (size == -1)
			log_warn("bgp: cannot size receive buffer: peer=%s "
				 "error=%s",
			    p->name, strerror(errno));
		else
			log_info("bgp: pacing small UPDATEs: peer=%s "
				 "rcvbuf=%d",
			    p->name, size);
	}
	return n < want;
}

static void
conn_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct bgp_conn *c = w->data;
	struct bgp_peer *p = c->peer;
	size_t want = PEER_RBUF_SIZE - c->inlen;
	ssize_t n;

	(void)revents;
	c->busy = true;
	n = read(c->fd, c->in + c->inlen, want);
	if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
		c->busy = false;
		return;
	}
	if (n <= 0) {
		conn_failed(p, c,
		    n == 0 ? "connection closed by peer" : strerror(errno));
	} else {
		c->inlen += (size_t)n;
		conn_input(p, c);
		if (conn_pace_due(p, c, (size_t)n, want)) {
			ev_io_stop(loop, &c->rio);
			ev_timer_set(&c->pace, PEER_IN_PACE, 0.);
			ev_timer_start(loop, &c->pace);
		}
	}
	c->busy = false;
	if (c->fd == -1)
		conn_destroy(c);
	peer_reap(p);
}

/* Timers. */

static void
peer_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	static const enum bgp_fsm_event events[BGP_TIMER_COUNT] = {
		[BGP_TIMER_CONNRETRY] = BGP_EV_CONNRETRY_EXPIRED,
		[BGP_TIMER_HOLD] = BGP_EV_HOLD_EXPIRED,
		[BGP_TIMER_KEEPALIVE] = BGP_EV_KEEPALIVE_EXPIRED,
		[BGP_TIMER_IDLE_HOLD] = BGP_EV_IDLE_HOLD_EXPIRED,
		[BGP_TIMER_IDLE_RESET] = BGP_EV_IDLE_RESET_EXPIRED,
	};
	struct bgp_peer *p = w->data;
	size_t t = (size_t)(w - p->timers);

	(void)loop;
	(void)revents;
	if (t == BGP_TIMER_HOLD) {
		peer_error_text(p, "hold timer expired");
		log_notice("bgp: hold timer expired: peer=%s asn=%u state=%s",
		    p->name, peer_asn(p), bgp_fsm_state_name(p->fsm.state));
	}
	peer_event(p, events[t], NULL);
	peer_reap(p);
}

/* Peers. */

static void
peer_fsm_init(struct bgp_peer *p)
{
	const struct bgp_neighbor *nb = p->nb;

	bgp_fsm_init(&p->fsm, nb->passive, nb->hold_time, nb->keepalive,
	    nb->connect_retry);
}

/* A tick of the output wait: wait on while input streams in, else let
 * the write watcher pull the next round. */
static void
peer_batch_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct bgp_peer *p = w->data;
	size_t n;

	(void)revents;
	if (p->conn == NULL || p->fsm.state != BGP_ST_ESTABLISHED)
		return;
	n = rib_peer_output_queued(p->rp);
	if (!rib_peer_output_ripe(p->rp) &&
	    n >= p->batch_mark + PEER_OUT_GROWTH &&
	    ev_now(loop) - p->batch_start + PEER_OUT_TICK <=
		PEER_OUT_HOLD_MAX) {
		p->batch_mark = n;
		ev_timer_set(w, PEER_OUT_TICK, 0.);
		ev_timer_start(loop, w);
		return;
	}
	p->out_due = true;
	conn_update_io(p, p->conn);
}

static struct bgp_peer *
peer_alloc(struct bgp_sessions *s)
{
	struct bgp_peer *p = xcalloc(1, sizeof(*p));
	size_t i;

	objcount_inc(&objcount_bgp_peer);
	p->s = s;
	for (i = 0; i < BGP_TIMER_COUNT; i++) {
		ev_init(&p->timers[i], peer_timer_cb);
		p->timers[i].data = p;
	}
	ev_init(&p->batch, peer_batch_cb);
	p->batch.data = p;
	p->since = time(NULL);
	return p;
}

/* p->nb set: the FSM and the RIB peer follow from it. */
static void
peer_attach(struct bgp_peer *p)
{
	peer_fsm_init(p);
	p->rp = rib_peer_new(p->s->rib, p->nb, p);
}

static struct bgp_peer *
peer_new(struct bgp_sessions *s, const struct bgp_neighbor *nb)
{
	struct bgp_peer *p = peer_alloc(s);

	p->nb = nb;
	if (nb->name != NULL)
		snprintf(p->name, sizeof(p->name), "%s", nb->name);
	else
		addr_fmt(&nb->addr, p->name, sizeof(p->name));
	peer_attach(p);
	return p;
}

static void
peer_free(struct bgp_peer *p)
{
	size_t i;

	conn_close(p, p->conn);
	conn_close(p, p->coll);
	for (i = 0; i < BGP_TIMER_COUNT; i++)
		ev_timer_stop(p->s->loop, &p->timers[i]);
	ev_timer_stop(p->s->loop, &p->batch);
	if (p->fsm.state == BGP_ST_ESTABLISHED)
		rib_peer_down(p->rp);
	rib_peer_free(p->rp);
	TAILQ_REMOVE(&p->s->peers, p, entry);
	free(p);
	objcount_dec(&objcount_bgp_peer);
}

/* Stop with a Cease (sent from OpenSent on); no automatic restart. */
static void
peer_stop(struct bgp_peer *p, uint8_t subcode, const char *why)
{
	struct bgp_fsm_arg arg = { .code = BGP_ERR_CEASE, .subcode = subcode };

	peer_error_text(p, "%s", why);
	p->stop_text = why;
	peer_event(p, BGP_EV_STOP, &arg);
	p->stop_text = NULL;
}

static void
peer_start(struct bgp_peer *p)
{
	log_info("bgp: starting: peer=%s asn=%u passive=%d", p->name,
	    peer_asn(p), p->nb->passive);
	peer_event(p, BGP_EV_START, NULL);
}

/* Dynamic neighbors: a connection from a listen range. */

static const struct bgp_listen_range *
range_find(const struct bgp_conf *conf, const struct addr *a)
{
	size_t i;

	for (i = 0; i < conf->nranges; i++)
		if (prefix_contains_addr(&conf->ranges[i].prefix, a))
			return &conf->ranges[i];
	return NULL;
}

static void
peer_dyn_set(
    struct bgp_peer *p, const struct bgp_listen_range *r, const struct addr *a)
{
	p->range = r;
	p->dyn = r->tmpl;
	p->dyn.addr = *a;
	p->dyn.asn = r->asn;
	p->dyn.name = p->name;
	p->dyn.passive = true;
}

static struct bgp_peer *
peer_dyn_new(struct bgp_sessions *s, const struct addr *a)
{
	const struct bgp_listen_range *r = range_find(s->conf, a);
	struct bgp_peer *p;
	unsigned n = 0;
	char buf[ADDR_STRLEN], pbuf[PREFIX_STRLEN];

	addr_fmt(a, buf, sizeof(buf));
	if (r == NULL) {
		log_info("bgp: connection refused: peer=%s reason=\"no "
			 "matching neighbor or listen range\"",
		    buf);
		return NULL;
	}
	TAILQ_FOREACH (p, &s->peers, entry)
		if (p->dynamic && p->range == r)
			n++;
	if (n >= r->max) {
		log_warn("bgp: connection refused: peer=%s range=%s "
			 "reason=\"listen range full\" max=%u",
		    buf, prefix_fmt(&r->prefix, pbuf, sizeof(pbuf)), r->max);
		return NULL;
	}
	p = peer_alloc(s);
	snprintf(p->name, sizeof(p->name), "%s", buf);
	peer_dyn_set(p, r, a);
	p->nb = &p->dyn;
	peer_attach(p);
	p->dynamic = true;
	TAILQ_INSERT_TAIL(&s->peers, p, entry);
	log_info("bgp: dynamic neighbor: peer=%s asn=%u range=%s", p->name,
	    r->asn, prefix_fmt(&r->prefix, pbuf, sizeof(pbuf)));
	peer_start(p);
	return p;
}

/* Accepting. */

/* A listener accepted fd from a (bgp_listen.c). */
static void
peer_accept(void *ctx, int fd, const struct addr *a)
{
	struct bgp_sessions *s = ctx;
	struct bgp_peer *p = bgp_sessions_find(s, a);
	struct bgp_conn *c;

	if (p == NULL && (p = peer_dyn_new(s, a)) == NULL) {
		close(fd);
		return;
	}
	if (peer_sockopts(p, fd) == -1) {
		close(fd);
		return;
	}
	log_debug("bgp: connection accepted: peer=%s state=%s", p->name,
	    bgp_fsm_state_name(p->fsm.state));
	c = conn_new(p, fd, false);
	switch (p->fsm.state) {
	case BGP_ST_OPENSENT:
	case BGP_ST_OPENCONFIRM:
		if (p->coll != NULL) {
			log_info("bgp: connection refused: peer=%s "
				 "reason=\"collision already pending\"",
			    p->name);
			conn_close(p, c);
			return;
		}
		/* RFC 4271 6.8: both live until an OPEN decides. */
		log_info("bgp: connection collision: peer=%s state=%s", p->name,
		    bgp_fsm_state_name(p->fsm.state));
		p->coll = c;
		peer_send_open(p, c);
		conn_update_io(p, c);
		return;
	case BGP_ST_ESTABLISHED:
		log_info("bgp: connection refused: peer=%s "
			 "reason=\"session established\"",
		    p->name);
		p->coll = c;
		conn_notify_close(
		    p, c, BGP_ERR_CEASE, BGP_ERR_CEASE_COLLISION, NULL);
		return;
	default:
		/* Idle, Active, or Connect: the peer beat our connect. */
		if (p->conn != NULL)
			conn_close(p, p->conn);
		p->conn = c;
		conn_update_io(p, c);
		peer_event(p, BGP_EV_TCP_CONNECTED, NULL);
		peer_reap(p);
		return;
	}
}

/* The public interface. */

struct bgp_sessions *
bgp_sessions_new(
    struct ev_loop *loop, struct rib *rib, const struct bgp_conf *conf)
{
	struct bgp_sessions *s = xcalloc(1, sizeof(*s));

	s->loop = loop;
	s->rib = rib;
	TAILQ_INIT(&s->peers);
	s->listeners = bgp_listeners_new(loop, peer_accept, s);
	TAILQ_INIT(&s->drains);
	if (bgp_sessions_configure(s, conf) == -1) {
		bgp_sessions_free(s);
		return NULL;
	}
	return s;
}

static struct bgp_peer *
peer_find_configured(struct bgp_peer_list *list, const struct addr *a)
{
	struct bgp_peer *p;

	TAILQ_FOREACH (p, list, entry)
		if (!p->dynamic && addr_cmp(&p->nb->addr, a) == 0)
			return p;
	return NULL;
}

/* A neighbor whose session settings changed: Cease 6/6, new session. */
static void
peer_restart(struct bgp_peer *p, const struct bgp_neighbor *nb)
{
	log_info("bgp: neighbor changed, resetting: peer=%s asn=%u", p->name,
	    nb->asn);
	peer_stop(p, BGP_ERR_CEASE_OTHER_CONFIG, "configuration change");
	rib_peer_free(p->rp);
	p->nb = nb;
	p->rp = rib_peer_new(p->s->rib, nb, p);
	peer_fsm_init(p);
	peer_start(p);
}

/* Dynamic peers after a reload: kept, changed (dropped) or removed. */
static void
sessions_configure_dynamic(struct bgp_sessions *s, struct bgp_peer_list *list,
    const struct bgp_conf *conf)
{
	const struct bgp_listen_range *r;
	struct bgp_neighbor tmp;
	struct bgp_peer *p;
	bool refib;

	while ((p = TAILQ_FIRST(list)) != NULL) {
		TAILQ_REMOVE(list, p, entry);
		TAILQ_INSERT_TAIL(&s->peers, p, entry);
		r = range_find(conf, &p->dyn.addr);
		if (peer_find_configured(&s->peers, &p->dyn.addr) != NULL ||
		    r == NULL) {
			peer_stop(
			    p, BGP_ERR_CEASE_PEER_DECONF, "peer de-configured");
			peer_free(p);
			continue;
		}
		tmp = r->tmpl;
		tmp.addr = p->dyn.addr;
		tmp.asn = r->asn;
		tmp.name = p->name;
		tmp.passive = true;
		if (bgp_neighbor_session_differs(&p->dyn, &tmp)) {
			peer_stop(p, BGP_ERR_CEASE_OTHER_CONFIG,
			    "configuration change");
			peer_free(p);
			continue;
		}
		refib = bgp_neighbor_overlay_differs(&p->dyn, &tmp);
		/* tmp.addr: peer_dyn_set overwrites p->dyn before reading a. */
		peer_dyn_set(p, r, &tmp.addr);
		rib_peer_reconf(p->rp, &p->dyn);
		if (refib)
			rib_peer_refib(p->rp);
	}
}

int
bgp_sessions_configure(struct bgp_sessions *s, const struct bgp_conf *conf)
{
	struct bgp_peer_list old, dyn;
	struct bgp_peer *p;
	size_t i;

	if (bgp_listeners_configure(s->listeners, s->conf, conf) == -1)
		return -1;
	s->conf = conf;
	TAILQ_INIT(&old);
	TAILQ_INIT(&dyn);
	while ((p = TAILQ_FIRST(&s->peers)) != NULL) {
		TAILQ_REMOVE(&s->peers, p, entry);
		TAILQ_INSERT_TAIL(p->dynamic ? &dyn : &old, p, entry);
	}
	for (i = 0; i < conf->nneighbors; i++) {
		const struct bgp_neighbor *nb = &conf->neighbors[i];

		if ((p = peer_find_configured(&old, &nb->addr)) != NULL) {
			TAILQ_REMOVE(&old, p, entry);
			TAILQ_INSERT_TAIL(&s->peers, p, entry);
			if (bgp_neighbor_session_differs(p->nb, nb)) {
				peer_restart(p, nb);
			} else {
				/* Policy or overlay only (or nothing): no
				 * reset. */
				bool refib =
				    bgp_neighbor_overlay_differs(p->nb, nb);

				p->nb = nb;
				rib_peer_reconf(p->rp, nb);
				if (refib)
					rib_peer_refib(p->rp);
			}
			continue;
		}
		p = peer_new(s, nb);
		TAILQ_INSERT_TAIL(&s->peers, p, entry);
		peer_start(p);
	}
	while ((p = TAILQ_FIRST(&old)) != NULL) {
		TAILQ_REMOVE(&old, p, entry);
		TAILQ_INSERT_TAIL(&s->peers, p, entry);
		log_info("bgp: neighbor removed: peer=%s asn=%u", p->name,
		    peer_asn(p));
		peer_stop(p, BGP_ERR_CEASE_PEER_DECONF, "peer de-configured");
		peer_free(p);
	}
	sessions_configure_dynamic(s, &dyn, conf);
	return 0;
}

void
bgp_sessions_free(struct bgp_sessions *s)
{
	struct bgp_peer *p;

	if (s == NULL)
		return;
	while ((p = TAILQ_FIRST(&s->peers)) != NULL) {
		if (p->fsm.state != BGP_ST_IDLE || !p->fsm.stopped)
			peer_stop(p, BGP_ERR_CEASE_ADMIN_SHUTDOWN,
			    "administrative shutdown");
		peer_free(p);
	}
	bgp_listeners_free(s->listeners);
	while (!TAILQ_EMPTY(&s->drains))
		drain_flush_now(TAILQ_FIRST(&s->drains));
	free(s);
}

void
bgp_sessions_output_ready(struct bgp_sessions *s, struct rib_peer *rp)
{
	struct bgp_peer *p = rib_peer_owner(rp);

	(void)s;
	if (p == NULL)
		return;
	p->rib_pending = true;
	if (p->conn == NULL || p->fsm.state != BGP_ST_ESTABLISHED)
		return;
	/* Output in flight: the write watcher pulls the rest in time. */
	if (p->conn->out.len > 0 || ev_is_active(&p->conn->wio) ||
	    ev_is_active(&p->batch))
		return;
	/* Called on the first prefix queued, usually in the middle of
	 * an UPDATE: whether to hold output back (peer_out_hold) is for
	 * conn_flush to judge once the input at hand has been handled,
	 * when the write watcher fires.  A packed table then goes out at
	 * once instead of a tick later. */
	conn_update_io(p, p->conn);
}

struct bgp_peer *
bgp_sessions_find(struct bgp_sessions *s, const struct addr *a)
{
	struct bgp_peer *p;

	TAILQ_FOREACH (p, &s->peers, entry)
		if (addr_cmp(&p->nb->addr, a) == 0)
			return p;
	return NULL;
}

int
bgp_peer_reset(struct bgp_peer *p)
{
	log_notice("bgp: administrative reset: peer=%s asn=%u state=%s",
	    p->name, peer_asn(p), bgp_fsm_state_name(p->fsm.state));
	peer_stop(p, BGP_ERR_CEASE_ADMIN_RESET, "administrative reset");
	if (p->dynamic) {
		peer_free(p);
		return 0;
	}
	peer_start(p);
	return 0;
}

int
bgp_peer_refresh(struct bgp_peer *p)
{
	struct bgp_refresh r;
	int af;

	if (p->fsm.state != BGP_ST_ESTABLISHED || p->conn == NULL) {
		log_info("bgp: route refresh not sent: peer=%s "
			 "reason=\"not established\"",
		    p->name);
		return -1;
	}
	if (!p->refresh) {
		log_info("bgp: route refresh not sent: peer=%s "
			 "reason=\"peer lacks the capability\"",
		    p->name);
		return -1;
	}
	for (af = 0; af < BGP_AF_COUNT; af++) {
		if ((af == BGP_AF_IPV4_UNICAST &&
			!(p->families & BGP_FAM_IPV4)) ||
		    (af == BGP_AF_IPV6_UNICAST &&
			!(p->families & BGP_FAM_IPV6)))
			continue;
		memset(&r, 0, sizeof(r));
		bgp_msg_af_afi_safi(af, &r.afi, &r.safi);
		r.subtype = BGP_REFRESH_NORMAL;
		if (bgp_msg_refresh_encode(&p->conn->out, &r) == 0)
			conn_queued(p, p->conn, BGP_MSG_ROUTE_REFRESH);
	}
	log_info(
	    "bgp: route refresh sent: peer=%s asn=%u", p->name, peer_asn(p));
	return 0;
}

void
bgp_sessions_foreach(struct bgp_sessions *s,
    void (*fn)(void *arg, const struct bgp_peer_status *), void *arg)
{
	struct bgp_peer_status st;
	struct bgp_peer *p;

	TAILQ_FOREACH (p, &s->peers, entry) {
		memset(&st, 0, sizeof(st));
		st.name = p->name;
		st.addr = p->nb->addr;
		st.asn = peer_asn(p);
		st.dynamic = p->dynamic;
		st.state = p->fsm.state;
		st.since = p->since;
		st.flaps = p->flaps;
		memcpy(st.msgs_in, p->msgs_in, sizeof(st.msgs_in));
		memcpy(st.msgs_out, p->msgs_out, sizeof(st.msgs_out));
		snprintf(
		    st.last_error, sizeof(st.last_error), "%s", p->last_error);
		st.hold_time = p->fsm.neg_hold;
		if (p->fsm.state == BGP_ST_ESTABLISHED) {
			st.families = p->families;
			st.ext_nh = p->ext_nh;
		}
		rib_peer_stats(p->rp, &st.rib);
		st.rib_peer = p->rp;
		fn(arg, &st);
	}
}
