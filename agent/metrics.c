/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Prometheus endpoint (see metrics.h).
 *
 * libmicrohttpd runs in external-select mode with its own epoll set; one
 * ev_io on that epoll fd and one ev_timer for its timeouts drive it, so an
 * HTTP scrape is just another event on the daemon's loop.  Connections
 * are limited and time out, so scrapers cannot pile up.
 *
 * The library is loaded (dlopen) when metrics are first configured, not
 * linked: Debian's libmicrohttpd pulls in GnuTLS and its dependencies,
 * about 2.3 MB resident, which a ferryd without metrics (a node agent, a
 * lab) has no use for.
 */
#include <sys/queue.h>
#include <sys/socket.h>

#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>
#include <microhttpd.h>

#include "conf.h"
#include "log.h"
#include "metrics.h"
#include "xalloc.h"

#define METRICS_MAX_CONNECTIONS 16
#define METRICS_CONN_TIMEOUT	10 /* seconds */

struct metrics_collector {
	metrics_fn fn;
	void *arg;
	TAILQ_ENTRY(metrics_collector) entry;
};

struct metrics {
	struct ev_loop *loop;
	struct MHD_Daemon *mhd;
	ev_io io;
	ev_timer timer;
	struct conf_metrics conf; /* what we listen on */
	TAILQ_HEAD(, metrics_collector) collectors;
};

struct metrics *
metrics_new(struct ev_loop *loop)
{
	struct metrics *m = xcalloc(1, sizeof(*m));

	m->loop = loop;
	TAILQ_INIT(&m->collectors);
	return m;
}

void
metrics_register(struct metrics *m, metrics_fn fn, void *arg)
{
	struct metrics_collector *c = xcalloc(1, sizeof(*c));

	c->fn = fn;
	c->arg = arg;
	TAILQ_INSERT_TAIL(&m->collectors, c, entry);
}

void
metrics_unregister(struct metrics *m, metrics_fn fn, void *arg)
{
	struct metrics_collector *c;

	TAILQ_FOREACH (c, &m->collectors, entry)
		if (c->fn == fn && c->arg == arg) {
			TAILQ_REMOVE(&m->collectors, c, entry);
			free(c);
			return;
		}
}

void
metrics_family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* The libmicrohttpd functions ferryd calls, from dlopen. */
static struct {
	void *handle;
	__typeof__(&MHD_start_daemon) start_daemon;
	__typeof__(&MHD_stop_daemon) stop_daemon;
	__typeof__(&MHD_get_daemon_info) get_daemon_info;
	__typeof__(&MHD_run) run;
	__typeof__(&MHD_get_timeout) get_timeout;
	__typeof__(&MHD_create_response_from_buffer) create_response;
	__typeof__(&MHD_add_response_header) add_header;
	__typeof__(&MHD_queue_response) queue_response;
	__typeof__(&MHD_destroy_response) destroy_response;
} mhd;

static int
mhd_load(void)
{
	static const char *const names[] = { "libmicrohttpd.so.12",
		"libmicrohttpd.so" };
	size_t i;

	if (mhd.handle != NULL)
		return 0;
	for (i = 0; i < 2 && mhd.handle == NULL; i++)
		mhd.handle = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
	if (mhd.handle == NULL) {
		log_err("metrics: cannot load libmicrohttpd: %s", dlerror());
		return -1;
	}
#define MHD_SYM(field, name)                                           \
	if ((*(void **)&mhd.field = dlsym(mhd.handle, #name)) == NULL) \
		goto missing;
	MHD_SYM(start_daemon, MHD_start_daemon)
	MHD_SYM(stop_daemon, MHD_stop_daemon)
	MHD_SYM(get_daemon_info, MHD_get_daemon_info)
	MHD_SYM(run, MHD_run)
	MHD_SYM(get_timeout, MHD_get_timeout)
	MHD_SYM(create_response, MHD_create_response_from_buffer)
	MHD_SYM(add_header, MHD_add_response_header)
	MHD_SYM(queue_response, MHD_queue_response)
	MHD_SYM(destroy_response, MHD_destroy_response)
#undef MHD_SYM
	return 0;
missing:
	log_err("metrics: libmicrohttpd lacks a function: %s", dlerror());
	dlclose(mhd.handle);
	mhd.handle = NULL;
	return -1;
}

static enum MHD_Result
metrics_queue(
    struct MHD_Connection *conn, unsigned status, char *body, size_t len)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = mhd.create_response(len, body, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(body);
		return MHD_NO;
	}
	if (status == MHD_HTTP_OK)
		mhd.add_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
		    "text/plain; version=0.0.4; charset=utf-8");
	ret = mhd.queue_response(conn, status, r);
	mhd.destroy_response(r);
	return ret;
}

static enum MHD_Result
metrics_request(void *arg, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_len, void **state)
{
	struct metrics *m = arg;
	struct metrics_collector *c;
	char *body = NULL;
	size_t len = 0;
	FILE *f;

	(void)version;
	(void)upload;
	(void)upload_len;
	(void)state;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return metrics_queue(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
		    xstrdup("method not allowed\n"), 19);
	if (strcmp(url, "/metrics") != 0)
		return metrics_queue(conn, MHD_HTTP_NOT_FOUND,
		    xstrdup("not found: try /metrics\n"), 24);
	if ((f = open_memstream(&body, &len)) == NULL)
		fatal("out of memory: metrics buffer");
	TAILQ_FOREACH (c, &m->collectors, entry)
		c->fn(c->arg, f);
	fclose(f);
	return metrics_queue(conn, MHD_HTTP_OK, body, len);
}

/* Run libmicrohttpd, then arm the timer for its next deadline. */
static void
metrics_run(struct metrics *m)
{
	MHD_UNSIGNED_LONG_LONG ms;

	mhd.run(m->mhd);
	ev_timer_stop(m->loop, &m->timer);
	if (mhd.get_timeout(m->mhd, &ms) == MHD_YES) {
		ev_timer_set(&m->timer, (double)ms / 1000.0, 0.);
		ev_timer_start(m->loop, &m->timer);
	}
}

static void
metrics_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	metrics_run(w->data);
}

static void
metrics_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	metrics_run(w->data);
}

static void
metrics_stop(struct metrics *m)
{
	if (m->mhd == NULL)
		return;
	ev_io_stop(m->loop, &m->io);
	ev_timer_stop(m->loop, &m->timer);
	mhd.stop_daemon(m->mhd);
	m->mhd = NULL;
	memset(&m->conf, 0, sizeof(m->conf));
}

static int
metrics_start(struct metrics *m, const struct conf_metrics *conf)
{
	const union MHD_DaemonInfo *info;
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	char a[ADDR_STRLEN];

	if (mhd_load() == -1)
		return -1;
	memset(&ss, 0, sizeof(ss));
	if (conf->addr.family == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_addr = conf->addr.v4;
		sin->sin_port = htons(conf->port);
	} else {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = conf->addr.v6;
		sin6->sin6_port = htons(conf->port);
		flags |= MHD_USE_IPv6;
	}
	m->mhd = mhd.start_daemon(flags, conf->port, NULL, NULL,
	    metrics_request, m, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)METRICS_MAX_CONNECTIONS,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)METRICS_CONN_TIMEOUT,
	    MHD_OPTION_END);
	addr_fmt(&conf->addr, a, sizeof(a));
	if (m->mhd == NULL) {
		log_err(
		    "metrics: cannot listen: addr=%s port=%u", a, conf->port);
		return -1;
	}
	info = mhd.get_daemon_info(m->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	ev_io_init(&m->io, metrics_io_cb, info->epoll_fd, EV_READ);
	ev_init(&m->timer, metrics_timer_cb);
	m->io.data = m->timer.data = m;
	ev_io_start(m->loop, &m->io);
	m->conf = *conf;
	log_info("metrics: listening: addr=%s port=%u", a, conf->port);
	metrics_run(m);
	return 0;
}

int
metrics_configure(struct metrics *m, const struct conf_metrics *conf)
{
	if (m->mhd != NULL && conf->enabled && conf->port == m->conf.port &&
	    addr_cmp(&conf->addr, &m->conf.addr) == 0)
		return 0;
	/* MHD cannot rebind in place: stop, then start on the new address. */
	metrics_stop(m);
	if (!conf->enabled)
		return 0;
	return metrics_start(m, conf);
}

void
metrics_free(struct metrics *m)
{
	struct metrics_collector *c;

	if (m == NULL)
		return;
	metrics_stop(m);
	while ((c = TAILQ_FIRST(&m->collectors)) != NULL) {
		TAILQ_REMOVE(&m->collectors, c, entry);
		free(c);
	}
	free(m);
}
