/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The BFD state machine of RFC 5880 (sections 6.2 and 6.8), asynchronous
 * mode, as a pure function: (session variables, event, received packet)
 * in, (new state, what to do) out.  No sockets, clocks or randomness
 * inside: bfd.c owns the timers and the socket, feeds the events, sends
 * what the machine says and re-arms its timers from bfd_fsm_tx_interval
 * and bfd_fsm_detect_time; the unit tests walk every transition of the
 * 6.2 diagram with plain structs.
 *
 * Our implementation: asynchronous mode only (no Demand mode, no Echo
 * function: we always send Required Min Echo RX Interval 0), always the
 * Active role.  Intervals are in microseconds, as on the wire.
 */
#ifndef FERRY_BFD_FSM_H
#define FERRY_BFD_FSM_H

#include <stdbool.h>
#include <stdint.h>

#include "bfd_pkt.h"

/* 6.8.3: at least one second between packets while not Up. */
#define BFD_SLOW_TX_US 1000000u

enum bfd_fsm_event {
	BFD_EV_START = 1,      /* administratively enabled */
	BFD_EV_STOP,	       /* administratively disabled (6.8.16) */
	BFD_EV_PACKET,	       /* a valid, authenticated packet (arg) */
	BFD_EV_DETECT_EXPIRED, /* no valid packet for a Detection Time */
};

struct bfd_fsm {
	/* Configured. */
	uint32_t local_disc; /* bfd.LocalDiscr, non-zero */
	uint32_t cfg_min_tx; /* Desired Min TX while Up */
	uint32_t cfg_min_rx; /* Required Min RX */
	uint8_t detect_mult; /* bfd.DetectMult */
	/* The state variables of 6.8.1. */
	enum bfd_state state;
	enum bfd_state remote_state;
	uint32_t remote_disc;
	uint8_t local_diag;
	uint32_t desired_min_tx;  /* as sent */
	uint32_t required_min_rx; /* as sent */
	uint32_t remote_min_rx;	  /* bfd.RemoteMinRxInterval */
	/* The last packet's Desired Min TX and Detect Mult (0: none since
	 * the last Detection Time expired). */
	uint32_t remote_min_tx;
	uint8_t remote_mult;
	/* 6.8.3: the values in effect until a Poll Sequence ends. */
	uint32_t tx_used;
	uint32_t rx_used;
	bool poll; /* a Poll Sequence is under way (6.5) */
};

/* What the caller must do after a step. */
struct bfd_fsm_out {
	enum bfd_state old; /* the state before the step */
	bool send;	    /* send a control packet now */
	bool final;	    /* ... with the F bit (answers a Poll) */
	bool timers;	    /* intervals changed: re-arm both timers */
	bool detect;	    /* a valid packet: restart the detection timer */
};

/* A session in Down with the given discriminator and parameters. */
void bfd_fsm_init(struct bfd_fsm *, uint32_t local_disc, uint32_t min_tx,
    uint32_t min_rx, uint8_t detect_mult);
/* One event (pkt only for BFD_EV_PACKET); returns the new state. */
enum bfd_state bfd_fsm_step(struct bfd_fsm *, enum bfd_fsm_event,
    const struct bfd_pkt *pkt, struct bfd_fsm_out *);
/* New configured parameters; while Up, a Poll Sequence carries them. */
void bfd_fsm_configure(struct bfd_fsm *, uint32_t min_tx, uint32_t min_rx,
    uint8_t detect_mult, struct bfd_fsm_out *);
/* The control packet to send now (no authentication section). */
void bfd_fsm_packet(const struct bfd_fsm *, bool final, struct bfd_pkt *);
/* 6.8.7: the interval between periodic packets before jitter; 0 means
 * none may be sent (the peer asked for Required Min RX 0). */
uint32_t bfd_fsm_tx_interval(const struct bfd_fsm *);
/* 6.8.4: the Detection Time; 0 while no packet is known. */
uint64_t bfd_fsm_detect_time(const struct bfd_fsm *);
/* 6.8.7: interval reduced by 0-25% (10-25% with Detect Mult 1), with
 * rnd a random number from the caller. */
uint32_t bfd_fsm_jitter(uint32_t interval, uint8_t detect_mult, uint32_t rnd);

#endif
