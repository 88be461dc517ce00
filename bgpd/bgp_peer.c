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
 * Layers.  Connections (sockets, buffers, input pacing, drains) are
 * bgp_conn.c, which reports here through struct bgp_conn_ops only.
 * What each received message does is bgp_peer_msg.c: it is called from
 * here (peer_conn_msg) and answers with a verdict that this file carries
 * out; it never calls back.  Listening sockets live in bgp_listen.c,
 * which hands accepted connections to peer_accept.  This file keeps the
 * FSM driving, the session lifecycle, output pacing and configuration.
 *
 * Output.  When a connection's output drains below its low-water mark
 * (ops->fill) the RIB is asked for at most PEER_OUT_BUDGET more octets,
 * so a slow peer holds back the RIB, not our memory.
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

/*
 * Octets of UPDATEs appended per fill.  Small: the connection fills and
 * sends again until the socket is full (bgp_conn.c), so this bounds our
 * buffer per session, not the rate.
 */
#define PEER_OUT_BUDGET 8192
/* Seconds between ferryctl bgp reset's NOTIFICATION and the new start. */
#define PEER_RESET_DELAY 1.0
/*
 * How long a session that BFD took down waits for BFD to come Up again
 * before it tries BGP anyway (peer_bfd_down).
 */
#define PEER_BFD_HOLD 5.0
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
OBJCOUNT(bgp_peer);

static void peer_free(struct bgp_peer *);
static void sessions_defer_check(struct bgp_sessions *);

/* Output: the RIB fills what the connection drained (ops->fill). */

static void
peer_count_out(struct bgp_peer *p, const struct wbuf *out, size_t from)
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

static bool
peer_conn_wants_fill(void *owner, const struct bgp_conn *c)
{
	struct bgp_peer *p = owner;

	return c == p->conn && p->rib_pending && !p->s->deferring &&
	    p->fsm.state == BGP_ST_ESTABLISHED && !ev_is_active(&p->batch);
}

static void
peer_conn_fill(void *owner, struct bgp_conn *c)
{
	struct bgp_peer *p = owner;
	size_t before;

	if (c != p->conn || p->fsm.state != BGP_ST_ESTABLISHED ||
	    !p->rib_pending || p->s->deferring)
		return;
	if (!ev_is_active(&p->batch) && !p->out_due &&
	    !rib_peer_output_ripe(p->rp))
		peer_out_hold(p);
	if (ev_is_active(&p->batch))
		return;
	p->out_due = false;
	before = c->out.len;
	p->rib_pending = rib_peer_output(p->rp, &c->out, PEER_OUT_BUDGET);
	if (c->out.len == before)
		p->rib_pending = false;
	peer_count_out(p, &c->out, before);
}

static void
peer_reap(struct bgp_peer *p)
{
	if (p->reap)
		peer_free(p);
}

static void
peer_conn_done(void *owner)
{
	peer_reap(owner);
}

/* Detach c from p and close it. */
static void
peer_conn_close(struct bgp_peer *p, struct bgp_conn *c)
{
	if (c == NULL)
		return;
	peer_conn_detach(p, c);
	conn_close(c);
}

/* Sending. */

static void
conn_queued(struct bgp_peer *p, struct bgp_conn *c, uint8_t type)
{
	if (type < 6)
		p->msgs_out[type]++;
	conn_update_io(c);
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
	/* RFC 4724 3: F tells the truth.  After our own restart the
	 * forwarding state of the last run was kept (bgpd.c checked); on a
	 * fresh start there is none until a session has been up; a session
	 * that merely flapped finds ours intact. */
	bgp_gr_caps(&p->nb->gr, p->nb->families, p->s->restarting,
	    p->s->restarting || p->flaps > 0 ? p->nb->families : 0, &o.caps);
	if (bgp_msg_open_encode(&c->out, &o) == -1) {
		log_err("bgp: cannot encode OPEN: peer=%s", p->name);
		return;
	}
	conn_queued(p, c, BGP_MSG_OPEN);
}

/*
 * RFC 8538 3: the Data of a Hard Reset is the NOTIFICATION it stands for,
 * its error code and subcode first, then its own data (here the RFC 9003
 * text of an administrative Cease).  OpenBGPD and FRR read it that way.
 */
static void
peer_hard_reset_err(struct bgp_err *hr, uint8_t code, uint8_t subcode,
    const char *text, uint8_t *buf, size_t bufsize)
{
	size_t n = 2, tl = text != NULL ? strlen(text) : 0;

	buf[0] = code;
	buf[1] = subcode;
	if (tl > 0 && tl <= 255 && bufsize >= 3 + tl &&
	    (subcode == BGP_ERR_CEASE_ADMIN_SHUTDOWN ||
		subcode == BGP_ERR_CEASE_ADMIN_RESET)) {
		buf[2] = (uint8_t)tl;
		memcpy(buf + 3, text, tl);
		n = 3 + tl;
	}
	bgp_msg_err_clear(hr);
	bgp_msg_err_set(hr, BGP_ACT_SESSION_RESET, BGP_ERR_CEASE,
	    BGP_ERR_CEASE_HARD_RESET, buf, n, text);
}

static void
peer_send_notification(struct bgp_peer *p, struct bgp_conn *c, uint8_t code,
    uint8_t subcode, const struct bgp_err *err, const char *text)
{
	uint8_t buf[3 + 255];
	struct bgp_err hr;
	const char *why;

	if (c == p->conn && p->quiet_close) {
		/* Graceful exit without the N bit: the peer must see a
		 * lost connection, not a NOTIFICATION (RFC 4724 4.2). */
		log_info("bgp: closing for graceful restart: peer=%s", p->name);
		return;
	}
	if (c == p->conn && p->session_up && !p->soft_close &&
	    bgp_gr_hard_reset(&p->gr.neg, code, subcode)) {
		peer_hard_reset_err(&hr, code, subcode, text, buf, sizeof(buf));
		err = &hr;
		code = BGP_ERR_CEASE;
		subcode = BGP_ERR_CEASE_HARD_RESET;
	}
	why = conn_send_notification(c, peer_asn(p), code, subcode, err, text);
	p->msgs_out[BGP_MSG_NOTIFICATION]++;
	if (c == p->conn)
		peer_error_text(p, "sent NOTIFICATION %u/%u (%s)%s%s", code,
		    subcode, bgp_msg_err_name(code, subcode),
		    why[0] != '\0' ? ": " : "", why);
}

/* Connecting. */

static int
peer_connect(struct bgp_peer *p)
{
	char err[sizeof(p->last_error)];

	p->conn = conn_connect(
	    &p->s->cx, p, p->name, p->nb, peer_ebgp(p), err, sizeof(err));
	if (p->conn == NULL) {
		peer_error_text(p, "%s", err);
		return -1;
	}
	return 0;
}

/* Graceful restart: the helper machine's results (bgp_gr.h). */

static void
sessions_dynamic_changed(struct bgp_sessions *s)
{
	if (!s->exiting && s->hooks != NULL &&
	    s->hooks->dynamic_changed != NULL)
		s->hooks->dynamic_changed(s->hooks_ctx);
}

static void
peer_gr_apply(
    struct bgp_peer *p, const struct bgp_gr_result *r, const char *why)
{
	struct ev_loop *loop = p->s->loop;
	size_t n;

	if (r->flush != 0) {
		n = rib_peer_stale_flush(p->rp, r->flush);
		if (n > 0)
			log_info("bgp: stale routes removed: peer=%s "
				 "families=0x%x count=%zu reason=\"%s\"",
			    p->name, r->flush, n, why);
		else
			log_debug("bgp: no stale routes left: peer=%s "
				  "families=0x%x reason=\"%s\"",
			    p->name, r->flush, why);
	}
	if (r->keep != 0)
		log_info("bgp: routes kept stale: peer=%s families=0x%x "
			 "restart-time=%u",
		    p->name, r->keep, r->secs);
	switch (r->timer) {
	case BGP_GR_TIMER_START:
		ev_timer_stop(loop, &p->gr_timer);
		ev_timer_set(&p->gr_timer, r->secs, 0.);
		ev_timer_start(loop, &p->gr_timer);
		break;
	case BGP_GR_TIMER_STOP:
		ev_timer_stop(loop, &p->gr_timer);
		break;
	case BGP_GR_TIMER_NONE:
		break;
	}
}

/*
 * Healthy: Established, or helping it restart gracefully; and, while our
 * own graceful restart defers output, a peer not yet back that has not
 * failed since we started (we forwarded through it before the restart,
 * and it may well be there still).
 */
static bool
peer_healthy(const struct bgp_peer *p)
{
	return p->session_up || p->gr.state == BGP_GRS_RESTARTING ||
	    (p->s->deferring && p->flaps == 0);
}

/*
 * Tell the peer_health hook when p's health has changed, or (force)
 * whatever it is: when the grace or the deferral ends, peers asked about
 * during it were answered healthy without being told so.
 */
static void
peer_health_check(struct bgp_peer *p, bool force)
{
	struct bgp_sessions *s = p->s;
	bool now = peer_healthy(p);

	if (now == p->healthy && !force)
		return;
	p->healthy = now;
	if (s->hooks != NULL && s->hooks->peer_health != NULL)
		s->hooks->peer_health(s->hooks_ctx, &p->nb->addr, now);
}

/* The restart time (peer down) or the stale time (peer back) ran out. */
static void
peer_gr_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct bgp_peer *p = w->data;
	struct bgp_gr_result r;
	enum bgp_gr_state was = p->gr.state;

	(void)loop;
	(void)revents;
	bgp_gr_timer(&p->gr, &r);
	peer_gr_apply(p, &r,
	    was == BGP_GRS_RESTARTING ? "restart time expired"
				      : "stale time expired");
	peer_health_check(p, false);
	/* A dynamic peer kept for its routes that did not come back. */
	if (p->dynamic && p->conn == NULL && p->coll == NULL &&
	    p->fsm.state <= BGP_ST_ACTIVE) {
		log_info("bgp: dynamic neighbor gone: peer=%s", p->name);
		peer_free(p);
	}
}

/* How the session is ending, for bgp_gr_down_graceful: noted for each
 * event before the FSM acts on it. */
static void
peer_note_cause(
    struct bgp_peer *p, enum bgp_fsm_event ev, const struct bgp_fsm_arg *arg)
{
	p->down_code = p->down_sub = 0;
	switch (ev) {
	case BGP_EV_TCP_FAILED:
		p->down_cause = BGP_GR_CAUSE_TCP;
		break;
	case BGP_EV_HOLD_EXPIRED:
		p->down_cause = BGP_GR_CAUSE_HOLD;
		break;
	case BGP_EV_NOTIFICATION:
		p->down_cause = BGP_GR_CAUSE_NOTIF_RCVD;
		p->down_code = p->notif_code;
		p->down_sub = p->notif_sub;
		break;
	case BGP_EV_MSG_ERROR:
	case BGP_EV_STOP:
		p->down_cause = BGP_GR_CAUSE_NOTIF_SENT;
		p->down_code = arg != NULL ? arg->code : BGP_ERR_CEASE;
		p->down_sub = arg != NULL ? arg->subcode : 0;
		if (ev == BGP_EV_STOP && p->down_sub == 0)
			p->down_sub = BGP_ERR_CEASE_ADMIN_SHUTDOWN;
		/* What goes out as a Hard Reset flushes here too. */
		if (!p->soft_close &&
		    bgp_gr_hard_reset(&p->gr.neg, p->down_code, p->down_sub))
			p->down_sub = BGP_ERR_CEASE_HARD_RESET;
		/* Leaving without a NOTIFICATION is a lost connection. */
		if (p->quiet_close)
			p->down_cause = BGP_GR_CAUSE_TCP;
		break;
	default:
		/* Anything else that ends a session is an FSM error. */
		p->down_cause = BGP_GR_CAUSE_NOTIF_SENT;
		p->down_code = BGP_ERR_FSM;
		break;
	}
}

/* Session up and down. */

/* Is the peer an upstream of the egress pools that must wait for them? */
static bool
peer_egress_gated(const struct bgp_peer *p)
{
	const struct bgp_sessions *s = p->s;

	if (!p->nb->has_export || !p->nb->export.kinds[BGP_POOL_EGRESS] ||
	    s->hooks == NULL || s->hooks->egress_gate == NULL)
		return false;
	return !s->hooks->egress_gate(s->hooks_ctx);
}

void
bgp_sessions_egress_release(struct bgp_sessions *s)
{
	struct bgp_peer *p;

	TAILQ_FOREACH (p, &s->peers, entry) {
		if (!rib_peer_egress_held(p->rp))
			continue;
		rib_peer_hold_egress(p->rp, false);
		if (p->session_up)
			log_info(
			    "bgp: egress pools released: peer=%s", p->name);
	}
}

static void
peer_session_up(struct bgp_peer *p)
{
	struct rib_peer_info info;
	struct bgp_gr_result r;

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
		peer_conn_notify_close(
		    p, p->coll, BGP_ERR_CEASE, BGP_ERR_CEASE_COLLISION, NULL);
	p->session_up = true;
	/* RFC 4724 4.2: what the new OPEN says decides which stale routes
	 * go at once; they go before the table is queued to the peer. */
	bgp_gr_up(&p->gr, &p->gr_open, p->nb->gr.stale_time, &r);
	peer_gr_apply(p, &r, "session up");
	rib_peer_hold_egress(p->rp, peer_egress_gated(p));
	if (rib_peer_egress_held(p->rp))
		log_info("bgp: egress pools held back until egress is "
			 "ready: peer=%s",
		    p->name);
	rib_peer_up(p->rp, &info);
	peer_health_check(p, false);
	sessions_defer_check(p->s);
	if (p->dynamic && p->gr.neg.on)
		sessions_dynamic_changed(p->s);
}

static void
peer_session_down(struct bgp_peer *p)
{
	struct bgp_gr_result r;
	bool graceful;

	p->flaps++;
	p->rib_pending = false;
	p->session_up = false;
	graceful = bgp_gr_down_graceful(
	    &p->gr.neg, p->down_cause, p->down_code, p->down_sub);
	bgp_gr_down(&p->gr, graceful, p->families, &r);
	log_notice("bgp: session down: peer=%s asn=%u reason=\"%s\"%s", p->name,
	    peer_asn(p), p->last_error[0] != '\0' ? p->last_error : "unknown",
	    r.keep != 0 ? " graceful-restart=helping" : "");
	rib_peer_down_keep(p->rp, r.keep);
	peer_gr_apply(p, &r, "session down");
	peer_health_check(p, false);
	sessions_defer_check(p->s);
	if (p->dynamic && p->gr.neg.on)
		sessions_dynamic_changed(p->s);
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
			peer_conn_close(p, p->conn);
		if (peer_connect(p) == -1)
			p->pending = BGP_EV_TCP_FAILED;
		break;
	case BGP_FA_CLOSE:
		peer_conn_close(p, p->conn);
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
static void
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

static void
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
		peer_note_cause(p, ev, arg);
		bgp_fsm_step(&p->fsm, ev, arg, &acts);
		peer_exec(p, &acts, old);
		if (p->pending == 0)
			break;
		ev = p->pending;
		arg = NULL;
	}
	if (p->conn == NULL && p->coll != NULL) {
		if (p->fsm.stopped)
			peer_conn_close(p, p->coll);
		else if (p->fsm.state < BGP_ST_OPENSENT)
			peer_promote(p);
	}
	/* A dynamic peer goes with its session, unless we keep its routes
	 * for a graceful restart: then it waits for the peer, or for the
	 * timer (peer_gr_timer_cb). */
	if (p->dynamic && p->fsm.state == BGP_ST_IDLE && p->conn == NULL &&
	    p->coll == NULL && p->gr.state == BGP_GRS_IDLE)
		p->reap = true;
}

/* An error found by us: its NOTIFICATION (with data) goes out. */
static void
peer_error(struct bgp_peer *p, const struct bgp_err *err)
{
	struct bgp_fsm_arg arg = { .code = err->code, .subcode = err->subcode };

	p->cur_err = err;
	peer_event(p, BGP_EV_MSG_ERROR, &arg);
	p->cur_err = NULL;
}

/* What a connection reports (struct bgp_conn_ops). */

static void
peer_conn_msg(
    void *owner, struct bgp_conn *c, const uint8_t *m, size_t len, uint8_t type)
{
	struct bgp_peer *p = owner;
	struct peer_verdict v;

	peer_msg(p, c, m, len, type, &v);
	if (v.promote)
		peer_promote(p);
	if (v.has_event)
		peer_event(p, v.ev, &v.arg);
	if (v.has_err)
		peer_error(p, &v.err);
	if (v.has_gr) {
		peer_gr_apply(p, &v.gr, "end-of-rib");
		sessions_defer_check(p->s);
	}
}

static void
peer_conn_bad_header(void *owner, struct bgp_conn *c, struct bgp_err *err)
{
	struct bgp_peer *p = owner;

	if (c == p->conn)
		peer_error(p, err);
	else
		peer_conn_notify_close(p, c, err->code, err->subcode, err);
}

static void
peer_conn_connected(void *owner, struct bgp_conn *c)
{
	(void)c;
	peer_event(owner, BGP_EV_TCP_CONNECTED, NULL);
}

/* A connection failed under us: for the session's own, the FSM hears. */
static void
peer_conn_failed(void *owner, struct bgp_conn *c, const char *why)
{
	struct bgp_peer *p = owner;

	if (c == p->conn) {
		peer_error_text(p, "connection: %s", why);
		log_info("bgp: connection failed: peer=%s asn=%u state=%s "
			 "reason=\"%s\"",
		    p->name, peer_asn(p), bgp_fsm_state_name(p->fsm.state),
		    why);
		peer_event(p, BGP_EV_TCP_FAILED, NULL);
	} else {
		log_info("bgp: colliding connection failed: peer=%s "
			 "reason=\"%s\"",
		    p->name, why);
		peer_conn_close(p, c);
	}
}

static const struct bgp_conn_ops peer_conn_ops = {
	.msg = peer_conn_msg,
	.bad_header = peer_conn_bad_header,
	.connected = peer_conn_connected,
	.failed = peer_conn_failed,
	.fill = peer_conn_fill,
	.wants_fill = peer_conn_wants_fill,
	.done = peer_conn_done,
};

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

/* Selection deferral (RFC 4724 4.1). */

/*
 * RFC 4724 4.1: "the Restarting Speaker MUST defer route selection for
 * an address family until it either (a) receives the End-of-RIB marker
 * from all its peers (excluding the ones that do not have the Graceful
 * Restart Capability set or the ones that have the "Restart State" bit
 * set in the received capability), or (b) the Selection_Deferral_Timer
 * ... expires."  Our implementation decides as it always does (so the
 * kernel routes kept from before the restart are replaced in place as
 * routes come in) and defers what it sends: no UPDATE, End-of-RIB
 * included, leaves until then.  Configured neighbors with graceful
 * restart enabled count; one that is not Established yet is waited for.
 */
static void
sessions_restart_done(struct bgp_sessions *s, const char *why)
{
	if (!s->sweep_due)
		return;
	s->sweep_due = false;
	log_notice("bgp: restart complete: reason=\"%s\"", why);
	if (s->hooks != NULL && s->hooks->restart_done != NULL)
		s->hooks->restart_done(s->hooks_ctx);
}

static void
sessions_defer_end(struct bgp_sessions *s, const char *why)
{
	struct bgp_peer *p;

	if (!s->deferring)
		return;
	s->deferring = s->restarting = false;
	log_notice("bgp: advertising after restart: reason=\"%s\"", why);
	TAILQ_FOREACH (p, &s->peers, entry) {
		if (p->conn != NULL && p->fsm.state == BGP_ST_ESTABLISHED)
			conn_update_io(p->conn);
		if (!peer_healthy(p))
			peer_health_check(p, true);
	}
}

static void
sessions_health_grace_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct bgp_sessions *s = w->data;
	struct bgp_peer *p;

	(void)loop;
	(void)revents;
	s->health_grace = false;
	TAILQ_FOREACH (p, &s->peers, entry)
		if (!peer_healthy(p))
			peer_health_check(p, true);
}

/*
 * Two ends to our restart.  Output waits for what RFC 4724 4.1 says
 * (peers restarting too are not waited for: they wait for us).  The
 * forwarding state kept from the last run waits longer, for the
 * End-of-RIB of every graceful restart neighbor, restarting or not:
 * sweeping it earlier would delete kernel routes a peer is about to send
 * again.  The deferral timer ends both.
 */
static void
sessions_defer_check(struct bgp_sessions *s)
{
	struct bgp_peer *p;
	bool synced = true, done = true;
	size_t i;

	if ((!s->deferring && !s->sweep_due) || s->exiting)
		return;
	TAILQ_FOREACH (p, &s->peers, entry) {
		if (p->dynamic || !p->nb->gr.enabled)
			continue;
		if (p->fsm.state != BGP_ST_ESTABLISHED) {
			synced = done = false;
			break;
		}
		if (!bgp_gr_peer_synced(&p->gr, p->families))
			synced = false;
		if (!bgp_gr_peer_eor_done(&p->gr, p->families))
			done = false;
	}
	/* The dynamic neighbors of the last run, once they are back. */
	for (i = 0; i < s->nexpect && done; i++) {
		p = bgp_sessions_find(s, &s->expect[i]);
		if (p == NULL || p->fsm.state != BGP_ST_ESTABLISHED) {
			synced = done = false;
			break;
		}
		if (!bgp_gr_peer_synced(&p->gr, p->families))
			synced = false;
		if (!bgp_gr_peer_eor_done(&p->gr, p->families))
			done = false;
	}
	if (synced)
		sessions_defer_end(s, "end-of-rib from every peer");
	if (done) {
		ev_timer_stop(s->loop, &s->defer_timer);
		sessions_restart_done(s, "end-of-rib from every peer");
	}
}

static void
sessions_defer_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	sessions_defer_end(w->data, "selection deferral timer expired");
	sessions_restart_done(w->data, "selection deferral timer expired");
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
	conn_update_io(p->conn);
}

static void peer_start(struct bgp_peer *);

/*
 * The pause after ferryctl bgp reset is over (PEER_RESET_DELAY), or the
 * hold after BFD Down (PEER_BFD_HOLD).
 */
static void
peer_reset_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	peer_start(w->data);
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
	ev_init(&p->gr_timer, peer_gr_timer_cb);
	p->gr_timer.data = p;
	ev_init(&p->reset_timer, peer_reset_timer_cb);
	p->reset_timer.data = p;
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

	peer_conn_close(p, p->conn);
	peer_conn_close(p, p->coll);
	for (i = 0; i < BGP_TIMER_COUNT; i++)
		ev_timer_stop(p->s->loop, &p->timers[i]);
	ev_timer_stop(p->s->loop, &p->batch);
	peer_bfd_release(p);
	ev_timer_stop(p->s->loop, &p->gr_timer);
	ev_timer_stop(p->s->loop, &p->reset_timer);
	if (p->fsm.state == BGP_ST_ESTABLISHED)
		rib_peer_down(p->rp);
	/* Stale routes kept for the peer go with it. */
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
	/* RFC 5882 4.1: BFD is bootstrapped by the client, here. */
	p->bfd_held = false;
	ev_timer_stop(p->s->loop, &p->reset_timer);
	peer_bfd_sync(p);
	peer_event(p, BGP_EV_START, NULL);
}

/*
 * BFD hooks (bgp_bfd.c decides when).  RFC 5882 4.2, 10.2: BFD Down
 * from Up takes the session down at once, with Cease "BFD Down" (RFC
 * 9384); after 4.1 it stays down until BFD is Up again, or for
 * PEER_BFD_HOLD.
 */
void
peer_bfd_down(struct bgp_peer *p)
{
	log_notice("bgp: BFD down, stopping the session: peer=%s asn=%u "
		   "state=%s",
	    p->name, peer_asn(p), bgp_fsm_state_name(p->fsm.state));
	peer_stop(p, BGP_ERR_CEASE_BFD_DOWN, "BFD down");
	p->bfd_held = true;
	/*
	 * RFC 5882 4.3.2: our peer's BFD shares fate with its control
	 * plane (C bit clear), so a BFD Down after its connection closed
	 * may be a restart.  We take it as the end of the restart instead,
	 * as if the restart time had run out: a kill -9 is not a planned
	 * restart (that sends AdminDown, which is no failure, bgp_bfd.c),
	 * the peers that run BFD with the dead ferryd (BIRD) move away
	 * from it too, and staying on it lost traffic until the new one
	 * was up (3 s in test_node_failover).  With a second gateway the
	 * routes move to it at once.
	 */
	if (p->gr.state == BGP_GRS_RESTARTING) {
		struct bgp_gr_result r;

		bgp_gr_timer(&p->gr, &r);
		peer_gr_apply(p, &r, "BFD down while restarting");
		ev_timer_stop(p->s->loop, &p->gr_timer);
	}
	/*
	 * Not for ever: BFD can only come Up again if the peer still has
	 * a session for us, and a listen range (a gateway, for a node
	 * agent) removed its dynamic neighbor, BFD session included, on
	 * the same BFD Down; it makes a new one only when we connect.
	 * Holding until BFD is Up would then hold for good.  Trying BGP
	 * after PEER_BFD_HOLD costs nothing while the path is dead (the
	 * connection fails), and BFD Up ends the hold sooner.
	 */
	if (!p->dynamic) {
		ev_timer_stop(p->s->loop, &p->reset_timer);
		ev_timer_set(&p->reset_timer, PEER_BFD_HOLD, 0.);
		ev_timer_start(p->s->loop, &p->reset_timer);
	}
	peer_reap(p);
}

void
peer_bfd_up(struct bgp_peer *p)
{
	if (!p->bfd_held)
		return;
	log_info("bgp: BFD up again, restarting: peer=%s", p->name);
	peer_start(p);
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
	if (r->workloads &&
	    (s->hooks == NULL || s->hooks->workload_known == NULL ||
		!s->hooks->workload_known(s->hooks_ctx, a))) {
		log_info("bgp: connection refused: peer=%s range=%s "
			 "reason=\"not a joined workload\"",
		    buf, prefix_fmt(&r->prefix, pbuf, sizeof(pbuf)));
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
	if (conn_sockopts(p->nb, peer_ebgp(p), fd, p->name) == -1) {
		close(fd);
		return;
	}
	log_debug("bgp: connection accepted: peer=%s state=%s", p->name,
	    bgp_fsm_state_name(p->fsm.state));
	c = conn_new(&s->cx, p, p->name, fd, false);
	switch (p->fsm.state) {
	case BGP_ST_OPENSENT:
	case BGP_ST_OPENCONFIRM:
		if (p->coll != NULL) {
			log_info("bgp: connection refused: peer=%s "
				 "reason=\"collision already pending\"",
			    p->name);
			peer_conn_close(p, c);
			return;
		}
		/* RFC 4271 6.8: both live until an OPEN decides. */
		log_info("bgp: connection collision: peer=%s state=%s", p->name,
		    bgp_fsm_state_name(p->fsm.state));
		p->coll = c;
		peer_send_open(p, c);
		conn_update_io(c);
		return;
	case BGP_ST_ESTABLISHED:
		log_info("bgp: connection refused: peer=%s "
			 "reason=\"session established\"",
		    p->name);
		p->coll = c;
		peer_conn_notify_close(
		    p, c, BGP_ERR_CEASE, BGP_ERR_CEASE_COLLISION, NULL);
		return;
	default:
		/* Idle, Active, or Connect: the peer beat our connect. */
		if (p->conn != NULL)
			peer_conn_close(p, p->conn);
		p->conn = c;
		conn_update_io(c);
		peer_event(p, BGP_EV_TCP_CONNECTED, NULL);
		peer_reap(p);
		return;
	}
}

/* The public interface. */

struct bgp_sessions *
bgp_sessions_new(struct ev_loop *loop, struct rib *rib,
    const struct bgp_conf *conf, bool restarting, const struct addr *expect,
    size_t nexpect, const struct bgp_sessions_hooks *hooks, void *ctx)
{
	struct bgp_sessions *s = xcalloc(1, sizeof(*s));

	s->loop = loop;
	s->rib = rib;
	s->hooks = hooks;
	s->hooks_ctx = ctx;
	TAILQ_INIT(&s->peers);
	s->listeners = bgp_listeners_new(loop, peer_accept, s);
	s->bfd = bfd_sessions_new(loop);
	bgp_conn_ctx_init(&s->cx, loop, &peer_conn_ops);
	ev_init(&s->defer_timer, sessions_defer_timer_cb);
	s->defer_timer.data = s;
	s->health_grace = true;
	ev_timer_init(
	    &s->health_timer, sessions_health_grace_cb, BGP_HEALTH_GRACE_S, 0.);
	s->health_timer.data = s;
	ev_timer_start(loop, &s->health_timer);
	if (restarting && conf->gr.enabled) {
		/* RFC 4724 4.1: the selection deferral timer, our restart
		 * time: past it our peers would drop our routes anyway. */
		s->restarting = s->deferring = s->sweep_due = true;
		if (nexpect > 0) {
			s->expect =
			    xreallocarray(NULL, nexpect, sizeof(*s->expect));
			memcpy(s->expect, expect, nexpect * sizeof(*expect));
			s->nexpect = nexpect;
		}
		ev_timer_set(&s->defer_timer, conf->gr.restart_time, 0.);
		ev_timer_start(loop, &s->defer_timer);
		log_notice("bgp: restarting with forwarding state kept: "
			   "advertisement deferred for at most %us",
		    conf->gr.restart_time);
	}
	if (bgp_sessions_configure(s, conf) == -1) {
		bgp_sessions_free(s, false);
		return NULL;
	}
	sessions_defer_check(s);
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
	struct bgp_gr_result r;

	log_info("bgp: neighbor changed, resetting: peer=%s asn=%u", p->name,
	    nb->asn);
	peer_stop(p, BGP_ERR_CEASE_OTHER_CONFIG, "configuration change");
	/* A new RIB peer: the old one's routes, stale ones too, go. */
	bgp_gr_reset(&p->gr, &r);
	ev_timer_stop(p->s->loop, &p->gr_timer);
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
		peer_bfd_sync(p);
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
				peer_bfd_sync(p);
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
bgp_sessions_free(struct bgp_sessions *s, bool graceful)
{
	struct bgp_peer *p;
	const char *why;

	if (s == NULL)
		return;
	s->exiting = true;
	ev_timer_stop(s->loop, &s->defer_timer);
	ev_timer_stop(s->loop, &s->health_timer);
	while ((p = TAILQ_FIRST(&s->peers)) != NULL) {
		why = "administrative shutdown";
		if (graceful && p->session_up && p->gr.neg.on) {
			/* RFC 8538 4: with N, a Cease that is not a Hard
			 * Reset keeps our routes at the peer; without it
			 * only a lost connection does (RFC 4724 4.2). */
			p->soft_close = true;
			p->quiet_close = !p->gr.neg.notification;
			why = "graceful restart";
		}
		if (p->fsm.state != BGP_ST_IDLE || !p->fsm.stopped)
			peer_stop(p, BGP_ERR_CEASE_ADMIN_SHUTDOWN, why);
		peer_free(p);
	}
	bgp_listeners_free(s->listeners);
	bfd_sessions_free(s->bfd);
	bgp_conn_ctx_flush(&s->cx);
	free(s->expect);
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
	conn_update_io(p->conn);
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
	/*
	 * Not at once: RFC 4724 4.2 has a peer with graceful restart take a
	 * new connection on an Established session for a restart, and one
	 * that reads in another thread (FRR) may see our SYN before our
	 * NOTIFICATION: the Hard Reset would be taken for a restart.
	 */
	ev_timer_stop(p->s->loop, &p->reset_timer);
	ev_timer_set(&p->reset_timer, PEER_RESET_DELAY, 0.);
	ev_timer_start(p->s->loop, &p->reset_timer);
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

size_t
bgp_sessions_gr_dynamic(struct bgp_sessions *s, struct addr *out, size_t max)
{
	struct bgp_peer *p;
	size_t n = 0;

	TAILQ_FOREACH (p, &s->peers, entry) {
		if (!p->dynamic || !p->session_up || !p->gr.neg.on)
			continue;
		if (n < max)
			out[n] = p->nb->addr;
		n++;
	}
	return n;
}

int
bgp_sessions_peer_healthy(struct bgp_sessions *s, const struct addr *a)
{
	struct bgp_peer *p;

	TAILQ_FOREACH (p, &s->peers, entry)
		if (addr_cmp(&p->nb->addr, a) == 0)
			return peer_healthy(p) ? 1 : 0;
	return -1;
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
		st.gr = p->gr.neg.on;
		st.gr_notification = p->gr.neg.notification;
		st.gr_peer_restarting = p->gr.neg.peer_restarting;
		st.gr_restart_time = p->gr.neg.restart_time;
		st.gr_state = bgp_gr_state_name(p->gr.state);
		st.deferring = s->deferring;
		st.egress_held = rib_peer_egress_held(p->rp) && p->session_up;
		rib_peer_stats(p->rp, &st.rib);
		st.rib_peer = p->rp;
		fn(arg, &st);
	}
}
