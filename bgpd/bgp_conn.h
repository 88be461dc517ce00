/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The connection layer of the BGP sessions, private to bgpd/: one
 * struct bgp_conn per TCP connection (socket, framed input, output
 * buffer, input pacing) and the drains that flush a closed connection's
 * last bytes.  It knows nothing of peers, the FSM or the RIB: it reports
 * upward through the callbacks of struct bgp_conn_ops, and the session
 * layer (bgp_peer.c, bgp_peer_msg.c) calls down into it.  Nothing here
 * calls back into those files by name, so the calls go one way.
 */
#ifndef FERRY_BGP_CONN_H
#define FERRY_BGP_CONN_H

#include <sys/queue.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ev.h>

#include "bgp_conf.h"
#include "bgp_msg.h"
#include "buf.h"

struct bgp_conn;

/* What a connection reports to its owner (a struct bgp_peer). */
struct bgp_conn_ops {
	/* One framed message, header included; m is valid for the call. */
	void (*msg)(void *owner, struct bgp_conn *, const uint8_t *m,
	    size_t len, uint8_t type);
	/* A bad message header: err is the NOTIFICATION it calls for. */
	void (*bad_header)(void *owner, struct bgp_conn *, struct bgp_err *);
	/* An outgoing connect completed. */
	void (*connected)(void *owner, struct bgp_conn *);
	/* The connection failed or was closed by the peer. */
	void (*failed)(void *owner, struct bgp_conn *, const char *why);
	/* Output fell below the low-water mark: append more, if any. */
	void (*fill)(void *owner, struct bgp_conn *);
	/* Would fill append something now?  (Keeps the write watcher.) */
	bool (*wants_fill)(void *owner, const struct bgp_conn *);
	/* A callback on the connection returns: the owner may go now. */
	void (*done)(void *owner);
};

/* What the connections of one speaker share. */
struct bgp_conn_ctx {
	struct ev_loop *loop;
	const struct bgp_conn_ops *ops;
	TAILQ_HEAD(, bgp_drain) drains;
};

struct bgp_conn {
	struct bgp_conn_ctx *cx;
	void *owner;
	const char *name; /* the owner's, for logs */
	int fd;
	bool outgoing;	 /* we initiated it */
	bool connecting; /* non-blocking connect under way */
	bool busy;	 /* inside its own callback */
	ev_io rio;
	ev_io wio;
	ev_timer pace;	      /* CONN_IN_PACE */
	uint32_t win_updates; /* UPDATEs in the current window */
	uint32_t win_prefixes;
	ev_tstamp win_start;
	ev_tstamp small_last; /* a window of small UPDATEs ended; 0: none */
	bool rcvbuf_cut;
	uint8_t *in;
	size_t inlen, incap;
	struct wbuf out;
};

/* Output below this many octets asks the owner for more (ops->fill). */
#define CONN_OUT_LOWAT 4096

void bgp_conn_ctx_init(
    struct bgp_conn_ctx *, struct ev_loop *, const struct bgp_conn_ops *);
/* At exit: one last try to flush every drain, then close them. */
void bgp_conn_ctx_flush(struct bgp_conn_ctx *);

/*
 * Our implementation of the TTL rules: eBGP sends multihop (1 when
 * directly connected), iBGP 255.  With GTSM (RFC 5082 3) we send 255 and
 * drop anything that arrives with less than 255 - (hops - 1).
 */
int conn_sockopts(
    const struct bgp_neighbor *, bool ebgp, int fd, const char *name);
/* A connection on an accepted fd (options already set). */
struct bgp_conn *conn_new(struct bgp_conn_ctx *, void *owner, const char *name,
    int fd, bool outgoing);
/*
 * Start a non-blocking connect to nb: TCP-MD5, TTL, local address.  NULL
 * on failure, with the reason in err.
 */
struct bgp_conn *conn_connect(struct bgp_conn_ctx *, void *owner,
    const char *name, const struct bgp_neighbor *, bool ebgp, char *err,
    size_t errlen);
/*
 * Close c: with output pending (a NOTIFICATION at least), through a
 * drain.  The object goes when its own callback, if running, returns.
 */
void conn_close(struct bgp_conn *);
/* Recompute I/O interest: read unless paused, write while output waits. */
void conn_update_io(struct bgp_conn *);
/* An UPDATE of n prefixes was received (input pacing). */
void conn_note_update(struct bgp_conn *, size_t nprefixes);
/*
 * Append a NOTIFICATION (with err's data when it matches code/subcode,
 * or RFC 9003 text for administrative Cease) and log it.  Returns the
 * reason logged ("" if none).
 */
const char *conn_send_notification(struct bgp_conn *, uint32_t asn,
    uint8_t code, uint8_t subcode, const struct bgp_err *, const char *text);

#endif
