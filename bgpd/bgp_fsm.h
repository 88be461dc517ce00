/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The BGP finite state machine of RFC 4271 section 8, as a pure function:
 * (state, event, session attributes) in, (new state, list of actions) out.
 * No sockets, clocks or globals: bgp_peer.c owns the connection and the
 * timers and carries out the actions in order; the unit tests drive the
 * machine through every state with plain structs.
 *
 * Our implementation covers the mandatory events and the optional
 * IdleHoldTimer (DampPeerOscillations, 8.1.1): after an error the session
 * waits idle_hold seconds before it starts again, doubling up to
 * BGP_FSM_IDLE_HOLD_MAX while the peer keeps failing; a session that stays
 * Established for BGP_FSM_IDLE_RESET seconds resets it.  DelayOpen and
 * SendNOTIFICATIONwithoutOPEN are not implemented (both optional).
 */
#ifndef FERRY_BGP_FSM_H
#define FERRY_BGP_FSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum bgp_state {
	BGP_ST_IDLE = 0,
	BGP_ST_CONNECT,
	BGP_ST_ACTIVE,
	BGP_ST_OPENSENT,
	BGP_ST_OPENCONFIRM,
	BGP_ST_ESTABLISHED,
	BGP_ST_COUNT
};

/* Events, with their RFC 4271 8.1 numbers. */
enum bgp_fsm_event {
	BGP_EV_START = 1,	   /* 1, 3-5: ManualStart, AutomaticStart */
	BGP_EV_STOP,		   /* 2, 8: ManualStop, AutomaticStop */
	BGP_EV_CONNRETRY_EXPIRED,  /* 9 */
	BGP_EV_HOLD_EXPIRED,	   /* 10 */
	BGP_EV_KEEPALIVE_EXPIRED,  /* 11 */
	BGP_EV_IDLE_HOLD_EXPIRED,  /* 13 */
	BGP_EV_IDLE_RESET_EXPIRED, /* ours: stable long enough, undamp */
	BGP_EV_TCP_CONNECTED,	   /* 16, 17: either direction */
	BGP_EV_TCP_FAILED,	   /* 18 */
	BGP_EV_OPEN,		   /* 19: a valid OPEN; arg.peer_hold */
	BGP_EV_MSG_ERROR,	   /* 21, 22, 28 and local errors: arg code */
	BGP_EV_COLLISION_DUMP,	   /* 23 */
	BGP_EV_NOTIFICATION,	   /* 24, 25 */
	BGP_EV_KEEPALIVE,	   /* 26 */
	BGP_EV_UPDATE,		   /* 27 */
	BGP_EV_ROUTE_REFRESH,	   /* RFC 2918: like an UPDATE */
};

enum bgp_fsm_timer {
	BGP_TIMER_CONNRETRY = 0,
	BGP_TIMER_HOLD,
	BGP_TIMER_KEEPALIVE,
	BGP_TIMER_IDLE_HOLD,
	BGP_TIMER_IDLE_RESET,
	BGP_TIMER_COUNT
};

enum bgp_fsm_act_type {
	BGP_FA_CONNECT = 1, /* initiate the TCP connection */
	BGP_FA_CLOSE,	    /* drop the TCP connection */
	BGP_FA_SEND_OPEN,
	BGP_FA_SEND_KEEPALIVE,
	BGP_FA_SEND_NOTIFICATION, /* code, subcode */
	BGP_FA_TIMER_START,	  /* timer, secs (restarts a running one) */
	BGP_FA_TIMER_STOP,	  /* timer */
	BGP_FA_SESSION_UP,	  /* entered Established */
	BGP_FA_SESSION_DOWN,	  /* left Established */
};

struct bgp_fsm_action {
	enum bgp_fsm_act_type type;
	enum bgp_fsm_timer timer;
	unsigned secs;
	uint8_t code;
	uint8_t subcode;
};

#define BGP_FSM_MAX_ACTIONS 16

struct bgp_fsm_actions {
	size_t n;
	struct bgp_fsm_action a[BGP_FSM_MAX_ACTIONS];
};

/* RFC 4271 8.2.2: "a large value" for the hold timer in OpenSent. */
#define BGP_FSM_OPEN_HOLD     240
#define BGP_FSM_IDLE_HOLD_MIN 1
#define BGP_FSM_IDLE_HOLD_MAX 60
#define BGP_FSM_IDLE_RESET    60

/* The session attributes of RFC 4271 8 that the machine needs. */
struct bgp_fsm {
	enum bgp_state state;
	/* Configured. */
	bool passive;	    /* PassiveTcpEstablishment */
	uint16_t hold_time; /* ours; 0 or >= 3 */
	uint16_t keepalive; /* configured; 0: hold / 3 */
	uint16_t connect_retry;
	/* Running. */
	bool stopped;	   /* ManualStop: no automatic start */
	uint16_t neg_hold; /* negotiated hold time */
	uint16_t neg_keepalive;
	uint16_t idle_hold;	  /* next IdleHoldTime */
	uint32_t connretry_count; /* ConnectRetryCounter */
};

/* Event parameters; unused fields may be left zero. */
struct bgp_fsm_arg {
	uint16_t peer_hold; /* BGP_EV_OPEN: the peer's hold time */
	uint8_t code;	    /* BGP_EV_MSG_ERROR, BGP_EV_STOP */
	uint8_t subcode;
};

/* Which connection survives a collision (RFC 4271 6.8, RFC 6286 2.3). */
enum bgp_fsm_collision {
	BGP_COLL_KEEP_LOCAL = 0, /* the one we initiated */
	BGP_COLL_KEEP_REMOTE,	 /* the one the peer initiated */
};

const char *bgp_fsm_state_name(enum bgp_state);
const char *bgp_fsm_event_name(enum bgp_fsm_event);
const char *bgp_fsm_timer_name(enum bgp_fsm_timer);

/* A stopped machine in Idle; BGP_EV_START sets it going. */
void bgp_fsm_init(struct bgp_fsm *, bool passive, uint16_t hold_time,
    uint16_t keepalive, uint16_t connect_retry);
/*
 * Feed one event: f->state and the running attributes are updated and
 * the actions to carry out, in order, are appended to acts (which the
 * caller clears).  Returns the new state.
 */
enum bgp_state bgp_fsm_step(struct bgp_fsm *, enum bgp_fsm_event,
    const struct bgp_fsm_arg *, struct bgp_fsm_actions *);
/*
 * Connection collision, OPEN received: the connection the peer
 * initiated has replaced ours, on which our OPEN was already sent.  The
 * machine moves to OpenSent (from any state but Established) so that the
 * next BGP_EV_OPEN proceeds as usual.
 */
void bgp_fsm_adopt(struct bgp_fsm *, struct bgp_fsm_actions *);
enum bgp_fsm_collision bgp_fsm_collision(uint32_t local_id, uint32_t local_as,
    uint32_t remote_id, uint32_t remote_as);
/* Negotiated hold time and keepalive interval (RFC 4271 4.2, 10). */
uint16_t bgp_fsm_hold(uint16_t ours, uint16_t theirs);
uint16_t bgp_fsm_keepalive(uint16_t hold, uint16_t configured);

#endif
