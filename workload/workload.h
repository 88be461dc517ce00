/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * External workloads: the gateway side of `ferry-join` (docs/onboarding.md,
 * the protocol in docs/design.md).
 *
 * The module owns the workloads section: join tokens, the workload pool,
 * the state file that remembers both across restarts, and the HTTPS
 * enrollment endpoint.  It hands the overlay one tunnel entry per
 * allocated address (source `workload`) through the agent, so the overlay
 * accepts from a VM's endpoint nothing but its own addresses.
 */
#ifndef FERRY_WORKLOAD_H
#define FERRY_WORKLOAD_H

extern const struct ferry_module workload_module;

#endif
