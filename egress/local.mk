# egress/: the egress gateway module (config section, policy compiler).
AM_CPPFLAGS += -I$(top_srcdir)/egress
lib_libferry_a_SOURCES += \
	egress/egress.c egress/egressd.h egress/egress_int.h \
	egress/egress_conf.c egress/egress_policy.c egress/egress_map.c
