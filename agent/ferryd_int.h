/* SPDX-License-Identifier: BSD-2-Clause */
/* Daemon lifecycle, for main.c only (modules use ferryd.h). */
#ifndef FERRY_FERRYD_INT_H
#define FERRY_FERRYD_INT_H

struct ferryd;

int ferryd_start(struct ferryd *);
void ferryd_stop(struct ferryd *);

#endif
