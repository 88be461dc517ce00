/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Logging: one line per event, a short message followed by key=value
 * context ("peer up: peer=192.0.2.1 asn=65001").  To stderr with a
 * timestamp when the daemon runs in the foreground, to syslog otherwise.
 */
#ifndef FERRY_LOG_H
#define FERRY_LOG_H

#include <stdbool.h>
#include <syslog.h>

enum log_dest {
	LOG_DEST_STDERR,
	LOG_DEST_SYSLOG,
};

void log_init(const char *ident, enum log_dest, int facility);
void log_set_level(int level); /* LOG_ERR .. LOG_DEBUG */
int log_get_level(void);
int log_level_parse(const char *); /* -1 if unknown */
const char *log_level_name(int);
int log_facility_parse(const char *); /* -1 if unknown */

void log_msg(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

#define log_err(...)	log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
