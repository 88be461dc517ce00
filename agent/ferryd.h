/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The running daemon as modules see it: the event loop, the control
 * socket and the metrics endpoint to register with, and the current
 * config.  Modules keep their own state; this struct belongs to the agent.
 */
#ifndef FERRY_FERRYD_H
#define FERRY_FERRYD_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <ev.h>

#include "conf.h"
#include "prefix.h"

struct control;
struct metrics;

/*
 * Route protocol numbers (rtnetlink's rtm_protocol) of the kernel routes
 * ferryd installs: how each module recognises its own routes after a
 * restart, and how an operator spots them (`ip route show proto 201`).
 * Overlay prefixes pointing at the vxlan device, and routes learned over
 * BGP, are told apart so neither module ever touches the other's.
 */
#define FERRY_RTPROT	 201 /* overlay (vtep/) */
#define FERRY_RTPROT_BGP 202 /* BGP-learned (bgpd/) */

/*
 * An overlay route: a prefix reachable through a VXLAN endpoint.  BGP
 * publishes one for each best path learned from a cluster peer (its next
 * hop is the peer's tunnel endpoint); the overlay consumes them.  The agent
 * only relays, so neither module knows the other.
 */
struct ferry_overlay_route {
	struct prefix prefix;
	struct addr endpoint; /* family 0: the prefix is gone */
	uint32_t vni;
	uint8_t mac[6];	   /* inner destination MAC */
	const char *owner; /* who announced it, for display */
	/*
	 * A registered external workload's address (workload/), not a BGP
	 * route: the overlay files it under its own source.
	 */
	bool workload;
	/*
	 * Source acceptance only (egress/: a policy steered to a remote
	 * gateway): the overlay accepts prefix as inner source from
	 * (endpoint, vni) without a tunnel entry or a route.  Counted per
	 * (endpoint, vni, prefix): every publish is one reference, and
	 * accept_withdraw (endpoint and vni set as published) drops one.
	 */
	bool accept_only;
	bool accept_withdraw;
	/* An accept_only from bgpd/: a BGP path, best or not (shown). */
	bool bgp;
};

typedef void (*ferry_overlay_fn)(void *arg, const struct ferry_overlay_route *);

/* Traffic through the tunnel entry of one overlay prefix. */
struct ferry_overlay_counters {
	uint64_t tx_packets, tx_bytes; /* toward the endpoint */
	uint64_t rx_packets, rx_bytes; /* from it, source accepted */
};
/* The overlay's answer for prefix p: 0, or -1 if it has no such entry. */
typedef int (*ferry_overlay_counters_fn)(
    void *arg, const struct prefix *p, struct ferry_overlay_counters *);

/* Reset the BGP session with the peer at a: 0, or -1 if there is none. */
typedef int (*ferry_peer_reset_fn)(void *arg, const struct addr *a);
/* The BGP peer at a: healthy 1, not 0, no such peer -1. */
typedef int (*ferry_peer_healthy_fn)(void *arg, const struct addr *a);
/* The BGP peer at a became healthy or not. */
typedef void (*ferry_peer_health_fn)(
    void *arg, const struct addr *a, bool healthy);
/* Is a the underlay endpoint of a joined workload?  1 or 0. */
typedef int (*ferry_workload_known_fn)(void *arg, const struct addr *a);
/*
 * May the egress pools be announced to an upstream whose session just
 * came up?  true: now; false: not yet, and the gate opens later
 * (ferry_egress_open_fn).
 */
typedef bool (*ferry_egress_gate_fn)(void *arg);
/* The egress gate opened: what it held back may be announced. */
typedef void (*ferry_egress_open_fn)(void *arg);

struct ferryd {
	struct ev_loop *loop;
	const char *conf_file;
	struct ferry_config *conf; /* replaced whole on reload */
	bool foreground;
	bool debug; /* -d: overrides log.level */
	time_t started;
	struct control *control;
	struct metrics *metrics;
	void *mod_state[FERRY_MODULES_MAX];
	ferry_overlay_fn overlay_fn; /* the overlay's, if running */
	void *overlay_arg;
	ferry_overlay_counters_fn overlay_counters_fn;
	void *overlay_counters_arg;
	ferry_peer_reset_fn peer_reset_fn; /* BGP's, if running */
	void *peer_reset_arg;
	ferry_peer_healthy_fn peer_healthy_fn; /* BGP's, if running */
	void *peer_healthy_arg;
	ferry_peer_health_fn peer_health_fn; /* egress's, if running */
	void *peer_health_arg;
	ferry_workload_known_fn workload_known_fn; /* workloads', if up */
	void *workload_known_arg;
	ferry_egress_gate_fn egress_gate_fn; /* egress's, if running */
	void *egress_gate_arg;
	ferry_egress_open_fn egress_open_fn; /* BGP's, if running */
	void *egress_open_arg;
	uint64_t reloads_ok;
	uint64_t reloads_failed;
	int pid_fd;
	ev_signal sighup;
	ev_signal sigterm;
	ev_signal sigint;
};

/* Reload the config file; on error the running config stays. 0 or -1. */
int ferryd_reload(struct ferryd *, struct conf_errs *);

/*
 * One consumer of overlay routes (NULL fn: none).  Publishing without a
 * consumer drops the route: there is no overlay to put it in.
 */
void ferryd_overlay_subscribe(struct ferryd *, ferry_overlay_fn, void *);
void ferryd_overlay_publish(
    struct ferryd *, const struct ferry_overlay_route *);
/* The overlay answers counter queries (NULL fn: nobody does). */
void ferryd_overlay_counters_provide(
    struct ferryd *, ferry_overlay_counters_fn, void *);
int ferryd_overlay_counters(
    struct ferryd *, const struct prefix *, struct ferry_overlay_counters *);
/*
 * BGP resets sessions on request (a removed workload's); NULL fn: there
 * is no BGP, and ferryd_peer_reset answers -1.
 */
void ferryd_peer_reset_provide(struct ferryd *, ferry_peer_reset_fn, void *);
int ferryd_peer_reset(struct ferryd *, const struct addr *);
/*
 * Peer health (bgp_sessions_peer_healthy): BGP answers queries and
 * publishes changes; one subscriber (egress, whose gateways are used
 * while healthy).  Without BGP the answer is -1.
 */
void ferryd_peer_healthy_provide(
    struct ferryd *, ferry_peer_healthy_fn, void *);
int ferryd_peer_healthy(struct ferryd *, const struct addr *);
void ferryd_peer_health_subscribe(
    struct ferryd *, ferry_peer_health_fn, void *);
void ferryd_peer_health_publish(
    struct ferryd *, const struct addr *, bool healthy);
/*
 * The workloads module answers whether an address is a joined VM's
 * endpoint (NULL fn: there are no workloads, and the answer is -1).
 */
void ferryd_workload_known_provide(
    struct ferryd *, ferry_workload_known_fn, void *);
int ferryd_workload_known(struct ferryd *, const struct addr *);

/*
 * The egress gate (docs/design.md, "Upstream and scale-out"): a gateway
 * whose NAT state is synchronised announces the egress pools to an
 * upstream only once it can deliver the replies the upstream will send
 * it.  BGP asks at each such session's start (ferryd_egress_gate: true
 * without egress) and, told false, holds the pools back from that peer
 * until egress opens the gate (ferryd_egress_gate_open).
 */
void ferryd_egress_gate_provide(struct ferryd *, ferry_egress_gate_fn, void *);
bool ferryd_egress_gate(struct ferryd *);
void ferryd_egress_open_subscribe(
    struct ferryd *, ferry_egress_open_fn, void *);
void ferryd_egress_gate_open(struct ferryd *);

#endif
