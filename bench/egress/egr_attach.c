// SPDX-License-Identifier: BSD-2-Clause
/*
 * The bench's own loader for the egress NAT programs, so that
 * bench/egress/run does not depend on ferryd's egress runtime (which
 * lands from another branch).  It loads bpf/egress.bpf.o as built, pins
 * its maps in a directory of the bench's own (never EGR_PIN_DIR), fills
 * egr_config, egr_src4, egr_dst4 and egr_policy the way
 * tests/bpf/test_egress.c does for one local gateway, and attaches
 * egr_out to egress and egr_in to ingress of one interface of the network
 * namespace it runs in with ferryd's own agent/bpf_hook.c (tcx links
 * where the kernel has them, pinned next to the maps; tc filters
 * otherwise).  The pinned maps let later calls read counters, memory and
 * empty the NAT table.
 *
 *   egr_attach attach OBJ PINDIR IFNAME SRCNET/LEN EGRESS4 TABLESIZE
 *                               egr_out hook=tcx|tc, egr_in hook=...
 *   egr_attach stats PINDIR     new=N snat=N rsnat=N pass=N drop=N
 *   egr_attach mem PINDIR       ct_memlock=B rev_memlock=B max=N live=N
 *   egr_attach flush PINDIR     deletes every egr_ct, then egr_rev entry
 *
 * The policy sends everything from SRCNET/LEN to any destination out
 * through EGRESS4, this host being the gateway.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf_hook.h"
#include "egress.h"

static int
map_open(const char *dir, const char *name)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		fprintf(stderr, "egr_attach: %s: %s\n", path, strerror(errno));
	return fd;
}

static int
policy_fill(struct bpf_object *obj, const char *src, const char *egress)
{
	struct egr_src4_key sk = { 0 };
	struct egr_dst4_key dk = { .prefixlen = EGR_CLASS_BITS };
	struct egr_src_val sv = { .class = 1 };
	struct egr_dst_val dv = { .policy = 1, .action = EGR_ACT_POLICY };
	struct egr_config cfg;
	struct egr_policy pol;
	char net[64], *slash;
	uint32_t id = 1, zero = 0;

	snprintf(net, sizeof(net), "%s", src);
	slash = strchr(net, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	sk.prefixlen = (uint32_t)atoi(slash + 1);
	if (sk.prefixlen > 32 || inet_pton(AF_INET, net, &sk.addr) != 1)
		return -1;
	memset(&pol, 0, sizeof(pol));
	pol.flags = EGR_POL_ACTIVE;
	pol.ngw = 1;
	pol.gw[0].flags = EGR_GW_UP | EGR_GW_LOCAL;
	if (inet_pton(AF_INET, egress, &pol.egress4) != 1)
		return -1;
	memset(&cfg, 0, sizeof(cfg)); /* default port range, no overlay */
	dk.class = htonl(1);
	if (bpf_map_update_elem(
		bpf_object__find_map_fd_by_name(obj, EGR_MAP_CONFIG), &zero,
		&cfg, 0) ||
	    bpf_map_update_elem(
		bpf_object__find_map_fd_by_name(obj, EGR_MAP_SRC4), &sk, &sv,
		0) ||
	    bpf_map_update_elem(
		bpf_object__find_map_fd_by_name(obj, EGR_MAP_DST4), &dk, &dv,
		0) ||
	    bpf_map_update_elem(
		bpf_object__find_map_fd_by_name(obj, EGR_MAP_POLICY), &id, &pol,
		0))
		return -1;
	return 0;
}

/*
 * As ferryd attaches its programs (agent/bpf_hook.c): a tcx link pinned
 * in dir where the kernel has tcx, a tc filter otherwise or with
 * FERRY_NO_TCX=1.
 */
static int
hook_attach(struct bpf_object *obj, const char *dir, int ifindex,
    const char *prog, enum bpf_hook_dir where)
{
	struct bpf_program *p = bpf_object__find_program_by_name(obj, prog);
	char link[64];
	struct bpf_hook h = { .who = "egr_attach",
		.pin_dir = dir,
		.link = link,
		.ifindex = ifindex,
		.dir = where,
		.prio = where == BPF_HOOK_EGRESS ? 1 : 2 };

	int fd;

	snprintf(link, sizeof(link), "%s_link", prog);
	if (!p)
		return -1;
	fd = bpf_hook_attach(&h, bpf_program__fd(p));
	if (fd == -1)
		return -1;
	printf("%s hook=%s\n", prog, fd >= 0 ? "tcx" : "tc");
	return 0;
}

static int
cmd_attach(char **argv)
{
	const char *obj_path = argv[0], *dir = argv[1], *ifname = argv[2];
	uint32_t size = (uint32_t)strtoul(argv[5], NULL, 10);
	LIBBPF_OPTS(
	    bpf_tc_hook, hook, .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);
	struct bpf_object *obj;
	struct bpf_map *m;
	char path[4096];
	int ifindex;

	ifindex = (int)if_nametoindex(ifname);
	if (ifindex == 0 || size == 0) {
		fprintf(stderr, "egr_attach: bad interface or size\n");
		return 1;
	}
	obj = bpf_object__open_file(obj_path, NULL);
	if (!obj) {
		fprintf(stderr, "egr_attach: open %s: %s\n", obj_path,
		    strerror(errno));
		return 1;
	}
	bpf_object__for_each_map(m, obj)
	{
		snprintf(path, sizeof(path), "%s/%s", dir, bpf_map__name(m));
		if (bpf_map__set_pin_path(m, path))
			return 1;
		if (!strcmp(bpf_map__name(m), EGR_MAP_CT) ||
		    !strcmp(bpf_map__name(m), EGR_MAP_REV))
			bpf_map__set_max_entries(m, size);
	}
	if (bpf_object__load(obj)) {
		fprintf(stderr, "egr_attach: load: %s\n", strerror(errno));
		return 1;
	}
	if (policy_fill(obj, argv[3], argv[4])) {
		fprintf(
		    stderr, "egr_attach: policy %s via %s\n", argv[3], argv[4]);
		return 1;
	}
	if (hook_attach(obj, dir, ifindex, EGR_PROG_OUT, BPF_HOOK_EGRESS) ||
	    hook_attach(obj, dir, ifindex, EGR_PROG_IN, BPF_HOOK_INGRESS)) {
		fprintf(stderr, "egr_attach: attach on %s failed\n", ifname);
		return 1;
	}
	bpf_object__close(obj);
	return 0;
}

static uint64_t
stat_sum(int fd, uint32_t k, int ncpus)
{
	struct egr_stat_val v[512];
	uint64_t n = 0;
	int cpu;

	if (ncpus > 512 || bpf_map_lookup_elem(fd, &k, v))
		return 0;
	for (cpu = 0; cpu < ncpus; cpu++)
		n += v[cpu].packets;
	return n;
}

static int
cmd_stats(const char *dir)
{
	int fd = map_open(dir, EGR_MAP_STATS),
	    ncpus = libbpf_num_possible_cpus();
	uint64_t drop = 0;
	uint32_t k;

	if (fd < 0 || ncpus <= 0)
		return 1;
	for (k = EGR_DROP_TRUNCATED; k < EGR_STAT_MAX; k++)
		drop += stat_sum(fd, k, ncpus);
	printf("new=%llu snat=%llu rsnat=%llu pass=%llu drop=%llu\n",
	    (unsigned long long)stat_sum(fd, EGR_STAT_NEW_FLOW, ncpus),
	    (unsigned long long)stat_sum(fd, EGR_STAT_SNAT, ncpus),
	    (unsigned long long)stat_sum(fd, EGR_STAT_RSNAT, ncpus),
	    (unsigned long long)stat_sum(fd, EGR_STAT_PASS, ncpus),
	    (unsigned long long)drop);
	return 0;
}

/* The kernel's memory charge for a map, as bpftool shows it. */
static long long
memlock(int fd)
{
	char path[64], line[256];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %lld", &v) == 1)
			break;
	fclose(f);
	return v;
}

static long
count(int fd, uint32_t ksize)
{
	char cur[64], next[64];
	void *prev = NULL;
	long n = 0;

	if (ksize > sizeof(cur))
		return -1;
	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		memcpy(cur, next, ksize);
		prev = cur;
		n++;
	}
	return n;
}

static int
cmd_mem(const char *dir)
{
	int ct = map_open(dir, EGR_MAP_CT), rev = map_open(dir, EGR_MAP_REV);
	struct bpf_map_info info;
	uint32_t len = sizeof(info);

	if (ct < 0 || rev < 0)
		return 1;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(ct, &info, &len))
		return 1;
	printf("ct_memlock=%lld rev_memlock=%lld max=%u live=%ld\n",
	    memlock(ct), memlock(rev), info.max_entries,
	    count(ct, info.key_size));
	return 0;
}

/*
 * Empty a hash map.  Each key is deleted after its successor was found:
 * a get_next_key() from NULL each time would scan the buckets from the
 * start every time, quadratic in a large table.
 */
static long
flush(int fd)
{
	struct egr_tuple k, next;
	long n = 0;
	int more;

	memset(&next, 0, sizeof(next));
	if (bpf_map_get_next_key(fd, NULL, &k))
		return 0;
	do {
		more = bpf_map_get_next_key(fd, &k, &next) == 0;
		if (bpf_map_delete_elem(fd, &k))
			return -1;
		n++;
		k = next;
	} while (more);
	return n;
}

static int
cmd_flush(const char *dir)
{
	int ct = map_open(dir, EGR_MAP_CT), rev = map_open(dir, EGR_MAP_REV);

	/* As egress_nat_gc(): egr_ct first, so a live one owns its port. */
	if (ct < 0 || rev < 0 || flush(ct) < 0 || flush(rev) < 0)
		return 1;
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 8 && !strcmp(argv[1], "attach"))
		return cmd_attach(argv + 2);
	if (argc == 3 && !strcmp(argv[1], "stats"))
		return cmd_stats(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "mem"))
		return cmd_mem(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "flush"))
		return cmd_flush(argv[2]);
	fprintf(stderr,
	    "usage: egr_attach attach OBJ PINDIR IFNAME SRCNET/LEN EGRESS4 "
	    "TABLESIZE\n"
	    "       egr_attach stats|mem|flush PINDIR\n");
	return 2;
}
