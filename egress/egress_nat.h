/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The egress NAT table seen from user space: garbage collection and a
 * reader, over the fds of the egr_ct and egr_rev maps (bpf/egress.h).
 * Pure functions of (map fds, timeouts, the time now): no daemon state,
 * no clock of their own, so the unit test drives them with made-up
 * timestamps and the daemon with CLOCK_MONOTONIC.  The datapath stamps
 * entries with bpf_ktime_get_coarse_ns() (CLOCK_MONOTONIC_COARSE: the
 * same clock, behind by at most a tick, and much cheaper to read on the
 * packet path), so an entry looks idle at most a tick longer than it is.
 *
 * Only egress_nat_gc() deletes connections, always both halves: the
 * egr_ct entry first, so that a connection whose port reservation is
 * still visible can no longer be used, then its egr_rev entry.  Why the
 * table is shaped so: docs/design.md, "Egress datapath".
 */
#ifndef FERRY_EGRESS_NAT_H
#define FERRY_EGRESS_NAT_H

#include <stdint.h>

#include "egress.h"

/*
 * Idle timeouts in seconds, by what the connection is: TCP before the
 * remote's SYN+ACK, established, closing (FIN or RST seen); UDP; ICMP
 * echo.  The fields match the config's egress.nat.timeouts.
 */
struct egress_timeouts {
	uint32_t tcp_syn;
	uint32_t tcp_established;
	uint32_t tcp_closing;
	uint32_t udp;
	uint32_t icmp;
};

/*
 * An egr_rev entry whose egr_ct entry is missing or names another port
 * is an orphan: a connection being created right now (the window
 * between the two inserts), or one whose deletion was interrupted.  It
 * is deleted once idle for this long.
 */
#define EGRESS_NAT_ORPHAN_GRACE_NS (2ULL * 1000000000ULL)

struct egress_nat_gc_stats {
	uint64_t scanned; /* egr_ct entries looked at */
	uint64_t expired; /* connections deleted (both halves) */
	uint64_t orphans; /* egr_rev entries without their egr_ct entry */
	uint64_t live;	  /* connections kept */
};

/* One connection as the reader reports it. */
struct egress_nat_entry {
	struct egr_tuple orig; /* egr_ct key: pod -> remote */
	struct egr_ct_val ct;  /* ct.rev: the reply tuple */
	uint64_t rev_seen;     /* last reply; 0 if no egr_rev entry */
	int has_rev;	       /* the egr_rev half exists and points back */
	uint64_t peer_seen;    /* rev.peer_seen in ns; 0 if none */
	uint64_t last;	       /* max(ct.seen, rev_seen, peer_seen) */
};

/*
 * What the collector tells the state sync (egress_sync.c) about the
 * connections of synchronised policies (EGR_CT_F_SYNC): live, each one
 * it keeps (only ct.seen is read then, has_rev is 0), and expired, each
 * one it is about to delete (both halves read).
 */
struct egress_nat_hooks {
	void (*live)(const struct egress_nat_entry *, void *arg);
	void (*expired)(const struct egress_nat_entry *, void *arg);
	void *arg;
};

void egress_timeouts_default(struct egress_timeouts *);

/* The idle timeout of e in nanoseconds. */
uint64_t egress_nat_timeout_ns(
    const struct egress_nat_entry *, const struct egress_timeouts *);

/* Has e been idle longer than its timeout at now (ns)? */
int egress_nat_expired(const struct egress_nat_entry *,
    const struct egress_timeouts *, uint64_t now);

/*
 * The collector as the daemon runs it: two walks, one over egr_ct
 * (expired connections) and one over egr_rev (orphans), each taken a
 * slice at a time and resumed on the next call, so that a tick costs at
 * most a budget of entries however large the table (at a million
 * connections a whole walk in one tick would hold the event loop, and
 * BGP and BFD with it, for seconds).  Entries are read in batches
 * (BPF_MAP_LOOKUP_BATCH) and deleted in batches; only connections idle
 * past their timeout by their egr_ct half, and egr_rev entries idle
 * past the grace period, cost a lookup of the other half.
 *
 * Zero-initialise; egress_nat_gc_free() releases the buffers.
 */
struct egress_nat_gc {
	uint32_t ct_token, rev_token;	 /* where each walk goes on */
	int ct_going, rev_going;	 /* a walk is under way */
	struct egress_nat_gc_stats pass; /* of the egr_ct walk under way */
	uint64_t walks;			 /* egr_ct walks completed */
	uint64_t live;			 /* connections at the last one */
	/* The same per policy id (EGR_POLICY_MAX each; NULL before any). */
	uint64_t *pass_per, *live_per;
	void *keys, *vals, *dels; /* batch buffers of cap entries */
	uint32_t cap;
	const struct egress_nat_hooks *hooks; /* NULL: none */
};

/*
 * A resumable read of egr_ct, budget entries at a time, calling cb for
 * each connection (egr_rev half read too).  w is zero-initialised like a
 * collector and freed with egress_nat_gc_free.  1 when the walk reached
 * the end (the next call starts again), 0 before it, -1 on error.
 */
int egress_nat_read_step(struct egress_nat_gc *w, int ct_fd, int rev_fd,
    uint32_t budget, void (*cb)(const struct egress_nat_entry *, void *),
    void *arg);

/* Entries of each walk per egress_nat_gc_step() in the daemon. */
#define EGRESS_NAT_GC_BUDGET 65536

/*
 * Go on with both walks for about budget entries each (whole batches),
 * deleting every expired connection (egr_ct half first, then egr_rev)
 * and every orphaned egr_rev entry idle past the grace period; st (may
 * be NULL) gets what this step did.  A walk that reaches the end of its
 * map starts again at the next step.  Returns 1 if the egr_ct walk
 * completed in this step (gc->live then counts the connections it
 * kept), 0 if not, -1 with errno if a map operation failed for another
 * reason than a concurrent delete (the walks start over).
 */
int egress_nat_gc_step(struct egress_nat_gc *, int ct_fd, int rev_fd,
    const struct egress_timeouts *, uint64_t now, uint32_t budget,
    struct egress_nat_gc_stats *st);

void egress_nat_gc_free(struct egress_nat_gc *);

/*
 * One whole pass of both walks at once (tests, and tables small enough
 * not to care).  Returns 0 or -1 as egress_nat_gc_step().  st may be
 * NULL.
 */
int egress_nat_gc(int ct_fd, int rev_fd, const struct egress_timeouts *,
    uint64_t now, struct egress_nat_gc_stats *st);

/*
 * Call cb for every connection in the table (in map order), until it
 * returns non-zero, which is then returned.  Returns 0 when all were
 * seen, or -1 with errno on a map error.
 */
int egress_nat_foreach(int ct_fd, int rev_fd,
    int (*cb)(const struct egress_nat_entry *, void *), void *arg);

/*
 * The nodes' pins (egr_pin): one whole walk, forgetting every pin not
 * used for more than idle_ns (*forgotten counts them) and calling cb
 * (may be NULL) for every other one.  A pin is only worth keeping while
 * its gateway may still hold a connection of the pair, so idle_ns is the
 * longest NAT timeout plus a margin (egress_pins_idle_ns).  Returns 0,
 * or -1 with errno on a map error.
 */
int egress_pins_walk(int pin_fd, uint64_t now, uint64_t idle_ns,
    void (*cb)(const struct egr_pin_key *, const struct egr_pin_val *, void *),
    void *arg, uint64_t *forgotten);

/* The longest of the timeouts, plus 10 s: the idle time of a pin. */
uint64_t egress_pins_idle_ns(const struct egress_timeouts *);

/* CLOCK_MONOTONIC in nanoseconds: the clock of the entries' timestamps. */
uint64_t egress_nat_now(void);

#endif /* FERRY_EGRESS_NAT_H */
