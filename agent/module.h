/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The interface every ferryd module (bgp, overlay, egress) implements.
 *
 * A module owns one config section named after it and whatever runtime
 * state it builds from that section.  The agent calls the hooks below and
 * knows nothing else about the module; modules know nothing about each
 * other and exchange events through the agent (ferryd.h).
 */
#ifndef FERRY_MODULE_H
#define FERRY_MODULE_H

#include <libconfig.h>

struct conf_errs;
struct ferry_config;
struct ferryd;

struct ferry_module {
	const char *name; /* section name, log prefix */

	/*
	 * Parse and validate the section (sec is NULL when the file has
	 * none) into a normalized, immutable config.  Return it, or NULL
	 * after recording every error in errs.  cf holds the global keys,
	 * already parsed, and the sections of the modules before this one.
	 */
	void *(*parse_conf)(const config_setting_t *sec,
	    const struct ferry_config *cf, struct conf_errs *errs);
	void (*free_conf)(void *conf);
	/*
	 * Add the normalized section to root (a group named after the
	 * module), or nothing when the module is not configured.
	 */
	void (*dump_conf)(const void *conf, config_setting_t *root);

	/* Runtime.  start returns the module's state or NULL on error. */
	void *(*start)(struct ferryd *, const void *conf);
	/* Apply only what differs between old and new; 0 or -1. */
	int (*reload)(void *state, const void *old_conf, const void *new_conf);
	void (*stop)(void *state);
};

/* The modules linked into this ferryd, in start order (modules.c). */
extern const struct ferry_module *const ferry_modules[];
extern const unsigned ferry_nmodules;

#endif
