/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The restart state file of graceful restart: how a ferryd knows that it
 * restarted with its forwarding state kept, and which dynamic neighbors
 * it must wait for before it advertises (RFC 4724 4.1).  One line with
 * the kernel's boot id, then "dynamic ADDRESS" per listen-range session
 * that had negotiated graceful restart.  The file is named after the pid
 * file (ferryd.bgp-restart for ferryd.pid), one per ferryd.
 */
#ifndef FERRY_BGP_GRSTATE_H
#define FERRY_BGP_GRSTATE_H

#include <stdbool.h>
#include <stddef.h>

#include "prefix.h"

struct bgp_grstate {
	char path[512];
	char boot[64];
};

void bgp_grstate_init(struct bgp_grstate *, const char *pid_file);
/*
 * Did the last run of this boot leave the file?  Then *dyn (allocated,
 * the caller frees it) holds the dynamic neighbors it listed.  The file
 * is rewritten for this run, still with them.
 */
bool bgp_grstate_load(struct bgp_grstate *, struct addr **dyn, size_t *n);
/* Rewrite the file with these dynamic neighbors. */
void bgp_grstate_save(
    const struct bgp_grstate *, const struct addr *dyn, size_t n);
/* No graceful restart any more: the next start is a fresh one. */
void bgp_grstate_remove(const struct bgp_grstate *);

#endif
