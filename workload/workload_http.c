/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The enrollment endpoint: HTTPS (TLS 1.3 only) with libmicrohttpd on
 * ferryd's loop, as agent/metrics.c does it: external select with its own
 * epoll set, one ev_io and one ev_timer.  libmicrohttpd brings the TLS
 * (GnuTLS) and is loaded with dlopen only when a workloads section exists,
 * for the reason metrics.c gives.
 *
 * One route: POST /v1/join.  The body is collected up to limits.max-request
 * bytes (more: 413, and the rest is not read); a connection that takes
 * longer than limits.timeout seconds is closed by libmicrohttpd; at most
 * limits.connections at a time.  The decision is workload_join's.
 */
#include <sys/socket.h>

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>
#include <json-c/json.h>
#include <microhttpd.h>

#include "ferryd.h"
#include "log.h"
#include "workload_rt.h"
#include "xalloc.h"

struct workload_http {
	struct workload_rt *rt;
	struct MHD_Daemon *mhd;
	ev_io io;
	ev_timer timer;
	char *key; /* PEM, kept for libmicrohttpd's lifetime */
	char *cert;
};

/* One request's body as it arrives. */
struct http_req {
	char *body;
	size_t len;
	bool too_big;
};

static struct {
	void *handle;
	__typeof__(&MHD_start_daemon) start_daemon;
	__typeof__(&MHD_stop_daemon) stop_daemon;
	__typeof__(&MHD_get_daemon_info) get_daemon_info;
	__typeof__(&MHD_get_connection_info) get_connection_info;
	__typeof__(&MHD_run) run;
	__typeof__(&MHD_get_timeout) get_timeout;
	__typeof__(&MHD_create_response_from_buffer) create_response;
	__typeof__(&MHD_add_response_header) add_header;
	__typeof__(&MHD_queue_response) queue_response;
	__typeof__(&MHD_destroy_response) destroy_response;
} mhd;

static int
http_load(void)
{
	static const char *const names[] = { "libmicrohttpd.so.12",
		"libmicrohttpd.so" };
	size_t i;

	if (mhd.handle != NULL)
		return 0;
	for (i = 0; i < 2 && mhd.handle == NULL; i++)
		mhd.handle = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
	if (mhd.handle == NULL) {
		log_err("workloads: cannot load libmicrohttpd: %s", dlerror());
		return -1;
	}
#define MHD_SYM(field, name)                                           \
	if ((*(void **)&mhd.field = dlsym(mhd.handle, #name)) == NULL) \
		goto missing;
	MHD_SYM(start_daemon, MHD_start_daemon)
	MHD_SYM(stop_daemon, MHD_stop_daemon)
	MHD_SYM(get_daemon_info, MHD_get_daemon_info)
	MHD_SYM(get_connection_info, MHD_get_connection_info)
	MHD_SYM(run, MHD_run)
	MHD_SYM(get_timeout, MHD_get_timeout)
	MHD_SYM(create_response, MHD_create_response_from_buffer)
	MHD_SYM(add_header, MHD_add_response_header)
	MHD_SYM(queue_response, MHD_queue_response)
	MHD_SYM(destroy_response, MHD_destroy_response)
#undef MHD_SYM
	return 0;
missing:
	log_err("workloads: libmicrohttpd lacks a function: %s", dlerror());
	dlclose(mhd.handle);
	mhd.handle = NULL;
	return -1;
}

static enum MHD_Result
http_reply(struct MHD_Connection *conn, unsigned status, json_object *o)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	const char *s =
	    json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	char *body = xstrdup(s);

	json_object_put(o);
	r = mhd.create_response(strlen(body), body, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(body);
		return MHD_NO;
	}
	mhd.add_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	ret = mhd.queue_response(conn, status, r);
	mhd.destroy_response(r);
	return ret;
}

static enum MHD_Result
http_error(struct MHD_Connection *conn, unsigned status, const char *msg)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "ok", json_object_new_boolean(false));
	json_object_object_add(o, "error", json_object_new_string(msg));
	return http_reply(conn, status, o);
}

static void
sockaddr_to_addr(const struct sockaddr *sa, struct addr *a)
{
	memset(a, 0, sizeof(*a));
	if (sa == NULL)
		return;
	if (sa->sa_family == AF_INET) {
		a->family = AF_INET;
		a->v4 =
		    ((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	} else if (sa->sa_family == AF_INET6) {
		const struct in6_addr *v6 =
		    &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;

		if (IN6_IS_ADDR_V4MAPPED(v6)) {
			a->family = AF_INET;
			memcpy(&a->v4, &v6->s6_addr[12], 4);
		} else {
			a->family = AF_INET6;
			a->v6 = *v6;
		}
	}
}

static enum MHD_Result
http_join(
    struct workload_http *h, struct MHD_Connection *conn, struct http_req *q)
{
	const union MHD_ConnectionInfo *ci;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct addr src, local;
	json_object *o;
	unsigned status = 500;
	char err[512];

	ci = mhd.get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	sockaddr_to_addr(ci != NULL ? ci->client_addr : NULL, &src);
	ci = mhd.get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	memset(&local, 0, sizeof(local));
	if (ci != NULL &&
	    getsockname(ci->connect_fd, (struct sockaddr *)&ss, &sl) == 0)
		sockaddr_to_addr((struct sockaddr *)&ss, &local);
	o = workload_join(h->rt, q->body != NULL ? q->body : "", q->len, &src,
	    &local, time(NULL), &status, err, sizeof(err));
	if (o == NULL)
		return http_error(conn, status, err);
	json_object_object_add(o, "ok", json_object_new_boolean(true));
	return http_reply(conn, status, o);
}

static enum MHD_Result
http_request(void *arg, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_len, void **state)
{
	struct workload_http *h = arg;
	struct http_req *q = *state;

	(void)version;
	if (q == NULL) {
		/* First call: headers only.  Refuse early what is wrong. */
		if (strcmp(url, "/v1/join") != 0)
			return http_error(conn, MHD_HTTP_NOT_FOUND,
			    "not found: POST /v1/join");
		if (strcmp(method, MHD_HTTP_METHOD_POST) != 0)
			return http_error(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
			    "method not allowed: POST /v1/join");
		*state = xcalloc(1, sizeof(*q));
		return MHD_YES;
	}
	if (*upload_len > 0) {
		if (!q->too_big &&
		    q->len + *upload_len <= h->rt->conf->max_request) {
			q->body =
			    xreallocarray(q->body, q->len + *upload_len + 1, 1);
			memcpy(q->body + q->len, upload, *upload_len);
			q->len += *upload_len;
			q->body[q->len] = '\0';
		} else {
			q->too_big = true;
		}
		*upload_len = 0;
		return MHD_YES;
	}
	if (q->too_big)
		return http_error(
		    conn, MHD_HTTP_CONTENT_TOO_LARGE, "request too big");
	return http_join(h, conn, q);
}

static void
http_completed(void *arg, struct MHD_Connection *conn, void **state,
    enum MHD_RequestTerminationCode code)
{
	struct http_req *q = *state;

	(void)arg;
	(void)conn;
	(void)code;
	if (q == NULL)
		return;
	free(q->body);
	free(q);
	*state = NULL;
}

static void
http_run(struct workload_http *h)
{
	MHD_UNSIGNED_LONG_LONG ms;

	mhd.run(h->mhd);
	ev_timer_stop(h->rt->d->loop, &h->timer);
	if (mhd.get_timeout(h->mhd, &ms) == MHD_YES) {
		ev_timer_set(&h->timer, (double)ms / 1000.0, 0.);
		ev_timer_start(h->rt->d->loop, &h->timer);
	}
}

static void
http_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	http_run(w->data);
}

static void
http_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	http_run(w->data);
}

static void
http_free(struct workload_http *h)
{
	if (h->key != NULL)
		explicit_bzero(h->key, strlen(h->key));
	free(h->key);
	free(h->cert);
	free(h);
}

int
workload_http_start(struct workload_rt *rt)
{
	const struct workload_conf *c = rt->conf;
	const union MHD_DaemonInfo *info;
	struct workload_http *h;
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_USE_TLS;
	char a[ADDR_STRLEN];
	size_t len;

	if (http_load() == -1)
		return -1;
	h = xcalloc(1, sizeof(*h));
	h->rt = rt;
	if ((h->key = workload_read_file(c->tls_key, 1 << 20, &len)) == NULL ||
	    (h->cert = workload_read_file(c->tls_cert, 1 << 20, &len)) ==
		NULL) {
		http_free(h);
		return -1;
	}
	memset(&ss, 0, sizeof(ss));
	if (c->listen.family == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_addr = c->listen.v4;
		sin->sin_port = htons(c->port);
	} else {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = c->listen.v6;
		sin6->sin6_port = htons(c->port);
		flags |= MHD_USE_IPv6;
	}
	h->mhd = mhd.start_daemon(flags, c->port, NULL, NULL, http_request, h,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_HTTPS_MEM_KEY, h->key, MHD_OPTION_HTTPS_MEM_CERT,
	    h->cert, MHD_OPTION_HTTPS_PRIORITIES,
	    "NORMAL:-VERS-ALL:+VERS-TLS1.3", MHD_OPTION_CONNECTION_LIMIT,
	    c->max_connections, MHD_OPTION_CONNECTION_TIMEOUT, c->timeout,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, 8u, MHD_OPTION_NOTIFY_COMPLETED,
	    http_completed, h, MHD_OPTION_END);
	addr_fmt(&c->listen, a, sizeof(a));
	if (h->mhd == NULL) {
		log_err(
		    "workloads: cannot listen: addr=%s port=%u", a, c->port);
		http_free(h);
		return -1;
	}
	info = mhd.get_daemon_info(h->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	ev_io_init(&h->io, http_io_cb, info->epoll_fd, EV_READ);
	ev_init(&h->timer, http_timer_cb);
	h->io.data = h->timer.data = h;
	ev_io_start(rt->d->loop, &h->io);
	rt->http = h;
	log_info(
	    "workloads: enrollment listening: addr=%s port=%u", a, c->port);
	http_run(h);
	return 0;
}

void
workload_http_stop(struct workload_rt *rt)
{
	struct workload_http *h = rt->http;

	if (h == NULL)
		return;
	ev_io_stop(rt->d->loop, &h->io);
	ev_timer_stop(rt->d->loop, &h->timer);
	mhd.stop_daemon(h->mhd);
	http_free(h);
	rt->http = NULL;
}
