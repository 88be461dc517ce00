/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * RIB microbenchmark: N IPv4 prefixes from one eBGP peer through
 * rib_peer_input, then rib_peer_output drained for a second eBGP peer,
 * the way bgp_peer.c drives the RIB (each UPDATE decoded with
 * bgp_update_decode first).  Two shapes, as in docs/performance.md: all
 * prefixes sharing one attribute set, and prefixes spread over S distinct
 * sets (different AS paths and communities).
 *
 *	rib_bench [-n prefixes] [-s sets]
 *
 * Prints ns/prefix for input and output and the peak RSS growth per
 * prefix.  UPDATEs are generated one at a time so the input itself does
 * not count towards memory.  Build with bench/bgp/build-rib-bench.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bgp_rib.h"
#include "xalloc.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long
maxrss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* Attribute block for set number s (of nsets). */
static size_t
mk_attrs(uint8_t *p, unsigned s, unsigned nsets)
{
	size_t n = 0;

	p[n++] = 0x40;
	p[n++] = 1;
	p[n++] = 1;
	p[n++] = 0; /* IGP */
	p[n++] = 0x40;
	p[n++] = 2;
	if (nsets <= 1) {
		p[n++] = 6;
		p[n++] = 2;
		p[n++] = 1;
		p[n++] = 0;
		p[n++] = 0;
		p[n++] = 0xfd;
		p[n++] = 0xe9;
	} else {
		p[n++] = 10;
		p[n++] = 2;
		p[n++] = 2;
		p[n++] = 0;
		p[n++] = 0;
		p[n++] = 0xfd;
		p[n++] = 0xe9;
		p[n++] = 0;
		p[n++] = 1;
		p[n++] = (uint8_t)(s >> 8);
		p[n++] = (uint8_t)s;
	}
	p[n++] = 0x40;
	p[n++] = 3;
	p[n++] = 4;
	p[n++] = 192;
	p[n++] = 0;
	p[n++] = 2;
	p[n++] = 1;
	if (nsets > 1) {
		p[n++] = 0xc0;
		p[n++] = 8;
		p[n++] = 4;
		p[n++] = 0xfd;
		p[n++] = 0xe9;
		p[n++] = (uint8_t)(s >> 8);
		p[n++] = (uint8_t)s;
	}
	return n;
}

/* One UPDATE: attrs of set s, prefixes 10.x.y.0/24 from *next. */
static size_t
mk_update(uint8_t *msg, unsigned s, unsigned nsets, uint32_t *next,
    uint32_t end, uint32_t per)
{
	size_t alen, len;
	uint32_t k;

	memset(msg, 0xff, 16);
	msg[18] = 2;
	msg[19] = msg[20] = 0;
	alen = mk_attrs(msg + 23, s, nsets);
	msg[21] = (uint8_t)(alen >> 8);
	msg[22] = (uint8_t)alen;
	len = 23 + alen;
	for (k = 0; k < per && *next < end && len + 4 <= 4096; k++) {
		uint32_t a = (10u << 24) + (*next << 8);

		msg[len++] = 24;
		msg[len++] = (uint8_t)(a >> 24);
		msg[len++] = (uint8_t)(a >> 16);
		msg[len++] = (uint8_t)(a >> 8);
		(*next)++;
	}
	msg[16] = (uint8_t)(len >> 8);
	msg[17] = (uint8_t)len;
	return len;
}

static void
mk_neighbor(struct bgp_neighbor *nb, const char *addr, uint32_t asn)
{
	memset(nb, 0, sizeof(*nb));
	addr_parse(addr, &nb->addr);
	nb->asn = asn;
	nb->families = BGP_FAM_IPV4;
	nb->has_import = nb->has_export = true;
	nb->import.all = true;
	nb->export.learned = true;
}

int
main(int argc, char **argv)
{
	struct bgp_attr_opts opts = { .as4 = true, .ebgp = true };
	struct bgp_neighbor nbs[2];
	struct bgp_conf conf;
	struct rib_peer_info ia, ib;
	struct rib_peer *pa, *pb;
	struct bgp_update u;
	struct bgp_err err;
	struct wbuf out;
	struct rib *rib;
	uint8_t msg[4096];
	uint32_t n = 1000000, nsets = 1, next = 0, per, set;
	uint64_t bytes = 0, msgs = 0;
	double t0, t1, t2;
	long rss0, rss1;
	size_t len, off;
	int c;

	while ((c = getopt(argc, argv, "n:s:")) != -1) {
		switch (c) {
		case 'n':
			n = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 's':
			nsets = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr, "usage: rib_bench [-n N] [-s SETS]\n");
			return 2;
		}
	}
	if (nsets == 0)
		nsets = 1;
	if (n > (1u << 24))
		n = 1u << 24;
	memset(&conf, 0, sizeof(conf));
	conf.asn = 65000;
	addr_parse("192.0.2.100", &conf.router_id);
	conf.ecmp = 1;
	mk_neighbor(&nbs[0], "192.0.2.1", 65001);
	mk_neighbor(&nbs[1], "192.0.2.2", 65002);
	memset(&ia, 0, sizeof(ia));
	ia.asn = 65001;
	ia.bgp_id = 0xc0000201;
	ia.addr = nbs[0].addr;
	ia.as4 = true;
	ia.families = BGP_FAM_IPV4;
	addr_parse("192.0.2.100", &ia.local4);
	ib = ia;
	ib.asn = 65002;
	ib.bgp_id = 0xc0000202;
	ib.addr = nbs[1].addr;

	rss0 = maxrss_kb();
	rib = rib_new(&conf, NULL, NULL);
	pa = rib_peer_new(rib, &nbs[0], NULL);
	pb = rib_peer_new(rib, &nbs[1], NULL);
	rib_peer_up(pa, &ia);
	rib_peer_up(pb, &ib);
	wbuf_init(&out, 1 << 20);
	rib_peer_output(pb, &out, SIZE_MAX); /* empty table: EoR */
	wbuf_reset(&out);

	per = nsets > 1 ? (n + nsets - 1) / nsets : n;
	t0 = now();
	for (set = 0; next < n; set = (set + 1) % nsets) {
		uint32_t end = next + per < n ? next + per : n;

		while (next < end) {
			len = mk_update(msg, set, nsets, &next, end, per);
			if (bgp_update_decode(msg, len, &opts, &u, &err) !=
			    BGP_ACT_OK)
				return 1;
			rib_peer_input(pa, &u);
		}
	}
	t1 = now();
	while (rib_peer_output(pb, &out, 1 << 20) || out.len > 0) {
		for (off = 0; off + 19 <= out.len; off +=
		     (size_t)(out.data[off + 16] << 8 | out.data[off + 17]))
			msgs++;
		bytes += out.len;
		wbuf_reset(&out);
	}
	t2 = now();
	rss1 = maxrss_kb();
	printf("prefixes %u sets %u (interned %zu): input %.0f ns/prefix, "
	       "output %.0f ns/prefix, total %.3f s CPU\n",
	    n, nsets, rib_aset_count(rib), (t1 - t0) * 1e9 / n,
	    (t2 - t1) * 1e9 / n, t2 - t0);
	printf("output %llu UPDATEs, %llu bytes (%.2f prefixes/UPDATE); "
	       "peak RSS +%ld KB = %.1f bytes/prefix\n",
	    (unsigned long long)msgs, (unsigned long long)bytes,
	    msgs ? (double)n / (double)msgs : 0.0, rss1 - rss0,
	    (double)(rss1 - rss0) * 1024.0 / n);
	t0 = now();
	rib_peer_free(pa);
	rib_peer_free(pb);
	rib_free(rib);
	wbuf_free(&out);
	printf("teardown %.3f s\n", now() - t0);
	return 0;
}
