// SPDX-License-Identifier: BSD-2-Clause
/*
 * Unit tests for egress/egress_nat.c: garbage collection and reading of
 * the egress NAT table.  The test creates its own egr_ct and egr_rev
 * hashes with bpf_map_create() (never the pinned ones), fills them the
 * way the datapath does, with made-up timestamps, and runs the GC at a
 * made-up "now", on fresh maps for every test.  Creating maps needs
 * CAP_BPF (or root): without it the test skips with 77.  Also the state
 * sync's wire format and how its records are applied (egress_sync.h).
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

#include <cmocka.h>

#include <bpf/bpf.h>

#include "egress_nat.h"
#include "egress_sync.h"

#define S   1000000000ULL
#define NOW (100000ULL * S)

static int ct_fd = -1, rev_fd = -1;
static struct egress_timeouts to;

static void
addr4(__be32 *a, const char *s)
{
	a[0] = 0;
	a[1] = 0;
	a[2] = htonl(0xffff);
	assert_int_equal(inet_pton(AF_INET, s, &a[3]), 1);
}

/*
 * Insert a connection pod:sport -> remote:dport translated to port
 * xport, last seen ago_out (from the pod) and ago_in (replies) seconds
 * before NOW.  Returns its egr_ct key in *k.
 */
static void
conn_add(struct egr_tuple *k, const char *pod, uint16_t sport, uint16_t xport,
    uint8_t proto, uint8_t state, uint64_t ago_out, uint64_t ago_in)
{
	struct egr_ct_val cv;
	struct egr_rev_val rv;

	memset(k, 0, sizeof(*k));
	memset(&cv, 0, sizeof(cv));
	memset(&rv, 0, sizeof(rv));
	addr4(k->saddr, pod);
	addr4(k->daddr, "203.0.113.7");
	k->sport = htons(sport);
	k->dport = htons(443);
	k->proto = proto;
	addr4(cv.rev.saddr, "203.0.113.7");
	addr4(cv.rev.daddr, "192.0.2.100");
	cv.rev.sport = htons(443);
	cv.rev.dport = htons(xport);
	cv.rev.proto = proto;
	cv.created = NOW - 1000 * S;
	cv.seen = NOW - ago_out * S;
	cv.state = state;
	rv.orig = *k;
	rv.seen = NOW - ago_in * S;
	assert_int_equal(
	    bpf_map_update_elem(rev_fd, &cv.rev, &rv, BPF_NOEXIST), 0);
	assert_int_equal(bpf_map_update_elem(ct_fd, k, &cv, BPF_NOEXIST), 0);
}

static int
ct_has(const struct egr_tuple *k)
{
	struct egr_ct_val v;

	return bpf_map_lookup_elem(ct_fd, k, &v) == 0;
}

/* Does the egr_rev half of the connection k exist? */
static int
rev_has(const struct egr_tuple *k, uint16_t xport)
{
	struct egr_rev_val v;
	struct egr_tuple r;

	memset(&r, 0, sizeof(r));
	addr4(r.saddr, "203.0.113.7");
	addr4(r.daddr, "192.0.2.100");
	r.sport = htons(443);
	r.dport = htons(xport);
	r.proto = k->proto;
	return bpf_map_lookup_elem(rev_fd, &r, &v) == 0;
}

static uint32_t
count(int fd)
{
	struct egr_tuple k, next;
	uint32_t n = 0;
	void *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		k = next;
		prev = &k;
		n++;
	}
	return n;
}

static int
setup(void **state)
{
	(void)state;
	ct_fd = bpf_map_create(BPF_MAP_TYPE_HASH, "egr_ct",
	    sizeof(struct egr_tuple), sizeof(struct egr_ct_val), 4096, NULL);
	rev_fd = bpf_map_create(BPF_MAP_TYPE_HASH, "egr_rev",
	    sizeof(struct egr_tuple), sizeof(struct egr_rev_val), 4096, NULL);
	if (ct_fd < 0 || rev_fd < 0)
		return -1;
	to.tcp_syn = 60;
	to.tcp_established = 7440;
	to.tcp_closing = 120;
	to.udp = 300;
	to.icmp = 30;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	close(ct_fd);
	close(rev_fd);
	return 0;
}

/* Expired connections lose both halves; live ones keep both. */
static void
test_gc_both_halves(void **state)
{
	struct egr_tuple est, syn_old, udp_old, udp_live, icmp_old, fin_old;
	struct egress_nat_gc_stats st;

	(void)state;
	conn_add(
	    &est, "10.0.1.1", 1000, 1000, 6, EGR_TCP_ESTABLISHED, 3600, 3600);
	conn_add(&syn_old, "10.0.1.2", 1000, 2000, 6, EGR_TCP_SYN_SENT, 61, 61);
	conn_add(&udp_old, "10.0.1.3", 1000, 3000, 17, 0, 301, 400);
	conn_add(&udp_live, "10.0.1.4", 1000, 4000, 17, 0, 299, 299);
	conn_add(&icmp_old, "10.0.1.5", 7, 7, 1, 0, 31, 31);
	conn_add(&fin_old, "10.0.1.6", 1000, 6000, 6, EGR_TCP_FIN, 121, 121);

	assert_int_equal(egress_nat_gc(ct_fd, rev_fd, &to, NOW, &st), 0);
	assert_int_equal(st.scanned, 6);
	assert_int_equal(st.expired, 4);
	assert_int_equal(st.live, 2);
	assert_int_equal(st.orphans, 0);
	assert_true(ct_has(&est) && rev_has(&est, 1000));
	assert_true(ct_has(&udp_live) && rev_has(&udp_live, 4000));
	assert_false(ct_has(&syn_old) || rev_has(&syn_old, 2000));
	assert_false(ct_has(&udp_old) || rev_has(&udp_old, 3000));
	assert_false(ct_has(&icmp_old) || rev_has(&icmp_old, 7));
	assert_false(ct_has(&fin_old) || rev_has(&fin_old, 6000));
	assert_int_equal(count(ct_fd), 2);
	assert_int_equal(count(rev_fd), 2);
}

/* Replies alone keep a connection: the later timestamp counts. */
static void
test_gc_reply_keeps(void **state)
{
	struct egr_tuple k;

	(void)state;
	conn_add(&k, "10.0.1.1", 1000, 1000, 17, 0, 1000, 10);
	assert_int_equal(egress_nat_gc(ct_fd, rev_fd, &to, NOW, NULL), 0);
	assert_true(ct_has(&k) && rev_has(&k, 1000));
	/* ... until they stop too. */
	assert_int_equal(
	    egress_nat_gc(ct_fd, rev_fd, &to, NOW + 291 * S, NULL), 0);
	assert_false(ct_has(&k) || rev_has(&k, 1000));
}

/*
 * An egr_rev entry without its egr_ct entry (interrupted delete, or the
 * datapath between its two inserts) goes once idle past the grace
 * period, not before.
 */
static void
test_gc_orphans(void **state)
{
	struct egress_nat_gc_stats st;
	struct egr_tuple a, b;

	(void)state;
	conn_add(&a, "10.0.1.1", 1000, 1000, 6, EGR_TCP_ESTABLISHED, 10, 10);
	conn_add(&b, "10.0.1.2", 1000, 2000, 6, EGR_TCP_ESTABLISHED, 0, 0);
	assert_int_equal(bpf_map_delete_elem(ct_fd, &a), 0);
	assert_int_equal(bpf_map_delete_elem(ct_fd, &b), 0);
	assert_int_equal(egress_nat_gc(ct_fd, rev_fd, &to, NOW, &st), 0);
	assert_int_equal(st.orphans, 1);
	assert_false(rev_has(&a, 1000));
	assert_true(rev_has(&b, 2000)); /* fresh: may be under creation */
	assert_int_equal(
	    egress_nat_gc(ct_fd, rev_fd, &to, NOW + 3 * S, &st), 0);
	assert_int_equal(st.orphans, 1);
	assert_false(rev_has(&b, 2000));
}

/* Many entries: deleting while walking must not skip or loop. */
static void
test_gc_many(void **state)
{
	struct egress_nat_gc_stats st;
	struct egr_tuple k;
	char pod[32];
	int i;

	(void)state;
	for (i = 0; i < 500; i++) {
		snprintf(pod, sizeof(pod), "10.0.%d.%d", i / 200, i % 200 + 1);
		conn_add(&k, pod, 1000, (uint16_t)(10000 + i), 17, 0,
		    i % 2 ? 10 : 1000, i % 2 ? 10 : 1000);
	}
	assert_int_equal(egress_nat_gc(ct_fd, rev_fd, &to, NOW, &st), 0);
	assert_int_equal(st.scanned, 500);
	assert_int_equal(st.expired, 250);
	assert_int_equal(count(ct_fd), 250);
	assert_int_equal(count(rev_fd), 250);
	/* Empty the table for the next test. */
	assert_int_equal(
	    egress_nat_gc(ct_fd, rev_fd, &to, NOW + 10000 * S, &st), 0);
	assert_int_equal(count(ct_fd), 0);
	assert_int_equal(count(rev_fd), 0);
}

/*
 * The daemon's collector: slices of a budget each, resumed where the
 * last stopped.  3000 connections at a budget of 512 take several steps
 * to walk; the walk's end says so, and the count of live connections is
 * the walk's, not the last step's.  A second walk starts over.
 */
static void
test_gc_steps(void **state)
{
	struct egress_nat_gc gc;
	struct egress_nat_gc_stats st;
	struct egr_tuple k;
	uint64_t scanned = 0, expired = 0;
	char pod[32];
	int i, r, steps = 0;

	(void)state;
	for (i = 0; i < 3000; i++) {
		snprintf(pod, sizeof(pod), "10.1.%d.%d", i / 250, i % 250 + 1);
		conn_add(&k, pod, 1000, (uint16_t)(10000 + i), 17, 0,
		    i % 3 ? 10 : 1000, i % 3 ? 10 : 1000);
	}
	memset(&gc, 0, sizeof(gc));
	do {
		r = egress_nat_gc_step(&gc, ct_fd, rev_fd, &to, NOW, 512, &st);
		assert_true(r >= 0);
		assert_true(st.scanned <= 512 + gc.cap);
		scanned += st.scanned;
		expired += st.expired;
		steps++;
	} while (r == 0 && steps < 100);
	assert_int_equal(r, 1);
	assert_true(steps >= 3);
	assert_int_equal(scanned, 3000);
	assert_int_equal(expired, 1000);
	assert_int_equal(gc.walks, 1);
	assert_int_equal(gc.live, 2000);
	/* conn_add leaves the policy id 0: every live one is counted there. */
	assert_int_equal(gc.live_per[0], 2000);
	assert_int_equal(gc.live_per[1], 0);
	assert_int_equal(gc.pass_per[0], 0);
	assert_int_equal(count(ct_fd), 2000);
	assert_int_equal(count(rev_fd), 2000);
	/* The next walk starts over and finds the 2000 left. */
	scanned = 0;
	do {
		r = egress_nat_gc_step(&gc, ct_fd, rev_fd, &to, NOW, 512, &st);
		scanned += st.scanned;
	} while (r == 0);
	assert_int_equal(r, 1);
	assert_int_equal(scanned, 2000);
	assert_int_equal(gc.walks, 2);
	assert_int_equal(gc.live, 2000);
	egress_nat_gc_free(&gc);
	assert_int_equal(
	    egress_nat_gc(ct_fd, rev_fd, &to, NOW + 10000 * S, NULL), 0);
	assert_int_equal(count(ct_fd), 0);
}

struct seen {
	int n, with_rev;
	uint64_t last_sum;
};

static int
collect(const struct egress_nat_entry *e, void *arg)
{
	struct seen *s = arg;

	s->n++;
	s->with_rev += e->has_rev;
	s->last_sum += (NOW - e->last) / S;
	return 0;
}

static int
stop_at_first(const struct egress_nat_entry *e, void *arg)
{
	(void)e;
	(*(int *)arg)++;
	return 42;
}

static void
test_foreach(void **state)
{
	struct seen s = { 0, 0, 0 };
	struct egr_tuple a, b;
	int calls = 0;

	(void)state;
	assert_int_equal(egress_nat_foreach(ct_fd, rev_fd, collect, &s), 0);
	assert_int_equal(s.n, 0);
	conn_add(&a, "10.0.1.1", 1000, 1000, 6, EGR_TCP_ESTABLISHED, 50, 5);
	conn_add(&b, "10.0.1.2", 1000, 2000, 17, 0, 7, 70);
	assert_int_equal(egress_nat_foreach(ct_fd, rev_fd, collect, &s), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.with_rev, 2);
	assert_int_equal(s.last_sum, 5 + 7); /* the later of the two */
	assert_int_equal(
	    egress_nat_foreach(ct_fd, rev_fd, stop_at_first, &calls), 42);
	assert_int_equal(calls, 1);
	assert_int_equal(
	    egress_nat_gc(ct_fd, rev_fd, &to, NOW + 10000 * S, NULL), 0);
}

static void
pin_seen(const struct egr_pin_key *k, const struct egr_pin_val *v, void *arg)
{
	uint32_t *n = arg;

	/* Only the pins used in the last 100 s are left. */
	assert_true(NOW - v->seen <= 100 * S);
	assert_int_equal(k->policy, 7);
	n[0]++;
	n[1] += v->endpoint[3] == htonl(0xc0000202);
}

/*
 * The pins' walk forgets the idle ones, over several batches, and hands
 * every other to the callback once.
 */
static void
test_pins_walk(void **state)
{
	struct egr_pin_key k;
	struct egr_pin_val v;
	uint64_t forgotten;
	uint32_t seen[2] = { 0, 0 };
	int fd, i;

	(void)state;
	fd = bpf_map_create(
	    BPF_MAP_TYPE_LRU_HASH, "egr_pin", sizeof(k), sizeof(v), 8192, NULL);
	assert_true(fd >= 0);
	for (i = 0; i < 3000; i++) {
		memset(&k, 0, sizeof(k));
		memset(&v, 0, sizeof(v));
		k.saddr[2] = k.daddr[2] = htonl(0xffff);
		k.saddr[3] = htonl(0x0af40000 + (uint32_t)i);
		k.daddr[3] = htonl(0xcb007100);
		k.policy = 7;
		v.endpoint[2] = htonl(0xffff);
		v.endpoint[3] = htonl(i % 2 ? 0xc0000202 : 0xc0000201);
		v.since = NOW - 5000 * S;
		/* A third idle for 200 s, the others used 1 s ago. */
		v.seen = i % 3 == 0 ? NOW - 200 * S : NOW - S;
		assert_int_equal(
		    bpf_map_update_elem(fd, &k, &v, BPF_NOEXIST), 0);
	}
	assert_int_equal(
	    egress_pins_walk(fd, NOW, 100 * S, pin_seen, seen, &forgotten), 0);
	assert_int_equal(forgotten, 1000);
	assert_int_equal(seen[0], 2000);
	assert_int_equal(seen[1], 1000);
	assert_int_equal(count(fd), 2000);
	/* Nothing more to forget; no callback is fine. */
	assert_int_equal(
	    egress_pins_walk(fd, NOW, 100 * S, NULL, NULL, &forgotten), 0);
	assert_int_equal(forgotten, 0);
	/* The idle time of a pin: the longest timeout, plus 10 s. */
	assert_int_equal(egress_pins_idle_ns(&to), (7440ULL + 10) * S);
	close(fd);
}

static void
test_timeouts(void **state)
{
	struct egress_nat_entry e;
	struct egress_timeouts d;

	(void)state;
	memset(&e, 0, sizeof(e));
	e.orig.proto = 6;
	e.ct.state = EGR_TCP_CLOSED;
	assert_int_equal(egress_nat_timeout_ns(&e, &to), 120 * S);
	e.ct.state = EGR_TCP_SYN_SENT;
	assert_int_equal(egress_nat_timeout_ns(&e, &to), 60 * S);
	e.orig.proto = 58;
	assert_int_equal(egress_nat_timeout_ns(&e, &to), 30 * S);
	/* A timestamp from the future is never idle. */
	e.last = NOW + S;
	assert_false(egress_nat_expired(&e, &to, NOW));
	egress_timeouts_default(&d);
	assert_true(d.tcp_established >= 7440); /* RFC 5382 REQ-5 */
	assert_true(d.udp >= 120);		/* RFC 4787 REQ-5 */
	assert_true(d.icmp >= 60);		/* RFC 5508 REQ-1 */
}

/* --- the state sync ------------------------------------------------------ */

static void
sync_rec(struct egress_sync_rec *r, uint8_t kind, uint16_t sport,
    uint16_t xport, uint8_t state, uint32_t idle_ms)
{
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->proto = 6;
	r->state = state;
	r->policy = egress_sync_policy_hash("pods");
	addr4(r->pod, "10.244.1.10");
	addr4(r->remote, "203.0.113.7");
	r->pod_port = htons(sport);
	r->remote_port = htons(443);
	addr4(r->egress, "192.0.2.100");
	r->xport = htons(xport);
	r->idle_ms = idle_ms;
}

static void
test_sync_wire(void **state)
{
	static const uint8_t key[] = "0123456789abcdef0123";
	uint8_t recs[2 * EGRESS_SYNC_REC_LEN], dg[EGRESS_SYNC_DGRAM_MAX];
	struct egress_sync_rec a, b;
	struct egress_sync_hdr h, g;
	enum egress_sync_err why;
	const uint8_t *got;
	size_t n;

	(void)state;
	sync_rec(&a, EGRESS_SYNC_OPEN, 40000, 40001, EGR_TCP_SYN_SENT, 7);
	egress_sync_rec_put(&a, recs);
	egress_sync_rec_get(recs, &b);
	assert_memory_equal(&a, &b, sizeof(a));
	sync_rec(&a, EGRESS_SYNC_CLOSE, 40002, 40003, EGR_TCP_FIN, 123456);
	egress_sync_rec_put(&a, recs + EGRESS_SYNC_REC_LEN);

	memset(&h, 0, sizeof(h));
	h.type = EGRESS_SYNC_DATA;
	h.count = 2;
	h.boot = 0x0102030405060708ULL;
	h.seq = 42;
	n = egress_sync_seal(&h, recs, key, 20, dg);
	assert_int_equal(n,
	    EGRESS_SYNC_HDR_LEN + 2 * EGRESS_SYNC_REC_LEN +
		EGRESS_SYNC_MAC_LEN);
	assert_int_equal(egress_sync_open(dg, n, key, 20, &g, &got, &why), 0);
	assert_int_equal(g.type, EGRESS_SYNC_DATA);
	assert_int_equal(g.count, 2);
	assert_true(g.boot == h.boot && g.seq == 42);
	egress_sync_rec_get(got + EGRESS_SYNC_REC_LEN, &b);
	assert_memory_equal(&a, &b, sizeof(a));
	/* Another key, a changed byte, a cut datagram. */
	assert_int_equal(egress_sync_open(dg, n, key, 19, &g, &got, &why), -1);
	assert_int_equal(why, EGRESS_SYNC_ERR_AUTH);
	dg[40] ^= 1;
	assert_int_equal(egress_sync_open(dg, n, key, 20, &g, &got, &why), -1);
	assert_int_equal(why, EGRESS_SYNC_ERR_AUTH);
	dg[40] ^= 1;
	assert_int_equal(
	    egress_sync_open(dg, n - 1, key, 20, &g, &got, &why), -1);
	assert_int_equal(why, EGRESS_SYNC_ERR_MALFORMED);
	dg[0] = 'X';
	assert_int_equal(egress_sync_open(dg, n, key, 20, &g, &got, &why), -1);
	assert_int_equal(why, EGRESS_SYNC_ERR_MALFORMED);
	/* An acknowledgement carries the sequence number it acknowledges. */
	memset(&h, 0, sizeof(h));
	h.type = EGRESS_SYNC_ACK;
	h.seq = 43;
	h.ack = 0x1122334455667788ULL;
	n = egress_sync_seal(&h, NULL, key, 20, dg);
	assert_int_equal(n, EGRESS_SYNC_HDR_LEN + 8 + EGRESS_SYNC_MAC_LEN);
	assert_int_equal(egress_sync_open(dg, n, key, 20, &g, &got, &why), 0);
	assert_true(g.type == EGRESS_SYNC_ACK && g.ack == h.ack);
	/* An ask with records is not one. */
	h.type = EGRESS_SYNC_ASK;
	h.count = 1;
	n = egress_sync_seal(&h, recs, key, 20, dg);
	assert_int_equal(egress_sync_open(dg, n, key, 20, &g, &got, &why), -1);
	assert_int_equal(why, EGRESS_SYNC_ERR_MALFORMED);
}

static void
sync_key(struct egr_tuple *k, uint16_t sport)
{
	memset(k, 0, sizeof(*k));
	addr4(k->saddr, "10.244.1.10");
	addr4(k->daddr, "203.0.113.7");
	k->sport = htons(sport);
	k->dport = htons(443);
	k->proto = 6;
}

static void
test_sync_apply(void **state)
{
	struct egress_sync_rec r;
	enum egress_sync_err why;
	struct egr_ct_val cv;
	struct egr_rev_val rv;
	struct egr_tuple k;

	(void)state;
	/* An open creates both halves, marked, with no packet seen here. */
	sync_rec(&r, EGRESS_SYNC_OPEN, 40000, 40000, EGR_TCP_SYN_SENT, 2000);
	assert_int_equal(egress_sync_apply(ct_fd, rev_fd, &r, 3, NOW, &why), 1);
	sync_key(&k, 40000);
	assert_int_equal(bpf_map_lookup_elem(ct_fd, &k, &cv), 0);
	assert_int_equal(cv.policy, 3);
	assert_int_equal(cv.state, EGR_TCP_SYN_SENT);
	assert_int_equal(cv.flags, EGR_CT_F_SYNC | EGR_CT_F_SYNCED);
	assert_true(cv.seen == 0);
	assert_true(rev_has(&k, 40000));
	assert_int_equal(bpf_map_lookup_elem(rev_fd, &cv.rev, &rv), 0);
	assert_int_equal(rv.peer_seen, (uint32_t)((NOW - 2 * S) / S));
	/* The peer's activity keeps the copy alive; the GC sees it. */
	assert_int_equal(egress_nat_gc(ct_fd, rev_fd, &to, NOW, NULL), 0);
	assert_true(ct_has(&k));
	/* A state further on is taken; one behind is not. */
	sync_rec(&r, EGRESS_SYNC_STATE, 40000, 40000, EGR_TCP_ESTABLISHED, 0);
	assert_int_equal(egress_sync_apply(ct_fd, rev_fd, &r, 3, NOW, &why), 0);
	sync_rec(&r, EGRESS_SYNC_REFRESH, 40000, 40000, EGR_TCP_SYN_SENT, 0);
	assert_int_equal(egress_sync_apply(ct_fd, rev_fd, &r, 3, NOW, &why), 0);
	assert_int_equal(bpf_map_lookup_elem(ct_fd, &k, &cv), 0);
	assert_int_equal(cv.state, EGR_TCP_ESTABLISHED);
	assert_int_equal(bpf_map_lookup_elem(rev_fd, &cv.rev, &rv), 0);
	assert_int_equal(rv.peer_seen, (uint32_t)(NOW / S));
	/* The same connection with another translation: refused. */
	sync_rec(&r, EGRESS_SYNC_REFRESH, 40000, 40001, EGR_TCP_ESTABLISHED, 0);
	why = EGRESS_SYNC_ERR_MAX;
	assert_int_equal(
	    egress_sync_apply(ct_fd, rev_fd, &r, 3, NOW, &why), -1);
	assert_int_equal(why, EGRESS_SYNC_ERR_COLLISION);
	/* Another connection on a reply tuple that is taken: refused. */
	sync_rec(&r, EGRESS_SYNC_OPEN, 40005, 40000, EGR_TCP_SYN_SENT, 0);
	why = EGRESS_SYNC_ERR_MAX;
	assert_int_equal(
	    egress_sync_apply(ct_fd, rev_fd, &r, 3, NOW, &why), -1);
	assert_int_equal(why, EGRESS_SYNC_ERR_COLLISION);
	sync_key(&k, 40005);
	assert_false(ct_has(&k));
	/* A close deletes a copy not used here since the sender last did. */
	sync_rec(&r, EGRESS_SYNC_CLOSE, 40000, 40000, EGR_TCP_FIN, 0);
	assert_int_equal(egress_sync_apply(ct_fd, rev_fd, &r, 3, NOW, &why), 0);
	sync_key(&k, 40000);
	assert_false(ct_has(&k));
	assert_false(rev_has(&k, 40000));
	/* But not one this host translated later (it took the flow over). */
	conn_add(&k, "10.244.1.10", 40010, 40010, 6, EGR_TCP_ESTABLISHED, 0, 0);
	sync_rec(
	    &r, EGRESS_SYNC_CLOSE, 40010, 40010, EGR_TCP_ESTABLISHED, 10000);
	addr4(r.remote, "203.0.113.7");
	assert_int_equal(egress_sync_apply(ct_fd, rev_fd, &r, 3, NOW, &why), 0);
	assert_true(ct_has(&k));
	/* A close of nothing is nothing. */
	sync_rec(&r, EGRESS_SYNC_CLOSE, 40020, 40020, EGR_TCP_FIN, 0);
	assert_int_equal(egress_sync_apply(ct_fd, rev_fd, &r, 3, NOW, &why), 0);
	/* Nor is a dump's end, or a kind this version does not know, even
	 * with a tuple in it. */
	sync_rec(&r, EGRESS_SYNC_END, 40030, 40030, EGR_TCP_SYN_SENT, 0);
	assert_int_equal(egress_sync_apply(ct_fd, rev_fd, &r, 3, NOW, &why), 0);
	sync_rec(&r, 9, 40030, 40030, EGR_TCP_SYN_SENT, 0);
	assert_int_equal(egress_sync_apply(ct_fd, rev_fd, &r, 3, NOW, &why), 0);
	sync_key(&k, 40030);
	assert_false(ct_has(&k));
	assert_false(rev_has(&k, 40030));
}

/* Which datagrams are new after the last one accepted from a peer. */
static void
test_sync_fresh(void **state)
{
	const uint64_t b = 1000000000000000000ULL;

	(void)state;
	assert_true(egress_sync_fresh(b, 7, 0.1, b, 8));
	assert_true(egress_sync_fresh(b, 7, 0.1, b, 100)); /* a gap: asked */
	assert_false(egress_sync_fresh(b, 7, 0.1, b, 7));
	assert_false(egress_sync_fresh(b, 7, 0.1, b, 1));
	/* A later run starts again at 1. */
	assert_true(egress_sync_fresh(b, 7, 0.1, b + 1, 1));
	/* An earlier run's datagrams are replays, even after a silence of
	 * a few seconds ... */
	assert_false(egress_sync_fresh(b, 7, 0.1, b - 1, 9));
	assert_false(
	    egress_sync_fresh(b, 7, EGRESS_SYNC_REBOOT_S - 1, b - 1, 9));
	/* ... but after EGRESS_SYNC_REBOOT_S a peer whose clock went back
	 * is taken again. */
	assert_true(egress_sync_fresh(b, 7, EGRESS_SYNC_REBOOT_S, b - 1, 1));
}

/* The ones' complement sum of a held frame's segment checks. */
static void
test_sync_csum(void **state)
{
	uint8_t f[14 + 20 + 20 + 4];
	uint32_t sum = 0;
	size_t i;

	(void)state;
	memset(f, 0, sizeof(f));
	f[12] = 0x08;
	f[14] = 0x45;
	f[14 + 3] = 44; /* total length */
	f[14 + 9] = 6;
	f[14 + 12] = 203, f[14 + 13] = 0, f[14 + 14] = 113, f[14 + 15] = 200;
	f[14 + 16] = 203, f[14 + 17] = 0, f[14 + 18] = 113, f[14 + 19] = 7;
	f[34] = 0x9c, f[35] = 0x40; /* 40000 -> 443 */
	f[36] = 0x01, f[37] = 0xbb;
	f[34 + 12] = 0x50;
	f[34 + 13] = 0x02;		      /* SYN */
	f[34 + 16] = 0x12, f[34 + 17] = 0x34; /* a partial sum, say */
	f[54] = 0xde, f[55] = 0xad, f[56] = 0xbe, f[57] = 0xef;
	egress_sync_csum(f, sizeof(f));
	for (i = 26; i < 34; i += 2) /* addresses */
		sum += (uint32_t)(f[i] << 8 | f[i + 1]);
	sum += 6 + 24;
	for (i = 34; i < sizeof(f); i += 2)
		sum += (uint32_t)(f[i] << 8 | f[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	assert_int_equal(sum, 0xffff);
	/* Not IP: untouched. */
	f[12] = 0x08, f[13] = 0x06;
	f[34 + 16] = 0x12, f[34 + 17] = 0x34;
	egress_sync_csum(f, sizeof(f));
	assert_int_equal(f[34 + 16], 0x12);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_gc_both_halves, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_gc_reply_keeps, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_gc_orphans, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gc_many, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gc_steps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreach, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeouts, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_pins_walk, setup, teardown),
		cmocka_unit_test(test_sync_wire),
		cmocka_unit_test_setup_teardown(
		    test_sync_apply, setup, teardown),
		cmocka_unit_test(test_sync_csum),
		cmocka_unit_test(test_sync_fresh),
	};
	int fd;

	fd = bpf_map_create(BPF_MAP_TYPE_HASH, "egr_probe", 4, 4, 1, NULL);
	if (fd < 0 && (errno == EPERM || errno == EACCES)) {
		fprintf(stderr,
		    "test_egress_nat: SKIP: no privilege to create "
		    "BPF maps (needs root or CAP_BPF)\n");
		return 77;
	}
	if (fd < 0) {
		fprintf(stderr, "test_egress_nat: bpf_map_create: %s\n",
		    strerror(errno));
		return 1;
	}
	close(fd);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
