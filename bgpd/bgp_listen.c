/* SPDX-License-Identifier: BSD-2-Clause */
/* BGP listening sockets (see bgp_listen.h). */
#include <sys/queue.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bgp_listen.h"
#include "bgp_sock.h"
#include "log.h"
#include "xalloc.h"

OBJCOUNT(bgp_listener);

struct bgp_listeners {
	struct ev_loop *loop;
	bgp_accept_fn *accept;
	void *ctx;
	TAILQ_HEAD(, bgp_listener) list;
};

struct bgp_listener {
	struct bgp_listeners *ls;
	struct addr addr;
	uint16_t port;
	int fd;
	ev_io io;
	TAILQ_ENTRY(bgp_listener) entry;
};

static void
listener_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct bgp_listener *l = w->data;
	struct sockaddr_storage ss;
	socklen_t sl;
	struct addr a;
	int fd;

	(void)loop;
	(void)revents;
	/* Everything queued, until EAGAIN: when a whole cluster connects
	 * at once, what we leave in the queue keeps it full and the kernel
	 * drops the SYNs behind it.  An accept costs little next to the
	 * session it starts. */
	for (;;) {
		sl = sizeof(ss);
		fd = accept4(l->fd, (struct sockaddr *)&ss, &sl,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN)
				log_warn(
				    "bgp: accept: error=%s", strerror(errno));
			return;
		}
		if (bgp_sock_addr_from((struct sockaddr *)&ss, &a) == -1) {
			close(fd);
			continue;
		}
		l->ls->accept(l->ls->ctx, fd, &a);
	}
}

static void
listener_md5(struct bgp_listener *l, const struct bgp_conf *conf, bool set)
{
	size_t i;
	char buf[ADDR_STRLEN];

	for (i = 0; i < conf->nneighbors; i++) {
		const struct bgp_neighbor *nb = &conf->neighbors[i];

		if (nb->password == NULL || nb->addr.family != l->addr.family)
			continue;
		if (bgp_sock_md5(l->fd, &nb->addr, addr_bits(nb->addr.family),
			set ? nb->password : NULL) == -1)
			log_err("bgp: cannot set tcp-md5 key on listener: "
				"peer=%s error=%s",
			    addr_fmt(&nb->addr, buf, sizeof(buf)),
			    strerror(errno));
	}
	for (i = 0; i < conf->nranges; i++) {
		const struct bgp_listen_range *r = &conf->ranges[i];

		if (r->tmpl.password == NULL ||
		    r->prefix.addr.family != l->addr.family)
			continue;
		if (bgp_sock_md5(l->fd, &r->prefix.addr, r->prefix.len,
			set ? r->tmpl.password : NULL) == -1)
			log_err("bgp: cannot set tcp-md5 key on listener: "
				"range=%s error=%s",
			    addr_fmt(&r->prefix.addr, buf, sizeof(buf)),
			    strerror(errno));
	}
}

/*
 * GTSM for connections not yet accepted (bgp_sock.h): one rule per
 * neighbor with gtsm, then one per listen range with it, so that a
 * configured neighbor inside a range decides for itself.
 */
static void
listener_gtsm(struct bgp_listener *l, const struct bgp_conf *conf)
{
	struct bgp_gtsm_rule *rules;
	size_t i, n = 0;
	char buf[ADDR_STRLEN];

	rules = xcalloc(conf->nneighbors + conf->nranges + 1, sizeof(*rules));
	for (i = 0; i < conf->nneighbors; i++) {
		const struct bgp_neighbor *nb = &conf->neighbors[i];

		if (nb->addr.family != l->addr.family)
			continue;
		rules[n].src.addr = nb->addr;
		rules[n].src.len = (uint8_t)addr_bits(nb->addr.family);
		/* Without GTSM: accept whatever TTL (a rule still, so
		 * that a range with GTSM around it does not apply). */
		rules[n].minttl = nb->gtsm ? bgp_gtsm_minttl(nb->multihop) : 0;
		n++;
	}
	for (i = 0; i < conf->nranges; i++) {
		const struct bgp_listen_range *r = &conf->ranges[i];

		if (r->prefix.addr.family != l->addr.family || !r->tmpl.gtsm)
			continue;
		rules[n].src = r->prefix;
		rules[n].minttl = bgp_gtsm_minttl(r->tmpl.multihop);
		n++;
	}
	/* Rules that accept everything are only needed before a range's. */
	while (n > 0 && rules[n - 1].minttl == 0)
		n--;
	if (bgp_sock_gtsm_filter(l->fd, l->addr.family, rules, n) == -1)
		log_err("bgp: cannot set gtsm filter on listener: address=%s "
			"rules=%zu error=%s",
		    addr_fmt(&l->addr, buf, sizeof(buf)), n, strerror(errno));
	free(rules);
}

static struct bgp_listener *
listener_new(struct bgp_listeners *ls, const struct addr *a, uint16_t port)
{
	struct bgp_listener *l;
	char buf[ADDR_STRLEN];
	int fd;

	if ((fd = bgp_sock_listen(a, port)) == -1)
		return NULL;
	l = xcalloc(1, sizeof(*l));
	objcount_inc(&objcount_bgp_listener);
	l->ls = ls;
	l->addr = *a;
	l->port = port;
	l->fd = fd;
	ev_io_init(&l->io, listener_cb, fd, EV_READ);
	l->io.data = l;
	log_info("bgp: listening: address=%s port=%u",
	    addr_fmt(a, buf, sizeof(buf)), port);
	return l;
}

static void
listener_free(struct bgp_listener *l)
{
	ev_io_stop(l->ls->loop, &l->io);
	close(l->fd);
	free(l);
	objcount_dec(&objcount_bgp_listener);
}

/*
 * Open what the new conf adds before closing anything, so that a failure
 * leaves the running listeners (and config) as they were.
 */
int
bgp_listeners_configure(struct bgp_listeners *ls, const struct bgp_conf *old,
    const struct bgp_conf *conf)
{
	TAILQ_HEAD(, bgp_listener) keep, added;
	struct bgp_listener *l;
	size_t i;

	TAILQ_INIT(&keep);
	TAILQ_INIT(&added);
	for (i = 0; i < conf->nlisten; i++) {
		TAILQ_FOREACH (l, &ls->list, entry)
			if (l->port == conf->port &&
			    addr_cmp(&l->addr, &conf->listen[i]) == 0)
				break;
		if (l != NULL) {
			TAILQ_REMOVE(&ls->list, l, entry);
			TAILQ_INSERT_TAIL(&keep, l, entry);
			continue;
		}
		if ((l = listener_new(ls, &conf->listen[i], conf->port)) ==
		    NULL)
			goto fail;
		TAILQ_INSERT_TAIL(&added, l, entry);
	}
	/* The rest are gone from the config. */
	while ((l = TAILQ_FIRST(&ls->list)) != NULL) {
		TAILQ_REMOVE(&ls->list, l, entry);
		listener_free(l);
	}
	while ((l = TAILQ_FIRST(&keep)) != NULL) {
		TAILQ_REMOVE(&keep, l, entry);
		if (old != NULL)
			listener_md5(l, old, false);
		listener_md5(l, conf, true);
		listener_gtsm(l, conf);
		TAILQ_INSERT_TAIL(&ls->list, l, entry);
	}
	while ((l = TAILQ_FIRST(&added)) != NULL) {
		TAILQ_REMOVE(&added, l, entry);
		listener_md5(l, conf, true);
		listener_gtsm(l, conf);
		ev_io_start(ls->loop, &l->io);
		TAILQ_INSERT_TAIL(&ls->list, l, entry);
	}
	return 0;
fail:
	while ((l = TAILQ_FIRST(&keep)) != NULL) {
		TAILQ_REMOVE(&keep, l, entry);
		TAILQ_INSERT_TAIL(&ls->list, l, entry);
	}
	while ((l = TAILQ_FIRST(&added)) != NULL) {
		TAILQ_REMOVE(&added, l, entry);
		listener_free(l);
	}
	return -1;
}

struct bgp_listeners *
bgp_listeners_new(struct ev_loop *loop, bgp_accept_fn *fn, void *ctx)
{
	struct bgp_listeners *ls = xcalloc(1, sizeof(*ls));

	ls->loop = loop;
	ls->accept = fn;
	ls->ctx = ctx;
	TAILQ_INIT(&ls->list);
	return ls;
}

void
bgp_listeners_free(struct bgp_listeners *ls)
{
	struct bgp_listener *l;

	if (ls == NULL)
		return;
	while ((l = TAILQ_FIRST(&ls->list)) != NULL) {
		TAILQ_REMOVE(&ls->list, l, entry);
		listener_free(l);
	}
	free(ls);
}
