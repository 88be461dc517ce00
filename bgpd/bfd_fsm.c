/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The BFD state machine (see bfd_fsm.h).  RFC 5880 6.2:
 *
 *	                     +--+
 *	                     |  | UP, ADMIN DOWN, TIMER
 *	                     |  V
 *	             DOWN  +------+  INIT
 *	      +------------|      |------------+
 *	      |            | DOWN |            |
 *	      |  +-------->|      |<--------+  |
 *	      |  |         +------+         |  |
 *	      |  |                          |  |
 *	      |  |               ADMIN DOWN,|  |
 *	      |  |ADMIN DOWN,          DOWN,|  |
 *	      |  |TIMER                TIMER|  |
 *	      V  |                          |  V
 *	    +------+                      +------+
 *	+---|      |                      |      |---+
 *	DOWN| INIT |--------------------->|  UP  |INIT, UP
 *	+-->|      | INIT, UP             |      |<--+
 *	    +------+                      +------+
 *
 * Timers (6.8.2 to 6.8.4, 6.8.7): we send every max(our Desired Min TX,
 * the peer's Required Min RX), jittered; we declare the peer down after
 * its Detect Mult times max(our Required Min RX, its Desired Min TX).
 * While not Up we advertise a Desired Min TX of at least one second.
 * Changed intervals travel in a Poll Sequence (6.5): while it lasts, an
 * increased Desired Min TX is not yet used for sending and a reduced
 * Required Min RX not yet used for detection.
 */
#include <string.h>

#include "bfd_fsm.h"

static uint32_t
max32(uint32_t a, uint32_t b)
{
	return a > b ? a : b;
}

/* Set bfd.DesiredMinTxInterval; true if it changed. */
static bool
set_tx(struct bfd_fsm *f, uint32_t v)
{
	if (v == f->desired_min_tx)
		return false;
	/* 6.8.3: "If bfd.DesiredMinTxInterval is increased and
	 * bfd.SessionState is Up, the actual transmission interval used
	 * MUST NOT change until the Poll Sequence [...] has terminated." */
	if (f->state != BFD_ST_UP || v < f->tx_used)
		f->tx_used = v;
	f->desired_min_tx = v;
	return true;
}

/* Set bfd.RequiredMinRxInterval; true if it changed. */
static bool
set_rx(struct bfd_fsm *f, uint32_t v)
{
	if (v == f->required_min_rx)
		return false;
	/* 6.8.3: "If bfd.RequiredMinRxInterval is reduced and
	 * bfd.SessionState is Up, the previous value [...] MUST be used
	 * when calculating the Detection Time for the remote system until
	 * the Poll Sequence [...] has terminated." */
	if (f->state != BFD_ST_UP || v > f->rx_used)
		f->rx_used = v;
	f->required_min_rx = v;
	return true;
}

/* The Desired Min TX that the state calls for. */
static uint32_t
want_tx(const struct bfd_fsm *f)
{
	return f->state == BFD_ST_UP ? f->cfg_min_tx
				     : max32(f->cfg_min_tx, BFD_SLOW_TX_US);
}

static void
to_state(struct bfd_fsm *f, enum bfd_state s, struct bfd_fsm_out *out)
{
	if (f->state == s)
		return;
	f->state = s;
	out->send = true; /* tell the peer at once, not a period later */
	out->timers = true;
	if (s != BFD_ST_UP) {
		/* Slow again, at once (we are not Up: no Poll needed). */
		f->poll = false;
		set_tx(f, want_tx(f));
		f->tx_used = f->desired_min_tx;
		f->rx_used = f->required_min_rx;
		return;
	}
	/* Up: from one second to the configured rate, by Poll (6.8.3). */
	if (set_tx(f, want_tx(f)))
		f->poll = true;
}

void
bfd_fsm_init(struct bfd_fsm *f, uint32_t local_disc, uint32_t min_tx,
    uint32_t min_rx, uint8_t detect_mult)
{
	memset(f, 0, sizeof(*f));
	f->local_disc = local_disc;
	f->cfg_min_tx = min_tx;
	f->cfg_min_rx = min_rx;
	f->detect_mult = detect_mult;
	/* 6.8.1: "bfd.SessionState [...] MUST be initialized to Down",
	 * bfd.RemoteSessionState likewise, bfd.RemoteMinRxInterval to 1. */
	f->state = BFD_ST_DOWN;
	f->remote_state = BFD_ST_DOWN;
	f->remote_min_rx = 1;
	f->desired_min_tx = f->tx_used = want_tx(f);
	f->required_min_rx = f->rx_used = min_rx;
}

/* 6.8.6, once the packet passed every check of bfd.c and bfd_auth.c. */
static enum bfd_state
rx_packet(struct bfd_fsm *f, const struct bfd_pkt *p, struct bfd_fsm_out *out)
{
	out->detect = true;
	f->remote_disc = p->my_disc;
	f->remote_state = p->state;
	if (f->remote_min_rx != p->required_min_rx ||
	    f->remote_min_tx != p->desired_min_tx ||
	    f->remote_mult != p->detect_mult)
		out->timers = true;
	f->remote_min_rx = p->required_min_rx;
	f->remote_min_tx = p->desired_min_tx;
	f->remote_mult = p->detect_mult;
	/* "If a Poll Sequence is being transmitted by the local system and
	 * the Final (F) bit in the received packet is set, the Poll
	 * Sequence MUST be terminated." */
	if ((p->flags & BFD_FLAG_FINAL) && f->poll) {
		f->poll = false;
		f->tx_used = f->desired_min_tx;
		f->rx_used = f->required_min_rx;
		out->timers = true;
	}
	/* "If bfd.SessionState is AdminDown: Discard the packet". */
	if (f->state == BFD_ST_ADMIN_DOWN)
		return f->state;
	if (p->state == BFD_ST_ADMIN_DOWN) {
		/* "If received state is AdminDown: If bfd.SessionState is
		 * not Down, set bfd.LocalDiag to 3 (Neighbor signaled
		 * session down) and set bfd.SessionState to Down" */
		if (f->state != BFD_ST_DOWN) {
			f->local_diag = BFD_DIAG_NEIGHBOR_DOWN;
			to_state(f, BFD_ST_DOWN, out);
		}
	} else {
		switch (f->state) {
		case BFD_ST_DOWN:
			if (p->state == BFD_ST_DOWN)
				to_state(f, BFD_ST_INIT, out);
			else if (p->state == BFD_ST_INIT)
				to_state(f, BFD_ST_UP, out);
			break;
		case BFD_ST_INIT:
			if (p->state == BFD_ST_INIT || p->state == BFD_ST_UP)
				to_state(f, BFD_ST_UP, out);
			break;
		case BFD_ST_UP:
			if (p->state == BFD_ST_DOWN) {
				f->local_diag = BFD_DIAG_NEIGHBOR_DOWN;
				to_state(f, BFD_ST_DOWN, out);
			}
			break;
		case BFD_ST_ADMIN_DOWN:
			break;
		}
	}
	/* "If the Poll (P) bit is set, send a BFD Control packet to the
	 * remote system with the Poll (P) bit clear, and the Final (F) bit
	 * set" -- "as soon as practicable, without respect to the
	 * transmission timer". */
	if (p->flags & BFD_FLAG_POLL) {
		out->send = true;
		out->final = true;
	}
	return f->state;
}

enum bfd_state
bfd_fsm_step(struct bfd_fsm *f, enum bfd_fsm_event ev,
    const struct bfd_pkt *pkt, struct bfd_fsm_out *out)
{
	memset(out, 0, sizeof(*out));
	out->old = f->state;
	switch (ev) {
	case BFD_EV_START:
		if (f->state == BFD_ST_ADMIN_DOWN) {
			f->local_diag = BFD_DIAG_NONE;
			to_state(f, BFD_ST_DOWN, out);
		}
		break;
	case BFD_EV_STOP:
		/* 6.8.16: AdminDown, diag 7; packets go on saying so. */
		f->local_diag = BFD_DIAG_ADMIN_DOWN;
		to_state(f, BFD_ST_ADMIN_DOWN, out);
		break;
	case BFD_EV_PACKET:
		if (pkt != NULL)
			rx_packet(f, pkt, out);
		break;
	case BFD_EV_DETECT_EXPIRED:
		/* 6.8.4: the session goes Down, diag 1; 6.8.1: "If a period
		 * of a Detection Time passes without the receipt of a valid,
		 * authenticated BFD packet from the remote system, [the
		 * remote discriminator] MUST be set to zero." */
		if (f->state == BFD_ST_INIT || f->state == BFD_ST_UP) {
			f->local_diag = BFD_DIAG_TIME_EXPIRED;
			to_state(f, BFD_ST_DOWN, out);
		}
		f->remote_disc = 0;
		f->remote_state = BFD_ST_DOWN;
		f->remote_mult = 0;
		f->remote_min_tx = 0;
		f->remote_min_rx = 1;
		out->timers = true;
		break;
	}
	return f->state;
}

void
bfd_fsm_configure(struct bfd_fsm *f, uint32_t min_tx, uint32_t min_rx,
    uint8_t detect_mult, struct bfd_fsm_out *out)
{
	bool changed;

	memset(out, 0, sizeof(*out));
	out->old = f->state;
	f->cfg_min_tx = min_tx;
	f->cfg_min_rx = min_rx;
	f->detect_mult = detect_mult;
	changed = set_tx(f, want_tx(f));
	changed |= set_rx(f, min_rx);
	/* 6.8.3: "If either bfd.DesiredMinTxInterval or
	 * bfd.RequiredMinRxInterval is changed, a Poll Sequence MUST be
	 * initiated".  Our implementation polls only while Up: in any
	 * other state the values take effect at once and reach the peer
	 * in the next packet. */
	if (changed && f->state == BFD_ST_UP) {
		f->poll = true;
		out->send = true;
	}
	out->timers = true;
}

void
bfd_fsm_packet(const struct bfd_fsm *f, bool final, struct bfd_pkt *p)
{
	memset(p, 0, sizeof(*p));
	p->version = BFD_VERSION;
	p->diag = f->local_diag;
	p->state = f->state;
	/* 6.5: "A BFD Control packet MUST NOT have both the Poll (P) and
	 * Final (F) bits set." */
	if (final)
		p->flags = BFD_FLAG_FINAL;
	else if (f->poll)
		p->flags = BFD_FLAG_POLL;
	p->detect_mult = f->detect_mult;
	p->length = BFD_PKT_LEN;
	p->my_disc = f->local_disc;
	p->your_disc = f->remote_disc;
	p->desired_min_tx = f->desired_min_tx;
	p->required_min_rx = f->required_min_rx;
	p->required_min_echo_rx = 0; /* no Echo function */
}

uint32_t
bfd_fsm_tx_interval(const struct bfd_fsm *f)
{
	/* 6.8.7: "A system MUST NOT periodically transmit BFD Control
	 * packets if bfd.RemoteMinRxInterval is zero." */
	if (f->remote_min_rx == 0)
		return 0;
	return max32(f->tx_used, f->remote_min_rx);
}

uint64_t
bfd_fsm_detect_time(const struct bfd_fsm *f)
{
	/* 6.8.4: "the value of Detect Mult received from the remote
	 * system, multiplied by the agreed transmit interval of the remote
	 * system (the greater of bfd.RequiredMinRxInterval and the last
	 * received Desired Min TX Interval)." */
	return (uint64_t)f->remote_mult * max32(f->rx_used, f->remote_min_tx);
}

uint32_t
bfd_fsm_jitter(uint32_t interval, uint8_t detect_mult, uint32_t rnd)
{
	/* 6.8.7: "reduced by a random value of 0 to 25%"; "If
	 * bfd.DetectMult is equal to 1, the interval [...] MUST be no more
	 * than 90% of the negotiated transmission interval, and MUST be no
	 * less than 75%". */
	uint32_t pct = detect_mult == 1 ? 75 + rnd % 16 : 75 + rnd % 26;

	return (uint32_t)((uint64_t)interval * pct / 100);
}
