/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The overlay module: ferry's one VXLAN device and the tunnel map that
 * tells the datapath (bpf/overlay.bpf.c) where each overlay prefix lives.
 *
 * Tunnel entries come from several sources: VTEP switches in the config,
 * routes learned over BGP from cluster peers, registered external
 * workloads.  All of them go through vtep_tunnel_set/vtep_tunnel_unset, so
 * the datapath does not care where an entry came from and a new source is
 * only a new caller.
 */
#ifndef FERRY_VTEP_H
#define FERRY_VTEP_H

#include <stdbool.h>
#include <stdint.h>

#include "prefix.h"

struct vtep;

extern const struct ferry_module vtep_module;

enum vtep_source {
	VTEP_SRC_STATIC = 0, /* a VTEP switch from the config */
	VTEP_SRC_BGP,	     /* a route learned from a cluster peer */
	VTEP_SRC_WORKLOAD,   /* a registered external workload */
	/*
	 * A source acceptance for egress steering: never a tunnel entry,
	 * shown in show tunnels only (vtep.c, "Source acceptances").
	 */
	VTEP_SRC_EGRESS,
	VTEP_SRC_MAX
};

/* One overlay prefix reachable through one VXLAN endpoint. */
struct vtep_tunnel {
	struct prefix prefix; /* inner destination/source prefix */
	struct addr endpoint; /* remote underlay address */
	uint32_t vni;
	uint8_t mac[6]; /* inner destination MAC */
	enum vtep_source source;
	const char *owner; /* VTEP name, peer, workload: shown */
};

/*
 * Install or replace the tunnel for t->prefix, owned by t->source.  A
 * prefix owned by another source is refused (-1): sources never silently
 * take over each other's entries.
 */
int vtep_tunnel_set(struct vtep *, const struct vtep_tunnel *);
/* Remove the tunnel for prefix if source owns it; 0 if it was there. */
int vtep_tunnel_unset(struct vtep *, const struct prefix *, enum vtep_source);
const char *vtep_source_name(enum vtep_source);

/*
 * What other modules may read of the overlay section of a config being
 * loaded (modules after the overlay in the module table see it in cf).
 */
struct ferry_config;
/* Is there an overlay section?  Its default VNI in *vni if so. */
bool vtep_conf_present(const struct ferry_config *, uint32_t *vni);
/*
 * The overlay's vxlan device name and underlay source addresses (family 0
 * where unset), for the egress datapath; false without an overlay.
 */
bool vtep_conf_underlay(const struct ferry_config *, const char **device,
    struct addr *local4, struct addr *local6);
/* The vxlan device's name and UDP port; NULL without an overlay. */
const char *vtep_conf_device(const struct ferry_config *, uint16_t *port);
/* The prefixes of every VTEP switch; *out freed by the caller. */
size_t vtep_conf_prefixes(const struct ferry_config *, struct prefix **out);

#endif
