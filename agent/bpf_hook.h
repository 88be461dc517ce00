/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Hanging tc programs on devices so that they outlive ferryd, for every
 * module that has them (the overlay, the egress gateway).
 *
 * Where the kernel has tcx (Linux 6.6+), a program is attached with a tcx
 * link (BPF_LINK_CREATE, BPF_TCX_INGRESS/EGRESS) pinned under the module's
 * pin directory: the hook runs it directly, several programs of ours can
 * share one hook, and a restarted ferryd adopts the pinned link and points
 * it at its new program (bpf_link_update), so the device is never without
 * one.  Elsewhere, a tc filter on a clsact qdisc at a fixed handle and
 * priority per program, replaced in place (BPF_TC_F_REPLACE).  With
 * FERRY_NO_TCX=1 in the environment (or the older FERRY_OVERLAY_NO_TCX=1)
 * the tc filters are used where tcx exists, so that tests and benchmarks
 * reach that path too.
 *
 * Programs that share a tcx hook must return TC_ACT_UNSPEC (TCX_NEXT) for
 * what is not theirs: TC_ACT_OK ends the chain there.
 */
#ifndef FERRY_BPF_HOOK_H
#define FERRY_BPF_HOOK_H

#include <stdbool.h>

enum bpf_hook_dir {
	BPF_HOOK_INGRESS,
	BPF_HOOK_EGRESS,
};

/* A program's place on a device. */
struct bpf_hook {
	const char *who;     /* log prefix: "overlay", "egress" */
	const char *pin_dir; /* where its link is pinned */
	const char *link;    /* the pinned link's name in pin_dir */
	int ifindex;
	enum bpf_hook_dir dir;
	unsigned prio; /* tc filter priority (and handle) without tcx */
	bool first;    /* a new tcx link goes ahead of those on the hook */
};

/*
 * Attach prog_fd at h: a tcx link where the kernel has tcx, otherwise a
 * tc filter.  Returns the link's fd, -2 for a tc filter (nothing to
 * close), or -1 after logging why.  A tcx link moves our tc filter of an
 * earlier run out of the way, and a tc filter our pinned link.
 */
int bpf_hook_attach(const struct bpf_hook *h, int prog_fd);
/*
 * Attach with a tcx link only (a fast path that may be missing): the
 * link's fd, or -1 with errno set and nothing logged.
 */
int bpf_hook_attach_tcx(const struct bpf_hook *h, int prog_fd);
/* Take the program off h: its pinned link, or its tc filter. */
void bpf_hook_detach(const struct bpf_hook *h);
/* Let the pinned link of h go, if there is one (the device stays). */
void bpf_hook_unpin(const struct bpf_hook *h);

/*
 * Pinned maps need a BPF filesystem; mount one at /sys/fs/bpf if pin_dir
 * is below it and nothing did.  0 or -1 (logged).
 */
int bpf_hook_fs_ensure(const char *who, const char *pin_dir);
/*
 * A pinned map that obj cannot reuse (an upgrade changed its layout or
 * size) fails the whole load, and the module would then recreate every
 * map, emptying them under live traffic.  So, before the load, unpin just
 * the maps of obj whose pinned copy differs from ours in what libbpf
 * checks before it reuses one: libbpf creates those afresh and adopts the
 * rest, entries and counters included.
 */
struct bpf_object;
void bpf_hook_unpin_changed(const char *who, struct bpf_object *obj);
/* Route libbpf's messages to our log (debug ones dropped). */
void bpf_hook_log_libbpf(void);

#endif
