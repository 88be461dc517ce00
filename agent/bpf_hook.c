/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tc programs on devices, attached so that they outlive ferryd (see
 * bpf_hook.h).  What is here was the overlay's own until the egress
 * gateway needed the same: one place now decides how a program of ours
 * hangs on a device, adopts what a previous ferryd left, and falls back
 * from tcx to tc filters.
 */
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <linux/magic.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf_hook.h"
#include "log.h"

/* tcx (Linux 6.6), newer than the uapi headers we may build against. */
#define HOOK_TCX_INGRESS   46	     /* BPF_TCX_INGRESS */
#define HOOK_TCX_EGRESS	   47	     /* BPF_TCX_EGRESS */
#define HOOK_LINK_TYPE_TCX 11	     /* BPF_LINK_TYPE_TCX */
#define HOOK_F_BEFORE	   (1U << 3) /* BPF_F_BEFORE: no relative, first */

static const char *
dir_name(enum bpf_hook_dir d)
{
	return d == BPF_HOOK_INGRESS ? "ingress" : "egress";
}

static int
tcx_type(enum bpf_hook_dir d)
{
	return d == BPF_HOOK_INGRESS ? HOOK_TCX_INGRESS : HOOK_TCX_EGRESS;
}

static enum bpf_tc_attach_point
tc_point(enum bpf_hook_dir d)
{
	return d == BPF_HOOK_INGRESS ? BPF_TC_INGRESS : BPF_TC_EGRESS;
}

static bool
tcx_refused(void)
{
	const char *a = getenv("FERRY_NO_TCX");
	const char *b = getenv("FERRY_OVERLAY_NO_TCX");

	return (a != NULL && strcmp(a, "1") == 0) ||
	    (b != NULL && strcmp(b, "1") == 0);
}

static void
link_path(const struct bpf_hook *h, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", h->pin_dir, h->link);
}

/* The clsact qdisc holds both filters; it may be there from our last run. */
static int
tc_hook(const struct bpf_hook *h)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = h->ifindex,
	    .attach_point = BPF_TC_INGRESS);
	libbpf_print_fn_t prev;
	int err;

	/* EEXIST is the normal case on restart: keep libbpf quiet about it. */
	prev = libbpf_set_print(NULL);
	err = bpf_tc_hook_create(&hook);
	libbpf_set_print(prev);
	if (err != 0 && err != -EEXIST) {
		log_err("%s: cannot create clsact qdisc: ifindex=%d error=%s",
		    h->who, h->ifindex, strerror(-err));
		return -1;
	}
	return 0;
}

static int
tc_attach(const struct bpf_hook *h, int prog_fd)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = h->ifindex,
	    .attach_point = tc_point(h->dir));
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = h->prio, .priority = h->prio,
	    .prog_fd = prog_fd, .flags = BPF_TC_F_REPLACE);
	int err;

	if (tc_hook(h) == -1)
		return -1;
	if ((err = bpf_tc_attach(&hook, &opts)) != 0) {
		log_err("%s: cannot attach tc program: ifindex=%d "
			"direction=%s error=%s",
		    h->who, h->ifindex, dir_name(h->dir), strerror(-err));
		return -1;
	}
	return 0;
}

/* Remove our tc filter, if any; the qdisc stays.  1 if there was one. */
static int
tc_detach(const struct bpf_hook *h)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = h->ifindex,
	    .attach_point = tc_point(h->dir));
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = h->prio, .priority = h->prio);
	libbpf_print_fn_t prev;
	int err;

	/* No qdisc or no filter is the normal case: keep libbpf quiet. */
	prev = libbpf_set_print(NULL);
	err = bpf_tc_detach(&hook, &opts);
	libbpf_set_print(prev);
	return err == 0;
}

/* Is the program prog_id attached to ifindex's tcx hook of this type? */
static bool
tcx_has_prog(int ifindex, int type, __u32 prog_id)
{
	__u32 ids[64], cnt = 64, flags = 0, i;

	if (bpf_prog_query(
		ifindex, (enum bpf_attach_type)type, 0, &flags, ids, &cnt) != 0)
		return false;
	for (i = 0; i < cnt && i < 64; i++)
		if (ids[i] == prog_id)
			return true;
	return false;
}

/*
 * The device of a tcx link, from struct bpf_link_info's tcx member (Linux
 * 6.6), which older uapi headers lack: it is the first word of the union
 * after type, id and prog_id, which starts 8-byte aligned.
 */
static __u32
tcx_link_ifindex(const struct bpf_link_info *info)
{
	__u32 w[6];

	_Static_assert(sizeof(*info) >= sizeof(w), "bpf_link_info too small");
	memcpy(w, info, sizeof(w));
	return w[4];
}

/*
 * The pinned tcx link of h, if it is attached to h's device and hook in
 * our network namespace: its fd.  Otherwise (the device was recreated,
 * say) the pin is removed, which lets the stale link go, and -1.
 */
static int
tcx_link_adopt(const struct bpf_hook *h)
{
	struct bpf_link_info info;
	__u32 len = sizeof(info);
	char path[256];
	int fd;

	link_path(h, path, sizeof(path));
	if ((fd = bpf_obj_get(path)) < 0)
		return -1;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 &&
	    info.type == HOOK_LINK_TYPE_TCX &&
	    tcx_link_ifindex(&info) == (__u32)h->ifindex &&
	    tcx_has_prog(h->ifindex, tcx_type(h->dir), info.prog_id))
		return fd;
	close(fd);
	unlink(path);
	log_info("%s: removed stale tcx link: path=%s", h->who, path);
	return -1;
}

int
bpf_hook_attach_tcx(const struct bpf_hook *h, int prog_fd)
{
	LIBBPF_OPTS(bpf_link_create_opts, lo);
	char path[256];
	int fd, err;

	link_path(h, path, sizeof(path));
	if ((fd = tcx_link_adopt(h)) >= 0) {
		if (bpf_link_update(fd, prog_fd, NULL) == 0)
			return fd;
		err = errno;
		log_err("%s: cannot update tcx link: path=%s error=%s", h->who,
		    path, strerror(err));
		close(fd);
		errno = err;
		return -1;
	}
	/*
	 * An adopted link keeps its place in the chain; a new one is
	 * appended, or put first (BPF_F_BEFORE naming no program).
	 */
	if (h->first)
		lo.flags = HOOK_F_BEFORE;
	if ((fd = bpf_link_create(prog_fd, h->ifindex,
		 (enum bpf_attach_type)tcx_type(h->dir), &lo)) < 0)
		return -1;
	if (bpf_obj_pin(fd, path) != 0) {
		err = errno;
		log_err("%s: cannot pin tcx link: path=%s error=%s", h->who,
		    path, strerror(err));
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

void
bpf_hook_unpin(const struct bpf_hook *h)
{
	char path[256];

	link_path(h, path, sizeof(path));
	if (unlink(path) == 0)
		log_info("%s: removed tcx link: path=%s", h->who, path);
}

int
bpf_hook_attach(const struct bpf_hook *h, int prog_fd)
{
	int fd;

	if (tcx_refused())
		errno = EOPNOTSUPP;
	else if ((fd = bpf_hook_attach_tcx(h, prog_fd)) >= 0) {
		/* A ferryd from before tcx left a tc filter: now redundant. */
		if (tc_detach(h))
			log_info("%s: removed tc filter, tcx replaces it: "
				 "ifindex=%d direction=%s",
			    h->who, h->ifindex, dir_name(h->dir));
		return fd;
	}
	log_info("%s: no tcx, using a tc filter: ifindex=%d direction=%s "
		 "error=%s",
	    h->who, h->ifindex, dir_name(h->dir), strerror(errno));
	if (tc_attach(h, prog_fd) == -1)
		return -1;
	/* A link of an earlier run with tcx would run the program twice. */
	bpf_hook_unpin(h);
	return -2;
}

void
bpf_hook_detach(const struct bpf_hook *h)
{
	bpf_hook_unpin(h);
	if (tc_detach(h))
		log_info("%s: removed tc filter: ifindex=%d direction=%s",
		    h->who, h->ifindex, dir_name(h->dir));
}

/*
 * systemd mounts a BPF filesystem at /sys/fs/bpf; where nothing did (a
 * minimal host, a container), we mount it ourselves.
 */
int
bpf_hook_fs_ensure(const char *who, const char *pin_dir)
{
	static const char root[] = "/sys/fs/bpf";
	struct statfs st;

	if (strncmp(pin_dir, root, sizeof(root) - 1) != 0)
		return 0;
	if (statfs(root, &st) == 0 && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", root, "bpf", 0, "mode=0700") == -1) {
		log_err("%s: no BPF filesystem at %s and cannot mount one: %s",
		    who, root, strerror(errno));
		return -1;
	}
	log_info("%s: mounted a BPF filesystem: path=%s", who, root);
	return 0;
}

void
bpf_hook_unpin_changed(const char *who, struct bpf_object *obj)
{
	struct bpf_map_info info;
	const char *path;
	struct bpf_map *m;
	__u32 len;
	int fd;

	bpf_object__for_each_map(m, obj)
	{
		path = bpf_map__pin_path(m);
		if (path == NULL || (fd = bpf_obj_get(path)) < 0)
			continue;
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 &&
		    (info.type != (__u32)bpf_map__type(m) ||
			info.key_size != bpf_map__key_size(m) ||
			info.value_size != bpf_map__value_size(m) ||
			info.max_entries != bpf_map__max_entries(m) ||
			info.map_flags != bpf_map__map_flags(m))) {
			log_warn("%s: pinned map has another layout, "
				 "recreating it: map=%s",
			    who, bpf_map__name(m));
			unlink(path);
		}
		close(fd);
	}
}

static int
libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[512];
	size_t n;

	if (level == LIBBPF_DEBUG)
		return 0;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	if (n > 0 && line[n - 1] == '\n')
		line[n - 1] = '\0';
	log_msg(
	    level == LIBBPF_WARN ? LOG_WARNING : LOG_INFO, "libbpf: %s", line);
	return 0;
}

void
bpf_hook_log_libbpf(void)
{
	libbpf_set_print(libbpf_log);
}
