/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The egress module: egress gateway policies, compiled into the rule
 * tables of bpf/egress.h.  Other modules see only this.
 */
#ifndef FERRY_EGRESS_H
#define FERRY_EGRESS_H

extern const struct ferry_module egress_module;

#endif
