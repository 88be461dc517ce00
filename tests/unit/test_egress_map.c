/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * egress/egress_map.c against real kernel maps: the policy maps of
 * bpf/egress.h created with bpf_map_create(), filled from configs loaded
 * with conf_load() and compiled, then read back and looked up through
 * the kernel's own LPM tries, as the datapath will.
 *
 * What a user relies on: the maps answer like the compiled tables; a
 * reload that changes one policy writes only that policy's entries; a
 * second sync of the same tables writes nothing; entries a previous
 * ferryd left (the maps are pinned) that the config does not want go.
 *
 * Creating maps needs CAP_BPF (or root): without it the test exits 77
 * and says why.
 */
#include <arpa/inet.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <cmocka.h>

#include "conf.h"
#include "egress.h"
#include "egress_int.h"
#include "egressd.h"
#include "module.h"

#define FILE_NAME "t.conf"

#define HEAD                                                                \
	"bgp = { asn = 65000; router-id = \"192.0.2.1\";\n"                 \
	" pools = ( { prefix = \"10.244.0.0/16\"; kind = \"pod\"; },\n"     \
	"  { prefix = \"198.51.100.0/28\"; kind = \"egress\"; },\n"         \
	"  { prefix = \"2001:db8:e::/64\"; kind = \"egress\"; } );\n"       \
	" neighbors = ( { address = \"192.0.2.20\"; asn = 65000;\n"         \
	"  overlay = { vni = 20; mac = \"02:00:00:00:00:20\"; }; } ); };\n" \
	"overlay = { local = \"127.0.0.1\"; };\n"                           \
	"egress = { interfaces = [ \"eth0\" ];\n"

/* Three policies; B's destination is what the reload cases change. */
#define POLICIES(b_dst, c_src)                                                 \
	HEAD                                                                   \
	    " policies = (\n"                                                  \
	    "  { name = \"A\"; sources = [ \"10.244.1.0/24\", "                \
	    "\"fd00:1::/64\" ];\n"                                             \
	    "    destinations = [ \"203.0.113.0/24\", \"2001:db8::/32\" ];\n"  \
	    "    exclude = [ \"203.0.113.128/25\" ];\n"                        \
	    "    gateway = \"127.0.0.1\";\n"                                   \
	    "    egress-ip = [ \"198.51.100.1\", \"2001:db8:e::1\" ]; },\n"    \
	    "  { name = \"B\"; sources = [ \"10.244.2.0/24\" ];\n"             \
	    "    destinations = [ \"" b_dst "\" ];\n"                          \
	    "    gateway = \"192.0.2.20\"; egress-ip = \"198.51.100.2\"; },\n" \
	    "  { name = \"C\"; sources = [ \"" c_src "\" ];\n"                 \
	    "    destinations = [ \"0.0.0.0/0\" ];\n"                          \
	    "    gateway = \"192.0.2.20\"; egress-ip = \"198.51.100.3\"; }\n"  \
	    " );\n};\n"

struct fixture {
	struct egress_maps m;
	struct ferry_config *cf;
	struct egress_rules r;
};

static int
map_new(enum bpf_map_type type, const char *name, size_t ksz, size_t vsz,
    unsigned n)
{
	LIBBPF_OPTS(bpf_map_create_opts, o);

	if (type == BPF_MAP_TYPE_LPM_TRIE)
		o.map_flags = BPF_F_NO_PREALLOC;
	return bpf_map_create(type, name, (unsigned)ksz, (unsigned)vsz, n, &o);
}

static int
maps_new(struct egress_maps *m)
{
	m->policy = map_new(BPF_MAP_TYPE_ARRAY, EGR_MAP_POLICY, sizeof(__u32),
	    sizeof(struct egr_policy), EGR_POLICY_MAX);
	m->src4 = map_new(BPF_MAP_TYPE_LPM_TRIE, EGR_MAP_SRC4,
	    sizeof(struct egr_src4_key), sizeof(struct egr_src_val), 1024);
	m->src6 = map_new(BPF_MAP_TYPE_LPM_TRIE, EGR_MAP_SRC6,
	    sizeof(struct egr_src6_key), sizeof(struct egr_src_val), 1024);
	m->dst4 = map_new(BPF_MAP_TYPE_LPM_TRIE, EGR_MAP_DST4,
	    sizeof(struct egr_dst4_key), sizeof(struct egr_dst_val), 4096);
	m->dst6 = map_new(BPF_MAP_TYPE_LPM_TRIE, EGR_MAP_DST6,
	    sizeof(struct egr_dst6_key), sizeof(struct egr_dst_val), 4096);
	if (m->policy < 0 || m->src4 < 0 || m->src6 < 0 || m->dst4 < 0 ||
	    m->dst6 < 0)
		return -1;
	return 0;
}

static void
maps_close(struct egress_maps *m)
{
	close(m->policy);
	close(m->src4);
	close(m->src6);
	close(m->dst4);
	close(m->dst6);
}

static const struct egress_conf *
egress_of(const struct ferry_config *cf)
{
	unsigned i;

	for (i = 0; i < ferry_nmodules; i++)
		if (ferry_modules[i] == &egress_module)
			return cf->mod[i];
	fail_msg("the egress module is not in the module table");
	return NULL;
}

static struct ferry_config *
load(const char *text)
{
	struct ferry_config *cf;
	struct conf_errs e;
	size_t i;

	conf_errs_init(&e, FILE_NAME);
	cf = conf_load(FILE_NAME, text, &e);
	for (i = 0; i < e.n; i++)
		print_error("got: %s\n", e.msg[i]);
	conf_errs_clear(&e);
	if (cf == NULL)
		fail_msg("config does not load");
	return cf;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL || maps_new(&f->m) == -1)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	maps_close(&f->m);
	egress_rules_free(&f->r);
	conf_free(f->cf);
	free(f);
	return 0;
}

/* Load, compile against the running ids, sync; f keeps the result. */
static void
apply(struct fixture *f, const char *text, struct egress_map_stats *st)
{
	struct ferry_config *cf = load(text);
	struct egress_rules r;

	assert_int_equal(
	    egress_policy_compile(egress_of(cf), f->cf ? &f->r : NULL, &r), 0);
	assert_int_equal(
	    egress_map_sync(&f->m, egress_of(cf), &r, NULL, st), 0);
	egress_rules_free(&f->r);
	conf_free(f->cf);
	f->r = r;
	f->cf = cf;
}

static size_t
map_count(int fd, size_t ksz)
{
	uint8_t key[64], next[64];
	size_t n = 0;
	bool first = true;

	assert_true(ksz <= sizeof(key));
	while (bpf_map_get_next_key(fd, first ? NULL : key, next) == 0) {
		memcpy(key, next, ksz);
		first = false;
		n++;
	}
	return n;
}

/* -1: left alone, else the policy id; through the kernel's tries. */
static long
kernel_classify(const struct egress_maps *m, const char *src, const char *dst)
{
	struct egr_src4_key s4 = { .prefixlen = 32 };
	struct egr_src6_key s6 = { .prefixlen = 128 };
	struct egr_dst4_key d4 = { .prefixlen = 64 };
	struct egr_dst6_key d6 = { .prefixlen = 160 };
	struct egr_src_val sv;
	struct egr_dst_val dv;
	int rc;

	if (strchr(src, ':') == NULL) {
		assert_int_equal(inet_pton(AF_INET, src, &s4.addr), 1);
		assert_int_equal(inet_pton(AF_INET, dst, &d4.daddr), 1);
		if (bpf_map_lookup_elem(m->src4, &s4, &sv) != 0)
			return -1;
		d4.class = htonl(sv.class);
		rc = bpf_map_lookup_elem(m->dst4, &d4, &dv);
	} else {
		assert_int_equal(inet_pton(AF_INET6, src, s6.addr), 1);
		assert_int_equal(inet_pton(AF_INET6, dst, d6.daddr), 1);
		if (bpf_map_lookup_elem(m->src6, &s6, &sv) != 0)
			return -1;
		d6.class = htonl(sv.class);
		rc = bpf_map_lookup_elem(m->dst6, &d6, &dv);
	}
	if (rc != 0 || dv.action == EGR_ACT_SKIP)
		return -1;
	return (long)dv.policy;
}

static long
id_of(const struct fixture *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->r.nids; i++)
		if (strcmp(f->r.ids[i].name, name) == 0)
			return (long)f->r.ids[i].id;
	fail_msg("no policy %s", name);
	return -2;
}

static void
test_fresh(void **state)
{
	struct fixture *f = *state;
	struct egress_map_stats st;
	struct egr_policy p;
	__u32 id;

	apply(f, POLICIES("198.18.0.0/15", "10.244.3.0/24"), &st);
	/* Every entry is new: classes, destinations, three policies. */
	assert_int_equal(st.added, f->r.nclasses + f->r.ndsts);
	assert_int_equal(st.replaced, 3);
	assert_int_equal(st.deleted, 0);
	assert_int_equal(map_count(f->m.src4, sizeof(struct egr_src4_key)) +
		map_count(f->m.src6, sizeof(struct egr_src6_key)),
	    f->r.nclasses);
	assert_int_equal(map_count(f->m.dst4, sizeof(struct egr_dst4_key)) +
		map_count(f->m.dst6, sizeof(struct egr_dst6_key)),
	    f->r.ndsts);

	assert_int_equal(
	    kernel_classify(&f->m, "10.244.1.9", "203.0.113.1"), id_of(f, "A"));
	/* A's exclude, and no policy at all. */
	assert_int_equal(
	    kernel_classify(&f->m, "10.244.1.9", "203.0.113.200"), -1);
	assert_int_equal(kernel_classify(&f->m, "10.244.1.9", "192.0.2.1"), -1);
	assert_int_equal(kernel_classify(&f->m, "10.9.0.1", "203.0.113.1"), -1);
	assert_int_equal(
	    kernel_classify(&f->m, "fd00:1::5", "2001:db8::1"), id_of(f, "A"));
	assert_int_equal(
	    kernel_classify(&f->m, "fd00:1::5", "2001:db9::1"), -1);
	assert_int_equal(
	    kernel_classify(&f->m, "10.244.2.1", "198.19.1.1"), id_of(f, "B"));
	/* C sends everything to the gateway, except in-cluster traffic. */
	assert_int_equal(
	    kernel_classify(&f->m, "10.244.3.1", "8.8.8.8"), id_of(f, "C"));
	assert_int_equal(
	    kernel_classify(&f->m, "10.244.3.1", "10.244.1.1"), -1);

	/* The policy as the datapath reads it. */
	id = (__u32)id_of(f, "B");
	assert_int_equal(bpf_map_lookup_elem(f->m.policy, &id, &p), 0);
	assert_int_equal(p.flags, EGR_POL_ACTIVE);
	assert_int_equal(p.ngw, 1);
	assert_int_equal(p.gw[0].vni, 20);
	assert_int_equal(p.gw[0].mac[5], 0x20);
	assert_int_equal(p.gw[0].flags, EGR_GW_UP);
	assert_int_equal(((uint8_t *)p.gw[0].endpoint)[10], 0xff);
	assert_int_equal(((uint8_t *)p.gw[0].endpoint)[15], 20);
	assert_int_equal(p.egress4, htonl(0xc6336402)); /* 198.51.100.2 */
	id = (__u32)id_of(f, "A");
	assert_int_equal(bpf_map_lookup_elem(f->m.policy, &id, &p), 0);
	assert_int_equal(p.gw[0].flags, EGR_GW_UP | EGR_GW_LOCAL);
	assert_int_equal(((uint8_t *)p.egress6)[15], 1); /* 2001:db8:e::1 */
}

static void
test_resync_writes_nothing(void **state)
{
	struct fixture *f = *state;
	struct egress_map_stats st;

	apply(f, POLICIES("198.18.0.0/15", "10.244.3.0/24"), &st);
	apply(f, POLICIES("198.18.0.0/15", "10.244.3.0/24"), &st);
	assert_int_equal(st.added, 0);
	assert_int_equal(st.replaced, 0);
	assert_int_equal(st.deleted, 0);
}

/* B's destination changes: one entry of B's class goes, one comes. */
static void
test_reload_one_policy(void **state)
{
	struct fixture *f = *state;
	struct egress_map_stats st;
	long a, b, c;

	apply(f, POLICIES("198.18.0.0/15", "10.244.3.0/24"), &st);
	a = id_of(f, "A");
	b = id_of(f, "B");
	c = id_of(f, "C");
	apply(f, POLICIES("198.18.0.0/16", "10.244.3.0/24"), &st);
	assert_int_equal(st.added, 1);
	assert_int_equal(st.replaced, 0);
	assert_int_equal(st.deleted, 1);
	assert_int_equal(id_of(f, "A"), a);
	assert_int_equal(id_of(f, "B"), b);
	assert_int_equal(id_of(f, "C"), c);
	assert_int_equal(kernel_classify(&f->m, "10.244.2.1", "198.18.1.1"), b);
	assert_int_equal(
	    kernel_classify(&f->m, "10.244.2.1", "198.19.1.1"), -1);
	assert_int_equal(
	    kernel_classify(&f->m, "10.244.1.9", "203.0.113.1"), a);
}

/*
 * C's source moves: its old class goes, a new one (with a new id) comes,
 * and nothing of A or B is touched.
 */
static void
test_reload_new_source(void **state)
{
	struct fixture *f = *state;
	struct egress_map_stats st;
	size_t before;

	apply(f, POLICIES("198.18.0.0/15", "10.244.3.0/24"), &st);
	before = f->r.ndsts;
	apply(f, POLICIES("198.18.0.0/15", "10.244.4.0/24"), &st);
	assert_int_equal(f->r.ndsts, before);
	/* Class of 10.244.4/24: its source entry, 0/0 and the pod pool. */
	assert_int_equal(st.added, 3);
	assert_int_equal(st.deleted, 3);
	assert_int_equal(st.replaced, 0);
	assert_int_equal(kernel_classify(&f->m, "10.244.3.1", "8.8.8.8"), -1);
	assert_int_equal(
	    kernel_classify(&f->m, "10.244.4.1", "8.8.8.8"), id_of(f, "C"));
}

/* What a previous ferryd left and this config does not want goes. */
static void
test_adopt_stale(void **state)
{
	struct fixture *f = *state;
	struct egress_map_stats st;
	struct egr_src4_key sk = { .prefixlen = 16 };
	struct egr_src_val sv = { .class = 77 };
	struct egr_dst4_key dk = { .prefixlen = 40 };
	struct egr_dst_val dv = { .policy = 100, .action = EGR_ACT_POLICY };
	struct egr_policy p, zero;
	__u32 id = 100;

	inet_pton(AF_INET, "10.9.0.0", &sk.addr);
	inet_pton(AF_INET, "8.0.0.0", &dk.daddr);
	dk.class = htonl(77);
	memset(&p, 0, sizeof(p));
	memset(&zero, 0, sizeof(zero));
	p.flags = EGR_POL_ACTIVE;
	p.ngw = 1;
	assert_int_equal(bpf_map_update_elem(f->m.src4, &sk, &sv, BPF_ANY), 0);
	assert_int_equal(bpf_map_update_elem(f->m.dst4, &dk, &dv, BPF_ANY), 0);
	assert_int_equal(bpf_map_update_elem(f->m.policy, &id, &p, BPF_ANY), 0);
	assert_int_equal(kernel_classify(&f->m, "10.9.1.1", "8.8.8.8"), 100);

	apply(f, POLICIES("198.18.0.0/15", "10.244.3.0/24"), &st);
	assert_int_equal(st.deleted, 3);
	assert_int_equal(kernel_classify(&f->m, "10.9.1.1", "8.8.8.8"), -1);
	assert_int_not_equal(bpf_map_lookup_elem(f->m.dst4, &dk, &dv), 0);
	assert_int_equal(bpf_map_lookup_elem(f->m.policy, &id, &p), 0);
	assert_memory_equal(&p, &zero, sizeof(p));
	/* A removed policy's slot is cleared too. */
	apply(f, HEAD "};\n", &st);
	assert_int_equal(map_count(f->m.src4, sizeof(struct egr_src4_key)), 0);
	assert_int_equal(map_count(f->m.dst4, sizeof(struct egr_dst4_key)), 0);
	assert_int_equal(map_count(f->m.dst6, sizeof(struct egr_dst6_key)), 0);
	id = 0;
	assert_int_equal(bpf_map_lookup_elem(f->m.policy, &id, &p), 0);
	assert_memory_equal(&p, &zero, sizeof(p));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fresh, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_resync_writes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_reload_one_policy, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_reload_new_source, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_adopt_stale, setup, teardown),
	};
	struct egress_maps m;

	if (maps_new(&m) == -1) {
		if (errno == EPERM || errno == EACCES) {
			fprintf(stderr,
			    "test_egress_map: SKIP: no privilege to create BPF "
			    "maps (needs root or CAP_BPF)\n");
			return 77;
		}
		fprintf(stderr, "test_egress_map: cannot create maps: %s\n",
		    strerror(errno));
		return 1;
	}
	maps_close(&m);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
