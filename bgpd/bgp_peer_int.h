/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Private structures of the BGP session layer, shared by bgp_peer.c
 * (connections, timers, the FSM's actions, configuration) and
 * bgp_peer_msg.c (what each received message does).  Nothing else
 * includes this.
 */
#ifndef FERRY_BGP_PEER_INT_H
#define FERRY_BGP_PEER_INT_H

#include <sys/queue.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <ev.h>

#include "bfd.h"
#include "bgp_fsm.h"
#include "bgp_msg.h"
#include "bgp_peer.h"
#include "buf.h"

struct bgp_conn {
	struct bgp_peer *peer;
	int fd;
	bool outgoing;	 /* we initiated it */
	bool connecting; /* non-blocking connect under way */
	bool busy;	 /* inside its own callback */
	ev_io rio;
	ev_io wio;
	ev_timer pace;	      /* PEER_IN_PACE */
	uint32_t win_updates; /* UPDATEs in the current window */
	uint32_t win_prefixes;
	ev_tstamp win_start;
	ev_tstamp small_last; /* a window of small UPDATEs ended; 0: none */
	bool rcvbuf_cut;
	uint8_t *in;
	size_t inlen;
	struct wbuf out;
};

/* A closed connection still flushing its last bytes (a NOTIFICATION). */
struct bgp_drain {
	struct bgp_sessions *s;
	int fd;
	bool shut; /* SHUT_WR done */
	ev_io rio;
	ev_io wio;
	ev_timer timer;
	struct wbuf out;
	TAILQ_ENTRY(bgp_drain) entry;
};

struct bgp_peer {
	struct bgp_sessions *s;
	const struct bgp_neighbor *nb; /* into s->conf, or &dyn */
	struct bgp_neighbor dyn;       /* dynamic: the range's tmpl */
	const struct bgp_listen_range *range;
	bool dynamic;
	char name[ADDR_STRLEN];
	struct bgp_fsm fsm;
	struct rib_peer *rp;
	struct bgp_conn *conn; /* the session's connection */
	struct bgp_conn *coll; /* a colliding second one */
	ev_timer timers[BGP_TIMER_COUNT];
	ev_timer batch;	       /* output pacing, PEER_OUT_TICK */
	ev_tstamp batch_start; /* when output began to wait */
	size_t batch_mark;     /* prefixes queued at the last tick */
	bool out_due;	       /* the wait is over: pull a round */
	/* Negotiated in the OPEN exchange. */
	uint32_t remote_as;
	uint32_t remote_id;
	uint8_t families; /* BGP_FAM_* */
	bool as4;
	bool ibgp;
	bool refresh;
	bool enhanced_refresh;
	bool ext_nh; /* RFC 8950 for IPv4 unicast */
	/* Session layer state. */
	bool rib_pending; /* the RIB has output */
	bool reap;	  /* free at the end of the callback */
	bool in_event;
	enum bgp_fsm_event pending;    /* raised while acting */
	const struct bgp_err *cur_err; /* NOTIFICATION data */
	const char *stop_text;	       /* RFC 9003 */
	/* BFD (bgp_bfd.c): the session asked for, and whether BGP waits
	 * for it to come Up again after it went Down. */
	struct bfd_session *bfd;
	struct bfd_conf bfd_conf; /* what bfd was set up with */
	bool bfd_held;
	/* Status. */
	time_t since;
	uint64_t flaps;
	uint64_t msgs_in[6];
	uint64_t msgs_out[6];
	char last_error[128];
	TAILQ_ENTRY(bgp_peer) entry;
};

TAILQ_HEAD(bgp_peer_list, bgp_peer);

struct bgp_sessions {
	struct ev_loop *loop;
	struct rib *rib;
	const struct bgp_conf *conf;
	struct bgp_peer_list peers; /* configured, then dynamic */
	struct bgp_listeners *listeners;
	TAILQ_HEAD(, bgp_drain) drains;
	struct bfd_sessions *bfd;
};

static inline uint32_t
peer_asn(const struct bgp_peer *p)
{
	return p->nb->asn;
}

static inline bool
peer_ebgp(const struct bgp_peer *p)
{
	return p->nb->asn != p->s->conf->asn;
}

/* bgp_peer.c */
/* Step the FSM with ev and carry out its actions. */
void peer_event(
    struct bgp_peer *, enum bgp_fsm_event, const struct bgp_fsm_arg *);
/* An error found by us: its NOTIFICATION (with err's data) goes out. */
void peer_error(struct bgp_peer *, const struct bgp_err *err);
void peer_error_text(struct bgp_peer *, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The colliding connection wins: it becomes the session's. */
void peer_promote(struct bgp_peer *);
void conn_close(struct bgp_peer *, struct bgp_conn *);
/* NOTIFICATION on a connection outside the FSM, then close it. */
void conn_notify_close(struct bgp_peer *, struct bgp_conn *, uint8_t code,
    uint8_t subcode, const struct bgp_err *);

/* BFD hooks: the session's BFD went Down from Up (not by the peer's
 * AdminDown), or came Up. */
void peer_bfd_down(struct bgp_peer *);
void peer_bfd_up(struct bgp_peer *);

/* bgp_bfd.c */
/* Ask for the BFD session p->nb->bfd calls for (or none), now. */
void peer_bfd_sync(struct bgp_peer *);
void peer_bfd_release(struct bgp_peer *);

/* bgp_peer_msg.c */
/* One framed message of the given type on connection c. */
void peer_msg(struct bgp_peer *, struct bgp_conn *c, const uint8_t *m,
    size_t len, uint8_t type);

#endif
