/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for the RFC 4271 section 8 state machine (bgp_fsm.c).  The
 * machine is a pure function, so each test builds a struct bgp_fsm in a
 * given state, feeds one event and checks the new state and the exact
 * actions: NOTIFICATION codes, which timers start with what value, when
 * the connection closes and when the RIB hears of the session.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "bgp_fsm.h"
#include "bgp_msg.h"

#define HOLD	  90
#define CONNRETRY 30

static struct bgp_fsm f;
static struct bgp_fsm_actions acts;

static void
reset(bool passive)
{
	bgp_fsm_init(&f, passive, HOLD, 0, CONNRETRY);
	memset(&acts, 0, sizeof(acts));
}

static enum bgp_state
step(enum bgp_fsm_event ev, const struct bgp_fsm_arg *arg)
{
	memset(&acts, 0, sizeof(acts));
	return bgp_fsm_step(&f, ev, arg, &acts);
}

/* Index of the first action of type t (and timer, for timer actions). */
static int
find(enum bgp_fsm_act_type t, int timer)
{
	size_t i;

	for (i = 0; i < acts.n; i++)
		if (acts.a[i].type == t &&
		    (timer < 0 || (int)acts.a[i].timer == timer))
			return (int)i;
	return -1;
}

static void
assert_timer_started(enum bgp_fsm_timer t, unsigned secs)
{
	int i = find(BGP_FA_TIMER_START, t);

	assert_true(i >= 0);
	assert_int_equal(acts.a[i].secs, secs);
}

static void
assert_notify(uint8_t code, uint8_t subcode)
{
	int i = find(BGP_FA_SEND_NOTIFICATION, -1);

	assert_true(i >= 0);
	assert_int_equal(acts.a[i].code, code);
	assert_int_equal(acts.a[i].subcode, subcode);
	/* The NOTIFICATION goes out before the connection closes. */
	assert_true(find(BGP_FA_CLOSE, -1) > i);
}

/* Drive a fresh machine to the given state along the usual path. */
static void
goto_state(enum bgp_state s, uint16_t peer_hold)
{
	struct bgp_fsm_arg open = { .peer_hold = peer_hold };

	reset(false);
	if (s == BGP_ST_IDLE)
		return;
	step(BGP_EV_START, NULL);
	if (s == BGP_ST_CONNECT)
		return;
	if (s == BGP_ST_ACTIVE) {
		step(BGP_EV_TCP_FAILED, NULL);
		return;
	}
	step(BGP_EV_TCP_CONNECTED, NULL);
	if (s == BGP_ST_OPENSENT)
		return;
	step(BGP_EV_OPEN, &open);
	if (s == BGP_ST_OPENCONFIRM)
		return;
	step(BGP_EV_KEEPALIVE, NULL);
	assert_int_equal(f.state, BGP_ST_ESTABLISHED);
}

/* Names. */

static void
test_state_names(void **state)
{
	(void)state;
	assert_string_equal(bgp_fsm_state_name(BGP_ST_IDLE), "Idle");
	assert_string_equal(
	    bgp_fsm_state_name(BGP_ST_OPENCONFIRM), "OpenConfirm");
	assert_string_equal(
	    bgp_fsm_state_name(BGP_ST_ESTABLISHED), "Established");
	assert_string_equal(bgp_fsm_state_name(BGP_ST_COUNT), "?");
}

/* Idle. */

static void
test_idle_start_active(void **state)
{
	(void)state;
	reset(false);
	assert_int_equal(step(BGP_EV_START, NULL), BGP_ST_CONNECT);
	assert_timer_started(BGP_TIMER_CONNRETRY, CONNRETRY);
	assert_true(find(BGP_FA_CONNECT, -1) >= 0);
	assert_false(f.stopped);
}

static void
test_idle_start_passive(void **state)
{
	(void)state;
	reset(true);
	assert_int_equal(step(BGP_EV_START, NULL), BGP_ST_ACTIVE);
	/* A passive neighbor never connects, and no retry timer runs. */
	assert_int_equal(find(BGP_FA_CONNECT, -1), -1);
	assert_int_equal(find(BGP_FA_TIMER_START, BGP_TIMER_CONNRETRY), -1);
	/* Not even when a stray ConnectRetryTimer fires. */
	assert_int_equal(step(BGP_EV_CONNRETRY_EXPIRED, NULL), BGP_ST_ACTIVE);
	assert_int_equal(find(BGP_FA_CONNECT, -1), -1);
}

static void
test_idle_ignores(void **state)
{
	(void)state;
	reset(false);
	assert_int_equal(step(BGP_EV_KEEPALIVE, NULL), BGP_ST_IDLE);
	assert_int_equal(acts.n, 0);
	assert_int_equal(step(BGP_EV_HOLD_EXPIRED, NULL), BGP_ST_IDLE);
	assert_int_equal(acts.n, 0);
	/* Stopped: no automatic start, an incoming connection is refused. */
	assert_int_equal(step(BGP_EV_IDLE_HOLD_EXPIRED, NULL), BGP_ST_IDLE);
	assert_int_equal(acts.n, 0);
	assert_int_equal(step(BGP_EV_TCP_CONNECTED, NULL), BGP_ST_IDLE);
	assert_true(find(BGP_FA_CLOSE, -1) >= 0);
}

static void
test_idle_accepts_when_started(void **state)
{
	(void)state;
	/* After an error, while damped, the peer may still connect to us. */
	goto_state(BGP_ST_OPENSENT, HOLD);
	step(BGP_EV_HOLD_EXPIRED, NULL);
	assert_int_equal(f.state, BGP_ST_IDLE);
	assert_int_equal(step(BGP_EV_TCP_CONNECTED, NULL), BGP_ST_OPENSENT);
	assert_true(find(BGP_FA_SEND_OPEN, -1) >= 0);
	assert_true(find(BGP_FA_TIMER_STOP, BGP_TIMER_IDLE_HOLD) >= 0);
}

/* Connect. */

static void
test_connect_connected(void **state)
{
	(void)state;
	goto_state(BGP_ST_CONNECT, HOLD);
	assert_int_equal(step(BGP_EV_TCP_CONNECTED, NULL), BGP_ST_OPENSENT);
	assert_true(find(BGP_FA_TIMER_STOP, BGP_TIMER_CONNRETRY) >= 0);
	assert_true(find(BGP_FA_SEND_OPEN, -1) >= 0);
	/* RFC 4271 8.2.2: hold timer set to a large value in OpenSent. */
	assert_timer_started(BGP_TIMER_HOLD, BGP_FSM_OPEN_HOLD);
}

static void
test_connect_retry_expired(void **state)
{
	(void)state;
	goto_state(BGP_ST_CONNECT, HOLD);
	assert_int_equal(step(BGP_EV_CONNRETRY_EXPIRED, NULL), BGP_ST_CONNECT);
	assert_true(find(BGP_FA_CLOSE, -1) < find(BGP_FA_CONNECT, -1));
	assert_timer_started(BGP_TIMER_CONNRETRY, CONNRETRY);
}

static void
test_connect_failed(void **state)
{
	(void)state;
	goto_state(BGP_ST_CONNECT, HOLD);
	assert_int_equal(step(BGP_EV_TCP_FAILED, NULL), BGP_ST_ACTIVE);
	assert_timer_started(BGP_TIMER_CONNRETRY, CONNRETRY);
	/* Active: the retry timer connects again. */
	assert_int_equal(step(BGP_EV_CONNRETRY_EXPIRED, NULL), BGP_ST_CONNECT);
	assert_true(find(BGP_FA_CONNECT, -1) >= 0);
}

static void
test_connect_unexpected(void **state)
{
	(void)state;
	goto_state(BGP_ST_CONNECT, HOLD);
	assert_int_equal(step(BGP_EV_KEEPALIVE, NULL), BGP_ST_IDLE);
	assert_true(find(BGP_FA_CLOSE, -1) >= 0);
	assert_int_equal(find(BGP_FA_SEND_NOTIFICATION, -1), -1);
	assert_timer_started(BGP_TIMER_IDLE_HOLD, BGP_FSM_IDLE_HOLD_MIN);
	assert_int_equal(f.connretry_count, 1);
}

static void
test_connect_stop(void **state)
{
	(void)state;
	goto_state(BGP_ST_CONNECT, HOLD);
	assert_int_equal(step(BGP_EV_STOP, NULL), BGP_ST_IDLE);
	assert_true(find(BGP_FA_CLOSE, -1) >= 0);
	/* No OPEN was sent: no NOTIFICATION either. */
	assert_int_equal(find(BGP_FA_SEND_NOTIFICATION, -1), -1);
	assert_true(f.stopped);
	assert_int_equal(find(BGP_FA_TIMER_START, BGP_TIMER_IDLE_HOLD), -1);
}

/* Active. */

static void
test_active_incoming(void **state)
{
	(void)state;
	reset(true);
	step(BGP_EV_START, NULL);
	assert_int_equal(step(BGP_EV_TCP_CONNECTED, NULL), BGP_ST_OPENSENT);
	assert_true(find(BGP_FA_SEND_OPEN, -1) >= 0);
	/* A passive session that loses its connection waits again. */
	assert_int_equal(step(BGP_EV_TCP_FAILED, NULL), BGP_ST_ACTIVE);
	assert_int_equal(find(BGP_FA_TIMER_START, BGP_TIMER_CONNRETRY), -1);
}

static void
test_active_unexpected(void **state)
{
	(void)state;
	goto_state(BGP_ST_ACTIVE, HOLD);
	assert_int_equal(step(BGP_EV_OPEN, NULL), BGP_ST_IDLE);
	assert_timer_started(BGP_TIMER_IDLE_HOLD, BGP_FSM_IDLE_HOLD_MIN);
}

/* OpenSent. */

static void
test_opensent_open(void **state)
{
	struct bgp_fsm_arg open = { .peer_hold = 30 };

	(void)state;
	goto_state(BGP_ST_OPENSENT, HOLD);
	assert_int_equal(step(BGP_EV_OPEN, &open), BGP_ST_OPENCONFIRM);
	assert_true(find(BGP_FA_SEND_KEEPALIVE, -1) >= 0);
	/* Negotiated hold = min(90, 30); keepalive = 30 / 3. */
	assert_int_equal(f.neg_hold, 30);
	assert_int_equal(f.neg_keepalive, 10);
	assert_timer_started(BGP_TIMER_HOLD, 30);
	assert_timer_started(BGP_TIMER_KEEPALIVE, 10);
}

static void
test_opensent_open_hold_zero(void **state)
{
	struct bgp_fsm_arg open = { .peer_hold = 0 };

	(void)state;
	goto_state(BGP_ST_OPENSENT, HOLD);
	assert_int_equal(step(BGP_EV_OPEN, &open), BGP_ST_OPENCONFIRM);
	assert_int_equal(f.neg_hold, 0);
	/* Hold time 0: no hold timer, no keepalive timer. */
	assert_int_equal(find(BGP_FA_TIMER_START, BGP_TIMER_HOLD), -1);
	assert_int_equal(find(BGP_FA_TIMER_START, BGP_TIMER_KEEPALIVE), -1);
	assert_true(find(BGP_FA_TIMER_STOP, BGP_TIMER_HOLD) >= 0);
	assert_true(find(BGP_FA_SEND_KEEPALIVE, -1) >= 0);
	/* ... and none once Established. */
	assert_int_equal(step(BGP_EV_KEEPALIVE, NULL), BGP_ST_ESTABLISHED);
	assert_int_equal(find(BGP_FA_TIMER_START, BGP_TIMER_HOLD), -1);
	assert_int_equal(step(BGP_EV_UPDATE, NULL), BGP_ST_ESTABLISHED);
	assert_int_equal(find(BGP_FA_TIMER_START, BGP_TIMER_HOLD), -1);
}

static void
test_opensent_update_fsm_error(void **state)
{
	(void)state;
	goto_state(BGP_ST_OPENSENT, HOLD);
	assert_int_equal(step(BGP_EV_UPDATE, NULL), BGP_ST_IDLE);
	/* RFC 6608: FSM error, unexpected message in OpenSent. */
	assert_notify(BGP_ERR_FSM, BGP_ERR_FSM_OPENSENT);
	assert_int_equal(find(BGP_FA_SESSION_DOWN, -1), -1);
	goto_state(BGP_ST_OPENSENT, HOLD);
	assert_int_equal(step(BGP_EV_KEEPALIVE, NULL), BGP_ST_IDLE);
	assert_notify(BGP_ERR_FSM, BGP_ERR_FSM_OPENSENT);
}

static void
test_opensent_hold_expired(void **state)
{
	(void)state;
	goto_state(BGP_ST_OPENSENT, HOLD);
	assert_int_equal(step(BGP_EV_HOLD_EXPIRED, NULL), BGP_ST_IDLE);
	assert_notify(BGP_ERR_HOLD, 0);
}

static void
test_opensent_tcp_failed(void **state)
{
	(void)state;
	goto_state(BGP_ST_OPENSENT, HOLD);
	assert_int_equal(step(BGP_EV_TCP_FAILED, NULL), BGP_ST_ACTIVE);
	assert_true(find(BGP_FA_CLOSE, -1) >= 0);
	assert_timer_started(BGP_TIMER_CONNRETRY, CONNRETRY);
}

static void
test_opensent_msg_error(void **state)
{
	struct bgp_fsm_arg err = { .code = BGP_ERR_OPEN,
		.subcode = BGP_ERR_OPEN_PEER_AS };

	(void)state;
	goto_state(BGP_ST_OPENSENT, HOLD);
	assert_int_equal(step(BGP_EV_MSG_ERROR, &err), BGP_ST_IDLE);
	assert_notify(BGP_ERR_OPEN, BGP_ERR_OPEN_PEER_AS);
}

static void
test_opensent_notification(void **state)
{
	(void)state;
	goto_state(BGP_ST_OPENSENT, HOLD);
	assert_int_equal(step(BGP_EV_NOTIFICATION, NULL), BGP_ST_IDLE);
	/* RFC 4271 6.4: a NOTIFICATION is never answered. */
	assert_int_equal(find(BGP_FA_SEND_NOTIFICATION, -1), -1);
	assert_true(find(BGP_FA_CLOSE, -1) >= 0);
}

static void
test_opensent_stop(void **state)
{
	struct bgp_fsm_arg stop = { .code = BGP_ERR_CEASE,
		.subcode = BGP_ERR_CEASE_PEER_DECONF };

	(void)state;
	goto_state(BGP_ST_OPENSENT, HOLD);
	assert_int_equal(step(BGP_EV_STOP, &stop), BGP_ST_IDLE);
	assert_notify(BGP_ERR_CEASE, BGP_ERR_CEASE_PEER_DECONF);
	assert_true(f.stopped);
}

static void
test_opensent_collision_dump(void **state)
{
	(void)state;
	goto_state(BGP_ST_OPENSENT, HOLD);
	assert_int_equal(step(BGP_EV_COLLISION_DUMP, NULL), BGP_ST_IDLE);
	assert_notify(BGP_ERR_CEASE, BGP_ERR_CEASE_COLLISION);
}

/* OpenConfirm. */

static void
test_openconfirm_keepalive(void **state)
{
	(void)state;
	goto_state(BGP_ST_OPENCONFIRM, HOLD);
	assert_int_equal(step(BGP_EV_KEEPALIVE, NULL), BGP_ST_ESTABLISHED);
	assert_true(find(BGP_FA_SESSION_UP, -1) >= 0);
	assert_timer_started(BGP_TIMER_HOLD, HOLD);
}

static void
test_openconfirm_keepalive_timer(void **state)
{
	(void)state;
	goto_state(BGP_ST_OPENCONFIRM, HOLD);
	assert_int_equal(
	    step(BGP_EV_KEEPALIVE_EXPIRED, NULL), BGP_ST_OPENCONFIRM);
	assert_true(find(BGP_FA_SEND_KEEPALIVE, -1) >= 0);
	assert_timer_started(BGP_TIMER_KEEPALIVE, HOLD / 3);
}

static void
test_openconfirm_errors(void **state)
{
	(void)state;
	goto_state(BGP_ST_OPENCONFIRM, HOLD);
	assert_int_equal(step(BGP_EV_UPDATE, NULL), BGP_ST_IDLE);
	assert_notify(BGP_ERR_FSM, BGP_ERR_FSM_OPENCONFIRM);
	goto_state(BGP_ST_OPENCONFIRM, HOLD);
	/* A second OPEN on the same connection. */
	assert_int_equal(step(BGP_EV_OPEN, NULL), BGP_ST_IDLE);
	assert_notify(BGP_ERR_FSM, BGP_ERR_FSM_OPENCONFIRM);
	goto_state(BGP_ST_OPENCONFIRM, HOLD);
	assert_int_equal(step(BGP_EV_HOLD_EXPIRED, NULL), BGP_ST_IDLE);
	assert_notify(BGP_ERR_HOLD, 0);
	goto_state(BGP_ST_OPENCONFIRM, HOLD);
	assert_int_equal(step(BGP_EV_TCP_FAILED, NULL), BGP_ST_IDLE);
	assert_int_equal(find(BGP_FA_SESSION_DOWN, -1), -1);
	goto_state(BGP_ST_OPENCONFIRM, HOLD);
	assert_int_equal(step(BGP_EV_COLLISION_DUMP, NULL), BGP_ST_IDLE);
	assert_notify(BGP_ERR_CEASE, BGP_ERR_CEASE_COLLISION);
}

/* Established. */

static void
test_established_keepalive_resets_hold(void **state)
{
	(void)state;
	goto_state(BGP_ST_ESTABLISHED, 9);
	assert_int_equal(step(BGP_EV_KEEPALIVE, NULL), BGP_ST_ESTABLISHED);
	assert_timer_started(BGP_TIMER_HOLD, 9);
	assert_int_equal(step(BGP_EV_UPDATE, NULL), BGP_ST_ESTABLISHED);
	assert_timer_started(BGP_TIMER_HOLD, 9);
	assert_int_equal(step(BGP_EV_ROUTE_REFRESH, NULL), BGP_ST_ESTABLISHED);
	assert_timer_started(BGP_TIMER_HOLD, 9);
	assert_int_equal(
	    step(BGP_EV_KEEPALIVE_EXPIRED, NULL), BGP_ST_ESTABLISHED);
	assert_true(find(BGP_FA_SEND_KEEPALIVE, -1) >= 0);
	assert_timer_started(BGP_TIMER_KEEPALIVE, 3);
}

static void
test_established_hold_expired(void **state)
{
	(void)state;
	goto_state(BGP_ST_ESTABLISHED, HOLD);
	assert_int_equal(step(BGP_EV_HOLD_EXPIRED, NULL), BGP_ST_IDLE);
	assert_notify(BGP_ERR_HOLD, 0);
	assert_true(find(BGP_FA_SESSION_DOWN, -1) > find(BGP_FA_CLOSE, -1));
	assert_true(find(BGP_FA_TIMER_STOP, BGP_TIMER_KEEPALIVE) >= 0);
	assert_timer_started(BGP_TIMER_IDLE_HOLD, BGP_FSM_IDLE_HOLD_MIN);
}

static void
test_established_errors(void **state)
{
	struct bgp_fsm_arg err = { .code = BGP_ERR_UPDATE,
		.subcode = BGP_ERR_UPD_ATTR_LIST };
	struct bgp_fsm_arg maxp = { .code = BGP_ERR_CEASE,
		.subcode = BGP_ERR_CEASE_MAX_PREFIX };

	(void)state;
	goto_state(BGP_ST_ESTABLISHED, HOLD);
	assert_int_equal(step(BGP_EV_MSG_ERROR, &err), BGP_ST_IDLE);
	assert_notify(BGP_ERR_UPDATE, BGP_ERR_UPD_ATTR_LIST);
	assert_true(find(BGP_FA_SESSION_DOWN, -1) >= 0);
	goto_state(BGP_ST_ESTABLISHED, HOLD);
	assert_int_equal(step(BGP_EV_MSG_ERROR, &maxp), BGP_ST_IDLE);
	assert_notify(BGP_ERR_CEASE, BGP_ERR_CEASE_MAX_PREFIX);
	goto_state(BGP_ST_ESTABLISHED, HOLD);
	assert_int_equal(step(BGP_EV_OPEN, NULL), BGP_ST_IDLE);
	assert_notify(BGP_ERR_FSM, BGP_ERR_FSM_ESTABLISHED);
	goto_state(BGP_ST_ESTABLISHED, HOLD);
	assert_int_equal(step(BGP_EV_NOTIFICATION, NULL), BGP_ST_IDLE);
	assert_int_equal(find(BGP_FA_SEND_NOTIFICATION, -1), -1);
	assert_true(find(BGP_FA_SESSION_DOWN, -1) >= 0);
	goto_state(BGP_ST_ESTABLISHED, HOLD);
	assert_int_equal(step(BGP_EV_TCP_FAILED, NULL), BGP_ST_IDLE);
	assert_true(find(BGP_FA_SESSION_DOWN, -1) >= 0);
	/* A second connection is for the session layer to close. */
	goto_state(BGP_ST_ESTABLISHED, HOLD);
	assert_int_equal(step(BGP_EV_TCP_CONNECTED, NULL), BGP_ST_ESTABLISHED);
	assert_int_equal(acts.n, 0);
}

static void
test_established_stop(void **state)
{
	struct bgp_fsm_arg stop = { .code = BGP_ERR_CEASE,
		.subcode = BGP_ERR_CEASE_ADMIN_RESET };

	(void)state;
	goto_state(BGP_ST_ESTABLISHED, HOLD);
	assert_int_equal(step(BGP_EV_STOP, &stop), BGP_ST_IDLE);
	assert_notify(BGP_ERR_CEASE, BGP_ERR_CEASE_ADMIN_RESET);
	assert_true(find(BGP_FA_SESSION_DOWN, -1) >= 0);
	/* A manual stop is not damped and does not restart by itself. */
	assert_int_equal(find(BGP_FA_TIMER_START, BGP_TIMER_IDLE_HOLD), -1);
	assert_true(f.stopped);
	/* Default subcode: administrative shutdown. */
	goto_state(BGP_ST_ESTABLISHED, HOLD);
	step(BGP_EV_STOP, NULL);
	assert_notify(BGP_ERR_CEASE, BGP_ERR_CEASE_ADMIN_SHUTDOWN);
}

/* Damping, timers, collisions. */

static void
test_damping(void **state)
{
	unsigned expect = BGP_FSM_IDLE_HOLD_MIN;
	int i;

	(void)state;
	goto_state(BGP_ST_OPENSENT, HOLD);
	for (i = 0; i < 10; i++) {
		step(BGP_EV_HOLD_EXPIRED, NULL);
		assert_int_equal(f.state, BGP_ST_IDLE);
		assert_timer_started(BGP_TIMER_IDLE_HOLD, expect);
		expect = expect * 2 > BGP_FSM_IDLE_HOLD_MAX
		    ? BGP_FSM_IDLE_HOLD_MAX
		    : expect * 2;
		/* Automatic restart when the idle hold timer fires. */
		assert_int_equal(
		    step(BGP_EV_IDLE_HOLD_EXPIRED, NULL), BGP_ST_CONNECT);
		step(BGP_EV_TCP_CONNECTED, NULL);
	}
	assert_int_equal(f.idle_hold, BGP_FSM_IDLE_HOLD_MAX);
	/* A session that stays up long enough is forgiven. */
	step(BGP_EV_OPEN, &(struct bgp_fsm_arg){ .peer_hold = HOLD });
	step(BGP_EV_KEEPALIVE, NULL);
	assert_timer_started(BGP_TIMER_IDLE_RESET, BGP_FSM_IDLE_RESET);
	step(BGP_EV_IDLE_RESET_EXPIRED, NULL);
	assert_int_equal(f.idle_hold, BGP_FSM_IDLE_HOLD_MIN);
}

static void
test_negotiation(void **state)
{
	(void)state;
	assert_int_equal(bgp_fsm_hold(90, 180), 90);
	assert_int_equal(bgp_fsm_hold(90, 3), 3);
	assert_int_equal(bgp_fsm_hold(0, 90), 0);
	assert_int_equal(bgp_fsm_hold(90, 0), 0);
	assert_int_equal(bgp_fsm_keepalive(90, 0), 30);
	assert_int_equal(bgp_fsm_keepalive(90, 10), 10);
	/* A configured keepalive is capped by the negotiated hold / 3. */
	assert_int_equal(bgp_fsm_keepalive(9, 30), 3);
	assert_int_equal(bgp_fsm_keepalive(3, 0), 1);
	assert_int_equal(bgp_fsm_keepalive(0, 30), 0);
}

static void
test_collision(void **state)
{
	(void)state;
	/* RFC 4271 6.8: the connection initiated by the higher id stays. */
	assert_int_equal(
	    bgp_fsm_collision(0x0a000002, 65001, 0x0a000001, 65002),
	    BGP_COLL_KEEP_LOCAL);
	assert_int_equal(
	    bgp_fsm_collision(0x0a000001, 65001, 0x0a000002, 65002),
	    BGP_COLL_KEEP_REMOTE);
	/* Identifiers compare as unsigned host-order integers. */
	assert_int_equal(bgp_fsm_collision(0xc0000201, 1, 0x0a000001, 1),
	    BGP_COLL_KEEP_LOCAL);
	/* RFC 6286 2.3: equal ids, the larger AS wins. */
	assert_int_equal(
	    bgp_fsm_collision(0x0a000001, 65002, 0x0a000001, 65001),
	    BGP_COLL_KEEP_LOCAL);
	assert_int_equal(
	    bgp_fsm_collision(0x0a000001, 65001, 0x0a000001, 65002),
	    BGP_COLL_KEEP_REMOTE);
}

static void
test_adopt(void **state)
{
	struct bgp_fsm_arg open = { .peer_hold = HOLD };

	(void)state;
	/* The other connection, with our OPEN on it, takes over. */
	goto_state(BGP_ST_OPENCONFIRM, HOLD);
	memset(&acts, 0, sizeof(acts));
	bgp_fsm_adopt(&f, &acts);
	assert_int_equal(f.state, BGP_ST_OPENSENT);
	assert_timer_started(BGP_TIMER_HOLD, BGP_FSM_OPEN_HOLD);
	assert_true(find(BGP_FA_TIMER_STOP, BGP_TIMER_KEEPALIVE) >= 0);
	assert_int_equal(find(BGP_FA_SEND_OPEN, -1), -1);
	assert_int_equal(step(BGP_EV_OPEN, &open), BGP_ST_OPENCONFIRM);
	/* Never out of Established. */
	goto_state(BGP_ST_ESTABLISHED, HOLD);
	memset(&acts, 0, sizeof(acts));
	bgp_fsm_adopt(&f, &acts);
	assert_int_equal(f.state, BGP_ST_ESTABLISHED);
	assert_int_equal(acts.n, 0);
}

/* Every (state, event) pair keeps the action list within bounds. */
static void
test_exhaustive(void **state)
{
	struct bgp_fsm_arg arg = { .peer_hold = 3, .code = 6, .subcode = 1 };
	int s, ev, up;

	(void)state;
	for (s = BGP_ST_IDLE; s < BGP_ST_COUNT; s++)
		for (ev = BGP_EV_START; ev <= BGP_EV_ROUTE_REFRESH; ev++) {
			goto_state((enum bgp_state)s, HOLD);
			up = s == BGP_ST_ESTABLISHED;
			step((enum bgp_fsm_event)ev, &arg);
			assert_true(acts.n < BGP_FSM_MAX_ACTIONS);
			assert_true((unsigned)f.state < BGP_ST_COUNT);
			/* Down exactly when leaving Established. */
			assert_int_equal(find(BGP_FA_SESSION_DOWN, -1) >= 0,
			    up && f.state != BGP_ST_ESTABLISHED);
			assert_int_equal(find(BGP_FA_SESSION_UP, -1) >= 0,
			    !up && f.state == BGP_ST_ESTABLISHED);
		}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_names),
		cmocka_unit_test(test_idle_start_active),
		cmocka_unit_test(test_idle_start_passive),
		cmocka_unit_test(test_idle_ignores),
		cmocka_unit_test(test_idle_accepts_when_started),
		cmocka_unit_test(test_connect_connected),
		cmocka_unit_test(test_connect_retry_expired),
		cmocka_unit_test(test_connect_failed),
		cmocka_unit_test(test_connect_unexpected),
		cmocka_unit_test(test_connect_stop),
		cmocka_unit_test(test_active_incoming),
		cmocka_unit_test(test_active_unexpected),
		cmocka_unit_test(test_opensent_open),
		cmocka_unit_test(test_opensent_open_hold_zero),
		cmocka_unit_test(test_opensent_update_fsm_error),
		cmocka_unit_test(test_opensent_hold_expired),
		cmocka_unit_test(test_opensent_tcp_failed),
		cmocka_unit_test(test_opensent_msg_error),
		cmocka_unit_test(test_opensent_notification),
		cmocka_unit_test(test_opensent_stop),
		cmocka_unit_test(test_opensent_collision_dump),
		cmocka_unit_test(test_openconfirm_keepalive),
		cmocka_unit_test(test_openconfirm_keepalive_timer),
		cmocka_unit_test(test_openconfirm_errors),
		cmocka_unit_test(test_established_keepalive_resets_hold),
		cmocka_unit_test(test_established_hold_expired),
		cmocka_unit_test(test_established_errors),
		cmocka_unit_test(test_established_stop),
		cmocka_unit_test(test_damping),
		cmocka_unit_test(test_negotiation),
		cmocka_unit_test(test_collision),
		cmocka_unit_test(test_adopt),
		cmocka_unit_test(test_exhaustive),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
