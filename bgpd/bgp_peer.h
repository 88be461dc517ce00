/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * BGP sessions: one struct bgp_peer per configured neighbor or accepted
 * dynamic neighbor, each with its FSM (bgp_fsm.h), socket, timers and
 * buffers, all on the daemon's libev loop.  Three layers, calls going
 * down only: bgp_peer.c drives the FSM and the session lifecycle and
 * pulls the RIB's output when the socket is writable; bgp_peer_msg.c
 * decodes each received message with the codec (bgp_msg.h,
 * bgp_update.h), hands UPDATEs to the RIB and returns what the FSM must
 * hear; bgp_conn.c owns sockets, framing, buffers and input pacing and
 * reports upward through callbacks.  Listening sockets (bgp_listen.c),
 * connection collision detection (RFC 4271 6.8), TCP-MD5 (RFC 2385),
 * multihop TTL and GTSM (RFC 5082) are part of it.
 */
#ifndef FERRY_BGP_PEER_H
#define FERRY_BGP_PEER_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "bgp_conf.h"
#include "bgp_fsm.h"
#include "bgp_rib.h"

struct ev_loop;
struct bgp_peer;
struct bgp_sessions;

/* What the sessions tell the module (bgpd.c). */
struct bgp_sessions_hooks {
	/*
	 * Our restart is over (RFC 4724 4.1): every graceful restart peer
	 * sent End-of-RIB, or the deferral timer ran out.  Forwarding state
	 * kept from before the restart and not relearned can go now.
	 */
	void (*restart_done)(void *ctx);
	/* A session of a dynamic neighbor with graceful restart came up or
	 * went: bgp_sessions_gr_dynamic has changed. */
	void (*dynamic_changed)(void *ctx);
	/* May a connection from a (in a range with workloads = true) open
	 * a session?  Yes only for a joined workload's endpoint. */
	bool (*workload_known)(void *ctx, const struct addr *a);
	/*
	 * The peer at a went healthy or not (bgp_sessions_peer_healthy):
	 * egress gateways are used while their session is.
	 */
	void (*peer_health)(void *ctx, const struct addr *a, bool healthy);
	/*
	 * A session came up with a neighbor whose export lists "egress":
	 * may the egress pools go to it now?  false holds them back from
	 * it until bgp_sessions_egress_release (ferryd_egress_gate).
	 */
	bool (*egress_gate)(void *ctx);
};

/*
 * restarting: we restarted with our forwarding state kept (bgpd.c knows
 * it from its state file): our OPENs carry the R bit and F bits, and
 * output is deferred (RFC 4724 4.1) until restart_done.  The deferral
 * waits for the configured neighbors with graceful restart and for the
 * dynamic ones in expect (those of the last run, from the state file).
 */
struct bgp_sessions *bgp_sessions_new(struct ev_loop *, struct rib *,
    const struct bgp_conf *, bool restarting, const struct addr *expect,
    size_t nexpect, const struct bgp_sessions_hooks *, void *ctx);
/* The dynamic neighbors whose Established session negotiated graceful
 * restart: up to max into out; returns how many there are. */
size_t bgp_sessions_gr_dynamic(
    struct bgp_sessions *, struct addr *out, size_t max);
/*
 * Is the peer at a healthy: its session Established, or down with its
 * routes kept while it restarts gracefully (we help; its forwarding goes
 * on), or not yet up and never failed in our first BGP_HEALTH_GRACE_S
 * seconds or our graceful restart's deferral?  1 or 0; -1 if no
 * neighbor has that address.
 */
#define BGP_HEALTH_GRACE_S 5
int bgp_sessions_peer_healthy(struct bgp_sessions *, const struct addr *a);
/* The egress gate opened: every held peer gets the egress pools. */
void bgp_sessions_egress_release(struct bgp_sessions *);
/*
 * Apply a new config: listeners moved, neighbors added (started), removed
 * (Cease 6/3 "peer de-configured"), changed in a way that needs a new
 * session (Cease 6/6 "other configuration change", then restarted), or
 * changed in policy only (rib_peer_reconf, session kept).  0 or -1.
 */
int bgp_sessions_configure(struct bgp_sessions *, const struct bgp_conf *);
/*
 * Orderly shutdown: Cease 6/2 to every established peer, sockets closed.
 * With graceful: a peer that negotiated graceful restart is left so that
 * it keeps our routes: Cease 6/2 that is not a Hard Reset when the N bit
 * was negotiated (RFC 8538 4), else no NOTIFICATION at all.
 */
void bgp_sessions_free(struct bgp_sessions *, bool graceful);
/* For the RIB hook: the peer owning rp has output to send. */
void bgp_sessions_output_ready(struct bgp_sessions *, struct rib_peer *);

/* The BFD sessions of the BGP peers (bgp_bfd.c), for show bfd. */
struct bfd_sessions *bgp_sessions_bfd(struct bgp_sessions *);

struct bgp_peer *bgp_sessions_find(struct bgp_sessions *, const struct addr *);
/* ferryctl bgp reset: Cease 6/4 "administrative reset", then restart;
 * with the N bit negotiated it goes as a Hard Reset (RFC 8538 5), and
 * the peer's routes are flushed at once either way. */
int bgp_peer_reset(struct bgp_peer *);
/* ferryctl bgp refresh: send ROUTE-REFRESH (inbound soft reset). */
int bgp_peer_refresh(struct bgp_peer *);

struct bgp_peer_status {
	const char *name;
	struct addr addr;
	uint32_t asn; /* configured, or learned (dynamic) */
	bool dynamic; /* from a listen range */
	enum bgp_state state;
	time_t since;	     /* in this state since */
	uint64_t flaps;	     /* Established -> down */
	uint64_t msgs_in[6]; /* by type: OPEN .. ROUTE-REFRESH */
	uint64_t msgs_out[6];
	char last_error[128]; /* "" if none */
	uint16_t hold_time;   /* negotiated */
	uint8_t families;     /* BGP_FAM_* negotiated, 0 unless Established */
	bool ext_nh;	      /* RFC 8950 negotiated */
	bool gr;	      /* graceful restart negotiated (last session) */
	bool gr_notification; /* ...with the N bit (RFC 8538) */
	bool gr_peer_restarting;  /* the R bit in its last OPEN */
	uint16_t gr_restart_time; /* the peer's */
	const char *gr_state;	  /* helper: idle, restarting, wait-eor */
	bool deferring;		  /* our own restart: output held */
	bool egress_held;	  /* the egress pools wait (egress gate) */
	struct rib_peer_stats rib;
	const struct rib_peer *rib_peer; /* for rib_walk views */
};

/* Call fn for every peer, configured ones first, in config order. */
void bgp_sessions_foreach(struct bgp_sessions *,
    void (*fn)(void *arg, const struct bgp_peer_status *), void *arg);

#endif
