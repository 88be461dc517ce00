/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The bfd key of a BGP neighbor or listen range, normalized (parsed by
 * bfd_conf.c):
 *
 *	bfd = true;			# the defaults below
 *	bfd = { min-tx = 300;		# ms, Desired Min TX while Up
 *		min-rx = 300;		# ms, Required Min RX
 *		multiplier = 3;		# Detect Mult
 *		multihop = false;	# RFC 5883 (port 4784) instead of 5881
 *		max-hops = 255;		# multihop: least TTL 256 - max-hops
 *		auth = { type = "sha1"; key-id = 1; key = "secret"; };
 *	      };
 *
 * auth.type is "simple", "sha1" or "meticulous-sha1".  Intervals and
 * the multiplier change on reload by a Poll Sequence, without a flap;
 * multihop, max-hops and auth replace the BFD session (BGP is kept).
 */
#ifndef FERRY_BFD_CONF_H
#define FERRY_BFD_CONF_H

#include <libconfig.h>
#include <stdbool.h>
#include <stdint.h>

#include "bfd_auth.h"

struct conf_errs;

#define BFD_DEFAULT_INTERVAL_MS 300
#define BFD_DEFAULT_MULTIPLIER	3
#define BFD_MIN_INTERVAL_MS	10
#define BFD_MAX_INTERVAL_MS	60000

struct bfd_conf {
	bool enabled;
	uint32_t min_tx; /* milliseconds */
	uint32_t min_rx;
	uint8_t multiplier;
	bool multihop;
	uint8_t max_hops;
	struct bfd_auth_conf auth;
};

/* Parse the member "bfd" of group g (if any) into c. */
void bfd_conf_parse(
    struct conf_errs *, const config_setting_t *g, struct bfd_conf *c);
void bfd_conf_dump(config_setting_t *g, const struct bfd_conf *);
/* Would going from a to b need a new BFD session (not just a Poll)? */
bool bfd_conf_session_differs(const struct bfd_conf *, const struct bfd_conf *);

#endif
