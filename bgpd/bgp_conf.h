/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The bgp config section, normalized (parsed by bgp_conf.c).  Every part
 * of bgpd reads its settings from these structs and nothing else; they are
 * immutable once loaded, and a reload hands old and new to bgpd.c, which
 * diffs them neighbor by neighbor and pool by pool.
 *
 *	bgp = {
 *		asn = 65000;
 *		router-id = "192.0.2.1";	# default: the global router-id
 *		listen = ("0.0.0.0", "::");	# default: both, port 179
 *		port = 179;
 *		cluster-id = "192.0.2.1";	# RFC 4456; default router-id
 *		ecmp = 8;			# paths per prefix; 1: off
 *		fib = { table = 254; keep-on-exit = false; };  # or fib = false
 *		graceful-restart = { enabled = true; restart-time = 120;
 *				     stale-time = 360; notification = true; };
 *		pools = ( { prefix = "10.244.0.0/16"; kind = "pod";
 *			    communities = ("65000:100"); ... } );
 *		neighbors = ( { address = "192.0.2.254"; asn = 65100;
 *				export = { kinds = ("pod", "service"); ... };
 *				import = { prefixes = (...); max-prefix = ...; };
 *				bfd = { min-tx = 300; ... };  # bfd_conf.h
 *			      } );
 *		listen-ranges = ( { prefix = "192.0.2.0/24"; asn = 65000;
 *				    max = 100; rr-client = true; } );
 *	};
 */
#ifndef FERRY_BGP_CONF_H
#define FERRY_BGP_CONF_H

#include <libconfig.h>
#include <stdbool.h>
#include <stdint.h>

#include "bfd_conf.h"
#include "prefix.h"

struct conf_errs;
struct ferry_config;

#define BGP_PORT	      179
#define BGP_DEFAULT_HOLD      90
#define BGP_DEFAULT_CONNRETRY 30

enum bgp_pool_kind {
	BGP_POOL_POD = 0,
	BGP_POOL_SERVICE,
	BGP_POOL_LOADBALANCER,
	BGP_POOL_EGRESS,
	BGP_POOL_KIND_MAX
};

/* Attribute values to set or add; "has" bits say which are present. */
struct bgp_attr_set {
	bool has_local_pref;
	uint32_t local_pref;
	bool has_med;
	uint32_t med;
	uint32_t *communities; /* RFC 1997, asn << 16 | value */
	size_t ncommunities;
	uint32_t *large;  /* RFC 8092, triples */
	size_t nlarge;	  /* number of triples */
	unsigned prepend; /* times to prepend our AS */
};

struct bgp_pool {
	struct prefix prefix;
	enum bgp_pool_kind kind;
	bool per_address; /* one /32 or /128 each */
	struct bgp_attr_set attrs;
};

/* A prefix-list entry: prefix, and the lengths it accepts (ge..le). */
struct bgp_prefix_match {
	struct prefix prefix;
	uint8_t ge;
	uint8_t le;
};

enum bgp_maxpfx_action {
	BGP_MAXPFX_WARN = 0,
	BGP_MAXPFX_RESET,
};

struct bgp_import {
	bool all; /* accept everything (still subject to max) */
	struct bgp_prefix_match *prefixes; /* else only these */
	size_t nprefixes;
	uint32_t max_prefix; /* 0: no limit */
	enum bgp_maxpfx_action max_action;
	struct bgp_attr_set set; /* applied to accepted routes */
};

struct bgp_export {
	bool kinds[BGP_POOL_KIND_MAX];	   /* pools to send */
	bool learned;			   /* routes learned from peers */
	struct bgp_prefix_match *prefixes; /* learned: only these; */
	size_t nprefixes;		   /* none listed: all */
	struct bgp_attr_set set;	   /* applied on the way out */
};

enum bgp_nexthop_mode {
	BGP_NH_DEFAULT = 0, /* RFC 4271: self to eBGP, unchanged to iBGP */
	BGP_NH_SELF,
	BGP_NH_UNCHANGED,
};

#define BGP_FAM_IPV4 0x1
#define BGP_FAM_IPV6 0x2

/* Graceful restart (RFC 4724, RFC 8538 N bit): see docs/config.md. */
#define BGP_GR_DEFAULT_RESTART 120
#define BGP_GR_DEFAULT_STALE   360

struct bgp_gr_conf {
	bool enabled;
	uint16_t restart_time; /* seconds, 1..4095: in our OPEN */
	uint16_t stale_time;   /* seconds: peer back, waiting for its EoR */
	bool notification;     /* RFC 8538 N bit */
};

struct bgp_neighbor {
	char *name; /* address as text, or given */
	struct addr addr;
	uint32_t asn;
	uint16_t port;	    /* remote port */
	struct addr local;  /* family 0: kernel chooses */
	char *password;	    /* RFC 2385; NULL: none */
	uint16_t hold_time; /* 0 or >= 3 */
	uint16_t keepalive; /* default hold / 3 */
	uint16_t connect_retry;
	uint8_t multihop; /* eBGP TTL; 0: directly connected */
	bool gtsm;	  /* RFC 5082 */
	uint8_t families; /* BGP_FAM_* */
	bool ext_nh;	  /* RFC 8950: IPv4 routes with IPv6 next hops */
	bool passive;
	bool rr_client; /* RFC 4456 */
	enum bgp_nexthop_mode next_hop;
	struct addr next_hop_addr; /* third-party NH, if set */
	/*
	 * A cluster peer: its routes are overlay routes (their next hop is
	 * its VXLAN endpoint), handed to the overlay instead of the FIB.
	 */
	bool overlay;
	uint32_t overlay_vni;
	uint8_t overlay_mac[6]; /* its device's MAC */
	struct bgp_import import;
	struct bgp_export export;
	/* Effective graceful restart settings: the section's, with the
	 * neighbor's graceful-restart = true|false applied. */
	struct bgp_gr_conf gr;
	int gr_override; /* -1: none, else the neighbor's own value */
	/*
	 * RFC 8212: an eBGP neighbor without an import (export) section
	 * imports (exports) nothing.  iBGP neighbors default to all.
	 */
	bool has_import;
	bool has_export;
	struct bfd_conf bfd; /* RFC 5880; changes need no session reset */
};

/* Dynamic neighbors: iBGP (or eBGP) sessions accepted from a prefix. */
struct bgp_listen_range {
	struct prefix prefix;
	uint32_t asn;
	unsigned max;		  /* sessions at most */
	bool workloads;		  /* only joined workloads' endpoints */
	struct bgp_neighbor tmpl; /* settings of each session */
};

struct bgp_conf {
	bool enabled; /* the section exists */
	uint32_t asn;
	struct addr router_id;	/* IPv4 */
	struct addr cluster_id; /* IPv4 */
	struct addr *listen;	/* addresses to listen on */
	size_t nlisten;
	uint16_t port;
	unsigned ecmp; /* >= 1 */
	bool fib;      /* install learned routes */
	uint32_t fib_table;
	bool fib_keep; /* leave routes on exit */
	struct bgp_gr_conf gr;
	struct bgp_pool *pools;
	size_t npools;
	struct bgp_neighbor *neighbors;
	size_t nneighbors;
	struct bgp_listen_range *ranges;
	size_t nranges;
};

/* The module hooks for the section (struct ferry_module). */
void *bgp_conf_parse(
    const config_setting_t *, const struct ferry_config *, struct conf_errs *);
void bgp_conf_free(void *);
void bgp_conf_dump(const void *, config_setting_t *root);

const char *bgp_pool_kind_name(enum bgp_pool_kind);
/* Do two neighbor configs differ in anything that needs a session reset? */
bool bgp_neighbor_session_differs(
    const struct bgp_neighbor *, const struct bgp_neighbor *);
/* ...or in where their routes go (overlay tunnels or the FIB)?  That
 * needs no reset: the routes are handed out again (rib_peer_refib). */
bool bgp_neighbor_overlay_differs(
    const struct bgp_neighbor *, const struct bgp_neighbor *);
/* Does p (a route's prefix) match a prefix list entry? */
bool bgp_prefix_match(
    const struct bgp_prefix_match *, size_t, const struct prefix *);

#endif
