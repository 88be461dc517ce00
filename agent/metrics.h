/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Prometheus metrics over HTTP (libmicrohttpd), served from the event
 * loop: no thread, so collectors read daemon state without locks.
 *
 * The agent and each module register a collector that writes its series in
 * the text exposition format; metrics_gauge/metrics_counter keep the
 * HELP/TYPE lines consistent.
 */
#ifndef FERRY_METRICS_H
#define FERRY_METRICS_H

#include <stdio.h>

struct conf_metrics;
struct ev_loop;
struct metrics;

typedef void (*metrics_fn)(void *arg, FILE *out);

struct metrics *metrics_new(struct ev_loop *);
/* Start, stop or move the listener as configured; 0 or -1. */
int metrics_configure(struct metrics *, const struct conf_metrics *);
void metrics_register(struct metrics *, metrics_fn, void *arg);
void metrics_unregister(struct metrics *, metrics_fn, void *arg);
void metrics_free(struct metrics *);

/* Write "# HELP", "# TYPE" lines for a family. */
void metrics_family(
    FILE *, const char *name, const char *type, const char *help);

#endif
