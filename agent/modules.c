/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The module table: which modules this ferryd has, in the order their
 * sections are parsed and their runtime is started (stopped in reverse).
 * Adding a module is one line here and an include in Makefile.am: nothing
 * else in the agent changes.
 */
#include <stddef.h>

#include "conf.h"
#include "bgpd.h"
#include "egressd.h"
#include "module.h"
#include "vtep.h"
#include "workload.h"

const struct ferry_module *const ferry_modules[] = {
	&bgpd_module,
	&vtep_module,
	&egress_module,
	&workload_module,
	NULL,
};

const unsigned ferry_nmodules =
    sizeof(ferry_modules) / sizeof(ferry_modules[0]) - 1;

_Static_assert(
    sizeof(ferry_modules) / sizeof(ferry_modules[0]) - 1 <= FERRY_MODULES_MAX,
    "too many modules for FERRY_MODULES_MAX");
