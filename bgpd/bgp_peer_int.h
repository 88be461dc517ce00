/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Private structures of the BGP session layer, shared by bgp_peer.c
 * (the FSM's actions, timers, session lifecycle, configuration) and
 * bgp_peer_msg.c (what each received message does).  Nothing else
 * includes this.
 *
 * Calls go one way: bgp_peer.c calls bgp_peer_msg.c (peer_msg), which
 * acts on the RIB and the connections (bgp_conn.h) and returns a
 * verdict that bgp_peer.c carries out on the FSM; bgp_conn.c reports to
 * bgp_peer.c only through its struct bgp_conn_ops.
 */
#ifndef FERRY_BGP_PEER_INT_H
#define FERRY_BGP_PEER_INT_H

#include <sys/queue.h>

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <ev.h>

#include "bfd.h"
#include "bgp_conn.h"
#include "bgp_fsm.h"
#include "bgp_gr.h"
#include "bgp_msg.h"
#include "bgp_peer.h"
#include "buf.h"

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
	/* Graceful restart: the helper machine, what the last OPEN
	 * negotiated (applied when the session comes up) and how the
	 * session is ending. */
	struct bgp_gr gr;
	struct bgp_gr_neg gr_open;
	ev_timer gr_timer;    /* restart time, then stale time */
	ev_timer reset_timer; /* ferryctl bgp reset: start again */
	enum bgp_gr_cause down_cause;
	uint8_t down_code, down_sub;
	uint8_t notif_code, notif_sub; /* last NOTIFICATION received */
	bool quiet_close; /* graceful exit: close without NOTIFICATION */
	bool soft_close;  /* graceful exit: never as a Hard Reset */
	bool session_up;  /* between SESSION_UP and SESSION_DOWN */
	bool healthy;	  /* as last told to the peer_health hook */
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
	struct bfd_sessions *bfd;
	struct bgp_conn_ctx cx;
	const struct bgp_sessions_hooks *hooks;
	void *hooks_ctx;
	/* RFC 4724 4.1: we restarted with our forwarding state kept. */
	bool restarting;   /* the R bit in our OPENs */
	bool deferring;	   /* output held until our GR peers are synced */
	bool sweep_due;	   /* kept forwarding state waits for their EoRs */
	bool exiting;	   /* inside bgp_sessions_free */
	bool health_grace; /* the first BGP_HEALTH_GRACE_S seconds */
	ev_timer defer_timer;
	ev_timer health_timer; /* ends health_grace */
	struct addr *expect;   /* dynamic neighbors the deferral waits for */
	size_t nexpect;
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

static inline void peer_error_text(struct bgp_peer *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The reason the session went (or goes) down, for status. */
static inline void
peer_error_text(struct bgp_peer *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->last_error, sizeof(p->last_error), fmt, ap);
	va_end(ap);
}

/* c is no longer one of p's connections. */
static inline void
peer_conn_detach(struct bgp_peer *p, struct bgp_conn *c)
{
	if (p->conn == c)
		p->conn = NULL;
	if (p->coll == c)
		p->coll = NULL;
}

/* NOTIFICATION on a connection outside the FSM (collisions), then close. */
static inline void
peer_conn_notify_close(struct bgp_peer *p, struct bgp_conn *c, uint8_t code,
    uint8_t subcode, const struct bgp_err *err)
{
	p->msgs_out[BGP_MSG_NOTIFICATION]++;
	conn_send_notification(c, peer_asn(p), code, subcode, err, NULL);
	peer_conn_detach(p, c);
	conn_close(c);
}

/*
 * What a received message asks of the session, carried out by
 * bgp_peer.c in this order: the colliding connection takes over, the
 * FSM event, then the NOTIFICATION for err (BGP_EV_MSG_ERROR).
 */
struct peer_verdict {
	bool promote;
	bool has_event;
	enum bgp_fsm_event ev;
	struct bgp_fsm_arg arg;
	bool has_err;
	struct bgp_err err;
	bool has_gr; /* then the graceful restart result (End-of-RIB) */
	struct bgp_gr_result gr;
};

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
    size_t len, uint8_t type, struct peer_verdict *);

#endif
