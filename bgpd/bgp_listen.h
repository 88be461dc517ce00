/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * BGP listening sockets: one per configured listen address, each with the
 * TCP-MD5 keys of the neighbors and listen ranges that may connect to it
 * and the GTSM filter (bgp_sock.h).  A reload opens what is new before it
 * closes what is gone, and leaves everything as it was if an open fails.
 * Accepted connections go to the session layer through a callback.
 */
#ifndef FERRY_BGP_LISTEN_H
#define FERRY_BGP_LISTEN_H

#include <ev.h>

#include "bgp_conf.h"
#include "prefix.h"

struct bgp_listeners;

/* A connection accepted on fd from a; the callee owns fd. */
typedef void bgp_accept_fn(void *ctx, int fd, const struct addr *a);

struct bgp_listeners *bgp_listeners_new(
    struct ev_loop *, bgp_accept_fn *, void *ctx);
/* Make the listeners those of conf; old is the running config (NULL the
 * first time), whose keys are taken off the listeners that stay. */
int bgp_listeners_configure(struct bgp_listeners *, const struct bgp_conf *old,
    const struct bgp_conf *conf);
void bgp_listeners_free(struct bgp_listeners *);

#endif
