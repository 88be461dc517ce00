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

struct control;
struct metrics;

/*
 * Route protocol numbers (rtnetlink's rtm_protocol) of the kernel routes
 * ferryd installs: how each module recognises its own routes after a
 * restart, and how an operator spots them (`ip route show proto 201`).
 * Overlay prefixes pointing at the vxlan device, and routes learned over
 * BGP, are told apart so neither module ever touches the other's.
 */
#define FERRY_RTPROT		201	/* overlay (vtep/) */
#define FERRY_RTPROT_BGP	202	/* BGP-learned (bgpd/) */

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
	uint64_t reloads_ok;
	uint64_t reloads_failed;
	int pid_fd;
	ev_signal sighup;
	ev_signal sigterm;
	ev_signal sigint;
};

/* Reload the config file; on error the running config stays. 0 or -1. */
int ferryd_reload(struct ferryd *, struct conf_errs *);

#endif
