/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Learned routes into the kernel FIB (libnl-route-3), with protocol
 * FERRY_RTPROT_BGP, as multipath routes when ECMP gives several next hops.
 */
#ifndef FERRY_BGP_FIB_H
#define FERRY_BGP_FIB_H

#include <stddef.h>
#include <stdint.h>

#include "bgp_rib.h"
#include "prefix.h"

struct ev_loop;
struct bgp_fib;

/*
 * Open the FIB for table.  Routes of ours already there (a previous
 * ferryd's) are kept: each is replaced when the RIB relearns its prefix,
 * and those still unclaimed after stale_secs are removed.
 */
struct bgp_fib *bgp_fib_new(
    struct ev_loop *, uint32_t table, unsigned stale_secs);
/* Remove the routes of a previous ferryd not relearned so far (the end
 * of a graceful restart) instead of waiting for stale_secs. */
void bgp_fib_sweep(struct bgp_fib *);
/* Routes of a previous ferryd still waiting to be relearned. */
size_t bgp_fib_stale_count(const struct bgp_fib *);
/* Install prefix via the n next hops, or remove it when n == 0. */
void bgp_fib_set(struct bgp_fib *, const struct prefix *,
    const struct rib_nexthop *, size_t n);
/* Remove every route we installed, unless keep; then free. */
void bgp_fib_free(struct bgp_fib *, bool keep);
size_t bgp_fib_count(const struct bgp_fib *);
uint64_t bgp_fib_errors(const struct bgp_fib *);

#endif
