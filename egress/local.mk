# SPDX-License-Identifier: BSD-2-Clause
#
# egress/: the egress gateway module, included from the top Makefile.am.
#
# The config section, the policy compiler and its map writer, the module,
# and egress_nat.c (NAT table GC and reader over the egr_ct / egr_rev map
# fds) go into lib/libferry.a like every module.  test_egress_nat creates
# its own maps and needs privilege for that (skips with 77 without).

AM_CPPFLAGS += -I$(top_srcdir)/egress
lib_libferry_a_SOURCES += \
	egress/egress.c egress/egressd.h egress/egress_int.h \
	egress/egress_conf.c egress/egress_policy.c egress/egress_map.c \
	egress/egress_nat.c egress/egress_nat.h egress/egress_dp.c \
	egress/egress_ctl.c egress/egress_sync.c egress/egress_sync.h \
	egress/egress_gate.c
BUILT_SOURCES += bpf/egress.skel.h

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_egress_nat
TESTS += tests/unit/test_egress_nat
endif
tests_unit_test_egress_nat_SOURCES = tests/unit/test_egress_nat.c
tests_unit_test_egress_nat_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_egress_nat_LDADD = $(TEST_LIBS)
