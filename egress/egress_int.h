/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Private to egress/: the egress config, the policy compiler and the map
 * writer.
 *
 *   egress_conf.c    the egress config section (parse, validate, dump)
 *   egress_policy.c  the ambiguity check and the policy compiler (pure)
 *   egress_map.c     compiled tables -> BPF maps, as a difference
 *   egress_dp.c      the BPF object: load, adopt, attach, counters
 *   egress_nat.c     the NAT table: GC and reader (egress_nat.h)
 *   egress_ctl.c     control commands and metrics
 *   egress_sync.c    the NAT state sync between gateways
 *   egress.c         the module: start, reload, stop, the GC timer
 *
 * The compiler turns the normalized policies into the two-stage tables of
 * bpf/egress.h (source class, then (class, destination)) without knowing
 * anything about BPF, so that it can be checked against a brute-force
 * classifier in a unit test.
 */
#ifndef FERRY_EGRESS_INT_H
#define FERRY_EGRESS_INT_H

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <ev.h>

#include "conf.h"
#include "egress_nat.h"
#include "egressd.h"
#include "prefix.h"

#define EGRESS_DEFAULT_PIN_DIR "/sys/fs/bpf/ferry"
#define EGRESS_TABLE_MIN       1024
#define EGRESS_TABLE_MAX       16777216
#define EGRESS_TABLE_DEFAULT   262144
/* ha.pin-table-size: the nodes' pins of (pod, remote) pairs (egr_pin). */
#define EGRESS_PIN_TABLE_MIN	 1024
#define EGRESS_PIN_TABLE_MAX	 16777216
#define EGRESS_PIN_TABLE_DEFAULT 65536
#define EGRESS_PORT_MIN_DEFAULT	 32768
#define EGRESS_PORT_MAX_DEFAULT	 60999
#define EGRESS_PORTS_AT_LEAST	 16
#define EGRESS_POLICY_MAX	 4096 /* ids 0 .. 4095 (EGR_POLICY_MAX) */
#define EGRESS_DEFAULT_VNI	 1

#define EGRESS_FAM_IPV4 0x1
#define EGRESS_FAM_IPV6 0x2

/* NAT idle timeouts, seconds. */
enum egress_timeout {
	EGRESS_TO_TCP_SYN = 0,
	EGRESS_TO_TCP_ESTABLISHED,
	EGRESS_TO_TCP_CLOSING,
	EGRESS_TO_UDP,
	EGRESS_TO_ICMP,
	EGRESS_TO_MAX
};

struct egress_nat_conf {
	uint32_t table_size; /* connections */
	uint16_t port_min;   /* translated ports, inclusive, host order */
	uint16_t port_max;
	uint32_t timeout[EGRESS_TO_MAX];
};

/*
 * Where a policy's traffic goes.  local: this host, SNAT here.  egress4
 * and egress6 are the gateway's own egress IPs (its gateways[] entry's
 * egress-ip; family 0: none, then the policy's apply).
 */
struct egress_gateway {
	char *name; /* gateways[] name; NULL for a bare address */
	struct addr endpoint;
	uint32_t vni;
	uint8_t mac[6];
	bool local;
	struct addr egress4;
	struct addr egress6;
};

#define EGRESS_GW_MAX 8 /* EGR_GW_MAX, bpf/egress.h */

struct egress_policy {
	char *name;
	struct prefix *src;
	size_t nsrc;
	struct prefix *dst;
	size_t ndst;
	struct prefix *exclude;
	size_t nexclude;
	struct egress_gateway gw[EGRESS_GW_MAX]; /* resolved, ngw of them */
	size_t ngw;
	bool local; /* one of gw[] is this host: served (SNATed) here */
	struct addr egress4; /* the policy's egress-ip; family 0: none */
	struct addr egress6;
	/*
	 * What the datapath here SNATs to: where the policy is served, per
	 * family the first local gw[]'s own egress IP, else the policy's
	 * (egress_gw_snat); elsewhere egress4 and egress6, unused.
	 */
	struct addr snat4;
	struct addr snat6;
	/*
	 * Where the policy is served by a gateway sharing its egress-ip
	 * with the others: that gateway's slice of nat.ports (set_slice,
	 * egress_port_slice); 0..0 elsewhere, the whole range.
	 */
	uint16_t port_lo;
	uint16_t port_hi;
	uint8_t families; /* EGRESS_FAM_*, from the sources */
	/*
	 * Served here with its NAT state synchronised (EGR_POL_SYNC): ha.sync
	 * is on, the policy has several gateways, and this one SNATs to an
	 * address another of them SNATs to as well.
	 */
	bool sync;
};

/*
 * ha.sync: the NAT state sync between the gateways of a policy that share
 * an egress IP (egress_sync.c).  key is key-file's content (trailing
 * newlines cut), never dumped.
 */
#define EGRESS_SYNC_PORT_DEFAULT 7472
#define EGRESS_SYNC_KEY_MIN	 16
#define EGRESS_SYNC_KEY_MAX	 4096

struct egress_sync_conf {
	bool enabled;
	char *key_file;
	uint8_t *key;
	size_t keylen;
	uint16_t port; /* UDP, on the gateways' endpoints */
};

struct egress_conf {
	bool enabled; /* the section exists */
	char *pin_dir;
	char **ifaces;
	size_t nifaces;
	struct prefix *cluster; /* cluster-prefixes as configured */
	size_t ncluster;
	/*
	 * Everything in-cluster: cluster-prefixes, the bgp pools of kind pod
	 * and service, the overlay's VTEP prefixes.  Derived from the other
	 * sections, so never dumped; sorted, without duplicates.
	 */
	struct prefix *incluster;
	size_t nincluster;
	struct egress_nat_conf nat;
	uint32_t pin_table_size;      /* ha.pin-table-size */
	struct egress_sync_conf sync; /* ha.sync */
	struct egress_gateway *gateways;
	size_t ngateways;
	struct egress_policy *policies;
	size_t npolicies;
};

void *egress_conf_parse(
    const config_setting_t *, const struct ferry_config *, struct conf_errs *);
void egress_conf_free(void *);
void egress_conf_dump(const void *, config_setting_t *);
const char *egress_timeout_name(enum egress_timeout);
/*
 * The address gateway p->gw[k] SNATs p's traffic of family (AF_INET,
 * AF_INET6) to: its own egress IP, else the policy's; NULL if the policy
 * matches no such traffic or has none (an error in a loaded config).
 */
const struct addr *egress_gw_snat(
    const struct egress_policy *p, size_t k, int family);
/* An address two of p's gateways SNAT family to, or NULL. */
const struct addr *egress_shared_ip(const struct egress_policy *p, int family);
/* Is p served here, to an address another of its gateways SNATs to? */
bool egress_policy_shares(const struct egress_policy *p);
/*
 * Block k of n of the ports min..max (inclusive): n contiguous blocks
 * whose sizes differ by at most one, in order, covering the range.
 * 0, or -1 when the range has fewer than n ports (or k >= n).
 */
int egress_port_slice(
    uint16_t min, uint16_t max, size_t n, size_t k, uint16_t *lo, uint16_t *hi);

/*
 * Ambiguous overlaps.  A policy is the union of the rectangles source
 * prefix x destination prefix; two rectangles of different policies that
 * intersect must be nested (one at least as specific in both dimensions)
 * and not equal.  report is called for every policy b that breaks this
 * with an earlier policy a, once, naming the first such a and the first
 * offending rectangles (n identical policies make n - 1 errors, not n^2);
 * returns the count.
 */
struct egress_conflict {
	size_t a, b;	   /* policy indexes, a < b */
	size_t asrc, adst; /* rectangle of a: src[asrc] x dst[adst] */
	size_t bsrc, bdst; /* rectangle of b */
};
size_t egress_policy_conflicts(const struct egress_policy *, size_t,
    void (*report)(void *, const struct egress_conflict *), void *arg);

/* The compiled tables (bpf/egress.h egr_src*, egr_dst*, egr_policy ids). */
enum egress_action {
	EGRESS_ACT_SKIP = 0, /* EGR_ACT_SKIP */
	EGRESS_ACT_POLICY = 1,
};

struct egress_class {
	struct prefix prefix; /* a distinct policy source prefix */
	uint32_t id;
};

struct egress_dst {
	uint32_t class;
	struct prefix prefix; /* same family as the class */
	uint32_t policy;      /* policy id; 0 with SKIP */
	uint8_t action;	      /* enum egress_action */
};

struct egress_pid {
	char *name;
	uint32_t id;
};

struct egress_rules {
	struct egress_class *classes; /* sorted by prefix */
	size_t nclasses;
	struct egress_dst *dsts; /* sorted by class, then prefix */
	size_t ndsts;
	struct egress_pid *ids; /* ids[i]: conf policies[i] */
	size_t nids;
};

/*
 * Compile the policies of ec.  prev (may be NULL) is the running
 * assignment of policy ids: a policy keeps the id its name had, new ones
 * get the lowest free ids.  Returns 0, or -1 if ids run out.
 */
int egress_policy_compile(const struct egress_conf *ec,
    const struct egress_rules *prev, struct egress_rules *out);
void egress_rules_free(struct egress_rules *);
int egress_dst_cmp(const void *, const void *);

/*
 * The policy maps of bpf/egress.h, by fd.  egress_map_sync makes them
 * hold exactly the tables r compiled from ec, writing only what differs
 * (stats, if not NULL, counts what it wrote).  0, or -1 (logged) with the
 * maps partly updated; a retry finishes the job.
 */
struct egress_maps {
	int policy; /* egr_policy */
	int src4, src6;
	int dst4, dst6;
};
struct egress_map_stats {
	unsigned added, replaced, deleted;
};
/*
 * Gateway health: fn answers for a gateway's endpoint 1 (healthy), 0
 * (not: left out of the set nodes hash over) or -1 (nothing known: a
 * gateway without a BGP session to it counts as healthy).  NULL: all
 * are.
 */
struct egress_health {
	int (*fn)(void *arg, const struct addr *endpoint);
	void *arg;
};
int egress_map_sync(const struct egress_maps *, const struct egress_conf *ec,
    const struct egress_rules *r, const struct egress_health *,
    struct egress_map_stats *);
/* An address as the datapath keeps endpoints: IPv4 as ::ffff:a.b.c.d. */
void egress_addr16(const struct addr *, __be32 out[4]);
/* A policy as the datapath reads it (struct egr_policy). */
struct egr_policy;
void egress_map_policy(const struct egress_policy *,
    const struct egress_health *, struct egr_policy *);

/*
 * The datapath (egress_dp.c).  egress_dp_open loads bpf/egress.bpf.o with
 * its maps pinned under ec->pin_dir (adopting what is there, egr_ct and
 * egr_rev sized to nat.table-size); egress_dp_close lets our fds go and
 * leaves programs and maps in the kernel.
 */
#define EGRESS_TC_PRIO 2 /* tc filter priority; the overlay has 1 */

/* What the datapath needs of the overlay (its vxlan device). */
struct egress_ovl {
	int ifindex; /* 0: no overlay device (yet) */
	uint8_t mac[6];
	struct addr local4, local6; /* underlay sources, family 0: unset */
};

struct egr_stat_val;
struct egress_dp;
struct egress_dp *egress_dp_open(const struct egress_conf *ec);
void egress_dp_close(struct egress_dp *);
const struct egress_maps *egress_dp_maps(const struct egress_dp *);
void egress_dp_nat_fds(const struct egress_dp *, int *ct, int *rev);
int egress_dp_pin_fd(const struct egress_dp *);
int egress_dp_sync_fd(const struct egress_dp *);     /* egr_sync */
int egress_dp_sync_ctl_fd(const struct egress_dp *); /* egr_sync_ctl */
uint32_t egress_dp_table_size(const struct egress_dp *);
uint32_t egress_dp_pin_table_size(const struct egress_dp *);
/* Write egr_config if it differs; 0 or -1 (logged). */
int egress_dp_config(
    struct egress_dp *, const struct egress_conf *, const struct egress_ovl *);
/* egr_out on the tc egress, egr_in on the tc ingress of ifname. */
int egress_dp_attach(
    struct egress_dp *, const char *pin_dir, const char *ifname, int ifindex);
void egress_dp_detach(const char *pin_dir, const char *ifname, int ifindex);
/*
 * egr_ovl_out on the overlay device (a tcx link, pinned): 0, or -1 with
 * errno set and nothing logged (no tcx, say).  Detach lets the pin go.
 */
int egress_dp_attach_ovl(struct egress_dp *, const char *pin_dir, int ifindex);
void egress_dp_detach_ovl(const char *pin_dir);
/* Remove our maps and links from pin_dir (the section was removed). */
void egress_dp_unpin(const char *pin_dir);
/* Let the links of interfaces not in ifaces go (removed while down). */
void egress_dp_unpin_stale(const char *pin_dir, char *const *ifaces, size_t n);
/* egr_stats summed over the CPUs; out has EGR_STAT_MAX entries. */
void egress_dp_stats(struct egress_dp *, struct egr_stat_val *out);
/* device's ifindex and MAC; 0 (and a zero MAC) if it does not exist. */
int egress_ovl_lookup(const char *device, uint8_t mac[6]);

/* The module's runtime (egress.c), shared with egress_ctl.c. */
struct egress_if {
	char *name;
	int ifindex;  /* where the programs hang; 0: not attached */
	bool missing; /* no such device at the last look */
	bool failed;  /* attaching failed: retried on the next tick */
	bool keep;    /* scratch for egress_ifs_set */
};

struct egress_gc_counters {
	uint64_t runs, expired, orphans, errors;
	uint64_t walks;	  /* complete walks over the NAT table */
	uint64_t flows;	  /* connections kept by the last walk */
	uint64_t last_us; /* how long the last step took */
};

struct ferryd;
struct egress {
	struct ferryd *d;
	const struct egress_conf *conf;
	struct egress_rules rules;
	struct egress_dp *dp; /* NULL: the datapath is not loaded */
	bool synced;	      /* the policy maps hold rules */
	bool accepting;	      /* conf's acceptances published (egress.c) */
	struct egress_if *ifs;
	size_t nifs;
	int ovl_ifindex; /* egr_ovl_out is on this overlay device, or 0 */
	bool ovl_failed; /* attaching it failed (logged once) */
	bool ovl_clean;	 /* not wanted and no link of ours left pinned */
	struct egress_timeouts timeouts;
	struct egress_gc_counters gc;
	struct egress_nat_gc walk; /* the collector's place in the table */
	/*
	 * The nodes' pins at the last walk of egr_pin (every
	 * EGRESS_PIN_WALK_TICKS): pinned[i * EGR_GW_MAX + k] pairs are on
	 * gateway k of policy i (config order); NULL until a walk after
	 * the last reload.
	 */
	uint32_t *pinned;
	uint64_t pins_forgotten; /* idle pins the walks deleted */
	unsigned pin_ticks;
	ev_timer tick;		  /* GC, interfaces, egr_config */
	struct egress_sync *sync; /* NULL: no policy is synchronised here */
	struct egress_gate *gate; /* NULL until a session asks */
};

/*
 * The NAT state sync (egress_sync.c, egress_sync.h).  egress_sync_update
 * brings it to g->conf (started, kept, restarted on a new port, key or
 * peer set, or stopped); egress_sync_hooks gives the collector's hooks
 * (NULL without sync); egress_sync_gc_step is told after each step of
 * the collector whether a walk completed.
 */
struct json_object;
void egress_sync_update(struct egress *g);
void egress_sync_stop(struct egress *g);
const struct egress_nat_hooks *egress_sync_hooks(struct egress *g);
void egress_sync_gc_step(struct egress *g, int walk_done);
struct json_object *egress_sync_json(const struct egress *g);
/*
 * The sync peers the egress gate waits for, in an evaluation begun at
 * since: one not heard within a second, while the evaluation is younger
 * than EGRESS_SYNC_SILENT_S (it may be coming back, and is then asked
 * for a dump); one asked for a dump whose end has not come, while it is
 * live or the ask younger than EGRESS_SYNC_SILENT_S.
 */
size_t egress_sync_unsettled(const struct egress *g, ev_tstamp since);
void egress_sync_metrics(const struct egress *g, FILE *f);

/*
 * The egress gate (egress_gate.c): egress_gate_ask answers
 * ferryd_egress_gate (true: announce now; false: an evaluation runs and
 * ends with ferryd_egress_gate_open); egress_gate_held tells whether one
 * runs; egress_gate_free opens a gate still closed.
 */
struct egress_gate;
bool egress_gate_ask(struct egress *g);
bool egress_gate_held(const struct egress *g);
void egress_gate_free(struct egress *g);

/* An egr_tuple address (IPv4 mapped, or IPv6) as an addr. */
void egress_addr_of_mapped(const __be32 in[4], struct addr *a);

#define EGRESS_PIN_WALK_TICKS 5

/* The control commands and metrics (egress_ctl.c). */
void egress_ctl_register(struct egress *);
void egress_ctl_unregister(struct egress *);

/* prefix_bsearch() finds classes by their leading prefix. */
_Static_assert(offsetof(struct egress_class, prefix) == 0,
    "an egress_class must start with its prefix");

#endif
