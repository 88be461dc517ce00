/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target: the egress section parser and the policy compiler.
 *
 * The input is the body of an egress section, wrapped after a fixed bgp
 * and overlay section (pools, an overlay neighbor), so that the fuzzer
 * spends its time inside egress = { ... } instead of rediscovering the
 * syntax around it.  What loads must also dump to a config that loads to
 * the same normalized text, and compile twice (the second time against
 * the first's ids) to the same tables: a reload of an unchanged config
 * changes nothing.  The compiled tables must be consistent: sorted, every
 * destination entry in a class that exists, of its family, and every
 * POLICY entry naming a policy id that was assigned.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "egress_int.h"
#include "egressd.h"
#include "log.h"
#include "module.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char head[] =
    "bgp = { asn = 65000; router-id = \"192.0.2.1\";\n"
    " pools = ( { prefix = \"10.244.0.0/16\"; kind = \"pod\"; },\n"
    "  { prefix = \"10.96.0.0/12\"; kind = \"service\"; },\n"
    "  { prefix = \"198.51.100.0/24\"; kind = \"egress\"; },\n"
    "  { prefix = \"2001:db8:e::/64\"; kind = \"egress\"; } );\n"
    " neighbors = ( { address = \"192.0.2.20\"; asn = 65000;\n"
    "  overlay = { vni = 20; mac = \"02:00:00:00:00:20\"; }; } ); };\n"
    "overlay = { local = \"127.0.0.1\"; };\n"
    "egress = {\n";
static const char tail[] = "\n};\n";

static const struct egress_conf *
egress_of(const struct ferry_config *cf)
{
	unsigned i;

	for (i = 0; i < ferry_nmodules; i++)
		if (ferry_modules[i] == &egress_module)
			return cf->mod[i];
	abort();
}

static char *
print_normalized(const struct ferry_config *cf)
{
	char *text = NULL;
	size_t len = 0;
	config_t lc;
	FILE *f;

	conf_dump(cf, &lc);
	if ((f = open_memstream(&text, &len)) == NULL)
		abort();
	conf_print(&lc, f);
	fclose(f);
	config_destroy(&lc);
	return text;
}

static void
check_tables(const struct egress_rules *r)
{
	size_t i, j;
	bool found;

	for (i = 1; i < r->nclasses; i++)
		if (prefix_cmp(
			&r->classes[i - 1].prefix, &r->classes[i].prefix) >= 0)
			abort();
	for (i = 0; i < r->ndsts; i++) {
		const struct egress_dst *d = &r->dsts[i];

		if (i > 0 && egress_dst_cmp(&r->dsts[i - 1], d) >= 0)
			abort();
		for (j = 0, found = false; j < r->nclasses && !found; j++)
			found = r->classes[j].id == d->class &&
			    r->classes[j].prefix.addr.family ==
				d->prefix.addr.family;
		if (!found)
			abort();
		if (d->action == EGRESS_ACT_POLICY) {
			for (j = 0, found = false; j < r->nids && !found; j++)
				found = r->ids[j].id == d->policy;
			if (!found)
				abort();
		}
	}
}

static bool
tables_equal(const struct egress_rules *a, const struct egress_rules *b)
{
	size_t i;

	if (a->nclasses != b->nclasses || a->ndsts != b->ndsts ||
	    a->nids != b->nids)
		return false;
	for (i = 0; i < a->nclasses; i++)
		if (prefix_cmp(&a->classes[i].prefix, &b->classes[i].prefix) !=
			0 ||
		    a->classes[i].id != b->classes[i].id)
			return false;
	for (i = 0; i < a->ndsts; i++)
		if (egress_dst_cmp(&a->dsts[i], &b->dsts[i]) != 0 ||
		    a->dsts[i].action != b->dsts[i].action ||
		    a->dsts[i].policy != b->dsts[i].policy)
			return false;
	for (i = 0; i < a->nids; i++)
		if (a->ids[i].id != b->ids[i].id ||
		    strcmp(a->ids[i].name, b->ids[i].name) != 0)
			return false;
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ferry_config *cf, *again;
	struct egress_rules r1, r2;
	struct conf_errs e;
	char *text, *first, *second;

	log_set_level(LOG_CRIT);
	/* libconfig reads C strings; @include would read other files. */
	if (memchr(data, '\0', size) != NULL ||
	    memmem(data, size, "@include", 8) != NULL)
		return 0;
	text = malloc(sizeof(head) + size + sizeof(tail));
	if (text == NULL)
		abort();
	memcpy(text, head, sizeof(head) - 1);
	memcpy(text + sizeof(head) - 1, data, size);
	memcpy(text + sizeof(head) - 1 + size, tail, sizeof(tail));
	conf_errs_init(&e, "fuzz.conf");
	cf = conf_load("fuzz.conf", text, &e);
	conf_errs_clear(&e);
	free(text);
	if (cf == NULL)
		return 0;

	if (egress_policy_compile(egress_of(cf), NULL, &r1) == 0) {
		check_tables(&r1);
		if (egress_policy_compile(egress_of(cf), &r1, &r2) != 0 ||
		    !tables_equal(&r1, &r2))
			abort();
		egress_rules_free(&r2);
		egress_rules_free(&r1);
	}

	first = print_normalized(cf);
	again = conf_load("fuzz.conf", first, &e);
	if (again == NULL) {
		fprintf(stderr, "normalized config does not load:\n%s\n%s\n",
		    first, e.n > 0 ? e.msg[0] : "");
		abort();
	}
	second = print_normalized(again);
	if (strcmp(first, second) != 0)
		abort();
	conf_errs_clear(&e);
	free(first);
	free(second);
	conf_free(again);
	conf_free(cf);
	return 0;
}
