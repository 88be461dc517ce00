/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The RFC 4271 section 8.2.2 state machine, one function per state.
 *
 * Each handler takes an event and appends actions; the caller (bgp_peer.c)
 * executes them in order, so "send NOTIFICATION, then close" is simply two
 * actions in that order.  Where we depart from the text of 8.2.2 the
 * handler says so; the departures are the ones OpenBGPD and BIRD make:
 *
 *  - A failed outgoing connection in Connect goes to Active with the
 *    ConnectRetryTimer running (8.2.2 says Idle when DelayOpen is off),
 *    so the next attempt waits connect-retry seconds, not zero.
 *  - A passive neighbor never connects: in Active its ConnectRetryTimer
 *    is not started, so it waits for the peer for ever.
 *  - An incoming connection in Idle is accepted unless the session was
 *    stopped by hand: damping holds back our own attempts, not the peer's
 *    (as with "AutomaticStart_with_PassiveTcpEstablishment").
 *  - Timer events for timers that cannot be running are ignored.
 */
#include <stddef.h>

#include "bgp_fsm.h"
#include "bgp_msg.h"

static const char *const state_names[BGP_ST_COUNT] = {
	[BGP_ST_IDLE] = "Idle",
	[BGP_ST_CONNECT] = "Connect",
	[BGP_ST_ACTIVE] = "Active",
	[BGP_ST_OPENSENT] = "OpenSent",
	[BGP_ST_OPENCONFIRM] = "OpenConfirm",
	[BGP_ST_ESTABLISHED] = "Established",
};

const char *
bgp_fsm_state_name(enum bgp_state s)
{
	if ((unsigned)s >= BGP_ST_COUNT)
		return "?";
	return state_names[s];
}

const char *
bgp_fsm_event_name(enum bgp_fsm_event ev)
{
	switch (ev) {
	case BGP_EV_START:
		return "Start";
	case BGP_EV_STOP:
		return "Stop";
	case BGP_EV_CONNRETRY_EXPIRED:
		return "ConnectRetryTimer_Expires";
	case BGP_EV_HOLD_EXPIRED:
		return "HoldTimer_Expires";
	case BGP_EV_KEEPALIVE_EXPIRED:
		return "KeepaliveTimer_Expires";
	case BGP_EV_IDLE_HOLD_EXPIRED:
		return "IdleHoldTimer_Expires";
	case BGP_EV_IDLE_RESET_EXPIRED:
		return "IdleResetTimer_Expires";
	case BGP_EV_TCP_CONNECTED:
		return "TcpConnectionConfirmed";
	case BGP_EV_TCP_FAILED:
		return "TcpConnectionFails";
	case BGP_EV_OPEN:
		return "BGPOpen";
	case BGP_EV_MSG_ERROR:
		return "MsgErr";
	case BGP_EV_COLLISION_DUMP:
		return "OpenCollisionDump";
	case BGP_EV_NOTIFICATION:
		return "NotifMsg";
	case BGP_EV_KEEPALIVE:
		return "KeepAliveMsg";
	case BGP_EV_UPDATE:
		return "UpdateMsg";
	case BGP_EV_ROUTE_REFRESH:
		return "RouteRefreshMsg";
	}
	return "?";
}

const char *
bgp_fsm_timer_name(enum bgp_fsm_timer t)
{
	static const char *const names[BGP_TIMER_COUNT] = {
		[BGP_TIMER_CONNRETRY] = "connect-retry",
		[BGP_TIMER_HOLD] = "hold",
		[BGP_TIMER_KEEPALIVE] = "keepalive",
		[BGP_TIMER_IDLE_HOLD] = "idle-hold",
		[BGP_TIMER_IDLE_RESET] = "idle-reset",
	};

	if ((unsigned)t >= BGP_TIMER_COUNT)
		return "?";
	return names[t];
}

void
bgp_fsm_init(struct bgp_fsm *f, bool passive, uint16_t hold_time,
    uint16_t keepalive, uint16_t connect_retry)
{
	*f = (struct bgp_fsm){ 0 };
	f->state = BGP_ST_IDLE;
	f->passive = passive;
	f->hold_time = hold_time;
	f->keepalive = keepalive;
	f->connect_retry = connect_retry > 0 ? connect_retry : 1;
	f->stopped = true;
	f->idle_hold = BGP_FSM_IDLE_HOLD_MIN;
}

/*
 * RFC 4271 4.2: the hold time is the smaller of the two proposals, and
 * zero when either is zero.
 */
uint16_t
bgp_fsm_hold(uint16_t ours, uint16_t theirs)
{
	if (ours == 0 || theirs == 0)
		return 0;
	return ours < theirs ? ours : theirs;
}

/*
 * RFC 4271 10 suggests a third of the hold time; a configured interval
 * is used when it is shorter (never longer: the negotiated hold time may
 * be below what the config assumed).  Zero when the hold time is zero:
 * no KEEPALIVEs at all.
 */
uint16_t
bgp_fsm_keepalive(uint16_t hold, uint16_t configured)
{
	uint16_t ka = hold / 3;

	if (hold == 0)
		return 0;
	if (configured != 0 && configured < ka)
		ka = configured;
	return ka > 0 ? ka : 1;
}

/*
 * RFC 4271 6.8: "If the value of the local BGP Identifier is less than
 * the remote one, the local system closes the BGP connection that
 * already exists (the one that is already in the OpenConfirm state),
 * and accepts the BGP connection initiated by the remote system."  In
 * other words the connection initiated by the higher identifier wins;
 * RFC 6286 2.3 breaks a tie with the AS number, larger wins.
 */
enum bgp_fsm_collision
bgp_fsm_collision(uint32_t local_id, uint32_t local_as, uint32_t remote_id,
    uint32_t remote_as)
{
	if (local_id != remote_id)
		return local_id > remote_id ? BGP_COLL_KEEP_LOCAL
					    : BGP_COLL_KEEP_REMOTE;
	return local_as >= remote_as ? BGP_COLL_KEEP_LOCAL
				     : BGP_COLL_KEEP_REMOTE;
}

static void
act(struct bgp_fsm_actions *acts, enum bgp_fsm_act_type type)
{
	/* The handlers never emit more than a dozen: a bug, not input. */
	if (acts->n >= BGP_FSM_MAX_ACTIONS)
		return;
	acts->a[acts->n++] = (struct bgp_fsm_action){ .type = type };
}

static void
act_timer(struct bgp_fsm_actions *acts, enum bgp_fsm_timer t, unsigned secs)
{
	act(acts, BGP_FA_TIMER_START);
	if (acts->n > 0) {
		acts->a[acts->n - 1].timer = t;
		acts->a[acts->n - 1].secs = secs;
	}
}

static void
act_stop_timer(struct bgp_fsm_actions *acts, enum bgp_fsm_timer t)
{
	act(acts, BGP_FA_TIMER_STOP);
	if (acts->n > 0)
		acts->a[acts->n - 1].timer = t;
}

static void
act_notify(struct bgp_fsm_actions *acts, uint8_t code, uint8_t subcode)
{
	act(acts, BGP_FA_SEND_NOTIFICATION);
	if (acts->n > 0) {
		acts->a[acts->n - 1].code = code;
		acts->a[acts->n - 1].subcode = subcode;
	}
}

static void
stop_session_timers(struct bgp_fsm_actions *acts)
{
	act_stop_timer(acts, BGP_TIMER_CONNRETRY);
	act_stop_timer(acts, BGP_TIMER_HOLD);
	act_stop_timer(acts, BGP_TIMER_KEEPALIVE);
	act_stop_timer(acts, BGP_TIMER_IDLE_RESET);
}

/*
 * The common tail of every error in 8.2.2: stop the timers, drop the
 * connection, release resources (SESSION_DOWN when leaving Established),
 * increment the ConnectRetryCounter, perform peer oscillation damping
 * and go to Idle.
 */
static enum bgp_state
to_idle(struct bgp_fsm *f, struct bgp_fsm_actions *acts)
{
	unsigned next;

	stop_session_timers(acts);
	act(acts, BGP_FA_CLOSE);
	if (f->state == BGP_ST_ESTABLISHED)
		act(acts, BGP_FA_SESSION_DOWN);
	f->connretry_count++;
	f->neg_hold = f->neg_keepalive = 0;
	act_timer(acts, BGP_TIMER_IDLE_HOLD, f->idle_hold);
	next = (unsigned)f->idle_hold * 2;
	f->idle_hold = next > BGP_FSM_IDLE_HOLD_MAX ? BGP_FSM_IDLE_HOLD_MAX
						    : (uint16_t)next;
	return f->state = BGP_ST_IDLE;
}

static enum bgp_state
to_idle_notify(struct bgp_fsm *f, struct bgp_fsm_actions *acts, uint8_t code,
    uint8_t subcode)
{
	act_notify(acts, code, subcode);
	return to_idle(f, acts);
}

/* ManualStop: Cease (unless no OPEN went out yet), no automatic restart. */
static enum bgp_state
manual_stop(struct bgp_fsm *f, const struct bgp_fsm_arg *arg,
    struct bgp_fsm_actions *acts)
{
	uint8_t sub =
	    arg->subcode != 0 ? arg->subcode : BGP_ERR_CEASE_ADMIN_SHUTDOWN;

	if (f->state >= BGP_ST_OPENSENT)
		act_notify(acts, BGP_ERR_CEASE, sub);
	stop_session_timers(acts);
	act_stop_timer(acts, BGP_TIMER_IDLE_HOLD);
	if (f->state != BGP_ST_IDLE)
		act(acts, BGP_FA_CLOSE);
	if (f->state == BGP_ST_ESTABLISHED)
		act(acts, BGP_FA_SESSION_DOWN);
	f->stopped = true;
	f->connretry_count = 0;
	f->neg_hold = f->neg_keepalive = 0;
	return f->state = BGP_ST_IDLE;
}

/* Connection up, in either direction: OPEN out, wait for the peer's. */
static enum bgp_state
to_opensent(struct bgp_fsm *f, struct bgp_fsm_actions *acts)
{
	act_stop_timer(acts, BGP_TIMER_CONNRETRY);
	act_stop_timer(acts, BGP_TIMER_IDLE_HOLD);
	act(acts, BGP_FA_SEND_OPEN);
	act_timer(acts, BGP_TIMER_HOLD, BGP_FSM_OPEN_HOLD);
	return f->state = BGP_ST_OPENSENT;
}

/* Start connecting, or (passive) wait in Active. */
static enum bgp_state
start(struct bgp_fsm *f, struct bgp_fsm_actions *acts)
{
	f->stopped = false;
	act_stop_timer(acts, BGP_TIMER_IDLE_HOLD);
	if (f->passive)
		return f->state = BGP_ST_ACTIVE;
	act_timer(acts, BGP_TIMER_CONNRETRY, f->connect_retry);
	act(acts, BGP_FA_CONNECT);
	return f->state = BGP_ST_CONNECT;
}

static enum bgp_state
fsm_idle(struct bgp_fsm *f, enum bgp_fsm_event ev,
    const struct bgp_fsm_arg *arg, struct bgp_fsm_actions *acts)
{
	switch (ev) {
	case BGP_EV_START:
		f->connretry_count = 0;
		return start(f, acts);
	case BGP_EV_IDLE_HOLD_EXPIRED:
		if (f->stopped)
			return f->state;
		return start(f, acts);
	case BGP_EV_STOP:
		return manual_stop(f, arg, acts);
	case BGP_EV_TCP_CONNECTED:
		if (f->stopped) {
			act(acts, BGP_FA_CLOSE);
			return f->state;
		}
		return to_opensent(f, acts);
	default:
		/* 8.2.2: "Any other event ... is ignored in the Idle state". */
		return f->state;
	}
}

static enum bgp_state
fsm_connect(struct bgp_fsm *f, enum bgp_fsm_event ev,
    const struct bgp_fsm_arg *arg, struct bgp_fsm_actions *acts)
{
	switch (ev) {
	case BGP_EV_START:
	case BGP_EV_IDLE_HOLD_EXPIRED:
	case BGP_EV_IDLE_RESET_EXPIRED:
		return f->state;
	case BGP_EV_STOP:
		return manual_stop(f, arg, acts);
	case BGP_EV_CONNRETRY_EXPIRED:
		/* The connect timed out: drop it and try again. */
		act(acts, BGP_FA_CLOSE);
		act_timer(acts, BGP_TIMER_CONNRETRY, f->connect_retry);
		act(acts, BGP_FA_CONNECT);
		return f->state;
	case BGP_EV_TCP_CONNECTED:
		return to_opensent(f, acts);
	case BGP_EV_TCP_FAILED:
		/* Our implementation: Active, retry after connect-retry. */
		act(acts, BGP_FA_CLOSE);
		act_timer(acts, BGP_TIMER_CONNRETRY, f->connect_retry);
		return f->state = BGP_ST_ACTIVE;
	default:
		return to_idle(f, acts);
	}
}

static enum bgp_state
fsm_active(struct bgp_fsm *f, enum bgp_fsm_event ev,
    const struct bgp_fsm_arg *arg, struct bgp_fsm_actions *acts)
{
	switch (ev) {
	case BGP_EV_START:
	case BGP_EV_IDLE_HOLD_EXPIRED:
	case BGP_EV_IDLE_RESET_EXPIRED:
		return f->state;
	case BGP_EV_STOP:
		return manual_stop(f, arg, acts);
	case BGP_EV_CONNRETRY_EXPIRED:
		if (f->passive)
			return f->state;
		act_timer(acts, BGP_TIMER_CONNRETRY, f->connect_retry);
		act(acts, BGP_FA_CONNECT);
		return f->state = BGP_ST_CONNECT;
	case BGP_EV_TCP_CONNECTED:
		return to_opensent(f, acts);
	case BGP_EV_TCP_FAILED:
		act(acts, BGP_FA_CLOSE);
		if (!f->passive)
			act_timer(acts, BGP_TIMER_CONNRETRY, f->connect_retry);
		return f->state;
	default:
		return to_idle(f, acts);
	}
}

/* A valid OPEN arrived in OpenSent: negotiate the timers, KEEPALIVE. */
static enum bgp_state
open_received(struct bgp_fsm *f, const struct bgp_fsm_arg *arg,
    struct bgp_fsm_actions *acts)
{
	f->neg_hold = bgp_fsm_hold(f->hold_time, arg->peer_hold);
	f->neg_keepalive = bgp_fsm_keepalive(f->neg_hold, f->keepalive);
	act(acts, BGP_FA_SEND_KEEPALIVE);
	if (f->neg_hold != 0) {
		act_timer(acts, BGP_TIMER_KEEPALIVE, f->neg_keepalive);
		act_timer(acts, BGP_TIMER_HOLD, f->neg_hold);
	} else {
		/* 8.2.2: hold time zero, neither timer is started. */
		act_stop_timer(acts, BGP_TIMER_KEEPALIVE);
		act_stop_timer(acts, BGP_TIMER_HOLD);
	}
	return f->state = BGP_ST_OPENCONFIRM;
}

static enum bgp_state
fsm_opensent(struct bgp_fsm *f, enum bgp_fsm_event ev,
    const struct bgp_fsm_arg *arg, struct bgp_fsm_actions *acts)
{
	switch (ev) {
	case BGP_EV_START:
	case BGP_EV_TCP_CONNECTED: /* a second connection: see 6.8 */
	case BGP_EV_IDLE_HOLD_EXPIRED:
	case BGP_EV_IDLE_RESET_EXPIRED:
		return f->state;
	case BGP_EV_STOP:
		return manual_stop(f, arg, acts);
	case BGP_EV_HOLD_EXPIRED:
		return to_idle_notify(f, acts, BGP_ERR_HOLD, 0);
	case BGP_EV_TCP_FAILED:
		/* 8.2.2: close, restart ConnectRetryTimer, Active. */
		act_stop_timer(acts, BGP_TIMER_HOLD);
		act(acts, BGP_FA_CLOSE);
		if (!f->passive)
			act_timer(acts, BGP_TIMER_CONNRETRY, f->connect_retry);
		return f->state = BGP_ST_ACTIVE;
	case BGP_EV_OPEN:
		return open_received(f, arg, acts);
	case BGP_EV_MSG_ERROR:
		return to_idle_notify(f, acts, arg->code, arg->subcode);
	case BGP_EV_COLLISION_DUMP:
		return to_idle_notify(
		    f, acts, BGP_ERR_CEASE, BGP_ERR_CEASE_COLLISION);
	case BGP_EV_NOTIFICATION:
		return to_idle(f, acts);
	default:
		/* RFC 6608: unexpected message in OpenSent. */
		return to_idle_notify(
		    f, acts, BGP_ERR_FSM, BGP_ERR_FSM_OPENSENT);
	}
}

static enum bgp_state
fsm_openconfirm(struct bgp_fsm *f, enum bgp_fsm_event ev,
    const struct bgp_fsm_arg *arg, struct bgp_fsm_actions *acts)
{
	switch (ev) {
	case BGP_EV_START:
	case BGP_EV_TCP_CONNECTED:
	case BGP_EV_IDLE_HOLD_EXPIRED:
	case BGP_EV_IDLE_RESET_EXPIRED:
		return f->state;
	case BGP_EV_STOP:
		return manual_stop(f, arg, acts);
	case BGP_EV_HOLD_EXPIRED:
		return to_idle_notify(f, acts, BGP_ERR_HOLD, 0);
	case BGP_EV_KEEPALIVE_EXPIRED:
		act(acts, BGP_FA_SEND_KEEPALIVE);
		act_timer(acts, BGP_TIMER_KEEPALIVE, f->neg_keepalive);
		return f->state;
	case BGP_EV_TCP_FAILED:
	case BGP_EV_NOTIFICATION:
		return to_idle(f, acts);
	case BGP_EV_MSG_ERROR:
		return to_idle_notify(f, acts, arg->code, arg->subcode);
	case BGP_EV_COLLISION_DUMP:
		return to_idle_notify(
		    f, acts, BGP_ERR_CEASE, BGP_ERR_CEASE_COLLISION);
	case BGP_EV_KEEPALIVE:
		if (f->neg_hold != 0)
			act_timer(acts, BGP_TIMER_HOLD, f->neg_hold);
		act_timer(acts, BGP_TIMER_IDLE_RESET, BGP_FSM_IDLE_RESET);
		act(acts, BGP_FA_SESSION_UP);
		return f->state = BGP_ST_ESTABLISHED;
	default:
		return to_idle_notify(
		    f, acts, BGP_ERR_FSM, BGP_ERR_FSM_OPENCONFIRM);
	}
}

static enum bgp_state
fsm_established(struct bgp_fsm *f, enum bgp_fsm_event ev,
    const struct bgp_fsm_arg *arg, struct bgp_fsm_actions *acts)
{
	switch (ev) {
	case BGP_EV_START:
	case BGP_EV_TCP_CONNECTED: /* 6.8: the new connection is closed */
	case BGP_EV_IDLE_HOLD_EXPIRED:
		return f->state;
	case BGP_EV_IDLE_RESET_EXPIRED:
		/* Stable for a while: the next failure is not damped. */
		f->idle_hold = BGP_FSM_IDLE_HOLD_MIN;
		return f->state;
	case BGP_EV_STOP:
		return manual_stop(f, arg, acts);
	case BGP_EV_HOLD_EXPIRED:
		return to_idle_notify(f, acts, BGP_ERR_HOLD, 0);
	case BGP_EV_KEEPALIVE_EXPIRED:
		act(acts, BGP_FA_SEND_KEEPALIVE);
		act_timer(acts, BGP_TIMER_KEEPALIVE, f->neg_keepalive);
		return f->state;
	case BGP_EV_TCP_FAILED:
	case BGP_EV_NOTIFICATION:
		return to_idle(f, acts);
	case BGP_EV_MSG_ERROR:
		return to_idle_notify(f, acts, arg->code, arg->subcode);
	case BGP_EV_COLLISION_DUMP:
		return to_idle_notify(
		    f, acts, BGP_ERR_CEASE, BGP_ERR_CEASE_COLLISION);
	case BGP_EV_KEEPALIVE:
	case BGP_EV_UPDATE:
	case BGP_EV_ROUTE_REFRESH:
		if (f->neg_hold != 0)
			act_timer(acts, BGP_TIMER_HOLD, f->neg_hold);
		return f->state;
	default:
		/* A second OPEN, or ConnectRetryTimer: RFC 6608 5/3. */
		return to_idle_notify(
		    f, acts, BGP_ERR_FSM, BGP_ERR_FSM_ESTABLISHED);
	}
}

enum bgp_state
bgp_fsm_step(struct bgp_fsm *f, enum bgp_fsm_event ev,
    const struct bgp_fsm_arg *arg, struct bgp_fsm_actions *acts)
{
	static const struct bgp_fsm_arg none;

	if (arg == NULL)
		arg = &none;
	switch (f->state) {
	case BGP_ST_IDLE:
		return fsm_idle(f, ev, arg, acts);
	case BGP_ST_CONNECT:
		return fsm_connect(f, ev, arg, acts);
	case BGP_ST_ACTIVE:
		return fsm_active(f, ev, arg, acts);
	case BGP_ST_OPENSENT:
		return fsm_opensent(f, ev, arg, acts);
	case BGP_ST_OPENCONFIRM:
		return fsm_openconfirm(f, ev, arg, acts);
	case BGP_ST_ESTABLISHED:
		return fsm_established(f, ev, arg, acts);
	case BGP_ST_COUNT:
		break;
	}
	return f->state;
}

void
bgp_fsm_adopt(struct bgp_fsm *f, struct bgp_fsm_actions *acts)
{
	if (f->state == BGP_ST_ESTABLISHED)
		return;
	f->stopped = false;
	f->neg_hold = f->neg_keepalive = 0;
	act_stop_timer(acts, BGP_TIMER_KEEPALIVE);
	act_stop_timer(acts, BGP_TIMER_CONNRETRY);
	act_stop_timer(acts, BGP_TIMER_IDLE_HOLD);
	act_timer(acts, BGP_TIMER_HOLD, BGP_FSM_OPEN_HOLD);
	f->state = BGP_ST_OPENSENT;
}
