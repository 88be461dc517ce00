/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The control socket: a unix stream socket (mode 0600) that serves the
 * protocol of ctl_proto.h to ferryctl and scripts.
 *
 * Commands are registered by name with a handler; the agent registers
 * status, reload and config, and each module registers its own ("show bgp
 * peers", ...).  Handlers run on the event loop and must not block.
 */
#ifndef FERRY_CONTROL_H
#define FERRY_CONTROL_H

#include <stddef.h>

struct conf_control;
struct ev_loop;
struct json_object;
struct control;

/*
 * Return the result (an object the reply takes over), or NULL after
 * writing the reason into err.
 */
typedef struct json_object *(*control_fn)(
    void *arg, struct json_object *args, char *err, size_t errlen);

struct control *control_new(struct ev_loop *);
/* Listen as configured: (re)binds when the path changed; 0 or -1. */
int control_configure(struct control *, const struct conf_control *);
void control_register(
    struct control *, const char *command, control_fn, void *arg);
void control_unregister(struct control *, const char *command);
unsigned control_nclients(const struct control *);
void control_free(struct control *);

#endif
