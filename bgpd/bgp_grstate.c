/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The restart state file (see bgp_grstate.h).
 *
 * Our implementation of "the speaker knows it restarted": the file exists
 * while graceful restart is enabled, stays when ferryd exits with its
 * routes kept (or dies) and goes when it exits without graceful restart.
 * The boot id makes a file left over a reboot, when the kernel kept
 * nothing, count for nothing.  Adopted kernel routes were the other
 * candidate; they say nothing when the FIB is off or empty, or when every
 * route is an overlay route.  The file is rewritten whole (to a temporary
 * name, then renamed) so that a ferryd killed while writing it leaves the
 * old one or the new one, never half of one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bgp_grstate.h"
#include "log.h"
#include "xalloc.h"

#define STATE_SUFFIX  ".bgp-restart"
#define STATE_DYN_MAX 4096 /* dynamic neighbors remembered at most */

static void
state_boot_id(char *buf, size_t len)
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");

	snprintf(buf, len, "unknown");
	if (f == NULL)
		return;
	if (fgets(buf, (int)len, f) != NULL)
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

void
bgp_grstate_init(struct bgp_grstate *st, const char *pid_file)
{
	const char *pid = pid_file != NULL ? pid_file : "/run/ferry/ferryd.pid";
	size_t n = strlen(pid);

	/* Named as the pid file is, .pid replaced. */
	if (n > 4 && strcmp(pid + n - 4, ".pid") == 0)
		n -= 4;
	snprintf(
	    st->path, sizeof(st->path), "%.*s%s", (int)n, pid, STATE_SUFFIX);
	state_boot_id(st->boot, sizeof(st->boot));
}

bool
bgp_grstate_load(struct bgp_grstate *st, struct addr **dyn, size_t *n)
{
	char line[128];
	bool restarting = false;
	size_t cap = 0;
	struct addr a;
	FILE *f;

	*dyn = NULL;
	*n = 0;
	if ((f = fopen(st->path, "r")) != NULL) {
		if (fgets(line, sizeof(line), f) != NULL) {
			line[strcspn(line, "\n")] = '\0';
			restarting = strcmp(line, st->boot) == 0;
		}
		while (restarting && *n < STATE_DYN_MAX &&
		    fgets(line, sizeof(line), f) != NULL) {
			line[strcspn(line, "\n")] = '\0';
			if (strncmp(line, "dynamic ", 8) != 0 ||
			    addr_parse(line + 8, &a) == -1)
				continue;
			if (*n == cap) {
				cap = cap == 0 ? 16 : cap * 2;
				*dyn = xreallocarray(*dyn, cap, sizeof(**dyn));
			}
			(*dyn)[(*n)++] = a;
		}
		fclose(f);
	}
	/* Those not back yet are still owed: listed until the first
	 * change of this run rewrites the file. */
	bgp_grstate_save(st, *dyn, *n);
	return restarting;
}

void
bgp_grstate_save(const struct bgp_grstate *st, const struct addr *dyn, size_t n)
{
	char tmp[sizeof(st->path) + 8], buf[ADDR_STRLEN];
	FILE *f;
	size_t i;

	snprintf(tmp, sizeof(tmp), "%s.new", st->path);
	if ((f = fopen(tmp, "w")) == NULL)
		goto fail;
	fprintf(f, "%s\n", st->boot);
	for (i = 0; i < n && i < STATE_DYN_MAX; i++)
		fprintf(f, "dynamic %s\n", addr_fmt(&dyn[i], buf, sizeof(buf)));
	if (fclose(f) != 0 || rename(tmp, st->path) == -1)
		goto fail;
	return;
fail:
	log_warn("bgp: cannot write the restart state: file=%s error=%s",
	    st->path, strerror(errno));
	unlink(tmp);
}

void
bgp_grstate_remove(const struct bgp_grstate *st)
{
	if (st->path[0] != '\0')
		unlink(st->path);
}
