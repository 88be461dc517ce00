/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Control socket server (see control.h).
 *
 * Each client owns its watchers (read, write, timeout) and buffers.  The
 * loop never blocks on a client: the socket is non-blocking, a request
 * line is bounded by control.max-request, and while a reply waits to be
 * written the client is not read, so one client holds at most one reply.
 * A client that sends nothing complete, or reads nothing, for
 * control.timeout seconds is dropped.  When control.max-clients are
 * connected, a new connection evicts the client that has been quiet the
 * longest: idle or stalled clients can never lock the operator out.
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>
#include <json-c/json.h>

#include "buf.h"
#include "conf.h"
#include "control.h"
#include "ctl_proto.h"
#include "log.h"
#include "xalloc.h"

OBJCOUNT(ctl_client);

struct ctl_command {
	char *name;
	control_fn fn;
	void *arg;
	TAILQ_ENTRY(ctl_command) entry;
};

struct ctl_client {
	struct control *ctl;
	int fd;
	ev_io rio;
	ev_io wio;
	ev_timer timer;
	char *in;
	size_t inlen;
	size_t incap;
	struct wbuf out;
	bool closing;		       /* close once out is sent */
	TAILQ_ENTRY(ctl_client) entry; /* least recently active first */
};

struct control {
	struct ev_loop *loop;
	int fd;
	ev_io lio;
	char *path;
	unsigned max_clients;
	unsigned max_request;
	unsigned timeout;
	unsigned nclients;
	TAILQ_HEAD(, ctl_client) clients;
	TAILQ_HEAD(, ctl_command) commands;
};

static void ctl_client_close(struct ctl_client *, const char *);

struct control *
control_new(struct ev_loop *loop)
{
	struct control *ctl = xcalloc(1, sizeof(*ctl));

	ctl->loop = loop;
	ctl->fd = -1;
	TAILQ_INIT(&ctl->clients);
	TAILQ_INIT(&ctl->commands);
	return ctl;
}

void
control_register(
    struct control *ctl, const char *name, control_fn fn, void *arg)
{
	struct ctl_command *c;

	TAILQ_FOREACH (c, &ctl->commands, entry)
		if (strcmp(c->name, name) == 0)
			fatal("control command registered twice: %s", name);
	c = xcalloc(1, sizeof(*c));
	c->name = xstrdup(name);
	c->fn = fn;
	c->arg = arg;
	TAILQ_INSERT_TAIL(&ctl->commands, c, entry);
}

void
control_unregister(struct control *ctl, const char *name)
{
	struct ctl_command *c;

	TAILQ_FOREACH (c, &ctl->commands, entry)
		if (strcmp(c->name, name) == 0) {
			TAILQ_REMOVE(&ctl->commands, c, entry);
			free(c->name);
			free(c);
			return;
		}
}

unsigned
control_nclients(const struct control *ctl)
{
	return ctl->nclients;
}

/* Read interest only while no reply is pending; write while one is. */
static void
ctl_client_update_io(struct ctl_client *c)
{
	struct ev_loop *loop = c->ctl->loop;

	if (c->out.len > 0) {
		ev_io_stop(loop, &c->rio);
		ev_io_start(loop, &c->wio);
	} else {
		ev_io_stop(loop, &c->wio);
		if (!c->closing)
			ev_io_start(loop, &c->rio);
	}
}

/* Activity resets the timeout and moves the client to the busy end. */
static void
ctl_client_touch(struct ctl_client *c)
{
	struct control *ctl = c->ctl;

	ev_timer_again(ctl->loop, &c->timer);
	TAILQ_REMOVE(&ctl->clients, c, entry);
	TAILQ_INSERT_TAIL(&ctl->clients, c, entry);
}

static void
ctl_client_send(struct ctl_client *c, char *line, size_t len)
{
	wbuf_put_bytes(&c->out, line, len);
	free(line);
}

static void
ctl_client_request(struct ctl_client *c, const char *line, size_t len)
{
	struct ctl_request req;
	struct ctl_command *cmd;
	struct json_object *result;
	char err[4096], *reply;
	size_t rlen;

	if (ctl_request_parse(line, len, &req, err, sizeof(err)) == -1) {
		log_debug("control: bad request: %s", err);
		reply = ctl_reply_error(err, &rlen);
		ctl_client_send(c, reply, rlen);
		return;
	}
	TAILQ_FOREACH (cmd, &c->ctl->commands, entry)
		if (strcmp(cmd->name, req.command) == 0)
			break;
	if (cmd == NULL) {
		snprintf(err, sizeof(err), "unknown command: %s", req.command);
		reply = ctl_reply_error(err, &rlen);
	} else {
		err[0] = '\0';
		result = cmd->fn(cmd->arg, req.args, err, sizeof(err));
		if (result != NULL)
			reply = ctl_reply_ok(result, &rlen);
		else
			reply = ctl_reply_error(
			    err[0] != '\0' ? err : "command failed", &rlen);
	}
	ctl_client_send(c, reply, rlen);
	ctl_request_free(&req);
}

/* Serve every complete line in the input buffer. */
static void
ctl_client_drain(struct ctl_client *c)
{
	char *nl, *start = c->in;
	size_t left = c->inlen, n;

	while (left > 0 && (nl = memchr(start, '\n', left)) != NULL) {
		n = (size_t)(nl - start);
		ctl_client_request(c, start, n);
		start = nl + 1;
		left -= n + 1;
	}
	memmove(c->in, start, left);
	c->inlen = left;
}

static void
ctl_client_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ctl_client *c = w->data;
	size_t before;
	ssize_t n;
	char *reply;
	size_t rlen;

	(void)loop;
	(void)revents;
	if (c->inlen == c->incap) {
		c->incap = c->incap * 2 > c->ctl->max_request
		    ? c->ctl->max_request
		    : c->incap * 2;
		c->in = xreallocarray(c->in, c->incap, 1);
	}
	n = read(c->fd, c->in + c->inlen, c->incap - c->inlen);
	if (n == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		ctl_client_close(c, strerror(errno));
		return;
	}
	if (n == 0) {
		ctl_client_close(c, NULL);
		return;
	}
	before = c->out.len;
	c->inlen += (size_t)n;
	ctl_client_drain(c);
	if (c->out.len > before)
		ctl_client_touch(c);
	if (c->inlen >= c->ctl->max_request) {
		log_warn("control: request too long, closing client: "
			 "limit=%u",
		    c->ctl->max_request);
		reply = ctl_reply_error("request too long", &rlen);
		ctl_client_send(c, reply, rlen);
		c->closing = true;
		c->inlen = 0;
	}
	ctl_client_update_io(c);
}

static void
ctl_client_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ctl_client *c = w->data;
	ssize_t n;

	(void)loop;
	(void)revents;
	n = send(c->fd, c->out.data, c->out.len, MSG_NOSIGNAL);
	if (n == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		ctl_client_close(c, strerror(errno));
		return;
	}
	wbuf_consume(&c->out, (size_t)n);
	ctl_client_touch(c);
	if (c->out.len == 0 && c->closing) {
		ctl_client_close(c, NULL);
		return;
	}
	if (c->out.len == 0 && c->inlen > 0) {
		/* Requests that arrived while we were writing. */
		ctl_client_drain(c);
	}
	ctl_client_update_io(c);
}

static void
ctl_client_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct ctl_client *c = w->data;

	(void)loop;
	(void)revents;
	ctl_client_close(c, "timeout");
}

static void
ctl_client_close(struct ctl_client *c, const char *why)
{
	struct control *ctl = c->ctl;

	if (why != NULL)
		log_debug("control: client closed: reason=%s", why);
	ev_io_stop(ctl->loop, &c->rio);
	ev_io_stop(ctl->loop, &c->wio);
	ev_timer_stop(ctl->loop, &c->timer);
	close(c->fd);
	TAILQ_REMOVE(&ctl->clients, c, entry);
	ctl->nclients--;
	wbuf_free(&c->out);
	free(c->in);
	free(c);
	objcount_dec(&objcount_ctl_client);
}

static void
ctl_accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct control *ctl = w->data;
	struct ctl_client *c;
	int fd, i;

	(void)revents;
	/* Bounded per wakeup so a connection storm cannot starve the loop. */
	for (i = 0; i < 64; i++) {
		fd = accept4(ctl->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				log_warn(
				    "control: accept: %s", strerror(errno));
			return;
		}
		if (ctl->nclients >= ctl->max_clients) {
			log_debug("control: too many clients, evicting the "
				  "quietest: max-clients=%u",
			    ctl->max_clients);
			ctl_client_close(TAILQ_FIRST(&ctl->clients), "evicted");
		}
		c = xcalloc(1, sizeof(*c));
		objcount_inc(&objcount_ctl_client);
		c->ctl = ctl;
		c->fd = fd;
		c->incap = 4096 < ctl->max_request ? 4096 : ctl->max_request;
		c->in = xmalloc(c->incap);
		wbuf_init(&c->out, 0);
		ev_io_init(&c->rio, ctl_client_read_cb, fd, EV_READ);
		ev_io_init(&c->wio, ctl_client_write_cb, fd, EV_WRITE);
		ev_init(&c->timer, ctl_client_timeout_cb);
		c->timer.repeat = ctl->timeout;
		c->rio.data = c->wio.data = c->timer.data = c;
		TAILQ_INSERT_TAIL(&ctl->clients, c, entry);
		ctl->nclients++;
		ev_timer_again(loop, &c->timer);
		ev_io_start(loop, &c->rio);
	}
}

/* Is another process serving path?  Then we must not unlink it. */
static bool
ctl_socket_in_use(const struct sockaddr_un *sun)
{
	int fd, rc;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return false;
	rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	close(fd);
	return rc == 0;
}

static int
ctl_listen(struct control *ctl, const char *path)
{
	struct sockaddr_un sun;
	char *dir, *copy;
	mode_t old;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_err("control: socket path too long: path=%s", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path));

	copy = xstrdup(path);
	dir = dirname(copy);
	if (mkdir(dir, 0750) == -1 && errno != EEXIST) {
		log_err("control: cannot create directory: dir=%s error=%s",
		    dir, strerror(errno));
		free(copy);
		return -1;
	}
	free(copy);

	if (ctl_socket_in_use(&sun)) {
		log_err(
		    "control: socket in use by another process: path=%s", path);
		return -1;
	}
	unlink(path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		 0)) == -1) {
		log_err("control: socket: %s", strerror(errno));
		return -1;
	}
	/* The socket is created 0600: nobody else may ever connect. */
	old = umask(0177);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		umask(old);
		log_err(
		    "control: bind: path=%s error=%s", path, strerror(errno));
		close(fd);
		return -1;
	}
	umask(old);
	if (listen(fd, 128) == -1) {
		log_err(
		    "control: listen: path=%s error=%s", path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	ctl->fd = fd;
	ev_io_init(&ctl->lio, ctl_accept_cb, fd, EV_READ);
	ctl->lio.data = ctl;
	ev_io_start(ctl->loop, &ctl->lio);
	log_info("control: listening: path=%s", path);
	return 0;
}

static void
ctl_unlisten(struct control *ctl)
{
	if (ctl->fd == -1)
		return;
	ev_io_stop(ctl->loop, &ctl->lio);
	close(ctl->fd);
	unlink(ctl->path);
	ctl->fd = -1;
}

int
control_configure(struct control *ctl, const struct conf_control *conf)
{
	struct ctl_client *c;

	ctl->max_clients = conf->max_clients;
	ctl->max_request = conf->max_request;
	ctl->timeout = conf->timeout;
	TAILQ_FOREACH (c, &ctl->clients, entry)
		c->timer.repeat = conf->timeout;
	if (ctl->fd != -1 && strcmp(ctl->path, conf->socket) == 0)
		return 0;
	/* A new path: listen there first, so a failure keeps the old. */
	if (ctl->fd != -1) {
		int oldfd = ctl->fd;
		ev_io oldio = ctl->lio;
		char *oldpath = ctl->path;

		ev_io_stop(ctl->loop, &ctl->lio);
		if (ctl_listen(ctl, conf->socket) == -1) {
			ctl->fd = oldfd;
			ctl->lio = oldio;
			ev_io_start(ctl->loop, &ctl->lio);
			return -1;
		}
		close(oldfd);
		unlink(oldpath);
		free(oldpath);
		ctl->path = xstrdup(conf->socket);
		return 0;
	}
	if (ctl_listen(ctl, conf->socket) == -1)
		return -1;
	ctl->path = xstrdup(conf->socket);
	return 0;
}

void
control_free(struct control *ctl)
{
	struct ctl_command *cmd;

	if (ctl == NULL)
		return;
	while (!TAILQ_EMPTY(&ctl->clients))
		ctl_client_close(TAILQ_FIRST(&ctl->clients), NULL);
	ctl_unlisten(ctl);
	while ((cmd = TAILQ_FIRST(&ctl->commands)) != NULL) {
		TAILQ_REMOVE(&ctl->commands, cmd, entry);
		free(cmd->name);
		free(cmd);
	}
	free(ctl->path);
	free(ctl);
}
