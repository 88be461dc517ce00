/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The BGP module: ferryd's embedded BGP speaker (the RFCs it implements
 * are listed in bgp_msg.h).  Other modules see only this.
 */
#ifndef FERRY_BGPD_H
#define FERRY_BGPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "prefix.h"

struct ferry_config;

extern const struct ferry_module bgpd_module;

/*
 * What other modules may read of the bgp section of a config being
 * loaded (modules after bgp in the module table see it in cf).
 */
#define BGPD_KIND_POD	       0x1
#define BGPD_KIND_SERVICE      0x2
#define BGPD_KIND_LOADBALANCER 0x4
#define BGPD_KIND_EGRESS       0x8
/* The prefixes of the pools of the kinds in mask; *out freed by caller. */
size_t bgpd_conf_pools(
    const struct ferry_config *, unsigned mask, struct prefix **out);
/*
 * The overlay settings of the configured neighbor with address a: true,
 * with vni and mac set, if there is one and it has an overlay key.
 */
bool bgpd_conf_overlay_peer(const struct ferry_config *, const struct addr *a,
    uint32_t *vni, uint8_t mac[6]);

/*
 * The configured neighbor with address a: 1 if it runs BFD, 0 if not,
 * -1 if there is no such neighbor.
 */
int bgpd_conf_peer_bfd(const struct ferry_config *, const struct addr *a);

/*
 * May a workload VM at underlay address a peer with us: is there an iBGP
 * listen range that covers a and imports nothing (so a VM can never add
 * a route)?  Our AS number in *asn if so.
 */
bool bgpd_conf_workload_peer(
    const struct ferry_config *, const struct addr *a, uint32_t *asn);

#endif
