/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The egress module: egress gateway policies, compiled into the rule
 * tables of bpf/egress.h.  Other modules see only this.  (Not egress.h:
 * that name is the datapath's header, bpf/egress.h, which egress/ files
 * include as "egress.h".)
 */
#ifndef FERRY_EGRESSD_H
#define FERRY_EGRESSD_H

extern const struct ferry_module egress_module;

#endif
