# SPDX-License-Identifier: BSD-2-Clause
#
# egress/: automake fragment, included from the top Makefile.am.
#
# egress_nat.c (NAT table GC and reader over the egr_ct / egr_rev map
# fds) goes into lib/libferry.a like every module; its unit test creates
# its own maps and needs privilege for that (skips with 77 without).

AM_CPPFLAGS += -I$(top_srcdir)/egress
lib_libferry_a_SOURCES += egress/egress_nat.c egress/egress_nat.h

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_egress_nat
TESTS += tests/unit/test_egress_nat
endif
tests_unit_test_egress_nat_SOURCES = tests/unit/test_egress_nat.c
tests_unit_test_egress_nat_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_egress_nat_LDADD = $(TEST_LIBS)
