# agent/: the daemon core.  All but main.c go into libferry.a so that
# unit tests and fuzz targets link the very code the daemon runs.
lib_libferry_a_SOURCES += \
	agent/bpf_hook.c agent/bpf_hook.h \
	agent/conf.c agent/conf.h \
	agent/control.c agent/control.h \
	agent/ctl_proto.c agent/ctl_proto.h \
	agent/ferryd.c agent/ferryd.h agent/ferryd_int.h \
	agent/metrics.c agent/metrics.h \
	agent/module.h agent/modules.c \
	agent/netlink.c agent/netlink.h

sbin_PROGRAMS += agent/ferryd
agent_ferryd_SOURCES = agent/main.c
agent_ferryd_CFLAGS = $(AM_CFLAGS) $(DEP_CFLAGS)
agent_ferryd_LDADD = lib/libferry.a $(DEP_LIBS)
