/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ferryd: command line, process set-up (daemon, pid file, signals) and
 * the event loop.  Everything the daemon does happens on that one loop.
 */
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "ferryd.h"
#include "ferryd_int.h"
#include "log.h"
#include "xalloc.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: ferryd [-dfhnvV] [-c file]\n"
	    "  -c file  config file (default %s)\n"
	    "  -d       debug logging\n"
	    "  -f       stay in the foreground, log to stderr\n"
	    "  -n       check the config and exit (0 if valid)\n"
	    "  -v       with -n, also print the normalized config\n"
	    "  -V       print the version and exit\n"
	    "  -h       print this help and exit\n",
	    FERRY_DEFAULT_CONF);
}

/*
 * Take the pid file: a lock on it, held for our whole life, tells a
 * second ferryd that we are running, and dies with us even on kill -9.
 */
static int
pidfile_open(const char *path)
{
	char buf[32], *copy;
	int fd, n;

	copy = xstrdup(path);
	if (mkdir(dirname(copy), 0750) == -1 && errno != EEXIST)
		log_warn("cannot create pid file directory: path=%s error=%s",
		    path, strerror(errno));
	free(copy);
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) == -1) {
		log_err("cannot open pid file: path=%s error=%s", path,
		    strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		n = (int)read(fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		log_err("ferryd is already running: pid=%s pid-file=%s",
		    buf[0] != '\0' ? buf : "?", path);
		close(fd);
		return -1;
	}
	n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) == -1 || write(fd, buf, (size_t)n) != n) {
		log_err("cannot write pid file: path=%s error=%s", path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void
daemonize(void)
{
	int fd;

	if (daemon(0, 1) == -1)
		fatal("daemon: %s", strerror(errno));
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
}

static void
sighup_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct ferryd *d = w->data;
	struct conf_errs errs;

	(void)loop;
	(void)revents;
	conf_errs_init(&errs, d->conf_file);
	ferryd_reload(d, &errs);
	conf_errs_clear(&errs);
}

static void
sigterm_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)revents;
	log_info(
	    "shutting down: signal=%s", w->signum == SIGTERM ? "TERM" : "INT");
	ev_break(loop, EVBREAK_ALL);
}

static void
signals_start(struct ferryd *d)
{
	signal(SIGPIPE, SIG_IGN);
	ev_signal_init(&d->sighup, sighup_cb, SIGHUP);
	ev_signal_init(&d->sigterm, sigterm_cb, SIGTERM);
	ev_signal_init(&d->sigint, sigterm_cb, SIGINT);
	d->sighup.data = d->sigterm.data = d->sigint.data = d;
	ev_signal_start(d->loop, &d->sighup);
	ev_signal_start(d->loop, &d->sigterm);
	ev_signal_start(d->loop, &d->sigint);
}

static int
check_config(const char *file, bool verbose)
{
	struct ferry_config *cf;
	struct conf_errs errs;
	config_t lc;
	size_t i;

	conf_errs_init(&errs, file);
	if ((cf = conf_load(file, NULL, &errs)) == NULL) {
		for (i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.msg[i]);
		fprintf(stderr, "%s: %zu error%s\n", file, errs.n,
		    errs.n == 1 ? "" : "s");
		conf_errs_clear(&errs);
		return 1;
	}
	if (verbose) {
		conf_dump(cf, &lc);
		conf_print(&lc, stdout);
		config_destroy(&lc);
		fflush(stdout);
	}
	fprintf(stderr, "configuration OK\n");
	conf_free(cf);
	return 0;
}

/*
 * One descriptor per BGP session (two during a collision): a route
 * reflector for a cluster of 2000 nodes needs more than the soft limit
 * of 1024 that most service managers give, and the hard limit is there
 * to be used.
 */
static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur >= rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		log_warn("cannot raise the descriptor limit: error=%s",
		    strerror(errno));
}

int
main(int argc, char *argv[])
{
	struct ferryd d;
	struct conf_errs errs;
	char *pid_path = NULL;
	bool check = false, verbose = false;
	int ch, rc = 1;
	size_t i;

	memset(&d, 0, sizeof(d));
	d.conf_file = FERRY_DEFAULT_CONF;
	d.pid_fd = -1;
	while ((ch = getopt(argc, argv, "c:dfhnvV")) != -1) {
		switch (ch) {
		case 'c':
			d.conf_file = optarg;
			break;
		case 'd':
			d.debug = true;
			break;
		case 'f':
			d.foreground = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'n':
			check = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'V':
			printf("ferryd %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	log_init("ferryd", LOG_DEST_STDERR, LOG_DAEMON);
	if (check)
		return check_config(d.conf_file, verbose);

	conf_errs_init(&errs, d.conf_file);
	if ((d.conf = conf_load(d.conf_file, NULL, &errs)) == NULL) {
		for (i = 0; i < errs.n; i++)
			log_err("%s", errs.msg[i]);
		log_err("not starting: config has errors: errors=%zu", errs.n);
		conf_errs_clear(&errs);
		return 1;
	}
	if (!d.foreground) {
		daemonize();
		log_init("ferryd", LOG_DEST_SYSLOG, d.conf->log.facility);
	}
	/* The pid file stays where we started, whatever a reload says. */
	pid_path = xstrdup(d.conf->pid_file);
	if ((d.pid_fd = pidfile_open(pid_path)) == -1)
		goto out;
	raise_nofile();
	d.loop = ev_default_loop(EVFLAG_AUTO);
	signals_start(&d);
	if (ferryd_start(&d) == 0) {
		ev_run(d.loop, 0);
		rc = 0;
	}
	ferryd_stop(&d);
	unlink(pid_path);
	log_info("ferryd stopped: exit=%d", rc);
out:
	if (d.pid_fd != -1)
		close(d.pid_fd);
	conf_free(d.conf);
	free(pid_path);
	return rc;
}
