/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The egress module (see egress.h).  For now its runtime only keeps the
 * compiled rule tables of the running config: start compiles them, a
 * reload compiles the new config against the running id assignment (so
 * that an unchanged policy keeps its id) and keeps the result only if it
 * succeeds.  Loading the datapath, attaching it and the NAT garbage
 * collection are wired in later; nothing is loaded into the kernel here.
 */
#include <stdlib.h>

#include "egress_int.h"
#include "ferryd.h"
#include "log.h"
#include "module.h"
#include "xalloc.h"

struct egress {
	struct ferryd *d;
	const struct egress_conf *conf;
	struct egress_rules rules;
};

static void *
egress_start(struct ferryd *d, const void *arg)
{
	const struct egress_conf *ec = arg;
	struct egress *g = xcalloc(1, sizeof(*g));

	g->d = d;
	g->conf = ec;
	if (egress_policy_compile(ec, NULL, &g->rules) == -1) {
		log_err("egress: more than %d policy ids needed",
		    EGRESS_POLICY_MAX);
		free(g);
		return NULL;
	}
	if (ec->enabled)
		log_info("egress: %zu policies compiled into %zu source "
			 "classes and %zu destination entries (datapath not "
			 "wired yet)",
		    ec->npolicies, g->rules.nclasses, g->rules.ndsts);
	return g;
}

static int
egress_reload(void *arg, const void *old_conf, const void *new_conf)
{
	struct egress *g = arg;
	struct egress_rules r;

	(void)old_conf;
	if (egress_policy_compile(new_conf, &g->rules, &r) == -1) {
		log_err("egress: more than %d policy ids needed",
		    EGRESS_POLICY_MAX);
		return -1;
	}
	egress_rules_free(&g->rules);
	g->rules = r;
	g->conf = new_conf;
	return 0;
}

static void
egress_stop(void *arg)
{
	struct egress *g = arg;

	egress_rules_free(&g->rules);
	free(g);
}

const struct ferry_module egress_module = {
	.name = "egress",
	.parse_conf = egress_conf_parse,
	.free_conf = egress_conf_free,
	.dump_conf = egress_conf_dump,
	.start = egress_start,
	.reload = egress_reload,
	.stop = egress_stop,
};
