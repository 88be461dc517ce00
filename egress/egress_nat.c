// SPDX-License-Identifier: BSD-2-Clause
/*
 * Egress NAT table garbage collection and reading (egress_nat.h).
 *
 * The datapath never deletes a live connection and the maps are not LRU,
 * so expiry is ours: a walk over egr_ct that deletes, per expired
 * connection, the egr_ct entry and then the egr_rev entry it names, and
 * a walk over egr_rev for orphans.  Timeouts follow RFC 5382 section 5
 * (TCP: established at least 2 h 4 min, transitory at least 4 min, both
 * configurable), RFC 4787 section 4.3 (UDP) and RFC 5508 section 3.2
 * (ICMP query mappings); the values come from the config.
 *
 * A connection's last activity is the later of its two timestamps: the
 * egr_ct entry records the last packet from the pod, the egr_rev entry
 * the last reply, because each direction writes only the entry it looked
 * up.  Walks read the maps in batches of whole hash buckets
 * (BPF_MAP_LOOKUP_BATCH, resumed from the bucket it stopped at) and
 * delete what a batch expired before reading the next, so a delete never
 * disturbs the iteration; an entry inserted meanwhile into a bucket
 * already passed is seen by the next walk.  Entries may vanish between
 * the batch and a lookup (the datapath undoing a lost race): ENOENT is
 * not an error anywhere here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>

#include "egress_nat.h"
#include "log.h"
#include "xalloc.h"

#define NS 1000000000ULL

void
egress_timeouts_default(struct egress_timeouts *to)
{
	to->tcp_syn = 240;	    /* RFC 5382 REQ-5: transitory >= 4 min */
	to->tcp_established = 7440; /* RFC 5382 REQ-5: >= 2 h 4 min */
	to->tcp_closing = 240;
	to->udp = 300; /* RFC 4787 REQ-5: >= 2 min, 5 min recommended */
	to->icmp = 60; /* RFC 5508 REQ-1: >= 60 s */
}

uint64_t
egress_nat_timeout_ns(
    const struct egress_nat_entry *e, const struct egress_timeouts *to)
{
	uint32_t s;

	switch (e->orig.proto) {
	case 6: /* IPPROTO_TCP */
		switch (e->ct.state) {
		case EGR_TCP_SYN_SENT:
			s = to->tcp_syn;
			break;
		case EGR_TCP_FIN:
		case EGR_TCP_CLOSED:
			s = to->tcp_closing;
			break;
		default:
			s = to->tcp_established;
			break;
		}
		break;
	case 17: /* IPPROTO_UDP */
		s = to->udp;
		break;
	default: /* ICMP, ICMPv6 echo */
		s = to->icmp;
		break;
	}
	return (uint64_t)s * NS;
}

int
egress_nat_expired(const struct egress_nat_entry *e,
    const struct egress_timeouts *to, uint64_t now)
{
	/* A timestamp ahead of now (another clock?) is not idle. */
	if (e->last >= now)
		return 0;
	return now - e->last > egress_nat_timeout_ns(e, to);
}

#define NAT_BATCH     512   /* entries per batch to begin with */
#define NAT_BATCH_MAX 65536 /* a hash bucket never holds more */

#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* Batch buffers for cap entries of either map; 0 or -1 (ENOMEM). */
static int
nat_bufs(struct egress_nat_gc *gc, uint32_t cap)
{
	size_t vsz = MAX(sizeof(struct egr_ct_val), sizeof(struct egr_rev_val));
	void *k, *v, *d;

	k = malloc(cap * sizeof(struct egr_tuple));
	v = malloc(cap * vsz);
	d = malloc(2 * (size_t)cap * sizeof(struct egr_tuple));
	if (k == NULL || v == NULL || d == NULL) {
		free(k);
		free(v);
		free(d);
		errno = ENOMEM;
		return -1;
	}
	free(gc->keys);
	free(gc->vals);
	free(gc->dels);
	gc->keys = k;
	gc->vals = v;
	gc->dels = d;
	gc->cap = cap;
	return 0;
}

void
egress_nat_gc_free(struct egress_nat_gc *gc)
{
	free(gc->keys);
	free(gc->vals);
	free(gc->dels);
	gc->keys = gc->vals = gc->dels = NULL;
	gc->cap = 0;
	free(gc->pass_per);
	free(gc->live_per);
	gc->pass_per = gc->live_per = NULL;
}

/*
 * The next batch of the walk over fd that *token and *going describe:
 * up to gc->cap (key, value) pairs into gc->keys and gc->vals, their
 * number into *n.  Returns 1 if the walk goes on after them, 0 if they
 * were its last (the next call starts it again), -1 on error.  A hash
 * bucket with more entries than the buffers hold (ENOSPC) makes them
 * larger.
 */
static int
nat_batch(
    struct egress_nat_gc *gc, int fd, uint32_t *token, int *going, uint32_t *n)
{
	uint32_t next;

	if (gc->cap == 0 && nat_bufs(gc, NAT_BATCH) == -1)
		return -1;
	for (;;) {
		*n = gc->cap;
		if (bpf_map_lookup_batch(fd, *going ? token : NULL, &next,
			gc->keys, gc->vals, n, NULL) == 0) {
			*token = next;
			*going = 1;
			return 1;
		}
		if (errno == ENOENT) {
			*going = 0;
			return 0;
		}
		if (errno == ENOSPC && gc->cap < NAT_BATCH_MAX &&
		    nat_bufs(gc, gc->cap * 2) == 0)
			continue;
		*going = 0;
		return -1;
	}
}

/* Delete n keys from fd, in order; a key already gone is skipped. */
static int
nat_delete(int fd, const struct egr_tuple *keys, uint32_t n)
{
	uint32_t done = 0, c;

	while (done < n) {
		c = n - done;
		if (bpf_map_delete_batch(fd, keys + done, &c, NULL) == 0)
			return 0;
		if (errno != ENOENT)
			return -1;
		done += c + 1; /* c deleted, then one that was gone */
	}
	return 0;
}

/*
 * Complete e (orig and ct filled in) with its egr_rev half, if that
 * exists and points back.  0, or -1 on a map error.
 */
static int
nat_rev_half(int rev_fd, struct egress_nat_entry *e)
{
	struct egr_rev_val rv;

	e->has_rev = 0;
	e->rev_seen = 0;
	e->peer_seen = 0;
	e->last = e->ct.seen;
	if (bpf_map_lookup_elem(rev_fd, &e->ct.rev, &rv) != 0)
		return errno == ENOENT ? 0 : -1;
	if (memcmp(&rv.orig, &e->orig, sizeof(e->orig)) == 0) {
		e->has_rev = 1;
		e->rev_seen = rv.seen;
		e->peer_seen = (uint64_t)rv.peer_seen * NS;
		e->last = MAX(MAX(e->ct.seen, rv.seen), e->peer_seen);
	}
	return 0;
}

static void
nat_entry(struct egress_nat_entry *e, const struct egr_tuple *k,
    const struct egr_ct_val *v)
{
	memset(e, 0, sizeof(*e));
	e->orig = *k;
	e->ct = *v;
	e->last = v->seen;
}

int
egress_nat_foreach(int ct_fd, int rev_fd,
    int (*cb)(const struct egress_nat_entry *, void *), void *arg)
{
	struct egress_nat_gc w;
	struct egress_nat_entry e;
	uint32_t i, n;
	int more, r = 0;

	memset(&w, 0, sizeof(w));
	do {
		if ((more = nat_batch(
			 &w, ct_fd, &w.ct_token, &w.ct_going, &n)) == -1) {
			r = -1;
			break;
		}
		for (i = 0; i < n && r == 0; i++) {
			nat_entry(&e, (struct egr_tuple *)w.keys + i,
			    (struct egr_ct_val *)w.vals + i);
			if (nat_rev_half(rev_fd, &e) == -1)
				r = -1;
			else
				r = cb(&e, arg);
		}
	} while (more > 0 && r == 0);
	egress_nat_gc_free(&w);
	return r;
}

int
egress_nat_read_step(struct egress_nat_gc *w, int ct_fd, int rev_fd,
    uint32_t budget, void (*cb)(const struct egress_nat_entry *, void *),
    void *arg)
{
	struct egress_nat_entry e;
	uint32_t walked = 0, i, n;
	int more;

	do {
		more = nat_batch(w, ct_fd, &w->ct_token, &w->ct_going, &n);
		if (more == -1)
			return -1;
		for (i = 0; i < n; i++) {
			nat_entry(&e, (struct egr_tuple *)w->keys + i,
			    (struct egr_ct_val *)w->vals + i);
			if (nat_rev_half(rev_fd, &e) == -1)
				return -1;
			cb(&e, arg);
		}
		walked += n;
	} while (more > 0 && walked < budget);
	return more == 0;
}

/*
 * The egr_ct walk for about budget entries: expired connections, both
 * halves.  Only an entry idle past its timeout by its own timestamp can
 * be expired, so only those cost a lookup of their egr_rev half (the
 * reply direction may have kept them alive).  1 at the walk's end, 0
 * before it, -1 on error.
 */
static int
gc_ct(struct egress_nat_gc *gc, int ct_fd, int rev_fd,
    const struct egress_timeouts *to, uint64_t now, uint32_t budget,
    struct egress_nat_gc_stats *st)
{
	struct egress_nat_entry e;
	struct egr_tuple *dct, *drev;
	uint32_t walked = 0, i, n, nct, nrev;
	int more;

	do {
		more = nat_batch(gc, ct_fd, &gc->ct_token, &gc->ct_going, &n);
		if (more == -1)
			return -1;
		dct = gc->dels;
		drev = dct + gc->cap;
		nct = nrev = 0;
		for (i = 0; i < n; i++) {
			nat_entry(&e, (struct egr_tuple *)gc->keys + i,
			    (struct egr_ct_val *)gc->vals + i);
			st->scanned++;
			if (egress_nat_expired(&e, to, now) &&
			    nat_rev_half(rev_fd, &e) == -1)
				return -1;
			if (!egress_nat_expired(&e, to, now)) {
				st->live++;
				if (e.ct.policy < EGR_POLICY_MAX)
					gc->pass_per[e.ct.policy]++;
				if ((e.ct.flags & EGR_CT_F_SYNC) &&
				    gc->hooks != NULL && gc->hooks->live)
					gc->hooks->live(&e, gc->hooks->arg);
				continue;
			}
			if ((e.ct.flags & EGR_CT_F_SYNC) && gc->hooks != NULL &&
			    gc->hooks->expired)
				gc->hooks->expired(&e, gc->hooks->arg);
			dct[nct++] = e.orig;
			if (e.has_rev)
				drev[nrev++] = e.ct.rev;
			st->expired++;
		}
		/* egr_ct first: see egress_nat.h. */
		if (nat_delete(ct_fd, dct, nct) == -1 ||
		    nat_delete(rev_fd, drev, nrev) == -1)
			return -1;
		walked += n;
	} while (more > 0 && walked < budget);
	return more == 0;
}

/*
 * The egr_rev walk for about budget entries: reservations no connection
 * owns.  An entry that saw a reply within the grace period is kept
 * without a look at its egr_ct half.
 */
static int
gc_rev(struct egress_nat_gc *gc, int ct_fd, int rev_fd, uint64_t now,
    uint32_t budget, struct egress_nat_gc_stats *st)
{
	const struct egr_tuple *k;
	const struct egr_rev_val *rv;
	struct egr_ct_val cv;
	struct egr_tuple *del;
	uint32_t walked = 0, i, n, nd;
	int more, owned;

	do {
		more =
		    nat_batch(gc, rev_fd, &gc->rev_token, &gc->rev_going, &n);
		if (more == -1)
			return -1;
		del = gc->dels;
		nd = 0;
		for (i = 0; i < n; i++) {
			k = (struct egr_tuple *)gc->keys + i;
			rv = (struct egr_rev_val *)gc->vals + i;
			if (rv->seen >= now ||
			    now - rv->seen <= EGRESS_NAT_ORPHAN_GRACE_NS)
				continue;
			if (bpf_map_lookup_elem(ct_fd, &rv->orig, &cv) == 0)
				owned = memcmp(&cv.rev, k, sizeof(*k)) == 0;
			else if (errno == ENOENT)
				owned = 0;
			else
				return -1;
			if (!owned) {
				del[nd++] = *k;
				st->orphans++;
			}
		}
		if (nat_delete(rev_fd, del, nd) == -1)
			return -1;
		walked += n;
	} while (more > 0 && walked < budget);
	return more == 0;
}

int
egress_nat_gc_step(struct egress_nat_gc *gc, int ct_fd, int rev_fd,
    const struct egress_timeouts *to, uint64_t now, uint32_t budget,
    struct egress_nat_gc_stats *st)
{
	struct egress_nat_gc_stats local;
	int done;

	if (st == NULL)
		st = &local;
	memset(st, 0, sizeof(*st));
	if (gc->pass_per == NULL) {
		gc->pass_per = xcalloc(EGR_POLICY_MAX, sizeof(*gc->pass_per));
		gc->live_per = xcalloc(EGR_POLICY_MAX, sizeof(*gc->live_per));
	}
	if ((done = gc_ct(gc, ct_fd, rev_fd, to, now, budget, st)) == -1 ||
	    gc_rev(gc, ct_fd, rev_fd, now, budget, st) == -1) {
		gc->ct_going = gc->rev_going = 0;
		memset(&gc->pass, 0, sizeof(gc->pass));
		memset(gc->pass_per, 0, EGR_POLICY_MAX * sizeof(*gc->pass_per));
		return -1;
	}
	gc->pass.scanned += st->scanned;
	gc->pass.expired += st->expired;
	gc->pass.orphans += st->orphans;
	gc->pass.live += st->live;
	if (done) {
		uint64_t *t = gc->live_per;

		gc->live = gc->pass.live;
		gc->live_per = gc->pass_per;
		gc->pass_per = t;
		memset(gc->pass_per, 0, EGR_POLICY_MAX * sizeof(*gc->pass_per));
		gc->walks++;
		memset(&gc->pass, 0, sizeof(gc->pass));
	}
	return done;
}

int
egress_nat_gc(int ct_fd, int rev_fd, const struct egress_timeouts *to,
    uint64_t now, struct egress_nat_gc_stats *st)
{
	struct egress_nat_gc gc;
	int r;

	memset(&gc, 0, sizeof(gc));
	r = egress_nat_gc_step(&gc, ct_fd, rev_fd, to, now, UINT32_MAX, st);
	egress_nat_gc_free(&gc);
	if (r == -1) {
		log_warn(
		    "egress nat gc: map operation failed: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* --- pins --------------------------------------------------------------- */

#define PIN_BATCH 1024

uint64_t
egress_pins_idle_ns(const struct egress_timeouts *to)
{
	uint32_t m = to->tcp_syn;

	m = MAX(m, to->tcp_established);
	m = MAX(m, to->tcp_closing);
	m = MAX(m, to->udp);
	m = MAX(m, to->icmp);
	return ((uint64_t)m + 10) * 1000000000ULL;
}

int
egress_pins_walk(int fd, uint64_t now, uint64_t idle_ns,
    void (*cb)(const struct egr_pin_key *, const struct egr_pin_val *, void *),
    void *arg, uint64_t *forgotten)
{
	struct egr_pin_key *keys;
	struct egr_pin_val *vals;
	uint32_t cap = PIN_BATCH, token = 0, next, n, i;
	int going = 0, last = 0, r = 0;

	*forgotten = 0;
	keys = xcalloc(cap, sizeof(*keys));
	vals = xcalloc(cap, sizeof(*vals));
	while (!last) {
		n = cap;
		if (bpf_map_lookup_batch(fd, going ? &token : NULL, &next, keys,
			vals, &n, NULL) != 0) {
			if (errno == ENOSPC && cap < NAT_BATCH_MAX) {
				/* A bucket larger than the buffers. */
				cap *= 2;
				keys = xreallocarray(keys, cap, sizeof(*keys));
				vals = xreallocarray(vals, cap, sizeof(*vals));
				continue;
			}
			if (errno != ENOENT) {
				r = -1;
				break;
			}
			last = 1; /* the last batch: n entries, then the end */
		}
		token = next;
		going = 1;
		for (i = 0; i < n; i++) {
			if (vals[i].seen < now &&
			    now - vals[i].seen > idle_ns) {
				if (bpf_map_delete_elem(fd, &keys[i]) == 0)
					(*forgotten)++;
				else if (errno != ENOENT) {
					r = -1;
					break;
				}
				continue;
			}
			if (cb != NULL)
				cb(&keys[i], &vals[i], arg);
		}
		if (r == -1)
			break;
	}
	free(keys);
	free(vals);
	return r;
}

uint64_t
egress_nat_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
}
