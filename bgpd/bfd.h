/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * BFD sessions (RFC 5880 asynchronous mode over RFC 5881 single hop and
 * RFC 5883 multihop UDP) on ferryd's libev loop.  bfd.c owns the
 * sockets, the timers, discriminator allocation and the demultiplexing of
 * received packets; the codec (bfd_pkt.h), the state machine
 * (bfd_fsm.h) and authentication (bfd_auth.h) are pure.  A client (a BGP
 * session) asks for a session to an address and hears of every state
 * change through its callback.  Echo and Demand mode are not
 * implemented.
 */
#ifndef FERRY_BFD_H
#define FERRY_BFD_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "bfd_conf.h"
#include "bfd_fsm.h"
#include "prefix.h"

struct ev_loop;
struct bfd_session;
struct bfd_sessions;

/* Why a received packet was dropped. */
enum bfd_drop {
	BFD_DROP_MALFORMED = 0, /* bfd_pkt_decode refused it */
	BFD_DROP_DISCRIMINATOR, /* no session for it */
	BFD_DROP_AUTH,		/* bfd_auth_check refused it */
	BFD_DROP_TTL,		/* TTL / hop limit too low (GTSM) */
	BFD_DROP_COUNT
};

const char *bfd_drop_name(enum bfd_drop);

/* A session changed state from old; its state is bfd_session_state(). */
typedef void bfd_notify_fn(void *ctx, struct bfd_session *, enum bfd_state old);

struct bfd_sessions *bfd_sessions_new(struct ev_loop *);
/* Every session sends AdminDown, then goes. */
void bfd_sessions_free(struct bfd_sessions *);

/* A session to peer (from local, if its family is set), started. */
struct bfd_session *bfd_session_new(struct bfd_sessions *, const char *name,
    const struct addr *peer, const struct addr *local, const struct bfd_conf *,
    bfd_notify_fn *, void *ctx);
/* New intervals or multiplier (a Poll Sequence carries them while Up);
 * the rest of conf must be as before (bfd_conf_session_differs). */
void bfd_session_configure(struct bfd_session *, const struct bfd_conf *);
/* Tell the peer AdminDown (RFC 5880 6.8.16) and free the session. */
void bfd_session_free(struct bfd_session *);
enum bfd_state bfd_session_state(const struct bfd_session *);
enum bfd_state bfd_session_remote_state(const struct bfd_session *);
uint8_t bfd_session_diag(const struct bfd_session *);

struct bfd_status {
	const char *name;
	struct addr peer;
	struct addr local;
	bool multihop;
	uint32_t local_disc;
	uint32_t remote_disc;
	enum bfd_state state;
	enum bfd_state remote_state;
	uint8_t local_diag;
	uint8_t remote_diag;
	enum bfd_auth_type auth;
	uint32_t tx_interval; /* microseconds, negotiated, before jitter */
	uint32_t rx_interval; /* the peer's, as we expect it */
	uint64_t detect_time; /* microseconds; 0 while none */
	uint8_t remote_mult;
	time_t since;	  /* in this state since */
	uint64_t pkts_in; /* valid packets */
	uint64_t pkts_out;
	uint64_t drops[BFD_DROP_COUNT];
	uint64_t state_changes;
	uint64_t downs; /* Up -> Down */
};

void bfd_sessions_foreach(struct bfd_sessions *,
    void (*fn)(void *arg, const struct bfd_status *), void *arg);
/* Packets dropped by reason, those of no session included. */
void bfd_sessions_drops(
    const struct bfd_sessions *, uint64_t drops[BFD_DROP_COUNT]);

#endif
