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
 * up.  Walks take the next key before deleting the current one, so a
 * delete never restarts the iteration.  Entries may vanish between the
 * key and the lookup (the datapath undoing a lost race): ENOENT is not
 * an error anywhere here.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>

#include "egress_nat.h"
#include "log.h"

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

/*
 * The key after cur (the first if cur is NULL) into next.  Returns 1, 0
 * at the end, -1 on error.
 */
static int
egress_nat_next(int fd, const void *cur, void *next)
{
	if (bpf_map_get_next_key(fd, cur, next) == 0)
		return 1;
	return errno == ENOENT ? 0 : -1;
}

/*
 * Read the connection whose egr_ct key is k.  Returns 1 if found, 0 if
 * it vanished, -1 on error.
 */
static int
egress_nat_read(int ct_fd, int rev_fd, const struct egr_tuple *k,
    struct egress_nat_entry *e)
{
	struct egr_rev_val rv;

	memset(e, 0, sizeof(*e));
	e->orig = *k;
	if (bpf_map_lookup_elem(ct_fd, k, &e->ct) != 0)
		return errno == ENOENT ? 0 : -1;
	if (bpf_map_lookup_elem(rev_fd, &e->ct.rev, &rv) == 0) {
		if (memcmp(&rv.orig, k, sizeof(*k)) == 0) {
			e->has_rev = 1;
			e->rev_seen = rv.seen;
		}
	} else if (errno != ENOENT) {
		return -1;
	}
	e->last = e->ct.seen > e->rev_seen ? e->ct.seen : e->rev_seen;
	return 1;
}

int
egress_nat_foreach(int ct_fd, int rev_fd,
    int (*cb)(const struct egress_nat_entry *, void *), void *arg)
{
	struct egr_tuple cur, next;
	struct egress_nat_entry e;
	int more, r;

	more = egress_nat_next(ct_fd, NULL, &cur);
	while (more > 0) {
		more = egress_nat_next(ct_fd, &cur, &next);
		r = egress_nat_read(ct_fd, rev_fd, &cur, &e);
		if (r < 0)
			return -1;
		if (r > 0 && (r = cb(&e, arg)) != 0)
			return r;
		cur = next;
	}
	return more;
}

/* Delete k from fd; a key already gone is fine. */
static int
egress_nat_delete(int fd, const void *k)
{
	if (bpf_map_delete_elem(fd, k) == 0 || errno == ENOENT)
		return 0;
	return -1;
}

/* The egr_ct walk: expired connections, both halves. */
static int
egress_nat_gc_ct(int ct_fd, int rev_fd, const struct egress_timeouts *to,
    uint64_t now, struct egress_nat_gc_stats *st)
{
	struct egr_tuple cur, next;
	struct egress_nat_entry e;
	int more, r;

	more = egress_nat_next(ct_fd, NULL, &cur);
	while (more > 0) {
		more = egress_nat_next(ct_fd, &cur, &next);
		r = egress_nat_read(ct_fd, rev_fd, &cur, &e);
		if (r < 0)
			return -1;
		if (r > 0) {
			st->scanned++;
			if (!egress_nat_expired(&e, to, now)) {
				st->live++;
			} else {
				/* egr_ct first: see egress_nat.h. */
				if (egress_nat_delete(ct_fd, &cur) == -1)
					return -1;
				if (e.has_rev &&
				    egress_nat_delete(rev_fd, &e.ct.rev) == -1)
					return -1;
				st->expired++;
			}
		}
		cur = next;
	}
	return more;
}

/* The egr_rev walk: reservations no connection owns. */
static int
egress_nat_gc_rev(
    int ct_fd, int rev_fd, uint64_t now, struct egress_nat_gc_stats *st)
{
	struct egr_tuple cur, next;
	struct egr_rev_val rv;
	struct egr_ct_val cv;
	int more, owned;

	more = egress_nat_next(rev_fd, NULL, &cur);
	while (more > 0) {
		more = egress_nat_next(rev_fd, &cur, &next);
		if (bpf_map_lookup_elem(rev_fd, &cur, &rv) != 0) {
			if (errno != ENOENT)
				return -1;
			cur = next;
			continue;
		}
		if (bpf_map_lookup_elem(ct_fd, &rv.orig, &cv) == 0)
			owned = memcmp(&cv.rev, &cur, sizeof(cur)) == 0;
		else if (errno == ENOENT)
			owned = 0;
		else
			return -1;
		if (!owned && rv.seen < now &&
		    now - rv.seen > EGRESS_NAT_ORPHAN_GRACE_NS) {
			if (egress_nat_delete(rev_fd, &cur) == -1)
				return -1;
			st->orphans++;
		}
		cur = next;
	}
	return more;
}

int
egress_nat_gc(int ct_fd, int rev_fd, const struct egress_timeouts *to,
    uint64_t now, struct egress_nat_gc_stats *st)
{
	struct egress_nat_gc_stats local;

	if (st == NULL)
		st = &local;
	memset(st, 0, sizeof(*st));
	if (egress_nat_gc_ct(ct_fd, rev_fd, to, now, st) == -1 ||
	    egress_nat_gc_rev(ct_fd, rev_fd, now, st) == -1) {
		log_warn(
		    "egress nat gc: map operation failed: %s", strerror(errno));
		return -1;
	}
	return 0;
}

uint64_t
egress_nat_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
}
