/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * BGP connections (see bgp_conn.h): sockets, buffers, input pacing and
 * the drains, on the daemon's libev loop.
 *
 * Buffers.  Input is framed by the header length (at most 4096 octets)
 * in a buffer per connection, grown while reads fill it and shrunk back
 * to one message when the peer goes quiet, and each message goes up to
 * the owner (ops->msg).  Output is one wbuf per connection: the owner's own
 * messages are appended as they come, and when it drains below
 * CONN_OUT_LOWAT the owner is asked for more (ops->fill), so a slow peer
 * holds back the RIB, not our memory.
 *
 * Closing.  RFC 4271 wants the NOTIFICATION sent before the connection
 * closes.  A connection with output pending is handed to a struct
 * bgp_drain, which flushes it and waits a few seconds for the peer to
 * close, while the owner is free to start again.
 *
 * Sockets.  Addresses, TCP-MD5 (RFC 2385), TTL and GTSM (RFC 5082) are
 * set through bgp_sock.c.
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>

#include "bgp_conn.h"
#include "bgp_sock.h"
#include "log.h"
#include "xalloc.h"

/*
 * Input buffer: one message (BGP_MAX_MSG_LEN) while the peer trickles,
 * CONN_RBUF_SIZE while a read fills it (a table arriving: fewer reads),
 * back to one message when a read finds the socket nearly empty.  A
 * route reflector's clients send a few routes each, then keepalives.
 */
#define CONN_RBUF_MIN  BGP_MAX_MSG_LEN
#define CONN_RBUF_SIZE 65536
/*
 * Output a connection keeps while it has nothing to send.  A table goes
 * out in fills of PEER_OUT_BUDGET octets, and a route
 * reflector has one such buffer per client: kept, they were most of the
 * memory of 1000 sessions (issue 12).  Freed when idle, they cost only
 * while a table is being sent.
 */
#define CONN_OUT_IDLE_KEEP 4096
/* Octets one writable event may send (conn_flush), so that one client
 * taking a table cannot hold the others up. */
#define CONN_OUT_EVENT (256 * 1024)
/*
 * Input pacing (conn_read_cb, conn_pace_due).  A speaker that packs
 * UPDATEs from what is pending per attribute set (BIRD does) sends one
 * prefix per message for as long as its receiver keeps up, and that
 * makes a table with many attribute sets several times slower to send,
 * to parse and to pass on.  So when CONN_IN_WINDOW UPDATEs in a row, all
 * within a second, carried fewer than CONN_IN_SMALL prefixes each, the
 * connection's receive buffer is cut to one round trip's worth at
 * CONN_IN_RATE (the kernel's autotuning would grow it to megabytes), and
 * each read that empties the socket is followed by a CONN_IN_PACE pause:
 * the peer's output backs up and it packs what waits.  Input that comes
 * packed, or faster than we read, is never paused.  Only UPDATEs of an
 * Established session are counted (conn_note_update), so nothing else
 * is ever paused.
 */
#define CONN_IN_WINDOW	   256	 /* UPDATEs judged together */
#define CONN_IN_SMALL	   4	 /* prefixes per UPDATE */
#define CONN_IN_PACE	   0.002 /* seconds */
#define CONN_IN_RATE	   256e6 /* octets per second */
#define CONN_IN_RCVBUF_MIN (16 * 1024)
#define CONN_IN_RCVBUF_MAX (4 * 1024 * 1024)
#define CONN_DRAIN_SECS	   3.0

OBJCOUNT(bgp_conn);
OBJCOUNT(bgp_drain);

/* A closed connection still flushing its last bytes (a NOTIFICATION). */
struct bgp_drain {
	struct bgp_conn_ctx *cx;
	int fd;
	bool shut; /* all sent */
	ev_io rio;
	ev_io wio;
	ev_timer timer;
	struct wbuf out;
	TAILQ_ENTRY(bgp_drain) entry;
};

void
bgp_conn_ctx_init(struct bgp_conn_ctx *cx, struct ev_loop *loop,
    const struct bgp_conn_ops *ops)
{
	cx->loop = loop;
	cx->ops = ops;
	TAILQ_INIT(&cx->drains);
}

/* Sockets: TCP-MD5, TTL, GTSM. */

int
conn_sockopts(
    const struct bgp_neighbor *nb, bool ebgp, int fd, const char *name)
{
	int ttl, minttl = 0;

	if (ebgp)
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
		    name, ttl, minttl, strerror(errno));
		return -1;
	}
	return 0;
}

/* Drains. */

static void
drain_free(struct bgp_drain *d)
{
	struct ev_loop *loop = d->cx->loop;

	ev_io_stop(loop, &d->rio);
	ev_io_stop(loop, &d->wio);
	ev_timer_stop(loop, &d->timer);
	close(d->fd);
	wbuf_free(&d->out);
	TAILQ_REMOVE(&d->cx->drains, d, entry);
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
	/*
	 * All sent: read until the peer closes (or the drain times out).
	 * No half-close here: a FIN right behind the NOTIFICATION lets a
	 * peer that reads in another thread (FRR) see the connection end
	 * before it has handled the NOTIFICATION, and it then takes a Hard
	 * Reset for a lost connection (RFC 8538) or logs no reason at all.
	 * The peer closes once it has read it, as RFC 4271 6 has it.
	 */
	ev_io_stop(loop, &d->wio);
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
drain_new(struct bgp_conn_ctx *cx, int fd, struct wbuf *out)
{
	struct bgp_drain *d = xcalloc(1, sizeof(*d));

	objcount_inc(&objcount_bgp_drain);
	d->cx = cx;
	d->fd = fd;
	d->out = *out;
	wbuf_init(out, 0);
	ev_io_init(&d->rio, drain_read_cb, fd, EV_READ);
	ev_io_init(&d->wio, drain_write_cb, fd, EV_WRITE);
	ev_timer_init(&d->timer, drain_timeout_cb, CONN_DRAIN_SECS, 0);
	d->rio.data = d->wio.data = d->timer.data = d;
	TAILQ_INSERT_TAIL(&cx->drains, d, entry);
	ev_io_start(cx->loop, &d->wio);
	ev_timer_start(cx->loop, &d->timer);
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

void
bgp_conn_ctx_flush(struct bgp_conn_ctx *cx)
{
	while (!TAILQ_EMPTY(&cx->drains))
		drain_flush_now(TAILQ_FIRST(&cx->drains));
}

/* Connections. */

static void conn_read_cb(struct ev_loop *, ev_io *, int);
static void conn_pace_cb(struct ev_loop *, ev_timer *, int);
static void conn_write_cb(struct ev_loop *, ev_io *, int);

struct bgp_conn *
conn_new(struct bgp_conn_ctx *cx, void *owner, const char *name, int fd,
    bool outgoing)
{
	struct bgp_conn *c = xcalloc(1, sizeof(*c));

	objcount_inc(&objcount_bgp_conn);
	c->cx = cx;
	c->owner = owner;
	c->name = name;
	c->fd = fd;
	c->outgoing = outgoing;
	c->in = xmalloc(CONN_RBUF_MIN);
	c->incap = CONN_RBUF_MIN;
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

void
conn_close(struct bgp_conn *c)
{
	struct ev_loop *loop;

	if (c == NULL || c->fd == -1)
		return;
	loop = c->cx->loop;
	ev_io_stop(loop, &c->rio);
	ev_io_stop(loop, &c->wio);
	ev_timer_stop(loop, &c->pace);
	if (!c->connecting && c->out.len > 0)
		drain_new(c->cx, c->fd, &c->out);
	else
		close(c->fd);
	c->fd = -1;
	if (!c->busy)
		conn_destroy(c);
}

void
conn_update_io(struct bgp_conn *c)
{
	struct ev_loop *loop = c->cx->loop;
	bool more;

	if (c->fd == -1)
		return;
	more = c->out.len > 0 || c->cx->ops->wants_fill(c->owner, c);
	if (c->connecting || more)
		ev_io_start(loop, &c->wio);
	else
		ev_io_stop(loop, &c->wio);
	/* Idle: the buffer that carried a table goes back (conn_flush
	 * grows it again when there is more). */
	if (!more && c->out.cap > CONN_OUT_IDLE_KEEP) {
		wbuf_free(&c->out);
		wbuf_init(&c->out, 0);
	}
	if (!c->connecting && !ev_is_active(&c->pace))
		ev_io_start(loop, &c->rio);
}

/* The connection failed under us: the owner hears, output is dropped. */
static void
conn_failed(struct bgp_conn *c, const char *why)
{
	c->out.len = 0;
	c->cx->ops->failed(c->owner, c, why);
}

/*
 * Fill and send in small pieces until the socket is full, the owner has
 * nothing more or CONN_OUT_EVENT octets went out: the kernel's send
 * buffer holds what waits, and our own buffer never more than a fill
 * (CONN_OUT_LOWAT + the owner's budget).  A route reflector sends a
 * table to every client at once, so that buffer counts per session.
 */
static void
conn_flush(struct bgp_conn *c)
{
	size_t sent = 0;
	ssize_t n;

	for (;;) {
		if (c->out.len < CONN_OUT_LOWAT)
			c->cx->ops->fill(c->owner, c);
		if (c->fd == -1)
			return;
		if (c->out.len == 0)
			break;
		n = send(c->fd, c->out.data, c->out.len, MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			conn_failed(c, strerror(errno));
			return;
		}
		wbuf_consume(&c->out, (size_t)n);
		sent += (size_t)n;
		if (c->out.len > 0 || sent >= CONN_OUT_EVENT)
			break;
	}
	conn_update_io(c);
}

/* The end of a callback on c: free it if it was closed meanwhile, then
 * let the owner go if it wants to. */
static void
conn_cb_done(struct bgp_conn *c)
{
	const struct bgp_conn_ops *ops = c->cx->ops;
	void *owner = c->owner;

	c->busy = false;
	if (c->fd == -1)
		conn_destroy(c);
	ops->done(owner);
}

static void
conn_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct bgp_conn *c = w->data;
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
			conn_failed(c, strerror(err));
		} else {
			log_debug("bgp: connected: peer=%s", c->name);
			conn_update_io(c);
			c->cx->ops->connected(c->owner, c);
		}
	} else {
		conn_flush(c);
	}
	conn_cb_done(c);
}

/* Frame and dispatch what c has read; stop when c is closed. */
static void
conn_input(struct bgp_conn *c)
{
	struct bgp_hdr h;
	struct bgp_err err;
	size_t off = 0;

	while (c->fd != -1 && c->inlen - off >= BGP_HDR_LEN) {
		if (bgp_msg_hdr_decode(c->in + off, c->inlen - off, &h, &err) !=
		    BGP_ACT_OK) {
			log_notice("bgp: bad message header: peer=%s "
				   "reason=\"%s\"",
			    c->name, err.reason ? err.reason : "");
			c->cx->ops->bad_header(c->owner, c, &err);
			return;
		}
		if (c->inlen - off < h.len)
			break;
		c->cx->ops->msg(c->owner, c, c->in + off, h.len, h.type);
		off += h.len;
	}
	if (c->fd == -1)
		return;
	memmove(c->in, c->in + off, c->inlen - off);
	c->inlen -= off;
}

void
conn_note_update(struct bgp_conn *c, size_t nprefixes)
{
	if (c->win_updates++ == 0)
		c->win_start = ev_now(c->cx->loop);
	c->win_prefixes += (uint32_t)nprefixes;
}

/* The input pause is over (CONN_IN_PACE): read again. */
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
conn_pace_due(struct bgp_conn *c, size_t n, size_t want)
{
	ev_tstamp now = ev_now(c->cx->loop);
	int size;

	if (c->fd == -1)
		return false;
	if (c->win_updates >= CONN_IN_WINDOW) {
		if (now - c->win_start <= 1.0 &&
		    c->win_prefixes < CONN_IN_SMALL * c->win_updates)
			c->small_last = now;
		else
			c->small_last = 0;
		c->win_updates = c->win_prefixes = 0;
	}
	if (c->small_last == 0 || now - c->small_last > 1.0)
		return false;
	if (!c->rcvbuf_cut) {
		c->rcvbuf_cut = true;
		size = bgp_sock_rcvbuf_rtt(c->fd, CONN_IN_RATE,
		    CONN_IN_RCVBUF_MIN, CONN_IN_RCVBUF_MAX);
		if (size == -1)
			log_warn("bgp: cannot size receive buffer: peer=%s "
				 "error=%s",
			    c->name, strerror(errno));
		else
			log_info("bgp: pacing small UPDATEs: peer=%s "
				 "rcvbuf=%d",
			    c->name, size);
	}
	return n < want;
}

/* After a read of n octets of want, with the whole messages consumed. */
static void
conn_in_resize(struct bgp_conn *c, size_t n, size_t want)
{
	size_t cap = c->incap;

	if (c->fd == -1)
		return;
	if (n == want)
		cap = CONN_RBUF_SIZE;
	else if (n < CONN_RBUF_MIN && c->inlen <= CONN_RBUF_MIN)
		cap = CONN_RBUF_MIN;
	if (cap == c->incap)
		return;
	c->in = xreallocarray(c->in, cap, 1);
	c->incap = cap;
}

static void
conn_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct bgp_conn *c = w->data;
	size_t want = c->incap - c->inlen;
	ssize_t n;

	(void)revents;
	c->busy = true;
	n = read(c->fd, c->in + c->inlen, want);
	if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
		c->busy = false;
		return;
	}
	if (n <= 0) {
		conn_failed(
		    c, n == 0 ? "connection closed by peer" : strerror(errno));
	} else {
		c->inlen += (size_t)n;
		conn_input(c);
		conn_in_resize(c, (size_t)n, want);
		if (conn_pace_due(c, (size_t)n, want)) {
			ev_io_stop(loop, &c->rio);
			ev_timer_set(&c->pace, CONN_IN_PACE, 0.);
			ev_timer_start(loop, &c->pace);
		}
	}
	conn_cb_done(c);
}

/* Connecting. */

static void conn_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
conn_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

struct bgp_conn *
conn_connect(struct bgp_conn_ctx *cx, void *owner, const char *name,
    const struct bgp_neighbor *nb, bool ebgp, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	struct bgp_conn *c;
	socklen_t sl;
	int fd;

	fd = socket(
	    nb->addr.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		conn_err(err, errlen, "socket: %s", strerror(errno));
		log_err("bgp: socket: peer=%s error=%s", name, strerror(errno));
		return NULL;
	}
	if (nb->password != NULL &&
	    bgp_sock_md5(fd, &nb->addr, addr_bits(nb->addr.family),
		nb->password) == -1) {
		conn_err(err, errlen, "tcp-md5: %s", strerror(errno));
		log_err("bgp: cannot set tcp-md5 key: peer=%s error=%s", name,
		    strerror(errno));
		goto fail;
	}
	if (conn_sockopts(nb, ebgp, fd, name) == -1) {
		conn_err(err, errlen, "socket options: %s", strerror(errno));
		goto fail;
	}
	if (nb->local.family != 0) {
		sl = bgp_sock_sockaddr(&nb->local, 0, &ss);
		if (bind(fd, (struct sockaddr *)&ss, sl) == -1) {
			conn_err(err, errlen, "bind local address: %s",
			    strerror(errno));
			log_err("bgp: cannot bind local address: peer=%s "
				"error=%s",
			    name, strerror(errno));
			goto fail;
		}
	}
	sl = bgp_sock_sockaddr(&nb->addr, nb->port, &ss);
	if (connect(fd, (struct sockaddr *)&ss, sl) == -1 &&
	    errno != EINPROGRESS) {
		conn_err(err, errlen, "connect: %s", strerror(errno));
		log_info("bgp: connect failed: peer=%s asn=%u error=%s", name,
		    nb->asn, strerror(errno));
		goto fail;
	}
	c = conn_new(cx, owner, name, fd, true);
	c->connecting = true;
	conn_update_io(c);
	log_debug(
	    "bgp: connecting: peer=%s asn=%u port=%u", name, nb->asn, nb->port);
	return c;
fail:
	close(fd);
	return NULL;
}

/* Sending. */

const char *
conn_send_notification(struct bgp_conn *c, uint32_t asn, uint8_t code,
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
	    c->name, asn, code, subcode, bgp_msg_err_name(code, subcode),
	    why[0] ? " reason=\"" : "", why, why[0] ? "\"" : "", hex);
	conn_update_io(c);
	return why;
}
