/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target: the config loader on arbitrary text.  Anything that
 * loads must also dump, print and reload to the same normalized form.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "conf.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

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
	json_object_put(conf_to_json(&lc));
	config_destroy(&lc);
	return text;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ferry_config *cf, *again;
	struct conf_errs e;
	char *text, *first, *second;

	log_set_level(LOG_CRIT);
	/* libconfig reads C strings; @include would read other files. */
	if (memchr(data, '\0', size) != NULL ||
	    memmem(data, size, "@include", 8) != NULL)
		return 0;
	text = strndup((const char *)data, size);
	conf_errs_init(&e, "fuzz.conf");
	cf = conf_load("fuzz.conf", text, &e);
	conf_errs_clear(&e);
	free(text);
	if (cf == NULL)
		return 0;
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
