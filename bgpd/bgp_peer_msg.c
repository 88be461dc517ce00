/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What each message received on a BGP session does (see bgp_peer.c for
 * the connections and the FSM around it): OPEN and its negotiation,
 * connection collisions (RFC 4271 6.8), UPDATE into the RIB with max-prefix
 * and RFC 7606 handling, NOTIFICATION, KEEPALIVE and ROUTE-REFRESH
 * (RFC 2918, RFC 7313).  Each handler decodes with the pure codec
 * (bgp_msg.h, bgp_update.h), acts on the RIB and the connections, and
 * fills in a struct peer_verdict: the FSM event and NOTIFICATION that
 * bgp_peer.c then carries out.  Nothing here calls into bgp_peer.c.
 */
#include <inttypes.h>
#include <string.h>

#include "bgp_peer_int.h"
#include "bgp_update.h"
#include "log.h"

/*
 * RFC 4486 4: Cease, Maximum Number of Prefixes Reached, with the AFI and
 * SAFI of the UPDATE that crossed the limit and the limit itself (our
 * limit counts both families together).
 */
static void
peer_max_prefix_cease(
    struct bgp_peer *p, const struct bgp_update *u, struct peer_verdict *v)
{
	uint16_t afi = u->mp_reach.count > 0 ? u->mp_reach.afi : BGP_AFI_IPV4;
	uint32_t max = p->nb->import.max_prefix;
	uint8_t d[7] = { (uint8_t)(afi >> 8), (uint8_t)afi, BGP_SAFI_UNICAST,
		(uint8_t)(max >> 24), (uint8_t)(max >> 16), (uint8_t)(max >> 8),
		(uint8_t)max };

	bgp_msg_err_clear(&v->err);
	bgp_msg_err_set(&v->err, BGP_ACT_SESSION_RESET, BGP_ERR_CEASE,
	    BGP_ERR_CEASE_MAX_PREFIX, d, sizeof(d),
	    "maximum prefix count exceeded");
	v->has_err = true;
}

static void
peer_verdict_event(struct peer_verdict *v, enum bgp_fsm_event ev)
{
	v->has_event = true;
	v->ev = ev;
}

static void
peer_verdict_err(struct peer_verdict *v, const struct bgp_err *err)
{
	v->has_err = true;
	v->err = *err;
}

/* OPEN (RFC 4271 6.2 via bgp_msg_open_check, then 6.8). */

static int
peer_open_parse(struct bgp_peer *p, const uint8_t *m, size_t len,
    struct bgp_open *o, struct bgp_err *err)
{
	const struct bgp_conf *conf = p->s->conf;
	struct bgp_open_expect x;
	uint8_t ours = 0, theirs;

	if (bgp_msg_open_decode(m, len, o, err) != BGP_ACT_OK)
		return -1;
	memset(&x, 0, sizeof(x));
	x.peer_as = p->nb->asn;
	x.local_id = ntohl(conf->router_id.v4.s_addr);
	x.ibgp = p->nb->asn == conf->asn;
	if (bgp_msg_open_check(o, &x, err) != BGP_ACT_OK)
		return -1;
	/* RFC 4760 8: no MP capability means IPv4 unicast only. */
	theirs = (o->caps.seen & BGP_CAPF_MP) ? o->caps.mp
					      : 1 << BGP_AF_IPV4_UNICAST;
	if (p->nb->families & BGP_FAM_IPV4)
		ours |= 1 << BGP_AF_IPV4_UNICAST;
	if (p->nb->families & BGP_FAM_IPV6)
		ours |= 1 << BGP_AF_IPV6_UNICAST;
	if ((ours & theirs) == 0) {
		bgp_msg_err_set(err, BGP_ACT_SESSION_RESET, BGP_ERR_OPEN,
		    BGP_ERR_OPEN_CAPABILITY, NULL, 0,
		    "no address family in common");
		return -1;
	}
	return 0;
}

static void
peer_open_accept(
    struct bgp_peer *p, const struct bgp_open *o, struct peer_verdict *v)
{
	uint8_t af = (o->caps.seen & BGP_CAPF_MP) ? o->caps.mp
						  : 1 << BGP_AF_IPV4_UNICAST;

	p->remote_as = bgp_msg_open_peer_as(o);
	p->remote_id = o->bgp_id;
	p->ibgp = p->remote_as == p->s->conf->asn;
	p->as4 = (o->caps.seen & BGP_CAPF_AS4) != 0;
	p->refresh = (o->caps.seen & BGP_CAPF_ROUTE_REFRESH) != 0;
	p->enhanced_refresh = (o->caps.seen & BGP_CAPF_ENHANCED_RR) != 0;
	p->families = 0;
	if ((af & (1 << BGP_AF_IPV4_UNICAST)) &&
	    (p->nb->families & BGP_FAM_IPV4))
		p->families |= BGP_FAM_IPV4;
	if ((af & (1 << BGP_AF_IPV6_UNICAST)) &&
	    (p->nb->families & BGP_FAM_IPV6))
		p->families |= BGP_FAM_IPV6;
	/* RFC 8950 4: IPv4 routes may carry IPv6 next hops when both
	 * sides said so. */
	p->ext_nh = p->nb->ext_nh && (p->families & BGP_FAM_IPV4) &&
	    (o->caps.seen & BGP_CAPF_EXT_NEXTHOP) &&
	    (o->caps.ext_nh & (1 << BGP_AF_IPV4_UNICAST));
	bgp_gr_negotiate(&p->nb->gr, &o->caps, p->families, &p->gr_open);
	log_debug("bgp: open received: peer=%s asn=%u hold=%u caps=0x%x",
	    p->name, p->remote_as, o->hold_time, o->caps.seen);
	if (p->gr_open.on)
		log_info("bgp: graceful restart negotiated: peer=%s "
			 "restart-time=%u restarting=%d notification=%d "
			 "families=0x%x forwarding=0x%x",
		    p->name, p->gr_open.restart_time,
		    p->gr_open.peer_restarting, p->gr_open.notification,
		    p->gr_open.families, p->gr_open.forwarding);
	peer_verdict_event(v, BGP_EV_OPEN);
	v->arg.peer_hold = o->hold_time;
}

/*
 * RFC 4271 6.8, our implementation: when an OPEN arrives on the second
 * connection while the session's is in OpenConfirm, the one initiated
 * by the side with the higher identifier survives (bgp_fsm_collision).
 * When both were initiated by the peer the newer wins: the older one is
 * most likely a leftover of a peer restart.  A connection still in
 * OpenSent is not compared (BIRD does the same): it is closed with 6/7
 * if the other one reaches Established first.  Returns the survivor;
 * when it is the colliding one, the verdict has it take over.
 */
static struct bgp_conn *
peer_collide(
    struct bgp_peer *p, const struct bgp_open *o, struct peer_verdict *v)
{
	const struct bgp_conf *conf = p->s->conf;
	struct bgp_conn *keep, *lose;
	enum bgp_fsm_collision r;

	r = bgp_fsm_collision(ntohl(conf->router_id.v4.s_addr), conf->asn,
	    o->bgp_id, bgp_msg_open_peer_as(o));
	if (p->conn->outgoing == p->coll->outgoing)
		keep = p->coll;
	else if (r == BGP_COLL_KEEP_LOCAL)
		keep = p->conn->outgoing ? p->conn : p->coll;
	else
		keep = p->conn->outgoing ? p->coll : p->conn;
	lose = keep == p->conn ? p->coll : p->conn;
	log_info("bgp: collision resolved: peer=%s keep=%s close=%s", p->name,
	    keep->outgoing ? "outgoing" : "incoming",
	    lose->outgoing ? "outgoing" : "incoming");
	/* When the session's connection goes, its timers restart
	 * (promote). */
	v->promote = lose == p->conn;
	peer_conn_notify_close(
	    p, lose, BGP_ERR_CEASE, BGP_ERR_CEASE_COLLISION, NULL);
	return keep;
}

static void
peer_msg_open(struct bgp_peer *p, struct bgp_conn *c, const uint8_t *m,
    size_t len, struct peer_verdict *v)
{
	struct bgp_open o;
	struct bgp_err err;

	if (c == p->conn && p->fsm.state != BGP_ST_OPENSENT) {
		/* A second OPEN: FSM error. */
		peer_verdict_event(v, BGP_EV_OPEN);
		return;
	}
	if (peer_open_parse(p, m, len, &o, &err) == -1) {
		log_notice("bgp: bad OPEN: peer=%s asn=%u reason=\"%s\"",
		    p->name, peer_asn(p), err.reason ? err.reason : "");
		if (c == p->conn)
			peer_verdict_err(v, &err);
		else
			peer_conn_notify_close(
			    p, c, err.code, err.subcode, &err);
		return;
	}
	if (c == p->coll && p->fsm.state == BGP_ST_OPENSENT) {
		/*
		 * 6.8 compares only connections that both have an OPEN:
		 * this one is ahead, so it carries the session and the
		 * other one waits for its OPEN in its place.
		 */
		p->coll = p->conn;
		p->conn = c;
	} else if (c == p->coll && peer_collide(p, &o, v) != c) {
		return;
	}
	/* c is (or, promoted, becomes) the session's connection, in
	 * OpenSent. */
	peer_open_accept(p, &o, v);
}

/* UPDATE: RFC 7606 verdicts, then the RIB. */

static void
peer_input_withdraw(struct bgp_peer *p, const struct bgp_update *u)
{
	struct bgp_update w;

	/* RFC 7606 2: treat-as-withdraw, announcements become withdrawals. */
	memset(&w, 0, sizeof(w));
	w.withdrawn = u->withdrawn;
	w.mp_unreach = u->mp_unreach;
	if (w.withdrawn.count > 0 || w.mp_unreach.count > 0)
		(void)rib_peer_input(p->rp, &w);
	memset(&w, 0, sizeof(w));
	w.withdrawn = u->nlri;
	if (u->mp_reach.family != 0)
		w.mp_unreach = u->mp_reach;
	if (w.withdrawn.count > 0 || w.mp_unreach.count > 0)
		(void)rib_peer_input(p->rp, &w);
}

/*
 * RFC 4724 2: End-of-RIB, an UPDATE with nothing in it (IPv4 unicast) or
 * with only an empty MP_UNREACH_NLRI.  It ends the peer's initial table:
 * its stale routes of that family go (bgp_gr_eor), and our deferral may
 * be over.
 */
static void
peer_msg_eor(
    struct bgp_peer *p, const struct bgp_update *u, struct peer_verdict *v)
{
	int af = bgp_msg_af(u->eor_afi, u->eor_safi);
	uint8_t fam;

	peer_verdict_event(v, BGP_EV_UPDATE);
	if (af == -1)
		return;
	fam = af == BGP_AF_IPV4_UNICAST ? BGP_FAM_IPV4 : BGP_FAM_IPV6;
	log_info("bgp: end-of-rib received: peer=%s asn=%u afi=%u safi=%u",
	    p->name, peer_asn(p), u->eor_afi, u->eor_safi);
	bgp_gr_eor(&p->gr, fam, &v->gr);
	v->has_gr = true;
}

static void
peer_msg_update(
    struct bgp_peer *p, const uint8_t *m, size_t len, struct peer_verdict *v)
{
	struct bgp_attr_opts opts = { .as4 = p->as4, .ebgp = !p->ibgp };
	struct rib_peer_stats st;
	struct bgp_update u;
	struct bgp_err err;
	enum bgp_action a;
	bool was_hit;

	if (p->fsm.state != BGP_ST_ESTABLISHED) {
		peer_verdict_event(v, BGP_EV_UPDATE);
		return;
	}
	a = bgp_update_decode(m, len, &opts, &u, &err);
	if (a == BGP_ACT_OK && u.eor) {
		peer_msg_eor(p, &u, v);
		return;
	}
	if (a == BGP_ACT_SESSION_RESET) {
		log_notice("bgp: malformed UPDATE: peer=%s asn=%u code=%u "
			   "subcode=%u reason=\"%s\"",
		    p->name, peer_asn(p), err.code, err.subcode,
		    err.reason ? err.reason : "");
		peer_verdict_err(v, &err);
		return;
	}
	/* The FSM hears of it (hold timer) after the RIB: an UPDATE does
	 * not change the state of an Established session. */
	peer_verdict_event(v, BGP_EV_UPDATE);
	/* For input pacing: how packed this peer's UPDATEs come. */
	conn_note_update(p->conn,
	    u.nlri.count + u.withdrawn.count + u.mp_reach.count +
		u.mp_unreach.count);
	if (a != BGP_ACT_OK)
		log_info("bgp: malformed UPDATE handled: peer=%s asn=%u "
			 "action=%s code=%u subcode=%u attr=%u reason=\"%s\"",
		    p->name, peer_asn(p), bgp_msg_action_name(a), err.code,
		    err.subcode, err.attr_type, err.reason ? err.reason : "");
	switch (a) {
	case BGP_ACT_IGNORE:
		return;
	case BGP_ACT_TREAT_AS_WITHDRAW:
		peer_input_withdraw(p, &u);
		return;
	default:
		break;
	}
	rib_peer_stats(p->rp, &st);
	was_hit = st.max_prefix_hit;
	if (rib_peer_input(p->rp, &u) == RIB_INPUT_MAX_PREFIX) {
		log_warn("bgp: maximum prefix count exceeded: peer=%s asn=%u "
			 "max=%u",
		    p->name, peer_asn(p), p->nb->import.max_prefix);
		peer_max_prefix_cease(p, &u, v);
		return;
	}
	/*
	 * max-prefix-action "warn" (docs/config.md: log once): the RIB
	 * keeps the routes and returns RIB_INPUT_OK, so nothing was ever
	 * logged.  Log when the limit is first crossed in this session
	 * (the RIB clears max_prefix_hit on session up and on a policy
	 * change).
	 */
	rib_peer_stats(p->rp, &st);
	if (!was_hit && st.max_prefix_hit)
		log_warn("bgp: maximum prefix count exceeded: peer=%s asn=%u "
			 "max=%u action=warn accepted=%" PRIu64,
		    p->name, peer_asn(p), p->nb->import.max_prefix,
		    st.accepted);
}

static void
peer_msg_notification(struct bgp_peer *p, struct bgp_conn *c, const uint8_t *m,
    size_t len, struct peer_verdict *v)
{
	struct bgp_notification n;
	struct bgp_err err;
	char text[256];

	if (bgp_msg_notification_decode(m, len, &n, &err) != BGP_ACT_OK) {
		/* RFC 4271 6.4: never answer a NOTIFICATION; just close. */
		n.code = n.subcode = 0;
	}
	if (bgp_msg_notification_shutdown_text(&n, text, sizeof(text)) == -1)
		text[0] = '\0';
	if (c == p->conn) {
		p->notif_code = n.code;
		p->notif_sub = n.subcode;
	}
	log_notice("bgp: notification received: peer=%s asn=%u code=%u "
		   "subcode=%u error=\"%s\"%s%s%s",
	    p->name, peer_asn(p), n.code, n.subcode,
	    bgp_msg_err_name(n.code, n.subcode), text[0] ? " text=\"" : "",
	    text, text[0] ? "\"" : "");
	if (c != p->conn) {
		c->out.len = 0;
		peer_conn_detach(p, c);
		conn_close(c);
		return;
	}
	peer_error_text(p, "received NOTIFICATION %u/%u (%s)%s%s", n.code,
	    n.subcode, bgp_msg_err_name(n.code, n.subcode), text[0] ? ": " : "",
	    text);
	c->out.len = 0;
	peer_verdict_event(v, BGP_EV_NOTIFICATION);
}

static void
peer_msg_refresh(
    struct bgp_peer *p, const uint8_t *m, size_t len, struct peer_verdict *v)
{
	struct bgp_refresh r;
	struct bgp_err err;
	enum bgp_action a;

	peer_verdict_event(v, BGP_EV_ROUTE_REFRESH);
	if (p->fsm.state != BGP_ST_ESTABLISHED)
		return;
	a = bgp_msg_refresh_decode(m, len, &r, &err);
	if (a == BGP_ACT_SESSION_RESET) {
		v->has_event = false;
		peer_verdict_err(v, &err);
		return;
	}
	if (a != BGP_ACT_OK)
		return;
	if (r.subtype != BGP_REFRESH_NORMAL) {
		log_debug("bgp: route refresh marker: peer=%s subtype=%u",
		    p->name, r.subtype);
		return;
	}
	if (bgp_msg_af(r.afi, r.safi) == -1) {
		log_info("bgp: route refresh for an unknown family ignored: "
			 "peer=%s afi=%u safi=%u",
		    p->name, r.afi, r.safi);
		return;
	}
	log_info("bgp: route refresh requested: peer=%s asn=%u afi=%u safi=%u",
	    p->name, peer_asn(p), r.afi, r.safi);
	rib_peer_refresh(p->rp, r.afi, r.safi);
}

/* One framed message on connection c. */
void
peer_msg(struct bgp_peer *p, struct bgp_conn *c, const uint8_t *m, size_t len,
    uint8_t type, struct peer_verdict *v)
{
	struct bgp_err err;

	memset(v, 0, sizeof(*v));
	if (type < 6)
		p->msgs_in[type]++;
	if (c != p->conn) {
		/* A colliding connection speaks OPEN or NOTIFICATION only. */
		if (type == BGP_MSG_OPEN)
			peer_msg_open(p, c, m, len, v);
		else if (type == BGP_MSG_NOTIFICATION)
			peer_msg_notification(p, c, m, len, v);
		else
			peer_conn_notify_close(
			    p, c, BGP_ERR_FSM, BGP_ERR_FSM_OPENSENT, NULL);
		return;
	}
	switch (type) {
	case BGP_MSG_OPEN:
		peer_msg_open(p, c, m, len, v);
		break;
	case BGP_MSG_UPDATE:
		peer_msg_update(p, m, len, v);
		break;
	case BGP_MSG_NOTIFICATION:
		peer_msg_notification(p, c, m, len, v);
		break;
	case BGP_MSG_KEEPALIVE:
		if (bgp_msg_keepalive_decode(m, len, &err) != BGP_ACT_OK)
			peer_verdict_err(v, &err);
		else
			peer_verdict_event(v, BGP_EV_KEEPALIVE);
		break;
	case BGP_MSG_ROUTE_REFRESH:
		peer_msg_refresh(p, m, len, v);
		break;
	}
}
