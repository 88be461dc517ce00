/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Private to vtep/: the overlay config, the device and the BPF maps.
 *
 *   vtep_conf.c  the overlay config section
 *   vtep_dev.c   the vxlan device and the kernel routes (libnl-route-3)
 *   vtep_map.c   the BPF programs and maps (libbpf)
 *   vtep.c       the module: desired state, reconciliation, control
 */
#ifndef FERRY_VTEP_INT_H
#define FERRY_VTEP_INT_H

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "overlay.h"
#include "prefix.h"
#include "vtep.h"

#define VTEP_DEFAULT_DEVICE  "ferry0"
#define VTEP_DEFAULT_PORT    4789
#define VTEP_DEFAULT_PIN_DIR OVL_PIN_DIR
/* Until bench/overlay shows it pays (docs/performance.md). */
#define VTEP_DEFAULT_UNDERLAY_DECAP true
/* Encapsulation overhead: outer Ethernet is not counted by the MTU. */
#define VTEP_OVERHEAD4 50 /* IPv4 20 + UDP 8 + VXLAN 8 + Eth 14 */
#define VTEP_OVERHEAD6 70 /* IPv6 40 + UDP 8 + VXLAN 8 + Eth 14 */

struct vtep_switch {
	char *name;
	struct addr endpoint;
	uint32_t vni;
	uint8_t mac[6];
	struct prefix *prefixes;
	size_t nprefixes;
};

struct vtep_conf {
	bool enabled; /* the section exists */
	char *device;
	uint16_t port;
	struct addr local4; /* underlay source, family 0 if unset */
	struct addr local6;
	unsigned mtu; /* device MTU; 0: from the underlay */
	bool mac_set;
	uint8_t mac[6]; /* device MAC, if mac_set */
	uint32_t vni;	/* default VNI */
	char *pin_dir;
	bool underlay_decap; /* ovl_underlay_rx on the underlay devices */
	struct vtep_switch *switches;
	size_t nswitches;
};

void *vtep_conf_parse(
    const config_setting_t *, const struct ferry_config *, struct conf_errs *);
void vtep_conf_free(void *);
void vtep_conf_dump(const void *, config_setting_t *);

/* The device. */
struct nl_sock;
struct vtep_dev {
	int ifindex;
	unsigned mtu;
	/*
	 * The inner MTU each underlay allows (its interface's MTU less the
	 * overhead), 0 if unknown; routes to endpoints of a family whose
	 * underlay allows less than the device MTU carry that as their MTU.
	 */
	unsigned mtu4, mtu6;
	uint8_t mac[6];
};
struct nl_sock *vtep_nl_open(void);
/* The interface holding address a; 0 if none (or a is unset). */
int vtep_ifindex_of(const struct addr *a);
int vtep_dev_ensure(
    struct nl_sock *, const struct vtep_conf *, struct vtep_dev *);
int vtep_dev_delete(struct nl_sock *, const char *);
int vtep_dev_stats(struct nl_sock *, int ifindex, uint64_t out[4]);
/* Make the kernel's ferry routes on ifindex exactly the given set. */
struct vtep_route {
	struct prefix prefix;
	unsigned mtu;
};
int vtep_routes_sync(
    struct nl_sock *, int ifindex, const struct vtep_route *, size_t);
/* ours: the caller knows the route is ours; otherwise one that is not
 * ferry's is never replaced (the call fails). */
int vtep_route_set(
    struct nl_sock *, int ifindex, const struct vtep_route *, bool ours);
int vtep_route_del(struct nl_sock *, int ifindex, const struct prefix *);

/* The BPF side. */
struct vtep_bpf;
struct vtep_bpf *vtep_bpf_open(
    const char *pin_dir, const struct vtep_dev *, const struct vtep_conf *);
void vtep_bpf_close(struct vtep_bpf *);
/* Remove the pinned maps (the overlay was taken out of the config). */
void vtep_bpf_unpin(const char *pin_dir);

struct vtep_entry {
	struct vtep_tunnel t; /* t.owner points at owner below */
	uint32_t id;	      /* counter id in ovl_cnt */
	char owner[64];
};
/* Entries found in the maps at start (a previous ferryd's), sorted. */
int vtep_bpf_read(struct vtep_bpf *, struct vtep_entry **, size_t *);
/*
 * old_src_held: an acceptance holds old's ovl_src key, so it is left in
 * place (the caller rewrites it as the acceptance) instead of removed.
 */
int vtep_bpf_set(struct vtep_bpf *, const struct vtep_entry *,
    const struct vtep_entry *old, bool old_src_held);
int vtep_bpf_del(struct vtep_bpf *, const struct vtep_entry *);
/*
 * Source acceptances (egress steering): an ovl_src entry alone, value id
 * 0 (no counters), for e's (vni, endpoint, prefix); e->id is ignored.
 */
int vtep_bpf_accept_set(struct vtep_bpf *, const struct vtep_entry *);
int vtep_bpf_accept_del(struct vtep_bpf *, const struct vtep_entry *);
/*
 * Remove ovl_src entries and counters that belong to neither a tunnel
 * (v) nor an acceptance (acc).  keep: leave id-0 ovl_src entries too (a
 * previous ferryd's acceptances, not yet claimed), counted in *kept.
 */
int vtep_bpf_prune(struct vtep_bpf *, const struct vtep_entry *v, size_t n,
    const struct vtep_entry *acc, size_t nacc, bool keep, size_t *kept);
int vtep_bpf_counters(struct vtep_bpf *, uint32_t id, struct ovl_cnt *);
int vtep_bpf_stats(struct vtep_bpf *, struct ovl_stat out[OVL_STATS_ENTRIES]);
/*
 * Underlay decapsulation: the devices ovl_underlay_rx is attached to (0:
 * none; both 0 when it is off) and what it did.
 */
void vtep_bpf_urx_devs(struct vtep_bpf *, int *ifindex4, int *ifindex6);
int vtep_bpf_urx_stats(struct vtep_bpf *, struct ovl_stat out[OVL_URX_MAX]);
const char *vtep_reason_name(enum ovl_reason);

int vtep_entry_cmp(const void *, const void *);

/* prefix_bsearch() finds entries and routes by their leading prefix. */
_Static_assert(offsetof(struct vtep_entry, t.prefix) == 0,
    "a vtep_entry must start with its prefix");
_Static_assert(offsetof(struct vtep_route, prefix) == 0,
    "a vtep_route must start with its prefix");

#endif
